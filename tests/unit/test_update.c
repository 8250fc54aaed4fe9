/*
 * test_update.c - st_update, the library's update, with the download path
 * exercised through a fetch callback that serves the real list files from
 * ../shared/data (as the command line's libcurl callback would serve the
 * official sites): accepted sources, a failed download refused by name, a
 * truncated download refused with the previous entities kept, and the
 * usage errors.
 */
#include "testutil.h"

#include <ctype.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "sanctrace/update.h"

typedef struct served {
    const char *dir;      /* files served by their lower-case official names */
    int truncate_sdn;     /* serve only the first lines of sdn.csv */
    int calls;
} served;

static int serve(void *ctx, const char *url, const char *path, st_error *err) {
    served *s = ctx;
    s->calls++;
    const char *base = strrchr(url, '/');
    char name[256], src[4096];
    size_t i = 0;
    for (base = base ? base + 1 : url; base[i] && i + 1 < sizeof name; i++) name[i] = (char)tolower((unsigned char)base[i]);
    name[i] = 0;
    snprintf(src, sizeof src, "%s/%s", s->dir, name);
    char *data = NULL;
    size_t len = 0;
    if (st_file_read(src, (size_t)1 << 30, &data, &len, NULL) != ST_OK)
        return st_error_set(err, ST_ENET, "download of %s failed: HTTP 404", url);
    if (s->truncate_sdn && !strcasecmp(name, "sdn.csv")) {
        size_t lines = 0, k = 0;
        while (k < len && lines < 20) lines += data[k++] == '\n';
        len = k;
    }
    int rc = st_file_write_atomic(path, data, len, err);
    st_free(data);
    return rc;
}

static char *sources_dir(void) {
    char *d = st_test_tmpdir(), data[1024], cmd[4096];
    snprintf(data, sizeof data, "%.1000s", st_test_data("lists"));
    snprintf(cmd, sizeof cmd, "cp %.1000s/un-2026-02-27/consolidated.xml %.1000s/ofac-sdn-2021-07/*.csv %.1000s/",
             data, data, d);
    assert_int_equal(system(cmd), 0);
    return d;
}

static void test_update_download(void **state) {
    (void)state;
    char *src = sources_dir(), *home = st_test_tmpdir();
    served sv = {src, 0, 0};
    st_update_opts o = {0};
    o.data_dir = home;
    o.fetch = serve;
    o.fetch_ctx = &sv;
    st_update_report *r = NULL;
    st_error err;
    st_error_clear(&err);
    assert_int_equal(st_update(&o, &r, &err), ST_OK);
    assert_non_null(r);
    assert_true(r->written && r->downloaded);
    /* the UN file, four SDN files, and the first consolidated file: a set
     * one of whose files failed is not downloaded further */
    assert_int_equal(sv.calls, 6);
    assert_int_equal(r->src[0].status, ST_UPDATE_UPDATED); /* un */
    assert_int_equal(r->src[1].status, ST_UPDATE_UPDATED); /* ofac */
    assert_int_equal(r->src[2].status, ST_UPDATE_REFUSED); /* ofac-cons: not served */
    assert_non_null(strstr(r->src[2].reason, "HTTP 404"));
    assert_false(r->src[2].previous_kept);
    assert_int_equal(r->n_updated, 2);
    assert_int_equal(r->n_refused, 1);
    assert_true(r->n_entities > 8000);
    size_t first = r->n_entities;
    char v1[64];
    snprintf(v1, sizeof v1, "%s", r->version);
    st_update_report_free(r);

    /* a truncated SDN download: refused, its entities carried over */
    sv.truncate_sdn = 1;
    o.sources = "un,ofac";
    assert_int_equal(st_update(&o, &r, &err), ST_OK);
    assert_true(r->written);
    assert_string_equal(r->previous, v1);
    assert_int_equal(r->src[1].status, ST_UPDATE_KEPT);
    assert_true(r->src[1].refused && r->src[1].previous_kept);
    assert_non_null(strstr(r->src[1].reason, "more than half"));
    assert_int_equal(r->n_entities, first);
    assert_int_equal(r->removed, 0);
    st_update_report_free(r);

    /* nothing readable: no snapshot, the note says what stays current */
    served none = {"/nonexistent", 0, 0};
    o.fetch_ctx = &none;
    o.sources = NULL;
    assert_int_equal(st_update(&o, &r, &err), ST_OK);
    assert_false(r->written);
    assert_non_null(strstr(r->note, "stays current"));
    st_update_report_free(r);

    /* usage errors */
    o.sources = "un,nope";
    assert_int_equal(st_update(&o, &r, &err), ST_EUSAGE);
    assert_null(r);
    assert_non_null(strstr(err.msg, "nope"));
    o.sources = NULL;
    o.fetch = NULL;
    assert_int_equal(st_update(&o, &r, &err), ST_EUSAGE);
    st_update_report_free(r);
    st_rm_rf(src);
    st_rm_rf(home);
    free(src);
    free(home);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_download),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
