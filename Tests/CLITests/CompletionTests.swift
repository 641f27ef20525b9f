import Foundation
import Testing

/// `--completion` through the real binary: the warning when anchors under-determine the map,
/// the fingerprint, and the eval table that puts the paper's completion beside ours.
@Suite struct CompletionTests {
    func prepared() throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a100", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "100", "--seed", "3"])
        return cli
    }

    @Test(arguments: ["ortho", "lortho", "scaled-ortho"])
    func fewAnchorsWarnWithBothNumbersAndTheWayOut(method: String) throws {
        let cli = try prepared()
        let args = ["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a100", "--method", method]
        let text = try cli.ok(args)
        // 100 centred anchors span at most 99 directions of the 384.
        let warning = try #require(text.stderr.split(separator: "\n").first { $0.hasPrefix("latentdb: warning: ") }, "\(text.stderr)")
        for fragment in ["99 of the 384", "more anchors", "--method ridge"] {
            #expect(warning.contains(fragment), "\(warning)")
        }
        let json = try cli.ok(args + ["--json"]).json as! [String: Any]
        #expect(json["cached"] as? Bool == true)
        #expect((json["warnings"] as? [String])?.count == 1)
        #expect(json["determinedDimensions"] as? Int == 99 && json["mapDimensions"] as? Int == 384)
        #expect(try cli.ok(args + ["--quiet"]).stderr.isEmpty)
    }

    @Test func enoughAnchorsIntoADeadFreeSpaceDoNotWarn() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "glove50"])
        try cli.ok(["anchors", "create", "a200", "--from", "e5/fortunes", "--to", "glove50/fortunes", "--count", "200"])
        let result = try cli.ok(["fit", "--from", "e5/fortunes", "--to", "glove50/fortunes", "--anchors", "a200", "--json"])
        let json = result.json as! [String: Any]
        #expect((json["warnings"] as? [String]) == [])
        #expect(json["determinedDimensions"] as? Int == 50 && json["mapDimensions"] as? Int == 50)
        #expect(!result.stderr.contains("warning"))
        // Ridge is never under-determined: no completion, no warning.
        let ridge = try cli.ok(["fit", "--from", "e5/fortunes", "--to", "glove50/fortunes", "--anchors", "a200", "--method", "ridge", "--json"]).json as! [String: Any]
        #expect(ridge["completion"] == nil && ridge["determinedDimensions"] == nil)
    }

    @Test func completionIsPartOfTheFingerprintOfOrthogonalMapsOnly() throws {
        let cli = try prepared()
        func fingerprint(_ extra: [String]) throws -> String {
            let json = try cli.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a100", "--json"] + extra).json as! [String: Any]
            return json["fingerprint"] as! String
        }
        for method in ["ortho", "lortho", "scaled-ortho", "auto"] {
            #expect(try fingerprint(["--method", method]) != fingerprint(["--method", method, "--completion", "full"]), "\(method)")
        }
        for method in ["linear", "affine", "ridge"] {
            #expect(try fingerprint(["--method", method]) == fingerprint(["--method", method, "--completion", "full"]), "\(method)")
        }
    }

    /// The paper's procedure stays one command away, beside ours: with 100 anchors (rank 99 of 384)
    /// the partial map retrieves better on held-out items than the arbitrary completion.
    @Test func evalReportsBothCompletionsAndPartialWinsWhenUnderDetermined() throws {
        let cli = try prepared()
        let report = try cli.ok(["eval", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "100", "--methods", "ortho,linear",
                                 "--completion", "partial,full", "--json"]).json as! [String: Any]
        let results = report["results"] as! [String: [String: Any]]
        #expect(Set(results.keys) == ["native", "absolute", "ortho", "ortho(full)", "linear"])
        let partial = try #require(results["ortho"]?["top1"] as? Double), full = try #require(results["ortho(full)"]?["top1"] as? Double)
        #expect(partial > full, "partial \(partial) vs full \(full)")
        let cosine = try #require(results["ortho"]?["cosine"] as? Double), fullCosine = try #require(results["ortho(full)"]?["cosine"] as? Double)
        #expect(cosine > fullCosine, "partial \(cosine) vs full \(fullCosine)")
    }
}
