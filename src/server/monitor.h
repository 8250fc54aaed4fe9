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

typedef struct st_monitor_stats {
    long customers;   /* customers read (add) or screened (run) */
    long hits;        /* matches on added / changed entities (run), all matches (add) */
    long alerts;      /* new alerts (run) */
    long changed;     /* entities added or changed by the snapshot (run) */
    long rejected;    /* input records skipped with an error (add) */
    int claimed;      /* run: this process did the run (0: done elsewhere) */
} st_monitor_stats;

/* Told about each record that is not stored (file, line, reason). */
typedef void (*st_monitor_warn_fn)(void *ctx, const st_error *e);

/* Store the customers of path (CSV with a header, or JSON lines: the
 * input of `sanctrace screen`) and, when snap is not NULL, record their
 * current hits as the baseline.  A malformed record, or one without an id
 * or anything to screen, goes to warn (may be NULL) and is skipped, and
 * reading goes on with the next line.  Two records with one id: ST_EPARSE
 * naming both lines, and nothing is stored. */
int st_monitor_add_file(st_db *s, const char *path, const st_snapshot *snap,
                        st_monitor_warn_fn warn, void *warn_ctx, st_monitor_stats *stats,
                        st_error *err);

/* Screen the stored customers for snapshot snap of data_dir (its change
 * list says which entities are new or changed) and raise alerts. */
int st_monitor_run(st_db *s, const st_snapshot *snap, const char *data_dir, const char *by,
                   st_monitor_stats *stats, st_error *err);

#endif
