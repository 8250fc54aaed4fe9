/*
 * account.c - taint on Ethereum accounts, per (address, asset), in exact
 * 256-bit amounts (the models are described in sanctrace/xtrace.h).
 *
 * Design: one sequential walk of the store's flows from the earliest
 * source on.  A flow matters only when its sender holds taint or it is a
 * source flow, so the common case is one bit test on the sender.  An
 * account is created when taint first reaches it, and its state then is
 * rebuilt by replaying its earlier flows of that asset from the store's
 * per-address index (clean deposits made before taint arrived dilute a
 * haircut and queue ahead under FIFO); from then on the walk keeps it,
 * clean deposits included.  Within a transaction the value flows run in
 * execution order and the fee last: the store keeps the fee first (gas is
 * bought before the call runs), so each transaction is taken in two
 * passes.
 *
 * Invariant (haircut, FIFO): an account's taint never exceeds its
 * balance, and every unit of taint taken from one is delivered to exactly
 * one place: another account, the fees, a stop, or the held taint of an
 * account past --max-hops.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/progress.h"
#include "trace/xtrace_int.h"

static const st_u256 U0 = {{0, 0, 0, 0}};

static void u_add(st_u256 *a, const st_u256 *b) { (void)st_u256_add(a, a, b); }
/* a -= b, floored at zero */
static void u_sub_floor(st_u256 *a, const st_u256 *b) {
    if (st_u256_cmp(a, b) <= 0) *a = U0;
    else (void)st_u256_sub(a, a, b);
}
static const st_u256 *u_min(const st_u256 *a, const st_u256 *b) { return st_u256_cmp(a, b) <= 0 ? a : b; }

/* ---- accounts ---------------------------------------------------------- */

static uint64_t acct_key(const st_xtrace *x, uint64_t addr, uint64_t asset) { return addr * x->nasset + asset; }

static int tracked(const st_xtrace *x, uint64_t addr) {
    return addr != ST_EVM_NONE && (x->tracked[addr >> 3] & (1u << (addr & 7)));
}

static xt_acct *acct_find(const st_xtrace *x, uint64_t addr, uint64_t asset) {
    if (addr == ST_EVM_NONE || !(x->tracked[addr >> 3] & (1u << (addr & 7)))) return NULL;
    uint32_t i;
    return st_map64_get(&x->amap, acct_key(x, addr, asset), &i) ? &x->acc[i] : NULL;
}

static int q_push(xt_acct *s, const st_u256 *len, int tainted) {
    if (st_u256_is_zero(len)) return ST_OK;
    if (s->qn > s->qh && s->q[s->qn - 1].tainted == tainted) { /* runs of one kind merge */
        u_add(&s->q[s->qn - 1].len, len);
        return ST_OK;
    }
    if (s->qh && s->qh * 2 >= s->qn) { /* compact before growing */
        memmove(s->q, s->q + s->qh, (s->qn - s->qh) * sizeof *s->q);
        s->qn -= s->qh;
        s->qh = 0;
    }
    if (s->qn == s->qcap) {
        uint32_t nc = s->qcap ? s->qcap * 2 : 4;
        xt_seg *q = st_realloc(s->q, nc * sizeof *q);
        if (!q) return ST_ENOMEM;
        s->q = q;
        s->qcap = nc;
    }
    s->q[s->qn].len = *len;
    s->q[s->qn].tainted = (uint8_t)tainted;
    s->qn++;
    return ST_OK;
}

static int tmp_push(st_xtrace *x, const st_u256 *len, int tainted) {
    if (st_u256_is_zero(len)) return ST_OK;
    if (x->ntmp && x->tmp[x->ntmp - 1].tainted == tainted) {
        u_add(&x->tmp[x->ntmp - 1].len, len);
        return ST_OK;
    }
    if (x->ntmp == x->captmp) {
        size_t nc = x->captmp ? x->captmp * 2 : 16;
        xt_seg *q = st_realloc(x->tmp, nc * sizeof *q);
        if (!q) return ST_ENOMEM;
        x->tmp = q;
        x->captmp = nc;
    }
    x->tmp[x->ntmp].len = *len;
    x->tmp[x->ntmp].tainted = (uint8_t)tainted;
    x->ntmp++;
    return ST_OK;
}

/* Take a from the front of the queue; the runs taken go to x->tmp when
 * keep is set.  *tainted the tainted part, *unknown what the queue lacked. */
static int q_take(st_xtrace *x, xt_acct *s, const st_u256 *a, int keep, st_u256 *tainted, st_u256 *unknown) {
    st_u256 need = *a;
    *tainted = U0;
    while (!st_u256_is_zero(&need) && s->qh < s->qn) {
        xt_seg *g = &s->q[s->qh];
        const st_u256 *k = u_min(&g->len, &need);
        st_u256 take = *k;
        if (g->tainted) u_add(tainted, &take);
        if (keep && tmp_push(x, &take, g->tainted)) return ST_ENOMEM;
        (void)st_u256_sub(&g->len, &g->len, &take);
        (void)st_u256_sub(&need, &need, &take);
        if (st_u256_is_zero(&g->len)) s->qh++;
    }
    if (s->qh == s->qn) s->qh = s->qn = 0;
    *unknown = need;
    if (keep && tmp_push(x, &need, 0)) return ST_ENOMEM; /* held before the store: clean */
    return ST_OK;
}

/* A clean amount arriving at (or leaving) an account during the replay or
 * the walk. */
static int acct_clean_in(st_xtrace *x, xt_acct *s, const st_u256 *a) {
    u_add(&s->bal, a);
    if (s->poisoned) u_add(&s->taint, a);
    if (x->o.model == ST_TAINT_FIFO) return q_push(s, a, 0);
    return ST_OK;
}

/* The taint an outgoing flow of amount a takes from s; updates s.  Under
 * FIFO the runs taken are left in x->tmp. */
