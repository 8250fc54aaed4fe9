/*
 * live.c - the snapshot being served and the updater's record (live.h):
 * one mutex, references handed out under it, so a swap never races a
 * request.
 */
#include <string.h>

#include "server/db.h"
#include "server/live.h"

void srv_live_init(srv_live *L) {
    memset(L, 0, sizeof *L);
    pthread_mutex_init(&L->mu, NULL);
}

void srv_live_destroy(srv_live *L) {
    if (L->snap) st_snapshot_release(L->snap);
    json_decref(L->catalog);
    L->snap = NULL;
    L->catalog = NULL;
    pthread_mutex_destroy(&L->mu);
}

st_snapshot *srv_live_get(srv_live *L, json_t **cat) {
    pthread_mutex_lock(&L->mu);
    st_snapshot *s = L->snap ? st_snapshot_retain(L->snap) : NULL;
    if (cat) *cat = s ? json_incref(L->catalog) : NULL;
    pthread_mutex_unlock(&L->mu);
    return s;
}

void srv_live_swap(srv_live *L, st_snapshot *snap) {
    json_t *cat = st_snapshot_catalog(snap);
    pthread_mutex_lock(&L->mu);
    st_snapshot *old = L->snap;
    json_t *old_cat = L->catalog;
    L->snap = snap;
    L->catalog = cat;
    st_db_now(L->loaded_at, sizeof L->loaded_at);
    pthread_mutex_unlock(&L->mu);
    /* requests still using the old one hold their own references */
    if (old) st_snapshot_release(old);
    json_decref(old_cat);
}

json_t *srv_live_status(srv_live *L) {
    pthread_mutex_lock(&L->mu);
    json_t *o = json_pack(
        "{s:s?, s:s, s:{s:s, s:s, s:s, s:I, s:I, s:b}, s:{s:s, s:I, s:b}, s:s}", "snapshot",
        L->snap ? st_snapshot_version(L->snap) : NULL, "loaded_at", L->loaded_at, "last_update",
        "attempted", L->last_attempt, "succeeded", L->last_success, "error", L->last_error, "ok",
        (json_int_t)L->updates_ok, "failed", (json_int_t)L->updates_failed, "running", L->updating,
        "monitoring", "snapshot", L->monitored, "new_alerts", (json_int_t)L->monitor_alerts,
        "ran_here", L->monitor_claimed, "version", ST_VERSION);
    pthread_mutex_unlock(&L->mu);
    return o;
}

