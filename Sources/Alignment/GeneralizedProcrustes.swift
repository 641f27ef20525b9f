public import LatentCore
public import Translation
import LinearAlgebra

/// A shared space for several models: each space is standardised, zero-padded to the largest
/// dimension `D`, and rotated into one common frame. Any pair of spaces then translates through
/// the hub with one translator, and a new space needs one fit (to the hub), not one per pair.
public struct Hub: Sendable {
    /// Per space: its scaling statistics as `Translator.fit` computes them.
    public struct Side: Sendable {
        public let shift: [Double], scale: [Double]
        /// `.l2` only: the mean L2 norm of the scaled anchors.
        public let meanNorm: Double?
        /// `D × D`, orthogonal: padded scaled rows times `rotation` are hub coordinates.
        public let rotation: Matrix<Double>
        public var dimension: Int { shift.count }
    }

    public let scaling: Scaling
    public let sides: [Side]
    /// `D`, the largest dimension of the spaces.
    public var dimension: Int { sides.first?.rotation.rows ?? 0 }
    /// Lloyd-style alternations run, and the last relative change of the mean shape.
    public let iterations: Int
    public let lastChange: Double

    /// The translator from space `i` to space `j` through the hub, exactly: with `Rᵢ Rⱼᵀ` a
    /// rotation, it is an `.ortho` translator whose map is the top-left `dᵢ × dⱼ` block of
    /// `Rᵢ Rⱼᵀ`, with space i's statistics on the source side and space j's on the target side.
    /// `translator(from: i, to: i)` is the identity up to rounding.
    public func translator(from i: Int, to j: Int) -> Translator {
        let a = sides[i], b = sides[j]
        let product = gemm(a.rotation, b.rotation, transposeB: true)
        let (d1, d2, big) = (a.dimension, b.dimension, product.columns)
        let block = Matrix(rows: d1, columns: d2, elements: (0..<d1).flatMap { r in
            (0..<d2).map { c in Float(product.elements[r * big + c]) }
        })
        return Translator(
            estimator: .ortho, scaling: scaling,
            sourceShift: a.shift.map(Float.init), sourceScale: a.scale.map(Float.init),
            targetShift: b.shift.map(Float.init), targetScale: b.scale.map(Float.init),
            sourceMeanNorm: a.meanNorm.map(Float.init), targetMeanNorm: b.meanNorm.map(Float.init),
            map: block, bias: nil)
    }

    /// Hub coordinates (`rows × D`) of rows of space `i`: scaled, [normalised], padded, rotated.
    public func project(_ x: Matrix<Float>, from i: Int) -> Matrix<Float> {
        let side = sides[i]
        precondition(x.columns == side.dimension, "project: expected \(side.dimension) columns, found \(x.columns)")
        let scaled = GeneralizedProcrustes.prepare(Matrix<Double>(converting: x), side.shift, side.scale,
                                                  l2: scaling == .l2, to: dimension)
        return Matrix<Float>(converting: gemm(scaled, side.rotation))
    }
}

