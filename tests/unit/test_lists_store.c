/* test_lists_store.c - snapshots: lossless round trip, changes, atomic
 * switch, pruning, corruption detection; and wallet normalisation. */
#include "testutil.h"

#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "lists/parse.h"
#include "lists/store.h"
#include "sanctrace/wallet.h"

static st_entity *mk(const char *id, const char *name) {
    st_entity *e;
    assert_int_equal(st_entity_new(&e, id, "t", ST_SCHEMA_PERSON), ST_OK);
    assert_int_equal(st_entity_add_name(e, name, ST_NAME_PRIMARY), ST_OK);
    return e;
}

static void test_json_roundtrip(void **state) {
    (void)state;
    st_entity *e = mk("un:KPi.033", "RI WON HO");
    st_pdate d = {1960, 1962, 0, 0, 1};
    assert_int_equal(st_entity_add_name(e, "리원호", ST_NAME_ALIAS), ST_OK);
    assert_int_equal(st_entity_add_name(e, "Ho", ST_NAME_WEAK), ST_OK);
    assert_int_equal(st_entity_add_name(e, "Old Name", ST_NAME_FORMER), ST_OK);
    assert_int_equal(st_entity_add_birth_date(e, d), ST_OK);
    assert_int_equal(st_entity_add_birth_place(e, "Pyongyang"), ST_OK);
    assert_int_equal(st_entity_add_nationality(e, "KP"), ST_OK);
    assert_int_equal(st_entity_add_country(e, "CN"), ST_OK);
    assert_int_equal(st_entity_add_ident(e, "passport", "381310014", "KP"), ST_OK);
    assert_int_equal(st_entity_add_address(e, "Central District, \"Pyongyang\"\n"), ST_OK);
    assert_int_equal(st_entity_add_wallet(e, "XBT", "1ABC"), ST_OK);
    assert_int_equal(st_entity_add_program(e, "DPRK"), ST_OK);
    assert_int_equal(st_entity_add_prop(e, "email", "x@y"), ST_OK);
    assert_int_equal(st_entity_set(&e->gender, "male"), ST_OK);
    assert_int_equal(st_entity_set(&e->listed_on, "2016-11-30"), ST_OK);
    assert_int_equal(st_entity_set(&e->remarks, "a; b"), ST_OK);
    char *line = st_entity_to_jsonl(e);
    assert_non_null(line);
    json_t *o = json_loads(line, 0, NULL);
    st_entity *back = NULL;
    st_error err;
    assert_int_equal(st_entity_from_json(o, &back, &err), ST_OK);
    char *line2 = st_entity_to_jsonl(back);
    assert_string_equal(line, line2); /* lossless */
    assert_string_equal(back->caption, "RI WON HO");
    assert_int_equal(back->birth_dates[0].circa, 1);
    assert_int_equal(back->birth_dates[0].year_to, 1962);
    assert_string_equal(back->names[1].script, "Hang");
    /* a broken entity is refused with a reason */
    json_t *bad = json_pack("{s:s, s:s, s:s, s:[s]}", "id", "x", "schema", "Person", "source", "t", "names", "oops");
    st_entity *b2 = NULL;
    assert_int_equal(st_entity_from_json(bad, &b2, &err), ST_ECORRUPT);
    assert_null(b2);
    json_decref(bad);
    json_decref(o);
    st_free(line);
    st_free(line2);
    st_entity_free(e);
    st_entity_free(back);
}

static json_t *sources_for(size_t n) {
    return json_pack("{s:{s:s, s:I, s:[s]}}", "t", "status", "updated", "entities", (json_int_t)n, "datasets", "t");
}

