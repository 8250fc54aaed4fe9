/*
 * xtrace.c - one trace over both stores: the sources resolved on each
 * chain, the account walk on Ethereum (account.c), then the Bitcoin walk
 * (taint.c) from the Bitcoin sources and whatever bridges paid into it.
 *
 * Design: the Ethereum side runs first because bridges in this direction
 * (Ethereum -> THORChain -> Bitcoin) hand their outbound payments to the
 * Bitcoin walk as partly tainted source outputs; the totals of both walks
 * land in one table keyed by (chain, asset), so conservation is checked
 * across the hop: what left Ethereum as `out` reaches Bitcoin as `in`
 * (in the other asset's units, at the rate THORChain paid).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "trace/xtrace_int.h"

xt_total *xt_total_of(st_xtrace *x, int chain, uint64_t asset) {
    for (size_t i = 0; i < x->ntot; i++)
        if (x->tot[i].chain == chain && x->tot[i].asset == asset) return &x->tot[i];
    if (x->ntot == x->captot) {
        size_t nc = x->captot ? x->captot * 2 : 8;
        xt_total *t = st_realloc(x->tot, nc * sizeof *t);
        if (!t) return NULL;
        x->tot = t;
        x->captot = nc;
    }
    xt_total *t = &x->tot[x->ntot++];
    memset(t, 0, sizeof *t);
    t->chain = chain;
    t->asset = asset;
    return t;
}

int xt_add(st_xtrace *x, int chain, uint64_t asset, int which, const st_u256 *v) {
    if (st_u256_is_zero(v)) return ST_OK;
    xt_total *t = xt_total_of(x, chain, asset);
    if (!t) return ST_ENOMEM;
    (void)st_u256_add(&t->v[which], &t->v[which], v);
    return ST_OK;
}

const st_tag *xt_evm_tag(const st_xtrace *x, uint64_t addr) {
    uint32_t i;
    if (!x->o.tags || addr == ST_EVM_NONE || !st_map64_get(&x->tagmap, addr, &i)) return NULL;
    return st_tagset_get(x->o.tags, i);
}

const st_tag *xt_evm_tag_at(const st_xtrace *x, uint64_t addr, uint64_t block) {
    const st_tag *t = xt_evm_tag(x, addr);
    if (!t) return NULL;
    int64_t when = st_evm_events_block_time(x->o.events, block);
    return when < 0 || st_tag_valid_at(t, when) ? t : NULL; /* no date known: the tag holds */
}

int xt_is_source_tag(const st_xtrace *x, const st_tag *t) {
    for (size_t i = 0; i < x->nsrc_labels; i++)
        if (!strcmp(x->src_labels[i], t->label)) return 1;
    return 0;
}

int xt_note_cut(st_xtrace *x, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    x->cut = 1;
    if (x->ncut >= 1000) return ST_OK;
    char **v = st_realloc(x->cut_notes, (x->ncut + 1) * sizeof *v);
    if (!v) return ST_ENOMEM;
    x->cut_notes = v;
    if (!(v[x->ncut] = st_strdup(buf))) return ST_ENOMEM;
    x->ncut++;
    return ST_OK;
}

int xt_note(st_xtrace *x, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (x->nnotes >= 1000) return ST_OK;
    char **v = st_realloc(x->notes, (x->nnotes + 1) * sizeof *v);
    if (!v) return ST_ENOMEM;
    x->notes = v;
    if (!(v[x->nnotes] = st_strdup(buf))) return ST_ENOMEM;
    x->nnotes++;
    return ST_OK;
}

void st_xtrace_free(st_xtrace *x) {
    if (!x) return;
    for (size_t i = 0; i < x->nacc; i++) st_free(x->acc[i].q);
    st_free(x->acc);
    st_map64_free(&x->amap);
    st_map64_free(&x->tagmap);
    st_map64_free(&x->src_tx);
    st_map64_free(&x->src_addr);
    st_free(x->tracked);
    st_free(x->src_labels);
    st_free(x->src);
    st_free(x->tot);
    st_free(x->svc);
    st_free(x->edges);
    st_free(x->swaps);
    st_free(x->mix);
    st_map64_free(&x->bridge_by_tx);
    st_map64_free(&x->refundpend);
    st_free(x->mixwd);
    st_map64_free(&x->mixpend);
    for (size_t i = 0; i < x->nbr; i++) {
        st_free(x->br[i].memo);
        st_free(x->br[i].out_memo);
    }
    st_free(x->br);
    st_free(x->tmp);
    for (size_t i = 0; i < x->ncut; i++) st_free(x->cut_notes[i]);
    st_free(x->cut_notes);
    for (size_t i = 0; i < x->nnotes; i++) st_free(x->notes[i]);
    st_free(x->notes);
    st_free(x->bsrc);
    st_free(x->inj);
    xt_ob_free(x);
    st_tagmap_free(x->own_tm);
    st_tagset_free(x->own_ts);
    st_free(x->btaint);
    st_free(x->btext);
    st_trace_result_free(x->bt);
    st_free(x);
}

