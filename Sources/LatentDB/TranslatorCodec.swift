import EmbeddingCodec
import Foundation
import Translation

/// A translator's parameters as bytes (stored in the `translator` table and inside translator
/// files): a small little-endian header, then each array as an EmbeddingBlock (so it is
/// checksummed like a space's blocks), then an XXH64 of everything before. schema/FORMAT.md.
enum TranslatorParameters {
    static let magic: [UInt8] = Array("LDBT".utf8)
    /// 2 adds a kernel correction (`residual`): three more sections, centres, coefficients and
    /// the width. Translators without one are still written as version 1, so that older builds
    /// keep reading every translator they can apply.
    static let version: UInt16 = 2

    static func encode(_ t: Translator) -> [UInt8] {
        var out = magic
        append(&out, t.correction == nil ? UInt16(1) : version)
        for text in [t.estimator.rawValue, t.scaling.rawValue] {
            append(&out, UInt16(text.utf8.count))
            out += text.utf8
        }
        let norms: [Float?] = [t.sourceMeanNorm, t.targetMeanNorm]
        for norm in norms {
            out.append(norm == nil ? 0 : 1)
            append(&out, (norm ?? 0).bitPattern)
        }
        var sections: [[UInt8]] = [
            EmbeddingBlock.encode(Matrix(rows: 1, columns: t.sourceDimension, elements: t.sourceShift), codec: .lz4),
            EmbeddingBlock.encode(Matrix(rows: 1, columns: t.sourceDimension, elements: t.sourceScale), codec: .lz4),
            EmbeddingBlock.encode(Matrix(rows: 1, columns: t.targetDimension, elements: t.targetShift), codec: .lz4),
            EmbeddingBlock.encode(Matrix(rows: 1, columns: t.targetDimension, elements: t.targetScale), codec: .lz4),
            EmbeddingBlock.encode(t.map, codec: .lz4),
        ]
        if let bias = t.bias { sections.append(EmbeddingBlock.encode(Matrix(rows: 1, columns: t.targetDimension, elements: bias), codec: .lz4)) }
        if let c = t.correction {
            sections += [EmbeddingBlock.encode(c.centres, codec: .lz4), EmbeddingBlock.encode(c.coefficients, codec: .lz4),
                         EmbeddingBlock.encode(Matrix(rows: 1, columns: 1, elements: [c.gamma]), codec: .lz4)]
        }
        out.append(UInt8(sections.count))
        for section in sections {
            append(&out, UInt64(section.count))
            out += section
        }
        append(&out, out.withUnsafeBytes { xxh64($0) })
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> Translator {
        var reader = ByteReader(bytes: bytes)
        guard bytes.count >= magic.count + 2 + 8, Array(bytes.prefix(4)) == magic else {
            throw LatentError(.translatorParameters(.magic(length: bytes.count)))
        }
        let stored = bytes.suffix(8).withUnsafeBytes { raw in (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[$1]) << (8 * $1) } }
        let computed = bytes.dropLast(8).withUnsafeBytes { xxh64($0) }
        guard stored == computed else {
            throw LatentError(.translatorParameters(.checksum(stored: stored, computed: computed)))
        }
        reader.offset = 4
        let formatVersion = try reader.uint16()
        guard formatVersion <= version else {
            throw LatentError(.translatorParameters(.newerVersion(Int(formatVersion), supported: Int(version))))
        }
        let estimatorName = try reader.string(), scalingName = try reader.string()
        guard let estimator = Estimator(rawValue: estimatorName), let scaling = Scaling(rawValue: scalingName) else {
            throw LatentError(.translatorParameters(.unknownNames(estimator: estimatorName, scaling: scalingName)))
        }
        var norms: [Float?] = []
        for _ in 0..<2 {
            let present = try reader.byte()
            let value = Float(bitPattern: try reader.uint32())
            norms.append(present == 1 ? value : nil)
        }
        let count = Int(try reader.byte())
        let corrected = formatVersion >= 2   // version 2 is written only with a correction
        let baseCount = corrected ? count - 3 : count
        guard baseCount == 5 || baseCount == 6 else { throw LatentError(.translatorParameters(.sectionCount(Int(count)))) }
        var sections: [Matrix<Float>] = []
        for _ in 0..<count {
            let blob = try reader.bytes(try reader.length())
            do { sections.append(try EmbeddingBlock.decode(blob)) } catch {
                throw LatentError(.translatorParameters(.section(index: sections.count, cause: "\(error)")))
            }
        }
        let map = sections[4]
        let d1 = map.rows, d2 = map.columns
        guard sections[0].elements.count == d1, sections[1].elements.count == d1, sections[2].elements.count == d2,
              sections[3].elements.count == d2, baseCount == 5 || sections[5].elements.count == d2,
              (scaling == .l2) == (norms[1] != nil) else {
            throw LatentError(.translatorParameters(.shapes(source: d1, target: d2)))
        }
        var correction: KernelCorrection? = nil
        if corrected {
            let centres = sections[baseCount], coefficients = sections[baseCount + 1], width = sections[baseCount + 2]
            guard centres.columns == d1, coefficients.columns == d2, centres.rows == coefficients.rows, width.elements.count == 1 else {
                throw LatentError(.translatorParameters(.shapes(source: d1, target: d2)))
            }
            correction = KernelCorrection(centres: centres, coefficients: coefficients, gamma: width.elements[0])
        }
        return Translator(estimator: estimator, scaling: scaling, sourceShift: sections[0].elements, sourceScale: sections[1].elements,
                          targetShift: sections[2].elements, targetScale: sections[3].elements, sourceMeanNorm: norms[0],
                          targetMeanNorm: norms[1], map: map, bias: baseCount == 6 ? sections[5].elements : nil,
                          correction: correction)
    }

    static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }
}

/// Reads little-endian values byte by byte (no misaligned loads), failing on truncation.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else {
            throw LatentError(.parametersTruncated(count: UInt64(max(count, 0)), offset: offset, left: bytes.count - offset, isLength: false))
        }
        defer { offset += count }
        return Array(bytes[offset ..< offset + count])
    }

    mutating func byte() throws -> UInt8 { try bytes(1)[0] }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size)
        return raw.enumerated().reduce(T(0)) { $0 | T($1.element) << (8 * $1.offset) }
    }

    mutating func uint16() throws -> UInt16 { try integer(UInt16.self) }
    mutating func uint32() throws -> UInt32 { try integer(UInt32.self) }
    mutating func uint64() throws -> UInt64 { try integer(UInt64.self) }

    /// A UInt64 byte count that must fit in what is left (a corrupt length never traps).
    mutating func length() throws -> Int {
        let raw = try uint64()
        guard raw <= UInt64(bytes.count - offset) else {
            throw LatentError(.parametersTruncated(count: raw, offset: offset - 8, left: bytes.count - offset, isLength: true))
        }
        return Int(raw)
    }

    mutating func string() throws -> String {
        let length = Int(try uint16())
        return String(decoding: try bytes(length), as: UTF8.self)
    }
}
