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

    public var description: String {
        switch kind {
        case let .tooFewAnchorsForFolds(needed, folds, found):
            return "auto needs at least \(needed) anchors for \(folds) folds (each fold ≥ 2 anchors and a fit on ≥ 2), found \(found)"
        case let .invalidFolds(k):
            return "cross-validation needs at least 2 folds, found \(k)"
        case .noCandidates:
            return "model selection needs at least one candidate"
        case .allCandidatesFailed:
            return "model selection: every candidate failed to fit on at least one fold"
        case .noUnpairedItems:
            return "refinement needs unpaired items: none given"
        case let .invalidParameter(name, value):
            return "\(name) = \(value) is out of range"
        case let .dimensionMismatch(what, expected, found):
            return "\(what) has dimension \(found), expected \(expected)"
        case let .rowCountMismatch(what, expected, found):
            return "\(what) has \(found) rows, expected \(expected)"
        case .noSpaces:
            return "a hub needs at least one space"
        case let .fit(error):
            return error.description
        case let .search(error):
            return error.description
        }
    }
}
