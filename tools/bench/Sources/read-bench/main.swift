// Reads a stored space's matrix into memory in-process (open the store, read every block,
// verify its checksum, decode it, copy it into one preallocated array), the like-for-like
// figure for the read of ../shared/bench/anchor_sqlite_blob.py (connect, SELECT the BLOBs,
// decode into a preallocated array), which neither reads keys nor writes a file.
// `latentdb export` adds the .npy write on top.
// MB = 1e6 bytes of raw float32. Prints one JSON line.
//
//   swift run -c release read-bench STORE MODEL/DATASET [--reps 5]
import Foundation
import LatentDB

var arguments = Array(CommandLine.arguments.dropFirst())
var reps = 5
if let i = arguments.firstIndex(of: "--reps"), i + 1 < arguments.count {
    reps = max(1, Int(arguments[i + 1]) ?? reps)
    arguments.removeSubrange(i...(i + 1))
}
guard arguments.count == 2, let name = try? SpaceName(parsing: arguments[1]) else {
    FileHandle.standardError.write("usage: read-bench STORE MODEL/DATASET [--reps N]\n".data(using: .utf8)!)
    exit(2)
}
// Allocated (and its pages touched) once, outside the timings, as the anchor's output array is.
let shape = try LatentStore(path: arguments[0]).space(name)
var matrix = [Float](repeating: 0, count: shape.rows * shape.dim)
let bytes = matrix.count * 4
var seconds: [Double] = []
let clock = ContinuousClock()
for _ in 0..<reps {
    let elapsed = try clock.measure {
        try LatentStore(path: arguments[0]).forEachBlock(of: name) { first, block in
            matrix.withUnsafeMutableBufferPointer { out in
                block.elements.withUnsafeBufferPointer { (out.baseAddress! + first * block.columns).update(from: $0.baseAddress!, count: $0.count) }
            }
        }
    }
    seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}
let median = seconds.sorted()[reps / 2]
print("{\"read_mb_s\": \(Int((Double(bytes) / 1e6 / median).rounded())), \"read_s\": \(median), \"reps\": \(reps)}")
