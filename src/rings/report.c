/*
 * report.c - the result as JSON and as an analyst's brief.
 *
 * Design: evidence is not stored while linking (a million records make
 * tens of millions of candidate pairs); it is rebuilt here for the edges
 * inside reported rings only, strongest first, at most RG_MAX_EVIDENCE per
 * ring.  Invariant: every record appears exactly once in "records", in id
 * order; singletons carry "ring": null.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "rings/rings_int.h"

#define RG_MAX_EVIDENCE 60

typedef struct rg_evid {
    uint32_t a, b;
    int kind;           /* rg_kind, or -1 for "same_person" */
    double weight;
    char value[200];
} rg_evid;


static double round3(double x) { return floor(x * 1000.0 + 0.5) / 1000.0; }

/* Evidence items of one edge into out (up to max); returns the count. */
static size_t edge_evidence(const st_rings *r, const rg_edge *e, rg_evid *out, size_t max) {
    const rg_rec *a = &RG_AT(r->recs, rg_rec, e->a), *b = &RG_AT(r->recs, rg_rec, e->b);
    const uint32_t *va = (const uint32_t *)r->vals.data + a->vstart, *vb = (const uint32_t *)r->vals.data + b->vstart;
    size_t k = 0;
    uint32_t i = 0, j = 0;
    while (i < a->vcount && j < b->vcount && k < max) {
        uint32_t x = RG_VAL_ID(va[i]), y = RG_VAL_ID(vb[j]);
        if (x < y) { i++; continue; }
        if (x > y) { j++; continue; }
        const rg_value *v = &RG_AT(r->values, rg_value, x);
        double w = rg_value_weight(r, x);
        if (w > 0.0) {
            out[k].a = e->a;
            out[k].b = e->b;
            out[k].kind = v->kind;
            out[k].weight = w;
            snprintf(out[k].value, sizeof out[k].value, "%.*s", (int)(v->klen > 190 ? 190 : v->klen), v->text);
            k++;
        }
        i++;
        j++;
    }
    int dist;
    if (k < max && e->photo && rg_photo_near(r, a, b, &dist)) {
        out[k] = (rg_evid){e->a, e->b, RG_K_PHOTO, 1.0, ""};
        snprintf(out[k].value, sizeof out[k].value, "photo hashes %d of 256 bits apart", dist);
        k++;
    }
    if (k < max && e->resume && a->sig >= 0 && b->sig >= 0) {
        const uint32_t *s = r->sigs.data;
        double sim = rg_sig_similarity(s + (size_t)a->sig * RG_SIG, s + (size_t)b->sig * RG_SIG);
        out[k] = (rg_evid){e->a, e->b, RG_K_RESUME, 1.0, ""};
        snprintf(out[k].value, sizeof out[k].value, "résumés %.0f%% alike (MinHash)", sim * 100.0);
        k++;
    }
    if (k < max && e->person >= 3.0f) {
        out[k] = (rg_evid){e->a, e->b, -1, e->person / 10.0 > 1.0 ? 1.0 : e->person / 10.0, ""};
        snprintf(out[k].value, sizeof out[k].value, "name, birth date and address agree (score %.1f)", e->person);
        k++;
    }
    return k;
}

static int cmp_evid(const void *x, const void *y) {
    const rg_evid *a = x, *b = y;
    if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    return a->kind - b->kind;
}

/* Edges whose two ends lie in one cluster, grouped by cluster (CSR). */
static int ring_edges(const st_rings *r, uint32_t **start_out, uint32_t **items_out) {
    size_t nc = r->nclusters;
    uint32_t *start = st_calloc(nc + 2, sizeof *start), *items = NULL;
    if (!start) return ST_ENOMEM;
    for (size_t k = 0; k < r->edges.len; k++) {
        const rg_edge *e = &RG_AT(r->edges, rg_edge, k);
        uint32_t c = r->cluster[e->a];
        if (c != UINT32_MAX && c == r->cluster[e->b]) start[c + 1]++;
    }
    for (size_t c = 0; c < nc; c++) start[c + 1] += start[c];
    items = st_malloc((start[nc] + 1) * sizeof *items);
    uint32_t *fill = st_malloc((nc + 1) * sizeof *fill);
    if (!items || !fill) { st_free(start); st_free(items); st_free(fill); return ST_ENOMEM; }
    memcpy(fill, start, (nc + 1) * sizeof *fill);
    for (size_t k = 0; k < r->edges.len; k++) {
        const rg_edge *e = &RG_AT(r->edges, rg_edge, k);
        uint32_t c = r->cluster[e->a];
        if (c != UINT32_MAX && c == r->cluster[e->b]) items[fill[c]++] = (uint32_t)k;
    }
    st_free(fill);
    *start_out = start;
    *items_out = items;
    return ST_OK;
}

