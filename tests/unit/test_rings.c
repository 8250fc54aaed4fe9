/* test_rings.c - identity rings: normalisers, readers with malformed rows,
 * linking and clustering (strangers through an agency, operations,
 * duplicates of one person, bridges), indicators, order independence, and
 * figures on real and synthetic data with truth computed here. */
#include "testutil.h"

#include <math.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/fs.h"
#include "core/map.h"
#include "rings/rings_int.h"
#include "sanctrace/rings.h"

/* ---- normalisers ---------------------------------------------------------- */

static void check_email(const char *in, const char *want) {
    char out[256];
    size_t n = rg_norm_email(in, out, sizeof out);
    if (!want) { assert_int_equal(n, 0); return; }
    assert_true(n > 0);
    assert_string_equal(out, want);
}

static void test_norm_email(void **state) {
    (void)state;
    check_email("J.Smith+jobs@Gmail.com", "jsmith@gmail.com");
    check_email("j.s.mith@googlemail.com", "jsmith@gmail.com");
    check_email("John.Smith+x@outlook.com", "john.smith@outlook.com"); /* Outlook keeps dots */
    check_email("a.b+c@example.org", "a.b+c@example.org");           /* unknown provider: untouched */
    check_email("Maria Sentosa<msentosa@fmail.com>", "mariasentosamsentosa@fmail.com");
    check_email("mailto:X@Y.io", "x@y.io");
    check_email("no-at-sign", NULL);
    check_email("@nolocal.com", NULL);
    check_email("x@nodot", NULL);
}

static void check_phone(const char *in, const char *region, const char *want) {
    char out[64];
    size_t n = rg_norm_phone(in, region, out, sizeof out);
    if (!want) { assert_int_equal(n, 0); return; }
    assert_true(n > 0);
    assert_string_equal(out, want);
}

static void test_norm_phone(void **state) {
    (void)state;
    check_phone("(212) 555-0134", "US", "+12125550134");
    check_phone("1-212-555-0134", "US", "+12125550134");
    check_phone("+1 212 555 0134", "DE", "+12125550134");
    check_phone("0044 20 7946 0018", NULL, "+442079460018");
    check_phone("020 7946 0018", "GB", "+442079460018"); /* trunk 0 dropped */
    check_phone("06 1234 5678", "IT", "+390612345678");   /* Italy keeps its 0 */
    check_phone("011 44 20 7946 0018", "US", "+442079460018");
    check_phone("702-919-1300 ext 12", "US", "+17029191300");
    check_phone("555-0134", "US", NULL);                   /* too short */
    check_phone("2125550134", NULL, NULL);                 /* national, no region */
    check_phone("+850 2 381 5926", NULL, "+85023815926");
    assert_true(rg_phone_is_voip("+445612345678"));
    assert_false(rg_phone_is_voip("+442079460018"));
}

