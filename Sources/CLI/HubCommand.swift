import ArgumentParser
import Foundation
import LatentDB

struct HubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Align several spaces to one shared space: N maps instead of N² translators.",
        discussion: """
            Example:
              latentdb hub create h3 --anchors a500 \\
                --spaces e5/fortunes,minilm/fortunes,glove50/fortunes
              latentdb knn --from e5/fortunes --to glove50/fortunes --via-hub h3 --key 3
            """,
        subcommands: [Create.self, ListHubs.self, RemoveHub.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a hub (generalised Procrustes) over spaces on an anchor set.",
            discussion: "Example:\n  latentdb hub create h3 --anchors a500 \\\n    --spaces e5/fortunes,minilm/fortunes,glove50/fortunes")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Name of the hub.") var name: String
        @Option(help: ArgumentHelp("Comma-separated member spaces.", valueName: "A,B,C")) var spaces: String
        @Option(help: ArgumentHelp("Anchor set pairing the members' datasets.", valueName: "name")) var anchors: String
        @Option(help: "Pre-processing: standard, l2, center, none.") var scaling: Scaling = .standard

        func run() throws {
            let names = try spaces.split(separator: ",").map { try parseSpaceName(String($0)) }
            let summary = try global.open().createHub(name: name, spaces: names, anchors: anchors, scaling: scaling)
            try global.emit(json: summary) {
                global.quiet ? "" : "hub \(summary.name): \(summary.spaces.joined(separator: ", ")) aligned in \(summary.dimension) dims on \(summary.anchorCount) anchors '\(summary.anchors)' (\(summary.iterations) iterations)"
            }
        }
    }

    struct ListHubs: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List hubs.", discussion: "Example:\n  latentdb hub ls --json")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let hubs = try global.open().hubSummaries()
            try global.emit(json: hubs) {
                if hubs.isEmpty { return "no hubs (create one with `latentdb hub create`)" }
                return table(["NAME", "SPACES", "DIM", "ANCHORS", "SCALING", "STATE"], hubs.map {
                    [$0.name, $0.spaces.joined(separator: ","), "\($0.dimension)", "\($0.anchors) (\($0.anchorCount))", $0.scaling, $0.current ? "current" : "stale"]
                })
            }
        }
    }

    struct RemoveHub: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a hub.", discussion: "Example:\n  latentdb hub rm h3")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() throws {
            try global.open().removeHub(named: name)
            struct Output: Encodable { let removed: String }
            try global.emit(json: Output(removed: name)) { global.quiet ? "" : "removed hub \(name)" }
        }
    }
}
