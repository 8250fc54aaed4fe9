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

/* st_server_config and st_server_run are public: include/sanctrace/server.h. */
#include "sanctrace/server.h"


#endif
