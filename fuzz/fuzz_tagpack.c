/* fuzz_tagpack.c - the TagPack YAML reader on arbitrary bytes: every
 * input either loads whole or fails with a position, and every tag it
 * adds has an address and a normalised category. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanctrace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_tagset *ts;
    if (st_tagset_new(&ts) != ST_OK) return 0;
    st_error err;
    st_error_clear(&err);
    int rc = st_tagset_load_yaml(ts, "fuzz.yaml", (const char *)data, size, &err);
    if (rc == ST_OK) {
        for (size_t i = 0; i < st_tagset_count(ts); i++) {
            const st_tag *t = st_tagset_get(ts, i);
            if (!t->address[0] || !t->category[0]) abort();
            (void)st_tag_valid_at(t, 0);
        }
    } else if (st_tagset_count(ts) != 0) {
        abort(); /* a failed file must add nothing */
    }
    st_tagset_free(ts);
    return 0;
}
