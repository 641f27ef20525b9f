// swift-tools-version:6.2
// `latentdb serve`: an HTTP API over the LatentDB façade. A package of its own, so that the CLI
// (and ./demo.sh) never build Hummingbird and SwiftNIO; `latentdb serve` runs the
// `latentdb-server` executable this package builds.
import PackageDescription

let package = Package(
    name: "LatentDBServer",
    products: [
        .executable(name: "latentdb-server", targets: ["latentdb-server"]),
    ],
    dependencies: [
        .package(name: "LatentDB", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        // Tests only: reads schema/openapi.yaml. Cheaper than keeping a JSON copy in step with it
        // (that would need a YAML parser to check anyway), and the server product never builds it.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        .target(name: "LatentServer", dependencies: [
            .product(name: "LatentDB", package: "LatentDB"),
            .product(name: "EmbeddingCodec", package: "LatentDB"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .executableTarget(name: "latentdb-server", dependencies: ["LatentServer"]),
        .testTarget(name: "LatentServerTests", dependencies: [
            "LatentServer", .product(name: "LatentDB", package: "LatentDB"), .product(name: "Yams", package: "Yams"),
        ]),
    ]
)
