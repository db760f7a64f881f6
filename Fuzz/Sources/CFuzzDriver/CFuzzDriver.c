#include "CFuzzDriver.h"

/// libFuzzer's entry point for programs that have a `main` of their own (libclang_rt.fuzzer).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int fuzz_driver_run(int argc, char **argv, FuzzTarget target) {
    return LLVMFuzzerRunDriver(&argc, &argv, target);
}
