import Testing
import EmbeddingCodec

/// The xxHash sanity buffer (xxhsum's `sanityCheck`): byte i = top byte of PRIME32 * PRIME64^i.
func sanityBuffer(_ count: Int) -> [UInt8] {
    var generator: UInt64 = 2_654_435_761
    return (0..<count).map { _ in
        defer { generator = generator &* 11_400_714_785_074_694_797 }
        return UInt8(generator >> 56)
    }
}

/// Vectors from the xxHash reference implementation (the sanity-check values, confirmed
/// with the `xxhash` Python package), covering every tail path: 0, 1–3, 4–7, 8–31 bytes,
/// one or more 32-byte stripes, and a non-zero seed.
@Test(arguments: [
    (0, 0, 0xEF46_DB37_51D8_E999), (1, 0, 0xE934_A84A_DB05_2768), (3, 0, 0xFF7E_1959_CB50_794A),
    (4, 0, 0x9136_A0DC_A574_57EE), (8, 0, 0xCDBC_F538_E71D_1348), (14, 0, 0x8282_DCC4_994E_35C8),
    (31, 0, 0x299B_39A2_90E6_D783), (32, 0, 0x18B2_1649_2BB4_4B70), (33, 0, 0x55C8_DC3E_578F_5B59),
    (100, 0, 0x4BFE_019C_D91D_9EA4), (222, 0, 0xB641_AE8C_B691_C174),
    (222, 2_654_435_761, 0x20CB_8AB7_AE10_C14A), (1000, 0, 0x52BD_1358_F22E_9EF7),
] as [(Int, UInt64, UInt64)])
func xxh64Vectors(length: Int, seed: UInt64, expected: UInt64) {
    let hash = sanityBuffer(length).withUnsafeBytes { xxh64($0, seed: seed) }
    #expect(hash == expected, "XXH64 of \(length) sanity bytes, seed \(seed)")
}

@Test func xxh64OfText() {
    #expect(Array("abc".utf8).withUnsafeBytes { xxh64($0) } == 0x44BC_2CF5_AD77_0999)
}

/// Hashing must not depend on the buffer's alignment (stripe loads are unaligned loads).
@Test func xxh64IgnoresAlignment() {
    let bytes = [UInt8(0)] + sanityBuffer(222)
    let shifted = bytes.withUnsafeBytes { xxh64(UnsafeRawBufferPointer(rebasing: $0[1...])) }
    #expect(shifted == 0xB641_AE8C_B691_C174)
}
