import Testing
import LatentCore
@testable import NeighborSearch

/// Checks `found` against the naive Float64 ranking without depending on how near-ties
/// (score differences below Float rounding) are ordered: the i-th row found must score what
/// the naive i-th best scores, and its reported score must be its naive score.
func expectMatchesNaive(_ found: [Neighbor], _ scores: [Double], k: Int, seed: UInt64, _ context: String) {
    let expected = naiveTopK(scores, k: k)
    #expect(found.count == k, "seed \(seed) \(context)")
    #expect(Set(found.map(\.row)).count == found.count, "duplicate rows, seed \(seed) \(context)")
    for (i, n) in found.enumerated() where i < expected.count {
        let tolerance = 1e-4 * max(1, abs(expected[i].score))
        #expect(abs(scores[n.row] - expected[i].score) <= tolerance, "rank \(i), seed \(seed) \(context)")
        #expect(abs(Double(n.score) - scores[n.row]) <= tolerance, "score of row \(n.row), seed \(seed) \(context)")
    }
}

@Test("blocked search agrees with a naive Float64 loop", arguments: Metric.allCases, [1, 3, 100])
func blockedSearchMatchesNaive(metric: Metric, queryCount: Int) throws {
    let seed = UInt64(1000 + queryCount)
    var rng = SeededGenerator(seed: seed)
    let database = rng.matrix(257, 24), queries = rng.matrix(queryCount, 24)
    let naive = (0..<queryCount).map { naiveScores(queries.row($0), database, metric) }
    for blockRows in [1, 7, 64, 1000] {
        for k in [1, 10, database.rows] {
            let found = try NeighborAccumulator.search(queries: queries, database: database, k: k, metric: metric, blockRows: blockRows)
            for q in 0..<queryCount {
                expectMatchesNaive(found[q], naive[q], k: k, seed: seed, "\(metric) blockRows \(blockRows) k \(k) query \(q)")
            }
        }
    }
}

