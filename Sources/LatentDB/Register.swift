import EmbeddingCodec
import Foundation
import LatentCore
import Storage

public struct RegisterRequest: Sendable {
    public var name: SpaceName
    public var embeddingsPath: String
    /// The array of an `.npz` or the tensor of a safetensors file (needed when it holds several).
    public var member: String?
    public var keysPath: String?
    public var labelsPath: String?
    public var splitPath: String?
    public var codec: BlockCodec
    public var replace: Bool
    public var provenance: String?

    public init(name: SpaceName, embeddingsPath: String, member: String? = nil, keysPath: String? = nil, labelsPath: String? = nil,
                splitPath: String? = nil, codec: BlockCodec = .defaultCodec, replace: Bool = false, provenance: String? = nil) {
        self.name = name
        self.embeddingsPath = embeddingsPath
        self.member = member
        self.keysPath = keysPath
        self.labelsPath = labelsPath
        self.splitPath = splitPath
        self.codec = codec
        self.replace = replace
        self.provenance = provenance
    }
}

public struct RegisterResult: Codable, Sendable {
    public let space: String
    public let rows: Int
    public let dim: Int
    public let sourceDType: String
    public let codec: String
    public let rawBytes: Int
    public let storedBytes: Int
    public let compressionRatio: Double
    public let version: String
    /// The file's rows were in another order than the dataset's and were re-aligned.
    public let realigned: Bool
    public let replaced: Bool
    public let datasetCreated: Bool
}

extension LatentStore {
    /// Registers the embeddings of one file (`.npy`, `.npz`, safetensors, `.fvecs`, `.bvecs`)
    /// as space `request.name`, in one transaction.
    public func register(_ request: RegisterRequest, progress: ((Int, Int) -> Void)? = nil) throws -> RegisterResult {
        let reader = try EmbeddingFile.open(path: request.embeddingsPath, member: request.member)
        let file = reader.path  // `-` is read as, and named, standard input
        let rows = reader.rows, dim = reader.columns
        guard dim > 0 else { throw LatentError(.zeroColumns(file: file)) }

        let keys = try request.keysPath.map { try Self.readKeys($0, rows: rows, embeddings: file) } ?? (0 ..< rows).map(String.init)
        let labels = try request.labelsPath.map { try Self.readLabels($0, rows: rows, embeddings: file) }
        let splits = try request.splitPath.map { path in
            try Self.checkedLines(path, what: "split", rows: rows, embeddings: file).map { $0.isEmpty ? nil : $0 }
        }
        let keysHash = hex(Self.hashKeys(keys))

        return try write(bulk: true) { tx in
            // The dataset: created by the first space, shared (keys, labels, splits) by the others.
            var datasetCreated = false
            var order: [Int]? = nil  // dataset row → file row, when the file is in another order
            let dataset: DatasetRecord
            if let existing = try tx.dataset(named: request.name.dataset) {
                dataset = existing
                let stored = try tx.items(datasetID: existing.id)
                if existing.keysHash != keysHash {
                    order = try Self.alignment(of: keys, to: stored.map(\.key), file: file, dataset: existing.name)
                }
                let reorder = { (values: [String?]) in order.map { $0.map { values[$0] } } ?? values }
                try tx.updateItemAnnotations(
                    datasetID: existing.id,
                    labels: try labels.flatMap { try Self.merge(reorder($0), into: stored.map(\.label), what: "label", keys: stored.map(\.key), file: request.labelsPath!) },
                    splits: try splits.flatMap { try Self.merge(reorder($0), into: stored.map(\.split), what: "split", keys: stored.map(\.key), file: request.splitPath!) })
            } else {
                let items = keys.indices.map { ItemRecord(key: keys[$0], label: labels?[$0], split: splits?[$0]) }
                dataset = try tx.createDataset(name: request.name.dataset, items: items, keysHash: keysHash)
                datasetCreated = true
            }

            var replaced = false
            if let old = try tx.findSpace(request.name) {
                guard request.replace else {
                    throw LatentError(.spaceExists(request.name.description, rows: old.rowCount, dimension: old.dimension))
                }
                try tx.removeSpace(old, keepDataset: true)
                replaced = true
            }

            let blockRows = Self.blockRows(dimension: dim)
            let spaceID = try tx.beginSpace(NewSpace(
                name: request.name, rowCount: rows, dimension: dim, sourceDType: reader.sourceDType,
                codec: request.codec.rawValue, blockRows: blockRows, provenance: request.provenance,
                libraryVersion: Self.libraryVersion), datasetID: dataset.id)

            var hasher = SpaceVersionHasher(keysHash: keysHash, rows: rows, columns: dim)
            var storedBytes = 0
            let source = OrderedRows(try SpaceRowSource(reader: reader, order: order))
            // Workers read, check and encode the next few blocks while this thread inserts
            // finished blocks in order (SQLite has one writer).
            let pipeline = BlockPipeline(
                slots: (0..<BlockPipeline<EncodeSlot>.defaultWidth).map { _ in EncodeSlot(codec: request.codec, source: source) },
                work: { $0.encode() },
                consume: { slot in
                    if let failure = slot.readFailure { throw failure }
                    let block = slot.block, firstRow = slot.location.firstRow
                    if let bad = slot.nonFinite {
                        let fileRow = order?[firstRow + bad.row] ?? (firstRow + bad.row)
                        let value = block[bad.row, bad.column]
                        throw LatentError(.nonFiniteEmbedding(file: file, row: fileRow, column: bad.column, value: value))
                    }
                    hasher.add(blockChecksum: slot.checksum)
                    try tx.appendBlock(spaceID: spaceID, location: slot.location, data: slot.blob)
                    storedBytes += slot.blob.count
                    progress?(firstRow + slot.location.rowCount, rows)
                })
            try pipeline.run {
                var firstRow = 0, index = 0
                while firstRow < rows {
                    let count = min(blockRows, rows - firstRow)
                    try pipeline.submit { slot in slot.location = BlockLocation(index: index, firstRow: firstRow, rowCount: count) }
                    firstRow += count
                    index += 1
                }
            }
            let version = hasher.finalize()
            try tx.finishSpace(spaceID: spaceID, storedBytes: storedBytes, version: version)
            let raw = rows * dim * 4
            return RegisterResult(
                space: request.name.description, rows: rows, dim: dim, sourceDType: reader.sourceDType,
                codec: request.codec.rawValue, rawBytes: raw, storedBytes: storedBytes,
                compressionRatio: storedBytes == 0 ? 1 : Double(raw) / Double(storedBytes), version: version,
                realigned: order != nil, replaced: replaced, datasetCreated: datasetCreated)
        }
    }

