/*
 * synth.c - a synthetic Bitcoin chain in Bitcoin Core's blk format
 * (regtest magic) with a planted DPRK-style exchange theft.
 *
 * Design: one pass, one RNG (xoshiro256** from the seed), no per-address
 * memory: an address is a 64-bit key id whose script type and program are
 * derived from the id.  Users are wallets with a bounded set of spendable
 * outputs (WSLOTS each; an output arriving at a full wallet replaces one,
 * which then stays unspent for good), so memory is bounded whatever --txs.
 * A transaction spends outputs of one wallet only (the multi-input
 * heuristic holds, except in the CoinJoin), pays other wallets and returns
 * change to its own (a fresh key, or its last key: address reuse).
 * Ordinary traffic mixes payments (1-20 inputs, 1-200 outputs, log-uniform
 * amounts), exchange deposits, sweeps (which also pull in a hot-wallet
 * output) and batched withdrawals.  The theft and its laundering (peel chain, fan-out to fresh
 * addresses, a CoinJoin with equal outputs, deposits into exchanges) run as
 * a scripted queue of actions interleaved with that traffic.  Blocks carry
 * real merkle roots and meet the regtest proof-of-work target; scripts and
 * signatures are random bytes of realistic size (ingest does not verify
 * them) and the subsidy is a flat 50 BTC.
 * Outputs: blk00000.dat.. (128 MiB each), tagpack.yaml (GraphSense TagPack
 * naming the thief's and the exchanges' addresses), truth.json.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chain/chain_int.h"
#include "core/rand.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/progress.h"

#define WSLOTS 12
#define FILE_MAX (128u << 20)
#define TX_MAX (1u << 20)
#define NEXCH 3
#define HOT_MAX 4096
#define PEND_MAX 4096
#define COIN 100000000LL

typedef struct utxo {
    uint8_t txid[32];
    uint32_t vout;
    int64_t value;
    uint64_t key;
} utxo;

/* A user wallet: its spendable outputs (bounded) and the key it reuses. */
typedef struct wallet {
    utxo u[WSLOTS];
    uint32_t n;
    uint64_t last_key;
} wallet;

typedef struct exch {
    const char *name;
    uint64_t hot[3];
    utxo hotu[HOT_MAX];
    size_t nhot;
    utxo pend[PEND_MAX];  /* deposits waiting for a sweep */
    size_t npend;
    uint64_t deposits, tagged;
} exch;

typedef struct out_spec {
    uint64_t key;
    int64_t value;
    int op_return;
} out_spec;

typedef struct synth {
    uint64_t s[4]; /* RNG */
    uint64_t seed, next_key;
    wallet *w;
    uint32_t nw;
    exch ex[NEXCH];
    /* the transaction being built */
    uint8_t *ins, *outs, *wit, *tx;
    size_t lins, louts, lwit, ltx;
    uint32_t nin, nout;
    int segwit;
    out_spec *os;
    /* the block being built */
    uint8_t *blk;
    size_t lblk;
    uint8_t (*txids)[32], (*wtxids)[32]; /* wtxids: for the witness commitment */
    size_t ntx_blk, cap_txids;
    int blk_segwit; /* some transaction of the block carries witness data */
    uint8_t prev[32];
    int64_t height;
    uint64_t txs_done, fees;
    /* output files */
    FILE *f;
    int fileno;
    size_t fbytes;
    const char *dir;
    size_t file_max;
    st_buf truth, tags;
    int err;
} synth;

/* ---- RNG ---- */
static uint64_t rotl(uint64_t x, int k) { return x << k | x >> (64 - k); }
static uint64_t rnd(synth *s) {
    uint64_t r = rotl(s->s[1] * 5, 7) * 9, t = s->s[1] << 17;
    s->s[2] ^= s->s[0], s->s[3] ^= s->s[1], s->s[1] ^= s->s[2], s->s[0] ^= s->s[3];
    s->s[2] ^= t, s->s[3] = rotl(s->s[3], 45);
    return r;
}
static uint64_t below(synth *s, uint64_t n) { return n ? rnd(s) % n : 0; }
static double unit(synth *s) { return (double)(rnd(s) >> 11) / 9007199254740992.0; }
static uint64_t mix(uint64_t z) { return st_mix64(z); }

/* ---- addresses from key ids ---- */
enum { K_ANY = 0, K_PLAIN = 1 }; /* PLAIN: one of the address types with text */

static int key_type(const synth *s, uint64_t key) {
    uint64_t h = mix(key ^ s->seed) % 1000;
    if (h < 450) return ST_SCRIPT_P2WPKH;
    if (h < 650) return ST_SCRIPT_P2PKH;
    if (h < 800) return ST_SCRIPT_P2SH;
    if (h < 920) return ST_SCRIPT_P2TR;
    if (h < 980) return ST_SCRIPT_P2WSH;
    if (h < 990) return ST_SCRIPT_P2PK;
    return ST_SCRIPT_MULTISIG;
}

static uint64_t new_key(synth *s, int plain) {
    for (;;) {
        uint64_t k = s->next_key++;
        int t = key_type(s, k);
        if (!plain || (t != ST_SCRIPT_P2PK && t != ST_SCRIPT_MULTISIG)) return k;
    }
}

static void key_bytes(const synth *s, uint64_t key, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = mix(key * 0x100000001b3ull + i + s->seed * 31);
        memcpy(out + i, &v, n - i < 8 ? n - i : 8);
    }
}

