/* fuzz_csv.c - the CSV reader on arbitrary bytes, both encodings. */
#include <stddef.h>
#include <stdint.h>

#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (unsigned flags = 0; flags < 4; flags++) {
        st_csv *c;
        if (st_csv_open(&c, (const char *)data, size, "fuzz", flags) != ST_OK) return 0;
        st_error err;
        int rc, guard = 0;
        while ((rc = st_csv_next(c, &err)) != 0 && guard++ < 100000) {
            if (rc == ST_EPARSE) break;
            for (size_t i = 0; i < st_csv_nfields(c); i++) (void)st_csv_field(c, i);
        }
        st_csv_close(c);
    }
    return 0;
}
