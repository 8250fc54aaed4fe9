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
 * Layout (u64 words): magic, T (the transactions it covers), n; then n
 * pairs {sender address id, transaction id} in order.  Each commit writes
 * it whole, renamed into place before the manifest: the pairs below the
 * last commit's T kept, those of the new transactions found in the
 * columns just written.  A reader takes it only when T is at least the
 * manifest's count, and counts only transactions below that count (a run
 * that failed after the rename, or a rollback, left pairs past it: the
 * next commit drops them).  Missing, older or unsound, it is not used, and
 * fees_unknown counts along the flows alone, as before; the next commit
 * rebuilds it from the columns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "evm/evm_int.h"

#define NOFEE_MAGIC 0x3165656f6e7665ULL /* "evnofee1" */
#define NOFEE_HDR 3

struct ev_nofee {
    st_fmap m;
    uint64_t n;           /* pairs */
    const uint64_t *pair; /* n x {addr, tx} */
};

static void path_of(const char *dir, char *path, size_t n) { snprintf(path, n, "%s/addr_nofee.idx", dir); }

/* The file mapped when its structure is sound (its pairs not checked
 * one by one: an order damaged inside it gives wrong counts, as a damaged
 * value in any index gives wrong answers), else NULL.  *covered: its T. */
static ev_nofee *map_nofee(const char *dir, uint64_t *covered) {
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
    if (x->m.len % 8 || words < NOFEE_HDR || w[0] != NOFEE_MAGIC || w[2] > (words - NOFEE_HDR) / 2 ||
        NOFEE_HDR + 2 * w[2] != words) {
        ev_nofee_close(x);
        return NULL;
    }
    x->n = w[2], x->pair = w + NOFEE_HDR;
    *covered = w[1];
    return x;
}

ev_nofee *ev_nofee_open(const char *dir, const ev_counts *c) {
    uint64_t covered = 0;
    ev_nofee *x = map_nofee(dir, &covered);
    if (x && covered < c->n[EV_N_TXS]) { /* older than the manifest: not every transaction is in it */
        ev_nofee_close(x);
        return NULL;
    }
    return x;
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
    return lower(x, addr, tx_end) - lower(x, addr, 0);
}

static int cmp_pair(const void *pa, const void *pb) {
    const uint64_t *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

int ev_nofee_write(const char *dir, const ev_counts *c_old, const ev_cols *k, char *tmp, size_t ntmp, int *fd,
                   st_error *err) {
    *fd = -1;
    uint64_t covered = 0, keep = 0, from = 0, ntx = k->c.n[EV_N_TXS];
    ev_nofee *old = map_nofee(dir, &covered);
    if (old && covered >= c_old->n[EV_N_TXS]) from = c_old->n[EV_N_TXS]; /* its pairs hold up to there */
    else {
        ev_nofee_close(old); /* none, older or unsound: every transaction looked at again */
        old = NULL;
    }
    if (old)
        for (uint64_t i = 0; i < old->n; i++) keep += old->pair[2 * i + 1] < from;
    /* the new transactions' pairs, found in the columns just written */
    const uint8_t *flags = k->col[EV_COL_TX_FLAGS];
    const uint64_t *txfrom = k->col[EV_COL_TX_FROM], *first = k->col[EV_COL_TX_FIRST_FLOW];
    const uint32_t *nflows = k->col[EV_COL_TX_NFLOWS];
    const uint64_t *flowfrom = k->col[EV_COL_FLOW_FROM];
    uint64_t nnew = 0, cap = 0, *add = NULL;
    int rc = ST_OK;
    for (uint64_t t = from; t < ntx; t++) {
        uint64_t s = txfrom[t];
        if ((flags[t] & EV_TXF_FEE) || s == ST_EVM_NONE) continue;
        uint64_t f = first[t], e = f + nflows[t];
        if (e > k->c.n[EV_N_FLOWS]) e = k->c.n[EV_N_FLOWS]; /* (damaged counts: no read past the column) */
        while (f < e && flowfrom[f] != s) f++;
        if (f < e) continue; /* counted along the sender's flows */
        if (nnew == cap) {
            uint64_t nc = cap ? cap * 2 : 1024, *p = st_realloc(add, (size_t)nc * 16);
            if (!p) {
                rc = ST_ENOMEM;
                goto done;
            }
            add = p, cap = nc;
        }
        add[2 * nnew] = s, add[2 * nnew + 1] = t;
        nnew++;
    }
    if (nnew) qsort(add, (size_t)nnew, 16, cmp_pair);
    /* the two sorted runs merged into the image */
    size_t words = NOFEE_HDR + 2 * (size_t)(keep + nnew);
    uint64_t *img = st_malloc(words * 8);
    if (!img) {
        rc = ST_ENOMEM;
        goto done;
    }
    img[0] = NOFEE_MAGIC, img[1] = ntx, img[2] = keep + nnew;
    uint64_t *o = img + NOFEE_HDR, i = 0, j = 0;
    for (;;) {
        while (old && i < old->n && old->pair[2 * i + 1] >= from) i++;
        int have_old = old && i < old->n, have_new = j < nnew;
        if (!have_old && !have_new) break;
        const uint64_t *p = !have_new || (have_old && cmp_pair(old->pair + 2 * i, add + 2 * j) < 0)
                                ? old->pair + 2 * i++
                                : add + 2 * j++;
        o[0] = p[0], o[1] = p[1];
        o += 2;
    }
    char path[1100];
    path_of(dir, path, sizeof path);
    rc = st_file_write_tmp(path, img, words * 8, tmp, ntmp, fd, err);
    st_free(img);
    st_free(add);
    ev_nofee_close(old);
    return rc;
done:
    st_free(add);
    ev_nofee_close(old);
    return st_error_set(err, rc, "out of memory");
}
