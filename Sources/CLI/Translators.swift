import ArgumentParser
import Foundation
import LatentDB

extension Estimator: ExpressibleByArgument {
    public init?(argument: String) { self.init(cliName: argument) }
    public static var allValueStrings: [String] { allCases.map(\.cliName) }
}

extension Scaling: ExpressibleByArgument {}
extension Completion: ExpressibleByArgument {}
extension SelectionCriterion: ExpressibleByArgument {}

extension FitSpec.Method: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { Estimator.allCases.map(\.cliName) + ["auto"] }
    /// As the user types it (`ortho`), not the Swift case.
    public var defaultValueDescription: String { name }
}

/// How a translator is fitted: method, scaling and their options (all part of the fingerprint).
///
/// Method and scaling stay nil unless given: a command that is given no translator uses a cached
/// one, filtered by them only when the user asked for them.
struct FitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Estimator; residual is ortho plus a kernel correction of what it leaves (cross-validated on the anchors; not invertible); auto is a cross-validated choice among the others. Default: ortho when fitting; without --anchors, a cached translator of any method.", valueName: "method"))
    var method: FitSpec.Method?

    @Option(help: ArgumentHelp("Pre-processing (auto chooses its own). Default: standard when fitting; without --anchors, a cached translator of any scaling.", valueName: "scaling"))
    var scaling: Scaling?

    @Option(help: ArgumentHelp("Ridge strength, relative to trace(XᵀX)/d.", valueName: "λ"))
    var ridgeLambda: Double = Estimator.defaultRidgeLambda

    @Option(help: ArgumentHelp("Rounds of refinement from unpaired items (mutual CSLS neighbours, as MUSE).", valueName: "n"))
    var refine: Int = 0

    @Option(help: ArgumentHelp("What auto maximises on held-out anchors: mrr, top1 or mse (minimised).", valueName: "metric"))
    var selectBy: SelectionCriterion = .mrr

    @Option(help: ArgumentHelp("ortho, scaled-ortho, lortho, auto: on directions the anchors leave undetermined, partial (zero: a dead target dimension gives its anchor mean) or full (the paper's arbitrary completion).", valueName: "kind"))
    var completion: Completion = .partial

    func validate() throws {
        if refine < 0 { throw ValidationError(.negativeRefine(refine)) }
        if !(ridgeLambda > 0 && ridgeLambda.isFinite) { throw ValidationError(.ridgeLambdaOption(ridgeLambda)) }
    }

    /// The method asked for, with auto's criterion.
    var chosenMethod: FitSpec.Method? {
        if case .auto = method { return .auto(selectBy) }
        return method
    }

    var spec: FitSpec {
        FitSpec(method: chosenMethod ?? .estimator(.ortho), scaling: scaling ?? .standard, ridgeLambda: ridgeLambda, refine: refine,
                completion: completion)
    }
}

/// How a command picks its translator: `--anchors` + `--method` (fit or cache), `--translator`,
/// `--via`, `--via-hub`, or none of them: a cached translator between the two models.
struct TranslatorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Anchor set to fit on (cached by fingerprint).", valueName: "name"))
    var anchors: String?

    @OptionGroup var fitOptions: FitOptions

    @Option(help: ArgumentHelp("Use a stored translator (fingerprint or unique prefix).", valueName: "id"))
    var translator: String?

    @Option(help: ArgumentHelp("Translate through this space (repeatable: A → via… → B), with cached translators or --anchors.", valueName: "MODEL/DATASET"),
            transform: parseSpaceName)
    var via: [SpaceName] = []

    @Option(help: ArgumentHelp("Translate through a hub (see `latentdb hub`).", valueName: "name"))
    var viaHub: String?

    func choice(from: SpaceName?, to: SpaceName?) throws -> TranslatorChoice {
        if let viaHub {
            guard translator == nil, anchors == nil, via.isEmpty else { throw ValidationError(.conflictingOptions(.viaHubWithMaps)) }
            return .hub(viaHub)
        }
        if !via.isEmpty {
            guard translator == nil else { throw ValidationError(.conflictingOptions(.viaWithTranslator)) }
            return .chain(via: via, anchors: anchors, spec: fitOptions.spec)
        }
        if let translator {
            guard anchors == nil else { throw ValidationError(.conflictingOptions(.anchorsWithTranslator)) }
            return .stored(id: translator)
        }
        if let anchors { return .fit(anchors: anchors, spec: fitOptions.spec) }
        guard let from, let to else { throw ValidationError(.missingOption(.translatorChoice)) }
        if from.model == to.model { return .identity }
        return .cached(method: fitOptions.chosenMethod, scaling: fitOptions.scaling)
    }
}

