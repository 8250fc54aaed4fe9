/*
 * evm_api.c - the Ethereum store behind GET /evm/stats, /evm/tx/{id} and
 * /evm/address/{address}.
 *
 * (and /evm/flows/{address}, the address's flows a page at a time).
 *
 * Design: the store is opened read-only once and shared by the worker
 * threads (evm.h: any number of threads may read one handle).  An ingest
 * commits by renaming manifest.json, so each query stats it: when it is
 * not the file the open handle was made from, a new handle is opened and
 * later queries take it, while queries still on the old one finish there
 * (each handle is counted and closed by its last user).  An ingest never
 * has to stop the server, and an answer always comes from one commit.
 *
 * Invariant: cur, its key and every refs count change only under mu.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "sanctrace/evm.h"
#include "server/evm_api.h"

typedef struct handle {
    st_evm *e;
    int refs; /* the queries on it, and one while it is cur */
} handle;

struct srv_evm {
    pthread_mutex_t mu;
    char dir[4096], manifest[4200];
    handle *cur;
    struct stat key; /* manifest.json as cur was opened from it */
    int warned;      /* a newer commit that did not open was said */
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
    snprintf(s->manifest, sizeof s->manifest, "%s/manifest.json", dir);
    pthread_mutex_init(&s->mu, NULL);
    *out = s;
    return ST_OK;
}

static int same_file(const struct stat *a, const struct stat *b) {
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void drop(handle *h) { /* under mu */
    if (h && --h->refs == 0) {
        st_evm_close(h->e);
        st_free(h);
    }
}

/* The handle of the newest commit, counted for the caller; a commit that
 * cannot be opened leaves the one before it answering. */
static handle *take(srv_evm *s, st_error *err) {
    pthread_mutex_lock(&s->mu);
    struct stat now;
    int have = stat(s->manifest, &now) == 0;
    if (!s->cur || (have && !same_file(&now, &s->key))) {
        st_evm *e = NULL;
        st_error e2;
        st_error_clear(&e2);
        int rc = st_evm_open(&e, s->dir, &e2);
        handle *h = rc == ST_OK ? st_calloc(1, sizeof *h) : NULL;
        if (h) {
            h->e = e;
            h->refs = 1;
            drop(s->cur);
            s->cur = h;
            s->key = now;
            s->warned = 0;
        } else {
            if (rc == ST_OK) {
                st_evm_close(e);
                st_error_set(&e2, ST_ENOMEM, "out of memory");
            }
            if (!s->cur) {
                pthread_mutex_unlock(&s->mu);
                *err = e2;
                if (rc == ST_ENOTFOUND)
                    st_error_set(err, ST_EIO, "no Ethereum store at %.300s yet (sanctrace evm ingest --db %.300s)", s->dir,
                                 s->dir);
                else err->code = ST_EIO;
                return NULL;
            }
            if (!s->warned++)
                fprintf(stderr, "sanctrace: the Ethereum store at %s did not open again (%s); answering from the "
                        "commit before\n", s->dir, e2.msg);
        }
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
    handle *h = take(s, err);
    if (!h) return ST_EIO;
    st_evm_stats st;
    st_evm_get_stats(h->e, &st);
    if (st.last_block < 0) snprintf(version, 48, "evm:empty");
    else snprintf(version, 48, "evm:%lld", (long long)st.last_block);
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