    static func hashKeys(_ keys: [String]) -> UInt64 {
        var bytes = [UInt8]()
        bytes.reserveCapacity(keys.count * 8)
        for key in keys {
            bytes.append(contentsOf: key.utf8)
            bytes.append(0x0A)
        }
        return bytes.withUnsafeBytes { xxh64($0) }
    }

    static func checkedLines(_ path: String, what: String, rows: Int, embeddings: String) throws -> [String] {
        let lines = try LineFile.read(path, what: what)
        guard lines.count == rows else {
            throw LatentError(.lineCount(what: what, path: path, found: lines.count, unit: "lines", expected: rows, embeddings: embeddings))
        }
        return lines
    }

    static func readKeys(_ path: String, rows: Int, embeddings: String) throws -> [String] {
        let keys = try checkedLines(path, what: "keys", rows: rows, embeddings: embeddings)
        var seen = [String: Int](minimumCapacity: keys.count)
        for (line, key) in keys.enumerated() {
            guard !key.isEmpty else { throw LatentError(.emptyKey(path: path, line: line + 1)) }
            if let first = seen.updateValue(line, forKey: key) {
                throw LatentError(.duplicateKey(key, path: path, firstLine: first + 1, line: line + 1))
            }
        }
        return keys
    }

    /// Labels from an integer `.npy` (stored as decimal text) or a text file (one per line; an
    /// empty line is an unlabelled item).
    static func readLabels(_ path: String, rows: Int, embeddings: String) throws -> [String?] {
        if path.hasSuffix(".npy") {
            let values = try NPY.readIntegers(path: path)
            guard values.count == rows else {
                throw LatentError(.lineCount(what: "labels", path: path, found: values.count, unit: "labels", expected: rows, embeddings: embeddings))
            }
            return values.map { String($0) }
        }
        return try checkedLines(path, what: "labels", rows: rows, embeddings: embeddings).map { $0.isEmpty ? nil : $0 }
    }

