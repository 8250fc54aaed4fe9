/*
 * evm_int.h - the Ethereum store's private layout, shared by ingest.c
 * (writer), store.c (reader, indexes) and export.c (the export readers).
 *
 * Layout of a store directory:
 *   manifest.json        committed counts; renamed into place last
 *   <name>.col           one fixed-width column per field (EV_COL_*), append-only
 *   addr_flows.idx       per-address flow lists (CSR: offsets, then flow ids)
 *   addr_hash.idx, tx_hash.idx  open-addressing tables of id + 1
 *   *.delta.idx          each index's delta: the same over the records added
 *                        since its base (flow lists of the touched addresses)
 *   lock                 flock: one ingest at a time
 * Invariant: a column may hold more records than the manifest counts (an
 * interrupted ingest); readers use the counts only, and the next ingest
 * truncates the tails before appending.  An index is a base covering the
 * records up to some commit plus a delta from there to the manifest's
 * counts; a commit rewrites the delta, or (past an eighth of the base, or
 * when the base does not fit) merges both into a new base and an empty
 * delta.  Every index file starts with the counts it covers: a base that
 * covers more than the manifest, or a delta that does not run from its
 * base to the manifest, is rebuilt in memory by the reader (and replaced
 * by the next ingest).  An ingest builds on a base only when it covers no
 * more than the counts it started from (after any rollback), so a base's
 * records are always still the columns' own.
 */
#ifndef ST_EVM_INT_H
#define ST_EVM_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sanctrace/evm.h"

enum {
    EV_COL_BLK_NUM,        /* u64 block number */
    EV_COL_BLK_FIRST_TX,   /* u64 */
    EV_COL_BLK_FIRST_FLOW, /* u64 */
    EV_COL_TX_HASH,        /* 32 bytes */
    EV_COL_TX_BLOCK,       /* u64 block number */
    EV_COL_TX_INDEX,       /* u32, UINT32_MAX unknown */
    EV_COL_TX_FROM,        /* u64 address id */
    EV_COL_TX_TO,          /* u64 address id */
    EV_COL_TX_VALUE,       /* amount: 16 bytes (ev_amount_get) */
    EV_COL_TX_FEE,         /* amount */
    EV_COL_TX_FLAGS,       /* u8 EV_TXF_* */
    EV_COL_TX_FIRST_FLOW,  /* u64 */
    EV_COL_TX_NFLOWS,      /* u32 */
    EV_COL_FLOW_ASSET,     /* u32 asset id */
    EV_COL_FLOW_FROM,      /* u64 address id */
    EV_COL_FLOW_TO,        /* u64 address id */
    EV_COL_FLOW_AMOUNT,    /* amount */
    EV_COL_FLOW_KIND,      /* u8 st_evm_kind */
    EV_COL_FLOW_TX,        /* u64 tx id */
    EV_COL_FLOW_POS,       /* u32 */
    EV_COL_ADDR,           /* 20 bytes */
    EV_COL_ASSET_ADDR,     /* u64 address id; ST_EVM_NONE for ether */
    EV_COL_WIDE_VALUE,     /* the amounts of 2^128 - 1 and more of each amount column: */
    EV_COL_WIDE_FEE,       /* u64 record id, st_u256 (40 bytes), in id order */
    EV_COL_WIDE_FLOW,
    EV_NCOLS
};

enum { EV_TXF_HASH = 1, EV_TXF_VALUE = 2, EV_TXF_FEE = 4, EV_TXF_OK = 8, EV_TXF_FAILED = 16 };

/* Which count a column is sized by. */
enum { EV_N_BLOCKS, EV_N_TXS, EV_N_FLOWS, EV_N_ADDRS, EV_N_ASSETS, EV_N_WIDE_VALUES, EV_N_WIDE_FEES, EV_N_WIDE_FLOWS,
       EV_NCOUNTS };

/* Amounts.  An amount column holds 16 bytes a record: the amount's low
 * 128 bits, or all ones when it is 2^128 - 1 or more, and then the whole
 * amount is in the column's wide column (record id and value, in id
 * order), found by halving.  Nearly every amount fits 128 bits (3.4e38:
 * 3.4e20 tokens of 18 decimals), so the store holds 16 bytes an amount
 * instead of 32. */