/* scriptPubKey of key into out (<= 110 bytes); returns its length. */
static size_t key_script(const synth *s, uint64_t key, uint8_t *o) {
    uint8_t p[66];
    key_bytes(s, key, p, sizeof p);
    switch (key_type(s, key)) {
    case ST_SCRIPT_P2PKH:
        o[0] = 0x76, o[1] = 0xa9, o[2] = 20, memcpy(o + 3, p, 20), o[23] = 0x88, o[24] = 0xac;
        return 25;
    case ST_SCRIPT_P2SH: o[0] = 0xa9, o[1] = 20, memcpy(o + 2, p, 20), o[22] = 0x87; return 23;
    case ST_SCRIPT_P2WPKH: o[0] = 0, o[1] = 20, memcpy(o + 2, p, 20); return 22;
    case ST_SCRIPT_P2WSH: o[0] = 0, o[1] = 32, memcpy(o + 2, p, 32); return 34;
    case ST_SCRIPT_P2TR: o[0] = 0x51, o[1] = 32, memcpy(o + 2, p, 32); return 34;
    case ST_SCRIPT_P2PK: o[0] = 33, o[1] = 2 | (p[0] & 1), memcpy(o + 2, p + 1, 32), o[34] = 0xac; return 35;
    default: /* 1-of-2 bare multisig */
        o[0] = 0x51, o[1] = 33, o[2] = 2, memcpy(o + 3, p, 32), o[35] = 33, o[36] = 3;
        memcpy(o + 37, p + 32, 32), o[69] = 0x52, o[70] = 0xae;
        return 71;
    }
}

static void key_text(const synth *s, uint64_t key, char *out, size_t n) {
    uint8_t sc[110];
    size_t l = key_script(s, key, sc);
    int type;
    chain_addr_key k;
    out[0] = 0;
    if (chain_script_classify(sc, l, &type, &k)) chain_addr_encode(&k, ST_NET_REGTEST, out, n);
}

/* ---- serialization ---- */
static void put(uint8_t *b, size_t *l, const void *p, size_t n) {
    memcpy(b + *l, p, n);
    *l += n;
}
static void put32(uint8_t *b, size_t *l, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, l, x, 4);
}
static void put64(uint8_t *b, size_t *l, uint64_t v) {
    put32(b, l, (uint32_t)v);
    put32(b, l, (uint32_t)(v >> 32));
}
static void putvar(uint8_t *b, size_t *l, uint64_t v) {
    if (v < 0xfd) b[(*l)++] = (uint8_t)v;
    else if (v <= 0xffff) b[(*l)++] = 0xfd, b[(*l)++] = (uint8_t)v, b[(*l)++] = (uint8_t)(v >> 8);
    else b[(*l)++] = 0xfe, put32(b, l, (uint32_t)v);
}
static void putrand(synth *s, uint8_t *b, size_t *l, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rnd(s);
        memcpy(b + *l + i, &v, n - i < 8 ? n - i : 8);
    }
    *l += n;
}
static void putpush(synth *s, uint8_t *b, size_t *l, size_t n) {
    b[(*l)++] = (uint8_t)n;
    putrand(s, b, l, n);
}

static void tx_begin(synth *s) { s->lins = s->louts = s->lwit = 0, s->nin = s->nout = 0, s->segwit = 0; }

/* Spend u: scriptSig and witness shaped by the script type it pays. */
static void tx_in(synth *s, const utxo *u) {
    uint8_t *b = s->ins;
    size_t *l = &s->lins;
    put(b, l, u->txid, 32);
    put32(b, l, u->vout);
    size_t w0 = s->lwit;
    switch (key_type(s, u->key)) {
    case ST_SCRIPT_P2PKH:
        b[(*l)++] = 106, putpush(s, b, l, 71), putpush(s, b, l, 33);
        s->wit[s->lwit++] = 0;
        break;
    case ST_SCRIPT_P2PK: b[(*l)++] = 72, putpush(s, b, l, 71), s->wit[s->lwit++] = 0; break;
    case ST_SCRIPT_MULTISIG: b[(*l)++] = 73, b[(*l)++] = 0, putpush(s, b, l, 71), s->wit[s->lwit++] = 0; break;
    case ST_SCRIPT_P2SH: /* P2SH-P2WPKH */
        b[(*l)++] = 23, b[(*l)++] = 22, b[(*l)++] = 0, b[(*l)++] = 20, putrand(s, b, l, 20);
        s->wit[s->lwit++] = 2, putpush(s, s->wit, &s->lwit, 71), putpush(s, s->wit, &s->lwit, 33);
        s->segwit = 1;
        break;
    case ST_SCRIPT_P2WPKH:
        b[(*l)++] = 0;
        s->wit[s->lwit++] = 2, putpush(s, s->wit, &s->lwit, 71), putpush(s, s->wit, &s->lwit, 33);
        s->segwit = 1;
        break;
    case ST_SCRIPT_P2WSH:
        b[(*l)++] = 0;
        s->wit[s->lwit++] = 4, s->wit[s->lwit++] = 0;
        putpush(s, s->wit, &s->lwit, 71), putpush(s, s->wit, &s->lwit, 71), putpush(s, s->wit, &s->lwit, 71);
        s->segwit = 1;
        break;
    default: /* P2TR key path */
        b[(*l)++] = 0;
        s->wit[s->lwit++] = 1, putpush(s, s->wit, &s->lwit, 64);
        s->segwit = 1;
    }
    (void)w0;
    put32(b, l, 0xfffffffd);
    s->nin++;
}

static void tx_out_script(synth *s, int64_t value, const uint8_t *sc, size_t n) {
    put64(s->outs, &s->louts, (uint64_t)value);
    putvar(s->outs, &s->louts, n);
    put(s->outs, &s->louts, sc, n);
    s->nout++;
}
static void tx_out(synth *s, uint64_t key, int64_t value) {
    uint8_t sc[110];
    tx_out_script(s, value, sc, key_script(s, key, sc));
}

/* Serialize the transaction being built into s->tx; its txid into txid.
 * Returns the serialized length. */
static size_t tx_finish(synth *s, uint8_t txid[32]) {
    uint8_t *t = s->tx;
    size_t l = 0;
    put32(t, &l, 2);
    if (s->segwit) t[l++] = 0, t[l++] = 1;
    size_t body = l;
    putvar(t, &l, s->nin);
    put(t, &l, s->ins, s->lins);
    putvar(t, &l, s->nout);
    put(t, &l, s->outs, s->louts);
    size_t body_end = l;
    if (s->segwit) put(t, &l, s->wit, s->lwit);
    put32(t, &l, 0);
    if (s->segwit) {
        /* legacy serialization for the txid: version | body | locktime */
        uint8_t *leg = s->wit + s->lwit; /* scratch after the witness bytes */
        size_t ll = 0;
        put(leg, &ll, t, 4);
        put(leg, &ll, t + body, body_end - body);
        put(leg, &ll, t + l - 4, 4);
        st_sha256d(leg, ll, txid);
    } else {
        st_sha256d(t, l, txid);
    }
    return l;
}

