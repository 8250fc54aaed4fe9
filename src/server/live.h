/*
 * live.h - the snapshot being served, swapped without stopping.
 *
 * Invariant: the live snapshot is only reached through srv_live_get,
 * which hands out a retained reference under the lock; a swap replaces
 * the pointer under the same lock and drops the holder's reference, so
 * the old snapshot is freed when the last request using it finishes.  No
 * request ever sees a half-switched snapshot.  The updater's record (last
 * attempt, error, monitoring) sits beside it under the same lock, so
 * /readyz and /catalog read one consistent state.
 */
#ifndef ST_SERVER_LIVE_H
#define ST_SERVER_LIVE_H

#include <pthread.h>

#include <jansson.h>

#include "sanctrace/screen.h"

/* The snapshot being served and what the updater last did. */
typedef struct srv_live {
    pthread_mutex_t mu;
    st_snapshot *snap;        /* owned reference, NULL before the first load */
    json_t *catalog;          /* st_snapshot_catalog of snap, owned */
    char loaded_at[40];
    char last_attempt[40], last_success[40];
    char last_error[512];     /* "" when the last update succeeded */
    long updates_ok, updates_failed;
    int updating;             /* an update (or its monitoring run) is in progress */
    char monitored[64];       /* last snapshot monitored (here or by another replica) */
    long monitor_alerts;
    int monitor_claimed;
} srv_live;

void srv_live_init(srv_live *L);
/* Drops the snapshot and the catalog. */
void srv_live_destroy(srv_live *L);
/* Retained snapshot (release with st_snapshot_release) and, when cat is
 * not NULL, a new reference to its catalog; NULL before the first load. */
st_snapshot *srv_live_get(srv_live *L, json_t **cat);
/* Serve snap from now on (takes the reference). */
void srv_live_swap(srv_live *L, st_snapshot *snap);
/* {"snapshot", "loaded_at", "last_update": {...}, "monitoring": {...}} - new reference. */
json_t *srv_live_status(srv_live *L);

#endif
