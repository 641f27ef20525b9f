import Alignment
import Foundation
import NeighborSearch
import Storage
import Translation

/// The paper's stitching protocol between two spaces of one dataset (the reference's `protocol.py`, restated in `tools/fortunes-eval`'s parity run).
public struct EvalRequest: Sendable {
    public enum Anchors: Sendable {
        case named(String)
        case sampled(count: Int, seed: UInt64, sampler: SamplerKind)
    }
    public var from: SpaceName
    public var to: SpaceName
    public var anchors: Anchors
    public var methods: [FitSpec.Method]
    public var scaling: Scaling
    public var ridgeLambda: Double
    /// Rounds of refinement: each method M also reported as `M+refine` (pools from train only).
    public var refine: Int
    /// Also report translation through this hub, as `hub`.
    public var hub: String?
    public var decoders: [DecoderKind]
    public var csls: Bool
    /// Used only when the dataset has no splits.
    public var testFraction: Double
    public var seed: UInt64

    public init(from: SpaceName, to: SpaceName, anchors: Anchors = .sampled(count: 1000, seed: 0, sampler: .uniform),
                methods: [FitSpec.Method] = [.estimator(.ortho), .estimator(.linear), .estimator(.lortho), .estimator(.affine)],
                scaling: Scaling = .standard, ridgeLambda: Double = Estimator.defaultRidgeLambda, refine: Int = 0, hub: String? = nil,
                decoders: [DecoderKind] = [.knn, .linear], csls: Bool = false, testFraction: Double = 0.2, seed: UInt64 = 0) {
        self.from = from
        self.to = to
        self.anchors = anchors
        self.methods = methods
        self.scaling = scaling
        self.ridgeLambda = ridgeLambda
        self.refine = refine
        self.hub = hub
        self.decoders = decoders
        self.csls = csls
        self.testFraction = testFraction
        self.seed = seed
    }
}

/// One row of the evaluation: a decoder's accuracy and, for all but `native`, retrieval and
/// reconstruction figures. Keys as `protocol.py` prints them.
public struct EvalMetrics: Codable, Sendable {
    public var accuracy_knn: Double?
    public var accuracy_linear: Double?
    public var top1: Double?
    public var top5: Double?
    public var mrr: Double?
    public var mse: Double?
    public var cosine: Double?
    public var top1_csls: Double?
    public var top5_csls: Double?
    public var mrr_csls: Double?
    public var fit_seconds: Double?
    /// `auto`: the configuration chosen on the anchors.
    public var chosen: String?
}

public struct EvalReport: Codable, Sendable {
    public let A: String
    public let B: String
    public let from: String
    public let to: String
    public let n_train: Int
    public let n_test: Int
    public let n_anchors: Int
    public let scaling: String
    /// Result names in the order they were computed: native, absolute, then each method.
    public let order: [String]
    public let results: [String: EvalMetrics]
}

