/*
 * store.c - versioned snapshots: write one, switch `current` to it
 * atomically, read one back, and say what changed since the last.
 *
 * Design: a snapshot is three files in its own directory, built under a
 * temporary name and renamed into place complete; `current` is a relative
 * symlink replaced by rename(2), the one atomic switch POSIX offers.  An
 * exclusive flock on D/update.lock keeps two updates from interleaving
 * (the second fails at once, saying so).  Directories are 0700 and files
 * 0600 (core/fs.h): a snapshot may be private data.
 * Changes are found by comparing each entity's serialised line with the
 * line of the same id in the previous snapshot, so "changed" means any
 * fact changed, and the comparison needs no parsing of the old file.
 * Per-entity times (times.json) are carried the same way: an entity keeps
 * its first_seen for as long as it is listed, and its last_change moves
 * only when its line changed; one that a snapshot made before times.json
 * already held gets that snapshot's creation time for both (it was there
 * then, at the latest), never the time of the update that met it again.
 * Invariant: nothing under D/current is ever modified in place.
 */
#include "lists/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "core/alloc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/map.h"

#define STORE_MAX_FILE ((size_t)4 << 30) /* entities.jsonl read limit */
#define STORE_MAX_META ((size_t)256 << 20)

/* ---- reading ---- */

static int store_readlink_version(const char *data_dir, char *out, size_t n, st_error *err) {
    char link[4096], target[4096];
    if (st_path_join(link, sizeof link, data_dir, "current") != ST_OK)
        return st_error_set(err, ST_ELIMIT, "data directory path too long");
    ssize_t k = readlink(link, target, sizeof target - 1);
    if (k < 0) {
        if (errno == ENOENT) return st_error_at(err, ST_ENOTFOUND, link, 0, -1, "no snapshot yet (run `sanctrace update`)");
        return st_error_at(err, ST_EIO, link, 0, -1, "cannot read link: %s", strerror(errno));
    }
    target[k] = 0;
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    if (!*base || strlen(base) >= n) return st_error_at(err, ST_ECORRUPT, link, 0, -1, "bad link target '%s'", target);
    snprintf(out, n, "%s", base);
    return ST_OK;
}

int st_store_current_version(const char *data_dir, char *out, size_t n, st_error *err) {
    return store_readlink_version(data_dir, out, n, err);
}

static int store_version_ok(const char *v) {
    if (!*v || strlen(v) >= 64 || v[0] == '.') return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

static json_t *store_load_json(const char *path, st_error *err) {
    char *data = NULL;
    size_t len = 0;
    if (st_file_read(path, STORE_MAX_META, &data, &len, err) != ST_OK) return NULL;
    json_error_t je;
    json_t *j = json_loadb(data, len, 0, &je);
    st_free(data);
    if (!j) st_error_at(err, ST_ECORRUPT, path, je.line, -1, "not JSON: %s", je.text);
    return j;
}

int st_store_previous_version(const char *data_dir, char *out, size_t n, st_error *err) {
    char cur[64], path[4096];
    int rc = store_readlink_version(data_dir, cur, sizeof cur, err);
    if (rc != ST_OK) return rc;
    if (snprintf(path, sizeof path, "%s/snapshots/%s/manifest.json", data_dir, cur) >= (int)sizeof path)
        return st_error_set(err, ST_ELIMIT, "path too long");
    json_t *m = store_load_json(path, err);
    if (!m) return err ? err->code : ST_ECORRUPT;
    const char *prev = json_string_value(json_object_get(m, "previous"));
    if (!prev || !*prev) rc = st_error_set(err, ST_ENOTFOUND, "snapshot %s has no previous snapshot", cur);
    else snprintf(out, n, "%s", prev);
    json_decref(m);
    return rc;
}

void st_store_close(st_store_snapshot *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n_entities; i++) st_entity_free(s->entities[i]);
    st_free(s->entities);
    json_decref(s->manifest);
    json_decref(s->changes);
    json_decref(s->times);
    st_map_free(s->by_id);
    st_free(s);
}

const st_entity *st_store_find(const st_store_snapshot *s, const char *id) {
    uint64_t i;
    if (!s || !id || !st_map_get(s->by_id, id, strlen(id), &i)) return NULL;
    return s->entities[i];
}

