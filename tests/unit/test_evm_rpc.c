/* test_evm_rpc.c - the node ingest against a node written here (a post
 * callback answering JSON-RPC batches from a chain built in memory), for
 * what a real node does not do on demand: answers that are wrong (each
 * refused with the block and field named), methods missing (the
 * fallbacks, and the error when no traces can be had), a reorganisation
 * whose fork point and rollback are worked out below, and a node that
 * stops answering at a chosen request (the store keeps its last commit).
 * Like Erigon and geth, the node here will not trace the genesis block.
 * tests/cli/evm_rpc.sh runs the same code against anvil. */
#include "testutil.h"

#include <jansson.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "evm/evm_int.h"
#include "evm/evm_rpc.h"
#include "sanctrace/evm.h"

/* ---- a chain: block n of fork f holds n % 3 transactions of 1000 + i wei
 * from 0xaa.. to 0xbb..; gas 21000 at base fee 7 and price 10 (tip 3) ---- */

#define MAX_BLOCKS 64

typedef struct node {
    int fork[MAX_BLOCKS];  /* which fork each block is of (its hashes differ) */
    int head;
    const char *refuse[4]; /* methods answered -32601 */
    int fail_after;        /* requests answered before the node is gone (0: never) */
    int requests;
    int rollup;            /* receipts carry an L1 data fee (l1Fee), as an OP Stack node's do */
} node;

static void hash_of(char out[67], int fork, int num, int tx) {
    snprintf(out, 67, "0x%02x%08x%06x%048d", fork, num, tx + 1, 0);
}

static int fork_of(const node *nd, int num) { return num >= 0 && num < MAX_BLOCKS ? nd->fork[num] : 0; }

static void reorg(node *nd, int from, int fork) {
    for (int i = from; i < MAX_BLOCKS; i++) nd->fork[i] = fork;
}

static json_t *block_json(const node *nd, int num, int full) {
    char h[67], ph[67];
    hash_of(h, fork_of(nd, num), num, -1);
    hash_of(ph, num ? fork_of(nd, num - 1) : 0, num - 1, -1);
    json_t *txs = json_array();
    for (int i = 0; i < num % 3; i++) {
        char th[67], v[32];
        hash_of(th, fork_of(nd, num), num, i);
        snprintf(v, sizeof v, "0x%x", 1000 + i);
        if (full)
            json_array_append_new(txs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "hash", th, "from",
                                                 "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "to",
                                                 "0xBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "value", v, "gasPrice", "0xa",
                                                 "transactionIndex", i == 0 ? "0x0" : "0x1"));
        else json_array_append_new(txs, json_string(th));
    }
    char n[24];
    snprintf(n, sizeof n, "0x%x", num);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "number", n, "hash", h, "parentHash", ph, "miner",
                     "0xcccccccccccccccccccccccccccccccccccccccc", "baseFeePerGas", "0x7", "transactions", txs);
}

static json_t *receipts_json(const node *nd, int num) {
    json_t *a = json_array();
    for (int i = 0; i < num % 3; i++) {
        char th[67];
        hash_of(th, fork_of(nd, num), num, i);
        json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "transactionHash", th, "gasUsed", "0x5208",
                              "effectiveGasPrice", "0xa", "status", "0x1", "logs");
        if (nd->rollup) json_object_set_new(r, "l1Fee", json_string("0x64"));
        json_array_append_new(a, r);
    }
    return a;
}

/* trace_block's traces, or (geth) debug_traceBlockByNumber's call trees
 * with a SELFDESTRUCT frame naming no addresses (as geth gives them)
 * under each call: one call a transaction */
static json_t *traces_json(const node *nd, int num, int geth) {
    json_t *a = json_array();
    for (int i = 0; i < num % 3; i++) {
        char th[67], v[32];
        hash_of(th, fork_of(nd, num), num, i);
        snprintf(v, sizeof v, "0x%x", 1000 + i);
        const char *from = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", *to = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        json_array_append_new(
            a, geth ? json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:[{s:s}]}}", "txHash", th, "result", "type", "CALL",
                                "from", from, "to", to, "value", v, "calls", "type", "SELFDESTRUCT")
                    : json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:[], s:s, s:i}", "type", "call", "action",
                                "callType", "call", "from", from, "to", to, "value", v, "traceAddress",
                                "transactionHash", th, "transactionPosition", i));
    }
    return a;
}

static int refused(const node *nd, const char *m) {
    for (int i = 0; i < 4 && nd->refuse[i]; i++)
        if (!strcmp(nd->refuse[i], m)) return 1;
    return 0;
}

