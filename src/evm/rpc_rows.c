/*
 * rpc_rows.c - a node's JSON-RPC answers for one block written as the
 * rows of ethereum-etl's tables (JSON lines), for the one export reader.
 *
 * Why text and not structs: the export reader (export.c) already decides
 * what every row means (which logs are Transfers, what a trace of each
 * type moves, what an empty field leaves unknown); writing the node's
 * answers in the exporter's own format, with the exporter's own mapping
 * (ethereum-etl's block, transaction, receipt, log and trace mappers),
 * keeps one reading of the data, so a store built from a node and one
 * built from an export of the same blocks are identical.
 *
 * Every value is checked before it is written (the node is input like any
 * other): quantities as 0x-hex or JSON integers, addresses of 20 bytes,
 * hashes of 32, receipts and traces that belong to the block's
 * transactions.  Text that reaches the output is only what those checks
 * let through (hex digits and decimal numbers), so nothing needs escaping.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "evm/evm_rpc.h"

#define EV_RPC_MAX_DEPTH 1100  /* the EVM's call depth is 1024 */
#define EV_RPC_MAX_DATA 4096   /* a log's data beyond this is no value event (those hold 32 bytes) */

typedef struct rows {
    st_buf *out;
    st_error *err;
    uint64_t block;
    const char *block_hash; /* lowercase, checked */
} rows;

static int fail(rows *r, const char *where, long long index, const char *field, const char *what) {
    char at[64] = "";
    if (index >= 0) snprintf(at, sizeof at, " %lld", index);
    return st_error_set(r->err, ST_EPARSE, "the node's answer for block %llu: %s%s: '%s' %s",
                        (unsigned long long)r->block, where, at, field, what);
}

/* ---- values ---- */

/* a quantity: "0x" + hex digits, or a JSON integer; decimal text in out */
static int quantity(const json_t *v, char out[ST_U256_TEXT], st_u256 *val) {
    st_u256 x;
    if (json_is_integer(v) && json_integer_value(v) >= 0) x = st_u256_from_u64((uint64_t)json_integer_value(v));
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || st_u256_parse(s, n, &x)) return -1;
    } else return -1;
    if (val) *val = x;
    st_u256_format(&x, out);
    return 0;
}

static int quantity_u64(const json_t *v, uint64_t *out) {
    char t[ST_U256_TEXT];
    st_u256 x;
    if (quantity(v, t, &x) || x.w[1] || x.w[2] || x.w[3]) return -1;
    *out = x.w[0];
    return 0;
}

/* "0x" + exactly 2n hex digits, lowercased into out (2n + 3 bytes) */
static int hexbytes(const json_t *v, size_t n, char *out) {
    if (!json_is_string(v) || json_string_length(v) != 2 + 2 * n) return -1;
    const char *s = json_string_value(v);
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return -1;
    out[0] = '0', out[1] = 'x';
    for (size_t i = 2; i < 2 + 2 * n; i++) {
        if (st_hex_digit(s[i]) < 0) return -1;
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
    }
    out[2 + 2 * n] = 0;
    return 0;
}

/* an optional field: absent or null is 0 (not written), a bad value -1, else 1 */
static int opt_quantity(const json_t *o, const char *key, char out[ST_U256_TEXT]) {
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return 0;
    return quantity(v, out, NULL) ? -1 : 1;
}

static int opt_addr(const json_t *o, const char *key, char out[43]) {
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return 0;
    return hexbytes(v, 20, out) ? -1 : 1;
}

static void kv(rows *r, const char *key, const char *val) {
    st_buf_printf(r->out, ",\"%s\":\"%s\"", key, val);
}

/* ---- block and transactions ---- */