#define EV_STORE_VERSION 2 /* the manifest's: 2 since amounts take 16 bytes */
#define EV_AMOUNT_W 16
#define EV_WIDE_W 40
int ev_amount_narrow(const st_u256 *a, uint8_t low[EV_AMOUNT_W]); /* 1 when it fits (low set) */
int ev_wide_col(int col); /* the wide column of an amount column, -1 for others */
void ev_amount_get(const void *col, const void *wide, uint64_t nwide, uint64_t i, st_u256 *out);

typedef struct ev_counts {
    uint64_t n[EV_NCOUNTS];
    int64_t first_block, last_block;
} ev_counts;

const char *ev_col_name(int col);
size_t ev_col_width(int col);
int ev_col_count(int col); /* EV_N_* */

/* The three indexes, each a base file and a delta file (ev_ix_name). */
enum { EV_IX_ADDR, EV_IX_TX, EV_IX_FLOWS, EV_NIX };
const char *ev_ix_name(int ix, int delta);

/* A hash table file: a base is magic, count covered, capacity, then cap
 * u64 slots holding id + 1 (0 empty); a delta is magic, first id, end id,
 * capacity, slots (ids in [lo, n) only).  Keys are the leading bytes of
 * the column. */
typedef struct ev_hashtab {
    const uint64_t *slots;
    uint64_t cap, lo, n; /* answers ids in [lo, n) */
    void *owned;         /* st_malloc'd when rebuilt in memory */
} ev_hashtab;

/* Where a build puts its image: zeroed memory of bytes from get (the
 * ingest's: huge pages, its file reserved first), or st_calloc's when a
 * build is given NULL; NULL from get fails the build (ST_ENOMEM). */
typedef struct ev_dest {
    void *(*get)(void *ctx, size_t bytes);
    void *ctx;
} ev_dest;

/* Build the table over keys[i*ksize..] for lo <= i < n (a base when !delta,
 * then lo is 0) in memory from d; the image is the caller's, *bytes its
 * size. */
int ev_hashtab_build(const uint8_t *keys, size_t ksize, uint64_t lo, uint64_t n, int delta, const ev_dest *d,
                     uint64_t **image, size_t *bytes);
int ev_hashtab_find(const ev_hashtab *t, const uint8_t *keys, size_t ksize, const uint8_t *key, uint64_t *id);
/* The per-address CSR image of a base: 3-word header (magic, naddr,
 * nflow), naddr+1 offsets, then the flow ids. */
int ev_addrflows_build(const uint64_t *from, const uint64_t *to, uint64_t nflow, uint64_t naddr, const ev_dest *d,
                       uint64_t **image, size_t *bytes);
/* A delta's lists, of the flows in [lo, nflow) only: 6-word header (magic,
 * naddr, lo, nflow, nt touched addresses, cap), an id table of cap slots
 * (entry + 1, keyed by address id), the nt addresses, nt+1 offsets, then
 * the flow ids in chain order. */
int ev_addrflows_build_delta(const uint64_t *from, const uint64_t *to, uint64_t lo, uint64_t nflow, uint64_t naddr,
                             uint64_t **image, size_t *bytes);
/* 1 when dir's base file of index ix is whole, covers no more than the
 * counts c (cover: its count; for the flow lists addresses then flows) and
 * answers for the records it covers (keys: the hash index's column; from,
 * to: the flows' for the flow lists), else 0. */
int ev_index_base(const char *dir, int ix, const ev_counts *c, uint64_t cover[2], const uint8_t *keys,
                  const uint64_t *from, const uint64_t *to);

/* A read-only mapping of a whole file (munmap'd by its owner). */
typedef struct ev_map {
    void *p;
    size_t len;
} ev_map;

/* Map dir's base and delta of hash index ix (EV_IX_ADDR or EV_IX_TX) when
 * together they cover exactly the counts c and answer for the keys of the
 * column keys: 1 with t answering through the mappings m (valid until
 * ev_index_unmap(m)); else 0, nothing mapped. */
int ev_index_map_hashtab(const char *dir, int ix, const ev_counts *c, const uint8_t *keys, ev_hashtab t[2],
                         ev_map m[2]);
void ev_index_unmap(ev_map m[2]);

uint64_t ev_key_hash(const uint8_t *key, size_t ksize);

int ev_manifest_read(const char *dir, ev_counts *c, st_error *err);

