public import LatentCore
import LinearAlgebra
import Foundation

/// What fitting found out about the anchors.
public struct FitReport: Sendable, Equatable {
    public let anchorCount: Int
    /// Mean over all n × d2 entries of (translated source anchor − true target anchor)², in
    /// the target space as given (after undoing the scaling), with the returned translator.
    /// NaN when the fit was asked not to measure it (it costs one more n × d1 × d2 product).
    public let residualMSE: Double
    /// `ortho`, `scaledOrtho`: of `XᵀY` (padded to max(d1, d2), so the padding shows as
    /// zeros). `linear`, `lortho`, `affine`: of the least-squares design matrix (`X`, or
    /// `[X, 1]` for affine), as `dgelsd` reports them. Descending, scaled anchors.
    public let singularValues: [Double]
    /// `exp` of the Shannon entropy of the singular values normalised to sum 1 (zeros
    /// skipped): d for a flat spectrum, 1 when one direction carries everything.
    public let effectiveRank: Double
    /// `ridge`: of `X`, as the square roots of the singular values of `XᵀX`.
    /// `dgelsd`'s numerical rank of the design (`nil` for the Procrustes estimators and ridge).
    public let numericalRank: Int?
    /// How many of the map's dimensions the anchors determine, and how many it has: for
    /// `ortho`, `scaledOrtho` the rank of `XᵀY` (of `W` for `lortho`) above
    /// `Completion.relativeRankTolerance`, of min(d1, d2); for `linear`, `affine` the design's
    /// rank, of its columns. `nil` for ridge (its penalty determines every direction).
    public let determined: (rank: Int, of: Int)?
    /// `.residual`: what its cross-validation chose (the spectrum above is its map's).
    public var kernel: KernelChoice? = nil

    /// The anchors leave part of the map undetermined (the fit completed it: with zeros under
    /// `.partial` and minimum norm, arbitrarily under `.full`).
    public var isUnderdetermined: Bool { determined.map { $0.rank < $0.of } ?? false }

    public static func == (a: FitReport, b: FitReport) -> Bool {
        a.anchorCount == b.anchorCount && a.residualMSE.bitPattern == b.residualMSE.bitPattern
            && a.singularValues == b.singularValues && a.effectiveRank == b.effectiveRank
            && a.numericalRank == b.numericalRank && a.determined?.rank == b.determined?.rank && a.determined?.of == b.determined?.of
            && a.kernel == b.kernel
    }
}

/// The float64 fit, kept in the reference's own terms so that it can be checked against it.
public struct Float64Translator: Sendable {
    public let estimator: Estimator
    public let scaling: Scaling
    public let sourceShift: [Double], sourceScale: [Double]
    public let targetShift: [Double], targetScale: [Double]
    public let sourceMeanNorm: Double?, targetMeanNorm: Double?
    /// The reference's `R`: `D × D` with `D = max(d1, d2)` for the Procrustes estimators
    /// (rows of padding beyond d1 and columns beyond d2 are an arbitrary completion), else d1 × d2.
    /// Procrustes estimators under `.partial`: rows and columns beyond d1 × d2 are zero.
    public let estimate: Matrix<Double>
    public let bias: [Double]?
    public var sourceDimension: Int { sourceShift.count }
    public var targetDimension: Int { targetShift.count }

    /// The reference order exactly: scale, [normalise], pad, `· R`, `+ b`, keep d2 columns,
    /// [`· meanNorm`], unscale.
    public func translate(_ x: Matrix<Double>) -> Matrix<Double> {
        precondition(x.columns == sourceDimension, "translate: expected \(sourceDimension) columns, found \(x.columns)")
        var xs = x
        Standardizer.apply(&xs, shift: sourceShift, scale: sourceScale)
        if scaling == .l2 { _ = Standardizer.normalizeRows(&xs) }
        let padded = xs.padded(to: estimate.rows)
        let z = gemm(padded, estimate)
        let d2 = targetDimension
        var out = [Double](repeating: 0, count: x.rows * d2)
        let norm = targetMeanNorm ?? 1
        for i in 0..<x.rows {
            for j in 0..<d2 {
                var v = z.elements[i * z.columns + j]
                if let b = bias { v += b[j] }
                v *= norm
                out[i * d2 + j] = v * targetScale[j] + targetShift[j]
            }
        }
        return Matrix(rows: x.rows, columns: d2, elements: out)
    }

