// Counts heap allocations, for the race processor's allocation benchmark (BENCHMARKS.md):
//   cc -shared -fPIC -O2 -o /tmp/malloc-count.so scripts/malloc-count.c -ldl
//   LD_PRELOAD=/tmp/malloc-count.so .build/release/decode-benchmarks 200 race
// Every malloc, calloc, realloc and posix_memalign/aligned_alloc call is counted, then forwarded to
// the C library's own; malloc_count_total() returns the count so far.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

static uint64_t allocations;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

uint64_t malloc_count_total(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }

static void counted(void) { __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED); }

void *malloc(size_t size) { counted(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { counted(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { counted(); return __libc_realloc(p, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    counted();
    void *p = __libc_memalign(alignment, size);
    if (!p) return 12;
    *out = p;
    return 0;
}
void *aligned_alloc(size_t alignment, size_t size) { counted(); return __libc_memalign(alignment, size); }
