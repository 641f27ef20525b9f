// Explicit little-endian integer encoding for headers: every multi-byte integer is
// assembled byte by byte, so the code is correct on any host and never does a
// misaligned load.

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value
        for _ in 0..<(T.bitWidth / 8) {
            append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`; the caller has checked the bounds.
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        precondition(offset >= 0 && offset + T.bitWidth / 8 <= count, "little-endian read out of bounds")
        var v: T = 0
        for i in stride(from: T.bitWidth / 8 - 1, through: 0, by: -1) {
            v = (v << 8) | T(self[offset + i])
        }
        return v
    }
}

/// `Array.withUnsafeBytes` with a typed-throwing body (the standard library's rethrows
/// would widen the error to `any Error`).
func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CodecError) -> R) throws(CodecError) -> R {
    let result = bytes.withUnsafeBytes { raw in Result { () throws(CodecError) -> R in try body(raw) } }
    return try result.get()
}
