import Foundation
import GRDB
import LatentCore
import Testing
@testable import Storage

/// A fresh temporary directory per test, removed afterwards.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("latentdb-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct SchemaTests {
    @Test func embeddedMigrationsAreTheSchemaFiles() throws {
        let folder = repositoryRoot.appendingPathComponent("schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedSchema.migrations.map(\.name), "run tools/embed-schema after editing schema/")
        for (file, migration) in zip(files, EmbeddedSchema.migrations) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(text == migration.sql + "\n", "\(file) differs from the embedded copy: run tools/embed-schema")
        }
    }

    @Test func embeddedPostgresMigrationsAreTheSchemaFiles() throws {
        let folder = repositoryRoot.appendingPathComponent("schema/postgres")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedPostgresSchema.migrations.map(\.name), "run tools/embed-schema after editing schema/postgres/")
        #expect(files.count == EmbeddedSchema.migrations.count, "each SQLite migration has its PostgreSQL twin")
        for (file, migration) in zip(files, EmbeddedPostgresSchema.migrations) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(text == migration.sql + "\n", "\(file) differs from the embedded copy: run tools/embed-schema")
        }
    }

    @Test func locationsChooseTheBackend() {
        #expect(PostgresStore.isPostgresLocation("postgresql:///latent?host=/tmp/x"))
        #expect(PostgresStore.isPostgresLocation("postgres://team@db.example.org/latent"))
        #expect(!PostgresStore.isPostgresLocation("./latent.db"))
        #expect(!PostgresStore.isPostgresLocation("postgresql.db"))
    }

    @Test func freshStoreSchemaEqualsTheFiles() throws {
        let dir = try TemporaryDirectory()
        let store = try Store.open(path: dir.path("a.db"), create: true)
        // Apply the files directly to an in-memory database and compare sqlite_master.
        let reference = try DatabaseQueue()
        let folder = repositoryRoot.appendingPathComponent("schema")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".sql") }).sorted() {
            try reference.write { try $0.execute(sql: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)) }
        }
        let expected = try reference.read {
            try String.fetchAll($0, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name")
        }
        #expect(try store.schemaSQL() == expected)
        #expect(expected.count >= 9)
    }

    @Test func reopeningKeepsDataAndVersion() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("a.db")
        _ = try Store.open(path: path, create: true)
        let again = try Store.open(path: path, create: false)
        #expect(try again.readSQLite { try Int.fetchOne($0.db, sql: "PRAGMA user_version") } == Store.schemaVersion)
        #expect(try again.readSQLite { try Int32.fetchOne($0.db, sql: "PRAGMA application_id") } == Store.applicationID)
        #expect(try again.readSQLite { try String.fetchOne($0.db, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try again.readSQLite { try Bool.fetchOne($0.db, sql: "PRAGMA foreign_keys") } == true)
    }
}

@Suite struct OpeningFaultTests {
    @Test func missingStoreWithoutCreateIsNotFound() throws {
        let dir = try TemporaryDirectory()
        #expect { try Store.open(path: dir.path("none.db"), create: false) } throws: {
            ($0 as? StorageError)?.kind == .notFound && "\($0)".contains("latentdb init")
        }
    }

    @Test func fileThatIsNotSQLite() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("text.db")
        try Data("hello, this is not a database at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try Store.open(path: path, create: true) } throws: {
            ($0 as? StorageError)?.kind == .notAStore && "\($0)".contains(path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("hello, this is not a database at all".utf8))
    }

    @Test func sqliteDatabaseOfAnotherApplication() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("other.db")
        let other = try DatabaseQueue(path: path)
        try other.write { try $0.execute(sql: "CREATE TABLE notes (body TEXT)") }
        try other.close()
        #expect { try Store.open(path: path, create: true) } throws: {
            ($0 as? StorageError)?.kind == .notAStore && "\($0)".contains("not a LatentDB store")
        }
    }

    @Test func newerFormatVersionIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("new.db")
        _ = try Store.open(path: path, create: true)
        let raw = try DatabaseQueue(path: path)
        try raw.writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = \(Store.schemaVersion + 1)") }
        try raw.close()
        #expect { try Store.open(path: path, create: false) } throws: {
            ($0 as? StorageError)?.kind == .newerFormat && "\($0)".contains("newer than this build")
        }
    }
}

@Suite struct TransactionTests {
    struct Boom: Error {}

    func newSpace(_ name: String, rows: Int = 2) throws -> NewSpace {
        NewSpace(name: try SpaceName(parsing: name), rowCount: rows, dimension: 3, sourceDType: "<f4", codec: "lz4",
                 blockRows: 1024, provenance: nil, libraryVersion: "test")
    }

