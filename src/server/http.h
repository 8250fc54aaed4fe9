/*
 * http.h - the HTTP layer: libmicrohttpd, connections and their limits,
 * request bodies, the browser rules (guard.c), answers.  It knows nothing
 * of screening, keys or the store: a complete request goes to the handler
 * the server gives it, which fills in the answer.
 */
#ifndef ST_SERVER_HTTP_H
#define ST_SERVER_HTTP_H

#include <pthread.h>
#include <stddef.h>

#include <jansson.h>

#include "sanctrace/server.h"

/* One client connection, from accept to close (http.c).  The phase says
 * what the server waits for; the watchdog closes a connection that stays
 * in HEADERS or BODY past its deadline, however slowly bytes trickle in.
 * Guarded by the srv_http's conns_mu; freed when libmicrohttpd reports the close,
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
    const char *jsonp;         /* with json: answer "jsonp(json);" as JavaScript (JSONP); the
                                * name checked by the handler, borrowed for the request */
    char *raw_owned;           /* when set, raw points into it and it is freed once sent */
    char location[640];        /* a redirect's target (Location), "" for none */
    char etag[48];             /* the answer's ETag (quoted), "" for none */
    int frameable;             /* may be shown in another site's frame (a reconciliation
                                * preview): no X-Frame-Options, a CSP without scripts instead */
} srv_resp;

/* Answer one complete request (its body read, the browser rules passed):
 * fill out.  Runs on the HTTP worker threads, several at once. */
typedef void (*srv_handler_fn)(void *ctx, srv_req *r, srv_resp *out);

/* Fill out with {"error": error, "detail": detail}. */
void srv_error(srv_resp *out, int status, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A query-string argument of the request, NULL when absent. */
const char *srv_arg(srv_req *r, const char *name);
const char *srv_header(srv_req *r, const char *name);
/* Every query-string argument of r, in the order sent (a name may repeat),
 * to fn(ctx, name, value); value NULL for "?flag".  Borrowed strings, valid
 * for the request. */
typedef void (*srv_arg_fn)(void *ctx, const char *name, const char *value);
void srv_args_each(srv_req *r, srv_arg_fn fn, void *ctx);

typedef struct srv_http srv_http;

/* Is cfg->listen a loopback address?  ST_EUSAGE for a malformed one. */
int srv_http_listen_loopback(const char *listen, int *loopback, st_error *err);
/* Listen as cfg says (the listen address, threads, limits, deadlines,
 * host names and CORS origins) and hand complete requests to handle(ctx).
 * *out is the caller's: srv_http_stop. */
int srv_http_start(srv_http **out, const st_server_config *cfg, srv_handler_fn handle, void *ctx,
                   st_error *err);
/* Stop accepting, let the requests in flight finish (30 s at most), stop,
 * free.  Returns the number of requests received.  NULL allowed (0). */
long srv_http_stop(srv_http *h);
unsigned srv_http_port(const srv_http *h);      /* the bound port */
unsigned srv_http_max_conns(const srv_http *h); /* connections taken (the open-file limit may lower it) */

#endif
