import Foundation
import LatentCore
import Storage

public struct CopyResult: Codable, Sendable {
    public let from: String
    public let to: String
    public let datasets: Int
    public let spaces: Int
    public let blocks: Int
    public let storedBytes: Int
    public let anchorSets: Int
    public let translators: Int
    public let decoders: Int
    public let hubs: Int
    public let indexes: Int
}

extension LatentStore {
    /// Copies the whole store into `destination` (another backend or another file), which must
    /// be empty: datasets with their items, spaces block by block (the stored bytes themselves,
    /// so versions and exports are bit-exact), anchor sets, translators, decoders, hubs and IVF
    /// indexes (their list blocks as stored: an index current in the source is current here).
    /// One read transaction here and one write transaction there: a failed or killed copy
    /// leaves the destination as it was. `progress(blocksDone, blocksTotal)`.
    public func copy(to destination: LatentStore, progress: ((Int, Int) -> Void)? = nil) throws -> CopyResult {
        guard destination.path != path else { throw LatentError(.copySameStore(location: path)) }
        return try read { source in
            try destination.write(bulk: true) { target in
                let contents = [(try target.spaces().count, "space"), (try target.anchorSets().count, "anchor set"),
                                (try target.translators().count, "translator"), (try target.hubs().count, "hub"),
                                (try target.indexes().count, "index")]
                    .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : $0.1.hasSuffix("x") ? "es" : "s")" }
                guard contents.isEmpty else { throw LatentError(.copyTargetNotEmpty(location: destination.path, contents: contents)) }

                let spaces = try source.spaces()
                var datasetIDs: [Int64: Int64] = [:]  // source id → destination id
                for space in spaces where datasetIDs[space.datasetID] == nil {
                    let dataset = try source.dataset(id: space.datasetID)
                    datasetIDs[space.datasetID] = try target.createDataset(
                        name: dataset.name, items: try source.items(datasetID: dataset.id), keysHash: dataset.keysHash).id
                }
                let totalBlocks = try spaces.reduce(0) { $0 + (try source.blockLocations(spaceID: $1.id).count) }
                var blocks = 0, storedBytes = 0
                for space in spaces {
                    var new = NewSpace(name: space.name, rowCount: space.rowCount, dimension: space.dimension,
                                       sourceDType: space.sourceDType, codec: space.codec, blockRows: space.blockRows,
                                       provenance: space.provenance, libraryVersion: space.libraryVersion)
                    new.createdAt = space.createdAt
                    let id = try target.beginSpace(new, datasetID: datasetIDs[space.datasetID]!)
                    var spaceBytes = 0
                    try source.forEachBlock(spaceID: space.id) { location, bytes in
                        try target.appendBlock(spaceID: id, location: location, data: Data(bytes))
                        spaceBytes += bytes.count
                        blocks += 1
                        progress?(blocks, totalBlocks)
                    }
                    try target.finishSpace(spaceID: id, storedBytes: spaceBytes, version: space.version)
                    storedBytes += spaceBytes
                }
                let anchorSets = try source.anchorSets()
                for set in anchorSets {
                    // An anchor set's datasets are those of spaces (a dataset lives only while a space uses it).
                    guard let sourceDataset = try source.dataset(named: set.sourceDataset).flatMap({ datasetIDs[$0.id] }),
                          let targetDataset = try source.dataset(named: set.targetDataset).flatMap({ datasetIDs[$0.id] }) else { continue }
                    var new = NewAnchorSet(name: set.name, sourceDatasetID: sourceDataset, targetDatasetID: targetDataset,
                                           sourceSpace: set.sourceSpace, targetSpace: set.targetSpace, sampler: set.sampler,
                                           options: set.options, hash: set.hash, pairs: try source.anchorPairs(setID: set.id))
                    new.createdAt = set.createdAt
                    _ = try target.createAnchorSet(new)
                }
                let translators = try source.translators()
                for record in translators { try target.saveTranslator(record) }
                let decoders = try source.decoders()
                for record in decoders { try target.saveDecoder(record) }
                let hubs = try source.hubs()
                for hub in hubs { try target.saveHub(hub) }
                let indexes = try source.indexes()
                for index in indexes {
                    var new = NewIndex(space: index.space, spaceVersion: index.spaceVersion, rowCount: index.rowCount,
                                       dimension: index.dimension, listCount: index.listCount, sampleCount: index.sampleCount,
                                       seed: index.seed, iterations: index.iterations, listCodec: index.listCodec,
                                       blockCodec: index.blockCodec, centroids: index.centroids, libraryVersion: index.libraryVersion)
                    new.createdAt = index.createdAt
                    let id = try target.beginIndex(new)
                    try source.forEachIndexBlock(indexID: index.id, lists: nil) { location, rowNumbers, data in
                        try target.appendIndexBlock(indexID: id, location: location, rowNumbers: [UInt8](rowNumbers), data: [UInt8](data))
                    }
                    try target.finishIndex(indexID: id, defaultNProbe: index.defaultNProbe, calibration: index.calibration,
                                           buildSeconds: index.buildSeconds)
                }
                return CopyResult(from: path, to: destination.path, datasets: datasetIDs.count, spaces: spaces.count, blocks: blocks,
                                  storedBytes: storedBytes, anchorSets: anchorSets.count, translators: translators.count,
                                  decoders: decoders.count, hubs: hubs.count, indexes: indexes.count)
            }
        }
    }
}
