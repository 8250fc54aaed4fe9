/*
 * risk.c - indicators from the DPRK IT-worker advisories, risk per record
 * and per ring, and stable ring ids.
 *
 * Design: each indicator is one observable from the FBI/State/Treasury
 * advisories (May 2022; updates 2023-2025): VoIP numbers, work hours that
 * fit Korean daytime rather than the claimed zone, nationality at odds with
 * residence or schooling, crypto or third-country payouts, laptops shipped
 * to a shared address other than home, reused photos and résumés, a name
 * on a sanctions list, a direct DPRK nexus.  Any one of them is common
 * among honest applicants, so a record's own risk is a noisy-OR of
 * modest weights: one or two indicators stay medium.  A ring adds the
 * structure no honest applicant has: several distinct personas sharing
 * strong infrastructure.  Ring risk = noisy-OR of that structure and of
 * each indicator weighted by the share of members showing it.
 * Invariant: risk values lie in [0,1]; levels are high >= 0.7,
 * medium >= 0.4, else low.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/progress.h"
#include "rings/rings_int.h"
#include "sanctrace/screen.h"

const char *const rg_ind_names[RG_NIND] = {
    "voip_phone", "korean_hours", "nationality_mismatch", "crypto_payout", "third_country_payout",
    "shared_shipping_address", "reused_photo", "reused_resume", "sanctions_hit", "dprk_nexus"};

const double rg_ind_weight[RG_NIND] = {0.35, 0.5, 0.15, 0.3, 0.3, 0.4, 0.45, 0.35, 0.9, 0.9};

#define LEVEL_HIGH 0.7
#define LEVEL_MEDIUM 0.4
#define SANCTIONS_MIN_SCORE 0.95

/* Korean working day 09-18 KST = 00-09 UTC. */
static int korean_hours(st_rings *r, const rg_rec *x, char *detail, size_t dn) {
    int total = __builtin_popcount(x->hours);
    if (total < 3 || !x->timezone[0]) return 0;
    int off;
    if (!rg_tz_offset_minutes(r, x->timezone, &off)) return 0;
    if (off >= 7 * 60 && off <= 10 * 60) return 0; /* claims a zone near Korea: consistent */
    int kst = 0, local = 0;
    for (int h = 0; h < 24; h++) {
        if (!(x->hours & (1u << h))) continue;
        if (h < 9) kst++;
        int lh = ((h * 60 + off) / 60 % 24 + 24) % 24;
        if (lh >= 8 && lh < 19) local++;
    }
    if (kst * 10 < total * 7 || local * 10 > total * 4) return 0;
    snprintf(detail, dn, "%d of %d working hours fall in 09-18 KST; only %d in daytime of the claimed %s (UTC%+d:%02d)",
             kst, total, local, x->timezone, off / 60, abs(off) % 60);
    return 1;
}

static const char *or_empty(const char *s) { return s ? s : ""; }

/* The advisory indicators of one record into out (at most RG_NIND);
 * photo_other / resume_other name a different persona reusing the photo
 * or résumé, hit the sanctions detail (NULL: none).  extra_count is added
 * to shared values' counts (a record being checked is not counted yet). */
