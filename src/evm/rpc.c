/*
 * rpc.c - `st_evm_ingest_rpc`: blocks from a node's JSON-RPC into the
 * store, resumable, following reorganisations.
 *
 * Per commit (blocks_per_commit blocks): the blocks, their receipts and
 * traces are asked in JSON-RPC batches (blocks_per_request blocks a
 * batch), written as ethereum-etl rows (rpc_rows.c) and ingested through
 * the one ingest (ev_ingest_feed), so a node and an export of the same
 * blocks give the same store.  A node without eth_getBlockReceipts is
 * asked per transaction; one without trace_block is asked
 * debug_traceBlockByNumber with the callTracer.
 *
 * Reorganisations.  Beside the columns, rpc_blocks.dat keeps one record
 * per block taken from a node (number, hash) and, at each commit's last
 * block, the store's counts after that commit (a "boundary": a point the
 * store can be rolled back to exactly, addresses and assets included).
 * The records are written before the manifest is renamed; a reader keeps
 * them only up to the boundary that matches the manifest, so records of
 * an interrupted commit are never trusted.  Before each commit the node's
 * hash of the store's last block is compared with the record; when they
 * differ, the records are compared going down until one matches (the
 * fork), and the next commit first lowers the store to the last boundary
 * at or below it, committed on its own (the manifest's counts lowered
 * before any column is cut, ingest.c), then cuts the columns back and adds
 * the node's blocks from there: a crash leaves the store at its previous
 * commit or at the boundary, never between.  Blocks taken from files
 * have no records: a reorganisation below them is an error, said so.
 *
 * Invariant: only a commit changes the store; a node that fails mid-way
 * (after retries) ends the run with ST_ENET naming the blocks asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/fs.h"
#include "core/map.h"
#include "evm/evm_rpc.h"

#define REC_FILE "rpc_blocks.dat"
#define REC_SIZE (48 + 8 * EV_NCOUNTS) /* number, hash, flags, counts */
#define REC_HASH 1                  /* the hash is known (not the base of a store begun from files) */
#define REC_BOUNDARY 2              /* n[] are the store's counts after this record's commit */
#define RPC_ATTEMPTS 3              /* a failed exchange is tried again twice, after 1 s and 2 s */
#define RPC_MAX_CHANGES 16          /* reorganisations met in one run before giving up */
#define RPC_FORK_BATCH 64           /* block headers asked at once when looking for a fork */
#define RPC_MAX_JSONL ((size_t)8 << 30)
#define RPC_CHANGED 1               /* fetch: the chain changed while it was read */
#define RPC_COMMIT_BYTES ((size_t)256 << 20) /* rows of one commit: a commit ends early past this */
#define RPC_MAX_PAR 16              /* batches asked at once, at most */
#define RPC_MAX_SAID 64             /* notes kept from saying again (past that they may repeat) */
#define RPC_DEFAULT_PAR 4

typedef struct rec {
    int64_t number; /* -1: the empty store */
    uint8_t hash[32];
    uint64_t flags;
    uint64_t n[EV_NCOUNTS];
} rec;

typedef struct call {
    const char *method;
    json_t *params;  /* owned until the exchange */
    json_t *result;  /* owned: the answer */
    int missing;     /* the node does not have the method */
    char error[200]; /* another error the node gave */
} call;

typedef struct rpc {
    const char *dir;
    const st_evm_rpc_opts *o;
    st_evm_rpc_report *rep;
    st_evm_post_fn post;
    void *pctx;
    void *pctxs[RPC_MAX_PAR]; /* the transports of batches asked at once (pctxs[0] is pctx) */
    size_t npar;
    int traces;          /* ST_EVM_TRACES_PARITY, _GETH or _NONE once known */
    int receipts_per_tx;
    EV_VEC(rec) recs;    /* valid records, in block order */
    size_t keep;         /* records kept by the next commit (a rollback keeps fewer) */
    int rollback;        /* the next commit lowers the store to recs.v[keep - 1] */
    ev_counts expect;    /* the counts the next commit must find (no other writer) */
    /* the commit being built */
    st_buf lines;
    EV_VEC(rec) fresh;   /* records of the blocks in lines */
    char name[320];
    char shown[256];     /* the URL as messages show it: no user or password, no path */
    int warned_tail;
    uint64_t said[RPC_MAX_SAID]; /* the notes said so far (their texts' hashes) */
    size_t nsaid;
} rpc;

static void warn(rpc *r, const char *msg) {
    st_error e;
    st_error_clear(&e);
    st_error_set(&e, ST_EINVAL, "%s", msg);
    if (r->o->ingest.on_bad) r->o->ingest.on_bad(r->o->ingest.ctx, &e);
}

/* "scheme://host:port" of url: a node's URL may carry a password or an API
 * key (in the user part or the path), which messages must not repeat */
static void shown_url(const char *url, char *out, size_t cap) {
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *end = host + strcspn(host, "/?#");
    const char *at = memchr(host, '@', (size_t)(end - host));
    if (at) host = at + 1;
    int scheme = (int)(strstr(url, "://") ? strstr(url, "://") - url + 3 : 0);
    snprintf(out, cap, "%.*s%.*s", scheme, url, (int)(end - host), host);
}

/* ---- JSON-RPC ---- */

