/*
 * link.c - candidate pairs and their evidence.
 *
 * Design: no step compares all pairs.  Candidates come from four indexes:
 *  - records sharing an interned strong value (payout, device, phone,
 *    e-mail, shipping address) that is not a hub;
 *  - photo hashes by multi-index hashing: 16 chunks of 16 bits; two hashes
 *    within 31 bits differ in at most one bit in some chunk (pigeonhole),
 *    so comparing within each chunk's buckets and their one-bit neighbours
 *    finds every pair; past 300,000 photos the neighbours are skipped
 *    (every pair within 15 bits is still found, and most up to 31);
 *  - résumé MinHash signatures by LSH banding (8 bands of 4 bins);
 *  - person blocking keys (name-token prefix + birth year, birth date +
 *    initials, name + address prefix) for duplicates of one person.
 * Each candidate is then scored from everything the two records share.
 *
 * Rarity: a value shared by k records weighs rarity(k) = log(H/k)/log 4,
 * clipped to [0,1]: full weight up to H/4, none from H on.  H, the hub
 * cut-off, comes from the data: per kind, a Tukey fence (Q3 + 3 IQR) over
 * the log sizes of the shared values, bounded to [12, 48] ("dozens").
 * Corroboration: a value held by three or more records is trusted only
 * as far as its holders are also linked to each other by something else
 * (another strong value, a photo, a résumé, the same person): its weight
 * is multiplied by max(corroborated share, 3/k).  Strangers who share
 * nothing but one address (a staffing agency, a forwarding office) leave
 * it too weak to merge; a laptop farm whose personas also share payouts
 * or devices keeps it whole; three records sharing one payout account
 * still link.
 * Invariant: every edge has a < b and appears once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map64.h"
#include <stdio.h>
#include "core/progress.h"
#include "rings/rings_int.h"

/* Base weight of one shared value per kind: strong kinds can merge alone. */
static const double kind_weight[RG_NKINDS] = {
    [RG_K_PAYMENT] = 1.0, [RG_K_DEVICE] = 1.0, [RG_K_PHONE] = 1.0, [RG_K_EMAIL] = 1.0,
    [RG_K_SHIPPING] = 1.0, [RG_K_PHOTO] = 1.0, [RG_K_RESUME] = 1.0,
    [RG_K_IP] = 0.3, [RG_K_EMPLOYER] = 0.15, [RG_K_SCHOOL] = 0.15, [RG_K_ADDRESS] = 0.4,
    [RG_K_NAME] = 0.3, [RG_K_DOB] = 0.2};

#define HUB_MIN 12.0
#define HUB_MAX 48.0
#define BLOCK_MAX 64      /* person blocks larger than this are too common to block on */
#define BUCKET_MAX 2048   /* photo chunk buckets / LSH groups beyond this are generic */
#define RESUME_MIN_SIM 0.75
#define PDQ_MAX_DIST 31
#define PERSON_UNSET (-1000.0f)

double rg_rarity(const st_rings *r, int kind, uint32_t count) {
    double h = r->hub[kind];
    if (count < 2) return 1.0;
    if ((double)count >= h) return 0.0;
    double x = log(h / (double)count) / log(4.0);
    return x > 1.0 ? 1.0 : x;
}

double rg_value_weight_n(const st_rings *r, uint32_t value, uint32_t count) {
    const rg_value *v = &RG_AT(r->values, rg_value, value);
    double w = kind_weight[v->kind] * rg_rarity(r, v->kind, count);
    if (count >= 3 && v->kind < RG_STRONG_KINDS && r->vcorr && value < r->nvcorr) {
        /* three strangers rarely share a strong value by chance; the more
         * holders, the more of them must be linked otherwise as well */
        double c = r->vcorr[value], floor_k = 3.0 / (double)count;
        w *= c > floor_k ? c : floor_k;
    }
    return w;
}

double rg_value_weight(const st_rings *r, uint32_t value) {
    return rg_value_weight_n(r, value, RG_AT(r->values, rg_value, value).count);
}

double rg_kind_weight(int kind) { return kind_weight[kind]; }

int rg_merge_rule(double strong, double weak, double person) {
    return strong >= 1.0 || (strong >= 0.5 && strong + weak >= 1.0) || person >= 5.0 || (person >= 3.0 && strong >= 0.5);
}

uint64_t rg_band_hash(const uint32_t *sig, int band) {
    const uint32_t *s = sig + band * 4;
    return ((uint64_t)s[0] << 32 | s[1]) * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)s[2] << 32 | s[3]);
}

/* ---- the pair table ------------------------------------------------------ */

/* (a, b) with a < b as one 64-bit key -> index into r->edges (core/map64.h). */
typedef st_map64 pairset;

