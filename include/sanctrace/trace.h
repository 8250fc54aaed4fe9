/*
 * trace.h - following coins through the chain store: address clusters,
 * attribution tags, forward taint (`st_trace_run`) and backward exposure
 * (`st_exposure_run`).
 *
 * Design.  Everything works on the dense 64-bit ids of sanctrace/chain.h
 * and reads the store's column arrays directly; nothing here writes the
 * store except `st_cluster_build`, which adds one derived file
 * (DIR/cluster.col, written atomically) beside the chain engine's columns.
 *
 *  - Union-find (`st_uf`): path compression + union by size over 64-bit
 *    ids.  The clustering keeps, beside it, the spanning forest of the
 *    unions it made: one edge (address, address, transaction) per
 *    successful union, so `st_clusters_why` can say which co-spending
 *    transactions joined two addresses.
 *  - Tags (`st_tagset`): GraphSense TagPack YAML and sanctions-list wallet
 *    addresses, each with a normalised risk category, a source and the
 *    dates it is valid.
 *  - Taint: exact integer satoshis, transaction by transaction in chain
 *    order, five models (poison, haircut, FIFO, LIFO, TIHO); conservation
 *    holds exactly: source = frontier + fees that left + rounding loss.
 *  - Exposure: backwards from an address or cluster, haircut shares
 *    through unlabelled addresses to the first tagged one.
 *  - Reports (report.c): what a front end prints from those results, so
 *    every program gets the same figures: services reached per label,
 *    exposure per category, the JSON documents of the four commands and
 *    the Graphviz drawing of a trace.
 *
 * Ownership.  Handles returned through `**out` belong to the caller, who
 * frees them with the matching _free/_close.  Pointers into a handle live
 * as long as the handle.  A handle built over an open st_chain must not
 * outlive that chain.
 */
#ifndef SANCTRACE_TRACE_H
#define SANCTRACE_TRACE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sanctrace/chain.h"
#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- union-find ------------------------------------------------------- */

typedef struct st_uf st_uf;

int st_uf_new(st_uf **out, uint64_t n);
void st_uf_free(st_uf *u);
uint64_t st_uf_count(const st_uf *u);
/* Representative of x (compresses the path). */
uint64_t st_uf_find(st_uf *u, uint64_t x);
/* Size of the set holding x. */
uint64_t st_uf_size(st_uf *u, uint64_t x);
/* Join the sets of a and b: 1 when they were apart, 0 when already one. */
int st_uf_union(st_uf *u, uint64_t a, uint64_t b);

/* ---- CoinJoin shapes ------------------------------------------------- */

typedef enum st_coinjoin_kind {
    ST_CJ_NONE = 0,
    ST_CJ_WHIRLPOOL,  /* 5 inputs, 5 outputs of one value */
    ST_CJ_WASABI,     /* many inputs, many equal outputs (>= 10) plus change */
    ST_CJ_JOINMARKET, /* k equal outputs, at most k(+1) change outputs, >= k input owners */
} st_coinjoin_kind;

const char *st_coinjoin_name(st_coinjoin_kind k);

/* Classify one transaction by its shape.  in_owners: how many distinct
 * input addresses (owners) it spends from; out_values[nout]: the output
 * values in satoshis (unspendable outputs passed as -1 are ignored). */
st_coinjoin_kind st_coinjoin_detect(size_t nin, size_t in_owners,
                                    const int64_t *out_values, size_t nout);

/* ---- clustering ------------------------------------------------------ */

/* Optional change heuristics (off by default), as bits. */
enum {
    ST_CHANGE_FRESH = 1,  /* the only output address never seen before */
    ST_CHANGE_TYPE = 2,   /* the only output of the inputs' script type */
    ST_CHANGE_ROUND = 4,  /* two outputs, one a round payment (>= 3 trailing decimal
                             zeros, 2 more than the other): the other is change */
};
/* "fresh,type,round" -> bits; ST_EINVAL names the unknown word in err. */
int st_change_parse(const char *list, unsigned *bits, st_error *err);

