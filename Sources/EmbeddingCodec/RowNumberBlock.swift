/// The row numbers of an inverted list's block: which space row each row of the block is.
///
/// A fixed 20-byte little-endian header (magic `LDRN`, version, count, XXH64 of the numbers)
/// then `count` UInt32 row numbers; the layout is in `schema/FORMAT.md`. Decoding returns the
/// numbers that were encoded or throws: magic, version, size and checksum are verified.
public enum RowNumberBlock {
    public static let headerSize = 20
    /// "LDRN".
    public static let magic: [UInt8] = [0x4C, 0x44, 0x52, 0x4E]
    public static let currentVersion: UInt16 = 1

    /// Encodes row numbers (each in `0 ... UInt32.max`).
    public static func encode(_ rows: [Int]) -> [UInt8] {
        var numbers = [UInt8]()
        numbers.reserveCapacity(rows.count * 4)
        for row in rows {
            precondition(row >= 0 && row <= Int(UInt32.max), "row number \(row) out of range")
            numbers.appendLittleEndian(UInt32(row))
        }
        var out = [UInt8]()
        out.reserveCapacity(headerSize + numbers.count)
        out.append(contentsOf: magic)
        out.appendLittleEndian(currentVersion)
        out.append(contentsOf: [0, 0])
        out.appendLittleEndian(UInt32(rows.count))
        out.appendLittleEndian(numbers.withUnsafeBytes { xxh64($0) })
        out.append(contentsOf: numbers)
        return out
    }

    public static func decode(_ blob: UnsafeRawBufferPointer) throws(CodecError) -> [Int] {
        guard blob.count >= headerSize, Array(blob[0..<4]) == magic else {
            throw CodecError(.rowNumberBlock(.header(found: Array(blob.prefix(4)), size: blob.count)))
        }
        let version: UInt16 = blob.littleEndian(at: 4)
        guard version == currentVersion, blob.littleEndian(at: 6, as: UInt16.self) == 0 else {
            throw CodecError(.rowNumberBlock(.version(Int(version))))
        }
        let count = Int(blob.littleEndian(at: 8, as: UInt32.self))
        guard blob.count == headerSize + 4 * count else {
            throw CodecError(.rowNumberBlock(.size(count: count, bytes: blob.count - headerSize)))
        }
        let numbers = UnsafeRawBufferPointer(rebasing: blob[headerSize...])
        let stored: UInt64 = blob.littleEndian(at: 12)
        let actual = xxh64(numbers)
        guard stored == actual else { throw CodecError(.rowNumberBlock(.checksum(header: stored, data: actual))) }
        return (0..<count).map { Int(numbers.littleEndian(at: 4 * $0, as: UInt32.self)) }
    }

    public static func decode(_ blob: [UInt8]) throws(CodecError) -> [Int] {
        try withBytes(blob) { (raw) throws(CodecError) in try decode(raw) }
    }
}
