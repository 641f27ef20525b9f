import EmbeddingCodec
import FuzzDriver

/// libFuzzer entry point: any bytes as a stored block. Decoding must throw a CodecError or
/// return exactly the rows × columns the header declares; it must never trap or overrun.
///
/// The first input byte picks a mode, the rest is the block. Sizes and a checksum would stop the
/// fuzzer at the header, so mode bit 0 makes the payload size field agree with the bytes given
/// (LZ4 and the unshuffles are reached), and bit 1 decodes once, then writes the checksum of
/// what came out into the header and decodes again (the round trip is reached).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let mode = data[0]
    var bytes = [UInt8](UnsafeBufferPointer(start: data + 1, count: size - 1))
    if mode & 1 != 0, bytes.count >= BlockHeader.size { put(UInt64(bytes.count - BlockHeader.size), into: &bytes, at: 28) }
    if mode & 2 != 0, let header = try? EmbeddingBlock.header(of: bytes), header.rows * header.columns <= 1 << 20 {
        var scratch = [Float](repeating: 0, count: header.rows * header.columns)
        if (try? scratch.withUnsafeMutableBufferPointer { try EmbeddingBlock.decode(bytes, into: $0) }) == nil {
            put(scratch.withUnsafeBytes { xxh64($0) }, into: &bytes, at: 36)
        }
    }
    guard let header = try? EmbeddingBlock.header(of: bytes) else { return 0 }
    if let matrix = try? EmbeddingBlock.decode(bytes) {
        precondition(matrix.rows == header.rows && matrix.columns == header.columns, "decoded shape disagrees with the header")
        // What decodes re-encodes to data with the same checksum, and decodes back to itself.
        let again = EmbeddingBlock.encode(matrix, codec: header.codec)
        precondition((try? EmbeddingBlock.header(of: again).checksum) == header.checksum, "round trip changed the data")
        let back = try? EmbeddingBlock.decode(again)
        precondition(back.map { $0.elements.withUnsafeBytes { Array($0) } } == matrix.elements.withUnsafeBytes { Array($0) },
                     "re-encoded block decodes to other bytes")
    }
    return 0
}

private func put(_ value: UInt64, into bytes: inout [UInt8], at offset: Int) {
    for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
}
