internal import COpenBLAS
public import LatentCore

/// Thin singular value decomposition `A = U · diag(S) · Vᵀ` of an `m × n` matrix:
/// `u` is `m × k`, `vt` is `k × n`, `singularValues` has `k = min(m, n)` entries, descending.
/// The signs of matching singular vectors are arbitrary (products such as `U Vᵀ` are not).
///
/// The corresponding LAPACK routine is `dgesdd` (divide and conquer, as NumPy uses).
/// - Throws: `LinearAlgebraError.noConvergence` when LAPACK reports `info > 0`.
public func svd(_ a: Matrix<Double>) throws(LinearAlgebraError) -> (u: Matrix<Double>, singularValues: [Double], vt: Matrix<Double>) {
    let m = a.rows, n = a.columns, k = min(m, n)
    guard k > 0 else { return (Matrix(rows: m, columns: 0), [], Matrix(rows: 0, columns: n)) }
    var work = a.elements   // dgesdd destroys its input
    var s = [Double](repeating: 0, count: k)
    var u = [Double](repeating: 0, count: m * k)
    var vt = [Double](repeating: 0, count: k * n)
    let info = work.withUnsafeMutableBufferPointer { pa in
        s.withUnsafeMutableBufferPointer { ps in
            u.withUnsafeMutableBufferPointer { pu in
                vt.withUnsafeMutableBufferPointer { pv in
                    LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), blasInt(m), blasInt(n),
                                   pa.baseAddress, blasInt(n), ps.baseAddress,
                                   pu.baseAddress, blasInt(k), pv.baseAddress, blasInt(n))
                }
            }
        }
    }
    try check(info, "dgesdd", .noConvergence)
    return (Matrix(rows: m, columns: k, elements: u), s, Matrix(rows: k, columns: n, elements: vt))
}

/// Minimum-norm least squares: the `X` minimising `‖A X − B‖_F` with the smallest `‖X‖_F`
/// (so an under-determined system gets the minimum-norm solution). `a` is `m × n`,
/// `b` is `m × p`, the solution `n × p`.
///
/// Singular values below `rcond · σ_max` are treated as zero; the default
/// `rcond = eps · max(m, n)` is NumPy's `lstsq(rcond=None)`. `rank` is the effective rank
/// and `singularValues` those of `a` (descending).
///
/// The corresponding LAPACK routine is `dgelsd`.
/// - Throws: `LinearAlgebraError.noConvergence` when LAPACK reports `info > 0`.
public func leastSquares(_ a: Matrix<Double>, _ b: Matrix<Double>, rcond: Double? = nil)
    throws(LinearAlgebraError) -> (solution: Matrix<Double>, rank: Int, singularValues: [Double])
{
    let m = a.rows, n = a.columns, p = b.columns
    precondition(b.rows == m, "leastSquares: A has \(m) rows, B has \(b.rows)")
    let rc = rcond ?? Double.ulpOfOne * Double(max(m, n))
    let ldb = max(p, 1)
    // dgelsd needs B as max(m, n) × p and overwrites it with the solution in the first n rows.
    var work = a.elements
    var rhs = [Double](repeating: 0, count: max(m, n) * p)
    rhs.replaceSubrange(0..<(m * p), with: b.elements)
    var s = [Double](repeating: 0, count: max(min(m, n), 1))
    var rank: Int32 = 0
    if m > 0 && n > 0 && p > 0 {
        let info = work.withUnsafeMutableBufferPointer { pa in
            rhs.withUnsafeMutableBufferPointer { pb in
                s.withUnsafeMutableBufferPointer { ps in
                    LAPACKE_dgelsd(LAPACK_ROW_MAJOR, blasInt(m), blasInt(n), blasInt(p),
                                   pa.baseAddress, blasInt(n), pb.baseAddress, blasInt(ldb),
                                   ps.baseAddress, rc, &rank)
                }
            }
        }
        try check(info, "dgelsd", .noConvergence)
    }
    let solution = Matrix(rows: n, columns: p, elements: Array(rhs[0..<(n * p)]))
    return (solution, Int(rank), Array(s.prefix(min(m, n))))
}

