import Foundation
import LatentCore
import Testing
import EmbeddingCodec

// .npz, safetensors, .fvecs and .bvecs through `EmbeddingFile` (fixtures: Fixtures/make_format_fixtures.py).

/// `fixtureMatrix` with 65504 → 65280, which bfloat16 holds exactly.
let bf16Matrix = Matrix<Float>([[0.0, -0.0, 1.0, -2.5, 0.125], [3.0, 1024.0, -0.5, 0.75, 2.0], [-1.0, 0.25, 65280.0, -3.5, 6.0]])
let bvecsMatrix = Matrix<Float>(rows: 3, columns: 4, elements: (0..<12).map { Float($0 * 20) })

struct FormatCase: CustomTestStringConvertible, Sendable {
    let file: String
    let member: String?
    let format: EmbeddingFileFormat
    let dtype: String
    let expected: Matrix<Float>
    var testDescription: String { file + (member.map { "[\($0)]" } ?? "") }
}

let formatCases: [FormatCase] = [
    FormatCase(file: "one_3x5.npz", member: nil, format: .npz, dtype: "<f4", expected: fixtureMatrix),
    FormatCase(file: "one_3x5.npz", member: "emb", format: .npz, dtype: "<f4", expected: fixtureMatrix),
    FormatCase(file: "one_3x5_compressed.npz", member: nil, format: .npz, dtype: "<f8", expected: fixtureMatrix),
    FormatCase(file: "three.npz", member: "emb", format: .npz, dtype: "<f4", expected: fixtureMatrix),
    FormatCase(file: "three.npz", member: "other.npy", format: .npz, dtype: "<f4", expected: fixtureMatrix.gatherRows(0..<2)),
    FormatCase(file: "f32_3x5.safetensors", member: nil, format: .safetensors, dtype: "<f4", expected: fixtureMatrix),
    FormatCase(file: "f16_3x5.safetensors", member: nil, format: .safetensors, dtype: "<f2", expected: fixtureMatrix),
    FormatCase(file: "f64_3x5.safetensors", member: nil, format: .safetensors, dtype: "<f8", expected: fixtureMatrix),
    FormatCase(file: "bf16_3x5.safetensors", member: nil, format: .safetensors, dtype: "bf16", expected: bf16Matrix),
    FormatCase(file: "two.safetensors", member: "emb", format: .safetensors, dtype: "<f4", expected: fixtureMatrix),
    FormatCase(file: "f32_3x5.fvecs", member: nil, format: .fvecs, dtype: "<f4", expected: fixtureMatrix),
    FormatCase(file: "u8_3x4.bvecs", member: nil, format: .bvecs, dtype: "|u1", expected: bvecsMatrix),
    FormatCase(file: "f32_3x5.npy", member: nil, format: .npy, dtype: "<f4", expected: fixtureMatrix),
]

@Test(arguments: formatCases)
func readsEveryFormat(_ c: FormatCase) throws {
    #expect(try EmbeddingFile.detect(path: fixture(c.file)) == c.format)
    let source = try EmbeddingFile.open(path: fixture(c.file), member: c.member)
    #expect(source.format == c.format && source.sourceDType == c.dtype)
    #expect(source.rows == c.expected.rows && source.columns == c.expected.columns)
    // Streamed in chunks of 2 rows: the same values as the whole matrix.
    var all = Matrix<Float>(rows: 0, columns: source.columns)
    while source.remainingRows > 0 { all.appendRows(try source.readRows(2)) }
    #expect(try source.readRows(2).rows == 0)
    #expect(bits(all) == bits(c.expected))
}

/// Detection is by content: a renamed file is read the same.
@Test(arguments: ["one_3x5.npz", "one_3x5_compressed.npz", "f32_3x5.safetensors", "f32_3x5.npy"])
func detectsByContentNotName(name: String) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let renamed = dir.appendingPathComponent("embeddings.bin").path
    writeBytes(readBytes(fixture(name)), to: renamed)
    #expect(bits(try EmbeddingFile.readMatrix(path: renamed).matrix) == bits(fixtureMatrix))
}

