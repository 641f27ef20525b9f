import Glibc
import LatentCore

/// Streams the rows of a 2-D floating-point `.npy` file (`<f2`, `<f4`, `<f8`, C order,
/// format 1.0, 2.0 or 3.0) as `Matrix<Float>`, so a file larger than memory can be ingested
/// block by block. `init` validates the whole header and that the file size matches it.
public final class NPYReader {
    public let path: String
    public let shape: [Int]
    public let dtype: NPYDType
    public var rows: Int { shape[0] }
    public var columns: Int { shape[1] }
    /// Rows not yet returned by ``readRows(_:)``.
    public private(set) var remainingRows: Int
    private let file: any ByteSource
    /// Data bytes read so far (a stream's length is checked against the header as it arrives).
    private var dataBytesRead = 0

    public convenience init(path: String) throws(CodecError) {
        try self.init(source: try NPYFile(reading: path))
    }

    /// Reads the `.npy` file whose whole contents are `bytes` (already in memory); `path` only
    /// names it in errors. The same checks as ``init(path:)``: used by the fuzz targets.
    public convenience init(bytes: [UInt8], path: String = "<memory>") throws(CodecError) {
        try self.init(source: MemoryBytes(bytes, path: path))
    }

    /// Reads the `.npy` held by `source` (a file, or a member of an `.npz`).
    init(source file: any ByteSource) throws(CodecError) {
        let path = file.path
        let header = try NPYHeader.read(file)
        guard header.dtype.isFloatingPoint else {
            throw CodecError(path: path, .notFloat(dtype: header.dtype.rawValue))
        }
        guard header.shape.count == 2 else {
            throw CodecError(path: path, .notTwoDimensional(dimensions: header.shape.count, shape: shapeText(header.shape)))
        }
        guard !header.fortranOrder || header.shape[0] <= 1 || header.shape[1] <= 1 else {
            throw CodecError(path: path, .fortranOrder)
        }
        self.path = path
        self.file = file
        shape = header.shape
        dtype = header.dtype
        remainingRows = header.shape[0]
    }

    /// The next `min(count, remainingRows)` rows, converted to Float (float16 and float64
    /// are converted exactly / rounded to nearest). Returns 0 rows at the end of the file.
    public func readRows(_ count: Int) throws(CodecError) -> Matrix<Float> {
        precondition(count >= 0, "negative row count \(count)")
        let n = min(count, remainingRows)
        let elementCount = n * columns
        var failure: CodecError?
        let elements = [Float](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            do throws(CodecError) {
                try fill(buffer)
                initialized = elementCount
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        remainingRows -= n
        if remainingRows == 0 && n > 0 && file.isStream { try expectEndOfStream() }
        return Matrix(rows: n, columns: columns, elements: elements)
    }

    /// A stream holds one array: anything after its data is an error (two arrays sent, or a
    /// header that declares fewer rows than were sent), found before the caller stores anything.
    private func expectEndOfStream() throws(CodecError) {
        var probe = [UInt8](repeating: 0, count: 1)
        guard try file.read(into: &probe) == 0 else {
            throw CodecError(path: path, .standardInputTrailing(expected: dataBytesRead))
        }
    }

    private func fill(_ out: UnsafeMutableBufferPointer<Float>) throws(CodecError) {
        switch dtype {
        case .float32:
            try readExactly(UnsafeMutableRawBufferPointer(out))
            for i in out.indices { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
        case .float16, .float64:
            // Convert through a bounded scratch buffer: memory stays O(chunk), not O(file).
            let itemSize = dtype.itemSize
            let chunkElements = max(1, (1 << 20) / itemSize)
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * itemSize, alignment: 16)
            defer { scratch.deallocate() }
            var done = 0
            while done < out.count {
                let k = min(chunkElements, out.count - done)
                try readExactly(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(k * itemSize)]))
                if dtype == .float16 {
                    for j in 0..<k {
                        let bits = UInt16(scratch[2 * j]) | UInt16(scratch[2 * j + 1]) << 8
                        out[done + j] = Float(Float16(bitPattern: bits))
                    }
                } else {
                    for j in 0..<k {
                        let bits = UInt64(littleEndian: scratch.loadUnaligned(fromByteOffset: 8 * j, as: UInt64.self))
                        out[done + j] = Float(Double(bitPattern: bits))
                    }
                }
                done += k
            }
        default:
            preconditionFailure("NPYReader holds a non-float dtype \(dtype)")
        }
    }

    private func readExactly(_ buffer: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let got = try file.read(into: buffer)
        dataBytesRead += got
        guard got == buffer.count else {
            if file.isStream {
                throw CodecError(path: path, .standardInputTruncated(expected: rows * columns * dtype.itemSize, found: dataBytesRead,
                                                                      shape: shapeText(shape), dtype: dtype.rawValue))
            }
            throw CodecError(path: path, .changedWhileReading(expected: buffer.count, found: got))
        }
    }
}

