import EmbeddingCodec
import NeighborSearch

/// A ridge decoder's parameters as three EmbeddingBlocks (mean, weights, target mean).
enum RidgeParameters {
    static func encode(_ ridge: RidgeClassifier) -> [UInt8] {
        var out: [UInt8] = []
        for block in [
            EmbeddingBlock.encode(Matrix(rows: 1, columns: ridge.mean.count, elements: ridge.mean), codec: .lz4),
            EmbeddingBlock.encode(ridge.weights, codec: .lz4),
            EmbeddingBlock.encode(Matrix(rows: 1, columns: ridge.targetMean.count, elements: ridge.targetMean), codec: .lz4),
        ] {
            TranslatorParameters.append(&out, UInt64(block.count))
            out += block
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> RidgeClassifier {
        var reader = ByteReader(bytes: bytes)
        var parts: [Matrix<Float>] = []
        for _ in 0..<3 { parts.append(try EmbeddingBlock.decode(try reader.bytes(try reader.length()))) }
        guard parts[0].elements.count == parts[1].rows, parts[2].elements.count == parts[1].columns else {
            throw LatentError(.decoderParameters)
        }
        return RidgeClassifier(mean: parts[0].elements, weights: parts[1], targetMean: parts[2].elements)
    }
}
