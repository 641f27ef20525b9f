import EmbeddingCodec
import Foundation
import Storage
import Translation

public typealias Estimator = Translation.Estimator
public typealias Scaling = Translation.Scaling
public typealias Translator = Translation.Translator

extension Estimator {
    /// The name users type (`scaled-ortho` rather than the Swift case name).
    public var cliName: String { self == .scaledOrtho ? "scaled-ortho" : rawValue }

    public init?(cliName: String) {
        if cliName == "scaled-ortho" { self = .scaledOrtho } else { self.init(rawValue: cliName) }
    }
}

/// What a translator is fitted from: two spaces, an anchor set, an estimator, a pre-processing.
public struct FitRequest: Sendable {
    public var from: SpaceName
    public var to: SpaceName
    public var anchors: String
    public var estimator: Estimator
    public var scaling: Scaling
    public var refit: Bool

    public init(from: SpaceName, to: SpaceName, anchors: String, estimator: Estimator = .ortho, scaling: Scaling = .standard, refit: Bool = false) {
        self.from = from
        self.to = to
        self.anchors = anchors
        self.estimator = estimator
        self.scaling = scaling
        self.refit = refit
    }
}

public struct FitSummary: Codable, Sendable {
    public let fingerprint: String
    public let cached: Bool
    public let from: String
    public let to: String
    public let anchors: String
    public let anchorCount: Int
    public let method: String
    public let scaling: String
    public let sourceDim: Int
    public let targetDim: Int
    public let fitSeconds: Double
    public let residualMSE: Double
    public let effectiveRank: Double
    public let singularValues: [Double]
    public let createdAt: String
}

/// Stored alongside a translator: what fitting reported.
struct StoredFitReport: Codable {
    var fitSeconds: Double
    var residualMSE: Double
    var effectiveRank: Double
    var singularValues: [Double]
}

public struct TranslatorSummary: Codable, Sendable {
    public let fingerprint: String
    public let from: String
    public let to: String
    public let sourceModel: String
    public let targetModel: String
    public let method: String
    public let scaling: String
    public let anchors: String
    public let anchorCount: Int
    public let sourceDim: Int
    public let targetDim: Int
    public let origin: String
    public let createdAt: String
    /// Whether the spaces it was fitted on are still stored at the same version.
    public let current: Bool
}

extension LatentStore {
    /// Standard scaling treats a std below 10·eps as 1. Fitting runs in Float64, so eps is
    /// Float64's, as in the reference protocol: minilm has a dimension with std 1e-8 that
    /// Float32's eps would promote to 1, blowing that near-constant dimension up on output.
    static let scalingEpsilon = Double.ulpOfOne

    /// Bumped when fitting changes in a way that changes results: old cache entries then miss.
    static let fitFormatVersion = 1

    static func fingerprint(sourceVersion: String, targetVersion: String, anchorHash: String, estimator: Estimator,
                            scaling: Scaling, options: String) -> String {
        let text = "latentdb-translator|v\(fitFormatVersion)|\(sourceVersion)|\(targetVersion)|\(anchorHash)|\(estimator.rawValue)|\(scaling.rawValue)|\(options)"
        // Two seeds give 128 bits: the fingerprint is shared across stores and projects.
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { hex(xxh64($0, seed: 0)) + hex(xxh64($0, seed: 0x9E37_79B9_7F4A_7C15)) }
    }

    static func decodeTranslator(_ record: TranslatorRecord) throws -> Translator {
        let translator = try TranslatorParameters.decode(record.parameters)
        guard translator.sourceDimension == record.sourceDimension, translator.targetDimension == record.targetDimension else {
            throw LatentError(.store, "translator \(record.fingerprint.prefix(12)): parameters are \(translator.sourceDimension) → \(translator.targetDimension), record says \(record.sourceDimension) → \(record.targetDimension)")
        }
        return translator
    }

    /// Rows of `space` at `rows` (any order), streamed block by block.
    static func gather(_ tx: StoreTransaction, space: SpaceRecord, rows: [Int]) throws -> Matrix<Float> {
        var wanted: [Int: [Int]] = [:]  // space row → positions in the output
        for (position, row) in rows.enumerated() { wanted[row, default: []].append(position) }
        var out = Matrix<Float>(rows: rows.count, columns: space.dimension)
        let d = space.dimension
        try forEachBlock(tx, space: space) { first, block in
            for local in 0..<block.rows {
                guard let positions = wanted[first + local] else { continue }
                for position in positions {
                    out.elements.replaceSubrange(position * d ..< (position + 1) * d, with: block.elements[local * d ..< (local + 1) * d])
                }
            }
        }
        return out
    }

    /// Source and target anchor rows of an anchor set, oriented from `from` to `to`.
    static func anchorRows(_ tx: StoreTransaction, set: AnchorSetRecord, from: SpaceRecord, to: SpaceRecord) throws -> (source: [Int], target: [Int]) {
        var pairs = try tx.anchorPairs(setID: set.id)
        let forward = set.sourceDataset == from.name.dataset && set.targetDataset == to.name.dataset
        let backward = set.sourceDataset == to.name.dataset && set.targetDataset == from.name.dataset
        guard forward || backward else {
            throw LatentError(.badInput, "anchor set '\(set.name)' pairs datasets '\(set.sourceDataset)' → '\(set.targetDataset)', not '\(from.name.dataset)' → '\(to.name.dataset)'")
        }
        if !forward { pairs = pairs.map { ($0.target, $0.source) } }
        func rows(_ keys: [String], _ space: SpaceRecord) throws -> [Int] {
            let index = Dictionary(uniqueKeysWithValues: try tx.items(datasetID: space.datasetID).enumerated().map { ($1.key, $0) })
            let missing = keys.filter { index[$0] == nil }
            guard missing.isEmpty else {
                throw LatentError(.badInput, "anchor set '\(set.name)': \(missing.count) keys missing from \(space.name), e.g. \(missing.prefix(3).map { "'\($0)'" }.joined(separator: ", "))")
            }
            return keys.map { index[$0]! }
        }
        return (try rows(pairs.map(\.source), from), try rows(pairs.map(\.target), to))
    }