static int acct_out(st_xtrace *x, xt_acct *s, const st_u256 *a, int replay, st_u256 *t) {
    if (!replay) x->ntmp = 0;
    *t = U0;
    switch (x->o.model) {
    case ST_TAINT_FIFO: {
        st_u256 unknown;
        if (q_take(x, s, a, !replay, t, &unknown)) return ST_ENOMEM;
        if (!replay && !st_u256_is_zero(&unknown)) {
            int rc = xt_add(x, XT_ETH, s->asset, XT_UNKNOWN, &unknown);
            if (rc) return rc;
        }
        u_sub_floor(&s->taint, t);
        u_sub_floor(&s->bal, a);
        break;
    }
    case ST_TAINT_HAIRCUT:
        if (st_u256_cmp(a, &s->bal) >= 0) { /* the whole known balance, and more held before the store */
            *t = s->taint;
            if (!replay && st_u256_cmp(a, &s->bal) > 0) {
                st_u256 unknown;
                (void)st_u256_sub(&unknown, a, &s->bal);
                int rc = xt_add(x, XT_ETH, s->asset, XT_UNKNOWN, &unknown);
                if (rc) return rc;
            }
            s->taint = U0;
            s->bal = U0;
        } else {
            if (!st_u256_is_zero(&s->taint)) (void)st_u256_muldiv(t, a, &s->taint, &s->bal);
            (void)st_u256_sub(&s->taint, &s->taint, t);
            (void)st_u256_sub(&s->bal, &s->bal, a);
        }
        break;
    default: /* poison: everything of a poisoned account is tainted */
        if (s->poisoned) *t = *a;
        u_sub_floor(&s->bal, a);
        s->taint = s->poisoned ? s->bal : U0;
        break;
    }
    return ST_OK;
}

/* Flow f precedes, in execution order, the point (tx, rank) of the walk. */
static uint32_t exec_rank(const st_evm_flow *f) { return (f->kind == ST_EVM_FEE ? 0x80000000u : 0) | f->position; }

/* Create the account (addr, asset) with the state its flows before the
 * point give it: flows of earlier transactions (before_flow: the first
 * flow of the walk's current transaction, or of the block being entered),
 * and of the current transaction those before rank. */
static int acct_new(st_xtrace *x, uint64_t addr, uint64_t asset, uint64_t before_flow, uint64_t cur_tx, uint32_t rank,
                    xt_acct **out) {
    if (x->nacc == x->capacc) {
        size_t nc = x->capacc ? x->capacc * 2 : 256;
        xt_acct *a = st_realloc(x->acc, nc * sizeof *a);
        if (!a) return ST_ENOMEM;
        x->acc = a;
        x->capacc = nc;
    }
    if (x->nacc >= UINT32_MAX - 1) return ST_ELIMIT;
    xt_acct *s = &x->acc[x->nacc];
    memset(s, 0, sizeof *s);
    s->addr = addr;
    s->asset = asset;
    s->hops = UINT32_MAX;
    s->last_flow = ST_EVM_NONE;
    /* replay: per transaction, value flows then the fee */
    uint64_t n = st_evm_addr_nflows(x->e, addr);
    uint64_t fees[8], nfees = 0, fee_tx = ST_EVM_NONE;
    int rc = ST_OK;
    for (uint64_t i = 0; i <= n; i++) {
        st_evm_flow f = {0}; /* read only when not done */
        int done = i == n;
        if (!done) {
            uint64_t id = st_evm_addr_flow(x->e, addr, i);
            st_evm_get_flow(x->e, id, &f);
            if (id >= before_flow && !(f.tx == cur_tx && cur_tx != ST_EVM_NONE && exec_rank(&f) < rank)) done = 1;
        }
        if (done || f.tx != fee_tx) { /* flush the previous transaction's fees */
            for (uint64_t j = 0; j < nfees; j++) {
                st_evm_flow g;
                st_evm_get_flow(x->e, fees[j], &g);
                st_u256 t;
                if ((rc = acct_out(x, s, &g.amount, 1, &t))) return rc;
            }
            nfees = 0;
            fee_tx = done ? ST_EVM_NONE : f.tx;
        }
        if (done) break;
        if (f.asset != asset || f.from == f.to) continue;
        if (f.kind == ST_EVM_FEE && f.from == addr) {
            if (nfees < 8) fees[nfees++] = st_evm_addr_flow(x->e, addr, i);
            continue;
        }
        st_u256 t;
        if (f.to == addr) rc = acct_clean_in(x, s, &f.amount);
        else if (f.from == addr) rc = acct_out(x, s, &f.amount, 1, &t);
        if (rc) return rc;
    }
    if ((rc = st_map64_put(&x->amap, acct_key(x, addr, asset), (uint32_t)x->nacc))) return rc;
    x->tracked[addr >> 3] |= (uint8_t)(1u << (addr & 7));
    x->nacc++;
    *out = s;
    return ST_OK;
}

/* ---- delivering taint ------------------------------------------------- */

static int add_edge(st_xtrace *x, uint64_t from, uint64_t to, uint64_t asset, uint64_t flow, const st_u256 *t) {
    if (x->nedges >= 200000) return ST_OK; /* the drawing keeps the first ones */
    if (x->nedges == x->capedges) {
        size_t nc = x->capedges ? x->capedges * 2 : 256;
        xt_edge *e = st_realloc(x->edges, nc * sizeof *e);
        if (!e) return ST_ENOMEM;
        x->edges = e;
        x->capedges = nc;
    }
    x->edges[x->nedges++] = (xt_edge){from, to, asset, flow, *t};
    return ST_OK;
}

static int add_service(st_xtrace *x, const st_tag *tag, uint64_t asset, const st_u256 *t, uint32_t hops) {
    int mixer = !strcmp(tag->category, "mixer");
    for (size_t i = 0; i < x->nsvc; i++) {
        xt_service *v = &x->svc[i];
        if (v->chain == XT_ETH && v->asset == asset && !strcmp(v->tag->label, tag->label)) {
            u_add(&v->amount, t);
            v->flows++;
            if (hops < v->min_hops) v->min_hops = hops;
            return ST_OK;
        }
    }
    if (x->nsvc == x->capsvc) {
        size_t nc = x->capsvc ? x->capsvc * 2 : 16;
        xt_service *v = st_realloc(x->svc, nc * sizeof *v);
        if (!v) return ST_ENOMEM;
        x->svc = v;
        x->capsvc = nc;
    }
    x->svc[x->nsvc++] = (xt_service){tag, XT_ETH, mixer, asset, *t, 1, hops};
    return ST_OK;
}

