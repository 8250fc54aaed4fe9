/* test_chain.c - the chain store on real block files: parser, addresses,
 * best-chain choice, reorganisation, obfuscation, incremental and
 * interrupted ingests, bad input.  Expected values come from outside
 * sanctrace: the data's own documentation (counts), BIP test vectors,
 * well-known mainnet facts (block 170, the 5,569-input transaction) and
 * txids computed with Python's hashlib. */
#include "testutil.h"

#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/chain_int.h"
#include "chain/store_int.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "sanctrace/chain.h"

/* ---- helpers ---- */

static uint8_t *read_all(const char *path, size_t *len) {
    char *d;
    st_error e;
    assert_int_equal(st_file_read(path, 64u << 20, &d, len, &e), ST_OK);
    return (uint8_t *)d;
}

/* bzip2 -dc path > out */
static void bunzip(const char *rel, const char *out) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "bzip2 -dc '%s' > '%s'", st_test_data(rel), out);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

typedef struct bad_log {
    int n;
    char last[1024];
    char all[8192];
} bad_log;

static void on_bad(void *ctx, const st_error *e) {
    bad_log *l = ctx;
    l->n++;
    st_error_format(e, l->last, sizeof l->last);
    size_t k = strlen(l->all);
    snprintf(l->all + k, sizeof l->all - k, "%s\n", l->last);
}

static int ingest(const char *db, const char *const *paths, size_t n, bad_log *log, st_ingest_report *rep) {
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.on_bad = on_bad;
    o.ctx = log;
    o.no_sync = 1;
    o.check_witness = 1; /* every store built here also verifies witness commitments */
    st_error e;
    st_error_clear(&e);
    int rc = st_chain_ingest(db, paths, n, &o, rep, &e);
    if (rc) fprintf(stderr, "ingest: %s\n", e.msg);
    return rc;
}

static st_chain *open_db(const char *db) {
    st_chain *c;
    st_error e;
    assert_int_equal(st_chain_open(&c, db, &e), ST_OK);
    return c;
}

/* Every link agrees with its reverse; lists, ranges and sentinels hold. */
static void check_consistent(const st_chain *c) {
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    assert_int_equal(k.tx_first_in[k.ntx], k.nin);
    assert_int_equal(k.tx_first_out[k.ntx], k.nout);
    assert_int_equal(k.block_first_tx[k.nblocks], k.ntx);
    for (uint64_t t = 0; t < k.ntx; t++) {
        assert_true(k.tx_first_in[t] <= k.tx_first_in[t + 1]);
        assert_true(k.tx_first_out[t] <= k.tx_first_out[t + 1]);
        uint32_t b = k.tx_block[t];
        assert_true(k.block_first_tx[b] <= t && t < k.block_first_tx[b + 1]);
        for (uint64_t i = k.tx_first_in[t]; i < k.tx_first_in[t + 1]; i++) assert_int_equal(k.in_tx[i], t);
    }
    for (uint64_t i = 0; i < k.nin; i++) {
        uint64_t o = k.in_prev[i];
        if (o == ST_CHAIN_NONE) continue;
        assert_true(o < k.nout);
        assert_int_equal(k.out_spent[o], i);
        assert_true(st_chain_out_tx(c, o) < k.in_tx[i]);
    }
    uint64_t with_addr = 0;
    for (uint64_t o = 0; o < k.nout; o++) {
        if (k.out_spent[o] != ST_CHAIN_NONE) assert_int_equal(k.in_prev[k.out_spent[o]], o);
        if (k.out_addr[o] != ST_CHAIN_NONE) with_addr++;
        uint64_t t = st_chain_out_tx(c, o);
        assert_true(k.tx_first_out[t] <= o && o < k.tx_first_out[t + 1]);
    }
    uint64_t walked = 0;
    for (uint64_t a = 0; a < k.naddr; a++) {
        uint64_t prev = 0;
        int first = 1;
        for (uint64_t o = st_chain_addr_first_out(c, a); o != ST_CHAIN_NONE; o = k.out_next[o]) {
            assert_int_equal(k.out_addr[o], a);
            assert_true(first || o > prev);
            prev = o, first = 0;
            walked++;
        }
        assert_false(first); /* every address has an output */
    }
    assert_int_equal(walked, with_addr);
    /* both indexes find every key (a duplicate txid finds its newest copy) */
    for (uint64_t t = 0; t < k.ntx; t++) {
        uint64_t f;
        assert_true(st_chain_find_tx(c, k.tx_hash[t], &f));
        assert_true(f >= t && memcmp(k.tx_hash[f], k.tx_hash[t], 32) == 0);
    }
    for (uint64_t a = 0; a < k.naddr; a++) {
        char text[128];
        uint64_t f;
        st_chain_addr_text(c, a, text, sizeof text);
        assert_true(st_chain_find_addr(c, text, &f));
        assert_int_equal(f, a);
    }
}

/* ---- addresses and scripts ---- */

