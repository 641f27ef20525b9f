import Foundation
import Testing
import LatentCore
import LinearAlgebra
@testable import Translation

/// The bundled sample of real embeddings (1,000 fortunes by e5, MiniLM and GloVe).
let fortunes = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("examples/fortunes")

/// A minimal `.npy` reader for this test only: version 1/2 header, little-endian float32, C order.
func readFloat32Npy(_ url: URL) throws -> Matrix<Float> {
    let data = try Data(contentsOf: url)
    let bytes = [UInt8](data)
    precondition(bytes.starts(with: [0x93] + Array("NUMPY".utf8)), "\(url.path): not a .npy file")
    let major = bytes[6]
    let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
        : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    let start = major == 1 ? 10 : 12
    let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
    precondition(header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"), "\(header)")
    let shape = header.split(separator: "(")[1].split(separator: ")")[0]
        .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let (rows, columns) = (shape[0], shape[1])
    var elements = [Float](repeating: 0, count: rows * columns)
    elements.withUnsafeMutableBytes { out in
        bytes.withUnsafeBytes { raw in
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(start + headerLength)...].prefix(rows * columns * 4)))
        }
    }
    return Matrix(rows: rows, columns: columns, elements: elements)
}

func meanCosine(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Double {
    var total = 0.0
    for i in 0..<a.rows {
        var dot = 0.0, na = 0.0, nb = 0.0
        for j in 0..<a.columns {
            let u = Double(a[i, j]), v = Double(b[i, j])
            dot += u * v; na += u * u; nb += v * v
        }
        total += dot / max((na * nb).squareRoot(), 1e-12)
    }
    return total / Double(a.rows)
}

@Suite struct RealDataTests {
    @Test(arguments: [Scaling.standard, .l2])
    func orthoE5ToMiniLM(scaling: Scaling) throws {
        let e5 = try readFloat32Npy(fortunes.appendingPathComponent("e5.npy"))
        let minilm = try readFloat32Npy(fortunes.appendingPathComponent("minilm.npy"))
        #expect(e5.rows == minilm.rows && e5.columns == 384)
        // The rows are grouped by class: draw anchors uniformly (seeded), not the first 1,000.
        var g = SeededGenerator(seed: 0)
        let order = g.permuted(Array(0..<e5.rows))
        let anchors = Array(order[0..<600]), heldOut = Array(order[600..<1000])
        let (t, report) = try Translator.fit(source: e5.gatherRows(anchors), target: minilm.gatherRows(anchors),
                                             estimator: .ortho, scaling: scaling)
        // minilm's dimension 127 is dead (~1e-32): its std counts as 1.
        #expect(t.targetScale[127] == 1)
        let translated = t.translate(e5.gatherRows(heldOut))
        let truth = minilm.gatherRows(heldOut)
        #expect(translated.firstNonFinite() == nil)
        // Mean cosine is modest even for the reference (protocol.py's split of the full 4,955
        // items, 1,000 anchors: 0.48; here 600 anchors of the 1,000-item sample give ~0.35);
        // retrieval is what is sharp (top-1 0.97 there, 0.95 here). fitDouble (eps of Float64) reproduces NumPy's cosine; the
        // default Float32 eps makes minilm's three near-dead dimensions (std < 1.2e-6) count as
        // scale 1, where ortho puts rotated unit-variance signal: about 0.04 lower cosine.
        let cosine = meanCosine(translated, truth)
        #expect(cosine > 0.3, "mean cosine \(cosine)")
        let top1 = topOneRetrieval(translated, truth)
        #expect(top1 > 0.9, "top-1 retrieval \(top1)")
        print("e5 → minilm ortho \(scaling): mean cosine \(cosine), top-1 \(top1) over 400 held-out rows")
        #expect(report.anchorCount == 600 && report.singularValues.count == 384)
    }
}

/// Share of rows whose true counterpart (same index) is the most cosine-similar target row.
func topOneRetrieval(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Double {
    func unit(_ m: Matrix<Float>) -> Matrix<Float> {
        var out = m
        let norms = rowNorms(m)
        for i in 0..<m.rows { for j in 0..<m.columns { out[i, j] /= max(norms[i], 1e-12) } }
        return out
    }
    let scores = gemm(unit(a), unit(b), transposeB: true)
    var hits = 0
    for i in 0..<a.rows {
        let row = scores.row(i)
        if row.indices.allSatisfy({ row[$0] <= row[i] }) { hits += 1 }
    }
    return Double(hits) / Double(a.rows)
}
