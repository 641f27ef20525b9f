import EmbeddingCodec
import Foundation
import Storage

/// The metadata a translator file carries, so another store can use it without the spaces it
/// was fitted on (schema/FORMAT.md, "Translator file").
struct TranslatorFileMetadata: Codable {
    var fingerprint: String
    var sourceModel: String
    var targetModel: String
    var sourceSpace: String
    var targetSpace: String
    var sourceVersion: String
    var targetVersion: String
    var anchorHash: String
    var anchorName: String
    var anchorCount: Int
    var estimator: String
    var scaling: String
    var options: String
    var sourceDim: Int
    var targetDim: Int
    var report: String
    var createdAt: String
    var libraryVersion: String
}

public struct TranslatorFileSummary: Codable, Sendable {
    public let fingerprint: String
    public let sourceModel: String
    public let targetModel: String
    public let sourceDim: Int
    public let targetDim: Int
    public let file: String
    public let alreadyPresent: Bool?
}

extension LatentStore {
    static let translatorFileMagic: [UInt8] = Array("LATENTDB-TRANSLATOR\n".utf8)
    static let translatorFileVersion: UInt16 = 1

    /// Writes a translator to a self-contained, versioned, checksummed file.
    public func exportTranslator(_ id: String, to path: String) throws -> TranslatorFileSummary {
        let record = try read { try $0.translator(matching: id) }
        let metadata = TranslatorFileMetadata(
            fingerprint: record.fingerprint, sourceModel: record.sourceModel, targetModel: record.targetModel,
            sourceSpace: record.sourceSpace, targetSpace: record.targetSpace, sourceVersion: record.sourceVersion,
            targetVersion: record.targetVersion, anchorHash: record.anchorHash, anchorName: record.anchorName,
            anchorCount: record.anchorCount, estimator: record.estimator, scaling: record.scaling, options: record.options,
            sourceDim: record.sourceDimension, targetDim: record.targetDimension, report: record.report,
            createdAt: record.createdAt, libraryVersion: record.libraryVersion)
        let json = Array(Self.json(metadata).utf8)
        var bytes = Self.translatorFileMagic
        TranslatorParameters.append(&bytes, Self.translatorFileVersion)
        TranslatorParameters.append(&bytes, UInt32(json.count))
        TranslatorParameters.append(&bytes, UInt64(record.parameters.count))
        bytes += json
        bytes += record.parameters
        TranslatorParameters.append(&bytes, bytes.withUnsafeBytes { xxh64($0) })
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LatentError(.cannotWriteTranslatorFile(path: path, reason: error.localizedDescription))
        }
        return TranslatorFileSummary(fingerprint: record.fingerprint, sourceModel: record.sourceModel, targetModel: record.targetModel,
                                     sourceDim: record.sourceDimension, targetDim: record.targetDimension, file: path, alreadyPresent: nil)
    }

    /// Reads a translator file and stores the translator (origin `imported`).
    public func importTranslator(from path: String) throws -> TranslatorFileSummary {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LatentError(.textFileUnreadable(what: "translator", path: path))
        }
        let (metadata, parameters, _) = try Self.parseTranslatorFileInternal([UInt8](data), path: path)
        let record = TranslatorRecord(
            fingerprint: metadata.fingerprint, sourceModel: metadata.sourceModel, targetModel: metadata.targetModel,
            sourceSpace: metadata.sourceSpace, targetSpace: metadata.targetSpace, sourceVersion: metadata.sourceVersion,
            targetVersion: metadata.targetVersion, anchorHash: metadata.anchorHash, anchorName: metadata.anchorName,
            anchorCount: metadata.anchorCount, estimator: metadata.estimator, scaling: metadata.scaling, options: metadata.options,
            sourceDimension: metadata.sourceDim, targetDimension: metadata.targetDim, parameters: parameters, report: metadata.report,
            origin: "imported", createdAt: metadata.createdAt, libraryVersion: metadata.libraryVersion)
        let present = try write { tx in
            let existing = try tx.translator(fingerprint: record.fingerprint)
            if existing == nil { try tx.saveTranslator(record) }
            return existing != nil
        }
        return TranslatorFileSummary(fingerprint: record.fingerprint, sourceModel: record.sourceModel, targetModel: record.targetModel,
                                     sourceDim: record.sourceDimension, targetDim: record.targetDimension, file: path, alreadyPresent: present)
    }

    /// Parses and verifies a translator file's bytes: magic, version, sizes, checksum, metadata and
    /// parameters. Every failure is a `LatentError` naming `path`; nothing is stored.
    public static func parseTranslatorFile(_ bytes: [UInt8], path: String) throws -> (metadata: TranslatorFileMetadataView, parameters: [UInt8], translator: Translator) {
        let (metadata, parameters, translator) = try parseTranslatorFileInternal(bytes, path: path)
        return (TranslatorFileMetadataView(metadata), parameters, translator)
    }

    static func parseTranslatorFileInternal(_ bytes: [UInt8], path: String) throws -> (TranslatorFileMetadata, [UInt8], Translator) {
        let fail = { (problem: Diagnostic.TranslatorFileProblem) in LatentError(.translatorFile(path: path, problem)) }
        let magic = Self.translatorFileMagic
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else { throw fail(.magic) }
        let headerSize = magic.count + 2 + 4 + 8
        guard bytes.count >= headerSize + 8 else { throw fail(.headerTruncated(length: bytes.count, needs: headerSize + 8)) }
        var reader = ByteReader(bytes: bytes, offset: magic.count)
        let version = try reader.uint16()
        guard version <= Self.translatorFileVersion else {
            throw fail(.newerVersion(version, supported: Self.translatorFileVersion))
        }
        let jsonLength = Int(try reader.uint32()), rawParameterLength = try reader.uint64()
        guard rawParameterLength <= UInt64(bytes.count) else {
            throw fail(.parametersPastEnd(announced: rawParameterLength, length: bytes.count))
        }
        let parameterLength = Int(rawParameterLength)
        let expected = headerSize + jsonLength + parameterLength + 8
        guard bytes.count == expected else {
            throw fail(.size(expected: expected, found: bytes.count))
        }
        var trailer = ByteReader(bytes: bytes, offset: bytes.count - 8)
        let stored = try trailer.uint64()
        let computed = bytes.dropLast(8).withUnsafeBytes { xxh64($0) }
        guard stored == computed else { throw fail(.checksum(stored: stored, computed: computed)) }
        let json = try reader.bytes(jsonLength)
        let parameters = try reader.bytes(parameterLength)
        let metadata: TranslatorFileMetadata
        do { metadata = try JSONDecoder().decode(TranslatorFileMetadata.self, from: Data(json)) } catch { throw fail(.metadata(cause: "\(error)")) }
        let translator: Translator
        do { translator = try TranslatorParameters.decode(parameters) } catch { throw fail(.parameters(cause: LatentError.classify(error).message)) }
        guard translator.sourceDimension == metadata.sourceDim, translator.targetDimension == metadata.targetDim else {
            throw fail(.dimensions(parameters: (translator.sourceDimension, translator.targetDimension), metadata: (metadata.sourceDim, metadata.targetDim)))
        }
        return (metadata, parameters, translator)
    }
}

/// What a translator file says about itself.
public struct TranslatorFileMetadataView: Sendable {
    public let fingerprint: String
    public let sourceModel: String
    public let targetModel: String
    public let sourceDim: Int
    public let targetDim: Int

    init(_ m: TranslatorFileMetadata) {
        fingerprint = m.fingerprint
        sourceModel = m.sourceModel
        targetModel = m.targetModel
        sourceDim = m.sourceDim
        targetDim = m.targetDim
    }
}
