/* test_trace.c - clustering, tags, taint and exposure on real data.
 *
 * The regtest chain (BlockSci's scripted test chain) is ingested with the
 * chain engine, but every expected value here comes from outside
 * sanctrace's tracing code: the test decodes blk00000.dat itself (its own
 * small transaction parser and OpenSSL's SHA-256 for txids), reads the
 * scenario txids from output.json, and works out each model's taint with
 * the arithmetic written out below, scenario by scenario, straight from
 * the definitions in docs/trace.md.  GraphSense's expected clusters and
 * the TagPacks are read from their own files. */
#include "testutil.h"

#include <jansson.h>
#include <openssl/sha.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "lists/store.h"
#include "sanctrace/chain.h"
#include "sanctrace/entity.h"
#include "sanctrace/trace.h"

/* ---- an independent decoder of the regtest block file ---------------- */

#define MAXTX 1024
#define MAXIO 64

typedef struct dtx {
    char txid[65];
    int block;              /* position in the file (= height here) */
    int nin, nout;
    char prev[MAXIO][65];   /* display-order txid of each input's prevout */
    uint32_t prev_vout[MAXIO];
    int64_t val[MAXIO];     /* output values */
} dtx;

static dtx g_tx[MAXTX];
static int g_ntx;
static char *g_db;
static json_t *g_labels;

static uint64_t varint(const uint8_t *p, size_t *o) {
    uint8_t b = p[(*o)++];
    uint64_t v = b;
    int n = b == 0xfd ? 2 : b == 0xfe ? 4 : b == 0xff ? 8 : 0;
    if (n) {
        v = 0;
        for (int i = 0; i < n; i++) v |= (uint64_t)p[*o + i] << (8 * i);
        *o += n;
    }
    return v;
}

static void hex_rev(const uint8_t h[32], char out[65]) {
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", h[31 - i]);
}

/* Parse one transaction at p+*o; the txid hashes the non-witness form. */
static void parse_tx(const uint8_t *p, size_t *o, dtx *t) {
    size_t start = *o;
    uint8_t *strip = malloc(1 << 20);
    size_t sl = 0;
    memcpy(strip, p + *o, 4);
    sl = 4;
    *o += 4;
    int seg = p[*o] == 0 && p[*o + 1] == 1;
    if (seg) *o += 2;
    size_t body = *o;
    uint64_t nin = varint(p, o);
    assert_true(nin <= MAXIO);
    t->nin = (int)nin;
    for (uint64_t i = 0; i < nin; i++) {
        uint8_t h[32];
        memcpy(h, p + *o, 32);
        hex_rev(h, t->prev[i]);
        t->prev_vout[i] = (uint32_t)p[*o + 32] | (uint32_t)p[*o + 33] << 8 | (uint32_t)p[*o + 34] << 16 |
                          (uint32_t)p[*o + 35] << 24;
        *o += 36;
        uint64_t sl2 = varint(p, o);
        *o += sl2 + 4;
    }
    uint64_t nout = varint(p, o);
    assert_true(nout <= MAXIO);
    t->nout = (int)nout;
    for (uint64_t i = 0; i < nout; i++) {
        int64_t v = 0;
        for (int b = 0; b < 8; b++) v |= (int64_t)p[*o + b] << (8 * b);
        t->val[i] = v;
        *o += 8;
        uint64_t sl2 = varint(p, o);
        *o += sl2;
    }
    size_t body_end = *o;
    memcpy(strip + sl, p + body, body_end - body);
    sl += body_end - body;
    if (seg)
        for (uint64_t i = 0; i < nin; i++) {
            uint64_t items = varint(p, o);
            for (uint64_t k = 0; k < items; k++) {
                uint64_t l = varint(p, o);
                *o += l;
            }
        }
    memcpy(strip + sl, p + *o, 4);
    sl += 4;
    *o += 4;
    uint8_t h1[32], h2[32];
    SHA256(strip, sl, h1);
    SHA256(h1, 32, h2);
    hex_rev(h2, t->txid);
    free(strip);
    (void)start;
}

static void decode_blocks(void) {
    char *d;
    size_t len;
    st_error e;
    assert_int_equal(st_file_read(st_test_data("chain/regtest-blocksci/btc/blk00000.dat"), 64u << 20, &d, &len, &e), ST_OK);
    const uint8_t *p = (const uint8_t *)d;
    size_t o = 0;
    int block = 0;
    while (o + 8 <= len && p[o] == 0xfa) {
        uint32_t blen = (uint32_t)p[o + 4] | (uint32_t)p[o + 5] << 8 | (uint32_t)p[o + 6] << 16 | (uint32_t)p[o + 7] << 24;
        size_t q = o + 8 + 80;
        uint64_t n = varint(p, &q);
        for (uint64_t i = 0; i < n; i++) {
            assert_true(g_ntx < MAXTX);
            g_tx[g_ntx].block = block;
            parse_tx(p, &q, &g_tx[g_ntx++]);
        }
        o += 8 + blen;
        block++;
    }
    st_free(d);
}

static const dtx *dec(const char *txid) {
    for (int i = 0; i < g_ntx; i++)
        if (!strcmp(g_tx[i].txid, txid)) return &g_tx[i];
    fail_msg("txid %s not in the decoded file", txid);
    return NULL;
}

