/* fuzz_rings.c - the rings readers (CSV and JSON lines), normalisers,
 * linking and both outputs on arbitrary bytes, then the same bytes checked
 * against what was read (the hiring-time checker's lookups and scoring):
 * no crash, no leak, no sanitizer report.  The first byte picks the reader (even: CSV, odd:
 * JSON lines), so one target drives both. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/rings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0 || size > (1u << 16)) return 0;
    int jsonl = data[0] & 1;
    data++;
    size--;
    /* the reader picks JSON lines when the first byte is '{' */
    char *buf = st_malloc(size + 2);
    if (!buf) return 0;
    size_t off = 0;
    if (jsonl && (size == 0 || data[0] != '{')) buf[off++] = '{';
    if (!jsonl && size && data[0] == '{') buf[off++] = 'x';
    if (size) memcpy(buf + off, data, size);
    st_rings *r = NULL;
    st_error err;
    st_rings_opts o;
    memset(&o, 0, sizeof o);
    if (st_rings_new(&r, &o, &err) == ST_OK) {
        if (st_rings_add_buffer(r, buf, size + off, "fuzz", &err) == ST_OK && st_rings_run(r, &err) == ST_OK) {
            FILE *f = fopen("/dev/null", "w");
            if (f) {
                (void)st_rings_write_json(r, f);
                (void)st_rings_write_table(r, f);
                fclose(f);
            }
            st_rings_checker *ck = NULL;
            if (st_rings_checker_new(&ck, r, &err) == ST_OK) {
                json_t *out = NULL;
                if (st_rings_checker_check(ck, buf, size + off, "fuzz-check", &out, &err) == ST_OK) json_decref(out);
                st_rings_checker_free(ck);
            }
        }
        st_rings_free(r);
    }
    st_free(buf);
    return 0;
}
