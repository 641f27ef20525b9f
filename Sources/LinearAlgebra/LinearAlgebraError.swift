public import LatentCore

/// A LAPACK routine reported a numerical failure (`info > 0`).
///
/// Argument errors (`info < 0`) are bugs in this module and stop the program instead.
public struct LinearAlgebraError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The SVD (or the SVD inside least squares) did not converge.
        case noConvergence
        /// The matrix is exactly singular (`dgesv`: a zero pivot).
        case singular
    }

    public let kind: Kind
    /// The LAPACK routine that failed, e.g. `dgesdd`.
    public let routine: String
    /// LAPACK's `info` output (always > 0 here).
    public let info: Int

    public init(kind: Kind, routine: String, info: Int) {
        self.kind = kind
        self.routine = routine
        self.info = info
    }

    /// The catalogue entry (`LatentCore/Diagnostics.swift`): code and message.
    public var diagnostic: Diagnostic {
        switch kind {
        case .noConvergence: return .noConvergence(routine: routine, info: info)
        case .singular: return .singular(routine: routine, info: info)
        }
    }

    public var description: String { diagnostic.message }
}

/// Turns LAPACK's `info` into the module's contract: `< 0` is our bug, `> 0` a thrown error.
@inline(__always)
func check(_ info: Int32, _ routine: String, _ kind: LinearAlgebraError.Kind) throws(LinearAlgebraError) {
    precondition(info >= 0, "\(routine): illegal value in argument \(-info) (a LinearAlgebra bug)")
    if info > 0 { throw LinearAlgebraError(kind: kind, routine: routine, info: Int(info)) }
}
