import Glibc
import LatentCore

/// The element types LatentDB reads from `.npy` files (little-endian only). Raw values
/// are NumPy's `descr` strings as `np.save` writes them.
public enum NPYDType: String, Sendable, CaseIterable {
    case float16 = "<f2", float32 = "<f4", float64 = "<f8"
    case int8 = "|i1", int16 = "<i2", int32 = "<i4", int64 = "<i8"
    case uint8 = "|u1", uint16 = "<u2", uint32 = "<u4", uint64 = "<u8"

    public var itemSize: Int { Int(rawValue.dropFirst(2))! }
    public var isFloatingPoint: Bool { rawValue.dropFirst().first == "f" }

    /// Parses a NumPy `descr`; 1-byte types may carry any byte-order mark.
    init(descr: String, path: String) throws(CodecError) {
        if let known = NPYDType(rawValue: descr) { self = known; return }
        let kind = descr.dropFirst()
        if kind == "i1" || kind == "u1", let known = NPYDType(rawValue: "|" + kind) { self = known; return }
        if descr.first == ">", let le = NPYDType(rawValue: "<" + kind) {
            throw CodecError(path: path, .bigEndianDType(descr, littleEndian: le.rawValue))
        }
        if descr.first == "=", let le = NPYDType(rawValue: "<" + kind) { self = le; return }  // native = little on supported hosts
        throw CodecError(path: path, .unsupportedDType(descr, supported: NPYDType.allCases.map(\.rawValue)))
    }
}

/// A parsed `.npy` header: format version, dtype, order, shape and where the data starts.
struct NPYHeader {
    var major: UInt8
    var minor: UInt8
    var dtype: NPYDType
    var fortranOrder: Bool
    var shape: [Int]
    var dataOffset: Int
    var elementCount: Int { shape.reduce(1, *) }
    var dataByteCount: Int { elementCount * dtype.itemSize }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// NumPy's `GROWTH_AXIS_MAX_DIGITS`: spare spaces after the dict so the shape can grow in place.
    static let growthDigits = 21

