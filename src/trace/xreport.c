/*
 * xreport.c - what a front end prints of a cross-chain trace: the JSON
 * document, an aligned table and the Graphviz drawing of both chains.
 *
 * Design: amounts are decimal strings (wei exceed every JSON integer);
 * the frontier is listed per chain, largest first, so a cut at --limit
 * keeps the entries that matter; the totals are always over everything.
 * Strings are copied into the documents: they outlive the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "trace/xtrace_int.h"

static const char *const tot_names[XT_NTOT] = {"source", "in",     "frontier", "fees",
                                               "stopped", "rounding", "out",  "unknown_origin"};

static const char *chain_name(int c) { return c == XT_BTC ? "bitcoin" : "ethereum"; }

static void asset_text(const st_xtrace *x, int chain, uint64_t asset, char out[43]) {
    if (chain == XT_BTC) strcpy(out, "BTC");
    else st_evm_asset_text(x->e, asset, out);
}

static json_t *dec(const st_u256 *v) {
    char t[ST_U256_TEXT];
    return json_string(st_u256_format(v, t));
}

static json_t *tx_hash_json(const st_xtrace *x, uint64_t tx) {
    if (tx == ST_EVM_NONE) return json_null();
    st_evm_tx t;
    st_evm_get_tx(x->e, tx, &t);
    if (!t.has_hash) return json_null();
    char hx[67] = "0x";
    st_hex_encode(t.hash, 32, hx + 2);
    return json_string(hx);
}

/* frontier order: largest taint first, then account index */
typedef struct fr_ref {
    const xt_acct *a;
    st_u256 t;
} fr_ref;

static int by_taint(const void *pa, const void *pb) {
    const fr_ref *a = pa, *b = pb;
    int c = st_u256_cmp(&b->t, &a->t);
    if (c) return c;
    return a->a < b->a ? -1 : a->a > b->a;
}

/* The accounts still holding taint, largest first; *out the caller's. */
static int frontier_refs(const st_xtrace *x, fr_ref **out, size_t *n) {
    *n = 0;
    *out = st_malloc((x->nacc ? x->nacc : 1) * sizeof **out);
    if (!*out) return ST_ENOMEM;
    for (size_t i = 0; i < x->nacc; i++) {
        const xt_acct *a = &x->acc[i];
        st_u256 t = a->taint;
        (void)st_u256_add(&t, &t, &a->held);
        if (st_u256_is_zero(&t)) continue;
        (*out)[(*n)++] = (fr_ref){a, t};
    }
    qsort(*out, *n, sizeof **out, by_taint);
    return ST_OK;
}

static const char *acct_stop(const st_xtrace *x, const xt_acct *a) {
    if (a->frozen) return "max_hops";
    if (x->o.until_block >= 0) return "until_block";
    return "held";
}

/* Conservation under haircut and FIFO, per (chain, asset). */
static int conserved(const xt_total *t) {
    st_u256 l = t->v[XT_SOURCE], r = t->v[XT_FRONTIER];
    (void)st_u256_add(&l, &l, &t->v[XT_IN]);
    (void)st_u256_add(&r, &r, &t->v[XT_FEES]);
    (void)st_u256_add(&r, &r, &t->v[XT_STOPPED]);
    (void)st_u256_add(&r, &r, &t->v[XT_ROUNDING]);
    (void)st_u256_add(&r, &r, &t->v[XT_OUT]);
    return !st_u256_cmp(&l, &r);
}

