import ArgumentParser
import LatentDB

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a space (and its dataset when no other space uses it).",
        discussion: "Example: latentdb rm glove50/fortunes")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "MODEL/DATASET", transform: parseSpaceName)
    var space: SpaceName

    struct Output: Encodable { let removed: String; let datasetRemoved: Bool }

    func run() throws {
        let (_, datasetRemoved) = try global.open().remove(space)
        try global.emit(json: Output(removed: space.description, datasetRemoved: datasetRemoved)) {
            if global.quiet { return "" }
            return "removed \(space)" + (datasetRemoved ? " and dataset '\(space.dataset)' (no other space used it)" : "")
        }
    }
}
