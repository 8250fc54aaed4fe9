/*
 * guard.h - which requests a browser could have been tricked into
 * sending, refused before any handler runs.
 *
 * Design: the server is reached by tools (curl, yente clients,
 * OpenRefine) and by one page of its own.  A page from elsewhere, open in
 * the analyst's browser, can still send requests to it: through DNS
 * rebinding (a name the attacker controls pointed at 127.0.0.1), with a
 * cross-site form or fetch, or with CORS if the server allowed it.  Each
 * rule below closes one of these ways; docs/threat-model.md says which.
 * The rules are pure functions over header values, so they are tested as
 * data (tests/unit/test_server_guard.c).
 *
 * Invariant: a request that passes srv_guard_check carries a Host the
 * server answers as, no foreign Origin, and, when it has a body on a
 * POST, a media type that a browser cannot send cross-site without a
 * CORS preflight (application/json) - the one exception, /reconcile's
 * form body, is guarded by the Origin rule alone.
 */
#ifndef ST_SERVER_GUARD_H
#define ST_SERVER_GUARD_H

#include <stddef.h>

/* What the server is configured to trust. */
typedef struct srv_guard_cfg {
    const char *const *host_names; /* --host-name values */
    int n_host_names;
    const char *const *origins;    /* --cors-origin values */
    int n_origins;
} srv_guard_cfg;

/* The parts of a request the rules read; NULL for an absent header. */
typedef struct srv_guard_req {
    const char *method, *url;
    int http11;                    /* HTTP/1.1 (Host is required) */
    const char *host, *origin;
    const char *fetch_site, *fetch_mode; /* Sec-Fetch-Site, Sec-Fetch-Mode */
    const char *content_type;
    int has_body;                  /* a Content-Length above 0 or a chunked body */
} srv_guard_req;

/* A refusal: HTTP status, error code and words for the client. */
typedef struct srv_guard_fail {
    int status;                    /* 400, 403, 415 or 421 */
    const char *error;
    char detail[256];
} srv_guard_fail;

/* 0 when q may go on, else its status with f filled. */
int srv_guard_check(const srv_guard_req *q, const srv_guard_cfg *cfg, srv_guard_fail *f);

/* Is the Host header value (name or address, with or without :port) one
 * the server answers as: an IP address, localhost, or a configured name?
 * An IP address is safe to accept: DNS rebinding needs a name. */
int srv_host_allowed(const char *host, const char *const *names, int n);

/* Is origin one of the configured origins (case-insensitive, a trailing
 * '/' in the configuration ignored)? */
int srv_origin_listed(const char *origin, const char *const *origins, int n);

/* Is the media type of a Content-Type value type (parameters ignored)? */
int srv_media_is(const char *content_type, const char *type);

/* st_server_origin_valid (a --cors-origin's form) is public: sanctrace/server.h. */

#endif
