/*
 * chain.h - the Bitcoin chain store: Bitcoin Core's block files in, a
 * read-only columnar view of the best chain out.
 *
 * Design: `st_chain_ingest` reads blk*.dat files (or raw blocks), picks the
 * best chain by cumulative work and appends its transactions, inputs and
 * outputs to memory-mapped column files in chain order.  A reader opens the
 * store with `st_chain_open` and gets plain arrays (`st_chain_cols`) it can
 * scan at memory speed, plus indexes for point lookups.
 *
 * Ids.  Every id is a uint64_t dense index in chain order:
 *   tx id    0 .. ntx-1       (tx 0 is the first coinbase of the chain)
 *   input id 0 .. nin-1       (inputs of tx t are first_in[t] .. first_in[t+1]-1)
 *   output id 0 .. nout-1     (outputs of tx t are first_out[t] .. first_out[t+1]-1)
 *   address id 0 .. naddr-1   (in order of first appearance)
 *   block position 0 .. nblocks-1 (the best chain; heights in `block_height`)
 * ST_CHAIN_NONE marks "no such id".  Iterating tx ids upwards walks the chain
 * in order: every output is created before the input that spends it.
 *
 * Links.  in_prev[i] is the output input i spends, or ST_CHAIN_NONE for a
 * coinbase input or an input whose output is not in the store (partial
 * data; `st_chain_in_prevout` still gives its txid:vout).  out_spent[o] is
 * the input that spends output o, or ST_CHAIN_NONE while unspent.
 * out_next[o] is the next output paying the same address (a singly linked
 * list per address, in chain order, starting at `st_chain_addr_first_out`).
 *
 * Ownership and lifetimes.  `st_chain_open` returns a handle the caller
 * closes with `st_chain_close`.  Every pointer the handle gives out (the
 * column arrays, txid bytes, strings) points into read-only mappings owned
 * by the handle and stays valid until `st_chain_close`, never longer.  The
 * handle sees the store as committed when it was opened; it holds a shared
 * lock, so an ingest cannot rewrite the store under it (ingest refuses to
 * run while readers are open, and readers refuse to open during an ingest).
 * Handles are not thread-safe for ingest, but any number of threads may read
 * one open handle concurrently (it never changes after open).
 */
#ifndef SANCTRACE_CHAIN_H
#define SANCTRACE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST_CHAIN_NONE UINT64_MAX

typedef enum st_chain_net {
    ST_NET_UNKNOWN = 0,
    ST_NET_MAIN,     /* magic f9beb4d9, addresses 1.. 3.. bc1.. */
    ST_NET_TESTNET,  /* testnet3, magic 0b110907, addresses m/n.. 2.. tb1.. */
    ST_NET_REGTEST,  /* magic fabfb5da, addresses m/n.. 2.. bcrt1.. */
    ST_NET_SIGNET,   /* magic 0a03cf40, addresses as testnet */
} st_chain_net;

/* Output script types (stored as one byte per output). */
typedef enum st_script_type {
    ST_SCRIPT_NONSTANDARD = 0, /* anything below; no address */
    ST_SCRIPT_P2PK,            /* <pubkey> OP_CHECKSIG; address = P2PKH of its key hash */
    ST_SCRIPT_P2PKH,
    ST_SCRIPT_P2SH,
    ST_SCRIPT_MULTISIG,        /* bare m-of-n; no address */
    ST_SCRIPT_OP_RETURN,       /* data carrier; no address, unspendable */
    ST_SCRIPT_P2WPKH,
    ST_SCRIPT_P2WSH,
    ST_SCRIPT_P2TR,            /* witness v1, 32-byte program (bech32m) */
    ST_SCRIPT_WITNESS_UNKNOWN, /* witness v1..16 other shapes (bech32m address) */
    ST_SCRIPT_NTYPES
} st_script_type;

/* "p2pkh", "witness_unknown", ... */
const char *st_script_type_name(int type);
const char *st_chain_net_name(st_chain_net net);
/* "main"/"mainnet", "testnet"/"testnet3", "regtest", "signet"; UNKNOWN otherwise. */
st_chain_net st_chain_net_parse(const char *name);

typedef struct st_chain st_chain; /* an open store (opaque) */

/* The store's columns as arrays, indexed by the ids above.  All owned by
 * the handle, read-only, valid until st_chain_close. */
