import LatentCore
import LinearAlgebra

/// Rows centred on their mean, then divided by their L2 norm (a zero row stays zero).
///
/// Centring first matters for embeddings: real models share one dominant direction (e5's raw
/// cosines are all ≈ 0.7–0.9), which otherwise swamps the angles that tell items apart.
func centredUnitRows(_ x: Matrix<Float>) -> Matrix<Float> {
    let n = x.rows, d = x.columns
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<n { for j in 0..<d { mean[j] += Double(x.elements[i * d + j]) } }
    let m = mean.map { Float($0 / Double(max(n, 1))) }
    var out = x
    out.withUnsafeMutableElements { p in
        for i in 0..<n {
            var sum: Float = 0
            for j in 0..<d { p[i * d + j] -= m[j]; sum += p[i * d + j] * p[i * d + j] }
            let inv = 1 / max(sum.squareRoot(), 1e-12)
            for j in 0..<d { p[i * d + j] *= inv }
        }
    }
    return out
}

/// Rows per score block of the blocked passes: a block × columns tile of Float stays ≤ 16 MiB.
func blockRows(columns: Int) -> Int { max(1, (1 << 22) / max(columns, 1)) }

/// For each row of `a`, the row of `b` with the largest inner product (ties: the smaller row),
/// one `sgemm` per block of `a` rows so that the `a.rows × b.rows` matrix is never held whole.
/// `a.rows > 0` needs `b.rows > 0`.
func argmaxInnerProduct(_ a: Matrix<Float>, _ b: Matrix<Float>) -> [(row: Int, score: Float)] {
    precondition(a.columns == b.columns, "argmax: \(a.columns) vs \(b.columns) columns")
    let n = a.rows, m = b.rows, d = a.columns
    guard n > 0 else { return [] }
    precondition(m > 0, "argmax over an empty set")
    let block = max(1, min(n, blockRows(columns: m)))
    var tile = [Float](repeating: 0, count: block * m)
    var out: [(row: Int, score: Float)] = []
    out.reserveCapacity(n)
    a.elements.withUnsafeBufferPointer { pa in
    b.elements.withUnsafeBufferPointer { pb in
    tile.withUnsafeMutableBufferPointer { pt in
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            gemm(rows: rows, columns: m, inner: d,
                 a: UnsafeBufferPointer(rebasing: pa[(start * d)..<((start + rows) * d)]), leadingA: d,
                 b: pb, leadingB: d, transposeB: true,
                 c: UnsafeMutableBufferPointer(rebasing: pt[0..<(rows * m)]), leadingC: m)
            for r in 0..<rows {
                var best = 0, score = pt[r * m]
                for j in 1..<m where pt[r * m + j] > score { best = j; score = pt[r * m + j] }
                out.append((best, score))
            }
        }
    }}}
    return out
}