/// Queries: stored items by key, a keys file, or a `.npy` of vectors.
struct QueryOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: ArgumentHelp("A query item of the source space (repeatable).", valueName: "key"))
    var key: [String] = []

    @Option(help: ArgumentHelp("Query items of the source space, one key per line.", valueName: "keys.txt"))
    var keys: String?

    @Option(help: ArgumentHelp("Query vectors in the source model's space (.npy, .npz, safetensors, .fvecs, .bvecs); - reads an .npy from standard input.", valueName: "file"))
    var input: String?

    @Option(name: [.customLong("member"), .customLong("array"), .customLong("tensor")],
            help: ArgumentHelp("With --input: the array of an .npz or the tensor of a safetensors file (--array and --tensor are aliases).", valueName: "name"))
    var member: String?

    func validate() throws {
        let given = [!key.isEmpty, keys != nil, input != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError(.missingOption(.queryInput)) }
        if let member, input == nil { throw ValidationError(.missingOption(.inputForMember(member))) }
        try StandardStreamOption.checkInput(input, option: "--input")
    }

    func query() throws -> QueryInput {
        if let input { return .file(path: input, member: member) }
        if let keys { return .keys(try LatentStore.readLines(keys, what: "keys")) }
        return .keys(key)
    }
}

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit (or fetch from the cache) a translator between two spaces.",
        discussion: """
            The translator is cached under a fingerprint of both space versions, the anchor set, the method and the scaling: the same inputs return the same translator; a replaced space or anchor set misses. knn, classify, translate and migrate then use it without --anchors.

            Example:
              latentdb fit --from e5/fortunes --to minilm/fortunes --anchors a1k
              latentdb fit --from minilm/fortunes --to e5/fortunes --anchors a1k \\
                --method auto
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Source space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var from: SpaceName
    @Option(help: ArgumentHelp("Target space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var to: SpaceName
    @Option(help: ArgumentHelp("Anchor set.", valueName: "name")) var anchors: String
    @OptionGroup var fitOptions: FitOptions
    @Flag(help: "Fit again even when a cached translator exists.") var refit = false

    func run() throws {
        let (summary, _) = try global.open().fit(FitRequest(from: from, to: to, anchors: anchors, spec: fitOptions.spec, refit: refit))
        for warning in summary.warnings where !global.quiet {
            FileHandle.standardError.write(Data("latentdb: warning: \(warning)\n".utf8))
        }
        try global.emit(json: summary) {
            if global.quiet { return summary.fingerprint }
            let top = summary.singularValues.prefix(5).map { String(format: "%.3g", $0) }.joined(separator: ", ")
            return """
                translator \(summary.fingerprint) (\(summary.cached ? "from the cache" : "fitted"))
                  \(summary.from) → \(summary.to), \(summary.method) + \(summary.scaling), \(summary.anchorCount) anchors '\(summary.anchors)', \(summary.sourceDim) → \(summary.targetDim) dims
                  fit time \(String(format: "%.3f", summary.fitSeconds)) s, anchor residual MSE \(String(format: "%.4g", summary.residualMSE))
                  singular values \(top)\(summary.singularValues.count > 5 ? ", …" : ""); effective rank \(String(format: "%.1f", summary.effectiveRank)) of \(summary.singularValues.count)
                """ + Self.details(summary)
        }
    }
}

extension Fit {
    /// auto's candidate table and refinement's rounds, when there are any.
    static func details(_ summary: FitSummary) -> String {
        var out = ""
        if let chosen = summary.chosen, let selection = summary.selection {
            out += "\n  auto chose \(chosen) among \(selection.count) candidates (cross-validated on the anchors):\n"
            let rows = selection.sorted { ($0.score ?? -.infinity) > ($1.score ?? -.infinity) }.map {
                ["    " + $0.candidate, $0.score.map { String(format: "%.4f", $0) } ?? "failed"]
            }
            out += table(["    CANDIDATE", "SCORE"], rows)
            if selection.contains(where: { $0.candidate.hasPrefix("residual") }) && !chosen.hasPrefix("residual") {
                out += "\n    (a residual row wins only by more than one standard error of its fold differences)"
            }
        }
        if let kernel = summary.kernel {
            let mrr = { (x: Double?) in x.map { String(format: "%.4f", $0) } ?? "–" }
            let folds = kernel.crossValidatedMRR == nil ? "chosen by auto on its folds"
                : "held-out MRR on 5 folds of the anchors \(mrr(kernel.crossValidatedMRR)) against ortho's \(mrr(kernel.orthoMRR))"
            if let width = kernel.widthFactor, let lambda = kernel.lambda {
                out += "\n  kernel correction: \(kernel.centres) centres, width \(width) × 1/median d², λ \(lambda); \(folds)"
            } else {
                out += "\n  no kernel correction beat ortho (\(folds)): the translator is ortho's map"
            }
        }
        if let pairs = summary.refinePairs {
            out += "\n  refinement added \(pairs.map(String.init).joined(separator: ", ")) mutual pairs per round"
        }
        return out
    }
}

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate vectors of one model into another model's space.",
        discussion: """
            Without --anchors, --translator, --via or --via-hub, the newest cached translator between the two models is used (of --method and --scaling when given).

            Example:
              latentdb translate --from e5/fortunes --to minilm/fortunes --anchors a1k \\
                --input q.npy --output out.npy
              latentdb translate --translator 3fa9c2 --input q.npy --output out.npy
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Source space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var from: SpaceName?
    @Option(help: ArgumentHelp("Target space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var to: SpaceName?
    @OptionGroup var translatorOptions: TranslatorOptions
    @OptionGroup var queryOptions: QueryOptions
    @Option(name: [.short, .long], help: ArgumentHelp("Output .npy file; - writes to standard output (with --json, the summary goes to stderr).", valueName: "out.npy")) var output: String

    func validate() throws {
        try StandardStreamOption.checkOutput(output, option: "--output")
    }

    func run() throws {
        let store = try global.open()
        let summary = try store.translate(from: from, to: to, choice: try translatorOptions.choice(from: from, to: to),
                                          input: try queryOptions.query(), output: output)
        global.note(summary.cachedTranslator)
        try global.emit(json: summary, arrayOnStandardOutput: StandardStreamOption.isStream(output)) {
            global.quiet ? "" : "translated \(summary.rows) rows (\(summary.sourceDim) → \(summary.targetDim) dims) with translator \(summary.translator.map { $0.contains("→") ? $0 : String($0.prefix(12)) } ?? "-") to \(output)"
        }
    }
}

struct Translators: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List or remove cached translators.",
        discussion: """
            Example:
              latentdb translators ls
              latentdb translators rm 3fa9c2
            """,
        subcommands: [ListTranslators.self, RemoveTranslator.self])

    struct ListTranslators: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List cached translators.", discussion: "Example:\n  latentdb translators ls --json")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let list = try global.open().translators()
            try global.emit(json: list) {
                if list.isEmpty { return "no translators (fit one with `latentdb fit`)" }
                return table(["ID", "FROM", "TO", "METHOD", "SCALING", "ANCHORS", "DIMS", "ORIGIN", "STATE"], list.map {
                    [String($0.fingerprint.prefix(12)), $0.from, $0.to, $0.method, $0.scaling, "\($0.anchors) (\($0.anchorCount))",
                     "\($0.sourceDim)→\($0.targetDim)", $0.origin, $0.current ? "current" : "stale"]
                })
            }
        }
    }

    struct RemoveTranslator: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a cached translator.", discussion: "Example:\n  latentdb translators rm 3fa9c2")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Fingerprint or unique prefix.") var id: String

        func run() throws {
            let removed = try global.open().removeTranslator(id)
            struct Output: Encodable { let removed: String }
            try global.emit(json: Output(removed: removed)) { global.quiet ? "" : "removed translator \(removed)" }
        }
    }
}

