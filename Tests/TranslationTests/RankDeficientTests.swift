import Foundation
import Testing
import LatentCore
import LinearAlgebra
@testable import Translation

/// The partial completion against an independent NumPy computation
/// (`Fixtures/make_rank_deficient_fixture.py`) on anchors that leave the map under-determined.
struct RankDeficientFixture: @unchecked Sendable {
    let cases: [String: [String: Any]]
    static let shared = RankDeficientFixture()

    init() {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/rank_deficient_fixture.json")
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        cases = root["cases"] as! [String: [String: Any]]
    }

    func matrix(_ node: Any) -> Matrix<Double> { Matrix((node as! [[NSNumber]]).map { $0.map(\.doubleValue) }) }
    func input(_ problem: String, _ name: String) -> Matrix<Double> { matrix(cases[problem]![name]!) }
    func result(_ problem: String, _ key: String) -> [String: Any] {
        (cases[problem]!["results"] as! [String: [String: Any]])[key]!
    }
}

struct RankCase: Sendable, CustomTestStringConvertible {
    let problem: String, key: String, estimator: Estimator, scaling: Scaling
    var testDescription: String { "\(problem) \(key)" }
}

let rankCases: [RankCase] = ["few_anchors", "dead_target"].flatMap { problem in
    [RankCase(problem: problem, key: "ortho", estimator: .ortho, scaling: .standard),
     RankCase(problem: problem, key: "ortho+l2", estimator: .ortho, scaling: .l2),
     RankCase(problem: problem, key: "l-ortho", estimator: .lortho, scaling: .standard)]
}

@Suite struct RankDeficientParityTests {
    let f = RankDeficientFixture.shared

    @Test(arguments: rankCases)
    func float64PartialCompletionMatchesNumPy(c: RankCase) throws {
        let x = f.input(c.problem, "X"), y = f.input(c.problem, "Y"), query = f.input(c.problem, "query")
        let expected = f.result(c.problem, c.key)
        let (t, report) = try Translator.fitDouble(source: x, target: y, estimator: c.estimator, scaling: c.scaling)
        let r = f.matrix(expected["R"]!)
        #expect(relativeError(block(t.estimate, x.columns, y.columns), r.elements) <= doubleTolerance)
        #expect(relativeError(t.translate(query).elements, f.matrix(expected["translated_query"]!).elements) <= doubleTolerance)
        let mse = (expected["translated_anchors_mse"] as! NSNumber).doubleValue
        #expect(abs(report.residualMSE - mse) <= doubleTolerance * max(mse, 1e-300))
        #expect(report.determined?.rank == (expected["rank"] as! Int))
        #expect(report.determined?.of == (expected["map_dimensions"] as! Int))
        #expect(report.isUnderdetermined)
    }

    /// The Float32 fit (Float32 cross product, then the same rank rule) finds the same rank
    /// and stays near the reference.
    @Test(arguments: rankCases)
    func float32FitFindsTheSameRank(c: RankCase) throws {
        let x = f.input(c.problem, "X"), y = f.input(c.problem, "Y"), query = f.input(c.problem, "query")
        let expected = f.result(c.problem, c.key)
        let (t, report) = try Translator.fit(source: Matrix<Float>(converting: x), target: Matrix<Float>(converting: y),
                                             estimator: c.estimator, scaling: c.scaling, epsilon: Double.ulpOfOne)
        #expect(report.determined?.rank == (expected["rank"] as! Int))
        let got = t.translate(Matrix<Float>(converting: query)).elements.map(Double.init)
        #expect(relativeError(got, f.matrix(expected["translated_query"]!).elements) <= 1e-4)
    }

    /// Full completion (the paper's): the same spectrum and rank, optimal on the anchors as well,
    /// but the map has min(d1, d2) unit singular values where the partial one has r.
    @Test(arguments: rankCases)
    func fullCompletionIsAnIsometryOnTheWholeBlock(c: RankCase) throws {
        let x = f.input(c.problem, "X"), y = f.input(c.problem, "Y")
        let (partial, partialReport) = try Translator.fitDouble(source: x, target: y, estimator: c.estimator, scaling: c.scaling)
        let (full, fullReport) = try Translator.fitDouble(source: x, target: y, estimator: c.estimator, scaling: c.scaling,
                                                          completion: .full)
        #expect(fullReport.determined?.rank == partialReport.determined?.rank)
        let d1 = x.columns, d2 = y.columns, k = min(d1, d2)
        let unit = { (m: Float64Translator) in
            try svd(Matrix(rows: d1, columns: d2, elements: block(m.estimate, d1, d2))).singularValues.filter { abs($0 - 1) < 1e-9 }.count
        }
        #expect(try unit(partial) == partialReport.determined!.rank)
        #expect(try unit(full) == k)
    }
}

/// A target dimension that never varies over the anchors carries no information about the map:
/// under the partial completion every estimator translates it to its anchor mean.
@Suite struct ConstantTargetDimensionTests {
    @Test(arguments: Estimator.allCases, [Scaling.standard, .l2, .center])
    func constantTargetDimensionTranslatesToItsAnchorMean(estimator: Estimator, scaling: Scaling) throws {
        for seed in UInt64(1)...3 {
            let n = 40, d1 = 12, d2 = 9, dead = 4
            let x = offset(gaussian(n, d1, seed: seed), seed: seed + 10)
            var y = gemm(x, gaussian(d1, d2, seed: seed + 20))
            for i in 0..<n { y[i, dead] = 0.3125 }   // exactly representable in Float32
            let (t, report) = try Translator.fit(source: Matrix<Float>(converting: x), target: Matrix<Float>(converting: y),
                                                 estimator: estimator, scaling: scaling, epsilon: Double.ulpOfOne)
            let queries = Matrix<Float>(converting: offset(gaussian(25, d1, seed: seed + 30), seed: seed + 40))
            let out = t.translate(queries)
            for i in 0..<queries.rows {
                #expect(abs(out[i, dead] - 0.3125) <= 1e-6, "seed \(seed) row \(i): \(out[i, dead])")
            }
            if Completion.applies(to: estimator) {
                #expect(report.determined?.rank == d2 - 1 && report.determined?.of == d2, "seed \(seed)")
            }
        }
    }
}