static const char *label(const char *key) {
    json_t *v = json_object_get(g_labels, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

/* Value of prevout (txid, vout) from the decoded file. */
static int64_t prev_value(const dtx *t, int i) { return dec(t->prev[i])->val[t->prev_vout[i]]; }

static int64_t sum_in(const dtx *t) {
    int64_t s = 0;
    for (int i = 0; i < t->nin; i++) s += prev_value(t, i);
    return s;
}
static int64_t sum_out(const dtx *t) {
    int64_t s = 0;
    for (int i = 0; i < t->nout; i++) s += t->val[i];
    return s;
}

/* Length of [a,b) ∩ [c,d). */
static int64_t overlap(int64_t a, int64_t b, int64_t c, int64_t d) {
    int64_t lo = a > c ? a : c, hi = b < d ? b : d;
    return hi > lo ? hi - lo : 0;
}

static int64_t fdiv(int64_t v, int64_t num, int64_t den) { return (int64_t)((__int128)v * num / den); }

/* ---- the store under test --------------------------------------------- */

static int setup(void **state) {
    (void)state;
    decode_blocks();
    char *d;
    size_t len;
    st_error e;
    assert_int_equal(st_file_read(st_test_data("chain/regtest-blocksci/btc/output.json"), 1 << 20, &d, &len, &e), ST_OK);
    g_labels = json_loadb(d, len, 0, NULL);
    st_free(d);
    assert_non_null(g_labels);
    g_db = st_test_tmpdir();
    const char *path = st_test_data("chain/regtest-blocksci/btc/blk00000.dat");
    char *pp = strdup(path);
    const char *paths[1] = {pp};
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    st_ingest_report rep;
    assert_int_equal(st_chain_ingest(g_db, paths, 1, &o, &rep, &e), ST_OK);
    free(pp);
    st_cluster_opts co;
    memset(&co, 0, sizeof co);
    assert_int_equal(st_cluster_build(g_db, &co, NULL, &e), ST_OK);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    st_rm_rf(g_db);
    free(g_db);
    json_decref(g_labels);
    return 0;
}

static st_chain *open_chain(void) {
    st_chain *c;
    st_error e;
    assert_int_equal(st_chain_open(&c, g_db, &e), ST_OK);
    return c;
}

static uint64_t out_id(const st_chain *c, const char *txid, uint32_t vout) {
    uint64_t t;
    assert_true(st_chain_find_tx_hex(c, txid, &t));
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    return k.tx_first_out[t] + vout;
}

/* Tainted satoshis of an output in a result: frontier or passed on. */
static int64_t taint_of(const st_trace_result *r, uint64_t out, int *found) {
    for (size_t i = 0; i < r->nfrontier; i++)
        if (r->frontier[i].out == out) {
            if (found) *found = 1;
            return r->frontier[i].tainted;
        }
    for (size_t i = 0; i < r->nflows; i++)
        if (r->flows[i].out == out) {
            if (found) *found = 1;
            return r->flows[i].tainted;
        }
    if (found) *found = 0;
    return 0;
}

static st_trace_result *run(const st_chain *c, uint64_t src, st_taint_model m, int64_t until, int taint_fee) {
    st_trace_opts o;
    memset(&o, 0, sizeof o);
    o.model = m;
    o.until_height = until;
    o.taint_fee = taint_fee;
    st_trace_result *r;
    st_error e;
    st_error_clear(&e);
    assert_int_equal(st_trace_run(c, &src, 1, &o, &r, &e), ST_OK);
    return r;
}

static void conserved(const st_trace_result *r) {
    assert_int_equal(r->source_value,
                     r->frontier_value + r->fee_left + r->fee_unclaimed + r->rounding_loss);
}

/* ---- the taint pattern: split, two merges, a final merge ------------- */

/* BlockSci's "simple pattern": fund-1 (7 BTC) is split into a1, a2, a3;
 * merge-1 joins a1+a2 into a4; merge-2 joins a3 with the untainted
 * fund-2 (8 BTC) into a5; merge-3 joins a4+a5 into a6. */
typedef struct pattern {
    const dtx *S, *M1, *M2, *M3;
    uint64_t src;   /* store id of fund-1's output spent by the split */
    int64_t V;      /* its value */
    int64_t until;  /* taint-max-height */
} pattern;

static pattern get_pattern(const st_chain *c) {
    pattern p;
    p.S = dec(label("taint-split-tx-1"));
    p.M1 = dec(label("taint-merge-tx-1"));
    p.M2 = dec(label("taint-merge-tx-2"));
    p.M3 = dec(label("taint-merge-tx-3"));
    assert_int_equal(p.S->nin, 1);
    assert_string_equal(p.S->prev[0], label("taint-fund-tx-1"));
    p.src = out_id(c, p.S->prev[0], p.S->prev_vout[0]);
    p.V = prev_value(p.S, 0);
    assert_int_equal(p.V, 700000000); /* funded with 7 BTC */
    p.until = json_integer_value(json_object_get(g_labels, "taint-max-height"));
    assert_int_equal(p.M1->nout, 1);
    assert_int_equal(p.M2->nout, 1);
    assert_int_equal(p.M3->nout, 1);
    return p;
}

/* 1 if input i of t spends an output of tx s. */
static int from(const dtx *t, int i, const dtx *s) { return !strcmp(t->prev[i], s->txid); }

static void test_pattern_haircut(void **state) {
    (void)state;
    st_chain *c = open_chain();
    pattern p = get_pattern(c);
    /* split: one fully tainted input -> every output and the fee fully tainted */
    int64_t fee_S = p.V - sum_out(p.S);
    /* merge-1: both inputs come from the split, fully tainted */
    int64_t a4 = p.M1->val[0], fee_M1 = sum_in(p.M1) - a4;
    for (int i = 0; i < p.M1->nin; i++) assert_true(from(p.M1, i, p.S));
    /* merge-2: T = a3 of total a3 + fund-2 */
    int64_t T2 = 0, in2 = sum_in(p.M2);
    for (int i = 0; i < p.M2->nin; i++)
        if (from(p.M2, i, p.S)) T2 += prev_value(p.M2, i);
    int64_t a5 = p.M2->val[0], fee_M2 = in2 - a5;
    int64_t t5 = fdiv(a5, T2, in2), tfee2 = fdiv(fee_M2, T2, in2);
    /* merge-3: T = a4 + t5 of a4 + a5 */
    int64_t in3 = sum_in(p.M3), a6 = p.M3->val[0], fee_M3 = in3 - a6;
    int64_t T3 = a4 + t5;
    int64_t t6 = fdiv(a6, T3, in3), tfee3 = fdiv(fee_M3, T3, in3);

    st_trace_result *r = run(c, p.src, ST_TAINT_HAIRCUT, p.until, 0);
    assert_int_equal(r->nfrontier, 1);
    assert_int_equal(r->frontier[0].out, out_id(c, p.M3->txid, 0));
    assert_int_equal(r->frontier[0].tainted, t6);
    assert_int_equal(r->frontier[0].hops, 3);
    assert_int_equal(taint_of(r, out_id(c, p.M2->txid, 0), NULL), t5);
    assert_int_equal(r->fee_left, fee_S + fee_M1 + tfee2 + tfee3);
    assert_int_equal(r->rounding_loss, (T2 - t5 - tfee2) + (T3 - t6 - tfee3));
    assert_int_equal(r->txs, 4);
    conserved(r);
    st_trace_result_free(r);
    st_chain_close(c);
}

static void test_pattern_poison(void **state) {
    (void)state;
    st_chain *c = open_chain();
    pattern p = get_pattern(c);
    st_trace_result *r = run(c, p.src, ST_TAINT_POISON, p.until, 0);
    assert_int_equal(r->nfrontier, 1);
    assert_int_equal(r->frontier[0].tainted, p.M3->val[0]); /* everything downstream fully */
    int64_t fees = (p.V - sum_out(p.S)) + (sum_in(p.M1) - sum_out(p.M1)) + (sum_in(p.M2) - sum_out(p.M2)) +
                   (sum_in(p.M3) - sum_out(p.M3));
    assert_int_equal(r->fee_left, fees);
    st_trace_result_free(r);
    st_chain_close(c);
}

/* Positional taint through merge-2 and merge-3, inputs laid in order
 * (FIFO) or in reverse (LIFO). */
static void positional(st_taint_model m) {
    st_chain *c = open_chain();
    pattern p = get_pattern(c);
    int lifo = m == ST_TAINT_LIFO;
    /* merge-2: where does a3's range sit in the input sequence? */
    int64_t off = 0, lo3 = -1, a3 = 0;
    for (int q = 0; q < p.M2->nin; q++) {
        int i = lifo ? p.M2->nin - 1 - q : q;
        int64_t v = prev_value(p.M2, i);
        if (from(p.M2, i, p.S)) lo3 = off, a3 = v;
        off += v;
    }
    int64_t a5 = p.M2->val[0];
    /* a5 takes [0, a5): its tainted part is [lo3, lo3 + a3) ∩ [0, a5) */
    int64_t lo5 = lo3 < a5 ? lo3 : a5, hi5 = lo3 + a3 < a5 ? lo3 + a3 : a5;
    int64_t t5 = hi5 - lo5;
    int64_t fee2_taint = overlap(a5, off, lo3, lo3 + a3);
    /* merge-3: a4 (fully tainted) and a5 (tainted on [lo5, hi5)) */
    int64_t a4 = p.M1->val[0], a6 = p.M3->val[0];
    int64_t t6 = 0, fee3_taint = 0;
    off = 0;
    int64_t in3 = sum_in(p.M3);
    for (int q = 0; q < p.M3->nin; q++) {
        int i = lifo ? p.M3->nin - 1 - q : q;
        int64_t v = prev_value(p.M3, i);
        int64_t tl, th;
        if (from(p.M3, i, p.M1)) tl = off, th = off + a4;
        else tl = off + lo5, th = off + hi5;
        t6 += overlap(0, a6, tl, th);
        fee3_taint += overlap(a6, in3, tl, th);
        off += v;
    }
    st_trace_result *r = run(c, p.src, m, p.until, 0);
    assert_int_equal(r->nfrontier, 1);
    assert_int_equal(taint_of(r, out_id(c, p.M2->txid, 0), NULL), t5);
    assert_int_equal(r->frontier[0].tainted, t6);
    int64_t fee_S = p.V - sum_out(p.S), fee_M1 = sum_in(p.M1) - a4;
    assert_int_equal(r->fee_left, fee_S + fee_M1 + fee2_taint + fee3_taint);
    assert_int_equal(r->rounding_loss, 0);
    conserved(r);
    st_trace_result_free(r);
    st_chain_close(c);
}

static void test_pattern_fifo(void **state) { (void)state; positional(ST_TAINT_FIFO); }
static void test_pattern_lifo(void **state) { (void)state; positional(ST_TAINT_LIFO); }

static void test_pattern_tiho(void **state) {
    (void)state;
    st_chain *c = open_chain();
    pattern p = get_pattern(c);
    /* merge-2: T = a3 goes to the one output first: min(a5, a3) */
    int64_t T2 = 0;
    for (int i = 0; i < p.M2->nin; i++)
        if (from(p.M2, i, p.S)) T2 += prev_value(p.M2, i);
    int64_t a5 = p.M2->val[0], t5 = T2 < a5 ? T2 : a5;
    int64_t fee2 = sum_in(p.M2) - a5, rest2 = T2 - t5, tfee2 = rest2 < fee2 ? rest2 : fee2;
    /* merge-3: T = a4 + t5 */
    int64_t T3 = p.M1->val[0] + t5, a6 = p.M3->val[0], t6 = T3 < a6 ? T3 : a6;
    int64_t fee3 = sum_in(p.M3) - a6, rest3 = T3 - t6, tfee3 = rest3 < fee3 ? rest3 : fee3;
    st_trace_result *r = run(c, p.src, ST_TAINT_TIHO, p.until, 0);
    assert_int_equal(r->nfrontier, 1);
    assert_int_equal(r->frontier[0].tainted, t6);
    int64_t fee_S = p.V - sum_out(p.S), fee_M1 = sum_in(p.M1) - p.M1->val[0];
    assert_int_equal(r->fee_left, fee_S + fee_M1 + tfee2 + tfee3);
    conserved(r);
    st_trace_result_free(r);
    st_chain_close(c);
}

/* --taint-fee: the fees of the split's block go to that block's coinbase. */
static void test_fee_to_coinbase(void **state) {
    (void)state;
    st_chain *c = open_chain();
    pattern p = get_pattern(c);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    /* the coinbase of the split's block, decoded independently */
    const dtx *cb = NULL;
    for (int i = 0; i < g_ntx && !cb; i++)
        if (g_tx[i].block == p.S->block) cb = &g_tx[i];
    assert_non_null(cb);
    int64_t cb_total = sum_out(cb), fee_S = p.V - sum_out(p.S);
    /* haircut: coinbase output j gets floor(v_j * fee_S / total) */
    st_trace_result *r = run(c, p.src, ST_TAINT_HAIRCUT, p.until, 1);
    int64_t expect_cb = 0;
    for (int j = 0; j < cb->nout; j++) {
        int64_t want = fdiv(cb->val[j], fee_S, cb_total);
        expect_cb += want;
        int found;
        int64_t got = taint_of(r, out_id(c, cb->txid, (uint32_t)j), &found);
        assert_int_equal(got, want);
        if (want) assert_true(found);
    }
    assert_true(expect_cb > 0);
    assert_int_equal(r->fee_left, 0);
    assert_true(r->fee_to_coinbase > fee_S);
    conserved(r);
    st_trace_result_free(r);
    /* poison: every coinbase output of that block fully tainted */
    r = run(c, p.src, ST_TAINT_POISON, p.until, 1);
    for (int j = 0; j < cb->nout; j++)
        if (cb->val[j] > 0) assert_int_equal(taint_of(r, out_id(c, cb->txid, (uint32_t)j), NULL), cb->val[j]);
    st_trace_result_free(r);
    st_chain_close(c);
}

/* ---- the mapping scenario: 4+4+2 BTC -> 3 x 3.3333 -> 6 x 1.6666 ------ */

static void test_mapping(void **state) {
    (void)state;
    st_chain *c = open_chain();
    const dtx *MT = dec(label("taint-mapping-tx")), *CT = dec(label("taint-check-tx"));
    const char *fund2 = label("taint-mapping-fund-tx-2");
    int k2 = -1;
    for (int i = 0; i < MT->nin; i++)
        if (!strcmp(MT->prev[i], fund2)) k2 = i;
    assert_true(k2 >= 0);
    uint64_t src = out_id(c, MT->prev[k2], MT->prev_vout[k2]);
    int64_t V = prev_value(MT, k2), inMT = sum_in(MT), inCT = sum_in(CT);
    assert_int_equal(V, 400000000);
    assert_int_equal(inMT, 1000000000);
    assert_int_equal(MT->nout, 3);
    assert_int_equal(CT->nout, 6);
    int64_t until = CT->block;

    /* haircut: each 3.3333 output gets floor(333330000 * 4 / 10) */
    st_trace_result *r = run(c, src, ST_TAINT_HAIRCUT, until, 0);
    int64_t T = 0;
    for (int j = 0; j < 3; j++) {
        int64_t w = fdiv(MT->val[j], V, inMT);
        assert_int_equal(w, 133332000);
        assert_int_equal(taint_of(r, out_id(c, MT->txid, (uint32_t)j), NULL), w);
    }
    for (int i = 0; i < CT->nin; i++)
        if (!strcmp(CT->prev[i], MT->txid)) T += fdiv(MT->val[CT->prev_vout[i]], V, inMT);
    for (int j = 0; j < 6; j++) {
        int64_t w = fdiv(CT->val[j], T, inCT);
        assert_int_equal(w, 66664000);
        assert_int_equal(taint_of(r, out_id(c, CT->txid, (uint32_t)j), NULL), w);
    }
    assert_int_equal(r->nfrontier, 6);
    conserved(r);
    st_trace_result_free(r);

    /* FIFO: fund-2's range [off, off+V) in the mapping tx, cut into 3 ranges */
    for (int lifo = 0; lifo < 2; lifo++) {
        int64_t off = 0, lo = 0;
        for (int q = 0; q < MT->nin; q++) {
            int i = lifo ? MT->nin - 1 - q : q;
            if (i == k2) lo = off;
            off += prev_value(MT, i);
        }
        int64_t mlo[3], mhi[3], base = 0;
        for (int j = 0; j < 3; j++) {
            int64_t a = base, b = base + MT->val[j];
            int64_t l = lo > a ? lo : a, h = lo + V < b ? lo + V : b;
            mlo[j] = h > l ? l - a : 0;
            mhi[j] = h > l ? h - a : 0;
            base = b;
        }
        r = run(c, src, lifo ? ST_TAINT_LIFO : ST_TAINT_FIFO, until, 0);
        for (int j = 0; j < 3; j++)
            assert_int_equal(taint_of(r, out_id(c, MT->txid, (uint32_t)j), NULL), mhi[j] - mlo[j]);
        /* the check tx: lay its inputs (mapping outputs) end to end */
        int64_t cl[MAXIO], ch[MAXIO];
        off = 0;
        int n = 0;
        for (int q = 0; q < CT->nin; q++) {
            int i = lifo ? CT->nin - 1 - q : q;
            int j = (int)CT->prev_vout[i];
            assert_string_equal(CT->prev[i], MT->txid);
            cl[n] = off + mlo[j];
            ch[n] = off + mhi[j];
            n++;
            off += MT->val[j];
        }
        base = 0;
        int64_t sum = 0;
        for (int j = 0; j < 6; j++) {
            int64_t w = 0;
            for (int q = 0; q < n; q++) w += overlap(base, base + CT->val[j], cl[q], ch[q]);
            base += CT->val[j];
            sum += w;
            assert_int_equal(taint_of(r, out_id(c, CT->txid, (uint32_t)j), NULL), w);
        }
        assert_true(sum > 0);
        conserved(r);
        st_trace_result_free(r);
    }

    /* TIHO: 4 BTC to the highest outputs first; all three equal, so the
     * first in output order takes 3.3333 and the second the rest */
    r = run(c, src, ST_TAINT_TIHO, until, 0);
    assert_int_equal(taint_of(r, out_id(c, MT->txid, 0), NULL), MT->val[0]);
    assert_int_equal(taint_of(r, out_id(c, MT->txid, 1), NULL), V - MT->val[0]);
    assert_int_equal(taint_of(r, out_id(c, MT->txid, 2), NULL), 0);
    conserved(r);
    st_trace_result_free(r);

    /* poison, limited to the mapping tx's height: the three outputs, whole */
    r = run(c, src, ST_TAINT_POISON, MT->block, 0);
    assert_int_equal(r->nfrontier, 3);
    for (size_t i = 0; i < r->nfrontier; i++) {
        assert_int_equal(r->frontier[i].tainted, 333330000);
        assert_int_equal(r->frontier[i].stop, ST_STOP_HEIGHT);
    }
    st_trace_result_free(r);
    st_chain_close(c);
}

/* --max-hops stops after N transactions. */
static void test_max_hops(void **state) {
    (void)state;
    st_chain *c = open_chain();
    pattern p = get_pattern(c);
    st_trace_opts o;
    memset(&o, 0, sizeof o);
    o.model = ST_TAINT_POISON;
    o.until_height = -1;
    o.max_hops = 1;
    st_trace_result *r;
    st_error e;
    assert_int_equal(st_trace_run(c, &p.src, 1, &o, &r, &e), ST_OK);
    assert_int_equal(r->nfrontier, (size_t)p.S->nout); /* the split's outputs */
    for (size_t i = 0; i < r->nfrontier; i++) assert_int_equal(r->frontier[i].stop, ST_STOP_HOPS);
    assert_int_equal(r->txs, 1);
    st_trace_result_free(r);
    /* a work bound of 2 transactions cuts the trace and says so */
    o.max_hops = 0;
    o.max_txs = 2;
    assert_int_equal(st_trace_run(c, &p.src, 1, &o, &r, &e), ST_OK);
    assert_true(r->cut);
    int limited = 0;
    for (size_t i = 0; i < r->nfrontier; i++) limited += r->frontier[i].stop == ST_STOP_LIMIT;
    assert_true(limited > 0);
    st_trace_result_free(r);
    st_chain_close(c);
}

/* The peel chain: each of peeling-chain-0..9 is reached, in order. */
static void test_peel_chain(void **state) {
    (void)state;
    st_chain *c = open_chain();
    const dtx *first = dec(label("peeling-chain-0-tx"));
    assert_string_equal(first->prev[0], label("funding-tx-peeling-chain"));
    uint64_t src = out_id(c, first->prev[0], first->prev_vout[0]);
    st_trace_result *r = run(c, src, ST_TAINT_HAIRCUT, -1, 0);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    for (int i = 0; i < 10; i++) {
        char key[64];
        snprintf(key, sizeof key, "peeling-chain-%d-tx", i);
        uint64_t t;
        assert_true(st_chain_find_tx_hex(c, label(key), &t));
        int reached = 0;
        uint32_t hops = 0;
        for (size_t f = 0; f < r->nflows; f++)
            if (r->flows[f].to_tx == t) reached = 1;
        for (size_t f = 0; f < r->nfrontier; f++)
            if (st_chain_out_tx(c, r->frontier[f].out) == t && r->frontier[f].hops > hops) hops = r->frontier[f].hops;
        assert_true(reached);
        /* each peel hands its change on: the chain is i+1 hops deep here */
        if (i == 9) assert_int_equal(hops, 10);
    }
    conserved(r);
    st_trace_result_free(r);
    st_chain_close(c);
}

/* ---- clusters ---------------------------------------------------------- */

static void test_merge_cluster_of_three(void **state) {
    (void)state;
    st_chain *c = open_chain();
    st_clusters *cl;
    st_error e;
    assert_int_equal(st_clusters_open(&cl, g_db, c, &e), ST_OK);
    uint64_t a[3];
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "merge-addr-%d", i + 1);
        assert_true(st_chain_find_addr(c, label(key), &a[i]));
    }
    uint64_t cid = st_clusters_id(cl, a[0]);
    assert_int_equal(st_clusters_id(cl, a[1]), cid);
    assert_int_equal(st_clusters_id(cl, a[2]), cid);
    assert_int_equal(st_clusters_size(cl, cid), 3);
    uint64_t n = 0;
    for (uint64_t m = cid; m != ST_CHAIN_NONE; m = st_clusters_next_member(cl, m)) n++;
    assert_int_equal(n, 3);
    /* why: one step, through merge-final-tx */
    st_why_step *steps;
    size_t ns;
    assert_int_equal(st_clusters_why(cl, a[0], a[2], &steps, &ns, &e), 1);
    assert_int_equal(ns, 1);
    uint64_t t;
    assert_true(st_chain_find_tx_hex(c, label("merge-final-tx"), &t));
    assert_int_equal(steps[0].tx, t);
    assert_int_equal(steps[0].from, a[0]);
    assert_int_equal(steps[ns - 1].to, a[2]);
    st_free(steps);
    uint64_t id, size;
    assert_int_equal(st_cluster_lookup(g_db, c, a[1], &id, &size), ST_OK);
    assert_int_equal(id, cid);
    assert_int_equal(size, 3);
    /* an address of another scenario is not linked */
    uint64_t other;
    assert_true(st_chain_find_addr(c, label("addr-peeling-chain"), &other));
    assert_int_equal(st_clusters_why(cl, a[0], other, &steps, &ns, &e), 0);
    assert_int_equal(ns, 0);
    st_clusters_close(cl);
    st_chain_close(c);
}