static int block_line(rows *r, const json_t *b) {
    char miner[43], fee[ST_U256_TEXT], num[ST_U256_TEXT], ts[ST_U256_TEXT], blob[ST_U256_TEXT];
    int m = opt_addr(b, "miner", miner), f = opt_quantity(b, "baseFeePerGas", fee);
    int t = opt_quantity(b, "timestamp", ts); /* the block times tags' dates are read against */
    int bg = opt_quantity(b, "blobGasUsed", blob); /* from Cancun on: a node's blocks before it have none */
    if (m < 0) return fail(r, "block", -1, "miner", "is not a 20-byte address");
    if (f < 0) return fail(r, "block", -1, "baseFeePerGas", "is not a quantity");
    if (t < 0) return fail(r, "block", -1, "timestamp", "is not a quantity");
    if (bg < 0) return fail(r, "block", -1, "blobGasUsed", "is not a quantity");
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->block);
    st_buf_puts(r->out, "{\"type\":\"block\"");
    kv(r, "number", num);
    kv(r, "hash", r->block_hash);
    if (m) kv(r, "miner", miner);
    if (f) kv(r, "base_fee_per_gas", fee);
    if (t) kv(r, "timestamp", ts);
    if (bg) kv(r, "blob_gas_used", blob);
    else st_buf_puts(r->out, ",\"blob_gas_used\":null"); /* said: before Cancun (ingest.c, before_cancun) */
    const json_t *w = json_object_get(b, "withdrawals");
    if (json_is_array(w) && json_array_size(w)) {
        st_buf_puts(r->out, ",\"withdrawals\":[");
        size_t i;
        const json_t *x;
        json_array_foreach(w, i, x) {
            char a[43], amount[ST_U256_TEXT];
            if (opt_addr(x, "address", a) != 1) return fail(r, "withdrawal", (long long)i, "address", "is not a 20-byte address");
            if (opt_quantity(x, "amount", amount) != 1) return fail(r, "withdrawal", (long long)i, "amount", "is not a quantity");
            st_buf_printf(r->out, "%s{\"address\":\"%s\",\"amount\":\"%s\"}", i ? "," : "", a, amount);
        }
        st_buf_putc(r->out, ']');
    } else if (w && !json_is_null(w) && !json_is_array(w))
        return fail(r, "block", -1, "withdrawals", "is not a list");
    st_buf_puts(r->out, "}\n");
    return ST_OK;
}

static int tx_line(rows *r, const json_t *t, size_t i, char hash[67]) {
    char from[43], to[43], value[ST_U256_TEXT], price[ST_U256_TEXT], idx[24];
    uint64_t index = i, bn;
    if (!json_is_object(t)) return fail(r, "transaction", (long long)i, "transactions", "is not a full transaction (ask with true)");
    if (hexbytes(json_object_get(t, "hash"), 32, hash)) return fail(r, "transaction", (long long)i, "hash", "is not a 32-byte hash");
    const json_t *ti = json_object_get(t, "transactionIndex");
    if (ti && !json_is_null(ti) && (quantity_u64(ti, &index) || index != i))
        return fail(r, "transaction", (long long)i, "transactionIndex", "is not its position in the block");
    const json_t *tb = json_object_get(t, "blockNumber");
    if (tb && !json_is_null(tb) && (quantity_u64(tb, &bn) || bn != r->block))
        return fail(r, "transaction", (long long)i, "blockNumber", "is not the block's number");
    if (opt_addr(t, "from", from) != 1) return fail(r, "transaction", (long long)i, "from", "is not a 20-byte address");
    int h_to = opt_addr(t, "to", to);
    if (h_to < 0) return fail(r, "transaction", (long long)i, "to", "is not a 20-byte address");
    if (opt_quantity(t, "value", value) != 1) return fail(r, "transaction", (long long)i, "value", "is not a quantity");
    int h_price = opt_quantity(t, "gasPrice", price);
    if (h_price < 0) return fail(r, "transaction", (long long)i, "gasPrice", "is not a quantity");
    snprintf(idx, sizeof idx, "%zu", i);
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->block);
    st_buf_puts(r->out, "{\"type\":\"transaction\"");
    kv(r, "hash", hash);
    kv(r, "block_number", num);
    kv(r, "transaction_index", idx);
    kv(r, "from_address", from);
    if (h_to) kv(r, "to_address", to);
    kv(r, "value", value);
    if (h_price) kv(r, "gas_price", price);
    st_buf_puts(r->out, "}\n");
    return ST_OK;
}

/* ---- receipts and logs ---- */