/* --through-mixers: the withdrawals of the same asset and amount out of
 * the mixer within the window after deposit flow fid share its taint
 * equally (floor; the remainder is rounding).  0 candidates: *linked 0. */
static int mixer_link(st_xtrace *x, uint64_t fid, const st_evm_flow *f, const st_u256 *t, uint32_t hops,
                      int *linked) {
    *linked = 0;
    uint64_t window = x->o.mixer_window ? x->o.mixer_window : 50000, fan = x->o.max_fanout ? x->o.max_fanout : 64;
    uint64_t n = st_evm_addr_nflows(x->e, f->to), lo = 0, hi = n;
    while (lo < hi) { /* the mixer's first flow after the deposit */
        uint64_t mid = lo + (hi - lo) / 2;
        if (st_evm_addr_flow(x->e, f->to, mid) <= fid) lo = mid + 1;
        else hi = mid;
    }
    uint64_t cand[256], k = 0, more = 0;
    for (uint64_t i = lo; i < n; i++) {
        uint64_t g = st_evm_addr_flow(x->e, f->to, i);
        st_evm_flow w;
        st_evm_get_flow(x->e, g, &w);
        if (w.block > f->block + window) break;
        if (w.from != f->to || w.asset != f->asset || w.kind == ST_EVM_FEE || st_u256_cmp(&w.amount, &f->amount))
            continue;
        if (k < 256 && k < fan) cand[k++] = g;
        else more++;
    }
    if (!k) return ST_OK;
    int rc;
    if (more && (rc = xt_note_cut(x, "a mixer deposit has more than %llu candidate withdrawals; the first %llu linked",
                                  (unsigned long long)k, (unsigned long long)k)))
        return rc;
    st_u256 share, kk = st_u256_from_u64(k), one = st_u256_from_u64(1), sum = U0, rest;
    (void)st_u256_muldiv(&share, t, &one, &kk);
    for (uint64_t i = 0; i < k; i++) {
        if (x->nmix == x->capmix) {
            size_t nc = x->capmix ? x->capmix * 2 : 16;
            xt_mixlink *v = st_realloc(x->mix, nc * sizeof *v);
            if (!v) return ST_ENOMEM;
            x->mix = v;
            x->capmix = nc;
        }
        x->mix[x->nmix++] = (xt_mixlink){fid, cand[i], f->amount, share, (uint32_t)k};
        uint32_t wi;
        if (!st_map64_get(&x->mixpend, cand[i], &wi)) {
            if (x->nmixwd == x->capmixwd) {
                size_t nc = x->capmixwd ? x->capmixwd * 2 : 16;
                struct xt_mixwd *v = st_realloc(x->mixwd, nc * sizeof *v);
                if (!v) return ST_ENOMEM;
                x->mixwd = v;
                x->capmixwd = nc;
            }
            if (x->nmixwd >= UINT32_MAX - 1) return ST_ELIMIT;
            wi = (uint32_t)x->nmixwd++;
            memset(&x->mixwd[wi], 0, sizeof x->mixwd[wi]);
            x->mixwd[wi].flow = cand[i];
            x->mixwd[wi].hops = hops;
            if ((rc = st_map64_put(&x->mixpend, cand[i], wi))) return rc;
        }
        u_add(&x->mixwd[wi].tainted, &share);
        u_add(&sum, &share);
    }
    (void)st_u256_sub(&rest, t, &sum);
    if ((rc = xt_add(x, XT_ETH, f->asset, XT_ROUNDING, &rest))) return rc;
    *linked = 1;
    return ST_OK;
}

/* Taint t (FIFO runs in x->tmp) of flow fid arrives at f->to. */
static int deliver(st_xtrace *x, uint64_t fid, const st_evm_flow *f, const st_u256 *t, uint32_t hops,
                   uint64_t tx_first) {
    int rc;
    if (st_u256_is_zero(t)) { /* clean: only an account already kept sees it */
        xt_acct *r = acct_find(x, f->to, f->asset);
        return r ? acct_clean_in(x, r, &f->amount) : ST_OK;
    }
    if (f->kind == ST_EVM_FEE) return xt_add(x, XT_ETH, f->asset, XT_FEES, t);
    if (f->to == ST_EVM_NONE) return xt_add(x, XT_ETH, f->asset, XT_STOPPED, t); /* burnt */
    const st_tag *tag = xt_evm_tag_at(x, f->to, f->block);
    if (tag && !xt_is_source_tag(x, tag)) {
        if ((rc = add_service(x, tag, f->asset, t, hops))) return rc;
        if ((rc = add_edge(x, f->from, f->to, f->asset, fid, t))) return rc;
        if (x->o.through_mixers && !strcmp(tag->category, "mixer")) {
            int linked;
            if ((rc = mixer_link(x, fid, f, t, hops, &linked))) return rc;
            if (linked) return ST_OK;
        }
        if (!x->o.through_services) return xt_add(x, XT_ETH, f->asset, XT_STOPPED, t);
    }
    xt_acct *r = acct_find(x, f->to, f->asset);
    if (!r && (rc = acct_new(x, f->to, f->asset, f->tx == ST_EVM_NONE ? fid : tx_first, f->tx, exec_rank(f), &r)))
        return rc;
    if ((rc = add_edge(x, f->from, f->to, f->asset, fid, t))) return rc;
    u_add(&r->bal, &f->amount);
    if (x->o.model == ST_TAINT_POISON) {
        r->poisoned = 1;
        r->taint = r->bal;
    } else {
        u_add(&r->taint, t);
        if (x->o.model == ST_TAINT_FIFO)
            for (size_t i = 0; i < x->ntmp; i++)
                if ((rc = q_push(r, &x->tmp[i].len, x->tmp[i].tainted))) return rc;
    }
    if (hops < r->hops) r->hops = hops;
    if (x->o.max_hops && r->hops >= x->o.max_hops) r->frozen = 1;
    r->last_flow = fid;
    return ST_OK;
}

