import Foundation
import GRDB
import LatentCore

/// The embedded backend: a LatentDB store in one SQLite file in WAL mode (many readers, one
/// writer), through GRDB.
///
/// Every command runs in one transaction: `read` sees one consistent snapshot, `write` commits
/// all or nothing, so a failed or killed command leaves the store as it was.
public final class Store: StorageBackend {
    /// `PRAGMA application_id` of a LatentDB store: "LTDB".
    public static let applicationID: Int32 = 0x4C54_4442
    /// The newest schema version this build knows (`PRAGMA user_version`).
    public static var schemaVersion: Int { EmbeddedSchema.migrations.count }

    public let path: String
    private let pool: DatabasePool
    public var location: String { path }
    public var schemaVersion: Int { Self.schemaVersion }

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// Opens the store at `path`, creating it when `create` is true and the file does not exist.
    /// Applies pending schema migrations; refuses a file that is not a LatentDB store or whose
    /// format is newer than this build.
    public static func open(path: String, create: Bool) throws(StorageError) -> Store {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create {
            throw StorageError(.notFound, .noStore(path: path))
        }
        if exists { try checkSQLiteHeader(path: path) }
        do {
            if !exists || fileSize(path) == 0 { try createEmpty(path: path) }
            var config = Configuration()
            config.foreignKeysEnabled = true
            config.busyMode = .timeout(30)
            config.label = "latentdb"
            if let limit = try maxPageCountForTesting() {
                config.prepareDatabase { db in try db.execute(sql: "PRAGMA max_page_count = \(limit)") }
            }
            let pool = try DatabasePool(path: path, configuration: config)
            try pool.barrierWriteWithoutTransaction { db in try migrate(db, path: path) }
            return Store(path: path, pool: pool)
        } catch {
            throw StorageError.wrapping(error, path: path)
        }
    }

    /// Page size of new stores. Blocks are MiB-sized BLOBs: with 64 KiB pages a block spans 16
    /// times fewer overflow pages than with SQLite's default 4 KiB, so reads chase fewer pointers.
    /// It must be set before WAL mode is, hence the separate creation step.
    static let pageSize = 65536

    private static func createEmpty(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA page_size = \(pageSize)")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try migrate(db, path: path)
        }
        try queue.close()
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// The environment variable that caps the store's size in pages, for tests only.
    ///
    /// `LATENTDB_MAX_PAGE_COUNT=N` applies `PRAGMA max_page_count = N` to every connection, so a
    /// test can make a store hit SQLite's "database or disk is full" (`SQLITE_FULL`) without filling
    /// a disk. Not a user setting: it is undocumented in `--help` on purpose. SQLite never lowers
    /// the limit below the pages the file already has.
    public static let maxPageCountVariable = "LATENTDB_MAX_PAGE_COUNT"

    private static func maxPageCountForTesting() throws(StorageError) -> Int? {
        guard let text = ProcessInfo.processInfo.environment[maxPageCountVariable], !text.isEmpty else { return nil }
        guard let value = Int(text), value > 0 else {
            throw StorageError(.invalid, .maxPageCount(variable: maxPageCountVariable, value: text))
        }
        return value
    }

    /// SQLite would happily "open" any file and fail later; say what the file is up front.
    private static func checkSQLiteHeader(path: String) throws(StorageError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StorageError(.io, .storeUnreadable(path: path))
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty { return }  // an empty file becomes a new store
        if head != Data("SQLite format 3\0".utf8) {
            throw StorageError(.notAStore, .notAStore(path: path))
        }
    }

    private static func migrate(_ db: Database, path: String) throws {
        let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if appID != applicationID {
            guard appID == 0 && version == 0 && tableCount == 0 else {
                throw StorageError(.notAStore, .foreignDatabase(path: path, applicationID: appID, expected: applicationID))
            }
        }
        if version > schemaVersion {
            throw StorageError(.newerFormat, .storeNewer(path: path, version: version, supported: schemaVersion))
        }
        if version == schemaVersion { return }
        try db.execute(sql: "PRAGMA journal_mode = WAL")
        try db.inTransaction(.exclusive) {
            for (index, migration) in EmbeddedSchema.migrations.enumerated() where index >= version {
                try db.execute(sql: migration.sql)
            }
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = \(schemaVersion)")
            return .commit
        }
    }

    public func read<T>(_ body: (any StorageTransaction) throws -> T) throws -> T {
        try readSQLite(body)
    }

    public func write<T>(bulk: Bool, _ body: (any StorageTransaction) throws -> T) throws -> T {
        try writeSQLite(bulk: bulk, body)
    }

    /// Runs `body` in one read transaction: a consistent snapshot even while a writer commits.
    func readSQLite<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(StoreTransaction(db: db, path: path)) }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError.wrapping(error, path: path)
        }
    }

    /// Runs `body` in one immediate write transaction: all of it is committed, or none.
    ///
    /// `bulk`: the transaction writes hundreds of MB (a space's blocks); the WAL's pages are then
    /// handed to the disk as they are written (``WriteBehind``), so the commit's fsync waits
    /// for the last few MB instead of all of them. The commit is as durable either way.
    func writeSQLite<T>(bulk: Bool = false, _ body: (StoreTransaction) throws -> T) throws -> T {
        let writeBehind = bulk ? WriteBehind(walPath: path + "-wal") : nil
        defer { writeBehind?.finish() }
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(StoreTransaction(db: db, path: path))
                    return .commit
                }
                return result!
            }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError.wrapping(error, path: path)
        }
    }

    /// Schema as SQLite reports it (`sqlite_master`), for tests and `check`.
    public func schemaSQL() throws -> [String] {
        try readSQLite { tx in try tx.schemaSQL() }
    }

    /// SQLite's own integrity and foreign-key checks; empty when all is well.
    public func integrityProblems() throws -> [String] {
        try readSQLite { tx in
            var problems = try String.fetchAll(tx.db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let fk = try Row.fetchAll(tx.db, sql: "PRAGMA foreign_key_check")
            problems += fk.map { "foreign key violation in table \($0["table"] as String? ?? "?") row \($0["rowid"] as Int64? ?? -1)" }
            return problems
        }
    }

    public func storedBytes() throws -> Int {
        Self.fileSize(path)
    }

    /// Reclaims the space freed by removals.
    public func vacuum() throws {
        do {
            try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        } catch {
            throw StorageError.wrapping(error, path: path)
        }
    }
}
