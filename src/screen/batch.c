/*
 * batch.c - many records screened on several threads, results handed on
 * in input order.
 *
 * Design: a fixed set of worker threads takes the next record index from
 * one atomic counter; the calling thread hands each result to the caller
 * in input order as soon as it is its turn, then frees it (holding every
 * result to the end cost more in heap growth than the writing), and
 * screens records itself while it waits.  Invariant: each() sees record i
 * only after records 0..i-1, so the output is the same whatever the thread
 * count.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "core/progress.h"
#include "sanctrace/screen.h"

#define BATCH_MAX_THREADS 64

typedef struct batch_result {
    st_match *m;
    size_t n;
    char *error;       /* owned, unless error_static */
    int error_static;  /* error is a string literal (the copy itself failed) */
    _Atomic int ready; /* set (release) once m, n and error are final */
} batch_result;

typedef struct batch_job {
    const st_snapshot *snap;
    const st_screen_record *recs;
    size_t n;
    st_screen_opts opts;
    const char *dataset;
    batch_result *res;
    _Atomic size_t next;
} batch_job;

static void batch_one(batch_job *j, size_t i) {
    const st_screen_record *r = &j->recs[i];
    batch_result *out = &j->res[i];
    if (!r->error) {
        st_query q;
        st_screen_record_query(r, &q);
        q.dataset = j->dataset;
        st_error err;
        st_error_clear(&err);
        if (st_screen(j->snap, &q, &j->opts, &out->m, &out->n, &err) != ST_OK) {
            char msg[700];
            out->error = st_strdup(st_error_format(&err, msg, sizeof msg));
            if (!out->error) out->error = (char *)"out of memory", out->error_static = 1;
        }
    }
    atomic_store_explicit(&out->ready, 1, memory_order_release);
}

static void *batch_worker(void *arg) {
    batch_job *j = arg;
    for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;) batch_one(j, i);
    return NULL;
}

static void batch_release(batch_result *r) {
    st_matches_free(r->m, r->n);
    if (!r->error_static) st_free(r->error);
    r->m = NULL;
    r->n = 0;
    r->error = NULL;
}

int st_screen_batch(const st_snapshot *s, const st_screen_record *recs, size_t n,
                    const st_screen_batch_opts *o, st_screen_each_fn each, void *ctx) {
    batch_result *res = st_calloc(n ? n : 1, sizeof *res);
    if (!res) return ST_ENOMEM;
    batch_job job;
    memset(&job, 0, sizeof job);
    job.snap = s;
    job.recs = recs;
    job.n = n;
    job.opts = o->opts;
    job.dataset = o->dataset;
    job.res = res;
    long threads = o->threads < 1 ? 1 : o->threads > BATCH_MAX_THREADS ? BATCH_MAX_THREADS : o->threads;
    if ((size_t)threads > n) threads = n ? (long)n : 1;
    pthread_t tid[BATCH_MAX_THREADS];
    long started = 0;
    for (long t = 1; t < threads; t++)
        if (pthread_create(&tid[t], NULL, batch_worker, &job) == 0) started = t;
        else break;
    st_progress prog;
    st_progress_begin(&prog, "screening", n);
    if (!o->progress) prog.enabled = 0;
    int rc = ST_OK;
    for (size_t w = 0; w < n;) {
        batch_result *r = &res[w];
        if (atomic_load_explicit(&r->ready, memory_order_acquire)) {
            rc = each(ctx, &recs[w], r->m, r->n, recs[w].error ? recs[w].error : r->error);
            batch_release(r);
            if (rc != ST_OK) {
                atomic_store(&job.next, n); /* hand out no more work */
                break;
            }
            if (++w % 256 == 0 && prog.enabled) st_progress_tick(&prog, w);
            continue;
        }
        size_t i = atomic_fetch_add(&job.next, 1);
        if (i < n) batch_one(&job, i);
        else sched_yield(); /* the next record to hand on is on another thread */
    }
    for (long t = 1; t <= started; t++) pthread_join(tid[t], NULL);
    for (size_t i = 0; rc != ST_OK && i < n; i++) /* stopped early: what was screened but not handed on */
        if (atomic_load(&res[i].ready)) batch_release(&res[i]);
    st_progress_end(&prog);
    st_free(res);
    return rc;
}
