import EmbeddingCodec
import Foundation
import NeighborSearch
import Storage
import Translation

public struct NeighborResult: Codable, Sendable {
    public let key: String
    public let label: String?
    public let score: Float
    public let row: Int
}

public struct QueryResult: Codable, Sendable {
    /// The query's key in the source space, or its row in the input file.
    public let query: String
    public let neighbors: [NeighborResult]
    /// What the search read: the target's index (at which nprobe) or every row, and why.
    public var search: SearchReport? = nil
}

public struct KNNSummary: Codable, Sendable {
    public let from: String
    public let to: String
    public let k: Int
    public let metric: String
    public let csls: Bool
    public let translator: String?
    /// The cached translator used when none was named.
    public let cachedTranslator: CachedTranslatorChoice?
    public let results: [QueryResult]
}

public struct Prediction: Codable, Sendable {
    public let query: String
    public let label: String
    public let score: Float
}

public struct ClassifySummary: Codable, Sendable {
    public let from: String
    public let to: String
    public let decoder: String
    public let translator: String?
    public let trainedOn: Int
    /// The cached translator used when none was named.
    public let cachedTranslator: CachedTranslatorChoice?
    public let predictions: [Prediction]
}

public enum DecoderKind: String, CaseIterable, Codable, Sendable {
    case knn, linear
}

extension LatentStore {
    /// Queries from `from` (translated as `choice` says) answered against `to`'s stored items.
    /// `search`: through the target's current index when it has one (`.automatic`), at a given
    /// nprobe, or every row (`.exact`); CSLS always reads every row.
    public func knn(from: SpaceName, to: SpaceName, choice: TranslatorChoice, input: QueryInput, k: Int,
                    metric: Metric = .cosine, csls: Bool = false, search mode: SearchMode = .automatic) throws -> KNNSummary {
        guard k >= 1 else { throw LatentError(.kTooSmall(k)) }
        if csls, case .nprobe = mode { throw LatentError(.cslsWithNProbe()) }
        let (answered, neighbors, items, reports) = try withTranslatedQueries(from: from, to: to, choice: choice, input: input) {
            tx, q -> (TranslatedQueries, [[Neighbor]], [Int: ItemRecord], [SearchReport]) in
            let target = q.target!
            guard k <= target.rowCount else {
                throw LatentError(.kTooLarge(k, space: to.description, items: target.rowCount))
            }
            let results: [[Neighbor]], reports: [SearchReport]
            if csls {
                // r_S for CSLS: how close each target item sits to the translated source space.
                let sourceSet = try Self.translatedSourceSet(tx, from: from, translator: q.translator, fallback: q.vectors)
                var search = try CSLS.StreamingSearch(queries: q.vectors, source: sourceSet, targetRows: target.rowCount, k: k)
                try scan(tx, target) { first, block in try search.measure(block: block, firstRow: first) }
                try scan(tx, target) { first, block in try search.rank(block: block, firstRow: first) }
                results = search.results()
                reports = Array(repeating: .exact(rows: target.rowCount, reason: "csls"), count: q.vectors.rows)
            } else {
                (results, reports) = try Self.neighbours(tx, target: target, queries: q.vectors, k: k, metric: metric, mode: mode, hot: hot) {
                    var accumulator = try NeighborAccumulator(queries: q.vectors, k: k, metric: metric)
                    try scan(tx, target) { first, block, norms in try accumulator.add(block: block, firstRow: first, squaredNorms: norms) }
                    return accumulator.results()
                }
            }
            // Only the neighbours' items: a large space's whole item list would dominate memory.
            let rows = Array(Set(results.flatMap { $0.map(\.row) }))
            let found = try tx.items(datasetID: target.datasetID, rows: rows)
            return (q, results, Dictionary(uniqueKeysWithValues: zip(rows, found)), reports)
        }
        let results = neighbors.enumerated().map { i, list in
            QueryResult(query: answered.label(i), neighbors: list.map {
                NeighborResult(key: items[$0.row]!.key, label: items[$0.row]!.label, score: $0.score, row: $0.row)
            }, search: reports[i])
        }
        return KNNSummary(from: from.description, to: to.description, k: k, metric: csls ? "csls" : metric.rawValue, csls: csls,
                          translator: answered.fingerprint, cachedTranslator: answered.reuse, results: results)
    }

