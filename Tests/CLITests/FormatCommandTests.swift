import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// The codec fixtures (Tests/EmbeddingCodecTests/Fixtures/make_format_fixtures.py): 3 × 5 matrices.
private func codecFixture(_ name: String) -> String {
    CLIHarness.repositoryRoot.appendingPathComponent("Tests/EmbeddingCodecTests/Fixtures/\(name)").path
}

@Suite struct FormatCommandTests {
    /// Each format registers through `--embeddings`, with `--member` (or its aliases) where needed.
    @Test(arguments: [
        (["one_3x5.npz"], "<f4"), (["one_3x5_compressed.npz"], "<f8"), (["three.npz", "--array", "emb"], "<f4"),
        (["three.npz", "--member", "emb.npy"], "<f4"), (["f32_3x5.safetensors"], "<f4"), (["bf16_3x5.safetensors"], "bf16"),
        (["two.safetensors", "--tensor", "emb"], "<f4"), (["f32_3x5.fvecs"], "<f4"), (["u8_3x4.bvecs"], "|u1"),
    ])
    func registersEveryFormat(args: [String], dtype: String) throws {
        let cli = try CLIHarness()
        let result = try cli.ok(["register", "m/d", "--embeddings", codecFixture(args[0])] + args.dropFirst() + ["--json"]).json as! [String: Any]
        #expect(result["sourceDType"] as? String == dtype)
        try cli.ok(["export", "m/d", "--output", cli.path("out.npy")])
        let expected = try EmbeddingFile.readMatrix(path: codecFixture(args[0]), member: args.count > 2 ? args[2] : nil).matrix
        #expect(try NPY.readMatrix(path: cli.path("out.npy")).matrix == expected)
    }

    @Test func severalArraysWithoutMemberIsAnError() throws {
        let cli = try CLIHarness()
        try cli.fails(["register", "m/d", "--embeddings", codecFixture("three.npz")], mentioning: ["three.npz", "holds 3 arrays (emb, other, labels)", "--member"])
        try cli.fails(["register", "m/d", "--embeddings", codecFixture("two.safetensors")], mentioning: ["two.safetensors", "holds 2 tensors"])
        try cli.fails(["register", "m/d", "--embeddings", codecFixture("two.safetensors"), "--tensor", "bias"], mentioning: ["'bias'", "2-D"])
        #expect(try cli.run(["ls", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func nanInSafetensorsIsRefusedAtRegister() throws {
        let cli = try CLIHarness()
        var m = seededMatrix(rows: 4, columns: 3, seed: 2)
        m[2, 1] = .nan
        let path = cli.path("nan.safetensors")
        try EmbeddingFile.write(m, to: path, format: .safetensors)
        try cli.fails(["register", "m/d", "--embeddings", path], mentioning: ["nan.safetensors", "row 2, column 1", "NaN and ±Inf are refused"])
    }

    /// Export in each format reads back to the registered values; npy stays byte-identical.
    @Test func exportFormatsRoundTrip() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["minilm"])
        let original = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("minilm.npy").path).matrix
        for format in ["npy", "safetensors", "fvecs"] {
            let out = cli.path("minilm.\(format)")
            let result = try cli.ok(["export", "minilm/fortunes", "--output", out, "--format", format, "--json"]).json as! [String: Any]
            #expect(result["format"] as? String == format)
            let back = try EmbeddingFile.readMatrix(path: out).matrix
            #expect(back.elements.map(\.bitPattern) == original.elements.map(\.bitPattern), "\(format)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("minilm.npy"))) == Data(contentsOf: CLIHarness.sample.appendingPathComponent("minilm.npy")))
        try cli.fails(["export", "minilm/fortunes", "--output", cli.path("x"), "--format", "parquet"], code: 2, mentioning: ["parquet"])
    }

    /// `--input` takes every format: the same rows as .npy and as .fvecs give the same neighbours.
    @Test func queryInputAcceptsOtherFormats() throws {
        let cli = try CLIHarness()
        try cli.registerSample(models: ["minilm"])
        let rows = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("minilm.npy").path).matrix.gatherRows([3, 4])
        let npy = try cli.writeNPY(rows, "q.npy")
        let fvecs = cli.path("q.fvecs"), st = cli.path("q.safetensors")
        try EmbeddingFile.write(rows, to: fvecs, format: .fvecs)
        try EmbeddingFile.write(rows, to: st, format: .safetensors)
        let base = ["knn", "--from", "minilm/fortunes", "--to", "minilm/fortunes", "-k", "3", "--json", "--input"]
        let expected = try cli.ok(base + [npy]).stdout
        #expect(try cli.ok(base + [fvecs]).stdout == expected)
        #expect(try cli.ok(base + [st, "--tensor", "embeddings"]).stdout == expected)
        try cli.fails(base + [fvecs, "--member", "x"], mentioning: ["q.fvecs", "holds one matrix"])
        try cli.fails(["knn", "--from", "minilm/fortunes", "--to", "minilm/fortunes", "--key", "3", "--member", "x"], code: 2, mentioning: ["--member x", "--input"])
    }
}

@Suite struct ShellTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsGenerate(shell: String) throws {
        let cli = try CLIHarness()
        let result = try cli.run(["--generate-completion-script", shell], withStore: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.count > 500)
        for subcommand in ["register", "anchors", "translators", "knn", "export"] {
            #expect(result.stdout.contains(subcommand), "\(shell) completion lacks \(subcommand)")
        }
    }

    static let commands: [[String]] = [
        [], ["init"], ["register"], ["ls"], ["info"], ["export"], ["rm"], ["anchors"], ["anchors", "create"], ["anchors", "ls"],
        ["anchors", "show"], ["anchors", "rm"], ["fit"], ["translate"], ["translators"], ["translators", "ls"], ["translators", "rm"],
        ["translator"], ["translator", "export"], ["translator", "import"], ["knn"], ["classify"], ["eval"], ["check"], ["vacuum"],
    ]

    /// Every command's help carries an example.
    @Test(arguments: commands)
    func helpHasAnExample(command: [String]) throws {
        let cli = try CLIHarness()
        let result = try cli.run(command + ["--help"], withStore: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Example"), "latentdb \(command.joined(separator: " ")) --help has no example")
        #expect(result.stdout.contains("latentdb \(command.first ?? "")"))
    }
}
