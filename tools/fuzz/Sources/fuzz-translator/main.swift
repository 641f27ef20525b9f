import EmbeddingCodec
import FuzzDriver
import LatentDB

/// libFuzzer entry point: any bytes as a translator file (`translator import`). Parsing must
/// throw a LatentError or return a translator whose shape agrees with its metadata.
///
/// The first input byte picks a mode, the rest is the file. Checksums would stop the fuzzer at
/// the door, so in mode bit 0 the file's trailing XXH64 is recomputed (the metadata JSON and the
/// parameter sections are reached), and with bit 1 too the parameters' own trailing XXH64 first
/// (the section decoder is reached).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let mode = data[0]
    var bytes = [UInt8](UnsafeBufferPointer(start: data + 1, count: size - 1))
    let magic = 20, headerSize = magic + 2 + 4 + 8
    if mode & 2 != 0, bytes.count >= headerSize + 8 {
        let jsonLength = Int(littleEndian(bytes, at: magic + 2, count: 4))
        let parameterLength = Int(clamping: littleEndian(bytes, at: magic + 6, count: 8))
        let start = headerSize + jsonLength
        if parameterLength >= 8, parameterLength <= bytes.count, start <= bytes.count - parameterLength {
            fixChecksum(&bytes, end: start + parameterLength, from: start)
        }
    }
    if mode & 1 != 0, bytes.count >= 8 { fixChecksum(&bytes, end: bytes.count, from: 0) }
    if let parsed = try? LatentStore.parseTranslatorFile(bytes, path: "<fuzz>") {
        precondition(parsed.metadata.sourceDim == parsed.translator.sourceDimension
                     && parsed.metadata.targetDim == parsed.translator.targetDimension, "metadata disagrees with the parameters")
    }
    return 0
}

private func littleEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
    (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
}

/// Writes XXH64(bytes[from ..< end - 8]) into bytes[end - 8 ..< end], little-endian.
private func fixChecksum(_ bytes: inout [UInt8], end: Int, from: Int) {
    let hash = bytes[from ..< end - 8].withUnsafeBytes { xxh64($0) }
    for i in 0..<8 { bytes[end - 8 + i] = UInt8(truncatingIfNeeded: hash >> (8 * UInt64(i))) }
}
