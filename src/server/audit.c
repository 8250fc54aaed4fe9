/*
 * audit.c - group commit of audit records (see audit.h).
 *
 * Invariant: an item belongs to the request thread that queued it; the
 * writer only reads it and sets its state (0 queued, 1 committed, -1
 * failed) under the lock, and the request thread frees it after the state
 * changes.  A failed batch is retried three times before its items fail.
 */
#include "server/audit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"

#define AUDIT_QUEUE_MAX 4096
#define AUDIT_BATCH_MAX 512

typedef struct audit_item {
    st_audit_rec rec;
    int state;
    char error[256];
    struct audit_item *next;
} audit_item;

struct srv_audit {
    st_db *store;            /* borrowed */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    audit_item *head, *tail;
    size_t queued;
    int stop;
    pthread_t writer;
};

static void audit_write_batch(srv_audit *a, audit_item *batch, size_t n) {
    st_audit_rec recs[AUDIT_BATCH_MAX];
    audit_item *it = batch;
    for (size_t i = 0; i < n; i++, it = it->next) recs[i] = it->rec;
    st_error err;
    int rc = ST_EIO;
    for (int attempt = 0; attempt < 3 && rc != ST_OK; attempt++) {
        st_error_clear(&err);
        rc = st_db_audit_add(a->store, recs, n, &err);
        if (rc != ST_OK) nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    pthread_mutex_lock(&a->mu);
    it = batch;
    for (size_t i = 0; i < n; i++) {
        audit_item *next = it->next; /* read before the owner may free it */
        it->state = rc == ST_OK ? 1 : -1;
        if (rc != ST_OK) snprintf(it->error, sizeof it->error, "%.255s", err.msg);
        it = next;
    }
    pthread_cond_broadcast(&a->done);
    pthread_mutex_unlock(&a->mu);
}

static void *audit_writer(void *arg) {
    srv_audit *a = arg;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (!a->head && !a->stop) pthread_cond_wait(&a->work, &a->mu);
        if (!a->head && a->stop) {
            pthread_mutex_unlock(&a->mu);
            return NULL;
        }
        audit_item *batch = a->head, *last = a->head;
        size_t n = 1;
        while (last->next && n < AUDIT_BATCH_MAX) {
            last = last->next;
            n++;
        }
        a->head = last->next;
        if (!a->head) a->tail = NULL;
        last->next = NULL;
        a->queued -= n;
        pthread_cond_broadcast(&a->done); /* room in the queue */
        pthread_mutex_unlock(&a->mu);
        audit_write_batch(a, batch, n);
    }
}

int srv_audit_start(st_db *store, srv_audit **out, st_error *err) {
    srv_audit *a = st_calloc(1, sizeof *a);
    if (!a) return st_error_set(err, ST_ENOMEM, "out of memory");
    a->store = store;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->done, NULL);
    if (pthread_create(&a->writer, NULL, audit_writer, a) != 0) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->work);
        pthread_cond_destroy(&a->done);
        st_free(a);
        return st_error_set(err, ST_ENOMEM, "cannot start the audit writer");
    }
    *out = a;
    return ST_OK;
}

static char *dup_or_empty(const char *s) { return st_strdup(s ? s : ""); }

int srv_audit_write(srv_audit *a, const st_audit_rec *r, st_error *err) {
    audit_item *it = st_calloc(1, sizeof *it);
    if (!it) return st_error_set(err, ST_ENOMEM, "out of memory for the audit record");
    char *f[8] = {dup_or_empty(r->ts), dup_or_empty(r->key_id), dup_or_empty(r->endpoint),
                  dup_or_empty(r->subject), dup_or_empty(r->snapshot), dup_or_empty(r->input),
                  dup_or_empty(r->results), dup_or_empty(r->key_name)};
    int rc = ST_OK;
    for (int i = 0; i < 8; i++)
        if (!f[i]) rc = st_error_set(err, ST_ENOMEM, "out of memory for the audit record");
    if (rc != ST_OK) goto done;
    it->rec = (st_audit_rec){f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]};
    pthread_mutex_lock(&a->mu);
    while (a->queued >= AUDIT_QUEUE_MAX) pthread_cond_wait(&a->done, &a->mu);
    if (a->tail) a->tail->next = it;
    else a->head = it;
    a->tail = it;
    a->queued++;
    pthread_cond_signal(&a->work);
    while (it->state == 0) pthread_cond_wait(&a->done, &a->mu);
    if (it->state < 0) rc = st_error_set(err, ST_EIO, "audit trail: %s", it->error);
    pthread_mutex_unlock(&a->mu);
done:
    for (int i = 0; i < 8; i++) st_free(f[i]);
    st_free(it);
    return rc;
}

void srv_audit_stop(srv_audit *a) {
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_signal(&a->work);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->writer, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->done);
    st_free(a);
}
