import ArgumentParser
import Foundation
import LatentDB

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say what an error code means, its usual causes, and what to do.",
        discussion: """
            Every failure prints one line with a stable code, latentdb: error[E0514]: …; this command explains the code from the catalogue itself. Without a code, it lists every code with its exit status and meaning.

            Example:
              latentdb explain E0514
              latentdb explain --json E0207
            """)

    @Flag(help: "Print {code, exit, meaning, causes, fix} as JSON on stdout (a list of them without a code).")
    var json = false

    @Argument(help: ArgumentHelp("An error code: E0514 (e0514 and 0514 work too).", valueName: "code"))
    var code: String?

    struct Output: Encodable {
        let code: String, exit: Int32, meaning: String, causes: [String], fix: String

        init(_ code: ErrorCode) {
            let explanation = code.explanation
            self.code = code.rawValue
            exit = code.exitStatus.rawValue
            meaning = explanation.meaning
            causes = explanation.causes
            fix = explanation.fix
        }
    }

    /// `E0514`, `e0514` or `0514`.
    static func parse(_ text: String) throws -> ErrorCode {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let normalized = trimmed.hasPrefix("E") ? trimmed : "E" + trimmed
        guard let code = ErrorCode(rawValue: normalized) else { throw LatentError(.unknownErrorCode(text)) }
        return code
    }

    static func exitMeaning(_ status: ExitStatus) -> String {
        switch status {
        case .badInput: "bad input or data"
        case .usage: "usage"
        case .store: "store or I/O failure"
        }
    }

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let code else {
            if json {
                FileHandle.standardOutput.write(try encoder.encode(ErrorCode.allCases.map(Output.init)) + Data("\n".utf8))
            } else {
                print(table(["CODE", "EXIT", "MEANING"], ErrorCode.allCases.map {
                    [$0.rawValue, "\($0.exitStatus.rawValue)", Self.firstSentence($0.explanation.meaning)]
                }))
            }
            return
        }
        let found = try Self.parse(code)
        if json {
            FileHandle.standardOutput.write(try encoder.encode(Output(found)) + Data("\n".utf8))
            return
        }
        let explanation = found.explanation
        var lines = ["\(found.rawValue): exit \(found.exitStatus.rawValue) (\(Self.exitMeaning(found.exitStatus)))", ""]
        lines += Self.wrap(explanation.meaning, indent: "")
        lines += ["", "Usual causes:"]
        for cause in explanation.causes { lines += Self.wrap(cause, indent: "  - ", continuation: "    ") }
        lines += ["", "What to do:"]
        lines += Self.wrap(explanation.fix, indent: "  ")
        print(lines.joined(separator: "\n"))
    }

    static func firstSentence(_ text: String) -> String {
        guard let end = text.range(of: ". ") else { return text }
        return String(text[..<end.lowerBound]) + "."
    }

    /// Words wrapped at 80 columns.
    static func wrap(_ text: String, indent: String, continuation: String? = nil, width: Int = 80) -> [String] {
        var lines: [String] = [], current = indent
        let next = continuation ?? indent
        for word in text.split(separator: " ") {
            let start = lines.isEmpty ? indent : next
            if current.count > start.count && current.count + 1 + word.count > width {
                lines.append(current)
                current = next + word
            } else {
                current += (current.count > start.count ? " " : "") + word
            }
        }
        lines.append(current)
        return lines
    }
}
