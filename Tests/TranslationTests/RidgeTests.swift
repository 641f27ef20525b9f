import Testing
import LatentCore
import LinearAlgebra
@testable import Translation

/// Independent reference: standardise by hand, form XᵀX + λ′I and XᵀY with plain loops, solve
/// by Gaussian elimination with partial pivoting, all in Float64.
private func ridgeByNormalEquations(_ x: Matrix<Double>, _ y: Matrix<Double>, lambda: Double) -> [Double] {
    func standardise(_ m: Matrix<Double>) -> [[Double]] {
        let n = Double(m.rows)
        return (0..<m.columns).map { j in
            let col = (0..<m.rows).map { m[$0, j] }
            let mean = col.reduce(0, +) / n
            let std = (col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
            return col.map { ($0 - mean) / std }
        }
    }
    let xs = standardise(x), ys = standardise(y)   // column-major
    let d1 = x.columns, d2 = y.columns, n = x.rows
    var g = (0..<d1).map { a in (0..<d1).map { b in (0..<n).reduce(0.0) { $0 + xs[a][$1] * xs[b][$1] } } }
    var r = (0..<d1).map { a in (0..<d2).map { b in (0..<n).reduce(0.0) { $0 + xs[a][$1] * ys[b][$1] } } }
    let penalty = lambda * (0..<d1).reduce(0.0) { $0 + g[$1][$1] } / Double(d1)
    for a in 0..<d1 { g[a][a] += penalty }
    for c in 0..<d1 {
        let p = (c..<d1).max { abs(g[$0][c]) < abs(g[$1][c]) }!
        g.swapAt(c, p); r.swapAt(c, p)
        for row in (c + 1)..<d1 {
            let f = g[row][c] / g[c][c]
            for k in c..<d1 { g[row][k] -= f * g[c][k] }
            for k in 0..<d2 { r[row][k] -= f * r[c][k] }
        }
    }
    var w = [[Double]](repeating: [Double](repeating: 0, count: d2), count: d1)
    for c in stride(from: d1 - 1, through: 0, by: -1) {
        for k in 0..<d2 {
            var v = r[c][k]
            for j in (c + 1)..<d1 { v -= g[c][j] * w[j][k] }
            w[c][k] = v / g[c][c]
        }
    }
    return w.flatMap { $0 }
}

@Suite struct RidgeTests {
    let x = offset(gaussian(80, 6, seed: 31), seed: 32)
    var y: Matrix<Double> {
        var y = gemm(x, gaussian(6, 4, seed: 33))
        let noise = gaussian(80, 4, seed: 34)
        for k in y.elements.indices { y.elements[k] += 0.5 * noise.elements[k] }
        return y
    }

    @Test(arguments: [0.001, 0.1, 1, 10])
    func matchesTheNormalEquations(lambda: Double) throws {
        let (t, _) = try Translator.fitDouble(source: x, target: y, estimator: .ridge, scaling: .standard, ridgeLambda: lambda)
        let expected = ridgeByNormalEquations(x, y, lambda: lambda)
        #expect(maxAbs(t.estimate, Matrix(rows: 6, columns: 4, elements: expected)) < 1e-10)
    }

    @Test func tendsToLinearAsLambdaVanishes() throws {
        let (ridge, _) = try Translator.fitDouble(source: x, target: y, estimator: .ridge, scaling: .standard, ridgeLambda: 1e-12)
        let (linear, _) = try Translator.fitDouble(source: x, target: y, estimator: .linear, scaling: .standard)
        #expect(maxAbs(ridge.estimate, linear.estimate) < 1e-9)
    }

    @Test func tendsToZeroAsLambdaGrows() throws {
        let (t, _) = try Translator.fitDouble(source: x, target: y, estimator: .ridge, scaling: .standard, ridgeLambda: 1e12)
        #expect(t.estimate.elements.allSatisfy { abs($0) < 1e-11 })
        // The zero map in scaled space is the target mean in the target space.
        let translated = t.translate(x)
        for j in 0..<4 { #expect(abs(translated[0, j] - t.targetShift[j]) < 1e-9) }
    }

    @Test(arguments: [0.0, -1, .nan, .infinity])
    func rejectsABadLambda(lambda: Double) {
        let f = Matrix<Float>(converting: x)
        #expect(throws: TranslationError.self) {
            try Translator.fit(source: f, target: f, estimator: .ridge, scaling: .standard, ridgeLambda: lambda)
        }
        // Other estimators ignore it.
        #expect(throws: Never.self) {
            try Translator.fit(source: f, target: f, estimator: .ortho, scaling: .standard, ridgeLambda: lambda)
        }
    }

    @Test func ridgeIsAPlainMapWithStableRawValues() throws {
        let (t, report) = try Translator.fit(source: Matrix<Float>(converting: x), target: Matrix<Float>(converting: y),
                                             estimator: .ridge, scaling: .l2, ridgeLambda: 1)
        #expect(t.bias == nil && t.map.rows == 6 && t.map.columns == 4)
        #expect(report.singularValues.count == 6 && report.numericalRank == nil)
        // Stored in databases: existing raw values never change.
        #expect(Estimator.allCases.map(\.rawValue) == ["ortho", "linear", "lortho", "affine", "scaledOrtho", "ridge", "residual"])
    }
}
