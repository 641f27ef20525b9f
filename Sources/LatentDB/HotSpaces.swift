import Foundation
import LinearAlgebra
import NeighborSearch
import Storage
import Translation

/// Decoded spaces kept in memory between queries, for a long-lived process (`latentdb serve`):
/// keyed by space *version*, so a space replaced by another process is simply a miss (the next
/// query reads the new version; the old entry ages out), and bounded by a byte budget, least
/// recently used out first. Beside them, the last few decoded translators, cached fits and index
/// centroids, keyed by what names their content (a fingerprint, an index build), so that none can
/// be stale. A one-shot CLI command has none and streams blocks as before.
public final class HotSpaces: @unchecked Sendable {
    public let budget: Int
    private let lock = NSLock()
    /// Rows held under the byte budget: whole spaces (keyed by version) and inverted lists of an
    /// index (keyed by index build and list, with the rows' numbers in the space).
    private struct HeldRows {
        let matrix: Matrix<Float>
        let squaredNorms: [Float]
        let rowNumbers: [Int]?
        var lastUse: UInt64
        /// What the budget counts: the rows, their ‖x‖² and their row numbers.
        var bytes: Int {
            matrix.elements.count * MemoryLayout<Float>.size + squaredNorms.count * MemoryLayout<Float>.size
                + (rowNumbers?.count ?? 0) * MemoryLayout<Int>.size
        }
    }
    private var entries: [String: HeldRows] = [:]
    private var clock: UInt64 = 0
    private var used = 0
    private var translators: [String: Translator] = [:]
    private var translatorOrder: [String] = []  // oldest inserted first
    private var fits: [String: (summary: FitSummary, translator: Translator)] = [:]
    private var fitOrder: [String] = []
    private var quantizers: [String: CoarseQuantizer] = [:]
    private var quantizerOrder: [String] = []
    /// How many translators, fits and index quantizers each are held (the most recent).
    static let heldLimit = 64

    /// A cache holding at most `budget` bytes of float32 rows (with their norms and row numbers).
    public init(budget: Int) {
        precondition(budget >= 0, "a negative memory budget")
        self.budget = budget
    }

    /// Bytes held now.
    public var bytes: Int { lock.withLock { used } }

    /// The rows of space version `version`, if held.
    func matrix(version: String) -> Matrix<Float>? { held(version: version)?.matrix }

    /// The rows of space version `version` and their ‖x‖² (computed once, when inserted), if held.
    func held(version: String) -> (matrix: Matrix<Float>, squaredNorms: [Float])? {
        lock.withLock { touch("space|" + version).map { ($0.matrix, $0.squaredNorms) } }
    }

    /// List `list` of the index build `index` (see ``LatentStore/neighbours``): its rows' numbers in
    /// the space, the rows and their ‖x‖², if held.
    func list(_ list: Int, of index: String) -> (rows: [Int], block: Matrix<Float>, squaredNorms: [Float])? {
        lock.withLock { touch("list|\(index)|\(list)").map { ($0.rowNumbers ?? [], $0.matrix, $0.squaredNorms) } }
    }

    private func touch(_ key: String) -> HeldRows? {
        guard entries[key] != nil else { return nil }
        clock += 1
        entries[key]!.lastUse = clock
        return entries[key]
    }

    /// The decoded translator `fingerprint`, if held.
    func translator(fingerprint: String) -> Translator? {
        lock.withLock { translators[fingerprint] }
    }

    /// Holds a decoded translator (the most recent `heldLimit`; they are small beside spaces).
    func insert(_ translator: Translator, fingerprint: String) {
        lock.withLock { Self.hold(translator, fingerprint, in: &translators, order: &translatorOrder) }
    }

    /// The cached fit `fingerprint` (its summary as a cache hit reports it, and its translator), if held.
    func fit(fingerprint: String) -> (summary: FitSummary, translator: Translator)? {
        lock.withLock { fits[fingerprint] }
    }

    /// Holds a fit, so that a request naming anchors reads no translator record again.
    func insert(fit: (summary: FitSummary, translator: Translator), fingerprint: String) {
        lock.withLock { Self.hold(fit, fingerprint, in: &fits, order: &fitOrder) }
    }

    /// The coarse quantizer (decoded centroids) of an index, if held.
    func quantizer(key: String) -> CoarseQuantizer? {
        lock.withLock { quantizers[key] }
    }

