/*
 * map.c - open-addressing string map.
 * Invariant: cap is a power of two and count*10 < cap*7, so probes end.
 */
#include "core/map.h"

#include <string.h>

#include "core/alloc.h"
#include "sanctrace/sanctrace.h"

typedef struct map_slot {
    const char *key; /* NULL: empty */
    uint32_t klen;
    uint32_t hash32;
    uint64_t val;
} map_slot;

typedef struct map_block {
    struct map_block *next;
    size_t used, cap;
    char data[];
} map_block;

struct st_map {
    map_slot *slots;
    size_t cap, count;
    map_block *blocks;
};

uint64_t st_hash64(const void *p, size_t n) {
    /* FNV-1a with a final avalanche (splitmix64) */
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= s[i]; h *= 1099511628211ULL; }
    h ^= h >> 30; h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27; h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

int st_map_new(st_map **out) {
    st_map *m = st_calloc(1, sizeof *m);
    if (!m) return ST_ENOMEM;
    m->cap = 16;
    m->slots = st_calloc(m->cap, sizeof *m->slots);
    if (!m->slots) { st_free(m); return ST_ENOMEM; }
    *out = m;
    return ST_OK;
}

void st_map_free(st_map *m) {
    if (!m) return;
    map_block *b = m->blocks;
    while (b) { map_block *n = b->next; st_free(b); b = n; }
    st_free(m->slots);
    st_free(m);
}

size_t st_map_count(const st_map *m) { return m->count; }

static const char *map_keep(st_map *m, const void *key, size_t klen) {
    map_block *b = m->blocks;
    if (!b || b->cap - b->used < klen + 1) {
        size_t cap = klen + 1 > 65536 ? klen + 1 : 65536;
        b = st_malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = m->blocks;
        m->blocks = b;
    }
    char *d = b->data + b->used;
    memcpy(d, key, klen);
    d[klen] = 0;
    b->used += klen + 1;
    return d;
}

static size_t map_find(const map_slot *slots, size_t cap, const void *key, size_t klen,
                       uint64_t h) {
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        const map_slot *s = &slots[i];
        if (!s->key) return i;
        if (s->hash32 == (uint32_t)h && s->klen == klen && memcmp(s->key, key, klen) == 0) return i;
        i = (i + 1) & (cap - 1);
    }
}

static int map_grow(st_map *m) {
    size_t cap = m->cap * 2;
    map_slot *ns = st_calloc(cap, sizeof *ns);
    if (!ns) return ST_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        map_slot *s = &m->slots[i];
        if (!s->key) continue;
        size_t j = (size_t)s->hash32 & (cap - 1);
        /* hash32 holds the low bits only: rehash the key for big tables */
        if (cap > 0xFFFFFFFFu) j = (size_t)st_hash64(s->key, s->klen) & (cap - 1);
        while (ns[j].key) j = (j + 1) & (cap - 1);
        ns[j] = *s;
    }
    st_free(m->slots);
    m->slots = ns;
    m->cap = cap;
    return ST_OK;
}

uint64_t *st_map_slot(st_map *m, const void *key, size_t klen, uint64_t init, int *created) {
    if (klen > 0xFFFFFFFFu) return NULL;
    uint64_t h = st_hash64(key, klen);
    size_t i = map_find(m->slots, m->cap, key, klen, h);
    if (m->slots[i].key) {
        if (created) *created = 0;
        return &m->slots[i].val;
    }
    if ((m->count + 1) * 10 >= m->cap * 7) {
        if (map_grow(m)) return NULL;
        i = map_find(m->slots, m->cap, key, klen, h);
    }
    const char *k = map_keep(m, key, klen);
    if (!k) return NULL;
    map_slot *s = &m->slots[i];
    s->key = k;
    s->klen = (uint32_t)klen;
    s->hash32 = (uint32_t)h;
    s->val = init;
    m->count++;
    if (created) *created = 1;
    return &s->val;
}

int st_map_put(st_map *m, const void *key, size_t klen, uint64_t val) {
    uint64_t *v = st_map_slot(m, key, klen, val, NULL);
    if (!v) return ST_ENOMEM;
    *v = val;
    return ST_OK;
}

int st_map_get(const st_map *m, const void *key, size_t klen, uint64_t *val) {
    uint64_t h = st_hash64(key, klen);
    size_t i = map_find(m->slots, m->cap, key, klen, h);
    if (!m->slots[i].key) return 0;
    if (val) *val = m->slots[i].val;
    return 1;
}

int st_map_next(const st_map *m, size_t *it, const char **key, size_t *klen, uint64_t *val) {
    while (*it < m->cap) {
        const map_slot *s = &m->slots[(*it)++];
        if (!s->key) continue;
        if (key) *key = s->key;
        if (klen) *klen = s->klen;
        if (val) *val = s->val;
        return 1;
    }
    return 0;
}
