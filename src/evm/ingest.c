/*
 * ingest.c - `st_evm_ingest`: the export tables of one run joined per
 * transaction and per block, turned into value flows, appended to the
 * columns and committed.
 *
 * Join.  A transaction is known by its hash, or (geth-style traces, which
 * name none) by block and index; a traces, receipts or logs row whose
 * transaction has no transactions row creates it from what that row says
 * (the top-level trace gives sender, recipient, value and status).  The
 * traces of one transaction come from the first file that has them: the
 * same block exported parity-style and geth-style is not counted twice.
 *
 * Flows, per block in transaction order: the fee (gas used x effective
 * price, the base fee burnt, the tip to the block's miner), then the
 * value the traces move in execution order (pre-order of trace_address;
 * an errored call reverts its whole subtree; delegatecall, callcode and
 * staticcall move nothing between accounts), or the transaction's own
 * value when it has no traces, then its ERC-20 Transfers by log index;
 * a failed transaction moves nothing but its fee.  After the transactions,
 * the block's rewards and withdrawals.  Zero amounts are not flows.
 *
 * Windows.  Every export file is opened at once and read a window of
 * blocks at a time (exports are written in block order): the window's rows
 * are joined and built as above, then forgotten, so memory holds three
 * windows and the join's tables stay in the caches.  The rows are parsed
 * on a thread of their own, up to two windows ahead of the build
 * (read_windows), so the two halves of the work share the machine's
 * cores; the build stays in order, one thread, and the store is the same
 * byte for byte.  Gzip files stream the same way, inflated a piece at a
 * time.  A file out of block order makes the export be read again whole,
 * one file after another, with the same result (the block times and
 * events the abandoned windows appended are cut back first).
 *
 * Commit.  Each column is cut back to the manifest's count (whatever an
 * interrupted run left), appended (in 32 MiB steps between windows) and
 * fsynced; each index's delta is then rebuilt over the records past its
 * base (or, once it outgrows an eighth of the base, both are merged into a
 * new base over the whole columns) and synced; the index files are renamed
 * into place once everything else is written and synced, and the manifest
 * last.  Until that rename, readers and the next ingest see the previous
 * commit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/map.h"
#include "core/map64.h"
#include "core/prefetch.h"
#include "core/side.h"
#include "evm/evm_int.h"

#define EV_NO_FILE UINT32_MAX
#define EV_MAX_WALK_DEPTH 8

typedef struct colbuf {
    uint8_t *p;
    size_t n, cap;
} colbuf;

/* An open-addressing table of ids whose keys live in the caller's own
 * arrays (transactions' hashes, the address column): no key copies, and a
 * 24-bit tag of the hash beside each id, so a probe that misses rarely
 * touches the key (the generic st_map's hashing, key copies and
 * comparisons were a quarter of an ingest).  Slots: tag << 40 | (id + 1),
 * 0 empty; ids below 2^40 - 1. */
typedef struct idtab {
    uint64_t *slot;
    uint64_t cap, n;
} idtab;

#define IDT_ID_BITS 40
#define IDT_ID_MASK ((UINT64_C(1) << IDT_ID_BITS) - 1)

/* Hashes and addresses are keccak output, already uniform: the key's
 * words folded and mixed once (a crafted export can make probes longer,
 * never answers wrong). */
static inline uint64_t idt_hash(const uint8_t *k, size_t ks) {
    uint64_t a, b, c;
    memcpy(&a, k, 8), memcpy(&b, k + 8, 8), memcpy(&c, k + ks - 8, 8);
    uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ULL) ^ ((c << 29 | c >> 35) * 0xc2b2ae3d27d4eb4fULL);
    if (ks > 24) {
        uint64_t d;
        memcpy(&d, k + 16, 8);
        h ^= d * 0x165667b19e3779f9ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

typedef const uint8_t *(*idt_key_fn)(const void *ctx, uint64_t id);

/* Keys of 20 or 32 bytes, compared as overlapping words (a memcmp call for
 * each was 6% of an ingest). */
static inline int idt_key_eq(const uint8_t *a, const uint8_t *b, size_t ks) {
    uint64_t a0, a1, a2, b0, b1, b2;
    memcpy(&a0, a, 8), memcpy(&a1, a + 8, 8), memcpy(&a2, a + ks - 8, 8);
    memcpy(&b0, b, 8), memcpy(&b1, b + 8, 8), memcpy(&b2, b + ks - 8, 8);
    uint64_t d = (a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2);
    if (ks > 24) {
        uint64_t a3, b3;
        memcpy(&a3, a + 16, 8), memcpy(&b3, b + 16, 8);
        d |= a3 ^ b3;
    }
    return !d;
}

static inline uint64_t idt_tag(uint64_t h) { return h >> IDT_ID_BITS << IDT_ID_BITS; }

/* Double the table; every key is hashed again (from its owner's array). */
static int idt_grow(idtab *t, size_t ks, idt_key_fn key, const void *ctx) {
    uint64_t nc = t->cap ? t->cap * 2 : 1024;
    uint64_t *ns = st_calloc((size_t)nc, 8);
    if (!ns) return ST_ENOMEM;
    for (uint64_t i = 0; i < t->cap; i++) {
        uint64_t v = t->slot[i];
        if (!v) continue;
        uint64_t j = idt_hash(key(ctx, (v & IDT_ID_MASK) - 1), ks) & (nc - 1);
        while (ns[j]) j = (j + 1) & (nc - 1);
        ns[j] = v;
    }
    st_free(t->slot);
    t->slot = ns;
    t->cap = nc;
    return ST_OK;
}

/* The id of key k: 1 found (*id set), 0 absent.  With ins, an absent key
 * is added as new_id (and 0 returned); ST_ENOMEM / ST_ELIMIT on failure. */
static int idt_find(idtab *t, const uint8_t *k, size_t ks, idt_key_fn key, const void *ctx, int ins,
                    uint64_t new_id, uint64_t *id) {
    if (ins && (t->n + 1) * 2 > t->cap) {
        int rc = idt_grow(t, ks, key, ctx);
        if (rc) return rc;
    }
    if (!t->cap) return 0;
    uint64_t h = idt_hash(k, ks), tag = idt_tag(h), j = h & (t->cap - 1);
    for (uint64_t v; (v = t->slot[j]) != 0; j = (j + 1) & (t->cap - 1)) {
        if ((v & ~IDT_ID_MASK) != tag) continue;
        if (idt_key_eq(key(ctx, (v & IDT_ID_MASK) - 1), k, ks)) {
            *id = (v & IDT_ID_MASK) - 1;
            return 1;
        }
    }
    if (!ins) return 0;
    if (new_id >= IDT_ID_MASK - 1) return ST_ELIMIT;
    t->slot[j] = tag | (new_id + 1);
    t->n++;
    *id = new_id;
    return 0;
}

/* The address table: open addressing with the key inside the slot, one
 * 32-byte slot per cache-line half, so a lookup is one cache miss (an id
 * table beside the address column took two: the slot, then the key to
 * compare; at 10M flows, over a million addresses, those misses were the
 * largest cost of the build).  id1 is id + 1, 0 empty. */
typedef struct aslot {
    uint64_t id1;
    uint8_t key[20];
    uint32_t spare;
} aslot;

typedef struct addrtab {
    aslot *slot; /* page-aligned (st_calloc_table): huge pages past 2 MiB */
    uint64_t cap, n;
} addrtab;

static int at_alloc(addrtab *t, uint64_t cap) {
    aslot *s = st_calloc_table((size_t)cap * sizeof(aslot));
    if (!s) return ST_ENOMEM;
    t->slot = s;
    t->cap = cap;
    return ST_OK;
}

static void at_free(addrtab *t) {
    st_free_table(t->slot, (size_t)t->cap * sizeof(aslot));
    memset(t, 0, sizeof *t);
}

static int at_grow(addrtab *t) {
    addrtab o = *t;
    if (at_alloc(t, o.cap ? o.cap * 2 : 4096)) {
        *t = o;
        return ST_ENOMEM;
    }
    for (uint64_t i = 0; i < o.cap; i++) {
        if (!o.slot[i].id1) continue;
        uint64_t j = idt_hash(o.slot[i].key, 20) & (t->cap - 1);
        while (t->slot[j].id1) j = (j + 1) & (t->cap - 1);
        t->slot[j] = o.slot[i];
    }
    at_free(&o);
    return ST_OK;
}

/* Ask the memory for the slot a's lookup starts at, a few lookups ahead. */
static inline void at_prefetch(const addrtab *t, const uint8_t a[20]) {
    if (!t->cap) return;
    st_prefetch(&t->slot[idt_hash(a, 20) & (t->cap - 1)]);
}

/* a's id: 1 found (*id set), 0 absent. */
static int at_find(const addrtab *t, const uint8_t a[20], uint64_t *id) {
    if (!t->cap) return 0;
    for (uint64_t j = idt_hash(a, 20) & (t->cap - 1); t->slot[j].id1; j = (j + 1) & (t->cap - 1))
        if (idt_key_eq(t->slot[j].key, a, 20)) {
            *id = t->slot[j].id1 - 1;
            return 1;
        }
    return 0;
}

/* a's id: 1 found, 0 added as new_id, ST_ENOMEM / ST_ELIMIT.  Filled to
 * three quarters: a probe's next slots share its cache line or the next,
 * and each doubling is fresh memory and a rehash (at half, 1.2M addresses
 * took a 128 MiB table, 256 MiB allocated along the way; at 10M flows the
 * ingest was faster in 9 of 10 pairs, by means of 4.92 -> 4.65 s and
 * 4.75 -> 4.72 s, a little less of it in the kernel). */
static int at_find_add(addrtab *t, const uint8_t a[20], uint64_t new_id, uint64_t *id) {
    if ((t->n + 1) * 4 > t->cap * 3 && at_grow(t)) return ST_ENOMEM;
    uint64_t j = idt_hash(a, 20) & (t->cap - 1);
    for (; t->slot[j].id1; j = (j + 1) & (t->cap - 1))
        if (idt_key_eq(t->slot[j].key, a, 20)) {
            *id = t->slot[j].id1 - 1;
            return 1;
        }
    if (new_id >= UINT64_MAX - 1) return ST_ELIMIT;
    t->slot[j].id1 = new_id + 1;
    memcpy(t->slot[j].key, a, 20);
    t->n++;
    *id = new_id;
    return 0;
}

typedef struct ingest {
    const st_evm_ingest_opts *opts;
    st_evm_ingest_report *rep;
    ev_counts c;            /* committed before this run */
    ev_counts nc;           /* after it */
    ev_batch b;             /* what the export files are read into (sources, counts, names) */
    ev_batch wb;            /* the window being built while the next is read (read_windows) */
    ev_batch *w;            /* the rows window_build joins: &b, or &wb when read_windows reads ahead */
    EV_VEC(ev_txrow) tx;    /* joined transactions */
    EV_VEC(uint32_t) tx_trace_file;
    EV_VEC(uint64_t) tx_trace_first, tx_trace_n, tx_tok_first, tx_tok_n;
    st_map *by_pos, *asset, *blkrow, *reward_file, *logs_seen;
    st_map64 logs_seen64;   /* the window's (transaction id, log index) of token rows, as logs_seen */
    st_map *nft;            /* the contracts the contracts table names: 1 ERC-721, 0 not (whole ingest) */
    uint64_t nft_rows;      /* transfers of ERC-721 tokens it names, left out */
    uint64_t nft_old;       /* ERC-721 tokens it names that the store already holds as assets */
    uint64_t tt_unnamed;    /* token_transfers rows without their logs, of a token it does not name */
    uint32_t tt_unnamed_file;
    idtab by_hash;          /* tx hash -> g->tx id */
    addrtab addr;           /* 20 bytes -> address id, committed ones too (or only those met: old_lazy) */
    st_fmap old_addr;       /* the committed addresses (the keys of the store's address index) */
    ev_hashtab old_ht[2];   /* the store's address index (base, delta), when it fits: then addr */
    ev_map old_ht_map[2];   /* holds only the committed addresses this run met */
    int old_lazy;
    uint64_t tx_hint;       /* the transaction find_tx found last */
    int tx_indexed;         /* by_hash and by_pos hold every g->tx (built when first needed) */
    uint64_t tx_sorted;     /* g->tx below this came from a transactions table in chain order */
    uint32_t *seen;         /* txs_in_order's set of hashes */
    size_t seen_cap;
    EV_VEC(char *) files;   /* the export files, in walk order */
    uint64_t unread_files;  /* files in the folders whose names are no export's */
    char *unread_first;
    struct stat store_st;   /* the store's folder, never walked for exports (st_dev 0: unknown) */
    int attempt;            /* 1: the export read again whole (not in block order) */
    st_map *reported;       /* bad rows reported by the first attempt, not reported twice */
    const char *dir;
    int colfd[EV_NCOLS];    /* fd + 1 of each column file written so far this run (0: not yet) */
    uint64_t colw[EV_NCOLS]; /* bytes written past the committed records */
    EV_VEC(uint64_t) late;  /* per file: rows of blocks already in the store (not merged) */
    uint64_t blk_cached;    /* block_row's last answer (transactions come block by block) */
    const ev_block *blk_cached_row;
    colbuf col[EV_NCOLS];
    uint64_t *trace_order, *tok_order, *tx_order;
    int warned_dup_traces;
    int committed;          /* the manifest renamed: this run's records are the store's */
    pthread_mutex_t *lock;  /* while two threads report (read_windows) */
    int timing;             /* SANCTRACE_EVM_TIMING: phase() says when each phase ends */
    int nice_below;         /* the reading's other threads' nice value (yield_to_builder) */
    double t_start;
} ingest;

static int colbuf_grow(colbuf *b, size_t w) {
    size_t nc = b->cap ? b->cap * 2 : 4096;
    while (nc - b->n < w) nc *= 2;
    uint8_t *q = st_realloc(b->p, nc);
    if (!q) return ST_ENOMEM;
    b->p = q;
    b->cap = nc;
    return ST_OK;
}

/* Inline with the width known at each call: one store a field (a call and
 * a memcpy of 1 to 32 bytes per field was 6% of an ingest). */
static inline int colbuf_put(colbuf *b, const void *p, size_t w) {
    if (b->cap - b->n < w && colbuf_grow(b, w)) return ST_ENOMEM;
    memcpy(b->p + b->n, p, w);
    b->n += w;
    return ST_OK;
}

static void ingest_on_bad(void *ctx, const st_error *e);

static void warn(ingest *g, const char *file, const char *fmt, const char *what) {
    st_error e;
    st_error_clear(&e);
    st_error_at(&e, ST_EINVAL, file, 0, -1, fmt, what);
    ingest_on_bad(g, &e);
}

/* ---- ids ---- */

/* SANCTRACE_EVM_TIMING=1: each phase's end on stderr, with the seconds
 * since the ingest began and the process's CPU time (every thread's) so
 * far, so a phase that leaves a core idle shows; its system time, page
 * faults and peak memory so far show the phase that touches new memory. */
static void phase(const ingest *g, const char *what) {
    if (!g->timing) return;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) memset(&ru, 0, sizeof ru);
    double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    double cpu = sys + (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    fprintf(stderr, "evm ingest timing: %7.3f s  cpu %7.3f s  sys %6.3f s  %7ld faults  peak %5ld MiB  %s\n",
            st_now() - g->t_start, cpu, sys, ru.ru_minflt + ru.ru_majflt, ru.ru_maxrss >> 10, what);
}

static const uint8_t *tx_key(const void *ctx, uint64_t id) { return ((const ingest *)ctx)->tx.v[id].hash; }

/* a in the store's address index (old_lazy): 1 with *id, or 0. */
static int old_find(const ingest *g, const uint8_t a[20], uint64_t *id) {
    const uint8_t *keys = (const uint8_t *)g->old_addr.data;
    return ev_hashtab_find(&g->old_ht[0], keys, 20, a, id) || ev_hashtab_find(&g->old_ht[1], keys, 20, a, id);
}

static int addr_id(ingest *g, const uint8_t a[20], uint64_t *id) {
    int rc;
    if (g->old_lazy) { /* a committed address: looked up in the store's index the first time this run meets it */
        uint64_t old;
        if (at_find(&g->addr, a, id)) return ST_OK;
        if (old_find(g, a, &old)) {
            rc = at_find_add(&g->addr, a, old, id);
            return rc < 0 ? rc : ST_OK;
        }
    }
    rc = at_find_add(&g->addr, a, g->nc.n[EV_N_ADDRS], id);
    if (rc == 0) { /* created */
        if (colbuf_put(&g->col[EV_COL_ADDR], a, 20)) return ST_ENOMEM;
        g->nc.n[EV_N_ADDRS]++;
    } else if (rc != 1) return rc;
    return ST_OK;
}

/* Whether token is one of the store's committed assets (its transfers, if any, are there already). */
static int committed_token(ingest *g, const uint8_t token[20]) {
    uint64_t id, asset;
    if (!at_find(&g->addr, token, &id) && !(g->old_lazy && old_find(g, token, &id))) return 0;
    return st_map_get(g->asset, &id, 8, &asset) && asset < g->c.n[EV_N_ASSETS];
}

static int asset_id(ingest *g, const uint8_t token[20], uint32_t *id) {
    uint64_t a;
    if (addr_id(g, token, &a)) return ST_ENOMEM;
    int created;
    uint64_t *slot = st_map_slot(g->asset, &a, 8, g->nc.n[EV_N_ASSETS], &created);
    if (!slot) return ST_ENOMEM;
    if (created) {
        if (colbuf_put(&g->col[EV_COL_ASSET_ADDR], &a, 8)) return ST_ENOMEM;
        g->nc.n[EV_N_ASSETS]++;
    }
    *id = (uint32_t)*slot;
    return ST_OK;
}

/* ---- join ---- */

static int new_tx(ingest *g, uint64_t *id) {
    if (!EV_PUSH(g->tx) || !EV_PUSH(g->tx_trace_file) || !EV_PUSH(g->tx_trace_first) || !EV_PUSH(g->tx_trace_n) ||
        !EV_PUSH(g->tx_tok_first) || !EV_PUSH(g->tx_tok_n))
        return ST_ENOMEM;
    *id = g->tx.n - 1;
    g->tx.v[*id].status = -1;
    g->tx.v[*id].index = UINT32_MAX;
    g->tx_trace_file.v[*id] = EV_NO_FILE;
    return ST_OK;
}

static int pos_key(uint8_t k[12], uint64_t block, uint32_t index) {
    memcpy(k, &block, 8);
    memcpy(k + 8, &index, 4);
    return 12;
}

/* The transaction a row names, created when absent.  hash may be NULL. */
static int find_tx_any(ingest *g, const uint8_t *hash, uint64_t block, uint32_t index, uint64_t *id);

/* The window's transactions in the hash and position tables, once a row
 * needs them: an export in chain order names its transactions in the
 * order they are stored, so find_tx finds them by walking and the tables
 * are never built. */
static int index_txs(ingest *g) {
    if (g->tx_indexed) return ST_OK;
    g->tx_indexed = 1;
    for (uint64_t i = 0; i < g->tx.n; i++) {
        const ev_txrow *t = &g->tx.v[i];
        uint64_t v;
        uint8_t k[12];
        if (t->has_hash && idt_find(&g->by_hash, t->hash, 32, tx_key, g, 1, i, &v) < 0) return ST_ENOMEM;
        if (t->index != UINT32_MAX && st_map_put(g->by_pos, k, (size_t)pos_key(k, t->block, t->index), i))
            return ST_ENOMEM;
    }
    return ST_OK;
}

/* Receipts, traces and logs come in the transactions' order: the
 * transaction the last row named, and the few after it, are checked
 * before the hash table (a hash is on one transaction only, so the answer
 * is the same, without the table's cache misses; logs skip the
 * transactions that emitted none). */
#define EV_TX_WALK 16
static int find_tx(ingest *g, const uint8_t *hash, uint64_t block, uint32_t index, uint64_t *id) {
    if (hash)
        for (uint64_t h = g->tx_hint; h < g->tx.n && h <= g->tx_hint + EV_TX_WALK; h++)
            if (g->tx.v[h].has_hash && idt_key_eq(g->tx.v[h].hash, hash, 32)) {
                *id = g->tx_hint = h;
                return ST_OK;
            }
    if (hash && g->tx_sorted) { /* the transactions table's rows, in chain order: halve to the block */
        uint64_t lo = 0, hi = g->tx_sorted, at = index == UINT32_MAX ? 0 : index;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            const ev_txrow *t = &g->tx.v[mid];
            if (t->block < block || (t->block == block && t->index < at)) lo = mid + 1;
            else hi = mid;
        }
        for (uint64_t h = lo; h < g->tx_sorted && g->tx.v[h].block == block; h++) {
            if (idt_key_eq(g->tx.v[h].hash, hash, 32)) {
                *id = g->tx_hint = h;
                return ST_OK;
            }
            if (index != UINT32_MAX) break; /* the one at its place is not it */
        }
    }
    if (index_txs(g)) return ST_ENOMEM;
    int rc = find_tx_any(g, hash, block, index, id);
    if (rc == ST_OK) g->tx_hint = *id;
    return rc;
}