int st_xtrace_cut(const st_xtrace *x) { return x->cut || (x->bt && x->bt->cut); }

/* ---- sources ---------------------------------------------------------- */

static int add_source(st_xtrace *x, xt_srckind kind, uint64_t tx, uint64_t addr, int64_t block, const char *text) {
    xt_source *v = st_realloc(x->src, (x->nsrc + 1) * sizeof *v);
    if (!v) return ST_ENOMEM;
    x->src = v;
    v[x->nsrc++] = (xt_source){kind, tx, addr, block, text};
    return ST_OK;
}

static int add_label(st_xtrace *x, const char *label) {
    const char **v = st_realloc(x->src_labels, (x->nsrc_labels + 1) * sizeof *v);
    if (!v) return ST_ENOMEM;
    x->src_labels = v;
    v[x->nsrc_labels++] = label;
    return ST_OK;
}

static int is_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (st_hex_digit((unsigned char)s[i]) < 0) return 0;
    return 1;
}

static int evm_addr(const st_xtrace *x, const char *text, size_t n, const char *whole, uint64_t *id, st_error *err) {
    char buf[43];
    uint8_t a[20];
    if (n != 42) return st_error_set(err, ST_EINVAL, "source '%s': an Ethereum address is 0x and 40 hex digits", whole);
    memcpy(buf, text, 42);
    buf[42] = 0;
    if (st_evm_addr_parse(buf, a)) return st_error_set(err, ST_EINVAL, "source '%s': '%s' is not an address", whole, buf);
    if (!st_evm_find_addr(x->e, a, id))
        return st_error_set(err, ST_ENOTFOUND, "source '%s': unknown address %s (never seen in the Ethereum store)",
                            whole, buf);
    return ST_OK;
}

static int need_evm(const st_xtrace *x, const char *text, st_error *err) {
    if (x->e) return ST_OK;
    return st_error_set(err, ST_EINVAL, "source '%s' is on Ethereum: give the Ethereum store (--evm-db)", text);
}

/* Tag sources: every tagged Ethereum address of that name; 1 when any. */
static int evm_tag_source(st_xtrace *x, const char *text, int *found) {
    *found = 0;
    if (!x->o.tags || !x->e) return ST_OK;
    for (size_t i = 0; i < st_tagset_count(x->o.tags); i++) {
        const st_tag *t = st_tagset_get(x->o.tags, i);
        if (strcasecmp(t->label, text) && strcasecmp(t->actor, text) && strcasecmp(t->pack, text)) continue;
        uint8_t a[20];
        uint64_t id;
        if (st_evm_addr_parse(t->address, a) || !st_evm_find_addr(x->e, a, &id)) continue;
        int rc = add_source(x, XS_ADDR_ALL, ST_EVM_NONE, id, -1, text);
        if (!rc) rc = add_label(x, t->label);
        if (rc) return rc;
        *found = 1;
    }
    return ST_OK;
}

