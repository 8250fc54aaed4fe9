/* fuzz_csv.c - the CSV reader on arbitrary bytes, both encodings; and the
 * fast paths (AVX2, SSE2, and fields ended in place in input fed with
 * st_csv_feed_own) against the general loop: every record, field, line
 * number and error the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv.h"

/* Everything one reading gives, written down to compare. */
static void read_all(const uint8_t *data, size_t size, unsigned flags, int own, st_buf *out) {
    st_csv *c;
    char *copy = NULL;
    if (own) { /* a writable copy the reader may end fields in */
        if (!(copy = malloc(size ? size : 1))) return;
        if (size) memcpy(copy, data, size);
        data = (const uint8_t *)copy;
    }
    if (st_csv_open(&c, (const char *)data, size, "fuzz", flags) != ST_OK) {
        free(copy);
        return;
    }
    if (own) {
        size_t bom = st_csv_consumed(c);
        st_csv_feed_own(c, copy + bom, size - bom, 0);
    }
    st_error err;
    int rc, guard = 0;
    while ((rc = st_csv_next(c, &err)) != 0 && guard++ < 100000) {
        char head[64];
        int k = snprintf(head, sizeof head, "\n%d %ld %zu:", rc, st_csv_line(c), rc == 1 ? st_csv_nfields(c) : 0);
        (void)st_buf_append(out, head, (size_t)k);
        if (rc < 0) {
            (void)st_buf_append(out, err.msg, strlen(err.msg));
            if (rc == ST_ENOMEM) break;
            continue;
        }
        for (size_t i = 0; i < st_csv_nfields(c); i++) {
            (void)st_buf_append(out, st_csv_field(c, i), st_csv_field_len(c, i));
            (void)st_buf_append(out, "\x1f", 1);
        }
    }
    st_csv_close(c);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const unsigned flag_sets[] = {0, ST_CSV_HEADER, ST_CSV_CP1252, ST_CSV_TRIM | ST_CSV_HEADER};
    for (size_t f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++) {
        unsigned flags = flag_sets[f];
        st_buf want, got;
        st_buf_init(&want, SIZE_MAX);
        st_csv_fast_paths(0);
        read_all(data, size, flags, 0, &want);
        for (int level = 1; level <= 3; level++) { /* 3: AVX2, in place */
            st_buf_init(&got, SIZE_MAX);
            st_csv_fast_paths(level < 3 ? level : 2);
            read_all(data, size, flags, level == 3, &got);
            if (got.len != want.len || (got.len && memcmp(got.data, want.data, got.len))) abort();
            st_buf_free(&got);
        }
        st_buf_free(&want);
    }
    st_csv_fast_paths(2);
    return 0;
}
