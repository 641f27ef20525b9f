// Times exact k-NN (NeighborAccumulator.search) on a seeded synthetic database (rows uniform
// noise, L2-normalised), for several query batch sizes and OpenBLAS thread counts; prints a
// table on stderr and one JSON line on stdout.
//
//   swift run -c release knn-bench [--n 100000] [--d 768] [--k 10] [--metric ip|cosine|l2]
//       [--queries 1,100,10000] [--threads 1,2] [--reps 5] [--block-rows 1024]
//
// The machine is shared and noisy: compare with FAISS back to back, alternating, e.g.
//   (cd /work/shared/bench && ~/.venvs/bench/bin/python anchor_knn.py --queries 1,100,10000 \
//       --libs faiss,faiss_blas --metrics ip --threads 1)
// and report ratios, not absolute figures.
import Foundation
import LatentCore
import LinearAlgebra
import NeighborSearch

struct Options {
    var n = 100_000, d = 768, k = 10, reps = 5, blockRows = 1024
    var metric = Metric.innerProduct
    var queries = [1, 100, 10_000], threads = [1, 2]

    init(_ arguments: [String]) {
        var it = arguments.makeIterator()
        func list(_ s: String?) -> [Int] { (s ?? "").split(separator: ",").compactMap { Int($0) } }
        while let flag = it.next() {
            let value = it.next()
            switch flag {
            case "--n": n = Int(value ?? "") ?? n
            case "--d": d = Int(value ?? "") ?? d
            case "--k": k = Int(value ?? "") ?? k
            case "--reps": reps = Int(value ?? "") ?? reps
            case "--block-rows": blockRows = Int(value ?? "") ?? blockRows
            case "--metric": metric = Metric(rawValue: value ?? "") ?? metric
            case "--queries": queries = list(value)
            case "--threads": threads = list(value)
            default: FileHandle.standardError.write("unknown option \(flag)\n".data(using: .utf8)!); exit(2)
            }
        }
    }
}

/// Embedding-like rows: uniform noise, L2-normalised, from a seeded SplitMix64 stream.
func embeddings(rows: Int, columns: Int, seed: UInt64) -> Matrix<Float> {
    var state = seed
    var elements = [Float](repeating: 0, count: rows * columns)
    for r in 0..<rows {
        var norm: Float = 0
        for c in 0..<columns {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            let v = Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) - 0.5
            elements[r * columns + c] = v
            norm += v * v
        }
        let scale = 1 / norm.squareRoot()
        for c in 0..<columns { elements[r * columns + c] *= scale }
    }
    return Matrix(rows: rows, columns: columns, elements: elements)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

let options = Options(Array(CommandLine.arguments.dropFirst()))
log("generating \(options.n) × \(options.d) database…")
let database = embeddings(rows: options.n, columns: options.d, seed: 0)
let allQueries = embeddings(rows: options.queries.max() ?? 1, columns: options.d, seed: 1)
let (config, core) = blasDescription()
log("OpenBLAS \(config), core \(core)")

var results: [[String: Any]] = []
for threads in options.threads {
    setThreadCount(threads)
    for q in options.queries {
        let queries = allQueries.gatherRows(0..<q)
        _ = try NeighborAccumulator.search(queries: queries.gatherRows(0..<1), database: database, k: options.k,
                                           metric: options.metric, blockRows: options.blockRows)  // warm-up
        // A batch of 10,000 queries takes tens of seconds: one run suffices there.
        let reps = q >= 5_000 ? 1 : max(3, options.reps)
        var times: [Double] = []
        for _ in 0..<reps {
            times.append(try seconds {
                _ = try NeighborAccumulator.search(queries: queries, database: database, k: options.k,
                                                   metric: options.metric, blockRows: options.blockRows)
            })
        }
        let median = times.sorted()[times.count / 2]
        log(String(format: "threads %d  Q = %6d  median %.4f s over %d runs  %9.1f q/s", threads, q, median, reps, Double(q) / median))
        results.append(["threads": threads, "Q": q, "median_s": median, "qps": Double(q) / median,
                        "reps": reps, "all_s": times])
    }
}
var load = [Double](repeating: 0, count: 3)
getloadavg(&load, 3)
let line: [String: Any] = [
    "script": "knn-bench", "N": options.n, "d": options.d, "k": options.k, "metric": options.metric.rawValue,
    "block_rows": options.blockRows, "openblas_core": core, "openblas_config": config, "loadavg": load,
    "results": results,
]
let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))