static int resolve(st_xtrace *x, const char *text, st_error *err) {
    size_t n = strlen(text);
    const char *slash = strchr(text, '/'), *at = strchr(text, '@');
    int rc;
    if (n >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        if ((rc = need_evm(x, text, err))) return rc;
        size_t hn = slash ? (size_t)(slash - text) : at ? (size_t)(at - text) : n;
        if (hn == 66 && !at) {
            if (!is_hex(text + 2, 64)) return st_error_set(err, ST_EINVAL, "source '%s': not a transaction hash", text);
            char h[67];
            memcpy(h, text, 66);
            h[66] = 0;
            uint64_t tx;
            if (st_evm_find_tx(x->e, h, &tx) != 1)
                return st_error_set(err, ST_ENOTFOUND,
                                    "source '%s': unknown transaction %s (not in the Ethereum store)", text, h);
            st_evm_tx t;
            st_evm_get_tx(x->e, tx, &t);
            uint64_t victim = t.from;
            if (slash && (rc = evm_addr(x, slash + 1, strlen(slash + 1), text, &victim, err))) return rc;
            if (victim == ST_EVM_NONE)
                return st_error_set(err, ST_ENOTFOUND, "source '%s': the store does not know the sender", text);
            return add_source(x, XS_TX, tx, victim, -1, text);
        }
        uint64_t id;
        if ((rc = evm_addr(x, text, hn, text, &id, err))) return rc;
        if (!at) return add_source(x, XS_ADDR_ALL, ST_EVM_NONE, id, -1, text);
        char *end;
        long long b = strtoll(at + 1, &end, 10);
        if (*end || end == at + 1 || b < 0)
            return st_error_set(err, ST_EINVAL, "source '%s': ADDRESS@BLOCK needs a block number", text);
        return add_source(x, XS_ADDR_AT, ST_EVM_NONE, id, b, text);
    }
    int found = 0;
    if ((rc = evm_tag_source(x, text, &found))) return rc;
    if (x->btc) {
        size_t before = x->nbsrc;
        st_error e2;
        st_error_clear(&e2);
        rc = st_trace_source(x->btc, x->o.btc_tags, text, &x->bsrc, &x->nbsrc, &x->capbsrc, &e2);
        if (rc && !(found && rc == ST_ENOTFOUND)) {
            if (err) *err = e2;
            return rc;
        }
        int64_t *bt = st_realloc(x->btaint, (x->capbsrc ? x->capbsrc : 1) * sizeof *bt);
        if (!bt) return ST_ENOMEM;
        x->btaint = bt;
        for (size_t i = before; i < x->nbsrc; i++) bt[i] = -1;
        return ST_OK;
    }
    if (found) return ST_OK;
    return st_error_set(err, ST_ENOTFOUND,
                        "source '%s' is neither an Ethereum transaction hash, HASH/0xVICTIM, 0xADDRESS[@BLOCK], "
                        "nor a tag%s",
                        text, x->btc ? "" : " (Bitcoin sources need the Bitcoin store, --db)");
}

/* ---- Bitcoin ---------------------------------------------------------- */

static int run_btc(st_xtrace *x, st_error *err) {
    if (!x->btc || !x->nbsrc) return ST_OK;
    st_trace_opts o = {x->o.model, x->o.until_height, x->o.max_hops, 0, x->o.max_txs, x->o.through_services,
                       x->own_tm ? x->own_tm : x->o.btc_tags};
    int rc = st_trace_run_partial(x->btc, x->bsrc, x->btaint, x->nbsrc, &o, &x->bt, err);
    if (rc) return rc;
    st_trace_sort_frontier(x->bt);
    st_trace_result *r = x->bt;
    st_u256 v;
    int64_t stopped = 0;
    for (size_t i = 0; i < r->nfrontier; i++)
        if (r->frontier[i].stop == ST_STOP_SERVICE) stopped += r->frontier[i].tainted;
    xt_total *t = xt_total_of(x, XT_BTC, 0);
    if (!t) return ST_ENOMEM;
    /* sources that a bridge paid are `in`, the others `source` */
    int64_t bridged = 0;
    for (size_t i = 0; i < x->nbr; i++)
        if (x->br[i].out_chain == XT_BTC) bridged += (int64_t)x->br[i].tainted_out.w[0];
    v = st_u256_from_u64((uint64_t)(r->source_value - bridged));
    t->v[XT_SOURCE] = v;
    t->v[XT_IN] = st_u256_from_u64((uint64_t)bridged);
    t->v[XT_FRONTIER] = st_u256_from_u64((uint64_t)(r->frontier_value - stopped));
    t->v[XT_STOPPED] = st_u256_from_u64((uint64_t)stopped);
    t->v[XT_FEES] = st_u256_from_u64((uint64_t)(r->fee_left + r->fee_unclaimed));
    t->v[XT_ROUNDING] = st_u256_from_u64((uint64_t)r->rounding_loss);
    if (r->cut) xt_note_cut(x, "the Bitcoin walk stopped at --max-txs");
    return ST_OK;
}

/* ---- run -------------------------------------------------------------- */

/* Forget one round's walks (the sources, tags and injections stay). */
static void walk_reset(st_xtrace *x) {
    for (size_t i = 0; i < x->nacc; i++) st_free(x->acc[i].q);
    x->nacc = 0;
    st_map64_free(&x->amap);
    st_map64_init(&x->amap);
    if (x->tracked) memset(x->tracked, 0, x->naddr / 8 + 1);
    x->ntot = x->nsvc = x->nedges = x->nswaps = x->nmix = x->nmixwd = 0;
    st_map64_free(&x->mixpend);
    st_map64_init(&x->mixpend);
    for (size_t i = 0; i < x->nbr; i++) {
        st_free(x->br[i].memo);
        st_free(x->br[i].out_memo);
    }
    x->nbr = 0;
    st_map64_free(&x->bridge_by_tx);
    st_map64_init(&x->bridge_by_tx);
    st_map64_free(&x->refundpend);
    st_map64_init(&x->refundpend);
    for (size_t i = 0; i < x->ncut; i++) st_free(x->cut_notes[i]);
    x->ncut = 0;
    x->cut = 0;
    x->flows_seen = 0;
    x->nbsrc = x->nbsrc_given;
    st_trace_result_free(x->bt);
    x->bt = NULL;
}

