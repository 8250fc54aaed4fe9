/*
 * checker.c - hiring-time checks in milliseconds against a large state.
 *
 * Design: `rings check` (check.c) re-runs everything, which is exact but
 * costs a full run (tens of seconds on a million records).  A checker is
 * built once over a context that has run (the state's rings): it indexes
 * the run's records the ways link.c finds candidates - holders of every
 * value, photo hashes by the sixteen 16-bit chunks (with the one-bit
 * neighbours: every hash within 31 bits), résumé MinHash bands, person
 * blocking keys - so one new record meets its candidates by lookups, not
 * by a pass over the state.  Each candidate is scored with the first
 * stage's rule (rg_merge_rule over the same value weights, a shared value
 * counted with the new record as one more holder); without a merge, the
 * operation stage's rule is applied against the candidates' rings (two
 * kinds of evidence, bits above log2 N, or the ring's own hub).
 *
 * What it does not do: re-cluster.  A record that would bridge two rings
 * is reported as joining the first and linking the others; the exact
 * answer is `rings check` (or the next `rings add`).  The state is never
 * modified: the records checked are read into the context, scored, then
 * dropped (the values they interned stay, unshared, until the checker's
 * context is freed).
 *
 * Not thread-safe: one check at a time per checker (the server holds a
 * lock around it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map64.h"
#include "rings/rings_int.h"

#define CAND_MAX 4096        /* candidates scored per checked record */
#define EVIDENCE_MAX 20
#define PDQ_NEAR 31
#define RESUME_NEAR 0.75
#define RESUME_BUCKET_MAX 256 /* an LSH band shared by more is a template (link.c: BUCKET_MAX / 8) */

typedef struct hk {
    uint64_t h;
    uint32_t rec;
} hk;

struct st_rings_checker {
    st_rings *r;
    size_t n0, nv0;
    uint32_t *vstart, *vitems;          /* value -> holders (state records) */
    size_t np;                          /* photo hashes */
    uint32_t *powner;                   /* photo -> record */
    uint64_t *pchunk[16];               /* (chunk << 32 | photo), sorted, per chunk */
    hk *band[RG_SIG / 4];               /* résumé band hashes, sorted */
    size_t nres;
    hk *pkeys;                          /* person blocking keys, sorted */
    size_t npkeys;
};

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_hk(const void *a, const void *b) {
    const hk *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return x->rec < y->rec ? -1 : x->rec > y->rec;
}

void st_rings_checker_free(st_rings_checker *c) {
    if (!c) return;
    st_free(c->vstart);
    st_free(c->vitems);
    st_free(c->powner);
    for (int k = 0; k < 16; k++) st_free(c->pchunk[k]);
    for (int k = 0; k < RG_SIG / 4; k++) st_free(c->band[k]);
    st_free(c->pkeys);
    st_free(c);
}

