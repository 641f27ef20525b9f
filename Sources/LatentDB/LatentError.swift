import Alignment
import EmbeddingCodec
import LatentCore
import NeighborSearch
import Storage
import Translation
import LinearAlgebra

/// A failure a command reports: one line for the user and the exit code that goes with it.
///
/// Exit codes (README): 0 success, 1 bad input or data, 2 usage, 3 store or I/O failure.
public struct LatentError: Error, CustomStringConvertible, Sendable {
    public enum Category: Int32, Sendable {
        case badInput = 1, usage = 2, store = 3
    }
    public let category: Category
    public let message: String

    public init(_ category: Category, _ message: String) {
        self.category = category
        self.message = message
    }

    public var description: String { message }

    /// Classifies any error the library can throw.
    public static func classify(_ error: any Error) -> LatentError {
        switch error {
        case let e as LatentError:
            return e
        case let e as StorageError:
            switch e.kind {
            case .notFound, .alreadyExists, .invalid: return LatentError(.badInput, e.message)
            case .notAStore, .newerFormat, .corrupt, .full, .busy, .io: return LatentError(.store, e.message)
            }
        case let e as CodecError:
            return LatentError(.badInput, e.description)
        case let e as NameError:
            return LatentError(.usage, e.message)
        case let e as TranslationError:
            return LatentError(.badInput, e.description)
        case let e as NeighborSearchError:
            return LatentError(.badInput, e.description)
        case let e as AlignmentError:
            return LatentError(.badInput, e.description)
        case let e as LinearAlgebraError:
            return LatentError(.badInput, "\(e)")
        default:
            return LatentError(.store, "\(error)")
        }
    }
}
