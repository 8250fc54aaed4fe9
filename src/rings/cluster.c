/*
 * cluster.c - from merge edges to rings, without chaining strangers.
 *
 * Design: only merge edges (a rare strong value, a near photo or résumé,
 * or a person-duplicate score) join records; weak values never do, so a
 * staffing agency's address or an office VPN cannot chain strangers.  The
 * remaining risk is one strong value joining two dense groups: every
 * bridge of the merge graph (an edge whose removal splits its component)
 * whose two sides both hold three or more records and whose evidence is a
 * single signal is cut.  Bridges are found by an iterative Tarjan DFS
 * (no recursion: a component can hold a million records).
 * Invariant: clusters and their members are listed in record (id) order.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "rings/rings_int.h"

#define BRIDGE_SIDE_MIN 3
#define PERSONA_EXACT_MAX 3000  /* larger clusters count personas over edges only */

static int edge_live(const rg_edge *e) { return e->merged && !e->cut; }

/* Mark bridges with two big sides as cut.  adj is CSR over live edges. */
static int cut_bridges(st_rings *r) {
    size_t n = r->recs.len, ne = r->edges.len;
    rg_edge *E = r->edges.data;
    int rc = ST_ENOMEM;
    uint32_t *start = st_calloc(n + 1, sizeof *start);
    uint32_t *adj = NULL, *disc = NULL, *low = NULL, *sub = NULL, *stk = NULL, *pe = NULL, *pos = NULL,
             *comp = NULL;
    if (!start) goto done;
    for (size_t e = 0; e < ne; e++)
        if (edge_live(&E[e])) { start[E[e].a + 1]++; start[E[e].b + 1]++; }
    for (size_t i = 0; i < n; i++) start[i + 1] += start[i];
    adj = st_malloc((start[n] + 1) * sizeof *adj);
    disc = st_calloc(n, sizeof *disc);
    low = st_malloc(n * sizeof *low);
    sub = st_malloc(n * sizeof *sub);
    stk = st_malloc(n * sizeof *stk);
    pe = st_malloc(n * sizeof *pe);
    pos = st_malloc(n * sizeof *pos);
    comp = st_malloc(n * sizeof *comp);
    if (!adj || !disc || !low || !sub || !stk || !pe || !pos || !comp) goto done;
    {
        uint32_t *fill = st_malloc((n + 1) * sizeof *fill);
        if (!fill) goto done;
        memcpy(fill, start, (n + 1) * sizeof *fill);
        for (size_t e = 0; e < ne; e++)
            if (edge_live(&E[e])) { adj[fill[E[e].a]++] = (uint32_t)e; adj[fill[E[e].b]++] = (uint32_t)e; }
        st_free(fill);
    }
    uint32_t timer = 0;
    for (size_t root = 0; root < n; root++) {
        if (disc[root] || start[root + 1] == start[root]) continue;
        /* iterative DFS computing discovery times, low links and subtree sizes */
        size_t sp = 0;
        stk[sp++] = (uint32_t)root;
        pe[root] = UINT32_MAX;
        disc[root] = low[root] = ++timer;
        sub[root] = 1;
        comp[root] = (uint32_t)root;
        pos[root] = start[root];
        while (sp) {
            uint32_t u = stk[sp - 1];
            if (pos[u] < start[u + 1]) {
                uint32_t e = adj[pos[u]++];
                if (e == pe[u]) continue;
                uint32_t v = E[e].a == u ? E[e].b : E[e].a;
                if (!disc[v]) {
                    disc[v] = low[v] = ++timer;
                    sub[v] = 1;
                    comp[v] = (uint32_t)root;
                    pe[v] = e;
                    pos[v] = start[v];
                    stk[sp++] = v;
                } else if (disc[v] < low[u]) low[u] = disc[v];
            } else {
                sp--;
                if (pe[u] != UINT32_MAX) {
                    uint32_t p = E[pe[u]].a == u ? E[pe[u]].b : E[pe[u]].a;
                    if (low[u] < low[p]) low[p] = low[u];
                    sub[p] += sub[u];
                }
            }
        }
    }
    /* second pass: every vertex with a parent edge is the child end of a tree edge */
    for (size_t u = 0; u < n; u++) {
        if (!disc[u] || pe[u] == UINT32_MAX) continue;
        rg_edge *e = &E[pe[u]];
        uint32_t p = e->a == u ? e->b : e->a;
        if (low[u] <= disc[p]) continue; /* not a bridge */
        uint32_t side = sub[u], other = sub[comp[u]] - sub[u];
        if (side < BRIDGE_SIDE_MIN || other < BRIDGE_SIDE_MIN) continue;
        if (e->person >= 5.0f) continue;   /* the same person on both sides */
        if (e->strong >= 1.5f) continue;   /* more than one signal */
        e->cut = 1;
    }
    rc = ST_OK;
done:
    st_free(start);
    st_free(adj);
    st_free(disc);
    st_free(low);
    st_free(sub);
    st_free(stk);
    st_free(pe);
    st_free(pos);
    st_free(comp);
    return rc;
}

