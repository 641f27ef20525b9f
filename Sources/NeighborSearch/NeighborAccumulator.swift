import LatentCore
import LinearAlgebra

/// One database row found for a query: its global row number and its score (higher is better).
public struct Neighbor: Sendable, Equatable {
    public let row: Int
    public let score: Float
    public init(row: Int, score: Float) {
        self.row = row
        self.score = score
    }
}

/// Exact k-nearest-neighbour search over a database that arrives block by block.
///
/// For each block, `(query tile × d) · (block rows × d)ᵀ` is one `sgemm` (a plain SIMD dot
/// loop for up to 4 queries, which reads the block once), then every score goes through a threshold check
/// into a bounded per-query binary heap, as FAISS `IndexFlat` does. Memory stays at one score
/// tile (≤ 4,096 × 1,024 floats) plus `queries × k` heap slots, whatever the database size.
/// (Measured at 100,000 × 768: `sgemm` alone takes as long as the whole search, so the scan
/// and heap are not worth tuning further.)
///
/// Scores (higher is better): cosine = `unit(q)·unit(x)` (a zero row scores 0), inner product
/// = `q·x`, L2 = `-‖q − x‖²` computed as `-(‖x‖² − 2q·x + ‖q‖²)`, clamped to ≤ 0. With a
/// `rowPenalty`, `rowPenalty[row]` is subtracted from every score of that database row (CSLS).
/// Ties are broken by the smaller row, so results do not depend on the block order.
public struct NeighborAccumulator: Sendable {
    public let k: Int
    public let metric: Metric
    /// Database rows per score tile (larger blocks are split; smaller ones used as they come).
    public var blockRows: Int = 1024
    /// Upper bound on the score tile, in floats: 4,096 queries × 1,024 rows (16 MiB).
    static let maxTileScores = 4096 * 1024
    /// The tile bound in use (tests lower it to exercise query tiling).
    var tileScores = maxTileScores

    let queries: Matrix<Float>          // unit rows under cosine
    let queryTerms: [Float]             // ‖q‖² under L2, else empty
    let rowPenalty: [Float]?
    // Per query i: a min-heap of its best `heapCounts[i]` candidates at `i * k ..< i * k + k`,
    // worst at the root, ordered by (score, then larger row = worse).
    var heapScores: [Float]
    var heapRows: [Int]
    var heapCounts: [Int]
    /// Database rows offered so far.
    public private(set) var rowsSeen = 0

    /// - Throws: `NeighborSearchError` if `k < 1` or a query holds NaN/Inf.
    public init(queries: Matrix<Float>, k: Int, metric: Metric, rowPenalty: [Float]? = nil) throws(NeighborSearchError) {
        guard k >= 1 else { throw NeighborSearchError(.invalidK(k: k, rows: nil)) }
        try queries.checkFinite("query")
        self.k = k
        self.metric = metric
        self.rowPenalty = rowPenalty
        self.queries = metric == .cosine ? queries.unitRows() : queries
        if metric == .l2 {
            self.queryTerms = queries.elements.withUnsafeBufferPointer { e in
                (0..<queries.rows).map { i in
                    squaredNorm(UnsafeBufferPointer(rebasing: e[i * queries.columns ..< (i + 1) * queries.columns]))
                }
            }
        } else {
            self.queryTerms = []
        }
        heapScores = Array(repeating: 0, count: queries.rows * k)
        heapRows = Array(repeating: 0, count: queries.rows * k)
        heapCounts = Array(repeating: 0, count: queries.rows)
    }

    /// Offers database rows `firstRow ..< firstRow + block.rows`.
    ///
    /// - Throws: `NeighborSearchError` if the block's dimension differs from the queries', or
    ///   a row holds NaN/Inf (found through its scores; the accumulator should then be dropped).
    /// `squaredNorms`, when given, are the block's rows' ‖x‖² computed earlier (a space held in
    /// memory keeps them): cosine and L2 then read the rows once, for the products, not twice.
    public mutating func add(block: Matrix<Float>, firstRow: Int, squaredNorms: [Float]? = nil) throws(NeighborSearchError) {
        if let squaredNorms { precondition(squaredNorms.count == block.rows, "\(squaredNorms.count) norms for \(block.rows) rows") }
        guard block.columns == queries.columns else {
            throw NeighborSearchError(.dimensionMismatch(what: "database", expected: queries.columns, found: block.columns))
        }
        precondition(firstRow >= 0, "negative firstRow \(firstRow)")
        if let penalty = rowPenalty {
            precondition(firstRow + block.rows <= penalty.count,
                         "rows \(firstRow)..<\(firstRow + block.rows) have no rowPenalty (\(penalty.count) given)")
        }
        rowsSeen += block.rows
        guard block.rows > 0, queries.rows > 0 else { return }
        if let bad = block.elements.withUnsafeBufferPointer({ offer($0, rows: block.rows, firstRow: firstRow, ids: nil, squaredNorms: squaredNorms) }) {
            let column = block.row(bad).firstIndex { !$0.isFinite }
            throw NeighborSearchError(.nonFinite(what: "database", row: firstRow + bad, column: column))
        }
    }

