/* test_rings_ops.c - the operation stage and hiring-time checks: sparse
 * operations (chains, stars, bipartite teams) assembled into one ring,
 * strangers who share only generic values left apart, a facilitator
 * serving two operations reported as infrastructure without merging them,
 * and checks against a saved state that leave it unchanged.  Each deck is
 * built here over a background of honest applicants with unique values. */
#include "testutil.h"

#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/rand.h"
#include "rings/rings_int.h"
#include "sanctrace/rings.h"

#define BACKGROUND 1000

/* One JSON line; values with ';' hold several. */
static void line(st_buf *b, const char *id, const char *name, const char *dob, const char *extra) {
    st_buf_printf(b, "{\"id\":\"%s\",\"name\":\"%s\",\"birth_date\":\"%s\",\"country\":\"US\",\"timezone\":\"America/New_York\"%s%s}\n",
                  id, name, dob, extra[0] ? "," : "", extra);
}

static const char *const given[] = {"Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan",
                                    "Kendall", "Logan", "Morgan", "Parker", "Quinn", "Reese", "Rowan", "Sawyer"};
static const char *const family[] = {"Abbott", "Barlow", "Carver", "Dalton", "Ellison", "Fairbank", "Garrison",
                                     "Hollis", "Irving", "Jessup", "Kimball", "Lockhart", "Merritt", "Norwood",
                                     "Oakes", "Pennington", "Radcliffe", "Stanton", "Thorne", "Underhill"};

/* Honest applicants: every value their own, office hours in New York. */
static void background(st_buf *b, st_rng *g) {
    for (int i = 0; i < BACKGROUND; i++) {
        char id[32], name[64], dob[16], extra[600];
        snprintf(id, sizeof id, "bg%04d", i);
        snprintf(name, sizeof name, "%s %s%c", given[st_rng_below(g, 16)], family[st_rng_below(g, 20)], 'a' + (char)(i % 26));
        snprintf(dob, sizeof dob, "19%02d-%02d-%02d", 60 + (int)st_rng_below(g, 40), 1 + (int)st_rng_below(g, 12),
                 1 + (int)st_rng_below(g, 28));
        snprintf(extra, sizeof extra,
                 "\"email\":\"u%d@mail%d.example\",\"phone\":\"+1212555%04d\",\"device_id\":\"bgdev%d\","
                 "\"payment_account\":\"iban:DE%02d%04d%010d\",\"ip\":\"%d.%d.%d.%d\",\"address\":\"%d Elm St Springfield\","
                 "\"login_hours_utc\":\"14;15;16;17;18;19\"",
                 i, i % 50, i, i, i % 100, i, i, 20 + i % 150, i % 200, i % 250, 1 + i % 200, 1 + i);
        line(b, id, name, dob, extra);
    }
}

/* Team traits: a VPS /24, one foreign bank, Korean office hours. */
static void team(char *out, size_t n, int team_no, int member, const char *more) {
    snprintf(out, n,
             "\"ip\":\"203.%d.7.%d\",\"payment_account\":\"iban:HK%02d%04d%010d\",\"login_hours_utc\":\"0;1;2;3;4;5\","
             "\"phone_type\":\"voip\",\"email\":\"t%dm%d@fast.example\"%s%s",
             team_no, 10 + member, member, 7000 + team_no, team_no * 100 + member, team_no, member, more[0] ? "," : "", more);
}

static st_rings *run_deck(const st_buf *b) {
    const char *dump = getenv("ST_TEST_DUMP"); /* the deck for a failing case, to replay on the command line */
    static int deck_no;
    deck_no++;
    if (dump) {
        char path[512];
        snprintf(path, sizeof path, "%s.%d", dump, deck_no);
        FILE *f = fopen(path, "w");
        if (f) { fwrite(b->data, 1, b->len, f); fclose(f); }
    }
    st_rings *r = NULL;
    st_error err;
    st_error_clear(&err);
    st_rings_opts o = {0};
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    assert_int_equal(st_rings_add_buffer(r, b->data, b->len, "deck", &err), ST_OK);
    assert_int_equal(st_rings_run(r, &err), ST_OK);
    return r;
}

/* The ring (cluster) of record id, UINT32_MAX when single. */
static uint32_t ring_of(const st_rings *r, const char *id) {
    for (size_t i = 0; i < r->recs.len; i++)
        if (!strcmp(RG_AT(r->recs, rg_rec, i).id, id)) return r->cluster[i];
    fail_msg("no record %s", id);
    return UINT32_MAX;
}

