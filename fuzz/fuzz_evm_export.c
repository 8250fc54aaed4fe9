/* fuzz_evm_export.c - the ethereum-etl export reader (every table: the
 * header decides which) on arbitrary bytes: rows, trace addresses,
 * withdrawals JSON, Transfer topics and 256-bit amounts.  Input that
 * starts as gzip goes through the inflater (damaged streams, members).
 * Other input is also gzipped here, as two members cut where its second
 * byte says, and read a piece at a time with a buffer its first byte
 * sizes: the rows and bad-row counts must be those of the plain reading
 * (a piece boundary anywhere, even inside a quoted field or a CRLF).
 * Bytes read may differ: a file whose header is bad is not inflated on.
 * The withdrawals are read again with the JSON reader alone: the same
 * rows and counts as with the common fields read without it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "evm/evm_int.h"

#define SAME(f) (a->f.n == z->f.n && (!a->f.n || !memcmp(a->f.v, z->f.v, a->f.n * sizeof *a->f.v)))

static int same_rows(const ev_batch *a, const ev_batch *z) {
    return a->rows == z->rows && a->bad_rows == z->bad_rows && SAME(txs) && SAME(receipts) && SAME(traces) &&
           SAME(tokens) && SAME(blocks) && SAME(wd) && SAME(paths) && SAME(token_addrs) && SAME(events);
}

/* data as gzip members cut at cut: the caller's (free), NULL on failure */
static unsigned char *gzip_members(const uint8_t *data, size_t size, size_t cut, int level, size_t *len) {
    size_t cap = size + size / 8 + 256, n = 0;
    unsigned char *out = malloc(cap);
    if (!out) return NULL;
    size_t from = 0;
    for (int m = 0; m < 2; m++) {
        size_t to = m ? size : cut;
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) break;
        zs.next_in = (Bytef *)(uintptr_t)(data + from);
        zs.avail_in = (uInt)(to - from);
        zs.next_out = out + n;
        zs.avail_out = (uInt)(cap - n);
        int ret = deflate(&zs, Z_FINISH);
        n = cap - zs.avail_out;
        deflateEnd(&zs);
        if (ret != Z_STREAM_END) {
            free(out);
            return NULL;
        }
        from = to;
    }
    *len = n;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ev_batch b;
    memset(&b, 0, sizeof b);
    st_error err;
    st_error_clear(&err);
    (void)ev_read_buffer(&b, (const char *)data, size, "fuzz", &err);
    /* every kept row holds what its table promises */
    for (size_t i = 0; i < b.traces.n; i++)
        if (b.traces.v[i].path_off + b.traces.v[i].depth > b.paths.n) __builtin_trap();
    for (size_t i = 0; i < b.blocks.n; i++)
        if (b.blocks.v[i].first_wd + b.blocks.v[i].nwd > b.wd.n) __builtin_trap();
    {
        ev_batch j;
        memset(&j, 0, sizeof j);
        ev_withdrawals_fast(0);
        st_error_clear(&err);
        (void)ev_read_buffer(&j, (const char *)data, size, "fuzz", &err);
        ev_withdrawals_fast(1);
        if (!same_rows(&b, &j)) __builtin_trap();
        ev_batch_free(&j);
    }
    if (size >= 2 && !(data[0] == 0x1f && data[1] == 0x8b)) {
        size_t glen;
        unsigned char *g = gzip_members(data, size, (size_t)data[1] * size / 256, data[0] % 10, &glen);
        if (g) {
            ev_batch z;
            memset(&z, 0, sizeof z);
            z.gz_chunk = 1 + (size_t)data[0] % 67;
            st_error_clear(&err);
            (void)ev_read_buffer(&z, (const char *)g, glen, "fuzz", &err);
            if (!same_rows(&b, &z)) __builtin_trap();
            ev_batch_free(&z);
            free(g);
        }
    }
    ev_batch_free(&b);
    return 0;
}