typedef struct st_chain_cols {
    uint64_t ntx, nin, nout, naddr, nblocks;
    const uint8_t (*tx_hash)[32]; /* txid, internal byte order (reverse of display) */
    const uint64_t *tx_first_in;  /* ntx + 1 entries: the last is nin */
    const uint64_t *tx_first_out; /* ntx + 1 entries: the last is nout */
    const uint32_t *tx_block;     /* block position of each tx */
    const uint64_t *in_prev;      /* output spent, or ST_CHAIN_NONE (coinbase/unknown) */
    const uint64_t *in_tx;        /* tx holding the input */
    const int64_t *out_value;     /* satoshis */
    const uint8_t *out_type;      /* st_script_type */
    const uint64_t *out_addr;     /* address id or ST_CHAIN_NONE */
    const uint64_t *out_spent;    /* spending input id or ST_CHAIN_NONE */
    const uint64_t *out_next;     /* next output of the same address, or NONE */
    const uint64_t *block_first_tx; /* nblocks + 1 entries: the last is ntx */
} st_chain_cols;

typedef struct st_chain_stats {
    st_chain_net net;
    uint64_t headers;      /* every block header seen, stale and orphan included */
    uint64_t blocks;       /* blocks on the best chain(s) in the store */
    uint64_t stale;        /* headers seen but not on the best chain */
    uint64_t bad_bodies;   /* best-chain blocks whose bytes failed (bad merkle root,
                              garbled transactions): kept as empty blocks so the
                              heights after them stay right; reported at ingest */
    uint64_t transactions, inputs, outputs, addresses;
    uint64_t unknown_inputs; /* inputs whose spent output is not in the store */
    int64_t tip_height;    /* -1 when unknown or empty */
    uint8_t tip_hash[32];  /* internal byte order */
    uint64_t store_bytes;  /* committed bytes of all column and index files */
} st_chain_stats;

/* Open the store in dir read-only.  *out owned by the caller. */
int st_chain_open(st_chain **out, const char *dir, st_error *err);
void st_chain_close(st_chain *c);

void st_chain_get_cols(const st_chain *c, st_chain_cols *cols);
void st_chain_get_stats(const st_chain *c, st_chain_stats *st);
st_chain_net st_chain_network(const st_chain *c);

/* Point lookups: 1 with *id set when found, 0 when absent. */
int st_chain_find_tx(const st_chain *c, const uint8_t txid[32], uint64_t *tx);
/* txid as 64 hex digits in display order (as block explorers show it). */
int st_chain_find_tx_hex(const st_chain *c, const char *hex, uint64_t *tx);
/* An address in the store's network encoding (base58check or bech32/m). */
int st_chain_find_addr(const st_chain *c, const char *text, uint64_t *addr);
/* Block by height (best chain) or by hash hex; *pos is a block position. */
int st_chain_find_block_height(const st_chain *c, int64_t height, uint64_t *pos);
int st_chain_find_block_hash(const st_chain *c, const char *hex, uint64_t *pos);

/* Derived lookups, O(log n): the tx an output belongs to. */
uint64_t st_chain_out_tx(const st_chain *c, uint64_t out);
uint64_t st_chain_addr_first_out(const st_chain *c, uint64_t addr);
/* The output after out in its address's list (cols->out_next[out]), or
 * ST_CHAIN_NONE at the end: a damaged column (a link that does not go
 * forward, or past the outputs) ends the walk rather than loop or read
 * outside the column. */
static inline uint64_t st_chain_next_out(const st_chain_cols *cols, uint64_t out) {
    uint64_t n = cols->out_next[out];
    return n > out && n < cols->nout ? n : ST_CHAIN_NONE;
}
/*
 * Links read through these rather than straight from the arrays stay inside
 * the store when its files are damaged (garbage where a bad disk or copy
 * left it; nothing checks the columns at open, which would read them all):
 * an id past its table reads as ST_CHAIN_NONE, and a range whose bounds do
 * not make sense (backwards, past its table, or longer than any block the
 * ingest takes could hold) reads as empty.  On a sound store they return
 * exactly what the arrays hold.  Walkers that follow ids from one column
 * into another use them; a loop over ids it counted itself needs none.
 */
/* Inputs or outputs of one tx, transactions of one block: more than a
 * block of 4,000,000 bytes (the most the ingest reads) can hold, at 9
 * bytes an output at least. */
