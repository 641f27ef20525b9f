// XXH64 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), in Swift with
// wrapping arithmetic. Used as the checksum of a block's raw bytes and reused by other
// modules (translator files). Stripe loads use `loadUnaligned` + `littleEndian`, which is
// defined for any alignment and byte order.

private let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
private let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
private let prime3: UInt64 = 0x1656_67B1_9E37_79F9
private let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
private let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

@inline(__always) private func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 &- r)) }

@inline(__always) private func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
    rotl(acc &+ lane &* prime2, 31) &* prime1
}

@inline(__always) private func merge(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
    (acc ^ round(0, lane)) &* prime1 &+ prime4
}

@inline(__always) private func load64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
}

@inline(__always) private func load32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
}

/// The 64-bit XXH64 hash of `bytes` with `seed`, as specified by the xxHash project
/// (e.g. `xxh64` of the empty input with seed 0 is `0xEF46DB3751D8E999`).
public func xxh64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
    let n = bytes.count
    guard let p = bytes.baseAddress, n > 0 else { return avalanche(seed &+ prime5) }
    var offset = 0
    var h: UInt64
    if n >= 32 {
        var v1 = seed &+ prime1 &+ prime2, v2 = seed &+ prime2, v3 = seed, v4 = seed &- prime1
        let limit = n - 32
        while offset <= limit {
            v1 = round(v1, load64(p, offset))
            v2 = round(v2, load64(p, offset + 8))
            v3 = round(v3, load64(p, offset + 16))
            v4 = round(v4, load64(p, offset + 24))
            offset += 32
        }
        h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
        h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4)
    } else {
        h = seed &+ prime5
    }
    h = h &+ UInt64(n)
    while offset + 8 <= n {
        h ^= round(0, load64(p, offset))
        h = rotl(h, 27) &* prime1 &+ prime4
        offset += 8
    }
    if offset + 4 <= n {
        h ^= load32(p, offset) &* prime1
        h = rotl(h, 23) &* prime2 &+ prime3
        offset += 4
    }
    while offset < n {
        h ^= UInt64(p.load(fromByteOffset: offset, as: UInt8.self)) &* prime5
        h = rotl(h, 11) &* prime1
        offset += 1
    }
    return avalanche(h)
}

@inline(__always) private func avalanche(_ x: UInt64) -> UInt64 {
    var h = x
    h ^= h >> 33; h = h &* prime2
    h ^= h >> 29; h = h &* prime3
    h ^= h >> 32
    return h
}
