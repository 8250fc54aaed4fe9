/*
 * answer.c - the answers of `evm stats`, `evm tx`, `evm address` and
 * `evm flows` as
 * JSON, one builder for every front end: the command line prints them,
 * the server sends them (GET /evm/...), and both say the same thing.
 *
 * `evm flows` lists an address's flows in chain order a page at a time,
 * each with the transaction to ask `evm tx` about.
 *
 * Amounts are decimal strings (a 256-bit integer does not fit a JSON
 * number any reader keeps exact); what the store does not know is null,
 * never zero.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "evm/evm_int.h"
#include "sanctrace/evm.h"

static json_t *jint(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *jamount(const st_u256 *v) {
    char t[ST_U256_TEXT];
    return json_string(st_u256_format(v, t));
}

/* t (a lowercase address) in EIP-55 form when asked; "ETH" stays. */
static void addr_case(int eip55, char t[43]) {
    uint8_t b[20];
    if (eip55 && st_evm_addr_parse(t, b) == ST_OK) st_evm_addr_format_eip55(b, t);
}

static json_t *jaddr(const st_evm *e, uint64_t id, int eip55) {
    if (id == ST_EVM_NONE) return json_null();
    char t[43];
    st_evm_addr_text(e, id, t);
    addr_case(eip55, t);
    return json_string(t);
}

static json_t *jasset(const st_evm *e, uint64_t asset, int eip55) {
    char t[43];
    st_evm_asset_text(e, asset, t);
    addr_case(eip55, t);
    return json_string(t);
}

/* A filled object, or NULL when memory ran out on the way (jansson's
 * setters take their value's reference even when they fail). */
static json_t *done(json_t *j, int ok) {
    if (ok) return j;
    json_decref(j);
    return NULL;
}

json_t *st_evm_stats_json(const st_evm *e) {
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    json_t *j = json_object();
    int ok = j && !json_object_set_new(j, "blocks", jint(s.blocks)) &&
             !json_object_set_new(j, "transactions", jint(s.transactions)) &&
             !json_object_set_new(j, "flows", jint(s.flows)) &&
             !json_object_set_new(j, "addresses", jint(s.addresses)) &&
             !json_object_set_new(j, "assets", jint(s.assets)) &&
             !json_object_set_new(j, "first_block", s.first_block < 0 ? json_null() : json_integer(s.first_block)) &&
             !json_object_set_new(j, "last_block", s.last_block < 0 ? json_null() : json_integer(s.last_block)) &&
             !json_object_set_new(j, "store_bytes", jint(s.store_bytes)) &&
             !json_object_set_new(j, "bytes_per_flow",
                                  s.flows ? jint(s.column_bytes_per_flow + s.index_bytes_per_flow) : json_null());
    return done(j, ok);
}

static json_t *flow_json(const st_evm *e, uint64_t f, int eip55) {
    st_evm_flow fl;
    st_evm_get_flow(e, f, &fl);
    json_t *o = json_object();
    int ok = o && !json_object_set_new(o, "asset", jasset(e, fl.asset, eip55)) &&
             !json_object_set_new(o, "from", jaddr(e, fl.from, eip55)) &&
             !json_object_set_new(o, "to", jaddr(e, fl.to, eip55)) &&
             !json_object_set_new(o, "amount", jamount(&fl.amount)) &&
             !json_object_set_new(o, "kind", json_string(st_evm_kind_name(fl.kind))) &&
             !json_object_set_new(o, "position", jint(fl.position));
    return done(o, ok);
}

