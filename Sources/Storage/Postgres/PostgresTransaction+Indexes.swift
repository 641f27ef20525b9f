import Foundation
import LatentCore

// IVF indexes (schema/postgres/0003_index.sql): the same rows and block bytes as the SQLite
// store's (StoreTransaction+Indexes.swift), one row per index, its lists' blocks in `ivf_block`.
extension PostgresTransaction {
    private static let indexColumns = """
        id, space, space_version, row_count, dim, list_count, sample_count, seed, iterations, list_codec, block_codec,
        default_nprobe, calibration, centroids, build_seconds, created_at, library_version
        """

    private static func indexes(_ r: PGResult) -> [IndexRecord] {
        (0..<r.count).map { i in
            IndexRecord(
                id: r.int64(i, "id"), space: r.text(i, "space"), spaceVersion: r.text(i, "space_version"), rowCount: r.int(i, "row_count"),
                dimension: r.int(i, "dim"), listCount: r.int(i, "list_count"), sampleCount: r.int(i, "sample_count"),
                seed: r.int64(i, "seed"), iterations: r.int(i, "iterations"), listCodec: r.text(i, "list_codec"),
                blockCodec: r.text(i, "block_codec"), defaultNProbe: r.int(i, "default_nprobe"), calibration: r.text(i, "calibration"),
                centroids: r.data(i, "centroids"), buildSeconds: r.double(i, "build_seconds"), createdAt: r.text(i, "created_at"),
                libraryVersion: r.text(i, "library_version"))
        }
    }

    func indexes() throws -> [IndexRecord] {
        // COLLATE "C": SQLite's byte order, so `index ls` lists the same order on both.
        Self.indexes(try connection.query("SELECT \(Self.indexColumns) FROM ivf_index ORDER BY space COLLATE \"C\""))
    }

    func findIndex(space: String, centroids: Bool) throws -> IndexRecord? {
        let columns = centroids ? Self.indexColumns : Self.indexColumns.replacingOccurrences(of: "centroids,", with: "''::bytea AS centroids,")
        return Self.indexes(try connection.query("SELECT \(columns) FROM ivf_index WHERE space = $1", [.text(space)])).first
    }

    func beginIndex(_ new: NewIndex) throws -> Int64 {
        try connection.query("DELETE FROM ivf_index WHERE space = $1", [.text(new.space)])
        return try connection.query("""
            INSERT INTO ivf_index (space, space_version, row_count, dim, list_count, sample_count, seed, iterations, list_codec,
                block_codec, default_nprobe, calibration, centroids, build_seconds, created_at, library_version)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, '{}', $11, 0, $12, $13) RETURNING id
            """, [.text(new.space), .text(new.spaceVersion), .int(new.rowCount), .int(new.dimension), .int(new.listCount),
                  .int(new.sampleCount), .int(Int(new.seed)), .int(new.iterations), .text(new.listCodec), .text(new.blockCodec),
                  .bytes(Data(new.centroids)), .text(new.createdAt ?? Self.timestamp()), .text(new.libraryVersion)]).int64(0, "id")
    }

    func appendIndexBlock(indexID: Int64, location: IndexBlockLocation, rowNumbers: [UInt8], data: [UInt8]) throws {
        try connection.query("INSERT INTO ivf_block (index_id, list, idx, row_count, row_numbers, data) VALUES ($1, $2, $3, $4, $5, $6)",
                             [.int(Int(indexID)), .int(location.list), .int(location.index), .int(location.rowCount),
                              .bytes(Data(rowNumbers)), .bytes(Data(data))])
    }

    func finishIndex(indexID: Int64, defaultNProbe: Int, calibration: String, buildSeconds: Double) throws {
        try connection.query("UPDATE ivf_index SET default_nprobe = $1, calibration = $2, build_seconds = $3 WHERE id = $4",
                             [.int(defaultNProbe), .text(calibration), .double(buildSeconds), .int(Int(indexID))])
    }

    func removeIndex(space: String) throws -> Bool {
        try connection.query("DELETE FROM ivf_index WHERE space = $1", [.text(space)]).changes > 0
    }

    /// One statement per list (through the `(index_id, list, idx)` key), so that one list's
    /// blocks are in memory at a time (libpq buffers a whole result), not the whole index.
    func forEachIndexBlock(indexID: Int64, lists: [Int]?,
                           _ body: (IndexBlockLocation, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        let wanted: [Int]
        if let lists {
            wanted = lists.sorted()
        } else {
            let r = try connection.query("SELECT DISTINCT list FROM ivf_block WHERE index_id = $1 ORDER BY list", [.int(Int(indexID))])
            wanted = (0..<r.count).map { r.int($0, "list") }
        }
        for list in wanted {
            let r = try connection.query("""
                SELECT list, idx, row_count, row_numbers, data FROM ivf_block WHERE index_id = $1 AND list = $2 ORDER BY idx
                """, [.int(Int(indexID)), .int(list)])
            for i in 0..<r.count {
                let location = IndexBlockLocation(list: r.int(i, "list"), index: r.int(i, "idx"), rowCount: r.int(i, "row_count"))
                try body(location, r.bytes(i, "row_numbers"), r.bytes(i, "data"))
            }
        }
    }

    func indexStorage(indexID: Int64) throws -> IndexStorageSummary {
        let r = try connection.query("""
            SELECT list, sum(row_count)::bigint AS rows, count(*)::bigint AS blocks,
                sum(octet_length(data) + octet_length(row_numbers))::bigint AS bytes
            FROM ivf_block WHERE index_id = $1 GROUP BY list
            """, [.int(Int(indexID))])
        var listRows: [Int: Int] = [:]
        var blocks = 0, rows = 0, bytes = 0
        for i in 0..<r.count {
            listRows[r.int(i, "list")] = r.int(i, "rows")
            rows += r.int(i, "rows")
            blocks += r.int(i, "blocks")
            bytes += r.int(i, "bytes")
        }
        let c = try connection.query("SELECT octet_length(centroids)::bigint AS n FROM ivf_index WHERE id = $1", [.int(Int(indexID))])
        let centroidBytes = c.count > 0 ? c.int(0, "n") : 0
        return IndexStorageSummary(blocks: blocks, rows: rows, storedBytes: bytes + centroidBytes, listRows: listRows)
    }
}
