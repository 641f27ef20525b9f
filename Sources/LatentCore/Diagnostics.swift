/// The catalogue of every error LatentDB reports: one code per kind of failure, the exit status
/// that goes with it, and the one function that words its message.
///
/// Messages are built here and nowhere else (`Diagnostic`'s initialiser is private to this
/// file; `Tests/CLITests/ErrorCatalogueTests.swift` checks that no error is made from a string
/// literal elsewhere and that every code has a test that triggers it). The CLI prints
/// `latentdb: error[E0150]: …` so that a user can look a code up here (README, "Exit codes").
/// Codes are stable: a retired code is not reused.
///
/// Codes are grouped by area: E01 input files, E02 usage, E03 the store and I/O, E04 what the
/// store holds, E05 anchors, E06 translators, E07 queries and decoders, E08 evaluation,
/// migration, hubs and model selection, E09 numerical failures.

/// How a failure ends a command (README, "Exit codes").
public enum ExitStatus: Int32, Sendable, Codable {
    /// Bad input or data: a file, a key, a space the store does not hold, an unusable fit.
    case badInput = 1
    /// The command line itself: an unknown option, a bad name, options that conflict.
    case usage = 2
    /// The store or the file system failed: not a store, corrupt, full, busy, unwritable.
    case store = 3
}

public enum ErrorCode: String, CaseIterable, Sendable, Codable {
    // E01: input files (embeddings, labels, keys, splits, queries).
    case fileAccess = "E0101"
    case unrecognisedEmbeddingFile = "E0102"
    case notNPY = "E0103"
    case npyVersion = "E0104"
    case npyTruncatedHeader = "E0105"
    case npyMalformedHeader = "E0106"
    case npyHeaderSyntax = "E0107"
    case unsupportedDType = "E0108"
    case structuredDType = "E0109"
    case bigEndianDType = "E0110"
    case notFloat = "E0111"
    case notTwoDimensional = "E0112"
    case fortranOrder = "E0113"
    case npyDataSize = "E0114"
    case changedWhileReading = "E0115"
    case labelsNotInteger = "E0116"
    case labelsShape = "E0117"
    case labelOverflow = "E0118"
    case memberOfSingleMatrix = "E0119"
    case noSuchMember = "E0120"
    case noMembers = "E0121"
    case memberNeeded = "E0122"
    case corruptZip = "E0123"
    case npzMemberTruncated = "E0124"
    case zipChecksum = "E0125"
    case zipMethod = "E0126"
    case inflate = "E0127"
    case zlibInit = "E0128"
    case inflatedSize = "E0129"
    case safetensorsTruncated = "E0130"
    case safetensorsHeaderLength = "E0131"
    case safetensorsHeader = "E0132"
    case vecsEmpty = "E0133"
    case vecsTruncated = "E0134"
    case vecsDimension = "E0135"
    case vecsPartialRow = "E0136"
    case vecsRagged = "E0137"
    case writerOverflow = "E0138"
    case writerIncomplete = "E0139"
    case fvecsColumns = "E0140"
    case unwritableFormat = "E0141"
    case textFileUnreadable = "E0142"
    case textFileNotUTF8 = "E0143"
    case lineCount = "E0144"
    case emptyKey = "E0145"
    case duplicateKey = "E0146"
    case keysMismatch = "E0147"
    case annotationConflict = "E0148"
    case zeroColumns = "E0149"
    case nonFiniteEmbedding = "E0150"
    case nonFiniteQuery = "E0151"
    case queryFileDimension = "E0152"
    case standardInputTruncated = "E0160"
    case standardInputTrailing = "E0161"
    case standardInputFormat = "E0162"

    // E02: usage.
    case arguments = "E0201"
    case spaceNameSlashes = "E0202"
    case nameEmpty = "E0203"
    case nameTooLong = "E0204"
    case nameCharacters = "E0205"
    case unknownCodec = "E0206"
    case gateSyntax = "E0207"
    case needsFromAndTo = "E0208"
    case keysNeedFrom = "E0209"
    case translateNeedsMap = "E0210"
    case hubTooFewSpaces = "E0211"
    case hubRepeatsSpace = "E0212"
    case negativeRefine = "E0213"
    case ridgeLambdaOption = "E0214"
    case conflictingOptions = "E0215"
    case missingOption = "E0216"
    case anchorCountOption = "E0217"
    case sweepAnchorsOption = "E0218"
    case unknownMethod = "E0219"
    case unknownDecoder = "E0220"
    case testFractionOption = "E0221"
    case kOption = "E0222"
    // E029x: requests to `latentdb serve`.
    case requestJSON = "E0290"
    case requestFieldMissing = "E0291"
    case requestFieldValue = "E0292"
    case requestFieldsConflict = "E0293"
    case requestRaggedVectors = "E0294"
    case unauthorized = "E0295"
    case requestTooLarge = "E0296"
    case unknownRoute = "E0297"
    case serveNeedsToken = "E0298"
    case tokenFile = "E0299"
    case portOption = "E0288"
    case sizeOption = "E0287"
    case timeoutOption = "E0286"
    case unknownErrorCode = "E0250"
    case standardInputIsTerminal = "E0260"
    case standardOutputIsTerminal = "E0261"
    case unknownCompletion = "E0240"
    case compareArguments = "E0241"
    case indexOption = "E0230"
    case exactWithNProbe = "E0231"
    case cslsWithNProbe = "E0232"
    // E027x: PostgreSQL locations and `latentdb copy`.
    case postgresPasswordInURI = "E0270"
    case postgresURI = "E0271"
    case copySameStore = "E0272"

    // E03: the store and I/O.
    case storeIO = "E0301"
    case storeUnreadable = "E0302"
    case notAStore = "E0303"
    case foreignDatabase = "E0304"
    case storeNewer = "E0305"
    case storeCorrupt = "E0306"
    case storeInconsistent = "E0307"
    case storeFull = "E0308"
    case storeBusy = "E0309"
    case corruptBlock = "E0310"
    case blockShape = "E0311"
    case blockRowGap = "E0312"
    case blockRowTotal = "E0313"
    case blockHeader = "E0314"
    case blockSize = "E0315"
    case blockChecksum = "E0316"
    case cannotWrite = "E0317"
    case cannotWriteTranslatorFile = "E0318"
    case translatorParameters = "E0319"
    case parametersTruncated = "E0320"
    case decoderParameters = "E0321"
    case translatorRecordShape = "E0322"
    case integrityCheck = "E0323"
    case spacesKeptChanging = "E0324"
    // Retired E0289: the missing server is an installation fault (exit 3), not a usage error.
    case serverNotFound = "E0325"
    case requestTimedOut = "E0326"
    case indexBlockCorrupt = "E0330"
    case indexInconsistent = "E0331"
    case rowNumberBlock = "E0332"
    case postgresConnect = "E0350"
    case postgresAuthentication = "E0351"
    case postgresUnknownDatabase = "E0352"
    case postgresConnectionLost = "E0353"
    case postgresForeignDatabase = "E0354"
    case copyTargetNotEmpty = "E0355"
    case unexpected = "E0399"

    // E04: what the store holds.
    case noStore = "E0401"
    case unknownSpace = "E0402"
    case spaceExists = "E0403"
    case unknownAnchorSet = "E0404"
    case unknownTranslator = "E0405"
    case ambiguousTranslator = "E0406"
    case unknownHub = "E0407"
    case hubMissingSpace = "E0408"
    case hubStale = "E0409"
    case storeConstraint = "E0410"
    case maxPageCount = "E0411"
    case unknownIndex = "E0420"
    case emptySpaceIndex = "E0421"
    case noCurrentIndex = "E0422"

    // E05: anchors.
    case anchorSetTooSmall = "E0501"
    case anchorSetExists = "E0502"
    case crossDatasetSampling = "E0503"
    case stratifiedNeedsLabels = "E0504"
    case anchorFileNeedsPair = "E0505"
    case anchorFileFields = "E0506"
    case anchorFileRepeat = "E0507"
    case anchorFileUnknownKeys = "E0508"
    case anchorSetDatasets = "E0509"
    case anchorKeysMissing = "E0510"
    case hubDatasetNotPaired = "E0511"
    case qualityTooFewAnchors = "E0512"
    case autoTooFewAnchors = "E0513"
    case refineNeedsUnpaired = "E0514"

    // E06: translators.
    case translatorModels = "E0601"
    case translatorTargetModel = "E0602"
    case noChainStep = "E0603"
    case translatorFile = "E0604"
    case tooFewAnchors = "E0605"
    case anchorCountMismatch = "E0606"
    case nonFiniteAnchors = "E0607"
    case fitFailed = "E0608"
    case notInvertible = "E0609"
    case ridgeLambda = "E0610"
    case translatorInputColumns = "E0611"
    case noCachedTranslator = "E0680"
    case qualityNeedsAnchors = "E0681"

    // E07: queries and decoders.
    case kTooSmall = "E0701"
    case noQueryKeys = "E0702"
    case unknownKeys = "E0703"
    case queryDimension = "E0704"
    case kTooLarge = "E0705"
    case translatedDimension = "E0706"
    case noLabels = "E0707"
    case kOutOfRange = "E0708"
    case emptyTraining = "E0709"
    case dimensionMismatch = "E0710"
    case rowCountMismatch = "E0711"
    case nonFiniteValue = "E0712"
    case labelCount = "E0713"
    case labelOutOfRange = "E0714"
    case classCount = "E0715"
    case notPositiveDefinite = "E0716"
    case nprobeOutOfRange = "E0720"
    case listCountOutOfRange = "E0721"

    // E08: evaluation, migration, hubs and model selection.
    case evalDatasets = "E0801"
    case emptyTestSplit = "E0802"
    case evalTooFewAnchors = "E0803"
    case gateFailed = "E0804"
    case noUnpairedItems = "E0805"
    case invalidFolds = "E0806"
    case noCandidates = "E0807"
    case allCandidatesFailed = "E0808"
    case parameterOutOfRange = "E0809"
    case hubNoSpaces = "E0810"
    case hubFit = "E0811"
    case compareNeedsAnchors = "E0860"
    case compareTooFewItems = "E0861"
    case compareDatasetSpaces = "E0862"

