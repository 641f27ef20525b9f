import Alignment
import EmbeddingCodec
public import LatentCore
import NeighborSearch
import Storage
import Translation
import LinearAlgebra

/// A failure a command reports: one line for the user and the exit code that goes with it.
///
/// Exit codes (README): 0 success, 1 bad input or data, 2 usage, 3 store or I/O failure. Each
/// catalogue code (`LatentCore/Diagnostics.swift`) has one of them.
public struct LatentError: Error, CustomStringConvertible, Sendable {
    public typealias Category = ExitStatus

    public let diagnostic: Diagnostic

    public init(_ diagnostic: Diagnostic) {
        self.diagnostic = diagnostic
    }

    public var code: ErrorCode { diagnostic.code }
    public var category: Category { diagnostic.code.exitStatus }
    public var message: String { diagnostic.message }
    public var description: String { message }

    /// Classifies any error the library can throw.
    public static func classify(_ error: any Error) -> LatentError {
        LatentError(diagnostic(of: error) ?? .unexpected("\(error)"))
    }

    /// The catalogue entry of an error of this library, or `nil` for another's (the argument
    /// parser's, Foundation's).
    public static func diagnostic(of error: any Error) -> Diagnostic? {
        switch error {
        case let e as LatentError: return e.diagnostic
        case let e as StorageError: return e.diagnostic
        case let e as CodecError: return e.located
        case let e as NameError: return e.diagnostic
        case let e as TranslationError: return e.diagnostic
        case let e as NeighborSearchError: return e.diagnostic
        case let e as AlignmentError: return e.diagnostic
        case let e as LinearAlgebraError: return e.diagnostic
        default: return nil
        }
    }
}