static int find_tx_any(ingest *g, const uint8_t *hash, uint64_t block, uint32_t index, uint64_t *id) {
    uint64_t v;
    uint8_t k[12];
    if (hash && idt_find(&g->by_hash, hash, 32, tx_key, g, 0, 0, &v) == 1) {
        *id = v;
        return ST_OK;
    }
    if (index != UINT32_MAX && st_map_get(g->by_pos, k, (size_t)pos_key(k, block, index), &v)) {
        ev_txrow *t = &g->tx.v[v];
        if (hash && !t->has_hash) { /* geth-style first, hash later */
            memcpy(t->hash, hash, 32);
            t->has_hash = 1;
            if (idt_find(&g->by_hash, hash, 32, tx_key, g, 1, v, &v) < 0) return ST_ENOMEM;
        }
        if (!hash || !memcmp(t->hash, hash, 32)) {
            *id = v;
            return ST_OK;
        }
    }
    if (new_tx(g, id)) return ST_ENOMEM;
    ev_txrow *t = &g->tx.v[*id];
    t->block = block;
    t->index = index;
    if (hash) {
        memcpy(t->hash, hash, 32);
        t->has_hash = 1;
        uint64_t same;
        if (idt_find(&g->by_hash, hash, 32, tx_key, g, 1, *id, &same) < 0) return ST_ENOMEM;
    }
    if (index != UINT32_MAX && st_map_put(g->by_pos, k, (size_t)pos_key(k, block, index), *id)) return ST_ENOMEM;
    return ST_OK;
}

static int cmp_path(const ev_trace *a, const ev_trace *b, const uint32_t *paths) {
    uint32_t n = a->depth < b->depth ? a->depth : b->depth;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = paths[a->path_off + i], y = paths[b->path_off + i];
        if (x != y) return x < y ? -1 : 1;
    }
    if (a->depth != b->depth) return a->depth < b->depth ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_trace(const void *pa, const void *pb, void *ctx) {
    const ingest *sort_ctx = ctx;
    const ev_trace *a = &sort_ctx->w->traces.v[*(const uint64_t *)pa], *b = &sort_ctx->w->traces.v[*(const uint64_t *)pb];
    if (a->tx != b->tx) return a->tx < b->tx ? -1 : 1;
    if (a->tx == ST_EVM_NONE) {
        if (a->block != b->block) return a->block < b->block ? -1 : 1;
        return a->seq < b->seq ? -1 : a->seq > b->seq;
    }
    return cmp_path(a, b, sort_ctx->w->paths.v);
}

static int cmp_token(const void *pa, const void *pb, void *ctx) {
    const ingest *sort_ctx = ctx;
    const ev_token *a = &sort_ctx->w->tokens.v[*(const uint64_t *)pa], *b = &sort_ctx->w->tokens.v[*(const uint64_t *)pb];
    if (a->tx != b->tx) return a->tx < b->tx ? -1 : 1;
    return a->log_index < b->log_index ? -1 : a->log_index > b->log_index;
}

static int cmp_tx(const void *pa, const void *pb, void *ctx) {
    const ingest *sort_ctx = ctx;
    const ev_txrow *a = &sort_ctx->tx.v[*(const uint64_t *)pa], *b = &sort_ctx->tx.v[*(const uint64_t *)pb];
    if (a->block != b->block) return a->block < b->block ? -1 : 1;
    if (a->index != b->index) return a->index < b->index ? -1 : 1;
    return memcmp(a->hash, b->hash, 32);
}

/* Exports come in chain order, so the rows usually already are: one pass
 * to see it is cheaper than the sort (a merge sort of ids through a
 * comparison callback, 5% of an ingest). */
static void sort_ids(uint64_t *ids, size_t n, int (*cmp)(const void *, const void *, void *), void *ctx) {
    size_t i = 1;
    while (i < n && cmp(&ids[i - 1], &ids[i], ctx) <= 0) i++;
    if (i < n) qsort_r(ids, n, 8, cmp, ctx);
}

