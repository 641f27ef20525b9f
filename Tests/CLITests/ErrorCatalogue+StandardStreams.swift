import Foundation
import LatentCore
import Testing

/// Arrays through standard input and output (`-`): each code through the real binary, with
/// the bytes on a pipe, or a pseudo-terminal where the code is about a terminal.
extension ErrorCase {
    static let standardStreams: [ErrorCase] = [
        piped(.standardInputTruncated, ["standard input: the .npy stream ended after", "of the 1536000 data bytes", "(1000, 384), <f4"]) {
            Array($0.dropLast(64))
        },
        piped(.standardInputTrailing, ["standard input: more bytes follow the 1536000 data bytes", "exactly one array"]) { $0 + [1, 2, 3] },
        piped(.standardInputFormat, ["standard input: expected an .npy stream", "other formats are read from files"]) { _ in
            Array("PK\u{3}\u{4} a zip is not a stream".utf8)
        },
        onTerminal(.standardInputIsTerminal, ["--embeddings - reads an .npy from standard input, which is a terminal"], stdin: true) { _ in
            ["register", "x/d", "--embeddings", "-"]
        },
        onTerminal(.standardOutputIsTerminal, ["--output - writes a binary .npy to standard output, which is a terminal"], stdin: false) { cli in
            try SharedStore.copy(to: cli)
            return ["export", "a/d", "--output", "-"]
        },
    ]

    /// `latentdb register x/d --embeddings -` with the sample's e5 `.npy` (1000 × 384), changed
    /// by `bytes`, on a pipe.
    static func piped(_ code: ErrorCode, _ fragments: [String], _ bytes: @escaping @Sendable ([UInt8]) -> [UInt8]) -> ErrorCase {
        ErrorCase(code: code, fragments: fragments) { cli in
            let sample = [UInt8](try Data(contentsOf: CLIHarness.sample.appendingPathComponent("e5.npy")))
            return .cli(try cli.run(["register", "x/d", "--embeddings", "-"], stdin: bytes(sample)).result)
        }
    }

    /// `latentdb args…` with a pseudo-terminal as its standard input (`stdin`) or output.
    static func onTerminal(_ code: ErrorCode, _ fragments: [String], stdin: Bool,
                           _ args: @escaping @Sendable (CLIHarness) throws -> [String]) -> ErrorCase {
        ErrorCase(code: code, fragments: fragments) { cli in
            let terminal = try PseudoTerminal()
            let process = cli.makeProcess(try args(cli))
            let errPath = cli.path("terminal-stderr")
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            if stdin { process.standardInput = terminal.follower } else { process.standardOutput = terminal.follower }
            process.standardError = err
            try process.run()
            process.waitUntilExit()
            try err.close()
            return .cli(CLIHarness.Result(status: process.terminationStatus, stdout: "",
                                          stderr: try String(contentsOfFile: errPath, encoding: .utf8)))
        }
    }
}

/// A pseudo-terminal pair (`posix_openpt(3)`): its follower side is a terminal for `isatty(3)`.
/// Swift's Glibc module leaves out the pty functions (they need `_XOPEN_SOURCE`), so they are
/// looked up in the C library by name.
final class PseudoTerminal {
    let leader: FileHandle
    let follower: FileHandle

    init() throws {
        typealias IntOfInt = @convention(c) (Int32) -> Int32
        typealias NameOfInt = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        func symbol<T>(_ name: String, as: T.Type) throws -> T {
            guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else {
                throw TriggerDidNotFail(description: "no \(name) in the C library")
            }
            return unsafeBitCast(address, to: T.self)
        }
        let openpt = try symbol("posix_openpt", as: IntOfInt.self), grant = try symbol("grantpt", as: IntOfInt.self)
        let unlock = try symbol("unlockpt", as: IntOfInt.self), name = try symbol("ptsname", as: NameOfInt.self)
        let fd = openpt(O_RDWR | O_NOCTTY)
        guard fd >= 0, grant(fd) == 0, unlock(fd) == 0, let path = name(fd) else {
            throw TriggerDidNotFail(description: "no pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let followerFD = open(String(cString: path), O_RDWR | O_NOCTTY)
        guard followerFD >= 0 else { throw TriggerDidNotFail(description: "cannot open \(String(cString: path))") }
        leader = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        follower = FileHandle(fileDescriptor: followerFD, closeOnDealloc: true)
    }
}