    /// Returns the cached translator for the request, or fits, stores and returns a new one.
    public func fit(_ request: FitRequest) throws -> (summary: FitSummary, translator: Translator) {
        let options = "{}"
        let prepared = try read { tx -> (SpaceRecord, SpaceRecord, AnchorSetRecord, String, TranslatorRecord?, Matrix<Float>?, Matrix<Float>?) in
            let from = try tx.space(request.from), to = try tx.space(request.to)
            let set = try tx.anchorSet(named: request.anchors)
            let fingerprint = Self.fingerprint(sourceVersion: from.version, targetVersion: to.version, anchorHash: set.hash,
                                               estimator: request.estimator, scaling: request.scaling, options: options)
            if !request.refit, let cached = try tx.translator(fingerprint: fingerprint) {
                return (from, to, set, fingerprint, cached, nil, nil)
            }
            let rows = try Self.anchorRows(tx, set: set, from: from, to: to)
            return (from, to, set, fingerprint, nil, try Self.gather(tx, space: from, rows: rows.source), try Self.gather(tx, space: to, rows: rows.target))
        }
        let (from, to, set, fingerprint, cached, sourceAnchors, targetAnchors) = prepared
        if let cached {
            let report = (try? JSONDecoder().decode(StoredFitReport.self, from: Data(cached.report.utf8)))
                ?? StoredFitReport(fitSeconds: 0, residualMSE: .nan, effectiveRank: .nan, singularValues: [])
            return (Self.summary(cached, report: report, cached: true), try Self.decodeTranslator(cached))
        }
        let start = Date()
        let (translator, fitReport) = try Translator.fit(source: sourceAnchors!, target: targetAnchors!,
                                                         estimator: request.estimator, scaling: request.scaling,
                                                         epsilon: Self.scalingEpsilon)
        let report = StoredFitReport(fitSeconds: Date().timeIntervalSince(start), residualMSE: fitReport.residualMSE,
                                     effectiveRank: fitReport.effectiveRank, singularValues: fitReport.singularValues)
        let record = TranslatorRecord(
            fingerprint: fingerprint, sourceModel: from.name.model, targetModel: to.name.model, sourceSpace: from.name.description,
            targetSpace: to.name.description, sourceVersion: from.version, targetVersion: to.version, anchorHash: set.hash,
            anchorName: set.name, anchorCount: set.pairCount, estimator: request.estimator.rawValue, scaling: request.scaling.rawValue,
            options: options, sourceDimension: from.dimension, targetDimension: to.dimension,
            parameters: TranslatorParameters.encode(translator), report: Self.json(report), origin: "fitted",
            createdAt: ISO8601DateFormatter().string(from: Date()), libraryVersion: Self.libraryVersion)
        try write { try $0.saveTranslator(record) }
        return (Self.summary(record, report: report, cached: false), translator)
    }

    static func summary(_ r: TranslatorRecord, report: StoredFitReport, cached: Bool) -> FitSummary {
        FitSummary(fingerprint: r.fingerprint, cached: cached, from: r.sourceSpace, to: r.targetSpace, anchors: r.anchorName,
                   anchorCount: r.anchorCount, method: (Estimator(rawValue: r.estimator)?.cliName ?? r.estimator), scaling: r.scaling,
                   sourceDim: r.sourceDimension, targetDim: r.targetDimension, fitSeconds: report.fitSeconds,
                   residualMSE: report.residualMSE, effectiveRank: report.effectiveRank, singularValues: report.singularValues,
                   createdAt: r.createdAt)
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public func translators() throws -> [TranslatorSummary] {
        try read { tx in
            let versions = Dictionary(try tx.spaces().map { ($0.name.description, $0.version) }, uniquingKeysWith: { a, _ in a })
            return try tx.translators().map { r in
                TranslatorSummary(fingerprint: r.fingerprint, from: r.sourceSpace, to: r.targetSpace, sourceModel: r.sourceModel,
                                  targetModel: r.targetModel, method: Estimator(rawValue: r.estimator)?.cliName ?? r.estimator,
                                  scaling: r.scaling, anchors: r.anchorName, anchorCount: r.anchorCount, sourceDim: r.sourceDimension,
                                  targetDim: r.targetDimension, origin: r.origin, createdAt: r.createdAt,
                                  current: versions[r.sourceSpace] == r.sourceVersion && versions[r.targetSpace] == r.targetVersion)
            }
        }
    }

    /// Removes the translator whose fingerprint is `id` or starts with it; returns its fingerprint.
    public func removeTranslator(_ id: String) throws -> String {
        try write { tx in
            let record = try tx.translator(matching: id)
            try tx.removeTranslator(fingerprint: record.fingerprint)
            return record.fingerprint
        }
    }

    /// A stored translator by fingerprint or unique prefix.
    public func translator(_ id: String) throws -> (record: TranslatorSummary, translator: Translator) {
        let record = try read { try $0.translator(matching: id) }
        let summary = try translators().first { $0.fingerprint == record.fingerprint }!
        return (summary, try Self.decodeTranslator(record))
    }
}
