import EmbeddingCodec
import Foundation
import Storage
import Translation

/// Which translator a query goes through.
public enum TranslatorChoice: Sendable {
    /// The cached translator for these inputs, fitted on demand.
    case fit(anchors: String, spec: FitSpec)
    /// A stored (fitted or imported) translator, by fingerprint or unique prefix.
    case stored(id: String)
    /// No translation: source and target are the same space (or the same model).
    case identity
    /// A chain through intermediate spaces: each leg is a cached translator of that pair (or the
    /// exact inverse of a cached ortho one), else fitted on `anchors` when given.
    case chain(via: [SpaceName], anchors: String?, spec: FitSpec)
    /// Through a hub: into its shared space from `from`, out of it into `to`.
    case hub(String)
    /// None named: the newest current cached translator between the two models, of this
    /// method and scaling when given (see `LatentStore.cachedTranslator`).
    case cached(method: FitSpec.Method?, scaling: Scaling?)
}

/// Where queries come from.
public enum QueryInput: Sendable {
    /// Rows of an embedding file (any format `EmbeddingFile` reads), in the source model's space;
    /// `member` picks an `.npz` array or a safetensors tensor.
    case file(path: String, member: String? = nil)
    /// Items of the source space, by key.
    case keys([ItemKey])
    /// Rows given in memory (a server's request), in the source model's space.
    case vectors(Matrix<Float>)
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
    /// The cached translator used when none was named.
    public let cachedTranslator: CachedTranslatorChoice?
}

extension LatentStore {
    /// Resolves a translator for `from → to` as `choice` says.
    public func resolveTranslator(from: SpaceName?, to: SpaceName?, choice: TranslatorChoice) throws -> (translator: TranslationPath?, fingerprint: String?, cached: Bool?) {
        switch choice {
        case .identity:
            return (nil, nil, nil)
        case let .fit(anchors, spec):
            guard let from, let to else { throw LatentError(.needsFromAndTo(.fit)) }
            let (summary, translator) = try fit(FitRequest(from: from, to: to, anchors: anchors, spec: spec))
            return (TranslationPath(legs: [translator], fingerprints: [summary.fingerprint]), summary.fingerprint, summary.cached)
        case let .chain(via, anchors, spec):
            guard let from, let to else { throw LatentError(.needsFromAndTo(.chain)) }
            let path = try chain(from: from, via: via, to: to, anchors: anchors, spec: spec)
            return (path, path.description, nil)
        case let .hub(name):
            guard let from, let to else { throw LatentError(.needsFromAndTo(.hub)) }
            let path = try hubPath(name, from: from, to: to)
            return (path, path.description, nil)
        case .cached:
            let resolved = try resolve(from: from, to: to, choice: choice)
            return (resolved.path, resolved.fingerprint, resolved.cached)
        case let .stored(id):
            let (summary, translator) = try self.translator(id)
            if let from, summary.sourceModel != from.model {
                throw LatentError(.translatorModels(fingerprint: String(summary.fingerprint.prefix(12)), source: summary.sourceModel, target: summary.targetModel, from: from.model))
            }
            if let to, summary.targetModel != to.model {
                throw LatentError(.translatorTargetModel(fingerprint: String(summary.fingerprint.prefix(12)), target: summary.targetModel, to: to.model))
            }
            return (TranslationPath(legs: [translator], fingerprints: [summary.fingerprint]), summary.fingerprint, true)
        }
    }

