public import LatentCore
public import Translation
import NeighborSearch
import LinearAlgebra

/// What a refinement did, round by round.
public struct RefinementReport: Sendable, Equatable {
    /// Mutual CSLS nearest-neighbour pairs found in each round (and added to the anchors for
    /// that round's refit). Each round starts again from the given anchors, as MUSE does.
    public let pairsPerRound: [Int]
    /// The report of the last fit (its `anchorCount` includes the last round's pairs).
    public let fit: FitReport
}

/// Self-learning from unpaired items (MUSE, Conneau et al. 2018; reference_latentis.py
/// `procrustes_refine`): fit on the anchors, translate the unpaired source items, take the
/// pairs that are each other's nearest neighbour under CSLS among the unpaired target items,
/// refit on anchors + those pairs, repeat.
public enum Refinement {
    /// - Parameters:
    ///   - anchorsSource, anchorsTarget: paired rows (row i ↔ row i), as for `Translator.fit`.
    ///   - unpairedSource, unpairedTarget: pools of items with no known pairing, in any order
    ///     and of any sizes: row i of one is never assumed to match row i of the other.
    ///   - rounds: refits after the first fit (0 = the plain anchor fit).
    ///   - cslsK: neighbours in the CSLS hubness terms.
    /// - Returns: the last round's translator. One empty pool gives no pairs (every round adds 0).
    /// - Throws: `.noUnpairedItems` when both pools are empty; dimension mismatches; `rounds < 0`
    ///   or `cslsK < 1`; the fit's errors (too few anchors, NaN/Inf…).
    ///
    /// Cost per round: four blocked `sgemm` passes over unpaired source × target (two for the
    /// CSLS terms, one argmax per direction); memory stays at one score tile, never n × m.
    public static func refine(
        anchorsSource: Matrix<Float>, anchorsTarget: Matrix<Float>,
        unpairedSource: Matrix<Float>, unpairedTarget: Matrix<Float>,
        rounds: Int, estimator: Estimator = .ortho, scaling: Scaling = .standard,
        ridgeLambda: Double = Estimator.defaultRidgeLambda, cslsK: Int = 10,
        epsilon: Double = Double(Float.ulpOfOne), completion: Completion = .partial
    ) throws(AlignmentError) -> (Translator, RefinementReport) {
        guard unpairedSource.rows + unpairedTarget.rows > 0 else { throw AlignmentError(.noUnpairedItems) }
        guard rounds >= 0 else { throw AlignmentError(.invalidParameter(name: "rounds", value: "\(rounds)")) }
        guard cslsK >= 1 else { throw AlignmentError(.invalidParameter(name: "cslsK", value: "\(cslsK)")) }
        guard unpairedSource.columns == anchorsSource.columns else {
            throw AlignmentError(.dimensionMismatch(what: "unpaired source", expected: anchorsSource.columns, found: unpairedSource.columns))
        }
        guard unpairedTarget.columns == anchorsTarget.columns else {
            throw AlignmentError(.dimensionMismatch(what: "unpaired target", expected: anchorsTarget.columns, found: unpairedTarget.columns))
        }
        func fit(_ s: Matrix<Float>, _ t: Matrix<Float>) throws(AlignmentError) -> (Translator, FitReport) {
            do {
                return try Translator.fit(source: s, target: t, estimator: estimator, scaling: scaling,
                                          ridgeLambda: ridgeLambda, epsilon: epsilon, measureResidual: false,
                                          completion: completion)
            } catch { throw AlignmentError(.fit(error)) }
        }
        var (translator, report) = try fit(anchorsSource, anchorsTarget)
        var added: [Int] = []
        for _ in 0..<rounds {
            guard unpairedSource.rows > 0, unpairedTarget.rows > 0 else { added.append(0); continue }
            // Compare in the target's standardised coordinates: centred, so cosines see the
            // directions that tell items apart rather than the space's common offset.
            let queries = standardised(translator.translate(unpairedSource), translator)
            let database = standardised(unpairedTarget, translator)
            let pairs = try mutualNearestNeighbours(queries, database, cslsK: cslsK)
            var source = anchorsSource, target = anchorsTarget
            source.appendRows(unpairedSource.gatherRows(pairs.map(\.source)))
            target.appendRows(unpairedTarget.gatherRows(pairs.map(\.target)))
            (translator, report) = try fit(source, target)
            added.append(pairs.count)
        }
        return (translator, RefinementReport(pairsPerRound: added, fit: report))
    }

    /// The pairs `(i, j)` where row j of `targets` is row i of `queries`' best match under CSLS
    /// (cosine, `cslsK` neighbours in the hubness terms) and row i is row j's best match back.
    /// Ties go to the smaller row. Sorted by `source`.
    public static func mutualNearestNeighbours(
        _ queries: Matrix<Float>, _ targets: Matrix<Float>, cslsK: Int = 10
    ) throws(AlignmentError) -> [(source: Int, target: Int)] {
        guard queries.columns == targets.columns else {
            throw AlignmentError(.dimensionMismatch(what: "targets", expected: queries.columns, found: targets.columns))
        }
        guard queries.rows > 0, targets.rows > 0 else { return [] }
        do {
            // csls(i, j) = 2cos − r_T(i) − r_S(j): for a fixed query the r_T term is constant,
            // so its argmax is that of cos − r_S(j)/2, a k = 1 search with a per-row penalty.
            let rT = try CSLS.meanTopKSimilarity(of: queries, against: targets, k: cslsK)
            let rS = try CSLS.meanTopKSimilarity(of: targets, against: queries, k: cslsK)
            var forward = try NeighborAccumulator(queries: queries, k: 1, metric: .cosine, rowPenalty: rS.map { $0 / 2 })
            try forward.add(block: targets, firstRow: 0)
            var backward = try NeighborAccumulator(queries: targets, k: 1, metric: .cosine, rowPenalty: rT.map { $0 / 2 })
            try backward.add(block: queries, firstRow: 0)
            let fwd = forward.results().map { $0[0].row }, bwd = backward.results().map { $0[0].row }
            return fwd.enumerated().compactMap { i, j in bwd[j] == i ? (i, j) : nil }
        } catch { throw AlignmentError(.search(error)) }
    }

    /// `(y − targetShift) / targetScale`: the coordinates the translator's map lands in.
    static func standardised(_ y: Matrix<Float>, _ t: Translator) -> Matrix<Float> {
        var out = y
        let d = y.columns
        out.withUnsafeMutableElements { p in
            for i in 0..<y.rows { for j in 0..<d { p[i * d + j] = (p[i * d + j] - t.targetShift[j]) / t.targetScale[j] } }
        }
        return out
    }
}
