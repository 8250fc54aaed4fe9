/*
 * xsynth.c - a Bybit-shaped theft across two chains, written as files the
 * stores ingest: an ethereum-etl export (evm/) and Bitcoin Core block
 * files in regtest format (btc/), with a TagPack and the ground truth.
 *
 * The story (Ethereum): a cold wallet (a contract) holding ether and a
 * liquid-staking-like token is drained by a call from the thief's account
 * (an internal ether transfer and a token Transfer in one transaction);
 * the loot is split over --splits fresh addresses; the token is swapped
 * to ether in a constant-product pool (Uniswap V2's Swap event); part of
 * the ether goes into a fixed-denomination mixer; the rest is deposited
 * into THORChain's router (Deposit events whose memos name Bitcoin
 * addresses, in the protocol's long and short forms).  Clean traffic and
 * dust (address poisoning) run beside it.  On Bitcoin, a vault funded by
 * coinbases pays each memo's address in a transaction whose OP_RETURN
 * says OUT:<ethereum hash>; the launderer peels each payment into
 * exchange deposits, puts what is left through a CoinJoin and deposits
 * its equal outputs.
 *
 * Ground truth: the amounts each Bitcoin exchange received from the theft.
 * The laundering is built so that those amounts are what FIFO must find,
 * with no judgement in between: every laundering address spends its
 * tainted coins before anything clean it holds (dust arrives after the
 * loot and is never spent; the thief's gas money is exactly the drain's
 * fee), so each deposit is tainted in full, and the launderer's CoinJoin
 * inputs and outputs come first with the peers paying the fee.  Haircut
 * and poison give other answers on the same files; all models must still
 * account for every wei and satoshi.
 *
 * The Bitcoin side (btc_side) also runs alone, for THORChain inbounds
 * played elsewhere (tests/lib/evm_scenario.py on a node) and read from a
 * CSV: the same vault, peel chains, CoinJoin and exchanges, so the truth
 * holds under FIFO exactly when every inbound was wholly tainted on
 * Ethereum (the player makes sure of that).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/fs.h"
#include "core/rand.h"
#include "core/sha256.h"
#include "sanctrace/io.h"
#include "sanctrace/xtrace.h"
#include "trace/xsynth.h"

__extension__ typedef unsigned __int128 u128;

#define ETHER ((u128)1000000000000000000ULL)
#define GWEI 1000000000ULL
#define GAS_PRICE (12 * GWEI)
#define SAT_PER_BTC 100000000LL
#define NEXCH 3
#define NDEP 4 /* deposit addresses per exchange */
#define MAX_SPLITS 400
#define BUF_MAX ((size_t)1 << 30) /* a file of the scenario */

static const char *const exch_names[NEXCH] = {"Exchange Alpha", "Exchange Beta", "Exchange Gamma"};

/* ---- Ethereum export ---------------------------------------------------- */

typedef struct eth {
    st_buf txs, rcpt, blocks, logs, traces;
    uint64_t block, seed, counter;
    uint32_t txi, logi;
    char miner[43];
} eth;