/* DIR/readers.lock: readers hold it shared (a command's handle from
 * st_evm_open to st_evm_close, a server each query: st_evm_reader_enter);
 * a rollback holds it exclusive while it lowers the manifest and cuts the
 * columns under those handles' maps. */
#define EV_READERS_LOCK "readers.lock"
/* DIR/readers.gate: a rollback holds it exclusive while it waits for
 * DIR/readers.lock (a turn at a time, below) and until its cut is done,
 * and a reader holds it shared only while it takes the readers' lock, so
 * readers arriving during the wait queue behind the rollback: readers
 * whose uses overlap without a pause (a busy server) cannot hold it off. */
#define EV_READERS_GATE "readers.gate"
/* How long a rollback first holds the gate at a time, in ms (1 s; tests
 * change it): still waiting then, it waits for a reader longer than that,
 * not a stream of short ones, so it lets the readers queued at the gate in
 * (they would otherwise stall until it gives up) and takes the gate again,
 * for twice as long, up to four times this. */
extern int ev_gate_turn_ms;
/* How long a rollback waits for readers to let go, in ms (30 s; tests
 * shorten it): past it the ingest fails and the store is left as it was. */
extern int ev_readers_wait_ms;

/* The index in address addr's flow list of its first flow in block or
 * later (its flow count when none): the list is in chain order, so
 * halving finds it.  Balances at a block and `evm flows --from-block`. */
uint64_t ev_addr_first_at(const st_evm *e, uint64_t addr, uint64_t block);
int ev_manifest_write(const char *dir, const ev_counts *c, st_error *err);
/* Its text (NULL: out of memory; freed with free()): an ingest's commit
 * writes and syncs it beside the manifest before renaming its index files
 * into place, and renames it last. */
char *ev_manifest_text(const ev_counts *c);

/* ---- export rows (export.c), joined by ingest.c ---- */

typedef struct ev_txrow {
    uint8_t hash[32], from[20], to[20], contract[20];
    uint8_t has_hash, has_from, has_to, has_contract, has_value, has_gas_price, has_gas_used, has_eff;
    uint8_t has_blob_gas, has_blob_price; /* EIP-4844: blob gas used x blob gas price, burnt */
    int8_t status;        /* receipt: 1, 0, or -1 unknown */
    uint64_t block;
    uint32_t index;       /* UINT32_MAX unknown */
    st_u256 value, gas_price, eff_price, blob_price;
    uint64_t gas_used, blob_gas;
    uint32_t file;
} ev_txrow;

enum { EV_T_CALL, EV_T_CREATE, EV_T_SUICIDE, EV_T_REWARD, EV_T_OTHER };

typedef struct ev_trace {
    uint8_t txhash[32], from[20], to[20];
    uint8_t has_hash, has_txindex, has_from, has_to, type, novalue, error;
    int8_t status;        /* the export's status column: 1, 0, -1 absent */
    uint32_t txindex, depth, path_off;
    uint64_t block, tx;   /* tx: joined transaction (ingest) */
    st_u256 value;
    uint32_t file;
    uint64_t seq;         /* row order */
} ev_trace;

typedef struct ev_token {
    uint8_t txhash[32], token[20], from[20], to[20];
    uint8_t no_from, no_to; /* WETH: a Deposit mints (from nowhere), a Withdrawal burns */
    uint8_t from_logs;      /* read from a logs row (else token_transfers) */
    uint8_t nft;            /* an ERC-721 Transfer log: no flow, its token_transfers twin none either */
    uint64_t block, log_index, tx;
    uint32_t txindex;     /* UINT32_MAX unknown */
    uint32_t file;
    st_u256 value;
} ev_token;

/* A contracts table's row that says whether the contract is ERC-721. */
typedef struct ev_contract {
    uint8_t addr[20];
    uint8_t nft;
} ev_contract;

typedef struct ev_block {
    uint64_t number;
    uint8_t miner[20];
    uint8_t has_miner, has_base_fee, has_time;
    int8_t cancun;          /* 1 from Cancun on (blob gas named), 0 before, -1 not said (before_cancun) */
    st_u256 base_fee;
    uint64_t time;          /* the block's timestamp (unix seconds), kept for tag validity (events.c) */
    uint32_t first_wd, nwd; /* withdrawals in ev_batch.wd */
    uint32_t file;
} ev_block;