/* Finish and append to the block body. */
static void tx_end(synth *s, uint8_t txid[32]) {
    size_t l = tx_finish(s, txid);
    put(s->blk, &s->lblk, s->tx, l);
    if (s->ntx_blk == s->cap_txids) {
        size_t n = s->cap_txids * 2;
        uint8_t (*p)[32] = st_realloc(s->txids, n * 32);
        if (p) s->txids = p;
        uint8_t (*q)[32] = p ? st_realloc(s->wtxids, n * 32) : NULL;
        if (!q) {
            s->err = ST_ENOMEM;
            return;
        }
        s->wtxids = q, s->cap_txids = n;
    }
    memcpy(s->txids[s->ntx_blk], txid, 32);
    if (s->segwit) st_sha256d(s->tx, l, s->wtxids[s->ntx_blk]), s->blk_segwit = 1;
    else memcpy(s->wtxids[s->ntx_blk], txid, 32);
    s->ntx_blk++;
    s->txs_done++;
}

/* ---- wallets ---- */
static void wallet_add(synth *s, uint32_t w, const uint8_t txid[32], uint32_t vout, int64_t value, uint64_t key) {
    wallet *wl = &s->w[w];
    utxo *u = wl->n < WSLOTS ? &wl->u[wl->n++] : &wl->u[below(s, WSLOTS)];
    memcpy(u->txid, txid, 32), u->vout = vout, u->value = value, u->key = key;
}
static utxo wallet_take(synth *s, uint32_t w, uint32_t i) {
    wallet *wl = &s->w[w];
    utxo u = wl->u[i];
    wl->u[i] = wl->u[--wl->n];
    return u;
}
/* A random wallet with something to spend; 0 when none found. */
static int wallet_pick(synth *s, uint32_t *w) {
    for (int t = 0; t < 64; t++) {
        uint32_t i = (uint32_t)below(s, s->nw);
        if (s->w[i].n) {
            *w = i;
            return 1;
        }
    }
    return 0;
}
/* Receiving key of wallet w: its last key 30% of the time (reuse). */
static uint64_t wallet_key(synth *s, uint32_t w) {
    wallet *wl = &s->w[w];
    if (!wl->last_key || below(s, 100) >= 30) wl->last_key = new_key(s, K_ANY);
    return wl->last_key;
}
/* An output worth at least min from some wallet; 0 when none found. */
static int wallet_pick_value(synth *s, int64_t min, utxo *out, uint32_t *wout) {
    for (int t = 0; t < 256; t++) {
        uint32_t w = (uint32_t)below(s, s->nw);
        for (uint32_t i = 0; i < s->w[w].n; i++)
            if (s->w[w].u[i].value >= min) {
                *out = wallet_take(s, w, i);
                *wout = w;
                return 1;
            }
    }
    return 0;
}

/* ---- truth and tags ---- */
static void tag(synth *s, uint64_t key, const char *label, const char *category, const char *abuse,
                const char *actor) {
    char a[100];
    key_text(s, key, a, sizeof a);
    st_buf_printf(&s->tags, "- address: %s\n  currency: BTC\n  label: %s\n", a, label);
    if (category) st_buf_printf(&s->tags, "  category: %s\n", category);
    if (abuse) st_buf_printf(&s->tags, "  abuse: %s\n", abuse);
    if (actor) st_buf_printf(&s->tags, "  actor: %s\n", actor);
}

static void hexid(const uint8_t h[32], char out[65]) { st_chain_hash_hex(h, out); }

/* ---- blocks ---- */
/* Start a new blk file when `record` more bytes would not fit (a record
 * never straddles two files), then append p[0..n). */
static int file_put(synth *s, const uint8_t *p, size_t n, size_t record) {
    if (!s->f || (record && s->fbytes + record > s->file_max)) {
        char path[1200];
        if (s->f && fclose(s->f) != 0) return ST_EIO;
        snprintf(path, sizeof path, "%s/blk%05d.dat", s->dir, s->fileno++);
        if (!(s->f = fopen(path, "wb"))) return ST_EIO;
        s->fbytes = 0;
    }
    if (fwrite(p, 1, n, s->f) != n) return ST_EIO;
    s->fbytes += n;
    return ST_OK;
}

static void block_begin(synth *s) {
    s->lblk = 0;
    s->ntx_blk = 1; /* slot 0: the coinbase, built last when the fees are known */
    s->blk_segwit = 0;
    s->height++;
}

/* Build the coinbase, header and record; write them.  The coinbase pays
 * subsidy + fees to nsplit outputs: to wallet `miner`, or spread over
 * random wallets when nsplit > 1 (the first blocks hand out coins). */
