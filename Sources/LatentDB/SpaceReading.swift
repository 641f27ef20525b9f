import EmbeddingCodec
import Foundation
import LatentCore
import Storage

/// A space read whole: its record, items (row order) and matrix.
public struct LoadedSpace: Sendable {
    let record: SpaceRecord
    let items: [ItemRecord]
    public let matrix: Matrix<Float>

    public var keys: [ItemKey] { items.map(\.key) }

    /// Row of each key.
    public func rowIndex() -> [ItemKey: Int] {
        Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1.key, $0) })
    }
}

public struct ExportResult: Codable, Sendable {
    public let space: String
    public let output: String
    public let rows: Int
    public let dim: Int
    public let version: String
    public let format: String
}

/// The file formats `export` writes (float32 values, exactly as stored).
public enum ExportFormat: String, Sendable, CaseIterable {
    /// `.npy`, C order: byte-identical to a registered float32 `.npy`.
    case npy
    /// One F32 tensor named `embeddings`.
    case safetensors
    /// Each row: int32 dimension, then the floats.
    case fvecs

    var fileFormat: EmbeddingFileFormat {
        switch self {
        case .npy: .npy
        case .safetensors: .safetensors
        case .fvecs: .fvecs
        }
    }
}

extension LatentStore {
    /// Decodes one stored block, naming the space and block in any error.
    static func decode(_ bytes: UnsafeRawBufferPointer, location: BlockLocation, space: SpaceRecord) throws -> Matrix<Float> {
        var elements: [Float] = []
        return try decode(bytes, location: location, space: space, reusing: &elements)
    }

    /// ``decode(_:location:space:)`` into `elements`, whose storage is reused when it has the
    /// block's size and is not shared (a pipeline slot's buffer): no allocation per block.
    static func decode(_ bytes: UnsafeRawBufferPointer, location: BlockLocation, space: SpaceRecord,
                       reusing elements: inout [Float]) throws -> Matrix<Float> {
        do {
            let header = try EmbeddingBlock.header(of: bytes)
            guard header.rows == location.rowCount, header.columns == space.dimension else {
                throw LatentError(.blockShape(space: space.name.description, block: location.index, rows: header.rows, columns: header.columns, expectedRows: location.rowCount, expectedColumns: space.dimension))
            }
            if elements.count != header.rows * header.columns {
                elements = [Float](repeating: 0, count: header.rows * header.columns)
            }
            try elements.withUnsafeMutableBufferPointer { _ = try EmbeddingBlock.decode(bytes, into: $0) }
            return Matrix(rows: header.rows, columns: header.columns, elements: elements)
        } catch let error as CodecError {
            let last = location.firstRow + location.rowCount - 1
            throw LatentError(.corruptBlock(space: space.name.description, block: location.index, firstRow: location.firstRow, lastRow: last, cause: "\(error)"))
        }
    }

    /// One block on its way through ``forEachBlock(_:space:_:)``: the stored bytes (read from
    /// SQLite straight into `stored`) and, once a worker is done, the rows.
    private final class DecodeSlot: @unchecked Sendable {
        let space: SpaceRecord
        var location = BlockLocation(index: 0, firstRow: 0, rowCount: 0)
        private var storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        private(set) var stored = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        var elements: [Float] = []
        var result: Result<Matrix<Float>, any Error> = .success(Matrix(rows: 0, columns: 0))

        /// Runs on the worker after a successful decode (an export writes the rows there).
        let decoded: (@Sendable (Int, Matrix<Float>) throws -> Void)?

        init(space: SpaceRecord, decoded: (@Sendable (Int, Matrix<Float>) throws -> Void)?) {
            self.space = space
            self.decoded = decoded
        }
        deinit { storage.deallocate() }

        /// Makes `stored` `count` bytes long, reusing the memory of earlier blocks.
        func resize(_ count: Int) {
            if count > storage.count {
                storage.deallocate()
                storage = .allocate(byteCount: count, alignment: 16)
            }
            stored = UnsafeMutableRawBufferPointer(rebasing: storage[0..<count])
        }

        func decode() {
            result = Result {
                let rows = try LatentStore.decode(UnsafeRawBufferPointer(stored), location: location, space: space, reusing: &elements)
                try decoded?(location.firstRow, rows)
                return rows
            }
        }
    }

