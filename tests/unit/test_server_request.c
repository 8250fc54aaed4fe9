/* test_server_request.c - request bodies to queries, as data: each case is
 * a body, the HTTP status expected (0: accepted) and a piece of the
 * detail or of the parsed query. */
#include <ctype.h>

#include "testutil.h"

#include "core/alloc.h"
#include "sanctrace/screen.h"
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
    {"{\"queries\": {\"q1\": {\"properties\": {\"name\": {\"v\": 5}}}}}", 422, "queries.q1.properties.name: expected a string"},
    {"{\"queries\": {\"q1\": {\"properties\": {\"name\": [\"a\", [7]]}}}}", 422, "expected a string, a number or an array"},
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
    /* numbers are values too (an IMO number, a birth year), alone or in a list; nulls are skipped */
    {"{\"queries\": {\"v\": {\"schema\": \"Vessel\", \"properties\": {\"imoNumber\": 9114555}}}}", 0, "-|-|9114555|-"},
    {"{\"queries\": {\"p\": {\"schema\": \"Person\", \"properties\": {\"name\": [\"Ri Won Ho\", null],"
     " \"birthDate\": [1964]}}}}", 0, "Ri Won Ho|-|-|1964"},
    {"{\"queries\": {\"p\": {\"properties\": {\"idNumber\": [1.5e3]}}}}", 0, "-|-|1500|-"},
    {"{\"queries\": {\"p\": {\"properties\": {\"name\": true}}}}", 422, "expected a string, a number or an array"},
    /* yente's body options: weights taken (and unused), a config parameter refused as yente refuses one */
    {"{\"weights\": {\"name_literal\": 0.8}, \"config\": {}, \"queries\": {\"q\": {\"properties\": {\"name\": \"A\"}}}}", 0, "A|-|-|-"},
    {"{\"config\": {\"nm_number_mismatch\": 0.4}, \"queries\": {\"q\": {\"properties\": {\"name\": \"A\"}}}}", 400,
     "Invalid configuration parameter: nm_number_mismatch"},
    {"{\"queries\": {\"p\": {\"properties\": {\"name\": [{\"a\": 1}]}}}}", 422, "expected a string, a number"},
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
    /* every alias an enricher sends: 200 names of one query pass (aliases
     * and names together), 201 are refused */
    for (int count = SRV_MAX_VALUES; count <= SRV_MAX_VALUES + 1; count++) {
        json_t *names = json_array(), *aliases = json_array();
        for (int i = 0; i < count; i++) json_array_append_new(i % 2 ? aliases : names, json_sprintf("Name %d", i));
        json_t *body = json_pack("{s:{s:{s:{s:o, s:o}}}}", "queries", "q", "properties", "name", names, "alias", aliases);
        srv_fail f = {0};
        srv_query *out = NULL;
        size_t n = 0;
        int st = srv_match_parse(body, &out, &n, &f);
        if (count == SRV_MAX_VALUES) {
            assert_int_equal(st, 0);
            assert_int_equal(out[0].n_names, SRV_MAX_VALUES);
            char subject[80];
            srv_query_subject(&out[0], subject);
            assert_int_equal(strlen(subject), 66);
        } else {
            assert_int_equal(st, 422);
            assert_non_null(strstr(f.detail, "more than 200 values"));
        }
        st_free(out);
        json_decref(body);
    }
    /* the request as a whole: 2,000 values at most (11 queries of 190 names) */
    json_t *qs = json_object();
    for (int k = 0; k < 11; k++) {
        json_t *names = json_array();
        for (int i = 0; i < 190; i++) json_array_append_new(names, json_sprintf("N%d", i));
        char key[16];
        snprintf(key, sizeof key, "q%d", k);
        json_object_set_new(qs, key, json_pack("{s:{s:o}}", "properties", "name", names));
    }
    json_t *body = json_pack("{s:o}", "queries", qs);
    srv_fail f = {0};
    srv_query *out = NULL;
    size_t n = 0;
    assert_int_equal(srv_match_parse(body, &out, &n, &f), 422);
    assert_string_equal(f.error, "too_many_values");
    json_decref(body);
}

/* yente's /match parameters as data: arguments, the status, and what was
 * read (or a piece of the detail). */
typedef struct params_case {
    srv_kv args[4];
    int status;
    const char *expect;
} params_case;