static void u128_text(u128 v, char out[48]) {
    char t[48];
    int n = 0;
    do {
        t[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) out[i] = t[n - 1 - i];
    out[n] = 0;
}

static void derive(uint64_t seed, const char *what, uint64_t id, uint8_t *out, size_t n) {
    char in[96];
    uint8_t h[32];
    int l = snprintf(in, sizeof in, "sanctrace-xsynth:%llu:%s:%llu", (unsigned long long)seed, what,
                     (unsigned long long)id);
    st_sha256(in, (size_t)l, h);
    memcpy(out, h, n);
}

typedef struct eaddr {
    uint8_t b[20];
    char t[43];
} eaddr;

static eaddr eth_addr(uint64_t seed, const char *what, uint64_t id) {
    eaddr a = {{0}, {0}};
    derive(seed, what, id, a.b, 20);
    st_evm_addr_format(a.b, a.t);
    return a;
}

static void eth_block(eth *e) {
    if (e->txi)
        st_buf_printf(&e->blocks, "%llu,%s,%llu\n", (unsigned long long)e->block, e->miner,
                      1700000000ULL + 12 * (unsigned long long)(e->block - 20000000));
    e->block++;
    e->txi = e->logi = 0;
}

/* One transaction: its row, its receipt (gas_used x GAS_PRICE is the fee);
 * its hash into hash_text ("0x" + 64). */
static void eth_tx(eth *e, const eaddr *from, const eaddr *to, u128 value, uint64_t gas, char hash_text[67]) {
    if (e->txi >= 6) eth_block(e); /* a few transactions a block */
    uint8_t h[32];
    derive(e->seed, "tx", e->counter++, h, 32);
    hash_text[0] = '0', hash_text[1] = 'x';
    st_hex_encode(h, 32, hash_text + 2);
    char v[48];
    u128_text(value, v);
    st_buf_printf(&e->txs, "%s,0,,%llu,%u,%s,%s,%s,%llu,%llu,0x,0,,,0\n", hash_text, (unsigned long long)e->block,
                  e->txi, from->t, to->t, v, (unsigned long long)gas, (unsigned long long)GAS_PRICE);
    st_buf_printf(&e->rcpt, "%s,%u,,%llu,%llu,%llu,,,1,%llu\n", hash_text, e->txi, (unsigned long long)e->block,
                  (unsigned long long)gas, (unsigned long long)gas, (unsigned long long)GAS_PRICE);
    e->txi++;
}

static void eth_trace(eth *e, const char *hash, const eaddr *from, const eaddr *to, u128 value, const char *path,
                      int subtraces) {
    char v[48];
    u128_text(value, v);
    st_buf_printf(&e->traces, "%llu,%s,%u,%s,%s,%s,,,call,call,,,,%d,\"%s\",,1,\n", (unsigned long long)e->block, hash,
                  e->txi - 1, from->t, to->t, v, subtraces, path);
}

static void word_hex(u128 v, char out[65]) {
    snprintf(out, 65, "%032llx%016llx%016llx", 0ULL, (unsigned long long)(v >> 64), (unsigned long long)v);
}

static void topic_addr(const eaddr *a, char out[67]) { snprintf(out, 67, "0x000000000000000000000000%s", a->t + 2); }

static const char transfer_t[] = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
static const char swap_t[] = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822";
static const char transfer_out_t[] = "0xa9cd03aa3c1b4515114539cd53d22085129d495cb9e9f9af77864526240f1bf7";
static const char deposit_t[] = "0xef519b7eb82aaf6ac376a6df2d793843ebfd593de5f1a0601d3cc6ab49ebb395";

static void eth_log(eth *e, const char *hash, const eaddr *emitter, const char *topic0, const eaddr *a1,
                    const eaddr *a2, const char *data) {
    char t1[67], t2[67];
    topic_addr(a1, t1);
    topic_addr(a2, t2);
    st_buf_printf(&e->logs, "%u,%s,%u,,%llu,%s,0x%s,\"%s,%s,%s\"\n", e->logi++, hash, e->txi - 1,
                  (unsigned long long)e->block, emitter->t, data, topic0, t1, t2);
}

static void eth_transfer(eth *e, const char *hash, const eaddr *token, const eaddr *from, const eaddr *to, u128 v) {
    char d[65];
    word_hex(v, d);
    eth_log(e, hash, token, transfer_t, from, to, d);
}

/* ---- Bitcoin blocks ----------------------------------------------------- */

typedef struct btx {
    uint8_t b[65536];
    size_t n;
    uint8_t txid[32];
} btx;

typedef struct bkey {
    uint8_t prog[20];
    char t[100];
} bkey;

typedef struct utxo {
    uint8_t txid[32];
    uint32_t vout;
    int64_t value;
} utxo;

typedef struct btc {
    FILE *f;
    uint64_t seed, counter;
    uint8_t prev[32];
    uint32_t height;
    st_buf body;          /* the block's transactions after its coinbase */
    uint8_t (*txids)[32]; /* [0] the coinbase */
    size_t ntx, captx;
    uint64_t ntx_total; /* transactions written, coinbases included */
    int err;
} btc;

static void put(btx *t, const void *p, size_t n) {
    if (t->n + n > sizeof t->b) return;
    memcpy(t->b + t->n, p, n);
    t->n += n;
}
static void put32(btx *t, uint32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(t, b, 4);
}
static void put64(btx *t, uint64_t v) {
    put32(t, (uint32_t)v);
    put32(t, (uint32_t)(v >> 32));
}
static void putvar(btx *t, uint64_t v) {
    if (v < 0xfd) {
        uint8_t b = (uint8_t)v;
        put(t, &b, 1);
    } else {
        uint8_t b = 0xfd;
        put(t, &b, 1);
        uint8_t w[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
        put(t, w, 2);
    }
}

static bkey btc_key(uint64_t seed, const char *what, uint64_t id) {
    bkey k;
    memset(&k, 0, sizeof k);
    derive(seed, what, id, k.prog, 20);
    if (st_segwit_encode("bcrt", 0, k.prog, 20, k.t, sizeof k.t)) k.t[0] = 0;
    return k;
}

typedef struct bout {
    const bkey *key;  /* NULL: OP_RETURN with memo */
    int64_t value;
    const char *memo;
} bout;

/* Serialize a legacy transaction spending ins[nin] to outs[nout]. */
static void btc_tx(btc *b, btx *t, const utxo *ins, size_t nin, const bout *outs, size_t nout) {
    t->n = 0;
    put32(t, 2);
    putvar(t, nin);
    for (size_t i = 0; i < nin; i++) {
        put(t, ins[i].txid, 32);
        put32(t, ins[i].vout);
        uint8_t sig[72];
        derive(b->seed, "sig", b->counter++, sig, 32);
        derive(b->seed, "sig2", b->counter, sig + 32, 32);
        memset(sig + 64, 1, 8);
        putvar(t, 72);
        put(t, sig, 72);
        put32(t, 0xffffffff);
    }
    putvar(t, nout);
    for (size_t i = 0; i < nout; i++) {
        put64(t, (uint64_t)outs[i].value);
        if (outs[i].key) {
            uint8_t s[22] = {0x00, 0x14};
            memcpy(s + 2, outs[i].key->prog, 20);
            putvar(t, 22);
            put(t, s, 22);
        } else {
            size_t ml = strlen(outs[i].memo);
            uint8_t s[2] = {0x6a, (uint8_t)ml};
            putvar(t, ml + 2);
            put(t, s, 2);
            put(t, outs[i].memo, ml);
        }
    }
    put32(t, 0);
    st_sha256d(t->b, t->n, t->txid);
}

static void btc_add(btc *b, const btx *t) {
    if (b->ntx == b->captx) {
        size_t nc = b->captx ? b->captx * 2 : 64;
        uint8_t (*v)[32] = st_realloc(b->txids, nc * 32);
        if (!v) {
            b->err = ST_ENOMEM;
            return;
        }
        b->txids = v;
        b->captx = nc;
    }
    memcpy(b->txids[b->ntx++], t->txid, 32);
    b->ntx_total++;
    if (st_buf_append(&b->body, t->b, t->n)) b->err = ST_ENOMEM;
}

/* Start a block: its coinbase pays 50 BTC to key (written at the end);
 * *cb the coinbase's outpoint. */
static void btc_block_begin(btc *b, const bkey *key, utxo *cb) {
    b->height++;
    b->ntx = 0;
    st_buf_reset(&b->body);
    btx t;
    t.n = 0;
    put32(&t, 2);
    putvar(&t, 1);
    uint8_t z[32] = {0};
    put(&t, z, 32);
    put32(&t, 0xffffffff);
    uint8_t s[12];
    size_t sl = 0;
    uint32_t hh = b->height;
    uint8_t hb[5] = {0};
    int hn = 0;
    while (hh) hb[hn++] = (uint8_t)hh, hh >>= 8;
    if (hn && (hb[hn - 1] & 0x80)) hb[hn++] = 0;
    s[sl++] = (uint8_t)hn; /* BIP34: the height first */
    memcpy(s + sl, hb, (size_t)hn), sl += (size_t)hn;
    s[sl++] = 4, memcpy(s + sl, &b->seed, 4), sl += 4;
    putvar(&t, sl);
    put(&t, s, sl);
    put32(&t, 0xffffffff);
    bout o = {key, 50 * SAT_PER_BTC, NULL};
    putvar(&t, 1);
    put64(&t, (uint64_t)o.value);
    uint8_t sc[22] = {0x00, 0x14};
    memcpy(sc + 2, key->prog, 20);
    putvar(&t, 22);
    put(&t, sc, 22);
    put32(&t, 0);
    st_sha256d(t.b, t.n, t.txid);
    /* the coinbase goes first: keep it as the body's head */
    btc_add(b, &t);
    memcpy(cb->txid, t.txid, 32);
    cb->vout = 0;
    cb->value = o.value;
}


static void btc_block_end(btc *b) {
    if (b->err) return;
    btx hdr;
    hdr.n = 0;
    put32(&hdr, 0x20000000);
    put(&hdr, b->prev, 32);
    uint8_t root[32];
    uint8_t (*scr)[32] = st_malloc(b->ntx * 32);
    if (!scr) {
        b->err = ST_ENOMEM;
        return;
    }
    memcpy(scr, b->txids, b->ntx * 32);
    st_sha256d_merkle_in_place(scr, b->ntx, root);
    st_free(scr);
    put(&hdr, root, 32);
    put32(&hdr, 1600000000u + 600u * b->height);
    put32(&hdr, 0x207fffff);
    uint8_t hash[32];
    for (uint32_t nonce = 0;; nonce++) { /* regtest: hash below 0x7fffff << 232 */
        hdr.n = 76;
        put32(&hdr, nonce);
        st_sha256d(hdr.b, 80, hash);
        if (hash[31] < 0x7f) break;
    }
    memcpy(b->prev, hash, 32);
    putvar(&hdr, b->ntx);
    uint32_t size = (uint32_t)(hdr.n + b->body.len);
    uint8_t rec[8] = {0xfa, 0xbf, 0xb5, 0xda, (uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16),
                      (uint8_t)(size >> 24)};
    if (fwrite(rec, 1, 8, b->f) != 8 || fwrite(hdr.b, 1, hdr.n, b->f) != hdr.n ||
        fwrite(b->body.data, 1, b->body.len, b->f) != b->body.len)
        b->err = ST_EIO;
}

/* ---- the Bitcoin side ----------------------------------------------------- */

/* A THORChain inbound on Ethereum the vault pays on Bitcoin. */
typedef struct inb {
    char hash[67];
    u128 amount; /* wei */
    bkey dest;
} inb;

typedef struct btc_result {
    int64_t truth_x[NEXCH]; /* what each exchange received from the theft */
    int64_t m;              /* the launderer's CoinJoin outputs */
    char back_txid[65];     /* the CoinJoin output sent back to Ethereum ("" if none) */
    u128 back_wei;          /* what THORChain pays for it on Ethereum */
    uint32_t blocks;
    uint64_t txs;
    utxo *paid; /* [nib] THORChain's payment of each inbound (the caller st_frees) */
} btc_result;

static void btc_exchange_keys(uint64_t seed, bkey dep[NEXCH][NDEP]) {
    for (int x = 0; x < NEXCH; x++)
        for (int k = 0; k < NDEP; k++) dep[x][k] = btc_key(seed, exch_names[x], (uint64_t)k);
}

/* Write btdir/blk00000.dat: the vault pays each inbound's address with an
 * OP_RETURN OUT:<hash>, the launderer peels every payment into the
 * exchanges and puts the rest through a CoinJoin.  With back, one CoinJoin
 * output is paid into the vault with a swap memo naming back (the caller
 * writes THORChain's payment on Ethereum: res->back_txid, res->back_wei).
 * rng continues the caller's sequence, so one seed gives one file. */
static void btc_tags(st_buf *tags, uint64_t seed) {
    bkey dep[NEXCH][NDEP];
    btc_exchange_keys(seed, dep);
    for (int x = 0; x < NEXCH; x++)
        for (int k = 0; k < NDEP; k++)
            st_buf_printf(tags, "- address: %s\n  currency: BTC\n  label: %s\n  category: exchange\n", dep[x][k].t,
                          exch_names[x]);
}

static int btc_side(const char *btdir, uint64_t seed, st_rng *rng, const inb *ib, size_t nib, const eaddr *back,
                    const st_xscenario_opts *opts, btc_result *res, st_error *err) {
    int rc = 0;
    btc b;
    memset(&b, 0, sizeof b);
    memset(res, 0, sizeof *res);
    b.seed = seed;
    st_chain_hash_parse("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", b.prev); /* regtest genesis */
    if (opts->btc_tip) { /* extend another chain: its tip's hash and height (BIP34 heights follow it) */
        if (st_chain_hash_parse(opts->btc_tip, b.prev))
            return st_error_set(err, ST_EINVAL, "--btc-tip '%.100s' is not a block hash (64 hex digits)", opts->btc_tip);
        b.height = opts->btc_height;
    }
    st_buf_init(&b.body, BUF_MAX);
    bkey vault = btc_key(seed, "vault", 0), dep[NEXCH][NDEP], peers[24];
    btc_exchange_keys(seed, dep);
    for (int k = 0; k < 24; k++) peers[k] = btc_key(seed, "peer", (uint64_t)k);
    int64_t *truth_x = res->truth_x;
    utxo *paid = NULL, *cj_in = NULL, *ci = NULL;
    bout *co = NULL;
    bkey *cjk = NULL;
    btx *tp = NULL;
    char bpath[1200];
    snprintf(bpath, sizeof bpath, "%s/blk00000.dat", btdir);
    if (!(b.f = fopen(bpath, "wb"))) {
        rc = st_error_at(err, ST_EIO, bpath, 0, -1, "cannot write: %s", strerror(errno));
        goto out;
    }
    utxo vu[8], pu[24];
    for (int k = 0; k < 8; k++) { /* the vault's coins */
        btc_block_begin(&b, &vault, &vu[k]);
        btc_block_end(&b);
    }
    for (int k = 0; k < 24; k++) { /* the CoinJoin peers' coins */
        btc_block_begin(&b, &peers[k], &pu[k]);
        btc_block_end(&b);
    }
    /* outbounds: the vault pays each memo's address, OUT:<inbound hash> */
    paid = st_calloc(nib ? nib : 1, sizeof *paid);
    tp = st_malloc(sizeof *tp);
    if (!paid || !tp) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto out;
    }
    utxo cb;
    btc_block_begin(&b, &vault, &cb);
    utxo vcur = vu[0];
    int vnext = 1;
    for (size_t j = 0; j < nib; j++) {
        int64_t sat = (int64_t)(ib[j].amount * 35 / 10000000000000ULL) - 2500; /* 1 ETH = 0.035 BTC */
        if (vcur.value < sat + 100000 && vnext < 8) { /* a new coin of the vault */
            vcur = vu[vnext++];
        }
        char memo[80];
        snprintf(memo, sizeof memo, "OUT:%.64s", ib[j].hash + 2);
        for (char *c = memo + 4; *c; c++)
            if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A'); /* THORChain writes hashes in upper case */
        int64_t change = vcur.value - sat - 3000;
        if (change < 0) {
            rc = st_error_set(err, ST_ELIMIT, "the inbounds need more than the scenario vault's 400 BTC (inbound %zu)",
                              j + 1);
            goto out;
        }
        bout o[3] = {{&ib[j].dest, sat, NULL}, {&vault, change, NULL}, {NULL, 0, memo}};
        btc_tx(&b, tp, &vcur, 1, o, 3);
        btc_add(&b, tp);
        paid[j] = (utxo){{0}, 0, sat};
        memcpy(paid[j].txid, tp->txid, 32);
        memcpy(vcur.txid, tp->txid, 32);
        vcur.vout = 1;
        vcur.value = change;
    }
    btc_block_end(&b);
    /* the launderer: peel chains into the exchanges, the rest into one CoinJoin */
    btc_block_begin(&b, &vault, &cb);
    size_t ncj = nib < 12 ? nib / 2 : 12;
    cj_in = st_calloc(ncj ? ncj : 1, sizeof *cj_in);
    int64_t cj_total = 0;
    for (size_t j = 0; j < nib && cj_in; j++) {
        utxo cur = paid[j];
        int steps = 2 + (int)st_rng_below(rng, 3);
        for (int s = 0; s < steps; s++) {
            int x = (int)st_rng_below(rng, NEXCH);
            int64_t p = cur.value * (int64_t)(10 + st_rng_below(rng, 20)) / 100, fee = 1500;
            bkey fresh = btc_key(seed, "peel", j * 16 + (uint64_t)s);
            bout o[2] = {{&dep[x][st_rng_below(rng, NDEP)], p, NULL}, {&fresh, cur.value - p - fee, NULL}};
            btc_tx(&b, tp, &cur, 1, o, 2);
            btc_add(&b, tp);
            truth_x[x] += p;
            memcpy(cur.txid, tp->txid, 32);
            cur.vout = 1;
            cur.value -= p + fee;
        }
        if (j < ncj) {
            cj_in[j] = cur;
            cj_total += cur.value;
        } else {
            int x = (int)st_rng_below(rng, NEXCH);
            bout o[1] = {{&dep[x][0], cur.value - 1500, NULL}};
            btc_tx(&b, tp, &cur, 1, o, 1);
            btc_add(&b, tp);
            truth_x[x] += cur.value - 1500;
        }
    }
    btc_block_end(&b);
    /* the CoinJoin: the launderer's inputs and outputs first, the peers pay the fee */
    btc_block_begin(&b, &vault, &cb);
    const int64_t denom = SAT_PER_BTC / 10;
    int64_t m = cj_total / denom;
    size_t nout = (size_t)m + 1 + 24 * 2;
    co = st_calloc(nout, sizeof *co);
    ci = st_calloc(ncj + 24, sizeof *ci);
    cjk = st_calloc((size_t)m + 1, sizeof *cjk);
    if (!co || !ci || !cjk || !cj_in || m > 500) {
        rc = st_error_set(err, cj_in && m > 500 ? ST_ELIMIT : ST_ENOMEM, "the CoinJoin does not fit");
        goto out;
    }
    size_t no = 0, ni = 0;
    for (size_t j = 0; j < ncj; j++) ci[ni++] = cj_in[j];
    for (int64_t k = 0; k < m; k++) {
        cjk[k] = btc_key(seed, "cjout", (uint64_t)k);
        co[no++] = (bout){&cjk[k], denom, NULL};
    }
    cjk[m] = btc_key(seed, "cjchange", 0);
    co[no++] = (bout){&cjk[m], cj_total - m * denom, NULL};
    for (int k = 0; k < 24; k++) {
        ci[ni++] = pu[k];
        co[no++] = (bout){&peers[k], denom, NULL};
        co[no++] = (bout){&peers[k], pu[k].value - denom - 5000, NULL};
    }
    btc_tx(&b, tp, ci, ni, co, no);
    btc_add(&b, tp);
    uint8_t cjid[32];
    memcpy(cjid, tp->txid, 32);
    btc_block_end(&b);
    /* two thirds of the launderer's CoinJoin outputs go to the exchanges */
    btc_block_begin(&b, &vault, &cb);
    for (int64_t k = 0; k < m; k++) {
        if (k % 3 == 2) continue;
        int x = (int)st_rng_below(rng, NEXCH);
        utxo u = {{0}, (uint32_t)k, denom};
        memcpy(u.txid, cjid, 32);
        bout o[1] = {{&dep[x][1 + st_rng_below(rng, NDEP - 1)], denom - 1200, NULL}};
        btc_tx(&b, tp, &u, 1, o, 1);
        btc_add(&b, tp);
        truth_x[x] += denom - 1200;
    }
    /* and one CoinJoin output back to Ethereum through THORChain: paid into
     * the vault with a swap memo, paid out by the router's TransferOut */
    if (back && m > 2) {
        utxo u = {{0}, 2, denom};
        memcpy(u.txid, cjid, 32);
        char memo[80];
        snprintf(memo, sizeof memo, "=:ETH.ETH:%s", back->t);
        bout o[2] = {{&vault, denom - 2000, NULL}, {NULL, 0, memo}};
        btc_tx(&b, tp, &u, 1, o, 2);
        btc_add(&b, tp);
        st_chain_hash_hex(tp->txid, res->back_txid);
        res->back_wei = (u128)(denom - 2000) * 285714285714ULL - (u128)1000000 * GWEI;
    }
    btc_block_end(&b);
    res->m = m;
    res->blocks = b.height - (opts->btc_tip ? opts->btc_height : 0);
    res->paid = paid;
    paid = NULL;
out:
    res->txs = b.ntx_total;
    st_free(co), st_free(ci), st_free(cjk), st_free(cj_in), st_free(paid);
    st_free(tp);
    if (b.f && fclose(b.f) != 0 && !b.err) b.err = ST_EIO;
    if (!rc && b.err) rc = st_error_set(err, b.err, "writing the Bitcoin blocks failed");
    st_free(b.txids);
    st_buf_free(&b.body);
    return rc;
}

/* ---- the scenario -------------------------------------------------------- */

static int write_out(const char *dir, const char *name, st_buf *b, st_error *err) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return st_file_write_atomic(path, b->data ? b->data : "", b->len, err);
}

