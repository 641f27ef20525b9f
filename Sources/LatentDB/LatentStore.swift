import EmbeddingCodec
import Foundation
import LatentCore
import Storage

/// The façade a program uses: one store, and everything LatentDB does with it.
public final class LatentStore: Sendable {
    public static let libraryVersion = "0.1.0"

    let store: any StorageBackend
    /// Where the store is: a file path, or a `postgresql://` URI (never with a password).
    public var path: String { store.location }
    /// The schema version of this store.
    public var schemaVersion: Int { store.schemaVersion }

    /// Opens (and with `create`, creates) the store at `path`: an SQLite file, or a PostgreSQL
    /// database named by a `postgresql://` or `postgres://` URI.
    public init(path: String, create: Bool = false) throws {
        do {
            store = try openStorage(at: path, create: create)
        } catch {
            throw LatentError.classify(error)
        }
    }

    /// Rows per block: about 2 MiB raw, where the codec's ratio levels off (tools/bench codec-bench)
    /// and streaming a space keeps only a few MiB in memory.
    public static func blockRows(dimension: Int) -> Int {
        EmbeddingBlock.recommendedRows(columns: dimension)
    }

    /// Runs a read transaction, classifying failures for the CLI.
    func read<T>(_ body: (any StorageTransaction) throws -> T) throws -> T {
        do { return try store.read(body) } catch let restart as SpaceVersionsChanged { throw restart } catch { throw LatentError.classify(error) }
    }

    func write<T>(bulk: Bool = false, _ body: (any StorageTransaction) throws -> T) throws -> T {
        do { return try store.write(bulk: bulk, body) } catch let restart as SpaceVersionsChanged { throw restart } catch { throw LatentError.classify(error) }
    }

    public func spaces() throws -> [SpaceRecord] {
        try read { try $0.spaces() }
    }

    public func space(_ name: SpaceName) throws -> SpaceRecord {
        try read { try $0.space(name) }
    }

    /// A space with its dataset's items.
    public func describe(_ name: SpaceName) throws -> (space: SpaceRecord, items: [ItemRecord], blocks: [BlockLocation]) {
        try read { tx in
            let space = try tx.space(name)
            return (space, try tx.items(datasetID: space.datasetID), try tx.blockLocations(spaceID: space.id))
        }
    }

    /// Removes a space (and its dataset, when no other space uses it).
    @discardableResult
    public func remove(_ name: SpaceName) throws -> (space: SpaceRecord, datasetRemoved: Bool) {
        try write { tx in
            let space = try tx.space(name)
            return (space, try tx.removeSpace(space))
        }
    }

    public func vacuum() throws {
        do { try store.vacuum() } catch { throw LatentError.classify(error) }
    }

    /// Bytes the store takes on disk (for a PostgreSQL store: its database's size).
    public func storedBytes() throws -> Int {
        do { return try store.storedBytes() } catch { throw LatentError.classify(error) }
    }
}

/// Text files of one value per line (keys, labels, splits).
enum LineFile {
    static func read(_ path: String, what: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LatentError(.textFileUnreadable(what: what, path: path))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LatentError(.textFileNotUTF8(what: what, path: path))
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// Hex of a 64-bit hash, fixed width.
func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

extension LatentStore {
    /// Lines of a text file (keys, splits), for callers outside the library.
    public static func readLines(_ path: String, what: String) throws -> [String] {
        try LineFile.read(path, what: what).filter { !$0.isEmpty }
    }
}