    /// Resolves each leg of `from → via… → to`: the newest current cached translator of the pair
    /// with this method and scaling, else the inverse of a cached ortho translator of the reverse
    /// pair (exact: Rᵀ), else a fit on `anchors`.
    func chain(from: SpaceName, via: [SpaceName], to: SpaceName, anchors: String?, spec: FitSpec) throws -> TranslationPath {
        let stops = [from] + via + [to]
        var legs: [Translator] = [], fingerprints: [String] = []
        let cached = try read { tx -> [TranslatorRecord] in
            let versions = try Self.currentVersions(tx)
            return try tx.translators().filter {
                versions[$0.sourceSpace] == $0.sourceVersion && versions[$0.targetSpace] == $0.targetVersion
                    && $0.options == spec.options && (spec.method == .estimator(Estimator(rawValue: $0.estimator) ?? .ortho) || spec.method.name == "auto")
                    && (spec.method.name == "auto" || $0.scaling == spec.scaling.rawValue)
            }.reversed()  // newest first
        }
        for (a, b) in zip(stops, stops.dropFirst()) {
            if let direct = cached.first(where: { $0.sourceSpace == a.description && $0.targetSpace == b.description }) {
                legs.append(try decodedTranslator(direct))
                fingerprints.append(direct.fingerprint)
            } else if spec.method == .estimator(.ortho), spec.refine == 0, let reverse = cached.first(where: { $0.sourceSpace == b.description && $0.targetSpace == a.description }) {
                legs.append(try decodedTranslator(reverse).inverse())
                fingerprints.append("inverse(\(reverse.fingerprint.prefix(12)))")
            } else if let anchors {
                let (summary, translator) = try fit(FitRequest(from: a, to: b, anchors: anchors, spec: spec))
                legs.append(translator)
                fingerprints.append(summary.fingerprint)
            } else {
                throw LatentError(.noChainStep(stops: stops.map(\.description), method: spec.label, from: a.description, to: b.description))
            }
        }
        return TranslationPath(legs: legs, fingerprints: fingerprints)
    }

    /// Query vectors in the source space: rows of a file, or stored items by key.
    public func queries(_ input: QueryInput, from: SpaceName?, expectedDimension: Int?) throws -> (matrix: Matrix<Float>, keys: [String]?) {
        switch input {
        case .file, .vectors:
            let matrix: Matrix<Float>, path: String?
            switch input {
            case let .file(requested, member):
                let source = try EmbeddingFile.open(path: requested, member: member)
                path = source.path  // `-` is read as, and named, standard input
                matrix = try source.readRows(source.rows)
            case let .vectors(given): (matrix, path) = (given, nil)
            case .keys: preconditionFailure("handled below")
            }
            if let bad = matrix.firstNonFinite() {
                throw LatentError(.nonFiniteQuery(path: path, row: bad.row, column: bad.column, value: matrix[bad.row, bad.column]))
            }
            if let expectedDimension, matrix.columns != expectedDimension {
                throw LatentError(.queryFileDimension(path: path, found: matrix.columns, expected: expectedDimension, space: from?.description))
            }
            return (matrix, nil)
        case let .keys(keys):
            guard let from else { throw LatentError(.keysNeedFrom) }
            guard !keys.isEmpty else { throw LatentError(.noQueryKeys) }
            return try read { tx in try queryRows(tx, keys: keys, from: from) }
        }
    }

    /// The stored rows of `keys` in `from`, read in the caller's transaction (so that a query
    /// and the search it feeds see the same version of a space that a writer replaces).
    func queryRows(_ tx: any StorageTransaction, keys: [String], from: SpaceName) throws -> (matrix: Matrix<Float>, keys: [String]?) {
        let space = try tx.space(from)
        let rows = try tx.rows(ofKeys: keys, datasetID: space.datasetID)
        let unknown = keys.indices.filter { rows[$0] == nil }.map { keys[$0] }
        guard unknown.isEmpty else {
            throw LatentError(.unknownKeys(unknown, space: from.description))
        }
        if let held = try held(tx, space) { return (held.gatherRows(rows.map { $0! }), keys) }
        return (try Self.gather(tx, space: space, rows: rows.map { $0! }), keys)
    }

    /// Translates queries from `from` into `to` and writes them to `output` (`.npy`).
    public func translate(from: SpaceName?, to: SpaceName?, choice: TranslatorChoice, input: QueryInput, output: String) throws -> TranslateSummary {
        let (summary, translated) = try translated(from: from, to: to, choice: choice, input: input, output: output)
        try NPY.write(translated, to: output)
        return summary
    }

    /// Queries from `from` translated into `to`, in memory (`output`: what the summary names).
    public func translated(from: SpaceName?, to: SpaceName?, choice: TranslatorChoice, input: QueryInput,
                           output: String? = nil) throws -> (summary: TranslateSummary, rows: Matrix<Float>) {
        let q = try withTranslatedQueries(from: from, to: to, choice: choice, input: input, requireTranslator: true) { _, q in q }
        let translator = q.translator!
        let summary = TranslateSummary(from: from?.description ?? "", to: to?.description ?? "", rows: q.vectors.rows,
                                       sourceDim: translator.sourceDimension, targetDim: translator.targetDimension,
                                       translator: q.fingerprint, cached: q.cached, output: output, cachedTranslator: q.reuse)
        return (summary, q.vectors)
    }
}