static void test_norm_misc(void **state) {
    (void)state;
    char out[256];
    assert_true(rg_norm_address("123 Main Street, Apt. 4", out, sizeof out));
    assert_string_equal(out, "123 main st apt 4");
    assert_true(rg_norm_address("123 MAIN ST APARTMENT 4", out, sizeof out));
    assert_string_equal(out, "123 main st apt 4");
    assert_true(rg_norm_ip(" 203.0.113.77 ", out, sizeof out));
    assert_string_equal(out, "203.0.113.0/24");
    assert_int_equal(rg_norm_ip("256.1.1.1", out, sizeof out), 0);
    assert_true(rg_norm_ip("2001:db8:85a3:1:2:3:4:5", out, sizeof out));
    assert_string_equal(out, "2001:db8:85a3:1::/64");
    char cc[3];
    int crypto;
    assert_true(rg_norm_payment("IBAN: de89 3704 0044 0532 0130 00", out, sizeof out, cc, &crypto));
    assert_string_equal(out, "iban:DE89370400440532013000");
    assert_string_equal(cc, "DE");
    assert_false(crypto);
    assert_true(rg_norm_payment("0x098B716B8Aaf21512996dC57EB0615e2383E2f96", out, sizeof out, cc, &crypto));
    assert_string_equal(out, "eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96");
    assert_true(crypto);
    assert_true(rg_norm_payment("XBT:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", out, sizeof out, cc, &crypto));
    assert_string_equal(out, "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    assert_true(crypto);
    assert_true(rg_norm_date("19831024", out, sizeof out));
    assert_string_equal(out, "1983-10-24");
    assert_true(rg_norm_date("12/11/1978", out, sizeof out));
    assert_string_equal(out, "1978-12-11");
    assert_true(rg_norm_date("3/1/70", out, sizeof out));
    assert_string_equal(out, "1970-03-01");
    assert_true(rg_norm_date("24-May-11", out, sizeof out));
    assert_string_equal(out, "2011-05-24");
    assert_true(rg_norm_date("Mar 1 1970", out, sizeof out));
    assert_string_equal(out, "1970-03-01");
    assert_int_equal(rg_norm_date("19729518", out, sizeof out), 0); /* month 95 */
    uint64_t h[4];
    assert_true(rg_norm_pdq("0x" "f0f0f0f0f0f0f0f0" "0123456789abcdef" "0000000000000000" "ffffffffffffffff", h));
    assert_true(h[0] == 0xf0f0f0f0f0f0f0f0ULL && h[3] == UINT64_MAX);
    assert_false(rg_norm_pdq("abc", h));
    assert_int_equal(rg_country("Korea, North", cc), 1);
    assert_string_equal(cc, "KP");
    assert_int_equal(rg_country("DEU", cc), 1);
    assert_string_equal(cc, "DE");
    assert_int_equal(rg_country("Korea", cc), 1); /* applicants mean the South */
    assert_string_equal(cc, "KR");
    assert_int_equal(rg_country("Atlantis", cc), 0);
    assert_true(rg_calling_table_ok());
    assert_string_equal(rg_calling_code("KP"), "850");
    assert_null(rg_calling_code("XX"));
    assert_int_equal(rg_country_in_text("Kim Chaek University of Technology, Pyongyang, DPRK", cc), 1);
    assert_string_equal(cc, "KP");
    assert_int_equal(rg_country_in_text("BSc, University of Manila in the Philippines", cc), 1);
    assert_string_equal(cc, "PH");
    assert_int_equal(rg_country_in_text("studied in us and in it", cc), 0); /* codes are not names */
    assert_true(fabs(rg_jaro_winkler("martha", "marhta") - 0.9611) < 0.001); /* the textbook value */
}

static void test_tz_offsets(void **state) {
    (void)state;
    int m = 0;
    assert_true(rg_tz_offset_minutes(NULL, "Asia/Seoul", &m));
    assert_int_equal(m, 540);
    assert_true(rg_tz_offset_minutes(NULL, "America/New_York", &m));
    assert_int_equal(m, -300);
    assert_true(rg_tz_offset_minutes(NULL, "Asia/Kolkata", &m));
    assert_int_equal(m, 330);
    assert_true(rg_tz_offset_minutes(NULL, "UTC+9", &m));
    assert_int_equal(m, 540);
    assert_false(rg_tz_offset_minutes(NULL, "../etc/passwd", &m));
    assert_false(rg_tz_offset_minutes(NULL, "Mars/Olympus", &m));
}

/* A row is taken whole or not at all: a rejected row (a good photo hash
 * then a bad one; a bad hour after good fields) leaves every shared
 * vector as it was, and so does a row that runs out of memory anywhere. */
static void test_rejected_row_leaves_nothing(void **state) {
    (void)state;
    st_rings *r;
    st_error err;
    st_rings_opts o = {0};
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    const char *good[RG_NCOLS] = {0};
    good[RG_C_ID] = "a1";
    good[RG_C_NAME] = "Ann Lee";
    good[RG_C_PHOTO] = "f0f0f0f0f0f0f0f00123456789abcdef0000000000000000ffffffffffffffff";
    good[RG_C_EMAIL] = "ann@example.org";
    good[RG_C_RESUME] = "ten years of embedded C, rust and go; remote work from anywhere";
    assert_int_equal(rg_record_add(r, good, "t", 2, &err), ST_OK);
    size_t recs = r->recs.len, pdq = r->pdq.len, vals = r->vals.len, sigs = r->sigs.len;
    const char *bad_photo[RG_NCOLS] = {0};
    bad_photo[RG_C_ID] = "a2";
    bad_photo[RG_C_EMAIL] = "bob@example.org";
    bad_photo[RG_C_PHOTO] = "1111111111111111111111111111111111111111111111111111111111111111;nothex";
    assert_int_equal(rg_record_add(r, bad_photo, "t", 3, &err), ST_EPARSE);
    assert_non_null(strstr(err.msg, "photo_hash"));
    const char *bad_hours[RG_NCOLS] = {0};
    bad_hours[RG_C_ID] = "a3";
    bad_hours[RG_C_PHOTO] = "2222222222222222222222222222222222222222222222222222222222222222";
    bad_hours[RG_C_HOURS] = "1;2;25";
    assert_int_equal(rg_record_add(r, bad_hours, "t", 4, &err), ST_EPARSE);
    assert_int_equal(r->recs.len, recs);
    assert_int_equal(r->pdq.len, pdq);
    assert_int_equal(r->vals.len, vals);
    assert_int_equal(r->sigs.len, sigs);
    /* out of memory at every allocation of a full row: nothing half-added */
    const char *full[RG_NCOLS] = {0};
    full[RG_C_ID] = "a4";
    full[RG_C_NAME] = "Kim Jong Su";
    full[RG_C_PHOTO] = "3333333333333333333333333333333333333333333333333333333333333333";
    full[RG_C_RESUME] = "senior blockchain developer, solidity and react, five years";
    full[RG_C_PHONE] = "+1 555 0100";
    full[RG_C_PAYMENT] = "0x1111111111111111111111111111111111111111";
    for (long n = 0; n < 40; n++) {
        size_t recs0 = r->recs.len, pdq0 = r->pdq.len, vals0 = r->vals.len, sigs0 = r->sigs.len;
        st_alloc_fail_after(n);
        int rc = rg_record_add(r, full, "t", 5, &err);
        st_alloc_fail_after(-1);
        if (rc == ST_OK) break;
        assert_int_equal(rc, ST_ENOMEM);
        assert_int_equal(r->recs.len, recs0);
        assert_int_equal(r->pdq.len, pdq0);
        assert_int_equal(r->vals.len, vals0);
        assert_int_equal(r->sigs.len, sigs0);
    }
    assert_int_equal(r->recs.len, recs + 1);
    st_rings_free(r);
}

static void test_name_key(void **state) {
    (void)state;
    st_rings *r;
    st_error err;
    st_rings_opts o = {0};
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    char out[256], out2[256];
    /* the order and the hyphen of a Korean name do not matter */
    rg_name_key(r, "KIM Jong-un", out, sizeof out);
    rg_name_key(r, "Jong Un Kim", out2, sizeof out2);
    assert_string_equal(out, out2);
    rg_name_key(r, "Müller, José", out, sizeof out);
    assert_string_equal(out, "jose muller");
    rg_name_key(r, "김정은", out, sizeof out); /* Hangul through ICU */
    assert_true(strlen(out) > 0);
    for (const char *p = out; *p; p++) assert_true(*p == ' ' || (*p >= 'a' && *p <= 'z'));
    st_rings_free(r);
}

/* ---- readers ----------------------------------------------------------------- */

typedef struct warns {
    int n;
    long lines[16];
    char msg[16][256];
} warns;

static void collect(void *ctx, const st_error *e) {
    warns *w = ctx;
    if (w->n < 16) {
        w->lines[w->n] = e->line;
        snprintf(w->msg[w->n], sizeof w->msg[0], "%.200s", e->msg);
    }
    w->n++;
}

static st_rings *run_text(const char *text, warns *w) {
    st_rings *r;
    st_error err;
    st_rings_opts o = {0};
    o.warn = collect;
    o.warn_ctx = w;
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    assert_int_equal(st_rings_add_buffer(r, text, strlen(text), "test", &err), ST_OK);
    assert_int_equal(st_rings_run(r, &err), ST_OK);
    return r;
}

static void test_csv_malformed(void **state) {
    (void)state;
    const char *csv =
        "id,name,login_hours_utc,photo_hash\n"
        "a1,Ann One,1;2,\n"            /* line 2 ok */
        "a2,Bob Two,25,\n"             /* line 3: hour out of range */
        "a3,Cy Three\n"                /* line 4: too few fields */
        ",No Id,,\n"                   /* line 5: no id */
        "a5,Dee Five,,zz\n"            /* line 6: bad photo hash */
        "\"a6,\"Eve\n"                 /* line 7: bad quoting */
        "a7,Fay Seven,3,\n";           /* line 8 ok */
    warns w = {0};
    st_rings *r = run_text(csv, &w);
    assert_int_equal(st_rings_count(r), 2);
    assert_int_equal(st_rings_rejected(r), 5);
    assert_int_equal(w.n, 5);
    assert_int_equal(w.lines[0], 3);
    assert_non_null(strstr(w.msg[0], "login_hours_utc"));
    assert_int_equal(w.lines[1], 4);
    assert_non_null(strstr(w.msg[1], "fields"));
    assert_int_equal(w.lines[2], 5);
    assert_int_equal(w.lines[3], 6);
    assert_non_null(strstr(w.msg[3], "photo_hash"));
    assert_int_equal(w.lines[4], 7);
    st_rings_free(r);
}

/* Error records reach the caller whole: every field of the st_error a
 * warning carries is set (the record text once came from uninitialised
 * stack, and the sanitizer build printed garbage bytes as the record).
 * The stack is dirtied first so stale bytes would show in the text. */
typedef struct warn_texts {
    int n;
    char text[8][600];
} warn_texts;

static void collect_text(void *ctx, const st_error *e) {
    warn_texts *w = ctx;
    if (w->n < 8) st_error_format(e, w->text[w->n], sizeof w->text[0]);
    w->n++;
}

static __attribute__((noinline)) void dirty_stack(void) {
    volatile char junk[32768];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = 'Z';
}

static void test_csv_error_text(void **state) {
    (void)state;
    static const struct {
        const char *csv;
        int n, count;
        const char *text[3];
    } cases[] = {
        /* the quote runs to the end of the file */
        {"id,name\nm1,Ann\nm2,\"Bob\n", 1, 1, {"bad.csv:3: unterminated quoted field"}},
        /* every kind of malformed record, each followed by a good one */
        {"id,name\nm1,Ann\nm2,\"Bob\nm3,Cy\nm4,\"Dee\"x\nm5,Eve,extra\nm6,Fay\n", 3, 3,
         {"bad.csv:3: unterminated quoted field (the next quote, on line 5, is followed by 'D')",
          "bad.csv:5: 'x' after a closing quote",
          "bad.csv:6: 3 fields where the header has 2"}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        st_rings *r;
        st_error err;
        st_error_clear(&err);
        warn_texts w = {0};
        st_rings_opts o = {0};
        o.warn = collect_text;
        o.warn_ctx = &w;
        assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
        dirty_stack();
        assert_int_equal(st_rings_add_buffer(r, cases[k].csv, strlen(cases[k].csv), "bad.csv", &err), ST_OK);
        for (int i = 0; i < cases[k].n && i < w.n; i++) assert_string_equal(w.text[i], cases[k].text[i]);
        assert_int_equal(w.n, cases[k].n);
        /* the records after each bad one are all there */
        assert_int_equal(st_rings_count(r), cases[k].count);
        assert_int_equal(st_rings_rejected(r), (size_t)cases[k].n);
        st_rings_free(r);
    }
}

/* The file: 1,000 applicants, an unterminated quote on line 10:
 * one record lost, 999 read. */
static void test_csv_resync_keeps_the_rest(void **state) {
    (void)state;
    st_buf b;
    st_buf_init(&b, 1 << 20);
    st_buf_puts(&b, "id,name,country\n");
    for (int l = 2; l <= 1001; l++) {
        if (l == 10) st_buf_printf(&b, "c%04d,\"Open Quote,US\n", l);
        else st_buf_printf(&b, "c%04d,Person %d,US\n", l, l);
    }
    st_rings *r;
    st_error err;
    warns w = {0};
    st_rings_opts o = {0};
    o.warn = collect;
    o.warn_ctx = &w;
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    assert_int_equal(st_rings_add_buffer(r, b.data, b.len, "cust.csv", &err), ST_OK);
    assert_int_equal(st_rings_count(r), 999);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.lines[0], 10);
    st_rings_free(r);
    st_buf_free(&b);
}

static void test_csv_no_id_column(void **state) {
    (void)state;
    st_rings *r;
    st_error err;
    st_rings_opts o = {0};
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    const char *csv = "name,email\nA,a@b.co\n";
    assert_int_equal(st_rings_add_buffer(r, csv, strlen(csv), "noid.csv", &err), ST_EPARSE);
    assert_non_null(strstr(err.msg, "id"));
    assert_int_equal(err.line, 1);
    st_rings_free(r);
}

static void test_jsonl_malformed(void **state) {
    (void)state;
    const char *js =
        "{\"id\": \"j1\", \"name\": \"Ann\", \"email\": [\"a@x.io\", \"b@x.io\"], \"login_hours_utc\": [1, 2, 3]}\n"
        "{\"id\": \"j2\", \"name\": \n"                 /* line 2: broken JSON */
        "[1, 2]\n"                                      /* line 3: not an object */
        "{\"id\": \"j4\", \"name\": {\"x\": 1}}\n"      /* line 4: object as a field */
        "\n"
        "{\"id\": 42, \"name\": \"Numeric id\"}\n"      /* line 6: numbers become text */
        "{\"id\": \"j7\"} trailing\n";                  /* line 7: bytes after the object */
    warns w = {0};
    st_rings *r = run_text(js, &w);
    assert_int_equal(st_rings_count(r), 2);
    assert_int_equal(w.n, 4);
    assert_int_equal(w.lines[0], 2);
    assert_int_equal(w.lines[1], 3);
    assert_int_equal(w.lines[2], 4);
    assert_int_equal(w.lines[3], 7);
    json_t *res = st_rings_result(r);
    assert_non_null(res);
    json_t *recs = json_object_get(res, "records");
    assert_int_equal(json_array_size(recs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "id")), "42");
    json_decref(res);
    st_rings_free(r);
}