    /// The Float32 translator: parameters rounded, `R` cut to its d1 × d2 block.
    public var rounded: Translator {
        let d1 = sourceDimension, d2 = targetDimension
        let block = Matrix(rows: d1, columns: d2, elements: (0..<d1).flatMap { i in
            (0..<d2).map { j in Float(estimate.elements[i * estimate.columns + j]) }
        })
        return Translator(
            estimator: estimator, scaling: scaling,
            sourceShift: sourceShift.map(Float.init), sourceScale: sourceScale.map(Float.init),
            targetShift: targetShift.map(Float.init), targetScale: targetScale.map(Float.init),
            sourceMeanNorm: sourceMeanNorm.map(Float.init), targetMeanNorm: targetMeanNorm.map(Float.init),
            map: block, bias: bias?.map(Float.init))
    }
}

extension Translator {
    /// Fits a translator on anchor pairs: row i of `source` and row i of `target` are the same item.
    /// The fit runs in Float64; the result is stored in Float32.
    ///
    /// Statistics, least squares and factorisations run in Float64; for the Procrustes
    /// estimators the n × d1 × d2 product `XᵀY` of the scaled anchors runs in Float32 (`sgemm`,
    /// as NumPy's float32 path does) since the map is stored in Float32 anyway. Well-conditioned
    /// problems (cond ≤ 1e4) take Gram-based routes (polar factor by `dsyevd`, least squares by
    /// Cholesky) that agree with `dgesdd` / `dgelsd` to ~1e-8 at a fraction of the cost; the
    /// rest, including every rank-deficient fit, go through `dgesdd` / `dgelsd` as the reference
    /// does. ``fitDouble(source:target:estimator:scaling:ridgeLambda:epsilon:)`` always does.
    ///
    /// - Parameter epsilon: machine epsilon for the "std < 10·eps counts as 1" rule; the
    ///   default is Float32's, the precision the spaces are stored in.
    /// - Parameter ridgeLambda: `.ridge` only (ignored otherwise): the relative strength λ.
    /// - Parameter measureResidual: translate the anchors to fill `FitReport.residualMSE`.
    /// - Parameter completion: `ortho`, `scaledOrtho`, `lortho` only: what the map is on the
    ///   directions the anchors leave undetermined (see `Completion`).
    /// - Parameter kernel: `.residual` only: a fixed grid point instead of its own
    ///   cross-validation (what `auto` passes after choosing it on its folds).
    /// - Throws: too few anchors, different anchor counts, NaN/Inf in the anchors, a ridge λ
    ///   that is not finite and > 0, no convergence.
    public static func fit(
        source: Matrix<Float>, target: Matrix<Float>, estimator: Estimator, scaling: Scaling,
        ridgeLambda: Double = Estimator.defaultRidgeLambda,
        epsilon: Double = Double(Float.ulpOfOne), measureResidual: Bool = true, completion: Completion = .partial,
        kernel: KernelParameters? = nil
    ) throws(TranslationError) -> (Translator, FitReport) {
        if estimator == .residual {
            try validate(source.rows, target.rows, nil, nil)
            var (translator, report, choice) = try fitResidual(source: source, target: target, scaling: scaling,
                                                               epsilon: epsilon, completion: completion, parameters: kernel)
            report = FitReport(anchorCount: report.anchorCount,
                               residualMSE: measureResidual ? meanSquaredError(translator.translate(source).elements, target.elements) : .nan,
                               singularValues: report.singularValues, effectiveRank: report.effectiveRank,
                               numericalRank: report.numericalRank, determined: report.determined, kernel: choice)
            return (translator, report)
        }
        let procrustes = estimator == .ortho || estimator == .scaledOrtho
        // The Procrustes path finds NaN/Inf through the statistics it computes anyway (one
        // pass fewer over the anchors); the others look first.
        try validate(source.rows, target.rows, procrustes ? nil : firstNonFinite(source), procrustes ? nil : firstNonFinite(target))
        try validate(estimator, ridgeLambda)
        let (precise, spectrum): (Float64Translator, Spectrum)
        if procrustes {
            (precise, spectrum) = try fitProcrustes(source, target, estimator, scaling, epsilon, completion)
        } else {
            (precise, spectrum) = try fitCore(widened(source), widened(target), estimator, scaling, ridgeLambda, epsilon,
                                              fast: true, completion: completion)
        }
        let translator = precise.rounded
        let mse = measureResidual ? meanSquaredError(translator.translate(source).elements, target.elements) : .nan
        return (translator, spectrum.report(anchorCount: source.rows, residualMSE: mse))
    }