static uint64_t pair_key(uint32_t a, uint32_t b) {
    if (a > b) { uint32_t t = a; a = b; b = t; }
    return ((uint64_t)a << 32) | b;
}

/* The edge of (a, b), created when absent; NULL on OOM. */
static rg_edge *edge_get(st_rings *r, pairset *p, uint32_t a, uint32_t b) {
    uint64_t key = pair_key(a, b);
    uint32_t at;
    if (st_map64_get(p, key, &at)) return &RG_AT(r->edges, rg_edge, at);
    rg_edge e;
    memset(&e, 0, sizeof e);
    e.a = a < b ? a : b;
    e.b = a < b ? b : a;
    e.person = PERSON_UNSET;
    if (rg_vec_push(&r->edges, &e) != ST_OK) return NULL;
    if (st_map64_put(p, key, (uint32_t)(r->edges.len - 1)) != ST_OK) {
        r->edges.len--; /* nothing of a failed insertion stays */
        return NULL;
    }
    return &RG_AT(r->edges, rg_edge, r->edges.len - 1);
}

static const rg_edge *edge_find(const st_rings *r, const pairset *p, uint32_t a, uint32_t b) {
    uint32_t at;
    return st_map64_get(p, pair_key(a, b), &at) ? &RG_AT(r->edges, rg_edge, at) : NULL;
}

/* ---- hub cut-offs ------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Tukey fence over log sizes of the shared groups; counts[i] >= 2. */
static double hub_from_counts(double *logs, size_t n) {
    if (n < 10) return 24.0;
    qsort(logs, n, sizeof *logs, cmp_double);
    double q1 = logs[n / 4], q3 = logs[(3 * n) / 4];
    double fence = exp(q3 + 3.0 * (q3 - q1));
    if (fence < HUB_MIN) fence = HUB_MIN;
    if (fence > HUB_MAX) fence = HUB_MAX;
    return fence;
}

static int compute_hubs(st_rings *r) {
    size_t nv = r->values.len;
    /* one pass: log sizes of the shared values, grouped by kind */
    size_t cnt[RG_NKINDS + 1] = {0};
    for (size_t v = 0; v < nv; v++) {
        const rg_value *x = &RG_AT(r->values, rg_value, v);
        if (x->count >= 2) cnt[x->kind + 1]++;
    }
    for (int k = 0; k < RG_NKINDS; k++) cnt[k + 1] += cnt[k];
    double *logs = st_malloc((cnt[RG_NKINDS] + 1) * sizeof *logs);
    if (!logs) return ST_ENOMEM;
    size_t fill[RG_NKINDS];
    memcpy(fill, cnt, sizeof fill);
    for (size_t v = 0; v < nv; v++) {
        const rg_value *x = &RG_AT(r->values, rg_value, v);
        if (x->count >= 2) logs[fill[x->kind]++] = log((double)x->count);
    }
    for (int k = 0; k < RG_NKINDS; k++) r->hub[k] = hub_from_counts(logs + cnt[k], cnt[k + 1] - cnt[k]);
    st_free(logs);
    return ST_OK;
}

/* ---- person comparison ---------------------------------------------------- */

/* Name agreement, token by token (order-free, robust to a dropped or
 * swapped token): 3 every token matches closely, 2 every token matches
 * loosely, 1.5 one name's tokens all occur in the other (a dropped
 * middle or given name), 0 some token matches, -3 none does; -9 when a
 * side has no name. */
static double name_agreement(const char *a, const char *b) {
    if (!*a || !*b) return -9;
    if (strcmp(a, b) == 0) return 3;
    char ta[8][48], tb[8][48];
    size_t na = 0, nb = 0;
    for (const char *p = a; *p && na < 8;) {
        size_t l = strcspn(p, " ");
        if (l && l < 48) { memcpy(ta[na], p, l); ta[na++][l] = 0; }
        p += l;
        while (*p == ' ') p++;
    }
    for (const char *p = b; *p && nb < 8;) {
        size_t l = strcspn(p, " ");
        if (l && l < 48) { memcpy(tb[nb], p, l); tb[nb++][l] = 0; }
        p += l;
        while (*p == ' ') p++;
    }
    if (!na || !nb) return -9;
    /* match each token of the shorter name to its best partner */
    char (*s)[48] = na <= nb ? ta : tb, (*l)[48] = na <= nb ? tb : ta;
    size_t ns = na <= nb ? na : nb, nl = na <= nb ? nb : na;
    size_t close = 0, loose = 0;
    for (size_t i = 0; i < ns; i++) {
        double best = 0;
        for (size_t j = 0; j < nl; j++) {
            double v = rg_jaro_winkler(s[i], l[j]);
            /* an initial matches a token starting with it */
            if (strlen(s[i]) == 1 && s[i][0] == l[j][0]) v = 0.9;
            if (strlen(l[j]) == 1 && s[i][0] == l[j][0]) v = 0.9;
            if (v > best) best = v;
        }
        close += best >= 0.95;
        loose += best >= 0.85;
    }
    if (loose == ns && ns == nl) return close == ns ? 3 : 2;
    if (loose == ns) return 1.5;
    if (loose > 0) return 0;
    return -3;
}

