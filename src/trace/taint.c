/*
 * taint.c - forward taint propagation in exact integer satoshis.
 *
 * Design: a min-heap of transaction ids walks the chain in order, visiting
 * only transactions that spend a tainted output (every output is created
 * before the input that spends it, so one pass in id order is exact).  A
 * hash table maps each tainted output to its state: tainted satoshis, the
 * hop count, and for FIFO/LIFO the tainted satoshi intervals [a, b) within
 * the output.  When a transaction is processed its inputs' states are
 * marked consumed; whatever is never consumed is the frontier, so the
 * frontier and the work bound need no second bookkeeping.
 *
 * Fee taint under --taint-fee is queued per block and handed to the
 * block's coinbase after the block's last transaction (heap key 2*t-1 just
 * before the next block's first tx, all others use 2*t).  The coinbase's
 * virtual input is the fees of its block's transactions in block order.
 *
 * Invariant (all models but poison): source = frontier + fee_left +
 * fee_unclaimed + rounding_loss, exactly, in satoshis.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map64.h"
#include "sanctrace/trace.h"

typedef struct tr_iv {
    int64_t a, b; /* [a, b) satoshi offsets */
} tr_iv;

typedef struct tr_state {
    uint64_t out, tx;
    int64_t taint;
    tr_iv *iv;       /* owned; FIFO/LIFO only */
    uint32_t niv, hops;
    uint8_t consumed, pushed, source;
    st_stop stop;
    const st_tag *tag;
} tr_state;

/* output id -> state index + 1 (core/map64.h; 0 = no state) */
typedef st_map64 tr_table;

typedef struct tr_pending {
    uint64_t block;
    int64_t taint;
    tr_iv *iv;
    uint32_t niv, cap, hops;
    int64_t *prefix; /* fee offset of each tx in the block, lazily */
} tr_pending;

typedef struct tr_ctx {
    const st_chain *c;
    st_chain_cols k;
    const st_trace_opts *o;
    st_trace_result *r;
    tr_state *st;
    size_t nst, capst;
    tr_table tab;
    uint64_t *heap;
    size_t nheap, capheap;
    tr_pending *pend;
    size_t npend, cappend;
    size_t capflows, captagged;
    const char **src_labels;
    size_t nsrc_labels;
    /* scratch */
    tr_iv *seq;
    size_t nseq, capseq;
    int64_t *vals, *taints;
    size_t capvals;
    uint32_t *order;
    st_error *err;
} tr_ctx;

static uint32_t tab_get(const tr_table *t, uint64_t key) {
    uint32_t v;
    return st_map64_get(t, key, &v) ? v : 0;
}

static int tab_put(tr_table *t, uint64_t key, uint32_t val) { return st_map64_put(t, key, val); }

static int heap_push(tr_ctx *x, uint64_t key) {
    if (x->nheap == x->capheap) {
        size_t nc = x->capheap ? x->capheap * 2 : 1024;
        uint64_t *h = st_realloc(x->heap, nc * sizeof *h);
        if (!h) return ST_ENOMEM;
        x->heap = h;
        x->capheap = nc;
    }
    size_t i = x->nheap++;
    while (i && x->heap[(i - 1) / 2] > key) {
        x->heap[i] = x->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    x->heap[i] = key;
    return ST_OK;
}

static uint64_t heap_pop(tr_ctx *x) {
    uint64_t top = x->heap[0], last = x->heap[--x->nheap];
    size_t i = 0, n = x->nheap;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        uint64_t v = last;
        if (l < n && x->heap[l] < v) m = l, v = x->heap[l];
        if (l + 1 < n && x->heap[l + 1] < v) m = l + 1;
        if (m == i) break;
        x->heap[i] = x->heap[m];
        i = m;
    }
    if (n) x->heap[i] = last;
    return top;
}

int st_taint_model_parse(const char *name, st_taint_model *m) {
    static const char *const names[] = {"poison", "haircut", "fifo", "lifo", "tiho"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, names[i])) {
            *m = (st_taint_model)i;
            return ST_OK;
        }
    return ST_EINVAL;
}

const char *st_taint_model_name(st_taint_model m) {
    static const char *const names[] = {"poison", "haircut", "fifo", "lifo", "tiho"};
    return (unsigned)m < 5 ? names[m] : "?";
}

