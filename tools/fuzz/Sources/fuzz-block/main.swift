import FuzzDriver
import EmbeddingCodec

/// libFuzzer entry point: any bytes as a stored block. Decoding must throw a CodecError or
/// return exactly the rows × columns the header declares; it must never trap or overrun.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    guard let header = try? EmbeddingBlock.header(of: bytes) else { return 0 }
    if let matrix = try? EmbeddingBlock.decode(bytes) {
        precondition(matrix.rows == header.rows && matrix.columns == header.columns, "decoded shape disagrees with the header")
        // A block that decodes re-encodes to the same raw bytes' checksum.
        let again = EmbeddingBlock.encode(matrix, codec: header.codec)
        precondition((try? EmbeddingBlock.header(of: again).checksum) == header.checksum, "round trip changed the data")
    }
    return 0
}