int st_rings_checker_new(st_rings_checker **out, st_rings *r, st_error *err) {
    if (!r->ran) return st_error_set(err, ST_EINVAL, "a checker needs a context that has run");
    st_rings_checker *c = st_calloc(1, sizeof *c);
    if (!c) return st_error_set(err, ST_ENOMEM, "out of memory");
    c->r = r;
    size_t n = c->n0 = r->recs.len, nv = c->nv0 = r->values.len;
    const uint32_t *vals = r->vals.data;
    c->vstart = st_calloc(nv + 1, sizeof *c->vstart);
    if (!c->vstart) goto oom;
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->vcount; k++) c->vstart[RG_VAL_ID(vals[x->vstart + k]) + 1]++;
    }
    for (size_t v = 0; v < nv; v++) c->vstart[v + 1] += c->vstart[v];
    c->vitems = st_malloc((c->vstart[nv] + 1) * sizeof *c->vitems);
    uint32_t *fill = st_malloc((nv + 1) * sizeof *fill);
    if (!c->vitems || !fill) { st_free(fill); goto oom; }
    memcpy(fill, c->vstart, (nv + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->vcount; k++) c->vitems[fill[RG_VAL_ID(vals[x->vstart + k])]++] = (uint32_t)i;
    }
    st_free(fill);
    /* photos: owner and the sixteen chunk tables, over the photos of the
     * records kept (a replaced record's photos stay in ctx->pdq, owned by
     * no one) */
    size_t all = r->pdq.len / 4;
    c->powner = st_malloc((all + 1) * sizeof *c->powner);
    if (!c->powner) goto oom;
    for (size_t p = 0; p < all; p++) c->powner[p] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->npdq; k++) c->powner[x->pstart + k] = (uint32_t)i;
        c->np += x->npdq;
    }
    const uint64_t *pd = r->pdq.data;
    for (int ch = 0; ch < 16; ch++) {
        c->pchunk[ch] = st_malloc((c->np + 1) * sizeof *c->pchunk[ch]);
        if (!c->pchunk[ch]) goto oom;
        size_t m = 0;
        for (size_t p = 0; p < all; p++) {
            if (c->powner[p] == UINT32_MAX) continue;
            uint16_t v = (uint16_t)(pd[4 * p + ch / 4] >> (16 * (3 - ch % 4)));
            c->pchunk[ch][m++] = (uint64_t)v << 32 | (uint64_t)p;
        }
        qsort(c->pchunk[ch], c->np, sizeof(uint64_t), cmp_u64);
    }
    /* résumé bands */
    for (size_t i = 0; i < n; i++) c->nres += RG_AT(r->recs, rg_rec, i).sig >= 0;
    for (int b = 0; b < RG_SIG / 4; b++) {
        c->band[b] = st_malloc((c->nres + 1) * sizeof *c->band[b]);
        if (!c->band[b]) goto oom;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
            if (x->sig < 0) continue;
            c->band[b][m].h = rg_band_hash((const uint32_t *)r->sigs.data + (size_t)x->sig * RG_SIG, b);
            c->band[b][m++].rec = (uint32_t)i;
        }
        qsort(c->band[b], m, sizeof(hk), cmp_hk);
    }
    /* person keys */
    c->pkeys = st_malloc((5 * n + 1) * sizeof *c->pkeys);
    if (!c->pkeys) goto oom;
    for (size_t i = 0; i < n; i++) {
        uint64_t keys[5];
        size_t nk = rg_person_keys(&RG_AT(r->recs, rg_rec, i), keys);
        for (size_t k = 0; k < nk; k++) c->pkeys[c->npkeys++] = (hk){keys[k], (uint32_t)i};
    }
    qsort(c->pkeys, c->npkeys, sizeof(hk), cmp_hk);
    *out = c;
    return ST_OK;
oom:
    st_rings_checker_free(c);
    return st_error_set(err, ST_ENOMEM, "out of memory while indexing the state for checks");
}

