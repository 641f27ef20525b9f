#include "CBitShuffle.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

static inline void store16(uint8_t *p, int v) { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); }

// Byte b of 16 consecutive 4-byte elements, for b = 0..3 (a 16×4 byte transpose).
static inline void bytes_of_16(const uint8_t *s, __m128i B[4]) {
    __m128i a0 = _mm_loadu_si128((const __m128i *)s), a1 = _mm_loadu_si128((const __m128i *)(s + 16));
    __m128i a2 = _mm_loadu_si128((const __m128i *)(s + 32)), a3 = _mm_loadu_si128((const __m128i *)(s + 48));
    __m128i t0 = _mm_unpacklo_epi8(a0, a1), t1 = _mm_unpackhi_epi8(a0, a1);
    __m128i t2 = _mm_unpacklo_epi8(a2, a3), t3 = _mm_unpackhi_epi8(a2, a3);
    __m128i u0 = _mm_unpacklo_epi8(t0, t1), u1 = _mm_unpackhi_epi8(t0, t1);
    __m128i u2 = _mm_unpacklo_epi8(t2, t3), u3 = _mm_unpackhi_epi8(t2, t3);
    __m128i v0 = _mm_unpacklo_epi8(u0, u1), v1 = _mm_unpackhi_epi8(u0, u1);
    __m128i v2 = _mm_unpacklo_epi8(u2, u3), v3 = _mm_unpackhi_epi8(u2, u3);
    B[0] = _mm_unpacklo_epi64(v0, v2);
    B[1] = _mm_unpackhi_epi64(v0, v2);
    B[2] = _mm_unpacklo_epi64(v1, v3);
    B[3] = _mm_unpackhi_epi64(v1, v3);
}

// Bit planes of the 16 elements at src, as 2 bytes at planes + p * stride for plane p.
static inline void shuffle_16(const uint8_t *src, uint8_t *planes, size_t stride) {
    __m128i B[4];
    bytes_of_16(src, B);
    for (int b = 0; b < 4; b++) {
        // The sign bit of each byte is bit k of that byte, for k = 7 down to 0 (x + x shifts
        // every byte left by one).
        __m128i x = B[b];
        for (int k = 7; k >= 0; k--) {
            store16(planes + (size_t)(8 * b + k) * stride, _mm_movemask_epi8(x));
            x = _mm_add_epi8(x, x);
        }
    }
}

// Elements per pass through a small buffer: 64 bytes (one cache line) of each of the 32
// planes. Written straight to the planes, 2-byte stores 32 planes apart thrash the cache when
// the plane length is a power of two (d = 512 or 1024 gives 64 KiB planes); whole lines do not.
enum { LINE = 64, PASS = 8 * LINE };

size_t ldb_bitshuffle4(const uint8_t *src, uint8_t *dst, size_t n) {
    size_t groups = n / 8, passes = n / PASS, chunks = n / 16;
    uint8_t local[32 * LINE];
    for (size_t s = 0; s < passes; s++) {
        for (size_t j = 0; j < PASS / 16; j++) shuffle_16(src + 4 * (PASS * s + 16 * j), local + 2 * j, LINE);
        for (size_t p = 0; p < 32; p++) memcpy(dst + p * groups + LINE * s, local + LINE * p, LINE);
    }
    for (size_t j = passes * (PASS / 16); j < chunks; j++) shuffle_16(src + 64 * j, dst + 2 * j, groups);
    return 16 * chunks;
}