/* ---- inbounds played elsewhere ------------------------------------------- */

#define INB_MAX 100000      /* inbounds in one file */
#define INB_WEI_MAX_DIGITS 30 /* 10^30 wei: far above any real deposit, and x35 still fits 128 bits */

/* Parse data[0..len)'s `hash,amount_wei,btc_address` rows into *out
 * (st_free); path names it in errors. */
static int parse_inbounds(const char *data, size_t len, const char *path, inb **out, size_t *nout, st_error *err) {
    size_t n = 0, cap = 0;
    st_csv *c = NULL;
    inb *v = NULL;
    int rc;
    if ((rc = st_csv_open(&c, data, len, path, ST_CSV_HEADER))) {
        rc = st_error_set(err, rc, "out of memory");
        goto out;
    }
    rc = st_csv_next(c, err);
    if (rc != 1 || st_csv_nfields(c) != 3 || strcmp(st_csv_field(c, 0), "hash") ||
        strcmp(st_csv_field(c, 1), "amount_wei") || strcmp(st_csv_field(c, 2), "btc_address")) {
        if (rc == 1 || rc == 0)
            rc = st_error_at(err, ST_EPARSE, path, 1, -1, "expected the header hash,amount_wei,btc_address");
        goto out;
    }
    for (;;) {
        rc = st_csv_next(c, err);
        if (rc == 0) break;
        if (rc != 1) goto out;
        long line = st_csv_line(c);
        if (st_csv_nfields(c) != 3) {
            rc = st_error_at(err, ST_EPARSE, path, line, -1, "expected 3 fields");
            goto out;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            inb *w = nc > INB_MAX ? NULL : st_realloc(v, nc * sizeof *v);
            if (!w) {
                rc = nc > INB_MAX ? st_error_at(err, ST_ELIMIT, path, line, -1, "more than %d inbounds", INB_MAX)
                                  : st_error_set(err, ST_ENOMEM, "out of memory");
                goto out;
            }
            v = w, cap = nc;
        }
        inb *q = &v[n];
        memset(q, 0, sizeof *q);
        const char *hs = st_csv_field(c, 0), *as = st_csv_field(c, 1), *bs = st_csv_field(c, 2);
        uint8_t hb[32];
        if (strlen(hs) != 66 || hs[0] != '0' || (hs[1] != 'x' && hs[1] != 'X') || st_hex_decode(hs + 2, hb, 32)) {
            rc = st_error_at(err, ST_EPARSE, path, line, -1, "hash '%.80s' is not 0x and 64 hex digits", hs);
            goto out;
        }
        q->hash[0] = '0', q->hash[1] = 'x';
        st_hex_encode(hb, 32, q->hash + 2);
        size_t al = strlen(as);
        if (!al || al > INB_WEI_MAX_DIGITS || strspn(as, "0123456789") != al) {
            rc = st_error_at(err, ST_EPARSE, path, line, -1, "amount_wei '%.80s' is not a decimal below 10^%d", as,
                             INB_WEI_MAX_DIGITS);
            goto out;
        }
        for (size_t k = 0; k < al; k++) q->amount = q->amount * 10 + (u128)(as[k] - '0');
        if (q->amount * 35 / 10000000000000ULL < 10000 + 2500) { /* the vault's fee and Bitcoin's dust */
            rc = st_error_at(err, ST_EPARSE, path, line, -1, "amount_wei %s is too small to pay on Bitcoin", as);
            goto out;
        }
        int ver = -1;
        size_t plen = 0;
        uint8_t prog[40];
        int bad = st_segwit_decode(bs, "bcrt", &ver, prog, &plen) || ver != 0 || plen != 20;
        if (!bad) memcpy(q->dest.prog, prog, 20);
        if (bad || st_segwit_encode("bcrt", 0, q->dest.prog, 20, q->dest.t, sizeof q->dest.t)) {
            rc = st_error_at(err, ST_EPARSE, path, line, -1,
                             "btc_address '%.100s' is not a regtest P2WPKH address (bcrt1q...)", bs);
            goto out;
        }
        n++;
    }
    if (!n) {
        rc = st_error_at(err, ST_EPARSE, path, 0, -1, "no inbounds");
        goto out;
    }
    *out = v, *nout = n, v = NULL;
    rc = 0;
out:
    st_csv_close(c);
    st_free(v);
    return rc;
}

