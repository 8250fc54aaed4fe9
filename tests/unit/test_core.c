/* test_core.c - buffers, maps, CSV reading, allocation failure paths. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Lines the one-pass reading takes (no conversion: flags 0) against the
 * general loop (forced by ST_CSV_CP1252, which changes nothing in ASCII):
 * every record, field, line number and error must agree.  Cases as data:
 * quotes around whole fields, commas inside them, escaped quotes, quotes
 * inside unquoted text, CRLF and lone CRs, trailing commas, 16-byte block
 * edges, too many fields, a newline inside quotes. */
static void csv_dump(const char *in, size_t len, unsigned flags, char *out, size_t cap) {
    st_csv *c;
    st_error err;
    size_t k = 0;
    out[0] = 0;
    assert_int_equal(st_csv_open(&c, in, len, "p.csv", flags), ST_OK);
    for (int rc, guard = 0; (rc = st_csv_next(c, &err)) != 0 && guard < 1000; guard++) {
        if (rc != 1) k += (size_t)snprintf(out + k, cap - k, "E%d@%ld:%s;", rc, err.line, err.msg);
        else {
            k += (size_t)snprintf(out + k, cap - k, "R@%ld:", st_csv_line(c));
            for (size_t i = 0; i < st_csv_nfields(c) && k < cap; i++)
                k += (size_t)snprintf(out + k, cap - k, "[%s]%zu", st_csv_field(c, i), st_csv_field_len(c, i));
            k += (size_t)snprintf(out + k, cap - k, ";");
        }
        assert_true(k < cap);
    }
    st_csv_close(c);
}

static void test_csv_plain_pass_agrees(void **state) {
    (void)state;
    static const char *const cases[] = {
        "a,b,c\n1,2,3\n",
        "h1,h2\n\"x,y\",z\n\"\",\"\"\n",
        "a,\"b\"\"c\",d\n",
        "5'10\",x\nab\"c,d\n",
        "a,b\r\nc,d\r\n",
        "a\rb,c\nd,e\r",
        "a,b,\n,\n,,\n",
        "\"q\"x,y\n\"open,z\nnext,line\n",
        "0123456789abcde,\"0123456789abcdef\",0123456789abcdefg\n0123456789abcd\n",
        "k,\"multi\nline\",v\nw,x,y\n",
        "\"0xddf252ad,0x0000,0x1111\",17,\"\"\n",
        "a,\"b\"\n\"c\",d,e\n",
    };
    char a[8192], b[8192];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (unsigned flags = 0; flags <= ST_CSV_HEADER; flags += ST_CSV_HEADER) {
            csv_dump(cases[i], strlen(cases[i]), flags, a, sizeof a);
            csv_dump(cases[i], strlen(cases[i]), flags | ST_CSV_CP1252, b, sizeof b);
            if (strcmp(a, b)) fail_msg("case %zu flags %u:\n%s\n%s", i, flags, a, b);
        }
    /* 255, 256 and 257 fields: the limit is the general loop's */
    for (int nf = 255; nf <= 257; nf++) {
        char line[1200];
        size_t k = 0;
        for (int f = 0; f < nf; f++) k += (size_t)snprintf(line + k, sizeof line - k, f ? ",%d" : "%d", f % 10);
        line[k++] = '\n';
        csv_dump(line, k, 0, a, sizeof a);
        csv_dump(line, k, ST_CSV_CP1252, b, sizeof b);
        assert_string_equal(a, b);
    }
}

/* The malformed-record rule: an unterminated quote on line 3 costs line 3
 * only; reading resumes on line 4 and every later record comes back. */
static void test_csv_resync_unterminated(void **state) {
    (void)state;
    const char *s = "id,name\n1,Ann\n2,\"Bob,x\n3,Cy\n4,Dee\n";
    st_csv *c;
    st_error err;
    assert_int_equal(st_csv_open(&c, s, strlen(s), "r.csv", ST_CSV_HEADER), ST_OK);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_string_equal(st_csv_field(c, 1), "Ann");
    assert_int_equal(st_csv_next(c, &err), ST_EPARSE);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.file, "r.csv");
    assert_string_equal(err.msg, "unterminated quoted field");
    assert_string_equal(err.record, "");
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_int_equal(st_csv_line(c), 4);
    assert_string_equal(st_csv_field(c, 1), "Cy");
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_int_equal(st_csv_line(c), 5);
    assert_string_equal(st_csv_field(c, 1), "Dee");
    assert_int_equal(st_csv_next(c, &err), 0);
    assert_int_equal(st_csv_malformed(c), 1);
    st_csv_close(c);
}

/* A stray quote that pairs with a later quote: the false "closing" quote is
 * followed by text, which is reported, and reading resumes on the line after
 * the one the bad record started on (not after the line it was caught on). */
