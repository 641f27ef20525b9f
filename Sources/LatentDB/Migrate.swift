import EmbeddingCodec
import Foundation
import NeighborSearch
import Storage
import Translation

/// A minimum quality a migration must show on held-out anchors, e.g. `mrr>=0.9`.
public struct QualityGate: Sendable, Codable {
    public enum Metric: String, Sendable, Codable, CaseIterable { case mrr, top1, top5, cosine }
    public let metric: Metric
    public let threshold: Double

    public init(parsing text: String) throws {
        let normalized = text.replacingOccurrences(of: "≥", with: ">=").replacingOccurrences(of: " ", with: "")
        let parts = normalized.components(separatedBy: ">=")
        guard parts.count == 2, let metric = Metric(rawValue: parts[0]), let threshold = Double(parts[1]) else {
            throw LatentError(.gateSyntax(text, metrics: Metric.allCases.map(\.rawValue)))
        }
        self.metric = metric
        self.threshold = threshold
    }

    func value(_ q: HeldOutQuality) -> Double {
        switch metric {
        case .mrr: q.mrr
        case .top1: q.top1
        case .top5: q.top5
        case .cosine: q.cosine
        }
    }
}

/// Retrieval of held-out anchors among themselves, with a translator fitted on the others.
public struct HeldOutQuality: Sendable, Codable {
    public let fittedOn: Int
    public let heldOut: Int
    public let top1: Double
    public let top5: Double
    public let mrr: Double
    public let cosine: Double
}

public struct MigrateRequest: Sendable {
    public var from: SpaceName
    public var to: SpaceName
    /// The dataset whose items are migrated (default: `from`'s).
    public var dataset: String?
    /// The new space (`MODEL/DATASET`).
    public var target: SpaceName
    public var anchors: String
    public var spec: FitSpec
    public var gate: QualityGate?
    /// Below the gate: warn and migrate anyway instead of refusing.
    public var warnOnly: Bool
    public var replace: Bool

    public init(from: SpaceName, to: SpaceName, dataset: String?, target: SpaceName, anchors: String, spec: FitSpec = FitSpec(),
                gate: QualityGate? = nil, warnOnly: Bool = false, replace: Bool = false) {
        self.from = from
        self.to = to
        self.dataset = dataset
        self.target = target
        self.anchors = anchors
        self.spec = spec
        self.gate = gate
        self.warnOnly = warnOnly
        self.replace = replace
    }
}

public struct MigrateSummary: Codable, Sendable {
    public let source: String
    public let space: String
    public let translator: String
    public let quality: HeldOutQuality
    public let gate: String?
    public let passed: Bool
    public let rows: Int
    public let dim: Int
    public var warnings: [String]
}

extension LatentStore {
    /// Fits on 80 % of the anchors (seeded), scores the other 20 %.
    func heldOutQuality(from: SpaceName, to: SpaceName, anchors: String, spec: FitSpec) throws -> HeldOutQuality {
        let (source, target) = try read { tx -> (Matrix<Float>, Matrix<Float>) in
            let a = try tx.space(from), b = try tx.space(to)
            let rows = try Self.anchorRows(tx, set: try tx.anchorSet(named: anchors), from: a, to: b)
            return (try Self.gather(tx, space: a, rows: rows.source), try Self.gather(tx, space: b, rows: rows.target))
        }
        var generator = SeededGenerator(seed: 0x6A7E)
        let order = generator.permuted(Array(0..<source.rows))
        let heldCount = max(2, source.rows / 5)
        guard source.rows - heldCount >= 2 else {
            throw LatentError(.qualityTooFewAnchors(anchors, pairs: source.rows))
        }
        let held = Array(order.prefix(heldCount)), fitted = Array(order.dropFirst(heldCount))
        // Refinement would need pools; the estimate is of the anchors' map (refinement only adds to it).
        var plain = spec
        plain.refine = 0
        let translator = try Self.fit(plain, source: source.gatherRows(fitted), target: target.gatherRows(fitted), unpaired: nil).translator
        let translated = translator.translate(source.gatherRows(held)), truth = target.gatherRows(held)
        let retrieval = try RetrievalMetrics.retrieval(translated: translated, truth: truth)
        return HeldOutQuality(fittedOn: fitted.count, heldOut: held.count, top1: retrieval.top1, top5: retrieval.top5,
                              mrr: retrieval.mrr, cosine: Self.reconstruction(translated, truth).cosine)
    }

