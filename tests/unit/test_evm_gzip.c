/* test_evm_gzip.c - exports read a piece at a time (gzip files, and plain
 * files read with read()): every table of
 * the real samples, and hand-written texts that stress the piece
 * boundaries (quoted fields over several lines, CRLF, a byte order mark,
 * blank lines, malformed records, lines longer than the buffer, JSON
 * lines, no final line end), compressed at levels 1 and 9, as one member
 * and as members cut at arbitrary bytes, read with buffers from 1 byte
 * up, must give the very rows, counts and bad-row reports of the plain
 * text.  A gzip cut short or damaged is one report naming the file and the
 * line reading stopped at, with the rows of the lines before it kept
 * exactly (checked against the plain text's first lines). */
#include "testutil.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "evm/evm_int.h"

typedef struct reports {
    int n;
    char all[1 << 16]; /* every report, one a line */
} reports;

static void on_bad(void *ctx, const st_error *e) {
    reports *r = ctx;
    char line[1024];
    r->n++;
    st_error_format(e, line, sizeof line);
    size_t k = strlen(r->all);
    snprintf(r->all + k, sizeof r->all - k, "%s\n", line);
}

/* text compressed as gzip members, one per piece of text cut at cuts[] */
static unsigned char *gz(const char *text, size_t len, int level, const size_t *cuts, size_t ncuts,
                         size_t *out_len) {
    size_t cap = len + 64 * (ncuts + 1) + 1024, n = 0;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    size_t from = 0;
    for (size_t m = 0; m <= ncuts; m++) {
        size_t to = m < ncuts ? cuts[m] : len;
        if (to > len) to = len;
        if (to < from) to = from;
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        zs.next_in = (Bytef *)(uintptr_t)(text + from);
        zs.avail_in = (uInt)(to - from);
        zs.next_out = out + n;
        zs.avail_out = (uInt)(cap - n);
        assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
        n = cap - zs.avail_out;
        deflateEnd(&zs);
        from = to;
    }
    *out_len = n;
    return out;
}

/* The record limit the readers below are given: the CSV reader's 4 MiB,
 * so the texts that cross it stay small; 0 for the export's own. */
static size_t max_record = ST_CSV_MAX_RECORD;

static void read_text(ev_batch *b, reports *r, const void *data, size_t len, size_t chunk) {
    memset(b, 0, sizeof *b);
    memset(r, 0, sizeof *r);
    b->on_bad = on_bad;
    b->ctx = r;
    b->gz_chunk = chunk;
    b->max_record = max_record;
    st_error err;
    st_error_clear(&err);
    assert_int_equal(ev_read_buffer(b, data, len, "export.csv", &err), ST_OK);
}

#define SAME_VEC(a, b, f)                                                                                    \
    do {                                                                                                     \
        assert_int_equal((a)->f.n, (b)->f.n);                                                                \
        if ((a)->f.n) assert_memory_equal((a)->f.v, (b)->f.v, (a)->f.n * sizeof *(a)->f.v);                  \
    } while (0)

static void same_batch(const ev_batch *a, const reports *ra, const ev_batch *b, const reports *rb) {
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->bad_rows, b->bad_rows);
    SAME_VEC(a, b, txs);
    SAME_VEC(a, b, receipts);
    SAME_VEC(a, b, traces);
    SAME_VEC(a, b, tokens);
    SAME_VEC(a, b, blocks);
    SAME_VEC(a, b, wd);
    SAME_VEC(a, b, paths);
    SAME_VEC(a, b, token_addrs);
    SAME_VEC(a, b, events);
    assert_string_equal(ra->all, rb->all);
}

static const size_t chunks[] = {1, 2, 3, 7, 61, 4096, 0};

/* text as the file export.csv in a directory of the test's own, made the
 * working directory while it is read (so reports name the file as the
 * buffer's do), read with read() a piece at a time like a gzip file's
 * pieces */
static void read_file_text(ev_batch *b, reports *r, const char *text, size_t len, size_t chunk) {
    static char *dir;
    if (!dir) assert_non_null(dir = st_test_tmpdir());
    int here = open(".", O_RDONLY | O_DIRECTORY);
    assert_true(here >= 0);
    assert_int_equal(chdir(dir), 0);
    st_error err;
    st_error_clear(&err);
    assert_int_equal(st_file_write_atomic("export.csv", text, len, &err), ST_OK);
    memset(b, 0, sizeof *b);
    memset(r, 0, sizeof *r);
    b->on_bad = on_bad;
    b->ctx = r;
    b->gz_chunk = chunk;
    b->max_record = max_record;
    assert_int_equal(ev_read_file(b, "export.csv", &err), ST_OK);
    assert_int_equal(fchdir(here), 0);
    close(here);
}

