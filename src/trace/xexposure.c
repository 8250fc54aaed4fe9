/*
 * xexposure.c - exposure of an Ethereum address: how much of what it
 * received of one asset came from tagged addresses, directly or through
 * unlabelled ones, each share with the transactions that carry it.
 *
 * Design: the Bitcoin walk of exposure.c, on accounts.  Backwards from
 * every flow the target received, level by level (hops): an amount w that
 * reached the target through flow f out of address S is split over S's
 * inflows of the asset before f (in chain order) in proportion to their
 * amounts, floor(w x a ÷ total), so shares never exceed what was received
 * and stay exact integers.  Amounts that reach the same flow at the same
 * level are merged before they are split again: paths that meet (hubs,
 * consolidations) are walked once, which keeps a 5-hop walk near linear in
 * the flows it touches instead of exponential in the paths.  A path stops
 * at the first tagged address (the service that sent it), at the hop
 * limit, at a flow from nowhere (rewards, mints), and when a share rounds
 * to zero, and at an untagged address with more than 10,000 flows (a
 * service nobody tagged: what came through it is reported as
 * unattributed, not walked).  "Direct": the tagged address paid the
 * target itself.  Every
 * node and every flow read counts against the visit bound; the answer
 * says when it was cut.
 *
 * Across THORChain (both stores given): a node is an Ethereum flow or a
 * Bitcoin output (the output whose address sent the value on, with the
 * transaction that spent it).  When the walk reaches a THORChain payout -
 * on Ethereum a router TransferOut to the flow's payee of the flow's
 * amount whose memo is OUT:<bitcoin txid>, on Bitcoin a transaction whose
 * OP_RETURN says OUT:<ethereum hash> - the amount goes on backwards from
 * the inbound the memo names: on Bitcoin split over its inputs, on
 * Ethereum over its sender's value flows in it; the payout is THORChain's
 * answer to that inbound alone, so the whole amount crosses.  Amounts stay
 * in the target's unit (wei or satoshis): the other chain only gives the
 * proportions.  A hop crossed twice in a row (a payout whose inbound is
 * itself a payout) is not followed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/map64.h"
#include "sanctrace/xtrace.h"
#include "trace/xtrace_int.h"

#define XE_MAX_HOPS 16
#define XE_PATHS 3
#define XE_BTC (1ULL << 63) /* a node key: a Bitcoin output id, not an Ethereum flow */
#define XE_HUB 10000 /* an unlabelled address with more flows is a service nobody tagged: not walked through */

typedef struct xe_path {
    st_u256 amount;
    uint32_t hops;
    uint64_t flows[XE_MAX_HOPS]; /* from the tagged source to the target */
    uint64_t via[XE_MAX_HOPS];   /* Bitcoin steps: the transaction that spent the output */
    uint32_t bridge[XE_MAX_HOPS]; /* 1 + the THORChain hop crossed into this step, 0 none */
} xe_path;

/* A THORChain hop the walk crossed: the inbound on one chain, the payout
 * on the other, and how much of the target's amount went across it. */
typedef struct xe_bridge {
    int in_btc;        /* the inbound is on Bitcoin (the payout on Ethereum) */
    uint64_t in_tx, out_tx;
    char memo[256], out_memo[256];
    st_u256 carried;
} xe_bridge;

typedef struct xe_share {
    const st_tag *tag;
    st_u256 direct, indirect;
    xe_path paths[XE_PATHS]; /* largest first */
    size_t npaths;
} xe_share;

struct st_xexposure {
    const st_evm *e;
    const st_evm_events *ev; /* block times for the tags' dates (may be NULL) */
    const st_tagset *ts;
    st_map64 tags; /* address id -> tag index */
    uint64_t target, asset;
    char target_text[43];
    st_u256 received;
    uint64_t flows_in, visits, max_visits, hubs;
    st_u256 at_hubs;
    uint32_t max_hops;
    int cut;
    xe_share *sh;
    size_t nsh, capsh;
    uint64_t stack[XE_MAX_HOPS], stack_via[XE_MAX_HOPS];
    uint32_t stack_br[XE_MAX_HOPS];
    /* across THORChain (btc given) */
    const st_chain *btc;
    st_chain_cols k;
    st_tagmap *btm;          /* the tags resolved on the Bitcoin store */
    uint64_t btarget;        /* the Bitcoin target's address id, ST_CHAIN_NONE for an Ethereum one */
    char btarget_text[128];
    xe_bridge *br;
    size_t nbr, capbr;
};

