import Foundation
import Testing

/// Runs the real `latentdb-server` on loopback against a store the real `latentdb` CLI made
/// from the bundled sample, and talks to it with curl, as a client would.
final class LiveServer: @unchecked Sendable {
    static let serverRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let repositoryRoot = serverRoot.deletingLastPathComponent()
    static let sample = repositoryRoot.appendingPathComponent("examples/fortunes")

    static func binary(_ name: String, under root: URL) -> String {
        let build = root.appendingPathComponent(".build/debug/\(name)").path
        return FileManager.default.isExecutableFile(atPath: build) ? build
            : URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }
    static let server = binary("latentdb-server", under: serverRoot)
    static let cli = binary("latentdb", under: repositoryRoot)

    let directory: URL
    let store: String
    let port: Int
    let process = Process()
    let token: String?
    let log = Pipe()

    /// `arguments`: more options for latentdb-server (`--request-timeout 0.3`).
    init(token: String? = nil, arguments extra: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("latentdb-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = directory.appendingPathComponent("s.db").path
        self.token = token
        port = 20000 + Int.random(in: 0..<20000)
        let s = Self.sample.path
        try cli(["init"])
        try cli(["register", "e5/fortunes", "--embeddings", "\(s)/e5.npy", "--keys", "\(s)/keys.txt", "--labels", "\(s)/labels.txt", "--split", "\(s)/split.txt"])
        try cli(["register", "minilm/fortunes", "--embeddings", "\(s)/minilm.npy", "--keys", "\(s)/keys.txt"])
        try cli(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500", "--seed", "0"])
        var arguments = ["--db", store, "--port", "\(port)"] + extra
        if let token {
            let file = directory.appendingPathComponent("token").path
            try token.write(toFile: file, atomically: true, encoding: .utf8)
            arguments += ["--token-file", file]
        }
        process.executableURL = URL(fileURLWithPath: Self.server)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        // Ready when health answers (bounded: 30 s).
        for _ in 0..<300 {
            if (try? request("GET", "/v1/health").status) == 200 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw ServerDidNotStart()
    }

    struct ServerDidNotStart: Error {}

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult
    func cli(_ args: [String]) throws -> String {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: Self.cli)
        let split = args.firstIndex { $0.hasPrefix("-") } ?? args.count
        p.arguments = Array(args[..<split]) + ["--db", store] + Array(args[split...])
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        lastCLIStatus = p.terminationStatus
        return String(decoding: data, as: UTF8.self)
    }

    /// The exit status of the last `cli` call.
    private(set) var lastCLIStatus: Int32 = 0

    struct Answer { let status: Int; let body: Data
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
        var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    }

    /// One request through curl; `body` is sent as is with `contentType`.
    func request(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json",
                 headers: [String] = [], authorized: Bool = true) throws -> Answer {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var args = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, "http://127.0.0.1:\(port)\(path)"]
        if let token, authorized { args += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { args += ["-H", header] }
        let bodyFile = directory.appendingPathComponent("body-\(UUID().uuidString)")
        if let body {
            try body.write(to: bodyFile)
            args += ["-H", "Content-Type: \(contentType)", "--data-binary", "@\(bodyFile.path)"]
        }
        p.arguments = args
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? FileManager.default.removeItem(at: bodyFile)
        guard let cut = data.lastIndex(of: UInt8(ascii: "\n")) else { return Answer(status: 0, body: data) }
        return Answer(status: Int(String(decoding: data[(cut + 1)...], as: UTF8.self)) ?? 0, body: data[..<cut])
    }

    func post(_ path: String, _ object: [String: Any]) throws -> Answer {
        try request("POST", path, body: try JSONSerialization.data(withJSONObject: object))
    }
}

/// The result lists of a knn answer, whichever shape (object with `results`, or a bare list).
func knnResults(_ data: Data) -> [[String: Any]]? {
    let value = try? JSONSerialization.jsonObject(with: data)
    return (value as? [String: Any])?["results"] as? [[String: Any]] ?? value as? [[String: Any]]
}

@Suite(.serialized) struct ServerTests {
    @Test func knnAnswersWhatTheCLIAnswers() throws {
        let server = try LiveServer()
        let answer = try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3", "4"], "k": 5])
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        let cli = try server.cli(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "--key", "4", "-k", "5", "--json"])
        let served = try #require(knnResults(answer.body)), printed = try #require(knnResults(Data(cli.utf8)))
        #expect(served.count == 2)
        #expect(NSArray(array: served).isEqual(to: printed), "server \(served) vs CLI \(printed)")
        // The second request is answered from the decoded space the first one left in memory.
        let again = try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3", "4"], "k": 5])
        #expect(NSArray(array: try #require(knnResults(again.body))).isEqual(to: printed))
    }

    /// `nprobe` and `exact` search as `--nprobe` and `--exact` do, through the target's index.
    @Test func indexedKnnAnswersWhatTheCLIAnswers() throws {
        let server = try LiveServer()
        try server.cli(["index", "create", "minilm/fortunes", "--lists", "16", "--seed", "0"])
        #expect(server.lastCLIStatus == 0)
        let query: [String: Any] = ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3", "4"], "k": 5]
        let base = ["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "--key", "4", "-k", "5", "--json"]
        for (fields, flags) in [([String: Any](), [String]()), (["nprobe": 1], ["--nprobe", "1"]), (["exact": true], ["--exact"])] {
            let answer = try server.post("/v1/knn", query.merging(fields) { $1 })
            #expect(answer.status == 200, "\(fields): \(String(decoding: answer.body, as: UTF8.self))")
            let served = try #require(knnResults(answer.body)), printed = try #require(knnResults(Data(try server.cli(base + flags).utf8)))
            #expect(NSArray(array: served).isEqual(to: printed), "\(fields): server \(served) vs CLI \(printed)")
            let search = served.first?["search"] as? [String: Any]
            #expect(search?["mode"] as? String == (fields["exact"] != nil ? "exact" : "indexed"), "\(fields) searched \(search ?? [:])")
            if fields["nprobe"] != nil { #expect(search?["nprobe"] as? Int == 1) }
        }
        let zero = try server.post("/v1/knn", query.merging(["nprobe": 0]) { $1 })
        #expect(zero.status == 400 && zero.errorCode == "E0292", "\(zero.status) \(String(decoding: zero.body, as: UTF8.self))")
        let both = try server.post("/v1/knn", query.merging(["nprobe": 2, "exact": true]) { $1 })
        #expect(both.status == 400, "\(both.status) \(String(decoding: both.body, as: UTF8.self))")
        #expect(try server.request("GET", "/v1/health").status == 200)
    }

    @Test func readRoutesAnswerTheCLIsShapes() throws {
        let server = try LiveServer()
        let health = try server.request("GET", "/v1/health")
        #expect(health.status == 200 && health.json?["status"] as? String == "ok")
        let spaces = try server.request("GET", "/v1/spaces")
        let listed = try JSONSerialization.jsonObject(with: spaces.body) as? [[String: Any]]
        let cliListed = try JSONSerialization.jsonObject(with: Data(try server.cli(["ls", "--json"]).utf8)) as? [[String: Any]]
        #expect(spaces.status == 200 && listed?.count == 2)
        #expect(NSArray(array: listed ?? []).isEqual(to: cliListed ?? []))
        let info = try server.request("GET", "/v1/spaces/e5/fortunes")
        #expect(info.status == 200 && info.json?["rows"] as? Int == 1000 && info.json?["dim"] as? Int == 384)
        let fit = try server.post("/v1/fit", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500"])
        #expect(fit.status == 200 && (fit.json?["fingerprint"] as? String)?.count == 32)
        let translators = try server.request("GET", "/v1/translators")
        let listedTranslators = try JSONSerialization.jsonObject(with: translators.body) as? [Any]
        #expect(translators.status == 200 && listedTranslators?.count == 1)
    }

    @Test func vectorsGoInAsJSONOrNPYAndTranslateAnswersBoth() throws {
        let server = try LiveServer()
        let row = [Float](repeating: 0.01, count: 384)
        let knn = try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "vectors": [row], "k": 3])
        #expect(knn.status == 200 && knnResults(knn.body)?.first?["neighbors"].map { ($0 as? [Any])?.count } == 3)
        let translated = try server.post("/v1/translate", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3"]])
        #expect(translated.status == 200 && (translated.json?["vectors"] as? [[Double]])?.first?.count == 384)
        let npy = try server.request("POST", "/v1/translate", body: try JSONSerialization.data(withJSONObject:
            ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3", "4"]]), headers: ["Accept: application/x-npy"])
        #expect(npy.status == 200 && npy.body.starts(with: [0x93] + Array("NUMPY".utf8)))
        #expect(npy.body.count > 2 * 384 * 4)
    }

    /// Each bad request gets its documented status and code, and the server keeps answering.
    @Test func badRequestsGetTheirStatusAndTheServerKeepsServing() throws {
        let server = try LiveServer()
        let cases: [(LiveServer.Answer, Int, String)] = [
            (try server.request("POST", "/v1/knn", body: Data("{not json".utf8)), 400, "E0290"),
            (try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3"], "k": "five"]), 400, "E0290"),
            (try server.post("/v1/knn", ["to": "minilm/fortunes", "anchors": "a500", "keys": ["3"]]), 400, "E0291"),
            (try server.post("/v1/knn", ["from": "nope/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3"]]), 404, "E0402"),
            (try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["no-such-key"]]), 404, "E0703"),
            (try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "vectors": [[1, 2, 3]]]), 400, "E0152"),
            (try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": ["3"], "metric": "manhattan"]), 400, "E0292"),
            (try server.request("GET", "/v1/nothing"), 404, "E0297"),
            (try server.request("POST", "/v1/knn", body: Data(repeating: 0x20, count: 70 << 20)), 413, "E0296"),
        ]
        for (answer, status, code) in cases {
            #expect(answer.status == status && answer.errorCode == code, "expected \(status) \(code): \(answer.status) \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
        }
        // NaN cannot be written in JSON; in an .npy body it is refused by name.
        var npy = [UInt8](try Data(contentsOf: LiveServer.sample.appendingPathComponent("e5.npy")).prefix(128 + 384 * 4))
        npy.replaceSubrange(npy.count - 4..<npy.count, with: Float.nan.bitPattern.littleEndianBytes)
        // A one-row header: rewrite the shape (the sample's header is 128 bytes, shape "(1000, 384)").
        let header = String(decoding: npy[10..<128], as: UTF8.self).replacingOccurrences(of: "(1000, 384)", with: "(1, 384)   ")
        npy.replaceSubrange(10..<128, with: Array(header.utf8))
        let nan = try server.request("POST", "/v1/knn?from=e5/fortunes&to=minilm/fortunes&anchors=a500", body: Data(npy), contentType: "application/x-npy")
        #expect(nan.status == 400 && nan.errorCode == "E0151", "\(nan.status) \(String(decoding: nan.body, as: UTF8.self))")
        #expect(try server.request("GET", "/v1/health").status == 200)
    }

    @Test func aTokenGuardsEveryRouteButHealth() throws {
        let server = try LiveServer(token: "0123456789abcdef-secret")
        #expect(try server.request("GET", "/v1/health", authorized: false).status == 200)
        let none = try server.request("GET", "/v1/spaces", authorized: false)
        #expect(none.status == 401 && none.errorCode == "E0295")
        let wrong = try server.request("GET", "/v1/spaces", headers: ["Authorization: Bearer wrong-token-0000000"], authorized: false)
        #expect(wrong.status == 401 && wrong.errorCode == "E0295")
        #expect(try server.request("GET", "/v1/spaces").status == 200)
    }

    @Test func sigtermLetsTheServerExitZero() throws {
        let server = try LiveServer()
        #expect(try server.request("GET", "/v1/spaces").status == 200)
        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let log = String(decoding: server.log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("GET /v1/spaces 200"), "one line per request: \(log)")
    }
}

extension UInt32 {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}