static void params_summary(const srv_match_params *p, char *out, size_t n) {
    snprintf(out, n, "t=%.2f c=%.2f l=%d in=%d ex=%d xs=%d top=%d ids=%d cs=%s", p->threshold, p->cutoff, p->limit,
             p->n_include_dataset, p->n_exclude_dataset, p->n_exclude_schema, p->n_topics,
             p->n_exclude_entity_ids, p->changed_since ? p->changed_since : "-");
}

static const params_case params_cases[] = {
    {{{NULL, NULL}}, 0, "t=0.80 c=0.50 l=5 in=0 ex=0 xs=0 top=0 ids=0 cs=-"},
    /* what nomenklatura's enricher sends: fuzzy is not ours, and ignored */
    {{{"fuzzy", "false"}, {"threshold", "0.7"}}, 0, "t=0.70 c=0.50 l=5"},
    {{{"threshold", "0.4"}, {"cutoff", "0.6"}}, 0, "t=0.40 c=0.40"},
    {{{"limit", "500"}, {"algorithm", " Logic-V2 "}}, 0, "l=500"},
    {{{"limit", "501"}}, 422, "limit: expected a number in [1, 500]"},
    {{{"limit", "2.5"}}, 422, "whole number"},
    {{{"threshold", "x"}}, 422, "threshold"},
    {{{"algorithm", "best"}, {"algorithm", "sanctrace"}}, 0, "l=5"},
    {{{"algorithm", "nope"}}, 400, "Invalid algorithm: nope"},
    {{{"include_dataset", "un"}, {"include_dataset", "ofac"}, {"exclude_dataset", "ofac-cons"}, {"exclude_schema", "Vessel"}},
     0, "in=2 ex=1 xs=1 top=0"},
    {{{"topics", "sanction"}, {"exclude_entity_ids", "ofac:19609"}, {"changed_since", "2026-11-01T10:30"}},
     0, "top=1 ids=1 cs=2026-11-01T10:30"},
    {{{"changed_since", "2026-11-01T10:30:00Z"}}, 422, "changed_since"},
    {{{"changed_since", "26-11-01"}}, 422, "changed_since"},
    {{{"exclude_entity_ids", ""}}, 0, "ids=0"},
};

static void test_match_params(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof params_cases / sizeof params_cases[0]; i++) {
        const params_case *c = &params_cases[i];
        size_t n = 0;
        while (n < 4 && c->args[n].name) n++;
        srv_match_params p;
        srv_fail f = {0};
        int status = srv_match_params_parse(c->args, n, &p, &f);
        char sum[256];
        params_summary(&p, sum, sizeof sum);
        if (status != c->status || !strstr(status ? f.detail : sum, c->expect))
            fail_msg("params case %zu: status %d (want %d), got '%s' (want '%s')", i, status, c->status,
                     status ? f.detail : sum, c->expect);
    }
    /* exclude_entity_ids: 50 pass, 51 are refused (yente's max_length) */
    srv_kv many[51];
    for (int i = 0; i < 51; i++) many[i] = (srv_kv){"exclude_entity_ids", "ofac:1"};
    srv_match_params p;
    srv_fail f = {0};
    assert_int_equal(srv_match_params_parse(many, 50, &p, &f), 0);
    assert_int_equal(p.n_exclude_entity_ids, 50);
    assert_int_equal(srv_match_params_parse(many, 51, &p, &f), 422);
    assert_int_equal(srv_algorithm_known("LOGIC-V1"), 1);
    assert_int_equal(srv_algorithm_known("logic-v3"), 0);
}

/* yente's /search parameters as data: limit 0..500 (0: totals and facets
 * only), offset to 9,499, facets named or refused, filter_op, repeated
 * countries and datasets, /match's parameters read the same way. */
static const params_case search_cases[] = {
    {{{NULL, NULL}}, 0, "s=Thing l=10 o=0 f=7 and=0 c=0 d=0 in=0"},
    {{{"limit", "0"}, {"offset", "9499"}}, 0, "l=0 o=9499"},
    {{{"limit", "501"}}, 422, "limit: expected a number in [0, 500]"},
    {{{"offset", "9500"}}, 422, "offset: expected a number in [0, 9499]"},
    {{{"offset", "1.5"}}, 422, "whole number"},
    {{{"facets", "schema"}, {"facets", "genders"}}, 0, "f=40"},
    {{{"facets", "banana"}}, 422, "facets: expected countries"},
    {{{"filter_op", "AND"}, {"countries", "kp"}, {"countries", "ru"}, {"datasets", "un"}}, 0, "and=1 c=2 d=1"},
    {{{"filter_op", "and"}}, 422, "filter_op"},
    {{{"schema", "Vessel"}, {"include_dataset", "un"}, {"q", "x"}}, 0, "s=Vessel l=10 o=0 f=7 and=0 c=0 d=0 in=1"},
    {{{"threshold", "2"}}, 422, "threshold"},
    {{{"filter", "properties.birthDate"}}, 400, "Invalid filter"},
    {{{"filter", "properties.birthDate:1964"}, {"filter", "schema:Person"}}, 0, "s=Thing"},
};