/* ---- linking and clustering --------------------------------------------------- */

static const char *HDR = "id,name,email,phone,phone_type,address,country,nationality,birth_date,employer,education,"
                         "ip,device_id,payment_account,shipping_address,photo_hash,resume_text,timezone,login_hours_utc\n";

/* ring id of a record in a result, NULL for singletons */
static const char *ring_of(json_t *res, const char *id) {
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(res, "records"), i, x)
        if (!strcmp(json_string_value(json_object_get(x, "id")), id)) return json_string_value(json_object_get(x, "ring"));
    fail_msg("record %s missing", id);
    return NULL;
}

static const char *level_of(json_t *res, const char *id) {
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(res, "records"), i, x)
        if (!strcmp(json_string_value(json_object_get(x, "id")), id)) return json_string_value(json_object_get(x, "level"));
    return NULL;
}

static void test_strangers_not_chained_by_agency(void **state) {
    (void)state;
    /* 40 strangers recruited by one agency: same home or shipping address,
     * same coworking /24, same big employer; nothing else in common. */
    char *buf = st_malloc(1 << 16);
    size_t n = (size_t)snprintf(buf, 1 << 16, "%s", HDR);
    static const char *given[] = {"alice", "bruno", "chen", "dara", "emeka", "farah", "goran", "hana"};
    static const char *sur[] = {"ng", "okafor", "petrov", "quinn", "rossi"};
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(buf + n, (1 << 16) - n,
                              "s%02d,%s %s,%s.%s%d@mail.com,+1 415 555 %04d,mobile,\"%s\",US,US,19%02d-0%d-1%d,Amazon,State University,"
                              "198.51.100.%d,dev-%d,bank:%09d,\"%s\",,,America/Los_Angeles,17;18;19\n",
                              i, given[i % 8], sur[i / 8], given[i % 8], sur[i / 8], i, 1000 + i,
                              i % 2 ? "500 Commerce Plaza Suite 200, Springfield" : "12 Own Road",
                              60 + i % 30, 1 + i % 9, i % 10, 10 + i, i, 100000 + i,
                              i % 2 ? "" : "500 Commerce Plaza Suite 200, Springfield");
    warns w = {0};
    st_rings *r = run_text(buf, &w);
    assert_int_equal(w.n, 0);
    assert_int_equal(st_rings_count(r), 40);
    json_t *res = st_rings_result(r);
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "s%02d", i);
        assert_null(ring_of(res, id));
        assert_string_not_equal(level_of(res, id), "high");
    }
    assert_int_equal(json_array_size(json_object_get(res, "rings")), 0);
    json_decref(res);
    st_rings_free(r);
    st_free(buf);
}

