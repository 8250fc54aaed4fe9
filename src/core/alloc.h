/*
 * alloc.h - the one allocator every module goes through.
 *
 * Design: thin wrappers over malloc/realloc/free so a test can make the
 * Nth allocation fail (st_alloc_fail_after) and prove each error path, as
 * Lua and SQLite do.  The fail counter is the only process-wide state in
 * sanctrace; it is meant for tests and is off (negative) by default.
 */
#ifndef ST_ALLOC_H
#define ST_ALLOC_H

#include <stddef.h>

void *st_malloc(size_t n);            /* NULL on failure */
void *st_calloc(size_t count, size_t size);
void *st_realloc(void *p, size_t n);  /* NULL on failure; p still valid */
void st_free(void *p);
char *st_strdup(const char *s);       /* caller frees with st_free */
char *st_strndup(const char *s, size_t n);

/* Zeroed memory for a large table probed at random (hash tables of
 * millions of keys): anonymous pages the kernel may back with 2 MiB pages,
 * so a probe rarely also misses the TLB.  Freed with st_free_table and the
 * same size.  NULL on failure. */
void *st_calloc_table(size_t n);
void st_free_table(void *p, size_t n);

/* Tests: allocation number n (0-based from now) and all after it fail.
 * n < 0 switches failure injection off. */
void st_alloc_fail_after(long n);

#endif
