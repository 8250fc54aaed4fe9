/*
 * evm_rpc.h - private to the node ingest (rpc.c, rpc_http.c) and its fuzz
 * target: the translation of a node's JSON-RPC answers into ethereum-etl
 * rows, and the libcurl transport.
 */
#ifndef ST_EVM_RPC_H
#define ST_EVM_RPC_H

#include <jansson.h>

#include "core/buf.h"
#include "evm/evm_int.h"

/* The answers for one block: eth_getBlockByNumber(n, true), the receipts
 * (eth_getBlockReceipts, or one eth_getTransactionReceipt each, in
 * transaction order; NULL when not asked), the traces (trace_block's list,
 * or debug_traceBlockByNumber's list of {txHash, result} call trees; NULL
 * when not asked).  Appends the block's rows to out as ethereum-etl JSON
 * lines (a block line, one per transaction, receipt, log and trace), so
 * the one export reader turns them into flows exactly as it does an
 * export.  Every value is checked first (quantities, 20-byte addresses,
 * 32-byte hashes, the receipts and traces belonging to the block's
 * transactions): ST_OK, ST_EPARSE with err naming the block, transaction
 * and field, or ST_ENOMEM / ST_ELIMIT from out. */
int ev_rpc_block_lines(st_buf *out, const json_t *block, const json_t *receipts, const json_t *traces, int geth,
                       st_error *err);

typedef struct ev_rpc_http ev_rpc_http; /* a libcurl handle */
int ev_rpc_http_open(ev_rpc_http **out, st_error *err);
void ev_rpc_http_close(ev_rpc_http *h);
/* st_evm_post_fn over libcurl; ctx is the ev_rpc_http. */
int ev_rpc_http_post(void *ctx, const char *url, const char *body, size_t len, char **resp, size_t *resp_len,
                     st_error *err);

#endif