static int block_end(synth *s, int64_t subsidy, uint32_t miner, int nsplit) {
    uint8_t txid[32];
    int64_t total = subsidy + (int64_t)s->fees;
    s->fees = 0;
    tx_begin(s);
    uint8_t *b = s->ins;
    size_t *l = &s->lins;
    memset(b, 0, 32), *l = 32, put32(b, l, 0xffffffff);
    uint8_t cb[16];
    size_t cl = 0;
    int64_t h = s->height;
    uint8_t hb[8] = {0};
    int n = 0;
    while (h) hb[n++] = (uint8_t)h, h >>= 8;
    if (n && (hb[n - 1] & 0x80)) hb[n++] = 0;
    cb[cl++] = (uint8_t)n; /* BIP34: the height as the first push */
    memcpy(cb + cl, hb, (size_t)n), cl += (size_t)n;
    uint64_t en = rnd(s);
    cb[cl++] = 4, memcpy(cb + cl, &en, 4), cl += 4;
    putvar(b, l, cl), put(b, l, cb, cl), put32(b, l, 0xffffffff);
    s->nin = 1;
    uint64_t keys[200];
    uint32_t owners[200];
    for (int i = 0; i < nsplit; i++) {
        owners[i] = nsplit > 1 ? (uint32_t)below(s, s->nw) : miner;
        keys[i] = wallet_key(s, owners[i]);
        tx_out(s, keys[i], total / nsplit + (i == 0 ? total % nsplit : 0));
    }
    /* BIP141 witness commitment: dSHA256(witness merkle root || reserved
     * value), the reserved value (32 zero bytes, as Bitcoin Core) being the
     * coinbase's witness; random bytes of the same shape in blocks without
     * witness data (nothing checks those) */
    uint8_t wc[38] = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
    size_t wl = 6;
    putrand(s, wc, &wl, 32);
    if (s->blk_segwit) {
        uint8_t (*scr)[32] = st_malloc(s->ntx_blk * 32), pair[64];
        if (!scr) return ST_ENOMEM;
        memset(s->wtxids[0], 0, 32);
        chain_merkle_root((const uint8_t (*)[32])s->wtxids, s->ntx_blk, scr, pair);
        st_free(scr);
        memset(pair + 32, 0, 32);
        st_sha256d(pair, 64, wc + 6);
        s->segwit = 1;
        s->lwit = 0;
        s->wit[s->lwit++] = 1, s->wit[s->lwit++] = 32;
        memset(s->wit + s->lwit, 0, 32), s->lwit += 32;
    }
    tx_out_script(s, 0, wc, 38);
    size_t cblen = tx_finish(s, txid);
    s->txs_done++;
    memcpy(s->txids[0], txid, 32);
    for (int i = 0; i < nsplit; i++)
        wallet_add(s, owners[i], txid, (uint32_t)i, total / nsplit + (i == 0 ? total % nsplit : 0), keys[i]);
    uint8_t hdr[8 + 80 + 9];
    size_t hl = 8;
    put32(hdr, &hl, 0x20000000);
    put(hdr, &hl, s->prev, 32);
    uint8_t (*scr)[32] = st_malloc(s->ntx_blk * 32);
    if (!scr) return ST_ENOMEM;
    chain_merkle_root((const uint8_t (*)[32])s->txids, s->ntx_blk, scr, hdr + 8 + 36);
    st_free(scr);
    hl = 8 + 68;
    put32(hdr, &hl, (uint32_t)(1600000000 + 600 * s->height));
    put32(hdr, &hl, 0x207fffff);
    uint8_t hash[32];
    for (uint32_t nonce = 0;; nonce++) { /* regtest target: one try in two */
        hl = 8 + 76;
        put32(hdr, &hl, nonce);
        st_sha256d(hdr + 8, 80, hash);
        if (chain_pow_ok(hash, 0x207fffff)) break;
    }
    memcpy(s->prev, hash, 32);
    putvar(hdr, &hl, s->ntx_blk);
    size_t blen = hl - 8 + cblen + s->lblk;
    memcpy(hdr, chain_params_get(ST_NET_REGTEST)->magic, 4);
    hl -= 0;
    size_t z = 4;
    put32(hdr, &z, (uint32_t)blen);
    if (file_put(s, hdr, hl, hl + cblen + s->lblk) || file_put(s, s->tx, cblen, 0) ||
        file_put(s, s->blk, s->lblk, 0))
        return ST_EIO;
    return ST_OK;
}

/* Finish an ordinary tx: outputs from specs, fee to the block. */
static void emit(synth *s, int64_t in_total, const out_spec *os, size_t n, uint8_t txid[32]) {
    int64_t out_total = 0;
    for (size_t i = 0; i < n; i++) {
        if (os[i].op_return) {
            uint8_t sc[42] = {0x6a, 40};
            size_t l = 2;
            putrand(s, sc, &l, 40);
            tx_out_script(s, 0, sc, 42);
        } else tx_out(s, os[i].key, os[i].value);
        out_total += os[i].value;
    }
    tx_end(s, txid);
    s->fees += (uint64_t)(in_total - out_total);
}

static int64_t fee_for(synth *s, uint32_t nin, size_t nout) {
    return (int64_t)(nin * 68 + nout * 31 + 11) * (int64_t)(1 + below(s, 40));
}

/* An ordinary payment: inputs of one wallet, payees, change in a random
 * position (so output order does not give change away). */
static void tx_payment(synth *s) {
    uint32_t w;
    if (!wallet_pick(s, &w)) return;
    uint32_t nin = 1;
    uint64_t r = below(s, 100);
    if (r >= 60) nin = r < 80 ? 2 : r < 95 ? 3 + (uint32_t)below(s, 3) : 6 + (uint32_t)below(s, 15);
    if (nin > s->w[w].n) nin = s->w[w].n;
    tx_begin(s);
    int64_t total = 0;
    for (uint32_t i = 0; i < nin; i++) {
        utxo u = wallet_take(s, w, (uint32_t)below(s, s->w[w].n));
        tx_in(s, &u);
        total += u.value;
    }
    size_t nout = 2;
    r = below(s, 100);
    if (r < 15) nout = 1;
    else if (r >= 80) nout = r < 97 ? 3 + below(s, 8) : 20 + below(s, 180);
    int64_t fee = fee_for(s, s->nin, nout);
    if (total <= fee + 2000 * (int64_t)nout) nout = 1, fee = total / 10;
    int64_t left = total - fee;
    out_spec *os = s->os;
    uint32_t owner[256];
    size_t change = nout > 1 ? below(s, nout) : nout; /* nout: no change output */
    for (size_t i = 0; i < nout; i++) {
        int64_t v;
        if (i + 1 == nout) v = left;
        else {
            /* skewed towards small amounts, sometimes round */
            double f = unit(s) * 0.9;
            v = (int64_t)((double)left * f * f / (double)(nout - i)) + 1000;
            if (below(s, 3) == 0 && v > 100000) v -= v % 100000;
            if (v > left - 1000 * (int64_t)(nout - i - 1)) v = left / (int64_t)(nout - i);
        }
        left -= v;
        owner[i] = i == change ? w : (uint32_t)below(s, s->nw);
        os[i] = (out_spec){wallet_key(s, owner[i]), v, 0};
    }
    size_t n = nout;
    if (below(s, 100) == 0) os[n++] = (out_spec){0, 0, 1};
    uint8_t txid[32];
    emit(s, total, os, n, txid);
    for (size_t i = 0; i < nout; i++) wallet_add(s, owner[i], txid, (uint32_t)i, os[i].value, os[i].key);
}

