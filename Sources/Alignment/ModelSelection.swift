public import LatentCore
public import Translation
import NeighborSearch

/// One way to fit a translator: an estimator, a pre-processing, and λ for `.ridge`.
public struct Candidate: Sendable, Hashable, CustomStringConvertible {
    public let estimator: Estimator
    public let scaling: Scaling
    /// The relative ridge strength (see `Estimator.ridge`); `nil` for every other estimator.
    public let ridgeLambda: Double?
    /// What the orthogonal estimators do on undetermined directions (ignored by the others).
    public let completion: Completion
    /// `.residual` only: its grid point. Nil in a candidate list means "the best point of
    /// `Translator.residualGrid` on the selection's own folds" (one row for the whole grid,
    /// as for ridge's λ but sharing the kernels); `select` returns the point it chose.
    public let kernel: KernelParameters?

    public init(_ estimator: Estimator, _ scaling: Scaling, ridgeLambda: Double? = nil, completion: Completion = .partial,
                kernel: KernelParameters? = nil) {
        precondition((estimator == .ridge) == (ridgeLambda != nil), "ridgeLambda is set exactly for .ridge")
        precondition(kernel == nil || estimator == .residual, "kernel parameters are for .residual only")
        self.estimator = estimator
        self.scaling = scaling
        self.ridgeLambda = ridgeLambda
        self.completion = completion
        self.kernel = kernel
    }

    /// `ortho+standard`, `ridge(1)+l2`, `residual(w1,λ0.1)+l2`, …
    public var description: String {
        let name = ridgeLambda.map { "ridge(\($0.formatted))" } ?? kernel.map { "residual(\($0))" } ?? estimator.rawValue
        return "\(name)+\(scaling.rawValue)"
    }

    /// Fits this candidate (the caller refits the winner of `ModelSelection.select` this way).
    public func fit(source: Matrix<Float>, target: Matrix<Float>, epsilon: Double = Double(Float.ulpOfOne),
                    measureResidual: Bool = true) throws(TranslationError) -> (Translator, FitReport) {
        try Translator.fit(source: source, target: target, estimator: estimator, scaling: scaling,
                           ridgeLambda: ridgeLambda ?? Estimator.defaultRidgeLambda,
                           epsilon: epsilon, measureResidual: measureResidual, completion: completion, kernel: kernel)
    }

    /// The ridge strengths tried by default. Relative to trace(XᵀX)/d, so with standardised
    /// anchors λ = 1 shrinks as much as n − 1 extra "prior" anchors per dimension would.
    public static let defaultRidgeLambdas: [Double] = [0.01, 0.1, 1, 10]

    /// ortho, scaled-ortho, linear, lortho, affine, residual and ridge over
    /// `defaultRidgeLambdas`, each under `standard` and `l2` scaling (20 candidates).
    public static let defaults: [Candidate] = all(completion: .partial)

    /// `defaults` with the orthogonal estimators completed as `completion` says.
    public static func all(completion: Completion) -> [Candidate] {
        [Scaling.standard, .l2].flatMap { scaling in
            [Estimator.ortho, .scaledOrtho, .linear, .lortho, .affine, .residual].map {
                Candidate($0, scaling, completion: Completion.applies(to: $0) ? completion : .partial)
            } + defaultRidgeLambdas.map { Candidate(.ridge, scaling, ridgeLambda: $0) }
        }
    }
}

private extension Double {
    /// `1`, `0.1`, `2.5`: no trailing `.0`.
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}

/// What cross-validation scores: retrieval of each held-out source anchor, translated, among
/// the held-out fold's true targets (cosine), or the latent squared error.
public enum SelectionCriterion: String, CaseIterable, Sendable {
    /// Mean reciprocal rank (higher is better): smoother than top-1 on small folds.
    case mrr
    /// Fraction ranked first (higher is better).
    case top1
    /// Mean squared error per entry in the target space (lower is better).
    case mse

