/*
 * bridge.c - THORChain hops from Ethereum into Bitcoin: each inbound the
 * account walk recorded (a router Deposit with tainted value) is linked,
 * exactly by its transaction hash, to the Bitcoin transactions whose
 * OP_RETURN says `OUT:<hash>` (or `REFUND:<hash>`), and what those paid
 * the memo's address enters the Bitcoin walk carrying the inbound's
 * tainted fraction.
 *
 * Design: the Bitcoin store keeps each output's script type but not its
 * bytes, so the transactions with an OP_RETURN output are found from the
 * type column (one sequential scan) and only those are read back from the
 * block files (st_chain_tx_raw) to get the memo.  The index of OUT and
 * REFUND memos is built once per trace, only when an inbound needs it.
 * Invariant: tainted_out = sum over paid outputs of
 * floor(value x tainted_in ÷ amount_in), and exactly that enters the
 * Bitcoin walk (`in`); the inbound's taint left Ethereum as `out`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "trace/xtrace_int.h"

/* ---- raw transactions -------------------------------------------------- */

static int varint(const uint8_t *p, size_t n, size_t *at, uint64_t *v) {
    if (*at >= n) return -1;
    uint8_t b = p[(*at)++];
    size_t k = b < 0xfd ? 0 : b == 0xfd ? 2 : b == 0xfe ? 4 : 8;
    if (!k) {
        *v = b;
        return 0;
    }
    if (n - *at < k) return -1;
    *v = 0;
    for (size_t i = 0; i < k; i++) *v |= (uint64_t)p[*at + i] << (8 * i);
    *at += k;
    return 0;
}

/* The data pushed by the first OP_RETURN output of raw tx bytes,
 * concatenated, into memo (NUL-terminated, at most cap-1 bytes): 1 when
 * found. */
static int op_return_memo(const uint8_t *p, size_t n, char *memo, size_t cap) {
    size_t at = 4;
    uint64_t nin, nout, len;
    if (n < 10) return 0;
    if (p[4] == 0 && p[5] == 1) at = 6; /* segwit marker and flag */
    if (varint(p, n, &at, &nin) || nin > n) return 0;
    for (uint64_t i = 0; i < nin; i++) {
        if (n - at < 36) return 0;
        at += 36;
        if (varint(p, n, &at, &len) || len > n - at || n - at - len < 4) return 0;
        at += len + 4;
    }
    if (varint(p, n, &at, &nout) || nout > n) return 0;
    for (uint64_t i = 0; i < nout; i++) {
        if (n - at < 8) return 0;
        at += 8;
        if (varint(p, n, &at, &len) || len > n - at) return 0;
        const uint8_t *s = p + at;
        at += len;
        if (!len || s[0] != 0x6a) continue;
        size_t m = 0, k = 1;
        while (k < len) {
            uint8_t op = s[k++];
            size_t pl;
            if (op >= 1 && op <= 75) pl = op;
            else if (op == 0x4c && k < len) pl = s[k++];
            else if (op == 0x4d && len - k >= 2) pl = (size_t)s[k] | (size_t)s[k + 1] << 8, k += 2;
            else break;
            if (pl > len - k) break;
            for (size_t j = 0; j < pl && m + 1 < cap; j++) memo[m++] = (char)s[k + j];
            k += pl;
        }
        memo[m] = 0;
        return m > 0;
    }
    return 0;
}

int xt_op_return_memo(const uint8_t *raw, size_t n, char *memo, size_t cap) {
    return op_return_memo(raw, n, memo, cap);
}

/* ---- the index of outbound memos -------------------------------------- */

typedef struct ob_entry {
    uint8_t hash[32];
    uint64_t tx;
    int kind;
    char memo[96];
} ob_entry;

void xt_ob_free(st_xtrace *x) {
    st_free(x->ob);
    x->ob = NULL;
    x->nob = 0;
    x->ob_built = 0;
}

/* The index, built once per trace. */
static int ob_index(st_xtrace *x, st_error *err);