int rg_record_indicators(st_rings *r, const rg_rec *x, uint32_t extra_count, const char *photo_other,
                         const char *resume_other, const char *hit, rg_found out[RG_NIND]) {
    int n = 0;
    char *d;
#define ADD(c_, det) do { out[n].code = (c_); snprintf(out[n].detail, sizeof out[n].detail, "%s", or_empty(det)); n++; } while (0)
    if (x->flags & RG_F_VOIP) ADD(RG_I_VOIP, x->voip_detail);
    d = out[n].detail;
    if (korean_hours(r, x, d, sizeof out[n].detail)) { out[n].code = RG_I_KOREAN_HOURS; n++; }
    if (x->nationality[0] && ((x->country[0] && strcmp(x->country, x->nationality)) ||
                              (x->edu_country[0] && strcmp(x->edu_country, x->nationality) &&
                               strcmp(x->edu_country, x->country)))) {
        snprintf(out[n].detail, sizeof out[n].detail, "nationality %s, residence %s%s%s", x->nationality,
                 x->country[0] ? x->country : "?", x->edu_country[0] ? ", educated in " : "", x->edu_country);
        out[n++].code = RG_I_NATIONALITY;
    }
    if (x->flags & RG_F_CRYPTO) ADD(RG_I_CRYPTO, x->payout_detail);
    if (x->flags & RG_F_FOREIGN_PAY) {
        snprintf(out[n].detail, sizeof out[n].detail, "payout account in %s while living in %s: %.200s", x->pay_country,
                 x->country, x->payout_detail ? x->payout_detail : "");
        out[n++].code = RG_I_FOREIGN_PAY;
    }
    if (x->flags & RG_F_SHIP_DIFF) {
        const uint32_t *vals = r->vals.data;
        for (uint32_t k = 0; k < x->vcount; k++) {
            uint32_t v = vals[x->vstart + k];
            if (!(v & RG_VAL_SHIPDIFF)) continue;
            const rg_value *vv = &RG_AT(r->values, rg_value, RG_VAL_ID(v));
            if (vv->count + extra_count < 2) continue;
            snprintf(out[n].detail, sizeof out[n].detail, "laptop shipped to '%.*s', not home, shared by %u records",
                     (int)(vv->klen > 200 ? 200 : vv->klen), vv->text, vv->count + extra_count);
            out[n++].code = RG_I_SHIPPING;
            break;
        }
    }
    if (photo_other) {
        snprintf(out[n].detail, sizeof out[n].detail, "photo also used by %s", photo_other);
        out[n++].code = RG_I_PHOTO;
    }
    if (resume_other) {
        snprintf(out[n].detail, sizeof out[n].detail, "résumé near-duplicate of %s", resume_other);
        out[n++].code = RG_I_RESUME;
    }
    if (hit) ADD(RG_I_SANCTIONS, hit);
    if (x->flags & RG_F_DPRK) ADD(RG_I_DPRK, "country, nationality or phone of the DPRK");
#undef ADD
    return n;
}

static int push_ind(st_rings *r, int code, const char *detail) {
    rg_ind in = {(uint8_t)code, NULL};
    if (detail) {
        in.detail = rg_arena_dup(&r->arena, detail, strlen(detail));
        if (!in.detail) return ST_ENOMEM;
    }
    return rg_vec_push(&r->inds, &in);
}

/* Sanctions hits by name, one screening per distinct name key. */
static void screen_names(st_rings *r, uint8_t *hit, const char **hit_detail) {
    size_t n = r->recs.len;
    if (!r->opts.data_dir) {
        snprintf(r->sanctions_note, sizeof r->sanctions_note, "not computed: no --data-dir given");
        return;
    }
    st_snapshot *snap = NULL;
    st_error e;
    st_error_clear(&e);
    if (st_snapshot_open(r->opts.data_dir, &snap, &e) != ST_OK) {
        snprintf(r->sanctions_note, sizeof r->sanctions_note, "not computed: no snapshot in %.100s", r->opts.data_dir);
        return;
    }
    st_map *seen = NULL;
    if (st_map_new(&seen) != ST_OK) { st_snapshot_release(snap); return; }
    for (size_t i = 0; i < n; i++) {
        rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        if (!x->name[0]) continue;
        uint64_t v;
        if (st_map_get(seen, x->name_key, strlen(x->name_key), &v)) continue; /* done with its first holder */
        st_query q;
        memset(&q, 0, sizeof q);
        q.name = x->name;
        q.schema = "Person";
        q.birth_date = x->dob[0] ? x->dob : NULL;
        st_screen_opts so = {-1.0, 1};
        st_match *m = NULL;
        size_t nm = 0;
        int h = 0;
        if (st_screen(snap, &q, &so, &m, &nm, &e) == ST_OK) {
            /* a near-certain name match only: common names brush against
             * list aliases at the screening threshold */
            h = nm > 0 && m[0].match && m[0].score >= SANCTIONS_MIN_SCORE;
            if (h) {
                char d[240];
                snprintf(d, sizeof d, "name matches %.80s (%.40s, score %.2f)", m[0].name ? m[0].name : "",
                         m[0].entity && m[0].entity->id ? m[0].entity->id : "", m[0].score);
                hit_detail[i] = rg_arena_dup(&r->arena, d, strlen(d));
            }
            st_matches_free(m, nm);
        }
        hit[i] = (uint8_t)h;
        if (h) { /* other records with this name reuse the detail */
            const char *det = hit_detail[i];
            for (size_t k = i + 1; k < n; k++)
                if (!strcmp(RG_AT(r->recs, rg_rec, k).name_key, x->name_key)) { hit[k] = 1; hit_detail[k] = det; }
        }
        (void)st_map_put(seen, x->name_key, strlen(x->name_key), (uint64_t)h);
    }
    st_map_free(seen);
    st_snapshot_release(snap);
    r->sanctions_checked = 1;
    snprintf(r->sanctions_note, sizeof r->sanctions_note, "names screened against the snapshot in %.100s", r->opts.data_dir);
}

