import Foundation
import LatentCore
import Testing
import EmbeddingCodec

let blockShapes: [(Int, Int)] = [(0, 0), (0, 7), (1, 1), (1, 3), (3, 7), (17, 13), (5, 384), (33, 50), (130, 65)]

@Test(arguments: BlockCodec.allCases, [UInt64(1), 2, 3])
func roundTripIsBitExact(codec: BlockCodec, seed: UInt64) throws {
    for (rows, columns) in blockShapes {
        let m = randomMatrix(rows: rows, columns: columns, seed: seed &* 1000 &+ UInt64(rows * 31 + columns))
        let blob = EmbeddingBlock.encode(m, codec: codec)
        let back = try EmbeddingBlock.decode(blob)
        #expect(back.rows == rows && back.columns == columns)
        #expect(bits(back) == bits(m), "codec \(codec) shape \(rows)x\(columns) seed \(seed)")
        let header = try EmbeddingBlock.header(of: blob)
        #expect(header.codec == codec && header.rows == rows && header.columns == columns)
        #expect(header.version == 1 && header.elementType == .float32)
        #expect(header.rawByteCount == rows * columns * 4 && header.payloadByteCount == blob.count - BlockHeader.size)
    }
}

@Test(arguments: BlockCodec.allCases)
func everySpecialBitPatternSurvives(codec: BlockCodec) throws {
    // Each pattern repeated in a column so the shuffles see runs, plus one odd-length row.
    let elements = specialBitPatterns.flatMap { Array(repeating: Float(bitPattern: $0), count: 9) }
    let m = Matrix(rows: specialBitPatterns.count, columns: 9, elements: elements)
    #expect(bits(try EmbeddingBlock.decode(EmbeddingBlock.encode(m, codec: codec))) == bits(m))
}

@Test(arguments: BlockCodec.allCases)
func decodeIntoBufferAndHeaderChecksum(codec: BlockCodec) throws {
    let m = randomMatrix(rows: 40, columns: 24, seed: 9)
    let blob = EmbeddingBlock.encode(m, codec: codec)
    var out = [Float](repeating: 0, count: m.elements.count)
    let header = try out.withUnsafeMutableBufferPointer { try EmbeddingBlock.decode(blob, into: $0) }
    #expect(out.map(\.bitPattern) == bits(m))
    #expect(header.checksum == m.elements.withUnsafeBytes { xxh64($0) })
    var wrongSize = [Float](repeating: 0, count: m.elements.count - 1)
    #expect(throws: CodecError.self) {
        try wrongSize.withUnsafeMutableBufferPointer { try EmbeddingBlock.decode(blob, into: $0) }
    }
}

/// Random bit patterns are incompressible: the payload is stored raw, never expanded.
@Test(arguments: BlockCodec.allCases)
func incompressibleDataIsStoredRaw(codec: BlockCodec) throws {
    var rng = SeededGenerator(seed: 77)
    let m = Matrix(rows: 64, columns: 33, elements: (0..<(64 * 33)).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng)) })
    let blob = EmbeddingBlock.encode(m, codec: codec)
    let header = try EmbeddingBlock.header(of: blob)
    #expect(header.storedRaw)
    #expect(blob.count == BlockHeader.size + m.elements.count * 4)
    #expect(bits(try EmbeddingBlock.decode(blob)) == bits(m))
}

@Test(arguments: BlockCodec.allCases)
func compressibleDataIsCompressed(codec: BlockCodec) throws {
    let m = Matrix(rows: 100, columns: 64, elements: (0..<6400).map { Float($0 % 7) })
    let blob = EmbeddingBlock.encode(m, codec: codec)
    #expect(try !EmbeddingBlock.header(of: blob).storedRaw)
    #expect(blob.count < m.elements.count)  // far below the 25 600 raw bytes
    #expect(bits(try EmbeddingBlock.decode(blob)) == bits(m))
}