static void hex2bin(const char *h, uint8_t *out, size_t *n) {
    size_t l = strlen(h) / 2;
    for (size_t i = 0; i < l; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    *n = l;
}

static void check_addr(const char *script_hex, st_chain_net net, const char *type, const char *addr) {
    uint8_t s[100];
    size_t n;
    hex2bin(script_hex, s, &n);
    int t;
    chain_addr_key k, k2;
    int has = chain_script_classify(s, n, &t, &k);
    assert_string_equal(st_script_type_name(t), type);
    if (!addr) {
        assert_false(has);
        return;
    }
    assert_true(has);
    char text[128];
    assert_int_equal(chain_addr_encode(&k, net, text, sizeof text), ST_OK);
    assert_string_equal(text, addr);
    assert_int_equal(chain_addr_decode(addr, net, &k2, NULL), ST_OK);
    assert_int_equal(k2.kind, k.kind);
    assert_int_equal(k2.len, k.len);
    assert_memory_equal(k2.prog, k.prog, k.len);
}

static void test_addresses(void **state) {
    (void)state;
    /* BIP173 and BIP350 vectors */
    check_addr("0014751e76e8199196d454941c45d1b3a323f1433bd6", ST_NET_MAIN, "p2wpkh",
               "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    check_addr("00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262", ST_NET_TESTNET, "p2wsh",
               "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7");
    check_addr("5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6", ST_NET_MAIN,
               "witness_unknown", "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y");
    check_addr("6002751e", ST_NET_MAIN, "witness_unknown", "bc1sw50qgdz25j");
    check_addr("5210751e76e8199196d454941c45d1b3a323", ST_NET_MAIN, "witness_unknown",
               "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs");
    check_addr("512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", ST_NET_MAIN, "p2tr",
               "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0");
    /* BIP341 wallet vector 0 (scriptPubKey from ../shared, address from the BIP) */
    check_addr("512053a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343", ST_NET_MAIN, "p2tr",
               "bc1p2wsldez5mud2yam29q22wgfh9439spgduvct83k3pm50fcxa5dps59h4z5");
    /* block 170: the first bitcoin payment, to Hal Finney's key (P2PK shown as its P2PKH address) */
    check_addr("4104ae1a62fe09c5f51b13905f07f06b99a2f7159b2225f374cd378d71302fa28414e7aab37397f554a7df5f142c21c1b"
               "7303b8a0626f1baded5c72a704f7e6cd84cac",
               ST_NET_MAIN, "p2pk", "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3");
    check_addr("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", ST_NET_MAIN, "p2pkh",
               "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
    check_addr("6a0b68656c6c6f20776f726c64", ST_NET_MAIN, "op_return", NULL);
    check_addr("", ST_NET_MAIN, "nonstandard", NULL);
    check_addr("0013751e76e8199196d454941c45d1b3a323f1433b", ST_NET_MAIN, "nonstandard", NULL); /* v0, 19 bytes */
    check_addr("5121030000000000000000000000000000000000000000000000000000000000000001"
               "21020000000000000000000000000000000000000000000000000000000000000002" "52ae",
               ST_NET_MAIN, "multisig", NULL);
    /* rejected: bad checksum, bech32 checksum on v1 (BIP350), wrong network */
    chain_addr_key k;
    assert_int_not_equal(chain_addr_decode("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", ST_NET_MAIN, &k, NULL), ST_OK);
    assert_int_not_equal(
        chain_addr_decode("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", ST_NET_MAIN, &k, NULL), ST_OK);
    assert_int_not_equal(chain_addr_decode("1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", ST_NET_TESTNET, &k, NULL), ST_OK);
    assert_int_not_equal(chain_addr_decode("1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm4", ST_NET_MAIN, &k, NULL), ST_OK);
}

/* ---- parser ---- */

static void test_megatx(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/megatx.bin", dir);
    bunzip("chain/mainnet/megatx.bin.bz2", path);
    size_t len, used;
    uint8_t *d = read_all(path, &len);
    st_block_view b;
    chain_block_view_init(&b);
    st_error e;
    uint8_t wtxid[32];
    assert_int_equal(chain_tx_parse(&b, d, len, &used, wtxid, &e), ST_OK);
    assert_int_equal(used, len);
    assert_int_equal(b.tx[0].n_in, 5569);
    assert_int_equal(b.tx[0].n_out, 1);
    char hx[65];
    st_chain_hash_hex(b.tx[0].txid, hx);
    assert_string_equal(hx, "bb41a757f405890fb0f5856228e23b715702d714d59bf2b1feb70d8b2b4e3e08");
    /* every truncation of it fails cleanly */
    for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
        b.ntx = b.nin = b.nout = 0;
        assert_int_equal(chain_tx_parse(&b, d, cut, &used, NULL, &e), ST_EPARSE);
    }
    chain_block_view_free(&b);
    st_free(d);
    st_rm_rf(dir);
    free(dir);
}

/* Lengths near 2^64 must not wrap a bounds check.  An input script
 * length of 2^64-4 made `sl + 4` zero, so a transaction claiming a 4 GiB
 * scriptSig parsed as valid (and its script view pointed past the data). */
static size_t put_varint(uint8_t *p, uint64_t v) {
    if (v < 0xfd) return p[0] = (uint8_t)v, 1;
    p[0] = 0xff;
    for (int i = 0; i < 8; i++) p[1 + i] = (uint8_t)(v >> (8 * i));
    return 9;
}

/* A one-input, one-output legacy transaction whose input script length is
 * `sl`, followed by the bytes of an empty output and a locktime: what the
 * wrapped check went on to parse.  With seq, an empty script and its
 * sequence number make it a sound transaction. */
static size_t wrapped_tx(uint8_t *p, uint64_t sl, int seq) {
    size_t n = 0;
    memcpy(p, "\x01\x00\x00\x00", 4), n += 4;
    p[n++] = 1;
    memset(p + n, 0x11, 32), n += 32;
    memset(p + n, 0, 4), n += 4;
    n += put_varint(p + n, sl);
    if (seq) memset(p + n, 0xff, 4), n += 4;
    p[n++] = 1;              /* one output */
    memset(p + n, 0, 8), n += 8; /* value 0 */
    p[n++] = 0;              /* empty script */
    memset(p + n, 0, 4), n += 4; /* locktime */
    return n;
}

static void test_wrapped_lengths(void **state) {
    (void)state;
    st_block_view b;
    chain_block_view_init(&b);
    st_error e;
    size_t used;
    uint8_t tx[256];
    const uint64_t huge[] = {UINT64_MAX - 3, UINT64_MAX, UINT64_MAX - 2, (1ull << 63), (1ull << 32) + 1};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        size_t n = wrapped_tx(tx, huge[i], 0);
        b.ntx = b.nin = b.nout = 0;
        st_error_clear(&e);
        assert_int_equal(chain_tx_parse(&b, tx, n, &used, NULL, &e), ST_EPARSE);
        assert_non_null(strstr(e.msg, "input script length exceeds the data"));
        assert_int_equal(e.offset, 4 + 1 + 36 + 9); /* just after the length */
    }
    /* the same shape with a real length parses */
    size_t n = wrapped_tx(tx, 0, 1);
    b.ntx = b.nin = b.nout = 0;
    assert_int_equal(chain_tx_parse(&b, tx, n, &used, NULL, &e), ST_OK);
    assert_int_equal(used, n);
    /* an output script, a witness item count and a witness item of 2^64-1 */
    static const uint8_t tail_out[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    n = 0;
    memcpy(tx, "\x01\x00\x00\x00\x01", 5), n = 5;
    memset(tx + n, 0x22, 36), n += 36;
    tx[n++] = 0, memset(tx + n, 0xff, 4), n += 4;
    memcpy(tx + n, tail_out, sizeof tail_out), n += sizeof tail_out;
    memset(tx + n, 0, 8), n += 8;
    b.ntx = b.nin = b.nout = 0;
    assert_int_equal(chain_tx_parse(&b, tx, n, &used, NULL, &e), ST_EPARSE);
    assert_non_null(strstr(e.msg, "output script length exceeds the data"));
    for (int item = 0; item < 2; item++) {
        n = 0;
        memcpy(tx, "\x02\x00\x00\x00\x00\x01\x01", 7), n = 7; /* segwit, one input */
        memset(tx + n, 0x33, 36), n += 36;
        tx[n++] = 0, memset(tx + n, 0xff, 4), n += 4;
        memcpy(tx + n, "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 10), n += 10; /* one empty output */
        if (item) tx[n++] = 1; /* one witness item, of length 2^64-1 */
        n += put_varint(tx + n, UINT64_MAX);
        memset(tx + n, 0, 8), n += 8;
        b.ntx = b.nin = b.nout = 0;
        assert_int_equal(chain_tx_parse(&b, tx, n, &used, NULL, &e), ST_EPARSE);
        assert_non_null(strstr(e.msg, item ? "witness item exceeds the data" : "witness item count exceeds the data"));
    }
    chain_block_view_free(&b);

    /* and in a block with a valid merkle root and proof of work: the ingest
     * refuses it with file and offset and keeps the block empty */
    char *dir = st_test_tmpdir(), path[512], db[512];
    uint8_t blk[8 + 80 + 1 + 256];
    size_t tn = wrapped_tx(blk + 8 + 81, UINT64_MAX - 3, 0);
    uint8_t *h = blk + 8;
    memset(h, 0, 80);
    h[0] = 1; /* version 1: no BIP34 height */
    assert_int_equal(st_chain_hash_parse(chain_params_get(ST_NET_REGTEST)->genesis, h + 4), ST_OK);
    st_sha256d(blk + 8 + 81, tn, h + 36); /* one transaction: the merkle root is its txid */
    memcpy(h + 68, "\x00\x00\x00\x00\xff\xff\x7f\x20", 8); /* time 0, bits 0x207fffff */
    h[80] = 1;
    uint8_t hash[32];
    for (uint32_t nonce = 0;; nonce++) {
        memcpy(h + 76, &nonce, 4);
        st_sha256d(h, 80, hash);
        if (chain_pow_ok(hash, 0x207fffff)) break;
    }
    uint32_t blen = (uint32_t)(81 + tn);
    memcpy(blk, chain_params_get(ST_NET_REGTEST)->magic, 4);
    for (int i = 0; i < 4; i++) blk[4 + i] = (uint8_t)(blen >> (8 * i));
    snprintf(path, sizeof path, "%s/blk00000.dat", dir);
    write_file(path, blk, 8 + blen);
    snprintf(db, sizeof db, "%s/db", dir);
    const char *p[] = {path};
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 1);
    char want[700];
    snprintf(want, sizeof want, "%s:offset %d: block ", path, 8 + 81 + 4 + 1 + 36 + 9);
    assert_non_null(strstr(log.all, want));
    assert_non_null(strstr(log.all, "input script length exceeds the data; kept as an empty block"));
    st_chain *c = open_db(db);
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    assert_int_equal(s.blocks, 1);
    assert_int_equal(s.bad_bodies, 1);
    assert_int_equal(s.transactions, 0);
    st_chain_close(c);
    st_rm_rf(dir);
    free(dir);
}

static void test_bip341_tx(void **state) {
    (void)state;
    size_t len;
    uint8_t *j = read_all(st_test_data("chain/taproot/bip341_excerpt.json"), &len);
    json_t *root = json_loadb((const char *)j, len, 0, NULL);
    assert_non_null(root);
    const char *hex = json_string_value(json_object_get(root, "keyPathSpending_rawUnsignedTx"));
    uint8_t tx[1024];
    size_t n, used;
    hex2bin(hex, tx, &n);
    st_block_view b;
    chain_block_view_init(&b);
    st_error e;
    assert_int_equal(chain_tx_parse(&b, tx, n, &used, NULL, &e), ST_OK);
    assert_int_equal(used, n);
    char hx[65];
    st_chain_hash_hex(b.tx[0].txid, hx);
    assert_string_equal(hx, "0384e984ab29806f159d517d7b0215e614501eecdc245d7cdabccc360020eae3"); /* hashlib */
    assert_int_equal(b.tx[0].n_in, 9);
    /* the spent outputs: P2TR, P2PKH, P2WPKH classified as such */
    json_t *utxos = json_object_get(root, "keyPathSpending_utxosSpent");
    int ntr = 0;
    for (size_t i = 0; i < json_array_size(utxos); i++) {
        uint8_t s[64];
        size_t sl;
        hex2bin(json_string_value(json_array_get(json_array_get(utxos, i), 0)), s, &sl);
        int t;
        chain_addr_key k;
        assert_true(chain_script_classify(s, sl, &t, &k));
        ntr += t == ST_SCRIPT_P2TR;
        assert_true(t == ST_SCRIPT_P2TR || t == ST_SCRIPT_P2PKH || t == ST_SCRIPT_P2WPKH);
    }
    assert_int_equal(ntr, 7);
    chain_block_view_free(&b);
    json_decref(root);
    st_free(j);
}

static void test_work(void **state) {
    (void)state;
    /* 2^256 / (0xffff * 2^208 + 1): the work of a difficulty-1 block */
    assert_true(chain_block_work(0x1d00ffff) == (unsigned __int128)4295032833ull);
    assert_true(chain_block_work(0x207fffff) == 2);
    uint8_t h[32] = {0};
    h[31] = 0x80;
    assert_false(chain_pow_ok(h, 0x207fffff));
    h[31] = 0x7f;
    assert_true(chain_pow_ok(h, 0x207fffff));
    uint8_t cb[] = {0x03, 0x8f, 0x3c, 0x04}; /* 277647 = 0x043c8f */
    assert_int_equal(chain_bip34_height(cb, 4), 277647);
}

static void test_testnet_blocks(void **state) {
    (void)state;
    size_t len;
    uint8_t *j = read_all(st_test_data("chain/testnet/testnet3_blocks.json"), &len);
    json_t *root = json_loadb((const char *)j, len, 0, NULL);
    json_t *blocks = json_object_get(root, "blocks");
    assert_true(json_array_size(blocks) >= 7);
    st_block_view b;
    chain_block_view_init(&b);
    int nonstd = 0;
    for (size_t i = 0; i < json_array_size(blocks); i++) {
        json_t *o = json_array_get(blocks, i);
        const char *hex = json_string_value(json_object_get(o, "block_hex"));
        size_t n = strlen(hex) / 2;
        uint8_t *raw = st_malloc(n);
        hex2bin(hex, raw, &n);
        st_error e;
        assert_int_equal(chain_block_parse(&b, raw, n, &e), ST_OK);
        assert_int_equal(b.ntx, json_integer_value(json_object_get(o, "ntx")));
        char hx[65];
        st_chain_hash_hex(b.hash, hx);
        assert_string_equal(hx, json_string_value(json_object_get(o, "hash_computed")));
        for (size_t k = 0; k < b.nout; k++) {
            int t;
            chain_addr_key key;
            chain_script_classify(b.out[k].script, b.out[k].script_len, &t, &key);
            nonstd += t == ST_SCRIPT_NONSTANDARD;
        }
        /* a flipped byte in the transactions breaks the merkle root */
        raw[n - 5] ^= 1;
        assert_int_equal(chain_block_parse(&b, raw, n, &e), ST_EPARSE);
        st_free(raw);
    }
    assert_true(nonstd >= 2); /* the empty and the unparseable output scripts */
    chain_block_view_free(&b);
    json_decref(root);
    st_free(j);
}

/* BIP141 witness commitments: a real segwit block passes; a flipped byte
 * inside a witness (invisible to the txids and the merkle root) or in the
 * coinbase's reserved value fails as a witness commitment mismatch; in a
 * blk ingest such a block is reported and kept empty. */
static void test_witness_commitment(void **state) {
    (void)state;
    size_t n;
    uint8_t *raw = read_all(st_test_data("chain/mainnet/block-702861.raw"), &n);
    st_block_view b;
    chain_block_view_init(&b);
    b.check_witness = 1;
    st_error e;
    assert_int_equal(chain_block_parse(&b, raw, n, &e), ST_OK);
    size_t seg = 0, witness_tx = 0;
    for (size_t i = 1; i < b.ntx; i++)
        if (b.tx[i].witness_len) seg++, witness_tx = witness_tx ? witness_tx : i;
    assert_true(seg > 100 && b.tx[0].witness_len == 36);
    uint8_t merkle[32];
    memcpy(merkle, raw + 36, 32);
    /* the last witness byte of a segwit transaction (just before its locktime) */
    size_t at = b.tx[witness_tx].off + b.tx[witness_tx].size - 5;
    size_t cb_nonce = b.tx[0].off + b.tx[0].size - 5; /* last byte of the reserved value */
    raw[at] ^= 0x01;
    assert_int_equal(chain_block_parse(&b, raw, n, &e), ST_EPARSE);
    assert_non_null(strstr(e.msg, "witness commitment does not match"));
    assert_memory_equal(merkle, b.merkle, 32); /* the txids did not move */
    raw[at] ^= 0x01;
    raw[cb_nonce] ^= 0x80;
    assert_int_equal(chain_block_parse(&b, raw, n, &e), ST_EPARSE);
    assert_non_null(strstr(e.msg, "witness commitment does not match"));
    raw[cb_nonce] ^= 0x80;
    assert_int_equal(chain_block_parse(&b, raw, n, &e), ST_OK);
    b.check_witness = 0; /* off (the ingest default): the garbled witness goes unnoticed */
    raw[at] ^= 0x01;
    assert_int_equal(chain_block_parse(&b, raw, n, &e), ST_OK);
    raw[at] ^= 0x01;
    chain_block_view_free(&b);
    /* in an ingest: reported with the block's file, kept as an empty block */
    char *dir = st_test_tmpdir(), path[512], db[512];
    snprintf(path, sizeof path, "%s/tampered.raw", dir);
    snprintf(db, sizeof db, "%s/db", dir);
    raw[at] ^= 0x01;
    write_file(path, raw, n);
    const char *p[] = {path};
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 1);
    assert_non_null(strstr(log.all, "witness commitment does not match"));
    assert_non_null(strstr(log.all, "tampered.raw"));
    st_chain *c = open_db(db);
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    assert_int_equal(s.blocks, 1);
    assert_int_equal(s.bad_bodies, 1);
    assert_int_equal(s.transactions, 0);
    st_chain_close(c);
    st_free(raw);
    st_rm_rf(dir);
    free(dir);
}

