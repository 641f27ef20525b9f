import Foundation
import Testing

/// `latentdb eval --json` against `protocol.py` (the paper's protocol in NumPy) on the bundled
/// sample: same split, same anchors (fixtures written by make_protocol_fixture.py).
@Suite struct EvalParityTests {
    static let fixtures = CLIHarness.repositoryRoot.appendingPathComponent("Tests/CLITests/Fixtures")
    static let pairs = [("e5", "minilm"), ("minilm", "e5"), ("e5", "glove50"), ("glove50", "e5"), ("minilm", "glove50"), ("glove50", "minilm")]

    nonisolated(unsafe) static let reference: [String: Any] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("protocol_fixture.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    @Test(arguments: pairs)
    func evalMatchesTheReferenceProtocol(_ a: String, _ b: String) throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: [a, b])
        try cli.ok(["anchors", "create", "parity", "--from", "\(a)/fortunes", "--to", "\(b)/fortunes",
                    "--file", Self.fixtures.appendingPathComponent("protocol_anchor_keys.txt").path])
        // protocol.py is the paper's procedure: ortho and l-ortho with the full completion. Into
        // minilm (two dead dimensions) the partial default differs from it by design.
        let ours = try #require(try cli.ok(["eval", "--from", "\(a)/fortunes", "--to", "\(b)/fortunes", "--anchors", "parity",
                                            "--completion", "full", "--json"]).json as? [String: Any])
        let expected = Self.reference["\(a)->\(b)"] as! [String: Any]
        for key in ["n_train", "n_test", "n_anchors"] {
            #expect(ours[key] as? Int == expected[key] as? Int, "\(key)")
        }
        let ourResults = ours["results"] as! [String: [String: Any]]
        let expectedResults = expected["results"] as! [String: [String: Double]]
        #expect(Set(ourResults.keys) == Set(expectedResults.keys))
        for (method, figures) in expectedResults {
            for (metric, value) in figures {
                let mine = try #require(ourResults[method]?[metric] as? Double, "\(a)→\(b) \(method) lacks \(metric)")
                if metric == "mse" || metric == "cosine" {
                    // Continuous figures: Float32 application against the Float64 reference.
                    #expect(abs(mine - value) <= 1e-3 * max(1, abs(value)) + 1e-5, "\(a)→\(b) \(method) \(metric): \(mine) vs \(value)")
                } else {
                    #expect(abs(mine - value) <= 0.005 + 1e-9, "\(a)→\(b) \(method) \(metric): \(mine) vs reference \(value)")
                }
            }
        }
    }
}
