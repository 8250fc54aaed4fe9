/*
 * store_int.h - the chain store's files and the handle both the reader
 * (store.c) and the writer (ingest.c) use.
 *
 * Layout of DIR: one file per column (`*.col`, fixed-size records, append
 * only except the link columns out_spent, out_next and addr.last, which are
 * updated in place), two hash indexes (`txidx.tab`, `addridx.tab`, arrays
 * of 64-bit slots) and `manifest.json`, the committed record counts.
 *
 * Commit protocol (the invariant): a column may hold more records than the
 * manifest says, and a link may point past the committed counts; readers
 * use only the committed counts and treat links past them as "none".  An
 * ingest writes and syncs the columns first and replaces the manifest
 * atomically last, so a crash leaves the previous commit intact; the next
 * ingest sees the `dirty` marker and clears every link past the counts
 * (store_repair) before it appends again.  The index files are rewritten
 * only when an ingest finishes; the manifest's index_tx/index_addr say how
 * many ids they cover, and fewer than the counts means "rebuild them from
 * the columns" (the next ingest, or a reader in its private memory).
 */
#ifndef ST_CHAIN_STORE_INT_H
#define ST_CHAIN_STORE_INT_H

#include <stdint.h>

#include "chain/chain_int.h"

/* manifest "format": 2 adds index_tx/index_addr (format 1 stores read as
 * fully indexed); a newer format is refused with "re-ingest" */
#define STORE_FORMAT 2

/* One column file mapped in memory. */
typedef struct chain_col {
    int fd;
    uint8_t *base;   /* mapping of cap bytes, NULL when cap == 0 */
    size_t cap;      /* mapped bytes (>= n * esize) */
    size_t esize;    /* bytes per record */
    int which;       /* COL_*, for messages */
    uint64_t n;      /* records in use */
    int writable;
    int anon;        /* base is anonymous memory (an index during ingest),
                        written to the file at each commit */
} chain_col;

/* Every block header seen (best chain, stale, orphan, invalid). */
typedef struct hdr_rec {
    uint8_t raw[80];
    uint8_t hash[32];
    uint64_t offset;  /* of the block bytes in its file (after magic+length) */
    uint32_t file;    /* index into the manifest's file list */
    uint32_t len;     /* block bytes */
    int64_t bip34;    /* height claimed by the coinbase, -1 none */
    uint32_t status;  /* HDR_OK, or HDR_BAD_BODY once its bytes failed to parse */
    uint32_t pad;
} hdr_rec;
enum { HDR_OK = 0, HDR_BAD_BODY = 1 };

/* One block of the best chain, in chain order. */
typedef struct chain_rec {
    uint32_t hdr;
    uint32_t time;
    int64_t height;   /* -1 unknown (orphan run without BIP34 height) */
    uint64_t first_in, first_out, first_addr, first_unk;
} chain_rec;

/* An input whose spent output is not in the store. */
typedef struct unk_rec {
    uint8_t txid[32];
    uint32_t vout;
    uint32_t pad;
    uint64_t in;
} unk_rec;

typedef struct addr_rec {
    uint8_t kind, len, pad[6];
    uint8_t prog[40];
    uint64_t first, last; /* output ids */
} addr_rec;

/* File list entry as kept in the manifest. */
typedef struct store_file {
    char *path;        /* owned, absolute */
    uint64_t scanned;  /* bytes already read for headers */
    uint8_t xor_key[8];
    int has_xor;
    int raw;           /* a single raw block, no magic/length records */
    int bz2;           /* bzip2-compressed: offsets are in the decompressed bytes */
} store_file;

enum {
    COL_HDR, COL_CHAIN, COL_BLK_TX, COL_TX_HASH, COL_TX_IN, COL_TX_OUT, COL_TX_BLOCK, COL_TX_POS,
    COL_IN_PREV, COL_IN_TX, COL_UNK, COL_OUT_VALUE, COL_OUT_TYPE, COL_OUT_ADDR, COL_OUT_SPENT,
    COL_OUT_NEXT, COL_ADDR, COL_TXIDX, COL_ADDRIDX, COL_COUNT
};

struct st_chain {
    char dir[1024];
    int lock_fd;
    int writable;
    st_chain_net net;
    chain_col col[COL_COUNT];
    /* committed counts (manifest) */
    uint64_t n_hdr, n_blocks, n_tx, n_in, n_out, n_addr, n_unk;
    uint64_t n_invalid; /* best-chain blocks kept empty because their bytes failed */
    /* ids the index files on disk cover (an ingest writes them only at its
     * end; an interrupted one leaves them behind the counts) */
    uint64_t idx_tx, idx_addr;
    store_file *files;
    size_t nfiles, cap_files;
};

/* Column files: name and record size. */
const char *store_col_name(int col);
size_t store_col_esize(int col);

int store_col_open(chain_col *c, const char *dir, int which, uint64_t n, int writable, st_error *err);
int store_col_reserve(chain_col *c, uint64_t n, st_error *err);
void store_col_close(chain_col *c);
static inline void *store_col_at(const chain_col *c, uint64_t i) { return c->base + i * c->esize; }

/* Open dir (creating it when writable and absent); takes the lock. */
int store_open(st_chain *c, const char *dir, int writable, st_error *err);
void store_close(st_chain *c);
/* Make the columns agree with the given counts: clear every link that
 * points past them (after an interruption, or when the chain is cut back),
 * fix each address's last output, empty index slots of dropped ids and
 * rewrite the sentinels.  O(outputs + addresses + index slots). */
void store_repair(st_chain *c, uint64_t nblocks, uint64_t ntx, uint64_t nin, uint64_t nout, uint64_t naddr);
/* Records each column holds at the last commit (the manifest's counts, with
 * the sentinels); the two index entries are left 0. */
void store_committed_counts(const st_chain *c, uint64_t counts[COL_COUNT]);
/* After a failed ingest: cut every column file back to the last commit,
 * handing back the space reserved past it (a full disk stays usable).
 * The columns are unmapped; only store_close may follow. */
void store_trim_to_commit(st_chain *c);
/* Write the manifest with the current counts (atomic rename). */
int store_write_manifest(st_chain *c, st_error *err);

/* Index slots: high 24 bits a fingerprint, low 40 bits id + 1 (0 empty). */
#define IDX_ID_BITS 40
#define IDX_ID_MASK ((1ull << IDX_ID_BITS) - 1)
static inline uint64_t idx_slot(uint64_t hash, uint64_t id) {
    return (hash >> IDX_ID_BITS) << IDX_ID_BITS | (id + 1);
}
static inline uint64_t txid_hash(const uint8_t *txid) {
    uint64_t h;
    __builtin_memcpy(&h, txid, 8);
    return h;
}
/* Fill the zeroed table s of `slots` (a power of two) with ids < n of the
 * txid (COL_TXIDX) or address (COL_ADDRIDX) index, from the columns. */
void store_index_fill(const st_chain *c, int which, uint64_t *s, uint64_t slots, uint64_t n);
/* Lookups shared by reader and writer (only committed ids when limit set). */
int store_find_tx(const st_chain *c, const uint8_t txid[32], uint64_t limit, uint64_t *tx);
int store_find_addr(const st_chain *c, const chain_addr_key *k, uint64_t limit, uint64_t *addr);

#endif
