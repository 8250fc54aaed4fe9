/* test_server_request.c - request bodies to queries, as data: each case is
 * a body, the HTTP status expected (0: accepted) and a piece of the
 * detail or of the parsed query. */
#include "testutil.h"

#include "core/alloc.h"
#include "server/request.h"

typedef struct match_case {
    const char *body;
    int status;
    const char *expect; /* detail substring, or "names|wallets|ids|dates" summary of the first query */
} match_case;

static const match_case match_cases[] = {
    {"{\"queries\": {\"q1\": {\"schema\": \"Person\", \"properties\": {\"name\": [\"Kim Jong Un\"],"
     " \"birthDate\": [\"1984-01-08\"], \"nationality\": [\"kp\"]}}}}", 0, "Kim Jong Un|-|-|1984-01-08"},
    {"{\"queries\": {\"q1\": {\"schema\": \"Person\", \"properties\": {\"firstName\": \"Jong Un\","
     " \"lastName\": [\"Kim\"]}}}}", 0, "Jong Un Kim|-|-|-"},
    {"{\"queries\": {\"w\": {\"schema\": \"CryptoWallet\", \"properties\": {\"publicKey\":"
     " [\"0x098B716B8Aaf21512996dC57EB0615e2383E2f96\"]}}}}", 0, "-|0x098B716B8Aaf21512996dC57EB0615e2383E2f96|-|-"},
    {"{\"queries\": {\"v\": {\"schema\": \"Vessel\", \"properties\": {\"imoNumber\": \"9114555\"}}}}", 0, "-|-|9114555|-"},
    {"{\"queries\": {\"q\": {\"schema\": \"Person\", \"properties\": {\"address\": [\"1 Main St\"],"
     " \"name\": \"A\"}}}}", 0, "A|-|-|-"},
    {"{\"queries\": {\"q1\": {\"properties\": {\"name\": 5}}}}", 422, "queries.q1.properties.name: expected a string"},
    {"{\"queries\": {\"q1\": {\"properties\": {\"name\": [\"a\", 7]}}}}", 422, "expected a string or an array"},
    {"{\"queries\": {\"q1\": {\"schema\": \"Person\"}}}", 422, "queries.q1"},
    {"{\"queries\": {\"q1\": {\"properties\": {\"birthDate\": \"1960\"}}}}", 422, "nothing to screen"},
    {"{\"queries\": {\"q1\": {\"properties\": {\"name\": [\" \"]}}}}", 422, "nothing to screen"},
    {"{\"queries\": []}", 422, "queries: expected an object"},
    {"{\"queries\": {}}", 422, "no query given"},
    {"{\"q\": 1}", 422, "queries"},
    {"[1, 2]", 422, "top level"},
    {"{\"queries\": ", 400, "line 1"},
    {"", 400, "empty"},
    {"{\"queries\": {\"q1\": {\"schema\": 3, \"properties\": {}}}}", 422, "queries.q1"},
};

static void summarise(const srv_query *q, char *out, size_t n) {
    snprintf(out, n, "%s|%s|%s|%s", q->n_names ? q->names[0] : "-", q->n_wallets ? q->wallets[0] : "-",
             q->n_id_numbers ? q->id_numbers[0] : "-", q->n_birth_dates ? q->birth_dates[0] : "-");
}

static void test_match_cases(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
        const match_case *c = &match_cases[i];
        srv_fail f = {0};
        srv_query *qs = NULL;
        size_t n = 0;
        json_t *body = srv_json_parse(c->body, strlen(c->body), &f);
        int status = body ? srv_match_parse(body, &qs, &n, &f) : f.status;
        if (status != c->status || (status && !strstr(f.detail, c->expect)))
            fail_msg("case %zu: status %d (want %d), detail '%s' (want '%s')", i, status, c->status,
                     status ? f.detail : "", c->expect);
        if (status == 0) {
            char sum[512];
            summarise(&qs[0], sum, sizeof sum);
            if (strcmp(sum, c->expect) != 0) fail_msg("case %zu: parsed '%s', want '%s'", i, sum, c->expect);
        }
        st_free(qs);
        json_decref(body);
    }
}

