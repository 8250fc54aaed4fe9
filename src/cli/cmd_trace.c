/*
 * cmd_trace.c - `sanctrace trace`, `sanctrace exposure`, and the
 * `chain cluster` / `chain why` subcommands (cmd_chain.c dispatches them
 * here).
 *
 * A client of include/sanctrace/trace.h: each command has its own option
 * table (an option of another command is refused by name, exit 2), opens
 * the store and the tag sources, runs the library and prints what the
 * library's reports give back (src/trace/report.c: JSON documents, the
 * services and categories summed, the Graphviz drawing) as JSON, an
 * aligned table, or DOT / SVG through `dot -Tsvg`.  Exit codes: 0 ok; 1
 * nothing found (not linked) or a cut answer; 2 usage, unknown
 * txid/address, fatal errors.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sanctrace/chain.h"
#include "sanctrace/trace.h"
#include "sanctrace/xtrace.h"

int cmd_trace(int argc, char **argv);
int cmd_exposure(int argc, char **argv);
int cmd_chain_cluster(int argc, char **argv);
int cmd_chain_why(int argc, char **argv);

/* ---- options ---------------------------------------------------------- */

typedef cli_list tr_list;

typedef struct tr_args {
    const char *db, *format, *data_dir, *model, *change, *address, *evm_db, *asset;
    tr_list from, tags;
    cli_args pos;
    uint64_t until_height; /* UINT64_MAX: to the tip */
    uint64_t max_hops, max_txs, large, max_visits, limit;
    int taint_fee, through_services, merge_coinjoin, no_sanctions, cluster, through_mixers, db_given;
    uint64_t until_block, max_fanout;
    char dbbuf[1100], ddbuf[1024];
} tr_args;

#define OPT(n, k, f, m) CLI_OPT(n, k, tr_args, f, m)
#define COMMON OPT("--db", CLI_TEXT, db, 0), OPT("--data-dir", CLI_TEXT, data_dir, 0), OPT("--format", CLI_TEXT, format, 0)

static const cli_opt trace_opts[] = {
    COMMON,
    OPT("--from", CLI_LIST, from, 0),
    OPT("--model", CLI_TEXT, model, 0),
    OPT("--until-height", CLI_NUM, until_height, INT64_MAX),
    OPT("--max-hops", CLI_NUM, max_hops, 1000000),
    OPT("--taint-fee", CLI_FLAG, taint_fee, 0),
    OPT("--tags", CLI_LIST, tags, 0),
    OPT("--no-sanctions", CLI_FLAG, no_sanctions, 0),
    OPT("--limit", CLI_NUM, limit, SIZE_MAX),
    OPT("--max-txs", CLI_NUM, max_txs, UINT64_MAX),
    OPT("--through-services", CLI_FLAG, through_services, 0),
    OPT("--evm-db", CLI_TEXT, evm_db, 0),
    OPT("--until-block", CLI_NUM, until_block, INT64_MAX),
    OPT("--through-mixers", CLI_FLAG, through_mixers, 0),
    OPT("--max-fanout", CLI_NUM, max_fanout, 1000000),
    CLI_END,
};

static const cli_opt exposure_opts[] = {
    COMMON,
    OPT("--evm-db", CLI_TEXT, evm_db, 0),
    OPT("--asset", CLI_TEXT, asset, 0),
    OPT("--cluster", CLI_FLAG, cluster, 0),
    OPT("--max-hops", CLI_NUM, max_hops, 1000000),
    OPT("--tags", CLI_LIST, tags, 0),
    OPT("--no-sanctions", CLI_FLAG, no_sanctions, 0),
    OPT("--max-visits", CLI_NUM, max_visits, UINT64_MAX),
    CLI_END,
};

static const cli_opt cluster_opts[] = {
    COMMON,
    OPT("--change", CLI_TEXT, change, 0),
    OPT("--merge-coinjoin", CLI_FLAG, merge_coinjoin, 0),
    OPT("--large", CLI_NUM, large, UINT64_MAX),
    OPT("--address", CLI_TEXT, address, 0),
    OPT("--limit", CLI_NUM, limit, SIZE_MAX),
    CLI_END,
};

