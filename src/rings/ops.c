/*
 * ops.c - the operation stage: rings of one operation joined through
 * evidence weak per pair but strong in aggregate, and the infrastructure
 * (hubs) operations run on.
 *
 * Design: the first stage (link.c, cluster.c) merges records only on
 * strong pairwise evidence and cuts single-signal bridges, so a sparse
 * operation (a chain where A shares a device with B and B a payout with
 * C, a star around one laptop farm, handlers shared by a team) falls
 * apart into fragments.  This stage scores pairs of units (a first-stage
 * ring, or a single record) over everything their members share:
 * strong values the first stage discounted, near photos and résumés, and
 * the families of values (an IP /16, an IBAN's bank, a building's
 * forwarding desk without the unit, the working-hours pattern).  A value
 * shared by k of N records carries log2(N/k) bits of surprise, scaled by
 * how much its kind says; genericity comes only from the data: a value
 * held by as many records as its kind's hub cut-off (link.c, a Tukey
 * fence over the value frequencies) is common; one held by four times as
 * many proposes no candidate, whatever it is (gmail.com, a famous school,
 * a big employer, a coworking address), and below that a value's bits
 * fall with its frequency.  A star's hub (a laptop farm of a dozen
 * personas) sits near the cut-off: its bits alone never join, its
 * holders' other shared traits do.  Two units join when at least two independent
 * kinds of evidence agree and the bits, less log2 of the member pairs
 * compared, exceed log2(N) + JOIN_MARGIN: the evidence must be too
 * surprising for two strangers' records among N.
 *
 * Infrastructure: a strong value (payout, device, phone, e-mail, shipping
 * address) held by several personas, with the rings it serves; a hub that
 * serves two or more rings is a facilitator.
 *
 * Invariant: joins are decided in a fixed order (score, then unit ids),
 * so the result does not depend on input order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map64.h"
#include "core/progress.h"
#include "rings/rings_int.h"

#define JOIN_MARGIN 0.0     /* bits above log2(N) a join needs */
#define GROUP_MIN_BITS 4.0  /* a kind of evidence counts towards "two kinds" from here */
#define PROPOSE_HUBS 4.0    /* values held by up to this many hub cut-offs propose joins */
#define PHOTO_FAR 56         /* photo hashes this close between joined candidates */
#define RESUME_FAR 0.25      /* résumé MinHash agreement between joined candidates */
#define INFRA_MIN 3         /* records on one value before it is infrastructure */

/* Kind -> evidence group and how much one shared value of it says. */
static const struct { int8_t group; float w; } kind_group[RG_NKINDS] = {
    [RG_K_PAYMENT] = {RG_JG_PAY, 1.0f}, [RG_K_DEVICE] = {RG_JG_DEVICE, 1.0f}, [RG_K_PHONE] = {RG_JG_PHONE, 1.0f},
    [RG_K_EMAIL] = {RG_JG_EMAIL, 1.0f}, [RG_K_SHIPPING] = {RG_JG_SHIP, 1.0f}, [RG_K_PHOTO] = {RG_JG_PHOTO, 0.8f},
    [RG_K_RESUME] = {RG_JG_RESUME, 0.8f}, [RG_K_IP] = {RG_JG_IP, 0.6f}, [RG_K_EMPLOYER] = {RG_JG_EMPLOYER, 0.3f},
    [RG_K_SCHOOL] = {RG_JG_SCHOOL, 0.3f}, [RG_K_ADDRESS] = {RG_JG_ADDRESS, 0.5f}, [RG_K_NAME] = {-1, 0},
    [RG_K_DOB] = {-1, 0}, [RG_K_IP16] = {RG_JG_IP, 0.4f}, [RG_K_PAYFAM] = {RG_JG_PAY, 0.7f},
    [RG_K_SHIPCLASS] = {RG_JG_SHIP, 0.7f}, [RG_K_HOURS] = {RG_JG_HOURS, 0.3f}};

const char *const rg_join_group_names[RG_JG_N] = {
    "payment_account", "device_id", "phone", "email", "shipping_address", "photo", "resume",
    "ip", "employer", "school", "address", "hours_pattern"};

