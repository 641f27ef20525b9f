import LatentCore
import LinearAlgebra

/// Bad input to a search or a decoder, with the context needed to find it.
///
/// A public struct over an internal enum, so that cases can be added without breaking callers.
public struct NeighborSearchError: Error, CustomStringConvertible, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// `rows == nil`: the database size is not known yet (streaming).
        case invalidK(k: Int, rows: Int?)
        case emptyTraining
        case dimensionMismatch(what: String, expected: Int, found: Int)
        case rowCountMismatch(what: String, expected: Int, found: Int)
        /// `column == nil`: every value of the row is finite but a score overflowed.
        case nonFinite(what: String, row: Int, column: Int?)
        case labelCount(labels: Int, rows: Int)
        case labelOutOfRange(row: Int, label: Int, classCount: Int)
        case invalidClassCount(Int)
        case notPositiveDefinite(order: Int, info: Int)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case let .invalidK(k, rows?):
            return "k = \(k) is out of range: expected 1 ... \(rows) (the number of database rows)"
        case let .invalidK(k, nil):
            return "k = \(k) must be at least 1"
        case .emptyTraining:
            return "the training set is empty"
        case let .dimensionMismatch(what, expected, found):
            return "\(what) has dimension \(found), expected \(expected)"
        case let .rowCountMismatch(what, expected, found):
            return "\(what) has \(found) rows, expected \(expected)"
        case let .nonFinite(what, row, column?):
            return "\(what) row \(row), column \(column) is NaN or infinite"
        case let .nonFinite(what, row, nil):
            return "\(what) row \(row) gives a non-finite score (values too large)"
        case let .labelCount(labels, rows):
            return "\(labels) labels given for \(rows) training rows"
        case let .labelOutOfRange(row, label, classCount):
            return "label \(label) of training row \(row) is outside 0..<\(classCount)"
        case let .invalidClassCount(count):
            return "class count \(count) must be at least 1"
        case let .notPositiveDefinite(order, info):
            return "ridge system (\(order) × \(order)) is not positive definite (dposv info \(info)): are all training rows identical?"
        }
    }
}

extension Matrix where Scalar == Float {
    /// Throws for the first NaN/Inf, reporting it as `what` row/column.
    func checkFinite(_ what: String) throws(NeighborSearchError) {
        if let (row, column) = firstNonFinite() {
            throw NeighborSearchError(.nonFinite(what: what, row: row, column: column))
        }
    }

    /// Each row divided by `max(‖row‖, 1e-12)`, as protocol.py's `unit`: a zero row stays zero.
    func unitRows() -> Matrix<Float> {
        var out = self
        let d = columns
        out.elements.withUnsafeMutableBufferPointer { e in
            for i in 0..<rows {
                let row = UnsafeMutableBufferPointer(rebasing: e[i * d ..< (i + 1) * d])
                let scale = 1 / Swift.max(squaredNorm(UnsafeBufferPointer(row)).squareRoot(), 1e-12)
                for j in row.indices { row[j] *= scale }
            }
        }
        return out
    }
}
