import EmbeddingCodec
import Foundation
import GRDB
import Testing
@testable import LatentDB

/// What a long-lived process (`latentdb serve`) keeps between requests: decoded spaces with their
/// row norms, and decoded translators. Held state must never change an answer.
@Suite struct HotStateTests {
    static let sample = QueryPathTests.sample

    /// The query-path tests' store, in a new directory the caller removes.
    static func sampleStore(_ label: String) throws -> (directory: URL, store: LatentStore, fingerprint: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (store, fingerprint) = try QueryPathTests.makeStore(directory)
        return (directory, store, fingerprint)
    }

    @Test("a store with hot state answers every query exactly as one without")
    func hotAnswersAsCold() throws {
        let (directory, cold, fingerprint) = try Self.sampleStore("hot")
        defer { try? FileManager.default.removeItem(at: directory) }
        let hot = HotSpaces(budget: 1 << 30)
        let served = try LatentStore(path: cold.path, hot: hot)
        let (e5, minilm, glove) = (QueryPathTests.e5, QueryPathTests.minilm, QueryPathTests.glove)
        let choices: [TranslatorChoice] = [.fit(anchors: "a", spec: FitSpec()), .stored(id: String(fingerprint.prefix(8))),
                                           .chain(via: [glove], anchors: nil, spec: FitSpec()), .hub("h"), .cached(method: nil, scaling: nil)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for choice in choices {
            for metric in Metric.allCases {
                let input = QueryInput.keys(["3", "4", "11", "2980"])
                let expected = try encoder.encode(try cold.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, metric: metric))
                // Twice: the first request decodes and holds, the second answers from what is held.
                for round in 0..<2 {
                    let found = try encoder.encode(try served.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, metric: metric))
                    #expect(found == expected, "\(choice) \(metric) round \(round)")
                }
            }
            let classified = try encoder.encode(try cold.classify(from: e5, to: minilm, choice: choice, input: .keys(["3", "11"])))
            #expect(try encoder.encode(try served.classify(from: e5, to: minilm, choice: choice, input: .keys(["3", "11"]))) == classified, "\(choice)")
        }
        // A held fit reports what the stored one reports (a cache hit), and each time the same.
        let fit = FitRequest(from: e5, to: minilm, anchors: "a")
        let stored = try encoder.encode(try cold.fit(fit).summary)
        for _ in 0..<2 { #expect(try encoder.encode(try served.fit(fit).summary) == stored) }
        #expect(hot.fit(fingerprint: fingerprint) != nil, "the fit is held after use")
        #expect(hot.translator(fingerprint: fingerprint) != nil, "the decoded translator is held after use")
        #expect(hot.bytes >= 2 * 1000 * 384 * 4, "both spaces are held")
    }