uint32_t rg_uf_find(uint32_t *p, uint32_t x) {
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

void rg_uf_union(uint32_t *p, uint32_t a, uint32_t b) {
    a = rg_uf_find(p, a);
    b = rg_uf_find(p, b);
    if (a == b) return;
    if (a < b) p[b] = a; /* the smaller index is the root: deterministic */
    else p[a] = b;
}

static double bits_of(double n, double k) { return k >= 1 && n > k ? log2(n / k) : 0.0; }

/* Evidence between two units, best per group. */
static void acc_put(rg_join *j, int g, float bits, uint32_t what, uint8_t kind) {
    if (bits <= j->bits[g]) return;
    j->bits[g] = bits;
    j->what[g] = what;
    j->kind[g] = kind;
}

static int cmp_join(const void *x, const void *y) {
    const rg_join *a = x, *b = y;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* The hours-pattern value of a record, UINT32_MAX when none. */
static uint32_t hours_value(const st_rings *r, const rg_rec *x) {
    const uint32_t *v = (const uint32_t *)r->vals.data + x->vstart;
    for (uint32_t k = 0; k < x->vcount; k++)
        if (RG_AT(r->values, rg_value, RG_VAL_ID(v[k])).kind == RG_K_HOURS) return RG_VAL_ID(v[k]);
    return UINT32_MAX;
}

/* Inverted index of the values that can propose a join: shared, not
 * generic, of a kind with weight (the weakest - an IP /16, an employer, a
 * school, the hours - only add their bits to pairs proposed otherwise, or
 * a large deck would propose millions of pairs).  Built once for both
 * passes: what a value proposes does not depend on the units. */
static int propose_index(const st_rings *r, uint32_t **vstart_out, uint32_t **vitems_out) {
    size_t n = r->recs.len, nv = r->values.len;
    const uint32_t *vals = r->vals.data;
    uint32_t *vstart = st_calloc(nv + 1, sizeof *vstart), *vitems = NULL;
    if (!vstart) return ST_ENOMEM;
#define PROPOSES(vv) (kind_group[(vv)->kind].group >= 0 && kind_group[(vv)->kind].w >= 0.5f && (vv)->count >= 2 && \
                      (double)(vv)->count < ((vv)->kind < RG_STRONG_KINDS ? PROPOSE_HUBS : 1.0) * r->hub[(vv)->kind])
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->vcount; k++) {
            uint32_t v = RG_VAL_ID(vals[x->vstart + k]);
            const rg_value *vv = &RG_AT(r->values, rg_value, v);
            if (PROPOSES(vv)) vstart[v + 1]++;
        }
    }
#undef PROPOSES
    for (size_t v = 0; v < nv; v++) vstart[v + 1] += vstart[v];
    vitems = rg_value_records(r, vstart);
    if (!vitems) {
        st_free(vstart);
        return ST_ENOMEM;
    }
    *vstart_out = vstart;
    *vitems_out = vitems;
    return ST_OK;
}

