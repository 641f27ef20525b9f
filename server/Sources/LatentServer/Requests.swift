import Foundation
import LatentDB

/// The body of `POST /v1/knn`, `/v1/classify`, `/v1/translate` and `/v1/fit`: the CLI's options
/// by their long names (`via_hub` for `--via-hub`), and the queries as `keys` or `vectors`.
struct QueryRequest: Decodable {
    var from: String?
    var to: String?
    var anchors: String?
    var translator: String?
    var method: String?
    var scaling: String?
    var via: [String]?
    var via_hub: String?
    var keys: [String]?
    var vectors: [[Float]]?
    var k: Int?
    var metric: String?
    var csls: Bool?
    /// knn: lists of the target's index to probe; `exact`: scan every row even with an index.
    var nprobe: Int?
    var exact: Bool?
    var decoder: String?
    var refit: Bool?
}

/// A request that cannot be answered as sent; the server answers 400 with its diagnostic.
struct BadRequest: Error {
    let diagnostic: Diagnostic
}

extension QueryRequest {
    func space(_ field: String, _ value: String?) throws -> SpaceName {
        guard let value else { throw BadRequest(diagnostic: .requestFieldMissing(field)) }
        do { return try SpaceName(parsing: value) } catch { throw BadRequest(diagnostic: error.diagnostic) }
    }

    var spec: FitSpec {
        get throws {
            var spec = FitSpec()
            if let method {
                guard let parsed = FitSpec.Method(name: method) else {
                    throw BadRequest(diagnostic: .requestFieldValue("method", found: method, expected: Estimator.allCases.map(\.cliName) + ["auto"]))
                }
                spec.method = parsed
            }
            if let scaling {
                guard let parsed = Scaling(rawValue: scaling) else {
                    throw BadRequest(diagnostic: .requestFieldValue("scaling", found: scaling, expected: Scaling.allCases.map(\.rawValue)))
                }
                spec.scaling = parsed
            }
            return spec
        }
    }

    /// How `knn` searches the target, by the CLI's rules for `--nprobe` and `--exact`.
    var search: SearchMode {
        get throws {
            guard let nprobe else { return exact == true ? .exact : .automatic }
            guard nprobe > 0 else { throw BadRequest(diagnostic: .requestFieldValue("nprobe", found: "\(nprobe)", expected: ["an integer of at least 1"])) }
            if exact == true { throw BadRequest(diagnostic: .exactWithNProbe()) }
            if csls == true { throw BadRequest(diagnostic: .cslsWithNProbe()) }
            return .nprobe(nprobe)
        }
    }

    /// The translator choice, by the CLI's rules (`TranslatorOptions.choice`).
    func choice(from: SpaceName, to: SpaceName) throws -> TranslatorChoice {
        let given = [anchors != nil, translator != nil, !(via ?? []).isEmpty, via_hub != nil]
        if let via_hub {
            guard given.filter({ $0 }).count == 1 else { throw BadRequest(diagnostic: .requestFieldsConflict(["via_hub", "anchors", "translator", "via"])) }
            return .hub(via_hub)
        }
        if let via, !via.isEmpty {
            guard translator == nil else { throw BadRequest(diagnostic: .requestFieldsConflict(["via", "translator"])) }
            let stops = try via.map { try space("via", $0) }
            return .chain(via: stops, anchors: anchors, spec: try spec)
        }
        if let translator {
            guard anchors == nil else { throw BadRequest(diagnostic: .requestFieldsConflict(["translator", "anchors"])) }
            return .stored(id: translator)
        }
        if let anchors { return .fit(anchors: anchors, spec: try spec) }
        if from.model == to.model { return .identity }
        throw BadRequest(diagnostic: .requestFieldMissing("anchors, translator, via or via_hub (from \(from) to \(to) are different models)"))
    }

    /// The queries: stored items by key, or vectors sent in the request (`vectors` here, or the
    /// rows of an `application/x-npy` body given as `npy`).
    func input(npy: Matrix<Float>?) throws -> QueryInput {
        if let npy { return .vectors(npy) }
        switch (keys, vectors) {
        case let (keys?, nil): return .keys(keys)
        case let (nil, rows?):
            guard let width = rows.first?.count, width > 0 else { throw BadRequest(diagnostic: .requestFieldValue("vectors", found: "[]", expected: ["a non-empty list of rows"])) }
            guard rows.allSatisfy({ $0.count == width }) else {
                let bad = rows.firstIndex { $0.count != width }!
                throw BadRequest(diagnostic: .requestRaggedVectors(row: bad, found: rows[bad].count, expected: width))
            }
            return .vectors(Matrix(rows: rows.count, columns: width, elements: rows.flatMap { $0 }))
        case (nil, nil): throw BadRequest(diagnostic: .requestFieldMissing("keys or vectors"))
        case (_?, _?): throw BadRequest(diagnostic: .requestFieldsConflict(["keys", "vectors"]))
        }
    }
}
