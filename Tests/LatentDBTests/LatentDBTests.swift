import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LatentDB
import Translation

@Suite struct TranslatorParameterTests {
    func sample(bias: Bool, l2: Bool) -> Translator {
        var g = SeededGenerator(seed: 5)
        let r = { Float(Double(g.next() % 2001) / 1000 - 1) }
        return Translator(estimator: bias ? .affine : .ortho, scaling: l2 ? .l2 : .standard,
                          sourceShift: (0..<3).map { _ in r() }, sourceScale: (0..<3).map { _ in 1 + abs(r()) },
                          targetShift: (0..<4).map { _ in r() }, targetScale: (0..<4).map { _ in 1 + abs(r()) },
                          sourceMeanNorm: l2 ? 2.5 : nil, targetMeanNorm: l2 ? 3.5 : nil,
                          map: Matrix(rows: 3, columns: 4, elements: (0..<12).map { _ in r() }),
                          bias: bias ? (0..<4).map { _ in r() } : nil)
    }

    @Test(arguments: [(false, false), (true, false), (false, true)])
    func roundTripIsExact(_ bias: Bool, _ l2: Bool) throws {
        let t = sample(bias: bias, l2: l2)
        #expect(try TranslatorParameters.decode(TranslatorParameters.encode(t)) == t)
    }

    @Test func kernelCorrectionRoundTripsAsVersion2() throws {
        var g = SeededGenerator(seed: 6)
        let r = { Float(Double(g.next() % 2001) / 1000 - 1) }
        let base = sample(bias: false, l2: true)
        let correction = KernelCorrection(centres: Matrix(rows: 5, columns: 3, elements: (0..<15).map { _ in r() }),
                                          coefficients: Matrix(rows: 5, columns: 4, elements: (0..<20).map { _ in r() }), gamma: 0.75)
        let t = Translator(estimator: .residual, scaling: base.scaling, sourceShift: base.sourceShift, sourceScale: base.sourceScale,
                           targetShift: base.targetShift, targetScale: base.targetScale, sourceMeanNorm: base.sourceMeanNorm,
                           targetMeanNorm: base.targetMeanNorm, map: base.map, bias: nil, correction: correction)
        let bytes = TranslatorParameters.encode(t)
        #expect(bytes[4] == 2 && bytes[5] == 0, "a corrected translator is format version 2")
        #expect(TranslatorParameters.encode(base)[4] == 1, "one without a correction stays version 1")
        let decoded = try TranslatorParameters.decode(bytes)
        #expect(decoded == t && decoded.correction == correction)
        let query = Matrix<Float>(rows: 2, columns: 3, elements: [0.1, -0.2, 0.3, 1, 0.5, -1])
        #expect(decoded.translate(query) == t.translate(query))
        #expect(t.translate(query) != base.translate(query))
    }

    @Test func everyFlippedByteIsDetected() throws {
        let bytes = TranslatorParameters.encode(sample(bias: true, l2: false))
        for position in stride(from: 0, to: bytes.count, by: 7) {
            var corrupt = bytes
            corrupt[position] ^= 0x10
            #expect(throws: LatentError.self, "flip at \(position)") { try TranslatorParameters.decode(corrupt) }
        }
        for length in [0, 4, 10, bytes.count - 1] {
            #expect(throws: LatentError.self) { try TranslatorParameters.decode(Array(bytes.prefix(length))) }
        }
    }
}

@Suite struct SweepPlotTests {
    @Test func svgIsWellFormedAndLabelled() throws {
        func report(_ n: Int, _ acc: Double) -> EvalReport {
            var m = EvalMetrics(); m.accuracy_knn = acc; m.top1 = acc / 2
            var native = EvalMetrics(); native.accuracy_knn = 0.6
            return EvalReport(A: "a", B: "b", from: "a/d", to: "b/d", n_train: 10, n_test: 5, n_anchors: n, scaling: "standard",
                              order: ["native", "absolute", "ortho"], results: ["native": native, "absolute": m, "ortho": m],
                              translators: ["ortho": "ortho+standard"])
        }
        let sweep = SweepReport(from: "a/d", to: "b/d", counts: [50, 100, 500], methods: ["ortho"],
                                evaluations: [report(50, 0.2), report(100, 0.4), report(500, 0.5)])
        let svg = SweepPlot.svg(sweep)
        let document = try XMLDocument(xmlString: svg)
        #expect(document.rootElement()?.name == "svg")
        for text in ["number of anchors", "ortho", "native", "absolute", "k-NN accuracy", "Top-1 retrieval", "500"] {
            #expect(svg.contains(text), "missing \(text)")
        }
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 5)
    }
}