static void test_search_params(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof search_cases / sizeof search_cases[0]; i++) {
        const params_case *c = &search_cases[i];
        size_t n = 0;
        while (n < 4 && c->args[n].name) n++;
        srv_search_params p;
        srv_fail f = {0};
        int status = srv_search_params_parse(c->args, n, &p, &f);
        char sum[256];
        snprintf(sum, sizeof sum, "s=%s l=%d o=%d f=%d and=%d c=%d d=%d in=%d", p.schema, p.limit, p.offset, p.facets,
                 p.filter_and, p.n_countries, p.n_datasets, p.m.n_include_dataset);
        if (status != c->status || !strstr(status ? f.detail : sum, c->expect))
            fail_msg("search case %zu: status %d (want %d), got '%s' (want '%s')", i, status, c->status,
                     status ? f.detail : sum, c->expect);
    }
}

/* Entity ids in FollowTheMoney's pattern: the same id always the same FtM
 * id, ':' and '_' as '-', anything else hashed, never a byte the pattern
 * refuses. */
static int ftm_id_ok(const char *id) {
    size_t n = strlen(id);
    if (!n || n > ST_FTM_ID_MAX || !isalnum((unsigned char)id[0]) || !isalnum((unsigned char)id[n - 1])) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '.' && id[i] != '-') return 0;
    return 1;
}

