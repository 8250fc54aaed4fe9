/*
 * exposure.c - how much of what an address (or cluster) received comes
 * from tagged sources, directly or through unlabelled intermediaries.
 *
 * Design: a depth-first walk backwards from every output the target
 * received.  Each step splits the amount over the spending transaction's
 * inputs in proportion to their values (haircut backwards, floor() in
 * integer satoshis, so shares never exceed what was received).  The walk
 * stops at the first tagged address on a path (the service that sent the
 * value, as commercial tools define exposure), at the hop limit, at
 * coinbases, and when a share rounds to zero.  "Direct" means the tagged
 * address paid the target itself (1 hop); "indirect" means through
 * unlabelled addresses.  A visit counter bounds the work and the result
 * says when it was cut.  Inputs from the target's own cluster are walked
 * through but never counted as exposure.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/trace.h"

#define EX_MAX_HOPS 16

typedef struct ex_ctx {
    const st_chain *c;
    st_chain_cols k;
    const st_exposure_opts *o;
    st_exposure_result *r;
    size_t cap_shares;
    uint64_t target_cluster;
    const char *target_label;
    uint64_t path[EX_MAX_HOPS];
    uint32_t max_hops;
    uint64_t max_visits;
    size_t max_paths;
} ex_ctx;


/* Shares are grouped by source: tag label and category (a TagPack tags
 * each address separately; an investigator asks about the service). */
static int record(ex_ctx *x, const st_tag *tag, int64_t amt, uint32_t depth, uint64_t src_out) {
    st_exposure_result *r = x->r;
    size_t si = r->nshares;
    for (size_t i = 0; i < r->nshares; i++)
        if (!strcmp(r->shares[i].tag->label, tag->label) && !strcmp(r->shares[i].tag->category, tag->category)) {
            si = i;
            break;
        }
    if (si == r->nshares) {
        if (r->nshares == x->cap_shares) {
            size_t nc = x->cap_shares ? x->cap_shares * 2 : 16;
            st_exposure_share *p = st_realloc(r->shares, nc * sizeof *p);
            if (!p) return ST_ENOMEM;
            r->shares = p;
            x->cap_shares = nc;
        }
        st_exposure_share *s = &r->shares[r->nshares];
        memset(s, 0, sizeof *s);
        s->tag = tag;
        s->paths = st_calloc(x->max_paths, sizeof *s->paths);
        if (!s->paths) return ST_ENOMEM;
        r->nshares++;
    }
    st_exposure_share *s = &r->shares[si];
    if (depth == 1) s->direct += amt;
    else s->indirect += amt;
    /* keep the largest paths, largest first */
    size_t pos = s->npaths;
    while (pos > 0 && s->paths[pos - 1].amount < amt) pos--;
    if (pos >= x->max_paths) return ST_OK;
    size_t last = s->npaths < x->max_paths ? s->npaths : x->max_paths - 1;
    memmove(&s->paths[pos + 1], &s->paths[pos], (last - pos) * sizeof *s->paths);
    if (s->npaths < x->max_paths) s->npaths++;
    st_exposure_path *p = &s->paths[pos];
    memset(p, 0, sizeof *p);
    p->amount = amt;
    p->hops = depth;
    p->source_out = src_out;
    for (uint32_t i = 0; i < depth; i++) p->txs[i] = x->path[depth - 1 - i]; /* source side first */
    return ST_OK;
}

static int walk(ex_ctx *x, uint64_t t, int64_t amt, uint32_t depth) {
    const st_chain_cols *k = &x->k;
    x->path[depth - 1] = t;
    uint64_t i0, i1;
    st_chain_tx_ins(k, t, &i0, &i1);
    int64_t total = st_chain_spent_value(k, i0, i1);
    if (total <= 0) return ST_OK;
    int64_t when = (int64_t)st_chain_block_time(x->c, st_chain_tx_blockpos(k, t));
    for (uint64_t i = i0; i < i1; i++) {
        uint64_t p = st_chain_prev(k, i);
        if (p == ST_CHAIN_NONE) continue;
        int64_t share = (int64_t)((__int128)amt * k->out_value[p] / total);
        if (share <= 0) continue;
        if (++x->r->visits > x->max_visits) {
            x->r->cut = 1;
            return ST_OK;
        }
        uint64_t a = st_chain_out_address(k, p);
        int own = x->o->cl && a != ST_CHAIN_NONE && x->target_cluster != ST_CHAIN_NONE &&
                  st_clusters_id(x->o->cl, a) == x->target_cluster;
        const st_tag *tag = own || !x->o->tags ? NULL : st_tagmap_find(x->o->tags, a, when, NULL);
        if (tag && x->target_label && !strcmp(tag->label, x->target_label)) tag = NULL; /* itself */
        if (tag) {
            int rc = record(x, tag, share, depth, p);
            if (rc) return rc;
            continue;
        }
        uint64_t tp = st_chain_out_tx(x->c, p);
        if (depth < x->max_hops && tp != ST_CHAIN_NONE && !st_chain_is_coinbase(k, tp)) {
            int rc = walk(x, tp, share, depth + 1);
            if (rc) return rc;
            if (x->r->cut) return ST_OK;
        }
    }
    return ST_OK;
}