    // E09: numerical failures.
    case noConvergence = "E0901"
    case singular = "E0902"

    public var exitStatus: ExitStatus {
        switch self {
        case .arguments, .spaceNameSlashes, .nameEmpty, .nameTooLong, .nameCharacters, .unknownCodec, .gateSyntax,
             .needsFromAndTo, .keysNeedFrom, .translateNeedsMap, .hubTooFewSpaces, .hubRepeatsSpace, .negativeRefine,
             .ridgeLambdaOption, .conflictingOptions, .missingOption, .anchorCountOption, .sweepAnchorsOption,
             .unknownMethod, .unknownDecoder, .testFractionOption, .kOption, .requestJSON, .requestFieldMissing,
             .requestFieldValue, .requestFieldsConflict, .requestRaggedVectors, .unauthorized, .requestTooLarge, .unknownRoute,
             .serveNeedsToken, .tokenFile, .portOption, .sizeOption, .timeoutOption, .unknownErrorCode,
             .standardInputIsTerminal, .standardOutputIsTerminal, .unknownCompletion, .compareArguments,
             .indexOption, .exactWithNProbe, .cslsWithNProbe,
             .postgresPasswordInURI, .postgresURI, .copySameStore:
            return .usage
        case .storeIO, .storeUnreadable, .notAStore, .foreignDatabase, .storeNewer, .storeCorrupt, .storeInconsistent,
             .storeFull, .storeBusy, .corruptBlock, .blockShape, .blockRowGap, .blockRowTotal, .blockHeader, .blockSize,
             .blockChecksum, .cannotWrite, .cannotWriteTranslatorFile, .translatorParameters, .parametersTruncated,
             .decoderParameters, .translatorRecordShape, .integrityCheck, .spacesKeptChanging, .unexpected,
             .indexBlockCorrupt, .indexInconsistent, .rowNumberBlock, .serverNotFound, .requestTimedOut,
             .postgresConnect, .postgresAuthentication, .postgresUnknownDatabase, .postgresConnectionLost,
             .postgresForeignDatabase, .copyTargetNotEmpty:
            return .store
        default:
            return .badInput
        }
    }
}

/// One reported failure: its code and its message (without the `error[CODE]:` prefix).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String

    // Private to this file: every message is worded by one of the functions below.
    fileprivate init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The line the CLI prints after `latentdb: `.
    public var rendered: String { "error[\(code.rawValue)]: \(message)" }

    /// The same failure, said of `place` (a file, a space, a translator): `place: message`.
    public func located(in place: String) -> Diagnostic { Diagnostic(code, "\(place): \(message)") }
}

private func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

private func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

private func examples(_ values: some Sequence<String>) -> String {
    values.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
}

// MARK: - E01 input files

extension Diagnostic {
    /// A system call on a file failed; the `rawValue` is how the message starts.
    public enum FileOperation: String, Sendable {
        case openForReading = "cannot open for reading"
        case openForWriting = "cannot open for writing"
        case stat = "cannot stat"
        case read = "read failed"
        case write = "write failed"
        case close = "close failed"
    }

    public static func fileAccess(_ operation: FileOperation, reason: String) -> Diagnostic {
        Diagnostic(.fileAccess, "\(operation.rawValue): \(reason)")
    }

    public static func unrecognisedEmbeddingFile(firstBytes: [UInt8]) -> Diagnostic {
        Diagnostic(.unrecognisedEmbeddingFile, "unrecognised embedding file: expected .npy (\\x93NUMPY), .npz (zip), safetensors, .fvecs or .bvecs, found first bytes \(firstBytes)")
    }

    public static func notNPY(length: Int, firstBytes: [UInt8]) -> Diagnostic {
        Diagnostic(.notNPY, "not an .npy file: expected magic \\x93NUMPY, found \(length) bytes \(firstBytes)")
    }

    public static func npyVersion(major: UInt8, minor: UInt8) -> Diagnostic {
        Diagnostic(.npyVersion, "unsupported .npy format version \(major).\(minor): expected 1.0, 2.0 or 3.0")
    }

    /// `expected == nil`: the file ends inside the fixed-size preamble.
    public static func npyTruncatedHeader(expected: Int?, found: Int) -> Diagnostic {
        guard let expected else { return Diagnostic(.npyTruncatedHeader, "truncated header: file ends after \(found) bytes") }
        return Diagnostic(.npyTruncatedHeader, "truncated header: expected \(expected) header bytes, found \(found)")
    }

    public enum NPYHeaderProblem: Sendable {
        case keys(found: [String])
        case fortranOrder
        case shape
        case shapeTooLarge([Int])
    }

    public static func npyMalformedHeader(_ problem: NPYHeaderProblem) -> Diagnostic {
        switch problem {
        case .keys(let found):
            return Diagnostic(.npyMalformedHeader, "malformed header: expected keys descr, fortran_order, shape, found \(found)")
        case .fortranOrder:
            return Diagnostic(.npyMalformedHeader, "malformed header: fortran_order must be True or False")
        case .shape:
            return Diagnostic(.npyMalformedHeader, "malformed header: shape must be a tuple of non-negative integers")
        case .shapeTooLarge(let shape):
            return Diagnostic(.npyMalformedHeader, "malformed header: shape \(shape) is too large")
        }
    }

    /// Where the header's Python dict literal stops parsing (`at` counts characters).
    public enum NPYHeaderSyntax: Sendable {
        case keyNotString
        case textAfterDict
        case expected(Character, at: Int, found: Character?)
        case valueAtEnd
        case unterminatedString
        case unexpected(Character, at: Int)
        case integerInShape(at: Int)
    }

    public static func npyHeaderSyntax(_ problem: NPYHeaderSyntax, header: String) -> Diagnostic {
        let what: String
        switch problem {
        case .keyNotString: what = "dict keys must be strings"
        case .textAfterDict: what = "unexpected text after the dict"
        case let .expected(c, at, found): what = "expected '\(c)' at character \(at), found \(found.map { "'\($0)'" } ?? "end of header")"
        case .valueAtEnd: what = "value expected at end of header"
        case .unterminatedString: what = "unterminated string"
        case let .unexpected(c, at): what = "unexpected '\(c)' at character \(at)"
        case let .integerInShape(at): what = "expected an integer in shape at character \(at)"
        }
        return Diagnostic(.npyHeaderSyntax, "malformed header dict: \(what): \(header)")
    }

    public static func unsupportedDType(_ descr: String, supported: [String]) -> Diagnostic {
        Diagnostic(.unsupportedDType, "unsupported dtype '\(descr)': expected one of \(supported.joined(separator: " "))")
    }

    public static func structuredDType(_ descr: String) -> Diagnostic {
        Diagnostic(.structuredDType, "unsupported dtype \(descr): expected a simple type such as '<f4' (structured arrays are not supported)")
    }

    public static func bigEndianDType(_ descr: String, littleEndian: String) -> Diagnostic {
        Diagnostic(.bigEndianDType, "big-endian dtype '\(descr)' is not supported: expected little-endian '\(littleEndian)' (use arr.astype('\(littleEndian)'))")
    }

    /// `tensor == nil`: an `.npy` array; else the named tensor of a safetensors file.
    public static func notFloat(dtype: String, tensor: String? = nil) -> Diagnostic {
        guard let tensor else {
            return Diagnostic(.notFloat, "dtype '\(dtype)' is not a floating-point type: embeddings must be <f4, <f2 or <f8")
        }
        return Diagnostic(.notFloat, "tensor '\(tensor)' has dtype \(dtype): embeddings must be F32, F16, BF16 or F64")
    }

    public static func notTwoDimensional(dimensions: Int, shape: String, tensor: String? = nil) -> Diagnostic {
        guard let tensor else {
            return Diagnostic(.notTwoDimensional, "expected a 2-D array (rows, columns) of embeddings, found \(dimensions)-D shape \(shape)")
        }
        return Diagnostic(.notTwoDimensional, "tensor '\(tensor)': expected a 2-D tensor (rows, columns) of embeddings, found \(dimensions)-D shape \(shape)")
    }

    public static var fortranOrder: Diagnostic {
        Diagnostic(.fortranOrder, "Fortran-order (column-major) arrays are not supported: expected C order (save np.ascontiguousarray(x))")
    }

    /// The data after an `.npy` header is shorter or longer than its shape and dtype say.
    public static func npyDataSize(shape: String, dtype: String, expected: Int, found: Int) -> Diagnostic {
        if found < expected {
            return Diagnostic(.npyDataSize, "truncated: shape \(shape) of \(dtype) expected \(expected) bytes of data, found \(found)")
        }
        return Diagnostic(.npyDataSize, "shape \(shape) of \(dtype) expected \(expected) bytes of data, found \(found) (\(found - expected) trailing bytes)")
    }

    /// The size was checked when the file was opened, so a short read means it shrank since.
    public static func changedWhileReading(expected: Int, found: Int) -> Diagnostic {
        Diagnostic(.changedWhileReading, "truncated while reading: expected \(expected) more bytes of data, found \(found) (file changed?)")
    }

    public static func labelsNotInteger(dtype: String) -> Diagnostic {
        Diagnostic(.labelsNotInteger, "dtype '\(dtype)' is not an integer type: expected <i1 <i2 <i4 <i8 <u1 <u2 <u4 <u8")
    }

    public static func labelsShape(_ shape: String) -> Diagnostic {
        Diagnostic(.labelsShape, "expected a 1-D integer array (n,) or (n, 1), found shape \(shape)")
    }

    public static func labelOverflow(value: UInt64, index: Int) -> Diagnostic {
        Diagnostic(.labelOverflow, "value \(value) at index \(index) does not fit in Int64")
    }