    /// `fit` entirely in Float64, for parity checks against the float64 reference. Not for
    /// `.residual` (the reference has no such estimator): a programmer error.
    /// - Parameter epsilon: default is Float64's (the data's precision).
    public static func fitDouble(
        source: Matrix<Double>, target: Matrix<Double>, estimator: Estimator, scaling: Scaling,
        ridgeLambda: Double = Estimator.defaultRidgeLambda, epsilon: Double = Double.ulpOfOne, completion: Completion = .partial
    ) throws(TranslationError) -> (Float64Translator, FitReport) {
        precondition(estimator != .residual, "fitDouble: .residual has no Float64 reference form")
        try validate(source.rows, target.rows, firstNonFinite(source), firstNonFinite(target))
        try validate(estimator, ridgeLambda)
        let (precise, spectrum) = try fitCore(source, target, estimator, scaling, ridgeLambda, epsilon, fast: false,
                                              completion: completion)
        let mse = meanSquaredError(precise.translate(source).elements, target.elements)
        return (precise, spectrum.report(anchorCount: source.rows, residualMSE: mse))
    }

    private static func validate(
        _ n: Int, _ m: Int, _ badSource: (row: Int, column: Int)?, _ badTarget: (row: Int, column: Int)?
    ) throws(TranslationError) {
        guard n == m else { throw TranslationError(.anchorCountMismatch(source: n, target: m)) }
        guard n >= 2 else { throw TranslationError(.tooFewAnchors(found: n)) }
        if let b = badSource { throw TranslationError(.nonFinite(side: .source, row: b.row, column: b.column)) }
        if let b = badTarget { throw TranslationError(.nonFinite(side: .target, row: b.row, column: b.column)) }
    }

    private static func validate(_ estimator: Estimator, _ lambda: Double) throws(TranslationError) {
        if estimator == .ridge && !(lambda.isFinite && lambda > 0) {
            throw TranslationError(.invalidRidgeLambda(lambda))
        }
    }

    private static func fitCore(
        _ source: Matrix<Double>, _ target: Matrix<Double>,
        _ estimator: Estimator, _ scaling: Scaling, _ lambda: Double, _ epsilon: Double, fast: Bool, completion: Completion
    ) throws(TranslationError) -> (Float64Translator, Spectrum) {
        precondition(source.columns > 0 && target.columns > 0, "fit: a space with 0 dimensions")
        var x = source, y = target
        let sx = Standardizer(fitting: x, scaling: scaling, epsilon: epsilon)
        let sy = Standardizer(fitting: y, scaling: scaling, epsilon: epsilon)
        Standardizer.apply(&x, shift: sx.shift, scale: sx.scale)
        Standardizer.apply(&y, shift: sy.shift, scale: sy.scale)
        var nx: Double? = nil, ny: Double? = nil
        if scaling == .l2 {
            nx = Standardizer.normalizeRows(&x)
            ny = Standardizer.normalizeRows(&y)
        }
        return try packed(estimator, scaling, sx, sy, nx, ny) { () throws(LinearAlgebraError) in
            try Self.estimate(estimator, x, y, lambda: lambda, fast: fast, completion: completion)
        }
    }

    /// Runs `estimate` (a LAPACK failure becomes `TranslationError.numerical`) and packs its
    /// map and bias with the statistics of both sides.
    private static func packed(
        _ estimator: Estimator, _ scaling: Scaling, _ sx: Standardizer, _ sy: Standardizer, _ nx: Double?, _ ny: Double?,
        _ estimate: () throws(LinearAlgebraError) -> (Matrix<Double>, [Double]?, Spectrum)
    ) throws(TranslationError) -> (Float64Translator, Spectrum) {
        let (map, bias, spectrum): (Matrix<Double>, [Double]?, Spectrum)
        do {
            (map, bias, spectrum) = try estimate()
        } catch {
            throw TranslationError(.numerical(error))
        }
        let precise = Float64Translator(
            estimator: estimator, scaling: scaling,
            sourceShift: sx.shift, sourceScale: sx.scale, targetShift: sy.shift, targetScale: sy.scale,
            sourceMeanNorm: nx, targetMeanNorm: ny, estimate: map, bias: bias)
        return (precise, spectrum)
    }