extension LatentStore {
    public func evaluate(_ request: EvalRequest, progress: ((Int, Int) -> Void)? = nil) throws -> EvalReport {
        // Both spaces, the anchor set and the hub come from one snapshot.
        let (source, target, named, hubPath) = try read { tx -> (LoadedSpace, LoadedSpace, [Int]?, TranslationPath?) in
            let source = try Self.load(tx, request.from), target = try Self.load(tx, request.to)
            var named: [Int]? = nil
            if case let .named(name) = request.anchors {
                named = try Self.anchorRows(tx, set: try tx.anchorSet(named: name), from: source.record, to: target.record).source
            }
            let hub = try request.hub.map { try Self.hubPath(tx, $0, from: request.from, to: request.to) }
            return (source, target, named, hub)
        }
        guard source.record.datasetID == target.record.datasetID else {
            throw LatentError(.evalDatasets(from: request.from.description, to: request.to.description, fromDataset: request.from.dataset, toDataset: request.to.dataset))
        }
        let items = target.items
        let (trainRows, testRows) = Self.split(items, testFraction: request.testFraction, seed: request.seed)
        guard !testRows.isEmpty else {
            throw LatentError(.emptyTestSplit(dataset: request.to.dataset, percent: Int(request.testFraction * 100)))
        }
        let anchorRows: [Int]
        switch request.anchors {
        case .named:
            anchorRows = named!
        case let .sampled(count, seed, sampler):
            anchorRows = try Self.sample(sampler, candidates: trainRows, items: items, source: source.matrix, count: count, seed: seed,
                                         space: request.from)
        }
        guard anchorRows.count >= 2 else { throw LatentError(.evalTooFewAnchors(found: anchorRows.count)) }

        let testTarget = target.matrix.gatherRows(testRows)
        let testSource = source.matrix.gatherRows(testRows)
        let sourceAnchors = source.matrix.gatherRows(anchorRows), targetAnchors = target.matrix.gatherRows(anchorRows)

        // Decoders on the target's labelled train rows.
        let labelledTrain = trainRows.filter { items[$0].label != nil }
        var decoders: [(DecoderKind, (Matrix<Float>) throws -> [Int])] = []
        var truth: [Int?] = []
        if !labelledTrain.isEmpty {
            let names = Self.classNames(labelledTrain.map { items[$0].label! })
            let classID = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            let train = target.matrix.gatherRows(labelledTrain)
            let labels = labelledTrain.map { classID[items[$0].label!]! }
            truth = testRows.map { items[$0].label.flatMap { classID[$0] } }
            for kind in request.decoders {
                switch kind {
                case .knn:
                    let knn = try KNNClassifier(train: train, labels: labels, classCount: names.count)
                    decoders.append((kind, { try knn.predict($0).map(\.label) }))
                case .linear:
                    let ridge = try RidgeClassifier(train: train, labels: labels, classCount: names.count)
                    decoders.append((kind, { try ridge.predict($0).map(\.label) }))
                }
            }
        }

        func score(_ z: Matrix<Float>, native: Bool) throws -> EvalMetrics {
            var m = EvalMetrics()
            for (kind, predict) in decoders {
                let predicted = try predict(z)
                let scored = zip(predicted, truth).filter { $0.1 != nil }
                let accuracy = scored.isEmpty ? 0 : Double(scored.filter { $0.0 == $0.1 }.count) / Double(scored.count)
                if kind == .knn { m.accuracy_knn = accuracy } else { m.accuracy_linear = accuracy }
            }
            guard !native else { return m }
            let retrieval = try RetrievalMetrics.retrieval(translated: z, truth: testTarget)
            (m.top1, m.top5, m.mrr) = (retrieval.top1, retrieval.top5, retrieval.mrr)
            if request.csls {
                let c = try RetrievalMetrics.retrieval(translated: z, truth: testTarget, csls: true)
                (m.top1_csls, m.top5_csls, m.mrr_csls) = (c.top1, c.top5, c.mrr)
            }
            (m.mse, m.cosine) = Self.reconstruction(z, testTarget)
            return m
        }

        var results: [String: EvalMetrics] = [:]
        var order: [String] = []
        let total = request.methods.count + 2
        results["native"] = try score(testTarget, native: true); order.append("native")
        progress?(1, total)
        results["absolute"] = try score(Self.padOrTruncate(testSource, to: testTarget.columns), native: false); order.append("absolute")
        progress?(2, total)
        // Refinement pools: train items that are not anchors, each side shuffled on its own.
        var pools: (source: Matrix<Float>, target: Matrix<Float>)? = nil
        if request.refine > 0 {
            let taken = Set(anchorRows)
            let free = trainRows.filter { !taken.contains($0) }
            var a = SeededGenerator(seed: 0x50), b = SeededGenerator(seed: 0x7A)
            pools = (source.matrix.gatherRows(a.permuted(free)), target.matrix.gatherRows(b.permuted(free)))
        }
        var specs = request.methods.map { FitSpec(method: $0, scaling: request.scaling, ridgeLambda: request.ridgeLambda) }
        if request.refine > 0 {
            specs += specs.map { var s = $0; s.refine = request.refine; return s }
        }
        for (i, spec) in specs.enumerated() {
            let start = Date()
            let outcome = try Self.fit(spec, source: sourceAnchors, target: targetAnchors, unpaired: pools)
            let seconds = Date().timeIntervalSince(start)
            var metrics = try score(outcome.translator.translate(testSource), native: false)
            metrics.fit_seconds = seconds
            metrics.chosen = outcome.chosen
            results[spec.label] = metrics
            order.append(spec.label)
            progress?(3 + i, total + specs.count - request.methods.count)
        }
        if let hubPath {
            results["hub"] = try score(hubPath.translate(testSource), native: false)
            order.append("hub")
        }
        return EvalReport(A: request.from.model, B: request.to.model, from: request.from.description, to: request.to.description,
                          n_train: trainRows.count, n_test: testRows.count, n_anchors: anchorRows.count,
                          scaling: request.scaling.rawValue, order: order, results: results)
    }

