public import LatentCore
import LinearAlgebra
import Dispatch

/// A fitted map from a source space (d1 columns) to a target space (d2 columns), in Float32.
///
/// Applying it is `x ↦ unscale_t( [· meanNorm] ( [normalise]( scale_s(x) ) · map + bias ) )`,
/// with `scale(x) = (x − shift) / scale` per dimension: the latentis order of operations.
/// For `ortho` the reference pads the narrower side with zero columns to `D = max(d1, d2)`,
/// multiplies by a `D × D` rotation and keeps the first d2 columns; only the top-left
/// `d1 × d2` block of that rotation can touch the output, so `map` is that block.
///
/// A value: there is no unfitted state. Build one with `fit` or, from stored parameters, `init`.
public struct Translator: Sendable, Equatable {
    public let sourceDimension: Int
    public let targetDimension: Int
    public let estimator: Estimator
    public let scaling: Scaling
    /// d1 values each; identity (0 and 1) for `.none`, scale 1 for `.center`.
    public let sourceShift: [Float]
    public let sourceScale: [Float]
    /// d2 values each.
    public let targetShift: [Float]
    public let targetScale: [Float]
    /// `.l2` only: mean L2 norm of the scaled source / target anchors (the source one makes
    /// `inverse()` well defined).
    public let sourceMeanNorm: Float?
    public let targetMeanNorm: Float?
    /// d1 × d2.
    public let map: Matrix<Float>
    /// d2 values, `.affine` only.
    public let bias: [Float]?
    /// `.residual` only (nil there when cross-validation kept the map alone): added after the map.
    public let correction: KernelCorrection?

    // Derived once so that `translate` is one pass plus one sgemm: the target scaling (and
    // the mean norm) are folded into the map's columns, the shift and bias into one row.
    private let inverseSourceScale: [Float]
    private let foldedMap: Matrix<Float>
    private let outputOffset: [Float]
    /// The correction's coefficients with the same column factors folded in.
    private let foldedCoefficients: [Float]

    /// Rebuilds a translator from its parameters. Inconsistent shapes are a programmer error.
    public init(
        estimator: Estimator, scaling: Scaling,
        sourceShift: [Float], sourceScale: [Float], targetShift: [Float], targetScale: [Float],
        sourceMeanNorm: Float?, targetMeanNorm: Float?, map: Matrix<Float>, bias: [Float]?,
        correction: KernelCorrection? = nil
    ) {
        let d1 = map.rows, d2 = map.columns
        precondition(sourceShift.count == d1 && sourceScale.count == d1,
                     "source statistics have \(sourceShift.count)/\(sourceScale.count) entries, map has \(d1) rows")
        precondition(targetShift.count == d2 && targetScale.count == d2,
                     "target statistics have \(targetShift.count)/\(targetScale.count) entries, map has \(d2) columns")
        precondition(bias == nil || bias!.count == d2, "bias has \(bias!.count) entries, map has \(d2) columns")
        precondition((scaling == .l2) == (targetMeanNorm != nil), "targetMeanNorm is set exactly for .l2")
        precondition(correction == nil || (correction!.centres.columns == d1 && correction!.coefficients.columns == d2),
                     "kernel correction shapes do not match a \(d1) × \(d2) map")
        self.sourceDimension = d1
        self.targetDimension = d2
        self.estimator = estimator
        self.scaling = scaling
        self.sourceShift = sourceShift
        self.sourceScale = sourceScale
        self.targetShift = targetShift
        self.targetScale = targetScale
        self.sourceMeanNorm = sourceMeanNorm
        self.targetMeanNorm = targetMeanNorm
        self.map = map
        self.bias = bias
        self.correction = correction

        inverseSourceScale = sourceScale.map { 1 / $0 }
        let norm = targetMeanNorm ?? 1
        let columnFactor = targetScale.map { $0 * norm }
        foldedMap = Matrix(rows: d1, columns: d2, elements: map.elements.enumerated().map { k, v in v * columnFactor[k % d2] })
        outputOffset = (0..<d2).map { j in (bias?[j] ?? 0) * columnFactor[j] + targetShift[j] }
        foldedCoefficients = correction.map { c in c.coefficients.elements.enumerated().map { k, v in v * columnFactor[k % d2] } } ?? []
    }