int rg_cluster(st_rings *r, st_error *err) {
    size_t n = r->recs.len;
    rg_edge *E = r->edges.data;
    if (cut_bridges(r) != ST_OK) return st_error_set(err, ST_ENOMEM, "out of memory while clustering");
    uint32_t *parent = st_malloc((n + 1) * sizeof *parent);
    uint32_t *size = st_calloc(n + 1, sizeof *size);
    r->cluster = st_malloc((n + 1) * sizeof *r->cluster);
    if (!parent || !size || !r->cluster) goto oom;
    for (size_t i = 0; i < n; i++) parent[i] = (uint32_t)i;
    for (size_t e = 0; e < r->edges.len; e++)
        if (edge_live(&E[e])) rg_uf_union(parent, E[e].a, E[e].b);
    if (rg_operations(r, parent, err) != ST_OK) { st_free(parent); st_free(size); return err->code ? err->code : ST_ENOMEM; }
    for (size_t i = 0; i < n; i++) size[rg_uf_find(parent, (uint32_t)i)]++;
    /* clusters numbered by their smallest member (the root), in id order */
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t root = rg_uf_find(parent, (uint32_t)i);
        if (size[root] < 2) { r->cluster[i] = UINT32_MAX; continue; }
        if (root == i) r->cluster[i] = (uint32_t)nc++;
        else r->cluster[i] = r->cluster[root];
    }
    r->nclusters = nc;
    r->cl_start = st_calloc(nc + 1, sizeof *r->cl_start);
    r->cl_members = st_malloc((n + 1) * sizeof *r->cl_members);
    r->personas = st_calloc(nc + 1, sizeof *r->personas);
    if (!r->cl_start || !r->cl_members || !r->personas) goto oom;
    for (size_t i = 0; i < n; i++)
        if (r->cluster[i] != UINT32_MAX) r->cl_start[r->cluster[i] + 1]++;
    for (size_t c = 0; c < nc; c++) r->cl_start[c + 1] += r->cl_start[c];
    {
        uint32_t *fill = st_malloc((nc + 1) * sizeof *fill);
        if (!fill) goto oom;
        memcpy(fill, r->cl_start, (nc + 1) * sizeof *fill);
        for (size_t i = 0; i < n; i++)
            if (r->cluster[i] != UINT32_MAX) r->cl_members[fill[r->cluster[i]]++] = (uint32_t)i;
        st_free(fill);
    }
    /* personas: records of one cluster that are the same person collapse */
    for (size_t i = 0; i < n; i++) parent[i] = (uint32_t)i;
    for (size_t c = 0; c < nc; c++) {
        uint32_t lo = r->cl_start[c], hi = r->cl_start[c + 1];
        if (hi - lo <= PERSONA_EXACT_MAX) {
            for (uint32_t x = lo; x < hi; x++)
                for (uint32_t y = x + 1; y < hi; y++) {
                    uint32_t a = r->cl_members[x], b = r->cl_members[y];
                    if (rg_uf_find(parent, a) == rg_uf_find(parent, b)) continue;
                    if (rg_same_persona(&RG_AT(r->recs, rg_rec, a), &RG_AT(r->recs, rg_rec, b))) rg_uf_union(parent, a, b);
                }
        }
    }
    for (size_t e = 0; e < r->edges.len; e++)
        if (edge_live(&E[e]) && E[e].person >= 5.0f) rg_uf_union(parent, E[e].a, E[e].b);
    for (size_t c = 0; c < nc; c++)
        for (uint32_t x = r->cl_start[c]; x < r->cl_start[c + 1]; x++) {
            uint32_t a = r->cl_members[x];
            if (rg_uf_find(parent, a) == a) r->personas[c]++;
        }
    st_free(parent);
    st_free(size);
    return ST_OK;
oom:
    st_free(parent);
    st_free(size);
    return st_error_set(err, ST_ENOMEM, "out of memory while clustering");
}