    /// Reads and validates the header of the open file `file` (positioned at 0), including
    /// that the data size matches the file size.
    static func read(_ file: some ByteSource) throws(CodecError) -> NPYHeader {
        let path = file.path
        var prefix = [UInt8](repeating: 0, count: 10)
        let got = try file.read(into: &prefix)
        guard got >= 6, Array(prefix[0..<6]) == magic else {
            throw CodecError(path: path, .notNPY(length: got, firstBytes: Array(prefix[0..<min(got, 6)])))
        }
        guard got == 10 else { throw CodecError(path: path, .npyTruncatedHeader(expected: nil, found: got)) }
        let major = prefix[6], minor = prefix[7]
        guard (major == 1 || major == 2 || major == 3) && minor == 0 else {
            throw CodecError(path: path, .npyVersion(major: major, minor: minor))
        }
        var headerLength: Int
        var dataOffset: Int
        if major == 1 {
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
            dataOffset = 10 + headerLength
        } else {
            var more = [UInt8](repeating: 0, count: 2)
            guard try file.read(into: &more) == 2 else { throw CodecError(path: path, .npyTruncatedHeader(expected: nil, found: 10)) }
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(more[0]) << 16 | Int(more[1]) << 24
            dataOffset = 12 + headerLength
        }
        // The length comes from the file: check it against the file before allocating for it
        // (a 12-byte file may declare a 4 GiB header). A stream has no size: read it in
        // chunks, so that memory follows the bytes that actually arrive.
        let headerBytes: [UInt8]
        if file.isStream {
            headerBytes = try readStreamed(file, count: headerLength)
        } else {
            let available = try file.size() - (major == 1 ? 10 : 12)
            guard headerLength <= available else {
                throw CodecError(path: path, .npyTruncatedHeader(expected: headerLength, found: max(available, 0)))
            }
            var bytes = [UInt8](repeating: 0, count: headerLength)
            headerBytes = Array(bytes[0..<(try file.read(into: &bytes))])
        }
        guard headerBytes.count == headerLength else {
            throw CodecError(path: path, .npyTruncatedHeader(expected: headerLength, found: headerBytes.count))
        }
        // Versions 1 and 2 are latin-1, version 3 is UTF-8.
        let text = major == 3 ? String(decoding: headerBytes, as: UTF8.self)
                              : String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
        var parser = DictParser(text: text, path: path)
        let dict = try parser.parse()
        guard Set(dict.keys) == ["descr", "fortran_order", "shape"] else {
            throw CodecError(path: path, .npyMalformedHeader(.keys(found: dict.keys.sorted())))
        }
        guard case .string(let descr)? = dict["descr"] else {
            throw CodecError(path: path, .structuredDType("\(dict["descr"]!)"))
        }
        guard case .bool(let fortranOrder)? = dict["fortran_order"] else {
            throw CodecError(path: path, .npyMalformedHeader(.fortranOrder))
        }
        guard case .tuple(let shape)? = dict["shape"], shape.allSatisfy({ $0 >= 0 }) else {
            throw CodecError(path: path, .npyMalformedHeader(.shape))
        }
        let dtype = try NPYDType(descr: descr, path: path)
        let header = NPYHeader(major: major, minor: minor, dtype: dtype, fortranOrder: fortranOrder,
                               shape: shape, dataOffset: dataOffset)
        var expected = dtype.itemSize
        for dim in shape {
            let (p, overflow) = expected.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw CodecError(path: path, .npyMalformedHeader(.shapeTooLarge(shape))) }
            expected = p
        }
        // A stream's data is counted as it is read (`NPYReader`).
        if file.isStream { return header }
        let found = try file.size() - dataOffset
        guard found >= expected else {
            throw CodecError(path: path, .npyDataSize(shape: shapeText(shape), dtype: descr, expected: expected, found: found))
        }
        guard found == expected else {
            throw CodecError(path: path, .npyDataSize(shape: shapeText(shape), dtype: descr, expected: expected, found: found))
        }
        return header
    }

    /// Up to `count` bytes of a stream, fewer only at its end, in chunks of at most 64 KiB.
    private static func readStreamed(_ file: some ByteSource, count: Int) throws(CodecError) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(count, 1 << 16))
        while out.count < count {
            let want = min(chunk.count, count - out.count)
            let result = chunk.withUnsafeMutableBytes { raw in
                Result { () throws(CodecError) in try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<want])) }
            }
            let got = try result.get()
            out += chunk[0..<got]
            if got < want { break }
        }
        return out
    }

    /// The header `np.save` writes for a C-order array of `dtype` and `shape`: version 1.0
    /// (2.0 if the header needs more than 65535 bytes), the dict in sorted key order with
    /// NumPy's spare growth spaces, space-padded so data starts at a multiple of 64,
    /// newline-terminated.
    static func bytes(dtype: NPYDType, shape: [Int]) -> [UInt8] {
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText(shape)), }"
        if let first = shape.first { dict += String(repeating: " ", count: max(0, growthDigits - String(first).utf8.count)) }
        let text = Array(dict.utf8)  // ASCII: the same bytes in latin-1
        for (major, lengthBytes) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let hlen = text.count + 1
            let padding = 64 - (6 + 2 + lengthBytes + hlen) % 64
            let total = hlen + padding
            if lengthBytes == 2 && total > Int(UInt16.max) { continue }
            var out = magic + [major, 0]
            if lengthBytes == 2 { out.appendLittleEndian(UInt16(total)) } else { out.appendLittleEndian(UInt32(total)) }
            out += text
            out += [UInt8](repeating: 0x20, count: padding)
            out.append(0x0A)
            return out
        }
        preconditionFailure("unreachable: version 2.0 header length fits in UInt32")
    }
}