void st_xexposure_free(st_xexposure *x) {
    if (!x) return;
    st_map64_free(&x->tags);
    st_free(x->sh);
    st_free(x->br);
    st_tagmap_free(x->btm);
    st_free(x);
}

static int credit(st_xexposure *x, const st_tag *tag, const st_u256 *w, uint32_t hops) {
    xe_share *s = NULL;
    for (size_t i = 0; i < x->nsh && !s; i++)
        if (!strcmp(x->sh[i].tag->label, tag->label)) s = &x->sh[i];
    if (!s) {
        if (x->nsh == x->capsh) {
            size_t nc = x->capsh ? x->capsh * 2 : 8;
            xe_share *v = st_realloc(x->sh, nc * sizeof *v);
            if (!v) return ST_ENOMEM;
            x->sh = v;
            x->capsh = nc;
        }
        s = &x->sh[x->nsh++];
        memset(s, 0, sizeof *s);
        s->tag = tag;
    }
    st_u256 *side = hops == 1 ? &s->direct : &s->indirect;
    (void)st_u256_add(side, side, w);
    /* keep the largest paths */
    size_t at = s->npaths;
    while (at > 0 && st_u256_cmp(&s->paths[at - 1].amount, w) < 0) at--;
    if (at >= XE_PATHS) return ST_OK;
    size_t last = s->npaths < XE_PATHS ? s->npaths : XE_PATHS - 1;
    memmove(&s->paths[at + 1], &s->paths[at], (last - at) * sizeof s->paths[0]);
    xe_path *p = &s->paths[at];
    p->amount = *w;
    p->hops = hops;
    for (uint32_t i = 0; i < hops; i++) {
        p->flows[i] = x->stack[hops - 1 - i];
        p->via[i] = x->stack_via[hops - 1 - i];
        p->bridge[i] = x->stack_br[hops - 1 - i];
    }
    if (s->npaths < XE_PATHS) s->npaths++;
    return ST_OK;
}

/* One node of the walk: amount w reached the target through flow f, hops
 * flows away; parent the node it was split from (-1 at the target). */
typedef struct xe_node {
    uint64_t flow;   /* an Ethereum flow, or XE_BTC | a Bitcoin output */
    st_u256 w;
    int64_t parent;
    uint64_t via;    /* Bitcoin: the transaction that spent the output toward the target */
    uint32_t bridge; /* 1 + the THORChain hop that led here, 0 none */
} xe_node;

typedef struct xe_level {
    xe_node *v;
    size_t n, cap;
    st_map64 at; /* flow -> index in v (paths that meet are merged) */
} xe_level;

static int level_add2(xe_level *l, uint64_t flow, const st_u256 *w, int64_t parent, uint64_t via, uint32_t br) {
    uint32_t i;
    if (st_map64_get(&l->at, flow, &i)) {
        (void)st_u256_add(&l->v[i].w, &l->v[i].w, w);
        return ST_OK;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 256;
        xe_node *v = st_realloc(l->v, nc * sizeof *v);
        if (!v) return ST_ENOMEM;
        l->v = v;
        l->cap = nc;
    }
    if (l->n >= UINT32_MAX - 1) return ST_ELIMIT;
    l->v[l->n] = (xe_node){flow, *w, parent, via, br};
    int rc = st_map64_put(&l->at, flow, (uint32_t)l->n);
    if (rc) return rc;
    l->n++;
    return ST_OK;
}

static int level_add(xe_level *l, uint64_t flow, const st_u256 *w, int64_t parent) {
    return level_add2(l, flow, w, parent, ST_CHAIN_NONE, 0);
}

