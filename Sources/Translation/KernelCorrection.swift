public import LatentCore
import LinearAlgebra
import Foundation

/// The non-linear half of `Estimator.residual`: an RBF kernel ridge regression of what the
/// orthogonal map leaves unexplained, added to its output.
///
/// In the translator's scaled spaces (after `scale_s` and, under `.l2`, row normalisation; before
/// the target mean norm and `unscale_t`): `x ↦ x·map + Σⱼ exp(−γ‖x − cⱼ‖²) αⱼ`, with centres
/// `cⱼ` the scaled source anchors (at most `maximumCentres` of them) and `α` fitted by kernel
/// ridge on the anchors' residuals `Y − X·map`. With every anchor a centre this is the exact
/// kernel ridge `α = (K + λI)⁻¹ R`; with fewer, the Nyström form
/// `α = (K_nmᵀK_nm + λK_mm)⁻¹ K_nmᵀR`, which is the same when m = n.
public struct KernelCorrection: Sendable, Equatable {
    /// m × d1, scaled source anchors.
    public let centres: Matrix<Float>
    /// m × d2, in the scaled target space.
    public let coefficients: Matrix<Float>
    /// The RBF width: `exp(−gamma · ‖x − c‖²)`.
    public let gamma: Float

    public init(centres: Matrix<Float>, coefficients: Matrix<Float>, gamma: Float) {
        precondition(centres.rows == coefficients.rows, "kernel correction: \(centres.rows) centres, \(coefficients.rows) coefficient rows")
        self.centres = centres
        self.coefficients = coefficients
        self.gamma = gamma
        centreNorms = rowNorms(centres).map { $0 * $0 }
    }

    /// Kernel ridge solves are m × m: 1,024 centres keep the fit near a second and the
    /// translation cost near one more d-wide product.
    public static let maximumCentres = 1024

    let centreNorms: [Float]

    public static func == (a: KernelCorrection, b: KernelCorrection) -> Bool {
        a.centres == b.centres && a.coefficients == b.coefficients && a.gamma == b.gamma
    }

    /// Adds the correction of `rows` scaled rows (`scaled`, rows × d1) into `out` (rows × d2),
    /// with `coefficients` pre-multiplied column-wise as the caller's output needs (`folded`).
    /// `kernel` is the caller's scratch (resized to rows × m).
    func add(rows: Int, scaled: UnsafeBufferPointer<Float>, folded: UnsafeBufferPointer<Float>,
             into out: UnsafeMutableBufferPointer<Float>, kernel: inout [Float]) {
        let m = centres.rows, d1 = centres.columns, d2 = coefficients.columns
        guard rows > 0, m > 0 else { return }
        if kernel.count < rows * m { kernel = [Float](repeating: 0, count: rows * m) }
        kernel.withUnsafeMutableBufferPointer { k in
            centres.elements.withUnsafeBufferPointer { c in
                gemm(rows: rows, columns: m, inner: d1, a: scaled, leadingA: d1, b: c, leadingB: d1, transposeB: true,
                     c: k, leadingC: m, alpha: -2, beta: 0)
            }
            centreNorms.withUnsafeBufferPointer { cn in
                for i in 0..<rows {
                    let x = UnsafeBufferPointer(rebasing: scaled[(i * d1)..<((i + 1) * d1)])
                    let xn = squaredNorm(x)
                    for j in 0..<m {
                        let d = max(xn + cn[j] + k[i * m + j], 0)
                        k[i * m + j] = expf(-gamma * d)
                    }
                }
            }
            gemm(rows: rows, columns: d2, inner: m, a: UnsafeBufferPointer(k), leadingA: m, b: folded, leadingB: d2,
                 c: out, leadingC: d2, alpha: 1, beta: 1)
        }
    }
}