static int fake_post(void *ctx, const char *url, const char *body, size_t len, char **resp, size_t *resp_len,
                     st_error *err) {
    node *nd = ctx;
    (void)url;
    if (nd->fail_after && nd->requests >= nd->fail_after) return st_error_set(err, ST_ENET, "Connection refused");
    nd->requests++;
    json_t *req = json_loadb(body, len, 0, NULL), *ans = json_array();
    assert_true(json_is_array(req));
    size_t i;
    json_t *c;
    json_array_foreach(req, i, c) {
        const char *m = json_string_value(json_object_get(c, "method"));
        json_t *p = json_object_get(c, "params"), *id = json_object_get(c, "id"), *res = NULL;
        const char *arg = json_string_value(json_array_get(p, 0));
        int num = arg ? (int)strtol(arg, NULL, 16) : -1;
        if (refused(nd, m)) {
            json_array_append_new(ans, json_pack("{s:O, s:{s:i, s:s}}", "id", id, "error", "code", -32601, "message",
                                                 "the method does not exist"));
            continue;
        }
        if (!strcmp(m, "trace_block") && num == 0) { /* as Erigon and geth answer */
            json_array_append_new(ans, json_pack("{s:O, s:{s:i, s:s}}", "id", id, "error", "code", -32000, "message",
                                                 "genesis is not traceable"));
            continue;
        }
        if (!strcmp(m, "eth_blockNumber")) {
            char h[24];
            snprintf(h, sizeof h, "0x%x", nd->head);
            res = json_string(h);
        } else if (num > nd->head) res = json_null();
        else if (!strcmp(m, "eth_getBlockByNumber")) res = block_json(nd, num, json_is_true(json_array_get(p, 1)));
        else if (!strcmp(m, "eth_getBlockReceipts")) res = receipts_json(nd, num);
        else if (!strcmp(m, "trace_block")) res = traces_json(nd, num, 0);
        else if (!strcmp(m, "debug_traceBlockByNumber")) res = traces_json(nd, num, 1);
        else if (!strcmp(m, "eth_getTransactionReceipt")) { /* the hash names fork, block and position */
            unsigned f, b, t;
            assert_int_equal(sscanf(arg, "0x%02x%08x%06x", &f, &b, &t), 3);
            json_t *all = receipts_json(nd, (int)b);
            res = json_incref(json_array_get(all, t - 1));
            json_decref(all);
        } else fail_msg("unexpected method %s", m);
        json_array_append_new(ans, json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", res));
    }
    char *s = json_dumps(ans, JSON_COMPACT);
    json_decref(req), json_decref(ans);
    *resp_len = strlen(s);
    *resp = st_malloc(*resp_len + 1);
    memcpy(*resp, s, *resp_len + 1);
    free(s);
    return ST_OK;
}

static int64_t g_from = -1; /* --from-block of the next run */
static char g_notes[8192]; /* what the runs said, a line each */

static void keep_note(void *ctx, const st_error *e) {
    (void)ctx;
    size_t n = strlen(g_notes);
    snprintf(g_notes + n, sizeof g_notes - n, "%s\n", e->msg);
}

static int run(const char *db, node *nd, int traces, uint32_t per_commit, st_evm_rpc_report *rep, st_error *err) {
    st_evm_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.url = "https://user:pw@node.invalid:8545/apikey";
    o.from_block = g_from;
    o.to_block = -1;
    o.traces = traces;
    o.blocks_per_commit = per_commit;
    o.blocks_per_request = 2;
    o.post = fake_post;
    o.post_ctx = nd;
    o.ingest.no_sync = 1;
    o.ingest.on_bad = keep_note;
    st_error_clear(err);
    return st_evm_ingest_rpc(db, &o, rep, err);
}

static st_evm_stats stats_of(const char *db) {
    st_evm *e;
    st_error err;
    st_evm_stats s;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    st_evm_get_stats(e, &s);
    st_evm_close(e);
    return s;
}

static int has_tx(const char *db, int fork, int num, int i) {
    st_evm *e;
    st_error err;
    char h[67];
    uint64_t id;
    hash_of(h, fork, num, i);
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    int r = st_evm_find_tx(e, h, &id);
    st_evm_close(e);
    return r;
}

/* blocks 0..n: n % 3 transactions each, 3 flows each (base fee burnt, tip, value) */
static uint64_t txs_upto(int n) {
    uint64_t t = 0;
    for (int i = 0; i <= n; i++) t += (uint64_t)(i % 3);
    return t;
}

/* A store at DIR/s of blocks 0..9, three blocks a commit, and what a test
 * runs against it. */
typedef struct fixture {
    char db[600];
    char *dir;
    node nd;
    st_evm_rpc_report rep;
    st_error err;
} fixture;

static void ten_blocks(fixture *fx) {
    memset(fx, 0, sizeof *fx);
    fx->dir = st_test_tmpdir();
    snprintf(fx->db, sizeof fx->db, "%s/s", fx->dir);
    fx->nd.head = 9;
    assert_int_equal(run(fx->db, &fx->nd, ST_EVM_TRACES_AUTO, 3, &fx->rep, &fx->err), ST_OK);
}

/* The node's chain from block `from` on replaced by fork `fork`, its head
 * at `head`, and a run that takes it. */
static void take_fork(fixture *fx, int from, int fork, int head) {
    reorg(&fx->nd, from, fork);
    fx->nd.head = head;
    assert_int_equal(run(fx->db, &fx->nd, ST_EVM_TRACES_AUTO, 3, &fx->rep, &fx->err), ST_OK);
}

static void test_ingest_and_reorg(void **state) {
    (void)state;
    fixture fx;
    ten_blocks(&fx);
    /* commits 0-2, 3-5, 6-8, 9 */
    assert_int_equal(fx.rep.commits, 4);
    assert_int_equal(fx.rep.blocks_added, 10);
    st_evm_stats s = stats_of(fx.db);
    assert_int_equal(s.transactions, txs_upto(9));
    assert_int_equal(s.flows, 3 * txs_upto(9));
    assert_int_equal(s.last_block, 9);
    /* fee: 21000 x 10, of which 21000 x 7 burnt and 21000 x 3 to the miner */
    st_evm *e;
    uint64_t id;
    char h[67];
    hash_of(h, 0, 5, 1);
    assert_int_equal(st_evm_open(&e, fx.db, &fx.err), ST_OK);
    assert_int_equal(st_evm_find_tx(e, h, &id), 1);
    st_evm_tx t;
    st_evm_get_tx(e, id, &t);
    assert_int_equal(t.fee.w[0], 210000);
    assert_int_equal(t.nflows, 3);
    st_evm_flow fl;
    st_evm_get_flow(e, t.first_flow, &fl);
    assert_int_equal(fl.amount.w[0], 147000);
    assert_int_equal(fl.to, ST_EVM_NONE);
    st_evm_get_flow(e, t.first_flow + 2, &fl);
    assert_int_equal(fl.amount.w[0], 1001);
    assert_int_equal(fl.kind, ST_EVM_NATIVE);
    st_evm_close(e);

    /* what an interrupted commit would leave past the last one: never trusted */
    char recs[700];
    snprintf(recs, sizeof recs, "%s/rpc_blocks.dat", fx.db);
    FILE *f = fopen(recs, "ab");
    assert_non_null(f);
    for (int i = 0; i < 88 * 3; i++) fputc(0x55, f);
    fclose(f);

    /* nothing new: nothing added, one request for the head and one for the last hash */
    fx.nd.requests = 0;
    assert_int_equal(run(fx.db, &fx.nd, ST_EVM_TRACES_AUTO, 3, &fx.rep, &fx.err), ST_OK);
    assert_int_equal(fx.rep.blocks_added, 0);
    assert_int_equal(fx.nd.requests, 2);

    /* blocks 7.. replaced, the chain grows to 12: the fork is block 6; the last
     * commit boundary at or below it is block 5, so blocks 6-9 go and 6-12 come */
    take_fork(&fx, 7, 1, 12);
    assert_int_equal(fx.rep.fork_block, 6);
    assert_int_equal(fx.rep.blocks_rolled_back, 4);
    assert_int_equal(fx.rep.blocks_added, 7);
    s = stats_of(fx.db);
    assert_int_equal(s.blocks, 13);
    assert_int_equal(s.transactions, txs_upto(12));
    assert_int_equal(has_tx(fx.db, 0, 8, 0), 0);
    assert_int_equal(has_tx(fx.db, 1, 8, 0), 1);
    assert_int_equal(has_tx(fx.db, 0, 5, 0), 1);

    /* the chain cut back to 10 (evm_revert), then another block 11: the fork
     * is block 10; commits were 6-8, 9-11 and 12, so the store goes back to
     * block 8 (blocks 9-12 go) and takes 9-11 */
    take_fork(&fx, 11, 2, 11);
    assert_int_equal(fx.rep.fork_block, 10);
    assert_int_equal(fx.rep.blocks_rolled_back, 4);
    assert_int_equal(fx.rep.first_block, 9);
    s = stats_of(fx.db);
    assert_int_equal(s.last_block, 11);
    assert_int_equal(has_tx(fx.db, 2, 11, 0), 1);
    assert_int_equal(has_tx(fx.db, 1, 11, 0), 0);
    assert_int_equal(s.transactions, txs_upto(11));

    /* another fork at 11, and --from-block 13 (a gap): the blocks the rollback
     * removed (9-11, back to the boundary at 8) are taken again first */
    reorg(&fx.nd, 11, 3);
    fx.nd.head = 13;
    g_from = 13;
    assert_int_equal(run(fx.db, &fx.nd, ST_EVM_TRACES_AUTO, 3, &fx.rep, &fx.err), ST_OK);
    g_from = -1;
    assert_int_equal(fx.rep.fork_block, 10);
    assert_int_equal(fx.rep.blocks_rolled_back, 3);
    s = stats_of(fx.db);
    assert_int_equal(s.blocks, 13); /* 0-11 and 13 */
    assert_int_equal(has_tx(fx.db, 1, 10, 0), 1);
    assert_int_equal(has_tx(fx.db, 3, 11, 0), 1);
    assert_int_equal(has_tx(fx.db, 2, 11, 0), 0);
    assert_int_equal(has_tx(fx.db, 3, 13, 0), 1);
    free(fx.dir);
}

/* A rollup's node (OP Stack) gives each receipt an L1 data fee: fees are
 * counted as on Ethereum and that is said, once a run (not once each of
 * its four commits). */
static void test_rollup_receipts(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[600];
    snprintf(db, sizeof db, "%s/s", dir);
    node nd = {0};
    nd.head = 9;
    nd.rollup = 1;
    st_evm_rpc_report rep;
    st_error err;
    g_notes[0] = 0;
    assert_int_equal(run(db, &nd, ST_EVM_TRACES_AUTO, 3, &rep, &err), ST_OK);
    const char *n = strstr(g_notes, "receipts with an L1 data fee");
    assert_non_null(n);
    assert_null(strstr(n + 1, "receipts with an L1 data fee"));
    st_evm *e;
    uint64_t id;
    char h[67];
    hash_of(h, 0, 5, 1);
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    assert_int_equal(st_evm_find_tx(e, h, &id), 1);
    st_evm_tx t;
    st_evm_get_tx(e, id, &t);
    assert_int_equal(t.fee.w[0], 210000);
    st_evm_close(e);
    g_notes[0] = 0;
    char db2[600];
    snprintf(db2, sizeof db2, "%s/eth", dir);
    nd.rollup = 0;
    assert_int_equal(run(db2, &nd, ST_EVM_TRACES_AUTO, 100, &rep, &err), ST_OK);
    assert_null(strstr(g_notes, "L1 data fee"));
    free(dir);
}

/* A readers' lock file the ingest cannot write is still taken read-only
 * (flock needs no write access): here it is a folder, and the rollback
 * goes through.  One that cannot be opened at all (a symbolic link to
 * itself) fails the rollback with the store as it was.  The gate is only
 * a turn for the readers: one that cannot be opened is done without. */
static void test_readers_lock_odd(void **state) {
    (void)state;
    fixture fx;
    ten_blocks(&fx);
    char lk[700];
    snprintf(lk, sizeof lk, "%s/readers.lock", fx.db);
    assert_int_equal(unlink(lk), 0);
    assert_int_equal(symlink("readers.lock", lk), 0);
    reorg(&fx.nd, 7, 1);
    fx.nd.head = 12;
    assert_int_equal(run(fx.db, &fx.nd, ST_EVM_TRACES_AUTO, 3, &fx.rep, &fx.err), ST_EIO);
    assert_non_null(strstr(fx.err.msg, "cannot open readers.lock"));
    assert_int_equal(stats_of(fx.db).blocks, 10);
    assert_int_equal(has_tx(fx.db, 0, 8, 0), 1);
    assert_int_equal(unlink(lk), 0);
    assert_int_equal(mkdir(lk, 0700), 0);
    assert_int_equal(run(fx.db, &fx.nd, ST_EVM_TRACES_AUTO, 3, &fx.rep, &fx.err), ST_OK);
    assert_int_equal(fx.rep.fork_block, 6);
    assert_int_equal(stats_of(fx.db).blocks, 13);
    assert_int_equal(has_tx(fx.db, 1, 8, 0), 1);
    /* the readers' gate: one that cannot be opened (a link to itself)
     * is done without, one that is a folder is taken read-only */
    char gt[700];
    snprintf(gt, sizeof gt, "%s/readers.gate", fx.db);
    assert_int_equal(unlink(gt), 0);
    assert_int_equal(symlink("readers.gate", gt), 0);
    reorg(&fx.nd, 11, 2);
    assert_int_equal(run(fx.db, &fx.nd, ST_EVM_TRACES_AUTO, 3, &fx.rep, &fx.err), ST_OK);
    assert_int_equal(fx.rep.fork_block, 10);
    assert_int_equal(has_tx(fx.db, 2, 11, 0), 1);
    assert_int_equal(unlink(gt), 0);
    assert_int_equal(mkdir(gt, 0700), 0);
    take_fork(&fx, 12, 3, 13);
    assert_int_equal(fx.rep.fork_block, 11);
    assert_int_equal(has_tx(fx.db, 3, 13, 0), 1);
    assert_int_equal(stats_of(fx.db).blocks, 14);
    free(fx.dir);
}

/* Whether a rollback could take the readers' lock now. */
static int rollback_could_cut(const char *db) {
    char p[700];
    snprintf(p, sizeof p, "%s/readers.lock", db);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    int free_now = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free_now;
}

/* A command's handle (st_evm_open) holds the readers' lock from open to
 * close, so a rollback waits for it; a bracketed handle holds none. */
static void test_command_handle_holds(void **state) {
    (void)state;
    fixture fx;
    ten_blocks(&fx);
    st_evm *e, *k;
    assert_true(rollback_could_cut(fx.db));
    assert_int_equal(st_evm_open(&e, fx.db, &fx.err), ST_OK);
    assert_false(rollback_could_cut(fx.db));
    assert_int_equal(st_evm_open(&k, fx.db, &fx.err), ST_OK); /* readers share it */
    st_evm_close(e);
    assert_false(rollback_could_cut(fx.db));
    st_evm_close(k);
    assert_true(rollback_could_cut(fx.db));
    assert_int_equal(st_evm_open_bracketed(&e, fx.db, &fx.err), ST_OK);
    assert_true(rollback_could_cut(fx.db));
    st_evm_close(e);
    free(fx.dir);
}

/* A reader that keeps a handle (the server) inside st_evm_reader_enter:
 * a reorganisation's rollback waits for it before lowering the manifest
 * and cutting the columns the handle maps, and after it the handle says
 * it has changed. */
typedef struct rerun {
    const char *db;
    node *nd;
    st_evm_rpc_report rep;
    st_error err;
    int rc;
} rerun;

static void *rerun_main(void *arg) {
    rerun *r = arg;
    r->rc = run(r->db, r->nd, ST_EVM_TRACES_AUTO, 3, &r->rep, &r->err);
    return NULL;
}

static long file_size(const char *db, const char *name) {
    char p[700];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", db, name);
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void test_reorg_under_reader(void **state) {
    (void)state;
    fixture fx;
    ten_blocks(&fx);
    st_evm *e;
    assert_int_equal(st_evm_open_bracketed(&e, fx.db, &fx.err), ST_OK);
    int token = st_evm_reader_enter(fx.db);
    assert_true(token >= 0); /* the ingest made the lock file */
    assert_int_equal(st_evm_changed(e), 0);
    st_evm_stats before;
    st_evm_get_stats(e, &before);
    long cols = file_size(fx.db, "flow_amount.col");
    reorg(&fx.nd, 7, 1);
    fx.nd.head = 12;
    rerun r = {fx.db, &fx.nd, {0}, {0}, -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, rerun_main, &r), 0);
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    /* the rollback waits: the same commit, the same files, every flow readable */
    assert_int_equal(st_evm_changed(e), 0);
    assert_int_equal(file_size(fx.db, "flow_amount.col"), cols);
    st_u256 sum = st_u256_from_u64(0);
    for (uint64_t f = 0; f < before.flows; f++) {
        st_evm_flow fl;
        st_evm_get_flow(e, f, &fl);
        st_u256_add(&sum, &sum, &fl.amount);
    }
    assert_false(st_u256_is_zero(&sum));
    st_evm_reader_leave(token);
    pthread_join(th, NULL);
    assert_int_equal(r.rc, ST_OK);
    assert_int_equal(r.rep.fork_block, 6);
    assert_int_equal(st_evm_changed(e), 1); /* the next use opens the new commit */
    st_evm_close(e);
    st_evm_stats s = stats_of(fx.db);
    assert_int_equal(s.blocks, 13);
    assert_int_equal(has_tx(fx.db, 1, 8, 0), 1);
    free(fx.dir);
}

/* A reader that holds on past the rollback's wait (here 0.2 s): the
 * rollback is not taken and the store is left as it was (a cut page
 * faults in the reader, and records written over the ones it maps would
 * hand it ids past its tables: a server is one process); the next run,
 * the reader gone, takes it. */
static void test_reorg_past_wait(void **state) {
    (void)state;
    fixture fx;
    ten_blocks(&fx);
    static const char *const cols[] = {"flow_amount.col", "flow_from.col", "tx_hash.col", "blk_num.col"};
    long was[4];
    for (int i = 0; i < 4; i++) was[i] = file_size(fx.db, cols[i]);
    st_evm *e;
    assert_int_equal(st_evm_open(&e, fx.db, &fx.err), ST_OK); /* a command's handle: held from open to close */
    st_evm_stats before;
    st_evm_get_stats(e, &before);
    reorg(&fx.nd, 4, 1); /* the fork is block 3: back to block 2, then 3-5 */
    fx.nd.head = 5;
    ev_readers_wait_ms = 200;
    rerun r = {fx.db, &fx.nd, {0}, {0}, -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, rerun_main, &r), 0);
    pthread_join(th, NULL); /* the handle held all along */
    ev_readers_wait_ms = 30000;
    assert_int_equal(r.rc, ST_EIO);
    assert_non_null(strstr(r.err.msg, "a reader has held the store"));
    assert_int_equal(st_evm_changed(e), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(file_size(fx.db, cols[i]), was[i]);
    st_u256 sum = st_u256_from_u64(0);
    for (uint64_t f = 0; f < before.flows; f++) {
        st_evm_flow fl;
        st_evm_get_flow(e, f, &fl);
        st_u256_add(&sum, &sum, &fl.amount);
    }
    assert_false(st_u256_is_zero(&sum));
    st_evm_close(e);
    assert_int_equal(stats_of(fx.db).blocks, 10);
    assert_int_equal(has_tx(fx.db, 0, 4, 0), 1);
    assert_int_equal(run(fx.db, &fx.nd, ST_EVM_TRACES_AUTO, 3, &fx.rep, &fx.err), ST_OK);
    assert_int_equal(fx.rep.fork_block, 3);
    st_evm_stats s = stats_of(fx.db);
    assert_int_equal(s.blocks, 6);
    assert_int_equal(s.transactions, txs_upto(5));
    assert_int_equal(has_tx(fx.db, 0, 4, 0), 0);
    assert_int_equal(has_tx(fx.db, 1, 4, 0), 1);
    free(fx.dir);
}

/* Readers whose uses overlap without a pause, as a busy server's queries
 * do: some reader holds the readers' lock at every moment, so a rollback
 * that only waited for the lock to come free would give up after its
 * wait.  The readers arriving while it waits queue behind it
 * (DIR/readers.gate): those under way finish, it cuts, and the readers go
 * on, onto the new commit.  Uses longer than the rollback's first turn at
 * the gate (300 ms against 200 ms) drain in a longer turn. */
typedef struct steady {
    const char *db;
    long hold_ms;
    atomic_int stop;
    atomic_long uses; /* uses begun */
    pthread_t th[3];
    int n;
} steady;

static void *steady_main(void *arg) {
    steady *s = arg;
    while (!atomic_load(&s->stop)) {
        int token = st_evm_reader_enter(s->db);
        atomic_fetch_add(&s->uses, 1);
        struct timespec ts = {0, s->hold_ms * 1000 * 1000};
        nanosleep(&ts, NULL);
        st_evm_reader_leave(token);
    }
    return NULL;
}

/* n readers, each starting halfway through the one before's use */
static void steady_start(steady *s, const char *db, int n, long hold_ms) {
    memset(s, 0, sizeof *s);
    s->db = db;
    s->hold_ms = hold_ms;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&s->th[i], NULL, steady_main, s)) break;
        s->n++;
        struct timespec stagger = {0, hold_ms / n * 1000 * 1000};
        nanosleep(&stagger, NULL);
    }
}

