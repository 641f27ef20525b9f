import EmbeddingCodec
import Foundation
import LatentCore
import Testing

@Suite struct BeyondThePaperTests {
    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample()
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        return cli
    }

    @Test func autoRecordsItsChoiceAndEveryCandidate() throws {
        let cli = try prepared()
        let fit = try cli.ok(["fit", "--from", "glove50/fortunes", "--to", "e5/fortunes", "--anchors", "a500", "--method", "auto", "--json"]).json as! [String: Any]
        let selection = try #require(fit["selection"] as? [[String: Any]])
        #expect(selection.count >= 10)
        let chosen = try #require(fit["chosen"] as? String)
        let best = selection.max { ($0["score"] as? Double ?? -1) < ($1["score"] as? Double ?? -1) }!
        #expect(best["candidate"] as? String == chosen)
        // Cached like any translator, under its own fingerprint.
        let again = try cli.ok(["fit", "--from", "glove50/fortunes", "--to", "e5/fortunes", "--anchors", "a500", "--method", "auto", "--json"]).json as! [String: Any]
        #expect(again["cached"] as? Bool == true && again["chosen"] as? String == chosen)
        let ortho = try cli.ok(["fit", "--from", "glove50/fortunes", "--to", "e5/fortunes", "--anchors", "a500", "--json"]).json as! [String: Any]
        #expect(ortho["fingerprint"] as? String != fit["fingerprint"] as? String)
    }

    @Test func evalReportsTheNewOptionsAndTheyBeatPlainOrthoOnAHardPair() throws {
        let cli = try prepared()
        try cli.ok(["hub", "create", "h3", "--spaces", "e5/fortunes,minilm/fortunes,glove50/fortunes", "--anchors", "a500"])
        let report = try cli.ok(["eval", "--from", "glove50/fortunes", "--to", "e5/fortunes", "--count", "500", "--methods", "ortho,auto,ridge,scaled-ortho",
                                 "--refine", "2", "--csls", "--via-hub", "h3", "--json"]).json as! [String: Any]
        let results = report["results"] as! [String: [String: Any]]
        for name in ["ortho", "auto", "ridge", "scaled-ortho", "ortho+refine", "auto+refine", "hub"] {
            let r = try #require(results[name], "missing \(name)")
            for key in ["accuracy_knn", "top1", "top5", "mrr", "mse", "cosine", "top1_csls", "mrr_csls"] {
                #expect(r[key] is Double, "\(name) lacks \(key)")
            }
        }
        let top1 = { (name: String) in results[name]!["top1"] as! Double }
        #expect(max(top1("auto"), top1("auto+refine"), top1("ortho+refine")) >= top1("ortho") + 0.05)
        #expect(abs(top1("hub") - top1("ortho")) <= 0.05)
    }

    @Test func geometricSamplersDrawDistinctTrainItems() throws {
        let cli = try prepared()
        for sampler in ["farthest", "kmeans"] {
            try cli.ok(["anchors", "create", sampler, "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "100", "--sampler", sampler])
            let detail = try cli.ok(["anchors", "show", sampler, "--limit", "0", "--json"]).json as! [String: Any]
            let keys = (detail["pairs"] as! [[String]]).map { $0[0] }
            #expect(keys.count == 100 && Set(keys).count == 100)
            let split = try String(contentsOf: CLIHarness.sample.appendingPathComponent("split.txt"), encoding: .utf8).split(separator: "\n")
            let all = try String(contentsOf: CLIHarness.sample.appendingPathComponent("keys.txt"), encoding: .utf8).split(separator: "\n")
            let train = Set(all.indices.filter { split[$0] == "train" }.map { String(all[$0]) })
            #expect(keys.allSatisfy(train.contains))
        }
        let report = try cli.ok(["eval", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "100", "--sampler", "kmeans", "--methods", "ortho", "--json"]).json as! [String: Any]
        #expect(report["n_anchors"] as? Int == 100)
    }

    @Test func hubTranslatesBetweenAnyTwoMembers() throws {
        let cli = try prepared()
        try cli.ok(["hub", "create", "h3", "--spaces", "e5/fortunes,minilm/fortunes,glove50/fortunes", "--anchors", "a500"])
        let knn = try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--via-hub", "h3", "--key", "3", "-k", "1", "--json"]).knnResults
        #expect(((knn[0]["neighbors"] as! [[String: Any]])[0]["key"] as? String) == "3")
        let hubs = try cli.ok(["hub", "ls", "--json"]).json as! [[String: Any]]
        #expect(hubs.first?["current"] as? Bool == true)
        // Replacing a member makes the hub stale: it refuses rather than translating with old maps.
        var changed = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("minilm.npy").path).matrix
        changed[0, 0] += 0.01
        try cli.ok(["register", "minilm/fortunes", "--embeddings", try cli.writeNPY(changed, "m.npy"),
                    "--keys", CLIHarness.sample.appendingPathComponent("keys.txt").path, "--replace"])
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--via-hub", "h3", "--key", "3"], mentioning: ["stale"])
    }

    @Test func badInput() throws {
        let cli = try prepared()
        // A hub over spaces of different datasets without a correspondence.
        try cli.ok(["register", "e5/other", "--embeddings", CLIHarness.sample.appendingPathComponent("e5.npy").path])
        try cli.fails(["hub", "create", "bad", "--spaces", "e5/fortunes,e5/other", "--anchors", "a500"], mentioning: ["dataset 'other'", "correspondence"])
        // auto with too few anchors for its folds.
        try cli.ok(["anchors", "create", "tiny", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "6"])
        try cli.fails(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "tiny", "--method", "auto"], mentioning: ["at least 10 anchors", "found 6"])
        // Refinement with no unpaired items: every item is an anchor.
        try cli.ok(["register", "a/small", "--embeddings", try cli.writeNPY(seededMatrix(rows: 20, columns: 4, seed: 1), "a.npy")])
        try cli.ok(["register", "b/small", "--embeddings", try cli.writeNPY(seededMatrix(rows: 20, columns: 4, seed: 2), "b.npy")])
        try cli.ok(["anchors", "create", "every", "--from", "a/small", "--to", "b/small", "--count", "20"])
        try cli.fails(["fit", "--from", "a/small", "--to", "b/small", "--anchors", "every", "--refine", "2"], mentioning: ["--refine needs unpaired items"])
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--via-hub", "nope", "--key", "3"], mentioning: ["unknown hub 'nope'"])
    }
}
