import EmbeddingCodec
import Foundation
import LatentCore
import Testing

@Suite(.bothBackends) struct FitCacheTests {
    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a300", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "300", "--seed", "1"])
        return cli
    }

    func fit(_ cli: CLIHarness, _ extra: [String] = []) throws -> [String: Any] {
        try #require(try cli.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a300", "--json"] + extra).json as? [String: Any])
    }

    @Test func sameInputsComeFromTheCacheAndAReplacedSpaceMisses() throws {
        let cli = try prepared()
        let first = try fit(cli)
        #expect(first["cached"] as? Bool == false)
        let second = try fit(cli)
        #expect(second["cached"] as? Bool == true)
        #expect(second["fingerprint"] as? String == first["fingerprint"] as? String)
        #expect(try fit(cli, ["--refit"])["cached"] as? Bool == false)
        #expect(try fit(cli, ["--method", "linear"])["fingerprint"] as? String != first["fingerprint"] as? String)

        // Replace minilm with the same rows slightly changed: a new version, a new fingerprint.
        var changed = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("minilm.npy").path).matrix
        changed[0, 0] += 0.001
        try cli.ok(["register", "minilm/fortunes", "--embeddings", try cli.writeNPY(changed, "m2.npy"),
                    "--keys", CLIHarness.sample.appendingPathComponent("keys.txt").path, "--replace"])
        let third = try fit(cli)
        #expect(third["cached"] as? Bool == false)
        #expect(third["fingerprint"] as? String != first["fingerprint"] as? String)
        let list = try cli.ok(["translators", "ls", "--json"]).json as! [[String: Any]]
        let stale = list.first { $0["fingerprint"] as? String == first["fingerprint"] as? String }
        #expect(stale?["current"] as? Bool == false)
    }

    @Test func replacedAnchorSetMisses() throws {
        let cli = try prepared()
        let first = try fit(cli)
        try cli.ok(["anchors", "create", "a300", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "300", "--seed", "2", "--replace"])
        let second = try fit(cli)
        #expect(second["cached"] as? Bool == false && second["fingerprint"] as? String != first["fingerprint"] as? String)
    }

    @Test func exportedTranslatorTranslatesIdenticallyInAFreshStore() throws {
        let cli = try prepared()
        let id = try fit(cli)["fingerprint"] as! String
        let queries = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("e5.npy").path).matrix.gatherRows(0..<50)
        let input = try cli.writeNPY(queries, "held-out.npy")
        try cli.ok(["translate", "--translator", String(id.prefix(8)), "--input", input, "--output", cli.path("here.npy")])
        try cli.ok(["translator", "export", String(id.prefix(10)), "--output", cli.path("t.ldbt")])

        let other = try CLIHarness()
        let imported = try other.ok(["translator", "import", cli.path("t.ldbt"), "--json"]).json as! [String: Any]
        #expect(imported["fingerprint"] as? String == id)
        try other.ok(["translate", "--translator", id, "--input", input, "--output", other.path("there.npy")])
        let here = try NPY.readMatrix(path: cli.path("here.npy")).matrix, there = try NPY.readMatrix(path: other.path("there.npy")).matrix
        #expect(here == there && here.rows == 50 && here.columns == 384)
        #expect(try other.ok(["translator", "import", cli.path("t.ldbt"), "--json"]).json.map { ($0 as! [String: Any])["alreadyPresent"] as? Bool } == true)
    }

    @Test func translatingItemsByKeyMatchesTranslatingTheirVectors() throws {
        let cli = try prepared()
        try cli.ok(["translate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a300", "--key", "3", "--key", "4",
                    "--output", cli.path("by-key.npy")])
        let e5 = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("e5.npy").path).matrix
        try cli.ok(["translate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a300",
                    "--input", try cli.writeNPY(e5.gatherRows([0, 1]), "q.npy"), "--output", cli.path("by-vector.npy")])
        #expect(try NPY.readMatrix(path: cli.path("by-key.npy")).matrix == NPY.readMatrix(path: cli.path("by-vector.npy")).matrix)
    }
}

