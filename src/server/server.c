/*
 * server.c - the server's life: load, listen, update in place, drain.
 *
 * Design: signals are blocked in every thread and taken synchronously by
 * the main thread (sigtimedwait), so no handler runs in async-signal
 * context.  SIGHUP and the --update-every timer wake the updater thread,
 * which has the update helper (a process forked at start, before any
 * thread) run st_update in a worker process, opens the snapshot it wrote,
 * checks it, and swaps it in;
 * the child's failure (download down, garbled file) leaves the served
 * snapshot untouched and is shown by /readyz and /catalog.  SIGTERM stops
 * accepting connections, waits for the requests in flight (their audit
 * records are committed before their answers leave), then exits 0.
 */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/progress.h"
#include "server/monitor.h"
#include "server/api.h"
#include "server/applicants.h"
#include "server/evm_api.h"
#include "server/http.h"
#include "server/live.h"
#include "sanctrace/update.h"


/* The server: what it serves (live), what it keeps (store, audit), the
 * API over them, the HTTP layer in front, and the updater thread. */
typedef struct srv {
    st_server_config cfg;
    char data_dir[4096];
    char host[256];            /* for monitoring runs: who claimed them */
    st_db *store;
    srv_audit *audit;
    srv_live live;
    srv_api api;
    srv_http *http;
    /* updater thread */
    pthread_t updater;
    pthread_mutex_t upd_mu;
    pthread_cond_t upd_cv;
    int upd_requested, upd_stop;
    pid_t upd_helper;          /* the update helper (update_helper), 0 when none */
    int upd_fd;                /* its end of the socket pair */
} srv;

/* ---- updates ---- */

/* The update itself, in the child: st_update through the library, its
 * report on stderr as `sanctrace update` prints it; the exit status says
 * whether a snapshot was written. */
static void update_child(srv *S) {
    const char *env_dir = getenv("SANCTRACE_SOURCES_DIR");
    st_update_opts o;
    memset(&o, 0, sizeof o);
    o.data_dir = S->data_dir;
    o.dirs = S->cfg.update_from;
    o.ndirs = (size_t)(S->cfg.n_update_from < 8 ? S->cfg.n_update_from : 8);
    if (!o.ndirs && env_dir && *env_dir) { /* as `sanctrace update` reads it */
        o.dirs = &env_dir;
        o.ndirs = 1;
    }
    o.fetch = st_http_fetch;
    st_update_report *r = NULL;
    st_error err;
    st_error_clear(&err);
    int rc = st_update(&o, &r, &err);
    st_update_report_print(stderr, r, rc != ST_OK ? &err : NULL, 0);
    int written = rc == ST_OK && r && r->written;
    if (written)
        fprintf(stderr, "sanctrace: update wrote snapshot %s (%zu entities: %zu added, %zu removed, %zu changed)\n",
                r->version, r->n_entities, r->added, r->removed, r->changed);
    st_update_report_free(r);
    fflush(stderr);
    _exit(written ? 0 : 2);
}

/* The update helper: a process forked when the server starts, before any
 * thread, the store or a TLS library holds a lock.  For each byte the
 * server sends it forks a worker that runs st_update (lists, files,
 * libcurl) and exits, and answers with one byte: the worker's exit status,
 * or 128 + the signal that stopped it.  So a list file that brings a
 * parser down, or a download that eats memory, costs one update and never
 * the server; and no fork ever happens in the threaded server.  The helper
 * leads its own process group: the server stops it and a running worker
 * together. */
static void update_helper(srv *S, int fd) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    for (;;) {
        unsigned char req, res;
        ssize_t k = read(fd, &req, 1);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) _exit(0); /* the server is gone */
        fflush(stderr);
        pid_t w = fork();
        if (w == 0) update_child(S);
        int status = 0;
        if (w > 0)
            while (waitpid(w, &status, 0) < 0 && errno == EINTR) {}
        res = w < 0                 ? 3
              : WIFEXITED(status)   ? (unsigned char)WEXITSTATUS(status)
              : WIFSIGNALED(status) ? (unsigned char)(128 + WTERMSIG(status))
                                    : 3;
        if (write(fd, &res, 1) != 1) _exit(0);
    }
}

