import EmbeddingCodec
import Storage

/// Queries translated into the target's space, as the one query path hands them to an operation.
struct TranslatedQueries {
    /// One row per query, in the target's space (the source's when there is no translator).
    let vectors: Matrix<Float>
    /// The queries' keys in the source space; nil for rows of a file.
    let keys: [String]?
    let translator: TranslationPath?
    /// What answers "which translator" (a fingerprint, or the legs of a chain or hub).
    let fingerprint: String?
    let cached: Bool?
    /// The cached translator used when none was named.
    let reuse: CachedTranslatorChoice?
    /// The space the queries are answered in, read in the operation's transaction; nil when the
    /// command names no target (`translate` of a file with a stored translator).
    let target: SpaceRecord?

    /// The label of query `i`: its key, or its row in the input file.
    func label(_ i: Int) -> String { keys?[i] ?? "\(i)" }
}

extension LatentStore {
    /// The one path every query command takes: resolve the translator, read the queries (rows of
    /// a file, or stored rows by key in the same read transaction as the target, so that both
    /// come from one version of each space), check every dimension before anything multiplies
    /// (a mismatch is an error, never a trap), translate, and run `operation` in that transaction.
    /// A writer that replaces one of the spaces meanwhile restarts the whole path
    /// (`withStableVersions`).
    func withTranslatedQueries<T>(from: SpaceName?, to: SpaceName?, choice: TranslatorChoice, input: QueryInput,
                                  requireTranslator: Bool = false,
                                  _ operation: (any StorageTransaction, TranslatedQueries) throws -> T) throws -> T {
        try withStableVersions([from, to].compactMap { $0 }) { confirm in
            let resolved = try resolve(from: from, to: to, choice: choice)
            let (translator, fingerprint, cached) = (resolved.path, resolved.fingerprint, resolved.cached)
            if requireTranslator, translator == nil { throw LatentError(.translateNeedsMap) }
            // A file (or vectors given) is not part of the store: read and checked before the transaction.
            var fileRows: Matrix<Float>? = nil
            if case .keys = input {} else {
                let expected = try translator?.sourceDimension ?? from.map { try space($0).dim }
                fileRows = try queries(input, from: from, expectedDimension: expected).matrix
            }
            return try read { tx in
                try confirm(tx)
                let raw: Matrix<Float>, keys: [String]?
                if let fileRows {
                    (raw, keys) = (fileRows, nil)
                } else if case let .keys(list) = input {
                    guard let from else { throw LatentError(.keysNeedFrom) }
                    guard !list.isEmpty else { throw LatentError(.noQueryKeys) }
                    (raw, keys) = try queryRows(tx, keys: list, from: from)
                    if let translator, raw.columns != translator.sourceDimension {
                        throw LatentError(.queryDimension(space: from.description, found: raw.columns, expected: translator.sourceDimension))
                    }
                } else {
                    preconditionFailure("unhandled query input")
                }
                let target = try to.map { try tx.space($0) }
                let vectors = translator?.translate(raw) ?? raw
                if let target, vectors.columns != target.dimension {
                    throw LatentError(.translatedDimension(found: vectors.columns, space: target.name.description, expected: target.dimension))
                }
                return try operation(tx, TranslatedQueries(vectors: vectors, keys: keys, translator: translator, fingerprint: fingerprint,
                                                           cached: cached, reuse: resolved.reuse, target: target))
            }
        }
    }
}
