// The maths of an inverted-file (IVF) index: coarse centroids by k-means, each row in the list
// of its nearest centroid, queries probing the few lists whose centroids are closest, and the
// top-k merged across the lists probed. Reading lists from disk is the façade's business.
public import LatentCore
import LinearAlgebra

/// The coarse quantiser of an IVF index: `lists` centroids in the space's dimension.
///
/// Rows are assigned to their nearest centroid in L2 (`‖x − c‖²`, as k-means minimises it);
/// queries rank centroids by the search metric (cosine, inner product or L2), as FAISS's
/// `IndexIVF` does with its quantiser's metric.
public struct CoarseQuantizer: Sendable, Equatable {
    public let centroids: Matrix<Float>
    /// `‖c‖²` of each centroid.
    let squaredNorms: [Float]

    public var lists: Int { centroids.rows }
    public var dimension: Int { centroids.columns }

    /// - Throws: `NeighborSearchError` if there are no centroids or one holds NaN/Inf.
    public init(centroids: Matrix<Float>) throws(NeighborSearchError) {
        guard centroids.rows > 0 else { throw NeighborSearchError(.emptyTraining) }
        try centroids.checkFinite("centroid")
        self.centroids = centroids
        self.squaredNorms = centroids.elements.withUnsafeBufferPointer { e in
            (0..<centroids.rows).map { i in
                squaredNorm(UnsafeBufferPointer(rebasing: e[i * centroids.columns ..< (i + 1) * centroids.columns]))
            }
        }
    }

    /// Rows per `sgemm` tile when scoring rows against every centroid (the tile holds
    /// `tileRows × lists` scores: 16 MiB at 4,096 lists).
    static let tileRows = 1024

    /// The nearest centroid (L2) of every row; ties go to the smaller list.
    ///
    /// Blocked: one `sgemm` of a tile of rows against all centroids, then an arg-min of
    /// `‖c‖² − 2 x·c` per row (`‖x‖²` is the same for every centroid).
    public func assign(_ rows: Matrix<Float>) -> [Int] {
        precondition(rows.columns == dimension, "rows of \(rows.columns) columns for centroids of \(dimension)")
        var out = [Int](repeating: 0, count: rows.rows)
        scoreAgainstCentroids(rows) { first, count, scores in
            let n = lists
            for i in 0..<count {
                var bestList = 0, bestDistance = Float.infinity
                for j in 0..<n {
                    let distance = squaredNorms[j] + scores[i * n + j]
                    if distance < bestDistance { bestDistance = distance; bestList = j }
                }
                out[first + i] = bestList
            }
        }
        return out
    }

    /// Calls `body(firstRow, count, scores)` per tile with `scores[i * lists + j] = −2 xᵢ·cⱼ`.
    private func scoreAgainstCentroids(_ rows: Matrix<Float>, _ body: (Int, Int, UnsafeBufferPointer<Float>) -> Void) {
        let d = dimension, n = lists
        let tile = max(1, min(rows.rows, Self.tileRows))
        var scores = [Float](repeating: 0, count: tile * n)
        rows.elements.withUnsafeBufferPointer { x in
        centroids.elements.withUnsafeBufferPointer { c in
        scores.withUnsafeMutableBufferPointer { s in
            for first in stride(from: 0, to: rows.rows, by: tile) {
                let count = min(tile, rows.rows - first)
                multiplyTransposed(UnsafeBufferPointer(rebasing: x[first * d ..< (first + count) * d]), rows: count,
                                   c, rows: n, depth: d, alpha: -2, into: s)
                body(first, count, UnsafeBufferPointer(rebasing: s[0 ..< count * n]))
            }
        }}}
    }

    /// The `nprobe` lists each query should read, best first, ranked by `metric` between the
    /// query and each centroid (cosine: the centroid's direction; L2: its distance).
    ///
    /// - Throws: `NeighborSearchError` if `nprobe` is outside `1 ... lists`, the dimension
    ///   differs, or a query holds NaN/Inf.
    public func probe(_ queries: Matrix<Float>, nprobe: Int, metric: Metric) throws(NeighborSearchError) -> [[Int]] {
        guard nprobe >= 1, nprobe <= lists else { throw NeighborSearchError(.invalidNProbe(nprobe: nprobe, lists: lists)) }
        guard queries.columns == dimension else {
            throw NeighborSearchError(.dimensionMismatch(what: "query", expected: dimension, found: queries.columns))
        }
        try queries.checkFinite("query")
        // The centroids as a database: the exact search over them is the probe order (their norms
        // are known, so the centroids are read once, for the products).
        var ranking = try NeighborAccumulator(queries: queries, k: nprobe, metric: metric)
        try ranking.add(block: centroids, firstRow: 0, squaredNorms: squaredNorms)
        return ranking.results().map { $0.map(\.row) }
    }
}

