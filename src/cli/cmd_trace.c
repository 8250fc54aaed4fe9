/*
 * cmd_trace.c - `sanctrace trace`, `sanctrace exposure`, and the
 * `chain cluster` / `chain why` subcommands (cmd_chain.c dispatches them
 * here).
 *
 * Thin front end over include/sanctrace/trace.h: options, the store and
 * tag sources opened, results printed as JSON (jansson, satoshis as
 * integers), an aligned table, or for trace a Graphviz drawing (dot, or
 * svg through `dot -Tsvg`).  Exit codes: 0 ok; 1 nothing found (not
 * linked, no taint reached a service is still 0); 2 usage, unknown
 * txid/address, fatal errors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "sanctrace/chain.h"
#include "sanctrace/trace.h"

int cmd_trace(int argc, char **argv);
int cmd_exposure(int argc, char **argv);
int cmd_chain_cluster(int argc, char **argv);
int cmd_chain_why(int argc, char **argv);

#define TR_MAX_ARGS 256

typedef struct tr_args {
    const char *db, *format, *data_dir, *model, *change, *address;
    const char *from[TR_MAX_ARGS];
    size_t nfrom;
    const char *tags[TR_MAX_ARGS];
    size_t ntags;
    const char *pos[TR_MAX_ARGS];
    size_t npos;
    int64_t until_height;
    uint32_t max_hops;
    uint64_t max_txs, large, max_visits;
    size_t limit;
    int taint_fee, through_services, merge_coinjoin, no_sanctions, cluster;
    char dbbuf[1100], ddbuf[1024];
} tr_args;

static int num(const char *s, const char *opt, uint64_t *out) {
    char *end;
    if (!s || !*s || *s == '-') goto bad;
    *out = strtoull(s, &end, 10);
    if (*end) goto bad;
    return 0;
bad:
    fprintf(stderr, "sanctrace: %s needs a non-negative number, got '%s'\n", opt, s ? s : "");
    return 2;
}

/* Parse argv (without the command name).  Returns 0, or 2 after printing. */
static int parse(int argc, char **argv, tr_args *a, const char *cmd) {
    memset(a, 0, sizeof *a);
    a->format = "json";
    a->model = "haircut";
    a->until_height = -1;
    a->limit = 1000;
    a->max_txs = 5000000;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        int takes = 1;
        if (!strcmp(s, "--db") && v) a->db = v;
        else if (!strcmp(s, "--format") && v) a->format = v;
        else if (!strcmp(s, "--data-dir") && v) a->data_dir = v;
        else if (!strcmp(s, "--model") && v) a->model = v;
        else if (!strcmp(s, "--change") && v) a->change = v;
        else if (!strcmp(s, "--address") && v) a->address = v;
        else if (!strcmp(s, "--from") && v) {
            if (a->nfrom == TR_MAX_ARGS) goto many;
            a->from[a->nfrom++] = v;
        } else if (!strcmp(s, "--tags") && v) {
            if (a->ntags == TR_MAX_ARGS) goto many;
            a->tags[a->ntags++] = v;
        } else if (!strcmp(s, "--until-height") && v) {
            if (num(v, s, &n)) return 2;
            a->until_height = (int64_t)n;
        } else if (!strcmp(s, "--max-hops") && v) {
            if (num(v, s, &n) || n > 1000000) return 2;
            a->max_hops = (uint32_t)n;
        } else if (!strcmp(s, "--max-txs") && v) {
            if (num(v, s, &a->max_txs)) return 2;
        } else if (!strcmp(s, "--max-visits") && v) {
            if (num(v, s, &a->max_visits)) return 2;
        } else if (!strcmp(s, "--large") && v) {
            if (num(v, s, &a->large)) return 2;
        } else if (!strcmp(s, "--limit") && v) {
            if (num(v, s, &n)) return 2;
            a->limit = (size_t)n;
        } else {
            takes = 0;
            if (!strcmp(s, "--taint-fee")) a->taint_fee = 1;
            else if (!strcmp(s, "--through-services")) a->through_services = 1;
            else if (!strcmp(s, "--merge-coinjoin")) a->merge_coinjoin = 1;
            else if (!strcmp(s, "--no-sanctions")) a->no_sanctions = 1;
            else if (!strcmp(s, "--cluster")) a->cluster = 1;
            else if (s[0] == '-' && s[1] == '-') {
                fprintf(stderr, "sanctrace %s: unknown option or missing value: %s\n", cmd, s);
                return 2;
            } else {
                if (a->npos == TR_MAX_ARGS) goto many;
                a->pos[a->npos++] = s;
            }
        }
        i += takes;
    }
    cli_data_dir(a->data_dir, a->ddbuf, sizeof a->ddbuf);
    if (!a->db) {
        snprintf(a->dbbuf, sizeof a->dbbuf, "%s/chain", a->ddbuf);
        a->db = a->dbbuf;
    }
    return 0;
many:
    fprintf(stderr, "sanctrace %s: too many arguments (at most %d of a kind)\n", cmd, TR_MAX_ARGS);
    return 2;
}

static int want_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static void print_json(json_t *j) {
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) puts(s);
    free(s);
}

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

/* Open the store, its clusters (optional) and the tags. */
typedef struct tr_env {
    st_chain *c;
    st_chain_cols k;
    st_clusters *cl;
    st_tagset *ts;
    st_tagmap *tm;
    size_t unresolved, sanction_tags;
} tr_env;