/* The labelled CoinJoin: its input owners stay in separate clusters, and
 * would be merged if CoinJoins were not filtered. */
static void test_coinjoin_apart(void **state) {
    (void)state;
    st_chain *c = open_chain();
    const dtx *cj = dec(label("simple-coinjoin-tx"));
    /* the labelled equal outputs really are equal */
    json_t *sp = json_object_get(g_labels, "simple-coinjoin-spends");
    int64_t v0 = cj->val[json_integer_value(json_array_get(sp, 0))];
    for (size_t i = 1; i < json_array_size(sp); i++) assert_int_equal(cj->val[json_integer_value(json_array_get(sp, i))], v0);
    int64_t vals[MAXIO];
    for (int i = 0; i < cj->nout; i++) vals[i] = cj->val[i];
    assert_int_not_equal(st_coinjoin_detect((size_t)cj->nin, (size_t)cj->nin, vals, (size_t)cj->nout), ST_CJ_NONE);
    st_clusters *cl;
    st_error e;
    assert_int_equal(st_clusters_open(&cl, g_db, c, &e), ST_OK);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    uint64_t t;
    assert_true(st_chain_find_tx_hex(c, cj->txid, &t));
    uint64_t ids[MAXIO];
    int n = 0;
    for (uint64_t i = k.tx_first_in[t]; i < k.tx_first_in[t + 1]; i++)
        ids[n++] = st_clusters_id(cl, k.out_addr[k.in_prev[i]]);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) assert_int_not_equal(ids[i], ids[j]);
    st_clusters_close(cl);
    st_chain_close(c);
    /* with CoinJoins merged the owners become one cluster */
    char *db2 = st_test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -r '%s'/. '%s'/", g_db, db2);
    assert_int_equal(system(cmd), 0);
    st_cluster_opts co;
    memset(&co, 0, sizeof co);
    co.merge_coinjoin = 1;
    st_cluster_report rep;
    assert_int_equal(st_cluster_build(db2, &co, &rep, &e), ST_OK);
    c = NULL;
    assert_int_equal(st_chain_open(&c, db2, &e), ST_OK);
    assert_int_equal(st_clusters_open(&cl, db2, c, &e), ST_OK);
    st_chain_get_cols(c, &k);
    uint64_t first = ST_CHAIN_NONE;
    for (uint64_t i = k.tx_first_in[t]; i < k.tx_first_in[t + 1]; i++) {
        uint64_t id = st_clusters_id(cl, k.out_addr[k.in_prev[i]]);
        if (first == ST_CHAIN_NONE) first = id;
        assert_int_equal(id, first);
    }
    st_clusters_close(cl);
    st_chain_close(c);
    st_rm_rf(db2);
    free(db2);
}