/// One point of the residual estimator's grid: RBF width (a multiple of 1 / the median squared
/// distance between the scaled anchors) and ridge strength.
public struct KernelParameters: Sendable, Hashable, CustomStringConvertible {
    public let widthFactor: Double
    public let lambda: Double
    public init(widthFactor: Double, lambda: Double) { self.widthFactor = widthFactor; self.lambda = lambda }
    public var description: String { "w\(widthFactor.shortText),λ\(lambda.shortText)" }
}

private extension Double {
    var shortText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}

/// What `Estimator.residual`'s fit chose.
public struct KernelChoice: Sendable, Equatable {
    /// Nil when no correction beat the orthogonal map alone (the translator is then the map).
    public let parameters: KernelParameters?
    /// Mean held-out MRR over the residual fit's own folds, of the choice and of the orthogonal
    /// map alone; nil when the parameters were given (auto chose them on its folds) or the
    /// anchors were too few to fold.
    public let crossValidatedMRR: Double?
    public let orthoMRR: Double?
}

extension Translator {
    /// Folds of the residual estimator's own cross-validation, and its grid (relative widths ×
    /// ridge strengths), the range that won on the fortunes' six model pairs in a NumPy sweep.
    static let residualFolds = 5
    public static let residualGrid: [KernelParameters] = [0.25, 0.5, 1, 2].flatMap { w in
        [0.1, 1, 10, 100].map { KernelParameters(widthFactor: w, lambda: $0) }
    }

    /// Every grid point's held-out score on one split, sharing the orthogonal map and, per width,
    /// the kernels: fits ortho on the train rows, corrects its residual at each grid point, and
    /// scores the translated test rows (in the target space) with `score`. NaN where a system
    /// is singular. Also ortho's own score.
    public static func residualGridScores(
        trainSource: Matrix<Float>, trainTarget: Matrix<Float>, testSource: Matrix<Float>,
        scaling: Scaling, epsilon: Double = Double(Float.ulpOfOne), completion: Completion = .partial,
        grid: [KernelParameters] = residualGrid, score: (Matrix<Double>) -> Double
    ) throws(TranslationError) -> (ortho: Double, grid: [Double]) {
        let (map, _) = try fit(source: trainSource, target: trainTarget, estimator: .ortho, scaling: scaling, epsilon: epsilon,
                               measureResidual: false, completion: completion)
        let problem = ResidualProblem(map, trainSource, trainTarget)
        let heldOut = map.scaledSource(testSource)
        let baseOut = gemm(heldOut, Matrix<Double>(converting: map.map))
        var scores = [Double](repeating: .nan, count: grid.count)
        var widths: [Double] = []
        for p in grid where !widths.contains(p.widthFactor) { widths.append(p.widthFactor) }
        for width in widths {
            let indices = grid.indices.filter { grid[$0].widthFactor == width }
            let corrections = problem.heldOutCorrections(heldOut, widthFactor: width, lambdas: indices.map { grid[$0].lambda })
            for (index, correction) in zip(indices, corrections) {
                guard var out = correction else { continue }
                out.withUnsafeMutableElements { o in
                    baseOut.elements.withUnsafeBufferPointer { b in for i in 0..<o.count { o[i] += b[i] } }
                }
                scores[index] = score(map.unscaledTarget(out))
            }
        }
        return (score(map.unscaledTarget(baseOut)), scores)
    }

