import EmbeddingCodec
import Foundation
import LatentCore
import Testing

/// A store that cannot grow (SQLite's `SQLITE_FULL`, simulated with the test-only
/// `LATENTDB_MAX_PAGE_COUNT` cap) refuses the write with one clear line and stays as it was.
@Suite struct FullStoreTests {
    @Test func registerPastTheSizeLimitFailsCleanlyAndKeepsTheStore() throws {
        let cli = try CLIHarness()
        // 60 pages of 64 KiB (3.75 MiB): room for the schema and glove50 (1000 × 50), not for
        // 6,000 × 384 e5 rows (~9 MiB).
        let limit = ["LATENTDB_MAX_PAGE_COUNT": "60"]
        let glove = CLIHarness.sample.appendingPathComponent("glove50.npy").path
        let first = try cli.run(["register", "glove50/fortunes", "--embeddings", glove], environment: limit)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try cli.snapshot()

        let big = try cli.writeNPY(try CrashSafetyTests.tiledSample("e5", rows: 6_000), "big.npy")
        try cli.fails(["register", "e5/big", "--embeddings", big], code: 3, mentioning: ["full", cli.store, "nothing was written"],
                      environment: limit)
        // The same for a replacement of the space that is there: the old one stays.
        let wide = try cli.writeNPY(seededMatrix(rows: 1_000, columns: 2_500, seed: 5), "wide.npy")  // 10 MB, same 1,000 items
        try cli.fails(["register", "glove50/fortunes", "--embeddings", wide, "--replace"], code: 3, mentioning: ["full"],
                      environment: limit)

        #expect(try cli.snapshot() == before, "the store changed after a failed write")
        try cli.ok(["check"])
        try cli.ok(["export", "glove50/fortunes", "--output", cli.path("out.npy")])
        #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("out.npy"))) == Data(contentsOf: URL(fileURLWithPath: glove)))
        // Without the cap the same command succeeds: nothing was left half-written in the way.
        try cli.ok(["register", "e5/big", "--embeddings", big])
        try cli.ok(["export", "e5/big", "--output", cli.path("big-out.npy")])
        #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("big-out.npy"))) == Data(contentsOf: URL(fileURLWithPath: big)))
    }

    @Test func aMalformedLimitIsRefused() throws {
        let cli = try CLIHarness()
        try cli.fails(["init"], code: 1, mentioning: ["LATENTDB_MAX_PAGE_COUNT"], environment: ["LATENTDB_MAX_PAGE_COUNT": "lots"])
    }
}