int st_xtrace_run(const st_evm *e, const st_chain *btc, const char *const *from, size_t nfrom,
                  const st_xtrace_opts *opts, st_xtrace **out, st_error *err) {
    *out = NULL;
    if (!e && !btc) return st_error_set(err, ST_EINVAL, "no store to trace in");
    if (opts->model != ST_TAINT_POISON && opts->model != ST_TAINT_HAIRCUT && opts->model != ST_TAINT_FIFO)
        return st_error_set(err, ST_EINVAL, "across chains the models are poison, haircut and fifo");
    st_xtrace *x = st_calloc(1, sizeof *x);
    if (!x) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ST_OK;
    x->e = e;
    x->btc = btc;
    x->o = *opts;
    if (e) {
        st_evm_stats s;
        st_evm_get_stats(e, &s);
        x->naddr = s.addresses;
        x->nasset = s.assets ? s.assets : 1;
        x->nflow = s.flows;
        x->tracked = st_calloc(x->naddr / 8 + 1, 1);
        if (!x->tracked) goto oom;
        /* WETH (mainnet): wrapping and unwrapping are conversions */
        x->weth_asset = x->weth_addr = ST_EVM_NONE;
        uint8_t wa[20];
        if (!st_evm_addr_parse("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", wa) && st_evm_find_addr(e, wa, &x->weth_addr))
            for (uint64_t i = 1; i < x->nasset; i++) {
                char t[43];
                st_evm_asset_text(e, i, t);
                if (!strcmp(t, "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2")) x->weth_asset = i;
            }
        for (size_t i = 0; opts->tags && i < st_tagset_count(opts->tags); i++) {
            const st_tag *t = st_tagset_get(opts->tags, i);
            uint8_t a[20];
            uint64_t id;
            uint32_t prev;
            if (st_evm_addr_parse(t->address, a) || !st_evm_find_addr(e, a, &id)) continue;
            if (!st_map64_get(&x->tagmap, id, &prev) && st_map64_put(&x->tagmap, id, (uint32_t)i)) goto oom;
        }
    }
    x->btext = st_calloc(nfrom + 1, sizeof *x->btext);
    if (!x->btext) goto oom;
    for (size_t i = 0; i < nfrom; i++) {
        size_t before = x->nbsrc;
        if ((rc = resolve(x, from[i], err))) goto fail;
        if (x->nbsrc > before) x->btext[x->nbtext++] = from[i];
    }
    x->nbsrc_given = x->nbsrc;
    if ((rc = xt_btc_source_notes(x, err))) goto fail;
    if ((rc = xt_vault_tags(x, err))) goto fail;
    /* Ethereum, then Bitcoin; when Bitcoin paid into THORChain towards
     * Ethereum, again with those payments injected (a few rounds at most) */
    for (x->rounds = 1;; x->rounds++) {
        if (e && (rc = xt_account_run(x, err))) goto fail;
        if (e && (rc = xt_bridges_resolve(x, err))) goto fail;
        if ((rc = run_btc(x, err))) goto fail;
        int changed = 0;
        if ((rc = xt_btc_inbounds(x, &changed, err))) goto fail;
        if (x->vault_out) { /* paid into a vault: it left Bitcoin through the bridge */
            xt_total *t = xt_total_of(x, XT_BTC, 0);
            if (!t) goto oom;
            st_u256 v = st_u256_from_u64((uint64_t)x->vault_out);
            (void)st_u256_sub(&t->v[XT_STOPPED], &t->v[XT_STOPPED], &v);
            (void)st_u256_add(&t->v[XT_OUT], &t->v[XT_OUT], &v);
        }
        if (!changed) break;
        if (x->rounds == 3) {
            if ((rc = xt_note_cut(x, "bridges back and forth: stopped after 3 rounds of the walks"))) goto fail;
            break;
        }
        walk_reset(x);
    }
    *out = x;
    return ST_OK;
oom:
    rc = st_error_set(err, ST_ENOMEM, "out of memory");
fail:
    st_xtrace_free(x);
    return rc;
}
