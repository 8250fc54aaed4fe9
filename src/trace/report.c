/*
 * report.c - what a front end prints from a trace, an exposure, a
 * clustering or a why-chain: services summed per label, exposure per
 * category, the JSON documents of `trace`, `exposure`, `chain cluster`
 * and `chain why`, and the Graphviz drawing of a trace.
 *
 * Design: the CLI (and any other program) only chooses a format and
 * prints; every figure is computed here, once.  Grouping is done by
 * sorting index arrays (key, first position) and reading groups off in
 * one pass, so a trace that reaches thousands of services or draws two
 * thousand frontier outputs stays O(n log n).  Invariant: output order is
 * a pure function of the result (ties broken by position in the result,
 * never by qsort's whims), so the same trace prints the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/trace.h"

/* ---- JSON pieces -------------------------------------------------------- */

static json_t *jtxid(const st_chain_cols *k, uint64_t t) {
    char hx[65];
    st_chain_hash_hex(k->tx_hash[t], hx);
    return json_string(hx);
}

static json_t *jaddr(const st_chain *c, uint64_t a) {
    if (a == ST_CHAIN_NONE) return json_null();
    char t[128];
    st_chain_addr_text(c, a, t, sizeof t);
    return json_string(t);
}

static json_t *jtag(const st_tag *t) {
    return json_pack("{s:s, s:s, s:s, s:s}", "label", t->label, "category", t->category, "source",
                     t->source, "pack", t->pack);
}

/* Attach v to o under key; a NULL v (out of memory) poisons the document. */
static int put(json_t *o, const char *key, json_t *v) {
    return v && !json_object_set_new(o, key, v) ? 0 : -1;
}

static int append(json_t *a, json_t *v) { return v && !json_array_append_new(a, v) ? 0 : -1; }

/* ---- frontier order ----------------------------------------------------- */

static int hit_cmp(const void *x, const void *y) {
    const st_trace_hit *a = x, *b = y;
    if (a->tainted != b->tainted) return a->tainted > b->tainted ? -1 : 1;
    return a->out < b->out ? -1 : a->out > b->out;
}

void st_trace_sort_frontier(st_trace_result *r) {
    if (r->nfrontier > 1) qsort(r->frontier, r->nfrontier, sizeof *r->frontier, hit_cmp);
}

static int frontier_sorted(const st_trace_result *r) {
    for (size_t i = 1; i < r->nfrontier; i++)
        if (hit_cmp(&r->frontier[i - 1], &r->frontier[i]) > 0) return 0;
    return 1;
}

/* ---- grouping by label -------------------------------------------------- */

/* Index i of hits[] with its label; sorted by label, then position. */
typedef struct lab_ix {
    const char *label;
    size_t i;
} lab_ix;

