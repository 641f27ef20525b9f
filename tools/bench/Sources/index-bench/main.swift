// In-process IVF search over a stored index, for tools/index-bench: the index read whole into
// memory once (as FAISS holds IndexIVFFlat), then, for each nprobe, recall@k against exact
// search over the stored space, queries/s for one batch of all queries and the median time of
// one query at a time (the first 50 queries). One BLAS thread unless --threads says otherwise.
// Prints one JSON line.
//
//   swift run -c release --package-path tools/bench index-bench STORE MODEL/DATASET QUERIES.npy \
//       [--nprobe 4,8,16,32,64] [--k 10] [--threads 1] [--metric ip]
import EmbeddingCodec
import Foundation
import LatentCore
import LatentDB
import LinearAlgebra
import NeighborSearch

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String, _ fallback: String) -> String {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
    defer { arguments.removeSubrange(i...(i + 1)) }
    return arguments[i + 1]
}
let probes = option("--nprobe", "4,8,16,32,64").split(separator: ",").compactMap { Int($0) }
let k = Int(option("--k", "10")) ?? 10
let threads = Int(option("--threads", "1")) ?? 1
let metric = Metric(rawValue: option("--metric", "ip")) ?? .innerProduct
guard arguments.count == 3, let name = try? SpaceName(parsing: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: index-bench STORE MODEL/DATASET QUERIES.npy [--nprobe 4,8] [--k 10] [--threads 1] [--metric ip]\n".utf8))
    exit(2)
}
setThreadCount(threads)
let store = try LatentStore(path: arguments[0])
let queries = try NPY.readMatrix(path: arguments[2]).matrix
let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

var truth: [[Neighbor]] = []
let exactSeconds = seconds(try clock.measure { truth = try store.exactNeighbours(name, queries: queries, k: k, metric: metric) })
var index: LoadedIndex!
let loadSeconds = seconds(try clock.measure { index = try store.loadIndex(name) })

@MainActor func recall(_ found: [[Neighbor]]) -> Double {
    let hits = zip(found, truth).reduce(0) { $0 + Set($1.0.map(\.row)).intersection($1.1.map(\.row)).count }
    return Double(hits) / Double(truth.reduce(0) { $0 + $1.count })
}

var rows: [String] = []
for nprobe in probes where nprobe <= index.listCount {
    var found: [[Neighbor]] = []
    _ = try index.search(queries.gatherRows(0..<1), k: k, nprobe: nprobe, metric: metric)  // warm-up
    let batch = seconds(try clock.measure { found = try index.search(queries, k: k, nprobe: nprobe, metric: metric) })
    var one: [Double] = []
    for q in 0..<min(50, queries.rows) {
        let single = queries.gatherRows(q ..< q + 1)
        one.append(seconds(try clock.measure { _ = try index.search(single, k: k, nprobe: nprobe, metric: metric) }))
    }
    let median = one.sorted()[one.count / 2]
    rows.append("{\"nprobe\": \(nprobe), \"recall\": \(recall(found)), \"batch_qps\": \(Double(queries.rows) / batch), \"one_query_ms\": \(1000 * median), \"one_query_qps\": \(1 / median)}")
}
print("{\"lib\": \"latentdb_ivf\", \"queries\": \(queries.rows), \"k\": \(k), \"threads\": \(threads), \"metric\": \"\(metric.rawValue)\", \"lists\": \(index.listCount), \"default_nprobe\": \(index.defaultNProbe), \"exact_s\": \(exactSeconds), \"load_s\": \(loadSeconds), \"results\": [\(rows.joined(separator: ", "))]}")