/* Evidence of ring c, strongest first; *out owned by the caller. */
static size_t ring_evidence(const st_rings *r, const uint32_t *es, const uint32_t *ei, size_t c, rg_evid **out) {
    size_t cap = 0, n = 0;
    rg_evid *v = NULL;
    for (uint32_t k = es[c]; k < es[c + 1]; k++) {
        if (n + 8 > cap) {
            size_t nc = cap ? cap * 2 : 32;
            rg_evid *nv = st_realloc(v, nc * sizeof *nv);
            if (!nv) break;
            v = nv;
            cap = nc;
        }
        n += edge_evidence(r, &RG_AT(r->edges, rg_edge, ei[k]), v + n, 8);
    }
    if (n) qsort(v, n, sizeof *v, cmp_evid);
    *out = v;
    return n;
}

static const char *signal_name(int kind) { return kind < 0 ? "same_person" : rg_kind_names[kind]; }

/* Ring-level indicators: how many members show each, and the structure. */
static json_t *ring_indicators_json(const st_rings *r, size_t c) {
    uint32_t cnt[RG_NIND] = {0};
    uint32_t lo = r->cl_start[c], hi = r->cl_start[c + 1];
    for (uint32_t m = lo; m < hi; m++) {
        uint32_t i = r->cl_members[m], seen = 0;
        for (uint32_t k = r->ind_start[i]; k < r->ind_start[i + 1]; k++) {
            int code = RG_AT(r->inds, rg_ind, k).code;
            if (!(seen & (1u << code))) cnt[code]++;
            seen |= 1u << code;
        }
    }
    json_t *a = json_array();
    if (!a) return NULL;
    char d[160];
    uint32_t p = r->personas[c];
    if (p >= 2) snprintf(d, sizeof d, "%u distinct personas share strong identifiers", p);
    else snprintf(d, sizeof d, "one person: %u records are duplicates of the same identity", hi - lo);
    json_array_append_new(a, json_pack("{s:s, s:s, s:i}", "indicator", p >= 2 ? "multiple_personas" : "same_person_duplicates",
                                       "detail", d, "records", (json_int_t)(hi - lo)));
    for (int t = 0; t < RG_NIND; t++) {
        if (!cnt[t]) continue;
        snprintf(d, sizeof d, "%u of %u records", cnt[t], hi - lo);
        json_array_append_new(a, json_pack("{s:s, s:s, s:i}", "indicator", rg_ind_names[t], "detail", d, "records",
                                           (json_int_t)cnt[t]));
    }
    return a;
}

/* A JSON string literal; control bytes escaped, UTF-8 passed through
 * (inputs are validated UTF-8 by the readers' JSON path or raw CSV text:
 * invalid bytes are replaced so the output always parses). */
static void put_str(FILE *f, const char *s) {
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') { fputc('\\', f); fputc(c, f); p++; }
        else if (c < 0x20) { fprintf(f, "\\u%04x", c); p++; }
        else if (c < 0x80) { fputc(c, f); p++; }
        else {
            int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
            int ok = n > 0;
            for (int i = 1; ok && i < n; i++) ok = (p[i] & 0xC0) == 0x80;
            if (ok) { fwrite(p, 1, (size_t)n, f); p += n; }
            else { fputs("\\ufffd", f); p++; }
        }
    }
    fputc('"', f);
}

