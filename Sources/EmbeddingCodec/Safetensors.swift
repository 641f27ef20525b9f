import Foundation
import LatentCore

/// Safetensors files (Hugging Face): one 2-D tensor read as float32 rows, streamed.
///
/// | offset | size | description |
/// | --- | --- | --- |
/// | 0 | 8 | N: header length, unsigned little-endian |
/// | 8 | N | UTF-8 JSON object: tensor name → `{"dtype", "shape", "data_offsets": [begin, end]}`; `__metadata__` (string map) is ignored |
/// | 8 + N | … | the byte buffer; offsets are relative to its start, tensors do not overlap |
///
/// Readable dtypes: `F32`, `F16`, `BF16`, `F64` (converted to float32). The header is checked
/// whole (JSON, offsets inside the file, no overlap, shape × dtype size = byte span) before any
/// data is read.
final class SafetensorsReader: EmbeddingRowSource {
    let path: String
    let rows: Int
    let columns: Int
    let kind: ElementKind
    let tensor: String
    var sourceDType: String { kind.dtypeName }
    var format: EmbeddingFileFormat { .safetensors }
    private(set) var remainingRows: Int
    private let data: FileWindow

    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]
    static let readable: [String: ElementKind] = ["F32": .float32, "F16": .float16, "BF16": .bfloat16, "F64": .float64]

    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    init(path: String, tensor: String?) throws(CodecError) {
        let file = try NPYFile(reading: path)
        let size = try file.size()
        let prefix = try file.read(8, at: 0)
        guard prefix.count == 8 else { throw CodecError(path: path, .safetensorsTruncated(size: prefix.count)) }
        let headerLength = prefix.withUnsafeBytes { $0.littleEndian(at: 0, as: UInt64.self) }
        guard headerLength <= UInt64(size - 8) else {
            throw CodecError(path: path, .safetensorsHeaderLength(headerLength, fileSize: size))
        }
        let headerBytes = try file.read(Int(headerLength), at: 8)
        let entries = try Self.parseHeader(headerBytes, path: path)
        let bufferStart = 8 + Int(headerLength), bufferSize = size - bufferStart
        try Self.validate(entries, bufferSize: bufferSize, path: path)

        let chosen: Entry
        if let tensor {
            guard let found = entries.first(where: { $0.name == tensor }) else {
                throw CodecError(path: path, .noSuchMember(tensor, in: .safetensors, holding: entries.map(\.name)))
            }
            chosen = found
        } else {
            guard entries.count == 1 else {
                if entries.isEmpty { throw CodecError(path: path, .noMembers(in: .safetensors)) }
                throw CodecError(path: path, .memberNeeded(in: .safetensors, holding: entries.map(\.name)))
            }
            chosen = entries[0]
        }
        guard let kind = Self.readable[chosen.dtype] else {
            throw CodecError(path: path, .notFloat(dtype: chosen.dtype, tensor: chosen.name))
        }
        guard chosen.shape.count == 2 else {
            throw CodecError(path: path, .notTwoDimensional(dimensions: chosen.shape.count, shape: "\(chosen.shape)", tensor: chosen.name))
        }
        self.path = path
        self.kind = kind
        self.tensor = chosen.name
        rows = chosen.shape[0]
        columns = chosen.shape[1]
        remainingRows = rows
        data = FileWindow(file: file, offset: bufferStart + chosen.begin, length: chosen.end - chosen.begin)
    }

    func readRows(_ count: Int) throws(CodecError) -> Matrix<Float> {
        precondition(count >= 0, "negative row count \(count)")
        let n = min(count, remainingRows)
        let m = try readDecodedRows(data, kind: kind, rows: n, columns: columns)
        remainingRows -= n
        return m
    }

    static func parseHeader(_ bytes: [UInt8], path: String) throws(CodecError) -> [Entry] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            let preview = String(decoding: bytes.prefix(40), as: UTF8.self)
            throw CodecError(path: path, .safetensorsHeader(.notJSON(length: bytes.count, preview: preview)))
        }
        guard let dict = object as? [String: Any] else {
            throw CodecError(path: path, .safetensorsHeader(.notAnObject))
        }
        var entries: [Entry] = []
        for (name, value) in dict where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap(Self.integer), shape.count == (info["shape"] as? [Any])?.count,
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap(Self.integer), offsets.count == 2 else {
                throw CodecError(path: path, .safetensorsHeader(.fields(tensor: name)))
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] >= 0 else {
                throw CodecError(path: path, .safetensorsHeader(.negative(tensor: name)))
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        return entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    }

    private static func integer(_ value: Any) -> Int? {
        if let i = value as? Int { return i }
        if let d = value as? Double, d == d.rounded(), abs(d) < 9.0e15 { return Int(d) }
        return nil
    }

    /// Offsets inside the buffer, begin ≤ end, no overlap, shape × dtype size = span.
    static func validate(_ sorted: [Entry], bufferSize: Int, path: String) throws(CodecError) {
        var previous: Entry?
        for entry in sorted {
            guard entry.begin <= entry.end else {
                throw CodecError(path: path, .safetensorsHeader(.outOfOrder(tensor: entry.name, begin: entry.begin, end: entry.end)))
            }
            guard entry.end <= bufferSize else {
                throw CodecError(path: path, .safetensorsHeader(.pastEnd(tensor: entry.name, begin: entry.begin, end: entry.end, dataSize: bufferSize)))
            }
            if let previous, entry.begin < previous.end {
                throw CodecError(path: path, .safetensorsHeader(.overlap(tensor: entry.name, begin: entry.begin, end: entry.end, other: previous.name, otherBegin: previous.begin, otherEnd: previous.end)))
            }
            if let itemSize = dtypeSizes[entry.dtype] {
                var expected = itemSize
                for dim in entry.shape {
                    let (p, overflow) = expected.multipliedReportingOverflow(by: dim)
                    guard !overflow else { throw CodecError(path: path, .safetensorsHeader(.tooLarge(tensor: entry.name, shape: entry.shape))) }
                    expected = p
                }
                guard expected == entry.end - entry.begin else {
                    throw CodecError(path: path, .safetensorsHeader(.size(tensor: entry.name, shape: entry.shape, dtype: entry.dtype, expected: expected, span: entry.end - entry.begin)))
                }
            }
            previous = entry
        }
    }
}

/// Writes one float32 tensor named `embeddings` as a safetensors file, streaming. The header
/// is space-padded so the data starts 8-byte aligned (as the reference writer does).
public final class SafetensorsWriter: PlacedRowSink {
    public static let tensorName = "embeddings"
    private let body: Float32FileWriter
    public var path: String { body.path }

    public init(path: String, rows: Int, columns: Int) throws(CodecError) {
        precondition(rows >= 0 && columns >= 0, "negative shape \(rows)x\(columns)")
        var json = Array("{\"\(Self.tensorName)\":{\"dtype\":\"F32\",\"shape\":[\(rows),\(columns)],\"data_offsets\":[0,\(rows * columns * 4)]}}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var header: [UInt8] = []
        header.appendLittleEndian(UInt64(json.count))
        body = try Float32FileWriter(path: path, rows: rows, columns: columns, header: header + json)
    }

    public func append(_ values: UnsafeBufferPointer<Float>) throws(CodecError) {
        try body.append(values)
    }

    public func finish() throws(CodecError) {
        try body.finish()
    }

    public var placed: PlacedRowWriter { body.placed }
    public func countPlaced(_ count: Int) throws(CodecError) { try body.countPlaced(count) }
}
