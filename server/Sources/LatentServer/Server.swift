import EmbeddingCodec
import Foundation
import HTTPTypes
import Hummingbird
import LatentDB
import Logging
import NIOCore

/// How `latentdb serve` runs: the store, where it listens, who may ask, and what it may hold.
public struct ServerOptions: Sendable {
    public var db: String
    public var host = "127.0.0.1"
    public var port = 8765
    public var token: String?
    /// Bytes of decoded spaces held in memory (least recently used out first).
    public var memory = 2 << 30
    /// The largest request body accepted (413 beyond).
    public var maxBody = 64 << 20
    /// How long a request may run before it is answered 503 (E0326) and its work abandoned.
    public var requestTimeout: Duration = .seconds(60)

    public init(db: String) { self.db = db }

    static let loopback: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]
    var isLoopback: Bool { Self.loopback.contains(host) || host.hasPrefix("127.") }
}

/// The HTTP API over one store (schema/openapi.yaml): each route runs the façade call the CLI
/// command of the same name runs, and answers with that command's `--json` shape.
public struct LatentServer: Sendable {
    public let options: ServerOptions
    let store: LatentStore
    let hot: HotSpaces

    public init(options: ServerOptions) throws {
        guard options.token != nil || options.isLoopback else { throw LatentError(.serveNeedsToken(host: options.host)) }
        self.options = options
        hot = HotSpaces(budget: options.memory)
        store = try LatentStore(path: options.db, hot: hot)
    }

    public func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessLog(logger: logger))
        router.add(middleware: ErrorBody())
        router.add(middleware: BearerToken(token: options.token))
        router.add(middleware: RequestTimeout(limit: options.requestTimeout))
        let environment = RouteEnvironment(store: store, maxBody: options.maxBody)
        for route in Self.routes {
            router.on(RouterPath(route.path), method: route.method) { request, context in try await route.answer(request, context, environment) }
        }
        return Application(router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: "latentdb"),
                           logger: logger)
    }

    /// Every route the server has, as schema/openapi.yaml names them: `application` registers
    /// exactly these, and the OpenAPI test reads this list, so the document and the server cannot
    /// drift apart unnoticed.
    public static let routes: [Route] = [
        Route(.get, "/v1/health") { _, _, env in
            try json(Health(status: "ok", version: LatentStore.libraryVersion, store: env.store.path, schema: env.store.schemaVersion))
        },
        Route(.get, "/v1/spaces") { _, _, env in try json(try await offload { try env.store.spaces() }) },
        Route(.get, "/v1/spaces/{model}/{dataset}") { _, context, env in
            let name = try spaceName(model: context.parameters.require("model"), dataset: context.parameters.require("dataset"))
            return try json(try await offload { try env.store.describe(name) })
        },
        Route(.get, "/v1/translators") { _, _, env in try json(try await offload { try env.store.translators() }) },
        Route(.post, "/v1/knn") { request, _, env in
            let (body, from, to, choice, input) = try await query(request, maxBody: env.maxBody)
            let metric = try body.metric.map { name in
                guard let m = Metric(rawValue: name) else { throw BadRequest(diagnostic: .requestFieldValue("metric", found: name, expected: Metric.allCases.map(\.rawValue))) }
                return m
            } ?? .cosine
            let search = try body.search
            return try json(try await offload {
                try env.store.knn(from: from, to: to, choice: choice, input: input, k: body.k ?? 10, metric: metric, csls: body.csls ?? false,
                                  search: search)
            })
        },
        Route(.post, "/v1/classify") { request, _, env in
            let (body, from, to, choice, input) = try await query(request, maxBody: env.maxBody)
            let decoder = try body.decoder.map { name in
                guard let d = DecoderKind(rawValue: name) else { throw BadRequest(diagnostic: .requestFieldValue("decoder", found: name, expected: DecoderKind.allCases.map(\.rawValue))) }
                return d
            } ?? .knn
            return try json(try await offload { try env.store.classify(from: from, to: to, choice: choice, input: input, decoder: decoder) })
        },
        Route(.post, "/v1/translate") { request, _, env in
            let (_, from, to, choice, input) = try await query(request, maxBody: env.maxBody)
            let (summary, rows) = try await offload { try env.store.translated(from: from, to: to, choice: choice, input: input) }
            if request.headers[.accept]?.contains("application/x-npy") == true {
                var buffer = ByteBuffer()
                buffer.writeBytes(NPY.encode(rows))
                return Response(status: .ok, headers: [.contentType: "application/x-npy", translatorHeader: summary.translator ?? ""],
                                body: .init(byteBuffer: buffer))
            }
            return try json(TranslateAnswer(summary: summary, vectors: (0..<rows.rows).map { Array(rows.row($0)) }))
        },
        Route(.post, "/v1/fit") { request, _, env in
            let (body, _) = try await decode(request, maxBody: env.maxBody)
            let from = try body.space("from", body.from), to = try body.space("to", body.to)
            guard let anchors = body.anchors else { throw BadRequest(diagnostic: .requestFieldMissing("anchors")) }
            let fit = FitRequest(from: from, to: to, anchors: anchors, spec: try body.spec, refit: body.refit ?? false)
            return try json(try await offload { try env.store.fit(fit).summary })
        },
    ]
}

/// What a route's answer may use: the store, and the body limit.
public struct RouteEnvironment: Sendable {
    let store: LatentStore
    let maxBody: Int
}