/* ---- the walk --------------------------------------------------------- */

/* Is flow f (of transaction tx) a source flow? */
static int is_source_flow(const st_xtrace *x, const st_evm_flow *f) {
    if (f->kind == ST_EVM_FEE || f->from == ST_EVM_NONE) return 0;
    uint32_t i = x->cur_src;
    if (i != UINT32_MAX && f->tx != ST_EVM_NONE) {
        for (size_t k = i; k < x->nsrc && x->src[k].tx == f->tx && x->src[k].kind == XS_TX; k++)
            if (x->src[k].addr == f->from) return 1;
    }
    return x->src_addr.n && st_map64_get(&x->src_addr, f->from, &i);
}

static int one_flow(st_xtrace *x, uint64_t fid, const st_evm_flow *f, uint64_t tx_first) {
    int rc;
    if (f->from == f->to) return ST_OK;
    if (is_source_flow(x, f)) {
        if ((rc = xt_add(x, XT_ETH, f->asset, XT_SOURCE, &f->amount))) return rc;
        x->ntmp = 0;
        if ((rc = tmp_push(x, &f->amount, 1))) return rc;
        xt_acct *s = acct_find(x, f->from, f->asset);
        if (s) { /* the victim's own account moves, its taint does not */
            u_sub_floor(&s->bal, &f->amount);
            s->taint = *u_min(&s->taint, &s->bal);
        }
        return deliver(x, fid, f, &f->amount, 1, tx_first);
    }
    uint32_t mi;
    if (x->refundpend.n && st_map64_get(&x->refundpend, fid, &mi)) { /* THORChain paying back */
        const xt_bridge *b = &x->br[mi];
        st_u256 t = b->tainted_out, rest;
        if ((rc = xt_add(x, XT_ETH, f->asset, XT_IN, &t))) return rc;
        x->ntmp = 0;
        (void)st_u256_sub(&rest, &f->amount, &t);
        if ((rc = tmp_push(x, &t, 1)) || (rc = tmp_push(x, &rest, 0))) return rc;
        return deliver(x, fid, f, &t, 1, tx_first);
    }
    if (x->nmixwd && st_map64_get(&x->mixpend, fid, &mi)) { /* a withdrawal deposits were linked to */
        struct xt_mixwd *m = &x->mixwd[mi];
        m->delivered = 1;
        st_u256 t = m->tainted, rest;
        if (st_u256_cmp(&t, &f->amount) > 0) { /* more linked than it paid: the excess stays in the mixer */
            (void)st_u256_sub(&rest, &t, &f->amount);
            if ((rc = xt_add(x, XT_ETH, f->asset, XT_STOPPED, &rest))) return rc;
            t = f->amount;
        }
        x->ntmp = 0;
        (void)st_u256_sub(&rest, &f->amount, &t);
        if ((rc = tmp_push(x, &t, 1)) || (rc = tmp_push(x, &rest, 0))) return rc;
        uint32_t h = m->hops + 1;
        return deliver(x, fid, f, &t, h, tx_first);
    }
    xt_acct *s = acct_find(x, f->from, f->asset);
    if (!s) return deliver(x, fid, f, &U0, 0, tx_first);
    st_u256 t;
    if ((rc = acct_out(x, s, &f->amount, 0, &t))) return rc;
    if (s->frozen && !st_u256_is_zero(&t)) { /* past --max-hops: the taint stays here */
        if (f->kind != ST_EVM_FEE) {
            u_add(&s->held, &t);
            t = U0;
            x->ntmp = 0;
        }
    }
    return deliver(x, fid, f, &t, s->hops + 1, tx_first);
}

/* ---- conversions: swaps, WETH, the THORChain router ---------------------
 *
 * In a transaction with conversion points (every emitter of a swap event,
 * WETH when it mints or burns, THORChain's router when it emits Deposit),
 * a point holds nothing: what flows into it is summed per asset with its
 * taint (that taint leaves its asset: `out`), and what flows out of it
 * carries the tainted fraction of what came in in the other asset(s)
 * (`in` of the asset paid).  A point's outflows wait until every inflow
 * it gets from another point is known (routes through several pools), so
 * the order of the logs does not matter.  The router's inflows leave the
 * chain through a bridge (xtrace.c links the outbound). */

#define XT_MAX_CP 16
#define XT_TXBUF 64
#define XT_CP_ASSETS 4

typedef struct xt_cp {
    uint64_t addr;
    int thor;
    size_t nin;
    uint64_t asset[XT_CP_ASSETS];
    st_u256 amt[XT_CP_ASSETS], taint[XT_CP_ASSETS];
    uint32_t hops;
    int outflows;
} xt_cp;

typedef struct xt_conv {
    xt_cp cp[XT_MAX_CP];
    size_t n;
} xt_conv;

static xt_cp *cp_of(xt_conv *c, uint64_t addr) {
    for (size_t i = 0; i < c->n; i++)
        if (c->cp[i].addr == addr) return &c->cp[i];
    return NULL;
}

static void cp_add(xt_conv *c, uint64_t addr, int thor) {
    if (addr == ST_EVM_NONE || c->n == XT_MAX_CP) return;
    xt_cp *p = cp_of(c, addr);
    if (p) {
        p->thor |= thor;
        return;
    }
    p = &c->cp[c->n++];
    memset(p, 0, sizeof *p);
    p->addr = addr;
    p->thor = thor;
    p->hops = UINT32_MAX;
}

/* The conversion point a flow leaves (out = 1) or enters, or NULL.  WETH's
 * mint comes from nowhere and its burn goes nowhere. */
static xt_cp *cp_flow(const st_xtrace *x, xt_conv *c, const st_evm_flow *f, int out) {
    uint64_t a = out ? f->from : f->to;
    if (a == ST_EVM_NONE && f->asset == x->weth_asset && x->weth_asset != ST_EVM_NONE && f->kind != ST_EVM_FEE)
        a = x->weth_addr;
    return a == ST_EVM_NONE ? NULL : cp_of(c, a);
}