    /// dataset row → file row; an error when the two key sets differ.
    static func alignment(of keys: [String], to datasetKeys: [String], file: String, dataset: String) throws -> [Int] {
        let position = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        let datasetSet = Set(datasetKeys)
        let missing = datasetKeys.filter { position[$0] == nil }
        let extra = keys.filter { !datasetSet.contains($0) }
        guard missing.isEmpty && extra.isEmpty else {
            throw LatentError(.keysMismatch(file: file, dataset: dataset, datasetCount: datasetKeys.count, missing: missing, extra: extra))
        }
        return datasetKeys.map { position[$0]! }
    }

    /// New labels or splits for an existing dataset: fill what is unset, refuse to contradict.
    static func merge(_ given: [String?], into stored: [String?], what: String, keys: [String], file: String) throws -> [String?]? {
        if stored.allSatisfy({ $0 == nil }) { return given }
        if let row = given.indices.first(where: { given[$0] != stored[$0] }) {
            throw LatentError(.annotationConflict(what: what, file: file, key: keys[row], stored: stored[row] ?? "", given: given[row] ?? ""))
        }
        return nil
    }
}

/// One block on its way through `register`'s pipeline: on a worker, its rows read from the
/// file, then the first non-finite value if any, else the encoded block.
private final class EncodeSlot: @unchecked Sendable {
    let codec: BlockCodec
    let source: OrderedRows
    var location = BlockLocation(index: 0, firstRow: 0, rowCount: 0)
    var readFailure: (any Error)?
    var block = Matrix<Float>(rows: 0, columns: 0)
    var nonFinite: (row: Int, column: Int)?
    var blob = Data()
    var checksum: UInt64 = 0

    init(codec: BlockCodec, source: OrderedRows) {
        self.codec = codec
        self.source = source
    }

    func encode() {
        switch source.rows(of: location) {
        case .success(let rows):
            block = rows
            readFailure = nil
        case .failure(let error):
            readFailure = error
            return
        }
        nonFinite = block.firstNonFinite()
        guard nonFinite == nil else { return }
        let bytes = EmbeddingBlock.encode(block, codec: codec)
        // The header was just written by `encode`: it parses, and its checksum is the block's.
        checksum = try! EmbeddingBlock.header(of: bytes).checksum
        blob = Data(bytes)
    }
}

/// The file's rows for the workers, block after block in index order whichever worker asks
/// first (the readers are sequential), so that reading leaves the writer's thread. After a
/// failed read, later blocks are not read: the writer stops at the failed one.
private final class OrderedRows: @unchecked Sendable {
    private let source: SpaceRowSource
    private let turn = NSCondition()
    private var next = 0
    private var failed = false

    init(_ source: SpaceRowSource) { self.source = source }

    /// Waits for the blocks before `location` to be read, then reads it. Blocks are submitted in
    /// order and workers start them in order, so the block whose turn it is is always running.
    func rows(of location: BlockLocation) -> Result<Matrix<Float>, any Error> {
        turn.lock()
        defer {
            next += 1
            turn.broadcast()
            turn.unlock()
        }
        while next != location.index { turn.wait() }
        guard !failed else { return .failure(CancellationError()) }
        let result = Result { try source.rows(location.firstRow, count: location.rowCount) }
        if case .failure = result { failed = true }
        return result
    }
}

/// Rows of the file being registered, in dataset order: streamed when the orders agree, loaded
/// whole and gathered when they do not.
private struct SpaceRowSource {
    let reader: any EmbeddingRowSource
    let reordered: Matrix<Float>?

    init(reader: any EmbeddingRowSource, order: [Int]?) throws {
        self.reader = reader
        if let order {
            reordered = try reader.readRows(reader.rows).gatherRows(order)
        } else {
            reordered = nil
        }
    }

    func rows(_ first: Int, count: Int) throws -> Matrix<Float> {
        if let reordered { return reordered.gatherRows(first ..< first + count) }
        return try reader.readRows(count)
    }
}

/// A space's version: keys, shape and the raw bytes (through each block's checksum).
struct SpaceVersionHasher {
    private var bytes: [UInt8] = []

    init(keysHash: String, rows: Int, columns: Int) {
        bytes.append(contentsOf: "latentdb-space-v1|\(keysHash)|\(rows)|\(columns)|".utf8)
    }

    mutating func add(blockChecksum: UInt64) {
        withUnsafeBytes(of: blockChecksum.littleEndian) { bytes.append(contentsOf: $0) }
    }

    func finalize() -> String {
        hex(bytes.withUnsafeBytes { xxh64($0) })
    }
}
