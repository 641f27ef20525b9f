import EmbeddingCodec
import Foundation
import Storage
import Translation

public typealias Estimator = Translation.Estimator
public typealias Scaling = Translation.Scaling
public typealias Translator = Translation.Translator
public typealias Completion = Translation.Completion

extension Estimator {
    /// The name users type (`scaled-ortho` rather than the Swift case name).
    public var cliName: String { self == .scaledOrtho ? "scaled-ortho" : rawValue }

    public init?(cliName: String) {
        if cliName == "scaled-ortho" { self = .scaledOrtho } else { self.init(rawValue: cliName) }
    }
}

/// What a translator is fitted from: two spaces, an anchor set, and how (`FitSpec`).
public struct FitRequest: Sendable {
    public var from: SpaceName
    public var to: SpaceName
    public var anchors: String
    public var spec: FitSpec
    public var refit: Bool

    public init(from: SpaceName, to: SpaceName, anchors: String, spec: FitSpec = FitSpec(), refit: Bool = false) {
        self.from = from
        self.to = to
        self.anchors = anchors
        self.spec = spec
        self.refit = refit
    }
}

public struct FitSummary: Codable, Sendable {
    public let fingerprint: String
    /// The same fingerprint under the key every command's `--json` uses for the translator it used.
    public let translator: String
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
    /// `auto`: the configuration chosen and every candidate's cross-validated score.
    public let chosen: String?
    public let selection: [SelectionScore]?
    /// `--refine`: mutual nearest-neighbour pairs added in each round.
    public let refinePairs: [Int]?
    /// ortho, scaled-ortho, lortho, auto: `partial` or `full` (nil where it does not apply).
    public let completion: String?
    /// Dimensions of the map the anchors determine, of `mapDimensions` (nil for ridge, and
    /// for translators cached before this was recorded).
    public let determinedDimensions: Int?
    public let mapDimensions: Int?
    /// One line each: the anchors leave part of the map undetermined.
    public let warnings: [String]
    /// `residual`: the kernel correction its cross-validation chose (nil for other methods).
    public var kernel: FitKernel? = nil
}

/// What `--method residual` chose on its own five folds of the anchors.
public struct FitKernel: Codable, Sendable, Equatable {
    /// RBF width as a multiple of 1 / (median squared distance between anchors); nil: no
    /// correction beat the orthogonal map, which is then the whole translator.
    public let widthFactor: Double?
    public let lambda: Double?
    public let centres: Int
    /// Mean held-out MRR over residual's own five folds: the choice, and ortho alone. Absent
    /// when auto chose the point on its folds (its table has the score) or the anchors were
    /// too few to fold.
    public let crossValidatedMRR: Double?
    public let orthoMRR: Double?
}

/// Stored alongside a translator: what fitting reported.
struct StoredFitReport: Codable {
    var fitSeconds: Double
    var residualMSE: Double
    var effectiveRank: Double
    var singularValues: [Double]
    var chosen: String?
    var selection: [SelectionScore]?
    var refinePairs: [Int]?
    var determinedDimensions: Int?
    var mapDimensions: Int?
    var kernel: FitKernel?
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

    static func fingerprint(sourceVersion: String, targetVersion: String, anchorHash: String, spec: FitSpec) -> String {
        let text = "latentdb-translator|v\(fitFormatVersion)|\(sourceVersion)|\(targetVersion)|\(anchorHash)|\(spec.fingerprintEstimator)|\(spec.scaling.rawValue)|\(spec.options)"
        // Two seeds give 128 bits: the fingerprint is shared across stores and projects.
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { hex(xxh64($0, seed: 0)) + hex(xxh64($0, seed: 0x9E37_79B9_7F4A_7C15)) }
    }

    /// A stored translator decoded, or the one a long-lived process decoded before: a fingerprint
    /// names what it was fitted from, so a held translator is never stale.
    func decodedTranslator(_ record: TranslatorRecord) throws -> Translator {
        if let held = hot?.translator(fingerprint: record.fingerprint) { return held }
        let translator = try Self.decodeTranslator(record)
        hot?.insert(translator, fingerprint: record.fingerprint)
        return translator
    }