/* text read plain, then from a file in pieces, then gzipped every way,
 * must read the same */
static void check_text(const char *text, size_t len) {
    ev_batch plain, z;
    static reports rp, rz;
    read_text(&plain, &rp, text, len, 0);
    assert_int_equal(plain.bytes, len);
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        read_file_text(&z, &rz, text, len, chunks[c]);
        same_batch(&plain, &rp, &z, &rz);
        assert_int_equal(z.bytes, len);
        ev_batch_free(&z);
    }
    size_t cuts[4] = {len / 3, len / 3 + 1, 2 * len / 3 + 7, len > 5 ? len - 5 : len};
    for (int level = 1; level <= 9; level += 8)
        for (size_t nc = 0; nc <= 4;
             nc += 4) { /* one member, and five cut anywhere (empty ones in short texts) */
            size_t zlen;
            unsigned char *g = gz(text, len, level, cuts, nc, &zlen);
            for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
                read_text(&z, &rz, g, zlen, chunks[c]);
                if (getenv("GZ_DEBUG") && (z.rows != plain.rows || strcmp(rp.all, rz.all)))
                    fprintf(stderr, "level %d members %zu chunk %zu\nplain:\n%s\ngz:\n%s\n", level, nc + 1,
                            chunks[c], rp.all, rz.all);
                same_batch(&plain, &rp, &z, &rz);
                assert_int_equal(z.bytes, len);
                ev_batch_free(&z);
            }
            free(g);
        }
    ev_batch_free(&plain);
}

static void test_samples(void **state) {
    (void)state;
    static const char *const files[] = {
        "test_export_blocks_job__blocks_with_transactions_and_withdrawals__expected_blocks.csv",
        "test_export_blocks_job__blocks_with_transactions_and_withdrawals__expected_transactions.csv",
        "test_export_blocks_job__block_without_transactions__expected_transactions.csv",
        "test_export_receipts_job__receipts_with_logs__expected_logs.csv",
        "test_export_receipts_job__receipts_with_logs__expected_receipts.csv",
        "test_export_token_transfers_job__block_with_transfers__expected_token_transfers.csv",
        "test_export_tokens_job__token_with_invalid_data__expected_tokens.csv",
        "test_export_traces_job__block_with_subtraces__expected_traces.csv",
        "test_extract_geth_traces_job__block_with_suicide__expected_traces.csv",
        "test_extract_token_transfers_job__logs__logs.csv",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "chain/ethereum/%s", files[i]);
        st_fmap m;
        st_error err;
        assert_int_equal(st_file_map(st_test_data(rel), (size_t)1 << 30, &m, &err), ST_OK);
        check_text(m.data ? m.data : "", m.len);
        st_file_unmap(&m);
    }
}

static char *join(const char *const *parts) {
    size_t n = 0;
    for (size_t i = 0; parts[i]; i++) n += strlen(parts[i]);
    char *t = malloc(n + 1);
    assert_non_null(t);
    t[0] = 0;
    for (size_t i = 0; parts[i]; i++) strcat(t, parts[i]);
    return t;
}

/* A row with megabytes of calldata keeps its value and fee: the export's
 * record limit is 32 MiB, not the CSV reader's 4; past it the row is one
 * bad row and the rows after it are read.  CSV and JSON lines, whole, in
 * pieces and gzipped. */
