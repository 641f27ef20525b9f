// Every BLAS/LAPACK call of this module, in one file, so that it can later be swapped for
// the LinearAlgebra module's wrappers. Shapes are asserted here; callers pass buffers they
// obtained inside `withUnsafe…` scopes.
import COpenBLAS

/// `c[m × n] = alpha · a[m × depth] · b[n × depth]ᵀ`, all row-major and contiguous.
/// The corresponding BLAS routine is `sgemm`.
func multiplyTransposed(
    _ a: UnsafeBufferPointer<Float>, rows m: Int, _ b: UnsafeBufferPointer<Float>, rows n: Int,
    depth: Int, alpha: Float = 1, into c: UnsafeMutableBufferPointer<Float>
) {
    precondition(a.count >= m * depth && b.count >= n * depth && c.count >= m * n, "gemm buffer too small")
    guard m > 0, n > 0 else { return }
    if depth == 0 {
        for i in 0..<(m * n) { c[i] = 0 }
        return
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(n), blasint(depth), alpha,
                a.baseAddress, blasint(depth), b.baseAddress, blasint(depth), 0, c.baseAddress, blasint(n))
}

/// Squared Euclidean norm of a vector. The corresponding BLAS routine is `sdot`.
func squaredNorm(_ x: UnsafeBufferPointer<Float>) -> Float {
    guard !x.isEmpty else { return 0 }
    return cblas_sdot(blasint(x.count), x.baseAddress, 1, x.baseAddress, 1)
}

/// `c[m × n] = op(a) · op(b)` in Float64, row-major; `op` transposes when asked.
/// The corresponding BLAS routine is `dgemm`.
func multiply(
    _ a: [Double], transposeA: Bool, _ b: [Double], transposeB: Bool, m: Int, n: Int, depth: Int
) -> [Double] {
    precondition(a.count == m * depth && b.count == n * depth, "dgemm shapes")
    var c = [Double](repeating: 0, count: m * n)
    guard m > 0, n > 0, depth > 0 else { return c }
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                            blasint(m), blasint(n), blasint(depth), 1,
                            a.baseAddress, blasint(transposeA ? m : depth), b.baseAddress, blasint(transposeB ? depth : n),
                            0, c.baseAddress, blasint(n))
            }
        }
    }
    return c
}

/// Solves `a · x = b` for a symmetric positive definite `a` (n × n), `b` n × rhs, row-major;
/// `b` is overwritten with `x`. Returns LAPACK's `info` (> 0: not positive definite).
/// The corresponding LAPACK routine is `dposv`.
func solvePositiveDefinite(_ a: inout [Double], order n: Int, _ b: inout [Double], rightHandSides rhs: Int) -> Int {
    precondition(a.count == n * n && b.count == n * rhs, "dposv shapes")
    guard n > 0, rhs > 0 else { return 0 }
    let info = a.withUnsafeMutableBufferPointer { a in
        b.withUnsafeMutableBufferPointer { b in
            LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), Int32(rhs),
                          a.baseAddress, Int32(n), b.baseAddress, Int32(rhs))
        }
    }
    precondition(info >= 0, "dposv: illegal argument \(-info)")
    return Int(info)
}
