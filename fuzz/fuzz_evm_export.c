/* fuzz_evm_export.c - the ethereum-etl export reader (every table: the
 * header decides which) on arbitrary bytes: rows, trace addresses,
 * withdrawals JSON, Transfer topics and 256-bit amounts. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evm/evm_int.h"

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
    ev_batch_free(&b);
    return 0;
}
