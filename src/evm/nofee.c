/*
 * nofee.c - the transactions whose fee the export did not give and that
 * moved nothing from their sender, per sender (addr_nofee.idx).
 *
 * `evm address` counts an address's transactions of unknown fee
 * (fees_unknown: its `sent` leaves their fees out) along its flow list,
 * at each one's first flow out of it.  A transaction that moved nothing
 * from its sender (a zero-value call, a failed one, in an export without
 * receipts) is on no flow of the sender's, so it was never counted, and
 * an address that only made such calls read "fees_unknown": 0.  This file
 * holds exactly those transactions: the (sender, transaction) pairs,
 * sorted, so a query halves to the sender's run and to the transactions
 * up to the block it asks.  A store whose exports gave every fee has
 * none, and an empty file.
 *
 * Layout (u64 words): magic, the commit it belongs to (the manifest's
 * counts and first and last block: EV_NCOUNTS + 2 words), the commit it
 * was made from (the same words), n; then n pairs {sender address id,
 * transaction id} in order.  A reader takes it when its manifest is the
 * file's commit, or the one it was made from: a run that failed between
 * this file and its manifest left that manifest the store's, and the
 * file's pairs below that commit's transaction count are exactly its own
 * (a commit only adds transactions; a rollback is committed before).  A
 * file of another commit (a damaged one, an older sanctrace that
 * committed without it) is not used, fees_unknown then counts along the
 * flows alone and the answer says so, until the next commit writes it
 * again.  A commit that finds the file of the commit it starts from keeps
 * its pairs and adds those of the new transactions, found in the columns
 * just written: the pairs merged as they stream to a new file renamed
 * into place before the manifest, or, when no new transaction belongs in
 * it, only the file's commits rewritten in place, so a node's commits
 * (every fee known) cost nothing in proportion to the store.  Otherwise
 * every transaction of the store is looked at again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "evm/evm_int.h"

#define NOFEE_MAGIC 0x3265656f6e7665ULL /* "evnofee2" */
#define NOFEE_STAMP (EV_NCOUNTS + 2)
#define NOFEE_HDR (2 + 2 * NOFEE_STAMP)

struct ev_nofee {
    st_fmap m;
    const uint64_t *stamp; /* the commit it belongs to, then the one it was made from */
    uint64_t n;           /* pairs */
    const uint64_t *pair; /* n x {addr, tx} */
    uint64_t tx_end;      /* the reader's commit's transactions: its pairs are those below */
};

static void path_of(const char *dir, char *path, size_t n) { snprintf(path, n, "%s/addr_nofee.idx", dir); }

/* The commit c as the file stamps it. */
static void stamp_of(const ev_counts *c, uint64_t w[NOFEE_STAMP]) {
    memcpy(w, c->n, sizeof c->n);
    w[EV_NCOUNTS] = (uint64_t)c->first_block, w[EV_NCOUNTS + 1] = (uint64_t)c->last_block;
}

/* Whether the file's commit (which 0) or the one it was made from (1) is c. */
static int stamped(const ev_nofee *x, const ev_counts *c, int which) {
    uint64_t w[NOFEE_STAMP];
    stamp_of(c, w);
    return !memcmp(w, x->stamp + which * NOFEE_STAMP, sizeof w);
}

/* The file mapped when its structure is sound (its pairs not checked
 * one by one: an order damaged inside it gives wrong counts, as a damaged
 * value in any index gives wrong answers), else NULL. */
static ev_nofee *map_nofee(const char *dir) {
    char path[1100];
    path_of(dir, path, sizeof path);
    ev_nofee *x = st_calloc(1, sizeof *x);
    st_error e;
    if (!x || st_file_map(path, SIZE_MAX, &x->m, &e) != ST_OK) {
        st_free(x);
        return NULL;
    }
    const uint64_t *w = (const uint64_t *)(const void *)x->m.data;
    size_t words = x->m.len / 8;
    uint64_t n = words >= NOFEE_HDR ? w[NOFEE_HDR - 1] : 0;
    if (x->m.len % 8 || words < NOFEE_HDR || w[0] != NOFEE_MAGIC || n > (words - NOFEE_HDR) / 2 ||
        NOFEE_HDR + 2 * n != words) {
        ev_nofee_close(x);
        return NULL;
    }
    x->stamp = w + 1, x->n = n, x->pair = w + NOFEE_HDR, x->tx_end = UINT64_MAX;
    return x;
}

ev_nofee *ev_nofee_open(const char *dir, const ev_counts *c) {
    ev_nofee *x = map_nofee(dir);
    if (!x || stamped(x, c, 0)) return x;
    if (stamped(x, c, 1)) { /* the next commit's, which failed before its manifest */
        x->tx_end = c->n[EV_N_TXS];
        return x;
    }
    ev_nofee_close(x); /* another commit's */
    return NULL;
}

void ev_nofee_close(ev_nofee *x) {
    if (!x) return;
    st_file_unmap(&x->m);
    st_free(x);
}

uint64_t ev_nofee_bytes(const ev_nofee *x) { return x ? (uint64_t)x->m.len : 0; }