/* 1 when the readers went on after the moment of `after`'s count */
static int steady_stop(steady *s, long after) {
    struct timespec more = {0, 2 * s->hold_ms * 1000 * 1000 + 100 * 1000 * 1000};
    nanosleep(&more, NULL);
    atomic_store(&s->stop, 1);
    for (int i = 0; i < s->n; i++) pthread_join(s->th[i], NULL);
    return atomic_load(&s->uses) > after;
}

static void test_reorg_under_steady_readers(void **state) {
    (void)state;
    static const struct {
        int n;
        long hold_ms;
        int turn_ms;
    } runs[] = {{2, 30, 1000}, {3, 300, 200}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        fixture fx;
        ten_blocks(&fx);
        steady s;
        steady_start(&s, fx.db, runs[i].n, runs[i].hold_ms);
        reorg(&fx.nd, 7, 1);
        fx.nd.head = 12;
        ev_readers_wait_ms = 5000;
        ev_gate_turn_ms = runs[i].turn_ms;
        int rc = run(fx.db, &fx.nd, ST_EVM_TRACES_AUTO, 3, &fx.rep, &fx.err);
        ev_readers_wait_ms = 30000;
        ev_gate_turn_ms = 1000;
        int went_on = steady_stop(&s, atomic_load(&s.uses)), n = s.n;
        assert_int_equal(n, runs[i].n);
        assert_int_equal(rc, ST_OK);
        assert_int_equal(fx.rep.fork_block, 6);
        assert_true(went_on); /* the readers went on after it */
        assert_int_equal(stats_of(fx.db).blocks, 13);
        assert_int_equal(has_tx(fx.db, 1, 8, 0), 1);
        free(fx.dir);
    }
}

