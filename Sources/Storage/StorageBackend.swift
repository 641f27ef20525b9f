import Foundation
import LatentCore

/// A LatentDB store, whichever database holds it: an SQLite file (``Store``, the embedded
/// default) or a PostgreSQL database (``PostgresStore``). The façade holds `any StorageBackend`
/// opened from a location string (``openStorage(at:create:)``) and never learns which it is.
///
/// Every command runs in one transaction: `read` sees one consistent snapshot (a writer never
/// blocks it), `write` commits all or nothing, one writer at a time.
public protocol StorageBackend: AnyObject, Sendable {
    /// Where the store is, as the user named it (a file path for SQLite); never a secret.
    var location: String { get }
    /// The schema version of this store (the number of migrations applied).
    var schemaVersion: Int { get }

    /// Runs `body` in one read transaction: one consistent snapshot even while a writer commits.
    func read<T>(_ body: (any StorageTransaction) throws -> T) throws -> T
    /// Runs `body` in one write transaction: all of it is committed, or none. `bulk`: the
    /// transaction writes hundreds of MB (a space's blocks).
    func write<T>(bulk: Bool, _ body: (any StorageTransaction) throws -> T) throws -> T

    /// Reclaims the space freed by removals.
    func vacuum() throws
    /// The database's own integrity checks; empty when all is well.
    func integrityProblems() throws -> [String]
    /// Bytes the store takes on disk.
    func storedBytes() throws -> Int
}

extension StorageBackend {
    public func write<T>(_ body: (any StorageTransaction) throws -> T) throws -> T {
        try write(bulk: false, body)
    }
}

/// The store at `location`: a `postgresql://` or `postgres://` URI opens a PostgreSQL store,
/// anything else is an SQLite file path.
public func openStorage(at location: String, create: Bool) throws(StorageError) -> any StorageBackend {
    if PostgresStore.isPostgresLocation(location) {
        return try PostgresStore.open(uri: location, create: create)
    }
    return try Store.open(path: location, create: create)
}

/// A stored block's bytes, read on demand straight into the caller's memory. Valid only inside
/// the `forEachBlock(spaceID:reading:)` call that hands it out.
public struct StoredBlock {
    /// The block's size in bytes.
    public let count: Int
    private let copy: (UnsafeMutableRawBufferPointer) throws -> Void

    init(count: Int, copy: @escaping (UnsafeMutableRawBufferPointer) throws -> Void) {
        self.count = count
        self.copy = copy
    }

    /// Copies the whole block into `buffer`, which must hold exactly ``count`` bytes.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        precondition(buffer.count == count, "block of \(count) bytes read into \(buffer.count)")
        guard count > 0 else { return }
        try copy(buffer)
    }
}

/// The store as seen inside one transaction (read-only under `read`). Records are the same
/// whichever backend holds them; ids are the backend's own.
public protocol StorageTransaction {
    /// The store's location, for messages.
    var location: String { get }

    // Spaces
    func spaces() throws -> [SpaceRecord]
    /// The space named `name`, or nil.
    func findSpace(_ name: SpaceName) throws -> SpaceRecord?

    // Datasets and items
    func dataset(named name: String) throws -> DatasetRecord?
    func dataset(id: Int64) throws -> DatasetRecord
    /// The dataset's items in row order.
    func items(datasetID: Int64) throws -> [ItemRecord]
    /// The row of each key in the dataset (nil for an unknown key), by index lookups.
    func rows(ofKeys keys: [String], datasetID: Int64) throws -> [Int?]
    /// The items at `rows`, in that order, by index lookups.
    func items(datasetID: Int64, rows: [Int]) throws -> [ItemRecord]
    func createDataset(name: String, items: [ItemRecord], keysHash: String) throws -> DatasetRecord
    /// Replaces labels and splits of existing items (keys and order stay).
    func updateItemAnnotations(datasetID: Int64, labels: [String?]?, splits: [String?]?) throws

    // Writing spaces
    /// Inserts the space row; blocks follow with `appendBlock`, then `finishSpace` seals it.
    func beginSpace(_ new: NewSpace, datasetID: Int64) throws -> Int64
    func appendBlock(spaceID: Int64, location: BlockLocation, data: Data) throws
    func finishSpace(spaceID: Int64, storedBytes: Int, version: String) throws
    /// Removes a space and its blocks; the dataset goes too when no other space uses it.
    /// Returns whether the dataset was removed.
    @discardableResult
    func removeSpace(_ space: SpaceRecord, keepDataset: Bool) throws -> Bool

    // Reading blocks
    func blockLocations(spaceID: Int64) throws -> [BlockLocation]
    /// Streams the space's blocks in order; the bytes are valid only inside `body`.
    func forEachBlock(spaceID: Int64, _ body: (BlockLocation, UnsafeRawBufferPointer) throws -> Void) throws
    /// Streams the space's blocks in order; each block's bytes are copied by the caller into
    /// memory it owns (SQLite: straight from the file, no copy through a row).
    func forEachBlock(spaceID: Int64, reading body: (BlockLocation, StoredBlock) throws -> Void) throws
    /// The blocks at `indices` (ascending) only, in that order: a few rows of a large space read
    /// a few blocks, not all of them.
    func forEachBlock(spaceID: Int64, indices: [Int], _ body: (BlockLocation, UnsafeRawBufferPointer) throws -> Void) throws

