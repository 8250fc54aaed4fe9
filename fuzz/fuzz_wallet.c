/* fuzz_wallet.c - wallet address normalisation on arbitrary text: never
 * overflows, output never longer than the input, idempotent on success. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/wallet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const chains[] = {NULL, "ETH", "XBT", "XRP", "USDT", "XMR", "XVG"};
    char *s = st_strndup((const char *)data, size);
    if (!s) return 0;
    for (size_t c = 0; c < sizeof chains / sizeof chains[0]; c++) {
        char out[ST_WALLET_MAX + 1], again[ST_WALLET_MAX + 1];
        const char *fam;
        int rc = st_wallet_normalize(chains[c], s, out, sizeof out, &fam);
        if (strlen(out) > strlen(s)) __builtin_trap();
        if (rc == ST_OK) {
            if (st_wallet_normalize(chains[c], out, again, sizeof again, NULL) != ST_OK) __builtin_trap();
            if (strcmp(out, again) != 0) __builtin_trap();
        }
    }
    unsigned char h[32];
    st_keccak256(data, size, h);
    st_free(s);
    return 0;
}
