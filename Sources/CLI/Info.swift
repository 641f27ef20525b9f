import ArgumentParser
import LatentDB

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe one space: shape, storage, version, labels and splits.",
        discussion: "Example: latentdb info minilm/fortunes")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "MODEL/DATASET", transform: parseSpaceName)
    var space: SpaceName

    func run() throws {
        let out = try global.open().describe(space)
        let labels = out.labels, splits = out.splits
        try global.emit(json: out) {
            var lines = [
                "space       \(out.space)",
                "shape       \(out.rows) × \(out.dim) float32 (registered from \(dtypeName(out.sourceDType)))",
                "storage     \(out.codec), \(plural(out.blocks, "block")) of up to \(out.blockRows) rows, \(formatBytes(out.storedBytes)) stored / \(formatBytes(out.rawBytes)) raw (ratio \(String(format: "%.3f", out.compressionRatio)))",
                "version     \(out.version)",
                "created     \(out.createdAt) by latentdb \(out.libraryVersion)",
                "keys        \(out.exampleKeys.joined(separator: ", "))\(out.rows > 5 ? ", …" : "")",
            ]
            if let provenance = out.provenance { lines.append("provenance  \(provenance)") }
            let describe = { (counts: [String: Int]) in counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
            lines.append("labels      \(labels.isEmpty ? "none" : "\(labels.count) classes: " + describe(labels))")
            lines.append("splits      \(splits.isEmpty ? "none" : describe(splits))")
            return lines.joined(separator: "\n")
        }
    }
}