/// Every header byte and a spread of payload bytes, flipped one at a time: decoding must
/// throw or return exactly the original bits, never other numbers. (A flip can be harmless:
/// the codec byte of a raw-stored block, or an LZ4 match offset that points at equal bytes;
/// the checksum proves the output right.) Nearly every flip must be detected.
@Test(arguments: BlockCodec.allCases, [false, true])
func corruptedBlockNeverDecodesToWrongNumbers(codec: BlockCodec, incompressible: Bool) {
    var rng = SeededGenerator(seed: 5)
    let m = incompressible
        ? Matrix(rows: 12, columns: 10, elements: (0..<120).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng)) })
        : Matrix(rows: 12, columns: 10, elements: (0..<120).map { Float($0 % 13) * 0.25 })
    let blob = EmbeddingBlock.encode(m, codec: codec)
    let positions = Array(0..<BlockHeader.size) + Array(stride(from: BlockHeader.size, to: blob.count, by: 3)) + [blob.count - 1]
    var trials = 0, detected = 0
    for position in positions {
        for flip: UInt8 in [0x01, 0x80, 0xFF] {
            var bad = blob
            bad[position] ^= flip
            trials += 1
            do {
                let back = try EmbeddingBlock.decode(bad)
                #expect(bits(back) == bits(m), "byte \(position) ^ 0x\(String(flip, radix: 16)) decoded to other numbers")
            } catch {
                detected += 1
            }
        }
    }
    #expect(Double(detected) >= 0.97 * Double(trials), "\(detected) of \(trials) flips detected")
}

@Test(arguments: BlockCodec.allCases)
func truncatedOrExtendedBlobThrows(codec: BlockCodec) {
    let blob = EmbeddingBlock.encode(randomMatrix(rows: 6, columns: 5, seed: 3), codec: codec)
    for length in 0..<blob.count {
        #expect(throws: CodecError.self, "prefix of \(length) bytes") { _ = try EmbeddingBlock.decode(Array(blob[0..<length])) }
    }
    #expect(throws: CodecError.self) { _ = try EmbeddingBlock.decode(blob + [0]) }
}

@Test func newerVersionIsRefusedWithMessage() {
    var blob = EmbeddingBlock.encode(randomMatrix(rows: 2, columns: 3, seed: 1))
    blob[4] = 2  // version, little-endian UInt16 at offset 4
    #expect(throws: CodecError(.blockHeader(.newerVersion(2, supported: 1)))) {
        _ = try EmbeddingBlock.decode(blob)
    }
    blob[4] = 0; blob[5] = 1  // 256
    #expect(throws: CodecError(.blockHeader(.newerVersion(256, supported: 1)))) {
        _ = try EmbeddingBlock.header(of: blob)
    }
}

@Test func unknownCodecAndReservedElementTypesAreRefused() {
    let blob = EmbeddingBlock.encode(randomMatrix(rows: 2, columns: 3, seed: 1))
    var bad = blob
    bad[6] = 9
    #expect(throws: CodecError(.blockHeader(.unknownCodec(9)))) { _ = try EmbeddingBlock.header(of: bad) }
    bad = blob
    bad[7] = 2
    #expect { _ = try EmbeddingBlock.header(of: bad) } throws: { "\($0)".contains("float16 is reserved") }
}

@Test func codecIdsAndNamesAreStable() {
    #expect(BlockCodec.allCases.map(\.id) == [1, 2, 3])
    #expect(BlockCodec.allCases.map(\.rawValue) == ["lz4", "shuffle-lz4", "bitshuffle-lz4"])
    #expect(BlockCodec(id: 3) == .bitshuffleLZ4 && BlockCodec(id: 0) == nil)
    #expect(BlockCodec.defaultCodec == .bitshuffleLZ4)
    #expect(EmbeddingBlock.recommendedRows(columns: 384) == 1365 && EmbeddingBlock.recommendedRows(columns: 768) == 682)
    #expect(EmbeddingBlock.recommendedRows(columns: 0) == EmbeddingBlock.recommendedRawBytes)
}

