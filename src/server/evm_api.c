/*
 * evm_api.c - the Ethereum store behind GET /evm/stats, /evm/tx/{id},
 * /evm/address/{address} and /evm/flows/{address}.
 *
 * Design: the store is opened read-only once and shared by the worker
 * threads (evm.h: any number of threads may read one handle).  Each query
 * runs inside st_evm_reader_enter/leave and asks st_evm_changed: when an
 * ingest has committed since the handle was opened, a new one is opened
 * and later queries take it, while queries still on the old one finish
 * there (each handle is counted and closed by its last user).  A
 * reorganisation's rollback waits for the queries under way before it
 * cuts the columns they map, and every query after it opens the new
 * commit.  An ingest never has to stop the server, and an answer always
 * comes from one commit.
 *
 * Invariant: cur and every refs count change only under mu.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/evm.h"
#include "server/evm_api.h"

typedef struct handle {
    st_evm *e;
    int refs; /* the queries on it, and one while it is cur */
} handle;

struct srv_evm {
    pthread_mutex_t mu;
    char dir[4096];
    handle *cur;
};

int srv_evm_start(const char *dir, srv_evm **out, st_error *err) {
    *out = NULL;
    srv_evm *s = st_calloc(1, sizeof *s);
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (strlen(dir) >= sizeof s->dir) {
        st_free(s);
        return st_error_set(err, ST_EINVAL, "--evm-db: path too long");
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    pthread_mutex_init(&s->mu, NULL);
    *out = s;
    return ST_OK;
}

static void drop(handle *h) { /* under mu */
    if (h && --h->refs == 0) {
        st_evm_close(h->e);
        st_free(h);
    }
}

/* The handle of the newest commit, counted for the caller (who is inside
 * st_evm_reader_enter).  A commit that does not open is an error, never
 * answered from the handle before it: after a rollback that one's maps
 * run past the cut files. */
static handle *take(srv_evm *s, st_error *err) {
    pthread_mutex_lock(&s->mu);
    if (!s->cur || st_evm_changed(s->cur->e)) {
        drop(s->cur);
        s->cur = NULL;
        st_evm *e = NULL;
        int rc = st_evm_open_bracketed(&e, s->dir, err);
        handle *h = rc == ST_OK ? st_calloc(1, sizeof *h) : NULL;
        if (!h) {
            pthread_mutex_unlock(&s->mu);
            st_evm_close(e);
            if (rc == ST_ENOTFOUND)
                st_error_set(err, ST_EIO, "no Ethereum store at %.300s yet (sanctrace evm ingest --db %.300s)", s->dir,
                             s->dir);
            else if (rc == ST_OK) st_error_set(err, ST_EIO, "out of memory opening the store");
            else err->code = ST_EIO;
            return NULL;
        }
        h->e = e;
        h->refs = 1;
        s->cur = h;
    }
    handle *h = s->cur;
    h->refs++;
    pthread_mutex_unlock(&s->mu);
    return h;
}

static void give_back(srv_evm *s, handle *h) {
    pthread_mutex_lock(&s->mu);
    drop(h);
    pthread_mutex_unlock(&s->mu);
}

int srv_evm_query(srv_evm *s, const char *what, const srv_evm_args *a, json_t **out, char version[48], st_error *err) {
    *out = NULL;
    version[0] = 0;
    int rc;
    const char *arg = NULL;
    if (strcmp(what, "stats") && strncmp(what, "tx/", 3) && strncmp(what, "address/", 8) && strncmp(what, "flows/", 6))
        return st_error_set(err, ST_ENOTFOUND, "no query /evm/%.100s (stats, tx/{hash}, address/{address}, flows/{address})",
                            what);
    int token = st_evm_reader_enter(s->dir);
    handle *h = take(s, err);
    if (!h) {
        st_evm_reader_leave(token);
        return ST_EIO;
    }
    st_evm_stats st;
    st_evm_get_stats(h->e, &st);
    /* the commit that answered: its last block, and its counts (a
     * reorganisation can come back to the same block with other content) */
    if (st.last_block < 0) snprintf(version, 48, "evm:empty");
    else
        snprintf(version, 48, "evm:%lld:%llu:%llu", (long long)st.last_block, (unsigned long long)st.transactions,
                 (unsigned long long)st.flows);
    if (!strcmp(what, "stats")) {
        *out = st_evm_stats_json(h->e);
        rc = *out ? ST_OK : st_error_set(err, ST_ENOMEM, "out of memory");
    } else if (!strncmp(what, "tx/", 3)) {
        arg = what + 3;
        rc = st_evm_tx_json(h->e, arg, a->eip55, out, err);
    } else if (!strncmp(what, "flows/", 6)) {
        arg = what + 6;
        rc = st_evm_address_flows_json(h->e, arg, a->from_block, a->offset, a->limit, a->eip55, out, err);
    } else {
        arg = what + 8;
        rc = st_evm_address_json(h->e, arg, a->at_block, a->eip55, out, err);
    }
    give_back(s, h);
    st_evm_reader_leave(token);
    return rc;
}

void srv_evm_stop(srv_evm *s) {
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    drop(s->cur);
    s->cur = NULL;
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    st_free(s);
}
