/*
 * http.c - libmicrohttpd glue: request bodies, responses,
 * connection limits, deadlines and the drain on shutdown.
 *
 * Design: a thread pool of --threads workers, each polling its share of
 * the connections with epoll, so a slow client holds a connection slot,
 * never a worker.  A request is answered on the handler call after its
 * upload is complete; refusals (guard.c's rules, sizes) are answered on
 * the first call, which makes libmicrohttpd close the connection after
 * them - what a refused request needs.
 *
 * Slow clients: one address may hold at most max_conns_per_ip of the
 * max_conns connections; a watchdog thread gives each request
 * header_timeout seconds for its line and headers and body_timeout for
 * its body, in total, so trickling a byte now and then (which resets
 * libmicrohttpd's idle timeout) does not keep a slot.
 *
 * Every answer is JSON.  Where libmicrohttpd 0.9.75 has already queued
 * its own HTML error (a Content-Length it cannot read) or cannot queue one
 * (a chunked body crossing max_body mid-upload, a deadline), the JSON
 * answer is written on the socket directly and the connection closed:
 * nothing else writes on it at those points.  The few errors
 * libmicrohttpd answers before any callback runs are listed in
 * docs/server.md.
 *
 * Invariant: H->inflight counts requests from their request line until
 * libmicrohttpd reports them completed; shutdown waits for it to reach
 * zero before stopping the daemon, so no answer in progress is cut.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <stdatomic.h>

#include "core/alloc.h"
#include "core/progress.h"
#include "server/guard.h"
#include "server/http.h"

/* Bounds of a request's head, below libmicrohttpd's own (its connection
 * memory, HTTP_POOL), so ours answer first, in JSON. */
#define HTTP_MAX_URI (8 * 1024)
#define HTTP_MAX_HEAD (32 * 1024)
#define HTTP_POOL (128 * 1024)
/* File descriptors kept free of connections: the store, snapshots, the
 * update child, logs. */
#define HTTP_FD_RESERVE 128

struct srv_http {
    st_server_config cfg;      /* a copy; its strings stay the caller's */
    srv_handler_fn handle;
    void *ctx;
    struct MHD_Daemon *httpd;
    unsigned port, max_conns;
    atomic_long inflight;      /* requests between first call and completion */
    atomic_int draining;       /* stopping: answer with Connection: close */
    atomic_long requests, client_errors, server_errors;
    /* open connections and the deadline watchdog */
    pthread_mutex_t conns_mu;
    pthread_cond_t conns_cv;
    srv_conn *conns;
    int watchdog_stop, watchdog_started;
    pthread_t watchdog;
};

const char *srv_arg(srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct args_walk {
    srv_arg_fn fn;
    void *ctx;
} args_walk;

static enum MHD_Result args_walk_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    args_walk *w = cls;
    (void)kind;
    w->fn(w->ctx, key, value);
    return MHD_YES;
}

void srv_args_each(srv_req *r, srv_arg_fn fn, void *ctx) {
    args_walk w = {fn, ctx};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, args_walk_one, &w);
}

const char *srv_header(srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Each byte of s that is not part of a well-formed UTF-8 character (RFC
 * 3629: no overlong forms, no surrogates, nothing past U+10FFFF; a
 * character cut by the end) becomes '?', in place.  A detail echoes what
 * the client sent, cut at a length, and JSON text must be UTF-8. */
static void utf8_clean(char *s) {
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        int ok = n > 0;
        for (size_t i = 1; ok && i < n; i++) ok = (p[i] & 0xC0) == 0x80;
        if (ok && n == 3) ok = !(c == 0xE0 && p[1] < 0xA0) && !(c == 0xED && p[1] >= 0xA0);
        if (ok && n == 4) ok = !(c == 0xF0 && p[1] < 0x90) && !(c == 0xF4 && p[1] >= 0x90);
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

void srv_error(srv_resp *out, int status, const char *error, const char *fmt, ...) {
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    utf8_clean(detail);
    json_decref(out->json);
    out->status = status;
    out->json = json_pack("{s:s, s:s}", "error", error, "detail", detail);
    out->raw = NULL;
    free(out->raw_owned);
    out->raw_owned = NULL;
}

static const char *reason(int status) {
    switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
    }
}

/* Write a whole JSON error answer on fd and end the sending side; the
 * caller then has the connection closed.  Only where nothing else can be
 * writing on it (see the design note).  A few hundred bytes: they fit in
 * the socket buffer of any connection that has not been answered yet. */
static void raw_answer(srv_http *S, int fd, int status, const char *error, const char *detail) {
    json_t *o = json_pack("{s:s, s:s}", "error", error, "detail", detail);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    char msg[2048];
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n%s",
                     status, reason(status), body ? strlen(body) : 2, body ? body : "{}");
    free(body);
    if (n < 0 || (size_t)n >= sizeof msg) return;
    atomic_fetch_add(&S->client_errors, 1);
    size_t off = 0;
    for (int tries = 0; off < (size_t)n && tries < 10; tries++) {
        ssize_t w = send(fd, msg + off, (size_t)n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            off += (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 100);
        } else {
            break;
        }
    }
    shutdown(fd, SHUT_WR);
}

