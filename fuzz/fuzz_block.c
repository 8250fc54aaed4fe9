/* fuzz_block.c - the block and transaction parser, the BIP34 reader and
 * the script classifier / address encoder on arbitrary bytes.  Whatever
 * parses must have every script view inside the input: a length check
 * that wraps (an input script of 2^64-4 bytes once passed as 0) shows up
 * here even when nothing reads the script. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_int.h"

static void views_inside(const st_block_view *b, const uint8_t *data, size_t size) {
    for (size_t i = 0; i < b->nin; i++)
        if (b->in[i].script < data || b->in[i].script_len > size - (size_t)(b->in[i].script - data)) abort();
    for (size_t i = 0; i < b->nout; i++)
        if (b->out[i].script < data || b->out[i].script_len > size - (size_t)(b->out[i].script - data)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_block_view b;
    st_error err;
    chain_block_view_init(&b);
    b.check_witness = size & 1; /* both paths, decided by the input */
    if (chain_block_parse(&b, data, size, &err) == ST_OK) {
        views_inside(&b, data, size);
        for (size_t i = 0; i < b.nout; i++) {
            int type;
            chain_addr_key k;
            char text[128];
            if (chain_script_classify(b.out[i].script, b.out[i].script_len, &type, &k))
                chain_addr_encode(&k, ST_NET_MAIN, text, sizeof text);
        }
    }
    (void)chain_block_bip34(data, size);
    b.ntx = b.nin = b.nout = 0;
    size_t used;
    uint8_t wtxid[32];
    if (chain_tx_parse(&b, data, size, &used, wtxid, &err) == ST_OK) views_inside(&b, data, size);
    int type;
    chain_addr_key k;
    if (chain_script_classify(data, size, &type, &k)) {
        char text[128];
        chain_addr_encode(&k, ST_NET_REGTEST, text, sizeof text);
    }
    if (size < 120) {
        char s[128];
        memcpy(s, data, size);
        s[size] = 0;
        (void)chain_addr_decode(s, ST_NET_MAIN, &k, &err);
    }
    chain_block_view_free(&b);
    return 0;
}
