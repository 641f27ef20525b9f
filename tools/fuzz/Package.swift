// swift-tools-version:6.1
// libFuzzer targets for LatentDB's parsers of untrusted bytes. A package of its own, so the
// product's graph stays clean; build and run with ./run.sh (see README.md here).
import PackageDescription

let package = Package(
    name: "LatentDBFuzz",
    dependencies: [
        .package(name: "LatentDB", path: "../.."),
    ],
    targets: [
        // Entry points handing over to libFuzzer's driver (see FuzzDriver.c).
        .target(name: "FuzzDriver"),
        // `.npy` header and data reading (NPYReader, NPY.readIntegers) on in-memory bytes.
        .executableTarget(name: "fuzz-npy", dependencies: ["FuzzDriver", .product(name: "EmbeddingCodec", package: "LatentDB")]),
        // The block decoder (EmbeddingBlock.decode) on arbitrary bytes.
        .executableTarget(name: "fuzz-block", dependencies: ["FuzzDriver", .product(name: "EmbeddingCodec", package: "LatentDB")]),
        // The translator file reader (LatentStore.parseTranslatorFile).
        .executableTarget(name: "fuzz-translator", dependencies: ["FuzzDriver", .product(name: "LatentDB", package: "LatentDB"), .product(name: "EmbeddingCodec", package: "LatentDB")]),
    ]
)
