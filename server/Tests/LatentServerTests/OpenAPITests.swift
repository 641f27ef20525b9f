import Foundation
import LatentServer
import Testing
import Yams

/// schema/openapi.yaml, read as plain values (mappings as `[String: Any]`).
struct OpenAPIDocument {
    static let directory = LiveServer.repositoryRoot.appendingPathComponent("schema")
    let root: [String: Any]

    init() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        root = try #require(plain(try Yams.load(yaml: text)) as? [String: Any], "openapi.yaml is not a mapping")
    }

    struct Operation {
        let method: String, path: String, body: [String: Any]
        let parameters: [[String: Any]]
        let responses: [String: Any]
        var name: String { "\(method) \(path)" }
    }

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    var operations: [Operation] {
        let paths = root["paths"] as? [String: Any] ?? [:]
        return paths.keys.sorted().flatMap { path -> [Operation] in
            let item = paths[path] as? [String: Any] ?? [:]
            return Self.methods.compactMap { method in
                guard let op = item[method] as? [String: Any] else { return nil }
                let requestBody = op["requestBody"] as? [String: Any]
                return Operation(method: method.uppercased(), path: path, body: requestBody?["content"] as? [String: Any] ?? [:],
                                 parameters: (op["parameters"] as? [Any] ?? []).compactMap { resolve($0) as? [String: Any] },
                                 responses: op["responses"] as? [String: Any] ?? [:])
            }
        }
    }

    /// `value` with a local `$ref` (`#/components/…`) replaced by what it names, or a file
    /// `$ref` (`json/knn.schema.json`) by that file's JSON.
    func resolve(_ value: Any) -> Any? {
        guard let object = value as? [String: Any], let ref = object["$ref"] as? String else { return value }
        if ref.hasPrefix("#/") {
            var node: Any? = root
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            return node.flatMap(resolve)
        }
        guard let data = try? Data(contentsOf: Self.directory.appendingPathComponent(ref)) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }
}

/// YAML's values as JSONSerialization's: string-keyed dictionaries, arrays, strings, numbers.
func plain(_ value: Any?) -> Any? {
    switch value {
    case let mapping as [AnyHashable: Any]:
        var out: [String: Any] = [:]
        for (key, item) in mapping { out["\(key.base)"] = plain(item) }
        return out
    case let sequence as [Any]: return sequence.map { plain($0) ?? NSNull() }
    case nil: return nil
    default: return value
    }
}

@Suite(.serialized) struct OpenAPITests {
    /// One source of truth: the routes the server registers (`LatentServer.routes`) are exactly
    /// the operations of the document.
    @Test func everyRouteIsDocumentedAndEveryDocumentedPathIsServed() throws {
        let document = try OpenAPIDocument()
        #expect(document.root["openapi"] as? String == "3.1.0")
        let served = LatentServer.routes.map { "\($0.method.rawValue) \($0.path)" }
        let documented = document.operations.map(\.name)
        #expect(Set(served).count == served.count, "a route registered twice: \(served)")
        #expect(served.count == 8, "the server's routes: \(served)")
        for route in served { #expect(documented.contains(route), "\(route) is served but not in schema/openapi.yaml") }
        for operation in documented { #expect(served.contains(operation), "\(operation) is in schema/openapi.yaml but not served") }
        // Every operation documents the error body, and every non-health one the 401 of a token.
        for operation in document.operations {
            #expect(operation.responses["200"] != nil, "\(operation.name): no 200 answer")
            #expect(operation.responses["500"] != nil, "\(operation.name): no 500 answer")
            if operation.path != "/v1/health" { #expect(operation.responses["401"] != nil, "\(operation.name): no 401 answer") }
            if operation.method == "POST" {
                for status in ["400", "404", "409", "413", "503"] { #expect(operation.responses[status] != nil, "\(operation.name): no \(status)") }
            }
        }
    }

    /// Each request example of the document, sent as written to a live server on the bundled
    /// sample: a 2xx answer whose JSON has the fields its documented schema requires.
    @Test func theDocumentsExamplesAreAnswered() throws {
        let server = try LiveServer()
        let document = try OpenAPIDocument()
        var sent = 0
        for operation in document.operations {
            var path = operation.path
            for parameter in operation.parameters where parameter["in"] as? String == "path" {
                let name = try #require(parameter["name"] as? String), example = try #require(parameter["example"], "\(operation.name): no example for {\(name)}")
                path = path.replacingOccurrences(of: "{\(name)}", with: "\(example)")
            }
            var requests: [(String, Data?, String, String)] = []  // (label, body, content type, path)
            if operation.body.isEmpty { requests.append((operation.name, nil, "application/json", path)) }
            for (type, media) in operation.body {
                let media = try #require(media as? [String: Any])
                switch type {
                case "application/json":
                    let example = try #require(media["example"], "\(operation.name): no JSON example")
                    requests.append(("\(operation.name) JSON", try JSONSerialization.data(withJSONObject: example), type, path))
                case "application/x-npy":
                    let examples = try #require(media["examples"] as? [String: Any], "\(operation.name): no .npy example")
                    for (label, example) in examples {
                        let example = try #require(example as? [String: Any])
                        let file = try #require(example["externalValue"] as? String)
                        let body = try Data(contentsOf: OpenAPIDocument.directory.appendingPathComponent(file))
                        let query = (example["x-query"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
                            .map { "\($0.key)=\("\($0.value)".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)" }
                        requests.append(("\(operation.name) .npy \(label)", body, type, path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))))
                    }
                default: Issue.record("\(operation.name): undocumented body type \(type)")
                }
            }
            for (label, body, type, target) in requests {
                let answer = try server.request(operation.method, target, body: body, contentType: type)
                #expect((200..<300).contains(answer.status), "\(label): \(answer.status) \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
                try expectRequiredFields(answer.body, of: operation, in: document, label: label)
                sent += 1
            }
        }
        #expect(sent >= 11, "examples sent: \(sent)")
    }

    /// The answer has every field its 200 schema requires (for an array, every element).
    func expectRequiredFields(_ body: Data, of operation: OpenAPIDocument.Operation, in document: OpenAPIDocument, label: String) throws {
        let ok = try #require(document.resolve(operation.responses["200"] as Any) as? [String: Any])
        guard let media = (ok["content"] as? [String: Any])?["application/json"] as? [String: Any] else { return }
        var schema = try #require(document.resolve(media["schema"] as Any) as? [String: Any], "\(label): 200 schema unresolved")
        if let parts = schema["allOf"] as? [Any] {
            let resolved = parts.compactMap { document.resolve($0) as? [String: Any] }
            schema = ["required": resolved.flatMap { $0["required"] as? [String] ?? [] }]
        }
        let value = try JSONSerialization.jsonObject(with: body)
        let (objects, required): ([Any], [String])
        if schema["type"] as? String == "array" {
            let items = try #require(document.resolve(schema["items"] as Any) as? [String: Any])
            (objects, required) = (value as? [Any] ?? [], items["required"] as? [String] ?? [])
            #expect(!objects.isEmpty, "\(label): an empty list")
        } else {
            (objects, required) = ([value], schema["required"] as? [String] ?? [])
        }
        #expect(!required.isEmpty, "\(label): the schema requires nothing")
        for object in objects {
            let fields = (object as? [String: Any]).map { Set($0.keys) } ?? []
            for field in required { #expect(fields.contains(field), "\(label): no '\(field)' in \(fields.sorted())") }
        }
    }
}
