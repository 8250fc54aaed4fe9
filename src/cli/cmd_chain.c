/*
 * cmd_chain.c - `sanctrace chain ingest|stats|tx|block|address|synth`.
 *
 * Thin front end over include/sanctrace/chain.h: parses options, opens the
 * store read-only for queries, prints JSON (jansson, satoshis as integers)
 * or an aligned table.  Exit codes: 0 ok; 1 not found, or an ingest that
 * skipped bad records; 2 usage errors, malformed ids and fatal errors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sanctrace/io.h"
#include "sanctrace/chain.h"
#include "sanctrace/trace.h"

int cmd_chain(int argc, char **argv);
int cmd_chain_cluster(int argc, char **argv); /* cmd_trace.c */
int cmd_chain_why(int argc, char **argv);     /* cmd_trace.c */

typedef struct chain_args {
    int quiet; /* build answers but print nothing (query timing) */
    int lines; /* several ids asked: one compact JSON object per line */
    int check_witness; /* ingest: verify BIP141 witness commitments */
    const char *db;
    const char *format;
    const char *network;
    const char *out;
    uint64_t txs, seed;
    int nopos;
    const char *const *pos;
    cli_args posl;
    char dbbuf[1024];
} chain_args;

/* One table per subcommand: an option of another is refused by name. */
#define OPT(n, k, f, m) CLI_OPT(n, k, chain_args, f, m)
#define STORE OPT("--db", CLI_TEXT, db, 0), OPT("--format", CLI_TEXT, format, 0)
static const cli_opt ingest_opts[] = {STORE, OPT("--network", CLI_TEXT, network, 0),
                                      OPT("--check-witness", CLI_FLAG, check_witness, 0), CLI_END};
static const cli_opt query_opts[] = {STORE, CLI_END};
static const cli_opt synth_opts[] = {OPT("--txs", CLI_NUM, txs, 100000000), OPT("--out", CLI_TEXT, out, 0),
                                     OPT("--seed", CLI_NUM, seed, UINT64_MAX), CLI_END};
static const cli_opt querybench_opts[] = {STORE, OPT("--txs", CLI_NUM, txs, 100000000), CLI_END};
static const cli_opt *const chain_tables[] = {ingest_opts, synth_opts, querybench_opts, NULL};
static const char *const chain_names[] = {"chain ingest", "chain synth", "chain querybench"};

static void chain_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace chain <subcommand> [--db DIR] [--format json|table]\n\n"
            "  ingest [--network NET] [--check-witness] PATH...\n"
            "                                   read Bitcoin Core blocks/ dirs, blk*.dat(.bz2) files or raw blocks;\n"
            "                                   --check-witness also verifies each block's witness commitment\n"
            "  stats                            counts, tip, store size\n"
            "  tx TXID...                       inputs, outputs, fee, spending transactions\n"
            "  block HEIGHT|HASH...             a block of the best chain\n"
            "  address ADDR                     received, sent, balance, transactions, first/last seen\n"
            "  synth --txs N --out DIR [--seed S]  a synthetic regtest chain with a planted theft\n"
            "  cluster [--change H,..]          group addresses (multi-input; see 'chain cluster --help')\n"
            "  why ADDR1 ADDR2                  the co-spending transactions joining two addresses\n"
            "  querybench [--txs N]             time N random tx and address queries in process\n\n"
            "Several ids: one compact JSON object per line.\n"
            "--db defaults to $SANCTRACE_HOME/chain (or ~/.local/share/sanctrace/chain).\n"
            "Exit codes: 0 ok, 1 not found or bad records skipped, 2 usage or fatal error.\n");
}

static int parse_args(int argc, char **argv, const char *sub, chain_args *a) {
    memset(a, 0, sizeof *a);
    a->format = "json";
    const cli_opt *t = !strcmp(sub, "ingest")       ? ingest_opts
                       : !strcmp(sub, "synth")      ? synth_opts
                       : !strcmp(sub, "querybench") ? querybench_opts
                                                    : query_opts;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "chain %s", sub);
    if (cli_parse(cmd, t, chain_tables, chain_names, argc, argv, a, &a->posl, (size_t)argc)) return 2;
    a->pos = (const char *const *)a->posl.v;
    a->nopos = (int)a->posl.n;
    if (strcmp(a->format, "json") && strcmp(a->format, "table")) {
        fprintf(stderr, "sanctrace chain: --format must be json or table\n");
        return 2;
    }
    if (!a->db) {
        char base[900];
        cli_data_dir(NULL, base, sizeof base);
        snprintf(a->dbbuf, sizeof a->dbbuf, "%s/chain", base);
        a->db = a->dbbuf;
    }
    return 0;
}

