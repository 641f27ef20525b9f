import Foundation
import LatentCore
import Testing
import EmbeddingCodec

/// The matrix every float fixture holds (see Fixtures/make_fixtures.py).
let fixtureMatrix = Matrix<Float>([[0.0, -0.0, 1.0, -2.5, 0.125], [3.0, 1024.0, -0.5, 0.75, 2.0], [-1.0, 0.25, 65504.0, -3.5, 6.0]])

@Test(arguments: [("f32_3x5.npy", NPYDType.float32), ("f16_3x5.npy", .float16), ("f64_3x5.npy", .float64),
                  ("f32_3x5_v2.npy", .float32), ("f32_3x5_v3.npy", .float32)])
func readsFloatFixtures(name: String, dtype: NPYDType) throws {
    let (m, source) = try NPY.readMatrix(path: fixture(name))
    #expect(source == dtype)
    #expect(bits(m) == bits(fixtureMatrix) && m.shape == fixtureMatrix.shape)
}

@Test func readerStreamsRowsInChunks() throws {
    let reader = try NPYReader(path: fixture("f16_3x5.npy"))
    #expect(reader.shape == [3, 5] && reader.rows == 3 && reader.columns == 5 && reader.dtype == .float16)
    let first = try reader.readRows(2), second = try reader.readRows(2), end = try reader.readRows(2)
    #expect(first.rows == 2 && second.rows == 1 && end.rows == 0 && reader.remainingRows == 0)
    var all = first
    all.appendRows(second)
    #expect(bits(all) == bits(fixtureMatrix))
}

@Test func readsEmptyMatrix() throws {
    let (m, _) = try NPY.readMatrix(path: fixture("f32_0x4.npy"))
    #expect(m.rows == 0 && m.columns == 4)
}

/// `NPY.write` of what was read reproduces NumPy's file byte for byte (header included).
@Test(arguments: ["f32_3x5.npy", "f32_specials_3x3.npy", "f32_0x4.npy"])
func writeIsByteIdenticalToNumPy(name: String) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent(name).path
    try NPY.write(try NPY.readMatrix(path: fixture(name)).matrix, to: out)
    #expect(readBytes(out) == readBytes(fixture(name)))
}

@Test(arguments: ["labels_i1", "labels_i2", "labels_i4", "labels_i8", "labels_i4_n1"])
func readsSignedIntegers(name: String) throws {
    #expect(try NPY.readIntegers(path: fixture("\(name).npy")) == [-3, 0, 1, 2, 127])
}

@Test(arguments: ["labels_u1", "labels_u2", "labels_u4", "labels_u8"])
func readsUnsignedIntegers(name: String) throws {
    #expect(try NPY.readIntegers(path: fixture("\(name).npy")) == [0, 1, 2, 200, 255])
}

@Test func writeIntegersIsByteIdenticalToNumPy() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("labels.npy").path
    try NPY.write(integers: [5, -1, 0, 1 << 40, -(1 << 62)], to: out)
    #expect(readBytes(out) == readBytes(fixture("labels_i8_written.npy")))
    #expect(try NPY.readIntegers(path: out) == [5, -1, 0, 1 << 40, -(1 << 62)])
}

@Test func streamingWriterChecksRowCount() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("w.npy").path
    let writer = try NPYWriter(path: path, rows: 3, columns: 5)
    try writer.append(fixtureMatrix.gatherRows([0, 1]))
    try writer.append(fixtureMatrix.gatherRows([2]))
    try writer.finish()
    #expect(readBytes(path) == readBytes(fixture("f32_3x5.npy")))

    let short = try NPYWriter(path: path, rows: 3, columns: 5)
    try short.append(fixtureMatrix.gatherRows([0]))
    #expect { try short.finish() } throws: { "\($0)".contains("declares 3 rows of 5, 1 rows") }
    let long = try NPYWriter(path: path, rows: 1, columns: 5)
    #expect(throws: CodecError.self) { try long.append(fixtureMatrix) }
}

/// Rows written at their place, out of order (as export's workers do), give the same file as
/// rows appended in order; the writer still counts them.
@Test func placedWritesOutOfOrderMatchAppending() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("p.npy").path
    let writer = try NPYWriter(path: path, rows: 3, columns: 5)
    for row in [2, 0, 1] {
        try fixtureMatrix.gatherRows([row]).elements.withUnsafeBufferPointer { try writer.placed.write($0, atElement: row * 5) }
        try writer.countPlaced(5)
    }
    try writer.finish()
    #expect(readBytes(path) == readBytes(fixture("f32_3x5.npy")))

    let short = try NPYWriter(path: path, rows: 3, columns: 5)
    try short.countPlaced(10)
    #expect { try short.finish() } throws: { "\($0)".contains("declares 3 rows of 5, 2 rows") }
    let long = try NPYWriter(path: path, rows: 1, columns: 5)
    #expect(throws: CodecError.self) { try long.countPlaced(6) }
}

