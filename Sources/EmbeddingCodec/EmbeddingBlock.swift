import LatentCore

/// How a block's raw bytes are filtered before LZ4. The raw value is the name used in
/// options and reports; ``id`` is the byte stored in the block header.
public enum BlockCodec: String, CaseIterable, Sendable {
    /// LZ4 on the raw float bytes (about 1.00 on embeddings: float noise defeats LZ4).
    case lz4 = "lz4"
    /// Byte shuffle, then LZ4.
    case shuffleLZ4 = "shuffle-lz4"
    /// Bit shuffle (bit-plane transpose), then LZ4.
    case bitshuffleLZ4 = "bitshuffle-lz4"

    /// Best ratio on the real embeddings in `fortunes` (e5, minilm, glove50), measured with
    /// `swift run -c release --package-path tools/bench codec-bench`: see `schema/FORMAT.md`.
    public static let defaultCodec: BlockCodec = .bitshuffleLZ4

    /// The codec byte of the block header.
    public var id: UInt8 {
        switch self {
        case .lz4: 1
        case .shuffleLZ4: 2
        case .bitshuffleLZ4: 3
        }
    }

    public init?(id: UInt8) {
        guard let codec = Self.allCases.first(where: { $0.id == id }) else { return nil }
        self = codec
    }
}

/// The scalar type of a block's elements (header byte 7).
public enum BlockElementType: UInt8, Sendable {
    case float32 = 1
    /// Reserved; not written or read by this build.
    case float16 = 2
    /// Reserved; not written or read by this build.
    case float64 = 3

    var byteWidth: Int {
        switch self {
        case .float16: 2
        case .float32: 4
        case .float64: 8
        }
    }
}

/// The fixed 44-byte little-endian header in front of every block payload
/// (the byte layout is in `schema/FORMAT.md`).
public struct BlockHeader: Sendable, Equatable {
    public static let size = 44
    /// "LDBK".
    public static let magic: [UInt8] = [0x4C, 0x44, 0x42, 0x4B]
    /// The format version this build writes and the newest it reads.
    public static let currentVersion: UInt16 = 1
    /// Flag bit 0: the payload is the raw bytes verbatim (LZ4 would have expanded them).
    static let storedRawFlag: UInt8 = 1

    public var version: UInt16
    public var codec: BlockCodec
    public var elementType: BlockElementType
    /// The payload is the raw element bytes, neither shuffled nor compressed.
    public var storedRaw: Bool
    public var rows: Int
    public var columns: Int
    /// `rows * columns * element width`.
    public var rawByteCount: Int
    /// Bytes after the header.
    public var payloadByteCount: Int
    /// XXH64 (seed 0) of the raw, unshuffled element bytes.
    public var checksum: UInt64

    func append(to out: inout [UInt8]) {
        out.append(contentsOf: Self.magic)
        out.appendLittleEndian(version)
        out.append(codec.id)
        out.append(elementType.rawValue)
        out.append(storedRaw ? Self.storedRawFlag : 0)
        out.append(contentsOf: [0, 0, 0])
        out.appendLittleEndian(UInt32(rows))
        out.appendLittleEndian(UInt32(columns))
        out.appendLittleEndian(UInt64(rawByteCount))
        out.appendLittleEndian(UInt64(payloadByteCount))
        out.appendLittleEndian(checksum)
    }
}

/// Encodes and decodes one block of rows of a float32 matrix: header + (shuffled) LZ4 payload.
/// Decoding either returns the exact bytes that were encoded or throws: every header field,
/// the sizes and the checksum of the raw bytes are verified.
public enum EmbeddingBlock {
    /// Raw bytes per block the store should aim for (see `schema/FORMAT.md`: ratio gains
    /// flatten past 2 MiB, and a decoded block stays cache-friendly).
    public static let recommendedRawBytes = 2 << 20

    /// Rows per block for `columns`-wide float32 rows: ⌊2 MiB / (4 · columns)⌋, at least 1
    /// (1365 rows at d = 384, 682 at d = 768).
    public static func recommendedRows(columns: Int) -> Int {
        precondition(columns >= 0, "negative column count \(columns)")
        return max(1, recommendedRawBytes / max(1, 4 * columns))
    }

    // MARK: Encoding