/* Optional change heuristics on the chain's labelled change scenarios:
 * the labelled change output joins the inputs' cluster. */
static void change_case(const char *db, const char *tx_key, const char *pos_key) {
    st_chain *c;
    st_clusters *cl;
    st_error e;
    assert_int_equal(st_chain_open(&c, db, &e), ST_OK);
    assert_int_equal(st_clusters_open(&cl, db, c, &e), ST_OK);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    uint64_t t;
    assert_true(st_chain_find_tx_hex(c, label(tx_key), &t));
    int64_t pos = json_integer_value(json_object_get(g_labels, pos_key));
    uint64_t in_cl = st_clusters_id(cl, k.out_addr[k.in_prev[k.tx_first_in[t]]]);
    for (uint64_t o = k.tx_first_out[t]; o < k.tx_first_out[t + 1]; o++) {
        int joined = st_clusters_id(cl, k.out_addr[o]) == in_cl;
        if ((int64_t)(o - k.tx_first_out[t]) == pos) assert_true(joined);
        else assert_false(joined);
    }
    st_clusters_close(cl);
    st_chain_close(c);
}

static void test_change_heuristics(void **state) {
    (void)state;
    char *db2 = st_test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -r '%s'/. '%s'/", g_db, db2);
    assert_int_equal(system(cmd), 0);
    st_cluster_opts co;
    memset(&co, 0, sizeof co);
    st_error e;
    co.change = ST_CHANGE_TYPE;
    assert_int_equal(st_cluster_build(db2, &co, NULL, &e), ST_OK);
    for (int i = 0; i < 3; i++) {
        char tk[64], pk[64];
        snprintf(tk, sizeof tk, "change-address-type-tx-%d", i);
        snprintf(pk, sizeof pk, "change-address-type-position-%d", i);
        change_case(db2, tk, pk);
    }
    co.change = ST_CHANGE_ROUND;
    assert_int_equal(st_cluster_build(db2, &co, NULL, &e), ST_OK);
    for (int i = 0; i < 6; i++) {
        char tk[64], pk[64];
        snprintf(tk, sizeof tk, "change-ten-%d-tx", i);
        snprintf(pk, sizeof pk, "change-ten-%d-position", i);
        change_case(db2, tk, pk);
    }
    st_rm_rf(db2);
    free(db2);
}