/* ---- THORChain hops ----------------------------------------------------- */

/* The memo of Bitcoin transaction t's OP_RETURN output: 1 when it has one. */
static int btc_memo(const st_xexposure *x, uint64_t t, char *memo, size_t cap) {
    int has = 0;
    uint64_t o0, o1;
    st_chain_tx_outs(&x->k, t, &o0, &o1);
    for (uint64_t o = o0; o < o1 && !has; o++)
        has = x->k.out_type[o] == ST_SCRIPT_OP_RETURN;
    if (!has) return 0;
    uint8_t *raw;
    size_t len;
    st_error e2;
    if (st_chain_tx_raw(x->btc, t, &raw, &len, &e2)) return 0; /* a block file gone: its memo unknown */
    int found = xt_op_return_memo(raw, len, memo, cap);
    st_free(raw);
    return found;
}

/* Record (or find) the hop; returns its index + 1, 0 when out of memory. */
static uint32_t bridge_at(st_xexposure *x, int in_btc, uint64_t in_tx, uint64_t out_tx, const char *memo,
                          const char *out_memo, const st_u256 *w) {
    size_t i = 0;
    while (i < x->nbr && !(x->br[i].in_btc == in_btc && x->br[i].in_tx == in_tx && x->br[i].out_tx == out_tx)) i++;
    if (i == x->nbr) {
        if (x->nbr == x->capbr) {
            size_t nc = x->capbr ? x->capbr * 2 : 8;
            xe_bridge *v = st_realloc(x->br, nc * sizeof *v);
            if (!v) return 0;
            x->br = v;
            x->capbr = nc;
        }
        xe_bridge *b = &x->br[x->nbr++];
        memset(b, 0, sizeof *b);
        b->in_btc = in_btc;
        b->in_tx = in_tx;
        b->out_tx = out_tx;
        snprintf(b->memo, sizeof b->memo, "%s", memo);
        snprintf(b->out_memo, sizeof b->out_memo, "%s", out_memo);
    }
    (void)st_u256_add(&x->br[i].carried, &x->br[i].carried, w);
    return (uint32_t)i + 1;
}

/* Bitcoin transaction t carried w toward the target: split w over its
 * inputs into level l (parent p), or, when t is THORChain's payout for an
 * Ethereum inbound, over that inbound's sender's value flows. */
