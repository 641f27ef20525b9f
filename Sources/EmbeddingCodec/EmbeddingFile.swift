import LatentCore

/// Rows of a 2-D embedding matrix read from a file, converted to Float, front to back.
public protocol EmbeddingRowSource: AnyObject {
    /// The file (or `archive.npz[member.npy]`) errors name.
    var path: String { get }
    var rows: Int { get }
    var columns: Int { get }
    /// The element type on disk as a NumPy dtype string (`<f4`, `<f2`, `<f8`, `|u1`) or, for
    /// types NumPy lacks, the format's own name (`bf16`).
    var sourceDType: String { get }
    /// The format the rows come from.
    var format: EmbeddingFileFormat { get }
    /// Rows not yet returned by ``readRows(_:)``.
    var remainingRows: Int { get }
    /// The next `min(count, remainingRows)` rows; 0 rows at the end.
    func readRows(_ count: Int) throws(CodecError) -> Matrix<Float>
}

extension NPYReader: EmbeddingRowSource {
    public var sourceDType: String { dtype.rawValue }
    public var format: EmbeddingFileFormat { .npy }
}

/// The embedding file formats LatentDB reads (all) and writes (`npy`, `safetensors`, `fvecs`).
public enum EmbeddingFileFormat: String, Sendable, CaseIterable, Codable {
    case npy, npz, safetensors, fvecs, bvecs

    public static let writable: [EmbeddingFileFormat] = [.npy, .safetensors, .fvecs]
}

/// Standard input and output as an embedding file: the path `-`, as Unix tools spell it.
/// Standard input carries one `.npy` (any dtype and version a file may have), read front to
/// back as it arrives; every writer writes to standard output, front to back.
public enum StandardStream {
    public static let path = "-"
    /// What errors call them.
    public static let inputName = "standard input"
    public static let outputName = "standard output"
}

/// One entry point for every embedding file format, chosen by content (magic bytes) first
/// and by file name only where a format has no magic (`.fvecs`, `.bvecs`).
///
/// | format | recognised by | member |
/// | --- | --- | --- |
/// | `.npy` | `\x93NUMPY` | — |
/// | `.npz` | `PK\x03\x04` / `PK\x05\x06` (a zip of `.npy`, stored or deflated) | array name, needed when several |
/// | safetensors | 8-byte little-endian header length, then `{` | tensor name, needed when several |
/// | `.fvecs` / `.bvecs` | the name, else a consistent first row dimension | — |
public enum EmbeddingFile {
    /// Opens `path` for streaming. `member` picks an array of an `.npz` or a tensor of a
    /// safetensors file; it is an error for the single-matrix formats.
    /// `path` `-` is standard input (``StandardStream``), which holds an `.npy`.
    public static func open(path: String, member: String? = nil) throws(CodecError) -> any EmbeddingRowSource {
        if path == StandardStream.path { return try openStandardInput(member: member) }
        let format = try detect(path: path)
        if let member, format != .npz && format != .safetensors {
            throw CodecError(path: path, .memberOfSingleMatrix(format: format.rawValue, member: member))
        }
        switch format {
        case .npy: return try NPYReader(path: path)
        case .npz: return try NPZ.open(path: path, member: member)
        case .safetensors: return try SafetensorsReader(path: path, tensor: member)
        case .fvecs: return try VecsReader(path: path, kind: .fvecs)
        case .bvecs: return try VecsReader(path: path, kind: .bvecs)
        }
    }

    /// A stream cannot be probed without consuming it, so it is read as `.npy` and anything
    /// else is said to be the wrong format for a stream (rather than a damaged `.npy`).
    private static func openStandardInput(member: String?) throws(CodecError) -> NPYReader {
        if let member {
            throw CodecError(path: StandardStream.inputName, .memberOfSingleMatrix(format: EmbeddingFileFormat.npy.rawValue, member: member))
        }
        let input = try NPYFile(reading: StandardStream.path)
        var head = [UInt8](repeating: 0, count: NPYHeader.magic.count)
        head = Array(head[0..<(try input.read(into: &head))])
        guard head == NPYHeader.magic else {
            throw CodecError(path: input.path, .standardInputFormat(firstBytes: head))
        }
        return try NPYReader(source: ReplayedStream(prefix: head, rest: input))
    }

    /// The whole matrix and its source dtype.
    public static func readMatrix(path: String, member: String? = nil) throws(CodecError) -> (matrix: Matrix<Float>, sourceDType: String) {
        let source = try open(path: path, member: member)
        return (try source.readRows(source.rows), source.sourceDType)
    }

