/*
 * trace_bench.c - timings for bench/trace_bench.sh, all in one run over
 * one store: the baseline (one sequential scan summing out_value over
 * every output), the theft traced to its whole frontier (haircut), and
 * exposure queries at 3 and 5 hops (p50/p99 over deposit addresses and
 * addresses drawn from the chain).  Prints medians and the ratio.
 *
 * usage: trace_bench DB TAGPACK TRUTH_JSON [QUERIES]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/progress.h"
#include "sanctrace/chain.h"
#include "sanctrace/trace.h"

static int dcmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p) {
    qsort(v, n, sizeof *v, dcmp);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: trace_bench DB TAGPACK TRUTH_JSON [QUERIES]\n");
        return 2;
    }
    size_t queries = argc > 4 ? (size_t)atol(argv[4]) : 200;
    st_error e;
    st_error_clear(&e);
    st_chain *c;
    if (st_chain_open(&c, argv[1], &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 2;
    }
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    st_clusters *cl = NULL;
    if (st_clusters_open(&cl, argv[1], c, &e)) cl = NULL;
    st_tagset *ts;
    st_tagmap *tm;
    st_tagset_new(&ts);
    if (st_tagset_load_path(ts, argv[2], &e) || st_tagmap_new(&tm, ts, c, cl, NULL)) {
        fprintf(stderr, "tags: %s\n", e.msg);
        return 2;
    }
    json_t *truth = json_load_file(argv[3], 0, NULL);
    if (!truth) return 2;
    /* the theft's label: the tag of the first stolen output's address */
    const char *stolen = json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(truth, "theft"), "stolen_outputs"), 0), "address"));
    uint64_t sa;
    if (!stolen || !st_chain_find_addr(c, stolen, &sa)) return 2;
    const st_tag *theft = st_tagmap_find(tm, sa, INT64_MAX - 1, NULL);
    if (!theft) return 2;
    uint64_t *src = NULL;
    size_t nsrc = 0, cap = 0;
    if (st_trace_source(c, tm, theft->label, &src, &nsrc, &cap, &e)) return 2;

    printf("store: %llu transactions, %llu outputs, %llu addresses\n", (unsigned long long)k.ntx,
           (unsigned long long)k.nout, (unsigned long long)k.naddr);
    enum { REPS = 5 };
    double scan[REPS], tr[REPS];
    int64_t sum = 0;
    st_trace_result *r = NULL;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = st_now();
        int64_t s = 0;
        for (uint64_t o = 0; o < k.nout; o++) s += k.out_value[o];
        scan[rep] = st_now() - t0;
        sum = s;
        st_trace_opts o = {ST_TAINT_HAIRCUT, -1, 0, 0, 0, 0, tm};
        st_trace_result_free(r);
        t0 = st_now();
        if (st_trace_run(c, src, nsrc, &o, &r, &e)) return 2;
        tr[rep] = st_now() - t0;
    }
    double ms = pct(scan, REPS, 0.5), mt = pct(tr, REPS, 0.5);
    printf("scan (sum of out_value over %llu outputs = %lld): median %.3f ms\n", (unsigned long long)k.nout,
           (long long)sum, ms * 1e3);
    int64_t at_services = 0;
    for (size_t f = 0; f < r->nfrontier; f++)
        if (r->frontier[f].tag) at_services += r->frontier[f].tainted;
    printf("trace theft -> whole frontier (haircut, %zu sources, %llu txs, %zu frontier outputs, %.1f%% of the "
           "taint at services): median %.3f ms\n",
           nsrc, (unsigned long long)r->txs, r->nfrontier,
           100.0 * (double)at_services / (double)(r->source_value ? r->source_value : 1), mt * 1e3);
    printf("ratio trace / scan: %.3f (target <= 3)\n", mt / ms);
    st_trace_result_free(r);

    /* exposure targets: every deposit address, then addresses drawn evenly */
    size_t nt = 0;
    uint64_t *targets = malloc((queries + 64) * sizeof *targets);
    json_t *deps = json_object_get(truth, "deposits"), *d;
    size_t i;
    json_array_foreach(deps, i, d) {
        uint64_t a;
        if (nt < queries && st_chain_find_addr(c, json_string_value(json_object_get(d, "address")), &a)) targets[nt++] = a;
    }
    for (uint64_t step = k.naddr / (queries + 1) + 1, a = step; nt < queries && a < k.naddr; a += step) targets[nt++] = a;
    for (uint32_t hops = 3; hops <= 5; hops += 2) {
        double *lat = malloc(nt * sizeof *lat);
        uint64_t cut = 0, exposed = 0;
        for (size_t q = 0; q < nt; q++) {
            st_exposure_opts o = {hops, 0, 3, tm, cl};
            st_exposure_result *x;
            double t0 = st_now();
            if (st_exposure_run(c, &targets[q], 1, &o, &x, &e)) return 2;
            lat[q] = st_now() - t0;
            cut += x->cut;
            exposed += x->nshares > 0;
            st_exposure_result_free(x);
        }
        printf("exposure %u hops over %zu addresses (%llu with exposure, %llu cut): p50 %.3f ms  p99 %.3f ms  "
               "max %.3f ms (target p99 < 50 ms)\n",
               hops, nt, (unsigned long long)exposed, (unsigned long long)cut, pct(lat, nt, 0.5) * 1e3,
               pct(lat, nt, 0.99) * 1e3, pct(lat, nt, 1.0) * 1e3);
        free(lat);
    }
    free(targets);
    st_free(src);
    json_decref(truth);
    st_tagmap_free(tm);
    st_tagset_free(ts);
    st_clusters_close(cl);
    st_chain_close(c);
    return 0;
}
