public import LatentCore
public import Translation
public import NeighborSearch

/// Bad input to an alignment algorithm, or a failure of the fit or search underneath.
///
/// A public struct over an enum, so that cases can be added without breaking callers.
public struct AlignmentError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Cross-validation needs `needed` anchors for `folds` folds.
        case tooFewAnchorsForFolds(needed: Int, folds: Int, found: Int)
        case invalidFolds(Int)
        case noCandidates
        /// Every candidate's fit failed on at least one fold.
        case allCandidatesFailed
        /// Refinement was given two empty pools.
        case noUnpairedItems
        case invalidParameter(name: String, value: String)
        case dimensionMismatch(what: String, expected: Int, found: Int)
        case rowCountMismatch(what: String, expected: Int, found: Int)
        case noSpaces
        case fit(TranslationError)
        case search(NeighborSearchError)
    }

    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }

    /// The catalogue entry (`LatentCore/Diagnostics.swift`); a failed fit or search keeps its own.
    public var diagnostic: Diagnostic {
        switch kind {
        case let .tooFewAnchorsForFolds(needed, folds, found): return .autoTooFewAnchors(needed: needed, folds: folds, found: found)
        case let .invalidFolds(k): return .invalidFolds(k)
        case .noCandidates: return .noCandidates
        case .allCandidatesFailed: return .allCandidatesFailed
        case .noUnpairedItems: return .noUnpairedItems
        case let .invalidParameter(name, value): return .parameterOutOfRange(name: name, value: value)
        case let .dimensionMismatch(what, expected, found): return .dimensionMismatch(what: what, expected: expected, found: found)
        case let .rowCountMismatch(what, expected, found): return .rowCountMismatch(what: what, expected: expected, found: found)
        case .noSpaces: return .hubNoSpaces
        case let .fit(error): return error.diagnostic
        case let .search(error): return error.diagnostic
        }
    }

    public var description: String { diagnostic.message }
}