    /// Encodes `rows × columns` row-major floats. Blocks are meant to be a few MiB; the raw
    /// size must not exceed LZ4's limit of 2 113 929 216 bytes.
    public static func encode(_ values: UnsafeBufferPointer<Float>, rows: Int, columns: Int,
                              codec: BlockCodec = .defaultCodec) -> [UInt8] {
        precondition(rows >= 0 && columns >= 0 && rows <= UInt32.max && columns <= UInt32.max,
                     "block shape \(rows)x\(columns) out of range")
        precondition(values.count == rows * columns, "block \(rows)x\(columns) given \(values.count) values")
        let raw = UnsafeRawBufferPointer(values)
        let rawCount = raw.count
        var header = BlockHeader(version: BlockHeader.currentVersion, codec: codec, elementType: .float32,
                                 storedRaw: false, rows: rows, columns: columns, rawByteCount: rawCount,
                                 payloadByteCount: 0, checksum: xxh64(raw))
        // One allocation: the payload is compressed in place after the header's 44 bytes.
        return [UInt8](unsafeUninitializedCapacity: BlockHeader.size + LZ4.bound(rawCount)) { out, initialized in
            let blob = UnsafeMutableRawBufferPointer(out)
            let payload = UnsafeMutableRawBufferPointer(rebasing: blob[BlockHeader.size...])
            var compressed: Int?
            if codec == .lz4 {
                compressed = LZ4.compress(raw, into: payload)
            } else {
                let filtered = UnsafeMutableRawBufferPointer.allocate(byteCount: rawCount, alignment: 16)
                defer { filtered.deallocate() }
                if codec == .shuffleLZ4 {
                    Shuffle.shuffleBytes(raw, elementSize: 4, into: filtered)
                } else {
                    Shuffle.shuffleBits(raw, elementSize: 4, into: filtered)
                }
                compressed = LZ4.compress(UnsafeRawBufferPointer(filtered), into: payload)
            }
            // Incompressible (or empty): store the raw bytes, so a block never exceeds raw + header.
            if compressed == nil || compressed! >= rawCount {
                header.storedRaw = true
                if rawCount > 0 { payload.baseAddress!.copyMemory(from: raw.baseAddress!, byteCount: rawCount) }
                compressed = rawCount
            }
            header.payloadByteCount = compressed!
            var headerBytes: [UInt8] = []
            header.append(to: &headerBytes)
            precondition(headerBytes.count == BlockHeader.size, "header is \(headerBytes.count) bytes")
            blob.copyBytes(from: headerBytes)
            initialized = BlockHeader.size + compressed!
        }
    }

    public static func encode(_ m: Matrix<Float>, codec: BlockCodec = .defaultCodec) -> [UInt8] {
        m.elements.withUnsafeBufferPointer { encode($0, rows: m.rows, columns: m.columns, codec: codec) }
    }

    // MARK: Decoding

    /// Parses and validates the header of `blob`, including that its sizes agree with the blob's length.
    public static func header(of blob: [UInt8]) throws(CodecError) -> BlockHeader {
        try withBytes(blob) { (raw) throws(CodecError) in try header(of: raw) }
    }