static void test_long_rows(void **state) {
    (void)state;
    max_record = 0;
    const char *head = "hash,block_number,transaction_index,from_address,to_address,value,input\n";
    const char *a1 = "0x0100000000000000000000000000000000000000", *a2 = "0x0200000000000000000000000000000000000000";
    size_t in_len = (size_t)6 << 20, over = (size_t)33 << 20;
    char *in = malloc(over + 1);
    assert_non_null(in);
    memcpy(in, "0x", 2);
    memset(in + 2, 'a', over - 2);
    in[over] = 0;
    size_t cap = 2 * in_len + over + 8192, n = 0;
    char *t = malloc(cap), *j = malloc(cap);
    assert_non_null(t);
    assert_non_null(j);
    for (int k = 0; k < 2; k++) { /* k 0: CSV, 1: JSON lines */
        char *o = k ? j : t;
        n = 0;
        if (!k) n += (size_t)snprintf(o + n, cap - n, "%s", head);
        for (int i = 0; i < 3; i++) {
            size_t len = i == 1 ? over : in_len; /* the second row is past the limit */
            char save = in[len];
            in[len] = 0;
            if (k)
                n += (size_t)snprintf(o + n, cap - n,
                                      "{\"type\": \"transaction\", \"hash\": \"0x%064x\", \"block_number\": 5, "
                                      "\"transaction_index\": %d, \"from_address\": \"%s\", \"to_address\": "
                                      "\"%s\", \"value\": %d, \"input\": \"%s\"}\n",
                                      i + 1, i, a1, a2, 1000 + i, in);
            else
                n += (size_t)snprintf(o + n, cap - n, "0x%064x,5,%d,%s,%s,%d,%s\n", i + 1, i, a1, a2, 1000 + i, in);
            in[len] = save;
        }
        ev_batch b;
        static reports r;
        for (int way = 0; way < 2; way++) {
            if (way) read_file_text(&b, &r, o, n, 0);
            else read_text(&b, &r, o, n, 0);
            assert_int_equal(b.bad_rows, 1);
            assert_int_equal(b.txs.n, 2);
            assert_int_equal(b.txs.v[0].value.w[0], 1000);
            assert_int_equal(b.txs.v[1].value.w[0], 1002);
            assert_int_equal(b.txs.v[1].index, 2);
            assert_non_null(strstr(r.all, k ? "export.csv:2: line longer than the record limit"
                                             : "export.csv:3: record longer than 32 MiB"));
            ev_batch_free(&b);
        }
        size_t glen;
        unsigned char *g = gz(o, n, 6, NULL, 0, &glen);
        read_text(&b, &r, g, glen, 0);
        assert_int_equal(b.bad_rows, 1);
        assert_int_equal(b.txs.n, 2);
        assert_int_equal(b.txs.v[1].value.w[0], 1002);
        ev_batch_free(&b);
        free(g);
    }
    free(in);
    free(t);
    free(j);
    max_record = ST_CSV_MAX_RECORD;
}

/* JSON documents: each element read on its own whatever the lines, a
 * broken one costing itself; the same whole, in pieces and gzipped */
