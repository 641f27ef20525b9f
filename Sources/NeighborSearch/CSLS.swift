import LatentCore

/// Cross-domain similarity local scaling (MUSE), the hubness correction for cross-space retrieval:
/// `csls(q, y) = 2·cos(q, y) − r_T(q) − r_S(y)`, where `r_T(q)` is the mean cosine of q's `k`
/// nearest targets and `r_S(y)` the mean cosine of y's `k` nearest (translated) sources.
public enum CSLS {
    /// For each row of `rows`, the mean cosine similarity of its `min(k, others.rows)` nearest
    /// rows of `others` (0 when `others` is empty). To stream `others` block by block, use a
    /// cosine `NeighborAccumulator` and average its results the same way.
    public static func meanTopKSimilarity(
        of rows: Matrix<Float>, against others: Matrix<Float>, k: Int = 10
    ) throws(NeighborSearchError) -> [Float] {
        guard k >= 1 else { throw NeighborSearchError(.invalidK(k: k, rows: nil)) }
        guard others.rows > 0 else { return Array(repeating: 0, count: rows.rows) }
        var accumulator = try NeighborAccumulator(queries: rows, k: min(k, others.rows), metric: .cosine)
        try accumulator.add(block: others, firstRow: 0)
        return accumulator.results().map { neighbours in
            Float(neighbours.reduce(0.0) { $0 + Double($1.score) } / Double(neighbours.count))
        }
    }

    /// The dense CSLS matrix between the rows of `a` (queries) and `b` (targets), as the
    /// reference `csls_matrix(a, b, k)`: `r_T` over `b` with `k` clipped to `b.rows`, `r_S` over
    /// `a` with `k` clipped to `a.rows`.
    public static func cslsScores(_ a: Matrix<Float>, _ b: Matrix<Float>, k: Int = 10) throws(NeighborSearchError) -> Matrix<Float> {
        guard a.columns == b.columns else {
            throw NeighborSearchError(.dimensionMismatch(what: "CSLS targets", expected: a.columns, found: b.columns))
        }
        let ra = try meanTopKSimilarity(of: a, against: b, k: k)
        let rb = try meanTopKSimilarity(of: b, against: a, k: k)
        var s = cosineMatrix(a.unitRows(), b.unitRows()).elements
        for i in 0..<a.rows {
            for j in 0..<b.rows { s[i * b.rows + j] = 2 * s[i * b.rows + j] - ra[i] - rb[j] }
        }
        return Matrix(rows: a.rows, columns: b.rows, elements: s)
    }

    /// The `k` best rows of `database` for each query by CSLS, best first; the score reported
    /// is the full `2·cos − r_T(q) − r_S(y)`. `source` is the (translated) source set that
    /// `r_S` is measured against (default: the queries themselves, as `csls_matrix` does).
    public static func search(
        queries: Matrix<Float>, database: Matrix<Float>, source: Matrix<Float>? = nil, k: Int, cslsK: Int = 10
    ) throws(NeighborSearchError) -> [[Neighbor]] {
        guard k >= 1, k <= database.rows else { throw NeighborSearchError(.invalidK(k: k, rows: database.rows)) }
        let rT = try meanTopKSimilarity(of: queries, against: database, k: cslsK)
        let rS = try meanTopKSimilarity(of: database, against: source ?? queries, k: cslsK)
        // Rank by cos − r_S/2 (same order as 2cos − r_S); doubling is exact in floating point.
        var accumulator = try NeighborAccumulator(queries: queries, k: k, metric: .cosine, rowPenalty: rS.map { $0 / 2 })
        try accumulator.add(block: database, firstRow: 0)
        return accumulator.results().enumerated().map { i, neighbours in
            neighbours.map { Neighbor(row: $0.row, score: 2 * $0.score - rT[i]) }
        }
    }

    /// CSLS search over a target streamed block by block, in two passes: `measure` every block
    /// (r_S of each target row against the translated source set, and r_T of each query over the
    /// target), then `rank` every block (cosine minus r_S/2, the same order as 2·cos − r_S);
    /// `results` reports the full `2·cos − r_T(q) − r_S(y)`, as `search` does on whole matrices.
    /// Memory: one Float per target row, never the target itself.
    public struct StreamingSearch: Sendable {
        let queries: Matrix<Float>
        let source: Matrix<Float>
        let k: Int, cslsK: Int
        private var targetNeighbours: NeighborAccumulator
        private var rS: [Float] = []
        private var ranking: NeighborAccumulator?

        /// `targetRows` bounds r_T's k as the reference clips it (`min(cslsK, targetRows)`).
        public init(queries: Matrix<Float>, source: Matrix<Float>, targetRows: Int, k: Int, cslsK: Int = 10) throws(NeighborSearchError) {
            guard k >= 1, k <= targetRows else { throw NeighborSearchError(.invalidK(k: k, rows: targetRows)) }
            guard cslsK >= 1 else { throw NeighborSearchError(.invalidK(k: cslsK, rows: nil)) }
            (self.queries, self.source, self.k, self.cslsK) = (queries, source, k, cslsK)
            targetNeighbours = try NeighborAccumulator(queries: queries, k: min(cslsK, targetRows), metric: .cosine)
            rS.reserveCapacity(targetRows)
        }

        /// First pass, blocks in row order from row 0.
        public mutating func measure(block: Matrix<Float>, firstRow: Int) throws(NeighborSearchError) {
            precondition(ranking == nil && firstRow == rS.count, "measure every block in order before ranking")
            rS += try meanTopKSimilarity(of: block, against: source, k: cslsK)
            try targetNeighbours.add(block: block, firstRow: firstRow)
        }

        /// Second pass, the same blocks.
        public mutating func rank(block: Matrix<Float>, firstRow: Int) throws(NeighborSearchError) {
            if ranking == nil {
                ranking = try NeighborAccumulator(queries: queries, k: k, metric: .cosine, rowPenalty: rS.map { $0 / 2 })
            }
            try ranking!.add(block: block, firstRow: firstRow)
        }

        /// The `k` best target rows of each query by CSLS, best first.
        public func results() -> [[Neighbor]] {
            guard let ranking else { return Array(repeating: [], count: queries.rows) }
            let rT = targetNeighbours.results().map { $0.isEmpty ? 0 : $0.reduce(0) { $0 + $1.score } / Float($0.count) }
            return ranking.results().enumerated().map { i, list in list.map { Neighbor(row: $0.row, score: 2 * $0.score - rT[i]) } }
        }
    }

    /// `a · bᵀ` for unit rows: the cosine matrix.
    static func cosineMatrix(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Matrix<Float> {
        var s = Matrix<Float>(rows: a.rows, columns: b.rows)
        a.elements.withUnsafeBufferPointer { a2 in
            b.elements.withUnsafeBufferPointer { b2 in
                s.elements.withUnsafeMutableBufferPointer { s2 in
                    multiplyTransposed(a2, rows: a.rows, b2, rows: b.rows, depth: a.columns, into: s2)
                }
            }
        }
        return s
    }
}