int st_xtrace_json(const st_xtrace *x, size_t limit, json_t **out) {
    *out = NULL;
    json_t *j = json_object(), *a;
    if (!j) return ST_ENOMEM;
    char at[43], ad[43], hx[67];
    json_object_set_new(j, "model", json_string(st_taint_model_name(x->o.model)));
    a = json_array();
    for (size_t i = 0; i < x->nsrc; i++) {
        int dup = 0;
        for (size_t k = 0; k < i && !dup; k++) dup = x->src[k].text == x->src[i].text;
        if (!dup) json_array_append_new(a, json_string(x->src[i].text));
    }
    for (size_t i = 0; i < x->nbtext; i++) json_array_append_new(a, json_string(x->btext[i]));
    json_object_set_new(j, "sources", a);
    /* totals */
    a = json_array();
    int all_ok = 1;
    for (size_t i = 0; i < x->ntot; i++) {
        const xt_total *t = &x->tot[i];
        json_t *o = json_object();
        asset_text(x, t->chain, t->asset, at);
        json_object_set_new(o, "chain", json_string(chain_name(t->chain)));
        json_object_set_new(o, "asset", json_string(at));
        for (int k = 0; k < XT_NTOT; k++) json_object_set_new(o, tot_names[k], dec(&t->v[k]));
        int ok = conserved(t);
        all_ok &= ok;
        json_object_set_new(o, "conserved", json_boolean(ok));
        json_array_append_new(a, o);
    }
    json_object_set_new(j, "totals", a);
    json_object_set_new(j, "conserved",
                        x->o.model == ST_TAINT_POISON ? json_null() : json_boolean(all_ok));
    /* frontier */
    fr_ref *fr;
    size_t nfr;
    if (frontier_refs(x, &fr, &nfr)) {
        json_decref(j);
        return ST_ENOMEM;
    }
    a = json_array();
    for (size_t i = 0; i < nfr && i < limit; i++) {
        const xt_acct *c = fr[i].a;
        json_t *o = json_object();
        st_evm_asset_text(x->e, c->asset, at);
        st_evm_addr_text(x->e, c->addr, ad);
        json_object_set_new(o, "chain", json_string("ethereum"));
        json_object_set_new(o, "asset", json_string(at));
        if (c->last_flow != ST_EVM_NONE) {
            st_evm_flow f;
            st_evm_get_flow(x->e, c->last_flow, &f);
            st_evm_tx t;
            if (f.tx != ST_EVM_NONE) st_evm_get_tx(x->e, f.tx, &t);
            if (f.tx != ST_EVM_NONE && t.has_hash) {
                hx[0] = '0';
                hx[1] = 'x';
                st_hex_encode(t.hash, 32, hx + 2);
                json_object_set_new(o, "hash", json_string(hx));
            } else json_object_set_new(o, "hash", json_null());
            json_object_set_new(o, "block", json_integer((json_int_t)f.block));
            json_object_set_new(o, "position", json_integer(f.position));
        } else {
            json_object_set_new(o, "hash", json_null());
            json_object_set_new(o, "position", json_null());
        }
        json_object_set_new(o, "address", json_string(ad));
        json_object_set_new(o, "tainted", dec(&fr[i].t));
        json_object_set_new(o, "balance", dec(&c->bal));
        json_object_set_new(o, "hops", json_integer(c->hops == UINT32_MAX ? 0 : c->hops));
        json_object_set_new(o, "stop", json_string(acct_stop(x, c)));
        json_array_append_new(a, o);
    }
    st_free(fr);
    if (x->bt) {
        st_chain_cols k;
        st_chain_get_cols(x->btc, &k);
        for (size_t i = 0; i < x->bt->nfrontier && i < limit; i++) {
            const st_trace_hit *h = &x->bt->frontier[i];
            if (h->stop == ST_STOP_SERVICE) continue;
            uint64_t t = st_chain_out_tx(x->btc, h->out);
            char tid[65], addr[128] = "";
            st_chain_hash_hex(k.tx_hash[t], tid);
            if (k.out_addr[h->out] != ST_CHAIN_NONE) st_chain_addr_text(x->btc, k.out_addr[h->out], addr, sizeof addr);
            json_t *o = json_object();
            json_object_set_new(o, "chain", json_string("bitcoin"));
            json_object_set_new(o, "asset", json_string("BTC"));
            json_object_set_new(o, "txid", json_string(tid));
            json_object_set_new(o, "vout", json_integer((json_int_t)(h->out - k.tx_first_out[t])));
            json_object_set_new(o, "address", addr[0] ? json_string(addr) : json_null());
            json_object_set_new(o, "value", json_integer(k.out_value[h->out]));
            json_object_set_new(o, "tainted", json_integer(h->tainted));
            json_object_set_new(o, "hops", json_integer(h->hops));
            json_object_set_new(o, "stop", json_string(st_stop_name(h->stop)));
            json_array_append_new(a, o);
        }
    }
    json_object_set_new(j, "frontier", a);
    /* services */
    a = json_array();
    json_t *mix = json_array();
    for (size_t i = 0; i < x->nsvc; i++) {
        const xt_service *v = &x->svc[i];
        json_t *o = json_object();
        asset_text(x, v->chain, v->asset, at);
        json_object_set_new(o, "label", json_string(v->tag->label));
        json_object_set_new(o, "category", json_string(v->tag->category));
        json_object_set_new(o, "chain", json_string(chain_name(v->chain)));
        json_object_set_new(o, "asset", json_string(at));
        json_object_set_new(o, "amount", dec(&v->amount));
        json_object_set_new(o, "flows", json_integer((json_int_t)v->flows));
        json_object_set_new(o, "min_hops", json_integer(v->min_hops));
        if (v->mixer) {
            json_object_set_new(o, "note", json_string(x->o.through_mixers && x->nmix
                                                           ? "entered mixer; linked to withdrawals by a heuristic "
                                                             "(mixer_links)"
                                                           : "entered mixer"));
            json_array_append(mix, o);
        }
        json_array_append_new(a, o);
    }
    if (x->bt) {
        st_trace_service *sv;
        size_t nsv;
        if (st_trace_services(x->bt, &sv, &nsv)) {
            json_decref(a);
            json_decref(mix);
            json_decref(j);
            return ST_ENOMEM;
        }
        for (size_t i = 0; i < nsv; i++) {
            if (x->own_tm && !strcmp(sv[i].tag->label, "THORChain vault")) continue; /* a bridge, listed there */
            json_t *o = json_object();
            json_object_set_new(o, "label", json_string(sv[i].tag->label));
            json_object_set_new(o, "category", json_string(sv[i].tag->category));
            json_object_set_new(o, "chain", json_string("bitcoin"));
            json_object_set_new(o, "asset", json_string("BTC"));
            char t[32];
            snprintf(t, sizeof t, "%lld", (long long)sv[i].amount);
            json_object_set_new(o, "amount", json_string(t));
            json_object_set_new(o, "flows", json_integer((json_int_t)sv[i].outputs));
            json_object_set_new(o, "min_hops", json_integer(sv[i].min_hops));
            if (!strcmp(sv[i].tag->category, "mixer")) {
                json_object_set_new(o, "note", json_string("entered mixer"));
                json_array_append(mix, o);
            }
            json_array_append_new(a, o);
        }
        st_free(sv);
    }
    json_object_set_new(j, "services", a);
    json_object_set_new(j, "mixers", mix);
    a = json_array();
    for (size_t i = 0; i < x->nmix && i < limit; i++) {
        const xt_mixlink *m = &x->mix[i];
        st_evm_flow d, w;
        st_evm_get_flow(x->e, m->deposit, &d);
        st_evm_get_flow(x->e, m->withdrawal, &w);
        json_t *o = json_object();
        json_object_set_new(o, "heuristic", json_string("same amount out of the mixer within the window"));
        json_object_set_new(o, "deposit_tx", tx_hash_json(x, d.tx));
        json_object_set_new(o, "withdrawal_tx", tx_hash_json(x, w.tx));
        st_evm_addr_text(x->e, w.to, ad);
        json_object_set_new(o, "to", json_string(ad));
        json_object_set_new(o, "amount", dec(&m->amount));
        json_object_set_new(o, "tainted", dec(&m->tainted));
        json_object_set_new(o, "candidates", json_integer(m->candidates));
        json_array_append_new(a, o);
    }
    json_object_set_new(j, "mixer_links", a);
    /* bridges */
    a = json_array();
    for (size_t i = 0; i < x->nbr; i++) {
        const xt_bridge *b = &x->br[i];
        json_t *o = json_object();
        json_object_set_new(o, "protocol", json_string(b->protocol));
        json_object_set_new(o, "in_chain", json_string(chain_name(b->in_chain)));
        if (b->in_chain == XT_BTC) {
            st_chain_cols k;
            st_chain_get_cols(x->btc, &k);
            char tid[65];
            st_chain_hash_hex(k.tx_hash[b->in_tx], tid);
            json_object_set_new(o, "in_tx", json_string(tid));
        } else json_object_set_new(o, "in_tx", tx_hash_json(x, b->in_tx));
        json_object_set_new(o, "out_chain", json_string(chain_name(b->out_chain)));
        json_object_set_new(o, "out_tx", b->out_txid[0] ? json_string(b->out_txid) : json_null());
        json_object_set_new(o, "memo", json_string(b->memo ? b->memo : ""));
        json_object_set_new(o, "out_memo", b->out_memo ? json_string(b->out_memo) : json_null());
        json_object_set_new(o, "amount_in", dec(&b->amount_in));
        json_object_set_new(o, "amount_out", dec(&b->amount_out));
        json_object_set_new(o, "tainted_in", dec(&b->tainted_in));
        json_object_set_new(o, "tainted_out", dec(&b->tainted_out));
        if (b->note[0]) json_object_set_new(o, "note", json_string(b->note));
        json_array_append_new(a, o);
    }
    json_object_set_new(j, "bridges", a);
    a = json_array();
    for (size_t i = 0; i < x->nswaps && i < limit; i++) {
        const xt_swap *w = &x->swaps[i];
        json_t *o = json_object();
        json_object_set_new(o, "tx", tx_hash_json(x, w->tx));
        st_evm_addr_text(x->e, w->pool, ad);
        json_object_set_new(o, "pool", json_string(ad));
        st_evm_asset_text(x->e, w->asset_in, at);
        json_object_set_new(o, "asset_in", json_string(at));
        json_object_set_new(o, "amount_in", dec(&w->amount_in));
        json_object_set_new(o, "tainted_in", dec(&w->tainted_in));
        st_evm_asset_text(x->e, w->asset_out, at);
        json_object_set_new(o, "asset_out", json_string(at));
        json_object_set_new(o, "amount_out", dec(&w->amount_out));
        json_object_set_new(o, "tainted_out", dec(&w->tainted_out));
        json_array_append_new(a, o);
    }
    json_object_set_new(j, "swaps", a);
    json_object_set_new(j, "flows_walked", json_integer((json_int_t)x->flows_seen));
    json_object_set_new(j, "cut", json_boolean(st_xtrace_cut(x)));
    a = json_array();
    for (size_t i = 0; i < x->ncut; i++) json_array_append_new(a, json_string(x->cut_notes[i]));
    json_object_set_new(j, "cuts", a);
    a = json_array();
    for (size_t i = 0; i < x->nnotes; i++) json_array_append_new(a, json_string(x->notes[i]));
    json_object_set_new(j, "notes", a);
    *out = j;
    return ST_OK;
}

