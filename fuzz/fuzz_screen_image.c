/* fuzz_screen_image.c - the screening image reader on arbitrary bytes:
 * the structure is checked without the checksum or the origin (so the
 * fuzzer reaches every structural check), and an image that passes is
 * opened as a name index, queried, and every form it holds is expanded
 * and compared, as screening would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/name_index.h"
#include "screen/image.h"

static st_names_ctx *fuzz_ctx;    /* the harness's one context, made once */
static st_name_form *fuzz_query[3];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    st_error err;
    if (st_names_ctx_new(&fuzz_ctx, &err) != ST_OK) return 1;
    const char *q[3] = {"Ri Pyong Chol", "Korea Mining Development Trading Corp", "al-Hassan bin Omar"};
    for (int i = 0; i < 3; i++)
        if (st_name_prepare(fuzz_ctx, q[i], ST_SCHEMA_UNKNOWN, &fuzz_query[i]) != ST_OK) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 20)) return 0;
    uint64_t *img = malloc(size / 8 + 1 > 0 ? (size / 8 + 1) * 8 : 8); /* 8-byte aligned copy */
    if (!img) return 0;
    memcpy(img, data, size);
    screen_image im;
    st_error err;
    st_name_index *ix = NULL;
    st_name_scratch *sc = NULL;
    if (screen_image_parse(img, size, NULL, 0, 0, 0, &im, &err) == ST_OK &&
        st_name_index_open_image(im.index, im.index_len, &ix, &err) == ST_OK &&
        st_name_scratch_new(ix, &sc) == ST_OK) {
        for (int i = 0; i < 3; i++) {
            st_name_cand c[16];
            size_t n = 0;
            st_name_index_query(ix, sc, fuzz_query[i], c, 16, &n);
            for (size_t k = 0; k < n; k++) {
                json_t *x = NULL;
                st_name_compare_forms(fuzz_query[i], st_name_index_form(ix, c[k].name_idx), ST_SCHEMA_PERSON, &x);
                json_decref(x);
            }
        }
        for (uint32_t k = 0; k < st_name_index_count(ix) && k < 256; k++) {
            const st_name_form *f = st_name_index_form(ix, k);
            if (f) st_name_compare_forms(f, fuzz_query[k % 3], ST_SCHEMA_UNKNOWN, NULL);
        }
    }
    st_name_scratch_free(sc);
    st_name_index_free(ix);
    free(img);
    return 0;
}
