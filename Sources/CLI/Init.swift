import ArgumentParser
import LatentDB

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an empty store (or check an existing one).",
        discussion: "Example: latentdb --db project.db init")

    @OptionGroup var global: GlobalOptions

    struct Output: Encodable { let store: String; let schemaVersion: Int }

    func run() throws {
        let store = try global.open(create: true)
        try global.emit(json: Output(store: store.path, schemaVersion: store.schemaVersion)) {
            global.quiet ? "" : "store \(store.path) ready (schema version \(store.schemaVersion))"
        }
    }
}
