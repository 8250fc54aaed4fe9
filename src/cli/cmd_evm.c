/*
 * cmd_evm.c - `sanctrace evm ingest|stats|tx|address|flows|synth`.
 *
 * Thin front end over include/sanctrace/evm.h: parses options, opens the
 * store read-only for queries, prints JSON (amounts as decimal strings,
 * since wei do not fit a double or 64 bits) or "key  value" lines.
 * Unknown values (a fee without a receipt, a status without receipt or
 * trace, what an address held before the store's first block) print as
 * null, never as zero.  Exit codes: 0 ok; 1 not found, bad rows skipped,
 * or a balance asked before the store's first block; 2 usage or fatal.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sanctrace/evm.h"
#include "sanctrace/xtrace.h"

int cmd_evm(int argc, char **argv);

typedef struct evm_args {
    const char *db, *format, *chain, *out, *scenario, *rpc, *traces, *inbounds, *btc_tip, *mix;
    uint64_t btc_height, at_block, flows, seed, splits, from_block, to_block, commit_blocks, request_blocks,
        parallel_requests, from_index, limit;
    int has_at_block, eip55;
    cli_args posl;
    char dbbuf[1024];
} evm_args;

#define OPT(n, k, f, m) CLI_OPT(n, k, evm_args, f, m)
#define STORE OPT("--db", CLI_TEXT, db, 0), OPT("--format", CLI_TEXT, format, 0)
static const cli_opt ingest_opts[] = {STORE, OPT("--chain", CLI_TEXT, chain, 0), OPT("--rpc", CLI_TEXT, rpc, 0),
                                      OPT("--from-block", CLI_NUM, from_block, INT64_MAX),
                                      OPT("--to-block", CLI_NUM, to_block, INT64_MAX),
                                      OPT("--traces", CLI_TEXT, traces, 0),
                                      OPT("--commit-blocks", CLI_NUM, commit_blocks, 1000000),
                                      OPT("--request-blocks", CLI_NUM, request_blocks, 1000),
                                      OPT("--parallel-requests", CLI_NUM, parallel_requests, 16), CLI_END};
static const cli_opt query_opts[] = {STORE, CLI_END};
static const cli_opt tx_opts[] = {STORE, OPT("--eip55", CLI_FLAG, eip55, 0), CLI_END};
static const cli_opt address_opts[] = {STORE, OPT("--at-block", CLI_NUM, at_block, INT64_MAX),
                                       OPT("--eip55", CLI_FLAG, eip55, 0), CLI_END};
static const cli_opt flows_opts[] = {STORE, OPT("--offset", CLI_NUM, from_index, INT64_MAX),
                                     OPT("--from-block", CLI_NUM, from_block, INT64_MAX),
                                     OPT("--limit", CLI_NUM, limit, 1000000), OPT("--eip55", CLI_FLAG, eip55, 0),
                                     CLI_END};
static const cli_opt synth_opts[] = {OPT("--flows", CLI_NUM, flows, 1000000000), OPT("--out", CLI_TEXT, out, 0),
                                     OPT("--seed", CLI_NUM, seed, UINT64_MAX), OPT("--scenario", CLI_TEXT, scenario, 0),
                                     OPT("--splits", CLI_NUM, splits, 400), OPT("--inbounds", CLI_TEXT, inbounds, 0),
                                     OPT("--from-block", CLI_NUM, from_block, 1000000000000ULL),
                                     OPT("--btc-tip", CLI_TEXT, btc_tip, 0), OPT("--btc-height", CLI_NUM, btc_height, 100000000),
                                     OPT("--mix", CLI_TEXT, mix, 0), CLI_END};
static const cli_opt *const evm_tables[] = {ingest_opts, address_opts, flows_opts, synth_opts, tx_opts, NULL};
static const char *const evm_names[] = {"evm ingest", "evm address", "evm flows", "evm synth", "evm tx"};

static void evm_usage(FILE *f) {
    fprintf(f, "usage: sanctrace evm <subcommand> [--db DIR] [--format json|table]\n\n"
               "  ingest [--chain ethereum] PATH...  read ethereum-etl exports (blocks, transactions, receipts,\n"
               "                                     logs, token_transfers, traces, tokens; CSV or JSON lines,\n"
               "                                     plain or .gz; files or folders); adds the blocks above the\n"
               "                                     store's last\n"
               "  ingest --rpc URL [--from-block N] [--to-block M] [--traces auto|trace_block|debug|none]\n"
               "         [--commit-blocks K] [--request-blocks R] [--parallel-requests P]\n"
               "                                     take blocks from a node's JSON-RPC: K blocks a commit\n"
               "                                     (100), R a batch (10), P batches at once (4); resumes\n"
               "                                     after the store's last block; follows reorganisations\n"
               "  stats                              counts, first and last block, bytes per flow\n"
               "  tx HASH|BLOCK:INDEX [--eip55]      a transaction, its fee and its value flows\n"
               "  address ADDR [--at-block N] [--eip55]  received, sent and balance per asset, flows in and out\n"
               "  flows ADDR [--from-block B] [--offset I] [--limit N] [--eip55]  the address's flows in chain\n"
               "                                     order, N (100) from the I-th (0) and from block B on,\n"
               "                                     each with its transaction and direction\n"
               "  synth --flows N --out DIR [--seed S] [--from-block B] [--mix lean|mainnet]\n"
               "        an ethereum-etl export of a synthetic chain (from block B, default 17000000);\n"
               "        lean: transfers and token transfers; mainnet: token swaps too, the bytes a flow\n"
               "        of mainnet blocks\n"
               "  synth --scenario bybit --out DIR [--seed S] [--splits N]  a theft laundered from Ethereum\n"
               "        through THORChain into Bitcoin: DIR/evm, DIR/btc, tagpack.yaml, truth.json\n"
               "        [--btc-tip HASH --btc-height H]  the Bitcoin blocks build on that block (a store's tip)\n"
               "  synth --scenario bybit --inbounds FILE --out DIR [--seed S]  the Bitcoin side alone, for\n"
               "        THORChain inbounds played on a node (CSV hash,amount_wei,btc_address)\n\n"
               "Amounts are exact decimal strings (wei, or the token's base unit). Addresses are\n"
               "accepted in any letter case and printed lowercase (--eip55: checksummed).\n"
               "--db defaults to $SANCTRACE_HOME/evm (or ~/.local/share/sanctrace/evm).\n"
               "Exit codes: 0 ok, 1 not found or bad rows skipped, 2 usage or fatal error.\n");
}

static void emit(const evm_args *a, json_t *o) {
    if (!strcmp(a->format, "json")) {
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        return;
    }
    cli_print_kv(o, 20);
}

static json_t *jint(uint64_t v) { return json_integer((json_int_t)v); }

static void on_bad(void *ctx, const st_error *e) {
    (void)ctx;
    cli_report(e);
}

/* Trace rows (or call-tracer frames) that name no addresses moved
 * nothing: said once, whichever way the blocks came. */