__attribute__((target("avx2")))
static void unshuffle_avx2(const uint8_t *src, uint8_t *dst, size_t wide, size_t groups) {
    const __m256i order = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                           0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const __m256i halves = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (size_t J = 0; J < wide; J++) {
        __m256i B[4][2];  // byte b of elements 64J + 32h + 0..31
        for (int b = 0; b < 4; b++) {
            // Row r of this 8×8 byte matrix holds, for planes k = 0..7, the plane byte of
            // elements 8r..8r+7 (bit i = element 8r + i).
            const uint8_t *p = src + (size_t)(8 * b) * groups + 8 * J;
            __m128i q0 = _mm_loadl_epi64((const __m128i *)p), q1 = _mm_loadl_epi64((const __m128i *)(p + groups));
            __m128i q2 = _mm_loadl_epi64((const __m128i *)(p + 2 * groups)), q3 = _mm_loadl_epi64((const __m128i *)(p + 3 * groups));
            __m128i q4 = _mm_loadl_epi64((const __m128i *)(p + 4 * groups)), q5 = _mm_loadl_epi64((const __m128i *)(p + 5 * groups));
            __m128i q6 = _mm_loadl_epi64((const __m128i *)(p + 6 * groups)), q7 = _mm_loadl_epi64((const __m128i *)(p + 7 * groups));
            __m128i a0 = _mm_unpacklo_epi8(q0, q1), a1 = _mm_unpacklo_epi8(q2, q3);
            __m128i a2 = _mm_unpacklo_epi8(q4, q5), a3 = _mm_unpacklo_epi8(q6, q7);
            __m128i b0 = _mm_unpacklo_epi16(a0, a1), b1 = _mm_unpackhi_epi16(a0, a1);
            __m128i b2 = _mm_unpacklo_epi16(a2, a3), b3 = _mm_unpackhi_epi16(a2, a3);
            __m256i rows[2] = {_mm256_set_m128i(_mm_unpackhi_epi32(b0, b2), _mm_unpacklo_epi32(b0, b2)),
                               _mm256_set_m128i(_mm_unpackhi_epi32(b1, b3), _mm_unpacklo_epi32(b1, b3))};
            for (int h = 0; h < 2; h++) {
                // Sign bits after t doublings: byte j of m[t] is byte b of element 32h + 8j + 7 - t.
                __m256i x = rows[h];
                int m[8];
                for (int t = 0; t < 8; t++) {
                    m[t] = _mm256_movemask_epi8(x);
                    x = _mm256_add_epi8(x, x);
                }
                __m256i v = _mm256_setr_epi32(m[7], m[6], m[5], m[4], m[3], m[2], m[1], m[0]);
                B[b][h] = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, order), halves);
            }
        }
        uint8_t *d = dst + 256 * J;
        for (int h = 0; h < 2; h++) {
            __m256i x0 = _mm256_unpacklo_epi8(B[0][h], B[1][h]), x1 = _mm256_unpackhi_epi8(B[0][h], B[1][h]);
            __m256i x2 = _mm256_unpacklo_epi8(B[2][h], B[3][h]), x3 = _mm256_unpackhi_epi8(B[2][h], B[3][h]);
            __m256i o0 = _mm256_unpacklo_epi16(x0, x2), o1 = _mm256_unpackhi_epi16(x0, x2);
            __m256i o2 = _mm256_unpacklo_epi16(x1, x3), o3 = _mm256_unpackhi_epi16(x1, x3);
            uint8_t *e = d + 128 * h;
            _mm256_storeu_si256((__m256i *)e, _mm256_permute2x128_si256(o0, o1, 0x20));
            _mm256_storeu_si256((__m256i *)(e + 32), _mm256_permute2x128_si256(o2, o3, 0x20));
            _mm256_storeu_si256((__m256i *)(e + 64), _mm256_permute2x128_si256(o0, o1, 0x31));
            _mm256_storeu_si256((__m256i *)(e + 96), _mm256_permute2x128_si256(o2, o3, 0x31));
        }
    }
}

// AVX2 needs the CPU (CPUID leaf 7, EBX bit 5) and the OS saving YMM state (XCR0 bits 1-2).
static int has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & bit_AVX2) != 0;
}

size_t ldb_bitunshuffle4(const uint8_t *src, uint8_t *dst, size_t n) {
    static int known = -1;  // racing first calls compute the same answer
    int avx2 = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (avx2 < 0) {
        avx2 = has_avx2();
        __atomic_store_n(&known, avx2, __ATOMIC_RELAXED);
    }
    if (!avx2) return 0;
    size_t groups = n / 8, passes = n / PASS, wide = n / 64;
    uint8_t local[32 * LINE];
    for (size_t s = 0; s < passes; s++) {
        for (size_t p = 0; p < 32; p++) memcpy(local + LINE * p, src + p * groups + LINE * s, LINE);
        unshuffle_avx2(local, dst + 4 * PASS * s, PASS / 64, LINE);
    }
    size_t done = passes * (PASS / 64);
    unshuffle_avx2(src + 8 * done, dst + 256 * done, wide - done, groups);
    return 64 * wide;
}

#else

size_t ldb_bitshuffle4(const uint8_t *src, uint8_t *dst, size_t n) { (void)src; (void)dst; (void)n; return 0; }
size_t ldb_bitunshuffle4(const uint8_t *src, uint8_t *dst, size_t n) { (void)src; (void)dst; (void)n; return 0; }

#endif