@Suite(.bothBackends) struct TranslatorBadInputTests {
    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a300", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "300"])
        return cli
    }

    @Test func unknownSpacesAndAnchorSets() throws {
        let cli = try prepared()
        try cli.fails(["fit", "--from", "nope/fortunes", "--to", "minilm/fortunes", "--anchors", "a300"], mentioning: ["unknown space 'nope/fortunes'"])
        try cli.fails(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "zzz"], mentioning: ["unknown anchor set 'zzz'", "a300"])
        try cli.fails(["anchors", "show", "zzz"], mentioning: ["unknown anchor set 'zzz'"])
    }

    @Test func anchorFileWithKeysMissingFromTheSpaces() throws {
        let cli = try prepared()
        try cli.fails(["anchors", "create", "bad", "--from", "e5/fortunes", "--to", "minilm/fortunes",
                       "--file", try cli.writeLines(["3", "4", "no-such-key", "also-missing"], "anchors.txt")],
                      mentioning: ["2 keys not in the store", "'no-such-key' (line 3"])
        #expect((try cli.ok(["anchors", "ls", "--json"]).json as! [Any]).count == 1)
    }

    @Test func fewerThanTwoAnchors() throws {
        let cli = try prepared()
        try cli.fails(["anchors", "create", "one", "--from", "e5/fortunes", "--to", "minilm/fortunes",
                       "--file", try cli.writeLines(["3"], "one.txt")], mentioning: ["2 anchors needed, found 1"])
        try cli.fails(["anchors", "create", "one", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "1"],
                      code: 2, mentioning: ["2 anchors needed"])
    }

    @Test func fewerAnchorsThanDimensionsWarnsButWorks() throws {
        let cli = try prepared()
        let result = try cli.ok(["anchors", "create", "small", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "50"])
        #expect(result.stderr.contains("warning") && result.stderr.contains("fewer than the 384 dimensions"))
        try cli.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "small", "--method", "linear"])
    }

    /// Registration refuses NaN (and blocks are checksummed), so anchors cannot hold one: NaN
    /// anchors are refused by `Translator.fit` (TranslationTests); here, the query path.
    @Test func queryContainingNaN() throws {
        let cli = try CLIHarness()
        var m = seededMatrix(rows: 20, columns: 4, seed: 1)
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(m, "a.npy")])
        m[5, 2] = .nan
        try cli.ok(["register", "b/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 20, columns: 3, seed: 2), "b.npy")])
        try cli.ok(["anchors", "create", "all", "--from", "a/d", "--to", "b/d", "--count", "20"])
        try cli.fails(["translate", "--from", "a/d", "--to", "b/d", "--anchors", "all", "--input", try cli.writeNPY(m, "q.npy"),
                       "--output", cli.path("o.npy")], mentioning: ["q.npy", "row 5, column 2"])
    }

    @Test func translatorFileFaults() throws {
        let cli = try prepared()
        let id = (try cli.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a300", "--json"]).json as! [String: Any])["fingerprint"] as! String
        try cli.ok(["translator", "export", id, "--output", cli.path("t.ldbt")])
        let good = try Data(contentsOf: URL(fileURLWithPath: cli.path("t.ldbt")))
        let other = try CLIHarness()
        func attempt(_ bytes: Data, _ name: String, _ fragments: [String]) throws {
            try bytes.write(to: URL(fileURLWithPath: other.path(name)))
            try other.fails(["translator", "import", other.path(name)], mentioning: [name] + fragments)
        }
        try attempt(good.prefix(good.count / 2), "truncated.ldbt", ["truncated"])
        var corrupt = good
        corrupt[good.count / 2] ^= 0x01
        try attempt(corrupt, "corrupt.ldbt", ["checksum mismatch"])
        var newer = good
        newer[20] = 9  // the version follows the 20-byte magic
        try attempt(newer, "newer.ldbt", ["format version 9 is newer"])
        try attempt(Data("not a translator".utf8), "text.ldbt", ["bad magic"])
        #expect((try other.ok(["translators", "ls", "--json"]).json as! [Any]).isEmpty)
    }

    @Test func translatorOfTheWrongDimensionOrModel() throws {
        let cli = try prepared()
        let id = (try cli.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a300", "--json"]).json as! [String: Any])["fingerprint"] as! String
        try cli.fails(["translate", "--translator", id, "--input", try cli.writeNPY(seededMatrix(rows: 2, columns: 50, seed: 1), "q50.npy"),
                       "--output", cli.path("o.npy")], mentioning: ["q50.npy", "50 columns", "expected 384"])
        try cli.fails(["translate", "--from", "minilm/fortunes", "--to", "e5/fortunes", "--translator", id, "--key", "3",
                       "--output", cli.path("o.npy")], mentioning: ["translates model 'e5'"])
        try cli.fails(["translators", "rm", "zzzz"], mentioning: ["no translator with id 'zzzz'"])
    }
}
