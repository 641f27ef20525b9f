import Foundation
import Testing
import LatentCore
@testable import LinearAlgebra


func randomMatrix<T: BLASScalar>(_ rows: Int, _ columns: Int, seed: UInt64, as: T.Type = T.self) -> Matrix<T>
where T.RawSignificand: FixedWidthInteger {
    var g = SeededGenerator(seed: seed)
    return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in T.random(in: -1...1, using: &g) })
}

func naiveProduct<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>, _ ta: Bool, _ tb: Bool) -> Matrix<T> {
    let m = ta ? a.columns : a.rows, k = ta ? a.rows : a.columns, n = tb ? b.rows : b.columns
    var c = Matrix<T>(rows: m, columns: n)
    for i in 0..<m { for j in 0..<n {
        var s: T = 0
        for l in 0..<k { s += (ta ? a[l, i] : a[i, l]) * (tb ? b[j, l] : b[l, j]) }
        c[i, j] = s
    } }
    return c
}

func maxAbsDifference<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> T {
    precondition(a.rows == b.rows && a.columns == b.columns)
    return zip(a.elements, b.elements).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

@Suite struct GEMMTests {
    @Test func handChecked() {
        let a = Matrix<Double>([[1, 2], [3, 4]])
        let b = Matrix<Double>([[5, 6], [7, 8]])
        #expect(gemm(a, b) == Matrix([[19, 22], [43, 50]]))
        #expect(gemm(a, b, transposeA: true) == Matrix([[26, 30], [38, 44]]))
        var c = Matrix<Double>([[1, 1], [1, 1]])
        gemm(a, b, into: &c, alpha: 2, beta: -1)
        #expect(c == Matrix([[37, 43], [85, 99]]))
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)], [UInt64(1), 2, 3])
    func doubleMatchesNaiveLoop(transpose: (Bool, Bool), seed: UInt64) {
        let (m, k, n) = (7, 5, 9)
        let a: Matrix<Double> = randomMatrix(transpose.0 ? k : m, transpose.0 ? m : k, seed: seed)
        let b: Matrix<Double> = randomMatrix(transpose.1 ? n : k, transpose.1 ? k : n, seed: seed + 100)
        let got = gemm(a, b, transposeA: transpose.0, transposeB: transpose.1)
        #expect(maxAbsDifference(got, naiveProduct(a, b, transpose.0, transpose.1)) < 1e-13, "seed \(seed)")
    }

    @Test(arguments: [UInt64(4), 5])
    func floatMatchesNaiveLoop(seed: UInt64) {
        let a: Matrix<Float> = randomMatrix(33, 17, seed: seed)
        let b: Matrix<Float> = randomMatrix(17, 12, seed: seed + 1)
        #expect(maxAbsDifference(gemm(a, b), naiveProduct(a, b, false, false)) < 1e-5, "seed \(seed)")
    }

    @Test func bufferVariantWritesASubBlock() {
        // C is 3 × 4 but only its left 3 × 2 block is written (ldc = 4).
        let a: [Float] = [1, 2, 3, 4, 5, 6]          // 3 × 2
        let b: [Float] = [1, 0, 0, 1]                // 2 × 2 identity
        var c = [Float](repeating: 9, count: 12)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            gemm(rows: 3, columns: 2, inner: 2, a: pa, leadingA: 2, b: pb, leadingB: 2, c: pc, leadingC: 4)
        } } }
        #expect(c == [1, 2, 9, 9, 3, 4, 9, 9, 5, 6, 9, 9])
    }

    @Test func rowNormsAndThreads() {
        #expect(rowNorms(Matrix<Float>([[3, 4], [0, 0]])) == [5, 0])
        setThreadCount(1)
        #expect(threadCount() == 1)
    }
}

@Suite struct FactorizationTests {
    @Test func svdHandChecked() throws {
        let (_, s, _) = try svd(Matrix<Double>([[3, 0], [0, -4], [0, 0]]))
        #expect(s == [4, 3])
    }

    @Test(arguments: [(6, 4), (4, 6), (5, 5)], [UInt64(11), 12])
    func svdReconstructs(shape: (Int, Int), seed: UInt64) throws {
        let a: Matrix<Double> = randomMatrix(shape.0, shape.1, seed: seed)
        let (u, s, vt) = try svd(a)
        let k = min(shape.0, shape.1)
        #expect(u.rows == shape.0 && u.columns == k && vt.rows == k && vt.columns == shape.1)
        var us = u
        for i in 0..<u.rows { for j in 0..<k { us[i, j] *= s[j] } }
        #expect(maxAbsDifference(gemm(us, vt), a) < 1e-13, "seed \(seed)")
        #expect(maxAbsDifference(gemm(u, u, transposeA: true), identity(k)) < 1e-13)
        #expect(maxAbsDifference(gemm(vt, vt, transposeB: true), identity(k)) < 1e-13)
        #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func leastSquaresHandChecked() throws {
        // Fit y = 1 + 2t through (0,1), (1,3), (2,5): exact.
        let a = Matrix<Double>([[1, 0], [1, 1], [1, 2]])
        let (x, rank, _) = try leastSquares(a, Matrix([[1], [3], [5]]))
        #expect(rank == 2)
        #expect(abs(x[0, 0] - 1) < 1e-14 && abs(x[1, 0] - 2) < 1e-14)
    }