/* An operation: five personas, shared payouts/devices/laptop farm, VoIP,
 * Korean hours; plus one person entered twice; plus a stranger. */
static const char *OPERATION_CSV =
    "o1,Daniel Brooks,dbrooks@gmail.com,+1 302 555 0101,voip,1 Elm St Dover,US,US,1990-01-02,,,,devA,usdt:TQ1111111111111111111111111111111,77 Farm Rd Camden,,,America/New_York,0;1;2;3;4;5\n"
    "o2,Maria Lopez,m.lopez@outlook.com,+1 302 555 0102,voip,2 Oak St Dover,US,JP,1988-05-06,,,,devA,usdt:TQ1111111111111111111111111111111,77 Farm Rd Camden,,,America/New_York,1;2;3;4;6\n"
    "o3,Kevin Wu,kevinwu@proton.me,+1 302 555 0103,voip,3 Pine St Dover,US,US,1992-03-04,,,,devB,iban:CN1234567890123456789,77 Farm Road Camden,,,America/Chicago,0;2;4;6;8\n"
    "o4,Sara Ahmed,sara.a@gmail.com,+1 302 555 0104,mobile,4 Lake St Dover,US,SG,1991-07-08,,,,devB,usdt:TQ1111111111111111111111111111111,,,,America/New_York,0;1;2;3\n"
    "o5,Tom Hale,tomhale@yahoo.com,+1 302 555 0104,voip,5 Hill St Dover,US,US,1987-09-10,,,,devC,iban:CN1234567890123456789,77 Farm Rd Camden,,,America/New_York,2;3;4;5;6\n"
    "d1,Grace Miller,grace.miller@gmail.com,+1 617 555 0199,mobile,9 Bay St Boston,US,US,1985-11-12,Acme,,,,,,,,America/New_York,13;14;15;16\n"
    "d2,Grace Miller,gmiller85@yahoo.com,,mobile,9 Bay Street Boston,US,US,1985-11-12,Acme,,,,,,,,America/New_York,14;15;16\n"
    "x1,Ivan Stranger,ivan@mail.ru,+7 495 555 0100,mobile,Tverskaya 1 Moscow,RU,RU,1970-01-01,,,,devZ,,,,,Europe/Moscow,6;7;8;9\n";