    public static func memberOfSingleMatrix(format: String, member: String) -> Diagnostic {
        Diagnostic(.memberOfSingleMatrix, "a \(format) file holds one matrix: the member name '\(member)' applies to .npz and safetensors files only")
    }

    /// A file of several named matrices.
    public enum Archive: Sendable {
        case npz, safetensors
        var file: String { self == .npz ? "this .npz" : "this safetensors file" }
        var the: String { self == .npz ? "the .npz" : "the safetensors file" }
        var member: String { self == .npz ? "array" : "tensor" }
    }

    public static func noSuchMember(_ name: String, in archive: Archive, holding members: [String]) -> Diagnostic {
        Diagnostic(.noSuchMember, "no \(archive.member) '\(name)' in \(archive.file); it holds: \(members.joined(separator: ", "))")
    }

    public static func noMembers(in archive: Archive) -> Diagnostic {
        Diagnostic(.noMembers, "\(archive.the) holds no \(archive.member)s")
    }

    public static func memberNeeded(in archive: Archive, holding members: [String]) -> Diagnostic {
        Diagnostic(.memberNeeded, "\(archive.the) holds \(members.count) \(archive.member)s (\(members.joined(separator: ", "))): choose one with --member NAME")
    }

    public enum ZipProblem: Sendable {
        case noEndRecord
        case noLocalHeader(member: String, offset: Int)
        case storedSizes(member: String, compressed: Int, size: Int)
        case zip64WithoutLocator
        case noZip64EndRecord(offset: Int)
        case directoryPastEnd(offset: Int, size: Int, fileSize: Int)
        case malformedEntry(index: Int, count: Int)
    }

    public static func corruptZip(_ problem: ZipProblem) -> Diagnostic {
        switch problem {
        case .noEndRecord:
            return Diagnostic(.corruptZip, "not a complete zip archive: no end-of-central-directory record (truncated .npz?)")
        case let .noLocalHeader(member, offset):
            return Diagnostic(.corruptZip, "corrupt zip: no local header for member '\(member)' at offset \(offset)")
        case let .storedSizes(member, compressed, size):
            return Diagnostic(.corruptZip, "corrupt zip: stored member '\(member)' has compressed size \(compressed) ≠ size \(size)")
        case .zip64WithoutLocator:
            return Diagnostic(.corruptZip, "corrupt zip: zip64 sizes without a zip64 locator")
        case let .noZip64EndRecord(offset):
            return Diagnostic(.corruptZip, "corrupt zip: no zip64 end record at offset \(offset)")
        case let .directoryPastEnd(offset, size, fileSize):
            return Diagnostic(.corruptZip, "corrupt zip: central directory at \(offset) (+\(size) bytes) lies past the end (\(fileSize) bytes)")
        case let .malformedEntry(index, count):
            return Diagnostic(.corruptZip, "corrupt zip: central directory entry \(index) of \(count) is malformed")
        }
    }

    public static func npzMemberTruncated(member: String, needs: Int, offset: Int, fileSize: Int) -> Diagnostic {
        Diagnostic(.npzMemberTruncated, "truncated: member '\(member)' needs \(needs) bytes from offset \(offset), the file has \(fileSize)")
    }

    public static func zipChecksum(recorded: UInt32, computed: UInt32) -> Diagnostic {
        Diagnostic(.zipChecksum, "CRC-32 mismatch: the archive records \(hex32(recorded)), the inflated data has \(hex32(computed)) (corrupt file)")
    }

    public static func zipMethod(_ method: UInt16) -> Diagnostic {
        Diagnostic(.zipMethod, "unsupported zip compression method \(method): expected 0 (stored, np.savez) or 8 (deflate, np.savez_compressed)")
    }

    public static func inflate(detail: String) -> Diagnostic {
        Diagnostic(.inflate, "cannot inflate (deflate data corrupt): \(detail)")
    }

    /// zlib could not set up a stream: in practice only when memory runs out.
    public static func zlibInit(detail: String?) -> Diagnostic {
        Diagnostic(.zlibInit, "zlib inflateInit2 failed: \(detail ?? "out of memory?")")
    }

    public static func inflatedSize(produced: Int, recorded: Int) -> Diagnostic {
        Diagnostic(.inflatedSize, "inflated to \(produced) bytes, the archive records \(recorded)")
    }

    public static func safetensorsTruncated(size: Int) -> Diagnostic {
        Diagnostic(.safetensorsTruncated, "truncated safetensors file: \(size) bytes, the header length alone takes 8")
    }

    public static func safetensorsHeaderLength(_ length: UInt64, fileSize: Int) -> Diagnostic {
        Diagnostic(.safetensorsHeaderLength, "safetensors header length \(length) points past the end of the file (\(fileSize) bytes)")
    }

    /// `Range` is a tensor's `data_offsets` [begin, end].
    public enum SafetensorsProblem: Sendable {
        case notJSON(length: Int, preview: String)
        case notAnObject
        case fields(tensor: String)
        case negative(tensor: String)
        case outOfOrder(tensor: String, begin: Int, end: Int)
        case pastEnd(tensor: String, begin: Int, end: Int, dataSize: Int)
        case overlap(tensor: String, begin: Int, end: Int, other: String, otherBegin: Int, otherEnd: Int)
        case tooLarge(tensor: String, shape: [Int])
        case size(tensor: String, shape: [Int], dtype: String, expected: Int, span: Int)
    }

    public static func safetensorsHeader(_ problem: SafetensorsProblem) -> Diagnostic {
        let text: String
        switch problem {
        case let .notJSON(length, preview):
            text = "safetensors header is not JSON (\(length) bytes starting \"\(preview)\")"
        case .notAnObject:
            text = "safetensors header is JSON but not an object of tensors"
        case let .fields(tensor):
            text = "safetensors header: tensor '\(tensor)' needs dtype (string), shape (integers) and data_offsets [begin, end]"
        case let .negative(tensor):
            text = "safetensors header: tensor '\(tensor)' has a negative shape or offset"
        case let .outOfOrder(tensor, begin, end):
            text = "safetensors header: tensor '\(tensor)' has data_offsets [\(begin), \(end)] out of order (begin after end)"
        case let .pastEnd(tensor, begin, end, dataSize):
            text = "safetensors header: tensor '\(tensor)' data_offsets [\(begin), \(end)] point past the end of the data (\(dataSize) bytes; truncated file?)"
        case let .overlap(tensor, begin, end, other, otherBegin, otherEnd):
            text = "safetensors header: tensor '\(tensor)' data_offsets [\(begin), \(end)] overlap tensor '\(other)' [\(otherBegin), \(otherEnd)]"
        case let .tooLarge(tensor, shape):
            text = "safetensors header: tensor '\(tensor)' shape \(shape) is too large"
        case let .size(tensor, shape, dtype, expected, span):
            text = "safetensors header: tensor '\(tensor)' shape \(shape) of \(dtype) needs \(expected) bytes, its data_offsets span \(span)"
        }
        return Diagnostic(.safetensorsHeader, text)
    }

    /// `ext` is `fvecs` or `bvecs`.
    public static func vecsEmpty(ext: String) -> Diagnostic {
        Diagnostic(.vecsEmpty, "empty .\(ext) file: no rows, so no dimension")
    }

    public static func vecsTruncated(ext: String, size: Int) -> Diagnostic {
        Diagnostic(.vecsTruncated, "truncated .\(ext) file: \(size) bytes, a row's dimension alone takes 4")
    }

    public static func vecsDimension(ext: String, dimension: Int) -> Diagnostic {
        Diagnostic(.vecsDimension, "row 0 declares dimension \(dimension): a .\(ext) row starts with its dimension, at least 1 (not a .\(ext) file?)")
    }

    public static func vecsPartialRow(ext: String, size: Int, dimension: Int, rowSize: Int) -> Diagnostic {
        Diagnostic(.vecsPartialRow, "truncated or not a .\(ext) file: \(size) bytes is not a whole number of rows of dimension \(dimension) (\(rowSize) bytes each): \(size / rowSize) rows and \(size % rowSize) bytes left over")
    }

    public static func vecsRagged(ext: String, row: Int, dimension: Int, firstDimension: Int) -> Diagnostic {
        Diagnostic(.vecsRagged, "row \(row) declares dimension \(dimension), but row 0 declares \(firstDimension): every row of a .\(ext) file must have the same dimension")
    }

    /// A streaming writer was given more values than its header declared (a caller's bug).
    public static func writerOverflow(rows: Int, columns: Int, appended: Int) -> Diagnostic {
        Diagnostic(.writerOverflow, "too many values: the header declares \(rows) x \(columns) = \(rows * columns) floats, \(appended) appended")
    }

    /// A streaming writer was closed before all declared rows were written (a caller's bug).
    public static func writerIncomplete(rows: Int, columns: Int, written: Int) -> Diagnostic {
        Diagnostic(.writerIncomplete, "incomplete: the header declares \(rows) rows of \(columns), \(written / max(columns, 1)) rows (\(written) floats) were written")
    }

    public static func fvecsColumns(_ columns: Int) -> Diagnostic {
        guard columns > 0 else { return Diagnostic(.fvecsColumns, "an .fvecs row needs at least one column") }
        return Diagnostic(.fvecsColumns, "\(columns) columns do not fit an .fvecs row's int32 dimension")
    }

    public static func unwritableFormat(_ format: String, writable: [String]) -> Diagnostic {
        Diagnostic(.unwritableFormat, "cannot write \(format): expected one of \(writable.joined(separator: ", "))")
    }

    /// `what` names the file's role: keys, labels, split, anchor, translator.
    public static func textFileUnreadable(what: String, path: String) -> Diagnostic {
        Diagnostic(.textFileUnreadable, "\(what) file \(path): cannot be read (missing or not a file)")
    }

    public static func textFileNotUTF8(what: String, path: String) -> Diagnostic {
        Diagnostic(.textFileNotUTF8, "\(what) file \(path): not UTF-8 text")
    }