    func insert(_ quantizer: CoarseQuantizer, key: String) {
        lock.withLock { Self.hold(quantizer, key, in: &quantizers, order: &quantizerOrder) }
    }

    private static func hold<Value>(_ value: Value, _ key: String, in held: inout [String: Value], order: inout [String]) {
        if held[key] == nil {
            order.append(key)
            if order.count > heldLimit { held[order.removeFirst()] = nil }
        }
        held[key] = value
    }

    /// Whether a space of `rows` × `columns` can be held at all, with its norms (larger than the
    /// budget: never cached).
    func admits(rows: Int, columns: Int) -> Bool { rows * (columns + 1) * MemoryLayout<Float>.size <= budget }

    /// Holds `matrix` as version `version`, evicting the least recently used until it fits.
    func insert(_ matrix: Matrix<Float>, version: String) {
        hold(HeldRows(matrix: matrix, squaredNorms: Self.squaredNorms(matrix), rowNumbers: nil, lastUse: 0), key: "space|" + version)
    }

    /// Holds list `list` of index build `index` (`rows[i]` is the space row of `block` row `i`);
    /// returns the rows' ‖x‖², computed here whether or not the budget admits the list.
    func insert(list: Int, of index: String, rows: [Int], block: Matrix<Float>) -> [Float] {
        precondition(rows.count == block.rows, "\(rows.count) row numbers for \(block.rows) rows")
        let norms = Self.squaredNorms(block)
        hold(HeldRows(matrix: block, squaredNorms: norms, rowNumbers: rows, lastUse: 0), key: "list|\(index)|\(list)")
        return norms
    }

    private func hold(_ entry: HeldRows, key: String) {
        let size = entry.bytes
        guard size <= budget else { return }
        lock.withLock {
            if entries[key] != nil { return }
            while used + size > budget, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                used -= oldest.value.bytes
                entries[oldest.key] = nil
            }
            clock += 1
            var entry = entry
            entry.lastUse = clock
            entries[key] = entry
            used += size
        }
    }

    private static func squaredNorms(_ matrix: Matrix<Float>) -> [Float] {
        matrix.elements.withUnsafeBufferPointer { e in
            (0..<matrix.rows).map { squaredNorm(UnsafeBufferPointer(rebasing: e[$0 * matrix.columns ..< ($0 + 1) * matrix.columns])) }
        }
    }
}

extension LatentStore {
    /// The rows of `space` in order, as blocks: the held matrix as one block when `hot` has this
    /// version, else the stored blocks decoded (and, when the space fits the budget, gathered and
    /// held for the next query).
    func scan(_ tx: any StorageTransaction, _ space: SpaceRecord, _ body: (Int, Matrix<Float>) throws -> Void) throws {
        try scan(tx, space) { first, block, _ in try body(first, block) }
    }

    /// The whole of `space` from the hot state, decoded into it first when the budget admits it;
    /// nil without hot state or when the space is larger than the budget.
    func held(_ tx: any StorageTransaction, _ space: SpaceRecord) throws -> Matrix<Float>? {
        guard let hot, hot.admits(rows: space.rowCount, columns: space.dimension) else { return nil }
        if let held = hot.matrix(version: space.version) { return held }
        var whole: Matrix<Float>? = nil
        try scan(tx, space) { _, block, _ in whole = block }
        return whole
    }

    /// ``scan(_:_:_:)`` with each block's rows' ‖x‖² when they are at hand (a held space), else nil.
    func scan(_ tx: any StorageTransaction, _ space: SpaceRecord, _ body: (Int, Matrix<Float>, [Float]?) throws -> Void) throws {
        guard let hot else { return try Self.forEachBlock(tx, space: space) { try body($0, $1, nil) } }
        if let held = hot.held(version: space.version) { return try body(0, held.matrix, held.squaredNorms) }
        guard hot.admits(rows: space.rowCount, columns: space.dimension) else { return try Self.forEachBlock(tx, space: space) { try body($0, $1, nil) } }
        var whole = Matrix<Float>(rows: space.rowCount, columns: space.dimension)
        try whole.withUnsafeMutableElements { out in
            try Self.forEachBlock(tx, space: space) { first, block in
                block.elements.withUnsafeBufferPointer {
                    (out.baseAddress! + first * space.dimension).update(from: $0.baseAddress!, count: $0.count)
                }
            }
        }
        hot.insert(whole, version: space.version)
        try body(0, whole, hot.held(version: space.version)?.squaredNorms)
    }
}