typedef struct st_cluster_opts {
    unsigned change;          /* ST_CHANGE_* bits */
    int merge_coinjoin;       /* 1: treat CoinJoins like any tx (not advised) */
    uint64_t large;           /* warn when a union joins two clusters both >= this; 0 = 10000 */
    int progress;
    /* Called for each large merge (message names the tx and sizes). */
    void (*on_warn)(void *ctx, const char *msg);
    void *ctx;
} st_cluster_opts;

typedef struct st_cluster_report {
    uint64_t addresses, clusters, singletons, largest, largest_id;
    uint64_t unions, coinjoins, change_links, large_merges;
    double seconds;
} st_cluster_report;

/* Cluster every address of the store at dir (which must not be open for
 * ingest) and write dir/cluster.col atomically. */
int st_cluster_build(const char *dir, const st_cluster_opts *opts,
                     st_cluster_report *rep, st_error *err);

typedef struct st_clusters st_clusters; /* a mapped cluster.col */

/* Open dir/cluster.col for chain c.  ST_ENOTFOUND when never built,
 * ST_ECORRUPT when built for another state of the store (stale). */
int st_clusters_open(st_clusters **out, const char *dir, const st_chain *c, st_error *err);
void st_clusters_close(st_clusters *cl);
/* Every member of a cluster, ascending: *addrs (caller st_free()s) holds
 * *n ids (st_clusters_size of it).  ST_EINVAL when cluster is not a
 * cluster id. */
int st_clusters_members(const st_clusters *cl, uint64_t cluster, uint64_t **addrs, size_t *n);
/* Cluster id of an address: the smallest address id in its cluster. */
uint64_t st_clusters_id(const st_clusters *cl, uint64_t addr);
uint64_t st_clusters_size(const st_clusters *cl, uint64_t cluster);
/* Members in ascending address id: start at the cluster id, follow next
 * until ST_CHAIN_NONE. */
uint64_t st_clusters_next_member(const st_clusters *cl, uint64_t addr);
uint64_t st_clusters_count(const st_clusters *cl);

/* One step of a why-chain: address from and address to were joined by tx. */
typedef struct st_why_step {
    uint64_t from, to, tx;
} st_why_step;

/* The co-spending transactions linking a and b: *steps (caller st_free()s)
 * holds *n steps from a to b; 1 when linked, 0 when in different clusters
 * (or a == b, n = 0). */
int st_clusters_why(const st_clusters *cl, uint64_t a, uint64_t b,
                    st_why_step **steps, size_t *n, st_error *err);

/* For `chain address`: the cluster of addr in the store at dir, when
 * cluster.col exists and is current.  ST_OK with *id and *size set;
 * ST_ENOTFOUND when not clustered (or stale). */
int st_cluster_lookup(const char *dir, const st_chain *c, uint64_t addr,
                      uint64_t *id, uint64_t *size);

/* ---- tags ------------------------------------------------------------ */

typedef struct st_tag {
    const char *address;  /* as written in the source */
    const char *label;
    const char *category; /* normalised: sanctioned, theft, mixer, exchange, ... */
    const char *raw_category; /* the TagPack's category ("" when none) */
    const char *abuse;    /* the TagPack's abuse field ("" when none) */
    const char *source;   /* URL or list name */
    const char *currency;
    const char *actor;
    const char *confidence;
    const char *lastmod;
    const char *pack;     /* TagPack title or list name */
    int64_t valid_from;   /* unix seconds; INT64_MIN: always */
    int64_t valid_to;     /* first second no longer valid; INT64_MAX: open */
} st_tag;

typedef struct st_tagset st_tagset;

int st_tagset_new(st_tagset **out);
void st_tagset_free(st_tagset *ts);
size_t st_tagset_count(const st_tagset *ts);
const st_tag *st_tagset_get(const st_tagset *ts, size_t i);
/* Parse one TagPack (YAML subset GraphSense uses: header scalars inherited
 * by a `tags:` list of maps).  name is used in errors (file:line). */