    /// `Estimator.residual`: the orthogonal map, plus the kernel correction of its residual at
    /// `parameters`, or when none are given at the grid point that maximises held-out MRR over
    /// five folds of the anchors, or none when no point beats the map alone there (so the result
    /// is never worse than `ortho` on the anchors' own held-out folds).
    static func fitResidual(
        source: Matrix<Float>, target: Matrix<Float>, scaling: Scaling, epsilon: Double, completion: Completion,
        parameters given: KernelParameters?
    ) throws(TranslationError) -> (Translator, FitReport, KernelChoice) {
        let (base, report) = try fit(source: source, target: target, estimator: .ortho, scaling: scaling, epsilon: epsilon,
                                     measureResidual: false, completion: completion)
        func corrected(_ p: KernelParameters?, _ cv: Double?, _ orthoMRR: Double?) -> (Translator, FitReport, KernelChoice) {
            let correction = p.flatMap { kernelCorrection(of: base, source: source, target: target, widthFactor: $0.widthFactor, lambda: $0.lambda) }
            return (base.relabelled(.residual, correction: correction), report,
                    KernelChoice(parameters: correction == nil ? nil : p, crossValidatedMRR: correction == nil ? orthoMRR : cv, orthoMRR: orthoMRR))
        }
        if let given { return corrected(given, nil, nil) }
        let n = source.rows
        guard n >= 2 * residualFolds else { return corrected(nil, nil, nil) }
        var sums = [Double](repeating: 0, count: residualGrid.count)
        var orthoSum = 0.0
        var generator = SeededGenerator(seed: 0)
        let order = generator.permuted(Array(0..<n))
        for f in 0..<residualFolds {
            let test = stride(from: f, to: n, by: residualFolds).map { order[$0] }.sorted()
            let isTest = Set(test)
            let train = (0..<n).filter { !isTest.contains($0) }
            let testTarget = target.gatherRows(test)
            let (ortho, grid) = try residualGridScores(trainSource: source.gatherRows(train), trainTarget: target.gatherRows(train),
                                                       testSource: source.gatherRows(test), scaling: scaling, epsilon: epsilon,
                                                       completion: completion) { meanReciprocalRank($0, testTarget) }
            orthoSum += ortho
            for i in grid.indices { sums[i] += grid[i] }   // a singular fold (NaN) disqualifies its point
        }
        let orthoMRR = orthoSum / Double(residualFolds)
        var best: (index: Int, mrr: Double)? = nil
        for (i, sum) in sums.enumerated() where sum / Double(residualFolds) > (best?.mrr ?? orthoMRR) {
            best = (i, sum / Double(residualFolds))
        }
        guard let best else { return corrected(nil, orthoMRR, orthoMRR) }
        return corrected(residualGrid[best.index], best.mrr, orthoMRR)
    }

    /// The correction of `base`'s residual on these anchors at one width and strength; nil when
    /// the system is singular.
    static func kernelCorrection(of base: Translator, source: Matrix<Float>, target: Matrix<Float>,
                                 widthFactor: Double, lambda: Double) -> KernelCorrection? {
        let system = ResidualProblem(base, source, target).kernelSystem(widthFactor: widthFactor)
        guard let alpha = system.solve(lambda: lambda) else { return nil }
        return KernelCorrection(centres: Matrix<Float>(converting: system.centres),
                                coefficients: Matrix<Float>(converting: alpha), gamma: Float(system.gamma))
    }

    /// The same parameters under another estimator name, with a kernel correction.
    func relabelled(_ estimator: Estimator, correction: KernelCorrection?) -> Translator {
        Translator(estimator: estimator, scaling: scaling, sourceShift: sourceShift, sourceScale: sourceScale,
                   targetShift: targetShift, targetScale: targetScale, sourceMeanNorm: sourceMeanNorm,
                   targetMeanNorm: targetMeanNorm, map: map, bias: bias, correction: correction)
    }

    /// Rows in the scaled source space the map multiplies (Float64).
    func scaledSource(_ x: Matrix<Float>) -> Matrix<Double> {
        var out = Matrix<Double>(converting: x)
        Standardizer.apply(&out, shift: sourceShift.map(Double.init), scale: sourceScale.map(Double.init))
        if scaling == .l2 { _ = Standardizer.normalizeRows(&out) }
        return out
    }

    /// Target rows in the space the map's output lives in (scaled, normalised under `.l2`).
    func scaledTarget(_ y: Matrix<Float>) -> Matrix<Double> {
        var out = Matrix<Double>(converting: y)
        Standardizer.apply(&out, shift: targetShift.map(Double.init), scale: targetScale.map(Double.init))
        if scaling == .l2 { _ = Standardizer.normalizeRows(&out) }
        return out
    }