static void env_close(tr_env *e) {
    st_tagmap_free(e->tm);
    st_tagset_free(e->ts);
    st_clusters_close(e->cl);
    st_chain_close(e->c);
}

static int env_open(tr_env *e, const tr_args *a, int need_clusters) {
    memset(e, 0, sizeof *e);
    st_error err;
    st_error_clear(&err);
    if (st_chain_open(&e->c, a->db, &err)) goto fail;
    st_chain_get_cols(e->c, &e->k);
    int rc = st_clusters_open(&e->cl, a->db, e->c, &err);
    if (rc && (need_clusters || rc != ST_ENOTFOUND)) {
        if (need_clusters || rc == ST_ECORRUPT) goto fail;
    }
    if (rc) e->cl = NULL;
    st_error_clear(&err);
    if (st_tagset_new(&e->ts)) goto oom;
    for (size_t i = 0; i < a->ntags; i++)
        if (st_tagset_load_path(e->ts, a->tags[i], &err)) goto fail;
    if (!a->no_sanctions) {
        st_error e2;
        st_error_clear(&e2);
        if (st_tagset_load_sanctions(e->ts, a->ddbuf, &e->sanction_tags, &e2) && e2.code != ST_ENOTFOUND)
            cli_report(&e2); /* a broken snapshot is reported, tracing goes on */
    }
    if (st_tagmap_new(&e->tm, e->ts, e->c, e->cl, &e->unresolved)) goto oom;
    return 0;
oom:
    st_error_set(&err, ST_ENOMEM, "out of memory");
fail:
    cli_report(&err);
    env_close(e);
    return 2;
}

/* ---- trace ------------------------------------------------------------ */

static void trace_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace trace [--db DIR] --from TXID:VOUT|ADDRESS|TAG ... [--model MODEL]\n"
            "         [--until-height H] [--max-hops N] [--taint-fee] [--tags FILE|DIR ...]\n"
            "         [--format json|table|dot|svg] [--limit N] [--max-txs N] [--through-services]\n\n"
            "Follows tainted coins forward in chain order, in exact satoshis.\n"
            "  --model poison|haircut|fifo|lifo|tiho   (default haircut)\n"
            "  --from      a source: one output, every output of an address, or every address\n"
            "              of a tag (label, actor or TagPack title); repeatable\n"
            "  --taint-fee fee taint goes to the block's coinbase instead of leaving the graph\n"
            "  --tags      TagPack YAML files or directories (repeatable); the sanctions\n"
            "              snapshot's wallets in --data-dir are added unless --no-sanctions\n"
            "  --limit N   frontier entries printed (largest first; totals always exact; default 1000)\n"
            "  --max-txs N work bound (default 5,000,000; 0 = none); the cut is reported\n"
            "  --through-services  keep tracing through tagged services (default: stop there)\n"
            "Exit: 0 ok, 1 the trace was cut by a bound, 2 usage or unknown source.\n");
}

static int hit_cmp(const void *x, const void *y) {
    const st_trace_hit *a = x, *b = y;
    if (a->tainted != b->tainted) return a->tainted > b->tainted ? -1 : 1;
    return a->out < b->out ? -1 : a->out > b->out;
}

static json_t *hit_json(const tr_env *e, const st_trace_hit *h) {
    uint64_t t = st_chain_out_tx(e->c, h->out);
    json_t *o = json_object();
    json_object_set_new(o, "txid", jtxid(&e->k, t));
    json_object_set_new(o, "vout", json_integer((json_int_t)(h->out - e->k.tx_first_out[t])));
    json_object_set_new(o, "address", jaddr(e->c, e->k.out_addr[h->out]));
    json_object_set_new(o, "value", json_integer(e->k.out_value[h->out]));
    json_object_set_new(o, "tainted", json_integer(h->tainted));
    json_object_set_new(o, "hops", json_integer(h->hops));
    json_object_set_new(o, "stop", json_string(st_stop_name(h->stop)));
    if (h->tag) json_object_set_new(o, "service", jtag(h->tag));
    return o;
}

/* Tagged services reached, summed per tag label. */
static json_t *services_json(const tr_env *e, const st_trace_result *r) {
    json_t *arr = json_array();
    size_t n = r->ntagged;
    int *done = st_calloc(n + 1, sizeof *done);
    if (!done) return arr;
    for (size_t i = 0; i < n; i++) {
        if (done[i]) continue;
        const st_tag *t = r->tagged[i].tag;
        int64_t amount = 0;
        uint64_t outs = 0;
        uint32_t hops = UINT32_MAX;
        for (size_t j = i; j < n; j++) {
            if (done[j] || strcmp(r->tagged[j].tag->label, t->label)) continue;
            done[j] = 1;
            amount += r->tagged[j].tainted;
            outs++;
            if (r->tagged[j].hops < hops) hops = r->tagged[j].hops;
        }
        json_t *o = jtag(t);
        json_object_set_new(o, "amount", json_integer(amount));
        json_object_set_new(o, "outputs", json_integer((json_int_t)outs));
        json_object_set_new(o, "min_hops", json_integer(hops));
        json_array_append_new(arr, o);
    }
    st_free(done);
    (void)e;
    /* largest first */
    size_t m = json_array_size(arr);
    for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0; j--) {
            json_t *p = json_array_get(arr, j - 1), *q = json_array_get(arr, j);
            if (json_integer_value(json_object_get(p, "amount")) >= json_integer_value(json_object_get(q, "amount"))) break;
            json_incref(p);
            json_array_set(arr, j - 1, q);
            json_array_set_new(arr, j, p);
        }
    return arr;
}