int st_tagset_load_yaml(st_tagset *ts, const char *name, const char *data, size_t len,
                        st_error *err);
/* A TagPack file, or every .yaml/.yml file in a directory. */
int st_tagset_load_path(st_tagset *ts, const char *path, st_error *err);
/* The Bitcoin wallets of the sanctions snapshot in data_dir (`sanctrace
 * update`) as "sanctioned" tags, valid from the listing date; wallets of
 * the previous snapshot missing from the current one end when the current
 * snapshot was made.  ST_ENOTFOUND when there is no snapshot. */
int st_tagset_load_sanctions(st_tagset *ts, const char *data_dir, size_t *added, st_error *err);
/* Add one tag (strings copied). */
int st_tagset_add(st_tagset *ts, const st_tag *t);
/* Normalised risk category from a TagPack's category and abuse. */
const char *st_tag_category(const char *category, const char *abuse);
/* 1 if the tag applies at unix time t. */
int st_tag_valid_at(const st_tag *t, int64_t when);

/* Tags resolved against a chain: address id -> tags, cluster -> tags. */
typedef struct st_tagmap st_tagmap;

/* cl may be NULL (address-level only).  Tags whose address is not in the
 * store are ignored (counted in *unresolved when non-NULL). */
int st_tagmap_new(st_tagmap **out, const st_tagset *ts, const st_chain *c,
                  const st_clusters *cl, size_t *unresolved);
void st_tagmap_free(st_tagmap *tm);
/* The tag applying to address addr at time when: its own tag first, else
 * one of its cluster's; NULL when none.  *via_cluster set when inherited. */
const st_tag *st_tagmap_find(const st_tagmap *tm, uint64_t addr, int64_t when, int *via_cluster);
/* 1 if transaction tx pays an address that has a tag of its own (any
 * validity): a one-bit filter in front of the lookups above. */
int st_tagmap_tx_pays_tagged(const st_tagmap *tm, uint64_t tx);
/* The same, the address's own tags only (no cluster inheritance). */
const st_tag *st_tagmap_find_own(const st_tagmap *tm, uint64_t addr, int64_t when);
/* Index of a tag in its tagset, for grouping. */
size_t st_tagmap_index(const st_tagmap *tm, const st_tag *t);
/* Addresses whose tag label, actor or pack equals name (case-insensitive):
 * *addrs (caller st_free()s). */
int st_tagmap_addresses(const st_tagmap *tm, const char *name, uint64_t **addrs, size_t *n);

/* ---- forward taint ---------------------------------------------------- */

typedef enum st_taint_model {
    ST_TAINT_POISON = 0,
    ST_TAINT_HAIRCUT,
    ST_TAINT_FIFO,
    ST_TAINT_LIFO,
    ST_TAINT_TIHO,
} st_taint_model;

int st_taint_model_parse(const char *name, st_taint_model *m);
const char *st_taint_model_name(st_taint_model m);

/* Why a frontier output is where the taint stopped. */
typedef enum st_stop {
    ST_STOP_UNSPENT = 0, /* still unspent at the tip */
    ST_STOP_HEIGHT,      /* spent only after --until-height */
    ST_STOP_HOPS,        /* --max-hops reached */
    ST_STOP_SERVICE,     /* a tagged service received it */
    ST_STOP_LIMIT,       /* --max-txs work bound cut the trace */
} st_stop;
const char *st_stop_name(st_stop s);

typedef struct st_trace_opts {
    st_taint_model model;
    int64_t until_height;   /* -1: to the tip */
    uint32_t max_hops;      /* 0: unbounded */
    int taint_fee;          /* pass fee taint to the block's coinbase */
    uint64_t max_txs;       /* work bound; 0: unbounded */
    int through_services;   /* 1: keep going through tagged services */
    const st_tagmap *tags;  /* may be NULL */
} st_trace_opts;