    /// A keys, labels or split file with another number of entries than the embeddings have
    /// rows; `unit` is what was counted ("lines", or "labels" in an `.npy`).
    public static func lineCount(what: String, path: String, found: Int, unit: String, expected: Int, embeddings: String) -> Diagnostic {
        Diagnostic(.lineCount, "\(what) file \(path) has \(found) \(unit); expected \(expected), one per row of \(embeddings)")
    }

    public static func emptyKey(path: String, line: Int) -> Diagnostic {
        Diagnostic(.emptyKey, "keys file \(path), line \(line): empty key")
    }

    public static func duplicateKey(_ key: String, path: String, firstLine: Int, line: Int) -> Diagnostic {
        Diagnostic(.duplicateKey, "keys file \(path): duplicate key '\(key)' at lines \(firstLine) and \(line)")
    }

    public static func keysMismatch(file: String, dataset: String, datasetCount: Int, missing: [String], extra: [String]) -> Diagnostic {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) missing (e.g. \(examples(missing)))") }
        if !extra.isEmpty { parts.append("\(extra.count) extra (e.g. \(examples(extra)))") }
        return Diagnostic(.keysMismatch, "keys of \(file) do not match dataset '\(dataset)' (\(datasetCount) items): \(parts.joined(separator: ", "))")
    }

    /// `what` is `label` or `split`.
    public static func annotationConflict(what: String, file: String, key: String, stored: String, given: String) -> Diagnostic {
        Diagnostic(.annotationConflict, "\(what) file \(file) disagrees with the dataset at key '\(key)': stored '\(stored)', given '\(given)' (a dataset's \(what)s are shared by all its spaces)")
    }

    public static func zeroColumns(file: String) -> Diagnostic {
        Diagnostic(.zeroColumns, "\(file): embeddings have 0 columns; expected at least 1")
    }

    public static func nonFiniteEmbedding(file: String, row: Int, column: Int, value: Float) -> Diagnostic {
        Diagnostic(.nonFiniteEmbedding, "\(file): row \(row), column \(column) is \(value); NaN and ±Inf are refused (they would vanish silently from search results)")
    }

    /// `path`: the query file; nil for vectors sent in a request.
    public static func nonFiniteQuery(path: String?, row: Int, column: Int, value: Float) -> Diagnostic {
        Diagnostic(.nonFiniteQuery, "\(path.map { "query file \($0)" } ?? "query vectors"): row \(row), column \(column) is \(value); queries must be finite")
    }

    public static func queryFileDimension(path: String?, found: Int, expected: Int, space: String?) -> Diagnostic {
        Diagnostic(.queryFileDimension, "\(path.map { "query file \($0) has" } ?? "query vectors have") \(found) columns; expected \(expected)\(space.map { " (the dimension of \($0))" } ?? "")")
    }
}

// MARK: - E02 usage

extension Diagnostic {
    /// The argument parser's own complaint (unknown option, missing or malformed value).
    public static func arguments(_ parserMessage: String) -> Diagnostic {
        Diagnostic(.arguments, "\(parserMessage) (see latentdb --help)")
    }

    public static func spaceNameSlashes(_ text: String, slashes: Int) -> Diagnostic {
        Diagnostic(.spaceNameSlashes, "space name '\(text)': expected MODEL/DATASET (one '/'), found \(slashes) '/'")
    }

    /// `kind` is `model` or `dataset`.
    public static func nameEmpty(kind: String) -> Diagnostic {
        Diagnostic(.nameEmpty, "\(kind) name is empty")
    }

    public static func nameTooLong(kind: String, name: String) -> Diagnostic {
        Diagnostic(.nameTooLong, "\(kind) name '\(name.prefix(20))…' is longer than 128 characters")
    }

    public static func nameCharacters(kind: String, name: String) -> Diagnostic {
        Diagnostic(.nameCharacters, "\(kind) name '\(name)': only letters, digits and - _ . + @ are allowed")
    }

    public static func unknownCodec(_ name: String, known: [String]) -> Diagnostic {
        Diagnostic(.unknownCodec, "unknown codec '\(name)'; expected one of \(known.joined(separator: ", "))")
    }

    public static func gateSyntax(_ text: String, metrics: [String]) -> Diagnostic {
        Diagnostic(.gateSyntax, "gate '\(text)': expected METRIC:VALUE (or METRIC>=VALUE, quoted for the shell) with METRIC one of \(metrics.joined(separator: ", ")), e.g. mrr:0.9")
    }

    public enum FromAndToUser: String, Sendable {
        case fit = "fitting a translator"
        case chain = "a chain"
        case hub = "--via-hub"
        case cached = "a cached translator"
    }

    public static func needsFromAndTo(_ user: FromAndToUser) -> Diagnostic {
        Diagnostic(.needsFromAndTo, "\(user.rawValue) needs --from and --to spaces")
    }

    public static var keysNeedFrom: Diagnostic {
        Diagnostic(.keysNeedFrom, "--key/--keys need --from MODEL/DATASET")
    }

    public static var translateNeedsMap: Diagnostic {
        Diagnostic(.translateNeedsMap, "translate needs --anchors with --method, or --translator")
    }

    public static func hubTooFewSpaces(_ found: Int) -> Diagnostic {
        Diagnostic(.hubTooFewSpaces, "a hub needs at least 2 spaces, found \(found)")
    }

    public static func hubRepeatsSpace(hub: String) -> Diagnostic {
        Diagnostic(.hubRepeatsSpace, "hub '\(hub)': a space is listed twice")
    }

    public static func negativeRefine(_ rounds: Int) -> Diagnostic {
        Diagnostic(.negativeRefine, "--refine \(rounds): expected 0 or more rounds")
    }

    public static func ridgeLambdaOption(_ value: Double) -> Diagnostic {
        Diagnostic(.ridgeLambdaOption, "--ridge-lambda \(value): expected a positive number")
    }

    public enum OptionConflict: Sendable {
        case viaHubWithMaps, viaWithTranslator, anchorsWithTranslator, fileWithSampling, sweepWithAnchors
    }

    public static func conflictingOptions(_ conflict: OptionConflict) -> Diagnostic {
        let text: String
        switch conflict {
        case .viaHubWithMaps: text = "--via-hub uses the hub's maps: drop --translator, --anchors and --via"
        case .viaWithTranslator: text = "--via builds a chain from cached translators: drop --translator"
        case .anchorsWithTranslator: text = "give --anchors/--method or --translator, not both"
        case .fileWithSampling: text = "--file gives the anchors itself: drop --count/--stratified"
        case .sweepWithAnchors: text = "--sweep-anchors draws its own anchors: drop --anchors"
        }
        return Diagnostic(.conflictingOptions, text)
    }

    public enum MissingOption: Sendable {
        case translatorChoice
        case queryInput
        case inputForMember(String)
        case anchorSource
        case plotNeedsSweep
    }

    public static func missingOption(_ missing: MissingOption) -> Diagnostic {
        let text: String
        switch missing {
        case .translatorChoice: text = "without --from and --to, translating needs --translator ID (or give --from and --to to use a cached translator, or --anchors NAME to fit one)"
        case .queryInput: text = "give exactly one of --key, --keys, --input"
        case let .inputForMember(member): text = "--member \(member) picks an array of an --input file: give --input"
        case .anchorSource: text = "give --count N (with --stratified or not) or --file F"
        case .plotNeedsSweep: text = "--plot needs --sweep-anchors"
        }
        return Diagnostic(.missingOption, text)
    }

    public static func anchorCountOption(_ count: Int) -> Diagnostic {
        Diagnostic(.anchorCountOption, "--count \(count): 2 anchors needed at least")
    }

    public static func sweepAnchorsOption(_ text: String) -> Diagnostic {
        Diagnostic(.sweepAnchorsOption, "--sweep-anchors: '\(text)' is not a count of at least 2")
    }

    public static func unknownMethod(_ name: String, known: [String]) -> Diagnostic {
        Diagnostic(.unknownMethod, "unknown method '\(name)'; expected \(known.joined(separator: ", "))")
    }

    public static func unknownDecoder(_ name: String, known: [String]) -> Diagnostic {
        Diagnostic(.unknownDecoder, "unknown decoder '\(name)'; expected \(known.joined(separator: ", "))")
    }

    public static func testFractionOption(_ value: Double) -> Diagnostic {
        Diagnostic(.testFractionOption, "--test-fraction \(value): expected a value in (0, 1)")
    }

    public static func kOption(_ k: Int) -> Diagnostic {
        Diagnostic(.kOption, "-k \(k): must be at least 1")
    }
}

// MARK: - E03 the store and I/O

extension Diagnostic {
    public static func storeIO(path: String, detail: String) -> Diagnostic {
        Diagnostic(.storeIO, "store \(path): \(detail)")
    }

    public static func storeUnreadable(path: String) -> Diagnostic {
        Diagnostic(.storeUnreadable, "cannot read store \(path)")
    }

    public static func notAStore(path: String) -> Diagnostic {
        Diagnostic(.notAStore, "\(path) is not a LatentDB store (not an SQLite database)")
    }

    public static func foreignDatabase(path: String, applicationID: Int32, expected: Int32) -> Diagnostic {
        Diagnostic(.foreignDatabase, "\(path) is an SQLite database but not a LatentDB store (application_id \(applicationID), expected \(expected))")
    }

    public static func storeNewer(path: String, version: Int, supported: Int) -> Diagnostic {
        Diagnostic(.storeNewer, "store \(path) has format version \(version), newer than this build supports (\(supported)): upgrade latentdb")
    }

    public static func storeCorrupt(path: String, detail: String) -> Diagnostic {
        Diagnostic(.storeCorrupt, "store \(path) is corrupt: \(detail) (run `latentdb check`)")
    }

    /// Rows the schema's foreign keys should have made impossible.
    public enum StoreInconsistency: Sendable {
        case datasetMissing(id: Int64)
        case itemMissing(datasetID: Int64, row: Int)
    }