/* Every member of prefix in one ring holding nothing else. */
static void assert_one_ring(const st_rings *r, const char *prefix, int members) {
    char id[32];
    snprintf(id, sizeof id, "%s0", prefix);
    uint32_t c = ring_of(r, id);
    assert_int_not_equal(c, UINT32_MAX);
    for (int m = 1; m < members; m++) {
        snprintf(id, sizeof id, "%s%d", prefix, m);
        assert_int_equal(ring_of(r, id), c);
    }
    assert_int_equal(r->cl_start[c + 1] - r->cl_start[c], (uint32_t)members);
}

static void persona(st_buf *b, const char *prefix, int team_no, int m, const char *more) {
    char id[32], name[64], dob[16], extra[800];
    snprintf(id, sizeof id, "%s%d", prefix, m);
    snprintf(name, sizeof name, "%s %s", given[(team_no * 7 + m * 3) % 16], family[(team_no * 5 + m * 11) % 20]);
    snprintf(dob, sizeof dob, "198%d-0%d-1%d", m % 10, 1 + m % 9, m % 10);
    team(extra, sizeof extra, team_no, m, more);
    line(b, id, name, dob, extra);
}

/* A chain: each persona shares one item with the next only. */
static void test_chain(void **state) {
    (void)state;
    st_rng g = {1};
    st_buf b;
    st_buf_init(&b, 1 << 24);
    background(&b, &g);
    const char *links[] = {"\"device_id\":\"chainA\"", "\"device_id\":\"chainA;chainB\"",
                           "\"device_id\":\"chainB\",\"phone\":\"+13025550199\"",
                           "\"phone\":\"+13025550199\",\"shipping_address\":\"77 Dock Rd, Newark NJ\"",
                           "\"shipping_address\":\"77 Dock Rd, Newark NJ\",\"device_id\":\"chainC\"", "\"device_id\":\"chainC\""};
    for (int m = 0; m < 6; m++) persona(&b, "ch", 1, m, links[m]);
    st_rings *r = run_deck(&b);
    assert_one_ring(r, "ch", 6);
    assert_true(r->joins.len >= 1); /* the first stage cut the chain; the operation stage rejoined it */
    st_rings_free(r);
    st_buf_free(&b);
}

/* A star: seven personas ship to one laptop farm and share nothing else strong. */
static void test_star(void **state) {
    (void)state;
    st_rng g = {2};
    st_buf b;
    st_buf_init(&b, 1 << 24);
    background(&b, &g);
    for (int m = 0; m < 7; m++) persona(&b, "st", 2, m, "\"shipping_address\":\"12 Farm Lane, Dover DE\"");
    st_rings *r = run_deck(&b);
    assert_one_ring(r, "st", 7);
    assert_true(r->joins.len >= 1);
    /* the farm is listed as infrastructure serving the seven */
    int found = 0;
    for (size_t k = 0; k < r->infra.len; k++) {
        const rg_infra *in = &RG_AT(r->infra, rg_infra, k);
        if (RG_AT(r->values, rg_value, in->value).kind == RG_K_SHIPPING && in->nrec == 7) found = 1;
    }
    assert_true(found);
    st_rings_free(r);
    st_buf_free(&b);
}

/* A bipartite team: two handlers (a device each), every persona on one,
 * one on both (the first stage cuts that bridge between two groups). */
static void test_bipartite(void **state) {
    (void)state;
    st_rng g = {3};
    st_buf b;
    st_buf_init(&b, 1 << 24);
    background(&b, &g);
    for (int m = 0; m < 8; m++)
        persona(&b, "bp", 3, m, m == 0 ? "\"device_id\":\"handlerA;handlerB\"" : m % 2 ? "\"device_id\":\"handlerA\"" : "\"device_id\":\"handlerB\"");
    st_rings *r = run_deck(&b);
    assert_one_ring(r, "bp", 8);
    assert_true(r->joins.len >= 1);
    st_rings_free(r);
    st_buf_free(&b);
}

/* Strangers sharing only generic values (a big employer, a famous school,
 * one e-mail provider, a coworking address, a carrier NAT /24) stay apart. */
