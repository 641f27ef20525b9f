import ArgumentParser
import LatentDB

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe one space: shape, storage, version, labels and splits.",
        discussion: "Example:\n  latentdb info minilm/fortunes")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "MODEL/DATASET", transform: parseSpaceName)
    var space: SpaceName

    struct Output: Encodable {
        let space: String, model: String, dataset: String, rows: Int, dim: Int, elementType: String, sourceDType: String
        let codec: String, blocks: Int, blockRows: Int, rawBytes: Int, storedBytes: Int, compressionRatio: Double
        let version: String, createdAt: String, libraryVersion: String, provenance: String?
        let labels: [String: Int], splits: [String: Int], exampleKeys: [String]
    }

    func run() throws {
        let (record, items, blocks) = try global.open().describe(space)
        var labels: [String: Int] = [:], splits: [String: Int] = [:]
        for item in items {
            if let label = item.label { labels[label, default: 0] += 1 }
            if let split = item.split { splits[split, default: 0] += 1 }
        }
        let out = Output(
            space: record.name.description, model: record.name.model, dataset: record.name.dataset, rows: record.rowCount,
            dim: record.dimension, elementType: "float32", sourceDType: record.sourceDType, codec: record.codec,
            blocks: blocks.count, blockRows: record.blockRows, rawBytes: record.rawBytes, storedBytes: record.storedBytes,
            compressionRatio: record.compressionRatio, version: record.version, createdAt: record.createdAt,
            libraryVersion: record.libraryVersion, provenance: record.provenance, labels: labels, splits: splits,
            exampleKeys: Array(items.prefix(5).map(\.key)))
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
