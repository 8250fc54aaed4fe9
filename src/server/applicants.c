/*
 * applicants.c - the identity-ring state behind POST /applicants/check.
 *
 * Design: the state folder (`sanctrace rings add --state DIR`) is read
 * once, read-only (its lock held only while reading, so `rings add` goes
 * on beside the server), run, and indexed by a checker (rings.h), which
 * answers one application in well under a millisecond of CPU.  Loading a
 * large state takes a while, so it runs in a thread of its own; until the
 * first load is done checks answer 503.  When records.jsonl changes on
 * disk the next check starts a reload in the background and is answered
 * from the loaded state; the new one replaces it when ready.
 *
 * Invariant: a checker borrows its context and is not thread-safe: both
 * are used and replaced only under mu.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "sanctrace/rings.h"
#include "server/applicants.h"

struct srv_applicants {
    pthread_mutex_t mu;
    char dir[4096], records[4200];
    st_rings *r;                 /* the loaded state, run */
    st_rings_checker *ck;
    struct timespec loaded_mtime, loading_mtime, failed_mtime; /* failed: a version that did not load */
    int loading, joined;         /* a loader thread runs / was joined */
    pthread_t loader;
    char error[512];
};

static struct timespec records_mtime(const srv_applicants *a) {
    struct stat st;
    struct timespec none = {0, 0};
    return stat(a->records, &st) == 0 ? st.st_mtim : none;
}

static void *loader_main(void *arg) {
    srv_applicants *a = arg;
    st_error err;
    st_error_clear(&err);
    st_rings_opts o = {0};
    o.state_dir = a->dir;
    o.state_readonly = 1;
    st_rings *r = NULL;
    st_rings_checker *ck = NULL;
    int rc = st_rings_new(&r, &o, &err);
    if (rc == ST_OK) rc = st_rings_run(r, &err);
    if (rc == ST_OK) rc = st_rings_checker_new(&ck, r, &err);
    pthread_mutex_lock(&a->mu);
    if (rc == ST_OK) {
        st_rings_checker *old_ck = a->ck;
        st_rings *old_r = a->r;
        a->ck = ck;
        a->r = r;
        a->loaded_mtime = a->loading_mtime;
        a->error[0] = 0;
        st_rings_checker_free(old_ck);
        st_rings_free(old_r);
        fprintf(stderr, "sanctrace: applicants state %s loaded (%zu records)\n", a->dir, st_rings_count(r));
    } else {
        snprintf(a->error, sizeof a->error, "%.500s", err.msg);
        a->failed_mtime = a->loading_mtime; /* not tried again until the state changes */
        fprintf(stderr, "sanctrace: applicants state %s not loaded: %s\n", a->dir, err.msg);
        st_rings_checker_free(ck);
        st_rings_free(r);
    }
    a->loading = 0;
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Start a load; under mu. */
static int start_load(srv_applicants *a) {
    if (a->loading) return ST_OK;
    if (!a->joined) pthread_join(a->loader, NULL); /* the previous loader has finished */
    a->loading_mtime = records_mtime(a);
    a->loading = 1;
    if (pthread_create(&a->loader, NULL, loader_main, a) != 0) {
        a->loading = 0;
        a->joined = 1;
        return ST_ENOMEM;
    }
    a->joined = 0;
    return ST_OK;
}

int srv_applicants_start(const char *dir, srv_applicants **out, st_error *err) {
    srv_applicants *a = st_calloc(1, sizeof *a);
    if (!a) return st_error_set(err, ST_ENOMEM, "out of memory");
    pthread_mutex_init(&a->mu, NULL);
    snprintf(a->dir, sizeof a->dir, "%s", dir);
    snprintf(a->records, sizeof a->records, "%s/records.jsonl", dir);
    snprintf(a->error, sizeof a->error, "the applicants state is loading");
    a->joined = 1;
    pthread_mutex_lock(&a->mu);
    int rc = start_load(a);
    pthread_mutex_unlock(&a->mu);
    if (rc != ST_OK) {
        pthread_mutex_destroy(&a->mu);
        st_free(a);
        return st_error_set(err, rc, "cannot start loading the applicants state");
    }
    *out = a;
    return ST_OK;
}

int srv_applicants_check(srv_applicants *a, const char *body, size_t len, json_t **out, st_error *err) {
    pthread_mutex_lock(&a->mu);
    struct timespec m = records_mtime(a);
    if (a->ck && (m.tv_sec != a->loaded_mtime.tv_sec || m.tv_nsec != a->loaded_mtime.tv_nsec) &&
        (m.tv_sec != a->failed_mtime.tv_sec || m.tv_nsec != a->failed_mtime.tv_nsec))
        (void)start_load(a);
    int rc;
    if (!a->ck) rc = st_error_set(err, ST_ENOTFOUND, "%s", a->error);
    else rc = st_rings_checker_check(a->ck, body, len, "request", out, err);
    pthread_mutex_unlock(&a->mu);
    if (rc == ST_OK && json_integer_value(json_object_get(json_object_get(*out, "summary"), "checked")) == 0) {
        json_decref(*out);
        *out = NULL;
        rc = st_error_set(err, ST_EPARSE, "no applicant record in the body (CSV with a header and an id column, or JSON lines)");
    }
    return rc;
}

void srv_applicants_stop(srv_applicants *a) {
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    int join = !a->joined;
    a->joined = 1;
    pthread_mutex_unlock(&a->mu);
    if (join) pthread_join(a->loader, NULL);
    st_rings_checker_free(a->ck);
    st_rings_free(a->r);
    pthread_mutex_destroy(&a->mu);
    st_free(a);
}