static void test_json_documents(void **state) {
    (void)state;
    const char *tok1 = "{\"type\": \"token\", \"address\": \"0x0100000000000000000000000000000000000000\"}",
               *tok2 = "{\"type\": \"token\", \"address\": \"0x0200000000000000000000000000000000000000\"}";
    char t[4096];
    ev_batch b;
    static reports r;
    /* an empty array, on one line and over two: no rows, nothing said */
    const char *empties[] = {"[]", "[\n]\n", "\xEF\xBB\xBF [ ]"};
    for (size_t i = 0; i < 3; i++) {
        check_text(empties[i], strlen(empties[i]));
        read_text(&b, &r, empties[i], strlen(empties[i]), 0);
        assert_int_equal(b.rows, 0);
        assert_int_equal(b.bad_rows, 0);
        assert_int_equal(r.n, 0);
        ev_batch_free(&b);
    }
    /* an array cut short after whole elements (a download cut, or "[" alone): its
     * elements read, one bad row for the missing end, the same in every reading */
    for (int i = 0; i < 3; i++) {
        if (!i) snprintf(t, sizeof t, "[\n");
        else snprintf(t, sizeof t, i == 1 ? "[%s,\n%s," : "[%s,\n%s\n", tok1, tok2);
        check_text(t, strlen(t));
        read_text(&b, &r, t, strlen(t), 0);
        assert_int_equal(b.token_addrs.n, i ? 40 : 0);
        assert_int_equal(b.bad_rows, 1);
        assert_non_null(strstr(r.all, "a JSON array not closed before the end of the file"));
        ev_batch_free(&b);
    }
    /* elements that are no object, on the line of good ones: only themselves lost */
    snprintf(t, sizeof t, "[%s, null, \"x,]\", [1, {\"a\": 2}], %s, 12 ,%s]\n", tok1, tok2, tok1);
    check_text(t, strlen(t));
    read_text(&b, &r, t, strlen(t), 0);
    assert_int_equal(b.token_addrs.n, 60);
    assert_int_equal(b.bad_rows, 4);
    ev_batch_free(&b);
    /* a JSON-lines file whose first line is a stray "{": that line is one
     * bad row, every line after it read */
    snprintf(t, sizeof t, "{\n%s\n%s\n", tok1, tok2);
    check_text(t, strlen(t));
    read_text(&b, &r, t, strlen(t), 0);
    assert_int_equal(b.token_addrs.n, 40);
    assert_int_equal(b.bad_rows, 1);
    assert_non_null(strstr(r.all, "export.csv:1: a JSON object not closed before the next one"));
    ev_batch_free(&b);
    /* pretty-printed objects, one with a string never closed (and a
     * backslash before a line end): the objects after it are read */
    snprintf(t, sizeof t,
             "{\n  \"type\": \"token\",\n  \"symbol\": \"never \\\nclosed\n}\n"
             "{\n  \"type\": \"token\",\n  \"address\": \"0x0200000000000000000000000000000000000000\"\n}\n"
             "{\n  \"type\": \"token\", \"withdrawals\": [\n    {\"a\": 1}\n  ],\n"
             "  \"address\": \"0x0300000000000000000000000000000000000000\"\n}\n5\n");
    check_text(t, strlen(t));
    read_text(&b, &r, t, strlen(t), 0);
    assert_int_equal(b.token_addrs.n, 40);
    assert_int_equal(b.bad_rows, 2);
    assert_non_null(strstr(r.all, "export.csv:1: a JSON object not closed before the next one"));
    assert_non_null(strstr(r.all, "export.csv:16: not one JSON object"));
    ev_batch_free(&b);
    /* a string that goes on over the next line (a raw line end, which no
     * JSON string holds), brackets there: in an indented array, in an
     * array on one line, among pretty-printed objects, on a line opening
     * at the element's indentation with '}', and in an element sharing
     * its first line with '[': only its own element (token 0x03) is lost */
    static const struct {
        const char *doc;
        long line; /* the broken element's */
    } spans[] = {
        {"[\n  {\n    \"type\": \"token\",\n    \"symbol\": \"two\nlines [x\",\n"
         "    \"address\": \"0x0300000000000000000000000000000000000000\"\n  },\n  %s,\n  %s\n]\n", 2},
        {"[{\"type\": \"token\", \"symbol\": \"two\nlines] {x\", "
         "\"address\": \"0x0300000000000000000000000000000000000000\"}, %s, %s]\n", 1},
        {"{\n  \"type\": \"token\",\n  \"symbol\": \"two\nx [[y\",\n"
         "  \"address\": \"0x0300000000000000000000000000000000000000\"\n}\n%s\n%s\n", 1},
        {"[\n  {\n    \"type\": \"token\",\n    \"symbol\": \"two\n  } x\",\n"
         "    \"address\": \"0x0300000000000000000000000000000000000000\"\n  },\n  %s,\n  %s\n]\n", 2},
        {"[{\n  \"type\": \"token\",\n  \"symbol\": \"two\nlines}\",\n"
         "  \"address\": \"0x0300000000000000000000000000000000000000\"\n}, %s, %s]\n", 1}};
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        char want[64];
        snprintf(t, sizeof t, spans[i].doc, tok2, tok1);
        check_text(t, strlen(t));
        read_text(&b, &r, t, strlen(t), 0);
        assert_int_equal(b.rows, 3);
        assert_int_equal(b.bad_rows, 1);
        assert_int_equal(b.token_addrs.n, 40);
        assert_int_equal(b.token_addrs.v[0], 0x02); /* tok2 and tok1, not the broken 0x03 */
        assert_int_equal(b.token_addrs.v[20], 0x01);
        snprintf(want, sizeof want, "export.csv:%ld: not one JSON object", spans[i].line);
        assert_non_null(strstr(r.all, want));
        ev_batch_free(&b);
    }
    /* objects written with indent=0: a nested object starts a line too,
     * and is no next object */
    snprintf(t, sizeof t,
             "{\n\"type\": \"token\",\n\"withdrawals\": [\n{\n\"a\": 1\n}\n],\n"
             "\"address\": \"0x0100000000000000000000000000000000000000\"\n}\n%s\n", tok2);
    check_text(t, strlen(t));
    read_text(&b, &r, t, strlen(t), 0);
    assert_int_equal(b.token_addrs.n, 40);
    assert_int_equal(b.bad_rows, 0);
    ev_batch_free(&b);
        /* an object the file ends inside, longer than the limit: said the
     * same way whole and in pieces */
    size_t big = (size_t)5 << 20;
    char *x = malloc(big + 4096);
    assert_non_null(x);
    snprintf(x, 4096, "[%s,\n{\"type\": \"token\", \"symbol\": \"", tok1);
    size_t n = strlen(x);
    memset(x + n, 'y', big);
    x[n + big] = 0;
    check_text(x, n + big);
    read_text(&b, &r, x, n + big, 0);
    assert_int_equal(b.token_addrs.n, 20);
    assert_non_null(strstr(r.all, "export.csv:2: a JSON object longer than the record limit"));
    ev_batch_free(&b);
    free(x);
    /* the row limit holds on every path of a document, whole and in pieces */
    snprintf(t, sizeof t, "[%s,\n%s,\n5,\n%s]", tok1, tok2, tok1);
    for (size_t c = 0; c < 2; c++) {
        memset(&b, 0, sizeof b);
        memset(&r, 0, sizeof r);
        b.on_bad = on_bad;
        b.ctx = &r;
        b.max_rows = 2;
        b.gz_chunk = c ? 7 : 0;
        size_t glen;
        unsigned char *g = c ? gz(t, strlen(t), 6, NULL, 0, &glen) : NULL;
        st_error err;
        st_error_clear(&err);
        assert_int_equal(c ? ev_read_buffer(&b, (const char *)g, glen, "export.csv", &err)
                           : ev_read_buffer(&b, t, strlen(t), "export.csv", &err),
                         ST_ELIMIT);
        assert_non_null(strstr(err.msg, "more than 2 rows"));
        ev_batch_free(&b);
        free(g);
    }
    /* a compact array on one line past the 64 MiB a line may take: every
     * object read, in pieces as whole */
    size_t want = (size_t)66 << 20, one = strlen(tok1) + 2;
    char *line = malloc(want + one + 16);
    assert_non_null(line);
    n = 0;
    line[n++] = '[';
    size_t objs = 0;
    while (n < want) {
        memcpy(line + n, objs & 1 ? tok2 : tok1, one - 2);
        n += one - 2;
        line[n++] = ',';
        line[n++] = ' ';
        objs++;
    }
    line[n - 2] = ']';
    line[n - 1] = '\n';
    read_text(&b, &r, line, n, 0);
    assert_int_equal(b.token_addrs.n, 20 * objs);
    assert_int_equal(b.bad_rows, 0);
    ev_batch_free(&b);
    read_file_text(&b, &r, line, n, 0);
    assert_int_equal(b.token_addrs.n, 20 * objs);
    assert_int_equal(b.bad_rows, 0);
    ev_batch_free(&b);
    free(line);
}