static void test_limits(void **state) {
    (void)state;
    /* 100 queries pass, 101 are refused; 11 names in one property are refused */
    for (int count = 100; count <= 101; count++) {
        json_t *qs = json_object();
        for (int i = 0; i < count; i++) {
            char k[16];
            snprintf(k, sizeof k, "q%d", i);
            json_object_set_new(qs, k, json_pack("{s:{s:s}}", "properties", "name", "A B"));
        }
        json_t *body = json_pack("{s:o}", "queries", qs);
        srv_fail f = {0};
        srv_query *out = NULL;
        size_t n = 0;
        int st = srv_match_parse(body, &out, &n, &f);
        if (count == 100) {
            assert_int_equal(st, 0);
            assert_int_equal(n, 100);
        } else {
            assert_int_equal(st, 422);
            assert_string_equal(f.error, "too_many_queries");
        }
        st_free(out);
        json_decref(body);
    }
    json_t *names = json_array();
    for (int i = 0; i < 11; i++) json_array_append_new(names, json_string("x"));
    json_t *body = json_pack("{s:{s:{s:{s:o}}}}", "queries", "q", "properties", "name", names);
    srv_fail f = {0};
    srv_query *out = NULL;
    size_t n = 0;
    assert_int_equal(srv_match_parse(body, &out, &n, &f), 422);
    assert_non_null(strstr(f.detail, "more than 10"));
    json_decref(body);
}

static void test_reconcile(void **state) {
    (void)state;
    const char *text = "{\"q0\": {\"query\": \"Ri Won Ho\", \"type\": \"Person\", \"limit\": 3,"
                       " \"properties\": [{\"pid\": \"birthDate\", \"v\": \"1964\"},"
                       " {\"pid\": \"nationality\", \"v\": {\"id\": \"KP\"}}, {\"pid\": \"x\", \"v\": 1}]},"
                       " \"q1\": {\"query\": \"Lazarus Group\", \"type\": [\"Organization\"]}}";
    json_t *qs = json_loads(text, 0, NULL);
    srv_fail f = {0};
    srv_query *out = NULL;
    size_t n = 0;
    assert_int_equal(srv_reconcile_parse(qs, &out, &n, &f), 0);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].names[0], "Ri Won Ho");
    assert_string_equal(out[0].schema, "Person");
    assert_int_equal(out[0].limit, 3);
    assert_string_equal(out[0].birth_dates[0], "1964");
    assert_string_equal(out[0].nationalities[0], "KP");
    assert_string_equal(out[1].schema, "Organization");
    st_free(out);
    json_decref(qs);
    qs = json_loads("{\"q0\": {\"type\": \"Person\"}}", 0, NULL);
    assert_int_equal(srv_reconcile_parse(qs, &out, &n, &f), 422);
    assert_non_null(strstr(f.detail, "queries.q0"));
    json_decref(qs);
}

static void test_subject(void **state) {
    (void)state;
    /* the same person, differently spaced and cased, names in another
     * order: one subject; a different birth date: another */
    srv_query a = {0}, b = {0}, c = {0};
    a.names[0] = "Kim  Jong Un";
    a.names[1] = "KIM JONG-UN";
    a.n_names = 2;
    a.birth_dates[0] = "1984";
    a.n_birth_dates = 1;
    b = a;
    b.names[0] = "kim jong-un";
    b.names[1] = " KIM JONG UN ";
    c = a;
    c.birth_dates[0] = "1983";
    char sa[80], sb[80], sc[80];
    srv_query_subject(&a, sa);
    srv_query_subject(&b, sb);
    srv_query_subject(&c, sc);
    assert_string_equal(sa, sb);
    assert_string_not_equal(sa, sc);
    assert_int_equal(strlen(sa), 2 + 64);
    a.id = "customer-42";
    srv_query_subject(&a, sa);
    assert_string_equal(sa, "customer-42");
}

/* Queries that differ in any field never share a subject: a country
 * alone, a name split differently, a value moved to another field. */