    /// The map's output space back to the target space: `· meanNorm`, then unscale.
    func unscaledTarget(_ z: Matrix<Double>) -> Matrix<Double> {
        let d2 = targetDimension, norm = Double(targetMeanNorm ?? 1)
        var out = z
        out.withUnsafeMutableElements { p in
            for i in 0..<z.rows {
                for j in 0..<d2 {
                    p[i * d2 + j] = p[i * d2 + j] * norm * Double(targetScale[j]) + Double(targetShift[j])
                }
            }
        }
        return out
    }
}

/// The residuals of one orthogonal map on its anchors, ready for kernel systems of any width.
private struct ResidualProblem {
    let scaled: Matrix<Double>
    let residual: Matrix<Double>

    init(_ map: Translator, _ source: Matrix<Float>, _ target: Matrix<Float>) {
        scaled = map.scaledSource(source)
        var r = map.scaledTarget(target)
        gemm(scaled, Matrix<Double>(converting: map.map), into: &r, alpha: -1, beta: 1)
        residual = r
    }

    /// Centres: every anchor up to `maximumCentres`, else an even stride through them.
    var centres: Matrix<Double> {
        let n = scaled.rows, m = min(n, KernelCorrection.maximumCentres)
        return m == n ? scaled : scaled.gatherRows((0..<m).map { $0 * n / m })
    }

    /// `widthFactor` / the median squared distance between the first 200 centres.
    func gamma(_ centres: Matrix<Double>, widthFactor: Double) -> Double {
        let sample = centres.gatherRows(Array(0..<min(centres.rows, 200)))
        let distances = squaredDistances(sample, sample)
        var offDiagonal: [Double] = []
        for i in 0..<sample.rows { for j in (i + 1)..<sample.rows { offDiagonal.append(distances.elements[i * sample.rows + j]) } }
        offDiagonal.sort()
        let median = offDiagonal.isEmpty ? 1 : offDiagonal[offDiagonal.count / 2]
        return widthFactor / max(median, 1e-12)
    }

    func kernelSystem(widthFactor: Double) -> KernelSystem {
        let centres = centres
        let gamma = gamma(centres, widthFactor: widthFactor)
        return KernelSystem(centres: centres, gamma: gamma, kernelRows: rbf(scaled, centres, gamma), residual: residual)
    }

    /// The correction each λ adds to `heldOut`'s rows (nil where the system is singular).
    /// With every anchor a centre, `(KᵀK + λK)⁻¹KᵀR = (K + λI)⁻¹R`: no Gram product, and the
    /// solve takes whichever is narrower as right-hand sides, the residual's columns or the
    /// held-out rows (`K_t (K + λI)⁻¹ R = [(K + λI)⁻¹ K_tᵀ]ᵀ R`). That is most of
    /// cross-validation's cost.
    ///
    /// Cross-validation fits on at most `crossValidationRows` anchors (an even stride; the
    /// final fit uses every residual): its cost stays bounded whatever the anchor count, at the
    /// price of choosing the grid point on that subset.
    func heldOutCorrections(_ heldOut: Matrix<Double>, widthFactor: Double, lambdas: [Double]) -> [Matrix<Double>?] {
        let n0 = scaled.rows, n = min(n0, Self.crossValidationRows)
        let rows = (0..<n).map { $0 * n0 / n }
        let (scaled, residual) = n == n0 ? (self.scaled, self.residual) : (self.scaled.gatherRows(rows), self.residual.gatherRows(rows))
        let gamma = gamma(scaled, widthFactor: widthFactor)
        let kernel = rbf(scaled, scaled, gamma)
        let heldOutKernel = rbf(heldOut, scaled, gamma)
        let t = heldOutKernel.rows
        let throughHeldOut = t < residual.columns
        let right = throughHeldOut ? heldOutKernel.transposed() : residual
        return lambdas.map { lambda in
            var system = kernel
            system.withUnsafeMutableElements { s in for j in 0..<n { s[j * n + j] += lambda } }
            guard let x = try? solveSymmetricPositiveDefinite(system, right).solution else { return nil }
            return throughHeldOut ? gemm(x, residual, transposeA: true) : gemm(heldOutKernel, x)
        }
    }