/* .bz2 block files read directly: the same store as from the decompressed
 * copies (bunzipped by the bzip2 tool); concatenated streams (pbzip2) are
 * one file; a truncated .bz2 is reported and what came before it kept. */
static void stats_of(const char *db, st_chain_stats *s, char tip[65]) {
    st_chain *c = open_db(db);
    check_consistent(c);
    st_chain_get_stats(c, s);
    st_chain_hash_hex(s->tip_hash, tip);
    st_chain_close(c);
}

/* Two stores of the same blocks: the same counts and tip. */
static void check_same_counts(const st_chain_stats *got, const st_chain_stats *want) {
    assert_int_equal(got->blocks, want->blocks);
    assert_int_equal(got->transactions, want->transactions);
    assert_int_equal(got->inputs, want->inputs);
    assert_int_equal(got->outputs, want->outputs);
    assert_int_equal(got->addresses, want->addresses);
    assert_memory_equal(got->tip_hash, want->tip_hash, 32);
}

static void test_bz2_direct(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[512], f1[512], f2[512], both[512], half[512], r1[4096], r2[4096];
    snprintf(f1, sizeof f1, "%s/blocks1-256.dat", dir);
    snprintf(f2, sizeof f2, "%s/277647.dat", dir);
    bunzip("chain/mainnet/blocks1-256.bz2", f1);
    bunzip("chain/mainnet/277647.dat.bz2", f2);
    snprintf(r1, sizeof r1, "%s", st_test_data("chain/mainnet/blocks1-256.bz2"));
    snprintf(r2, sizeof r2, "%s", st_test_data("chain/mainnet/277647.dat.bz2"));
    bad_log log = {0};
    st_ingest_report rep;
    st_chain_stats want, got;
    char want_tip[65], got_tip[65];
    snprintf(db, sizeof db, "%s/plain", dir);
    const char *pp[] = {f1, f2};
    assert_int_equal(ingest(db, pp, 2, &log, &rep), ST_OK);
    stats_of(db, &want, want_tip);
    assert_int_equal(want.blocks, 256);
    snprintf(db, sizeof db, "%s/bz2", dir);
    const char *pz[] = {r1, r2};
    assert_int_equal(ingest(db, pz, 2, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    stats_of(db, &got, got_tip);
    check_same_counts(&got, &want);
    /* two bzip2 streams in one file (as pbzip2 writes): one blk file */
    size_t n1, n2;
    uint8_t *z1 = read_all(r1, &n1), *z2 = read_all(r2, &n2), *cat = st_malloc(n1 + n2);
    memcpy(cat, z1, n1), memcpy(cat + n1, z2, n2);
    snprintf(both, sizeof both, "%s/both.dat.bz2", dir);
    write_file(both, cat, n1 + n2);
    snprintf(db, sizeof db, "%s/both", dir);
    const char *pb[] = {both};
    assert_int_equal(ingest(db, pb, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    stats_of(db, &got, got_tip);
    assert_int_equal(got.transactions, want.transactions);
    assert_string_equal(got_tip, want_tip);
    /* cut in the second stream: reported with the file, the first kept */
    snprintf(half, sizeof half, "%s/half.dat.bz2", dir);
    write_file(half, cat, n1 + n2 / 2);
    snprintf(db, sizeof db, "%s/half", dir);
    const char *ph[] = {half};
    assert_int_equal(ingest(db, ph, 1, &log, &rep), ST_OK);
    assert_true(log.n >= 1);
    assert_non_null(strstr(log.all, "half.dat.bz2"));
    assert_non_null(strstr(log.all, "bzip2 data truncated"));
    stats_of(db, &got, got_tip);
    assert_int_equal(got.blocks, 255); /* blocks 1-255, not 277,647 */
    st_free(z1), st_free(z2), st_free(cat);
    st_rm_rf(dir);
    free(dir);
}

/* ---- stores ---- */

static void test_regtest_store(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[512];
    snprintf(db, sizeof db, "%s/db", dir);
    const char *p[] = {st_test_data("chain/regtest-blocksci/btc/blk00000.dat")};
    char path0[4096];
    snprintf(path0, sizeof path0, "%s", p[0]);
    p[0] = path0;
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    st_chain *c = open_db(db);
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    /* checksums.txt: 202 blocks, 356 txes, 178 inputs (coinbase inputs not counted), 693 outputs */
    assert_int_equal(s.blocks, 202);
    assert_int_equal(s.transactions, 356);
    assert_int_equal(s.inputs - s.blocks, 178);
    assert_int_equal(s.outputs, 693);
    assert_int_equal(s.tip_height, 201);
    assert_int_equal(s.unknown_inputs, 0);
    check_consistent(c);
    /* output.json labels: each "<case>-tx" is in the block "<case>-height",
     * and pays "<case>-value" BTC to "<case>" */
    size_t len;
    uint8_t *j = read_all(st_test_data("chain/regtest-blocksci/btc/output.json"), &len);
    json_t *root = json_loadb((const char *)j, len, 0, NULL);
    const char *key;
    json_t *v;
    int checked = 0;
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    json_object_foreach(root, key, v) {
        size_t kl = strlen(key);
        if (kl < 3 || strcmp(key + kl - 3, "-tx") != 0 || !json_is_string(v)) continue;
        uint64_t t;
        assert_true(st_chain_find_tx_hex(c, json_string_value(v), &t));
        char base[128], hk[160], vk[160];
        snprintf(base, sizeof base, "%.*s", (int)(kl - 3), key);
        snprintf(hk, sizeof hk, "%s-height", base);
        snprintf(vk, sizeof vk, "%s-value", base);
        json_t *h = json_object_get(root, hk), *val = json_object_get(root, vk), *addr = json_object_get(root, base);
        if (h) assert_int_equal(st_chain_block_height(c, k.tx_block[t]), json_integer_value(h));
        if (val && json_is_string(addr)) {
            uint64_t a;
            assert_true(st_chain_find_addr(c, json_string_value(addr), &a));
            int found = 0;
            for (uint64_t o = k.tx_first_out[t]; o < k.tx_first_out[t + 1]; o++)
                found |= k.out_addr[o] == a && k.out_value[o] == (int64_t)(json_number_value(val) * 1e8 + 0.5);
            assert_true(found);
        }
        checked++;
    }
    assert_true(checked >= 10);
    json_decref(root);
    st_free(j);
    st_chain_close(c);
    st_rm_rf(dir);
    free(dir);
}

static void test_mainnet_blocks(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[512], f1[512], f2[512], r1[4096], r2[4096], r3[4096];
    snprintf(db, sizeof db, "%s/db", dir);
    snprintf(f1, sizeof f1, "%s/blocks1-256.dat", dir);
    snprintf(f2, sizeof f2, "%s/277647.dat", dir);
    bunzip("chain/mainnet/blocks1-256.bz2", f1);
    bunzip("chain/mainnet/277647.dat.bz2", f2);
    snprintf(r1, sizeof r1, "%s", st_test_data("chain/mainnet/block-540107.raw"));
    snprintf(r2, sizeof r2, "%s", st_test_data("chain/mainnet/block-574200.raw"));
    snprintf(r3, sizeof r3, "%s", st_test_data("chain/mainnet/block-702861.raw"));
    const char *p[] = {r3, f2, r1, f1, r2}; /* any order */
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 5, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    st_chain *c = open_db(db);
    check_consistent(c);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    struct { int64_t h; uint64_t ntx, nin, nout; } want[] = {
        {277647, 213, 733, 769}, {540107, 230, 0, 0}, {574200, 3315, 0, 0}, {702861, 2500, 0, 0}, {170, 2, 2, 3},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t pos;
        assert_true(st_chain_find_block_height(c, want[i].h, &pos));
        uint64_t t0 = k.block_first_tx[pos], t1 = k.block_first_tx[pos + 1];
        assert_int_equal(t1 - t0, want[i].ntx);
        if (want[i].nin) {
            assert_int_equal(k.tx_first_in[t1] - k.tx_first_in[t0], want[i].nin);
            assert_int_equal(k.tx_first_out[t1] - k.tx_first_out[t0], want[i].nout);
        }
    }
    uint64_t pos;
    assert_true(st_chain_find_block_height(c, 1, &pos));
    assert_true(st_chain_find_block_hash(c, "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048", &pos));
    assert_int_equal(st_chain_block_height(c, pos), 1);
    /* block 170: 10 BTC to Hal Finney, 40 BTC change, spent in block 181 */
    uint64_t t, a;
    assert_true(st_chain_find_tx_hex(c, "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16", &t));
    assert_int_equal(st_chain_block_height(c, k.tx_block[t]), 170);
    uint64_t o = k.tx_first_out[t];
    assert_int_equal(k.out_value[o], 1000000000);
    assert_int_equal(k.out_type[o], ST_SCRIPT_P2PK);
    assert_true(st_chain_find_addr(c, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", &a));
    assert_int_equal(k.out_addr[o], a);
    assert_int_equal(k.out_value[o + 1], 4000000000);
    assert_true(k.out_spent[o + 1] != ST_CHAIN_NONE);
    assert_int_equal(st_chain_block_height(c, k.tx_block[k.in_tx[k.out_spent[o + 1]]]), 181);
    uint8_t ptx[32];
    uint32_t vout;
    assert_true(st_chain_in_prevout(c, k.tx_first_in[t], ptx, &vout));
    char hx[65];
    st_chain_hash_hex(ptx, hx);
    assert_string_equal(hx, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"); /* block 9 coinbase */
    /* partial data: inputs of the raw blocks spend outputs not in the store */
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    assert_true(s.unknown_inputs > 10000);
    assert_int_equal(s.tip_height, 702861);
    st_chain_close(c);
    st_rm_rf(dir);
    free(dir);
}

static const char *tip_of(const char *db, int64_t *height) {
    static char hx[65];
    st_chain *c = open_db(db);
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    check_consistent(c);
    st_chain_hash_hex(s.tip_hash, hx);
    *height = s.tip_height;
    st_chain_close(c);
    return hx;
}

static void test_fork_reorg(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[512], f[4][512];
    const char *names[4] = {"blk_0_to_4.dat", "blk_3A.dat", "blk_4A.dat", "blk_5A.dat"};
    for (int i = 0; i < 4; i++) {
        char rel[128];
        snprintf(f[i], sizeof f[i], "%s/%s", dir, names[i]);
        snprintf(rel, sizeof rel, "chain/mainnet/%s.bz2", names[i]);
        bunzip(rel, f[i]);
    }
    snprintf(db, sizeof db, "%s/db", dir);
    bad_log log = {0};
    st_ingest_report rep;
    int64_t h;
    const char *p0[] = {f[0]};
    assert_int_equal(ingest(db, p0, 1, &log, &rep), ST_OK);
    assert_string_equal(tip_of(db, &h), "000000002f264d6504013e73b9c913de9098d4d771c1bb219af475d2a01b128e");
    assert_int_equal(h, 4);
    /* 3A and 4A: a side branch as long as the main one; the first seen stays */
    const char *p1[] = {f[1], f[2]};
    assert_int_equal(ingest(db, p1, 2, &log, &rep), ST_OK);
    assert_int_equal(rep.blocks_added, 0);
    assert_string_equal(tip_of(db, &h), "000000002f264d6504013e73b9c913de9098d4d771c1bb219af475d2a01b128e");
    /* 5A: the side branch has more work now: reorganise onto it */
    const char *p2[] = {f[3]};
    assert_int_equal(ingest(db, p2, 1, &log, &rep), ST_OK);
    assert_int_equal(rep.blocks_removed, 2);
    assert_int_equal(rep.blocks_added, 3);
    assert_string_equal(tip_of(db, &h), "00000000195f85184e77c18914bd0febd11278d950f5e4731a38f71ed79f044e");
    assert_int_equal(h, 5);
    st_chain *c = open_db(db);
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    assert_int_equal(s.blocks, 6);
    assert_int_equal(s.stale, 2);
    st_chain_close(c);
    /* a reorganisation killed after one or two of its three blocks: the cut
     * was committed before anything was overwritten, so the store is the
     * chain up to the fork, and the next ingest ends as the one above did
     * (before, the kill left columns rewritten under the old counts: the
     * next ingest refused the store as damaged, or committed wrong counts) */
    for (uint64_t kill = 1; kill <= 2; kill++) {
        char db3[600];
        snprintf(db3, sizeof db3, "%s/db3_%llu", dir, (unsigned long long)kill);
        assert_int_equal(ingest(db3, p0, 1, &log, &rep), ST_OK);
        assert_int_equal(ingest(db3, p1, 2, &log, &rep), ST_OK);
        st_ingest_opts o;
        memset(&o, 0, sizeof o);
        o.no_sync = 1, o.abort_after_blocks = kill;
        st_error e;
        assert_int_equal(st_chain_ingest(db3, p2, 1, &o, &rep, &e), ST_EIO);
        st_chain_stats s3;
        char tip3[65];
        stats_of(db3, &s3, tip3);
        assert_int_equal(s3.blocks, 3); /* blocks 0-2: the cut */
        assert_int_equal(ingest(db3, p2, 1, &log, &rep), ST_OK);
        assert_int_equal(rep.blocks_added, 3);
        stats_of(db3, &s3, tip3);
        check_same_counts(&s3, &s);
    }
    /* all at once, in reverse order: the same tip */
    char db2[600];
    snprintf(db2, sizeof db2, "%s/db2", dir);
    const char *all[] = {f[3], f[2], f[1], f[0]};
    assert_int_equal(ingest(db2, all, 4, &log, &rep), ST_OK);
    assert_string_equal(tip_of(db2, &h), "00000000195f85184e77c18914bd0febd11278d950f5e4731a38f71ed79f044e");
    assert_int_equal(log.n, 0);
    st_rm_rf(dir);
    free(dir);
}

/* Records of the regtest file: offsets of each magic. */
static size_t records(const uint8_t *d, size_t len, size_t *off, size_t max) {
    size_t n = 0, o = 0;
    while (o + 8 <= len && n < max && d[o] == 0xfa) {
        off[n++] = o;
        o += 8 + (d[o + 4] | d[o + 5] << 8 | d[o + 6] << 16 | (size_t)d[o + 7] << 24);
    }
    return n;
}

static void test_xor_incremental_resume(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), blocks[512], path[600], db[512], ref[512];
    size_t len;
    uint8_t *d = read_all(st_test_data("chain/regtest-blocksci/btc/blk00000.dat"), &len);
    size_t off[300];
    size_t n = records(d, len, off, 300);
    assert_int_equal(n, 202);
    /* reference: a plain ingest */
    snprintf(ref, sizeof ref, "%s/ref", dir);
    char plain[4096];
    snprintf(plain, sizeof plain, "%s", st_test_data("chain/regtest-blocksci/btc/blk00000.dat"));
    const char *pp[] = {plain};
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(ref, pp, 1, &log, &rep), ST_OK);
    int64_t h;
    char want[65];
    snprintf(want, sizeof want, "%s", tip_of(ref, &h));
    /* an obfuscated blocks/ directory (Bitcoin Core 28+), first half only */
    snprintf(blocks, sizeof blocks, "%s/blocks", dir);
    mkdir(blocks, 0755);
    uint8_t key[8] = {0x5a, 0x13, 0xc7, 0x00, 0xff, 0x81, 0x22, 0x9e};
    snprintf(path, sizeof path, "%s/xor.dat", blocks);
    write_file(path, key, 8);
    uint8_t *x = st_malloc(len);
    for (size_t i = 0; i < len; i++) x[i] = d[i] ^ key[i & 7];
    snprintf(path, sizeof path, "%s/blk00000.dat", blocks);
    write_file(path, x, off[100]);
    snprintf(db, sizeof db, "%s/db", dir);
    const char *pb[] = {blocks};
    assert_int_equal(ingest(db, pb, 1, &log, &rep), ST_OK);
    assert_int_equal(rep.blocks_added, 100);
    /* the file grows; the next ingest stops (as if killed) after 50 blocks
     * with a commit every 20 */
    write_file(path, x, len);
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1, o.commit_every_blocks = 20, o.abort_after_blocks = 50;
    st_error e;
    assert_int_equal(st_chain_ingest(db, pb, 1, &o, &rep, &e), ST_EIO);
    st_chain *c = open_db(db);
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    assert_int_equal(s.blocks, 140); /* the last commit */
    check_consistent(c);
    st_chain_close(c);
    /* resume: only what is missing, ending where the plain ingest ends */
    assert_int_equal(ingest(db, pb, 1, &log, &rep), ST_OK);
    assert_int_equal(rep.blocks_added, 62);
    assert_string_equal(tip_of(db, &h), want);
    assert_int_equal(h, 201);
    c = open_db(db);
    st_chain_get_stats(c, &s);
    assert_int_equal(s.transactions, 356);
    assert_int_equal(s.outputs, 693);
    check_consistent(c);
    st_chain_close(c);
    /* once more: nothing new */
    assert_int_equal(ingest(db, pb, 1, &log, &rep), ST_OK);
    assert_int_equal(rep.blocks_added + rep.headers_new, 0);
    assert_int_equal(log.n, 0);
    st_free(x);
    st_free(d);
    st_rm_rf(dir);
    free(dir);
}

static void test_bad_input(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), path[512], db[512];
    size_t len;
    uint8_t *d = read_all(st_test_data("chain/regtest-blocksci/btc/blk00000.dat"), &len);
    size_t off[300];
    records(d, len, off, 300);
    d[off[10] + 8 + 80 + 10] ^= 0xff;                      /* block 10: merkle root mismatch */
    memcpy(d + off[20], "\xde\xad\xbe\xef", 4);            /* block 20: wrong magic */
    memset(d + off[30] + 8 + 81, 0xff, off[31] - off[30] - 8 - 81); /* block 30: garbled txs */
    snprintf(path, sizeof path, "%s/blk00000.dat", dir);
    write_file(path, d, off[201] + 100);                   /* block 201: truncated */
    snprintf(db, sizeof db, "%s/db", dir);
    const char *p[] = {path};
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 4);
    char want[700];
    snprintf(want, sizeof want, "%s:offset %zu: bad magic deadbeef", path, off[20]);
    assert_non_null(strstr(log.all, want));
    snprintf(want, sizeof want, "%s:offset %zu: truncated block record", path, off[201]);
    assert_non_null(strstr(log.all, want));
    snprintf(want, sizeof want, "(record at offset %zu): merkle root does not match", off[10]);
    assert_non_null(strstr(log.all, want));
    snprintf(want, sizeof want, "(record at offset %zu): input count exceeds the data", off[30]);
    assert_non_null(strstr(log.all, want));
    st_chain *c = open_db(db);
    check_consistent(c);
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    assert_int_equal(s.blocks, 200);      /* all but the lost record 20 and the truncated 201 */
    assert_int_equal(s.bad_bodies, 2);    /* 10 and 30 kept as empty blocks */
    assert_int_equal(s.tip_height, 200);  /* heights after the gap from BIP34 */
    uint64_t pos;
    assert_true(st_chain_find_block_height(c, 150, &pos));
    st_chain_close(c);
    /* not a block file at all */
    snprintf(path, sizeof path, "%s/junk.bin", dir);
    write_file(path, "hello", 5);
    const char *pj[] = {path};
    log.n = 0;
    log.all[0] = 0;
    assert_int_equal(ingest(db, pj, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 2); /* the junk, and the truncated record again (it may still be written) */
    assert_non_null(strstr(log.all, "junk.bin:offset 0: neither a blk file"));
    st_free(d);
    st_rm_rf(dir);
    free(dir);
}

static void test_synth_small(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), out[512], db[512], path[600];
    snprintf(out, sizeof out, "%s/synth", dir);
    snprintf(db, sizeof db, "%s/db", dir);
    st_synth_opts so = {20000, 3, 0, 1u << 20}; /* 1 MiB files: records must not straddle them */
    st_error e;
    assert_int_equal(st_chain_synth(out, &so, &e), ST_OK);
    const char *p[] = {out};
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    assert_int_equal(rep.txs_added, 20000);
    st_chain *c = open_db(db);
    check_consistent(c);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    assert_int_equal(st_chain_network(c), ST_NET_REGTEST);
    /* truth.json: the theft and every deposit are in the chain as described */
    size_t len;
    snprintf(path, sizeof path, "%s/truth.json", out);
    uint8_t *j = read_all(path, &len);
    json_t *t = json_loadb((const char *)j, len, 0, NULL);
    assert_non_null(t);
    json_t *stolen = json_object_get(json_object_get(t, "theft"), "stolen_outputs");
    assert_int_equal(json_array_size(stolen), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *so2 = json_array_get(stolen, i);
        uint64_t tx, a;
        assert_true(st_chain_find_tx_hex(c, json_string_value(json_object_get(so2, "txid")), &tx));
        uint64_t o = k.tx_first_out[tx] + (uint64_t)json_integer_value(json_object_get(so2, "vout"));
        assert_int_equal(k.out_value[o], json_integer_value(json_object_get(so2, "value")));
        assert_true(st_chain_find_addr(c, json_string_value(json_object_get(so2, "address")), &a));
        assert_int_equal(k.out_addr[o], a);
    }
    json_t *deps = json_object_get(t, "deposits");
    assert_true(json_array_size(deps) >= 40);
    for (size_t i = 0; i < json_array_size(deps); i++) {
        json_t *dp = json_array_get(deps, i);
        uint64_t tx;
        assert_true(st_chain_find_tx_hex(c, json_string_value(json_object_get(dp, "txid")), &tx));
        assert_int_equal(k.out_value[k.tx_first_out[tx]], json_integer_value(json_object_get(dp, "value")));
    }
    /* the coinjoin: equal outputs */
    uint64_t cj;
    json_t *cjo = json_object_get(t, "coinjoin");
    assert_true(st_chain_find_tx_hex(c, json_string_value(json_object_get(cjo, "txid")), &cj));
    int64_t denom = json_integer_value(json_object_get(cjo, "denomination"));
    int equal = 0;
    for (uint64_t o = k.tx_first_out[cj]; o < k.tx_first_out[cj + 1]; o++) equal += k.out_value[o] == denom;
    assert_true(equal >= 30);
    json_decref(t);
    st_free(j);
    st_chain_close(c);
    st_rm_rf(dir);
    free(dir);
}

/* A damaged manifest whose counts are negative or past the 40-bit ids is
 * refused on open: such a count wrapped the size checks of the columns. */
static void test_manifest_counts(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[512], path[600], plain[4096];
    snprintf(db, sizeof db, "%s/db", dir);
    snprintf(plain, sizeof plain, "%s", st_test_data("chain/regtest-blocksci/btc/blk00000.dat"));
    const char *pp[] = {plain};
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, pp, 1, &log, &rep), ST_OK);
    snprintf(path, sizeof path, "%s/manifest.json", db);
    size_t len;
    uint8_t *text = read_all(path, &len);
    json_t *good = json_loadb((const char *)text, len, 0, NULL);
    assert_non_null(good);
    st_free(text);
    const char *keys[] = {"transactions", "outputs", "blocks"};
    const json_int_t bad[] = {-1, (json_int_t)1 << 62, (json_int_t)576460752303423488 /* 2^59 */};
    for (size_t k = 0; k < 3; k++)
        for (size_t v = 0; v < 3; v++) {
            json_t *m = json_deep_copy(good);
            json_object_set_new(m, keys[k], json_integer(bad[v]));
            assert_int_equal(json_dump_file(m, path, 0), 0);
            json_decref(m);
            st_chain *c = NULL;
            st_error e;
            assert_int_equal(st_chain_open(&c, db, &e), ST_ECORRUPT);
            assert_non_null(strstr(e.msg, "out of range"));
        }
    assert_int_equal(json_dump_file(good, path, 0), 0);
    st_chain_close(open_db(db));
    json_decref(good);
    st_rm_rf(dir);
    free(dir);
}

/* Two ingests on one store: the second, started while the first holds the
 * store (from inside the first's bad-record report, so the timing is
 * certain), is refused with a reason and writes nothing; so is a reader. */
typedef struct second_ingest {
    const char *db, *path;
    int tried, rc, reader_rc;
    char msg[512], reader_msg[512];
} second_ingest;

static void on_bad_start_second(void *ctx, const st_error *bad) {
    (void)bad;
    second_ingest *s = ctx;
    if (s->tried++) return;
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    st_ingest_report rep;
    st_error e;
    st_error_clear(&e);
    const char *p[] = {s->path};
    s->rc = st_chain_ingest(s->db, p, 1, &o, &rep, &e);
    snprintf(s->msg, sizeof s->msg, "%s", e.msg);
    st_chain *c = NULL;
    st_error_clear(&e);
    s->reader_rc = st_chain_open(&c, s->db, &e);
    snprintf(s->reader_msg, sizeof s->reader_msg, "%s", e.msg);
    if (c) st_chain_close(c);
}

static void test_two_ingests(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[512], path[512];
    size_t len, off[300];
    uint8_t *d = read_all(st_test_data("chain/regtest-blocksci/btc/blk00000.dat"), &len);
    size_t n = records(d, len, off, 300);
    assert_int_equal(n, 202);
    snprintf(path, sizeof path, "%s/blk00000.dat", dir);
    write_file(path, d, off[100]);
    snprintf(db, sizeof db, "%s/db", dir);
    const char *p[] = {path};
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 1, &log, &rep), ST_OK);
    st_chain_stats before, after;
    char tip[65];
    stats_of(db, &before, tip);
    /* the rest, with a truncated record at the end: the first ingest reports
     * it while it holds the store */
    write_file(path, d, off[201] + 100);
    second_ingest s = {db, path, 0, 0, 0, "", ""};
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    o.on_bad = on_bad_start_second;
    o.ctx = &s;
    st_error e;
    assert_int_equal(st_chain_ingest(db, p, 1, &o, &rep, &e), ST_OK);
    assert_int_equal(s.tried, 1);
    assert_int_equal(s.rc, ST_EIO);
    assert_non_null(strstr(s.msg, "another ingest holds it"));
    assert_int_equal(s.reader_rc, ST_EIO);
    assert_non_null(strstr(s.reader_msg, "an ingest is writing this store"));
    assert_int_equal(rep.blocks_added, 101); /* records 100-200: the first went on alone */
    stats_of(db, &after, tip);
    assert_int_equal(after.blocks, before.blocks + 101);
    /* the same as one ingest of the same file into a fresh store */
    char ref[600], ref_tip[65];
    st_chain_stats want;
    snprintf(ref, sizeof ref, "%s/ref", dir);
    log.n = 0;
    assert_int_equal(ingest(ref, p, 1, &log, &rep), ST_OK);
    stats_of(ref, &want, ref_tip);
    assert_int_equal(after.transactions, want.transactions);
    assert_int_equal(after.outputs, want.outputs);
    assert_string_equal(tip, ref_tip);
    /* a lock file that cannot be opened stops a writer (it used to go on
     * without the lock) */
    char odd[600], lockp[700];
    snprintf(odd, sizeof odd, "%s/odd", dir);
    snprintf(lockp, sizeof lockp, "%s/lock", odd);
    assert_int_equal(mkdir(odd, 0700), 0);
    assert_int_equal(mkdir(lockp, 0700), 0); /* a directory: open(O_RDWR) fails */
    st_error_clear(&e);
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    assert_int_equal(st_chain_ingest(odd, p, 1, &o, &rep, &e), ST_EIO);
    assert_non_null(strstr(e.msg, "cannot open the store's lock file"));
    st_free(d);
    st_rm_rf(dir);
    free(dir);
}