static int by_hash(const void *pa, const void *pb) {
    const ob_entry *a = pa, *b = pb;
    int c = memcmp(a->hash, b->hash, 32);
    if (c) return c;
    return a->tx < b->tx ? -1 : a->tx > b->tx;
}

static int build_index(st_xtrace *x, ob_entry **out, size_t *n, st_error *err) {
    st_chain_cols k;
    st_chain_get_cols(x->btc, &k);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (uint64_t t = 0; t < k.ntx; t++) {
        int has = 0;
        uint64_t o0, o1;
        st_chain_tx_outs(&k, t, &o0, &o1);
        for (uint64_t o = o0; o < o1 && !has; o++)
            has = k.out_type[o] == ST_SCRIPT_OP_RETURN;
        if (!has) continue;
        uint8_t *raw;
        size_t len;
        st_error e2;
        if (st_chain_tx_raw(x->btc, t, &raw, &len, &e2)) continue; /* a block file gone: its memos unknown */
        char memo[256];
        int found = op_return_memo(raw, len, memo, sizeof memo);
        st_free(raw);
        st_thor_memo m;
        if (!found || st_thor_memo_parse(memo, strlen(memo), &m, &e2) || m.kind == ST_THOR_SWAP) continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            ob_entry *v = st_realloc(*out, nc * sizeof *v);
            if (!v) return st_error_set(err, ST_ENOMEM, "out of memory");
            *out = v;
            cap = nc;
        }
        ob_entry *e = &(*out)[(*n)++];
        memcpy(e->hash, m.hash, 32);
        e->tx = t;
        e->kind = m.kind;
        memo[sizeof e->memo - 1] = 0; /* OUT:<64 hex> fits */
        memcpy(e->memo, memo, strlen(memo) + 1);
    }
    if (*n) qsort(*out, *n, sizeof **out, by_hash);
    return ST_OK;
}

static int add_btc_source(st_xtrace *x, uint64_t out, int64_t taint) {
    if (x->nbsrc == x->capbsrc) {
        size_t nc = x->capbsrc ? x->capbsrc * 2 : 16;
        uint64_t *v = st_realloc(x->bsrc, nc * sizeof *v);
        if (!v) return ST_ENOMEM;
        x->bsrc = v;
        int64_t *w = st_realloc(x->btaint, nc * sizeof *w);
        if (!w) return ST_ENOMEM;
        x->btaint = w;
        x->capbsrc = nc;
    }
    x->bsrc[x->nbsrc] = out;
    x->btaint[x->nbsrc++] = taint;
    return ST_OK;
}

/* Link bridge b to the outbounds ob[lo..hi) (all naming its hash). */
static int link_btc(st_xtrace *x, xt_bridge *b, const st_thor_memo *m, const ob_entry *ob, size_t lo, size_t hi) {
    st_chain_cols k;
    st_chain_get_cols(x->btc, &k);
    uint64_t fan = x->o.max_fanout ? x->o.max_fanout : 64;
    if (hi - lo > fan) {
        int rc = xt_note_cut(x, "THORChain inbound %s has %zu outbounds; the first %llu followed", b->memo, hi - lo,
                             (unsigned long long)fan);
        if (rc) return rc;
        hi = lo + fan;
    }
    int64_t paid = 0;
    for (size_t i = lo; i < hi; i++) {
        uint64_t t = ob[i].tx;
        if (ob[i].kind != ST_THOR_OUT) continue; /* a refund of an Ethereum inbound is paid on Ethereum */
        uint64_t o0, o1;
        st_chain_tx_outs(&k, t, &o0, &o1);
        for (uint64_t o = o0; o < o1; o++) {
            if (st_chain_out_address(&k, o) == ST_CHAIN_NONE) continue;
            char a[128];
            st_chain_addr_text(x->btc, k.out_addr[o], a, sizeof a);
            if (strcasecmp(a, m->dest)) continue;
            st_u256 v = st_u256_from_u64((uint64_t)k.out_value[o]), t2 = {{0, 0, 0, 0}};
            (void)st_u256_muldiv(&t2, &v, &b->tainted_in, &b->amount_in);
            (void)st_u256_add(&b->tainted_out, &b->tainted_out, &t2);
            paid += k.out_value[o];
            if (!st_u256_is_zero(&t2)) {
                int rc = add_btc_source(x, o, (int64_t)t2.w[0]);
                if (rc) return rc;
            }
        }
        if (b->out_tx == ST_EVM_NONE) {
            b->out_tx = t;
            st_chain_hash_hex(k.tx_hash[t], b->out_txid);
            st_free(b->out_memo);
            if (!(b->out_memo = st_strdup(ob[i].memo))) return ST_ENOMEM;
        }
    }
    b->amount_out = st_u256_from_u64((uint64_t)paid);
    if (!paid)
        snprintf(b->note, sizeof b->note, "the outbound pays nothing to the memo's address %.80s", m->dest);
    return ST_OK;
}