/* A cluster file from another state of the store is refused. */
static void test_stale_clusters(void **state) {
    (void)state;
    char *db2 = st_test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -r '%s'/. '%s'/", g_db, db2);
    assert_int_equal(system(cmd), 0);
    /* a cluster file whose counts do not match the store */
    char path[4096];
    snprintf(path, sizeof path, "%s/cluster.col", db2);
    char *d;
    size_t len;
    st_error e;
    assert_int_equal(st_file_read(path, 1 << 24, &d, &len, &e), ST_OK);
    ((uint64_t *)d)[1] += 1;
    assert_int_equal(st_file_write_atomic(path, d, len, &e), ST_OK);
    st_free(d);
    st_chain *c;
    assert_int_equal(st_chain_open(&c, db2, &e), ST_OK);
    st_clusters *cl;
    assert_int_equal(st_clusters_open(&cl, db2, c, &e), ST_ECORRUPT);
    assert_non_null(strstr(e.msg, "stale"));
    st_chain_close(c);
    st_rm_rf(db2);
    free(db2);
}

/* GraphSense's test transactions through the same union-find: the
 * expected clusters with CoinJoin filtering (reference__address_cluster)
 * and without (reference__address_cluster_with_coinjoin). */
static void graphsense(int filter, const char *ref) {
    json_error_t je;
    char *d;
    size_t len;
    st_error e;
    /* address -> id */
    assert_int_equal(st_file_read(st_test_data("chain/graphsense-clustering/reference__address_ids.json"), 1 << 20, &d, &len, &e), ST_OK);
    json_t *ids = json_object();
    size_t naddr = 0;
    for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        json_object_set(ids, json_string_value(json_object_get(o, "address")), json_object_get(o, "addressId"));
        size_t id = (size_t)json_integer_value(json_object_get(o, "addressId"));
        if (id + 1 > naddr) naddr = id + 1;
        json_decref(o);
    }
    st_free(d);
    st_uf *uf;
    assert_int_equal(st_uf_new(&uf, naddr), ST_OK);
    assert_int_equal(st_file_read(st_test_data("chain/graphsense-clustering/test_txs.json"), 1 << 20, &d, &len, &e), ST_OK);
    int ntx = 0;
    for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        ntx++;
        if (json_is_true(json_object_get(o, "coinbase")) || (filter && json_is_true(json_object_get(o, "coinjoin")))) {
            json_decref(o);
            continue;
        }
        json_t *ins = json_object_get(o, "inputs"), *in;
        size_t i;
        int64_t first = -1;
        json_array_foreach(ins, i, in) {
            json_t *al = json_object_get(in, "address");
            if (json_array_size(al) != 1) continue; /* multisig: no single address id */
            json_t *idv = json_object_get(ids, json_string_value(json_array_get(al, 0)));
            assert_non_null(idv);
            int64_t id = json_integer_value(idv);
            if (first < 0) first = id;
            else st_uf_union(uf, (uint64_t)first, (uint64_t)id);
        }
        json_decref(o);
    }
    st_free(d);
    assert_int_equal(ntx, 10);
    /* GraphSense names a cluster by its smallest address id */
    assert_int_equal(st_file_read(st_test_data(ref), 1 << 20, &d, &len, &e), ST_OK);
    int checked = 0;
    for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        uint64_t a = (uint64_t)json_integer_value(json_object_get(o, "addressId"));
        uint64_t want = (uint64_t)json_integer_value(json_object_get(o, "clusterId"));
        uint64_t root = st_uf_find(uf, a), minid = a;
        for (uint64_t b = 0; b < naddr; b++)
            if (st_uf_find(uf, b) == root && b < minid) minid = b;
        assert_int_equal(minid, want);
        checked++;
        json_decref(o);
    }
    st_free(d);
    assert_int_equal(checked, 15);
    st_uf_free(uf);
    json_decref(ids);
}

static void test_graphsense_filtered(void **state) {
    (void)state;
    graphsense(1, "chain/graphsense-clustering/reference__address_cluster.json");
}
static void test_graphsense_with_coinjoin(void **state) {
    (void)state;
    graphsense(0, "chain/graphsense-clustering/reference__address_cluster_with_coinjoin.json");
}

static void test_coinjoin_shapes(void **state) {
    (void)state;
    int64_t whirl[5] = {5000000, 5000000, 5000000, 5000000, 5000000};
    assert_int_equal(st_coinjoin_detect(5, 5, whirl, 5), ST_CJ_WHIRLPOOL);
    int64_t was[14];
    for (int i = 0; i < 12; i++) was[i] = 10000000;
    was[12] = 3456789;
    was[13] = 1234567;
    assert_int_equal(st_coinjoin_detect(12, 12, was, 14), ST_CJ_WASABI);
    int64_t jm[5] = {20000000, 20000000, 20000000, 1234567, 7654321};
    assert_int_equal(st_coinjoin_detect(4, 3, jm, 5), ST_CJ_JOINMARKET);
    assert_int_equal(st_coinjoin_detect(4, 2, jm, 5), ST_CJ_NONE);  /* fewer owners than equal outputs */
    int64_t pay[2] = {20000000, 1234567};
    assert_int_equal(st_coinjoin_detect(3, 3, pay, 2), ST_CJ_NONE); /* an ordinary payment */
    int64_t dust[4] = {546, 546, 546, 1000000};
    assert_int_equal(st_coinjoin_detect(3, 3, dust, 4), ST_CJ_NONE);
    unsigned bits;
    st_error e;
    assert_int_equal(st_change_parse("fresh,round", &bits, &e), ST_OK);
    assert_int_equal(bits, ST_CHANGE_FRESH | ST_CHANGE_ROUND);
    assert_int_equal(st_change_parse("fresh,peel", &bits, &e), ST_EINVAL);
    assert_non_null(strstr(e.msg, "peel"));
}

/* ---- tags ---------------------------------------------------------------- */