static void test_csv_resync_after_quote(void **state) {
    (void)state;
    const char *s = "id,name\n1,\"Ann\n2,Bob\n3,\"Cy\"\n4,\"Dee\"x\n5,E\n";
    st_csv *c;
    st_error err;
    assert_int_equal(st_csv_open(&c, s, strlen(s), "q.csv", ST_CSV_HEADER | ST_CSV_TRIM), ST_OK);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_int_equal(st_csv_next(c, &err), ST_EPARSE);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.msg, "unterminated quoted field (the next quote, on line 4, is followed by 'C')");
    const char *want[] = {"Bob", "Cy"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(st_csv_next(c, &err), 1);
        assert_int_equal(st_csv_line(c), 3 + i);
        assert_string_equal(st_csv_field(c, 1), want[i]);
    }
    assert_int_equal(st_csv_next(c, &err), ST_EPARSE);
    assert_int_equal(err.line, 5);
    assert_string_equal(err.msg, "'x' after a closing quote");
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_string_equal(st_csv_field(c, 0), "5");
    assert_int_equal(st_csv_next(c, &err), 0);
    st_csv_close(c);
}

/* Field count against the header, a multi-line record that is fine, and
 * an over-long record: each bad one reported on its own first line. */
static void test_csv_resync_fields_and_limits(void **state) {
    (void)state;
    st_buf b;
    st_buf_init(&b, (size_t)16 << 20);
    assert_int_equal(st_buf_puts(&b, "a,b\n1,\"two\nlines\"\n2\n3,x,y\n4,"), ST_OK);
    for (size_t i = 0; i < ST_CSV_MAX_RECORD + 10; i++) assert_int_equal(st_buf_putc(&b, 'z'), ST_OK);
    assert_int_equal(st_buf_puts(&b, "\n5,ok\n"), ST_OK);
    st_csv *c;
    st_error err;
    assert_int_equal(st_csv_open(&c, b.data, b.len, "f.csv", ST_CSV_HEADER), ST_OK);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_string_equal(st_csv_field(c, 1), "two\nlines");
    assert_int_equal(st_csv_next(c, &err), ST_EPARSE);
    assert_int_equal(err.line, 4);
    assert_string_equal(err.msg, "1 fields where the header has 2");
    assert_int_equal(st_csv_next(c, &err), ST_EPARSE);
    assert_int_equal(err.line, 5);
    assert_int_equal(st_csv_next(c, &err), ST_ELIMIT);
    assert_int_equal(err.line, 6);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_int_equal(st_csv_line(c), 7);
    assert_string_equal(st_csv_field(c, 1), "ok");
    assert_int_equal(st_csv_next(c, &err), 0);
    assert_int_equal(st_csv_malformed(c), 3);
    st_csv_close(c);
    st_buf_free(&b);
}

/* Formula injection: text that a spreadsheet would run is written as text;
 * quoting is RFC 4180 either way, and VERBATIM leaves sanctrace's own data. */
static void test_csv_write_guard(void **state) {
    (void)state;
    st_buf b;
    st_buf_init(&b, 4096);
    const char *in[] = {"=HYPERLINK(\"http://x\",\"y\")", "+1 302", "-5", "@SUM(A1)", "\tx", "\rx",
                        "plain", "a,b", "say \"hi\"", "", NULL};
    const char *out[] = {"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", "\"'+1 302\"", "\"'-5\"",
                         "\"'@SUM(A1)\"", "\"'\tx\"", "\"'\rx\"", "plain", "\"a,b\"",
                         "\"say \"\"hi\"\"\"", "", ""};
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        st_buf_reset(&b);
        assert_int_equal(st_csv_buf_field(&b, in[i], 0), ST_OK);
        assert_string_equal(b.data ? b.data : "", out[i]);
    }
    st_buf_reset(&b);
    assert_int_equal(st_csv_buf_field(&b, "+1 302", ST_CSV_VERBATIM), ST_OK);
    assert_string_equal(b.data, "+1 302");
    /* the FILE writer is the same rule */
    char *d = st_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/w.csv", d);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(st_csv_write_field(f, "=1+1", 0), ST_OK);
    fclose(f);
    char got[64] = {0};
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(got, sizeof got, f));
    fclose(f);
    assert_string_equal(got, "\"'=1+1\"");
    /* and what it writes reads back as the text it was given, plus the ' */
    st_csv *c;
    st_error err;
    st_buf_reset(&b);
    assert_int_equal(st_csv_buf_field(&b, in[0], 0), ST_OK);
    assert_int_equal(st_csv_open(&c, b.data, b.len, "w", 0), ST_OK);
    assert_int_equal(st_csv_next(c, &err), 1);
    assert_string_equal(st_csv_field(c, 0), "'=HYPERLINK(\"http://x\",\"y\")");
    st_csv_close(c);
    st_buf_free(&b);
    assert_int_equal(st_rm_rf(d), ST_OK);
    free(d);
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

/* A file made for an image and its blocks reserved: zeros of the image's
 * length (where the file system has fallocate), left open, taking a write
 * of the image; one that cannot be made leaves nothing. */
