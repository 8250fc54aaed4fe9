/*
 * xtrace_int.h - the cross-chain trace's private state, shared by
 * account.c (taint on Ethereum accounts), xtrace.c (sources, the Bitcoin
 * side, bridges) and xreport.c (JSON, table, DOT).
 *
 * Invariant: every amount of taint that enters a (chain, asset) is added
 * to exactly one of its totals' sides when it enters (source, in) and to
 * exactly one when it leaves the walk (fees, stopped, out) or when the
 * walk ends (frontier: what accounts still hold).
 */
#ifndef ST_XTRACE_INT_H
#define ST_XTRACE_INT_H

#include "core/map64.h"
#include "sanctrace/xtrace.h"

enum { XT_ETH = 0, XT_BTC = 1 };
enum { XT_SOURCE, XT_IN, XT_FRONTIER, XT_FEES, XT_STOPPED, XT_ROUNDING, XT_OUT, XT_UNKNOWN, XT_NTOT };

/* One run of a FIFO queue: len base units, all tainted or all clean. */
typedef struct xt_seg {
    st_u256 len;
    uint8_t tainted;
} xt_seg;

typedef struct xt_acct {
    uint64_t addr, asset;
    st_u256 bal, taint;
    st_u256 held;          /* taint kept at an address past --max-hops */
    xt_seg *q;             /* FIFO queue q[qh .. qn) */
    uint32_t qh, qn, qcap;
    uint32_t hops;
    uint64_t last_flow;    /* the last flow that brought taint */
    uint8_t poisoned, frozen;
} xt_acct;

typedef struct xt_total {
    int chain;
    uint64_t asset;        /* evm asset id; 0 on Bitcoin */
    st_u256 v[XT_NTOT];
} xt_total;

typedef struct xt_service {
    const st_tag *tag;
    int chain, mixer;
    uint64_t asset;
    st_u256 amount;
    uint64_t flows;
    uint32_t min_hops;
} xt_service;

/* A tainted flow between two accounts, for the drawing. */
typedef struct xt_edge {
    uint64_t from, to, asset, flow;
    st_u256 amount;
} xt_edge;

typedef struct xt_bridge {
    const char *protocol;
    int in_chain, out_chain;
    uint64_t in_tx, out_tx;     /* evm tx id or Bitcoin tx id */
    uint64_t out_asset;         /* evm asset when out_chain is Ethereum */
    char *memo, *out_memo;
    char out_txid[67];          /* the outbound's id as text ("" until found) */
    uint64_t out_addr;          /* Ethereum payee / Bitcoin address id of the outbound */
    st_u256 amount_in, amount_out, tainted_in, tainted_out;
    char note[200];             /* why the hop is incomplete, or a heuristic's mark ("" none) */
} xt_bridge;

/* One conversion in a transaction: taint into a pool (or WETH) in one
 * asset, out of it in another. */
typedef struct xt_swap {
    uint64_t tx, pool, asset_in, asset_out;
    st_u256 amount_in, tainted_in, amount_out, tainted_out;
} xt_swap;

/* --through-mixers: a deposit linked to a later withdrawal of the same
 * amount (a heuristic, marked as such). */
typedef struct xt_mixlink {
    uint64_t deposit, withdrawal; /* flow ids */
    st_u256 amount, tainted;
    uint32_t candidates;
} xt_mixlink;

/* A THORChain hop from Bitcoin into Ethereum found by one round of the
 * walks, injected into the next round's Ethereum walk at the payee flow. */
typedef struct xt_inject {
    uint64_t flow;              /* the outbound's flow to the payee */
    uint64_t in_tx, out_tx;     /* Bitcoin tx id, Ethereum tx id */
    uint64_t asset;
    st_u256 amount_in, tainted_in, amount_out, tainted_out;
    char memo[256], out_memo[256];
} xt_inject;

typedef enum xt_srckind { XS_TX, XS_ADDR_AT, XS_ADDR_ALL } xt_srckind;

typedef struct xt_source {
    xt_srckind kind;
    uint64_t tx, addr;          /* evm ids */
    int64_t block;              /* XS_ADDR_AT */
    const char *text;           /* as given */
} xt_source;

