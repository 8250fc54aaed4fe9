/*
 * monitor.h - ongoing screening of a stored customer base.
 *
 * Design: customers are stored once (`sanctrace monitor add FILE`, the
 * same CSV / JSON-lines input as `sanctrace screen`) and screened then
 * against the current snapshot; their hits at that moment are the
 * baseline, not alerts.  After each update, the customers are screened
 * against the new snapshot and only hits on entities the update added or
 * changed count; a (customer, entity) pair never seen before becomes an
 * alert.  A run happens once per snapshot version even when several
 * servers share the database (st_db_monitor_claim).
 */
#ifndef ST_SERVER_MONITOR_H
#define ST_SERVER_MONITOR_H

#include "sanctrace/screen.h"
#include "server/db.h"

/* st_monitor_add_file, st_monitor_run and their stats are public:
 * include/sanctrace/server.h. */

#endif
