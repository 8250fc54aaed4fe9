/*
 * cluster.c - address clusters over the chain store, written as one
 * derived file DIR/cluster.col, and the "why are these two joined" query.
 *
 * Design: one pass over the transactions in chain order.  Each non-coinbase
 * transaction joins the addresses of its inputs (multi-input heuristic)
 * unless its shape is a CoinJoin; optional change heuristics join the
 * change output's address too.  Every union that joins two different sets
 * records an edge (address, address, tx): those edges form a spanning
 * forest of the clusters, so a breadth-first search over one cluster's
 * edges yields the shortest chain of co-spending transactions between two
 * of its addresses.
 *
 * File layout (little endian, fixed header then arrays of uint64_t):
 *   header: magic "STCLUST1", ntx, naddr, nedges, nclusters, flags, 2 spare
 *   cid[naddr]    cluster id = smallest address id of the cluster
 *   csize[naddr]  size of the cluster whose id is the index (0 elsewhere)
 *   cnext[naddr]  next member of the same cluster, ascending, or NONE
 *   edges[nedges][3]  (address a, address b, tx) per union, in chain order
 * Invariant: the file describes exactly the store state with ntx
 * transactions and naddr addresses; st_clusters_open refuses any other.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/map.h"
#include "core/progress.h"
#include "sanctrace/trace.h"

#define CL_MAGIC "STCLUST1"
#define CL_HDR_WORDS 8
#define CL_FILE "cluster.col"
#define CL_MAX_ADDR_IN 100000 /* inputs considered per transaction */

struct st_clusters {
    void *map;          /* owned mapping */
    size_t maplen;
    uint64_t naddr, nedges, nclusters, ntx;
    const uint64_t *cid, *csize, *cnext, *edges;
};

int st_change_parse(const char *list, unsigned *bits, st_error *err) {
    *bits = 0;
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 5 && !strncmp(p, "fresh", 5)) *bits |= ST_CHANGE_FRESH;
        else if (n == 4 && !strncmp(p, "type", 4)) *bits |= ST_CHANGE_TYPE;
        else if (n == 5 && !strncmp(p, "round", 5)) *bits |= ST_CHANGE_ROUND;
        else if (n == 4 && !strncmp(p, "none", 4)) {}
        else return st_error_set(err, ST_EINVAL, "unknown change heuristic '%.*s' (fresh, type, round)",
                                 (int)(n > 40 ? 40 : n), p);
        p = e ? e + 1 : NULL;
    }
    return ST_OK;
}

/* Growable array of uint64_t triples, hard-limited by the address count. */
typedef struct cl_edges {
    uint64_t *v;
    size_t n, cap; /* in triples */
} cl_edges;

static int edges_push(cl_edges *e, uint64_t a, uint64_t b, uint64_t tx) {
    if (e->n == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 1024;
        uint64_t *p = st_realloc(e->v, nc * 3 * sizeof *p);
        if (!p) return ST_ENOMEM;
        e->v = p;
        e->cap = nc;
    }
    e->v[e->n * 3] = a;
    e->v[e->n * 3 + 1] = b;
    e->v[e->n * 3 + 2] = tx;
    e->n++;
    return ST_OK;
}

/* Trailing decimal zeros of a satoshi amount: payments are typed by
 * people (1.2345 BTC), change is whatever is left (0.87651111 BTC). */
static int trailing_zeros(int64_t v) {
    int n = 0;
    while (v > 0 && v % 10 == 0 && n < 18) v /= 10, n++;
    return n;
}

/* Pick the change output of tx t by the enabled heuristics; NONE when the
 * heuristics find none or disagree. */
