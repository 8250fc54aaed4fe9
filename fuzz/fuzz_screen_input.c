/* fuzz_screen_input.c - the screening input reader (CSV with header or JSON lines). */
#include <stddef.h>
#include <stdint.h>

#include "sanctrace/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_screen_input in;
    st_error err;
    if (st_screen_input_parse((const char *)data, size, "fuzz", &in, &err) == ST_OK) {
        for (size_t i = 0; i < in.n; i++) {
            st_query q;
            st_screen_record_query(&in.recs[i], &q);
        }
        st_screen_input_free(&in);
    }
    return 0;
}
