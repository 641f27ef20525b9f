// Dot products of one query against many database rows, in C for AVX2 + FMA chosen at run
// time (the Swift targets are built for baseline x86-64, SSE2). NeighborSearch's one-query path.
#ifndef CDOTPRODUCTS_H
#define CDOTPRODUCTS_H
#include <stddef.h>

// out[j] = alpha * dot(q, x + j * d) for j in 0..<n, and returns 1; returns 0 (nothing
// written) where the CPU lacks AVX2 or FMA, for the caller's portable loop to do it.
int ldb_dot_rows(const float *q, const float *x, size_t n, size_t d, float alpha, float *out);

#endif
