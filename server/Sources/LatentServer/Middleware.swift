import Foundation
import HTTPTypes
import Hummingbird
import LatentDB
import Logging

/// One log line per request: method, path, status, milliseconds.
struct AccessLog<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func line(_ status: Int) {
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
            logger.info("\(request.method) \(request.uri.path) \(status) \(String(format: "%.1f", ms)) ms")
        }
        do {
            let response = try await next(request, context)
            line(response.status.code)
            return response
        } catch {
            line((error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
    }
}

/// Every failure as `{"error": {"code", "message"}}` with the status its kind calls for: the
/// catalogue's codes, as the CLI prints them.
struct ErrorBody<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let bad as BadRequest {
            return try errorResponse(bad.diagnostic)
        } catch let http as HTTPError where http.status == .notFound {
            return try errorResponse(.unknownRoute(method: request.method.rawValue, path: request.uri.path))
        } catch let http as HTTPError where http.status == .contentTooLarge {
            return try errorResponse(.requestTooLarge(limit: 0))
        } catch {
            return try errorResponse(LatentError.classify(error).diagnostic)
        }
    }
}

struct ErrorAnswer: Encodable {
    struct Detail: Encodable { let code: String, message: String, exit: Int32 }
    let error: Detail
}

/// The HTTP status of a catalogued failure: what does not exist 404, a query a concurrent
/// writer kept invalidating 409, other bad input and bad requests 400, the store itself 500.
func httpStatus(_ code: ErrorCode) -> HTTPResponse.Status {
    switch code {
    case .unauthorized: return .unauthorized
    case .requestTooLarge: return .contentTooLarge
    case .unknownRoute, .unknownSpace, .unknownAnchorSet, .unknownTranslator, .unknownHub, .unknownKeys: return .notFound
    case .spacesKeptChanging: return .conflict
    case .requestTimedOut: return .serviceUnavailable
    default: return code.exitStatus == .store ? .internalServerError : .badRequest
    }
}

func errorResponse(_ diagnostic: Diagnostic) throws -> Response {
    try json(ErrorAnswer(error: .init(code: diagnostic.code.rawValue, message: diagnostic.message, exit: diagnostic.code.exitStatus.rawValue)),
             status: httpStatus(diagnostic.code))
}

/// With a token, every route but health needs `Authorization: Bearer TOKEN`, compared in
/// constant time (no early exit on the first differing byte).
struct BearerToken<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, request.uri.path != "/v1/health" else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else { return try errorResponse(.unauthorized("no Authorization header")) }
        guard header.hasPrefix("Bearer "), constantTimeEqual(Array(header.dropFirst(7).utf8), Array(token.utf8)) else {
            return try errorResponse(.unauthorized("wrong token"))
        }
        return try await next(request, context)
    }
}

func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for i in 0..<max(a.count, b.count) { difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
    return difference == 0
}

/// The deadline of the request being answered: `offload` stops waiting for the façade there.
struct RequestDeadline: Sendable {
    let instant: ContinuousClock.Instant
    let seconds: Double
    let method: String
    let path: String

    @TaskLocal static var current: RequestDeadline?
}

/// Every request gets `limit` from its arrival (`--request-timeout`); past it, the answer is
/// 503 with E0326 and the server goes on serving others.
struct RequestTimeout<Context: RequestContext>: RouterMiddleware {
    let limit: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        let deadline = RequestDeadline(instant: .now + limit, seconds: seconds, method: request.method.rawValue, path: request.uri.path)
        return try await RequestDeadline.$current.withValue(deadline) { try await next(request, context) }
    }
}