static int method_missing(const json_t *e) {
    json_int_t code = json_integer_value(json_object_get(e, "code"));
    const char *m = json_string_value(json_object_get(e, "message"));
    if (code == -32601) return 1;
    return m && (strstr(m, "not found") || strstr(m, "does not exist") || strstr(m, "not available") ||
                 strstr(m, "not supported") || strstr(m, "unsupported") || strstr(m, "Method not found"));
}

static void sleep_seconds(unsigned s) {
    struct timespec ts = {(time_t)s, 0};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* One batch: every call answered (result, missing or error), or ST_ENET /
 * ST_EPARSE naming what was asked. */
/* What exchanges did, added to the report on the run's own thread. */
typedef struct xstats {
    uint64_t requests, calls, bytes;
} xstats;

static void stats_add(rpc *r, const xstats *x) {
    r->rep->requests += x->requests;
    r->rep->calls += x->calls;
    r->rep->bytes_received += x->bytes;
}

/* One batch over the transport pctx (a thread of its own may hold one:
 * nothing of r is written here). */
static int exchange_on(const rpc *r, void *pctx, call *calls, size_t n, const char *what, xstats *x,
                       st_error *err) {
    json_t *req = json_array();
    if (!req) return st_error_set(err, ST_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_pack("{s:s, s:I, s:s, s:O}", "jsonrpc", "2.0", "id", (json_int_t)i, "method",
                              calls[i].method, "params", calls[i].params);
        if (!c || json_array_append_new(req, c)) {
            json_decref(req);
            return st_error_set(err, ST_ENOMEM, "out of memory");
        }
    }
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!body) return st_error_set(err, ST_ENOMEM, "out of memory");
    char *resp = NULL;
    size_t rlen = 0;
    int rc = ST_ENET;
    for (int attempt = 0; attempt < RPC_ATTEMPTS; attempt++) {
        if (attempt) sleep_seconds((unsigned)attempt);
        st_error_clear(err);
        rc = r->post(pctx, r->o->url, body, strlen(body), &resp, &rlen, err);
        if (rc != ST_ENET) break;
    }
    free(body);
    x->requests++;
    x->calls += n;
    if (rc == ST_ENET) {
        char why[200];
        snprintf(why, sizeof why, "%.180s", err->msg);
        return st_error_set(err, ST_ENET, "the node at %s stopped answering while %s: %s", r->shown, what, why);
    }
    if (rc) return rc;
    x->bytes += rlen;
    json_error_t je;
    json_t *ans = json_loadb(resp, rlen, JSON_DECODE_ANY, &je);
    st_free(resp);
    rc = ST_OK;
    if (json_is_object(ans) && json_object_get(ans, "error")) {
        const char *m = json_string_value(json_object_get(json_object_get(ans, "error"), "message"));
        rc = st_error_set(err, ST_EPARSE, "the node at %s refused a batch while %s: %.200s (--request-blocks 1 "
                          "makes batches smaller)", r->shown, what, m ? m : "(no message)");
    } else if (!json_is_array(ans))
        rc = st_error_set(err, ST_EPARSE, "the node at %s answered %s while %s", r->shown,
                          ans ? "something other than a JSON-RPC batch" : "text that is not JSON", what);
    size_t i;
    json_t *a;
    if (rc == ST_OK) json_array_foreach(ans, i, a) {
            json_int_t id = json_integer_value(json_object_get(a, "id"));
            if (!json_is_integer(json_object_get(a, "id")) || id < 0 || (size_t)id >= n) continue;
            call *c = &calls[id];
            json_t *e = json_object_get(a, "error");
            if (e && !json_is_null(e)) {
                if (method_missing(e)) c->missing = 1;
                else {
                    const char *m = json_string_value(json_object_get(e, "message"));
                    snprintf(c->error, sizeof c->error, "%s", m ? m : "an error without a message");
                }
            } else if (json_object_get(a, "result")) {
                json_decref(c->result);
                c->result = json_incref(json_object_get(a, "result"));
            }
        }
    for (size_t k = 0; rc == ST_OK && k < n; k++)
        if (!calls[k].result && !calls[k].missing && !calls[k].error[0])
            rc = st_error_set(err, ST_EPARSE, "the node at %s left %s unanswered while %s", r->shown,
                              calls[k].method, what);
    json_decref(ans);
    return rc;
}

/* One batch on the run's own transport, counted at once. */
static int exchange(rpc *r, call *calls, size_t n, const char *what, st_error *err) {
    xstats x = {0, 0, 0};
    int rc = exchange_on(r, r->pctx, calls, n, what, &x, err);
    stats_add(r, &x);
    return rc;
}

static void calls_free(call *c, size_t n) {
    for (size_t i = 0; c && i < n; i++) json_decref(c[i].params), json_decref(c[i].result);
    st_free(c);
}

static json_t *hexnum(uint64_t v) {
    char t[24];
    snprintf(t, sizeof t, "0x%llx", (unsigned long long)v);
    return json_string(t);
}

