import Foundation
import LatentCore
import Testing

/// Issue 16's codes: cached translators by default, and `explain`.
extension ErrorCase {
    static let everyday: [ErrorCase] = [
        ErrorCase(code: .unknownErrorCode, fragments: ["'E9999' is not an error code of this build", "latentdb explain"]) { cli in
            .cli(try cli.run(["explain", "E9999"], withStore: false))
        },
        cli(.noCachedTranslator, ["no cached translator from model 'c' to model 'c2'", "latentdb fit --from c/e --to c2/e --anchors NAME"]) { _ in
            ["knn", "--from", "c/e", "--to", "c2/e", "--key", "0"]
        },
        ErrorCase(code: .qualityNeedsAnchors, fragments: ["--gate needs held-out anchors", "anchor set 'pairs' is not in this store", "pass --anchors NAME"]) { cli in
            // The cached linear translator a/d → b/d outlives the anchor set it was fitted on.
            try SharedStore.copy(to: cli)
            try cli.ok(["anchors", "rm", "pairs"])
            return .cli(try cli.run(["migrate", "--from", "a/d", "--to", "b/d", "--as", "b/m", "--method", "linear", "--gate", "mrr:0.1"]))
        },
    ]
}