static int helper_start(srv *S, st_error *err) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return st_error_set(err, ST_EIO, "cannot start the update helper: %s", strerror(errno));
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return st_error_set(err, ST_EIO, "cannot start the update helper: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        update_helper(S, sv[1]);
    }
    close(sv[1]);
    S->upd_helper = pid;
    S->upd_fd = sv[0];
    return ST_OK;
}

static void helper_stop(srv *S) {
    if (S->upd_helper <= 0) return;
    kill(-S->upd_helper, SIGTERM); /* the helper and any running worker */
    kill(S->upd_helper, SIGTERM);
    close(S->upd_fd);
    while (waitpid(S->upd_helper, NULL, 0) < 0 && errno == EINTR) {}
    S->upd_helper = 0;
}

/* Ask the helper for one update and wait for its answer.  ST_OK when the
 * worker wrote a snapshot. */
static int update_spawn(srv *S, st_error *err) {
    unsigned char req = 'u', res = 0;
    if (S->upd_helper <= 0 || write(S->upd_fd, &req, 1) != 1)
        return st_error_set(err, ST_EIO, "the update helper is not running; the current snapshot stays");
    ssize_t k;
    while ((k = read(S->upd_fd, &res, 1)) < 0 && errno == EINTR) {}
    if (k != 1) return st_error_set(err, ST_EIO, "the update was stopped; the current snapshot stays");
    if (res == 0) return ST_OK;
    if (res >= 128) return st_error_set(err, ST_EIO, "the update was stopped by signal %d", res - 128);
    return st_error_set(err, ST_EIO, "the update failed; the current snapshot stays");
}

static void monitor_after_update(srv *S, const st_snapshot *snap) {
    st_monitor_stats ms;
    st_error err;
    st_error_clear(&err);
    if (st_monitor_run(S->store, snap, S->data_dir, S->host, &ms, &err) != ST_OK) {
        char msg[1024];
        fprintf(stderr, "sanctrace: monitoring of %s failed: %s\n", st_snapshot_version(snap),
                st_error_format(&err, msg, sizeof msg));
        return;
    }
    pthread_mutex_lock(&S->live.mu);
    snprintf(S->live.monitored, sizeof S->live.monitored, "%s", st_snapshot_version(snap));
    S->live.monitor_alerts = ms.alerts;
    S->live.monitor_claimed = ms.claimed;
    pthread_mutex_unlock(&S->live.mu);
    if (ms.claimed) {
        fprintf(stderr, "sanctrace: monitoring %s: %ld customers, %ld changed entities, %ld new alerts\n",
                st_snapshot_version(snap), ms.customers, ms.changed, ms.alerts);
    }
}

/* Run one update now: the update, validate, switch, monitor. */
static int srv_update_once(srv *S, st_error *err) {
    pthread_mutex_lock(&S->live.mu);
    S->live.updating = 1;
    st_db_now(S->live.last_attempt, sizeof S->live.last_attempt);
    pthread_mutex_unlock(&S->live.mu);
    st_snapshot *fresh = NULL;
    int rc = update_spawn(S, err);
    if (rc == ST_OK) rc = st_snapshot_open(S->data_dir, &fresh, err);
    if (rc == ST_OK && st_snapshot_count(fresh) == 0)
        rc = st_error_set(err, ST_ECORRUPT, "the new snapshot %s holds no entity; not switching",
                          st_snapshot_version(fresh));
    pthread_mutex_lock(&S->live.mu);
    if (rc != ST_OK) S->live.updating = 0;
    if (rc == ST_OK) {
        S->live.updates_ok++;
        S->live.last_error[0] = 0;
        st_db_now(S->live.last_success, sizeof S->live.last_success);
    } else {
        S->live.updates_failed++;
        st_error_format(err, S->live.last_error, sizeof S->live.last_error);
    }
    const char *cur = S->live.snap ? st_snapshot_version(S->live.snap) : "";
    int same = rc == ST_OK && strcmp(cur, st_snapshot_version(fresh)) == 0;
    pthread_mutex_unlock(&S->live.mu);
    if (rc != ST_OK) {
        if (fresh) st_snapshot_release(fresh);
        return rc;
    }
    if (same) {
        st_snapshot_release(fresh);
        pthread_mutex_lock(&S->live.mu);
        S->live.updating = 0;
        pthread_mutex_unlock(&S->live.mu);
        return ST_OK;
    }
    fprintf(stderr, "sanctrace: now serving snapshot %s (%zu entities)\n", st_snapshot_version(fresh),
            st_snapshot_count(fresh));
    st_snapshot_retain(fresh);
    srv_live_swap(&S->live, fresh);
    monitor_after_update(S, fresh);
    st_snapshot_release(fresh);
    pthread_mutex_lock(&S->live.mu);
    S->live.updating = 0; /* done: switched and monitored */
    pthread_mutex_unlock(&S->live.mu);
    return ST_OK;
}