static void test_subject_collisions(void **state) {
    (void)state;
    char s1[80], s2[80];
    srv_query a = {0}, b = {0};
    a.names[0] = "Ri Won Ho";
    a.n_names = 1;
    b = a;
    a.countries[0] = "kp";
    a.n_countries = 1;
    b.countries[0] = "cn";
    b.n_countries = 1;
    srv_query_subject(&a, s1);
    srv_query_subject(&b, s2);
    assert_string_not_equal(s1, s2);
    b.n_countries = 0;
    srv_query_subject(&b, s2);
    assert_string_not_equal(s1, s2);
    /* one name with the separator inside, against two names */
    srv_query one = {0}, two = {0};
    one.names[0] = "Kim Il|Ri Won Ho";
    one.n_names = 1;
    two.names[0] = "Ri Won Ho";
    two.names[1] = "Kim Il";
    two.n_names = 2;
    srv_query_subject(&one, s1);
    srv_query_subject(&two, s2);
    assert_string_not_equal(s1, s2);
    one.names[0] = "Kim Il#Ri Won Ho";
    srv_query_subject(&one, s1);
    assert_string_not_equal(s1, s2);
    /* the same value under another field */
    srv_query n = {0}, w = {0}, id = {0};
    n.names[0] = "1FfmbHfnpaZjKFvyi1okTjJJusN455paPH";
    n.n_names = 1;
    w.wallets[0] = n.names[0];
    w.n_wallets = 1;
    id.id_numbers[0] = n.names[0];
    id.n_id_numbers = 1;
    char s3[80];
    srv_query_subject(&n, s1);
    srv_query_subject(&w, s2);
    srv_query_subject(&id, s3);
    assert_string_not_equal(s1, s2);
    assert_string_not_equal(s1, s3);
    assert_string_not_equal(s2, s3);
    /* the schema counts, and a nationality is not a country */
    a = (srv_query){0};
    a.names[0] = "Lazarus";
    a.n_names = 1;
    b = a;
    a.schema = "Person";
    b.schema = "Organization";
    srv_query_subject(&a, s1);
    srv_query_subject(&b, s2);
    assert_string_not_equal(s1, s2);
    b = a;
    a.nationalities[0] = "kp";
    a.n_nationalities = 1;
    b.countries[0] = "kp";
    b.n_countries = 1;
    srv_query_subject(&a, s1);
    srv_query_subject(&b, s2);
    assert_string_not_equal(s1, s2);
    /* values past the old 8 KiB buffer still count */
    static char longa[SRV_MAX_VALUE_LEN], longb[SRV_MAX_VALUE_LEN];
    memset(longa, 'a', sizeof longa - 1);
    memcpy(longb, longa, sizeof longb);
    a = (srv_query){0};
    for (int i = 0; i < SRV_MAX_VALUES; i++) a.names[i] = longa;
    a.n_names = SRV_MAX_VALUES;
    b = a;
    longb[0] = 'b';
    a.id_numbers[0] = "X1";
    b.id_numbers[0] = "X2";
    a.n_id_numbers = b.n_id_numbers = 1;
    srv_query_subject(&a, s1);
    srv_query_subject(&b, s2);
    assert_string_not_equal(s1, s2);
}

static void test_form(void **state) {
    (void)state;
    const char *body = "x=1&queries=%7B%22q0%22%3A%7B%22query%22%3A%22Kim+Jong%22%7D%7D&y=%zz%4";
    char out[128];
    assert_int_equal(srv_form_value(body, strlen(body), "queries", out, sizeof out), 1);
    assert_string_equal(out, "{\"q0\":{\"query\":\"Kim Jong\"}}");
    assert_int_equal(srv_form_value(body, strlen(body), "y", out, sizeof out), 1);
    assert_string_equal(out, "%zz%4");
    assert_int_equal(srv_form_value(body, strlen(body), "query", out, sizeof out), 0);
    assert_int_equal(srv_form_value(body, strlen(body), "queries", out, 8), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_cases), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_reconcile),   cmocka_unit_test(test_subject),
        cmocka_unit_test(test_form),        cmocka_unit_test(test_subject_collisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