int rg_risk(st_rings *r, st_error *err) {
    size_t n = r->recs.len, nc = r->nclusters;
    int rc = ST_ENOMEM;
    uint8_t *photo = st_calloc(n + 1, 1), *resume = st_calloc(n + 1, 1), *hit = st_calloc(n + 1, 1);
    const char **hit_detail = st_calloc(n + 1, sizeof *hit_detail);
    uint32_t *other_p = st_malloc((n + 1) * sizeof *other_p), *other_r = st_malloc((n + 1) * sizeof *other_r);
    r->ind_start = st_calloc(n + 1, sizeof *r->ind_start);
    r->rec_own = st_calloc(n + 1, sizeof *r->rec_own);
    r->rec_risk = st_calloc(n + 1, sizeof *r->rec_risk);
    r->ring_risk = st_calloc(nc + 1, sizeof *r->ring_risk);
    if (!photo || !resume || !hit || !hit_detail || !other_p || !other_r || !r->ind_start || !r->rec_own || !r->rec_risk || !r->ring_risk)
        goto done;
    /* reuse across different personas, where the photo or résumé is not generic */
    for (size_t k = 0; k < r->edges.len; k++) {
        const rg_edge *e = &RG_AT(r->edges, rg_edge, k);
        if (!e->photo && !e->resume) continue;
        const rg_rec *a = &RG_AT(r->recs, rg_rec, e->a), *b = &RG_AT(r->recs, rg_rec, e->b);
        if (rg_same_persona(a, b)) continue;
        if (e->photo && r->hub[RG_K_PHOTO] > 0) {
            if (!photo[e->a]) other_p[e->a] = e->b;
            if (!photo[e->b]) other_p[e->b] = e->a;
            photo[e->a] = photo[e->b] = 1;
        }
        if (e->resume && e->strong > 0) {
            if (!resume[e->a]) other_r[e->a] = e->b;
            if (!resume[e->b]) other_r[e->b] = e->a;
            resume[e->a] = resume[e->b] = 1;
        }
    }
    screen_names(r, hit, hit_detail);
    const uint32_t *vals = r->vals.data;
    for (size_t i = 0; i < n; i++) {
        r->ind_start[i] = (uint32_t)r->inds.len;
        rg_found fd[RG_NIND];
        char pd[80] = "", rd[80] = "";
        if (photo[i]) snprintf(pd, sizeof pd, "%s", RG_AT(r->recs, rg_rec, other_p[i]).id);
        if (resume[i]) snprintf(rd, sizeof rd, "%s", RG_AT(r->recs, rg_rec, other_r[i]).id);
        int nf = rg_record_indicators(r, &RG_AT(r->recs, rg_rec, i), 0, photo[i] ? pd : NULL, resume[i] ? rd : NULL,
                                      hit[i] ? (hit_detail[i] ? hit_detail[i] : "name matches a sanctions-list entry") : NULL, fd);
        double keep = 1.0;
        for (int k = 0; k < nf; k++) {
            if (push_ind(r, fd[k].code, fd[k].detail) != ST_OK) goto done;
            keep *= 1.0 - rg_ind_weight[fd[k].code];
        }
        r->rec_own[i] = (float)(1.0 - keep);
    }
    r->ind_start[n] = (uint32_t)r->inds.len;
    /* the kinds of strong infrastructure shared inside each ring, between
     * records that are not the same person */
    uint32_t *ring_kinds = r->ring_kinds = st_calloc(nc + 1, sizeof *ring_kinds);
    if (!ring_kinds) goto done;
    for (size_t k = 0; k < r->edges.len; k++) {
        const rg_edge *e = &RG_AT(r->edges, rg_edge, k);
        uint32_t c = r->cluster[e->a];
        if (!e->merged || e->cut || c == UINT32_MAX || c != r->cluster[e->b] || e->person >= 5.0f) continue;
        const rg_rec *a = &RG_AT(r->recs, rg_rec, e->a), *b = &RG_AT(r->recs, rg_rec, e->b);
        const uint32_t *va = vals + a->vstart, *vb = vals + b->vstart;
        uint32_t i = 0, j = 0;
        while (i < a->vcount && j < b->vcount) {
            uint32_t x = RG_VAL_ID(va[i]), y = RG_VAL_ID(vb[j]);
            if (x < y) i++;
            else if (x > y) j++;
            else {
                const rg_value *v = &RG_AT(r->values, rg_value, x);
                if (v->kind < RG_STRONG_KINDS && rg_value_weight(r, x) > 0) ring_kinds[c] |= 1u << v->kind;
                i++;
                j++;
            }
        }
        if (e->photo) ring_kinds[c] |= 1u << RG_K_PHOTO;
        if (e->resume) ring_kinds[c] |= 1u << RG_K_RESUME;
    }
    /* rings */
    for (size_t c = 0; c < nc; c++) {
        uint32_t lo = r->cl_start[c], hi = r->cl_start[c + 1], size = hi - lo;
        uint32_t cnt[RG_NIND] = {0};
        for (uint32_t m = lo; m < hi; m++) {
            uint32_t i = r->cl_members[m];
            uint32_t seen = 0;
            for (uint32_t k = r->ind_start[i]; k < r->ind_start[i + 1]; k++) {
                int code = RG_AT(r->inds, rg_ind, k).code;
                if (!(seen & (1u << code))) cnt[code]++;
                seen |= 1u << code;
            }
        }
        /* structure: several personas over several kinds of shared
         * infrastructure is an operation's signature; one shared kind (an
         * address, a phone) also fits a household or a small agency */
        uint32_t p = r->personas[c];
        int kinds = __builtin_popcount(ring_kinds[c]);
        double structure = p >= 3 ? (kinds >= 2 ? 0.5 : 0.3) : p == 2 ? (kinds >= 2 ? 0.3 : 0.2) : 0.0;
        double keep = 1.0 - structure;
        for (int t = 0; t < RG_NIND; t++) {
            if (!cnt[t]) continue;
            double share = 2.0 * cnt[t] / size;
            if (share > 1.0) share = 1.0;
            keep *= 1.0 - rg_ind_weight[t] * share;
        }
        r->ring_risk[c] = (float)(1.0 - keep);
    }
    for (size_t i = 0; i < n; i++) {
        double v = r->rec_own[i];
        if (r->cluster[i] != UINT32_MAX && r->ring_risk[r->cluster[i]] > v) v = r->ring_risk[r->cluster[i]];
        r->rec_risk[i] = (float)v;
    }
    rc = ST_OK;
done:
    if (rc != ST_OK) st_error_set(err, rc, "out of memory while scoring");
    st_free(photo);
    st_free(resume);
    st_free(hit);
    st_free(hit_detail);
    st_free(other_p);
    st_free(other_r);
    return rc;
}

