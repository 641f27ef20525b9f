import Testing
import LatentCore
@testable import NeighborSearch

/// Rows around `centres` seeded centres (Gaussian noise of `spread`), plus the centres.
private func clustered(rows: Int, centres: Int, dimension: Int, spread: Float, seed: UInt64) -> (rows: Matrix<Float>, centres: Matrix<Float>) {
    var rng = SeededGenerator(seed: seed)
    var middle = rng.matrix(centres, dimension)
    for i in middle.elements.indices { middle.elements[i] *= 3 }
    var out = Matrix<Float>(rows: rows, columns: dimension)
    for r in 0..<rows {
        let c = Int(rng.next() % UInt64(centres))
        for j in 0..<dimension { out.elements[r * dimension + j] = middle[c, j] + spread * rng.gaussian() }
    }
    return (out, middle)
}

/// Lists as the façade stores them: the rows of each list and their global row numbers.
private func invertedLists(_ data: Matrix<Float>, _ quantizer: CoarseQuantizer) -> [(rows: [Int], block: Matrix<Float>)] {
    let assignment = quantizer.assign(data)
    return (0..<quantizer.lists).map { list in
        let rows = assignment.indices.filter { assignment[$0] == list }
        return (rows, data.gatherRows(rows))
    }
}

private func probedSearch(_ queries: Matrix<Float>, _ lists: [(rows: [Int], block: Matrix<Float>)], _ quantizer: CoarseQuantizer,
                          nprobe: Int, k: Int, metric: Metric) throws -> [[Neighbor]] {
    var search = try ProbedSearch(queries: queries, probes: try quantizer.probe(queries, nprobe: nprobe, metric: metric), k: k, metric: metric)
    for list in search.listsToRead { try search.add(list: list, block: lists[list].block, rows: lists[list].rows) }
    return search.results()
}

private func recall(_ found: [[Neighbor]], _ truth: [[Neighbor]]) -> Double {
    let hits = zip(found, truth).reduce(0) { $0 + Set($1.0.map(\.row)).intersection($1.1.map(\.row)).count }
    return Double(hits) / Double(truth.reduce(0) { $0 + $1.count })
}

@Test("every row is assigned to its nearest centroid in L2 (naive Float64 check)")
func assignmentIsNearestCentroid() throws {
    let seed: UInt64 = 11
    var rng = SeededGenerator(seed: seed)
    let data = rng.matrix(1500, 20), centroids = rng.matrix(37, 20)
    let quantizer = try CoarseQuantizer(centroids: centroids)
    let assignment = quantizer.assign(data)
    for r in 0..<data.rows {
        let distances = naiveScores(data.row(r), centroids, .l2)  // -‖x − c‖²
        let best = distances.max()!
        // Ties within Float rounding may go either way.
        #expect(distances[assignment[r]] >= best - 1e-4 * max(1, abs(best)), "row \(r), seed \(seed)")
    }
}

/// Sum over rows of the squared L2 distance to their assigned centroid (k-means' objective).
private func inertia(_ data: Matrix<Float>, _ quantizer: CoarseQuantizer) -> Double {
    let assignment = quantizer.assign(data)
    return (0..<data.rows).reduce(0) { sum, r in sum - naiveScores(data.row(r), quantizer.centroids.gatherRows([assignment[r]]), .l2)[0] }
}

@Test("k-means lowers its objective below the sampled start and finds every well-separated cluster")
func kmeansRecoversCentres() throws {
    let seed: UInt64 = 5
    let (data, centres) = clustered(rows: 3000, centres: 12, dimension: 16, spread: 0.05, seed: seed)
    let start = try CoarseQuantizer.train(sample: data, lists: 12, iterations: 0, seed: seed)
    let trained = try CoarseQuantizer.train(sample: data, lists: 12, iterations: 10, seed: seed)
    #expect(inertia(data, trained) < inertia(data, start), "seed \(seed)")
    // Sampled starts can leave a cluster without a centroid, which Lloyd's rounds cannot undo
    // when clusters are far apart (as FAISS's random start, which this follows); with eight
    // lists per cluster a cluster misses out with probability (11/12)^96 ≈ 2e-4.
    let wide = try CoarseQuantizer.train(sample: data, lists: 96, iterations: 10, seed: seed)
    for c in 0..<centres.rows {
        let nearest = -naiveScores(centres.row(c), wide.centroids, .l2).max()!  // ‖centre − nearest centroid‖²
        #expect(nearest < 0.01, "centre \(c) is \(nearest) from the nearest centroid, seed \(seed)")
    }
    // Same seed, same centroids.
    #expect(try CoarseQuantizer.train(sample: data, lists: 12, iterations: 10, seed: seed) == trained)
}

