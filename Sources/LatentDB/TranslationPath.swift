import Translation

/// One or more translators applied in sequence: a direct map, or a chain A → B → C through
/// intermediate spaces (each leg fitted or cached on its own anchors).
public struct TranslationPath: Sendable {
    public let legs: [Translator]
    /// Fingerprint of each leg, in order (nil for an inverted leg that has none of its own).
    public let fingerprints: [String]

    public init(legs: [Translator], fingerprints: [String]) {
        precondition(!legs.isEmpty, "a translation path needs at least one translator")
        for (a, b) in zip(legs, legs.dropFirst()) {
            precondition(a.targetDimension == b.sourceDimension, "chain legs do not meet: \(a.targetDimension) → \(b.sourceDimension)")
        }
        self.legs = legs
        self.fingerprints = fingerprints
    }

    public var sourceDimension: Int { legs[0].sourceDimension }
    public var targetDimension: Int { legs[legs.count - 1].targetDimension }

    public func translate(_ x: Matrix<Float>) -> Matrix<Float> {
        legs.reduce(x) { $1.translate($0) }
    }

    /// What to print for "which translator": one fingerprint, or the legs joined by " → ".
    public var description: String {
        fingerprints.count == 1 ? fingerprints[0] : fingerprints.map { String($0.prefix(12)) }.joined(separator: " → ")
    }
}

/// A `TranslatorChoice` resolved: the path (nil for identity), the fingerprint to report, and,
/// when no translator was named, which cached one was used and why.
public struct ResolvedTranslator: Sendable {
    public let path: TranslationPath?
    public let fingerprint: String?
    public let cached: Bool?
    public let reuse: CachedTranslatorChoice?
}
