import Testing
import LatentCore
import LinearAlgebra
@testable import Translation

/// `fit` takes Gram-based routes on well-conditioned anchors; `fitDouble` always runs the
/// reference's `dgesdd` / `dgelsd`. On the same (Float32-representable) anchors their maps
/// must agree to Float32 rounding, whichever side is wider, and rank-deficient anchors
/// (fewer anchors than dimensions) must still come out right through the fallback.
@Suite struct FastPathTests {
    static let shapes = [(n: 400, d1: 24, d2: 24), (n: 400, d1: 32, d2: 20), (n: 400, d1: 20, d2: 32), (n: 15, d1: 24, d2: 24)]

    @Test(arguments: [Estimator.ortho, .scaledOrtho, .linear, .lortho, .affine], [Scaling.standard, .l2, .none])
    func fastFitAgreesWithTheReferenceRoutines(estimator: Estimator, scaling: Scaling) throws {
        for (k, shape) in Self.shapes.enumerated() {
            let base = offset(gaussian(shape.n, shape.d1, seed: UInt64(40 + k)), seed: UInt64(50 + k))
            let mixing = gaussian(shape.d1, shape.d2, seed: UInt64(60 + k))
            var yd = gemm(base, mixing)
            let noise = gaussian(shape.n, shape.d2, seed: UInt64(70 + k))
            yd.withUnsafeMutableElements { p in for i in p.indices { p[i] += 0.1 * noise.elements[i] } }
            let x = Matrix<Float>(converting: base), y = Matrix<Float>(converting: yd)
            let (fast, report) = try Translator.fit(source: x, target: y, estimator: estimator, scaling: scaling,
                                                    epsilon: Double.ulpOfOne)
            let (reference, referenceReport) = try Translator.fitDouble(
                source: Matrix<Double>(converting: x), target: Matrix<Double>(converting: y),
                estimator: estimator, scaling: scaling)
            let expected = reference.rounded
            let scale = expected.map.elements.reduce(0) { max($0, abs($1)) }
            // Fewer anchors than dimensions leave U Vᵀ undetermined on the null space: any
            // completion is a valid Procrustes map, so only the spectrum is compared there.
            let unique = shape.n > max(shape.d1, shape.d2) || !(estimator == .ortho || estimator == .scaledOrtho)
            if unique { #expect(maxAbs(fast.map, expected.map) <= 1e-5 * Double(scale), "\(shape) map") }
            if let b = fast.bias, let e = expected.bias {
                #expect(zip(b, e).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(shape) bias")
            }
            let top = referenceReport.singularValues[0]
            #expect(zip(report.singularValues, referenceReport.singularValues).allSatisfy { abs($0 - $1) <= 1e-5 * top },
                    "\(shape) spectrum")
            #expect(report.numericalRank == referenceReport.numericalRank, "\(shape) rank")
        }
    }
}

/// The Procrustes fit's one-pass statistics against the two-pass ones, on columns with a large
/// offset next to their spread, a dead (constant) column and a near-dead one.
@Test(arguments: [Scaling.standard, .center, .l2])
func onePassStatisticsMatchTwoPass(scaling: Scaling) {
    var m = Matrix<Float>(converting: offset(gaussian(500, 6, seed: 90), seed: 91))
    for i in 0..<500 {
        m[i, 0] = 1_000 + Float(i % 7) * 0.001   // offset 1e6 × the spread
        m[i, 1] = 0.25                          // dead
        m[i, 2] = 0.5 + (i % 2 == 0 ? 1e-7 : -1e-7)
    }
    let one = Standardizer.fittingInOnePass(m, scaling: scaling, epsilon: Double.ulpOfOne)
    let two = Standardizer(fitting: m, scaling: scaling, epsilon: Double.ulpOfOne)
    for j in 0..<6 {
        #expect(abs(one.shift[j] - two.shift[j]) <= 1e-12 * max(1, abs(two.shift[j])), "shift \(j)")
        #expect(abs(one.scale[j] - two.scale[j]) <= 1e-9 * two.scale[j], "scale \(j): \(one.scale[j]) vs \(two.scale[j])")
    }
}