#define ST_CHAIN_MAX_IO (1u << 19)
/* The output input in spends, or NONE (coinbase, unknown, damaged). */
static inline uint64_t st_chain_prev(const st_chain_cols *k, uint64_t in) {
    uint64_t o = k->in_prev[in];
    return o < k->nout ? o : ST_CHAIN_NONE;
}
/* The transaction holding input in, or NONE (damaged). */
static inline uint64_t st_chain_in_owner(const st_chain_cols *k, uint64_t in) {
    uint64_t t = k->in_tx[in];
    return t < k->ntx ? t : ST_CHAIN_NONE;
}
/* The input spending output out, or NONE (unspent, damaged). */
static inline uint64_t st_chain_spender(const st_chain_cols *k, uint64_t out) {
    uint64_t i = k->out_spent[out];
    return i < k->nin ? i : ST_CHAIN_NONE;
}
/* The transaction spending output out, or NONE (unspent, damaged). */
static inline uint64_t st_chain_spending_tx(const st_chain_cols *k, uint64_t out) {
    uint64_t i = st_chain_spender(k, out);
    return i == ST_CHAIN_NONE ? i : st_chain_in_owner(k, i);
}
/* The block position of tx t, or NONE (damaged): st_chain_block_height,
 * _time and _hash answer NONE with an unknown block (-1, 0, zeros). */
static inline uint64_t st_chain_tx_blockpos(const st_chain_cols *k, uint64_t t) {
    uint64_t b = k->tx_block[t];
    return b < k->nblocks ? b : ST_CHAIN_NONE;
}
/* 1 when tx t is its block's first (the coinbase). */
static inline int st_chain_is_coinbase(const st_chain_cols *k, uint64_t t) {
    uint64_t b = st_chain_tx_blockpos(k, t);
    return b != ST_CHAIN_NONE && k->block_first_tx[b] == t;
}
/* The address output out pays, or NONE (none, damaged). */
static inline uint64_t st_chain_out_address(const st_chain_cols *k, uint64_t out) {
    uint64_t a = k->out_addr[out];
    return a < k->naddr ? a : ST_CHAIN_NONE;
}
/* [*lo, *hi): the ids from first[i] to first[i + 1]; empty when they run
 * backwards, past n, or over more than max ids. */
static inline void st_chain_span(const uint64_t *first, uint64_t i, uint64_t n, uint64_t max, uint64_t *lo,
                                 uint64_t *hi) {
    uint64_t a = first[i], b = first[i + 1];
    if (a > b || b > n || b - a > max) a = b = 0;
    *lo = a;
    *hi = b;
}
/* The satoshis inputs [i0, i1) spend, counting the outputs in the store
 * (a coinbase's or an unknown one adds nothing); summed unsigned, so
 * garbage amounts wrap rather than overflow. */
static inline int64_t st_chain_spent_value(const st_chain_cols *k, uint64_t i0, uint64_t i1) {
    uint64_t v = 0;
    for (uint64_t i = i0; i < i1; i++) {
        uint64_t p = st_chain_prev(k, i);
        if (p != ST_CHAIN_NONE) v += (uint64_t)k->out_value[p];
    }
    return (int64_t)v;
}
/* Inputs of tx t, outputs of tx t, transactions of block position b. */
static inline void st_chain_tx_ins(const st_chain_cols *k, uint64_t t, uint64_t *lo, uint64_t *hi) {
    st_chain_span(k->tx_first_in, t, k->nin, ST_CHAIN_MAX_IO, lo, hi);
}
static inline void st_chain_tx_outs(const st_chain_cols *k, uint64_t t, uint64_t *lo, uint64_t *hi) {
    st_chain_span(k->tx_first_out, t, k->nout, ST_CHAIN_MAX_IO, lo, hi);
}
static inline void st_chain_block_txs(const st_chain_cols *k, uint64_t b, uint64_t *lo, uint64_t *hi) {
    st_chain_span(k->block_first_tx, b, k->ntx, ST_CHAIN_MAX_IO, lo, hi);
}
/* Address text into out (n >= 100 always suffices); "" when addr is NONE. */
void st_chain_addr_text(const st_chain *c, uint64_t addr, char *out, size_t n);
/* The txid (internal order) and vout an input spends, also for inputs whose
 * output is unknown; 0 for a coinbase input, 1 otherwise. */
int st_chain_in_prevout(const st_chain *c, uint64_t in, uint8_t txid[32], uint32_t *vout);

/* The serialized transaction, read back from its block file (witness
 * included).  *raw is the caller's (st_free).  ST_EIO when the block file
 * moved or changed since ingest. */