/* Ring ids: kept from the state where members had one (the id most of
 * them carried; ties to the smaller id), else derived from the smallest
 * member id, so the same ring gets the same id in any input order. */
int rg_assign_ids(st_rings *r, st_error *err) {
    size_t nc = r->nclusters;
    st_map *used = NULL;
    r->ring_ids = st_calloc(nc + 1, sizeof *r->ring_ids);
    if (!r->ring_ids || st_map_new(&used) != ST_OK) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ST_OK;
    { /* ids of the state are reserved for the rings that carried them */
        size_t it = 0;
        uint64_t v;
        while (st_map_next(r->prev_ring, &it, NULL, NULL, &v)) {
            const char *id = (const char *)(uintptr_t)v;
            if (st_map_put(used, id, strlen(id), 0) != ST_OK) rc = st_error_set(err, ST_ENOMEM, "out of memory");
        }
    }
    for (size_t c = 0; c < nc && rc == ST_OK; c++) {
        uint32_t lo = r->cl_start[c], hi = r->cl_start[c + 1];
        const char *best = NULL;
        uint32_t best_n = 0;
        for (uint32_t m = lo; m < hi; m++) {
            uint64_t v;
            const rg_rec *x = &RG_AT(r->recs, rg_rec, r->cl_members[m]);
            if (!st_map_get(r->prev_ring, x->id, strlen(x->id), &v)) continue;
            const char *cand = (const char *)(uintptr_t)v;
            if (st_map_get(used, cand, strlen(cand), &v) && v == 1) continue; /* taken by an earlier ring */
            uint32_t k = 0;
            for (uint32_t q = lo; q < hi; q++) {
                const rg_rec *y = &RG_AT(r->recs, rg_rec, r->cl_members[q]);
                uint64_t w;
                if (st_map_get(r->prev_ring, y->id, strlen(y->id), &w) && strcmp((const char *)(uintptr_t)w, cand) == 0) k++;
            }
            if (k > best_n || (k == best_n && best && strcmp(cand, best) < 0)) { best = cand; best_n = k; }
        }
        char idb[40];
        if (!best) {
            const rg_rec *first = &RG_AT(r->recs, rg_rec, r->cl_members[lo]);
            uint64_t h = st_hash64(first->id, strlen(first->id));
            for (int salt = 0;; salt++) {
                snprintf(idb, sizeof idb, "R%010llx", (unsigned long long)((h + (uint64_t)salt * 0x9E3779B97F4A7C15ULL) & 0xffffffffffULL));
                uint64_t v;
                if (!st_map_get(used, idb, strlen(idb), &v)) break;
            }
            best = idb;
        }
        const char *keep = rg_arena_dup(&r->arena, best, strlen(best));
        if (!keep || st_map_put(used, keep, strlen(keep), 1) != ST_OK) rc = st_error_set(err, ST_ENOMEM, "out of memory");
        r->ring_ids[c] = (char *)keep;
    }
    st_map_free(used);
    return rc;
}

int st_rings_run(st_rings *r, st_error *err) {
    if (r->ran) return st_error_set(err, ST_EINVAL, "st_rings_run called twice");
    r->ran = 1;
    const int timing = st_env_flag("ST_RINGS_TIMING"); /* phase times on stderr, for bench/ */
    double t = st_now();
    int rc = rg_sort(r);
    if (timing) fprintf(stderr, "rings: sort %.2fs\n", st_now() - t);
    if (rc == ST_OK) rc = rg_link(r, err);
    if (timing) fprintf(stderr, "rings: link %.2fs\n", st_now() - t);
    if (rc == ST_OK) rc = rg_cluster(r, err);
    if (rc == ST_OK) rc = rg_assign_ids(r, err);
    if (timing) fprintf(stderr, "rings: cluster %.2fs\n", st_now() - t);
    if (rc == ST_OK) rc = rg_risk(r, err);
    if (rc == ST_OK) rc = rg_infrastructure(r, err);
    if (timing) fprintf(stderr, "rings: risk %.2fs\n", st_now() - t);
    return rc;
}

const char *rg_level(double risk) { return risk >= LEVEL_HIGH ? "high" : risk >= LEVEL_MEDIUM ? "medium" : "low"; }
