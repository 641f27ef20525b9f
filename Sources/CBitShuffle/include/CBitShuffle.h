// Bit-shuffle kernels for 4-byte elements, in C for the x86 SIMD instructions Swift does not
// expose (pmovmskb gathers the top bit of 16 or 32 bytes in one instruction). The layout is
// the one EmbeddingCodec's Shuffle documents; these only do the bulk of it.
#ifndef CBITSHUFFLE_H
#define CBITSHUFFLE_H
#include <stddef.h>
#include <stdint.h>

// Writes the bit planes of elements 0..<k of the n 4-byte elements of src into dst (planes of
// n / 8 bytes each) and returns k, a multiple of 16 (0 where the CPU has no kernel); the
// caller does the rest. SSE2.
size_t ldb_bitshuffle4(const uint8_t *src, uint8_t *dst, size_t n);

// The inverse: rebuilds elements 0..<k of dst from the bit planes in src and returns k, a
// multiple of 64 (0 without AVX2, checked at run time).
size_t ldb_bitunshuffle4(const uint8_t *src, uint8_t *dst, size_t n);

#endif
