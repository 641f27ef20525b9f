import Foundation
import GRDB
import LatentCore

// IVF indexes (schema/0003_index.sql): one row per index, its lists' blocks in `ivf_block`.
extension StoreTransaction {
    private static let indexColumns = """
        id, space, space_version, row_count, dim, list_count, sample_count, seed, iterations, list_codec, block_codec,
        default_nprobe, calibration, centroids, build_seconds, created_at, library_version
        """

    private static func index(from row: Row) -> IndexRecord {
        IndexRecord(
            id: row["id"], space: row["space"], spaceVersion: row["space_version"], rowCount: row["row_count"], dimension: row["dim"],
            listCount: row["list_count"], sampleCount: row["sample_count"], seed: row["seed"], iterations: row["iterations"],
            listCodec: row["list_codec"], blockCodec: row["block_codec"], defaultNProbe: row["default_nprobe"],
            calibration: row["calibration"], centroids: [UInt8](row["centroids"] as Data), buildSeconds: row["build_seconds"],
            createdAt: row["created_at"], libraryVersion: row["library_version"])
    }

    /// Every index, by space name.
    public func indexes() throws -> [IndexRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.indexColumns) FROM ivf_index ORDER BY space")).map(Self.index(from:))
    }

    /// The index of the space named `space` (current or stale), or nil.
    public func findIndex(space: String, centroids: Bool) throws -> IndexRecord? {
        // Without centroids, the columns stored after them are not read either: SQLite reaches them
        // only by walking the blob's overflow pages (megabytes for thousands of lists), so
        // `buildSeconds`, `createdAt` and `libraryVersion` come back empty.
        let columns = centroids ? Self.indexColumns : Self.indexColumns.replacingOccurrences(
            of: "centroids, build_seconds, created_at, library_version", with: "x'' AS centroids, 0.0 AS build_seconds, '' AS created_at, '' AS library_version")
        return try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(columns) FROM ivf_index WHERE space = ?"), arguments: [space]).map(Self.index(from:))
    }

    /// Inserts the index row (replacing the space's previous index, if any); blocks follow with
    /// `appendIndexBlock`, then `finishIndex` records the calibration.
    public func beginIndex(_ new: NewIndex) throws -> Int64 {
        try db.execute(sql: "DELETE FROM ivf_index WHERE space = ?", arguments: [new.space])
        try db.execute(sql: """
            INSERT INTO ivf_index (space, space_version, row_count, dim, list_count, sample_count, seed, iterations, list_codec,
                block_codec, default_nprobe, calibration, centroids, build_seconds, created_at, library_version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, '{}', ?, 0, ?, ?)
            """, arguments: [new.space, new.spaceVersion, new.rowCount, new.dimension, new.listCount, new.sampleCount, new.seed,
                             new.iterations, new.listCodec, new.blockCodec, Data(new.centroids), new.createdAt ?? Self.timestamp(), new.libraryVersion])
        return db.lastInsertedRowID
    }

    public func appendIndexBlock(indexID: Int64, location: IndexBlockLocation, rowNumbers: [UInt8], data: [UInt8]) throws {
        try db.cachedStatement(sql: "INSERT INTO ivf_block (index_id, list, idx, row_count, row_numbers, data) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [indexID, location.list, location.index, location.rowCount, Data(rowNumbers), Data(data)])
    }

    public func finishIndex(indexID: Int64, defaultNProbe: Int, calibration: String, buildSeconds: Double) throws {
        try db.execute(sql: "UPDATE ivf_index SET default_nprobe = ?, calibration = ?, build_seconds = ? WHERE id = ?",
                       arguments: [defaultNProbe, calibration, buildSeconds, indexID])
    }

    /// Removes the index of `space`; returns whether there was one.
    public func removeIndex(space: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM ivf_index WHERE space = ?", arguments: [space])
        return db.changesCount > 0
    }

    /// Streams the blocks of `lists` (ascending list, then block), or of every list when nil:
    /// `body(location, rowNumbers, data)`; the bytes are valid only inside `body`. Reading a
    /// list reads only its own blocks (through the `(index_id, list, idx)` key).
    public func forEachIndexBlock(indexID: Int64, lists: [Int]?,
                                  _ body: (IndexBlockLocation, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        func visit(_ row: Row) throws {
            let location = IndexBlockLocation(list: row[0], index: row[1], rowCount: row[2])
            try row.withUnsafeData(atIndex: 3) { numbers in
                try row.withUnsafeData(atIndex: 4) { data in
                    try (numbers ?? Data()).withUnsafeBytes { n in try (data ?? Data()).withUnsafeBytes { d in try body(location, n, d) } }
                }
            }
        }
        if let lists {
            let statement = try db.cachedStatement(sql: """
                SELECT list, idx, row_count, row_numbers, data FROM ivf_block WHERE index_id = ? AND list = ? ORDER BY idx
                """)
            for list in lists.sorted() {
                let cursor = try Row.fetchCursor(statement, arguments: [indexID, list])
                while let row = try cursor.next() { try visit(row) }
            }
        } else {
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT list, idx, row_count, row_numbers, data FROM ivf_block WHERE index_id = ? ORDER BY list, idx
                """, arguments: [indexID])
            while let row = try cursor.next() { try visit(row) }
        }
    }

    /// Block count, rows, bytes and rows per list of an index, without reading its blocks.
    public func indexStorage(indexID: Int64) throws -> IndexStorageSummary {
        let lists = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT list, sum(row_count), count(*), sum(length(data) + length(row_numbers)) FROM ivf_block WHERE index_id = ? GROUP BY list
            """), arguments: [indexID])
        var listRows: [Int: Int] = [:]
        var blocks = 0, rows = 0, bytes = 0
        for row in lists {
            let count: Int = row[1]
            listRows[row[0]] = count
            rows += count
            blocks += row[2] as Int
            bytes += row[3] as Int
        }
        let centroidBytes = try Int.fetchOne(try db.cachedStatement(sql: "SELECT length(centroids) FROM ivf_index WHERE id = ?"), arguments: [indexID]) ?? 0
        return IndexStorageSummary(blocks: blocks, rows: rows, storedBytes: bytes + centroidBytes, listRows: listRows)
    }
}
