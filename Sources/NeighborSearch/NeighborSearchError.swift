public import LatentCore
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
        case invalidNProbe(nprobe: Int, lists: Int)
        case invalidListCount(lists: Int, rows: Int)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// The catalogue entry (`LatentCore/Diagnostics.swift`): code and message.
    public var diagnostic: Diagnostic {
        switch kind {
        case let .invalidK(k, rows): return .kOutOfRange(k, rows: rows)
        case .emptyTraining: return .emptyTraining
        case let .dimensionMismatch(what, expected, found): return .dimensionMismatch(what: what, expected: expected, found: found)
        case let .rowCountMismatch(what, expected, found): return .rowCountMismatch(what: what, expected: expected, found: found)
        case let .nonFinite(what, row, column): return .nonFiniteValue(what: what, row: row, column: column)
        case let .labelCount(labels, rows): return .labelCount(labels: labels, rows: rows)
        case let .labelOutOfRange(row, label, classCount): return .labelOutOfRange(row: row, label: label, classCount: classCount)
        case let .invalidClassCount(count): return .classCount(count)
        case let .notPositiveDefinite(order, info): return .notPositiveDefinite(order: order, info: info)
        case let .invalidNProbe(nprobe, lists): return .nprobeOutOfRange(nprobe, lists: lists)
        case let .invalidListCount(lists, rows): return .listCountOutOfRange(lists: lists, rows: rows)
        }
    }

    public var description: String { diagnostic.message }
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