/* Name similarity in [0,1] for personas: the agreement mapped to a scale. */
static double name_similarity(const char *a, const char *b) {
    double g = name_agreement(a, b);
    if (g <= -9) return -1.0;
    return g >= 3 ? 1.0 : g >= 2 ? 0.92 : g >= 1.5 ? 0.9 : g >= 0 ? 0.8 : 0.5;
}

/* 2: same date, 1: one typo or day/month swapped, 0: unknown, -1: differ. */
static int dob_agreement(const char *a, const char *b) {
    if (!*a || !*b) return 0;
    if (strcmp(a, b) == 0) return strlen(a) == 10 ? 2 : 1;
    size_t la = strlen(a), lb = strlen(b);
    if (la != 10 || lb != 10) return strncmp(a, b, 4) == 0 ? 0 : -1;
    int diff = 0;
    for (size_t i = 0; i < 10; i++) diff += a[i] != b[i];
    if (diff == 1) return 1;
    if (memcmp(a, b, 4) == 0 && memcmp(a + 5, b + 8, 2) == 0 && memcmp(a + 8, b + 5, 2) == 0) return 1;
    if (memcmp(a + 4, b + 4, 6) == 0 && diff == 2) return 1; /* year typo of two digits */
    return -1;
}

/* Dice coefficient of character bigrams (spaces dropped): robust to
 * split words, typos and reordered parts; -1 when a side has none. */
static double address_similarity(const rg_rec *a, const rg_rec *b) {
    if (!a->addr[0] || !b->addr[0]) return -1.0;
    if (strcmp(a->addr, b->addr) == 0) return 1.0;
    return rg_bits_dice(a->addr_bits, b->addr_bits);
}

/* The first e-mail of a record (normalised), "" when none. */
static const rg_value *first_email(const st_rings *r, const rg_rec *x) {
    const uint32_t *v = (const uint32_t *)r->vals.data + x->vstart;
    for (uint32_t k = 0; k < x->vcount; k++) {
        const rg_value *val = &RG_AT(r->values, rg_value, RG_VAL_ID(v[k]));
        if (val->kind == RG_K_EMAIL && val->text) return val;
    }
    return NULL;
}

/* 2 same address, 1.5 same domain and nearly the same mailbox
 * ("roberta25" / "robert255"), 0 otherwise. */
static double email_agreement(const st_rings *r, const rg_rec *a, const rg_rec *b) {
    const rg_value *ea = first_email(r, a), *eb = first_email(r, b);
    if (!ea || !eb) return 0;
    if (ea == eb) return 2;
    const char *at_a = memchr(ea->text, '@', ea->klen), *at_b = memchr(eb->text, '@', eb->klen);
    if (!at_a || !at_b) return 0;
    size_t da = ea->klen - (size_t)(at_a - ea->text), db = eb->klen - (size_t)(at_b - eb->text);
    if (da != db || memcmp(at_a, at_b, da) != 0) return 0;
    char la[64], lb[64];
    size_t na = (size_t)(at_a - ea->text), nb = (size_t)(at_b - eb->text);
    if (na >= sizeof la || nb >= sizeof lb) return 0;
    memcpy(la, ea->text, na);
    la[na] = 0;
    memcpy(lb, eb->text, nb);
    lb[nb] = 0;
    return rg_jaro_winkler(la, lb) >= 0.9 ? 1.5 : 0;
}

