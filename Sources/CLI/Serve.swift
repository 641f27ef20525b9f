import ArgumentParser
import Foundation
import LatentDB

/// `latentdb serve`: runs `latentdb-server` (its own package, `server/`, so that the CLI and the
/// demo never build Hummingbird) with the options checked here.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the store over HTTP: a JSON API that keeps spaces and translators hot (schema/openapi.yaml).",
        discussion: """
            Answers are the CLI's --json shapes; errors are {"error": {"code", "message", "exit"}} with the catalogue's codes. \
            Listens on loopback unless --host says otherwise, and then only with --token-file. \
            The server is built once with `swift build -c release --package-path server`; serve finds latentdb-server \
            at $LATENTDB_SERVER when set, else beside this executable, in server/.build of this checkout, or on PATH.
            Example:
              latentdb serve --db latent.db --port 8765 --memory 4GiB --request-timeout 30
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (loopback unless a token is required).") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8765
    @Option(help: ArgumentHelp("A file holding the bearer token every route but /v1/health requires.", valueName: "file")) var tokenFile: String?
    @Option(help: ArgumentHelp("Memory for decoded spaces and index lists (least recently used out first): bytes, or with KiB, MiB, GiB.", valueName: "size"))
    var memory = "2GiB"
    @Option(help: ArgumentHelp("Largest request body accepted (413 beyond): bytes, or with KiB, MiB, GiB.", valueName: "size"))
    var maxBody = "64MiB"
    @Option(help: ArgumentHelp("Seconds a request may run before it is answered 503 (E0326) and abandoned.", valueName: "seconds"))
    var requestTimeout = "60"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError(.portOption(port)) }
        _ = try Self.bytes(memory, option: "--memory")
        _ = try Self.bytes(maxBody, option: "--max-body")
        _ = try Self.seconds(requestTimeout)
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.")
        if !loopback && tokenFile == nil { throw ValidationError(.serveNeedsToken(host: host)) }
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError(.tokenFile(tokenFile, "cannot be read"))
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if token.count < 16 { throw ValidationError(.tokenFile(tokenFile, "holds \(token.count) characters; a token needs at least 16")) }
        }
    }

    static func bytes(_ text: String, option: String) throws -> Int {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0, value * Double(scale) < Double(Int.max) { return Int(value * Double(scale)) }
        }
        throw ValidationError(.sizeOption(option: option, text))
    }

    static func seconds(_ text: String) throws -> Double {
        guard let value = Double(text), value > 0, value.isFinite else { throw ValidationError(.timeoutOption(text)) }
        return value
    }

    func run() throws {
        guard let server = Self.serverExecutable() else { throw LatentError(.serverNotFound) }
        var arguments = [server, "--db", global.storePath, "--host", host, "--port", "\(port)",
                         "--memory", "\(try Self.bytes(memory, option: "--memory"))", "--max-body", "\(try Self.bytes(maxBody, option: "--max-body"))",
                         "--request-timeout", "\(try Self.seconds(requestTimeout))"]
        if let tokenFile { arguments += ["--token-file", tokenFile] }
        // The server takes this process's place: signals (SIGTERM drains) and the exit status are its own.
        let argv = arguments.map { strdup($0) } + [nil]
        execv(server, argv)
        throw LatentError(.serverNotFound)
    }

    static func serverExecutable() -> String? {
        let fm = FileManager.default
        let own = URL(fileURLWithPath: (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        // Named explicitly: that one or none.
        if let given = ProcessInfo.processInfo.environment["LATENTDB_SERVER"] { return fm.isExecutableFile(atPath: given) ? given : nil }
        var candidates = [own.deletingLastPathComponent().appendingPathComponent("latentdb-server").path]
        // A checkout's own build: …/.build/<triple>/<config>/latentdb → …/server/.build/…
        var root = own.deletingLastPathComponent()
        while root.path != "/" && root.lastPathComponent != ".build" { root = root.deletingLastPathComponent() }
        if root.lastPathComponent == ".build" {
            for config in ["release", "debug"] {
                candidates.append(root.deletingLastPathComponent().appendingPathComponent("server/.build/\(config)/latentdb-server").path)
            }
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/latentdb-server")
        }
        return candidates.first { fm.isExecutableFile(atPath: $0) }
    }
}