    public static func header(of blob: UnsafeRawBufferPointer) throws(CodecError) -> BlockHeader {
        guard blob.count >= BlockHeader.size else {
            throw CodecError(.blockHeader(.truncated(headerSize: BlockHeader.size, found: blob.count)))
        }
        guard Array(blob[0..<4]) == BlockHeader.magic else {
            throw CodecError(.blockHeader(.magic(found: Array(blob[0..<4]))))
        }
        let version: UInt16 = blob.littleEndian(at: 4)
        guard version <= BlockHeader.currentVersion else {
            throw CodecError(.blockHeader(.newerVersion(version, supported: BlockHeader.currentVersion)))
        }
        guard version >= 1 else { throw CodecError(.blockHeader(.versionZero)) }
        guard let codec = BlockCodec(id: blob[6]) else { throw CodecError(.blockHeader(.unknownCodec(blob[6]))) }
        guard let elementType = BlockElementType(rawValue: blob[7]) else {
            throw CodecError(.blockHeader(.unknownElementType(blob[7])))
        }
        guard elementType == .float32 else {
            throw CodecError(.blockHeader(.reservedElementType("\(elementType)")))
        }
        let flags = blob[8]
        guard flags & ~BlockHeader.storedRawFlag == 0 else { throw CodecError(.blockHeader(.unknownFlags(flags))) }
        guard blob[9] == 0, blob[10] == 0, blob[11] == 0 else { throw CodecError(.blockHeader(.reservedBytes)) }
        let rows = Int(blob.littleEndian(at: 12, as: UInt32.self))
        let columns = Int(blob.littleEndian(at: 16, as: UInt32.self))
        let rawCount: UInt64 = blob.littleEndian(at: 20)
        let payloadCount: UInt64 = blob.littleEndian(at: 28)
        let checksum: UInt64 = blob.littleEndian(at: 36)
        let (elements, o1) = rows.multipliedReportingOverflow(by: columns)
        let (expectedRaw, o2) = elements.multipliedReportingOverflow(by: elementType.byteWidth)
        guard !o1, !o2, UInt64(expectedRaw) == rawCount, expectedRaw <= LZ4.maxInputSize else {
            throw CodecError(.blockSize(.rawSize(rawCount, rows: rows, columns: columns, elementType: "\(elementType)")))
        }
        let actualPayload = blob.count - BlockHeader.size
        guard payloadCount == UInt64(actualPayload) else {
            throw CodecError(.blockSize(.payload(declared: payloadCount, found: actualPayload)))
        }
        let storedRaw = flags & BlockHeader.storedRawFlag != 0
        guard !storedRaw || actualPayload == expectedRaw else {
            throw CodecError(.blockSize(.rawPayload(found: actualPayload, expected: expectedRaw)))
        }
        // LZ4 expands at most 255:1, so a larger claimed raw size is corrupt: refuse it before the
        // decoder allocates that much (a hostile 50-byte blob could otherwise ask for gigabytes).
        guard storedRaw || expectedRaw <= actualPayload * 255 + 64 else {
            throw CodecError(.blockSize(.beyondLZ4(raw: expectedRaw, payload: actualPayload)))
        }
        return BlockHeader(version: version, codec: codec, elementType: elementType, storedRaw: storedRaw,
                           rows: rows, columns: columns, rawByteCount: expectedRaw,
                           payloadByteCount: actualPayload, checksum: checksum)
    }

    /// Decodes `blob` into `destination`, which must hold exactly `rows * columns` floats
    /// (read them from ``header(of:)-(UnsafeRawBufferPointer)``). On a thrown error the
    /// contents of `destination` are unspecified.
    @discardableResult
    public static func decode(_ blob: [UInt8], into destination: UnsafeMutableBufferPointer<Float>) throws(CodecError) -> BlockHeader {
        try withBytes(blob) { (raw) throws(CodecError) in try decode(raw, into: destination) }
    }

    @discardableResult
    public static func decode(_ blob: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) throws(CodecError) -> BlockHeader {
        let header = try header(of: blob)
        guard destination.count == header.rows * header.columns else {
            throw CodecError(.blockSize(.destination(count: destination.count, rows: header.rows, columns: header.columns)))
        }
        let payload = UnsafeRawBufferPointer(rebasing: blob[BlockHeader.size...])
        let out = UnsafeMutableRawBufferPointer(destination)
        if header.storedRaw {
            if header.rawByteCount > 0 { out.copyMemory(from: payload) }
        } else if header.codec == .lz4 {
            guard LZ4.decompress(payload, into: out) else { throw lz4Failure(header) }
        } else {
            let filtered = UnsafeMutableRawBufferPointer.allocate(byteCount: header.rawByteCount, alignment: 16)
            defer { filtered.deallocate() }
            guard LZ4.decompress(payload, into: filtered) else { throw lz4Failure(header) }
            if header.codec == .shuffleLZ4 {
                Shuffle.unshuffleBytes(UnsafeRawBufferPointer(filtered), elementSize: 4, into: out)
            } else {
                Shuffle.unshuffleBits(UnsafeRawBufferPointer(filtered), elementSize: 4, into: out)
            }
        }
        let found = xxh64(UnsafeRawBufferPointer(out))
        guard found == header.checksum else {
            throw CodecError(.blockChecksum(header: header.checksum, data: found))
        }
        return header
    }

    /// Decodes `blob` into a new matrix.
    public static func decode(_ blob: [UInt8]) throws(CodecError) -> Matrix<Float> {
        let header = try header(of: blob)
        var failure: CodecError?
        let elements = [Float](unsafeUninitializedCapacity: header.rows * header.columns) { buffer, initialized in
            do throws(CodecError) {
                try decode(blob, into: buffer)
                initialized = buffer.count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return Matrix(rows: header.rows, columns: header.columns, elements: elements)
    }

    private static func lz4Failure(_ header: BlockHeader) -> CodecError {
        CodecError(.blockSize(.lz4(payload: header.payloadByteCount, raw: header.rawByteCount)))
    }
}