    /// Offers database rows whose global row numbers are `rows` (one per block row, in any
    /// order): the rows of an inverted list, which are scattered over the space.
    ///
    /// - Throws: as ``add(block:firstRow:)``.
    public mutating func add(block: Matrix<Float>, rows ids: [Int], squaredNorms: [Float]? = nil) throws(NeighborSearchError) {
        if let squaredNorms { precondition(squaredNorms.count == block.rows, "\(squaredNorms.count) norms for \(block.rows) rows") }
        guard block.columns == queries.columns else {
            throw NeighborSearchError(.dimensionMismatch(what: "database", expected: queries.columns, found: block.columns))
        }
        precondition(ids.count == block.rows, "\(ids.count) row numbers for a block of \(block.rows) rows")
        if let penalty = rowPenalty {
            precondition(ids.allSatisfy { $0 >= 0 && $0 < penalty.count }, "a row has no rowPenalty (\(penalty.count) given)")
        }
        rowsSeen += block.rows
        guard block.rows > 0, queries.rows > 0 else { return }
        let bad = block.elements.withUnsafeBufferPointer { values in
            ids.withUnsafeBufferPointer { offer(values, rows: block.rows, firstRow: 0, ids: $0, squaredNorms: squaredNorms) }
        }
        if let bad {
            let column = block.row(bad).firstIndex { !$0.isFinite }
            throw NeighborSearchError(.nonFinite(what: "database", row: ids[bad], column: column))
        }
    }

    /// Per query, its `min(k, rowsSeen)` best neighbours, best first (ties: smaller row first).
    public func results() -> [[Neighbor]] {
        (0..<queries.rows).map { i in
            (i * k ..< i * k + heapCounts[i])
                .map { Neighbor(row: heapRows[$0], score: heapScores[$0]) }
                .sorted { $0.score > $1.score || ($0.score == $1.score && $0.row < $1.row) }
        }
    }

    /// Scores `rows` database rows against every query and keeps the best; returns the block
    /// row (0-based) of a non-finite score, if any. Row `j` is global row `ids[j]` when given,
    /// else `firstRow + j`.
    private mutating func offer(_ db: UnsafeBufferPointer<Float>, rows: Int, firstRow: Int, ids: UnsafeBufferPointer<Int>?,
                                squaredNorms: [Float]? = nil) -> Int? {
        let d = queries.columns, nq = queries.rows, k = self.k
        let chunk = max(1, min(rows, blockRows))
        let tile = max(1, min(nq, tileScores / chunk))
        // Per database row terms: 1/‖x‖ (cosine) or ‖x‖² (L2), and the penalty.
        var rowTerms = [Float](repeating: 1, count: metric == .l2 || metric == .cosine ? rows : 0)
        for j in rowTerms.indices {
            let x2 = squaredNorms?[j] ?? squaredNorm(UnsafeBufferPointer(rebasing: db[j * d ..< (j + 1) * d]))
            rowTerms[j] = metric == .l2 ? x2 : 1 / max(x2.squareRoot(), 1e-12)
        }
        var scores = [Float](repeating: 0, count: tile * chunk)
        // Move the heaps out of `self` so that the closures below do not overlap access to it.
        var hs = heapScores, hr = heapRows, counts = heapCounts
        heapScores = []; heapRows = []; heapCounts = []
        defer { heapScores = hs; heapRows = hr; heapCounts = counts }
        let metric = self.metric, penalty = rowPenalty, qTerms = queryTerms
        var bad: Int? = nil
        queries.elements.withUnsafeBufferPointer { qs in
        scores.withUnsafeMutableBufferPointer { s in
        hs.withUnsafeMutableBufferPointer { hs in
        hr.withUnsafeMutableBufferPointer { hr in
        rowTerms.withUnsafeBufferPointer { rowTerms in
            for c0 in stride(from: 0, to: rows, by: chunk) {
                let cn = min(chunk, rows - c0)
                let block = UnsafeBufferPointer(rebasing: db[c0 * d ..< (c0 + cn) * d])
                for q0 in stride(from: 0, to: nq, by: tile) {
                    let qn = min(tile, nq - q0)
                    let tileQueries = UnsafeBufferPointer(rebasing: qs[q0 * d ..< (q0 + qn) * d])
                    let alpha: Float = metric == .l2 ? -2 : 1
                    if qn <= fewQueries {
                        dotProducts(tileQueries, rows: qn, block, rows: cn, depth: d, alpha: alpha, into: s)
                    } else {
                        multiplyTransposed(tileQueries, rows: qn, block, rows: cn, depth: d, alpha: alpha, into: s)
                    }
                    for i in 0..<qn {
                        let row = UnsafeMutableBufferPointer(rebasing: s[i * cn ..< (i + 1) * cn])
                        switch metric {
                        case .cosine:
                            for j in 0..<cn { row[j] *= rowTerms[c0 + j] }
                        case .l2:
                            let q2 = qTerms[q0 + i]
                            for j in 0..<cn {
                                // Rounding can make a distance slightly negative; keep NaN visible.
                                let distance = (rowTerms[c0 + j] + row[j]) + q2
                                row[j] = distance < 0 ? 0 : -distance
                            }
                        case .innerProduct:
                            break
                        }
                        if let penalty {
                            if let ids {
                                for j in 0..<cn { row[j] -= penalty[ids[c0 + j]] }
                            } else {
                                for j in 0..<cn { row[j] -= penalty[firstRow + c0 + j] }
                            }
                        }
                        let q = q0 + i
                        let chunkIDs = ids.map { UnsafeBufferPointer(rebasing: $0[c0 ..< c0 + cn]) }
                        if let j = Self.scan(row, firstRow: firstRow + c0, ids: chunkIDs, heapScores: hs, heapRows: hr,
                                             base: q * k, k: k, count: &counts[q]) {
                            bad = c0 + j
                            return
                        }
                    }
                }
            }
        }}}}}
        return bad
    }

