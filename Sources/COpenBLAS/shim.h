// Debian: libopenblas-dev + liblapacke-dev. Debian's OpenBLAS ships LAPACK but not LAPACKE,
// hence the second link line in the module map. cblas.h here is OpenBLAS's (it also declares
// openblas_set_num_threads).
#include <cblas.h>
#include <lapacke.h>