typedef struct ev_withdrawal {
    uint8_t addr[20];
    st_u256 amount;       /* wei (the export's Gwei x 10^9) */
} ev_withdrawal;

/* A log the tracer needs beyond value flows (events.c): swaps and
 * THORChain's router events, kept raw (topics after topic0, data). */
#define EV_EVENT_DATA 512
typedef struct ev_event {
    uint8_t txhash[32], emitter[20];
    uint64_t block, log_index;
    uint8_t kind, ntopics;
    uint16_t ndata;
    uint8_t topics[3][32];
    uint8_t data[EV_EVENT_DATA];
} ev_event;

#define EV_VEC(T) struct { T *v; size_t n, cap; }

/* Everything read from the export files of one ingest. */
/* rows read by one ingest (held in memory, about 0.5 KiB each, when the
 * export is read whole): past it, ingest the export in block ranges */
#define EV_MAX_ROWS ((uint64_t)1 << 31)
/* The longest row (bytes) an export's reader takes.  Rows carry fields
 * no flow needs (calldata, a trace's input and output) and a block's gas
 * allows megabytes of calldata (4 gas a zero byte before Prague: 7.5 MB,
 * 15 MB as hex, in a 30M-gas block), so the CSV reader's 4 MiB is too
 * little: a transaction's value and fee must not be lost to its input. */
#define EV_MAX_RECORD ((size_t)32 << 20)

typedef struct ev_batch {
    EV_VEC(ev_txrow) txs;      /* transactions rows */
    EV_VEC(ev_txrow) receipts; /* receipts rows (hash, block, index, gas, status) */
    EV_VEC(ev_trace) traces;
    EV_VEC(ev_token) tokens;   /* token_transfers rows and Transfer logs */
    EV_VEC(ev_block) blocks;
    EV_VEC(ev_withdrawal) wd;
    EV_VEC(uint32_t) paths;    /* trace addresses */
    EV_VEC(uint8_t) token_addrs; /* tokens table: 20 bytes each */
    EV_VEC(ev_contract) contracts; /* contracts table rows that say is_erc721 */
#define EV_CONTRACTS_MAX ((size_t)1 << 22) /* those not ERC-721 kept (to tell a token named from one not) */
    EV_VEC(ev_event) events;   /* swap and bridge logs (events.c) */
    uint64_t rows, bad_rows, files, bytes;
    uint64_t seq;
    uint64_t max_rows;         /* the limit on rows (0: EV_MAX_ROWS) */
    uint64_t limit_said;       /* the ingest's limit when max_rows is what is left of it (0: max_rows) */
    size_t gz_chunk;           /* a file's buffer (0: 1 MiB gzip, 128 KiB plain; tests make it tiny to split lines) */
    size_t max_record;         /* the longest row read (0: EV_MAX_RECORD; tests lower it) */
    int full;                  /* the row limit was reached: the ingest stops, nothing committed */
    void (*on_bad)(void *ctx, const st_error *err);
    void *ctx;
    char **names;              /* file names by file id */
    size_t nnames;
} ev_batch;

/* Grow v (element size es) to hold one more; ST_OK or ST_ENOMEM. */
int ev_vec_grow(void **v, size_t *cap, size_t n, size_t es);
#define EV_PUSH(vec) \
    (((vec).n < (vec).cap || ev_vec_grow((void **)&(vec).v, &(vec).cap, (vec).n, sizeof *(vec).v) == ST_OK) \
         ? memset(&(vec).v[(vec).n], 0, sizeof *(vec).v), &(vec).v[(vec).n++] : NULL)

void ev_batch_free(ev_batch *b);
void ev_batch_free_rows(ev_batch *b); /* the row vectors only: counts and names stay */

/* One export file read in block windows (export.c).  Rows are appended to
 * b as ev_read_buffer does; names and counts are registered at open. */
typedef struct ev_source ev_source;
#define EV_UNSORTED 1 /* a row of a block at or below `passed`: not in block order */
/* Map path and read its header (a gzip file is inflated a piece at a
 * time as its rows are read): ST_OK (a file with nothing to
 * read is a source that is done at once) or an error (nothing registered
 * for an unreadable file). *out is the caller's (ev_source_close). */
int ev_source_open(ev_batch *b, const char *path, ev_source **out, st_error *err);
int ev_source_open_buffer(ev_batch *b, const char *data, size_t len, const char *name, ev_source **out,
                          st_error *err);