static void test_boundaries(void **state) {
    (void)state;
    const char *tx = "0x0500000000000000000000000000000000000000000000000000000000000000";
    const char *a1 = "0x0100000000000000000000000000000000000000",
               *a2 = "0x0200000000000000000000000000000000000000";
    char row[1024];
    /* a traces table: CRLF, blank lines, a byte order mark, a malformed
     * record, quoted fields over several lines (one closing right at the
     * end of a line, one with "" in it), a record longer than the reader's
     * limit, and no final line end */
    size_t big = (size_t)5 << 20; /* past the 4 MiB record limit and the 1 MiB buffer */
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, 'x', big);
    huge[big] = 0;
    snprintf(row, sizeof row, "7,%s,0,%s,%s,12,call,call,,\r\n", tx, a1, a2);
    char row2[1024];
    snprintf(row2, sizeof row2, "8,%s,1,%s,%s,\"1\n2\",call,call,,\n8,%s,2,%s,%s,5,call,\"call\"\"\n\",,\n",
             tx, a1, a2, tx, a1, a2);
    const char *parts[] = {
        "\xEF\xBB\xBF"
        "block_number,transaction_hash,transaction_index,from_address,to_address,value,trace_type,"
        "call_type,trace_address,error\r\n",
        row,
        "\n\n\r\n",
        row,
        "9,\"unterminated,x\n",
        row2,
        "10,",
        huge,
        ",call\n",
        row,
        "11,0x12,0,,,,call,call,,\"multi\nline\nerror\"\n",
        row,
        "12,1,2",
        NULL};
    char *t = join(parts);
    check_text(t, strlen(t));
    free(t);
    /* JSON lines: a line over the record limit, a blank line, keys split anywhere */
    char *j = malloc(big + 4096);
    assert_non_null(j);
    snprintf(
        j, 4096,
        "{\"type\": \"trace\", \"block_number\": 5, \"transaction_hash\": \"%s\", \"from_address\": \"%s\", "
        "\"to_address\": \"%s\", \"value\": 3, \"trace_type\": \"call\", \"trace_address\": []}\n\n"
        "{\"type\": \"block\", \"number\": 5, \"miner\": \"%s\", \"withdrawals\": [{\"index\": 1, "
        "\"address\": "
        "\"%s\", \"amount\": 7}]}\n{\"type\": \"trace\", \"error\": \"",
        tx, a1, a2, a1, a2);
    strcat(j, huge);
    strcat(j, "\"}\n{\"type\": \"token\", \"address\": \"0x0100000000000000000000000000000000000000\", "
              "\"symbol\": \"T\"}");
    check_text(j, strlen(j));
    /* a JSON array of objects over several lines: arrays and objects
     * inside, brackets and escaped quotes in a string, an element that is
     * no object, an object longer than the limit (passed over piece by
     * piece), CRLF line ends */
    snprintf(j, 4096,
             "\xEF\xBB\xBF [\r\n  {\r\n    \"type\": \"trace\", \"block_number\": 5,\n    \"transaction_hash\": \"%s\",\n"
             "    \"from_address\": \"%s\",\n    \"to_address\": \"%s\", \"value\": 3\n,\n \"trace_type\": \"call\","
             " \"trace_address\": [\n      0,\n      1\n    ]\n  },\n  5,\n"
             "  {\"type\": \"token\", \"address\": \"%s\", \"symbol\": \"x}{\\\"]\"},\n  {\n    \"type\": \"block\", "
             "\"number\": 5, \"miner\": \"%s\", \"withdrawals\": [\n      {\"index\": 1, \"address\": \"%s\", "
             "\"amount\": 7}\n    ]\n  },\n  {\"type\": \"trace\",\n   \"error\": \"",
             tx, a1, a2, a1, a1, a2);
    strcat(j, huge);
    strcat(j, "\"\n  },\n  {\"type\": \"token\", \"address\": \"0x0200000000000000000000000000000000000000\"\n,"
              " \"symbol\": \"T\"}\n]\n");
    check_text(j, strlen(j));
    ev_batch b;
    static reports r;
    read_text(&b, &r, j, strlen(j), 0);
    assert_int_equal(b.traces.n, 1);
    assert_int_equal(b.paths.n, 2);
    assert_int_equal(b.blocks.n, 1);
    assert_int_equal(b.wd.n, 1);
    assert_int_equal(b.token_addrs.n, 40);
    assert_int_equal(b.bad_rows, 2);
    assert_non_null(strstr(r.all, "export.csv:13: not one JSON object"));
    assert_non_null(strstr(r.all, "export.csv:20: a JSON object longer than the record limit"));
    ev_batch_free(&b);
    /* objects pretty-printed one after another, the last not closed */
    const char *pretty = "{\n  \"type\": \"token\",\n  \"address\": \"0x0100000000000000000000000000000000000000\"\n}\n"
                         "{\n  \"type\": \"token\",\n  \"address\": \"0x02\n";
    check_text(pretty, strlen(pretty));
    read_text(&b, &r, pretty, strlen(pretty), 0);
    assert_int_equal(b.token_addrs.n, 20);
    assert_non_null(strstr(r.all, "export.csv:5: a JSON object not closed before the end of the file"));
    ev_batch_free(&b);
    free(j);
    free(huge);
    /* nothing but blanks, and nothing */
    check_text("\n \n\t\n", 5);
    check_text("", 0);
}