static int head_block(rpc *r, uint64_t *head, st_error *err) {
    call c;
    memset(&c, 0, sizeof c);
    c.method = "eth_blockNumber";
    c.params = json_array();
    int rc = exchange(r, &c, 1, "asking its latest block", err);
    if (rc == ST_OK) {
        const char *s = json_string_value(c.result);
        st_u256 v;
        if (c.error[0] || c.missing || !s || st_u256_parse(s, strlen(s), &v) || v.w[1] || v.w[2] || v.w[3] ||
            v.w[0] > INT64_MAX)
            rc = st_error_set(err, ST_EPARSE, "the node at %s gave no block number for eth_blockNumber%s%s", r->shown,
                              c.error[0] ? ": " : "", c.error);
        else *head = v.w[0];
    }
    json_decref(c.params), json_decref(c.result);
    return rc;
}

/* ---- records ---- */

static void rec_put(uint8_t *p, const rec *x) {
    memcpy(p, &x->number, 8);
    memcpy(p + 8, x->hash, 32);
    memcpy(p + 40, &x->flags, 8);
    memcpy(p + 48, x->n, sizeof x->n);
}

static void rec_get(const uint8_t *p, rec *x) {
    memcpy(&x->number, p, 8);
    memcpy(x->hash, p + 8, 32);
    memcpy(&x->flags, p + 40, 8);
    memcpy(x->n, p + 48, sizeof x->n);
}

static int rec_matches(const rec *x, const ev_counts *c) {
    return (x->flags & REC_BOUNDARY) && x->number == c->last_block && !memcmp(x->n, c->n, sizeof x->n);
}

/* the records up to the boundary the manifest's counts match */
static int recs_load(rpc *r, const ev_counts *c, st_error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", r->dir, REC_FILE);
    r->recs.n = 0;
    if (!st_path_exists(path)) return ST_OK;
    st_fmap m;
    int rc = st_file_map(path, SIZE_MAX, &m, err);
    if (rc) return rc;
    size_t n = m.len / REC_SIZE, valid = 0;
    for (size_t i = 0; i < n; i++) {
        rec x;
        rec_get((const uint8_t *)m.data + i * REC_SIZE, &x);
        if (rec_matches(&x, c)) valid = i + 1;
    }
    for (size_t i = 0; i < valid; i++) {
        rec *x = EV_PUSH(r->recs);
        if (!x) {
            st_file_unmap(&m);
            return st_error_set(err, ST_ENOMEM, "out of memory");
        }
        rec_get((const uint8_t *)m.data + i * REC_SIZE, x);
    }
    st_file_unmap(&m);
    if (!valid && n && c->last_block >= 0 && !r->warned_tail++) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s/%s does not match the store's last commit (blocks added from files, or an "
                 "interrupted run): reorganisations at or below block %lld cannot be followed", r->dir, REC_FILE,
                 (long long)c->last_block);
        warn(r, msg);
    }
    return ST_OK;
}

/* ---- the commit's callbacks ---- */

static int on_prepare(void *ctx, const char *dir, ev_counts *c, st_error *err) {
    rpc *r = ctx;
    if (memcmp(c->n, r->expect.n, sizeof c->n) || c->last_block != r->expect.last_block)
        return st_error_at(err, ST_EINVAL, dir, 0, -1, "the store changed during the run (another ingest?): run again");
    if (r->rollback) {
        const rec *t = &r->recs.v[r->keep - 1];
        memcpy(c->n, t->n, sizeof c->n);
        c->last_block = t->number;
        if (!c->n[EV_N_BLOCKS]) c->first_block = -1;
    }
    return ST_OK;
}

static int on_read(void *ctx, ev_batch *b, st_error *err) {
    rpc *r = ctx;
    return ev_read_buffer(b, r->lines.data ? r->lines.data : "", r->lines.len, r->name, err);
}

static int on_before_commit(void *ctx, const char *dir, const ev_counts *nc, st_error *err) {
    rpc *r = ctx;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, REC_FILE);
    size_t keep = r->keep;
    /* the base: the store as it was before its first blocks from a node */
    rec base;
    memset(&base, 0, sizeof base);
    int add_base = keep == 0;
    if (add_base) {
        base.number = r->expect.last_block;
        base.flags = REC_BOUNDARY;
        memcpy(base.n, r->expect.n, sizeof base.n);
    }
    if (r->fresh.n) {
        rec *last = &r->fresh.v[r->fresh.n - 1];
        last->flags |= REC_BOUNDARY;
        memcpy(last->n, nc->n, sizeof last->n);
    }
    size_t nbytes = (r->fresh.n + (size_t)add_base) * REC_SIZE;
    uint8_t *img = st_malloc(nbytes ? nbytes : 1);
    if (!img) return st_error_set(err, ST_ENOMEM, "out of memory");
    size_t k = 0;
    if (add_base) rec_put(img, &base), k++;
    for (size_t i = 0; i < r->fresh.n; i++, k++) rec_put(img + k * REC_SIZE, &r->fresh.v[i]);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, ST_FILE_MODE), rc = ST_OK;
    if (fd < 0) {
        st_free(img);
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    }
    off_t at = (off_t)(keep * REC_SIZE);
    if (ftruncate(fd, at) != 0) rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot cut back: %s", strerror(errno));
    for (size_t off = 0; rc == ST_OK && off < nbytes;) {
        ssize_t w = pwrite(fd, img + off, nbytes - off, at + (off_t)off);
        if (w <= 0) rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot write: %s", w < 0 ? strerror(errno) : "no progress");
        else off += (size_t)w;
    }
    if (rc == ST_OK && !r->o->ingest.no_sync && fsync(fd) != 0)
        rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot sync: %s", strerror(errno));
    close(fd);
    st_free(img);
    return rc;
}

