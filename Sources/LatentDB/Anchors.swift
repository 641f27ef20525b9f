import EmbeddingCodec
import Foundation
import Storage

/// How sampled anchors are chosen among the candidate items.
public enum SamplerKind: String, CaseIterable, Sendable, Codable {
    /// Uniformly at random.
    case uniform
    /// The same number per label.
    case stratified
    /// Farthest-point traversal of the source space: spread over it.
    case farthest
    /// The items nearest k-means centres of the source space.
    case kmeans
}

/// How an anchor set is drawn.
public enum AnchorSampler: Sendable, Equatable {
    /// `count` items drawn uniformly (from the train split when the dataset has splits).
    case uniform(count: Int, seed: UInt64)
    /// The same number of items per label (from the train split when there is one).
    case stratified(count: Int, seed: UInt64)
    /// One key per line (same dataset), or `SOURCE_KEY<TAB>TARGET_KEY` per line.
    case file(path: String)
    /// Farthest-point or k-means centres in the source space (from the train split when there is one).
    case geometric(SamplerKind, count: Int, seed: UInt64)

    var name: String {
        switch self {
        case .uniform: "uniform"
        case .stratified: "stratified"
        case .file: "file"
        case let .geometric(kind, _, _): kind.rawValue
        }
    }

    /// The number of anchors asked for, when the sampler draws them.
    var count: Int? {
        switch self {
        case let .uniform(count, _), let .stratified(count, _), let .geometric(_, count, _): count
        case .file: nil
        }
    }

    var options: String {
        switch self {
        case let .uniform(count, seed), let .stratified(count, seed), let .geometric(_, count, seed): "{\"count\":\(count),\"seed\":\(seed)}"
        case let .file(path): "{\"file\":\"\(path.replacingOccurrences(of: "\"", with: "\\\""))\"}"
        }
    }
}

public struct AnchorSetSummary: Codable, Sendable {
    public let name: String
    public let from: String
    public let to: String
    public let sampler: String
    public let options: String
    public let count: Int
    public let hash: String
    public let createdAt: String
    public var warnings: [String] = []
}

public struct AnchorSetDetail: Codable, Sendable {
    public let summary: AnchorSetSummary
    public let pairs: [[String]]
}

extension AnchorSetSummary {
    init(_ r: AnchorSetRecord, warnings: [String] = []) {
        self.init(name: r.name, from: r.sourceSpace, to: r.targetSpace, sampler: r.sampler, options: r.options,
                  count: r.pairCount, hash: r.hash, createdAt: r.createdAt, warnings: warnings)
    }
}

extension LatentStore {
    /// Draws and stores an anchor set between two spaces.
    public func createAnchors(name: String, from source: SpaceName, to target: SpaceName, sampler: AnchorSampler,
                              replace: Bool = false) throws -> AnchorSetSummary {
        try SpaceName.validate(component: name, kind: "anchor set")
        return try write { tx in
            let sourceSpace = try tx.space(source), targetSpace = try tx.space(target)
            let sourceItems = try tx.items(datasetID: sourceSpace.datasetID)
            let targetItems = try tx.items(datasetID: targetSpace.datasetID)
            let sameDataset = sourceSpace.datasetID == targetSpace.datasetID

            let pairs: [(source: ItemKey, target: ItemKey)]
            switch sampler {
            case let .uniform(count, seed):
                guard sameDataset else { throw Self.crossDatasetSamplerError(source, target) }
                var generator = SeededGenerator(seed: seed)
                pairs = generator.sample(Self.candidateRows(sourceItems), count: count).map { (sourceItems[$0].key, sourceItems[$0].key) }
            case let .stratified(count, seed):
                guard sameDataset else { throw Self.crossDatasetSamplerError(source, target) }
                pairs = try Self.stratified(sourceItems, count: count, seed: seed, space: source).map { (sourceItems[$0].key, sourceItems[$0].key) }
            case let .geometric(kind, count, seed):
                guard sameDataset else { throw Self.crossDatasetSamplerError(source, target) }
                let candidates = Self.candidateRows(sourceItems)
                let rows = try Self.sample(kind, candidates: candidates, items: sourceItems, source: try Self.load(tx, source).matrix,
                                           count: count, seed: seed, space: source)
                pairs = rows.map { (sourceItems[$0].key, sourceItems[$0].key) }
            case let .file(path):
                pairs = try Self.readAnchorFile(path, sourceKeys: sourceItems.map(\.key), targetKeys: targetItems.map(\.key),
                                                sameDataset: sameDataset, sourceDataset: source.dataset, targetDataset: target.dataset)
            }
            guard pairs.count >= 2 else {
                throw LatentError(.anchorSetTooSmall(name, found: pairs.count))
            }
            if let existing = try tx.findAnchorSet(named: name) {
                guard replace else { throw LatentError(.anchorSetExists(name, pairs: existing.pairCount)) }
                try tx.removeAnchorSet(id: existing.id)
            }
            let hash = Self.anchorHash(sourceDataset: source.dataset, targetDataset: target.dataset, pairs: pairs)
            let record = try tx.createAnchorSet(NewAnchorSet(
                name: name, sourceDatasetID: sourceSpace.datasetID, targetDatasetID: targetSpace.datasetID,
                sourceSpace: source.description, targetSpace: target.description, sampler: sampler.name,
                options: sampler.options, hash: hash, pairs: pairs))
            var warnings: [String] = []
            if let asked = sampler.count, pairs.count < asked {
                // Samplers draw without replacement: a count above what is available is clamped, and said so.
                let candidates = Self.candidateRows(sourceItems)
                let pool = sourceItems.contains(where: { $0.split != nil }) ? "train items" : "items"
                var reason = "dataset '\(source.dataset)' has \(candidates.count) \(pool)"
                if case .stratified = sampler, candidates.count >= asked { reason = "some labels have fewer \(pool) than their share" }
                warnings.append("anchor set '\(name)' has \(pairs.count) anchors, fewer than the \(asked) asked for: \(reason)")
            }
            let dims = max(sourceSpace.dimension, targetSpace.dimension)
            if pairs.count < dims {
                warnings.append("anchor set '\(name)' has \(pairs.count) anchors, fewer than the \(dims) dimensions: least-squares estimators are under-determined (ortho still works)")
            }
            return AnchorSetSummary(record, warnings: warnings)
        }
    }

