/* evm_parse.c - the floor under `evm ingest`: an export's rows read and
 * parsed exactly as the ingest's reader does (export.c's sources, block
 * windows, the files split in the same four groups on four threads
 * when there are two cores or more), and nothing else: no join, no flows, no columns,
 * no indexes.  What `evm ingest` takes beyond this is the store.
 * Prints the rows read, the bad rows, the wall and CPU seconds.
 * Usage: evm_parse FILE...  (the export's CSV or JSON-lines files) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "evm/evm_int.h"

typedef struct group {
    ev_source *src[64];
    size_t n;
    ev_batch b;
    int rc;
    char msg[1024];
} group;

static void on_bad(void *ctx, const st_error *e) {
    (void)ctx;
    (void)e; /* counted in the batch; the ingest prints them */
}

/* The group's files read to their ends, a window of blocks at a time (as
 * reader_main: the span adapts to keep a window between 64k and 256k rows),
 * each window's rows dropped once read. */
static void *run(void *arg) {
    group *g = arg;
    st_error err;
    uint64_t span = 16;
    int64_t passed = -1;
    for (;;) {
        uint64_t lo = UINT64_MAX, rows0 = g->b.rows;
        for (size_t i = 0; i < g->n; i++) {
            uint64_t nb;
            if ((g->rc = ev_source_next_block(g->src[i], &nb, &err))) goto fail;
            if (nb < lo) lo = nb;
        }
        if (lo == UINT64_MAX) break;
        uint64_t hi = lo + span - 1 < lo ? UINT64_MAX - 1 : lo + span - 1;
        for (size_t i = 0; i < g->n; i++)
            if ((g->rc = ev_source_read(g->src[i], passed, hi, &err))) goto fail;
        for (size_t i = 0; i < g->n; i++) ev_source_forget(g->src[i]);
        ev_batch *b = &g->b;
        b->txs.n = b->receipts.n = b->traces.n = b->tokens.n = b->blocks.n = b->wd.n = b->paths.n = 0;
        b->events.n = 0;
        uint64_t rows = b->rows - rows0;
        if (rows < EV_WINDOW_ROWS_MIN && span < ((uint64_t)1 << 40)) span *= 2;
        else if (rows > EV_WINDOW_ROWS_MAX && span > 1) span /= 2;
        if (hi >= UINT64_MAX - 1) break;
        passed = (int64_t)hi;
    }
    return NULL;
fail:
    st_error_format(&err, g->msg, sizeof g->msg);
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 65) {
        fprintf(stderr, "usage: evm_parse FILE... (at most 64)\n");
        return 2;
    }
    static group gr[4];
    double t0 = now();
    for (int k = 0; k < 4; k++) gr[k].b.on_bad = on_bad;
    /* every file opened into group 0's batch (its names and counts), then
     * bound to its group's */
    ev_source *all[64];
    int nall = 0, split = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
    for (int i = 1; i < argc; i++) {
        st_error err;
        char m[1024];
        if (ev_source_open(&gr[0].b, argv[i], &all[nall], &err)) {
            fprintf(stderr, "evm_parse: %s\n", st_error_format(&err, m, sizeof m));
            return 2;
        }
        if (ev_source_group(all[nall]) < 0) split = 0;
        nall++;
    }
    /* the helpers' batches name the files for their reports, as the ingest's do */
    for (int k = 1; k < 4; k++) gr[k].b.names = gr[0].b.names, gr[k].b.nnames = gr[0].b.nnames;
    for (int i = 0; i < nall; i++) {
        group *g = &gr[split ? ev_source_group(all[i]) : 0];
        if (g != &gr[0]) ev_source_bind(all[i], &g->b);
        g->src[g->n++] = all[i];
    }
    pthread_t th[4];
    int helper[4] = {0, 0, 0, 0};
    for (int k = 1; k < 4; k++) {
        helper[k] = gr[k].n && !pthread_create(&th[k], NULL, run, &gr[k]);
        if (gr[k].n && !helper[k]) run(&gr[k]);
    }
    run(&gr[0]);
    for (int k = 1; k < 4; k++)
        if (helper[k]) pthread_join(th[k], NULL);
    double wall = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                 ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    for (int k = 0; k < 4; k++)
        if (gr[k].rc) {
            fprintf(stderr, "evm_parse: %s\n", gr[k].msg);
            return 1;
        }
    printf("rows %llu bad %llu wall %.3f cpu %.3f\n",
           (unsigned long long)(gr[0].b.rows + gr[1].b.rows + gr[2].b.rows + gr[3].b.rows),
           (unsigned long long)(gr[0].b.bad_rows + gr[1].b.bad_rows + gr[2].b.bad_rows + gr[3].b.bad_rows),
           wall, cpu);
    for (int i = 0; i < nall; i++) ev_source_close(all[i]);
    for (int k = 1; k < 4; k++) gr[k].b.names = NULL, gr[k].b.nnames = 0;
    for (int k = 0; k < 4; k++) ev_batch_free(&gr[k].b);
    return 0;
}