int st_xtrace_write_table(FILE *f, const st_xtrace *x, size_t limit) {
    char at[43], ad[43], t[ST_U256_TEXT];
    fprintf(f, "model %s\n", st_taint_model_name(x->o.model));
    fprintf(f, "%-9s %-42s", "chain", "asset");
    for (int k = 0; k < XT_NTOT; k++) fprintf(f, " %s", tot_names[k]);
    fputc('\n', f);
    for (size_t i = 0; i < x->ntot; i++) {
        asset_text(x, x->tot[i].chain, x->tot[i].asset, at);
        fprintf(f, "%-9s %-42s", chain_name(x->tot[i].chain), at);
        for (int k = 0; k < XT_NTOT; k++) fprintf(f, " %s", st_u256_format(&x->tot[i].v[k], t));
        fprintf(f, "%s\n", x->o.model == ST_TAINT_POISON ? "" : conserved(&x->tot[i]) ? "  conserved" : "  NOT CONSERVED");
    }
    for (size_t i = 0; i < x->nsvc; i++) {
        asset_text(x, x->svc[i].chain, x->svc[i].asset, at);
        fprintf(f, "service %-30s %-10s %-9s %-42s %s%s\n", x->svc[i].tag->label, x->svc[i].tag->category,
                chain_name(x->svc[i].chain), at, st_u256_format(&x->svc[i].amount, t),
                x->svc[i].mixer ? "  entered mixer" : "");
    }
    if (x->bt) {
        st_trace_service *sv;
        size_t nsv;
        if (st_trace_services(x->bt, &sv, &nsv)) return ST_ENOMEM;
        for (size_t i = 0; i < nsv; i++) {
            if (x->own_tm && !strcmp(sv[i].tag->label, "THORChain vault")) continue;
            fprintf(f, "service %-30s %-10s %-9s %-42s %lld%s\n", sv[i].tag->label, sv[i].tag->category, "bitcoin",
                    "BTC", (long long)sv[i].amount, strcmp(sv[i].tag->category, "mixer") ? "" : "  entered mixer");
        }
        st_free(sv);
    }
    for (size_t i = 0; i < x->nbr && i < limit; i++) {
        const xt_bridge *b = &x->br[i];
        char t2[ST_U256_TEXT];
        fprintf(f, "bridge  %s %s -> %s  memo %s  tainted %s -> %s%s%s\n", b->protocol, chain_name(b->in_chain),
                chain_name(b->out_chain), b->memo ? b->memo : "", st_u256_format(&b->tainted_in, t),
                st_u256_format(&b->tainted_out, t2), b->note[0] ? "  " : "", b->note);
    }
    fr_ref *fr;
    size_t nfr;
    if (frontier_refs(x, &fr, &nfr)) return ST_ENOMEM;
    if (nfr) fprintf(f, "%-9s %-42s %-42s %30s %5s %s\n", "chain", "asset", "address", "tainted", "hops", "stop");
    for (size_t i = 0; i < nfr && i < limit; i++) {
        st_evm_asset_text(x->e, fr[i].a->asset, at);
        st_evm_addr_text(x->e, fr[i].a->addr, ad);
        fprintf(f, "%-9s %-42s %-42s %30s %5u %s\n", "ethereum", at, ad, st_u256_format(&fr[i].t, t), fr[i].a->hops,
                acct_stop(x, fr[i].a));
    }
    st_free(fr);
    if (x->bt) {
        st_chain_cols k;
        st_chain_get_cols(x->btc, &k);
        for (size_t i = 0; i < x->bt->nfrontier && i < limit; i++) {
            const st_trace_hit *h = &x->bt->frontier[i];
            char addr[128] = "-";
            if (k.out_addr[h->out] != ST_CHAIN_NONE) st_chain_addr_text(x->btc, k.out_addr[h->out], addr, sizeof addr);
            fprintf(f, "%-9s %-42s %-42s %30lld %5u %s%s%s\n", "bitcoin", "BTC", addr, (long long)h->tainted, h->hops,
                    st_stop_name(h->stop), h->tag ? " " : "", h->tag ? h->tag->label : "");
        }
    }
    if (st_xtrace_cut(x))
        for (size_t i = 0; i < x->ncut; i++) fprintf(f, "CUT: %s\n", x->cut_notes[i]);
    for (size_t i = 0; i < x->nnotes; i++) fprintf(f, "NOTE: %s\n", x->notes[i]);
    return ST_OK;
}

