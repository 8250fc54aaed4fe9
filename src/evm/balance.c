/*
 * balance.c - running balances: what an address received and sent per
 * asset up to any block, without walking its whole flow list.
 *
 * An exchange's hot wallet has millions of flows; `evm address` (and
 * `--at-block N`) summed every one of them, so a query took time in
 * proportion to the address's history.  addr_bal.idx keeps checkpoints
 * along the flow list of every busy address (EV_BAL_MIN flows or more):
 * the whole summary (per asset received and sent, flows in and out, fees
 * not known) after its first pos flows.  A query halves the list to the
 * block asked, starts from the checkpoint at or before that place and
 * adds at most a checkpoint's spacing of flows.  The spacing grows with
 * the assets an address holds (a checkpoint costs 11 words an asset), so
 * the file stays a few bytes a flow for routers of thousands of tokens.
 *
 * The file covers the store's first F flows: an address's list is append-
 * only, so checkpoints at list positions stay true as the store grows, and
 * a query past F simply walks from the last checkpoint.  It is rebuilt
 * (one pass over the flows in order) when the flows past F grow beyond a
 * quarter of F, so building it costs a constant share of the ingest.  A
 * rollback (a reorganisation followed from a node) removes it before any
 * flow is cut (ingest.c).  Readers check its header against the manifest
 * and every offset where it is used: a missing or stale file, or one
 * whose structure is damaged, only makes queries walk (as for the other
 * index files, damaged values inside a checkpoint are not detected).
 *
 * Layout (u64 words): magic, F, naddr A, ncp, W, the flows' print (the
 * ends of three of the F flows it covers, hashed: a file of another store
 * fits the counts, not the print); then A + 1 offsets into
 * the checkpoints (per address, in list order); ncp checkpoints {pos,
 * offset of its state in the blob}; the blob of W words.  A state:
 * flows_in, flows_out, fees_unknown, last_fee_tx, nassets, then per asset
 * {asset, received (4 words, then its multiples of 2^256), sent (the same)}.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/prefetch.h"
#include "evm/evm_int.h"

/* "evbal3" (evbal2 had no print, evbal1 no words above 2^256: ignored, rebuilt) */
#define EV_BAL_MAGIC 0x336c616276ULL
#define EV_BAL_HDR 6
#define EV_BAL_ASSET_WORDS 11 /* asset, received (4 words and its multiples of 2^256), sent (the same) */
#define EV_BAL_STATE_WORDS 5

/* The first, middle and last of the n flows (from, to), hashed: the
 * header's print. */
static uint64_t flows_print(const uint64_t *from, const uint64_t *to, uint64_t n) {
    uint64_t h = n, at[3] = {0, n / 2, n ? n - 1 : 0};
    for (int i = 0; i < 3 && n; i++) {
        h = (h ^ from[at[i]]) * 0x9e3779b97f4a7c15ULL;
        h = (h ^ to[at[i]]) * 0x9e3779b97f4a7c15ULL;
    }
    return h ^ (h >> 29);
}

/* ---- the summary, one flow at a time (the query and the build) ---- */

void ev_bal_init(ev_bal_state *s) {
    memset(s, 0, sizeof *s);
    s->last_fee_tx = ST_EVM_NONE;
}

void ev_bal_free(ev_bal_state *s) {
    st_free(s->sum.balances);
    ev_bal_init(s);
}

/* Flow f of addr's list added.  A transaction's flows are consecutive in
 * the list (flow ids are given a transaction at a time), so one whose fee
 * the export did not give is counted at its first flow out of addr. */
int ev_bal_step(ev_bal_state *s, const ev_cols *k, uint64_t addr, const st_evm_flow *f) {
    st_evm_summary *o = &s->sum;
    size_t x = 0;
    while (x < o->nbalances && o->balances[x].asset != f->asset) x++;
    if (x == o->nbalances) {
        if (x == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 4;
            st_evm_balance *nb = st_realloc(o->balances, nc * sizeof *nb);
            if (!nb) return ST_ENOMEM;
            o->balances = nb;
            s->cap = nc;
        }
        memset(&o->balances[x], 0, sizeof o->balances[x]);
        o->balances[x].asset = f->asset;
        o->nbalances++;
    }
    st_evm_balance *b = &o->balances[x];
    /* a carry past 2^256 counts in the sum's high word */
    if (f->from == addr && f->to != addr) {
        b->sent_hi += (uint64_t)st_u256_add(&b->sent, &b->sent, &f->amount);
        o->flows_out++;
    } else if (f->to == addr && f->from != addr) {
        b->received_hi += (uint64_t)st_u256_add(&b->received, &b->received, &f->amount);
        o->flows_in++;
    } else { /* to itself: both */
        b->sent_hi += (uint64_t)st_u256_add(&b->sent, &b->sent, &f->amount);
        b->received_hi += (uint64_t)st_u256_add(&b->received, &b->received, &f->amount);
        o->flows_in++;
        o->flows_out++;
    }
    if (f->tx != ST_EVM_NONE && f->from == addr && f->tx != s->last_fee_tx) {
        s->last_fee_tx = f->tx;
        if (f->tx < k->c.n[EV_N_TXS] && ((const uint64_t *)k->col[EV_COL_TX_FROM])[f->tx] == addr &&
            !(((const uint8_t *)k->col[EV_COL_TX_FLAGS])[f->tx] & EV_TXF_FEE))
            o->fees_unknown++;
    }
    return ST_OK;
}