    @Test func failedWriteLeavesNothing() throws {
        let dir = try TemporaryDirectory()
        let store = try Store.open(path: dir.path("a.db"), create: true)
        #expect(throws: Boom.self) {
            try store.write { tx in
                let dataset = try tx.createDataset(name: "d", items: [ItemRecord(key: "a", label: nil, split: nil)], keysHash: "h")
                _ = try tx.beginSpace(try newSpace("m/d", rows: 1), datasetID: dataset.id)
                throw Boom()
            }
        }
        #expect(try store.read { try $0.spaces() }.isEmpty)
        #expect(try store.read { try $0.dataset(named: "d") } == nil)
    }

    @Test func schemaRejectsInconsistentRows() throws {
        let dir = try TemporaryDirectory()
        let store = try Store.open(path: dir.path("a.db"), create: true)
        // raw_bytes must equal rows × dim × 4: the CHECK constraint is the last line of defence.
        #expect(throws: (any Error).self) {
            try store.writeSQLite { tx in
                let dataset = try tx.createDataset(name: "d", items: [], keysHash: "h")
                try tx.db.execute(sql: """
                    INSERT INTO model (name, created_at) VALUES ('m', 'now');
                    INSERT INTO space (model_id, dataset_id, row_count, dim, element_type, source_dtype, codec, block_rows,
                      raw_bytes, stored_bytes, version, created_at, library_version)
                    VALUES (1, \(dataset.id), 2, 3, 'float32', '<f4', 'lz4', 1, 999, 0, 'v', 'now', 'x')
                    """)
            }
        }
        #expect(throws: (any Error).self) {
            try store.write { tx in
                _ = try tx.createDataset(name: "d2", items: [ItemRecord(key: "a", label: nil, split: nil), ItemRecord(key: "a", label: nil, split: nil)], keysHash: "h")
            }
        }
    }

    @Test func removingTheLastSpaceRemovesItsDatasetAndAnchors() throws {
        let dir = try TemporaryDirectory()
        let store = try Store.open(path: dir.path("a.db"), create: true)
        try store.write { tx in
            let dataset = try tx.createDataset(name: "d", items: [ItemRecord(key: "a", label: "x", split: nil), ItemRecord(key: "b", label: "y", split: nil)], keysHash: "h")
            for name in ["m1/d", "m2/d"] {
                let id = try tx.beginSpace(try newSpace(name), datasetID: dataset.id)
                try tx.appendBlock(spaceID: id, location: BlockLocation(index: 0, firstRow: 0, rowCount: 2), data: [1, 2, 3])
                try tx.finishSpace(spaceID: id, storedBytes: 3, version: "v-\(name)")
            }
            _ = try tx.createAnchorSet(NewAnchorSet(name: "a1", sourceDatasetID: dataset.id, targetDatasetID: dataset.id,
                                                    sourceSpace: "m1/d", targetSpace: "m2/d", sampler: "file", options: "{}",
                                                    hash: "h", pairs: [("a", "a"), ("b", "b")]))
        }
        let first = try store.read { try $0.space(try SpaceName(parsing: "m1/d")) }
        #expect(try store.write { try $0.removeSpace(first) } == false)
        #expect(try store.read { try $0.anchorSets().count } == 1)
        let second = try store.read { try $0.space(try SpaceName(parsing: "m2/d")) }
        #expect(try store.write { try $0.removeSpace(second) } == true)
        #expect(try store.read { try $0.anchorSets().count } == 0)
        #expect(try store.readSQLite { try Int.fetchOne($0.db, sql: "SELECT count(*) FROM block") } == 0)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func unknownSpaceListsKnownOnes() throws {
        let dir = try TemporaryDirectory()
        let store = try Store.open(path: dir.path("a.db"), create: true)
        #expect { try store.read { try $0.space(try SpaceName(parsing: "x/y")) } } throws: {
            ($0 as? StorageError)?.kind == .notFound && "\($0)".contains("unknown space 'x/y'")
        }
    }

    @Test func translatorIDPrefixes() throws {
        let dir = try TemporaryDirectory()
        let store = try Store.open(path: dir.path("a.db"), create: true)
        func record(_ fingerprint: String) -> TranslatorRecord {
            TranslatorRecord(fingerprint: fingerprint, sourceModel: "a", targetModel: "b", sourceSpace: "a/d", targetSpace: "b/d",
                             sourceVersion: "1", targetVersion: "2", anchorHash: "h", anchorName: "n", anchorCount: 2,
                             estimator: "ortho", scaling: "standard", options: "{}", sourceDimension: 3, targetDimension: 4,
                             parameters: [9, 8, 7], report: "{}", origin: "fitted", createdAt: "now", libraryVersion: "t")
        }
        try store.write { tx in
            try tx.saveTranslator(record("abc123"))
            try tx.saveTranslator(record("abd456"))
        }
        #expect(try store.read { try $0.translator(matching: "abc") }.parameters == [9, 8, 7])
        #expect { try store.read { try $0.translator(matching: "ab") } } throws: { "\($0)".contains("ambiguous") }
        #expect { try store.read { try $0.translator(matching: "zz") } } throws: { ($0 as? StorageError)?.kind == .notFound }
        #expect { try store.read { try $0.translator(matching: "a_") } } throws: { _ in true }
    }
}
