/*
 * state.c - incremental runs: the records seen so far and their ring ids.
 *
 * Design: the state folder holds records.jsonl (every record kept, as the
 * canonical JSON line it arrived as, in id order) and rings.tsv (record id,
 * ring id).  A run replays records.jsonl before the new input and
 * re-clusters everything, so the rings are exactly those of one run over
 * all records, whatever the split or order; rings.tsv only carries the ids
 * forward, so a ring keeps its id when it grows.  Both files are written
 * atomically (temporary file, fsync, rename), rings.tsv first: after a
 * crash between the two, the older records file is still consistent with
 * the ids, which name records by id.
 *
 * Invariant: a run holds an exclusive flock on DIR/lock from before it
 * reads the state until the state is saved (or the context freed), so a
 * second run on the same folder waits and then builds on the first one's
 * records: two runs at once never lose either's records.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "rings/rings_int.h"

#define STATE_MAX ((size_t)8 << 30)

void rg_state_unlock(st_rings *r) {
    if (r->state_lock) st_lock_release(r->state_lock - 1);
    r->state_lock = 0;
}

int rg_state_load(st_rings *r, st_error *err) {
    char path[4096];
    int rc = st_mkdir_p(r->opts.state_dir, err);
    if (rc != ST_OK) return rc;
    if (st_path_join(path, sizeof path, r->opts.state_dir, "lock") != ST_OK)
        return st_error_set(err, ST_ELIMIT, "state path too long");
    int fd = -1;
    if ((rc = st_lock_take(path, 1, "another rings run on this state", &fd, err)) != ST_OK) return rc;
    r->state_lock = fd + 1;
    if (st_path_join(path, sizeof path, r->opts.state_dir, "records.jsonl") != ST_OK)
        return st_error_set(err, ST_ELIMIT, "state path too long");
    if (st_path_exists(path) && (rc = st_rings_add_file(r, path, err)) != ST_OK) return rc;
    if (st_path_join(path, sizeof path, r->opts.state_dir, "rings.tsv") != ST_OK)
        return st_error_set(err, ST_ELIMIT, "state path too long");
    if (!st_path_exists(path)) {
        if (r->opts.state_readonly) rg_state_unlock(r);
        return ST_OK;
    }
    char *data = NULL;
    size_t len = 0;
    if ((rc = st_file_read(path, STATE_MAX, &data, &len, err)) != ST_OK) return rc;
    long line = 0;
    for (char *p = data; p < data + len;) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        char *e = nl ? nl : data + len;
        line++;
        char *tab = memchr(p, '\t', (size_t)(e - p));
        if (e > p && (!tab || tab == p || tab + 1 >= e)) {
            st_free(data);
            return st_error_at(err, ST_ECORRUPT, path, line, -1, "expected 'record id<TAB>ring id'");
        }
        if (tab) {
            const char *ring = rg_arena_dup(&r->arena, tab + 1, (size_t)(e - tab - 1));
            if (!ring || st_map_put(r->prev_ring, p, (size_t)(tab - p), (uint64_t)(uintptr_t)ring) != ST_OK) {
                st_free(data);
                return st_error_set(err, ST_ENOMEM, "out of memory");
            }
        }
        p = nl ? nl + 1 : data + len;
    }
    st_free(data);
    /* a reader holds the folder only while reading it: runs adding to it go on */
    if (r->opts.state_readonly) rg_state_unlock(r);
    return ST_OK;
}

int st_rings_save_state(st_rings *r, st_error *err) {
    if (!r->opts.state_dir) return ST_OK;
    if (r->opts.state_readonly) return st_error_set(err, ST_EINVAL, "the state in %s was opened read-only", r->opts.state_dir);
    if (!r->ran) return st_error_set(err, ST_EINVAL, "state saved before st_rings_run");
    int rc = st_mkdir_p(r->opts.state_dir, err);
    if (rc != ST_OK) return rc;
    char path[4096];
    st_buf b;
    st_buf_init(&b, STATE_MAX);
    for (size_t i = 0; i < r->recs.len && rc == ST_OK; i++) {
        if (r->cluster[i] == UINT32_MAX) continue;
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        rc = st_buf_printf(&b, "%s\t%s\n", x->id, r->ring_ids[r->cluster[i]]);
    }
    if (rc == ST_OK && (rc = st_path_join(path, sizeof path, r->opts.state_dir, "rings.tsv")) == ST_OK)
        rc = st_file_write_atomic(path, b.data ? b.data : "", b.len, err);
    st_buf_reset(&b);
    for (size_t i = 0; i < r->recs.len && rc == ST_OK; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        if (x->raw) rc = st_buf_printf(&b, "%s\n", x->raw);
    }
    if (rc == ST_OK && (rc = st_path_join(path, sizeof path, r->opts.state_dir, "records.jsonl")) == ST_OK)
        rc = st_file_write_atomic(path, b.data ? b.data : "", b.len, err);
    st_buf_free(&b);
    if (rc != ST_OK && !err->msg[0]) st_error_set(err, rc, "could not write the state in %s", r->opts.state_dir);
    /* saved: the next run may start from it */
    if (rc == ST_OK) rg_state_unlock(r);
    return rc;
}
