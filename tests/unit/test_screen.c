/* test_screen.c - screening on a real snapshot built from the UN list:
 * Korean spellings, attribute steps, weak aliases, identifiers, scores that
 * do not depend on the threshold or limit, attribute bonuses that need the
 * name, thread safety of one snapshot, and every allocation
 * failure of a query. */
#include "testutil.h"

#include <pthread.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "lists/parse.h"
#include "lists/store.h"
#include "sanctrace/screen.h"
#include "un_snapshot.h"

static char *home;
static st_snapshot *snap;

static int setup(void **state) {
    (void)state;
    home = st_test_tmpdir();
    st_store_result res;
    st_error err;
    if (un_snapshot_write(home, &res) != 0) return -1;
    return st_snapshot_open(home, &snap, &err) == ST_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    st_snapshot_release(snap);
    st_rm_rf(home);
    free(home);
    return 0;
}

static const st_match *find(const st_match *m, size_t n, const char *id) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(m[i].entity->id, id)) return &m[i];
    return NULL;
}

static void test_korean_spellings(void **state) {
    (void)state;
    const char *q[] = {"Ri Pyong Chol", "Lee Byeong-cheol", "Yi Byung Chul", "리병철", "Rhee Pyongchol"};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        st_query qq = {.name = q[i], .schema = "Person"};
        st_match *m;
        size_t n;
        assert_int_equal(st_screen(snap, &qq, NULL, &m, &n, NULL), ST_OK);
        const st_match *hit = find(m, n, "un:KPi.076");
        if (!hit || !hit->match) fail_msg("'%s' should match un:KPi.076", q[i]);
        assert_non_null(json_object_get(hit->explanation, "name"));
        st_matches_free(m, n);
    }
}

static void test_attributes_move_the_score(void **state) {
    (void)state;
    /* KPi.076's listed birth year, read from the list itself */
    const st_entity *e = st_snapshot_find(snap, "un:KPi.076");
    assert_non_null(e);
    assert_true(e->n_birth_dates > 0);
    char same[16], other[16];
    snprintf(same, sizeof same, "%d", e->birth_dates[0].year);
    snprintf(other, sizeof other, "%d", e->birth_dates[0].year + 20);
    st_query a = {.name = "Ri Pyong Chol", .birth_date = same};
    st_query b = {.name = "Ri Pyong Chol", .birth_date = other};
    st_screen_opts lo = {.threshold = 0.0, .limit = 50};
    st_match *ma, *mb;
    size_t na, nb;
    assert_int_equal(st_screen(snap, &a, &lo, &ma, &na, NULL), ST_OK);
    assert_int_equal(st_screen(snap, &b, &lo, &mb, &nb, NULL), ST_OK);
    const st_match *ha = find(ma, na, "un:KPi.076"), *hb = find(mb, nb, "un:KPi.076");
    assert_non_null(ha);
    assert_non_null(hb);
    assert_true(ha->score > hb->score);
    json_t *steps = json_object_get(hb->explanation, "steps");
    assert_true(json_array_size(steps) >= 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(steps, 0), "feature")), "birth_date");
    st_matches_free(ma, na);
    st_matches_free(mb, nb);
}

static void test_schema_and_nothing_to_screen(void **state) {
    (void)state;
    st_query q = {.name = "Ri Pyong Chol", .schema = "Vessel"};
    st_match *m;
    size_t n;
    assert_int_equal(st_screen(snap, &q, NULL, &m, &n, NULL), ST_OK);
    assert_null(find(m, n, "un:KPi.076"));
    st_matches_free(m, n);
    st_query empty = {.name = ""};
    st_error err;
    st_error_clear(&err);
    assert_int_equal(st_screen(snap, &empty, NULL, &m, &n, &err), ST_EINVAL);
    assert_non_null(strstr(err.msg, "nothing to screen"));
}

static void test_identifier(void **state) {
    (void)state;
    /* the first entity with an identifier of at least 6 letters and digits */
    const st_entity *e = NULL;
    const char *idv = NULL;
    for (size_t i = 0; i < st_snapshot_count(snap) && !e; i++) {
        const st_entity *x = st_snapshot_entity(snap, i);
        for (size_t k = 0; k < x->n_idents; k++)
            if (strlen(x->idents[k].value) >= 6) { e = x; idv = x->idents[k].value; break; }
    }
    assert_non_null(e);
    st_query q = {.id_number = idv};
    st_match *m;
    size_t n;
    assert_int_equal(st_screen(snap, &q, NULL, &m, &n, NULL), ST_OK);
    assert_non_null(find(m, n, e->id));
    st_matches_free(m, n);
}

