/* test_screen_image.c - a snapshot opened from its screening image answers
 * exactly as the same snapshot rebuilt from entities.jsonl (real UN list,
 * Korean deck variants, innocents, attributes, identifiers, wallets), and
 * a damaged, truncated, foreign or stale image is never trusted: the
 * snapshot is rebuilt, the answers stay the same, the image is rewritten. */
#include "testutil.h"

#include <pthread.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "lists/parse.h"
#include "lists/store.h"
#include "sanctrace/eval.h"
#include "sanctrace/screen.h"
#include "screen/image.h"
#include "un_snapshot.h"

static char *home;
static char img_path[4200];
static st_snapshot *rebuilt; /* opened with no image: built from entities.jsonl */

static int setup(void **state) {
    (void)state;
    home = st_test_tmpdir();
    st_store_result res;
    st_error err;
    if (un_snapshot_write(home, &res) != 0) return -1;
    snprintf(img_path, sizeof img_path, "%s/snapshots/%s/" SCREEN_IMAGE_FILE, home, res.version);
    if (st_path_exists(img_path)) return -1; /* st_store_write does not make one */
    if (st_snapshot_open(home, &rebuilt, &err) != ST_OK || screen_snapshot_uses_image(rebuilt)) return -1;
    return st_path_exists(img_path) ? 0 : -1; /* ... the first open does */
}

static int teardown(void **state) {
    (void)state;
    st_snapshot_release(rebuilt);
    st_rm_rf(home);
    free(home);
    return 0;
}

/* The queries both snapshots answer: Korean deck variants of the list's
 * person names, innocents, and attribute, identifier and wallet queries
 * made from the list's own entities. */
typedef struct qset {
    st_deck var, inn;
    st_query *q;
    size_t n;
    char **own; /* strings the queries borrow */
    size_t nown;
} qset;

static void qset_make(qset *s) {
    memset(s, 0, sizeof *s);
    size_t ne = st_snapshot_count(rebuilt);
    const char **names = malloc(ne * sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < ne; i++) {
        const st_entity *e = st_snapshot_entity(rebuilt, i);
        if (e->schema == ST_SCHEMA_PERSON && e->n_names) names[nn++] = e->names[0].value;
    }
    assert_int_equal(st_deck_variants(names, nn, 11, &s->var), ST_OK);
    assert_int_equal(st_deck_innocents(300, 11, &s->inn), ST_OK);
    free(names);
    size_t cap = 400 + 300 + 3 * ne;
    s->q = calloc(cap, sizeof *s->q);
    for (size_t i = 0; i < s->var.n && s->n < 400; i += 1 + s->var.n / 400)
        s->q[s->n++] = (st_query){.name = s->var.items[i].name};
    for (size_t i = 0; i < s->inn.n; i++) s->q[s->n++] = (st_query){.name = s->inn.items[i].name};
    for (size_t i = 0; i < ne; i += 7) {
        const st_entity *e = st_snapshot_entity(rebuilt, i);
        if (e->n_names)
            s->q[s->n++] = (st_query){.name = e->names[e->n_names - 1].value, .birth_date = "1960",
                                      .nationality = "KP", .schema = st_schema_name(e->schema)};
        if (e->n_idents) s->q[s->n++] = (st_query){.id_number = e->idents[0].value, .dataset = "un"};
        if (e->n_wallets) s->q[s->n++] = (st_query){.wallet = e->wallets[0].address};
    }
}

static void qset_free(qset *s) {
    st_deck_free(&s->var);
    st_deck_free(&s->inn);
    free(s->q);
}

