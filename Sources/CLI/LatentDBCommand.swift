import ArgumentParser
import Foundation
import LatentDB

@main
struct LatentDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latentdb",
        abstract: "A persistent embedding store that translates between the latent spaces of different models.",
        discussion: """
            Exit codes: 0 success, 1 bad input or data, 2 usage, 3 store or I/O failure. Every error names its code (error[E0514]); `latentdb explain E0514` says what it means and what to do.

            Example:
              latentdb register minilm/fortunes --embeddings minilm.npy --labels labels.txt
            """,
        version: LatentStore.libraryVersion,
        subcommands: [
            Init.self, Register.self, List.self, Info.self, Export.self, Remove.self, Anchors.self, Fit.self, Translate.self, Translators.self, TranslatorCommand.self, KNN.self, Classify.self, Eval.self, Compare.self, Migrate.self, HubCommand.self, IndexCommand.self, Check.self, Vacuum.self, Copy.self, Serve.self, Explain.self,
        ])

    /// ArgumentParser's own exit codes are sysexits-style (64 for usage); ours are documented
    /// as 0/1/2/3, so the entry point maps them. Every error is one line with its catalogue
    /// code: `latentdb: error[E0402]: unknown space …`.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let diagnostic = LatentError.diagnostic(of: error) { fail(diagnostic) }
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            if code == .validationFailure {
                // One line, as every other error: the reason and where to read more.
                let reason = oneLine(message(for: error))
                let (catalogued, text) = UsageMark.unmark(reason)
                if let catalogued {
                    fail(code: catalogued, message: "\(text) (see latentdb --help)")
                }
                fail(.arguments(reason))
            }
            let text = fullMessage(for: error)
            // `check` throws a bare exit code after printing its report: nothing to add.
            if text.isEmpty { Foundation.exit(code.rawValue) }
            fail(.unexpected(text))
        }
    }

    static func fail(_ diagnostic: Diagnostic) -> Never {
        fail(code: diagnostic.code, message: diagnostic.message)
    }

    /// The one line on stderr and, with `--json`, the same failure as an object that scripts
    /// read without parsing text: `{"error": {"code": "E0703", "message": "…", "exit": 1}}`.
    /// It goes to stdout, except when stdout carries an array (`--output -`): then to stderr,
    /// after the line.
    static func fail(code: ErrorCode, message: String) -> Never {
        let status = code.exitStatus.rawValue
        FileHandle.standardError.write(Data("latentdb: error[\(code.rawValue)]: \(message)\n".utf8))
        let arguments = CommandLineScan(CommandLine.arguments.dropFirst())
        if arguments.json {
            struct Failure: Encodable { let code: String, message: String, exit: Int32 }
            struct Output: Encodable { let error: Failure }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(Output(error: Failure(code: code.rawValue, message: message, exit: status))) {
                (arguments.arrayOnStandardOutput ? FileHandle.standardError : FileHandle.standardOutput).write(data + Data("\n".utf8))
            }
        }
        Foundation.exit(status)
    }

    /// The parser's message on one line. It lists the choices of an enum option one per line
    /// when there are six or more ("Please provide one of the following:\n  - ortho\n  - …"):
    /// those become a comma-separated list instead of being cut off after the colon.
    static func oneLine(_ message: String) -> String {
        let lines = message.split(separator: "\n").map(String.init)
        guard let first = lines.first else { return "invalid arguments" }
        let choices = lines.dropFirst().prefix { $0.hasPrefix("  - ") }.map { $0.dropFirst(4) }
        return choices.isEmpty ? first : first + " " + choices.joined(separator: ", ")
    }
}

/// What the error path needs from the raw arguments, which may not have parsed: whether
/// `--json` was asked for and whether `--output -` gave stdout to an array. Arguments after
/// `--` are values, not options.
struct CommandLineScan {
    var json = false
    var arrayOnStandardOutput = false

    init(_ arguments: some Sequence<String>) {
        var previous = ""
        for argument in arguments {
            if argument == "--" { break }
            if argument == "--json" { json = true }
            if ((previous == "--output" || previous == "-o") && argument == LatentStore.standardStreamPath) || argument == "--output=-" {
                arrayOnStandardOutput = true
            }
            previous = argument
        }
    }
}

/// A usage error from the catalogue, thrown from `validate()` or a value transform. The argument
/// parser wraps what these throw (and quotes the value before it), so the code travels as a
/// `[E0213] ` mark in the message and `LatentDBCommand.main` takes it out again.
enum UsageMark {
    static func mark(_ diagnostic: Diagnostic) -> String { "[\(diagnostic.code.rawValue)] \(diagnostic.message)" }

    static func unmark(_ text: String) -> (ErrorCode?, String) {
        guard let open = text.range(of: "[E"), let close = text[open.upperBound...].firstIndex(of: "]"),
              let code = ErrorCode(rawValue: String(text[text.index(after: open.lowerBound)..<close])),
              text[text.index(after: close)...].hasPrefix(" ") else { return (nil, text) }
        return (code, String(text[..<open.lowerBound]) + String(text[text.index(close, offsetBy: 2)...]))
    }
}

extension ValidationError {
    init(_ diagnostic: Diagnostic) { self.init(UsageMark.mark(diagnostic)) }
}
