/*
 * rings_check_bench.c - timings for bench/rings_check.sh: one-record
 * hiring-time checks against a large state.  Loads the state's records,
 * runs the rings over them once, builds the checker, then checks each
 * query record alone (a CSV header and one row, as an HR system would
 * send it) and prints p50/p99 with the baseline measured in the same run:
 * reading that one row into a context (no linking at all), the floor any
 * check pays.
 *
 * usage: rings_check_bench STATE.csv QUERIES.csv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/progress.h"
#include "sanctrace/io.h"
#include "sanctrace/rings.h"

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double load_average(void) {
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

static int dcmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p) {
    qsort(v, n, sizeof *v, dcmp);
    return v[(size_t)(p * (double)(n - 1) + 0.5)];
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: rings_check_bench STATE.csv QUERIES.csv\n");
        return 2;
    }
    st_error e;
    st_error_clear(&e);
    st_rings_opts o = {0};
    st_rings *r = NULL, *floor_ctx = NULL;
    st_rings_checker *ck = NULL;
    double t0 = st_now();
    if (st_rings_new(&r, &o, &e) != ST_OK || st_rings_add_file(r, argv[1], &e) != ST_OK || st_rings_run(r, &e) != ST_OK) {
        fprintf(stderr, "rings_check_bench: %s\n", e.msg);
        return 1;
    }
    double t_run = st_now() - t0;
    t0 = st_now();
    if (st_rings_checker_new(&ck, r, &e) != ST_OK) { fprintf(stderr, "rings_check_bench: %s\n", e.msg); return 1; }
    double t_index = st_now() - t0;
    char *q = NULL;
    size_t ql = 0;
    if (st_file_read(argv[2], 1u << 30, &q, &ql, &e) != ST_OK || st_rings_new(&floor_ctx, &o, &e) != ST_OK) {
        fprintf(stderr, "rings_check_bench: %s\n", e.msg);
        return 1;
    }
    char *nl = memchr(q, '\n', ql);
    if (!nl) return 1;
    size_t hl = (size_t)(nl - q) + 1;
    size_t cap = 100000, n = 0, high = 0, in_ring = 0;
    double *tc = malloc(cap * sizeof *tc), *tb = malloc(cap * sizeof *tb), *tu = malloc(cap * sizeof *tu);
    char *buf = malloc(hl + (1u << 20));
    for (char *p = nl + 1; p < q + ql && n < cap;) {
        char *e2 = memchr(p, '\n', (size_t)(q + ql - p));
        size_t l = e2 ? (size_t)(e2 - p) + 1 : (size_t)(q + ql - p);
        if (l > (1u << 20)) break;
        memcpy(buf, q, hl);
        memcpy(buf + hl, p, l);
        double a = st_now();
        (void)st_rings_add_buffer(floor_ctx, buf, hl + l, "query", &e);
        double b = st_now();
        json_t *out = NULL;
        double u0 = cpu_now();
        if (st_rings_checker_check(ck, buf, hl + l, "query", &out, &e) != ST_OK) { fprintf(stderr, "check: %s\n", e.msg); return 1; }
        double c = st_now();
        tu[n] = cpu_now() - u0;
        json_t *x = json_array_get(json_object_get(out, "checks"), 0);
        high += x && !strcmp(json_string_value(json_object_get(x, "level")), "high");
        in_ring += x && json_is_string(json_object_get(x, "ring"));
        json_decref(out);
        tb[n] = b - a;
        tc[n++] = c - b;
        p += l;
    }
    printf("rings check bench: state %zu records (run %.1f s, checker index %.2f s), %zu one-record checks\n",
           st_rings_count(r), t_run, t_index, n);
    printf("  check          p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", 1e3 * pct(tc, n, 0.5), 1e3 * pct(tc, n, 0.99),
           1e3 * pct(tc, n, 1.0));
    printf("  check CPU      p50 %.3f ms  p99 %.3f ms  max %.3f ms (load average %.2f)\n", 1e3 * pct(tu, n, 0.5),
           1e3 * pct(tu, n, 0.99), 1e3 * pct(tu, n, 1.0), load_average());
    double b50 = pct(tb, n, 0.5);
    printf("  baseline read  p50 %.3f ms  p99 %.3f ms\n", 1e3 * b50, 1e3 * pct(tb, n, 0.99));
    printf("  ratio check/read (p50) %.1f\n", pct(tc, n, 0.5) / b50);
    printf("  answers: %zu would join a ring, %zu high\n", in_ring, high);
    free(tc);
    free(tb);
    free(tu);
    free(buf);
    free(q);
    st_rings_checker_free(ck);
    st_rings_free(floor_ctx);
    st_rings_free(r);
    return 0;
}