/* after a commit: the records in memory as the file now holds them */
static int recs_committed(rpc *r) {
    r->recs.n = r->keep;
    if (r->keep == 0) {
        rec *x = EV_PUSH(r->recs);
        if (!x) return ST_ENOMEM;
        x->number = r->expect.last_block;
        x->flags = REC_BOUNDARY;
        memcpy(x->n, r->expect.n, sizeof x->n);
    }
    for (size_t i = 0; i < r->fresh.n; i++) {
        rec *x = EV_PUSH(r->recs);
        if (!x) return ST_ENOMEM;
        *x = r->fresh.v[i];
    }
    r->keep = r->recs.n;
    r->rollback = 0;
    return ST_OK;
}

/* ---- reorganisations ---- */

/* the node's hash of block number into h; 0 when it has no such block */
static int node_hashes(rpc *r, const int64_t *nums, size_t n, uint8_t (*h)[32], int *have, st_error *err) {
    call *c = st_calloc(n, sizeof *c);
    if (!c) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        c[i].method = "eth_getBlockByNumber";
        c[i].params = json_pack("[o, b]", hexnum((uint64_t)nums[i]), 0);
        if (!c[i].params) rc = st_error_set(err, ST_ENOMEM, "out of memory");
    }
    char what[120];
    snprintf(what, sizeof what, "comparing the hashes of blocks %lld-%lld", (long long)nums[n - 1], (long long)nums[0]);
    if (rc == ST_OK) rc = exchange(r, c, n, what, err);
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        const char *s = json_string_value(json_object_get(c[i].result, "hash"));
        have[i] = s && strlen(s) == 66 && st_hex_decode(s + 2, h[i], 32) == ST_OK;
        if (c[i].missing || c[i].error[0])
            rc = st_error_set(err, ST_EPARSE, "the node at %s: eth_getBlockByNumber(%lld): %s", r->shown,
                              (long long)nums[i], c[i].missing ? "no such method" : c[i].error);
    }
    calls_free(c, n);
    return rc;
}

/* Is the store's last block still the node's?  When not, find the fork
 * and set the rollback. */
static int check_reorg(rpc *r, st_error *err) {
    if (!r->recs.n || !(r->recs.v[r->recs.n - 1].flags & REC_HASH)) return ST_OK;
    int64_t nums[RPC_FORK_BATCH];
    uint8_t h[RPC_FORK_BATCH][32];
    int have[RPC_FORK_BATCH];
    nums[0] = r->recs.v[r->recs.n - 1].number;
    int rc = node_hashes(r, nums, 1, h, have, err);
    if (rc) return rc;
    if (have[0] && !memcmp(h[0], r->recs.v[r->recs.n - 1].hash, 32)) return ST_OK;
    /* the records going down until one is the node's too */
    int64_t fork = -2; /* -2: none matched */
    size_t i = r->recs.n;
    while (i > 0 && fork == -2) {
        size_t k = 0, idx[RPC_FORK_BATCH];
        while (i > 0 && k < RPC_FORK_BATCH) {
            i--;
            if (r->recs.v[i].flags & REC_HASH) idx[k] = i, nums[k] = r->recs.v[i].number, k++;
        }
        if (!k) break;
        if ((rc = node_hashes(r, nums, k, h, have, err))) return rc;
        for (size_t j = 0; j < k && fork == -2; j++)
            if (have[j] && !memcmp(h[j], r->recs.v[idx[j]].hash, 32)) fork = nums[j];
    }
    /* the last boundary at or below the fork */
    size_t keep = 0;
    for (size_t j = r->recs.n; j > 0; j--) {
        const rec *x = &r->recs.v[j - 1];
        if ((x->flags & REC_BOUNDARY) && (fork == -2 ? !(x->flags & REC_HASH) : x->number <= fork)) {
            keep = j;
            break;
        }
    }
    const rec *t = keep ? &r->recs.v[keep - 1] : NULL;
    if (!t || (fork == -2 && t->number >= 0))
        return st_error_set(err, ST_EINVAL,
                            "the node's chain forks below block %lld, the first this store took from a node; the "
                            "blocks before came from files: build the store again from blocks the node holds",
                            (long long)(r->recs.v[0].number + 1));
    r->rep->fork_block = fork == -2 ? -1 : fork;
    r->keep = keep;
    r->rollback = 1;
    char msg[200];
    snprintf(msg, sizeof msg, "the node's chain changed after block %lld: the store goes back to block %lld and "
             "takes the node's blocks from there", (long long)(fork == -2 ? -1 : fork), (long long)t->number);
    warn(r, msg);
    return ST_OK;
}

/* ---- one commit's blocks ---- */

static int trace_call(rpc *r, call *c, uint64_t num) {
    if (r->traces == ST_EVM_TRACES_GETH) {
        c->method = "debug_traceBlockByNumber";
        c->params = json_pack("[o, {s:s}]", hexnum(num), "tracer", "callTracer");
    } else {
        c->method = "trace_block";
        c->params = json_pack("[o]", hexnum(num));
    }
    return c->params ? ST_OK : ST_ENOMEM;
}

