import Foundation
import LatentCore

/// The shared backend: a LatentDB store in a PostgreSQL database, through libpq.
///
/// The same tables as the SQLite store (`schema/postgres/`), the same block bytes (`bytea`).
/// Reads run in `REPEATABLE READ READ ONLY` transactions: one snapshot per command, never
/// blocked by a writer (MVCC). Writes take a store-wide transaction-scoped advisory lock first,
/// so writers from any number of hosts run one at a time, as SQLite's do: no update is lost and
/// no transaction has to be retried. A killed client or a stopped server rolls the open
/// transaction back; nothing partial is ever visible.
public final class PostgresStore: StorageBackend, @unchecked Sendable {
    public let location: String
    public var schemaVersion: Int { Self.schemaVersion }
    /// The newest schema version this build knows.
    public static var schemaVersion: Int { EmbeddedPostgresSchema.migrations.count }

    private let connection: PGConnection
    /// libpq connections are not thread-safe: one transaction at a time.
    private let lock = NSLock()

    /// `pg_advisory_lock` keys: "LTDB", then 1 for migrations and 2 for writers.
    static let lockNamespace: Int32 = 0x4C54_4442
    static let migrationLock: Int32 = 1
    static let writerLock: Int32 = 2
    /// How long a writer waits for another (SQLite's busy timeout is the same).
    static let writerWait = "30s"

    private init(location: String, connection: PGConnection) {
        self.location = location
        self.connection = connection
    }