    /// The estimator on pre-processed anchors, as the reference computes it. `fast` allows the
    /// Gram-based routines (`polarFactor`, `normalEquationsLeastSquares`) where the problem is
    /// well conditioned; they agree with the SVD routes to ~1e-8 and fall back to them otherwise.
    private static func estimate(_ estimator: Estimator, _ x: Matrix<Double>, _ y: Matrix<Double>, lambda: Double,
                                 fast: Bool, completion: Completion)
        throws(LinearAlgebraError) -> (Matrix<Double>, [Double]?, Spectrum)
    {
        switch estimator {
        case .ortho, .scaledOrtho, .residual:
            let energy = estimator == .scaledOrtho ? x.elements.reduce(0) { $0 + $1 * $1 } : 0
            return try procrustes(gemm(x, y, transposeA: true), estimator, energy: energy, fast: fast, completion: completion)
        case .linear:
            let (w, rank, s) = try solveLeastSquares(x, y, fast: fast)
            return (w, nil, Spectrum(values: s, rank: rank, determined: (rank, x.columns)))
        case .lortho:
            let (w, rank, s) = try solveLeastSquares(x, y, fast: fast)
            let (factor, determined) = try orthogonalized(w, fast: fast, completion: completion)
            return (factor, nil, Spectrum(values: s, rank: rank, determined: determined))
        case .affine:
            let (w, rank, s) = try solveLeastSquares(x.appendingOnesColumn(), y, fast: fast)
            let d1 = x.columns, d2 = y.columns
            let map = Matrix(rows: d1, columns: d2, elements: Array(w.elements[0..<(d1 * d2)]))
            return (map, Array(w.elements[(d1 * d2)...]), Spectrum(values: s, rank: rank, determined: (rank, d1 + 1)))
        case .ridge:
            // Normal equations in Float64: the d1 × d1 system is small and λ′ > 0 keeps it
            // positive definite, so Cholesky (dposv) is stable here, unlike for plain least squares.
            let d1 = x.columns
            var gram = gemm(x, x, transposeA: true)
            let trace = (0..<d1).reduce(0.0) { $0 + gram.elements[$1 * d1 + $1] }
            let spectrum = try svd(gram).singularValues.map { max($0, 0).squareRoot() }
            // All-zero anchors: nothing to regress on, the zero map is the ridge limit.
            guard trace > 0 else { return (Matrix(rows: d1, columns: y.columns), nil, Spectrum(values: spectrum, rank: nil)) }
            let penalty = lambda * trace / Double(d1)
            gram.withUnsafeMutableElements { g in for j in 0..<d1 { g[j * d1 + j] += penalty } }
            let (w, _) = try solveSymmetricPositiveDefinite(gram, gemm(x, y, transposeA: true))
            return (w, nil, Spectrum(values: spectrum, rank: nil))
        }
    }

    /// `ortho` and `scaledOrtho` from the cross product `XᵀY` (d1 × d2) of the scaled anchors.
    /// The reference pads both sides to D = max(d1, d2) first; `XpᵀYp` is `XᵀY` in the top-left
    /// corner and zeros elsewhere, so the padding need not be materialised. With `fast`, a
    /// well-conditioned `XᵀY` takes the polar factor from its Gram matrix: the d1 × d2 block
    /// of `U Vᵀ` is the same (unique for a full-rank block), the rest of the D × D map is left zero.
    ///
    /// Under `.partial` the map is `U_r V_rᵀ` over the rank r of `XᵀY` (a thin SVD of the
    /// d1 × d2 block); under `.full`, `U Vᵀ` of the padded D × D SVD as the reference computes it.
    /// Both agree on the d1 × d2 block wherever r = min(d1, d2).
    private static func procrustes(_ product: Matrix<Double>, _ estimator: Estimator, energy: Double, fast: Bool,
                                   completion: Completion)
        throws(LinearAlgebraError) -> (Matrix<Double>, [Double]?, Spectrum)
    {
        let d = max(product.rows, product.columns), k = min(product.rows, product.columns)
        let tolerance = Completion.relativeRankTolerance
        var r: Matrix<Double>, s: [Double], rank: Int
        if fast, let polar = try polarFactor(product), numericalRank(polar.singularValues, relativeTolerance: tolerance) == k {
            r = polar.factor.padded(toRows: d, columns: d)
            s = polar.singularValues + Array(repeating: 0, count: d - k)
            rank = k
        } else if completion == .full {
            let (u, values, vt) = try svd(product.padded(toRows: d, columns: d))
            r = gemm(u, vt)
            s = values
            rank = numericalRank(Array(values.prefix(k)), relativeTolerance: tolerance)
        } else {
            let partial = try partialIsometry(product, relativeTolerance: tolerance)
            r = partial.factor.padded(toRows: d, columns: d)
            s = partial.singularValues + Array(repeating: 0, count: d - k)
            rank = partial.rank
        }
        if estimator == .scaledOrtho {
            let scale = energy > 0 ? s.reduce(0, +) / energy : 1
            r = Matrix(rows: r.rows, columns: r.columns, elements: r.elements.map { $0 * scale })
        }
        return (r, nil, Spectrum(values: s, rank: nil, determined: (rank, k)))
    }

