import ArgumentParser
import LatentDB

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the spaces in the store.",
        discussion: "Example:\n  latentdb ls --json")

    @OptionGroup var global: GlobalOptions

    struct Row: Encodable {
        let space: String, rows: Int, dim: Int, codec: String, rawBytes: Int, storedBytes: Int, compressionRatio: Double
        let version: String, createdAt: String, provenance: String?
    }

    func run() throws {
        let spaces = try global.open().spaces()
        let rows = spaces.map {
            Row(space: $0.name.description, rows: $0.rowCount, dim: $0.dimension, codec: $0.codec, rawBytes: $0.rawBytes,
                storedBytes: $0.storedBytes, compressionRatio: $0.compressionRatio, version: $0.version,
                createdAt: $0.createdAt, provenance: $0.provenance)
        }
        try global.emit(json: rows) {
            if rows.isEmpty { return "no spaces (register one with `latentdb register MODEL/DATASET --embeddings F.npy`)" }
            return table(["SPACE", "ROWS", "DIM", "CODEC", "STORED", "RATIO", "VERSION"], rows.map {
                [$0.space, "\($0.rows)", "\($0.dim)", $0.codec, formatBytes($0.storedBytes),
                 String(format: "%.3f", $0.compressionRatio), String($0.version.prefix(12))]
            })
        }
    }
}
