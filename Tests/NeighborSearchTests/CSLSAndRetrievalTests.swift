import Testing
import LatentCore
@testable import NeighborSearch

/// Float64 cosine matrix, as the reference's `unit(a) @ unit(b).T`.
func naiveCosine(_ a: Matrix<Float>, _ b: Matrix<Float>) -> [[Double]] {
    (0..<a.rows).map { naiveScores(a.row($0), b, .cosine) }
}

/// The reference `csls_matrix(a, b, k)` in Float64.
func naiveCSLS(_ a: Matrix<Float>, _ b: Matrix<Float>, k: Int) -> [[Double]] {
    let s = naiveCosine(a, b)
    let k1 = min(k, b.rows), k2 = min(k, a.rows)
    let ra = s.map { row in row.sorted(by: >).prefix(k1).reduce(0, +) / Double(k1) }
    let rb = (0..<b.rows).map { j in s.map { $0[j] }.sorted(by: >).prefix(k2).reduce(0, +) / Double(k2) }
    return s.enumerated().map { i, row in row.enumerated().map { j, v in 2 * v - ra[i] - rb[j] } }
}

/// protocol.py `retrieval` on a Float64 score matrix.
func naiveRetrieval(_ s: [[Double]]) -> RetrievalMetrics {
    let ranks = s.enumerated().map { i, row in 1 + row.filter { $0 > row[i] }.count }
    let n = Double(ranks.count)
    return RetrievalMetrics(top1: Double(ranks.filter { $0 == 1 }.count) / n, top5: Double(ranks.filter { $0 <= 5 }.count) / n,
                            mrr: ranks.reduce(0.0) { $0 + 1 / Double($1) } / n)
}

@Test("mean top-k similarity and the CSLS matrix match the reference formulas", arguments: [(40, 30, 10), (5, 8, 10), (12, 3, 4)])
func cslsMatrix(rowsA: Int, rowsB: Int, k: Int) throws {
    let seed = UInt64(rowsA * 100 + rowsB)
    var rng = SeededGenerator(seed: seed)
    let a = rng.matrix(rowsA, 12), b = rng.matrix(rowsB, 12)
    let expected = naiveCSLS(a, b, k: k)
    let found = try CSLS.cslsScores(a, b, k: k)
    #expect(found.rows == rowsA && found.columns == rowsB)
    for i in 0..<rowsA {
        for j in 0..<rowsB {
            #expect(abs(Double(found[i, j]) - expected[i][j]) < 1e-5, "seed \(seed) (\(i), \(j))")
        }
    }
    let s = naiveCosine(a, b)
    let means = try CSLS.meanTopKSimilarity(of: a, against: b, k: k)
    for i in 0..<rowsA {
        let kk = min(k, rowsB)
        #expect(abs(Double(means[i]) - s[i].sorted(by: >).prefix(kk).reduce(0, +) / Double(kk)) < 1e-6, "seed \(seed) row \(i)")
    }
}

@Test("CSLS search ranks by the CSLS matrix and reports its scores", arguments: [1, 10, 60])
func cslsSearch(k: Int) throws {
    let seed = UInt64(900 + k)
    var rng = SeededGenerator(seed: seed)
    let queries = rng.matrix(25, 10), database = rng.matrix(60, 10)
    let expected = naiveCSLS(queries, database, k: 10)
    let found = try CSLS.search(queries: queries, database: database, k: k)
    for q in 0..<25 { expectMatchesNaive(found[q], expected[q], k: k, seed: seed, "CSLS query \(q)") }
}

@Test("retrieval metrics match protocol.py retrieval, with and without CSLS", arguments: [0.3, 1.0, 3.0])
func retrievalMetrics(noise: Double) throws {
    let seed = UInt64(noise * 10)
    var rng = SeededGenerator(seed: seed)
    let truth = rng.matrix(150, 16)
    var translated = truth
    for i in translated.elements.indices { translated.elements[i] += Float(noise) * rng.gaussian() }
    for csls in [false, true] {
        let expected = naiveRetrieval(csls ? naiveCSLS(translated, truth, k: 10) : naiveCosine(translated, truth))
        // One tile, and tiles of 7 rows with a ragged last one.
        for tileScores in [NeighborAccumulator.maxTileScores, 7 * 150] {
            let found = try RetrievalMetrics.retrieval(translated: translated, truth: truth, csls: csls, tileScores: tileScores)
            #expect(found.top1 == expected.top1 && found.top5 == expected.top5, "seed \(seed) csls \(csls)")
            #expect(abs(found.mrr - expected.mrr) < 1e-12, "seed \(seed) csls \(csls)")
        }
    }
    let exact = try RetrievalMetrics.retrieval(translated: truth, truth: truth)
    #expect(exact == RetrievalMetrics(top1: 1, top5: 1, mrr: 1))
}

@Test("retrieval rejects mismatched shapes and NaN")
func retrievalErrors() {
    let a = Matrix<Float>(rows: 3, columns: 2, repeating: 1)
    #expect(error { _ = try RetrievalMetrics.retrieval(translated: a, truth: Matrix(rows: 4, columns: 2)) }?.kind
            == .rowCountMismatch(what: "truth", expected: 3, found: 4))
    #expect(error { _ = try RetrievalMetrics.retrieval(translated: a, truth: Matrix(rows: 3, columns: 5)) }?.kind
            == .dimensionMismatch(what: "truth", expected: 2, found: 5))
    var nan = a
    nan[2, 0] = .nan
    #expect(error { _ = try RetrievalMetrics.retrieval(translated: nan, truth: a) }?.kind == .nonFinite(what: "translated", row: 2, column: 0))
}