int st_evm_tx_json(const st_evm *e, const char *id, int eip55, json_t **out, st_error *err) {
    *out = NULL;
    uint64_t t;
    int found = st_evm_find_tx(e, id, &t);
    if (found < 0)
        return st_error_set(err, ST_EINVAL, "'%.80s' is neither a transaction hash (0x + 64 hex digits) nor BLOCK:INDEX",
                            id);
    if (!found) return st_error_set(err, ST_ENOTFOUND, "transaction %.80s is not in the store", id);
    st_evm_tx x;
    st_evm_get_tx(e, t, &x);
    char h[67] = "0x";
    st_hex_encode(x.hash, 32, h + 2);
    json_t *j = json_object(), *flows = json_array();
    int ok = j && flows && !json_object_set_new(j, "hash", x.has_hash ? json_string(h) : json_null()) &&
             !json_object_set_new(j, "block_number", jint(x.block)) &&
             !json_object_set_new(j, "from", jaddr(e, x.from, eip55)) &&
             !json_object_set_new(j, "to", jaddr(e, x.to, eip55)) &&
             !json_object_set_new(j, "value", x.value_known ? jamount(&x.value) : json_null()) &&
             !json_object_set_new(j, "status", x.status < 0 ? json_null() : json_integer(x.status)) &&
             !json_object_set_new(j, "fee", x.fee_known ? jamount(&x.fee) : json_null());
    for (uint64_t f = x.first_flow; ok && f < x.first_flow + x.nflows; f++)
        ok = !json_array_append_new(flows, flow_json(e, f, eip55));
    if (!ok || json_object_set_new(j, "flows", flows)) {
        if (!ok) json_decref(flows);
        json_decref(j);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    *out = j;
    return ST_OK;
}

static json_t *balances_json(const st_evm *e, const st_evm_summary *sum, int eip55) {
    json_t *bal = json_array();
    for (size_t i = 0; bal && i < sum->nbalances; i++) {
        const st_evm_balance *b = &sum->balances[i];
        char net[ST_U320_TEXT + 1], rec[ST_U320_TEXT], sent[ST_U320_TEXT];
        net[0] = '-';
        st_u256_format_hi(b->net_hi, &b->net, net + 1);
        json_t *o = json_object();
        st_u256_format_hi(b->received_hi, &b->received, rec);
        st_u256_format_hi(b->sent_hi, &b->sent, sent);
        int ok = o && !json_object_set_new(o, "asset", jasset(e, b->asset, eip55)) &&
                 !json_object_set_new(o, "received", json_string(rec)) &&
                 !json_object_set_new(o, "sent", json_string(sent)) &&
                 !json_object_set_new(o, "balance", json_string(b->negative ? net : net + 1));
        if (!ok || json_array_append_new(bal, o)) {
            if (!ok) json_decref(o);
            json_decref(bal);
            return NULL;
        }
    }
    return bal;
}

/* The address text names: its id and its printed form, or why not. */
static int find_addr(const st_evm *e, const char *text, int eip55, uint64_t *id, char name[43], st_error *err) {
    uint8_t addr[20];
    if (st_evm_addr_parse(text, addr))
        return st_error_set(err, ST_EINVAL, "'%.80s' is not an address (0x + 40 hex digits)", text);
    st_evm_addr_format(addr, name);
    addr_case(eip55, name);
    if (!st_evm_find_addr(e, addr, id)) return st_error_set(err, ST_ENOTFOUND, "%s is not in the store", name);
    return ST_OK;
}

int st_evm_address_json(const st_evm *e, const char *text, int64_t at_block, int eip55, json_t **out,
                        st_error *err) {
    *out = NULL;
    char name[43];
    uint64_t id;
    int rc0 = find_addr(e, text, eip55, &id, name, err);
    if (rc0) return rc0;
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    st_evm_summary sum;
    memset(&sum, 0, sizeof sum);
    int rc = st_evm_address_summary(e, id, at_block < 0 ? INT64_MAX : at_block, &sum, err);
    if (rc != ST_OK && rc != ST_EINVAL) return rc;
    json_t *j = json_object();
    int ok = j && !json_object_set_new(j, "address", json_string(name)) &&
             (at_block < 0 || !json_object_set_new(j, "at_block", json_integer(at_block)));
    if (ok && rc == ST_EINVAL) { /* before the store's first block: unknown, not zero */
        ok = !json_object_set_new(j, "balances", json_null()) && !json_object_set_new(j, "flows_in", json_null()) &&
             !json_object_set_new(j, "flows_out", json_null()) && !json_object_set_new(j, "note", json_string(err->msg));
        st_error_clear(err);
    } else if (ok) {
        char note[500];
        const char *fees = sum.fees_unknown ? "; sent leaves out fees the export did not give" : "";
        const char *partial = sum.fees_unknown_partial
                                  ? "; fees_unknown leaves out transactions that moved nothing from the "
                                    "address (addr_nofee.idx is not this commit's: the next ingest writes "
                                    "it again)"
                                  : "";
        snprintf(note, sizeof note,
                 "balances count flows from block %lld, the store's first; what the address held before is "
                 "unknown%s%s",
                 (long long)s.first_block, fees, partial);
        ok = !json_object_set_new(j, "balances", balances_json(e, &sum, eip55)) &&
             !json_object_set_new(j, "flows_in", jint(sum.flows_in)) &&
             !json_object_set_new(j, "flows_out", jint(sum.flows_out)) &&
             !json_object_set_new(j, "balances_from_block", json_integer(s.first_block)) &&
             !json_object_set_new(j, "fees_unknown", jint(sum.fees_unknown)) &&
             !json_object_set_new(j, "note", json_string(note));
    }
    st_free(sum.balances);
    if (!ok) {
        json_decref(j);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    *out = j;
    return ST_OK;
}

/* How `evm tx` names transaction t: its hash, else BLOCK:INDEX (one only
 * geth-style traces named); null for no transaction. */
static json_t *jtx(const st_evm *e, uint64_t t) {
    if (t == ST_EVM_NONE) return json_null();
    st_evm_tx x;
    st_evm_get_tx(e, t, &x);
    char h[67] = "0x";
    if (x.has_hash) st_hex_encode(x.hash, 32, h + 2);
    else snprintf(h, sizeof h, "%llu:%u", (unsigned long long)x.block, x.index);
    return json_string(h);
}

int st_evm_address_flows_json(const st_evm *e, const char *text, int64_t from_block, uint64_t from, uint64_t limit,
                              int eip55, json_t **out, st_error *err) {
    *out = NULL;
    char name[43];
    uint64_t id;
    int rc = find_addr(e, text, eip55, &id, name, err);
    if (rc) return rc;
    uint64_t n = st_evm_addr_nflows(e, id);
    if (from_block >= 0) {
        uint64_t first = ev_addr_first_at(e, id, (uint64_t)from_block);
        if (from < first) from = first;
    }
    uint64_t end = from < n ? (limit < n - from ? from + limit : n) : from;
    json_t *j = json_object(), *list = json_array();
    int ok = j && list && !json_object_set_new(j, "address", json_string(name)) &&
             !json_object_set_new(j, "total", jint(n)) && !json_object_set_new(j, "offset", jint(from));
    for (uint64_t i = from; ok && i < end; i++) {
        uint64_t fid = st_evm_addr_flow(e, id, i);
        st_evm_flow fl;
        st_evm_get_flow(e, fid, &fl);
        const char *dir = fl.from == id ? (fl.to == id ? "self" : "out") : "in";
        json_t *o = json_object();
        int k = o && !json_object_set_new(o, "index", jint(i)) && !json_object_set_new(o, "block", jint(fl.block)) &&
                !json_object_set_new(o, "tx", jtx(e, fl.tx)) && !json_object_set_new(o, "direction", json_string(dir)) &&
                !json_object_set_new(o, "asset", jasset(e, fl.asset, eip55)) &&
                !json_object_set_new(o, "from", jaddr(e, fl.from, eip55)) &&
                !json_object_set_new(o, "to", jaddr(e, fl.to, eip55)) &&
                !json_object_set_new(o, "amount", jamount(&fl.amount)) &&
                !json_object_set_new(o, "kind", json_string(st_evm_kind_name(fl.kind))) &&
                !json_object_set_new(o, "position", jint(fl.position));
        if (!k) json_decref(o);
        ok = k && !json_array_append_new(list, o);
    }
    if (!ok || json_object_set_new(j, "flows", list) ||
        json_object_set_new(j, "next", end < n ? jint(end) : json_null())) {
        if (!ok) json_decref(list);
        json_decref(j);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    *out = j;
    return ST_OK;
}