    /// Streams the blocks of a space inside one read transaction (one consistent version).
    /// Blocks are decoded (and their checksums verified) on worker threads a few blocks ahead
    /// while this thread reads the next BLOBs; `body` sees them in order, on this thread, and
    /// errors surface in block order as they would one block at a time. `decoded`, if given,
    /// also sees each block, on its worker, in no particular order, before `body` does.
    static func forEachBlock(_ tx: any StorageTransaction, space: SpaceRecord, decoded: (@Sendable (Int, Matrix<Float>) throws -> Void)? = nil,
                             _ body: (Int, Matrix<Float>) throws -> Void) throws {
        var expectedRow = 0
        try withoutActuallyEscaping(body) { body in
            let pipeline = BlockPipeline(
                slots: (0..<BlockPipeline<DecodeSlot>.defaultWidth).map { _ in DecodeSlot(space: space, decoded: decoded) },
                work: { $0.decode() },
                consume: { slot in
                    let location = slot.location
                    guard location.firstRow == expectedRow else {
                        throw LatentError(.blockRowGap(space: space.name.description, block: location.index, firstRow: location.firstRow, expected: expectedRow))
                    }
                    try body(location.firstRow, try slot.result.get())
                    slot.result = .success(Matrix(rows: 0, columns: 0))  // drops the last reference to the rows: the next decode reuses them
                    expectedRow += location.rowCount
                })
            try pipeline.run {
                try tx.forEachBlock(spaceID: space.id, reading: { location, block in
                    try pipeline.submit { slot in
                        slot.location = location
                        slot.resize(block.count)
                        try block.read(into: slot.stored)
                    }
                })
            }
        }
        guard expectedRow == space.rowCount else {
            throw LatentError(.blockRowTotal(space: space.name.description, rows: expectedRow, expected: space.rowCount))
        }
    }

    static func load(_ tx: any StorageTransaction, _ name: SpaceName) throws -> LoadedSpace {
        let space = try tx.space(name)
        let items = try tx.items(datasetID: space.datasetID)
        var matrix = Matrix<Float>(rows: 0, columns: space.dimension)
        matrix.elements.reserveCapacity(space.rowCount * space.dimension)
        try forEachBlock(tx, space: space) { _, block in matrix.appendRows(block) }
        return LoadedSpace(record: space, items: items, matrix: matrix)
    }

    /// The whole space in memory.
    public func load(_ name: SpaceName) throws -> LoadedSpace {
        try read { try Self.load($0, name) }
    }

    /// Streams a space block by block: `body(firstRow, block)`.
    public func forEachBlock(of name: SpaceName, _ body: (Int, Matrix<Float>) throws -> Void) throws {
        try read { tx in
            try Self.forEachBlock(tx, space: try tx.space(name), body)
        }
    }

    /// Writes the space as float32 in `format` (`.npy` C order by default, safetensors with one
    /// tensor `embeddings`, or `.fvecs`), streaming: the values are exactly those registered.
    public func export(_ name: SpaceName, to output: String, format: ExportFormat = .npy,
                       progress: ((Int, Int) -> Void)? = nil) throws -> ExportResult {
        try read { tx in
            let space = try tx.space(name)
            let temporary = output + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
            do {
                let writer = try EmbeddingFile.writer(format: format.fileFormat, path: temporary, rows: space.rowCount, columns: space.dimension)
                if let writer = writer as? any PlacedRowSink {
                    // Each worker writes the block it decoded at its place in the file, so the
                    // file writes leave the thread that reads the BLOBs.
                    let placed = writer.placed, columns = space.dimension
                    try Self.forEachBlock(tx, space: space, decoded: { first, block in
                        try block.elements.withUnsafeBufferPointer { try placed.write($0, atElement: first * columns) }
                    }) { first, block in
                        try writer.countPlaced(block.elements.count)
                        progress?(first + block.rows, space.rowCount)
                    }
                } else {
                    try Self.forEachBlock(tx, space: space) { first, block in
                        try block.elements.withUnsafeBufferPointer { try writer.append($0) }
                        progress?(first + block.rows, space.rowCount)
                    }
                }
                try writer.finish()
                // Rename into place: a failed export never leaves a half-written file under the user's name.
                if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
                try FileManager.default.moveItem(atPath: temporary, toPath: output)
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                if error is LatentError || error is CodecError { throw error }
                throw LatentError(.cannotWrite(path: output, reason: error.localizedDescription))
            }
            return ExportResult(space: name.description, output: output, rows: space.rowCount, dim: space.dimension, version: space.version, format: format.rawValue)
        }
    }
}
