/// How anchors are pre-processed before the map is fitted; the target side is undone after.
public enum Scaling: String, CaseIterable, Codable, Sendable {
    /// Per-dimension mean and unbiased (n − 1) standard deviation of the anchors; a deviation
    /// below `10 · epsilon` (or exactly 0) counts as 1, so a dead dimension passes unchanged.
    case standard
    /// `standard`, then every row divided by its L2 norm (floor 1e-12: a zero row stays zero);
    /// translated rows are multiplied by the mean L2 norm of the scaled target anchors.
    case l2
    /// Subtract the per-dimension mean only.
    case center
    /// No pre-processing.
    case none
}

/// What fits the map `W` between pre-processed anchors `X` (n × d1) and `Y` (n × d2).
public enum Estimator: String, CaseIterable, Codable, Sendable {
    /// Procrustes: `R = U Vᵀ` from the SVD of `XᵀY`, both sides zero-padded on the right to
    /// `max(d1, d2)` columns. Orthogonal, hence invertible.
    case ortho
    /// Least squares `argmin ‖X W − Y‖_F`, minimum norm, no bias.
    case linear
    /// The least-squares solution replaced by `U Vᵀ` of its own SVD (its polar factor).
    case lortho
    /// Least squares on `[X, 1]`: a map plus a bias, in closed form.
    case affine
    /// Procrustes times one global scale `s = trace(Σ) / ‖X‖²_F` (the best scaled rotation).
    case scaledOrtho
    /// Ridge regression `W = (XᵀX + λ′I)⁻¹ XᵀY`, no bias, with `λ′ = λ · trace(XᵀX) / d1`: λ is
    /// relative to the mean eigenvalue of the Gram matrix, so one λ means the same shrinkage for
    /// any anchor count, dimension and scaling. λ → 0 gives `linear` (when XᵀX is invertible),
    /// λ → ∞ the zero map. λ itself is a fit parameter, not part of the translator.
    case ridge
    /// `ortho`, plus an RBF kernel ridge regression of its residual on the anchors (width and
    /// strength chosen by five-fold cross-validated MRR, or no correction when none helps):
    /// a small non-linear adapter over the best rotation, as Drift-Adapter's residual MLPs.
    /// Not invertible and not composable into one map (chains run it step by step).
    case residual

    /// The ridge strength `Translator.fit` uses when none is given (relative, see `.ridge`).
    public static let defaultRidgeLambda = 0.1
}

/// What an orthogonal map (`ortho`, `scaled-ortho`, `lortho`) does on the directions the
/// anchors leave undetermined: where the cross product `XᵀY` (`W` for `lortho`) has rank
/// r < min(d1, d2), `U Vᵀ` is optimal on the anchors for any orthonormal completion of the
/// other min(d1, d2) − r singular pairs.
public enum Completion: String, CaseIterable, Codable, Sendable {
    /// `U_r V_rᵀ` over the determined rank only (zero on the rest): unique, and a target
    /// dimension the anchors never vary comes out as its anchor mean.
    case partial
    /// `U Vᵀ` of the full SVD, as the paper and latentis: the completion is whatever LAPACK
    /// returns for the null space, so it differs between builds and adds arbitrary directions.
    case full

    /// Singular values at or below `relativeRankTolerance · σ₁` count as zero. Above the
    /// rounding of a Float32 cross product (≈ 5e-8 · σ₁ measured on the fortunes at 100 anchors)
    /// and below the smallest direction real anchors determine (≈ 9e-6 · σ₁, e5 → minilm at 1,000).
    public static let relativeRankTolerance = 1e-6

    /// Whether `estimator`'s result depends on the completion.
    public static func applies(to estimator: Estimator) -> Bool {
        estimator == .ortho || estimator == .scaledOrtho || estimator == .lortho || estimator == .residual
    }
}
