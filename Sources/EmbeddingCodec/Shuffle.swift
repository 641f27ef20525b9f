import CBitShuffle

/// Byte- and bit-shuffle filters: lossless permutations of a buffer of `n` fixed-size
/// elements that put similar bytes (or bits) of neighbouring floats next to each other,
/// so that LZ4 finds runs in the sign/exponent bytes of embeddings.
///
/// Layouts (element size `s` bytes, `n = count / s` elements):
/// - **byte shuffle**: output byte `b * n + i` = byte `b` of element `i` (all first bytes,
///   then all second bytes, …). Byte `b` means the `b`-th byte in memory (little-endian:
///   byte 0 is the least significant).
/// - **bit shuffle**: with `g = n / 8` groups of 8 elements, the first `8 * s * g` output
///   bytes are `8 * s` bit planes of `g` bytes each. Plane `p = 8 * b + k` holds bit `k`
///   (0 = least significant) of byte `b` of every element: bit `i` of byte `j` of plane `p`
///   is bit `k` of byte `b` of element `8 * j + i`. The last `n % 8` elements follow
///   unshuffled (raw bytes). This is the layout of the `bitshuffle` library applied to the
///   whole buffer as one block.
///
/// Each pair is a permutation and its inverse: `unshuffle(shuffle(x)) == x` for every bit
/// pattern, NaNs included.
public enum Shuffle {
    /// Byte shuffle of `source` (a whole number of `elementSize`-byte elements) into `destination`.
    public static func shuffleBytes(_ source: UnsafeRawBufferPointer, elementSize: Int,
                                    into destination: UnsafeMutableRawBufferPointer) {
        let n = checkSizes(source.count, destination.count, elementSize)
        guard n > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        if elementSize == 4 {
            // 16 elements at a time: row r = element r (low half) and element r + 8 (high
            // half); after an 8×8 byte transpose, row b is byte b of elements 0..<8 and
            // row b + 4 is byte b of elements 8..<16: 8 word stores instead of 64 byte stores.
            let wide = n / 16 * 16
            for i in stride(from: 0, to: wide, by: 16) {
                let p = src + 4 * i
                @inline(__always) func row(_ r: Int) -> UInt64 {
                    UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * r, as: UInt32.self)))
                        | UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * r + 32, as: UInt32.self))) << 32
                }
                var x0 = row(0), x1 = row(1), x2 = row(2), x3 = row(3), x4 = row(4), x5 = row(5), x6 = row(6), x7 = row(7)
                transposeBytes(&x0, &x1, &x2, &x3, &x4, &x5, &x6, &x7)
                let q = dst + i
                q.storeBytes(of: x0.littleEndian, toByteOffset: 0, as: UInt64.self)
                q.storeBytes(of: x4.littleEndian, toByteOffset: 8, as: UInt64.self)
                q.storeBytes(of: x1.littleEndian, toByteOffset: n, as: UInt64.self)
                q.storeBytes(of: x5.littleEndian, toByteOffset: n + 8, as: UInt64.self)
                q.storeBytes(of: x2.littleEndian, toByteOffset: 2 * n, as: UInt64.self)
                q.storeBytes(of: x6.littleEndian, toByteOffset: 2 * n + 8, as: UInt64.self)
                q.storeBytes(of: x3.littleEndian, toByteOffset: 3 * n, as: UInt64.self)
                q.storeBytes(of: x7.littleEndian, toByteOffset: 3 * n + 8, as: UInt64.self)
            }
            for i in wide..<n {
                let e = src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian
                dst.storeBytes(of: UInt8(truncatingIfNeeded: e), toByteOffset: i, as: UInt8.self)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: e >> 8), toByteOffset: n + i, as: UInt8.self)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: e >> 16), toByteOffset: 2 * n + i, as: UInt8.self)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: e >> 24), toByteOffset: 3 * n + i, as: UInt8.self)
            }
            return
        }
        let s = source.bindMemory(to: UInt8.self), d = destination.bindMemory(to: UInt8.self)
        for b in 0..<elementSize { for i in 0..<n { d[b * n + i] = s[i * elementSize + b] } }
    }

    /// The inverse of ``shuffleBytes(_:elementSize:into:)``.
    public static func unshuffleBytes(_ source: UnsafeRawBufferPointer, elementSize: Int,
                                      into destination: UnsafeMutableRawBufferPointer) {
        let n = checkSizes(source.count, destination.count, elementSize)
        guard n > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        if elementSize == 4 {
            // The inverse of the 16-element step of `shuffleBytes` (the transpose is an involution).
            let wide = n / 16 * 16
            for i in stride(from: 0, to: wide, by: 16) {
                let p = src + i
                @inline(__always) func word(_ offset: Int) -> UInt64 {
                    UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                }
                var x0 = word(0), x1 = word(n), x2 = word(2 * n), x3 = word(3 * n)
                var x4 = word(8), x5 = word(n + 8), x6 = word(2 * n + 8), x7 = word(3 * n + 8)
                transposeBytes(&x0, &x1, &x2, &x3, &x4, &x5, &x6, &x7)
                let q = dst + 4 * i
                @inline(__always) func store(_ r: Int, _ x: UInt64) {
                    q.storeBytes(of: UInt32(truncatingIfNeeded: x).littleEndian, toByteOffset: 4 * r, as: UInt32.self)
                    q.storeBytes(of: UInt32(truncatingIfNeeded: x >> 32).littleEndian, toByteOffset: 4 * r + 32, as: UInt32.self)
                }
                store(0, x0); store(1, x1); store(2, x2); store(3, x3); store(4, x4); store(5, x5); store(6, x6); store(7, x7)
            }
            for i in wide..<n {
                let e = UInt32(src.load(fromByteOffset: i, as: UInt8.self))
                    | UInt32(src.load(fromByteOffset: n + i, as: UInt8.self)) << 8
                    | UInt32(src.load(fromByteOffset: 2 * n + i, as: UInt8.self)) << 16
                    | UInt32(src.load(fromByteOffset: 3 * n + i, as: UInt8.self)) << 24
                dst.storeBytes(of: e.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
            return
        }
        let s = source.bindMemory(to: UInt8.self), d = destination.bindMemory(to: UInt8.self)
        for b in 0..<elementSize { for i in 0..<n { d[i * elementSize + b] = s[b * n + i] } }
    }

    /// Elements per tile of the bit shuffle: the tile's byte-shuffled scratch (16 KiB for
    /// floats) stays in L1 cache.
    static let bitTile = 4096

    /// Bit shuffle (bit-plane transpose) of `source` into `destination`; see the type's
    /// documentation for the layout.
    ///
    /// Works tile by tile: byte-shuffle the tile into a scratch buffer, so that byte `b` of
    /// 8 consecutive elements is one 64-bit word, transpose that word as an 8×8 bit matrix,
    /// and store its 8 bytes into the 8 bit planes of byte `b`.
    public static func shuffleBits(_ source: UnsafeRawBufferPointer, elementSize: Int,
                                   into destination: UnsafeMutableRawBufferPointer) {
        shuffleBits(source, elementSize: elementSize, into: destination, simd: true)
    }

    /// `simd: false` leaves everything to the portable tiles (for tests on CPUs that have the kernel).
    static func shuffleBits(_ source: UnsafeRawBufferPointer, elementSize: Int,
                            into destination: UnsafeMutableRawBufferPointer, simd: Bool) {
        let n = checkSizes(source.count, destination.count, elementSize)
        guard n > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        let groups = n / 8, s = elementSize
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: bitTile * s, alignment: 16)
        defer { scratch.deallocate() }
        let tmp = scratch.baseAddress!
        // The C kernel (pmovmskb: one instruction per bit plane of 16 bytes) does what it can;
        // the tiles below do the rest, and everything on CPUs it does not cover.
        var first = simd && s == 4 ? ldb_bitshuffle4(src.assumingMemoryBound(to: UInt8.self), dst.assumingMemoryBound(to: UInt8.self), n) : 0
        while first < 8 * groups {
            let t = min(bitTile, 8 * groups - first), words = t / 8
            shuffleBytes(UnsafeRawBufferPointer(start: src + first * s, count: t * s), elementSize: s,
                         into: UnsafeMutableRawBufferPointer(start: tmp, count: t * s))
            let wide = words / 8 * 8
            for b in 0..<s {
                // 8 words at a time: after the bit transposes, an 8×8 byte transpose turns
                // them into one 64-bit word per bit plane (8 stores instead of 64).
                for w in stride(from: 0, to: wide, by: 8) {
                    let p = tmp + b * t + 8 * w
                    @inline(__always) func row(_ i: Int) -> UInt64 {
                        transpose8x8(UInt64(littleEndian: p.load(fromByteOffset: 8 * i, as: UInt64.self)))
                    }
                    var x0 = row(0), x1 = row(1), x2 = row(2), x3 = row(3)
                    var x4 = row(4), x5 = row(5), x6 = row(6), x7 = row(7)
                    transposeBytes(&x0, &x1, &x2, &x3, &x4, &x5, &x6, &x7)
                    let q = dst + 8 * b * groups + first / 8 + w
                    q.storeBytes(of: x0.littleEndian, toByteOffset: 0, as: UInt64.self)
                    q.storeBytes(of: x1.littleEndian, toByteOffset: groups, as: UInt64.self)
                    q.storeBytes(of: x2.littleEndian, toByteOffset: 2 * groups, as: UInt64.self)
                    q.storeBytes(of: x3.littleEndian, toByteOffset: 3 * groups, as: UInt64.self)
                    q.storeBytes(of: x4.littleEndian, toByteOffset: 4 * groups, as: UInt64.self)
                    q.storeBytes(of: x5.littleEndian, toByteOffset: 5 * groups, as: UInt64.self)
                    q.storeBytes(of: x6.littleEndian, toByteOffset: 6 * groups, as: UInt64.self)
                    q.storeBytes(of: x7.littleEndian, toByteOffset: 7 * groups, as: UInt64.self)
                }
                for w in wide..<words {
                    let x = transpose8x8(UInt64(littleEndian: tmp.load(fromByteOffset: b * t + 8 * w, as: UInt64.self)))
                    let j = first / 8 + w
                    for k in 0..<8 {
                        dst.storeBytes(of: UInt8(truncatingIfNeeded: x >> (8 * k)),
                                       toByteOffset: (8 * b + k) * groups + j, as: UInt8.self)
                    }
                }
            }
            first += t
        }
        copyTail(src, dst, from: 8 * groups * s, to: n * s)
    }

    /// The inverse of ``shuffleBits(_:elementSize:into:)``.
    public static func unshuffleBits(_ source: UnsafeRawBufferPointer, elementSize: Int,
                                     into destination: UnsafeMutableRawBufferPointer) {
        unshuffleBits(source, elementSize: elementSize, into: destination, simd: true)
    }

    static func unshuffleBits(_ source: UnsafeRawBufferPointer, elementSize: Int,
                              into destination: UnsafeMutableRawBufferPointer, simd: Bool) {
        let n = checkSizes(source.count, destination.count, elementSize)
        guard n > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        let groups = n / 8, s = elementSize
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: bitTile * s, alignment: 16)
        defer { scratch.deallocate() }
        let tmp = scratch.baseAddress!
        var first = simd && s == 4 ? ldb_bitunshuffle4(src.assumingMemoryBound(to: UInt8.self), dst.assumingMemoryBound(to: UInt8.self), n) : 0
        while first < 8 * groups {
            let t = min(bitTile, 8 * groups - first), words = t / 8
            let wide = words / 8 * 8
            for b in 0..<s {
                for w in stride(from: 0, to: wide, by: 8) {
                    let p = src + 8 * b * groups + first / 8 + w
                    @inline(__always) func plane(_ k: Int) -> UInt64 {
                        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: k * groups, as: UInt64.self))
                    }
                    var x0 = plane(0), x1 = plane(1), x2 = plane(2), x3 = plane(3)
                    var x4 = plane(4), x5 = plane(5), x6 = plane(6), x7 = plane(7)
                    transposeBytes(&x0, &x1, &x2, &x3, &x4, &x5, &x6, &x7)
                    let q = tmp + b * t + 8 * w
                    q.storeBytes(of: transpose8x8(x0).littleEndian, toByteOffset: 0, as: UInt64.self)
                    q.storeBytes(of: transpose8x8(x1).littleEndian, toByteOffset: 8, as: UInt64.self)
                    q.storeBytes(of: transpose8x8(x2).littleEndian, toByteOffset: 16, as: UInt64.self)
                    q.storeBytes(of: transpose8x8(x3).littleEndian, toByteOffset: 24, as: UInt64.self)
                    q.storeBytes(of: transpose8x8(x4).littleEndian, toByteOffset: 32, as: UInt64.self)
                    q.storeBytes(of: transpose8x8(x5).littleEndian, toByteOffset: 40, as: UInt64.self)
                    q.storeBytes(of: transpose8x8(x6).littleEndian, toByteOffset: 48, as: UInt64.self)
                    q.storeBytes(of: transpose8x8(x7).littleEndian, toByteOffset: 56, as: UInt64.self)
                }
                for w in wide..<words {
                    let j = first / 8 + w
                    var x: UInt64 = 0
                    for k in 0..<8 {
                        x |= UInt64(src.load(fromByteOffset: (8 * b + k) * groups + j, as: UInt8.self)) << (8 * k)
                    }
                    tmp.storeBytes(of: transpose8x8(x).littleEndian, toByteOffset: b * t + 8 * w, as: UInt64.self)
                }
            }
            unshuffleBytes(UnsafeRawBufferPointer(start: tmp, count: t * s), elementSize: s,
                           into: UnsafeMutableRawBufferPointer(start: dst + first * s, count: t * s))
            first += t
        }
        copyTail(src, dst, from: 8 * groups * s, to: n * s)
    }

    /// Transposes the 8×8 bit matrix whose row `r` is byte `r` of `x` (bit `c` of the byte
    /// = column `c`): bit `8r + c` moves to `8c + r`. Three rounds of masked swaps
    /// (Hacker's Delight §7-3) instead of 64 single-bit moves. It is its own inverse.
    @inline(__always)
    public static func transpose8x8(_ x: UInt64) -> UInt64 {
        var x = x
        var t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA
        x = x ^ t ^ (t << 7)
        t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC
        x = x ^ t ^ (t << 14)
        t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0
        x = x ^ t ^ (t << 28)
        return x
    }

    /// Transposes the 8×8 byte matrix whose row `r` is `x_r` (byte `c` = column `c`):
    /// byte `c` of `x_r` moves to byte `r` of `x_c`. Three rounds of masked block swaps,
    /// on scalars so the eight words stay in registers.
    @inline(__always)
    static func transposeBytes(_ x0: inout UInt64, _ x1: inout UInt64, _ x2: inout UInt64, _ x3: inout UInt64,
                               _ x4: inout UInt64, _ x5: inout UInt64, _ x6: inout UInt64, _ x7: inout UInt64) {
        @inline(__always) func swap(_ a: inout UInt64, _ c: inout UInt64, _ shift: UInt64, _ mask: UInt64) {
            let t = ((a >> shift) ^ c) & mask
            a ^= t << shift
            c ^= t
        }
        swap(&x0, &x4, 32, 0x0000_0000_FFFF_FFFF); swap(&x1, &x5, 32, 0x0000_0000_FFFF_FFFF)
        swap(&x2, &x6, 32, 0x0000_0000_FFFF_FFFF); swap(&x3, &x7, 32, 0x0000_0000_FFFF_FFFF)
        swap(&x0, &x2, 16, 0x0000_FFFF_0000_FFFF); swap(&x1, &x3, 16, 0x0000_FFFF_0000_FFFF)
        swap(&x4, &x6, 16, 0x0000_FFFF_0000_FFFF); swap(&x5, &x7, 16, 0x0000_FFFF_0000_FFFF)
        swap(&x0, &x1, 8, 0x00FF_00FF_00FF_00FF); swap(&x2, &x3, 8, 0x00FF_00FF_00FF_00FF)
        swap(&x4, &x5, 8, 0x00FF_00FF_00FF_00FF); swap(&x6, &x7, 8, 0x00FF_00FF_00FF_00FF)
    }

    @inline(__always)
    private static func copyTail(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, from: Int, to: Int) {
        if to > from { (dst + from).copyMemory(from: src + from, byteCount: to - from) }
    }

    private static func checkSizes(_ source: Int, _ destination: Int, _ elementSize: Int) -> Int {
        precondition(elementSize > 0 && source % elementSize == 0,
                     "shuffle of \(source) bytes is not a whole number of \(elementSize)-byte elements")
        precondition(destination == source, "shuffle destination has \(destination) bytes, source \(source)")
        return source / elementSize
    }
}
