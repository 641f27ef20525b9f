internal import COpenBLAS
public import LatentCore

// Fast paths for well-conditioned problems. Each squares the condition number (it works on a
// Gram matrix) and so refuses, returning nil, when cond > maxCondition: the caller then falls
// back to the SVD-based routine. At cond ≤ 1e4 the Float64 result agrees with the SVD route
// to about cond² · eps ≈ 1e-8 relative, below the Float32 rounding the fit is stored in.

/// The largest condition number the Gram-based routines accept by default.
public let gramConditionLimit = 1e4

/// `XᵀX` of an `m × n` matrix (n × n), or with `outer` `XXᵀ` (m × m), both triangles filled.
///
/// The corresponding BLAS routine is `cblas_dsyrk` (half the work of a `gemm`).
public func gram(_ x: Matrix<Double>, outer: Bool = false) -> Matrix<Double> {
    let (k, n) = outer ? (x.columns, x.rows) : (x.rows, x.columns)
    var g = [Double](repeating: 0, count: n * n)
    guard k > 0, n > 0 else { return Matrix(rows: n, columns: n, elements: g) }
    x.elements.withUnsafeBufferPointer { px in
        g.withUnsafeMutableBufferPointer { pg in
            cblas_dsyrk(CblasRowMajor, CblasUpper, outer ? CblasNoTrans : CblasTrans, blasInt(n), blasInt(k), 1,
                        px.baseAddress, blasInt(x.columns), 0, pg.baseAddress, blasInt(n))
            for i in 0..<n { for j in 0..<i { pg[i * n + j] = pg[j * n + i] } }
        }
    }
    return Matrix(rows: n, columns: n, elements: g)
}

/// Eigenvalues (ascending) and, when asked, eigenvectors (the columns of `vectors`) of a
/// symmetric matrix; only its upper triangle is read.
///
/// The corresponding LAPACK routine is `dsyevd` (divide and conquer).
/// - Throws: `LinearAlgebraError.noConvergence` when LAPACK reports `info > 0`.
public func symmetricEigen(_ a: Matrix<Double>, vectors: Bool = true)
    throws(LinearAlgebraError) -> (values: [Double], vectors: Matrix<Double>?)
{
    let n = a.rows
    precondition(a.columns == n, "symmetricEigen: A is \(a.rows)×\(a.columns), not square")
    guard n > 0 else { return ([], vectors ? Matrix(rows: 0, columns: 0) : nil) }
    var work = a.elements
    var w = [Double](repeating: 0, count: n)
    let info = work.withUnsafeMutableBufferPointer { pa in
        w.withUnsafeMutableBufferPointer { pw in
            LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: vectors ? "V" : "N")), CChar(UInt8(ascii: "U")),
                           blasInt(n), pa.baseAddress, blasInt(n), pw.baseAddress)
        }
    }
    try check(info, "dsyevd", .noConvergence)
    return (w, vectors ? Matrix(rows: n, columns: n, elements: work) : nil)
}

/// The polar factor of a full-rank `m × k` matrix `A`: `U Vᵀ` of its thin SVD, the matrix
/// with orthonormal columns (rows, when m < k) nearest to `A`, and `A`'s singular values
/// (descending, min(m, k) of them).
///
/// Computed as `A (AᵀA)^(-1/2)` from the eigendecomposition of the smaller Gram matrix
/// (`dsyrk` + `dsyevd` + two `dgemm`s), about twice as fast as `dgesdd` at d = 768.
/// Returns nil when `cond(A) > maxCondition` or `A` is zero: use ``svd(_:)`` then.
public func polarFactor(_ a: Matrix<Double>, maxCondition: Double = gramConditionLimit)
    throws(LinearAlgebraError) -> (factor: Matrix<Double>, singularValues: [Double])?
{
    if a.rows < a.columns {
        guard let tall = try polarFactor(a.transposed(), maxCondition: maxCondition) else { return nil }
        return (tall.factor.transposed(), tall.singularValues)
    }
    let k = a.columns
    guard k > 0 else { return (a, []) }
    let g = gram(a)
    // A Cholesky estimate first (a tenth of the eigendecomposition): an ill-conditioned or
    // rank-deficient A then costs its SVD only, not a refused eigendecomposition as well.
    guard gramLooksWellConditioned(g, maxCondition: maxCondition) else { return nil }
    let (lambda, maybeV) = try symmetricEigen(g)
    guard let top = lambda.last, top > 0, lambda[0] > top / (maxCondition * maxCondition), let v = maybeV else { return nil }
    // (AᵀA)^(-1/2) = V diag(λ^(-1/2)) Vᵀ = C Cᵀ with C = V diag(λ^(-1/4)): a `dsyrk`, half a `gemm`.
    var c = v
    c.withUnsafeMutableElements { p in
        for i in 0..<k { for j in 0..<k { p[i * k + j] /= lambda[j].squareRoot().squareRoot() } }
    }
    return (gemm(a, gram(c, outer: true)), lambda.reversed().map { $0.squareRoot() })
}

