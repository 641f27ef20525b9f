import Foundation
import LatentCore
import Testing

/// Faults only a server has: the client killed mid-register, the server stopped mid-register.
/// Either way the transaction is rolled back: no partial space, ever.
@Suite(.serialized, .enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresFaultTests {
    /// 40,000 × 384 float32 (61 MB): long enough to interrupt on a loaded machine.
    static func bigFile(_ cli: CLIHarness) throws -> String {
        try cli.writeNPY(seededMatrix(rows: 40_000, columns: 384, seed: 13), "big.npy")
    }

    /// What `ls --json` says of space `name` (nil: absent).
    static func space(_ name: String, in cli: CLIHarness, store: String? = nil) throws -> [String: Any]? {
        let result = try cli.run(["ls", "--json"], store: store)
        #expect(result.status == 0, "\(result.stderr)")
        let spaces = result.json as? [[String: Any]] ?? []
        return spaces.first { $0["space"] as? String == name || $0["name"] as? String == name }
    }

    @Test func clientKilledMidRegisterLeavesNothingPartial() throws {
        let cli = try CLIHarness(backend: .postgres)
        let file = try Self.bigFile(cli)
        try cli.ok(["init"])
        var interrupted = 0
        for delay in [0.4, 0.8, 1.5] {
            let process = try cli.launch(["register", "m/big", "--embeddings", file, "--replace"])
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                interrupted += 1
            }
            process.waitUntilExit()
            if let found = try Self.space("m/big", in: cli) {
                #expect(found["rows"] as? Int == 40_000, "a partial space after kill -9 at \(delay) s: \(found)")
            }
        }
        #expect(interrupted > 0, "every register finished before its kill: the drill tested nothing")
        try cli.ok(["check"])
    }

    @Test func serverStoppedMidRegisterIsOneLineAndNothingPartial() throws {
        let cluster = try Self.pgCluster(["start"])
        defer { _ = try? Self.pgCluster(["stop", cluster]) }
        let cli = try CLIHarness(backend: .sqlite)
        let file = try Self.bigFile(cli)
        try cli.ok(["init"], store: cluster)
        let process = cli.makeProcess(["register", "m/big", "--embeddings", file], store: cluster)
        let errorPath = cli.path("register-stderr.txt")
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? errors.close() }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        Thread.sleep(forTimeInterval: 0.6)
        let dataDirectory = try #require(URLComponents(string: cluster)?.queryItems?.first { $0.name == "host" }?.value) + "/data"
        try Self.asClusterOwner(["/usr/lib/postgresql/15/bin/pg_ctl", "-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        process.waitUntilExit()
        let stderr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errorPath)), as: UTF8.self)
        if process.terminationStatus != 0 {
            #expect(process.terminationStatus == 3, "\(stderr)")
            #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
            #expect(stderr.contains("E0353") || stderr.contains("E0350"), "\(stderr)")
        }
        _ = try Self.pgCluster(["restart", cluster])
        if process.terminationStatus != 0 {
            #expect(try Self.space("m/big", in: cli, store: cluster) == nil, "a partial space survived the server's crash")
        }
        try cli.ok(["check"], store: cluster)
    }

    /// Runs `tools/pg-cluster args…` and returns what it printed.
    static func pgCluster(_ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = CLIHarness.repositoryRoot.appendingPathComponent("tools/pg-cluster")
        process.arguments = args
        // A file, not a pipe: the server it starts would inherit the pipe and hold it open.
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("pg-cluster-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        defer { try? out.close() }
        process.standardOutput = out
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PostgresTestServer.PSQLFailed(description: "pg-cluster \(args) failed") }
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func asClusterOwner(_ command: [String]) throws {
        let process = Process()
        let root = getuid() == 0
        process.executableURL = URL(fileURLWithPath: root ? "/usr/sbin/runuser" : command[0])
        process.arguments = root ? ["-u", "postgres", "--"] + command : Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }
}