static const cli_opt why_opts[] = {
    COMMON,
    CLI_END,
};

/* Every table, so an option of another command is named as such. */
static const cli_opt *const all_tables[] = {trace_opts, exposure_opts, cluster_opts, why_opts, NULL};
static const char *const all_names[] = {"trace", "exposure", "chain cluster", "chain why"};

/* Parse argv (without the command name) against the command's table; at
 * most maxpos positional arguments.  Returns 0, or 2 after printing. */
static int parse(int argc, char **argv, const cli_opt *table, size_t maxpos, tr_args *a, const char *cmd) {
    memset(a, 0, sizeof *a);
    a->format = "json";
    a->model = "haircut";
    a->until_height = UINT64_MAX;
    a->limit = 1000;
    a->max_txs = 5000000;
    a->until_block = UINT64_MAX;
    if (cli_parse(cmd, table, all_tables, all_names, argc, argv, a, &a->pos, maxpos)) return 2;
    a->db_given = a->db != NULL;
    cli_data_dir(a->data_dir, a->ddbuf, sizeof a->ddbuf);
    if (!a->db) {
        snprintf(a->dbbuf, sizeof a->dbbuf, "%s/chain", a->ddbuf);
        a->db = a->dbbuf;
    }
    return 0;
}

static int want_help(int argc, char **argv) { return cli_want_help(argc, argv); }

/* ---- printing --------------------------------------------------------- */

/* Print a document (taking it); 2 when building it failed. */
static int print_json(const char *cmd, int rc, json_t *j) {
    if (rc) {
        fprintf(stderr, "sanctrace %s: %s\n", cmd, rc == ST_ENOMEM ? "out of memory" : st_strerror(rc));
        return 2;
    }
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) puts(s);
    free(s);
    json_decref(j);
    return 0;
}

static const char *txid_text(const st_chain_cols *k, uint64_t t, char hx[65]) {
    st_chain_hash_hex(k->tx_hash[t], hx);
    return hx;
}

