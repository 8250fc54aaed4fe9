/*
 * xtrace.h - tracing across chains: taint on Ethereum accounts (the store
 * of sanctrace/evm.h), through swaps and THORChain into the Bitcoin store
 * (sanctrace/chain.h, traced by st_trace_run of sanctrace/trace.h).
 *
 * Design.  On accounts taint lives per (address, asset).  The flows of
 * the store are walked once in chain order; within a transaction its value
 * flows in execution order and its fee last (the fee is charged on what is
 * left once the transaction ran, which is what the sender's balance shows
 * after it).  Three models:
 *   poison   once an address holds any tainted amount of an asset, every
 *            later outgoing flow of that asset is wholly tainted;
 *   haircut  an outgoing flow of amount a takes floor(a x tainted ÷ balance);
 *   fifo     the balance is the queue of received amounts, oldest first,
 *            each keeping its tainted ranges in order (Clayton's case); a
 *            flow takes the next consecutive range; what it needs beyond
 *            the queue was held before the store's first block: untainted,
 *            counted as unknown origin.
 * An address's history before taint first reaches it is replayed from the
 * store's per-address index, so clean deposits that came earlier dilute
 * (haircut) or queue ahead (FIFO) exactly.  Fees take taint like any
 * outgoing flow and leave the graph.  Amounts are exact 256-bit integers.
 *
 * Conservation (haircut, FIFO), per (chain, asset):
 *   source + in = frontier + fees + stopped + rounding + out
 * where `in` and `out` are what swaps and bridges converted from one asset
 * or chain into another, `stopped` what reached a tagged service (or was
 * burnt), `rounding` what floor() lost on Bitcoin.  Poison multiplies
 * taint and is exempt.
 *
 * Ownership.  st_xtrace_run returns a result the caller frees with
 * st_xtrace_free; it must not outlive the stores and tagset it was run on.
 * JSON documents are the caller's (json_decref).
 */
#ifndef SANCTRACE_XTRACE_H
#define SANCTRACE_XTRACE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "sanctrace/chain.h"
#include "sanctrace/evm.h"
#include "sanctrace/sanctrace.h"
#include "sanctrace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- THORChain memos ----------------------------------------------------
 *
 * SWAP:ASSET:DEST[:LIMIT[:AFFILIATE[:FEE]]], its short forms `=` and `s`
 * (any case), ASSET as CHAIN.SYMBOL[-CONTRACT] or a one-letter shortcode
 * (b BTC.BTC, e ETH.ETH, ...); OUT:HASH and REFUND:HASH name the inbound
 * transaction (64 hex digits, 0x or not, any case). */
typedef enum st_thor_kind { ST_THOR_SWAP = 1, ST_THOR_OUT, ST_THOR_REFUND } st_thor_kind;

typedef struct st_thor_memo {
    int kind;                /* st_thor_kind */
    char asset[96];          /* SWAP: upper case CHAIN.SYMBOL[-CONTRACT] */
    char chain[16];          /* SWAP: the asset's chain (BTC, ETH, ...) */
    char dest[128];          /* SWAP: the destination address as written */
    char limit[64], affiliate[64], fee[16]; /* SWAP: optional fields ("" when absent) */
    uint8_t hash[32];        /* OUT / REFUND: the inbound transaction (big-endian as shown) */
} st_thor_memo;

/* Parse memo[0..n).  ST_OK; ST_EPARSE with a message saying what is
 * malformed (an unknown action, a missing field, a hash that is not 64 hex
 * digits, text past 250 bytes). */
int st_thor_memo_parse(const char *memo, size_t n, st_thor_memo *out, st_error *err);

/* ---- the trace --------------------------------------------------------- */

typedef struct st_xtrace_opts {
    st_taint_model model;      /* poison, haircut or fifo */
    int64_t until_block;       /* Ethereum: no flow after this block; -1 to the tip */
    int64_t until_height;      /* Bitcoin: as st_trace_opts; -1 to the tip */
    uint32_t max_hops;         /* flows (and Bitcoin transactions) from the source; 0 unbounded */
    int through_services;      /* keep going through tagged services */
    int through_mixers;        /* link mixer deposits to withdrawals (a marked heuristic) */
    uint64_t mixer_window;     /* blocks after a deposit a withdrawal may come; 0: 50000 */
    uint64_t max_fanout;       /* bridge outbounds (and mixer candidates) per inbound; 0: 64 */
    uint64_t max_txs;          /* Bitcoin work bound; 0 unbounded */
    const st_tagset *tags;     /* may be NULL: no services, no tag sources */
    const st_tagmap *btc_tags; /* the same tags resolved on the Bitcoin store (may be NULL) */
    const st_evm_events *events; /* swaps and THORChain events of the Ethereum store (may be NULL:
                                    no swaps, no bridges) */
    int progress;              /* draw progress on a terminal */
} st_xtrace_opts;

typedef struct st_xtrace st_xtrace; /* a finished trace (opaque) */