    /// The format of `path` by its first bytes; by its name for `.fvecs`/`.bvecs`. A file
    /// nothing recognises is reported by the reader its name suggests (`.npy` by default), so
    /// a damaged `.npy` keeps its precise message.
    public static func detect(path: String) throws(CodecError) -> EmbeddingFileFormat {
        let file = try NPYFile(reading: path)
        let head = try file.read(16, at: 0)
        let size = try file.size()
        if head.starts(with: NPYHeader.magic) { return .npy }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .npz }
        // .fvecs/.bvecs have no magic: their name wins over the safetensors guess, which row data can mimic.
        let lower = path.lowercased()
        if lower.hasSuffix(".fvecs") { return .fvecs }
        if lower.hasSuffix(".bvecs") { return .bvecs }
        if head.count >= 9 && head[8] == UInt8(ascii: "{") {
            let length = head.withUnsafeBytes { $0.littleEndian(at: 0, as: UInt64.self) }
            if length >= 2 && length <= UInt64(Int.max - 8) { return .safetensors }
        }
        if lower.hasSuffix(".npz") { return .npz }
        if lower.hasSuffix(".safetensors") { return .safetensors }
        if lower.hasSuffix(".npy") { return .npy }
        if head.count >= 4 {
            let d = Int(head.withUnsafeBytes { $0.littleEndian(at: 0, as: Int32.self) })
            if d > 0 && size % (4 + 4 * d) == 0 { return .fvecs }
            if d > 0 && size % (4 + d) == 0 { return .bvecs }
        }
        throw CodecError(path: path, .unrecognisedEmbeddingFile(firstBytes: Array(head.prefix(8))))
    }

    /// A writer of `rows × columns` float32 in `format` (`npy`, `safetensors` or `fvecs`).
    public static func writer(format: EmbeddingFileFormat, path: String, rows: Int, columns: Int) throws(CodecError) -> any EmbeddingRowSink {
        switch format {
        case .npy: return try NPYWriter(path: path, rows: rows, columns: columns)
        case .safetensors: return try SafetensorsWriter(path: path, rows: rows, columns: columns)
        case .fvecs: return try FvecsWriter(path: path, rows: rows, columns: columns)
        case .npz, .bvecs:
            throw CodecError(path: path, .unwritableFormat(format.rawValue, writable: EmbeddingFileFormat.writable.map(\.rawValue)))
        }
    }

    /// Writes `m` in `format`.
    public static func write(_ m: Matrix<Float>, to path: String, format: EmbeddingFileFormat) throws(CodecError) {
        let sink = try writer(format: format, path: path, rows: m.rows, columns: m.columns)
        try sink.append(m)
        try sink.finish()
    }
}

/// A float32 matrix written row block by row block.
public protocol EmbeddingRowSink: AnyObject {
    func append(_ values: UnsafeBufferPointer<Float>) throws(CodecError)
    func finish() throws(CodecError)
}

extension EmbeddingRowSink {
    public func append(_ m: Matrix<Float>) throws(CodecError) {
        let result = m.elements.withUnsafeBufferPointer { buffer in Result { () throws(CodecError) in try append(buffer) } }
        try result.get()
    }
}

extension NPYWriter: EmbeddingRowSink {}

/// Element types of the formats other than `.npy`, decoded to Float.
enum ElementKind {
    case float32, float16, bfloat16, float64, uint8

    var size: Int {
        switch self {
        case .float32: 4
        case .float16, .bfloat16: 2
        case .float64: 8
        case .uint8: 1
        }
    }

    var dtypeName: String {
        switch self {
        case .float32: "<f4"
        case .float16: "<f2"
        case .bfloat16: "bf16"
        case .float64: "<f8"
        case .uint8: "|u1"
        }
    }

    /// Decodes `count` little-endian elements of `raw` from byte `offset` into `out`.
    func decode(_ raw: UnsafeRawBufferPointer, from offset: Int, count: Int, into out: UnsafeMutableBufferPointer<Float>, at start: Int) {
        precondition(offset + count * size <= raw.count && start + count <= out.count, "decode out of bounds")
        switch self {
        case .float32:
            for j in 0..<count { out[start + j] = Float(bitPattern: raw.littleEndian(at: offset + 4 * j, as: UInt32.self)) }
        case .float16:
            for j in 0..<count { out[start + j] = Float(Float16(bitPattern: raw.littleEndian(at: offset + 2 * j, as: UInt16.self))) }
        case .bfloat16:
            // bfloat16 is the high half of a float32: exact.
            for j in 0..<count { out[start + j] = Float(bitPattern: UInt32(raw.littleEndian(at: offset + 2 * j, as: UInt16.self)) << 16) }
        case .float64:
            for j in 0..<count { out[start + j] = Float(Double(bitPattern: raw.littleEndian(at: offset + 8 * j, as: UInt64.self))) }
        case .uint8:
            for j in 0..<count { out[start + j] = Float(raw[offset + j]) }
        }
    }
}

/// Row-major elements of one kind read from a byte source in bounded chunks.
func readDecodedRows(_ source: some ByteSource, kind: ElementKind, rows n: Int, columns: Int) throws(CodecError) -> Matrix<Float> {
    let total = n * columns
    var failure: CodecError?
    let elements = [Float](unsafeUninitializedCapacity: total) { out, initialized in
        initialized = 0
        let chunkElements = max(1, (1 << 20) / kind.size)
        var scratch = [UInt8](repeating: 0, count: min(total, chunkElements) * kind.size)
        var done = 0
        while done < total {
            let k = min(chunkElements, total - done)
            let result = scratch.withUnsafeMutableBytes { raw in
                Result { () throws(CodecError) in try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(k * kind.size)])) }
            }
            let got: Int
            switch result {
            case .success(let n): got = n
            case .failure(let error): failure = error; return
            }
            guard got == k * kind.size else {
                failure = CodecError(path: source.path, .changedWhileReading(expected: k * kind.size, found: got))
                return
            }
            scratch.withUnsafeBytes { kind.decode($0, from: 0, count: k, into: out, at: done) }
            done += k
        }
        initialized = total
    }
    if let failure { throw failure }
    return Matrix(rows: n, columns: columns, elements: elements)
}