static void test_store_cycle(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    st_error err;
    st_store_result res;
    st_entity *a[3] = {mk("t:1", "ONE"), mk("t:2", "TWO"), mk("t:3", "THREE")};
    json_t *src = sources_for(3);
    char v1[64], v2[64], v[64], path[4096];
    assert_int_equal(st_store_current_version(dir, v, sizeof v, &err), ST_ENOTFOUND);
    assert_int_equal(st_store_write(dir, a, 3, src, &res, &err), ST_OK);
    snprintf(v1, sizeof v1, "%s", res.version);
    assert_int_equal(res.added, 3);
    assert_string_equal(res.previous, "");
    /* second snapshot: 2 changed, 1 removed, 1 added */
    st_entity *b[3] = {mk("t:1", "ONE"), mk("t:2", "TWO CHANGED"), mk("t:4", "FOUR")};
    assert_int_equal(st_entity_add_nationality(b[0], "KP"), ST_OK);
    assert_int_equal(st_store_write(dir, b, 3, src, &res, &err), ST_OK);
    snprintf(v2, sizeof v2, "%s", res.version);
    assert_string_not_equal(v1, v2);
    assert_string_equal(res.previous, v1);
    assert_int_equal(res.added, 1);
    assert_int_equal(res.removed, 1);
    assert_int_equal(res.changed, 2);
    assert_int_equal(st_store_current_version(dir, v, sizeof v, &err), ST_OK);
    assert_string_equal(v, v2);
    assert_int_equal(st_store_previous_version(dir, v, sizeof v, &err), ST_OK);
    assert_string_equal(v, v1);
    /* the loader: entities, manifest, changes */
    st_store_snapshot *s;
    assert_int_equal(st_store_open(dir, NULL, &s, &err), ST_OK);
    assert_string_equal(s->version, v2);
    assert_int_equal(s->n_entities, 3);
    assert_string_equal(st_store_find(s, "t:2")->caption, "TWO CHANGED");
    assert_null(st_store_find(s, "t:3"));
    json_t *removed = json_object_get(s->changes, "removed");
    assert_int_equal(json_array_size(removed), 1);
    assert_string_equal(json_string_value(json_array_get(removed, 0)), "t:3");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(s->changes, "counts"), "changed")), 2);
    /* times.json: first_seen carried from the first snapshot, last_change moved by the change */
    st_store_snapshot *s1;
    assert_int_equal(st_store_open_meta(dir, v1, &s1, &err), ST_OK);
    const char *c1 = json_string_value(json_object_get(s1->manifest, "created"));
    const char *c2 = json_string_value(json_object_get(s->manifest, "created"));
    json_t *t2 = json_object_get(s->times, "t:2"), *t4 = json_object_get(s->times, "t:4");
    assert_string_equal(json_string_value(json_array_get(t2, 0)), c1);
    assert_string_equal(json_string_value(json_array_get(t2, 1)), c2);
    assert_string_equal(json_string_value(json_array_get(t4, 0)), c2);
    assert_int_equal(json_object_size(s->times), 3);
    st_store_close(s1);
    st_store_close(s);
    /* the previous version stays loadable */
    assert_int_equal(st_store_open(dir, v1, &s, &err), ST_OK);
    assert_int_equal(s->n_entities, 3);
    st_store_close(s);
    /* third snapshot prunes the first; unchanged, every time stays; an
     * entity met before times.json existed was there when the previous
     * snapshot was made */
    snprintf(path, sizeof path, "%s/snapshots/%s/times.json", dir, v2);
    FILE *tf = fopen(path, "w");
    assert_non_null(tf);
    fputs("{\"t:1\": [\"2001-02-03T04:05:06Z\", \"2002-02-03T04:05:06Z\"]}\n", tf);
    fclose(tf);
    assert_int_equal(st_store_write(dir, b, 3, src, &res, &err), ST_OK);
    assert_int_equal(res.changed + res.added + res.removed, 0);
    assert_int_equal(st_store_open_meta(dir, NULL, &s, &err), ST_OK);
    assert_string_equal(json_string_value(json_array_get(json_object_get(s->times, "t:1"), 0)), "2001-02-03T04:05:06Z");
    assert_string_equal(json_string_value(json_array_get(json_object_get(s->times, "t:1"), 1)), "2002-02-03T04:05:06Z");
    st_store_snapshot *prev;
    assert_int_equal(st_store_open_meta(dir, v2, &prev, &err), ST_OK);
    const char *pc = json_string_value(json_object_get(prev->manifest, "created"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(s->times, "t:4"), 0)), pc);
    assert_string_equal(json_string_value(json_array_get(json_object_get(s->times, "t:4"), 1)), pc);
    st_store_close(prev);
    st_store_close(s);
    assert_int_equal(st_store_open(dir, v1, &s, &err), ST_ENOTFOUND);
    assert_int_equal(st_store_open(dir, v2, &s, &err), ST_OK);
    st_store_close(s);
    /* a damaged entities.jsonl is detected on open */
    snprintf(path, sizeof path, "%s/current/entities.jsonl", dir);
    FILE *f = fopen(path, "a");
    fputs("{\"id\":\"t:9\"}\n", f);
    fclose(f);
    assert_int_equal(st_store_open(dir, NULL, &s, &err), ST_ECORRUPT);
    assert_non_null(strstr(err.msg, "sha256"));
    assert_int_equal(st_store_open(dir, "../x", &s, &err), ST_EINVAL);
    json_decref(src);
    for (int i = 0; i < 3; i++) { st_entity_free(a[i]); st_entity_free(b[i]); }
    st_rm_rf(dir);
    free(dir);
}