static int split_btc(st_xexposure *x, xe_level *l, uint64_t t, const st_u256 *w, int64_t p, uint32_t br) {
    char memo[256];
    st_thor_memo m;
    st_error e2;
    uint64_t etx;
    if (!br && x->e && btc_memo(x, t, memo, sizeof memo) && !st_thor_memo_parse(memo, strlen(memo), &m, &e2) &&
        m.kind != ST_THOR_SWAP) {
        char hx[67] = "0x";
        st_hex_encode(m.hash, 32, hx + 2);
        if (st_evm_find_tx(x->e, hx, &etx) == 1) {
            st_evm_tx tx;
            st_evm_get_tx(x->e, etx, &tx);
            st_u256 total = {{0, 0, 0, 0}};
            char in_memo[256] = "";
            for (uint64_t g = tx.first_flow; g < tx.first_flow + tx.nflows; g++) {
                st_evm_flow fl;
                st_evm_get_flow(x->e, g, &fl);
                if (fl.from == tx.from && fl.kind != ST_EVM_FEE) (void)st_u256_add(&total, &total, &fl.amount);
            }
            x->visits += tx.nflows;
            if (st_u256_is_zero(&total)) return ST_OK;
            size_t first, ne = st_evm_events_of_tx(x->ev, etx, &first);
            for (size_t q = 0; q < ne && !in_memo[0]; q++) {
                const st_evm_event *ev = st_evm_events_get(x->ev, first + q);
                st_evm_thor d;
                if (ev->kind == ST_EVM_EV_THOR_DEPOSIT && !st_evm_thor_decode(ev, &d))
                    snprintf(in_memo, sizeof in_memo, "%s", d.memo);
            }
            uint32_t b = bridge_at(x, 0, etx, t, in_memo, memo, w);
            if (!b) return ST_ENOMEM;
            const st_u256 *cap = st_u256_cmp(w, &total) < 0 ? w : &total;
            for (uint64_t g = tx.first_flow; g < tx.first_flow + tx.nflows; g++) {
                st_evm_flow fl;
                st_evm_get_flow(x->e, g, &fl);
                if (fl.from != tx.from || fl.kind == ST_EVM_FEE) continue;
                st_u256 share;
                (void)st_u256_muldiv(&share, cap, &fl.amount, &total);
                if (st_u256_is_zero(&share)) continue;
                int rc = level_add2(l, g, &share, p, t, b);
                if (rc) return rc;
            }
            return ST_OK;
        }
    }
    const st_chain_cols *k = &x->k;
    uint64_t i0, i1;
    st_chain_tx_ins(k, t, &i0, &i1);
    uint64_t total = (uint64_t)st_chain_spent_value(k, i0, i1);
    x->visits += i1 - i0;
    if (!total) return ST_OK;
    st_u256 tot = st_u256_from_u64(total);
    for (uint64_t i = i0; i < i1; i++) {
        uint64_t q = st_chain_prev(k, i);
        if (q == ST_CHAIN_NONE) continue;
        st_u256 v = st_u256_from_u64((uint64_t)k->out_value[q]), share;
        (void)st_u256_muldiv(&share, w, &v, &tot);
        if (st_u256_is_zero(&share)) continue;
        int rc = level_add2(l, XE_BTC | q, &share, p, t, br);
        if (rc) return rc;
    }
    return ST_OK;
}

/* Is Ethereum flow fl (the index g) THORChain's payout for a Bitcoin
 * inbound?  A router TransferOut in its transaction paying fl's payee
 * fl's amount with OUT:<txid> (or REFUND:) naming a transaction of the
 * Bitcoin store: 1 with *btx and the memo. */
static int eth_payout(const st_xexposure *x, const st_evm_flow *fl, uint64_t *btx, char *memo, size_t cap) {
    if (!x->btc || !x->ev || fl->tx == ST_EVM_NONE) return 0;
    size_t first, ne = st_evm_events_of_tx(x->ev, fl->tx, &first);
    for (size_t q = 0; q < ne; q++) {
        const st_evm_event *ev = st_evm_events_get(x->ev, first + q);
        st_evm_thor d;
        st_thor_memo m;
        st_error e2;
        uint64_t payee;
        if (ev->kind != ST_EVM_EV_THOR_TRANSFER_OUT || st_evm_thor_decode(ev, &d) ||
            st_thor_memo_parse(d.memo, strlen(d.memo), &m, &e2) || m.kind == ST_THOR_SWAP ||
            !st_evm_find_addr(x->e, d.to, &payee) || payee != fl->to || st_u256_cmp(&d.amount, &fl->amount))
            continue;
        char hx[65];
        uint8_t h[32];
        st_hex_encode(m.hash, 32, hx);
        if (st_chain_hash_parse(hx, h) || !st_chain_find_tx(x->btc, h, btx)) continue;
        snprintf(memo, cap, "%s", d.memo);
        return 1;
    }
    return 0;
}

/* Level by level: the flows that carried value to the target, merged per
 * flow, so paths that meet are walked on once.  Every node and every flow
 * read to split it counts as a visit. */
/* The path to node i of level d, from the tagged source back to the
 * target, into x's stacks (what credit reports). */
static void path_to(st_xexposure *x, const xe_level *lv, size_t d, size_t i) {
    int64_t k = (int64_t)i;
    for (size_t h = d + 1; h-- > 0;) {
        x->stack[h] = lv[h].v[k].flow;
        x->stack_via[h] = lv[h].v[k].via;
        x->stack_br[h] = lv[h].v[k].bridge;
        k = lv[h].v[k].parent;
    }
}