/// Every writable format reads back bit for bit, NaN payloads and signed zeros included.
@Test(arguments: EmbeddingFileFormat.writable, [(0, 4), (1, 1), (37, 9)])
func writeThenReadIsBitExact(format: EmbeddingFileFormat, shape: (Int, Int)) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("m.\(format.rawValue)").path
    let m = randomMatrix(rows: shape.0, columns: shape.1, seed: UInt64(shape.0 * 31 + shape.1))
    if format == .fvecs && m.rows == 0 {
        try EmbeddingFile.write(m, to: path, format: format)
        #expect(throws: CodecError.self) { try EmbeddingFile.open(path: path) }  // an empty .fvecs has no dimension
        return
    }
    try EmbeddingFile.write(m, to: path, format: format)
    #expect(try EmbeddingFile.detect(path: path) == format)
    let (back, dtype) = try EmbeddingFile.readMatrix(path: path)
    #expect(dtype == "<f4" && back.shape == m.shape && bits(back) == bits(m))
}

@Test func safetensorsWriterPadsHeaderToEightBytes() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("m.safetensors").path
    try EmbeddingFile.write(fixtureMatrix, to: path, format: .safetensors)
    let bytes = readBytes(path)
    let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect(n % 8 == 0 && bytes.count == 8 + n + 60)
    #expect(String(decoding: bytes[8..<(8 + n)], as: UTF8.self).contains("\"embeddings\""))
}

// MARK: - Bad input: each error names the file and what was expected.

func expectCodecError(_ path: String, member: String? = nil, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let source = try EmbeddingFile.open(path: path, member: member)
        _ = try source.readRows(source.rows)
        Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.description.hasPrefix(path), "error does not name the file: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "'\(error)' lacks '\(fragment)'", sourceLocation: sourceLocation)
        }
    }
}

/// A safetensors file with a hand-written header and `dataBytes` zero bytes of data.
func writeSafetensors(_ header: String, dataBytes: Int, in dir: URL, name: String = "bad.safetensors", declaredLength: UInt64? = nil) -> String {
    let json = Array(header.utf8)
    var bytes: [UInt8] = []
    let length = declaredLength ?? UInt64(json.count)
    for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
    bytes += json + [UInt8](repeating: 0, count: dataBytes)
    let path = dir.appendingPathComponent(name).path
    writeBytes(bytes, to: path)
    return path
}