static int ops_pass(st_rings *r, uint32_t *parent, const uint32_t *vstart, const uint32_t *vitems,
                    const uint8_t *touched, size_t *joined, st_error *err) {
    size_t n = r->recs.len, nv = r->values.len;
    int rc = ST_ENOMEM;
    double N = (double)n;
    uint32_t *size = NULL, *deg = NULL, *units = NULL, *hmode = NULL;
    uint32_t *ustart = NULL, *umem = NULL, *uheld = NULL;
    st_map64 pairs;
    st_map64_init(&pairs);
    rg_vec cand = {NULL, 0, 0, sizeof(rg_join)};
    if (n < 3) return ST_OK;
    size = st_calloc(n, sizeof *size);
    deg = st_calloc(n, sizeof *deg);
    units = st_malloc(64 * sizeof *units);
    uheld = st_malloc(64 * sizeof *uheld);
    hmode = st_malloc(n * sizeof *hmode);
    if (!size || !deg || !units || !uheld || !hmode) goto done;
    const uint32_t *vals = r->vals.data;
    for (size_t i = 0; i < n; i++) size[rg_uf_find(parent, (uint32_t)i)]++;
    /* a unit's working-hours pattern: its first record's (units are small) */
    for (size_t i = 0; i < n; i++) hmode[i] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = rg_uf_find(parent, (uint32_t)i);
        if (hmode[u] == UINT32_MAX) hmode[u] = hours_value(r, &RG_AT(r->recs, rg_rec, i));
    }
    /* candidates from shared values */
    for (size_t v = 0; v < nv; v++) {
        uint32_t lo = vstart[v], hi = vstart[v + 1];
        if (hi - lo < 2) continue;
        const rg_value *vv = &RG_AT(r->values, rg_value, v);
        float b = (float)(kind_group[vv->kind].w * bits_of(N, vv->count));
        size_t nu = 0;
        for (uint32_t x = lo; x < hi && nu < 64; x++) {
            uint32_t u = rg_uf_find(parent, vitems[x]);
            size_t q = 0;
            while (q < nu && units[q] != u) q++;
            if (q == nu) { units[nu] = u; uheld[nu++] = 0; }
            uheld[q]++;
        }
        /* a strong value most of whose holders are already one ring is
         * that ring's infrastructure: a single record on it is surprising
         * twice over (the value is rare, and the ring holds it) */
        size_t big = 0;
        for (size_t q = 1; q < nu; q++)
            if (uheld[q] > uheld[big]) big = q;
        /* two thirds: a facilitator's hub, split between two teams, is not
         * one ring's own */
        int hubbed = vv->kind < RG_STRONG_KINDS && uheld[big] >= 2 && 3 * uheld[big] >= 2 * (hi - lo);
        int weak_kind = vv->kind >= RG_STRONG_KINDS;
        for (size_t x = 0; x < nu; x++)
            for (size_t y = x + 1; y < nu; y++) {
                (void)weak_kind;
                if (touched && !touched[units[x]] && !touched[units[y]]) continue; /* met in the first pass */
                float bxy = b;
                int via_hub = hubbed && (x == big || y == big) && size[units[x == big ? y : x]] == 1;
                if (via_hub) bxy = 2 * b;
                uint32_t a = units[x] < units[y] ? units[x] : units[y], bb = units[x] < units[y] ? units[y] : units[x];
                uint32_t at;
                int created;
                if (st_map64_get_or_put(&pairs, ((uint64_t)a << 32) | bb, (uint32_t)cand.len, &at, &created) != ST_OK) goto done;
                if (created) {
                    rg_join j;
                    memset(&j, 0, sizeof j);
                    j.a = a;
                    j.b = bb;
                    if (rg_vec_push(&cand, &j) != ST_OK) goto done;
                }
                acc_put(&RG_AT(cand, rg_join, at), kind_group[vv->kind].group, bxy, (uint32_t)v, vv->kind);
                if (via_hub) RG_AT(cand, rg_join, at).hubbed = 1;
            }
    }
    /* near photos and résumés the first stage found, across units; a
     * photo near dozens of others is a stock image and says nothing */
    rg_edge *E = r->edges.data;
    for (int pass = 0; pass < 2; pass++) {
        int kind = pass ? RG_K_RESUME : RG_K_PHOTO;
        memset(deg, 0, n * sizeof *deg);
        for (size_t k = 0; k < r->edges.len; k++)
            if (pass ? E[k].resume : E[k].photo) { deg[E[k].a]++; deg[E[k].b]++; }
        for (size_t k = 0; k < r->edges.len; k++) {
            if (!(pass ? E[k].resume : E[k].photo)) continue;
            uint32_t ua = rg_uf_find(parent, E[k].a), ub = rg_uf_find(parent, E[k].b);
            if (ua == ub || (touched && !touched[ua] && !touched[ub])) continue;
            uint32_t d = deg[E[k].a] > deg[E[k].b] ? deg[E[k].a] : deg[E[k].b];
            if ((double)d + 1 >= r->hub[kind] || ((r->media_hub[E[k].a] | r->media_hub[E[k].b]) & (pass ? 2 : 1))) continue;
            uint32_t a = ua < ub ? ua : ub, bb = ua < ub ? ub : ua, at;
            int created;
            if (st_map64_get_or_put(&pairs, ((uint64_t)a << 32) | bb, (uint32_t)cand.len, &at, &created) != ST_OK) goto done;
            if (created) {
                rg_join j;
                memset(&j, 0, sizeof j);
                j.a = a;
                j.b = bb;
                if (rg_vec_push(&cand, &j) != ST_OK) goto done;
            }
            acc_put(&RG_AT(cand, rg_join, at), kind_group[kind].group, (float)(kind_group[kind].w * bits_of(N, d + 1.0)),
                    (uint32_t)k, (uint8_t)kind);
        }
    }
    /* members of each unit (CSR by root), for the comparisons below */
    ustart = st_calloc(n + 1, sizeof *ustart);
    umem = st_malloc((n + 1) * sizeof *umem);
    if (!ustart || !umem) goto done;
    for (size_t i = 0; i < n; i++) ustart[rg_uf_find(parent, (uint32_t)i) + 1]++;
    for (size_t i = 0; i < n; i++) ustart[i + 1] += ustart[i];
    {
        uint32_t *fill = st_malloc((n + 1) * sizeof *fill);
        if (!fill) goto done;
        memcpy(fill, ustart, (n + 1) * sizeof *fill);
        for (size_t i = 0; i < n; i++) umem[fill[rg_uf_find(parent, (uint32_t)i)]++] = (uint32_t)i;
        st_free(fill);
    }
    /* photos and résumés too far apart for the first stage (another shot
     * of one face, a résumé rewritten by a third) still say something
     * between units that other evidence already brought together: two
     * unrelated 256-bit hashes lie about 128 bits apart; a stock image or a
     * template (media_hub, from the first stage) says nothing */
    for (size_t c = 0; c < cand.len; c++) {
        rg_join *j = &RG_AT(cand, rg_join, c);
        uint32_t la = ustart[j->a], ha = ustart[j->a + 1], lb = ustart[j->b], hb = ustart[j->b + 1];
        if ((size_t)(ha - la) * (hb - lb) > 4096) continue;
        int best = 257;
        double bsim = 0;
        for (uint32_t x = la; x < ha; x++)
            for (uint32_t y = lb; y < hb; y++) {
                const rg_rec *ra = &RG_AT(r->recs, rg_rec, umem[x]), *rb = &RG_AT(r->recs, rg_rec, umem[y]);
                /* weak values and families the two records share */
                const uint32_t *va = vals + ra->vstart, *vb = vals + rb->vstart;
                for (uint32_t i = 0, k = 0; i < ra->vcount && k < rb->vcount;) {
                    uint32_t p = RG_VAL_ID(va[i]), q = RG_VAL_ID(vb[k]);
                    if (p < q) { i++; continue; }
                    if (p > q) { k++; continue; }
                    i++;
                    k++;
                    const rg_value *vv = &RG_AT(r->values, rg_value, p);
                    int g = kind_group[vv->kind].group;
                    if (vv->kind < RG_STRONG_KINDS || g < 0 || vv->kind == RG_K_HOURS) continue;
                    if ((double)vv->count >= PROPOSE_HUBS * r->hub[vv->kind]) continue; /* generic */
                    acc_put(j, g, (float)(kind_group[vv->kind].w * bits_of(N, vv->count)), p, vv->kind);
                }
                uint8_t hubs = (uint8_t)(r->media_hub[umem[x]] | r->media_hub[umem[y]]);
                int d;
                if (ra->npdq && rb->npdq && !(hubs & 1)) {
                    rg_photo_near(r, ra, rb, &d);
                    if (d < best) best = d;
                }
                if (ra->sig >= 0 && rb->sig >= 0 && !(hubs & 2)) {
                    const uint32_t *sg = r->sigs.data;
                    double sm = rg_sig_similarity(sg + (size_t)ra->sig * RG_SIG, sg + (size_t)rb->sig * RG_SIG);
                    if (sm > bsim) bsim = sm;
                }
            }
        if (best <= PHOTO_FAR && j->bits[RG_JG_PHOTO] == 0)
            acc_put(j, RG_JG_PHOTO, (float)(0.6 * bits_of(N, 2.0)), RG_JOIN_FAR | (uint32_t)best, RG_K_PHOTO);
        if (bsim >= RESUME_FAR && j->bits[RG_JG_RESUME] == 0)
            acc_put(j, RG_JG_RESUME, (float)(0.5 * bits_of(N, 2.0)), RG_JOIN_FAR | (uint32_t)(bsim * 100.0), RG_K_RESUME);
    }
    if (st_env_flag("ST_RINGS_TIMING")) fprintf(stderr, "  operation candidates   %zu\n", cand.len);
    /* score: bits of the independent kinds, the hours pattern as support,
     * less the multiple comparisons of two units' members */
    double need = log2(N) + JOIN_MARGIN;
    size_t keep = 0;
    for (size_t c = 0; c < cand.len; c++) {
        rg_join *j = &RG_AT(cand, rg_join, c);
        double total = 0;
        int groups = 0;
        for (int g = 0; g < RG_JG_N; g++) {
            if (g == RG_JG_HOURS) continue;
            total += j->bits[g];
            groups += j->bits[g] >= GROUP_MIN_BITS;
        }
        if (groups < 2 && !j->hubbed) continue; /* one kind of evidence: only a ring's own hub */
        uint32_t ha = hmode[j->a], hb = hmode[j->b];
        if (ha != UINT32_MAX && ha == hb) {
            const rg_value *hv = &RG_AT(r->values, rg_value, ha);
            acc_put(j, RG_JG_HOURS, (float)(kind_group[RG_K_HOURS].w * bits_of(N, hv->count)), ha, RG_K_HOURS);
            total += j->bits[RG_JG_HOURS];
        }
        total -= log2((double)size[j->a] * (double)size[j->b]);
        if (total < need) continue;
        j->score = (float)total;
        j->groups = (uint8_t)groups;
        RG_AT(cand, rg_join, keep++) = *j;
    }
    cand.len = keep;
    if (keep) qsort(cand.data, keep, sizeof(rg_join), cmp_join);
    for (size_t c = 0; c < keep; c++) {
        rg_join *j = &RG_AT(cand, rg_join, c);
        if (rg_uf_find(parent, j->a) == rg_uf_find(parent, j->b)) continue; /* already one operation */
        rg_uf_union(parent, j->a, j->b);
        if (rg_vec_push(&r->joins, j) != ST_OK) goto done;
        ++*joined;
    }
    rc = ST_OK;
