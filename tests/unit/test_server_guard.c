/* test_server_guard.c - the rules a request passes before any handler
 * (src/server/guard.c), as data: each case is a request's method, path,
 * headers and body flag, and the status expected (0: let through). */
#include "testutil.h"

#include "server/guard.h"
#include "sanctrace/server.h"

typedef struct guard_case {
    const char *method, *url, *host, *origin, *fetch_site, *fetch_mode, *ctype;
    int has_body, status;
} guard_case;

static const char *const names[] = {"screening.example", "sanctrace.internal."};
static const char *const origins[] = {"https://app.example/", "http://localhost:3000"};

static const guard_case cases[] = {
    /* tools: no Origin, no fetch metadata */
    {"GET", "/healthz", "127.0.0.1:8080", NULL, NULL, NULL, NULL, 0, 0},
    {"GET", "/healthz", "localhost:8080", NULL, NULL, NULL, NULL, 0, 0},
    {"GET", "/healthz", "LOCALHOST.", NULL, NULL, NULL, NULL, 0, 0},
    {"GET", "/healthz", "[::1]:8080", NULL, NULL, NULL, NULL, 0, 0},
    {"GET", "/healthz", "10.1.2.3", NULL, NULL, NULL, NULL, 0, 0},
    {"GET", "/healthz", "screening.example", NULL, NULL, NULL, NULL, 0, 0},
    {"GET", "/healthz", "Screening.Example:443", NULL, NULL, NULL, NULL, 0, 0},
    {"GET", "/healthz", "sanctrace.internal", NULL, NULL, NULL, NULL, 0, 0},
    {"POST", "/match/default", "127.0.0.1", NULL, NULL, NULL, "application/json", 1, 0},
    {"POST", "/match/default", "127.0.0.1", NULL, NULL, NULL, "Application/JSON; charset=utf-8", 1, 0},
    {"POST", "/reconcile", "127.0.0.1", NULL, NULL, NULL, "application/x-www-form-urlencoded", 1, 0},
    {"POST", "/reconcile", "127.0.0.1", NULL, NULL, NULL, NULL, 0, 0},
    /* yente's paths: /reconcile/{dataset} takes OpenRefine's form (queries=, extend=) too */
    {"POST", "/reconcile/un", "127.0.0.1", NULL, NULL, NULL, "application/x-www-form-urlencoded", 1, 0},
    {"POST", "/reconcile/un/suggest/entity", "127.0.0.1", NULL, NULL, NULL, "application/x-www-form-urlencoded", 1, 415},
    {"POST", "/reconciles", "127.0.0.1", NULL, NULL, NULL, "application/x-www-form-urlencoded", 1, 415},
    /* OpenRefine's preview, framed by its page: a navigation */
    {"GET", "/reconcile/default/preview", "127.0.0.1:8080", NULL, "same-site", "navigate", NULL, 0, 0},
    /* DNS rebinding and malformed Host */
    {"GET", "/decisions", "rebind.example:8080", NULL, NULL, NULL, NULL, 0, 421},
    {"GET", "/decisions", "127.0.0.1.rebind.example", NULL, NULL, NULL, NULL, 0, 421},
    {"GET", "/decisions", "evil.localhost", NULL, NULL, NULL, NULL, 0, 421},
    {"GET", "/decisions", "[::1", NULL, NULL, NULL, NULL, 0, 421},
    {"GET", "/decisions", "127.0.0.1:80x", NULL, NULL, NULL, NULL, 0, 421},
    {"GET", "/decisions", "127.1", NULL, NULL, NULL, NULL, 0, 421},
    {"GET", "/decisions", NULL, NULL, NULL, NULL, NULL, 0, 400}, /* HTTP/1.1 without Host */
    /* pages */
    {"POST", "/decisions", "127.0.0.1:8080", "http://127.0.0.1:8080", "same-origin", "cors", "application/json", 1, 0},
    {"POST", "/decisions", "screening.example", "https://screening.example", "same-origin", "cors", "application/json", 1, 0},
    {"POST", "/decisions", "127.0.0.1:8080", "https://app.example", "cross-site", "cors", "application/json", 1, 0},
    {"OPTIONS", "/decisions", "127.0.0.1:8080", "http://localhost:3000", "same-site", "cors", NULL, 0, 0},
    {"POST", "/decisions", "127.0.0.1:8080", "http://evil.example", "cross-site", "cors", "application/json", 1, 403},
    {"POST", "/decisions", "127.0.0.1:8080", "http://127.0.0.1:9999", "same-site", "cors", "application/json", 1, 403},
    {"GET", "/alerts", "127.0.0.1:8080", "null", "cross-site", "cors", NULL, 0, 403},
    {"POST", "/decisions", "127.0.0.1:8080", NULL, "cross-site", "no-cors", "application/json", 1, 403},
    {"GET", "/search/default", "127.0.0.1:8080", NULL, "same-site", "no-cors", NULL, 0, 403},
    {"GET", "/", "127.0.0.1:8080", NULL, "cross-site", "navigate", NULL, 0, 0},
    {"GET", "/", "127.0.0.1:8080", NULL, "none", "navigate", NULL, 0, 0},
    /* bodies a page elsewhere could send without a preflight */
    {"POST", "/decisions", "127.0.0.1", NULL, NULL, NULL, "text/plain", 1, 415},
    {"POST", "/decisions", "127.0.0.1", NULL, NULL, NULL, "application/x-www-form-urlencoded", 1, 415},
    {"POST", "/match/default", "127.0.0.1", NULL, NULL, NULL, "multipart/form-data; boundary=x", 1, 415},
    {"POST", "/match/default", "127.0.0.1", NULL, NULL, NULL, "application/jsonp", 1, 415},
    {"POST", "/match/default", "127.0.0.1", NULL, NULL, NULL, NULL, 1, 415},
};

static void test_cases(void **state) {
    (void)state;
    srv_guard_cfg cfg = {names, 2, origins, 2};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const guard_case *c = &cases[i];
        srv_guard_req q = {c->method, c->url, 1, c->host, c->origin, c->fetch_site, c->fetch_mode,
                           c->ctype, c->has_body};
        srv_guard_fail f = {0};
        int got = srv_guard_check(&q, &cfg, &f);
        if (got != c->status)
            fail_msg("case %zu (%s %s Host %s Origin %s): %d, want %d (%s)", i, c->method, c->url,
                     c->host ? c->host : "-", c->origin ? c->origin : "-", got, c->status, f.detail);
    }
}

static void test_http10_without_host(void **state) {
    (void)state;
    srv_guard_cfg cfg = {NULL, 0, NULL, 0};
    srv_guard_req q = {"GET", "/healthz", 0, NULL, NULL, NULL, NULL, NULL, 0};
    srv_guard_fail f;
    assert_int_equal(srv_guard_check(&q, &cfg, &f), 0);
}

static void test_origin_valid(void **state) {
    (void)state;
    assert_true(st_server_origin_valid("https://app.example"));
    assert_true(st_server_origin_valid("http://localhost:3000/"));
    assert_true(st_server_origin_valid("http://[::1]:3000"));
    assert_false(st_server_origin_valid("*"));
    assert_false(st_server_origin_valid("https://*.example"));
    assert_false(st_server_origin_valid("https://app.example/path"));
    assert_false(st_server_origin_valid("app.example"));
    assert_false(st_server_origin_valid("null"));
    assert_false(st_server_origin_valid("https://"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_http10_without_host),
        cmocka_unit_test(test_origin_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