/* ---- drawing ------------------------------------------------------------ */

typedef struct dr_edge {
    uint64_t from, to, asset;
    st_u256 amount;
} dr_edge;

static int by_from_to(const void *pa, const void *pb) {
    const xt_edge *a = pa, *b = pb;
    if (a->from != b->from) return a->from < b->from ? -1 : 1;
    if (a->to != b->to) return a->to < b->to ? -1 : 1;
    return a->asset < b->asset ? -1 : a->asset > b->asset;
}

static int by_amount(const void *pa, const void *pb) {
    const dr_edge *a = pa, *b = pb;
    return st_u256_cmp(&b->amount, &a->amount);
}

int st_xtrace_write_dot(FILE *f, const st_xtrace *x) {
    char at[43], ad[43], bd[43], t[ST_U256_TEXT];
    fprintf(f, "digraph trace {\n  rankdir=LR;\n  node [shape=box, fontsize=9];\n  edge [fontsize=8];\n");
    /* Ethereum: address -> address edges summed per asset, the 300 largest */
    xt_edge *e = NULL;
    dr_edge *d = NULL;
    size_t nd = 0;
    if (x->nedges) {
        e = st_malloc(x->nedges * sizeof *e);
        d = st_malloc(x->nedges * sizeof *d);
        if (!e || !d) {
            st_free(e);
            st_free(d);
            return ST_ENOMEM;
        }
        memcpy(e, x->edges, x->nedges * sizeof *e);
        qsort(e, x->nedges, sizeof *e, by_from_to);
        for (size_t i = 0; i < x->nedges; i++) {
            if (nd && d[nd - 1].from == e[i].from && d[nd - 1].to == e[i].to && d[nd - 1].asset == e[i].asset)
                (void)st_u256_add(&d[nd - 1].amount, &d[nd - 1].amount, &e[i].amount);
            else d[nd++] = (dr_edge){e[i].from, e[i].to, e[i].asset, e[i].amount};
        }
        qsort(d, nd, sizeof *d, by_amount);
    }
    fprintf(f, "  subgraph cluster_ethereum {\n    label=\"Ethereum\";\n");
    for (size_t i = 0; i < nd && i < 300; i++) {
        st_evm_addr_text(x->e, d[i].from, ad);
        st_evm_addr_text(x->e, d[i].to, bd);
        st_evm_asset_text(x->e, d[i].asset, at);
        const st_tag *tg = xt_evm_tag(x, d[i].to);
        if (tg) fprintf(f, "    \"e%s\" [label=\"%.12s\\n%s\", style=filled, fillcolor=orange];\n", bd, bd, tg->label);
        fprintf(f, "    \"e%s\" -> \"e%s\" [label=\"%s %.10s\"];\n", ad, bd, st_u256_format(&d[i].amount, t),
                d[i].asset ? at : "ETH");
    }
    if (nd > 300) fprintf(f, "    more [label=\"%zu further edges\"];\n", nd - 300);
    fprintf(f, "  }\n");
    st_free(e);
    st_free(d);
    if (x->bt) {
        st_chain_cols k;
        st_chain_get_cols(x->btc, &k);
        fprintf(f, "  subgraph cluster_bitcoin {\n    label=\"Bitcoin\";\n");
        for (size_t i = 0; i < x->bt->nflows && i < 300; i++) {
            char a1[65], a2[65];
            st_chain_hash_hex(k.tx_hash[x->bt->flows[i].from_tx], a1);
            st_chain_hash_hex(k.tx_hash[x->bt->flows[i].to_tx], a2);
            fprintf(f, "    \"b%s\" -> \"b%s\" [label=\"%lld sat\"];\n", a1, a2, (long long)x->bt->flows[i].tainted);
        }
        fprintf(f, "  }\n");
    }
    /* the bridges: from the payer on one chain to the payment on the other */
    char t2[ST_U256_TEXT];
    for (size_t i = 0; i < x->nbr && i < 300; i++) {
        const xt_bridge *b = &x->br[i];
        fprintf(f, "  bridge%zu [shape=diamond, style=filled, fillcolor=lightblue, label=\"%s\\n%s -> %s\"];\n", i,
                b->protocol, st_u256_format(&b->tainted_in, t), st_u256_format(&b->tainted_out, t2));
        if (b->in_chain == XT_ETH) {
            st_evm_tx tx;
            st_evm_get_tx(x->e, b->in_tx, &tx);
            st_evm_addr_text(x->e, tx.from, ad);
            fprintf(f, "  \"e%s\" -> bridge%zu;\n", ad, i);
            if (b->out_txid[0] && b->out_chain == XT_BTC) fprintf(f, "  bridge%zu -> \"b%s\";\n", i, b->out_txid);
        } else if (x->btc) {
            st_chain_cols k;
            st_chain_get_cols(x->btc, &k);
            char tid[65];
            st_chain_hash_hex(k.tx_hash[b->in_tx], tid);
            fprintf(f, "  \"b%s\" -> bridge%zu;\n", tid, i);
            if (b->out_tx != ST_EVM_NONE) {
                st_evm_tx tx;
                st_evm_get_tx(x->e, b->out_tx, &tx);
                for (uint64_t g = tx.first_flow; g < tx.first_flow + tx.nflows; g++) {
                    st_evm_flow fl;
                    st_evm_get_flow(x->e, g, &fl);
                    if (fl.kind == ST_EVM_FEE || st_u256_cmp(&fl.amount, &b->amount_out)) continue;
                    st_evm_addr_text(x->e, fl.to, bd);
                    fprintf(f, "  bridge%zu -> \"e%s\";\n", i, bd);
                    break;
                }
            }
        }
    }
    fprintf(f, "}\n");
    return ST_OK;
}
