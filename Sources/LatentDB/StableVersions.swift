import LatentCore
import Storage

/// A translator is resolved (found in the cache, or fitted and stored) in one transaction and
/// the query rows and target items are read in another. A writer that replaces one of the
/// spaces in between would pair a translator of the old version with rows of the new one.
/// `withStableVersions` notes the spaces' versions first; `confirm`, called inside the read
/// transaction, restarts the whole query when any of them changed, so the answer comes from
/// the versions the translator was resolved on (bounded: a writer replacing the spaces
/// non-stop gets an error, not a livelock).
extension LatentStore {
    static let stableVersionAttempts = 3

    /// The current version of every space, by name: what cached translators, hubs and indexes
    /// are checked against (one that names another version is stale).
    static func currentVersions(_ tx: any StorageTransaction) throws -> [String: String] {
        Dictionary(try tx.spaces().map { ($0.name.description, $0.version) }, uniquingKeysWith: { a, _ in a })
    }

    func withStableVersions<T>(_ spaces: [SpaceName], _ body: (_ confirm: (any StorageTransaction) throws -> Void) throws -> T) throws -> T {
        for _ in 0..<Self.stableVersionAttempts {
            let before = try read { tx in try spaces.map { try tx.findSpace($0)?.version } }
            do {
                return try body { tx in
                    if try spaces.map({ try tx.findSpace($0)?.version }) != before { throw SpaceVersionsChanged() }
                }
            } catch is SpaceVersionsChanged {
                continue
            }
        }
        throw LatentError(.spacesKeptChanging(spaces: spaces.map(\.description), attempts: Self.stableVersionAttempts))
    }
}

/// Internal signal of `withStableVersions` to restart; never reaches a user.
struct SpaceVersionsChanged: Error {}
