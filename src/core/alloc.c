/*
 * alloc.c - allocation wrappers with failure injection for tests.
 * Invariant: with injection off these behave exactly like libc.
 */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static _Atomic long alloc_budget = -1; /* <0: never fail */

void st_alloc_fail_after(long n) { atomic_store(&alloc_budget, n); }

/* A compare-and-swap: two threads that both saw a budget of 1 and both
 * took one would leave -1, which is "never fail", and the rest of an
 * ingest under test would run with memory. */
static int alloc_should_fail(void) {
    long b = atomic_load(&alloc_budget);
    for (;;) {
        if (b < 0) return 0;
        if (b == 0) return 1;
        if (atomic_compare_exchange_weak(&alloc_budget, &b, b - 1)) return 0;
    }
}

/* A block of 32 MiB or more may be backed with 2 MiB pages (its whole
 * 2 MiB-aligned part): such blocks are rows, columns and index images
 * written through once, and a fault per 4 KiB page was a tenth of an
 * ingest where faults are dear (a virtual machine).  32 MiB is glibc's
 * largest mmap threshold, so such a block nearly always has pages of its
 * own; a smaller one is often carved from the heap, and the hint would
 * outlive it there, on whatever small blocks the heap hands out next (a
 * large block can still come from the heap's top, rarely: the cost is
 * memory, never a wrong result).  Only a hint: with transparent huge
 * pages off, nothing changes. */
#define HUGE_MIN ((size_t)32 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

static void *huge_hint(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
    if (p && n >= HUGE_MIN) {
        uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
        if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

void *st_malloc(size_t n) {
    if (alloc_should_fail()) return NULL;
    return huge_hint(malloc(n ? n : 1), n);
}

void *st_calloc(size_t count, size_t size) {
    if (alloc_should_fail()) return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    return count && size <= SIZE_MAX / count ? huge_hint(p, count * size) : p;
}

void *st_realloc(void *p, size_t n) {
    if (alloc_should_fail()) return NULL;
    return huge_hint(realloc(p, n ? n : 1), n);
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
