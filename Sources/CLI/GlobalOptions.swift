import ArgumentParser
import Foundation
import LatentDB

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Store: a file, or a postgresql:// URI (default: $LATENTDB_PATH, else ./latent.db).", valueName: "path|uri"))
    var db: String?

    @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Print nothing on success except requested data; no progress.")
    var quiet = false

    var storePath: String {
        db ?? ProcessInfo.processInfo.environment["LATENTDB_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "latent.db"
    }

    /// Opens the store; commands that write may create it.
    func open(create: Bool = false) throws -> LatentStore {
        try LatentStore(path: storePath, create: create)
    }

    /// Prints the result: JSON with `--json`, else the text. When stdout carries an array
    /// (`--output -`), both go to stderr so that the array's bytes stay alone on stdout.
    func emit<T: Encodable>(json value: T, arrayOnStandardOutput: Bool = false, text: () -> String) throws {
        let destination = arrayOnStandardOutput ? FileHandle.standardError : FileHandle.standardOutput
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(value)
            destination.write(data + Data("\n".utf8))
        } else {
            let out = text()
            if out.isEmpty { return }
            if arrayOnStandardOutput { destination.write(Data((out + "\n").utf8)) } else { print(out) }
        }
    }

    func progress(_ label: String) -> ProgressLine {
        ProgressLine(label: label, enabled: !quiet && !json && isatty(STDERR_FILENO) == 1)
    }
}

/// A one-line progress indicator on stderr, shown only on a terminal and only for work that
/// takes longer than about a second.
final class ProgressLine {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var shown = false
    private var lastDraw = Date.distantPast

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = now
        shown = true
        let percent = total > 0 ? 100 * done / total : 100
        let width = 30, filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)% (\(done)/\(total))".utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}

/// Aligns rows under headers (numbers right-aligned).
func table(_ headers: [String], _ rows: [[String]]) -> String {
    var widths = headers.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func isNumber(_ s: String) -> Bool { !s.isEmpty && Double(s.replacingOccurrences(of: "×", with: "").replacingOccurrences(of: "%", with: "")) != nil }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            return isNumber(cell) ? pad + cell : cell + pad
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    return ([line(headers)] + rows.map(line)).joined(separator: "\n")
}

func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}


/// `-` as a file name: an `.npy` read from standard input or written to standard output, for
/// pipelines and the Python bridge. A terminal there is refused: reading would wait for bytes
/// nobody sends, writing would print binary.
enum StandardStreamOption {
    static func isStream(_ path: String?) -> Bool { path == LatentStore.standardStreamPath }

    static func checkInput(_ path: String?, option: String) throws {
        if isStream(path) && isatty(STDIN_FILENO) == 1 { throw ValidationError(.standardInputIsTerminal(option: option)) }
    }

    static func checkOutput(_ path: String?, option: String) throws {
        if isStream(path) && isatty(STDOUT_FILENO) == 1 { throw ValidationError(.standardOutputIsTerminal(option: option)) }
    }
}

/// `MODEL/DATASET` as a command-line value.
func parseSpaceName(_ text: String) throws -> SpaceName {
    do { return try SpaceName(parsing: text) } catch { throw ValidationError(error.diagnostic) }
}

/// `<f4` → `float32`: NumPy's dtype strings, as a person reads them.
func dtypeName(_ descr: String) -> String {
    ["<f2": "float16", "<f4": "float32", "<f8": "float64", "bf16": "bfloat16", "|u1": "uint8"][descr] ?? descr
}

func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

extension GlobalOptions {
    /// Says on stderr which cached translator a command used when it was given none (unless
    /// `--quiet`); `--json` output carries the same as `cachedTranslator`.
    func note(_ reuse: CachedTranslatorChoice?) {
        guard let reuse, !quiet else { return }
        var line = "latentdb: using cached translator \(reuse.fingerprint.prefix(12)) (\(reuse.method)+\(reuse.scaling), \(plural(reuse.anchorCount, "anchor")) '\(reuse.anchors)', \(reuse.origin) on \(reuse.from) → \(reuse.to))"
        let others = reuse.alternatives.count
        switch reuse.reason {
        case .only: break
        case .auto: line += "; chosen by auto, among \(others + 1) that qualify (also \(reuse.alternatives.prefix(3).joined(separator: ", ")))"
        case .newest: line += "; the newest of \(others + 1) that qualify (also \(reuse.alternatives.prefix(3).joined(separator: ", ")))"
        }
        if reuse.reason != .only { line += "; pass --method, --scaling or --translator to choose" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
