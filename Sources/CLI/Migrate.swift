import ArgumentParser
import Foundation
import LatentDB

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate every item of a space into a new space of another model, behind a quality gate.",
        discussion: """
            The translator is fitted between --from and --to on --anchors; without --anchors, the newest cached translator between the two models is used (of --method and --scaling when given). Its quality is first estimated on held-out anchors (20 %, seeded; for a cached translator, of the anchor set it was fitted on). Below --gate nothing is stored (or, with --warn-only, a warning).

            Then --from's model on --dataset (default: --from's dataset) is translated item by item and stored as --as, with its provenance. Queries embedded by the new model can then search the old corpus.

            Example:
              latentdb migrate --from e5/fortunes --to minilm/fortunes --anchors a500 \\
                --as minilm-migrated/fortunes --gate mrr:0.9
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Space of the old model (fitting side).", valueName: "MODEL/DATASET"), transform: parseSpaceName) var from: SpaceName
    @Option(help: ArgumentHelp("Space of the new model (fitting side).", valueName: "MODEL/DATASET"), transform: parseSpaceName) var to: SpaceName
    @Option(help: ArgumentHelp("Dataset to migrate (default: --from's).", valueName: "name")) var dataset: String?
    @Option(name: .customLong("as"), help: ArgumentHelp("The new space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var target: SpaceName
    @Option(help: ArgumentHelp("Anchor set to fit on (default: a cached translator between the two models).", valueName: "name")) var anchors: String?
    @OptionGroup var fitOptions: FitOptions
    @Option(help: ArgumentHelp("Minimum held-out quality, METRIC:VALUE, e.g. mrr:0.9 (metrics: mrr, top1, top5, cosine; 'mrr>=0.9' works too, quoted).", valueName: "gate")) var gate: String?
    @Flag(help: "Below the gate, warn and migrate anyway.") var warnOnly = false
    @Flag(help: "Replace the --as space if it exists.") var replace = false

    func run() throws {
        let store = try global.open()
        let progress = global.progress("migrate \(from) → \(target)")
        let translator: MigrateTranslator = anchors.map { .fit(anchors: $0, spec: fitOptions.spec) }
            ?? .cached(method: fitOptions.chosenMethod, scaling: fitOptions.scaling)
        let summary = try store.migrate(MigrateRequest(
            from: from, to: to, dataset: dataset, target: target, translator: translator,
            gate: try gate.map(QualityGate.init(parsing:)), warnOnly: warnOnly, replace: replace), progress: progress.update)
        progress.finish()
        global.note(summary.cachedTranslator)
        for warning in summary.warnings where !global.quiet {
            FileHandle.standardError.write(Data("latentdb: warning: \(warning)\n".utf8))
        }
        try global.emit(json: summary) {
            if global.quiet { return "" }
            let gate = summary.gate.map { "; gate \($0) \(summary.passed ? "passed" : "FAILED (warned)")" } ?? ""
            let held = summary.quality.map { q in
                "held-out anchors (\(q.heldOut), fitted on \(q.fittedOn)): top-1 \(String(format: "%.3f", q.top1)), top-5 \(String(format: "%.3f", q.top5)), MRR \(String(format: "%.3f", q.mrr)), cosine \(String(format: "%.3f", q.cosine))"
            } ?? "no held-out estimate (the translator's anchor set is not in this store)"
            return """
                migrated \(summary.source) → \(summary.space): \(summary.rows) × \(summary.dim), translator \(summary.translator.prefix(12))
                  \(held)\(gate)
                """
        }
    }
}
