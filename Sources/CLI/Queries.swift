import ArgumentParser
import Foundation
import LatentDB

extension Metric: ExpressibleByArgument {}
extension DecoderKind: ExpressibleByArgument {}

struct KNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knn",
        abstract: "Nearest neighbours in one space of queries from another (zero-shot stitching).",
        discussion: """
            A query from model A is translated into model B's space and answered against B's stored items. --from and --to of one model is a plain same-space search.

            The translator: fitted (or taken from the cache) on --anchors, a stored one by --translator, a chain (--via) or a hub (--via-hub); with none of these, the newest cached translator between the two models (of --method and --scaling when given), named on stderr and in --json.

            Example:
              latentdb fit --from e5/fortunes --to minilm/fortunes --anchors a1k
              latentdb knn --from e5/fortunes --to minilm/fortunes --key 42 -k 5
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Source space of the queries.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var from: SpaceName
    @Option(help: ArgumentHelp("Space searched.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var to: SpaceName
    @OptionGroup var queryOptions: QueryOptions
    @OptionGroup var translatorOptions: TranslatorOptions
    @Option(name: .short, help: "Neighbours per query.") var k: Int = 10
    @Option(help: "Similarity: cosine, ip (inner product), l2.") var metric: Metric = .cosine
    @Flag(help: "Re-score by CSLS (hubness correction, k = 10) for cross-space queries; always scans every row.") var csls = false
    @Option(help: "Lists of the target's index to probe (default: the nprobe chosen when the index was built).") var nprobe: Int?
    @Flag(help: "Scan every row even when the target has an index.") var exact = false

    func validate() throws {
        if k <= 0 { throw ValidationError(.kOption(k)) }
        if let nprobe {
            if nprobe <= 0 { throw ValidationError(.indexOption("--nprobe", value: nprobe)) }
            if exact { throw ValidationError(.exactWithNProbe()) }
            if csls { throw ValidationError(.cslsWithNProbe()) }
        }
    }

    func run() throws {
        let store = try global.open()
        let search: SearchMode = exact ? .exact : nprobe.map { .nprobe($0) } ?? .automatic
        let summary = try store.knn(from: from, to: to, choice: try translatorOptions.choice(from: from, to: to),
                                    input: try queryOptions.query(), k: k, metric: metric, csls: csls, search: search)
        global.note(summary.cachedTranslator)
        if global.json {
            try global.emit(json: summary) { "" }
            return
        }
        var blocks: [String] = []
        for result in summary.results {
            let rows = result.neighbors.enumerated().map { i, n in
                ["\(i + 1)", n.key, n.label ?? "", String(format: "%.4f", n.score)]
            }
            // How the target was read, when an index was or could have been used.
            var how = ""
            if let search = result.search {
                if search.mode == "indexed", let nprobe = search.nprobe, let lists = search.lists {
                    how = ", index: \(nprobe) of \(lists) lists, \(search.rowsScored) rows"
                } else if search.reason == "stale index" {
                    how = ", exact: the index is stale"
                }
            }
            blocks.append("query \(result.query) (\(summary.from) → \(summary.to), \(summary.metric)\(how))\n" + table(["#", "KEY", "LABEL", "SCORE"], rows))
        }
        print(blocks.joined(separator: "\n\n"))
    }
}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict labels in one space for queries from another (zero-shot stitching).",
        discussion: """
            The decoder is trained on the target space's labelled train split (all labelled items without splits): knn (cosine, k = 10, similarity-weighted vote) or linear (ridge, closed form, cached). Without --anchors, --translator, --via or --via-hub, the newest cached translator between the two models is used, as for knn.

            Example:
              latentdb classify --from e5/fortunes --to minilm/fortunes \\
                --keys test-keys.txt --decoder linear
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Source space of the queries.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var from: SpaceName
    @Option(help: ArgumentHelp("Space whose labels are predicted.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var to: SpaceName
    @OptionGroup var queryOptions: QueryOptions
    @OptionGroup var translatorOptions: TranslatorOptions
    @Option(help: "Decoder: knn or linear.") var decoder: DecoderKind = .knn

    func run() throws {
        let store = try global.open()
        let summary = try store.classify(from: from, to: to, choice: try translatorOptions.choice(from: from, to: to),
                                         input: try queryOptions.query(), decoder: decoder)
        global.note(summary.cachedTranslator)
        try global.emit(json: summary) {
            table(["QUERY", "LABEL", "SCORE"], summary.predictions.map { [$0.query, $0.label, String(format: "%.4f", $0.score)] })
        }
    }
}
extension SamplerKind: ExpressibleByArgument {}
