/*
 * server.h - `sanctrace serve`: screening as an HTTP service.
 *
 * The server answers yente's /match API, a search and entity API, the W3C
 * Reconciliation Service API (OpenRefine), decisions, monitoring alerts
 * and the analyst web page, from one snapshot that it swaps for a newer
 * one without stopping (SIGHUP or --update-every).  See docs/server.md.
 */
#ifndef ST_SERVER_SERVER_H
#define ST_SERVER_SERVER_H

#include <stddef.h>

#include "sanctrace/sanctrace.h"

typedef struct st_server_config {
    const char *data_dir;     /* snapshots (and the SQLite store) live here */
    const char *listen;       /* "ADDR:PORT"; port 0 picks a free one */
    int threads;              /* HTTP worker threads */
    const char *db;           /* store target; NULL: <data_dir>/sanctrace.db */
    int auth;                 /* -1: on unless listening on loopback; 0 off; 1 on */
    size_t max_body;          /* request body limit in bytes */
    double update_every;      /* seconds between updates, 0: only on SIGHUP */
    const char *update_from[8]; /* `sanctrace update --from DIR...`, none: official downloads */
    int n_update_from;
    unsigned conn_timeout;    /* idle connection timeout, seconds */
    const char *port_file;    /* write the bound port here once listening (tests) */
    /* slow clients (see docs/threat-model.md) */
    unsigned max_conns;       /* connections open at once, all clients */
    unsigned max_conns_per_ip; /* connections open at once from one address, 0: no cap */
    unsigned header_timeout;  /* seconds to receive a request line and its headers, in total */
    unsigned body_timeout;    /* seconds to receive a request body, in total */
    /* browsers (see docs/threat-model.md) */
    const char *host_names[8]; /* names the server is reached by besides IP addresses and localhost */
    int n_host_names;
    const char *cors_origins[8]; /* origins whose pages may call the API (CORS), none by default */
    int n_cors_origins;
} st_server_config;

/* Serve until SIGTERM or SIGINT: stop accepting, finish the requests in
 * flight, flush the audit trail, return ST_OK. */
int st_server_run(const st_server_config *cfg, st_error *err);

#endif
