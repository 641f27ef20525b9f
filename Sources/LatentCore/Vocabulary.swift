/// A stable string identifying one item of a dataset (by default its row number as text).
public typealias ItemKey = String

/// How two vectors are compared. Higher scores are always better: L2 is reported as the
/// negated squared distance so that every metric sorts the same way.
public enum Metric: String, CaseIterable, Sendable, Codable {
    case cosine
    case innerProduct = "ip"
    case l2
}

/// The name of a space: `MODEL/DATASET`, e.g. `minilm/fortunes`.
public struct SpaceName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let model: String
    public let dataset: String

    public init(model: String, dataset: String) throws(NameError) {
        try Self.validate(component: model, kind: "model")
        try Self.validate(component: dataset, kind: "dataset")
        self.model = model
        self.dataset = dataset
    }

    /// Parses `MODEL/DATASET`.
    public init(parsing text: String) throws(NameError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw NameError(.spaceNameSlashes(text, slashes: parts.count - 1))
        }
        try self.init(model: String(parts[0]), dataset: String(parts[1]))
    }

    public var description: String { "\(model)/\(dataset)" }

    public static func < (a: SpaceName, b: SpaceName) -> Bool { a.description < b.description }

    /// Names are used in file names and shell commands: keep them to a safe alphabet.
    public static func validate(component: String, kind: String) throws(NameError) {
        guard !component.isEmpty else { throw NameError(.nameEmpty(kind: kind)) }
        guard component.count <= 128 else { throw NameError(.nameTooLong(kind: kind, name: component)) }
        let allowed = component.unicodeScalars.allSatisfy {
            ($0.value < 128) && ($0.properties.isAlphabetic || $0.properties.numericType != nil || "-_.+@".unicodeScalars.contains($0))
        }
        guard allowed else {
            throw NameError(.nameCharacters(kind: kind, name: component))
        }
    }
}

/// A name that does not follow the naming rules.
public struct NameError: Error, CustomStringConvertible, Sendable {
    public let diagnostic: Diagnostic
    public init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
    public var message: String { diagnostic.message }
    public var description: String { message }
}