static void *updater_main(void *arg) {
    srv *S = arg;
    for (;;) {
        pthread_mutex_lock(&S->upd_mu);
        while (!S->upd_requested && !S->upd_stop) pthread_cond_wait(&S->upd_cv, &S->upd_mu);
        int stop = S->upd_stop;
        S->upd_requested = 0;
        pthread_mutex_unlock(&S->upd_mu);
        if (stop) return NULL;
        st_error err;
        st_error_clear(&err);
        if (srv_update_once(S, &err) != ST_OK) {
            char msg[1024];
            fprintf(stderr, "sanctrace: update failed: %s\n", st_error_format(&err, msg, sizeof msg));
        }
    }
}

static void request_update(srv *S) {
    pthread_mutex_lock(&S->upd_mu);
    S->upd_requested = 1;
    pthread_cond_signal(&S->upd_cv);
    pthread_mutex_unlock(&S->upd_mu);
}

/* ---- run ---- */

/* Keys: on unless listening on loopback; refused off beyond it, where
 * anyone on the network reaches the server (docs/threat-model.md).  Then
 * the HTTP layer, handing every request to the API. */
static int serve_http(srv *S, st_error *err) {
    int loopback = 0;
    int rc = srv_http_listen_loopback(S->cfg.listen, &loopback, err);
    if (rc != ST_OK) return rc;
    if (!loopback && S->cfg.auth == 0)
        return st_error_set(err, ST_EUSAGE,
                            "--listen %s is reachable from the network: refusing to serve it without "
                            "API keys (--auth off is for loopback addresses only)",
                            S->cfg.listen);
    S->api.store = S->store;
    S->api.audit = S->audit;
    S->api.live = &S->live;
    S->api.auth = S->cfg.auth >= 0 ? S->cfg.auth : !loopback;
    if (S->cfg.rings_state && (rc = srv_applicants_start(S->cfg.rings_state, &S->api.applicants, err)) != ST_OK) return rc;
    if (S->cfg.evm_store && (rc = srv_evm_start(S->cfg.evm_store, &S->api.evm, err)) != ST_OK) return rc;
    if ((rc = srv_http_start(&S->http, &S->cfg, srv_api_dispatch, &S->api, err)) != ST_OK) return rc;
    fprintf(stderr, "sanctrace: listening on http://%.*s:%u (%d threads, API keys %s, store %s)\n",
            (int)(strrchr(S->cfg.listen, ':') - S->cfg.listen), S->cfg.listen, srv_http_port(S->http),
            S->cfg.threads, S->api.auth ? "required" : "off", st_db_engine(S->store));
    fprintf(stderr, "sanctrace: at most %u connections, %u per address; %u s for headers, %u s for a body\n",
            srv_http_max_conns(S->http), S->cfg.max_conns_per_ip, S->cfg.header_timeout, S->cfg.body_timeout);
    return ST_OK;
}

