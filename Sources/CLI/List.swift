import ArgumentParser
import LatentDB

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the spaces in the store.",
        discussion: "Example: latentdb ls --json")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let rows = try global.open().spaces()
        try global.emit(json: rows) {
            if rows.isEmpty { return "no spaces (register one with `latentdb register MODEL/DATASET --embeddings F.npy`)" }
            return table(["SPACE", "ROWS", "DIM", "CODEC", "STORED", "RATIO", "VERSION"], rows.map {
                [$0.space, "\($0.rows)", "\($0.dim)", $0.codec, formatBytes($0.storedBytes),
                 String(format: "%.3f", $0.compressionRatio), String($0.version.prefix(12))]
            })
        }
    }
}