/// One route: its method and path pattern (`{name}` for a path parameter, as in OpenAPI) and the
/// function that answers it.
public struct Route: Sendable {
    public let method: HTTPRequest.Method
    public let path: String
    let answer: @Sendable (Request, BasicRequestContext, RouteEnvironment) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String,
         answer: @escaping @Sendable (Request, BasicRequestContext, RouteEnvironment) async throws -> Response) {
        (self.method, self.path, self.answer) = (method, path, answer)
    }
}

let translatorHeader = HTTPField.Name("X-LatentDB-Translator")!

struct Health: Codable {
    let status: String, version: String, store: String, schema: Int
}

/// `translate`'s JSON answer: the CLI's summary, with the rows instead of an output file.
struct TranslateAnswer: Encodable {
    let summary: TranslateSummary
    let vectors: [[Float]]

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(vectors, forKey: .vectors)
    }

    enum Key: String, CodingKey { case vectors }
}

func spaceName(model: String, dataset: String) throws -> SpaceName {
    do { return try SpaceName(model: model, dataset: dataset) } catch { throw BadRequest(diagnostic: error.diagnostic) }
}

/// The façade is synchronous and CPU-bound (BLAS): it runs off NIO's event loops, so that one
/// long query never stalls the connections of others. Within a request (`RequestTimeout`), the
/// wait ends at the request's deadline with E0326: the work itself cannot be interrupted (BLAS,
/// SQLite), so it finishes on its thread and its result is dropped.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let deadline = RequestDeadline.current
    return try await withCheckedThrowingContinuation { continuation in
        let once = ResumeOnce(continuation)
        DispatchQueue.global().async { once.resume(with: Result(catching: work)) }
        if let deadline {
            let remaining = ContinuousClock.now.duration(to: deadline.instant)
            let nanoseconds = max(0, remaining.components.seconds * 1_000_000_000 + remaining.components.attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
                once.resume(with: .failure(LatentError(.requestTimedOut(method: deadline.method, path: deadline.path, seconds: deadline.seconds))))
            }
        }
    }
}

/// A continuation that the first of two racers resumes (the work, or the deadline).
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private var continuation: CheckedContinuation<T, any Error>?
    private let lock = NSLock()

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = continuation }

    func resume(with result: Result<T, any Error>) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(with: result)
    }
}

/// The JSON encoding the CLI's `--json` uses (sorted keys, so answers compare byte for byte).
func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    var buffer = ByteBuffer()
    buffer.writeBytes(data)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
}

/// A query route's request: its body, both spaces, how to translate, and the queries.
func query(_ request: Request, maxBody: Int) async throws -> (QueryRequest, SpaceName, SpaceName, TranslatorChoice, QueryInput) {
    let (body, npy) = try await decode(request, maxBody: maxBody)
    let from = try body.space("from", body.from), to = try body.space("to", body.to)
    return (body, from, to, try body.choice(from: from, to: to), try body.input(npy: npy))
}

/// A request body: JSON, or for vectors an `application/x-npy` body with the other fields as
/// query parameters.
func decode(_ request: Request, maxBody: Int) async throws -> (QueryRequest, Matrix<Float>?) {
    if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBody {
        throw BadRequest(diagnostic: .requestTooLarge(limit: maxBody))
    }
    let buffer: ByteBuffer
    do { buffer = try await request.body.collect(upTo: maxBody) } catch { throw BadRequest(diagnostic: .requestTooLarge(limit: maxBody)) }
    let bytes = [UInt8](buffer.readableBytesView)
    if request.headers[.contentType]?.hasPrefix("application/x-npy") == true {
        let rows: Matrix<Float>
        do { rows = try NPY.readMatrix(bytes: bytes, path: "request body").matrix } catch { throw BadRequest(diagnostic: LatentError.classify(error).diagnostic) }
        let query = request.uri.queryParameters
        func text(_ name: String) -> String? { query[Substring(name)].map(String.init) }
        var body = QueryRequest()
        (body.from, body.to, body.anchors, body.translator) = (text("from"), text("to"), text("anchors"), text("translator"))
        (body.method, body.scaling, body.via_hub, body.metric, body.decoder) = (text("method"), text("scaling"), text("via_hub"), text("metric"), text("decoder"))
        body.k = text("k").flatMap(Int.init)
        body.csls = text("csls").map { $0 == "true" || $0 == "1" }
        body.exact = text("exact").map { $0 == "true" || $0 == "1" }
        body.nprobe = text("nprobe").flatMap(Int.init)
        body.via = text("via").map { $0.split(separator: ",").map(String.init) }
        return (body, rows)
    }
    do {
        return (try JSONDecoder().decode(QueryRequest.self, from: Data(bytes)), nil)
    } catch let error as DecodingError {
        throw BadRequest(diagnostic: .requestJSON(describe(error)))
    } catch {
        throw BadRequest(diagnostic: .requestJSON("\(error)"))
    }
}

/// A decoding error as one line: where in the body, and what was wrong.
func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "the body" : "field '\(keys.joined(separator: "."))'"
    }
    switch error {
    case let .typeMismatch(type, context): return "\(path(context)): expected \(jsonType(type))"
    case let .valueNotFound(type, context): return "\(path(context)): expected \(jsonType(type)), found null"
    case let .keyNotFound(key, context): return "\(path(context)): missing '\(key.stringValue)'"
    case let .dataCorrupted(context): return "\(path(context)): \(context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription)"
    @unknown default: return "\(error)"
    }
}

func jsonType(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type: "an integer"
    case is Float.Type, is Double.Type: "a number"
    case is Bool.Type: "true or false"
    default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
    }
}