    public static func storeInconsistent(path: String, _ problem: StoreInconsistency) -> Diagnostic {
        switch problem {
        case let .datasetMissing(id):
            return Diagnostic(.storeInconsistent, "store \(path): dataset id \(id) is missing")
        case let .itemMissing(datasetID, row):
            return Diagnostic(.storeInconsistent, "store \(path): dataset id \(datasetID) has no item at row \(row) (run `latentdb check`)")
        }
    }

    // SQLite says "database or disk is full" both for a full file system and for the store
    // reaching its size limit (max_page_count); the transaction was rolled back.
    public static func storeFull(path: String) -> Diagnostic {
        Diagnostic(.storeFull, "store \(path) is full (the disk has no room left or the store reached its size limit); the command was rolled back and nothing was written")
    }

    public static func spacesKeptChanging(spaces: [String], attempts: Int) -> Diagnostic {
        Diagnostic(.spacesKeptChanging, "\(spaces.joined(separator: ", ")) replaced by another process during each of \(attempts) attempts to answer from one version; try again when the writer is done")
    }

    public static func storeBusy(path: String, detail: String) -> Diagnostic {
        Diagnostic(.storeBusy, "store \(path) is busy (another writer held it too long): \(detail)")
    }

    public static func corruptBlock(space: String, block: Int, firstRow: Int, lastRow: Int, cause: String) -> Diagnostic {
        Diagnostic(.corruptBlock, "space \(space), block \(block) (rows \(firstRow)–\(lastRow)) is corrupt: \(cause) (run `latentdb check`)")
    }

    public static func blockShape(space: String, block: Int, rows: Int, columns: Int, expectedRows: Int, expectedColumns: Int) -> Diagnostic {
        Diagnostic(.blockShape, "space \(space), block \(block): holds \(rows) × \(columns), expected \(expectedRows) × \(expectedColumns) (run `latentdb check`)")
    }

    /// `check` reports these itself, so it asks for no `(run latentdb check)` hint.
    public static func blockRowGap(space: String, block: Int, firstRow: Int, expected: Int, hint: Bool = true) -> Diagnostic {
        Diagnostic(.blockRowGap, "space \(space): block \(block) starts at row \(firstRow), expected \(expected)\(hint ? " (run `latentdb check`)" : "")")
    }

    public static func blockRowTotal(space: String, rows: Int, expected: Int, hint: Bool = true) -> Diagnostic {
        Diagnostic(.blockRowTotal, "space \(space): blocks hold \(rows) rows, expected \(expected)\(hint ? " (run `latentdb check`)" : "")")
    }

    public enum BlockHeaderProblem: Sendable {
        case truncated(headerSize: Int, found: Int)
        case magic(found: [UInt8])
        case newerVersion(UInt16, supported: UInt16)
        case versionZero
        case unknownCodec(UInt8)
        case unknownElementType(UInt8)
        case reservedElementType(String)
        case unknownFlags(UInt8)
        case reservedBytes
    }

    public static func blockHeader(_ problem: BlockHeaderProblem) -> Diagnostic {
        let text: String
        switch problem {
        case let .truncated(size, found): text = "truncated: expected a \(size)-byte header, found \(found) bytes"
        case let .magic(found): text = "not a LatentDB block: expected magic LDBK, found bytes \(found)"
        case let .newerVersion(version, supported): text = "block format version \(version) is newer than this build supports (\(supported))"
        case .versionZero: text = "invalid block format version 0"
        case let .unknownCodec(id): text = "unknown codec id \(id)"
        case let .unknownElementType(id): text = "unknown element type \(id)"
        case let .reservedElementType(name): text = "element type \(name) is reserved but not supported by this build (float32 only)"
        case let .unknownFlags(flags): text = "unknown flags 0x\(String(flags, radix: 16))"
        case .reservedBytes: text = "reserved header bytes 9..<12 are not zero"
        }
        return Diagnostic(.blockHeader, text)
    }

    public enum BlockSizeProblem: Sendable {
        case rawSize(UInt64, rows: Int, columns: Int, elementType: String)
        case payload(declared: UInt64, found: Int)
        case rawPayload(found: Int, expected: Int)
        case beyondLZ4(raw: Int, payload: Int)
        case lz4(payload: Int, raw: Int)
        /// A decoding caller's buffer does not fit the block (a caller's bug).
        case destination(count: Int, rows: Int, columns: Int)
    }

    public static func blockSize(_ problem: BlockSizeProblem) -> Diagnostic {
        let text: String
        switch problem {
        case let .rawSize(raw, rows, columns, type): text = "raw size \(raw) does not match \(rows) x \(columns) \(type)"
        case let .payload(declared, found): text = "expected \(declared) payload bytes, found \(found)"
        case let .rawPayload(found, expected): text = "raw-stored payload has \(found) bytes, expected \(expected)"
        case let .beyondLZ4(raw, payload): text = "raw size \(raw) is more than LZ4 can expand a \(payload)-byte payload to (corrupt block)"
        case let .lz4(payload, raw): text = "LZ4 payload of \(payload) bytes does not decompress to exactly \(raw) bytes (corrupt block)"
        case let .destination(count, rows, columns): text = "destination holds \(count) floats, block has \(rows) x \(columns)"
        }
        return Diagnostic(.blockSize, text)
    }

    public static func blockChecksum(header: UInt64, data: UInt64) -> Diagnostic {
        Diagnostic(.blockChecksum, "checksum mismatch: header says XXH64 0x\(hex(header)), data hashes to 0x\(hex(data)) (corrupt block)")
    }

    public static func cannotWrite(path: String, reason: String) -> Diagnostic {
        Diagnostic(.cannotWrite, "cannot write \(path): \(reason)")
    }

    public static func cannotWriteTranslatorFile(path: String, reason: String) -> Diagnostic {
        Diagnostic(.cannotWriteTranslatorFile, "cannot write translator file \(path): \(reason)")
    }

    /// A cached translator's parameter bytes (in the store, or inside a translator file).
    public enum TranslatorParametersProblem: Sendable {
        case magic(length: Int)
        case checksum(stored: UInt64, computed: UInt64)
        case newerVersion(Int, supported: Int)
        case unknownNames(estimator: String, scaling: String)
        case sectionCount(Int)
        case section(index: Int, cause: String)
        case shapes(source: Int, target: Int)
    }

    public static func translatorParameters(_ problem: TranslatorParametersProblem) -> Diagnostic {
        let text: String
        switch problem {
        case let .magic(length): text = "not a LatentDB translator (bad magic or too short: \(length) bytes)"
        case let .checksum(stored, computed): text = "checksum mismatch (stored \(hex(stored)), computed \(hex(computed))): the bytes are corrupt"
        case let .newerVersion(version, supported): text = "format version \(version) is newer than this build supports (\(supported))"
        case let .unknownNames(estimator, scaling): text = "unknown estimator '\(estimator)' or scaling '\(scaling)'"
        case let .sectionCount(count): text = "\(count) sections, expected 5 or 6"
        case let .section(index, cause): text = "section \(index): \(cause)"
        case let .shapes(d1, d2): text = "section shapes disagree with the \(d1) × \(d2) map"
        }
        return Diagnostic(.translatorParameters, "translator parameters: \(text)")
    }

    /// `isLength`: the bytes that ran out were a length prefix's target.
    public static func parametersTruncated(count: UInt64, offset: Int, left: Int, isLength: Bool) -> Diagnostic {
        if isLength {
            return Diagnostic(.parametersTruncated, "truncated: a length of \(count) bytes at offset \(offset), \(left) left")
        }
        return Diagnostic(.parametersTruncated, "truncated: needed \(count) bytes at offset \(offset), \(left) left")
    }

    public static var decoderParameters: Diagnostic {
        Diagnostic(.decoderParameters, "decoder parameters: inconsistent shapes")
    }

    public static func translatorRecordShape(fingerprint: String, parameters: (Int, Int), record: (Int, Int)) -> Diagnostic {
        Diagnostic(.translatorRecordShape, "translator \(fingerprint): parameters are \(parameters.0) → \(parameters.1), record says \(record.0) → \(record.1)")
    }

    public static func integrityCheck(cause: String) -> Diagnostic {
        Diagnostic(.integrityCheck, "SQLite integrity check failed: \(cause)")
    }

    /// An error of no known kind (a bug if ever seen: every failure should have its code).
    public static func unexpected(_ description: String) -> Diagnostic {
        Diagnostic(.unexpected, description)
    }
}

// MARK: - E04 what the store holds

extension Diagnostic {
    public static func noStore(path: String) -> Diagnostic {
        Diagnostic(.noStore, "no store at \(path): create one with `latentdb init` (or set --db / LATENTDB_PATH)")
    }

    private static func knownHint(_ known: [String], none: String) -> String {
        known.isEmpty ? none : "known: \(known.prefix(10).joined(separator: ", "))"
    }

    public static func unknownSpace(_ name: String, path: String, known: [String]) -> Diagnostic {
        Diagnostic(.unknownSpace, "unknown space '\(name)' in \(path) (\(knownHint(known, none: "the store has no spaces")))")
    }

    public static func spaceExists(_ name: String, rows: Int, dimension: Int) -> Diagnostic {
        Diagnostic(.spaceExists, "space \(name) already exists (\(rows) × \(dimension)); pass --replace to swap it")
    }

    public static func unknownAnchorSet(_ name: String, path: String, known: [String]) -> Diagnostic {
        Diagnostic(.unknownAnchorSet, "unknown anchor set '\(name)' in \(path) (\(knownHint(known, none: "the store has no anchor sets")))")
    }

    public static func unknownTranslator(_ id: String, path: String) -> Diagnostic {
        Diagnostic(.unknownTranslator, "no translator with id '\(id)' in \(path) (see `latentdb translators ls`)")
    }

    public static func ambiguousTranslator(_ id: String, matches: Int) -> Diagnostic {
        Diagnostic(.ambiguousTranslator, "translator id '\(id)' is ambiguous: it starts \(matches) fingerprints; give more characters")
    }

