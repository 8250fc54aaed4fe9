/*
 * evm.h - the Ethereum chain store: ethereum-etl exports in, exact value
 * flows out, queryable on one machine.
 *
 * Design: `st_evm_ingest` reads the tables ethereum-etl writes (blocks,
 * transactions, receipts, logs, token_transfers, traces, tokens; CSV or
 * JSON lines, plain or gzip; each table recognised by its header or its
 * "type"), joins them per block
 * and turns each block into value flows {asset, from, to, amount, kind,
 * position} in execution order: per transaction its fee (prepaid before
 * it runs), its native value and internal calls, creates and
 * selfdestructs (from the traces; a failed call and its whole subtree
 * move nothing; delegatecall, callcode and staticcall move no value),
 * then its ERC-20 Transfer logs; after the block's transactions, its
 * rewards and withdrawals, which come from nowhere.  Flows are appended to
 * column files, like the Bitcoin store (chain.h); a reader maps them
 * read-only and gets flows and transactions by 64-bit id.
 *
 * Ids.  Every id is a uint64_t dense index in chain order:
 *   transaction 0 .. ntx-1, flow 0 .. nflow-1, address 0 .. naddr-1 (order of
 *   first appearance, 20 bytes each), asset 0 .. nasset-1 (asset 0 is ether,
 *   the others are token contracts, by their address id).
 * ST_EVM_NONE marks "no such id" (a flow from nowhere, an unknown sender).
 *
 * Amounts are exact unsigned 256-bit integers (st_u256), wei for ether and
 * the token's own base unit for tokens; text is decimal.  What an export
 * does not give is unknown, never zero: a fee without a receipt, a status
 * without receipt or trace, what an address held before the store's first
 * block.
 *
 * Ownership and lifetimes.  `st_evm_open` returns a handle the caller
 * closes with `st_evm_close`.  Everything a handle gives out is copied into
 * the caller's structs, except where a function says "the caller's
 * (st_free)".  The handle sees the store as committed when it was opened;
 * an ingest appends past the committed counts and renames the manifest
 * last, so an open handle never sees half an ingest.  Any number of threads
 * may read one open handle.
 */
#ifndef SANCTRACE_EVM_H
#define SANCTRACE_EVM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST_EVM_NONE UINT64_MAX

/* ---- exact amounts ----------------------------------------------------- */

/* An unsigned 256-bit integer, w[0] the least significant 64 bits. */
typedef struct st_u256 {
    uint64_t w[4];
} st_u256;

#define ST_U256_TEXT 80 /* 78 decimal digits, a sign and the NUL */

/* Decimal digits, or "0x" and hex digits, exactly s[0..n): ST_OK, or
 * ST_EPARSE for empty text, another character or a value past 2^256-1. */
int st_u256_parse(const char *s, size_t n, st_u256 *out);
/* Decimal text into out; returns out. */
char *st_u256_format(const st_u256 *a, char out[ST_U256_TEXT]);
/* hi * 2^256 + a in decimal (a sum of many amounts can pass 2^256). */
#define ST_U320_TEXT 100 /* 97 decimal digits, a sign and the NUL */
char *st_u256_format_hi(uint64_t hi, const st_u256 *a, char out[ST_U320_TEXT]);
/* r = a + b, r = a - b, r = a * m: 1 when the result wrapped (overflow,
 * or a borrow for sub), else 0.  r may be a or b. */
int st_u256_add(st_u256 *r, const st_u256 *a, const st_u256 *b);
int st_u256_sub(st_u256 *r, const st_u256 *a, const st_u256 *b);
int st_u256_mul_u64(st_u256 *r, const st_u256 *a, uint64_t m);
/* r = floor(a * b / d), exact (512-bit intermediate): 1 when d is zero or
 * the quotient does not fit 256 bits, else 0. */