    // Anchor sets
    func anchorSets() throws -> [AnchorSetRecord]
    func findAnchorSet(named name: String) throws -> AnchorSetRecord?
    func anchorPairs(setID: Int64) throws -> [(source: ItemKey, target: ItemKey)]
    func createAnchorSet(_ new: NewAnchorSet) throws -> AnchorSetRecord
    func removeAnchorSet(id: Int64) throws

    // Translators
    /// Oldest first.
    func translators() throws -> [TranslatorRecord]
    func translator(fingerprint: String) throws -> TranslatorRecord?
    /// Up to `limit` translators whose fingerprint starts with `prefix`.
    func translators(prefixed prefix: String, limit: Int) throws -> [TranslatorRecord]
    /// Stores a translator, replacing one with the same fingerprint.
    func saveTranslator(_ record: TranslatorRecord) throws
    func removeTranslator(fingerprint: String) throws

    // Decoders
    func decoder(fingerprint: String) throws -> DecoderRecord?
    /// Every cached decoder (for `copy`).
    func decoders() throws -> [DecoderRecord]
    /// Stores a decoder, replacing one with the same fingerprint.
    func saveDecoder(_ record: DecoderRecord) throws

    // Hubs
    func hubs() throws -> [HubRecord]
    func hub(named name: String) throws -> HubRecord?
    /// Stores a hub, replacing one of the same name.
    func saveHub(_ hub: HubRecord) throws
    func removeHub(named name: String) throws -> Bool

    // IVF indexes (schema/0003_index.sql)
    /// Every index (current or stale), by space name.
    func indexes() throws -> [IndexRecord]
    /// The index of the space named `space`, or nil.
    /// With empty `centroids` when `centroids` is false: a process that holds them decoded
    /// confirms which build is current without reading them again (a backend may then also
    /// leave `buildSeconds`, `createdAt` and `libraryVersion` empty).
    func findIndex(space: String, centroids: Bool) throws -> IndexRecord?
    /// Inserts the index row, replacing the space's previous index; list blocks follow with
    /// `appendIndexBlock`, then `finishIndex` records the calibration.
    func beginIndex(_ new: NewIndex) throws -> Int64
    func appendIndexBlock(indexID: Int64, location: IndexBlockLocation, rowNumbers: [UInt8], data: [UInt8]) throws
    func finishIndex(indexID: Int64, defaultNProbe: Int, calibration: String, buildSeconds: Double) throws
    /// Removes the index of `space`; returns whether there was one.
    func removeIndex(space: String) throws -> Bool
    /// Streams the blocks of `lists` (ascending list, then block), or of every list when nil:
    /// `body(location, rowNumbers, data)`, the bytes valid only inside `body`. Reading a list
    /// reads only its own blocks.
    func forEachIndexBlock(indexID: Int64, lists: [Int]?,
                           _ body: (IndexBlockLocation, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws
    /// Block count, rows, bytes and rows per list of an index, without reading its blocks.
    func indexStorage(indexID: Int64) throws -> IndexStorageSummary
}

extension StorageTransaction {
    /// The index of the space named `space`, centroids included, or nil.
    public func findIndex(space: String) throws -> IndexRecord? {
        try findIndex(space: space, centroids: true)
    }

    /// The space named `name`; an unknown name is an error that lists what the store has.
    public func space(_ name: SpaceName) throws -> SpaceRecord {
        if let found = try findSpace(name) { return found }
        let known = try spaces().map(\.name.description)
        throw StorageError(.notFound, .unknownSpace(name.description, path: location, known: known))
    }

    @discardableResult
    public func removeSpace(_ space: SpaceRecord) throws -> Bool {
        try removeSpace(space, keepDataset: false)
    }

    public func appendBlock(spaceID: Int64, location: BlockLocation, data: [UInt8]) throws {
        try appendBlock(spaceID: spaceID, location: location, data: Data(data))
    }

    public func anchorSet(named name: String) throws -> AnchorSetRecord {
        if let found = try findAnchorSet(named: name) { return found }
        let known = try anchorSets().map(\.name)
        throw StorageError(.notFound, .unknownAnchorSet(name, path: location, known: known))
    }

    /// The translator whose fingerprint is `id` or starts with it; ambiguity is an error.
    public func translator(matching id: String) throws -> TranslatorRecord {
        // A prefix of hex digits: LIKE's wildcards have no business in it.
        let escaped = id.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
        let matches = try translators(prefixed: escaped, limit: 5)
        if let exact = matches.first(where: { $0.fingerprint == id }) { return exact }
        switch matches.count {
        case 0: throw StorageError(.notFound, .unknownTranslator(id, path: location))
        case 1: return matches[0]
        default: throw StorageError(.invalid, .ambiguousTranslator(id, matches: matches.count))
        }
    }
}