static int cmp_u64(const void *pa, const void *pb) {
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* Side vectors of n transactions taken whole from a transactions table. */
static int tx_side(ingest *g, size_t n) {
#define SIDE(vec, init)                                                                            \
    do {                                                                                           \
        if ((vec).cap < n && ev_vec_grow((void **)&(vec).v, &(vec).cap, n - 1, sizeof *(vec).v)) \
            return ST_ENOMEM;                                                                      \
        for (size_t i_ = 0; i_ < n; i_++) (vec).v[i_] = (init);                                    \
        (vec).n = n;                                                                               \
    } while (0)
    SIDE(g->tx_trace_file, EV_NO_FILE);
    SIDE(g->tx_trace_first, 0);
    SIDE(g->tx_trace_n, 0);
    SIDE(g->tx_tok_first, 0);
    SIDE(g->tx_tok_n, 0);
#undef SIDE
    return ST_OK;
}

/* A transactions table whose rows name their place, each after the one
 * before, and no hash twice: its rows become the window's transactions as
 * they are (the same table in two files restarts lower; a hash repeated at
 * another place is caught by a set of the hashes' first words, which are
 * keccak output, the rows compared whole on a match).  1 taken as is, 0
 * not, ST_ENOMEM. */
static int txs_in_order(ingest *g, const ev_batch *b) {
    size_t n = b->txs.n, cap = 64;
    for (size_t i = 0; i < n; i++) {
        const ev_txrow *r = &b->txs.v[i];
        if (!r->has_hash || r->index == UINT32_MAX) return 0;
        if (i && (r->block < r[-1].block || (r->block == r[-1].block && r->index <= r[-1].index))) return 0;
    }
    while (cap < 2 * n) cap *= 2;
    if (g->seen_cap < cap) {
        uint32_t *p = st_realloc(g->seen, cap * sizeof *p);
        if (!p) return ST_ENOMEM;
        g->seen = p, g->seen_cap = cap;
    }
    memset(g->seen, 0, cap * sizeof *g->seen);
    for (size_t i = 0; i < n; i++) { /* slots hold row + 1 */
        uint64_t h;
        memcpy(&h, b->txs.v[i].hash, 8);
        size_t j = (size_t)(h ^ h >> 29) & (cap - 1);
        for (; g->seen[j]; j = (j + 1) & (cap - 1))
            if (idt_key_eq(b->txs.v[g->seen[j] - 1].hash, b->txs.v[i].hash, 32)) return 0;
        g->seen[j] = (uint32_t)(i + 1);
    }
    return 1;
}

/* Whether the window had a token row of transaction id (r's) and r's log
 * index before (*created = 0) or not (1, and it now has): a 64-bit key in
 * a table of integers when they fit it (a 40-byte key hashed a byte at a
 * time was a tenth of a real export's build), the hash and index else. */
static int token_seen(ingest *g, uint64_t id, const ev_token *r, int *created) {
    if (id < ((uint64_t)1 << 40) && r->log_index < ((uint64_t)1 << 24)) {
        uint32_t v;
        return st_map64_get_or_put(&g->logs_seen64, id << 24 | r->log_index, 0, &v, created);
    }
    uint8_t k[40];
    memcpy(k, r->txhash, 32);
    memcpy(k + 32, &r->log_index, 8);
    return st_map_slot(g->logs_seen, k, 40, 0, created) ? ST_OK : ST_ENOMEM;
}

static int join(ingest *g) {
    ev_batch *b = g->w;
    uint64_t id, v;
    int in_order = g->tx.n || b->txs.n >= UINT32_MAX ? 0 : txs_in_order(g, b);
    if (in_order < 0) return ST_ENOMEM;
    if (in_order) { /* the rows taken, not copied */
        __typeof__(g->tx) t = g->tx;
        g->tx.v = b->txs.v, g->tx.n = b->txs.n, g->tx.cap = b->txs.cap;
        b->txs.v = t.v, b->txs.n = 0, b->txs.cap = t.cap;
        if (tx_side(g, g->tx.n)) return ST_ENOMEM;
        g->tx_sorted = g->tx.n;
    } else if (index_txs(g)) return ST_ENOMEM;
    for (size_t i = 0; i < b->txs.n; i++) {
        /* one probe: every transaction so far came from a transactions row
         * and has its hash, so a hash not in the table is a new one (even
         * at the position of another: find_tx would make it new too) */
        ev_txrow *r = &b->txs.v[i];
        int f = idt_find(&g->by_hash, r->hash, 32, tx_key, g, 1, g->tx.n, &v);
        if (f == 1) continue; /* the same row in two files */
        if (f < 0 || new_tx(g, &id)) return ST_ENOMEM;
        g->tx.v[id] = *r; /* its key, before the table grows again */
        uint8_t k[12];
        if (r->index != UINT32_MAX && st_map_put(g->by_pos, k, (size_t)pos_key(k, r->block, r->index), id))
            return ST_ENOMEM;
    }
    g->tx_hint = 0; /* each table walks the transactions from the first */
    for (size_t i = 0; i < b->receipts.n; i++) {
        ev_txrow *r = &b->receipts.v[i];
        if (find_tx(g, r->hash, r->block, r->index, &id)) return ST_ENOMEM;
        ev_txrow *t = &g->tx.v[id];
        if (t->index == UINT32_MAX) t->index = r->index;
        if (r->has_gas_used) t->gas_used = r->gas_used, t->has_gas_used = 1;
        if (r->has_eff) t->eff_price = r->eff_price, t->has_eff = 1;
        if (r->has_gas_price && !t->has_gas_price) t->gas_price = r->gas_price, t->has_gas_price = 1;
        if (r->has_contract) memcpy(t->contract, r->contract, 20), t->has_contract = 1;
        if (r->has_blob_gas) t->blob_gas = r->blob_gas, t->has_blob_gas = 1;
        if (r->has_blob_price) t->blob_price = r->blob_price, t->has_blob_price = 1;
        if (r->status >= 0) t->status = r->status;
    }
    g->tx_hint = 0;
    for (size_t i = 0; i < b->traces.n; i++) {
        ev_trace *r = &b->traces.v[i];
        r->tx = ST_EVM_NONE;
        if (r->type == EV_T_REWARD || r->type == EV_T_OTHER || (!r->has_hash && !r->has_txindex)) {
            int created;
            uint64_t *slot = st_map_slot(g->reward_file, &r->block, 8, r->file, &created);
            if (!slot) return ST_ENOMEM;
            if (*slot != r->file) r->block = UINT64_MAX; /* the same block's rewards from another file */
            continue;
        }
        if (find_tx(g, r->has_hash ? r->txhash : NULL, r->block, r->has_txindex ? r->txindex : UINT32_MAX, &id))
            return ST_ENOMEM;
        if (g->tx_trace_file.v[id] == EV_NO_FILE) g->tx_trace_file.v[id] = r->file;
        if (g->tx_trace_file.v[id] != r->file) {
            r->block = UINT64_MAX; /* not the block's own trace either (build) */
            if (!g->warned_dup_traces++)
                warn(g, b->names[r->file], "%s", "traces of transactions already traced by another file: ignored");
            continue;
        }
        r->tx = id;
    }
    /* the same Transfer from logs and token_transfers (the same hash and
     * log index) is one: the logs' rows first, whatever the files' order,
     * since only a log tells an ERC-721 transfer (a marker, no flow) from
     * a token's; a contract the contracts table calls ERC-721 tells it
     * too, for any shape (CryptoKitties' Transfer indexes nothing) */
    for (size_t i = 0; i < b->contracts.n; i++) {
        const ev_contract *c = &b->contracts.v[i];
        if (!c->nft && st_map_count(g->nft) >= EV_CONTRACTS_MAX) continue; /* then taken as not named */
        int created;
        uint64_t *mark = st_map_slot(g->nft, c->addr, 20, 0, &created);
        if (!mark) return ST_ENOMEM;
        if (c->nft && !*mark) *mark = 1, g->nft_old += committed_token(g, c->addr); /* once a token */
    }
    for (int pass = 0; pass < 2; pass++) {
        g->tx_hint = 0;
        for (size_t i = 0; i < b->tokens.n; i++) {
            ev_token *r = &b->tokens.v[i];
            if (r->from_logs != !pass) continue;
            int created;
            if (find_tx(g, r->txhash, r->block, r->txindex, &id) || token_seen(g, id, r, &created))
                return ST_ENOMEM;
            uint64_t mark = 0;
            int named = created && !r->nft && st_map_count(g->nft) && st_map_get(g->nft, r->token, 20, &mark);
            if (named && mark) r->nft = 1, g->nft_rows++;
            else if (created && !r->nft && !named && !r->from_logs && !g->tt_unnamed++)
                g->tt_unnamed_file = r->file;
            if (!created || r->nft) { /* a twin, or no flow */
                r->tx = ST_EVM_NONE;
                r->block = UINT64_MAX;
                continue;
            }
            r->tx = id;
        }
    }
    /* order traces and tokens by transaction, then execution */
    size_t nt = b->traces.n, nk = b->tokens.n, nx = g->tx.n;
    g->trace_order = st_malloc((nt ? nt : 1) * 8);
    g->tok_order = st_malloc((nk ? nk : 1) * 8);
    g->tx_order = st_malloc((nx ? nx : 1) * 8);
    if (!g->trace_order || !g->tok_order || !g->tx_order) return ST_ENOMEM;
    /* block-level traces (rewards: no transaction) order after all the
     * others, so they are put there first and each part sorted alone:
     * interleaved in the export, they made every window's sort a full one */
    size_t ntx_traces = 0;
    for (size_t i = 0; i < nt; i++)
        if (b->traces.v[i].tx != ST_EVM_NONE) g->trace_order[ntx_traces++] = i;
    for (size_t i = 0, k = ntx_traces; i < nt; i++)
        if (b->traces.v[i].tx == ST_EVM_NONE) g->trace_order[k++] = i;
    /* likewise the token rows that make no flow (twins, ERC-721 markers),
     * which are passed over: those left are in chain order in the export,
     * and the check finds them so, where ERC-721 rows among them made real
     * exports' every window sort its tokens */
    size_t ntok = 0;
    for (size_t i = 0; i < nk; i++)
        if (b->tokens.v[i].tx != ST_EVM_NONE) g->tok_order[ntok++] = i;
    for (size_t i = 0, k = ntok; i < nk; i++)
        if (b->tokens.v[i].tx == ST_EVM_NONE) g->tok_order[k++] = i;
    for (size_t i = 0; i < nx; i++) g->tx_order[i] = i;
    sort_ids(g->trace_order, ntx_traces, cmp_trace, g);
    sort_ids(g->trace_order + ntx_traces, nt - ntx_traces, cmp_trace, g);
    sort_ids(g->tok_order, ntok, cmp_token, g);
    sort_ids(g->tx_order, nx, cmp_tx, g);
    for (size_t i = 0; i < nt; i++) {
        uint64_t t = b->traces.v[g->trace_order[i]].tx;
        if (t == ST_EVM_NONE) continue;
        if (!g->tx_trace_n.v[t]) g->tx_trace_first.v[t] = i;
        g->tx_trace_n.v[t]++;
    }
    for (size_t i = 0; i < nk; i++) {
        uint64_t t = b->tokens.v[g->tok_order[i]].tx;
        if (t == ST_EVM_NONE) continue;
        if (!g->tx_tok_n.v[t]) g->tx_tok_first.v[t] = i;
        g->tx_tok_n.v[t]++;
    }
    /* what a transaction's top-level trace says when no row said it */
    for (size_t t = 0; t < nx; t++) {
        if (!g->tx_trace_n.v[t]) continue;
        const ev_trace *r = &b->traces.v[g->trace_order[g->tx_trace_first.v[t]]];
        if (r->depth != 0 || (r->type != EV_T_CALL && r->type != EV_T_CREATE)) continue;
        ev_txrow *x = &g->tx.v[t];
        if (!x->has_from && r->has_from) memcpy(x->from, r->from, 20), x->has_from = 1;
        if (!x->has_to && r->has_to && r->type == EV_T_CALL) memcpy(x->to, r->to, 20), x->has_to = 1;
        if (!x->has_contract && r->has_to && r->type == EV_T_CREATE) memcpy(x->contract, r->to, 20), x->has_contract = 1;
        if (!x->has_value) x->value = r->value, x->has_value = 1;
        if (x->status < 0) x->status = (r->error || r->status == 0) ? 0 : 1;
    }
    for (size_t i = 0; i < b->blocks.n; i++) {
        int created;
        if (!st_map_slot(g->blkrow, &b->blocks.v[i].number, 8, i, &created)) return ST_ENOMEM;
    }
    return ST_OK;
}

/* ---- flows ---- */

/* Amount a of record id in amount column col: its low half, or all ones
 * and the whole amount in the column's wide column (evm_int.h). */
static int put_amount(ingest *g, int col, uint64_t id, const st_u256 *a) {
    uint8_t low[EV_AMOUNT_W];
    if (ev_amount_narrow(a, low)) return colbuf_put(&g->col[col], low, EV_AMOUNT_W);
    int w = ev_wide_col(col);
    uint8_t rec[EV_WIDE_W];
    memset(low, 0xff, sizeof low);
    memcpy(rec, &id, 8);
    memcpy(rec + 8, a, 32);
    if (colbuf_put(&g->col[col], low, EV_AMOUNT_W) || colbuf_put(&g->col[w], rec, EV_WIDE_W)) return ST_ENOMEM;
    g->nc.n[ev_col_count(w)]++;
    return ST_OK;
}

static int emit(ingest *g, uint32_t asset, uint64_t from, uint64_t to, const st_u256 *amount, int kind, uint64_t tx,
                uint32_t *pos) {
    if (st_u256_is_zero(amount)) return ST_OK;
    uint8_t k = (uint8_t)kind;
    if (colbuf_put(&g->col[EV_COL_FLOW_ASSET], &asset, 4) || colbuf_put(&g->col[EV_COL_FLOW_FROM], &from, 8) ||
        colbuf_put(&g->col[EV_COL_FLOW_TO], &to, 8) ||
        put_amount(g, EV_COL_FLOW_AMOUNT, g->nc.n[EV_N_FLOWS], amount) ||
        colbuf_put(&g->col[EV_COL_FLOW_KIND], &k, 1) || colbuf_put(&g->col[EV_COL_FLOW_TX], &tx, 8) ||
        colbuf_put(&g->col[EV_COL_FLOW_POS], pos, 4))
        return ST_ENOMEM;
    (*pos)++;
    g->nc.n[EV_N_FLOWS]++;
    return ST_OK;
}

static const ev_block *block_row(ingest *g, uint64_t number) {
    uint64_t i;
    if (g->blk_cached_row && g->blk_cached == number) return g->blk_cached_row;
    const ev_block *r = st_map_get(g->blkrow, &number, 8, &i) ? &g->w->blocks.v[i] : NULL;
    g->blk_cached = number;
    g->blk_cached_row = r;
    return r;
}

static int opt_addr(ingest *g, int has, const uint8_t a[20], uint64_t *id) {
    *id = ST_EVM_NONE;
    return has ? addr_id(g, a, id) : ST_OK;
}

/* Whether blk (NULL: not in the export) is before Cancun.  Its table says
 * so when it has blob gas fields (a node's blocks always do: rpc_rows.c);
 * an export without them (ethereum-etl's, BigQuery's nulls left out)
 * leaves the block's time, read against Ethereum's: Cancun began at
 * 1710338135 (block 19426587).  A chain whose Cancun came before that
 * (Sepolia, Holesky) is taken for older in between; not knowing, Cancun's
 * rule. */
#define EV_CANCUN_TIME 1710338135u

static int before_cancun(const ev_block *blk) {
    if (!blk || blk->cancun > 0) return 0;
    return blk->cancun == 0 || (blk->has_time && blk->time < EV_CANCUN_TIME);
}

/* A trace of transaction j created the contract at addr.  A contract that
 * names itself the beneficiary of its selfdestruct keeps its ether only
 * when it outlives the transaction (from Cancun, EIP-6780: one created
 * earlier); one created in the same transaction is deleted with it, and
 * so is the ether, as before Cancun for every contract. */
static int created_in(ingest *g, uint64_t j, const uint8_t addr[20]) {
    for (uint64_t k = 0; k < g->tx_trace_n.v[j]; k++) {
        const ev_trace *r = &g->w->traces.v[g->trace_order[g->tx_trace_first.v[j] + k]];
        if (r->type == EV_T_CREATE && r->has_to && !memcmp(r->to, addr, 20)) return 1;
    }
    return 0;
}

/* Accounts a transaction's selfdestructs delete at its end (before Cancun
 * every one; from Cancun one created in that transaction): the ether they
 * receive after it, less what they send on, goes with them.  One or none
 * a transaction, as a rule (GasToken's frees delete dozens); past
 * EV_DEAD_MAX, not followed. */
#define EV_DEAD_MAX 256
typedef struct ev_dead {
    uint8_t addr[20];
    st_u256 in, out; /* ether received and sent since its selfdestruct */
} ev_dead;

static void dead_flow(ev_dead *dead, size_t ndead, const uint8_t from[20], const uint8_t to[20], int burnt,
                      const st_u256 *v) {
    for (size_t i = 0; i < ndead; i++) {
        if (!burnt && !memcmp(dead[i].addr, to, 20)) st_u256_add(&dead[i].in, &dead[i].in, v);
        if (!memcmp(dead[i].addr, from, 20)) st_u256_add(&dead[i].out, &dead[i].out, v);
    }
}

static int emit_tx(ingest *g, uint64_t j) {
    ev_txrow *t = &g->tx.v[j];
    ev_dead dead[EV_DEAD_MAX];
    size_t ndead = 0;
    uint64_t txid = g->nc.n[EV_N_TXS], first = g->nc.n[EV_N_FLOWS], from, to;
    uint32_t pos = 0, eth = 0;
    if (opt_addr(g, t->has_from, t->from, &from) || opt_addr(g, t->has_to, t->to, &to)) return ST_ENOMEM;
    const ev_block *blk = block_row(g, t->block);
    st_u256 fee = st_u256_from_u64(0), zero = st_u256_from_u64(0);
    int fee_known = t->has_gas_used && (t->has_eff || t->has_gas_price);
    if (fee_known && st_u256_mul_u64(&fee, t->has_eff ? &t->eff_price : &t->gas_price, t->gas_used)) fee_known = 0;
    /* EIP-4844 blob gas: all of it burnt */
    st_u256 blob = st_u256_from_u64(0);
    if (t->has_blob_gas && t->blob_gas) {
        if (!t->has_blob_price || st_u256_mul_u64(&blob, &t->blob_price, t->blob_gas) || st_u256_add(&fee, &fee, &blob))
            fee_known = 0; /* blob gas without its price: the fee is not known */
    }
    if (!fee_known) g->rep->fees_unknown++;
    if (fee_known && from != ST_EVM_NONE) {
        uint64_t miner = ST_EVM_NONE;
        if (blk && opt_addr(g, blk->has_miner, blk->miner, &miner)) return ST_ENOMEM;
        st_u256 burnt = zero, exec, tip;
        st_u256_sub(&exec, &fee, &blob); /* the execution part: base fee burnt, the rest tip */
        tip = exec;
        if (blk && blk->has_base_fee && !st_u256_mul_u64(&burnt, &blk->base_fee, t->gas_used) &&
            st_u256_cmp(&burnt, &exec) <= 0)
            st_u256_sub(&tip, &exec, &burnt);
        else burnt = zero;
        st_u256_add(&burnt, &burnt, &blob); /* blob gas is burnt whole */
        if (emit(g, eth, from, ST_EVM_NONE, &burnt, ST_EVM_FEE, txid, &pos) ||
            emit(g, eth, from, miner, &tip, ST_EVM_FEE, txid, &pos))
            return ST_ENOMEM;
    }
    if (t->status != 0) {
        uint64_t nt = g->tx_trace_n.v[j];
        if (nt) {
            uint8_t rev[1101];
            memset(rev, 0, sizeof rev);
            for (uint64_t k = 0; k < nt; k++) {
                const ev_trace *r = &g->w->traces.v[g->trace_order[g->tx_trace_first.v[j] + k]];
                uint32_t d = r->depth < 1100 ? r->depth : 1100;
                int reverted = (d ? rev[d - 1] : 0) || r->error || r->status == 0;
                rev[d] = (uint8_t)reverted;
                if (reverted || r->novalue || r->type == EV_T_OTHER) continue;
                if (!r->has_from || !r->has_to) {
                    g->rep->unnamed_traces++;
                    continue;
                }
                uint64_t a, b;
                int deletes = r->type == EV_T_SUICIDE && (before_cancun(blk) || created_in(g, j, r->from));
                int self = deletes && !memcmp(r->from, r->to, 20); /* its own beneficiary: burnt */
                if (ndead && !st_u256_is_zero(&r->value))
                    dead_flow(dead, ndead, r->from, r->to, self, &r->value);
                if (deletes && ndead < EV_DEAD_MAX) { /* from here on, what it is sent goes with it */
                    size_t i = 0;
                    while (i < ndead && memcmp(dead[i].addr, r->from, 20)) i++;
                    if (i == ndead) {
                        memcpy(dead[i].addr, r->from, 20);
                        dead[i].in = dead[i].out = zero;
                        ndead++;
                    }
                }
                if (st_u256_is_zero(&r->value)) continue;
                if (addr_id(g, r->from, &a) || addr_id(g, r->to, &b)) return ST_ENOMEM;
                if (self) b = ST_EVM_NONE;
                if (emit(g, eth, a, b, &r->value, d == 0 ? ST_EVM_NATIVE : ST_EVM_INTERNAL, txid, &pos))
                    return ST_ENOMEM;
            }
        } else if (t->has_value && from != ST_EVM_NONE) {
            uint64_t dest = to;
            if (dest == ST_EVM_NONE && t->has_contract && addr_id(g, t->contract, &dest)) return ST_ENOMEM;
            if (emit(g, eth, from, dest, &t->value, ST_EVM_NATIVE, txid, &pos)) return ST_ENOMEM;
        }
        for (uint64_t k = 0; k < g->tx_tok_n.v[j]; k++) {
            const ev_token *x = &g->w->tokens.v[g->tok_order[g->tx_tok_first.v[j] + k]];
            uint32_t asset;
            uint64_t a, b;
            if (asset_id(g, x->token, &asset) || opt_addr(g, !x->no_from, x->from, &a) ||
                opt_addr(g, !x->no_to, x->to, &b) || emit(g, asset, a, b, &x->value, ST_EVM_TOKEN, txid, &pos))
                return ST_ENOMEM;
        }
        for (size_t i = 0; i < ndead; i++) { /* the deleted accounts' ether, at the transaction's end */
            st_u256 left;
            uint64_t a;
            if (st_u256_cmp(&dead[i].in, &dead[i].out) <= 0) continue;
            st_u256_sub(&left, &dead[i].in, &dead[i].out);
            if (addr_id(g, dead[i].addr, &a) ||
                emit(g, eth, a, ST_EVM_NONE, &left, ST_EVM_INTERNAL, txid, &pos))
                return ST_ENOMEM;
        }
    }
    uint8_t flags = (uint8_t)((t->has_hash ? EV_TXF_HASH : 0) | (t->has_value ? EV_TXF_VALUE : 0) |
                              (fee_known ? EV_TXF_FEE : 0) | (t->status == 1 ? EV_TXF_OK : 0) |
                              (t->status == 0 ? EV_TXF_FAILED : 0));
    uint64_t nflows = g->nc.n[EV_N_FLOWS] - first;
    uint32_t nf32 = (uint32_t)nflows;
    if (nflows >= UINT32_MAX) return ST_ELIMIT;
    if (colbuf_put(&g->col[EV_COL_TX_HASH], t->hash, 32) || colbuf_put(&g->col[EV_COL_TX_BLOCK], &t->block, 8) ||
        colbuf_put(&g->col[EV_COL_TX_INDEX], &t->index, 4) || colbuf_put(&g->col[EV_COL_TX_FROM], &from, 8) ||
        colbuf_put(&g->col[EV_COL_TX_TO], &to, 8) ||
        put_amount(g, EV_COL_TX_VALUE, txid, t->has_value ? &t->value : &zero) ||
        put_amount(g, EV_COL_TX_FEE, txid, &fee) || colbuf_put(&g->col[EV_COL_TX_FLAGS], &flags, 1) ||
        colbuf_put(&g->col[EV_COL_TX_FIRST_FLOW], &first, 8) || colbuf_put(&g->col[EV_COL_TX_NFLOWS], &nf32, 4))
        return ST_ENOMEM;
    g->nc.n[EV_N_TXS]++;
    return ST_OK;
}

/* The rows transaction j's build reads, asked for before prefetch_tx reads
 * them (twice as far ahead): the reader thread wrote them, so they are in
 * the other core's caches or in memory, and each row was a miss the build
 * waited on. */
static void prefetch_rows(ingest *g, uint64_t j) {
    st_prefetch_span(&g->tx.v[j], sizeof g->tx.v[j]);
    uint64_t nt = g->tx_trace_n.v[j], nk = g->tx_tok_n.v[j];
    for (uint64_t k = 0; k < nt && k < 4; k++)
        st_prefetch_span(&g->w->traces.v[g->trace_order[g->tx_trace_first.v[j] + k]], sizeof(ev_trace));
    for (uint64_t k = 0; k < nk && k < 2; k++)
        st_prefetch_span(&g->w->tokens.v[g->tok_order[g->tx_tok_first.v[j] + k]], sizeof(ev_token));
}

/* The address slots transaction j's flows will look up, asked of the
 * memory while earlier transactions are built: at 10M flows the address
 * table is far larger than the caches, and a lookup that waits for its
 * slot was the build's largest cost. */
#define EV_PREFETCH_TXS 16
static void prefetch_tx(ingest *g, uint64_t j) {
    const ev_txrow *t = &g->tx.v[j];
    if (t->has_from) at_prefetch(&g->addr, t->from);
    if (t->has_to) at_prefetch(&g->addr, t->to);
    uint64_t nt = g->tx_trace_n.v[j];
    for (uint64_t k = 0; k < nt && k < 4; k++) {
        const ev_trace *r = &g->w->traces.v[g->trace_order[g->tx_trace_first.v[j] + k]];
        if (st_u256_is_zero(&r->value)) continue;
        if (r->has_from) at_prefetch(&g->addr, r->from);
        if (r->has_to) at_prefetch(&g->addr, r->to);
    }
    for (uint64_t k = 0; k < g->tx_tok_n.v[j] && k < 2; k++) {
        const ev_token *x = &g->w->tokens.v[g->tok_order[g->tx_tok_first.v[j] + k]];
        at_prefetch(&g->addr, x->from);
        at_prefetch(&g->addr, x->to);
    }
}

static int build(ingest *g) {
    ev_batch *b = g->w;
    /* every block any row names */
    EV_VEC(uint64_t) blocks = {0};
    int rc = ST_ENOMEM;
    /* rows come block by block: a number like the one before is not
     * pushed again (the list is sorted and deduplicated below anyway, and
     * one entry a row made that sort a twentieth of the ingest) */
#define ADD_BLOCK(x)                                   \
    do {                                               \
        uint64_t x_ = (x);                             \
        if (blocks.n && blocks.v[blocks.n - 1] == x_)  \
            break;                                     \
        uint64_t *s_ = EV_PUSH(blocks);                \
        if (!s_) goto done;                            \
        *s_ = x_;                                      \
    } while (0)
    for (size_t i = 0; i < b->blocks.n; i++) ADD_BLOCK(b->blocks.v[i].number);
    for (size_t i = 0; i < g->tx.n; i++) ADD_BLOCK(g->tx.v[i].block);
    for (size_t i = 0; i < b->traces.n; i++)
        if (b->traces.v[i].block != UINT64_MAX) ADD_BLOCK(b->traces.v[i].block);
    size_t sorted = 1;
    while (sorted < blocks.n && blocks.v[sorted - 1] <= blocks.v[sorted]) sorted++;
    if (sorted < blocks.n) qsort(blocks.v, blocks.n, 8, cmp_u64);
    size_t ti = 0, ri = 0; /* cursors over g->tx_order and the block-level traces */
    while (ri < b->traces.n && b->traces.v[g->trace_order[ri]].tx != ST_EVM_NONE) ri++;
    for (size_t i = 0; i < blocks.n; i++) {
        uint64_t num = blocks.v[i];
        if (i && blocks.v[i - 1] == num) continue;
        int skip = g->c.last_block >= 0 && num <= (uint64_t)g->c.last_block;
        if (num > INT64_MAX) skip = 1;
        if (skip) g->rep->blocks_skipped++;
        else {
            uint64_t v[3] = {num, g->nc.n[EV_N_TXS], g->nc.n[EV_N_FLOWS]};
            if (colbuf_put(&g->col[EV_COL_BLK_NUM], &v[0], 8) || colbuf_put(&g->col[EV_COL_BLK_FIRST_TX], &v[1], 8) ||
                colbuf_put(&g->col[EV_COL_BLK_FIRST_FLOW], &v[2], 8))
                goto done;
            g->nc.n[EV_N_BLOCKS]++;
            if (g->nc.first_block < 0) g->nc.first_block = (int64_t)num;
            g->nc.last_block = (int64_t)num;
            g->rep->blocks_added++;
        }
        while (ti < g->tx.n && g->tx.v[g->tx_order[ti]].block < num) ti++;
        for (; ti < g->tx.n && g->tx.v[g->tx_order[ti]].block == num; ti++) {
            if (skip) continue;
            if (ti + 2 * EV_PREFETCH_TXS < g->tx.n) prefetch_rows(g, g->tx_order[ti + 2 * EV_PREFETCH_TXS]);
            if (ti + EV_PREFETCH_TXS < g->tx.n) prefetch_tx(g, g->tx_order[ti + EV_PREFETCH_TXS]);
            if ((rc = emit_tx(g, g->tx_order[ti]))) goto done;
        }
        rc = ST_ENOMEM;
        /* the block's rewards (and other block-level traces), then withdrawals */
        uint32_t pos = 0;
        for (; ri < b->traces.n && b->traces.v[g->trace_order[ri]].block <= num; ri++) {
            const ev_trace *r = &b->traces.v[g->trace_order[ri]];
            if (r->block != num || skip || st_u256_is_zero(&r->value) || r->error || r->status == 0 || r->novalue)
                continue; /* a failed one, or a delegatecall, moves nothing here either */
            if (!r->has_to) {
                g->rep->unnamed_traces++;
                continue;
            }
            uint64_t from = ST_EVM_NONE, to;
            if (opt_addr(g, r->has_from, r->from, &from) || addr_id(g, r->to, &to)) goto done;
            if (emit(g, 0, from, to, &r->value, from == ST_EVM_NONE ? ST_EVM_REWARD : ST_EVM_INTERNAL, ST_EVM_NONE,
                     &pos))
                goto done;
        }
        const ev_block *blk = block_row(g, num);
        for (uint32_t w = 0; blk && !skip && w < blk->nwd; w++) {
            const ev_withdrawal *x = &b->wd.v[blk->first_wd + w];
            uint64_t to;
            if (addr_id(g, x->addr, &to) || emit(g, 0, ST_EVM_NONE, to, &x->amount, ST_EVM_WITHDRAWAL, ST_EVM_NONE, &pos))
                goto done;
        }
    }
    rc = ST_OK;
done:
#undef ADD_BLOCK
    st_free(blocks.v);
    return rc;
}

/* The tokens the tokens table names, after those the flows met (once,
 * after the last window). */
static int add_token_assets(ingest *g) {
    for (size_t i = 0; i + 20 <= g->b.token_addrs.n; i += 20) {
        uint32_t a;
        if (asset_id(g, g->b.token_addrs.v + i, &a)) return ST_ENOMEM;
    }
    return ST_OK;
}

/* ---- files ---- */

/* In a folder, the files an exporter writes (any letter case); a file
 * named on the command line is read whatever its name. */
#define EV_EXPORT_NAMES ".csv, .json, .jsonl or .ndjson, each with .gz or not"
static int export_name(const char *name) {
    static const char *const ext[] = {".csv", ".csv.gz", ".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson",
                                      ".ndjson.gz"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && !strcasecmp(name + n - k, ext[i])) return 1;
    }
    return 0;
}

