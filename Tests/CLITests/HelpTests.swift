import Foundation
import Testing

/// Every subcommand's `--help`, rendered by the real binary: no Swift type names, no sentence
/// broken by a hard line break, and examples that work when pasted into a shell.
@Suite struct HelpTests {
    /// Every command path (`[]`, `["anchors"]`, `["anchors", "create"]`, …), from the parser's own dump.
    static let commands: [[String]] = {
        guard let cli = try? CLIHarness(), let dump = try? cli.run(["--experimental-dump-help"], withStore: false),
              let json = try? JSONValue.parse(dump.stdout), let root = json["command"] else { return [] }
        func walk(_ node: JSONValue, _ path: [String]) -> [[String]] {
            var out = [path]
            if case let .array(children)? = node["subcommands"] {
                for child in children {
                    guard case let .string(name)? = child["commandName"], name != "help" else { continue }
                    out += walk(child, path + [name])
                }
            }
            return out
        }
        return walk(root, [])
    }()

    static func help(_ path: [String], columns: Int) throws -> String {
        let cli = try CLIHarness()
        let result = try cli.run(["help"] + path, withStore: false, environment: ["COLUMNS": "\(columns)"])
        #expect(result.status == 0, "latentdb help \(path.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    /// The lines between OVERVIEW/discussion and USAGE: prose paragraphs and example lines.
    static func discussion(_ help: String) -> [String] {
        let lines = help.components(separatedBy: "\n")
        let end = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.count
        return Array(lines[..<end])
    }

    static func isExample(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return line.hasPrefix(" ") && (trimmed.hasPrefix("latentdb ") || trimmed.hasPrefix("--"))
    }

    /// Example commands, with `\`-continued lines joined as a shell would.
    static func examples(_ help: String) -> [String] {
        var commands: [String] = [], pending = ""
        for line in discussion(help) where isExample(line) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("\\") { pending += trimmed.dropLast() ; continue }
            commands.append(pending + trimmed)
            pending = ""
        }
        return commands
    }

    @Test func theCommandTreeIsFound() {
        #expect(Self.commands.count > 20, "\(Self.commands)")
        #expect(Self.commands.contains(["explain"]) && Self.commands.contains(["anchors", "create"]))
    }

    @Test(arguments: commands)
    func helpReadsWell(_ path: [String]) throws {
        let wide = try Self.help(path, columns: 2000), narrow = try Self.help(path, columns: 80)
        let name = "latentdb help \(path.joined(separator: " "))"
        for line in narrow.split(separator: "\n") where line.contains(Self.swiftName) {
            Issue.record("\(name): a Swift type name in: \(line)")
        }
        for broken in Self.brokenLines(wide) { Issue.record("\(name): line broken mid-sentence: \(broken)") }
        #expect(!Self.examples(wide).isEmpty, "\(name) has no example")
        // Examples are preformatted: the same at 80 columns as unwrapped.
        #expect(Self.examples(narrow) == Self.examples(wide), "\(name): an example line is longer than 80 columns")
    }

    /// Swift's descriptions of values (`estimator(Translation.Estimator.ortho)`, `Optional(…)`).
    static var swiftName: Regex<AnyRegexOutput> { try! Regex(#"\b[A-Za-z]+\([A-Z][A-Za-z]*\.|\bOptional\(|\b(Translation|LatentDB|LatentCore|Swift|Alignment)\.[A-Z]"#) }

    /// Rendered 2000 wide, ArgumentParser wraps nothing: a prose line that ends mid-sentence
    /// and is followed by more prose was broken by hand in the source.
    static func brokenLines(_ wide: String) -> [String] {
        let lines = discussion(wide)
        var broken: [String] = []
        for (line, next) in zip(lines, lines.dropFirst()) where !isExample(line) && !isExample(next) {
            let text = line.trimmingCharacters(in: .whitespaces), following = next.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !following.isEmpty, !text.hasSuffix(":"), let last = text.last, !".!?)".contains(last) else { continue }
            broken.append("'\(text)' / '\(following)'")
        }
        return broken
    }

    /// Guards the guards: they catch what the help used to print.
    @Test func theChecksWouldCatchTheOldHelp() {
        #expect("--method <method>  Estimator. (default: estimator(Translation.Estimator.ortho))".contains(Self.swiftName))
        #expect(!"--metric <metric>  Similarity. (values: cosine, ip, l2; default: cosine)".contains(Self.swiftName))
        let old = "OVERVIEW: Nearest neighbours.\n\nA query from model A is translated into model B's space and answered\nagainst B's stored items.\nExample:\n  latentdb knn --key 42\n\nUSAGE: latentdb knn"
        #expect(Self.brokenLines(old).count == 1, "\(Self.brokenLines(old))")
        let new = "OVERVIEW: Nearest neighbours.\n\nA query from model A is answered against B's stored items.\n\nExample:\n  latentdb knn --key 42\n\nUSAGE: latentdb knn"
        #expect(Self.brokenLines(new).isEmpty)
    }

    @Test func defaultsShowAsTheUserTypesThem() throws {
        let fit = try Self.help(["fit"], columns: 200)
        #expect(fit.contains("Default: ortho when fitting"))
        let knn = try Self.help(["knn"], columns: 200)
        #expect(knn.contains("default: cosine)") && knn.contains("(default: 10)"), "\(knn)")
        let eval = try Self.help(["eval"], columns: 200)
        #expect(eval.contains("default: standard)") && eval.contains("default: uniform)") && eval.contains("default: mrr)"), "\(eval)")
    }

    /// Pasted into a shell with no store, an example may fail for want of data (exit 1), but
    /// never as a usage error (exit 2, E02…): the command line itself is right.
    @Test func everyExampleParsesWhenPasted() throws {
        var examples = Set<String>()
        for path in Self.commands { examples.formUnion(Self.examples(try Self.help(path, columns: 2000))) }
        let readme = try String(contentsOf: CLIHarness.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for line in readme.split(separator: "\n") where line.hasPrefix("latentdb ") && !line.contains("--generate-completion-script") {
            examples.insert(String(line))
        }
        #expect(examples.count > 30, "\(examples.count) examples")
        let binary = URL(fileURLWithPath: CLIHarness.binary).deletingLastPathComponent().path
        for example in examples.sorted() {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latentdb-example-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", example]
            process.currentDirectoryURL = directory
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "LATENTDB_PATH")
            environment["PATH"] = binary + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            process.environment = environment
            let errors = directory.appendingPathComponent("stderr")
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errors)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let stderr = try String(contentsOf: errors, encoding: .utf8)
            #expect(process.terminationStatus != 2 && !stderr.contains("error[E02"), "pasted, this fails as usage: \(example)\n\(stderr)")
            // A shell redirection in an example leaves a stray file (`mrr>=0.9` makes `=0.9`).
            let stray = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("=") }
            #expect(stray.isEmpty, "\(example) redirected output into \(stray)")
        }
    }
}
