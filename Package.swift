// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "LatentDB",
    products: [
        .library(name: "LatentDB", targets: ["LatentDB"]),
        // For tools/fuzz and tools/bench, packages of their own that depend on this one by path.
        .library(name: "EmbeddingCodec", targets: ["EmbeddingCodec"]),
        .library(name: "LatentCore", targets: ["LatentCore"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Translation", targets: ["Translation"]),
        .library(name: "NeighborSearch", targets: ["NeighborSearch"]),
        .library(name: "Alignment", targets: ["Alignment"]),
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
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),

        // SIMD bit-shuffle kernels (SSE2, AVX2 chosen at run time); EmbeddingCodec's Shuffle wraps them.
        .target(name: "CBitShuffle"),
        // AVX2/FMA dot products of one query against many rows (chosen at run time).
        .target(name: "CDotProducts"),
        .target(name: "LatentCore"),
        // Links dl for dlsym on older glibc; a constructor, so it must be linked where LinearAlgebra is.
        .target(name: "CBLASKernels", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "LinearAlgebra", dependencies: ["LatentCore", "COpenBLAS", "CBLASKernels"]),
        .target(name: "EmbeddingCodec", dependencies: ["LatentCore", "CLZ4", "CZlib", "CBitShuffle"]),
        .target(name: "Translation", dependencies: ["LatentCore", "LinearAlgebra"]),
        .target(name: "NeighborSearch", dependencies: ["LatentCore", "LinearAlgebra", "CDotProducts"]),
        .target(name: "Alignment", dependencies: ["LatentCore", "LinearAlgebra", "Translation", "NeighborSearch"]),
        .target(
            name: "Storage",
            dependencies: ["LatentCore", "CLibPQ", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(
            name: "LatentDB",
            dependencies: ["LatentCore", "LinearAlgebra", "EmbeddingCodec", "Translation", "NeighborSearch", "Storage", "Alignment"]),
        // The CLI (Sources/CLI: no two paths differ only in case, so a macOS checkout works).
        .executableTarget(
            name: "latentdb",
            dependencies: ["LatentDB", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/CLI"),

        .testTarget(name: "LatentCoreTests", dependencies: ["LatentCore"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "EmbeddingCodecTests", dependencies: ["EmbeddingCodec"], exclude: ["Fixtures"]),
        .testTarget(name: "TranslationTests", dependencies: ["Translation", "LinearAlgebra"], exclude: ["Fixtures"]),
        .testTarget(name: "AlignmentTests", dependencies: ["Alignment"], exclude: ["Fixtures"]),
        .testTarget(name: "NeighborSearchTests", dependencies: ["NeighborSearch"], exclude: ["Fixtures"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "LatentDBTests", dependencies: ["LatentDB", "EmbeddingCodec", .product(name: "GRDB", package: "GRDB.swift")]),
        // The error catalogue's tests trigger each code at the lowest level that reaches it.
        .testTarget(name: "CLITests", dependencies: ["latentdb", "LatentDB", "EmbeddingCodec", "LatentCore", "Translation", "NeighborSearch", "Alignment", "LinearAlgebra"],
                    exclude: ["Fixtures"]),
    ]
)