const char *st_stop_name(st_stop s) {
    static const char *const names[] = {"unspent", "height", "max_hops", "service", "limit"};
    return (unsigned)s < 5 ? names[s] : "?";
}

static int positional(const tr_ctx *x) {
    return x->o->model == ST_TAINT_FIFO || x->o->model == ST_TAINT_LIFO;
}

static int add_flow(tr_ctx *x, uint64_t from, uint64_t to, uint64_t out, int64_t amount) {
    st_trace_result *r = x->r;
    if (r->nflows == x->capflows) {
        size_t nc = x->capflows ? x->capflows * 2 : 256;
        st_trace_flow *f = st_realloc(r->flows, nc * sizeof *f);
        if (!f) return ST_ENOMEM;
        r->flows = f;
        x->capflows = nc;
    }
    r->flows[r->nflows++] = (st_trace_flow){from, to, out, amount};
    return ST_OK;
}

static int is_source_tag(const tr_ctx *x, const st_tag *t) {
    for (size_t i = 0; i < x->nsrc_labels; i++)
        if (!strcmp(x->src_labels[i], t->label)) return 1;
    return 0;
}

static int64_t tx_time(const tr_ctx *x, uint64_t t) {
    return (int64_t)st_chain_block_time(x->c, st_chain_tx_blockpos(&x->k, t));
}

/* Deposit-address rule: an untagged output spent by a consolidation (two
 * or more inputs) that pays every output to addresses tagged, each by its
 * own tag (not inherited from a cluster), as one service was a deposit
 * into that service: exchanges sweep deposit addresses into their wallets
 * that way.  A one-input payment into a service is the sender's spend and
 * does not count. */
#define DEPOSIT_MAX_OUTPUTS 16
static const st_tag *deposit_of(const tr_ctx *x, uint64_t o) {
    uint64_t t2 = st_chain_spending_tx(&x->k, o), o0, o1, i0, i1;
    if (t2 == ST_CHAIN_NONE) return NULL;
    if (!st_tagmap_tx_pays_tagged(x->o->tags, t2)) return NULL; /* the common case, one bit */
    st_chain_tx_outs(&x->k, t2, &o0, &o1);
    st_chain_tx_ins(&x->k, t2, &i0, &i1);
    if (o1 - o0 > DEPOSIT_MAX_OUTPUTS || i1 - i0 < 2) return NULL;
    if (x->o->until_height >= 0 && st_chain_block_height(x->c, st_chain_tx_blockpos(&x->k, t2)) > x->o->until_height)
        return NULL;
    const st_tag *svc = NULL;
    int64_t when = tx_time(x, t2);
    for (uint64_t q = o0; q < o1; q++) {
        if (x->k.out_type[q] == ST_SCRIPT_OP_RETURN) continue;
        const st_tag *t = st_tagmap_find_own(x->o->tags, st_chain_out_address(&x->k, q), when);
        if (!t || is_source_tag(x, t) || (svc && strcmp(svc->label, t->label))) return NULL;
        svc = t;
    }
    return svc;
}

