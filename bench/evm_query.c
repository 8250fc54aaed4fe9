/* evm_query.c - in-process latency of the Ethereum store's point queries:
 * `evm tx` (find by hash, the transaction and its flows formatted) and
 * `evm address` (find, then received/sent per asset over its flows), on
 * random transactions and addresses of an existing store.  Prints p50, p99
 * and max in microseconds.  Usage: evm_query DB [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "sanctrace/evm.h"
#include "sanctrace/io.h"

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, size_t n) {
    qsort(t, n, sizeof *t, cmp_d);
    printf("  %-12s p50 %.1f us  p99 %.1f us  max %.1f us  (%zu queries, in process)\n", what, t[n / 2] * 1e6,
           t[n * 99 / 100] * 1e6, t[n - 1] * 1e6, n);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: evm_query DB [N]\n");
        return 2;
    }
    size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 10000;
    st_evm *e;
    st_error err;
    if (st_evm_open(&e, argv[1], &err)) {
        char m[1024];
        fprintf(stderr, "evm_query: %s\n", st_error_format(&err, m, sizeof m));
        return 2;
    }
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    if (!s.transactions || !s.addresses || !n) return 2;
    double *t = malloc(n * sizeof *t);
    st_rng rng = {42};
    volatile size_t sink = 0;
    for (size_t i = 0; i < n; i++) {
        st_evm_tx x;
        st_evm_get_tx(e, st_rng_below(&rng, s.transactions), &x);
        char hex[67] = "0x";
        for (int k = 0; k < 32; k++) snprintf(hex + 2 + 2 * k, 3, "%02x", x.hash[k]);
        double t0 = st_now();
        uint64_t id;
        if (st_evm_find_tx(e, hex, &id) == 1) {
            st_evm_get_tx(e, id, &x);
            char a[ST_U256_TEXT], b[43];
            for (uint64_t f = x.first_flow; f < x.first_flow + x.nflows; f++) {
                st_evm_flow fl;
                st_evm_get_flow(e, f, &fl);
                st_u256_format(&fl.amount, a);
                st_evm_addr_text(e, fl.from, b);
                st_evm_addr_text(e, fl.to, b);
                sink += strlen(a) + strlen(b);
            }
        }
        t[i] = st_now() - t0;
    }
    report("evm tx", t, n);
    for (size_t i = 0; i < n; i++) {
        char text[43];
        uint8_t a[20];
        st_evm_addr_text(e, st_rng_below(&rng, s.addresses), text);
        double t0 = st_now();
        uint64_t id;
        st_evm_summary sum;
        if (st_evm_addr_parse(text, a) == ST_OK && st_evm_find_addr(e, a, &id) &&
            st_evm_address_summary(e, id, INT64_MAX, &sum, &err) == ST_OK) {
            sink += sum.nbalances;
            st_free(sum.balances);
        }
        t[i] = st_now() - t0;
    }
    report("evm address", t, n);
    /* addresses as often as they move value (a random flow's sender or
     * recipient): exchanges and busy contracts, what investigators ask
     * about, at a random block of the store (running balances, balance.c) */
    uint64_t busiest = 0, most = 0;
    for (uint64_t a = 0; a < s.addresses; a++)
        if (st_evm_addr_nflows(e, a) > most) most = st_evm_addr_nflows(e, a), busiest = a;
    for (size_t i = 0; i < n; i++) {
        st_evm_flow f;
        st_evm_get_flow(e, st_rng_below(&rng, s.flows), &f);
        uint64_t id = (i & 1) && f.to != ST_EVM_NONE ? f.to : f.from != ST_EVM_NONE ? f.from : f.to;
        int64_t at = s.first_block + (int64_t)st_rng_below(&rng, (uint64_t)(s.last_block - s.first_block + 1));
        double t0 = st_now();
        st_evm_summary sum;
        if (id != ST_EVM_NONE && st_evm_address_summary(e, id, at, &sum, &err) == ST_OK) {
            sink += sum.nbalances;
            st_free(sum.balances);
        }
        t[i] = st_now() - t0;
    }
    report("by activity", t, n);
    printf("  %-12s (addresses weighted by their flows, --at-block a random block)\n", "");
    size_t nb = n < 1000 ? n : 1000;
    for (size_t i = 0; i < nb; i++) {
        int64_t at = i & 1 ? INT64_MAX : s.first_block + (int64_t)st_rng_below(&rng, (uint64_t)(s.last_block - s.first_block + 1));
        double t0 = st_now();
        st_evm_summary sum;
        if (st_evm_address_summary(e, busiest, at, &sum, &err) == ST_OK) {
            sink += sum.nbalances;
            st_free(sum.balances);
        }
        t[i] = st_now() - t0;
    }
    report("busiest", t, nb);
    printf("  %-12s (the address with the most flows: %llu; all of them and at a random block)\n", "",
           (unsigned long long)most);
    (void)sink;
    free(t);
    st_evm_close(e);
    return 0;
}
