/* test_evm_gzip_ahead.c - gzip files inflated ahead of the reader by the
 * inflater threads: many gzip files read at once, window by window (a
 * partitioned export), give the rows of the same texts read plain; a
 * reader that stops while the threads are mid-file (the row limit, a file
 * out of block order, a damaged file among good ones, files closed half
 * read) closes every file at once, with no row lost or doubled in what it
 * read, and the export read whole afterwards (as the ingest falls back to)
 * reads every row.  Under the sanitizer and helgrind this is also the race
 * and leak check of the threads. */
#include "testutil.h"

#include <zlib.h>

#include "core/alloc.h"
#include "evm/evm_int.h"

#define NFILES 64
#define ROWS 3000 /* a file: about 600 KB inflated, many pieces ahead */

static void on_bad(void *ctx, const st_error *e) {
    (void)e;
    ++*(int *)ctx;
}

/* A transactions table of blocks [b0, b0 + ROWS / 10), ten rows a block;
 * the row at `back` (if any) names an earlier block (out of block order). */
static char *tx_text(uint64_t b0, size_t back, size_t *len) {
    size_t cap = (size_t)ROWS * 260 + 200, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t + n, cap - n,
                          "hash,block_number,transaction_index,from_address,to_address,value\n");
    uint32_t x = (uint32_t)b0 * 2654435761u + 1;
    for (size_t i = 0; i < ROWS; i++) {
        uint64_t blk = b0 + i / 10;
        if (i == back) blk = b0 > 5 ? b0 - 5 : 0;
        char h[65], a[41], c[41];
        for (int k = 0; k < 64; k++) h[k] = "0123456789abcdef"[(x = x * 1103515245u + 12345u) >> 28];
        for (int k = 0; k < 40; k++) a[k] = "0123456789abcdef"[(x = x * 1103515245u + 12345u) >> 28];
        for (int k = 0; k < 40; k++) c[k] = "0123456789abcdef"[(x = x * 1103515245u + 12345u) >> 28];
        h[64] = a[40] = c[40] = 0;
        n += (size_t)snprintf(t + n, cap - n, "0x%s,%llu,%zu,0x%s,0x%s,%u\n", h, (unsigned long long)blk,
                              i % 10, a, c, x % 1000000u);
    }
    *len = n;
    return t;
}

static unsigned char *gzip_text(const char *text, size_t len, size_t *out_len) {
    size_t cap = len + 1024;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)text;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

typedef struct files {
    char *text[NFILES];
    unsigned char *gz[NFILES];
    size_t len[NFILES], zlen[NFILES];
} files;

/* NFILES files, each its own block range (file i: blocks from 1000 + i * 300,
 * interleaved with the others in time, as partitions by block range are
 * when the export is read in windows over all of them) */
static void make_files(files *f, int with_back) {
    for (size_t i = 0; i < NFILES; i++) {
        f->text[i] = tx_text(1000 + (uint64_t)i * 3, with_back && i == NFILES / 2 ? ROWS * 2 / 3 : SIZE_MAX,
                             &f->len[i]);
        f->gz[i] = gzip_text(f->text[i], f->len[i], &f->zlen[i]);
    }
}

static void free_files(files *f) {
    for (size_t i = 0; i < NFILES; i++) {
        free(f->text[i]);
        free(f->gz[i]);
    }
}

/* every file open at once, read in windows of `step` blocks: the rows */
static int read_windows(ev_batch *b, files *f, int gzip, uint64_t step, size_t chunk) {
    ev_source *s[NFILES];
    st_error err;
    st_error_clear(&err);
    b->gz_chunk = chunk;
    for (size_t i = 0; i < NFILES; i++)
        assert_int_equal(ev_source_open_buffer(b, gzip ? (const char *)f->gz[i] : f->text[i],
                                               gzip ? f->zlen[i] : f->len[i], "part.csv", &s[i], &err),
                         ST_OK);
    int rc = ST_OK;
    int64_t passed = -1;
    for (uint64_t lo = 1000; rc == ST_OK; lo += step) {
        int all = 1;
        for (size_t i = 0; i < NFILES && rc == ST_OK; i++) {
            rc = ev_source_read(s[i], passed, lo + step - 1, &err);
            all &= ev_source_done(s[i]);
        }
        passed = (int64_t)(lo + step - 1);
        if (all) break;
    }
    for (size_t i = 0; i < NFILES; i++) ev_source_close(s[i]);
    return rc;
}

