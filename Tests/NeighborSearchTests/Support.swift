import Foundation
import LatentCore

/// SplitMix64: a small seeded generator, so that a failing seed can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func gaussian() -> Float {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
    }

    mutating func matrix(_ rows: Int, _ columns: Int) -> Matrix<Float> {
        Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in gaussian() })
    }

    /// Small integers: dot products are exact in Float, so equal rows give exactly equal scores.
    mutating func integerMatrix(_ rows: Int, _ columns: Int) -> Matrix<Float> {
        Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in Float(Int.random(in: -2...2, using: &self)) })
    }
}


/// Naive Float64 scores of one query against every database row, as the definitions say.
func naiveScores(_ q: [Float], _ db: Matrix<Float>, _ metric: Metric) -> [Double] {
    let qd = q.map(Double.init)
    let qn: Double = max(qd.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
    return (0..<db.rows).map { r in
        let x = db.row(r).map(Double.init)
        switch metric {
        case .innerProduct:
            var sum = 0.0
            for j in 0..<x.count { sum += qd[j] * x[j] }
            return sum
        case .cosine:
            let xn: Double = max(x.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            var sum = 0.0
            for j in 0..<x.count { sum += (qd[j] / qn) * (x[j] / xn) }
            return sum
        case .l2:
            var sum = 0.0
            for j in 0..<x.count { sum += (qd[j] - x[j]) * (qd[j] - x[j]) }
            return -sum
        }
    }
}

/// The naive k best (row, score), ties to the smaller row.
func naiveTopK(_ scores: [Double], k: Int) -> [(row: Int, score: Double)] {
    let order = scores.indices.sorted { (a: Int, b: Int) -> Bool in
        scores[a] > scores[b] || (scores[a] == scores[b] && a < b)
    }
    return order.prefix(k).map { (row: $0, score: scores[$0]) }
}