/// Python's `repr` of a shape tuple: `()`, `(5,)`, `(4955, 384)`.
func shapeText(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// The subset of Python literal syntax an `.npy` header uses: a dict of string keys to
/// strings, booleans and tuples of integers.
struct DictParser {
    enum Value: CustomStringConvertible {
        case string(String), bool(Bool), tuple([Int]), other(String)
        var description: String {
            switch self {
            case .string(let s): "'\(s)'"
            case .bool(let b): b ? "True" : "False"
            case .tuple(let t): shapeText(t)
            case .other(let s): s
            }
        }
    }

    let chars: [Character]
    let path: String
    var i = 0

    init(text: String, path: String) {
        chars = Array(text)
        self.path = path
    }

    mutating func parse() throws(CodecError) -> [String: Value] {
        var dict: [String: Value] = [:]
        skipSpace()
        try expect("{")
        while true {
            skipSpace()
            if peek == "}" { i += 1; break }
            guard case .string(let key) = try value() else { throw malformed(.keyNotString) }
            skipSpace()
            try expect(":")
            skipSpace()
            dict[key] = try value()
            skipSpace()
            if peek == "," { i += 1; continue }
            skipSpace()
            try expect("}")
            break
        }
        skipSpace()
        guard i == chars.count else { throw malformed(.textAfterDict) }
        return dict
    }

    private var peek: Character? { i < chars.count ? chars[i] : nil }

    private mutating func skipSpace() { while let c = peek, c.isWhitespace { i += 1 } }

    private mutating func expect(_ c: Character) throws(CodecError) {
        guard peek == c else { throw malformed(.expected(c, at: i, found: peek)) }
        i += 1
    }

    private func malformed(_ problem: Diagnostic.NPYHeaderSyntax) -> CodecError {
        CodecError(path: path, .npyHeaderSyntax(problem, header: String(chars).trimmingSuffix()))
    }

    private mutating func value() throws(CodecError) -> Value {
        guard let c = peek else { throw malformed(.valueAtEnd) }
        switch c {
        case "'", "\"":
            i += 1
            let start = i
            while let d = peek, d != c { i += 1 }
            guard peek == c else { throw malformed(.unterminatedString) }
            defer { i += 1 }
            return .string(String(chars[start..<i]))
        case "(":
            i += 1
            var items: [Int] = []
            while true {
                skipSpace()
                if peek == ")" { i += 1; return .tuple(items) }
                items.append(try integer())
                skipSpace()
                if peek == "," { i += 1; continue }
                try expect(")")
                return .tuple(items)
            }
        case "[", "{":
            // A structured dtype (list of fields) or a nested dict: skip it balanced, report it.
            let start = i
            var depth = 0
            repeat {
                if chars[i] == "[" || chars[i] == "{" || chars[i] == "(" { depth += 1 }
                if chars[i] == "]" || chars[i] == "}" || chars[i] == ")" { depth -= 1 }
                i += 1
            } while depth > 0 && i < chars.count
            return .other(String(chars[start..<i]))
        default:
            let start = i
            while let d = peek, d.isLetter || d.isNumber || d == "_" || d == "-" { i += 1 }
            let word = String(chars[start..<i])
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "": throw malformed(.unexpected(c, at: i))
            default:
                return .other(word)
            }
        }
    }

    private mutating func integer() throws(CodecError) -> Int {
        let start = i
        while let d = peek, d.isNumber || d == "-" { i += 1 }
        // NumPy < 2 wrote Python 2 longs as "3L".
        let digits = String(chars[start..<i])
        if peek == "L" { i += 1 }
        guard let n = Int(digits) else { throw malformed(.integerInShape(at: start)) }
        return n
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// An open file, read or written with `read(2)`/`write(2)` in caller-sized chunks; or, for
/// parsing bytes already in memory, a read-only view of an array under a display path.
///
/// The path `-` (``StandardStream/path``) opens standard input for reading and standard output
/// for writing: read as a stream (front to back, size unknown until the end), never closed.
final class NPYFile {
    let path: String
    private var fd: Int32
    var descriptor: Int32 { fd }
    /// Standard input or output: no size, no `pread`, and the descriptor stays open.
    let isStream: Bool
    /// The bytes of a memory-backed file, and the read position in them.
    private let memory: [UInt8]?
    private var position = 0

    init(bytes: [UInt8], path: String) {
        self.path = path
        fd = -1
        memory = bytes
        isStream = false
    }

    init(reading path: String) throws(CodecError) {
        memory = nil
        if path == StandardStream.path {
            self.path = StandardStream.inputName
            fd = STDIN_FILENO
            isStream = true
            return
        }
        self.path = path
        isStream = false
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CodecError(path: path, .fileAccess(.openForReading, reason: String(cString: strerror(errno)))) }
    }

    init(creating path: String) throws(CodecError) {
        memory = nil
        if path == StandardStream.path {
            self.path = StandardStream.outputName
            fd = STDOUT_FILENO
            isStream = true
            return
        }
        self.path = path
        isStream = false
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CodecError(path: path, .fileAccess(.openForWriting, reason: String(cString: strerror(errno)))) }
    }

    deinit { if fd >= 0 && !isStream { _ = Glibc.close(fd) } }

    func size() throws(CodecError) -> Int {
        precondition(!isStream, "the size of a stream is unknown until its end")
        if let memory { return memory.count }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CodecError(path: path, .fileAccess(.stat, reason: String(cString: strerror(errno)))) }
        return Int(st.st_size)
    }

    /// Fills `buffer` from the current position; returns the bytes read (fewer only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        if let memory {
            let n = min(buffer.count, memory.count - position)
            if n > 0 { memory.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) } }
            position += n
            return n
        }
        var done = 0
        while done < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CodecError(path: path, .fileAccess(.read, reason: String(cString: strerror(errno)))) }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func read(into bytes: inout [UInt8]) throws(CodecError) -> Int {
        let result = bytes.withUnsafeMutableBytes { raw in Result { () throws(CodecError) in try read(into: raw) } }
        return try result.get()
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws(CodecError) {
        precondition(memory == nil, "NPYFile(bytes:) is read-only")
        var done = 0
        while done < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CodecError(path: path, .fileAccess(.write, reason: String(cString: strerror(errno)))) }
            done += n
        }
    }

    func write(_ bytes: [UInt8]) throws(CodecError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(CodecError) in try write(raw) } }
        try result.get()
    }

    func close() throws(CodecError) {
        if memory != nil || isStream { return }
        let fd = self.fd
        self.fd = -1
        guard Glibc.close(fd) == 0 else { throw CodecError(path: path, .fileAccess(.close, reason: String(cString: strerror(errno)))) }
    }
}