/* A new tainted output: record it and decide whether the taint goes on. */
static int emit_output(tr_ctx *x, uint64_t o, uint64_t t, int64_t taint, const tr_iv *iv,
                       uint32_t niv, uint32_t hops, int source) {
    if (taint <= 0) return ST_OK;
    uint32_t have = tab_get(&x->tab, o);
    tr_state *s;
    if (have) {
        s = &x->st[have - 1];
        if (s->source) return ST_OK; /* a source stays fully tainted */
        /* an output is produced by one tx only: a second emit cannot happen */
        return ST_OK;
    }
    if (x->nst == x->capst) {
        size_t nc = x->capst ? x->capst * 2 : 1024;
        if (nc > UINT32_MAX - 1) return st_error_set(x->err, ST_ELIMIT, "too many tainted outputs");
        tr_state *p = st_realloc(x->st, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        x->st = p;
        x->capst = nc;
    }
    s = &x->st[x->nst];
    memset(s, 0, sizeof *s);
    s->out = o;
    s->tx = t;
    s->taint = taint;
    s->hops = hops;
    s->source = (uint8_t)source;
    if (positional(x) && niv) {
        s->iv = st_malloc(niv * sizeof *s->iv);
        if (!s->iv) return ST_ENOMEM;
        memcpy(s->iv, iv, niv * sizeof *iv);
        s->niv = niv;
    }
    if (tab_put(&x->tab, o, (uint32_t)(x->nst + 1))) {
        st_free(s->iv);
        return ST_ENOMEM;
    }
    x->nst++;
    if (hops > x->r->max_hops_seen) x->r->max_hops_seen = hops;
    /* where does it stop? */
    const st_tag *tag = x->o->tags ? st_tagmap_find(x->o->tags, st_chain_out_address(&x->k, o), tx_time(x, t), NULL) : NULL;
    if (!tag && x->o->tags) tag = deposit_of(x, o);
    if (tag && !source && !is_source_tag(x, tag)) {
        s->tag = tag;
        if (x->r->ntagged == x->captagged) {
            size_t nc = x->captagged ? x->captagged * 2 : 64;
            st_trace_hit *h = st_realloc(x->r->tagged, nc * sizeof *h);
            if (!h) return ST_ENOMEM;
            x->r->tagged = h;
            x->captagged = nc;
        }
        x->r->tagged[x->r->ntagged++] = (st_trace_hit){o, taint, hops, ST_STOP_SERVICE, tag};
        if (!x->o->through_services) {
            s->stop = ST_STOP_SERVICE;
            return ST_OK;
        }
    }
    uint64_t t2 = st_chain_spending_tx(&x->k, o);
    if (t2 == ST_CHAIN_NONE) {
        s->stop = ST_STOP_UNSPENT;
        return ST_OK;
    }
    if (x->o->until_height >= 0 && st_chain_block_height(x->c, st_chain_tx_blockpos(&x->k, t2)) > x->o->until_height) {
        s->stop = ST_STOP_HEIGHT;
        return ST_OK;
    }
    if (x->o->max_hops && hops >= x->o->max_hops) {
        s->stop = ST_STOP_HOPS;
        return ST_OK;
    }
    s->pushed = 1;
    s->stop = ST_STOP_LIMIT; /* until consumed */
    return heap_push(x, t2 * 2);
}

static int seq_push(tr_ctx *x, int64_t a, int64_t b) {
    if (a >= b) return ST_OK;
    if (x->nseq && x->seq[x->nseq - 1].b == a) {
        x->seq[x->nseq - 1].b = b;
        return ST_OK;
    }
    if (x->nseq == x->capseq) {
        size_t nc = x->capseq ? x->capseq * 2 : 256;
        tr_iv *p = st_realloc(x->seq, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        x->seq = p;
        x->capseq = nc;
    }
    x->seq[x->nseq++] = (tr_iv){a, b};
    return ST_OK;
}

static int scratch(tr_ctx *x, size_t n) {
    if (n <= x->capvals) return ST_OK;
    size_t nc = n < 64 ? 64 : n;
    int64_t *v = st_realloc(x->vals, nc * sizeof *v);
    if (!v) return ST_ENOMEM;
    x->vals = v;
    int64_t *tt = st_realloc(x->taints, nc * sizeof *tt);
    if (!tt) return ST_ENOMEM;
    x->taints = tt;
    uint32_t *od = st_realloc(x->order, nc * sizeof *od);
    if (!od) return ST_ENOMEM;
    x->order = od;
    x->capvals = nc;
    return ST_OK;
}

static int by_value_desc(const void *a, const void *b, void *ctx) {
    const int64_t *vals = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    int64_t vi = vals[i], vj = vals[j];
    if (vi != vj) return vi > vj ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Distribute T tainted satoshis over outputs vals[n] (and a fee) by the
 * amount models; taints[] receives each output's share, *fee_taint the
 * fee's, *loss what neither got. */
static void split_amount(tr_ctx *x, int64_t T, int64_t total_in, int64_t fee, size_t n,
                         int64_t *fee_taint, int64_t *loss) {
    int64_t *v = x->vals, *tt = x->taints, given = 0;
    *fee_taint = 0;
    switch (x->o->model) {
    case ST_TAINT_POISON:
        for (size_t i = 0; i < n; i++) tt[i] = T > 0 ? v[i] : 0;
        *fee_taint = T > 0 ? fee : 0;
        *loss = 0;
        return;
    case ST_TAINT_HAIRCUT:
        if (total_in <= 0) {
            for (size_t i = 0; i < n; i++) tt[i] = 0;
            *loss = T;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            tt[i] = (int64_t)((__int128)v[i] * T / total_in);
            given += tt[i];
        }
        *fee_taint = (int64_t)((__int128)fee * T / total_in);
        *loss = T - given - *fee_taint;
        return;
    default: { /* TIHO */
        for (size_t i = 0; i < n; i++) x->order[i] = (uint32_t)i, tt[i] = 0;
        qsort_r(x->order, n, sizeof *x->order, by_value_desc, v);
        int64_t rest = T;
        for (size_t i = 0; i < n && rest > 0; i++) {
            int64_t take = v[x->order[i]] < rest ? v[x->order[i]] : rest;
            tt[x->order[i]] = take;
            rest -= take;
        }
        *fee_taint = fee < rest ? fee : rest;
        *loss = rest - *fee_taint;
        return;
    }
    }
}

/* Cut x->seq (sorted) into the consecutive ranges of vals[n]; emits each
 * output's intervals relative to its start.  Returns taint beyond the
 * outputs in *rest_iv (the fee range) via the seq tail. */
static int split_positional(tr_ctx *x, uint64_t t, uint64_t o0, size_t n, uint32_t hops,
                            int64_t *fee_from, size_t *seq_at) {
    size_t j = 0;
    int64_t base = 0;
    tr_iv buf[64];
    for (size_t i = 0; i < n; i++) {
        int64_t a = base, b = base + x->vals[i];
        base = b;
        tr_iv *iv = buf;
        size_t niv = 0, cap = 64;
        int64_t sum = 0;
        tr_iv *heap_iv = NULL;
        while (j < x->nseq && x->seq[j].b <= a) j++;
        for (size_t q = j; q < x->nseq && x->seq[q].a < b; q++) {
            int64_t lo = x->seq[q].a > a ? x->seq[q].a : a, hi = x->seq[q].b < b ? x->seq[q].b : b;
            if (lo >= hi) continue;
            if (niv == cap) {
                size_t nc = cap * 2;
                tr_iv *p = heap_iv ? st_realloc(heap_iv, nc * sizeof *p) : st_malloc(nc * sizeof *p);
                if (!p) {
                    st_free(heap_iv);
                    return ST_ENOMEM;
                }
                if (!heap_iv) memcpy(p, buf, niv * sizeof *p);
                heap_iv = iv = p;
                cap = nc;
            }
            iv[niv++] = (tr_iv){lo - a, hi - a};
            sum += hi - lo;
        }
        int rc = emit_output(x, o0 + i, t, sum, iv, (uint32_t)niv, hops, 0);
        st_free(heap_iv);
        if (rc) return rc;
    }
    *fee_from = base;
    *seq_at = j;
    return ST_OK;
}

static tr_pending *pending_for(tr_ctx *x, uint64_t block, int *created) {
    *created = 0;
    /* transactions come in chain order: the block asked for is the last one */
    for (size_t i = x->npend; i-- > 0;)
        if (x->pend[i].block == block) return &x->pend[i];
        else if (x->pend[i].block < block) break;
    if (x->npend == x->cappend) {
        size_t nc = x->cappend ? x->cappend * 2 : 16;
        tr_pending *p = st_realloc(x->pend, nc * sizeof *p);
        if (!p) return NULL;
        x->pend = p;
        x->cappend = nc;
    }
    tr_pending *p = &x->pend[x->npend++];
    memset(p, 0, sizeof *p);
    p->block = block;
    p->hops = UINT32_MAX;
    *created = 1;
    return p;
}

static int64_t tx_fee(const st_chain_cols *k, uint64_t t) {
    uint64_t i0, i1, o0, o1;
    st_chain_tx_ins(k, t, &i0, &i1);
    st_chain_tx_outs(k, t, &o0, &o1);
    int64_t in = st_chain_spent_value(k, i0, i1), out = 0;
    for (uint64_t o = o0; o < o1; o++) out += k->out_value[o];
    return in > out ? in - out : 0;
}

/* Queue fee taint of tx t for its block's coinbase. */
static int queue_fee(tr_ctx *x, uint64_t t, int64_t fee_taint, const tr_iv *iv, size_t niv,
                     int64_t fee_base, uint32_t hops) {
    uint64_t b = st_chain_tx_blockpos(&x->k, t), f0 = 0, f1 = 0;
    if (b != ST_CHAIN_NONE) st_chain_block_txs(&x->k, b, &f0, &f1);
    /* the coinbase is processed under the key of the block's last tx, whose
     * block it looks up again: a damaged store where the two disagree has no
     * coinbase to give the fee to, and it is counted unclaimed */
    if (b == ST_CHAIN_NONE || t < f0 || t >= f1 || st_chain_tx_blockpos(&x->k, f1 - 1) != b) {
        x->r->fee_unclaimed += fee_taint;
        return ST_OK;
    }
    int created;
    tr_pending *p = pending_for(x, b, &created);
    if (!p) return ST_ENOMEM;
    if (created) {
        int rc = heap_push(x, f1 * 2 - 1);
        if (rc) return rc;
    }
    p->taint += fee_taint;
    if (hops < p->hops) p->hops = hops;
    x->r->fee_to_coinbase += fee_taint;
    if (positional(x) && niv) {
        if (!p->prefix) {
            uint64_t nb = f1 - f0;
            p->prefix = st_malloc((nb + 1) * sizeof *p->prefix);
            if (!p->prefix) return ST_ENOMEM;
            p->prefix[0] = p->prefix[1] = 0;
            for (uint64_t i = 1; i < nb; i++) p->prefix[i + 1] = p->prefix[i] + tx_fee(&x->k, f0 + i);
        }
        int64_t off = p->prefix[t - f0];
        for (size_t i = 0; i < niv; i++) {
            if (p->niv == p->cap) {
                uint32_t nc = p->cap ? p->cap * 2 : 16;
                tr_iv *q = st_realloc(p->iv, nc * sizeof *q);
                if (!q) return ST_ENOMEM;
                p->iv = q;
                p->cap = nc;
            }
            p->iv[p->niv++] = (tr_iv){iv[i].a - fee_base + off, iv[i].b - fee_base + off};
        }
    }
    return add_flow(x, t, f0, ST_CHAIN_NONE, fee_taint);
}

static int iv_cmp(const void *a, const void *b) {
    const tr_iv *p = a, *q = b;
    return p->a < q->a ? -1 : p->a > q->a;
}

/* The coinbase of block b takes the fee taint queued for it. */
static int process_coinbase(tr_ctx *x, uint64_t b) {
    tr_pending *p = NULL;
    for (size_t i = x->npend; i-- > 0 && !p;)
        if (x->pend[i].block == b) p = &x->pend[i];
        else if (x->pend[i].block < b) break;
    if (!p) return ST_OK;
    uint64_t cb, end, o0, o1;
    st_chain_block_txs(&x->k, b, &cb, &end);
    if (cb == end) return ST_OK; /* damaged: the block has no transactions */
    st_chain_tx_outs(&x->k, cb, &o0, &o1);
    size_t n = (size_t)(o1 - o0);
    int rc = scratch(x, n + 1);
    if (rc) return rc;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) total += x->vals[i] = x->k.out_value[o0 + i];
    x->r->txs++;
    uint32_t hops = p->hops + 1;
    if (positional(x)) {
        if (p->niv) qsort(p->iv, p->niv, sizeof *p->iv, iv_cmp);
        x->nseq = 0;
        for (uint32_t i = 0; i < p->niv; i++)
            if ((rc = seq_push(x, p->iv[i].a, p->iv[i].b))) return rc;
        int64_t fee_from;
        size_t at;
        if ((rc = split_positional(x, cb, o0, n, hops, &fee_from, &at))) return rc;
        int64_t beyond = 0;
        for (size_t q = 0; q < x->nseq; q++) {
            int64_t lo = x->seq[q].a > fee_from ? x->seq[q].a : fee_from;
            if (x->seq[q].b > lo) beyond += x->seq[q].b - lo;
        }
        x->r->fee_unclaimed += beyond;
        return ST_OK;
    }
    int64_t T = p->taint < total ? p->taint : total, fee_taint, loss;
    x->r->fee_unclaimed += p->taint - T;
    split_amount(x, T, total, 0, n, &fee_taint, &loss);
    if (x->o->model == ST_TAINT_POISON) loss = 0;
    x->r->rounding_loss += loss;
    for (size_t i = 0; i < n; i++)
        if ((rc = emit_output(x, o0 + i, cb, x->taints[i], NULL, 0, hops, 0))) return rc;
    return ST_OK;
}

/* The walk is bound by memory latency: a transaction's inputs point at
 * outputs anywhere in the store, its outputs at spenders anywhere.  Asking
 * for all of those cache lines first lets the loads overlap instead of
 * waiting for each in turn. */
static void prefetch_tx(const st_chain_cols *k, uint64_t i0, uint64_t i1, uint64_t o0, uint64_t o1) {
    if (i1 - i0 > 64 || o1 - o0 > 64) return; /* big ones gain nothing measurable */
    for (uint64_t i = i0; i < i1; i++) {
        uint64_t p = st_chain_prev(k, i);
        if (p != ST_CHAIN_NONE) __builtin_prefetch(&k->out_value[p]);
    }
    for (uint64_t o = o0; o < o1; o++) {
        uint64_t sp = st_chain_spender(k, o);
        __builtin_prefetch(&k->out_addr[o]);
        if (sp != ST_CHAIN_NONE) __builtin_prefetch(&k->in_tx[sp]);
    }
}

static int process_tx(tr_ctx *x, uint64_t t) {
    const st_chain_cols *k = &x->k;
    uint64_t i0, i1, o0, o1;
    st_chain_tx_ins(k, t, &i0, &i1);
    st_chain_tx_outs(k, t, &o0, &o1);
    size_t n = (size_t)(o1 - o0);
    int rc = scratch(x, n + 1);
    if (rc) return rc;
    int64_t total_in = 0, total_out = 0, T = 0;
    uint32_t hops = UINT32_MAX;
    int lifo = x->o->model == ST_TAINT_LIFO;
    x->nseq = 0;
    prefetch_tx(k, i0, i1, o0, o1);
    /* positional models lay inputs end to end: in order, or reversed */
    uint64_t nin = i1 - i0;
    int64_t off = 0;
    for (uint64_t q = 0; q < nin; q++) {
        uint64_t i = lifo ? i1 - 1 - q : i0 + q;
        uint64_t p = st_chain_prev(k, i);
        int64_t v = p != ST_CHAIN_NONE ? k->out_value[p] : 0;
        total_in += v;
        uint32_t si = p != ST_CHAIN_NONE ? tab_get(&x->tab, p) : 0;
        if (si) {
            tr_state *s = &x->st[si - 1];
            if (!s->consumed && s->pushed) {
                s->consumed = 1;
                T += s->taint;
                if (s->hops < hops) hops = s->hops;
                if ((rc = add_flow(x, s->tx, t, s->out, s->taint))) return rc;
                if (positional(x)) {
                    if (s->niv == 0 && s->taint > 0) {
                        if ((rc = seq_push(x, off, off + s->taint))) return rc; /* source: whole output */
                    }
                    for (uint32_t j = 0; j < s->niv; j++)
                        if ((rc = seq_push(x, off + s->iv[j].a, off + s->iv[j].b))) return rc;
                }
            }
        }
        off += v;
    }
    if (T == 0) return ST_OK;
    x->r->txs++;
    hops = hops == UINT32_MAX ? 1 : hops + 1;
    for (size_t i = 0; i < n; i++) total_out += x->vals[i] = k->out_value[o0 + i];
    int64_t fee = total_in > total_out ? total_in - total_out : 0;
    int64_t denom = total_in > total_out ? total_in : total_out; /* unknown inputs: never below outputs */
    int64_t fee_taint = 0;
    if (positional(x)) {
        int64_t fee_from;
        size_t at;
        if ((rc = split_positional(x, t, o0, n, hops, &fee_from, &at))) return rc;
        /* what lies beyond the outputs is the fee range */
        size_t start = x->nseq;
        tr_iv fbuf[32], *fiv = fbuf;
        size_t nf = 0, capf = 32;
        tr_iv *fheap = NULL;
        for (size_t q = at; q < x->nseq; q++) {
            int64_t lo = x->seq[q].a > fee_from ? x->seq[q].a : fee_from;
            if (x->seq[q].b <= lo) continue;
            fee_taint += x->seq[q].b - lo;
            if (nf == capf) {
                capf *= 2;
                tr_iv *np = fheap ? st_realloc(fheap, capf * sizeof *np) : st_malloc(capf * sizeof *np);
                if (!np) { st_free(fheap); return ST_ENOMEM; }
                if (!fheap) memcpy(np, fbuf, nf * sizeof *np);
                fheap = fiv = np;
            }
            fiv[nf++] = (tr_iv){lo, x->seq[q].b};
        }
        (void)start;
        if (fee_taint) {
            if (x->o->taint_fee) rc = queue_fee(x, t, fee_taint, fiv, nf, fee_from, hops);
            else x->r->fee_left += fee_taint;
        }
        st_free(fheap);
        return rc;
    }
    int64_t loss;
    split_amount(x, T, denom, fee, n, &fee_taint, &loss);
    x->r->rounding_loss += loss;
    for (size_t i = 0; i < n; i++)
        if ((rc = emit_output(x, o0 + i, t, x->taints[i], NULL, 0, hops, 0))) return rc;
    if (fee_taint) {
        if (x->o->taint_fee) rc = queue_fee(x, t, fee_taint, NULL, 0, 0, hops);
        else x->r->fee_left += fee_taint;
    }
    return rc;
}

void st_trace_result_free(st_trace_result *r) {
    if (!r) return;
    st_free(r->frontier);
    st_free(r->flows);
    st_free(r->tagged);
    st_free(r);
}

static void ctx_free(tr_ctx *x) {
    for (size_t i = 0; i < x->nst; i++) st_free(x->st[i].iv);
    st_free(x->st);
    st_map64_free(&x->tab);
    st_free(x->heap);
    for (size_t i = 0; i < x->npend; i++) {
        st_free(x->pend[i].iv);
        st_free(x->pend[i].prefix);
    }
    st_free(x->pend);
    st_free(x->seq);
    st_free(x->vals);
    st_free(x->taints);
    st_free(x->order);
    st_free(x->src_labels);
}

int st_trace_run(const st_chain *c, const uint64_t *src, size_t nsrc,
                 const st_trace_opts *opts, st_trace_result **out, st_error *err) {
    return st_trace_run_partial(c, src, NULL, nsrc, opts, out, err);
}

int st_trace_run_partial(const st_chain *c, const uint64_t *src, const int64_t *taint, size_t nsrc,
                         const st_trace_opts *opts, st_trace_result **out, st_error *err) {
    *out = NULL;
    tr_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.o = opts;
    x.err = err;
    st_chain_get_cols(c, &x.k);
    int rc = ST_OK;
    x.r = st_calloc(1, sizeof *x.r);
    x.src_labels = st_calloc(nsrc + 1, sizeof *x.src_labels);
    if (!x.r || !x.src_labels) { rc = ST_ENOMEM; goto out; }
    for (size_t i = 0; i < nsrc; i++) {
        if (src[i] >= x.k.nout) { rc = st_error_set(err, ST_EINVAL, "source output id out of range"); goto out; }
        uint64_t t = st_chain_out_tx(c, src[i]);
        const st_tag *tg = opts->tags ? st_tagmap_find(opts->tags, st_chain_out_address(&x.k, src[i]), tx_time(&x, t), NULL) : NULL;
        if (tg) x.src_labels[x.nsrc_labels++] = tg->label;
    }
    for (size_t i = 0; i < nsrc; i++) {
        uint64_t o = src[i];
        if (tab_get(&x.tab, o)) continue; /* named twice */
        int64_t v = x.k.out_value[o];
        if (taint && taint[i] >= 0 && taint[i] < v) v = taint[i]; /* the first v satoshis */
        tr_iv whole = {0, v};
        x.r->source_value += v;
        if ((rc = emit_output(&x, o, st_chain_out_tx(c, o), v, &whole, 1, 0, 1))) goto out;
    }
    uint64_t last = UINT64_MAX;
    while (x.nheap) {
        uint64_t key = heap_pop(&x);
        if (key == last) continue;
        last = key;
        if (opts->max_txs && x.r->txs >= opts->max_txs) {
            x.r->cut = 1;
            break;
        }
        if (key & 1) {
            uint64_t t_last = (key + 1) / 2 - 1;
            rc = process_coinbase(&x, st_chain_tx_blockpos(&x.k, t_last));
        } else {
            uint64_t t = key / 2;
            rc = st_chain_is_coinbase(&x.k, t) ? ST_OK : process_tx(&x, t);
        }
        if (rc) goto out;
    }
    /* the frontier: every tainted output never consumed */
    size_t nf = 0;
    for (size_t i = 0; i < x.nst; i++) nf += !x.st[i].consumed;
    x.r->frontier = st_malloc((nf ? nf : 1) * sizeof *x.r->frontier);
    if (!x.r->frontier) { rc = ST_ENOMEM; goto out; }
    for (size_t i = 0; i < x.nst; i++) {
        tr_state *s = &x.st[i];
        if (s->consumed) continue;
        x.r->frontier[x.r->nfrontier++] = (st_trace_hit){s->out, s->taint, s->hops, s->stop, s->tag};
        x.r->frontier_value += s->taint;
    }
out:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory while tracing");
    ctx_free(&x);
    if (rc) {
        st_trace_result_free(x.r);
        return rc;
    }
    *out = x.r;
    return ST_OK;
}

int st_trace_source(const st_chain *c, const st_tagmap *tm, const char *text,
                    uint64_t **outs, size_t *n, size_t *cap, st_error *err) {
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    uint64_t *ids = NULL;
    size_t nids = 0;
    int rc = ST_OK;
    const char *colon = strchr(text, ':');
    if (colon && colon - text == 64) {
        char hex[65];
        memcpy(hex, text, 64);
        hex[64] = 0;
        char *end;
        unsigned long long vout = strtoull(colon + 1, &end, 10);
        uint64_t t;
        uint8_t h[32];
        if (*end || colon[1] == 0 || st_chain_hash_parse(hex, h))
            return st_error_set(err, ST_EINVAL, "'%s' is not TXID:VOUT (64 hex digits, a colon, a number)", text);
        if (!st_chain_find_tx_hex(c, hex, &t))
            return st_error_set(err, ST_ENOTFOUND, "unknown transaction %s", hex);
        uint64_t o0, o1;
        st_chain_tx_outs(&k, t, &o0, &o1);
        uint64_t nout = o1 - o0;
        if (vout >= nout)
            return st_error_set(err, ST_ENOTFOUND, "transaction %s has %llu outputs: no output %llu", hex,
                                (unsigned long long)nout, vout);
        ids = st_malloc(sizeof *ids);
        if (!ids) return ST_ENOMEM;
        ids[nids++] = o0 + vout;
    } else {
        uint64_t a;
        size_t na = 0;
        uint64_t *addrs = NULL;
        if (st_chain_find_addr(c, text, &a)) {
            addrs = st_malloc(sizeof *addrs);
            if (!addrs) return ST_ENOMEM;
            addrs[na++] = a;
        } else if (tm) {
            if (st_tagmap_addresses(tm, text, &addrs, &na)) return ST_ENOMEM;
        }
        if (!na) {
            st_free(addrs);
            return st_error_set(err, ST_ENOTFOUND,
                                "'%s' is neither TXID:VOUT, an address seen in the store, nor a tag "
                                "label/actor with addresses in the store", text);
        }
        size_t capids = 0;
        for (size_t j = 0; j < na && !rc; j++)
            for (uint64_t o = st_chain_addr_first_out(c, addrs[j]); o != ST_CHAIN_NONE; o = st_chain_next_out(&k, o)) {
                if (nids == capids) {
                    size_t nc = capids ? capids * 2 : 16;
                    uint64_t *q = st_realloc(ids, nc * sizeof *q);
                    if (!q) { rc = ST_ENOMEM; break; }
                    ids = q;
                    capids = nc;
                }
                ids[nids++] = o;
            }
        st_free(addrs);
    }
    if (!rc && *n + nids > *cap) {
        size_t nc = (*n + nids) * 2;
        uint64_t *q = st_realloc(*outs, nc * sizeof *q);
        if (!q) rc = ST_ENOMEM;
        else *outs = q, *cap = nc;
    }
    if (!rc && nids) {
        memcpy(*outs + *n, ids, nids * sizeof *ids);
        *n += nids;
    }
    st_free(ids);
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory");
    return rc;
}
