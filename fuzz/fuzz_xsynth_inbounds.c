/* fuzz_xsynth_inbounds.c - the inbounds CSV of `evm synth --scenario bybit
 * --inbounds` (THORChain deposits played on a node) on arbitrary bytes: no
 * crash or leak; an accepted file has at least one row and parses again to
 * the same count; a rejected one says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "trace/xsynth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_error err, err2;
    size_t n = 0, n2 = 0;
    st_error_clear(&err), st_error_clear(&err2);
    int rc = xs_parse_inbounds((const char *)data, size, "fuzz", &n, &err);
    if (rc == ST_OK) {
        if (!n || xs_parse_inbounds((const char *)data, size, "fuzz", &n2, &err2) != ST_OK || n2 != n) abort();
    } else if (!err.msg[0]) {
        abort();
    }
    return 0;
}
