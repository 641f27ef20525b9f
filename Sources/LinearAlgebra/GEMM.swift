internal import COpenBLAS
public import LatentCore

/// A scalar that BLAS has routines for: `Float` (`s…`) and `Double` (`d…`).
public protocol BLASScalar: BinaryFloatingPoint & Sendable {
    /// Row-major `C ← alpha·op(A)·op(B) + beta·C`; raw pointers, no checks.
    static func _gemm(
        _ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Self,
        _ a: UnsafePointer<Self>, _ lda: Int32, _ b: UnsafePointer<Self>, _ ldb: Int32,
        _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int32)
    /// Euclidean norm of `n` contiguous elements.
    static func _nrm2(_ n: Int32, _ x: UnsafePointer<Self>) -> Self
}

@inline(__always) private func op(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: BLASScalar {
    /// The corresponding BLAS routine is `cblas_sgemm`.
    public static func _gemm(
        _ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32
    ) {
        cblas_sgemm(CblasRowMajor, op(transA), op(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    /// The corresponding BLAS routine is `cblas_snrm2`.
    public static func _nrm2(_ n: Int32, _ x: UnsafePointer<Float>) -> Float { cblas_snrm2(n, x, 1) }
}

extension Double: BLASScalar {
    /// The corresponding BLAS routine is `cblas_dgemm`.
    public static func _gemm(
        _ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Double,
        _ a: UnsafePointer<Double>, _ lda: Int32, _ b: UnsafePointer<Double>, _ ldb: Int32,
        _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int32
    ) {
        cblas_dgemm(CblasRowMajor, op(transA), op(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    /// The corresponding BLAS routine is `cblas_dnrm2`.
    public static func _nrm2(_ n: Int32, _ x: UnsafePointer<Double>) -> Double { cblas_dnrm2(n, x, 1) }
}

@inline(__always) func blasInt(_ x: Int) -> Int32 {
    precondition(x >= 0 && x <= Int(Int32.max), "dimension \(x) does not fit a 32-bit BLAS integer")
    return Int32(x)
}

/// `alpha · op(A) · op(B)`, where `op` transposes when asked.
///
/// The corresponding BLAS routines are `cblas_sgemm` and `cblas_dgemm`.
/// Shapes that do not conform are a programmer error (precondition).
public func gemm<T: BLASScalar>(
    _ a: Matrix<T>, _ b: Matrix<T>, transposeA: Bool = false, transposeB: Bool = false, alpha: T = 1
) -> Matrix<T> {
    let m = transposeA ? a.columns : a.rows
    let n = transposeB ? b.rows : b.columns
    var c = Matrix<T>(rows: m, columns: n)
    gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: 0)
    return c
}

/// `C ← alpha · op(A) · op(B) + beta · C`, in place.
///
/// The corresponding BLAS routines are `cblas_sgemm` and `cblas_dgemm`.
public func gemm<T: BLASScalar>(
    _ a: Matrix<T>, _ b: Matrix<T>, into c: inout Matrix<T>,
    transposeA: Bool = false, transposeB: Bool = false, alpha: T = 1, beta: T = 0
) {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    precondition(k == kb, "gemm: op(A) is \(m)×\(k) but op(B) is \(kb)×\(n)")
    precondition(c.rows == m && c.columns == n, "gemm: C is \(c.rows)×\(c.columns), expected \(m)×\(n)")
    a.elements.withUnsafeBufferPointer { pa in
        b.elements.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableElements { pc in
                gemm(rows: m, columns: n, inner: k,
                     a: pa, leadingA: a.columns, transposeA: transposeA,
                     b: pb, leadingB: b.columns, transposeB: transposeB,
                     c: pc, leadingC: n, alpha: alpha, beta: beta)
            }
        }
    }
}

/// `C ← alpha · op(A) · op(B) + beta · C` on row-major buffers, for hot loops that reuse
/// their own scratch memory. `op(A)` is `rows × inner`, `op(B)` is `inner × columns`;
/// `leading…` are the row strides (in elements) of the buffers as stored.
///
/// The corresponding BLAS routines are `cblas_sgemm` and `cblas_dgemm`.
@inlinable
public func gemm<T: BLASScalar>(
    rows m: Int, columns n: Int, inner k: Int,
    a: UnsafeBufferPointer<T>, leadingA lda: Int, transposeA: Bool = false,
    b: UnsafeBufferPointer<T>, leadingB ldb: Int, transposeB: Bool = false,
    c: UnsafeMutableBufferPointer<T>, leadingC ldc: Int, alpha: T = 1, beta: T = 0
) {
    // Bounds: the last element each operand touches must lie inside its buffer.
    let (aRows, aCols) = transposeA ? (k, m) : (m, k)
    let (bRows, bCols) = transposeB ? (n, k) : (k, n)
    precondition(lda >= max(aCols, 1) && ldb >= max(bCols, 1) && ldc >= max(n, 1), "gemm: leading dimension too small")
    precondition(aRows == 0 || (aRows - 1) * lda + aCols <= a.count, "gemm: A buffer too small")
    precondition(bRows == 0 || (bRows - 1) * ldb + bCols <= b.count, "gemm: B buffer too small")
    precondition(m == 0 || (m - 1) * ldc + n <= c.count, "gemm: C buffer too small")
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        // BLAS with k = 0 still scales C by beta; keep that contract without touching A, B.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    T._gemm(transposeA, transposeB, Int32(m), Int32(n), Int32(k), alpha,
            a.baseAddress!, Int32(lda), b.baseAddress!, Int32(ldb), beta, c.baseAddress!, Int32(ldc))
}

/// The Euclidean norm of every row.
///
/// The corresponding BLAS routines are `cblas_snrm2` and `cblas_dnrm2` (scaled, so no overflow).
public func rowNorms<T: BLASScalar>(_ x: Matrix<T>) -> [T] {
    let d = x.columns
    guard d > 0 else { return Array(repeating: 0, count: x.rows) }
    return x.elements.withUnsafeBufferPointer { p in
        (0..<x.rows).map { i in T._nrm2(blasInt(d), p.baseAddress! + i * d) }
    }
}

/// `x · x` of a Float vector: the squared Euclidean norm, for hot loops over rows.
///
/// The corresponding BLAS routine is `cblas_sdot`.
public func squaredNorm(_ x: UnsafeBufferPointer<Float>) -> Float {
    guard !x.isEmpty else { return 0 }
    return cblas_sdot(blasInt(x.count), x.baseAddress, 1, x.baseAddress, 1)
}

/// Sets the number of threads OpenBLAS uses for every later call in the process.
///
/// The corresponding OpenBLAS function is `openblas_set_num_threads`.
public func setThreadCount(_ count: Int) {
    precondition(count >= 1, "thread count must be at least 1, got \(count)")
    openblas_set_num_threads(Int32(count))
}

/// The number of threads OpenBLAS currently uses (`openblas_get_num_threads`).
public func threadCount() -> Int { Int(openblas_get_num_threads()) }

/// OpenBLAS's build configuration and the kernel it chose for this CPU, for benchmark reports
/// (`openblas_get_config`, `openblas_get_corename`).
public func blasDescription() -> (config: String, core: String) {
    (openblas_get_config().map { String(cString: $0) } ?? "?", openblas_get_corename().map { String(cString: $0) } ?? "?")
}

extension Matrix {
    /// Mutable access to the elements without a copy.
    ///
    /// `Matrix.elements` has a `didSet` check, so writing `m.elements[k] = v` from another
    /// module goes through get/set and copies the whole array on every write. This moves the
    /// storage out (unique, so no copy), lends it to `body`, and puts it back.
    public mutating func withUnsafeMutableElements<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        var storage = elements
        let (r, c) = (rows, columns)
        self = Matrix(rows: 0, columns: 0, elements: [])
        defer { self = Matrix(rows: r, columns: c, elements: storage) }
        return try storage.withUnsafeMutableBufferPointer { try body($0) }
    }
}
