import Foundation
import Testing

/// The server under pressure: requests past their time limit, and readers while another process
/// replaces the space they read. Bounded in count and time; loopback only.
@Suite(.serialized) struct LoadTests {
    /// A request past `--request-timeout` is answered 503 with E0326 naming the route and the
    /// limit; the server goes on answering, the offloaded routes included.
    @Test func aRequestPastItsTimeLimitIsAnswered503AndTheServerGoesOn() throws {
        let server = try LiveServer(arguments: ["--request-timeout", "1"])
        // Heavy: a first fit, then every item as a query with 500 neighbours each (about 6 s in a
        // debug build, 6 times the limit; the limit leaves the light requests below room on a
        // loaded machine).
        let keys = try String(contentsOf: LiveServer.sample.appendingPathComponent("keys.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(keys.count == 1000)
        let start = Date()
        let heavy = try server.post("/v1/knn", ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": keys, "k": 500])
        let waited = Date().timeIntervalSince(start)
        #expect(heavy.status == 503 && heavy.errorCode == "E0326", "\(heavy.status) \(String(decoding: heavy.body.prefix(300), as: UTF8.self))")
        let message = (heavy.json?["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("POST /v1/knn") && message.contains("--request-timeout of 1.0 s"), "\(message)")
        // Answered at the limit, not when the work ended (curl and the body's upload add a little).
        #expect(waited < 4, "the 503 came after \(waited) s")
        #expect(try server.request("GET", "/v1/health").status == 200)
        let spaces = try server.request("GET", "/v1/spaces")
        #expect(spaces.status == 200, "\(spaces.status) \(String(decoding: spaces.body.prefix(300), as: UTF8.self))")
    }

    /// SIGTERM while a request runs: that request is still answered 200, whole, then the server
    /// exits 0 (it leaves by _exit after draining: the exit path this checks). The answer is kept
    /// small (about 350 kB): Hummingbird 2.28 closes a quiesced connection right after queueing
    /// the end of the response, and a multi-megabyte answer still queued in NIO is cut short.
    @Test func sigtermDuringARequestLetsItFinish() throws {
        let server = try LiveServer()
        let keys = try String(contentsOf: LiveServer.sample.appendingPathComponent("keys.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        let body = server.directory.appendingPathComponent("sigterm-body.json"), trace = server.directory.appendingPathComponent("sigterm-trace")
        let output = server.directory.appendingPathComponent("sigterm-answer")
        try JSONSerialization.data(withJSONObject: ["from": "e5/fortunes", "to": "minilm/fortunes", "anchors": "a500", "keys": keys, "k": 5] as [String: Any])
            .write(to: body)
        // curl -v traces the request's headers once it sent them; the 10 kB body goes with them.
        // 0.1 s later the server is answering (a first fit, about 0.6 s in a debug build, then
        // the search).
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sv", "-o", output.path, "-w", "%{http_code}", "--stderr", trace.path, "-H", "Content-Type: application/json",
                          "--data-binary", "@\(body.path)", "http://127.0.0.1:\(server.port)/v1/knn"]
        let status = Pipe()
        curl.standardOutput = status
        try curl.run()
        func sent() -> Bool {
            let text = (try? String(contentsOf: trace, encoding: .utf8)) ?? ""
            return text.contains("> Content-Type: application/json")
        }
        for _ in 0..<500 where !sent() { Thread.sleep(forTimeInterval: 0.01) }
        #expect(sent(), "curl never sent the request")
        Thread.sleep(forTimeInterval: 0.1)
        server.process.terminate()
        let code = String(decoding: status.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        server.process.waitUntilExit()
        #expect(code == "200", "the request in flight got \(code)")
        #expect(knnResults((try? Data(contentsOf: output)) ?? Data())?.count == 1000)
        #expect(server.process.terminationStatus == 0)
        let log = String(decoding: server.log.fileHandleForReading.availableData, as: UTF8.self)
        #expect(log.contains("POST /v1/knn 200"), "the access log: \(log)")
    }

    /// Eight clients query a space while the CLI replaces it, again and again, by one of two
    /// versions whose answers differ: no request fails, and every answer is one version's.
    @Test func eightClientsWhileTheCLIReplacesTheSpace() throws {
        let server = try LiveServer()
        let sample = LiveServer.sample
        // Version B: the sample's rows in reverse order under the same keys, so each query's
        // neighbours carry other keys than in version A.
        let original = try Data(contentsOf: sample.appendingPathComponent("minilm.npy"))
        let headerLength = 10 + Int(original[8]) + Int(original[9]) << 8
        let rowBytes = 384 * 4
        var reversed = Data(original.prefix(headerLength))
        for row in (0..<1000).reversed() { reversed.append(original[(headerLength + row * rowBytes)..<(headerLength + (row + 1) * rowBytes)]) }
        let versionB = server.directory.appendingPathComponent("reversed.npy")
        try reversed.write(to: versionB)
        let versions = [sample.appendingPathComponent("minilm.npy").path, versionB.path]
        func register(_ version: Int) throws {
            try server.cli(["register", "v/fortunes", "--embeddings", versions[version], "--keys", "\(sample.path)/keys.txt", "--replace"])
            #expect(server.lastCLIStatus == 0, "register --replace failed (exit \(server.lastCLIStatus))")
        }
        let query = try JSONSerialization.data(withJSONObject: ["from": "v/fortunes", "to": "v/fortunes", "keys": ["3", "4", "11"], "k": 5] as [String: Any])
        /// The answer's results, canonical (sorted keys) so that equal answers are equal bytes.
        @Sendable func results(_ answer: LiveServer.Answer) -> Data? {
            knnResults(answer.body).flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        }
        try register(0)
        let answerA = try #require(results(try server.request("POST", "/v1/knn", body: query)))
        try register(1)
        let answerB = try #require(results(try server.request("POST", "/v1/knn", body: query)))
        #expect(answerA != answerB, "the two versions must answer differently")

        let replacing = ManagedFlag()
        let tally = Tally()
        let clients = DispatchGroup()
        for _ in 0..<8 {
            DispatchQueue.global().async(group: clients) {
                // Bounded: at most 200 requests per client, and none once the replacing ended.
                var sent = 0
                while replacing.isSet && sent < 200 {
                    sent += 1
                    guard let answer = try? server.request("POST", "/v1/knn", body: query) else { tally.record(failure: "curl did not run"); continue }
                    guard answer.status == 200, let got = results(answer) else {
                        tally.record(failure: "\(answer.status) \(String(decoding: answer.body.prefix(200), as: UTF8.self))"); continue
                    }
                    if got == answerA { tally.record(version: 0) }
                    else if got == answerB { tally.record(version: 1) }
                    else { tally.record(failure: "an answer of neither version: \(String(decoding: got.prefix(300), as: UTF8.self))") }
                }
            }
        }
        for round in 0..<8 { try register(round % 2) }
        replacing.clear()
        clients.wait()
        let (counts, failures) = tally.snapshot
        print("8 clients while 8 register --replace ran: \(counts[0]) answers of version A, \(counts[1]) of B, \(failures.count) failed")
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(3))")
        #expect(counts[0] + counts[1] >= 8, "answers: \(counts)")
        // Both versions were seen while the space was being replaced.
        #expect(counts[0] > 0 && counts[1] > 0, "answers per version: \(counts)")
    }
}

final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = true
    var isSet: Bool { lock.withLock { value } }
    func clear() { lock.withLock { value = false } }
}

final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts = [0, 0]
    private var failures: [String] = []
    func record(version: Int) { lock.withLock { counts[version] += 1 } }
    func record(failure: String) { lock.withLock { failures.append(failure) } }
    var snapshot: ([Int], [String]) { lock.withLock { (counts, failures) } }
}