static void say_unnamed(uint64_t n) {
    if (n)
        fprintf(stderr, "sanctrace evm ingest: %llu trace row%s name%s no addresses (geth-style selfdestructs): "
                        "they move nothing here\n",
                (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "s" : "");
}

static int evm_ingest_rpc(evm_args *a) {
    if (a->posl.n) {
        fprintf(stderr, "sanctrace evm ingest: --rpc takes no PATH\n");
        return 2;
    }
    st_evm_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.url = a->rpc;
    o.from_block = a->from_block == UINT64_MAX ? -1 : (int64_t)a->from_block;
    o.to_block = a->to_block == UINT64_MAX ? -1 : (int64_t)a->to_block;
    if (o.from_block >= 0 && o.to_block >= 0 && o.to_block < o.from_block) {
        fprintf(stderr, "sanctrace evm ingest: --to-block is below --from-block\n");
        return 2;
    }
    const char *tr = a->traces ? a->traces : "auto";
    o.traces = !strcmp(tr, "auto")          ? ST_EVM_TRACES_AUTO
               : !strcmp(tr, "trace_block") ? ST_EVM_TRACES_PARITY
               : !strcmp(tr, "debug")       ? ST_EVM_TRACES_GETH
               : !strcmp(tr, "none")        ? ST_EVM_TRACES_NONE
                                            : -1;
    if (o.traces < 0) {
        fprintf(stderr, "sanctrace evm ingest: --traces must be auto, trace_block, debug or none\n");
        return 2;
    }
    o.blocks_per_commit = a->commit_blocks == UINT64_MAX ? 0 : (uint32_t)a->commit_blocks;
    o.blocks_per_request = a->request_blocks == UINT64_MAX ? 0 : (uint32_t)a->request_blocks;
    o.parallel_requests = a->parallel_requests == UINT64_MAX ? 0 : (uint32_t)a->parallel_requests;
    o.ingest.progress = 1;
    o.ingest.on_bad = on_bad;
    o.ingest.no_sync = st_env_flag("SANCTRACE_NO_SYNC");
    o.ingest.full_index = st_env_flag("SANCTRACE_EVM_FULL_INDEX");
    cli_store_writer("evm ingest");
    st_evm_rpc_report r;
    st_error err;
    st_error_clear(&err);
    int rc = st_evm_ingest_rpc(a->db, &o, &r, &err);
    if (rc) cli_report(&err);
    say_unnamed(r.unnamed_traces);
    static const char *const trn[] = {"auto", "trace_block", "debug_traceBlockByNumber", "none"};
    json_t *j = json_object();
    json_object_set_new(j, "blocks_added", jint(r.blocks_added));
    json_object_set_new(j, "first_block", r.first_block < 0 ? json_null() : json_integer(r.first_block));
    json_object_set_new(j, "last_block", r.last_block < 0 ? json_null() : json_integer(r.last_block));
    json_object_set_new(j, "transactions_added", jint(r.txs_added));
    json_object_set_new(j, "flows_added", jint(r.flows_added));
    json_object_set_new(j, "addresses_added", jint(r.addresses_added));
    json_object_set_new(j, "fees_unknown", jint(r.fees_unknown));
    json_object_set_new(j, "bad_rows", jint(r.bad_rows));
    json_object_set_new(j, "unnamed_traces", jint(r.unnamed_traces));
    json_object_set_new(j, "blocks_rolled_back", jint(r.blocks_rolled_back));
    json_object_set_new(j, "fork_block", r.fork_block < 0 ? json_null() : json_integer(r.fork_block));
    json_object_set_new(j, "traces", json_string(trn[r.traces >= 0 && r.traces < 4 ? r.traces : 0]));
    json_object_set_new(j, "receipts", json_string(r.receipts_per_tx ? "eth_getTransactionReceipt" : "eth_getBlockReceipts"));
    json_object_set_new(j, "commits", jint(r.commits));
    json_object_set_new(j, "requests", jint(r.requests));
    json_object_set_new(j, "calls", jint(r.calls));
    json_object_set_new(j, "bytes_received", jint(r.bytes_received));
    json_object_set_new(j, "seconds", json_real(r.seconds));
    if (!rc) emit(a, j);
    json_decref(j);
    return rc ? 2 : r.bad_rows ? 1 : 0;
}

static int evm_ingest(evm_args *a) {
    if (a->rpc && (!a->chain || !strcmp(a->chain, "ethereum"))) return evm_ingest_rpc(a);
    if (a->posl.n < 1 && !a->rpc) {
        fprintf(stderr, "sanctrace evm ingest: give at least one PATH (an ethereum-etl export file or folder)\n");
        return 2;
    }
    if (a->chain && strcmp(a->chain, "ethereum")) {
        fprintf(stderr, "sanctrace evm ingest: --chain: only 'ethereum' is known, got '%s'\n", a->chain);
        return 2;
    }
    cli_store_writer("evm ingest"); /* a file size limit fails the write, reported */
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.progress = 1;
    o.on_bad = on_bad;
    o.no_sync = st_env_flag("SANCTRACE_NO_SYNC");
    o.full_index = st_env_flag("SANCTRACE_EVM_FULL_INDEX");
    st_evm_ingest_report r;
    st_error err;
    st_error_clear(&err);
    if (st_evm_ingest(a->db, (const char *const *)a->posl.v, a->posl.n, &o, &r, &err)) {
        cli_report(&err);
        return 2;
    }
    say_unnamed(r.unnamed_traces);
    if (r.blocks_skipped)
        fprintf(stderr, "sanctrace evm ingest: %llu block%s at or below the store's last block: not added again\n",
                (unsigned long long)r.blocks_skipped, r.blocks_skipped == 1 ? "" : "s");
    json_t *j = json_object();
    json_object_set_new(j, "files", jint(r.files));
    json_object_set_new(j, "rows", jint(r.rows));
    json_object_set_new(j, "bad_rows", jint(r.bad_rows));
    json_object_set_new(j, "blocks_added", jint(r.blocks_added));
    json_object_set_new(j, "blocks_skipped", jint(r.blocks_skipped));
    json_object_set_new(j, "transactions_added", jint(r.txs_added));
    json_object_set_new(j, "flows_added", jint(r.flows_added));
    json_object_set_new(j, "addresses_added", jint(r.addresses_added));
    json_object_set_new(j, "unnamed_traces", jint(r.unnamed_traces));
    json_object_set_new(j, "fees_unknown", jint(r.fees_unknown));
    json_object_set_new(j, "bytes_read", jint(r.bytes_read));
    json_object_set_new(j, "seconds", json_real(r.seconds));
    emit(a, j);
    json_decref(j);
    return r.bad_rows ? 1 : 0;
}

static int open_store(const evm_args *a, st_evm **e) {
    st_error err;
    st_error_clear(&err);
    if (st_evm_open(e, a->db, &err)) {
        cli_report(&err);
        return 2;
    }
    return 0;
}

static int evm_stats(evm_args *a) {
    st_evm *e;
    if (a->posl.n) {
        fprintf(stderr, "sanctrace evm stats: takes no arguments\n");
        return 2;
    }
    if (open_store(a, &e)) return 2;
    json_t *j = st_evm_stats_json(e);
    st_evm_close(e);
    if (!j) {
        fprintf(stderr, "sanctrace evm stats: out of memory\n");
        return 2;
    }
    emit(a, j);
    json_decref(j);
    return 0;
}

/* A query's outcome: its answer printed, or what went wrong said (exit 1
 * when the store does not hold what was asked, 2 otherwise). */
static int answer(const evm_args *a, const char *cmd, int rc, json_t *j, const st_error *err) {
    if (rc == ST_OK) {
        emit(a, j);
        json_decref(j);
        return 0;
    }
    if (rc == ST_ENOTFOUND) fprintf(stderr, "sanctrace %s: %s at %s\n", cmd, err->msg, a->db);
    else fprintf(stderr, "sanctrace %s: %s\n", cmd, err->msg);
    return rc == ST_ENOTFOUND ? 1 : 2;
}

/* evm tx, address and flows: one id (a transaction, else an address)
 * asked of the store, the library's answer printed. */
static int evm_query(evm_args *a, const char *sub) {
    char cmd[32];
    snprintf(cmd, sizeof cmd, "evm %s", sub);
    int tx = !strcmp(sub, "tx");
    if (a->posl.n != 1) {
        fprintf(stderr, "sanctrace %s: give one %s\n", cmd,
                tx ? "transaction hash (0x + 64 hex digits) or BLOCK:INDEX" : "address (0x + 40 hex digits)");
        return 2;
    }
    const char *id = a->posl.v[0];
    uint8_t addr[20];
    if (!tx && st_evm_addr_parse(id, addr)) { /* said before the store is looked for */
        fprintf(stderr, "sanctrace %s: '%s' is not an address (0x + 40 hex digits)\n", cmd, id);
        return 2;
    }
    if (!strcmp(sub, "flows") && !a->limit) {
        fprintf(stderr, "sanctrace evm flows: --limit must be 1..1000000\n");
        return 2;
    }
    st_evm *e;
    if (open_store(a, &e)) return 2;
    json_t *j = NULL;
    st_error err;
    st_error_clear(&err);
    int rc;
    if (tx) rc = st_evm_tx_json(e, id, a->eip55, &j, &err);
    else if (!strcmp(sub, "address"))
        rc = st_evm_address_json(e, id, a->has_at_block ? (int64_t)a->at_block : -1, a->eip55, &j, &err);
    else
        rc = st_evm_address_flows_json(e, id, a->from_block == UINT64_MAX ? -1 : (int64_t)a->from_block, a->from_index,
                                       a->limit, a->eip55, &j, &err);
    st_evm_close(e);
    if (rc == ST_OK && json_object_get(j, "balances") && json_is_null(json_object_get(j, "balances"))) {
        /* an address before the store's first block: unknown, exit 1 */
        fprintf(stderr, "sanctrace %s: %s\n", cmd, json_string_value(json_object_get(j, "note")));
        emit(a, j);
        json_decref(j);
        return 1;
    }
    return answer(a, cmd, rc, j, &err);
}

/* --scenario bybit: the cross-chain laundering scenario (sanctrace/xtrace.h) */
static int evm_scenario(evm_args *a) {
    if (strcmp(a->scenario, "bybit") || !a->out || a->posl.n) {
        fprintf(stderr, "sanctrace evm synth: --scenario bybit --out DIR [--seed S] [--splits N] [--inbounds FILE]\n");
        return 2;
    }
    if (!a->btc_tip != !a->btc_height) {
        fprintf(stderr, "sanctrace evm synth: --btc-tip HASH and --btc-height H go together\n");
        return 2;
    }
    st_xscenario_opts o = {a->seed, (uint32_t)a->splits, a->inbounds, a->btc_tip, (uint32_t)a->btc_height};
    st_error err;
    st_error_clear(&err);
    if (st_xtrace_scenario(a->out, &o, &err)) {
        cli_report(&err);
        return 2;
    }
    return 0;
}

static int evm_synth(evm_args *a) {
    if (a->scenario) return evm_scenario(a);
    if (!a->out || !a->flows || a->posl.n) {
        fprintf(stderr, "sanctrace evm synth: give --flows N (N > 0) and --out DIR\n");
        return 2;
    }
    if (a->mix && strcmp(a->mix, "lean") && strcmp(a->mix, "mainnet")) {
        fprintf(stderr, "sanctrace evm synth: --mix is lean or mainnet, not \"%s\"\n", a->mix);
        return 2;
    }
    st_evm_synth_opts o;
    memset(&o, 0, sizeof o);
    o.flows = a->flows;
    o.seed = a->seed;
    o.first_block = a->from_block == UINT64_MAX ? 0 : a->from_block;
    o.mix = a->mix && !strcmp(a->mix, "mainnet") ? ST_EVM_MIX_MAINNET : ST_EVM_MIX_LEAN;
    st_error err;
    st_error_clear(&err);
    if (st_evm_synth(a->out, &o, &err)) {
        cli_report(&err);
        return 2;
    }
    return 0;
}

int cmd_evm(int argc, char **argv) {
    if (argc < 2 || cli_want_help(argc, argv)) {
        evm_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    evm_args a;
    memset(&a, 0, sizeof a);
    a.format = "json";
    a.at_block = UINT64_MAX;
    a.from_block = a.to_block = a.commit_blocks = a.request_blocks = a.parallel_requests = UINT64_MAX;
    a.limit = 100;
    const cli_opt *t = !strcmp(sub, "ingest")    ? ingest_opts
                       : !strcmp(sub, "address") ? address_opts
                       : !strcmp(sub, "tx")      ? tx_opts
                       : !strcmp(sub, "flows")   ? flows_opts
                       : !strcmp(sub, "synth")   ? synth_opts
                                                 : query_opts;
    if (strcmp(sub, "ingest") && strcmp(sub, "stats") && strcmp(sub, "tx") && strcmp(sub, "address") &&
        strcmp(sub, "flows") && strcmp(sub, "synth")) {
        fprintf(stderr, "sanctrace evm: unknown subcommand '%s'\n", sub);
        evm_usage(stderr);
        return 2;
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "evm %s", sub);
    if (cli_parse(cmd, t, evm_tables, evm_names, argc - 2, argv + 2, &a, &a.posl, (size_t)argc)) return 2;
    a.has_at_block = a.at_block != UINT64_MAX;
    if (strcmp(a.format, "json") && strcmp(a.format, "table")) {
        fprintf(stderr, "sanctrace evm: --format must be json or table\n");
        return 2;
    }
    if (!a.db) {
        char base[900];
        cli_data_dir(NULL, base, sizeof base);
        snprintf(a.dbbuf, sizeof a.dbbuf, "%s/evm", base);
        a.db = a.dbbuf;
    }
    if (!strcmp(sub, "synth")) return evm_synth(&a);
    if (!strcmp(sub, "ingest")) return evm_ingest(&a);
    if (!strcmp(sub, "stats")) return evm_stats(&a);
    return evm_query(&a, sub); /* tx, address, flows */
}