    /// Anchor rows drawn from `candidates` (the train rows) by `sampler`; farthest-point and
    /// k-means work in the source space's geometry.
    static func sample(_ sampler: SamplerKind, candidates: [Int], items: [ItemRecord], source: Matrix<Float>, count: Int, seed: UInt64,
                       space: SpaceName) throws -> [Int] {
        switch sampler {
        case .uniform:
            var generator = SeededGenerator(seed: seed)
            return generator.sample(candidates, count: count)
        case .stratified:
            let subset = candidates.map { items[$0] }
            return try stratified(subset, count: count, seed: seed, space: space).map { candidates[$0] }
        case .farthest:
            return AnchorSampling.farthestPoint(source.gatherRows(candidates), count: count, seed: seed).map { candidates[$0] }
        case .kmeans:
            return AnchorSampling.kMeansCentres(source.gatherRows(candidates), count: count, seed: seed).map { candidates[$0] }
        }
    }

    /// Train and test rows: the dataset's own splits, or a seeded split when it has none.
    static func split(_ items: [ItemRecord], testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        if items.contains(where: { $0.split != nil }) {
            return (items.indices.filter { items[$0].split == "train" }, items.indices.filter { items[$0].split == "test" })
        }
        var generator = SeededGenerator(seed: seed)
        let permutation = generator.permuted(Array(items.indices))
        let testCount = Int((testFraction * Double(items.count)).rounded())
        let test = Set(permutation.prefix(testCount))
        return (items.indices.filter { !test.contains($0) }, items.indices.filter { test.contains($0) })
    }

    /// The "absolute" baseline: source vectors zero-padded or truncated to the target dimension.
    static func padOrTruncate(_ m: Matrix<Float>, to columns: Int) -> Matrix<Float> {
        var out = Matrix<Float>(rows: m.rows, columns: columns)
        let shared = min(columns, m.columns)
        for i in 0..<m.rows {
            for j in 0..<shared { out.elements[i * columns + j] = m.elements[i * m.columns + j] }
        }
        return out
    }

    /// Mean squared error over all entries and mean row cosine (norm floor 1e-12), in Float64.
    static func reconstruction(_ z: Matrix<Float>, _ truth: Matrix<Float>) -> (mse: Double, cosine: Double) {
        var squared = 0.0, cosine = 0.0
        let d = z.columns
        for i in 0..<z.rows {
            var dot = 0.0, nz = 0.0, nt = 0.0
            for j in 0..<d {
                let a = Double(z.elements[i * d + j]), b = Double(truth.elements[i * d + j])
                squared += (a - b) * (a - b)
                dot += a * b; nz += a * a; nt += b * b
            }
            cosine += dot / (max(nz.squareRoot(), 1e-12) * max(nt.squareRoot(), 1e-12))
        }
        return (squared / Double(max(z.elements.count, 1)), cosine / Double(max(z.rows, 1)))
    }
}
