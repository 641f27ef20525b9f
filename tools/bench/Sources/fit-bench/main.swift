// Fit and apply timings for the Translation module: `swift run -c release fit-bench [--quick]`;
// `--conditioning`: well- vs ill-conditioned vs rank-deficient anchors and the SVD routes.
// Compare with /work/shared/bench/anchor_fit.py run in the same session (ratios, not absolutes:
// the machine is shared and noisy).
import Foundation
import LatentCore
import LinearAlgebra
import Translation


func gaussian(_ rows: Int, _ columns: Int, _ g: inout SeededGenerator) -> Matrix<Float> {
    var out = [Float](repeating: 0, count: rows * columns)
    var i = 0
    while i < out.count {
        let u = Float.random(in: Float.ulpOfOne..<1, using: &g), v = Float.random(in: 0..<1, using: &g)
        let r = (-2 * log(u)).squareRoot()
        out[i] = r * cos(2 * .pi * v)
        if i + 1 < out.count { out[i + 1] = r * sin(2 * .pi * v) }
        i += 2
    }
    return Matrix(rows: rows, columns: columns, elements: out)
}

func normalizeRows(_ m: inout Matrix<Float>) {
    let norms = rowNorms(m)
    let d = m.columns
    m.withUnsafeMutableElements { p in
        for i in 0..<norms.count { for j in 0..<d { p[i * d + j] /= max(norms[i], 1e-12) } }
    }
}

