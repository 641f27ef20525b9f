import ArgumentParser
import Foundation
import LatentDB

extension ListCodec: ExpressibleByArgument {}

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Inverted-file (IVF) indexes: k-NN over millions of rows reads a few lists, not the whole space.",
        discussion: """
            An index belongs to one version of its space: after `register --replace` it is stale and knn scans \
            exactly until it is rebuilt. knn probes the current index at the nprobe chosen at build time \
            (--nprobe N overrides, --exact scans every row).
            Example:
              latentdb index create minilm/fortunes
              latentdb knn --from e5/fortunes --to minilm/fortunes --key 3 --nprobe 16
            """,
        subcommands: [Create.self, ListIndexes.self, InfoIndex.self, RemoveIndex.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build (or rebuild) the IVF index of a space, in one transaction.",
            discussion: """
                k-means (seeded, 10 rounds) on a training sample gives the lists' centroids; every row then goes to \
                the list of its nearest centroid. The default nprobe is the smallest reaching recall@10 ≥ 0.95 \
                against exact search on 200 held-out rows of the space.
                Example:
                  latentdb index create minilm/fortunes --lists 128 --seed 1
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The space to index.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var space: SpaceName
        @Option(help: "Inverted lists (default: about 4·√rows).") var lists: Int?
        @Option(help: "k-means training rows (default: 64 per list, at most 384 MiB of rows).") var sample: Int?
        @Option(help: "Seed of the sample and the initial centroids.") var seed: UInt64 = 0
        @Option(help: "How list rows are stored: flat (float32, lossless).") var codec: ListCodec = .flat

        func validate() throws {
            if let lists, lists <= 0 { throw ValidationError(.indexOption("--lists", value: lists)) }
            if let sample, sample <= 0 { throw ValidationError(.indexOption("--sample", value: sample)) }
        }

        func run() throws {
            let line = global.progress("index \(space)")
            defer { line.finish() }
            let summary = try global.open().createIndex(
                IndexRequest(space: space, lists: lists, sample: sample, seed: seed, codec: codec)) { _, done, total in line.update(done, total) }
            line.finish()
            try global.emit(json: summary) {
                global.quiet ? "" : "index of \(summary.space): " + describe(summary)
            }
        }
    }

    struct ListIndexes: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List indexes and their state.",
                                                        discussion: "Example:\n  latentdb index ls --json")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let indexes = try global.open().indexes()
            try global.emit(json: indexes) {
                if indexes.isEmpty { return "no indexes (create one with `latentdb index create MODEL/DATASET`)" }
                return table(["SPACE", "STATE", "ROWS", "LISTS", "NPROBE", "RECALL@10", "CODEC", "STORED", "VERSION"], indexes.map {
                    [$0.space, $0.state, "\($0.rows)", "\($0.lists)", "\($0.defaultNProbe)", $0.recallAtDefault.map { String(format: "%.3f", $0) } ?? "",
                     $0.codec, formatBytes($0.storedBytes), String($0.spaceVersion.prefix(12))]
                })
            }
        }
    }

    struct InfoIndex: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe the index of a space.",
                                                        discussion: "Example:\n  latentdb index info minilm/fortunes")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The indexed space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var space: SpaceName

        func run() throws {
            let summary = try global.open().indexInfo(space)
            try global.emit(json: summary) {
                var lines = ["index of \(summary.space) (\(summary.state)): " + describe(summary)]
                if let calibration = summary.calibration {
                    lines.append("  recall@\(calibration.k) against exact search on \(calibration.queries) held-out rows (\(calibration.metric)):")
                    lines.append(table(["NPROBE", "RECALL"], calibration.points.map { ["\($0.nprobe)", String(format: "%.4f", $0.recall)] })
                        .split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct RemoveIndex: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove the index of a space (the space stays).",
                                                        discussion: "Example:\n  latentdb index rm minilm/fortunes")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The indexed space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var space: SpaceName

        func run() throws {
            let removed = try global.open().removeIndex(space)
            struct Output: Encodable { let removed: String; let lists: Int; let storedBytes: Int }
            try global.emit(json: Output(removed: removed.space, lists: removed.lists, storedBytes: removed.storedBytes)) {
                global.quiet ? "" : "removed the index of \(removed.space) (\(removed.lists) lists, \(formatBytes(removed.storedBytes)))"
            }
        }
    }
}

private func describe(_ s: IndexSummary) -> String {
    var text = "\(s.lists) lists over \(s.rows) × \(s.dim) rows (\(s.codec), \(s.blockCodec), \(formatBytes(s.storedBytes)) in \(s.blocks) blocks)\n"
    text += "  trained on \(s.sample) rows (seed \(s.seed), \(s.iterations) k-means rounds) in \(String(format: "%.2f", s.buildSeconds)) s\n"
    text += "  rows per list: min \(s.listRowsMin), median \(s.listRowsMedian), max \(s.listRowsMax)"
    if s.emptyLists > 0 { text += ", \(s.emptyLists) empty" }
    text += "\n  default nprobe \(s.defaultNProbe)"
    if let recall = s.recallAtDefault { text += " (recall@10 \(String(format: "%.3f", recall)) at build time)" }
    return text
}
