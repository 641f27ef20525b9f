import Foundation

extension ErrorCase {
    // MARK: fidelity (rank-aware fits, compare)

    static let fidelity: [ErrorCase] = [
        cli(.unknownCompletion, ["unknown completion 'half'", "partial, full"]) { _ in
            ["eval", "--from", "a/d", "--to", "b/d", "--completion", "partial,half"]
        },
    ]
}
