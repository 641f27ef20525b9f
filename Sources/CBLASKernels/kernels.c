// Debian 12's OpenBLAS (0.3.21, built for every x86 architecture and choosing at load) knows CPUs
// by family and model: newer ones than it (the Sapphire Rapids Xeons this project runs on) fall
// back to its Prescott (SSE3) kernels, and sgemm runs 4-5x slower than with the AVX-512 ones
// the CPU has. This constructor runs after OpenBLAS's own (a library's constructors run before
// those of what links it) and before main, so before any BLAS call and any thread: when the user
// set no OPENBLAS_CORETYPE and OpenBLAS chose Prescott, it asks cpuid what the CPU executes (an
// emulator that hides AVX-512, as valgrind does, is believed) and /proc/cpuinfo what the OS
// saves, and re-runs OpenBLAS's dispatch with SkylakeX or Haswell forced. A build of OpenBLAS
// without dynamic dispatch has no gotoblas_dynamic_init and keeps its kernels.
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "CBLASKernels.h"

static const char *forced = NULL;

/// AVX-512 F, DQ, CD, BW, VL: cpuid leaf 7, EBX bits 16, 17, 28, 30, 31.
static int cpu_has_avx512(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned need = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    return (b & need) == need;
}

/// AVX2 (leaf 7, EBX bit 5) and FMA (leaf 1, ECX bit 12).
static int cpu_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 12))) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 5)) != 0;
}

/// Whether every flag in `names` (space-separated) is in the `flags` line of /proc/cpuinfo.
static int os_has(const char *names) {
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (!file) return 0;
    char *line = NULL;
    size_t capacity = 0;
    int found = 0;
    while (getline(&line, &capacity, file) > 0) {
        if (strncmp(line, "flags", 5) != 0) continue;
        found = 1;
        char wanted[128];
        snprintf(wanted, sizeof wanted, "%s", names);
        for (char *save = NULL, *name = strtok_r(wanted, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
            char padded[40];
            snprintf(padded, sizeof padded, " %s", name);
            char *at = strstr(line, padded);
            size_t length = strlen(padded);
            // Whole words only: "avx512f" must not match "avx512fp16".
            while (at && at[length] != ' ' && at[length] != '\n' && at[length] != '\0') at = strstr(at + 1, padded);
            if (!at) { found = 0; break; }
        }
        break;
    }
    free(line);
    fclose(file);
    return found;
}

const char *latentdb_blas_kernels_executable(void) {
    if (cpu_has_avx512() && os_has("avx512f avx512dq avx512cd avx512bw avx512vl")) return "SkylakeX";
    if (cpu_has_avx2_fma() && os_has("avx2 fma")) return "Haswell";
    return NULL;
}

const char *latentdb_blas_kernel_override(void) { return forced; }

__attribute__((constructor)) static void choose_blas_kernels(void) {
    if (getenv("OPENBLAS_CORETYPE")) return;
    char *(*corename)(void) = (char *(*)(void))dlsym(RTLD_DEFAULT, "openblas_get_corename");
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (!corename || !quit || !init) return;
    const char *core = corename();
    if (!core || strcasecmp(core, "prescott") != 0) return;
    const char *wanted = latentdb_blas_kernels_executable();
    if (!wanted) return;
    setenv("OPENBLAS_CORETYPE", wanted, 1);
    quit();
    init();
    unsetenv("OPENBLAS_CORETYPE");
    forced = wanted;
}