static void cp_in(xt_cp *p, uint64_t asset, const st_u256 *a, const st_u256 *t, uint32_t hops) {
    size_t i = 0;
    while (i < p->nin && p->asset[i] != asset) i++;
    if (i == p->nin) {
        if (p->nin == XT_CP_ASSETS) i = XT_CP_ASSETS - 1; /* more assets than a swap has: pooled with the last */
        else {
            p->asset[p->nin] = asset;
            p->amt[p->nin] = p->taint[p->nin] = U0;
            p->nin++;
        }
    }
    u_add(&p->amt[i], a);
    u_add(&p->taint[i], t);
    if (!st_u256_is_zero(t) && hops < p->hops) p->hops = hops;
}

/* What fraction of asset-`out` paid by p is tainted: taint ÷ amount of
 * what came in in the other assets (all of it when only that asset came). */
static void cp_fraction(const xt_cp *p, uint64_t out, st_u256 *num, st_u256 *den) {
    *num = *den = U0;
    int other = 0;
    for (size_t i = 0; i < p->nin; i++) other |= p->asset[i] != out;
    for (size_t i = 0; i < p->nin; i++) {
        if (other && p->asset[i] == out) continue;
        u_add(num, &p->taint[i]);
        u_add(den, &p->amt[i]);
    }
}

static int add_swap(st_xtrace *x, uint64_t tx, const xt_cp *p, uint64_t asset_out, const st_u256 *b,
                    const st_u256 *t) {
    for (size_t i = x->nswaps; i-- > 0 && x->swaps[i].tx == tx;)
        if (x->swaps[i].pool == p->addr && x->swaps[i].asset_out == asset_out) {
            u_add(&x->swaps[i].amount_out, b);
            u_add(&x->swaps[i].tainted_out, t);
            return ST_OK;
        }
    if (x->nswaps == x->capswaps) {
        size_t nc = x->capswaps ? x->capswaps * 2 : 64;
        xt_swap *v = st_realloc(x->swaps, nc * sizeof *v);
        if (!v) return ST_ENOMEM;
        x->swaps = v;
        x->capswaps = nc;
    }
    xt_swap *w = &x->swaps[x->nswaps++];
    memset(w, 0, sizeof *w);
    w->tx = tx;
    w->pool = p->addr;
    w->asset_out = asset_out;
    w->asset_in = p->nin ? p->asset[0] : 0;
    for (size_t i = 0; i < p->nin; i++)
        if (p->asset[i] != asset_out) {
            w->asset_in = p->asset[i];
            u_add(&w->amount_in, &p->amt[i]);
            u_add(&w->tainted_in, &p->taint[i]);
        }
    w->amount_out = *b;
    w->tainted_out = *t;
    return ST_OK;
}

/* The THORChain inbounds of tx: one bridge per Deposit event, each taking
 * the router's taint in its asset pro rata to the event's amount. */
static int thor_inbound(st_xtrace *x, uint64_t tx, const xt_cp *p, size_t ev0, size_t nev) {
    for (size_t k = ev0; k < ev0 + nev; k++) {
        const st_evm_event *ev = st_evm_events_get(x->o.events, k);
        if (ev->kind != ST_EVM_EV_THOR_DEPOSIT || ev->emitter != p->addr) continue;
        st_evm_thor d;
        int bad = st_evm_thor_decode(ev, &d) != ST_OK;
        uint64_t asset = 0;
        if (!bad && !d.native) {
            uint64_t id;
            asset = ST_EVM_NONE;
            if (st_evm_find_addr(x->e, d.asset_addr, &id))
                for (uint64_t a = 1; a < x->nasset; a++) {
                    char t1[43], t2[43];
                    st_evm_asset_text(x->e, a, t1);
                    st_evm_addr_text(x->e, id, t2);
                    if (!strcmp(t1, t2)) asset = a;
                }
        }
        size_t i = 0;
        while (i < p->nin && p->asset[i] != asset) i++;
        if (i == p->nin || st_u256_is_zero(&p->taint[i])) continue; /* a clean deposit */
        st_u256 t = p->taint[i];
        if (!bad && st_u256_cmp(&d.amount, &p->amt[i]) < 0) /* several deposits in one transaction */
            (void)st_u256_muldiv(&t, &p->taint[i], &d.amount, &p->amt[i]);
        if (x->nbr == x->capbr) {
            size_t nc = x->capbr ? x->capbr * 2 : 16;
            xt_bridge *v = st_realloc(x->br, nc * sizeof *v);
            if (!v) return ST_ENOMEM;
            x->br = v;
            x->capbr = nc;
        }
        xt_bridge *b = &x->br[x->nbr++];
        memset(b, 0, sizeof *b);
        b->protocol = "thorchain";
        b->in_chain = XT_ETH;
        b->out_chain = -1; /* xtrace.c decides from the memo */
        b->in_tx = tx;
        b->out_tx = ST_EVM_NONE;
        b->out_asset = asset;
        b->amount_in = bad ? p->amt[i] : d.amount;
        b->tainted_in = t;
        b->memo = st_strdup(bad ? "" : d.memo);
        if (!b->memo) return ST_ENOMEM;
        uint32_t prev;
        if (!st_map64_get(&x->bridge_by_tx, tx, &prev)) {
            int rc = st_map64_put(&x->bridge_by_tx, tx, (uint32_t)(x->nbr - 1));
            if (rc) return rc;
        }
        if (bad) snprintf(b->note, sizeof b->note, "the router's Deposit event is malformed (no memo read)");
    }
    return ST_OK;
}

/* THORChain paying on Ethereum (TransferOut with OUT:<hash> or
 * REFUND:<hash>) for an inbound the walk recorded: the flow to the payee
 * carries the inbound's tainted fraction of what was paid. */
