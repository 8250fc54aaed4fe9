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
    (void)sink;
    free(t);
    st_evm_close(e);
    return 0;
}
