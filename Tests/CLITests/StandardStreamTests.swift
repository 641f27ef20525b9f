import EmbeddingCodec
import Foundation
import LatentCore
import Testing

extension CLIHarness {
    /// Runs `latentdb --db STORE args…` with `input` written to its standard input through a
    /// pipe (from another thread, so that a command that writes while it reads cannot block),
    /// and its standard output kept as bytes.
    func run(_ args: [String], stdin input: [UInt8]) throws -> (result: Result, stdout: [UInt8]) {
        let process = makeProcess(args)
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        let writer = Thread {
            // A command that fails early stops reading: EPIPE is then expected, not an error.
            signal(SIGPIPE, SIG_IGN)
            input.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = write(inPipe.fileHandleForWriting.fileDescriptor, raw.baseAddress! + done, raw.count - done)
                    if n <= 0 { break }
                    done += n
                }
            }
            try? inPipe.fileHandleForWriting.close()
        }
        writer.start()
        // stderr is read on another thread so that neither pipe fills while the other is drained.
        let errBox = ErrBox()
        let errReader = Thread { errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !writer.isFinished || !errReader.isFinished { usleep(1000) }
        let err = errBox.data
        return (Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err, as: UTF8.self)), [UInt8](out))
    }

    private final class ErrBox: @unchecked Sendable { var data = Data() }

    /// The bytes of a file of this harness.
    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }
}

/// The JSON object of one line.
func jsonObject(_ line: some StringProtocol) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}