static int conn_fd(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

/* ---- connections and their deadlines ---- */

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    srv_http *S = cls;
    srv_conn *c = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        c = st_calloc(1, sizeof *c);
        if (!c) return; /* untracked: libmicrohttpd's idle timeout still applies */
        c->fd = conn_fd(conn);
        c->owner = pthread_self();
        c->phase = SRV_PHASE_HEADERS;
        c->since = st_now();
        pthread_mutex_lock(&S->conns_mu);
        c->next = S->conns;
        if (S->conns) S->conns->prev = c;
        S->conns = c;
        pthread_mutex_unlock(&S->conns_mu);
        *socket_context = c;
    } else if (c) {
        /* called before libmicrohttpd closes the socket: once unlisted,
         * the watchdog never touches this fd again */
        pthread_mutex_lock(&S->conns_mu);
        if (c->prev) c->prev->next = c->next;
        else S->conns = c->next;
        if (c->next) c->next->prev = c->prev;
        pthread_mutex_unlock(&S->conns_mu);
        st_free(c);
        *socket_context = NULL;
    }
}

/* Move c to phase; 0 when the watchdog has already closed it. */
static int conn_enter(srv_http *S, srv_conn *c, srv_phase phase) {
    if (!c) return 1;
    pthread_mutex_lock(&S->conns_mu);
    int ok = !c->timed_out;
    if (ok) {
        if (phase == SRV_PHASE_HEADERS) c->served++;
        c->phase = phase;
        c->since = st_now();
    }
    pthread_mutex_unlock(&S->conns_mu);
    return ok;
}

static void *watchdog_main(void *arg) {
    srv_http *S = arg;
    pthread_mutex_lock(&S->conns_mu);
    while (!S->watchdog_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&S->conns_cv, &S->conns_mu, &ts);
        double now = st_now();
        for (srv_conn *c = S->conns; c; c = c->next) {
            if (c->timed_out || c->fd < 0 || c->phase == SRV_PHASE_ANSWER) continue;
            int headers = c->phase == SRV_PHASE_HEADERS;
            unsigned limit = headers ? S->cfg.header_timeout : S->cfg.body_timeout;
            if (now - c->since <= limit) continue;
            c->timed_out = 1;
            char detail[160];
            snprintf(detail, sizeof detail, "the request %s not received within %u seconds",
                     headers ? "line and headers were" : "body was", limit);
            /* a kept-alive connection waiting for its next request is
             * closed quietly, as any idle connection is */
            if (!(headers && c->served > 0)) raw_answer(S, c->fd, 408, "request_timeout", detail);
            shutdown(c->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
        }
    }
    pthread_mutex_unlock(&S->conns_mu);
    return NULL;
}

/* libmicrohttpd's log, and the one point where it tells that it is
 * about to answer a request itself: a Content-Length it cannot read
 * (over 2^64, negative, not a number) is refused as it parses the
 * headers, with a fixed HTML page and - in 0.9.75 - its status line and
 * headers sent twice; the application's handler is never called.  The
 * log line names the status.  The request is the one connection of this
 * worker thread whose headers are in but that the handler has not seen:
 * the JSON answer is written on its socket and the socket shut, so
 * libmicrohttpd's own answer fails to send and the connection closes. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    srv_http *S = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    const char *code = strstr(msg, "HTTP response code is ");
    if (!code) {
        fprintf(stderr, "sanctrace: libmicrohttpd: %s", msg);
        return;
    }
    int status = atoi(code + 22);
    pthread_mutex_lock(&S->conns_mu);
    for (srv_conn *c = S->conns; c; c = c->next) {
        if (!pthread_equal(c->owner, pthread_self()) || !c->req || c->req->started || c->timed_out ||
            c->phase != SRV_PHASE_HEADERS)
            continue;
        if (!MHD_get_connection_info(c->req->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE)) continue;
        c->timed_out = 1; /* done with: neither the watchdog nor the handler answers it */
        if (status == 413)
            raw_answer(S, c->fd, 413, "body_too_large", "the declared Content-Length is too large to read");
        else
            raw_answer(S, c->fd, 400, "bad_request",
                       "the request headers are malformed (is Content-Length a decimal number?)");
        shutdown(c->fd, SHUT_RDWR);
        break;
    }
    pthread_mutex_unlock(&S->conns_mu);
}

