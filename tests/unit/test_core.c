/* test_core.c - buffers, maps, CSV reading, allocation failure paths. */
#include "testutil.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/fs.h"
#include "core/map.h"

static void test_buf_limit(void **state) {
    (void)state;
    st_buf b;
    st_buf_init(&b, 8);
    assert_int_equal(st_buf_puts(&b, "abcd"), ST_OK);
    assert_int_equal(st_buf_printf(&b, "%d", 123), ST_OK);
    assert_string_equal(b.data, "abcd123");
    assert_int_equal(st_buf_puts(&b, "xy"), ST_ELIMIT);
    assert_string_equal(b.data, "abcd123");
    st_buf_free(&b);
}

static void test_map_many(void **state) {
    (void)state;
    st_map *m;
    assert_int_equal(st_map_new(&m), ST_OK);
    char k[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(k, sizeof k, "key%d", i);
        assert_int_equal(st_map_put(m, k, (size_t)n, (uint64_t)i * 3), ST_OK);
    }
    assert_int_equal(st_map_count(m), 100000);
    uint64_t v;
    assert_true(st_map_get(m, "key777", 6, &v));
    assert_int_equal(v, 2331);
    assert_false(st_map_get(m, "key100000", 9, &v));
    size_t it = 0, n = 0;
    while (st_map_next(m, &it, NULL, NULL, NULL)) n++;
    assert_int_equal(n, 100000);
    st_map_free(m);
}

static void test_map_oom(void **state) {
    (void)state;
    /* every allocation point fails once: no crash, no leak */
    for (long fail = 0; fail < 40; fail++) {
        st_map *m = NULL;
        st_alloc_fail_after(fail);
        int rc = st_map_new(&m);
        if (rc == ST_OK) {
            char k[16];
            for (int i = 0; i < 64; i++) {
                int n = snprintf(k, sizeof k, "k%d", i);
                if (st_map_put(m, k, (size_t)n, 1) != ST_OK) break;
            }
        }
        st_alloc_fail_after(-1);
        st_map_free(m);
    }
}

static void test_csv_quotes_and_lines(void **state) {
    (void)state;
    const char *s = "a,\"b,\"\"c\"\"\",d\r\n\n1,\"multi\nline\",3\n\"open,4\n";
    st_csv *c;
    st_error err;
    st_error_clear(&err);
    assert_int_equal(st_csv_open(&c, s, strlen(s), "t.csv", 0), ST_OK);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_int_equal(st_csv_nfields(c), 3);
    assert_string_equal(st_csv_field(c, 1), "b,\"c\"");
    assert_int_equal(st_csv_line(c), 1);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_string_equal(st_csv_field(c, 1), "multi\nline");
    assert_int_equal(st_csv_line(c), 3);
    assert_int_equal(st_csv_next(c, &err), ST_EPARSE);
    assert_int_equal(err.line, 5);
    assert_string_equal(err.file, "t.csv");
    st_csv_close(c);
}

static void test_csv_cp1252(void **state) {
    (void)state;
    const char s[] = "\"Jos\xe9\",\"\x93q\x94\"\n";
    st_csv *c;
    assert_int_equal(st_csv_open(&c, s, sizeof s - 1, "x", ST_CSV_CP1252), ST_OK);
    assert_int_equal(st_csv_next(c, NULL), 1);
    assert_string_equal(st_csv_field(c, 0), "Jos\xc3\xa9");
    assert_string_equal(st_csv_field(c, 1), "\xe2\x80\x9cq\xe2\x80\x9d");
    assert_int_equal(st_csv_next(c, NULL), 0);
    st_csv_close(c);
}

static void test_fs_atomic(void **state) {
    (void)state;
    char *d = st_test_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/sub/dir", d);
    assert_int_equal(st_mkdir_p(p, NULL), ST_OK);
    strcat(p, "/f.txt");
    assert_int_equal(st_file_write_atomic(p, "hello", 5, NULL), ST_OK);
    char *data;
    size_t len;
    assert_int_equal(st_file_read(p, 100, &data, &len, NULL), ST_OK);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    st_free(data);
    st_error err;
    st_error_clear(&err);
    assert_int_equal(st_file_read(p, 3, &data, &len, &err), ST_ELIMIT);
    /* mapped: the same bytes; over the limit, empty and missing files */
    st_fmap m;
    assert_int_equal(st_file_map(p, 100, &m, NULL), ST_OK);
    assert_int_equal(m.len, 5);
    assert_memory_equal(m.data, "hello", 5);
    st_file_unmap(&m);
    assert_int_equal(st_file_map(p, 3, &m, &err), ST_ELIMIT);
    assert_non_null(strstr(err.msg, "limit"));
    char e[600];
    snprintf(e, sizeof e, "%s/empty", d);
    assert_int_equal(st_file_write_atomic(e, "", 0, NULL), ST_OK);
    assert_int_equal(st_file_map(e, 100, &m, NULL), ST_OK);
    assert_int_equal(m.len, 0);
    st_file_unmap(&m);
    snprintf(e, sizeof e, "%s/missing", d);
    assert_int_equal(st_file_map(e, 100, &m, &err), ST_EIO);
    st_file_unmap(&m);
    assert_int_equal(st_rm_rf(d), ST_OK);
    assert_false(st_path_exists(d));
    free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_map_many),
        cmocka_unit_test(test_map_oom),
        cmocka_unit_test(test_csv_quotes_and_lines),
        cmocka_unit_test(test_csv_cp1252),
        cmocka_unit_test(test_fs_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
