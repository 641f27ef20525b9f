@testable import EmbeddingCodec
import LatentCore
import Testing

/// Element counts around the edges of the implementation: empty, fewer than one group of 8,
/// not a multiple of 8, the 64-element wide path, and across the 4096-element tile.
let shuffleCounts = [0, 1, 7, 8, 9, 63, 64, 65, 200, 4096, 4096 + 8 * 9 + 5, 3 * 4096 + 64 * 3 + 8]

func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

func apply(_ f: (UnsafeRawBufferPointer, Int, UnsafeMutableRawBufferPointer) -> Void,
           _ input: [UInt8], elementSize: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: input.count)
    input.withUnsafeBytes { src in out.withUnsafeMutableBytes { dst in f(src, elementSize, dst) } }
    return out
}

func shuffleBytes(_ s: UnsafeRawBufferPointer, _ e: Int, _ d: UnsafeMutableRawBufferPointer) { Shuffle.shuffleBytes(s, elementSize: e, into: d) }
func unshuffleBytes(_ s: UnsafeRawBufferPointer, _ e: Int, _ d: UnsafeMutableRawBufferPointer) { Shuffle.unshuffleBytes(s, elementSize: e, into: d) }
func shuffleBits(_ s: UnsafeRawBufferPointer, _ e: Int, _ d: UnsafeMutableRawBufferPointer) { Shuffle.shuffleBits(s, elementSize: e, into: d) }
func unshuffleBits(_ s: UnsafeRawBufferPointer, _ e: Int, _ d: UnsafeMutableRawBufferPointer) { Shuffle.unshuffleBits(s, elementSize: e, into: d) }

/// The documented byte-shuffle layout, one byte at a time.
func referenceByteShuffle(_ input: [UInt8], elementSize s: Int) -> [UInt8] {
    let n = input.count / s
    var out = [UInt8](repeating: 0, count: input.count)
    for i in 0..<n { for b in 0..<s { out[b * n + i] = input[i * s + b] } }
    return out
}

/// The documented bit-shuffle layout, one bit at a time: plane 8b+k, byte j, bit i =
/// bit k of byte b of element 8j+i; the last n % 8 elements raw.
func referenceBitShuffle(_ input: [UInt8], elementSize s: Int) -> [UInt8] {
    let n = input.count / s, groups = n / 8
    var out = [UInt8](repeating: 0, count: input.count)
    for j in 0..<groups {
        for b in 0..<s {
            for k in 0..<8 {
                var byte: UInt8 = 0
                for i in 0..<8 { byte |= ((input[(8 * j + i) * s + b] >> k) & 1) << i }
                out[(8 * b + k) * groups + j] = byte
            }
        }
    }
    for t in (8 * groups * s)..<(n * s) { out[t] = input[t] }
    return out
}

@Test(arguments: [1, 2, 4, 8], shuffleCounts)
func byteShuffleMatchesLayoutAndInverts(elementSize: Int, count: Int) {
    let seed = UInt64(elementSize * 1_000_003 + count)
    let input = randomBytes(count * elementSize, seed: seed)
    let shuffled = apply(shuffleBytes, input, elementSize: elementSize)
    #expect(shuffled == referenceByteShuffle(input, elementSize: elementSize), "seed \(seed)")
    #expect(apply(unshuffleBytes, shuffled, elementSize: elementSize) == input, "seed \(seed)")
}

@Test(arguments: [1, 2, 4, 8], shuffleCounts)
func bitShuffleMatchesLayoutAndInverts(elementSize: Int, count: Int) {
    let seed = UInt64(elementSize * 7_000_003 + count)
    let input = randomBytes(count * elementSize, seed: seed)
    let shuffled = apply(shuffleBits, input, elementSize: elementSize)
    #expect(shuffled == referenceBitShuffle(input, elementSize: elementSize), "seed \(seed)")
    #expect(apply(unshuffleBits, shuffled, elementSize: elementSize) == input, "seed \(seed)")
}

/// The portable tiles alone, on CPUs where the SIMD kernels (CBitShuffle) would do most of it.
@Test(arguments: [4], shuffleCounts)
func portableBitShuffleMatchesLayoutAndInverts(elementSize: Int, count: Int) {
    let seed = UInt64(elementSize * 5_000_011 + count)
    let input = randomBytes(count * elementSize, seed: seed)
    let shuffle = { (s: UnsafeRawBufferPointer, e: Int, d: UnsafeMutableRawBufferPointer) in Shuffle.shuffleBits(s, elementSize: e, into: d, simd: false) }
    let unshuffle = { (s: UnsafeRawBufferPointer, e: Int, d: UnsafeMutableRawBufferPointer) in Shuffle.unshuffleBits(s, elementSize: e, into: d, simd: false) }
    let shuffled = apply(shuffle, input, elementSize: elementSize)
    #expect(shuffled == referenceBitShuffle(input, elementSize: elementSize), "seed \(seed)")
    #expect(apply(unshuffle, shuffled, elementSize: elementSize) == input, "seed \(seed)")
}

/// Unshuffling is also a right inverse: any byte string is a valid shuffled buffer.
@Test(arguments: [0, 9, 4096 + 77])
func unshuffleThenShuffleIsIdentity(count: Int) {
    let input = randomBytes(count * 4, seed: UInt64(count))
    #expect(apply(shuffleBytes, apply(unshuffleBytes, input, elementSize: 4), elementSize: 4) == input)
    #expect(apply(shuffleBits, apply(unshuffleBits, input, elementSize: 4), elementSize: 4) == input)
}

@Test func transpose8x8MovesBitRCToCR() {
    var rng = SeededGenerator(seed: 42)
    for _ in 0..<1000 {
        let x = rng.next()
        let t = Shuffle.transpose8x8(x)
        let moved = (0..<64).allSatisfy { p in (x >> p) & 1 == (t >> (8 * (p % 8) + p / 8)) & 1 }
        #expect(moved, "x = 0x\(String(x, radix: 16))")
        #expect(Shuffle.transpose8x8(t) == x)
    }
}
