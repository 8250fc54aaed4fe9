/*
 * store.h - versioned list snapshots on disk, and how to read them.
 *
 * Layout under a data directory D:
 *   D/snapshots/<version>/entities.jsonl   one entity a line (st_entity_to_jsonl)
 *   D/snapshots/<version>/manifest.json    version, created, previous, per-source files,
 *                                          sha256, counts, fetched time, warnings
 *   D/snapshots/<version>/changes.json     added / removed / changed ids vs previous
 *   D/snapshots/<version>/times.json       id -> [first_seen, last_change]: when an
 *                                          update first held the entity, and last
 *                                          changed it (carried from the previous)
 *   D/current -> snapshots/<version>       symlink, switched by rename (atomic)
 *
 * Invariant: `current` only ever points at a complete snapshot.  A snapshot
 * is written into snapshots/.tmp-<version>-<pid>, fsynced, renamed to its
 * final name, and only then is `current` replaced (symlink made under a
 * temporary name, then rename(2) over `current`).  A crash at any point
 * leaves the old `current` intact; leftovers named .tmp-* are removed by
 * the next write.  The previous snapshot is kept; older ones are pruned.
 */
#ifndef ST_LISTS_STORE_H
#define ST_LISTS_STORE_H

#include <stddef.h>

#include <jansson.h>

#include "sanctrace/entity.h"

/* One loaded snapshot.  Everything in it is owned by the snapshot and
 * lives until st_store_close; treat it as read-only (threads may share). */
typedef struct st_store_snapshot {
    char version[64];           /* "20261128T223500Z", "-2" appended on a clash */
    char dir[4096];             /* D/snapshots/<version> */
    st_entity **entities;       /* in file order */
    size_t n_entities;
    json_t *manifest;           /* manifest.json as parsed */
    json_t *changes;            /* changes.json as parsed */
    json_t *times;              /* times.json as parsed; NULL for a snapshot made before it */
    struct st_map *by_id;       /* id -> index, for st_store_find */
} st_store_snapshot;

/* Open D's current snapshot (version NULL) or the named version.  Checks
 * entities.jsonl against the manifest's sha256 and count: ST_ECORRUPT with
 * the file and line when they disagree; ST_ENOTFOUND when there is none. */
int st_store_open(const char *data_dir, const char *version, st_store_snapshot **out,
                  st_error *err);
/* The same without reading entities.jsonl (n_entities 0): version,
 * manifest and changes only, for callers that need the figures. */
int st_store_open_meta(const char *data_dir, const char *version, st_store_snapshot **out,
                       st_error *err);
void st_store_close(st_store_snapshot *s);
const st_entity *st_store_find(const st_store_snapshot *s, const char *id); /* NULL if absent */

/* Version of the current snapshot / of the one before it (from the current
 * manifest's "previous") into out.  ST_ENOTFOUND when there is none. */
int st_store_current_version(const char *data_dir, char *out, size_t n, st_error *err);
int st_store_previous_version(const char *data_dir, char *out, size_t n, st_error *err);

/* What st_store_write reports back. */
typedef struct st_store_result {
    char version[64];
    char previous[64];          /* "" for the first snapshot */
    size_t n_entities;
    size_t added, removed, changed;
} st_store_result;

/* Write entities as a new snapshot of D and make it current.  sources is
 * the manifest's "sources" object (borrowed; the caller fills per-source
 * files, sha256, fetched, entities, warnings).  Keeps the previous
 * snapshot, prunes older ones.  On any failure `current` is unchanged. */
int st_store_write(const char *data_dir, st_entity *const *entities, size_t n, json_t *sources,
                   st_store_result *res, st_error *err);

/* Serialisation used by entities.jsonl (lossless, fixed key order). */
json_t *st_entity_to_json(const st_entity *e);            /* new reference or NULL */
char *st_entity_to_jsonl(const st_entity *e);             /* st_free()d by the caller */
int st_entity_from_json(json_t *o, st_entity **out, st_error *err);

/* st_sha256_hex, the snapshot files' digest, is in core/sha256.h. */
#include "core/sha256.h"

#endif