/* ---- answers ---- */

static enum MHD_Result send_resp(srv_http *S, srv_req *r, srv_resp *o) {
    struct MHD_Response *resp;
    char *text = NULL;
    if (o->json) {
        text = json_dumps(o->json, JSON_COMPACT | JSON_REAL_PRECISION(6));
        if (!text) {
            o->status = 500;
            text = strdup("{\"error\":\"internal\",\"detail\":\"cannot encode the answer\"}");
            if (!text) return MHD_NO;
        }
        if (o->jsonp) { /* the name was checked: letters, digits, _ $ . only */
            size_t len = strlen(o->jsonp) + strlen(text) + 4;
            char *js = malloc(len);
            if (!js) {
                free(text);
                return MHD_NO;
            }
            snprintf(js, len, "%s(%s);", o->jsonp, text);
            free(text);
            text = js;
        }
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (!resp) free(text);
    } else if (o->raw_owned) { /* copied: ours is freed below */
        resp = MHD_create_response_from_buffer(o->raw_len, (void *)o->raw, MHD_RESPMEM_MUST_COPY);
    } else {
        resp = MHD_create_response_from_buffer(o->raw_len, (void *)o->raw, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) {
        free(o->raw_owned);
        o->raw_owned = NULL;
        return MHD_NO;
    }
    if (o->location[0]) MHD_add_response_header(resp, "Location", o->location);
    if (o->etag[0]) MHD_add_response_header(resp, "ETag", o->etag);
    MHD_add_response_header(resp, "Content-Type",
                            o->json ? (o->jsonp ? "application/javascript" : "application/json") : o->type);
    /* CORS only for the origins the operator listed (--cors-origin);
     * the page itself is same-origin and needs none */
    const char *origin = srv_header(r, "Origin");
    if (origin && srv_origin_listed(origin, S->cfg.cors_origins, S->cfg.n_cors_origins)) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, X-API-Key");
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    if (S->cfg.n_cors_origins) MHD_add_response_header(resp, "Vary", "Origin");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (o->frameable)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    else
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (atomic_load(&S->draining)) MHD_add_response_header(resp, "Connection", "close");
    if (o->status >= 500) atomic_fetch_add(&S->server_errors, 1);
    else if (o->status >= 400) atomic_fetch_add(&S->client_errors, 1);
    conn_enter(S, r->c, SRV_PHASE_ANSWER);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)o->status, resp);
    r->answered = 1;
    MHD_destroy_response(resp);
    json_decref(o->json);
    o->json = NULL;
    free(o->raw_owned); /* MHD holds its own copy */
    o->raw_owned = NULL;
    return ret;
}

/* The request line is read: the request's state starts here (it becomes
 * *con_cls), before its headers, so its raw length is known. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    srv_http *S = cls;
    srv_req *r = st_calloc(1, sizeof *r);
    if (!r) return NULL;
    r->conn = conn;
    r->uri_len = strlen(uri);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->c = ci ? ci->socket_context : NULL;
    if (r->c) {
        pthread_mutex_lock(&S->conns_mu);
        r->c->req = r;
        pthread_mutex_unlock(&S->conns_mu);
    }
    atomic_fetch_add(&S->inflight, 1);
    atomic_fetch_add(&S->requests, 1);
    return r;
}

/* The first call: the headers are in, no body byte is read yet.  Every
 * refusal that needs no body is answered here. */