    public func anchorSets() throws -> [AnchorSetSummary] {
        try read { try $0.anchorSets().map { AnchorSetSummary($0) } }
    }

    public func anchorSet(named name: String) throws -> AnchorSetDetail {
        try read { tx in
            let record = try tx.anchorSet(named: name)
            return AnchorSetDetail(summary: AnchorSetSummary(record), pairs: try tx.anchorPairs(setID: record.id).map { [$0.source, $0.target] })
        }
    }

    public func removeAnchorSet(named name: String) throws {
        try write { tx in try tx.removeAnchorSet(id: try tx.anchorSet(named: name).id) }
    }

    static func crossDatasetSamplerError(_ source: SpaceName, _ target: SpaceName) -> LatentError {
        LatentError(.crossDatasetSampling(source: source.description, target: target.description))
    }

    /// Train rows when the dataset has splits, else every row.
    static func candidateRows(_ items: [ItemRecord]) -> [Int] {
        let train = items.indices.filter { items[$0].split == "train" }
        return items.contains(where: { $0.split != nil }) ? train : Array(items.indices)
    }

    static func stratified(_ items: [ItemRecord], count: Int, seed: UInt64, space: SpaceName) throws -> [Int] {
        var byLabel: [String: [Int]] = [:]
        for row in candidateRows(items) { if let label = items[row].label { byLabel[label, default: []].append(row) } }
        guard !byLabel.isEmpty else {
            throw LatentError(.stratifiedNeedsLabels(dataset: space.dataset))
        }
        var generator = SeededGenerator(seed: seed)
        let labels = byLabel.keys.sorted()
        var rows: [Int] = []
        for (i, label) in labels.enumerated() {
            let share = count / labels.count + (i < count % labels.count ? 1 : 0)
            rows += generator.sample(byLabel[label]!, count: share)
        }
        return generator.permuted(rows)
    }

    static func readAnchorFile(_ path: String, sourceKeys: [String], targetKeys: [String], sameDataset: Bool,
                               sourceDataset: String, targetDataset: String) throws -> [(source: ItemKey, target: ItemKey)] {
        let sourceSet = Set(sourceKeys), targetSet = Set(targetKeys)
        var pairs: [(source: ItemKey, target: ItemKey)] = []
        var missing: [String] = []
        var seen: [String: Int] = [:]
        for (number, line) in try LineFile.read(path, what: "anchor").enumerated() where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let pair: (source: ItemKey, target: ItemKey)
            switch fields.count {
            case 1 where sameDataset: pair = (fields[0], fields[0])
            case 1: throw LatentError(.anchorFileNeedsPair(path: path, line: number + 1, sourceDataset: sourceDataset, targetDataset: targetDataset))
            case 2: pair = (fields[0], fields[1])
            default: throw LatentError(.anchorFileFields(path: path, line: number + 1, fields: fields.count))
            }
            if !sourceSet.contains(pair.source) { missing.append("'\(pair.source)' (line \(number + 1), dataset '\(sourceDataset)')") }
            if !targetSet.contains(pair.target) && !(sameDataset && pair.target == pair.source) { missing.append("'\(pair.target)' (line \(number + 1), dataset '\(targetDataset)')") }
            if let first = seen.updateValue(number, forKey: pair.source + "\t" + pair.target) {
                throw LatentError(.anchorFileRepeat(path: path, line: number + 1, firstLine: first + 1))
            }
            pairs.append(pair)
        }
        guard missing.isEmpty else {
            throw LatentError(.anchorFileUnknownKeys(path: path, missing: missing))
        }
        return pairs
    }

    static func anchorHash(sourceDataset: String, targetDataset: String, pairs: [(source: ItemKey, target: ItemKey)]) -> String {
        var bytes = Array("latentdb-anchors-v1|\(sourceDataset)|\(targetDataset)|".utf8)
        for pair in pairs {
            bytes += pair.source.utf8
            bytes.append(0x09)
            bytes += pair.target.utf8
            bytes.append(0x0A)
        }
        return hex(bytes.withUnsafeBytes { xxh64($0) })
    }
}
