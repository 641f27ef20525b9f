import EmbeddingCodec
import Foundation
import Testing
@testable import LatentDB

/// Every query command goes through one path (`withTranslatedQueries`): these cases drive each
/// command with each kind of input and each way of choosing a translator, once with queries of
/// the right width and once with queries of the wrong one. A wrong width must be a catalogued
/// error: before the one path, `classify` trapped on it (a Swift precondition in `Translator`).
@Suite struct QueryPathTests {
    enum Command: String, CaseIterable, Sendable { case knn, classify, translate }
    enum Input: String, CaseIterable, Sendable { case keys, file }
    enum Choice: String, CaseIterable, Sendable { case fit, stored, chain, hub, identity }

    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/fortunes")
    static let e5 = try! SpaceName(model: "e5", dataset: "fortunes")
    static let minilm = try! SpaceName(model: "minilm", dataset: "fortunes")
    static let glove = try! SpaceName(model: "glove50", dataset: "fortunes")
    /// Model e5, but 50 columns (GloVe's rows): a translator of e5/fortunes cannot take its rows.
    static let odd = try! SpaceName(model: "e5", dataset: "odd")

    /// A store with the sample's three spaces, the odd one, anchors, a fitted translator, the
    /// legs of a chain through GloVe and a hub of the three; made once, shared by every case
    /// (they only read it: each translator they ask for is already cached).
    static let shared: (store: LatentStore, fingerprint: String) = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("query-path-store-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try! makeStore(directory)
    }()

    static func makeStore(_ directory: URL) throws -> (store: LatentStore, fingerprint: String) {
        let store = try LatentStore(path: directory.appendingPathComponent("q.db").path, create: true)
        func file(_ name: String) -> String { sample.appendingPathComponent(name).path }
        for (name, matrix) in [(e5, "e5.npy"), (minilm, "minilm.npy"), (glove, "glove50.npy"), (odd, "glove50.npy")] {
            _ = try store.register(RegisterRequest(name: name, embeddingsPath: file(matrix), keysPath: file("keys.txt"),
                                                   labelsPath: name.dataset == "fortunes" ? file("labels.txt") : nil,
                                                   splitPath: name.dataset == "fortunes" ? file("split.txt") : nil))
        }
        _ = try store.createAnchors(name: "a", from: e5, to: minilm, sampler: .uniform(count: 400, seed: 0))
        let fitted = try store.fit(FitRequest(from: e5, to: minilm, anchors: "a")).summary.fingerprint
        _ = try store.fit(FitRequest(from: e5, to: glove, anchors: "a"))
        _ = try store.fit(FitRequest(from: glove, to: minilm, anchors: "a"))
        _ = try store.createHub(name: "h", spaces: [e5, minilm, glove], anchors: "a")
        return (store, fitted)
    }

    static var cases: [(Command, Input, Choice, Bool)] {
        Command.allCases.flatMap { c in Input.allCases.flatMap { i in Choice.allCases.flatMap { t in [false, true].map { (c, i, t, $0) } } } }
    }

    @Test(arguments: cases)
    func wrongWidthIsAnErrorNeverATrap(_ command: Command, _ input: Input, _ choice: Choice, _ wrongWidth: Bool) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("query-path-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (store, fingerprint) = Self.shared

        // Identity needs queries already in the target's space; every other choice starts in e5.
        var from = choice == .identity ? Self.minilm : Self.e5
        let queryInput: QueryInput
        switch input {
        case .keys:
            if wrongWidth { from = Self.odd }
            queryInput = .keys(["3", "4", "11"])
        case .file:
            let rows = try store.load(wrongWidth ? Self.odd : from).matrix.gatherRows([3, 4, 17])
            let path = directory.appendingPathComponent("queries.npy").path
            try NPY.write(rows, to: path)
            queryInput = .file(path: path)
        }
        let translatorChoice: TranslatorChoice = switch choice {
        case .fit: .fit(anchors: "a", spec: FitSpec())
        case .stored: .stored(id: String(fingerprint.prefix(8)))
        case .chain: .chain(via: [Self.glove], anchors: nil, spec: FitSpec())
        case .hub: .hub("h")
        case .identity: .identity
        }

        let run = {
            switch command {
            case .knn:
                let summary = try store.knn(from: from, to: Self.minilm, choice: translatorChoice, input: queryInput, k: 5)
                #expect(summary.results.count == 3 && summary.results.allSatisfy { $0.neighbors.count == 5 })
            case .classify:
                let summary = try store.classify(from: from, to: Self.minilm, choice: translatorChoice, input: queryInput)
                #expect(summary.predictions.count == 3)
            case .translate:
                let output = directory.appendingPathComponent("out.npy").path
                let summary = try store.translate(from: from, to: Self.minilm, choice: translatorChoice, input: queryInput, output: output)
                #expect(summary.rows == 3 && summary.targetDim == 384)
                #expect(try EmbeddingFile.readMatrix(path: output, member: nil).matrix.columns == 384)
            }
        }
        // A fit on the odd space's own rows is a legitimate 50 → 384 translator: its keys are the
        // right width for it, so that case has no wrong width to test.
        let fitsTheQueries = choice == .fit && input == .keys
        let translateWithoutMap = command == .translate && choice == .identity
        if (wrongWidth && !fitsTheQueries) || translateWithoutMap {
            let error = #expect(throws: (any Error).self) { try run() }
            let diagnostic = try #require(error.flatMap { LatentError.diagnostic(of: $0) }, "not a catalogued error: \(String(describing: error))")
            if translateWithoutMap {
                #expect(diagnostic.code == .translateNeedsMap)
            } else {
                let expected: Set<ErrorCode> = [.queryDimension, .queryFileDimension, .translatedDimension, .hubMissingSpace, .noChainStep]
                #expect(expected.contains(diagnostic.code), "\(diagnostic.code.rawValue): \(diagnostic.message)")
            }
        } else {
            try run()
        }
    }
}