    /// Rows per block: the scaled block is scratch that stays small (≈ 4 MiB) and warm.
    private static let blockElements = 1 << 20

    /// Translates every row of `x` (n × d1) into the target space (n × d2).
    ///
    /// `x.columns != sourceDimension` is a programmer error; use `translateChecked` for input
    /// from outside. Cost: one pass over `x` (skipped for `.none`) and one `cblas_sgemm`.
    public func translate(_ x: Matrix<Float>) -> Matrix<Float> {
        precondition(x.columns == sourceDimension,
                     "translate: expected \(sourceDimension) columns, found \(x.columns)")
        let n = x.rows, d2 = targetDimension
        guard n > 0, d2 > 0 else { return Matrix(rows: n, columns: d2) }
        // Every output element is written by the offset fill: no zero-fill pass needed.
        let elements = [Float](unsafeUninitializedCapacity: n * d2) { po, initialized in
            translate(x, into: po)
            initialized = n * d2
        }
        return Matrix(rows: n, columns: d2, elements: elements)
    }

    /// `translate` into a caller's n × d2 matrix, for callers that translate many batches and
    /// keep the output (a few hundred MB at 100,000 × 768) instead of allocating it each time.
    public func translate(_ x: Matrix<Float>, into out: inout Matrix<Float>) {
        precondition(x.columns == sourceDimension,
                     "translate: expected \(sourceDimension) columns, found \(x.columns)")
        precondition(out.rows == x.rows && out.columns == targetDimension,
                     "translate: output is \(out.rows)×\(out.columns), expected \(x.rows)×\(targetDimension)")
        out.withUnsafeMutableElements { translate(x, into: $0) }
    }