/* Address text, "-" when the output has none. */
static const char *addr_text(const st_chain *c, uint64_t a, char *buf, size_t n) {
    if (a == ST_CHAIN_NONE) return "-";
    st_chain_addr_text(c, a, buf, n);
    return buf;
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

static int env_open(tr_env *e, const tr_args *a, int need_clusters, int want_tags) {
    memset(e, 0, sizeof *e);
    st_error err;
    st_error_clear(&err);
    if (st_chain_open(&e->c, a->db, &err)) goto fail;
    st_chain_get_cols(e->c, &e->k);
    int rc = st_clusters_open(&e->cl, a->db, e->c, &err);
    if (rc && (need_clusters || rc == ST_ECORRUPT)) goto fail;
    if (rc) e->cl = NULL;
    st_error_clear(&err);
    if (st_tagset_new(&e->ts)) goto oom;
    for (size_t i = 0; want_tags && i < a->tags.n; i++)
        if (st_tagset_load_path(e->ts, a->tags.v[i], &err)) goto fail;
    if (want_tags && !a->no_sanctions) {
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
            "usage: sanctrace trace [--db DIR] [--evm-db DIR] --from SOURCE ... [--model MODEL]\n"
            "         [--until-height H] [--max-hops N] [--taint-fee] [--tags FILE|DIR ...]\n"
            "         [--format json|table|dot|svg] [--limit N] [--max-txs N] [--through-services]\n"
            "         [--data-dir DIR] [--no-sanctions]\n\n"
            "Follows tainted coins forward in chain order, in exact satoshis.\n"
            "  --model poison|haircut|fifo|lifo|tiho   (default haircut)\n"
            "  --from      a source: one output, every output of an address, or every address\n"
            "              of a tag (label, actor or TagPack title); repeatable.  On Ethereum\n"
            "              (--evm-db): a transaction hash (what its sender sent), HASH/0xVICTIM,\n"
            "              0xADDRESS@BLOCK (its balances after that block), 0xADDRESS\n"
            "  --evm-db DIR  trace the Ethereum store too (models poison, haircut, fifo);\n"
            "              then --db adds the Bitcoin store; --until-block H stops at block H,\n"
            "              --through-mixers links mixer deposits to withdrawals (a heuristic),\n"
            "              --max-fanout N bounds bridge outbounds per inbound (default 64)\n"
            "  --taint-fee fee taint goes to the block's coinbase instead of leaving the graph\n"
            "  --tags      TagPack YAML files or directories (repeatable); the sanctions\n"
            "              snapshot's wallets in --data-dir are added unless --no-sanctions\n"
            "  --limit N   frontier entries printed (largest first; totals always exact; default 1000)\n"
            "  --max-txs N work bound (default 5,000,000; 0 = none); the cut is reported\n"
            "  --through-services  keep tracing through tagged services (default: stop there)\n"
            "--db defaults to DIR/chain of --data-dir ($SANCTRACE_HOME or ~/.local/share/sanctrace).\n"
            "Exit: 0 ok, 1 the trace was cut by a bound, 2 usage or unknown source.\n");
}

static int trace_table(const tr_env *e, const tr_args *a, const st_trace_result *r) {
    st_trace_service *sv;
    size_t nsv;
    if (st_trace_services(r, &sv, &nsv)) {
        fprintf(stderr, "sanctrace trace: out of memory\n");
        return 2;
    }
    printf("model %s  source %lld sat  frontier %lld sat in %zu outputs  fee left %lld  "
           "to coinbase %lld  rounding %lld  txs %llu%s\n",
           a->model, (long long)r->source_value, (long long)r->frontier_value, r->nfrontier, (long long)r->fee_left,
           (long long)r->fee_to_coinbase, (long long)r->rounding_loss, (unsigned long long)r->txs,
           r->cut ? "  (CUT by --max-txs)" : "");
    for (size_t i = 0; i < nsv; i++)
        printf("service %-30s %-12s %15lld sat\n", sv[i].tag->label, sv[i].tag->category, (long long)sv[i].amount);
    st_free(sv);
    printf("%-64s %5s %-42s %15s %15s %4s %s\n", "txid", "vout", "address", "value", "tainted", "hops", "stop");
    char hx[65], ad[128];
    for (size_t i = 0; i < r->nfrontier && i < a->limit; i++) {
        const st_trace_hit *h = &r->frontier[i];
        uint64_t t = st_chain_out_tx(e->c, h->out);
        printf("%-64s %5lld %-42s %15lld %15lld %4lld %s\n", txid_text(&e->k, t, hx),
               (long long)(h->out - e->k.tx_first_out[t]), addr_text(e->c, e->k.out_addr[h->out], ad, sizeof ad),
               (long long)e->k.out_value[h->out], (long long)h->tainted, (long long)h->hops, st_stop_name(h->stop));
    }
    return 0;
}

/* DOT to stdout, or SVG through Graphviz. */
static int trace_draw(const tr_env *e, const st_trace_result *r, const uint64_t *src, size_t nsrc,
                      st_taint_model model, int svg) {
    if (!svg) return st_trace_write_dot(stdout, e->c, r, src, nsrc, model) ? 2 : 0;
    fflush(stdout);
    FILE *p = popen("dot -Tsvg", "w");
    if (!p) {
        fprintf(stderr, "sanctrace trace: cannot run Graphviz 'dot' (install the graphviz package)\n");
        return 2;
    }
    int rc = st_trace_write_dot(p, e->c, r, src, nsrc, model);
    if (pclose(p) != 0) {
        fprintf(stderr, "sanctrace trace: Graphviz 'dot -Tsvg' failed (install the graphviz package)\n");
        return 2;
    }
    return rc ? 2 : 0;
}

/* --evm-db: one trace over the Ethereum store and, with --db, the Bitcoin
 * store (sanctrace/xtrace.h). */
static int trace_xchain(const tr_args *a, st_taint_model model, const char *fmt) {
    if (model != ST_TAINT_POISON && model != ST_TAINT_HAIRCUT && model != ST_TAINT_FIFO) {
        fprintf(stderr, "sanctrace trace: with --evm-db the model is poison, haircut or fifo\n");
        return 2;
    }
    st_error err;
    st_error_clear(&err);
    st_evm *ev = NULL;
    tr_env e;
    memset(&e, 0, sizeof e);
    st_xtrace *x = NULL;
    int rc = 0;
    st_evm_events *evs = NULL;
    if (st_evm_open(&ev, a->evm_db, &err)) {
        cli_report(&err);
        return 2;
    }
    if (st_evm_events_open(&evs, ev, a->evm_db, &err)) {
        cli_report(&err);
        st_evm_close(ev);
        return 2;
    }
    if (a->db_given) {
        if (env_open(&e, a, 0, 1)) {
            st_evm_close(ev);
            return 2;
        }
    } else {
        if (st_tagset_new(&e.ts)) goto oom;
        for (size_t i = 0; i < a->tags.n; i++)
            if (st_tagset_load_path(e.ts, a->tags.v[i], &err)) {
                cli_report(&err);
                rc = 2;
                goto out;
            }
        if (!a->no_sanctions) {
            st_error e2;
            st_error_clear(&e2);
            if (st_tagset_load_sanctions(e.ts, a->ddbuf, &e.sanction_tags, &e2) && e2.code != ST_ENOTFOUND)
                cli_report(&e2);
        }
    }
    st_xtrace_opts o;
    memset(&o, 0, sizeof o);
    o.model = model;
    o.until_block = a->until_block == UINT64_MAX ? -1 : (int64_t)a->until_block;
    o.until_height = a->until_height == UINT64_MAX ? -1 : (int64_t)a->until_height;
    o.max_hops = (uint32_t)a->max_hops;
    o.through_services = a->through_services;
    o.through_mixers = a->through_mixers;
    o.max_fanout = a->max_fanout;
    o.max_txs = a->max_txs;
    o.tags = e.ts;
    o.btc_tags = e.tm;
    o.events = evs;
    o.progress = 1;
    if (st_xtrace_run(ev, e.c, (const char *const *)a->from.v, a->from.n, &o, &x, &err)) {
        cli_report(&err);
        rc = 2;
        goto out;
    }
    if (!strcmp(fmt, "json")) {
        json_t *j;
        int jrc = st_xtrace_json(x, (size_t)a->limit, &j);
        rc = print_json("trace", jrc, j);
    } else if (!strcmp(fmt, "table")) {
        rc = st_xtrace_write_table(stdout, x, (size_t)a->limit) ? 2 : 0;
    } else if (!strcmp(fmt, "dot")) {
        rc = st_xtrace_write_dot(stdout, x) ? 2 : 0;
    } else {
        fflush(stdout);
        FILE *p = popen("dot -Tsvg", "w");
        if (!p) {
            fprintf(stderr, "sanctrace trace: cannot run Graphviz 'dot' (install the graphviz package)\n");
            rc = 2;
            goto out;
        }
        rc = st_xtrace_write_dot(p, x) ? 2 : 0;
        if (pclose(p) != 0) {
            fprintf(stderr, "sanctrace trace: Graphviz 'dot -Tsvg' failed (install the graphviz package)\n");
            rc = 2;
        }
    }
    if (!rc && st_xtrace_cut(x)) rc = 1;
    goto out;
oom:
    fprintf(stderr, "sanctrace trace: out of memory\n");
    rc = 2;
out:
    st_xtrace_free(x);
    if (e.c) env_close(&e);
    else st_tagset_free(e.ts);
    st_evm_events_close(evs);
    st_evm_close(ev);
    return rc;
}

int cmd_trace(int argc, char **argv) {
    if (want_help(argc, argv)) {
        trace_usage(stdout);
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, trace_opts, 0, &a, "trace")) return 2;
    st_taint_model model;
    if (st_taint_model_parse(a.model, &model)) {
        fprintf(stderr, "sanctrace trace: --model must be poison, haircut, fifo, lifo or tiho\n");
        return 2;
    }
    if (!a.from.n) {
        fprintf(stderr, "sanctrace trace: give at least one --from TXID:VOUT|ADDRESS|TAG\n");
        trace_usage(stderr);
        return 2;
    }
    const char *fmt = a.format;
    if (strcmp(fmt, "json") && strcmp(fmt, "table") && strcmp(fmt, "dot") && strcmp(fmt, "svg")) {
        fprintf(stderr, "sanctrace trace: --format must be json, table, dot or svg\n");
        return 2;
    }
    if (a.evm_db) return trace_xchain(&a, model, fmt);
    for (size_t i = 0; i < a.from.n; i++)
        if (!strncmp(a.from.v[i], "0x", 2) || !strncmp(a.from.v[i], "0X", 2)) {
            fprintf(stderr, "sanctrace trace: source '%s' is on Ethereum: give the Ethereum store (--evm-db DIR)\n",
                    a.from.v[i]);
            return 2;
        }
    tr_env e;
    if (env_open(&e, &a, 0, 1)) return 2;
    st_error err;
    st_error_clear(&err);
    uint64_t *src = NULL;
    size_t nsrc = 0, cap = 0;
    int rc = 0;
    st_trace_result *r = NULL;
    for (size_t i = 0; i < a.from.n; i++)
        if (st_trace_source(e.c, e.tm, a.from.v[i], &src, &nsrc, &cap, &err)) {
            cli_report(&err);
            rc = 2;
            goto out;
        }
    int64_t until = a.until_height == UINT64_MAX ? -1 : (int64_t)a.until_height;
    st_trace_opts o = {model, until, (uint32_t)a.max_hops, a.taint_fee, a.max_txs, a.through_services, e.tm};
    if (st_trace_run(e.c, src, nsrc, &o, &r, &err)) {
        cli_report(&err);
        rc = 2;
        goto out;
    }
    st_trace_sort_frontier(r);
    if (!strcmp(fmt, "dot") || !strcmp(fmt, "svg")) rc = trace_draw(&e, r, src, nsrc, model, !strcmp(fmt, "svg"));
    else if (!strcmp(fmt, "table")) rc = trace_table(&e, &a, r);
    else {
        json_t *j;
        int jrc = st_trace_json(e.c, r, src, nsrc, model, (size_t)a.limit, &j);
        rc = print_json("trace", jrc, j);
    }
    if (!rc && r->cut) rc = 1;
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
            "       sanctrace exposure --evm-db DIR [--db BTCDIR] 0xADDRESS|BTCADDRESS [--asset ETH|0xTOKEN]\n"
            "         [--max-hops N] [--tags FILE|DIR ...] [--format json|table] [--max-visits N]\n"
            "         [--data-dir DIR] [--no-sanctions]\n\n"
            "How much of what ADDRESS (or, with --cluster or cluster:ID, its whole cluster)\n"
            "received comes from tagged sources: directly (the tagged address paid it) or\n"
            "indirectly (through unlabelled addresses, up to --max-hops, default 5), by category\n"
            "and by source, each with the transactions that carry it, and a risk level.\n"
            "With both stores the walk crosses THORChain (OUT: memos) back to the other chain.\n"
            "The sanctions snapshot's wallets in --data-dir are tags too unless --no-sanctions.\n"
            "Exit: 0 ok, 1 the walk was cut by --max-visits, 2 usage or unknown address.\n");
}