static int thor_outbound(st_xtrace *x, uint64_t tx, uint64_t first, uint64_t end) {
    size_t ev0, nev = st_evm_events_of_tx(x->o.events, tx, &ev0);
    for (size_t k = ev0; k < ev0 + nev; k++) {
        const st_evm_event *ev = st_evm_events_get(x->o.events, k);
        if (ev->kind != ST_EVM_EV_THOR_TRANSFER_OUT) continue;
        st_evm_thor d;
        st_thor_memo m;
        st_error e2;
        if (st_evm_thor_decode(ev, &d) || st_thor_memo_parse(d.memo, strlen(d.memo), &m, &e2) ||
            m.kind == ST_THOR_SWAP)
            continue;
        char hx[67] = "0x";
        st_hex_encode(m.hash, 32, hx + 2);
        uint64_t in_tx, payee;
        uint32_t bi;
        if (st_evm_find_tx(x->e, hx, &in_tx) != 1 || !st_map64_get(&x->bridge_by_tx, in_tx, &bi)) continue;
        if (!st_evm_find_addr(x->e, d.to, &payee)) continue;
        xt_bridge *b = &x->br[bi];
        if (b->out_chain != -1) continue; /* linked already */
        for (uint64_t g = first; g < end; g++) {
            st_evm_flow h;
            st_evm_get_flow(x->e, g, &h);
            if (h.to != payee || h.kind == ST_EVM_FEE || st_u256_cmp(&h.amount, &d.amount)) continue;
            b->out_chain = XT_ETH;
            b->out_tx = tx;
            b->out_asset = h.asset;
            hx[0] = 0;
            st_evm_tx t;
            st_evm_get_tx(x->e, tx, &t);
            snprintf(b->out_txid, sizeof b->out_txid, "0x");
            st_hex_encode(t.hash, 32, b->out_txid + 2);
            if (!(b->out_memo = st_strdup(d.memo))) return ST_ENOMEM;
            b->amount_out = h.amount;
            if (!st_u256_is_zero(&b->amount_in))
                (void)st_u256_muldiv(&b->tainted_out, &h.amount, &b->tainted_in, &b->amount_in);
            if (m.kind == ST_THOR_REFUND) snprintf(b->note, sizeof b->note, "refund");
            int rc = st_map64_put(&x->refundpend, g, bi);
            if (rc) return rc;
            break;
        }
    }
    return ST_OK;
}

/* Gather the conversion points of tx (flows[first..end)): 0 when none. */
static size_t conv_points(const st_xtrace *x, uint64_t tx, uint64_t first, uint64_t end, xt_conv *c, size_t *ev0,
                          size_t *nev) {
    c->n = 0;
    *nev = x->o.events ? st_evm_events_of_tx(x->o.events, tx, ev0) : 0;
    for (size_t k = *ev0; k < *ev0 + *nev; k++) {
        const st_evm_event *ev = st_evm_events_get(x->o.events, k);
        if (ev->kind == ST_EVM_EV_THOR_TRANSFER_OUT) continue; /* an outbound: a payment like any */
        cp_add(c, ev->emitter, ev->kind == ST_EVM_EV_THOR_DEPOSIT);
    }
    if (x->weth_asset != ST_EVM_NONE)
        for (uint64_t g = first; g < end; g++) {
            st_evm_flow h;
            st_evm_get_flow(x->e, g, &h);
            if (h.asset == x->weth_asset && (h.from == ST_EVM_NONE || h.to == ST_EVM_NONE)) {
                cp_add(c, x->weth_addr, 0);
                break;
            }
        }
    return c->n;
}

static int conv_tx(st_xtrace *x, uint64_t tx, uint64_t first, uint64_t end, xt_conv *c, size_t ev0, size_t nev) {
    int rc;
    uint64_t deferred[256];
    uint8_t done[256];
    size_t nd = 0;
    /* value flows in order; a point's inflows summed, its outflows wait */
    for (uint64_t g = first; g < end; g++) {
        st_evm_flow h;
        st_evm_get_flow(x->e, g, &h);
        if (h.kind == ST_EVM_FEE || h.from == h.to) continue;
        xt_cp *src = cp_flow(x, c, &h, 1), *dst = cp_flow(x, c, &h, 0);
        if (src) {
            src->outflows++;
            if (nd < 256) {
                done[nd] = 0;
                deferred[nd++] = g;
                continue;
            }
            if ((rc = xt_note_cut(x, "a transaction pays out of a pool more than 256 times: the rest taken clean")))
                return rc;
        }
        if (!dst || src) {
            if ((rc = one_flow(x, g, &h, first))) return rc;
            continue;
        }
        st_u256 t = U0;
        uint32_t hops = 0;
        if (is_source_flow(x, &h)) {
            t = h.amount;
            hops = 0;
            if ((rc = xt_add(x, XT_ETH, h.asset, XT_SOURCE, &t))) return rc;
        } else {
            xt_acct *s = acct_find(x, h.from, h.asset);
            if (s) {
                if ((rc = acct_out(x, s, &h.amount, 0, &t))) return rc;
                hops = s->hops;
                if (s->frozen && !st_u256_is_zero(&t)) {
                    u_add(&s->held, &t);
                    t = U0;
                }
            }
        }
        cp_in(dst, h.asset, &h.amount, &t, hops);
        if ((rc = xt_add(x, XT_ETH, h.asset, XT_OUT, &t))) return rc;
    }
    /* the points pay out, each once its inflows from other points are in */
    for (size_t round = 0; round <= nd; round++) {
        int progress = 0;
        for (size_t i = 0; i < nd; i++) {
            if (done[i]) continue;
            st_evm_flow h;
            st_evm_get_flow(x->e, deferred[i], &h);
            xt_cp *src = cp_flow(x, c, &h, 1);
            int ready = 1;
            for (size_t k = 0; k < nd && ready && round < nd; k++) {
                if (done[k] || k == i) continue;
                st_evm_flow q;
                st_evm_get_flow(x->e, deferred[k], &q);
                if (cp_flow(x, c, &q, 0) == src) ready = 0;
            }
            if (!ready) continue;
            done[i] = 1;
            progress = 1;
            st_u256 num, den, t = U0;
            if (!src->thor) {
                cp_fraction(src, h.asset, &num, &den);
                if (!st_u256_is_zero(&num)) (void)st_u256_muldiv(&t, &h.amount, &num, &den);
            }
            if (!st_u256_is_zero(&t)) {
                if ((rc = xt_add(x, XT_ETH, h.asset, XT_IN, &t))) return rc;
                if ((rc = add_swap(x, tx, src, h.asset, &h.amount, &t))) return rc;
            }
            xt_cp *dst = cp_flow(x, c, &h, 0);
            if (dst) {
                cp_in(dst, h.asset, &h.amount, &t, src->hops);
                if ((rc = xt_add(x, XT_ETH, h.asset, XT_OUT, &t))) return rc;
                continue;
            }
            x->ntmp = 0;
            if ((rc = tmp_push(x, &t, 1))) return rc;
            st_u256 rest;
            (void)st_u256_sub(&rest, &h.amount, &t);
            if ((rc = tmp_push(x, &rest, 0))) return rc;
            if ((rc = deliver(x, deferred[i], &h, &t, src->hops == UINT32_MAX ? 1 : src->hops + 1, first))) return rc;
        }
        if (!progress) break;
    }
    /* taint into a point that paid nothing back in this transaction stops there;
     * the router's goes through the bridge */
    for (size_t i = 0; i < c->n; i++) {
        xt_cp *p = &c->cp[i];
        if (p->thor) {
            if ((rc = thor_inbound(x, tx, p, ev0, nev))) return rc;
            continue;
        }
        if (p->outflows) continue;
        for (size_t k = 0; k < p->nin; k++) {
            if (st_u256_is_zero(&p->taint[k])) continue;
            xt_total *tt = xt_total_of(x, XT_ETH, p->asset[k]);
            if (!tt) return ST_ENOMEM;
            (void)st_u256_sub(&tt->v[XT_OUT], &tt->v[XT_OUT], &p->taint[k]);
            u_add(&tt->v[XT_STOPPED], &p->taint[k]);
        }
    }
    /* then the fee */
    for (uint64_t g = first; g < end; g++) {
        st_evm_flow h;
        st_evm_get_flow(x->e, g, &h);
        if (h.kind != ST_EVM_FEE) continue;
        if ((rc = one_flow(x, g, &h, first))) return rc;
    }
    return ST_OK;
}

