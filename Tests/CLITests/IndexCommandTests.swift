import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// `latentdb index …` and k-NN through an index, on the bundled sample's real embeddings.
@Suite(.bothBackends) struct IndexCommandTests {
    static let sample = CLIHarness.sample
    static let keys = (try? String(contentsOf: sample.appendingPathComponent("keys.txt"), encoding: .utf8))?
        .split(separator: "\n").map(String.init) ?? []

    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        return cli
    }

    func knn(_ cli: CLIHarness, keys: [String], k: Int = 10, _ extra: [String] = []) throws -> [[String: Any]] {
        try cli.ok(["knn", "--from", "minilm/fortunes", "--to", "minilm/fortunes", "-k", "\(k)", "--json"]
                   + keys.flatMap { ["--key", $0] } + extra).json.map(Self.results)!
    }

    /// The result list of `knn --json` (an object with `results`).
    static func results(_ json: Any) -> [[String: Any]] { (json as! [String: Any])["results"] as! [[String: Any]] }

    static func rows(_ result: [String: Any]) -> [Int] { (result["neighbors"] as! [[String: Any]]).map { $0["row"] as! Int } }
    static func search(_ result: [String: Any]) -> [String: Any] { result["search"] as? [String: Any] ?? [:] }

    @Test func createReportsItsDefaultsAndACalibratedNProbe() throws {
        let cli = try prepared()
        let info = try cli.ok(["index", "create", "minilm/fortunes", "--json"]).json as! [String: Any]
        // 4·√1000 ≈ 126 lists; 64 per list exceeds the rows, so all 1000 rows train.
        #expect(info["lists"] as? Int == 126)
        #expect(info["sample"] as? Int == 1000)
        #expect(info["state"] as? String == "current")
        let nprobe = try #require(info["defaultNProbe"] as? Int)
        let recall = try #require(info["recallAtDefault"] as? Double)
        #expect(recall >= 0.95 && nprobe >= 1 && nprobe <= 126)
        // The calibration is monotone and the default is the first point reaching 0.95.
        let points = try #require((info["calibration"] as? [String: Any])?["points"] as? [[String: Any]])
        let recalls = points.map { $0["recall"] as! Double }
        #expect(recalls == recalls.sorted())
        #expect(points.filter { ($0["nprobe"] as! Int) < nprobe }.allSatisfy { ($0["recall"] as! Double) < 0.95 })
        #expect(recalls.last == 1)
        #expect((info["listRowsMin"] as! Int) >= 0 && (info["listRowsMax"] as! Int) <= 1000)

        let ls = try cli.ok(["index", "ls", "--json"]).json as! [[String: Any]]
        #expect(ls.count == 1 && ls[0]["space"] as? String == "minilm/fortunes" && ls[0]["defaultNProbe"] as? Int == nprobe)
        let text = try cli.ok(["index", "info", "minilm/fortunes"]).stdout
        #expect(text.contains("default nprobe \(nprobe)") && text.contains("126 lists"))
        #expect(try cli.ok(["check"]).stdout.contains("1 indexes"))
    }

    @Test func knnProbesTheIndexAndFullProbeEqualsExact() throws {
        let cli = try prepared()
        let info = try cli.ok(["index", "create", "minilm/fortunes", "--lists", "32", "--seed", "3", "--json"]).json as! [String: Any]
        let nprobe = info["defaultNProbe"] as! Int
        let queries = Array(Self.keys.prefix(60))
        let exact = try knn(cli, keys: queries, ["--exact"])
        let indexed = try knn(cli, keys: queries)
        let full = try knn(cli, keys: queries, ["--nprobe", "32"])
        #expect(Self.search(exact[0])["mode"] as? String == "exact" && Self.search(exact[0])["reason"] as? String == "--exact")
        #expect(Self.search(indexed[0])["mode"] as? String == "indexed" && Self.search(indexed[0])["nprobe"] as? Int == nprobe)
        #expect((Self.search(indexed[0])["rowsScored"] as! Int) < 1000)
        // All lists probed: the same rows, in the same order, as the exact scan.
        for (e, f) in zip(exact, full) { #expect(Self.rows(e) == Self.rows(f)) }
        // At the default nprobe: the recall measured at build time holds on these queries too.
        let hits = zip(exact, indexed).reduce(0) { $0 + Set(Self.rows($1.0)).intersection(Self.rows($1.1)).count }
        #expect(Double(hits) / Double(10 * queries.count) >= 0.9, "recall@10 \(Double(hits) / 600)")
        // Each item finds itself first through the index.
        #expect(zip(queries, indexed).filter { ($1["neighbors"] as! [[String: Any]])[0]["key"] as? String == $0 }.count >= 58)

        // Cross-model: translated first, then probed.
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        let cross = try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "-k", "3", "--json"]).json.map(Self.results)!
        #expect(Self.search(cross[0])["mode"] as? String == "indexed")
        #expect((cross[0]["neighbors"] as! [[String: Any]])[0]["key"] as? String == "3")
        // CSLS needs every row: it scans exactly, and says so.
        let csls = try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "--csls", "--json"]).json.map(Self.results)!
        #expect(Self.search(csls[0])["reason"] as? String == "csls")
    }

    @Test func aReplacedSpacesIndexIsNeverUsed() throws {
        let cli = try prepared()
        try cli.ok(["index", "create", "minilm/fortunes", "--lists", "16"])
        // Same content: same version, the index stays current.
        let minilm = Self.sample.appendingPathComponent("minilm.npy").path, e5 = Self.sample.appendingPathComponent("e5.npy").path
        let keysFile = Self.sample.appendingPathComponent("keys.txt").path
        try cli.ok(["register", "minilm/fortunes", "--embeddings", minilm, "--keys", keysFile, "--replace"])
        #expect(Self.search(try knn(cli, keys: ["4"])[0])["mode"] as? String == "indexed")
        // Other content (e5's rows under minilm's name): stale, and knn scans exactly.
        try cli.ok(["register", "minilm/fortunes", "--embeddings", e5, "--keys", keysFile, "--replace"])
        let ls = try cli.ok(["index", "ls", "--json"]).json as! [[String: Any]]
        #expect(ls[0]["state"] as? String == "stale")
        #expect(try cli.ok(["index", "ls"]).stdout.contains("stale"))
        let after = try knn(cli, keys: ["4"], k: 5)
        #expect(Self.search(after[0])["mode"] as? String == "exact" && Self.search(after[0])["reason"] as? String == "stale index")
        // The answer is the new content's: identical to e5's own exact search.
        let e5Answer = try cli.ok(["knn", "--from", "e5/fortunes", "--to", "e5/fortunes", "--key", "4", "-k", "5", "--json"]).json.map(Self.results)!
        #expect(Self.rows(after[0]) == Self.rows(e5Answer[0]))
        try cli.fails(["knn", "--from", "minilm/fortunes", "--to", "minilm/fortunes", "--key", "4", "--nprobe", "2"],
                      mentioning: ["E0422", "its index is stale"])
        // Rebuilt: current again; removed: gone.
        try cli.ok(["index", "create", "minilm/fortunes", "--lists", "16"])
        #expect((try cli.ok(["index", "ls", "--json"]).json as! [[String: Any]])[0]["state"] as? String == "current")
        try cli.ok(["index", "rm", "minilm/fortunes"])
        #expect(try cli.ok(["index", "ls"]).stdout.contains("no indexes"))
        #expect(Self.search(try knn(cli, keys: ["4"])[0])["reason"] as? String == "no index")
    }

    @Test func checkFindsACorruptIndexBlock() throws {
        let cli = try CLIHarness()
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 300, columns: 8, seed: 4), "a.npy")])
        try cli.ok(["index", "create", "a/d", "--lists", "6"])
        #expect(try cli.ok(["check"]).stdout.contains("ok:"))
        try corruptIndexBlocks(cli)
        let check = try cli.run(["check"])
        #expect(check.status == 3)
        #expect(check.stdout.contains("problem: index of a/d, list 0, block 0 is corrupt"), "\(check.stdout)")
        let report = try #require(try cli.run(["check", "--json"]).json as? [String: Any])
        #expect(report["indexesChecked"] as? Int == 1 && (report["problems"] as? [String])?.isEmpty == false)
    }

    /// Copies store files to start each drill from the same state: SQLite only (PostgresFaultTests
    /// kills a client mid-write on PostgreSQL).
    @Test(.tags(.sqliteOnly)) func indexCreationKilledAtSeededMomentsLeavesNoIndexOrTheWholeOne() throws {
        let cli = try CLIHarness()
        let base = cli.store
        try cli.ok(["register", "e5/big", "--embeddings", try cli.writeNPY(try CrashSafetyTests.tiledSample("e5", rows: 20_000), "big.npy")])
        // An uninterrupted build gives the reference (the build is deterministic for its seed).
        let reference = cli.path("reference.db")
        try CrashSafetyTests.copyStore(base, to: reference)
        let started = Date()
        try cli.ok(["index", "create", "e5/big", "--lists", "100", "--seed", "7"], store: reference)
        let duration = Date().timeIntervalSince(started)
        let expected = try cli.ok(["knn", "--from", "e5/big", "--to", "e5/big", "--key", "17", "--key", "9001", "--json"], store: reference).stdout
        var killed = 0
        for (i, moment) in CrashSafetyTests.moments(count: 6, duration: duration, seed: CrashSafetyTests.seed, span: 0.9).enumerated() {
            let store = cli.path("drill-\(i).db")
            try CrashSafetyTests.copyStore(base, to: store)
            defer { CrashSafetyTests.removeStore(store) }
            if try CrashSafetyTests.killAfter(moment, cli, ["index", "create", "e5/big", "--lists", "100", "--seed", "7"], store: store) { killed += 1 }
            let ls = try cli.run(["index", "ls", "--json"], store: store)
            #expect(ls.status == 0, "moment \(moment): \(ls.stderr)")
            let indexes = ls.json as? [[String: Any]] ?? []
            #expect(indexes.count <= 1, "moment \(moment)")
            if indexes.isEmpty { continue }
            #expect(indexes[0]["state"] as? String == "current" && indexes[0]["lists"] as? Int == 100, "moment \(moment)")
            #expect(try cli.ok(["check"], store: store).stdout.contains("ok:"), "moment \(moment)")
            let answer = try cli.ok(["knn", "--from", "e5/big", "--to", "e5/big", "--key", "17", "--key", "9001", "--json"], store: store).stdout
            #expect(answer == expected, "moment \(moment)")
        }
        #expect(killed >= 3, "only \(killed) of 6 moments killed the build")
    }
}