done:
    if (rc != ST_OK) st_error_set(err, rc, "out of memory while joining operations");
    st_map64_free(&pairs);
    rg_vec_free(&cand);
    st_free(size);
    st_free(deg);
    st_free(units);
    st_free(hmode);
    st_free(ustart);
    st_free(uheld);
    st_free(umem);
    return rc;
}

/* Two passes: the second sees the operations the first assembled, so a
 * star's hub (held by single records in the first) is by then a ring's
 * own infrastructure and brings in the personas it alone links. */
int rg_operations(st_rings *r, uint32_t *parent, st_error *err) {
    size_t joined = 0, n = r->recs.len;
    const int timing = st_env_flag("ST_RINGS_TIMING");
    double t0 = st_now();
    uint32_t *vstart = NULL, *vitems = NULL;
    if (n < 3) return ST_OK;
    if (propose_index(r, &vstart, &vitems) != ST_OK) return st_error_set(err, ST_ENOMEM, "out of memory while joining operations");
    int rc = ops_pass(r, parent, vstart, vitems, NULL, &joined, err);
    if (timing) fprintf(stderr, "  operations pass 1     %.2fs, %zu joins\n", st_now() - t0, joined);
    t0 = st_now();
    if (rc == ST_OK && joined) {
        /* the second pass looks only at the operations the first assembled */
        uint8_t *touched = st_calloc(n + 1, 1);
        if (!touched) rc = st_error_set(err, ST_ENOMEM, "out of memory while joining operations");
        for (size_t k = 0; touched && k < r->joins.len; k++) touched[rg_uf_find(parent, RG_AT(r->joins, rg_join, k).a)] = 1;
        if (touched) rc = ops_pass(r, parent, vstart, vitems, touched, &joined, err);
        st_free(touched);
    }
    st_free(vstart);
    st_free(vitems);
    if (timing) fprintf(stderr, "  operations pass 2     %.2fs, %zu joins\n", st_now() - t0, joined);
    return rc;
}