typedef struct st_trace_hit {
    uint64_t out;         /* output id */
    int64_t tainted;      /* satoshis */
    uint32_t hops;        /* transactions from the source */
    st_stop stop;
    const st_tag *tag;    /* service reached, or NULL */
} st_trace_hit;

/* A tainted output handed from one transaction to the next (for drawing). */
typedef struct st_trace_flow {
    uint64_t from_tx, to_tx, out;
    int64_t tainted;
} st_trace_flow;

typedef struct st_trace_result {
    st_trace_hit *frontier;  /* every tainted output not passed on */
    size_t nfrontier;
    st_trace_flow *flows;    /* taint passed between transactions */
    size_t nflows;
    st_trace_hit *tagged;    /* every tainted output paying a tagged address
                                (other than the sources' own tags) */
    size_t ntagged;
    int64_t source_value;    /* taint at the start */
    int64_t frontier_value;  /* sum of frontier taint */
    int64_t fee_left;        /* fee taint that left the graph */
    int64_t fee_to_coinbase; /* fee taint passed to coinbases (--taint-fee) */
    int64_t fee_unclaimed;   /* fee taint no coinbase output took */
    int64_t rounding_loss;   /* haircut floor() remainders */
    uint64_t txs;            /* transactions processed */
    uint32_t max_hops_seen;
    int cut;                 /* the max_txs bound stopped the trace */
} st_trace_result;

void st_trace_result_free(st_trace_result *r);

/* Order r->frontier largest taint first (ties: lower output id first),
 * the order the reports below require: they list the largest first. */
void st_trace_sort_frontier(st_trace_result *r);

/* Propagate from the source outputs src[nsrc] (each fully tainted).
 * *out owned by the caller (st_trace_result_free). */
int st_trace_run(const st_chain *c, const uint64_t *src, size_t nsrc,
                 const st_trace_opts *opts, st_trace_result **out, st_error *err);

/* The same with partly tainted sources: taint[i] satoshis of src[i] (its
 * first ones, for FIFO; -1 or more than the output holds: all of it).
 * taint may be NULL (every source whole).  A bridge's outbound payment
 * enters the Bitcoin walk this way (sanctrace/xtrace.h). */
int st_trace_run_partial(const st_chain *c, const uint64_t *src, const int64_t *taint, size_t nsrc,
                         const st_trace_opts *opts, st_trace_result **out, st_error *err);

/* Resolve one --from argument: TXID:VOUT, an address, or a tag name
 * (label, actor or pack, needs tm).  Appends output ids to *outs
 * (growing array, caller st_free()s).  ST_ENOTFOUND with a clear message. */
int st_trace_source(const st_chain *c, const st_tagmap *tm, const char *text,
                    uint64_t **outs, size_t *n, size_t *cap, st_error *err);

/* ---- backward exposure ------------------------------------------------ */

typedef struct st_exposure_opts {
    uint32_t max_hops;     /* 0: 5 */
    uint64_t max_visits;   /* work bound; 0: 1,000,000 */
    size_t max_paths;      /* paths kept per tag; 0: 3 */
    const st_tagmap *tags;
    const st_clusters *cl; /* when set, inputs from the target's own cluster are not exposure */
} st_exposure_opts;

typedef struct st_exposure_path {
    int64_t amount;
    uint32_t hops;
    uint64_t source_out;   /* the tagged output the value came from */
    uint64_t txs[16];      /* txs from the tagged source to the target, hops entries */
} st_exposure_path;

typedef struct st_exposure_share {
    const st_tag *tag;
    int64_t direct, indirect;
    st_exposure_path *paths; /* largest first */
    size_t npaths;
} st_exposure_share;

typedef struct st_exposure_result {
    int64_t received;        /* total received by the target */
    uint64_t outputs;        /* outputs received */
    st_exposure_share *shares;
    size_t nshares;
    uint64_t visits;
    int cut;                 /* the work bound was reached */
} st_exposure_result;

void st_exposure_result_free(st_exposure_result *r);

