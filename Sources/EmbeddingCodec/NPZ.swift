import CZlib
import LatentCore

/// `.npz` archives (`np.savez`, `np.savez_compressed`): a zip file whose members are `.npy`
/// files. Members stored uncompressed are streamed from the archive; deflated members are
/// inflated in memory (raw deflate, zlib `inflate`) and their CRC-32 checked.
///
/// Zip structures read (all little-endian, APPNOTE.TXT):
///
/// | record | offset | size | field |
/// | --- | --- | --- | --- |
/// | end of central directory (`PK\x05\x06`) | 10 | 2 | entries |
/// | | 16 | 4 | central directory offset |
/// | central directory entry (`PK\x01\x02`) | 10 | 2 | method (0 stored, 8 deflate) |
/// | | 16 / 20 / 24 | 4 each | CRC-32, compressed size, uncompressed size |
/// | | 28 / 30 / 32 | 2 each | name, extra, comment lengths |
/// | | 42 | 4 | local header offset; 0xFFFFFFFF fields are in the zip64 extra (id 1) |
/// | local header (`PK\x03\x04`) | 26 / 28 | 2 each | name and extra lengths; data at 30 + both |
public enum NPZ {
    struct Member {
        var name: String
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
        /// The name without `.npy`, as `np.load(...)[name]` takes it.
        var arrayName: String { name.hasSuffix(".npy") ? String(name.dropLast(4)) : name }
    }

    /// The array names of an archive, in archive order.
    public static func arrayNames(path: String) throws(CodecError) -> [String] {
        try members(of: NPYFile(reading: path)).map(\.arrayName)
    }

