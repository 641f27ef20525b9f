import ArgumentParser
import LatentDB

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a whole store into another one, across backends, bit-exactly.",
        discussion: """
            Spaces (their stored blocks, so versions and exports are identical), datasets, anchor sets, translators, decoders, hubs and IVF indexes. \
            The destination is created if needed and must be empty. Either side is a file or a postgresql:// URI.
            Example:
              latentdb copy --from latent.db --to 'postgresql://team@db.example.org/latent'
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The store to copy: a file or a postgresql:// URI (default: the --db store).", valueName: "store"))
    var from: String?

    @Option(help: ArgumentHelp("The empty store to copy into (created if needed).", valueName: "store"))
    var to: String

    func run() throws {
        let source = try LatentStore(path: from ?? global.storePath)
        let destination = try LatentStore(path: to, create: true)
        let progress = global.progress("copy")
        let result = try source.copy(to: destination, progress: progress.update)
        progress.finish()
        try global.emit(json: result) {
            global.quiet ? "" : "copied \(result.from) → \(result.to): \(plural(result.spaces, "space")) (\(plural(result.blocks, "block")), \(formatBytes(result.storedBytes))), \(plural(result.anchorSets, "anchor set")), \(plural(result.translators, "translator")), \(plural(result.decoders, "decoder")), \(plural(result.hubs, "hub")), \(result.indexes) \(result.indexes == 1 ? "index" : "indexes")"
        }
    }
}
