/// A small deterministic random generator (SplitMix64): the same seed gives the same anchors,
/// splits and folds on every machine and Swift version (the standard library's shuffles make
/// no such promise, so sampling uses the functions below, not `shuffled(using:)`).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound without modulo bias (Lemire's method).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// A Fisher–Yates permutation of `values`, reproducible across platforms.
    public mutating func permuted<T>(_ values: [T]) -> [T] {
        var out = values
        var i = out.count - 1
        while i > 0 {
            out.swapAt(i, below(i + 1))
            i -= 1
        }
        return out
    }

    /// `count` distinct elements of `values` in random order (count clipped to values.count).
    public mutating func sample<T>(_ values: [T], count: Int) -> [T] {
        Array(permuted(values).prefix(max(0, count)))
    }
}
