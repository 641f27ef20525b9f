public import LatentCore

/// A block or `.npy` file that cannot be read or written, with the context a user needs:
/// the file (or "block"), what was expected and what was found.
///
/// A public struct over a catalogue entry (rather than a public enum) so that new failure
/// kinds can be added without breaking callers; the wording lives in `LatentCore/Diagnostics.swift`.
public struct CodecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file path, or `nil` for an in-memory block.
    public let path: String?
    /// What went wrong, without the file, e.g. "expected 1536 bytes of data, found 1000".
    public let diagnostic: Diagnostic

    public init(path: String? = nil, _ diagnostic: Diagnostic) {
        self.path = path
        self.diagnostic = diagnostic
    }

    public var code: ErrorCode { diagnostic.code }
    public var reason: String { diagnostic.message }

    /// The diagnostic said of its file (or of "block").
    public var located: Diagnostic { diagnostic.located(in: path ?? "block") }

    public var description: String { located.message }
}