static int walk(st_xexposure *x, xe_level *lv, size_t nlv) {
    int rc = ST_OK;
    for (size_t d = 0; d < nlv && !x->cut; d++) {
        xe_level *l = &lv[d];
        for (size_t i = 0; i < l->n && !x->cut; i++) {
            if (++x->visits >= x->max_visits) {
                x->cut = 1;
                break;
            }
            xe_node *nd = &l->v[i];
            if (nd->flow & XE_BTC) {
                uint64_t q = nd->flow & ~XE_BTC, a = st_chain_out_address(&x->k, q);
                int64_t bwhen = (int64_t)st_chain_block_time(x->btc, st_chain_tx_blockpos(&x->k, nd->via));
                const st_tag *tg = a == ST_CHAIN_NONE || a == x->btarget || !x->btm ? NULL
                                                                                     : st_tagmap_find(x->btm, a, bwhen, NULL);
                if (tg) {
                    path_to(x, lv, d, i);
                    if ((rc = credit(x, tg, &nd->w, (uint32_t)d + 1))) return rc;
                    continue;
                }
                uint64_t t = st_chain_out_tx(x->btc, q);
                if (d + 1 >= nlv || st_u256_is_zero(&nd->w) || st_chain_is_coinbase(&x->k, t)) continue;
                if ((rc = split_btc(x, &lv[d + 1], t, &nd->w, (int64_t)i, 0))) return rc;
                continue;
            }
            st_evm_flow fl;
            st_evm_get_flow(x->e, nd->flow, &fl);
            uint32_t ti;
            int64_t when = st_evm_events_block_time(x->ev, fl.block);
            if (fl.from != ST_EVM_NONE && st_map64_get(&x->tags, fl.from, &ti) &&
                (when < 0 || st_tag_valid_at(st_tagset_get(x->ts, ti), when))) {
                path_to(x, lv, d, i); /* from the tagged source to the target */
                if ((rc = credit(x, st_tagset_get(x->ts, ti), &nd->w, (uint32_t)d + 1))) return rc;
                continue;
            }
            if (fl.from == ST_EVM_NONE || fl.from == x->target || d + 1 >= nlv || st_u256_is_zero(&nd->w)) continue;
            uint64_t btx;
            char om[256];
            if (x->btc && !nd->bridge && eth_payout(x, &fl, &btx, om, sizeof om)) {
                char im[256] = "";
                (void)btc_memo(x, btx, im, sizeof im);
                uint32_t b = bridge_at(x, 1, btx, fl.tx, im, om, &nd->w);
                if (!b) return ST_ENOMEM;
                if ((rc = split_btc(x, &lv[d + 1], btx, &nd->w, (int64_t)i, b))) return rc;
                continue;
            }
            uint64_t n = st_evm_addr_nflows(x->e, fl.from);
            if (n > XE_HUB) { /* an untagged hub: what came through it stays unattributed */
                x->hubs++;
                (void)st_u256_add(&x->at_hubs, &x->at_hubs, &nd->w);
                continue;
            }
            st_u256 total = {{0, 0, 0, 0}};
            uint64_t before = 0;
            for (uint64_t q = 0; q < n; q++, before++) {
                uint64_t g = st_evm_addr_flow(x->e, fl.from, q);
                if (g >= nd->flow) break;
                st_evm_flow h;
                st_evm_get_flow(x->e, g, &h);
                if (h.to == fl.from && h.from != fl.from && h.asset == fl.asset) (void)st_u256_add(&total, &total, &h.amount);
            }
            x->visits += before;
            if (st_u256_is_zero(&total)) continue; /* held before the store's first block */
            const st_u256 *cap = st_u256_cmp(&nd->w, &total) < 0 ? &nd->w : &total;
            for (uint64_t q = 0; q < before; q++) {
                uint64_t g = st_evm_addr_flow(x->e, fl.from, q);
                st_evm_flow h;
                st_evm_get_flow(x->e, g, &h);
                if (h.to != fl.from || h.from == fl.from || h.asset != fl.asset) continue;
                st_u256 share;
                (void)st_u256_muldiv(&share, cap, &h.amount, &total);
                if (st_u256_is_zero(&share)) continue;
                if ((rc = level_add(&lv[d + 1], g, &share, (int64_t)i))) return rc;
            }
        }
    }
    return ST_OK;
}

