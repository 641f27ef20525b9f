import EmbeddingCodec
import Foundation
import LatentCore
import Storage

/// A space read whole: its record, items (row order) and matrix.
public struct LoadedSpace: Sendable {
    public let record: SpaceRecord
    public let items: [ItemRecord]
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
        do {
            let header = try EmbeddingBlock.header(of: bytes)
            guard header.rows == location.rowCount, header.columns == space.dimension else {
                throw LatentError(.blockShape(space: space.name.description, block: location.index, rows: header.rows, columns: header.columns, expectedRows: location.rowCount, expectedColumns: space.dimension))
            }
            // Straight from SQLite's (memory-mapped) bytes into the matrix: no intermediate copy.
            var elements = [Float](repeating: 0, count: header.rows * header.columns)
            try elements.withUnsafeMutableBufferPointer { _ = try EmbeddingBlock.decode(bytes, into: $0) }
            return Matrix(rows: header.rows, columns: header.columns, elements: elements)
        } catch let error as CodecError {
            let last = location.firstRow + location.rowCount - 1
            throw LatentError(.corruptBlock(space: space.name.description, block: location.index, firstRow: location.firstRow, lastRow: last, cause: "\(error)"))
        }
    }

    /// Streams the blocks of a space inside one read transaction (one consistent version).
    static func forEachBlock(_ tx: StoreTransaction, space: SpaceRecord, _ body: (Int, Matrix<Float>) throws -> Void) throws {
        var expectedRow = 0
        try tx.forEachBlock(spaceID: space.id) { location, bytes in
            guard location.firstRow == expectedRow else {
                throw LatentError(.blockRowGap(space: space.name.description, block: location.index, firstRow: location.firstRow, expected: expectedRow))
            }
            try body(location.firstRow, try decode(bytes, location: location, space: space))
            expectedRow += location.rowCount
        }
        guard expectedRow == space.rowCount else {
            throw LatentError(.blockRowTotal(space: space.name.description, rows: expectedRow, expected: space.rowCount))
        }
    }

    static func load(_ tx: StoreTransaction, _ name: SpaceName) throws -> LoadedSpace {
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
    public func forEachBlock(of name: SpaceName, _ body: (SpaceRecord, Int, Matrix<Float>) throws -> Void) throws {
        try read { tx in
            let space = try tx.space(name)
            try Self.forEachBlock(tx, space: space) { try body(space, $0, $1) }
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
                try Self.forEachBlock(tx, space: space) { first, block in
                    try block.elements.withUnsafeBufferPointer { try writer.append($0) }
                    progress?(first + block.rows, space.rowCount)
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
