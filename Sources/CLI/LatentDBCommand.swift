import ArgumentParser
import Foundation
import LatentDB

@main
struct LatentDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latentdb",
        abstract: "A persistent embedding store that translates between the latent spaces of different models.",
        discussion: """
            Exit codes: 0 success, 1 bad input or data, 2 usage, 3 store or I/O failure.
            Example:
              latentdb register minilm/fortunes --embeddings minilm.npy --labels labels.txt
            """,
        version: LatentStore.libraryVersion,
        subcommands: [
            Init.self, Register.self, List.self, Info.self, Export.self, Remove.self, Anchors.self, Fit.self, Translate.self, Translators.self, TranslatorCommand.self, KNN.self, Classify.self, Eval.self, Migrate.self, HubCommand.self, Check.self, Vacuum.self, Copy.self,
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
                let reason = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                let (catalogued, text) = UsageMark.unmark(reason)
                if let catalogued {
                    FileHandle.standardError.write(Data("latentdb: error[\(catalogued.rawValue)]: \(text) (see latentdb --help)\n".utf8))
                    Foundation.exit(catalogued.exitStatus.rawValue)
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
        FileHandle.standardError.write(Data("latentdb: \(diagnostic.rendered)\n".utf8))
        Foundation.exit(diagnostic.code.exitStatus.rawValue)
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