/* --evm-db: exposure of an Ethereum address (sanctrace/xtrace.h). */
static int exposure_evm(const tr_args *a, const char *target) {
    st_error err;
    st_error_clear(&err);
    st_evm *ev = NULL;
    st_evm_events *evs = NULL;
    st_tagset *ts = NULL;
    st_xexposure *x = NULL;
    st_chain *btc = NULL;
    int rc = 0;
    if (st_evm_open(&ev, a->evm_db, &err)) {
        cli_report(&err);
        return 2;
    }
    if (a->db_given && st_chain_open(&btc, a->db, &err)) { /* both stores: across THORChain */
        cli_report(&err);
        rc = 2;
        goto out;
    }
    if (st_tagset_new(&ts)) {
        fprintf(stderr, "sanctrace exposure: out of memory\n");
        rc = 2;
        goto out;
    }
    for (size_t i = 0; i < a->tags.n; i++)
        if (st_tagset_load_path(ts, a->tags.v[i], &err)) {
            cli_report(&err);
            rc = 2;
            goto out;
        }
    if (!a->no_sanctions) {
        st_error e2;
        size_t added;
        st_error_clear(&e2);
        if (st_tagset_load_sanctions(ts, a->ddbuf, &added, &e2) && e2.code != ST_ENOTFOUND) cli_report(&e2);
    }
    if (st_evm_events_open(&evs, ev, a->evm_db, &err)) {
        cli_report(&err);
        rc = 2;
        goto out;
    }
    if (st_xexposure_run_x(ev, evs, btc, ts, target, a->asset, (uint32_t)a->max_hops, a->max_visits == UINT64_MAX ? 0 : a->max_visits,
                         &x, &err)) {
        cli_report(&err);
        rc = 2;
        goto out;
    }
    json_t *j;
    int jrc = st_xexposure_json(x, &j);
    if (!strcmp(a->format, "json")) rc = print_json("exposure", jrc, j);
    else if (jrc) rc = 2;
    else {
        printf("target %s  asset %s  received %s  exposure %s direct + %s indirect%s\n", target,
               json_string_value(json_object_get(j, "asset")), json_string_value(json_object_get(j, "received")),
               json_string_value(json_object_get(j, "direct")), json_string_value(json_object_get(j, "indirect")),
               st_xexposure_cut(x) ? "  (CUT by --max-visits)" : "");
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(j, "by_source"), i, s) {
            printf("  %-12s %-36s direct %30s  indirect %30s\n", json_string_value(json_object_get(s, "category")),
                   json_string_value(json_object_get(s, "label")), json_string_value(json_object_get(s, "direct")),
                   json_string_value(json_object_get(s, "indirect")));
        }
        json_array_foreach(json_object_get(j, "bridges"), i, s) { /* both stores: the THORChain hops crossed */
            printf("  bridge %s %s %s -> %s %s  carried %s\n", json_string_value(json_object_get(s, "protocol")),
                   json_string_value(json_object_get(s, "in_chain")), json_string_value(json_object_get(s, "in_tx")),
                   json_string_value(json_object_get(s, "out_chain")), json_string_value(json_object_get(s, "out_tx")),
                   json_string_value(json_object_get(s, "carried")));
        }
        json_decref(j);
    }
    if (!rc && st_xexposure_cut(x)) rc = 1;