int st_xexposure_run(const st_evm *e, const st_evm_events *ev, const st_tagset *tags, const char *address,
                     const char *asset, uint32_t max_hops, uint64_t max_visits, st_xexposure **out, st_error *err) {
    return st_xexposure_run_x(e, ev, NULL, tags, address, asset, max_hops, max_visits, out, err);
}

int st_xexposure_run_x(const st_evm *e, const st_evm_events *ev, const st_chain *btc, const st_tagset *tags,
                       const char *address, const char *asset, uint32_t max_hops, uint64_t max_visits,
                       st_xexposure **out, st_error *err) {
    *out = NULL;
    uint8_t a[20];
    int on_btc = btc && st_evm_addr_parse(address, a);
    if (!on_btc && st_evm_addr_parse(address, a))
        return st_error_set(err, ST_EINVAL, "'%s' is not an Ethereum address", address);
    st_xexposure *x = st_calloc(1, sizeof *x);
    if (!x) return st_error_set(err, ST_ENOMEM, "out of memory");
    x->e = e;
    x->ev = ev;
    x->ts = tags;
    x->btc = btc;
    x->btarget = ST_CHAIN_NONE;
    x->max_hops = max_hops ? (max_hops > XE_MAX_HOPS ? XE_MAX_HOPS : max_hops) : 5;
    x->max_visits = max_visits ? max_visits : 1000000;
    int rc = ST_OK;
    if (btc) {
        st_chain_get_cols(btc, &x->k);
        if (tags && (rc = st_tagmap_new(&x->btm, tags, btc, NULL, NULL))) goto oom;
    }
    if (on_btc) {
        x->target = ST_EVM_NONE;
        if (!st_chain_find_addr(btc, address, &x->btarget)) {
            rc = st_error_set(err, ST_ENOTFOUND, "unknown address %s (never seen in the Bitcoin store)", address);
            goto fail;
        }
        snprintf(x->btarget_text, sizeof x->btarget_text, "%s", address);
        if (asset && strcmp(asset, "BTC")) {
            rc = st_error_set(err, ST_EINVAL, "a Bitcoin address receives BTC only (not %s)", asset);
            goto fail;
        }
    } else if (!st_evm_find_addr(e, a, &x->target)) {
        rc = st_error_set(err, ST_ENOTFOUND, "unknown address %s (never seen in the Ethereum store)", address);
        goto fail;
    }
    if (!on_btc) st_evm_addr_format(a, x->target_text);
    x->asset = 0;
    if (!on_btc && asset && strcmp(asset, "ETH")) {
        uint8_t ta[20];
        st_evm_stats s;
        st_evm_get_stats(e, &s);
        x->asset = ST_EVM_NONE;
        char want[43], t[43];
        if (!st_evm_addr_parse(asset, ta)) {
            st_evm_addr_format(ta, want);
            for (uint64_t i = 1; i < s.assets; i++) {
                st_evm_asset_text(e, i, t);
                if (!strcmp(t, want)) x->asset = i;
            }
        }
        if (x->asset == ST_EVM_NONE) {
            rc = st_error_set(err, ST_ENOTFOUND, "'%s' is not a token of the Ethereum store (ETH or its contract)",
                              asset);
            goto fail;
        }
    }
    for (size_t i = 0; tags && i < st_tagset_count(tags); i++) {
        const st_tag *t = st_tagset_get(tags, i);
        uint8_t b[20];
        uint64_t id;
        uint32_t prev;
        if (st_evm_addr_parse(t->address, b) || !st_evm_find_addr(e, b, &id) || id == x->target) continue;
        if (!st_map64_get(&x->tags, id, &prev) && (rc = st_map64_put(&x->tags, id, (uint32_t)i))) goto oom;
    }
    xe_level lv[XE_MAX_HOPS];
    memset(lv, 0, sizeof lv);
    if (on_btc) /* every output the address received, split over its transaction's inputs */
        for (uint64_t o = st_chain_addr_first_out(btc, x->btarget); o != ST_CHAIN_NONE && !rc; o = st_chain_next_out(&x->k, o)) {
            uint64_t t = st_chain_out_tx(btc, o);
            st_u256 v = st_u256_from_u64((uint64_t)x->k.out_value[o]);
            (void)st_u256_add(&x->received, &x->received, &v);
            x->flows_in++;
            if (!st_chain_is_coinbase(&x->k, t)) rc = split_btc(x, &lv[0], t, &v, -1, 0);
        }
    uint64_t n = on_btc ? 0 : st_evm_addr_nflows(e, x->target);
    for (uint64_t i = 0; i < n && !rc; i++) {
        uint64_t f = st_evm_addr_flow(e, x->target, i);
        st_evm_flow fl;
        st_evm_get_flow(e, f, &fl);
        if (fl.to != x->target || fl.from == x->target || fl.asset != x->asset) continue;
        (void)st_u256_add(&x->received, &x->received, &fl.amount);
        x->flows_in++;
        rc = level_add(&lv[0], f, &fl.amount, -1);
    }
    if (!rc) rc = walk(x, lv, x->max_hops);
    for (size_t d = 0; d < XE_MAX_HOPS; d++) {
        st_free(lv[d].v);
        st_map64_free(&lv[d].at);
    }
    if (rc) goto oom;
    *out = x;
    return ST_OK;
oom:
    rc = st_error_set(err, ST_ENOMEM, "out of memory");
fail:
    st_xexposure_free(x);
    return rc;
}