    @Test("indexed queries with hot state answer as without, and a warm server reads no list block")
    func heldListsAnswerAsStored() throws {
        let (directory, cold, _) = try Self.sampleStore("hot-ivf")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (e5, minilm) = (QueryPathTests.e5, QueryPathTests.minilm)
        _ = try cold.createIndex(IndexRequest(space: minilm, lists: 16, seed: 0))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let input = QueryInput.keys(["3", "4", "11", "2980", "16", "101"])
        let choice = TranslatorChoice.fit(anchors: "a", spec: FitSpec())
        var expected: [(SearchMode, Data)] = []
        for mode in [SearchMode.automatic, .nprobe(1), .nprobe(3), .nprobe(16)] {
            let summary = try cold.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, search: mode)
            #expect(summary.results.allSatisfy { $0.search?.mode == "indexed" }, "\(mode)")
            expected.append((mode, try encoder.encode(summary)))
        }
        // A budget that holds every list, and one that holds about two of the 16: eviction must not change answers.
        let rowsBytes = 1000 * (384 + 1) * 4
        for budget in [1 << 30, rowsBytes / 8] {
            let served = try LatentStore(path: cold.path, hot: HotSpaces(budget: budget))
            for round in 0..<2 {
                for (mode, answer) in expected {
                    let found = try encoder.encode(try served.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, search: mode))
                    #expect(found == answer, "budget \(budget) \(mode) round \(round)")
                }
            }
        }
        // Every list held: destroying the stored list blocks cannot change a warm answer (nothing reads them)...
        let hot = HotSpaces(budget: 1 << 30)
        let warm = try LatentStore(path: cold.path, hot: hot)
        _ = try warm.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, search: .nprobe(16))
        try DatabaseQueue(path: cold.path).write { db in try db.execute(sql: "UPDATE ivf_block SET data = zeroblob(length(data))") }
        let held = try encoder.encode(try warm.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, search: .nprobe(16)))
        #expect(held == expected.last?.1)
        // ...while a process without them reads the blocks and says they are corrupt.
        let error = #expect(throws: (any Error).self) {
            try LatentStore(path: cold.path).knn(from: e5, to: minilm, choice: choice, input: input, k: 7, search: .nprobe(16))
        }
        #expect(error.flatMap { LatentError.diagnostic(of: $0) }?.code == .indexBlockCorrupt)
    }

    @Test("an index rebuilt for the same space version is a new build to a warm server")
    func rebuiltIndexIsNotServedFromHeldLists() throws {
        let (directory, cold, _) = try Self.sampleStore("hot-rebuild")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (e5, minilm) = (QueryPathTests.e5, QueryPathTests.minilm)
        let warm = try LatentStore(path: cold.path, hot: HotSpaces(budget: 1 << 30))
        let input = QueryInput.keys(["3", "4", "11", "2980", "16", "101"])
        let choice = TranslatorChoice.fit(anchors: "a", spec: FitSpec())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var answers: [Data] = []
        // Same seed, other list counts: the rebuild may reuse the row id, never the build id.
        for lists in [16, 5, 16] {
            _ = try cold.createIndex(IndexRequest(space: minilm, lists: lists, seed: 0))
            let expected = try encoder.encode(try cold.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, search: .nprobe(2)))
            let found = try encoder.encode(try warm.knn(from: e5, to: minilm, choice: choice, input: input, k: 7, search: .nprobe(2)))
            #expect(found == expected, "\(lists) lists")
            answers.append(expected)
        }
        #expect(answers[0] != answers[1], "the builds answer differently, so a stale one would be seen")
    }

    @Test("a few rows of a large space read only the blocks that hold them")
    func fewRowsReadTheirBlocks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gather-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let columns = 1024, rows = 2100
        let perBlock = LatentStore.blockRows(dimension: columns)
        #expect(rows > 3 * perBlock, "the space spans several blocks")
        let matrix = Matrix(rows: rows, columns: columns, elements: (0..<rows * columns).map { Float($0 % 9973) / 97 })
        let npy = directory.appendingPathComponent("x.npy").path
        try NPY.write(matrix, to: npy)
        let path = directory.appendingPathComponent("g.db").path
        let store = try LatentStore(path: path, create: true)
        let name = try SpaceName(model: "m", dataset: "d")
        _ = try store.register(RegisterRequest(name: name, embeddingsPath: npy))
        // The last block's bytes destroyed outside LatentDB: only a read of that block can notice.
        let lastBlock = (rows - 1) / perBlock
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE block SET data = zeroblob(length(data)) WHERE idx = ?", arguments: [lastBlock])
        }
        let wanted = [perBlock + 3, 5, 5, 2 * perBlock]
        let found = try store.read { tx in try LatentStore.gather(tx, space: try tx.space(name), rows: wanted) }
        #expect(found == matrix.gatherRows(wanted))
        let error = #expect(throws: (any Error).self) {
            try store.read { tx in try LatentStore.gather(tx, space: try tx.space(name), rows: [3, rows - 1]) }
        }
        #expect(error.flatMap { LatentError.diagnostic(of: $0) }?.code == .corruptBlock)
    }
}
