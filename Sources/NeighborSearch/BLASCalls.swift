// The module's matrix products and its one linear solve, in the shapes its callers use, over
// the LinearAlgebra module's BLAS/LAPACK wrappers.
import LatentCore
import LinearAlgebra

/// `c[m × n] = alpha · a[m × depth] · b[n × depth]ᵀ`, all row-major and contiguous.
func multiplyTransposed(
    _ a: UnsafeBufferPointer<Float>, rows m: Int, _ b: UnsafeBufferPointer<Float>, rows n: Int,
    depth: Int, alpha: Float = 1, into c: UnsafeMutableBufferPointer<Float>
) {
    gemm(rows: m, columns: n, inner: depth, a: a, leadingA: max(depth, 1), b: b, leadingB: max(depth, 1), transposeB: true,
         c: c, leadingC: max(n, 1), alpha: alpha)
}

/// `c[m × n] = op(a) · op(b)` in Float64, row-major; `op` transposes when asked.
func multiply(
    _ a: [Double], transposeA: Bool, _ b: [Double], transposeB: Bool, m: Int, n: Int, depth: Int
) -> [Double] {
    precondition(a.count == m * depth && b.count == n * depth, "dgemm shapes")
    let left = transposeA ? Matrix(rows: depth, columns: m, elements: a) : Matrix(rows: m, columns: depth, elements: a)
    let right = transposeB ? Matrix(rows: n, columns: depth, elements: b) : Matrix(rows: depth, columns: n, elements: b)
    return gemm(left, right, transposeA: transposeA, transposeB: transposeB).elements
}

/// Solves `a · x = b` for a symmetric positive definite `a` (n × n), `b` n × rhs, row-major;
/// `b` becomes `x`. Returns LAPACK's `info` (> 0: not positive definite, `b` unchanged).
func solvePositiveDefinite(_ a: inout [Double], order n: Int, _ b: inout [Double], rightHandSides rhs: Int) -> Int {
    precondition(a.count == n * n && b.count == n * rhs, "dposv shapes")
    let (solution, info) = choleskySolve(Matrix(rows: n, columns: n, elements: a), Matrix(rows: n, columns: rhs, elements: b))
    if let solution { b = solution.elements }
    return info
}
