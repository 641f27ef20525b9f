import EmbeddingCodec
import Foundation
import LatentCore
import Testing

@Suite(.bothBackends) struct RegisterExportTests {
    @Test func sampleRoundTripsByteForByte() throws {
        let cli = try CLIHarness()
        try cli.registerSample()
        let ls = try cli.ok(["ls", "--json"]).json as! [[String: Any]]
        #expect(ls.map { $0["space"] as! String } == ["e5/fortunes", "glove50/fortunes", "minilm/fortunes"])
        for model in ["e5", "minilm", "glove50"] {
            let out = cli.path("\(model).npy")
            try cli.ok(["export", "\(model)/fortunes", "--output", out])
            let original = try Data(contentsOf: CLIHarness.sample.appendingPathComponent("\(model).npy"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == original, "\(model) export differs from the registered file")
        }
        let info = try cli.ok(["info", "minilm/fortunes", "--json"]).json as! [String: Any]
        #expect(info["rows"] as? Int == 1000 && info["dim"] as? Int == 384)
        #expect((info["labels"] as! [String: Int]).count == 10)
        #expect((info["splits"] as! [String: Int])["test"] == 200)
    }

    @Test func float64AndFloat16AreStoredAsFloat32() throws {
        let cli = try CLIHarness()
        let m = seededMatrix(rows: 7, columns: 5, seed: 3)
        // Write a float64 file by hand: header + doubles.
        let path = cli.path("f8.npy")
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (7, 5), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
        for v in m.elements { withUnsafeBytes(of: Double(v).bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try cli.ok(["register", "m/d", "--embeddings", path, "--json"]).json as! [String: Any]
        #expect(result["sourceDType"] as? String == "<f8")
        try cli.ok(["export", "m/d", "--output", cli.path("out.npy")])
        #expect(try NPY.readMatrix(path: cli.path("out.npy")).matrix == m)
    }

    @Test func secondModelInAnotherOrderIsRealigned() throws {
        let cli = try CLIHarness()
        let a = seededMatrix(rows: 6, columns: 3, seed: 1), b = seededMatrix(rows: 6, columns: 4, seed: 2)
        let keys = ["k0", "k1", "k2", "k3", "k4", "k5"], order = [3, 0, 5, 1, 4, 2]
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(a, "a.npy"), "--keys", try cli.writeLines(keys, "keys.txt")])
        let result = try cli.ok(["register", "b/d", "--embeddings", try cli.writeNPY(b.gatherRows(order), "b.npy"),
                                 "--keys", try cli.writeLines(order.map { keys[$0] }, "keys-b.txt"), "--json"]).json as! [String: Any]
        #expect(result["realigned"] as? Bool == true)
        try cli.ok(["export", "b/d", "--output", cli.path("b-out.npy")])
        #expect(try NPY.readMatrix(path: cli.path("b-out.npy")).matrix == b)
    }

    @Test func replaceSwapsTheSpaceAndChangesItsVersion() throws {
        let cli = try CLIHarness()
        let keys = try cli.writeLines((0..<5).map(String.init), "keys.txt")
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 5, columns: 3, seed: 1), "a.npy"), "--keys", keys])
        let before = (try cli.ok(["info", "a/d", "--json"]).json as! [String: Any])["version"] as! String
        let replacement = seededMatrix(rows: 5, columns: 3, seed: 9)
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(replacement, "b.npy"), "--keys", keys, "--replace"])
        let after = (try cli.ok(["info", "a/d", "--json"]).json as! [String: Any])["version"] as! String
        #expect(before != after)
        try cli.ok(["export", "a/d", "--output", cli.path("out.npy")])
        #expect(try NPY.readMatrix(path: cli.path("out.npy")).matrix == replacement)
    }

    @Test(arguments: ["lz4", "shuffle-lz4", "bitshuffle-lz4"])
    func everyCodecRoundTrips(_ codec: String) throws {
        let cli = try CLIHarness()
        let file = CLIHarness.sample.appendingPathComponent("glove50.npy").path
        try cli.ok(["register", "glove50/x", "--embeddings", file, "--codec", codec])
        try cli.ok(["export", "glove50/x", "--output", cli.path("out.npy")])
        #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("out.npy"))) == Data(contentsOf: URL(fileURLWithPath: file)))
        let ls = try cli.ok(["ls", "--json"]).json as! [[String: Any]]
        #expect(ls.first?["codec"] as? String == codec)
    }

    @Test func removeDropsTheSpace() throws {
        let cli = try CLIHarness()
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "a.npy")])
        try cli.ok(["rm", "a/d"])
        #expect((try cli.ok(["ls", "--json"]).json as! [Any]).isEmpty)
        try cli.fails(["info", "a/d"], mentioning: ["unknown space 'a/d'"])
    }
}