/* ---- point queries, exhaustively ---- */

/* Every output of the store resolves, through st_chain_out_tx, to the
 * transaction a plain walk of tx_first_out puts it in; one past the last
 * output resolves to none.  Returns the outputs checked. */
static uint64_t check_every_out_tx(const char *db) {
    st_chain *c = open_db(db);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    uint64_t checked = 0, wrong = 0;
    for (uint64_t t = 0; t < k.ntx; t++)
        for (uint64_t o = k.tx_first_out[t]; o < k.tx_first_out[t + 1]; o++, checked++) {
            uint64_t got = st_chain_out_tx(c, o);
            if (got != t && wrong++ == 0)
                fprintf(stderr, "%s: output %llu resolves to tx %llu, not %llu\n", db, (unsigned long long)o,
                        (unsigned long long)got, (unsigned long long)t);
        }
    assert_int_equal(wrong, 0);
    assert_int_equal(checked, k.nout);
    assert_int_equal(st_chain_out_tx(c, k.nout), ST_CHAIN_NONE);
    st_chain_close(c);
    return checked;
}

/* A synthetic chain of ntx transactions into dir/db<ntx>; with drop > 0 its
 * first `drop` blocks are cut out of the blk file first, so the store
 * starts at a block whose parent it never saw (height from BIP34, inputs
 * spending the missing blocks unknown). */
