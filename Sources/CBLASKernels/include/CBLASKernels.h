#ifndef CBLASKERNELS_H
#define CBLASKERNELS_H

/// The OpenBLAS kernels forced at load because OpenBLAS misread this CPU ("SkylakeX",
/// "Haswell"), or NULL when its own choice stands. See kernels.c.
const char *latentdb_blas_kernel_override(void);

/// The widest OpenBLAS kernels this CPU executes (cpuid) and this OS enables (/proc/cpuinfo):
/// "SkylakeX", "Haswell" or NULL.
const char *latentdb_blas_kernels_executable(void);

#endif
