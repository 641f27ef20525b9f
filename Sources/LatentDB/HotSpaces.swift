import Foundation
import LinearAlgebra
import Storage

/// Decoded spaces kept in memory between queries, for a long-lived process (`latentdb serve`):
/// keyed by space *version*, so a space replaced by another process is simply a miss (the next
/// query reads the new version; the old entry ages out), and bounded by a byte budget, least
/// recently used out first. A one-shot CLI command has none and streams blocks as before.
public final class HotSpaces: @unchecked Sendable {
    public let budget: Int
    private let lock = NSLock()
    private var entries: [String: (matrix: Matrix<Float>, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var used = 0

    /// A cache holding at most `budget` bytes of float32 rows.
    public init(budget: Int) {
        precondition(budget >= 0, "a negative memory budget")
        self.budget = budget
    }

    /// Bytes held now.
    public var bytes: Int { lock.withLock { used } }

    /// The rows of space version `version`, if held.
    func matrix(version: String) -> Matrix<Float>? {
        lock.withLock {
            guard let entry = entries[version] else { return nil }
            clock += 1
            entries[version]!.lastUse = clock
            return entry.matrix
        }
    }

    /// Whether a space of `bytes` can be held at all (larger than the budget: never cached).
    func admits(bytes: Int) -> Bool { bytes <= budget }

    /// Holds `matrix` as version `version`, evicting the least recently used until it fits.
    func insert(_ matrix: Matrix<Float>, version: String) {
        let size = matrix.elements.count * MemoryLayout<Float>.size
        guard admits(bytes: size) else { return }
        lock.withLock {
            if entries[version] != nil { return }
            while used + size > budget, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                used -= oldest.value.matrix.elements.count * MemoryLayout<Float>.size
                entries[oldest.key] = nil
            }
            clock += 1
            entries[version] = (matrix, clock)
            used += size
        }
    }
}

extension LatentStore {
    /// The rows of `space` in order, as blocks: the held matrix as one block when `hot` has this
    /// version, else the stored blocks decoded (and, when the space fits the budget, gathered and
    /// held for the next query).
    func scan(_ tx: any StorageTransaction, _ space: SpaceRecord, _ body: (Int, Matrix<Float>) throws -> Void) throws {
        guard let hot else { return try Self.forEachBlock(tx, space: space, body) }
        if let held = hot.matrix(version: space.version) { return try body(0, held) }
        guard hot.admits(bytes: space.rawBytes) else { return try Self.forEachBlock(tx, space: space, body) }
        var whole = Matrix<Float>(rows: space.rowCount, columns: space.dimension)
        try whole.withUnsafeMutableElements { out in
            try Self.forEachBlock(tx, space: space) { first, block in
                block.elements.withUnsafeBufferPointer {
                    (out.baseAddress! + first * space.dimension).update(from: $0.baseAddress!, count: $0.count)
                }
            }
        }
        hot.insert(whole, version: space.version)
        try body(0, whole)
    }
}