    public var higherIsBetter: Bool { self != .mse }
}

/// One candidate's cross-validated score.
public struct CandidateScore: Sendable, Equatable {
    public let candidate: Candidate
    /// Mean over the folds; `nil` when a fit failed on some fold (the candidate cannot win).
    public let mean: Double?
    /// One score per fold, in fold order (NaN for a failed fit).
    public let folds: [Double]
}

public struct SelectionResult: Sendable, Equatable {
    /// The best mean score (ties: the earlier candidate). Refit it on all anchors with `fit`.
    public let best: Candidate
    /// Every candidate, in the order given.
    public let table: [CandidateScore]
}

/// Picks an estimator and scaling by k-fold cross-validation on the anchors themselves.
public enum ModelSelection {
    /// Fewest anchors for `folds` folds: every fold holds ≥ 2 (retrieval among one item is
    /// meaningless) and so every fit uses ≥ 2 (`Translator.fit`'s own minimum).
    public static func minimumAnchors(folds: Int) -> Int { 2 * folds }

    /// The held-out rows of each fold: a seeded permutation (SeededGenerator) dealt round-robin,
    /// so folds are disjoint, cover `0..<count`, differ in size by at most one, and are the same
    /// on every machine. Each fold is sorted.
    public static func folds(count: Int, folds k: Int, seed: UInt64) -> [[Int]] {
        precondition(k >= 1 && count >= 0, "folds(count: \(count), folds: \(k))")
        var g = SeededGenerator(seed: seed)
        let order = g.permuted(Array(0..<count))
        return (0..<k).map { f in stride(from: f, to: count, by: k).map { order[$0] }.sorted() }
    }

