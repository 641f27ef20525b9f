import EmbeddingCodec
import Foundation
import LatentCore
import NeighborSearch
import Storage

/// How the rows of an inverted list are stored.
public enum ListCodec: String, CaseIterable, Codable, Sendable {
    /// The float32 rows, in the space's block codec (lossless). (`sq8`, int8 codes with exact
    /// re-ranking, is reserved in the schema and not built yet.)
    case flat
}

public struct IndexRequest: Sendable {
    public var space: SpaceName
    /// Inverted lists (default ≈ 4·√rows).
    public var lists: Int?
    /// k-means training rows (default 64 per list, within a 384 MiB sample).
    public var sample: Int?
    public var seed: UInt64
    public var codec: ListCodec
    public var iterations: Int

    public init(space: SpaceName, lists: Int? = nil, sample: Int? = nil, seed: UInt64 = 0, codec: ListCodec = .flat, iterations: Int = 10) {
        self.space = space
        self.lists = lists
        self.sample = sample
        self.seed = seed
        self.codec = codec
        self.iterations = iterations
    }
}

/// Recall@10 against exact search at one nprobe, measured at build time.
public struct RecallPoint: Codable, Sendable, Equatable {
    public let nprobe: Int
    public let recall: Double
}

public struct IndexCalibration: Codable, Sendable, Equatable {
    /// Held-out rows of the space used as queries (not in the training sample when possible).
    public let queries: Int
    public let k: Int
    public let metric: String
    public let target: Double
    public let points: [RecallPoint]
}

/// The calibration as stored: its fields and a random `build` id naming this build, which a
/// long-lived process keys what it holds of the index by. It sits before the centroid blob in the
/// SQLite row, so it is read without walking the blob's overflow pages (`created_at`, after the
/// blob, is not).
struct StoredCalibration: Codable {
    let calibration: IndexCalibration
    let build: String?

    private enum CodingKeys: String, CodingKey { case build }

    init(_ calibration: IndexCalibration, build: String) {
        self.calibration = calibration
        self.build = build
    }

    init(from decoder: any Decoder) throws {
        calibration = try IndexCalibration(from: decoder)
        build = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .build)
    }

    func encode(to encoder: any Encoder) throws {
        try calibration.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(build, forKey: .build)
    }

    /// The build id in a stored calibration, if it has one (indexes built before it existed do not).
    static func build(of json: String) -> String? {
        (try? JSONDecoder().decode(StoredCalibration.self, from: Data(json.utf8)))?.build
    }
}

/// An index as `index ls` / `index info` show it.
public struct IndexSummary: Codable, Sendable {
    public let space: String
    /// `current`; `stale` (the space was replaced since); `orphaned` (the space was removed).
    public let state: String
    public let spaceVersion: String
    public let rows: Int
    public let dim: Int
    public let lists: Int
    public let sample: Int
    public let seed: Int64
    public let iterations: Int
    public let codec: String
    public let blockCodec: String
    public let defaultNProbe: Int
    public let recallAtDefault: Double?
    public let calibration: IndexCalibration?
    public let blocks: Int
    public let storedBytes: Int
    public let listRowsMin: Int
    public let listRowsMedian: Int
    public let listRowsMax: Int
    public let emptyLists: Int
    public let buildSeconds: Double
    public let createdAt: String
}

/// What a k-NN query read: the index (and how much of it) or every row.
public struct SearchReport: Codable, Sendable, Equatable {
    /// `indexed` or `exact`.
    public let mode: String
    public let nprobe: Int?
    public let defaultNProbe: Int?
    public let lists: Int?
    /// Rows scored for this query.
    public let rowsScored: Int
    /// Why the search was exact: `--exact`, `csls`, `no index`, `stale index`.
    public let reason: String?
}

extension SearchReport {
    static func exact(rows: Int, reason: String) -> SearchReport {
        SearchReport(mode: "exact", nprobe: nil, defaultNProbe: nil, lists: nil, rowsScored: rows, reason: reason)
    }
}

/// How `knn` should search its target.
public enum SearchMode: Sendable, Equatable {
    /// The target's current index at its default nprobe when there is one, else every row.
    case automatic
    /// The current index at this nprobe (an error when there is none).
    case nprobe(Int)
    /// Every row.
    case exact
}

extension LatentStore {
    /// The default list count: ≈ 4·√rows (FAISS's guideline), at most the rows.
    public static func defaultListCount(rows: Int) -> Int {
        max(1, min(rows, Int((4 * Double(rows).squareRoot()).rounded())))
    }

