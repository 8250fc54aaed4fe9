/*
 * alloc.c - allocation wrappers with failure injection for tests.
 * Invariant: with injection off these behave exactly like libc.
 */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static _Atomic long alloc_budget = -1; /* <0: never fail */

void st_alloc_fail_after(long n) { atomic_store(&alloc_budget, n); }

static int alloc_should_fail(void) {
    long b = atomic_load(&alloc_budget);
    if (b < 0) return 0;
    if (b == 0) return 1;
    atomic_fetch_sub(&alloc_budget, 1);
    return 0;
}

void *st_malloc(size_t n) {
    if (alloc_should_fail()) return NULL;
    return malloc(n ? n : 1);
}

void *st_calloc(size_t count, size_t size) {
    if (alloc_should_fail()) return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *st_realloc(void *p, size_t n) {
    if (alloc_should_fail()) return NULL;
    return realloc(p, n ? n : 1);
}

void st_free(void *p) { free(p); }

void *st_calloc_table(size_t n) {
    if (alloc_should_fail()) return NULL;
    if (!n) n = 1;
#ifdef MADV_HUGEPAGE
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (n >= ((size_t)2 << 20)) (void)madvise(p, n, MADV_HUGEPAGE); /* a hint: small pages work too */
    return p;
#else
    return calloc(1, n);
#endif
}

void st_free_table(void *p, size_t n) {
    if (!p) return;
#ifdef MADV_HUGEPAGE
    munmap(p, n ? n : 1);
#else
    (void)n;
    free(p);
#endif
}

char *st_strndup(const char *s, size_t n) {
    char *d = st_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *st_strdup(const char *s) { return st_strndup(s, strlen(s)); }