    @Test(arguments: [UInt64(21), 22, 23])
    func leastSquaresSatisfiesNormalEquations(seed: UInt64) throws {
        let a: Matrix<Double> = randomMatrix(20, 6, seed: seed)
        let b: Matrix<Double> = randomMatrix(20, 3, seed: seed + 1)
        let (x, rank, s) = try leastSquares(a, b)
        #expect(rank == 6 && s.count == 6)
        // Aᵀ(AX − B) = 0
        var residual = b
        gemm(a, x, into: &residual, alpha: 1, beta: -1)
        let normal = gemm(a, residual, transposeA: true)
        #expect(normal.elements.allSatisfy { abs($0) < 1e-12 }, "seed \(seed)")
    }

    @Test(arguments: [UInt64(31), 32])
    func wideSystemGetsTheMinimumNormSolution(seed: UInt64) throws {
        // 3 equations, 7 unknowns: exact, and the minimum-norm solution lies in the row space,
        // i.e. X = Aᵀ (A Aᵀ)⁻¹ B.
        let a: Matrix<Double> = randomMatrix(3, 7, seed: seed)
        let b: Matrix<Double> = randomMatrix(3, 2, seed: seed + 1)
        let (x, rank, _) = try leastSquares(a, b)
        #expect(rank == 3 && x.rows == 7 && x.columns == 2)
        #expect(maxAbsDifference(gemm(a, x), b) < 1e-12)
        let (y, _) = try solveSymmetricPositiveDefinite(gemm(a, a, transposeB: true), b)
        #expect(maxAbsDifference(x, gemm(a, y, transposeA: true)) < 1e-12, "seed \(seed)")
    }

    @Test func rankDeficientUsesNumPyCutoff() throws {
        // Two identical columns: rank 1, and the minimum-norm solution splits the weight.
        let a = Matrix<Double>([[1, 1], [2, 2], [3, 3]])
        let (x, rank, _) = try leastSquares(a, Matrix([[2], [4], [6]]))
        #expect(rank == 1)
        #expect(abs(x[0, 0] - 1) < 1e-12 && abs(x[1, 0] - 1) < 1e-12)
    }

    @Test func positiveDefiniteAndFallback() throws {
        let spd = Matrix<Double>([[4, 1], [1, 3]])
        let (x, cholesky) = try solveSymmetricPositiveDefinite(spd, Matrix([[1], [2]]))
        #expect(cholesky)
        #expect(abs(x[0, 0] - 1.0 / 11) < 1e-14 && abs(x[1, 0] - 7.0 / 11) < 1e-14)
        // Symmetric but indefinite: Cholesky fails, LU answers.
        let (y, cholesky2) = try solveSymmetricPositiveDefinite(Matrix([[1, 2], [2, 1]]), Matrix([[3], [3]]))
        #expect(!cholesky2)
        #expect(abs(y[0, 0] - 1) < 1e-14 && abs(y[1, 0] - 1) < 1e-14)
        // Singular: a thrown error that names the routine.
        #expect(throws: LinearAlgebraError(kind: .singular, routine: "dgesv", info: 2)) {
            try solveSymmetricPositiveDefinite(Matrix([[1, 1], [1, 1]]), Matrix([[1], [1]]))
        }
    }
}

func identity(_ n: Int) -> Matrix<Double> {
    var m = Matrix<Double>(rows: n, columns: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
}

@Suite struct BLASKernelTests {
    /// OpenBLAS 0.3.21 takes newer Xeons for Prescotts; the load-time constructor must have put
    /// the kernels the CPU executes in place (unless the user forced some).
    @Test func kernelsAreTheWidestTheCPURuns() {
        let core = blasDescription().core.lowercased()
        guard let executable = BLASKernels.executable, getenv("OPENBLAS_CORETYPE") == nil else { return }
        #expect(core != "prescott", "OpenBLAS runs Prescott kernels on a CPU that executes \(executable)")
        if core == executable.lowercased() || BLASKernels.override != nil {
            // And they compute what a plain loop does.
            let a: Matrix<Float> = randomMatrix(64, 48, seed: 7), b: Matrix<Float> = randomMatrix(48, 80, seed: 8)
            #expect(maxAbsDifference(gemm(a, b), naiveProduct(a, b, false, false)) < 1e-4)
        }
    }
}
