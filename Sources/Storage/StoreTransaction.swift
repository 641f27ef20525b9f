import Foundation
import GRDB
import GRDBSQLite
import LatentCore

/// The SQLite store as seen inside one transaction (read-only under `Store.read`).
public struct StoreTransaction: StorageTransaction {
    let db: Database
    let path: String
    public var location: String { path }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }

    func schemaSQL() throws -> [String] {
        try String.fetchAll(try db.cachedStatement(sql: """
            SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name
            """))
    }

    // MARK: Spaces

    private static let spaceColumns = """
        s.id, m.name AS model_name, d.name AS dataset_name, s.dataset_id, s.row_count, s.dim, s.source_dtype, s.codec,
        s.block_rows, s.raw_bytes, s.stored_bytes, s.version, s.provenance, s.created_at, s.library_version
        """

    private static func space(from row: Row) throws -> SpaceRecord {
        SpaceRecord(
            id: row["id"], name: try SpaceName(model: row["model_name"], dataset: row["dataset_name"]), datasetID: row["dataset_id"],
            rowCount: row["row_count"], dimension: row["dim"], sourceDType: row["source_dtype"], codec: row["codec"],
            blockRows: row["block_rows"], rawBytes: row["raw_bytes"], storedBytes: row["stored_bytes"], version: row["version"],
            provenance: row["provenance"], createdAt: row["created_at"], libraryVersion: row["library_version"])
    }

    public func spaces() throws -> [SpaceRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.spaceColumns) FROM space s JOIN model m ON m.id = s.model_id
            JOIN dataset d ON d.id = s.dataset_id ORDER BY m.name, d.name
            """)).map(Self.space(from:))
    }

    /// The space named `name`, or nil.
    public func findSpace(_ name: SpaceName) throws -> SpaceRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT \(Self.spaceColumns) FROM space s JOIN model m ON m.id = s.model_id
            JOIN dataset d ON d.id = s.dataset_id WHERE m.name = ? AND d.name = ?
            """), arguments: [name.model, name.dataset]).map(Self.space(from:))
    }

    // MARK: Datasets and items

    private static func dataset(from row: Row) -> DatasetRecord {
        DatasetRecord(id: row["id"], name: row["name"], itemCount: row["item_count"], keysHash: row["keys_hash"])
    }

    private static func item(from row: Row) -> ItemRecord {
        ItemRecord(key: row["key"], label: row["label"], split: row["split"])
    }

    public func dataset(named name: String) throws -> DatasetRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT id, name, item_count, keys_hash FROM dataset WHERE name = ?"), arguments: [name])
            .map(Self.dataset(from:))
    }

    public func dataset(id: Int64) throws -> DatasetRecord {
        guard let record = try Row.fetchOne(try db.cachedStatement(sql: "SELECT id, name, item_count, keys_hash FROM dataset WHERE id = ?"), arguments: [id])
            .map(Self.dataset(from:)) else {
            throw StorageError(.corrupt, .storeInconsistent(path: path, .datasetMissing(id: id)))
        }
        return record
    }

    /// The dataset's items in row order.
    public func items(datasetID: Int64) throws -> [ItemRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT key, label, split FROM item WHERE dataset_id = ? ORDER BY row"), arguments: [datasetID])
            .map(Self.item(from:))
    }

    /// The row of each key in the dataset (nil for an unknown key), by index lookups: a query
    /// for a few keys of a large dataset never reads its whole item list.
    public func rows(ofKeys keys: [String], datasetID: Int64) throws -> [Int?] {
        let statement = try db.makeStatement(sql: "SELECT row FROM item WHERE dataset_id = ? AND key = ?")
        return try keys.map { try Int.fetchOne(statement, arguments: [datasetID, $0]) }
    }

    /// The items at `rows`, in that order, by index lookups.
    public func items(datasetID: Int64, rows: [Int]) throws -> [ItemRecord] {
        let statement = try db.makeStatement(sql: "SELECT key, label, split FROM item WHERE dataset_id = ? AND row = ?")
        return try rows.map { row in
            guard let found = try Row.fetchOne(statement, arguments: [datasetID, row]) else {
                throw StorageError(.corrupt, .storeInconsistent(path: path, .itemMissing(datasetID: datasetID, row: row)))
            }
            return Self.item(from: found)
        }
    }

    public func createDataset(name: String, items: [ItemRecord], keysHash: String) throws -> DatasetRecord {
        try db.execute(sql: "INSERT INTO dataset (name, item_count, keys_hash, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [name, items.count, keysHash, Self.timestamp()])
        let id = db.lastInsertedRowID
        // Bound through SQLite's C API: at 100,000 items GRDB's per-row arguments (boxed values,
        // validation) cost more than SQLite's insert itself, on the thread that also writes the blocks.
        let insert = try db.makeStatement(sql: "INSERT INTO item (dataset_id, row, key, label, split) VALUES (?, ?, ?, ?, ?)")
        let raw = insert.sqliteStatement
        defer {
            sqlite3_reset(raw)
            sqlite3_clear_bindings(raw)
        }
        for (row, item) in items.enumerated() {
            sqlite3_reset(raw)
            sqlite3_bind_int64(raw, 1, id)
            sqlite3_bind_int64(raw, 2, Int64(row))
            Self.bind(item.key, to: raw, at: 3)
            Self.bind(item.label, to: raw, at: 4)
            Self.bind(item.split, to: raw, at: 5)
            let code = sqlite3_step(raw)
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: insert.sql)
            }
        }
        return DatasetRecord(id: id, name: name, itemCount: items.count, keysHash: keysHash)
    }

    /// Binds text (SQLite copies it: `SQLITE_TRANSIENT`) or NULL. The corresponding SQLite
    /// functions are `sqlite3_bind_text` and `sqlite3_bind_null`.
    private static func bind(_ text: String?, to statement: OpaquePointer, at index: Int32) {
        guard var text else {
            sqlite3_bind_null(statement, index)
            return
        }
        text.withUTF8 { utf8 in
            _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(utf8.baseAddress!).assumingMemoryBound(to: CChar.self),
                                  Int32(utf8.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
    }

    /// Replaces labels and splits of existing items (keys and order stay).
    public func updateItemAnnotations(datasetID: Int64, labels: [String?]?, splits: [String?]?) throws {
        if let labels {
            let update = try db.makeStatement(sql: "UPDATE item SET label = ? WHERE dataset_id = ? AND row = ?")
            for (row, label) in labels.enumerated() { try update.execute(arguments: [label, datasetID, row]) }
        }
        if let splits {
            let update = try db.makeStatement(sql: "UPDATE item SET split = ? WHERE dataset_id = ? AND row = ?")
            for (row, split) in splits.enumerated() { try update.execute(arguments: [split, datasetID, row]) }
        }
    }

    // MARK: Writing spaces

    private func modelID(named name: String) throws -> Int64 {
        if let id = try Int64.fetchOne(try db.cachedStatement(sql: "SELECT id FROM model WHERE name = ?"), arguments: [name]) { return id }
        try db.execute(sql: "INSERT INTO model (name, created_at) VALUES (?, ?)", arguments: [name, Self.timestamp()])
        return db.lastInsertedRowID
    }

    /// Inserts the space row; blocks follow with `appendBlock`, then `finishSpace` seals it.
    public func beginSpace(_ new: NewSpace, datasetID: Int64) throws -> Int64 {
        let model = try modelID(named: new.name.model)
        try db.execute(sql: """
            INSERT INTO space (model_id, dataset_id, row_count, dim, element_type, source_dtype, codec, block_rows,
                raw_bytes, stored_bytes, version, provenance, created_at, library_version)
            VALUES (?, ?, ?, ?, 'float32', ?, ?, ?, ?, 0, '', ?, ?, ?)
            """, arguments: [model, datasetID, new.rowCount, new.dimension, new.sourceDType, new.codec, new.blockRows,
                             new.rowCount * new.dimension * 4, new.provenance, new.createdAt ?? Self.timestamp(), new.libraryVersion])
        return db.lastInsertedRowID
    }

    /// ``appendBlock(spaceID:location:data:)`` with the bytes already in `Data` (made on the
    /// thread that encoded them, so the writer's thread does not copy them).
    public func appendBlock(spaceID: Int64, location: BlockLocation, data: Data) throws {
        try db.cachedStatement(sql: "INSERT INTO block (space_id, idx, first_row, row_count, data) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [spaceID, location.index, location.firstRow, location.rowCount, data])
    }

    public func finishSpace(spaceID: Int64, storedBytes: Int, version: String) throws {
        try db.execute(sql: "UPDATE space SET stored_bytes = ?, version = ? WHERE id = ?",
                       arguments: [storedBytes, version, spaceID])
    }

    /// Removes a space and its blocks; the dataset goes too when no other space uses it.
    /// Returns whether the dataset was removed.
    @discardableResult
    public func removeSpace(_ space: SpaceRecord, keepDataset: Bool) throws -> Bool {
        try db.execute(sql: "DELETE FROM space WHERE id = ?", arguments: [space.id])
        try db.execute(sql: "DELETE FROM model WHERE id NOT IN (SELECT model_id FROM space)")
        guard !keepDataset else { return false }
        let others = try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM space WHERE dataset_id = ?"), arguments: [space.datasetID]) ?? 0
        if others == 0 {
            try db.execute(sql: "DELETE FROM dataset WHERE id = ?", arguments: [space.datasetID])
            return true
        }
        return false
    }

    // MARK: Reading blocks

    private static func blockLocation(from row: Row) -> BlockLocation {
        BlockLocation(index: row["idx"], firstRow: row["first_row"], rowCount: row["row_count"])
    }

    public func blockLocations(spaceID: Int64) throws -> [BlockLocation] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT idx, first_row, row_count FROM block WHERE space_id = ? ORDER BY idx"), arguments: [spaceID])
            .map(Self.blockLocation(from:))
    }

    /// Streams the space's blocks in order; the bytes are valid only inside `body`.
    public func forEachBlock(spaceID: Int64, _ body: (BlockLocation, UnsafeRawBufferPointer) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT idx, first_row, row_count, data FROM block WHERE space_id = ? ORDER BY idx",
                                         arguments: [spaceID])
        while let row = try cursor.next() {
            let location = Self.blockLocation(from: row)
            try row.withUnsafeData(named: "data") { data in
                try (data ?? Data()).withUnsafeBytes { try body(location, $0) }
            }
        }
    }

    /// Streams the space's blocks in order, like ``forEachBlock(spaceID:_:)``, but each block's
    /// bytes go from the file straight into memory the caller owns (`sqlite3_blob_read`), with
    /// no copy through a row: the reader keeps them past `body` without copying them again.
    public func forEachBlock(spaceID: Int64, reading body: (BlockLocation, StoredBlock) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, idx, first_row, row_count FROM block WHERE space_id = ? ORDER BY idx",
                                         arguments: [spaceID])
        var handle: OpaquePointer?
        defer { if let handle { sqlite3_blob_close(handle) } }
        while let row = try cursor.next() {
            let id: Int64 = row["id"]
            // One handle moved from row to row: reopening skips the table and column lookup.
            let code = if let handle { sqlite3_blob_reopen(handle, id) } else {
                sqlite3_blob_open(db.sqliteConnection, "main", "block", "data", id, 0, &handle)
            }
            guard code == SQLITE_OK, let handle else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage)
            }
            // The corresponding SQLite function is `sqlite3_blob_read`.
            let stored = StoredBlock(count: Int(sqlite3_blob_bytes(handle))) { [db] buffer in
                let code = sqlite3_blob_read(handle, buffer.baseAddress!, Int32(buffer.count), 0)
                guard code == SQLITE_OK else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage)
                }
            }
            try body(Self.blockLocation(from: row), stored)
        }
    }

    public func forEachBlock(spaceID: Int64, indices: [Int], _ body: (BlockLocation, UnsafeRawBufferPointer) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: "SELECT idx, first_row, row_count, data FROM block WHERE space_id = ? AND idx = ?")
        for index in indices {
            guard let row = try Row.fetchOne(statement, arguments: [spaceID, index]) else {
                throw StorageError(.corrupt, .storeCorrupt(path: location, detail: "block \(index) of space id \(spaceID) is missing"))
            }
            try row.withUnsafeData(named: "data") { data in
                try (data ?? Data()).withUnsafeBytes { try body(Self.blockLocation(from: row), $0) }
            }
        }
    }

    // MARK: Anchor sets

    private static let anchorColumns = """
        a.id, a.name, sd.name AS source_dataset, td.name AS target_dataset, a.source_space, a.target_space, a.sampler,
        a.options, a.pair_count, a.hash, a.created_at
        """

    private static func anchorSet(from row: Row) -> AnchorSetRecord {
        AnchorSetRecord(id: row["id"], name: row["name"], sourceDataset: row["source_dataset"], targetDataset: row["target_dataset"],
                        sourceSpace: row["source_space"], targetSpace: row["target_space"], sampler: row["sampler"],
                        options: row["options"], pairCount: row["pair_count"], hash: row["hash"], createdAt: row["created_at"])
    }

    public func anchorSets() throws -> [AnchorSetRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.anchorColumns) FROM anchor_set a JOIN dataset sd ON sd.id = a.source_dataset_id
            JOIN dataset td ON td.id = a.target_dataset_id ORDER BY a.name
            """)).map(Self.anchorSet(from:))
    }

    public func findAnchorSet(named name: String) throws -> AnchorSetRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT \(Self.anchorColumns) FROM anchor_set a JOIN dataset sd ON sd.id = a.source_dataset_id
            JOIN dataset td ON td.id = a.target_dataset_id WHERE a.name = ?
            """), arguments: [name]).map(Self.anchorSet(from:))
    }

    public func anchorPairs(setID: Int64) throws -> [(source: ItemKey, target: ItemKey)] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT source_key, target_key FROM anchor_pair WHERE anchor_set_id = ? ORDER BY position"),
                         arguments: [setID]).map { (source: $0["source_key"], target: $0["target_key"]) }
    }

    public func createAnchorSet(_ new: NewAnchorSet) throws -> AnchorSetRecord {
        try db.execute(sql: """
            INSERT INTO anchor_set (name, source_dataset_id, target_dataset_id, source_space, target_space, sampler, options,
                pair_count, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [new.name, new.sourceDatasetID, new.targetDatasetID, new.sourceSpace, new.targetSpace,
                             new.sampler, new.options, new.pairs.count, new.hash, new.createdAt ?? Self.timestamp()])
        let id = db.lastInsertedRowID
        let insert = try db.makeStatement(sql: "INSERT INTO anchor_pair (anchor_set_id, position, source_key, target_key) VALUES (?, ?, ?, ?)")
        for (position, pair) in new.pairs.enumerated() {
            try insert.execute(arguments: [id, position, pair.source, pair.target])
        }
        return try anchorSet(named: new.name)
    }

    public func removeAnchorSet(id: Int64) throws {
        try db.execute(sql: "DELETE FROM anchor_set WHERE id = ?", arguments: [id])
    }

    // MARK: Translators

    private static let translatorColumns = """
        fingerprint, source_model, target_model, source_space, target_space, source_version, target_version, anchor_hash,
        anchor_name, anchor_count, estimator, scaling, options, source_dim, target_dim, parameters, report, origin, created_at,
        library_version
        """

    private static func translator(from row: Row) -> TranslatorRecord {
        TranslatorRecord(
            fingerprint: row["fingerprint"], sourceModel: row["source_model"], targetModel: row["target_model"],
            sourceSpace: row["source_space"], targetSpace: row["target_space"], sourceVersion: row["source_version"],
            targetVersion: row["target_version"], anchorHash: row["anchor_hash"], anchorName: row["anchor_name"],
            anchorCount: row["anchor_count"], estimator: row["estimator"], scaling: row["scaling"], options: row["options"],
            sourceDimension: row["source_dim"], targetDimension: row["target_dim"], parameters: [UInt8](row["parameters"] as Data),
            report: row["report"], origin: row["origin"], createdAt: row["created_at"], libraryVersion: row["library_version"])
    }

    public func translators() throws -> [TranslatorRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.translatorColumns) FROM translator ORDER BY created_at, fingerprint"))
            .map(Self.translator(from:))
    }

    public func translator(fingerprint: String) throws -> TranslatorRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.translatorColumns) FROM translator WHERE fingerprint = ?"), arguments: [fingerprint])
            .map(Self.translator(from:))
    }

    public func translators(prefixed prefix: String, limit: Int) throws -> [TranslatorRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.translatorColumns) FROM translator WHERE fingerprint LIKE ? ORDER BY fingerprint LIMIT ?"),
                         arguments: [prefix + "%", limit]).map(Self.translator(from:))
    }

    public func saveTranslator(_ record: TranslatorRecord) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO translator (\(Self.translatorColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: [record.fingerprint, record.sourceModel, record.targetModel, record.sourceSpace, record.targetSpace,
                                   record.sourceVersion, record.targetVersion, record.anchorHash, record.anchorName, record.anchorCount,
                                   record.estimator, record.scaling, record.options, record.sourceDimension, record.targetDimension,
                                   Data(record.parameters), record.report, record.origin, record.createdAt, record.libraryVersion])
    }

    public func removeTranslator(fingerprint: String) throws {
        try db.execute(sql: "DELETE FROM translator WHERE fingerprint = ?", arguments: [fingerprint])
    }

    // MARK: Decoders

    private static func decoder(from row: Row) -> DecoderRecord {
        DecoderRecord(fingerprint: row["fingerprint"], spaceVersion: row["space_version"], kind: row["kind"],
                      parameters: [UInt8](row["parameters"] as Data), createdAt: row["created_at"], libraryVersion: row["library_version"])
    }

    public func decoder(fingerprint: String) throws -> DecoderRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT fingerprint, space_version, kind, parameters, created_at, library_version FROM decoder WHERE fingerprint = ?"),
                         arguments: [fingerprint]).map(Self.decoder(from:))
    }

    public func decoders() throws -> [DecoderRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT fingerprint, space_version, kind, parameters, created_at, library_version FROM decoder ORDER BY fingerprint"))
            .map(Self.decoder(from:))
    }

    public func saveDecoder(_ record: DecoderRecord) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO decoder (fingerprint, space_version, kind, parameters, created_at, library_version) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [record.fingerprint, record.spaceVersion, record.kind, Data(record.parameters), record.createdAt, record.libraryVersion])
    }

    // MARK: Hubs

    public func hubs() throws -> [HubRecord] {
        try String.fetchAll(try db.cachedStatement(sql: "SELECT name FROM hub ORDER BY name")).compactMap { try hub(named: $0) }
    }

    public func hub(named name: String) throws -> HubRecord? {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT id, name, dimension, anchor_name, anchor_hash, anchor_count, scaling, report, created_at FROM hub WHERE name = ?
            """), arguments: [name]) else { return nil }
        let id: Int64 = row["id"]
        let members = try Row.fetchAll(try db.cachedStatement(sql: "SELECT space, space_version, parameters FROM hub_member WHERE hub_id = ? ORDER BY position"),
                                       arguments: [id])
            .map { HubRecord.Member(space: $0["space"], spaceVersion: $0["space_version"], parameters: [UInt8]($0["parameters"] as Data)) }
        return HubRecord(name: row["name"], dimension: row["dimension"], anchorName: row["anchor_name"], anchorHash: row["anchor_hash"],
                         anchorCount: row["anchor_count"], scaling: row["scaling"], report: row["report"], createdAt: row["created_at"],
                         members: members)
    }

    /// Stores a hub, replacing one of the same name.
    public func saveHub(_ hub: HubRecord) throws {
        try db.execute(sql: "DELETE FROM hub WHERE name = ?", arguments: [hub.name])
        try db.execute(sql: """
            INSERT INTO hub (name, dimension, anchor_name, anchor_hash, anchor_count, scaling, report, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [hub.name, hub.dimension, hub.anchorName, hub.anchorHash, hub.anchorCount, hub.scaling, hub.report, hub.createdAt])
        let id = db.lastInsertedRowID
        for (position, member) in hub.members.enumerated() {
            try db.execute(sql: "INSERT INTO hub_member (hub_id, position, space, space_version, parameters) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, position, member.space, member.spaceVersion, Data(member.parameters)])
        }
    }

    public func removeHub(named name: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM hub WHERE name = ?", arguments: [name])
        return db.changesCount > 0
    }
}