static int ob_index(st_xtrace *x, st_error *err) {
    if (x->ob_built) return ST_OK;
    int rc = build_index(x, &x->ob, &x->nob, err);
    if (!rc) x->ob_built = 1;
    return rc;
}

int xt_bridges_resolve(st_xtrace *x, st_error *err) {
    ob_entry *ob = NULL;
    size_t nob = 0;
    int built = 0, rc = ST_OK;
    for (size_t i = 0; i < x->nbr; i++) {
        xt_bridge *b = &x->br[i];
        if (b->out_chain != -1) continue;
        b->out_chain = XT_BTC;
        if (b->note[0]) continue;
        st_thor_memo m;
        st_error e2;
        if (st_thor_memo_parse(b->memo, strlen(b->memo), &m, &e2)) {
            snprintf(b->note, sizeof b->note, "malformed memo: %.170s", e2.msg);
            continue;
        }
        if (m.kind != ST_THOR_SWAP) {
            snprintf(b->note, sizeof b->note, "the inbound's memo is not a swap");
            continue;
        }
        if (strcmp(m.chain, "BTC")) {
            b->out_chain = XT_ETH;
            snprintf(b->note, sizeof b->note, "the outbound is on %s: not traced", m.chain);
            continue;
        }
        if (!x->btc) {
            snprintf(b->note, sizeof b->note, "the outbound is on Bitcoin: give the Bitcoin store (--db)");
            continue;
        }
        if (!built) {
            if ((rc = ob_index(x, err))) goto out;
            ob = x->ob;
            nob = x->nob;
            built = 1;
        }
        st_evm_tx t;
        st_evm_get_tx(x->e, b->in_tx, &t);
        size_t lo = 0, hi = nob;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (memcmp(ob[mid].hash, t.hash, 32) < 0) lo = mid + 1;
            else hi = mid;
        }
        size_t end = lo;
        while (end < nob && !memcmp(ob[end].hash, t.hash, 32)) end++;
        if (lo == end) {
            char hx[65];
            st_hex_encode(t.hash, 32, hx);
            snprintf(b->note, sizeof b->note, "no Bitcoin transaction carries OUT:%s (not in the store yet?)", hx);
            continue;
        }
        if ((rc = link_btc(x, b, &m, ob, lo, end))) goto out;
    }
out:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory linking bridges");
    return rc;
}

/* ---- Bitcoin -> Ethereum ------------------------------------------------- */

#define VAULT_LABEL "THORChain vault"