/// The header layout of FORMAT.md, byte by byte.
@Test func headerLayoutMatchesFormatDocument() throws {
    let m = Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6] as [Float])
    let blob = EmbeddingBlock.encode(m, codec: .shuffleLZ4)
    #expect(Array(blob[0..<4]) == Array("LDBK".utf8))
    #expect(Array(blob[4..<12]) == [1, 0, 2, 1, blob[8], 0, 0, 0])
    #expect(Array(blob[12..<20]) == [2, 0, 0, 0, 3, 0, 0, 0])
    #expect(Array(blob[20..<28]) == [24, 0, 0, 0, 0, 0, 0, 0])
    let payload = blob.count - 44
    #expect(Array(blob[28..<36]) == [UInt8(payload), 0, 0, 0, 0, 0, 0, 0])
    let checksum = m.elements.withUnsafeBytes { xxh64($0) }
    #expect(Array(blob[36..<44]) == (0..<8).map { UInt8(truncatingIfNeeded: checksum >> (8 * $0)) })
}

/// Blocks written by this version, committed as fixtures: a format change that breaks
/// reading old blocks fails here.
@Test(arguments: BlockCodec.allCases)
func frozenVersion1BlocksDecode(codec: BlockCodec) throws {
    let path = fixture("block_v1_\(codec.rawValue).bin")
    let expected = try NPY.readMatrix(path: fixture("f32_specials_3x3.npy")).matrix
    if ProcessInfo.processInfo.environment["LATENTDB_WRITE_BLOCK_FIXTURES"] == "1" {
        writeBytes(EmbeddingBlock.encode(expected, codec: codec), to: path)
    }
    let blob = readBytes(path)
    #expect(bits(try EmbeddingBlock.decode(blob)) == bits(expected))
    #expect(EmbeddingBlock.encode(expected, codec: codec) == blob)
}

/// The chosen default must at least match blosc2 bitshuffle+LZ4 (1.144 on e5 at 1024-row
/// chunks, measured with the shared anchor_codec.py benchmark) on the real embeddings.
@Test
func defaultCodecRatioOnRealEmbeddings() throws {
    let m = try NPY.readMatrix(path: "\(fortunes)/e5.npy").matrix
    let rowsPerBlock = 1024
    var encoded = 0
    for start in stride(from: 0, to: m.rows, by: rowsPerBlock) {
        let block = m.gatherRows(start..<min(m.rows, start + rowsPerBlock))
        let blob = EmbeddingBlock.encode(block)
        encoded += blob.count
        #expect(try EmbeddingBlock.decode(blob) == block)
    }
    let ratio = Double(m.elements.count * 4) / Double(encoded)
    #expect(ratio >= 1.144, "ratio \(ratio)")
}

@Suite struct BlockAllocationBoundTests {
    /// A header may claim any shape; one that LZ4 could not produce from its payload is refused
    /// before anything of that size is allocated.
    @Test func aRawSizeBeyondLZ4sExpansionIsRefused() throws {
        var blob = EmbeddingBlock.encode(Matrix<Float>(rows: 4, columns: 4, repeating: 1), codec: .lz4)
        let header = try EmbeddingBlock.header(of: blob)
        #expect(!header.storedRaw)
        // Claim 1,000,000 × 100 float32 rows (400 MB) for the same few payload bytes.
        let rows: UInt32 = 1_000_000, columns: UInt32 = 100, raw = UInt64(rows) * UInt64(columns) * 4
        withUnsafeBytes(of: rows.littleEndian) { for i in 0..<4 { blob[12 + i] = $0[i] } }
        withUnsafeBytes(of: columns.littleEndian) { for i in 0..<4 { blob[16 + i] = $0[i] } }
        withUnsafeBytes(of: raw.littleEndian) { for i in 0..<8 { blob[20 + i] = $0[i] } }
        #expect { try EmbeddingBlock.header(of: blob) } throws: { "\($0)".contains("more than LZ4 can expand") }
    }
}