/* Screen q with threshold thr (<0: default) and limit lim; the caller frees. */
static size_t screen_at(const st_query *q, double thr, size_t lim, st_match **m) {
    st_screen_opts o = {.threshold = thr, .limit = lim};
    size_t n = 0;
    assert_int_equal(st_screen(snap, q, &o, m, &n, NULL), ST_OK);
    return n;
}

static void test_threshold_never_changes_a_score(void **state) {
    (void)state;
    /* the two queries (0.80 and "match" at --threshold 0, from
       nothing but a birth-year step), and ordinary ones with attributes */
    const st_query qs[] = {
        {.name = "Ramimakhlouf"},
        {.name = "惠珍 林", .birth_date = "1963"},
        {.name = "惠珍 林", .birth_date = "1975"},
        {.name = "KIMCHOLNAM", .nationality = "LY"},
        {.name = "Ri Pyong Chol", .birth_date = "1948", .nationality = "KP"},
        {.name = "Kim Jae-min", .nationality = "KR", .schema = "Person"},
        {.name = "Mohammed Omar", .country = "AF"},
        {.name = "Abdul Rauf", .birth_date = "1970"},
    };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        st_match *full, *dflt, *few, *high;
        size_t nfull = screen_at(&qs[i], 0, 100, &full);
        size_t nd = screen_at(&qs[i], -1, 0, &dflt);
        size_t nfew = screen_at(&qs[i], 0.5, 3, &few);
        size_t nhigh = screen_at(&qs[i], 0.95, 10, &high);
        /* every answer is the one full list, cut at a score and a count */
        const struct { st_match *m; size_t n; double thr; size_t lim; } cuts[] = {
            {dflt, nd, ST_DEFAULT_THRESHOLD, 10}, {few, nfew, 0.5, 3}, {high, nhigh, 0.95, 10}};
        for (size_t c = 0; c < 3; c++) {
            size_t want = 0;
            while (want < nfull && want < cuts[c].lim && full[want].score >= cuts[c].thr) want++;
            if (cuts[c].n != want)
                fail_msg("'%s': %zu results at threshold %.2f limit %zu, %zu expected", qs[i].name, cuts[c].n,
                         cuts[c].thr, cuts[c].lim, want);
            for (size_t k = 0; k < want; k++) {
                assert_ptr_equal(cuts[c].m[k].entity, full[k].entity);
                assert_true(cuts[c].m[k].score == full[k].score);
                assert_int_equal(cuts[c].m[k].match, full[k].match);
            }
        }
        for (size_t k = 0; k < nfull; k++) assert_int_equal(full[k].match, full[k].score >= ST_DEFAULT_THRESHOLD);
        if (i < 3)
            for (size_t k = 0; k < nfull; k++)
                if (full[k].match)
                    fail_msg("'%s' must not match %s (%s) at threshold 0: score %.3f", qs[i].name,
                             full[k].entity->id, full[k].entity->caption, full[k].score);
        st_matches_free(full, nfull);
        st_matches_free(dflt, nd);
        st_matches_free(few, nfew);
        st_matches_free(high, nhigh);
    }
}

/* A slip of a listed person's name (two letters dropped) that screens
 * against it, alone, at a score in [lo, hi); NULL when none. */
static const st_entity *find_slip(double lo, double hi, char *query, size_t cap, double *score) {
    for (size_t i = 0; i < st_snapshot_count(snap); i++) {
        const st_entity *x = st_snapshot_entity(snap, i);
        size_t len = strlen(x->caption);
        if (x->schema != ST_SCHEMA_PERSON || !x->n_birth_dates || !x->birth_dates[0].day || !x->n_nationalities ||
            len < 8 || len >= cap)
            continue;
        for (size_t cut = 1; cut + 2 < len; cut++) {
            if (x->caption[cut] == ' ' || x->caption[cut - 1] == ' ') continue;
            snprintf(query, cap, "%.*s%s", (int)cut, x->caption, x->caption + cut + 2);
            st_query q = {.name = query};
            st_match *m;
            size_t n = screen_at(&q, 0, 100, &m);
            const st_match *h = find(m, n, x->id);
            int ok = h && h->score >= lo && h->score < hi;
            if (ok) *score = h->score;
            st_matches_free(m, n);
            if (ok) return x;
        }
    }
    return NULL;
}

/* Screen q; the result for e (must be there), its steps checked: every
 * step's effect is 0 with "not counted" when withheld, else positive. */