int xt_vault_tags(st_xtrace *x, st_error *err) {
    if (!x->btc || !x->e || !st_evm_events_count(x->o.events)) return ST_OK;
    int rc = ob_index(x, err);
    if (rc || !x->nob) return rc;
    st_chain_cols k;
    st_chain_get_cols(x->btc, &k);
    if ((rc = st_tagset_new(&x->own_ts))) return st_error_set(err, rc, "out of memory");
    for (size_t i = 0; x->o.tags && i < st_tagset_count(x->o.tags); i++)
        if ((rc = st_tagset_add(x->own_ts, st_tagset_get(x->o.tags, i)))) return st_error_set(err, rc, "out of memory");
    size_t added = 0;
    for (size_t i = 0; i < x->nob; i++) { /* whoever pays an OUT: memo is a vault */
        uint64_t t = x->ob[i].tx;
        uint64_t i0, i1;
        st_chain_tx_ins(&k, t, &i0, &i1);
        for (uint64_t in = i0; in < i1; in++) {
            uint64_t p = st_chain_prev(&k, in);
            if (p == ST_CHAIN_NONE || st_chain_out_address(&k, p) == ST_CHAIN_NONE) continue;
            char a[128];
            st_chain_addr_text(x->btc, k.out_addr[p], a, sizeof a);
            st_tag tg;
            memset(&tg, 0, sizeof tg);
            tg.address = a;
            tg.label = VAULT_LABEL;
            tg.category = "bridge";
            tg.raw_category = tg.abuse = tg.actor = tg.confidence = tg.lastmod = "";
            tg.source = "the payer of THORChain OUT: memos in this store";
            tg.currency = "BTC";
            tg.pack = "sanctrace: THORChain vaults";
            tg.valid_from = INT64_MIN;
            tg.valid_to = INT64_MAX;
            if ((rc = st_tagset_add(x->own_ts, &tg))) return st_error_set(err, rc, "out of memory");
            added++;
        }
    }
    if (!added) return ST_OK;
    if ((rc = st_tagmap_new(&x->own_tm, x->own_ts, x->btc, NULL, NULL))) return st_error_set(err, rc, "out of memory");
    return ST_OK;
}

static int inj_push(st_xtrace *x, const xt_inject *v) {
    if (x->ninj == x->capinj) {
        size_t nc = x->capinj ? x->capinj * 2 : 8;
        xt_inject *w = st_realloc(x->inj, nc * sizeof *w);
        if (!w) return ST_ENOMEM;
        x->inj = w;
        x->capinj = nc;
    }
    x->inj[x->ninj++] = *v;
    return ST_OK;
}

int xt_btc_inbounds(st_xtrace *x, int *changed, st_error *err) {
    *changed = 0;
    if (!x->bt || !x->own_tm) return ST_OK;
    st_chain_cols k;
    st_chain_get_cols(x->btc, &k);
    xt_inject *old = x->inj;
    size_t nold = x->ninj;
    x->inj = NULL;
    x->ninj = x->capinj = 0;
    int rc = ST_OK;
    x->vault_out = 0;
    for (size_t i = 0; i < x->bt->ntagged; i++) {
        const st_trace_hit *h = &x->bt->tagged[i];
        if (strcmp(h->tag->label, VAULT_LABEL) || h->tainted <= 0) continue;
        x->vault_out += h->tainted;
        uint64_t t = st_chain_out_tx(x->btc, h->out);
        uint8_t *raw;
        size_t len;
        st_error e2;
        char memo[256];
        st_thor_memo m;
        xt_inject v;
        memset(&v, 0, sizeof v);
        v.in_tx = t;
        v.flow = ST_EVM_NONE;
        v.out_tx = ST_EVM_NONE;
        v.amount_in = st_u256_from_u64((uint64_t)k.out_value[h->out]);
        v.tainted_in = st_u256_from_u64((uint64_t)h->tainted);
        if (st_chain_tx_raw(x->btc, t, &raw, &len, &e2)) continue;
        int found = op_return_memo(raw, len, memo, sizeof memo);
        st_free(raw);
        snprintf(v.memo, sizeof v.memo, "%s", found ? memo : "");
        if (!found || st_thor_memo_parse(memo, strlen(memo), &m, &e2) || m.kind != ST_THOR_SWAP ||
            strcmp(m.chain, "ETH")) {
            if ((rc = inj_push(x, &v))) goto out; /* listed, not linked */
            continue;
        }
        /* the outbound: a TransferOut whose memo is OUT:<this txid> */
        char tid[65];
        uint8_t want[32];
        st_chain_hash_hex(k.tx_hash[t], tid);
        if (st_hex_decode(tid, want, 32)) continue;
        for (size_t q = 0; q < st_evm_events_count(x->o.events) && v.flow == ST_EVM_NONE; q++) {
            const st_evm_event *ev = st_evm_events_get(x->o.events, q);
            st_evm_thor d;
            st_thor_memo om;
            if (ev->kind != ST_EVM_EV_THOR_TRANSFER_OUT || st_evm_thor_decode(ev, &d) ||
                st_thor_memo_parse(d.memo, strlen(d.memo), &om, &e2) || om.kind != ST_THOR_OUT ||
                memcmp(om.hash, want, 32))
                continue;
            uint64_t payee;
            if (!st_evm_find_addr(x->e, d.to, &payee)) continue;
            st_evm_tx ot;
            st_evm_get_tx(x->e, ev->tx, &ot);
            for (uint64_t g = ot.first_flow; g < ot.first_flow + ot.nflows; g++) {
                st_evm_flow fl;
                st_evm_get_flow(x->e, g, &fl);
                if (fl.to != payee || fl.kind == ST_EVM_FEE || st_u256_cmp(&fl.amount, &d.amount)) continue;
                v.flow = g;
                v.out_tx = ev->tx;
                v.asset = fl.asset;
                v.amount_out = fl.amount;
                (void)st_u256_muldiv(&v.tainted_out, &fl.amount, &v.tainted_in, &v.amount_in);
                snprintf(v.out_memo, sizeof v.out_memo, "%s", d.memo);
                break;
            }
        }
        if ((rc = inj_push(x, &v))) goto out;
    }
    /* the same injections as the round before: the walks agree */
    if (x->ninj != nold) *changed = 1;
    for (size_t i = 0; i < x->ninj && !*changed; i++)
        *changed = x->inj[i].flow != old[i].flow || st_u256_cmp(&x->inj[i].tainted_out, &old[i].tainted_out);
out:
    st_free(old);
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory linking bridges");
    return rc;
}