static void test_generic_traps(void **state) {
    (void)state;
    st_rng g = {4};
    st_buf b;
    st_buf_init(&b, 1 << 24);
    background(&b, &g);
    for (int i = 0; i < 40; i++) {
        char id[32], name[64], extra[600];
        snprintf(id, sizeof id, "gx%d", i);
        snprintf(name, sizeof name, "%s %s", given[i % 16], family[(i * 7) % 20]);
        snprintf(extra, sizeof extra,
                 "\"email\":\"person%d@gmail.com\",\"employer\":\"Amazon\",\"education\":\"MIT\",\"address\":\"1 Market St Floor 3, San Francisco CA\","
                 "\"ip\":\"100.64.9.%d\",\"device_id\":\"gxdev%d\",\"payment_account\":\"iban:GB%02d%04d%010d\",\"login_hours_utc\":\"14;15;16;17\"",
                 i, 1 + i, i, i, 1000 + i, i);
        char dob[16];
        snprintf(dob, sizeof dob, "19%02d-%02d-%02d", (60 + i) % 100, 1 + i % 12, 1 + i % 28);
        line(&b, id, name, dob, extra);
    }
    st_rings *r = run_deck(&b);
    for (int i = 0; i < 40; i++) {
        char id[32];
        snprintf(id, sizeof id, "gx%d", i);
        assert_int_equal(ring_of(r, id), UINT32_MAX);
    }
    st_rings_free(r);
    st_buf_free(&b);
}

/* One laptop farm serving parts of two operations, each tied together by
 * its own devices and traits: two rings, and the farm a facilitator. */
static void test_facilitator(void **state) {
    (void)state;
    st_rng g = {5};
    st_buf b;
    st_buf_init(&b, 1 << 24);
    background(&b, &g);
    for (int m = 0; m < 6; m++) {
        char more[300];
        snprintf(more, sizeof more, "\"device_id\":\"xdev%d\"%s", m / 2,
                 m % 2 ? ",\"shipping_address\":\"900 Relay Blvd, Wilmington DE\"" : "");
        persona(&b, "fx", 5, m, more);
        snprintf(more, sizeof more, "\"device_id\":\"ydev%d\"%s", m / 3,
                 m % 2 ? "" : ",\"shipping_address\":\"900 Relay Blvd, Wilmington DE\"");
        persona(&b, "fy", 6, m, more);
    }
    st_rings *r = run_deck(&b);
    assert_one_ring(r, "fx", 6);
    assert_one_ring(r, "fy", 6);
    int facilitator = 0;
    for (size_t k = 0; k < r->infra.len; k++) {
        const rg_infra *in = &RG_AT(r->infra, rg_infra, k);
        if (RG_AT(r->values, rg_value, in->value).kind == RG_K_SHIPPING && in->nrec == 6) {
            assert_int_equal(in->nrings, 2);
            facilitator = in->facilitator;
        }
    }
    assert_true(facilitator);
    json_t *j = st_rings_result(r);
    assert_non_null(j);
    assert_true(json_array_size(json_object_get(j, "operations")) >= 2);
    assert_true(json_array_size(json_object_get(j, "infrastructure")) >= 1);
    json_decref(j);
    st_rings_free(r);
    st_buf_free(&b);
}

/* A check against a saved state: the ring a new persona would join, and
 * the state files byte for byte unchanged. */
