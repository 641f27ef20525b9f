// Measures the Alignment module on real embeddings (not a unit test: minutes of work).
//   swift run -c release alignment-bench [DATA_DIR]   (default ../shared/data/fortunes)
// Seeded 80/20 split; 1,000 uniform anchors from train; unpaired pools = the other train items,
// each side shuffled on its own; held-out test top-1 (cosine / CSLS) over the 6 ordered pairs.
import Alignment
import EmbeddingCodec
import Foundation
import LatentCore
import NeighborSearch
import Translation

let directory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "../shared/data/fortunes"
let names = ["e5", "minilm", "glove50"]
let spaces = try names.map { name -> Matrix<Float> in
    let reader = try NPYReader(path: "\(directory)/\(name).npy")
    return try reader.readRows(reader.rows)
}
let n = spaces[0].rows
var g = SeededGenerator(seed: 0)
let order = g.permuted(Array(0..<n))
let testRows = Array(order[0..<(n / 5)]), train = Array(order[(n / 5)...])
let uniform = g.permuted(train)
let anchorRows = Array(uniform[0..<1000]), poolRows = Array(uniform[1000...])
let poolSourceOrder = g.permuted(poolRows), poolTargetOrder = g.permuted(poolRows)
let pairs = [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)]

func score(_ t: Translator, _ s: Int, _ d: Int) throws -> (cos: Double, csls: Double) {
    let translated = t.translate(spaces[s].gatherRows(testRows)), truth = spaces[d].gatherRows(testRows)
    return (try RetrievalMetrics.retrieval(translated: translated, truth: truth).top1,
            try RetrievalMetrics.retrieval(translated: translated, truth: truth, csls: true).top1)
}

func auto(_ s: Int, _ d: Int, _ rows: [Int]) throws -> (Translator, Candidate) {
    let xs = spaces[s].gatherRows(rows), ys = spaces[d].gatherRows(rows)
    let result = try ModelSelection.select(source: xs, target: ys, seed: 1)
    return (try result.best.fit(source: xs, target: ys).0, result.best)
}

func pct(_ v: Double) -> String { String(format: "%5.1f", 100 * v) }
func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

print("## 1,000 anchors: held-out top-1 % (cosine / CSLS), test = \(testRows.count) items, pools = \(poolRows.count)\n")
print("| pair | ortho | auto (winner) | ortho+refine(3) | auto-estimator+refine(3) | hub (GPA) |")
print("| --- | --- | --- | --- | --- | --- |")
let hub = try GeneralizedProcrustes.fit(spaces: spaces.map { $0.gatherRows(anchorRows) })
var totals = [String: (Double, Double)]()
@MainActor func add(_ key: String, _ v: (cos: Double, csls: Double)) { let o = totals[key] ?? (0, 0); totals[key] = (o.0 + v.cos / 6, o.1 + v.csls / 6) }
for (s, d) in pairs {
    let start = Date()
    let xs = spaces[s].gatherRows(anchorRows), ys = spaces[d].gatherRows(anchorRows)
    let (ortho, _) = try Translator.fit(source: xs, target: ys, estimator: .ortho, scaling: .standard)
    let (autoT, winner) = try auto(s, d, anchorRows)
    let (refined, report) = try Refinement.refine(
        anchorsSource: xs, anchorsTarget: ys, unpairedSource: spaces[s].gatherRows(poolSourceOrder),
        unpairedTarget: spaces[d].gatherRows(poolTargetOrder), rounds: 3)
    let (autoRefined, _) = try Refinement.refine(
        anchorsSource: xs, anchorsTarget: ys, unpairedSource: spaces[s].gatherRows(poolSourceOrder),
        unpairedTarget: spaces[d].gatherRows(poolTargetOrder), rounds: 3, estimator: winner.estimator, scaling: winner.scaling,
        ridgeLambda: winner.ridgeLambda ?? Estimator.defaultRidgeLambda)
    let row = [("ortho", try score(ortho, s, d)), ("auto", try score(autoT, s, d)), ("refine", try score(refined, s, d)),
               ("autorefine", try score(autoRefined, s, d)), ("hub", try score(hub.translator(from: s, to: d), s, d))]
    for (k, v) in row { add(k, v) }
    let cells = row.map { "\(pct($0.1.cos)) / \(pct($0.1.csls))" }
    print("| \(names[s])→\(names[d]) | \(cells[0]) | \(cells[1]) (\(winner)) | \(cells[2]) pairs \(report.pairsPerRound) | \(cells[3]) | \(cells[4]) |")
    log("\(names[s])→\(names[d]) \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
}
let meanCells = ["ortho", "auto", "refine", "autorefine", "hub"].map { "\(pct(totals[$0]!.0)) / \(pct(totals[$0]!.1))" }
print("| **mean** | \(meanCells[0]) | \(meanCells[1]) | \(meanCells[2]) | \(meanCells[3]) | \(meanCells[4]) |")
print("\nhub: \(hub.iterations) iterations, last change \(hub.lastChange)\n")

print("## Anchor samplers: held-out top-1 % (cosine), mean over the 6 pairs (sampled on the source space's train items)\n")
print("| anchors | method | uniform | farthest | kmeans |")
print("| --- | --- | --- | --- | --- |")
for count in [100, 250] {
    var sums = [[Double]](repeating: [0, 0, 0], count: 2)
    for (s, d) in pairs {
        let trainSpace = spaces[s].gatherRows(train)
        let choices = [Array(uniform[0..<count]),
                       AnchorSampling.farthestPoint(trainSpace, count: count, seed: 2).map { train[$0] },
                       AnchorSampling.kMeansCentres(trainSpace, count: count, seed: 2).map { train[$0] }]
        for (c, rows) in choices.enumerated() {
            let (ortho, _) = try Translator.fit(source: spaces[s].gatherRows(rows), target: spaces[d].gatherRows(rows),
                                                estimator: .ortho, scaling: .standard)
            sums[0][c] += try score(ortho, s, d).cos / 6
            sums[1][c] += try score(try auto(s, d, rows).0, s, d).cos / 6
        }
        log("samplers \(count) \(names[s])→\(names[d]) done")
    }
    for (m, method) in ["ortho", "auto"].enumerated() {
        print("| \(count) | \(method) | \(pct(sums[m][0])) | \(pct(sums[m][1])) | \(pct(sums[m][2])) |")
    }
}
