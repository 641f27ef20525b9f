import EmbeddingCodec
import Foundation
import LatentCore
import Testing

@Suite(.bothBackends) struct QueryCommandTests {
    func prepared(models: [String] = ["e5", "minilm"]) throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: models)
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        return cli
    }

    @Test func crossModelNeighboursFindTheSameItem() throws {
        let cli = try prepared()
        let keys = ["3", "4", "11", "16", "19"]
        let json = try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "-k", "5", "--json"]
                              + keys.flatMap { ["--key", $0] }).knnResults
        #expect(json.count == 5)
        var hits = 0
        for (key, result) in zip(keys, json) {
            let neighbors = result["neighbors"] as! [[String: Any]]
            #expect(neighbors.count == 5)
            let scores = neighbors.map { $0["score"] as! Double }
            #expect(scores == scores.sorted(by: >))
            #expect(neighbors.allSatisfy { $0["label"] is String && $0["key"] is String })
            if neighbors.first?["key"] as? String == key { hits += 1 }
        }
        // e5 → minilm ortho retrieves the same fortune first about 96% of the time.
        #expect(hits >= 4)
    }

    @Test func sameSpaceSearchFindsItselfFirst() throws {
        let cli = try prepared()
        let json = try cli.ok(["knn", "--from", "minilm/fortunes", "--to", "minilm/fortunes", "--key", "4", "-k", "3", "--json"]).knnResults
        let first = (json[0]["neighbors"] as! [[String: Any]])[0]
        #expect(first["key"] as? String == "4" && abs((first["score"] as! Double) - 1) < 1e-5)
        for metric in ["ip", "l2"] {
            let r = try cli.ok(["knn", "--from", "minilm/fortunes", "--to", "minilm/fortunes", "--key", "4", "-k", "2", "--metric", metric, "--json"]).knnResults
            #expect(((r[0]["neighbors"] as! [[String: Any]])[0]["key"] as? String) == "4")
        }
    }

    @Test func cslsRescoringKeepsTheTrueMatchOnTop() throws {
        let cli = try prepared()
        let json = try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "-k", "3", "--csls", "--json"]).knnResults
        #expect(((json[0]["neighbors"] as! [[String: Any]])[0]["key"] as? String) == "3")
    }

    @Test(arguments: ["knn", "linear"])
    func classifyPredictsLabelsFromAnotherModel(_ decoder: String) throws {
        let cli = try prepared()
        let items = try String(contentsOf: CLIHarness.sample.appendingPathComponent("split.txt"), encoding: .utf8).split(separator: "\n")
        let keys = try String(contentsOf: CLIHarness.sample.appendingPathComponent("keys.txt"), encoding: .utf8).split(separator: "\n")
        let labels = try String(contentsOf: CLIHarness.sample.appendingPathComponent("labels.txt"), encoding: .utf8).split(separator: "\n")
        let test = items.indices.filter { items[$0] == "test" }
        let file = try cli.writeLines(test.map { String(keys[$0]) }, "test-keys.txt")
        let json = try cli.ok(["classify", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--keys", file,
                               "--decoder", decoder, "--json"]).json as! [String: Any]
        let predictions = json["predictions"] as! [[String: Any]]
        #expect(predictions.count == test.count)
        let correct = zip(predictions, test).filter { ($0.0["label"] as? String) == String(labels[$0.1]) }.count
        // Ten noisy classes (chance 0.1): stitched predictions land well above chance.
        #expect(Double(correct) / Double(test.count) > 0.25, "accuracy \(Double(correct) / Double(test.count))")
    }

    @Test func evalShowsThePapersPattern() throws {
        let cli = try prepared()
        let report = try cli.ok(["eval", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500", "--methods", "ortho,linear", "--csls", "--json"]).json as! [String: Any]
        let results = report["results"] as! [String: [String: Double]]
        #expect(results["absolute"]!["accuracy_knn"]! < 0.2)
        #expect(results["ortho"]!["accuracy_knn"]! > 0.4)
        #expect(results["ortho"]!["top1"]! > 0.8)
        #expect(results["ortho"]!["top1_csls"] != nil)
        #expect(report["n_anchors"] as? Int == 500 && report["n_test"] as? Int == 200)
    }
}

@Suite(.bothBackends) struct QueryBadInputTests {
    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        return cli
    }

    @Test func kOutOfRange() throws {
        let cli = try prepared()
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "-k", "0"], code: 2, mentioning: ["-k 0"])
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "-k", "5000"],
                      mentioning: ["k = 5000", "1000 items"])
    }

    @Test func queryOfTheWrongDimension() throws {
        let cli = try prepared()
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                       "--input", try cli.writeNPY(seededMatrix(rows: 2, columns: 50, seed: 1), "q.npy")],
                      mentioning: ["q.npy", "50 columns", "expected 384"])
    }

    @Test func unknownKeys() throws {
        let cli = try prepared()
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "--key", "nope"],
                      mentioning: ["1 unknown keys", "'nope'"])
    }

    @Test func nanInAQuery() throws {
        let cli = try prepared()
        var q = seededMatrix(rows: 3, columns: 384, seed: 1)
        q[1, 7] = .nan
        try cli.fails(["classify", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--input", try cli.writeNPY(q, "q.npy")],
                      mentioning: ["q.npy", "row 1, column 7"])
    }

    @Test func classifyingIntoASpaceWithoutLabels() throws {
        let cli = try CLIHarness()
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 30, columns: 4, seed: 1), "a.npy")])
        try cli.fails(["classify", "--from", "a/d", "--to", "a/d", "--key", "3"], mentioning: ["a/d has no labelled items", "--labels"])
    }

    @Test func emptyTestSplit() throws {
        let cli = try CLIHarness()
        let split = try cli.writeLines(Array(repeating: "train", count: 30), "split.txt")
        for (model, seed) in [("a", UInt64(1)), ("b", 2)] {
            try cli.ok(["register", "\(model)/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 30, columns: 4, seed: seed), "\(model).npy"), "--split", split])
        }
        try cli.fails(["eval", "--from", "a/d", "--to", "b/d", "--count", "10"], mentioning: ["empty test split"])
    }

    @Test func translationWithoutATranslator() throws {
        let cli = try prepared()
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3"], code: 1,
                      mentioning: ["no cached translator", "latentdb fit --from e5/fortunes --to minilm/fortunes --anchors NAME"])
    }
}

@Suite(.bothBackends) struct SweepCommandTests {
    @Test func sweepWritesTheFigureAndOneEvaluationPerCount() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        let sweep = try cli.ok(["eval", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--sweep-anchors", "50,200,600",
                                "--methods", "ortho,linear", "--plot", cli.path("sweep.svg"), "--json"]).json as! [String: Any]
        #expect(sweep["counts"] as? [Int] == [50, 200, 600])
        let evaluations = sweep["evaluations"] as! [[String: Any]]
        let top1 = evaluations.map { (($0["results"] as! [String: [String: Double]])["ortho"]!["top1"])! }
        #expect(top1.last! > top1.first!, "more anchors, better retrieval: \(top1)")
        let svg = try String(contentsOfFile: cli.path("sweep.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("number of anchors") && svg.contains("linear"))
        try cli.fails(["eval", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--plot", cli.path("x.svg")], code: 2, mentioning: ["--plot needs --sweep-anchors"])
    }
}