/// Solves `A X = B` for a symmetric positive definite `A` (`n × n`) by Cholesky; if `A` turns
/// out not to be positive definite, falls back to LU with partial pivoting.
/// `usedCholesky` says which one produced the answer.
///
/// The corresponding LAPACK routines are `dposv` and, as a fallback, `dgesv`.
/// - Throws: `LinearAlgebraError.singular` when `dgesv` finds an exactly singular matrix.
public func solveSymmetricPositiveDefinite(_ a: Matrix<Double>, _ b: Matrix<Double>)
    throws(LinearAlgebraError) -> (solution: Matrix<Double>, usedCholesky: Bool)
{
    let n = a.rows, p = b.columns
    if let cholesky = choleskySolve(a, b).solution { return (cholesky, true) }
    var factor = a.elements
    var x = b.elements
    // Not positive definite: fall back to LU on fresh copies.
    var pivots = [Int32](repeating: 0, count: n)
    let luInfo = factor.withUnsafeMutableBufferPointer { pa in
        x.withUnsafeMutableBufferPointer { px in
            pivots.withUnsafeMutableBufferPointer { pp in
                LAPACKE_dgesv(LAPACK_ROW_MAJOR, blasInt(n), blasInt(p), pa.baseAddress, blasInt(n),
                              pp.baseAddress, px.baseAddress, blasInt(p))
            }
        }
    }
    try check(luInfo, "dgesv", .singular)
    return (Matrix(rows: n, columns: p, elements: x), false)
}

/// Solves `A X = B` by Cholesky for a symmetric positive definite `A` (n × n), without a
/// fallback: `solution` is nil and `info` > 0 (the order of the leading minor that is not
/// positive definite) when `A` is not positive definite.
///
/// The corresponding LAPACK routine is `dposv`.
public func choleskySolve(_ a: Matrix<Double>, _ b: Matrix<Double>) -> (solution: Matrix<Double>?, info: Int) {
    let n = a.rows, p = b.columns
    precondition(a.columns == n, "choleskySolve: A is \(a.rows)×\(a.columns), not square")
    precondition(b.rows == n, "choleskySolve: A is \(n)×\(n) but B has \(b.rows) rows")
    guard n > 0, p > 0 else { return (Matrix(rows: n, columns: p), 0) }
    var factor = a.elements
    var x = b.elements
    let info = factor.withUnsafeMutableBufferPointer { pa in
        x.withUnsafeMutableBufferPointer { px in
            LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), blasInt(n), blasInt(p),
                          pa.baseAddress, blasInt(n), px.baseAddress, blasInt(p))
        }
    }
    precondition(info >= 0, "dposv: illegal value in argument \(-info) (a LinearAlgebra bug)")
    return info == 0 ? (Matrix(rows: n, columns: p, elements: x), 0) : (nil, Int(info))
}

/// The partial isometry `U_r V_rᵀ` of an `m × n` matrix `A` over its numerical rank r: the
/// singular pairs with `σ > relativeTolerance · σ₁`, zero on the rest. Where r = min(m, n) it is
/// the polar factor `U Vᵀ`; where r is smaller it is still unique (the polar factor is not:
/// any orthonormal completion of the null space is as close to `A`). Also `A`'s singular values
/// (descending, min(m, n) of them) and r; a zero `A` gives r = 0 and the zero matrix.
///
/// The corresponding LAPACK routine is `dgesdd`, plus one `dgemm` of the r kept pairs.
public func partialIsometry(_ a: Matrix<Double>, relativeTolerance: Double)
    throws(LinearAlgebraError) -> (factor: Matrix<Double>, singularValues: [Double], rank: Int)
{
    let (u, s, vt) = try svd(a)
    let r = numericalRank(s, relativeTolerance: relativeTolerance)
    return (partialProduct(u, vt, rank: r), s, r)
}

/// How many of the descending singular values `s` exceed `relativeTolerance · s[0]`.
public func numericalRank(_ s: [Double], relativeTolerance: Double) -> Int {
    guard let top = s.first, top > 0 else { return 0 }
    return s.prefix { $0 > relativeTolerance * top }.count
}

