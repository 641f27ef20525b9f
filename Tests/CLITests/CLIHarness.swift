import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// Runs the real `latentdb` executable on a temporary store, as a user would.
///
/// Sendable: its state is immutable, and each `run` uses its own files, so several threads may
/// run commands on the same store at once (the concurrency tests do).
final class CLIHarness: @unchecked Sendable {
    let directory: URL
    /// The store every command gets as --db: a file, or a fresh PostgreSQL database's URI.
    let store: String
    let backend: Backend
    /// The PostgreSQL database of this harness, dropped with it.
    private let database: String?

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var sample: URL { repositoryRoot.appendingPathComponent("examples/fortunes") }

    static let binary: String = {
        // swift test puts the executable beside the test bundle.
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("latentdb").path,
            Bundle.main.bundleURL.appendingPathComponent("latentdb").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("latentdb").path,
            repositoryRoot.appendingPathComponent(".build/debug/latentdb").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    /// A harness on `backend` (default: the pass of `.bothBackends` this test runs in).
    init(backend: Backend = Backend.current) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("latentdb-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.backend = backend
        switch backend {
        case .sqlite:
            database = nil
            store = directory.appendingPathComponent("test.db").path
        case .postgres:
            let name = try PostgresTestServer.createDatabase()
            database = name
            store = PostgresTestServer.uri(database: name)
        }
    }

    deinit {
        if let database { PostgresTestServer.dropDatabase(database) }
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    struct Result: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
        /// `knn --json`'s results: one `{query, neighbors}` per query.
        var knnResults: [[String: Any]] { (json as? [String: Any])?["results"] as? [[String: Any]] ?? [] }
    }

    /// A `latentdb` process for `args` on `store` (default: this harness's store), not started.
    func makeProcess(_ args: [String], withStore: Bool = true, store: String? = nil, environment extra: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = args
        // --db is a per-command option: put it after the subcommand path.
        if withStore {
            let split = args.firstIndex(where: { $0.hasPrefix("-") }) ?? args.count
            process.arguments = Array(args[..<split]) + ["--db", store ?? self.store] + Array(args[split...])
        }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LATENTDB_PATH")
        environment.removeValue(forKey: "LATENTDB_MAX_PAGE_COUNT")
        environment.merge(extra) { $1 }
        process.environment = environment
        return process
    }

    /// Starts `latentdb args…` in the background with its output discarded (for kill drills).
    func launch(_ args: [String], store: String? = nil) throws -> Process {
        let process = makeProcess(args, store: store)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `latentdb --db STORE args…`.
    @discardableResult
    func run(_ args: [String], withStore: Bool = true, store: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = makeProcess(args, withStore: withStore, store: store, environment: environment)
        // Files rather than pipes: no dead-lock on large output, no EINTR from pipe reads.
        let id = UUID().uuidString
        let outPath = path("stdout-\(id)"), errPath = path("stderr-\(id)")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close(); try? err.close()
            try? FileManager.default.removeItem(atPath: outPath); try? FileManager.default.removeItem(atPath: errPath)
        }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
    }

    /// Runs and requires success.
    @discardableResult
    func ok(_ args: [String], store: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let result = try run(args, store: store)
        #expect(result.status == 0, "[\(backend)] latentdb \(args.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    /// Runs, requires failure with `code` and a one-line message containing every fragment.
    func fails(_ args: [String], code: Int32 = 1, mentioning fragments: [String], environment: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(args, environment: environment)
        #expect(result.status == code, "[\(backend)] exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line on stderr, found: \(result.stderr)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    /// Everything a user can see of the store: spaces with versions, and anchors.
    func snapshot() throws -> String {
        try run(["ls", "--json"]).stdout + (try run(["anchors", "ls", "--json"]).stdout)
    }

    func writeNPY(_ m: Matrix<Float>, _ name: String) throws -> String {
        let p = path(name)
        try NPY.write(m, to: p)
        return p
    }

    func writeLines(_ lines: [String], _ name: String) throws -> String {
        let p = path(name)
        try (lines.joined(separator: "\n") + "\n").write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    /// Registers the bundled sample's three models.
    func registerSample(models: [String] = ["e5", "minilm", "glove50"]) throws {
        for model in models {
            try ok(["register", "\(model)/fortunes", "--embeddings", Self.sample.appendingPathComponent("\(model).npy").path,
                    "--keys", Self.sample.appendingPathComponent("keys.txt").path,
                    "--labels", Self.sample.appendingPathComponent("labels.txt").path,
                    "--split", Self.sample.appendingPathComponent("split.txt").path])
        }
    }
}

func seededMatrix(rows: Int, columns: Int, seed: UInt64) -> Matrix<Float> {
    var g = SeededGenerator(seed: seed)
    return Matrix(rows: rows, columns: columns, elements: (0..<rows * columns).map { _ in Float(Double(g.next() % 20001) / 10000 - 1) })
}
