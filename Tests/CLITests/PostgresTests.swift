import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// What only the PostgreSQL backend has: its schema files, its server, its connection
/// failures, and `copy` between backends. The command suites themselves run on PostgreSQL
/// through `.bothBackends`.
@Suite(.enabled(if: PostgresTestServer.available, PostgresTestServer.skipReason))
struct PostgresBackendTests {
    /// Columns, constraints, indexes and storage of the current schema, as the server reports them.
    static let describeSchema = """
        SELECT line FROM (
          SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
                 coalesce(column_default, '') || ' ' || is_identity AS line
          FROM information_schema.columns WHERE table_schema = 'public'
          UNION ALL
          SELECT conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
          UNION ALL
          SELECT tablename || ' ' || regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') FROM pg_indexes WHERE schemaname = 'public'
          UNION ALL
          SELECT c.relname || '.' || a.attname || ' storage ' || a.attstorage::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        ) s ORDER BY line
        """

    @Test func freshStoreSchemaIsWhatTheFilesDefine() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: CLIHarness.repositoryRoot.appendingPathComponent("schema/postgres").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count >= 2)
        let reference = try PostgresTestServer.createDatabase()
        defer { PostgresTestServer.dropDatabase(reference) }
        for file in files {
            let sql = try String(contentsOf: CLIHarness.repositoryRoot.appendingPathComponent("schema/postgres/\(file)"), encoding: .utf8)
            try PostgresTestServer.psql(sql, database: reference)
        }
        let cli = try CLIHarness(backend: .postgres)
        try cli.ok(["init"])
        let database = try #require(URLComponents(string: cli.store)?.path.dropFirst()).description
        let expected = try PostgresTestServer.psql(Self.describeSchema, database: reference)
        #expect(expected.split(separator: "\n").count > 100)
        #expect(try PostgresTestServer.psql(Self.describeSchema, database: database) == expected)
        #expect(try PostgresTestServer.psql("SELECT version FROM latentdb_schema", database: database) == "\(files.count)")
        #expect(try PostgresTestServer.psql("SELECT attstorage FROM pg_attribute WHERE attrelid = 'block'::regclass AND attname = 'data'",
                                            database: database) == "e", "blocks are LZ4 already: stored without pglz")
    }

    @Test func clientsOpeningANewDatabaseAtOnceDoNotRace() throws {
        let cli = try CLIHarness(backend: .postgres)
        let processes = try (0..<6).map { _ in
            let process = cli.makeProcess(["init"])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.map(\.terminationStatus) == Array(repeating: 0, count: processes.count))
        try cli.ok(["check"])
    }

    /// Writers from several processes take turns (one advisory lock per store): none fails,
    /// none is lost, each space holds exactly its own file's bytes.
    @Test func concurrentWritersLoseNoUpdate() throws {
        let cli = try CLIHarness(backend: .postgres)
        try cli.ok(["init"])
        let files = try (0..<4).map { try cli.writeNPY(seededMatrix(rows: 6_000, columns: 64, seed: UInt64(40 + $0)), "w\($0).npy") }
        let processes = try files.enumerated().map { i, file in
            let process = cli.makeProcess(["register", "w\(i)/d\(i)", "--embeddings", file])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.map(\.terminationStatus) == [0, 0, 0, 0])
        let listed = try #require(try cli.ok(["ls", "--json"]).json as? [[String: Any]])
        #expect(listed.count == 4, "\(listed)")
        for (i, file) in files.enumerated() {
            let out = cli.path("w\(i)-out.npy")
            try cli.ok(["export", "w\(i)/d\(i)", "--output", out])
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: file)))
        }
    }

    @Test func aDatabaseWithOtherTablesIsRefused() throws {
        let cli = try CLIHarness(backend: .postgres)
        let database = try #require(URLComponents(string: cli.store)?.path.dropFirst()).description
        try PostgresTestServer.psql("CREATE TABLE invoices (id int)", database: database)
        try cli.fails(["init"], code: 3, mentioning: ["E0354", "invoices", "not a LatentDB store"])
        #expect(try PostgresTestServer.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: database) == "1")
    }

    @Test func aNewerSchemaIsRefused() throws {
        let cli = try CLIHarness(backend: .postgres)
        try cli.ok(["init"])
        let database = try #require(URLComponents(string: cli.store)?.path.dropFirst()).description
        try PostgresTestServer.psql("UPDATE latentdb_schema SET version = 99", database: database)
        try cli.fails(["ls"], code: 3, mentioning: ["E0305", "format version 99", "upgrade latentdb"])
    }

    @Test func aWrongPasswordIsOneLineWithoutThePassword() throws {
        let cli = try CLIHarness(backend: .postgres)
        let secret = "not-the-password-\(UInt32.random(in: 0...UInt32.max))"
        for environment in [["PGPASSWORD": secret], [:]] {
            let result = try cli.run(["ls"], store: PostgresTestServer.uri(user: "latentdb_password", from: cli.store), environment: environment.merging(["PGPASSFILE": "/nonexistent"]) { $1 })
            #expect(result.status == 3)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("E0351") && result.stderr.contains("latentdb_password"), "\(result.stderr)")
            #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
        }
    }

    @Test func anUnknownDatabaseIsOneLine() throws {
        let cli = try CLIHarness(backend: .sqlite)
        let uri = PostgresTestServer.uri(database: "latentdb_no_such_database")
        let result = try cli.run(["ls"], store: uri)
        #expect(result.status == 3)
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("E0352"), "\(result.stderr)")
        #expect(result.stderr.contains("latentdb_no_such_database"))
    }

    @Test func copyRoundTripsTheSampleBitExactly() throws {
        let file = try CLIHarness(backend: .sqlite)
        try file.registerSample()
        try file.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500", "--seed", "0"])
        try file.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--method", "ortho"])
        try file.ok(["classify", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "--decoder", "linear"])
        try file.ok(["hub", "create", "h3", "--spaces", "e5/fortunes,minilm/fortunes,glove50/fortunes", "--anchors", "a500"])
        try file.ok(["index", "create", "minilm/fortunes", "--lists", "16", "--seed", "1"])
        let server = try CLIHarness(backend: .postgres)
        let back = file.path("back.db")
        let there = try file.run(["copy", "--from", file.store, "--to", server.store, "--json"], withStore: false)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(try file.run(["copy", "--from", server.store, "--to", back], withStore: false).status == 0)

        func view(_ store: String) throws -> [String] {
            try [["ls", "--json"], ["anchors", "ls", "--json"], ["translators", "ls", "--json"], ["hub", "ls", "--json"],
                  ["index", "ls", "--json"]].map {
                let result = try file.run($0, store: store)
                #expect(result.status == 0, "\(result.stderr)")
                return result.stdout
            }
        }
        let original = try view(file.store)
        #expect(try view(server.store) == original)
        #expect(try view(back) == original)
        for model in ["e5", "minilm", "glove50"] {
            let exported = file.path("\(model)-back.npy")
            try file.ok(["export", "\(model)/fortunes", "--output", exported], store: back)
            let fromServer = file.path("\(model)-server.npy")
            try file.ok(["export", "\(model)/fortunes", "--output", fromServer], store: server.store)
            let registered = try Data(contentsOf: CLIHarness.sample.appendingPathComponent("\(model).npy"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == registered, "\(model) changed on the way")
            #expect(try Data(contentsOf: URL(fileURLWithPath: fromServer)) == registered, "\(model) changed on the server")
        }
        // The translator fitted on the file store is a cache hit on the server.
        let refit = try file.run(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--method", "ortho"], store: server.store)
        #expect(refit.stdout.contains("(from the cache)"), "\(refit.stdout)")
        // The copied index is current there, and answers as it did here.
        let query = ["knn", "--from", "minilm/fortunes", "--to", "minilm/fortunes", "--key", "3", "--key", "4", "-k", "5", "--nprobe", "4", "--json"]
        let here = try file.ok(query).stdout
        #expect(here.contains("\"indexed\""), "\(here)")
        #expect(try file.ok(query, store: server.store).stdout == here)
        #expect(try file.ok(query, store: back).stdout == here)
        try file.ok(["check"], store: server.store)
        // Into a store that holds something: refused, nothing written.
        try file.fails(["copy", "--from", back, "--to", server.store], code: 3, mentioning: ["E0355", "3 spaces"])
    }
}
