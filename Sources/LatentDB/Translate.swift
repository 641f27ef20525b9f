import EmbeddingCodec
import Foundation
import Storage
import Translation

/// Which translator a query goes through.
public enum TranslatorChoice: Sendable {
    /// The cached translator for these inputs, fitted on demand.
    case fit(anchors: String, estimator: Estimator, scaling: Scaling)
    /// A stored (fitted or imported) translator, by fingerprint or unique prefix.
    case stored(id: String)
    /// No translation: source and target are the same space (or the same model).
    case identity
}

/// Where queries come from.
public enum QueryInput: Sendable {
    /// Rows of a `.npy` file, in the source model's space.
    case file(path: String)
    /// Items of the source space, by key.
    case keys([ItemKey])
}

public struct TranslateSummary: Codable, Sendable {
    public let from: String
    public let to: String
    public let rows: Int
    public let sourceDim: Int
    public let targetDim: Int
    public let translator: String?
    public let cached: Bool?
    public let output: String?
}

extension LatentStore {
    /// Resolves a translator for `from → to` as `choice` says.
    public func resolveTranslator(from: SpaceName?, to: SpaceName?, choice: TranslatorChoice) throws -> (translator: Translator?, fingerprint: String?, cached: Bool?) {
        switch choice {
        case .identity:
            return (nil, nil, nil)
        case let .fit(anchors, estimator, scaling):
            guard let from, let to else { throw LatentError(.usage, "fitting a translator needs --from and --to spaces") }
            let (summary, translator) = try fit(FitRequest(from: from, to: to, anchors: anchors, estimator: estimator, scaling: scaling))
            return (translator, summary.fingerprint, summary.cached)
        case let .stored(id):
            let (summary, translator) = try self.translator(id)
            if let from, summary.sourceModel != from.model {
                throw LatentError(.badInput, "translator \(summary.fingerprint.prefix(12)) translates model '\(summary.sourceModel)' → '\(summary.targetModel)', not '\(from.model)' → …")
            }
            if let to, summary.targetModel != to.model {
                throw LatentError(.badInput, "translator \(summary.fingerprint.prefix(12)) translates into model '\(summary.targetModel)', not '\(to.model)'")
            }
            return (translator, summary.fingerprint, true)
        }
    }

    /// Query vectors in the source space: rows of a file, or stored items by key.
    public func queries(_ input: QueryInput, from: SpaceName?, expectedDimension: Int?) throws -> (matrix: Matrix<Float>, keys: [String]?) {
        switch input {
        case let .file(path):
            let matrix = try NPY.readMatrix(path: path).matrix
            if let bad = matrix.firstNonFinite() {
                throw LatentError(.badInput, "query file \(path): row \(bad.row), column \(bad.column) is \(matrix[bad.row, bad.column]); queries must be finite")
            }
            if let expectedDimension, matrix.columns != expectedDimension {
                throw LatentError(.badInput, "query file \(path) has \(matrix.columns) columns; expected \(expectedDimension)\(from.map { " (the dimension of \($0))" } ?? "")")
            }
            return (matrix, nil)
        case let .keys(keys):
            guard let from else { throw LatentError(.usage, "--key/--keys need --from MODEL/DATASET") }
            guard !keys.isEmpty else { throw LatentError(.badInput, "no query keys given") }
            return try read { tx in try Self.queryRows(tx, keys: keys, from: from) }
        }
    }

    /// The stored rows of `keys` in `from`, read in the caller's transaction (so that a query
    /// and the search it feeds see the same version of a space that a writer replaces).
    static func queryRows(_ tx: StoreTransaction, keys: [String], from: SpaceName) throws -> (matrix: Matrix<Float>, keys: [String]?) {
        let space = try tx.space(from)
        let rows = try tx.rows(ofKeys: keys, datasetID: space.datasetID)
        let unknown = keys.indices.filter { rows[$0] == nil }.map { keys[$0] }
        guard unknown.isEmpty else {
            throw LatentError(.badInput, "\(unknown.count) unknown keys in \(from), e.g. \(unknown.prefix(3).map { "'\($0)'" }.joined(separator: ", "))")
        }
        return (try gather(tx, space: space, rows: rows.map { $0! }), keys)
    }

    /// Translates queries from `from` into `to` and writes them to `output` (`.npy`).
    public func translate(from: SpaceName?, to: SpaceName?, choice: TranslatorChoice, input: QueryInput, output: String) throws -> TranslateSummary {
        let (translator, fingerprint, cached) = try resolveTranslator(from: from, to: to, choice: choice)
        guard let translator else { throw LatentError(.usage, "translate needs --anchors with --method, or --translator") }
        let (matrix, _) = try queries(input, from: from, expectedDimension: translator.sourceDimension)
        let translated = translator.translate(matrix)
        try NPY.write(translated, to: output)
        return TranslateSummary(from: from?.description ?? "", to: to?.description ?? "", rows: translated.rows,
                                sourceDim: translator.sourceDimension, targetDim: translator.targetDimension,
                                translator: fingerprint, cached: cached, output: output)
    }
}