    /// The body of both `translate`s: every element of `po` (n × d2) is written.
    private func translate(_ x: Matrix<Float>, into po: UnsafeMutableBufferPointer<Float>) {
        let n = x.rows, d1 = sourceDimension, d2 = targetDimension
        let l2 = scaling == .l2
        let scales = scaling != .none
        guard n > 0, d2 > 0 else { return }
        let blockRows = max(1, min(n, Self.blockElements / max(d1, 1)))
        let threads = max(1, threadCount())
        var scratch = [Float](repeating: 0, count: scales ? blockRows * d1 : 0)
        var kernel: [Float] = []
        x.elements.withUnsafeBufferPointer { px in
        scratch.withUnsafeMutableBufferPointer { ps in
        foldedMap.elements.withUnsafeBufferPointer { pm in
        sourceShift.withUnsafeBufferPointer { shift in
        inverseSourceScale.withUnsafeBufferPointer { inv in
        outputOffset.withUnsafeBufferPointer { offset in
            var start = 0
            while start < n {
                let rows = min(blockRows, n - start)
                // Rows are independent: the output fill and the scaling pass are split across
                // OpenBLAS's thread count, so that they do not serialise a multi-threaded sgemm.
                let workers = min(threads, rows)
                let pass = RowPass(x: px.baseAddress! + start * d1, scaled: scales ? ps.baseAddress : nil, d1: d1,
                                   shift: shift.baseAddress!, inverseScale: inv.baseAddress!, normalize: l2,
                                   out: po.baseAddress! + start * d2, offset: offset.baseAddress!, d2: d2)
                if workers == 1 {
                    for r in 0..<rows { pass.run(row: r) }
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        for r in stride(from: w, to: rows, by: workers) { pass.run(row: r) }
                    }
                }
                let a = scales
                    ? UnsafeBufferPointer(rebasing: ps[0..<(rows * d1)])
                    : UnsafeBufferPointer(rebasing: px[(start * d1)..<((start + rows) * d1)])
                gemm(rows: rows, columns: d2, inner: d1, a: a, leadingA: d1, b: pm, leadingB: d2,
                     c: UnsafeMutableBufferPointer(rebasing: po[(start * d2)..<((start + rows) * d2)]),
                     leadingC: d2, alpha: 1, beta: 1)
                if let correction {
                    foldedCoefficients.withUnsafeBufferPointer { folded in
                        correction.add(rows: rows, scaled: a, folded: folded,
                                       into: UnsafeMutableBufferPointer(rebasing: po[(start * d2)..<((start + rows) * d2)]),
                                       kernel: &kernel)
                    }
                }
                start += rows
            }
        }}}}}}
    }

    /// The pointers of one block's scaling pass, shared by the workers of a synchronous
    /// `concurrentPerform`: each writes disjoint rows, all return before the pointers go out of scope.
    private struct RowPass: @unchecked Sendable {
        let x: UnsafePointer<Float>, scaled: UnsafeMutablePointer<Float>?, d1: Int
        let shift: UnsafePointer<Float>, inverseScale: UnsafePointer<Float>, normalize: Bool
        let out: UnsafeMutablePointer<Float>, offset: UnsafePointer<Float>, d2: Int
        func run(row r: Int) {
            (out + r * d2).update(from: offset, count: d2)
            if let scaled {
                Translator.scaleRow(x + r * d1, into: scaled + r * d1, count: d1, shift: shift,
                                    inverseScale: inverseScale, normalize: normalize)
            }
        }
    }

    /// `out = (x − shift) · inverseScale`, then divided by `max(‖out‖, 1e-12)` if `normalize`.
    /// Sixteen lanes at a time: a plain `sum += v * v` loop cannot vectorise (strict FP order).
    @inline(__always)
    fileprivate static func scaleRow(
        _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count d: Int,
        shift: UnsafePointer<Float>, inverseScale: UnsafePointer<Float>, normalize: Bool
    ) {
        typealias V = SIMD16<Float>
        let raw = UnsafeRawPointer(x), rawShift = UnsafeRawPointer(shift), rawInv = UnsafeRawPointer(inverseScale)
        let rawOut = UnsafeMutableRawPointer(out)
        var squares = V()
        var j = 0
        while j + 16 <= d {
            let offset = j * MemoryLayout<Float>.stride
            let v = (raw.loadUnaligned(fromByteOffset: offset, as: V.self) - rawShift.loadUnaligned(fromByteOffset: offset, as: V.self))
                * rawInv.loadUnaligned(fromByteOffset: offset, as: V.self)
            rawOut.storeBytes(of: v, toByteOffset: offset, as: V.self)
            squares += v * v
            j += 16
        }
        var sum = squares.sum()
        while j < d {
            let v = (x[j] - shift[j]) * inverseScale[j]
            out[j] = v
            sum += v * v
            j += 1
        }
        guard normalize else { return }
        let factor = 1 / max(sum.squareRoot(), 1e-12)
        for k in 0..<d { out[k] *= factor }
    }

    /// `translate`, for input from outside: throws instead of stopping on a wrong width.
    public func translateChecked(_ x: Matrix<Float>) throws(TranslationError) -> Matrix<Float> {
        guard x.columns == sourceDimension else {
            throw TranslationError(.dimensionMismatch(expected: sourceDimension, found: x.columns))
        }
        return translate(x)
    }

    /// The translator from the target space back to the source space: `mapᵀ` with the source
    /// and target statistics swapped. For d1 ≤ d2, `inverse().translate(translate(x)) == x` up
    /// to rounding; for d1 > d2 the forward map drops d1 − d2 directions, which stay lost.
    /// Under `.l2` the row norms are not recoverable: rows come back with the source mean norm.
    ///
    /// - Throws: `.notInvertible` for every estimator but `ortho`.
    public func inverse() throws(TranslationError) -> Translator {
        guard estimator == .ortho else { throw TranslationError(.notInvertible(estimator)) }
        let d1 = sourceDimension, d2 = targetDimension
        let transposed = Matrix(rows: d2, columns: d1, elements: (0..<d2).flatMap { j in
            (0..<d1).map { i in map.elements[i * d2 + j] }
        })
        return Translator(
            estimator: estimator, scaling: scaling,
            sourceShift: targetShift, sourceScale: targetScale,
            targetShift: sourceShift, targetScale: sourceScale,
            sourceMeanNorm: targetMeanNorm, targetMeanNorm: sourceMeanNorm,
            map: transposed, bias: nil)
    }

    public static func == (a: Translator, b: Translator) -> Bool {
        a.estimator == b.estimator && a.scaling == b.scaling && a.map == b.map && a.bias == b.bias
            && a.sourceShift == b.sourceShift && a.sourceScale == b.sourceScale
            && a.targetShift == b.targetShift && a.targetScale == b.targetScale
            && a.sourceMeanNorm == b.sourceMeanNorm && a.targetMeanNorm == b.targetMeanNorm
            && a.correction == b.correction
    }
}