static void test_operation_and_duplicates(void **state) {
    (void)state;
    char buf[8192];
    snprintf(buf, sizeof buf, "%s%s", HDR, OPERATION_CSV);
    warns w = {0};
    st_rings *r = run_text(buf, &w);
    assert_int_equal(w.n, 0);
    json_t *res = st_rings_result(r);
    const char *op = ring_of(res, "o1");
    assert_non_null(op);
    for (int i = 2; i <= 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "o%d", i);
        assert_string_equal(ring_of(res, id), op);
        assert_string_equal(level_of(res, id), "high");
    }
    const char *dup = ring_of(res, "d1");
    assert_non_null(dup);
    assert_string_equal(ring_of(res, "d2"), dup);
    assert_string_not_equal(dup, op);
    assert_string_not_equal(level_of(res, "d1"), "high");
    assert_null(ring_of(res, "x1"));
    /* the rings say what they are */
    size_t i;
    json_t *ring;
    int seen_op = 0, seen_dup = 0;
    json_array_foreach(json_object_get(res, "rings"), i, ring) {
        const char *first = json_string_value(json_object_get(json_array_get(json_object_get(ring, "indicators"), 0), "indicator"));
        if (!strcmp(json_string_value(json_object_get(ring, "ring")), op)) {
            assert_string_equal(first, "multiple_personas");
            assert_true(json_array_size(json_object_get(ring, "evidence")) > 0);
            seen_op = 1;
        } else {
            assert_string_equal(first, "same_person_duplicates");
            seen_dup = 1;
        }
    }
    assert_true(seen_op && seen_dup);
    /* Korean hours seen on o1: 00-05 UTC against New York */
    json_t *x;
    int kh = 0;
    json_array_foreach(json_object_get(res, "records"), i, x) {
        if (strcmp(json_string_value(json_object_get(x, "id")), "o1")) continue;
        size_t k;
        json_t *in;
        json_array_foreach(json_object_get(x, "indicators"), k, in)
            kh |= !strcmp(json_string_value(json_object_get(in, "indicator")), "korean_hours");
    }
    assert_true(kh);
    json_decref(res);
    st_rings_free(r);
}