static void test_tagpacks(void **state) {
    (void)state;
    st_tagset *ts;
    st_error e;
    assert_int_equal(st_tagset_new(&ts), ST_OK);
    assert_int_equal(st_tagset_load_path(ts, st_test_data("chain/tagpacks"), &e), ST_OK);
    /* `grep -c '^- address' *.yaml` summed over the nine files */
    assert_int_equal(st_tagset_count(ts), 45 + 8 + 608 + 21 + 6 + 572 + 6 + 2 + 39);
    int blender = 0, ronin = 0, sinbad_last = 0, laz = 0, ofac = 0, bitstamp = 0, hack = 0;
    for (size_t i = 0; i < st_tagset_count(ts); i++) {
        const st_tag *t = st_tagset_get(ts, i);
        if (!strcmp(t->address, "3NDzzVxiLBUs1WPvVGRfCYDTAD2Ua2PvW4") && !strcmp(t->pack, "Blender.io")) {
            blender = 1; /* header fields inherited */
            assert_string_equal(t->label, "Blender.io");
            assert_string_equal(t->category, "mixer");
            assert_string_equal(t->currency, "BTC");
            assert_string_equal(t->source, "https://home.treasury.gov/policy-issues/financial-sanctions/recent-actions/20220506");
        }
        if (!strcmp(t->address, "0x098B716B8Aaf21512996dC57EB0615e2383E2f96") && !strcmp(t->pack, "Ronin bridge hack")) {
            ronin = 1; /* quoted address, own label, abuse from the header */
            assert_string_equal(t->label, "Ronin bridge exploiter");
            assert_string_equal(t->category, "theft");
            assert_string_equal(t->currency, "ETH");
        }
        if (!strcmp(t->address, "1JHdQHkBZiim1cb4hyUh2PbzEbbg6z2TrF")) sinbad_last = 1; /* no final newline */
        if (!strcmp(t->address, "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak") && !strcmp(t->pack, "OFAC Tagpack")) {
            laz = 1;
            assert_string_equal(t->category, "sanctioned");
            assert_string_equal(t->label, "Lazarus group");
        }
        if (!strcmp(t->pack, "US Treasury OFAC Sanctions List")) {
            ofac++;
            assert_string_equal(t->category, "sanctioned");
        }
        if (!strcmp(t->address, "1JoktQJhCzuCQkt3GnQ8Xddcq4mUgNyXEa") && !strcmp(t->pack, "Known Cryptoservice hacks")) {
            bitstamp = 1;
            assert_string_equal(t->category, "exchange");
            assert_string_equal(t->label, "Bitstamp");
        }
        if (!strcmp(t->address, "1LY2Y3mL64bxPJmzEa1e6hwK42ojfXnQ5E") && !strcmp(t->pack, "Known Cryptoservice hacks")) {
            hack = 1;
            assert_string_equal(t->category, "theft");
            assert_string_equal(t->label, "Bitfinex hack");
        }
        assert_int_equal(t->valid_from, INT64_MIN);
        assert_int_equal(t->valid_to, INT64_MAX);
    }
    assert_true(blender && ronin && sinbad_last && laz && bitstamp && hack);
    assert_int_equal(ofac, 572);
    st_tagset_free(ts);
}

static void test_tag_validity(void **state) {
    (void)state;
    const char *y = "title: Mixer pack\ncategory: mixing_service\nabuse: sanction\n"
                    "valid_to: 2025-03-21\nsource: 'https://x/''y'''\ntags:\n"
                    "  - address: \"0xAbC\"   # a comment\n    label: Some mixer\n"
                    "    context: |\n      free text\n      more: text\n"
                    "  - address: 1Foo\n    valid_from: 2020-01-02\n    valid_to: 2030-01-01T00:00:00Z\n"
                    "extra:\n  nested: 1\n";
    st_tagset *ts;
    st_error e;
    st_tagset_new(&ts);
    assert_int_equal(st_tagset_load_yaml(ts, "t.yaml", y, strlen(y), &e), ST_OK);
    assert_int_equal(st_tagset_count(ts), 2);
    const st_tag *a = st_tagset_get(ts, 0), *b = st_tagset_get(ts, 1);
    assert_string_equal(a->address, "0xAbC");
    assert_string_equal(a->source, "https://x/'y'");
    assert_string_equal(a->category, "sanctioned");
    assert_string_equal(b->label, "Mixer pack"); /* title stands in for a missing label */
    int64_t d0321, d0322, d2020;
    assert_int_equal(st_date_parse("2025-03-21", &d0321), ST_OK);
    assert_int_equal(d0321, 1742515200); /* date -u -d 2025-03-21 +%s */
    d0322 = d0321 + 86400;
    assert_int_equal(st_date_parse("2020-01-02", &d2020), ST_OK);
    assert_true(st_tag_valid_at(a, d0321 - 1));
    assert_false(st_tag_valid_at(a, d0321));
    assert_false(st_tag_valid_at(a, d0322));
    assert_false(st_tag_valid_at(b, d2020 - 1));
    assert_true(st_tag_valid_at(b, d0322));
    st_tagset_free(ts);
}

static void test_tag_errors(void **state) {
    (void)state;
    struct { const char *y; long line; const char *msg; } bad[] = {
        {"title: x\ntags:\n- address: a\n  label 'no colon'\n", 4, "expected ':'"},
        {"title: x\ntags:\n- label: no address\n", 3, "without an address"},
        {"title: 'open\ntags:\n", 1, "quoted scalar"},
        {"tags:\n- address: a\n\tlabel: tab\n", 3, "tab"},
        {"tags:\n- address: a\n  valid_to: yesterday\n", 2, "valid_to"},
        {"- address: a\n", 1, "outside"},
        {"tags:\n- address: a\n  address: b\n", 3, "duplicate"},
        {"tags: 'one'\n", 1, "must start a list"},
        {"a: &x [1]\ntags: *x\n", 1, "must be a map"},
        {"tags:\n- address: \"a\\0b\"\n", 2, "NUL"},
        {"tags:\n- address: a\ntags:\n- address: b\n", 3, "duplicate key 'tags'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_tagset *ts;
        st_error e;
        st_error_clear(&e);
        st_tagset_new(&ts);
        assert_int_equal(st_tagset_load_yaml(ts, "bad.yaml", bad[i].y, strlen(bad[i].y), &e), ST_EPARSE);
        assert_string_equal(e.file, "bad.yaml");
        assert_int_equal(e.line, bad[i].line);
        if (!strstr(e.msg, bad[i].msg)) fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].msg);
        assert_int_equal(st_tagset_count(ts), 0); /* a bad file adds nothing */
        st_tagset_free(ts);
    }
}

/* Valid YAML that TagPack authors write and a line reader refused: flow
 * maps, folded and literal scalars, anchors with aliases, a document end
 * marker, header fields after the list. */
