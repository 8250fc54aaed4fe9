/*
 * screen_bench.c - screening speed beside a brute-force Jaro-Winkler scan
 * of every list name, in the same run on the same queries.
 *
 * usage: screen_bench DATA_DIR QUERIES [BASELINE_QUERIES [QUERIES_CSV_OUT]]
 * Prints snapshot load time (from the screening image, and rebuilt without
 * it), single-thread and all-thread queries/s,
 * p50/p99 latency, peak memory, the baseline's cost per query and the ratio
 * per query with the load included (process start is measured by
 * bench/run.sh around the real command).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/progress.h"
#include "jaro_winkler.h"
#include "sanctrace/eval.h"
#include "sanctrace/names.h"
#include "sanctrace/screen.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct bench_job {
    st_snapshot *snap;
    char **queries;
    size_t n;
    _Atomic size_t next;
} bench_job;

static void *bench_worker(void *arg) {
    bench_job *j = arg;
    st_screen_opts so = {.threshold = -1, .limit = 10};
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n) break;
        st_query q = {.name = j->queries[i]};
        st_match *m;
        size_t nm;
        st_screen(j->snap, &q, &so, &m, &nm, NULL);
        st_matches_free(m, nm);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: screen_bench DATA_DIR NQUERIES [NBASELINE]\n"); return 2; }
    size_t nq = (size_t)atol(argv[2]);
    size_t nb = argc > 3 ? (size_t)atol(argv[3]) : 200;
    st_error err;
    st_error_clear(&err);
    double loads[3];
    st_snapshot *snap = NULL;
    for (int r = 0; r < 3; r++) {
        if (snap) st_snapshot_release(snap);
        double t0 = st_now();
        if (st_snapshot_open(argv[1], &snap, &err) != ST_OK) {
            fprintf(stderr, "screen_bench: %s\n", err.msg);
            return 2;
        }
        loads[r] = st_now() - t0;
    }
    qsort(loads, 3, sizeof loads[0], cmp_double);
    double load = loads[1];
    /* the same snapshot without its screening image: parsed and prepared
     * from entities.jsonl (the open writes the image again) */
    double rebuild = -1;
    {
        char img[4200];
        snprintf(img, sizeof img, "%s/snapshots/%s/screen.img", argv[1], st_snapshot_version(snap));
        st_snapshot *again = NULL;
        if (unlink(img) == 0) {
            double t0 = st_now();
            if (st_snapshot_open(argv[1], &again, &err) == ST_OK) rebuild = st_now() - t0;
            st_snapshot_release(again);
        }
    }

    /* queries: the DPRK deck's variants and innocents, half and half */
    size_t nsrc = 0;
    const char **src = malloc(st_snapshot_count(snap) * sizeof *src);
    for (size_t i = 0; i < st_snapshot_count(snap); i++) {
        const st_entity *e = st_snapshot_entity(snap, i);
        if (e->schema == ST_SCHEMA_PERSON && e->n_names) src[nsrc++] = e->names[0].value;
    }
    st_deck var = {0}, inn = {0};
    st_deck_variants(src, nsrc, 7, &var);
    st_deck_innocents(nq, 7, &inn);
    char **queries = malloc(nq * sizeof *queries);
    for (size_t i = 0; i < nq; i++)
        queries[i] = (i % 2 && var.n) ? var.items[(i * 7919) % var.n].name : inn.items[i % inn.n].name;

    if (argc > 4) { /* the same queries as CSV, for timing the real command */
        FILE *f = fopen(argv[4], "w");
        if (f) {
            fprintf(f, "id,name\n");
            for (size_t i = 0; i < nq; i++) {
                fprintf(f, "q%zu,\"", i);
                for (const char *p = queries[i]; *p; p++) fputs(*p == '"' ? "\"\"" : (char[]){*p, 0}, f);
                fprintf(f, "\"\n");
            }
            fclose(f);
        }
    }

    /* single thread, per-query latency */
    double *lat = malloc(nq * sizeof *lat);
    st_screen_opts so = {.threshold = -1, .limit = 10};
    double t0 = st_now();
    for (size_t i = 0; i < nq; i++) {
        double a = st_now();
        st_query q = {.name = queries[i]};
        st_match *m;
        size_t nm;
        st_screen(snap, &q, &so, &m, &nm, NULL);
        st_matches_free(m, nm);
        lat[i] = st_now() - a;
        if (getenv("SCREEN_BENCH_SLOW") && lat[i] > atof(getenv("SCREEN_BENCH_SLOW")))
            fprintf(stderr, "slow query %.1f us: %s\n", lat[i] * 1e6, queries[i]);
    }
    double one = st_now() - t0;
    qsort(lat, nq, sizeof *lat, cmp_double);

    /* all threads */
    long nthreads = sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 64) nthreads = 64;
    bench_job job = {.snap = snap, .queries = queries, .n = nq};
    pthread_t tid[64];
    t0 = st_now();
    for (long t = 0; t < nthreads; t++) pthread_create(&tid[t], NULL, bench_worker, &job);
    for (long t = 0; t < nthreads; t++) pthread_join(tid[t], NULL);
    double all = st_now() - t0;

    /* baseline: Jaro-Winkler against every name, names folded once up front */
    size_t nn = 0;
    for (size_t i = 0; i < st_snapshot_count(snap); i++) nn += st_snapshot_entity(snap, i)->n_names;
    char **folded = malloc(nn * sizeof *folded);
    size_t *flen = malloc(nn * sizeof *flen);
    nn = 0;
    for (size_t i = 0; i < st_snapshot_count(snap); i++) {
        const st_entity *e = st_snapshot_entity(snap, i);
        for (size_t k = 0; k < e->n_names; k++) {
            char b[512];
            flen[nn] = jw_fold(e->names[k].value, b, sizeof b);
            folded[nn++] = strdup(b);
        }
    }
    if (nb > nq) nb = nq;
    volatile double sink = 0;
    t0 = st_now();
    for (size_t i = 0; i < nb; i++) {
        char b[512];
        size_t lb = jw_fold(queries[i], b, sizeof b);
        double best = 0;
        for (size_t k = 0; k < nn; k++) {
            double s = st_jaro_winkler(b, lb, folded[k], flen[k]);
            if (s > best) best = s;
        }
        sink += best;
    }
    double base = (st_now() - t0) / (double)(nb ? nb : 1);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double per_query_loaded = (load + one) / (double)nq;
    printf("snapshot: %zu entities, %zu names\n", st_snapshot_count(snap), nn);
    printf("load from the screening image (median of 3): %.3f s\n", load);
    if (rebuild >= 0) printf("load rebuilding from entities.jsonl (no image): %.3f s\n", rebuild);
    printf("queries: %zu   one thread: %.0f q/s   %ld threads: %.0f q/s\n", nq, (double)nq / one,
           nthreads, (double)nq / all);
    printf("latency one thread: p50 %.1f us   p99 %.1f us\n", lat[nq / 2] * 1e6,
           lat[(size_t)((double)nq * 0.99)] * 1e6);
    printf("baseline brute-force Jaro-Winkler over %zu names: %.1f us per query (%zu queries)\n", nn,
           base * 1e6, nb);
    printf("sanctrace per query, load included: %.1f us\n", per_query_loaded * 1e6);
    printf("ratio baseline / sanctrace (load included): %.1fx   (queries only: %.1fx)\n",
           base / per_query_loaded, base / (one / (double)nq));
    printf("peak memory: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    (void)sink;
    for (size_t k = 0; k < nn; k++) free(folded[k]);
    free(folded); free(flen); free(queries); free(lat); free(src);
    st_deck_free(&var);
    st_deck_free(&inn);
    st_snapshot_release(snap);
    return 0;
}
