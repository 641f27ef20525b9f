import Foundation
import Testing
import LatentCore
import LinearAlgebra
@testable import Translation


func gaussian(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Double> {
    var g = SeededGenerator(seed: seed)
    return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in
        // Box–Muller
        let u = Double.random(in: Double.ulpOfOne..<1, using: &g), v = Double.random(in: 0..<1, using: &g)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    })
}

/// A random orthogonal matrix: the polar factor U Vᵀ of a Gaussian one.
func randomOrthogonal(_ n: Int, seed: UInt64) throws -> Matrix<Double> {
    let (u, _, vt) = try svd(gaussian(n, n, seed: seed))
    return gemm(u, vt)
}

func maxAbs<T: BinaryFloatingPoint>(_ a: Matrix<T>, _ b: Matrix<T>) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns, "\(a.shape) vs \(b.shape)")
    return zip(a.elements, b.elements).reduce(0) { max($0, Double(abs($1.0 - $1.1))) }
}

/// Shift and stretch the columns, like real embeddings (non-zero mean, uneven spread).
func offset(_ m: Matrix<Double>, seed: UInt64) -> Matrix<Double> {
    var out = m
    var g = SeededGenerator(seed: seed)
    let shift = (0..<m.columns).map { _ in Double.random(in: -2...2, using: &g) }
    let scale = (0..<m.columns).map { _ in Double.random(in: 0.5...3, using: &g) }
    for i in 0..<m.rows { for j in 0..<m.columns { out[i, j] = out[i, j] * scale[j] + shift[j] } }
    return out
}

@Suite struct EstimatorPropertyTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func procrustesRecoversARandomRotation(seed: UInt64) throws {
        let x = gaussian(200, 16, seed: seed)
        let q = try randomOrthogonal(16, seed: seed + 1000)
        let (t, report) = try Translator.fitDouble(source: x, target: gemm(x, q), estimator: .ortho, scaling: .none)
        #expect(maxAbs(t.estimate, q) < 1e-10, "seed \(seed)")
        #expect(report.residualMSE < 1e-20)
        #expect(report.effectiveRank > 1 && report.effectiveRank <= 16)
    }

    @Test(arguments: [Estimator.ortho, .linear, .lortho, .affine, .scaledOrtho], [Scaling.standard, .center, .none])
    func spaceIntoItselfIsTheIdentity(estimator: Estimator, scaling: Scaling) throws {
        let x = offset(gaussian(60, 8, seed: 7), seed: 8)
        let (t, _) = try Translator.fitDouble(source: x, target: x, estimator: estimator, scaling: scaling)
        var identity = Matrix<Double>(rows: 8, columns: 8)
        for i in 0..<8 { identity[i, i] = 1 }
        #expect(maxAbs(Matrix(rows: 8, columns: 8, elements: block(t.estimate, 8, 8)), identity) < 1e-10)
        #expect(maxAbs(t.translate(x), x) < 1e-10)
        let float = Matrix<Float>(converting: x)
        #expect(maxAbs(t.rounded.translate(float), float) < 1e-4)
    }

    @Test(arguments: [(8, 8), (6, 10)], [UInt64(5), 6])
    func orthoInverseRoundTrips(dims: (Int, Int), seed: UInt64) throws {
        let x = offset(gaussian(100, dims.0, seed: seed), seed: seed + 1)
        let y = offset(gaussian(100, dims.1, seed: seed + 2), seed: seed + 3)
        let (t, _) = try Translator.fit(source: Matrix<Float>(converting: x), target: Matrix<Float>(converting: y),
                                        estimator: .ortho, scaling: .standard)
        let q = Matrix<Float>(converting: offset(gaussian(20, dims.0, seed: seed + 4), seed: seed + 1))
        let back = try t.inverse().translate(t.translate(q))
        #expect(maxAbs(back, q) < 1e-4, "seed \(seed)")
        #expect(try t.inverse().inverse() == t)
    }

    @Test(arguments: [Scaling.none, .standard, .center])
    func affineRecoversAKnownMap(scaling: Scaling) throws {
        let x = offset(gaussian(50, 4, seed: 9), seed: 10)
        let a = gaussian(4, 3, seed: 11)
        let bias = [0.5, -2.0, 7.0]
        var y = gemm(x, a)
        for i in 0..<y.rows { for j in 0..<3 { y[i, j] += bias[j] } }
        let (t, report) = try Translator.fitDouble(source: x, target: y, estimator: .affine, scaling: scaling)
        let fresh = gaussian(5, 4, seed: 12)
        var expected = gemm(fresh, a)
        for i in 0..<5 { for j in 0..<3 { expected[i, j] += bias[j] } }
        #expect(maxAbs(t.translate(fresh), expected) < 1e-10)
        #expect(report.residualMSE < 1e-20)
        #expect(report.numericalRank == 5)
    }

    @Test(arguments: Estimator.allCases, Scaling.allCases)
    func deadDimensionAndZeroRowStayFinite(estimator: Estimator, scaling: Scaling) throws {
        // Column 2 is a constant ~1e-32 (minilm's dimension 127), row 3 is all zeros (glove50's row 2787).
        var x = Matrix<Float>(converting: offset(gaussian(30, 5, seed: 13), seed: 14))
        var y = Matrix<Float>(converting: gaussian(30, 6, seed: 15))
        for i in 0..<30 { x[i, 2] = 1e-32; y[i, 4] = 1e-32 }
        for j in 0..<5 { x[3, j] = 0 }
        for j in 0..<6 { y[3, j] = 0 }
        let (t, report) = try Translator.fit(source: x, target: y, estimator: estimator, scaling: scaling)
        if scaling == .standard || scaling == .l2 {
            #expect(t.sourceScale[2] == 1 && t.targetScale[4] == 1)
        }
        #expect(t.translate(x).firstNonFinite() == nil)
        #expect(report.residualMSE.isFinite)
        // A zero query row after scaling: shift in, finite out.
        let atMean = Matrix(rows: 1, columns: 5, elements: t.sourceShift)
        #expect(t.translate(atMean).firstNonFinite() == nil)
    }

    @Test func translateHandlesManyBlocksAndNoRows() throws {
        let x = Matrix<Float>(converting: offset(gaussian(40, 3, seed: 16), seed: 17))
        let y = Matrix<Float>(converting: gaussian(40, 2, seed: 18))
        let (t, _) = try Translator.fit(source: x, target: y, estimator: .linear, scaling: .l2)
        #expect(t.translate(Matrix(rows: 0, columns: 3)).rows == 0)
        // Row by row equals all at once (block boundaries change nothing).
        let all = t.translate(x)
        for i in 0..<40 { #expect(t.translate(x.gatherRows([i])).elements == all.row(i)) }
    }

    @Test(arguments: [Scaling.standard, .l2, .none])
    func translateIntoAMatrixEqualsTranslate(scaling: Scaling) throws {
        let x = Matrix<Float>(converting: offset(gaussian(50, 4, seed: 20), seed: 21))
        let (t, _) = try Translator.fit(source: x, target: Matrix<Float>(converting: gaussian(50, 3, seed: 22)),
                                        estimator: .affine, scaling: scaling)
        var out = Matrix<Float>(rows: 50, columns: 3, repeating: .nan)
        t.translate(x, into: &out)
        #expect(out == t.translate(x))
    }

    @Test func rebuiltFromParametersIsEqual() throws {
        let x = Matrix<Float>(converting: gaussian(20, 3, seed: 19))
        let (t, _) = try Translator.fit(source: x, target: x, estimator: .affine, scaling: .standard)
        let rebuilt = Translator(estimator: t.estimator, scaling: t.scaling, sourceShift: t.sourceShift,
                                 sourceScale: t.sourceScale, targetShift: t.targetShift, targetScale: t.targetScale,
                                 sourceMeanNorm: t.sourceMeanNorm, targetMeanNorm: t.targetMeanNorm, map: t.map, bias: t.bias)
        #expect(rebuilt == t)
        #expect(rebuilt.translate(x) == t.translate(x))
    }
}

