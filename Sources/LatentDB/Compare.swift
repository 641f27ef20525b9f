import Alignment
import Foundation
import LatentCore
import NeighborSearch
import Storage
import Translation

/// `latentdb compare`: how alike two spaces are on the items they share, before any fit is stored.
public struct CompareReport: Codable, Sendable {
    public let from: String
    public let to: String
    /// The anchor set whose pairs were compared, or nil for the items of one dataset.
    public let anchors: String?
    public let items: Int
    public let linearCKA: Double
    public let svcca: Double
    /// Principal components kept on each side (99 % of the variance).
    public let svccaComponents: [Int]
    public let mutualKNN: Double
    public let k: Int
    /// A quick ortho fit (standard scaling) on a seeded 80 % of the items, retrieval of the other 20 %.
    public let orthoTop1: Double
    public let orthoMRR: Double
    public let heldOut: Int
}

/// Every pair of one dataset's spaces.
public struct CompareMatrix: Codable, Sendable {
    public let dataset: String
    public let spaces: [String]
    /// One report per ordered pair (i ≠ j), in row-major order of `spaces`.
    public let pairs: [CompareReport]
}

extension LatentStore {
    /// Compares `a` and `b` on their shared items (same dataset) or on `anchors`' pairs.
    public func compare(_ a: SpaceName, _ b: SpaceName, anchors: String? = nil, k: Int = 10, seed: UInt64 = 0) throws -> CompareReport {
        let (x, y) = try read { tx -> (Matrix<Float>, Matrix<Float>) in
            let from = try tx.space(a), to = try tx.space(b)
            if let anchors {
                let set = try tx.anchorSet(named: anchors)
                let rows = try Self.anchorRows(tx, set: set, from: from, to: to)
                return (try Self.gather(tx, space: from, rows: rows.source), try Self.gather(tx, space: to, rows: rows.target))
            }
            guard from.name.dataset == to.name.dataset else {
                throw LatentError(.compareNeedsAnchors(from: a.description, to: b.description))
            }
            return (try Self.load(tx, a).matrix, try Self.load(tx, b).matrix)
        }
        return try Self.compare(x, y, from: a, to: b, anchors: anchors, k: k, seed: seed)
    }

    /// Every ordered pair of `dataset`'s spaces (similarities are symmetric, the ortho retrieval is not).
    public func compare(dataset: String, k: Int = 10, seed: UInt64 = 0) throws -> CompareMatrix {
        let loaded = try read { tx in
            try tx.spaces().filter { $0.name.dataset == dataset }.map { try Self.load(tx, $0.name) }
        }
        guard loaded.count >= 2 else { throw LatentError(.compareDatasetSpaces(dataset: dataset, found: loaded.count)) }
        var pairs: [CompareReport] = []
        for (i, a) in loaded.enumerated() {
            for (j, b) in loaded.enumerated() where i != j {
                pairs.append(try Self.compare(a.matrix, b.matrix, from: a.record.name, to: b.record.name, anchors: nil, k: k, seed: seed))
            }
        }
        return CompareMatrix(dataset: dataset, spaces: loaded.map { $0.record.name.description }, pairs: pairs)
    }

    static func compare(_ x: Matrix<Float>, _ y: Matrix<Float>, from: SpaceName, to: SpaceName, anchors: String?, k: Int,
                        seed: UInt64) throws -> CompareReport {
        let minimum = max(k + 1, 10)
        guard x.rows >= minimum else { throw LatentError(.compareTooFewItems(found: x.rows, needed: minimum)) }
        let similarity = try Similarity.measure(x, y, k: k)
        var generator = SeededGenerator(seed: seed)
        let order = generator.permuted(Array(0..<x.rows))
        let test = max(2, x.rows / 5)
        let heldOut = Array(order.prefix(test)), train = Array(order.dropFirst(test))
        let (translator, _) = try Translator.fit(source: x.gatherRows(train), target: y.gatherRows(train), estimator: .ortho,
                                                 scaling: .standard, epsilon: scalingEpsilon, measureResidual: false)
        let retrieval = try RetrievalMetrics.retrieval(translated: translator.translate(x.gatherRows(heldOut)), truth: y.gatherRows(heldOut))
        return CompareReport(from: from.description, to: to.description, anchors: anchors, items: x.rows,
                             linearCKA: similarity.linearCKA, svcca: similarity.svcca,
                             svccaComponents: [similarity.svccaComponents.source, similarity.svccaComponents.target],
                             mutualKNN: similarity.mutualKNN, k: k, orthoTop1: retrieval.top1, orthoMRR: retrieval.mrr, heldOut: test)
    }
}