    static func decodeTranslator(_ record: TranslatorRecord) throws -> Translator {
        let translator = try TranslatorParameters.decode(record.parameters)
        guard translator.sourceDimension == record.sourceDimension, translator.targetDimension == record.targetDimension else {
            throw LatentError(.translatorRecordShape(fingerprint: String(record.fingerprint.prefix(12)), parameters: (translator.sourceDimension, translator.targetDimension), record: (record.sourceDimension, record.targetDimension)))
        }
        return translator
    }

    /// Rows of `space` at `rows` (any order): only the blocks that hold them are read and decoded,
    /// so a few query rows of a large space cost a few blocks, not the whole space.
    static func gather(_ tx: any StorageTransaction, space: SpaceRecord, rows: [Int]) throws -> Matrix<Float> {
        var wanted: [Int: [Int]] = [:]  // space row → positions in the output
        for (position, row) in rows.enumerated() { wanted[row, default: []].append(position) }
        var out = Matrix<Float>(rows: rows.count, columns: space.dimension)
        guard !rows.isEmpty else { return out }
        let d = space.dimension
        let locations = try tx.blockLocations(spaceID: space.id)
        let needed = locations.filter { location in
            // Few rows: look each up; many: one pass over the block's range.
            rows.count < location.rowCount
                ? wanted.keys.contains { $0 >= location.firstRow && $0 < location.firstRow + location.rowCount }
                : (location.firstRow ..< location.firstRow + location.rowCount).contains { wanted[$0] != nil }
        }
        let missing = Set(wanted.keys).subtracting(needed.flatMap { $0.firstRow ..< $0.firstRow + $0.rowCount })
        guard missing.isEmpty else {
            throw LatentError(.blockRowTotal(space: space.name.description, rows: locations.reduce(0) { $0 + $1.rowCount }, expected: space.rowCount))
        }
        var elements: [Float] = []
        try tx.forEachBlock(spaceID: space.id, indices: needed.map(\.index)) { location, bytes in
            let block = try decode(bytes, location: location, space: space, reusing: &elements)
            for local in 0..<block.rows {
                guard let positions = wanted[location.firstRow + local] else { continue }
                for position in positions {
                    out.elements.replaceSubrange(position * d ..< (position + 1) * d, with: block.elements[local * d ..< (local + 1) * d])
                }
            }
        }
        return out
    }

    /// Source and target anchor rows of an anchor set, oriented from `from` to `to`.
    static func anchorRows(_ tx: any StorageTransaction, set: AnchorSetRecord, from: SpaceRecord, to: SpaceRecord) throws -> (source: [Int], target: [Int]) {
        var pairs = try tx.anchorPairs(setID: set.id)
        let forward = set.sourceDataset == from.name.dataset && set.targetDataset == to.name.dataset
        let backward = set.sourceDataset == to.name.dataset && set.targetDataset == from.name.dataset
        guard forward || backward else {
            throw LatentError(.anchorSetDatasets(set.name, source: set.sourceDataset, target: set.targetDataset, from: from.name.dataset, to: to.name.dataset))
        }
        if !forward { pairs = pairs.map { ($0.target, $0.source) } }
        func rows(_ keys: [String], _ space: SpaceRecord) throws -> [Int] {
            let index = Dictionary(uniqueKeysWithValues: try tx.items(datasetID: space.datasetID).enumerated().map { ($1.key, $0) })
            let missing = keys.filter { index[$0] == nil }
            guard missing.isEmpty else {
                throw LatentError(.anchorKeysMissing(set.name, space: space.name.description, missing: missing))
            }
            return keys.map { index[$0]! }
        }
        return (try rows(pairs.map(\.source), from), try rows(pairs.map(\.target), to))
    }

    /// Rows of the two spaces that are not anchors, each side shuffled on its own (seeded): the
    /// refinement pools, which must never carry the true pairing of those items.
    static func unpairedPools(_ tx: any StorageTransaction, from: SpaceRecord, to: SpaceRecord, anchorRows: (source: [Int], target: [Int]),
                              allowed: Set<Int>? = nil) throws -> (source: Matrix<Float>, target: Matrix<Float>) {
        func pool(_ space: SpaceRecord, _ anchors: [Int], seed: UInt64) throws -> Matrix<Float> {
            let taken = Set(anchors)
            var generator = SeededGenerator(seed: seed)
            let rows = generator.permuted((0..<space.rowCount).filter { !taken.contains($0) && (allowed?.contains($0) ?? true) })
            return try gather(tx, space: space, rows: rows)
        }
        return (try pool(from, anchorRows.source, seed: 0x50), try pool(to, anchorRows.target, seed: 0x7A))
    }

