/*
 * test_core_codec.c - the shared helpers every module uses for addresses
 * and generators: SHA-256 (FIPS 180-2 vectors), base58check and bech32 /
 * bech32m (BIP173 / BIP350 vectors, round trips and refusals),
 * splitmix64 (its published first outputs) and the 64-bit key map, so the
 * chain store, wallet checks, generators and engines rest on checked code.
 */
#include "testutil.h"

#include "core/alloc.h"
#include "core/codec.h"
#include "core/map64.h"
#include "core/rand.h"
#include "core/sha256.h"
#include "sanctrace/sanctrace.h"

static void test_sha256_vectors(void **state) {
    (void)state;
    char hx[65];
    st_sha256_hex("abc", 3, hx);
    assert_string_equal(hx, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    st_sha256_hex("", 0, hx);
    assert_string_equal(hx, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    uint8_t a[32], b[32];
    st_sha256(m, strlen(m), a);
    st_sha256_ctx c;
    st_sha256_init(&c);
    for (size_t i = 0; i < strlen(m); i += 7) st_sha256_update(&c, m + i, strlen(m) - i < 7 ? strlen(m) - i : 7);
    st_sha256_final(&c, b);
    assert_memory_equal(a, b, 32);
    st_hex_encode(a, 32, hx);
    assert_string_equal(hx, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* SHA-256d is SHA-256 of SHA-256 */
    uint8_t d1[32], d2[32], h1[32];
    st_sha256d("abc", 3, d1);
    st_sha256("abc", 3, h1);
    st_sha256(h1, 32, d2);
    assert_memory_equal(d1, d2, 32);
}

static void test_hex(void **state) {
    (void)state;
    uint8_t b[4];
    assert_int_equal(st_hex_decode("00fFa9", b, 3), ST_OK);
    assert_true(b[0] == 0x00 && b[1] == 0xff && b[2] == 0xa9);
    char out[9];
    st_hex_encode(b, 3, out);
    assert_string_equal(out, "00ffa9");
    assert_int_equal(st_hex_decode("0g", b, 1), ST_EINVAL);
    assert_int_equal(st_hex_decode("g0", b, 1), ST_EINVAL);
    assert_int_equal(st_hex_decode("0", b, 1), ST_EINVAL); /* the NUL is not a digit */
    for (int c = 0; c < 256; c++) {
        int want = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        assert_int_equal(st_hex_digit(c), want);
        assert_int_equal(st_hex_table[c], want < 0 ? 0x80 : want);
    }
    /* 16 digits at a time and the tail: every byte value at every place
     * of a 21-byte field (two whole chunks and a tail of 5) */
    char h[43];
    uint8_t want[21], got[21], one[21];
    for (int i = 0; i < 21; i++) want[i] = (uint8_t)(i * 37 + 11);
    st_hex_encode(want, 21, h);
    h[3] = 'F', want[1] = (uint8_t)((want[1] & 0xf0) | 0xf); /* upper case */
    assert_int_equal(st_hex_decode_all(h, got, 21), ST_OK);
    assert_memory_equal(got, want, 21);
    for (int at = 0; at < 42; at++)
        for (int c = 0; c < 256; c++) {
            char x[43];
            memcpy(x, h, 43);
            x[at] = (char)c;
            int ok = st_hex_digit(c) >= 0;
            assert_int_equal(st_hex_decode_all(x, got, 21), ok ? ST_OK : ST_EINVAL);
            if (c) assert_int_equal(st_hex_decode(x, one, 21), ok ? ST_OK : ST_EINVAL);
            if (ok) assert_memory_equal(got, one, 21);
        }
}

static void test_base58check(void **state) {
    (void)state;
    uint8_t p[64];
    size_t n = 0;
    /* 1BoatSLRHtKNngkdXEeobR76b53LETtpyT: version 0, then the HASH160 of
     * its well-known output script 76a9147680adec...88ac */
    assert_int_equal(st_base58check_decode("1BoatSLRHtKNngkdXEeobR76b53LETtpyT", p, sizeof p, &n), ST_OK);
    assert_int_equal(n, 21);
    assert_int_equal(p[0], 0);
    char hx[64];
    st_hex_encode(p + 1, 20, hx);
    assert_string_equal(hx, "7680adec8eabcabac676be9e83854ade0bd22cdb");
    char out[64];
    assert_int_equal(st_base58check_encode(p, n, out, sizeof out), ST_OK);
    assert_string_equal(out, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT");
    /* one letter changed, a letter outside the alphabet, too short, too long */
    assert_int_equal(st_base58check_decode("1BoatSLRHtKNngkdXEeobR76b53LETtpyU", p, sizeof p, &n), ST_EINVAL);
    assert_int_equal(st_base58check_decode("1BoatSLRHtKNngkdXEeobR76b53LETtpy0", p, sizeof p, &n), ST_EINVAL);
    assert_int_equal(st_base58check_decode("1", p, sizeof p, &n), ST_EINVAL);
    assert_int_equal(st_base58check_decode("", p, sizeof p, &n), ST_EINVAL);
    char longs[100];
    memset(longs, 'z', 99);
    longs[99] = 0;
    assert_int_equal(st_base58check_decode(longs, p, sizeof p, &n), ST_EINVAL);
    assert_int_equal(st_base58_decode(st_base58_alphabet, longs, p, sizeof p), -1);
    /* leading zero bytes are leading '1's both ways */
    uint8_t z[5] = {0, 0, 0, 1, 2};
    assert_int_equal(st_base58check_encode(z, 5, out, sizeof out), ST_OK);
    assert_true(!strncmp(out, "111", 3) && out[3] != '1');
    assert_int_equal(st_base58check_decode(out, p, sizeof p, &n), ST_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(p, z, 5);
    assert_int_equal(st_base58check_encode(z, 5, out, 4), ST_EINVAL); /* no room */
}

static void test_bech32(void **state) {
    (void)state;
    /* BIP173 and BIP350 valid addresses */
    struct { const char *addr, *hrp; int ver; size_t plen; int variant; } ok[] = {
        {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc", 0, 20, ST_BECH32},
        {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "tb", 0, 32, ST_BECH32},
        {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "bc", 1, 32, ST_BECH32M},
        {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", "tb", 1, 32, ST_BECH32M},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int ver = -1;
        uint8_t prog[40];
        size_t plen = 0;
        assert_int_equal(st_segwit_decode(ok[i].addr, ok[i].hrp, &ver, prog, &plen), ST_OK);
        assert_int_equal(ver, ok[i].ver);
        assert_int_equal(plen, ok[i].plen);
        char enc[100], low[100];
        assert_int_equal(st_segwit_encode(ok[i].hrp, ver, prog, plen, enc, sizeof enc), ST_OK);
        size_t k = 0;
        for (; ok[i].addr[k]; k++) low[k] = (char)(ok[i].addr[k] | (ok[i].addr[k] >= 'A' && ok[i].addr[k] <= 'Z' ? 0x20 : 0));
        low[k] = 0;
        assert_string_equal(enc, low);
        assert_int_equal(st_bech32_verify(low), ok[i].variant);
    }
    /* BIP350 invalid: wrong checksum variant for the version, mixed case,
     * bad padding, version 0 with a 16-byte program, wrong hrp */
    const char *bad[] = {
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", /* v1 with bech32 */
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3t4",                     /* mixed case */
        "bc1zw508d6qejxtdg4y5r3zarqfsj6c3",                               /* bad padding */
        "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",                           /* v0, 16 bytes */
        "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", /* hrp tc */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int ver;
        uint8_t prog[40];
        size_t plen;
        const char *hrp = bad[i][0] == 't' ? "tb" : "bc";
        assert_int_equal(st_segwit_decode(bad[i], hrp, &ver, prog, &plen), ST_EINVAL);
    }
    assert_int_equal(st_bech32_verify("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"), ST_BECH32_NONE);
    assert_int_equal(st_bech32_verify("nohrpseparator"), ST_BECH32_NONE);
}

static void test_splitmix64(void **state) {
    (void)state;
    /* splitmix64 from state 0: the reference implementation's first outputs */
    st_rng r = {0};
    assert_true(st_rng_next(&r) == 0xe220a8397b1dcdafull);
    assert_true(st_rng_next(&r) == 0x6e789e6aa1b965f4ull);
    assert_true(st_rng_next(&r) == 0x06c45d188009454full);
    assert_true(st_mix64(0) == 0xe220a8397b1dcdafull);
    st_rng a = {42}, b = {42};
    for (int i = 0; i < 1000; i++) {
        assert_true(st_rng_below(&a, 10) < 10);
        double u = st_rng_unit(&b);
        assert_true(u >= 0 && u < 1);
    }
    assert_int_equal(st_rng_below(&a, 0), 0);
}

/* The 64-bit key map against a plain array: random keys (0 and the top
 * bit included), overwrites, growth, absent keys, and a failed growth that
 * leaves the map as it was. */
static void test_map64(void **state) {
    (void)state;
    enum { N = 50000 };
    static uint64_t keys[N];
    st_map64 m;
    st_map64_init(&m);
    st_rng r = {7};
    for (uint32_t i = 0; i < N; i++) {
        keys[i] = i == 0 ? 0 : i == 1 ? UINT64_MAX : st_rng_next(&r);
        assert_int_equal(st_map64_put(&m, keys[i], i), ST_OK);
    }
    assert_int_equal(m.n, N);
    for (uint32_t i = 0; i < N; i++) {
        uint32_t v = 0;
        assert_int_equal(st_map64_get(&m, keys[i], &v), 1);
        assert_int_equal(v, i);
    }
    uint32_t v = 0;
    int created = 0;
    assert_int_equal(st_map64_get(&m, 12345, &v), 0);
    assert_int_equal(st_map64_get_or_put(&m, 12345, 9, &v, &created), ST_OK);
    assert_true(created && v == 9);
    assert_int_equal(st_map64_get_or_put(&m, 12345, 10, &v, &created), ST_OK);
    assert_true(!created && v == 9);
    assert_int_equal(st_map64_put(&m, 12345, 11), ST_OK); /* overwrite */
    assert_int_equal(st_map64_get(&m, 12345, &v), 1);
    assert_int_equal(v, 11);
    assert_int_equal(m.n, N + 1);
    /* fill to the edge of a growth, then fail it */
    size_t cap = m.cap;
    uint64_t k = 1ull << 40;
    while ((m.n + 1) * 10 <= m.cap * 7) assert_int_equal(st_map64_put(&m, k++, 1), ST_OK);
    size_t n = m.n;
    st_alloc_fail_after(0);
    assert_int_equal(st_map64_put(&m, k, 1), ST_ENOMEM);
    st_alloc_fail_after(-1);
    assert_int_equal(m.n, n);
    assert_int_equal(m.cap, cap);
    assert_int_equal(st_map64_get(&m, k, &v), 0);
    assert_int_equal(st_map64_get(&m, keys[N - 1], &v), 1);
    st_map64_free(&m);
    assert_int_equal(st_map64_get(&m, keys[0], &v), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base58check),
        cmocka_unit_test(test_bech32),
        cmocka_unit_test(test_splitmix64),
        cmocka_unit_test(test_map64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