/* A fresh deposit address of exchange e. */
static uint64_t deposit_key(synth *s, exch *e) {
    uint64_t k = new_key(s, K_PLAIN);
    e->deposits++;
    if (e->tagged < 200) { /* the first deposit addresses, as a TagPack would list them */
        tag(s, k, e->name, "exchange", NULL, e->name);
        e->tagged++;
    }
    return k;
}

static void exch_receive(exch *e, const uint8_t txid[32], uint32_t vout, int64_t v, uint64_t key) {
    if (e->npend < PEND_MAX) {
        utxo *u = &e->pend[e->npend++];
        memcpy(u->txid, txid, 32), u->vout = vout, u->value = v, u->key = key;
    }
}

static void hot_add(exch *e, const uint8_t txid[32], uint32_t vout, int64_t v, uint64_t key) {
    utxo *u = e->nhot < HOT_MAX ? &e->hotu[e->nhot++] : &e->hotu[0];
    memcpy(u->txid, txid, 32), u->vout = vout, u->value = v, u->key = key;
}

static void tx_user_deposit(synth *s) {
    exch *e = &s->ex[below(s, NEXCH)];
    utxo u;
    uint32_t w;
    if (!wallet_pick_value(s, 200000, &u, &w)) return tx_payment(s);
    tx_begin(s);
    tx_in(s, &u);
    int64_t fee = fee_for(s, 1, 2), amount = (u.value - fee) / (int64_t)(1 + below(s, 3));
    uint64_t dk = deposit_key(s, e), ck = wallet_key(s, w);
    out_spec os[2] = {{dk, amount, 0}, {ck, u.value - fee - amount, 0}};
    uint8_t txid[32];
    int whole = amount == u.value - fee;
    emit(s, u.value, os, whole ? 1 : 2, txid);
    exch_receive(e, txid, 0, amount, dk);
    if (!whole) wallet_add(s, w, txid, 1, os[1].value, ck);
}

/* Consolidate deposits (and now and then a hot output) into a hot wallet. */
static void tx_sweep(synth *s, exch *e) {
    size_t n = e->npend < 100 ? e->npend : 100;
    tx_begin(s);
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        utxo u = e->pend[--e->npend];
        tx_in(s, &u);
        total += u.value;
    }
    if (e->nhot && below(s, 2)) {
        utxo u = e->hotu[--e->nhot];
        tx_in(s, &u);
        total += u.value;
    }
    int64_t fee = fee_for(s, s->nin, 1);
    uint64_t hk = e->hot[below(s, 3)];
    out_spec os = {hk, total - fee, 0};
    uint8_t txid[32];
    emit(s, total, &os, 1, txid);
    hot_add(e, txid, 0, total - fee, hk);
}

/* A batch of withdrawals to users, change back to a hot wallet. */
static void tx_withdrawal(synth *s, exch *e) {
    if (!e->nhot) return tx_payment(s);
    size_t pick = below(s, e->nhot);
    utxo u = e->hotu[pick];
    size_t n = 5 + below(s, 45);
    int64_t fee = fee_for(s, 1, n + 1);
    if (u.value < fee + (int64_t)n * 40000) return tx_payment(s);
    e->hotu[pick] = e->hotu[--e->nhot];
    tx_begin(s);
    tx_in(s, &u);
    int64_t each_max = (u.value - fee) / (int64_t)(n * 4) + 1, sum = 0;
    out_spec *os = s->os;
    uint32_t owner[64];
    for (size_t i = 0; i < n; i++) {
        int64_t v = 10000 + (int64_t)below(s, (uint64_t)each_max);
        owner[i] = (uint32_t)below(s, s->nw);
        os[i] = (out_spec){wallet_key(s, owner[i]), v, 0};
        sum += v;
    }
    uint64_t hk = e->hot[below(s, 3)];
    os[n] = (out_spec){hk, u.value - fee - sum, 0};
    uint8_t txid[32];
    emit(s, u.value, os, n + 1, txid);
    for (size_t i = 0; i < n; i++) wallet_add(s, owner[i], txid, (uint32_t)i, os[i].value, os[i].key);
    hot_add(e, txid, (uint32_t)n, os[n].value, hk);
}

/* ---- the theft ---- */
enum { A_THEFT, A_PEEL, A_FANOUT, A_COINJOIN, A_DEPOSIT_CJ, A_DEPOSIT_FAN, A_DONE };
#define PEEL_HOPS 12
#define FAN 100
#define CJ_THIEF 20

typedef struct heist {
    int step, sub;
    uint64_t due, gap;
    utxo stolen[3];
    utxo peel;        /* current change of the peel chain */
    utxo fan[FAN];
    size_t nfan;
    utxo cj[CJ_THIEF];
    size_t ncj;
    int64_t denom;
    int deposits;
    int64_t to_exch[NEXCH];
    st_buf dep; /* the "deposits" entries of truth.json */
} heist;

static void truth_deposit(synth *s, heist *hs, int ex, const uint8_t txid[32], uint32_t vout, int64_t v,
                          uint64_t key, const char *via) {
    char t[65], a[100];
    hexid(txid, t);
    key_text(s, key, a, sizeof a);
    st_buf_printf(&hs->dep, "%s\n    {\"exchange\": \"%s\", \"address\": \"%s\", \"txid\": \"%s\", \"vout\": %u, "
                  "\"value\": %lld, \"via\": \"%s\", \"height\": %lld}",
                  hs->deposits++ ? "," : "", s->ex[ex].name, a, t, vout, (long long)v, via, (long long)s->height);
    hs->to_exch[ex] += v;
}

/* One step of the planted laundering story, due at hs->due: the theft,
 * the peel chain, the fan-out, the CoinJoin, the deposits.  Long on
 * purpose: the steps are one script read top to bottom (each case sets the
 * next step and when it is due), and the truth file written beside each
 * transaction must stay next to the transaction it describes; split into a
 * function per step, the story would be scattered over a dozen places that
 * share every variable of the heist. */