@Suite struct TranslationErrorTests {
    let x = Matrix<Float>(rows: 4, columns: 3, repeating: 1)

    @Test func tooFewAnchors() {
        let one = Matrix<Float>(rows: 1, columns: 3)
        #expect(throws: TranslationError(.tooFewAnchors(found: 1))) {
            try Translator.fit(source: one, target: one, estimator: .ortho, scaling: .standard)
        }
        #expect(TranslationError(.tooFewAnchors(found: 1)).description == "2 anchors needed, found 1")
    }

    @Test func anchorCountsDiffer() {
        #expect(throws: TranslationError(.anchorCountMismatch(source: 4, target: 3))) {
            try Translator.fit(source: x, target: Matrix(rows: 3, columns: 2), estimator: .linear, scaling: .none)
        }
    }

    // The Procrustes fits find NaN/Inf through their statistics, the others by a search first:
    // every estimator and scaling must name the same side, row and column.
    @Test(arguments: [Float.nan, .infinity, -.infinity], Scaling.allCases)
    func nonFiniteAnchorsNameSideRowAndColumn(bad: Float, scaling: Scaling) {
        var broken = x
        broken[2, 1] = bad
        for estimator in [Estimator.ortho, .scaledOrtho, .linear] {
            #expect(throws: TranslationError(.nonFinite(side: .source, row: 2, column: 1))) {
                try Translator.fit(source: broken, target: x, estimator: estimator, scaling: scaling)
            }
            #expect(throws: TranslationError(.nonFinite(side: .target, row: 2, column: 1))) {
                try Translator.fit(source: x, target: broken, estimator: estimator, scaling: scaling)
            }
            #expect(throws: TranslationError(.nonFinite(side: .source, row: 2, column: 1))) {
                try Translator.fit(source: broken, target: broken, estimator: estimator, scaling: scaling)
            }
        }
        #expect(TranslationError(.nonFinite(side: .target, row: 2, column: 1)).description
                == "target anchors contain NaN or infinity at row 2, column 1")
    }

    @Test(arguments: [Estimator.linear, .lortho, .affine, .scaledOrtho])
    func onlyOrthoIsInvertible(estimator: Estimator) throws {
        let y = Matrix<Float>(converting: gaussian(10, 3, seed: 20))
        let (t, _) = try Translator.fit(source: y, target: y, estimator: estimator, scaling: .standard)
        #expect(throws: TranslationError(.notInvertible(estimator))) { try t.inverse() }
    }

    @Test func wrongWidthAtTranslateTime() throws {
        let y = Matrix<Float>(converting: gaussian(10, 3, seed: 21))
        let (t, _) = try Translator.fit(source: y, target: y, estimator: .ortho, scaling: .standard)
        #expect(throws: TranslationError(.dimensionMismatch(expected: 3, found: 4))) {
            try t.translateChecked(Matrix(rows: 2, columns: 4))
        }
        #expect(TranslationError(.dimensionMismatch(expected: 3, found: 4)).description == "expected 3 columns, found 4")
        #expect(try t.translateChecked(y).rows == 10)
    }

    @Test func lapackFailureIsWrapped() {
        let e = TranslationError(.numerical(LinearAlgebraError(kind: .noConvergence, routine: "dgesdd", info: 3)))
        #expect(e.description.contains("dgesdd did not converge"))
    }
}