static int log_line(rows *r, const json_t *l, size_t i, const char *txhash, size_t txi) {
    char addr[43], idx[24], num[24], txi_s[24];
    uint64_t li;
    if (!json_is_object(l)) return fail(r, "log", (long long)i, "logs", "is not an object");
    if (json_is_true(json_object_get(l, "removed"))) return ST_OK; /* a log of a block no longer in the chain */
    if (quantity_u64(json_object_get(l, "logIndex"), &li)) return fail(r, "log", (long long)i, "logIndex", "is not a quantity");
    if (opt_addr(l, "address", addr) != 1) return fail(r, "log", (long long)i, "address", "is not a 20-byte address");
    const json_t *data = json_object_get(l, "data"), *topics = json_object_get(l, "topics");
    if (!json_is_string(data)) return fail(r, "log", (long long)i, "data", "is not hex text");
    const char *d = json_string_value(data);
    size_t dn = json_string_length(data);
    if (dn < 2 || d[0] != '0' || d[1] != 'x' || dn % 2) return fail(r, "log", (long long)i, "data", "is not hex text");
    for (size_t k = 2; k < dn; k++)
        if (st_hex_digit(d[k]) < 0) return fail(r, "log", (long long)i, "data", "is not hex text");
    if (!json_is_array(topics) || json_array_size(topics) > 4) return fail(r, "log", (long long)i, "topics", "is not a list of up to 4 hashes");
    snprintf(idx, sizeof idx, "%llu", (unsigned long long)li);
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->block);
    snprintf(txi_s, sizeof txi_s, "%zu", txi);
    st_buf_puts(r->out, "{\"type\":\"log\"");
    kv(r, "log_index", idx);
    kv(r, "transaction_hash", txhash);
    kv(r, "transaction_index", txi_s);
    kv(r, "block_number", num);
    kv(r, "address", addr);
    if (dn > EV_RPC_MAX_DATA) kv(r, "data", "0x"); /* no value event: the reader would skip it */
    else {
        st_buf_puts(r->out, ",\"data\":\"0x");
        for (size_t k = 2; k < dn; k++) st_buf_putc(r->out, (char)(d[k] >= 'A' && d[k] <= 'F' ? d[k] - 'A' + 'a' : d[k]));
        st_buf_putc(r->out, '"');
    }
    st_buf_puts(r->out, ",\"topics\":[");
    size_t k;
    const json_t *x;
    json_array_foreach(topics, k, x) {
        char t[67];
        if (hexbytes(x, 32, t)) return fail(r, "log", (long long)i, "topics", "holds a value that is not a 32-byte hash");
        st_buf_printf(r->out, "%s\"%s\"", k ? "," : "", t);
    }
    st_buf_puts(r->out, "]}\n");
    return ST_OK;
}

static int receipt_line(rows *r, const json_t *x, size_t i, const char *txhash) {
    char h[67], gas[ST_U256_TEXT], eff[ST_U256_TEXT], ca[43], bg[ST_U256_TEXT], bp[ST_U256_TEXT], l1[ST_U256_TEXT],
        idx[24], num[24];
    if (!json_is_object(x)) return fail(r, "receipt", (long long)i, "receipt", "is missing");
    if (hexbytes(json_object_get(x, "transactionHash"), 32, h) || strcmp(h, txhash))
        return fail(r, "receipt", (long long)i, "transactionHash", "is not the hash of the block's transaction at that position");
    const json_t *bh = json_object_get(x, "blockHash");
    char bhs[67];
    if (bh && !json_is_null(bh) && (hexbytes(bh, 32, bhs) || strcmp(bhs, r->block_hash)))
        return fail(r, "receipt", (long long)i, "blockHash", "is not the block's hash (the chain changed while it was read)");
    if (opt_quantity(x, "gasUsed", gas) != 1) return fail(r, "receipt", (long long)i, "gasUsed", "is not a quantity");
    int he = opt_quantity(x, "effectiveGasPrice", eff), hc = opt_addr(x, "contractAddress", ca);
    int hbg = opt_quantity(x, "blobGasUsed", bg), hbp = opt_quantity(x, "blobGasPrice", bp);
    int hl1 = opt_quantity(x, "l1Fee", l1); /* a rollup's node (OP Stack): said by the reader */
    if (he < 0) return fail(r, "receipt", (long long)i, "effectiveGasPrice", "is not a quantity");
    if (hc < 0) return fail(r, "receipt", (long long)i, "contractAddress", "is not a 20-byte address");
    if (hbg < 0 || hbp < 0) return fail(r, "receipt", (long long)i, "blobGasUsed", "or blobGasPrice is not a quantity");
    const json_t *st = json_object_get(x, "status");
    uint64_t status = 2;
    if (st && !json_is_null(st) && (quantity_u64(st, &status) || status > 1))
        return fail(r, "receipt", (long long)i, "status", "is neither 0x0 nor 0x1");
    snprintf(idx, sizeof idx, "%zu", i);
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->block);
    st_buf_puts(r->out, "{\"type\":\"receipt\"");
    kv(r, "transaction_hash", h);
    kv(r, "block_number", num);
    kv(r, "transaction_index", idx);
    kv(r, "gas_used", gas);
    if (status <= 1) kv(r, "status", status ? "1" : "0");
    if (he) kv(r, "effective_gas_price", eff);
    if (hc) kv(r, "contract_address", ca);
    if (hbg) kv(r, "blob_gas_used", bg);
    if (hbp && hbg) kv(r, "blob_gas_price", bp); /* nodes give a price to every receipt; it counts with blob gas only */
    if (hl1 > 0) kv(r, "l1_fee", l1);
    st_buf_puts(r->out, "}\n");
    const json_t *logs = json_object_get(x, "logs");
    if (!json_is_array(logs)) return fail(r, "receipt", (long long)i, "logs", "is not a list");
    size_t k;
    const json_t *l;
    json_array_foreach(logs, k, l) {
        int rc = log_line(r, l, k, h, i);
        if (rc) return rc;
    }
    return ST_OK;
}