/* Graphviz drawing of the flow.  A real trace touches thousands of
 * transactions, so the picture keeps the DOT_MAX_TXS transactions that
 * carried the most taint; everything else is one "further transactions"
 * node.  Services reached are one node each (amounts summed), and the
 * unspent tail of each drawn transaction one node, so a fan-out to
 * thousands of fresh addresses draws as a single box. */
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
    size_t n;
} dot_edge;

static int edge_cmp(const void *x, const void *y) {
    const dot_edge *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    return c ? c : strcmp(p->b, q->b);
}

static int drawn_index(const dot_tx *d, size_t n, uint64_t tx) {
    for (size_t i = 0; i < n; i++)
        if (d[i].tx == tx) return (int)i;
    return -1;
}

static void dot_write(FILE *f, const tr_env *e, const st_trace_result *r, const uint64_t *src, size_t nsrc,
                      const char *model) {
    fprintf(f, "digraph trace {\n  rankdir=LR; ranksep=0.6; nodesep=0.15;\n"
               "  node [fontname=\"Helvetica\",fontsize=10];\n  edge [fontname=\"Helvetica\",fontsize=8];\n");
    fprintf(f, "  labelloc=t; label=\"sanctrace trace (%s): %lld sat from %zu source output(s) through %llu "
               "transactions to %zu frontier outputs\";\n",
            model, (long long)r->source_value, nsrc, (unsigned long long)r->txs, r->nfrontier);
    /* taint received per tx, from the flows */
    size_t cap = r->nflows + nsrc + 1, n = 0;
    dot_tx *d = st_malloc(cap * sizeof *d);
    if (!d) {
        fprintf(f, "}\n");
        return;
    }
    for (size_t i = 0; i < r->nflows; i++) {
        int at = -1;
        for (size_t j = n; j-- > 0 && j + 8 >= n;) /* flows come grouped by receiving tx */
            if (d[j].tx == r->flows[i].to_tx) { at = (int)j; break; }
        if (at < 0) d[n].tx = r->flows[i].to_tx, d[n].in = 0, at = (int)n++;
        d[at].in += r->flows[i].tainted;
    }
    qsort(d, n, sizeof *d, dtx_by_in);
    size_t nd = n < DOT_MAX_TXS ? n : DOT_MAX_TXS;
    char hx[65], ad[128];
    /* sources, one node per source transaction */
    for (size_t i = 0; i < nsrc; i++) {
        uint64_t t = st_chain_out_tx(e->c, src[i]);
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) dup = st_chain_out_tx(e->c, src[j]) == t;
        if (dup) continue;
        int64_t v = 0;
        size_t k = 0;
        for (size_t j = i; j < nsrc; j++)
            if (st_chain_out_tx(e->c, src[j]) == t) v += e->k.out_value[src[j]], k++;
        st_chain_hash_hex(e->k.tx_hash[t], hx);
        fprintf(f, "  s%llu [shape=box,style=\"filled,bold\",fillcolor=\"#f08080\",label=\"SOURCE tx %.10s…\\n%zu output(s), %lld sat\"];\n",
                (unsigned long long)t, hx, k, (long long)v);
    }
    for (size_t i = 0; i < nd; i++) {
        st_chain_hash_hex(e->k.tx_hash[d[i].tx], hx);
        fprintf(f, "  t%llu [shape=ellipse,label=\"tx %.10s…\\nheight %lld\"];\n", (unsigned long long)d[i].tx, hx,
                (long long)st_chain_block_height(e->c, e->k.tx_block[d[i].tx]));
    }
    int cloud = n > nd;
    if (cloud)
        fprintf(f, "  cloud [shape=box,style=\"dashed,rounded\",label=\"%zu further transactions\\n(not drawn)\"];\n", n - nd);
    /* tx -> tx edges (summed per pair), sources and the cloud included */
    dot_edge *ed = st_malloc((r->nflows + 1) * sizeof *ed);
    size_t ne = 0;
    for (size_t i = 0; ed && i < r->nflows; i++) {
        const st_trace_flow *fl = &r->flows[i];
        int a = drawn_index(d, nd, fl->from_tx), b = drawn_index(d, nd, fl->to_tx);
        int from_src = 0;
        for (size_t j = 0; j < nsrc && !from_src; j++) from_src = fl->out == src[j];
        if (b < 0 && (a < 0 && !from_src)) continue; /* inside the cloud */
        dot_edge *x = &ed[ne++];
        if (from_src) snprintf(x->a, sizeof x->a, "s%llu", (unsigned long long)fl->from_tx);
        else if (a >= 0) snprintf(x->a, sizeof x->a, "t%llu", (unsigned long long)fl->from_tx);
        else snprintf(x->a, sizeof x->a, "cloud");
        if (b >= 0) snprintf(x->b, sizeof x->b, "t%llu", (unsigned long long)fl->to_tx);
        else snprintf(x->b, sizeof x->b, "cloud");
        x->v = fl->tainted;
        x->n = 1;
    }
    if (ne) qsort(ed, ne, sizeof *ed, edge_cmp);
    for (size_t i = 0; i < ne;) {
        size_t j = i + 1;
        int64_t v = ed[i].v;
        while (j < ne && !edge_cmp(&ed[i], &ed[j])) v += ed[j++].v;
        if (j - i > 1)
            fprintf(f, "  %s -> %s [penwidth=1.5,label=\"%zu outputs\\n%lld\"];\n", ed[i].a, ed[i].b, j - i, (long long)v);
        else fprintf(f, "  %s -> %s [label=\"%lld\"];\n", ed[i].a, ed[i].b, (long long)v);
        i = j;
    }
    st_free(ed);
    /* frontier: services summed per (drawn tx or cloud, label); unspent per tx */
    size_t nf = r->nfrontier < DOT_MAX_FRONTIER ? r->nfrontier : DOT_MAX_FRONTIER; /* largest first */
    if (r->nfrontier > nf)
        fprintf(f, "  cut [shape=note,label=\"%zu smaller frontier outputs not drawn\"];\n", r->nfrontier - nf);
    for (size_t i = 0; i < nf; i++) {
        const st_trace_hit *h = &r->frontier[i];
        if (!h->tag) continue;
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) dup = r->frontier[j].tag && !strcmp(r->frontier[j].tag->label, h->tag->label);
        if (dup) continue;
        int64_t v = 0;
        size_t k = 0;
        for (size_t j = i; j < nf; j++)
            if (r->frontier[j].tag && !strcmp(r->frontier[j].tag->label, h->tag->label)) v += r->frontier[j].tainted, k++;
        fprintf(f, "  svc%zu [shape=box,style=\"filled,bold\",fillcolor=\"%s\",label=\"%s (%s)\\n%lld sat in %zu output(s)\"];\n", i,
                !strcmp(h->tag->category, "exchange") ? "#9ec5f0" : "#f0d29e", h->tag->label, h->tag->category, (long long)v, k);
    }
    for (int pass = 0; pass < 2; pass++) /* 0: services, 1: the rest */
        for (size_t i = 0; i < nf; i++) {
            const st_trace_hit *h = &r->frontier[i];
            if ((pass == 0) != (h->tag != NULL)) continue;
            uint64_t t = st_chain_out_tx(e->c, h->out);
            int di = drawn_index(d, nd, t);
            int from_src = 0;
            for (size_t j = 0; j < nsrc && !from_src; j++) from_src = h->out == src[j];
            size_t svc = 0;
            if (h->tag)
                for (size_t j = 0; j < nf; j++)
                    if (r->frontier[j].tag && !strcmp(r->frontier[j].tag->label, h->tag->label)) { svc = j; break; }
            /* first frontier output of this (origin, target) pair prints the summed edge */
            int first = 1;
            int64_t v = 0;
            size_t k = 0;
            for (size_t j = 0; j < nf; j++) {
                const st_trace_hit *g = &r->frontier[j];
                if ((g->tag != NULL) != (h->tag != NULL)) continue;
                if (h->tag && strcmp(g->tag->label, h->tag->label)) continue;
                uint64_t tg = st_chain_out_tx(e->c, g->out);
                int dg = drawn_index(d, nd, tg);
                int gsrc = 0;
                for (size_t q = 0; q < nsrc && !gsrc; q++) gsrc = g->out == src[q];
                int same = from_src ? (gsrc && tg == t) : (!gsrc && (di >= 0 ? tg == t : dg < 0));
                if (!same) continue;
                if (j < i) { first = 0; break; }
                v += g->tainted;
                k++;
            }
            if (!first) continue;
            char origin[40];
            if (from_src) snprintf(origin, sizeof origin, "s%llu", (unsigned long long)t);
            else if (di >= 0) snprintf(origin, sizeof origin, "t%llu", (unsigned long long)t);
            else snprintf(origin, sizeof origin, "cloud");
            if (h->tag) {
                fprintf(f, "  %s -> svc%zu [penwidth=2,label=\"%lld\"];\n", origin, svc, (long long)v);
            } else {
                st_chain_addr_text(e->c, e->k.out_addr[h->out], ad, sizeof ad);
                fprintf(f, "  u%zu [shape=box,style=filled,fillcolor=\"#e8e8e8\",label=\"%s\\n%lld sat (%s)\"];\n", i,
                        k == 1 ? ad : "", (long long)v, k == 1 ? st_stop_name(h->stop) : "");
                if (k > 1)
                    fprintf(f, "  u%zu [label=\"%zu outputs not passed on\\n%lld sat\"];\n", i, k, (long long)v);
                fprintf(f, "  %s -> u%zu [label=\"%lld\"];\n", origin, i, (long long)v);
            }
        }
    st_free(d);
    fprintf(f, "}\n");
}

