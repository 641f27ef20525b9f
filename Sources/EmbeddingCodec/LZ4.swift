import CLZ4

/// The LZ4 block API (no frames: our block header already carries sizes and a checksum).
enum LZ4 {
    /// The largest input LZ4's block API accepts (`LZ4_MAX_INPUT_SIZE`).
    static let maxInputSize = 0x7E00_0000

    /// Worst-case compressed size of `count` bytes. The corresponding LZ4 function is `LZ4_compressBound`.
    static func bound(_ count: Int) -> Int {
        precondition(count >= 0 && count <= maxInputSize, "LZ4 input of \(count) bytes exceeds LZ4_MAX_INPUT_SIZE")
        return Int(LZ4_compressBound(Int32(count)))
    }

    /// Compresses `source` into `destination`; returns the compressed size, or `nil` when it
    /// does not fit (the caller then stores the bytes raw). The corresponding LZ4 function is
    /// `LZ4_compress_default`.
    static func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int? {
        precondition(source.count <= maxInputSize, "LZ4 input of \(source.count) bytes exceeds LZ4_MAX_INPUT_SIZE")
        guard source.count > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return nil }
        let written = LZ4_compress_default(src.assumingMemoryBound(to: CChar.self),
                                           dst.assumingMemoryBound(to: CChar.self),
                                           Int32(source.count), Int32(clamping: destination.count))
        return written > 0 ? Int(written) : nil
    }

    /// Decompresses `source`, which must produce exactly `destination.count` bytes; returns
    /// `false` on malformed input or a size mismatch. Never writes outside `destination`.
    /// The corresponding LZ4 function is `LZ4_decompress_safe`.
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Bool {
        guard source.count <= Int32.max, destination.count <= Int32.max else { return false }
        guard let src = source.baseAddress, let dst = destination.baseAddress else {
            return destination.count == 0 && source.count == 0
        }
        let produced = LZ4_decompress_safe(src.assumingMemoryBound(to: CChar.self),
                                           dst.assumingMemoryBound(to: CChar.self),
                                           Int32(source.count), Int32(destination.count))
        return Int(produced) == destination.count
    }
}