int st_server_run(const st_server_config *cfg, st_error *err) {
    int rc = ST_OK, updater_started = 0;
    long served = 0;
    srv *S = st_calloc(1, sizeof *S);
    if (!S) return st_error_set(err, ST_ENOMEM, "out of memory");
    S->cfg = *cfg;
    srv_live_init(&S->live);
    pthread_mutex_init(&S->upd_mu, NULL);
    pthread_cond_init(&S->upd_cv, NULL);
    snprintf(S->data_dir, sizeof S->data_dir, "%s", cfg->data_dir);
    char hn[200] = "";
    gethostname(hn, sizeof hn - 1);
    snprintf(S->host, sizeof S->host, "%.200s:%d", hn, (int)getpid());

    /* signals: blocked everywhere, taken by this thread below */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* before any thread, store connection or TLS library exists */
    if ((rc = helper_start(S, err)) != ST_OK) goto done;

    if ((rc = st_mkdir_p(S->data_dir, err)) != ST_OK) goto done;
    if ((rc = st_db_open_store(cfg->db, S->data_dir, cfg->threads + 4, &S->store, err)) != ST_OK) goto done;
    if ((rc = srv_audit_start(S->store, &S->audit, err)) != ST_OK) goto done;

    st_snapshot *snap = NULL;
    st_error lerr;
    st_error_clear(&lerr);
    if (st_snapshot_open(S->data_dir, &snap, &lerr) == ST_OK) {
        srv_live_swap(&S->live, snap);
        fprintf(stderr, "sanctrace: serving snapshot %s (%zu entities)\n", st_snapshot_version(snap),
                st_snapshot_count(snap));
        st_snapshot *cur = srv_live_get(&S->live, NULL);
        monitor_after_update(S, cur);
        st_snapshot_release(cur);
    } else {
        char msg[1024];
        fprintf(stderr, "sanctrace: no snapshot yet (%s); /readyz answers 503 until an update\n",
                st_error_format(&lerr, msg, sizeof msg));
        pthread_mutex_lock(&S->live.mu);
        snprintf(S->live.last_error, sizeof S->live.last_error, "%.511s", msg);
        pthread_mutex_unlock(&S->live.mu);
    }

    if (pthread_create(&S->updater, NULL, updater_main, S) != 0) {
        rc = st_error_set(err, ST_ENOMEM, "cannot start the updater");
        goto done;
    }
    updater_started = 1;
    if ((rc = serve_http(S, err)) != ST_OK) goto done;

    double next_update = cfg->update_every > 0 ? st_now() + cfg->update_every : 0;
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&sigs, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            fprintf(stderr, "sanctrace: %s: finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (sig == SIGHUP) {
            fprintf(stderr, "sanctrace: SIGHUP: updating the lists\n");
            request_update(S);
        }
        if (next_update > 0 && st_now() >= next_update) {
            request_update(S);
            next_update = st_now() + cfg->update_every;
        }
    }
    served = srv_http_stop(S->http);
    S->http = NULL;
done:
    if (updater_started) {
        pthread_mutex_lock(&S->upd_mu);
        S->upd_stop = 1;
        pthread_cond_signal(&S->upd_cv);
        pthread_mutex_unlock(&S->upd_mu);
        if (S->upd_helper > 0) kill(-S->upd_helper, SIGTERM), kill(S->upd_helper, SIGTERM); /* its read returns */
        pthread_join(S->updater, NULL);
    }
    if (S->http) served = srv_http_stop(S->http);
    srv_applicants_stop(S->api.applicants);
    srv_evm_stop(S->api.evm);
    helper_stop(S);
    srv_audit_stop(S->audit);
    long audited = -1;
    st_error cerr;
    if (S->store && rc == ST_OK && st_db_audit_count(S->store, &audited, &cerr) == ST_OK)
        fprintf(stderr, "sanctrace: stopped; %ld audit records in the store, %ld requests served\n",
                audited, served);
    st_db_close(S->store);
    srv_live_destroy(&S->live);
    pthread_mutex_destroy(&S->upd_mu);
    pthread_cond_destroy(&S->upd_cv);
    st_free(S);
    return rc;
}