double rg_person_score(const st_rings *r, const rg_rec *a, const rg_rec *b) {
    if (!a->name_key[0] || !b->name_key[0]) return 0; /* no name on one side: not a person comparison */
    double s = 0;
    int d = dob_agreement(a->dob, b->dob);
    s += d == 2 ? 3 : d == 1 ? 1.5 : d == -1 ? -2 : 0;
    double as = address_similarity(a, b);
    /* a bare town ("london") says little: at most one point */
    int short_addr = !strchr(a->addr, ' ') || !strchr(b->addr, ' ');
    if (as >= 0.8) s += short_addr ? 1 : 2;
    else if (as >= 0.6) s += 1;
    else if (as >= 0 && as < 0.3) s -= 1;
    s += email_agreement(r, a, b);
    if (s + 3 < 3) return s - 3; /* even equal names would not make it supporting evidence */
    double g = name_agreement(a->name_key, b->name_key);
    if (g >= 2 && r->name_counts) {
        /* a name held by many records: two of them share a birth date by
         * chance k^2 / 2D times among k holders and D birth dates seen, so
         * the name says less the more often that happens */
        uint64_t ka = 0, kb = 0;
        (void)st_map_get(r->name_counts, a->name_key, strlen(a->name_key), &ka);
        (void)st_map_get(r->name_counts, b->name_key, strlen(b->name_key), &kb);
        double k = (double)(ka > kb ? ka : kb);
        /* in quarter points: a name held by a handful (a person's own
         * duplicates) loses nothing, and scores at a threshold stay put */
        g -= floor(4.0 * 2.0 * log2(1.0 + k * k / (2.0 * r->dob_space))) / 4.0;
    }
    return s + g;
}

/* How many records hold each name, and how many birth dates the deck
 * spans, for rg_person_score. */
static int count_names(st_rings *r) {
    size_t n = r->recs.len;
    int lo = 9999, hi = 0;
    if (st_map_new(&r->name_counts) != ST_OK) return ST_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        if (strlen(x->dob) >= 4) {
            int y = atoi(x->dob);
            if (y < lo) lo = y;
            if (y > hi) hi = y;
        }
        if (!x->name_key[0]) continue;
        int created;
        uint64_t *c = st_map_slot(r->name_counts, x->name_key, strlen(x->name_key), 0, &created);
        if (!c) return ST_ENOMEM;
        ++*c;
    }
    r->dob_space = 365.0 * (hi >= lo ? hi - lo + 1 : 1);
    return ST_OK;
}

int rg_same_persona(const rg_rec *a, const rg_rec *b) {
    double ns = name_similarity(a->name_key, b->name_key);
    int d = dob_agreement(a->dob, b->dob);
    if (ns < 0) return d == 2;
    return ns >= 0.88 && d >= 0;
}

/* ---- photos -------------------------------------------------------------- */

/* SWAR popcount: the build targets baseline x86-64 (no POPCNT), where the
 * builtin becomes a library call. */
static inline int popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

static int hamming256(const uint64_t *x, const uint64_t *y) {
    return popcount64(x[0] ^ y[0]) + popcount64(x[1] ^ y[1]) + popcount64(x[2] ^ y[2]) + popcount64(x[3] ^ y[3]);
}

int rg_photo_near(const st_rings *r, const rg_rec *a, const rg_rec *b, int *dist) {
    const uint64_t *pd = r->pdq.data;
    int best = 257;
    for (uint32_t i = 0; i < a->npdq; i++)
        for (uint32_t j = 0; j < b->npdq; j++) {
            int d = hamming256(pd + 4 * (size_t)(a->pstart + i), pd + 4 * (size_t)(b->pstart + j));
            if (d < best) best = d;
        }
    *dist = best;
    return best <= PDQ_MAX_DIST;
}

static uint16_t chunk16(const uint64_t *h, int c) {
    return (uint16_t)(h[c / 4] >> (16 * (3 - c % 4)));
}

typedef struct photo_item {
    uint64_t h[4];
    uint32_t owner;
} photo_item;

/* Compare every photo of bucket lo..hi with every photo of bucket lo2..hi2
 * (the same bucket when lo2 == lo: each pair once). */
static int photo_pairs(st_rings *r, pairset *ps, const photo_item *it, uint32_t lo, uint32_t hi, uint32_t lo2,
                       uint32_t hi2, uint32_t *deg) {
    int same = lo2 == lo;
    for (uint32_t x = lo; x < hi; x++)
        for (uint32_t y = same ? x + 1 : lo2; y < hi2; y++) {
            if (it[x].owner == it[y].owner || hamming256(it[x].h, it[y].h) > PDQ_MAX_DIST) continue;
            rg_edge *e = edge_get(r, ps, it[x].owner, it[y].owner);
            if (!e) return ST_ENOMEM;
            if (!e->photo) { e->photo = 1; deg[it[x].owner]++; deg[it[y].owner]++; }
        }
    return ST_OK;
}

/* Multi-index hashing, one chunk at a time: photos sorted by the chunk's
 * 16 bits (counting sort) with their full hashes beside them, so each
 * bucket is compared in cache.  With the one-bit neighbour buckets too,
 * every pair within 31 bits is found (pigeonhole over 16 chunks); past
 * PHOTO_RADIUS1_MAX photos only exact chunks are compared (every pair
 * within 15 bits, most pairs up to 31). */
