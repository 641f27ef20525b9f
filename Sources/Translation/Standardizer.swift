import Foundation
public import LatentCore
import LinearAlgebra

/// Per-dimension statistics of a set of anchors, as latentis' `StandardScaling` computes them.
/// Public so that fits over several spaces at once (the Alignment module's hub) scale each
/// space exactly as `Translator.fit` does.
public struct Standardizer: Sendable {
    public var shift: [Double]
    public var scale: [Double]

    /// Statistics accumulated in Float64 whatever the anchors' precision, so Float32 anchors
    /// give exactly the statistics of their Float64 widening.
    public init<T: BinaryFloatingPoint>(fitting x: Matrix<T>, scaling: Scaling, epsilon: Double) {
        let n = x.rows, d = x.columns
        guard scaling != .none else {
            shift = Array(repeating: 0, count: d); scale = Array(repeating: 1, count: d); return
        }
        var mean = [Double](repeating: 0, count: d)
        x.elements.withUnsafeBufferPointer { p in
            mean.withUnsafeMutableBufferPointer { m in
                // Row pointers, not `p[i * d + j]`: the overflow checks on the index keep the
                // loops below from vectorising.
                for i in 0..<n { let row = p.baseAddress! + i &* d; for j in 0..<d { m[j] += Double(row[j]) } }
            }
        }
        for j in 0..<d { mean[j] /= Double(n) }
        shift = mean
        guard scaling != .center else { scale = Array(repeating: 1, count: d); return }
        var squares = [Double](repeating: 0, count: d)
        x.elements.withUnsafeBufferPointer { p in
            squares.withUnsafeMutableBufferPointer { q in
                mean.withUnsafeBufferPointer { mean in
                    for i in 0..<n {
                        let row = p.baseAddress! + i &* d
                        for j in 0..<d { let v = Double(row[j]) - mean[j]; q[j] += v * v }
                    }
                }
            }
        }
        // Unbiased (torch.std default); a dead dimension would otherwise blow up to ±huge.
        scale = squares.map { s in
            let std = (s / Double(n - 1)).squareRoot()
            return std < 10 * epsilon || std == 0 ? 1 : std
        }
    }

    /// The same statistics in one pass instead of two, for the Procrustes fit's Float32 anchors:
    /// sums of `x − x₀` and its square, shifted by the first row `x₀` so that a column's offset
    /// (large next to its spread in real embeddings) does not cancel. Agrees with the two-pass
    /// `init(fitting:scaling:epsilon:)` to ~1e-15 relative; a NaN or ±Inf anywhere makes its
    /// column's statistics non-finite, as there.
    static func fittingInOnePass(_ x: Matrix<Float>, scaling: Scaling, epsilon: Double) -> Standardizer {
        let n = x.rows, d = x.columns
        var result = Standardizer(fitting: Matrix<Float>(rows: 0, columns: d), scaling: .none, epsilon: epsilon)
        guard scaling != .none, n > 0 else { return result }
        var sums = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
        var origin = [Double](repeating: 0, count: d)
        x.elements.withUnsafeBufferPointer { p in
            origin.withUnsafeMutableBufferPointer { o in
                sums.withUnsafeMutableBufferPointer { s in
                    squares.withUnsafeMutableBufferPointer { q in
                        for j in 0..<d { o[j] = Double(p[j]) }
                        for i in 1..<n {
                            let row = p.baseAddress! + i &* d
                            for j in 0..<d { let v = Double(row[j]) - o[j]; s[j] += v; q[j] += v * v }
                        }
                    }
                }
            }
        }
        result.shift = (0..<d).map { origin[$0] + sums[$0] / Double(n) }
        guard scaling != .center else { return result }
        result.scale = (0..<d).map { j in
            let std = (max(squares[j] - sums[j] * sums[j] / Double(n), 0) / Double(n - 1)).squareRoot()
            return std < 10 * epsilon || std == 0 ? 1 : std
        }
        // NaN/Inf: keep them visible in the statistics (max(NaN, 0) above would hide a NaN).
        for j in 0..<d where !squares[j].isFinite || !sums[j].isFinite { result.scale[j] = .nan }
        return result
    }

