import Glibc
import LatentCore

/// Bytes read front to back: a whole file, a window of a file (a stored `.npz` member, the
/// data of a safetensors file) or bytes in memory (an inflated `.npz` member). The readers
/// of every format take one, so a format nested in another is read with the same code.
protocol ByteSource: AnyObject {
    /// What errors name: a file, or `archive.npz[member.npy]`.
    var path: String { get }
    /// Total size in bytes; never asked of a stream.
    func size() throws(CodecError) -> Int
    /// Bytes that arrive front to back with no size known in advance (standard input): readers
    /// check the data's length as it is read instead of against `size()`.
    var isStream: Bool { get }
    /// Fills `buffer` from the current position; returns the bytes read (fewer only at the end).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int
}

extension ByteSource {
    var isStream: Bool { false }

    func read(into bytes: inout [UInt8]) throws(CodecError) -> Int {
        let result = bytes.withUnsafeMutableBytes { raw in Result { () throws(CodecError) in try read(into: raw) } }
        return try result.get()
    }
}

extension NPYFile: ByteSource {}

extension NPYFile {
    /// Reads at an absolute offset without moving the file position (`pread(2)`).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(CodecError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CodecError(path: path, .fileAccess(.read, reason: String(cString: strerror(errno)))) }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func read(_ count: Int, at offset: Int) throws(CodecError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { raw in Result { () throws(CodecError) in try read(into: raw, at: offset) } }
        let got = try result.get()
        return Array(bytes[0..<got])
    }
}

/// `length` bytes of an open file from `offset`, read with `pread(2)`.
final class FileWindow: ByteSource {
    let file: NPYFile
    let path: String
    let offset: Int
    let length: Int
    private var position = 0

    init(file: NPYFile, offset: Int, length: Int, path: String? = nil) {
        self.file = file
        self.offset = offset
        self.length = length
        self.path = path ?? file.path
    }

    func size() -> Int { length }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        let n = min(buffer.count, length - position)
        guard n > 0 else { return 0 }
        let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]), at: offset + position)
        position += got
        return got
    }
}

/// Bytes in memory.
final class MemoryBytes: ByteSource {
    let path: String
    let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    func size() -> Int { bytes.count }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in
            buffer.baseAddress!.copyMemory(from: raw.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }
}

/// A stream whose first bytes were already read (to recognise its format), read again from the start.
final class ReplayedStream: ByteSource {
    private var prefix: ArraySlice<UInt8>
    private let rest: any ByteSource
    var path: String { rest.path }
    var isStream: Bool { true }

    init(prefix: [UInt8], rest: any ByteSource) {
        self.prefix = prefix[...]
        self.rest = rest
    }

    func size() throws(CodecError) -> Int { preconditionFailure("the size of a stream is unknown until its end") }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        let n = min(prefix.count, buffer.count)
        if n > 0 {
            prefix.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            prefix = prefix.dropFirst(n)
        }
        guard n < buffer.count else { return n }
        return n + (try rest.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[n...])))
    }
}
