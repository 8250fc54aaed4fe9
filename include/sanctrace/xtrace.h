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

#ifdef __cplusplus
}
#endif

#endif