static int store_open(const char *data_dir, const char *version, int with_entities, st_store_snapshot **out,
                      st_error *err) {
    st_store_snapshot *s = st_calloc(1, sizeof *s);
    char path[4200], *data = NULL;
    size_t len = 0, cap = 0;
    int rc;
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (version) {
        if (!store_version_ok(version)) { rc = st_error_set(err, ST_EINVAL, "bad snapshot version '%s'", version); goto fail; }
        snprintf(s->version, sizeof s->version, "%s", version);
    } else if ((rc = store_readlink_version(data_dir, s->version, sizeof s->version, err)) != ST_OK) {
        goto fail;
    }
    if (snprintf(s->dir, sizeof s->dir, "%s/snapshots/%s", data_dir, s->version) >= (int)sizeof s->dir) {
        rc = st_error_set(err, ST_ELIMIT, "path too long");
        goto fail;
    }
    if (!st_is_dir(s->dir)) { rc = st_error_at(err, ST_ENOTFOUND, s->dir, 0, -1, "no such snapshot"); goto fail; }
    snprintf(path, sizeof path, "%s/manifest.json", s->dir);
    if (!(s->manifest = store_load_json(path, err))) { rc = err ? err->code : ST_ECORRUPT; goto fail; }
    snprintf(path, sizeof path, "%s/changes.json", s->dir);
    if (!(s->changes = store_load_json(path, err))) { rc = err ? err->code : ST_ECORRUPT; goto fail; }
    snprintf(path, sizeof path, "%s/times.json", s->dir);
    if (st_path_exists(path) && !(s->times = store_load_json(path, err))) { rc = err ? err->code : ST_ECORRUPT; goto fail; }
    if ((rc = st_map_new(&s->by_id)) != ST_OK) goto oom;
    if (!with_entities) {
        *out = s;
        return ST_OK;
    }
    snprintf(path, sizeof path, "%s/entities.jsonl", s->dir);
    if ((rc = st_file_read(path, STORE_MAX_FILE, &data, &len, err)) != ST_OK) goto fail;
    const char *want = json_string_value(json_object_get(s->manifest, "entities_sha256"));
    json_int_t count = json_integer_value(json_object_get(s->manifest, "entities"));
    char got[65];
    st_sha256_hex(data, len, got);
    if (!want || strcmp(want, got) != 0) {
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1, "sha256 %s does not match the manifest", got);
        goto fail;
    }
    cap = count > 0 ? (size_t)count : 16;
    if (!(s->entities = st_calloc(cap, sizeof *s->entities))) goto oom;
    long line = 0;
    for (const char *p = data, *end = data + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        if (le > p) {
            json_error_t je;
            json_t *o = json_loadb(p, (size_t)(le - p), 0, &je);
            st_entity *e = NULL;
            if (!o) { rc = st_error_at(err, ST_ECORRUPT, path, line, -1, "not JSON: %s", je.text); goto fail; }
            rc = st_entity_from_json(o, &e, err);
            json_decref(o);
            if (rc != ST_OK) {
                if (err) { snprintf(err->file, sizeof err->file, "%.255s", path); err->line = line; }
                goto fail;
            }
            if (s->n_entities == cap) {
                st_entity **ne = st_realloc(s->entities, cap * 2 * sizeof *ne);
                if (!ne) { st_entity_free(e); goto oom; }
                s->entities = ne;
                cap *= 2;
            }
            s->entities[s->n_entities] = e;
            if ((rc = st_map_put(s->by_id, e->id, strlen(e->id), s->n_entities)) != ST_OK) {
                st_entity_free(e);
                goto oom;
            }
            s->n_entities++;
        }
        p = nl ? nl + 1 : end;
    }
    if ((json_int_t)s->n_entities != count) {
        rc = st_error_at(err, ST_ECORRUPT, path, line, -1, "%zu entities, manifest says %lld", s->n_entities,
                         (long long)count);
        goto fail;
    }
    st_free(data);
    *out = s;
    return ST_OK;
oom:
    rc = st_error_set(err, ST_ENOMEM, "out of memory loading snapshot");
fail:
    st_free(data);
    st_store_close(s);
    return rc;
}

int st_store_open(const char *data_dir, const char *version, st_store_snapshot **out, st_error *err) {
    return store_open(data_dir, version, 1, out, err);
}