static void test_bridge_cut(void **state) {
    (void)state;
    /* two groups of four personas each share a payout account and a device
     * among themselves; b1 (of group B) also shares one phone with a4 (of
     * group A): a single strong value joining two dense groups. */
    const char *csv =
        "id,name,phone,device_id,payment_account,country\n"
        "a1,Amy Ash,,dA,acct:AAA111,US\n"
        "a2,Ben Birch,,dA,acct:AAA111,US\n"
        "a3,Cal Cedar,,dA,acct:AAA111,US\n"
        "a4,Dot Dogwood,+1 212 555 0100,dA,acct:AAA111,US\n"
        "b1,Eve Elm,+1 212 555 0100,dB,acct:BBB222,US\n"
        "b2,Fay Fir,,dB,acct:BBB222,US\n"
        "b3,Gus Gum,,dB,acct:BBB222,US\n"
        "b4,Hal Hazel,,dB,acct:BBB222,US\n";
    warns w = {0};
    st_rings *r = run_text(csv, &w);
    json_t *res = st_rings_result(r);
    const char *ra = ring_of(res, "a1"), *rb = ring_of(res, "b2");
    assert_non_null(ra);
    assert_non_null(rb);
    assert_string_not_equal(ra, rb);
    assert_string_equal(ring_of(res, "a4"), ra);
    assert_string_equal(ring_of(res, "b1"), rb);
    json_decref(res);
    st_rings_free(r);
}

static void test_photo_and_resume_near(void **state) {
    (void)state;
    /* p1/p2: photo hashes 20 bits apart; q1/q2: résumés one word apart;
     * z: unrelated photo and résumé */
    const char *csv =
        "id,name,photo_hash,resume_text\n"
        "p1,Pia One,0f0f0f0f0f0f0f0f123456789abcdef00000000000000000ffffffffffffffff,\n"
        "p2,Pat Two,0f0f0f0f0f0f0f0f123456789abcdef0000000000000ffffffffffffffffffff,\n"
        "q1,Quin One,,senior backend engineer with nine years in golang kafka and postgres built the payment ledger of a fintech "
        "startup and scaled it to millions of users led a team of five engineers shipped fraud detection with gradient boosting "
        "migrated monolith to kubernetes on aws cut latency by half mentored juniors ran incident reviews wrote design docs\n"
        "q2,Quin Two,,senior backend engineer with nine years in golang kafka and postgres built the payment ledger of a fintech "
        "startup and scaled it to millions of users led a team of six engineers shipped fraud detection with gradient boosting "
        "migrated monolith to kubernetes on aws cut latency by half mentored juniors ran incident reviews wrote design docs\n"
        "z1,Zed Zero,a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5,gardening cooking travel photography\n";
    warns w = {0};
    st_rings *r = run_text(csv, &w);
    json_t *res = st_rings_result(r);
    assert_non_null(ring_of(res, "p1"));
    assert_string_equal(ring_of(res, "p1"), ring_of(res, "p2"));
    assert_non_null(ring_of(res, "q1"));
    assert_string_equal(ring_of(res, "q1"), ring_of(res, "q2"));
    assert_null(ring_of(res, "z1"));
    json_decref(res);
    st_rings_free(r);
}

/* Same rows in a different order give the same document. */
static void test_order_independence(void **state) {
    (void)state;
    char a[8192], b[8192];
    snprintf(a, sizeof a, "%s%s", HDR, OPERATION_CSV);
    /* reverse the data lines */
    const char *lines[16];
    size_t nl = 0;
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", OPERATION_CSV);
    char *save;
    for (char *l = strtok_r(copy, "\n", &save); l && nl < 16; l = strtok_r(NULL, "\n", &save)) lines[nl++] = l;
    size_t n = (size_t)snprintf(b, sizeof b, "%s", HDR);
    for (size_t i = nl; i-- > 0;) n += (size_t)snprintf(b + n, sizeof b - n, "%s\n", lines[i]);
    warns w = {0};
    st_rings *ra = run_text(a, &w), *rb = run_text(b, &w);
    json_t *ja = st_rings_result(ra), *jb = st_rings_result(rb);
    assert_true(json_equal(ja, jb));
    json_decref(ja);
    json_decref(jb);
    st_rings_free(ra);
    st_rings_free(rb);
}

