import EmbeddingCodec
import Foundation
import LatentCore
import Storage

/// The façade a program uses: one store, and everything LatentDB does with it.
public final class LatentStore: Sendable {
    public static let libraryVersion = "0.1.0"

    let store: any StorageBackend
    /// Decoded spaces held between queries (a long-lived process); nil streams every query.
    public let hot: HotSpaces?
    /// Where the store is, as the user named it (an SQLite file path today).
    public var path: String { store.location }
    /// The schema version of this store.
    public var schemaVersion: Int { store.schemaVersion }

    /// Opens (and with `create`, creates) the store at `path`, an SQLite file; the location
    /// string is what a second backend behind `StorageBackend` will also be named by.
    /// `hot`: a cache of decoded spaces shared by this store's queries (`latentdb serve`).
    public init(path: String, create: Bool = false, hot: HotSpaces? = nil) throws {
        self.hot = hot
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

    /// Every space, sorted by name (what `ls` shows).
    public func spaces() throws -> [SpaceSummary] {
        try read { try $0.spaces() }.map(SpaceSummary.init)
    }

    /// One space's shape, storage and version (without its items).
    public func space(_ name: SpaceName) throws -> SpaceSummary {
        SpaceSummary(try read { try $0.space(name) })
    }

    /// A space with what its dataset's items say (what `info` shows).
    public func describe(_ name: SpaceName) throws -> SpaceDescription {
        try read { tx in
            let space = try tx.space(name)
            let items = try tx.items(datasetID: space.datasetID)
            var labels: [String: Int] = [:], splits: [String: Int] = [:]
            for item in items {
                if let label = item.label { labels[label, default: 0] += 1 }
                if let split = item.split { splits[split, default: 0] += 1 }
            }
            let summary = SpaceSummary(space)
            return SpaceDescription(
                space: summary.space, model: name.model, dataset: name.dataset, rows: summary.rows, dim: summary.dim,
                elementType: "float32", sourceDType: space.sourceDType, codec: summary.codec,
                blocks: try tx.blockLocations(spaceID: space.id).count, blockRows: space.blockRows, rawBytes: summary.rawBytes,
                storedBytes: summary.storedBytes, compressionRatio: summary.compressionRatio, version: summary.version,
                createdAt: summary.createdAt, libraryVersion: space.libraryVersion, provenance: summary.provenance,
                labels: labels, splits: splits, exampleKeys: Array(items.prefix(5).map(\.key)))
        }
    }

    /// Removes a space (and its dataset, when no other space uses it).
    @discardableResult
    public func remove(_ name: SpaceName) throws -> (space: SpaceSummary, datasetRemoved: Bool) {
        try write { tx in
            let space = try tx.space(name)
            return (SpaceSummary(space), try tx.removeSpace(space))
        }
    }

    public func vacuum() throws {
        do { try store.vacuum() } catch { throw LatentError.classify(error) }
    }

    /// Bytes the store takes on disk.
    public func storedBytes() throws -> Int {
        do { return try store.storedBytes() } catch { throw LatentError.classify(error) }
    }
}

/// A space as `ls` lists it (the `--json` shape of `ls`).
public struct SpaceSummary: Codable, Sendable, Equatable {
    public let space: String, rows: Int, dim: Int, codec: String, rawBytes: Int, storedBytes: Int, compressionRatio: Double
    public let version: String, createdAt: String, provenance: String?

    init(_ r: SpaceRecord) {
        (space, rows, dim, codec, rawBytes, storedBytes) = (r.name.description, r.rowCount, r.dimension, r.codec, r.rawBytes, r.storedBytes)
        (compressionRatio, version, createdAt, provenance) = (r.compressionRatio, r.version, r.createdAt, r.provenance)
    }
}

/// A space as `info` describes it (the `--json` shape of `info`).
public struct SpaceDescription: Codable, Sendable {
    public let space: String, model: String, dataset: String, rows: Int, dim: Int, elementType: String, sourceDType: String
    public let codec: String, blocks: Int, blockRows: Int, rawBytes: Int, storedBytes: Int, compressionRatio: Double
    public let version: String, createdAt: String, libraryVersion: String, provenance: String?
    public let labels: [String: Int], splits: [String: Int], exampleKeys: [String]
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