static void test_many_files(void **state) {
    (void)state;
    files f;
    make_files(&f, 0);
    static const size_t chunks[] = {0, 4096, 1};
    ev_batch plain;
    memset(&plain, 0, sizeof plain);
    assert_int_equal(read_windows(&plain, &f, 0, 40, 0), ST_OK);
    assert_int_equal(plain.rows, (uint64_t)NFILES * ROWS);
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        ev_batch z;
        memset(&z, 0, sizeof z);
        assert_int_equal(read_windows(&z, &f, 1, 40, chunks[c]), ST_OK);
        assert_int_equal(z.rows, plain.rows);
        assert_int_equal(z.bad_rows, 0);
        assert_int_equal(z.bytes, plain.bytes);
        assert_int_equal(z.txs.n, plain.txs.n);
        assert_memory_equal(z.txs.v, plain.txs.v, z.txs.n * sizeof *z.txs.v);
        ev_batch_free(&z);
    }
    ev_batch_free(&plain);
    free_files(&f);
}

static void test_stop_early(void **state) {
    (void)state;
    files f;
    make_files(&f, 1);
    ev_batch b;
    /* a file out of block order half-way: the windowed reading stops there,
     * the other files mid-inflate; read whole afterwards, every row */
    memset(&b, 0, sizeof b);
    assert_int_equal(read_windows(&b, &f, 1, 40, 0), EV_UNSORTED);
    assert_true(b.rows < (uint64_t)NFILES * ROWS);
    ev_batch_free(&b);
    memset(&b, 0, sizeof b);
    st_error err;
    st_error_clear(&err);
    for (size_t i = 0; i < NFILES; i++)
        assert_int_equal(ev_read_buffer(&b, (const char *)f.gz[i], f.zlen[i], "part.csv", &err), ST_OK);
    assert_int_equal(b.rows, (uint64_t)NFILES * ROWS);
    assert_int_equal(b.bad_rows, 0);
    ev_batch_free(&b);
    /* the row limit, reached while every file is inflated ahead */
    memset(&b, 0, sizeof b);
    b.max_rows = (uint64_t)NFILES * ROWS / 3;
    assert_int_equal(read_windows(&b, &f, 1, 40, 0), ST_ELIMIT);
    assert_int_equal(b.rows, b.max_rows);
    assert_true(b.full);
    ev_batch_free(&b);
    /* files closed half read, in another order than opened */
    memset(&b, 0, sizeof b);
    ev_source *s[NFILES];
    for (size_t i = 0; i < NFILES; i++) {
        assert_int_equal(ev_source_open_buffer(&b, (const char *)f.gz[i], f.zlen[i], "part.csv", &s[i], &err),
                         ST_OK);
        assert_int_equal(ev_source_read(s[i], -1, 1000 + i * 3 + 50, &err), ST_OK);
    }
    for (size_t i = 0; i < NFILES; i++) ev_source_close(s[(i * 7) % NFILES]);
    assert_int_equal(b.rows, (uint64_t)NFILES * 510); /* 51 blocks of 10 rows each */
    ev_batch_free(&b);
    /* a file cut short among good ones: its rows before the cut, one report
     * (a damaged file may inflate to rows of any block before zlib sees it:
     * the unit test of the damage is test_evm_gzip's) */
    f.zlen[3] /= 2;
    memset(&b, 0, sizeof b);
    int nbad = 0;
    b.on_bad = on_bad;
    b.ctx = &nbad;
    free(f.text[NFILES / 2]); /* the file out of order replaced by one in order */
    free(f.gz[NFILES / 2]);
    f.text[NFILES / 2] = tx_text(1000 + (uint64_t)NFILES / 2 * 3, SIZE_MAX, &f.len[NFILES / 2]);
    f.gz[NFILES / 2] = gzip_text(f.text[NFILES / 2], f.len[NFILES / 2], &f.zlen[NFILES / 2]);
    assert_int_equal(read_windows(&b, &f, 1, 40, 0), ST_OK);
    assert_int_equal(nbad, 1);
    assert_true(b.rows < (uint64_t)NFILES * ROWS && b.rows > (uint64_t)(NFILES - 1) * ROWS);
    ev_batch_free(&b);
    free_files(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_files),
        cmocka_unit_test(test_stop_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
