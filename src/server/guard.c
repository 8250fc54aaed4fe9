/*
 * guard.c - the request rules of guard.h.
 *
 * Design: every rule errs on refusing.  A Host that cannot be parsed is
 * not ours; an Origin that is neither the server itself nor listed is
 * foreign, "null" included; a request a browser marks as cross-site
 * (Sec-Fetch-Site) without an Origin is refused unless it is a plain
 * navigation.  Tools that send none of these headers (curl, OpenRefine,
 * yente clients) pass untouched.
 */
#include "server/guard.h"
#include "sanctrace/server.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int fail(srv_guard_fail *f, int status, const char *error, const char *detail, const char *arg) {
    f->status = status;
    f->error = error;
    snprintf(f->detail, sizeof f->detail, detail, arg ? arg : "");
    return status;
}

/* The name or address part of a Host value (brackets of an IPv6 address
 * removed, a trailing dot dropped) into out; 0 when malformed. */
static int host_part(const char *host, char *out, size_t n) {
    const char *end;
    int bracketed = host[0] == '[';
    if (bracketed) {
        end = strchr(host, ']');
        if (!end) return 0;
        host++;
        if (end[1] && end[1] != ':') return 0;
    } else {
        end = strchr(host, ':');
        if (!end) end = host + strlen(host);
    }
    const char *port = *end == ']' ? end + 1 : end;
    if (*port == ':') {
        if (!port[1]) return 0;
        for (const char *p = port + 1; *p; p++)
            if (*p < '0' || *p > '9') return 0;
    } else if (*port) {
        return 0;
    }
    size_t len = (size_t)(end - host);
    if (len > 0 && host[len - 1] == '.' && !bracketed) len--;
    if (len == 0 || len >= n) return 0;
    memcpy(out, host, len);
    out[len] = 0;
    return 1;
}

int srv_host_allowed(const char *host, const char *const *names, int n) {
    char name[256];
    unsigned char addr[16];
    if (!host || !host_part(host, name, sizeof name)) return 0;
    if (host[0] == '[') return inet_pton(AF_INET6, name, addr) == 1;
    if (inet_pton(AF_INET, name, addr) == 1) return 1;
    if (strcasecmp(name, "localhost") == 0) return 1;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len && names[i][len - 1] == '.') len--;
        if (strlen(name) == len && strncasecmp(name, names[i], len) == 0) return 1;
    }
    return 0;
}

int srv_origin_listed(const char *origin, const char *const *origins, int n) {
    size_t olen = strlen(origin);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(origins[i]);
        if (len && origins[i][len - 1] == '/') len--;
        if (olen == len && strncasecmp(origin, origins[i], len) == 0) return 1;
    }
    return 0;
}

/* The server's own origin: the scheme the page was loaded with (http,
 * or https behind a proxy) and exactly the Host the browser sent. */
static int origin_same(const char *origin, const char *host) {
    if (!host) return 0;
    const char *rest = strncasecmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncasecmp(origin, "https://", 8) == 0 ? origin + 8
                                                                 : NULL;
    return rest && strcasecmp(rest, host) == 0;
}

int srv_media_is(const char *content_type, const char *type) {
    if (!content_type) return 0;
    while (*content_type == ' ' || *content_type == '\t') content_type++;
    size_t len = strlen(type);
    if (strncasecmp(content_type, type, len) != 0) return 0;
    const char *p = content_type + len;
    while (*p == ' ' || *p == '\t') p++;
    return *p == 0 || *p == ';';
}

int st_server_origin_valid(const char *s) {
    const char *rest = strncmp(s, "http://", 7) == 0 ? s + 7 : strncmp(s, "https://", 8) == 0 ? s + 8 : NULL;
    if (!rest || !*rest) return 0;
    char name[256];
    size_t len = strlen(rest);
    if (rest[len - 1] == '/') len--;
    if (len == 0 || len >= sizeof name) return 0;
    memcpy(name, rest, len);
    name[len] = 0;
    if (strpbrk(name, "/*?#@ ")) return 0;
    char part[256];
    return host_part(name, part, sizeof part);
}

static int is_post_like(const char *m) {
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 ||
           strcmp(m, "DELETE") == 0;
}

int srv_guard_check(const srv_guard_req *q, const srv_guard_cfg *cfg, srv_guard_fail *f) {
    /* DNS rebinding: the browser sends the attacker's name as Host */
    if (!q->host || !*q->host) {
        if (q->http11)
            return fail(f, 400, "missing_host", "an HTTP/1.1 request needs a Host header%s", NULL);
    } else if (!srv_host_allowed(q->host, cfg->host_names, cfg->n_host_names)) {
        return fail(f, 421, "unknown_host",
                    "this server does not answer as '%.120s': use its IP address or localhost, or "
                    "start it with --host-name NAME",
                    q->host);
    }
    /* cross-site requests: a browser names the page that sent them */
    if (q->origin) {
        if (!origin_same(q->origin, q->host) &&
            !srv_origin_listed(q->origin, cfg->origins, cfg->n_origins))
            return fail(f, 403, "forbidden_origin",
                        "requests from pages at '%.120s' are refused; start the server with "
                        "--cors-origin ORIGIN to allow them",
                        q->origin);
    } else if (q->fetch_site && strcmp(q->fetch_site, "same-origin") != 0 &&
               strcmp(q->fetch_site, "none") != 0) {
        int navigation = (strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0) &&
                         q->fetch_mode && strcmp(q->fetch_mode, "navigate") == 0;
        if (!navigation)
            return fail(f, 403, "forbidden_origin", "a %s request from another site is refused",
                        q->fetch_site);
    }
    /* a body a browser could send cross-site without asking first
     * (text/plain, a form) is refused: JSON needs a CORS preflight */
    if (q->has_body && is_post_like(q->method) && !srv_media_is(q->content_type, "application/json")) {
        /* /reconcile or /reconcile/{dataset}: OpenRefine posts forms there */
        int reconcile = strncmp(q->url, "/reconcile", 10) == 0 &&
                        (q->url[10] == 0 || (q->url[10] == '/' && !strchr(q->url + 11, '/')));
        if (!(reconcile && srv_media_is(q->content_type, "application/x-www-form-urlencoded")))
            return fail(f, 415, "unsupported_media_type",
                        "send the body as 'Content-Type: application/json' (got '%.80s')",
                        q->content_type ? q->content_type : "none");
    }
    return 0;
}