/* Inject the balances of XS_ADDR_AT sources whose block ends before flow
 * fid (of block blk). */
static int inject_at(st_xtrace *x, uint64_t fid, uint64_t blk, size_t *next_at) {
    while (*next_at < x->nsrc) {
        xt_source *s = &x->src[*next_at];
        if (s->kind != XS_ADDR_AT) {
            ++*next_at;
            continue;
        }
        if (blk != UINT64_MAX && (int64_t)blk <= s->block) break;
        ++*next_at;
        /* every asset the address touched */
        uint64_t n = st_evm_addr_nflows(x->e, s->addr);
        for (uint64_t i = 0; i < n; i++) {
            st_evm_flow f;
            uint64_t id = st_evm_addr_flow(x->e, s->addr, i);
            if (id >= fid) break;
            st_evm_get_flow(x->e, id, &f);
            if (acct_find(x, s->addr, f.asset)) continue;
            xt_acct *a;
            int rc = acct_new(x, s->addr, f.asset, fid, ST_EVM_NONE, 0, &a);
            if (rc) return rc;
            a->taint = a->bal;
            a->hops = 0;
            if (x->o.model == ST_TAINT_POISON) a->poisoned = !st_u256_is_zero(&a->bal);
            if (x->o.model == ST_TAINT_FIFO) {
                a->qh = a->qn = 0;
                if ((rc = q_push(a, &a->bal, 1))) return rc;
            }
            if ((rc = xt_add(x, XT_ETH, f.asset, XT_SOURCE, &a->bal))) return rc;
        }
    }
    return ST_OK;
}

static int by_block(const void *pa, const void *pb) {
    const xt_source *a = pa, *b = pb;
    if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
    if (a->kind == XS_TX) return a->tx < b->tx ? -1 : a->tx > b->tx;
    return a->block < b->block ? -1 : a->block > b->block;
}

