import Foundation
import Testing

/// A store written by the first release (schema 1, block format 1, translator parameters 1),
/// frozen in the fixtures: every later build must open it, upgrade it and read it unchanged.
@Suite struct FrozenStoreTests {
    static let fixtures = CLIHarness.repositoryRoot.appendingPathComponent("Tests/CLITests/Fixtures")

    @Test func version1StoreOpensUpgradesAndReadsBack() throws {
        let cli = try CLIHarness()
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("store-v1.db").path, toPath: cli.store)
        try cli.ok(["check"])
        let spaces = try cli.ok(["ls", "--json"]).json as! [[String: Any]]
        #expect(spaces.map { $0["space"] as! String } == ["glove50/fortunes", "rotated/fortunes"])
        for (space, original) in [("glove50/fortunes", CLIHarness.sample.appendingPathComponent("glove50.npy")),
                                  ("rotated/fortunes", Self.fixtures.appendingPathComponent("store-v1-rotated.npy"))] {
            try cli.ok(["export", space, "--output", cli.path("out.npy")])
            #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("out.npy"))) == Data(contentsOf: original), "\(space)")
        }
        // The first release had only the paper's full completion of ortho (arbitrary on directions
        // rank-deficient anchors leave undetermined). Asked for that, the cached translator is found
        // again under the same fingerprint: fingerprints are stable.
        let full = try cli.ok(["fit", "--from", "glove50/fortunes", "--to", "rotated/fortunes", "--anchors", "a200",
                               "--completion", "full", "--json"]).json as! [String: Any]
        #expect(full["cached"] as? Bool == true)
        #expect(full["fingerprint"] as? String == "aaa2cb12a5e7ccb48693cdcf037ae1f8")
        // The default is now the partial completion, a different map wherever the anchors are
        // rank-deficient: its fingerprint differs, so an old full-completion translator is never
        // served as a partial one (it is fitted anew, once, and cached beside the old one).
        let partial = try cli.ok(["fit", "--from", "glove50/fortunes", "--to", "rotated/fortunes", "--anchors", "a200", "--json"]).json as! [String: Any]
        #expect(partial["cached"] as? Bool == false)
        #expect(partial["fingerprint"] as? String != "aaa2cb12a5e7ccb48693cdcf037ae1f8")
        #expect(partial["completion"] as? String == "partial")
        let again = try cli.ok(["fit", "--from", "glove50/fortunes", "--to", "rotated/fortunes", "--anchors", "a200", "--json"]).json as! [String: Any]
        #expect(again["cached"] as? Bool == true && again["fingerprint"] as? String == partial["fingerprint"] as? String)
        // Upgraded in place: the newer tables exist.
        try cli.ok(["hub", "ls"])
    }
}