void st_exposure_result_free(st_exposure_result *r) {
    if (!r) return;
    for (size_t i = 0; i < r->nshares; i++) st_free(r->shares[i].paths);
    st_free(r->shares);
    st_free(r);
}

static int share_cmp(const void *a, const void *b) {
    const st_exposure_share *p = a, *q = b;
    int64_t x = p->direct + p->indirect, y = q->direct + q->indirect;
    return x > y ? -1 : x < y;
}

int st_exposure_run(const st_chain *c, const uint64_t *addrs, size_t n,
                    const st_exposure_opts *opts, st_exposure_result **out, st_error *err) {
    *out = NULL;
    ex_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.o = opts;
    st_chain_get_cols(c, &x.k);
    x.max_hops = opts->max_hops ? opts->max_hops : 5;
    if (x.max_hops > EX_MAX_HOPS) x.max_hops = EX_MAX_HOPS;
    x.max_visits = opts->max_visits ? opts->max_visits : 1000000;
    x.max_paths = opts->max_paths ? opts->max_paths : 3;
    x.target_cluster = n && opts->cl ? st_clusters_id(opts->cl, addrs[0]) : ST_CHAIN_NONE;
    int rc = ST_OK;
    x.r = st_calloc(1, sizeof *x.r);
    if (!x.r) { rc = ST_ENOMEM; goto out; }
    for (size_t j = 0; j < n && !rc && !x.r->cut; j++) {
        if (addrs[j] >= x.k.naddr) { rc = st_error_set(err, ST_EINVAL, "address id out of range"); break; }
        for (uint64_t o = st_chain_addr_first_out(c, addrs[j]); o != ST_CHAIN_NONE; o = st_chain_next_out(&x.k, o)) {
            uint64_t t = st_chain_out_tx(c, o);
            x.r->received += x.k.out_value[o];
            x.r->outputs++;
            if (!x.target_label && opts->tags) {
                const st_tag *own = st_tagmap_find(opts->tags, addrs[j], (int64_t)st_chain_block_time(c, st_chain_tx_blockpos(&x.k, t)), NULL);
                if (own) x.target_label = own->label;
            }
            if (st_chain_is_coinbase(&x.k, t) || x.r->cut) continue;
            if ((rc = walk(&x, t, x.k.out_value[o], 1))) break;
        }
    }
out:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory during exposure");
    if (rc) {
        st_exposure_result_free(x.r);
        return rc;
    }
    if (x.r->nshares) qsort(x.r->shares, x.r->nshares, sizeof *x.r->shares, share_cmp);
    *out = x.r;
    return ST_OK;
}

const char *st_exposure_risk(const st_exposure_result *r) {
    int level = 0; /* 0 none, 1 low, 2 medium, 3 high, 4 severe */
    for (size_t i = 0; i < r->nshares; i++) {
        const st_exposure_share *s = &r->shares[i];
        const char *cat = s->tag->category;
        int64_t amt = s->direct + s->indirect;
        int l;
        if (!strcmp(cat, "sanctioned")) l = s->direct > 0 ? 4 : 3;
        else if (!strcmp(cat, "theft")) l = (r->received > 0 && amt * 100 >= r->received) ? 3 : 2;
        else if (!strcmp(cat, "exchange") || !strcmp(cat, "other") || !strcmp(cat, "user") ||
                 !strcmp(cat, "miner") || !strcmp(cat, "wallet_service"))
            l = 1;
        else l = 2; /* mixer, gambling, ransomware, scam, ... */
        if (l > level) level = l;
    }
    static const char *const names[] = {"none", "low", "medium", "high", "severe"};
    return names[level];
}