/// Each bad input: non-zero exit, one clear line, the store exactly as before.
@Suite(.bothBackends) struct RegisterBadInputTests {
    /// A store holding one good space, and its snapshot.
    func prepared() throws -> (CLIHarness, String) {
        let cli = try CLIHarness()
        try cli.ok(["register", "good/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 4, columns: 3, seed: 5), "good.npy")])
        return (cli, try cli.snapshot())
    }

    func expectUnchanged(_ cli: CLIHarness, _ before: String) throws {
        #expect(try cli.snapshot() == before)
        try cli.ok(["export", "good/d", "--output", cli.path("check.npy")])
        #expect(try NPY.readMatrix(path: cli.path("check.npy")).matrix == seededMatrix(rows: 4, columns: 3, seed: 5))
    }

    @Test(arguments: [(Float.nan, "nan"), (Float.infinity, "inf"), (-Float.infinity, "-inf")])
    func nonFiniteValuesNameRowAndColumn(_ value: Float, _ label: String) throws {
        let (cli, before) = try prepared()
        var m = seededMatrix(rows: 3000, columns: 8, seed: 2)
        m[2500, 6] = value
        try cli.fails(["register", "bad/e", "--embeddings", try cli.writeNPY(m, "nan.npy")], mentioning: ["nan.npy", "row 2500, column 6"])
        try expectUnchanged(cli, before)
    }

    @Test func keysOfTheWrongLength() throws {
        let (cli, before) = try prepared()
        try cli.fails(["register", "x/e", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"),
                       "--keys", try cli.writeLines(["a", "b"], "k.txt")], mentioning: ["k.txt", "2 lines", "expected 3"])
        try expectUnchanged(cli, before)
    }

    @Test func duplicateKeys() throws {
        let (cli, before) = try prepared()
        try cli.fails(["register", "x/e", "--embeddings", try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy"),
                       "--keys", try cli.writeLines(["a", "b", "a"], "k.txt")], mentioning: ["duplicate key 'a'", "lines 1 and 3"])
        try expectUnchanged(cli, before)
    }

    @Test func labelsOfTheWrongLength() throws {
        let (cli, before) = try prepared()
        let x = try cli.writeNPY(seededMatrix(rows: 3, columns: 2, seed: 1), "x.npy")
        try cli.fails(["register", "x/e", "--embeddings", x, "--labels", try cli.writeLines(["a"], "l.txt")], mentioning: ["l.txt", "expected 3"])
        try NPY.write(integers: [1, 2, 3, 4], to: cli.path("l.npy"))
        try cli.fails(["register", "x/e", "--embeddings", x, "--labels", cli.path("l.npy")], mentioning: ["l.npy", "4 labels", "expected 3"])
        try expectUnchanged(cli, before)
    }

    @Test func secondModelWithOtherKeys() throws {
        let (cli, before) = try prepared()
        try cli.fails(["register", "other/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 4, columns: 2, seed: 1), "x.npy"),
                       "--keys", try cli.writeLines(["0", "1", "2", "zz"], "k.txt")], mentioning: ["1 missing", "'3'", "1 extra", "'zz'"])
        try expectUnchanged(cli, before)
    }

    @Test func existingSpaceWithoutReplace() throws {
        let (cli, before) = try prepared()
        try cli.fails(["register", "good/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 4, columns: 3, seed: 6), "x.npy")],
                      mentioning: ["good/d already exists", "--replace"])
        try expectUnchanged(cli, before)
    }

    @Test func malformedNPYFiles() throws {
        let (cli, before) = try prepared()
        let good = try Data(contentsOf: URL(fileURLWithPath: try cli.writeNPY(seededMatrix(rows: 4, columns: 3, seed: 1), "ok.npy")))
        let truncated = cli.path("truncated.npy")
        try good.prefix(good.count - 5).write(to: URL(fileURLWithPath: truncated))
        try cli.fails(["register", "x/d", "--embeddings", truncated], mentioning: ["truncated.npy"])
        let notNPY = cli.path("text.npy")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notNPY))
        try cli.fails(["register", "x/d", "--embeddings", notNPY], mentioning: ["text.npy"])
        try cli.fails(["register", "x/d", "--embeddings", cli.path("missing.npy")], mentioning: ["missing.npy"])
        try expectUnchanged(cli, before)
    }

    @Test func unknownSpaceAndBadName() throws {
        let (cli, _) = try prepared()
        try cli.fails(["info", "nope/d"], mentioning: ["unknown space 'nope/d'", "good/d"])
        try cli.fails(["export", "nope/d", "--output", cli.path("o.npy")], mentioning: ["unknown space"])
        try cli.fails(["info", "no-slash"], code: 2, mentioning: ["MODEL/DATASET"])
        #expect(!FileManager.default.fileExists(atPath: cli.path("o.npy")))
    }

    @Test func unknownCodec() throws {
        let (cli, before) = try prepared()
        try cli.fails(["register", "x/d", "--embeddings", try cli.writeNPY(seededMatrix(rows: 2, columns: 2, seed: 1), "x.npy"), "--codec", "zip"],
                      code: 2, mentioning: ["unknown codec 'zip'", "bitshuffle-lz4"])
        try expectUnchanged(cli, before)
    }
}

@Suite struct StoreFileFaultTests {
    @Test func notAStore() throws {
        let cli = try CLIHarness()
        try Data("just some text, definitely not SQLite".utf8).write(to: URL(fileURLWithPath: cli.store))
        try cli.fails(["ls"], code: 3, mentioning: ["not a LatentDB store", cli.store])
        #expect(try String(contentsOfFile: cli.store, encoding: .utf8) == "just some text, definitely not SQLite")
    }

