public import LatentCore
import LinearAlgebra

/// Choosing which items to pair as anchors, from one space's embeddings, so that a few anchors
/// cover the space better than a uniform draw.
///
/// Both samplers work in cosine geometry on centred rows (see `centredUnitRows`): distances
/// between embeddings are carried by their angles, not their norms.
public enum AnchorSampling {
    /// Greedy farthest-point traversal (Gonzalez): a seeded random first item, then repeatedly
    /// the item whose cosine distance to its nearest chosen item is largest.
    ///
    /// - Returns: `min(count, x.rows)` distinct row indices, in the order chosen (so any prefix
    ///   is itself a farthest-point sample). Exact duplicates are taken only when nothing else is left.
    /// Cost: one matrix-vector product over `x` per chosen item.
    public static func farthestPoint(_ x: Matrix<Float>, count: Int, seed: UInt64) -> [Int] {
        let n = x.rows, d = x.columns, total = min(max(count, 0), n)
        guard total > 0 else { return [] }
        let u = centredUnitRows(x)
        var g = SeededGenerator(seed: seed)
        var chosen = [g.below(n)]
        // Largest cosine to any chosen item; −∞ marks a chosen one so it is never picked again.
        var nearest = [Float](repeating: -2, count: n)
        var column = [Float](repeating: 0, count: n)
        u.elements.withUnsafeBufferPointer { pu in
        column.withUnsafeMutableBufferPointer { pc in
            while true {
                let last = chosen[chosen.count - 1]
                nearest[last] = .infinity
                guard chosen.count < total else { break }
                gemm(rows: n, columns: 1, inner: d, a: pu, leadingA: d,
                     b: UnsafeBufferPointer(rebasing: pu[(last * d)..<((last + 1) * d)]), leadingB: 1,
                     c: pc, leadingC: 1)
                var best = -1, bestScore = Float.infinity
                for i in 0..<n where nearest[i] != .infinity {
                    nearest[i] = max(nearest[i], pc[i])
                    if nearest[i] < bestScore { best = i; bestScore = nearest[i] }
                }
                chosen.append(best)
            }
        }}
        return chosen
    }

    /// Spherical k-means (k-means++ seeding with the seeded generator, then `iterations` Lloyd
    /// steps: assign by cosine with one `sgemm` per block, centres = renormalised means), and
    /// for each centre the item closest to it. Memory: the count × rows score matrix at the end.
    ///
    /// - Returns: `min(count, x.rows)` distinct row indices, one per centre in centre order; when
    ///   two centres share their closest item, the later one takes its next closest free item.
    ///   An empty cluster keeps its previous centre.
    public static func kMeansCentres(_ x: Matrix<Float>, count: Int, seed: UInt64, iterations: Int = 20) -> [Int] {
        let n = x.rows, d = x.columns, k = min(max(count, 0), n)
        guard k > 0 else { return [] }
        let u = centredUnitRows(x)
        var g = SeededGenerator(seed: seed)

        // k-means++: each next centre drawn with probability ∝ squared distance to the nearest
        // centre so far (for unit rows ‖a − b‖² = 2 − 2cos).
        var seeds = [g.below(n)]
        var distance = [Double](repeating: .infinity, count: n)
        while seeds.count < k {
            let c = u.gatherRows([seeds[seeds.count - 1]])
            let cos = gemm(u, c, transposeB: true).elements
            for i in 0..<n { distance[i] = min(distance[i], max(0, 2 - 2 * Double(cos[i]))) }
            let total = distance.reduce(0, +)
            guard total > 0 else {
                // Every remaining item duplicates a centre: take unused items in order.
                let used = Set(seeds)
                seeds += (0..<n).filter { !used.contains($0) }.prefix(k - seeds.count)
                break
            }
            var r = Double(g.next() >> 11) / Double(1 << 53) * total
            var pick = n - 1
            for i in 0..<n { r -= distance[i]; if r < 0 { pick = i; break } }
            seeds.append(pick)
        }
        var centres = u.gatherRows(seeds)

        for _ in 0..<max(iterations, 0) {
            let assignment = argmaxInnerProduct(u, centres)
            var sums = [Double](repeating: 0, count: k * d), sizes = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = assignment[i].row
                sizes[c] += 1
                for j in 0..<d { sums[c * d + j] += Double(u.elements[i * d + j]) }
            }
            var moved = false
            var next = centres
            for c in 0..<k where sizes[c] > 0 {
                let norm = (0..<d).reduce(0.0) { $0 + sums[c * d + $1] * sums[c * d + $1] }.squareRoot()
                guard norm > 0 else { continue }
                for j in 0..<d {
                    let v = Float(sums[c * d + j] / norm)
                    if v != next[c, j] { moved = true }
                    next[c, j] = v
                }
            }
            centres = next
            if !moved { break }
        }

        // The item closest to each centre, distinct: scores of all items against one centre
        // are one matrix-vector product, so the fallback to the next closest is cheap.
        var taken = [Bool](repeating: false, count: n), out: [Int] = []
        let scores = gemm(centres, u, transposeB: true).elements   // k × n
        for c in 0..<k {
            var best = -1, bestScore = -Float.infinity
            for i in 0..<n where !taken[i] && scores[c * n + i] > bestScore { best = i; bestScore = scores[c * n + i] }
            taken[best] = true
            out.append(best)
        }
        return out
    }
}