    /// Returns the cached translator for the request, or fits, stores and returns a new one.
    public func fit(_ request: FitRequest) throws -> (summary: FitSummary, translator: Translator) {
        let spec = request.spec
        var held: (summary: FitSummary, translator: Translator)? = nil
        let prepared = try read { tx -> (SpaceRecord, SpaceRecord, AnchorSetRecord, String, TranslatorRecord?, Matrix<Float>?, Matrix<Float>?, (source: Matrix<Float>, target: Matrix<Float>)?)? in
            let from = try tx.space(request.from), to = try tx.space(request.to)
            let set = try tx.anchorSet(named: request.anchors)
            let fingerprint = Self.fingerprint(sourceVersion: from.version, targetVersion: to.version, anchorHash: set.hash, spec: spec)
            // The fingerprint names the versions, anchors and spec it was fitted from: a held fit is the stored one.
            if !request.refit, let fit = hot?.fit(fingerprint: fingerprint) {
                held = fit
                return nil
            }
            if !request.refit, let cached = try tx.translator(fingerprint: fingerprint) {
                return (from, to, set, fingerprint, cached, nil, nil, nil)
            }
            let rows = try Self.anchorRows(tx, set: set, from: from, to: to)
            let pools = spec.refine > 0 ? try Self.unpairedPools(tx, from: from, to: to, anchorRows: rows) : nil
            return (from, to, set, fingerprint, nil, try Self.gather(tx, space: from, rows: rows.source),
                    try Self.gather(tx, space: to, rows: rows.target), pools)
        }
        guard let (from, to, set, fingerprint, cached, sourceAnchors, targetAnchors, pools) = prepared else { return held! }
        if let cached {
            let report = (try? JSONDecoder().decode(StoredFitReport.self, from: Data(cached.report.utf8)))
                ?? StoredFitReport(fitSeconds: 0, residualMSE: .nan, effectiveRank: .nan, singularValues: [])
            let fit = (Self.summary(cached, report: report, cached: true, spec: spec), try decodedTranslator(cached))
            hot?.insert(fit: fit, fingerprint: fingerprint)
            return fit
        }
        let start = Date()
        let outcome = try Self.fit(spec, source: sourceAnchors!, target: targetAnchors!, unpaired: pools)
        let report = StoredFitReport(fitSeconds: Date().timeIntervalSince(start), residualMSE: outcome.residualMSE,
                                     effectiveRank: outcome.effectiveRank, singularValues: outcome.singularValues,
                                     chosen: outcome.chosen, selection: outcome.selection, refinePairs: outcome.refinePairs,
                                     determinedDimensions: outcome.determined?.rank, mapDimensions: outcome.determined?.of,
                                     kernel: outcome.kernel)
        let record = TranslatorRecord(
            fingerprint: fingerprint, sourceModel: from.name.model, targetModel: to.name.model, sourceSpace: from.name.description,
            targetSpace: to.name.description, sourceVersion: from.version, targetVersion: to.version, anchorHash: set.hash,
            anchorName: set.name, anchorCount: set.pairCount, estimator: outcome.estimator.rawValue, scaling: outcome.scaling.rawValue,
            options: spec.options, sourceDimension: from.dimension, targetDimension: to.dimension,
            parameters: TranslatorParameters.encode(outcome.translator), report: Self.json(report), origin: "fitted",
            createdAt: ISO8601DateFormatter().string(from: Date()), libraryVersion: Self.libraryVersion)
        try write { try $0.saveTranslator(record) }
        hot?.insert(fit: (Self.summary(record, report: report, cached: true, spec: spec), outcome.translator), fingerprint: fingerprint)
        return (Self.summary(record, report: report, cached: false, spec: spec), outcome.translator)
    }