static uint64_t change_output(const st_chain *c, const st_chain_cols *k, uint64_t t,
                              unsigned bits, int in_type) {
    uint64_t o0, o1;
    st_chain_tx_outs(k, t, &o0, &o1);
    if (o1 - o0 < 2) return ST_CHAIN_NONE;
    uint64_t pick = ST_CHAIN_NONE;
    int any = 0;
    if (bits & ST_CHANGE_FRESH) {
        uint64_t cand = ST_CHAIN_NONE;
        int n = 0;
        for (uint64_t o = o0; o < o1; o++) {
            uint64_t a = st_chain_out_address(k, o);
            if (a == ST_CHAIN_NONE) continue;
            if (st_chain_addr_first_out(c, a) == o) cand = o, n++;
        }
        if (n != 1) return ST_CHAIN_NONE;
        pick = cand;
        any = 1;
    }
    if (bits & ST_CHANGE_TYPE) {
        uint64_t cand = ST_CHAIN_NONE;
        int n = 0;
        if (in_type < 0) return ST_CHAIN_NONE;
        for (uint64_t o = o0; o < o1; o++)
            if (k->out_type[o] == in_type) cand = o, n++;
        if (n != 1 || (any && cand != pick)) return ST_CHAIN_NONE;
        pick = cand;
        any = 1;
    }
    if (bits & ST_CHANGE_ROUND) {
        if (o1 - o0 != 2) return ST_CHAIN_NONE;
        int z0 = trailing_zeros(k->out_value[o0]), z1 = trailing_zeros(k->out_value[o0 + 1]);
        uint64_t cand;
        if (z0 >= 3 && z0 >= z1 + 2) cand = o0 + 1;      /* output 0 is the round payment */
        else if (z1 >= 3 && z1 >= z0 + 2) cand = o0;
        else return ST_CHAIN_NONE;
        if (any && cand != pick) return ST_CHAIN_NONE;
        pick = cand;
    }
    if (pick != ST_CHAIN_NONE && st_chain_out_address(k, pick) == ST_CHAIN_NONE) return ST_CHAIN_NONE;
    return pick;
}

/* Builder state shared by the helpers below. */
typedef struct cl_build {
    st_uf *uf;
    cl_edges edges;
    const st_cluster_opts *opts;
    st_cluster_report *rep;
    uint64_t large;
} cl_build;

static int join(cl_build *b, const st_chain *c, uint64_t a, uint64_t x, uint64_t tx) {
    uint64_t ra = st_uf_find(b->uf, a), rx = st_uf_find(b->uf, x);
    if (ra == rx) return ST_OK;
    uint64_t sa = st_uf_size(b->uf, ra), sx = st_uf_size(b->uf, rx);
    if (sa >= b->large && sx >= b->large) {
        b->rep->large_merges++;
        if (b->opts && b->opts->on_warn) {
            char msg[400], ta[128], tb[128], hx[65];
            st_chain_cols k;
            st_chain_get_cols(c, &k);
            st_chain_addr_text(c, a, ta, sizeof ta);
            st_chain_addr_text(c, x, tb, sizeof tb);
            st_chain_hash_hex(k.tx_hash[tx], hx);
            snprintf(msg, sizeof msg,
                     "tx %s joins two large clusters: %llu addresses (with %s) and %llu (with %s)",
                     hx, (unsigned long long)sa, ta, (unsigned long long)sx, tb);
            b->opts->on_warn(b->opts->ctx, msg);
        }
    }
    st_uf_union(b->uf, ra, rx);
    b->rep->unions++;
    return edges_push(&b->edges, a, x, tx);
}