    /// The default training sample: 64 rows per list (FAISS's k-means warns below 39), at most
    /// the rows, and at most 384 MiB of float32 so that building stays well under 1 GiB.
    public static func defaultSampleCount(rows: Int, lists: Int, dimension: Int) -> Int {
        let budget = (384 << 20) / max(1, 4 * dimension)
        return min(rows, max(lists, min(64 * lists, budget)))
    }

    /// Held-out rows measured at build time to choose the default nprobe.
    static let calibrationQueries = 200
    static let calibrationTarget = 0.95
    /// Float32 bytes buffered for the lists while rows are assigned (then flushed as blocks).
    static let listBufferBytes = 128 << 20

    /// Builds the IVF index of a space in one transaction (replacing its previous index): a
    /// killed build leaves the previous state. Two streamed passes: the training sample, then
    /// every row assigned to its nearest centroid and written into its list's blocks.
    public func createIndex(_ request: IndexRequest, progress: ((String, Int, Int) -> Void)? = nil) throws -> IndexSummary {
        let started = Date()
        let name = request.space.description
        return try write(bulk: true) { tx -> IndexSummary in
            let space = try tx.space(request.space)
            guard space.rowCount > 0 else { throw LatentError(.emptySpaceIndex(space: name)) }
            let lists = request.lists ?? Self.defaultListCount(rows: space.rowCount)
            guard lists <= space.rowCount else {
                throw LatentError(Diagnostic.listCountOutOfRange(lists: lists, rows: space.rowCount).located(in: name))
            }
            let sampleCount = min(space.rowCount, request.sample ?? Self.defaultSampleCount(rows: space.rowCount, lists: lists, dimension: space.dimension))
            guard sampleCount >= lists else {
                throw LatentError(Diagnostic.listCountOutOfRange(lists: lists, rows: sampleCount).located(in: "\(name) (--sample \(sampleCount))"))
            }
            // The sample and the held-out calibration rows, drawn with the seed.
            var generator = SeededGenerator(seed: request.seed)
            let order = generator.permuted(Array(0..<space.rowCount))
            let sampleRows = Array(order.prefix(sampleCount)).sorted()
            let heldOut = order.count > sampleCount ? Array(order[sampleCount...]) : order
            let queryRows = Array(heldOut.prefix(Self.calibrationQueries)).sorted()

            var sample = Matrix<Float>(rows: 0, columns: space.dimension)
            sample.elements.reserveCapacity(sampleCount * space.dimension)
            var queries = Matrix<Float>(rows: 0, columns: space.dimension)
            var nextSample = 0, nextQuery = 0
            try Self.forEachBlock(tx, space: space) { first, block in
                let end = first + block.rows
                let start = nextSample
                while nextSample < sampleRows.count && sampleRows[nextSample] < end { nextSample += 1 }
                if nextSample > start { sample.appendRows(block.gatherRows(sampleRows[start..<nextSample].map { $0 - first })) }
                let queryStart = nextQuery
                while nextQuery < queryRows.count && queryRows[nextQuery] < end { nextQuery += 1 }
                if nextQuery > queryStart { queries.appendRows(block.gatherRows(queryRows[queryStart..<nextQuery].map { $0 - first })) }
                progress?("sampling", end, space.rowCount)
            }
            progress?("training", 0, 1)
            let quantizer = try CoarseQuantizer.train(sample: sample, lists: lists, iterations: request.iterations, seed: request.seed)
            sample = Matrix(rows: 0, columns: 0)

            let codec = BlockCodec(rawValue: space.codec) ?? .defaultCodec
            let indexID = try tx.beginIndex(NewIndex(
                space: name, spaceVersion: space.version, rowCount: space.rowCount, dimension: space.dimension, listCount: lists,
                sampleCount: sampleCount, seed: Int64(bitPattern: request.seed), iterations: request.iterations, listCodec: request.codec.rawValue,
                blockCodec: codec.rawValue, centroids: EmbeddingBlock.encode(quantizer.centroids, codec: codec), libraryVersion: Self.libraryVersion))

            // Exact neighbours of the held-out rows (k + 1: each finds itself, which is dropped).
            var truth = try NeighborAccumulator(queries: queries, k: min(11, space.rowCount), metric: .cosine)
            var writer = ListWriter(indexID: indexID, dimension: space.dimension, codec: codec, lists: lists)
            var listOfRow = [Int32](repeating: 0, count: space.rowCount)
            try Self.forEachBlock(tx, space: space) { first, block in
                try truth.add(block: block, firstRow: first)
                let assignment = quantizer.assign(block)
                for (i, list) in assignment.enumerated() { listOfRow[first + i] = Int32(list) }
                try writer.add(block, firstRow: first, assignment: assignment, tx)
                progress?("assigning", first + block.rows, space.rowCount)
            }
            try writer.flushAll(tx)

            let neighbours = truth.results().enumerated().map { q, found in
                Array(found.map(\.row).filter { $0 != queryRows[q] }.prefix(10))
            }
            let ranking = try quantizer.probe(queries, nprobe: lists, metric: .cosine)
            let recall = recallByProbeCount(truth: neighbours, listOf: { Int(listOfRow[$0]) }, ranking: ranking, k: 10)
            let defaultNProbe = (recall.firstIndex { $0 >= Self.calibrationTarget } ?? (lists - 1)) + 1
            var probes = Set([defaultNProbe, lists])
            var p = 1
            while p < lists { probes.insert(p); p *= 2 }
            let calibration = IndexCalibration(
                queries: queries.rows, k: 10, metric: Metric.cosine.rawValue, target: Self.calibrationTarget,
                points: probes.sorted().map { RecallPoint(nprobe: $0, recall: recall[$0 - 1]) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try tx.finishIndex(indexID: indexID, defaultNProbe: defaultNProbe,
                               calibration: String(decoding: try encoder.encode(StoredCalibration(calibration, build: UUID().uuidString)), as: UTF8.self),
                               buildSeconds: Date().timeIntervalSince(started))
            return try Self.summary(tx, try tx.findIndex(space: name)!)
        }
    }

    /// Every index in the store, with its state.
    public func indexes() throws -> [IndexSummary] {
        try read { tx in try tx.indexes().map { try Self.summary(tx, $0) } }
    }

    /// The index of `space` (current or not).
    public func indexInfo(_ space: SpaceName) throws -> IndexSummary {
        try read { tx in try Self.summary(tx, try Self.indexRecord(tx, space)) }
    }

    /// Removes the index of `space`.
    public func removeIndex(_ space: SpaceName) throws -> IndexSummary {
        try write { tx in
            let summary = try Self.summary(tx, try Self.indexRecord(tx, space))
            _ = try tx.removeIndex(space: space.description)
            return summary
        }
    }

    static func indexRecord(_ tx: any StorageTransaction, _ space: SpaceName) throws -> IndexRecord {
        guard let record = try tx.findIndex(space: space.description) else {
            throw LatentError(.unknownIndex(space: space.description, indexed: try tx.indexes().map(\.space)))
        }
        return record
    }

    static func state(_ tx: any StorageTransaction, _ record: IndexRecord) throws -> String {
        guard let space = try tx.findSpace(try SpaceName(parsing: record.space)) else { return "orphaned" }
        return space.version == record.spaceVersion ? "current" : "stale"
    }

    static func summary(_ tx: any StorageTransaction, _ record: IndexRecord) throws -> IndexSummary {
        let storage = try tx.indexStorage(indexID: record.id)
        let sizes = (0..<record.listCount).map { storage.listRows[$0] ?? 0 }.sorted()
        let calibration = try? JSONDecoder().decode(IndexCalibration.self, from: Data(record.calibration.utf8))
        return IndexSummary(
            space: record.space, state: try state(tx, record), spaceVersion: record.spaceVersion, rows: record.rowCount, dim: record.dimension,
            lists: record.listCount, sample: record.sampleCount, seed: record.seed, iterations: record.iterations, codec: record.listCodec,
            blockCodec: record.blockCodec, defaultNProbe: record.defaultNProbe,
            recallAtDefault: calibration?.points.first { $0.nprobe == record.defaultNProbe }?.recall, calibration: calibration,
            blocks: storage.blocks, storedBytes: storage.storedBytes, listRowsMin: sizes.first ?? 0, listRowsMedian: sizes[sizes.count / 2],
            listRowsMax: sizes.last ?? 0, emptyLists: sizes.filter { $0 == 0 }.count, buildSeconds: record.buildSeconds, createdAt: record.createdAt)
    }

    // MARK: Searching

    /// The coarse quantiser of a stored index.
    static func quantizer(of record: IndexRecord) throws -> CoarseQuantizer {
        do {
            let centroids = try EmbeddingBlock.decode(record.centroids)
            guard centroids.rows == record.listCount, centroids.columns == record.dimension else {
                throw LatentError(.indexInconsistent(space: record.space, detail: "centroids are \(centroids.rows) × \(centroids.columns), expected \(record.listCount) × \(record.dimension)"))
            }
            return try CoarseQuantizer(centroids: centroids)
        } catch let error as CodecError {
            throw LatentError(.indexBlockCorrupt(space: record.space, list: -1, block: 0, cause: "centroids: \(error.located.message)"))
        }
    }

    /// Decodes one block of a list: its rows and their row numbers in the space.
    static func decodeIndexBlock(_ record: IndexRecord, _ location: IndexBlockLocation, rowNumbers: UnsafeRawBufferPointer,
                                 data: UnsafeRawBufferPointer) throws -> (rows: [Int], block: Matrix<Float>) {
        do {
            let rows = try RowNumberBlock.decode(rowNumbers)
            let header = try EmbeddingBlock.header(of: data)
            guard header.rows == location.rowCount, rows.count == location.rowCount, header.columns == record.dimension else {
                throw LatentError(.indexBlockCorrupt(space: record.space, list: location.list, block: location.index,
                                                     cause: "\(header.rows) rows × \(header.columns) and \(rows.count) row numbers, expected \(location.rowCount) × \(record.dimension)"))
            }
            var elements = [Float](repeating: 0, count: header.rows * header.columns)
            try elements.withUnsafeMutableBufferPointer { _ = try EmbeddingBlock.decode(data, into: $0) }
            guard rows.allSatisfy({ $0 < record.rowCount }) else {
                throw LatentError(.indexBlockCorrupt(space: record.space, list: location.list, block: location.index,
                                                     cause: "a row number is beyond the space's \(record.rowCount) rows"))
            }
            return (rows, Matrix(rows: header.rows, columns: header.columns, elements: elements))
        } catch let error as CodecError {
            throw LatentError(.indexBlockCorrupt(space: record.space, list: location.list, block: location.index, cause: error.located.message))
        }
    }

    /// Neighbours in `target` of `queries` (already in the target's space), through its current
    /// index when `mode` allows and there is one, else by scanning every row (`exactScan`).
    /// The one place that chooses between indexed and exact search: `knn` calls it.
    static func neighbours(_ tx: any StorageTransaction, target: SpaceRecord, queries: Matrix<Float>, k: Int, metric: Metric,
                           mode: SearchMode, hot: HotSpaces? = nil, exactScan: () throws -> [[Neighbor]]) throws -> ([[Neighbor]], [SearchReport]) {
        func exact(_ reason: String) throws -> ([[Neighbor]], [SearchReport]) {
            (try exactScan(), Array(repeating: .exact(rows: target.rowCount, reason: reason), count: queries.rows))
        }
        if mode == .exact { return try exact("--exact") }
        let light = try tx.findIndex(space: target.name.description, centroids: hot == nil)
        // Without a build id (an index from before it existed) the key needs `created_at`: read it all.
        let build = light.flatMap { hot == nil ? nil : StoredCalibration.build(of: $0.calibration) }
        let record = light != nil && hot != nil && build == nil ? try tx.findIndex(space: target.name.description, centroids: true) : light
        guard let record, record.spaceVersion == target.version else {
            if case .nprobe = mode {
                throw LatentError(.noCurrentIndex(space: target.name.description, builtFor: record?.spaceVersion, current: target.version))
            }
            return try exact(record == nil ? "no index" : "stale index")
        }
        let nprobe = if case let .nprobe(n) = mode { n } else { record.defaultNProbe }
        // An index is never rewritten in place (a rebuild is a new row with a new build id): its id
        // and build id (or, for an older index, its build time) name its centroids and lists.
        let key = "\(record.id)|\(build ?? record.createdAt)|\(record.spaceVersion)"
        let quantizer: CoarseQuantizer
        if let hot {
            if let held = hot.quantizer(key: key) {
                quantizer = held
            } else {
                guard let whole = try tx.findIndex(space: target.name.description, centroids: true), whole.id == record.id else {
                    throw LatentError(.indexInconsistent(space: record.space, detail: "the index changed inside one read transaction"))
                }
                quantizer = try Self.quantizer(of: whole)
                hot.insert(quantizer, key: key)
            }
        } else {
            quantizer = try Self.quantizer(of: record)
        }
        var search = try ProbedSearch(queries: queries, probes: try quantizer.probe(queries, nprobe: nprobe, metric: metric), k: k, metric: metric)
        if let hot {
            // Held lists are scored from memory; the others are read, held (a list may be several
            // blocks: gathered first) and then scored, so a warm server reads no list block at all.
            var missing: [Int] = []
            for list in search.listsToRead {
                if let held = hot.list(list, of: key) {
                    try search.add(list: list, block: held.block, rows: held.rows, squaredNorms: held.squaredNorms)
                } else {
                    missing.append(list)
                }
            }
            var gathered: [Int: (rows: [Int], block: Matrix<Float>)] = [:]
            try tx.forEachIndexBlock(indexID: record.id, lists: missing) { location, numbers, data in
                let (rows, block) = try decodeIndexBlock(record, location, rowNumbers: numbers, data: data)
                gathered[location.list, default: ([], Matrix(rows: 0, columns: record.dimension))].rows += rows
                gathered[location.list]!.block.appendRows(block)
            }
            for list in missing {
                let (rows, block) = gathered[list] ?? ([], Matrix(rows: 0, columns: record.dimension))
                let norms = hot.insert(list: list, of: key, rows: rows, block: block)
                try search.add(list: list, block: block, rows: rows, squaredNorms: norms)
            }
        } else {
            try tx.forEachIndexBlock(indexID: record.id, lists: search.listsToRead) { location, numbers, data in
                let (rows, block) = try decodeIndexBlock(record, location, rowNumbers: numbers, data: data)
                try search.add(list: location.list, block: block, rows: rows)
            }
        }
        let reports = search.rowsScored.map {
            SearchReport(mode: "indexed", nprobe: nprobe, defaultNProbe: record.defaultNProbe, lists: record.listCount, rowsScored: $0, reason: nil)
        }
        return (search.results(), reports)
    }

    // MARK: Checking

    /// Problems of every index: blocks that do not decode (checksums included), and rows in no
    /// list or in two. Returns (indexes, blocks) checked.
    static func checkIndexes(_ tx: any StorageTransaction, problems: inout [String]) throws -> (Int, Int) {
        var indexes = 0, blocks = 0
        for record in try tx.indexes() {
            indexes += 1
            do { _ = try quantizer(of: record) } catch { problems.append(LatentError.classify(error).message) }
            var seen = [UInt8](repeating: 0, count: record.rowCount)
            var twice: Int? = nil
            do {
                try tx.forEachIndexBlock(indexID: record.id, lists: nil) { location, numbers, data in
                    blocks += 1
                    do {
                        let (rows, _) = try decodeIndexBlock(record, location, rowNumbers: numbers, data: data)
                        for row in rows {
                            if seen[row] != 0 && twice == nil { twice = row }
                            seen[row] = 1
                        }
                        guard location.list < record.listCount else {
                            throw LatentError(.indexInconsistent(space: record.space, detail: "list \(location.list) is beyond its \(record.listCount) lists"))
                        }
                    } catch {
                        problems.append(LatentError.classify(error).message)
                    }
                }
            } catch {
                problems.append(LatentError.classify(error).message)
            }
            if let twice {
                problems.append(Diagnostic.indexInconsistent(space: record.space, detail: "row \(twice) is in two lists").message)
            }
            if let missing = seen.firstIndex(of: 0) {
                let count = seen.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
                problems.append(Diagnostic.indexInconsistent(space: record.space, detail: "\(count) rows are in no list (the first: row \(missing))").message)
            }
        }
        return (indexes, blocks)
    }
}

/// Rows on their way into their lists' blocks during a build: buffered per list, written as
/// a block when a list has a full block's rows, and, when the buffers together pass
/// `LatentStore.listBufferBytes`, the largest lists written until half of that is left.
private struct ListWriter {
    let indexID: Int64
    let dimension: Int
    let codec: BlockCodec
    let blockRows: Int
    var values: [[Float]]
    var rows: [[Int]]
    var nextBlock: [Int]
    var buffered = 0

    init(indexID: Int64, dimension: Int, codec: BlockCodec, lists: Int) {
        self.indexID = indexID
        self.dimension = dimension
        self.codec = codec
        self.blockRows = EmbeddingBlock.recommendedRows(columns: dimension)
        values = Array(repeating: [], count: lists)
        rows = Array(repeating: [], count: lists)
        nextBlock = Array(repeating: 0, count: lists)
    }

    mutating func add(_ block: Matrix<Float>, firstRow: Int, assignment: [Int], _ tx: any StorageTransaction) throws {
        let d = dimension
        for (i, list) in assignment.enumerated() {
            values[list].append(contentsOf: block.elements[i * d ..< (i + 1) * d])
            rows[list].append(firstRow + i)
            buffered += 1
            if rows[list].count == blockRows { try flush(list, tx) }
        }
        if buffered * d * 4 > LatentStore.listBufferBytes {
            let largest = rows.indices.sorted { rows[$0].count > rows[$1].count || (rows[$0].count == rows[$1].count && $0 < $1) }
            for list in largest where buffered * d * 4 > LatentStore.listBufferBytes / 2 { try flush(list, tx) }
        }
    }

    mutating func flush(_ list: Int, _ tx: any StorageTransaction) throws {
        guard !rows[list].isEmpty else { return }
        let count = rows[list].count
        let data = values[list].withUnsafeBufferPointer { EmbeddingBlock.encode($0, rows: count, columns: dimension, codec: codec) }
        try tx.appendIndexBlock(indexID: indexID, location: IndexBlockLocation(list: list, index: nextBlock[list], rowCount: count),
                                rowNumbers: RowNumberBlock.encode(rows[list]), data: data)
        nextBlock[list] += 1
        buffered -= count
        values[list].removeAll(keepingCapacity: false)
        rows[list].removeAll(keepingCapacity: false)
    }

    mutating func flushAll(_ tx: any StorageTransaction) throws {
        for list in rows.indices { try flush(list, tx) }
    }
}

/// An index read whole into memory (centroids and every list), for a long-lived process that
/// answers many queries: each query then costs its probes only, not reading them from the store.
public struct LoadedIndex: Sendable {
    public let space: String
    public let spaceVersion: String
    public let defaultNProbe: Int
    let quantizer: CoarseQuantizer
    /// Per list: its rows' numbers in the space and the rows.
    let lists: [(rows: [Int], block: Matrix<Float>)]

    public var listCount: Int { quantizer.lists }

    /// Neighbours of `queries` (in the space's dimension) over the `nprobe` nearest lists.
    public func search(_ queries: Matrix<Float>, k: Int, nprobe: Int? = nil, metric: Metric = .cosine) throws -> [[Neighbor]] {
        do {
            var search = try ProbedSearch(queries: queries, probes: try quantizer.probe(queries, nprobe: nprobe ?? defaultNProbe, metric: metric),
                                          k: k, metric: metric)
            for list in search.listsToRead where !lists[list].rows.isEmpty {
                try search.add(list: list, block: lists[list].block, rows: lists[list].rows)
            }
            return search.results()
        } catch {
            throw LatentError.classify(error)
        }
    }
}

extension LatentStore {
    /// The current index of `space`, read whole (one transaction, every block verified).
    public func loadIndex(_ space: SpaceName) throws -> LoadedIndex {
        try read { tx in
            let target = try tx.space(space)
            let record = try Self.indexRecord(tx, space)
            guard record.spaceVersion == target.version else {
                throw LatentError(.noCurrentIndex(space: space.description, builtFor: record.spaceVersion, current: target.version))
            }
            var rows = [[Int]](repeating: [], count: record.listCount)
            var blocks = [Matrix<Float>](repeating: Matrix(rows: 0, columns: record.dimension), count: record.listCount)
            try tx.forEachIndexBlock(indexID: record.id, lists: nil) { location, numbers, data in
                let (listRows, block) = try Self.decodeIndexBlock(record, location, rowNumbers: numbers, data: data)
                rows[location.list] += listRows
                blocks[location.list].appendRows(block)
            }
            return LoadedIndex(space: record.space, spaceVersion: record.spaceVersion, defaultNProbe: record.defaultNProbe,
                               quantizer: try Self.quantizer(of: record), lists: Array(zip(rows, blocks)))
        }
    }

    /// Exact neighbours of `queries` over every row of `space` (the reference an index is
    /// measured against), in one read transaction.
    public func exactNeighbours(_ space: SpaceName, queries: Matrix<Float>, k: Int, metric: Metric = .cosine) throws -> [[Neighbor]] {
        try read { tx in
            let target = try tx.space(space)
            var accumulator = try NeighborAccumulator(queries: queries, k: k, metric: metric)
            try Self.forEachBlock(tx, space: target) { first, block in try accumulator.add(block: block, firstRow: first) }
            return accumulator.results()
        }
    }
}