struct TranslatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translator",
        abstract: "Move a translator between stores as a file.",
        discussion: """
            Example:
              latentdb translator export 3fa9c2 --output e5-to-minilm.ldbt
              latentdb translator import e5-to-minilm.ldbt --db other.db
            """,
        subcommands: [ExportTranslator.self, ImportTranslator.self])

    struct ExportTranslator: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write a translator to a file.", discussion: "Example:\n  latentdb translator export 3fa9c2 --output e5-to-minilm.ldbt")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Fingerprint or unique prefix.") var id: String
        @Option(name: [.short, .long], help: ArgumentHelp("Output file.", valueName: "file")) var output: String

        func run() throws {
            let summary = try global.open().exportTranslator(id, to: output)
            try global.emit(json: summary) {
                global.quiet ? "" : "exported translator \(summary.fingerprint) (\(summary.sourceModel) → \(summary.targetModel), \(summary.sourceDim) → \(summary.targetDim)) to \(output)"
            }
        }
    }

    struct ImportTranslator: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Store a translator from a file.", discussion: "Example:\n  latentdb translator import e5-to-minilm.ldbt --db other.db")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Translator file.") var file: String

        func run() throws {
            let summary = try global.open(create: true).importTranslator(from: file)
            try global.emit(json: summary) {
                global.quiet ? "" : "\(summary.alreadyPresent == true ? "already present" : "imported") translator \(summary.fingerprint) (\(summary.sourceModel) → \(summary.targetModel), \(summary.sourceDim) → \(summary.targetDim))"
            }
        }
    }
}