static int cl_scan(cl_build *b, const st_chain *c, const st_chain_cols *k) {
    size_t cap = 256;
    uint64_t *addrs = st_malloc(cap * sizeof *addrs);
    int64_t *vals = st_malloc(cap * sizeof *vals);
    int rc = ST_OK;
    st_progress pg;
    st_progress_begin(&pg, "clustering", k->ntx);
    if (!b->opts || !b->opts->progress) pg.enabled = 0;
    if (!addrs || !vals) { rc = ST_ENOMEM; goto done; }
    for (uint64_t t = 0; t < k->ntx; t++) {
        if ((t & 0xffff) == 0) st_progress_tick(&pg, t);
        uint64_t i0, i1, o0, o1;
        st_chain_tx_ins(k, t, &i0, &i1);
        st_chain_tx_outs(k, t, &o0, &o1);
        if (st_chain_is_coinbase(k, t)) continue;
        uint64_t nin = i1 - i0, nout = o1 - o0;
        size_t need = (size_t)(nin > nout ? nin : nout);
        if (need > CL_MAX_ADDR_IN) need = CL_MAX_ADDR_IN;
        if (need > cap) {
            size_t nc = need;
            uint64_t *pa = st_realloc(addrs, nc * sizeof *pa);
            if (!pa) { rc = ST_ENOMEM; goto done; }
            addrs = pa;
            int64_t *pv = st_realloc(vals, nc * sizeof *pv);
            if (!pv) { rc = ST_ENOMEM; goto done; }
            vals = pv;
            cap = nc;
        }
        size_t na = 0;
        int in_type = -2;
        for (uint64_t i = i0; i < i1 && na < cap; i++) {
            uint64_t p = st_chain_prev(k, i);
            if (p == ST_CHAIN_NONE) { in_type = -1; continue; }
            int ty = k->out_type[p];
            in_type = in_type == -2 ? ty : (in_type == ty ? in_type : -1);
            if (st_chain_out_address(k, p) != ST_CHAIN_NONE) addrs[na++] = st_chain_out_address(k, p);
        }
        if (na == 0) continue;
        /* distinct owners: sort a copy in vals' space is not possible; count by sorting addrs */
        size_t owners = 0;
        {
            /* insertion sort for the common small case, shell sort otherwise */
            for (size_t x = 1; x < na && na <= 32; x++) {
                uint64_t v = addrs[x];
                size_t y = x;
                while (y > 0 && addrs[y - 1] > v) { addrs[y] = addrs[y - 1]; y--; }
                addrs[y] = v;
            }
            if (na > 32) {
                /* simple heap-free sort: shell sort keeps this file self-contained */
                for (size_t gap = na / 2; gap > 0; gap /= 2)
                    for (size_t x = gap; x < na; x++) {
                        uint64_t v = addrs[x];
                        size_t y = x;
                        while (y >= gap && addrs[y - gap] > v) { addrs[y] = addrs[y - gap]; y -= gap; }
                        addrs[y] = v;
                    }
            }
            for (size_t x = 0; x < na; x++)
                if (x == 0 || addrs[x] != addrs[x - 1]) addrs[owners++] = addrs[x];
        }
        size_t nv = 0;
        for (uint64_t o = o0; o < o1 && nv < cap; o++)
            vals[nv++] = k->out_type[o] == ST_SCRIPT_OP_RETURN ? -1 : k->out_value[o];
        if (owners >= 2 && st_coinjoin_detect((size_t)nin, owners, vals, nv) != ST_CJ_NONE) {
            b->rep->coinjoins++;
            if (!b->opts || !b->opts->merge_coinjoin) continue;
        }
        for (size_t x = 1; x < owners; x++)
            if ((rc = join(b, c, addrs[0], addrs[x], t))) goto done;
        if (b->opts && b->opts->change) {
            uint64_t ch = change_output(c, k, t, b->opts->change, in_type);
            if (ch != ST_CHAIN_NONE) {
                uint64_t before = b->rep->unions;
                if ((rc = join(b, c, addrs[0], st_chain_out_address(k, ch), t))) goto done;
                if (b->rep->unions != before) b->rep->change_links++;
            }
        }
    }
done:
    st_progress_end(&pg);
    st_free(addrs);
    st_free(vals);
    return rc;
}