int st_u256_muldiv(st_u256 *r, const st_u256 *a, const st_u256 *b, const st_u256 *d);
/* -1, 0 or 1 as a is below, equal to or above b. */
int st_u256_cmp(const st_u256 *a, const st_u256 *b);
int st_u256_is_zero(const st_u256 *a);
static inline st_u256 st_u256_from_u64(uint64_t v) {
    st_u256 r = {{v, 0, 0, 0}};
    return r;
}

/* ---- addresses --------------------------------------------------------- */

/* "0x" and 40 hex digits in any letter case: ST_OK, else ST_EINVAL. */
int st_evm_addr_parse(const char *text, uint8_t out[20]);
/* Lowercase "0x..." (43 bytes with the NUL). */
void st_evm_addr_format(const uint8_t a[20], char out[43]);
/* The EIP-55 mixed-case checksum form (a letter is upper case when the
 * matching nibble of keccak-256 of the lowercase hex is 8 or more). */
void st_evm_addr_format_eip55(const uint8_t a[20], char out[43]);

/* ---- the store --------------------------------------------------------- */

typedef struct st_evm st_evm; /* an open store (opaque) */

typedef enum st_evm_kind {
    ST_EVM_NATIVE = 0, /* a transaction's own value (its top-level call or create) */
    ST_EVM_INTERNAL,   /* a call, create or selfdestruct inside a transaction */
    ST_EVM_TOKEN,      /* an ERC-20 Transfer log; a WETH Deposit (from nowhere) or
                          Withdrawal (to nowhere) */
    ST_EVM_FEE,        /* gas used x effective price: tip to the fee recipient,
                          base fee burnt (to = ST_EVM_NONE) */
    ST_EVM_REWARD,     /* block or uncle reward, from nowhere */
    ST_EVM_WITHDRAWAL, /* a consensus-layer withdrawal, from nowhere */
    ST_EVM_NKINDS
} st_evm_kind;

/* "native", "internal", "token", "fee", "reward", "withdrawal". */
const char *st_evm_kind_name(int kind);

typedef struct st_evm_stats {
    uint64_t blocks, transactions, flows, addresses, assets;
    int64_t first_block, last_block; /* -1 when the store is empty */
    uint64_t store_bytes;            /* bytes of columns, indexes, events and block times */
    uint64_t column_bytes_per_flow;  /* the flow columns' bytes per flow */
    uint64_t index_bytes_per_flow;   /* the per-address index's bytes per flow */
} st_evm_stats;

typedef struct st_evm_tx {
    uint8_t hash[32];
    int has_hash;         /* 0 when only geth-style traces named it */
    uint64_t block;       /* block number */
    uint32_t index;       /* position in the block; UINT32_MAX when unknown */
    uint64_t from, to;    /* address ids; ST_EVM_NONE when unknown (to: also a create) */
    st_u256 value;
    int value_known;
    int status;           /* 1 success, 0 failed, -1 unknown (no receipt status, no trace) */
    st_u256 fee;
    int fee_known;        /* 0 when no receipt gave gas used and price */
    uint64_t first_flow;  /* the transaction's flows: first_flow .. first_flow+nflows-1 */
    uint64_t nflows;
} st_evm_tx;

typedef struct st_evm_flow {
    uint64_t asset;       /* 0 ether, else a token (st_evm_asset_text) */
    uint64_t from, to;    /* address ids, ST_EVM_NONE for nowhere */
    st_u256 amount;
    int kind;             /* st_evm_kind */
    uint64_t tx;          /* ST_EVM_NONE for a block's rewards and withdrawals */
    uint64_t block;       /* block number */
    uint32_t position;    /* order within its transaction (or its block's
                             rewards and withdrawals), from 0 */
} st_evm_flow;

/* Open the store in dir read-only.  *out is the caller's (st_evm_close).
 * ST_ENOTFOUND when dir holds no store.  The handle holds the store's
 * readers' lock (below) until st_evm_close, so a reorganisation taken by
 * an ingest meanwhile waits for it (up to 30 s) before cutting the files
 * it maps: open, ask and close, as a command does.  A reader that keeps
 * handles across uses opens them with st_evm_open_bracketed instead. */