    /// `known == nil`: the store's hubs were not listed (removal names the store instead).
    public static func unknownHub(_ name: String, path: String? = nil, known: [String]? = nil) -> Diagnostic {
        if let known {
            return Diagnostic(.unknownHub, "unknown hub '\(name)' (\(known.isEmpty ? "the store has no hubs" : "known: " + known.joined(separator: ", ")))")
        }
        return Diagnostic(.unknownHub, "unknown hub '\(name)' in \(path ?? "the store")")
    }

    public static func hubMissingSpace(hub: String, space: String, members: [String]) -> Diagnostic {
        Diagnostic(.hubMissingSpace, "hub '\(hub)' does not contain \(space) (members: \(members.joined(separator: ", ")))")
    }

    public static func hubStale(hub: String, space: String) -> Diagnostic {
        Diagnostic(.hubStale, "hub '\(hub)' is stale for \(space): the space was replaced after the hub was fitted; run `latentdb hub create \(hub) …` again")
    }

    public static func storeConstraint(path: String, detail: String) -> Diagnostic {
        Diagnostic(.storeConstraint, "store \(path): constraint failed: \(detail)")
    }

    public static func maxPageCount(variable: String, value: String) -> Diagnostic {
        Diagnostic(.maxPageCount, "\(variable) must be a positive number of pages, found '\(value)'")
    }
}

// MARK: - E05 anchors

extension Diagnostic {
    public static func anchorSetTooSmall(_ name: String, found: Int) -> Diagnostic {
        Diagnostic(.anchorSetTooSmall, "anchor set '\(name)': 2 anchors needed, found \(found)")
    }

    public static func anchorSetExists(_ name: String, pairs: Int) -> Diagnostic {
        Diagnostic(.anchorSetExists, "anchor set '\(name)' already exists (\(pairs) pairs); pass --replace or pick another name")
    }

    public static func crossDatasetSampling(source: String, target: String) -> Diagnostic {
        Diagnostic(.crossDatasetSampling, "\(source) and \(target) are different datasets: sampled anchors need shared keys; give the correspondences with --file (SOURCE_KEY<TAB>TARGET_KEY per line)")
    }

    public static func stratifiedNeedsLabels(dataset: String) -> Diagnostic {
        Diagnostic(.stratifiedNeedsLabels, "--stratified needs labels, but dataset '\(dataset)' has none (register with --labels)")
    }

    public static func anchorFileNeedsPair(path: String, line: Int, sourceDataset: String, targetDataset: String) -> Diagnostic {
        Diagnostic(.anchorFileNeedsPair, "anchor file \(path), line \(line): datasets '\(sourceDataset)' and '\(targetDataset)' differ, so each line needs SOURCE_KEY<TAB>TARGET_KEY")
    }

    public static func anchorFileFields(path: String, line: Int, fields: Int) -> Diagnostic {
        Diagnostic(.anchorFileFields, "anchor file \(path), line \(line): expected KEY or SOURCE_KEY<TAB>TARGET_KEY, found \(fields) tab-separated fields")
    }

    public static func anchorFileRepeat(path: String, line: Int, firstLine: Int) -> Diagnostic {
        Diagnostic(.anchorFileRepeat, "anchor file \(path): the pair on line \(line) repeats line \(firstLine)")
    }

    public static func anchorFileUnknownKeys(path: String, missing: [String]) -> Diagnostic {
        Diagnostic(.anchorFileUnknownKeys, "anchor file \(path): \(missing.count) keys not in the store, e.g. \(missing.prefix(3).joined(separator: ", "))")
    }

    public static func anchorSetDatasets(_ name: String, source: String, target: String, from: String, to: String) -> Diagnostic {
        Diagnostic(.anchorSetDatasets, "anchor set '\(name)' pairs datasets '\(source)' → '\(target)', not '\(from)' → '\(to)'")
    }

    public static func anchorKeysMissing(_ name: String, space: String, missing: [String]) -> Diagnostic {
        Diagnostic(.anchorKeysMissing, "anchor set '\(name)': \(missing.count) keys missing from \(space), e.g. \(examples(missing))")
    }

    public static func hubDatasetNotPaired(hub: String, space: String, dataset: String, anchors: String, source: String, target: String) -> Diagnostic {
        Diagnostic(.hubDatasetNotPaired, "hub '\(hub)': \(space) belongs to dataset '\(dataset)', which anchor set '\(anchors)' does not pair ('\(source)' ↔ '\(target)'): give a correspondence")
    }

    public static func qualityTooFewAnchors(_ name: String, pairs: Int) -> Diagnostic {
        Diagnostic(.qualityTooFewAnchors, "anchor set '\(name)' has \(pairs) pairs: a quality estimate needs at least 4 (2 to fit, 2 held out)")
    }

    public static func autoTooFewAnchors(needed: Int, folds: Int, found: Int) -> Diagnostic {
        Diagnostic(.autoTooFewAnchors, "auto needs at least \(needed) anchors for \(folds) folds (each fold ≥ 2 anchors and a fit on ≥ 2), found \(found)")
    }

    public static var refineNeedsUnpaired: Diagnostic {
        Diagnostic(.refineNeedsUnpaired, "--refine needs unpaired items (items that are not anchors) in both spaces: none found")
    }
}

// MARK: - E06 translators

extension Diagnostic {
    public static func translatorModels(fingerprint: String, source: String, target: String, from: String) -> Diagnostic {
        Diagnostic(.translatorModels, "translator \(fingerprint) translates model '\(source)' → '\(target)', not '\(from)' → …")
    }

    public static func translatorTargetModel(fingerprint: String, target: String, to: String) -> Diagnostic {
        Diagnostic(.translatorTargetModel, "translator \(fingerprint) translates into model '\(target)', not '\(to)'")
    }

    public static func noChainStep(stops: [String], method: String, from: String, to: String) -> Diagnostic {
        Diagnostic(.noChainStep, "chain \(stops.joined(separator: " → ")): no cached \(method) translator for \(from) → \(to) (nor an ortho one for \(to) → \(from) to invert), and no --anchors to fit one")
    }

    public enum TranslatorFileProblem: Sendable {
        case magic
        case headerTruncated(length: Int, needs: Int)
        case newerVersion(UInt16, supported: UInt16)
        case parametersPastEnd(announced: UInt64, length: Int)
        case size(expected: Int, found: Int)
        case checksum(stored: UInt64, computed: UInt64)
        case metadata(cause: String)
        case parameters(cause: String)
        case dimensions(parameters: (Int, Int), metadata: (Int, Int))
    }

    public static func translatorFile(path: String, _ problem: TranslatorFileProblem) -> Diagnostic {
        let text: String
        switch problem {
        case .magic: text = "not a LatentDB translator file (bad magic)"
        case let .headerTruncated(length, needs): text = "truncated: \(length) bytes, the header alone needs \(needs)"
        case let .newerVersion(version, supported): text = "format version \(version) is newer than this build supports (\(supported)): upgrade latentdb"
        case let .parametersPastEnd(announced, length): text = "truncated: the header announces \(announced) bytes of parameters, the file has \(length) bytes"
        case let .size(expected, found):
            text = found < expected ? "truncated: expected \(expected) bytes, found \(found)" : "expected \(expected) bytes, found \(found) (trailing data)"
        case let .checksum(stored, computed): text = "checksum mismatch (stored \(hex(stored)), computed \(hex(computed))): the file is corrupt"
        case let .metadata(cause): text = "metadata is not valid JSON: \(cause)"
        case let .parameters(cause): text = cause
        case let .dimensions(p, m): text = "parameters are \(p.0) → \(p.1), metadata says \(m.0) → \(m.1)"
        }
        return Diagnostic(.translatorFile, "translator file \(path): \(text)")
    }

    public static func tooFewAnchors(found: Int) -> Diagnostic {
        Diagnostic(.tooFewAnchors, "2 anchors needed, found \(found)")
    }

    public static func anchorCountMismatch(source: Int, target: Int) -> Diagnostic {
        Diagnostic(.anchorCountMismatch, "anchor counts differ: \(source) source rows, \(target) target rows")
    }

    /// `side` is `source` or `target`.
    public static func nonFiniteAnchors(side: String, row: Int, column: Int) -> Diagnostic {
        Diagnostic(.nonFiniteAnchors, "\(side) anchors contain NaN or infinity at row \(row), column \(column)")
    }

    public static func fitFailed(cause: String) -> Diagnostic {
        Diagnostic(.fitFailed, "fitting failed: \(cause)")
    }

    public static func notInvertible(estimator: String) -> Diagnostic {
        Diagnostic(.notInvertible, "a '\(estimator)' translator has no inverse (only 'ortho' does)")
    }

    public static func ridgeLambda(_ lambda: Double) -> Diagnostic {
        Diagnostic(.ridgeLambda, "ridge lambda must be finite and > 0, found \(lambda)")
    }

    public static func translatorInputColumns(expected: Int, found: Int) -> Diagnostic {
        Diagnostic(.translatorInputColumns, "expected \(expected) columns, found \(found)")
    }
}

// MARK: - E07 queries and decoders

extension Diagnostic {
    public static func kTooSmall(_ k: Int) -> Diagnostic {
        Diagnostic(.kTooSmall, "k must be at least 1, found \(k)")
    }

    public static var noQueryKeys: Diagnostic {
        Diagnostic(.noQueryKeys, "no query keys given")
    }

    public static func unknownKeys(_ unknown: [String], space: String) -> Diagnostic {
        Diagnostic(.unknownKeys, "\(unknown.count) unknown keys in \(space), e.g. \(examples(unknown))")
    }

    public static func queryDimension(space: String, found: Int, expected: Int) -> Diagnostic {
        Diagnostic(.queryDimension, "\(space) has \(found) dimensions; the translator expects \(expected)")
    }