int st_cluster_build(const char *dir, const st_cluster_opts *opts,
                     st_cluster_report *rep, st_error *err) {
    st_cluster_report dummy;
    if (!rep) rep = &dummy;
    memset(rep, 0, sizeof *rep);
    double t0 = st_now();
    st_chain *c = NULL;
    uint64_t *file = NULL, *rootmin = NULL;
    cl_build b = {0};
    int rc = st_chain_open(&c, dir, err);
    if (rc) return rc;
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    b.opts = opts;
    b.rep = rep;
    b.large = opts && opts->large ? opts->large : 10000;
    if ((rc = st_uf_new(&b.uf, k.naddr))) goto fail_mem;
    if ((rc = cl_scan(&b, c, &k))) goto fail_mem;

    uint64_t n = k.naddr;
    size_t words = CL_HDR_WORDS + 3 * (size_t)n + 3 * b.edges.n;
    file = st_malloc(words * sizeof *file);
    rootmin = st_malloc((n ? n : 1) * sizeof *rootmin);
    if (!file || !rootmin) { rc = ST_ENOMEM; goto fail_mem; }
    uint64_t *cid = file + CL_HDR_WORDS, *csize = cid + n, *cnext = csize + n;
    for (uint64_t a = 0; a < n; a++) rootmin[a] = ST_CHAIN_NONE;
    uint64_t nclusters = 0;
    for (uint64_t a = 0; a < n; a++) {
        uint64_t r = st_uf_find(b.uf, a);
        if (rootmin[r] == ST_CHAIN_NONE) rootmin[r] = a, nclusters++;
        cid[a] = rootmin[r];
        csize[a] = 0;
    }
    for (uint64_t a = 0; a < n; a++)
        if (cid[a] == a) {
            csize[a] = st_uf_size(b.uf, a);
            if (csize[a] == 1) rep->singletons++;
            if (csize[a] > rep->largest) rep->largest = csize[a], rep->largest_id = a;
        }
    /* member lists, ascending: walk down, prepend */
    for (uint64_t a = 0; a < n; a++) rootmin[a] = ST_CHAIN_NONE; /* now: head per cluster */
    for (uint64_t a = n; a-- > 0;) {
        cnext[a] = rootmin[cid[a]];
        rootmin[cid[a]] = a;
    }
    memcpy(file, CL_MAGIC, 8);
    file[1] = k.ntx;
    file[2] = n;
    file[3] = b.edges.n;
    file[4] = nclusters;
    file[5] = (opts ? opts->change : 0) | ((opts && opts->merge_coinjoin) ? 0x100u : 0);
    file[6] = file[7] = 0;
    if (b.edges.n) memcpy(cnext + n, b.edges.v, b.edges.n * 3 * sizeof(uint64_t));
    rep->addresses = n;
    rep->clusters = nclusters;
    char path[4096];
    if (st_path_join(path, sizeof path, dir, CL_FILE)) {
        rc = st_error_set(err, ST_ELIMIT, "store path too long: %s", dir);
        goto out;
    }
    rc = st_file_write_atomic(path, file, words * sizeof *file, err);
    rep->seconds = st_now() - t0;
    goto out;
fail_mem:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory while clustering %s", dir);
out:
    st_free(rootmin);
    st_free(file);
    st_free(b.edges.v);
    st_uf_free(b.uf);
    st_chain_close(c);
    return rc;
}