/// Embedding-like source (low rank + noise, common offset, unit rows) and a target that is a
/// rotated, anisotropically stretched, shifted, noisy copy of it (unit rows).
func makePair(n: Int, d: Int, seed: UInt64) throws -> (Matrix<Float>, Matrix<Float>) {
    var g = SeededGenerator(seed: seed)
    let rank = d / 4
    var x = gemm(gaussian(n, rank, &g), gaussian(rank, d, &g))
    let noise = gaussian(n, d, &g), offset = gaussian(1, d, &g)
    x.withUnsafeMutableElements { p in
        for i in 0..<n { for j in 0..<d { p[i * d + j] += 3 * noise.elements[i * d + j] + 10 * offset.elements[j] } }
    }
    normalizeRows(&x)
    let (u, _, vt) = try svd(Matrix<Double>(converting: gaussian(d, d, &g)))
    var y = gemm(x, Matrix<Float>(converting: gemm(u, vt)))
    let stretch = (0..<d).map { _ in Float.random(in: 0.5...1.5, using: &g) }
    let yNoise = gaussian(n, d, &g)
    let shift = gaussian(1, d, &g)
    y.withUnsafeMutableElements { p in for i in 0..<n { for j in 0..<d {
        p[i * d + j] = p[i * d + j] * stretch[j] + 0.3 * shift.elements[j] / Float(d).squareRoot()
            + 0.2 / Float(d).squareRoot() * yNoise.elements[i * d + j]
    } } }
    normalizeRows(&y)
    return (x, y)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

/// `--dims 384,768`, `--estimators ortho,linear`, `--threads 1`, `--reps N`: a subset, for profiling.
func option(_ name: String) -> [String]? {
    guard let i = CommandLine.arguments.firstIndex(of: name), i + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[i + 1].split(separator: ",").map(String.init)
}
let quick = CommandLine.arguments.contains("--quick")
let reps = option("--reps").flatMap { Int($0[0]) } ?? (quick ? 1 : 3)
let n = 5_000
let dims = option("--dims")?.compactMap { Int($0) } ?? (quick ? [384] : [384, 768, 1_024])
let applyRows = quick ? 10_000 : 100_000
let threadCounts = option("--threads")?.compactMap { Int($0) } ?? [1, 2]
let estimators = option("--estimators")?.compactMap { Estimator(rawValue: $0) } ?? [.ortho, .linear, .lortho, .affine, .scaledOrtho]

// MARK: - Conditioning: well- vs ill-conditioned vs rank-deficient anchors, and the SVD routes

/// Low-rank anchors (rank d/4, noise 1e-5): `XᵀY` has cond ≫ 1e4, so the Gram route refuses.
func makeLowRankPair(n: Int, d: Int, seed: UInt64) throws -> (Matrix<Float>, Matrix<Float>) {
    var g = SeededGenerator(seed: seed)
    let rank = d / 4
    let z = gaussian(n, rank, &g)
    var x = gemm(z, gaussian(rank, d, &g)), y = gemm(z, gaussian(rank, d, &g))
    let nx = gaussian(n, d, &g), ny = gaussian(n, d, &g)
    x.withUnsafeMutableElements { p in for i in p.indices { p[i] += 1e-5 * nx.elements[i] } }
    y.withUnsafeMutableElements { p in for i in p.indices { p[i] += 1e-5 * ny.elements[i] } }
    return (x, y)
}

if CommandLine.arguments.contains("--conditioning") {
    let d = option("--dims").flatMap { Int($0[0]) } ?? 768
    let (wx, wy) = try makePair(n: n, d: d, seed: 11)
    let (lx, ly) = try makeLowRankPair(n: n, d: d, seed: 12)
    let (fx, fy) = (wx.gatherRows(0..<(d / 2)), wy.gatherRows(0..<(d / 2)))   // fewer anchors than dimensions
    setThreadCount(option("--threads").flatMap { Int($0[0]) } ?? 1)
    var rows: [[String: Any]] = []
    print("anchors         n      d    estimator  completion  fit median (s)  determined")
    for (name, x, y) in [("well", wx, wy), ("low-rank", lx, ly), ("few", fx, fy)] {
        for estimator in [Estimator.ortho, .lortho] {
            for completion in Completion.allCases {
                var times: [Double] = []
                var report: FitReport? = nil
                for _ in 0..<reps {
                    times.append(try seconds { report = try Translator.fit(source: x, target: y, estimator: estimator, scaling: .standard,
                                                                          measureResidual: false, completion: completion).1 })
                }
                let determined = report?.determined.map { "\($0.rank)/\($0.of)" } ?? "-"
                print(String(format: "%-15@ %-6d %-4d %-10@ %-11@ %-15.4f %@", name, x.rows, d, estimator.rawValue, completion.rawValue,
                             median(times), determined))
                rows.append(["kind": "conditioning", "anchors": name, "n": x.rows, "d": d, "estimator": estimator.rawValue,
                             "completion": completion.rawValue, "median_s": median(times), "runs": times])
            }
        }
    }
    // The routes for a d × d cross product of the low-rank anchors: what an ill-conditioned fit pays
    // on top of the cross product, against the Gram route of a well-conditioned one.
    func cross(_ x: Matrix<Float>, _ y: Matrix<Float>) -> Matrix<Float> { gemm(x, y, transposeA: true) }
    let ill32 = cross(lx, ly), ill = Matrix<Double>(converting: ill32), well = Matrix<Double>(converting: cross(wx, wy))
    let tolerance = Completion.relativeRankTolerance
    let reference = try partialIsometry(ill, relativeTolerance: tolerance).factor
    func deviation(_ m: Matrix<Double>) -> Double { zip(m.elements, reference.elements).reduce(0) { max($0, abs($1.0 - $1.1)) } }
    let routes: [(String, () throws -> Matrix<Double>?)] = [
        ("well: Gram polar (dsyrk+dsyevd+dsyrk+dgemm)", { try polarFactor(well)?.factor }),
        ("ill: Gram attempt, refused (dsyrk+dsyevd)", { try polarFactor(ill)?.factor }),
        ("ill: Cholesky condition estimate (dpotrf+dpocon)", { _ = gramLooksWellConditioned(gram(ill), maxCondition: gramConditionLimit); return nil }),
        ("ill: dgesdd partial isometry", { try partialIsometry(ill, relativeTolerance: tolerance).factor }),
        ("ill: dgesdd of the padded D × D (paper)", { let (u, _, vt) = try svd(ill); return gemm(u, vt) }),
        ("ill: sgesdd partial isometry", { let (u, s, vt) = try svd(ill32)
            let r = numericalRank(s.map(Double.init), relativeTolerance: tolerance)
            return Matrix<Double>(converting: gemm(Matrix(rows: d, columns: r, elements: (0..<d).flatMap { u.elements[($0 * d)..<($0 * d + r)] }),
                                                   Matrix(rows: r, columns: d, elements: Array(vt.elements[0..<(r * d)])))) }),
        ("ill: sgesdd + Float64 Newton–Schulz step", { try partialIsometryFromFloat(ill32, relativeTolerance: tolerance).factor }),
    ]
    print("\nroute (d = \(d), low-rank anchors unless 'well')            median (s)  max |Q − Q_dgesdd|")
    for (name, route) in routes {
        var times: [Double] = []
        var result: Matrix<Double>? = nil
        for _ in 0..<reps { times.append(try seconds { result = try route() }) }
        let dev = result.map { name.hasPrefix("ill") && !name.contains("paper") ? String(format: "%.2e", deviation($0)) : "-" } ?? "-"
        print(String(format: "%-56@ %-11.4f %@", name, median(times), dev))
        rows.append(["kind": "route", "route": name, "d": d, "median_s": median(times), "runs": times])
    }
    let json = try JSONSerialization.data(withJSONObject: ["bench": "fit-bench --conditioning", "results": rows], options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

var records: [[String: Any]] = []
print("threads  d      estimator    fit median (s)  residual MSE")
for d in dims {
    let (x, y) = try makePair(n: n, d: d, seed: UInt64(d))
    for threads in threadCounts {
        setThreadCount(threads)
        _ = try Translator.fit(source: x.gatherRows(0..<200), target: y.gatherRows(0..<200), estimator: .ortho, scaling: .standard)
        for estimator in estimators {
            var times: [Double] = []
            var mse = 0.0
            for _ in 0..<reps {
                times.append(try seconds { _ = try Translator.fit(source: x, target: y, estimator: estimator, scaling: .standard, measureResidual: false) })
            }
            mse = try Translator.fit(source: x, target: y, estimator: estimator, scaling: .standard).1.residualMSE
            let t = median(times)
            print(String(format: "%-8d %-6d %-12@ %-15.4f %.3e", threads, d, estimator.rawValue, t, mse))
            records.append(["kind": "fit", "n": n, "d": d, "threads": threads, "estimator": estimator.rawValue,
                            "median_s": t, "runs": times, "residual_mse": mse])
        }
    }
}

// Applying a translator vs one sgemm of the same size (100,000 × 768 · 768 × 768).
if CommandLine.arguments.contains("--no-apply") {
    let json = try JSONSerialization.data(withJSONObject: ["bench": "fit-bench", "results": records], options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}
let d = 768
let (ax, ay) = try makePair(n: n, d: d, seed: 7)
var g = SeededGenerator(seed: 99)
let rows = gaussian(applyRows, d, &g)
// "into": both write a preallocated output; "alloc": both return a fresh matrix.
print("\nthreads  into (s)   sgemm (s)  ratio   sgemm+alloc (s)  apply+alloc (s) ratio   (\(applyRows) × \(d) rows, scaling)")
for threads in threadCounts {
    setThreadCount(threads)
    for scaling in [Scaling.standard, .l2] {
        let (t, _) = try Translator.fit(source: ax, target: ay, estimator: .ortho, scaling: scaling)
        var out = Matrix<Float>(rows: applyRows, columns: d)
        var translated = Matrix<Float>(rows: applyRows, columns: d)
        var applyTimes: [Double] = [], gemmTimes: [Double] = [], allocTimes: [Double] = [], allocApplyTimes: [Double] = []
        var checksum: Float = 0
        for _ in 0..<reps {
            gemmTimes.append(seconds { gemm(rows, t.map, into: &out) })
            applyTimes.append(seconds { t.translate(rows, into: &translated) })
            allocTimes.append(seconds { checksum += gemm(rows, t.map).elements[0] })
            allocApplyTimes.append(seconds { checksum += t.translate(rows).elements[0] })
        }
        let (a, s, f, fa) = (median(applyTimes), median(gemmTimes), median(allocTimes), median(allocApplyTimes))
        print(String(format: "%-8d %-10.4f %-10.4f %.3f   %-16.4f %-14.4f %.3f   %@", threads, a, s, a / s, f, fa, fa / f, scaling.rawValue))
        records.append(["kind": "apply", "rows": applyRows, "d": d, "threads": threads, "scaling": scaling.rawValue,
                        "apply_median_s": a, "sgemm_median_s": s, "ratio": a / s, "sgemm_alloc_median_s": f,
                        "apply_alloc_median_s": fa, "ratio_vs_alloc": fa / f, "checksum": Double(checksum)])
    }
}
let json = try JSONSerialization.data(withJSONObject: ["bench": "fit-bench", "results": records], options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
