/*
 * chain_int.h - what the chain module's files share: hashing, the block and
 * transaction parser, script classification and address encodings.
 *
 * The parser works on a byte range in memory (a mapped blk file or a
 * buffer) and never allocates per transaction: a block's views live in
 * growable arrays owned by the st_block_view and reused block after block.
 * Views point into the parsed bytes and are valid until those bytes go or
 * the next parse.
 */
#ifndef ST_CHAIN_INT_H
#define ST_CHAIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/sha256.h"
#include "sanctrace/chain.h"

/* ---- hashing: SHA-256 and SHA-256d are core's (core/sha256.h) ---- */
void chain_hash160(const void *p, size_t n, uint8_t out[20]);
/* Merkle root of n hashes (n >= 1); scratch holds n*32 bytes. */
void chain_merkle_root(const uint8_t (*h)[32], size_t n, uint8_t (*scratch)[32], uint8_t out[32]);
/* The same over h itself: core's st_sha256d_merkle_in_place. */

/* ---- network parameters ---- */
typedef struct chain_params {
    st_chain_net net;
    uint8_t magic[4];
    uint8_t pkh_ver, sh_ver;
    const char *hrp;
    const char *genesis; /* block hash, display order */
} chain_params;
const chain_params *chain_params_get(st_chain_net net);
/* Network whose magic starts p (4 bytes), or UNKNOWN. */
st_chain_net chain_net_from_magic(const uint8_t *p);

/* ---- parser ---- */
#define CHAIN_MAX_BLOCK 4000000u  /* MAX_BLOCK_SERIALIZED_SIZE */
#define CHAIN_HEADER 80

typedef struct st_txin_view {
    const uint8_t *prev_txid; /* 32 bytes */
    uint32_t vout;
    uint32_t script_len;
    const uint8_t *script;
} st_txin_view;

typedef struct st_txout_view {
    int64_t value;
    uint32_t script_len;
    const uint8_t *script;
} st_txout_view;

typedef struct st_tx_view {
    uint32_t off, size;       /* within the parsed buffer */
    uint32_t first_in, n_in;  /* into st_block_view.in */
    uint32_t first_out, n_out;
    uint32_t witness_len;     /* 0 for legacy transactions */
    uint8_t txid[32];
} st_tx_view;

typedef struct st_block_view {
    uint8_t hash[32];
    uint32_t version, time, bits, nonce;
    const uint8_t *prev, *merkle; /* 32 bytes each, in the header */
    st_tx_view *tx;
    st_txin_view *in;
    st_txout_view *out;
    size_t ntx, nin, nout;
    size_t cap_tx, cap_in, cap_out;
    uint8_t (*scratch)[32];
    size_t cap_scratch;
    int check_witness; /* chain_block_parse also verifies the BIP141 witness commitment */
} st_block_view;

void chain_block_view_init(st_block_view *b);
void chain_block_view_free(st_block_view *b);
/* Parse a whole serialized block p[0..len) (it must be consumed exactly),
 * computing every txid and checking the merkle root (and, when
 * b->check_witness, the witness commitment).  Errors carry the
 * byte offset within p in err->offset (the caller adds the file offset). */
int chain_block_parse(st_block_view *b, const uint8_t *p, size_t len, st_error *err);
/* Parse one transaction at p[0..len); *used gets its size.  Views go into
 * b (appended).  txid always, wtxid when non-NULL. */
int chain_tx_parse(st_block_view *b, const uint8_t *p, size_t len, size_t *used,
                   uint8_t wtxid[32], st_error *err);
/* Height from a BIP34 coinbase scriptSig (first push), -1 when none. */
int64_t chain_bip34_height(const uint8_t *script, size_t len);
/* The cheap part of a block: height claimed by its coinbase (BIP34) without
 * parsing the rest; -1 when absent or unparseable. */
int64_t chain_block_bip34(const uint8_t *p, size_t len);
/* Proof of work: hash (internal order) <= target(bits). */
int chain_pow_ok(const uint8_t hash[32], uint32_t bits);
/* Work of one block as a 128-bit integer (2^256 / (target+1)). */
unsigned __int128 chain_block_work(uint32_t bits);

/* ---- scripts and addresses ---- */
/* Address key: kind byte (0 = pubkey hash, 1 = script hash, 2+v = witness
 * version v), program length, program bytes (up to 40). */
#define CHAIN_KEY_MAX 42
typedef struct chain_addr_key {
    uint8_t kind, len;
    uint8_t prog[40];
} chain_addr_key;

/* Classify scriptPubKey; fills key when the type has an address (returns 1),
 * else 0.  *type gets the st_script_type. */
int chain_script_classify(const uint8_t *s, size_t n, int *type, chain_addr_key *key);
/* Encode key for net into out (n >= 100). ST_OK or ST_EINVAL. */
int chain_addr_encode(const chain_addr_key *key, st_chain_net net, char *out, size_t n);
/* Decode text into key for net; ST_OK or ST_EINVAL (with a reason in err). */
int chain_addr_decode(const char *text, st_chain_net net, chain_addr_key *key, st_error *err);
uint64_t chain_addr_key_hash(const chain_addr_key *k);

#endif