@Test("streamed blocks in any order, with query tiling, give the same results", arguments: Metric.allCases)
func streamedBlocks(metric: Metric) throws {
    let seed: UInt64 = 77
    var rng = SeededGenerator(seed: seed)
    let database = rng.matrix(300, 16), queries = rng.matrix(37, 16)
    let reference = try NeighborAccumulator.search(queries: queries, database: database, k: 10, metric: metric)
    let starts = Array(stride(from: 0, to: 300, by: 45))
    var first: [[Neighbor]]? = nil
    for order in [starts, starts.reversed(), starts.shuffled(using: &rng)] {
        var accumulator = try NeighborAccumulator(queries: queries, k: 10, metric: metric)
        // 6 queries per tile: several tiles, and a ragged last one of 1 (the `sdot` path).
        accumulator.tileScores = 6 * 45
        for start in order {
            try accumulator.add(block: database.gatherRows(start ..< min(start + 45, 300)), firstRow: start)
        }
        #expect(accumulator.rowsSeen == 300)
        let found = accumulator.results()
        // Same arithmetic, any block order: bit-identical.
        if let first { #expect(found == first, "seed \(seed) order \(order)") } else { first = found }
        // `sdot` and `sgemm` may round differently: same rows, scores within rounding.
        for (a, b) in zip(found, reference) {
            #expect(a.map(\.row) == b.map(\.row), "seed \(seed)")
            #expect(zip(a, b).allSatisfy { abs($0.score - $1.score) <= 1e-5 * max(1, abs($1.score)) }, "seed \(seed)")
        }
    }
}

@Test("ties are broken by the smaller row, whatever the block size", arguments: Metric.allCases)
func tiesBreakBySmallerRow(metric: Metric) throws {
    var rng = SeededGenerator(seed: 5)
    let distinct = rng.integerMatrix(20, 8)
    // Every row appears three times, at rows r, r + 20, r + 40.
    var database = distinct
    database.appendRows(distinct)
    database.appendRows(distinct)
    let queries = rng.integerMatrix(4, 8)
    for blockRows in [1, 3, 60] {
        let found = try NeighborAccumulator.search(queries: queries, database: database, k: 60, metric: metric, blockRows: blockRows)
        for q in 0..<4 {
            // Under cosine, distinct rows can tie in exact arithmetic but not after Float rounding.
            if metric != .cosine {
                let expected = naiveTopK(naiveScores(queries.row(q), database, metric), k: 60).map(\.row)
                #expect(found[q].map(\.row) == expected, "\(metric) blockRows \(blockRows) query \(q)")
            }
            // Equal rows: the copy at r + 20 always directly follows the one at r.
            let ranks = Dictionary(uniqueKeysWithValues: found[q].enumerated().map { ($0.element.row, $0.offset) })
            for r in 0..<20 { #expect(ranks[r]! < ranks[r + 20]! && ranks[r + 20]! < ranks[r + 40]!) }
        }
    }
}

@Test("a zero vector scores 0 under cosine, never NaN")
func zeroVectorsUnderCosine() throws {
    let database = Matrix<Float>([[0, 0, 0], [1, 0, 0], [-1, 0, 0], [0, 0, 0]])
    let queries = Matrix<Float>([[0, 0, 0], [2, 0, 0]])
    let found = try NeighborAccumulator.search(queries: queries, database: database, k: 4, metric: .cosine)
    #expect(found[0] == [0, 1, 2, 3].map { Neighbor(row: $0, score: 0) })
    #expect(found[1] == [Neighbor(row: 1, score: 1), Neighbor(row: 0, score: 0), Neighbor(row: 3, score: 0), Neighbor(row: 2, score: -1)])
}

@Test("L2 reports the negated squared distance, 0 for an identical row")
func l2Scores() throws {
    let database = Matrix<Float>([[1, 2], [4, 6], [1, 2]])
    let found = try NeighborAccumulator.search(queries: Matrix([[1, 2]]), database: database, k: 3, metric: .l2)
    #expect(found[0] == [Neighbor(row: 0, score: 0), Neighbor(row: 2, score: 0), Neighbor(row: 1, score: -25)])
}

@Test("the accumulator returns fewer than k when the database is smaller")
func fewerRowsThanK() throws {
    var accumulator = try NeighborAccumulator(queries: Matrix([[1, 0]]), k: 5, metric: .innerProduct)
    try accumulator.add(block: Matrix([[1, 1], [2, 0]]), firstRow: 10)
    #expect(accumulator.results() == [[Neighbor(row: 11, score: 2), Neighbor(row: 10, score: 1)]])
}

@Test("row penalties are subtracted per global row")
func rowPenalty() throws {
    var accumulator = try NeighborAccumulator(queries: Matrix([[1, 0]]), k: 2, metric: .innerProduct, rowPenalty: [0, 0, 0, 3, 0])
    try accumulator.add(block: Matrix([[5, 0], [2, 0]]), firstRow: 3)
    #expect(accumulator.results() == [[Neighbor(row: 4, score: 2), Neighbor(row: 3, score: 2)]].map { $0.reversed() })
}

/// The error `body` throws, if any.
func error(_ body: () throws -> Void) -> NeighborSearchError? {
    do { try body(); return nil } catch { return error as? NeighborSearchError }
}

@Test("bad input throws with context")
func searchErrors() throws {
    let database = Matrix<Float>(rows: 5, columns: 3, repeating: 1)
    let queries = Matrix<Float>(rows: 2, columns: 3, repeating: 1)
    let zeroK = error { _ = try NeighborAccumulator.search(queries: queries, database: database, k: 0, metric: .cosine) }
    #expect(zeroK?.kind == .invalidK(k: 0, rows: 5))
    let bigK = error { _ = try NeighborAccumulator.search(queries: queries, database: database, k: 6, metric: .cosine) }
    #expect(bigK?.kind == .invalidK(k: 6, rows: 5))
    #expect(bigK?.description.contains("6") == true && bigK?.description.contains("5") == true)
    let streamingK = error { _ = try NeighborAccumulator(queries: queries, k: -1, metric: .l2) }
    #expect(streamingK?.kind == .invalidK(k: -1, rows: nil))
    let dims = error { _ = try NeighborAccumulator.search(queries: Matrix(rows: 1, columns: 4), database: database, k: 1, metric: .l2) }
    #expect(dims?.kind == .dimensionMismatch(what: "database", expected: 4, found: 3))
    var nanQueries = queries
    nanQueries[1, 2] = .nan
    let nan = error { _ = try NeighborAccumulator.search(queries: nanQueries, database: database, k: 1, metric: .innerProduct) }
    #expect(nan?.kind == .nonFinite(what: "query", row: 1, column: 2))
    #expect(nan?.description == "query row 1, column 2 is NaN or infinite")
    for metric in Metric.allCases {
        for bad in [Float.nan, .infinity, -.infinity] {
            var badDatabase = database
            badDatabase[3, 1] = bad
            let found = error { _ = try NeighborAccumulator.search(queries: queries, database: badDatabase, k: 5, metric: metric) }
            #expect(found?.kind == .nonFinite(what: "database", row: 3, column: 1), "\(metric) \(bad)")
        }
    }
}

@Test("groups of 16 scores skipped below the threshold keep ties and report NaN/Inf", arguments: Metric.allCases)
func skippedGroupsKeepTiesAndReportNonFinite(metric: Metric) throws {
    var rng = SeededGenerator(seed: 9)
    let distinct = rng.integerMatrix(23, 8)
    // 10 copies: once the heap is full, most groups of 16 are skipped whole and equal scores
    // keep arriving in them; the result must still be the naive ranking.
    var database = distinct
    for _ in 0..<9 { database.appendRows(distinct) }
    let queries = rng.integerMatrix(5, 8)
    for blockRows in [7, 64, 230] {
        let found = try NeighborAccumulator.search(queries: queries, database: database, k: 4, metric: metric, blockRows: blockRows)
        for q in 0..<5 where metric != .cosine {
            let expected = naiveTopK(naiveScores(queries.row(q), database, metric), k: 4).map(\.row)
            #expect(found[q].map(\.row) == expected, "\(metric) blockRows \(blockRows) query \(q)")
        }
    }
    for bad in [Float.nan, .infinity, -.infinity] {
        var badDatabase = database
        badDatabase[181, 5] = bad
        let found = error { _ = try NeighborAccumulator.search(queries: queries, database: badDatabase, k: 4, metric: metric) }
        #expect(found?.kind == .nonFinite(what: "database", row: 181, column: 5), "\(metric) \(bad)")
    }
}

@Test("one query's dot products (the AVX2 kernel where the CPU has it) match a Float64 loop, for every width", arguments: [1, 7, 8, 31, 32, 33, 768, 769])
func oneQueryDotProductsMatchFloat64(depth: Int) {
    var rng = SeededGenerator(seed: UInt64(depth))
    let rows = 37
    let query = (0..<depth).map { _ in rng.gaussian() }
    let database = (0..<(rows * depth)).map { _ in rng.gaussian() }
    var out = [Float](repeating: .nan, count: rows)
    query.withUnsafeBufferPointer { q in
        database.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { dotProducts(q, rows: 1, x, rows: rows, depth: depth, alpha: -2, into: $0) }
        }
    }
    for j in 0..<rows {
        var exact = 0.0, magnitude = 0.0
        for c in 0..<depth {
            exact += Double(query[c]) * Double(database[j * depth + c])
            magnitude += abs(Double(query[c]) * Double(database[j * depth + c]))
        }
        #expect(abs(Double(out[j]) - (-2 * exact)) <= 1e-5 * max(magnitude, 1), "row \(j) depth \(depth)")
    }
}

@Test("norms computed earlier give the answer norms computed per block give", arguments: Metric.allCases)
func precomputedNorms(metric: Metric) throws {
    var rng = SeededGenerator(seed: 91)
    let database = rng.matrix(300, 16), queries = rng.matrix(5, 16)
    let naive = (0..<queries.rows).map { naiveScores(queries.row($0), database, metric) }
    let norms = (0..<database.rows).map { r in database.row(r).reduce(Float(0)) { $0 + $1 * $1 } }
    var accumulator = try NeighborAccumulator(queries: queries, k: 10, metric: metric)
    try accumulator.add(block: database, firstRow: 0, squaredNorms: norms)
    for (q, found) in accumulator.results().enumerated() {
        expectMatchesNaive(found, naive[q], k: 10, seed: 91, "\(metric) precomputed norms, query \(q)")
    }
    // Wrong norms must change cosine and L2 answers: the given norms are what is used.
    guard metric != .innerProduct else { return }
    var misled = try NeighborAccumulator(queries: queries, k: 10, metric: metric)
    try misled.add(block: database, firstRow: 0, squaredNorms: norms.enumerated().map { $0.offset % 2 == 0 ? $0.element * 100 : $0.element })
    #expect(misled.results() != accumulator.results())
}
