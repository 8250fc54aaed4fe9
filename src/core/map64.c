/*
 * map64.c - growth and insertion of the 64-bit key map (map64.h).  The
 * table doubles before an insertion would take the load past 0.7, so a
 * probe always ends at an empty slot.
 */
#include "core/map64.h"

#include "core/alloc.h"
#include "sanctrace/sanctrace.h"

void st_map64_free(st_map64 *m) {
    st_free(m->keys);
    st_free(m->vals);
    st_map64_init(m);
}

static int map64_grow(st_map64 *m) {
    size_t nc = m->cap ? m->cap * 2 : 1024;
    uint64_t *k = st_malloc(nc * sizeof *k);
    uint32_t *v = st_calloc(nc, sizeof *v);
    if (!k || !v) {
        st_free(k);
        st_free(v);
        return ST_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->vals[i]) continue;
        size_t h = st_map64_slot_of(m->keys[i], nc);
        while (v[h]) h = (h + 1) & (nc - 1);
        k[h] = m->keys[i];
        v[h] = m->vals[i];
    }
    st_free(m->keys);
    st_free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = nc;
    return ST_OK;
}

/* The slot of key, or the empty slot where it would go (table not empty). */
static size_t map64_find(const st_map64 *m, uint64_t key) {
    size_t h = st_map64_slot_of(key, m->cap);
    while (m->vals[h] && m->keys[h] != key) h = (h + 1) & (m->cap - 1);
    return h;
}

int st_map64_get_or_put(st_map64 *m, uint64_t key, uint32_t val, uint32_t *out, int *created) {
    if ((m->n + 1) * 10 > m->cap * 7 && map64_grow(m) != ST_OK) return ST_ENOMEM;
    size_t h = map64_find(m, key);
    *created = !m->vals[h];
    if (*created) {
        m->keys[h] = key;
        m->vals[h] = val + 1;
        m->n++;
    }
    *out = m->vals[h] - 1;
    return ST_OK;
}

int st_map64_put(st_map64 *m, uint64_t key, uint32_t val) {
    if ((m->n + 1) * 10 > m->cap * 7 && map64_grow(m) != ST_OK) return ST_ENOMEM;
    size_t h = map64_find(m, key);
    if (!m->vals[h]) m->n++;
    m->keys[h] = key;
    m->vals[h] = val + 1;
    return ST_OK;
}