int st_evm_open(st_evm **out, const char *dir, st_error *err);
int st_evm_open_bracketed(st_evm **out, const char *dir, st_error *err);
void st_evm_close(st_evm *e);
void st_evm_get_stats(const st_evm *e, st_evm_stats *st);

/* Long-running readers (a server).  A handle sees the commit it was
 * opened at; st_evm_changed says 1 when the store has committed since (or
 * is gone): open a new handle for the next use.  A reorganisation taken
 * from a node (st_evm_ingest_rpc) lowers the committed counts and cuts
 * the column files, which older handles have mapped: a reader that keeps
 * handles across uses opens them with st_evm_open_bracketed, brackets
 * each use with st_evm_reader_enter(dir) and st_evm_reader_leave(its
 * token), and asks st_evm_changed inside the bracket.  The cut waits for
 * the uses under way (up to 30 s: past that the ingest fails and cuts
 * nothing), a use that begins while it waits waits behind it (a turn
 * of 1 to 4 s at most, plus the cut: the rollback then lets such uses in
 * beside a longer one it waits for, and takes another turn), and a use that
 * begins after it finds the handle changed.  A handle from st_evm_open
 * holds its bracket from open to close. */
int st_evm_changed(const st_evm *e);
int st_evm_reader_enter(const char *dir);
void st_evm_reader_leave(int token);

/* Point lookups: 1 with *id set when found, 0 when absent. */
int st_evm_find_addr(const st_evm *e, const uint8_t addr[20], uint64_t *id);
/* A transaction by "0x" + 64 hex digits (any case), or by "BLOCK:INDEX"
 * (for transactions only geth-style traces named): 1 found, 0 absent,
 * ST_EINVAL for text that is neither. */
int st_evm_find_tx(const st_evm *e, const char *text, uint64_t *tx);

void st_evm_get_tx(const st_evm *e, uint64_t tx, st_evm_tx *out);
void st_evm_get_flow(const st_evm *e, uint64_t flow, st_evm_flow *out);
/* Lowercase "0x..." of an address id; "" for ST_EVM_NONE. */
void st_evm_addr_text(const st_evm *e, uint64_t addr, char out[43]);
/* "ETH" or the token contract's lowercase address. */
void st_evm_asset_text(const st_evm *e, uint64_t asset, char out[43]);

/* The flows touching addr (in, out, or both), in chain order: count, and
 * the i-th (0 <= i < count) flow id. */
uint64_t st_evm_addr_nflows(const st_evm *e, uint64_t addr);
uint64_t st_evm_addr_flow(const st_evm *e, uint64_t addr, uint64_t i);

/* What an address received and sent per asset up to and including block
 * at_block (INT64_MAX: all), counted from the store's first block on. */
typedef struct st_evm_balance {
    uint64_t asset;
    st_u256 received, sent;
    st_u256 net;          /* |received - sent| */
    uint64_t received_hi, sent_hi, net_hi; /* each sum's multiples of 2^256 above its st_u256: a token's
                                               amounts can be near 2^256 each (spam, address poisoning) */
    int negative;         /* 1 when sent > received (it held something before) */
} st_evm_balance;

typedef struct st_evm_summary {
    st_evm_balance *balances; /* the caller's (st_free), one per asset touched */
    size_t nbalances;
    uint64_t flows_in, flows_out;
    uint64_t fees_unknown;    /* its transactions whose fee the export did not give */
    int fees_unknown_partial; /* 1: those that moved nothing from it are left out (their file is not the
                                 store's: missing, damaged, or of an older sanctrace) */
} st_evm_summary;

/* ST_OK, ST_ENOMEM, or ST_EINVAL when at_block is before the store's
 * first block (its balances are unknown). */
int st_evm_address_summary(const st_evm *e, uint64_t addr, int64_t at_block, st_evm_summary *out,
                           st_error *err);

/* ---- answers as JSON ----------------------------------------------------
 *
 * What `evm stats`, `evm tx`, `evm address` and `evm flows` answer, built once for
 * every front end (the command line, the server's GET /evm/...).  Each
 * object is a new reference the caller json_decref()s; amounts are decimal
 * strings, what the store does not know is null.  eip55: addresses in
 * their EIP-55 checksum case, else lowercase. */