/* Print a JSON object as JSON or as "key  value" lines. */
static void emit(const chain_args *a, json_t *o) {
    if (a->quiet) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        free(s);
        return;
    }
    if (!strcmp(a->format, "json")) {
        char *s = json_dumps(o, (a->lines ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        return;
    }
    cli_print_kv(o, 16);
}

static json_t *jhash(const uint8_t h[32]) {
    char hx[65];
    st_chain_hash_hex(h, hx);
    return json_string(hx);
}

static json_t *jaddr(const st_chain *c, uint64_t a) {
    if (a == ST_CHAIN_NONE) return json_null();
    char t[128];
    st_chain_addr_text(c, a, t, sizeof t);
    return json_string(t);
}

static json_t *jheight(int64_t h) { return h < 0 ? json_null() : json_integer(h); }

static void on_bad(void *ctx, const st_error *e) {
    (void)ctx;
    cli_report(e);
}

static int chain_ingest(chain_args *a) {
    if (a->nopos < 1) {
        fprintf(stderr, "sanctrace chain ingest: give at least one PATH (blocks/ dir, blk file or raw block)\n");
        return 2;
    }
    /* a file size limit (ulimit -f) then fails the growing column with
     * EFBIG, reported, instead of killing the ingest with SIGXFSZ */
    cli_store_writer("chain ingest");
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    if (a->network && (o.net = st_chain_net_parse(a->network)) == ST_NET_UNKNOWN) {
        fprintf(stderr, "sanctrace chain ingest: unknown network '%s' (main, testnet, regtest, signet)\n", a->network);
        return 2;
    }
    o.progress = 1;
    o.on_bad = on_bad;
    o.no_sync = st_env_flag("SANCTRACE_NO_SYNC");
    o.no_prefault = st_env_flag("SANCTRACE_NO_PREFAULT");
    o.check_witness = a->check_witness;
    st_ingest_report r;
    st_error err;
    st_error_clear(&err);
    int rc = st_chain_ingest(a->db, (const char *const *)a->pos, (size_t)a->nopos, &o, &r, &err);
    if (rc) {
        cli_report(&err);
        return 2;
    }
    json_t *j = json_object();
    json_object_set_new(j, "files", json_integer((json_int_t)r.files));
    json_object_set_new(j, "bytes_scanned", json_integer((json_int_t)r.bytes_scanned));
    json_object_set_new(j, "headers_new", json_integer((json_int_t)r.headers_new));
    json_object_set_new(j, "duplicates", json_integer((json_int_t)r.duplicates));
    json_object_set_new(j, "bad_records", json_integer((json_int_t)r.bad_records));
    json_object_set_new(j, "blocks_added", json_integer((json_int_t)r.blocks_added));
    json_object_set_new(j, "blocks_removed", json_integer((json_int_t)r.blocks_removed));
    json_object_set_new(j, "transactions_added", json_integer((json_int_t)r.txs_added));
    json_object_set_new(j, "seconds", json_real(r.seconds));
    json_object_set_new(j, "tx_per_second", json_real(r.seconds > 0 ? (double)r.txs_added / r.seconds : 0));
    emit(a, j);
    json_decref(j);
    return r.bad_records ? 1 : 0;
}

static int open_store(const chain_args *a, st_chain **c) {
    st_error err;
    st_error_clear(&err);
    if (st_chain_open(c, a->db, &err)) {
        cli_report(&err);
        return 2;
    }
    return 0;
}

static int chain_stats(chain_args *a) {
    st_chain *c;
    if (open_store(a, &c)) return 2;
    st_chain_stats s;
    st_chain_get_stats(c, &s);
    json_t *j = json_object();
    json_object_set_new(j, "network", json_string(st_chain_net_name(s.net)));
    json_object_set_new(j, "blocks", json_integer((json_int_t)s.blocks));
    json_object_set_new(j, "transactions", json_integer((json_int_t)s.transactions));
    json_object_set_new(j, "inputs", json_integer((json_int_t)s.inputs));
    json_object_set_new(j, "outputs", json_integer((json_int_t)s.outputs));
    json_object_set_new(j, "addresses", json_integer((json_int_t)s.addresses));
    json_object_set_new(j, "tip_height", jheight(s.tip_height));
    json_object_set_new(j, "tip_hash", s.blocks ? jhash(s.tip_hash) : json_null());
    json_object_set_new(j, "headers", json_integer((json_int_t)s.headers));
    json_object_set_new(j, "stale_blocks", json_integer((json_int_t)s.stale));
    json_object_set_new(j, "bad_blocks", json_integer((json_int_t)s.bad_bodies));
    json_object_set_new(j, "unknown_inputs", json_integer((json_int_t)s.unknown_inputs));
    json_object_set_new(j, "store_bytes", json_integer((json_int_t)s.store_bytes));
    json_object_set_new(j, "bytes_per_tx", json_real(s.transactions ? (double)s.store_bytes / (double)s.transactions : 0));
    emit(a, j);
    json_decref(j);
    st_chain_close(c);
    return 0;
}

static int chain_tx_one(chain_args *a, st_chain *c, const char *id);

/* Several ids: each answered in turn; the worst exit code wins. */
static int each_id(chain_args *a, const char *what, int (*one)(chain_args *, st_chain *, const char *)) {
    if (a->nopos < 1) {
        fprintf(stderr, "sanctrace chain %s: give at least one id\n", what);
        return 2;
    }
    st_chain *c;
    if (open_store(a, &c)) return 2;
    a->lines = a->nopos > 1;
    int worst = 0;
    for (int i = 0; i < a->nopos; i++) {
        int rc = one(a, c, a->pos[i]);
        if (rc > worst) worst = rc;
    }
    st_chain_close(c);
    return worst;
}

static int chain_tx(chain_args *a) { return each_id(a, "tx", chain_tx_one); }

static int chain_tx_one(chain_args *a, st_chain *c, const char *id) {
    uint8_t h[32];
    if (st_chain_hash_parse(id, h)) {
        fprintf(stderr, "sanctrace chain tx: '%s' is not a txid (64 hex digits)\n", id);
        return 2;
    }
    uint64_t t;
    if (!st_chain_find_tx(c, h, &t)) {
        fprintf(stderr, "sanctrace chain tx: transaction %s is not in the store at %s\n", id, a->db);
        return 1;
    }
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    json_t *j = json_object(), *ins = json_array(), *outs = json_array();
    json_object_set_new(j, "txid", jhash(k.tx_hash[t]));
    uint64_t b = st_chain_tx_blockpos(&k, t), t0 = 0, t1 = 0, i0, i1, o0, o1;
    if (b != ST_CHAIN_NONE) st_chain_block_txs(&k, b, &t0, &t1);
    uint8_t bh[32];
    st_chain_block_hash(c, b, bh);
    json_object_set_new(j, "block_height", jheight(st_chain_block_height(c, b)));
    json_object_set_new(j, "block_hash", jhash(bh));
    json_object_set_new(j, "block_time", json_integer(st_chain_block_time(c, b)));
    json_object_set_new(j, "index_in_block", t >= t0 && t < t1 ? json_integer((json_int_t)(t - t0)) : json_null());
    st_chain_txinfo ti; /* wtxid, size and weight from the block file itself, when still there */
    st_error terr;
    if (st_chain_tx_info(c, t, &ti, &terr) == ST_OK) {
        json_object_set_new(j, "wtxid", jhash(ti.wtxid));
        json_object_set_new(j, "size", json_integer((json_int_t)ti.size));
        json_object_set_new(j, "vsize", json_integer((json_int_t)ti.vsize));
        json_object_set_new(j, "weight", json_integer((json_int_t)ti.weight));
    }
    int64_t in_sum = 0, out_sum = 0;
    int known = 1, coinbase = 0;
    st_chain_tx_ins(&k, t, &i0, &i1);
    st_chain_tx_outs(&k, t, &o0, &o1);
    for (uint64_t i = i0; i < i1; i++) {
        json_t *e = json_object();
        uint8_t ptx[32];
        uint32_t vout;
        if (!st_chain_in_prevout(c, i, ptx, &vout)) {
            coinbase = 1;
            json_object_set_new(e, "coinbase", json_true());
            json_object_set_new(e, "prev_txid", json_null());
            json_object_set_new(e, "vout", json_null());
            json_object_set_new(e, "address", json_null());
            json_object_set_new(e, "value", json_null());
        } else {
            uint64_t o = st_chain_prev(&k, i);
            json_object_set_new(e, "prev_txid", jhash(ptx));
            json_object_set_new(e, "vout", json_integer(vout));
            json_object_set_new(e, "address", o == ST_CHAIN_NONE ? json_null() : jaddr(c, k.out_addr[o]));
            json_object_set_new(e, "value", o == ST_CHAIN_NONE ? json_null() : json_integer(k.out_value[o]));
            if (o == ST_CHAIN_NONE) known = 0, json_object_set_new(e, "prevout_known", json_false());
            else in_sum += k.out_value[o];
        }
        json_array_append_new(ins, e);
    }
    for (uint64_t o = o0; o < o1; o++) {
        json_t *e = json_object();
        json_object_set_new(e, "n", json_integer((json_int_t)(o - o0)));
        json_object_set_new(e, "address", jaddr(c, k.out_addr[o]));
        json_object_set_new(e, "type", json_string(st_script_type_name(k.out_type[o])));
        json_object_set_new(e, "value", json_integer(k.out_value[o]));
        uint64_t s = st_chain_spender(&k, o), st = st_chain_spending_tx(&k, o);
        if (st == ST_CHAIN_NONE) json_object_set_new(e, "spent_by", json_null());
        else {
            json_t *sb = json_object();
            json_object_set_new(sb, "txid", jhash(k.tx_hash[st]));
            json_object_set_new(sb, "vin", json_integer((json_int_t)(s - k.tx_first_in[st])));
            json_object_set_new(sb, "block_height", jheight(st_chain_block_height(c, st_chain_tx_blockpos(&k, st))));
            json_object_set_new(e, "spent_by", sb);
        }
        out_sum += k.out_value[o];
        json_array_append_new(outs, e);
    }
    json_object_set_new(j, "coinbase", json_boolean(coinbase));
    json_object_set_new(j, "inputs", ins);
    json_object_set_new(j, "outputs", outs);
    json_object_set_new(j, "input_value", coinbase || !known ? json_null() : json_integer(in_sum));
    json_object_set_new(j, "output_value", json_integer(out_sum));
    json_object_set_new(j, "fee", coinbase || !known ? json_null() : json_integer(in_sum - out_sum));
    emit(a, j);
    json_decref(j);
    return 0;
}

static int chain_block_one(chain_args *a, st_chain *c, const char *q);
static int chain_block(chain_args *a) { return each_id(a, "block", chain_block_one); }

static int chain_block_one(chain_args *a, st_chain *c, const char *q) {
    char *end;
    long long height = strtoll(q, &end, 10);
    int is_height = *q && !*end && strlen(q) < 20;
    uint8_t hh[32];
    if (!is_height && st_chain_hash_parse(q, hh)) {
        fprintf(stderr, "sanctrace chain block: '%s' is neither a height nor a block hash\n", q);
        return 2;
    }
    uint64_t pos;
    int found = is_height ? st_chain_find_block_height(c, height, &pos) : st_chain_find_block_hash(c, q, &pos);
    if (!found) {
        fprintf(stderr, "sanctrace chain block: block %s is not on the best chain in %s\n", q, a->db);
        return 1;
    }
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    uint8_t h[32];
    st_chain_block_hash(c, pos, h);
    json_t *j = json_object(), *txs = json_array();
    json_object_set_new(j, "height", jheight(st_chain_block_height(c, pos)));
    json_object_set_new(j, "hash", jhash(h));
    if (pos > 0) {
        st_chain_block_hash(c, pos - 1, h);
        json_object_set_new(j, "prev_in_store", jhash(h));
    }
    json_object_set_new(j, "time", json_integer(st_chain_block_time(c, pos)));
    uint64_t t0, t1, nin = 0, nout = 0;
    st_chain_block_txs(&k, pos, &t0, &t1);
    int64_t total = 0;
    for (uint64_t t = t0; t < t1; t++) { /* each tx's own inputs and outputs (a damaged range: none) */
        uint64_t lo, hi;
        st_chain_tx_ins(&k, t, &lo, &hi);
        nin += hi - lo;
        st_chain_tx_outs(&k, t, &lo, &hi);
        nout += hi - lo;
        for (uint64_t o = lo; o < hi; o++) total += k.out_value[o];
    }
    json_object_set_new(j, "transactions", json_integer((json_int_t)(t1 - t0)));
    json_object_set_new(j, "inputs", json_integer((json_int_t)nin));
    json_object_set_new(j, "outputs", json_integer((json_int_t)nout));
    json_object_set_new(j, "output_value", json_integer(total));
    for (uint64_t t = t0; t < t1; t++) json_array_append_new(txs, jhash(k.tx_hash[t]));
    json_object_set_new(j, "txids", txs);
    emit(a, j);
    json_decref(j);
    return 0;
}

static int u64cmp(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static int chain_address_one(chain_args *a, st_chain *c, const char *text);
static int chain_address(chain_args *a) { return each_id(a, "address", chain_address_one); }

static int chain_address_one(chain_args *a, st_chain *c, const char *text) {
    uint64_t id;
    if (!st_chain_find_addr(c, text, &id)) {
        st_error err;
        st_error_clear(&err);
        /* tell a malformed address from one never seen */
        int malformed = st_chain_addr_check(st_chain_network(c), text, &err) != ST_OK;
        if (malformed) cli_report(&err);
        else fprintf(stderr, "sanctrace chain address: %s never appears in the store at %s\n", text, a->db);
        return malformed ? 2 : 1;
    }
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    uint64_t n = 0, cap = 64, nspent = 0;
    uint64_t *txs = malloc(cap * sizeof *txs);
    int64_t recv = 0, sent = 0;
    int rc = 0;
    for (uint64_t o = st_chain_addr_first_out(c, id); o != ST_CHAIN_NONE && txs; o = st_chain_next_out(&k, o)) {
        if (n + 2 > cap) {
            uint64_t *p = realloc(txs, (cap *= 2) * sizeof *txs);
            if (!p) { free(txs); txs = NULL; break; }
            txs = p;
        }
        txs[n++] = st_chain_out_tx(c, o);
        recv += k.out_value[o];
        uint64_t st = st_chain_spending_tx(&k, o);
        if (st != ST_CHAIN_NONE) {
            sent += k.out_value[o];
            nspent++;
            txs[n++] = st;
        }
    }
    if (!txs) {
        fprintf(stderr, "sanctrace chain address: out of memory\n");
        return 2;
    }
    uint64_t nout = n - nspent;
    qsort(txs, n, sizeof *txs, u64cmp);
    uint64_t u = 0;
    for (uint64_t i = 0; i < n; i++)
        if (!u || txs[u - 1] != txs[i]) txs[u++] = txs[i];
    json_t *j = json_object();
    char atext[128];
    st_chain_addr_text(c, id, atext, sizeof atext);
    json_object_set_new(j, "address", json_string(atext));
    json_object_set_new(j, "received", json_integer(recv));
    json_object_set_new(j, "sent", json_integer(sent));
    json_object_set_new(j, "balance", json_integer(recv - sent));
    json_object_set_new(j, "tx_count", json_integer((json_int_t)u));
    json_object_set_new(j, "outputs", json_integer((json_int_t)nout));
    json_object_set_new(j, "spent_outputs", json_integer((json_int_t)nspent));
    uint64_t cl_id, cl_size; /* set by `chain cluster` (src/trace) */
    if (st_cluster_lookup(a->db, c, id, &cl_id, &cl_size) == ST_OK)
        json_object_set_new(j, "cluster", json_pack("{s:I, s:I}", "id", (json_int_t)cl_id, "size", (json_int_t)cl_size));
    const char *names[2] = {"first_seen", "last_seen"};
    for (int w = 0; w < 2 && u; w++) {
        uint64_t t = w ? txs[u - 1] : txs[0];
        json_t *e = json_object();
        json_object_set_new(e, "txid", jhash(k.tx_hash[t]));
        json_object_set_new(e, "block_height", jheight(st_chain_block_height(c, st_chain_tx_blockpos(&k, t))));
        json_object_set_new(e, "time", json_integer(st_chain_block_time(c, st_chain_tx_blockpos(&k, t))));
        json_object_set_new(j, names[w], e);
    }
    emit(a, j);
    json_decref(j);
    free(txs);
    return rc;
}

static int dcmp(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* `chain querybench [--txs N]`: N random `chain tx` and `chain address`
 * answers built in process exactly as the commands build them (the block
 * file read for size and wtxid, the JSON text; printing excluded); prints
 * p50/p99 latency in microseconds.  The ids are drawn through one opening
 * of the store and queried through a second, so the queries start from
 * unmapped pages as a fresh `chain tx` process does, not from pages the
 * drawing touched. */
static int chain_querybench(chain_args *a) {
    st_chain *c;
    if (open_store(a, &c)) return 2;
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    uint64_t n = a->txs ? a->txs : 10000, x = 88172645463325252ull;
    double *lat = malloc(n * sizeof *lat);
    char (*ids)[128] = malloc(2 * n * sizeof *ids);
    uint64_t nids[2] = {0, 0};
    if (!lat || !ids || !k.ntx) {
        free(lat);
        free(ids);
        st_chain_close(c);
        return 2;
    }
    for (int kind = 0; kind < 2; kind++)
        for (uint64_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            char *id = ids[kind * n + nids[kind]];
            if (kind == 0) st_chain_hash_hex(k.tx_hash[x % k.ntx], id);
            else {
                uint64_t o = x % k.nout;
                if (k.out_addr[o] == ST_CHAIN_NONE) continue;
                st_chain_addr_text(c, k.out_addr[o], id, 128);
            }
            nids[kind]++;
        }
    st_chain_close(c);
    if (open_store(a, &c)) {
        free(lat);
        free(ids);
        return 2;
    }
    a->quiet = 1;
    for (int kind = 0; kind < 2; kind++) {
        uint64_t done = nids[kind];
        for (uint64_t i = 0; i < done; i++) {
            double t0 = st_now();
            if (kind == 0) chain_tx_one(a, c, ids[i]);
            else chain_address_one(a, c, ids[n + i]);
            lat[i] = (st_now() - t0) * 1e6;
        }
        qsort(lat, done, sizeof *lat, dcmp);
        printf("{\"query\": \"%s\", \"n\": %llu, \"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f}\n",
               kind ? "address" : "tx", (unsigned long long)done, done ? lat[done / 2] : 0,
               done ? lat[done * 99 / 100] : 0, done ? lat[done - 1] : 0);
    }
    free(lat);
    free(ids);
    st_chain_close(c);
    return 0;
}

static int chain_synth(chain_args *a) {
    if (!a->out || !a->txs) {
        fprintf(stderr, "sanctrace chain synth: give --txs N and --out DIR\n");
        return 2;
    }
    st_synth_opts o = {a->txs, a->seed ? a->seed : 1, 1, 0};
    st_error err;
    st_error_clear(&err);
    if (st_chain_synth(a->out, &o, &err)) {
        cli_report(&err);
        return 2;
    }
    return 0;
}

int cmd_chain(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        chain_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "cluster")) return cmd_chain_cluster(argc - 1, argv + 1);
    if (!strcmp(argv[1], "why")) return cmd_chain_why(argc - 1, argv + 1);
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            chain_usage(stdout);
            return 0;
        }
    static chain_args a; /* large (the positional list): not on the stack */
    const char *sub = argv[1];
    static const char *const subs[] = {"ingest", "stats", "tx", "block", "address", "synth", "querybench", NULL};
    int known = 0;
    for (size_t i = 0; subs[i]; i++) known |= !strcmp(sub, subs[i]);
    int rc = known ? parse_args(argc - 2, argv + 2, sub, &a) : 0;
    if (rc) {}
    else if (!strcmp(sub, "ingest")) rc = chain_ingest(&a);
    else if (!strcmp(sub, "stats")) rc = chain_stats(&a);
    else if (!strcmp(sub, "tx")) rc = chain_tx(&a);
    else if (!strcmp(sub, "block")) rc = chain_block(&a);
    else if (!strcmp(sub, "address")) rc = chain_address(&a);
    else if (!strcmp(sub, "synth")) rc = chain_synth(&a);
    else if (!strcmp(sub, "querybench")) rc = chain_querybench(&a);
    else {
        fprintf(stderr, "sanctrace chain: unknown subcommand '%s'\n", sub);
        chain_usage(stderr);
        rc = 2;
    }
    return rc;
}