int st_xexposure_cut(const st_xexposure *x) { return x->cut; }

static json_t *dec(const st_u256 *v) {
    char t[ST_U256_TEXT];
    return json_string(st_u256_format(v, t));
}

/* {protocol, in_chain, in_tx, out_chain, out_tx, memo, out_memo, carried}:
 * carried is how much of the target's amount went across (its unit). */
static json_t *bridge_json(const st_xexposure *x, size_t i) {
    const xe_bridge *b = &x->br[i];
    json_t *o = json_object();
    char tid[65], hx[67] = "0x";
    st_evm_tx t;
    st_evm_get_tx(x->e, b->in_btc ? b->out_tx : b->in_tx, &t);
    st_hex_encode(t.hash, 32, hx + 2);
    st_chain_hash_hex(x->k.tx_hash[b->in_btc ? b->in_tx : b->out_tx], tid);
    json_object_set_new(o, "protocol", json_string("thorchain"));
    json_object_set_new(o, "in_chain", json_string(b->in_btc ? "bitcoin" : "ethereum"));
    json_object_set_new(o, "in_tx", json_string(b->in_btc ? tid : hx));
    json_object_set_new(o, "out_chain", json_string(b->in_btc ? "ethereum" : "bitcoin"));
    json_object_set_new(o, "out_tx", json_string(b->in_btc ? hx : tid));
    json_object_set_new(o, "memo", json_string(b->memo));
    json_object_set_new(o, "out_memo", json_string(b->out_memo));
    json_object_set_new(o, "carried", dec(&b->carried));
    return o;
}