/* The gzip of text cut or damaged: one report naming the file and the line
 * L reading stopped at, and the rows are those of the text's first L - 1
 * lines, exactly. */
static void check_damaged(const char *text, size_t len, const unsigned char *g, size_t glen,
                          const char *what) {
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        ev_batch z, p;
        static reports rz, rp;
        read_text(&z, &rz, g, glen, chunks[c]);
        char *at = strstr(rz.all, what);
        assert_non_null(at);
        assert_non_null(strstr(at, "the rest of the file is not read"));
        while (at > rz.all && at[-1] != '\n') at--;
        long line;
        assert_int_equal(sscanf(at, "export.csv:%ld:", &line), 1);
        assert_true(line >= 1);
        size_t k = 0;
        for (long l = 1; l < line; l++) {
            const char *nl = memchr(text + k, '\n', len - k);
            assert_non_null(nl);
            k = (size_t)(nl + 1 - text);
        }
        read_text(&p, &rp, text, k, 0);
        /* the same rows and reports, and the damage besides */
        assert_int_equal(z.bad_rows, p.bad_rows + 1);
        z.bad_rows--;
        size_t pl = strlen(rp.all);
        assert_memory_equal(rz.all, rp.all, pl);
        rz.all[pl] = 0;
        z.bad_rows = p.bad_rows;
        assert_int_equal(z.rows, p.rows);
        SAME_VEC(&z, &p, traces);
        SAME_VEC(&z, &p, paths);
        ev_batch_free(&z);
        ev_batch_free(&p);
    }
}

