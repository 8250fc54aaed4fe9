/* fuzz_thor_memo.c - the THORChain memo parser on arbitrary bytes: every
 * field it fills is NUL-terminated inside its buffer, and a memo it
 * accepts parses again to the same answer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanctrace/xtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_thor_memo m, m2;
    st_error err;
    if (st_thor_memo_parse((const char *)data, size, &m, &err) != ST_OK) return 0;
    if (!memchr(m.asset, 0, sizeof m.asset) || !memchr(m.dest, 0, sizeof m.dest) ||
        !memchr(m.limit, 0, sizeof m.limit) || !memchr(m.chain, 0, sizeof m.chain))
        abort();
    if (m.kind != ST_THOR_SWAP && m.kind != ST_THOR_OUT && m.kind != ST_THOR_REFUND) abort();
    if (st_thor_memo_parse((const char *)data, size, &m2, &err) != ST_OK || memcmp(&m, &m2, sizeof m)) abort();
    return 0;
}