/* The block of the next row (UINT64_MAX when none is left); rows that name
 * no block are read into b on the way. */
int ev_source_next_block(ev_source *s, uint64_t *block, st_error *err);
/* Read the rows up to block upto into b: ST_OK, an error, or EV_UNSORTED
 * when a row's block is at or below passed (>= 0) and nothing more is read. */
int ev_source_read(ev_source *s, int64_t passed, uint64_t upto, st_error *err);
int ev_source_done(const ev_source *s);
/* Hand back the pages of a mapped file before the cursor (read once). */
void ev_source_forget(ev_source *s);
void ev_source_close(ev_source *s);
/* Which vectors of a batch a source's rows go to: 0 blocks, txs,
 * receipts (and withdrawals); 1 traces and their paths (the traces
 * table); 2 tokens, events, contracts, token addresses (the logs, tokens
 * and contracts tables); 3 tokens (the token_transfers table); -1 any
 * (JSON lines, whose lines name their table). */
int ev_source_group(const ev_source *s);
/* For tests: 0 reads every withdrawals field with the JSON reader, 1 (the
 * default) the common ones without it; both read every field the same. */
void ev_withdrawals_fast(int on);
/* The batch the source's rows go to from now on (and its counts). */
void ev_source_bind(ev_source *s, ev_batch *b);
/* Read one export table held in data[0..len) (CSV, recognised by its
 * header) into b.  Bad rows are reported through b->on_bad and counted;
 * a file whose header names no known table, or lacks a column, is one bad
 * row at line 1.  ST_OK, or ST_ENOMEM. */
int ev_read_buffer(ev_batch *b, const char *data, size_t len, const char *name, st_error *err);
/* The same for a file (gzip when it starts with 1f 8b). */
int ev_read_file(ev_batch *b, const char *path, st_error *err);

/* The log topic at t (66 bytes readable: strlen(t) >= 66) is the event
 * signature sig ("0x" and 64 lower-case digits), in either letter case, as
 * ethereum-etl compares topic0 (export.c). */
int ev_topic_is(const char *t, const char *sig);

/* A reading's window of blocks: its span doubled below MIN rows, halved
 * above MAX (ingest.c's reader, and bench/evm_parse as it). */
#define EV_WINDOW_ROWS_MIN ((uint64_t)1 << 16)
#define EV_WINDOW_ROWS_MAX ((uint64_t)1 << 18)

/* ---- events (events.c) ---- */

/* A logs row that is no value flow: kept when its topic0 is one the tracer
 * reads (t: the row's hash, block, log index and emitter in t->token).
 * 0, or ST_ENOMEM. */
int ev_event_take(ev_batch *b, const ev_token *t, const char *topics, const char *data);
/* Append the batch's events of blocks after after_block to dir/events.bin
 * and their blocks' timestamps to dir/blocktimes.bin
 * (before the manifest is renamed: the reader keeps only committed blocks
 * and drops repeats). */
int ev_events_append(const char *dir, const ev_batch *b, int64_t after_block, st_error *err);
/* fsync events.bin and blocktimes.bin (before the manifest is renamed). */
int ev_events_sync(const char *dir, st_error *err);
/* The sizes of events.bin and blocktimes.bin (UINT64_MAX: none), after
 * events.bin is made ready for appends (a torn last record cut off, a
 * first-version file rewritten; ST_ECORRUPT for a file that is no events
 * file), and the files cut back to them (removed when there was none): a reading that
 * does not reach its commit (abandoned for a whole one when a file is out
 * of block order, or failed) takes back what its windows appended, so the
 * next reading does not write its records twice. */
int ev_events_mark(const char *dir, uint64_t size[2], st_error *err);
int ev_events_cut(const char *dir, const uint64_t size[2], st_error *err);
/* The bytes of events.bin and blocktimes.bin (0 when there are none). */
uint64_t ev_events_bytes(const char *dir);

/* ---- columns (store.c): a committed store's, or an ingest's just written ---- */

typedef struct ev_cols {
    ev_counts c;
    const void *col[EV_NCOLS];
} ev_cols;

void ev_store_cols(const st_evm *e, ev_cols *k);
void ev_cols_flow(const ev_cols *k, uint64_t f, st_evm_flow *o);

/* ---- running balances (balance.c): addr_bal.idx ---- */

