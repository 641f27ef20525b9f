import Foundation

/// `eval --sweep-anchors`: the paper's sensitivity of stitching to the number of anchors.
public struct SweepReport: Codable, Sendable {
    public let from: String
    public let to: String
    public let counts: [Int]
    public let methods: [String]
    /// One evaluation per anchor count, in `counts` order.
    public let evaluations: [EvalReport]
}

extension LatentStore {
    public func sweep(_ base: EvalRequest, counts: [Int], seed: UInt64, progress: ((Int, Int) -> Void)? = nil) throws -> SweepReport {
        var evaluations: [EvalReport] = []
        for (i, count) in counts.enumerated() {
            var request = base
            if case let .sampled(_, _, sampler) = base.anchors {
                request.anchors = .sampled(count: count, seed: seed, sampler: sampler)
            } else {
                request.anchors = .sampled(count: count, seed: seed, sampler: .uniform)
            }
            evaluations.append(try evaluate(request))
            progress?(i + 1, counts.count)
        }
        return SweepReport(from: base.from.description, to: base.to.description, counts: evaluations.map(\.n_anchors),
                           methods: evaluations.first.map { $0.order.filter { $0 != "native" && $0 != "absolute" } } ?? [],
                           evaluations: evaluations)
    }
}

/// Draws a sweep as a two-panel SVG line chart: kNN accuracy and top-1 retrieval against the
/// number of anchors (log scale), one line per method, native and absolute as references.
public enum SweepPlot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    public static func svg(_ report: SweepReport) -> String {
        let panelWidth = 420.0, panelHeight = 300.0, margin = (left: 60.0, right: 20.0, top: 75.0, bottom: 55.0)
        let width = 2 * (panelWidth + margin.left + margin.right) + 150, height = panelHeight + margin.top + margin.bottom
        let counts = report.counts.map(Double.init)
        let (xMin, xMax) = (log10(max(counts.min() ?? 1, 1)), log10(max(counts.max() ?? 10, 2)))
        var body = ""
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }

        let panels: [(title: String, value: (EvalMetrics) -> Double?)] = [
            ("k-NN accuracy of the target's decoder", { $0.accuracy_knn }),
            ("Top-1 retrieval among target test items", { $0.top1 }),
        ]
        for (p, panel) in panels.enumerated() {
            let x0 = margin.left + Double(p) * (panelWidth + margin.left + margin.right)
            let y0 = margin.top
            let px = { (count: Double) in x0 + (xMax == xMin ? 0.5 : (log10(count) - xMin) / (xMax - xMin)) * panelWidth }
            let py = { (v: Double) in y0 + (1 - v) * panelHeight }
            body += "<text x=\"\(x0 + panelWidth / 2)\" y=\"\(y0 - 18)\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(esc(panel.title))</text>\n"
            body += "<rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(panelWidth)\" height=\"\(panelHeight)\" fill=\"none\" stroke=\"#333\"/>\n"
            for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
                body += "<line x1=\"\(x0)\" x2=\"\(x0 + panelWidth)\" y1=\"\(py(tick))\" y2=\"\(py(tick))\" stroke=\"#ddd\"/>\n"
                body += "<text x=\"\(x0 - 8)\" y=\"\(py(tick) + 4)\" text-anchor=\"end\" font-size=\"12\">\(String(format: "%.1f", tick))</text>\n"
            }
            for count in counts {
                body += "<line x1=\"\(px(count))\" x2=\"\(px(count))\" y1=\"\(y0 + panelHeight)\" y2=\"\(y0 + panelHeight + 5)\" stroke=\"#333\"/>\n"
                body += "<text x=\"\(px(count))\" y=\"\(y0 + panelHeight + 20)\" text-anchor=\"middle\" font-size=\"12\">\(Int(count))</text>\n"
            }
            body += "<text x=\"\(x0 + panelWidth / 2)\" y=\"\(y0 + panelHeight + 42)\" text-anchor=\"middle\" font-size=\"13\">number of anchors (log scale)</text>\n"
            var series: [(name: String, dashed: Bool, values: [Double?])] = report.methods.map { m in
                (m, false, report.evaluations.map { $0.results[m].flatMap(panel.value) })
            }
            series.append(("absolute", true, report.evaluations.map { $0.results["absolute"].flatMap(panel.value) }))
            if p == 0 { series.append(("native", true, report.evaluations.map { $0.results["native"].flatMap(panel.value) })) }
            for (i, line) in series.enumerated() {
                let color = line.name == "native" ? "#000" : line.name == "absolute" ? "#888" : palette[i % palette.count]
                let points = zip(counts, line.values).compactMap { c, v in v.map { "\(px(c)),\(py($0))" } }
                guard !points.isEmpty else { continue }
                body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(points.joined(separator: " "))\"/>\n"
                for point in points where !line.dashed {
                    let xy = point.split(separator: ",")
                    body += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"/>\n"
                }
            }
        }
        // Legend
        let lx = width - 140, names = report.methods + ["absolute", "native"]
        body += "<text x=\"\(lx)\" y=\"\(margin.top)\" font-size=\"13\" font-weight=\"bold\">method</text>\n"
        for (i, name) in names.enumerated() {
            let y = margin.top + 20 + Double(i) * 20
            let color = name == "native" ? "#000" : name == "absolute" ? "#888" : palette[i % palette.count]
            let dashed = name == "native" || name == "absolute"
            body += "<line x1=\"\(lx)\" x2=\"\(lx + 24)\" y1=\"\(y - 4)\" y2=\"\(y - 4)\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            body += "<text x=\"\(lx + 30)\" y=\"\(y)\" font-size=\"12\">\(esc(name))</text>\n"
        }
        let title = "\(report.from) → \(report.to): stitching quality against the number of anchors"
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height + 20))" viewBox="0 0 \(Int(width)) \(Int(height + 20))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="28" text-anchor="middle" font-size="17" font-weight="bold">\(esc(title))</text>
            \(body)</svg>

            """
    }
}