static void put_json(FILE *f, json_t *j) {
    if (j) json_dumpf(j, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    else fputs("null", f);
    json_decref(j);
}

/* ---- operations and infrastructure ------------------------------------- */

/* What one join group's evidence was, as text. */
static void join_evidence_text(const st_rings *r, const rg_join *j, int g, char *out, size_t n) {
    uint32_t w = j->what[g];
    if ((j->kind[g] == RG_K_PHOTO || j->kind[g] == RG_K_RESUME) && (w & RG_JOIN_FAR)) {
        if (j->kind[g] == RG_K_PHOTO) snprintf(out, n, "photo hashes %u of 256 bits apart", w & ~RG_JOIN_FAR);
        else snprintf(out, n, "résumés %u%% alike (MinHash)", w & ~RG_JOIN_FAR);
        return;
    }
    if (j->kind[g] == RG_K_PHOTO || j->kind[g] == RG_K_RESUME) {
        const rg_edge *e = &RG_AT(r->edges, rg_edge, w);
        snprintf(out, n, "%s of %s and %s near-duplicates", j->kind[g] == RG_K_PHOTO ? "photos" : "résumés",
                 RG_AT(r->recs, rg_rec, e->a).id, RG_AT(r->recs, rg_rec, e->b).id);
        return;
    }
    const rg_value *v = &RG_AT(r->values, rg_value, w);
    snprintf(out, n, "%.*s (%s, %u records)", (int)(v->klen > 150 ? 150 : v->klen), v->text, rg_kind_names[v->kind], v->count);
}

static void put_join(const st_rings *r, FILE *f, const rg_join *j) {
    fputs("{\"parts\": [", f);
    put_str(f, RG_AT(r->recs, rg_rec, j->a).id);
    fputs(", ", f);
    put_str(f, RG_AT(r->recs, rg_rec, j->b).id);
    fprintf(f, "], \"bits\": %.2f, \"evidence\": [", j->score);
    int first = 1;
    for (int g = 0; g < RG_JG_N; g++) {
        if (j->bits[g] <= 0) continue;
        char t[240];
        join_evidence_text(r, j, g, t, sizeof t);
        fprintf(f, "%s{\"signal\": \"%s\", \"value\": ", first ? "" : ", ", rg_join_group_names[g]);
        put_str(f, t);
        fprintf(f, ", \"bits\": %.2f}", j->bits[g]);
        first = 0;
    }
    fputs("]}", f);
}

/* (cluster, item) pairs sorted by cluster: joins or infrastructure per ring. */
typedef struct ring_item {
    uint32_t c, item;
} ring_item;

static int cmp_ring_item(const void *x, const void *y) {
    const ring_item *a = x, *b = y;
    if (a->c != b->c) return a->c < b->c ? -1 : 1;
    return a->item < b->item ? -1 : a->item > b->item;
}

/* Joins (infra = 0) or infrastructure items (infra = 1) of every ring. */
static ring_item *ring_items(const st_rings *r, int infra, size_t *count) {
    size_t cap = 16, n = 0;
    ring_item *v = st_malloc(cap * sizeof *v);
    if (!v) return NULL;
    size_t len = infra ? r->infra.len : r->joins.len;
    for (size_t k = 0; k < len; k++) {
        uint32_t cs[8], nc = 0;
        if (!infra) {
            uint32_t c = r->cluster[RG_AT(r->joins, rg_join, k).a];
            if (c != UINT32_MAX) cs[nc++] = c;
        } else {
            const rg_infra *in = &RG_AT(r->infra, rg_infra, k);
            for (uint32_t h = 0; h < in->nrec && nc < 8; h++) {
                uint32_t c = r->cluster[r->infra_items[in->start + h]], seen = 0;
                for (uint32_t q = 0; q < nc; q++) seen |= cs[q] == c;
                if (c != UINT32_MAX && !seen) cs[nc++] = c;
            }
        }
        for (uint32_t q = 0; q < nc; q++) {
            if (n == cap) {
                ring_item *nv = st_realloc(v, 2 * cap * sizeof *nv);
                if (!nv) { st_free(v); return NULL; }
                v = nv;
                cap *= 2;
            }
            v[n++] = (ring_item){cs[q], (uint32_t)k};
        }
    }
    qsort(v, n, sizeof *v, cmp_ring_item);
    *count = n;
    return v;
}

/* First index of ring c in a sorted ring_item list. */
static size_t ring_items_at(const ring_item *v, size_t n, uint32_t c) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].c < c) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void put_infra(const st_rings *r, FILE *f, const rg_infra *in) {
    const rg_value *v = &RG_AT(r->values, rg_value, in->value);
    fprintf(f, "{\"signal\": \"%s\", \"value\": ", rg_kind_names[v->kind]);
    char t[200];
    snprintf(t, sizeof t, "%.*s", (int)(v->klen > 190 ? 190 : v->klen), v->text);
    put_str(f, t);
    fprintf(f, ", \"facilitator\": %s, \"records\": [", in->facilitator ? "true" : "false");
    for (uint32_t h = 0; h < in->nrec && h < 100; h++) {
        if (h) fputs(", ", f);
        put_str(f, RG_AT(r->recs, rg_rec, r->infra_items[in->start + h]).id);
    }
    fputs("], \"rings\": [", f);
    uint32_t seen[64], ns = 0;
    for (uint32_t h = 0; h < in->nrec; h++) {
        uint32_t c = r->cluster[r->infra_items[in->start + h]], dup = 0;
        if (c == UINT32_MAX) continue;
        for (uint32_t q = 0; q < ns; q++) dup |= seen[q] == c;
        if (dup || ns == 64) continue;
        if (ns) fputs(", ", f);
        seen[ns++] = c;
        put_str(f, r->ring_ids[c]);
    }
    fputs("]}", f);
}

