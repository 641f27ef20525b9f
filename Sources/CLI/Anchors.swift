import ArgumentParser
import Foundation
import LatentDB

struct Anchors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show and remove anchor sets (correspondences between two spaces).",
        discussion: """
            Example:
              latentdb anchors create a1k --from e5/fortunes --to minilm/fortunes \\
                --count 1000
              latentdb anchors ls
            """,
        subcommands: [Create.self, ListSets.self, Show.self, RemoveSet.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw an anchor set between two spaces.",
            discussion: """
                Samplers: --count N --seed S (uniform, from the train split when there is one), --stratified (the same count per label), or --file F (one key per line; SOURCE_KEY<TAB>TARGET_KEY across datasets).

                Example:
                  latentdb anchors create a1k --from e5/fortunes --to minilm/fortunes \\
                    --count 1000 --seed 0
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Name of the anchor set.") var name: String
        @Option(help: ArgumentHelp("Source space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var from: SpaceName
        @Option(help: ArgumentHelp("Target space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var to: SpaceName
        @Option(help: "Number of anchors to draw.") var count: Int?
        @Option(help: "Seed of the sampler.") var seed: UInt64 = 0
        @Flag(help: "Draw the same number of anchors per label (same as --sampler stratified).") var stratified = false
        @Option(help: ArgumentHelp("uniform, stratified, farthest (spread over the source space) or kmeans (items nearest k-means centres).", valueName: "sampler"))
        var sampler: SamplerKind = .uniform
        @Option(help: ArgumentHelp("Read the correspondences from a file.", valueName: "file")) var file: String?
        @Flag(help: "Replace an anchor set of the same name.") var replace = false

        func validate() throws {
            if file != nil && (count != nil || stratified || sampler != .uniform) {
                throw ValidationError(.conflictingOptions(.fileWithSampling))
            }
            if file == nil && count == nil { throw ValidationError(.missingOption(.anchorSource)) }
            if let count, count < 2 { throw ValidationError(.anchorCountOption(count)) }
        }

        func run() throws {
            let kind = stratified ? .stratified : sampler
            let sampler: AnchorSampler = file.map { .file(path: $0) } ?? {
                switch kind {
                case .uniform: .uniform(count: count!, seed: seed)
                case .stratified: .stratified(count: count!, seed: seed)
                case .farthest, .kmeans: .geometric(kind, count: count!, seed: seed)
                }
            }()
            let summary = try global.open().createAnchors(name: name, from: from, to: to, sampler: sampler, replace: replace)
            for warning in summary.warnings where !global.quiet {
                FileHandle.standardError.write(Data("latentdb: warning: \(warning)\n".utf8))
            }
            try global.emit(json: summary) {
                global.quiet ? "" : "anchor set \(summary.name): \(summary.count) pairs \(summary.from) → \(summary.to) (\(summary.sampler)), hash \(summary.hash)"
            }
        }
    }

    struct ListSets: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List anchor sets.", discussion: "Example:\n  latentdb anchors ls --json")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let sets = try global.open().anchorSets()
            try global.emit(json: sets) {
                if sets.isEmpty { return "no anchor sets" }
                return table(["NAME", "FROM", "TO", "PAIRS", "SAMPLER", "HASH"],
                             sets.map { [$0.name, $0.from, $0.to, "\($0.count)", $0.sampler, $0.hash] })
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an anchor set and its pairs.", discussion: "Example:\n  latentdb anchors show a1k --limit 5")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "Pairs to print (0: all).") var limit: Int = 20

        func run() throws {
            let detail = try global.open().anchorSet(named: name)
            try global.emit(json: detail) {
                let s = detail.summary
                var lines = ["anchor set \(s.name): \(s.count) pairs \(s.from) → \(s.to)", "sampler \(s.sampler) \(s.options)", "hash \(s.hash)"]
                let shown = limit == 0 ? detail.pairs : Array(detail.pairs.prefix(limit))
                lines += shown.map { $0[0] == $0[1] ? $0[0] : "\($0[0])\t\($0[1])" }
                if shown.count < detail.pairs.count { lines.append("… \(detail.pairs.count - shown.count) more (--limit 0 shows all)") }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct RemoveSet: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an anchor set.", discussion: "Example:\n  latentdb anchors rm a1k")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() throws {
            try global.open().removeAnchorSet(named: name)
            struct Output: Encodable { let removed: String }
            try global.emit(json: Output(removed: name)) { global.quiet ? "" : "removed anchor set \(name)" }
        }
    }
}
