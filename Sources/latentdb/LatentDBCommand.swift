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
            Init.self, Register.self, List.self, Info.self, Export.self, Remove.self, Anchors.self, Fit.self, Translate.self, Translators.self, TranslatorCommand.self, KNN.self, Classify.self, Eval.self, Migrate.self, HubCommand.self, Check.self, Vacuum.self,
        ])

    /// ArgumentParser's own exit codes are sysexits-style (64 for usage); ours are documented
    /// as 0/1/2/3, so the entry point maps them.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as LatentError {
            FileHandle.standardError.write(Data("latentdb: error: \(error.message)\n".utf8))
            Foundation.exit(error.category.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            if code == .validationFailure {
                // One line, as every other error: the reason and where to read more.
                let reason = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                FileHandle.standardError.write(Data("latentdb: error: \(reason) (see latentdb --help)\n".utf8))
                Foundation.exit(2)
            }
            let text = fullMessage(for: error)
            if !text.isEmpty { FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8)) }
            Foundation.exit(code.rawValue)
        }
    }
}
