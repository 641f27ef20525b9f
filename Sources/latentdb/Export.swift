import ArgumentParser
import LatentDB

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a space's matrix to a .npy file, exactly as registered.",
        discussion: "Example: latentdb export minilm/fortunes --output minilm.npy")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "MODEL/DATASET", transform: parseSpaceName)
    var space: SpaceName

    @Option(name: [.short, .long], help: ArgumentHelp("Output .npy file.", valueName: "file.npy"))
    var output: String

    func run() throws {
        let store = try global.open()
        let progress = global.progress("export \(space)")
        let result = try store.export(space, to: output, progress: progress.update)
        progress.finish()
        try global.emit(json: result) {
            global.quiet ? "" : "exported \(result.space) (\(result.rows) × \(result.dim)) to \(result.output)"
        }
    }
}
