import Foundation
import Testing

/// `latentdb compare` through the real binary on the bundled sample (the measures themselves
/// are checked against NumPy in AlignmentTests/SimilarityTests).
@Suite struct CompareTests {
    @Test func aSpaceIsIdenticalToItselfAndSimilarityIsSymmetric() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        let same = try cli.ok(["compare", "e5/fortunes", "e5/fortunes", "--json"]).json as! [String: Any]
        for key in ["linearCKA", "svcca", "mutualKNN", "orthoTop1"] {
            #expect(abs((same[key] as! Double) - 1) <= 1e-6, "\(key): \(same[key]!)")
        }
        let ab = try cli.ok(["compare", "e5/fortunes", "minilm/fortunes", "--json"]).json as! [String: Any]
        let ba = try cli.ok(["compare", "minilm/fortunes", "e5/fortunes", "--json"]).json as! [String: Any]
        #expect(ab["items"] as? Int == 1000 && ab["k"] as? Int == 10 && ab["heldOut"] as? Int == 200)
        for key in ["linearCKA", "svcca", "mutualKNN"] {
            let x = ab[key] as! Double, y = ba[key] as! Double
            #expect(abs(x - y) <= 1e-6 && x > 0 && x < 1, "\(key): \(x) vs \(y)")
        }
        // Two different models of the same texts: related, not identical.
        #expect((ab["orthoTop1"] as! Double) > 0.5)
        let text = try cli.ok(["compare", "e5/fortunes", "minilm/fortunes"]).stdout
        #expect(text.contains("linear CKA") && text.contains("SVCCA") && text.contains("mutual 10-NN"))
    }

    @Test func onAnAnchorSetItComparesItsPairs() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a300", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "300"])
        let r = try cli.ok(["compare", "e5/fortunes", "minilm/fortunes", "--anchors", "a300", "-k", "5", "--json"]).json as! [String: Any]
        #expect(r["items"] as? Int == 300 && r["anchors"] as? String == "a300" && r["k"] as? Int == 5)
    }

    @Test func everyPairOfADatasetWithAHeatmap() throws {
        let cli = try CLIHarness()
        try cli.registerSample()
        let plot = cli.path("matrix.svg")
        let m = try cli.ok(["compare", "--dataset", "fortunes", "--plot", plot, "--json"]).json as! [String: Any]
        #expect((m["spaces"] as? [String])?.count == 3)
        let pairs = m["pairs"] as! [[String: Any]]
        #expect(pairs.count == 6)
        #expect(Set(pairs.map { "\($0["from"]!)>\($0["to"]!)" }).count == 6)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("linear CKA") && svg.contains("glove50/fortunes"))
        let text = try cli.ok(["compare", "--dataset", "fortunes"]).stdout
        #expect(text.split(separator: "\n").count == 2 + 6)
    }
}