    /// `postgresql://…` and `postgres://…` (libpq's URI prefixes).
    public static func isPostgresLocation(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    /// Connects and applies pending migrations under a session advisory lock, so that two
    /// clients opening a new database at once do not race. Refuses a database that holds other
    /// tables but no LatentDB schema, and a schema newer than this build.
    public static func open(uri: String, create: Bool) throws(StorageError) -> PostgresStore {
        let connection = try PGConnection.open(uri: uri)
        try connection.query("SELECT pg_advisory_lock($1, $2)", [.int(Int(lockNamespace)), .int(Int(migrationLock))])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1, $2)", [.int(Int(lockNamespace)), .int(Int(migrationLock))]) }
        let version = try storedVersion(connection, uri: uri, create: create)
        if version > schemaVersion {
            throw StorageError(.newerFormat, .storeNewer(path: uri, version: version, supported: schemaVersion))
        }
        if version < schemaVersion {
            try connection.execute("BEGIN")
            do {
                for migration in EmbeddedPostgresSchema.migrations[version...] { try connection.execute(migration.sql) }
                try connection.query("""
                    INSERT INTO latentdb_schema (singleton, version) VALUES (TRUE, $1)
                    ON CONFLICT (singleton) DO UPDATE SET version = excluded.version
                    """, [.int(schemaVersion)])
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
        return PostgresStore(location: uri, connection: connection)
    }

    /// The schema version the database holds (0: none yet, and the database may receive one).
    private static func storedVersion(_ connection: PGConnection, uri: String, create: Bool) throws(StorageError) -> Int {
        let marker = try connection.query("SELECT to_regclass('latentdb_schema') IS NOT NULL AS present")
        if marker.bytes(0, "present").first == 1 {
            let row = try connection.query("SELECT version FROM latentdb_schema")
            return row.count == 0 ? 0 : row.int(0, "version")
        }
        let tables = try connection.query("""
            SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename
            """)
        guard tables.count == 0 else {
            throw StorageError(.notAStore, .postgresForeignDatabase(location: uri, tables: (0..<tables.count).map { tables.text($0, "tablename") }))
        }
        guard create else { throw StorageError(.notFound, .noStore(path: uri)) }
        return 0
    }

    public func read<T>(_ body: (any StorageTransaction) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", body)
    }

    public func write<T>(bulk: Bool, _ body: (any StorageTransaction) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL READ COMMITTED", writer: true, body)
    }

    private func transaction<T>(_ begin: String, writer: Bool = false, _ body: (any StorageTransaction) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        try connection.execute(begin)
        do {
            if writer {
                try connection.query("SELECT set_config('lock_timeout', $1, true)", [.text(Self.writerWait)])
                try connection.query("SELECT pg_advisory_xact_lock($1, $2)", [.int(Int(Self.lockNamespace)), .int(Int(Self.writerLock))])
            }
            let result = try body(PostgresTransaction(connection: connection))
            try connection.execute("COMMIT")
            return result
        } catch {
            connection.abandon()
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// `VACUUM` of the store's tables (it cannot run inside a transaction).
    public func vacuum() throws {
        lock.lock()
        defer { lock.unlock() }
        try connection.execute("VACUUM")
    }

    /// PostgreSQL checks constraints and foreign keys on every write, so there is nothing to
    /// scan for here; the blocks' own checksums are verified by `check` as for SQLite.
    public func integrityProblems() throws -> [String] { [] }

    public func storedBytes() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        let result = try connection.query("""
            SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'
            """)
        return result.int(0, "bytes")
    }
}

/// The PostgreSQL store as seen inside one transaction.
struct PostgresTransaction: StorageTransaction {
    let connection: PGConnection
    var location: String { connection.location }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }

    // MARK: Spaces

    private static let spaceQuery = """
        SELECT s.id, m.name AS model_name, d.name AS dataset_name, s.dataset_id, s.row_count, s.dim, s.source_dtype, s.codec,
            s.block_rows, s.raw_bytes, s.stored_bytes, s.version, s.provenance, s.created_at, s.library_version
        FROM space s JOIN model m ON m.id = s.model_id JOIN dataset d ON d.id = s.dataset_id
        """

    private static func spaces(_ r: PGResult) throws -> [SpaceRecord] {
        try (0..<r.count).map { i in
            SpaceRecord(
                id: r.int64(i, "id"), name: try SpaceName(model: r.text(i, "model_name"), dataset: r.text(i, "dataset_name")),
                datasetID: r.int64(i, "dataset_id"), rowCount: r.int(i, "row_count"), dimension: r.int(i, "dim"),
                sourceDType: r.text(i, "source_dtype"), codec: r.text(i, "codec"), blockRows: r.int(i, "block_rows"),
                rawBytes: r.int(i, "raw_bytes"), storedBytes: r.int(i, "stored_bytes"), version: r.text(i, "version"),
                provenance: r.optionalText(i, "provenance"), createdAt: r.text(i, "created_at"),
                libraryVersion: r.text(i, "library_version"))
        }
    }

    func spaces() throws -> [SpaceRecord] {
        // COLLATE "C": the byte order SQLite sorts by, so `ls` lists the same order on both.
        try Self.spaces(connection.query(Self.spaceQuery + #" ORDER BY m.name COLLATE "C", d.name COLLATE "C""#))
    }

    func findSpace(_ name: SpaceName) throws -> SpaceRecord? {
        try Self.spaces(connection.query(Self.spaceQuery + " WHERE m.name = $1 AND d.name = $2",
                                         [.text(name.model), .text(name.dataset)])).first
    }

    // MARK: Datasets and items

    private static func datasets(_ r: PGResult) -> [DatasetRecord] {
        (0..<r.count).map { DatasetRecord(id: r.int64($0, "id"), name: r.text($0, "name"), itemCount: r.int($0, "item_count"),
                                          keysHash: r.text($0, "keys_hash")) }
    }

    private static func items(_ r: PGResult) -> [ItemRecord] {
        (0..<r.count).map { ItemRecord(key: r.text($0, "key"), label: r.optionalText($0, "label"), split: r.optionalText($0, "split")) }
    }

    func dataset(named name: String) throws -> DatasetRecord? {
        Self.datasets(try connection.query("SELECT id, name, item_count, keys_hash FROM dataset WHERE name = $1", [.text(name)])).first
    }

    func dataset(id: Int64) throws -> DatasetRecord {
        guard let record = Self.datasets(try connection.query("SELECT id, name, item_count, keys_hash FROM dataset WHERE id = $1",
                                                              [.int(Int(id))])).first else {
            throw StorageError(.corrupt, .storeInconsistent(path: location, .datasetMissing(id: id)))
        }
        return record
    }

    func items(datasetID: Int64) throws -> [ItemRecord] {
        Self.items(try connection.query("SELECT key, label, split FROM item WHERE dataset_id = $1 ORDER BY row", [.int(Int(datasetID))]))
    }

    /// A PostgreSQL array literal of `values` (`{"a","b",NULL}`), bound as one text parameter.
    static func arrayLiteral(_ values: [String?]) -> String {
        "{" + values.map { value in
            guard let value else { return "NULL" }
            return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }

    func rows(ofKeys keys: [String], datasetID: Int64) throws -> [Int?] {
        // One statement for all keys (unnest keeps their order), by index lookups.
        let r = try connection.query("""
            SELECT q.ord, i.row FROM unnest($2::text[]) WITH ORDINALITY AS q(key, ord)
            LEFT JOIN item i ON i.dataset_id = $1 AND i.key = q.key ORDER BY q.ord
            """, [.int(Int(datasetID)), .text(Self.arrayLiteral(keys))])
        return (0..<r.count).map { r.isNull($0, "row") ? nil : r.int($0, "row") }
    }

    func items(datasetID: Int64, rows: [Int]) throws -> [ItemRecord] {
        let r = try connection.query("""
            SELECT q.ord, q.row AS wanted, i.row, i.key, i.label, i.split FROM unnest($2::bigint[]) WITH ORDINALITY AS q(row, ord)
            LEFT JOIN item i ON i.dataset_id = $1 AND i.row = q.row ORDER BY q.ord
            """, [.int(Int(datasetID)), .text("{" + rows.map(String.init).joined(separator: ",") + "}")])
        return try (0..<r.count).map { i in
            if r.isNull(i, "row") {
                throw StorageError(.corrupt, .storeInconsistent(path: location, .itemMissing(datasetID: datasetID, row: r.int(i, "wanted"))))
            }
            return ItemRecord(key: r.text(i, "key"), label: r.optionalText(i, "label"), split: r.optionalText(i, "split"))
        }
    }

    func createDataset(name: String, items: [ItemRecord], keysHash: String) throws -> DatasetRecord {
        let r = try connection.query("""
            INSERT INTO dataset (name, item_count, keys_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id
            """, [.text(name), .int(items.count), .text(keysHash), .text(Self.timestamp())])
        let id = r.int(0, "id")
        // Binary COPY: 100,000 items in one round trip, no per-row statements, sent as they are built.
        try connection.beginCopy("COPY item (dataset_id, row, key, label, split) FROM STDIN (FORMAT binary)")
        var copy = PGCopyBuffer()
        for (row, item) in items.enumerated() {
            copy.beginRow(fields: 5)
            copy.int(id)
            copy.int(row)
            copy.text(item.key)
            copy.text(item.label)
            copy.text(item.split)
            if copy.isFull { try connection.putCopyData(&copy) }
        }
        try connection.putCopyData(&copy)
        try connection.endCopy()
        return DatasetRecord(id: Int64(id), name: name, itemCount: items.count, keysHash: keysHash)
    }

    func updateItemAnnotations(datasetID: Int64, labels: [String?]?, splits: [String?]?) throws {
        for (column, values) in [("label", labels), ("split", splits)] {
            guard let values else { continue }
            // The column name is one of two constants; the values are one bound array.
            try connection.query("""
                UPDATE item SET \(column) = u.value FROM unnest($2::text[]) WITH ORDINALITY AS u(value, ord)
                WHERE item.dataset_id = $1 AND item.row = u.ord - 1 AND item.\(column) IS DISTINCT FROM u.value
                """, [.int(Int(datasetID)), .text(Self.arrayLiteral(values))])
        }
    }

    // MARK: Writing spaces

    private func modelID(named name: String) throws -> Int {
        let found = try connection.query("SELECT id FROM model WHERE name = $1", [.text(name)])
        if found.count > 0 { return found.int(0, "id") }
        return try connection.query("INSERT INTO model (name, created_at) VALUES ($1, $2) RETURNING id",
                                    [.text(name), .text(Self.timestamp())]).int(0, "id")
    }

    func beginSpace(_ new: NewSpace, datasetID: Int64) throws -> Int64 {
        let model = try modelID(named: new.name.model)
        let r = try connection.query("""
            INSERT INTO space (model_id, dataset_id, row_count, dim, element_type, source_dtype, codec, block_rows,
                raw_bytes, stored_bytes, version, provenance, created_at, library_version)
            VALUES ($1, $2, $3, $4, 'float32', $5, $6, $7, $8, 0, '', $9, $10, $11) RETURNING id
            """, [.int(model), .int(Int(datasetID)), .int(new.rowCount), .int(new.dimension), .text(new.sourceDType),
                  .text(new.codec), .int(new.blockRows), .int(new.rowCount * new.dimension * 4), .text(new.provenance),
                  .text(new.createdAt ?? Self.timestamp()), .text(new.libraryVersion)])
        return r.int64(0, "id")
    }

    static let blockCopy = "COPY block (space_id, idx, first_row, row_count, data) FROM STDIN (FORMAT binary)"

    /// Blocks stream into one binary COPY, which the next other statement ends (`finishSpace`
    /// at the latest, inside the transaction): the server inserts one block while the next is
    /// encoded and sent, with no statement and no round trip per block.
    func appendBlock(spaceID: Int64, location: BlockLocation, data: Data) throws {
        if connection.openCopy != Self.blockCopy { try connection.beginCopy(Self.blockCopy) }
        var row = PGCopyBuffer()
        row.beginRow(fields: 5)
        row.int(Int(spaceID))
        row.int(location.index)
        row.int(location.firstRow)
        row.int(location.rowCount)
        row.byteaLength(data.count)
        try connection.putCopyData(&row)
        try connection.putCopyData(data)
    }

    func finishSpace(spaceID: Int64, storedBytes: Int, version: String) throws {
        try connection.query("UPDATE space SET stored_bytes = $1, version = $2 WHERE id = $3",
                             [.int(storedBytes), .text(version), .int(Int(spaceID))])
    }

    @discardableResult
    func removeSpace(_ space: SpaceRecord, keepDataset: Bool) throws -> Bool {
        try connection.query("DELETE FROM space WHERE id = $1", [.int(Int(space.id))])
        try connection.query("DELETE FROM model WHERE id NOT IN (SELECT model_id FROM space)")
        guard !keepDataset else { return false }
        let others = try connection.query("SELECT count(*) AS n FROM space WHERE dataset_id = $1", [.int(Int(space.datasetID))])
        if others.int(0, "n") == 0 {
            try connection.query("DELETE FROM dataset WHERE id = $1", [.int(Int(space.datasetID))])
            return true
        }
        return false
    }

    // MARK: Reading blocks

    func blockLocations(spaceID: Int64) throws -> [BlockLocation] {
        let r = try connection.query("SELECT idx, first_row, row_count FROM block WHERE space_id = $1 ORDER BY idx", [.int(Int(spaceID))])
        return (0..<r.count).map { BlockLocation(index: r.int($0, "idx"), firstRow: r.int($0, "first_row"), rowCount: r.int($0, "row_count")) }
    }

    private static let blockQuery = "SELECT data FROM block WHERE space_id = $1 AND idx = $2"

    /// Each block is one statement, so that only a block or two are in memory at a time (libpq
    /// buffers a whole result) and `body` may run other statements meanwhile. The next block's
    /// query is sent before `body` sees this one, so the server reads it meanwhile.
    private func forEachStoredBlock(spaceID: Int64, _ body: (BlockLocation, UnsafeRawBufferPointer) throws -> Void) throws {
        let locations = try blockLocations(spaceID: spaceID)
        guard let first = locations.first else { return }
        var next = try connection.send(Self.blockQuery, [.int(Int(spaceID)), .int(first.index)])
        defer { connection.discard(next) }
        for (position, location) in locations.enumerated() {
            let r = try connection.receive(next)
            if position + 1 < locations.count {
                next = try connection.send(Self.blockQuery, [.int(Int(spaceID)), .int(locations[position + 1].index)])
            }
            guard r.count == 1 else {
                throw StorageError(.corrupt, .storeCorrupt(path: self.location, detail: "block \(location.index) of space id \(spaceID) vanished inside its transaction"))
            }
            try body(location, r.bytes(0, "data"))
        }
    }

    /// One block by itself, when a caller wants a few blocks rather than a stream.
    private func withBlock<T>(spaceID: Int64, index: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let r = try connection.query(Self.blockQuery, [.int(Int(spaceID)), .int(index)])
        guard r.count == 1 else {
            throw StorageError(.corrupt, .storeCorrupt(path: location, detail: "block \(index) of space id \(spaceID) vanished inside its transaction"))
        }
        return try body(r.bytes(0, "data"))
    }

    func forEachBlock(spaceID: Int64, _ body: (BlockLocation, UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachStoredBlock(spaceID: spaceID, body)
    }

    func forEachBlock(spaceID: Int64, indices: [Int], _ body: (BlockLocation, UnsafeRawBufferPointer) throws -> Void) throws {
        let locations = Dictionary(uniqueKeysWithValues: try blockLocations(spaceID: spaceID).map { ($0.index, $0) })
        for index in indices {
            guard let location = locations[index] else {
                throw StorageError(.corrupt, .storeCorrupt(path: self.location, detail: "block \(index) of space id \(spaceID) is missing"))
            }
            try withBlock(spaceID: spaceID, index: index) { try body(location, $0) }
        }
    }

    func forEachBlock(spaceID: Int64, reading body: (BlockLocation, StoredBlock) throws -> Void) throws {
        try forEachStoredBlock(spaceID: spaceID) { location, bytes in
            try body(location, StoredBlock(count: bytes.count) { buffer in buffer.copyMemory(from: bytes) })
        }
    }

    // MARK: Anchor sets

    private static let anchorQuery = """
        SELECT a.id, a.name, sd.name AS source_dataset, td.name AS target_dataset, a.source_space, a.target_space, a.sampler,
            a.options, a.pair_count, a.hash, a.created_at
        FROM anchor_set a JOIN dataset sd ON sd.id = a.source_dataset_id JOIN dataset td ON td.id = a.target_dataset_id
        """

    private static func anchorSets(_ r: PGResult) -> [AnchorSetRecord] {
        (0..<r.count).map { i in
            AnchorSetRecord(id: r.int64(i, "id"), name: r.text(i, "name"), sourceDataset: r.text(i, "source_dataset"),
                            targetDataset: r.text(i, "target_dataset"), sourceSpace: r.text(i, "source_space"),
                            targetSpace: r.text(i, "target_space"), sampler: r.text(i, "sampler"), options: r.text(i, "options"),
                            pairCount: r.int(i, "pair_count"), hash: r.text(i, "hash"), createdAt: r.text(i, "created_at"))
        }
    }

    func anchorSets() throws -> [AnchorSetRecord] {
        Self.anchorSets(try connection.query(Self.anchorQuery + #" ORDER BY a.name COLLATE "C""#))
    }

    func findAnchorSet(named name: String) throws -> AnchorSetRecord? {
        Self.anchorSets(try connection.query(Self.anchorQuery + " WHERE a.name = $1", [.text(name)])).first
    }

    func anchorPairs(setID: Int64) throws -> [(source: ItemKey, target: ItemKey)] {
        let r = try connection.query("SELECT source_key, target_key FROM anchor_pair WHERE anchor_set_id = $1 ORDER BY position",
                                     [.int(Int(setID))])
        return (0..<r.count).map { (source: r.text($0, "source_key"), target: r.text($0, "target_key")) }
    }

    func createAnchorSet(_ new: NewAnchorSet) throws -> AnchorSetRecord {
        let r = try connection.query("""
            INSERT INTO anchor_set (name, source_dataset_id, target_dataset_id, source_space, target_space, sampler, options,
                pair_count, hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
            """, [.text(new.name), .int(Int(new.sourceDatasetID)), .int(Int(new.targetDatasetID)), .text(new.sourceSpace),
                  .text(new.targetSpace), .text(new.sampler), .text(new.options), .int(new.pairs.count), .text(new.hash),
                  .text(new.createdAt ?? Self.timestamp())])
        try connection.beginCopy("COPY anchor_pair (anchor_set_id, position, source_key, target_key) FROM STDIN (FORMAT binary)")
        var copy = PGCopyBuffer()
        for (position, pair) in new.pairs.enumerated() {
            copy.beginRow(fields: 4)
            copy.int(r.int(0, "id"))
            copy.int(position)
            copy.text(pair.source)
            copy.text(pair.target)
            if copy.isFull { try connection.putCopyData(&copy) }
        }
        try connection.putCopyData(&copy)
        try connection.endCopy()
        return try anchorSet(named: new.name)
    }

    func removeAnchorSet(id: Int64) throws {
        try connection.query("DELETE FROM anchor_set WHERE id = $1", [.int(Int(id))])
    }

    // MARK: Translators

    private static let translatorColumns = """
        fingerprint, source_model, target_model, source_space, target_space, source_version, target_version, anchor_hash,
        anchor_name, anchor_count, estimator, scaling, options, source_dim, target_dim, parameters, report, origin, created_at,
        library_version
        """

    private static func translators(_ r: PGResult) -> [TranslatorRecord] {
        (0..<r.count).map { i in
            TranslatorRecord(
                fingerprint: r.text(i, "fingerprint"), sourceModel: r.text(i, "source_model"), targetModel: r.text(i, "target_model"),
                sourceSpace: r.text(i, "source_space"), targetSpace: r.text(i, "target_space"),
                sourceVersion: r.text(i, "source_version"), targetVersion: r.text(i, "target_version"),
                anchorHash: r.text(i, "anchor_hash"), anchorName: r.text(i, "anchor_name"), anchorCount: r.int(i, "anchor_count"),
                estimator: r.text(i, "estimator"), scaling: r.text(i, "scaling"), options: r.text(i, "options"),
                sourceDimension: r.int(i, "source_dim"), targetDimension: r.int(i, "target_dim"),
                parameters: r.data(i, "parameters"), report: r.text(i, "report"), origin: r.text(i, "origin"),
                createdAt: r.text(i, "created_at"), libraryVersion: r.text(i, "library_version"))
        }
    }

    func translators() throws -> [TranslatorRecord] {
        Self.translators(try connection.query(
            "SELECT \(Self.translatorColumns) FROM translator ORDER BY created_at COLLATE \"C\", fingerprint COLLATE \"C\""))
    }

    func translator(fingerprint: String) throws -> TranslatorRecord? {
        Self.translators(try connection.query("SELECT \(Self.translatorColumns) FROM translator WHERE fingerprint = $1",
                                              [.text(fingerprint)])).first
    }

    func translators(prefixed prefix: String, limit: Int) throws -> [TranslatorRecord] {
        Self.translators(try connection.query("""
            SELECT \(Self.translatorColumns) FROM translator WHERE starts_with(fingerprint, $1)
            ORDER BY fingerprint COLLATE "C" LIMIT $2
            """, [.text(prefix), .int(limit)]))
    }

    func saveTranslator(_ record: TranslatorRecord) throws {
        let placeholders = (1...20).map { "$\($0)" }.joined(separator: ", ")
        let updates = Self.translatorColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { $0 != "fingerprint" }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try connection.query("""
            INSERT INTO translator (\(Self.translatorColumns)) VALUES (\(placeholders))
            ON CONFLICT (fingerprint) DO UPDATE SET \(updates)
            """, [.text(record.fingerprint), .text(record.sourceModel), .text(record.targetModel), .text(record.sourceSpace),
                  .text(record.targetSpace), .text(record.sourceVersion), .text(record.targetVersion), .text(record.anchorHash),
                  .text(record.anchorName), .int(record.anchorCount), .text(record.estimator), .text(record.scaling),
                  .text(record.options), .int(record.sourceDimension), .int(record.targetDimension), .bytes(Data(record.parameters)),
                  .text(record.report), .text(record.origin), .text(record.createdAt), .text(record.libraryVersion)])
    }

    func removeTranslator(fingerprint: String) throws {
        try connection.query("DELETE FROM translator WHERE fingerprint = $1", [.text(fingerprint)])
    }

    // MARK: Decoders

    func decoder(fingerprint: String) throws -> DecoderRecord? {
        let r = try connection.query("""
            SELECT fingerprint, space_version, kind, parameters, created_at, library_version FROM decoder WHERE fingerprint = $1
            """, [.text(fingerprint)])
        guard r.count > 0 else { return nil }
        return DecoderRecord(fingerprint: r.text(0, "fingerprint"), spaceVersion: r.text(0, "space_version"), kind: r.text(0, "kind"),
                             parameters: r.data(0, "parameters"), createdAt: r.text(0, "created_at"),
                             libraryVersion: r.text(0, "library_version"))
    }

    func decoders() throws -> [DecoderRecord] {
        let r = try connection.query(#"SELECT fingerprint, space_version, kind, parameters, created_at, library_version FROM decoder ORDER BY fingerprint COLLATE "C""#)
        return (0..<r.count).map {
            DecoderRecord(fingerprint: r.text($0, "fingerprint"), spaceVersion: r.text($0, "space_version"), kind: r.text($0, "kind"),
                          parameters: r.data($0, "parameters"), createdAt: r.text($0, "created_at"), libraryVersion: r.text($0, "library_version"))
        }
    }

    func saveDecoder(_ record: DecoderRecord) throws {
        try connection.query("""
            INSERT INTO decoder (fingerprint, space_version, kind, parameters, created_at, library_version) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (fingerprint) DO UPDATE SET space_version = excluded.space_version, kind = excluded.kind,
                parameters = excluded.parameters, created_at = excluded.created_at, library_version = excluded.library_version
            """, [.text(record.fingerprint), .text(record.spaceVersion), .text(record.kind), .bytes(Data(record.parameters)),
                  .text(record.createdAt), .text(record.libraryVersion)])
    }

    // MARK: Hubs

    func hubs() throws -> [HubRecord] {
        let r = try connection.query(#"SELECT name FROM hub ORDER BY name COLLATE "C""#)
        return try (0..<r.count).compactMap { try hub(named: r.text($0, "name")) }
    }

    func hub(named name: String) throws -> HubRecord? {
        let r = try connection.query("""
            SELECT id, name, dimension, anchor_name, anchor_hash, anchor_count, scaling, report, created_at FROM hub WHERE name = $1
            """, [.text(name)])
        guard r.count > 0 else { return nil }
        let m = try connection.query("SELECT space, space_version, parameters FROM hub_member WHERE hub_id = $1 ORDER BY position",
                                     [.int(r.int(0, "id"))])
        let members = (0..<m.count).map {
            HubRecord.Member(space: m.text($0, "space"), spaceVersion: m.text($0, "space_version"), parameters: m.data($0, "parameters"))
        }
        return HubRecord(name: r.text(0, "name"), dimension: r.int(0, "dimension"), anchorName: r.text(0, "anchor_name"),
                         anchorHash: r.text(0, "anchor_hash"), anchorCount: r.int(0, "anchor_count"), scaling: r.text(0, "scaling"),
                         report: r.text(0, "report"), createdAt: r.text(0, "created_at"), members: members)
    }

    func saveHub(_ hub: HubRecord) throws {
        try connection.query("DELETE FROM hub WHERE name = $1", [.text(hub.name)])
        let r = try connection.query("""
            INSERT INTO hub (name, dimension, anchor_name, anchor_hash, anchor_count, scaling, report, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
            """, [.text(hub.name), .int(hub.dimension), .text(hub.anchorName), .text(hub.anchorHash), .int(hub.anchorCount),
                  .text(hub.scaling), .text(hub.report), .text(hub.createdAt)])
        for (position, member) in hub.members.enumerated() {
            try connection.query("INSERT INTO hub_member (hub_id, position, space, space_version, parameters) VALUES ($1, $2, $3, $4, $5)",
                                 [.int(r.int(0, "id")), .int(position), .text(member.space), .text(member.spaceVersion),
                                  .bytes(Data(member.parameters))])
        }
    }

    func removeHub(named name: String) throws -> Bool {
        try connection.query("DELETE FROM hub WHERE name = $1", [.text(name)]).changes > 0
    }
}
