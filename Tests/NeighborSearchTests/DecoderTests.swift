import Foundation
import Testing
import LatentCore
@testable import NeighborSearch

/// Fixtures/decoder_fixture.json, written by Fixtures/make_decoder_fixture.py from protocol.py.
struct DecoderFixture: Decodable {
    let rows: Int, columns: Int, train_rows: Int, class_count: Int, k: Int
    let float16_base64: String
    let column127_float32: [Float]
    let labels: [Int]
    let knn_labels: [Int], knn_scores: [Double]
    let ridge_labels: [Int], ridge_scores: [Double]

    static func load() throws -> DecoderFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/decoder_fixture.json")
        return try JSONDecoder().decode(DecoderFixture.self, from: Data(contentsOf: url))
    }

    /// The float16 values widened to Float, with the exact dead column 127.
    var matrix: Matrix<Float> {
        let bytes = [UInt8](Data(base64Encoded: float16_base64)!)
        var elements = (0..<(rows * columns)).map { i in
            Float(Float16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8))
        }
        for r in 0..<rows { elements[r * columns + 127] = column127_float32[r] }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }
}

@Test("k-NN and ridge classifiers match protocol.py on real minilm rows")
func decodersMatchProtocol() throws {
    let fixture = try DecoderFixture.load()
    let all = fixture.matrix
    let train = all.gatherRows(0..<fixture.train_rows), test = all.gatherRows(fixture.train_rows..<fixture.rows)
    let trainLabels = Array(fixture.labels[..<fixture.train_rows])

    let knn = try KNNClassifier(train: train, labels: trainLabels, classCount: fixture.class_count, k: fixture.k)
    let knnPredictions = try knn.predict(test)
    #expect(knnPredictions.map(\.label) == fixture.knn_labels)
    for (p, s) in zip(knnPredictions, fixture.knn_scores) { #expect(abs(Double(p.score) - s) < 1e-4) }

    // Column 127 is a dead dimension: λ keeps G + λI positive definite.
    let ridge = try RidgeClassifier(train: train, labels: trainLabels, classCount: fixture.class_count)
    let ridgePredictions = try ridge.predict(test)
    #expect(ridgePredictions.map(\.label) == fixture.ridge_labels)
    for (p, s) in zip(ridgePredictions, fixture.ridge_scores) { #expect(abs(Double(p.score) - s) < 1e-4) }

    // The cached form predicts the same.
    let rebuilt = RidgeClassifier(mean: ridge.mean, weights: ridge.weights, targetMean: ridge.targetMean)
    let rebuiltLabels = try rebuilt.predict(test).map(\.label)
    #expect(rebuiltLabels == fixture.ridge_labels)
}

@Test("ridge fits data with constant and exactly zero columns")
func ridgeWithDeadDimensions() throws {
    var rng = SeededGenerator(seed: 3)
    var train = rng.matrix(40, 6)
    for r in 0..<40 { train[r, 2] = 1e-32; train[r, 4] = 0 }
    let labels = (0..<40).map { $0 % 3 }
    let ridge = try RidgeClassifier(train: train, labels: labels, classCount: 3)
    #expect(ridge.weights.elements.allSatisfy { $0.isFinite })
    let predictions = try ridge.predict(train)
    #expect(predictions.count == 40)
}

@Test("ties between classes go to the smaller class id")
func classTies() throws {
    // Two training rows equally similar to the query, labels 2 and 1: both score the same.
    let knn = try KNNClassifier(train: Matrix([[1, 1], [1, -1]]), labels: [2, 1], classCount: 3, k: 2)
    let prediction = try knn.predict(Matrix([[1, 0]]))
    #expect(prediction[0].label == 1)
    // All neighbours dissimilar: every class present scores < 0, an absent class 0 wins (as argmax does).
    let far = try knn.predict(Matrix([[-1, 0]]))
    #expect(far[0].label == 0 && far[0].score == 0)
}

@Test("decoders reject bad input with context")
func decoderErrors() throws {
    let train = Matrix<Float>([[1, 0], [0, 1], [1, 1]])
    #expect(error { _ = try KNNClassifier(train: train, labels: [0, 1], classCount: 2) }?.kind == .labelCount(labels: 2, rows: 3))
    #expect(error { _ = try RidgeClassifier(train: train, labels: [0, 1], classCount: 2) }?.kind == .labelCount(labels: 2, rows: 3))
    #expect(error { _ = try KNNClassifier(train: train, labels: [0, 2, 1], classCount: 2) }?.kind
            == .labelOutOfRange(row: 1, label: 2, classCount: 2))
    #expect(error { _ = try RidgeClassifier(train: train, labels: [0, -1, 1], classCount: 2) }?.kind
            == .labelOutOfRange(row: 1, label: -1, classCount: 2))
    #expect(error { _ = try KNNClassifier(train: train, labels: [0, 1, 1], classCount: 2, k: 0) }?.kind == .invalidK(k: 0, rows: nil))
    #expect(error { _ = try RidgeClassifier(train: Matrix(rows: 0, columns: 2), labels: [], classCount: 2) }?.kind == .emptyTraining)
    #expect(error { _ = try KNNClassifier(train: train, labels: [0, 1, 1], classCount: 0) }?.kind == .invalidClassCount(0))
    let knn = try KNNClassifier(train: train, labels: [0, 1, 1], classCount: 2)
    #expect(error { _ = try knn.predict(Matrix(rows: 1, columns: 3)) }?.kind == .dimensionMismatch(what: "query", expected: 2, found: 3))
    #expect(error { _ = try knn.predict(Matrix([[0, .infinity]])) }?.kind == .nonFinite(what: "query", row: 0, column: 1))
    let same = Matrix<Float>(rows: 4, columns: 2, repeating: 1)
    #expect(error { _ = try RidgeClassifier(train: same, labels: [0, 1, 0, 1], classCount: 2) }?.kind
            == .notPositiveDefinite(order: 2, info: 1))
}
