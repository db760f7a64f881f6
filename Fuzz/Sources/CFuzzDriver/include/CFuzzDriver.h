#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// The function libFuzzer calls with each input.
typedef int (*FuzzTarget)(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver (command-line flags, corpus, mutation loop) on `target`.
///
/// SwiftPM links executables with `main` aliased to `<Module>_main`, so libFuzzer's own `main` is
/// never used; each fuzzer's `<Module>_main` calls this instead.
int fuzz_driver_run(int argc, char **argv, FuzzTarget target);

#endif