/// `U[:, :r] · Vt[:r, :]` of a thin SVD (`u` is m × k, `vt` k × n).
func partialProduct(_ u: Matrix<Double>, _ vt: Matrix<Double>, rank r: Int) -> Matrix<Double> {
    let m = u.rows, n = vt.columns, k = u.columns
    guard r > 0 else { return Matrix(rows: m, columns: n) }
    if r == k { return gemm(u, vt) }
    let left = Matrix(rows: m, columns: r, elements: (0..<m).flatMap { i in u.elements[(i * k)..<(i * k + r)] })
    let right = Matrix(rows: r, columns: n, elements: Array(vt.elements[0..<(r * n)]))
    return gemm(left, right)
}

/// Thin SVD in Float32 (`sgesdd`): about twice as fast as `dgesdd`, for inputs that carry
/// Float32 precision only (a cross product computed by `sgemm`).
public func svd(_ a: Matrix<Float>) throws(LinearAlgebraError) -> (u: Matrix<Float>, singularValues: [Float], vt: Matrix<Float>) {
    let m = a.rows, n = a.columns, k = min(m, n)
    guard k > 0 else { return (Matrix(rows: m, columns: 0), [], Matrix(rows: 0, columns: n)) }
    var work = a.elements
    var s = [Float](repeating: 0, count: k)
    var u = [Float](repeating: 0, count: m * k)
    var vt = [Float](repeating: 0, count: k * n)
    let info = work.withUnsafeMutableBufferPointer { pa in
        s.withUnsafeMutableBufferPointer { ps in
            u.withUnsafeMutableBufferPointer { pu in
                vt.withUnsafeMutableBufferPointer { pv in
                    LAPACKE_sgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), blasInt(m), blasInt(n),
                                   pa.baseAddress, blasInt(n), ps.baseAddress,
                                   pu.baseAddress, blasInt(k), pv.baseAddress, blasInt(n))
                }
            }
        }
    }
    try check(info, "sgesdd", .noConvergence)
    return (Matrix(rows: m, columns: k, elements: u), s, Matrix(rows: k, columns: n, elements: vt))
}

/// ``partialIsometry(_:relativeTolerance:)`` of a matrix known to Float32 precision only:
/// `sgesdd`, then one Newton–Schulz step in Float64, `Q ← Q (3I − QᵀQ) / 2`, which takes the
/// kept singular values of `Q` from 1 ± 1e-7 to 1 ± 1e-14 (an isometry on its range to Float64
/// rounding) without moving its range. The singular values are `sgesdd`'s, widened.
public func partialIsometryFromFloat(_ a: Matrix<Float>, relativeTolerance: Double)
    throws(LinearAlgebraError) -> (factor: Matrix<Double>, singularValues: [Double], rank: Int)
{
    let (u, s32, vt) = try svd(a)
    let s = s32.map(Double.init)
    let r = numericalRank(s, relativeTolerance: relativeTolerance)
    let m = u.rows, n = vt.columns, k = u.columns
    guard r > 0 else { return (Matrix(rows: m, columns: n), s, 0) }
    let left = Matrix<Double>(rows: m, columns: r, elements: (0..<m).flatMap { i in u.elements[(i * k)..<(i * k + r)].map(Double.init) })
    let right = Matrix<Double>(rows: r, columns: n, elements: vt.elements[0..<(r * n)].map(Double.init))
    var q = gemm(left, right)
    // Qᵀ Q on the smaller side; one step: Q (3I − QᵀQ) / 2 (or (3I − QQᵀ) Q / 2 when wide).
    let tall = m >= n
    var g = tall ? gram(q) : gram(q, outer: true)
    let p = g.rows
    g.withUnsafeMutableElements { e in
        for i in 0..<e.count { e[i] *= -0.5 }
        for i in 0..<p { e[i * p + i] += 1.5 }
    }
    q = tall ? gemm(q, g) : gemm(g, q)
    return (q, s, r)
}