int st_chain_tx_raw(const st_chain *c, uint64_t tx, uint8_t **raw, size_t *len, st_error *err);

/* A transaction's serialized details, read back from its block file
 * (txinfo.c).  Sizes in bytes; weight as BIP141 defines it. */
typedef struct st_chain_txinfo {
    uint8_t wtxid[32];   /* internal order; the txid for a legacy transaction */
    uint64_t size;       /* serialized size, witness included */
    uint64_t vsize;      /* (weight + 3) / 4 */
    uint64_t weight;     /* 3 * size without witness + size */
    uint32_t version, locktime;
    int segwit;          /* 1 when serialized with witness data */
} st_chain_txinfo;

/* Fill *info for tx.  ST_EIO when the block file moved or changed size
 * since ingest, ST_ECORRUPT when its bytes no longer hash to the txid,
 * ST_EPARSE when they do not parse; *info is zeroed then. */
int st_chain_tx_info(const st_chain *c, uint64_t tx, st_chain_txinfo *info, st_error *err);

/* ST_OK when text is a well-formed address of net (checksum included),
 * else ST_EINVAL with the reason in err ("not a valid main address ...").
 * Tells a malformed address from one the store has never seen. */
int st_chain_addr_check(st_chain_net net, const char *text, st_error *err);

/* Blocks on the best chain, by position. */
int64_t st_chain_block_height(const st_chain *c, uint64_t pos); /* -1 unknown */
void st_chain_block_hash(const st_chain *c, uint64_t pos, uint8_t hash[32]);
uint32_t st_chain_block_time(const st_chain *c, uint64_t pos);

/* 32 bytes in internal order -> 64 hex digits in display order + NUL. */
void st_chain_hash_hex(const uint8_t h[32], char out[65]);
/* The inverse; ST_EINVAL unless exactly 64 hex digits. */
int st_chain_hash_parse(const char *hex, uint8_t h[32]);

/* ---- ingest ---------------------------------------------------------- */

typedef struct st_ingest_opts {
    st_chain_net net;     /* UNKNOWN: the store's, else the first magic seen, else mainnet */
    int progress;         /* draw progress on a terminal */
    int no_sync;          /* skip fsync at commits (benchmarks of CPU cost only) */
    /* Called for each bad record (file + offset in err) that was skipped. */
    void (*on_bad)(void *ctx, const st_error *err);
    void *ctx;
    /* Testing: commit every n appended blocks (0: every 10 s), and stop
     * with ST_EIO after n appended blocks without the final commit, the
     * way a killed process leaves the store (0: never). */
    uint64_t commit_every_blocks, abort_after_blocks;
    int no_prefault;      /* benchmarks: page columns in by faults, not madvise */
    int check_witness;    /* also verify each block's BIP141 witness commitment
                             (hashes segwit transactions a second time) */
} st_ingest_opts;

typedef struct st_ingest_report {
    uint64_t files, bytes_scanned, headers_new, duplicates, bad_records;
    uint64_t blocks_added, blocks_removed; /* removed: reorganisation or re-ordering */
    uint64_t txs_added;
    double seconds;
} st_ingest_report;

/* Ingest paths (blocks/ directories, blk*.dat files, raw block files) into
 * the store at dir, creating it when absent.  Commits atomically: on any
 * failure or interruption the store stays at its last commit and the next
 * ingest resumes.  Bad records are reported through opts->on_bad and
 * skipped; the return is ST_OK unless the store itself could not be
 * written.  The columns are written through shared mappings: on a file
 * system whose fallocate does not reserve (ZFS, btrfs) a full disk raises
 * SIGBUS, and a file size limit SIGXFSZ; both are the calling program's
 * to catch or ignore (the command line says so and exits 2). */
int st_chain_ingest(const char *dir, const char *const *paths, size_t npaths,
                    const st_ingest_opts *opts, st_ingest_report *rep, st_error *err);

/* ---- synthetic chains ------------------------------------------------ */

typedef struct st_synth_opts {
    uint64_t txs;        /* transactions to generate (coinbases included) */
    uint64_t seed;
    int progress;
    uint64_t file_max;   /* bytes per blk file; 0: 128 MiB as Bitcoin Core */
} st_synth_opts;

/* Write blk00000.dat.. (regtest), tagpack.yaml and truth.json into outdir. */
int st_chain_synth(const char *outdir, const st_synth_opts *opts, st_error *err);

#ifdef __cplusplus
}
#endif

#endif
