import Foundation
import Hummingbird
import LatentDB
import Logging

/// `latentdb-server --db PATH [--host H] [--port P] [--token-file F] [--memory BYTES] [--max-body BYTES]
/// [--request-timeout SECONDS]`:
/// what `latentdb serve` runs (it validates the options and passes them on). SIGTERM or SIGINT
/// stops accepting connections, lets the requests in flight finish, and exits 0.
public enum ServerMain {
    public static func main() async throws {
        var logger = Logger(label: "latentdb")
        logger.logLevel = .info
        do {
            let options = try parse(Array(CommandLine.arguments.dropFirst()))
            let server = try LatentServer(options: options)
            logger.info("serving \(server.store.path) on http://\(options.host):\(options.port) (memory \(options.memory) bytes, request timeout \(options.requestTimeout), token \(options.token == nil ? "none" : "required"))")
            try await server.application(logger: logger).runService()
            // The requests are drained. Leave without the C libraries' exit handlers: OpenBLAS's
            // joins its thread pool and was seen to hang forever when a request abandoned at its
            // timeout had used BLAS from another thread. Nothing is left to write (every store
            // write is its own committed transaction); only stdio buffers need flushing.
            fflush(nil)
            _exit(0)
        } catch let error as LatentError {
            FileHandle.standardError.write(Data("latentdb: error[\(error.code.rawValue)]: \(error.message)\n".utf8))
            exit(error.category.rawValue)
        }
    }

    static func parse(_ arguments: [String]) throws -> ServerOptions {
        var values: [String: String] = [:]
        var i = 0
        while i < arguments.count {
            let flag = arguments[i]
            guard flag.hasPrefix("--"), i + 1 < arguments.count else { throw LatentError(.requestFieldMissing("a value after \(flag)")) }
            values[String(flag.dropFirst(2))] = arguments[i + 1]
            i += 2
        }
        var options = ServerOptions(db: values["db"] ?? ProcessInfo.processInfo.environment["LATENTDB_PATH"] ?? "latent.db")
        if let host = values["host"] { options.host = host }
        if let port = values["port"].flatMap(Int.init) { options.port = port }
        if let memory = values["memory"].flatMap(Int.init) { options.memory = memory }
        if let maxBody = values["max-body"].flatMap(Int.init) { options.maxBody = maxBody }
        if let text = values["request-timeout"] {
            guard let seconds = Double(text), seconds > 0, seconds.isFinite else { throw LatentError(.timeoutOption(text)) }
            options.requestTimeout = .nanoseconds(Int64(seconds * 1e9))
        }
        if let file = values["token-file"] {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw LatentError(.tokenFile(file, "cannot be read"))
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16 else { throw LatentError(.tokenFile(file, "holds \(token.count) characters; a token needs at least 16")) }
            options.token = token
        }
        return options
    }
}