static void test_damaged(void **state) {
    (void)state;
    /* a traces table of 3000 rows */
    size_t cap = 3000 * 300 + 300, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t + n, cap - n,
                          "block_number,transaction_hash,transaction_index,from_address,to_address,"
                          "value,trace_type,call_type,trace_address,error\n");
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(t + n, cap - n, "%d,0x%064x,%d,0x%040x,0x%040x,%d,call,call,,\n", 100 + i / 10,
                              i + 1, i % 10, i * 7 + 1, i * 13 + 2, i * 1000);
    size_t glen;
    unsigned char *g = gz(t, n, 9, NULL, 0, &glen);
    /* cut short anywhere: in the header, in the middle, in the trailer */
    size_t cuts[] = {2, 10, 25, glen / 2, glen - 9, glen - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        check_damaged(t, n, g, cuts[i], "gzip cut short");
    /* the checksum of the trailer wrong: known at the end only, every row read before */
    unsigned char *d = malloc(glen);
    assert_non_null(d);
    memcpy(d, g, glen);
    d[glen - 6] ^= 0x40;
    check_damaged(t, n, d, glen, "damaged gzip (incorrect data check)");
    /* a stored block's length check broken in the second of two members */
    size_t mcuts[] = {n / 2};
    size_t mlen;
    unsigned char *m = gz(t, n, 0, mcuts, 1, &mlen);
    for (size_t i = mlen / 2 - 64; i + 15 < mlen; i++)
        if (m[i] == 0x1f && m[i + 1] == 0x8b &&
            m[i + 2] == 8) { /* the second member's first stored block: LEN, NLEN */
            m[i + 10 + 1 + 2] ^= 0xff;
            break;
        }
    check_damaged(t, n, m, mlen, "damaged gzip (invalid stored block lengths)");
    /* bytes after the last member that start no other are ignored, as gzip does */
    unsigned char *x = malloc(glen + 5);
    assert_non_null(x);
    memcpy(x, g, glen);
    memcpy(x + glen, "junk\n", 5);
    ev_batch z, p;
    static reports rz, rp;
    read_text(&z, &rz, x, glen + 5, 0);
    read_text(&p, &rp, t, n, 0);
    same_batch(&p, &rp, &z, &rz);
    ev_batch_free(&z);
    ev_batch_free(&p);
    free(x);
    free(m);
    free(d);
    free(g);
    /* a line longer than the buffer may grow (a gzip bomb without line
     * ends): one report at its line (its head is read, too long), the
     * lines before it read */
    size_t big = (size_t)65 << 20, hl = strlen("number,miner\n");
    char *bomb = malloc(hl + big + 4096);
    assert_non_null(bomb);
    memcpy(bomb, "number,miner\n", hl);
    memset(bomb + hl, '7', big);
    g = gz(bomb, hl + big, 1, NULL, 0, &glen);
    read_text(&z, &rz, g, glen, 0);
    assert_int_equal(rz.n, 1);
    assert_non_null(strstr(rz.all, "export.csv:2: record longer than 4 MiB"));
    assert_int_equal(z.rows, 1); /* a row read, bad, as a bad JSON line is */
    assert_int_equal(z.bad_rows, 1);
    ev_batch_free(&z);
    free(g);
    /* such a line with rows after it: reported as in the whole text and
     * the rows after it read, from a file and gzipped as from memory */
    const char *rest = "\n17000001,0x0100000000000000000000000000000000000000\n"
                       "17000002,0x0200000000000000000000000000000000000000\n";
    memcpy(bomb + hl + big, rest, strlen(rest) + 1);
    size_t bl = hl + big + strlen(rest);
    ev_batch w;
    static reports rw;
    read_text(&w, &rw, bomb, bl, 0);
    assert_int_equal(w.blocks.n, 2);
    assert_int_equal(rw.n, 1);
    read_file_text(&z, &rz, bomb, bl, 0);
    same_batch(&w, &rw, &z, &rz);
    ev_batch_free(&z);
    g = gz(bomb, bl, 1, NULL, 0, &glen);
    read_text(&z, &rz, g, glen, 0);
    same_batch(&w, &rw, &z, &rz);
    ev_batch_free(&z);
    ev_batch_free(&w);
    free(g);
    free(bomb);
    free(t);
}

/* A file read through ev_source_open: the gzip buffer stays small while
 * other files are read (a window at a time), and a file is the same read
 * in windows or whole. */