/* Trace from the sources from[nfrom], each one of:
 *   0x<64 hex>              an Ethereum transaction: every value flow out of
 *                           its sender in it, the fee excluded;
 *   0x<64 hex>/0x<40 hex>   the same out of another victim;
 *   0x<40 hex>@BLOCK        that address's balances after that block;
 *   0x<40 hex>              every value flow out of that address;
 *   TXID:VOUT, a Bitcoin address (with btc)
 *   a tag name              every address (either chain) of that label,
 *                           actor or TagPack title.
 * e or btc may be NULL when that chain is not traced (not both).  ST_OK;
 * ST_ENOTFOUND / ST_EINVAL with a message naming the source; ST_ENOMEM. */
int st_xtrace_run(const st_evm *e, const st_chain *btc, const char *const *from, size_t nfrom,
                  const st_xtrace_opts *opts, st_xtrace **out, st_error *err);
void st_xtrace_free(st_xtrace *x);

/* 1 when a bound (fan-out, --max-txs) cut the trace. */
int st_xtrace_cut(const st_xtrace *x);

/* The `trace --format json` document (layout in docs/trace.md): model,
 * sources, totals per (chain, asset) as decimal strings, frontier (largest
 * first, at most limit entries), services, mixers, bridges, cuts. */
int st_xtrace_json(const st_xtrace *x, size_t limit, json_t **out);
/* The same as aligned text. */
int st_xtrace_write_table(FILE *f, const st_xtrace *x, size_t limit);
/* Graphviz: both chains side by side, bridge edges between them. */
int st_xtrace_write_dot(FILE *f, const st_xtrace *x);

/* ---- exposure of an Ethereum address ------------------------------------ */

typedef struct st_xexposure st_xexposure; /* (opaque) */

/* How much of what address received of asset ("ETH" or NULL, or a token
 * contract) came from addresses tagged in tags (valid at the flow's block
 * time when ev gives it; ev may be NULL), directly or through
 * unlabelled ones up to max_hops (0: 5, at most 16), splitting each
 * amount backwards over the sender's earlier inflows in proportion
 * (floor); max_visits bounds the work (0: 1,000,000).  *out is the
 * caller's (st_xexposure_free); it must not outlive e and tags.
 * ST_ENOTFOUND for an address or token the store never saw. */
int st_xexposure_run(const st_evm *e, const st_evm_events *ev, const st_tagset *tags, const char *address,
                     const char *asset, uint32_t max_hops, uint64_t max_visits, st_xexposure **out, st_error *err);
/* The same across THORChain: with btc (may be NULL: as above), address
 * may also be a Bitcoin address of btc, tags resolve on both stores, and
 * the walk crosses each THORChain payout it reaches (an Ethereum
 * TransferOut whose memo is OUT:<bitcoin txid>, a Bitcoin transaction
 * whose OP_RETURN says OUT:<ethereum hash>) back to the inbound the memo
 * names, on the other chain; amounts stay in the target's unit (wei or
 * satoshis).  The JSON then gives each path's `chains` and `bridges` and
 * the answer's `bridges` with what each carried. */
int st_xexposure_run_x(const st_evm *e, const st_evm_events *ev, const st_chain *btc, const st_tagset *tags,
                       const char *address, const char *asset, uint32_t max_hops, uint64_t max_visits,
                       st_xexposure **out, st_error *err);
void st_xexposure_free(st_xexposure *x);
int st_xexposure_cut(const st_xexposure *x);
/* {chain, address, asset, received, flows_in, direct, indirect,
 *  by_source: [{label, category, source, direct, indirect,
 *  paths: [{amount, hops, txs, addresses}]}], visits, cut}; amounts as
 * decimal strings. */
int st_xexposure_json(const st_xexposure *x, json_t **out);

/* ---- a laundering scenario to trace ------------------------------------ */

typedef struct st_xscenario_opts {
    uint64_t seed;
    uint32_t splits;  /* addresses the loot is split over; 0: 48 */
    /* NULL, or a CSV file `hash,amount_wei,btc_address` (header first): the
     * THORChain inbounds of a theft played elsewhere (on a node); only the
     * Bitcoin side is written for them (btc/, tagpack.yaml of the
     * exchanges, truth.json) */
    const char *inbounds;
    /* NULL, or the hash (64 hex digits, as displayed) of the block the
     * Bitcoin side builds on, at height btc_height: the scenario's blocks
     * then extend another chain (a `chain synth` store's tip) instead of
     * starting at the regtest genesis */
    const char *btc_tip;
    uint32_t btc_height;
} st_xscenario_opts;

/* Write a Bybit-shaped theft into outdir: evm/ (an ethereum-etl export:
 * drain, split, swaps, a mixer, THORChain deposits), btc/blk00000.dat
 * (regtest: THORChain's OUT payments, peel chains, a CoinJoin, exchange
 * deposits), tagpack.yaml and truth.json (the drain, the victim, the
 * amounts each Bitcoin exchange received from the theft, which FIFO must
 * find).  The same seed gives the same files.  With opts->inbounds, the
 * Bitcoin side alone: the vault pays each inbound's address (regtest
 * bech32 P2WPKH) with OUT:<hash>, and the launderer's peel chains, CoinJoin
 * and exchange deposits follow as above. */
int st_xtrace_scenario(const char *outdir, const st_xscenario_opts *opts, st_error *err);

#ifdef __cplusplus
}
#endif

#endif