/// A file of `header` then `rows × columns` little-endian float32 values, streamed: the body
/// shared by `.npy` and safetensors writers, which differ only in their header.
final class Float32FileWriter {
    let path: String
    let rows: Int
    let columns: Int
    private(set) var elementsWritten = 0
    private let file: NPYFile
    private let headerCount: Int
    private var finished = false

    init(path: String, rows: Int, columns: Int, header: [UInt8]) throws(CodecError) {
        precondition(rows >= 0 && columns >= 0, "negative shape \(rows)x\(columns)")
        self.path = path
        self.rows = rows
        self.columns = columns
        headerCount = header.count
        file = try NPYFile(creating: path)
        try file.write(header)
    }

    /// Writes values at their place in the file from any thread (``PlacedRowWriter``).
    var placed: PlacedRowWriter {
        PlacedRowWriter(path: path, descriptor: file.descriptor, offset: headerCount, elementCount: rows * columns)
    }

    /// Counts `count` floats written through ``placed``, so that ``finish()`` checks the total.
    func countPlaced(_ count: Int) throws(CodecError) {
        precondition(!finished, "count after finish")
        guard elementsWritten + count <= rows * columns else {
            throw CodecError(path: path, .writerOverflow(rows: rows, columns: columns, appended: elementsWritten + count))
        }
        elementsWritten += count
    }

    func append(_ values: UnsafeBufferPointer<Float>) throws(CodecError) {
        precondition(!finished, "append after finish")
        guard elementsWritten + values.count <= rows * columns else {
            throw CodecError(path: path, .writerOverflow(rows: rows, columns: columns, appended: elementsWritten + values.count))
        }
        // Little-endian on disk; every supported host is little-endian, so this is a plain write.
        precondition(UInt32(1).littleEndian == 1, "big-endian hosts are not supported")
        try file.write(UnsafeRawBufferPointer(values))
        elementsWritten += values.count
    }

    /// Closes the file after checking that exactly `rows * columns` floats were appended.
    func finish() throws(CodecError) {
        precondition(!finished, "finish called twice")
        finished = true
        guard elementsWritten == rows * columns else {
            try? file.close()
            throw CodecError(path: path, .writerIncomplete(rows: rows, columns: columns, written: elementsWritten))
        }
        try file.close()
    }
}

/// Writes blocks of a float32 matrix file at their place (`pwrite(2)`), from several threads at
/// once, in any order: the blocks of a space are decoded on several cores, and each worker
/// writes its own. Valid while the writer it came from is open; the writer still counts the
/// floats (`countPlaced`), on the thread that finishes it.
public struct PlacedRowWriter: Sendable {
    let path: String
    let descriptor: Int32
    let offset: Int
    let elementCount: Int

    /// Writes `values` as elements `first ..< first + values.count` of the matrix.
    public func write(_ values: UnsafeBufferPointer<Float>, atElement first: Int) throws(CodecError) {
        precondition(first >= 0 && first + values.count <= elementCount, "elements \(first)..<\(first + values.count) of \(elementCount)")
        precondition(UInt32(1).littleEndian == 1, "big-endian hosts are not supported")
        let bytes = UnsafeRawBufferPointer(values)
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + 4 * first + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CodecError(path: path, .fileAccess(.write, reason: String(cString: strerror(errno)))) }
            done += n
        }
    }
}

/// A sink whose blocks can also be written at their place from worker threads: `.npy` and
/// safetensors, where element `i` sits at a fixed offset (not `.fvecs`, whose rows carry their length).
public protocol PlacedRowSink: EmbeddingRowSink {
    var placed: PlacedRowWriter { get }
    /// Counts floats written through ``placed``, so that `finish()` still checks the total.
    func countPlaced(_ count: Int) throws(CodecError)
}

/// Writes a float32 C-order 2-D `.npy` file row block by row block, with the header
/// `np.save` would write, so an exported space is byte-identical to the registered file.
public final class NPYWriter {
    private let body: Float32FileWriter
    public var path: String { body.path }
    public var rows: Int { body.rows }
    public var columns: Int { body.columns }
    public var elementsWritten: Int { body.elementsWritten }

    public init(path: String, rows: Int, columns: Int) throws(CodecError) {
        body = try Float32FileWriter(path: path, rows: rows, columns: columns,
                                     header: NPYHeader.bytes(dtype: .float32, shape: [rows, columns]))
    }

    /// Appends row-major floats (a whole number of rows is not required between calls).
    public func append(_ values: UnsafeBufferPointer<Float>) throws(CodecError) {
        try body.append(values)
    }

    public func append(_ m: Matrix<Float>) throws(CodecError) {
        precondition(m.columns == columns || m.rows == 0, "appending \(m.columns) columns to a \(columns)-column file")
        let result = m.elements.withUnsafeBufferPointer { buffer in Result { () throws(CodecError) in try append(buffer) } }
        try result.get()
    }

    /// Closes the file after checking that exactly `rows * columns` floats were appended.
    public func finish() throws(CodecError) {
        try body.finish()
    }
}

