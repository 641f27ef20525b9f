import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// Kill drills: `latentdb` is SIGKILLed at seeded moments while it writes, and the store must
/// come back as if the command had never started or had finished — never half of it.
///
/// Each drill runs on a fresh copy of a prepared store, so the moments are independent. A kill
/// may land before the process opened the store or after it committed: both are valid outcomes,
/// and the invariants are the same.
@Suite(.serialized) struct CrashSafetyTests {
    static let seed: UInt64 = 0x5EED_C4A5

    /// Real embeddings (the sample's e5 rows) tiled to `rows`, each copy scaled a little so that
    /// no two blocks are identical.
    static func tiledSample(_ model: String, rows: Int) throws -> Matrix<Float> {
        let sample = try NPY.readMatrix(path: CLIHarness.sample.appendingPathComponent("\(model).npy").path).matrix
        var elements = [Float]()
        elements.reserveCapacity(rows * sample.columns)
        for row in 0..<rows {
            let scale = 1 + Float(row / sample.rows) / 1024
            let source = row % sample.rows
            for column in 0..<sample.columns { elements.append(sample[source, column] * scale) }
        }
        return Matrix(rows: rows, columns: sample.columns, elements: elements)
    }

    /// Copies the store file (and its WAL, which holds committed pages until a checkpoint).
    static func copyStore(_ from: String, to: String) throws {
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: from + suffix) {
            try? FileManager.default.removeItem(atPath: to + suffix)
            try FileManager.default.copyItem(atPath: from + suffix, toPath: to + suffix)
        }
    }

    static func removeStore(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Starts `args` on `store`, SIGKILLs it after `delay` seconds, and returns whether it was
    /// killed (false: it had already exited, with status 0 required).
    static func killAfter(_ delay: Double, _ cli: CLIHarness, _ args: [String], store: String) throws -> Bool {
        let process = try cli.launch(args, store: store)
        let deadline = Date().addingTimeInterval(delay)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            #expect(process.terminationStatus == SIGKILL)
            return true
        }
        #expect(process.terminationStatus == 0, "latentdb \(args.joined(separator: " ")) exited \(process.terminationStatus) before the kill")
        return false
    }

    /// Seeded moments in [0, 1.25·duration): one per equal slice, so early (first blocks),
    /// middle and late (near commit, and just after it) moments are all drawn.
    /// `count` seeded moments spread over `span` × the reference `duration` (past its end by default, so
    /// some runs complete; a short command whose time varies more than itself wants a `span` below 1).
    static func moments(count: Int, duration: Double, seed: UInt64, span: Double = 1.25) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { slice in
            let u = Double(generator.next() % 10_000) / 10_000
            return span * duration * (Double(slice) + u) / Double(count)
        }
    }

    static func spaceNames(_ cli: CLIHarness, store: String) throws -> [String]? {
        let ls = try cli.run(["ls", "--json"], store: store)
        #expect(ls.status == 0, "the store does not open after the kill: \(ls.stderr)")
        return (ls.json as? [[String: Any]])?.compactMap { $0["space"] as? String }
    }

    @Test func registerKilledAtTwentyMomentsLeavesNoPartialSpace() throws {
        let cli = try CLIHarness()
        let base = cli.store
        let e5 = CLIHarness.sample.appendingPathComponent("e5.npy").path
        try cli.ok(["register", "e5/fortunes", "--embeddings", e5,
                    "--keys", CLIHarness.sample.appendingPathComponent("keys.txt").path])
        let e5Bytes = try Self.bytes(e5)

        // About 24 MiB raw (12 blocks of 1365 rows): a debug `register` takes a few seconds.
        let big = try cli.writeNPY(try Self.tiledSample("e5", rows: 16_000), "big.npy")
        let bigBytes = try Self.bytes(big)
        let registerBig = ["register", "e5/big", "--embeddings", big]

        // How long an uninterrupted run takes on this machine, now.
        let probe = cli.path("probe.db")
        try Self.copyStore(base, to: probe)
        let started = Date()
        try cli.ok(registerBig, store: probe)
        let duration = Date().timeIntervalSince(started)
        Self.removeStore(probe)

        var outcomes: [String] = []
        for (i, delay) in Self.moments(count: 20, duration: duration, seed: Self.seed).enumerated() {
            let store = cli.path("kill-\(i).db")
            try Self.copyStore(base, to: store)
            let killed = try Self.killAfter(delay, cli, registerBig, store: store)

            // The store opens (SQLite replays or drops the WAL: no repair step) and checks clean.
            let spaces = try Self.spaceNames(cli, store: store) ?? []
            let check = try cli.run(["check"], store: store)
            #expect(check.status == 0, "check after a kill at \(delay) s: \(check.stdout) \(check.stderr)")
            // The space that was there is untouched.
            try cli.ok(["export", "e5/fortunes", "--output", cli.path("e5-out.npy")], store: store)
            #expect(try Self.bytes(cli.path("e5-out.npy")) == e5Bytes, "e5/fortunes changed after a kill at \(delay) s")
            // The interrupted one is absent or whole.
            if spaces.contains("e5/big") {
                try cli.ok(["export", "e5/big", "--output", cli.path("big-out.npy")], store: store)
                #expect(try Self.bytes(cli.path("big-out.npy")) == bigBytes, "e5/big is partial after a kill at \(delay) s")
                outcomes.append(killed ? "complete(killed after commit)" : "complete")
            } else {
                #expect(!killed || spaces == ["e5/fortunes"], "unexpected spaces \(spaces)")
                #expect(killed, "register exited 0 but e5/big is missing")
                outcomes.append("absent")
            }
            Self.removeStore(store)
        }
        print("register kill drill (seed \(Self.seed), run \(String(format: "%.2f", duration)) s): " +
              Dictionary(grouping: outcomes, by: { $0 }).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", "))
        // The early moments (the first slice is within 6.25 % of the run) always interrupt the write.
        #expect(outcomes.contains("absent"), "no kill interrupted the registration: the drill tested nothing")
    }

    @Test func fitKilledMidwayLeavesNoHalfTranslator() throws {
        let cli = try CLIHarness()
        let base = cli.store
        let rows = 4_000
        try cli.ok(["register", "e5/tiles", "--embeddings", try cli.writeNPY(try Self.tiledSample("e5", rows: rows), "e5.npy")])
        try cli.ok(["register", "minilm/tiles", "--embeddings", try cli.writeNPY(try Self.tiledSample("minilm", rows: rows), "minilm.npy")])
        try cli.ok(["anchors", "create", "many", "--from", "e5/tiles", "--to", "minilm/tiles", "--count", "\(rows * 3 / 4)", "--seed", "1"])
        let fit = ["fit", "--from", "e5/tiles", "--to", "minilm/tiles", "--anchors", "many", "--method", "affine"]

        let probe = cli.path("probe.db")
        try Self.copyStore(base, to: probe)
        let started = Date()
        try cli.ok(fit, store: probe)
        let duration = Date().timeIntervalSince(started)
        Self.removeStore(probe)

        var present = 0
        for (i, delay) in Self.moments(count: 5, duration: duration, seed: Self.seed + 1).enumerated() {
            let store = cli.path("fit-kill-\(i).db")
            try Self.copyStore(base, to: store)
            _ = try Self.killAfter(delay, cli, fit, store: store)
            let listed = try cli.run(["translators", "ls", "--json"], store: store)
            #expect(listed.status == 0, "translators ls after a kill at \(delay) s: \(listed.stderr)")
            let count = (listed.json as? [Any])?.count ?? -1
            #expect(count == 0 || count == 1, "translators ls after a kill: \(listed.stdout)")
            let check = try cli.run(["check", "--json"], store: store)
            #expect(check.status == 0, "check after a fit killed at \(delay) s: \(check.stdout) \(check.stderr)")
            if count == 1 {
                present += 1
                // A translator that is listed is whole: it decodes (check) and is usable.
                try cli.ok(["knn", "--from", "e5/tiles", "--to", "minilm/tiles", "--anchors", "many", "--method", "affine",
                            "--key", "3", "-k", "2"], store: store)
            }
            Self.removeStore(store)
        }
        print("fit kill drill (run \(String(format: "%.2f", duration)) s): translator present after \(present) of 5 kills")
    }

    @Test func migrateKilledMidwayLeavesNoPartialSpace() throws {
        let cli = try CLIHarness()
        let base = cli.store
        let rows = 4_000
        let e5 = try cli.writeNPY(try Self.tiledSample("e5", rows: rows), "e5.npy")
        try cli.ok(["register", "e5/tiles", "--embeddings", e5])
        try cli.ok(["register", "minilm/tiles", "--embeddings", try cli.writeNPY(try Self.tiledSample("minilm", rows: rows), "minilm.npy")])
        try cli.ok(["register", "e5/corpus", "--embeddings", e5])
        try cli.ok(["anchors", "create", "many", "--from", "e5/tiles", "--to", "minilm/tiles", "--count", "2000", "--seed", "1"])
        let migrate = ["migrate", "--from", "e5/tiles", "--to", "minilm/tiles", "--anchors", "many", "--dataset", "corpus",
                       "--as", "minilm/corpus"]

        // An uninterrupted run gives the duration to spread the kills over and the expected space.
        let probe = cli.path("probe.db")
        try Self.copyStore(base, to: probe)
        let started = Date()
        try cli.ok(migrate, store: probe)
        let duration = Date().timeIntervalSince(started)
        try cli.ok(["export", "minilm/corpus", "--output", cli.path("expected.npy")], store: probe)
        let expected = try Self.bytes(cli.path("expected.npy"))
        let corpusBytes = try Self.bytes(e5)
        Self.removeStore(probe)

        var outcomes: [String] = []
        for (i, delay) in Self.moments(count: 8, duration: duration, seed: Self.seed + 2).enumerated() {
            let store = cli.path("migrate-kill-\(i).db")
            try Self.copyStore(base, to: store)
            _ = try Self.killAfter(delay, cli, migrate, store: store)
            let names = try #require(try Self.spaceNames(cli, store: store))
            let check = try cli.run(["check", "--json"], store: store)
            #expect(check.status == 0, "check after a migrate killed at \(delay) s: \(check.stdout) \(check.stderr)")
            // The source corpus is untouched, and the migrated space is absent or whole.
            try cli.ok(["export", "e5/corpus", "--output", cli.path("corpus-out.npy")], store: store)
            #expect(try Self.bytes(cli.path("corpus-out.npy")) == corpusBytes, "e5/corpus changed after a kill at \(delay) s")
            if names.contains("minilm/corpus") {
                try cli.ok(["export", "minilm/corpus", "--output", cli.path("migrated-out.npy")], store: store)
                #expect(try Self.bytes(cli.path("migrated-out.npy")) == expected, "minilm/corpus is partial after a kill at \(delay) s")
                outcomes.append("complete")
            } else {
                outcomes.append("absent")
            }
            Self.removeStore(store)
        }
        print("migrate kill drill (run \(String(format: "%.2f", duration)) s): " +
              Dictionary(grouping: outcomes, by: { $0 }).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", "))
        #expect(outcomes.contains("absent"), "no kill interrupted the migration: the drill tested nothing")
    }
}
