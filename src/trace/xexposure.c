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
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/map64.h"
#include "sanctrace/xtrace.h"

#define XE_MAX_HOPS 16
#define XE_PATHS 3
#define XE_HUB 10000 /* an unlabelled address with more flows is a service nobody tagged: not walked through */

typedef struct xe_path {
    st_u256 amount;
    uint32_t hops;
    uint64_t flows[XE_MAX_HOPS]; /* from the tagged source to the target */
} xe_path;

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
    uint64_t stack[XE_MAX_HOPS];
};

void st_xexposure_free(st_xexposure *x) {
    if (!x) return;
    st_map64_free(&x->tags);
    st_free(x->sh);
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
    for (uint32_t i = 0; i < hops; i++) p->flows[i] = x->stack[hops - 1 - i];
    if (s->npaths < XE_PATHS) s->npaths++;
    return ST_OK;
}

/* One node of the walk: amount w reached the target through flow f, hops
 * flows away; parent the node it was split from (-1 at the target). */
typedef struct xe_node {
    uint64_t flow;
    st_u256 w;
    int64_t parent;
} xe_node;

typedef struct xe_level {
    xe_node *v;
    size_t n, cap;
    st_map64 at; /* flow -> index in v (paths that meet are merged) */
} xe_level;

static int level_add(xe_level *l, uint64_t flow, const st_u256 *w, int64_t parent) {
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
    l->v[l->n] = (xe_node){flow, *w, parent};
    int rc = st_map64_put(&l->at, flow, (uint32_t)l->n);
    if (rc) return rc;
    l->n++;
    return ST_OK;
}

/* Level by level: the flows that carried value to the target, merged per
 * flow, so paths that meet are walked on once.  Every node and every flow
 * read to split it counts as a visit. */
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
            st_evm_flow fl;
            st_evm_get_flow(x->e, nd->flow, &fl);
            uint32_t ti;
            int64_t when = st_evm_events_block_time(x->ev, fl.block);
            if (fl.from != ST_EVM_NONE && st_map64_get(&x->tags, fl.from, &ti) &&
                (when < 0 || st_tag_valid_at(st_tagset_get(x->ts, ti), when))) {
                /* the path, from the tagged source to the target */
                int64_t k = (int64_t)i;
                for (size_t h = d + 1; h-- > 0;) {
                    x->stack[h] = lv[h].v[k].flow;
                    k = lv[h].v[k].parent;
                }
                if ((rc = credit(x, st_tagset_get(x->ts, ti), &nd->w, (uint32_t)d + 1))) return rc;
                continue;
            }
            if (fl.from == ST_EVM_NONE || fl.from == x->target || d + 1 >= nlv || st_u256_is_zero(&nd->w)) continue;
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
    *out = NULL;
    uint8_t a[20];
    if (st_evm_addr_parse(address, a)) return st_error_set(err, ST_EINVAL, "'%s' is not an Ethereum address", address);
    st_xexposure *x = st_calloc(1, sizeof *x);
    if (!x) return st_error_set(err, ST_ENOMEM, "out of memory");
    x->e = e;
    x->ev = ev;
    x->ts = tags;
    x->max_hops = max_hops ? (max_hops > XE_MAX_HOPS ? XE_MAX_HOPS : max_hops) : 5;
    x->max_visits = max_visits ? max_visits : 1000000;
    int rc = ST_OK;
    if (!st_evm_find_addr(e, a, &x->target)) {
        rc = st_error_set(err, ST_ENOTFOUND, "unknown address %s (never seen in the Ethereum store)", address);
        goto fail;
    }
    st_evm_addr_format(a, x->target_text);
    x->asset = 0;
    if (asset && strcmp(asset, "ETH")) {
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
    uint64_t n = st_evm_addr_nflows(e, x->target);
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

int st_xexposure_json(const st_xexposure *x, json_t **out) {
    json_t *j = json_object(), *srcs = json_array();
    if (!j || !srcs) {
        json_decref(j);
        json_decref(srcs);
        return ST_ENOMEM;
    }
    char at[43];
    st_evm_asset_text(x->e, x->asset, at);
    json_object_set_new(j, "chain", json_string("ethereum"));
    json_object_set_new(j, "address", json_string(x->target_text));
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
            json_object_set_new(po, "amount", dec(&s->paths[p].amount));
            json_object_set_new(po, "hops", json_integer(s->paths[p].hops));
            for (uint32_t h = 0; h < s->paths[p].hops; h++) {
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
            json_array_append_new(addrs, json_string(x->target_text));
            json_object_set_new(po, "txs", txs);
            json_object_set_new(po, "addresses", addrs);
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
    json_object_set_new(j, "visits", json_integer((json_int_t)x->visits));
    json_object_set_new(j, "cut", json_boolean(x->cut));
    *out = j;
    return ST_OK;
}