extension NPYWriter: PlacedRowSink {
    public var placed: PlacedRowWriter { body.placed }
    public func countPlaced(_ count: Int) throws(CodecError) { try body.countPlaced(count) }
}

/// Whole-file `.npy` reading and writing.
public enum NPY {
    /// Reads a 2-D floating-point array as Float, with the dtype it was stored in.
    public static func readMatrix(path: String) throws(CodecError) -> (matrix: Matrix<Float>, sourceDType: NPYDType) {
        let reader = try NPYReader(path: path)
        return (try reader.readRows(reader.rows), reader.dtype)
    }

    /// Reads a 1-D (or `(n, 1)`) integer array, e.g. labels: `<i1 <i2 <i4 <i8 <u1 <u2 <u4`,
    /// and `<u8` when every value fits in Int64.
    public static func readIntegers(path: String) throws(CodecError) -> [Int64] {
        try readIntegers(NPYFile(reading: path))
    }

    /// ``readIntegers(path:)`` on a file's whole contents already in memory (`path` names it in errors).
    public static func readIntegers(bytes: [UInt8], path: String = "<memory>") throws(CodecError) -> [Int64] {
        try readIntegers(NPYFile(bytes: bytes, path: path))
    }

    /// ``readMatrix(path:)`` on a file's whole contents already in memory (`path` names it in errors).
    public static func readMatrix(bytes: [UInt8], path: String = "<memory>") throws(CodecError) -> (matrix: Matrix<Float>, sourceDType: NPYDType) {
        let reader = try NPYReader(bytes: bytes, path: path)
        return (try reader.readRows(reader.rows), reader.dtype)
    }

    private static func readIntegers(_ file: NPYFile) throws(CodecError) -> [Int64] {
        let path = file.path
        let header = try NPYHeader.read(file)
        guard !header.dtype.isFloatingPoint else {
            throw CodecError(path: path, .labelsNotInteger(dtype: header.dtype.rawValue))
        }
        guard header.shape.count == 1 || (header.shape.count == 2 && header.shape[1] == 1) else {
            throw CodecError(path: path, .labelsShape(shapeText(header.shape)))
        }
        var bytes = [UInt8](repeating: 0, count: header.dataByteCount)
        let got = try file.read(into: &bytes)
        guard got == bytes.count else {
            throw CodecError(path: path, .changedWhileReading(expected: bytes.count, found: got))
        }
        let size = header.dtype.itemSize
        var values = [Int64]()
        values.reserveCapacity(header.elementCount)
        try withBytes(bytes) { (raw) throws(CodecError) in
            for i in 0..<header.elementCount {
                let o = i * size
                let v: Int64
                switch header.dtype {
                case .int8: v = Int64(Int8(bitPattern: raw[o]))
                case .uint8: v = Int64(raw[o])
                case .int16: v = Int64(raw.littleEndian(at: o, as: Int16.self))
                case .uint16: v = Int64(raw.littleEndian(at: o, as: UInt16.self))
                case .int32: v = Int64(raw.littleEndian(at: o, as: Int32.self))
                case .uint32: v = Int64(raw.littleEndian(at: o, as: UInt32.self))
                case .int64: v = raw.littleEndian(at: o, as: Int64.self)
                case .uint64:
                    let u = raw.littleEndian(at: o, as: UInt64.self)
                    guard let fits = Int64(exactly: u) else {
                        throw CodecError(path: path, .labelOverflow(value: u, index: i))
                    }
                    v = fits
                default: preconditionFailure("float dtype in readIntegers")
                }
                values.append(v)
            }
        }
        return values
    }

    /// Writes `m` as a float32 C-order `.npy`, byte-identical to `np.save` of the same array.
    public static func write(_ m: Matrix<Float>, to path: String) throws(CodecError) {
        let writer = try NPYWriter(path: path, rows: m.rows, columns: m.columns)
        try writer.append(m)
        try writer.finish()
    }

    /// `m` as the bytes of a float32 C-order `.npy` (what `write` puts in a file), for a pipe or
    /// an HTTP body.
    public static func encode(_ m: Matrix<Float>) -> [UInt8] {
        var bytes = NPYHeader.bytes(dtype: .float32, shape: [m.rows, m.columns])
        let headerCount = bytes.count
        bytes.reserveCapacity(headerCount + 4 * m.elements.count)
        for v in m.elements { bytes.appendLittleEndian(v.bitPattern) }
        return bytes
    }

    /// Writes a 1-D `<i8` array, byte-identical to `np.save(path, np.array(values, dtype=np.int64))`.
    public static func write(integers: [Int64], to path: String) throws(CodecError) {
        let file = try NPYFile(creating: path)
        var bytes = NPYHeader.bytes(dtype: .int64, shape: [integers.count])
        bytes.reserveCapacity(bytes.count + 8 * integers.count)
        for v in integers { bytes.appendLittleEndian(v) }
        try file.write(bytes)
        try file.close()
    }
}
