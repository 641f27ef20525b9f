// SwiftPM links an executable target with `main` defined as `<module>_main`; with
// -parse-as-library the Swift side has no entry point, so these hand control to libFuzzer's
// driver (LLVMFuzzerRunDriver), which calls the target's LLVMFuzzerTestOneInput. Each fuzz
// executable defines exactly one LLVMFuzzerTestOneInput and uses exactly one of these.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));

static int run(int argc, char **argv) { return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput); }

int fuzz_npy_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_block_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_translator_main(int argc, char **argv) { return run(argc, argv); }