extension CoarseQuantizer {
    /// Seeded k-means (Lloyd) on `sample`: `lists` initial centroids are distinct sample rows
    /// drawn with `seed`, then `iterations` rounds of assign-then-average (each assignment one
    /// blocked `sgemm` against the centroids). A centroid left empty is re-seeded from the
    /// largest cluster: a copy of its centroid nudged by ±1e-4 relative in alternate
    /// coordinates (FAISS's `Clustering` split), so the two halves separate in the next round.
    ///
    /// - Throws: `NeighborSearchError` if `lists` is outside `1 ... sample.rows` or the sample
    ///   holds NaN/Inf.
    public static func train(sample: Matrix<Float>, lists: Int, iterations: Int = 10, seed: UInt64) throws(NeighborSearchError) -> CoarseQuantizer {
        guard lists >= 1, lists <= sample.rows else { throw NeighborSearchError(.invalidListCount(lists: lists, rows: sample.rows)) }
        try sample.checkFinite("training row")
        precondition(iterations >= 0, "negative iteration budget")
        var generator = SeededGenerator(seed: seed)
        let start = generator.sample(Array(0..<sample.rows), count: lists).sorted()
        var quantizer = try CoarseQuantizer(centroids: sample.gatherRows(start))
        let d = sample.columns
        for _ in 0..<iterations {
            let assignment = quantizer.assign(sample)
            var sums = [Double](repeating: 0, count: lists * d)
            var counts = [Int](repeating: 0, count: lists)
            sample.elements.withUnsafeBufferPointer { x in
                for (i, list) in assignment.enumerated() {
                    counts[list] += 1
                    for j in 0..<d { sums[list * d + j] += Double(x[i * d + j]) }
                }
            }
            var next = quantizer.centroids
            for list in 0..<lists where counts[list] > 0 {
                let scale = 1 / Double(counts[list])
                for j in 0..<d { next.elements[list * d + j] = Float(sums[list * d + j] * scale) }
            }
            // Empty clusters: split the largest one (deterministic: largest count, then smaller list).
            for empty in 0..<lists where counts[empty] == 0 {
                var largest = 0
                for list in 0..<lists where counts[list] > counts[largest] { largest = list }
                for j in 0..<d {
                    let value = next.elements[largest * d + j]
                    let nudge: Float = j % 2 == 0 ? 1 + 1e-4 : 1 - 1e-4
                    next.elements[empty * d + j] = value * nudge
                    next.elements[largest * d + j] = value / nudge
                }
                counts[empty] = counts[largest] / 2
                counts[largest] -= counts[empty]
            }
            quantizer = try CoarseQuantizer(centroids: next)
        }
        return quantizer
    }
}

/// The top-k of each query over the lists it probes, merged into one bounded heap per query
/// (a `NeighborAccumulator` each, fed list blocks with the global row of every list row).
///
/// Lists arrive one at a time in any order; each is scored only against the queries that probe
/// it. Memory: one list at a time plus `queries × k` heap slots.
public struct ProbedSearch: Sendable {
    public let probes: [[Int]]
    /// For each list probed by some query, the queries that probe it (ascending).
    public let queriesByList: [Int: [Int]]
    private var perQuery: [NeighborAccumulator]

    /// - Throws: `NeighborSearchError` for `k < 1`, NaN/Inf queries.
    public init(queries: Matrix<Float>, probes: [[Int]], k: Int, metric: Metric) throws(NeighborSearchError) {
        precondition(probes.count == queries.rows, "\(probes.count) probe lists for \(queries.rows) queries")
        self.probes = probes
        var byList: [Int: [Int]] = [:]
        for (q, lists) in probes.enumerated() { for list in lists { byList[list, default: []].append(q) } }
        self.queriesByList = byList
        var accumulators: [NeighborAccumulator] = []
        accumulators.reserveCapacity(queries.rows)
        for q in 0..<queries.rows {
            accumulators.append(try NeighborAccumulator(queries: queries.gatherRows(q ..< q + 1), k: k, metric: metric))
        }
        self.perQuery = accumulators
    }

    /// The lists to read: every list some query probes, ascending.
    public var listsToRead: [Int] { queriesByList.keys.sorted() }

    /// Offers rows of `list` (`block` row `i` is global row `rows[i]`) to the queries probing it;
    /// `squaredNorms` as in ``NeighborAccumulator/add(block:rows:squaredNorms:)``.
    public mutating func add(list: Int, block: Matrix<Float>, rows: [Int], squaredNorms: [Float]? = nil) throws(NeighborSearchError) {
        guard let queries = queriesByList[list] else { return }
        for q in queries { try perQuery[q].add(block: block, rows: rows, squaredNorms: squaredNorms) }
    }

    /// Per query, its best `min(k, rows in its probed lists)` neighbours, best first.
    public func results() -> [[Neighbor]] { perQuery.map { $0.results()[0] } }

    /// Rows scored per query (the sum of its probed lists' sizes).
    public var rowsScored: [Int] { perQuery.map(\.rowsSeen) }
}

/// Recall@k of an IVF index for `nprobe = 1 ... maxProbe`, without searching it: the top-k of
/// a probe over lists `P` are the exact top-k restricted to rows of `P`, so a true neighbour
/// is found exactly when its list is probed. `truth[q]` are query `q`'s exact neighbours
/// (global rows), `listOfRow` maps them to their list, `ranking[q]` is the query's probe order.
/// Returns `recall[p − 1]` for each `p`.
public func recallByProbeCount(truth: [[Int]], listOf listOfRow: (Int) -> Int, ranking: [[Int]], k: Int) -> [Double] {
    precondition(truth.count == ranking.count, "truth and probe ranking of different lengths")
    guard let maxProbe = ranking.map(\.count).min(), !truth.isEmpty else { return [] }
    var found = [Int](repeating: 0, count: maxProbe)
    let total = truth.reduce(0) { $0 + min(k, $1.count) }
    for (q, neighbours) in truth.enumerated() {
        var rank: [Int: Int] = [:]
        for (position, list) in ranking[q].enumerated() { rank[list] = position }
        for row in neighbours.prefix(k) {
            // Found at every probe count greater than its list's rank.
            if let position = rank[listOfRow(row)] { found[position] += 1 }
        }
    }
    var cumulative = 0
    return found.map { count in
        cumulative += count
        return total == 0 ? 1 : Double(cumulative) / Double(total)
    }
}