/* receipts one transaction at a time, for the node without eth_getBlockReceipts */
static int receipts_per_tx(rpc *r, const json_t *block, json_t **out, const char *what, st_error *err) {
    const json_t *txs = json_object_get(block, "transactions");
    size_t n = json_array_size(txs);
    *out = json_array();
    if (!*out) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (!n) return ST_OK;
    call *c = st_calloc(n, sizeof *c);
    if (!c) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        json_t *h = json_object_get(json_array_get(txs, i), "hash");
        c[i].method = "eth_getTransactionReceipt";
        c[i].params = json_is_string(h) ? json_pack("[O]", h) : NULL;
        if (!c[i].params)
            rc = st_error_set(err, ST_EPARSE, "%s: transaction %zu has no hash to ask its receipt by", what, i);
    }
    if (rc == ST_OK) rc = exchange(r, c, n, what, err);
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        if (c[i].missing || c[i].error[0])
            rc = st_error_set(err, ST_EPARSE, "the node at %s: eth_getTransactionReceipt while %s: %s", r->shown,
                              what, c[i].missing ? "no such method" : c[i].error);
        else if (json_array_append(*out, c[i].result)) rc = st_error_set(err, ST_ENOMEM, "out of memory");
    }
    calls_free(c, n);
    return rc;
}

/* Blocks [from, to] asked in one batch, then written as rows: the
 * batch may be asked on a thread of its own (group_ask), a run asking
 * several at once; the answers are taken in block order (group_take). */
#define RPC_PER 3 /* calls a block: the block, its receipts, its traces */
typedef struct group {
    uint64_t from, to;
    call *c;          /* (to - from + 1) * RPC_PER */
    void *pctx;       /* the transport its first batch goes over */
    int rc;           /* of that batch; its message in err */
    st_error err;
    xstats x;
    const rpc *r;
    pthread_t th;
    int started;
} group;

static void group_free(group *g) {
    if (g->c) calls_free(g->c, (size_t)(g->to - g->from + 1) * RPC_PER);
    g->c = NULL;
}

