/*
 * http.c - libmicrohttpd glue: request bodies, API keys, responses,
 * connection limits and the drain on shutdown.
 *
 * Design: a thread pool of --threads workers, each polling its share of
 * the connections with epoll.  A request is answered on the handler call
 * after its upload is complete, never on the first call (answering on the
 * first call makes libmicrohttpd close the connection).  Bodies are
 * bounded by max_body: a declared Content-Length over the limit is
 * refused before any byte is read, and a chunked body is refused the
 * moment it crosses the limit.  Idle and stalled connections are closed
 * after conn_timeout seconds, so no client can hold a worker forever.
 *
 * Invariant: S->inflight counts requests from their first handler call
 * until libmicrohttpd reports them completed; shutdown waits for it to
 * reach zero before stopping the daemon, so no answer in progress is cut.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "core/alloc.h"
#include "server/server_int.h"

const char *srv_arg(srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *srv_header(srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void srv_error(srv_resp *out, int status, const char *error, const char *fmt, ...) {
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_decref(out->json);
    out->status = status;
    out->json = json_pack("{s:s, s:s}", "error", error, "detail", detail);
    out->raw = NULL;
}

/* The API key a client sent: "Authorization: ApiKey K" or "Bearer K",
 * "X-API-Key: K", or ?api_key=K (for tools that cannot set headers). */
static const char *request_key(srv_req *r) {
    const char *h = srv_header(r, "Authorization");
    if (h) {
        if (strncasecmp(h, "ApiKey ", 7) == 0) return h + 7;
        if (strncasecmp(h, "Bearer ", 7) == 0) return h + 7;
    }
    if ((h = srv_header(r, "X-API-Key"))) return h;
    return srv_arg(r, "api_key");
}

/* Paths anyone may read: probes and the page itself (its API calls carry a key). */
static int path_is_public(const char *url, const char *method) {
    if (strcmp(method, "OPTIONS") == 0) return 1;
    if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0) return 1;
    if (strcmp(method, "GET") != 0) return 0;
    if (strcmp(url, "/") == 0) return 1;
    return strncmp(url, "/static/", 8) == 0;
}

static enum MHD_Result send_resp(srv *S, srv_req *r, srv_resp *o) {
    struct MHD_Response *resp;
    char *text = NULL;
    if (o->json) {
        text = json_dumps(o->json, JSON_COMPACT | JSON_REAL_PRECISION(6));
        if (!text) {
            o->status = 500;
            text = strdup("{\"error\":\"internal\",\"detail\":\"cannot encode the answer\"}");
            if (!text) return MHD_NO;
        }
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (!resp) free(text);
    } else {
        resp = MHD_create_response_from_buffer(o->raw_len, (void *)o->raw, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", o->json ? "application/json" : o->type);
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                            "Authorization, Content-Type, X-API-Key");
    MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (atomic_load(&S->draining)) MHD_add_response_header(resp, "Connection", "close");
    if (o->status >= 500) atomic_fetch_add(&S->server_errors, 1);
    else if (o->status >= 400) atomic_fetch_add(&S->client_errors, 1);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)o->status, resp);
    r->answered = 1;
    MHD_destroy_response(resp);
    json_decref(o->json);
    o->json = NULL;
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
    srv *S = cls;
    srv_req *r = *con_cls;
    srv_resp out = {0};
    if (!r) {
        /* first call: headers only - set up, never answer here */
        r = st_calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        r->conn = conn;
        r->method = method;
        r->url = url;
        *con_cls = r;
        atomic_fetch_add(&S->inflight, 1);
        atomic_fetch_add(&S->requests, 1);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > S->cfg.max_body) {
            /* a declared body over the limit is refused before it is sent:
             * the one answer given on the first call, and the connection
             * closes after it, which is what a refused upload needs */
            r->too_large = 1;
            srv_error(&out, 413, "body_too_large", "the request body (%s bytes) is over the %zu byte limit",
                      cl, S->cfg.max_body);
            return send_resp(S, r, &out);
        }
        return MHD_YES;
    }
    if (r->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_large && *upload_size) {
        /* a chunked body past the limit: read and drop the rest, answer
         * when it ends; a client sending far more is cut off */
        r->body_len += *upload_size;
        *upload_size = 0;
        return r->body_len > 64 * S->cfg.max_body ? MHD_NO : MHD_YES;
    }
    if (*upload_size) {
        if (r->body_len + *upload_size > S->cfg.max_body) {
            r->too_large = 1;
            st_free(r->body);
            r->body = NULL;
            r->body_len += *upload_size;
            *upload_size = 0;
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
    if (r->too_large) {
        srv_error(&out, 413, "body_too_large", "the request body is over the %zu byte limit",
                  S->cfg.max_body);
        return send_resp(S, r, &out);
    }
    if (S->auth && !path_is_public(url, method)) {
        const char *key = request_key(r);
        int ok = 0;
        st_error err;
        st_error_clear(&err);
        if (!key) {
            srv_error(&out, 401, "unauthorized",
                      "an API key is required: send 'Authorization: ApiKey <key>' "
                      "(create one with 'sanctrace serve keys add NAME')");
            return send_resp(S, r, &out);
        }
        if (st_db_key_check(S->store, key, &ok, r->key_id, &err) != ST_OK) {
            srv_error(&out, 503, "store_unavailable", "cannot check the API key: %s", err.msg);
            return send_resp(S, r, &out);
        }
        if (!ok) {
            srv_error(&out, 401, "unauthorized", "the API key is not known or was revoked");
            return send_resp(S, r, &out);
        }
    }
    srv_api_dispatch(S, r, &out);
    return send_resp(S, r, &out);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    srv *S = cls;
    srv_req *r = *con_cls;
    if (!r) return;
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

int srv_http_start(srv *S, st_error *err) {
    struct sockaddr_storage ss = {0};
    socklen_t slen;
    int loopback = 0;
    int rc = parse_listen(S->cfg.listen, &ss, &slen, &loopback, err);
    if (rc != ST_OK) return rc;
    S->auth = S->cfg.auth >= 0 ? S->cfg.auth : !loopback;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    S->httpd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, S, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)S->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        S->cfg.conn_timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)0, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(128 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)512,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, S, MHD_OPTION_END);
    if (!S->httpd) return st_error_set(err, ST_EIO, "cannot listen on %s", S->cfg.listen);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(S->httpd, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    char shown[300];
    snprintf(shown, sizeof shown, "%.*s:%u", (int)(strrchr(S->cfg.listen, ':') - S->cfg.listen),
             S->cfg.listen, port);
    fprintf(stderr, "sanctrace: listening on http://%s (%d threads, API keys %s, store %s)\n", shown,
            S->cfg.threads, S->auth ? "required" : "off", st_db_engine(S->store));
    if (S->cfg.port_file) {
        FILE *f = fopen(S->cfg.port_file, "w");
        if (f) {
            fprintf(f, "%u\n", port);
            fclose(f);
        }
    }
    return ST_OK;
}

void srv_http_stop(srv *S) {
    if (!S->httpd) return;
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
    S->httpd = NULL;
}
