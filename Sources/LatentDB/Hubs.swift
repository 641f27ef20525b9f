import Alignment
import Foundation
import Storage
import Translation

public struct HubSummary: Codable, Sendable {
    public let name: String
    public let spaces: [String]
    public let dimension: Int
    public let anchors: String
    public let anchorCount: Int
    public let scaling: String
    public let iterations: Int
    public let lastChange: Double
    public let createdAt: String
    /// Whether every member space is still stored at the version the hub was fitted on.
    public let current: Bool
}

struct StoredHubReport: Codable {
    var iterations: Int
    var lastChange: Double
}

extension LatentStore {
    /// Aligns N spaces to one shared space (generalised Procrustes) on an anchor set: N maps
    /// instead of N² pairwise translators. Members may come from the anchor set's two datasets.
    public func createHub(name: String, spaces names: [SpaceName], anchors: String, scaling: Scaling = .standard) throws -> HubSummary {
        try SpaceName.validate(component: name, kind: "hub")
        guard names.count >= 2 else { throw LatentError(.hubTooFewSpaces(names.count)) }
        guard Set(names).count == names.count else { throw LatentError(.hubRepeatsSpace(hub: name)) }
        let hubName = name  // the loop below names its spaces `name`
        let (records, matrices, set) = try read { tx -> ([SpaceRecord], [Matrix<Float>], AnchorSetRecord) in
            let set = try tx.anchorSet(named: anchors)
            let pairs = try tx.anchorPairs(setID: set.id)
            var records: [SpaceRecord] = [], matrices: [Matrix<Float>] = []
            for name in names {
                let space = try tx.space(name)
                let keys: [String]
                if name.dataset == set.sourceDataset { keys = pairs.map(\.source) }
                else if name.dataset == set.targetDataset { keys = pairs.map(\.target) }
                else {
                    throw LatentError(.hubDatasetNotPaired(hub: hubName, space: name.description, dataset: name.dataset, anchors: anchors, source: set.sourceDataset, target: set.targetDataset))
                }
                let index = Dictionary(uniqueKeysWithValues: try tx.items(datasetID: space.datasetID).enumerated().map { ($1.key, $0) })
                let missing = keys.filter { index[$0] == nil }
                guard missing.isEmpty else {
                    throw LatentError(.anchorKeysMissing(anchors, space: name.description, missing: missing))
                }
                records.append(space)
                matrices.append(try Self.gather(tx, space: space, rows: keys.map { index[$0]! }))
            }
            return (records, matrices, set)
        }
        let hub: Hub
        do { hub = try GeneralizedProcrustes.fit(spaces: matrices, scaling: scaling, epsilon: Self.scalingEpsilon) } catch {
            throw LatentError(.hubFit(hub: name, cause: "\(error)"))
        }
        let members = zip(records, hub.sides).map { record, side in
            HubRecord.Member(space: record.name.description, spaceVersion: record.version,
                             parameters: TranslatorParameters.encode(Self.intoHub(side, scaling: scaling)))
        }
        let record = HubRecord(name: name, dimension: hub.dimension, anchorName: set.name, anchorHash: set.hash, anchorCount: set.pairCount,
                               scaling: scaling.rawValue, report: Self.json(StoredHubReport(iterations: hub.iterations, lastChange: hub.lastChange)),
                               createdAt: ISO8601DateFormatter().string(from: Date()), members: members)
        try write { try $0.saveHub(record) }
        return try hubSummaries().first { $0.name == name }!
    }

    /// A member's map into the hub, as a translator whose target is the D-dim hub space
    /// (identity statistics): padded scaled rows times the rotation need only its first d rows.
    static func intoHub(_ side: Hub.Side, scaling: Scaling) -> Translator {
        let d = side.dimension, big = side.rotation.columns
        let map = Matrix<Float>(rows: d, columns: big, elements: (0..<d * big).map { Float(side.rotation.elements[$0]) })
        return Translator(estimator: .ortho, scaling: scaling, sourceShift: side.shift.map(Float.init), sourceScale: side.scale.map(Float.init),
                          targetShift: Array(repeating: 0, count: big), targetScale: Array(repeating: 1, count: big),
                          sourceMeanNorm: side.meanNorm.map(Float.init), targetMeanNorm: scaling == .l2 ? 1 : nil,
                          map: map, bias: nil)
    }

    public func hubSummaries() throws -> [HubSummary] {
        try read { tx in
            let versions = try Self.currentVersions(tx)
            return try tx.hubs().map { hub in
                let report = (try? JSONDecoder().decode(StoredHubReport.self, from: Data(hub.report.utf8))) ?? StoredHubReport(iterations: 0, lastChange: .nan)
                return HubSummary(name: hub.name, spaces: hub.members.map(\.space), dimension: hub.dimension, anchors: hub.anchorName,
                                  anchorCount: hub.anchorCount, scaling: hub.scaling, iterations: report.iterations, lastChange: report.lastChange,
                                  createdAt: hub.createdAt, current: hub.members.allSatisfy { versions[$0.space] == $0.spaceVersion })
            }
        }
    }

    public func removeHub(named name: String) throws {
        guard try write({ try $0.removeHub(named: name) }) else {
            throw LatentError(.unknownHub(name, path: path))
        }
    }

    /// `from → hub → to`: one translator when the two legs compose exactly, else a 2-leg path.
    func hubPath(_ name: String, from: SpaceName, to: SpaceName) throws -> TranslationPath {
        try read { tx in try Self.hubPath(tx, name, from: from, to: to) }
    }

    /// The hub's path read in the caller's transaction.
    static func hubPath(_ tx: any StorageTransaction, _ name: String, from: SpaceName, to: SpaceName) throws -> TranslationPath {
        let versions = try Self.currentVersions(tx)
        guard let hub = try tx.hub(named: name) else {
            throw LatentError(.unknownHub(name, known: try tx.hubs().map(\.name)))
        }
        func member(_ space: SpaceName) throws -> Translator {
            guard let m = hub.members.first(where: { $0.space == space.description }) else {
                throw LatentError(.hubMissingSpace(hub: name, space: space.description, members: hub.members.map(\.space)))
            }
            guard versions[m.space] == m.spaceVersion else {
                throw LatentError(.hubStale(hub: name, space: space.description))
            }
            return try TranslatorParameters.decode(m.parameters)
        }
        let into = try member(from), outOf = try member(to).inverse()
        if let single = Translator.compose(into, outOf) {
            return TranslationPath(legs: [single], fingerprints: ["hub:\(name)"])
        }
        return TranslationPath(legs: [into, outOf], fingerprints: ["hub:\(name)"])
    }
}
