import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// Issue 16: reuse the translator already fitted, say which one answered, one JSON shape per
/// command, gates without shell traps, help that reads well, `explain`.
@Suite struct CachedTranslatorTests {
    func prepared(models: [String] = ["e5", "minilm"]) throws -> CLIHarness {
        let cli = try CLIHarness()
        try cli.registerSample(models: models)
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        return cli
    }

    func fingerprint(_ cli: CLIHarness, _ args: [String]) throws -> String {
        let fit = try cli.ok(["fit", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500"] + args + ["--json"])
        return try #require(JSONValue.parse(fit.stdout)["fingerprint"].flatMap { if case let .string(s) = $0 { s } else { nil } })
    }

    func string(_ value: JSONValue?) -> String? { if case let .string(s)? = value { s } else { nil } }

    /// created_at has one-second resolution: the next fit must be visibly newer.
    func nextSecond() { Thread.sleep(forTimeInterval: 1.1) }

    @Test func knnAfterFitNeedsNoAnchorsAndSaysWhichTranslator() throws {
        let cli = try prepared()
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3"], code: 1,
                      mentioning: ["error[E0680]", "no cached translator from model 'e5' to model 'minilm'",
                                   "latentdb fit --from e5/fortunes --to minilm/fortunes --anchors NAME"])
        let ortho = try fingerprint(cli, [])
        let reused = try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3", "--key", "4", "-k", "5", "--json"])
        #expect(reused.stderr.contains("using cached translator \(ortho.prefix(12))"), "\(reused.stderr)")
        let json = try JSONValue.parse(reused.stdout)
        #expect(string(json["translator"]) == ortho)
        #expect(string(json["cachedTranslator"]?["reason"]) == "only")
        #expect(string(json["cachedTranslator"]?["anchors"]) == "a500")
        // The same answer as naming the anchors (the same cached translator).
        let named = try JSONValue.parse(try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3", "--key", "4",
                                                    "-k", "5", "--anchors", "a500", "--json"]).stdout)
        #expect(json["results"] == named["results"])
        #expect(named["cachedTranslator"] == nil, "a named translator is not a cached default")
        // --quiet keeps stderr empty.
        #expect(try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3", "--quiet"]).stderr.isEmpty)
    }

    @Test func severalEstimatorsPreferAutoElseTheNewestAndSaySo() throws {
        let cli = try prepared()
        let ortho = try fingerprint(cli, ["--method", "ortho"])
        nextSecond()
        let linear = try fingerprint(cli, ["--method", "linear", "--scaling", "l2"])
        let query = ["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3", "--json"]
        let newest = try cli.ok(query)
        let choice = try JSONValue.parse(newest.stdout)["cachedTranslator"]
        #expect(string(choice?["fingerprint"]) == linear)
        #expect(string(choice?["reason"]) == "newest")
        #expect(choice?["alternatives"] == .array([.string("ortho+standard \(ortho.prefix(12))")]))
        #expect(newest.stderr.contains("the newest of 2 that qualify") && newest.stderr.contains("pass --method"), "\(newest.stderr)")
        // Asked for: only that method (or scaling) qualifies.
        #expect(string(try JSONValue.parse(try cli.ok(query + ["--method", "ortho"]).stdout)["translator"]) == ortho)
        #expect(string(try JSONValue.parse(try cli.ok(query + ["--scaling", "standard"]).stdout)["translator"]) == ortho)
        #expect(string(try JSONValue.parse(try cli.ok(query + ["--scaling", "l2"]).stdout)["translator"]) == linear)
        try cli.fails(query + ["--method", "affine"], mentioning: ["(method affine)", "2 with another method or scaling",
                                                                    "--anchors NAME --method affine"])
        // A translator auto chose wins over the newer plain fits.
        let auto = try fingerprint(cli, ["--method", "auto"])
        nextSecond()
        _ = try fingerprint(cli, ["--method", "lortho"])
        let preferred = try JSONValue.parse(try cli.ok(query).stdout)["cachedTranslator"]
        #expect(string(preferred?["fingerprint"]) == auto)
        #expect(string(preferred?["reason"]) == "auto")
        #expect(string(try JSONValue.parse(try cli.ok(query + ["--method", "auto"]).stdout)["translator"]) == auto)
    }

    @Test func aReplacedSpaceMakesItsTranslatorsStale() throws {
        let cli = try prepared()
        _ = try fingerprint(cli, [])
        var minilm = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("minilm.npy").path).matrix
        minilm.elements = minilm.elements.map { $0 * 2 }
        try cli.ok(["register", "minilm/fortunes", "--embeddings", try cli.writeNPY(minilm, "minilm2.npy"),
                    "--keys", CLIHarness.sample.appendingPathComponent("keys.txt").path, "--replace"])
        try cli.fails(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3"],
                      mentioning: ["error[E0680]", "1 stale: fitted on spaces since replaced"])
    }

    @Test func anImportedTranslatorQualifiesInAnotherStore() throws {
        let cli = try prepared()
        let ortho = try fingerprint(cli, [])
        let file = cli.path("e5-to-minilm.ldbt")
        try cli.ok(["translator", "export", ortho, "--output", file])
        // Another project: the same two models on other data (here, other names), no anchors at all.
        let other = cli.path("other.db")
        for model in ["e5", "minilm"] {
            try cli.ok(["register", "\(model)/notes", "--embeddings", CLIHarness.sample.appendingPathComponent("\(model).npy").path,
                        "--keys", CLIHarness.sample.appendingPathComponent("keys.txt").path], store: other)
        }
        try cli.ok(["translator", "import", file], store: other)
        let result = try cli.ok(["knn", "--from", "e5/notes", "--to", "minilm/notes", "--key", "3", "-k", "1", "--json"], store: other)
        let json = try JSONValue.parse(result.stdout)
        #expect(string(json["cachedTranslator"]?["origin"]) == "imported")
        #expect(string(json["translator"]) == ortho)
        #expect(string(json["results"].flatMap { if case let .array(a) = $0 { a.first?["neighbors"] } else { nil } }
            .flatMap { if case let .array(n) = $0 { n.first?["key"] } else { nil } }) == "3", "\(result.stdout)")
        // migrate can use it, but cannot estimate its quality without its anchors.
        let migrated = try cli.ok(["migrate", "--from", "e5/notes", "--to", "minilm/notes", "--as", "minilm-m/notes", "--json"], store: other)
        #expect(try JSONValue.parse(migrated.stdout)["quality"] == nil)
        let gated = try cli.run(["migrate", "--from", "e5/notes", "--to", "minilm/notes", "--as", "minilm-g/notes", "--gate", "mrr:0.5"], store: other)
        #expect(gated.status == 1 && gated.stderr.contains("error[E0681]") && gated.stderr.contains("'a500' is not in this store"), "\(gated.stderr)")
    }

    @Test func classifyTranslateAndMigrateUseTheCachedTranslator() throws {
        let cli = try prepared()
        let ortho = try fingerprint(cli, [])
        let classify = try cli.ok(["classify", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--key", "3", "--json"])
        #expect(string(try JSONValue.parse(classify.stdout)["translator"]) == ortho)
        #expect(classify.stderr.contains("using cached translator"))
        let input = CLIHarness.sample.appendingPathComponent("e5.npy").path
        let translated = try cli.ok(["translate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--input", input,
                                     "--output", cli.path("cached.npy"), "--json"])
        #expect(string(try JSONValue.parse(translated.stdout)["cachedTranslator"]?["fingerprint"]) == ortho)
        try cli.ok(["translate", "--translator", ortho, "--input", input, "--output", cli.path("named.npy")])
        #expect(try NPY.readMatrix(path: cli.path("cached.npy")).matrix == NPY.readMatrix(path: cli.path("named.npy")).matrix)
        // migrate: the held-out estimate comes from the translator's own anchor set.
        let migrate = try JSONValue.parse(try cli.ok(["migrate", "--from", "e5/fortunes", "--to", "minilm/fortunes",
                                                      "--as", "minilm-m/fortunes", "--gate", "mrr:0.5", "--json"]).stdout)
        let fitted = try JSONValue.parse(try cli.ok(["migrate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                                                     "--as", "minilm-f/fortunes", "--json"]).stdout)
        #expect(string(migrate["translator"]) == ortho && migrate["passed"] == .bool(true))
        #expect(migrate["quality"] != nil && migrate["quality"] == fitted["quality"], "same anchors, same estimator: same estimate")
    }
}

@Suite struct GateSyntaxTests {
    @Test(arguments: ["mrr:0.9", "mrr>=0.9", "mrr≥0.9", "mrr : 0.9"])
    func everyFormIsTheSameGate(_ form: String) throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        let summary = try JSONValue.parse(try cli.ok(["migrate", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                                                      "--as", "minilm-m/fortunes", "--gate", form, "--json"]).stdout)
        #expect(summary["gate"] == .string("mrr>=0.9"))
    }

    /// What the README's old line did when pasted: the shell took `>=0.9` as a redirection.
    @Test func theShellTrapIsGoneFromWhatWeTellUsersToType() throws {
        let readme = try String(contentsOf: CLIHarness.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for line in readme.split(separator: "\n") where line.contains("--gate") && line.contains("latentdb migrate") {
            #expect(!line.contains(">="), "README: \(line)")
        }
    }
}

@Suite struct JSONShapeTests {
    static let schemas = CLIHarness.repositoryRoot.appendingPathComponent("schema/json")

    func validate(_ stdout: String, _ schema: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var validator = JSONSchemaValidator(directory: Self.schemas)
        let violations = try validator.violations(of: try JSONValue.parse(stdout), against: schema)
        #expect(violations.isEmpty, "\(schema):\n\(violations.joined(separator: "\n"))\n\(stdout.prefix(2000))", sourceLocation: sourceLocation)
    }

    @Test func everyCommandsOutputMatchesItsSchema() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        let pair = ["--from", "e5/fortunes", "--to", "minilm/fortunes"]
        try validate(try cli.ok(["fit"] + pair + ["--anchors", "a500", "--json"]).stdout, "fit.schema.json")
        try validate(try cli.ok(["fit"] + pair + ["--anchors", "a500", "--method", "auto", "--json"]).stdout, "fit.schema.json")
        for extra in [[], ["--csls"], ["--anchors", "a500"]] {
            try validate(try cli.ok(["knn"] + pair + ["--key", "3", "--key", "4", "-k", "3", "--json"] + extra).stdout, "knn.schema.json")
        }
        try validate(try cli.ok(["knn", "--from", "e5/fortunes", "--to", "e5/fortunes", "--key", "3", "--json"]).stdout, "knn.schema.json")
        try validate(try cli.ok(["classify"] + pair + ["--key", "3", "--json"]).stdout, "classify.schema.json")
        try validate(try cli.ok(["translate"] + pair + ["--key", "3", "--output", cli.path("t.npy"), "--json"]).stdout, "translate.schema.json")
        try validate(try cli.ok(["eval"] + pair + ["--count", "200", "--methods", "ortho,auto", "--json"]).stdout, "eval.schema.json")
        try validate(try cli.ok(["eval"] + pair + ["--sweep-anchors", "50,100", "--methods", "ortho", "--json"]).stdout, "eval-sweep.schema.json")
        try validate(try cli.ok(["migrate"] + pair + ["--as", "minilm-m/fortunes", "--gate", "mrr:0.5", "--json"]).stdout, "migrate.schema.json")
        try validate(try cli.run(["explain", "E0514", "--json"], withStore: false).stdout, "explain.schema.json")
    }

    @Test func knnJSONSaysWhatAnswered() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["e5", "minilm"])
        try cli.ok(["anchors", "create", "a500", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--count", "500"])
        let json = try JSONValue.parse(try cli.ok(["knn", "--from", "e5/fortunes", "--to", "minilm/fortunes", "--anchors", "a500",
                                                   "--key", "3", "-k", "4", "--metric", "l2", "--json"]).stdout)
        #expect(json["k"] == .integer(4) && json["metric"] == .string("l2") && json["csls"] == .bool(false))
        #expect(json["from"] == .string("e5/fortunes") && json["to"] == .string("minilm/fortunes"))
        if case let .string(fingerprint)? = json["translator"] { #expect(fingerprint.count == 32) } else { Issue.record("no translator: \(json)") }
    }

    /// Guards the guard: the validator must reject what the schemas forbid.
    @Test func theValidatorCatchesViolations() throws {
        var validator = JSONSchemaValidator(directory: Self.schemas)
        let good = #"{"from":"a/d","to":"b/d","k":1,"metric":"cosine","csls":false,"results":[{"query":"0","neighbors":[{"key":"0","score":1,"row":0}]}]}"#
        #expect(try validator.violations(of: try JSONValue.parse(good), against: "knn.schema.json").isEmpty)
        let bad: [(String, String)] = [
            (#"[{"query":"0","neighbors":[]}]"#, "expected object, found array"),
            (good.replacingOccurrences(of: #""k":1"#, with: #""k":1.5"#), "$.k: expected integer, found number"),
            (good.replacingOccurrences(of: #""csls":false,"#, with: ""), "missing required 'csls'"),
            (good.replacingOccurrences(of: #""metric":"cosine""#, with: #""metric":"hamming""#), "is not one of"),
            (good.replacingOccurrences(of: #""row":0"#, with: #""row":0,"extra":true"#), "unexpected property 'extra'"),
            (good.replacingOccurrences(of: #""score":1"#, with: #""score":"1""#), "$.results[0].neighbors[0].score: expected number"),
            (good.replacingOccurrences(of: #""csls":false"#, with: #""csls":0"#), "$.csls: expected boolean, found integer"),
        ]
        for (text, expected) in bad {
            let found = try validator.violations(of: try JSONValue.parse(text), against: "knn.schema.json")
            #expect(found.contains { $0.contains(expected) }, "\(expected) not in \(found)")
        }
    }
}

@Suite struct ExplainTests {
    @Test func everyCodeHasAnExplanation() {
        for code in ErrorCode.allCases {
            let e = code.explanation
            #expect(e.meaning.count > 20 && e.fix.count > 10 && !e.causes.isEmpty && e.causes.allSatisfy { $0.count > 5 }, "\(code.rawValue)")
            #expect(e.meaning.hasSuffix(".") && e.fix.hasSuffix("."), "\(code.rawValue): sentences end with a full stop")
        }
    }

    @Test(arguments: [ErrorCode.refineNeedsUnpaired, .gateSyntax, .storeFull, .noCachedTranslator])
    func explainPrintsTheCataloguesText(_ code: ErrorCode) throws {
        let cli = try CLIHarness()
        for spelling in [code.rawValue, code.rawValue.lowercased(), String(code.rawValue.dropFirst())] {
            let text = try cli.run(["explain", spelling], withStore: false)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.hasPrefix("\(code.rawValue): exit \(code.exitStatus.rawValue)"))
            #expect(text.stdout.contains("Usual causes:") && text.stdout.contains("What to do:"))
            // Wrapped, so compare the words.
            let words = text.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains(code.explanation.meaning) && words.contains(code.explanation.fix), "\(text.stdout)")
        }
        let json = try JSONValue.parse(try cli.run(["explain", code.rawValue, "--json"], withStore: false).stdout)
        #expect(json["code"] == .string(code.rawValue) && json["exit"] == .integer(Int64(code.exitStatus.rawValue)))
        #expect(json["causes"] == .array(code.explanation.causes.map { .string($0) }))
    }

    @Test func explainWithoutACodeListsThemAll() throws {
        let cli = try CLIHarness()
        let list = try cli.run(["explain"], withStore: false)
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == ErrorCode.allCases.count + 1, "a header and one line per code")
        if case let .array(all) = try JSONValue.parse(try cli.run(["explain", "--json"], withStore: false).stdout) {
            #expect(all.count == ErrorCode.allCases.count)
        } else { Issue.record("explain --json without a code is not an array") }
    }
}
