/*
 * map64.h - a hash map from 64-bit keys to 32-bit values: the in-memory
 * index of the engines that key by dense ids (taint state per output,
 * rings' edge per record pair).
 *
 * Design: open addressing with linear probing over a power-of-two table of
 * two parallel arrays; Fibonacci hashing of the key; a slot is empty when
 * its stored value is 0, so values are kept plus one (every key and every
 * value but UINT32_MAX can be stored).  Load stays at or under 0.7.
 * No deletion: the users only ever add.  The struct is plain memory the
 * caller owns; st_map64_free releases the arrays.
 */
#ifndef ST_MAP64_H
#define ST_MAP64_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_map64 {
    uint64_t *keys;
    uint32_t *vals; /* value + 1; 0 = empty slot */
    size_t cap, n;
} st_map64;

/* An empty map (no allocation until the first put). */
static inline void st_map64_init(st_map64 *m) {
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}
void st_map64_free(st_map64 *m);

static inline size_t st_map64_slot_of(uint64_t key, size_t cap) {
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
}

/* 1 with *val set when key is present, 0 when absent. */
static inline int st_map64_get(const st_map64 *m, uint64_t key, uint32_t *val) {
    if (!m->cap) return 0;
    size_t h = st_map64_slot_of(key, m->cap);
    while (m->vals[h]) {
        if (m->keys[h] == key) {
            *val = m->vals[h] - 1;
            return 1;
        }
        h = (h + 1) & (m->cap - 1);
    }
    return 0;
}

/* Insert or overwrite (val < UINT32_MAX).  ST_OK or ST_ENOMEM, the map
 * unchanged then. */
int st_map64_put(st_map64 *m, uint64_t key, uint32_t val);

/* The value of key; when absent, val is inserted first and *created set.
 * ST_OK or ST_ENOMEM. */
int st_map64_get_or_put(st_map64 *m, uint64_t key, uint32_t val, uint32_t *out, int *created);

#endif