/* ---- infrastructure ------------------------------------------------------ */

static int cmp_infra(const void *x, const void *y) {
    const rg_infra *a = x, *b = y;
    if (a->facilitator != b->facilitator) return a->facilitator > b->facilitator ? -1 : 1;
    if (a->nrec != b->nrec) return a->nrec > b->nrec ? -1 : 1;
    return a->value < b->value ? -1 : a->value > b->value;
}

int rg_infrastructure(st_rings *r, st_error *err) {
    size_t n = r->recs.len, nv = r->values.len;
    int rc = ST_ENOMEM;
    uint32_t *vstart = st_calloc(nv + 1, sizeof *vstart), *items = NULL, *ring = NULL;
    if (!vstart) goto done;
    const uint32_t *vals = r->vals.data;
    /* strong values held by INFRA_MIN or more: below the hub cut-off, or
     * above it when their holders are linked otherwise too (a laptop farm
     * of dozens of personas, not an agency's strangers) */
#define INFRA(vv, v) ((vv)->kind < RG_STRONG_KINDS && (vv)->kind != RG_K_PHOTO && (vv)->kind != RG_K_RESUME && \
                      (vv)->count >= INFRA_MIN && ((double)(vv)->count < r->hub[(vv)->kind] || (r->vcorr && r->vcorr[v] >= 0.5f)))
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->vcount; k++) {
            uint32_t v = RG_VAL_ID(vals[x->vstart + k]);
            const rg_value *vv = &RG_AT(r->values, rg_value, v);
            if (INFRA(vv, v)) vstart[v + 1]++;
        }
    }
    for (size_t v = 0; v < nv; v++) vstart[v + 1] += vstart[v];
    items = rg_value_records(r, vstart);
    ring = st_malloc(256 * sizeof *ring);
    if (!items || !ring) goto done;
    for (size_t v = 0; v < nv; v++) {
        uint32_t lo = vstart[v], hi = vstart[v + 1];
        if (hi - lo < INFRA_MIN) continue;
        /* personas among the holders: records that are not the same person */
        uint32_t personas = 0;
        for (uint32_t x = lo; x < hi && personas < 2; x++)
            for (uint32_t y = x + 1; y < hi; y++)
                if (!rg_same_persona(&RG_AT(r->recs, rg_rec, items[x]), &RG_AT(r->recs, rg_rec, items[y]))) {
                    personas = 2;
                    break;
                }
        if (personas < 2) continue;
        uint32_t nr = 0;
        for (uint32_t x = lo; x < hi; x++) {
            uint32_t c = r->cluster[items[x]];
            if (c == UINT32_MAX) continue;
            int seen = 0;
            for (uint32_t q = 0; q < nr; q++) seen |= ring[q] == c;
            if (!seen && nr < 256) ring[nr++] = c;
        }
        rg_infra in = {(uint32_t)v, lo, hi - lo, nr, nr >= 2};
        if (rg_vec_push(&r->infra, &in) != ST_OK) goto done;
    }
#undef INFRA
    if (r->infra.len) qsort(r->infra.data, r->infra.len, sizeof(rg_infra), cmp_infra);
    r->infra_items = items;
    items = NULL;
    rc = ST_OK;
done:
    if (rc != ST_OK) st_error_set(err, rc, "out of memory while listing infrastructure");
    st_free(vstart);
    st_free(items);
    st_free(ring);
    return rc;
}