/* The first flow of the first block after blk (nflow when none). */
static uint64_t first_flow_after(const st_xtrace *x, int64_t blk) {
    uint64_t lo = 0, hi = x->nflow;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        st_evm_flow f;
        st_evm_get_flow(x->e, mid, &f);
        if ((int64_t)f.block <= blk) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The Bitcoin -> Ethereum hops of the round before: bridges, and their
 * payee flows carrying taint into this walk. */
static int add_injected(st_xtrace *x) {
    for (size_t i = 0; i < x->ninj; i++) {
        const xt_inject *v = &x->inj[i];
        if (x->nbr == x->capbr) {
            size_t nc = x->capbr ? x->capbr * 2 : 16;
            xt_bridge *w = st_realloc(x->br, nc * sizeof *w);
            if (!w) return ST_ENOMEM;
            x->br = w;
            x->capbr = nc;
        }
        xt_bridge *b = &x->br[x->nbr++];
        memset(b, 0, sizeof *b);
        b->protocol = "thorchain";
        b->in_chain = XT_BTC;
        b->out_chain = XT_ETH;
        b->in_tx = v->in_tx;
        b->out_tx = v->out_tx;
        b->out_asset = v->asset;
        b->amount_in = v->amount_in;
        b->tainted_in = v->tainted_in;
        b->amount_out = v->amount_out;
        b->tainted_out = v->tainted_out;
        b->memo = st_strdup(v->memo);
        if (!b->memo) return ST_ENOMEM;
        if (v->flow == ST_EVM_NONE) {
            snprintf(b->note, sizeof b->note, "%s", v->memo[0] ? "no THORChain TransferOut on Ethereum names this "
                                                                  "inbound (OUT:<txid>), or its memo is no swap to ETH"
                                                                : "paid into a THORChain vault without a memo");
            continue;
        }
        if (!(b->out_memo = st_strdup(v->out_memo))) return ST_ENOMEM;
        st_evm_tx t;
        st_evm_get_tx(x->e, v->out_tx, &t);
        snprintf(b->out_txid, sizeof b->out_txid, "0x");
        st_hex_encode(t.hash, 32, b->out_txid + 2);
        int rc = st_map64_put(&x->refundpend, v->flow, (uint32_t)(x->nbr - 1));
        if (rc) return rc;
    }
    return ST_OK;
}

int xt_account_run(st_xtrace *x, st_error *err) {
    int rc = ST_OK;
    if ((rc = add_injected(x))) return st_error_set(err, rc, "out of memory");
    if (!x->nsrc && !x->ninj) return ST_OK;
    if (x->nsrc) qsort(x->src, x->nsrc, sizeof *x->src, by_block);
    uint64_t start = x->nflow;
    for (size_t i = 0; i < x->nsrc; i++) {
        xt_source *s = &x->src[i];
        uint64_t f0 = x->nflow;
        if (s->kind == XS_TX) {
            st_evm_tx t;
            st_evm_get_tx(x->e, s->tx, &t);
            f0 = t.first_flow;
            uint32_t prev;
            if (!st_map64_get(&x->src_tx, s->tx, &prev) && (rc = st_map64_put(&x->src_tx, s->tx, (uint32_t)i)))
                goto out;
        } else if (s->kind == XS_ADDR_ALL) {
            if (st_evm_addr_nflows(x->e, s->addr)) f0 = st_evm_addr_flow(x->e, s->addr, 0);
            if ((rc = st_map64_put(&x->src_addr, s->addr, (uint32_t)i))) goto out;
        } else f0 = first_flow_after(x, s->block);
        if (f0 < start) start = f0;
    }
    for (size_t i = 0; i < x->ninj; i++) /* payments from Bitcoin through THORChain */
        if (x->inj[i].flow < start) start = x->inj[i].flow;
    if (start < x->nflow) { /* an address's first flow may be inside its transaction */
        st_evm_flow f0;
        st_evm_get_flow(x->e, start, &f0);
        if (f0.tx != ST_EVM_NONE) {
            st_evm_tx t0;
            st_evm_get_tx(x->e, f0.tx, &t0);
            if (t0.first_flow < start) start = t0.first_flow;
        }
    }
    xt_conv conv;
    int has_events = st_evm_events_count(x->o.events) > 0;
    x->cur_src = UINT32_MAX;
    size_t next_at = 0;
    while (next_at < x->nsrc && x->src[next_at].kind != XS_ADDR_AT) next_at++;
    st_progress prog;
    memset(&prog, 0, sizeof prog);
    if (x->o.progress) st_progress_begin(&prog, "trace: ethereum flows", x->nflow - start);
    /* a transaction's flows are read once into buf (the longest ones again
     * from the store); the flow after it is carried to the next turn */
    st_evm_flow buf[XT_TXBUF], f;
    int have = 0;
    for (uint64_t fid = start; fid < x->nflow;) {
        if (!have) st_evm_get_flow(x->e, fid, &f);
        have = 0;
        if (x->o.until_block >= 0 && (int64_t)f.block > x->o.until_block) break;
        if ((rc = inject_at(x, fid, f.block, &next_at))) goto out;
        if (f.tx == ST_EVM_NONE) {
            x->cur_src = UINT32_MAX;
            if ((rc = one_flow(x, fid, &f, fid))) goto out;
            fid++;
            x->flows_seen++;
            continue;
        }
        uint64_t tx = f.tx, first = fid, end = fid + 1;
        buf[0] = f;
        uint32_t si;
        x->cur_src = st_map64_get(&x->src_tx, tx, &si) ? si : UINT32_MAX;
        /* most transactions touch no account of the walk: one look at each flow */
        int relevant = x->cur_src != UINT32_MAX || has_events || x->weth_asset != ST_EVM_NONE;
        relevant |= tracked(x, f.from) || tracked(x, f.to) || (x->src_addr.n && is_source_flow(x, &f));
        for (; end < x->nflow; end++) {
            st_evm_flow h;
            st_evm_get_flow(x->e, end, &h);
            if (h.tx != tx) {
                f = h;
                have = 1;
                break;
            }
            if (end - first < XT_TXBUF) buf[end - first] = h;
            relevant = relevant || tracked(x, h.from) || tracked(x, h.to) || (x->src_addr.n && is_source_flow(x, &h));
        }
        size_t ev0 = 0, nev = 0;
        if (relevant && x->bridge_by_tx.n && (rc = thor_outbound(x, tx, first, end))) goto out;
        if (!relevant) {
        } else if (conv_points(x, tx, first, end, &conv, &ev0, &nev)) {
            if ((rc = conv_tx(x, tx, first, end, &conv, ev0, nev))) goto out;
        } else
            for (int pass = 0; pass < 2; pass++)
                for (uint64_t g = first; g < end; g++) {
                    st_evm_flow h;
                    if (g - first < XT_TXBUF) h = buf[g - first];
                    else st_evm_get_flow(x->e, g, &h);
                    if ((h.kind == ST_EVM_FEE) != pass) continue;
                    if ((rc = one_flow(x, g, &h, first))) goto out;
                }
        x->flows_seen += end - fid;
        fid = end;
        if (x->o.progress) st_progress_tick(&prog, x->flows_seen);
    }
    if ((rc = inject_at(x, x->nflow, UINT64_MAX, &next_at))) goto out; /* balances after the last block */
    if (x->o.progress) st_progress_end(&prog);
    /* linked withdrawals the walk did not reach (--until-block) stay in the mixer */
    for (size_t i = 0; i < x->nmixwd; i++) {
        if (x->mixwd[i].delivered) continue;
        st_evm_flow d;
        st_evm_get_flow(x->e, x->mixwd[i].flow, &d);
        if ((rc = xt_add(x, XT_ETH, d.asset, XT_STOPPED, &x->mixwd[i].tainted))) goto out;
    }
    /* what the accounts still hold is the frontier */
    for (size_t i = 0; i < x->nacc; i++) {
        xt_acct *s = &x->acc[i];
        st_u256 h = s->taint;
        u_add(&h, &s->held);
        if (x->o.model == ST_TAINT_POISON && !s->poisoned) continue;
        if ((rc = xt_add(x, XT_ETH, s->asset, XT_FRONTIER, &h))) goto out;
    }
out:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory while tracing accounts");
    else if (rc == ST_ELIMIT) st_error_set(err, rc, "too many accounts hold taint (2^32)");
    return rc;
}