    /// Anchors a cross-validation fit uses at most: 512 keeps the 80 solves of a grid search
    /// near a few seconds on 5,000 anchors.
    static let crossValidationRows = 512
}

private struct KernelSystem {
    let centres: Matrix<Double>
    let gamma: Double
    /// `K_nmᵀK_nm`, `K_mm` and `K_nmᵀR`: everything a strength needs, computed once per width.
    let gram: Matrix<Double>
    let centreKernel: Matrix<Double>
    let right: Matrix<Double>

    init(centres: Matrix<Double>, gamma: Double, kernelRows: Matrix<Double>, residual: Matrix<Double>) {
        self.centres = centres
        self.gamma = gamma
        gram = gemm(kernelRows, kernelRows, transposeA: true)
        centreKernel = rbf(centres, centres, gamma)
        right = gemm(kernelRows, residual, transposeA: true)
    }


    /// `(K_nmᵀK_nm + λK_mm + εI)⁻¹ K_nmᵀR`; ε (1e-10 of the mean diagonal) only keeps a
    /// duplicated anchor from making the system singular. Nil when it is singular anyway.
    func solve(lambda: Double) -> Matrix<Double>? {
        let m = centres.rows
        var system = gram
        var trace = 0.0
        system.withUnsafeMutableElements { s in
            centreKernel.elements.withUnsafeBufferPointer { k in
                for i in 0..<(m * m) { s[i] += lambda * k[i] }
            }
            for j in 0..<m { trace += s[j * m + j] }
            for j in 0..<m { s[j * m + j] += 1e-10 * trace / Double(max(m, 1)) }
        }
        return try? solveSymmetricPositiveDefinite(system, right).solution
    }
}

private func squaredDistances(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
    var d = gemm(a, b, transposeB: true, alpha: -2)
    let an = rowNorms(a), bn = rowNorms(b)
    let columns = b.rows
    d.withUnsafeMutableElements { p in
        for i in 0..<a.rows { for j in 0..<columns { p[i * columns + j] = max(p[i * columns + j] + an[i] * an[i] + bn[j] * bn[j], 0) } }
    }
    return d
}

private func rbf(_ a: Matrix<Double>, _ b: Matrix<Double>, _ gamma: Double) -> Matrix<Double> {
    var k = squaredDistances(a, b)
    k.withUnsafeMutableElements { p in for i in 0..<p.count { p[i] = exp(-gamma * p[i]) } }
    return k
}

/// Retrieval of each translated row among the true rows by cosine: mean of 1 / rank, rank =
/// 1 + rows scoring strictly higher than the true one (the protocol's, as `eval` measures it).
/// Scores in Float32 (`sgemm`): this runs once per grid point and fold, and ranks need no more.
func meanReciprocalRank(_ translated: Matrix<Double>, _ truth: Matrix<Float>) -> Double {
    let n = translated.rows
    guard n > 0 else { return 0 }
    func unit(_ m: Matrix<Float>) -> Matrix<Float> {
        let norms = rowNorms(m)
        var out = m
        out.withUnsafeMutableElements { p in
            for i in 0..<m.rows { let s = 1 / max(norms[i], 1e-12); for j in 0..<m.columns { p[i * m.columns + j] *= s } }
        }
        return out
    }
    let scores = gemm(unit(Matrix<Float>(converting: translated)), unit(truth), transposeB: true)
    var sum = 0.0
    scores.elements.withUnsafeBufferPointer { p in
        for i in 0..<n {
            let own = p[i * n + i]
            var rank = 1
            for j in 0..<n where p[i * n + j] > own { rank += 1 }
            sum += 1 / Double(rank)
        }
    }
    return sum / Double(n)
}
