import Testing
import LatentCore
import LinearAlgebra
import NeighborSearch
import Translation
@testable import Alignment

@Suite struct ModelSelectionTests {
    @Test(arguments: [(10, 2), (23, 5), (1000, 5)])
    func foldsAreDeterministicDisjointAndCover(count: Int, k: Int) {
        let a = ModelSelection.folds(count: count, folds: k, seed: 7)
        #expect(a == ModelSelection.folds(count: count, folds: k, seed: 7))
        #expect(a != ModelSelection.folds(count: count, folds: k, seed: 8))
        #expect(a.flatMap { $0 }.sorted() == Array(0..<count))
        let sizes = a.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
    }

    @Test func tooFewAnchorsSaysHowMany() {
        let x = normals(9, 4, seed: 1)
        let error = AlignmentError(.tooFewAnchorsForFolds(needed: 10, folds: 5, found: 9))
        #expect(throws: error) { try ModelSelection.select(source: x, target: x, seed: 0) }
        #expect(error.description == "auto needs at least 10 anchors for 5 folds (each fold ≥ 2 anchors and a fit on ≥ 2), found 9")
    }

    @Test func picksOrthoForARotation() throws {
        // Few anchors and noise: the rotation's d(d−1)/2 parameters generalise, a full map overfits.
        let x = normals(60, 32, seed: 2)
        let y = adding(gemm(x, try randomRotation(32, seed: 3)), normals(60, 32, seed: 4), times: 0.5)
        let result = try ModelSelection.select(source: x, target: y, seed: 5)
        #expect([Estimator.ortho, .scaledOrtho].contains(result.best.estimator), "\(result.best)")
        #expect(result.table.count == Candidate.defaults.count && result.table.allSatisfy { $0.mean != nil })
    }

    @Test func picksALinearMapForALinearMap() throws {
        let x = normals(400, 16, seed: 6)
        // Strongly non-orthogonal: columns scaled over two orders of magnitude.
        var a = normals(16, 16, seed: 7)
        for i in 0..<16 { for j in 0..<16 { a[i, j] *= Float(j + 1) * Float(j + 1) / 16 } }
        let y = adding(gemm(x, a), normals(400, 16, seed: 8), times: 0.3)
        let result = try ModelSelection.select(source: x, target: y, seed: 9, criterion: .mse)
        #expect([Estimator.linear, .ridge, .affine].contains(result.best.estimator), "\(result.best)")
        let mrr = try ModelSelection.select(source: x, target: y, seed: 9)
        #expect([Estimator.linear, .ridge, .affine].contains(mrr.best.estimator), "\(mrr.best)")
    }
}

@Suite struct RefinementTests {
    @Test func mutualNeighboursRecoverAShuffle() throws {
        let y = normals(300, 24, seed: 10)
        var g = SeededGenerator(seed: 11)
        let order = g.permuted(Array(0..<300))
        let pairs = try Refinement.mutualNearestNeighbours(adding(y.gatherRows(order), normals(300, 24, seed: 12), times: 0.05), y)
        #expect(pairs.count == 300)
        #expect(pairs.allSatisfy { order[$0.source] == $0.target })
    }

    @Test func noPoolsIsAnError() {
        let x = normals(20, 4, seed: 13)
        let empty = Matrix<Float>(rows: 0, columns: 4)
        #expect(throws: AlignmentError(.noUnpairedItems)) {
            try Refinement.refine(anchorsSource: x, anchorsTarget: x, unpairedSource: empty, unpairedTarget: empty, rounds: 1)
        }
        #expect(AlignmentError(.noUnpairedItems).description == "refinement needs unpaired items: none given")
    }

    @Test func improvesHeldOutRetrievalFromShuffledPools() throws {
        let (x, y) = twoViews(rows: 3300, latent: 16, d1: 32, d2: 48, seed: 14)
        let anchors = Array(0..<60), pool = Array(300..<2800), test = Array(2800..<3300)
        var g = SeededGenerator(seed: 15)
        // Each pool shuffled on its own: no row of one is the counterpart of the same row of the other.
        let poolSource = x.gatherRows(g.permuted(pool)), poolTarget = y.gatherRows(g.permuted(pool))
        let (plain, _) = try Translator.fit(source: x.gatherRows(anchors), target: y.gatherRows(anchors), estimator: .ortho, scaling: .standard)
        let (refined, report) = try Refinement.refine(
            anchorsSource: x.gatherRows(anchors), anchorsTarget: y.gatherRows(anchors),
            unpairedSource: poolSource, unpairedTarget: poolTarget, rounds: 3)
        let truth = y.gatherRows(test)
        let before = try RetrievalMetrics.retrieval(translated: plain.translate(x.gatherRows(test)), truth: truth).top1
        let after = try RetrievalMetrics.retrieval(translated: refined.translate(x.gatherRows(test)), truth: truth).top1
        #expect(report.pairsPerRound.count == 3 && report.pairsPerRound.allSatisfy { $0 > 0 })
        #expect(after > before + 0.05, "top-1 \(before) → \(after), pairs \(report.pairsPerRound)")

        // Another order of the target pool gives the same pairs, hence the same translator.
        let (again, againReport) = try Refinement.refine(
            anchorsSource: x.gatherRows(anchors), anchorsTarget: y.gatherRows(anchors),
            unpairedSource: poolSource, unpairedTarget: poolTarget.gatherRows(g.permuted(Array(0..<poolTarget.rows))), rounds: 3)
        #expect(againReport.pairsPerRound == report.pairsPerRound)
        #expect(meanSquared(again.map, refined.map) < 1e-8)
    }
}