/* The first pair at or after {addr, tx} */
static uint64_t lower(const ev_nofee *x, uint64_t addr, uint64_t tx) {
    uint64_t a = 0, z = x->n;
    while (a < z) {
        uint64_t m = a + (z - a) / 2;
        const uint64_t *p = x->pair + 2 * m;
        if (p[0] < addr || (p[0] == addr && p[1] < tx)) a = m + 1;
        else z = m;
    }
    return a;
}

uint64_t ev_nofee_count(const ev_nofee *x, uint64_t addr, uint64_t tx_end) {
    if (!x || !x->n) return 0;
    if (tx_end > x->tx_end) tx_end = x->tx_end;
    return lower(x, addr, tx_end) - lower(x, addr, 0);
}

static int cmp_pair(const void *pa, const void *pb) {
    const uint64_t *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* Pairs written through a buffer to the file's temporary name. */
typedef struct pair_out {
    int fd;
    size_t n;
    uint64_t w[1 << 15];
} pair_out;

static int out_flush(pair_out *o) {
    if (st_write_all(o->fd, o->w, o->n * 8)) return -1;
    o->n = 0;
    return 0;
}

static int out_words(pair_out *o, const uint64_t *w, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (o->n == sizeof o->w / 8 && out_flush(o)) return -1;
        o->w[o->n++] = w[i];
    }
    return 0;
}

int ev_nofee_commit(const char *dir, const ev_counts *c_old, const ev_cols *k, int sync, st_error *err) {
    char path[1100], tmp[1120];
    path_of(dir, path, sizeof path);
    ev_nofee *old = map_nofee(dir);
    if (old && !stamped(old, c_old, 0)) { /* another commit's: every transaction looked at again */
        ev_nofee_close(old);
        old = NULL;
    }
    uint64_t from = old ? c_old->n[EV_N_TXS] : 0, ntx = k->c.n[EV_N_TXS];
    /* the new transactions' pairs, found in the columns just written */
    const uint8_t *flags = k->col[EV_COL_TX_FLAGS];
    const uint64_t *txfrom = k->col[EV_COL_TX_FROM], *first = k->col[EV_COL_TX_FIRST_FLOW];
    const uint32_t *nflows = k->col[EV_COL_TX_NFLOWS];
    const uint64_t *flowfrom = k->col[EV_COL_FLOW_FROM];
    uint64_t nnew = 0, *add = NULL, stamp[2 * NOFEE_STAMP];
    size_t cap = 0; /* of add, in pairs */
    int rc = ST_OK, fd = -1, e = 0;
    pair_out *o = NULL;
    for (uint64_t t = from; t < ntx; t++) {
        uint64_t s = txfrom[t];
        if ((flags[t] & EV_TXF_FEE) || s == ST_EVM_NONE) continue;
        uint64_t f = first[t], end = f + nflows[t];
        if (end > k->c.n[EV_N_FLOWS]) end = k->c.n[EV_N_FLOWS]; /* (damaged counts: not past the column) */
        while (f < end && flowfrom[f] != s) f++;
        if (f < end) continue; /* counted along the sender's flows */
        if (nnew == cap && ev_vec_grow((void **)&add, &cap, (size_t)nnew, 16)) goto nomem;
        add[2 * nnew] = s, add[2 * nnew + 1] = t;
        nnew++;
    }
    stamp_of(&k->c, stamp), stamp_of(c_old, stamp + NOFEE_STAMP);
    if (old && !nnew) { /* the same pairs: only the file's commits, in place (one sector) */
        ev_nofee_close(old);
        st_free(add);
        if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) e = errno;
        else if (pwrite(fd, stamp, sizeof stamp, 8) != (ssize_t)sizeof stamp) e = errno ? errno : EIO;
        else if (sync && fsync(fd) != 0) e = errno;
        if (fd >= 0 && close(fd) != 0 && !e) e = errno;
        if (e) return st_error_at(err, ST_EIO, path, 0, -1, "cannot write: %s", strerror(e));
        return ST_OK;
    }
    if (nnew) qsort(add, (size_t)nnew, 16, cmp_pair);
    /* the old pairs and the new, merged as they are written */
    if (!(o = st_malloc(sizeof *o))) goto nomem;
    if ((rc = st_file_create_tmp(path, tmp, sizeof tmp, &fd, err))) goto out;
    o->fd = fd, o->n = 0;
    uint64_t nold = old ? old->n : 0, head[2] = {NOFEE_MAGIC, 0}, n = nold + nnew, i = 0, j = 0;
    int bad = out_words(o, head, 1) || out_words(o, stamp, 2 * NOFEE_STAMP) || out_words(o, &n, 1);
    while (!bad && (i < nold || j < nnew)) {
        const uint64_t *p = j == nnew || (i < nold && cmp_pair(old->pair + 2 * i, add + 2 * j) < 0)
                                ? old->pair + 2 * i++
                                : add + 2 * j++;
        bad = out_words(o, p, 2);
    }
    if (bad || out_flush(o) || (sync && fsync(fd) != 0)) e = errno ? errno : EIO;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot write: %s", strerror(e));
    }
out:
    st_free(o);
    st_free(add);
    ev_nofee_close(old);
    return rc;
nomem:
    rc = st_error_set(err, ST_ENOMEM, "out of memory");
    goto out;
}
