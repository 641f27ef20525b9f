import Foundation
import LatentCore
import LinearAlgebra

/// Seeded standard normals (Box–Muller), as a Float matrix.
func normals(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Float> {
    var g = SeededGenerator(seed: seed)
    return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in
        let u = Double.random(in: Double.ulpOfOne..<1, using: &g), v = Double.random(in: 0..<1, using: &g)
        return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
    })
}

func randomRotation(_ d: Int, seed: UInt64) throws -> Matrix<Float> {
    let (u, _, vt) = try svd(Matrix<Double>(converting: normals(d, d, seed: seed)))
    return Matrix<Float>(converting: gemm(u, vt))
}

func adding(_ a: Matrix<Float>, _ b: Matrix<Float>, times s: Float = 1) -> Matrix<Float> {
    Matrix(rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map { $0 + s * $1 })
}

func mapElements(_ a: Matrix<Float>, _ f: (Float) -> Float) -> Matrix<Float> {
    Matrix(rows: a.rows, columns: a.columns, elements: a.elements.map(f))
}

func meanSquared(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Double {
    zip(a.elements, b.elements).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(a.elements.count)
}

/// `count` well-separated Gaussian clusters of `size` rows each (label = row / size).
func clusters(_ count: Int, size: Int, dimension: Int, seed: UInt64) -> Matrix<Float> {
    let centres = mapElements(normals(count, dimension, seed: seed)) { $0 * 10 }
    let noise = normals(count * size, dimension, seed: seed + 1)
    return Matrix(rows: count * size, columns: dimension, elements: (0..<(count * size * dimension)).map { k in
        let i = k / dimension, j = k % dimension
        return centres[i / size, j] + 0.5 * noise.elements[k]
    })
}

/// reference_latentis.py `synthetic_demo`, smaller: two non-linear views (tanh, ReLU) of one
/// Gaussian latent, with per-dimension scales, offsets and noise.
func twoViews(rows n: Int, latent k: Int, d1: Int, d2: Int, seed: UInt64) -> (Matrix<Float>, Matrix<Float>) {
    let z = normals(n, k, seed: seed)
    let a = normals(k, d1, seed: seed + 1), b = normals(k, d2, seed: seed + 2)
    var g = SeededGenerator(seed: seed + 3)
    let scale1 = (0..<d1).map { _ in Float.random(in: 0.5...3, using: &g) }, off1 = (0..<d1).map { _ in Float.random(in: -1...1, using: &g) }
    let scale2 = (0..<d2).map { _ in Float.random(in: 0.5...3, using: &g) }, off2 = (0..<d2).map { _ in Float.random(in: -1...1, using: &g) }
    var x = gemm(z, a), y = gemm(z, b)
    let nx = normals(n, d1, seed: seed + 4), ny = normals(n, d2, seed: seed + 5)
    for i in 0..<n {
        for j in 0..<d1 { x[i, j] = tanh(x[i, j] / 3) * scale1[j] + off1[j] + 0.05 * nx[i, j] }
        for j in 0..<d2 { y[i, j] = max(y[i, j] / 3, 0) * scale2[j] + off2[j] + 0.05 * ny[i, j] }
    }
    return (x, y)
}