int cmd_trace(int argc, char **argv) {
    if (want_help(argc, argv)) {
        trace_usage(stdout);
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, &a, "trace")) return 2;
    st_taint_model model;
    if (st_taint_model_parse(a.model, &model)) {
        fprintf(stderr, "sanctrace trace: --model must be poison, haircut, fifo, lifo or tiho\n");
        return 2;
    }
    if (!a.nfrom) {
        fprintf(stderr, "sanctrace trace: give at least one --from TXID:VOUT|ADDRESS|TAG\n");
        trace_usage(stderr);
        return 2;
    }
    const char *fmt = a.format;
    if (strcmp(fmt, "json") && strcmp(fmt, "table") && strcmp(fmt, "dot") && strcmp(fmt, "svg")) {
        fprintf(stderr, "sanctrace trace: --format must be json, table, dot or svg\n");
        return 2;
    }
    tr_env e;
    if (env_open(&e, &a, 0)) return 2;
    st_error err;
    st_error_clear(&err);
    uint64_t *src = NULL;
    size_t nsrc = 0, cap = 0;
    int rc = 0;
    st_trace_result *r = NULL;
    for (size_t i = 0; i < a.nfrom; i++)
        if (st_trace_source(e.c, e.tm, a.from[i], &src, &nsrc, &cap, &err)) {
            cli_report(&err);
            rc = 2;
            goto out;
        }
    st_trace_opts o = {model, a.until_height, a.max_hops, a.taint_fee, a.max_txs, a.through_services, e.tm};
    if (st_trace_run(e.c, src, nsrc, &o, &r, &err)) {
        cli_report(&err);
        rc = 2;
        goto out;
    }
    qsort(r->frontier, r->nfrontier, sizeof *r->frontier, hit_cmp);
    if (!strcmp(fmt, "dot")) {
        dot_write(stdout, &e, r, src, nsrc, a.model);
    } else if (!strcmp(fmt, "svg")) {
        fflush(stdout);
        FILE *p = popen("dot -Tsvg", "w");
        if (!p) {
            fprintf(stderr, "sanctrace trace: cannot run Graphviz 'dot' (install the graphviz package)\n");
            rc = 2;
            goto out;
        }
        dot_write(p, &e, r, src, nsrc, a.model);
        if (pclose(p) != 0) {
            fprintf(stderr, "sanctrace trace: Graphviz 'dot -Tsvg' failed (install the graphviz package)\n");
            rc = 2;
            goto out;
        }
    } else {
        json_t *j = json_object();
        json_object_set_new(j, "model", json_string(a.model));
        json_t *sources = json_array();
        for (size_t i = 0; i < nsrc && i < a.limit; i++) {
            st_trace_hit h = {src[i], e.k.out_value[src[i]], 0, ST_STOP_UNSPENT, NULL};
            json_t *s = hit_json(&e, &h);
            json_object_del(s, "tainted");
            json_object_del(s, "hops");
            json_object_del(s, "stop");
            json_array_append_new(sources, s);
        }
        json_object_set_new(j, "sources", sources);
        json_object_set_new(j, "source_outputs", json_integer((json_int_t)nsrc));
        json_t *tot = json_object();
        json_object_set_new(tot, "source_value", json_integer(r->source_value));
        json_object_set_new(tot, "frontier_value", json_integer(r->frontier_value));
        json_object_set_new(tot, "fee_left", json_integer(r->fee_left));
        json_object_set_new(tot, "fee_to_coinbase", json_integer(r->fee_to_coinbase));
        json_object_set_new(tot, "fee_unclaimed", json_integer(r->fee_unclaimed));
        json_object_set_new(tot, "rounding_loss", json_integer(r->rounding_loss));
        json_object_set_new(tot, "frontier_outputs", json_integer((json_int_t)r->nfrontier));
        json_object_set_new(tot, "transactions", json_integer((json_int_t)r->txs));
        json_object_set_new(tot, "max_hops", json_integer(r->max_hops_seen));
        json_object_set_new(j, "totals", tot);
        json_t *stops = json_object();
        for (int s = 0; s <= ST_STOP_LIMIT; s++) {
            uint64_t n = 0;
            for (size_t i = 0; i < r->nfrontier; i++) n += r->frontier[i].stop == (st_stop)s;
            json_object_set_new(stops, st_stop_name((st_stop)s), json_integer((json_int_t)n));
        }
        json_object_set_new(j, "stops", stops);
        json_object_set_new(j, "services", services_json(&e, r));
        json_t *fr = json_array();
        for (size_t i = 0; i < r->nfrontier && i < a.limit; i++) json_array_append_new(fr, hit_json(&e, &r->frontier[i]));
        json_object_set_new(j, "frontier", fr);
        json_object_set_new(j, "frontier_truncated",
                            json_integer((json_int_t)(r->nfrontier > a.limit ? r->nfrontier - a.limit : 0)));
        json_object_set_new(j, "cut", json_boolean(r->cut));
        if (r->cut)
            json_object_set_new(j, "cut_reason", json_string("--max-txs reached: outputs marked 'limit' were not followed"));
        if (!strcmp(fmt, "json")) print_json(j);
        else {
            printf("model %s  source %lld sat  frontier %lld sat in %zu outputs  fee left %lld  "
                   "to coinbase %lld  rounding %lld  txs %llu%s\n",
                   a.model, (long long)r->source_value, (long long)r->frontier_value, r->nfrontier,
                   (long long)r->fee_left, (long long)r->fee_to_coinbase, (long long)r->rounding_loss,
                   (unsigned long long)r->txs, r->cut ? "  (CUT by --max-txs)" : "");
            size_t k;
            json_t *s;
            json_array_foreach(json_object_get(j, "services"), k, s)
                printf("service %-30s %-12s %15lld sat\n", json_string_value(json_object_get(s, "label")),
                       json_string_value(json_object_get(s, "category")),
                       (long long)json_integer_value(json_object_get(s, "amount")));
            printf("%-64s %5s %-42s %15s %15s %4s %s\n", "txid", "vout", "address", "value", "tainted", "hops", "stop");
            json_array_foreach(fr, k, s)
                printf("%-64s %5lld %-42s %15lld %15lld %4lld %s\n", json_string_value(json_object_get(s, "txid")),
                       (long long)json_integer_value(json_object_get(s, "vout")),
                       json_is_string(json_object_get(s, "address")) ? json_string_value(json_object_get(s, "address")) : "-",
                       (long long)json_integer_value(json_object_get(s, "value")),
                       (long long)json_integer_value(json_object_get(s, "tainted")),
                       (long long)json_integer_value(json_object_get(s, "hops")),
                       json_string_value(json_object_get(s, "stop")));
        }
        json_decref(j);
    }
    if (r->cut) rc = 1;