/* ---- traces ---- */

static void trace_head(rows *r, const char *type, const char *txhash, long long txi) {
    char num[24], idx[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->block);
    st_buf_puts(r->out, "{\"type\":\"trace\"");
    kv(r, "block_number", num);
    if (txhash) {
        snprintf(idx, sizeof idx, "%lld", txi);
        kv(r, "transaction_hash", txhash);
        kv(r, "transaction_index", idx);
    }
    kv(r, "trace_type", type);
}

static void trace_path(rows *r, const uint32_t *path, size_t depth) {
    st_buf_puts(r->out, ",\"trace_address\":[");
    for (size_t k = 0; k < depth; k++) st_buf_printf(r->out, "%s%u", k ? "," : "", path[k]);
    st_buf_putc(r->out, ']');
}

/* an error text is only said to exist: "1" (the reader asks whether it is empty) */
static int has_error(const json_t *o) {
    const json_t *e = json_object_get(o, "error");
    return e && !json_is_null(e) && !(json_is_string(e) && !json_string_length(e));
}

/* trace_block (OpenEthereum / Erigon / Reth): a flat list with trace addresses */
static int parity_traces(rows *r, const json_t *traces, char (*hashes)[67], size_t ntx) {
    size_t i;
    const json_t *t;
    json_array_foreach(traces, i, t) {
        const json_t *a = json_object_get(t, "action"), *res = json_object_get(t, "result");
        const json_t *type = json_object_get(t, "type"), *ta = json_object_get(t, "traceAddress");
        if (!json_is_object(t) || !json_is_object(a) || !json_is_string(type))
            return fail(r, "trace", (long long)i, "action", "or 'type' is missing");
        uint64_t bn;
        const json_t *tbn = json_object_get(t, "blockNumber");
        if (tbn && !json_is_null(tbn) && (quantity_u64(tbn, &bn) || bn != r->block))
            return fail(r, "trace", (long long)i, "blockNumber", "is not the block's number");
        char bhs[67];
        const json_t *bh = json_object_get(t, "blockHash");
        if (bh && !json_is_null(bh) && (hexbytes(bh, 32, bhs) || strcmp(bhs, r->block_hash)))
            return fail(r, "trace", (long long)i, "blockHash", "is not the block's hash (the chain changed while it was read)");
        const char *ty = json_string_value(type);
        const char *from_key = NULL, *to_key = NULL, *value_key = "value";
        const json_t *to_obj = a;
        if (!strcmp(ty, "call")) from_key = "from", to_key = "to";
        else if (!strcmp(ty, "create")) from_key = "from", to_key = "address", to_obj = res;
        else if (!strcmp(ty, "suicide")) from_key = "address", to_key = "refundAddress", value_key = "balance";
        else if (!strcmp(ty, "reward")) to_key = "author";
        else return fail(r, "trace", (long long)i, "type", "is not call, create, suicide or reward");
        char from[43], to[43], value[ST_U256_TEXT], h[67];
        int hf = from_key ? opt_addr(a, from_key, from) : 0;
        int ht = to_key && json_is_object(to_obj) ? opt_addr(to_obj, to_key, to) : 0;
        int hv = opt_quantity(a, value_key, value);
        if (hf < 0 || ht < 0) return fail(r, "trace", (long long)i, "action", "names an address that is not 20 bytes");
        if (hv < 0) return fail(r, "trace", (long long)i, value_key, "is not a quantity");
        const json_t *th = json_object_get(t, "transactionHash");
        long long txi = -1;
        if (th && !json_is_null(th)) {
            if (hexbytes(th, 32, h)) return fail(r, "trace", (long long)i, "transactionHash", "is not a 32-byte hash");
            for (size_t k = 0; k < ntx && txi < 0; k++)
                if (!strcmp(hashes[k], h)) txi = (long long)k;
            if (txi < 0) return fail(r, "trace", (long long)i, "transactionHash", "names no transaction of the block");
        } else if (strcmp(ty, "reward")) return fail(r, "trace", (long long)i, "transactionHash", "is missing");
        if (!json_is_array(ta) || json_array_size(ta) > EV_RPC_MAX_DEPTH)
            return fail(r, "trace", (long long)i, "traceAddress", "is not a list of child positions");
        uint32_t path[EV_RPC_MAX_DEPTH];
        size_t k, depth = 0;
        const json_t *x;
        json_array_foreach(ta, k, x) {
            if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) >= UINT32_MAX)
                return fail(r, "trace", (long long)i, "traceAddress", "is not a list of child positions");
            path[depth++] = (uint32_t)json_integer_value(x);
        }
        trace_head(r, ty, txi >= 0 ? h : NULL, txi);
        if (hf) kv(r, "from_address", from);
        if (ht) kv(r, "to_address", to);
        if (hv) kv(r, "value", value);
        const json_t *ct = json_object_get(a, "callType");
        if (!strcmp(ty, "call") && json_is_string(ct)) {
            const char *c = json_string_value(ct);
            static const char *const known[] = {"call", "callcode", "delegatecall", "staticcall"};
            int ok = 0;
            for (size_t q = 0; q < 4; q++) ok |= !strcmp(c, known[q]);
            if (!ok) return fail(r, "trace", (long long)i, "callType", "is not call, callcode, delegatecall or staticcall");
            kv(r, "call_type", c);
        }
        if (has_error(t)) kv(r, "error", "1");
        trace_path(r, path, depth);
        st_buf_puts(r->out, "}\n");
    }
    return ST_OK;
}

