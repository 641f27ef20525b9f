import ArgumentParser
import LatentDB

extension ExportFormat: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a space's matrix to a file (.npy, safetensors or .fvecs), exactly as registered.",
        discussion: """
            The values are the float32 stored; --format npy (the default) is byte-identical to a registered float32 .npy. safetensors holds one F32 tensor named "embeddings".

            Example:
              latentdb export minilm/fortunes --output minilm.npy
              latentdb export minilm/fortunes --output minilm.st --format safetensors
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "MODEL/DATASET", transform: parseSpaceName)
    var space: SpaceName

    @Option(name: [.short, .long], help: ArgumentHelp("Output file; - writes to standard output (with --json, the summary goes to stderr).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Output format: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "format"))
    var format: ExportFormat = .npy

    func validate() throws {
        try StandardStreamOption.checkOutput(output, option: "--output")
    }

    func run() throws {
        let store = try global.open()
        let progress = global.progress("export \(space)")
        let result = try store.export(space, to: output, format: format, progress: progress.update)
        progress.finish()
        try global.emit(json: result, arrayOnStandardOutput: StandardStreamOption.isStream(output)) {
            global.quiet ? "" : "exported \(result.space) (\(result.rows) × \(result.dim)) to \(result.output)"
        }
    }
}