/* {"blocks", "transactions", "flows", "addresses", "assets", "first_block",
 * "last_block", "store_bytes", "bytes_per_flow"}; NULL when out of memory. */
json_t *st_evm_stats_json(const st_evm *e);
/* {"hash", "block_number", "from", "to", "value", "status", "fee", "flows":
 * [{"asset", "from", "to", "amount", "kind", "position"}]} of the
 * transaction id names (a hash or BLOCK:INDEX, as st_evm_find_tx): ST_OK
 * and *out; ST_EINVAL for text that is neither, ST_ENOTFOUND when the
 * store does not hold it, ST_ENOMEM (err says each). */
int st_evm_tx_json(const st_evm *e, const char *id, int eip55, json_t **out, st_error *err);
/* {"address", ["at_block",] "balances": [{"asset", "received", "sent",
 * "balance"}], "flows_in", "flows_out", "balances_from_block",
 * "fees_unknown", "note"} of the address text names, up to and including
 * at_block (< 0: all); ST_EINVAL for text that is no address, ST_ENOTFOUND
 * when the store never saw it.  At a block before the store's first,
 * "balances", "flows_in" and "flows_out" are null and "note" says why:
 * what the address held then is unknown, never zero. */
int st_evm_address_json(const st_evm *e, const char *text, int64_t at_block, int eip55, json_t **out,
                        st_error *err);
/* {"address", "total", "offset", "flows": [{"index", "block", "tx", "direction",
 * "asset", "from", "to", "amount", "kind", "position"}], "next"}: the
 * address's flows number from .. from+limit-1 of its "total", in chain
 * order, starting no earlier than its first flow in block from_block or
 * later (from_block < 0: from its first); "tx" is what `evm tx` takes (the
 * hash, else BLOCK:INDEX; null for rewards and withdrawals), "direction"
 * in, out or self, "next" the index to ask for next (null after the
 * last).  Errors as st_evm_address_json. */
int st_evm_address_flows_json(const st_evm *e, const char *text, int64_t from_block, uint64_t from, uint64_t limit,
                              int eip55, json_t **out, st_error *err);

/* ---- events: swaps and bridges ------------------------------------------
 *
 * Logs that move no value themselves but say what a transaction did with
 * the value it moved, kept by the ingest beside the flows (events.bin):
 * Uniswap V2 and V3 `Swap`, Curve `TokenExchange` (and the underlying
 * form), and THORChain's router `Deposit(to, asset, amount, memo)` and
 * `TransferOut(vault, to, asset, amount, memo)`.  Stores ingested before
 * events were kept have none (ingest the export again into a new store). */
typedef enum st_evm_event_kind {
    ST_EVM_EV_SWAP_V2 = 1,
    ST_EVM_EV_SWAP_V3,
    ST_EVM_EV_CURVE_EXCHANGE,
    ST_EVM_EV_THOR_DEPOSIT,
    ST_EVM_EV_THOR_TRANSFER_OUT,
} st_evm_event_kind;

typedef struct st_evm_event {
    uint64_t tx, block, log_index;
    int kind;                 /* st_evm_event_kind */
    uint64_t emitter;         /* address id, ST_EVM_NONE when no flow names it */
    uint8_t emitter_addr[20];
    int ntopics;              /* indexed topics after topic0 */
    uint8_t topics[3][32];
    const uint8_t *data;      /* the log's data, ndata bytes (at most 512 kept) */
    size_t ndata;
} st_evm_event;

/* A THORChain router event decoded: to (the vault, or the payee of a
 * TransferOut), asset (ST_EVM_NONE for ether, else the token's address
 * id; asset_addr its 20 bytes), amount, and the memo (NUL-terminated,
 * at most 255 bytes).  ST_OK, or ST_EPARSE when the data is malformed. */
