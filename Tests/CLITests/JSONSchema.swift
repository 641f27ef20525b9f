import Foundation

/// A parsed JSON value that keeps what JSONSerialization blurs on Linux: booleans apart from
/// numbers, integers apart from other numbers.
indirect enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    static func parse(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    subscript(key: String) -> JSONValue? { if case let .object(o) = self { o[key] } else { nil } }
}

/// The subset of JSON Schema (2020-12) that `schema/json/` uses: `type` (a name or a list),
/// `enum`, `properties`, `required`, `additionalProperties` (false or a schema), `items`, and
/// `$ref` to `#/$defs/NAME` in the same file or `FILE#/$defs/NAME` beside it. Annotations
/// (`title`, `description`, `$id`, `$schema`) are ignored; any other keyword is refused, so a
/// schema cannot quietly rely on something this validator does not check.
struct JSONSchemaValidator {
    let directory: URL
    private var documents: [String: JSONValue] = [:]

    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$defs"]
    static let keywords: Set<String> = ["type", "enum", "properties", "required", "additionalProperties", "items", "$ref"]

    init(directory: URL) { self.directory = directory }

    mutating func document(_ file: String) throws -> JSONValue {
        if let loaded = documents[file] { return loaded }
        let loaded = try JSONValue.parse(try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8))
        documents[file] = loaded
        return loaded
    }

    /// Every violation of `file`'s schema by `value`, each with its JSON path.
    mutating func violations(of value: JSONValue, against file: String) throws -> [String] {
        var found: [String] = []
        try check(value, try document(file), file: file, path: "$", into: &found)
        return found
    }

    private mutating func resolve(_ reference: String, from file: String) throws -> (JSONValue, String) {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let target = parts[0].isEmpty ? file : parts[0]
        var node = try document(target)
        if parts.count == 2 {
            for component in parts[1].split(separator: "/") {
                guard let next = node[String(component)] else { throw SchemaError("unresolved $ref \(reference) in \(file)") }
                node = next
            }
        }
        return (node, target)
    }

    private mutating func check(_ value: JSONValue, _ schema: JSONValue, file: String, path: String, into found: inout [String]) throws {
        guard case let .object(rules) = schema else { throw SchemaError("\(file): a schema at \(path) is not an object") }
        for key in rules.keys where !Self.keywords.contains(key) && !Self.annotations.contains(key) {
            throw SchemaError("\(file): keyword '\(key)' is outside the validated subset")
        }
        if case let .string(reference)? = rules["$ref"] {
            let (target, targetFile) = try resolve(reference, from: file)
            try check(value, target, file: targetFile, path: path, into: &found)
        }
        if let type = rules["type"] {
            let allowed: [String]
            switch type {
            case let .string(name): allowed = [name]
            case let .array(names): allowed = names.compactMap { if case let .string(n) = $0 { n } else { nil } }
            default: throw SchemaError("\(file): bad type at \(path)")
            }
            let actual = value.typeName
            if !(allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))) {
                found.append("\(path): expected \(allowed.joined(separator: " or ")), found \(actual)")
                return
            }
        }
        if case let .array(options)? = rules["enum"], !options.contains(value) {
            found.append("\(path): \(value) is not one of \(options)")
        }
        if case let .object(members) = value {
            let properties: [String: JSONValue] = if case let .object(p)? = rules["properties"] { p } else { [:] }
            if case let .array(required)? = rules["required"] {
                for case let .string(name) in required where members[name] == nil { found.append("\(path): missing required '\(name)'") }
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] {
                    try check(member, property, file: file, path: "\(path).\(name)", into: &found)
                } else if let extra = rules["additionalProperties"] {
                    if case .bool(false) = extra { found.append("\(path): unexpected property '\(name)'") }
                    else if case .object = extra { try check(member, extra, file: file, path: "\(path).\(name)", into: &found) }
                }
            }
        }
        if case let .array(elements) = value, let items = rules["items"] {
            for (i, element) in elements.enumerated() { try check(element, items, file: file, path: "\(path)[\(i)]", into: &found) }
        }
    }
}

struct SchemaError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