#define PHOTO_RADIUS1_MAX 300000
static int link_photos(st_rings *r, pairset *ps, uint32_t *deg) {
    size_t n = r->recs.len;
    size_t np = 0;
    for (size_t i = 0; i < n; i++) np += RG_AT(r->recs, rg_rec, i).npdq;
    if (np < 2) return ST_OK;
    int rc = ST_ENOMEM;
    photo_item *all = st_malloc(np * sizeof *all), *it = st_malloc(np * sizeof *it);
    uint32_t *start = st_malloc((65536 + 1) * sizeof *start), *fill = st_malloc(65536 * sizeof *fill);
    if (!all || !it || !start || !fill) goto done;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t j = 0; j < x->npdq; j++, k++) {
            memcpy(all[k].h, (const uint64_t *)r->pdq.data + 4 * (size_t)(x->pstart + j), sizeof all[k].h);
            all[k].owner = (uint32_t)i;
        }
    }
    int radius = np <= PHOTO_RADIUS1_MAX;
    for (int c = 0; c < 16; c++) {
        memset(start, 0, (65536 + 1) * sizeof *start);
        for (size_t p = 0; p < np; p++) start[chunk16(all[p].h, c) + 1]++;
        for (size_t v = 0; v < 65536; v++) start[v + 1] += start[v];
        memcpy(fill, start, 65536 * sizeof *fill);
        for (size_t p = 0; p < np; p++) it[fill[chunk16(all[p].h, c)]++] = all[p];
        for (uint32_t v = 0; v < 65536; v++) {
            uint32_t lo = start[v], hi = start[v + 1];
            if (hi == lo) continue;
            if (hi - lo > BUCKET_MAX) { /* a generic image (a stock avatar): every holder is a hub */
                for (uint32_t x = lo; x < hi; x++) deg[it[x].owner] = UINT32_MAX / 2;
                continue;
            }
            if (photo_pairs(r, ps, it, lo, hi, lo, hi, deg) != ST_OK) goto done;
            if (!radius) continue;
            for (int f = 0; f < 16; f++) {
                uint32_t w = v ^ (1u << f);
                if (w < v) continue;
                uint32_t lo2 = start[w], hi2 = start[w + 1];
                if (hi2 == lo2 || hi2 - lo2 > BUCKET_MAX) continue;
                if (photo_pairs(r, ps, it, lo, hi, lo2, hi2, deg) != ST_OK) goto done;
            }
        }
    }
    rc = ST_OK;
done:
    st_free(all);
    st_free(it);
    st_free(start);
    st_free(fill);
    return rc;
}

/* ---- résumés ------------------------------------------------------------- */

typedef struct band_item {
    uint64_t h;
    uint32_t rec;
} band_item;

static int cmp_band(const void *a, const void *b) {
    const band_item *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static int link_resumes(st_rings *r, pairset *ps, uint32_t *deg) {
    size_t n = r->recs.len, ns = 0;
    for (size_t i = 0; i < n; i++) ns += RG_AT(r->recs, rg_rec, i).sig >= 0;
    if (ns < 2) return ST_OK;
    band_item *it = st_malloc(ns * sizeof *it);
    if (!it) return ST_ENOMEM;
    const uint32_t *sigs = r->sigs.data;
    for (int band = 0; band < RG_SIG / 4; band++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
            if (x->sig < 0) continue;
            it[m].h = rg_band_hash(sigs + (size_t)x->sig * RG_SIG, band);
            it[m++].rec = (uint32_t)i;
        }
        qsort(it, m, sizeof *it, cmp_band);
        for (size_t g = 0; g < m;) {
            size_t e = g + 1;
            while (e < m && it[e].h == it[g].h) e++;
            if (e - g <= BUCKET_MAX / 8) {
                for (size_t x = g; x < e; x++)
                    for (size_t y = x + 1; y < e; y++) {
                        const rg_rec *ra = &RG_AT(r->recs, rg_rec, it[x].rec), *rb = &RG_AT(r->recs, rg_rec, it[y].rec);
                        double sim = rg_sig_similarity(sigs + (size_t)ra->sig * RG_SIG, sigs + (size_t)rb->sig * RG_SIG);
                        if (sim < RESUME_MIN_SIM) continue;
                        rg_edge *ed = edge_get(r, ps, it[x].rec, it[y].rec);
                        if (!ed) { st_free(it); return ST_ENOMEM; }
                        if (!ed->resume) { ed->resume = 1; deg[it[x].rec]++; deg[it[y].rec]++; }
                    }
            } else {
                /* a group this large is a template: every member is a hub */
                for (size_t x = g; x < e; x++) deg[it[x].rec] = UINT32_MAX / 2;
            }
            g = e;
        }
    }
    st_free(it);
    return ST_OK;
}

/* ---- person blocking ------------------------------------------------------ */