/* Every query gives the same matches, scores, names and explanations. */
static void assert_same_answers(st_snapshot *a, st_snapshot *b, const qset *qs) {
    size_t matched = 0;
    for (size_t i = 0; i < qs->n; i++) {
        st_match *ma, *mb;
        size_t na, nb;
        st_screen_opts o = {.threshold = 0.5, .limit = 20};
        assert_int_equal(st_screen(a, &qs->q[i], &o, &ma, &na, NULL), ST_OK);
        assert_int_equal(st_screen(b, &qs->q[i], &o, &mb, &nb, NULL), ST_OK);
        assert_int_equal(na, nb);
        for (size_t k = 0; k < na; k++) {
            assert_string_equal(ma[k].entity->id, mb[k].entity->id);
            assert_true(ma[k].score == mb[k].score);
            assert_string_equal(ma[k].name, mb[k].name);
            assert_true(json_equal(ma[k].explanation, mb[k].explanation));
        }
        matched += na > 0;
        st_matches_free(ma, na);
        st_matches_free(mb, nb);
    }
    assert_true(matched > qs->n / 4); /* the comparison is not vacuous */
}

static st_snapshot *open_ok(int want_image) {
    st_snapshot *s;
    st_error err;
    st_error_clear(&err);
    assert_int_equal(st_snapshot_open(home, &s, &err), ST_OK);
    assert_int_equal(screen_snapshot_uses_image(s), want_image);
    return s;
}

static void test_image_answers_like_rebuild(void **state) {
    (void)state;
    st_snapshot *img = open_ok(1);
    assert_int_equal(st_snapshot_count(img), st_snapshot_count(rebuilt));
    assert_string_equal(st_snapshot_version(img), st_snapshot_version(rebuilt));
    /* every entity parsed on demand equals the one parsed up front */
    for (size_t i = 0; i < st_snapshot_count(img); i++) {
        char *x = st_entity_to_jsonl(st_snapshot_entity(img, i));
        char *y = st_entity_to_jsonl(st_snapshot_entity(rebuilt, i));
        assert_string_equal(x, y);
        assert_ptr_equal(st_snapshot_find(img, st_snapshot_entity(rebuilt, i)->id), st_snapshot_entity(img, i));
        st_free(x);
        st_free(y);
    }
    assert_null(st_snapshot_entity(img, st_snapshot_count(img)));
    assert_null(st_snapshot_find(img, "un:no-such-id"));
    qset qs;
    qset_make(&qs);
    assert_true(qs.n > 700);
    assert_same_answers(rebuilt, img, &qs);
    qset_free(&qs);
    st_snapshot_release(img);
}

/* Damage the image with fn, open: rebuilt, same answers; open again: the
 * rewritten image is used. */
static void damaged(void (*fn)(char *data, size_t *len)) {
    char *data;
    size_t len;
    assert_int_equal(st_file_read(img_path, (size_t)1 << 30, &data, &len, NULL), ST_OK);
    fn(data, &len);
    assert_int_equal(st_file_write_atomic(img_path, data, len, NULL), ST_OK);
    st_free(data);
    st_snapshot *s = open_ok(0);
    qset qs;
    qset_make(&qs);
    qs.n = 300; /* a Korean share and innocents are enough here */
    assert_same_answers(rebuilt, s, &qs);
    qset_free(&qs);
    st_snapshot_release(s);
    st_snapshot_release(open_ok(1));
}

static void flip_body(char *d, size_t *n) { d[*n - *n / 3] ^= 0x20; }
static void flip_index(char *d, size_t *n) { d[*n - 100] ^= 1; }
static void truncate_half(char *d, size_t *n) { (void)d; *n /= 2; }
static void truncate_header(char *d, size_t *n) { (void)d; *n = 40; }
static void empty(char *d, size_t *n) { (void)d; *n = 0; }
static void other_build(char *d, size_t *n) { (void)n; d[16] ^= 1; /* inside the build stamp */ }
static void garbage(char *d, size_t *n) {
    for (size_t i = 0; i < *n; i++) d[i] = (char)(i * 131 + 7);
}

static void test_damaged_images_are_rebuilt(void **state) {
    (void)state;
    damaged(flip_body);
    damaged(flip_index);
    damaged(truncate_half);
    damaged(truncate_header);
    damaged(empty);
    damaged(other_build);
    damaged(garbage);
}