    static func open(path: String, member: String?) throws(CodecError) -> NPZMember {
        let file = try NPYFile(reading: path)
        let all = try members(of: file)
        let chosen: Member
        if let member {
            guard let found = all.first(where: { $0.arrayName == member || $0.name == member }) else {
                throw CodecError(path: path, .noSuchMember(member, in: .npz, holding: all.map(\.arrayName)))
            }
            chosen = found
        } else {
            guard all.count == 1 else {
                if all.isEmpty { throw CodecError(path: path, .noMembers(in: .npz)) }
                throw CodecError(path: path, .memberNeeded(in: .npz, holding: all.map(\.arrayName)))
            }
            chosen = all[0]
        }
        let display = "\(path)[\(chosen.name)]"
        let local = try file.read(30, at: chosen.localHeaderOffset)
        guard local.count == 30, local.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            throw CodecError(path: path, .corruptZip(.noLocalHeader(member: chosen.name, offset: chosen.localHeaderOffset)))
        }
        let (nameLength, extraLength) = local.withUnsafeBytes { (Int($0.littleEndian(at: 26, as: UInt16.self)), Int($0.littleEndian(at: 28, as: UInt16.self))) }
        let dataOffset = chosen.localHeaderOffset + 30 + nameLength + extraLength
        guard dataOffset + chosen.compressedSize <= (try file.size()) else {
            throw CodecError(path: path, .npzMemberTruncated(member: chosen.name, needs: chosen.compressedSize, offset: dataOffset, fileSize: try file.size()))
        }
        switch chosen.method {
        case 0:
            guard chosen.compressedSize == chosen.size else {
                throw CodecError(path: path, .corruptZip(.storedSizes(member: chosen.name, compressed: chosen.compressedSize, size: chosen.size)))
            }
            return NPZMember(try NPYReader(source: FileWindow(file: file, offset: dataOffset, length: chosen.size, path: display)))
        case 8:
            let compressed = try file.read(chosen.compressedSize, at: dataOffset)
            let bytes = try inflateRaw(compressed, expectedSize: chosen.size, path: display)
            let crc = bytes.withUnsafeBytes { raw in
                UInt32(crc32(0, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count)))
            }
            guard crc == chosen.crc else {
                throw CodecError(path: display, .zipChecksum(recorded: chosen.crc, computed: crc))
            }
            return NPZMember(try NPYReader(source: MemoryBytes(bytes, path: display)))
        default:
            throw CodecError(path: display, .zipMethod(chosen.method))
        }
    }

    /// The central directory's entries.
    static func members(of file: NPYFile) throws(CodecError) -> [Member] {
        let path = file.path
        let size = try file.size()
        // The end record is 22 bytes plus a comment of up to 65535 bytes.
        let tailLength = min(size, 22 + 65535)
        let tail = try file.read(tailLength, at: size - tailLength)
        guard let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: { tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06 }) else {
            throw CodecError(path: path, .corruptZip(.noEndRecord))
        }
        var (count, directoryOffset, directorySize) = tail.withUnsafeBytes {
            (Int($0.littleEndian(at: end + 10, as: UInt16.self)), Int($0.littleEndian(at: end + 16, as: UInt32.self)), Int($0.littleEndian(at: end + 12, as: UInt32.self)))
        }
        if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
            // Zip64: the locator (20 bytes) sits just before the end record.
            let locatorOffset = size - tailLength + end - 20
            let locator = try file.read(20, at: max(0, locatorOffset))
            guard locatorOffset >= 0, locator.starts(with: [0x50, 0x4B, 0x06, 0x07]) else {
                throw CodecError(path: path, .corruptZip(.zip64WithoutLocator))
            }
            let record64Offset = Int(locator.withUnsafeBytes { $0.littleEndian(at: 8, as: UInt64.self) })
            let record = try file.read(56, at: record64Offset)
            guard record.count == 56, record.starts(with: [0x50, 0x4B, 0x06, 0x06]) else {
                throw CodecError(path: path, .corruptZip(.noZip64EndRecord(offset: record64Offset)))
            }
            (count, directorySize, directoryOffset) = record.withUnsafeBytes {
                (Int($0.littleEndian(at: 32, as: UInt64.self)), Int($0.littleEndian(at: 40, as: UInt64.self)), Int($0.littleEndian(at: 48, as: UInt64.self)))
            }
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset + directorySize <= size else {
            throw CodecError(path: path, .corruptZip(.directoryPastEnd(offset: directoryOffset, size: directorySize, fileSize: size)))
        }
        let directory = try file.read(directorySize, at: directoryOffset)
        var members: [Member] = []
        var at = 0
        var failure: CodecError { CodecError(path: path, .corruptZip(.malformedEntry(index: members.count, count: count))) }
        for _ in 0..<count {
            guard at + 46 <= directory.count, Array(directory[at..<at + 4]) == [0x50, 0x4B, 0x01, 0x02] else { throw failure }
            var member = directory.withUnsafeBytes { raw in
                Member(name: "", method: raw.littleEndian(at: at + 10), crc: raw.littleEndian(at: at + 16),
                       compressedSize: Int(raw.littleEndian(at: at + 20, as: UInt32.self)),
                       size: Int(raw.littleEndian(at: at + 24, as: UInt32.self)),
                       localHeaderOffset: Int(raw.littleEndian(at: at + 42, as: UInt32.self)))
            }
            let (nameLength, extraLength, commentLength) = directory.withUnsafeBytes {
                (Int($0.littleEndian(at: at + 28, as: UInt16.self)), Int($0.littleEndian(at: at + 30, as: UInt16.self)), Int($0.littleEndian(at: at + 32, as: UInt16.self)))
            }
            guard at + 46 + nameLength + extraLength + commentLength <= directory.count else { throw failure }
            member.name = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // Zip64 extra field (id 1): the 64-bit values of the fields that read 0xFFFFFFFF, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let (id, length) = directory.withUnsafeBytes { (Int($0.littleEndian(at: extra, as: UInt16.self)), Int($0.littleEndian(at: extra + 2, as: UInt16.self))) }
                if id == 1 {
                    var field = extra + 4
                    func next() -> Int? {
                        guard field + 8 <= extra + 4 + length, field + 8 <= extraEnd else { return nil }
                        defer { field += 8 }
                        return Int(directory.withUnsafeBytes { $0.littleEndian(at: field, as: UInt64.self) })
                    }
                    if member.size == 0xFFFF_FFFF { guard let v = next() else { throw failure }; member.size = v }
                    if member.compressedSize == 0xFFFF_FFFF { guard let v = next() else { throw failure }; member.compressedSize = v }
                    if member.localHeaderOffset == 0xFFFF_FFFF { guard let v = next() else { throw failure }; member.localHeaderOffset = v }
                }
                extra += 4 + length
            }
            members.append(member)
            at += 46 + nameLength + extraLength + commentLength
        }
        return members
    }

    /// Inflates a raw deflate stream (zlib `inflate` with −15 window bits) of known size.
    static func inflateRaw(_ compressed: [UInt8], expectedSize: Int, path: String) throws(CodecError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedSize)
        var stream = z_stream()
        guard czlib_inflate_init_raw(&stream) == Z_OK else {
            throw CodecError(path: path, .zlibInit(detail: stream.msg.map { String(cString: $0) }))
        }
        defer { inflateEnd(&stream) }
        var status: Int32 = Z_OK
        var produced = 0
        var input = compressed
        input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                status = inflate(&stream, Z_FINISH)
                produced = outBuffer.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else {
            let detail = stream.msg.map { String(cString: $0) } ?? (status == Z_BUF_ERROR ? "the stream is truncated or longer than recorded" : "zlib status \(status)")
            throw CodecError(path: path, .inflate(detail: detail))
        }
        guard produced == expectedSize else {
            throw CodecError(path: path, .inflatedSize(produced: produced, recorded: expectedSize))
        }
        return output
    }
}

/// One array of an `.npz`: an `.npy` reader over the member's bytes, reported as `.npz`.
final class NPZMember: EmbeddingRowSource {
    let reader: NPYReader
    init(_ reader: NPYReader) { self.reader = reader }
    var path: String { reader.path }
    var rows: Int { reader.rows }
    var columns: Int { reader.columns }
    var sourceDType: String { reader.sourceDType }
    var format: EmbeddingFileFormat { .npz }
    var remainingRows: Int { reader.remainingRows }
    func readRows(_ count: Int) throws(CodecError) -> Matrix<Float> { try reader.readRows(count) }
}