    /// `lortho`'s orthogonalisation of the least-squares map `W` (d1 × d2): its polar factor
    /// where `W` has full rank, else `U_r V_rᵀ` (`.partial`) or `U Vᵀ` (`.full`); and W's rank.
    private static func orthogonalized(_ w: Matrix<Double>, fast: Bool, completion: Completion)
        throws(LinearAlgebraError) -> (Matrix<Double>, (Int, Int))
    {
        let k = min(w.rows, w.columns), tolerance = Completion.relativeRankTolerance
        if fast, let polar = try polarFactor(w), numericalRank(polar.singularValues, relativeTolerance: tolerance) == k {
            return (polar.factor, (k, k))
        }
        if completion == .full {
            let (u, values, vt) = try svd(w)
            return (gemm(u, vt), (numericalRank(values, relativeTolerance: tolerance), k))
        }
        let partial = try partialIsometry(w, relativeTolerance: tolerance)
        return (partial.factor, (partial.rank, k))
    }

    /// `dgelsd`'s answer, by the normal equations when `fast` and the design is well
    /// conditioned (full rank then, so `rank` is min(m, n)).
    private static func solveLeastSquares(_ a: Matrix<Double>, _ b: Matrix<Double>, fast: Bool)
        throws(LinearAlgebraError) -> (solution: Matrix<Double>, rank: Int, singularValues: [Double])
    {
        if fast, let normal = try normalEquationsLeastSquares(a, b) {
            return (normal.solution, min(a.rows, a.columns), normal.singularValues)
        }
        return try leastSquares(a, b)
    }

    /// The Procrustes fit straight from the Float32 anchors: statistics accumulated in Float64,
    /// the scaled anchors rounded once to Float32 for `sgemm` (`XᵀY` is n × d1 × d2, the bulk of
    /// the work; NumPy's float32 path does the same), and the polar factor in Float64. Numbers
    /// are those of widening first and scaling in Float64 (to an ulp), without the Float64 copies.
    private static func fitProcrustes(
        _ source: Matrix<Float>, _ target: Matrix<Float>, _ estimator: Estimator, _ scaling: Scaling, _ epsilon: Double,
        _ completion: Completion
    ) throws(TranslationError) -> (Float64Translator, Spectrum) {
        precondition(source.columns > 0 && target.columns > 0, "fit: a space with 0 dimensions")
        let sx = Standardizer.fittingInOnePass(source, scaling: scaling, epsilon: epsilon)
        try requireFinite(source, sx, scaling: scaling, .source)
        let sy = Standardizer.fittingInOnePass(target, scaling: scaling, epsilon: epsilon)
        try requireFinite(target, sy, scaling: scaling, .target)
        let (cross, nx, ny, energy) = scaledCrossProduct(source, sx, target, sy, normalize: scaling == .l2,
                                                         energy: estimator == .scaledOrtho)
        return try packed(estimator, scaling, sx, sy, nx, ny) { () throws(LinearAlgebraError) in
            try procrustes(widened(cross), estimator, energy: energy, fast: true, completion: completion)
        }
    }
}