    @Test func missingStoreForAReadCommand() throws {
        let cli = try CLIHarness()
        try cli.fails(["ls"], mentioning: ["no store at", "latentdb init"])
        #expect(!FileManager.default.fileExists(atPath: cli.store))
    }

    @Test func newerFormatVersion() throws {
        let cli = try CLIHarness()
        try cli.ok(["init"])
        // SQLite keeps user_version at byte offset 60 of the database header (big-endian); the
        // last connection's close checkpoints the WAL, so the main file holds the header.
        #expect(!FileManager.default.fileExists(atPath: cli.store + "-wal"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: cli.store))
        bytes[60] = 0; bytes[61] = 0; bytes[62] = 0; bytes[63] = 99
        try bytes.write(to: URL(fileURLWithPath: cli.store))
        try cli.fails(["ls"], code: 3, mentioning: ["format version 99", "newer than this build"])
    }

    @Test func corruptedBlockFailsExportWithAChecksumError() throws {
        let cli = try CLIHarness()
        let m = seededMatrix(rows: 64, columns: 16, seed: 11)
        try cli.ok(["register", "a/d", "--embeddings", try cli.writeNPY(m, "a.npy"), "--codec", "lz4"])
        // Flip one byte in the middle of the stored block: find the block's payload in the file.
        // The block's bytes are in the main file (or, had a checkpoint not run, in the WAL): flip a
        // payload byte wherever the block's magic appears.
        var flipped = 0
        for file in [cli.store, cli.store + "-wal"] where FileManager.default.fileExists(atPath: file) {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            var from = bytes.startIndex
            while let range = bytes.range(of: Data(BlockHeader.magic), in: from..<bytes.endIndex) {
                bytes[range.lowerBound + BlockHeader.size + 100] ^= 0x40
                flipped += 1
                from = range.upperBound
            }
            try bytes.write(to: URL(fileURLWithPath: file))
        }
        #expect(flipped >= 1)
        let result = try cli.run(["export", "a/d", "--output", cli.path("out.npy")])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("a/d") && result.stderr.contains("block 0") && result.stderr.contains("corrupt"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("out.npy")))
    }
}