/* The export files under path, in walk order (names only: reading comes
 * later, in block windows). */
static int collect_path(ingest *g, const char *path, int depth, st_error *err) {
    if (!st_is_dir(path)) {
        const char *base = strrchr(path, '/');
        const char *name = base ? base + 1 : path;
        if (depth > 0 && !export_name(name)) { /* said after the walk; markers (_SUCCESS) pass unsaid */
            if (name[0] != '_' && !g->unread_files++ && !(g->unread_first = st_strdup(path)))
                return st_error_set(err, ST_ENOMEM, "out of memory");
            return ST_OK;
        }
        char **slot = EV_PUSH(g->files);
        if (!slot || !(*slot = st_strdup(path))) return st_error_set(err, ST_ENOMEM, "out of memory");
        return ST_OK;
    }
    if (depth >= EV_MAX_WALK_DEPTH) return ST_OK;
    struct stat st;
    if (depth > 0 && g->store_st.st_dev && !stat(path, &st) && st.st_dev == g->store_st.st_dev &&
        st.st_ino == g->store_st.st_ino)
        return ST_OK; /* the store inside the export's folder: its files are no export's */
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    if (n < 0) return st_error_at(err, ST_EIO, path, 0, -1, "cannot list: %s", strerror(errno));
    int rc = ST_OK;
    for (int i = 0; i < n; i++) {
        char sub[4096];
        if (rc == ST_OK && ents[i]->d_name[0] != '.') {
            if (st_path_join(sub, sizeof sub, path, ents[i]->d_name)) rc = st_error_at(err, ST_ELIMIT, path, 0, -1, "path too long");
            else rc = collect_path(g, sub, depth + 1, err);
        }
        free(ents[i]);
    }
    free(ents);
    return rc;
}

/* Open one file as a source: an unreadable one is reported and left out
 * (*out NULL), the rest read. */
static int open_source(ingest *g, const char *path, ev_source **out, st_error *err) {
    int rc = ev_source_open(&g->b, path, out, err);
    if ((rc == ST_EIO || rc == ST_ELIMIT) && !g->b.full) {
        g->b.bad_rows++;
        if (g->b.on_bad) g->b.on_bad(g->b.ctx, err);
        st_error_clear(err);
        *out = NULL;
        return ST_OK;
    }
    return rc;
}

/* The window's rows read: joined, turned into flows, and forgotten. */
/* Rows of blocks the store already has, counted per file: a block's tables
 * are taken in the ingest that adds the block, so a later traces or logs
 * file for it is not merged, and is said so by name (count_late, then
 * report_late), never dropped in silence. */
static int count_late_row(ingest *g, uint64_t block, uint32_t file) {
    if (g->c.last_block < 0 || block > (uint64_t)g->c.last_block) return ST_OK;
    while (g->late.n <= file)
        if (!EV_PUSH(g->late)) return ST_ENOMEM;
    g->late.v[file]++;
    return ST_OK;
}

static int count_late(ingest *g) {
    ev_batch *b = g->w;
    if (g->c.last_block < 0) return ST_OK;
    int rc = ST_OK;
    for (size_t i = 0; i < b->txs.n && !rc; i++) rc = count_late_row(g, b->txs.v[i].block, b->txs.v[i].file);
    for (size_t i = 0; i < b->receipts.n && !rc; i++)
        rc = count_late_row(g, b->receipts.v[i].block, b->receipts.v[i].file);
    for (size_t i = 0; i < b->traces.n && !rc; i++) rc = count_late_row(g, b->traces.v[i].block, b->traces.v[i].file);
    for (size_t i = 0; i < b->tokens.n && !rc; i++) rc = count_late_row(g, b->tokens.v[i].block, b->tokens.v[i].file);
    for (size_t i = 0; i < b->blocks.n && !rc; i++) rc = count_late_row(g, b->blocks.v[i].number, b->blocks.v[i].file);
    return rc;
}

static void report_late(ingest *g) {
    for (size_t f = 0; f < g->late.n && f < g->b.nnames; f++) {
        if (!g->late.v[f]) continue;
        char msg[300];
        snprintf(msg, sizeof msg,
                 "%llu row%s of blocks at or below the store's last block %lld: not merged (an ingest adds "
                 "only blocks past the store's last, so an older block it lacks stays out too); every table "
                 "of a block must come in the ingest that adds it (ingest them into a new store with the "
                 "rest)",
                 (unsigned long long)g->late.v[f], g->late.v[f] == 1 ? "" : "s", (long long)g->c.last_block);
        warn(g, g->b.names[f], "%s", msg);
    }
}

static int window_build(ingest *g, int release, st_error *err) {
    int rc;
    if (count_late(g) || join(g)) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (release) { /* joined into g->tx: a whole export's rows are not needed any more */
        st_free(g->w->txs.v), st_free(g->w->receipts.v);
        memset(&g->w->txs, 0, sizeof g->w->txs), memset(&g->w->receipts, 0, sizeof g->w->receipts);
    }
    if ((rc = build(g))) {
        if (rc == ST_ENOMEM) return st_error_set(err, ST_ENOMEM, "out of memory");
        return st_error_set(err, rc, "a transaction has more than 2^32 flows");
    }
    ev_batch *b = g->w;
    /* swaps, bridge events and block times of the window (events.c: the
     * reader keeps what the manifest commits, so no protocol of its own) */
    if ((rc = ev_events_append(g->dir, b, g->c.last_block, err))) return rc;
    b->events.n = 0;
    b->txs.n = b->receipts.n = b->traces.n = b->tokens.n = b->blocks.n = b->wd.n = b->paths.n = 0;
    b->contracts.n = 0;
    g->tx.n = g->tx_trace_file.n = g->tx_trace_first.n = g->tx_trace_n.n = g->tx_tok_first.n = g->tx_tok_n.n = 0;
    if (g->by_hash.slot) memset(g->by_hash.slot, 0, (size_t)g->by_hash.cap * 8);
    g->by_hash.n = 0;
    st_map_free(g->by_pos), st_map_free(g->blkrow), st_map_free(g->reward_file), st_map_free(g->logs_seen);
    g->by_pos = g->blkrow = g->reward_file = g->logs_seen = NULL;
    if (g->logs_seen64.cap) memset(g->logs_seen64.vals, 0, g->logs_seen64.cap * sizeof *g->logs_seen64.vals);
    g->logs_seen64.n = 0;
    if (st_map_new(&g->by_pos) || st_map_new(&g->blkrow) || st_map_new(&g->reward_file) || st_map_new(&g->logs_seen))
        return st_error_set(err, ST_ENOMEM, "out of memory");
    st_free(g->trace_order), st_free(g->tok_order), st_free(g->tx_order);
    g->trace_order = g->tok_order = g->tx_order = NULL;
    g->tx_hint = 0;
    g->tx_indexed = 0;
    g->tx_sorted = 0;
    g->blk_cached_row = NULL;
    return ST_OK;
}