// MARK: Errors: each names the file and what was expected and found.

/// Bytes of a valid fixture, edited: each case makes one kind of bad file.
func edited(_ name: String, _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
    var bytes = readBytes(fixture(name))
    edit(&bytes)
    return bytes
}

/// Replaces text in the (version 1.0) header of a fixture, taking any growth out of the
/// header's space padding so the header length field stays right.
func replacing(_ old: String, with new: String, in name: String) -> [UInt8] {
    edited(name) { bytes in
        let headerEnd = 10 + Int(bytes[8]) + Int(bytes[9]) << 8
        var header = Array(bytes[10..<headerEnd])
        let o = Array(old.utf8), n = Array(new.utf8)
        let at = (0...(header.count - o.count)).first { Array(header[$0..<($0 + o.count)]) == o }!
        header.replaceSubrange(at..<(at + o.count), with: n)
        header.removeSubrange((header.count - 1 - (n.count - o.count))..<(header.count - 1))
        bytes.replaceSubrange(10..<headerEnd, with: header)
    }
}

struct BadFile: Sendable, CustomStringConvertible {
    let description: String
    let bytes: @Sendable () -> [UInt8]
    let expected: String
}

let badFiles: [BadFile] = [
    BadFile(description: "bad magic", bytes: { Array("PK\u{3}\u{4} this is a zip, not an npy".utf8) }, expected: "not an .npy file"),
    BadFile(description: "empty file", bytes: { [] }, expected: "not an .npy file"),
    BadFile(description: "unsupported version", bytes: { edited("f32_3x5.npy") { $0[6] = 4 } }, expected: "unsupported .npy format version 4.0"),
    BadFile(description: "truncated prefix", bytes: { Array(readBytes(fixture("f32_3x5.npy"))[0..<8]) }, expected: "truncated header"),
    BadFile(description: "truncated header", bytes: { Array(readBytes(fixture("f32_3x5.npy"))[0..<50]) }, expected: "truncated header: expected 118 header bytes, found 40"),
    BadFile(description: "dict without colon", bytes: { replacing("'descr': ", with: "'descr'  ", in: "f32_3x5.npy") }, expected: "malformed header dict"),
    BadFile(description: "dict unterminated", bytes: { replacing("}", with: " ", in: "f32_3x5.npy") }, expected: "malformed header dict"),
    BadFile(description: "dict wrong key", bytes: { replacing("'shape'", with: "'shapf'", in: "f32_3x5.npy") }, expected: "expected keys descr, fortran_order, shape"),
    BadFile(description: "shape not integers", bytes: { replacing("(3, 5)", with: "(3, x)", in: "f32_3x5.npy") }, expected: "expected an integer in shape"),
    BadFile(description: "truncated data", bytes: { edited("f32_3x5.npy") { $0.removeLast(4) } }, expected: "truncated: shape (3, 5) of <f4 expected 60 bytes of data, found 56"),
    BadFile(description: "trailing bytes", bytes: { edited("f32_3x5.npy") { $0 += [1, 2, 3] } }, expected: "expected 60 bytes of data, found 63 (3 trailing bytes)"),
    BadFile(description: "Fortran order", bytes: { readBytes(fixture("f32_fortran_3x5.npy")) }, expected: "Fortran-order"),
    BadFile(description: "big-endian", bytes: { readBytes(fixture("f32_bigendian_3x5.npy")) }, expected: "big-endian dtype '>f4' is not supported"),
    BadFile(description: "object dtype", bytes: { readBytes(fixture("object_1d.npy")) }, expected: "unsupported dtype '|O'"),
    BadFile(description: "integer dtype", bytes: { readBytes(fixture("i4_3x5.npy")) }, expected: "dtype '<i4' is not a floating-point type"),
    BadFile(description: "1-D", bytes: { readBytes(fixture("f32_1d.npy")) }, expected: "expected a 2-D array (rows, columns) of embeddings, found 1-D shape (5,)"),
    BadFile(description: "3-D", bytes: { readBytes(fixture("f32_3d.npy")) }, expected: "found 3-D shape (3, 5, 1)"),
    BadFile(description: "structured dtype", bytes: { replacing("'<f4', 'f", with: "[('a','<f4')], 'f", in: "f32_3x5.npy") }, expected: "structured arrays are not supported"),
]