/* Blocking keys of a record: name-token prefixes with the birth year,
 * the birth date with the initials, the name and address prefixes. */
size_t rg_person_keys(const rg_rec *x, uint64_t keys[5]) {
    size_t m = 0;
    char key[160];
    if (!x->name_key[0]) return 0;
    const char *nk = x->name_key;
    size_t ntok = 0;
    char initials[8];
    size_t ni = 0;
    for (const char *p = nk; *p && ntok < 3;) {
        size_t l = strcspn(p, " ");
        if (ni < 7) initials[ni++] = p[0];
        if (x->dob[0] && l >= 2) {
            int w = snprintf(key, sizeof key, "t%.*s|%.4s", (int)(l < 4 ? l : 4), p, x->dob);
            keys[m++] = st_hash64(key, (size_t)w);
        }
        ntok++;
        p += l;
        while (*p == ' ') p++;
    }
    initials[ni] = 0;
    if (strlen(x->dob) == 10) {
        int w = snprintf(key, sizeof key, "d%s|%s", x->dob, initials);
        keys[m++] = st_hash64(key, (size_t)w);
    }
    if (x->addr[0]) {
        int w = snprintf(key, sizeof key, "a%.2s|%.12s", nk, x->addr);
        keys[m++] = st_hash64(key, (size_t)w);
    }
    return m;
}

static int link_persons(st_rings *r, pairset *ps) {
    size_t n = r->recs.len;
    band_item *it = st_malloc((n * 5 + 1) * sizeof *it);
    if (!it) return ST_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t keys[5];
        size_t nk = rg_person_keys(&RG_AT(r->recs, rg_rec, i), keys);
        for (size_t k = 0; k < nk; k++) {
            it[m].h = keys[k];
            it[m++].rec = (uint32_t)i;
        }
    }
    qsort(it, m, sizeof *it, cmp_band);
    for (size_t g = 0; g < m;) {
        size_t e = g + 1;
        while (e < m && it[e].h == it[g].h) e++;
        if (e - g <= BLOCK_MAX)
            for (size_t x = g; x < e; x++)
                for (size_t y = x + 1; y < e; y++) {
                    if (it[x].rec == it[y].rec) continue;
                    if (edge_find(r, ps, it[x].rec, it[y].rec)) continue; /* met in another block */
                    const rg_rec *ra = &RG_AT(r->recs, rg_rec, it[x].rec), *rb = &RG_AT(r->recs, rg_rec, it[y].rec);
                    double s = rg_person_score(r, ra, rb);
                    if (s < 3) continue; /* not even supporting */
                    rg_edge *ed = edge_get(r, ps, it[x].rec, it[y].rec);
                    if (!ed) { st_free(it); return ST_ENOMEM; }
                    ed->person = (float)s;
                }
        g = e;
    }
    st_free(it);
    return ST_OK;
}

/* ---- scoring ------------------------------------------------------------- */

/* Distinct strong signals of an edge before corroboration: shared
 * non-hub strong values, a near photo, a near résumé, the same person. */
static void count_signals(st_rings *r, rg_edge *e, const uint32_t *pdeg, const uint32_t *rdeg) {
    const rg_rec *a = &RG_AT(r->recs, rg_rec, e->a), *b = &RG_AT(r->recs, rg_rec, e->b);
    const uint32_t *va = (const uint32_t *)r->vals.data + a->vstart, *vb = (const uint32_t *)r->vals.data + b->vstart;
    uint32_t kinds = 0, i = 0, j = 0;
    while (i < a->vcount && j < b->vcount) {
        uint32_t x = RG_VAL_ID(va[i]), y = RG_VAL_ID(vb[j]);
        if (x < y) i++;
        else if (x > y) j++;
        else {
            const rg_value *v = &RG_AT(r->values, rg_value, x);
            if (v->kind < RG_STRONG_KINDS && rg_rarity(r, v->kind, v->count) > 0) kinds |= 1u << v->kind;
            i++;
            j++;
        }
    }
    int dist;
    if (e->photo || (a->npdq && b->npdq && rg_photo_near(r, a, b, &dist))) {
        e->photo = 1;
        uint32_t k = (pdeg[e->a] > pdeg[e->b] ? pdeg[e->a] : pdeg[e->b]) + 1;
        if (rg_rarity(r, RG_K_PHOTO, k) > 0) kinds |= 1u << RG_K_PHOTO;
    }
    if (e->resume) {
        uint32_t k = (rdeg[e->a] > rdeg[e->b] ? rdeg[e->a] : rdeg[e->b]) + 1;
        if (rg_rarity(r, RG_K_RESUME, k) > 0) kinds |= 1u << RG_K_RESUME;
    }
    if (e->person == PERSON_UNSET) e->person = (float)rg_person_score(r, a, b);
    int n = __builtin_popcount(kinds) + (e->person >= 5.0f);
    e->nsig = (uint8_t)(n > 255 ? 255 : n);
}