static enum MHD_Result on_headers(srv_http *S, srv_req *r, const char *version) {
    srv_resp out = {0};
    if (!conn_enter(S, r->c, SRV_PHASE_BODY)) return MHD_NO;
    if (r->uri_len > HTTP_MAX_URI) {
        srv_error(&out, 414, "uri_too_long", "the request target is %zu bytes; at most %d", r->uri_len,
                  HTTP_MAX_URI);
        return send_resp(S, r, &out);
    }
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (ci && ci->header_size > HTTP_MAX_HEAD) {
        srv_error(&out, 431, "headers_too_large", "the request line and headers are %zu bytes; at most %d",
                  ci->header_size, HTTP_MAX_HEAD);
        return send_resp(S, r, &out);
    }
    const char *cl = srv_header(r, "Content-Length");
    const char *te = srv_header(r, "Transfer-Encoding");
    srv_guard_req q = {r->method, r->url, strcmp(version, "HTTP/1.1") == 0, srv_header(r, "Host"),
                       srv_header(r, "Origin"), srv_header(r, "Sec-Fetch-Site"),
                       srv_header(r, "Sec-Fetch-Mode"), srv_header(r, "Content-Type"),
                       te != NULL || (cl && strtoull(cl, NULL, 10) > 0)};
    srv_guard_cfg g = {S->cfg.host_names, S->cfg.n_host_names, S->cfg.cors_origins,
                       S->cfg.n_cors_origins};
    srv_guard_fail f;
    if (srv_guard_check(&q, &g, &f) != 0) {
        srv_error(&out, f.status, f.error, "%s", f.detail);
        return send_resp(S, r, &out);
    }
    /* libmicrohttpd has checked that Content-Length is a number */
    if (cl && strtoull(cl, NULL, 10) > S->cfg.max_body) {
        /* refused before a byte of it is read */
        r->too_large = 1;
        srv_error(&out, 413, "body_too_large", "the request body (%s bytes) is over the %zu byte limit", cl,
                  S->cfg.max_body);
        return send_resp(S, r, &out);
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
    srv_http *S = cls;
    srv_req *r = *con_cls;
    srv_resp out = {0};
    if (!r) return MHD_NO; /* no memory when the request line came */
    if (!r->started) {
        r->started = 1;
        r->method = method;
        r->url = url;
        return on_headers(S, r, version);
    }
    if (r->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered_raw) {
        /* a 413 went out mid-upload: read and drop up to another
         * max_body so the client can read it, then cut the rest */
        r->dropped += *upload_size;
        *upload_size = 0;
        return r->dropped > S->cfg.max_body ? MHD_NO : MHD_YES;
    }
    if (*upload_size) {
        if (r->body_len + *upload_size > S->cfg.max_body) {
            /* a chunked body crossing the limit: libmicrohttpd cannot
             * queue an answer mid-upload, so it is written here, now,
             * not after an endless body */
            char detail[128];
            snprintf(detail, sizeof detail, "the request body is over the %zu byte limit", S->cfg.max_body);
            st_free(r->body);
            r->body = NULL;
            r->answered_raw = 1;
            r->dropped = *upload_size;
            *upload_size = 0;
            /* out of the watchdog's reach first: one answer, not two */
            if (!conn_enter(S, r->c, SRV_PHASE_ANSWER)) return MHD_NO;
            raw_answer(S, conn_fd(conn), 413, "body_too_large", detail);
            return MHD_YES;
        }
        char *nb = st_realloc(r->body, r->body_len + *upload_size + 1);
        if (!nb) return MHD_NO;
        memcpy(nb + r->body_len, upload, *upload_size);
        r->body = nb;
        r->body_len += *upload_size;
        r->body[r->body_len] = 0;
        *upload_size = 0;
        return MHD_YES;
    }
    /* upload complete: answer */
    if (!conn_enter(S, r->c, SRV_PHASE_ANSWER)) return MHD_NO;
    S->handle(S->ctx, r, &out);
    return send_resp(S, r, &out);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    srv_http *S = cls;
    srv_req *r = *con_cls;
    if (!r) return;
    conn_enter(S, r->c, SRV_PHASE_HEADERS); /* the next request's deadline starts now */
    if (r->c) {
        pthread_mutex_lock(&S->conns_mu);
        r->c->req = NULL;
        pthread_mutex_unlock(&S->conns_mu);
    }
    st_free(r->body);
    st_free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&S->inflight, 1);
}

/* "ADDR:PORT", "[v6]:PORT" or ":PORT" into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, int *loopback,
                        st_error *err) {
    char host[256];
    const char *colon = strrchr(s, ':');
    if (!colon) return st_error_set(err, ST_EUSAGE, "--listen %s: expected ADDR:PORT", s);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon[1] == 0)
        return st_error_set(err, ST_EUSAGE, "--listen %s: bad port", s);
    size_t hl = (size_t)(colon - s);
    if (hl >= sizeof host) return st_error_set(err, ST_EUSAGE, "--listen %s: address too long", s);
    memcpy(host, s, hl);
    host[hl] = 0;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (!*host || strcmp(host, "0.0.0.0") == 0 || inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (!*host) a4->sin_addr.s_addr = htonl(INADDR_ANY);
        *loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
        *len = sizeof *a4;
        return ST_OK;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
        *len = sizeof *a6;
        return ST_OK;
    }
    if (strcmp(host, "localhost") == 0) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *loopback = 1;
        *len = sizeof *a4;
        return ST_OK;
    }
    return st_error_set(err, ST_EUSAGE, "--listen %s: '%s' is not an IP address", s, host);
}

/* Raise the open-file limit for max_conns connections plus the server's
 * own files; when the system allows fewer, take fewer connections and
 * say so, rather than fail accepts (and store opens) under load. */