/* A summary being added up flow by flow along an address's list. */
typedef struct ev_bal_state {
    st_evm_summary sum;
    size_t cap;           /* of sum.balances */
    uint64_t last_fee_tx; /* the transaction counted last for fees_unknown */
} ev_bal_state;

void ev_bal_init(ev_bal_state *s);
void ev_bal_free(ev_bal_state *s);
int ev_bal_step(ev_bal_state *s, const ev_cols *k, uint64_t addr, const st_evm_flow *f);

typedef struct ev_bal ev_bal;
/* The file when it matches the manifest and the flow columns from, to
 * (their print), else NULL (queries walk). */
ev_bal *ev_bal_open(const char *dir, const ev_counts *c, const uint64_t *from, const uint64_t *to);
void ev_bal_close(ev_bal *b);
uint64_t ev_bal_covered(const ev_bal *b);
uint64_t ev_bal_bytes(const ev_bal *b);
/* The state at addr's last checkpoint at or before list position upto
 * (*pos; 0 and empty when none).  ST_OK or ST_ENOMEM. */
int ev_bal_start(const ev_bal *b, uint64_t addr, uint64_t upto, ev_bal_state *s, uint64_t *pos);
/* The image over every flow of k: addresses of min_flows flows or more,
 * a checkpoint at least every `every` flows. */
int ev_bal_build(const ev_cols *k, uint64_t min_flows, uint64_t every, uint64_t **image, size_t *bytes);
#define EV_BAL_MIN 256   /* flows an address needs before it has checkpoints */
#define EV_BAL_EVERY 128 /* flows between checkpoints, at least */
/* Whether a commit from the counts c to nflows flows rebuilds the file:
 * when it is missing or the flows past it would outgrow a quarter of it. */
int ev_bal_due(const char *dir, const ev_counts *c, uint64_t nflows, const uint64_t *from,
               const uint64_t *to);
/* The image written (after the manifest: it covers committed flows only). */
int ev_bal_write(const char *dir, const uint64_t *img, size_t bytes, st_error *err);
/* Before a rollback cuts flows it covers. */
int ev_bal_remove(const char *dir, st_error *err);

/* ---- fees not known, per sender (nofee.c): addr_nofee.idx ---- */

/* The transactions of unknown fee that moved nothing from their sender,
 * which an address's flow list does not hold. */
typedef struct ev_nofee ev_nofee;
/* The file when it belongs to the manifest's commit c, else NULL (then
 * fees_unknown counts along the flows alone). */
ev_nofee *ev_nofee_open(const char *dir, const ev_counts *c);
void ev_nofee_close(ev_nofee *x);
uint64_t ev_nofee_bytes(const ev_nofee *x);
/* How many of addr's such transactions have ids below tx_end. */
uint64_t ev_nofee_count(const ev_nofee *x, uint64_t addr, uint64_t tx_end);
/* The file for the commit k->c from the columns k (transactions' flags,
 * senders, first flows and counts, flows' senders): the old file's pairs
 * when it belongs to c_old, the commit this one starts from, and those of
 * the transactions after it (else every transaction's), in place before
 * the manifest is renamed (synced when sync). ST_OK or an error. */
int ev_nofee_commit(const char *dir, const ev_counts *c_old, const ev_cols *k, int sync, st_error *err);

/* ---- ingest (ingest.c) from a feed of rows ---- */

/* Where one ingest's rows come from when they are no export files.  prepare (may be NULL) runs under the
 * store's lock once the committed counts are read, and may lower them to
 * an earlier commit (a rollback: the columns are cut back to them and the
 * new rows appended after); read fills the batch; before_commit (may be
 * NULL) runs once columns and indexes are written and before the manifest
 * is renamed, so what it writes is committed with them. */
typedef struct ev_feed {
    int (*prepare)(void *ctx, const char *dir, ev_counts *c, st_error *err);
    int (*read)(void *ctx, ev_batch *b, st_error *err);
    int (*before_commit)(void *ctx, const char *dir, const ev_counts *nc, st_error *err);
    void *ctx;
} ev_feed;

/* st_evm_ingest with the rows from a feed (a node's blocks, rpc.c): read
 * whole, as one window. */
int ev_ingest_feed(const char *dir, const ev_feed *feed, const st_evm_ingest_opts *opts,
                   st_evm_ingest_report *rep, st_error *err);

#endif