out:
    st_xexposure_free(x);
    st_tagset_free(ts);
    st_evm_events_close(evs);
    st_evm_close(ev);
    st_chain_close(btc);
    return rc;
}

int cmd_exposure(int argc, char **argv) {
    if (want_help(argc, argv)) {
        exposure_usage(stdout);
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, exposure_opts, 1, &a, "exposure")) return 2;
    if (a.pos.n != 1) {
        exposure_usage(stderr);
        return 2;
    }
    if (strcmp(a.format, "json") && strcmp(a.format, "table")) {
        fprintf(stderr, "sanctrace exposure: --format must be json or table\n");
        return 2;
    }
    const char *target = a.pos.v[0];
    if (a.evm_db) return exposure_evm(&a, target);
    int want_cluster = a.cluster || !strncmp(target, "cluster:", 8);
    tr_env e;
    if (env_open(&e, &a, want_cluster, 1)) return 2;
    int rc = 0;
    uint64_t *addrs = NULL;
    size_t na = 0;
    st_exposure_result *r = NULL;
    st_error err;
    st_error_clear(&err);
    uint64_t id = ST_CHAIN_NONE, cid = ST_CHAIN_NONE;
    if (!strncmp(target, "cluster:", 8)) {
        char *end;
        errno = 0;
        cid = strtoull(target + 8, &end, 10);
        if (*end || target[8] < '0' || target[8] > '9' || errno == ERANGE || cid >= e.k.naddr ||
            st_clusters_id(e.cl, cid) != cid) {
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
        int mrc = st_clusters_members(e.cl, cid, &addrs, &na);
        if (mrc == ST_EINVAL) { /* the id names no cluster: only a damaged cluster file does that */
            fprintf(stderr, "sanctrace exposure: the cluster file in %s is damaged (cluster %llu has no members): "
                    "run 'sanctrace chain cluster --db %s' again\n", a.db, (unsigned long long)cid, a.db);
            rc = 2;
            goto out;
        }
        if (mrc) goto oom;
    } else na = 1;
    st_exposure_opts o = {(uint32_t)a.max_hops, a.max_visits, 3, e.tm, e.cl};
    if (st_exposure_run(e.c, addrs ? addrs : &id, na, &o, &r, &err)) {
        cli_report(&err);
        rc = 2;
        goto out;
    }
    if (!strcmp(a.format, "json")) {
        json_t *j;
        int jrc = st_exposure_json(e.c, r, target, cid, na, &j);
        rc = print_json("exposure", jrc, j);
    } else {
        int64_t dir, ind;
        st_exposure_totals(r, &dir, &ind);
        printf("target %s  received %lld sat in %llu outputs  exposure %lld direct + %lld indirect  risk %s%s\n",
               cid != ST_CHAIN_NONE ? "cluster" : target, (long long)r->received, (unsigned long long)r->outputs,
               (long long)dir, (long long)ind, st_exposure_risk(r), r->cut ? "  (CUT by --max-visits)" : "");
        for (size_t i = 0; i < r->nshares; i++)
            printf("  %-12s %-36s direct %15lld  indirect %15lld\n", r->shares[i].tag->category,
                   r->shares[i].tag->label, (long long)r->shares[i].direct, (long long)r->shares[i].indirect);
    }
    if (!rc && r->cut) rc = 1;
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

/* `chain cluster --address A`: A's cluster and its first members. */
static int cluster_of(const tr_args *a) {
    tr_env e;
    if (env_open(&e, a, 1, 0)) return 2;
    uint64_t id;
    if (!st_chain_find_addr(e.c, a->address, &id)) {
        fprintf(stderr, "sanctrace chain cluster: unknown address %s\n", a->address);
        env_close(&e);
        return 2;
    }
    int rc = 0;
    size_t limit = a->limit ? (size_t)a->limit : 1000;
    if (!strcmp(a->format, "json")) {
        json_t *j;
        int jrc = st_cluster_members_json(e.c, e.cl, a->address, id, limit, &j);
        rc = print_json("chain cluster", jrc, j);
    } else {
        uint64_t cid = st_clusters_id(e.cl, id);
        printf("cluster %llu  size %llu\n", (unsigned long long)cid, (unsigned long long)st_clusters_size(e.cl, cid));
        char ad[128];
        size_t shown = 0;
        for (uint64_t m = cid; m != ST_CHAIN_NONE && shown < limit; m = st_clusters_next_member(e.cl, m), shown++)
            printf("  %s\n", addr_text(e.c, m, ad, sizeof ad));
    }
    env_close(&e);
    return rc;
}

int cmd_chain_cluster(int argc, char **argv) {
    if (want_help(argc, argv)) {
        printf("usage: sanctrace chain cluster [--db DIR] [--change fresh,type,round] [--merge-coinjoin]\n"
               "         [--large N] [--format json|table]\n"
               "       sanctrace chain cluster [--db DIR] --address ADDR [--limit N] [--format json|table]\n\n"
               "Groups addresses by the multi-input heuristic (CoinJoins left apart unless\n"
               "--merge-coinjoin; change heuristics off unless --change) into DIR/cluster.col.\n"
               "Warns when a transaction joins two clusters of at least --large addresses\n"
               "(default 10000).  With --address: that address's cluster id, size and its\n"
               "first --limit members (default 1000).\n"
               "--db defaults to DIR/chain of --data-dir ($SANCTRACE_HOME or ~/.local/share/sanctrace).\n");
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, cluster_opts, 0, &a, "chain cluster")) return 2;
    if (strcmp(a.format, "json") && strcmp(a.format, "table")) {
        fprintf(stderr, "sanctrace chain cluster: --format must be json or table\n");
        return 2;
    }
    if (a.address) {
        if (a.change || a.merge_coinjoin || a.large) {
            fprintf(stderr, "sanctrace chain cluster: --address reads the clusters; --change, --merge-coinjoin "
                            "and --large are for building them\n");
            return 2;
        }
        return cluster_of(&a);
    }
    st_error err;
    st_error_clear(&err);
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
    json_t *j;
    int jrc = st_cluster_report_json(&rep, &o, &j);
    if (jrc || !strcmp(a.format, "json")) return print_json("chain cluster", jrc, j);
    /* the table: one "key value" line per field of the report */
    for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
        char *s = json_dumps(json_object_iter_value(it), JSON_ENCODE_ANY);
        printf("%-18s %s\n", json_object_iter_key(it), s ? s : "");
        free(s);
    }
    json_decref(j);
    return 0;
}