/* debug_traceBlockByNumber with the callTracer: one call tree a
 * transaction, written in pre-order with the positions as trace addresses
 * (what trace_block gives for the same calls) */
static int geth_frame(rows *r, const json_t *f, const char *txhash, size_t txi, uint32_t *path, size_t depth) {
    const json_t *type = json_object_get(f, "type");
    if (!json_is_object(f) || !json_is_string(type)) return fail(r, "call tree of transaction", (long long)txi, "type", "is missing");
    if (depth > EV_RPC_MAX_DEPTH) return fail(r, "call tree of transaction", (long long)txi, "calls", "nests deeper than the EVM allows");
    const char *ty = json_string_value(type), *trace_type = "call", *call_type = NULL;
    if (!strcmp(ty, "CALL")) call_type = "call";
    else if (!strcmp(ty, "STATICCALL")) call_type = "staticcall";
    else if (!strcmp(ty, "DELEGATECALL")) call_type = "delegatecall";
    else if (!strcmp(ty, "CALLCODE")) call_type = "callcode";
    else if (!strcmp(ty, "CREATE") || !strcmp(ty, "CREATE2")) trace_type = "create";
    else if (!strcmp(ty, "SELFDESTRUCT")) trace_type = "suicide";
    else return fail(r, "call tree of transaction", (long long)txi, "type", "is not a call, create or selfdestruct");
    char from[43], to[43], value[ST_U256_TEXT];
    int hf = opt_addr(f, "from", from), ht = opt_addr(f, "to", to), hv = opt_quantity(f, "value", value);
    if (hf < 0 || ht < 0) return fail(r, "call tree of transaction", (long long)txi, "from", "or 'to' is not a 20-byte address");
    if (hv < 0) return fail(r, "call tree of transaction", (long long)txi, "value", "is not a quantity");
    trace_head(r, trace_type, txhash, (long long)txi);
    if (hf) kv(r, "from_address", from);
    if (ht) kv(r, "to_address", to);
    if (hv) kv(r, "value", value);
    if (call_type) kv(r, "call_type", call_type);
    if (has_error(f)) kv(r, "error", "1");
    trace_path(r, path, depth);
    st_buf_puts(r->out, "}\n");
    const json_t *calls = json_object_get(f, "calls");
    if (!calls || json_is_null(calls)) return ST_OK;
    if (!json_is_array(calls)) return fail(r, "call tree of transaction", (long long)txi, "calls", "is not a list");
    size_t k;
    const json_t *c;
    json_array_foreach(calls, k, c) {
        if (k >= UINT32_MAX) break;
        path[depth] = (uint32_t)k;
        int rc = geth_frame(r, c, txhash, txi, path, depth + 1);
        if (rc) return rc;
    }
    return ST_OK;
}