/* Failure injection: every allocation of a small run may fail cleanly. */
static void test_alloc_failures(void **state) {
    (void)state;
    char buf[8192];
    snprintf(buf, sizeof buf, "%s%s", HDR, OPERATION_CSV);
    for (long k = 0; k < 400; k += 7) {
        st_rings *r = NULL;
        st_error err;
        st_rings_opts o = {0};
        st_alloc_fail_after(k);
        int rc = st_rings_new(&r, &o, &err);
        if (rc == ST_OK) rc = st_rings_add_buffer(r, buf, strlen(buf), "t", &err);
        if (rc == ST_OK) rc = st_rings_run(r, &err);
        st_alloc_fail_after(-1);
        assert_true(rc == ST_OK || rc == ST_ENOMEM);
        st_rings_free(r);
    }
}

/* ---- figures on data ------------------------------------------------------------ */

typedef struct pairs { double tp, pp, tt; } pairs;

/* Pairwise counts from a result and a truth map id -> cluster (both
 * grouped here, independently of the engine's own bookkeeping). */
static pairs pairwise(json_t *res, st_map *truth, char **cluster_names) {
    st_map *pred = NULL, *both = NULL, *tru = NULL;
    assert_int_equal(st_map_new(&pred), ST_OK);
    assert_int_equal(st_map_new(&both), ST_OK);
    assert_int_equal(st_map_new(&tru), ST_OK);
    size_t i;
    json_t *x;
    pairs p = {0, 0, 0};
    json_array_foreach(json_object_get(res, "records"), i, x) {
        const char *id = json_string_value(json_object_get(x, "id"));
        uint64_t c;
        assert_true(st_map_get(truth, id, strlen(id), &c));
        const char *tc = cluster_names[c];
        int created;
        uint64_t *s = st_map_slot(tru, tc, strlen(tc), 0, &created);
        p.tt += (double)*s;
        (*s)++;
        const char *ring = json_string_value(json_object_get(x, "ring"));
        if (!ring) continue;
        s = st_map_slot(pred, ring, strlen(ring), 0, &created);
        p.pp += (double)*s;
        (*s)++;
        char key[256];
        int kl = snprintf(key, sizeof key, "%s|%s", ring, tc);
        s = st_map_slot(both, key, (size_t)kl, 0, &created);
        p.tp += (double)*s;
        (*s)++;
    }
    st_map_free(pred);
    st_map_free(both);
    st_map_free(tru);
    return p;
}

static void test_febrl1_figures(void **state) {
    (void)state;
    /* FEBRL dataset1: 1000 records; rec-N-org / rec-N-dup-0: 500 true pairs.
     * Converted here: name = given + surname, address = the address columns. */
    char *data;
    size_t len;
    st_error err;
    assert_int_equal(st_file_read(st_test_data("er/febrl/dataset1.csv"), 1 << 24, &data, &len, &err), ST_OK);
    st_rings *r;
    st_rings_opts o = {0};
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    st_map *truth;
    assert_int_equal(st_map_new(&truth), ST_OK);
    char **names = st_calloc(2000, sizeof *names);
    size_t nnames = 0;
    st_csv *c;
    assert_int_equal(st_csv_open(&c, data, len, "dataset1.csv", ST_CSV_TRIM), ST_OK);
    assert_int_equal(st_csv_next(c, &err), 1); /* header */
    while (st_csv_next(c, &err) == 1) {
        const char *f[11];
        assert_int_equal(st_csv_nfields(c), 11);
        for (int k = 0; k < 11; k++) f[k] = st_csv_field(c, k);
        char name[128], addr[256];
        snprintf(name, sizeof name, "%s %s", f[1], f[2]);
        snprintf(addr, sizeof addr, "%s %s %s %s %s %s", f[3], f[4], f[5], f[6], f[7], f[8]);
        const char *fields[RG_NCOLS] = {0};
        fields[RG_C_ID] = f[0];
        fields[RG_C_NAME] = name;
        fields[RG_C_ADDRESS] = addr;
        fields[RG_C_BIRTH_DATE] = f[9];
        assert_int_equal(rg_record_add(r, fields, "dataset1", 0, &err), ST_OK);
        char cl[32];
        const char *dash = strchr(f[0] + 4, '-');
        assert_non_null(dash);
        snprintf(cl, sizeof cl, "%.*s", (int)(dash - f[0]), f[0]);
        uint64_t cc;
        if (!st_map_get(truth, cl, strlen(cl), &cc)) {
            names[nnames] = strdup(cl);
            cc = nnames++;
            (void)st_map_put(truth, cl, strlen(cl), cc);
        }
        (void)st_map_put(truth, f[0], strlen(f[0]), cc);
    }
    st_csv_close(c);
    size_t added = st_rings_count(r);
    assert_int_equal(added, 1000);
    assert_int_equal(st_rings_run(r, &err), ST_OK);
    json_t *res = st_rings_result(r);
    pairs p = pairwise(res, truth, names);
    double prec = p.tp / p.pp, rec = p.tp / p.tt;
    assert_int_equal((long)p.tt, 500); /* 500 originals, one duplicate each */
    printf("febrl1: %zu records, true pairs %.0f, predicted %.0f, precision %.4f recall %.4f\n", added, p.tt, p.pp,
           prec, rec);
    assert_true(prec >= 0.99);
    assert_true(rec >= 0.8);
    json_decref(res);
    st_rings_free(r);
    for (size_t i = 0; i < nnames; i++) free(names[i]);
    st_free(names);
    st_map_free(truth);
    st_free(data);
}

