internal import CBLASKernels

/// OpenBLAS's kernels for this CPU, when it picked the wrong ones: Debian 12's OpenBLAS takes
/// newer Xeons for Prescotts (SSE3), and `sgemm` runs 4–5× slower than the CPU allows
/// (`index create` on 100,000 × 384: 70 s → 10 s). A constructor in `CBLASKernels` forces the
/// right ones before `main`, so before any BLAS call or thread (Sources/CBLASKernels/kernels.c).
public enum BLASKernels {
    /// The kernels forced at load ("SkylakeX", "Haswell"), or nil when OpenBLAS's choice stood.
    public static var override: String? { latentdb_blas_kernel_override().map { String(cString: $0) } }

    /// The widest kernels this CPU executes and its OS enables ("SkylakeX", "Haswell", nil).
    public static var executable: String? { latentdb_blas_kernels_executable().map { String(cString: $0) } }
}