static void test_image_of_another_entities_file(void **state) {
    (void)state;
    /* an image from another snapshot's entities.jsonl is refused: copy
     * this one's image beside a one-entity snapshot */
    char *home2 = st_test_tmpdir(), *data;
    size_t len;
    st_entity *e;
    assert_int_equal(st_entity_new(&e, "un:X1", "un", ST_SCHEMA_PERSON), ST_OK);
    assert_int_equal(st_entity_add_name(e, "Ri Pyong Chol", ST_NAME_PRIMARY), ST_OK);
    json_t *sources = json_pack("{s:{s:i}}", "un", "entities", 1);
    st_store_result res;
    assert_int_equal(st_store_write(home2, &e, 1, sources, &res, NULL), ST_OK);
    json_decref(sources);
    st_entity_free(e);
    char p2[4200];
    snprintf(p2, sizeof p2, "%s/snapshots/%s/" SCREEN_IMAGE_FILE, home2, res.version);
    assert_int_equal(st_file_read(img_path, (size_t)1 << 30, &data, &len, NULL), ST_OK);
    assert_int_equal(st_file_write_atomic(p2, data, len, NULL), ST_OK);
    st_free(data);
    st_snapshot *s;
    assert_int_equal(st_snapshot_open(home2, &s, NULL), ST_OK);
    assert_int_equal(screen_snapshot_uses_image(s), 0);
    assert_int_equal(st_snapshot_count(s), 1);
    st_snapshot_release(s);
    st_rm_rf(home2);
    free(home2);
}

/* Threads share a fresh image snapshot: forms and entities are filled in
 * on first use by whichever thread comes first; every thread must see the
 * same answers as the rebuilt snapshot. */
typedef struct img_thread {
    st_snapshot *s;
    const qset *qs;
    size_t from;
    int ok;
} img_thread;

static void *img_thread_run(void *arg) {
    img_thread *t = arg;
    t->ok = 1;
    for (size_t k = 0; k < 150; k++) {
        const st_query *q = &t->qs->q[(t->from + k * 7) % t->qs->n];
        st_match *ma, *mb;
        size_t na, nb;
        if (st_screen(t->s, q, NULL, &ma, &na, NULL) != ST_OK) { t->ok = 0; continue; }
        if (st_screen(rebuilt, q, NULL, &mb, &nb, NULL) != ST_OK) { st_matches_free(ma, na); t->ok = 0; continue; }
        if (na != nb) t->ok = 0;
        for (size_t i = 0; i < na && i < nb; i++)
            if (strcmp(ma[i].entity->id, mb[i].entity->id) || ma[i].score != mb[i].score) t->ok = 0;
        st_matches_free(ma, na);
        st_matches_free(mb, nb);
    }
    return NULL;
}

static void test_threads_share_an_image(void **state) {
    (void)state;
    st_snapshot *s = open_ok(1);
    qset qs;
    qset_make(&qs);
    pthread_t t[4];
    img_thread a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (img_thread){s, &qs, (size_t)i * 3, 0};
        pthread_create(&t[i], NULL, img_thread_run, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_true(a[i].ok);
    }
    qset_free(&qs);
    st_snapshot_release(s);
}

static void test_image_allocation_failures(void **state) {
    (void)state;
    /* a query on a fresh image snapshot parses entities and expands forms
     * on first use: fail each allocation in turn */
    int failures = 0;
    for (long k = 0; k < 300; k++) {
        st_snapshot *s = open_ok(1);
        st_query q = {.name = "Lee Byeong-cheol", .birth_date = "1948", .nationality = "KP"};
        st_match *m = NULL;
        size_t n = 0;
        st_alloc_fail_after(k);
        int rc = st_screen(s, &q, NULL, &m, &n, NULL);
        st_alloc_fail_after(-1);
        if (rc != ST_OK) { assert_int_equal(rc, ST_ENOMEM); failures++; }
        st_matches_free(m, n);
        st_snapshot_release(s);
        if (rc == ST_OK && k > 50) break;
    }
    assert_true(failures > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_answers_like_rebuild),
        cmocka_unit_test(test_damaged_images_are_rebuilt),
        cmocka_unit_test(test_image_of_another_entities_file),
        cmocka_unit_test(test_threads_share_an_image),
        cmocka_unit_test(test_image_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