    public static func kTooLarge(_ k: Int, space: String, items: Int) -> Diagnostic {
        Diagnostic(.kTooLarge, "k = \(k) is larger than \(space), which has \(items) items")
    }

    public static func translatedDimension(found: Int, space: String, expected: Int) -> Diagnostic {
        Diagnostic(.translatedDimension, "queries have \(found) dimensions after translation; \(space) has \(expected)")
    }

    public static func noLabels(space: String, dataset: String) -> Diagnostic {
        Diagnostic(.noLabels, "\(space) has no labelled items to train a decoder on: register dataset '\(dataset)' with --labels")
    }

    /// `rows == nil`: the database size is not known yet (streaming).
    public static func kOutOfRange(_ k: Int, rows: Int?) -> Diagnostic {
        guard let rows else { return Diagnostic(.kOutOfRange, "k = \(k) must be at least 1") }
        return Diagnostic(.kOutOfRange, "k = \(k) is out of range: expected 1 ... \(rows) (the number of database rows)")
    }

    public static var emptyTraining: Diagnostic {
        Diagnostic(.emptyTraining, "the training set is empty")
    }

    public static func dimensionMismatch(what: String, expected: Int, found: Int) -> Diagnostic {
        Diagnostic(.dimensionMismatch, "\(what) has dimension \(found), expected \(expected)")
    }

    public static func rowCountMismatch(what: String, expected: Int, found: Int) -> Diagnostic {
        Diagnostic(.rowCountMismatch, "\(what) has \(found) rows, expected \(expected)")
    }

    /// `column == nil`: every value of the row is finite but a score overflowed.
    public static func nonFiniteValue(what: String, row: Int, column: Int?) -> Diagnostic {
        guard let column else { return Diagnostic(.nonFiniteValue, "\(what) row \(row) gives a non-finite score (values too large)") }
        return Diagnostic(.nonFiniteValue, "\(what) row \(row), column \(column) is NaN or infinite")
    }

    public static func labelCount(labels: Int, rows: Int) -> Diagnostic {
        Diagnostic(.labelCount, "\(labels) labels given for \(rows) training rows")
    }

    public static func labelOutOfRange(row: Int, label: Int, classCount: Int) -> Diagnostic {
        Diagnostic(.labelOutOfRange, "label \(label) of training row \(row) is outside 0..<\(classCount)")
    }

    public static func classCount(_ count: Int) -> Diagnostic {
        Diagnostic(.classCount, "class count \(count) must be at least 1")
    }

    public static func notPositiveDefinite(order: Int, info: Int) -> Diagnostic {
        Diagnostic(.notPositiveDefinite, "ridge system (\(order) × \(order)) is not positive definite (dposv info \(info)): are all training rows identical?")
    }
}

// MARK: - E08 evaluation, migration, hubs and model selection

extension Diagnostic {
    public static func evalDatasets(from: String, to: String, fromDataset: String, toDataset: String) -> Diagnostic {
        Diagnostic(.evalDatasets, "eval compares \(from) and \(to) item by item, so both must be spaces of one dataset ('\(fromDataset)' ≠ '\(toDataset)')")
    }

    public static func emptyTestSplit(dataset: String, percent: Int) -> Diagnostic {
        Diagnostic(.emptyTestSplit, "dataset '\(dataset)' has an empty test split: nothing to evaluate (mark rows 'test' with --split, or drop the splits to get a seeded \(percent)% test split)")
    }

    public static func evalTooFewAnchors(found: Int) -> Diagnostic {
        Diagnostic(.evalTooFewAnchors, "eval needs at least 2 anchors, found \(found)")
    }

    /// Also printed as a warning by `migrate --warn-only`; `value` is formatted by the caller
    /// (this module has no Foundation to do `%.3f`).
    public static func gateFailed(source: String, target: String, metric: String, value: String, threshold: Double, heldOut: Int) -> Diagnostic {
        Diagnostic(.gateFailed, "migration of \(source) to \(target) failed its gate: held-out \(metric) \(value) < \(threshold) (\(heldOut) held-out anchors)")
    }

    public static var noUnpairedItems: Diagnostic {
        Diagnostic(.noUnpairedItems, "refinement needs unpaired items: none given")
    }

    public static func invalidFolds(_ folds: Int) -> Diagnostic {
        Diagnostic(.invalidFolds, "cross-validation needs at least 2 folds, found \(folds)")
    }

    public static var noCandidates: Diagnostic {
        Diagnostic(.noCandidates, "model selection needs at least one candidate")
    }

    public static var allCandidatesFailed: Diagnostic {
        Diagnostic(.allCandidatesFailed, "model selection: every candidate failed to fit on at least one fold")
    }

    public static func parameterOutOfRange(name: String, value: String) -> Diagnostic {
        Diagnostic(.parameterOutOfRange, "\(name) = \(value) is out of range")
    }

    public static var hubNoSpaces: Diagnostic {
        Diagnostic(.hubNoSpaces, "a hub needs at least one space")
    }

    public static func hubFit(hub: String, cause: String) -> Diagnostic {
        Diagnostic(.hubFit, "hub '\(hub)': \(cause)")
    }
}

// MARK: - E09 numerical failures

extension Diagnostic {
    public static func noConvergence(routine: String, info: Int) -> Diagnostic {
        Diagnostic(.noConvergence, "\(routine) did not converge (info = \(info): \(info) superdiagonals failed to reach zero)")
    }

    public static func singular(routine: String, info: Int) -> Diagnostic {
        Diagnostic(.singular, "\(routine): matrix is singular (info = \(info): U(\(info),\(info)) is exactly zero)")
    }
}

// MARK: Serving (`latentdb serve`)

extension Diagnostic {
    /// `detail`: what the JSON decoder found wrong, with the field's path.
    public static func requestJSON(_ detail: String) -> Diagnostic {
        Diagnostic(.requestJSON, "request body is not the JSON this route takes: \(detail)")
    }

    public static func requestFieldMissing(_ field: String) -> Diagnostic {
        Diagnostic(.requestFieldMissing, "request needs \(field)")
    }

    public static func requestFieldValue(_ field: String, found: String, expected: [String]) -> Diagnostic {
        Diagnostic(.requestFieldValue, "request field '\(field)' is '\(found)'; expected \(expected.joined(separator: ", "))")
    }

    public static func requestFieldsConflict(_ fields: [String]) -> Diagnostic {
        Diagnostic(.requestFieldsConflict, "request gives more than one of \(fields.joined(separator: ", ")); give one")
    }

    public static func requestRaggedVectors(row: Int, found: Int, expected: Int) -> Diagnostic {
        Diagnostic(.requestRaggedVectors, "request vectors: row \(row) has \(found) values; row 0 has \(expected)")
    }

    public static func unauthorized(_ reason: String) -> Diagnostic {
        Diagnostic(.unauthorized, "\(reason): send 'Authorization: Bearer TOKEN' with the server's token")
    }

    public static func requestTooLarge(limit: Int) -> Diagnostic {
        Diagnostic(.requestTooLarge, "request body is larger than the server's limit of \(limit) bytes (send large batches as application/x-npy, or split them)")
    }

    public static func unknownRoute(method: String, path: String) -> Diagnostic {
        Diagnostic(.unknownRoute, "no route \(method) \(path) (the API is under /v1: see schema/openapi.yaml)")
    }

    public static func serveNeedsToken(host: String) -> Diagnostic {
        Diagnostic(.serveNeedsToken, "refusing to listen on \(host) without --token-file: only loopback addresses may be served without a token")
    }

    public static func tokenFile(_ path: String, _ reason: String) -> Diagnostic {
        Diagnostic(.tokenFile, "token file \(path): \(reason)")
    }

    public static var serverNotFound: Diagnostic {
        Diagnostic(.serverNotFound, "latentdb-server not found ($LATENTDB_SERVER when set, else beside latentdb, in server/.build, or on PATH): build it with `swift build -c release --package-path server` in the LatentDB checkout")
    }

    /// `seconds`: the server's `--request-timeout`.
    public static func requestTimedOut(method: String, path: String, seconds: Double) -> Diagnostic {
        Diagnostic(.requestTimedOut, "\(method) \(path) took longer than the server's --request-timeout of \(seconds) s and was abandoned (send fewer queries per request, or start the server with a larger --request-timeout)")
    }

    public static func timeoutOption(_ text: String) -> Diagnostic {
        Diagnostic(.timeoutOption, "--request-timeout must be a number of seconds above 0, got '\(text)'")
    }

    public static func portOption(_ port: Int) -> Diagnostic {
        Diagnostic(.portOption, "--port must be from 1 to 65535, got \(port)")
    }

    public static func sizeOption(option: String, _ text: String) -> Diagnostic {
        Diagnostic(.sizeOption, "\(option) takes a size in bytes, or with KiB, MiB or GiB (e.g. 2GiB), got '\(text)'")
    }
}

// MARK: - everyday use (cached translators, explain)

extension Diagnostic {
    /// No current cached translator for a model pair; `filter` is the method/scaling asked for,
    /// `stale` counts the pair's translators whose spaces were replaced, `otherMethods` those
    /// that the filter excluded.
    public static func noCachedTranslator(fromModel: String, toModel: String, from: String, to: String, filter: [String],
                                          stale: Int, otherMethods: [String]) -> Diagnostic {
        var notes: [String] = []
        if stale > 0 { notes.append("\(stale) stale: fitted on spaces since replaced") }
        if !otherMethods.isEmpty { notes.append("\(otherMethods.count) with another method or scaling: \(otherMethods.prefix(4).joined(separator: ", "))") }
        let asked = filter.isEmpty ? "" : " (" + filter.joined(separator: ", ") + ")"
        let options = filter.map { " --" + $0 }.joined()
        return Diagnostic(.noCachedTranslator, "no cached translator from model '\(fromModel)' to model '\(toModel)'\(asked)\(notes.isEmpty ? "" : " [" + notes.joined(separator: "; ") + "]"); fit one with `latentdb fit --from \(from) --to \(to) --anchors NAME\(options)` (anchor sets: `latentdb anchors ls`), or pass --anchors NAME here")
    }

