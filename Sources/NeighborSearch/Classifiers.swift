import LatentCore

/// Checks classifier training input: finite rows, one label per row, labels in range.
private func validate(train: Matrix<Float>, labels: [Int], classCount: Int) throws(NeighborSearchError) {
    guard classCount >= 1 else { throw NeighborSearchError(.invalidClassCount(classCount)) }
    guard labels.count == train.rows else { throw NeighborSearchError(.labelCount(labels: labels.count, rows: train.rows)) }
    if let row = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
        throw NeighborSearchError(.labelOutOfRange(row: row, label: labels[row], classCount: classCount))
    }
    try train.checkFinite("training")
}

/// The first index of the largest value: ties go to the smaller class id, as NumPy's `argmax`.
private func argmax<S: Comparable>(_ values: ArraySlice<S>) -> Int {
    var best = values.startIndex
    for i in values.indices where values[i] > values[best] { best = i }
    return best - values.startIndex
}

/// k-NN vote (protocol.py `knn_predict`): cosine, the `min(k, train.rows)` nearest training rows;
/// a class scores the sum of the similarities of its members among them (0 if none); the
/// highest score wins, ties going to the smaller class id.
public struct KNNClassifier: Sendable {
    public let k: Int
    public let classCount: Int
    let train: Matrix<Float>   // unit rows
    let labels: [Int]

    /// - Throws: `NeighborSearchError` for `k < 1` (a `k` above the training rows is clipped, as
    ///   protocol.py does), an empty training set, a label count or label out of range, or NaN/Inf.
    public init(train: Matrix<Float>, labels: [Int], classCount: Int, k: Int = 10) throws(NeighborSearchError) {
        guard train.rows > 0 else { throw NeighborSearchError(.emptyTraining) }
        guard k >= 1 else { throw NeighborSearchError(.invalidK(k: k, rows: nil)) }
        try validate(train: train, labels: labels, classCount: classCount)
        self.k = k
        self.classCount = classCount
        self.train = train.unitRows()
        self.labels = labels
    }

    /// The predicted class of each query and its score.
    /// - Throws: `NeighborSearchError` for a dimension mismatch or NaN/Inf in the queries.
    public func predict(_ queries: Matrix<Float>) throws(NeighborSearchError) -> [(label: Int, score: Float)] {
        guard queries.columns == train.columns else {
            throw NeighborSearchError(.dimensionMismatch(what: "query", expected: train.columns, found: queries.columns))
        }
        try queries.checkFinite("query")
        // Training rows are already unit: inner product on unit queries is the cosine.
        var accumulator = try NeighborAccumulator(queries: queries.unitRows(), k: min(k, train.rows), metric: .innerProduct)
        try accumulator.add(block: train, firstRow: 0)
        return accumulator.results().map { neighbours in
            var scores = [Double](repeating: 0, count: classCount)
            for n in neighbours { scores[labels[n.row]] += Double(n.score) }
            let label = argmax(scores[...])
            return (label, Float(scores[label]))
        }
    }
}

/// Ridge classifier (protocol.py `Ridge`), fitted in Float64: centre the training rows (`mean`),
/// one-hot targets `T` with column means `targetMean`, `G = XcᵀXc`, `λ = 1e-3·trace(G)/d`,
/// `weights = (G + λI)⁻¹ Xcᵀ(T − targetMean)`; predicts `argmax((x − mean)·weights + targetMean)`,
/// ties going to the smaller class id. λ keeps `G + λI` positive definite even when a dimension
/// is constant.
public struct RidgeClassifier: Sendable {
    public let mean: [Float]
    /// d × classCount.
    public let weights: Matrix<Float>
    public let targetMean: [Float]
    public var classCount: Int { weights.columns }

    /// Rebuilds a fitted classifier from its parameters (e.g. from a cache).
    public init(mean: [Float], weights: Matrix<Float>, targetMean: [Float]) {
        precondition(mean.count == weights.rows && targetMean.count == weights.columns,
                     "ridge parameters: mean \(mean.count), weights \(weights.shape), targetMean \(targetMean.count)")
        self.mean = mean
        self.weights = weights
        self.targetMean = targetMean
    }

    /// - Throws: `NeighborSearchError` for an empty training set, a label count or label out of
    ///   range, NaN/Inf, or a system that is not positive definite (all rows identical).
    public init(train: Matrix<Float>, labels: [Int], classCount: Int) throws(NeighborSearchError) {
        guard train.rows > 0 else { throw NeighborSearchError(.emptyTraining) }
        try validate(train: train, labels: labels, classCount: classCount)
        let n = train.rows, d = train.columns, c = classCount
        var x = train.elements.map(Double.init)
        var mu = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mu[j] += x[i * d + j] } }
        for j in 0..<d { mu[j] /= Double(n) }
        for i in 0..<n { for j in 0..<d { x[i * d + j] -= mu[j] } }
        var tMean = [Double](repeating: 0, count: c)
        for label in labels { tMean[label] += 1 }
        for j in 0..<c { tMean[j] /= Double(n) }
        var t = [Double](repeating: 0, count: n * c)
        for i in 0..<n { for j in 0..<c { t[i * c + j] = (labels[i] == j ? 1 : 0) - tMean[j] } }
        var g = multiply(x, transposeA: true, x, transposeB: false, m: d, n: d, depth: n)
        var rhs = multiply(x, transposeA: true, t, transposeB: false, m: d, n: c, depth: n)
        let lambda = 1e-3 * (0..<d).reduce(0.0) { $0 + g[$1 * d + $1] } / Double(d)
        for j in 0..<d { g[j * d + j] += lambda }
        let info = solvePositiveDefinite(&g, order: d, &rhs, rightHandSides: c)
        guard info == 0 else { throw NeighborSearchError(.notPositiveDefinite(order: d, info: info)) }
        self.init(mean: mu.map(Float.init), weights: Matrix(rows: d, columns: c, elements: rhs.map(Float.init)),
                  targetMean: tMean.map(Float.init))
    }

    /// The predicted class of each query and its score `((x − mean)·weights + targetMean)[label]`,
    /// computed in Float64.
    /// - Throws: `NeighborSearchError` for a dimension mismatch or NaN/Inf in the queries.
    public func predict(_ queries: Matrix<Float>) throws(NeighborSearchError) -> [(label: Int, score: Float)] {
        let d = weights.rows, c = weights.columns, n = queries.rows
        guard queries.columns == d else {
            throw NeighborSearchError(.dimensionMismatch(what: "query", expected: d, found: queries.columns))
        }
        try queries.checkFinite("query")
        var xc = queries.elements.map(Double.init)
        for i in 0..<n { for j in 0..<d { xc[i * d + j] -= Double(mean[j]) } }
        var scores = multiply(xc, transposeA: false, weights.elements.map(Double.init), transposeB: false, m: n, n: c, depth: d)
        for i in 0..<n { for j in 0..<c { scores[i * c + j] += Double(targetMean[j]) } }
        return (0..<n).map { i in
            let label = argmax(scores[i * c ..< (i + 1) * c])
            return (label, Float(scores[i * c + label]))
        }
    }
}