static void test_windows(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), path[600];
    size_t cap = 40000 * 200, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t + n, cap - n, "number,miner\n");
    for (int i = 0; i < 40000; i++) n += (size_t)snprintf(t + n, cap - n, "%d,0x%040x\n", i, i);
    size_t glen;
    unsigned char *g = gz(t, n, 6, NULL, 0, &glen);
    snprintf(path, sizeof path, "%s/blocks.csv.gz", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(g, 1, glen, f), glen);
    fclose(f);
    ev_batch b;
    memset(&b, 0, sizeof b);
    ev_source *s;
    st_error err;
    assert_int_equal(ev_source_open(&b, path, &s, &err), ST_OK);
    uint64_t blk;
    assert_int_equal(ev_source_next_block(s, &blk, &err), ST_OK);
    assert_int_equal(blk, 0);
    /* windows of 1000 blocks: each reads exactly its rows */
    for (uint64_t lo = 0; lo < 40000; lo += 1000) {
        b.blocks.n = 0;
        assert_int_equal(ev_source_read(s, (int64_t)lo - 1, lo + 999, &err), ST_OK);
        assert_int_equal(b.blocks.n, 1000);
        assert_int_equal(b.blocks.v[0].number, lo);
        assert_int_equal(b.blocks.v[999].number, lo + 999);
        ev_source_forget(s);
    }
    assert_int_equal(ev_source_next_block(s, &blk, &err), ST_OK);
    assert_int_equal(blk, UINT64_MAX);
    assert_true(ev_source_done(s));
    assert_int_equal(b.bytes, n);
    ev_source_close(s);
    ev_batch_free(&b);
    /* a row of a block a window has passed: not in block order */
    memset(&b, 0, sizeof b);
    assert_int_equal(ev_source_open(&b, path, &s, &err), ST_OK);
    assert_int_equal(ev_source_read(s, 10, 20, &err), EV_UNSORTED);
    ev_source_close(s);
    ev_batch_free(&b);
    /* and out of memory anywhere in a gzip file's reading is an error, never a crash */
    for (long k = 0; k < 40; k++) {
        memset(&b, 0, sizeof b);
        st_alloc_fail_after(k);
        int rc = ev_read_file(&b, path, &err);
        st_alloc_fail_after(-1);
        assert_true(rc == ST_OK || rc == ST_ENOMEM);
        if (rc == ST_OK) assert_int_equal(b.blocks.n, 40000);
        ev_batch_free(&b);
    }
    unlink(path);
    st_rm_rf(dir);
    free(dir);
    free(g);
    free(t);
}

/* A plain file that does not keep its descriptor between pieces (more
 * files are open than EV_PLAIN_FDS) opens it again for each piece; one
 * replaced by another file meanwhile is not read on as if it were the
 * same: its rows so far are kept and the rest is one bad row naming the
 * file and what happened. */
static void test_replaced(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), path[600], other[600];
    enum { HOLDERS = 300 };
    ev_batch hb;
    memset(&hb, 0, sizeof hb);
    ev_source *held[HOLDERS];
    st_error err;
    st_error_clear(&err);
    for (int i = 0; i < HOLDERS; i++) { /* more files than keep their descriptors */
        snprintf(path, sizeof path, "%s/blocks_%03d.csv", dir, i);
        assert_int_equal(st_file_write_atomic(path, "number,miner\n", 13, &err), ST_OK);
        assert_int_equal(ev_source_open(&hb, path, &held[i], &err), ST_OK);
    }
    size_t cap = 40000 * 64, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t + n, cap - n, "number,miner\n");
    for (int i = 0; i < 40000; i++) n += (size_t)snprintf(t + n, cap - n, "%d,0x%040x\n", i, i);
    snprintf(path, sizeof path, "%s/blocks.csv", dir);
    snprintf(other, sizeof other, "%s/blocks.new", dir);
    assert_int_equal(st_file_write_atomic(path, t, n, &err), ST_OK);
    ev_batch b;
    reports r;
    memset(&b, 0, sizeof b);
    memset(&r, 0, sizeof r);
    b.on_bad = on_bad;
    b.ctx = &r;
    b.gz_chunk = 4096;
    ev_source *s;
    assert_int_equal(ev_source_open(&b, path, &s, &err), ST_OK);
    assert_int_equal(ev_source_read(s, -1, 999, &err), ST_OK);
    assert_int_equal(b.blocks.n, 1000);
    assert_int_equal(r.n, 0);
    /* the same bytes in another file, renamed over it */
    assert_int_equal(st_file_write_atomic(other, t, n, &err), ST_OK);
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(ev_source_read(s, 999, UINT64_MAX - 1, &err), ST_OK);
    assert_true(b.blocks.n >= 1000 && b.blocks.n < 40000);
    assert_int_equal(r.n, 1);
    assert_non_null(strstr(r.all, "blocks.csv"));
    assert_non_null(strstr(r.all, "it was replaced while it was read"));
    for (size_t i = 0; i < b.blocks.n; i++) assert_int_equal(b.blocks.v[i].number, i);
    ev_source_close(s);
    ev_batch_free(&b);
    for (int i = 0; i < HOLDERS; i++) ev_source_close(held[i]);
    ev_batch_free(&hb);
    st_rm_rf(dir);
    free(dir);
    free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_long_rows),
        cmocka_unit_test(test_json_documents),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_replaced),
        cmocka_unit_test(test_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