static int group_calls(rpc *r, group *g, uint64_t from, uint64_t to, st_error *err) {
    memset(g, 0, sizeof *g);
    g->from = from, g->to = to, g->r = r, g->pctx = r->pctx;
    st_error_clear(&g->err);
    size_t nb = (size_t)(to - from + 1);
    g->c = st_calloc(nb * RPC_PER, sizeof *g->c);
    if (!g->c) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ST_OK;
    for (size_t i = 0; i < nb && rc == ST_OK; i++) {
        uint64_t num = from + i;
        call *b = &g->c[i * RPC_PER];
        b[0].method = "eth_getBlockByNumber";
        b[0].params = json_pack("[o, b]", hexnum(num), 1);
        b[1].method = "eth_getBlockReceipts";
        b[1].params = r->receipts_per_tx ? NULL : json_pack("[o]", hexnum(num));
        if (r->traces != ST_EVM_TRACES_NONE && trace_call(r, &b[2], num)) rc = ST_ENOMEM;
        if (!b[0].params || (!r->receipts_per_tx && !b[1].params)) rc = ST_ENOMEM;
    }
    if (rc) {
        group_free(g);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    return ST_OK;
}

/* The calls not answered yet, in one batch over transport pctx. */
static int group_pass(const rpc *r, void *pctx, group *g, xstats *x, st_error *err) {
    size_t total = (size_t)(g->to - g->from + 1) * RPC_PER, n = 0;
    char what[120];
    snprintf(what, sizeof what, "asking blocks %llu-%llu", (unsigned long long)g->from, (unsigned long long)g->to);
    /* the calls actually made, packed at the front of a second array */
    call **ask = st_calloc(total, sizeof(call *));
    call *packed = st_calloc(total, sizeof(call));
    int rc = ST_OK;
    if (!ask || !packed) rc = st_error_set(err, ST_ENOMEM, "out of memory");
    for (size_t i = 0; rc == ST_OK && i < total; i++) {
        call *c = &g->c[i];
        if (c->params && !c->result && !c->missing && !c->error[0]) ask[n] = c, packed[n++] = *c;
    }
    if (rc == ST_OK && n) {
        rc = exchange_on(r, pctx, packed, n, what, x, err);
        for (size_t k = 0; k < n; k++) { /* answers back into place; params stay owned by g->c */
            ask[k]->result = packed[k].result;
            ask[k]->missing = packed[k].missing;
            memcpy(ask[k]->error, packed[k].error, sizeof packed[k].error);
        }
    }
    st_free(ask);
    st_free(packed);
    return rc;
}

static void *group_main(void *arg) {
    group *g = arg;
    g->rc = group_pass(g->r, g->pctx, g, &g->x, &g->err);
    return NULL;
}

/* Asked over transport pctx, on a thread of its own with own_thread (or
 * here, when a thread cannot start). */
static void group_ask(group *g, void *pctx, int own_thread) {
    g->pctx = pctx;
    if (own_thread && pthread_create(&g->th, NULL, group_main, g) == 0) g->started = 1;
    else group_main(g);
}

static void group_wait(rpc *r, group *g) {
    if (g->started) pthread_join(g->th, NULL);
    g->started = 0;
    stats_add(r, &g->x);
    memset(&g->x, 0, sizeof g->x);
}

/* The group's answers taken: a method the node lacks asked again in its
 * replacement, then every block checked and written as rows. */
static int group_take(rpc *r, group *g, st_error *err) {
    uint64_t from = g->from;
    size_t nb = (size_t)(g->to - g->from + 1), per = RPC_PER;
    call *c = g->c;
    if (g->rc) {
        *err = g->err;
        return g->rc;
    }
    int rc = ST_OK;
    /* a method the node lacks: its replacement, asked in a second pass */
    int again = 0;
    for (size_t i = 0; i < nb && rc == ST_OK; i++) {
        call *b = &c[i * per];
        if (b[1].missing && !r->receipts_per_tx) {
            r->receipts_per_tx = 1;
            r->rep->receipts_per_tx = 1;
            warn(r, "the node has no eth_getBlockReceipts: receipts are asked one transaction at a time");
        }
        if (b[2].missing && r->traces == ST_EVM_TRACES_PARITY && r->o->traces == ST_EVM_TRACES_AUTO) {
            r->traces = ST_EVM_TRACES_GETH;
            warn(r, "the node has no trace_block: traces come from debug_traceBlockByNumber (callTracer)");
        }
        if (b[2].missing && r->traces == ST_EVM_TRACES_GETH && !strcmp(b[2].method, "trace_block")) {
            json_decref(b[2].params);
            b[2].missing = 0;
            if (trace_call(r, &b[2], from + i)) rc = st_error_set(err, ST_ENOMEM, "out of memory");
            again = 1;
        }
    }
    if (rc == ST_OK && again) {
        xstats x = {0, 0, 0};
        rc = group_pass(r, r->pctx, g, &x, err);
        stats_add(r, &x);
    }
    for (size_t i = 0; i < nb && rc == ST_OK; i++) {
        uint64_t num = from + i;
        call *b = &c[i * per];
        json_t *receipts = NULL;
        for (size_t k = 0; k < per && rc == ST_OK; k++) {
            if (!b[k].params || (k == 1 && r->receipts_per_tx)) continue;
            if (b[k].missing)
                rc = k == 2 && r->o->traces == ST_EVM_TRACES_AUTO
                         ? st_error_set(err, ST_EINVAL,
                                        "the node at %s answers neither trace_block nor debug_traceBlockByNumber: "
                                        "internal calls and selfdestructs would be missed; --traces none takes the "
                                        "blocks without them", r->shown)
                     : k == 2 ? st_error_set(err, ST_EINVAL,
                                             "the node at %s has no %s (--traces auto tries the other method, "
                                             "--traces none takes the blocks without internal calls)",
                                             r->shown, b[k].method)
                              : st_error_set(err, ST_EINVAL, "the node at %s has no %s", r->shown, b[k].method);
            else if (b[k].error[0] && k == 2 && num == 0 && json_is_object(b[0].result) &&
                     !json_array_size(json_object_get(b[0].result, "transactions"))) {
                /* geth and Erigon refuse to trace the genesis block ("genesis is not traceable"): it
                 * has no transactions, so no traces (its allocations are not flows) */
                json_decref(b[k].result);
                b[k].result = json_array();
                b[k].error[0] = 0;
            } else if (b[k].error[0])
                rc = st_error_set(err, ST_EPARSE, "the node at %s: %s for block %llu: %s", r->shown, b[k].method,
                                  (unsigned long long)num, b[k].error);
            else if (json_is_null(b[k].result))
                rc = st_error_set(err, ST_EINVAL, "block %llu is not on the node at %s (%s gave null)",
                                  (unsigned long long)num, r->shown, b[k].method);
        }
        if (rc) break;
        if (r->receipts_per_tx) {
            char w[80];
            snprintf(w, sizeof w, "asking the receipts of block %llu", (unsigned long long)num);
            if ((rc = receipts_per_tx(r, b[0].result, &receipts, w, err))) break;
        } else receipts = json_incref(b[1].result);
        uint64_t bn;
        const char *bnum = json_string_value(json_object_get(b[0].result, "number"));
        st_u256 v;
        if (!bnum || st_u256_parse(bnum, strlen(bnum), &v) || v.w[1] || v.w[2] || v.w[3])
            rc = st_error_set(err, ST_EPARSE, "the node at %s answered block %llu with no block number (\"number\": %s)",
                              r->shown, (unsigned long long)num, bnum ? bnum : "missing or not a string");
        else if ((bn = v.w[0]) != num)
            rc = st_error_set(err, ST_EPARSE, "the node at %s answered block %llu with another block (%llu)", r->shown,
                              (unsigned long long)num, (unsigned long long)bn);
        if (rc == ST_OK)
            rc = ev_rpc_block_lines(&r->lines, b[0].result, receipts,
                                    r->traces == ST_EVM_TRACES_NONE ? NULL : b[2].result,
                                    r->traces == ST_EVM_TRACES_GETH, err);
        json_decref(receipts);
        if (rc) break;
        rec *x = EV_PUSH(r->fresh);
        if (!x) {
            rc = st_error_set(err, ST_ENOMEM, "out of memory");
            break;
        }
        x->number = (int64_t)num;
        x->flags = REC_HASH;
        st_hex_decode(json_string_value(json_object_get(b[0].result, "hash")) + 2, x->hash, 32);
        /* the parent must be the block before: else the chain changed while it was read */
        const char *ph = json_string_value(json_object_get(b[0].result, "parentHash"));
        uint8_t parent[32];
        const rec *prev = r->fresh.n > 1 ? &r->fresh.v[r->fresh.n - 2]
                          : r->keep && r->recs.v[r->keep - 1].number == (int64_t)num - 1 ? &r->recs.v[r->keep - 1]
                                                                                          : NULL;
        if (prev && (prev->flags & REC_HASH) &&
            (!ph || strlen(ph) != 66 || st_hex_decode(ph + 2, parent, 32) || memcmp(parent, prev->hash, 32)))
            rc = RPC_CHANGED;
    }
    return rc;
}

/* ---- the run ---- */

/* Each commit's rows are a file of their own to the reader, so a note it
 * says once a file (an L1 data fee, an event of another shape) would come
 * again at every commit: the run says each text once.  Bad rows, which
 * name their block, all pass. */
static void commit_on_bad(void *ctx, const st_error *e) {
    rpc *r = ctx;
    if (e->code == ST_EINVAL) {
        uint64_t h = st_hash64(e->msg, strlen(e->msg));
        for (size_t i = 0; i < r->nsaid; i++)
            if (r->said[i] == h) return;
        if (r->nsaid < RPC_MAX_SAID) r->said[r->nsaid++] = h;
    }
    if (r->o->ingest.on_bad) r->o->ingest.on_bad(r->o->ingest.ctx, e);
}

static int commit(rpc *r, st_error *err) {
    st_evm_ingest_report ir;
    ev_feed src = {on_prepare, on_read, on_before_commit, r};
    st_evm_ingest_opts io = r->o->ingest;
    io.progress = 0; /* the run draws its own line */
    io.on_bad = commit_on_bad;
    io.ctx = r;
    int rc = ev_ingest_feed(r->dir, &src, &io, &ir, err);
    if (rc) return rc;
    st_evm_rpc_report *p = r->rep;
    if (r->rollback) p->blocks_rolled_back += r->expect.n[EV_N_BLOCKS] - r->recs.v[r->keep - 1].n[EV_N_BLOCKS];
    p->blocks_added += ir.blocks_added;
    p->txs_added += ir.txs_added;
    p->flows_added += ir.flows_added;
    p->addresses_added += ir.addresses_added;
    p->fees_unknown += ir.fees_unknown;
    p->bad_rows += ir.bad_rows;
    p->unnamed_traces += ir.unnamed_traces;
    p->commits++;
    if (r->fresh.n) {
        if (p->first_block < 0 || r->fresh.v[0].number < p->first_block) p->first_block = r->fresh.v[0].number;
        p->last_block = r->fresh.v[r->fresh.n - 1].number;
    }
    return recs_committed(r) ? st_error_set(err, ST_ENOMEM, "out of memory") : ST_OK;
}

int st_evm_ingest_rpc(const char *dir, const st_evm_rpc_opts *o, st_evm_rpc_report *rep, st_error *err) {
    rpc r;
    memset(&r, 0, sizeof r);
    memset(rep, 0, sizeof *rep);
    rep->fork_block = rep->first_block = rep->last_block = -1;
    if (!o || !o->url || !*o->url) return st_error_set(err, ST_EINVAL, "no node URL");
    if (o->traces < ST_EVM_TRACES_AUTO || o->traces > ST_EVM_TRACES_NONE) return st_error_set(err, ST_EINVAL, "unknown traces method");
    r.dir = dir;
    r.o = o;
    r.rep = rep;
    r.traces = o->traces == ST_EVM_TRACES_AUTO ? ST_EVM_TRACES_PARITY : o->traces;
    shown_url(o->url, r.shown, sizeof r.shown);
    st_buf_init(&r.lines, RPC_MAX_JSONL);
    ev_rpc_http *http = NULL;
    double t0 = st_now();
    uint64_t per_commit = o->blocks_per_commit ? o->blocks_per_commit : 100;
    uint64_t per_request = o->blocks_per_request ? o->blocks_per_request : 10;
    int rc = ST_OK, changes = 0, loaded = 0, begun = 0;
    uint64_t head = 0;
    st_progress p;
    memset(&p, 0, sizeof p);
    ev_rpc_http *more[RPC_MAX_PAR] = {0};
    r.npar = o->parallel_requests ? o->parallel_requests : o->post ? 1 : RPC_DEFAULT_PAR;
    if (r.npar > RPC_MAX_PAR) r.npar = RPC_MAX_PAR;
    if (o->post) { /* a caller's transport: one batch at a time unless it says it takes more */
        r.post = o->post, r.pctx = o->post_ctx;
        for (size_t k = 0; k < r.npar; k++) r.pctxs[k] = o->post_ctx;
        if (r.npar > 1 && !o->post_threads) r.npar = 1;
    } else {
        if ((rc = ev_rpc_http_open(&http, err))) return rc;
        r.post = ev_rpc_http_post, r.pctx = http;
        r.pctxs[0] = http;
        for (size_t k = 1; k < r.npar && rc == ST_OK; k++)
            if ((rc = ev_rpc_http_open(&more[k], err)) == ST_OK) r.pctxs[k] = more[k];
        if (rc) goto done;
    }
    if ((rc = head_block(&r, &head, err))) goto done;
    uint64_t to = o->to_block >= 0 && (uint64_t)o->to_block < head ? (uint64_t)o->to_block : head;
    if (o->to_block >= 0 && (uint64_t)o->to_block > head) {
        char msg[160];
        snprintf(msg, sizeof msg, "the node's latest block is %llu: blocks after it are not taken",
                 (unsigned long long)head);
        warn(&r, msg);
    }
    for (;;) {
        ev_counts c;
        rc = ev_manifest_read(dir, &c, err);
        if (rc == ST_ENOTFOUND) rc = ST_OK;
        if (rc) goto done;
        r.expect = c;
        if (!loaded) {
            if ((rc = recs_load(&r, &c, err))) goto done;
            r.keep = r.recs.n;
            loaded = 1;
        }
        if ((rc = check_reorg(&r, err))) goto done;
        int64_t base = r.rollback ? r.recs.v[r.keep - 1].number : c.last_block;
        uint64_t from = (uint64_t)(base + 1);
        if (!r.rollback && c.last_block >= 0 && o->from_block >= 0 && o->from_block <= c.last_block && !begun) {
            char msg[200];
            snprintf(msg, sizeof msg, "the store holds blocks up to %lld: the node's blocks are taken from %lld on",
                     (long long)c.last_block, (long long)c.last_block + 1);
            warn(&r, msg);
        }
        /* a gap asked with --from-block, but only once a rollback has taken back the blocks it removed */
        if (!r.rollback && o->from_block >= 0 && (uint64_t)o->from_block > from) from = (uint64_t)o->from_block;
        if (!begun) {
            st_progress_begin(&p, "blocks from the node", to >= from ? to - from + 1 : 0);
            if (!o->ingest.progress) p.enabled = 0;
            begun = 1;
        }
        if (from > to && !r.rollback) break;
        uint64_t end = from > to ? from - 1 : (to - from + 1 > per_commit ? from + per_commit - 1 : to);
        st_buf_reset(&r.lines);
        r.fresh.n = 0;
        int changed = 0;
        int full = 0;
        for (uint64_t g = from; g <= end && !changed && !full;) {
            /* a wave: up to npar batches asked at once (the node traces
             * them on as many cores), their answers taken in block order */
            group w[RPC_MAX_PAR];
            size_t nw = 0;
            for (; nw < r.npar && g <= end && rc == ST_OK; nw++) {
                uint64_t ge = end - g + 1 > per_request ? g + per_request - 1 : end;
                rc = group_calls(&r, &w[nw], g, ge, err);
                g = ge + 1;
            }
            if (rc) { /* the groups made before the one that failed */
                for (size_t k = 0; k + 1 < nw; k++) group_free(&w[k]);
                goto done;
            }
            for (size_t k = 1; k < nw; k++) group_ask(&w[k], r.pctxs[k], 1);
            if (nw) group_ask(&w[0], r.pctx, 0);
            for (size_t k = 0; k < nw; k++) group_wait(&r, &w[k]);
            for (size_t k = 0; k < nw; k++) {
                if (rc == ST_OK && !changed && !full && r.lines.len >= RPC_COMMIT_BYTES) {
                    end = w[k].from - 1; /* enough rows held: commit what came */
                    full = 1;
                }
                if (rc == ST_OK && !changed && !full) {
                    rc = group_take(&r, &w[k], err);
                    if (rc == RPC_CHANGED) changed = 1, rc = ST_OK;
                }
                group_free(&w[k]);
            }
            if (rc) {
                if (rc == ST_ENET || rc == ST_EINVAL) {
                    /* what the store holds; run again only when the node went away */
                    char why[400], kept[120];
                    snprintf(why, sizeof why, "%.380s", err->msg);
                    if (c.last_block >= 0)
                        snprintf(kept, sizeof kept, "the store keeps its last commit (blocks up to %lld)",
                                 (long long)c.last_block);
                    else
                        snprintf(kept, sizeof kept, "nothing was committed (the store holds no block)");
                    st_error_set(err, rc, "%s; %s%s", why, kept, rc == ST_ENET ? ": run again to continue" : "");
                }
                goto done;
            }
        }
        if (changed) {
            if (++changes > RPC_MAX_CHANGES) {
                rc = st_error_set(err, ST_EINVAL, "the node's chain changed %d times during the run: try again later",
                                  changes);
                goto done;
            }
            r.keep = r.rollback ? r.keep : r.recs.n;
            continue; /* the next round compares hashes again */
        }
        snprintf(r.name, sizeof r.name, "%s blocks %llu-%llu (as ethereum-etl JSON lines)", r.shown,
                 (unsigned long long)from, (unsigned long long)end);
        if ((rc = commit(&r, err))) goto done;
        st_progress_tick(&p, rep->blocks_added);
        if (from > to) break;
    }
done:
    if (begun) st_progress_end(&p);
    rep->traces = r.traces;
    rep->seconds = st_now() - t0;
    ev_rpc_http_close(http);
    for (size_t k = 1; k < RPC_MAX_PAR; k++) ev_rpc_http_close(more[k]);
    st_buf_free(&r.lines);
    st_free(r.recs.v);
    st_free(r.fresh.v);
    return rc;
}