    static func summary(_ r: TranslatorRecord, report: StoredFitReport, cached: Bool, spec: FitSpec) -> FitSummary {
        let method = Estimator(rawValue: r.estimator)?.cliName ?? r.estimator
        var warnings: [String] = []
        if let determined = report.determinedDimensions, let of = report.mapDimensions, determined < of {
            let rest = spec.usesCompletion && spec.completion == .full
                ? "the other \(of - determined) are completed arbitrarily (full completion, as the paper)"
                : "the other \(of - determined) translate to the target's anchor mean"
            // More anchors help only when they are fewer than the dimensions; beyond that the
            // undetermined ones are constant over the anchors (MiniLM's dead dimensions).
            let advice = r.anchorCount <= of ? "use more anchors or --method ridge"
                : "the anchors never vary them (more anchors will not change that; --method ridge shrinks instead)"
            warnings.append("anchors '\(r.anchorName)' (\(r.anchorCount)) determine \(determined) of the \(of) dimensions of the \(method) map: "
                            + "\(rest); \(advice)")
        }
        var summary = FitSummary(fingerprint: r.fingerprint, translator: r.fingerprint, cached: cached, from: r.sourceSpace, to: r.targetSpace, anchors: r.anchorName,
                   anchorCount: r.anchorCount, method: method, scaling: r.scaling,
                   sourceDim: r.sourceDimension, targetDim: r.targetDimension, fitSeconds: report.fitSeconds,
                   residualMSE: report.residualMSE, effectiveRank: report.effectiveRank, singularValues: report.singularValues,
                   createdAt: r.createdAt, chosen: report.chosen, selection: report.selection, refinePairs: report.refinePairs,
                   completion: spec.usesCompletion ? spec.completion.rawValue : nil, determinedDimensions: report.determinedDimensions,
                   mapDimensions: report.mapDimensions, warnings: warnings)
        summary.kernel = report.kernel
        return summary
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public func translators() throws -> [TranslatorSummary] {
        try read { tx in
            let versions = try Self.currentVersions(tx)
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
        return (summary, try decodedTranslator(record))
    }
}

/// The cached translator a command used because it was given none (no `--anchors`,
/// `--translator`, `--via`, `--via-hub`), and why that one.
public struct CachedTranslatorChoice: Codable, Sendable {
    public enum Reason: String, Codable, Sendable {
        /// The only translator that qualified.
        case only
        /// Several estimators qualified; this one was chosen by `auto` (cross-validated).
        case auto
        /// Several qualified and none was chosen by `auto`: the newest.
        case newest
    }

    public let fingerprint: String
    /// The spaces it was fitted on (in another store, for an imported translator).
    public let from: String
    public let to: String
    public let method: String
    public let scaling: String
    public let anchors: String
    public let anchorCount: Int
    public let origin: String
    public let createdAt: String
    public let reason: Reason
    /// The other translators that qualified, newest first, as `method+scaling fingerprint`.
    public let alternatives: [String]
}

extension LatentStore {
    /// A cached translator from `from`'s model to `to`'s model: the newest current one whose
    /// estimator and scaling match `method` and `scaling` when those are given; among several
    /// estimators (none asked for), the one `auto` chose if any, else the newest.
    ///
    /// Current means not stale: each space it was fitted on is stored at the version it was
    /// fitted on, or, for an imported translator (fitted in another store), not stored here at
    /// all (a store that holds that space at another version makes it stale here too).
    public func cachedTranslator(from: SpaceName, to: SpaceName, method: FitSpec.Method? = nil,
                                 scaling: Scaling? = nil) throws -> (path: TranslationPath, choice: CachedTranslatorChoice) {
        let (record, choice) = try cachedTranslatorRecord(from: from, to: to, method: method, scaling: scaling)
        return (TranslationPath(legs: [try decodedTranslator(record)], fingerprints: [record.fingerprint]), choice)
    }

    func cachedTranslatorRecord(from: SpaceName, to: SpaceName, method: FitSpec.Method?,
                                scaling: Scaling?) throws -> (record: TranslatorRecord, choice: CachedTranslatorChoice) {
        try read { tx in
            let spaces = try tx.spaces()
            let versions = Dictionary(spaces.map { ($0.name.description, $0.version) }, uniquingKeysWith: { a, _ in a })
            let dimensions = Dictionary(spaces.map { ($0.name.description, $0.dimension) }, uniquingKeysWith: { a, _ in a })
            func isCurrent(_ r: TranslatorRecord) -> Bool {
                [(r.sourceSpace, r.sourceVersion), (r.targetSpace, r.targetVersion)].allSatisfy { space, version in
                    versions[space].map { $0 == version } ?? (r.origin == "imported")
                }
            }
            // A map that cannot take these spaces' vectors does not qualify (a 50-d space of the same model).
            func fits(_ r: TranslatorRecord) -> Bool {
                (dimensions[from.description].map { $0 == r.sourceDimension } ?? true)
                    && (dimensions[to.description].map { $0 == r.targetDimension } ?? true)
            }
            func matches(_ r: TranslatorRecord) -> Bool {
                if let scaling, r.scaling != scaling.rawValue { return false }
                switch method {
                case nil: return true
                case let .estimator(e)?: return r.estimator == e.rawValue
                case .auto?: return Self.chosenByAuto(r)
                }
            }
            let pair = try tx.translators().filter { $0.sourceModel == from.model && $0.targetModel == to.model && fits($0) }
            let current = pair.filter(isCurrent)
            let qualifying = Array(current.filter(matches).reversed())  // newest first
            guard let newest = qualifying.first else {
                var filter: [String] = []
                if let method { filter.append("method \(method.name)") }
                if let scaling { filter.append("scaling \(scaling.rawValue)") }
                throw LatentError(.noCachedTranslator(
                    fromModel: from.model, toModel: to.model, from: from.description, to: to.description, filter: filter,
                    stale: pair.count - current.count, otherMethods: current.reversed().map(Self.configuration)))
            }
            var chosen = newest, reason = CachedTranslatorChoice.Reason.only
            if qualifying.count > 1 {
                reason = .newest
                let estimators = Set(qualifying.map(\.estimator))
                if method == nil, estimators.count > 1, let auto = qualifying.first(where: Self.chosenByAuto) {
                    (chosen, reason) = (auto, .auto)
                }
            }
            let choice = CachedTranslatorChoice(
                fingerprint: chosen.fingerprint, from: chosen.sourceSpace, to: chosen.targetSpace,
                method: Estimator(rawValue: chosen.estimator)?.cliName ?? chosen.estimator, scaling: chosen.scaling,
                anchors: chosen.anchorName, anchorCount: chosen.anchorCount, origin: chosen.origin, createdAt: chosen.createdAt,
                reason: reason,
                alternatives: qualifying.filter { $0.fingerprint != chosen.fingerprint }.map { "\(Self.configuration($0)) \($0.fingerprint.prefix(12))" })
            return (chosen, choice)
        }
    }

    /// Fitted by `--method auto` (its options record the selection criterion).
    static func chosenByAuto(_ r: TranslatorRecord) -> Bool { r.options.contains("\"select\"") }

    /// `ortho+standard`, `auto:linear+l2`: how a cached translator was fitted, as a user reads it.
    static func configuration(_ r: TranslatorRecord) -> String {
        (chosenByAuto(r) ? "auto:" : "") + (Estimator(rawValue: r.estimator)?.cliName ?? r.estimator) + "+" + r.scaling
    }

    /// A choice resolved, with the cached translator's details when the choice was `.cached`.
    public func resolve(from: SpaceName?, to: SpaceName?, choice: TranslatorChoice) throws -> ResolvedTranslator {
        if case let .cached(method, scaling) = choice {
            guard let from, let to else { throw LatentError(.needsFromAndTo(.cached)) }
            let (path, reuse) = try cachedTranslator(from: from, to: to, method: method, scaling: scaling)
            return ResolvedTranslator(path: path, fingerprint: reuse.fingerprint, cached: true, reuse: reuse)
        }
        let (path, fingerprint, cached) = try resolveTranslator(from: from, to: to, choice: choice)
        return ResolvedTranslator(path: path, fingerprint: fingerprint, cached: cached, reuse: nil)
    }
}