static uint64_t exhaustive_one(const char *dir, uint64_t ntx, size_t drop) {
    char out[512], db[512], path[600];
    snprintf(out, sizeof out, "%s/synth%llu", dir, (unsigned long long)ntx);
    snprintf(db, sizeof db, "%s/db%llu-%zu", dir, (unsigned long long)ntx, drop);
    st_synth_opts so = {ntx, 11, 0, 0};
    st_error e;
    assert_int_equal(st_chain_synth(out, &so, &e), ST_OK);
    snprintf(path, sizeof path, "%s/blk00000.dat", out);
    if (drop) {
        size_t len, off[4096];
        uint8_t *d = read_all(path, &len);
        size_t n = records(d, len, off, 4096);
        assert_true(n > drop + 2);
        write_file(path, d + off[drop], len - off[drop]);
        st_free(d);
    }
    const char *p[] = {drop ? path : out}; /* past ~350k transactions synth writes blk00001.dat.. */
    bad_log log = {0};
    st_ingest_report rep;
    assert_int_equal(ingest(db, p, 1, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    if (drop) {
        st_chain *c = open_db(db);
        st_chain_stats s;
        st_chain_get_stats(c, &s);
        assert_int_equal(st_chain_block_height(c, 0), (int64_t)drop + 1); /* synth's first block is height 1 */
        assert_true(s.unknown_inputs > 0);
        st_chain_close(c);
    } else {
        assert_int_equal(rep.txs_added, ntx);
    }
    uint64_t checked = check_every_out_tx(db);
    fprintf(stderr, "    %llu transactions%s: %llu outputs resolved\n", (unsigned long long)ntx,
            drop ? ", first blocks cut" : "", (unsigned long long)checked);
    st_rm_rf(out);
    st_rm_rf(db);
    return checked;
}

/* 300k is where the gallop below an interpolated guess first ran past the
 * block's first transaction; ST_CHAIN_EXHAUSTIVE_MAX (transactions) adds a
 * larger chain, e.g. 1000000. */
static void test_out_tx_exhaustive(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    uint64_t total = 0;
    const uint64_t sizes[] = {1000, 10000, 100000, 300000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) total += exhaustive_one(dir, sizes[i], 0);
    total += exhaustive_one(dir, 100000, 7);
    const char *big = getenv("ST_CHAIN_EXHAUSTIVE_MAX");
    if (big && strtoull(big, NULL, 10) > 300000) total += exhaustive_one(dir, strtoull(big, NULL, 10), 0);
    fprintf(stderr, "    %llu outputs in all\n", (unsigned long long)total);
    st_rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),      cmocka_unit_test(test_megatx), cmocka_unit_test(test_wrapped_lengths),
        cmocka_unit_test(test_bip341_tx),      cmocka_unit_test(test_work),
        cmocka_unit_test(test_testnet_blocks), cmocka_unit_test(test_witness_commitment), cmocka_unit_test(test_bz2_direct), cmocka_unit_test(test_regtest_store),
        cmocka_unit_test(test_mainnet_blocks), cmocka_unit_test(test_fork_reorg),
        cmocka_unit_test(test_xor_incremental_resume), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_synth_small),    cmocka_unit_test(test_out_tx_exhaustive), cmocka_unit_test(test_manifest_counts), cmocka_unit_test(test_two_ingests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