static void test_synthetic_figures(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char out[512], truth_path[512];
    snprintf(out, sizeof out, "%s/apps.csv", dir);
    snprintf(truth_path, sizeof truth_path, "%s/truth.csv", dir);
    st_rings_synth_opts so = {6000, 42, NULL, 0};
    st_error err;
    assert_int_equal(st_rings_synth(&so, out, truth_path, &err), ST_OK);
    st_rings *r;
    st_rings_opts o = {0};
    assert_int_equal(st_rings_new(&r, &o, &err), ST_OK);
    assert_int_equal(st_rings_add_file(r, out, &err), ST_OK);
    assert_int_equal(st_rings_count(r), 6000);
    assert_int_equal(st_rings_rejected(r), 0);
    assert_int_equal(st_rings_run(r, &err), ST_OK);
    json_t *res = st_rings_result(r);
    /* truth: id,cluster,role */
    char *data;
    size_t len;
    assert_int_equal(st_file_read(truth_path, 1 << 24, &data, &len, &err), ST_OK);
    st_map *truth, *role;
    assert_int_equal(st_map_new(&truth), ST_OK);
    assert_int_equal(st_map_new(&role), ST_OK);
    char **names = st_calloc(7000, sizeof *names);
    size_t nnames = 0;
    st_map *cid;
    assert_int_equal(st_map_new(&cid), ST_OK);
    char *save = NULL;
    int first = 1;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (first) { first = 0; continue; }
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        assert_non_null(c2);
        *c1 = *c2 = 0;
        uint64_t c;
        if (!st_map_get(cid, c1 + 1, strlen(c1 + 1), &c)) {
            names[nnames] = strdup(c1 + 1);
            c = nnames++;
            (void)st_map_put(cid, c1 + 1, strlen(c1 + 1), c);
        }
        (void)st_map_put(truth, line, strlen(line), c);
        (void)st_map_put(role, line, strlen(line), strcmp(c2 + 1, "operation") == 0);
    }
    pairs p = pairwise(res, truth, names);
    double prec = p.tp / p.pp, rec = p.tp / p.tt, f1 = 2 * prec * rec / (prec + rec);
    size_t i, ops = 0, ops_high = 0, inn = 0, inn_high = 0;
    json_t *x;
    json_array_foreach(json_object_get(res, "records"), i, x) {
        const char *id = json_string_value(json_object_get(x, "id"));
        uint64_t isop;
        assert_true(st_map_get(role, id, strlen(id), &isop));
        int high = !strcmp(json_string_value(json_object_get(x, "level")), "high");
        if (isop) { ops++; ops_high += high; }
        else { inn++; inn_high += high; }
    }
    printf("synthetic 6000: F1 %.4f (P %.4f R %.4f), operation members high %zu/%zu, innocents high %zu/%zu\n", f1, prec, rec,
           ops_high, ops, inn_high, inn);
    assert_int_equal(ops + inn, 6000);
    assert_true(ops >= 250);
    assert_true(f1 >= 0.9);
    assert_true((double)ops_high >= 0.9 * (double)ops);
    assert_true((double)inn_high <= 0.005 * (double)inn);
    json_decref(res);
    st_rings_free(r);
    for (size_t k = 0; k < nnames; k++) free(names[k]);
    st_free(names);
    st_map_free(truth);
    st_map_free(role);
    st_map_free(cid);
    st_free(data);
    st_rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_email),
        cmocka_unit_test(test_norm_phone),
        cmocka_unit_test(test_norm_misc),
        cmocka_unit_test(test_tz_offsets),
        cmocka_unit_test(test_name_key),
        cmocka_unit_test(test_csv_malformed),
        cmocka_unit_test(test_csv_error_text),
        cmocka_unit_test(test_csv_resync_keeps_the_rest),
        cmocka_unit_test(test_csv_no_id_column),
        cmocka_unit_test(test_jsonl_malformed),
        cmocka_unit_test(test_strangers_not_chained_by_agency),
        cmocka_unit_test(test_operation_and_duplicates),
        cmocka_unit_test(test_bridge_cut),
        cmocka_unit_test(test_photo_and_resume_near),
        cmocka_unit_test(test_order_independence),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_rejected_row_leaves_nothing),
        cmocka_unit_test(test_febrl1_figures),
        cmocka_unit_test(test_synthetic_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