/// Least squares `min ‖A X − B‖_F` for a tall, full-rank `A` (`m × n`, m ≥ n) by the normal
/// equations `(AᵀA) X = AᵀB` and Cholesky, and `A`'s singular values (descending).
///
/// About four times as fast as `dgelsd` at 5,000 × 768. Returns nil when m < n,
/// `cond(A) > maxCondition` or the Cholesky factorisation fails: use ``leastSquares(_:_:rcond:)``
/// then (it also gives the minimum-norm solution of rank-deficient problems).
///
/// The corresponding BLAS/LAPACK routines are `dsyrk`, `dsyevd` (eigenvalues only), `dgemm`, `dposv`.
public func normalEquationsLeastSquares(_ a: Matrix<Double>, _ b: Matrix<Double>, maxCondition: Double = gramConditionLimit)
    throws(LinearAlgebraError) -> (solution: Matrix<Double>, singularValues: [Double])?
{
    precondition(b.rows == a.rows, "normalEquationsLeastSquares: A has \(a.rows) rows, B has \(b.rows)")
    let m = a.rows, n = a.columns
    guard m >= n, n > 0 else { return nil }
    let g = gram(a)
    let lambda = try symmetricEigen(g, vectors: false).values
    guard let top = lambda.last, top > 0, lambda[0] > top / (maxCondition * maxCondition) else { return nil }
    guard let solution = choleskySolve(g, gemm(a, b, transposeA: true)).solution else { return nil }
    return (solution, lambda.reversed().map { $0.squareRoot() })
}

/// Whether the symmetric positive semi-definite Gram matrix `g` (n × n) has condition number at
/// most `maxCondition²` by LAPACK's estimate: a Cholesky factorisation (`dpotrf`, n³/3 flops,
/// a tenth of `dsyevd`) and its reciprocal condition estimate (`dpocon`). `false` when the
/// factorisation fails (singular or indefinite in floating point). An estimate, within a small
/// factor: callers use it to skip work that is doomed, and keep their exact test.
public func gramLooksWellConditioned(_ g: Matrix<Double>, maxCondition: Double) -> Bool {
    let n = g.rows
    guard n > 0 else { return true }
    var factor = g.elements
    var norm = 0.0   // the 1-norm, which dpocon needs
    for j in 0..<n {
        var column = 0.0
        for i in 0..<n { column += abs(factor[i * n + j]) }
        norm = max(norm, column)
    }
    var rcond = 0.0
    let ok = factor.withUnsafeMutableBufferPointer { p -> Bool in
        guard LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), blasInt(n), p.baseAddress, blasInt(n)) == 0 else { return false }
        return LAPACKE_dpocon(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), blasInt(n), p.baseAddress, blasInt(n), norm, &rcond) == 0
    }
    // cond(g) = cond(A)² in the 2-norm; dpocon estimates the 1-norm one, which is larger by up
    // to n (a few times in practice): a margin of 100, so that a refusal here is a sure one.
    return ok && rcond * 100 >= 1 / (maxCondition * maxCondition)
}


extension Matrix where Scalar == Double {
    /// A copy with rows and columns swapped.
    public func transposed() -> Matrix {
        var out = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows { for j in 0..<columns { out[j * rows + i] = elements[i * columns + j] } }
        return Matrix(rows: columns, columns: rows, elements: out)
    }
}
