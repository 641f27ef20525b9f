import Foundation
import LatentCore
import Testing

/// The PostgreSQL backend's and `copy`'s codes. Those that need a server are triggered through
/// the CLI on `LATENTDB_TEST_POSTGRES` (CI always sets it); without one they are built, and
/// PostgresBackendTests reports itself skipped.
extension ErrorCase {
    static let postgres: [ErrorCase] = [
        cli(.postgresPasswordInURI, ["holds a password", "PGPASSWORD", "~/.pgpass"], base: false) { _ in
            ["ls", "--db", "postgresql://alice:hunter2-secret@localhost/latent"]
        },
        cli(.postgresURI, ["invalid PostgreSQL URI"], base: false) { _ in ["ls", "--db", "postgresql://localhost/db?nosuchoption=1"] },
        cli(.copySameStore, ["both name", "two different stores"]) { cli in ["copy", "--from", cli.store, "--to", cli.store] },
        cli(.postgresConnect, ["cannot connect to PostgreSQL store postgresql://nohost.invalid/latent"], base: false) { _ in
            ["ls", "--db", "postgresql://nohost.invalid/latent?connect_timeout=5"]
        },
        server(.postgresAuthentication, ["cannot log in", "latentdb_password", "PGPASSWORD"],
               built: .postgresAuthentication(location: "postgresql:///latentdb", user: "latentdb_password", passwordGiven: true)) { uri in
            (["ls", "--db", PostgresTestServer.uri(user: "latentdb_password", from: uri)], ["PGPASSWORD": "wrong-password"])
        },
        server(.postgresUnknownDatabase, ["no database 'latentdb_absent'", "createdb"],
               built: .postgresUnknownDatabase(location: "postgresql:///latentdb_absent", database: "latentdb_absent")) { uri in
            (["ls", "--db", PostgresTestServer.uri(database: "latentdb_absent", from: uri)], [:])
        },
        // A server that goes away mid-command: PostgresFaultTests stops one mid-register.
        built(.postgresConnectionLost, ["lost the connection", "nothing was written"]) {
            .postgresConnectionLost(location: "postgresql:///latentdb", detail: "server closed the connection unexpectedly")
        },
        server(.postgresForeignDatabase, ["not a LatentDB store", "invoices"],
               built: .postgresForeignDatabase(location: "postgresql:///x", tables: ["invoices"])) { uri in
            let database = try PostgresTestServer.createDatabase()
            try PostgresTestServer.psql("CREATE TABLE invoices (id int)", database: database)
            return (["ls", "--db", PostgresTestServer.uri(database: database, from: uri)], [:])
        },
        cli(.copyTargetNotEmpty, ["already holds", "6 spaces", "empty store only"], base: false) { cli in
            ["copy", "--from", cli.store, "--to", cli.store.replacingOccurrences(of: "test.db", with: "copy.db")]
        }.copying(),
    ]

    /// `latentdb args…` against the test server; a built diagnostic when there is none.
    static func server(_ code: ErrorCode, _ fragments: [String], built diagnostic: Diagnostic,
                       _ args: @escaping @Sendable (String) throws -> ([String], [String: String])) -> ErrorCase {
        ErrorCase(code: code, fragments: fragments) { cli in
            guard let uri = PostgresTestServer.uri else { return .built(diagnostic) }
            let (arguments, environment) = try args(uri)
            return .cli(try cli.run(arguments, withStore: false, environment: environment.merging(["PGPASSFILE": "/nonexistent"]) { $1 }))
        }
    }

    /// The case run after the shared store was copied into `copy.db` too (a non-empty destination).
    func copying() -> ErrorCase {
        ErrorCase(code: code, fragments: fragments) { [trigger] cli in
            try SharedStore.copy(to: cli)
            let copy = cli.store.replacingOccurrences(of: "test.db", with: "copy.db")
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: cli.store + suffix) {
                try FileManager.default.copyItem(atPath: cli.store + suffix, toPath: copy + suffix)
            }
            return try trigger(cli)
        }
    }
}