    /// The source space translated into the target (the population CSLS measures hubness against).
    func translatedSourceSet(from: SpaceName, translator: TranslationPath?, fallback: Matrix<Float>) throws -> Matrix<Float> {
        try read { tx in try Self.translatedSourceSet(tx, from: from, translator: translator, fallback: fallback) }
    }

    static func translatedSourceSet(_ tx: any StorageTransaction, from: SpaceName, translator: TranslationPath?, fallback: Matrix<Float>) throws -> Matrix<Float> {
        guard try tx.findSpace(from) != nil else { return fallback }
        let source = try load(tx, from).matrix
        return translator?.translate(source) ?? source
    }

    /// Class names of a labelled dataset, in class-id order: numeric when every label is an
    /// integer, else lexicographic (ties in the decoders go to the smaller id).
    static func classNames(_ labels: [String]) -> [String] {
        let distinct = Array(Set(labels))
        if distinct.allSatisfy({ Int($0) != nil }) { return distinct.sorted { Int($0)! < Int($1)! } }
        return distinct.sorted()
    }

    /// The labelled train rows of a space (all labelled rows when it has no splits).
    static func decoderTrainingRows(_ items: [ItemRecord]) -> [Int] {
        let hasSplits = items.contains { $0.split != nil }
        return items.indices.filter { items[$0].label != nil && (!hasSplits || items[$0].split == "train") }
    }

    /// Predicted labels in `to` for queries from `from`.
    public func classify(from: SpaceName, to: SpaceName, choice: TranslatorChoice, input: QueryInput,
                         decoder: DecoderKind = .knn) throws -> ClassifySummary {
        // The queries and the target's rows come from one snapshot.
        let (q, target) = try withTranslatedQueries(from: from, to: to, choice: choice, input: input) { tx, q in
            (q, try load(tx, q.target!))
        }
        let queries = q.vectors, fingerprint = q.fingerprint
        let trainRows = Self.decoderTrainingRows(target.items)
        guard !trainRows.isEmpty else {
            throw LatentError(.noLabels(space: to.description, dataset: to.dataset))
        }
        let names = Self.classNames(trainRows.map { target.items[$0].label! })
        let classID = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let train = target.matrix.gatherRows(trainRows)
        let labels = trainRows.map { classID[target.items[$0].label!]! }
        let predictions: [(label: Int, score: Float)]
        switch decoder {
        case .knn:
            predictions = try KNNClassifier(train: train, labels: labels, classCount: names.count).predict(queries)
        case .linear:
            predictions = try cachedRidge(space: target.record, trainRows: trainRows, train: train, labels: labels, classCount: names.count).predict(queries)
        }
        return ClassifySummary(
            from: from.description, to: to.description, decoder: decoder.rawValue, translator: fingerprint, trainedOn: trainRows.count, cachedTranslator: q.reuse,
            predictions: predictions.enumerated().map { i, p in Prediction(query: q.label(i), label: names[p.label], score: p.score) })
    }

    /// A ridge decoder of a space version, cached by fingerprint like translators.
    func cachedRidge(space: SpaceRecord, trainRows: [Int], train: Matrix<Float>, labels: [Int], classCount: Int) throws -> RidgeClassifier {
        var text = "latentdb-decoder|ridge|v1|\(space.version)|\(classCount)|"
        text += trainRows.map(String.init).joined(separator: ",") + "|" + labels.map(String.init).joined(separator: ",")
        let fingerprint = Array(text.utf8).withUnsafeBytes { hex(xxh64($0, seed: 0)) + hex(xxh64($0, seed: 1)) }
        if let record = try read({ try $0.decoder(fingerprint: fingerprint) }), let ridge = try? RidgeParameters.decode(record.parameters) {
            return ridge
        }
        let ridge = try RidgeClassifier(train: train, labels: labels, classCount: classCount)
        try write { tx in
            try tx.saveDecoder(DecoderRecord(fingerprint: fingerprint, spaceVersion: space.version, kind: "ridge",
                                             parameters: RidgeParameters.encode(ridge),
                                             createdAt: ISO8601DateFormatter().string(from: Date()), libraryVersion: Self.libraryVersion))
        }
        return ridge
    }
}
