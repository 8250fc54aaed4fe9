/*
 * context.c - an st_rings from creation to free: the vectors and maps every
 * stage fills, and the state folder loaded first when one is named.
 *
 * In a file of its own so the dependencies run one way: context.c calls
 * the state (state.c), the state replays its records through the reader
 * (read.c), and the reader knows neither.
 */
#include "core/alloc.h"
#include "core/map.h"
#include "rings/rings_int.h"
#include "sanctrace/names.h"

int st_rings_new(st_rings **out, const st_rings_opts *opts, st_error *err) {
    st_rings *r = st_calloc(1, sizeof *r);
    if (!r) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (opts) r->opts = *opts;
    r->recs.item = sizeof(rg_rec);
    r->vals.item = sizeof(uint32_t);
    r->pdq.item = sizeof(uint64_t);
    r->sigs.item = sizeof(uint32_t);
    r->values.item = sizeof(rg_value);
    r->edges.item = sizeof(rg_edge);
    r->inds.item = sizeof(rg_ind);
    r->joins.item = sizeof(rg_join);
    r->infra.item = sizeof(rg_infra);
    int rc = st_map_new(&r->vmap);
    if (rc == ST_OK) rc = st_map_new(&r->tzcache);
    if (rc == ST_OK) rc = st_map_new(&r->prev_ring);
    if (rc != ST_OK) {
        st_rings_free(r);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    if (r->opts.state_dir && (rc = rg_state_load(r, err)) != ST_OK) {
        st_rings_free(r);
        return rc;
    }
    *out = r;
    return ST_OK;
}


void st_rings_free(st_rings *r) {
    if (!r) return;
    rg_state_unlock(r);
    rg_arena_free(&r->arena);
    rg_vec_free(&r->recs);
    rg_vec_free(&r->vals);
    rg_vec_free(&r->pdq);
    rg_vec_free(&r->sigs);
    rg_vec_free(&r->values);
    rg_vec_free(&r->edges);
    rg_vec_free(&r->inds);
    rg_vec_free(&r->joins);
    rg_vec_free(&r->infra);
    st_free(r->infra_items);
    st_free(r->media_hub);
    st_map_free(r->name_counts);
    st_map_free(r->vmap);
    st_map_free(r->idmap);
    st_map_free(r->tzcache);
    st_map_free(r->prev_ring);
    st_names_ctx_free(r->names);
    st_free(r->vcorr);
    st_free(r->scratch);
    st_free(r->cluster);
    st_free(r->cl_start);
    st_free(r->cl_members);
    st_free(r->ring_ids);
    st_free(r->personas);
    st_free(r->ring_kinds);
    st_free(r->rec_risk);
    st_free(r->ring_risk);
    st_free(r->rec_own);
    st_free(r->ind_start);
    st_free(r);
}

size_t st_rings_count(const st_rings *r) { return r->recs.len; }
size_t st_rings_rejected(const st_rings *r) { return r->rejected; }