/* Exposure of the outputs paying any address in addrs[n].  */
int st_exposure_run(const st_chain *c, const uint64_t *addrs, size_t n,
                    const st_exposure_opts *opts, st_exposure_result **out, st_error *err);

/* none / low / medium / high / severe from a result (see docs/trace.md). */
const char *st_exposure_risk(const st_exposure_result *r);

/* ---- reports (report.c) ----------------------------------------------
 *
 * What the front ends print, computed once here.  JSON documents are
 * built with jansson (satoshis as integers; the layout is in
 * docs/trace.md) and handed to the caller, who json_decref()s them.
 * Strings inside point to nothing of the inputs: a document outlives the
 * chain, the clusters and the result it was built from.  Arrays returned
 * through ** are the caller's (st_free); their tag pointers live as long
 * as the tagset the result's tags came from.  Everything returns ST_OK or
 * ST_ENOMEM unless it says otherwise. */

/* One service (tag label) a trace reached. */
typedef struct st_trace_service {
    const st_tag *tag;     /* the first tag of that label in r->tagged */
    int64_t amount;        /* tainted satoshis summed over its outputs */
    uint64_t outputs;
    uint32_t min_hops;
} st_trace_service;

/* The tagged outputs of r (r->tagged) summed per tag label, largest amount
 * first; equal amounts in the order their label first appears in
 * r->tagged.  O(n log n).  *out (caller st_free()s) holds *n services. */
int st_trace_services(const st_trace_result *r, st_trace_service **out, size_t *n);

/* The `trace --format json` document.  r's frontier sorted by
 * st_trace_sort_frontier (ST_EINVAL otherwise); src[nsrc] the sources as
 * given to st_trace_run; model the model run; limit the number of sources
 * and frontier outputs listed (totals are always over all of them). */
int st_trace_json(const st_chain *c, const st_trace_result *r, const uint64_t *src, size_t nsrc,
                  st_taint_model model, size_t limit, json_t **out);

/* The flow of r as a Graphviz DOT graph written to f: the source
 * transactions, the 40 transactions that received the most taint, one
 * "further transactions" node for the rest, one node per service label
 * reached (amounts summed) and one node per drawn transaction's unspent
 * tail, over the 2000 largest frontier outputs.  Same preconditions as
 * st_trace_json.  Writes through stdio; a write error shows in ferror(f). */
int st_trace_write_dot(FILE *f, const st_chain *c, const st_trace_result *r, const uint64_t *src,
                       size_t nsrc, st_taint_model model);

/* Exposure summed over every source. */
void st_exposure_totals(const st_exposure_result *r, int64_t *direct, int64_t *indirect);

/* Exposure per category, in the order each category first appears in
 * r->shares.  category points into the tags of r. */
typedef struct st_exposure_category {
    const char *category;
    int64_t direct, indirect;
} st_exposure_category;
int st_exposure_by_category(const st_exposure_result *r, st_exposure_category **out, size_t *n);

/* The `exposure --format json` document of r.  The target is a cluster
 * when cluster != ST_CHAIN_NONE (cluster_size its members), else address
 * (the text the user asked about). */
int st_exposure_json(const st_chain *c, const st_exposure_result *r, const char *address,
                     uint64_t cluster, uint64_t cluster_size, json_t **out);

/* The `chain cluster` report as JSON (opts: the options it was built with). */
int st_cluster_report_json(const st_cluster_report *rep, const st_cluster_opts *opts, json_t **out);

/* `chain cluster --address`: address (as asked; id addr), its cluster id,
 * size and its first limit members (0: 1000). */
int st_cluster_members_json(const st_chain *c, const st_clusters *cl, const char *address, uint64_t addr,
                            size_t limit, json_t **out);

/* `chain why`: from/to as asked (ids a, b), linked as st_clusters_why
 * returned it and its steps[n]. */
int st_why_json(const st_chain *c, const st_clusters *cl, const char *from, const char *to, uint64_t a,
                uint64_t b, int linked, const st_why_step *steps, size_t n, json_t **out);

#ifdef __cplusplus
}
#endif

#endif