/* Write what col holds past what is written already.  The first write of
 * a run cuts the file back to the manifest's count (whatever an
 * interrupted run left; no reader maps past the counts of the manifest,
 * which only a rollback lowers, under the readers' lock); until the
 * manifest is renamed, readers and the next ingest see only the committed
 * records, so writing the tails window by window is as crash-safe as
 * writing them at the end. */
static int col_write(ingest *g, int col, colbuf *b, st_error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", g->dir, ev_col_name(col));
    off_t base = (off_t)(g->c.n[ev_col_count(col)] * ev_col_width(col));
    if (!g->colfd[col]) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, ST_FILE_MODE);
        if (fd < 0) return st_error_at(err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
        g->colfd[col] = fd + 1;
        g->colw[col] = 0;
        if (ftruncate(fd, base) != 0)
            return st_error_at(err, ST_EIO, path, 0, -1, "cannot cut back to the last commit: %s", strerror(errno));
    }
    int fd = g->colfd[col] - 1;
    off_t at = base + (off_t)g->colw[col];
    for (size_t off = 0; off < b->n;) {
        ssize_t k = pwrite(fd, b->p + off, b->n - off, at + (off_t)off);
        if (k <= 0) return st_error_at(err, ST_EIO, path, 0, -1, "cannot write: %s", k < 0 ? strerror(errno) : "no progress");
        off += (size_t)k;
    }
#ifdef SYNC_FILE_RANGE_WRITE
    /* the disk starts on these bytes now, behind the parse, so that the
     * commit's fsync (sync_main) finds less left to wait for */
    if (!g->opts->no_sync && b->n) (void)sync_file_range(fd, at, (off_t)b->n, SYNC_FILE_RANGE_WRITE);
#endif
    g->colw[col] += b->n;
    b->n = 0;
    return ST_OK;
}

#define EV_COL_FLUSH ((size_t)32 << 20)

/* A thread that runs one job at a time for the reading (the column
 * writer, the parse helper): the job is posted, runs while the poster goes
 * on, and its outcome is taken by waiting for it. */
typedef struct ev_worker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int job, quit, rc;
    st_error err;
    int (*run)(void *arg, st_error *err);
    void *arg;
    int nice; /* its thread's (yield_to_builder) */
    pthread_t th;
} ev_worker;

/* The build is the one stage that cannot be split, and every other
 * thread of the reading waits on it in the end: when more threads than
 * cores are ready, the kernel should give the builder a core, not a third
 * of two.  The parse, inflate and write threads run 5 nice steps below
 * the thread that began the ingest (g->nice_below, whose weight they then
 * have a third of): an absolute value, since a thread starts at its
 * creator's, and a thread already below it stays where it is. */
static int nice_below(void) {
#ifdef SYS_gettid
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    if (errno == 0) return nice + 5 > 19 ? 19 : nice + 5;
#endif
    return INT_MIN; /* unknown: nothing is lowered */
}

static void yield_to_builder(int target) {
#ifdef SYS_gettid
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, tid);
    if (target != INT_MIN && errno == 0 && nice < target) (void)setpriority(PRIO_PROCESS, tid, target);
#else
    (void)target;
#endif
}

static void *worker_main(void *p) {
    ev_worker *w = p;
    yield_to_builder(w->nice);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->job && !w->quit) pthread_cond_wait(&w->cv, &w->mu);
        if (!w->job) break;
        pthread_mutex_unlock(&w->mu);
        st_error e;
        st_error_clear(&e);
        int rc = w->run(w->arg, &e);
        pthread_mutex_lock(&w->mu);
        w->rc = rc;
        if (rc) w->err = e;
        w->job = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ST_OK, or -1 when no thread starts (the caller does the work itself). */
static int worker_start(ev_worker *w, int (*run)(void *, st_error *), void *arg, int nice) {
    memset(w, 0, sizeof *w);
    w->nice = nice;
    w->run = run;
    w->arg = arg;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (!pthread_create(&w->th, NULL, worker_main, w)) return ST_OK;
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    return -1;
}

/* The job's inputs are set before this, and not touched until the wait. */
static void worker_post(ev_worker *w) {
    pthread_mutex_lock(&w->mu);
    w->job = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* The last job's outcome (its message in err), once the worker is idle. */
static int worker_wait(ev_worker *w, st_error *err) {
    pthread_mutex_lock(&w->mu);
    while (w->job) pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->rc;
    w->rc = ST_OK;
    pthread_mutex_unlock(&w->mu);
    if (rc) *err = w->err;
    return rc;
}

/* Wait for the last job, end the thread: that job's outcome. */
static int worker_stop(ev_worker *w, st_error *err) {
    int rc = worker_wait(w, err);
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    return rc;
}

/* Writing columns on a thread of their own.  Copying a window's columns
 * into the page cache was a fifth of the build thread's time, and the
 * build paced a two-thread reading, so while windows are read the full
 * buffers are swapped with empty ones and written by this thread, one
 * batch at a time (the next flush waits for the last).  It is the only
 * one to touch the column files then; at the end of the reading it is
 * waited for, and the commit writes the rest itself. */
typedef struct col_writer {
    ev_worker w;
    ingest *g;
    colbuf buf[EV_NCOLS]; /* the batch being written */
} col_writer;

static int writer_run(void *arg, st_error *err) {
    col_writer *cw = arg;
    int rc = ST_OK;
    for (int c = 0; c < EV_NCOLS && rc == ST_OK; c++)
        if (c != EV_COL_ADDR) rc = col_write(cw->g, c, &cw->buf[c], err);
    return rc;
}

/* NULL when no thread starts: flush_cols writes in place then. */
static col_writer *writer_start(ingest *g) {
    col_writer *cw = st_calloc(1, sizeof *cw);
    if (!cw) return NULL;
    cw->g = g;
    if (worker_start(&cw->w, writer_run, cw, g->nice_below)) {
        st_free(cw);
        return NULL;
    }
    return cw;
}

/* Wait for the last batch, end the thread: the writer's outcome. */
static int writer_stop(col_writer *cw, st_error *err) {
    if (!cw) return ST_OK;
    int rc = worker_stop(&cw->w, err);
    for (int c = 0; c < EV_NCOLS; c++) st_free(cw->buf[c].p);
    st_free(cw);
    return rc;
}

/* Between windows: the built columns go to their files once they hold
 * 32 MiB, so memory holds a window, not the whole ingest (on the writer
 * thread when there is one).  The addresses stay (the keys of the address
 * table) until the commit. */
static int flush_cols(ingest *g, col_writer *w, st_error *err) {
    size_t held = 0;
    for (int c = 0; c < EV_NCOLS; c++)
        if (c != EV_COL_ADDR) held += g->col[c].n;
    if (held < EV_COL_FLUSH) return ST_OK;
    if (w) {
        int rc = worker_wait(&w->w, err);
        if (rc) return rc;
        for (int c = 0; c < EV_NCOLS; c++)
            if (c != EV_COL_ADDR) { /* the full buffer to the writer, its empty one back */
                colbuf t = w->buf[c];
                w->buf[c] = g->col[c];
                g->col[c] = t;
                g->col[c].n = 0;
            }
        worker_post(&w->w);
        return ST_OK;
    }
    for (int c = 0; c < EV_NCOLS; c++) {
        int rc = c == EV_COL_ADDR ? ST_OK : col_write(g, c, &g->col[c], err);
        if (rc) return rc;
    }
    return ST_OK;
}


/* Reading ahead.  The export's rows are parsed on a thread of their own,
 * up to two windows ahead of the build: the reader fills g->b while the
 * ingest's own thread joins and builds an earlier window in g->wb, and a
 * window read in full waits in between (read_ahead.ready).  A window
 * changes hands by swapping the row vectors (no copy) under the lock, so
 * each batch has one owner at a time.  Everything else
 * the reader touches (the sources, g->b's counts and names, the progress
 * line) is its alone; reports from both threads go through ingest_on_bad,
 * which takes the lock.  Windows are built in the order they are read, so
 * the store is the same byte for byte as read in one thread. */
typedef struct read_ahead {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ev_batch ready; /* the rows of a window read and not yet taken by the builder (its vectors only) */
    int full;     /* ready holds a window */
    int finished; /* the reader has handed over its last window (or failed) */
    int stop;     /* the builder failed: the reader stops at its next window */
    int rc;       /* the reader's outcome; its message in err */
    st_error err;
    ingest *g;
} read_ahead;

static void swap_rows(ev_batch *a, ev_batch *b) {
#define SWAP_VEC(f)            \
    do {                       \
        __typeof__(a->f) t_ = a->f; \
        a->f = b->f;           \
        b->f = t_;             \
    } while (0)
    SWAP_VEC(txs);
    SWAP_VEC(receipts);
    SWAP_VEC(traces);
    SWAP_VEC(tokens);
    SWAP_VEC(blocks);
    SWAP_VEC(wd);
    SWAP_VEC(paths);
    SWAP_VEC(events);
    SWAP_VEC(contracts);
#undef SWAP_VEC
}

/* The reader's rows become the window ready for the builder: 0, or 1
 * when the builder has stopped (the reader stops too).  The reader waits
 * only while a window is still ready, not while one is being built, so
 * it reads on a second window ahead instead of idling through a build
 * that runs long. */
static int hand_over(read_ahead *ra) {
    pthread_mutex_lock(&ra->mu);
    while (ra->full && !ra->stop) pthread_cond_wait(&ra->cv, &ra->mu);
    int stopped = ra->stop;
    if (!stopped) {
        swap_rows(&ra->g->b, &ra->ready);
        ra->full = 1;
        pthread_cond_broadcast(&ra->cv);
    }
    pthread_mutex_unlock(&ra->mu);
    return stopped;
}

/* Parsing on four threads.  Parsing is most of the reader's work, and
 * the reader paced the build (the builder waited on it for half its
 * time), so when every file is a CSV table and there are two cores or
 * more, the tables are read in groups: the reader reads the blocks,
 * transactions and receipts (group 0), one helper the traces (group 1),
 * another the logs, tokens and contracts (group 2), a third the token
 * transfers (group 3), each into a batch of its own.  Traces and logs are
 * most of a real export's bytes, and a swap-heavy one's traces alone
 * outweigh the reader's tables.  The helpers' rows join the window by
 * swapping vectors (the token rows of groups 2 and 3 one after the
 * other); the counts are added, and the helpers' bad-row reports, kept
 * until then, follow the reader's for the window, among themselves in the
 * order one thread would have said them.
 * JSON-lines files (rows of any table) are read by one thread. */
#define EV_HELPERS 3

typedef struct help_report {
    size_t src; /* the file's place among the sources */
    st_error e;
} help_report;

typedef struct parse_help {
    ev_worker w;
    int on;
    int64_t passed;  /* the window: blocks past passed, up to hi */
    uint64_t hi;
    ev_source **src;  /* its group's sources (NULL: another group's, or done) */
    size_t nsrc, cur; /* cur: the source being read */
    ev_batch b;      /* what the helper read since the last merge */
    EV_VEC(help_report) bad; /* its reports, in order, until the merge */
    int nomem;       /* a report could not be kept */
} parse_help;

static void help_on_bad(void *ctx, const st_error *e) {
    parse_help *h = ctx;
    help_report *x = EV_PUSH(h->bad);
    if (x) x->src = h->cur, x->e = *e;
    else h->nomem = 1;
}

static int help_run(void *arg, st_error *err) {
    parse_help *h = arg;
    int rc = ST_OK;
    for (size_t i = 0; i < h->nsrc && rc == ST_OK; i++)
        if (h->src[i]) h->cur = i, rc = ev_source_read(h->src[i], h->passed, h->hi, err);
    return rc;
}

/* source i is a helper's */
static int helped(const parse_help *hs, size_t i) {
    for (int j = 0; j < EV_HELPERS; j++)
        if (hs[j].on && hs[j].src[i]) return 1;
    return 0;
}

/* The helpers' reports, kept until now, in the order of their files. */
static void help_reports(ingest *g, parse_help *hs) {
    size_t k[EV_HELPERS] = {0};
    for (;;) {
        int next = -1;
        for (int j = 0; j < EV_HELPERS; j++)
            if (k[j] < hs[j].bad.n && (next < 0 || hs[j].bad.v[k[j]].src < hs[next].bad.v[k[next]].src))
                next = j;
        if (next < 0) break;
        if (g->b.on_bad) g->b.on_bad(g->b.ctx, &hs[next].bad.v[k[next]++].e);
    }
    for (int j = 0; j < EV_HELPERS; j++) hs[j].bad.n = 0;
}

/* The helpers' rows into the reader's batch (the helpers idle). */
static int help_merge(ingest *g, parse_help *hs, st_error *err) {
    ev_batch *a = &g->b;
    uint64_t limit = a->max_rows ? a->max_rows : EV_MAX_ROWS;
    int full = 0, nomem = 0;
    for (int j = 0; j < EV_HELPERS; j++) {
        if (!hs[j].on) continue;
        ev_batch *b = &hs[j].b;
        /* the reader's vectors are empty when a helper's rows are taken:
         * swapped; the token rows of two helpers (logs, token transfers)
         * follow each other, in the order one thread would have put the
         * tables (the join takes the logs' rows first whatever their
         * place, and orders the rest by transaction and log index) */
#define TAKE_VEC(f)                                                                                          \
    do {                                                                                                     \
        if (!b->f.n) break;                                                                                  \
        if (a->f.n) {                                                                                        \
            if (a->f.n + b->f.n > a->f.cap &&                                                                \
                ev_vec_grow((void **)&a->f.v, &a->f.cap, a->f.n + b->f.n - 1, sizeof *a->f.v))               \
                return st_error_set(err, ST_ENOMEM, "out of memory");                                        \
            memcpy(a->f.v + a->f.n, b->f.v, b->f.n * sizeof *b->f.v);                                        \
            a->f.n += b->f.n;                                                                                \
            b->f.n = 0;                                                                                      \
            break;                                                                                           \
        }                                                                                                    \
        __typeof__(a->f) t_ = a->f;                                                                          \
        a->f = b->f;                                                                                         \
        b->f = t_;                                                                                           \
        b->f.n = 0;                                                                                          \
    } while (0)
        TAKE_VEC(traces);
        TAKE_VEC(paths);
        TAKE_VEC(tokens);
        TAKE_VEC(events);
        TAKE_VEC(contracts);
#undef TAKE_VEC
        for (size_t i = 0; i < b->token_addrs.n; i++) { /* kept over the whole ingest: appended */
            uint8_t *x = EV_PUSH(a->token_addrs);
            if (!x) return st_error_set(err, ST_ENOMEM, "out of memory");
            *x = b->token_addrs.v[i];
        }
        b->token_addrs.n = 0;
        a->rows += b->rows, a->bad_rows += b->bad_rows, a->bytes += b->bytes;
        b->rows = b->bad_rows = b->bytes = 0;
        full |= b->full;
        nomem |= hs[j].nomem;
    }
    help_reports(g, hs);
    if (nomem) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (full || a->rows > limit) {
        a->full = 1;
        return st_error_set(err, ST_ELIMIT, "more than %llu rows in one ingest: ingest the export in block ranges",
                            (unsigned long long)limit);
    }
    for (int j = 0; j < EV_HELPERS; j++) /* each stops at the rows left (its message names the limit) */
        hs[j].b.max_rows = limit - a->rows ? limit - a->rows : 1, hs[j].b.limit_said = limit;
    return ST_OK;
}

/* Start a helper for each of groups 1 and 2 that has files, when the
 * files are in more than one group (*on = 0 when none starts: the reader
 * reads them all; a helper that does not start leaves its group to the
 * reader). */
static int help_start(ingest *g, parse_help *hs, ev_source **src, size_t nsrc, int *on) {
    *on = 0;
    size_t n[EV_HELPERS + 1] = {0};
    for (size_t i = 0; i < nsrc; i++) {
        if (!src[i]) continue;
        int k = ev_source_group(src[i]);
        if (k < 0) return ST_OK;
        n[k]++;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t groups = 0;
    for (int k = 0; k <= EV_HELPERS; k++) groups += n[k] > 0;
    if (groups < 2 || cores < 2 || st_env_flag("SANCTRACE_EVM_ONE_PARSER")) return ST_OK;
    for (int j = 0; j < EV_HELPERS; j++) {
        parse_help *h = &hs[j];
        if (!n[j + 1]) continue;
        if (!(h->src = st_calloc(nsrc, sizeof *h->src))) return ST_ENOMEM;
        h->nsrc = nsrc;
        h->b.on_bad = help_on_bad;
        h->b.ctx = h;
        h->b.gz_chunk = g->b.gz_chunk;
        h->b.max_rows = g->b.max_rows;
        h->b.names = g->b.names, h->b.nnames = g->b.nnames;
        if (worker_start(&h->w, help_run, h, g->nice_below)) continue;
        for (size_t i = 0; i < nsrc; i++)
            if (src[i] && ev_source_group(src[i]) == j + 1) {
                h->src[i] = src[i];
                ev_source_bind(src[i], &h->b);
            }
        h->on = *on = 1;
    }
    return ST_OK;
}

static void help_stop(ingest *g, parse_help *hs) {
    for (int j = 0; j < EV_HELPERS; j++)
        if (hs[j].on) {
            st_error e;
            (void)worker_stop(&hs[j].w, &e);
        }
    help_reports(g, hs); /* a window left unmerged by a failure: its bad rows are still said */
    for (int j = 0; j < EV_HELPERS; j++) {
        parse_help *h = &hs[j];
        h->b.names = NULL, h->b.nnames = 0; /* the reader's */
        ev_batch_free(&h->b);
        st_free(h->bad.v);
        st_free(h->src);
    }
}

/* Every file open at once, read a window of blocks at a time: memory
 * holds three windows' rows (exports are written in block order), and the
 * join's tables stay small enough for the caches.  The span adapts to keep
 * a window between 64k and 256k rows.  EV_UNSORTED when a file is not in
 * block order (the caller reads the export whole instead). */
static void *reader_main(void *arg) {
    read_ahead *ra = arg;
    yield_to_builder(ra->g->nice_below);
    ingest *g = ra->g;
    st_error *err = &ra->err;
    int rc = ST_OK;
    size_t nsrc = g->files.n, ndone = 0;
    ev_source **src = st_calloc(nsrc ? nsrc : 1, sizeof *src);
    parse_help help[EV_HELPERS];
    memset(help, 0, sizeof help);
    int helping = 0;
    st_progress p;
    st_progress_begin(&p, "reading exports", nsrc);
    if (!g->opts->progress) p.enabled = 0;
    if (!src) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nsrc; i++)
        if ((rc = open_source(g, g->files.v[i], &src[i], err))) goto done;
    pthread_mutex_lock(&ra->mu); /* the names of every file, for the builder's messages */
    g->wb.names = g->b.names, g->wb.nnames = g->b.nnames;
    pthread_mutex_unlock(&ra->mu);
    if (help_start(g, help, src, nsrc, &helping)) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto done;
    }
    uint64_t span = 16;
    int64_t passed = -1; /* every block up to this one is read */
    for (;;) {
        uint64_t lo = UINT64_MAX, rows0 = g->b.rows;
        for (size_t i = 0; i < nsrc; i++) {
            uint64_t nb;
            if (!src[i]) continue;
            for (int j = 0; j < EV_HELPERS; j++) /* (the helpers idle) its reports are of source i */
                if (help[j].on && help[j].src[i]) help[j].cur = i;
            if ((rc = ev_source_next_block(src[i], &nb, err))) goto done;
            if (nb < lo) lo = nb;
        }
        if (lo == UINT64_MAX) break;
        if (passed >= 0 && lo <= (uint64_t)passed) {
            rc = EV_UNSORTED;
            goto done;
        }
        uint64_t hi = lo + span - 1 < lo || lo + span - 1 >= (uint64_t)INT64_MAX ? UINT64_MAX - 1 : lo + span - 1;
        for (int j = 0; j < EV_HELPERS; j++)
            if (help[j].on) {
                help[j].passed = passed, help[j].hi = hi;
                worker_post(&help[j].w);
            }
        for (size_t i = 0; i < nsrc; i++)
            if (src[i] && !helped(help, i) && (rc = ev_source_read(src[i], passed, hi, err))) goto done;
        for (int j = 0; j < EV_HELPERS; j++)
            if (help[j].on && (rc = worker_wait(&help[j].w, err))) goto done;
        if (helping && (rc = help_merge(g, help, err))) goto done;
        if (hand_over(ra)) goto done;
        for (size_t i = 0; i < nsrc; i++)
            if (src[i]) ev_source_forget(src[i]);
        passed = hi >= (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)hi;
        uint64_t rows = g->b.rows - rows0;
        if (rows < EV_WINDOW_ROWS_MIN && span < ((uint64_t)1 << 40)) span *= 2;
        else if (rows > EV_WINDOW_ROWS_MAX && span > 1) span /= 2;
        size_t nd = 0;
        for (size_t i = 0; i < nsrc; i++) nd += !src[i] || ev_source_done(src[i]);
        if (nd != ndone) st_progress_tick(&p, ndone = nd);
        if (passed == INT64_MAX) break;
    }
    if (helping && (rc = help_merge(g, help, err))) goto done; /* rows the peeks read */
    (void)hand_over(ra); /* rows that name no block, read last */
done:
    help_stop(g, help);
    st_progress_end(&p);
    if (src)
        for (size_t i = 0; i < nsrc; i++) ev_source_close(src[i]);
    st_free(src);
    pthread_mutex_lock(&ra->mu);
    ra->rc = rc;
    ra->finished = 1;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    return NULL;
}