    /// `migrate --gate` with a cached translator whose anchor set this store cannot supply.
    public static func qualityNeedsAnchors(fingerprint: String, anchors: String, reason: String) -> Diagnostic {
        Diagnostic(.qualityNeedsAnchors, "--gate needs held-out anchors, but translator \(fingerprint)'s anchor set '\(anchors)' \(reason); pass --anchors NAME to fit on a set this store holds, or drop --gate")
    }

    public static func unknownErrorCode(_ text: String) -> Diagnostic {
        Diagnostic(.unknownErrorCode, "'\(text)' is not an error code of this build (codes look like E0514; `latentdb explain` lists them all)")
    }
}

// MARK: - Standard streams (arrays through `-`)

extension Diagnostic {
    /// The `.npy` on standard input ended before the data its header declares.
    public static func standardInputTruncated(expected: Int, found: Int, shape: String, dtype: String) -> Diagnostic {
        Diagnostic(.standardInputTruncated, "the .npy stream ended after \(found) of the \(expected) data bytes its header declares (shape \(shape), \(dtype))")
    }

    public static func standardInputTrailing(expected: Int) -> Diagnostic {
        Diagnostic(.standardInputTrailing, "more bytes follow the \(expected) data bytes of the .npy stream: expected exactly one array")
    }

    public static func standardInputFormat(firstBytes: [UInt8]) -> Diagnostic {
        Diagnostic(.standardInputFormat, "expected an .npy stream (magic \\x93NUMPY), found first bytes \(firstBytes); other formats are read from files")
    }

    /// `option -` names standard input, but it is a terminal: the command would wait for bytes nobody sends.
    public static func standardInputIsTerminal(option: String) -> Diagnostic {
        Diagnostic(.standardInputIsTerminal, "\(option) - reads an .npy from standard input, which is a terminal: pipe or redirect one into it")
    }

    public static func standardOutputIsTerminal(option: String) -> Diagnostic {
        Diagnostic(.standardOutputIsTerminal, "\(option) - writes a binary .npy to standard output, which is a terminal: pipe or redirect it")
    }
}

// MARK: fidelity (rank-aware fits, compare)

extension Diagnostic {
    public static func unknownCompletion(_ name: String, known: [String]) -> Diagnostic {
        Diagnostic(.unknownCompletion, "unknown completion '\(name)' for --completion; expected \(known.joined(separator: ", ")) (comma-separated)")
    }

    public enum CompareUsage: Sendable {
        case datasetWithSpaces, spacesMissing, plotNeedsDataset
    }

    public static func compareArguments(_ problem: CompareUsage) -> Diagnostic {
        let text: String
        switch problem {
        case .datasetWithSpaces: text = "compare --dataset compares every pair of the dataset's spaces: drop the two spaces and --anchors"
        case .spacesMissing: text = "compare needs two spaces (compare A B) or --dataset NAME"
        case .plotNeedsDataset: text = "--plot draws the matrix of compare --dataset: give --dataset"
        }
        return Diagnostic(.compareArguments, text)
    }

    public static func compareNeedsAnchors(from: String, to: String) -> Diagnostic {
        Diagnostic(.compareNeedsAnchors, "\(from) and \(to) belong to different datasets and share no items: give --anchors NAME to compare them on its pairs")
    }

    public static func compareTooFewItems(found: Int, needed: Int) -> Diagnostic {
        Diagnostic(.compareTooFewItems, "compare needs at least \(needed) shared items (k + 1, and 10 for the held-out fit), found \(found)")
    }

    public static func compareDatasetSpaces(dataset: String, found: Int) -> Diagnostic {
        Diagnostic(.compareDatasetSpaces, "dataset '\(dataset)' has \(found) space\(found == 1 ? "" : "s"); compare --dataset needs at least 2")
    }
}

// MARK: - Indexes (IVF): E0230–E0239, E0330–E0349, E0420–E0439, E0720–E0739

extension Diagnostic {
    /// `option` is `--nprobe`, `--lists` or `--sample`.
    public static func indexOption(_ option: String, value: Int) -> Diagnostic {
        Diagnostic(.indexOption, "\(option) \(value): expected 1 or more")
    }

    public static func exactWithNProbe() -> Diagnostic {
        Diagnostic(.exactWithNProbe, "--exact scans every row: drop --nprobe")
    }

    public static func cslsWithNProbe() -> Diagnostic {
        Diagnostic(.cslsWithNProbe, "--csls needs every target row's hubness, so it always scans exactly: drop --nprobe")
    }

    public static func indexBlockCorrupt(space: String, list: Int, block: Int, cause: String) -> Diagnostic {
        Diagnostic(.indexBlockCorrupt, "index of \(space), list \(list), block \(block) is corrupt: \(cause) (run `latentdb check`; `latentdb index create` rebuilds it)")
    }

    public static func indexInconsistent(space: String, detail: String) -> Diagnostic {
        Diagnostic(.indexInconsistent, "index of \(space) is inconsistent: \(detail) (`latentdb index create` rebuilds it)")
    }

    public enum RowNumberBlockProblem: Sendable {
        case header(found: [UInt8], size: Int)
        case version(Int)
        case size(count: Int, bytes: Int)
        case checksum(header: UInt64, data: UInt64)
    }

    public static func rowNumberBlock(_ problem: RowNumberBlockProblem) -> Diagnostic {
        let text: String
        switch problem {
        case let .header(found, size): text = "not a row-number block: expected magic LDRN and 20 header bytes, found \(found) in \(size) bytes"
        case let .version(version): text = "row-number block version \(version) is not supported (1)"
        case let .size(count, bytes): text = "row-number block declares \(count) rows (\(4 * count) bytes) but holds \(bytes) bytes"
        case let .checksum(header, data): text = "row numbers' checksum mismatch: header says XXH64 0x\(hex(header)), data hashes to 0x\(hex(data))"
        }
        return Diagnostic(.rowNumberBlock, text)
    }

    public static func unknownIndex(space: String, indexed: [String]) -> Diagnostic {
        let hint = indexed.isEmpty ? "the store has no indexes" : "indexed: " + indexed.prefix(5).joined(separator: ", ")
        return Diagnostic(.unknownIndex, "\(space) has no index (\(hint))")
    }

    public static func emptySpaceIndex(space: String) -> Diagnostic {
        Diagnostic(.emptySpaceIndex, "\(space) has no rows: there is nothing to index")
    }

    /// `builtFor` is the space version the stale index was built for, nil when there is none.
    public static func noCurrentIndex(space: String, builtFor: String?, current: String) -> Diagnostic {
        let state = builtFor.map { "its index is stale (built for version \($0.prefix(12)), the space is now \(current.prefix(12)))" } ?? "it has no index"
        return Diagnostic(.noCurrentIndex, "--nprobe searches \(space)'s index, but \(state): run `latentdb index create \(space)` or drop --nprobe")
    }

    public static func nprobeOutOfRange(_ nprobe: Int, lists: Int) -> Diagnostic {
        Diagnostic(.nprobeOutOfRange, "nprobe = \(nprobe) is out of range: the index has \(lists) lists (expected 1 ... \(lists))")
    }

    public static func listCountOutOfRange(lists: Int, rows: Int) -> Diagnostic {
        Diagnostic(.listCountOutOfRange, "\(lists) lists need at least \(lists) training rows, but there are \(rows)")
    }
}

// MARK: - PostgreSQL backend and copy (E0270–E0279, E0350–E0379)

extension Diagnostic {
    /// No password is echoed: the URI is not repeated.
    public static var postgresPasswordInURI: Diagnostic {
        Diagnostic(.postgresPasswordInURI, "the PostgreSQL URI holds a password, which would show in process lists and shell history: remove it and set PGPASSWORD or add a line to ~/.pgpass")
    }

    public static func postgresURI(detail: String) -> Diagnostic {
        Diagnostic(.postgresURI, "invalid PostgreSQL URI: \(detail)")
    }

    public static func copySameStore(location: String) -> Diagnostic {
        Diagnostic(.copySameStore, "--from and --to both name \(location): copy needs two different stores")
    }

    /// `detail` is libpq's own line (it never holds a password).
    public static func postgresConnect(location: String, detail: String) -> Diagnostic {
        Diagnostic(.postgresConnect, "cannot connect to PostgreSQL store \(location): \(detail)")
    }

    public static func postgresAuthentication(location: String, user: String, passwordGiven: Bool) -> Diagnostic {
        let why = passwordGiven ? "the server refused the password" : "the server asks for a password and none was given"
        return Diagnostic(.postgresAuthentication, "cannot log in to PostgreSQL store \(location) as user '\(user)': \(why) (passwords come from PGPASSWORD or ~/.pgpass)")
    }

    public static func postgresUnknownDatabase(location: String, database: String) -> Diagnostic {
        Diagnostic(.postgresUnknownDatabase, "PostgreSQL store \(location): the server has no database '\(database)' (create it first, e.g. createdb \(database))")
    }

    public static func postgresConnectionLost(location: String, detail: String) -> Diagnostic {
        Diagnostic(.postgresConnectionLost, "lost the connection to PostgreSQL store \(location): \(detail); the command was rolled back and nothing was written")
    }

    public static func postgresForeignDatabase(location: String, tables: [String]) -> Diagnostic {
        Diagnostic(.postgresForeignDatabase, "\(location) holds other tables (\(examples(tables))\(tables.count > 3 ? ", …" : "")) but is not a LatentDB store (no latentdb_schema table): use an empty database")
    }

    /// `contents`: what the store holds, e.g. ["3 spaces", "1 translator"].
    public static func copyTargetNotEmpty(location: String, contents: [String]) -> Diagnostic {
        Diagnostic(.copyTargetNotEmpty, "store \(location) already holds \(contents.joined(separator: ", ")): copy writes into an empty store only")
    }
}
