import Foundation
import LatentCore

// Seeded randomness comes from LatentCore's `SeededGenerator` (SplitMix64): failing
// property tests print their seed and replay identically.

/// Bit patterns the codec must keep: NaNs (quiet, signalling, with payload), infinities,
/// signed zeros, subnormals, extremes.
let specialBitPatterns: [UInt32] = [
    0x7FC0_0000, 0xFFC0_0001, 0x7F80_0001, 0x7FBF_FFFF,  // NaNs
    0x7F80_0000, 0xFF80_0000,  // ±Inf
    0x0000_0000, 0x8000_0000,  // ±0
    0x0000_0001, 0x807F_FFFF, 0x0040_0000,  // subnormals
    0x7F7F_FFFF, 0x0080_0000, 0x3F80_0000,  // max, min normal, 1
]

/// Embedding-like values (small normal floats, mostly |x| < 1) mixed with special bit
/// patterns, as raw bit patterns so NaN payloads survive comparisons.
func randomMatrix(rows: Int, columns: Int, seed: UInt64, specials: Bool = true) -> Matrix<Float> {
    var rng = SeededGenerator(seed: seed)
    let elements = (0..<(rows * columns)).map { _ -> Float in
        if specials && Int.random(in: 0..<16, using: &rng) == 0 {
            return Float(bitPattern: specialBitPatterns.randomElement(using: &rng)!)
        }
        return Float.random(in: -0.2...0.2, using: &rng)
    }
    return Matrix(rows: rows, columns: columns, elements: elements)
}

func bits(_ m: Matrix<Float>) -> [UInt32] { m.elements.map(\.bitPattern) }

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

/// The bundled sample of real embeddings (1,000 fortunes by e5, MiniLM and GloVe).
let fortunes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples/fortunes").path

/// A fresh temporary directory, removed by the caller's `defer`.
func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("codec-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func readBytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path)!) }

func writeBytes(_ bytes: [UInt8], to path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}