/* ---- the file, read ---- */

struct ev_bal {
    const uint64_t *w;
    size_t words;
    uint64_t covered, naddr, ncp, blob_words;
    const uint64_t *off, *cp, *blob;
};

ev_bal *ev_bal_open(const char *dir, const ev_counts *c, const uint64_t *from, const uint64_t *to) {
    char path[1100];
    snprintf(path, sizeof path, "%s/addr_bal.idx", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat sb;
    void *p = MAP_FAILED;
    if (fstat(fd, &sb) == 0 && sb.st_size >= EV_BAL_HDR * 8 && sb.st_size % 8 == 0)
        p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return NULL;
    const uint64_t *w = p;
    size_t words = (size_t)sb.st_size / 8;
    ev_bal *b = NULL;
    /* the header against the manifest and the file's own size */
    if (w[0] != EV_BAL_MAGIC || w[1] > c->n[EV_N_FLOWS] || w[2] > c->n[EV_N_ADDRS] || w[2] >= words ||
        w[3] > words || w[4] > words || EV_BAL_HDR + w[2] + 1 + 2 * w[3] + w[4] != words ||
        w[5] != flows_print(from, to, w[1]))
        goto bad;
    if (!(b = st_calloc(1, sizeof *b))) goto bad;
    b->w = w;
    b->words = words;
    b->covered = w[1];
    b->naddr = w[2];
    b->ncp = w[3];
    b->blob_words = w[4];
    b->off = w + EV_BAL_HDR;
    b->cp = b->off + b->naddr + 1;
    b->blob = b->cp + 2 * b->ncp;
    return b;
bad:
    munmap(p, (size_t)sb.st_size);
    return NULL;
}

void ev_bal_close(ev_bal *b) {
    if (!b) return;
    munmap((void *)(uintptr_t)b->w, b->words * 8);
    st_free(b);
}

/* The state at the last checkpoint of addr at or before list position
 * upto: *pos its place (0 and an empty state when none).  Damaged records
 * are passed over (the caller walks from further back). */
int ev_bal_start(const ev_bal *b, uint64_t addr, uint64_t upto, ev_bal_state *s, uint64_t *pos) {
    ev_bal_init(s);
    *pos = 0;
    if (!b || addr >= b->naddr) return ST_OK;
    uint64_t lo = b->off[addr], hi = b->off[addr + 1];
    if (lo > hi || hi > b->ncp) return ST_OK;
    /* the last checkpoint with pos <= upto */
    uint64_t a = lo, z = hi;
    while (a < z) {
        uint64_t mid = a + (z - a) / 2;
        if (b->cp[2 * mid] <= upto) a = mid + 1;
        else z = mid;
    }
    if (a == lo) return ST_OK;
    uint64_t at = b->cp[2 * (a - 1)], o = b->cp[2 * (a - 1) + 1];
    if (o > b->blob_words || b->blob_words - o < EV_BAL_STATE_WORDS) return ST_OK;
    const uint64_t *r = b->blob + o;
    uint64_t na = r[4];
    if (na > (b->blob_words - o - EV_BAL_STATE_WORDS) / EV_BAL_ASSET_WORDS) return ST_OK;
    if (na) {
        s->sum.balances = st_calloc((size_t)na, sizeof *s->sum.balances);
        if (!s->sum.balances) return ST_ENOMEM;
        s->cap = (size_t)na;
    }
    s->sum.flows_in = r[0];
    s->sum.flows_out = r[1];
    s->sum.fees_unknown = r[2];
    s->last_fee_tx = r[3];
    s->sum.nbalances = (size_t)na;
    for (uint64_t k = 0; k < na; k++) {
        const uint64_t *x = r + EV_BAL_STATE_WORDS + k * EV_BAL_ASSET_WORDS;
        s->sum.balances[k].asset = x[0];
        memcpy(s->sum.balances[k].received.w, x + 1, 32);
        s->sum.balances[k].received_hi = x[5];
        memcpy(s->sum.balances[k].sent.w, x + 6, 32);
        s->sum.balances[k].sent_hi = x[10];
    }
    *pos = at;
    return ST_OK;
}

uint64_t ev_bal_covered(const ev_bal *b) { return b ? b->covered : 0; }

uint64_t ev_bal_bytes(const ev_bal *b) { return b ? (uint64_t)b->words * 8 : 0; }

/* ---- the file, built ---- */

typedef struct bal_cp {
    uint64_t addr, pos, off;
} bal_cp;

typedef struct words_vec {
    uint64_t *v;
    size_t n, cap;
} words_vec;

typedef struct cp_vec {
    bal_cp *v;
    size_t n, cap;
} cp_vec;

typedef struct bal_busy {
    ev_bal_state s;
    uint64_t pos, last_cp;
} bal_busy;

static int push_words(words_vec *v, const uint64_t *w, size_t n) {
    while (v->cap - v->n < n) {
        size_t nc = v->cap ? v->cap * 2 : 4096;
        uint64_t *p = st_realloc(v->v, nc * 8);
        if (!p) return ST_ENOMEM;
        v->v = p;
        v->cap = nc;
    }
    memcpy(v->v + v->n, w, n * 8);
    v->n += n;
    return ST_OK;
}

static int checkpoint(words_vec *blob, cp_vec *cps, uint64_t addr, const bal_busy *x) {
    const st_evm_summary *o = &x->s.sum;
    uint64_t head[EV_BAL_STATE_WORDS] = {o->flows_in, o->flows_out, o->fees_unknown, x->s.last_fee_tx,
                                         (uint64_t)o->nbalances};
    uint64_t off = blob->n;
    if (push_words(blob, head, EV_BAL_STATE_WORDS)) return ST_ENOMEM;
    for (size_t k = 0; k < o->nbalances; k++) {
        uint64_t a[EV_BAL_ASSET_WORDS];
        a[0] = o->balances[k].asset;
        memcpy(a + 1, o->balances[k].received.w, 32);
        a[5] = o->balances[k].received_hi;
        memcpy(a + 6, o->balances[k].sent.w, 32);
        a[10] = o->balances[k].sent_hi;
        if (push_words(blob, a, EV_BAL_ASSET_WORDS)) return ST_ENOMEM;
    }
    if (cps->n == cps->cap) {
        size_t nc = cps->cap ? cps->cap * 2 : 1024;
        bal_cp *p = st_realloc(cps->v, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        cps->v = p;
        cps->cap = nc;
    }
    cps->v[cps->n++] = (bal_cp){addr, x->pos, off};
    return ST_OK;
}

/* The image over every flow of k: one pass in flow order, a state for
 * each busy address (every list is in flow order, so each state meets its
 * flows in list order); a first pass counts each address's flows. */
int ev_bal_build(const ev_cols *k, uint64_t min_flows, uint64_t every, uint64_t **image, size_t *bytes) {
    uint64_t naddr = k->c.n[EV_N_ADDRS], nflow = k->c.n[EV_N_FLOWS];
    const uint64_t *from = k->col[EV_COL_FLOW_FROM], *to = k->col[EV_COL_FLOW_TO];
    uint32_t *slot = NULL;
    bal_busy *busy = NULL;
    size_t nbusy = 0;
    words_vec blob = {0};
    cp_vec cps = {0};
    uint64_t *img = NULL;
    int rc = ST_ENOMEM;
    if (!(slot = st_calloc((size_t)(naddr ? naddr : 1), sizeof *slot))) goto done;
    /* slot[] is read at random, an address a flow: asked for BAL_AHEAD
     * flows early (the loads that waited were most of the build) */
    enum { BAL_AHEAD = 16 };
#define BAL_PREFETCH(fi)                                              \
    do {                                                              \
        if ((fi) + BAL_AHEAD < nflow) {                               \
            uint64_t pa_ = from[(fi) + BAL_AHEAD], pb_ = to[(fi) + BAL_AHEAD]; \
            if (pa_ < naddr) st_prefetch(&slot[pa_]);                 \
            if (pb_ < naddr) st_prefetch(&slot[pb_]);                 \
        }                                                             \
    } while (0)
    for (uint64_t fi = 0; fi < nflow; fi++) { /* the flows of each address, saturating */
        BAL_PREFETCH(fi);
        uint64_t a = from[fi], b = to[fi];
        if (a < naddr && slot[a] < UINT32_MAX) slot[a]++;
        if (b < naddr && b != a && slot[b] < UINT32_MAX) slot[b]++;
    }
    for (uint64_t a = 0; a < naddr; a++)
        slot[a] = slot[a] >= min_flows && nbusy < UINT32_MAX - 1 ? (uint32_t)nbusy++ : UINT32_MAX;
    if (!(busy = st_calloc(nbusy ? nbusy : 1, sizeof *busy))) goto done;
    for (size_t i = 0; i < nbusy; i++) ev_bal_init(&busy[i].s);
    for (uint64_t fi = 0; fi < nflow; fi++) {
        BAL_PREFETCH(fi);
        uint64_t ends[2] = {from[fi], to[fi]};
        int any = 0;
        for (int e = 0; e < 2; e++) any |= ends[e] < naddr && slot[ends[e]] != UINT32_MAX;
        if (!any) continue; /* the rest of the flow read only when a busy address is in it */
        st_evm_flow f;
        ev_cols_flow(k, fi, &f);
        for (int e = 0; e < 2; e++) {
            uint64_t a = ends[e];
            if (a >= naddr || slot[a] == UINT32_MAX || (e == 1 && a == f.from)) continue;
            bal_busy *x = &busy[slot[a]];
            if (ev_bal_step(&x->s, k, a, &f)) goto done;
            x->pos++;
            uint64_t gap = every, wide = 4 * (uint64_t)x->s.sum.nbalances;
            if (wide > gap) gap = wide;
            if (x->pos - x->last_cp >= gap) {
                if (checkpoint(&blob, &cps, a, x)) goto done;
                x->last_cp = x->pos;
            }
        }
    }
#undef BAL_PREFETCH
    /* checkpoints grouped by address, each address's in list order (they
     * were made in flow order, so a stable counting sort) */
    size_t words = EV_BAL_HDR + (size_t)naddr + 1 + 2 * cps.n + blob.n;
    if (!(img = st_calloc(words, 8))) goto done;
    img[0] = EV_BAL_MAGIC;
    img[1] = nflow;
    img[2] = naddr;
    img[3] = cps.n;
    img[4] = blob.n;
    img[5] = flows_print(from, to, nflow);
    uint64_t *off = img + EV_BAL_HDR, *cp = off + naddr + 1;
    for (size_t i = 0; i < cps.n; i++) off[cps.v[i].addr + 1]++;
    for (uint64_t a = 0; a < naddr; a++) off[a + 1] += off[a];
    {
        uint64_t *cur = st_malloc((size_t)(naddr ? naddr : 1) * 8);
        if (!cur) goto done;
        memcpy(cur, off, (size_t)naddr * 8);
        for (size_t i = 0; i < cps.n; i++) {
            uint64_t j = cur[cps.v[i].addr]++;
            cp[2 * j] = cps.v[i].pos;
            cp[2 * j + 1] = cps.v[i].off;
        }
        st_free(cur);
    }
    if (blob.n) memcpy(cp + 2 * cps.n, blob.v, blob.n * 8);
    *image = img;
    *bytes = words * 8;
    img = NULL;
    rc = ST_OK;
done:
    st_free(img);
    st_free(slot);
    for (size_t i = 0; busy && i < nbusy; i++) ev_bal_free(&busy[i].s); /* (NULL: its allocation failed) */
    st_free(busy);
    st_free(blob.v);
    st_free(cps.v);
    return rc;
}

int ev_bal_due(const char *dir, const ev_counts *c, uint64_t nflows, const uint64_t *from,
               const uint64_t *to) {
    ev_bal *old = ev_bal_open(dir, c, from, to);
    if (!old) return 1;
    uint64_t covered = ev_bal_covered(old);
    ev_bal_close(old);
    return nflows > covered && nflows - covered > covered / 4;
}

int ev_bal_write(const char *dir, const uint64_t *img, size_t bytes, st_error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/addr_bal.idx", dir);
    return st_file_write_atomic(path, img, bytes, err);
}

int ev_bal_remove(const char *dir, st_error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/addr_bal.idx", dir);
    if (unlink(path) != 0 && errno != ENOENT)
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot remove: %s", strerror(errno));
    return ST_OK;
}