static int corroborate(st_rings *r, const pairset *ps, const uint32_t *vstart, const uint32_t *vitems) {
    size_t nv = r->values.len;
    r->vcorr = st_malloc((nv + 1) * sizeof *r->vcorr);
    if (!r->vcorr) return ST_ENOMEM;
    r->nvcorr = nv;
    for (size_t v = 0; v < nv; v++) {
        uint32_t lo = vstart[v], hi = vstart[v + 1], k = hi - lo, ok = 0;
        r->vcorr[v] = 1.0f;
        if (k < 3) continue;
        for (uint32_t x = lo; x < hi; x++)
            for (uint32_t y = lo; y < hi; y++) {
                if (x == y) continue;
                const rg_edge *e = edge_find(r, ps, vitems[x], vitems[y]);
                if (e && e->nsig >= 2) { ok++; break; }
            }
        r->vcorr[v] = (float)ok / (float)k;
    }
    return ST_OK;
}

static void score_edge(st_rings *r, rg_edge *e, const uint32_t *pdeg, const uint32_t *rdeg) {
    const rg_rec *a = &RG_AT(r->recs, rg_rec, e->a), *b = &RG_AT(r->recs, rg_rec, e->b);
    const uint32_t *va = (const uint32_t *)r->vals.data + a->vstart, *vb = (const uint32_t *)r->vals.data + b->vstart;
    double per_kind[RG_NKINDS] = {0};
    uint32_t i = 0, j = 0;
    while (i < a->vcount && j < b->vcount) {
        uint32_t x = RG_VAL_ID(va[i]), y = RG_VAL_ID(vb[j]);
        if (x < y) i++;
        else if (x > y) j++;
        else {
            const rg_value *v = &RG_AT(r->values, rg_value, x);
            double w = rg_value_weight(r, x);
            if (w > per_kind[v->kind]) per_kind[v->kind] = w;
            i++;
            j++;
        }
    }
    int dist;
    if (e->photo || (a->npdq && b->npdq && rg_photo_near(r, a, b, &dist))) {
        uint32_t k = (pdeg[e->a] > pdeg[e->b] ? pdeg[e->a] : pdeg[e->b]) + 1;
        per_kind[RG_K_PHOTO] = kind_weight[RG_K_PHOTO] * rg_rarity(r, RG_K_PHOTO, k);
        e->photo = 1;
    }
    if (e->resume) {
        uint32_t k = (rdeg[e->a] > rdeg[e->b] ? rdeg[e->a] : rdeg[e->b]) + 1;
        per_kind[RG_K_RESUME] = kind_weight[RG_K_RESUME] * rg_rarity(r, RG_K_RESUME, k);
    }
    double strong = 0, weak = 0;
    for (int k = 0; k < RG_NKINDS; k++) {
        if (k < RG_STRONG_KINDS) strong += per_kind[k];
        else weak += per_kind[k];
    }
    e->strong = (float)strong;
    e->weak = (float)weak;
    e->merged = (uint8_t)rg_merge_rule(strong, weak, e->person);
}

/* Hub cut-off for photo and résumé groups from the degree distribution. */
static void degree_hub(st_rings *r, int kind, const uint32_t *deg) {
    size_t n = r->recs.len, m = 0;
    double *logs = st_malloc((n + 1) * sizeof *logs);
    if (!logs) { r->hub[kind] = 24.0; return; }
    for (size_t i = 0; i < n; i++)
        if (deg[i] > 0 && deg[i] < UINT32_MAX / 4) logs[m++] = log((double)deg[i] + 1.0);
    r->hub[kind] = hub_from_counts(logs, m);
    st_free(logs);
}

