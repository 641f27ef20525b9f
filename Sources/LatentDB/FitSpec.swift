import Alignment
import Foundation
import Translation

public typealias SelectionCriterion = Alignment.SelectionCriterion

/// How a translator is fitted from anchors, everything that changes the result (and therefore
/// the fingerprint): the method, the pre-processing, ridge λ, rounds of refinement.
public struct FitSpec: Sendable, Equatable {
    public enum Method: Sendable, Equatable {
        case estimator(Estimator)
        /// Cross-validated choice among estimators × scalings (5 seeded folds of the anchors).
        case auto(SelectionCriterion)

        /// `ortho`, `scaled-ortho`, …, `auto`.
        public init?(name: String) {
            if name == "auto" { self = .auto(.mrr) } else if let e = Estimator(cliName: name) { self = .estimator(e) } else { return nil }
        }

        public var name: String {
            switch self {
            case let .estimator(e): e.cliName
            case .auto: "auto"
            }
        }
    }

    public var method: Method
    /// Ignored by `auto`, which chooses the scaling too.
    public var scaling: Scaling
    public var ridgeLambda: Double
    /// Rounds of refinement from unpaired items (MUSE); 0 for none.
    public var refine: Int
    /// ortho, scaled-ortho, lortho (and auto, which tries them): the map on directions the
    /// anchors leave undetermined. Ignored by the other estimators.
    public var completion: Completion

    public init(method: Method = .estimator(.ortho), scaling: Scaling = .standard, ridgeLambda: Double = Estimator.defaultRidgeLambda,
                refine: Int = 0, completion: Completion = .partial) {
        self.method = method
        self.scaling = scaling
        self.ridgeLambda = ridgeLambda
        self.refine = refine
        self.completion = completion
    }

    /// Whether the completion changes this spec's result.
    public var usesCompletion: Bool {
        switch method {
        case let .estimator(e): Completion.applies(to: e)
        case .auto: true
        }
    }

    public init(_ estimator: Estimator, _ scaling: Scaling = .standard) {
        self.init(method: .estimator(estimator), scaling: scaling)
    }

    /// The name of a result: `ortho`, `auto+refine`, …
    public var label: String { method.name + (refine > 0 ? "+refine" : "") }

    var fingerprintEstimator: String {
        switch method {
        case let .estimator(e): e.rawValue
        case .auto: "auto"
        }
    }

    /// Canonical options text for the fingerprint: "{}" for a plain estimator, so fingerprints
    /// of the first release stay valid.
    ///
    /// The completion is named only when it is `partial`: releases before it had only the full
    /// completion, so their cached ortho/lortho/auto translators (possibly fitted on rank-deficient
    /// anchors, hence arbitrary off the determined directions) keep their fingerprints under
    /// `--completion full`, and the partial default misses them and fits anew: never served stale.
    var options: String {
        var parts: [String] = []
        if case let .auto(criterion) = method { parts.append("\"select\":\"\(criterion.rawValue)\",\"folds\":\(Self.folds)") }
        if case .estimator(.ridge) = method { parts.append("\"ridgeLambda\":\(ridgeLambda)") }
        if refine > 0 { parts.append("\"refine\":\(refine)") }
        if usesCompletion && completion == .partial { parts.append("\"completion\":\"partial\"") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static let folds = 5
    static let selectionSeed: UInt64 = 0
}

/// A translator and what fitting it found out.
struct FitOutcome {
    var translator: Translator
    var estimator: Estimator
    var scaling: Scaling
    var residualMSE: Double
    var effectiveRank: Double
    var singularValues: [Double]
    var selection: [SelectionScore]?
    var chosen: String?
    var refinePairs: [Int]?
    /// Dimensions of the map the anchors determine, of how many (see `FitReport.determined`).
    var determined: (rank: Int, of: Int)?
    var kernel: FitKernel? = nil
}

/// One candidate's cross-validated score, as `fit` reports it.
public struct SelectionScore: Codable, Sendable {
    public let candidate: String
    public let score: Double?
}

extension LatentStore {
    /// Fits `spec` on anchor rows; `unpaired` pools (never paired with each other) feed refinement.
    static func fit(_ spec: FitSpec, source: Matrix<Float>, target: Matrix<Float>,
                    unpaired: (source: Matrix<Float>, target: Matrix<Float>)?) throws -> FitOutcome {
        var candidate: Candidate
        var selection: [SelectionScore]? = nil
        switch spec.method {
        case let .estimator(e):
            candidate = Candidate(e, spec.scaling, ridgeLambda: e == .ridge ? spec.ridgeLambda : nil, completion: spec.completion)
        case let .auto(criterion):
            let minimum = ModelSelection.minimumAnchors(folds: FitSpec.folds)
            guard source.rows >= minimum else {
                throw LatentError(.autoTooFewAnchors(needed: minimum, folds: FitSpec.folds, found: source.rows))
            }
            let result = try ModelSelection.select(source: source, target: target, candidates: Candidate.all(completion: spec.completion),
                                                   folds: FitSpec.folds, seed: FitSpec.selectionSeed,
                                                   criterion: criterion, epsilon: scalingEpsilon)
            candidate = result.best
            selection = result.table.map { SelectionScore(candidate: $0.candidate.description, score: $0.mean) }
        }
        if spec.refine > 0 {
            guard let unpaired, unpaired.source.rows > 0, unpaired.target.rows > 0 else {
                throw LatentError(.refineNeedsUnpaired)
            }
            let (translator, report) = try Refinement.refine(
                anchorsSource: source, anchorsTarget: target, unpairedSource: unpaired.source, unpairedTarget: unpaired.target,
                rounds: spec.refine, estimator: candidate.estimator, scaling: candidate.scaling,
                ridgeLambda: candidate.ridgeLambda ?? spec.ridgeLambda, epsilon: scalingEpsilon, completion: candidate.completion)
            return FitOutcome(translator: translator, estimator: candidate.estimator, scaling: candidate.scaling,
                              residualMSE: report.fit.residualMSE, effectiveRank: report.fit.effectiveRank,
                              singularValues: report.fit.singularValues, selection: selection,
                              chosen: selection == nil ? nil : candidate.description, refinePairs: report.pairsPerRound,
                              determined: report.fit.determined,
                              kernel: FitKernel(report.fit.kernel, centres: translator.correction?.centres.rows ?? 0))
        }
        let (translator, report) = try candidate.fit(source: source, target: target, epsilon: scalingEpsilon)
        return FitOutcome(translator: translator, estimator: candidate.estimator, scaling: candidate.scaling,
                          residualMSE: report.residualMSE, effectiveRank: report.effectiveRank, singularValues: report.singularValues,
                          selection: selection, chosen: selection == nil ? nil : candidate.description, refinePairs: nil,
                          determined: report.determined, kernel: FitKernel(report.kernel, centres: translator.correction?.centres.rows ?? 0))
    }
}

extension FitKernel {
    init?(_ choice: KernelChoice?, centres: Int) {
        guard let choice else { return nil }
        self.init(widthFactor: choice.parameters?.widthFactor, lambda: choice.parameters?.lambda, centres: centres,
                  crossValidatedMRR: choice.crossValidatedMRR, orthoMRR: choice.orthoMRR)
    }
}