static void test_ftm_ids(void **state) {
    (void)state;
    static const struct {
        const char *id, *want;
    } cases[] = {
        {"un:KPi.033", "un-KPi.033"},
        {"ofac:27307", "ofac-27307"},
        {"ofac-cons:123", "ofac-cons-123"},
        {"us_ofac_sdn:NK-abc", "us-ofac-sdn-NK-abc"},
        {"ofac-27307", "ofac-27307"},
        {"ofac:XBT:1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "ofac-XBT-1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
        {"gb_hmt:Ahmad Shah", "gb-hmt-x"},     /* a space: hashed */
        {"un:KPi.033.", "un-x"},                /* ends in '.': hashed */
        {"ru:Иванов", "ru-x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[ST_FTM_ID_MAX + 1], again[ST_FTM_ID_MAX + 1];
        int changed = st_entity_ftm_id(cases[i].id, out);
        if (strncmp(out, cases[i].want, strlen(cases[i].want)) != 0 || !ftm_id_ok(out))
            fail_msg("ftm id of '%s': '%s' (want '%s...')", cases[i].id, out, cases[i].want);
        assert_int_equal(changed, strcmp(out, cases[i].id) != 0);
        st_entity_ftm_id(cases[i].id, again);
        assert_string_equal(out, again);
        st_entity_ftm_id(out, again); /* an FtM id is its own */
        assert_string_equal(out, again);
    }
    char longid[400];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    longid[3] = ':';
    char out[ST_FTM_ID_MAX + 1];
    st_entity_ftm_id(longid, out);
    assert_true(ftm_id_ok(out));
    /* two ids differing only after the hashed part's reach stay apart */
    char a[ST_FTM_ID_MAX + 1], b[ST_FTM_ID_MAX + 1];
    st_entity_ftm_id("x:a b", a);
    st_entity_ftm_id("x:a  b", b);
    assert_string_not_equal(a, b);
}

/* The query echoed as yente does: arrays of trimmed strings, numbers as
 * text, repeats and blanks gone, the name made from its parts added. */
static void test_query_echo(void **state) {
    (void)state;
    const char *text = "{\"queries\": {\"q\": {\"schema\": \"Person\", \"properties\": {\"firstName\": \" Jong  Un \","
                       " \"lastName\": [\"Kim\", \"Kim\", \" \"], \"birthDate\": 1984, \"x\": {\"a\": 1}}}}}";
    srv_fail f = {0};
    json_t *body = srv_json_parse(text, strlen(text), &f);
    srv_query *qs = NULL;
    size_t n = 0;
    assert_int_equal(srv_match_parse(body, &qs, &n, &f), 0);
    json_t *echo = srv_query_echo(json_object_get(json_object_get(body, "queries"), "q"), &qs[0]);
    char *got = json_dumps(echo, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(got, "{\"id\":null,\"properties\":{\"birthDate\":[\"1984\"],\"firstName\":[\"Jong Un\"],"
                             "\"lastName\":[\"Kim\"],\"name\":[\"Jong Un Kim\"]},\"schema\":\"Person\"}");
    free(got);
    json_decref(echo);
    st_free(qs);
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
    /* OpenRefine's batches: a blank cell, a cell with properties only, a
     * numeric cell, several types, an unknown type, a limit above 100 -
     * each parsed, none failing its batch */
    qs = json_loads("{\"blank\": {\"query\": \"  \", \"type\": \"Person\"},"
                    " \"none\": {\"type\": \"Person\"},"
                    " \"props\": {\"properties\": [{\"pid\": \"name\", \"v\": \"Lazarus Group\"},"
                    "   {\"pid\": \"registrationNumber\", \"v\": 12345}]},"
                    " \"num\": {\"query\": 9114555, \"type\": [\"Vessel\", {\"id\": \"Company\", \"name\": \"Company\"}]},"
                    " \"odd\": {\"query\": \"Kim\", \"type\": \"Q5\", \"limit\": 1000}}", 0, NULL);
    assert_int_equal(srv_reconcile_parse(qs, &out, &n, &f), 0);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        const srv_query *q = &out[i];
        if (!strcmp(q->key, "blank") || !strcmp(q->key, "none")) {
            assert_true(srv_query_empty(q));
        } else if (!strcmp(q->key, "props")) {
            assert_string_equal(q->names[0], "Lazarus Group");
            assert_string_equal(q->id_numbers[0], "12345");
        } else if (!strcmp(q->key, "num")) {
            assert_string_equal(q->names[0], "9114555");
            assert_int_equal(q->n_types, 2);
            assert_string_equal(q->types[1], "Company");
            assert_null(q->schema);
        } else {
            assert_string_equal(q->schema, "Q5");
            assert_int_equal(q->limit, 100);
        }
    }
    st_free(out);
    json_decref(qs);
    /* shapes that are wrong still say where */
    const char *bad[] = {"{\"q0\": {\"query\": [\"a\"]}}", "{\"q0\": {\"query\": \"a\", \"type\": 5}}",
                         "{\"q0\": {\"query\": \"a\", \"limit\": \"x\"}}", "{\"q0\": {\"query\": \"a\", \"type\": [1]}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qs = json_loads(bad[i], 0, NULL);
        assert_int_equal(srv_reconcile_parse(qs, &out, &n, &f), 422);
        assert_non_null(strstr(f.detail, "queries.q0"));
        json_decref(qs);
    }
}

/* JSONP callback names: a JavaScript name or dotted path, nothing that
 * could close the call and run more script. */
static void test_callback(void **state) {
    (void)state;
    const char *good[] = {"cb", "jQuery3510_1700000000", "$.ajax._cb", "_", "a1.b2", NULL};
    const char *badn[] = {"", "1cb", "cb()", "alert(1);cb", "cb;", "a..b", ".a", "a.", "a.1", "cb\n",
                          "</script>", "cb-x", "a b", "\xc3\xa9", NULL};
    for (int i = 0; good[i]; i++)
        if (!srv_callback_valid(good[i])) fail_msg("callback '%s' refused", good[i]);
    for (int i = 0; badn[i]; i++)
        if (srv_callback_valid(badn[i])) fail_msg("callback '%s' accepted", badn[i]);
    char longest[SRV_MAX_CALLBACK + 2];
    memset(longest, 'a', sizeof longest);
    longest[SRV_MAX_CALLBACK] = 0;
    assert_true(srv_callback_valid(longest));
    longest[SRV_MAX_CALLBACK] = 'a';
    longest[SRV_MAX_CALLBACK + 1] = 0;
    assert_false(srv_callback_valid(longest));
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
        cmocka_unit_test(test_match_params), cmocka_unit_test(test_query_echo),
        cmocka_unit_test(test_callback),    cmocka_unit_test(test_search_params),
        cmocka_unit_test(test_ftm_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
