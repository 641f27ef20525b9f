import Alignment
import EmbeddingCodec
import Foundation
import LatentCore
@testable import LatentDB
import LinearAlgebra
import NeighborSearch
import Testing
import Translation

/// Every code of the error catalogue (`Sources/LatentCore/Diagnostics.swift`), triggered: from the
/// CLI where a user can reach it, else through the lowest API that can, else (for invariants
/// nothing outside can break) by building the diagnostic, which says why in its case.
@Suite struct ErrorCatalogueTests {
    @Test(arguments: ErrorCase.all)
    func eachCodeIsReportedWithItsMessage(_ c: ErrorCase) throws {
        let cli = try CLIHarness()
        let message: String
        switch try c.trigger(cli) {
        case let .cli(result):
            #expect(result.status == c.code.exitStatus.rawValue, "exit \(result.status): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "expected one line on stderr, found: \(result.stderr)")
            let prefix = "latentdb: error[\(c.code.rawValue)]: "
            #expect(result.stderr.hasPrefix(prefix), "expected \(prefix)…, found: \(result.stderr)")
            message = result.stderr
        case let .thrown(error):
            let diagnostic = try #require(LatentError.diagnostic(of: error), "not a catalogued error: \(error)")
            #expect(diagnostic.code == c.code, "\(diagnostic.code.rawValue): \(diagnostic.message)")
            #expect(LatentError.classify(error).category == c.code.exitStatus)
            message = diagnostic.message
        case let .built(diagnostic):
            #expect(diagnostic.code == c.code)
            message = diagnostic.message
        }
        for fragment in c.fragments {
            #expect(message.contains(fragment), "'\(fragment)' missing from: \(message)")
        }
    }