int st_xexposure_json(const st_xexposure *x, json_t **out) {
    json_t *j = json_object(), *srcs = json_array();
    if (!j || !srcs) {
        json_decref(j);
        json_decref(srcs);
        return ST_ENOMEM;
    }
    char at[43];
    int on_btc = x->btarget != ST_CHAIN_NONE;
    if (on_btc) snprintf(at, sizeof at, "BTC");
    else st_evm_asset_text(x->e, x->asset, at);
    const char *tt = on_btc ? x->btarget_text : x->target_text;
    json_object_set_new(j, "chain", json_string(on_btc ? "bitcoin" : "ethereum"));
    json_object_set_new(j, "address", json_string(tt));
    json_object_set_new(j, "asset", json_string(at));
    json_object_set_new(j, "received", dec(&x->received));
    json_object_set_new(j, "flows_in", json_integer((json_int_t)x->flows_in));
    st_u256 d = {{0, 0, 0, 0}}, ind = {{0, 0, 0, 0}};
    for (size_t i = 0; i < x->nsh; i++) {
        const xe_share *s = &x->sh[i];
        (void)st_u256_add(&d, &d, &s->direct);
        (void)st_u256_add(&ind, &ind, &s->indirect);
        json_t *o = json_object(), *paths = json_array();
        json_object_set_new(o, "label", json_string(s->tag->label));
        json_object_set_new(o, "category", json_string(s->tag->category));
        json_object_set_new(o, "source", json_string(s->tag->source));
        json_object_set_new(o, "direct", dec(&s->direct));
        json_object_set_new(o, "indirect", dec(&s->indirect));
        for (size_t p = 0; p < s->npaths; p++) {
            json_t *po = json_object(), *txs = json_array(), *addrs = json_array();
            json_t *chains = x->btc ? json_array() : NULL, *hops = x->btc ? json_array() : NULL;
            json_object_set_new(po, "amount", dec(&s->paths[p].amount));
            json_object_set_new(po, "hops", json_integer(s->paths[p].hops));
            for (uint32_t h = 0; h < s->paths[p].hops; h++) {
                const xe_path *pa = &s->paths[p];
                if (pa->bridge[h]) json_array_append_new(hops, bridge_json(x, pa->bridge[h] - 1));
                if (chains) json_array_append_new(chains, json_string(pa->flows[h] & XE_BTC ? "bitcoin" : "ethereum"));
                if (pa->flows[h] & XE_BTC) {
                    char tid[65], ad[128] = "";
                    uint64_t q = pa->flows[h] & ~XE_BTC;
                    st_chain_hash_hex(x->k.tx_hash[pa->via[h]], tid);
                    json_array_append_new(txs, json_string(tid));
                    st_chain_addr_text(x->btc, st_chain_out_address(&x->k, q), ad, sizeof ad);
                    json_array_append_new(addrs, ad[0] ? json_string(ad) : json_null());
                    continue;
                }
                st_evm_flow fl;
                st_evm_get_flow(x->e, s->paths[p].flows[h], &fl);
                char hx[67] = "0x", ad[43];
                if (fl.tx != ST_EVM_NONE) {
                    st_evm_tx t;
                    st_evm_get_tx(x->e, fl.tx, &t);
                    st_hex_encode(t.hash, 32, hx + 2);
                    json_array_append_new(txs, t.has_hash ? json_string(hx) : json_null());
                } else json_array_append_new(txs, json_null());
                st_evm_addr_text(x->e, fl.from, ad);
                json_array_append_new(addrs, json_string(ad));
            }
            json_array_append_new(addrs, json_string(tt));
            json_object_set_new(po, "txs", txs);
            json_object_set_new(po, "addresses", addrs);
            if (chains) {
                json_object_set_new(po, "chains", chains);
                json_object_set_new(po, "bridges", hops);
            }
            json_array_append_new(paths, po);
        }
        json_object_set_new(o, "paths", paths);
        json_array_append_new(srcs, o);
    }
    json_object_set_new(j, "direct", dec(&d));
    json_object_set_new(j, "indirect", dec(&ind));
    json_object_set_new(j, "by_source", srcs);
    json_object_set_new(j, "hubs_not_walked", json_integer((json_int_t)x->hubs));
    json_object_set_new(j, "unattributed_at_hubs", dec(&x->at_hubs));
    if (x->btc) {
        json_t *bs = json_array();
        for (size_t i = 0; i < x->nbr; i++) json_array_append_new(bs, bridge_json(x, i));
        json_object_set_new(j, "bridges", bs);
    }
    json_object_set_new(j, "visits", json_integer((json_int_t)x->visits));
    json_object_set_new(j, "cut", json_boolean(x->cut));
    *out = j;
    return ST_OK;
}
