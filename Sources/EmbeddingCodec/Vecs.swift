import LatentCore

/// `.fvecs` and `.bvecs` (the TEXMEX / FAISS benchmark formats), streamed. Every row is
///
/// | offset | size | description |
/// | --- | --- | --- |
/// | 0 | 4 | d: the row's dimension, signed little-endian int32, the same for every row |
/// | 4 | 4·d (fvecs) or d (bvecs) | d float32 (fvecs) or d uint8 (bvecs, read as float32) |
final class VecsReader: EmbeddingRowSource {
    enum Kind { case fvecs, bvecs }

    let path: String
    let rows: Int
    let columns: Int
    let kind: ElementKind
    var sourceDType: String { kind.dtypeName }
    let format: EmbeddingFileFormat
    private(set) var remainingRows: Int
    private let file: NPYFile
    private var rowSize: Int { 4 + columns * kind.size }

    init(path: String, kind vecs: Kind) throws(CodecError) {
        file = try NPYFile(reading: path)
        self.path = path
        kind = vecs == .fvecs ? .float32 : .uint8
        format = vecs == .fvecs ? .fvecs : .bvecs
        let size = try file.size()
        let name = format.rawValue
        if size == 0 {
            columns = 0
            rows = 0
            remainingRows = 0
            throw CodecError(path: path, .vecsEmpty(ext: name))
        }
        let head = try file.read(4, at: 0)
        guard head.count == 4 else { throw CodecError(path: path, .vecsTruncated(ext: name, size: size)) }
        let d = Int(head.withUnsafeBytes { $0.littleEndian(at: 0, as: Int32.self) })
        guard d > 0 else { throw CodecError(path: path, .vecsDimension(ext: name, dimension: Int(d))) }
        columns = d
        let rowSize = 4 + d * kind.size
        guard size % rowSize == 0 else {
            throw CodecError(path: path, .vecsPartialRow(ext: name, size: size, dimension: Int(d), rowSize: rowSize))
        }
        rows = size / rowSize
        remainingRows = rows
    }

    func readRows(_ count: Int) throws(CodecError) -> Matrix<Float> {
        precondition(count >= 0, "negative row count \(count)")
        let n = min(count, remainingRows)
        let first = rows - remainingRows
        let chunkRows = max(1, (1 << 20) / rowSize)
        var matrix = Matrix<Float>(rows: 0, columns: columns)
        matrix.elements.reserveCapacity(n * columns)
        var done = 0
        while done < n {
            let k = min(chunkRows, n - done)
            let bytes = try file.read(k * rowSize, at: (first + done) * rowSize)
            guard bytes.count == k * rowSize else {
                throw CodecError(path: path, .changedWhileReading(expected: k * rowSize, found: bytes.count))
            }
            var failure: CodecError?
            let block = [Float](unsafeUninitializedCapacity: k * columns) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    for r in 0..<k {
                        let d = Int(raw.littleEndian(at: r * rowSize, as: Int32.self))
                        guard d == columns else {
                            failure = CodecError(path: path, .vecsRagged(ext: format.rawValue, row: first + done + r, dimension: Int(d), firstDimension: columns))
                            return
                        }
                        kind.decode(raw, from: r * rowSize + 4, count: columns, into: out, at: r * columns)
                    }
                }
                initialized = failure == nil ? k * columns : 0
            }
            if let failure { throw failure }
            matrix.appendRows(Matrix(rows: k, columns: columns, elements: block))
            done += k
        }
        remainingRows -= n
        return matrix
    }
}

/// Writes float32 rows as `.fvecs`, streaming.
public final class FvecsWriter: EmbeddingRowSink {
    public let path: String
    let rows: Int
    let columns: Int
    private var elementsWritten = 0
    private let file: NPYFile
    private var finished = false

    public init(path: String, rows: Int, columns: Int) throws(CodecError) {
        precondition(rows >= 0 && columns >= 0, "negative shape \(rows)x\(columns)")
        guard columns > 0 || rows == 0 else { throw CodecError(path: path, .fvecsColumns(columns)) }
        guard columns <= Int(Int32.max) else { throw CodecError(path: path, .fvecsColumns(columns)) }
        self.path = path
        self.rows = rows
        self.columns = columns
        file = try NPYFile(creating: path)
    }

    /// Appends row-major floats (a whole number of rows is not required between calls).
    public func append(_ values: UnsafeBufferPointer<Float>) throws(CodecError) {
        precondition(!finished, "append after finish")
        guard elementsWritten + values.count <= rows * columns else {
            throw CodecError(path: path, .writerOverflow(rows: rows, columns: columns, appended: elementsWritten + values.count))
        }
        // Row runs are copied whole (the host is little-endian, as on disk): a loop of 4-byte
        // appends made an .fvecs export several times slower than the .npy one.
        precondition(UInt32(1).littleEndian == 1, "big-endian hosts are not supported")
        let capacity = values.count * 4 + (values.count / max(columns, 1) + 2) * 4
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            let dst = UnsafeMutableRawPointer(out.baseAddress!)
            var o = 0, i = 0
            while i < values.count {
                if elementsWritten % columns == 0 {
                    dst.storeBytes(of: Int32(columns).littleEndian, toByteOffset: o, as: Int32.self)
                    o += 4
                }
                let run = min(columns - elementsWritten % columns, values.count - i)
                (dst + o).copyMemory(from: values.baseAddress! + i, byteCount: 4 * run)
                o += 4 * run
                i += run
                elementsWritten += run
            }
            count = o
        }
        try file.write(bytes)
    }

    public func finish() throws(CodecError) {
        precondition(!finished, "finish called twice")
        finished = true
        guard elementsWritten == rows * columns else {
            try? file.close()
            throw CodecError(path: path, .writerIncomplete(rows: rows, columns: columns, written: elementsWritten))
        }
        try file.close()
    }
}