    /// Threshold check of one query's scores, then heap insertion; returns the index in `row`
    /// of a non-finite score, if any. Score `j` belongs to row `ids[j]`, or `firstRow + j`.
    @inline(__always)
    private static func scan(
        _ row: UnsafeMutableBufferPointer<Float>, firstRow: Int, ids: UnsafeBufferPointer<Int>?, heapScores hs: UnsafeMutableBufferPointer<Float>,
        heapRows hr: UnsafeMutableBufferPointer<Int>, base: Int, k: Int, count: inout Int
    ) -> Int? {
        var n = count
        defer { count = n }
        var threshold = n == k ? hs[base] : -Float.infinity
        let total = row.count
        var j = 0
        while j < total {
            // Once the heap is full nearly every score is below the threshold. Count 16 at a
            // time, branch-free so that it vectorises, and skip the group when all 16 are
            // finite and below it; otherwise the scalar loop reports or keeps them one by one.
            if j + 16 <= total {
                var below: Int32 = 0
                for t in j..<(j + 16) {
                    let v = row[t]
                    below &+= (v < threshold ? 1 : 0) & (v > -Float.infinity ? 1 : 0)
                }
                if below == 16 { j += 16; continue }
            }
            let end = min(j + 16, total)
            while j < end {
                defer { j += 1 }
                let v = row[j]
                if v >= threshold {
                guard v.isFinite else { return j }
                let r = ids?[j] ?? firstRow + j
                if n < k {
                    siftUp(v, r, at: n, hs, hr, base)
                    n += 1
                    if n == k { threshold = hs[base] }
                } else if v > hs[base] || hr[base] > r {
                    siftDown(v, r, count: k, hs, hr, base)
                    threshold = hs[base]
                }
            } else if !v.isFinite {
                return j
            }
            }
        }
        return nil
    }

    /// `(s1, r1)` ranks below `(s2, r2)`: lower score, or same score and larger row.
    @inline(__always)
    private static func worse(_ s1: Float, _ r1: Int, _ s2: Float, _ r2: Int) -> Bool {
        s1 < s2 || (s1 == s2 && r1 > r2)
    }

    @inline(__always)
    private static func siftUp(_ s: Float, _ r: Int, at start: Int, _ hs: UnsafeMutableBufferPointer<Float>,
                               _ hr: UnsafeMutableBufferPointer<Int>, _ base: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard worse(s, r, hs[base + parent], hr[base + parent]) else { break }
            hs[base + i] = hs[base + parent]; hr[base + i] = hr[base + parent]
            i = parent
        }
        hs[base + i] = s; hr[base + i] = r
    }

    /// Replaces the root (the worst kept candidate) and restores the heap order.
    @inline(__always)
    private static func siftDown(_ s: Float, _ r: Int, count n: Int, _ hs: UnsafeMutableBufferPointer<Float>,
                                 _ hr: UnsafeMutableBufferPointer<Int>, _ base: Int) {
        var i = 0
        while true {
            var child = 2 * i + 1
            guard child < n else { break }
            if child + 1 < n && worse(hs[base + child + 1], hr[base + child + 1], hs[base + child], hr[base + child]) {
                child += 1
            }
            guard worse(hs[base + child], hr[base + child], s, r) else { break }
            hs[base + i] = hs[base + child]; hr[base + i] = hr[base + child]
            i = child
        }
        hs[base + i] = s; hr[base + i] = r
    }
}

extension NeighborAccumulator {
    /// The `k` best database rows of every query, best first (see `NeighborAccumulator`).
    ///
    /// - Throws: `NeighborSearchError` if `k` is outside `1 ... database.rows`, the dimensions
    ///   differ, or either matrix holds NaN/Inf.
    public static func search(
        queries: Matrix<Float>, database: Matrix<Float>, k: Int, metric: Metric, blockRows: Int = 1024
    ) throws(NeighborSearchError) -> [[Neighbor]] {
        guard k >= 1, k <= database.rows else { throw NeighborSearchError(.invalidK(k: k, rows: database.rows)) }
        var accumulator = try NeighborAccumulator(queries: queries, k: k, metric: metric)
        accumulator.blockRows = blockRows
        try accumulator.add(block: database, firstRow: 0)
        return accumulator.results()
    }
}
