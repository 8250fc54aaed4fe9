/* fuzz_names.c - normaliser, Korean parser and comparator on arbitrary
 * bytes: the input is split at its first NUL (or in half) into two names,
 * both are prepared under two schemas and compared with an explanation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names/korean.h"
#include "sanctrace/names.h"

static st_names_ctx *fuzz_ctx; /* the harness's one context, made once */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    st_error err;
    return st_names_ctx_new(&fuzz_ctx, &err) == ST_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *buf = malloc(size + 2);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    buf[size + 1] = 0;
    char *a = buf, *b;
    char *nul = memchr(buf, 0, size);
    if (nul && nul < buf + size) b = nul + 1;
    else { b = buf + size / 2; memmove(b + 1, b, size - size / 2 + 1); *b++ = 0; }
    char norm[256], key[256];
    st_name_normalize(fuzz_ctx, a, norm, sizeof norm);
    ko_phrase_key(a, key, sizeof key);
    ko_syl syl[KO_MAX_SYL];
    ko_parse_token(b, strnlen(b, 64), syl, KO_MAX_SYL);
    st_schema schemas[2] = {ST_SCHEMA_PERSON, ST_SCHEMA_COMPANY};
    for (int s = 0; s < 2; s++) {
        json_t *ex = NULL;
        double v = st_name_compare(fuzz_ctx, a, b, schemas[s], &ex);
        if (v > 1.0 || (v < 0.0 && v != -1.0)) abort();
        json_decref(ex);
    }
    free(buf);
    return 0;
}