static void heist_step(synth *s, heist *hs, st_buf *tr) {
    uint8_t txid[32];
    char t[65], a[100];
    exch *victim = &s->ex[2];
    switch (hs->step) {
    case A_THEFT: {
        /* refill the victim's hot wallet from the pool, then drain it */
        tx_begin(s);
        int64_t total = 0;
        uint32_t w;
        for (int i = 0; i < 40 && wallet_pick(s, &w); i++) { /* the victim's cold storage */
            utxo u = wallet_take(s, w, (uint32_t)below(s, s->w[w].n));
            tx_in(s, &u);
            total += u.value;
        }
        int64_t fee = fee_for(s, s->nin, 3);
        out_spec os[3];
        for (int i = 0; i < 3; i++) os[i] = (out_spec){victim->hot[i], (total - fee) / 3, 0};
        os[2].value += (total - fee) % 3;
        emit(s, total, os, 3, txid);
        tx_begin(s);
        utxo in[3];
        total = 0;
        for (int i = 0; i < 3; i++) {
            memcpy(in[i].txid, txid, 32), in[i].vout = (uint32_t)i, in[i].value = os[i].value, in[i].key = os[i].key;
            tx_in(s, &in[i]);
            total += in[i].value;
        }
        while (victim->nhot && s->nin < 8) { /* and whatever else is hot */
            utxo u = victim->hotu[--victim->nhot];
            tx_in(s, &u);
            total += u.value;
        }
        fee = fee_for(s, s->nin, 3);
        int64_t v0 = (total - fee) * 40 / 100, v1 = (total - fee) * 35 / 100, v2 = total - fee - v0 - v1;
        out_spec so[3] = {{new_key(s, K_PLAIN), v0, 0}, {new_key(s, K_PLAIN), v1, 0}, {new_key(s, K_PLAIN), v2, 0}};
        emit(s, total, so, 3, txid);
        hexid(txid, t);
        st_buf_printf(tr, "  \"theft\": {\"txid\": \"%s\", \"height\": %lld, \"victim\": \"%s\", "
                          "\"total_stolen\": %lld,\n    \"victim_hot_wallets\": [",
                      t, (long long)s->height, victim->name, (long long)(v0 + v1 + v2));
        for (int i = 0; i < 3; i++) {
            key_text(s, victim->hot[i], a, sizeof a);
            st_buf_printf(tr, "%s\"%s\"", i ? ", " : "", a);
        }
        st_buf_printf(tr, "],\n    \"stolen_outputs\": [");
        for (int i = 0; i < 3; i++) {
            memcpy(hs->stolen[i].txid, txid, 32), hs->stolen[i].vout = (uint32_t)i;
            hs->stolen[i].value = so[i].value, hs->stolen[i].key = so[i].key;
            key_text(s, so[i].key, a, sizeof a);
            st_buf_printf(tr, "%s\n      {\"txid\": \"%s\", \"vout\": %d, \"address\": \"%s\", \"value\": %lld, \"use\": \"%s\"}",
                          i ? "," : "", t, i, a, (long long)so[i].value,
                          i == 0 ? "peel chain" : i == 1 ? "fan-out and coinjoin" : "dormant");
            tag(s, so[i].key, "Synthetic exchange hack 2026 (DPRK-attributed)", "user", "service_hack", "lazarus_synthetic");
        }
        st_buf_printf(tr, "]},\n  \"peel_chain\": [");
        hs->peel = hs->stolen[0];
        hs->step = A_PEEL;
        hs->sub = 0;
        break;
    }
    case A_PEEL: {
        utxo u = hs->peel;
        tx_begin(s);
        tx_in(s, &u);
        int last = hs->sub == PEEL_HOPS - 1;
        int ex = (int)below(s, 2); /* deposits go to the two exchanges that were not hacked */
        int64_t fee = fee_for(s, 1, 2);
        int64_t peel = last ? u.value - fee : u.value * (int64_t)(3 + below(s, 6)) / 100;
        uint64_t dk = deposit_key(s, &s->ex[ex]), ck = new_key(s, K_PLAIN);
        out_spec os[2] = {{dk, peel, 0}, {ck, u.value - fee - peel, 0}};
        emit(s, u.value, os, last ? 1 : 2, txid);
        hexid(txid, t);
        st_buf_printf(tr, "%s\"%s\"", hs->sub ? ", " : "", t);
        exch_receive(&s->ex[ex], txid, 0, peel, dk);
        truth_deposit(s, hs, ex, txid, 0, peel, dk, "peel chain");
        memcpy(hs->peel.txid, txid, 32), hs->peel.vout = 1, hs->peel.value = os[1].value, hs->peel.key = ck;
        if (++hs->sub == PEEL_HOPS) hs->step = A_FANOUT;
        break;
    }
    case A_FANOUT: {
        utxo u = hs->stolen[1];
        tx_begin(s);
        tx_in(s, &u);
        int64_t fee = fee_for(s, 1, FAN), avail = u.value - fee;
        /* denomination: two significant digits under avail / (1.5 FAN) */
        int64_t d = avail / (FAN * 3 / 2), m = 1;
        while (d >= 100) d /= 10, m *= 10;
        hs->denom = d * m;
        out_spec *os = s->os;
        int64_t sum = 0;
        for (int i = 0; i < FAN; i++) {
            int64_t v = i + 1 < FAN ? hs->denom + hs->denom * (int64_t)(10 + below(s, 30)) / 100 : avail - sum;
            os[i] = (out_spec){new_key(s, K_PLAIN), v, 0};
            sum += v;
        }
        emit(s, u.value, os, FAN, txid);
        hexid(txid, t);
        st_buf_printf(tr, "],\n  \"fan_out\": {\"txid\": \"%s\", \"height\": %lld, \"outputs\": %d},\n", t,
                      (long long)s->height, FAN);
        for (int i = 0; i < FAN; i++) {
            memcpy(hs->fan[i].txid, txid, 32), hs->fan[i].vout = (uint32_t)i;
            hs->fan[i].value = os[i].value, hs->fan[i].key = os[i].key;
        }
        hs->nfan = FAN;
        hs->step = A_COINJOIN;
        break;
    }
    case A_COINJOIN: {
        tx_begin(s);
        utxo others[CJ_THIEF];
        uint32_t ow[CJ_THIEF];
        size_t no = 0;
        int64_t total = 0;
        for (size_t i = 0; i < CJ_THIEF; i++) {
            if (no < CJ_THIEF && wallet_pick_value(s, hs->denom + 20000, &others[no], &ow[no])) {
                tx_in(s, &others[no]);
                total += others[no++].value;
            }
            tx_in(s, &hs->fan[i]);
            total += hs->fan[i].value;
        }
        size_t parts = CJ_THIEF + no;
        int64_t fee_each = 3000;
        out_spec *os = s->os;
        size_t n = 0;
        /* equal outputs in shuffled order, then one change per participant */
        int owner[2 * CJ_THIEF];
        for (size_t i = 0; i < parts; i++) owner[i] = i < CJ_THIEF ? 1 : 0;
        for (size_t i = parts; i > 1; i--) {
            size_t j = below(s, i);
            int x = owner[i - 1];
            owner[i - 1] = owner[j], owner[j] = x;
        }
        uint64_t thief_keys[CJ_THIEF];
        size_t nt = 0;
        for (size_t i = 0; i < parts; i++) {
            uint64_t k = new_key(s, K_PLAIN);
            if (owner[i]) thief_keys[nt++] = k;
            os[n++] = (out_spec){k, hs->denom, 0};
        }
        uint32_t cw[2 * CJ_THIEF]; /* wallet of each change output, NONE for the thief */
        size_t nch = 0;
        for (size_t i = 0; i < CJ_THIEF; i++)
            if (hs->fan[i].value - hs->denom - fee_each > 1000) {
                cw[nch++] = UINT32_MAX;
                os[n++] = (out_spec){new_key(s, K_PLAIN), hs->fan[i].value - hs->denom - fee_each, 0};
            }
        for (size_t i = 0; i < no; i++)
            if (others[i].value - hs->denom - fee_each > 1000) {
                cw[nch++] = ow[i];
                os[n++] = (out_spec){wallet_key(s, ow[i]), others[i].value - hs->denom - fee_each, 0};
            }
        emit(s, total, os, n, txid);
        hexid(txid, t);
        st_buf_printf(tr, "  \"coinjoin\": {\"txid\": \"%s\", \"height\": %lld, \"denomination\": %lld, "
                          "\"inputs_from_theft\": %d, \"inputs_other\": %zu, \"outputs\": %zu},\n",
                      t, (long long)s->height, (long long)hs->denom, CJ_THIEF, no, n);
        nt = 0;
        for (size_t i = 0; i < parts; i++)
            if (owner[i]) {
                memcpy(hs->cj[nt].txid, txid, 32), hs->cj[nt].vout = (uint32_t)i;
                hs->cj[nt].value = hs->denom, hs->cj[nt].key = thief_keys[nt];
                nt++;
            }
        hs->ncj = nt;
        /* change outputs (after the equal ones) belong to their payers; the
         * other participants' equal outputs go back to them too */
        for (size_t i = parts; i < n; i++)
            if (cw[i - parts] != UINT32_MAX) wallet_add(s, cw[i - parts], txid, (uint32_t)i, os[i].value, os[i].key);
        size_t oi = 0;
        for (size_t i = 0; i < parts; i++)
            if (!owner[i]) {
                uint32_t back = ow[oi < no ? oi : 0];
                oi++;
                wallet_add(s, back, txid, (uint32_t)i, os[i].value, os[i].key);
            }
        hs->step = A_DEPOSIT_CJ;
        hs->sub = 0;
        break;
    }
    case A_DEPOSIT_CJ: {
        utxo u = hs->cj[hs->sub];
        int ex = (int)below(s, 2);
        tx_begin(s);
        tx_in(s, &u);
        int64_t fee = fee_for(s, 1, 1);
        uint64_t dk = deposit_key(s, &s->ex[ex]);
        out_spec os = {dk, u.value - fee, 0};
        emit(s, u.value, &os, 1, txid);
        exch_receive(&s->ex[ex], txid, 0, os.value, dk);
        truth_deposit(s, hs, ex, txid, 0, os.value, dk, "coinjoin");
        if ((size_t)++hs->sub == hs->ncj) hs->step = A_DEPOSIT_FAN, hs->sub = CJ_THIEF;
        break;
    }
    case A_DEPOSIT_FAN: {
        int ex = (int)below(s, 2);
        tx_begin(s);
        int64_t total = 0;
        for (int i = 0; i < 4 && hs->sub < FAN; i++, hs->sub++) {
            tx_in(s, &hs->fan[hs->sub]);
            total += hs->fan[hs->sub].value;
        }
        int64_t fee = fee_for(s, s->nin, 1);
        uint64_t dk = deposit_key(s, &s->ex[ex]);
        out_spec os = {dk, total - fee, 0};
        emit(s, total, &os, 1, txid);
        exch_receive(&s->ex[ex], txid, 0, os.value, dk);
        truth_deposit(s, hs, ex, txid, 0, os.value, dk, "fan-out");
        if (hs->sub >= FAN) hs->step = A_DONE;
        break;
    }
    default: break;
    }
}

