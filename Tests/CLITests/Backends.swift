import Foundation
import Testing

/// Which store the CLI suites run against. Suites marked `.bothBackends` run each test once on
/// an SQLite file and, when `LATENTDB_TEST_POSTGRES` names a server, once more on a fresh
/// PostgreSQL database; `CLIHarness()` picks the backend of the pass it runs in.
enum Backend: String, Sendable, CustomStringConvertible {
    case sqlite, postgres

    @TaskLocal static var current: Backend = .sqlite

    var description: String { rawValue }
}

extension Tag {
    /// A test of the SQLite file itself (its bytes, its WAL): not run on PostgreSQL.
    @Tag static var sqliteOnly: Self
}

/// The PostgreSQL server the tests use: `LATENTDB_TEST_POSTGRES=<uri>` (what
/// `tools/pg-cluster start` prints; `.ci/run` sets it).
enum PostgresTestServer {
    static let variable = "LATENTDB_TEST_POSTGRES"

    static var uri: String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var available: Bool { uri != nil }

    static let skipReason: Comment = "LATENTDB_TEST_POSTGRES is not set: PostgreSQL tests need a server (tools/pg-cluster start prints its URI)"

    /// `uri` with its database (the path) replaced by `database`.
    static func uri(database: String, from base: String? = uri) -> String {
        var components = URLComponents(string: base!)!
        components.path = "/" + database
        return components.string!
    }

    /// `uri` logging in as `user`.
    static func uri(user: String, from base: String? = uri) -> String {
        var components = URLComponents(string: base!)!
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "user" } + [URLQueryItem(name: "user", value: user)]
        return components.string!
    }

    /// Runs SQL on the server's maintenance database through `psql`, outside the code under test.
    @discardableResult
    static func psql(_ sql: String, database: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        let target = database.map { uri(database: $0) } ?? uri!
        process.arguments = ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", sql]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PSQLFailed(description: "psql \(sql): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct PSQLFailed: Error, CustomStringConvertible { let description: String }

    /// A new, empty database; returns its name.
    static func createDatabase() throws -> String {
        let name = "latentdb_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql("CREATE DATABASE \(name)")
        return name
    }

    static func dropDatabase(_ name: String) {
        _ = try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

/// Runs each test of a suite on both backends (see ``Backend``).
struct BothBackends: SuiteTrait, TestTrait, TestScoping {
    /// Said once per run: the suites' PostgreSQL passes do not run, so that a green run on
    /// SQLite alone is never read as both backends passing.
    static let announceSkip: Void = print("◇ PostgreSQL passes of the .bothBackends suites skipped: \(PostgresTestServer.skipReason)")

    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> BothBackends? {
        testCase == nil ? nil : self
    }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await Backend.$current.withValue(.sqlite) { try await function() }
        guard PostgresTestServer.available else { return Self.announceSkip }
        guard !test.tags.contains(.sqliteOnly) else { return }
        try await Backend.$current.withValue(.postgres) { try await function() }
    }
}

extension Trait where Self == BothBackends {
    static var bothBackends: BothBackends { BothBackends() }
}
