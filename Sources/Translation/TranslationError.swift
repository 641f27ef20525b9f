public import LatentCore
public import LinearAlgebra

/// Bad input to fitting or applying a translator, or a numerical failure while fitting.
public struct TranslationError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Side: String, Sendable, Equatable { case source, target }

    public enum Kind: Sendable, Equatable {
        /// Fitting needs at least two anchor pairs (the unbiased std divides by n − 1).
        case tooFewAnchors(found: Int)
        /// Anchors are pairs: row i of the source matches row i of the target.
        case anchorCountMismatch(source: Int, target: Int)
        /// A NaN or infinity in the anchors, at `row`, `column` (0-based).
        case nonFinite(side: Side, row: Int, column: Int)
        /// LAPACK did not converge.
        case numerical(LinearAlgebraError)
        /// Only orthogonal maps have a closed-form inverse.
        case notInvertible(Estimator)
        /// The ridge strength must be finite and > 0.
        case invalidRidgeLambda(Double)
        /// The input to `translateChecked` has the wrong number of columns.
        case dimensionMismatch(expected: Int, found: Int)
    }

    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }

    /// The catalogue entry (`LatentCore/Diagnostics.swift`): code and message.
    public var diagnostic: Diagnostic {
        switch kind {
        case .tooFewAnchors(let n): return .tooFewAnchors(found: n)
        case .anchorCountMismatch(let s, let t): return .anchorCountMismatch(source: s, target: t)
        case .nonFinite(let side, let row, let column): return .nonFiniteAnchors(side: side.rawValue, row: row, column: column)
        case .numerical(let error): return .fitFailed(cause: error.description)
        case .notInvertible(let estimator): return .notInvertible(estimator: estimator.rawValue)
        case .invalidRidgeLambda(let lambda): return .ridgeLambda(lambda)
        case .dimensionMismatch(let expected, let found): return .translatorInputColumns(expected: expected, found: found)
        }
    }

    public var description: String { diagnostic.message }
}