/* A write that fails half way leaves current as it was. */
static void test_store_oom_keeps_current(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    st_error err;
    st_store_result res;
    st_entity *a[2] = {mk("t:1", "ONE"), mk("t:2", "TWO")};
    json_t *src = sources_for(2);
    char v1[64], v[64];
    assert_int_equal(st_store_write(dir, a, 2, src, &res, &err), ST_OK);
    snprintf(v1, sizeof v1, "%s", res.version);
    for (long fail = 0; fail < 60; fail++) {
        st_alloc_fail_after(fail);
        int rc = st_store_write(dir, a, 2, src, &res, &err);
        st_alloc_fail_after(-1);
        assert_int_equal(st_store_current_version(dir, v, sizeof v, &err), ST_OK);
        if (rc != ST_OK) assert_string_equal(v, v1);
        else snprintf(v1, sizeof v1, "%s", v);
        st_store_snapshot *s;
        assert_int_equal(st_store_open(dir, NULL, &s, &err), ST_OK);
        st_store_close(s);
    }
    json_decref(src);
    st_entity_free(a[0]);
    st_entity_free(a[1]);
    st_rm_rf(dir);
    free(dir);
}

/* ---- wallets ---- */

static void norm(const char *chain, const char *in, int want_rc, const char *want, const char *fam) {
    char out[ST_WALLET_MAX + 1];
    const char *f = NULL;
    int rc = st_wallet_normalize(chain, in, out, sizeof out, &f);
    if (rc != want_rc) fail_msg("%s: rc %d, want %d", in, rc, want_rc);
    if (want) assert_string_equal(out, want);
    if (fam) assert_string_equal(f, fam);
}

