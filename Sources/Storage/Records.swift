import LatentCore

public struct DatasetRecord: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let itemCount: Int
    public let keysHash: String
}

/// One item of a dataset: its row, stable key, and optional label and split.
public struct ItemRecord: Sendable, Equatable {
    public let key: ItemKey
    public let label: String?
    public let split: String?
    public init(key: ItemKey, label: String?, split: String?) {
        self.key = key
        self.label = label
        self.split = split
    }
}

public struct SpaceRecord: Sendable, Equatable {
    public let id: Int64
    public let name: SpaceName
    public let datasetID: Int64
    public let rowCount: Int
    public let dimension: Int
    public let sourceDType: String
    public let codec: String
    public let blockRows: Int
    public let rawBytes: Int
    public let storedBytes: Int
    public let version: String
    public let provenance: String?
    public let createdAt: String
    public let libraryVersion: String

    public var compressionRatio: Double { storedBytes == 0 ? 1 : Double(rawBytes) / Double(storedBytes) }
}

/// What a new space is, before its blocks are written.
public struct NewSpace: Sendable {
    public var name: SpaceName
    public var rowCount: Int
    public var dimension: Int
    public var sourceDType: String
    public var codec: String
    public var blockRows: Int
    public var provenance: String?
    public var libraryVersion: String
    /// Kept by `copy`; nil: now.
    public var createdAt: String? = nil
    public init(name: SpaceName, rowCount: Int, dimension: Int, sourceDType: String, codec: String,
                blockRows: Int, provenance: String?, libraryVersion: String) {
        self.name = name
        self.rowCount = rowCount
        self.dimension = dimension
        self.sourceDType = sourceDType
        self.codec = codec
        self.blockRows = blockRows
        self.provenance = provenance
        self.libraryVersion = libraryVersion
    }
}

/// Where a block sits in its space.
public struct BlockLocation: Sendable, Equatable {
    public let index: Int
    public let firstRow: Int
    public let rowCount: Int
    public init(index: Int, firstRow: Int, rowCount: Int) {
        self.index = index
        self.firstRow = firstRow
        self.rowCount = rowCount
    }
}

public struct AnchorSetRecord: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let sourceDataset: String
    public let targetDataset: String
    public let sourceSpace: String
    public let targetSpace: String
    public let sampler: String
    public let options: String
    public let pairCount: Int
    public let hash: String
    public let createdAt: String
}

public struct NewAnchorSet: Sendable {
    public var name: String
    public var sourceDatasetID: Int64
    public var targetDatasetID: Int64
    public var sourceSpace: String
    public var targetSpace: String
    public var sampler: String
    public var options: String
    public var hash: String
    public var pairs: [(source: ItemKey, target: ItemKey)]
    /// Kept by `copy`; nil: now.
    public var createdAt: String? = nil
    public init(name: String, sourceDatasetID: Int64, targetDatasetID: Int64, sourceSpace: String, targetSpace: String,
                sampler: String, options: String, hash: String, pairs: [(source: ItemKey, target: ItemKey)]) {
        self.name = name
        self.sourceDatasetID = sourceDatasetID
        self.targetDatasetID = targetDatasetID
        self.sourceSpace = sourceSpace
        self.targetSpace = targetSpace
        self.sampler = sampler
        self.options = options
        self.hash = hash
        self.pairs = pairs
    }
}

/// A cached translator row. `parameters` is opaque to storage (encoded by the façade).
public struct TranslatorRecord: Sendable, Equatable {
    public var fingerprint: String
    public var sourceModel: String
    public var targetModel: String
    public var sourceSpace: String
    public var targetSpace: String
    public var sourceVersion: String
    public var targetVersion: String
    public var anchorHash: String
    public var anchorName: String
    public var anchorCount: Int
    public var estimator: String
    public var scaling: String
    public var options: String
    public var sourceDimension: Int
    public var targetDimension: Int
    public var parameters: [UInt8]
    public var report: String
    public var origin: String
    public var createdAt: String
    public var libraryVersion: String

    public init(fingerprint: String, sourceModel: String, targetModel: String, sourceSpace: String, targetSpace: String,
                sourceVersion: String, targetVersion: String, anchorHash: String, anchorName: String, anchorCount: Int,
                estimator: String, scaling: String, options: String, sourceDimension: Int, targetDimension: Int,
                parameters: [UInt8], report: String, origin: String, createdAt: String, libraryVersion: String) {
        self.fingerprint = fingerprint
        self.sourceModel = sourceModel
        self.targetModel = targetModel
        self.sourceSpace = sourceSpace
        self.targetSpace = targetSpace
        self.sourceVersion = sourceVersion
        self.targetVersion = targetVersion
        self.anchorHash = anchorHash
        self.anchorName = anchorName
        self.anchorCount = anchorCount
        self.estimator = estimator
        self.scaling = scaling
        self.options = options
        self.sourceDimension = sourceDimension
        self.targetDimension = targetDimension
        self.parameters = parameters
        self.report = report
        self.origin = origin
        self.createdAt = createdAt
        self.libraryVersion = libraryVersion
    }
}

