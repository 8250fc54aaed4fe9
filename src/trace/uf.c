/*
 * uf.c - union-find over 64-bit ids, and the CoinJoin shape test.
 *
 * Design: two flat arrays (parent, size), path halving on find and union
 * by size, so a chain of a billion unions stays near-linear.  Invariant:
 * size[r] is exact for every root r; entries of non-roots are stale.
 * The CoinJoin test lives here because every clustering front end (the
 * store, GraphSense's JSON transactions in the tests) shares it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/trace.h"

struct st_uf {
    uint64_t n;
    uint64_t *parent; /* owned, n entries */
    uint64_t *size;   /* owned, n entries */
};

int st_uf_new(st_uf **out, uint64_t n) {
    *out = NULL;
    st_uf *u = st_calloc(1, sizeof *u);
    if (!u) return ST_ENOMEM;
    u->n = n;
    u->parent = st_malloc((n ? n : 1) * sizeof *u->parent);
    u->size = st_malloc((n ? n : 1) * sizeof *u->size);
    if (!u->parent || !u->size) {
        st_uf_free(u);
        return ST_ENOMEM;
    }
    for (uint64_t i = 0; i < n; i++) {
        u->parent[i] = i;
        u->size[i] = 1;
    }
    *out = u;
    return ST_OK;
}

void st_uf_free(st_uf *u) {
    if (!u) return;
    st_free(u->parent);
    st_free(u->size);
    st_free(u);
}

uint64_t st_uf_count(const st_uf *u) { return u->n; }

uint64_t st_uf_find(st_uf *u, uint64_t x) {
    uint64_t *p = u->parent;
    while (p[x] != x) {
        p[x] = p[p[x]]; /* path halving */
        x = p[x];
    }
    return x;
}

uint64_t st_uf_size(st_uf *u, uint64_t x) { return u->size[st_uf_find(u, x)]; }

int st_uf_union(st_uf *u, uint64_t a, uint64_t b) {
    uint64_t ra = st_uf_find(u, a), rb = st_uf_find(u, b);
    if (ra == rb) return 0;
    if (u->size[ra] < u->size[rb]) {
        uint64_t t = ra;
        ra = rb;
        rb = t;
    }
    u->parent[rb] = ra;
    u->size[ra] += u->size[rb];
    return 1;
}

const char *st_coinjoin_name(st_coinjoin_kind k) {
    switch (k) {
    case ST_CJ_WHIRLPOOL: return "whirlpool";
    case ST_CJ_WASABI: return "wasabi";
    case ST_CJ_JOINMARKET: return "joinmarket";
    default: return "none";
    }
}

static int cj_cmp(const void *x, const void *y) {
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Below this an "equal output" is dust, not a mixing denomination. */
#define CJ_MIN_VALUE 10000
#define CJ_MAX_OUTPUTS 4096

st_coinjoin_kind st_coinjoin_detect(size_t nin, size_t in_owners,
                                    const int64_t *out_values, size_t nout) {
    if (nin < 2 || in_owners < 2 || nout < 2 || nout > CJ_MAX_OUTPUTS) return ST_CJ_NONE;
    int64_t stackv[64];
    int64_t *v = nout <= 64 ? stackv : st_malloc(nout * sizeof *v);
    if (!v) return ST_CJ_NONE;
    size_t m = 0;
    for (size_t i = 0; i < nout; i++)
        if (out_values[i] > 0) v[m++] = out_values[i];
    qsort(v, m, sizeof *v, cj_cmp);
    /* the most frequent value of mixing size (ties: the larger value) */
    size_t k = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && v[j] == v[i]) j++;
        if (v[i] >= CJ_MIN_VALUE && j - i >= k) k = j - i;
        i = j;
    }
    if (v != stackv) st_free(v);
    if (k < 2) return ST_CJ_NONE;
    if (nin == 5 && nout == 5 && k == 5 && in_owners == 5) return ST_CJ_WHIRLPOOL;
    if (k >= 10 && in_owners >= 5 && nin >= k / 2) return ST_CJ_WASABI;
    if (nout >= 3 && in_owners >= k && nin >= k && m <= 2 * k) return ST_CJ_JOINMARKET;
    return ST_CJ_NONE;
}