static int geth_traces(rows *r, const json_t *traces, char (*hashes)[67], size_t ntx) {
    if (json_array_size(traces) != ntx)
        return fail(r, "call trees", -1, "result", "do not match the block's transactions one to one");
    uint32_t path[EV_RPC_MAX_DEPTH + 1];
    size_t i;
    const json_t *t;
    json_array_foreach(traces, i, t) {
        const json_t *th = json_object_get(t, "txHash"), *res = json_object_get(t, "result");
        char h[67];
        if (th && !json_is_null(th) && (hexbytes(th, 32, h) || strcmp(h, hashes[i])))
            return fail(r, "call tree of transaction", (long long)i, "txHash", "is not the hash of the block's transaction at that position");
        if (!res) {
            const json_t *e = json_object_get(t, "error");
            char why[160];
            snprintf(why, sizeof why, "is missing (the tracer said: %.100s)", json_is_string(e) ? json_string_value(e) : "nothing");
            return fail(r, "call tree of transaction", (long long)i, "result", why);
        }
        int rc = geth_frame(r, res, hashes[i], i, path, 0);
        if (rc) return rc;
    }
    return ST_OK;
}

int ev_rpc_block_lines(st_buf *out, const json_t *block, const json_t *receipts, const json_t *traces, int geth,
                       st_error *err) {
    rows r = {out, err, 0, NULL};
    char bhash[67];
    if (!json_is_object(block)) return st_error_set(err, ST_EPARSE, "the node's answer for a block is not a block");
    if (quantity_u64(json_object_get(block, "number"), &r.block) || r.block > INT64_MAX)
        return st_error_set(err, ST_EPARSE, "the node's answer for a block has no valid 'number'");
    if (hexbytes(json_object_get(block, "hash"), 32, bhash)) return fail(&r, "block", -1, "hash", "is not a 32-byte hash");
    r.block_hash = bhash;
    const json_t *txs = json_object_get(block, "transactions");
    if (!json_is_array(txs)) return fail(&r, "block", -1, "transactions", "is not a list");
    size_t ntx = json_array_size(txs);
    if (receipts && (!json_is_array(receipts) || json_array_size(receipts) != ntx))
        return fail(&r, "receipts", -1, "result", "do not match the block's transactions one to one");
    if (traces && !json_is_array(traces)) return fail(&r, "traces", -1, "result", "is not a list");
    char (*hashes)[67] = st_malloc((ntx ? ntx : 1) * sizeof *hashes);
    if (!hashes) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = block_line(&r, block);
    for (size_t i = 0; rc == ST_OK && i < ntx; i++) rc = tx_line(&r, json_array_get(txs, i), i, hashes[i]);
    for (size_t i = 0; rc == ST_OK && receipts && i < ntx; i++)
        rc = receipt_line(&r, json_array_get(receipts, i), i, hashes[i]);
    if (rc == ST_OK && traces) rc = geth ? geth_traces(&r, traces, hashes, ntx) : parity_traces(&r, traces, hashes, ntx);
    st_free(hashes);
    if (rc == ST_OK && out->failed)
        rc = st_error_set(err, ST_ELIMIT, "block %llu: its rows exceed the memory one commit may hold",
                          (unsigned long long)r.block);
    return rc;
}
