import Foundation
public import LatentCore
import LinearAlgebra

/// Per-dimension statistics of a set of anchors, as latentis' `StandardScaling` computes them.
/// Public so that fits over several spaces at once (the Alignment module's hub) scale each
/// space exactly as `Translator.fit` does.
public struct Standardizer: Sendable {
    public var shift: [Double]
    public var scale: [Double]

    public init(fitting x: Matrix<Double>, scaling: Scaling, epsilon: Double) {
        let n = x.rows, d = x.columns
        guard scaling != .none else {
            shift = Array(repeating: 0, count: d); scale = Array(repeating: 1, count: d); return
        }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += x.elements[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        shift = mean
        guard scaling != .center else { scale = Array(repeating: 1, count: d); return }
        var squares = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { let v = x.elements[i * d + j] - mean[j]; squares[j] += v * v } }
        // Unbiased (torch.std default); a dead dimension would otherwise blow up to ±huge.
        scale = squares.map { s in
            let std = (s / Double(n - 1)).squareRoot()
            return std < 10 * epsilon || std == 0 ? 1 : std
        }
    }

    /// `x ← (x − shift) / scale`, row by row.
    public static func apply(_ x: inout Matrix<Double>, shift: [Double], scale: [Double]) {
        let d = x.columns, n = x.rows
        x.withUnsafeMutableElements { p in
            for i in 0..<n { for j in 0..<d { p[i * d + j] = (p[i * d + j] - shift[j]) / scale[j] } }
        }
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
