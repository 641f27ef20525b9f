import ArgumentParser
import LatentDB

struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register the embeddings of a dataset by a model as space MODEL/DATASET.",
        discussion: """
            Embeddings: .npy, .npz (--member picks an array when it holds several), safetensors (--member picks a tensor: F32, F16, BF16 or F64), .fvecs or .bvecs; the format is recognised by content.

            Keys default to row numbers (0, 1, …). A dataset's keys, labels and splits are shared by all its spaces: a second model's file must cover the same keys (another order is re-aligned).

            Example:
              latentdb register minilm/fortunes --embeddings minilm.npy --keys keys.txt \\
                --labels labels.txt --split split.txt
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "MODEL/DATASET", transform: parseSpaceName)
    var space: SpaceName

    @Option(help: ArgumentHelp("Embeddings: a 2-D float matrix in .npy, .npz, safetensors, .fvecs or .bvecs (stored as float32); - reads an .npy from standard input.", valueName: "file"))
    var embeddings: String

    @Option(name: [.customLong("member"), .customLong("array"), .customLong("tensor")],
            help: ArgumentHelp("The array of an .npz or the tensor of a safetensors file (needed when it holds several; --array and --tensor are aliases).", valueName: "name"))
    var member: String?

    @Option(help: ArgumentHelp("Item keys, one per line (UTF-8).", valueName: "keys.txt"))
    var keys: String?

    @Option(help: ArgumentHelp("Labels: an integer .npy, or text with one label per line.", valueName: "labels.npy|labels.txt"))
    var labels: String?

    @Option(help: ArgumentHelp("Split of each row, one per line (train, test, …).", valueName: "split.txt"))
    var split: String?

    @Option(help: ArgumentHelp("Block codec: \(LatentStore.codecNames.joined(separator: ", ")) (default \(LatentStore.defaultCodecName)).", valueName: "codec"))
    var codec: String?

    @Flag(help: "Replace an existing space atomically.")
    var replace = false

    func validate() throws {
        try StandardStreamOption.checkInput(embeddings, option: "--embeddings")
    }

    func run() throws {
        let store = try global.open(create: true)
        let progress = global.progress("register \(space)")
        let result = try store.register(
            RegisterRequest(name: space, embeddingsPath: embeddings, member: member, keysPath: keys, labelsPath: labels, splitPath: split,
                            codec: try LatentStore.codec(named: codec), replace: replace),
            progress: progress.update)
        progress.finish()
        try global.emit(json: result) {
            if global.quiet { return "" }
            var line = "\(result.replaced ? "replaced" : "registered") \(result.space): \(result.rows) × \(result.dim)"
            line += " (\(dtypeName(result.sourceDType))\(result.sourceDType == "<f4" ? "" : ", stored as float32")),"
            line += " \(result.codec) \(formatBytes(result.storedBytes)) (ratio \(String(format: "%.3f", result.compressionRatio))), version \(result.version.prefix(12))"
            if result.realigned { line += "\nrows re-aligned to the order of dataset '\(space.dataset)'" }
            return line
        }
    }
}
