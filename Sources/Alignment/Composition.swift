public import LatentCore
public import Translation
import LinearAlgebra

/// Translators applied one after another (A → B → C): exact whatever the estimators and
/// scalings, since it just runs each one. Use it when `Translator.compose` returns `nil`.
public struct TranslatorChain: Sendable {
    public let steps: [Translator]

    /// Each step's target dimension must be the next one's source dimension (a programmer error otherwise).
    public init(_ steps: [Translator]) {
        precondition(!steps.isEmpty, "an empty chain")
        for (a, b) in zip(steps, steps.dropFirst()) {
            precondition(a.targetDimension == b.sourceDimension,
                         "chain: a step ends in \(a.targetDimension) dimensions, the next starts from \(b.sourceDimension)")
        }
        self.steps = steps
    }

    public var sourceDimension: Int { steps[0].sourceDimension }
    public var targetDimension: Int { steps[steps.count - 1].targetDimension }

    public func translate(_ x: Matrix<Float>) -> Matrix<Float> {
        steps.reduce(x) { $1.translate($0) }
    }
}

extension Translator {
    /// One translator equal to `a` then `b`, when that is exactly representable; else `nil`.
    ///
    /// Between the two maps, `a` unscales into its target space and `b` scales out of it again:
    /// `y ↦ (y − μ_b)/σ_b` after `z ↦ z·σ_a + μ_a` is the affine map `z·D + c` with
    /// `D = diag(σ_a/σ_b)`, `c = (μ_a − μ_b)/σ_b`. So for the same scaling on both without
    /// row normalisation (`.standard`, `.center`, `.none`), `a ∘ b` is one map `A·D·B` and one
    /// bias `(bias_a·D + c)·B + bias_b` in the translator's own terms, labelled `.affine`.
    /// `.l2` normalises rows in between (not linear): `nil`; use `TranslatorChain`.
    /// Exact up to Float32 rounding (the product is formed in Float64).
    public static func compose(_ a: Translator, _ b: Translator) -> Translator? {
        precondition(a.targetDimension == b.sourceDimension,
                     "compose: \(a.targetDimension) output dimensions into \(b.sourceDimension) inputs")
        guard a.scaling == b.scaling, a.scaling != .l2, a.correction == nil, b.correction == nil else { return nil }
        let d1 = a.sourceDimension, dm = a.targetDimension
        let factor = (0..<dm).map { Double(a.targetScale[$0]) / Double(b.sourceScale[$0]) }
        let offset = (0..<dm).map { j -> Double in
            let carried: Double = Double(a.bias?[j] ?? 0) * factor[j]
            let shifted: Double = (Double(a.targetShift[j]) - Double(b.sourceShift[j])) / Double(b.sourceScale[j])
            return carried + shifted
        }
        var scaledA = Matrix<Double>(converting: a.map)
        for i in 0..<d1 { for j in 0..<dm { scaledA[i, j] *= factor[j] } }
        let bMap = Matrix<Double>(converting: b.map)
        let map = gemm(scaledA, bMap)
        let carried = gemm(Matrix(rows: 1, columns: dm, elements: offset), bMap).elements
        let bias = (0..<carried.count).map { j -> Float in Float(carried[j] + Double(b.bias?[j] ?? 0)) }
        return Translator(
            estimator: .affine, scaling: a.scaling,
            sourceShift: a.sourceShift, sourceScale: a.sourceScale, targetShift: b.targetShift, targetScale: b.targetScale,
            sourceMeanNorm: nil, targetMeanNorm: nil, map: Matrix<Float>(converting: map), bias: bias)
    }
}