/// Arrays through standard input and output (`--embeddings -`, `--input -`, `--output -`), the
/// `--json` error object, the warning for a clamped anchor count, and the choices that an
/// invalid enum value lists: what the Python bridge relies on, through the real binary.
@Suite struct StandardStreamTests {
    static let sampleFile = CLIHarness.sample.appendingPathComponent("e5.npy").path

    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        return cli
    }

    // MARK: arrays through pipes

    @Test(arguments: ["<f4", "<f2", "<f8"])
    func registerFromStandardInputStoresWhatAFileWould(_ dtype: String) throws {
        let cli = try CLIHarness()
        var g = SeededGenerator(seed: 17)
        let m = Matrix<Float>(rows: 3000, columns: 37, elements: (0..<3000 * 37).map { _ in Float(Double(g.next() % 2001) / 1000 - 1) })
        // One file per dtype, written by the codec's writer (float32) or by hand (float16/64).
        let bytes: [UInt8]
        switch dtype {
        case "<f2": bytes = npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (3000, 37), }",
                                     data: m.elements.flatMap { withUnsafeBytes(of: Float16($0).bitPattern.littleEndian, Array.init) })
        case "<f8": bytes = npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3000, 37), }",
                                     data: m.elements.flatMap { withUnsafeBytes(of: Double($0).bitPattern.littleEndian, Array.init) })
        default:
            _ = try cli.writeNPY(m, "m.npy")
            bytes = try cli.bytes("m.npy")
        }
        try Data(bytes).write(to: URL(fileURLWithPath: cli.path("in.npy")))
        let piped = try cli.run(["register", "piped/d", "--embeddings", "-", "--json"], stdin: bytes).result
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(jsonObject(piped.stdout)?["sourceDType"] as? String == dtype)
        try cli.ok(["register", "filed/d", "--embeddings", cli.path("in.npy")])
        try cli.ok(["export", "piped/d", "--output", cli.path("piped.npy")])
        try cli.ok(["export", "filed/d", "--output", cli.path("filed.npy")])
        #expect(try cli.bytes("piped.npy") == cli.bytes("filed.npy"))
    }

    @Test func exportToStandardOutputIsByteIdenticalToTheFile() throws {
        let cli = try prepared()
        let (result, stdout) = try cli.run(["export", "e5/fortunes", "--output", "-", "--json"], stdin: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(stdout == [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.sampleFile))))
        // The summary moved to stderr: stdout holds the array alone.
        #expect(jsonObject(result.stderr.split(separator: "\n").last ?? "")?["rows"] as? Int == 1000)
    }

    @Test func translateBetweenPipesMatchesTheFiles() throws {
        let cli = try prepared()
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.sampleFile)))
        let (piped, stdout) = try cli.run(["translate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                                           "--input", "-", "--output", "-", "--json"], stdin: input)
        #expect(piped.status == 0, "\(piped.stderr)")
        try cli.ok(["translate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                    "--input", Self.sampleFile, "--output", cli.path("t.npy")])
        #expect(stdout == (try cli.bytes("t.npy")))
        let summary = jsonObject(piped.stderr.split(separator: "\n").last ?? "")
        #expect(summary?["rows"] as? Int == 1000 && (summary?["translator"] as? String)?.count == 32)
        // Without --json the human line goes to stderr too.
        let (quietless, again) = try cli.run(["translate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                                               "--input", "-", "--output", "-"], stdin: input)
        #expect(quietless.status == 0 && again == stdout && quietless.stderr.hasPrefix("translated 1000 rows"))
    }

    @Test func knnFromStandardInputAnswersAsFromAFile() throws {
        let cli = try prepared()
        let rows = try NPY.readMatrix(path: Self.sampleFile).matrix.gatherRows([3, 4, 11])
        let file = try cli.writeNPY(rows, "q.npy")
        let args = ["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "-k", "4", "--json"]
        let fromFile = try cli.ok(args + ["--input", file]).stdout
        let (piped, _) = try cli.run(args + ["--input", "-"], stdin: try cli.bytes("q.npy"))
        #expect(piped.status == 0 && piped.stdout == fromFile, "\(piped.stderr)")
        let classify = try cli.run(["classify", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                                    "--input", "-", "--json"], stdin: try cli.bytes("q.npy")).result
        #expect((jsonObject(classify.stdout)?["predictions"] as? [Any])?.count == 3, "\(classify.stderr)")
    }

    @Test func aBadStreamIsRefusedAndNothingIsStored() throws {
        let cli = try CLIHarness()
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.sampleFile)))
        for (bytes, code) in [(Array(whole.dropLast(100)), "E0160"), (whole + [0], "E0161"), (Array("hello".utf8), "E0162"),
                              (Array(whole.prefix(9)), "E0105")] {
            let result = try cli.run(["register", "x/d", "--embeddings", "-"], stdin: bytes).result
            #expect(result.status == 1 && result.stderr.hasPrefix("latentdb: error[\(code)]: standard input: "), "\(result.stderr)")
        }
        if FileManager.default.fileExists(atPath: cli.store) {
            #expect(try cli.ok(["ls", "--json"]).stdout == "[]\n")
        }
    }

    // MARK: the --json error object

    @Test(arguments: [
        (["info", "no/such"], "E0402", Int32(1)),          // from the library
        (["ls", "--bogus"], "E0201", Int32(2)),             // from the argument parser
        (["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3", "-k", "0"], "E0222", Int32(2)),  // from validate()
        (["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "nope"], "E0703", Int32(1)),
    ])
    func jsonFailuresPrintAnErrorObjectOnStdout(_ args: [String], _ code: String, _ status: Int32) throws {
        let cli = try prepared()
        let result = try cli.run(args + ["--json"])
        #expect(result.status == status)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("latentdb: error[\(code)]: "), "\(result.stderr)")
        let error = try #require(jsonObject(result.stdout)?["error"] as? [String: Any], "stdout: \(result.stdout)")
        #expect(error["code"] as? String == code && error["exit"] as? Int == Int(status))
        // The message is the line's, without the prefix.
        #expect("latentdb: error[\(code)]: " + (error["message"] as? String ?? "") == String(lines[0]))
        // Without --json: nothing on stdout.
        #expect(try cli.run(args).stdout.isEmpty)
    }

    @Test func withAnArrayOnStdoutTheErrorObjectGoesToStderr() throws {
        let cli = try prepared()
        let (result, stdout) = try cli.run(["export", "no/such", "--output", "-", "--json"], stdin: [])
        #expect(result.status == 1 && stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("latentdb: error[E0402]: "), "\(result.stderr)")
        #expect((jsonObject(lines[1])?["error"] as? [String: Any])?["code"] as? String == "E0402")
    }

    // MARK: warnings

    @Test func aClampedAnchorCountIsAWarning() throws {
        let cli = try prepared()
        let result = try cli.ok(["anchors", "create", "a5k", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "5000", "--json"])
        let summary = try #require(jsonObject(result.stdout))
        #expect(summary["count"] as? Int == 800)  // the train split of the sample
        let warnings = summary["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("has 800 anchors, fewer than the 5000 asked for") && $0.contains("800 train items") }, "\(warnings)")
        #expect(result.stderr.contains("latentdb: warning: anchor set 'a5k' has 800 anchors, fewer than the 5000 asked for"))
        // A count that fits says nothing of the kind.
        let fits = try cli.ok(["anchors", "create", "a400", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "400", "--json"])
        #expect(!fits.stderr.contains("asked for"))
    }

    // MARK: enum options list their choices

    /// Every option of every subcommand whose values are an enum, from the parser's own dump.
    static func enumOptions() throws -> [(path: [String], option: String, values: [String])] {
        let dump = try CLIHarness().run(["--experimental-dump-help"], withStore: false)
        let root = try #require(jsonObject(dump.stdout)?["command"] as? [String: Any], "dump: \(dump.stdout.prefix(200))")
        var found: [(path: [String], option: String, values: [String])] = []
        func visit(_ command: [String: Any], _ path: [String]) {
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["kind"] as? String == "option" {
                guard let values = argument["allValues"] as? [String], !values.isEmpty,
                      let name = (argument["names"] as? [[String: Any]])?.first(where: { $0["kind"] as? String == "long" })?["name"] as? String
                else { continue }
                found.append((path, "--" + name, values))
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                visit(sub, path + [sub["commandName"] as? String ?? ""])
            }
        }
        visit(root, [])
        return found
    }

    @Test func everyEnumOptionListsItsChoicesWhenAValueIsInvalid() throws {
        let options = try Self.enumOptions()
        // method, scaling, metric, decoder, sampler, select-by and format, in the commands that take them.
        #expect(Set(options.map(\.option)).isSuperset(of: ["--method", "--scaling", "--metric", "--decoder", "--sampler", "--select-by", "--format"]),
                "\(options.map(\.option))")
        #expect(options.contains { $0.option == "--method" && $0.values.count >= 6 })
        let cli = try CLIHarness()
        for (path, option, values) in options {
            let result = try cli.run(path + [option, "procrustes"])
            #expect(result.status == 2, "\(path) \(option): exit \(result.status)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && result.stderr.hasPrefix("latentdb: error[E0201]: The value 'procrustes' is invalid"),
                    "\(path) \(option): \(result.stderr)")
            for value in values {
                #expect(result.stderr.contains("'\(value)'") || result.stderr.contains(" \(value),") || result.stderr.contains(" \(value) ("),
                        "\(path) \(option) does not list \(value): \(result.stderr)")
            }
        }
    }
}