int cmd_chain_why(int argc, char **argv) {
    if (want_help(argc, argv)) {
        printf("usage: sanctrace chain why [--db DIR] ADDR1 ADDR2 [--format json|table]\n\n"
               "The chain of co-spending transactions that put ADDR1 and ADDR2 in one cluster,\n"
               "or that they are not linked (exit 1).  Needs 'sanctrace chain cluster' first.\n"
               "--db defaults to DIR/chain of --data-dir ($SANCTRACE_HOME or ~/.local/share/sanctrace).\n");
        return 0;
    }
    tr_args a;
    if (parse(argc - 1, argv + 1, why_opts, 2, &a, "chain why")) return 2;
    if (a.pos.n != 2) {
        fprintf(stderr, "sanctrace chain why: give two addresses\n");
        return 2;
    }
    if (strcmp(a.format, "json") && strcmp(a.format, "table")) {
        fprintf(stderr, "sanctrace chain why: --format must be json or table\n");
        return 2;
    }
    tr_env e;
    if (env_open(&e, &a, 1, 0)) return 2;
    uint64_t id[2];
    for (int i = 0; i < 2; i++)
        if (!st_chain_find_addr(e.c, a.pos.v[i], &id[i])) {
            fprintf(stderr, "sanctrace chain why: unknown address %s (never seen in the store at %s)\n", a.pos.v[i],
                    a.db);
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
    int rc = linked ? 0 : 1;
    if (!strcmp(a.format, "json")) {
        json_t *j;
        int jrc = st_why_json(e.c, e.cl, a.pos.v[0], a.pos.v[1], id[0], id[1], linked, steps, n, &j);
        if (print_json("chain why", jrc, j)) rc = 2;
    } else if (!linked) printf("%s and %s are not linked (different clusters)\n", a.pos.v[0], a.pos.v[1]);
    else {
        printf("%s and %s are linked by %zu co-spending transaction(s):\n", a.pos.v[0], a.pos.v[1], n);
        char f[128], t[128], hx[65];
        for (size_t i = 0; i < n; i++)
            printf("  %s  spends with  %s  in tx %s\n", addr_text(e.c, steps[i].from, f, sizeof f),
                   addr_text(e.c, steps[i].to, t, sizeof t), txid_text(&e.k, steps[i].tx, hx));
    }
    st_free(steps);
    env_close(&e);
    return rc;
}
