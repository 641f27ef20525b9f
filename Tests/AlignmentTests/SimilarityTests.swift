import Foundation
import Testing
import LatentCore
import LinearAlgebra
@testable import Alignment

/// `Similarity` against an independent NumPy computation (`Fixtures/make_similarity_fixture.py`:
/// CKA by its formula, SVCCA by whitened CCA rather than orthonormal bases, k-NN by argsort).
@Suite struct SimilarityParityTests {
    nonisolated(unsafe) static let cases: [String: [String: Any]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/similarity_fixture.json")
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return root["cases"] as! [String: [String: Any]]
    }()

    static func matrix(_ node: Any) -> Matrix<Float> {
        Matrix<Float>(converting: Matrix((node as! [[NSNumber]]).map { $0.map(\.doubleValue) }))
    }

    @Test(arguments: ["close", "far"], [5, 10])
    func measuresMatchNumPy(name: String, k: Int) throws {
        let c = Self.cases[name]!
        let s = try Similarity.measure(Self.matrix(c["X"]!), Self.matrix(c["Y"]!), k: k)
        #expect(abs(s.linearCKA - (c["linear_cka"] as! NSNumber).doubleValue) <= 1e-9, "\(name) CKA \(s.linearCKA)")
        #expect(abs(s.svcca - (c["svcca"] as! NSNumber).doubleValue) <= 1e-8, "\(name) SVCCA \(s.svcca)")
        let components = c["svcca_components"] as! [Int]
        #expect([s.svccaComponents.source, s.svccaComponents.target] == components)
        let knn = (c["mutual_knn"] as! [String: NSNumber])[String(k)]!.doubleValue
        #expect(abs(s.mutualKNN - knn) <= 1e-12, "\(name) mutual \(k)-NN \(s.mutualKNN) vs \(knn)")
    }

    /// Known ground truth: a rotated, isotropically scaled, shifted copy is the same space to CKA,
    /// SVCCA and neighbours (cosine neighbours survive a rotation, not a shift: so no shift there).
    @Test(arguments: [UInt64(1), 2, 3])
    func aRotatedCopyIsIdentical(seed: UInt64) throws {
        let x = normals(120, 16, seed: seed)
        let rotated = gemm(x, try randomRotation(16, seed: seed + 100))
        let s = try Similarity.measure(x, mapElements(rotated) { 3 * $0 }, k: 10)
        #expect(abs(s.linearCKA - 1) <= 1e-6 && abs(s.svcca - 1) <= 1e-6, "seed \(seed): \(s)")
        #expect(s.mutualKNN == 1, "seed \(seed)")
        let shifted = try Similarity.measure(x, mapElements(rotated) { $0 + 5 }, k: 10)
        #expect(abs(shifted.linearCKA - 1) <= 1e-6 && abs(shifted.svcca - 1) <= 1e-6, "seed \(seed)")
        // Independent noise: far from 1.
        let unrelated = try Similarity.measure(x, normals(120, 16, seed: seed + 200), k: 10)
        #expect(unrelated.linearCKA < 0.3 && unrelated.mutualKNN < 0.3, "seed \(seed): \(unrelated)")
    }

    @Test func badInputIsAnError() {
        #expect(throws: AlignmentError.self) { try Similarity.measure(normals(20, 3, seed: 1), normals(19, 3, seed: 2)) }
        #expect(throws: AlignmentError.self) { try Similarity.measure(normals(8, 3, seed: 1), normals(8, 3, seed: 2), k: 10) }
    }
}