size_t st_rings_high(const st_rings *r) {
    size_t high = 0;
    for (size_t i = 0; r->ran && i < r->recs.len; i++) high += r->rec_risk[i] >= 0.7;
    return high;
}

int st_rings_write_json(const st_rings *r, FILE *f) {
    if (!r->ran) return ST_EINVAL;
    size_t n = r->recs.len, nc = r->nclusters;
    uint32_t *es = NULL, *ei = NULL;
    if (ring_edges(r, &es, &ei) != ST_OK) return ST_ENOMEM;
    size_t high = 0, medium = 0, ring_high = 0, nji = 0, nii = 0;
    ring_item *ji = ring_items(r, 0, &nji), *ii = ring_items(r, 1, &nii);
    if (!ji || !ii) { st_free(ji); st_free(ii); st_free(es); st_free(ei); return ST_ENOMEM; }
    /* operations: rings of two or more personas, with the hubs they use */
    fputs("{\"operations\": [", f);
    size_t nops = 0;
    for (size_t c = 0; c < nc; c++) {
        if (r->personas[c] < 2) continue;
        fprintf(f, "%s\n  {\"ring\": ", nops++ ? "," : "");
        put_str(f, r->ring_ids[c]);
        fprintf(f, ", \"records\": %u, \"personas\": %u, \"risk\": %.3f, \"level\": \"%s\", \"joined_fragments\": ",
                r->cl_start[c + 1] - r->cl_start[c], r->personas[c], round3(r->ring_risk[c]), rg_level(r->ring_risk[c]));
        size_t a = ring_items_at(ji, nji, (uint32_t)c), b = a;
        while (b < nji && ji[b].c == c) b++;
        fprintf(f, "%zu, \"infrastructure\": [", b - a);
        a = ring_items_at(ii, nii, (uint32_t)c);
        for (b = a; b < nii && ii[b].c == c && b < a + 30; b++) {
            if (b > a) fputs(", ", f);
            put_infra(r, f, &RG_AT(r->infra, rg_infra, ii[b].item));
        }
        fputs("]}", f);
    }
    fputs(nops ? "\n ],\n \"infrastructure\": [" : "],\n \"infrastructure\": [", f);
    for (size_t k = 0; k < r->infra.len; k++) {
        fputs(k ? ",\n  " : "\n  ", f);
        put_infra(r, f, &RG_AT(r->infra, rg_infra, k));
    }
    fputs(r->infra.len ? "\n ],\n \"rings\": [" : "],\n \"rings\": [", f);
    for (size_t c = 0; c < nc; c++) {
        double risk = r->ring_risk[c];
        ring_high += risk >= 0.7;
        fputs(c ? ",\n  {\"ring\": " : "\n  {\"ring\": ", f);
        put_str(f, r->ring_ids[c]);
        fputs(", \"records\": [", f);
        for (uint32_t m = r->cl_start[c]; m < r->cl_start[c + 1]; m++) {
            if (m > r->cl_start[c]) fputs(", ", f);
            put_str(f, RG_AT(r->recs, rg_rec, r->cl_members[m]).id);
        }
        fprintf(f, "], \"risk\": %.3f, \"level\": \"%s\", \"evidence\": [", round3(risk), rg_level(risk));
        rg_evid *v = NULL;
        size_t nev = ring_evidence(r, es, ei, c, &v);
        for (size_t k = 0; k < nev && k < RG_MAX_EVIDENCE; k++) {
            fputs(k ? ", {\"records\": [" : "{\"records\": [", f);
            put_str(f, RG_AT(r->recs, rg_rec, v[k].a).id);
            fputs(", ", f);
            put_str(f, RG_AT(r->recs, rg_rec, v[k].b).id);
            fprintf(f, "], \"signal\": \"%s\", \"value\": ", signal_name(v[k].kind));
            put_str(f, v[k].value);
            fprintf(f, ", \"weight\": %.3f}", round3(v[k].weight));
        }
        st_free(v);
        fputs("], \"joins\": [", f);
        size_t ja = ring_items_at(ji, nji, (uint32_t)c);
        for (size_t jb = ja; jb < nji && ji[jb].c == c; jb++) {
            if (jb > ja) fputs(", ", f);
            put_join(r, f, &RG_AT(r->joins, rg_join, ji[jb].item));
        }
        fputs("], \"indicators\": ", f);
        put_json(f, ring_indicators_json(r, c));
        fputc('}', f);
    }
    fputs(nc ? "\n ],\n \"records\": [" : "],\n \"records\": [", f);
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        double risk = r->rec_risk[i];
        high += risk >= 0.7;
        medium += risk >= 0.4 && risk < 0.7;
        fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", f);
        put_str(f, x->id);
        fputs(", \"ring\": ", f);
        if (r->cluster[i] == UINT32_MAX) fputs("null", f);
        else put_str(f, r->ring_ids[r->cluster[i]]);
        fprintf(f, ", \"risk\": %.3f, \"level\": \"%s\", \"indicators\": [", round3(risk), rg_level(risk));
        for (uint32_t k = r->ind_start[i]; k < r->ind_start[i + 1]; k++) {
            const rg_ind *in = &RG_AT(r->inds, rg_ind, k);
            fprintf(f, "%s{\"indicator\": \"%s\", \"detail\": ", k > r->ind_start[i] ? ", " : "", rg_ind_names[in->code]);
            put_str(f, in->detail ? in->detail : "");
            fprintf(f, ", \"weight\": %.2f}", rg_ind_weight[in->code]);
        }
        fputs("]}", f);
    }
    fprintf(f, "%s],\n \"summary\": {\"records\": %zu, \"rejected_rows\": %zu, \"rings\": %zu, \"rings_high\": %zu, "
               "\"records_high\": %zu, \"records_medium\": %zu, \"sanctions\": ",
            n ? "\n " : "", n, r->rejected, nc, ring_high, high, medium);
    put_str(f, r->sanctions_note);
    fputs(", \"hub_cutoffs\": {", f);
    for (int k = 0; k < RG_STRONG_KINDS + 4; k++) fprintf(f, "%s\"%s\": %.3f", k ? ", " : "", rg_kind_names[k], round3(r->hub[k]));
    size_t nfac = 0;
    for (size_t k = 0; k < r->infra.len; k++) nfac += RG_AT(r->infra, rg_infra, k).facilitator;
    fprintf(f, "}, \"operations\": %zu, \"joins\": %zu, \"infrastructure\": %zu, \"facilitators\": %zu}}\n", nops,
            r->joins.len, r->infra.len, nfac);
    st_free(ji);
    st_free(ii);
    st_free(es);
    st_free(ei);
    return ferror(f) ? ST_EIO : ST_OK;
}

