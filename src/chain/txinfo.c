/*
 * txinfo.c - what the query commands show beyond the columns: a
 * transaction's serialized details (wtxid, size, weight, version,
 * locktime) and whether a text is an address of the store's network.
 *
 * Design: the store keeps no per-transaction size or witness data (it
 * would cost bytes for every transaction to serve a rare query); the
 * details are read back from the block file through st_chain_tx_raw and
 * parsed with the ingest parser.  Invariant: details are given only for
 * bytes that still hash to the stored txid, so a block file changed since
 * ingest yields an error, never another transaction's figures.
 */
#include <string.h>

#include "chain/chain_int.h"
#include "core/alloc.h"

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int st_chain_tx_info(const st_chain *c, uint64_t tx, st_chain_txinfo *info, st_error *err) {
    memset(info, 0, sizeof *info);
    uint8_t *raw;
    size_t len, used;
    int rc = st_chain_tx_raw(c, tx, &raw, &len, err);
    if (rc) return rc;
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    st_block_view bv;
    chain_block_view_init(&bv);
    uint8_t w[32];
    rc = chain_tx_parse(&bv, raw, len, &used, w, err);
    if (rc == ST_OK && (len < 8 || memcmp(bv.tx[0].txid, k.tx_hash[tx], 32)))
        rc = st_error_set(err, ST_ECORRUPT, "the block file no longer holds transaction %llu as ingested",
                          (unsigned long long)tx);
    if (rc == ST_OK) {
        uint64_t base = len - bv.tx[0].witness_len;
        memcpy(info->wtxid, w, 32);
        info->size = len;
        info->weight = base * 3 + len;
        info->vsize = (info->weight + 3) / 4;
        info->version = le32(raw);
        info->locktime = le32(raw + len - 4);
        info->segwit = bv.tx[0].witness_len > 0;
    }
    chain_block_view_free(&bv);
    st_free(raw);
    return rc;
}

int st_chain_addr_check(st_chain_net net, const char *text, st_error *err) {
    chain_addr_key key;
    return chain_addr_decode(text, net, &key, err);
}