static unsigned fd_headroom(unsigned want) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return want;
    rlim_t need = (rlim_t)want + HTTP_FD_RESERVE;
    if (rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur >= need) return want;
    unsigned fit = rl.rlim_cur > HTTP_FD_RESERVE + 16 ? (unsigned)(rl.rlim_cur - HTTP_FD_RESERVE) : 16;
    fprintf(stderr, "sanctrace: the open-file limit is %llu: taking %u connections, not %u\n",
            (unsigned long long)rl.rlim_cur, fit, want);
    return fit;
}

int srv_http_listen_loopback(const char *listen, int *loopback, st_error *err) {
    struct sockaddr_storage ss;
    socklen_t slen;
    return parse_listen(listen, &ss, &slen, loopback, err);
}

static void http_free(srv_http *S) {
    pthread_mutex_destroy(&S->conns_mu);
    pthread_cond_destroy(&S->conns_cv);
    st_free(S);
}

int srv_http_start(srv_http **out, const st_server_config *cfg, srv_handler_fn handle, void *ctx,
                   st_error *err) {
    *out = NULL;
    struct sockaddr_storage ss = {0};
    socklen_t slen;
    int loopback = 0;
    int rc = parse_listen(cfg->listen, &ss, &slen, &loopback, err);
    if (rc != ST_OK) return rc;
    srv_http *S = st_calloc(1, sizeof *S);
    if (!S) return st_error_set(err, ST_ENOMEM, "out of memory");
    S->cfg = *cfg;
    S->handle = handle;
    S->ctx = ctx;
    pthread_mutex_init(&S->conns_mu, NULL);
    pthread_cond_init(&S->conns_cv, NULL);
    unsigned max_conns = S->max_conns = fd_headroom(cfg->max_conns);
    unsigned per_ip = cfg->max_conns_per_ip;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    S->httpd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, S, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, S,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        cfg->conn_timeout, MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTP_POOL, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)512,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, S, MHD_OPTION_NOTIFY_CONNECTION, on_connection, S,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, S, MHD_OPTION_END);
    if (!S->httpd) {
        http_free(S);
        return st_error_set(err, ST_EIO, "cannot listen on %s", cfg->listen);
    }
    if (pthread_create(&S->watchdog, NULL, watchdog_main, S) != 0) {
        MHD_stop_daemon(S->httpd);
        http_free(S);
        return st_error_set(err, ST_ENOMEM, "cannot start the connection watchdog");
    }
    S->watchdog_started = 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(S->httpd, MHD_DAEMON_INFO_BIND_PORT);
    S->port = info ? info->port : 0;
    if (cfg->port_file) {
        FILE *f = fopen(cfg->port_file, "w");
        if (f) {
            fprintf(f, "%u\n", S->port);
            fclose(f);
        }
    }
    *out = S;
    return ST_OK;
}

unsigned srv_http_port(const srv_http *h) { return h->port; }
unsigned srv_http_max_conns(const srv_http *h) { return h->max_conns; }

long srv_http_stop(srv_http *S) {
    if (!S) return 0;
    /* stop accepting; answer what is in flight with Connection: close */
    MHD_socket ls = MHD_quiesce_daemon(S->httpd);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    atomic_store(&S->draining, 1);
    /* in flight: zero for 200 ms in a row (a keep-alive connection may
     * still bring one last request, answered with Connection: close), or
     * 30 s at most */
    for (int i = 0, quiet = 0; i < 3000 && quiet < 20; i++) {
        quiet = atomic_load(&S->inflight) > 0 ? 0 : quiet + 1;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    MHD_stop_daemon(S->httpd);
    if (S->watchdog_started) {
        pthread_mutex_lock(&S->conns_mu);
        S->watchdog_stop = 1;
        pthread_cond_signal(&S->conns_cv);
        pthread_mutex_unlock(&S->conns_mu);
        pthread_join(S->watchdog, NULL);
    }
    long served = (long)atomic_load(&S->requests);
    http_free(S);
    return served;
}