int xt_btc_source_notes(st_xtrace *x, st_error *err) {
    if (!x->btc) return ST_OK;
    st_chain_cols k;
    st_chain_get_cols(x->btc, &k);
    for (size_t i = 0; i < x->nbsrc; i++) {
        uint64_t t = st_chain_out_tx(x->btc, x->bsrc[i]);
        int has = 0;
        uint64_t o0, o1;
        st_chain_tx_outs(&k, t, &o0, &o1);
        for (uint64_t o = o0; o < o1 && !has; o++)
            has = k.out_type[o] == ST_SCRIPT_OP_RETURN;
        if (!has) continue;
        uint8_t *raw;
        size_t len;
        st_error e2;
        char memo[256], tid[65], hx[67] = "0x";
        st_thor_memo m;
        if (st_chain_tx_raw(x->btc, t, &raw, &len, &e2)) continue;
        int found = op_return_memo(raw, len, memo, sizeof memo);
        st_free(raw);
        if (!found || st_thor_memo_parse(memo, strlen(memo), &m, &e2) || m.kind == ST_THOR_SWAP) continue;
        st_chain_hash_hex(k.tx_hash[t], tid);
        st_hex_encode(m.hash, 32, hx + 2);
        uint64_t in_tx;
        uint8_t h[32];
        int rc;
        (void)h;
        if (x->e && st_evm_find_tx(x->e, hx, &in_tx) == 1)
            rc = xt_note(x, "Bitcoin transaction %s is THORChain's %s for Ethereum transaction %s: trace from there "
                            "for the whole path",
                         tid, m.kind == ST_THOR_OUT ? "outbound" : "refund", hx);
        else if (!st_chain_hash_parse(hx + 2, h) && st_chain_find_tx(x->btc, h, &in_tx)) /* shown order -> stored */
            rc = xt_note(x, "Bitcoin transaction %s is THORChain's refund of Bitcoin transaction %.64s", tid, hx + 2);
        else
            rc = xt_note(x, "Bitcoin transaction %s says %s:%.64s, a transaction neither store holds: its inbound is "
                            "missing%s",
                         tid, m.kind == ST_THOR_OUT ? "OUT" : "REFUND", hx + 2,
                         x->e ? "" : " (give the Ethereum store, --evm-db)");
        if (rc) return st_error_set(err, rc, "out of memory");
    }
    return ST_OK;
}