out:
    st_trace_result_free(r);
    st_free(src);
    env_close(&e);
    return rc;
}

/* ---- exposure --------------------------------------------------------- */

static void exposure_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace exposure [--db DIR] ADDRESS|cluster:ID [--cluster] [--max-hops N]\n"
            "         [--tags FILE|DIR ...] [--format json|table] [--max-visits N]\n\n"
            "How much of what ADDRESS (or, with --cluster or cluster:ID, its whole cluster)\n"
            "received comes from tagged sources: directly (the tagged address paid it) or\n"
            "indirectly (through unlabelled addresses, up to --max-hops, default 5), by category\n"
            "and by source, each with the transactions that carry it, and a risk level.\n"
            "Exit: 0 ok, 1 the walk was cut by --max-visits, 2 usage or unknown address.\n");
}

int cmd_exposure(int argc, char **argv) {
    if (want_help(argc, argv)) {
        exposure_usage(stdout);
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, &a, "exposure")) return 2;
    if (a.npos != 1) {
        exposure_usage(stderr);
        return 2;
    }
    if (strcmp(a.format, "json") && strcmp(a.format, "table")) {
        fprintf(stderr, "sanctrace exposure: --format must be json or table\n");
        return 2;
    }
    const char *target = a.pos[0];
    int want_cluster = a.cluster || !strncmp(target, "cluster:", 8);
    tr_env e;
    if (env_open(&e, &a, want_cluster)) return 2;
    int rc = 0;
    uint64_t *addrs = NULL;
    size_t na = 0;
    st_exposure_result *r = NULL;
    st_error err;
    st_error_clear(&err);
    uint64_t id = ST_CHAIN_NONE, cid = ST_CHAIN_NONE;
    if (!strncmp(target, "cluster:", 8)) {
        char *end;
        cid = strtoull(target + 8, &end, 10);
        if (*end || !target[8] || cid >= e.k.naddr || st_clusters_id(e.cl, cid) != cid) {
            fprintf(stderr, "sanctrace exposure: %s is not a cluster id of this store\n", target);
            rc = 2;
            goto out;
        }
    } else if (!st_chain_find_addr(e.c, target, &id)) {
        fprintf(stderr, "sanctrace exposure: unknown address %s (never seen in the store at %s)\n", target, a.db);
        rc = 2;
        goto out;
    } else if (want_cluster) cid = st_clusters_id(e.cl, id);
    if (cid != ST_CHAIN_NONE) {
        uint64_t sz = st_clusters_size(e.cl, cid);
        addrs = st_malloc((sz ? sz : 1) * sizeof *addrs);
        if (!addrs) goto oom;
        for (uint64_t m = cid; m != ST_CHAIN_NONE && na < sz; m = st_clusters_next_member(e.cl, m)) addrs[na++] = m;
    } else {
        addrs = st_malloc(sizeof *addrs);
        if (!addrs) goto oom;
        addrs[na++] = id;
    }
    st_exposure_opts o = {a.max_hops, a.max_visits, 3, e.tm, e.cl};
    if (st_exposure_run(e.c, addrs, na, &o, &r, &err)) {
        cli_report(&err);
        rc = 2;
        goto out;
    }
    json_t *j = json_object();
    if (cid != ST_CHAIN_NONE) {
        json_object_set_new(j, "cluster", json_pack("{s:I, s:I}", "id", (json_int_t)cid, "size", (json_int_t)na));
    } else json_object_set_new(j, "address", json_string(target));
    json_object_set_new(j, "received", json_integer(r->received));
    json_object_set_new(j, "outputs", json_integer((json_int_t)r->outputs));
    int64_t dir = 0, ind = 0;
    for (size_t i = 0; i < r->nshares; i++) dir += r->shares[i].direct, ind += r->shares[i].indirect;
    double denom = r->received > 0 ? (double)r->received : 1.0;
    json_object_set_new(j, "exposure", json_pack("{s:I, s:I, s:I, s:f}", "direct", (json_int_t)dir, "indirect",
                                                 (json_int_t)ind, "total", (json_int_t)(dir + ind), "share",
                                                 (double)(dir + ind) / denom));
    json_object_set_new(j, "risk", json_string(st_exposure_risk(r)));
    json_t *cats = json_array();
    for (size_t i = 0; i < r->nshares; i++) {
        const char *cat = r->shares[i].tag->category;
        int seen = 0;
        for (size_t q = 0; q < i && !seen; q++) seen = !strcmp(r->shares[q].tag->category, cat);
        if (seen) continue;
        int64_t d = 0, n = 0;
        for (size_t q = i; q < r->nshares; q++)
            if (!strcmp(r->shares[q].tag->category, cat)) d += r->shares[q].direct, n += r->shares[q].indirect;
        json_array_append_new(cats, json_pack("{s:s, s:I, s:I, s:f}", "category", cat, "direct", (json_int_t)d,
                                              "indirect", (json_int_t)n, "share", (double)(d + n) / denom));
    }
    json_object_set_new(j, "by_category", cats);
    json_t *srcs = json_array();
    for (size_t i = 0; i < r->nshares; i++) {
        const st_exposure_share *s = &r->shares[i];
        json_t *o2 = jtag(s->tag);
        json_object_set_new(o2, "direct", json_integer(s->direct));
        json_object_set_new(o2, "indirect", json_integer(s->indirect));
        json_object_set_new(o2, "share", json_real((double)(s->direct + s->indirect) / denom));
        json_t *paths = json_array();
        for (size_t p = 0; p < s->npaths; p++) {
            const st_exposure_path *ep = &s->paths[p];
            uint64_t st = st_chain_out_tx(e.c, ep->source_out);
            json_t *from = json_object();
            json_object_set_new(from, "txid", jtxid(&e.k, st));
            json_object_set_new(from, "vout", json_integer((json_int_t)(ep->source_out - e.k.tx_first_out[st])));
            json_object_set_new(from, "address", jaddr(e.c, e.k.out_addr[ep->source_out]));
            json_t *txs = json_array();
            for (uint32_t h = 0; h < ep->hops; h++) json_array_append_new(txs, jtxid(&e.k, ep->txs[h]));
            json_array_append_new(paths, json_pack("{s:I, s:i, s:o, s:o}", "amount", (json_int_t)ep->amount, "hops",
                                                   (int)ep->hops, "from", from, "txs", txs));
        }
        json_object_set_new(o2, "paths", paths);
        json_array_append_new(srcs, o2);
    }
    json_object_set_new(j, "by_source", srcs);
    json_object_set_new(j, "visits", json_integer((json_int_t)r->visits));
    json_object_set_new(j, "cut", json_boolean(r->cut));
    if (!strcmp(a.format, "json")) print_json(j);
    else {
        printf("target %s  received %lld sat in %llu outputs  exposure %lld direct + %lld indirect  risk %s%s\n",
               cid != ST_CHAIN_NONE ? "cluster" : target, (long long)r->received, (unsigned long long)r->outputs,
               (long long)dir, (long long)ind, st_exposure_risk(r), r->cut ? "  (CUT by --max-visits)" : "");
        for (size_t i = 0; i < r->nshares; i++)
            printf("  %-12s %-36s direct %15lld  indirect %15lld\n", r->shares[i].tag->category,
                   r->shares[i].tag->label, (long long)r->shares[i].direct, (long long)r->shares[i].indirect);
    }
    json_decref(j);
    if (r->cut) rc = 1;
    goto out;