int xs_parse_inbounds(const char *data, size_t len, const char *name, size_t *count, st_error *err) {
    inb *v = NULL;
    *count = 0;
    int rc = parse_inbounds(data, len, name, &v, count, err);
    st_free(v);
    return rc;
}

static int read_inbounds(const char *path, inb **out, size_t *nout, st_error *err) {
    char *data = NULL;
    size_t len = 0;
    int rc = st_file_read(path, (size_t)64 << 20, &data, &len, err);
    if (rc) return rc;
    rc = parse_inbounds(data, len, path, out, nout, err);
    st_free(data);
    return rc;
}

/* The Bitcoin side of a theft played elsewhere: btc/, tagpack.yaml, truth.json. */
static int scenario_inbounds(const char *outdir, const st_xscenario_opts *opts, st_error *err) {
    uint64_t seed = opts->seed;
    st_rng rng = {seed ^ 0x6a09e667f3bcc908ULL};
    char btdir[1100];
    snprintf(btdir, sizeof btdir, "%s/btc", outdir);
    inb *ib = NULL;
    size_t nib = 0;
    st_buf tags, truth;
    st_buf_init(&tags, BUF_MAX), st_buf_init(&truth, BUF_MAX);
    btc_result br;
    memset(&br, 0, sizeof br);
    int rc;
    if ((rc = read_inbounds(opts->inbounds, &ib, &nib, err)) || (rc = st_mkdir_p(btdir, err)) ||
        (rc = btc_side(btdir, seed, &rng, ib, nib, NULL, opts, &br, err)))
        goto out;
    st_buf_printf(&tags, "title: sanctrace cross-chain laundering scenario, Bitcoin side (seed %llu)\n"
                         "creator: sanctrace\ntags:\n", (unsigned long long)seed);
    btc_tags(&tags, seed);
    st_buf_printf(&truth, "{\n  \"thorchain_inbounds\": %zu,\n  \"btc_blocks\": %u,\n  \"btc_transactions\": %llu,\n"
                          "  \"btc_exchanges\": {", nib, br.blocks, (unsigned long long)br.txs);
    for (int x = 0; x < NEXCH; x++)
        st_buf_printf(&truth, "%s\"%s\": \"%lld\"", x ? ", " : "", exch_names[x], (long long)br.truth_x[x]);
    st_buf_printf(&truth, "},\n  \"coinjoin_outputs\": %lld,\n  \"outbounds\": [", (long long)br.m);
    for (size_t j = 0; j < nib; j++) {
        char id[65];
        st_chain_hash_hex(br.paid[j].txid, id);
        st_buf_printf(&truth, "%s\n    {\"in_tx\": \"%s\", \"out_tx\": \"%s\", \"sat\": \"%lld\"}", j ? "," : "", ib[j].hash, id,
                      (long long)br.paid[j].value);
    }
    st_buf_puts(&truth, "\n  ]\n}\n");
    if ((rc = write_out(outdir, "tagpack.yaml", &tags, err)) || (rc = write_out(outdir, "truth.json", &truth, err)))
        goto out;
out:
    st_free(ib);
    st_free(br.paid);
    st_buf_free(&tags), st_buf_free(&truth);
    return rc;
}

