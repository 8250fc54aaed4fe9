/*
 * server_int.h - the server's shared state, private to src/server.
 *
 * Invariant: the live snapshot is only reached through srv_live_get,
 * which hands out a retained reference under the lock; a swap replaces
 * the pointer under the same lock and drops the server's reference, so
 * the old snapshot is freed when the last request using it finishes.
 * No request ever sees a half-switched snapshot.
 */
#ifndef ST_SERVER_INT_H
#define ST_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include <jansson.h>

#include "sanctrace/screen.h"
#include "server/audit.h"
#include "server/server.h"
#include "server/db.h"

/* Files of the web page, generated from web/ at build time. */
typedef struct srv_asset {
    const char *path;          /* "/index.html" */
    const char *type;          /* Content-Type */
    const unsigned char *data;
    size_t len;
} srv_asset;
extern const srv_asset st_web_assets[];
extern const size_t st_web_assets_count;

/* The snapshot being served and what the updater last did. */
typedef struct srv_live {
    pthread_mutex_t mu;
    st_snapshot *snap;        /* owned reference, NULL before the first load */
    json_t *catalog;          /* st_snapshot_catalog of snap, owned */
    char loaded_at[40];
    char last_attempt[40], last_success[40];
    char last_error[512];     /* "" when the last update succeeded */
    long updates_ok, updates_failed;
    int updating;             /* an update (or its monitoring run) is in progress */
    char monitored[64];       /* last snapshot monitored (here or by another replica) */
    long monitor_alerts;
    int monitor_claimed;
} srv_live;

/* One client connection, from accept to close (http.c).  The phase says
 * what the server waits for; the watchdog closes a connection that stays
 * in HEADERS or BODY past its deadline, however slowly bytes trickle in.
 * Guarded by srv.conns_mu; freed when libmicrohttpd reports the close,
 * before it closes the socket, so fd is valid while the entry is listed. */
typedef enum srv_phase { SRV_PHASE_HEADERS, SRV_PHASE_BODY, SRV_PHASE_ANSWER } srv_phase;
typedef struct srv_conn {
    struct srv_conn *prev, *next;
    int fd;
    pthread_t owner;           /* the worker thread that polls it */
    struct srv_req *req;       /* the request being read, NULL between requests */
    srv_phase phase;
    double since;              /* monotonic seconds the phase began */
    long served;               /* requests answered on this connection */
    int timed_out;             /* the watchdog closed it: answer nothing more */
} srv_conn;

typedef struct srv {
    st_server_config cfg;
    char data_dir[4096];
    char host[256];            /* for monitoring runs: who claimed them */
    int auth;                  /* API keys required */
    st_db *store;
    srv_audit *audit;
    srv_live live;
    struct MHD_Daemon *httpd;
    atomic_long inflight;      /* requests between first call and completion */
    atomic_int draining;       /* SIGTERM seen: answer with Connection: close */
    atomic_long requests, client_errors, server_errors;
    /* open connections and the deadline watchdog (http.c) */
    pthread_mutex_t conns_mu;
    pthread_cond_t conns_cv;
    srv_conn *conns;
    int watchdog_stop, watchdog_started;
    pthread_t watchdog;
    /* updater thread */
    pthread_t updater;
    pthread_mutex_t upd_mu;
    pthread_cond_t upd_cv;
    int upd_requested, upd_stop;
    pid_t upd_child;
} srv;

/* Retained snapshot (release with st_snapshot_release) and, when cat is
 * not NULL, a new reference to its catalog; NULL before the first load. */
st_snapshot *srv_live_get(srv *S, json_t **cat);
/* Serve snap from now on (takes the reference). */
void srv_live_swap(srv *S, st_snapshot *snap);
/* {"snapshot", "loaded_at", "last_update": {...}} - new reference. */
json_t *srv_live_status(srv *S);

/* One request as the handlers see it. */
typedef struct srv_req {
    struct MHD_Connection *conn;
    srv_conn *c;               /* its connection (deadlines) */
    const char *method, *url;  /* borrowed from libmicrohttpd */
    size_t uri_len;            /* the request target as sent, query included */
    int started;               /* the handler saw its headers */
    char *body;                /* owned, NUL-terminated */
    size_t body_len;
    size_t dropped;            /* body bytes read and dropped after a 413 */
    int too_large;
    int answered;              /* a response is queued */
    int answered_raw;          /* an error was written on the socket: close */
    char key_id[24];           /* "" when keys are off */
} srv_req;

/* What a handler answers: a JSON body (owned) or static bytes. */
typedef struct srv_resp {
    int status;
    json_t *json;
    const unsigned char *raw;
    size_t raw_len;
    const char *type;
} srv_resp;

/* Route r to its handler (api.c).  Always fills out. */
void srv_api_dispatch(srv *S, srv_req *r, srv_resp *out);
/* Fill out with {"error": error, "detail": detail}. */
void srv_error(srv_resp *out, int status, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A query-string argument of the request, NULL when absent. */
const char *srv_arg(srv_req *r, const char *name);
const char *srv_header(srv_req *r, const char *name);

/* Start / stop the HTTP side (http.c). */
int srv_http_start(srv *S, st_error *err);
void srv_http_stop(srv *S);

/* Run one update now: `sanctrace update`, validate, switch, monitor. */
int srv_update_once(srv *S, st_error *err);

#endif