oom:
    fprintf(stderr, "sanctrace exposure: out of memory\n");
    rc = 2;
out:
    st_exposure_result_free(r);
    st_free(addrs);
    env_close(&e);
    return rc;
}

/* ---- chain cluster / chain why ----------------------------------------- */

static void warn_cb(void *ctx, const char *msg) {
    size_t *n = ctx;
    if (++*n <= 20) fprintf(stderr, "sanctrace chain cluster: warning: %s\n", msg);
}

int cmd_chain_cluster(int argc, char **argv) {
    if (want_help(argc, argv)) {
        printf("usage: sanctrace chain cluster [--db DIR] [--change fresh,type,round] [--merge-coinjoin]\n"
               "         [--large N] [--format json|table]\n"
               "       sanctrace chain cluster [--db DIR] --address ADDR\n\n"
               "Groups addresses by the multi-input heuristic (CoinJoins left apart unless\n"
               "--merge-coinjoin; change heuristics off unless --change) into DIR/cluster.col.\n"
               "Warns when a transaction joins two clusters of at least --large addresses\n"
               "(default 10000).  With --address: that address's cluster id, size and members.\n");
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, &a, "chain cluster")) return 2;
    if (strcmp(a.format, "json") && strcmp(a.format, "table")) {
        fprintf(stderr, "sanctrace chain cluster: --format must be json or table\n");
        return 2;
    }
    st_error err;
    st_error_clear(&err);
    if (a.address) {
        tr_args b = a;
        b.ntags = 0;
        b.no_sanctions = 1;
        tr_env e;
        if (env_open(&e, &b, 1)) return 2;
        uint64_t id;
        if (!st_chain_find_addr(e.c, a.address, &id)) {
            fprintf(stderr, "sanctrace chain cluster: unknown address %s\n", a.address);
            env_close(&e);
            return 2;
        }
        uint64_t cid = st_clusters_id(e.cl, id), sz = st_clusters_size(e.cl, cid);
        json_t *j = json_object();
        json_object_set_new(j, "address", json_string(a.address));
        json_object_set_new(j, "cluster", json_pack("{s:I, s:I}", "id", (json_int_t)cid, "size", (json_int_t)sz));
        json_t *mem = json_array();
        size_t shown = 0;
        for (uint64_t m = cid; m != ST_CHAIN_NONE && shown < (a.limit ? a.limit : 1000); m = st_clusters_next_member(e.cl, m), shown++)
            json_array_append_new(mem, jaddr(e.c, m));
        json_object_set_new(j, "members", mem);
        if (!strcmp(a.format, "json")) print_json(j);
        else {
            printf("cluster %llu  size %llu\n", (unsigned long long)cid, (unsigned long long)sz);
            size_t k;
            json_t *v;
            json_array_foreach(mem, k, v) printf("  %s\n", json_string_value(v));
        }
        json_decref(j);
        env_close(&e);
        return 0;
    }
    st_cluster_opts o;
    memset(&o, 0, sizeof o);
    if (a.change && st_change_parse(a.change, &o.change, &err)) {
        cli_report(&err);
        return 2;
    }
    size_t warned = 0;
    o.merge_coinjoin = a.merge_coinjoin;
    o.large = a.large;
    o.progress = 1;
    o.on_warn = warn_cb;
    o.ctx = &warned;
    st_cluster_report rep;
    if (st_cluster_build(a.db, &o, &rep, &err)) {
        cli_report(&err);
        return 2;
    }
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "addresses", (json_int_t)rep.addresses,
                          "clusters", (json_int_t)rep.clusters, "singletons", (json_int_t)rep.singletons, "largest",
                          (json_int_t)rep.largest, "largest_id", (json_int_t)rep.largest_id, "unions",
                          (json_int_t)rep.unions, "coinjoins_skipped", (json_int_t)(o.merge_coinjoin ? 0 : rep.coinjoins),
                          "change_links", (json_int_t)rep.change_links, "large_merges", (json_int_t)rep.large_merges,
                          "seconds", rep.seconds);
    if (!strcmp(a.format, "json")) print_json(j);
    else {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            char *s = json_dumps(v, JSON_ENCODE_ANY);
            printf("%-18s %s\n", k, s ? s : "");
            free(s);
        }
    }
    json_decref(j);
    return 0;
}

