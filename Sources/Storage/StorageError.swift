import GRDB
import LatentCore

/// A failure of the store: what went wrong, with the space, block or file it concerns.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The caller asked for something that is not there or cannot be (bad input: exit 1).
        case notFound, alreadyExists, invalid
        /// The store itself failed: not a store, too new, corrupt, full, locked, I/O (exit 3).
        case notAStore, newerFormat, corrupt, full, busy, io
    }
    public let kind: Kind
    /// The catalogue entry (`LatentCore/Diagnostics.swift`): code and message.
    public let diagnostic: Diagnostic

    public init(_ kind: Kind, _ diagnostic: Diagnostic) {
        self.kind = kind
        self.diagnostic = diagnostic
    }

    public var message: String { diagnostic.message }
    public var description: String { message }

    /// Translates a GRDB/SQLite failure into a message that names the store file.
    static func wrapping(_ error: any Error, path: String) -> StorageError {
        if let e = error as? StorageError { return e }
        guard let db = error as? DatabaseError else {
            return StorageError(.io, .storeIO(path: path, detail: "\(error)"))
        }
        let detail = db.message ?? "\(db.resultCode)"
        switch db.resultCode {
        case .SQLITE_NOTADB:
            return StorageError(.notAStore, .notAStore(path: path))
        case .SQLITE_CORRUPT:
            return StorageError(.corrupt, .storeCorrupt(path: path, detail: detail))
        case .SQLITE_FULL:
            return StorageError(.full, .storeFull(path: path))
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StorageError(.busy, .storeBusy(path: path, detail: detail))
        case .SQLITE_CONSTRAINT:
            return StorageError(.invalid, .storeConstraint(path: path, detail: detail))
        default:
            // READONLY, CANTOPEN, IOERR, PERM and the rest.
            return StorageError(.io, .storeIO(path: path, detail: detail))
        }
    }
}