static int lab_cmp(const void *x, const void *y) {
    const lab_ix *a = x, *b = y;
    int c = strcmp(a->label, b->label);
    if (c) return c;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* A service and where its label first appeared, for a stable order. */
typedef struct svc_pos {
    st_trace_service s;
    size_t first;
} svc_pos;

static int svc_pos_cmp(const void *x, const void *y) {
    const svc_pos *a = x, *b = y;
    if (a->s.amount != b->s.amount) return a->s.amount > b->s.amount ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

int st_trace_services(const st_trace_result *r, st_trace_service **out, size_t *n) {
    *out = NULL;
    *n = 0;
    size_t m = r->ntagged;
    lab_ix *ix = st_malloc((m ? m : 1) * sizeof *ix);
    svc_pos *sp = st_malloc((m ? m : 1) * sizeof *sp);
    st_trace_service *res = st_malloc((m ? m : 1) * sizeof *res);
    if (!ix || !sp || !res) {
        st_free(ix);
        st_free(sp);
        st_free(res);
        return ST_ENOMEM;
    }
    for (size_t i = 0; i < m; i++) ix[i] = (lab_ix){r->tagged[i].tag->label, i};
    if (m > 1) qsort(ix, m, sizeof *ix, lab_cmp);
    size_t ng = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        svc_pos *g = &sp[ng++];
        g->first = ix[i].i; /* the smallest position of the label */
        g->s = (st_trace_service){r->tagged[ix[i].i].tag, 0, 0, UINT32_MAX};
        for (; j < m && !strcmp(ix[j].label, ix[i].label); j++) {
            const st_trace_hit *h = &r->tagged[ix[j].i];
            g->s.amount += h->tainted;
            g->s.outputs++;
            if (h->hops < g->s.min_hops) g->s.min_hops = h->hops;
        }
        i = j;
    }
    if (ng > 1) qsort(sp, ng, sizeof *sp, svc_pos_cmp);
    for (size_t i = 0; i < ng; i++) res[i] = sp[i].s;
    st_free(ix);
    st_free(sp);
    *out = res;
    *n = ng;
    return ST_OK;
}

/* ---- trace JSON --------------------------------------------------------- */

static json_t *hit_json(const st_chain *c, const st_chain_cols *k, const st_trace_hit *h, int full) {
    uint64_t t = st_chain_out_tx(c, h->out);
    json_t *o = json_object();
    if (!o) return NULL;
    int bad = put(o, "txid", jtxid(k, t)) | put(o, "vout", json_integer((json_int_t)(h->out - k->tx_first_out[t]))) |
              put(o, "address", jaddr(c, k->out_addr[h->out])) | put(o, "value", json_integer(k->out_value[h->out]));
    if (full) {
        bad |= put(o, "tainted", json_integer(h->tainted)) | put(o, "hops", json_integer(h->hops)) |
               put(o, "stop", json_string(st_stop_name(h->stop)));
        if (h->tag) bad |= put(o, "service", jtag(h->tag));
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *services_json(const st_trace_result *r) {
    st_trace_service *sv;
    size_t n;
    if (st_trace_services(r, &sv, &n)) return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = jtag(sv[i].tag);
        int bad = !o;
        bad |= put(o, "amount", json_integer(sv[i].amount)) | put(o, "outputs", json_integer((json_int_t)sv[i].outputs)) |
               put(o, "min_hops", json_integer(sv[i].min_hops));
        if (bad) json_decref(o);
        if (bad || append(arr, o)) { /* append took o */
            json_decref(arr);
            arr = NULL;
        }
    }
    st_free(sv);
    return arr;
}

int st_trace_json(const st_chain *c, const st_trace_result *r, const uint64_t *src, size_t nsrc,
                  st_taint_model model, size_t limit, json_t **out) {
    *out = NULL;
    if (!frontier_sorted(r)) return ST_EINVAL;
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    json_t *j = json_object(), *sources = json_array(), *tot = json_object(), *stops = json_object(),
           *fr = json_array();
    int bad = !j || !sources || !tot || !stops || !fr;
    bad |= put(j, "model", json_string(st_taint_model_name(model)));
    for (size_t i = 0; !bad && i < nsrc && i < limit; i++) {
        st_trace_hit h = {src[i], k.out_value[src[i]], 0, ST_STOP_UNSPENT, NULL};
        bad |= append(sources, hit_json(c, &k, &h, 0));
    }
    bad |= put(j, "sources", sources);
    sources = NULL;
    bad |= put(j, "source_outputs", json_integer((json_int_t)nsrc));
    bad |= put(tot, "source_value", json_integer(r->source_value)) |
           put(tot, "frontier_value", json_integer(r->frontier_value)) |
           put(tot, "fee_left", json_integer(r->fee_left)) |
           put(tot, "fee_to_coinbase", json_integer(r->fee_to_coinbase)) |
           put(tot, "fee_unclaimed", json_integer(r->fee_unclaimed)) |
           put(tot, "rounding_loss", json_integer(r->rounding_loss)) |
           put(tot, "frontier_outputs", json_integer((json_int_t)r->nfrontier)) |
           put(tot, "transactions", json_integer((json_int_t)r->txs)) |
           put(tot, "max_hops", json_integer(r->max_hops_seen));
    bad |= put(j, "totals", tot);
    tot = NULL;
    uint64_t nstop[ST_STOP_LIMIT + 1] = {0};
    for (size_t i = 0; i < r->nfrontier; i++)
        if ((unsigned)r->frontier[i].stop <= ST_STOP_LIMIT) nstop[r->frontier[i].stop]++;
    for (int s = 0; s <= ST_STOP_LIMIT; s++)
        bad |= put(stops, st_stop_name((st_stop)s), json_integer((json_int_t)nstop[s]));
    bad |= put(j, "stops", stops);
    stops = NULL;
    bad |= put(j, "services", services_json(r));
    for (size_t i = 0; !bad && i < r->nfrontier && i < limit; i++) bad |= append(fr, hit_json(c, &k, &r->frontier[i], 1));
    bad |= put(j, "frontier", fr);
    fr = NULL;
    bad |= put(j, "frontier_truncated", json_integer((json_int_t)(r->nfrontier > limit ? r->nfrontier - limit : 0)));
    bad |= put(j, "cut", json_boolean(r->cut));
    if (r->cut)
        bad |= put(j, "cut_reason", json_string("--max-txs reached: outputs marked 'limit' were not followed"));
    if (bad) {
        json_decref(j); /* put() took sources/tot/stops/fr even when it failed */
        return ST_ENOMEM;
    }
    *out = j;
    return ST_OK;
}

/* ---- Graphviz ----------------------------------------------------------- */

/* A real trace touches thousands of transactions, so the picture keeps
 * the DOT_MAX_TXS transactions that carried the most taint; everything
 * else is one "further transactions" node.  Services reached are one node
 * each (amounts summed), and the unspent tail of each drawn transaction
 * one node, so a fan-out to thousands of fresh addresses draws as a
 * single box. */
#define DOT_MAX_TXS 40
#define DOT_MAX_FRONTIER 2000

typedef struct dot_tx {
    uint64_t tx;
    int64_t in; /* taint received */
} dot_tx;

static int dtx_by_in(const void *x, const void *y) {
    const dot_tx *a = x, *b = y;
    if (a->in != b->in) return a->in > b->in ? -1 : 1;
    return a->tx < b->tx ? -1 : a->tx > b->tx;
}

typedef struct dot_edge {
    char a[40], b[40];
    int64_t v;
} dot_edge;

static int edge_cmp(const void *x, const void *y) {
    const dot_edge *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    return c ? c : strcmp(p->b, q->b);
}

/* Position among the drawn transactions (at most DOT_MAX_TXS), or -1. */
static int drawn_index(const dot_tx *d, size_t n, uint64_t tx) {
    for (size_t i = 0; i < n; i++)
        if (d[i].tx == tx) return (int)i;
    return -1;
}

static int u64_cmp(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static int is_source(const uint64_t *sorted, size_t n, uint64_t out) {
    return n && bsearch(&out, sorted, n, sizeof *sorted, u64_cmp) != NULL;
}

/* A source transaction: its id and the first position among the sources. */
typedef struct src_tx {
    uint64_t tx;
    size_t i;
} src_tx;

static int src_tx_cmp(const void *x, const void *y) {
    const src_tx *a = x, *b = y;
    if (a->tx != b->tx) return a->tx < b->tx ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* One frontier output's group for the drawing: outputs of one group draw as
 * one edge (services: per label and origin; the rest: per origin). */
typedef struct fr_key {
    size_t label;   /* services: first frontier position of the label; else SIZE_MAX */
    int from_src;   /* the output is a source itself */
    uint64_t origin; /* source / drawn tx, or ST_CHAIN_NONE for the cloud */
    size_t i;       /* frontier position */
} fr_key;

static int fr_key_cmp(const void *x, const void *y) {
    const fr_key *a = x, *b = y;
    if (a->label != b->label) return a->label < b->label ? -1 : 1;
    if (a->from_src != b->from_src) return a->from_src < b->from_src ? -1 : 1;
    if (a->origin != b->origin) return a->origin < b->origin ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static int fr_same(const fr_key *a, const fr_key *b) {
    return a->label == b->label && a->from_src == b->from_src && a->origin == b->origin;
}

/* Per frontier position: first member of its group, the group's sum and size. */
typedef struct fr_group {
    size_t first, k;
    int64_t v;
} fr_group;

/* What the drawing's stages share. */
typedef struct dot_ctx {
    FILE *f;
    const st_chain *c;
    st_chain_cols k;
    const st_trace_result *r;
    const uint64_t *src;
    size_t nsrc;
    uint64_t *srt;    /* the sources sorted, for is_source */
    dot_tx *d;        /* receiving transactions, most taint first */
    size_t n, nd;     /* receivers, and how many are drawn */
    size_t nf;        /* frontier outputs drawn (largest first) */
    size_t *svc_of;   /* per frontier position: first position with its label (tagged), else SIZE_MAX */
    int64_t *lab_v;   /* at a label's first position: its taint */
    size_t *lab_k;    /* ... and its outputs */
    fr_key *fk;
    fr_group *fg;
} dot_ctx;

/* Taint received per tx, from the flows.  Flows come grouped by receiving
 * tx except the fee flows to a block's coinbase, which interleave with the
 * block's transactions: the last few receivers are searched, and a
 * coinbase further back starts a second entry. */
static void dot_receivers(dot_ctx *x) {
    const st_trace_result *r = x->r;
    size_t n = 0;
    for (size_t i = 0; i < r->nflows; i++) {
        int at = -1;
        for (size_t j = n; j-- > 0 && j + 8 >= n;)
            if (x->d[j].tx == r->flows[i].to_tx) {
                at = (int)j;
                break;
            }
        if (at < 0) x->d[n].tx = r->flows[i].to_tx, x->d[n].in = 0, at = (int)n++;
        x->d[at].in += r->flows[i].tainted;
    }
    qsort(x->d, n, sizeof *x->d, dtx_by_in);
    x->n = n;
    x->nd = n < DOT_MAX_TXS ? n : DOT_MAX_TXS;
}

/* Sources, one node per source transaction, in order of first mention. */
static int dot_sources(dot_ctx *x) {
    size_t nsrc = x->nsrc;
    src_tx *st = st_malloc((nsrc + 1) * sizeof *st);
    int64_t *sv = st_malloc((nsrc + 1) * sizeof *sv);
    size_t *sk = st_malloc((nsrc + 1) * sizeof *sk);
    size_t *first = st_calloc(nsrc + 1, sizeof *first);
    int rc = ST_ENOMEM;
    if (!st || !sv || !sk || !first) goto out;
    for (size_t i = 0; i < nsrc; i++) st[i] = (src_tx){st_chain_out_tx(x->c, x->src[i]), i};
    if (nsrc > 1) qsort(st, nsrc, sizeof *st, src_tx_cmp);
    /* first[p] = 1 when source position p is the first of its tx; its sums in sv/sk */
    for (size_t i = 0; i < nsrc;) {
        size_t j = i;
        int64_t v = 0;
        size_t cnt = 0;
        for (; j < nsrc && st[j].tx == st[i].tx; j++) v += x->k.out_value[x->src[st[j].i]], cnt++;
        size_t p = st[i].i; /* smallest position: ties sorted by position */
        first[p] = 1;
        sv[p] = v;
        sk[p] = cnt;
        i = j;
    }
    char hx[65];
    for (size_t p = 0; p < nsrc; p++) {
        if (!first[p]) continue;
        uint64_t t = st_chain_out_tx(x->c, x->src[p]);
        st_chain_hash_hex(x->k.tx_hash[t], hx);
        fprintf(x->f, "  s%llu [shape=box,style=\"filled,bold\",fillcolor=\"#f08080\",label=\"SOURCE tx %.10s…\\n%zu output(s), %lld sat\"];\n",
                (unsigned long long)t, hx, sk[p], (long long)sv[p]);
    }
    rc = ST_OK;
out:
    st_free(st);
    st_free(sv);
    st_free(sk);
    st_free(first);
    return rc;
}

/* The drawn transactions, the cloud of the rest, and tx -> tx edges summed
 * per pair (sources and the cloud included). */
static int dot_transactions(dot_ctx *x) {
    const st_trace_result *r = x->r;
    char hx[65];
    for (size_t i = 0; i < x->nd; i++) {
        st_chain_hash_hex(x->k.tx_hash[x->d[i].tx], hx);
        fprintf(x->f, "  t%llu [shape=ellipse,label=\"tx %.10s…\\nheight %lld\"];\n", (unsigned long long)x->d[i].tx,
                hx, (long long)st_chain_block_height(x->c, x->k.tx_block[x->d[i].tx]));
    }
    if (x->n > x->nd)
        fprintf(x->f, "  cloud [shape=box,style=\"dashed,rounded\",label=\"%zu further transactions\\n(not drawn)\"];\n",
                x->n - x->nd);
    dot_edge *ed = st_malloc((r->nflows + 1) * sizeof *ed);
    if (!ed) return ST_ENOMEM;
    size_t ne = 0;
    for (size_t i = 0; i < r->nflows; i++) {
        const st_trace_flow *fl = &r->flows[i];
        int a = drawn_index(x->d, x->nd, fl->from_tx), b = drawn_index(x->d, x->nd, fl->to_tx);
        int from_src = is_source(x->srt, x->nsrc, fl->out);
        if (b < 0 && (a < 0 && !from_src)) continue; /* inside the cloud */
        dot_edge *e = &ed[ne++];
        if (from_src) snprintf(e->a, sizeof e->a, "s%llu", (unsigned long long)fl->from_tx);
        else if (a >= 0) snprintf(e->a, sizeof e->a, "t%llu", (unsigned long long)fl->from_tx);
        else snprintf(e->a, sizeof e->a, "cloud");
        if (b >= 0) snprintf(e->b, sizeof e->b, "t%llu", (unsigned long long)fl->to_tx);
        else snprintf(e->b, sizeof e->b, "cloud");
        e->v = fl->tainted;
    }
    if (ne) qsort(ed, ne, sizeof *ed, edge_cmp);
    for (size_t i = 0; i < ne;) {
        size_t j = i + 1;
        int64_t v = ed[i].v;
        while (j < ne && !edge_cmp(&ed[i], &ed[j])) v += ed[j++].v;
        if (j - i > 1)
            fprintf(x->f, "  %s -> %s [penwidth=1.5,label=\"%zu outputs\\n%lld\"];\n", ed[i].a, ed[i].b, j - i, (long long)v);
        else fprintf(x->f, "  %s -> %s [label=\"%lld\"];\n", ed[i].a, ed[i].b, (long long)v);
        i = j;
    }
    st_free(ed);
    return ST_OK;
}

/* svc_of, lab_v, lab_k: each tagged frontier output's label, summed. */
static int dot_labels(dot_ctx *x) {
    const st_trace_result *r = x->r;
    lab_ix *lx = st_malloc((x->nf + 1) * sizeof *lx);
    if (!lx) return ST_ENOMEM;
    size_t nl = 0;
    for (size_t i = 0; i < x->nf; i++)
        if (r->frontier[i].tag) lx[nl++] = (lab_ix){r->frontier[i].tag->label, i};
    if (nl > 1) qsort(lx, nl, sizeof *lx, lab_cmp);
    for (size_t i = 0; i < x->nf; i++) x->svc_of[i] = SIZE_MAX;
    for (size_t i = 0; i < nl;) {
        size_t j = i, at = lx[i].i;
        x->lab_v[at] = 0;
        x->lab_k[at] = 0;
        for (; j < nl && !strcmp(lx[j].label, lx[i].label); j++) {
            x->svc_of[lx[j].i] = at;
            x->lab_v[at] += r->frontier[lx[j].i].tainted;
            x->lab_k[at]++;
        }
        i = j;
    }
    st_free(lx);
    return ST_OK;
}

/* fg: every frontier output's group (label or none, origin) with its sum. */
static void dot_groups(dot_ctx *x) {
    const st_trace_result *r = x->r;
    size_t nf = x->nf;
    for (size_t i = 0; i < nf; i++) {
        const st_trace_hit *h = &r->frontier[i];
        uint64_t t = st_chain_out_tx(x->c, h->out);
        int from_src = is_source(x->srt, x->nsrc, h->out);
        uint64_t origin = from_src || drawn_index(x->d, x->nd, t) >= 0 ? t : ST_CHAIN_NONE;
        x->fk[i] = (fr_key){x->svc_of[i], from_src, origin, i};
    }
    if (nf > 1) qsort(x->fk, nf, sizeof *x->fk, fr_key_cmp);
    for (size_t i = 0; i < nf;) {
        size_t j = i;
        int64_t v = 0;
        for (; j < nf && fr_same(&x->fk[i], &x->fk[j]); j++) v += r->frontier[x->fk[j].i].tainted;
        for (size_t q = i; q < j; q++) x->fg[x->fk[q].i] = (fr_group){x->fk[i].i, j - i, v};
        i = j;
    }
}

/* The frontier: one node per service label, then one edge per group of
 * outputs (services first), the unspent ones as boxes. */
static void dot_frontier(dot_ctx *x) {
    const st_trace_result *r = x->r;
    FILE *f = x->f;
    char ad[128];
    for (size_t i = 0; i < x->nf; i++) {
        const st_trace_hit *h = &r->frontier[i];
        if (!h->tag || x->svc_of[i] != i) continue;
        fprintf(f, "  svc%zu [shape=box,style=\"filled,bold\",fillcolor=\"%s\",label=\"%s (%s)\\n%lld sat in %zu output(s)\"];\n", i,
                !strcmp(h->tag->category, "exchange") ? "#9ec5f0" : "#f0d29e", h->tag->label, h->tag->category,
                (long long)x->lab_v[i], x->lab_k[i]);
    }
    for (int pass = 0; pass < 2; pass++) /* 0: services, 1: the rest */
        for (size_t i = 0; i < x->nf; i++) {
            const st_trace_hit *h = &r->frontier[i];
            if ((pass == 0) != (h->tag != NULL)) continue;
            if (x->fg[i].first != i) continue; /* the group's first output prints the summed edge */
            uint64_t t = st_chain_out_tx(x->c, h->out);
            char origin[40];
            if (is_source(x->srt, x->nsrc, h->out)) snprintf(origin, sizeof origin, "s%llu", (unsigned long long)t);
            else if (drawn_index(x->d, x->nd, t) >= 0) snprintf(origin, sizeof origin, "t%llu", (unsigned long long)t);
            else snprintf(origin, sizeof origin, "cloud");
            int64_t v = x->fg[i].v;
            size_t cnt = x->fg[i].k;
            if (h->tag) {
                fprintf(f, "  %s -> svc%zu [penwidth=2,label=\"%lld\"];\n", origin, x->svc_of[i], (long long)v);
                continue;
            }
            st_chain_addr_text(x->c, x->k.out_addr[h->out], ad, sizeof ad);
            fprintf(f, "  u%zu [shape=box,style=filled,fillcolor=\"#e8e8e8\",label=\"%s\\n%lld sat (%s)\"];\n", i,
                    cnt == 1 ? ad : "", (long long)v, cnt == 1 ? st_stop_name(h->stop) : "");
            if (cnt > 1) fprintf(f, "  u%zu [label=\"%zu outputs not passed on\\n%lld sat\"];\n", i, cnt, (long long)v);
            fprintf(f, "  %s -> u%zu [label=\"%lld\"];\n", origin, i, (long long)v);
        }
}

int st_trace_write_dot(FILE *f, const st_chain *c, const st_trace_result *r, const uint64_t *src,
                       size_t nsrc, st_taint_model model) {
    if (!frontier_sorted(r)) return ST_EINVAL;
    dot_ctx x;
    memset(&x, 0, sizeof x);
    x.f = f;
    x.c = c;
    x.r = r;
    x.src = src;
    x.nsrc = nsrc;
    st_chain_get_cols(c, &x.k);
    int rc = ST_ENOMEM;
    fprintf(f, "digraph trace {\n  rankdir=LR; ranksep=0.6; nodesep=0.15;\n"
               "  node [fontname=\"Helvetica\",fontsize=10];\n  edge [fontname=\"Helvetica\",fontsize=8];\n");
    fprintf(f, "  labelloc=t; label=\"sanctrace trace (%s): %lld sat from %zu source output(s) through %llu "
               "transactions to %zu frontier outputs\";\n",
            st_taint_model_name(model), (long long)r->source_value, nsrc, (unsigned long long)r->txs, r->nfrontier);
    size_t nf = x.nf = r->nfrontier < DOT_MAX_FRONTIER ? r->nfrontier : DOT_MAX_FRONTIER; /* largest first */
    x.d = st_malloc((r->nflows + nsrc + 1) * sizeof *x.d);
    x.srt = st_malloc((nsrc + 1) * sizeof *x.srt);
    x.fk = st_malloc((nf + 1) * sizeof *x.fk);
    x.fg = st_malloc((nf + 1) * sizeof *x.fg);
    x.svc_of = st_malloc((nf + 1) * sizeof *x.svc_of);
    x.lab_v = st_malloc((nf + 1) * sizeof *x.lab_v);
    x.lab_k = st_malloc((nf + 1) * sizeof *x.lab_k);
    if (!x.d || !x.srt || !x.fk || !x.fg || !x.svc_of || !x.lab_v || !x.lab_k) goto out;
    if (nsrc) memcpy(x.srt, src, nsrc * sizeof *x.srt);
    if (nsrc > 1) qsort(x.srt, nsrc, sizeof *x.srt, u64_cmp);
    dot_receivers(&x);
    if (dot_sources(&x) != ST_OK || dot_transactions(&x) != ST_OK) goto out;
    if (r->nfrontier > nf)
        fprintf(f, "  cut [shape=note,label=\"%zu smaller frontier outputs not drawn\"];\n", r->nfrontier - nf);
    if (dot_labels(&x) != ST_OK) goto out;
    dot_groups(&x);
    dot_frontier(&x);
    rc = ST_OK;
out:
    fprintf(f, "}\n");
    st_free(x.d);
    st_free(x.srt);
    st_free(x.fk);
    st_free(x.fg);
    st_free(x.svc_of);
    st_free(x.lab_v);
    st_free(x.lab_k);
    return rc;
}

/* ---- exposure ----------------------------------------------------------- */

void st_exposure_totals(const st_exposure_result *r, int64_t *direct, int64_t *indirect) {
    int64_t d = 0, n = 0;
    for (size_t i = 0; i < r->nshares; i++) d += r->shares[i].direct, n += r->shares[i].indirect;
    *direct = d;
    *indirect = n;
}

/* Share i with its category, sorted by category then position. */
typedef struct cat_ix {
    const char *category;
    size_t i;
} cat_ix;

static int cat_ix_cmp(const void *x, const void *y) {
    const cat_ix *a = x, *b = y;
    int c = strcmp(a->category, b->category);
    if (c) return c;
    return a->i < b->i ? -1 : a->i > b->i;
}

typedef struct cat_pos {
    st_exposure_category c;
    size_t first;
} cat_pos;

static int cat_pos_cmp(const void *x, const void *y) {
    const cat_pos *a = x, *b = y;
    return a->first < b->first ? -1 : a->first > b->first;
}

int st_exposure_by_category(const st_exposure_result *r, st_exposure_category **out, size_t *n) {
    *out = NULL;
    *n = 0;
    size_t m = r->nshares;
    cat_ix *ix = st_malloc((m ? m : 1) * sizeof *ix);
    cat_pos *cp = st_malloc((m ? m : 1) * sizeof *cp);
    st_exposure_category *res = st_malloc((m ? m : 1) * sizeof *res);
    if (!ix || !cp || !res) {
        st_free(ix);
        st_free(cp);
        st_free(res);
        return ST_ENOMEM;
    }
    for (size_t i = 0; i < m; i++) ix[i] = (cat_ix){r->shares[i].tag->category, i};
    if (m > 1) qsort(ix, m, sizeof *ix, cat_ix_cmp);
    size_t ng = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        cat_pos *g = &cp[ng++];
        g->first = ix[i].i;
        g->c = (st_exposure_category){r->shares[ix[i].i].tag->category, 0, 0};
        for (; j < m && !strcmp(ix[j].category, ix[i].category); j++)
            g->c.direct += r->shares[ix[j].i].direct, g->c.indirect += r->shares[ix[j].i].indirect;
        i = j;
    }
    if (ng > 1) qsort(cp, ng, sizeof *cp, cat_pos_cmp);
    for (size_t i = 0; i < ng; i++) res[i] = cp[i].c;
    st_free(ix);
    st_free(cp);
    *out = res;
    *n = ng;
    return ST_OK;
}

static json_t *path_json(const st_chain *c, const st_chain_cols *k, const st_exposure_path *ep) {
    uint64_t st = st_chain_out_tx(c, ep->source_out);
    json_t *from = json_object(), *txs = json_array();
    int bad = !from || !txs;
    bad |= put(from, "txid", jtxid(k, st)) |
           put(from, "vout", json_integer((json_int_t)(ep->source_out - k->tx_first_out[st]))) |
           put(from, "address", jaddr(c, k->out_addr[ep->source_out]));
    for (uint32_t h = 0; !bad && h < ep->hops; h++) bad |= append(txs, jtxid(k, ep->txs[h]));
    if (bad) {
        json_decref(from);
        json_decref(txs);
        return NULL;
    }
    return json_pack("{s:I, s:i, s:o, s:o}", "amount", (json_int_t)ep->amount, "hops", (int)ep->hops, "from", from,
                     "txs", txs);
}

int st_exposure_json(const st_chain *c, const st_exposure_result *r, const char *address,
                     uint64_t cluster, uint64_t cluster_size, json_t **out) {
    *out = NULL;
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    st_exposure_category *cat = NULL;
    size_t ncat = 0;
    if (st_exposure_by_category(r, &cat, &ncat)) return ST_ENOMEM;
    json_t *j = json_object(), *cats = json_array(), *srcs = json_array();
    int bad = !j || !cats || !srcs;
    if (cluster != ST_CHAIN_NONE)
        bad |= put(j, "cluster", json_pack("{s:I, s:I}", "id", (json_int_t)cluster, "size", (json_int_t)cluster_size));
    else bad |= put(j, "address", json_string(address ? address : ""));
    bad |= put(j, "received", json_integer(r->received)) | put(j, "outputs", json_integer((json_int_t)r->outputs));
    int64_t dir, ind;
    st_exposure_totals(r, &dir, &ind);
    double denom = r->received > 0 ? (double)r->received : 1.0;
    bad |= put(j, "exposure", json_pack("{s:I, s:I, s:I, s:f}", "direct", (json_int_t)dir, "indirect", (json_int_t)ind,
                                        "total", (json_int_t)(dir + ind), "share", (double)(dir + ind) / denom));
    bad |= put(j, "risk", json_string(st_exposure_risk(r)));
    for (size_t i = 0; !bad && i < ncat; i++)
        bad |= append(cats, json_pack("{s:s, s:I, s:I, s:f}", "category", cat[i].category, "direct",
                                      (json_int_t)cat[i].direct, "indirect", (json_int_t)cat[i].indirect, "share",
                                      (double)(cat[i].direct + cat[i].indirect) / denom));
    bad |= put(j, "by_category", cats);
    for (size_t i = 0; !bad && i < r->nshares; i++) {
        const st_exposure_share *s = &r->shares[i];
        json_t *o = jtag(s->tag), *paths = json_array();
        int b2 = !o || !paths;
        b2 |= put(o, "direct", json_integer(s->direct)) | put(o, "indirect", json_integer(s->indirect)) |
              put(o, "share", json_real((double)(s->direct + s->indirect) / denom));
        for (size_t p = 0; !b2 && p < s->npaths; p++) b2 |= append(paths, path_json(c, &k, &s->paths[p]));
        b2 |= put(o, "paths", paths);
        if (b2) json_decref(o);
        bad |= b2 || append(srcs, o);
    }
    bad |= put(j, "by_source", srcs);
    bad |= put(j, "visits", json_integer((json_int_t)r->visits)) | put(j, "cut", json_boolean(r->cut));
    st_free(cat);
    if (bad) {
        json_decref(j);
        return ST_ENOMEM;
    }
    *out = j;
    return ST_OK;
}

/* ---- clusters ----------------------------------------------------------- */

int st_cluster_report_json(const st_cluster_report *rep, const st_cluster_opts *opts, json_t **out) {
    int merged = opts && opts->merge_coinjoin;
    *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "addresses", (json_int_t)rep->addresses,
                     "clusters", (json_int_t)rep->clusters, "singletons", (json_int_t)rep->singletons, "largest",
                     (json_int_t)rep->largest, "largest_id", (json_int_t)rep->largest_id, "unions",
                     (json_int_t)rep->unions, "coinjoins_skipped", (json_int_t)(merged ? 0 : rep->coinjoins),
                     "change_links", (json_int_t)rep->change_links, "large_merges", (json_int_t)rep->large_merges,
                     "seconds", rep->seconds);
    return *out ? ST_OK : ST_ENOMEM;
}

int st_cluster_members_json(const st_chain *c, const st_clusters *cl, const char *address, uint64_t addr,
                            size_t limit, json_t **out) {
    *out = NULL;
    uint64_t cid = st_clusters_id(cl, addr), sz = st_clusters_size(cl, cid);
    json_t *j = json_object(), *mem = json_array();
    int bad = !j || !mem;
    bad |= put(j, "address", json_string(address ? address : ""));
    bad |= put(j, "cluster", json_pack("{s:I, s:I}", "id", (json_int_t)cid, "size", (json_int_t)sz));
    size_t shown = 0, max = limit ? limit : 1000;
    for (uint64_t m = cid; !bad && m != ST_CHAIN_NONE && shown < max; m = st_clusters_next_member(cl, m), shown++)
        bad |= append(mem, jaddr(c, m));
    bad |= put(j, "members", mem);
    if (bad) {
        json_decref(j);
        return ST_ENOMEM;
    }
    *out = j;
    return ST_OK;
}

int st_why_json(const st_chain *c, const st_clusters *cl, const char *from, const char *to, uint64_t a,
                uint64_t b, int linked, const st_why_step *steps, size_t n, json_t **out) {
    *out = NULL;
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    json_t *j = json_object();
    int bad = !j;
    bad |= put(j, "from", json_string(from ? from : "")) | put(j, "to", json_string(to ? to : "")) |
           put(j, "linked", json_boolean(linked));
    if (linked) {
        uint64_t cid = st_clusters_id(cl, a);
        bad |= put(j, "cluster", json_pack("{s:I, s:I}", "id", (json_int_t)cid, "size",
                                           (json_int_t)st_clusters_size(cl, cid)));
        json_t *arr = json_array();
        bad |= !arr;
        for (size_t i = 0; !bad && i < n; i++) {
            json_t *s = json_object();
            int b2 = !s;
            b2 |= put(s, "from", jaddr(c, steps[i].from)) | put(s, "to", jaddr(c, steps[i].to)) |
                  put(s, "txid", jtxid(&k, steps[i].tx)) |
                  put(s, "block_height", json_integer(st_chain_block_height(c, k.tx_block[steps[i].tx])));
            if (b2) json_decref(s);
            bad |= b2 || append(arr, s);
        }
        bad |= put(j, "steps", arr);
    } else {
        bad |= put(j, "clusters", json_pack("[I, I]", (json_int_t)st_clusters_id(cl, a),
                                            (json_int_t)st_clusters_id(cl, b)));
    }
    if (bad) {
        json_decref(j);
        return ST_ENOMEM;
    }
    *out = j;
    return ST_OK;
}
