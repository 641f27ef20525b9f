// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "LatentDB",
    products: [
        .library(name: "LatentDB", targets: ["LatentDB"]),
        .executable(name: "latentdb", targets: ["latentdb"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // C libraries from Debian, each behind a module map (see the shim headers).
        .systemLibrary(name: "CLZ4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        .target(name: "LatentCore"),
        // PENDING .target(name: "LinearAlgebra", dependencies: ["LatentCore", "COpenBLAS"]),
        // PENDING .target(name: "EmbeddingCodec", dependencies: ["LatentCore", "CLZ4"]),
        // PENDING .target(name: "Translation", dependencies: ["LatentCore", "LinearAlgebra"]),
        // PENDING .target(name: "NeighborSearch", dependencies: ["LatentCore", "LinearAlgebra"]),
        .target(
            name: "Storage",
            dependencies: ["LatentCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "LatentDB",
            dependencies: ["LatentCore", "Storage"]),  // PENDING-DEPS "LinearAlgebra", "EmbeddingCodec", "Translation", "NeighborSearch"
        .executableTarget(
            name: "latentdb",
            dependencies: ["LatentDB", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // PENDING .testTarget(name: "LatentCoreTests", dependencies: ["LatentCore"]),
        // PENDING .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        // PENDING .testTarget(name: "EmbeddingCodecTests", dependencies: ["EmbeddingCodec"]),
        // PENDING .testTarget(name: "TranslationTests", dependencies: ["Translation"]),
        // PENDING .testTarget(name: "NeighborSearchTests", dependencies: ["NeighborSearch"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "LatentDBTests", dependencies: ["LatentDB"]),
        .testTarget(name: "CLITests", dependencies: ["latentdb"]),
    ]
)