static void test_fs_reserve_tmp(void **state) {
    (void)state;
    char *d = st_test_tmpdir();
    char p[512], tmp[600];
    snprintf(p, sizeof p, "%s/img", d);
    int fd;
    size_t len = 3 * 4096 + 5;
    assert_int_equal(st_file_reserve_tmp(p, len, tmp, sizeof tmp, &fd, NULL), ST_OK);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_true(st.st_size == 0 || st.st_size == (off_t)len);
    unsigned char img[3 * 4096 + 5];
    for (size_t i = 0; i < len; i++) img[i] = (unsigned char)(i * 7);
    assert_int_equal(st_write_all(fd, img, len), 0);
    assert_int_equal(close(fd), 0);
    char *data;
    size_t n;
    assert_int_equal(st_file_read(tmp, len + 1, &data, &n, NULL), ST_OK);
    assert_int_equal(n, len);
    assert_memory_equal(data, img, len);
    st_free(data);
    /* no room for the name, no such folder, more than a file can hold: an
     * error, no file */
    st_error err;
    st_error_clear(&err);
    char small[8];
    assert_int_equal(st_file_reserve_tmp(p, len, small, sizeof small, &fd, &err), ST_ELIMIT);
    assert_int_equal(fd, -1);
    assert_int_equal(st_file_reserve_tmp(p, SIZE_MAX, tmp, sizeof tmp, &fd, &err), ST_ELIMIT);
    assert_int_equal(fd, -1);
    snprintf(p, sizeof p, "%s/missing/img", d);
    assert_int_equal(st_file_reserve_tmp(p, len, tmp, sizeof tmp, &fd, &err), ST_EIO);
    assert_int_equal(fd, -1);
    assert_false(st_path_exists(tmp));
    assert_int_equal(st_rm_rf(d), ST_OK);
    free(d);
}

/* An environment switch is on for a value, off for what reads as "no". */
static void test_env_flag(void **state) {
    (void)state;
    static const char *const on[] = {"1", "yes", "true", "on", "2"};
    static const char *const off[] = {"", "0", "no", "NO", "false", "False", "off", "OFF"};
    unsetenv("ST_TEST_FLAG");
    assert_int_equal(st_env_flag("ST_TEST_FLAG"), 0);
    for (size_t i = 0; i < sizeof on / sizeof *on; i++) {
        setenv("ST_TEST_FLAG", on[i], 1);
        assert_int_equal(st_env_flag("ST_TEST_FLAG"), 1);
    }
    for (size_t i = 0; i < sizeof off / sizeof *off; i++) {
        setenv("ST_TEST_FLAG", off[i], 1);
        assert_int_equal(st_env_flag("ST_TEST_FLAG"), 0);
    }
    unsetenv("ST_TEST_FLAG");
}

/* Dates and times as exports and tag packs write them, to Unix seconds. */
static void test_date_parse(void **state) {
    (void)state;
    static const struct {
        const char *s;
        int64_t t; /* -1: refused */
    } cases[] = {
        {"1970-01-01", 0},
        {"2025-03-21", 1742515200},
        {"2015-07-30T15:26:28Z", 1438269988},
        {"2015-07-30T15:26:28", 1438269988},
        {"2015-07-30 15:26:28 UTC", 1438269988},
        {"2015-07-30 15:26:28.123456 UTC", 1438269988},
        {"2015-07-30T15:26:28+00:00", 1438269988},
        {"2015-08-07 08:31:25+00", 1438936285},
        {"2024-02-29 23:59:59 UTC", 1709251199},
        {"2000-02-29 12:00:00", 951825600},
        {"2100-02-28 23:59:59 UTC", 4107542399},
        {"2023-02-29", -1},
        {"2100-02-29", -1},
        {"2023-04-31", -1},
        {"2015-07-30T15:26:28+09:00", -1},
        {"2015-07-30T15:26", -1},
        {"1969-12-31", -1},
        {"2015-7-30", -1},
        {"20150730", -1},
        {"", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t t = -1;
        int rc = st_date_parse(cases[i].s, &t);
        if (cases[i].t < 0) assert_int_equal(rc, ST_EINVAL);
        else {
            assert_int_equal(rc, ST_OK);
            assert_int_equal(t, cases[i].t);
        }
    }
    assert_int_equal(st_date_parse(NULL, &(int64_t){0}), ST_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_env_flag),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_map_many),
        cmocka_unit_test(test_map_oom),
        cmocka_unit_test(test_csv_quotes_and_lines),
        cmocka_unit_test(test_csv_plain_pass_agrees),
        cmocka_unit_test(test_csv_cp1252),
        cmocka_unit_test(test_csv_resync_unterminated),
        cmocka_unit_test(test_csv_resync_after_quote),
        cmocka_unit_test(test_csv_resync_fields_and_limits),
        cmocka_unit_test(test_csv_write_guard),
        cmocka_unit_test(test_fs_atomic),
        cmocka_unit_test(test_fs_reserve_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