/* The builder's side: each window the reader hands over is joined, built
 * and its columns flushed, in order, until the reader is done. */
static int read_windows(ingest *g, st_error *err) {
    read_ahead ra;
    memset(&ra, 0, sizeof ra);
    ra.g = g;
    st_error_clear(&ra.err);
    g->w = &g->wb;
    pthread_mutex_init(&ra.mu, NULL);
    pthread_cond_init(&ra.cv, NULL);
    /* the reader's lock for reports while both threads run; cleared before
     * this function returns */
    // cppcheck-suppress autoVariables
    g->lock = &ra.mu;
    pthread_t th;
    int rc = ST_OK;
    col_writer *cw = writer_start(g);
    int e = pthread_create(&th, NULL, reader_main, &ra);
    if (e) {
        g->lock = NULL;
        rc = st_error_set(err, ST_ENOMEM, "cannot start the export reader: %s", strerror(e));
        goto out;
    }
    for (;;) {
        pthread_mutex_lock(&ra.mu);
        while (!ra.full && !ra.finished) pthread_cond_wait(&ra.cv, &ra.mu);
        int have = ra.full;
        if (have) { /* the ready window is the builder's (its emptied vectors go back) */
            swap_rows(&ra.ready, &g->wb);
            ra.full = 0;
            pthread_cond_broadcast(&ra.cv);
        }
        pthread_mutex_unlock(&ra.mu);
        if (!have) break; /* finished, nothing left */
        rc = window_build(g, 0, err);
        if (rc == ST_OK) rc = flush_cols(g, cw, err);
        if (rc) {
            pthread_mutex_lock(&ra.mu);
            ra.stop = 1;
            pthread_cond_broadcast(&ra.cv);
            pthread_mutex_unlock(&ra.mu);
            break;
        }
    }
    pthread_join(th, NULL);
    ev_batch_free(&ra.ready);
    g->lock = NULL;
    if (rc == ST_OK && ra.rc) { /* the reader's failure, with its message */
        rc = ra.rc;
        *err = ra.err;
    }
out:;
    st_error we;
    int wrc = writer_stop(cw, &we);
    if (rc == ST_OK && wrc) {
        rc = wrc;
        *err = we;
    }
    pthread_cond_destroy(&ra.cv);
    pthread_mutex_destroy(&ra.mu);
    g->w = &g->b;
    return rc;
}

/* The export read whole: one file at a time, all rows held, one join.
 * For files not in block order. */
static int read_whole(ingest *g, st_error *err) {
    int rc = ST_OK;
    st_progress p;
    st_progress_begin(&p, "reading exports", g->files.n);
    if (!g->opts->progress) p.enabled = 0;
    for (size_t i = 0; i < g->files.n && rc == ST_OK; i++) {
        ev_source *s;
        if ((rc = open_source(g, g->files.v[i], &s, err)) || !s) continue;
        rc = ev_source_read(s, -1, UINT64_MAX, err);
        ev_source_close(s);
        st_progress_tick(&p, i + 1);
    }
    st_progress_end(&p);
    return rc ? rc : window_build(g, 1, err);
}

static int load_existing(ingest *g, const char *dir, st_error *err) {
    /* the committed addresses and assets, so ids stay stable */
    st_fmap m;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, ev_col_name(EV_COL_ADDR));
    if (g->c.n[EV_N_ADDRS]) {
        int rc = st_file_map(path, SIZE_MAX, &m, err);
        if (rc) return rc;
        if (m.len < g->c.n[EV_N_ADDRS] * 20) {
            st_file_unmap(&m);
            return st_error_at(err, ST_ECORRUPT, path, 0, -1, "shorter than the manifest says");
        }
        /* the store's own index when it fits the committed counts: a commit
         * then costs what it adds, not a table of every address (a hit is
         * checked against the column; the index files are only ever
         * replaced whole) */
        g->old_addr = m; /* kept mapped: the keys of the store's index */
        g->old_lazy = !g->opts->full_index &&
                      ev_index_map_hashtab(dir, EV_IX_ADDR, &g->c, (const uint8_t *)m.data, g->old_ht, g->old_ht_map);
        uint64_t cap = 4096; /* sized once for the committed addresses and as many new */
        while (!g->old_lazy && cap < 4 * g->c.n[EV_N_ADDRS] && cap < ((uint64_t)1 << 40)) cap *= 2;
        if (!g->addr.cap && at_alloc(&g->addr, cap)) rc = ST_ENOMEM;
        for (uint64_t i = 0; i < g->c.n[EV_N_ADDRS] && rc >= 0 && !g->old_lazy; i++) {
            uint64_t id;
            rc = at_find_add(&g->addr, (const uint8_t *)m.data + i * 20, i, &id);
        }
        if (rc < 0) return st_error_set(err, rc, "out of memory");
    }
    snprintf(path, sizeof path, "%s/%s", dir, ev_col_name(EV_COL_ASSET_ADDR));
    if (g->c.n[EV_N_ASSETS]) {
        int rc = st_file_map(path, SIZE_MAX, &m, err);
        if (rc) return rc;
        if (m.len < g->c.n[EV_N_ASSETS] * 8) {
            st_file_unmap(&m);
            return st_error_at(err, ST_ECORRUPT, path, 0, -1, "shorter than the manifest says");
        }
        for (uint64_t i = 0; i < g->c.n[EV_N_ASSETS]; i++)
            if (st_map_put(g->asset, m.data + i * 8, 8, i)) {
                st_file_unmap(&m);
                return st_error_set(err, ST_ENOMEM, "out of memory");
            }
        st_file_unmap(&m);
    }
    return ST_OK;
}

/* a whole committed-to-be column, read back for the indexes */
static int map_col(const char *dir, int col, uint64_t n, st_fmap *m, st_error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, ev_col_name(col));
    int rc = st_file_map(path, SIZE_MAX, m, err);
    if (rc == ST_OK && m->len < n * ev_col_width(col))
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1, "shorter than just written");
    return rc;
}

/* An index file written beside its name (name.tmp.pid) and left to the
 * disk: its fsync waits for ix_files_sync, after every index is built, so
 * that the builds do not stop on the disk one after another (three serial
 * syncs were a fifth of a large commit), and its rename for
 * ix_files_rename, just before the manifest's. */
typedef struct ix_file {
    int fd; /* + 1; 0: nothing pending */
    char tmp[1120], path[1100];
    void *img; /* a base's image (ix_image), in memory of its own until written */
    size_t bytes;
    st_error err; /* ix_image's, when there was no room for the file */
} ix_file;

/* A base image's memory (ev_dest): its file made and its blocks reserved
 * first, so that a full disk stops the build at once, naming the file;
 * the image itself in memory of huge pages, then written.  (Built in the
 * file, mapped shared, every 4 KiB page of the page cache was a fault of
 * its own: on a 2-core VM the three bases of a 10M-flow ingest took 0.7 s
 * more CPU than built here and copied by one write each.) */
static void *ix_image(void *ctx, size_t bytes) {
    ix_file *o = ctx;
    int fd;
    if (st_file_reserve_tmp(o->path, bytes, o->tmp, sizeof o->tmp, &fd, &o->err) != ST_OK) return NULL;
    o->fd = fd + 1;
    o->img = st_calloc_table(bytes);
    o->bytes = bytes;
    return o->img;
}

static void ix_image_free(ix_file *o) {
    st_free_table(o->img, o->bytes);
    o->img = NULL;
}

static void ix_name(ix_file *o, const char *dir, const char *name) {
    snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
}

/* img (bytes) under o's temporary name, left open for ix_files_sync,
 * and freed: into the file ix_image made for it, or a new one. */
static int write_index(uint64_t *img, size_t bytes, ix_file *o, st_error *err) {
    int fd, rc = ST_OK;
    if (o->img && o->img == (void *)img) {
        fd = o->fd - 1;
        if (st_write_all(fd, img, bytes))
            rc = st_error_at(err, ST_EIO, o->tmp, 0, -1, "write failed: %s", strerror(errno));
        ix_image_free(o);
        if (rc) return rc; /* (ix_files_sync closes and removes it) */
    } else {
        rc = st_file_write_tmp(o->path, img, bytes, o->tmp, sizeof o->tmp, &fd, err);
        st_free(img);
        if (rc) return rc;
    }
#ifdef SYNC_FILE_RANGE_WRITE
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* the disk starts now */
#endif
    o->fd = fd + 1;
    return ST_OK;
}

/* The pending index files made durable and closed, not yet renamed: a
 * failure here, or rc already one, removes them all. */
static int ix_files_rename(ix_file *f, size_t n, int rc, st_error *err);

static int ix_files_sync(ix_file *f, size_t n, int sync, int rc, st_error *err) {
    for (size_t i = 0; i < n; i++) {
        ix_image_free(&f[i]); /* a build that failed */
        if (!f[i].fd) continue;
        int fd = f[i].fd - 1, e = rc == ST_OK && sync && fsync(fd) != 0 ? errno : 0;
        f[i].fd = -1; /* closed, still to rename */
        if (close(fd) != 0 && !e && rc == ST_OK) e = errno;
        if (e) rc = st_error_at(err, ST_EIO, f[i].path, 0, -1, "cannot sync: %s", strerror(e));
    }
    return rc ? ix_files_rename(f, n, rc, err) : ST_OK;
}

/* The synced index files renamed into place in order (a base before its
 * delta), the last step before the manifest; when rc is already a
 * failure, or a rename fails, what is left is removed. */
static int ix_files_rename(ix_file *f, size_t n, int rc, st_error *err) {
    for (size_t i = 0; i < n; i++) {
        if (f[i].fd != -1) continue;
        f[i].fd = 0;
        if (rc == ST_OK && rename(f[i].tmp, f[i].path) == 0) continue;
        if (rc == ST_OK) rc = st_error_at(err, ST_EIO, f[i].path, 0, -1, "cannot rename into place: %s", strerror(errno));
        unlink(f[i].tmp);
    }
    return rc;
}

/* A commit rewrites an index's delta (the records since its base) until
 * the delta holds more than 1/2^EV_DELTA_SHIFT of what the base does; then
 * the two are merged into a new base.  With a base of N records and
 * commits of c, a commit costs the delta's build (at most N/8) plus, paid
 * once per N/8 records added, a whole build: c*8 record per commit,
 * amortised.  A merge happens after the store has grown by an eighth, so
 * merges stay a geometric series (whole builds cost at most 9x the records
 * ever added).  1/8 rather than 1/4: the delta is rebuilt at every commit,
 * and at 1/4 its average (N/8) dominates a tip-following commit (about
 * 100 blocks) once N passes a few million; at 1/8 merges come twice as
 * often and cost each what one did. */