static void test_check_against_state(void **state) {
    (void)state;
    char dir[] = "/tmp/st_rings_check_XXXXXX";
    assert_non_null(mkdtemp(dir));
    st_rng g = {6};
    st_buf b;
    st_buf_init(&b, 1 << 24);
    background(&b, &g);
    for (int m = 0; m < 5; m++) persona(&b, "op", 7, m, "\"device_id\":\"laptop-farm-7\"");
    st_error err;
    st_error_clear(&err);
    st_rings_opts o = {NULL, dir, NULL, NULL, 0, 0};
    st_rings *r = NULL;
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    assert_int_equal(st_rings_add_buffer(r, b.data, b.len, "deck", &err), ST_OK);
    assert_int_equal(st_rings_run(r, &err), ST_OK);
    assert_int_equal(st_rings_save_state(r, &err), ST_OK);
    st_rings_free(r);
    char path[512], *before = NULL, *after = NULL;
    size_t lb = 0, la = 0;
    snprintf(path, sizeof path, "%s/records.jsonl", dir);
    assert_int_equal(st_file_read(path, 1 << 26, &before, &lb, &err), ST_OK);
    /* the check: one new persona on the operation's payout, one stranger */
    st_buf c;
    st_buf_init(&c, 1 << 20);
    persona(&c, "new", 7, 9, "\"device_id\":\"laptop-farm-7\"");
    line(&c, "walkin", "Zelda Quist", "1977-07-07", "\"email\":\"zq@else.example\",\"device_id\":\"zq1\"");
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    st_rings_check_begin(r);
    assert_int_equal(st_rings_add_buffer(r, c.data, c.len, "check", &err), ST_OK);
    assert_int_equal(st_rings_run(r, &err), ST_OK);
    json_t *j = st_rings_check_result(r);
    assert_non_null(j);
    if (getenv("ST_TEST_DEBUG")) json_dumpf(j, stderr, JSON_INDENT(1));
    json_t *checks = json_object_get(j, "checks");
    assert_int_equal(json_array_size(checks), 2);
    json_t *x = json_array_get(checks, 0), *w = json_array_get(checks, 1);
    assert_string_equal(json_string_value(json_object_get(x, "id")), "new9");
    assert_true(json_is_string(json_object_get(x, "ring")));
    assert_int_equal(json_integer_value(json_object_get(x, "ring_records_in_state")), 5);
    assert_string_equal(json_string_value(json_object_get(x, "level")), "high");
    assert_true(json_is_null(json_object_get(w, "ring")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "state_records")), BACKGROUND + 5);
    json_decref(j);
    st_rings_free(r);
    assert_int_equal(st_file_read(path, 1 << 26, &after, &la, &err), ST_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(after, before, lb);
    st_free(before);
    st_free(after);
    st_buf_free(&c);
    st_buf_free(&b);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The indexed checker answers as the exact check does: an operation's new
 * persona joins its ring at high risk, a stranger joins none.  Regression:
 * a record replaced by a later one with its id left its photos in the
 * table, owned by no one, and the checker's photo index read past its
 * owners (found by fuzz_rings). */
static void test_checker(void **state) {
    (void)state;
    st_rng g = {7};
    st_buf b;
    st_buf_init(&b, 1 << 24);
    background(&b, &g);
    const char *photo = "\"photo_hash\":\"f0f0f0f0f0f0f0f0a5a5a5a5a5a5a5a5f0f0f0f0f0f0f0f00f0f0f0f0f0f0f0f\"";
    char more[400];
    /* "rep" first with a photo, replaced at the end by a version without:
     * its photo stays first in the table, owned by no one */
    line(&b, "rep", "Replaced Person", "1970-01-01", "\"photo_hash\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"");
    for (int m = 0; m < 5; m++) {
        snprintf(more, sizeof more, "\"device_id\":\"farm-8\",%s", photo);
        persona(&b, "ck", 8, m, more);
    }
    line(&b, "rep", "Replaced Person", "1970-01-01", "\"email\":\"rep@else.example\"");
    st_rings *r = run_deck(&b);
    st_rings_checker *ck = NULL;
    st_error err;
    st_error_clear(&err);
    assert_int_equal(st_rings_checker_new(&ck, r, &err), ST_OK);
    st_buf c;
    st_buf_init(&c, 1 << 20);
    snprintf(more, sizeof more, "\"device_id\":\"farm-8\",%s", photo);
    persona(&c, "cknew", 8, 9, more);
    line(&c, "walkin", "Zelda Quist", "1977-07-07", "\"photo_hash\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee\"");
    json_t *out = NULL;
    assert_int_equal(st_rings_checker_check(ck, c.data, c.len, "check", &out, &err), ST_OK);
    json_t *checks = json_object_get(out, "checks");
    assert_int_equal(json_array_size(checks), 2);
    json_t *x = json_array_get(checks, 0), *w = json_array_get(checks, 1);
    uint32_t ring = ring_of(r, "ck0");
    assert_string_equal(json_string_value(json_object_get(x, "ring")), r->ring_ids[ring]);
    assert_string_equal(json_string_value(json_object_get(x, "level")), "high");
    assert_true(json_is_null(json_object_get(w, "ring")));
    /* the stranger's photo is one bit from the replaced version's: no link to it */
    assert_int_equal(json_array_size(json_object_get(w, "new_ring_with")), 0);
    assert_int_equal(json_array_size(json_object_get(w, "linked_to")), 0);
    assert_false(json_is_true(json_object_get(json_object_get(out, "summary"), "state_modified")));
    json_decref(out);
    /* the context is as it was: a second check answers the same */
    assert_int_equal(st_rings_count(r), BACKGROUND + 6);
    assert_int_equal(st_rings_checker_check(ck, c.data, c.len, "check", &out, &err), ST_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(out, "checks"), 0), "ring")),
                        r->ring_ids[ring]);
    json_decref(out);
    st_rings_checker_free(ck);
    st_rings_free(r);
    st_buf_free(&c);
    st_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),          cmocka_unit_test(test_star),
        cmocka_unit_test(test_bipartite),      cmocka_unit_test(test_generic_traps),
        cmocka_unit_test(test_facilitator),    cmocka_unit_test(test_check_against_state),
        cmocka_unit_test(test_checker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
