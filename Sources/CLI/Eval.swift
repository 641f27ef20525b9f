import ArgumentParser
import Foundation
import LatentDB

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure stitching between two spaces of one dataset, as the paper does.",
        discussion: """
            Anchors come from the train split; each method is fitted on them and translates the source's test items. The target's decoders score its own test items (native), the untranslated source (absolute) and each translation; retrieval ranks each translated item among the target's test items.

            Example:
              latentdb eval --from e5/fortunes --to minilm/fortunes --count 1000 \\
                --methods ortho,linear
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Source space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var from: SpaceName
    @Option(help: ArgumentHelp("Target space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var to: SpaceName
    @Option(help: ArgumentHelp("Stored anchor set (instead of --count).", valueName: "name")) var anchors: String?
    @Option(help: "Anchors drawn from the train split.") var count: Int = 1000
    @Option(help: "Seed for anchors (and the split when the dataset has none).") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Comma-separated estimators.", valueName: "m1,m2")) var methods: String = "ortho,linear,lortho,affine"
    @Option(help: "Pre-processing: standard, l2, center, none.") var scaling: Scaling = .standard
    @Option(help: ArgumentHelp("Completion of ortho, scaled-ortho, lortho, auto on undetermined directions: partial, full (the paper's), or partial,full to report both (full ones as M(full)).", valueName: "c1,c2"))
    var completion: String = "partial"
    @Option(help: ArgumentHelp("Ridge strength for ridge, relative to trace(XᵀX)/d.", valueName: "λ")) var ridgeLambda: Double = Estimator.defaultRidgeLambda
    @Option(help: ArgumentHelp("What auto maximises on held-out anchors: mrr, top1, mse.", valueName: "metric")) var selectBy: SelectionCriterion = .mrr
    @Option(help: ArgumentHelp("Also report each method refined for this many rounds (M+refine), from unpaired train items.", valueName: "n")) var refine: Int = 0
    @Option(help: ArgumentHelp("How --count anchors are drawn from the train split: uniform, stratified, farthest, kmeans.", valueName: "sampler")) var sampler: SamplerKind = .uniform
    @Option(help: ArgumentHelp("Also report translation through this hub, as 'hub'.", valueName: "name")) var viaHub: String?
    @Option(help: ArgumentHelp("Comma-separated decoders: knn, linear.", valueName: "d1,d2")) var decoder: String = "knn,linear"
    @Flag(help: "Also report retrieval by CSLS.") var csls = false
    @Option(help: "Test fraction when the dataset has no splits.") var testFraction: Double = 0.2
    @Option(help: ArgumentHelp("Evaluate at each of these anchor counts (the paper's sensitivity figure).", valueName: "n1,n2,…"))
    var sweepAnchors: String?
    @Option(help: ArgumentHelp("With --sweep-anchors: write the figure as SVG.", valueName: "file.svg")) var plot: String?

    func parsedSweep() throws -> [Int]? {
        guard let sweepAnchors else { return nil }
        return try sweepAnchors.split(separator: ",").map {
            guard let n = Int($0), n >= 2 else { throw ValidationError(.sweepAnchorsOption(String($0))) }
            return n
        }
    }

    func parsedMethods() throws -> [FitSpec.Method] {
        try methods.split(separator: ",").map {
            guard let m = FitSpec.Method(name: String($0)) else {
                throw ValidationError(.unknownMethod(String($0), known: FitSpec.Method.allValueStrings))
            }
            if case .auto = m { return .auto(selectBy) }
            return m
        }
    }

    func parsedCompletions() throws -> [Completion] {
        let parsed = try completion.split(separator: ",").map {
            guard let c = Completion(rawValue: String($0)) else {
                throw ValidationError(.unknownCompletion(String($0), known: Completion.allCases.map(\.rawValue)))
            }
            return c
        }
        guard !parsed.isEmpty else { throw ValidationError(.unknownCompletion(completion, known: Completion.allCases.map(\.rawValue))) }
        return parsed
    }

    func parsedDecoders() throws -> [DecoderKind] {
        try decoder.split(separator: ",").map {
            guard let d = DecoderKind(rawValue: String($0)) else { throw ValidationError(.unknownDecoder(String($0), known: DecoderKind.allCases.map(\.rawValue))) }
            return d
        }
    }

    func validate() throws {
        _ = try parsedMethods()
        _ = try parsedDecoders()
        _ = try parsedCompletions()
        if refine < 0 { throw ValidationError(.negativeRefine(refine)) }
        if count < 2 { throw ValidationError(.anchorCountOption(count)) }
        if try parsedSweep() == nil && plot != nil { throw ValidationError(.missingOption(.plotNeedsSweep)) }
        if anchors != nil && sweepAnchors != nil { throw ValidationError(.conflictingOptions(.sweepWithAnchors)) }
        if !(testFraction > 0 && testFraction < 1) { throw ValidationError(.testFractionOption(testFraction)) }
    }

    func run() throws {
        let store = try global.open()
        let progress = global.progress("eval \(from) → \(to)")
        var request = EvalRequest(
            from: from, to: to, anchors: anchors.map { .named($0) } ?? .sampled(count: count, seed: seed, sampler: sampler),
            methods: try parsedMethods(), scaling: scaling, ridgeLambda: ridgeLambda, refine: refine, hub: viaHub,
            decoders: try parsedDecoders(), csls: csls,
            testFraction: testFraction, seed: seed)
        request.completions = try parsedCompletions()
        if let counts = try parsedSweep() {
            let sweep = try store.sweep(request, counts: counts, seed: seed, progress: progress.update)
            progress.finish()
            if let plot {
                do { try SweepPlot.svg(sweep).write(toFile: plot, atomically: true, encoding: .utf8) } catch {
                    throw LatentError(.cannotWrite(path: plot, reason: error.localizedDescription))
                }
            }
            try global.emit(json: sweep) {
                sweep.evaluations.map(Self.render).joined(separator: "\n\n") + (plot.map { "\n\nwrote \($0)" } ?? "")
            }
            return
        }
        let report = try store.evaluate(request, progress: progress.update)
        progress.finish()
        try global.emit(json: report) { Self.render(report) }
    }

    static func render(_ report: EvalReport) -> String {
        let f = { (x: Double?) in x.map { String(format: "%.3f", $0) } ?? "" }
        let g = { (x: Double?) in x.map { String(format: "%.4g", $0) } ?? "" }
        let csls = report.results.values.contains { $0.top1_csls != nil }
        var headers = ["", "KNN ACC", "LINEAR ACC", "TOP-1", "TOP-5", "MRR"]
        if csls { headers += ["TOP-1 CSLS", "MRR CSLS"] }
        headers += ["MSE", "COSINE"]
        let rows = report.order.map { name -> [String] in
            let m = report.results[name]!
            var row = [name, f(m.accuracy_knn), f(m.accuracy_linear), f(m.top1), f(m.top5), f(m.mrr)]
            if csls { row += [f(m.top1_csls), f(m.mrr_csls)] }
            return row + [g(m.mse), f(m.cosine)]
        }
        return "\(report.from) → \(report.to): \(report.n_anchors) anchors, \(report.n_train) train / \(report.n_test) test items, \(report.scaling) scaling\n"
            + table(headers, rows)
    }
}
