import LatentCore

/// `latentdb serve`: the CLI's checks through the real binary; the request errors are answered by
/// the server (server/Tests/LatentServerTests drives each through a live server on loopback),
/// and are built here so that the catalogue's own suite covers their wording.
extension ErrorCase {
    static let serving: [ErrorCase] = [
        cli(.sizeOption, ["--memory", "'lots'", "GiB"], base: false) { _ in ["serve", "--memory", "lots"] },
        cli(.timeoutOption, ["--request-timeout", "'0'"], base: false) { _ in ["serve", "--request-timeout", "0"] },
        cli(.portOption, ["--port", "65535", "got 0"], base: false) { _ in ["serve", "--port", "0"] },
        cli(.serveNeedsToken, ["0.0.0.0", "--token-file"], base: false) { _ in ["serve", "--host", "0.0.0.0"] },
        cli(.tokenFile, ["token file", "cannot be read"], base: false) { cli in ["serve", "--token-file", cli.path("missing")] },
        cli(.serverNotFound, ["latentdb-server not found", "--package-path server"], base: false,
            environment: ["LATENTDB_SERVER": "/nonexistent/latentdb-server"]) { _ in ["serve"] },
        built(.requestJSON, ["not the JSON", "field 'k': expected an integer"]) { .requestJSON("field 'k': expected an integer") },
        built(.requestFieldMissing, ["request needs from"]) { .requestFieldMissing("from") },
        built(.requestFieldValue, ["'metric' is 'manhattan'", "cosine"]) { .requestFieldValue("metric", found: "manhattan", expected: ["cosine", "ip", "l2"]) },
        built(.requestFieldsConflict, ["keys, vectors", "give one"]) { .requestFieldsConflict(["keys", "vectors"]) },
        built(.requestRaggedVectors, ["row 2 has 3 values", "row 0 has 4"]) { .requestRaggedVectors(row: 2, found: 3, expected: 4) },
        built(.unauthorized, ["wrong token", "Authorization: Bearer"]) { .unauthorized("wrong token") },
        built(.requestTooLarge, ["limit of 1024 bytes", "application/x-npy"]) { .requestTooLarge(limit: 1024) },
        built(.unknownRoute, ["no route GET /v2", "/v1"]) { .unknownRoute(method: "GET", path: "/v2") },
        built(.requestTimedOut, ["POST /v1/knn", "--request-timeout of 0.5 s"]) { .requestTimedOut(method: "POST", path: "/v1/knn", seconds: 0.5) },
    ]
}
