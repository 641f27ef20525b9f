import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// Readers and a writer as separate `latentdb` processes on one store (SQLite's WAL, or
/// PostgreSQL's snapshots): readers never see "database is locked", never a mix of two
/// versions, and never fail.
@Suite(.serialized, .bothBackends) struct ConcurrencyTests {
    /// What the workers saw, gathered under a lock.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var failures: [String] = []
        private(set) var counts: [String: Int] = [:]

        func count(_ what: String) { lock.withLock { counts[what, default: 0] += 1 } }
        func fail(_ what: String) { lock.withLock { failures.append(what) } }
    }

    @Test func readersSeeWholeVersionsWhileAWriterReplaces() throws {
        let cli = try CLIHarness()
        // A: every value in (0, 1]; B: every value in [-1, 0). Same shape, three blocks of
        // 5461 rows at d = 96, so a reader that mixed versions would show both signs.
        let rows = 12_000, columns = 96
        let a = seededMatrix(rows: rows, columns: columns, seed: 11)
        let b = seededMatrix(rows: rows, columns: columns, seed: 12)
        let aPath = try cli.writeNPY(Matrix(rows: rows, columns: columns, elements: a.elements.map { abs($0) + 1e-3 }), "a.npy")
        let bPath = try cli.writeNPY(Matrix(rows: rows, columns: columns, elements: b.elements.map { -abs($0) - 1e-3 }), "b.npy")
        let aBytes = try Data(contentsOf: URL(fileURLWithPath: aPath)), bBytes = try Data(contentsOf: URL(fileURLWithPath: bPath))

        func register(_ path: String, replace: Bool) throws -> String {
            let result = try cli.ok(["register", "x/d", "--embeddings", path, "--json"] + (replace ? ["--replace"] : []))
            return (result.json as? [String: Any])?["version"] as? String ?? "?"
        }
        _ = try register(bPath, replace: false)
        let versionB = try cli.ok(["info", "x/d", "--json"]).json.flatMap { ($0 as? [String: Any])?["version"] as? String } ?? "?"
        let versionA = try register(aPath, replace: true)
        #expect(versionA != versionB)

        let log = Log()
        let deadline = Date().addingTimeInterval(15)
        let group = DispatchGroup()
        // Threads of their own, not the global queue: with the rest of the suite running in
        // parallel, queued workers could start after the deadline and test nothing.
        func worker(_ name: String, _ body: @escaping @Sendable (Int) throws -> Void) {
            group.enter()
            Thread {
                var iteration = 0
                while Date() < deadline || iteration < 2 {
                    do { try body(iteration) } catch { log.fail("\(name): \(error)") }
                    iteration += 1
                }
                group.leave()
            }.start()
        }
        @Sendable func checkStatus(_ name: String, _ result: CLIHarness.Result) -> Bool {
            let text = result.stderr.lowercased()
            if text.contains("locked") || text.contains("busy") { log.fail("\(name): busy: \(result.stderr)") }
            if result.status != 0 { log.fail("\(name): exit \(result.status): \(result.stderr)"); return false }
            return true
        }

        worker("writer") { i in
            let result = try cli.run(["register", "x/d", "--embeddings", i % 2 == 0 ? bPath : aPath, "--replace"])
            if checkStatus("writer", result) { log.count("writes") }
        }
        worker("export") { i in
            let out = cli.path("export-\(i).npy")
            defer { try? FileManager.default.removeItem(atPath: out) }
            guard checkStatus("export", try cli.run(["export", "x/d", "--output", out])) else { return }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
            if bytes == aBytes { log.count("export A") } else if bytes == bBytes { log.count("export B") } else {
                let values = try NPY.readMatrix(path: out).matrix.elements
                log.fail("export \(i) is neither A nor B: \(values.filter { $0 > 0 }.count) values of A's sign, \(values.filter { $0 < 0 }.count) of B's")
            }
        }
        worker("knn") { _ in
            let result = try cli.run(["knn", "--from", "x/d", "--to", "x/d", "--key", "0", "-k", "5", "--metric", "ip", "--json"])
            guard checkStatus("knn", result) else { return }
            // A query row and the rows it is scored against come from one version: A·A > 0 and
            // B·B > 0, while a query read from A and searched in B (or the reverse) scores < 0.
            let results: [[String: Any]]? = result.knnResults
            let scores = (results?.first?["neighbors"] as? [[String: Any]] ?? []).compactMap { ($0["score"] as? NSNumber)?.doubleValue }
            if scores.count != 5 { log.fail("knn: \(scores.count) neighbours: \(result.stdout.prefix(300))") }
            if scores.contains(where: { $0 <= 0 }) { log.fail("knn mixed two versions (query from one, items from the other): scores \(scores)") }
            log.count("knn")
        }
        worker("info") { _ in
            let result = try cli.run(["info", "x/d", "--json"])
            guard checkStatus("info", result) else { return }
            let version = (result.json as? [String: Any])?["version"] as? String
            if version == versionA { log.count("info A") } else if version == versionB { log.count("info B") } else {
                log.fail("info: version \(version ?? "nil") is neither A's \(versionA) nor B's \(versionB)")
            }
        }
        group.wait()

        print("concurrency drill: \(log.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        #expect(log.failures.isEmpty, "\(log.failures.count) failures, first: \(log.failures.prefix(5))")
        #expect((log.counts["writes"] ?? 0) >= 2, "the writer replaced the space fewer than twice: the drill tested little")
        #expect((log.counts["export A"] ?? 0) + (log.counts["export B"] ?? 0) >= 2)
        #expect((log.counts["knn"] ?? 0) >= 2 && (log.counts["info A"] ?? 0) + (log.counts["info B"] ?? 0) >= 2)
        // The store is whole afterwards.
        try cli.ok(["check"])
    }
}