    /// `x ← (x − shift) / scale`, row by row.
    public static func apply(_ x: inout Matrix<Double>, shift: [Double], scale: [Double]) {
        let d = x.columns, n = x.rows
        x.withUnsafeMutableElements { p in
            shift.withUnsafeBufferPointer { shift in
                scale.withUnsafeBufferPointer { scale in
                    for i in 0..<n {
                        let row = p.baseAddress! + i &* d
                        for j in 0..<d { row[j] = (row[j] - shift[j]) / scale[j] }
                    }
                }
            }
        }
    }

    /// Rows `rows` of `x`, as `(x − shift) / scale` computed in Float64, then, with `normalize`,
    /// divided by their norm as ``normalizeRows(_:)`` does, then rounded once to Float32 into
    /// `out` (row-major, `rows.count × d`): the numbers of widening, ``apply(_:shift:scale:)``
    /// and narrowing, without the Float64 copies. Returns the sum of the rows' norms before
    /// normalising (0 without `normalize`) and, with `energy`, the sum of squares of the result
    /// (in Float64, before rounding; else 0). Multiplies by `inverseScale` (within an ulp of
    /// dividing in Float64, far below the Float32 rounding that follows) so that it vectorises.
    static func scaleRows(
        _ x: Matrix<Float>, _ rows: Range<Int>, shift: [Double], inverseScale: [Double], normalize: Bool,
        energy wantsEnergy: Bool, into out: UnsafeMutablePointer<Float>, scratch row: inout [Double]
    ) -> (normSum: Double, energy: Double) {
        let d = x.columns
        var totalNorm = 0.0, energy = 0.0
        x.elements.withUnsafeBufferPointer { p in
            shift.withUnsafeBufferPointer { shift in
                inverseScale.withUnsafeBufferPointer { inverse in
                    row.withUnsafeMutableBufferPointer { r in
                        for (k, i) in rows.enumerated() {
                            let source = p.baseAddress! + i &* d, destination = out + k &* d
                            for j in 0..<d { r[j] = (Double(source[j]) - shift[j]) * inverse[j] }
                            if normalize {
                                var sum = 0.0
                                for j in 0..<d { sum += r[j] * r[j] }
                                let norm = sum.squareRoot()
                                totalNorm += norm
                                let divisor = max(norm, 1e-12)
                                for j in 0..<d { r[j] /= divisor }
                            }
                            if wantsEnergy { for j in 0..<d { energy += r[j] * r[j] } }
                            for j in 0..<d { destination[j] = Float(r[j]) }
                        }
                    }
                }
            }
        }
        return (totalNorm, energy)
    }

    /// Divides every row by `max(‖row‖, 1e-12)` (torch `F.normalize`: a zero row stays zero)
    /// and returns the mean norm before normalising.
    @discardableResult
    public static func normalizeRows(_ x: inout Matrix<Double>) -> Double {
        let d = x.columns, n = x.rows
        var total = 0.0
        x.withUnsafeMutableElements { p in
            for i in 0..<n {
                var sum = 0.0
                for j in 0..<d { sum += p[i * d + j] * p[i * d + j] }
                let norm = sum.squareRoot()
                total += norm
                let divisor = max(norm, 1e-12)
                for j in 0..<d { p[i * d + j] /= divisor }
            }
        }
        return x.rows > 0 ? total / Double(x.rows) : 0
    }
}

extension Matrix where Scalar == Double {
    /// Zero columns appended on the right up to `columns` (no-op if already that wide).
    func padded(to columns: Int) -> Matrix { padded(toRows: rows, columns: columns) }

    /// This matrix in the top-left corner of a zero matrix of at least its size.
    func padded(toRows newRows: Int, columns newColumns: Int) -> Matrix {
        if newRows <= rows && newColumns <= columns { return self }
        let (r, c) = (Swift.max(newRows, rows), Swift.max(newColumns, columns))
        var out = [Double](repeating: 0, count: r * c)
        for i in 0..<rows { for j in 0..<columns { out[i * c + j] = elements[i * columns + j] } }
        return Matrix(rows: r, columns: c, elements: out)
    }

    /// `[self, 1]`: the design matrix of an affine fit.
    func appendingOnesColumn() -> Matrix {
        var out = [Double](repeating: 1, count: rows * (columns + 1))
        for i in 0..<rows { for j in 0..<columns { out[i * (columns + 1) + j] = elements[i * columns + j] } }
        return Matrix(rows: rows, columns: columns + 1, elements: out)
    }
}
