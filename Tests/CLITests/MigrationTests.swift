import EmbeddingCodec
import Foundation
import LatentCore
import Testing

@Suite(.bothBackends) struct MigrationAndChainTests {
    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample()
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        return cli
    }

    /// The user's case: a corpus embedded only by the old model (e5/corpus), a paired set seen by
    /// both (fortunes), and queries from the new model (minilm).
    @Test func migrationMaterialisesTheTranslatedSpaceWithProvenance() throws {
        let cli = try prepared()
        try cli.ok(["register", "e5/corpus", "--embeddings", CLIHarness.sample.appendingPathComponent("e5.npy").path,
                    "--keys", CLIHarness.sample.appendingPathComponent("keys.txt").path])
        let summary = try cli.ok(["migrate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--dataset", "corpus",
                                  "--as", "minilm/corpus", "--gate", "mrr>=0.9", "--json"]).json as! [String: Any]
        #expect(summary["passed"] as? Bool == true)
        #expect(((summary["quality"] as! [String: Any])["mrr"] as! Double) >= 0.9)
        let info = try cli.ok(["info", "minilm/corpus", "--json"]).json as! [String: Any]
        #expect((info["provenance"] as? String)?.contains(summary["translator"] as! String) == true)
        // The migrated space holds exactly the translation of every e5 item.
        try cli.ok(["translate", "--translator", summary["translator"] as! String,
                    "--input", CLIHarness.sample.appendingPathComponent("e5.npy").path, "--output", cli.path("expected.npy")])
        try cli.ok(["export", "minilm/corpus", "--output", cli.path("migrated.npy")])
        #expect(try NPY.readMatrix(path: cli.path("migrated.npy")).matrix == NPY.readMatrix(path: cli.path("expected.npy")).matrix)
        // minilm queries now search the e5-embedded corpus directly (same model: no translation).
        let knn = try cli.ok(["knn", "--from", "minilm/fortunes", "--to", "minilm/corpus", "--key", "3", "-k", "1", "--json"]).knnResults
        #expect(((knn[0]["neighbors"] as! [[String: Any]])[0]["key"] as? String) == "3")
    }

    @Test func aMigrationBelowItsGateStoresNothing() throws {
        let cli = try prepared()
        let before = try cli.snapshot()
        try cli.fails(["migrate", "--from", "glove50/fortunes", "--to", "e5/fortunes", "--anchors", "a500",
                       "--as", "e5-mig/fortunes", "--gate", "mrr>=0.9"], mentioning: ["failed its gate", "mrr"])
        #expect(try cli.snapshot() == before)
        #expect((try cli.ok(["translators", "ls", "--json"]).json as! [Any]).isEmpty)
        let warned = try cli.ok(["migrate", "--from", "glove50/fortunes", "--to", "e5/fortunes", "--anchors", "a500",
                                 "--as", "e5-mig/fortunes", "--gate", "mrr>=0.9", "--warn-only"])
        #expect(warned.stderr.contains("warning") && warned.stderr.contains("failed its gate"))
        try cli.fails(["migrate", "--from", "glove50/fortunes", "--to", "e5/fortunes", "--anchors", "a500",
                       "--as", "e5-mig2/fortunes", "--gate", "accuracy>0.5"], code: 2, mentioning: ["METRIC>=VALUE"])
    }

    @Test func chainsComposeCachedTranslatorsAndInvertOrtho() throws {
        let cli = try prepared()
        try cli.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500"])
        try cli.ok(["fit", "--from", "minilm/fortunes", "--to", "glove50/fortunes", "--anchors", "a500"])
        let chained = try cli.ok(["translate", "--from", "e5/fortunes", "--via", "minilm/fortunes", "--to", "glove50/fortunes",
                                  "--key", "3", "--key", "4", "--output", cli.path("chain.npy"), "--json"]).json as! [String: Any]
        #expect((chained["translator"] as? String)?.contains("→") == true)
        // Same as applying the two legs by hand.
        try cli.ok(["translate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500", "--key", "3", "--key", "4", "--output", cli.path("leg1.npy")])
        try cli.ok(["translate", "--from", "minilm/fortunes", "--to", "glove50/fortunes", "--anchors", "a500", "--input", cli.path("leg1.npy"), "--output", cli.path("leg2.npy")])
        #expect(try NPY.readMatrix(path: cli.path("chain.npy")).matrix == NPY.readMatrix(path: cli.path("leg2.npy")).matrix)
        // The reverse chain inverts both ortho legs (no new fit).
        try cli.ok(["translate", "--from", "glove50/fortunes", "--via", "minilm/fortunes", "--to", "e5/fortunes", "--key", "3", "--output", cli.path("back.npy")])
        #expect((try cli.ok(["translators", "ls", "--json"]).json as! [Any]).count == 2)
    }

    @Test func aChainWithAMissingLegThatCannotBeFitted() throws {
        let cli = try prepared()
        try cli.fails(["translate", "--from", "e5/fortunes", "--via", "minilm/fortunes", "--to", "glove50/fortunes", "--key", "3",
                       "--output", cli.path("o.npy")], mentioning: ["no cached ortho translator for e5/fortunes → minilm/fortunes", "--anchors"])
    }
}
