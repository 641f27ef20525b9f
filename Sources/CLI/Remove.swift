import ArgumentParser
import LatentDB

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a space (and its dataset when no other space uses it).",
        discussion: "Example:\n  latentdb rm glove50/fortunes")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "MODEL/DATASET", transform: parseSpaceName)
    var space: SpaceName

    struct Output: Encodable { let removed: String; let datasetRemoved: Bool }

    func run() throws {
        let (record, datasetRemoved) = try global.open().remove(space)
        try global.emit(json: Output(removed: record.name.description, datasetRemoved: datasetRemoved)) {
            if global.quiet { return "" }
            return "removed \(record.name)" + (datasetRemoved ? " and dataset '\(record.name.dataset)' (no other space used it)" : "")
        }
    }
}