public struct DecoderRecord: Sendable, Equatable {
    public var fingerprint: String
    public var spaceVersion: String
    public var kind: String
    public var parameters: [UInt8]
    public var createdAt: String
    public var libraryVersion: String
    public init(fingerprint: String, spaceVersion: String, kind: String, parameters: [UInt8], createdAt: String, libraryVersion: String) {
        self.fingerprint = fingerprint
        self.spaceVersion = spaceVersion
        self.kind = kind
        self.parameters = parameters
        self.createdAt = createdAt
        self.libraryVersion = libraryVersion
    }
}

/// A hub: N spaces aligned to one shared space; each member holds its map into it.
public struct HubRecord: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public let space: String
        public let spaceVersion: String
        public let parameters: [UInt8]
        public init(space: String, spaceVersion: String, parameters: [UInt8]) {
            self.space = space
            self.spaceVersion = spaceVersion
            self.parameters = parameters
        }
    }
    public let name: String
    public let dimension: Int
    public let anchorName: String
    public let anchorHash: String
    public let anchorCount: Int
    public let scaling: String
    public let report: String
    public let createdAt: String
    public let members: [Member]

    public init(name: String, dimension: Int, anchorName: String, anchorHash: String, anchorCount: Int, scaling: String,
                report: String, createdAt: String, members: [Member]) {
        self.name = name
        self.dimension = dimension
        self.anchorName = anchorName
        self.anchorHash = anchorHash
        self.anchorCount = anchorCount
        self.scaling = scaling
        self.report = report
        self.createdAt = createdAt
        self.members = members
    }
}

/// A stored IVF index of one space version (schema/0003_index.sql). `centroids` is one
/// encoded block; the lists' blocks are read with `forEachIndexBlock`.
public struct IndexRecord: Sendable, Equatable {
    public let id: Int64
    public let space: String
    public let spaceVersion: String
    public let rowCount: Int
    public let dimension: Int
    public let listCount: Int
    public let sampleCount: Int
    public let seed: Int64
    public let iterations: Int
    public let listCodec: String
    public let blockCodec: String
    public let defaultNProbe: Int
    public let calibration: String
    public let centroids: [UInt8]
    public let buildSeconds: Double
    public let createdAt: String
    public let libraryVersion: String
}

/// What a new index is, before its lists are written (`defaultNProbe` and `calibration`
/// come with `finishIndex`).
public struct NewIndex: Sendable {
    public var space: String
    public var spaceVersion: String
    public var rowCount: Int
    public var dimension: Int
    public var listCount: Int
    public var sampleCount: Int
    public var seed: Int64
    public var iterations: Int
    public var listCodec: String
    public var blockCodec: String
    public var centroids: [UInt8]
    public var libraryVersion: String
    /// Kept by `copy`; nil: now.
    public var createdAt: String? = nil
    public init(space: String, spaceVersion: String, rowCount: Int, dimension: Int, listCount: Int, sampleCount: Int, seed: Int64,
                iterations: Int, listCodec: String, blockCodec: String, centroids: [UInt8], libraryVersion: String) {
        self.space = space
        self.spaceVersion = spaceVersion
        self.rowCount = rowCount
        self.dimension = dimension
        self.listCount = listCount
        self.sampleCount = sampleCount
        self.seed = seed
        self.iterations = iterations
        self.listCodec = listCodec
        self.blockCodec = blockCodec
        self.centroids = centroids
        self.libraryVersion = libraryVersion
    }
}

/// Where a block of an inverted list sits: its list, its index within the list, its rows.
public struct IndexBlockLocation: Sendable, Equatable {
    public let list: Int
    public let index: Int
    public let rowCount: Int
    public init(list: Int, index: Int, rowCount: Int) {
        self.list = list
        self.index = index
        self.rowCount = rowCount
    }
}

/// Sizes of an index as stored.
public struct IndexStorageSummary: Sendable, Equatable {
    public let blocks: Int
    public let rows: Int
    public let storedBytes: Int
    /// Rows of each non-empty list, by list.
    public let listRows: [Int: Int]
}
