/// A block or `.npy` file that cannot be read or written, with the context a user needs:
/// the file (or "block"), what was expected and what was found.
///
/// A public struct over a message (rather than a public enum) so that new failure kinds
/// can be added without breaking callers.
public struct CodecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file path, or `nil` for an in-memory block.
    public let path: String?
    /// What went wrong, e.g. "expected 1536 bytes of data, found 1000".
    public let reason: String

    public init(path: String? = nil, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        if let path { return "\(path): \(reason)" }
        return "block: \(reason)"
    }
}