int st_store_open_meta(const char *data_dir, const char *version, st_store_snapshot **out, st_error *err) {
    return store_open(data_dir, version, 0, out, err);
}

/* ---- writing ---- */

typedef struct prev_lines {
    char *data;                 /* the previous entities.jsonl */
    size_t len;
    st_map *by_id;              /* id -> (offset << 24 | length) into data */
    st_map *seen;               /* ids present in the new snapshot */
    json_t *times;              /* its times.json, NULL when it has none */
    char created[32];           /* its creation time, "" when unknown */
} prev_lines;

/* The id of a serialised line: it always starts {"id":"...". */
static int line_id(const char *p, size_t n, const char **id, size_t *idn) {
    static const char pre[] = "{\"id\":\"";
    if (n < sizeof pre || memcmp(p, pre, sizeof pre - 1) != 0) return 0;
    const char *s = p + sizeof pre - 1, *e = memchr(s, '"', n - (sizeof pre - 1));
    if (!e) return 0;
    *id = s;
    *idn = (size_t)(e - s);
    return 1;
}

static int prev_load(const char *data_dir, const char *version, prev_lines *pl, st_error *err) {
    char path[4200];
    memset(pl, 0, sizeof *pl);
    int rc = st_map_new(&pl->by_id);
    if (rc == ST_OK) rc = st_map_new(&pl->seen);
    if (rc != ST_OK) return st_error_set(err, rc, "out of memory");
    if (!version[0]) return ST_OK;
    snprintf(path, sizeof path, "%s/snapshots/%s/times.json", data_dir, version);
    if (st_path_exists(path) && !(pl->times = store_load_json(path, err))) return err ? err->code : ST_ECORRUPT;
    snprintf(path, sizeof path, "%s/snapshots/%s/manifest.json", data_dir, version);
    json_t *m = st_path_exists(path) ? store_load_json(path, NULL) : NULL;
    snprintf(pl->created, sizeof pl->created, "%s", json_string_value(json_object_get(m, "created")) ?: "");
    json_decref(m);
    snprintf(path, sizeof path, "%s/snapshots/%s/entities.jsonl", data_dir, version);
    if ((rc = st_file_read(path, STORE_MAX_FILE, &pl->data, &pl->len, err)) != ST_OK) return rc;
    for (const char *p = pl->data, *end = pl->data + pl->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *id;
        size_t idn;
        if (line_id(p, (size_t)(le - p), &id, &idn) && (size_t)(le - p) < (1u << 24)) {
            uint64_t v = ((uint64_t)(p - pl->data) << 24) | (uint64_t)(le - p);
            if (st_map_put(pl->by_id, id, idn, v) != ST_OK) return st_error_set(err, ST_ENOMEM, "out of memory");
        }
        p = nl ? nl + 1 : end;
    }
    return ST_OK;
}

static void prev_free(prev_lines *pl) {
    json_decref(pl->times);
    st_free(pl->data);
    st_map_free(pl->by_id);
    st_map_free(pl->seen);
}

static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static int json_write(const char *path, json_t *j, st_error *err) {
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory");
    size_t n = strlen(s);
    /* a trailing newline, then the atomic write */
    char *t = st_malloc(n + 2);
    int rc;
    if (!t) rc = st_error_set(err, ST_ENOMEM, "out of memory");
    else {
        memcpy(t, s, n);
        t[n] = '\n';
        rc = st_file_write_atomic(path, t, n + 1, err);
    }
    st_free(t);
    free(s);
    return rc;
}

/* Remove every snapshot but keep_a and keep_b, and stale temporaries. */
static void store_prune(const char *snapdir, const char *keep_a, const char *keep_b) {
    DIR *d = opendir(snapdir);
    if (!d) return;
    struct dirent *de;
    char path[4400];
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (!strcmp(de->d_name, keep_a) || (keep_b[0] && !strcmp(de->d_name, keep_b))) continue;
        snprintf(path, sizeof path, "%s/%s", snapdir, de->d_name);
        st_rm_rf(path);
    }
    closedir(d);
}

static json_t *ids_array(json_t *arr) { return arr ? arr : json_array(); }