int cmd_chain_why(int argc, char **argv) {
    if (want_help(argc, argv)) {
        printf("usage: sanctrace chain why [--db DIR] ADDR1 ADDR2 [--format json|table]\n\n"
               "The chain of co-spending transactions that put ADDR1 and ADDR2 in one cluster,\n"
               "or that they are not linked (exit 1).  Needs 'sanctrace chain cluster' first.\n");
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, &a, "chain why")) return 2;
    if (a.npos != 2) {
        fprintf(stderr, "sanctrace chain why: give two addresses\n");
        return 2;
    }
    a.no_sanctions = 1;
    a.ntags = 0;
    tr_env e;
    if (env_open(&e, &a, 1)) return 2;
    uint64_t id[2];
    for (int i = 0; i < 2; i++)
        if (!st_chain_find_addr(e.c, a.pos[i], &id[i])) {
            fprintf(stderr, "sanctrace chain why: unknown address %s (never seen in the store at %s)\n", a.pos[i], a.db);
            env_close(&e);
            return 2;
        }
    st_why_step *steps = NULL;
    size_t n = 0;
    st_error err;
    st_error_clear(&err);
    int linked = st_clusters_why(e.cl, id[0], id[1], &steps, &n, &err);
    if (linked < 0) {
        cli_report(&err);
        env_close(&e);
        return 2;
    }
    json_t *j = json_object();
    json_object_set_new(j, "from", json_string(a.pos[0]));
    json_object_set_new(j, "to", json_string(a.pos[1]));
    json_object_set_new(j, "linked", json_boolean(linked));
    if (linked) {
        uint64_t cid = st_clusters_id(e.cl, id[0]);
        json_object_set_new(j, "cluster", json_pack("{s:I, s:I}", "id", (json_int_t)cid, "size",
                                                    (json_int_t)st_clusters_size(e.cl, cid)));
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_object();
            json_object_set_new(s, "from", jaddr(e.c, steps[i].from));
            json_object_set_new(s, "to", jaddr(e.c, steps[i].to));
            json_object_set_new(s, "txid", jtxid(&e.k, steps[i].tx));
            json_object_set_new(s, "block_height", json_integer(st_chain_block_height(e.c, e.k.tx_block[steps[i].tx])));
            json_array_append_new(arr, s);
        }
        json_object_set_new(j, "steps", arr);
    } else {
        json_object_set_new(j, "clusters", json_pack("[I, I]", (json_int_t)st_clusters_id(e.cl, id[0]),
                                                     (json_int_t)st_clusters_id(e.cl, id[1])));
    }
    if (!strcmp(a.format, "json")) print_json(j);
    else if (!linked) printf("%s and %s are not linked (different clusters)\n", a.pos[0], a.pos[1]);
    else {
        printf("%s and %s are linked by %zu co-spending transaction(s):\n", a.pos[0], a.pos[1], n);
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(j, "steps"), k, s)
            printf("  %s  spends with  %s  in tx %s\n", json_string_value(json_object_get(s, "from")),
                   json_string_value(json_object_get(s, "to")), json_string_value(json_object_get(s, "txid")));
    }
    json_decref(j);
    st_free(steps);
    env_close(&e);
    return linked ? 0 : 1;
}
