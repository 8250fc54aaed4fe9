/* test_lists_entity.c - entity adders, partial dates, country codes, and
 * every allocation-failure path of the adders. */
#include "testutil.h"

#include "core/alloc.h"
#include "sanctrace/entity.h"

static void test_adders_dedup(void **state) {
    (void)state;
    st_entity *e;
    assert_int_equal(st_entity_new(&e, "un:KPi.033", "un", ST_SCHEMA_PERSON), ST_OK);
    assert_int_equal(st_entity_add_name(e, " RI WON HO ", ST_NAME_PRIMARY), ST_OK);
    assert_int_equal(st_entity_add_name(e, "RI WON HO", ST_NAME_ALIAS), ST_OK);
    assert_int_equal(st_entity_add_name(e, "Ri Won-ho", ST_NAME_WEAK), ST_OK);
    assert_int_equal(st_entity_add_name(e, "Ri Won-ho", ST_NAME_ALIAS), ST_OK); /* upgraded */
    assert_int_equal(st_entity_add_name(e, "  ", ST_NAME_ALIAS), ST_OK);      /* ignored */
    assert_int_equal(st_entity_add_name(e, "리원호", ST_NAME_ALIAS), ST_OK);
    assert_int_equal(st_entity_add_name(e, "李元浩", ST_NAME_ALIAS), ST_OK);
    assert_int_equal(e->n_names, 4);
    assert_string_equal(e->caption, "RI WON HO");
    assert_int_equal(e->names[0].kind, ST_NAME_PRIMARY);
    assert_int_equal(e->names[1].kind, ST_NAME_ALIAS);
    assert_string_equal(e->names[0].script, "Latn");
    assert_string_equal(e->names[2].script, "Hang");
    assert_string_equal(e->names[3].script, "Hani");
    for (int i = 0; i < 20; i++) assert_int_equal(st_entity_add_program(e, i % 2 ? "KPi" : "DPRK"), ST_OK);
    assert_int_equal(e->n_programs, 2);
    assert_int_equal(st_entity_add_nationality(e, "KP"), ST_OK);
    assert_int_equal(st_entity_add_nationality(e, "KP"), ST_OK);
    assert_int_equal(st_entity_add_nationality(e, "kp"), ST_EINVAL);
    assert_int_equal(e->n_nationalities, 1);
    assert_int_equal(st_entity_add_ident(e, "passport", "381310014", ""), ST_OK);
    assert_int_equal(st_entity_add_ident(e, "passport", "381310014", "KP"), ST_OK); /* learns issuer */
    assert_int_equal(e->n_idents, 1);
    assert_string_equal(e->idents[0].country, "KP");
    assert_int_equal(st_entity_add_wallet(e, "xbt", "1ABC"), ST_OK);
    assert_int_equal(st_entity_add_wallet(e, "XBT", "1ABC"), ST_OK);
    assert_int_equal(e->n_wallets, 1);
    assert_string_equal(e->wallets[0].chain, "XBT");
    st_pdate d = {1964, 1964, 7, 17, 0};
    assert_int_equal(st_entity_add_birth_date(e, d), ST_OK);
    assert_int_equal(st_entity_add_birth_date(e, d), ST_OK);
    assert_int_equal(e->n_birth_dates, 1);
    assert_int_equal(st_entity_append_remarks(e, "one"), ST_OK);
    assert_int_equal(st_entity_append_remarks(e, "two"), ST_OK);
    assert_string_equal(e->remarks, "one; two");
    st_entity_free(e);
}

static st_pdate pd(const char *s) {
    st_pdate d;
    assert_int_equal(st_pdate_parse(s, &d), ST_OK);
    return d;
}

static void check_date(const char *in, const char *want, int circa) {
    char out[32];
    st_pdate d = pd(in);
    assert_string_equal(st_pdate_format(&d, out, sizeof out), want);
    assert_int_equal(d.circa, circa);
}

static void test_pdate(void **state) {
    (void)state;
    check_date("1965", "1965", 0);
    check_date("1965-03", "1965-03", 0);
    check_date("1965-03-01", "1965-03-01", 0);
    check_date("01 Mar 1965", "1965-03-01", 0);
    check_date("Mar 1965", "1965-03", 0);
    check_date("Nov. 1973", "1973-11", 0);
    check_date("August 1961", "1961-08", 0);
    check_date("Sept 1958", "1958-09", 0);
    check_date("1960 to 1962", "1960/1962", 0);
    check_date("1960-1962", "1960/1962", 0);
    check_date("circa 1970", "1970", 1);
    check_date("circa 01 Jan 1960", "1960-01-01", 1);
    check_date("Between Aug. and Sep. 1977", "1977", 0);
    check_date("2019-01-01T00:00:00", "2019-01-01", 0);
    check_date("31 Feb 1970", "1970-02", 0); /* impossible day dropped */
    st_pdate d;
    assert_int_equal(st_pdate_parse("30-35 years old", &d), ST_EPARSE);
    assert_int_equal(st_pdate_parse("24/06/1402 (Hijri Calendar)", &d), ST_EPARSE);
    assert_int_equal(st_pdate_parse("", &d), ST_EPARSE);
    assert_int_equal(st_pdate_parse(NULL, &d), ST_EPARSE);
}