typedef struct st_evm_thor {
    uint8_t to[20], asset_addr[20];
    int native;               /* the asset is ether */
    st_u256 amount;
    char memo[256];
} st_evm_thor;
int st_evm_thor_decode(const st_evm_event *ev, st_evm_thor *out);

typedef struct st_evm_events st_evm_events; /* the events of a store (opaque) */

/* Read dir/events.bin of the open store e at dir: *out is the caller's
 * (st_evm_events_close); a store without the file has no events. */
int st_evm_events_open(st_evm_events **out, const st_evm *e, const char *dir, st_error *err);
void st_evm_events_close(st_evm_events *v);
size_t st_evm_events_count(const st_evm_events *v);
/* The i-th event in chain order (by transaction, then log index); valid
 * while v is open. */
const st_evm_event *st_evm_events_get(const st_evm_events *v, size_t i);
/* The events of transaction tx: *first and the count. */
size_t st_evm_events_of_tx(const st_evm_events *v, uint64_t tx, size_t *first);
/* The timestamp (unix seconds) of a block, from the blocks table's
 * `timestamp` column (kept in blocktimes.bin, for the dates tags are valid
 * on); -1 when the export did not give it. */
int64_t st_evm_events_block_time(const st_evm_events *v, uint64_t block);

/* ---- ingest ------------------------------------------------------------ */

typedef struct st_evm_ingest_opts {
    int progress;          /* draw progress on a terminal */
    int no_sync;           /* skip fsync at commit (benchmarks of CPU cost only) */
    int full_index;        /* rebuild each index whole at every commit, no delta, and read every committed
                              address into memory first: the commit as it was before (benchmarks) */
    /* Called for each bad row (file and line in err) that was skipped, and
     * for each warning (a table that could not be used, blocks already in
     * the store).  Export files are parsed on a thread of their own: calls
     * may come from it, one at a time (never two at once). */
    void (*on_bad)(void *ctx, const st_error *err);
    void *ctx;
    /* Rows one ingest reads (an export read whole, out of block order,
     * holds them all in memory); past it the ingest stops with
     * ST_ELIMIT and commits nothing ("ingest the export in block ranges").
     * 0: 2^31. */
    uint64_t max_rows;
} st_evm_ingest_opts;

typedef struct st_evm_ingest_report {
    uint64_t files, rows, bad_rows;
    uint64_t blocks_added, blocks_skipped; /* skipped: at or below the store's last block */
    uint64_t txs_added, flows_added, addresses_added;
    uint64_t unnamed_traces;  /* trace rows naming no addresses: moved nothing */
    uint64_t fees_unknown;    /* transactions added without a receipt's gas used and price */
    uint64_t bytes_read;
    double seconds;
} st_evm_ingest_report;

/* Ingest paths (files or folders of them, walked in name order) into the
 * store at dir, creating it when absent.  Only blocks above the store's
 * last block are added.  Bad rows are reported through opts->on_bad and
 * skipped; the return is ST_OK unless the store could not be written.  On
 * failure the store stays at its last commit.  A file size limit raises
 * SIGXFSZ, which the calling program should ignore (the write then fails,
 * reported); index files are written through shared mappings only where
 * fallocate reserves their blocks (ext4, xfs, tmpfs). */
int st_evm_ingest(const char *dir, const char *const *paths, size_t npaths, const st_evm_ingest_opts *opts,
                  st_evm_ingest_report *rep, st_error *err);

/* ---- ingest from a node (JSON-RPC) ------------------------------------ */

typedef enum st_evm_traces {
    ST_EVM_TRACES_AUTO = 0, /* trace_block, else debug_traceBlockByNumber (callTracer) */
    ST_EVM_TRACES_PARITY,   /* trace_block only (Erigon, Reth, Nethermind, anvil) */
    ST_EVM_TRACES_GETH,     /* debug_traceBlockByNumber with the callTracer only (geth) */
    ST_EVM_TRACES_NONE      /* no traces: internal calls are not seen (said in the report) */
} st_evm_traces;