static void test_wallets(void **state) {
    (void)state;
    unsigned char h[32];
    char hex[65];
    st_keccak256("", 0, h);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
    assert_string_equal(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    /* EIP-55: the Ronin bridge exploiter as OFAC lists it, and case variants */
    norm("ETH", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96", ST_OK, "0x098b716b8aaf21512996dc57eb0615e2383e2f96", "EVM");
    norm(NULL, " 0x098b716b8aaf21512996dc57eb0615e2383e2f96 ", ST_OK, "0x098b716b8aaf21512996dc57eb0615e2383e2f96", "EVM");
    norm(NULL, "0X098B716B8AAF21512996DC57EB0615E2383E2F96", ST_OK, "0x098b716b8aaf21512996dc57eb0615e2383e2f96", "EVM");
    norm("ETH", "0x098b716B8Aaf21512996dC57EB0615e2383E2f96", ST_EPARSE, "0x098b716b8aaf21512996dc57eb0615e2383e2f96", "EVM");
    /* EIP-55 reference vectors */
    norm(NULL, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ST_OK, NULL, "EVM");
    norm(NULL, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", ST_OK, NULL, "EVM");
    /* a 39-hex address OFAC once listed is not EVM: kept as is */
    norm("ETH", "0xa7e5d5a720f06526557c513402f2e6b5fa20b00", ST_OK, "0xa7e5d5a720f06526557c513402f2e6b5fa20b00", "OTHER");
    /* base58check */
    norm("XBT", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ST_OK, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "XBT");
    norm("XBT", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", ST_EPARSE, NULL, "XBT");
    norm("LTC", "LaizKtS5DUhPuP1nTQcc83MS7HwK6vk85z", ST_OK, NULL, "LTC");
    norm("USDT", "TE3mCcPULjPUE7ykX7RArDPAhyahoy3d2j", ST_OK, NULL, "TRX");
    norm("ZEC", "t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy", ST_OK, NULL, "ZEC");
    /* bech32 (BIP173) and bech32m (BIP350) vectors; upper case folds */
    norm(NULL, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", ST_OK, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "XBT");
    norm(NULL, "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", ST_OK, NULL, "XBT");
    norm(NULL, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", ST_EPARSE, NULL, "XBT");
    norm(NULL, "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", ST_OK, "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "OTHER");
    /* BCH cashaddr without prefix, Monero, junk */
    norm("BCH", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", ST_OK, NULL, "BCH");
    norm("BCH", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhr", ST_EPARSE, NULL, "BCH");
    /* the cashaddr specification's example */
    norm(NULL, "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", ST_OK,
         "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "BCH");
    /* Monero (Keccak checksum in Monero's base58 blocks), Ripple's alphabet */
    norm("XMR", "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
         ST_OK, NULL, "XMR");
    norm("XMR", "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3B",
         ST_EPARSE, NULL, "XMR");
    norm("XRP", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", ST_OK, NULL, "XRP");
    norm("XRP", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTj", ST_EPARSE, NULL, "XRP");
    norm("XVG", "DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z", ST_OK, NULL, "XVG");
    norm("XMR", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", ST_OK, NULL, "OTHER");
    norm(NULL, "", ST_EINVAL, "", NULL);
    norm(NULL, "not an address!", ST_EINVAL, "", NULL);
}

/* Every address in OFAC's 2024 per-asset files normalises with a valid checksum. */
static void test_wallets_ofac_files(void **state) {
    (void)state;
    static const char *const assets[] = {"ARB", "BCH", "BSC", "BSV", "BTG", "DASH", "ETC", "ETH", "LTC",
                                         "TRX", "USDC", "USDT", "XBT", "XMR", "XRP", "XVG", "ZEC"};
    size_t total = 0;
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
        char rel[128], line[256], out[ST_WALLET_MAX + 1];
        snprintf(rel, sizeof rel, "lists/ofac-crypto-2024-09-27/sanctioned_addresses_%s.txt", assets[i]);
        FILE *f = fopen(st_test_data(rel), "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            if (!line[0]) continue;
            if (st_wallet_normalize(assets[i], line, out, sizeof out, NULL) != ST_OK) fail_msg("%s %s", assets[i], line);
            total++;
        }
        fclose(f);
    }
    assert_int_equal(total, 654); /* cat sanctioned_addresses_*.txt | grep -c . */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_roundtrip),
        cmocka_unit_test(test_store_cycle),
        cmocka_unit_test(test_store_oom_keeps_current),
        cmocka_unit_test(test_wallets),
        cmocka_unit_test(test_wallets_ofac_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