int st_xtrace_scenario(const char *outdir, const st_xscenario_opts *opts, st_error *err) {
    if (opts->inbounds) return scenario_inbounds(outdir, opts, err);
    uint64_t seed = opts->seed;
    uint32_t n = opts->splits ? opts->splits : 48;
    if (n < 2 || n > MAX_SPLITS) return st_error_set(err, ST_EINVAL, "--splits must be 2..%d", MAX_SPLITS);
    st_rng rng = {seed ^ 0x6a09e667f3bcc908ULL};
    char evdir[1100], btdir[1100];
    snprintf(evdir, sizeof evdir, "%s/evm", outdir);
    snprintf(btdir, sizeof btdir, "%s/btc", outdir);
    int rc;
    if ((rc = st_mkdir_p(evdir, err)) || (rc = st_mkdir_p(btdir, err))) return rc;
    eth e;
    memset(&e, 0, sizeof e);
    e.seed = seed;
    e.block = 20000000;
    eaddr MINER = eth_addr(seed, "miner", 0);
    memcpy(e.miner, MINER.t, 43);
    st_buf tags, truth;
    st_buf_init(&e.txs, BUF_MAX), st_buf_init(&e.rcpt, BUF_MAX), st_buf_init(&e.blocks, BUF_MAX), st_buf_init(&e.logs, BUF_MAX);
    st_buf_init(&e.traces, BUF_MAX), st_buf_init(&tags, BUF_MAX), st_buf_init(&truth, BUF_MAX);
    st_buf_puts(&e.txs, "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,"
                        "gas_price,input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n");
    st_buf_puts(&e.rcpt, "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,"
                         "contract_address,root,status,effective_gas_price\n");
    st_buf_puts(&e.blocks, "number,miner,timestamp\n");
    st_buf_puts(&e.logs, "log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n");
    st_buf_puts(&e.traces, "block_number,transaction_hash,transaction_index,from_address,to_address,value,input,output,"
                           "trace_type,call_type,reward_type,gas,gas_used,subtraces,trace_address,error,status,"
                           "trace_id\n");
    /* the cast */
    eaddr F = eth_addr(seed, "funder", 0), C = eth_addr(seed, "cold", 0), T = eth_addr(seed, "thief", 0);
    eaddr TOK = eth_addr(seed, "token", 0), P = eth_addr(seed, "pool", 0), R = eth_addr(seed, "router", 0);
    eaddr V = eth_addr(seed, "vault", 0), MX = eth_addr(seed, "mixer", 0), DZ = eth_addr(seed, "duster", 0);
    eaddr Z = {{0}, "0x0000000000000000000000000000000000000000"};
    eaddr *S = st_calloc(n, sizeof *S);
    char (*drain)[67] = st_malloc(67);
    if (!S || !drain) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) S[i] = eth_addr(seed, "split", i);
    char h[67];
    const u128 COLD_ETH = 4000 * ETHER + (u128)st_rng_below(&rng, 1000000) * GWEI;
    const u128 COLD_TOK = 1500 * ETHER + (u128)st_rng_below(&rng, 1000000) * GWEI;
    const u128 MIX_DENOM = 10 * ETHER;
    const u128 FEE_T = (u128)21000 * GAS_PRICE, FEE_C = (u128)120000 * GAS_PRICE;
    /* setup: the funder pays the cold wallet, the pool's ether, noise users */
    eth_tx(&e, &F, &C, COLD_ETH, 21000, h);
    eth_tx(&e, &F, &TOK, 0, 60000, h);
    eth_transfer(&e, h, &TOK, &Z, &C, COLD_TOK);
    eth_tx(&e, &F, &P, 100000 * ETHER, 21000, h);
    eth_tx(&e, &F, &T, FEE_C, 21000, h); /* exactly the drain's gas */
    for (uint64_t u = 0; u < 30; u++) {
        eaddr U = eth_addr(seed, "user", u);
        eth_tx(&e, &F, &U, (u128)(1 + st_rng_below(&rng, 50)) * ETHER, 21000, h);
    }
    eth_block(&e);
    /* the drain: the thief's call empties the cold wallet */
    eth_tx(&e, &T, &C, 0, 120000, *drain);
    eth_trace(&e, *drain, &T, &C, 0, "", 1);
    eth_trace(&e, *drain, &C, &T, COLD_ETH, "0", 0);
    eth_transfer(&e, *drain, &TOK, &C, &T, COLD_TOK);
    eth_block(&e);
    /* split: ether to every address, the token to half of them */
    u128 *eth_of = st_calloc(n, sizeof *eth_of), *tok_of = st_calloc(n, sizeof *tok_of);
    if (!eth_of || !tok_of) {
        st_free(eth_of), st_free(tok_of);
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        u128 share = COLD_ETH / n * (90 + st_rng_below(&rng, 10)) / 100;
        share -= share % GWEI;
        eth_of[i] = share;
        eth_tx(&e, &T, &S[i], share, 21000, h);
        if (i % 2 == 0) {
            u128 ts = COLD_TOK / ((n + 1) / 2) * (95 + st_rng_below(&rng, 5)) / 100;
            tok_of[i] = ts;
            eth_tx(&e, &T, &TOK, 0, 60000, h);
            eth_transfer(&e, h, &TOK, &T, &S[i], ts);
        }
    }
    eth_block(&e);
    /* swaps: token into the pool, ether back (internal call) */
    u128 mixed = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!tok_of[i]) continue;
        u128 out = tok_of[i] * 98 / 100;
        eth_tx(&e, &S[i], &P, 0, 150000, h);
        eth_trace(&e, h, &S[i], &P, 0, "", 1);
        eth_trace(&e, h, &P, &S[i], out, "0", 0);
        eth_transfer(&e, h, &TOK, &S[i], &P, tok_of[i]);
        char d[4 * 64 + 1], w[65];
        word_hex(tok_of[i], w), strcpy(d, w);
        word_hex(0, w), strcat(d, w), strcat(d, w);
        word_hex(out, w), strcat(d, w);
        eth_log(&e, h, &P, swap_t, &S[i], &S[i], d);
        eth_of[i] += out;
        eth_of[i] -= (u128)150000 * GAS_PRICE;
    }
    eth_block(&e);
    /* noise and dust (after the swaps: the dust queues behind the loot): clean ether moving around, some of it reaching the splits */
    for (uint64_t k = 0; k < 200; k++) {
        eaddr U1 = eth_addr(seed, "user", st_rng_below(&rng, 30)), U2 = eth_addr(seed, "user", st_rng_below(&rng, 30));
        eth_tx(&e, &U1, &U2, (u128)st_rng_below(&rng, 1000) * GWEI * 1000, 21000, h);
        if (k % 9 == 0) eth_tx(&e, &DZ, &S[st_rng_below(&rng, n)], (u128)1000 * GWEI, 21000, h);
    }
    eth_block(&e);
    /* the mixer: fixed denominations from every fifth address */
    for (uint32_t i = 0; i < n; i += 5) {
        int k = 1 + (int)st_rng_below(&rng, 3);
        for (int j = 0; j < k && eth_of[i] > MIX_DENOM * 3; j++) {
            eth_tx(&e, &S[i], &MX, MIX_DENOM, 21000, h);
            eth_of[i] -= MIX_DENOM + FEE_T;
            mixed += MIX_DENOM;
        }
    }
    /* the mixer's anonymity set: clean deposits of the same size, then
     * withdrawals by a relayer to fresh addresses, one per deposit */
    int ndep_mix = (int)(mixed / MIX_DENOM);
    for (int k = 0; k < 12; k++) {
        eaddr U = eth_addr(seed, "user", (uint64_t)k);
        eth_tx(&e, &U, &MX, MIX_DENOM, 21000, h);
    }
    eth_block(&e);
    eaddr RL = eth_addr(seed, "relayer", 0);
    for (int k = 0; k < ndep_mix + 12; k++) {
        eaddr W = eth_addr(seed, "fresh", (uint64_t)k);
        eth_tx(&e, &RL, &MX, 0, 300000, h);
        eth_trace(&e, h, &RL, &MX, 0, "", 1);
        eth_trace(&e, h, &MX, &W, MIX_DENOM, "0", 0);
    }
    eth_block(&e);
    /* THORChain: everything left, in one or two deposits, memos naming Bitcoin addresses */
    inb *ib = st_calloc(2 * (size_t)n, sizeof *ib);
    size_t nib = 0;
    const u128 FEE_D = (u128)80000 * GAS_PRICE;
    if (!ib) {
        st_free(eth_of), st_free(tok_of);
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        int parts = 1 + (i % 3 == 0);
        u128 rem = eth_of[i] - (u128)parts * FEE_D;
        for (int p = 0; p < parts; p++) {
            u128 v = p + 1 < parts ? rem / parts : rem - rem / parts * (u128)(parts - 1);
            inb *q = &ib[nib];
            q->dest = btc_key(seed, "dest", nib);
            q->amount = v;
            char memo[200], d[1024], w[65];
            switch (nib % 4) {
            case 0: snprintf(memo, sizeof memo, "=:BTC.BTC:%s", q->dest.t); break;
            case 1: snprintf(memo, sizeof memo, "SWAP:BTC.BTC:%s:0/1/0", q->dest.t); break;
            case 2: snprintf(memo, sizeof memo, "s:b:%s::t:0", q->dest.t); break;
            default: snprintf(memo, sizeof memo, "=:b:%s", q->dest.t); break;
            }
            eth_tx(&e, &S[i], &R, v, 80000, q->hash);
            eth_trace(&e, q->hash, &S[i], &R, v, "", 1);
            eth_trace(&e, q->hash, &R, &V, v, "0", 0);
            word_hex(v, w), strcpy(d, w);
            word_hex(64, w), strcat(d, w);
            word_hex(strlen(memo), w), strcat(d, w);
            size_t dl = strlen(d);
            for (size_t c = 0; memo[c]; c++) dl += (size_t)sprintf(d + dl, "%02x", (unsigned char)memo[c]);
            while ((dl - 192) % 64) d[dl++] = '0';
            d[dl] = 0;
            eth_log(&e, q->hash, &R, deposit_t, &V, &Z, d);
            nib++;
        }
    }
    eth_block(&e);
    st_free(eth_of), st_free(tok_of);
    /* ---- Bitcoin ---- */
    btc_result br;
    eaddr BACK = eth_addr(seed, "back", 0);
    rc = btc_side(btdir, seed, &rng, ib, nib, &BACK, opts, &br, err);
    st_free(ib);
    st_free(br.paid);
    if (rc) goto out;
    if (br.back_wei) {
        char omemo[80], d[1024], w[65];
        snprintf(omemo, sizeof omemo, "OUT:%s", br.back_txid);
        for (char *c = omemo + 4; *c; c++)
            if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
        eth_block(&e);
        eth_tx(&e, &V, &R, br.back_wei, 90000, h);
        eth_trace(&e, h, &V, &R, br.back_wei, "", 1);
        eth_trace(&e, h, &R, &BACK, br.back_wei, "0", 0);
        word_hex(0, w), strcpy(d, w); /* TransferOut data: asset, amount, memo */
        word_hex(br.back_wei, w), strcat(d, w);
        word_hex(96, w), strcat(d, w);
        word_hex(strlen(omemo), w), strcat(d, w);
        size_t dl = strlen(d);
        for (size_t c = 0; omemo[c]; c++) dl += (size_t)sprintf(d + dl, "%02x", (unsigned char)omemo[c]);
        while ((dl - 256) % 64) d[dl++] = '0';
        d[dl] = 0;
        eth_log(&e, h, &R, transfer_out_t, &V, &BACK, d);
        eth_block(&e);
    }
    /* ---- tags and truth ---- */
    st_buf_printf(&tags, "title: sanctrace cross-chain laundering scenario (seed %llu)\ncreator: sanctrace\n"
                         "tags:\n", (unsigned long long)seed);
    st_buf_printf(&tags, "- address: %s\n  currency: ETH\n  label: Mixer Tornado-like\n  category: mixer\n", MX.t);
    st_buf_printf(&tags, "- address: %s\n  currency: ETH\n  label: Exchange cold wallet (victim)\n  category: exchange\n",
                  C.t);
    btc_tags(&tags, seed);
    char a1[48], a2[48], a3[48];
    u128_text(COLD_ETH, a1), u128_text(COLD_TOK, a2), u128_text(mixed, a3);
    st_buf_printf(&truth,
                  "{\n  \"drain_tx\": \"%s\",\n  \"victim\": \"%s\",\n  \"source\": \"%s/%s\",\n"
                  "  \"stolen_eth\": \"%s\",\n  \"stolen_token\": \"%s\",\n  \"token\": \"%s\",\n"
                  "  \"mixer\": {\"address\": \"%s\", \"amount\": \"%s\", \"withdrawals\": %d},\n  \"thorchain_inbounds\": %zu,\n"
                  "  \"splits\": %u,\n  \"btc_exchanges\": {",
                  *drain, C.t, *drain, C.t, a1, a2, TOK.t, MX.t, a3, (int)(mixed / MIX_DENOM) + 12, nib, n);
    for (int x = 0; x < NEXCH; x++)
        st_buf_printf(&truth, "%s\"%s\": \"%lld\"", x ? ", " : "", exch_names[x], (long long)br.truth_x[x]);
    char bw[48];
    u128_text(br.back_wei, bw);
    st_buf_printf(&truth, "},\n  \"coinjoin_outputs\": %lld,\n  \"back_to_ethereum\": {\"address\": \"%s\", "
                          "\"amount\": \"%s\", \"btc_txid\": \"%s\"}\n}\n",
                  (long long)br.m, BACK.t, bw, br.back_txid);
    if ((rc = write_out(evdir, "transactions.csv", &e.txs, err)) || (rc = write_out(evdir, "receipts.csv", &e.rcpt, err)) ||
        (rc = write_out(evdir, "blocks.csv", &e.blocks, err)) || (rc = write_out(evdir, "logs.csv", &e.logs, err)) ||
        (rc = write_out(evdir, "traces.csv", &e.traces, err)) || (rc = write_out(outdir, "tagpack.yaml", &tags, err)) ||
        (rc = write_out(outdir, "truth.json", &truth, err)))
        goto out;
out:
    st_free(S);
    st_free(drain);
    st_buf_free(&e.txs), st_buf_free(&e.rcpt), st_buf_free(&e.blocks), st_buf_free(&e.logs);
    st_buf_free(&e.traces), st_buf_free(&tags), st_buf_free(&truth);
    return rc;
}