/* One HTTP exchange: POST body[0..len) as JSON to url; on ST_OK *resp is
 * the answer's body (NUL-terminated, the caller's: st_free) and *resp_len
 * its length.  A failure is ST_ENET with the reason in err. */
typedef int (*st_evm_post_fn)(void *ctx, const char *url, const char *body, size_t len, char **resp,
                              size_t *resp_len, st_error *err);

typedef struct st_evm_rpc_opts {
    const char *url;            /* http://host:port of the node */
    int64_t from_block;         /* -1: after the store's last block (0 when empty) */
    int64_t to_block;           /* -1: the node's latest block */
    int traces;                 /* st_evm_traces */
    uint32_t blocks_per_commit; /* 0: 100 */
    uint32_t blocks_per_request;/* blocks in one JSON-RPC batch; 0: 10 */
    uint32_t parallel_requests; /* batches asked at once (the node traces them on as
                                 * many cores), answers taken in block order; 0: 4
                                 * with libcurl, 1 with post; at most 16 */
    st_evm_post_fn post;        /* NULL: libcurl */
    void *post_ctx;
    int post_threads;           /* post may be called from several threads at once */
    st_evm_ingest_opts ingest;  /* progress, no_sync, on_bad (also warnings) */
} st_evm_rpc_opts;

typedef struct st_evm_rpc_report {
    uint64_t blocks_added, txs_added, flows_added, addresses_added, fees_unknown, bad_rows;
    uint64_t unnamed_traces;     /* call-tracer frames naming no addresses: moved nothing */
    uint64_t requests, calls, bytes_received, commits;
    uint64_t blocks_rolled_back; /* removed by reorganisations, then taken again */
    int64_t fork_block;          /* last block store and node agreed on at a reorg; -1 none */
    int64_t first_block, last_block; /* the range added by this run; -1 none */
    int traces;                  /* the st_evm_traces method used (NONE: none) */
    int receipts_per_tx;         /* 1 when the node lacked eth_getBlockReceipts */
    double seconds;
} st_evm_rpc_report;

/* Ingest blocks from a node into the store at dir, creating it when
 * absent: eth_getBlockByNumber (full transactions), eth_getBlockReceipts
 * (else eth_getTransactionReceipt per transaction) and the traces, in
 * JSON-RPC batches, turned into the rows of ethereum-etl's tables and
 * ingested as st_evm_ingest does; a commit every blocks_per_commit blocks.
 * Resumes after the store's last block.  The hashes of the blocks taken
 * are kept with the store (rpc_blocks.dat): when the node's chain no
 * longer holds the store's last block, the store is rolled back to the
 * last commit at or below the fork and the node's blocks are taken from
 * there.  A node that stops answering ends the run with ST_ENET naming the
 * blocks asked; the store keeps its last commit. */
int st_evm_ingest_rpc(const char *dir, const st_evm_rpc_opts *opts, st_evm_rpc_report *rep, st_error *err);

/* ---- synthetic chains ------------------------------------------------ */

typedef struct st_evm_synth_opts {
    uint64_t flows; /* value flows to generate, at least (the last block is whole) */
    uint64_t seed;
    uint64_t first_block; /* the first block's number; 0: 17,000,000 (timestamps
                           * stay 12 s a block from 17,000,000, so a chain started
                           * later continues an earlier export in time) */
    int mix;              /* ST_EVM_MIX_LEAN (0) or ST_EVM_MIX_MAINNET: src/evm/synth.c */
} st_evm_synth_opts;

enum { ST_EVM_MIX_LEAN, ST_EVM_MIX_MAINNET };

/* Write an ethereum-etl export of a synthetic chain into outdir: blocks,
 * transactions, receipts, logs, token_transfers and traces CSV files with
 * the exporter's headers (wallets, an exchange, ERC-20 tokens, a contract
 * forwarding value with a reverted call, failed transactions,
 * withdrawals; with the mainnet mix, token swaps through pools too).  The
 * same seed and mix give the same files. */
int st_evm_synth(const char *outdir, const st_evm_synth_opts *opts, st_error *err);

#ifdef __cplusplus
}
#endif

#endif