#define EV_DELTA_SHIFT 3

/* Index ix at the new counts: its delta over the records past a base that
 * the committed counts cover, or a merge (a new base over everything, and
 * an empty delta).  The base is reused only when it covers no more than
 * the counts this ingest started from (after any rollback), so it was
 * built from records still in the columns. */
static int write_ix(ingest *g, const char *dir, int ix, const st_fmap *keys, const st_fmap *from, const st_fmap *to,
                    ix_file out[2], st_error *err) {
    uint64_t cover[2], n = g->nc.n[ix == EV_IX_ADDR ? EV_N_ADDRS : ix == EV_IX_TX ? EV_N_TXS : EV_N_FLOWS];
    int have = !g->opts->full_index && ev_index_base(dir, ix, &g->c, cover, keys ? (const uint8_t *)keys->data : NULL,
                                                     (const uint64_t *)from->data, (const uint64_t *)to->data);
    uint64_t base = have ? (ix == EV_IX_FLOWS ? cover[1] : cover[0]) : 0;
    int merge = !have || n - base > base >> EV_DELTA_SHIFT;
    uint64_t *img = NULL;
    size_t bytes;
    const uint64_t *f = (const uint64_t *)(const void *)from->data, *t = (const uint64_t *)(const void *)to->data;
    size_t w = ix == EV_IX_FLOWS ? 0 : ev_col_width(ix == EV_IX_ADDR ? EV_COL_ADDR : EV_COL_TX_HASH);
    int rc;
    ix_name(&out[0], dir, ev_ix_name(ix, 0)), ix_name(&out[1], dir, ev_ix_name(ix, 1));
    if (merge) { /* the base first: until the manifest names it, it covers more than committed and is unused */
        ev_dest d = {ix_image, &out[0]};
        rc = ix == EV_IX_FLOWS ? ev_addrflows_build(f, t, n, g->nc.n[EV_N_ADDRS], &d, &img, &bytes)
                               : ev_hashtab_build((const uint8_t *)keys->data, w, 0, n, 0, &d, &img, &bytes);
        if (rc && out[0].err.code) {
            *err = out[0].err;
            return err->code;
        }
        if (rc || (rc = write_index(img, bytes, &out[0], err))) return rc;
        base = n;
    }
    rc = ix == EV_IX_FLOWS ? ev_addrflows_build_delta(f, t, base, n, g->nc.n[EV_N_ADDRS], &img, &bytes)
                           : ev_hashtab_build((const uint8_t *)keys->data, w, base, n, 1, NULL, &img, &bytes);
    return rc ? rc : write_index(img, bytes, &out[1], err);
}

typedef struct flows_job {
    ingest *g;
    const char *dir;
    const st_fmap *f, *t;
    ix_file *out;
    int rc;
    st_error err;
} flows_job;

static void *flows_main(void *arg) {
    flows_job *j = arg;
    j->rc = write_ix(j->g, j->dir, EV_IX_FLOWS, NULL, j->f, j->t, j->out, &j->err);
    phase(j->g, "flow lists built");
    return NULL;
}

/* The three indexes; the flow lists (the largest build) on a thread of
 * their own while this one builds the two hash tables.  Their files are
 * left synced under their temporary names in out (ix_files_rename). */
static int write_indexes(ingest *g, const char *dir, ix_file out[EV_NIX][2], st_error *err) {
    st_fmap a, h, f, t;
    memset(&a, 0, sizeof a), memset(&h, 0, sizeof h), memset(&f, 0, sizeof f), memset(&t, 0, sizeof t);
    int rc;
    if ((rc = map_col(dir, EV_COL_ADDR, g->nc.n[EV_N_ADDRS], &a, err)) ||
        (rc = map_col(dir, EV_COL_TX_HASH, g->nc.n[EV_N_TXS], &h, err)) ||
        (rc = map_col(dir, EV_COL_FLOW_FROM, g->nc.n[EV_N_FLOWS], &f, err)) ||
        (rc = map_col(dir, EV_COL_FLOW_TO, g->nc.n[EV_N_FLOWS], &t, err)))
        goto done;
    phase(g, "columns mapped for the indexes");
    flows_job fj = {g, dir, &f, &t, out[EV_IX_FLOWS], ST_OK, {0}};
    st_error_clear(&fj.err);
    st_side side;
    st_side_run(&side, flows_main, &fj);
    if ((rc = write_ix(g, dir, EV_IX_ADDR, &a, &f, &t, out[EV_IX_ADDR], err)) == ST_OK) {
        phase(g, "address index built");
        rc = write_ix(g, dir, EV_IX_TX, &h, &f, &t, out[EV_IX_TX], err);
        phase(g, "transaction index built");
    }
    st_side_join(&side);
    if (rc == ST_OK && fj.rc) {
        rc = fj.rc;
        *err = fj.err;
    }
done:
    if (rc == ST_ENOMEM) st_error_set(err, ST_ENOMEM, "out of memory building the indexes");
    rc = ix_files_sync(&out[0][0], 2 * EV_NIX, !g->opts->no_sync, rc, err);
    phase(g, "indexes synced");
    st_file_unmap(&a), st_file_unmap(&h), st_file_unmap(&f), st_file_unmap(&t);
    return rc;
}

/* Bad rows and warnings go through here: a second, whole reading of an
 * export that was not in block order does not report them twice. */
static void ingest_on_bad(void *ctx, const st_error *e) {
    ingest *g = ctx;
    char key[sizeof e->file + sizeof e->msg + 32];
    int n = snprintf(key, sizeof key, "%s\n%ld\n%s", e->file, e->line, e->msg);
    size_t klen = n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    /* remembered by a 64-bit hash, and at most 2^20 of them: past that (a
     * file of nothing but bad rows) a second reading may report again */
    uint64_t v, h = st_hash64(key, klen);
    if (g->lock) pthread_mutex_lock(g->lock);
    int seen = g->attempt && g->reported && st_map_get(g->reported, &h, 8, &v);
    if (!g->attempt && g->reported && st_map_count(g->reported) < ((size_t)1 << 20))
        (void)st_map_put(g->reported, &h, 8, 1); /* OOM: may report twice */
    if (!seen && g->opts->on_bad) g->opts->on_bad(g->opts->ctx, e);
    if (g->lock) pthread_mutex_unlock(g->lock);
}

/* The state of one reading of the export, set up and torn down. */
static int ingest_prepare(ingest *g, const char *dir, st_error *err) {
    g->nc = g->c;
    g->w = &g->b;
    g->b.on_bad = ingest_on_bad;
    g->b.ctx = g;
    g->b.max_rows = g->opts->max_rows;
    if (st_map_new(&g->by_pos) || st_map_new(&g->asset) || st_map_new(&g->blkrow) || st_map_new(&g->reward_file) ||
        st_map_new(&g->logs_seen) || st_map_new(&g->nft))
        return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = load_existing(g, dir, err);
    if (rc) return rc;
    if (!g->c.n[EV_N_ASSETS]) { /* asset 0 is ether */
        uint64_t none = ST_EVM_NONE;
        if (colbuf_put(&g->col[EV_COL_ASSET_ADDR], &none, 8)) return st_error_set(err, ST_ENOMEM, "out of memory");
        g->nc.n[EV_N_ASSETS] = 1;
    }
    return ST_OK;
}

/* The reading's memory (rows, joins, the address table): given back
 * before the commit's index builds, so that the ingest's peak is the
 * larger of the two and not their sum (at 10M flows 1198 -> 1110 MiB).
 * The counts, names and columns stay. */
static void ingest_drop_reading(ingest *g) {
    st_map_free(g->by_pos), st_map_free(g->asset), st_map_free(g->blkrow);
    st_map_free(g->reward_file), st_map_free(g->logs_seen);
    g->by_pos = g->asset = g->blkrow = g->reward_file = g->logs_seen = NULL;
    st_map64_free(&g->logs_seen64);
    st_free(g->by_hash.slot), at_free(&g->addr);
    memset(&g->by_hash, 0, sizeof g->by_hash), memset(&g->addr, 0, sizeof g->addr);
    st_free(g->tx.v), st_free(g->tx_trace_file.v), st_free(g->tx_trace_first.v), st_free(g->tx_trace_n.v);
    st_free(g->tx_tok_first.v), st_free(g->tx_tok_n.v);
    memset(&g->tx, 0, sizeof g->tx), memset(&g->tx_trace_file, 0, sizeof g->tx_trace_file);
    memset(&g->tx_trace_first, 0, sizeof g->tx_trace_first), memset(&g->tx_trace_n, 0, sizeof g->tx_trace_n);
    memset(&g->tx_tok_first, 0, sizeof g->tx_tok_first), memset(&g->tx_tok_n, 0, sizeof g->tx_tok_n);
    st_free(g->trace_order), st_free(g->tok_order), st_free(g->tx_order);
    g->trace_order = g->tok_order = g->tx_order = NULL;
    st_free(g->seen);
    g->seen = NULL, g->seen_cap = 0;
    g->blk_cached_row = NULL;
    ev_batch_free_rows(&g->wb);
    ev_batch_free_rows(&g->b);
}

static void ingest_release(ingest *g) {
    for (int c = 0; c < EV_NCOLS; c++) {
        st_free(g->col[c].p);
        if (g->colfd[c]) close(g->colfd[c] - 1);
        g->colfd[c] = 0;
        g->colw[c] = 0;
    }
    memset(g->col, 0, sizeof g->col);
    ingest_drop_reading(g);
    if (g->old_addr.data) st_file_unmap(&g->old_addr);
    ev_index_unmap(g->old_ht_map);
    g->old_lazy = 0;
    st_map_free(g->nft);
    g->nft = NULL, g->nft_rows = g->nft_old = g->tt_unnamed = 0;
    g->wb.names = NULL, g->wb.nnames = 0; /* g->b's */
    ev_batch_free(&g->wb);
    ev_batch_free(&g->b);
    /* everything above, zeroed for another reading */
    g->tx_hint = 0;
    g->tx_indexed = 0;
    g->tx_sorted = 0;
    g->warned_dup_traces = 0;
    st_free(g->late.v);
    memset(&g->late, 0, sizeof g->late);
}

/* Files an interrupted ingest wrote beside their names (name.tmp.pid:
 * index files wait so until the commit's last build) and never renamed:
 * nobody else writes here while the lock is held, and no reader opens
 * them, so they are only space. */
static void remove_leftovers(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *t = strstr(e->d_name, ".tmp.");
        if (!t || !t[5]) continue;
        size_t k = 5;
        while (t[k] >= '0' && t[k] <= '9') k++;
        if (!t[k]) (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* A rollback's cut: every column file back to the lowered counts, at once
 * (with the readers' lock held, below), not at its first write. */
static int cut_columns(const char *dir, const ev_counts *c, st_error *err) {
    for (int col = 0; col < EV_NCOLS; col++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", dir, ev_col_name(col));
        off_t keep = (off_t)(c->n[ev_col_count(col)] * ev_col_width(col));
        struct stat st;
        if (stat(path, &st) != 0 || st.st_size <= keep) continue;
        if (truncate(path, keep) != 0)
            return st_error_at(err, ST_EIO, path, 0, -1, "cannot cut back to the rollback: %s", strerror(errno));
    }
    return ST_OK;
}

/* DIR/name (the readers' lock or gate), made when missing, else opened
 * read-only when it cannot be written (flock needs no write access): -1
 * with errno when it cannot be opened at all. */
static int readers_file_open(const char *dir, const char *name) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, ST_FILE_MODE);
    return fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC);
}

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, ms % 1000 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Readers kept out once those under way are done (st_evm_open to
 * st_evm_close, st_evm_reader_enter to leave): the descriptor holding
 * DIR/readers.lock exclusive, and in *gate the one holding DIR/readers.gate
 * (-1 when it cannot be opened or locked: readers then come in as they
 * like, and a steady stream of them can outlast the wait); -1 when the
 * lock is not there and cannot be made (no reader can hold it, and a
 * read-only folder fails the ingest later anyway), -3 when it is there
 * but cannot be opened (errno), or -2 when a reader still holds it after
 * ev_readers_wait_ms.  Then nothing may be cut or written: a reader maps
 * the columns by its own counts, and records written over them would hand
 * it ids past its tables (a fault in a server, and a server is one
 * process).
 *
 * The gate is taken first, so that readers arriving while the ones under
 * way finish queue behind the rollback: a stream of short uses that
 * overlap (a busy server) drains in milliseconds.  Still waiting after a
 * turn of ev_gate_turn_ms, the rollback waits for a reader longer than a
 * turn: it lets the queued readers in and takes the gate again for a turn
 * twice as long, up to four times the first.  So readers wait at the gate
 * for a turn at most (and the cut), uses up to that long that overlap
 * without a pause drain in the longer turns, and after a walk longer
 * still the rollback gets through in the first turn after it ends. */
int ev_readers_wait_ms = 30000;
int ev_gate_turn_ms = 1000;

static int readers_exclude(const char *dir, int *gate) {
    int fd = readers_file_open(dir, EV_READERS_LOCK);
    *gate = -1;
    if (fd < 0) return errno == ENOENT ? -1 : -3;
    int g = readers_file_open(dir, EV_READERS_GATE);
    double end = st_now() + ev_readers_wait_ms / 1e3, turn = (ev_gate_turn_ms > 10 ? ev_gate_turn_ms : 10) / 1e3;
    double last_turn = 4 * turn;
    for (;;) {
        /* the gate: readers hold it shared only while they take the lock */
        while (g >= 0 && flock(g, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) { /* not lockable here: no gate */
                close(g);
                g = -1;
            } else if (st_now() >= end)
                goto gave_up;
            else
                pause_ms(1);
        }
        double turn_end = st_now() + turn;
        for (;;) {
            if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                *gate = g;
                return fd;
            }
            double now = st_now();
            if (now >= end) goto gave_up;
            if (g >= 0 && now >= turn_end) break;
            pause_ms(10);
        }
        (void)flock(g, LOCK_UN); /* the queued readers in, before the gate is taken again */
        pause_ms(10);
        if (turn * 2 <= last_turn) turn *= 2;
    }
gave_up:
    if (g >= 0) close(g);
    close(fd);
    return -2;
}

/* The store's lock and committed counts, a feed's rollback, then the
 * state of one reading. */
static int ingest_begin(ingest *g, const char *dir, const ev_feed *feed, const st_evm_ingest_opts *opts,
                        st_evm_ingest_report *rep, int *lock, st_error *err) {
    static const st_evm_ingest_opts defaults;
    memset(g, 0, sizeof *g);
    memset(rep, 0, sizeof *rep);
    g->opts = opts ? opts : &defaults;
    g->rep = rep;
    g->dir = dir;
    g->timing = st_env_flag("SANCTRACE_EVM_TIMING");
    g->nice_below = nice_below();
    g->t_start = st_now();
    int rc;
    char lockpath[1100];
    if ((rc = st_mkdir_p(dir, err))) return rc;
    snprintf(lockpath, sizeof lockpath, "%s/lock", dir);
    if ((rc = st_lock_take(lockpath, 0, "another 'sanctrace evm ingest'", lock, err))) return rc;
    remove_leftovers(dir);
    rc = ev_manifest_read(dir, &g->c, err);
    if (rc == ST_ENOTFOUND) rc = ST_OK;
    if (rc) return rc;
    ev_counts was = g->c;
    if (feed && feed->prepare && (rc = feed->prepare(feed->ctx, dir, &g->c, err))) return rc; /* may roll back */
    if (memcmp(was.n, g->c.n, sizeof was.n) || was.last_block != g->c.last_block) {
        /* A rollback is committed on its own, before any column is cut:
           with the lowered counts in the manifest, every byte past them is
           an uncommitted tail (readers ignore it, the index files no
           longer match and are rebuilt in the reader's memory), so an
           interruption anywhere after leaves a store that opens. */
        /* Readers that keep handles (a server) have the old counts
           mapped: the lowered manifest and the cut happen while none is
           using one, and each use after finds its handle changed. */
        int gate, rfd = readers_exclude(dir, &gate);
        if (rfd == -3)
            return st_error_at(err, ST_EIO, dir, 0, -1, "cannot open %s to keep readers out of the rollback: %s",
                               EV_READERS_LOCK, strerror(errno));
        if (rfd == -2)
            return st_error_at(err, ST_EIO, dir, 0, -1,
                               "a reader has held the store for %d s (a long trace or exposure walk, or queries "
                               "over 4 s that never pause): the rollback to block %lld is not taken and the store is as it was; "
                               "run the ingest again",
                               ev_readers_wait_ms / 1000, (long long)g->c.last_block);
        if ((rc = ev_bal_remove(dir, err)) == ST_OK && /* it covers flows about to be cut */
            (rc = ev_manifest_write(dir, &g->c, err)) == ST_OK && !g->opts->no_sync) {
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                if (fsync(dfd) != 0) rc = st_error_at(err, ST_EIO, dir, 0, -1, "cannot sync: %s", strerror(errno));
                close(dfd);
            }
        }
        if (rc == ST_OK) rc = cut_columns(dir, &g->c, err);
        if (rfd >= 0) close(rfd);
        if (gate >= 0) close(gate); /* the readers that waited come in, and find their handles changed */
        if (rc) return rc;
    } else /* made for the readers of a store this ingest may roll back later */
        for (int i = 0; i < 2; i++) {
            int fd = readers_file_open(dir, i ? EV_READERS_GATE : EV_READERS_LOCK);
            if (fd >= 0) close(fd);
        }
    if (st_map_new(&g->reported)) return st_error_set(err, ST_ENOMEM, "out of memory");
    return ingest_prepare(g, dir, err);
}