static void test_tag_yaml_forms(void **state) {
    (void)state;
    const char *y = "---\ntitle: Forms\ntags:\n"
                    "- {address: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT, label: x}\n"
                    "- address: 1Foo\n  label: >-\n    folded\n    label\n"
                    "- address: 1Bar\n  label: |-\n    literal\n  source: &src https://example.org/a\n"
                    "- address: \"1Baz\"\n  source: *src\n  context: {nested: [1, 2]}\n"
                    "category: exchange\n...\n";
    st_tagset *ts;
    st_error e;
    st_error_clear(&e);
    st_tagset_new(&ts);
    assert_int_equal(st_tagset_load_yaml(ts, "forms.yaml", y, strlen(y), &e), ST_OK);
    assert_int_equal(st_tagset_count(ts), 4);
    assert_string_equal(st_tagset_get(ts, 0)->address, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT");
    assert_string_equal(st_tagset_get(ts, 0)->label, "x");
    assert_string_equal(st_tagset_get(ts, 1)->label, "folded label");
    assert_string_equal(st_tagset_get(ts, 2)->label, "literal");
    assert_string_equal(st_tagset_get(ts, 3)->source, "https://example.org/a");
    assert_string_equal(st_tagset_get(ts, 3)->label, "Forms"); /* the title stands in */
    for (size_t i = 0; i < 4; i++) assert_string_equal(st_tagset_get(ts, i)->category, "exchange");
    /* an empty file, and one of comments only, hold no tags and are fine */
    assert_int_equal(st_tagset_load_yaml(ts, "empty.yaml", "", 0, &e), ST_OK);
    assert_int_equal(st_tagset_load_yaml(ts, "c.yaml", "# nothing yet\n", 14, &e), ST_OK);
    assert_int_equal(st_tagset_count(ts), 4);
    /* two documents, each with its own header */
    const char *two = "title: One\ntags:\n- address: 1A\n---\ntitle: Two\ntags:\n- address: 1B\n";
    assert_int_equal(st_tagset_load_yaml(ts, "two.yaml", two, strlen(two), &e), ST_OK);
    assert_int_equal(st_tagset_count(ts), 6);
    assert_string_equal(st_tagset_get(ts, 4)->label, "One");
    assert_string_equal(st_tagset_get(ts, 5)->label, "Two");
    st_tagset_free(ts);
}

/* A small file whose aliases would copy gigabytes is refused, and adds
 * nothing: a tag of nine 60 KB fields referenced 2,000 times. */
static void test_tag_alias_bomb(void **state) {
    (void)state;
    static char y[200000];
    size_t n = 0;
    n += (size_t)snprintf(y + n, sizeof y - n, "big: &m\n");
    const char *keys[] = {"address", "label", "category", "abuse", "source", "currency", "actor", "confidence", "lastmod"};
    for (size_t k = 0; k < 9; k++) {
        n += (size_t)snprintf(y + n, sizeof y - n, "  %s: ", keys[k]);
        memset(y + n, 'x', 6000);
        n += 6000;
        y[n++] = '\n';
    }
    n += (size_t)snprintf(y + n, sizeof y - n, "tags: [");
    for (int i = 0; i < 2000 && n + 8 < sizeof y; i++) n += (size_t)snprintf(y + n, sizeof y - n, "%s*m", i ? ", " : "");
    n += (size_t)snprintf(y + n, sizeof y - n, "]\n");
    st_tagset *ts;
    st_error e;
    st_error_clear(&e);
    st_tagset_new(&ts);
    assert_int_equal(st_tagset_load_yaml(ts, "bomb.yaml", y, n, &e), ST_ELIMIT);
    assert_non_null(strstr(e.msg, "16 times"));
    assert_int_equal(st_tagset_count(ts), 0);
    st_tagset_free(ts);
}

/* Sanctions snapshot wallets become "sanctioned" tags: valid from the
 * listing date; a wallet dropped by the newer snapshot ends when that
 * snapshot was made (a delisting, as Tornado Cash's in 2025). */
static void test_sanctions_tags(void **state) {
    (void)state;
    char *home = st_test_tmpdir();
    st_error e;
    st_entity *a, *b;
    assert_int_equal(st_entity_new(&a, "ofac:1", "ofac", ST_SCHEMA_ORGANIZATION), ST_OK);
    assert_int_equal(st_entity_add_name(a, "Mixer One", 0), ST_OK);
    if (!a->caption) a->caption = st_strdup("Mixer One");
    a->listed_on = st_strdup("2022-08-08");
    assert_int_equal(st_entity_add_wallet(a, "XBT", "1MixerOneAddress"), ST_OK);
    assert_int_equal(st_entity_add_wallet(a, "ETH", "0x00000000000000000000000000000000000000aa"), ST_OK);
    assert_int_equal(st_entity_new(&b, "ofac:2", "ofac", ST_SCHEMA_PERSON), ST_OK);
    assert_int_equal(st_entity_add_name(b, "Listed Person", 0), ST_OK);
    if (!b->caption) b->caption = st_strdup("Listed Person");
    assert_int_equal(st_entity_add_wallet(b, "XBT", "1PersonAddress"), ST_OK);
    json_t *src = json_object();
    st_store_result res;
    st_entity *both[2] = {a, b};
    assert_int_equal(st_store_write(home, both, 2, src, &res, &e), ST_OK);
    /* the newer snapshot no longer lists the mixer */
    assert_int_equal(st_store_write(home, &b, 1, src, &res, &e), ST_OK);
    st_tagset *ts;
    st_tagset_new(&ts);
    size_t added = 0;
    assert_int_equal(st_tagset_load_sanctions(ts, home, &added, &e), ST_OK);
    assert_int_equal(added, 3); /* the two Bitcoin wallets and the Ethereum account (traced with --evm-db) */
    const st_tag *mixer = NULL, *person = NULL, *eth = NULL;
    for (size_t i = 0; i < st_tagset_count(ts); i++) {
        const st_tag *t = st_tagset_get(ts, i);
        if (!strcmp(t->address, "1MixerOneAddress")) mixer = t;
        if (!strcmp(t->address, "1PersonAddress")) person = t;
        if (!strcmp(t->address, "0x00000000000000000000000000000000000000aa")) eth = t;
    }
    assert_non_null(mixer);
    assert_non_null(person);
    assert_non_null(eth);
    assert_string_equal(eth->currency, "ETH");
    assert_string_equal(eth->category, "sanctioned");
    assert_int_equal(eth->valid_to, mixer->valid_to); /* delisted with the mixer */
    assert_string_equal(mixer->category, "sanctioned");
    assert_string_equal(mixer->label, "Mixer One");
    int64_t listed;
    st_date_parse("2022-08-08", &listed);
    assert_int_equal(mixer->valid_from, listed);
    assert_true(mixer->valid_to < INT64_MAX);         /* delisted */
    assert_true(mixer->valid_to > listed);
    assert_false(st_tag_valid_at(mixer, listed - 1));
    assert_true(st_tag_valid_at(mixer, listed + 86400));
    assert_false(st_tag_valid_at(mixer, mixer->valid_to));
    assert_int_equal(person->valid_to, INT64_MAX);    /* still listed */
    st_tagset_free(ts);
    /* no snapshot at all: ST_ENOTFOUND, nothing added */
    char *empty = st_test_tmpdir();
    st_tagset_new(&ts);
    assert_int_equal(st_tagset_load_sanctions(ts, empty, &added, &e), ST_ENOTFOUND);
    assert_int_equal(st_tagset_count(ts), 0);
    st_tagset_free(ts);
    json_decref(src);
    st_entity_free(a);
    st_entity_free(b);
    st_rm_rf(home);
    st_rm_rf(empty);
    free(home);
    free(empty);
}

/* ---- sources, exposure ---------------------------------------------------- */

static void test_sources_and_errors(void **state) {
    (void)state;
    st_chain *c = open_chain();
    uint64_t *outs = NULL;
    size_t n = 0, cap = 0;
    st_error e;
    st_error_clear(&e);
    char spec[128];
    snprintf(spec, sizeof spec, "%s:0", label("taint-fund-tx-1"));
    assert_int_equal(st_trace_source(c, NULL, spec, &outs, &n, &cap, &e), ST_OK);
    assert_int_equal(n, 1);
    /* an address: every output it received (merge-addr-1 was funded once) */
    assert_int_equal(st_trace_source(c, NULL, label("merge-addr-1"), &outs, &n, &cap, &e), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(st_trace_source(c, NULL, "0000000000000000000000000000000000000000000000000000000000000001:0",
                                     &outs, &n, &cap, &e), ST_ENOTFOUND);
    assert_non_null(strstr(e.msg, "unknown transaction"));
    snprintf(spec, sizeof spec, "%s:99", label("taint-fund-tx-1"));
    assert_int_equal(st_trace_source(c, NULL, spec, &outs, &n, &cap, &e), ST_ENOTFOUND);
    assert_non_null(strstr(e.msg, "no output 99"));
    assert_int_equal(st_trace_source(c, NULL, "mzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", &outs, &n, &cap, &e), ST_ENOTFOUND);
    assert_int_equal(st_trace_source(c, NULL, "abc:1", &outs, &n, &cap, &e), ST_ENOTFOUND);
    assert_int_equal(n, 2);
    st_free(outs);
    st_chain_close(c);
}

/* Exposure of the final merge output's address: a tag on fund-1's address
 * (the stolen 7 BTC) shows up 4 hops back with the haircut share. */
static void test_exposure(void **state) {
    (void)state;
    st_chain *c = open_chain();
    pattern p = get_pattern(c);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    char fund_addr[128], yaml[512];
    st_chain_addr_text(c, k.out_addr[p.src], fund_addr, sizeof fund_addr);
    snprintf(yaml, sizeof yaml, "title: test theft\nabuse: service_hack\ntags:\n- address: %s\n  label: The hack\n", fund_addr);
    st_tagset *ts;
    st_tagmap *tm;
    st_error e;
    st_tagset_new(&ts);
    assert_int_equal(st_tagset_load_yaml(ts, "t", yaml, strlen(yaml), &e), ST_OK);
    assert_int_equal(st_tagmap_new(&tm, ts, c, NULL, NULL), ST_OK);
    uint64_t target = k.out_addr[out_id(c, p.M3->txid, 0)];
    st_exposure_opts o = {5, 0, 3, tm, NULL};
    st_exposure_result *r;
    assert_int_equal(st_exposure_run(c, &target, 1, &o, &r, &e), ST_OK);
    /* backwards haircut: a6 -> (a4 | a5) -> split / (a3 | fund-2) -> fund-1 */
    int64_t a6 = p.M3->val[0], in3 = sum_in(p.M3), in2 = sum_in(p.M2);
    int64_t want = 0;
    for (int i = 0; i < p.M3->nin; i++) {
        int64_t s3 = fdiv(a6, prev_value(p.M3, i), in3);
        if (from(p.M3, i, p.M1)) {
            /* a4 <- a1 + a2 <- split <- fund-1 */
            int64_t in1 = sum_in(p.M1);
            for (int j = 0; j < p.M1->nin; j++) want += fdiv(fdiv(s3, prev_value(p.M1, j), in1), p.V, p.V);
        } else {
            for (int j = 0; j < p.M2->nin; j++)
                if (from(p.M2, j, p.S)) want += fdiv(fdiv(s3, prev_value(p.M2, j), in2), p.V, p.V);
        }
    }
    assert_int_equal(r->received, a6);
    assert_int_equal(r->nshares, 1);
    assert_string_equal(r->shares[0].tag->label, "The hack");
    assert_int_equal(r->shares[0].direct, 0);
    assert_int_equal(r->shares[0].indirect, want);
    assert_true(r->shares[0].npaths >= 1);
    assert_int_equal(r->shares[0].paths[0].hops, 3);
    uint64_t tS;
    assert_true(st_chain_find_tx_hex(c, p.S->txid, &tS));
    assert_int_equal(r->shares[0].paths[0].txs[0], tS); /* source side first */
    assert_string_equal(st_exposure_risk(r), "high");
    st_exposure_result_free(r);
    /* two hops are not enough to reach it */
    o.max_hops = 2;
    assert_int_equal(st_exposure_run(c, &target, 1, &o, &r, &e), ST_OK);
    assert_int_equal(r->nshares, 0);
    assert_string_equal(st_exposure_risk(r), "none");
    st_exposure_result_free(r);
    st_tagmap_free(tm);
    st_tagset_free(ts);
    st_chain_close(c);
}

static void test_uf_basics(void **state) {
    (void)state;
    st_uf *u;
    assert_int_equal(st_uf_new(&u, 1000), ST_OK);
    for (uint64_t i = 1; i < 1000; i += 2) assert_int_equal(st_uf_union(u, i - 1, i), 1);
    assert_int_equal(st_uf_union(u, 0, 1), 0);
    for (uint64_t i = 3; i < 1000; i += 2) st_uf_union(u, 1, i);
    assert_int_equal(st_uf_size(u, 999), 1000);
    assert_int_equal(st_uf_find(u, 0), st_uf_find(u, 998));
    st_uf_free(u);
    /* allocation failure is reported, not crashed on */
    st_alloc_fail_after(1);
    assert_int_equal(st_uf_new(&u, 10), ST_ENOMEM);
    st_alloc_fail_after(-1);
}

/* ---- reports (report.c) ---------------------------------------------------- */

/* Services summed per label, largest first, ties in order of first
 * appearance; every allocation failure reported, never a partial list. */
static void test_report_services(void **state) {
    (void)state;
    st_tag ta = {.label = "Alpha", .category = "exchange"}, tb = {.label = "Beta", .category = "exchange"},
           tc = {.label = "Gamma", .category = "mixer"}, td = {.label = "Delta", .category = "exchange"};
    st_trace_hit hits[] = {
        {10, 300, 4, ST_STOP_SERVICE, &tc}, {11, 100, 2, ST_STOP_SERVICE, &ta}, {12, 500, 3, ST_STOP_SERVICE, &tb},
        {13, 200, 1, ST_STOP_SERVICE, &ta}, {14, 500, 5, ST_STOP_SERVICE, &td}, {15, 200, 6, ST_STOP_SERVICE, &tc},
    };
    st_trace_result r;
    memset(&r, 0, sizeof r);
    r.tagged = hits;
    r.ntagged = sizeof hits / sizeof *hits;
    st_trace_service *sv;
    size_t n;
    assert_int_equal(st_trace_services(&r, &sv, &n), ST_OK);
    assert_int_equal(n, 4);
    /* Gamma 500 (first at 0), Beta 500 (at 2), Delta 500 (at 4), Alpha 300 */
    assert_string_equal(sv[0].tag->label, "Gamma");
    assert_int_equal(sv[0].amount, 500);
    assert_int_equal(sv[0].outputs, 2);
    assert_int_equal(sv[0].min_hops, 4);
    assert_string_equal(sv[1].tag->label, "Beta");
    assert_string_equal(sv[2].tag->label, "Delta");
    assert_string_equal(sv[3].tag->label, "Alpha");
    assert_int_equal(sv[3].amount, 300);
    assert_int_equal(sv[3].min_hops, 1);
    st_free(sv);
    for (long k = 0; k < 3; k++) {
        st_alloc_fail_after(k);
        int rc = st_trace_services(&r, &sv, &n);
        st_alloc_fail_after(-1);
        assert_int_equal(rc, ST_ENOMEM);
        assert_null(sv);
    }
    r.ntagged = 0;
    assert_int_equal(st_trace_services(&r, &sv, &n), ST_OK);
    assert_int_equal(n, 0);
    st_free(sv);
}

static void test_report_exposure_categories(void **state) {
    (void)state;
    st_tag ta = {.label = "A", .category = "theft"}, tb = {.label = "B", .category = "exchange"},
           tc = {.label = "C", .category = "theft"};
    st_exposure_share sh[] = {{&tb, 5, 1, NULL, 0}, {&ta, 10, 0, NULL, 0}, {&tc, 0, 7, NULL, 0}};
    st_exposure_result r;
    memset(&r, 0, sizeof r);
    r.shares = sh;
    r.nshares = 3;
    st_exposure_category *cat;
    size_t n;
    assert_int_equal(st_exposure_by_category(&r, &cat, &n), ST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(cat[0].category, "exchange");
    assert_int_equal(cat[0].direct, 5);
    assert_int_equal(cat[0].indirect, 1);
    assert_string_equal(cat[1].category, "theft");
    assert_int_equal(cat[1].direct, 10);
    assert_int_equal(cat[1].indirect, 7);
    st_free(cat);
    int64_t d, i;
    st_exposure_totals(&r, &d, &i);
    assert_int_equal(d, 15);
    assert_int_equal(i, 8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uf_basics),
        cmocka_unit_test(test_coinjoin_shapes),
        cmocka_unit_test(test_pattern_haircut),
        cmocka_unit_test(test_pattern_poison),
        cmocka_unit_test(test_pattern_fifo),
        cmocka_unit_test(test_pattern_lifo),
        cmocka_unit_test(test_pattern_tiho),
        cmocka_unit_test(test_fee_to_coinbase),
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_max_hops),
        cmocka_unit_test(test_peel_chain),
        cmocka_unit_test(test_merge_cluster_of_three),
        cmocka_unit_test(test_coinjoin_apart),
        cmocka_unit_test(test_stale_clusters),
        cmocka_unit_test(test_change_heuristics),
        cmocka_unit_test(test_graphsense_filtered),
        cmocka_unit_test(test_graphsense_with_coinjoin),
        cmocka_unit_test(test_tagpacks),
        cmocka_unit_test(test_tag_validity),
        cmocka_unit_test(test_tag_errors),
        cmocka_unit_test(test_tag_yaml_forms),
        cmocka_unit_test(test_tag_alias_bomb),
        cmocka_unit_test(test_sanctions_tags),
        cmocka_unit_test(test_sources_and_errors),
        cmocka_unit_test(test_exposure),
        cmocka_unit_test(test_report_services),
        cmocka_unit_test(test_report_exposure_categories),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
