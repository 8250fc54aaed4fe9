/*
 * prefetch.h - ask the memory for a cache line before it is read.
 *
 * Tables far larger than the caches (an address table, a hash index being
 * built) are probed at random places; a probe that waits for its line was
 * most of those loops' time.  Loops issue st_prefetch for the probe a few
 * iterations ahead.  It is an asm statement on x86: GCC 12 deletes a
 * __builtin_prefetch whose address comes through a hash as dead code.
 */
#ifndef ST_CORE_PREFETCH_H
#define ST_CORE_PREFETCH_H

#include <stddef.h>

static inline void st_prefetch(const void *p) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p);
#endif
}

/* Every cache line of n bytes at p. */
static inline void st_prefetch_span(const void *p, size_t n) {
    for (size_t k = 0; k < n; k += 64) st_prefetch((const char *)p + k);
}

#endif