int st_clusters_open(st_clusters **out, const char *dir, const st_chain *c, st_error *err) {
    *out = NULL;
    char path[4096];
    if (st_path_join(path, sizeof path, dir, CL_FILE))
        return st_error_set(err, ST_ELIMIT, "store path too long: %s", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_at(err, ST_ENOTFOUND, path, 0, -1,
                                   "no clusters yet: run 'sanctrace chain cluster --db %s'", dir);
    struct stat sb;
    if (fstat(fd, &sb) || sb.st_size < (off_t)(CL_HDR_WORDS * 8)) {
        close(fd);
        return st_error_at(err, ST_ECORRUPT, path, 0, 0, "cluster file too short");
    }
    void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return st_error_at(err, ST_EIO, path, 0, -1, "cannot map cluster file");
    const uint64_t *h = m;
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    int rc = ST_OK;
    uint64_t naddr = h[2], nedges = h[3];
    if (memcmp(h, CL_MAGIC, 8)) rc = st_error_at(err, ST_ECORRUPT, path, 0, 0, "not a sanctrace cluster file");
    else if (naddr > ((uint64_t)sb.st_size / 8) || nedges > ((uint64_t)sb.st_size / 24) ||
             (CL_HDR_WORDS + 3 * naddr + 3 * nedges) * 8 != (uint64_t)sb.st_size)
        rc = st_error_at(err, ST_ECORRUPT, path, 0, 0, "cluster file size does not match its header");
    else if (h[1] != s.transactions || naddr != s.addresses)
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1,
                         "clusters are stale (built for %llu transactions, the store has %llu): "
                         "run 'sanctrace chain cluster' again",
                         (unsigned long long)h[1], (unsigned long long)s.transactions);
    if (rc) {
        munmap(m, (size_t)sb.st_size);
        return rc;
    }
    st_clusters *cl = st_calloc(1, sizeof *cl);
    if (!cl) {
        munmap(m, (size_t)sb.st_size);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    cl->map = m;
    cl->maplen = (size_t)sb.st_size;
    cl->naddr = naddr;
    cl->nedges = nedges;
    cl->nclusters = h[4];
    cl->ntx = s.transactions;
    cl->cid = h + CL_HDR_WORDS;
    cl->csize = cl->cid + naddr;
    cl->cnext = cl->csize + naddr;
    cl->edges = cl->cnext + naddr;
    *out = cl;
    return ST_OK;
}

void st_clusters_close(st_clusters *cl) {
    if (!cl) return;
    munmap(cl->map, cl->maplen);
    st_free(cl);
}

/* The file is not checked whole at open (a query would read all of it):
 * an id past the addresses reads as none, and a member list ends at a link
 * that does not go up (the lists ascend), so a damaged file gives wrong
 * clusters at worst, never a read outside it or a walk that never ends. */
uint64_t st_clusters_id(const st_clusters *cl, uint64_t addr) {
    uint64_t c = cl && addr < cl->naddr ? cl->cid[addr] : ST_CHAIN_NONE;
    return cl && c < cl->naddr ? c : ST_CHAIN_NONE;
}
uint64_t st_clusters_size(const st_clusters *cl, uint64_t cluster) {
    uint64_t n = cl && cluster < cl->naddr ? cl->csize[cluster] : 0;
    return cl && n <= cl->naddr ? n : 0;
}
uint64_t st_clusters_next_member(const st_clusters *cl, uint64_t addr) {
    uint64_t m = cl && addr < cl->naddr ? cl->cnext[addr] : ST_CHAIN_NONE;
    return cl && m > addr && m < cl->naddr ? m : ST_CHAIN_NONE;
}
uint64_t st_clusters_count(const st_clusters *cl) { return cl->nclusters; }

int st_clusters_members(const st_clusters *cl, uint64_t cluster, uint64_t **addrs, size_t *n) {
    *addrs = NULL;
    *n = 0;
    if (!cl || cluster >= cl->naddr || cl->cid[cluster] != cluster) return ST_EINVAL;
    uint64_t sz = st_clusters_size(cl, cluster);
    uint64_t *v = st_malloc((sz ? sz : 1) * sizeof *v);
    if (!v) return ST_ENOMEM;
    size_t k = 0;
    for (uint64_t m = cluster; m != ST_CHAIN_NONE && k < sz; m = st_clusters_next_member(cl, m)) v[k++] = m;
    *addrs = v;
    *n = k;
    return ST_OK;
}

int st_clusters_why(const st_clusters *cl, uint64_t a, uint64_t b,
                    st_why_step **steps, size_t *n, st_error *err) {
    *steps = NULL;
    *n = 0;
    if (a >= cl->naddr || b >= cl->naddr) return st_error_set(err, ST_EINVAL, "address id out of range");
    uint64_t want = st_clusters_id(cl, a);
    if (want == ST_CHAIN_NONE || want != st_clusters_id(cl, b)) return 0;
    if (a == b) return 1;
    /* local graph of this cluster's forest edges: node index per address */
    st_map *idx = NULL;
    uint64_t *eidx = NULL, *adj = NULL, *start = NULL, *prev = NULL, *queue = NULL, *node = NULL;
    int rc = ST_ENOMEM;
    size_t ne = 0, nn = 0;
    if (st_map_new(&idx)) goto out;
    size_t csz = (size_t)st_clusters_size(cl, want);
    eidx = st_malloc((csz ? csz : 1) * sizeof *eidx); /* a forest: edges = nodes - 1 */
    node = st_malloc((csz ? csz : 1) * sizeof *node);
    if (!eidx || !node) goto out;
    for (uint64_t e = 0; e < cl->nedges && ne + 1 < csz + 1; e++) {
        uint64_t x = cl->edges[e * 3], y = cl->edges[e * 3 + 1];
        /* an edge naming an address or transaction past the store's is damage: left out */
        if (x >= cl->naddr || y >= cl->naddr || cl->edges[e * 3 + 2] >= cl->ntx || cl->cid[x] != want) continue;
        eidx[ne++] = e;
        for (int s = 0; s < 2; s++) {
            uint64_t v = cl->edges[e * 3 + s];
            int created = 0;
            uint64_t *slot = st_map_slot(idx, &v, sizeof v, nn, &created);
            if (!slot) goto out;
            if (created) {
                if (nn >= csz) { rc = st_error_set(err, ST_ECORRUPT, "cluster file: edges exceed cluster size"); goto out; }
                node[nn++] = v;
            }
        }
    }
    start = st_calloc(nn + 1, sizeof *start);
    adj = st_malloc((2 * ne + 1) * sizeof *adj);
    prev = st_malloc((nn + 1) * sizeof *prev);
    queue = st_malloc((nn + 1) * sizeof *queue);
    if (!start || !adj || !prev || !queue) goto out;
    for (size_t e = 0; e < ne; e++)
        for (int s = 0; s < 2; s++) {
            uint64_t v = cl->edges[eidx[e] * 3 + s], li;
            st_map_get(idx, &v, sizeof v, &li);
            start[li + 1]++;
        }
    for (size_t i = 0; i < nn; i++) start[i + 1] += start[i];
    {
        uint64_t *fill = st_malloc((nn + 1) * sizeof *fill);
        if (!fill) goto out;
        memcpy(fill, start, (nn + 1) * sizeof *fill);
        for (size_t e = 0; e < ne; e++)
            for (int s = 0; s < 2; s++) {
                uint64_t v = cl->edges[eidx[e] * 3 + s], li;
                st_map_get(idx, &v, sizeof v, &li);
                adj[fill[li]++] = e; /* edge index into eidx */
            }
        st_free(fill);
    }
    uint64_t la, lb;
    if (!st_map_get(idx, &a, sizeof a, &la) || !st_map_get(idx, &b, sizeof b, &lb)) {
        rc = st_error_set(err, ST_ECORRUPT, "cluster file: members without an edge");
        goto out;
    }
    for (size_t i = 0; i < nn; i++) prev[i] = ST_CHAIN_NONE; /* edge used to reach node */
    size_t qh = 0, qt = 0;
    queue[qt++] = la;
    prev[la] = ST_CHAIN_NONE - 1;
    while (qh < qt && prev[lb] == ST_CHAIN_NONE) {
        uint64_t u = queue[qh++];
        for (uint64_t j = start[u]; j < start[u + 1]; j++) {
            uint64_t e = adj[j];
            uint64_t x = cl->edges[eidx[e] * 3], y = cl->edges[eidx[e] * 3 + 1];
            uint64_t other = node[u] == x ? y : x, lo;
            st_map_get(idx, &other, sizeof other, &lo);
            if (prev[lo] != ST_CHAIN_NONE) continue;
            prev[lo] = e;
            queue[qt++] = lo;
        }
    }
    if (prev[lb] == ST_CHAIN_NONE) {
        rc = st_error_set(err, ST_ECORRUPT, "cluster file: no path inside one cluster");
        goto out;
    }
    size_t len = 0;
    for (uint64_t v = lb; v != la;) {
        uint64_t e = prev[v];
        uint64_t x = cl->edges[eidx[e] * 3], y = cl->edges[eidx[e] * 3 + 1];
        uint64_t other = node[v] == x ? y : x;
        st_map_get(idx, &other, sizeof other, &v);
        len++;
    }
    st_why_step *st = st_malloc(len * sizeof *st);
    if (!st) goto out;
    size_t pos = len;
    for (uint64_t v = lb; v != la;) {
        uint64_t e = prev[v];
        uint64_t x = cl->edges[eidx[e] * 3], y = cl->edges[eidx[e] * 3 + 1];
        uint64_t other = node[v] == x ? y : x;
        pos--;
        st[pos].from = other;
        st[pos].to = node[v];
        st[pos].tx = cl->edges[eidx[e] * 3 + 2];
        st_map_get(idx, &other, sizeof other, &v);
    }
    *steps = st;
    *n = len;
    rc = 1;
out:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory");
    st_map_free(idx);
    st_free(eidx);
    st_free(node);
    st_free(adj);
    st_free(start);
    st_free(prev);
    st_free(queue);
    return rc;
}

int st_cluster_lookup(const char *dir, const st_chain *c, uint64_t addr,
                      uint64_t *id, uint64_t *size) {
    st_clusters *cl;
    st_error err;
    st_error_clear(&err);
    if (st_clusters_open(&cl, dir, c, &err)) return ST_ENOTFOUND;
    *id = st_clusters_id(cl, addr);
    *size = *id == ST_CHAIN_NONE ? 0 : st_clusters_size(cl, *id);
    st_clusters_close(cl);
    return *id == ST_CHAIN_NONE ? ST_ENOTFOUND : ST_OK;
}
