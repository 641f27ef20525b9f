// swift-tools-version:6.1
// LatentDB's in-process benchmarks. A package of its own, so that `swift build` of the product
// compiles none of them; run with `swift run -c release --package-path tools/bench NAME` (see
// tools/README.md).
import PackageDescription

let package = Package(
    name: "LatentDBBench",
    dependencies: [
        .package(name: "LatentDB", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "codec-bench", dependencies: [.product(name: "EmbeddingCodec", package: "LatentDB"), .product(name: "LatentCore", package: "LatentDB")]),
        .executableTarget(name: "fit-bench", dependencies: [
            .product(name: "LatentCore", package: "LatentDB"), .product(name: "LinearAlgebra", package: "LatentDB"),
            .product(name: "Translation", package: "LatentDB")]),
        .executableTarget(name: "alignment-bench", dependencies: [
            .product(name: "Alignment", package: "LatentDB"), .product(name: "EmbeddingCodec", package: "LatentDB"),
            .product(name: "NeighborSearch", package: "LatentDB"), .product(name: "LatentCore", package: "LatentDB"),
            .product(name: "Translation", package: "LatentDB")], exclude: ["README.md"]),
        .executableTarget(name: "read-bench", dependencies: [.product(name: "LatentDB", package: "LatentDB")]),
        .executableTarget(name: "knn-bench", dependencies: [
            .product(name: "NeighborSearch", package: "LatentDB"), .product(name: "LatentCore", package: "LatentDB"),
            .product(name: "LinearAlgebra", package: "LatentDB")]),
        .executableTarget(name: "index-bench", dependencies: [
            .product(name: "LatentDB", package: "LatentDB"), .product(name: "EmbeddingCodec", package: "LatentDB"),
            .product(name: "NeighborSearch", package: "LatentDB"), .product(name: "LatentCore", package: "LatentDB"),
            .product(name: "LinearAlgebra", package: "LatentDB")]),
    ]
)
