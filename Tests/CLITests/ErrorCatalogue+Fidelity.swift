import Foundation

extension ErrorCase {
    // MARK: fidelity (rank-aware fits, compare)

    static let fidelity: [ErrorCase] = [
        cli(.unknownCompletion, ["unknown completion 'half'", "partial, full"]) { _ in
            ["eval", "--from", "a/d", "--to", "b/d", "--completion", "partial,half"]
        },
        cli(.compareArguments, ["compare needs two spaces", "--dataset"]) { _ in ["compare", "a/d"] },
        cli(.compareNeedsAnchors, ["a/d and c/e belong to different datasets", "--anchors"]) { _ in ["compare", "a/d", "c/e"] },
        cli(.compareTooFewItems, ["at least 11 shared items", "found 3"]) { _ in ["compare", "a/d", "b/d", "--anchors", "small"] },
        cli(.compareDatasetSpaces, ["dataset 'nope' has 0 spaces", "at least 2"]) { _ in ["compare", "--dataset", "nope"] },
    ]
}
