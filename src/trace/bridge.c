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

/* ---- the index of outbound memos -------------------------------------- */

typedef struct ob_entry {
    uint8_t hash[32];
    uint64_t tx;
    int kind;
    char memo[96];
} ob_entry;

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
        for (uint64_t o = k.tx_first_out[t]; o < k.tx_first_out[t + 1] && !has; o++)
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
        for (uint64_t o = k.tx_first_out[t]; o < k.tx_first_out[t + 1]; o++) {
            if (k.out_addr[o] == ST_CHAIN_NONE) continue;
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
            if ((rc = build_index(x, &ob, &nob, err))) goto out;
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
    st_free(ob);
    return rc;
}