    /// Scores every candidate by `folds`-fold cross-validation: fit on k − 1 folds, score on the
    /// held-out one, average. Does not refit the winner: call `result.best.fit(…)` on all anchors.
    ///
    /// - Throws: `.tooFewAnchorsForFolds` below `minimumAnchors(folds:)`; `folds < 2`; no
    ///   candidates; different anchor counts; NaN/Inf in the anchors (found by the first fit).
    ///   A candidate whose fit fails numerically is reported with a `nil` mean, not thrown.
    public static func select(
        source: Matrix<Float>, target: Matrix<Float>, candidates: [Candidate] = Candidate.defaults,
        folds k: Int = 5, seed: UInt64, criterion: SelectionCriterion = .mrr,
        epsilon: Double = Double(Float.ulpOfOne)
    ) throws(AlignmentError) -> SelectionResult {
        guard k >= 2 else { throw AlignmentError(.invalidFolds(k)) }
        guard !candidates.isEmpty else { throw AlignmentError(.noCandidates) }
        guard source.rows == target.rows else {
            throw AlignmentError(.rowCountMismatch(what: "target anchors", expected: source.rows, found: target.rows))
        }
        let needed = minimumAnchors(folds: k)
        guard source.rows >= needed else {
            throw AlignmentError(.tooFewAnchorsForFolds(needed: needed, folds: k, found: source.rows))
        }
        if let bad = source.firstNonFinite() { throw AlignmentError(.fit(TranslationError(.nonFinite(side: .source, row: bad.row, column: bad.column)))) }
        if let bad = target.firstNonFinite() { throw AlignmentError(.fit(TranslationError(.nonFinite(side: .target, row: bad.row, column: bad.column)))) }

        let heldOut = folds(count: source.rows, folds: k, seed: seed)
        let splits = heldOut.map { test in
            let isTest = Set(test)
            let train = (0..<source.rows).filter { !isTest.contains($0) }
            return (trainSource: source.gatherRows(train), trainTarget: target.gatherRows(train),
                    testSource: source.gatherRows(test), testTarget: target.gatherRows(test))
        }
        var table: [CandidateScore] = []
        for candidate in candidates {
            if candidate.estimator == .residual && candidate.kernel == nil {
                table.append(bestResidualPoint(candidate, splits, criterion, epsilon, folds: k))
                continue
            }
            let scores = splits.map { split -> Double in
                guard let (t, _) = try? candidate.fit(source: split.trainSource, target: split.trainTarget,
                                                      epsilon: epsilon, measureResidual: false) else { return .nan }
                return score(t.translate(split.testSource), split.testTarget, criterion)
            }
            let ok = scores.allSatisfy(\.isFinite)
            table.append(CandidateScore(candidate: candidate, mean: ok ? scores.reduce(0, +) / Double(k) : nil, folds: scores))
        }
        let sign = criterion.higherIsBetter ? 1.0 : -1.0
        func best(_ rows: [CandidateScore]) -> CandidateScore? {
            var best: CandidateScore? = nil
            for row in rows {
                guard let m = row.mean else { continue }
                if best == nil || sign * m > sign * best!.mean! { best = row }
            }
            return best
        }
        guard var winner = best(table) else {
            throw AlignmentError(.allCandidatesFailed)
        }
        // The kernel correction must earn its place: it wins only when it beats the best closed-form
        // map by more than one standard error of their paired fold differences (else selection noise
        // on a few hundred anchors would trade a plain map for a heavier, non-invertible one).
        if winner.candidate.estimator == .residual, let plain = best(table.filter { $0.candidate.estimator != .residual }) {
            let differences = zip(winner.folds, plain.folds).map { sign * ($0 - $1) }
            let mean = differences.reduce(0, +) / Double(k)
            let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(k - 1, 1))
            if mean <= (variance / Double(k)).squareRoot() { winner = plain }
        }
        return SelectionResult(best: winner.candidate, table: table)
    }

    /// The residual candidate's row: every grid point scored on every split (kernels shared per
    /// width), the best mean kept (ties: the earlier point), named by its point.
    static func bestResidualPoint(
        _ candidate: Candidate, _ splits: [(trainSource: Matrix<Float>, trainTarget: Matrix<Float>, testSource: Matrix<Float>, testTarget: Matrix<Float>)],
        _ criterion: SelectionCriterion, _ epsilon: Double, folds k: Int
    ) -> CandidateScore {
        let grid = Translator.residualGrid
        var perPoint = [[Double]](repeating: [], count: grid.count)
        for split in splits {
            let scores = (try? Translator.residualGridScores(
                trainSource: split.trainSource, trainTarget: split.trainTarget, testSource: split.testSource,
                scaling: candidate.scaling, epsilon: epsilon, completion: candidate.completion
            ) { score(Matrix<Float>(converting: $0), split.testTarget, criterion) })?.grid
            for i in grid.indices { perPoint[i].append(scores?[i] ?? .nan) }
        }
        let sign = criterion.higherIsBetter ? 1.0 : -1.0
        var best = 0
        var bestMean: Double? = nil
        for (i, scores) in perPoint.enumerated() where scores.allSatisfy(\.isFinite) {
            let mean = scores.reduce(0, +) / Double(k)
            if bestMean == nil || sign * mean > sign * bestMean! { best = i; bestMean = mean }
        }
        return CandidateScore(candidate: Candidate(.residual, candidate.scaling, completion: candidate.completion, kernel: grid[best]),
                              mean: bestMean, folds: perPoint[best])
    }

    static func score(_ translated: Matrix<Float>, _ truth: Matrix<Float>, _ criterion: SelectionCriterion) -> Double {
        switch criterion {
        case .mse:
            var sum = 0.0
            for (a, b) in zip(translated.elements, truth.elements) { let d = Double(a) - Double(b); sum += d * d }
            return sum / Double(max(truth.elements.count, 1))
        case .mrr, .top1:
            guard let m = try? RetrievalMetrics.retrieval(translated: translated, truth: truth) else { return .nan }
            return criterion == .mrr ? m.mrr : m.top1
        }
    }
}
