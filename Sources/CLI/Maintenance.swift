import ArgumentParser
import Foundation
import LatentDB

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the store: SQLite integrity, foreign keys, every block's checksum, every translator.",
        discussion: "Exits 3 when any problem is found.\n\nExample:\n  latentdb check")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let report = try global.open().check()
        try global.emit(json: report) {
            var lines = report.problems.map { "problem: \($0)" }
            let indexes = report.indexesChecked > 0 ? ", \(report.indexesChecked) indexes (\(report.indexBlocksChecked) blocks)" : ""
            lines.append("\(report.ok ? "ok" : "\(report.problems.count) problems"): \(report.spacesChecked) spaces, \(report.blocksChecked) blocks, \(report.translatorsChecked) translators\(indexes) checked")
            return lines.joined(separator: "\n")
        }
        if !report.ok { throw ExitCode(3) }
    }
}

struct Vacuum: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compact the store file after removals.",
        discussion: "Example:\n  latentdb vacuum")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let store = try global.open()
        let before = try store.storedBytes()
        try store.vacuum()
        let after = try store.storedBytes()
        struct Output: Encodable { let bytesBefore: Int; let bytesAfter: Int }
        try global.emit(json: Output(bytesBefore: before, bytesAfter: after)) {
            global.quiet ? "" : "vacuumed \(store.path): \(formatBytes(before)) → \(formatBytes(after))"
        }
    }
}