/* A rollback still waiting after its turns at the gate waits for a long
 * reader (here a command's handle), not a stream of short ones: it lets
 * the readers queued at the gate in, a turn at a time, so a reader that
 * arrives meanwhile goes in beside the long one while the rollback still
 * waits (rather than stall until it gives up); and once the long reader
 * is done the rollback gets through, with a stream of short readers still
 * going (readers let in late would otherwise overlap as before). */
static int gate_held(const char *db) {
    char p[700];
    snprintf(p, sizeof p, "%s/readers.gate", db);
    int fd = open(p, O_RDONLY | O_CLOEXEC), held = fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0;
    if (fd >= 0) close(fd);
    return held;
}

typedef struct rerun_flag {
    rerun r;
    atomic_int done;
} rerun_flag;

static void *rerun_flag_main(void *arg) {
    rerun_flag *f = arg;
    rerun_main(&f->r);
    atomic_store(&f->done, 1);
    return NULL;
}

static void test_reorg_beside_long_reader(void **state) {
    (void)state;
    fixture fx;
    ten_blocks(&fx);
    st_evm *e;
    assert_int_equal(st_evm_open(&e, fx.db, &fx.err), ST_OK); /* the long reader */
    steady s;
    steady_start(&s, fx.db, 2, 30);
    reorg(&fx.nd, 7, 1);
    fx.nd.head = 12;
    ev_readers_wait_ms = 10000;
    ev_gate_turn_ms = 200;
    rerun_flag f = {{fx.db, &fx.nd, {0}, {0}, -1}, 0};
    pthread_t th;
    int started = pthread_create(&th, NULL, rerun_flag_main, &f) == 0, held = 0;
    for (int i = 0; started && i < 2000 && !(held = gate_held(fx.db)); i++) { /* the rollback at its wait */
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int token = st_evm_reader_enter(fx.db);
    int in_while_waiting = !atomic_load(&f.done), changed = st_evm_changed(e);
    st_evm_reader_leave(token);
    st_evm_close(e); /* the long reader done: the short ones go on */
    if (started) pthread_join(th, NULL);
    ev_readers_wait_ms = 30000;
    ev_gate_turn_ms = 1000;
    int went_on = steady_stop(&s, atomic_load(&s.uses));
    assert_int_equal(s.n, 2);
    assert_true(started);
    assert_true(held);
    assert_true(token >= 0);
    assert_true(in_while_waiting); /* in while the rollback still waited */
    assert_int_equal(changed, 0);
    assert_int_equal(f.r.rc, ST_OK);
    assert_int_equal(f.r.rep.fork_block, 6);
    assert_true(went_on);
    assert_int_equal(stats_of(fx.db).blocks, 13);
    free(fx.dir);
}

static void test_node_gone(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[600];
    snprintf(db, sizeof db, "%s/s", dir);
    /* requests: the head, then per commit of 2 blocks the last hash (from the
     * second on) and one batch: gone at the 5th, asking blocks 4-5 */
    node nd = {.head = 9, .fail_after = 5};
    st_evm_rpc_report rep;
    st_error err;
    assert_int_equal(run(db, &nd, ST_EVM_TRACES_AUTO, 2, &rep, &err), ST_ENET);
    assert_non_null(strstr(err.msg, "stopped answering while asking blocks 4-5"));
    assert_non_null(strstr(err.msg, "blocks up to 3"));
    assert_non_null(strstr(err.msg, "Connection refused"));
    /* the URL without its password and key */
    assert_non_null(strstr(err.msg, "the node at https://node.invalid:8545 stopped"));
    assert_null(strstr(err.msg, "pw")), assert_null(strstr(err.msg, "apikey"));
    st_evm_stats s = stats_of(db);
    assert_int_equal(s.last_block, 3);
    nd.fail_after = 0;
    assert_int_equal(run(db, &nd, ST_EVM_TRACES_AUTO, 2, &rep, &err), ST_OK);
    assert_int_equal(rep.first_block, 4);
    s = stats_of(db);
    assert_int_equal(s.last_block, 9);
    assert_int_equal(s.transactions, txs_upto(9));
    free(dir);
}

static void test_missing_methods(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[600];
    st_evm_rpc_report rep;
    st_error err;
    /* no eth_getBlockReceipts: one receipt a transaction, the same store */
    node nd = {.head = 6, .refuse = {"eth_getBlockReceipts"}};
    snprintf(db, sizeof db, "%s/a", dir);
    assert_int_equal(run(db, &nd, ST_EVM_TRACES_AUTO, 0, &rep, &err), ST_OK);
    assert_int_equal(rep.receipts_per_tx, 1);
    st_evm_stats s = stats_of(db);
    assert_int_equal(s.flows, 3 * txs_upto(6));
    assert_int_equal(rep.fees_unknown, 0);
    /* no trace_block: the call trees, the same flows; the frames that
     * name no addresses are counted in the report */
    node ng = {.head = 6, .refuse = {"trace_block"}};
    snprintf(db, sizeof db, "%s/g", dir);
    assert_int_equal(run(db, &ng, ST_EVM_TRACES_AUTO, 0, &rep, &err), ST_OK);
    assert_int_equal(rep.traces, ST_EVM_TRACES_GETH);
    assert_int_equal(stats_of(db).flows, 3 * txs_upto(6));
    assert_int_equal(rep.unnamed_traces, txs_upto(6));
    /* neither trace method: refused, said how to go on, and that nothing was committed */
    node nt = {.head = 6, .refuse = {"trace_block", "debug_traceBlockByNumber"}};
    snprintf(db, sizeof db, "%s/b", dir);
    assert_int_equal(run(db, &nt, ST_EVM_TRACES_AUTO, 0, &rep, &err), ST_EINVAL);
    assert_non_null(strstr(err.msg, "--traces none"));
    assert_non_null(strstr(err.msg, "nothing was committed (the store holds no block)"));
    assert_null(strstr(err.msg, "run again"));
    /* --traces none: the transactions' own values, fees known */
    nt.requests = 0;
    assert_int_equal(run(db, &nt, ST_EVM_TRACES_NONE, 0, &rep, &err), ST_OK);
    s = stats_of(db);
    assert_int_equal(s.flows, 3 * txs_upto(6));
    free(dir);
}

/* a wrong answer is refused with its block, position and field */
static void expect_refused(json_t *block, json_t *receipts, json_t *traces, const char *want) {
    st_buf out;
    st_buf_init(&out, 1 << 20);
    st_error err;
    st_error_clear(&err);
    assert_int_equal(ev_rpc_block_lines(&out, block, receipts, traces, 0, &err), ST_EPARSE);
    if (!strstr(err.msg, want)) fail_msg("'%s' does not say '%s'", err.msg, want);
    st_buf_free(&out);
    json_decref(block), json_decref(receipts), json_decref(traces);
}

static void test_wrong_answers(void **state) {
    (void)state;
    node nd = {.head = 9};
    json_t *b = block_json(&nd, 5, 1);
    json_object_set_new(json_array_get(json_object_get(b, "transactions"), 1), "from", json_string("0x1234"));
    expect_refused(b, receipts_json(&nd, 5), traces_json(&nd, 5, 0), "block 5: transaction 1: 'from'");
    b = block_json(&nd, 5, 1);
    json_object_set_new(json_array_get(json_object_get(b, "transactions"), 0), "value", json_string("12"));
    expect_refused(b, NULL, NULL, "'value' is not a quantity");
    json_t *r = receipts_json(&nd, 5);
    json_array_remove(r, 1);
    expect_refused(block_json(&nd, 5, 1), r, NULL, "receipts");
    r = receipts_json(&nd, 5);
    json_t *r4 = receipts_json(&nd, 4);
    json_array_set(r, 0, json_array_get(r4, 0));
    json_decref(r4);
    expect_refused(block_json(&nd, 5, 1), r, NULL, "'transactionHash'");
    r = receipts_json(&nd, 5);
    json_object_set_new(json_array_get(r, 0), "status", json_string("0x2"));
    expect_refused(block_json(&nd, 5, 1), r, NULL, "'status'");
    json_t *t = traces_json(&nd, 5, 0);
    json_object_set_new(json_array_get(t, 0), "type", json_string("teleport"));
    expect_refused(block_json(&nd, 5, 1), NULL, t, "'type'");
    t = traces_json(&nd, 4, 0);
    expect_refused(block_json(&nd, 5, 1), NULL, t, "names no transaction of the block");
    /* full transactions were not asked */
    expect_refused(block_json(&nd, 5, 0), NULL, NULL, "not a full transaction");
    /* a call tree deeper than the EVM allows */
    json_t *leaf = json_pack("{s:s, s:s, s:s}", "type", "CALL", "from", "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                             "to", "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    for (int d = 0; d < 1200; d++) {
        json_t *up = json_pack("{s:s, s:[o]}", "type", "CALL", "calls", leaf);
        leaf = up;
    }
    json_t *g = json_pack("[{s:o}]", "result", leaf);
    json_t *one = block_json(&nd, 1, 1);
    st_buf out;
    st_buf_init(&out, 64 << 20);
    st_error err;
    st_error_clear(&err);
    assert_int_equal(ev_rpc_block_lines(&out, one, NULL, g, 1, &err), ST_EPARSE);
    assert_non_null(strstr(err.msg, "deeper"));
    st_buf_free(&out);
    json_decref(one), json_decref(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_and_reorg),
        cmocka_unit_test(test_reorg_under_reader),
        cmocka_unit_test(test_reorg_past_wait),
        cmocka_unit_test(test_reorg_under_steady_readers),
        cmocka_unit_test(test_reorg_beside_long_reader),
        cmocka_unit_test(test_command_handle_holds),
        cmocka_unit_test(test_readers_lock_odd),
        cmocka_unit_test(test_rollup_receipts),
        cmocka_unit_test(test_node_gone),
        cmocka_unit_test(test_missing_methods),
        cmocka_unit_test(test_wrong_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
