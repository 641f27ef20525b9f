import LatentCore

/// How well translated rows find their true counterparts among the target rows.
public struct RetrievalMetrics: Sendable, Equatable {
    /// Fraction of rows whose true match ranks first.
    public let top1: Double
    /// Fraction of rows whose true match ranks in the first five.
    public let top5: Double
    /// Mean of 1 / rank.
    public let mrr: Double

    public init(top1: Double, top5: Double, mrr: Double) {
        self.top1 = top1
        self.top5 = top5
        self.mrr = mrr
    }

    /// Row `i` of `translated` should find row `i` of `truth`; its rank is 1 + the number of
    /// truth rows scoring strictly higher than the true one (protocol.py `retrieval`). Scores are
    /// cosine, or with `csls` the reference `csls_matrix(translated, truth, 10)`.
    ///
    /// - Throws: `NeighborSearchError` for different shapes or NaN/Inf.
    public static func retrieval(translated: Matrix<Float>, truth: Matrix<Float>, csls: Bool = false) throws(NeighborSearchError) -> RetrievalMetrics {
        try retrieval(translated: translated, truth: truth, csls: csls, tileScores: NeighborAccumulator.maxTileScores)
    }

    /// `tileScores` bounds the score tile, in floats (tests lower it to exercise tiling).
    static func retrieval(translated: Matrix<Float>, truth: Matrix<Float>, csls: Bool, tileScores: Int) throws(NeighborSearchError) -> RetrievalMetrics {
        guard translated.rows == truth.rows else {
            throw NeighborSearchError(.rowCountMismatch(what: "truth", expected: translated.rows, found: truth.rows))
        }
        guard translated.columns == truth.columns else {
            throw NeighborSearchError(.dimensionMismatch(what: "truth", expected: translated.columns, found: truth.columns))
        }
        try translated.checkFinite("translated")
        try truth.checkFinite("truth")
        let n = truth.rows
        guard n > 0 else { return RetrievalMetrics(top1: 0, top5: 0, mrr: 0) }
        // CSLS: 2s − ra_i − rb_j compared in Float64, as the reference does.
        let ra = csls ? try CSLS.meanTopKSimilarity(of: translated, against: truth, k: 10).map(Double.init) : []
        let rb = csls ? try CSLS.meanTopKSimilarity(of: truth, against: translated, k: 10).map(Double.init) : []
        let z = translated.unitRows(), b = truth.unitRows()
        let tile = max(1, min(n, tileScores / n))
        var scores = [Float](repeating: 0, count: tile * n)
        var top1 = 0, top5 = 0, reciprocal = 0.0
        z.elements.withUnsafeBufferPointer { z in
        b.elements.withUnsafeBufferPointer { b in
        scores.withUnsafeMutableBufferPointer { s in
            for i0 in stride(from: 0, to: n, by: tile) {
                let m = min(tile, n - i0)
                multiplyTransposed(UnsafeBufferPointer(rebasing: z[i0 * translated.columns ..< (i0 + m) * translated.columns]), rows: m,
                                   b, rows: n, depth: translated.columns, into: s)
                for r in 0..<m {
                    let i = i0 + r
                    var higher = 0
                    if csls {
                        let rowTerm = ra[i]
                        let t = 2 * Double(s[r * n + i]) - rowTerm - rb[i]
                        for j in 0..<n where 2 * Double(s[r * n + j]) - rowTerm - rb[j] > t { higher += 1 }
                    } else {
                        let t = s[r * n + i]
                        for j in 0..<n where s[r * n + j] > t { higher += 1 }
                    }
                    let rank = 1 + higher
                    if rank == 1 { top1 += 1 }
                    if rank <= 5 { top5 += 1 }
                    reciprocal += 1 / Double(rank)
                }
            }
        }}}
        return RetrievalMetrics(top1: Double(top1) / Double(n), top5: Double(top5) / Double(n), mrr: reciprocal / Double(n))
    }
}