int rg_link(st_rings *r, st_error *err) {
    size_t n = r->recs.len;
    size_t nv = r->values.len;
    int rc = ST_ENOMEM;
    uint32_t *pdeg = NULL, *rdeg = NULL, *vstart = NULL, *vitems = NULL;
    pairset ps;
    memset(&ps, 0, sizeof ps);
    st_progress prog;
    st_progress_begin(&prog, "rings: linking", 5);
    const int timing = st_env_flag("ST_RINGS_TIMING");
    double t0 = st_now();
#define LAP(what) do { if (timing) { fprintf(stderr, "  %-22s %.2fs\n", what, st_now() - t0); t0 = st_now(); } } while (0)
    if (!r->opts.progress) prog.enabled = 0;
    /* value texts and counts over the live (deduplicated) records */
    {
        size_t it = 0;
        const char *key;
        size_t kl;
        uint64_t val;
        while (st_map_next(r->vmap, &it, &key, &kl, &val)) {
            rg_value *v = &RG_AT(r->values, rg_value, val);
            v->text = key + 1;
            v->klen = (uint32_t)(kl - 1);
        }
    }
    for (size_t v = 0; v < nv; v++) RG_AT(r->values, rg_value, v).count = 0;
    const uint32_t *vals = r->vals.data;
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->vcount; k++) RG_AT(r->values, rg_value, RG_VAL_ID(vals[x->vstart + k])).count++;
    }
    if (compute_hubs(r) != ST_OK) goto done;
    st_progress_tick(&prog, 1);
    LAP("counts and hubs");

    /* inverted index of shared strong values */
    vstart = st_calloc(nv + 1, sizeof *vstart);
    if (!vstart) goto done;
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->vcount; k++) {
            uint32_t v = RG_VAL_ID(vals[x->vstart + k]);
            const rg_value *vv = &RG_AT(r->values, rg_value, v);
            if (vv->kind < RG_STRONG_KINDS && vv->count >= 2 && (double)vv->count < r->hub[vv->kind]) vstart[v + 1]++;
        }
    }
    for (size_t v = 0; v < nv; v++) vstart[v + 1] += vstart[v];
    vitems = rg_value_records(r, vstart);
    if (!vitems) goto done;
    for (size_t v = 0; v < nv; v++)
        for (uint32_t x = vstart[v]; x < vstart[v + 1]; x++)
            for (uint32_t y = x + 1; y < vstart[v + 1]; y++)
                if (!edge_get(r, &ps, vitems[x], vitems[y])) goto done;
    st_progress_tick(&prog, 2);
    LAP("shared values");

    pdeg = st_calloc(n + 1, sizeof *pdeg);
    rdeg = st_calloc(n + 1, sizeof *rdeg);
    if (!pdeg || !rdeg) goto done;
    if (link_photos(r, &ps, pdeg) != ST_OK) goto done;
    degree_hub(r, RG_K_PHOTO, pdeg);
    st_progress_tick(&prog, 3);
    LAP("photos");
    if (link_resumes(r, &ps, rdeg) != ST_OK) goto done;
    degree_hub(r, RG_K_RESUME, rdeg);
    /* which records' photo or résumé is generic, for the operation stage */
    r->media_hub = st_calloc(n + 1, 1);
    if (!r->media_hub) goto done;
    for (size_t i = 0; i < n; i++)
        r->media_hub[i] = (uint8_t)(((double)pdeg[i] + 1 >= r->hub[RG_K_PHOTO]) | (((double)rdeg[i] + 1 >= r->hub[RG_K_RESUME]) << 1));
    st_progress_tick(&prog, 4);
    LAP("resumes");
    if (count_names(r) != ST_OK || link_persons(r, &ps) != ST_OK) goto done;
    LAP("persons");
    for (size_t e = 0; e < r->edges.len; e++) count_signals(r, &RG_AT(r->edges, rg_edge, e), pdeg, rdeg);
    LAP("signals");
    if (corroborate(r, &ps, vstart, vitems) != ST_OK) goto done;
    LAP("corroboration");
    for (size_t e = 0; e < r->edges.len; e++) score_edge(r, &RG_AT(r->edges, rg_edge, e), pdeg, rdeg);
    st_progress_tick(&prog, 5);
    LAP("scoring");
    if (timing) fprintf(stderr, "  %zu candidate pairs\n", r->edges.len);
#undef LAP
    rc = ST_OK;
done:
    st_progress_end(&prog);
    if (rc != ST_OK) st_error_set(err, rc, "out of memory while linking");
    st_map64_free(&ps);
    st_free(pdeg);
    st_free(rdeg);
    st_free(vstart);
    st_free(vitems);
    return rc;
}

uint32_t *rg_value_records(const st_rings *r, const uint32_t *vstart) {
    size_t n = r->recs.len, nv = r->values.len;
    const uint32_t *vals = r->vals.data;
    uint32_t *items = st_malloc((vstart[nv] + 1) * sizeof *items);
    uint32_t *fill = st_malloc((nv + 1) * sizeof *fill);
    if (!items || !fill) {
        st_free(items), st_free(fill);
        return NULL;
    }
    memcpy(fill, vstart, (nv + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        for (uint32_t k = 0; k < x->vcount; k++) {
            uint32_t v = RG_VAL_ID(vals[x->vstart + k]);
            if (vstart[v + 1] > vstart[v]) items[fill[v]++] = (uint32_t)i;
        }
    }
    st_free(fill);
    return items;
}
