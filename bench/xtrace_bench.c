/* xtrace_bench.c - the account walk of `trace --evm-db` against one
 * sequential scan of the same Ethereum store (every flow read, as the walk
 * reads them), both in process, median of 3 runs each; prints the ratio
 * the target bounds (within 3x one scan).  The source is a transaction 1%
 * into the store, so taint has the whole rest of the chain to spread
 * over.  Then exposure at 5 hops of 300 random addresses, 100 random
 * addresses tagged: p50 and p99 (target p99 under 50 ms).
 * Usage: xtrace_bench DB */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "sanctrace/evm.h"
#include "sanctrace/io.h"
#include "sanctrace/trace.h"
#include "sanctrace/xtrace.h"

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: xtrace_bench DB\n");
        return 2;
    }
    st_evm *e;
    st_evm_events *ev;
    st_error err;
    if (st_evm_open(&e, argv[1], &err) || st_evm_events_open(&ev, e, argv[1], &err)) {
        char m[1024];
        fprintf(stderr, "xtrace_bench: %s\n", st_error_format(&err, m, sizeof m));
        return 2;
    }
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    /* the first transaction 1% in that moves value */
    uint64_t tx = s.transactions / 100;
    st_evm_tx t;
    for (;; tx++) {
        if (tx >= s.transactions) return 2;
        st_evm_get_tx(e, tx, &t);
        if (t.has_hash && t.nflows >= 2 && t.from != ST_EVM_NONE) break;
    }
    char src[67] = "0x";
    for (int k = 0; k < 32; k++) snprintf(src + 2 + 2 * k, 3, "%02x", t.hash[k]);
    double scan[3], walk[2][3];
    volatile uint64_t sink = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = st_now();
        for (uint64_t f = 0; f < s.flows; f++) {
            st_evm_flow fl;
            st_evm_get_flow(e, f, &fl);
            sink += fl.from ^ fl.amount.w[0];
        }
        scan[r] = st_now() - t0;
    }
    const st_taint_model models[2] = {ST_TAINT_HAIRCUT, ST_TAINT_FIFO};
    for (int m = 0; m < 2; m++)
        for (int r = 0; r < 3; r++) {
            st_xtrace_opts o;
            memset(&o, 0, sizeof o);
            o.model = models[m];
            o.until_block = o.until_height = -1;
            o.events = ev;
            const char *from[] = {src};
            st_xtrace *x;
            double t0 = st_now();
            if (st_xtrace_run(e, NULL, from, 1, &o, &x, &err)) return 2;
            walk[m][r] = st_now() - t0;
            json_t *j;
            if (r == 0 && st_xtrace_json(x, 0, &j) == ST_OK) {
                json_t *tot = json_array_get(json_object_get(j, "totals"), 0);
                printf("  %-8s source %s  frontier %s  fees %s  stopped %s  flows walked %lld\n",
                       st_taint_model_name(models[m]), json_string_value(json_object_get(tot, "source")),
                       json_string_value(json_object_get(tot, "frontier")),
                       json_string_value(json_object_get(tot, "fees")),
                       json_string_value(json_object_get(tot, "stopped")),
                       (long long)json_integer_value(json_object_get(j, "flows_walked")));
                json_decref(j);
            }
            st_xtrace_free(x);
        }
    qsort(scan, 3, sizeof *scan, cmp_d);
    printf("  store: %llu flows, %llu transactions\n", (unsigned long long)s.flows,
           (unsigned long long)s.transactions);
    printf("  one sequential scan      %.3f s (median of 3)\n", scan[1]);
    for (int m = 0; m < 2; m++) {
        qsort(walk[m], 3, sizeof walk[m][0], cmp_d);
        printf("  trace %-8s           %.3f s (median of 3)  = %.2fx one scan (target <= 3x)\n",
               st_taint_model_name(models[m]), walk[m][1], walk[m][1] / scan[1]);
    }
    /* exposure */
    st_tagset *ts;
    if (st_tagset_new(&ts)) return 2;
    st_rng rng = {7};
    char addr[43];
    for (int i = 0; i < 100; i++) {
        st_evm_addr_text(e, st_rng_below(&rng, s.addresses), addr);
        st_tag tg;
        memset(&tg, 0, sizeof tg);
        tg.address = addr;
        tg.label = i % 2 ? "Tagged A" : "Tagged B";
        tg.category = "exchange";
        tg.raw_category = tg.abuse = tg.source = tg.currency = tg.actor = tg.confidence = tg.lastmod = tg.pack = "";
        tg.valid_from = INT64_MIN;
        tg.valid_to = INT64_MAX;
        if (st_tagset_add(ts, &tg)) return 2;
    }
    double ex[300];
    uint64_t cut = 0;
    for (int i = 0; i < 300; i++) {
        st_evm_addr_text(e, st_rng_below(&rng, s.addresses), addr);
        st_xexposure *x;
        double t0 = st_now();
        if (st_xexposure_run(e, ev, ts, addr, NULL, 5, 0, &x, &err)) return 2;
        ex[i] = st_now() - t0;
        cut += (uint64_t)st_xexposure_cut(x);
        st_xexposure_free(x);
    }
    qsort(ex, 300, sizeof *ex, cmp_d);
    printf("  exposure at 5 hops     p50 %.2f ms  p99 %.2f ms  max %.2f ms  (300 addresses, %llu cut at 1M visits;"
           " target p99 < 50 ms)\n",
           ex[150] * 1e3, ex[296] * 1e3, ex[299] * 1e3, (unsigned long long)cut);
    st_tagset_free(ts);
    (void)sink;
    st_evm_events_close(ev);
    st_evm_close(e);
    return 0;
}