@Suite struct AnchorSamplingTests {
    let data = clusters(6, size: 40, dimension: 20, seed: 20)

    @Test(arguments: [UInt64(1), 2, 3])
    func farthestPointIsDistinctAndCoversClusters(seed: UInt64) {
        let six = AnchorSampling.farthestPoint(data, count: 6, seed: seed)
        #expect(Set(six.map { $0 / 40 }).count == 6)
        let many = AnchorSampling.farthestPoint(data, count: 100, seed: seed)
        #expect(Set(many).count == 100)
        #expect(AnchorSampling.farthestPoint(data, count: 1000, seed: seed).count == data.rows)
        #expect(AnchorSampling.farthestPoint(data, count: 0, seed: seed).isEmpty)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func kMeansPicksOneItemPerCluster(seed: UInt64) {
        let six = AnchorSampling.kMeansCentres(data, count: 6, seed: seed)
        #expect(six.map { $0 / 40 }.sorted() == Array(0..<6))
        #expect(six == AnchorSampling.kMeansCentres(data, count: 6, seed: seed))
        let many = AnchorSampling.kMeansCentres(data, count: 50, seed: seed)
        #expect(Set(many).count == 50)
    }
}

@Suite struct HubTests {
    @Test func recoversPairwiseProcrustes() throws {
        let base = normals(300, 12, seed: 30)
        let spaces = try (0..<3).map { i in
            adding(gemm(base, try randomRotation(12, seed: 31 + UInt64(i))), normals(300, 12, seed: 40 + UInt64(i)), times: 0.05)
        }
        let train = Array(0..<200), test = Array(200..<300)
        let hub = try GeneralizedProcrustes.fit(spaces: spaces.map { $0.gatherRows(train) })
        #expect(hub.lastChange < 1e-6)
        for i in 0..<3 {
            for j in 0..<3 where i != j {
                let (direct, _) = try Translator.fit(source: spaces[i].gatherRows(train), target: spaces[j].gatherRows(train),
                                                     estimator: .ortho, scaling: .standard)
                let viaHub = hub.translator(from: i, to: j)
                let truth = spaces[j].gatherRows(test), query = spaces[i].gatherRows(test)
                let hubError = meanSquared(viaHub.translate(query), truth), directError = meanSquared(direct.translate(query), truth)
                #expect(hubError < directError * 1.05, "\(i)→\(j): hub \(hubError), direct \(directError)")
                #expect(meanSquared(viaHub.map, direct.map) < 1e-3)
            }
        }
    }

    @Test(arguments: [Scaling.standard, .l2])
    func hubFromASpaceToItselfIsTheIdentity(scaling: Scaling) throws {
        let a = normals(100, 8, seed: 50), b = normals(100, 5, seed: 51)
        let hub = try GeneralizedProcrustes.fit(spaces: [a, b], scaling: scaling)
        #expect(hub.dimension == 8)
        let q = normals(10, 5, seed: 52)
        let back = hub.translator(from: 1, to: 1).translate(q)
        if scaling == .standard { #expect(meanSquared(back, q) < 1e-10) }
        // Under l2 the row norms come back as the mean norm; directions are kept.
        let cosines = try RetrievalMetrics.retrieval(translated: hub.translator(from: 0, to: 0).translate(a), truth: a)
        #expect(cosines.top1 == 1)
    }
}

@Suite struct CompositionTests {
    @Test func composeEqualsTheChain() throws {
        let x = normals(80, 6, seed: 60), y = adding(gemm(x, normals(6, 5, seed: 61)), normals(80, 5, seed: 62), times: 0.1)
        let z = adding(gemm(y, normals(5, 7, seed: 63)), normals(80, 7, seed: 64), times: 0.1)
        let (a, _) = try Translator.fit(source: x, target: y, estimator: .affine, scaling: .standard)
        let (b, _) = try Translator.fit(source: mapElements(y) { $0 * 2 + 1 }, target: z, estimator: .ridge, scaling: .standard)
        let composed = try #require(Translator.compose(a, b))
        #expect(meanSquared(composed.translate(x), TranslatorChain([a, b]).translate(x)) < 1e-8)
        let (l2, _) = try Translator.fit(source: x, target: y, estimator: .ortho, scaling: .l2)
        #expect(Translator.compose(l2, b) == nil)
    }
}