static void check_steps(const st_query *q, const st_entity *e, int withheld, double *score, int *match) {
    st_match *m;
    size_t n = screen_at(q, 0, 100, &m), k;
    const st_match *h = find(m, n, e->id);
    assert_non_null(h);
    *score = h->score;
    *match = h->match;
    json_t *steps = json_object_get(h->explanation, "steps"), *st;
    assert_true(json_array_size(steps) >= 1);
    json_array_foreach(steps, k, st) {
        double effect = json_real_value(json_object_get(st, "effect"));
        const char *why = json_string_value(json_object_get(st, "why"));
        if (withheld ? effect != 0 || !strstr(why, "not counted") : effect <= 0)
            fail_msg("'%s' against %s: step %s %.3f '%s'", q->name, e->id,
                     json_string_value(json_object_get(st, "feature")), effect, why);
    }
    st_matches_free(m, n);
}

static void test_attribute_bonuses_need_the_name(void **state) {
    (void)state;
    char query[256], year[16], full[32], low[256];
    double name = 0, name_low = 0, score;
    int match;
    /* a slip scoring under the match line, but not far under */
    const st_entity *e = find_slip(0.70, ST_DEFAULT_THRESHOLD, query, sizeof query, &name);
    assert_non_null(e);
    print_message("'%s' against %s (%s): name score %.3f\n", query, e->id, e->caption, name);
    const st_pdate *d = &e->birth_dates[0];
    snprintf(year, sizeof year, "%d", d->year);
    snprintf(full, sizeof full, "%04d-%02d-%02d", d->year, d->month, d->day);
    /* the same birth year, nationality and country: listed, not counted */
    st_query q = {.name = query, .birth_date = year, .nationality = e->nationalities[0],
                  .country = e->nationalities[0]};
    check_steps(&q, e, 1, &score, &match);
    if (match || score != name)
        fail_msg("'%s' + birth year, nationality, country: %.3f%s, want the name's %.3f", query, score,
                 match ? " and a match" : "", name);
    /* the same full birth date, one day in some 20,000, counts from 0.70 */
    st_query qf = {.name = query, .birth_date = full};
    check_steps(&qf, e, 0, &score, &match);
    assert_true(score > name + 0.079 && score < name + 0.081);
    /* ...and not under 0.70 */
    const st_entity *e2 = find_slip(0.50, 0.70, low, sizeof low, &name_low);
    assert_non_null(e2);
    d = &e2->birth_dates[0];
    snprintf(full, sizeof full, "%04d-%02d-%02d", d->year, d->month, d->day);
    st_query ql = {.name = low, .birth_date = full, .nationality = e2->nationalities[0]};
    check_steps(&ql, e2, 1, &score, &match);
    assert_false(match);
    assert_true(score == name_low);
    /* the name alone a match: the bonuses count */
    st_query exact = {.name = e->caption, .birth_date = year, .nationality = e->nationalities[0]};
    check_steps(&exact, e, 0, &score, &match);
    assert_true(match);
}

typedef struct { int ok; } thread_arg;

static void *screen_thread(void *arg) {
    thread_arg *t = arg;
    t->ok = 1;
    for (int i = 0; i < 200; i++) {
        st_query q = {.name = i % 2 ? "Lee Byeong-cheol" : "Kim Jae-min"};
        st_match *m;
        size_t n;
        if (st_screen(snap, &q, NULL, &m, &n, NULL) != ST_OK) t->ok = 0;
        if (i % 2 && !find(m, n, "un:KPi.076")) t->ok = 0;
        st_matches_free(m, n);
    }
    return NULL;
}

static void test_threads_share_a_snapshot(void **state) {
    (void)state;
    pthread_t t[4];
    thread_arg a[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, screen_thread, &a[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_true(a[i].ok);
    }
}

static void test_allocation_failures(void **state) {
    (void)state;
    /* fail each allocation of one query in turn: an error or a result, never a crash or leak */
    int failures = 0;
    for (long k = 0; k < 400; k++) {
        st_query q = {.name = "Lee Byeong-cheol", .birth_date = "1948", .nationality = "KP"};
        st_match *m = NULL;
        size_t n = 0;
        st_alloc_fail_after(k);
        int rc = st_screen(snap, &q, NULL, &m, &n, NULL);
        st_alloc_fail_after(-1);
        if (rc != ST_OK) { assert_int_equal(rc, ST_ENOMEM); failures++; }
        st_matches_free(m, n);
    }
    assert_true(failures > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_korean_spellings),
        cmocka_unit_test(test_attributes_move_the_score),
        cmocka_unit_test(test_schema_and_nothing_to_screen),
        cmocka_unit_test(test_identifier),
        cmocka_unit_test(test_threshold_never_changes_a_score),
        cmocka_unit_test(test_attribute_bonuses_need_the_name),
        cmocka_unit_test(test_threads_share_a_snapshot),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