@Test func safetensorsHeaderErrors() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let ok = #"{"e":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#
    expectCodecError(writeSafetensors("{not json at all}", dataBytes: 24, in: dir), ["header is not JSON"])
    expectCodecError(writeSafetensors(ok, dataBytes: 24, in: dir, declaredLength: 1 << 40), ["header length 1099511627776 points past the end"])
    expectCodecError(writeSafetensors(ok, dataBytes: 20, in: dir), ["'e'", "point past the end of the data (20 bytes"])
    expectCodecError(writeSafetensors(#"{"e":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, dataBytes: 20, in: dir),
                     ["shape [2, 3] of F32 needs 24 bytes, its data_offsets span 20"])
    expectCodecError(writeSafetensors(#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[1,3],"data_offsets":[12,24]}}"#, dataBytes: 24, in: dir),
                     ["'b'", "overlap tensor 'a'"])
    expectCodecError(writeSafetensors(#"{"e":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]}}"#, dataBytes: 24, in: dir), ["out of order"])
    expectCodecError(writeSafetensors(#"{"e":{"dtype":"F32","shape":[2,3,1],"data_offsets":[0,24]}}"#, dataBytes: 24, in: dir), ["expected a 2-D tensor", "3-D"])
    expectCodecError(writeSafetensors(#"{"e":{"dtype":"I32","shape":[2,3],"data_offsets":[0,24]}}"#, dataBytes: 24, in: dir), ["dtype I32", "F32, F16, BF16 or F64"])
    expectCodecError(writeSafetensors(#"{"e":{"dtype":"F32","shape":"2x3"}}"#, dataBytes: 24, in: dir), ["tensor 'e' needs dtype"])
    // __metadata__ is ignored.
    let withMetadata = writeSafetensors(#"{"__metadata__":{"k":"v"},"e":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#, dataBytes: 24, in: dir)
    #expect(try EmbeddingFile.readMatrix(path: withMetadata).matrix.shape == Shape(rows: 2, columns: 3))
}

@Test func safetensorsTensorSelection() {
    expectCodecError(fixture("two.safetensors"), ["holds 2 tensors", "bias", "emb", "--member"])
    expectCodecError(fixture("two.safetensors"), member: "nope", ["no tensor 'nope'", "emb, bias"])
    expectCodecError(fixture("two.safetensors"), member: "bias", ["expected a 2-D tensor", "1-D"])
}

@Test func truncatedSafetensorsIsRefused() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("cut.safetensors").path
    writeBytes(Array(readBytes(fixture("f32_3x5.safetensors")).dropLast(7)), to: path)
    expectCodecError(path, ["point past the end of the data"])
    writeBytes(Array(readBytes(fixture("f32_3x5.safetensors")).prefix(5)), to: path)
    expectCodecError(path, ["truncated safetensors file"])
}

@Test func npzSelection() throws {
    expectCodecError(fixture("three.npz"), ["holds 3 arrays (emb, other, labels)", "--member NAME"])
    expectCodecError(fixture("three.npz"), member: "missing", ["no array 'missing'", "emb, other, labels"])
    expectCodecError(fixture("three.npz"), member: "labels", ["three.npz[labels.npy]", "not a floating-point type"])
    #expect(try NPZ.arrayNames(path: fixture("three.npz")) == ["emb", "other", "labels"])
}

@Test func damagedNPZIsRefused() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("bad.npz").path
    // Truncated: the central directory at the end is gone.
    writeBytes(Array(readBytes(fixture("one_3x5_compressed.npz")).prefix(100)), to: path)
    expectCodecError(path, ["no end-of-central-directory record"])
    // A flipped byte in the deflate stream: inflate fails or the CRC differs.
    var bytes = readBytes(fixture("one_3x5_compressed.npz"))
    bytes[60] ^= 0xFF
    writeBytes(bytes, to: path)
    do {
        _ = try EmbeddingFile.readMatrix(path: path)
        Issue.record("a corrupt deflate stream was accepted")
    } catch {
        #expect(error.description.contains("inflate") || error.description.contains("CRC-32 mismatch") || error.description.contains("inflated to"), "\(error)")
    }
    // A stored member cut short inside the archive: the inner .npy is truncated.
    var stored = readBytes(fixture("one_3x5.npz"))
    let directory = stored.count - 22 - 46 - 7  // one entry named emb.npy, no extras
    #expect(stored[directory] == 0x50 && stored[directory + 3] == 0x02)
    stored[directory + 20] -= 4; stored[directory + 24] -= 4  // compressed and uncompressed sizes
    writeBytes(stored, to: path)
    expectCodecError(path, ["bad.npz[emb.npy]", "expected 60 bytes of data, found 56"])
}

@Test func fvecsErrors() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("bad.fvecs").path
    var bytes = readBytes(fixture("f32_3x5.fvecs"))
    bytes[24] = 7  // row 1 declares 7 while row 0 declares 5: the total stays 72 bytes
    writeBytes(bytes, to: path)
    expectCodecError(path, ["row 1 declares dimension 7, but row 0 declares 5"])
    writeBytes(Array(readBytes(fixture("f32_3x5.fvecs")).dropLast(3)), to: path)
    expectCodecError(path, ["not a whole number of rows of dimension 5", "2 rows and 21 bytes left over"])
    writeBytes([0, 0, 0, 0], to: path)
    expectCodecError(path, ["row 0 declares dimension 0"])
    writeBytes([], to: path)
    expectCodecError(path, ["empty .fvecs file"])
}

/// A row whose bytes look like a safetensors header (byte 8 is `{`) is still .fvecs by its name.
@Test func fvecsThatLooksLikeSafetensors() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("tricky.fvecs").path
    let m = Matrix<Float>(rows: 1, columns: 2, elements: [0.5, Float(bitPattern: 0x3F80_007B)])
    try EmbeddingFile.write(m, to: path, format: .fvecs)
    #expect(readBytes(path)[8] == UInt8(ascii: "{"))
    #expect(try EmbeddingFile.detect(path: path) == .fvecs)
    #expect(bits(try EmbeddingFile.readMatrix(path: path).matrix) == bits(m))
}

@Test func memberOnSingleMatrixFormatIsRefused() {
    expectCodecError(fixture("f32_3x5.npy"), member: "emb", ["holds one matrix", "'emb'"])
    expectCodecError(fixture("f32_3x5.fvecs"), member: "emb", ["holds one matrix"])
}

@Test func unknownContentIsRefused() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("notes.txt").path
    writeBytes(Array("hello, this is text\n".utf8), to: path)
    expectCodecError(path, ["unrecognised embedding file"])
    // A damaged .npy keeps NPYReader's own message.
    let npy = dir.appendingPathComponent("bad.npy").path
    writeBytes(Array("not numpy".utf8), to: npy)
    expectCodecError(npy, ["not an .npy file"])
}
