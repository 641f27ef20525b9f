import GRDB

/// A failure of the store: what went wrong, with the space, block or file it concerns.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The caller asked for something that is not there or cannot be (bad input: exit 1).
        case notFound, alreadyExists, invalid
        /// The store itself failed: not a store, too new, corrupt, full, locked, I/O (exit 3).
        case notAStore, newerFormat, corrupt, full, busy, io
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Translates a GRDB/SQLite failure into a message that names the store file.
    static func wrapping(_ error: any Error, path: String) -> StorageError {
        if let e = error as? StorageError { return e }
        guard let db = error as? DatabaseError else {
            return StorageError(.io, "store \(path): \(error)")
        }
        let detail = db.message ?? "\(db.resultCode)"
        switch db.resultCode {
        case .SQLITE_NOTADB:
            return StorageError(.notAStore, "\(path) is not a LatentDB store (not an SQLite database)")
        case .SQLITE_CORRUPT:
            return StorageError(.corrupt, "store \(path) is corrupt: \(detail) (run `latentdb check`)")
        case .SQLITE_FULL:
            // SQLite says "database or disk is full" both for a full file system and for the
            // store reaching its size limit (max_page_count); the transaction was rolled back.
            return StorageError(.full, "store \(path) is full (the disk has no room left or the store reached its size limit); the command was rolled back and nothing was written")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StorageError(.busy, "store \(path) is busy (another writer held it too long): \(detail)")
        case .SQLITE_CONSTRAINT:
            return StorageError(.invalid, "store \(path): constraint failed: \(detail)")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_PERM:
            return StorageError(.io, "store \(path): \(detail)")
        default:
            return StorageError(.io, "store \(path): \(detail)")
        }
    }
}