int st_store_write(const char *data_dir, st_entity *const *entities, size_t n, json_t *sources,
                   st_store_result *res, st_error *err) {
    char snapdir[4096], tmpdir[4300], final[4300], path[4400], lockpath[4200];
    prev_lines pl;
    st_buf out;
    json_t *added = json_array(), *removed = json_array(), *changed = json_array();
    json_t *manifest = NULL, *changes = NULL, *times = json_object();
    uint8_t *state = st_malloc(n ? n : 1); /* per entity: 0 unchanged, 1 added, 2 changed, 3 a repeated id */
    int rc, lockfd = -1, fd = -1, tmp_made = 0;
    memset(res, 0, sizeof *res);
    memset(&pl, 0, sizeof pl);
    st_buf_init(&out, STORE_MAX_FILE);
    if (!added || !removed || !changed || !times || !state) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); goto done; }
    if (snprintf(snapdir, sizeof snapdir, "%s/snapshots", data_dir) >= (int)sizeof snapdir) {
        rc = st_error_set(err, ST_ELIMIT, "data directory path too long");
        goto done;
    }
    if ((rc = st_mkdir_p(snapdir, err)) != ST_OK) goto done;
    snprintf(lockpath, sizeof lockpath, "%s/update.lock", data_dir);
    /* a read-only or foreign data dir is reported as such, not as a lock held */
    if ((rc = st_lock_take(lockpath, 0, "another update", &lockfd, err)) != ST_OK) goto done;
    /* the previous snapshot, if any */
    st_error e2;
    st_error_clear(&e2);
    if (store_readlink_version(data_dir, res->previous, sizeof res->previous, &e2) != ST_OK) {
        if (e2.code != ST_ENOTFOUND) { if (err) *err = e2; rc = e2.code; goto done; }
        res->previous[0] = 0;
    }
    if ((rc = prev_load(data_dir, res->previous, &pl, err)) != ST_OK) goto done;
    /* serialise and diff */
    for (size_t i = 0; i < n; i++) {
        const st_entity *e = entities[i];
        size_t idn = strlen(e->id);
        int created = 0;
        if (!st_map_slot(pl.seen, e->id, idn, 1, &created)) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); goto done; }
        state[i] = 3;
        if (!created) continue; /* an id given twice: the first wins */
        char *line = st_entity_to_jsonl(e);
        if (!line) { rc = st_error_set(err, ST_ENOMEM, "cannot serialise entity %s", e->id); goto done; }
        size_t ln = strlen(line);
        uint64_t v;
        json_t *list = NULL;
        if (!st_map_get(pl.by_id, e->id, idn, &v)) list = added;
        else if ((v & 0xffffff) != ln || memcmp(pl.data + (v >> 24), line, ln) != 0) list = changed;
        state[i] = list == added ? 1 : list == changed ? 2 : 0;
        rc = st_buf_append(&out, line, ln);
        if (rc == ST_OK) rc = st_buf_putc(&out, '\n');
        st_free(line);
        if (rc != ST_OK) { rc = st_error_set(err, rc, "snapshot too large or out of memory"); goto done; }
        if (list && json_array_append_new(list, json_string(e->id)) != 0) {
            rc = st_error_set(err, ST_ENOMEM, "out of memory");
            goto done;
        }
        res->n_entities++;
    }
    {
        size_t it = 0, kl;
        const char *k;
        uint64_t v;
        char id[1024];
        while (st_map_next(pl.by_id, &it, &k, &kl, &v)) {
            if (st_map_get(pl.seen, k, kl, NULL)) continue;
            if (kl >= sizeof id) continue;
            memcpy(id, k, kl);
            id[kl] = 0;
            if (json_array_append_new(removed, json_string(id)) != 0) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); goto done; }
        }
    }
    res->added = json_array_size(added);
    res->removed = json_array_size(removed);
    res->changed = json_array_size(changed);
    /* the version: UTC time, made unique */
    time_t now = time(NULL);
    struct tm tm;
    char created_at[32], base[32];
    gmtime_r(&now, &tm);
    strftime(base, sizeof base, "%Y%m%dT%H%M%SZ", &tm);
    strftime(created_at, sizeof created_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(res->version, sizeof res->version, "%s", base);
    for (int k = 2; ; k++) {
        snprintf(final, sizeof final, "%s/%s", snapdir, res->version);
        if (!st_path_exists(final) && strcmp(res->version, res->previous) != 0) break;
        snprintf(res->version, sizeof res->version, "%s-%d", base, k);
    }
    /* times.json: first_seen and last_change carried, moved where the line changed */
    for (size_t i = 0; i < n; i++) {
        if (state[i] == 3) continue;
        const char *id = entities[i]->id;
        json_t *old = pl.times ? json_object_get(pl.times, id) : NULL;
        const char *then = pl.created[0] ? pl.created : created_at; /* met before times.json: there then */
        const char *first = state[i] == 1 ? created_at : json_string_value(json_array_get(old, 0)) ?: then;
        const char *last = state[i] ? created_at : json_string_value(json_array_get(old, 1)) ?: then;
        if (json_object_set_new(times, id, json_pack("[s, s]", first, last)) != 0) {
            rc = st_error_set(err, ST_ENOMEM, "out of memory");
            goto done;
        }
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/.tmp-%s-%ld", snapdir, res->version, (long)getpid());
    st_rm_rf(tmpdir);
    if ((rc = st_mkdir_p(tmpdir, err)) != ST_OK) goto done;
    tmp_made = 1;
    /* entities.jsonl */
    snprintf(path, sizeof path, "%s/entities.jsonl", tmpdir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, ST_FILE_MODE);
    if (fd < 0 || st_write_all(fd, out.data ? out.data : "", out.len) != 0 || fsync(fd) != 0) {
        rc = st_error_at(err, ST_EIO, path, 0, -1, "write failed: %s", strerror(errno));
        goto done;
    }
    close(fd);
    fd = -1;
    char sha[65];
    st_sha256_hex(out.data ? out.data : "", out.len, sha);
    manifest = json_pack("{s:s, s:s, s:s?, s:I, s:s, s:O}", "version", res->version, "created", created_at,
                         "previous", res->previous[0] ? res->previous : NULL, "entities",
                         (json_int_t)res->n_entities, "entities_sha256", sha, "sources", sources);
    changes = json_pack("{s:s, s:s?, s:{s:I, s:I, s:I}, s:o, s:o, s:o}", "version", res->version, "previous",
                        res->previous[0] ? res->previous : NULL, "counts", "added", (json_int_t)res->added,
                        "removed", (json_int_t)res->removed, "changed", (json_int_t)res->changed, "added",
                        ids_array(added), "removed", ids_array(removed), "changed", ids_array(changed));
    added = removed = changed = NULL; /* stolen by json_pack ("o"), even on failure */
    if (!manifest || !changes) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); goto done; }
    snprintf(path, sizeof path, "%s/manifest.json", tmpdir);
    if ((rc = json_write(path, manifest, err)) != ST_OK) goto done;
    snprintf(path, sizeof path, "%s/changes.json", tmpdir);
    if ((rc = json_write(path, changes, err)) != ST_OK) goto done;
    snprintf(path, sizeof path, "%s/times.json", tmpdir);
    if ((rc = json_write(path, times, err)) != ST_OK) goto done;
    fsync_dir(tmpdir);
    if (rename(tmpdir, final) != 0) {
        rc = st_error_at(err, ST_EIO, final, 0, -1, "rename failed: %s", strerror(errno));
        goto done;
    }
    tmp_made = 0;
    fsync_dir(snapdir);
    /* switch current: symlink under a temporary name, then rename over */
    char link_tmp[4200], link_final[4200], target[128];
    snprintf(link_tmp, sizeof link_tmp, "%s/.current.tmp-%ld", data_dir, (long)getpid());
    snprintf(link_final, sizeof link_final, "%s/current", data_dir);
    snprintf(target, sizeof target, "snapshots/%s", res->version);
    unlink(link_tmp);
    if (symlink(target, link_tmp) != 0 || rename(link_tmp, link_final) != 0) {
        rc = st_error_at(err, ST_EIO, link_final, 0, -1, "cannot switch current: %s", strerror(errno));
        unlink(link_tmp);
        st_rm_rf(final); /* never current: do not leave it to be mistaken for one */
        goto done;
    }
    fsync_dir(data_dir);
    store_prune(snapdir, res->version, res->previous);
    rc = ST_OK;
done:
    if (fd >= 0) close(fd);
    if (tmp_made) st_rm_rf(tmpdir);
    st_lock_release(lockfd);
    json_decref(added);
    json_decref(removed);
    json_decref(changed);
    json_decref(manifest);
    json_decref(changes);
    json_decref(times);
    st_free(state);
    st_buf_free(&out);
    prev_free(&pl);
    return rc;
}