@Test("empty clusters are re-seeded: duplicate rows and more lists than distinct points stay finite and usable")
func emptyClustersReseeded() throws {
    var rows = Matrix<Float>(rows: 0, columns: 4)
    for i in 0..<40 { rows.appendRows(Matrix([[Float(i % 3), 1, 0, 0]])) }  // 3 distinct points
    let quantizer = try CoarseQuantizer.train(sample: rows, lists: 8, iterations: 5, seed: 1)
    #expect(quantizer.lists == 8)
    #expect(quantizer.centroids.firstNonFinite() == nil)
    let assignment = quantizer.assign(rows)
    #expect(Set(assignment).count >= 3)
}

@Test("with nprobe = the list count the index returns exactly what exact search returns", arguments: Metric.allCases)
func fullProbeIsExact(metric: Metric) throws {
    let seed: UInt64 = 21
    let (data, _) = clustered(rows: 2000, centres: 30, dimension: 24, spread: 0.8, seed: seed)
    var rng = SeededGenerator(seed: seed + 1)
    let queries = rng.matrix(25, 24)
    let quantizer = try CoarseQuantizer.train(sample: data.gatherRows(0..<800), lists: 16, seed: seed)
    let lists = invertedLists(data, quantizer)
    for k in [1, 10, 50] {
        // Query by query, as the index scores them (the one-query kernel): bit-identical scores.
        let exact = try (0..<queries.rows).map { q in
            try NeighborAccumulator.search(queries: queries.gatherRows(q ..< q + 1), database: data, k: k, metric: metric)[0]
        }
        let indexed = try probedSearch(queries, lists, quantizer, nprobe: quantizer.lists, k: k, metric: metric)
        #expect(indexed == exact, "\(metric) k \(k), seed \(seed)")
        // A batch goes through sgemm, whose rounding differs: the same rows.
        let batch = try NeighborAccumulator.search(queries: queries, database: data, k: k, metric: metric)
        #expect(indexed.map { $0.map(\.row) } == batch.map { $0.map(\.row) }, "\(metric) k \(k), seed \(seed)")
    }
}

@Test("recall@10 on a seeded clustered set: high at a few probes, rising with nprobe, and predicted exactly by the calibration")
func recallOnClusteredSet() throws {
    let seed: UInt64 = 3
    let (data, _) = clustered(rows: 6000, centres: 60, dimension: 32, spread: 0.9, seed: seed)
    var rng = SeededGenerator(seed: seed + 7)
    let queryRows = (0..<100).map { _ in Int(rng.next() % 6000) }
    let queries = data.gatherRows(queryRows)
    let lists = 64
    let quantizer = try CoarseQuantizer.train(sample: data.gatherRows(Array(stride(from: 0, to: 6000, by: 2))), lists: lists, seed: seed)
    let inverted = invertedLists(data, quantizer)
    #expect(inverted.reduce(0) { $0 + $1.rows.count } == data.rows)
    let truth = try NeighborAccumulator.search(queries: queries, database: data, k: 10, metric: .cosine)
    let ranking = try quantizer.probe(queries, nprobe: lists, metric: .cosine)
    let assignment = quantizer.assign(data)
    let predicted = recallByProbeCount(truth: truth.map { $0.map(\.row) }, listOf: { assignment[$0] }, ranking: ranking, k: 10)
    var previous = 0.0
    for nprobe in [1, 2, 4, 8, 16, 64] {
        let measured = recall(try probedSearch(queries, inverted, quantizer, nprobe: nprobe, k: 10, metric: .cosine), truth)
        #expect(abs(measured - predicted[nprobe - 1]) < 1e-9, "nprobe \(nprobe): measured \(measured), predicted \(predicted[nprobe - 1]), seed \(seed)")
        #expect(measured >= previous, "recall fell at nprobe \(nprobe), seed \(seed)")
        previous = measured
        if nprobe == 8 { #expect(measured >= 0.9, "recall@10 \(measured) at nprobe 8 of 64, seed \(seed)") }
    }
    #expect(previous == 1)
}

@Test("probing refuses nprobe outside 1 ... lists, and training more lists than rows")
func badProbeCounts() throws {
    var rng = SeededGenerator(seed: 9)
    let quantizer = try CoarseQuantizer(centroids: rng.matrix(4, 3))
    for nprobe in [0, 5] {
        #expect(throws: NeighborSearchError(.invalidNProbe(nprobe: nprobe, lists: 4))) {
            try quantizer.probe(rng.matrix(2, 3), nprobe: nprobe, metric: .cosine)
        }
    }
    #expect(throws: NeighborSearchError(.invalidListCount(lists: 11, rows: 10))) {
        try CoarseQuantizer.train(sample: rng.matrix(10, 3), lists: 11, seed: 0)
    }
}
