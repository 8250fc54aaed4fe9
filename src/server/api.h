/*
 * api.h - the server's API: yente's /match, search, entities, catalog,
 * reconciliation, decisions, alerts, probes and the page, each a handler
 * over the live snapshot and the store.  The HTTP layer (http.h) calls
 * srv_api_dispatch for every complete request; the API checks the caller's
 * key and role first.
 */
#ifndef ST_SERVER_API_H
#define ST_SERVER_API_H

#include "server/audit.h"
#include "server/db.h"
#include "server/http.h"
#include "server/live.h"

/* Files of the web page, generated from web/ at build time. */
typedef struct srv_asset {
    const char *path;          /* "/index.html" */
    const char *type;          /* Content-Type */
    const unsigned char *data;
    size_t len;
} srv_asset;
extern const srv_asset st_web_assets[];
extern const size_t st_web_assets_count;

/* What the handlers use; owned by the server (server.c). */
typedef struct srv_api {
    st_db *store;
    srv_audit *audit;
    srv_live *live;
    int auth;                  /* API keys required */
    struct srv_applicants *applicants; /* POST /applicants/check; NULL without --rings-state */
    struct srv_evm *evm;       /* GET /evm/...; NULL without --evm-db */
} srv_api;

/* The srv_handler_fn of the server: ctx is the srv_api.  Always fills out. */
void srv_api_dispatch(void *ctx, srv_req *r, srv_resp *out);

#endif