/* First index with h >= key in a sorted hk array. */
static size_t hk_lower(const hk *a, size_t n, uint64_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid].h < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static size_t u64_lower(const uint64_t *a, size_t n, uint64_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static inline int popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

/* One candidate of a checked record. */
typedef struct cand {
    uint32_t rec;
    uint8_t photo, resume, merged;
    float strong, weak, person;
} cand;

typedef struct cset {
    cand *v;
    size_t n;
    st_map64 at;
} cset;

static cand *cand_get(cset *s, uint32_t rec) {
    uint32_t at;
    int created;
    if (st_map64_get(&s->at, rec, &at)) return &s->v[at];
    if (s->n >= CAND_MAX) return NULL; /* enough: the first CAND_MAX met are scored */
    if (st_map64_get_or_put(&s->at, rec, (uint32_t)s->n, &at, &created) != ST_OK) return NULL;
    memset(&s->v[s->n], 0, sizeof s->v[0]);
    s->v[s->n].rec = rec;
    return &s->v[s->n++];
}

/* Score and place one checked record x (index xi) into the JSON object o. */
static int check_one(st_rings_checker *ck, uint32_t xi, json_t *o, size_t *high) {
    st_rings *r = ck->r;
    const rg_rec *x = &RG_AT(r->recs, rg_rec, xi);
    const uint32_t *vals = r->vals.data;
    double N = (double)ck->n0 + 1.0;
    cset s = {NULL, 0, {0}};
    st_map64_init(&s.at);
    s.v = st_malloc(CAND_MAX * sizeof *s.v);
    if (!s.v) return ST_ENOMEM;
    int rc = ST_OK;
    /* candidates: holders of its values (up to four hub cut-offs: the
     * operation stage reads those), near photos, résumés, the same person */
    for (uint32_t k = 0; k < x->vcount; k++) {
        uint32_t v = RG_VAL_ID(vals[x->vstart + k]);
        if (v >= ck->nv0) continue;
        const rg_value *vv = &RG_AT(r->values, rg_value, v);
        uint32_t lo = ck->vstart[v], hi = ck->vstart[v + 1];
        if (vv->kind == RG_K_HOURS || vv->kind == RG_K_NAME || vv->kind == RG_K_DOB) continue;
        if ((double)(hi - lo) >= 4.0 * r->hub[vv->kind]) continue;
        for (uint32_t h = lo; h < hi; h++) (void)cand_get(&s, ck->vitems[h]);
    }
    uint32_t photo_matches = 0;
    const uint64_t *pd = r->pdq.data;
    for (uint32_t p = 0; p < x->npdq; p++) {
        const uint64_t *q = pd + 4 * (size_t)(x->pstart + p);
        for (int ch = 0; ch < 16; ch++) {
            uint16_t v = (uint16_t)(q[ch / 4] >> (16 * (3 - ch % 4)));
            for (int f = -1; f < 16; f++) {
                uint16_t w = f < 0 ? v : (uint16_t)(v ^ (1u << f));
                size_t at = u64_lower(ck->pchunk[ch], ck->np, (uint64_t)w << 32);
                for (; at < ck->np && (ck->pchunk[ch][at] >> 32) == w; at++) {
                    uint32_t ph = (uint32_t)ck->pchunk[ch][at];
                    if (r->media_hub[ck->powner[ph]] & 1) continue; /* a stock image */
                    const uint64_t *y = pd + 4 * (size_t)ph;
                    int d = popcount64(q[0] ^ y[0]) + popcount64(q[1] ^ y[1]) + popcount64(q[2] ^ y[2]) + popcount64(q[3] ^ y[3]);
                    if (d > PDQ_NEAR) continue;
                    cand *cd = cand_get(&s, ck->powner[ph]);
                    if (cd && !cd->photo) { cd->photo = 1; photo_matches++; }
                }
            }
        }
    }
    uint32_t resume_matches = 0;
    if (x->sig >= 0) {
        const uint32_t *xs = (const uint32_t *)r->sigs.data + (size_t)x->sig * RG_SIG;
        for (int b = 0; b < RG_SIG / 4; b++) {
            uint64_t h = rg_band_hash(xs, b);
            size_t at = hk_lower(ck->band[b], ck->nres, h), end = at;
            while (end < ck->nres && ck->band[b][end].h == h && end - at <= RESUME_BUCKET_MAX) end++;
            if (end - at > RESUME_BUCKET_MAX) { resume_matches = UINT32_MAX / 2; continue; } /* a template: generic, as in link.c */
            for (; at < end; at++) {
                const rg_rec *y = &RG_AT(r->recs, rg_rec, ck->band[b][at].rec);
                if (r->media_hub[ck->band[b][at].rec] & 2) continue; /* a template */
                if (rg_sig_similarity(xs, (const uint32_t *)r->sigs.data + (size_t)y->sig * RG_SIG) < RESUME_NEAR) continue;
                cand *cd = cand_get(&s, ck->band[b][at].rec);
                if (cd && !cd->resume) { cd->resume = 1; if (resume_matches < UINT32_MAX / 2) resume_matches++; }
            }
        }
    }
    {
        uint64_t keys[5];
        size_t nk = rg_person_keys(x, keys);
        for (size_t k = 0; k < nk; k++) {
            size_t at = hk_lower(ck->pkeys, ck->npkeys, keys[k]), end = at;
            while (end < ck->npkeys && ck->pkeys[end].h == keys[k]) end++;
            if (end - at > 64) continue; /* a block too common to compare */
            for (; at < end; at++) {
                const rg_rec *y = &RG_AT(r->recs, rg_rec, ck->pkeys[at].rec);
                if (rg_person_score(r, x, y) >= 3.0) (void)cand_get(&s, ck->pkeys[at].rec);
            }
        }
    }
    /* first stage: the pair rule over the same weights */
    json_t *ev = json_array(), *links = json_array();
    if (!ev || !links) { json_decref(ev); json_decref(links); st_free(s.v); st_map64_free(&s.at); return ST_ENOMEM; }
    const char *photo_other = NULL, *resume_other = NULL;
    for (size_t k = 0; k < s.n; k++) {
        cand *cd = &s.v[k];
        const rg_rec *y = &RG_AT(r->recs, rg_rec, cd->rec);
        const uint32_t *vy = vals + y->vstart, *vx = vals + x->vstart;
        double per[RG_NKINDS] = {0};
        uint32_t i = 0, j = 0;
        while (i < x->vcount && j < y->vcount) {
            uint32_t a = RG_VAL_ID(vx[i]), b = RG_VAL_ID(vy[j]);
            if (a < b) i++;
            else if (a > b) j++;
            else {
                const rg_value *vv = &RG_AT(r->values, rg_value, a);
                double w = rg_value_weight_n(r, a, vv->count + 1);
                if (w > per[vv->kind]) per[vv->kind] = w;
                i++;
                j++;
            }
        }
        if (cd->photo) per[RG_K_PHOTO] = rg_kind_weight(RG_K_PHOTO) * rg_rarity(r, RG_K_PHOTO, photo_matches + 1);
        if (cd->resume) per[RG_K_RESUME] = rg_kind_weight(RG_K_RESUME) * rg_rarity(r, RG_K_RESUME, resume_matches + 1);
        double strong = 0, weak = 0;
        for (int kk = 0; kk < RG_NKINDS; kk++) {
            if (kk < RG_STRONG_KINDS) strong += per[kk];
            else weak += per[kk];
        }
        cd->strong = (float)strong;
        cd->weak = (float)weak;
        cd->person = (float)rg_person_score(r, x, y);
        cd->merged = (uint8_t)rg_merge_rule(strong, weak, cd->person);
        int same = rg_same_persona(x, y);
        if (cd->photo && !same && !photo_other) photo_other = y->id;
        if (cd->resume && !same && !resume_other) resume_other = y->id;
        if (cd->merged || strong > 0 || cd->person >= 3.0f)
            json_array_append_new(links, json_pack("{s:s, s:o, s:f, s:f, s:f, s:b}", "id", y->id, "ring",
                                                   r->cluster[cd->rec] == UINT32_MAX ? json_null() : json_string(r->ring_ids[r->cluster[cd->rec]]),
                                                   "strong", floor(strong * 1000 + 0.5) / 1000, "weak", floor(weak * 1000 + 0.5) / 1000,
                                                   "person", cd->person < -100 ? 0.0 : (double)cd->person, "merges", cd->merged));
    }
    /* the ring: the merged candidates' largest ring; merged single records
     * would form a new ring with it */
    uint32_t ring = UINT32_MAX, ring_size = 0;
    json_t *also = json_array(), *newring = json_array();
    for (size_t k = 0; k < s.n; k++) {
        if (!s.v[k].merged) continue;
        uint32_t c = r->cluster[s.v[k].rec];
        if (c == UINT32_MAX) { json_array_append_new(newring, json_string(RG_AT(r->recs, rg_rec, s.v[k].rec).id)); continue; }
        uint32_t sz = r->cl_start[c + 1] - r->cl_start[c];
        if (sz > ring_size || (sz == ring_size && c < ring)) { ring = c; ring_size = sz; }
    }
    /* operation stage: aggregate evidence per candidate ring */
    const char *how = ring != UINT32_MAX ? "links" : NULL;
    if (ring == UINT32_MAX && json_array_size(newring) == 0) {
        double best = 0;
        uint32_t *seen = st_malloc((s.n + 1) * sizeof *seen), nseen = 0;
        if (!seen) { json_decref(ev); json_decref(links); json_decref(also); json_decref(newring); st_free(s.v); st_map64_free(&s.at); return ST_ENOMEM; }
        for (size_t k = 0; k < s.n; k++) {
            uint32_t c = r->cluster[s.v[k].rec];
            if (c == UINT32_MAX) continue;
            int dup = 0;
            for (uint32_t q = 0; q < nseen && !dup; q++) dup = seen[q] == c;
            if (dup || nseen >= 64) continue; /* each ring once; the first 64 rings met */
            seen[nseen++] = c;
            uint32_t sz = r->cl_start[c + 1] - r->cl_start[c];
            double bits[RG_JG_N] = {0};
            int hubbed = 0;
            for (uint32_t q = 0; q < x->vcount; q++) {
                uint32_t v = RG_VAL_ID(vals[x->vstart + q]);
                if (v >= ck->nv0) continue;
                const rg_value *vv = &RG_AT(r->values, rg_value, v);
                uint32_t lo = ck->vstart[v], hi = ck->vstart[v + 1], inring = 0;
                if (hi == lo || (double)(hi - lo) >= 4.0 * r->hub[vv->kind] || vv->kind == RG_K_HOURS || vv->kind == RG_K_NAME || vv->kind == RG_K_DOB) continue;
                for (uint32_t h = lo; h < hi; h++) inring += r->cluster[ck->vitems[h]] == c;
                if (!inring) continue;
                double w = 0;
                int g = -1;
                switch (vv->kind) {
                case RG_K_PAYMENT: g = RG_JG_PAY; w = 1.0; break;
                case RG_K_PAYFAM: g = RG_JG_PAY; w = 0.7; break;
                case RG_K_DEVICE: g = RG_JG_DEVICE; w = 1.0; break;
                case RG_K_PHONE: g = RG_JG_PHONE; w = 1.0; break;
                case RG_K_EMAIL: g = RG_JG_EMAIL; w = 1.0; break;
                case RG_K_SHIPPING: g = RG_JG_SHIP; w = 1.0; break;
                case RG_K_SHIPCLASS: g = RG_JG_SHIP; w = 0.7; break;
                case RG_K_IP: g = RG_JG_IP; w = 0.6; break;
                case RG_K_IP16: g = RG_JG_IP; w = 0.4; break;
                case RG_K_EMPLOYER: g = RG_JG_EMPLOYER; w = 0.3; break;
                case RG_K_SCHOOL: g = RG_JG_SCHOOL; w = 0.3; break;
                case RG_K_ADDRESS: g = RG_JG_ADDRESS; w = 0.5; break;
                default: break;
                }
                if (g < 0) continue;
                double b = w * log2(N / (double)(hi - lo + 1));
                if (vv->kind < RG_STRONG_KINDS && inring >= 2 && 3 * inring >= 2 * (hi - lo + 1)) { b *= 2; hubbed = 1; }
                if (b > bits[g]) bits[g] = b;
            }
            for (size_t q = 0; q < s.n; q++)
                if (r->cluster[s.v[q].rec] == c) {
                    if (s.v[q].photo && 0.8 * log2(N / (photo_matches + 1.0)) > bits[RG_JG_PHOTO]) bits[RG_JG_PHOTO] = 0.8 * log2(N / (photo_matches + 1.0));
                    if (s.v[q].resume && 0.8 * log2(N / (resume_matches + 1.0)) > bits[RG_JG_RESUME]) bits[RG_JG_RESUME] = 0.8 * log2(N / (resume_matches + 1.0));
                }
            double total = 0;
            int groups = 0;
            for (int g = 0; g < RG_JG_N; g++) { total += bits[g]; groups += bits[g] >= 4.0; }
            total -= log2((double)sz);
            if ((groups >= 2 || (hubbed && groups >= 1)) && total >= log2(N) && total > best) {
                best = total;
                ring = c;
                how = "operation evidence";
            }
        }
        st_free(seen);
    }
    for (size_t k = 0; k < s.n; k++) {
        uint32_t c = r->cluster[s.v[k].rec];
        if (!s.v[k].merged || c == UINT32_MAX || c == ring) continue;
        int dup = 0;
        for (size_t q = 0; q < json_array_size(also); q++) dup |= !strcmp(json_string_value(json_array_get(also, q)), r->ring_ids[c]);
        if (!dup) json_array_append_new(also, json_string(r->ring_ids[c]));
    }
    /* risk: its own indicators, and the ring's */
    rg_found fd[RG_NIND];
    int nf = rg_record_indicators(r, x, 1, photo_other, resume_other, NULL, fd);
    double keep = 1.0;
    for (int k = 0; k < nf; k++) {
        keep *= 1.0 - rg_ind_weight[fd[k].code];
        json_array_append_new(ev, json_pack("{s:s, s:s, s:f}", "indicator", rg_ind_names[fd[k].code], "detail", fd[k].detail,
                                            "weight", rg_ind_weight[fd[k].code]));
    }
    double risk = 1.0 - keep, ring_risk = ring == UINT32_MAX ? 0.0 : r->ring_risk[ring];
    if (ring_risk > risk) risk = ring_risk;
    *high += risk >= 0.7;
    json_object_set_new(o, "id", json_string(x->id));
    json_object_set_new(o, "ring", ring == UINT32_MAX ? json_null() : json_string(r->ring_ids[ring]));
    json_object_set_new(o, "joined_by", how ? json_string(how) : json_null());
    json_object_set_new(o, "ring_records", json_integer(ring == UINT32_MAX ? 0 : r->cl_start[ring + 1] - r->cl_start[ring]));
    json_object_set_new(o, "ring_personas", json_integer(ring == UINT32_MAX ? 0 : r->personas[ring]));
    json_object_set_new(o, "ring_risk", json_real(floor(ring_risk * 1000 + 0.5) / 1000));
    json_object_set_new(o, "new_ring_with", newring);
    json_object_set_new(o, "also_links_rings", also);
    json_object_set_new(o, "risk", json_real(floor(risk * 1000 + 0.5) / 1000));
    json_object_set_new(o, "level", json_string(rg_level(risk)));
    while (json_array_size(links) > EVIDENCE_MAX) json_array_remove(links, json_array_size(links) - 1);
    json_object_set_new(o, "linked_to", links);
    json_object_set_new(o, "indicators", ev);
    st_free(s.v);
    st_map64_free(&s.at);
    return rc;
}

int st_rings_checker_check(st_rings_checker *ck, const char *data, size_t len, const char *name, json_t **out,
                           st_error *err) {
    st_rings *r = ck->r;
    size_t recs0 = r->recs.len, vals0 = r->vals.len, pdq0 = r->pdq.len, sigs0 = r->sigs.len, rej0 = r->rejected;
    uint32_t seq0 = r->seq;
    const char *state = r->opts.state_dir;
    r->opts.state_dir = NULL; /* no canonical line kept: nothing of a check is saved */
    int rc = rg_read_buffer(r, data, len, name, err);
    json_t *doc = json_object(), *checks = json_array();
    size_t high = 0;
    if (rc == ST_OK && (!doc || !checks)) rc = st_error_set(err, ST_ENOMEM, "out of memory");
    for (size_t i = recs0; rc == ST_OK && i < r->recs.len; i++) {
        json_t *o = json_object();
        if (!o || check_one(ck, (uint32_t)i, o, &high) != ST_OK) {
            json_decref(o);
            rc = st_error_set(err, ST_ENOMEM, "out of memory while checking");
            break;
        }
        json_array_append_new(checks, o);
    }
    size_t rejected = r->rejected - rej0;
    /* drop the checked records: the state is as it was */
    r->recs.len = recs0;
    r->vals.len = vals0;
    r->pdq.len = pdq0;
    r->sigs.len = sigs0;
    r->seq = seq0;
    r->rejected = rej0;
    r->opts.state_dir = state;
    if (rc != ST_OK) { json_decref(doc); json_decref(checks); return rc; }
    json_object_set_new(doc, "checks", checks);
    json_object_set_new(doc, "summary", json_pack("{s:I, s:I, s:I, s:I, s:b}", "checked", (json_int_t)json_array_size(checks),
                                                  "high", (json_int_t)high, "rejected_rows", (json_int_t)rejected,
                                                  "state_records", (json_int_t)ck->n0, "state_modified", 0));
    *out = doc;
    return ST_OK;
}
