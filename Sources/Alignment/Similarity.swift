public import LatentCore
import LinearAlgebra
import NeighborSearch
import Translation

/// How alike two spaces are on the same items (row i of `x` and row i of `y`): the measures
/// latentis reports, so that a user can tell before fitting whether two models stitch well.
public struct SpaceSimilarity: Sendable, Equatable {
    /// Linear CKA (Kornblith et al. 2019): `‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)` of the centred
    /// spaces; 1 when one is an orthogonal transform and isotropic scaling of the other.
    public let linearCKA: Double
    /// SVCCA (Raghu et al. 2017): the mean canonical correlation between each space's top
    /// principal components explaining `SpaceSimilarity.svccaVariance` of its variance.
    public let svcca: Double
    /// Principal components kept on each side for SVCCA.
    public let svccaComponents: (source: Int, target: Int)
    /// Mean over items of |k-NN in x ∩ k-NN in y| / k (cosine, the item itself excluded).
    public let mutualKNN: Double
    public let k: Int

    public static let svccaVariance = 0.99

    public static func == (a: SpaceSimilarity, b: SpaceSimilarity) -> Bool {
        a.linearCKA == b.linearCKA && a.svcca == b.svcca && a.svccaComponents == b.svccaComponents
            && a.mutualKNN == b.mutualKNN && a.k == b.k
    }
}

public enum Similarity {
    /// Every measure of `SpaceSimilarity` on paired rows.
    ///
    /// - Throws: different row counts, fewer than `k + 1` rows (or 3), NaN/Inf.
    public static func measure(_ x: Matrix<Float>, _ y: Matrix<Float>, k: Int = 10) throws(AlignmentError) -> SpaceSimilarity {
        guard x.rows == y.rows else { throw AlignmentError(.rowCountMismatch(what: "target items", expected: x.rows, found: y.rows)) }
        guard x.rows >= max(3, k + 1) else { throw AlignmentError(.invalidParameter(name: "items", value: "\(x.rows) (need at least \(max(3, k + 1)))")) }
        if let bad = x.firstNonFinite() { throw AlignmentError(.fit(TranslationError(.nonFinite(side: .source, row: bad.row, column: bad.column)))) }
        if let bad = y.firstNonFinite() { throw AlignmentError(.fit(TranslationError(.nonFinite(side: .target, row: bad.row, column: bad.column)))) }
        let cx = centred(x), cy = centred(y)
        let (score, components) = try svcca(cx, cy)
        return SpaceSimilarity(linearCKA: linearCKA(cx, cy), svcca: score, svccaComponents: components,
                               mutualKNN: try mutualKNN(x, y, k: k), k: k)
    }

    /// Columns minus their means, in Float64.
    static func centred(_ m: Matrix<Float>) -> Matrix<Double> {
        let n = m.rows, d = m.columns
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(m.elements[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var out = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { out[i * d + j] = Double(m.elements[i * d + j]) - mean[j] } }
        return Matrix(rows: n, columns: d, elements: out)
    }

    /// Linear CKA of centred matrices; 0 when either is constant.
    static func linearCKA(_ x: Matrix<Double>, _ y: Matrix<Double>) -> Double {
        func squaredFrobenius(_ m: Matrix<Double>) -> Double { m.elements.reduce(0) { $0 + $1 * $1 } }
        let cross = squaredFrobenius(gemm(y, x, transposeA: true))
        let sx = squaredFrobenius(gram(x)).squareRoot(), sy = squaredFrobenius(gram(y)).squareRoot()
        return sx > 0 && sy > 0 ? cross / (sx * sy) : 0
    }

    /// SVCCA of centred matrices: the left singular vectors of each (the top ones explaining
    /// 99 % of its variance) are orthonormal bases of the reduced spaces, so the canonical
    /// correlations are the singular values of `U_xᵀ U_y`; their mean.
    static func svcca(_ x: Matrix<Double>, _ y: Matrix<Double>) throws(AlignmentError) -> (Double, (Int, Int)) {
        do {
            let ux = try principalBasis(x), uy = try principalBasis(y)
            guard ux.columns > 0, uy.columns > 0 else { return (0, (ux.columns, uy.columns)) }
            let correlations = try svd(gemm(ux, uy, transposeA: true)).singularValues
            return (correlations.reduce(0) { $0 + min($1, 1) } / Double(correlations.count), (ux.columns, uy.columns))
        } catch {
            throw AlignmentError(.fit(TranslationError(.numerical(error))))
        }
    }

    /// The first left singular vectors of `m` whose squared singular values reach 99 % of the total.
    static func principalBasis(_ m: Matrix<Double>) throws(LinearAlgebraError) -> Matrix<Double> {
        let (u, s, _) = try svd(m)
        let total = s.reduce(0) { $0 + $1 * $1 }
        guard total > 0 else { return Matrix(rows: m.rows, columns: 0) }
        var kept = 0, sum = 0.0
        while kept < s.count && sum < SpaceSimilarity.svccaVariance * total { sum += s[kept] * s[kept]; kept += 1 }
        let n = u.rows, k = u.columns
        return Matrix(rows: n, columns: kept, elements: (0..<n).flatMap { i in u.elements[(i * k)..<(i * k + kept)] })
    }

    /// Mutual k-NN overlap (cosine, each item's own row excluded).
    static func mutualKNN(_ x: Matrix<Float>, _ y: Matrix<Float>, k: Int) throws(AlignmentError) -> Double {
        func neighbours(_ m: Matrix<Float>) throws(AlignmentError) -> [Set<Int>] {
            do {
                let found = try NeighborAccumulator.search(queries: m, database: m, k: k + 1, metric: .cosine)
                return found.enumerated().map { i, list in Set(list.map(\.row).filter { $0 != i }.prefix(k)) }
            } catch { throw AlignmentError(.search(error)) }
        }
        let nx = try neighbours(x), ny = try neighbours(y)
        let shared = zip(nx, ny).reduce(0) { $0 + $1.0.intersection($1.1).count }
        return Double(shared) / Double(k * x.rows)
    }
}
