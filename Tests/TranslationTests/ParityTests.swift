import Foundation
import Testing
import LatentCore
@testable import Translation

/// The float64 reference fixture (`reference_latentis.py --fixture`): 12 anchors, 5 → 7 dims.
struct Fixture: @unchecked Sendable {
    let root: [String: Any]
    static let shared = Fixture()

    init() {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fixture_translation.json")
        root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func matrix(_ path: String...) -> Matrix<Double> {
        Matrix((value(path) as! [[NSNumber]]).map { $0.map(\.doubleValue) })
    }
    func vector(_ path: String...) -> [Double] { (value(path) as! [NSNumber]).map(\.doubleValue) }
    func number(_ path: String...) -> Double { (value(path) as! NSNumber).doubleValue }
    private func value(_ path: [String]) -> Any {
        var node: Any = root
        for key in path { node = (node as! [String: Any])[key]! }
        return node
    }

    var x: Matrix<Double> { matrix("X") }
    var y: Matrix<Double> { matrix("Y") }
    var query: Matrix<Double> { matrix("query") }
}

/// max |got − expected| / max |expected|: the error relative to the size of the answer.
func relativeError(_ got: [Double], _ expected: [Double]) -> Double {
    precondition(got.count == expected.count, "\(got.count) vs \(expected.count) values")
    let scale = expected.reduce(0) { max($0, abs($1)) }
    let diff = zip(got, expected).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return diff / max(scale, .leastNormalMagnitude)
}

/// The top-left rows × columns block, flattened.
func block(_ m: Matrix<Double>, _ rows: Int, _ columns: Int) -> [Double] {
    (0..<rows).flatMap { i in (0..<columns).map { j in m[i, j] } }
}

/// Tolerances: the float64 path must agree with NumPy to 1e-9 relative (different summation
/// orders only); the Float32 translator (parameters and input rounded to Float) to 1e-6
/// relative to the largest expected output.
let doubleTolerance = 1e-9
let floatTolerance = 1e-6

struct Case: Sendable, CustomTestStringConvertible {
    let key: String
    let estimator: Estimator
    let scaling: Scaling
    var testDescription: String { key }
}

let fixtureCases: [Case] = [
    Case(key: "ortho", estimator: .ortho, scaling: .standard),
    Case(key: "ortho+l2", estimator: .ortho, scaling: .l2),
    Case(key: "linear", estimator: .linear, scaling: .standard),
    Case(key: "linear+l2", estimator: .linear, scaling: .l2),
    Case(key: "l-ortho", estimator: .lortho, scaling: .standard),
    Case(key: "l-ortho+l2", estimator: .lortho, scaling: .l2),
]

@Suite struct ReferenceParityTests {
    let f = Fixture.shared

    @Test func scalingStatistics() throws {
        let (t, _) = try Translator.fitDouble(source: f.x, target: f.y, estimator: .linear, scaling: .standard)
        #expect(relativeError(t.sourceShift, f.vector("scaling_x", "shift")) <= doubleTolerance)
        #expect(relativeError(t.sourceScale, f.vector("scaling_x", "scale")) <= doubleTolerance)
        #expect(relativeError(t.targetShift, f.vector("scaling_y", "shift")) <= doubleTolerance)
        #expect(relativeError(t.targetScale, f.vector("scaling_y", "scale")) <= doubleTolerance)
    }

    @Test(arguments: fixtureCases)
    func float64MatchesReference(c: Case) throws {
        let (t, report) = try Translator.fitDouble(source: f.x, target: f.y, estimator: c.estimator, scaling: c.scaling)
        let expectedR = f.matrix(c.key, "R")
        #expect(t.estimate.rows == expectedR.rows && t.estimate.columns == expectedR.columns)
        // Only the d1 × d2 block of a padded Procrustes R is determined by the data: the rest
        // spans the null space of the padded XᵀY, where any orthonormal completion is optimal.
        #expect(relativeError(block(t.estimate, 5, 7), block(expectedR, 5, 7)) <= doubleTolerance)
        #expect(relativeError(t.translate(f.query).elements, f.matrix(c.key, "translated_query").elements) <= doubleTolerance)
        #expect(abs(report.residualMSE - f.number(c.key, "translated_anchors_mse")) <= doubleTolerance * f.number(c.key, "translated_anchors_mse"))
        #expect(report.anchorCount == 12)
    }

    @Test(arguments: fixtureCases)
    func float32TranslatorMatchesReference(c: Case) throws {
        let (t, _) = try Translator.fitDouble(source: f.x, target: f.y, estimator: c.estimator, scaling: c.scaling)
        let got = t.rounded.translate(Matrix<Float>(converting: f.query))
        let expected = f.matrix(c.key, "translated_query")
        #expect(relativeError(got.elements.map(Double.init), expected.elements) <= floatTolerance)
    }

    @Test func orthoReverseWithTargetPadding() throws {
        // d1 = 7 > d2 = 5: the target is padded, the output truncated.
        let (t, _) = try Translator.fitDouble(source: f.y, target: f.x, estimator: .ortho, scaling: .standard)
        let expectedR = f.matrix("ortho_reverse", "R")
        #expect(t.estimate.rows == 7 && t.estimate.columns == 7)
        #expect(relativeError(block(t.estimate, 7, 5), block(expectedR, 7, 5)) <= doubleTolerance)
        let firstRows = f.y.gatherRows(0..<3)
        let expected = f.matrix("ortho_reverse", "translated").elements
        #expect(relativeError(t.translate(firstRows).elements, expected) <= doubleTolerance)
        let float = t.rounded.translate(Matrix<Float>(converting: firstRows))
        #expect(relativeError(float.elements.map(Double.init), expected) <= floatTolerance)
    }

    @Test func float32FitOnFixtureIsClose() throws {
        // The whole Float32 path (anchors rounded to Float too) stays near the reference.
        let (t, _) = try Translator.fit(source: Matrix<Float>(converting: f.x), target: Matrix<Float>(converting: f.y),
                                        estimator: .ortho, scaling: .standard)
        let got = t.translate(Matrix<Float>(converting: f.query)).elements.map(Double.init)
        #expect(relativeError(got, f.matrix("ortho", "translated_query").elements) <= 1e-5)
    }
}