    /// Translates every item of a source space into a new space of the target model, after a
    /// quality estimate on held-out anchors; below the gate nothing is stored.
    public func migrate(_ request: MigrateRequest, progress: ((Int, Int) -> Void)? = nil) throws -> MigrateSummary {
        let sourceName = try SpaceName(model: request.from.model, dataset: request.dataset ?? request.from.dataset)
        let corpus = try space(sourceName), pairs = try space(request.from)
        guard corpus.dim == pairs.dim else {
            throw LatentError(.queryDimension(space: sourceName.description, found: corpus.dim, expected: pairs.dim))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latentdb-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrixPath = directory.appendingPathComponent("rows.npy").path, keysPath = directory.appendingPathComponent("keys.txt").path
        // The estimate, the fit and the rows translated come from the same versions of the three
        // spaces: a writer replacing one of them meanwhile restarts the whole of it.
        let (quality, fit, keys, warnings, passed) = try withStableVersions([request.from, request.to, sourceName]) { confirm in
            let quality = try heldOutQuality(from: request.from, to: request.to, anchors: request.anchors, spec: request.spec)
            var warnings: [String] = []
            var passed = true
            if let gate = request.gate, gate.value(quality) < gate.threshold {
                passed = false
                let failure = Diagnostic.gateFailed(source: sourceName.description, target: request.target.description, metric: gate.metric.rawValue,
                                                    value: String(format: "%.3f", gate.value(quality)), threshold: gate.threshold, heldOut: quality.heldOut)
                guard request.warnOnly else { throw LatentError(failure) }
                warnings.append(failure.message)
            }
            let (fit, translator) = try self.fit(FitRequest(from: request.from, to: request.to, anchors: request.anchors, spec: request.spec))

            // Stream the source space through the translator into a temporary .npy, then register
            // it (one transaction) with the dataset's keys: a failure leaves no partial space.
            let keys = try read { tx -> [String] in
                try confirm(tx)
                let space = try tx.space(sourceName)
                guard space.dimension == translator.sourceDimension else {
                    throw LatentError(.queryDimension(space: sourceName.description, found: space.dimension, expected: translator.sourceDimension))
                }
                let writer = try NPYWriter(path: matrixPath, rows: space.rowCount, columns: translator.targetDimension)
                try Self.forEachBlock(tx, space: space) { first, block in
                    try writer.append(translator.translate(block))
                    progress?(first + block.rows, space.rowCount)
                }
                try writer.finish()
                return try tx.items(datasetID: space.datasetID).map(\.key)
            }
            return (quality, fit, keys, warnings, passed)
        }
        try (keys.joined(separator: "\n") + "\n").write(toFile: keysPath, atomically: true, encoding: .utf8)
        let provenance = "migrated from \(sourceName) by translator \(fit.fingerprint) (\(fit.method), \(fit.anchorCount) anchors '\(fit.anchors)'; held-out mrr \(String(format: "%.3f", quality.mrr)), top-1 \(String(format: "%.3f", quality.top1)))"
        let result = try register(RegisterRequest(name: request.target, embeddingsPath: matrixPath, keysPath: keysPath,
                                                  replace: request.replace, provenance: provenance))
        return MigrateSummary(source: sourceName.description, space: result.space, translator: fit.fingerprint, quality: quality,
                              gate: request.gate.map { "\($0.metric.rawValue)>=\($0.threshold)" }, passed: passed,
                              rows: result.rows, dim: result.dim, warnings: warnings)
    }
}