int st_chain_synth(const char *outdir, const st_synth_opts *opts, st_error *err) {
    synth *s = st_calloc(1, sizeof *s);
    heist hs;
    int rc = ST_ENOMEM;
    memset(&hs, 0, sizeof hs);
    st_buf_init(&hs.dep, 16u << 20);
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (opts->txs < 10 || opts->txs > 2000000000ull) {
        st_free(s);
        return st_error_set(err, ST_EINVAL, "--txs must be between 10 and 2e9");
    }
    if ((rc = st_mkdir_p(outdir, err))) {
        st_free(s);
        return rc;
    }
    rc = ST_ENOMEM;
    s->dir = outdir;
    s->file_max = opts->file_max ? (size_t)opts->file_max : FILE_MAX;
    s->seed = opts->seed;
    for (int i = 0; i < 4; i++) s->s[i] = mix(opts->seed * 4 + (uint64_t)i + 1);
    s->next_key = 1;
    st_buf_init(&s->truth, 64u << 20);
    st_buf_init(&s->tags, 64u << 20);
    uint64_t nw = opts->txs / 40;
    s->nw = (uint32_t)(nw < 1000 ? 1000 : nw > 200000 ? 200000 : nw);
    s->w = st_calloc(s->nw, sizeof *s->w);
    s->ins = st_malloc(TX_MAX), s->outs = st_malloc(TX_MAX), s->wit = st_malloc(3 * TX_MAX), s->tx = st_malloc(3 * TX_MAX);
    s->blk = st_malloc(CHAIN_MAX_BLOCK + 4 * TX_MAX);
    s->os = st_malloc(1024 * sizeof *s->os);
    s->cap_txids = 4096;
    s->txids = st_malloc(s->cap_txids * 32);
    s->wtxids = st_malloc(s->cap_txids * 32);
    if (!s->w || !s->ins || !s->outs || !s->wit || !s->tx || !s->blk || !s->os || !s->txids || !s->wtxids) goto done;
    static const char *names[NEXCH] = {"Hanul Exchange", "Bitplaza", "Coinwave"};
    st_buf_printf(&s->tags, "title: sanctrace synthetic laundering scenario (seed %llu)\n"
                            "creator: sanctrace chain synth\n"
                            "description: Addresses of a planted exchange theft and of the exchanges in a synthetic regtest chain\n"
                            "currency: BTC\nlastmod: 2026-01-01\nconfidence: ownership\nis_public: true\ntags:\n",
                  (unsigned long long)opts->seed);
    for (int e = 0; e < NEXCH; e++) {
        s->ex[e].name = names[e];
        for (int i = 0; i < 3; i++) {
            s->ex[e].hot[i] = new_key(s, K_PLAIN);
            tag(s, s->ex[e].hot[i], names[e], "exchange", NULL, names[e]);
        }
    }
    st_chain_hash_parse(chain_params_get(ST_NET_REGTEST)->genesis, s->prev);
    st_buf_printf(&s->truth, "{\n  \"network\": \"regtest\",\n  \"seed\": %llu,\n", (unsigned long long)opts->seed);
    uint64_t N = opts->txs;
    uint64_t per_block = N / 200;
    if (per_block < 10) per_block = 10;
    if (per_block > 2500) per_block = 2500;
    uint64_t theft_at = N * 3 / 10;
    hs.gap = (N * 6 / 10) / (PEEL_HOPS + 2 + CJ_THIEF + FAN / 4 + 4) + 1;
    hs.due = theft_at;
    hs.step = -1;
    st_progress pg;
    if (opts->progress) st_progress_begin(&pg, "synth transactions", N);
    int64_t subsidy = 50 * COIN;
    while (s->txs_done < N && !s->err) {
        block_begin(s);
        s->txs_done++; /* the coinbase, written by block_end */
        uint64_t in_block = 1;
        int bootstrap = s->height <= 3;
        while (!bootstrap && in_block < per_block && s->txs_done < N && s->lblk < CHAIN_MAX_BLOCK - 300000) {
            if (hs.step == -1 && s->txs_done >= theft_at) hs.step = A_THEFT, hs.due = s->txs_done;
            if (hs.step >= 0 && hs.step != A_DONE && s->txs_done >= hs.due) {
                heist_step(s, &hs, &s->truth);
                hs.due = s->txs_done + hs.gap;
            } else {
                uint64_t r = below(s, 1000);
                exch *e = &s->ex[below(s, NEXCH)];
                if (e->npend >= 60 && r < 40) tx_sweep(s, e);
                else if (r < 80) tx_user_deposit(s);
                else if (r < 110) tx_withdrawal(s, e);
                else tx_payment(s);
            }
            in_block++;
        }
        s->txs_done--;
        if ((rc = block_end(s, subsidy, (uint32_t)below(s, 5), bootstrap ? 200 : 1))) goto done;
        if (opts->progress) st_progress_tick(&pg, s->txs_done);
    }
    if (opts->progress) st_progress_end(&pg);
    if (s->err) {
        rc = s->err;
        goto done;
    }
    if (s->f && fclose(s->f) != 0) {
        s->f = NULL;
        rc = ST_EIO;
        goto done;
    }
    s->f = NULL;
    if (hs.step != A_DONE) {
        rc = st_error_set(err, ST_EINVAL, "--txs %llu is too small for the planted theft to complete; use 20000 or more",
                          (unsigned long long)N);
        goto out;
    }
    st_buf_printf(&s->truth, "  \"deposits\": [%s\n  ],\n  \"deposited_by_exchange\": {", hs.dep.data ? hs.dep.data : "");
    for (int e = 0; e < NEXCH; e++)
        st_buf_printf(&s->truth, "%s\"%s\": %lld", e ? ", " : "", s->ex[e].name, (long long)hs.to_exch[e]);
    st_buf_printf(&s->truth, "},\n  \"exchanges\": {");
    for (int e = 0; e < NEXCH; e++) {
        char a[100];
        st_buf_printf(&s->truth, "%s\n    \"%s\": {\"deposit_addresses\": %llu, \"hot_wallets\": [", e ? "," : "",
                      s->ex[e].name, (unsigned long long)s->ex[e].deposits);
        for (int i = 0; i < 3; i++) {
            key_text(s, s->ex[e].hot[i], a, sizeof a);
            st_buf_printf(&s->truth, "%s\"%s\"", i ? ", " : "", a);
        }
        st_buf_printf(&s->truth, "]}");
    }
    st_buf_printf(&s->truth, "\n  },\n  \"blocks\": %lld,\n  \"transactions\": %llu\n}\n", (long long)s->height,
                  (unsigned long long)s->txs_done);
    {
        char path[1200];
        snprintf(path, sizeof path, "%s/truth.json", outdir);
        if ((rc = st_file_write_atomic(path, s->truth.data, s->truth.len, err))) goto out;
        snprintf(path, sizeof path, "%s/tagpack.yaml", outdir);
        if ((rc = st_file_write_atomic(path, s->tags.data, s->tags.len, err))) goto out;
    }
    rc = ST_OK;
    goto out;
done:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory generating the chain");
    else if (rc) st_error_at(err, rc, outdir, 0, -1, "cannot write block files: %s", strerror(errno));
out:
    if (s->f) fclose(s->f);
    st_buf_free(&s->truth);
    st_buf_free(&s->tags);
    st_buf_free(&hs.dep);
    st_free(s->w), st_free(s->ins), st_free(s->outs), st_free(s->wit), st_free(s->tx);
    st_free(s->blk), st_free(s->os), st_free(s->txids), st_free(s->wtxids);
    st_free(s);
    return rc;
}