    /// A new code without a case here fails the suite.
    @Test func everyCodeHasACase() {
        let covered = Set(ErrorCase.all.map(\.code))
        let missing = ErrorCode.allCases.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "codes without a test: \(missing.map { "\($0.rawValue) \($0)" })")
        #expect(ErrorCase.all.count == covered.count, "a code has two cases")
    }

    @Test func codesAreGroupedAndStable() {
        for code in ErrorCode.allCases {
            #expect(code.rawValue.count == 5 && code.rawValue.hasPrefix("E0"), "\(code.rawValue)")
        }
        #expect(Set(ErrorCode.allCases.map(\.rawValue)).count == ErrorCode.allCases.count)
    }

    /// The catalogue stays the one place: outside it, no error is made from a string literal.
    @Test func noErrorIsWordedOutsideTheCatalogue() throws {
        let sources = CLIHarness.repositoryRoot.appendingPathComponent("Sources")
        let errorTypes = ["LatentError", "CodecError", "StorageError", "TranslationError", "NeighborSearchError",
                          "AlignmentError", "LinearAlgebraError", "NameError", "ValidationError", "Diagnostic"]
        // `Type("…"`, `Type(path: x, "…"`, `Type(.kind, "…"` or `Type(message: "…"`.
        let pattern = try Regex("\\b(\(errorTypes.joined(separator: "|")))\\((\\s*[A-Za-z]+:\\s*[^,()]+,|\\s*\\.[A-Za-z]+\\s*,|\\s*message:)?\\s*\"")
        var offenders: [String] = []
        var scanned = 0
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" && url.lastPathComponent != "Diagnostics.swift" {
            scanned += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(pattern) {
                offenders.append("\(url.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(scanned > 50, "the scan found only \(scanned) files under \(sources.path)")
        #expect(offenders.isEmpty, "errors worded outside LatentCore/Diagnostics.swift:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func theScanWouldCatchALiteral() throws {
        // Guards the guard: the pattern above must match the forms it is meant to forbid.
        let pattern = try Regex(#"\b(LatentError|CodecError|StorageError|ValidationError|NameError)\((\s*[A-Za-z]+:\s*[^,()]+,|\s*\.[A-Za-z]+\s*,|\s*message:)?\s*""#)
        for line in [#"throw LatentError(.badInput, "x")"#, #"throw CodecError(path: path, "x")"#, #"throw CodecError("x")"#,
                     #"throw ValidationError("x")"#, #"throw NameError(message: "x")"#, #"StorageError(.io, "store \(p)")"#] {
            #expect(line.contains(pattern), "\(line)")
        }
        for line in [#"throw LatentError(.unknownCodec(name, known: names))"#, #"throw CodecError(path: path, .fortranOrder)"#,
                     #"throw ValidationError(.kOption(k))"#] {
            #expect(!line.contains(pattern), "\(line)")
        }
    }
}

/// What a trigger produced: the CLI's output, an error thrown by an API, or a diagnostic built
/// directly (for invariants nothing outside can break).
enum ErrorOutcome {
    case cli(CLIHarness.Result)
    case thrown(any Error)
    case built(Diagnostic)
}

struct TriggerDidNotFail: Error, CustomStringConvertible {
    let description: String
}

struct ErrorCase: Sendable, CustomTestStringConvertible {
    let code: ErrorCode
    let fragments: [String]
    let trigger: @Sendable (CLIHarness) throws -> ErrorOutcome

    var testDescription: String { "\(code.rawValue) \(code)" }

    /// `latentdb args…` on a copy of the shared store (`base`) or on an empty directory.
    static func cli(_ code: ErrorCode, _ fragments: [String], base: Bool = true, environment: [String: String] = [:],
                    _ args: @escaping @Sendable (CLIHarness) throws -> [String]) -> ErrorCase {
        ErrorCase(code: code, fragments: fragments) { cli in
            if base { try SharedStore.copy(to: cli) }
            return .cli(try cli.run(try args(cli), environment: environment))
        }
    }

    /// `latentdb register x/d --embeddings FILE` for a file of these bytes.
    static func register(_ code: ErrorCode, _ fragments: [String], name: String = "bad.npy", bytes: [UInt8],
                         extra: [String] = []) -> ErrorCase {
        cli(code, fragments, base: false) { cli in
            let path = cli.path(name)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return ["register", "x/d", "--embeddings", path] + extra
        }
    }

    /// An API call that must throw.
    static func api(_ code: ErrorCode, _ fragments: [String], _ body: @escaping @Sendable (CLIHarness) throws -> Void) -> ErrorCase {
        ErrorCase(code: code, fragments: fragments) { cli in
            do { try body(cli) } catch { return .thrown(error) }
            throw TriggerDidNotFail(description: "\(code.rawValue) was not thrown")
        }
    }

    /// A diagnostic built directly, for a failure nothing outside the library can cause.
    static func built(_ code: ErrorCode, _ fragments: [String], _ diagnostic: @escaping @Sendable () -> Diagnostic) -> ErrorCase {
        ErrorCase(code: code, fragments: fragments) { _ in .built(diagnostic()) }
    }
}

/// One store for the cases that need content, made once and copied per case: spaces a/d, b/d
/// (40 × 4, labelled, dataset d), c/e, c2/e, a/e, b/e (30 rows, dataset e, 3 columns), anchor
/// sets `pairs` (20), `small` (3) and `all` (40) on d, `epairs` on e, a linear and an ortho
/// translator a/d → b/d, and hub `h` of a/d and b/d.
enum SharedStore {
    static let harness: Result<CLIHarness, any Error> = Result {
        let cli = try CLIHarness()
        let labels = try cli.writeLines((0..<40).map { $0 % 2 == 0 ? "x" : "y" }, "labels.txt")
        for (name, seed) in [("a/d", 1), ("b/d", 2)] {
            try cli.ok(["register", name, "--embeddings", try cli.writeNPY(seededMatrix(rows: 40, columns: 4, seed: UInt64(seed)), "\(seed).npy"),
                        "--labels", labels])
        }
        for (name, seed) in [("c/e", 3), ("c2/e", 4), ("a/e", 5), ("b/e", 6)] {
            try cli.ok(["register", name, "--embeddings", try cli.writeNPY(seededMatrix(rows: 30, columns: 3, seed: UInt64(seed)), "\(seed).npy")])
        }
        try cli.ok(["anchors", "create", "pairs", "--from", "a/d", "--to", "b/d", "--count", "20"])
        try cli.ok(["anchors", "create", "small", "--from", "a/d", "--to", "b/d", "--count", "3"])
        try cli.ok(["anchors", "create", "all", "--from", "a/d", "--to", "b/d", "--count", "40"])
        try cli.ok(["anchors", "create", "epairs", "--from", "c/e", "--to", "c2/e", "--count", "20"])
        try cli.ok(["fit", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--method", "linear"])
        try cli.ok(["fit", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--method", "ortho"])
        try cli.ok(["hub", "create", "h", "--spaces", "a/d,b/d", "--anchors", "pairs"])
        return cli
    }

    static func copy(to cli: CLIHarness) throws {
        let source = try harness.get()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: source.store + suffix) {
            try FileManager.default.copyItem(atPath: source.store + suffix, toPath: cli.store + suffix)
        }
    }

    /// The fingerprint of the linear translator a/d → b/d.
    static var linearTranslator: String {
        get throws {
            let list = try harness.get().run(["translators", "ls", "--json"]).json as? [[String: Any]] ?? []
            let linear = list.first { ($0["estimator"] as? String ?? $0["method"] as? String) == "linear" } ?? list.first
            return try #require(linear?["fingerprint"] as? String, "no translator in \(list)")
        }
    }
}

/// An `.npy` file with this header dict (padded as NumPy does) and data.
func npyBytes(_ dict: String, major: UInt8 = 1, data: [UInt8] = []) -> [UInt8] {
    var header = Array(dict.utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
    header.append(0x0A)
    return [0x93] + Array("NUMPY".utf8) + [major, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header + data
}

func le32(_ v: Int32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

func safetensorsBytes(_ json: String, dataBytes: Int = 0, declaredLength: UInt64? = nil) -> [UInt8] {
    let header = Array(json.utf8)
    let length = declaredLength ?? UInt64(header.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header + [UInt8](repeating: 0, count: dataBytes)
}

let codecFixtures = CLIHarness.repositoryRoot.appendingPathComponent("Tests/EmbeddingCodecTests/Fixtures")

func fixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: codecFixtures.appendingPathComponent(name)))
}

/// `one_3x5_compressed.npz` with its one central-directory entry (`emb.npy`) patched.
func patchedNPZ(_ patch: (inout [UInt8], _ directory: Int, _ data: Int) -> Void) throws -> [UInt8] {
    var bytes = try fixtureBytes("one_3x5_compressed.npz")
    let directory = bytes.count - 22 - 46 - 7
    precondition(bytes[directory] == 0x50 && bytes[directory + 3] == 0x02, "fixture layout changed")
    let data = 30 + Int(bytes[26]) + Int(bytes[28])
    patch(&bytes, directory, data)
    return bytes
}

extension ErrorCase {
    static let all: [ErrorCase] = inputFiles + usage + store + storeContents + anchors + translators + queries + evaluation + numerical
        + serving + everyday + standardStreams + fidelity + index + postgres

    // MARK: E01 input files

    static let inputFiles: [ErrorCase] = [
        cli(.fileAccess, ["missing.npy", "cannot open for reading"], base: false) { ["register", "x/d", "--embeddings", $0.path("missing.npy")] },
        register(.unrecognisedEmbeddingFile, ["bad.bin", "unrecognised embedding file", "found first bytes"], name: "bad.bin",
                 bytes: Array("hello, not embeddings".utf8)),
        cli(.notNPY, ["labels.npy", "not an .npy file", "expected magic"], base: false) { cli in
            try Data("no magic here".utf8).write(to: URL(fileURLWithPath: cli.path("labels.npy")))
            return ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"), "--labels", cli.path("labels.npy")]
        },
        register(.npyVersion, ["bad.npy", "format version 9.0", "expected 1.0, 2.0 or 3.0"],
                 bytes: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", major: 9, data: [0, 0, 0, 0])),
        register(.npyTruncatedHeader, ["bad.npy", "truncated header", "after 9 bytes"], bytes: [0x93] + Array("NUMPY".utf8) + [1, 0, 5]),
        register(.npyMalformedHeader, ["bad.npy", "expected keys descr, fortran_order, shape", "[\"descr\", \"shape\"]"],
                 bytes: npyBytes("{'descr': '<f4', 'shape': (1, 1), }", data: [0, 0, 0, 0])),
        register(.npyHeaderSyntax, ["bad.npy", "malformed header dict", "expected ':'"],
                 bytes: npyBytes("{'descr' '<f4'}", data: [0, 0, 0, 0])),
        register(.unsupportedDType, ["bad.npy", "unsupported dtype '<c8'", "<f4"],
                 bytes: npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }", data: [UInt8](repeating: 0, count: 8))),
        register(.structuredDType, ["bad.npy", "structured arrays are not supported"],
                 bytes: npyBytes("{'descr': True, 'fortran_order': False, 'shape': (1, 1), }", data: [0, 0, 0, 0])),
        register(.bigEndianDType, ["bad.npy", "big-endian dtype '>f4'", "'<f4'"], bytes: try! fixtureBytes("f32_bigendian_3x5.npy")),
        register(.notFloat, ["bad.npy", "dtype '<i4'", "not a floating-point type"], bytes: try! fixtureBytes("i4_3x5.npy")),
        register(.notTwoDimensional, ["bad.npy", "expected a 2-D array", "1-D shape"], bytes: try! fixtureBytes("f32_1d.npy")),
        register(.fortranOrder, ["bad.npy", "Fortran-order"], bytes: try! fixtureBytes("f32_fortran_3x5.npy")),
        register(.npyDataSize, ["bad.npy", "expected 16 bytes of data, found 12"],
                 bytes: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data: [UInt8](repeating: 0, count: 12))),
        api(.changedWhileReading, ["shrinks.npy", "truncated while reading", "file changed?"]) { cli in
            // Only a file that shrinks between opening and reading does this.
            let path = try cli.writeNPY(seededMatrix(rows: 100, columns: 4, seed: 1), "shrinks.npy")
            let reader = try EmbeddingFile.open(path: path)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 200)
            try handle.close()
            _ = try reader.readRows(reader.rows)
        },
        cli(.labelsNotInteger, ["labels.npy", "not an integer type"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"),
             "--labels", try cli.writeNPY(seededMatrix(rows: 3, columns: 1, seed: 1), "labels.npy")]
        },
        cli(.labelsShape, ["labels.npy", "expected a 1-D integer array", "(2, 2)"], base: false) { cli in
            try Data(npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", data: [UInt8](repeating: 0, count: 16)))
                .write(to: URL(fileURLWithPath: cli.path("labels.npy")))
            return ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 4, columns: 2, seed: 1), "x.npy"), "--labels", cli.path("labels.npy")]
        },
        cli(.labelOverflow, ["labels_u8_too_big.npy", "does not fit in Int64"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"),
             "--labels", codecFixtures.appendingPathComponent("labels_u8_too_big.npy").path]
        },
        cli(.memberOfSingleMatrix, ["x.npy", "holds one matrix", "'emb'"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"), "--member", "emb"]
        },
        cli(.noSuchMember, ["three.npz", "no array 'nope'", "emb, other, labels"], base: false) { _ in
            ["register", "x/d", "--embeddings", codecFixtures.appendingPathComponent("three.npz").path, "--member", "nope"]
        },
        register(.noMembers, ["bad.safetensors", "holds no tensors"], name: "bad.safetensors", bytes: safetensorsBytes("{}")),
        cli(.memberNeeded, ["two.safetensors", "holds 2 tensors", "--member NAME"], base: false) { _ in
            ["register", "x/d", "--embeddings", codecFixtures.appendingPathComponent("two.safetensors").path]
        },
        register(.corruptZip, ["bad.npz", "no end-of-central-directory record"], name: "bad.npz",
                 bytes: Array(try! fixtureBytes("one_3x5_compressed.npz").prefix(100))),
        register(.npzMemberTruncated, ["bad.npz", "member 'emb.npy' needs"], name: "bad.npz",
                 bytes: try! patchedNPZ { bytes, directory, _ in bytes[directory + 22] = 0x10 }),
        register(.zipChecksum, ["bad.npz[emb.npy]", "CRC-32 mismatch"], name: "bad.npz",
                 bytes: try! patchedNPZ { bytes, directory, _ in bytes[directory + 16] ^= 0xFF }),
        register(.zipMethod, ["bad.npz[emb.npy]", "compression method 12"], name: "bad.npz",
                 bytes: try! patchedNPZ { bytes, directory, _ in bytes[directory + 10] = 12 }),
        register(.inflate, ["bad.npz[emb.npy]", "cannot inflate"], name: "bad.npz",
                 bytes: try! patchedNPZ { bytes, _, data in bytes[data] = 0x07 }),  // BFINAL, reserved block type 11
        built(.zlibInit, ["zlib inflateInit2 failed", "out of memory?"]) {
            // zlib fails to set up a stream only when memory runs out.
            .zlibInit(detail: nil)
        },
        register(.inflatedSize, ["bad.npz[emb.npy]", "the archive records"], name: "bad.npz",
                 bytes: try! patchedNPZ { bytes, directory, _ in bytes[directory + 25] &+= 1 }),  // 256 more than it holds
        register(.safetensorsTruncated, ["bad.safetensors", "truncated safetensors file: 5 bytes"], name: "bad.safetensors",
                 bytes: [1, 2, 3, 4, 5]),
        register(.safetensorsHeaderLength, ["bad.safetensors", "header length 1099511627776 points past the end"], name: "bad.safetensors",
                 bytes: safetensorsBytes(#"{"e":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}}"#, dataBytes: 4, declaredLength: 1 << 40)),
        register(.safetensorsHeader, ["bad.safetensors", "tensor 'e' needs dtype"], name: "bad.safetensors",
                 bytes: safetensorsBytes(#"{"e":{"dtype":"F32","shape":"2x3"}}"#, dataBytes: 24)),
        register(.vecsEmpty, ["bad.fvecs", "empty .fvecs file"], name: "bad.fvecs", bytes: []),
        register(.vecsTruncated, ["bad.fvecs", "truncated .fvecs file: 2 bytes"], name: "bad.fvecs", bytes: [1, 0]),
        register(.vecsDimension, ["bad.fvecs", "row 0 declares dimension 0"], name: "bad.fvecs", bytes: le32(0) + [0, 0, 0, 0]),
        register(.vecsPartialRow, ["bad.fvecs", "not a whole number of rows of dimension 2", "1 rows and 3 bytes left over"], name: "bad.fvecs",
                 bytes: le32(2) + [UInt8](repeating: 0, count: 8) + [1, 2, 3]),
        register(.vecsRagged, ["bad.fvecs", "row 1 declares dimension 1, but row 0 declares 2"], name: "bad.fvecs",
                 bytes: le32(2) + [UInt8](repeating: 0, count: 8) + le32(1) + [UInt8](repeating: 0, count: 8)),
        api(.writerOverflow, ["w.npy", "too many values", "2 x 2 = 4 floats, 6 appended"]) { cli in
            // A writer's caller's bug: it appends more rows than it declared.
            let writer = try EmbeddingFile.writer(format: .npy, path: cli.path("w.npy"), rows: 2, columns: 2)
            try writer.append(seededMatrix(rows: 3, columns: 2, seed: 1))
        },
        api(.writerIncomplete, ["w.fvecs", "incomplete", "2 rows of 2", "1 rows (2 floats)"]) { cli in
            let writer = try EmbeddingFile.writer(format: .fvecs, path: cli.path("w.fvecs"), rows: 2, columns: 2)
            try writer.append(seededMatrix(rows: 1, columns: 2, seed: 1))
            try writer.finish()
        },
        api(.fvecsColumns, ["w.fvecs", "an .fvecs row needs at least one column"]) { cli in
            try EmbeddingFile.write(Matrix<Float>(rows: 2, columns: 0), to: cli.path("w.fvecs"), format: .fvecs)
        },
        api(.unwritableFormat, ["w.npz", "cannot write npz", "npy, safetensors, fvecs"]) { cli in
            // The CLI's --format offers only the writable formats.
            try EmbeddingFile.write(seededMatrix(rows: 2, columns: 2, seed: 1), to: cli.path("w.npz"), format: .npz)
        },
        cli(.textFileUnreadable, ["keys file", "missing.txt", "cannot be read"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"), "--keys", cli.path("missing.txt")]
        },
        cli(.textFileNotUTF8, ["keys file", "k.txt", "not UTF-8 text"], base: false) { cli in
            try Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A, 0x63, 0x0A]).write(to: URL(fileURLWithPath: cli.path("k.txt")))
            return ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"), "--keys", cli.path("k.txt")]
        },
        cli(.lineCount, ["k.txt", "has 2 lines; expected 3", "x.npy"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"),
             "--keys", try cli.writeLines(["a", "b"], "k.txt")]
        },
        cli(.emptyKey, ["k.txt", "line 2: empty key"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"),
             "--keys", try cli.writeLines(["a", "", "c"], "k.txt")]
        },
        cli(.duplicateKey, ["k.txt", "duplicate key 'a'", "lines 1 and 3"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"),
             "--keys", try cli.writeLines(["a", "b", "a"], "k.txt")]
        },
        cli(.keysMismatch, ["do not match dataset 'd' (40 items)", "1 missing (e.g. '39')", "1 extra (e.g. 'zz')"]) { cli in
            ["register", "z/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 40, columns: 4, seed: 9), "z.npy"),
             "--keys", try cli.writeLines((0..<39).map(String.init) + ["zz"], "k.txt")]
        },
        cli(.annotationConflict, ["label file", "l.txt", "key '0'", "stored 'x', given 'q'"]) { cli in
            ["register", "z/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 40, columns: 4, seed: 9), "z.npy"),
             "--labels", try cli.writeLines(Array(repeating: "q", count: 40), "l.txt")]
        },
        register(.zeroColumns, ["bad.npy", "0 columns; expected at least 1"],
                 bytes: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }")),
        cli(.nonFiniteEmbedding, ["nan.npy", "row 2, column 1 is nan", "NaN and ±Inf are refused"], base: false) { cli in
            var m = seededMatrix(rows: 4, columns: 2, seed: 1)
            m[2, 1] = .nan
            return ["register", "x/d", "--embeddings", try cli.writeNPY(m, "nan.npy")]
        },
        cli(.nonFiniteQuery, ["query file", "q.npy", "row 1, column 0 is inf", "queries must be finite"]) { cli in
            var m = seededMatrix(rows: 2, columns: 4, seed: 1)
            m[1, 0] = .infinity
            return ["translate", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--input", try cli.writeNPY(m, "q.npy"), "--output", cli.path("o.npy")]
        },
        cli(.queryFileDimension, ["query file", "q.npy", "has 3 columns; expected 4", "the dimension of a/d"]) { cli in
            ["translate", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--input", try cli.writeNPY(seededMatrix(rows: 2, columns: 3, seed: 1), "q.npy"),
             "--output", cli.path("o.npy")]
        },
    ]

    // MARK: E02 usage

    static let usage: [ErrorCase] = [
        cli(.arguments, ["Unknown option '--bogus'", "(see latentdb --help)"], base: false) { _ in ["ls", "--bogus"] },
        cli(.spaceNameSlashes, ["space name 'no-slash'", "expected MODEL/DATASET", "found 0 '/'"], base: false) { _ in ["info", "no-slash"] },
        cli(.nameEmpty, ["model name is empty"], base: false) { _ in ["info", "/d"] },
        cli(.nameTooLong, ["dataset name 'dddddddddddddddddddd…'", "longer than 128 characters"], base: false) { _ in
            ["info", "m/" + String(repeating: "d", count: 130)]
        },
        cli(.nameCharacters, ["model name 'a!b'", "only letters, digits"], base: false) { _ in ["info", "a!b/d"] },
        cli(.unknownCodec, ["unknown codec 'zip'", "bitshuffle-lz4"], base: false) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 2, columns: 2, seed: 1), "x.npy"), "--codec", "zip"]
        },
        cli(.gateSyntax, ["gate 'mrr'", "METRIC:VALUE", "METRIC>=VALUE, quoted", "e.g. mrr:0.9"]) { _ in
            ["migrate", "--from", "a/d", "--to", "b/d", "--as", "b/e2", "--anchors", "pairs", "--gate", "mrr"]
        },
        api(.needsFromAndTo, ["--via-hub needs --from and --to spaces"]) { cli in
            // The CLI always passes --from and --to; the library checks for its other callers.
            try SharedStore.copy(to: cli)
            _ = try LatentStore(path: cli.store).resolveTranslator(from: nil, to: nil, choice: .hub("h"))
        },
        api(.keysNeedFrom, ["--key/--keys need --from MODEL/DATASET"]) { cli in
            try SharedStore.copy(to: cli)
            _ = try LatentStore(path: cli.store).queries(.keys(["0"]), from: nil, expectedDimension: nil)
        },
        api(.translateNeedsMap, ["translate needs --anchors with --method, or --translator"]) { cli in
            try SharedStore.copy(to: cli)
            _ = try LatentStore(path: cli.store).translate(from: nil, to: nil, choice: .identity, input: .keys(["0"]), output: cli.path("o.npy"))
        },
        cli(.hubTooFewSpaces, ["a hub needs at least 2 spaces, found 1"]) { _ in ["hub", "create", "h2", "--spaces", "a/d", "--anchors", "pairs"] },
        cli(.hubRepeatsSpace, ["hub 'h2'", "a space is listed twice"]) { _ in ["hub", "create", "h2", "--spaces", "a/d,a/d", "--anchors", "pairs"] },
        cli(.negativeRefine, ["--refine -1", "expected 0 or more rounds"]) { _ in
            ["fit", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--refine=-1"]
        },
        cli(.ridgeLambdaOption, ["--ridge-lambda 0.0", "expected a positive number"]) { _ in
            ["knn", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--key", "0", "--ridge-lambda", "0"]
        },
        cli(.conflictingOptions, ["give --anchors/--method or --translator, not both"]) { _ in
            ["knn", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--translator", "ab", "--key", "0"]
        },
        cli(.missingOption, ["without --from and --to, translating needs --translator ID"]) { cli in
            ["translate", "--input", cli.path("q.npy"), "--output", cli.path("o.npy")]
        },
        cli(.anchorCountOption, ["--count 1: 2 anchors needed at least"]) { _ in
            ["anchors", "create", "one", "--from", "a/d", "--to", "b/d", "--count", "1"]
        },
        cli(.sweepAnchorsOption, ["--sweep-anchors: '1' is not a count of at least 2"]) { _ in
            ["eval", "--from", "a/d", "--to", "b/d", "--sweep-anchors", "1"]
        },
        cli(.unknownMethod, ["unknown method 'magic'", "ortho"]) { _ in ["eval", "--from", "a/d", "--to", "b/d", "--methods", "magic"] },
        cli(.unknownDecoder, ["unknown decoder 'tree'", "knn, linear"]) { _ in ["eval", "--from", "a/d", "--to", "b/d", "--decoder", "tree"] },
        cli(.testFractionOption, ["--test-fraction 2.0", "expected a value in (0, 1)"]) { _ in
            ["eval", "--from", "a/d", "--to", "b/d", "--test-fraction", "2"]
        },
        cli(.kOption, ["-k 0: must be at least 1"]) { _ in ["knn", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--key", "0", "-k", "0"] },
    ]

    // MARK: E03 the store and I/O

    static let store: [ErrorCase] = [
        cli(.storeIO, ["store", "unable to open database file"], base: false) { cli in
            // A directory where the store should be: SQLite cannot open it.
            try FileManager.default.createDirectory(atPath: cli.path("dir.db"), withIntermediateDirectories: false)
            return ["ls", "--db", cli.path("dir.db")]
        },
        built(.storeUnreadable, ["cannot read store /x.db"]) {
            // An existing file this user may not read; the tests run as root, which reads anything.
            .storeUnreadable(path: "/x.db")
        },
        cli(.notAStore, ["not a LatentDB store (not an SQLite database)"], base: false) { cli in
            try Data("just some text, definitely not SQLite".utf8).write(to: URL(fileURLWithPath: cli.store))
            return ["ls"]
        },
        cli(.foreignDatabase, ["an SQLite database but not a LatentDB store", "application_id 1"]) { cli in
            // SQLite keeps application_id at byte offset 68 of the database header (big-endian).
            var bytes = try Data(contentsOf: URL(fileURLWithPath: cli.store))
            bytes[68] = 0; bytes[69] = 0; bytes[70] = 0; bytes[71] = 1
            try bytes.write(to: URL(fileURLWithPath: cli.store))
            return ["ls"]
        },
        cli(.storeNewer, ["format version 99", "newer than this build supports", "upgrade latentdb"]) { cli in
            var bytes = try Data(contentsOf: URL(fileURLWithPath: cli.store))
            bytes[60] = 0; bytes[61] = 0; bytes[62] = 0; bytes[63] = 99
            try bytes.write(to: URL(fileURLWithPath: cli.store))
            return ["ls"]
        },
        cli(.storeCorrupt, ["is corrupt", "run `latentdb check`"]) { cli in
            // Garbage over every page but the first (the schema): the tables' b-trees break.
            var bytes = try Data(contentsOf: URL(fileURLWithPath: cli.store))
            let pageSize = Int(bytes[16]) << 8 | Int(bytes[17])
            let size = pageSize == 1 ? 65536 : pageSize
            for i in size ..< bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
            try bytes.write(to: URL(fileURLWithPath: cli.store))
            return ["ls"]
        },
        built(.storeInconsistent, ["dataset id 7 has no item at row 3", "run `latentdb check`"]) {
            // The schema's foreign keys and the transactions around every write make this
            // unreachable short of editing the store with another SQLite client.
            .storeInconsistent(path: "/x.db", .itemMissing(datasetID: 7, row: 3))
        },
        cli(.storeFull, ["is full", "nothing was written"], base: false, environment: ["LATENTDB_MAX_PAGE_COUNT": "12"]) { cli in
            ["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 1_000, columns: 400, seed: 3), "big.npy")]
        },
        api(.spacesKeptChanging, ["a/d replaced by another process during each of 3 attempts", "try again"]) { cli in
            // A "writer" that replaces a/d with new content inside every attempt, between the
            // versions noted and the read that confirms them.
            try SharedStore.copy(to: cli)
            let store = try LatentStore(path: cli.store)
            let name = try SpaceName(parsing: "a/d")
            var attempt: UInt64 = 0
            _ = try store.withStableVersions([name]) { confirm in
                attempt += 1
                let path = try cli.writeNPY(seededMatrix(rows: 40, columns: 4, seed: 100 + attempt), "r\(attempt).npy")
                _ = try store.register(RegisterRequest(name: name, embeddingsPath: path, replace: true))
                try store.read { try confirm($0) }
            }
        },
        built(.storeBusy, ["is busy", "another writer held it too long", "database is locked"]) {
            // Needs a writer that holds the store past the busy timeout; ConcurrencyTests show
            // that ordinary concurrent writers wait for each other instead.
            .storeBusy(path: "/x.db", detail: "database is locked")
        },
        cli(.corruptBlock, ["space a/d, block 0 (rows 0–39) is corrupt", "run `latentdb check`"]) { cli in
            // One payload byte of every stored block flipped, in the main file or the WAL.
            for file in [cli.store, cli.store + "-wal"] where FileManager.default.fileExists(atPath: file) {
                var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                var from = bytes.startIndex
                while let range = bytes.range(of: Data(BlockHeader.magic), in: from..<bytes.endIndex) {
                    bytes[range.lowerBound + BlockHeader.size + 20] ^= 0x40
                    from = range.upperBound
                }
                try bytes.write(to: URL(fileURLWithPath: file))
            }
            return ["export", "a/d", "--output", cli.path("o.npy")]
        },
        built(.blockShape, ["space a/d, block 2: holds 5 × 4, expected 6 × 4"]) {
            // A block's header and its row in the store are written in one transaction from the
            // same values: only an outside edit of the store separates them.
            .blockShape(space: "a/d", block: 2, rows: 5, columns: 4, expectedRows: 6, expectedColumns: 4)
        },
        built(.blockRowGap, ["space a/d: block 1 starts at row 7, expected 6"]) {
            .blockRowGap(space: "a/d", block: 1, firstRow: 7, expected: 6)
        },
        built(.blockRowTotal, ["space a/d: blocks hold 30 rows, expected 40"]) {
            .blockRowTotal(space: "a/d", rows: 30, expected: 40)
        },
        api(.blockHeader, ["block: block format version 2 is newer than this build supports (1)"]) { _ in
            var blob = EmbeddingBlock.encode(seededMatrix(rows: 2, columns: 2, seed: 1))
            blob[4] = 2
            _ = try EmbeddingBlock.header(of: blob)
        },
        api(.blockSize, ["block: expected", "payload bytes, found"]) { _ in
            _ = try EmbeddingBlock.header(of: EmbeddingBlock.encode(seededMatrix(rows: 2, columns: 2, seed: 1)).dropLast(1).map { $0 })
        },
        api(.blockChecksum, ["block: checksum mismatch", "corrupt block"]) { _ in
            var blob = EmbeddingBlock.encode(seededMatrix(rows: 2, columns: 2, seed: 1))
            blob[blob.count - 1] ^= 0x01
            _ = try EmbeddingBlock.decode(blob)
        },
        cli(.cannotWrite, ["cannot write", "no-such-dir/plot.svg"]) { cli in
            ["eval", "--from", "a/d", "--to", "b/d", "--methods", "ortho", "--decoder", "knn", "--sweep-anchors", "4,8",
             "--plot", cli.path("no-such-dir/plot.svg")]
        },
        cli(.cannotWriteTranslatorFile, ["cannot write translator file", "no-such-dir/t.ldbt"]) { cli in
            ["translator", "export", try SharedStore.linearTranslator, "--output", cli.path("no-such-dir/t.ldbt")]
        },
        api(.translatorParameters, ["translator parameters: not a LatentDB translator", "4 bytes"]) { _ in
            _ = try TranslatorParameters.decode(Array("LDBT".utf8))
        },
        api(.parametersTruncated, ["truncated: needed 5 bytes at offset 0, 2 left"]) { _ in
            var reader = ByteReader(bytes: [1, 2])
            _ = try reader.bytes(5)
        },
        api(.decoderParameters, ["decoder parameters: inconsistent shapes"]) { _ in
            var bytes: [UInt8] = []
            for m in [Matrix<Float>(rows: 1, columns: 2), Matrix<Float>(rows: 3, columns: 2), Matrix<Float>(rows: 1, columns: 2)] {
                let block = EmbeddingBlock.encode(m)
                TranslatorParameters.append(&bytes, UInt64(block.count))
                bytes += block
            }
            _ = try RidgeParameters.decode(bytes)
        },
        built(.translatorRecordShape, ["translator 0123456789ab: parameters are 4 → 3, record says 4 → 4"]) {
            // A translator's record and parameters are written together from one fitted value.
            .translatorRecordShape(fingerprint: "0123456789ab", parameters: (4, 3), record: (4, 4))
        },
        built(.integrityCheck, ["SQLite integrity check failed: store /x.db is corrupt"]) {
            // `check` reports it as a problem (stdout), when PRAGMA integrity_check itself fails.
            .integrityCheck(cause: "store /x.db is corrupt: database disk image is malformed")
        },
        api(.unexpected, ["an error of no known kind"]) { _ in
            struct Stray: Error, CustomStringConvertible { var description: String { "an error of no known kind" } }
            throw LatentError.classify(Stray())
        },
    ]

    // MARK: E04 what the store holds

    static let storeContents: [ErrorCase] = [
        cli(.noStore, ["no store at", "latentdb init"], base: false) { _ in ["ls"] },
        cli(.unknownSpace, ["unknown space 'nope/d'", "known: a/d"]) { _ in ["info", "nope/d"] },
        cli(.spaceExists, ["space a/d already exists (40 × 4)", "--replace"]) { cli in
            ["register", "a/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 40, columns: 4, seed: 9), "x.npy")]
        },
        cli(.unknownAnchorSet, ["unknown anchor set 'nope'", "known: "]) { _ in ["fit", "--from", "a/d", "--to", "b/d", "--anchors", "nope"] },
        cli(.unknownTranslator, ["no translator with id 'ffffffff'", "latentdb translators ls"]) { cli in
            ["translator", "export", "ffffffff", "--output", cli.path("t.ldbt")]
        },
        cli(.ambiguousTranslator, ["is ambiguous", "starts 2 fingerprints"]) { cli in
            ["translator", "export", "", "--output", cli.path("t.ldbt")]
        },
        cli(.unknownHub, ["unknown hub 'nope'"]) { _ in ["hub", "rm", "nope"] },
        cli(.hubMissingSpace, ["hub 'h' does not contain c/e", "members: a/d, b/d"]) { cli in
            ["translate", "--from", "a/d", "--to", "c/e", "--via-hub", "h", "--key", "0", "--output", cli.path("o.npy")]
        },
        ErrorCase(code: .hubStale, fragments: ["hub 'h' is stale for a/d", "latentdb hub create h"]) { cli in
            try SharedStore.copy(to: cli)
            try cli.ok(["register", "a/d", "--replace", "--embeddings", try cli.writeNPY(seededMatrix(rows: 40, columns: 4, seed: 8), "x.npy")])
            return .cli(try cli.run(["translate", "--from", "a/d", "--to", "b/d", "--via-hub", "h", "--key", "0", "--output", cli.path("o.npy")]))
        },
        built(.storeConstraint, ["constraint failed", "UNIQUE constraint failed: space.name"]) {
            // Every insert is checked beforehand (`register` refuses an existing space without
            // --replace), so only a race the transactions exclude would reach the constraint.
            .storeConstraint(path: "/x.db", detail: "UNIQUE constraint failed: space.name")
        },
        cli(.maxPageCount, ["LATENTDB_MAX_PAGE_COUNT must be a positive number of pages", "'lots'"], base: false,
            environment: ["LATENTDB_MAX_PAGE_COUNT": "lots"]) { _ in ["init"] },
    ]

    // MARK: E05 anchors

    static let anchors: [ErrorCase] = [
        cli(.anchorSetTooSmall, ["anchor set 'one': 2 anchors needed, found 1"]) { cli in
            ["anchors", "create", "one", "--from", "a/d", "--to", "b/d", "--file", try cli.writeLines(["0"], "f.txt")]
        },
        cli(.anchorSetExists, ["anchor set 'pairs' already exists (20 pairs)", "--replace"]) { _ in
            ["anchors", "create", "pairs", "--from", "a/d", "--to", "b/d", "--count", "5"]
        },
        cli(.crossDatasetSampling, ["a/d and c/e are different datasets", "--file"]) { _ in
            ["anchors", "create", "x", "--from", "a/d", "--to", "c/e", "--count", "5"]
        },
        cli(.stratifiedNeedsLabels, ["--stratified needs labels", "dataset 'e' has none"]) { _ in
            ["anchors", "create", "x", "--from", "c/e", "--to", "c2/e", "--count", "5", "--stratified"]
        },
        cli(.anchorFileNeedsPair, ["f.txt, line 1", "datasets 'd' and 'e' differ", "SOURCE_KEY<TAB>TARGET_KEY"]) { cli in
            ["anchors", "create", "x", "--from", "a/d", "--to", "c/e", "--file", try cli.writeLines(["0", "1"], "f.txt")]
        },
        cli(.anchorFileFields, ["f.txt, line 2", "found 3 tab-separated fields"]) { cli in
            ["anchors", "create", "x", "--from", "a/d", "--to", "b/d", "--file", try cli.writeLines(["0", "1\t1\t1"], "f.txt")]
        },
        cli(.anchorFileRepeat, ["f.txt", "the pair on line 3 repeats line 1"]) { cli in
            ["anchors", "create", "x", "--from", "a/d", "--to", "b/d", "--file", try cli.writeLines(["0", "1", "0"], "f.txt")]
        },
        cli(.anchorFileUnknownKeys, ["f.txt", "1 keys not in the store", "zz"]) { cli in
            ["anchors", "create", "x", "--from", "a/d", "--to", "b/d", "--file", try cli.writeLines(["0", "1", "zz"], "f.txt")]
        },
        cli(.anchorSetDatasets, ["anchor set 'pairs' pairs datasets 'd' → 'd', not 'e' → 'e'"]) { _ in
            ["fit", "--from", "c/e", "--to", "c2/e", "--anchors", "pairs"]
        },
        built(.anchorKeysMissing, ["anchor set 'pairs': 2 keys missing from a/d", "'7', '9'"]) {
            // An anchor set's keys are checked against its datasets when it is made, and a
            // dataset's keys never change while a space (or anchor set) refers to it.
            .anchorKeysMissing("pairs", space: "a/d", missing: ["7", "9"])
        },
        cli(.hubDatasetNotPaired, ["hub 'h2': c/e belongs to dataset 'e'", "anchor set 'pairs' does not pair ('d' ↔ 'd')"]) { _ in
            ["hub", "create", "h2", "--spaces", "a/d,c/e", "--anchors", "pairs"]
        },
        cli(.qualityTooFewAnchors, ["anchor set 'small' has 3 pairs", "needs at least 4"]) { _ in
            ["migrate", "--from", "a/d", "--to", "b/d", "--as", "b/m", "--anchors", "small"]
        },
        cli(.autoTooFewAnchors, ["auto needs at least 10 anchors for 5 folds", "found 3"]) { _ in
            ["fit", "--from", "a/d", "--to", "b/d", "--anchors", "small", "--method", "auto"]
        },
        cli(.refineNeedsUnpaired, ["--refine needs unpaired items", "none found"]) { _ in
            ["fit", "--from", "a/d", "--to", "b/d", "--anchors", "all", "--refine", "1"]
        },
    ]

    // MARK: E06 translators

    static let translators: [ErrorCase] = [
        cli(.translatorModels, ["translates model 'a' → 'b', not 'c' → …"]) { cli in
            ["translate", "--from", "c/e", "--to", "b/e", "--translator", try SharedStore.linearTranslator, "--key", "0", "--output", cli.path("o.npy")]
        },
        cli(.translatorTargetModel, ["translates into model 'b', not 'c'"]) { cli in
            ["translate", "--from", "a/d", "--to", "c/e", "--translator", try SharedStore.linearTranslator, "--key", "0", "--output", cli.path("o.npy")]
        },
        cli(.noChainStep, ["chain a/d → b/d → c/e", "no cached ortho translator for b/d → c/e", "no --anchors"]) { cli in
            ["translate", "--from", "a/d", "--via", "b/d", "--to", "c/e", "--key", "0", "--output", cli.path("o.npy")]
        },
        cli(.translatorFile, ["translator file", "t.ldbt", "not a LatentDB translator file (bad magic)"]) { cli in
            try Data("not a translator".utf8).write(to: URL(fileURLWithPath: cli.path("t.ldbt")))
            return ["translator", "import", cli.path("t.ldbt")]
        },
        api(.tooFewAnchors, ["2 anchors needed, found 1"]) { _ in
            _ = try Translator.fit(source: seededMatrix(rows: 1, columns: 2, seed: 1), target: seededMatrix(rows: 1, columns: 2, seed: 2),
                                   estimator: .ortho, scaling: .standard)
        },
        api(.anchorCountMismatch, ["anchor counts differ: 3 source rows, 2 target rows"]) { _ in
            _ = try Translator.fit(source: seededMatrix(rows: 3, columns: 2, seed: 1), target: seededMatrix(rows: 2, columns: 2, seed: 2),
                                   estimator: .ortho, scaling: .standard)
        },
        api(.nonFiniteAnchors, ["target anchors contain NaN or infinity at row 1, column 0"]) { _ in
            var target = seededMatrix(rows: 3, columns: 2, seed: 2)
            target[1, 0] = .nan
            _ = try Translator.fit(source: seededMatrix(rows: 3, columns: 2, seed: 1), target: target, estimator: .ortho, scaling: .standard)
        },
        built(.fitFailed, ["fitting failed: dgesdd did not converge"]) {
            // LAPACK's SVD converges on every finite input we could construct (see E0901).
            TranslationError(.numerical(LinearAlgebraError(kind: .noConvergence, routine: "dgesdd", info: 2))).diagnostic
        },
        api(.notInvertible, ["a 'linear' translator has no inverse (only 'ortho' does)"]) { _ in
            let (translator, _) = try Translator.fit(source: seededMatrix(rows: 6, columns: 2, seed: 1), target: seededMatrix(rows: 6, columns: 2, seed: 2),
                                                     estimator: .linear, scaling: .standard)
            _ = try translator.inverse()
        },
        api(.ridgeLambda, ["ridge lambda must be finite and > 0, found -1.0"]) { _ in
            _ = try Translator.fit(source: seededMatrix(rows: 3, columns: 2, seed: 1), target: seededMatrix(rows: 3, columns: 2, seed: 2),
                                   estimator: .ridge, scaling: .standard, ridgeLambda: -1)
        },
        api(.translatorInputColumns, ["expected 2 columns, found 3"]) { _ in
            let (translator, _) = try Translator.fit(source: seededMatrix(rows: 6, columns: 2, seed: 1), target: seededMatrix(rows: 6, columns: 2, seed: 2),
                                                     estimator: .ortho, scaling: .standard)
            _ = try translator.translateChecked(seededMatrix(rows: 1, columns: 3, seed: 3))
        },
    ]

    // MARK: E07 queries and decoders

    static let queries: [ErrorCase] = [
        api(.kTooSmall, ["k must be at least 1, found 0"]) { cli in
            // The CLI refuses -k 0 itself (E0222); the library checks for its other callers.
            try SharedStore.copy(to: cli)
            _ = try LatentStore(path: cli.store).knn(from: try SpaceName(parsing: "a/d"), to: try SpaceName(parsing: "a/d"),
                                                      choice: .identity, input: .keys(["0"]), k: 0)
        },
        cli(.noQueryKeys, ["no query keys given"]) { cli in
            try Data().write(to: URL(fileURLWithPath: cli.path("k.txt")))
            return ["knn", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--keys", cli.path("k.txt")]
        },
        cli(.unknownKeys, ["1 unknown keys in a/d", "'zz'"]) { _ in ["knn", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--key", "zz"] },
        cli(.queryDimension, ["a/e has 3 dimensions; the translator expects 4"]) { _ in
            ["knn", "--from", "a/e", "--to", "b/d", "--translator", try SharedStore.linearTranslator, "--key", "0"]
        },
        cli(.kTooLarge, ["k = 100 is larger than b/d, which has 40 items"]) { _ in
            ["knn", "--from", "a/d", "--to", "b/d", "--anchors", "pairs", "--key", "0", "-k", "100"]
        },
        cli(.translatedDimension, ["queries have 4 dimensions after translation; b/e has 3"]) { _ in
            ["knn", "--from", "a/d", "--to", "b/e", "--translator", try SharedStore.linearTranslator, "--key", "0"]
        },
        cli(.noLabels, ["c2/e has no labelled items", "register dataset 'e' with --labels"]) { _ in
            ["classify", "--from", "c/e", "--to", "c2/e", "--anchors", "epairs", "--key", "0"]
        },
        api(.kOutOfRange, ["k = 6 is out of range: expected 1 ... 5"]) { _ in
            _ = try NeighborAccumulator.search(queries: seededMatrix(rows: 1, columns: 2, seed: 1), database: seededMatrix(rows: 5, columns: 2, seed: 2),
                                               k: 6, metric: .cosine)
        },
        api(.emptyTraining, ["the training set is empty"]) { _ in
            _ = try KNNClassifier(train: Matrix<Float>(rows: 0, columns: 2), labels: [], classCount: 1)
        },
        api(.dimensionMismatch, ["CSLS targets has dimension 3, expected 2"]) { _ in
            _ = try CSLS.cslsScores(seededMatrix(rows: 2, columns: 2, seed: 1), seededMatrix(rows: 2, columns: 3, seed: 2))
        },
        api(.rowCountMismatch, ["truth has 2 rows, expected 3"]) { _ in
            _ = try RetrievalMetrics.retrieval(translated: seededMatrix(rows: 3, columns: 2, seed: 1), truth: seededMatrix(rows: 2, columns: 2, seed: 2))
        },
        api(.nonFiniteValue, ["database row 2, column 1 is NaN or infinite"]) { _ in
            var database = seededMatrix(rows: 4, columns: 2, seed: 2)
            database[2, 1] = .nan
            _ = try NeighborAccumulator.search(queries: seededMatrix(rows: 1, columns: 2, seed: 1), database: database, k: 1, metric: .cosine)
        },
        api(.labelCount, ["2 labels given for 3 training rows"]) { _ in
            _ = try KNNClassifier(train: seededMatrix(rows: 3, columns: 2, seed: 1), labels: [0, 1], classCount: 2)
        },
        api(.labelOutOfRange, ["label 5 of training row 1 is outside 0..<2"]) { _ in
            _ = try KNNClassifier(train: seededMatrix(rows: 3, columns: 2, seed: 1), labels: [0, 5, 1], classCount: 2)
        },
        api(.classCount, ["class count 0 must be at least 1"]) { _ in
            _ = try KNNClassifier(train: seededMatrix(rows: 3, columns: 2, seed: 1), labels: [0, 0, 0], classCount: 0)
        },
        built(.notPositiveDefinite, ["ridge system (4 × 4) is not positive definite (dposv info 3)", "are all training rows identical?"]) {
            // The ridge term keeps the system positive definite for any finite training rows.
            .notPositiveDefinite(order: 4, info: 3)
        },
    ]

    // MARK: E08 evaluation, migration, hubs and model selection

    static let evaluation: [ErrorCase] = [
        cli(.evalDatasets, ["eval compares a/d and c/e item by item", "('d' ≠ 'e')"]) { _ in ["eval", "--from", "a/d", "--to", "c/e"] },
        cli(.emptyTestSplit, ["dataset 's' has an empty test split"], base: false) { cli in
            let split = try cli.writeLines(Array(repeating: "train", count: 10), "split.txt")
            for name in ["s1/s", "s2/s"] {
                try cli.ok(["register", name, "--embeddings", try cli.writeNPY(seededMatrix(rows: 10, columns: 2, seed: 1), "\(name.prefix(2)).npy"),
                            "--split", split])
            }
            return ["eval", "--from", "s1/s", "--to", "s2/s", "--count", "4"]
        },
        api(.evalTooFewAnchors, ["eval needs at least 2 anchors, found 1"]) { cli in
            // The CLI refuses --count 1 itself (E0217); the library checks for its other callers.
            try SharedStore.copy(to: cli)
            _ = try LatentStore(path: cli.store).evaluate(EvalRequest(from: try SpaceName(parsing: "a/d"), to: try SpaceName(parsing: "b/d"),
                                                                      anchors: .sampled(count: 1, seed: 0, sampler: .uniform)))
        },
        cli(.gateFailed, ["migration of a/d to b/m failed its gate", "held-out mrr", "< 1.5"]) { _ in
            ["migrate", "--from", "a/d", "--to", "b/d", "--as", "b/m", "--anchors", "pairs", "--gate", "mrr>=1.5"]
        },
        api(.noUnpairedItems, ["refinement needs unpaired items: none given"]) { _ in
            _ = try Refinement.refine(anchorsSource: seededMatrix(rows: 4, columns: 2, seed: 1), anchorsTarget: seededMatrix(rows: 4, columns: 2, seed: 2),
                                      unpairedSource: Matrix<Float>(rows: 0, columns: 2), unpairedTarget: Matrix<Float>(rows: 0, columns: 2), rounds: 1)
        },
        api(.invalidFolds, ["cross-validation needs at least 2 folds, found 1"]) { _ in
            _ = try ModelSelection.select(source: seededMatrix(rows: 10, columns: 2, seed: 1), target: seededMatrix(rows: 10, columns: 2, seed: 2),
                                          folds: 1, seed: 0)
        },
        api(.noCandidates, ["model selection needs at least one candidate"]) { _ in
            _ = try ModelSelection.select(source: seededMatrix(rows: 10, columns: 2, seed: 1), target: seededMatrix(rows: 10, columns: 2, seed: 2),
                                          candidates: [], seed: 0)
        },
        api(.allCandidatesFailed, ["every candidate failed to fit on at least one fold"]) { _ in
            _ = try ModelSelection.select(source: seededMatrix(rows: 10, columns: 2, seed: 1), target: seededMatrix(rows: 10, columns: 2, seed: 2),
                                          candidates: [Candidate(.ridge, .standard, ridgeLambda: -1)], seed: 0)
        },
        api(.parameterOutOfRange, ["cslsK = 0 is out of range"]) { _ in
            _ = try Refinement.refine(anchorsSource: seededMatrix(rows: 4, columns: 2, seed: 1), anchorsTarget: seededMatrix(rows: 4, columns: 2, seed: 2),
                                      unpairedSource: seededMatrix(rows: 3, columns: 2, seed: 3), unpairedTarget: seededMatrix(rows: 3, columns: 2, seed: 4),
                                      rounds: 1, cslsK: 0)
        },
        api(.hubNoSpaces, ["a hub needs at least one space"]) { _ in
            _ = try GeneralizedProcrustes.fit(spaces: [])
        },
        built(.hubFit, ["hub 'h': space 1 has 3 rows, expected 4"]) {
            // The store hands the hub fit equal, finite, checked rows: the fit's own checks
            // (AlignmentTests) cannot fail from the CLI.
            .hubFit(hub: "h", cause: AlignmentError(.rowCountMismatch(what: "space 1", expected: 4, found: 3)).description)
        },
    ]

    // MARK: E09 numerical failures

    static let numerical: [ErrorCase] = [
        built(.noConvergence, ["dgesdd did not converge (info = 2"]) {
            // dgesdd converges on every finite matrix we could construct; NaN input is refused
            // before any fit, so this stays a defensive report of LAPACK's info > 0.
            LinearAlgebraError(kind: .noConvergence, routine: "dgesdd", info: 2).diagnostic
        },
        api(.singular, ["dgesv: matrix is singular", "is exactly zero"]) { _ in
            _ = try solveSymmetricPositiveDefinite(Matrix<Double>(rows: 2, columns: 2), Matrix<Double>(rows: 2, columns: 1, repeating: 1))
        },
    ]
}

/// The retry behind `spacesKeptChanging`: one replacement between resolving and reading costs
/// one more attempt, and the answer is read from the version the last attempt resolved on.
@Test func aQueryRestartsWhenItsSpaceIsReplacedMidway() throws {
    let cli = try CLIHarness()
    try SharedStore.copy(to: cli)
    let store = try LatentStore(path: cli.store)
    let name = try SpaceName(parsing: "a/d")
    var attempts = 0
    let (noted, read) = try store.withStableVersions([name]) { confirm -> (String, String) in
        attempts += 1
        let noted = try store.read { try $0.space(name).version }
        if attempts == 1 {
            let path = try cli.writeNPY(seededMatrix(rows: 40, columns: 4, seed: 77), "replacement.npy")
            _ = try store.register(RegisterRequest(name: name, embeddingsPath: path, replace: true))
        }
        return (noted, try store.read { tx in try confirm(tx); return try tx.space(name).version })
    }
    #expect(attempts == 2)
    #expect(noted == read)
}