/* What the commit does after the indexes are built and synced: the
 * events synced, the feed's files, the index files renamed, the manifest. */
static int commit_rest(ingest *g, const char *dir, const ev_feed *feed, ix_file ixf[EV_NIX][2],
                       st_error *err) {
    int rc = ST_OK;
    char *manifest = NULL;
    if (!g->opts->no_sync) rc = ev_events_sync(dir, err); /* committed with the blocks they belong to */
    if (rc == ST_OK && feed && feed->before_commit) rc = feed->before_commit(feed->ctx, dir, &g->nc, err);
    if (rc == ST_OK && !(manifest = ev_manifest_text(&g->nc)))
        rc = st_error_set(err, ST_ENOMEM, "out of memory writing the manifest");
    /* the manifest written and synced beside its name, then the index
     * files renamed, then the manifest: a failure before the renames
     * (the disk full at the manifest's few hundred bytes too) leaves the
     * store's index files as they were, and a rename fails only on a
     * broken disk */
    ix_file mf = {0};
    if (rc == ST_OK) {
        int fd;
        snprintf(mf.path, sizeof mf.path, "%s/manifest.json", dir);
        rc = st_file_write_tmp(mf.path, manifest, strlen(manifest), mf.tmp, sizeof mf.tmp, &fd, err);
        if (rc == ST_OK) mf.fd = fd + 1;
    }
    free(manifest);
    rc = ix_files_sync(&mf, 1, 1, rc, err);
    rc = ix_files_rename(&ixf[0][0], 2 * EV_NIX, rc, err);
    if ((rc = ix_files_rename(&mf, 1, rc, err))) return rc;
    g->committed = 1;
    if (!g->opts->no_sync) { /* the new names (columns, indexes, manifest) durable too */
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            if (fsync(dfd) != 0) rc = st_error_at(err, ST_EIO, dir, 0, -1, "cannot sync: %s", strerror(errno));
            close(dfd);
            if (rc) return rc;
        }
    }
    g->rep->txs_added = g->nc.n[EV_N_TXS] - g->c.n[EV_N_TXS];
    g->rep->flows_added = g->nc.n[EV_N_FLOWS] - g->c.n[EV_N_FLOWS];
    g->rep->addresses_added = g->nc.n[EV_N_ADDRS] - g->c.n[EV_N_ADDRS];
    return ST_OK;
}

/* The running balances (balance.c), built on a thread of their own from
 * the columns just written while the indexes are built. */
static const int bal_cols[] = {EV_COL_BLK_NUM,   EV_COL_BLK_FIRST_FLOW, EV_COL_TX_BLOCK,     EV_COL_TX_FROM,
                               EV_COL_TX_FLAGS,  EV_COL_FLOW_ASSET,     EV_COL_FLOW_FROM,    EV_COL_FLOW_TO,
                               EV_COL_FLOW_AMOUNT, EV_COL_FLOW_KIND,    EV_COL_FLOW_TX,      EV_COL_FLOW_POS,
                               EV_COL_WIDE_FLOW};
#define BAL_NCOLS (sizeof bal_cols / sizeof bal_cols[0])

typedef struct bal_job {
    const ingest *g;
    ev_cols k;
    st_fmap m[BAL_NCOLS];
    uint64_t *img;
    size_t bytes;
    int rc;
    pthread_t th;
    int started;
} bal_job;

static void *bal_main(void *arg) {
    bal_job *j = arg;
    j->rc = ev_bal_build(&j->k, EV_BAL_MIN, EV_BAL_EVERY, &j->img, &j->bytes);
    phase(j->g, "running balances built");
    return NULL;
}

/* Started when the commit makes the file due (a failure to start is
 * said, and queries walk). */
static void bal_start(ingest *g, const char *dir, bal_job *j) {
    memset(j, 0, sizeof *j);
    j->g = g;
    if (!g->nc.n[EV_N_FLOWS]) return;
    st_error e;
    st_error_clear(&e);
    j->k.c = g->nc;
    /* the flows' ends first: whether the file is due needs only them */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < BAL_NCOLS; i++) {
            int col = bal_cols[i];
            if ((col == EV_COL_FLOW_FROM || col == EV_COL_FLOW_TO) == pass) continue;
            if (map_col(dir, col, g->nc.n[ev_col_count(col)], &j->m[i], &e)) {
                warn(g, dir, "running balances not updated (queries walk the flows): %s", e.msg);
                return;
            }
            j->k.col[col] = j->m[i].data;
        }
        if (!pass && !ev_bal_due(dir, &g->c, g->nc.n[EV_N_FLOWS], j->k.col[EV_COL_FLOW_FROM],
                                 j->k.col[EV_COL_FLOW_TO]))
            return; /* (bal_finish unmaps) */
    }
    int rc = pthread_create(&j->th, NULL, bal_main, j);
    if (rc) warn(g, dir, "running balances not updated (queries walk the flows): %s", strerror(rc));
    j->started = !rc;
}

static void bal_finish(ingest *g, bal_job *j) {
    if (j->started) {
        pthread_join(j->th, NULL);
        if (j->rc) warn(g, g->dir, "%s", "running balances not updated (queries walk the flows): out of memory");
    }
    j->started = 0;
    for (size_t i = 0; i < BAL_NCOLS; i++) st_file_unmap(&j->m[i]);
}

/* The columns made durable, on a thread of their own while the indexes
 * are built from them (the manifest waits for both). */
typedef struct sync_job {
    ingest *g;
    int rc;
    st_error err;
} sync_job;

static void *sync_main(void *arg) {
    sync_job *j = arg;
    ingest *g = j->g;
    for (int c = 0; c < EV_NCOLS && !g->opts->no_sync; c++)
        if (g->colfd[c] && fsync(g->colfd[c] - 1) != 0) {
            char path[1100];
            snprintf(path, sizeof path, "%s/%s", g->dir, ev_col_name(c));
            j->rc = st_error_at(&j->err, ST_EIO, path, 0, -1, "cannot sync: %s", strerror(errno));
            break;
        }
    return NULL;
}

/* The transactions of unknown fee that moved nothing from their sender
 * (nofee.c), from the columns just written: renamed into place before the
 * manifest, as the indexes are (a reader ignores what is past the
 * manifest's counts). */
static const int nofee_cols[] = {EV_COL_TX_FLAGS, EV_COL_TX_FROM, EV_COL_TX_FIRST_FLOW, EV_COL_TX_NFLOWS,
                                 EV_COL_FLOW_FROM};
#define NOFEE_NCOLS (sizeof nofee_cols / sizeof nofee_cols[0])

static int write_nofee(ingest *g, const char *dir, st_error *err) {
    st_fmap m[NOFEE_NCOLS];
    ev_cols k;
    memset(m, 0, sizeof m), memset(&k, 0, sizeof k);
    k.c = g->nc;
    int rc = ST_OK;
    for (size_t i = 0; i < NOFEE_NCOLS && rc == ST_OK; i++) {
        int col = nofee_cols[i];
        if ((rc = map_col(dir, col, g->nc.n[ev_col_count(col)], &m[i], err)) == ST_OK) k.col[col] = m[i].data;
    }
    if (rc == ST_OK) rc = ev_nofee_commit(dir, &g->c, &k, !g->opts->no_sync, err);
    for (size_t i = 0; i < NOFEE_NCOLS; i++) st_file_unmap(&m[i]);
    return rc;
}

/* Columns, indexes, what the feed keeps beside them, then the manifest
 * renamed: the commit; the running balances after it (they cover
 * committed flows only: written before, a crash could leave them over
 * flows the next ingest replaces). */
static int ingest_commit(ingest *g, const char *dir, const ev_feed *feed, st_error *err) {
    int rc;
    report_late(g);
    char msg[400];
    if (g->tt_unnamed && g->tt_unnamed_file < g->b.nnames) {
        snprintf(msg, sizeof msg,
                 "%llu token transfer%s without the logs they were taken from: an ERC-721 transfer (the "
                 "same Transfer event, its value a token id) cannot be told from a token's, so any are "
                 "counted as token flows; ingest the logs table, or a contracts table naming the tokens "
                 "(is_erc721), beside it to leave them out",
                 (unsigned long long)g->tt_unnamed, g->tt_unnamed == 1 ? "" : "s");
        warn(g, g->b.names[g->tt_unnamed_file], "%s", msg);
    }
    if (g->nft_rows) {
        snprintf(msg, sizeof msg, "%llu transfer%s of ERC-721 tokens (is_erc721 in the contracts table): %s",
                 (unsigned long long)g->nft_rows, g->nft_rows == 1 ? "" : "s", "not flows");
        warn(g, NULL, "%s", msg);
    }
    if (g->nft_old) {
        snprintf(msg, sizeof msg,
                 "%llu ERC-721 token%s the contracts table names %s in the store already, from earlier "
                 "ingests: any transfers of them stored there stay token flows (this ingest leaves out only "
                 "its own; ingest the export again into a new store with the contracts table)",
                 (unsigned long long)g->nft_old, g->nft_old == 1 ? "" : "s", g->nft_old == 1 ? "is" : "are");
        warn(g, NULL, "%s", msg);
    }
    phase(g, "export read and flows built");
    if (add_token_assets(g)) return st_error_set(err, ST_ENOMEM, "out of memory");
    for (int c = 0; c < EV_NCOLS; c++)
        if ((rc = col_write(g, c, &g->col[c], err))) return rc;
    ingest_drop_reading(g);
    phase(g, "columns written");
    sync_job sj = {g, ST_OK, {0}};
    st_error_clear(&sj.err);
    st_side sync_side; /* (under no_sync it has nothing to do) */
    st_side_run(&sync_side, sync_main, &sj);
    bal_job bal;
    bal_start(g, dir, &bal);
    ix_file ixf[EV_NIX][2];
    memset(ixf, 0, sizeof ixf);
    rc = write_indexes(g, dir, ixf, err);
    bal_finish(g, &bal);
    st_side_join(&sync_side);
    phase(g, "columns synced");
    if (rc == ST_OK && sj.rc) {
        rc = sj.rc;
        *err = sj.err;
    }
    if (rc == ST_OK) rc = write_nofee(g, dir, err);
    if (rc) {
        ix_files_rename(&ixf[0][0], 2 * EV_NIX, rc, err); /* removed */
        st_free(bal.img);
        return rc;
    }
    rc = commit_rest(g, dir, feed, ixf, err);
    phase(g, "manifest committed");
    if (rc == ST_OK && bal.img) {
        st_error e;
        st_error_clear(&e);
        if (ev_bal_write(dir, bal.img, bal.bytes, &e))
            warn(g, dir, "running balances not updated (queries walk the flows): %s", e.msg);
        phase(g, "running balances written");
    }
    st_free(bal.img);
    return rc;
}

/* A run that fails before its manifest is renamed gives back what it
 * wrote past the last commit: the column tails (the next ingest would cut
 * them, but a full disk wants its space now), every column by its name
 * (an abandoned first reading's files are closed by then), and the block
 * times and events its windows appended (else the next run writes them
 * twice).  The run's own error is the one reported. */
static void ingest_abandon(ingest *g, const char *dir, const uint64_t appended[2]) {
    if (g->committed) return;
    st_error e;
    st_error_clear(&e);
    (void)cut_columns(dir, &g->c, &e);
    (void)ev_events_cut(dir, appended, &e);
}

static void ingest_end(ingest *g, double t0, int lock) {
    g->rep->files = g->b.files;
    g->rep->rows = g->b.rows;
    g->rep->bad_rows = g->b.bad_rows;
    g->rep->bytes_read = g->b.bytes;
    g->rep->seconds = st_now() - t0;
    ingest_release(g);
    for (size_t i = 0; i < g->files.n; i++) st_free(g->files.v[i]);
    st_free(g->files.v);
    st_free(g->unread_first);
    st_map_free(g->reported);
    if (lock >= 0) st_lock_release(lock);
}

int st_evm_ingest(const char *dir, const char *const *paths, size_t npaths, const st_evm_ingest_opts *opts,
                  st_evm_ingest_report *rep, st_error *err) {
    ingest g;
    double t0 = st_now();
    int lock = -1;
    int rc = ingest_begin(&g, dir, NULL, opts, rep, &lock, err);
    if (rc == ST_OK && stat(dir, &g.store_st)) g.store_st.st_dev = 0;
    for (size_t i = 0; i < npaths && rc == ST_OK; i++) rc = collect_path(&g, paths[i], 0, err);
    if (rc) goto done;
    if (g.unread_files) {
        char msg[400];
        snprintf(msg, sizeof msg, "%llu file%s in the folders not read (%s: names end in none of " EV_EXPORT_NAMES
                 "; a file named on the command line is read whatever its name)",
                 (unsigned long long)g.unread_files, g.unread_files == 1 ? "" : "s",
                 g.unread_files == 1 ? "this one" : "this one and others");
        warn(&g, g.unread_first, "%s", msg);
    }
    /* a reading that does not reach its commit (abandoned for a whole one,
     * or failed) takes back the block times and events its windows
     * appended, so the next reading does not write them twice */
    uint64_t appended[2];
    if ((rc = ev_events_mark(dir, appended, err))) goto done;
    rc = read_windows(&g, err); /* gzip files too: each is inflated a piece at a time */
    if (rc == EV_UNSORTED) { /* nothing kept: the export again, whole */
        rc = ev_events_cut(dir, appended, err);
        ingest_release(&g);
        memset(rep, 0, sizeof *rep);
        g.attempt = 1;
        if (rc == ST_OK) rc = ingest_prepare(&g, dir, err);
        if (rc == ST_OK) rc = read_whole(&g, err);
    }
    if (rc == ST_OK) rc = ingest_commit(&g, dir, NULL, err);
    if (rc) ingest_abandon(&g, dir, appended);
done:
    ingest_end(&g, t0, lock);
    return rc;
}

int ev_ingest_feed(const char *dir, const ev_feed *feed, const st_evm_ingest_opts *opts, st_evm_ingest_report *rep,
                   st_error *err) {
    ingest g;
    double t0 = st_now();
    int lock = -1;
    int rc = ingest_begin(&g, dir, feed, opts, rep, &lock, err);
    if (rc) goto done;
    uint64_t appended[2];
    if ((rc = ev_events_mark(dir, appended, err))) goto done;
    rc = feed->read(feed->ctx, &g.b, err);
    if (rc == ST_OK) rc = window_build(&g, 1, err);
    if (rc == ST_OK) rc = ingest_commit(&g, dir, feed, err);
    if (rc) ingest_abandon(&g, dir, appended);
done:
    ingest_end(&g, t0, lock);
    return rc;
}
