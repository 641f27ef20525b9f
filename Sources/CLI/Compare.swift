import ArgumentParser
import Foundation
import LatentDB

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How alike two spaces are, before fitting: linear CKA, SVCCA, mutual k-NN and a quick ortho fit.",
        discussion: """
            On the items two spaces of one dataset share (or on an anchor set's pairs): linear CKA, SVCCA (top principal \
            components explaining 99 % of each space's variance), mutual k-NN overlap, and held-out retrieval of an ortho \
            translator fitted on a seeded 80 % of the items (nothing is stored). With --dataset, every pair of the dataset's spaces.
            Example:
              latentdb compare e5/fortunes minilm/fortunes
              latentdb compare --dataset fortunes --plot matrix.svg
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("Source space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var a: SpaceName?
    @Argument(help: ArgumentHelp("Target space.", valueName: "MODEL/DATASET"), transform: parseSpaceName) var b: SpaceName?
    @Option(help: ArgumentHelp("Compare on this anchor set's pairs (needed for spaces of different datasets).", valueName: "name")) var anchors: String?
    @Option(help: ArgumentHelp("Every pair of this dataset's spaces.", valueName: "dataset")) var dataset: String?
    @Option(name: .short, help: "Neighbours for the mutual k-NN overlap.") var k: Int = 10
    @Option(help: "Seed of the held-out split of the quick ortho fit.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("With --dataset: write a heatmap of linear CKA and held-out top-1 as SVG.", valueName: "matrix.svg")) var plot: String?

    func validate() throws {
        if k < 1 { throw ValidationError(.kOption(k)) }
        if dataset != nil {
            if a != nil || b != nil || anchors != nil { throw ValidationError(.compareArguments(.datasetWithSpaces)) }
        } else {
            if a == nil || b == nil { throw ValidationError(.compareArguments(.spacesMissing)) }
            if plot != nil { throw ValidationError(.compareArguments(.plotNeedsDataset)) }
        }
    }

    func run() throws {
        let store = try global.open()
        if let dataset {
            let matrix = try store.compare(dataset: dataset, k: k, seed: seed)
            if let plot {
                do { try CompareHeatmap.svg(matrix).write(toFile: plot, atomically: true, encoding: .utf8) } catch {
                    throw LatentError(.cannotWrite(path: plot, reason: error.localizedDescription))
                }
            }
            try global.emit(json: matrix) { Self.render(matrix) + (plot.map { "\n\nwrote \($0)" } ?? "") }
            return
        }
        let report = try store.compare(a!, b!, anchors: anchors, k: k, seed: seed)
        try global.emit(json: report) { Self.render(report) }
    }

    static func render(_ r: CompareReport) -> String {
        """
        \(r.from) vs \(r.to): \(r.items) \(r.anchors.map { "anchor pairs '\($0)'" } ?? "shared items")
          linear CKA       \(String(format: "%.4f", r.linearCKA))
          SVCCA            \(String(format: "%.4f", r.svcca)) (\(r.svccaComponents[0]) and \(r.svccaComponents[1]) components for 99 % of the variance)
          mutual \(r.k)-NN     \(String(format: "%.4f", r.mutualKNN))
          ortho held-out   top-1 \(String(format: "%.3f", r.orthoTop1)), MRR \(String(format: "%.3f", r.orthoMRR)) (\(r.heldOut) items, \(r.from) → \(r.to))
        """
    }

    static func render(_ m: CompareMatrix) -> String {
        let f = { (x: Double) in String(format: "%.3f", x) }
        let rows = m.pairs.map { r in [r.from, r.to, f(r.linearCKA), f(r.svcca), f(r.mutualKNN), f(r.orthoTop1), f(r.orthoMRR)] }
        let k = m.pairs.first?.k ?? 10
        return "dataset \(m.dataset): \(m.spaces.count) spaces, \(m.pairs.first?.items ?? 0) items\n"
            + table(["FROM", "TO", "CKA", "SVCCA", "MUTUAL \(k)-NN", "ORTHO TOP-1", "ORTHO MRR"], rows)
    }
}

/// Two heatmaps side by side (linear CKA, symmetric; held-out ortho top-1, row → column).
enum CompareHeatmap {
    static func svg(_ m: CompareMatrix) -> String {
        let n = m.spaces.count, cell = 70.0, label = 130.0, gap = 60.0, top = 80.0
        let panel = label + Double(n) * cell
        let width = 2 * panel + gap + 20, height = top + Double(n) * cell + 40
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        func color(_ v: Double) -> String {   // white → dark blue
            let t = max(0, min(1, v))
            let r = Int(255 - t * (255 - 8)), g = Int(255 - t * (255 - 48)), b = Int(255 - t * (255 - 107))
            return "rgb(\(r),\(g),\(b))"
        }
        var lookup: [String: CompareReport] = [:]
        for r in m.pairs { lookup["\(r.from)|\(r.to)"] = r }
        var body = ""
        let panels: [(String, (CompareReport) -> Double)] = [("linear CKA", { $0.linearCKA }), ("ortho held-out top-1 (row → column)", { $0.orthoTop1 })]
        for (p, (title, value)) in panels.enumerated() {
            let x0 = Double(p) * (panel + gap) + 10
            body += "<text x=\"\(x0 + label + Double(n) * cell / 2)\" y=\"\(top - 40)\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(esc(title))</text>\n"
            for (j, space) in m.spaces.enumerated() {
                body += "<text x=\"\(x0 + label + (Double(j) + 0.5) * cell)\" y=\"\(top - 8)\" text-anchor=\"middle\" font-size=\"11\">\(esc(space))</text>\n"
            }
            for (i, rowSpace) in m.spaces.enumerated() {
                let y = top + Double(i) * cell
                body += "<text x=\"\(x0 + label - 8)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"end\" font-size=\"11\">\(esc(rowSpace))</text>\n"
                for (j, columnSpace) in m.spaces.enumerated() {
                    let v = i == j ? 1.0 : lookup["\(rowSpace)|\(columnSpace)"].map(value) ?? 0
                    let x = x0 + label + Double(j) * cell
                    body += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(color(v))\" stroke=\"white\"/>\n"
                    body += "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 5)\" text-anchor=\"middle\" font-size=\"13\" fill=\"\(v > 0.55 ? "white" : "black")\">\(String(format: "%.2f", v))</text>\n"
                }
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="24" text-anchor="middle" font-size="17" font-weight="bold">\(esc("dataset \(m.dataset): how alike its spaces are"))</text>
            \(body)</svg>

            """
    }
}