/// Generalised Procrustes analysis (Gower 1975): rotations `Rᵢ` of several row-aligned anchor
/// sets into one mean shape, by alternating "mean of the rotated sets" and "Procrustes of each
/// set onto the mean".
public enum GeneralizedProcrustes {
    /// - Parameters:
    ///   - spaces: the same anchors embedded by each model: row r of every matrix is item r.
    ///   - scaling: per-space pre-processing, as `Translator.fit` does it (`.standard`, `.l2`, …).
    ///   - iterations: at most this many alternations; stops early when the mean shape changes
    ///     by less than `tolerance` (relative Frobenius norm).
    ///   - epsilon: the "std < 10·eps counts as 1" rule of the scaling.
    /// - Throws: no spaces, different row counts, fewer than 2 rows, NaN/Inf, an SVD failure.
    public static func fit(
        spaces: [Matrix<Float>], scaling: Scaling = .standard, iterations: Int = 20,
        tolerance: Double = 1e-9, epsilon: Double = Double(Float.ulpOfOne)
    ) throws(AlignmentError) -> Hub {
        guard let first = spaces.first else { throw AlignmentError(.noSpaces) }
        let n = first.rows
        for (i, s) in spaces.enumerated() {
            guard s.rows == n else { throw AlignmentError(.rowCountMismatch(what: "space \(i)", expected: n, found: s.rows)) }
            if let bad = s.firstNonFinite() {
                throw AlignmentError(.fit(TranslationError(.nonFinite(side: i == 0 ? .source : .target, row: bad.row, column: bad.column))))
            }
        }
        guard n >= 2 else { throw AlignmentError(.fit(TranslationError(.tooFewAnchors(found: n)))) }
        let big = spaces.map(\.columns).max()!
        var prepared: [Matrix<Double>] = [], stats: [(shift: [Double], scale: [Double], norm: Double?)] = []
        for s in spaces {
            let x = Matrix<Double>(converting: s)
            let st = Standardizer(fitting: x, scaling: scaling, epsilon: epsilon)
            var scaled = x
            Standardizer.apply(&scaled, shift: st.shift, scale: st.scale)
            let norm = scaling == .l2 ? Standardizer.normalizeRows(&scaled) : nil
            prepared.append(scaled.padded(to: big))
            stats.append((st.shift, st.scale, norm))
        }

        var rotations = prepared.map { _ in identity(big) }
        var mean = prepared[0]
        var change = Double.infinity, done = 0
        do {
            while done < max(iterations, 1) {
                rotations = try prepared.map { x throws(LinearAlgebraError) in try procrustes(x, mean) }
                var next = Matrix<Double>(rows: n, columns: big)
                for (x, r) in zip(prepared, rotations) { gemm(x, r, into: &next, alpha: 1 / Double(spaces.count), beta: 1) }
                change = frobenius(next, minus: mean) / max(frobenius(next, minus: nil), .leastNormalMagnitude)
                mean = next
                done += 1
                if change < tolerance { break }
            }
        } catch { throw AlignmentError(.fit(TranslationError(.numerical(error)))) }
        let sides = zip(stats, rotations).map { s, r in Hub.Side(shift: s.shift, scale: s.scale, meanNorm: s.norm, rotation: r) }
        return Hub(scaling: scaling, sides: sides, iterations: done, lastChange: change)
    }

    /// Scaled, [row-normalised], zero-padded rows, as `fit` prepares the anchors.
    static func prepare(_ x: Matrix<Double>, _ shift: [Double], _ scale: [Double], l2: Bool, to columns: Int) -> Matrix<Double> {
        var scaled = x
        Standardizer.apply(&scaled, shift: shift, scale: scale)
        if l2 { _ = Standardizer.normalizeRows(&scaled) }
        return scaled.padded(to: columns)
    }

    /// `U Vᵀ` of the SVD of `XᵀY`: the rotation taking X closest to Y.
    static func procrustes(_ x: Matrix<Double>, _ y: Matrix<Double>) throws(LinearAlgebraError) -> Matrix<Double> {
        let (u, _, vt) = try svd(gemm(x, y, transposeA: true))
        return gemm(u, vt)
    }

    static func identity(_ d: Int) -> Matrix<Double> {
        var m = Matrix<Double>(rows: d, columns: d)
        for i in 0..<d { m[i, i] = 1 }
        return m
    }

    static func frobenius(_ a: Matrix<Double>, minus b: Matrix<Double>?) -> Double {
        var sum = 0.0
        for k in a.elements.indices { let v = a.elements[k] - (b?.elements[k] ?? 0); sum += v * v }
        return sum.squareRoot()
    }
}

extension Matrix where Scalar == Double {
    /// Zero columns appended on the right up to `columns`.
    func padded(to columns: Int) -> Matrix {
        guard columns > self.columns else { return self }
        var out = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows { for j in 0..<self.columns { out[i * columns + j] = elements[i * self.columns + j] } }
        return Matrix(rows: rows, columns: columns, elements: out)
    }
}