json_t *st_rings_result(const st_rings *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    int rc = st_rings_write_json(r, f);
    if (fclose(f) != 0) rc = ST_EIO;
    json_t *j = NULL;
    if (rc == ST_OK) j = json_loadb(buf, len, 0, NULL);
    free(buf);
    return j;
}

/* ---- the brief ------------------------------------------------------------ */

static int cmp_ring_risk(const void *x, const void *y, void *ctx) {
    const st_rings *r = ctx;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    if (r->ring_risk[a] != r->ring_risk[b]) return r->ring_risk[a] > r->ring_risk[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

int st_rings_write_table(const st_rings *r, FILE *f) {
    size_t n = r->recs.len, nc = r->nclusters;
    uint32_t *order = st_malloc((nc + 1) * sizeof *order), *es = NULL, *ei = NULL;
    if (!order || ring_edges(r, &es, &ei) != ST_OK) { st_free(order); return ST_ENOMEM; }
    for (size_t c = 0; c < nc; c++) order[c] = (uint32_t)c;
    qsort_r(order, nc, sizeof *order, cmp_ring_risk, (void *)r);
    size_t high = 0, in_rings = 0;
    for (size_t i = 0; i < n; i++) {
        high += r->rec_risk[i] >= 0.7;
        in_rings += r->cluster[i] != UINT32_MAX;
    }
    fprintf(f, "IDENTITY RINGS - %zu applicant records, %zu rings holding %zu records, %zu records at high risk\n", n, nc,
            in_rings, high);
    if (r->rejected) fprintf(f, "%zu malformed rows were skipped (listed on stderr).\n", r->rejected);
    fprintf(f, "Sanctions screening: %s.\n\n", r->sanctions_note);
    /* the brief leads with operations and the infrastructure they run on */
    size_t nji = 0, nii = 0, nops = 0;
    ring_item *ji = ring_items(r, 0, &nji), *ii = ring_items(r, 1, &nii);
    if (!ji || !ii) { st_free(ji); st_free(ii); st_free(order); st_free(es); st_free(ei); return ST_ENOMEM; }
    for (size_t o = 0; o < nc; o++) nops += r->personas[order[o]] >= 2;
    fprintf(f, "OPERATIONS - %zu rings of two or more personas, %zu joined from fragments\n", nops, r->joins.len);
    size_t listed = 0;
    for (size_t o = 0; o < nc && listed < 50; o++) {
        size_t c = order[o];
        if (r->personas[c] < 2) continue;
        listed++;
        size_t a = ring_items_at(ji, nji, (uint32_t)c), b = a;
        while (b < nji && ji[b].c == c) b++;
        fprintf(f, "  %s  %s %.2f  %u records, %u personas%s", r->ring_ids[c], rg_level(r->ring_risk[c]), r->ring_risk[c],
                r->cl_start[c + 1] - r->cl_start[c], r->personas[c], b > a ? "" : "\n");
        if (b > a) fprintf(f, ", %zu fragments joined\n", b - a);
        a = ring_items_at(ii, nii, (uint32_t)c);
        for (b = a; b < nii && ii[b].c == c && b < a + 5; b++) {
            const rg_infra *in = &RG_AT(r->infra, rg_infra, ii[b].item);
            const rg_value *v = &RG_AT(r->values, rg_value, in->value);
            fprintf(f, "      runs on %s %.*s (%u records%s)\n", rg_kind_names[v->kind], (int)(v->klen > 80 ? 80 : v->klen), v->text,
                    in->nrec, in->facilitator ? ", FACILITATOR serving other rings too" : "");
        }
    }
    if (nops > listed) fprintf(f, "  ... and %zu more operations\n", nops - listed);
    size_t nfac = 0;
    for (size_t k = 0; k < r->infra.len; k++) nfac += RG_AT(r->infra, rg_infra, k).facilitator;
    fprintf(f, "\nINFRASTRUCTURE - %zu hubs used by several personas, %zu facilitators serving two or more rings\n", r->infra.len, nfac);
    for (size_t k = 0; k < r->infra.len && k < 30; k++) {
        const rg_infra *in = &RG_AT(r->infra, rg_infra, k);
        const rg_value *v = &RG_AT(r->values, rg_value, in->value);
        fprintf(f, "  %s%s %.*s: %u records in %u rings:", in->facilitator ? "FACILITATOR " : "", rg_kind_names[v->kind],
                (int)(v->klen > 80 ? 80 : v->klen), v->text, in->nrec, in->nrings);
        for (uint32_t h = 0; h < in->nrec && h < 12; h++) fprintf(f, " %s", RG_AT(r->recs, rg_rec, r->infra_items[in->start + h]).id);
        fputs(in->nrec > 12 ? " ...\n" : "\n", f);
    }
    if (r->infra.len > 30) fprintf(f, "  ... and %zu more\n", r->infra.len - 30);
    fputs("\nRINGS IN DETAIL\n\n", f);
    st_free(ji);
    st_free(ii);
    size_t shown = 0;
    for (size_t o = 0; o < nc; o++) {
        size_t c = order[o];
        double risk = r->ring_risk[c];
        uint32_t lo = r->cl_start[c], hi = r->cl_start[c + 1];
        if (risk < 0.4 && shown >= 20) continue; /* low rings: the first twenty are enough for a brief */
        shown++;
        uint32_t p = r->personas[c];
        if (p >= 2) fprintf(f, "RING %s  %s risk %.2f  %u records, %u personas\n", r->ring_ids[c], rg_level(risk), risk, hi - lo, p);
        else fprintf(f, "RING %s  %s risk %.2f  %u records, one person (duplicates)\n", r->ring_ids[c], rg_level(risk), risk, hi - lo);
        if (p >= 2) {
            uint32_t kinds = r->ring_kinds ? r->ring_kinds[c] : 0;
            char what[160] = "";
            size_t wl = 0;
            for (int k = 0; k < RG_STRONG_KINDS; k++)
                if (kinds & (1u << k)) wl += (size_t)snprintf(what + wl, sizeof what - wl, "%s%s", wl ? ", " : "", rg_kind_names[k]);
            if (__builtin_popcount(kinds) >= 2)
                fprintf(f, "  %u different personas share %s: the pattern of one operation.\n", p, what);
            else
                fprintf(f, "  %u different personas share one kind of identifier (%s): also fits a household, an agency or an office.\n",
                        p, wl ? what : "supporting values only");
        }
        fprintf(f, "  Members:\n");
        for (uint32_t m = lo; m < hi && m < lo + 25; m++) {
            uint32_t i = r->cl_members[m];
            const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
            fprintf(f, "    %-16s %-28s %s", x->id, x->name[0] ? x->name : "(no name)", x->country);
            uint32_t k0 = r->ind_start[i], k1 = r->ind_start[i + 1];
            if (k1 > k0) fputs("  [", f);
            for (uint32_t k = k0; k < k1; k++)
                fprintf(f, "%s%s", k > k0 ? ", " : "", rg_ind_names[RG_AT(r->inds, rg_ind, k).code]);
            fputs(k1 > k0 ? "]\n" : "\n", f);
        }
        if (hi - lo > 25) fprintf(f, "    ... and %u more\n", hi - lo - 25);
        rg_evid *v = NULL;
        size_t nev = ring_evidence(r, es, ei, c, &v);
        fprintf(f, "  Why they are linked:\n");
        for (size_t k = 0; k < nev && k < 8; k++)
            fprintf(f, "    %s and %s share %s: %s (weight %.2f)\n", RG_AT(r->recs, rg_rec, v[k].a).id,
                    RG_AT(r->recs, rg_rec, v[k].b).id, signal_name(v[k].kind), v[k].value, v[k].weight);
        if (nev > 8) fprintf(f, "    ... %zu more links\n", nev - 8);
        st_free(v);
        int any = 0;
        for (uint32_t m = lo; m < hi; m++) {
            uint32_t i = r->cl_members[m];
            for (uint32_t k = r->ind_start[i]; k < r->ind_start[i + 1]; k++) {
                if (!any) fprintf(f, "  Advisory indicators:\n");
                any = 1;
                const rg_ind *in = &RG_AT(r->inds, rg_ind, k);
                fprintf(f, "    %s: %s%s%s\n", RG_AT(r->recs, rg_rec, i).id, rg_ind_names[in->code],
                        in->detail && in->detail[0] ? " - " : "", in->detail ? in->detail : "");
            }
        }
        fputc('\n', f);
    }
    size_t lone = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->cluster[i] != UINT32_MAX || r->rec_own[i] < 0.4) continue;
        if (!lone++) fprintf(f, "SINGLE RECORDS WITH INDICATORS (medium or high)\n");
        if (lone > 50) continue;
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        fprintf(f, "  %-16s %-28s %s %.2f:", x->id, x->name, rg_level(r->rec_own[i]), r->rec_own[i]);
        for (uint32_t k = r->ind_start[i]; k < r->ind_start[i + 1]; k++)
            fprintf(f, " %s", rg_ind_names[RG_AT(r->inds, rg_ind, k).code]);
        fputc('\n', f);
    }
    if (lone > 50) fprintf(f, "  ... and %zu more\n", lone - 50);
    st_free(order);
    st_free(es);
    st_free(ei);
    return ferror(f) ? ST_EIO : ST_OK;
}