/// `XsᵀYs` of the scaled anchors (d1 × d2, `sgemm`), scaled block by block into two small
/// reused buffers and accumulated (`beta = 1`), instead of two scaled n × d copies: at
/// n = 5,000 those cost more in page faults than the scaling itself. Also the mean norms
/// before L2 normalisation (nil without `normalize`) and, with `energy`, the source's sum of squares.
private func scaledCrossProduct(
    _ source: Matrix<Float>, _ sx: Standardizer, _ target: Matrix<Float>, _ sy: Standardizer, normalize: Bool, energy: Bool
) -> (Matrix<Float>, Double?, Double?, Double) {
    let n = source.rows, d1 = source.columns, d2 = target.columns
    let blockRows = 256
    var bx = [Float](repeating: 0, count: blockRows * d1), by = [Float](repeating: 0, count: blockRows * d2)
    var rowX = [Double](repeating: 0, count: d1), rowY = [Double](repeating: 0, count: d2)
    let inverseX = sx.scale.map { 1 / $0 }, inverseY = sy.scale.map { 1 / $0 }
    var cross = Matrix<Float>(rows: d1, columns: d2)
    var normsX = 0.0, normsY = 0.0, sumSquares = 0.0
    for start in stride(from: 0, to: n, by: blockRows) {
        let rows = start..<min(start + blockRows, n)
        bx.withUnsafeMutableBufferPointer { px in
            by.withUnsafeMutableBufferPointer { py in
                let (nxPart, ePart) = Standardizer.scaleRows(source, rows, shift: sx.shift, inverseScale: inverseX, normalize: normalize,
                                                            energy: energy, into: px.baseAddress!, scratch: &rowX)
                let (nyPart, _) = Standardizer.scaleRows(target, rows, shift: sy.shift, inverseScale: inverseY, normalize: normalize,
                                                        energy: false, into: py.baseAddress!, scratch: &rowY)
                normsX += nxPart; normsY += nyPart; sumSquares += ePart
                cross.withUnsafeMutableElements { pc in
                    gemm(rows: d1, columns: d2, inner: rows.count,
                         a: UnsafeBufferPointer(px), leadingA: d1, transposeA: true,
                         b: UnsafeBufferPointer(py), leadingB: d2, c: pc, leadingC: d2, alpha: 1, beta: 1)
                }
            }
        }
    }
    let mean = { (total: Double) -> Double? in normalize ? (n > 0 ? total / Double(n) : 0) : nil }
    return (cross, mean(normsX), mean(normsY), sumSquares)
}

/// A NaN or ±Inf anywhere makes its column's mean (or spread) non-finite, so finite statistics
/// clear the anchors without a pass of their own; without statistics (`none`) they are searched.
private func requireFinite(_ m: Matrix<Float>, _ statistics: Standardizer, scaling: Scaling,
                           _ side: TranslationError.Side) throws(TranslationError) {
    if scaling != .none && statistics.shift.allSatisfy(\.isFinite) && statistics.scale.allSatisfy(\.isFinite) { return }
    if let bad = firstNonFinite(m) { throw TranslationError(.nonFinite(side: side, row: bad.row, column: bad.column)) }
}

private struct Spectrum {
    var values: [Double]
    var rank: Int?
    var determined: (rank: Int, of: Int)? = nil

    func report(anchorCount: Int, residualMSE: Double) -> FitReport {
        let total = values.reduce(0) { $0 + max($1, 0) }
        var entropy = 0.0
        if total > 0 {
            for v in values where v > 0 { let p = v / total; entropy -= p * log(p) }
        }
        return FitReport(anchorCount: anchorCount, residualMSE: residualMSE, singularValues: values,
                         effectiveRank: total > 0 ? exp(entropy) : 0, numericalRank: rank, determined: determined)
    }
}

// LatentCore's `init(converting:)` and `firstNonFinite()` are generic and not inlinable, so
// they run unspecialised (slower than the SVD at n = 5,000): concrete versions here.
private func widened(_ m: Matrix<Float>) -> Matrix<Double> {
    Matrix(rows: m.rows, columns: m.columns, elements: m.elements.withUnsafeBufferPointer { $0.map(Double.init) })
}

private func firstNonFinite<T: BinaryFloatingPoint>(_ m: Matrix<T>) -> (row: Int, column: Int)? {
    m.elements.withUnsafeBufferPointer { p in
        guard let k = p.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (k / m.columns, k % m.columns)
    }
}

private func firstNonFinite(_ m: Matrix<Float>) -> (row: Int, column: Int)? {
    m.elements.withUnsafeBufferPointer { p in
        // NaN and ±Inf are the floats whose exponent bits are all ones. An integer OR over the
        // whole matrix vectorises (a float compare loop with an early exit does not); only a
        // matrix that has one is searched element by element.
        var found: UInt32 = 0
        for v in p { found |= ((v.bitPattern & 0x7F80_0000) &+ 0x0080_0000) >> 31 }
        guard found != 0, let k = p.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (k / m.columns, k % m.columns)
    }
}

private func meanSquaredError<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> Double {
    precondition(a.count == b.count)
    guard !a.isEmpty else { return 0 }
    var sum = 0.0
    for i in a.indices { let d = Double(a[i]) - Double(b[i]); sum += d * d }
    return sum / Double(a.count)
}
