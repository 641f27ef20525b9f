// Codec benchmark: compression ratio, encode and decode MB/s of each BlockCodec on real
// embedding files, at several block sizes. MB = 1e6 bytes of raw float32, as in
// /work/shared/bench/anchor_codec.py, so the figures compare directly with blosc2's.
//
//   swift run -c release codec-bench [--reps N (default 7)] [FILE.npy ...]
//   (default: /work/shared/data/fortunes/*.npy; files that are not 2-D float arrays are skipped)
import EmbeddingCodec
import Foundation

var reps = 7
var paths: [String] = []
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    if arg == "--reps", let n = args.popFirst().flatMap(Int.init) { reps = max(1, n) } else { paths.append(arg) }
}
if paths.isEmpty {
    let dir = "/work/shared/data/fortunes"
    paths = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        .filter { $0.hasSuffix(".npy") }.sorted().map { "\(dir)/\($0)" }
}
let report = Bench.run(paths: paths, reps: reps)
print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