struct st_xtrace {
    const st_evm *e;
    const st_chain *btc;
    st_xtrace_opts o;
    uint64_t naddr, nasset, nflow;
    /* accounts holding (or having held) taint */
    xt_acct *acc;
    size_t nacc, capacc;
    st_map64 amap;              /* addr * nasset + asset -> acct index */
    uint8_t *tracked;           /* bit per address: some acct exists */
    st_map64 tagmap;            /* evm address id -> tag index in o.tags */
    const char **src_labels;    /* tags named as sources: never a stop */
    size_t nsrc_labels;
    xt_source *src;
    size_t nsrc;
    st_map64 src_tx;            /* tx id -> source index (XS_TX) */
    st_map64 src_addr;          /* addr id -> source index (XS_ADDR_ALL) */
    xt_total *tot;
    size_t ntot, captot;
    xt_service *svc;
    size_t nsvc, capsvc;
    xt_edge *edges;
    size_t nedges, capedges;
    xt_bridge *br;
    size_t nbr, capbr;
    st_map64 bridge_by_tx;      /* inbound evm tx id -> bridge index */
    st_map64 refundpend;        /* payee flow id -> bridge index: an Ethereum outbound or refund */
    xt_mixlink *mix;
    size_t nmix, capmix;
    st_map64 mixpend;           /* withdrawal flow id -> mixwd index */
    struct xt_mixwd { uint64_t flow; st_u256 tainted; uint32_t hops; uint8_t delivered; } *mixwd;
    size_t nmixwd, capmixwd;
    xt_swap *swaps;
    size_t nswaps, capswaps;
    uint64_t weth_asset, weth_addr; /* ST_EVM_NONE when the store has no WETH */
    xt_seg *tmp;                /* FIFO runs taken by the flow being processed */
    size_t ntmp, captmp;
    uint64_t flows_seen;
    uint32_t cur_src;           /* the walk's transaction's first XS_TX source, UINT32_MAX none */
    int cut;
    char **cut_notes;
    size_t ncut;
    char **notes;               /* what the investigator should know (not cuts) */
    size_t nnotes;
    /* Bitcoin */
    uint64_t *bsrc;             /* source outputs */
    int64_t *btaint;            /* their taint (-1: whole) */
    size_t nbsrc, capbsrc;
    const char **btext;         /* the --from texts on Bitcoin */
    size_t nbtext;
    st_trace_result *bt;
    size_t nbsrc_given;         /* Bitcoin sources named by --from (the rest came over bridges) */
    /* Bitcoin -> Ethereum */
    xt_inject *inj;
    size_t ninj, capinj;
    struct ob_entry *ob;        /* OUT/REFUND memos on Bitcoin, by hash (bridge.c) */
    size_t nob;
    int ob_built;
    st_tagset *own_ts;          /* the tags plus THORChain's vaults (bridge.c) */
    st_tagmap *own_tm;
    int64_t vault_out;          /* Bitcoin taint paid into THORChain's vaults */
    int rounds;
};

/* totals row of (chain, asset), created when absent (NULL: out of memory) */
xt_total *xt_total_of(st_xtrace *x, int chain, uint64_t asset);
int xt_add(st_xtrace *x, int chain, uint64_t asset, int which, const st_u256 *v);
/* the tag of an evm address id, or NULL */
const st_tag *xt_evm_tag(const st_xtrace *x, uint64_t addr);
/* the same, NULL when the tag is not valid at the block's time (known
 * from the export's blocks table; unknown dates leave every tag valid) */
const st_tag *xt_evm_tag_at(const st_xtrace *x, uint64_t addr, uint64_t block);
int xt_is_source_tag(const st_xtrace *x, const st_tag *t);
int xt_note_cut(st_xtrace *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int xt_note(st_xtrace *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* bridge.c: a Bitcoin source paid by THORChain (OUT:/REFUND: memo): say
 * which inbound it answers, or that the inbound is missing. */
int xt_btc_source_notes(st_xtrace *x, st_error *err);

/* account.c: walk the Ethereum store from the sources in x->src. */
int xt_account_run(st_xtrace *x, st_error *err);
/* bridge.c: find the outbound of every inbound the walk recorded and
 * hand the Bitcoin ones to the Bitcoin walk as partly tainted sources. */
int xt_bridges_resolve(st_xtrace *x, st_error *err);
/* bridge.c: THORChain's Bitcoin vaults (the payers of OUT: memos) as tags
 * for the Bitcoin walk: x->own_tm, NULL when none was found. */
int xt_vault_tags(st_xtrace *x, st_error *err);
/* bridge.c: after the Bitcoin walk, its taint paid into a vault with a
 * memo swapping to Ethereum: bridges and x->inj (*changed when the set of
 * injections differs from the round's). */
int xt_btc_inbounds(st_xtrace *x, int *changed, st_error *err);
void xt_ob_free(st_xtrace *x);
/* The data pushed by the first OP_RETURN output of raw transaction bytes,
 * NUL-terminated in memo[cap]: 1 when found (exposure reads memos too). */
int xt_op_return_memo(const uint8_t *raw, size_t n, char *memo, size_t cap);

#endif