static void check_country(const char *in, const char *want) {
    char cc[3] = "";
    int rc = st_country_code(in, cc);
    if (!want) {
        assert_int_equal(rc, ST_ENOTFOUND);
        return;
    }
    if (rc != ST_OK) fail_msg("country '%s' not found", in);
    assert_string_equal(cc, want);
}

static void test_countries(void **state) {
    (void)state;
    check_country("Korea, North", "KP");
    check_country("korea north", "KP");
    check_country("Democratic People's Republic of Korea", "KP");
    check_country("Korea, Democratic People's Republic of", "KP");
    check_country("North Korea", "KP");
    check_country("DPRK", "KP");
    check_country("PRK", "KP");
    check_country("kp", "KP");
    check_country("Republic of Korea", "KR");
    check_country("Korea, South", "KR");
    check_country("Iran (Islamic Republic of)", "IR");
    check_country("Russian Federation", "RU");
    check_country("Burma", "MM");
    check_country("Congo, Democratic Republic of the", "CD");
    check_country("Democratic Republic of the Congo", "CD");
    check_country("Congo, Republic of the", "CG");
    check_country("United Kingdom of Great Britain and Northern Ireland", "GB");
    check_country("Türkiye", "TR");
    check_country("Turkey", "TR");
    check_country("Côte d'Ivoire", "CI");
    check_country("Cote d Ivoire", "CI");
    check_country("Syrian Arab Republic", "SY");
    check_country("Viet Nam", "VN");
    check_country("The Gambia", "GM");
    check_country("Bahamas, The", "BS");
    check_country("China, Hong Kong Special Administrative Region", "HK");
    check_country("Kosovo", "XK");
    check_country("Germany (West)", "DE"); /* parenthesis dropped as a fallback */
    check_country("undetermined", NULL);
    check_country("Region: Crimea", NULL);
    check_country("", NULL);
    assert_string_equal(st_country_name("KP"), "North Korea");
    assert_string_equal(st_country_name("kr"), "South Korea");
    assert_string_equal(st_country_iso3("KP"), "PRK");
    assert_null(st_country_name("QQ"));
}

/* The ISO table is complete: every assigned alpha-2 code round-trips
 * through its own name and alpha-3 code. */
static void test_countries_complete(void **state) {
    (void)state;
    int n = 0;
    for (char a = 'A'; a <= 'Z'; a++)
        for (char b = 'A'; b <= 'Z'; b++) {
            char code[3] = {a, b, 0}, back[3];
            const char *name = st_country_name(code);
            if (!name) continue;
            n++;
            assert_int_equal(st_country_code(name, back), ST_OK);
            assert_string_equal(back, code);
            assert_int_equal(st_country_code(st_country_iso3(code), back), ST_OK);
            assert_string_equal(back, code);
        }
    assert_int_equal(n, 249 + 2); /* ISO 3166-1 plus XK and AN */
}

/* Every allocation an adder makes fails once: the adder reports ST_ENOMEM,
 * the entity stays consistent and frees without leaks. */
static void test_adders_oom(void **state) {
    (void)state;
    int saw_oom = 0, saw_ok = 0;
    for (long fail = 0; fail < 200; fail++) {
        st_entity *e = NULL;
        st_alloc_fail_after(fail);
        int rc = st_entity_new(&e, "ofac:1", "ofac", ST_SCHEMA_PERSON);
        char buf[32];
        for (int i = 0; rc == ST_OK && i < 9; i++) {
            snprintf(buf, sizeof buf, "NAME %d", i);
            if ((rc = st_entity_add_name(e, buf, i ? ST_NAME_ALIAS : ST_NAME_PRIMARY)) != ST_OK) break;
            if ((rc = st_entity_add_ident(e, "passport", buf, "KP")) != ST_OK) break;
            if ((rc = st_entity_add_wallet(e, "XBT", buf)) != ST_OK) break;
            if ((rc = st_entity_add_address(e, buf)) != ST_OK) break;
            if ((rc = st_entity_add_prop(e, "email", buf)) != ST_OK) break;
            if ((rc = st_entity_add_country(e, i % 2 ? "KP" : "CN")) != ST_OK) break;
            st_pdate d = {(int16_t)(1960 + i), (int16_t)(1960 + i), 0, 0, 0};
            if ((rc = st_entity_add_birth_date(e, d)) != ST_OK) break;
            if ((rc = st_entity_append_remarks(e, buf)) != ST_OK) break;
        }
        st_alloc_fail_after(-1);
        if (rc == ST_OK) saw_ok = 1;
        else {
            assert_int_equal(rc, ST_ENOMEM);
            saw_oom = 1;
            if (e) { /* counts match contents */
                for (size_t i = 0; i < e->n_names; i++) assert_non_null(e->names[i].value);
                for (size_t i = 0; i < e->n_wallets; i++) assert_non_null(e->wallets[i].address);
            }
        }
        st_entity_free(e);
    }
    assert_true(saw_oom);
    assert_true(saw_ok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adders_dedup),
        cmocka_unit_test(test_pdate),
        cmocka_unit_test(test_countries),
        cmocka_unit_test(test_countries_complete),
        cmocka_unit_test(test_adders_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
