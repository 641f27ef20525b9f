// The CLI and other programs see LatentCore's vocabulary (SpaceName, Matrix, Metric) through
// this module alone.
@_exported import LatentCore
import EmbeddingCodec
import Storage

extension LatentStore {
    public static var codecNames: [String] { BlockCodec.allCases.map(\.rawValue) }
    public static var defaultCodecName: String { BlockCodec.defaultCodec.rawValue }

    /// The codec called `name` (nil: the default); an unknown name lists the known ones.
    public static func codec(named name: String?) throws -> BlockCodec {
        guard let name else { return .defaultCodec }
        guard let codec = BlockCodec(rawValue: name) else {
            throw LatentError(.unknownCodec(name, known: codecNames))
        }
        return codec
    }
}