@Test(arguments: badFiles)
func badEmbeddingFilesAreClearErrors(_ bad: BadFile) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("bad.npy").path
    writeBytes(bad.bytes(), to: path)
    do {
        _ = try NPY.readMatrix(path: path)
        Issue.record("\(bad) was accepted")
    } catch {
        #expect(error.path == path)
        #expect(error.description.hasPrefix(path + ": "))
        #expect(error.reason.contains(bad.expected), "\(bad): \(error)")
    }
}

@Test func missingFileNamesThePath() {
    #expect { _ = try NPYReader(path: "/nonexistent/x.npy") } throws: { "\($0)".hasPrefix("/nonexistent/x.npy: cannot open") }
}

@Test(arguments: [("labels_u8_too_big.npy", "does not fit in Int64"), ("f32_3x5.npy", "is not an integer type"),
                  ("i4_3x5.npy", "expected a 1-D integer array (n,) or (n, 1), found shape (3, 5)")])
func badIntegerFilesAreClearErrors(name: String, expected: String) {
    #expect { _ = try NPY.readIntegers(path: fixture(name)) } throws: { "\($0)".contains(expected) }
}

// MARK: Real embeddings (the bundled sample)

/// Exporting a registered `.npy` gives back the identical file, whole or streamed.
@Test(arguments: ["e5", "minilm", "glove50"])
func realFilesRoundTripByteIdentical(name: String) throws {
    let source = "\(fortunes)/\(name).npy"
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let whole = dir.appendingPathComponent("whole.npy").path
    let (m, dtype) = try NPY.readMatrix(path: source)
    #expect(dtype == .float32)
    try NPY.write(m, to: whole)
    #expect(readBytes(whole) == readBytes(source))

    // Streamed in odd-sized row chunks through reader and writer, as ingest/export do.
    let streamed = dir.appendingPathComponent("streamed.npy").path
    let reader = try NPYReader(path: source)
    let writer = try NPYWriter(path: streamed, rows: reader.rows, columns: reader.columns)
    while reader.remainingRows > 0 { try writer.append(try reader.readRows(777)) }
    try writer.finish()
    #expect(readBytes(streamed) == readBytes(source))
}

/// Regression (found by tools/fuzz fuzz-npy): a version 2.0 header length is a UInt32 read from
/// the file, and the reader allocated (and zeroed) that many bytes before noticing the file was
/// shorter, so a 20-byte file cost 4 GiB of memory. The length is now checked against the file
/// first: the error is the same, the peak memory is not.
@Test func hugeDeclaredHeaderLengthIsRefusedBeforeAllocating() throws {
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0]
    bytes += [0xF0, 0xFF, 0xFF, 0xFF]  // 4,294,967,280 header bytes
    bytes += Array("{'descr'".utf8)
    func peakRSS() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
    let before = peakRSS()
    #expect {
        _ = try NPYReader(bytes: bytes, path: "huge-header.npy")
    } throws: { error in
        "\(error)".contains("expected 4294967280 header bytes, found 8")
    }
    #expect(throws: CodecError.self) { _ = try NPY.readIntegers(bytes: bytes) }
    #expect(peakRSS() - before < 1 << 30, "reading a 20-byte file raised the peak memory by \(peakRSS() - before) bytes")
}

@Suite struct StreamingWriterCountTests {
    /// Both writers that share the float32 body refuse more values than their header declares,
    /// and refuse to finish a file with fewer (the partial file would lie about its shape).
    @Test(arguments: ["npy", "safetensors"])
    func writersCheckTheDeclaredCount(_ format: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("count-\(UUID().uuidString).\(format)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        func writer() throws -> any EmbeddingRowSink {
            format == "npy" ? try NPYWriter(path: path, rows: 2, columns: 3) : try SafetensorsWriter(path: path, rows: 2, columns: 3)
        }
        let tooMany = try writer()
        #expect { try tooMany.append(Matrix<Float>(rows: 3, columns: 3)) } throws: { "\($0)".contains("too many values") && "\($0)".contains(path) }
        try? tooMany.finish()
        let tooFew = try writer()
        try tooFew.append(Matrix<Float>(rows: 1, columns: 3))
        #expect { try tooFew.finish() } throws: { "\($0)".contains("incomplete") && "\($0)".contains("1 rows (3 floats)") }
        let exact = try writer()
        try exact.append(Matrix<Float>(rows: 2, columns: 3, repeating: 1.5))
        try exact.finish()
        #expect(try EmbeddingFile.readMatrix(path: path, member: nil).matrix == Matrix<Float>(rows: 2, columns: 3, repeating: 1.5))
    }
}
