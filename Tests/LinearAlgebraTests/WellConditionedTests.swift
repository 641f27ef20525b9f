import Testing
import LatentCore
@testable import LinearAlgebra

/// The Gram-based fast paths against the SVD routines they stand in for, and their refusals.
@Suite struct WellConditionedTests {
    @Test(arguments: [(6, 6), (9, 5), (5, 9), (40, 40)])
    func polarFactorIsUVtOfTheSVD(shape: (Int, Int)) throws {
        let a = randomMatrix(shape.0, shape.1, seed: UInt64(shape.0 * 100 + shape.1), as: Double.self)
        let (u, s, vt) = try svd(a)
        let polar = try #require(try polarFactor(a))
        #expect(maxAbsDifference(polar.factor, gemm(u, vt)) < 1e-10)
        #expect(zip(polar.singularValues, s).allSatisfy { abs($0 - $1) < 1e-10 * s[0] })
    }

    @Test func polarFactorRefusesRankDeficientAndIllConditionedMatrices() throws {
        // Rank 3 in 6 × 6: no unique polar factor, the caller must use the SVD.
        let thin = gemm(randomMatrix(6, 3, seed: 1, as: Double.self), randomMatrix(3, 6, seed: 2, as: Double.self))
        #expect(try polarFactor(thin) == nil)
        #expect(try polarFactor(Matrix<Double>(rows: 4, columns: 4)) == nil)
        // cond = 1e6 > the 1e4 limit.
        let (u, _, vt) = try svd(randomMatrix(5, 5, seed: 3, as: Double.self))
        var scaled = u
        scaled.withUnsafeMutableElements { p in for i in 0..<5 { p[i * 5 + 4] *= 1e-6 } }
        #expect(try polarFactor(gemm(scaled, vt)) == nil)
        #expect(try polarFactor(gemm(scaled, vt), maxCondition: 1e7) != nil)
    }

    @Test(arguments: [(50, 8, 3), (200, 30, 30), (31, 30, 1)])
    func normalEquationsMatchGelsd(shape: (Int, Int, Int)) throws {
        let a = randomMatrix(shape.0, shape.1, seed: 7, as: Double.self)
        let b = randomMatrix(shape.0, shape.2, seed: 8, as: Double.self)
        let reference = try leastSquares(a, b)
        let fast = try #require(try normalEquationsLeastSquares(a, b))
        #expect(maxAbsDifference(fast.solution, reference.solution) < 1e-9)
        #expect(zip(fast.singularValues, reference.singularValues).allSatisfy { abs($0 - $1) < 1e-9 * reference.singularValues[0] })
    }

    @Test func normalEquationsRefuseWhatOnlyGelsdCanSolve() throws {
        // Under-determined: the minimum-norm solution needs gelsd.
        #expect(try normalEquationsLeastSquares(randomMatrix(5, 8, seed: 1, as: Double.self),
                                                randomMatrix(5, 2, seed: 2, as: Double.self)) == nil)
        // A repeated column: rank-deficient.
        var a = randomMatrix(20, 4, seed: 3, as: Double.self)
        a.withUnsafeMutableElements { p in for i in 0..<20 { p[i * 4 + 3] = p[i * 4] } }
        #expect(try normalEquationsLeastSquares(a, randomMatrix(20, 2, seed: 4, as: Double.self)) == nil)
    }

    @Test func gramAndEigenReconstruct() throws {
        let x = randomMatrix(30, 7, seed: 11, as: Double.self)
        let g = gram(x)
        #expect(maxAbsDifference(g, gemm(x, x, transposeA: true)) < 1e-12)
        #expect(maxAbsDifference(gram(x, outer: true), gemm(x, x, transposeB: true)) < 1e-12)
        let (values, maybeVectors) = try symmetricEigen(g)
        let v = try #require(maybeVectors)
        #expect(values == values.sorted())
        var scaled = v
        scaled.withUnsafeMutableElements { p in for i in 0..<7 { for j in 0..<7 { p[i * 7 + j] *= values[j] } } }
        #expect(maxAbsDifference(gemm(scaled, v, transposeB: true), g) < 1e-10)
        #expect(try symmetricEigen(g, vectors: false).vectors == nil)
    }
}
