/*
 * export.c - reading ethereum-etl's tables: blocks, transactions,
 * receipts, logs, token_transfers, traces and tokens, as CSV or JSON
 * lines, plain or gzip, each recognised by its header (or a line's "type")
 * rather than its file name (exports get renamed and partitioned).
 *
 * Every row is checked whole before anything is kept: a field that is not
 * what its column promises (a number, a 20-byte address, a 32-byte hash)
 * makes the row bad, reported with file and line through the one
 * malformed-record rule of io.h, and the rest of the file is read on.  A
 * header that lacks a column the table needs makes the whole file one bad
 * record at line 1.  Values are kept exact (st_u256); empty means unknown
 * and is kept as "absent", never as zero.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/csv.h"
#include "core/fs.h"
#include "evm/evm_int.h"

#define EV_MAX_FILE ((size_t)16 << 30) /* one mapped export file (gzip: its compressed bytes) */
#define EV_MAX_DEPTH 1100              /* the EVM's call depth limit is 1024 */
#define EV_MAX_WITHDRAWALS 4096        /* per block (16 today) */

int ev_vec_grow(void **v, size_t *cap, size_t n, size_t es) {
    size_t nc = *cap ? *cap * 2 : 64;
    if (nc < n + 1) nc = n + 1;
    if (nc > SIZE_MAX / es) return ST_ENOMEM;
    void *p = st_realloc(*v, nc * es);
    if (!p) return ST_ENOMEM;
    *v = p;
    *cap = nc;
    return ST_OK;
}

void ev_batch_free_rows(ev_batch *b) {
#define FREE_VEC(f) (st_free(b->f.v), memset(&b->f, 0, sizeof b->f))
    FREE_VEC(txs), FREE_VEC(receipts), FREE_VEC(traces), FREE_VEC(tokens), FREE_VEC(blocks);
    FREE_VEC(wd), FREE_VEC(paths), FREE_VEC(token_addrs), FREE_VEC(contracts), FREE_VEC(events);
#undef FREE_VEC
}

void ev_batch_free(ev_batch *b) {
    ev_batch_free_rows(b);
    for (size_t i = 0; i < b->nnames; i++) st_free(b->names[i]);
    st_free(b->names);
    memset(b, 0, sizeof *b);
}

/* ---- field parsers: 0 ok, -1 bad; *has = 0 for an empty field ---- */

static inline int hexv(int c) { return st_hex_digit(c); }

/* s holds len bytes before its NUL (a field's length is known: no strlen) */
static int parse_hex_len(const char *s, size_t len, uint8_t *out, size_t n, uint8_t *has) {
    if (!len || !*s) {
        *has = 0;
        return 0;
    }
    if (len != 2 + 2 * n || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return -1;
    if (st_hex_decode_all(s + 2, out, n)) return -1;
    *has = 1;
    return 0;
}

static int parse_hex_bytes(const char *s, uint8_t *out, size_t n, uint8_t *has) {
    return parse_hex_len(s, strnlen(s, 2 + 2 * n + 1), out, n, has);
}

static int parse_u64(const char *s, uint64_t *out, uint8_t *has) {
    if (!*s) {
        *has = 0;
        return 0;
    }
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    *has = 1;
    return 0;
}

/* A block's time: Unix seconds as ethereum-etl writes them, or UTC text as
 * BigQuery writes it (st_date_parse).  -1 for anything else. */
static int parse_time(const char *s, uint64_t *out, uint8_t *has) {
    int64_t t;
    if (parse_u64(s, out, has) == 0) return 0;
    if (st_date_parse(s, &t)) return -1;
    *out = (uint64_t)t;
    *has = 1;
    return 0;
}

static int parse_amount(const char *s, st_u256 *out, uint8_t *has) {
    if (!*s) {
        *has = 0;
        return 0;
    }
    if (st_u256_parse(s, strlen(s), out)) return -1;
    *has = 1;
    return 0;
}

/* ---- tables ---- */

enum {
    TB_BLOCKS, TB_TXS, TB_RECEIPTS, TB_LOGS, TB_TOKEN_TRANSFERS, TB_TRACES, TB_TOKENS, TB_CONTRACTS, TB_N
};

static const char *const table_names[TB_N] = {"blocks", "transactions", "receipts", "logs", "token_transfers",
                                              "traces", "tokens", "contracts"};

/* Columns each table needs (NULL-terminated), then those it reads when present. */
static const char *const need[TB_N][12] = {
    [TB_BLOCKS] = {"number", "miner", NULL},
    [TB_TXS] = {"hash", "block_number", "transaction_index", "from_address", "to_address", "value", NULL},
    [TB_RECEIPTS] = {"transaction_hash", "block_number", "transaction_index", "gas_used", "status", NULL},
    [TB_LOGS] = {"log_index", "transaction_hash", "block_number", "address", "data", "topics", NULL},
    [TB_TOKEN_TRANSFERS] = {"token_address", "from_address", "to_address", "value", "transaction_hash", "log_index",
                            "block_number", NULL},
    [TB_TRACES] = {"block_number", "transaction_hash", "transaction_index", "from_address", "to_address", "value",
                   "trace_type", "call_type", "trace_address", "error", NULL},
    [TB_TOKENS] = {"address", NULL},
    [TB_CONTRACTS] = {"address", NULL}, /* is_erc721 tells it from a CSV header (table_of_fields) */
};

enum {
    F_NUMBER, F_MINER, F_BASE_FEE, F_WITHDRAWALS, F_HASH, F_BLOCK, F_TXINDEX, F_FROM, F_TO, F_VALUE, F_GAS_PRICE,
    F_TXHASH, F_GAS_USED, F_STATUS, F_EFF_PRICE, F_CONTRACT, F_LOG_INDEX, F_ADDRESS, F_DATA, F_TOPICS, F_TOKEN,
    F_TRACE_TYPE, F_CALL_TYPE, F_TRACE_ADDRESS, F_ERROR, F_R_GAS_USED, F_R_STATUS, F_R_EFF_PRICE, F_R_CONTRACT,
    F_BLOB_GAS, F_BLOB_PRICE, F_R_BLOB_GAS, F_R_BLOB_PRICE, F_TIMESTAMP, F_L1_FEE, F_R_L1_FEE, F_IS_ERC721,
    F_N
};
static const char *const field_names[F_N] = {
    "number", "miner", "base_fee_per_gas", "withdrawals", "hash", "block_number", "transaction_index",
    "from_address", "to_address", "value", "gas_price", "transaction_hash", "gas_used", "status",
    "effective_gas_price", "contract_address", "log_index", "address", "data", "topics", "token_address",
    "trace_type", "call_type", "trace_address", "error", "receipt_gas_used", "receipt_status",
    "receipt_effective_gas_price", "receipt_contract_address", "blob_gas_used", "blob_gas_price",
    "receipt_blob_gas_used", "receipt_blob_gas_price", "timestamp", "l1_fee", "receipt_l1_fee", "is_erc721"};

typedef struct reader {
    ev_batch *b;
    st_csv *csv;
    const char *name;
    int col[F_N]; /* CSV: field -> column, -1 absent */
    const char *jv[F_N]; /* JSON lines: field -> value text of this line, NULL absent */
    uint64_t jseen;      /* JSON lines: the fields this line names, null or not (1 << field) */
    int json;
    uint32_t file;
    int blk_field;     /* the block number row_block read for this row (-1: none) */
    int noted_unused;  /* a line of a table that moves no value was said */
    int noted_shape;   /* a Transfer event of another shape was said */
    int noted_nft;     /* an ERC-721 transfer was said */
    int noted_l1;      /* a receipt's L1 data fee was said */
    uint64_t blk;
} reader;

/* s is the word w: strcmp for the few words a row's enumerations take,
 * inlined (tens of millions of calls at a trace a row); it stops at the
 * first difference, so never reads past s's end. */
static inline int word_is(const char *s, const char *w) {
    size_t i = 0;
    for (; w[i]; i++)
        if (s[i] != w[i]) return 0;
    return !s[i];
}

/* Empty, or a number that is zero ("0", "0x0", "0x"). */
static int zero_text(const char *v) {
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) v += 2;
    while (*v == '0') v++;
    return !*v;
}

static const char *fld(const reader *r, int f) {
    if (r->json) return r->jv[f] ? r->jv[f] : "";
    return r->col[f] < 0 ? "" : st_csv_field(r->csv, (size_t)r->col[f]);
}

/* Whether the table has field f at all (a JSON line naming it null has). */
static int fld_present(const reader *r, int f) {
    return r->json ? (int)(r->jseen >> f & 1) : r->col[f] >= 0;
}

static const char *fldn(const reader *r, int f, size_t *len) {
    if (r->json || r->col[f] < 0) {
        const char *v = fld(r, f);
        *len = strlen(v);
        return v;
    }
    *len = st_csv_field_len(r->csv, (size_t)r->col[f]);
    return st_csv_field(r->csv, (size_t)r->col[f]);
}

/* A hash or address field: as parse_hex_bytes. */
static int hex_field(const reader *r, int f, uint8_t *out, size_t n, uint8_t *has) {
    size_t len;
    const char *v = fldn(r, f, &len);
    /* the field is read as text up to a NUL in it, as everywhere else (an
     * earlier NUL fails the digits) */
    if (len > 2 + 2 * n && !v[2 + 2 * n]) len = 2 + 2 * n;
    return parse_hex_len(v, len, out, n, has);
}

/* The block number field f (F_BLOCK, or F_NUMBER of blocks): read once by
 * row_block when the row was read ahead. */
static int block_field(const reader *r, int f, uint64_t *out, uint8_t *has) {
    if (r->blk_field == f) {
        *out = r->blk;
        *has = 1;
        return 0;
    }
    return parse_u64(fld(r, f), out, has);
}

/* A table an export holds beside the ones read here (BigQuery's
 * balances, a contracts table without is_erc721): nothing in it moves
 * value. */
#define TB_UNUSED (-2)
#define EV_UNUSED_NOTE \
    "a table that moves no value (balances, contracts without is_erc721): its rows are not read"

static void say(reader *r, int code, long line, const char *fmt, const char *what) {
    st_error e;
    st_error_clear(&e);
    st_error_at(&e, code, r->name, line, -1, fmt, what);
    if (r->b->on_bad) r->b->on_bad(r->b->ctx, &e);
}

/* Said once for a file, not a bad row: it changes no exit status. */
static void note(reader *r, long line, const char *fmt, const char *what) { say(r, ST_EINVAL, line, fmt, what); }

static void bad(reader *r, long line, const char *fmt, const char *what) {
    r->b->bad_rows++;
    say(r, ST_EPARSE, line, fmt, what);
}

/* v is a number in a float's form (1e+18, 1.5E18, 1000.0): digits with a
 * point or an exponent, as a spreadsheet or pandas writes an amount */
static int float_form(const char *v) {
    size_t i = 0, digits = 0;
    int point = 0;
    if (v[i] == '+' || v[i] == '-') i++;
    for (; (v[i] >= '0' && v[i] <= '9') || (v[i] == '.' && !point); i++) {
        if (v[i] == '.') point = 1;
        else digits++;
    }
    if (!digits) return 0;
    if (v[i] == 'e' || v[i] == 'E') {
        i++;
        if (v[i] == '+' || v[i] == '-') i++;
        if (v[i] < '0' || v[i] > '9') return 0;
        while (v[i] >= '0' && v[i] <= '9') i++;
        return !v[i];
    }
    return point && !v[i];
}

/* What a column of the tables holds, for the report of a value that is
 * not it (v: the value, "" when the row has none). */
static const char *col_holds(const char *col, const char *v) {
    size_t n = strlen(col);
    if (!strcmp(col, "status")) return "0 or 1";
    if (!strcmp(col, "trace_address")) return "call positions (0,2,1)";
    if (!strcmp(col, "trace_type")) return "a trace type (call, create, suicide, reward, genesis, daofork)";
    if ((n >= 7 && !strcmp(col + n - 7, "address")) || !strcmp(col, "miner")) return "an address (0x and 40 hex digits)";
    if (n >= 4 && !strcmp(col + n - 4, "hash")) return "a hash (0x and 64 hex digits)";
    if (!strcmp(col, "value") || strstr(col, "price") || !strcmp(col, "amount")) {
        if (*v == '-') return "a whole number of zero or more (an amount is never negative)";
        if (float_form(v))
            return "a whole number in decimal digits or 0x hex (a float's form, 1e+18 or 1000.0, cannot carry an "
                   "amount in wei exactly)";
        return "a whole number (decimal digits, or 0x hex) below 2^256";
    }
    return "a whole number";
}

/* A column whose value is not what the column holds: named with the
 * value (its first 40 bytes, other than printable ASCII as '?') and what it should be. */
static void bad_col(reader *r, long line, const char *col) {
    const char *v = "";
    for (int f = 0; f < F_N; f++)
        if (!strcmp(field_names[f], col)) v = fld(r, f);
    char msg[400], shown[48];
    size_t k = 0;
    for (; k < 40 && v[k]; k++) shown[k] = (unsigned char)v[k] < 0x20 || (unsigned char)v[k] >= 0x7f ? '?' : v[k];
    shown[k] = 0;
    if (*v)
        snprintf(msg, sizeof msg, "%s is not what the column holds: '%s%s' is not %s", col, shown, v[k] ? "..." : "",
                 col_holds(col, v));
    else
        snprintf(msg, sizeof msg, "%s is not what the column holds (%s)", col, col_holds(col, v));
    bad(r, line, "%s", msg);
}

/* ---- rows ---- */

static const char transfer_topic[] = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
static const char deposit_topic[] = "0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c";
static const char withdrawal_topic[] = "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65";
/* Wrapped Ether on mainnet, 0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2: only its events count (anyone
 * can emit an event with the same signature) */
static const uint8_t weth[20] = {0xc0, 0x2a, 0xaa, 0x39, 0xb2, 0x23, 0xfe, 0x8d, 0x0a, 0x0e,
                                 0x5c, 0x4f, 0x27, 0xea, 0xd9, 0x08, 0x3c, 0x75, 0x6c, 0xc2};

/* 32-byte topic holding an address: 24 zero digits then 40 */
/* [p, p + n) is 0x and hex digits, a whole number of bytes */
static int hex_text(const char *p, size_t n) {
    if (n < 2 || n % 2 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) return 0;
    unsigned bad = 0;
    for (size_t i = 2; i < n; i++) bad |= st_hex_table[(uint8_t)p[i]];
    return !(bad & 0x80);
}

/* A log topic [t, t + n): 0x and 32 bytes into out, 0; or -1 (16 digits
 * at a time, as every hash: a Transfer's two topics are most of a logs
 * row's digits) */
static int topic_word(const char *t, size_t n, uint8_t out[32]) {
    uint8_t has = 0;
    return n == 66 && !parse_hex_len(t, n, out, 32, &has) && has ? 0 : -1;
}

/* A topic that is an address padded with zeros, its 20 bytes into out */
static int topic_addr(const char *t, size_t n, uint8_t out[20]) {
    static const uint8_t zero[12];
    uint8_t w[32];
    if (topic_word(t, n, w) || memcmp(w, zero, 12)) return -1;
    memcpy(out, w + 12, 20);
    return 0;
}

int ev_topic_is(const char *t, const char *sig) {
    if (t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) return 0;
    for (size_t i = 2; i < 66; i++) {
        char c = t[i] >= 'A' && t[i] <= 'F' ? (char)(t[i] + ('a' - 'A')) : t[i];
        if (c != sig[i]) return 0;
    }
    return 1;
}

/* A log of a token event's topic that moves no token: said once a file. */
static int shape_note(reader *r, long line, const char *msg) {
    if (!r->noted_shape) note(r, line, "%s", msg);
    r->noted_shape = 1;
    return 0;
}

/* The withdrawals as ethereum-etl writes them, read without building a
 * JSON tree (jansson's tree of every block's sixteen entries was a
 * twentieth of an ingest): objects of plain keys and values, numbers of at
 * most 18 digits with no leading zero, ASCII strings with no escape or
 * control byte, address and amount once each.  1 read (the entries
 * pushed), 0 something else (nothing pushed: the JSON reader decides it),
 * ST_ENOMEM. */
static _Atomic int ev_wd_fast = 1; /* tests and the fuzz target compare both readings */

void ev_withdrawals_fast(int on) { ev_wd_fast = on; }

static const char *wd_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* "text" (no escape, no control byte, at most max bytes): the byte past its
 * closing quote, or NULL */
static const char *wd_str(const char *p, const char **s, size_t *n, size_t max) {
    if (*p != '"') return NULL;
    const char *q = ++p;
    while (*q && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80) q++;
    if (*q != '"' || (size_t)(q - p) > max) return NULL;
    *s = p, *n = (size_t)(q - p);
    return q + 1;
}

/* digits as JSON has them (no leading zero), at most 18 */
static const char *wd_num(const char *p, uint64_t *v) {
    const char *q = p;
    uint64_t x = 0;
    while (*q >= '0' && *q <= '9') x = x * 10 + (uint64_t)(*q++ - '0');
    size_t n = (size_t)(q - p);
    if (!n || n > 18 || (n > 1 && *p == '0') || *q == '.' || *q == 'e' || *q == 'E') return NULL;
    *v = x;
    return q;
}

static int wd_fast(reader *r, const char *w) {
    size_t start = r->b->wd.n;
    const char *p = w;
    int bracket = *p == '['; /* as the JSON reader: else the field is wrapped in one */
    p = wd_ws(bracket ? p + 1 : p);
    while (*p == '{') {
        const char *addr = NULL, *amt_s = NULL;
        size_t addr_n = 0, amt_n = 0;
        uint64_t amt = 0;
        int have_amt = 0;
        p = wd_ws(p + 1);
        while (*p == '"') {
            const char *k, *vs;
            size_t kn, vn;
            uint64_t v;
            if (!(p = wd_str(p, &k, &kn, 64)) || *(p = wd_ws(p)) != ':') goto no;
            p = wd_ws(p + 1);
            int is_addr = kn == 7 && !memcmp(k, "address", 7), is_amt = kn == 6 && !memcmp(k, "amount", 6);
            if (*p == '"') {
                if (!(p = wd_str(p, &vs, &vn, 100))) goto no;
                if (is_addr) {
                    if (addr) goto no;
                    addr = vs, addr_n = vn;
                } else if (is_amt) {
                    if (have_amt) goto no;
                    amt_s = vs, amt_n = vn, have_amt = 1;
                }
            } else {
                if (!(p = wd_num(p, &v)) || is_addr) goto no;
                if (is_amt) {
                    if (have_amt) goto no;
                    amt = v, have_amt = 1;
                }
            }
            p = wd_ws(p);
            if (*p == ',') {
                if (*(p = wd_ws(p + 1)) != '"') goto no; /* a key follows a comma */
            } else if (*p != '}')
                goto no;
        }
        if (*p != '}' || !addr || !have_amt || r->b->wd.n - start >= EV_MAX_WITHDRAWALS) goto no;
        char a[101], m[101];
        memcpy(a, addr, addr_n), a[addr_n] = 0;
        ev_withdrawal *wd = EV_PUSH(r->b->wd);
        if (!wd) return ST_ENOMEM;
        uint8_t has = 0;
        st_u256 gwei;
        if (parse_hex_bytes(a, wd->addr, 20, &has) || !has) goto no;
        if (amt_s) {
            memcpy(m, amt_s, amt_n), m[amt_n] = 0;
            if (parse_amount(m, &gwei, &has) || !has) goto no;
        } else
            gwei = st_u256_from_u64(amt);
        if (st_u256_mul_u64(&wd->amount, &gwei, 1000000000ULL)) goto no;
        p = wd_ws(p + 1);
        if (*p != ',') break;
        if (*(p = wd_ws(p + 1)) != '{') goto no; /* an entry follows a comma */
    }
    if (bracket && *p == ']') p = wd_ws(p + 1);
    else if (bracket) goto no;
    if (*p || r->b->wd.n == start) goto no;
    return 1;
no:
    r->b->wd.n = start;
    return 0;
}

static int row_withdrawals(reader *r, ev_block *blk, long line) {
    const char *w = fld(r, F_WITHDRAWALS);
    blk->first_wd = (uint32_t)r->b->wd.n;
    if (!*w) return 0;
    int fast = ev_wd_fast ? wd_fast(r, w) : 0;
    if (fast == ST_ENOMEM) return ST_ENOMEM;
    if (fast) {
        blk->nwd = (uint32_t)(r->b->wd.n - blk->first_wd);
        return 0;
    }
    size_t n = strlen(w);
    json_error_t je;
    json_t *j;
    if (w[0] == '[') j = json_loadb(w, n, 0, &je);
    else {
        char *t = st_malloc(n + 3);
        if (!t) return ST_ENOMEM;
        t[0] = '[';
        memcpy(t + 1, w, n);
        t[n + 1] = ']';
        t[n + 2] = 0;
        j = json_loadb(t, n + 2, 0, &je);
        st_free(t);
    }
    if (!json_is_array(j) || json_array_size(j) > EV_MAX_WITHDRAWALS) {
        json_decref(j);
        bad(r, line, "withdrawals: %s", "not a JSON list of {address, amount}");
        return -1;
    }
    size_t i;
    json_t *x;
    size_t start = r->b->wd.n;
    json_array_foreach(j, i, x) {
        ev_withdrawal *wd = EV_PUSH(r->b->wd);
        if (!wd) {
            json_decref(j);
            return ST_ENOMEM;
        }
        json_t *a = json_object_get(x, "address"), *m = json_object_get(x, "amount");
        uint8_t has = 0;
        st_u256 gwei;
        int ok = json_is_string(a) && !parse_hex_bytes(json_string_value(a), wd->addr, 20, &has) && has;
        if (ok && json_is_integer(m) && json_integer_value(m) >= 0) gwei = st_u256_from_u64((uint64_t)json_integer_value(m));
        else if (ok && json_is_string(m)) ok = !parse_amount(json_string_value(m), &gwei, &has) && has;
        else ok = 0;
        if (!ok || st_u256_mul_u64(&wd->amount, &gwei, 1000000000ULL)) {
            r->b->wd.n = start;
            json_decref(j);
            bad(r, line, "withdrawals: %s", "an entry lacks a valid address or amount");
            return -1;
        }
    }
    json_decref(j);
    blk->nwd = (uint32_t)(r->b->wd.n - start);
    return 0;
}

/* One row of table tb: 0 kept, -1 bad (reported), or ST_ENOMEM. */
static int read_row(reader *r, int tb, long line) {
    ev_batch *b = r->b;
    uint8_t has;
    switch (tb) {
    case TB_BLOCKS: {
        ev_block *x = EV_PUSH(b->blocks);
        if (!x) return ST_ENOMEM;
        x->file = r->file;
        if (block_field(r, F_NUMBER, &x->number, &has) || !has) goto bad_number;
        if (hex_field(r, F_MINER, x->miner, 20, &x->has_miner)) goto bad_miner;
        if (parse_amount(fld(r, F_BASE_FEE), &x->base_fee, &x->has_base_fee)) goto bad_fee;
        if (parse_time(fld(r, F_TIMESTAMP), &x->time, &x->has_time)) x->has_time = 0; /* tag dates, forks */
        /* Cancun's blocks carry blob gas; a table with the field and none
         * in this row is older; a table without it says nothing */
        x->cancun = (int8_t)(*fld(r, F_BLOB_GAS) ? 1 : fld_present(r, F_BLOB_GAS) ? 0 : -1);
        int w = row_withdrawals(r, x, line);
        if (w) {
            b->blocks.n--;
            return w == ST_ENOMEM ? ST_ENOMEM : -1;
        }
        return 0;
    bad_number:
        b->blocks.n--;
        bad(r, line, "%s is not a block number", "number");
        return -1;
    bad_miner:
        b->blocks.n--;
        bad(r, line, "%s is not a 20-byte address", "miner");
        return -1;
    bad_fee:
        b->blocks.n--;
        bad(r, line, "%s is not a number", "base_fee_per_gas");
        return -1;
    }
    case TB_TXS:
    case TB_RECEIPTS: {
        ev_txrow *x = tb == TB_TXS ? EV_PUSH(b->txs) : EV_PUSH(b->receipts);
        if (!x) return ST_ENOMEM;
        size_t *n = tb == TB_TXS ? &b->txs.n : &b->receipts.n;
        x->file = r->file;
        x->status = -1;
        uint64_t v = 0;
        const char *what = NULL;
        if (hex_field(r, tb == TB_TXS ? F_HASH : F_TXHASH, x->hash, 32, &x->has_hash) || !x->has_hash)
            what = tb == TB_TXS ? "hash" : "transaction_hash";
        else if (block_field(r, F_BLOCK, &x->block, &has) || !has) what = "block_number";
        else if (parse_u64(fld(r, F_TXINDEX), &v, &has) || (has && v >= UINT32_MAX)) what = "transaction_index";
        else {
            x->index = has ? (uint32_t)v : UINT32_MAX;
            int fs = tb == TB_TXS ? F_R_STATUS : F_STATUS, fg = tb == TB_TXS ? F_R_GAS_USED : F_GAS_USED;
            int fe = tb == TB_TXS ? F_R_EFF_PRICE : F_EFF_PRICE, fc = tb == TB_TXS ? F_R_CONTRACT : F_CONTRACT;
            const char *st = fld(r, fs);
            if (tb == TB_TXS && (hex_field(r, F_FROM, x->from, 20, &x->has_from)))
                what = "from_address";
            else if (tb == TB_TXS && hex_field(r, F_TO, x->to, 20, &x->has_to)) what = "to_address";
            else if (tb == TB_TXS && parse_amount(fld(r, F_VALUE), &x->value, &x->has_value)) what = "value";
            else if (parse_amount(fld(r, F_GAS_PRICE), &x->gas_price, &x->has_gas_price)) what = "gas_price";
            else if (parse_u64(fld(r, fg), &x->gas_used, &x->has_gas_used)) what = "gas_used";
            else if (parse_amount(fld(r, fe), &x->eff_price, &x->has_eff)) what = "effective_gas_price";
            else if (hex_field(r, fc, x->contract, 20, &x->has_contract)) what = "contract_address";
            else if (parse_u64(fld(r, tb == TB_TXS ? F_R_BLOB_GAS : F_BLOB_GAS), &x->blob_gas, &x->has_blob_gas))
                what = "blob_gas_used";
            else if (parse_amount(fld(r, tb == TB_TXS ? F_R_BLOB_PRICE : F_BLOB_PRICE), &x->blob_price,
                                  &x->has_blob_price))
                what = "blob_gas_price";
            else if (*st && !word_is(st, "0") && !word_is(st, "1")) what = "status";
            else x->status = *st ? (int8_t)(st[0] - '0') : -1;
            if (!what && !r->noted_l1 && !zero_text(fld(r, tb == TB_RECEIPTS ? F_L1_FEE : F_R_L1_FEE))) {
                /* a rollup's receipt (OP Stack; ethereum-etl stream merges it into the transaction as
                 * receipt_l1_fee): its sender also paid for the L1 data */
                note(r, line, "%s",
                     "receipts with an L1 data fee (l1_fee: a rollup's export, not Ethereum's): fees are counted "
                     "as on Ethereum (gas used x price, the base fee burnt, the tip to the miner) and leave "
                     "the L1 fee out, so balances there differ from the chain's (said once)");
                r->noted_l1 = 1;
            }
        }
        if (what) {
            (*n)--;
            bad_col(r, line, what);
            return -1;
        }
        return 0;
    }
    case TB_LOGS: {
        const char *topics = fld(r, F_TOPICS), *data = fld(r, F_DATA);
        ev_token t;
        memset(&t, 0, sizeof t);
        t.file = r->file;
        uint64_t v = 0;
        const char *what = NULL;
        if (parse_u64(fld(r, F_LOG_INDEX), &t.log_index, &has) || !has) what = "log_index";
        else if (hex_field(r, F_TXHASH, t.txhash, 32, &has) || !has) what = "transaction_hash";
        else if (block_field(r, F_BLOCK, &t.block, &has) || !has) what = "block_number";
        else if (hex_field(r, F_ADDRESS, t.token, 20, &has) || !has) what = "address";
        else if (parse_u64(fld(r, F_TXINDEX), &v, &has) || (has && v >= UINT32_MAX)) what = "transaction_index";
        if (what) {
            bad_col(r, line, what);
            return -1;
        }
        t.txindex = has ? (uint32_t)v : UINT32_MAX;
        /* topic0 decides the event: a Transfer, WETH's Deposit or
         * Withdrawal, or another (kept when the tracer reads it) */
        const char *c1 = strchr(topics, ',');
        size_t t0 = c1 ? (size_t)(c1 - topics) : strlen(topics), nd = strlen(data);
        int nt = *topics ? 1 : 0;
        for (const char *q = c1; q; q = strchr(q + 1, ',')) nt++;
        if (nt == 2 && t0 == 66 && !memcmp(t.token, weth, 20) &&
            (ev_topic_is(topics, deposit_topic) || ev_topic_is(topics, withdrawal_topic))) {
            /* WETH Deposit(dst, wad) mints to dst, Withdrawal(src, wad) burns from src */
            int dep = ev_topic_is(topics, deposit_topic);
            if (topic_addr(c1 + 1, strlen(c1 + 1), dep ? t.to : t.from)) {
                bad(r, line, "%s: a WETH event's topic is not an address", "topics");
                return -1;
            }
            if (nd != 66 || st_u256_parse(data, 66, &t.value)) {
                if (!hex_text(data, nd)) {
                    bad(r, line, "%s: a token event's topics or data are not hex words", "data");
                    return -1;
                }
                return shape_note(r, line,
                                  "a WETH Deposit or Withdrawal without one 32-byte amount: no token moved "
                                  "(said once a file)");
            }
            t.no_from = (uint8_t)dep;
            t.no_to = (uint8_t)!dep;
        } else if (t0 != 66 || !ev_topic_is(topics, transfer_topic))
            return ev_event_take(b, &t, topics, data); /* another event: swaps and bridges keep it */
        else {
            /* Transfer(from, to, value), its three words the topics after
             * topic0 then the data's 32-byte words (the last may be
             * shorter), four words in all with
             * topic0, as ethereum-etl's extractor takes them: ERC-20's
             * indexed addresses (three topics) and the older shapes with
             * unindexed ones (one or two).  Four topics are ERC-721's: the
             * third word is a token id, not an amount; such a log moves no
             * fungible value, and is kept only so that the same transfer
             * read from token_transfers is not taken for one (the join). */
            if (nd && !hex_text(data, nd)) { /* no data: "0x", or empty */
                bad(r, line, "%s: a token event's topics or data are not hex words", "data");
                return -1;
            }
            uint8_t w[3][32] = {{0}}, extra[32] = {0}; /* written by topic_word; zeroed for the checker */
            int k = 0;
            for (const char *q = c1; q; k++) { /* every topic a word, whatever the shape; three kept */
                const char *e = strchr(q + 1, ',');
                if (topic_word(q + 1, e ? (size_t)(e - q - 1) : strlen(q + 1), k < 3 ? w[k] : extra)) {
                    bad(r, line, "%s: a token event's topics or data are not hex words", "topics");
                    return -1;
                }
                q = e;
            }
            size_t nw = nd > 2 ? (nd - 2 + 63) / 64 : 0;
            if (nt + nw != 4)
                return shape_note(r, line,
                                  "a Transfer event whose topics and data words are not four in all "
                                  "(ethereum-etl's extractor skips it too): no token moved (said once a file)");
            if (nt == 4) { /* ERC-721: a marker, no flow */
                t.nft = 1;
                if (!r->noted_nft)
                    note(r, line, "%s",
                         "ERC-721 transfers (a Transfer with four topics: the third is a token id, not an "
                         "amount) move no fungible value: not flows (said once a file)");
                r->noted_nft = 1;
            } else {
                for (k = nt - 1; k < 3; k++) { /* the rest from the data, the amount last */
                    /* the data cut in 64 digits as the extractor cuts it: a shorter last piece is
                     * the amount's low digits */
                    size_t at = 2 + 64 * (size_t)(k - (nt - 1)), len = nd - at < 64 ? nd - at : 64;
                    char word[67];
                    word[0] = '0', word[1] = 'x';
                    memset(word + 2, '0', 64 - len);
                    memcpy(word + 2 + 64 - len, data + at, len);
                    word[66] = 0;
                    if (topic_word(word, 66, w[k]) || (k == 2 && st_u256_parse(word, 66, &t.value))) {
                        bad(r, line, "%s: a token event's topics or data are not hex words", "data");
                        return -1;
                    }
                }
                /* an address is its word's low 20 bytes, as the extractor
                 * takes it (a compiler pads with zeros) */
                memcpy(t.from, w[0] + 12, 20), memcpy(t.to, w[1] + 12, 20);
            }
        }
        ev_token *x = EV_PUSH(b->tokens);
        if (!x) return ST_ENOMEM;
        *x = t;
        x->from_logs = 1;
        return 0;
    }
    case TB_TOKEN_TRANSFERS: {
        ev_token t;
        memset(&t, 0, sizeof t);
        t.txindex = UINT32_MAX;
        t.file = r->file;
        const char *what = NULL;
        if (hex_field(r, F_TOKEN, t.token, 20, &has) || !has) what = "token_address";
        else if (hex_field(r, F_FROM, t.from, 20, &has) || !has) what = "from_address";
        else if (hex_field(r, F_TO, t.to, 20, &has) || !has) what = "to_address";
        else if (parse_amount(fld(r, F_VALUE), &t.value, &has) || !has) what = "value";
        else if (hex_field(r, F_TXHASH, t.txhash, 32, &has) || !has) what = "transaction_hash";
        else if (parse_u64(fld(r, F_LOG_INDEX), &t.log_index, &has) || !has) what = "log_index";
        else if (block_field(r, F_BLOCK, &t.block, &has) || !has) what = "block_number";
        if (what) {
            bad_col(r, line, what);
            return -1;
        }
        ev_token *x = EV_PUSH(b->tokens);
        if (!x) return ST_ENOMEM;
        *x = t;
        return 0;
    }
    case TB_TRACES: {
        ev_trace t;
        memset(&t, 0, sizeof t);
        t.status = -1;
        uint64_t v = 0;
        const char *what = NULL, *type = fld(r, F_TRACE_TYPE), *ct = fld(r, F_CALL_TYPE), *st = fld(r, F_STATUS);
        if (block_field(r, F_BLOCK, &t.block, &has) || !has) what = "block_number";
        else if (hex_field(r, F_TXHASH, t.txhash, 32, &t.has_hash)) what = "transaction_hash";
        else if (parse_u64(fld(r, F_TXINDEX), &v, &t.has_txindex) || (t.has_txindex && v >= UINT32_MAX))
            what = "transaction_index";
        else if (hex_field(r, F_FROM, t.from, 20, &t.has_from)) what = "from_address";
        else if (hex_field(r, F_TO, t.to, 20, &t.has_to)) what = "to_address";
        else if (parse_amount(fld(r, F_VALUE), &t.value, &has)) what = "value";
        else if (*st && !word_is(st, "0") && !word_is(st, "1")) what = "status";
        if (!what) {
            t.txindex = t.has_txindex ? (uint32_t)v : 0;
            t.status = *st ? (int8_t)(st[0] - '0') : -1;
            t.error = *fld(r, F_ERROR) != 0;
            t.type = word_is(type, "call")      ? EV_T_CALL
                     : word_is(type, "create") || word_is(type, "create2") ? EV_T_CREATE
                     : word_is(type, "suicide") ? EV_T_SUICIDE
                     : word_is(type, "reward")  ? EV_T_REWARD
                                                : EV_T_OTHER;
            if (t.type == EV_T_OTHER && !word_is(type, "genesis") && !word_is(type, "daofork")) what = "trace_type";
            t.novalue = word_is(ct, "delegatecall") || word_is(ct, "callcode") || word_is(ct, "staticcall");
        }
        /* trace_address: "" (top level) or comma-separated child indexes */
        const char *ta = fld(r, F_TRACE_ADDRESS);
        size_t start = b->paths.n;
        if (!what && *ta) {
            const char *p = ta;
            for (;;) {
                uint64_t k = 0;
                int nd = 0;
                while (*p >= '0' && *p <= '9' && nd < 10) k = k * 10 + (uint64_t)(*p++ - '0'), nd++;
                if (!nd || k >= UINT32_MAX || b->paths.n - start >= EV_MAX_DEPTH) {
                    what = "trace_address";
                    break;
                }
                uint32_t *slot = EV_PUSH(b->paths);
                if (!slot) return ST_ENOMEM;
                *slot = (uint32_t)k;
                if (!*p) break;
                if (*p++ != ',') {
                    what = "trace_address";
                    break;
                }
            }
        }
        if (what) {
            b->paths.n = start;
            bad_col(r, line, what);
            return -1;
        }
        if (!t.has_hash && !t.has_txindex && t.type != EV_T_REWARD && t.type != EV_T_OTHER) {
            b->paths.n = start;
            bad(r, line, "%s", "a trace names neither transaction_hash nor transaction_index");
            return -1;
        }
        t.path_off = (uint32_t)start;
        t.depth = (uint32_t)(b->paths.n - start);
        t.file = r->file;
        t.seq = b->seq++;
        ev_trace *x = EV_PUSH(b->traces);
        if (!x) return ST_ENOMEM;
        *x = t;
        return 0;
    }
    case TB_TOKENS:
    case TB_CONTRACTS: {
        uint8_t a[20];
        if (hex_field(r, F_ADDRESS, a, 20, &has) || !has) {
            bad(r, line, "%s is not a 20-byte address", "address");
            return -1;
        }
        if (tb == TB_CONTRACTS) { /* the join reads their token transfers by it */
            const char *v = fld(r, F_IS_ERC721);
            uint8_t nft = !strcasecmp(v, "true") || !strcmp(v, "1");
            if (!nft && *v && strcasecmp(v, "false") && strcmp(v, "0")) {
                bad(r, line, "%s is not true or false", "is_erc721");
                return -1;
            }
            if (!*v) return 0; /* says nothing */
            if (!nft && b->contracts.n >= EV_CONTRACTS_MAX) return 0; /* taken as not named (join) */
            ev_contract *x = EV_PUSH(b->contracts);
            if (!x) return ST_ENOMEM;
            memcpy(x->addr, a, 20);
            x->nft = nft;
            return 0;
        }
        for (int i = 0; i < 20; i++) {
            uint8_t *x = EV_PUSH(b->token_addrs);
            if (!x) return ST_ENOMEM;
            *x = a[i];
        }
        return 0;
    }
    }
    return -1;
}

/* ---- JSON lines: one flat object a line, as ethereum-etl writes ----
 *
 * Values are kept as text: numbers exactly as written (wei amounts exceed
 * every JSON library's integers), strings unescaped, null as absent, an
 * array of scalars (topics, trace_address) joined with commas as the CSV
 * export writes it, and the withdrawals array as its raw JSON text.  The
 * table comes from the line's "type" (block, transaction, receipt, log,
 * token_transfer, trace, token, contract). */

#define EV_JSON_MAX_KEYS 128

/* end of the JSON value starting at p (string, array or object: matched
 * brackets outside strings), or NULL */
static const char *jl_skip(const char *p, const char *end) {
    int depth = 0, instr = 0;
    for (const char *q = p; q < end; q++) {
        if (instr) {
            if (*q == '\\') q++;
            else if (*q == '"') {
                instr = 0;
                if (!depth) return q + 1;
            }
        } else if (*q == '"') instr = 1;
        else if (*q == '[' || *q == '{') depth++;
        else if (*q == ']' || *q == '}') {
            if (--depth < 0) return NULL;
            if (!depth) return q + 1;
        }
    }
    return NULL;
}

/* the four hex digits of a \u escape at p into *v: the position after
 * them, or NULL */
static const char *jl_u4(const char *p, const char *end, unsigned *v) {
    if (end - p < 4) return NULL;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexv(p[i]);
        if (h < 0) return NULL;
        *v = *v * 16 + (unsigned)h;
    }
    return p + 4;
}

/* a JSON string at p (after the opening quote) unescaped into out; the
 * position after the closing quote, or NULL */
static const char *jl_string(const char *p, const char *end, char *out, size_t cap, size_t *n) {
    size_t k = 0;
    while (p < end && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            if (p >= end) return NULL;
            c = *p++;
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c == 'r') c = '\r';
            else if (c == 'b') c = '\b';
            else if (c == 'f') c = '\f';
            else if (c == 'u') { /* \uXXXX (a pair for past U+FFFF) written as UTF-8: Python's json
                                  * escapes every non-ASCII letter, as in a token's name */
                unsigned v, lo;
                if (!(p = jl_u4(p, end, &v))) return NULL;
                if (v >= 0xd800 && v < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' && jl_u4(p + 2, end, &lo) &&
                    lo >= 0xdc00 && lo < 0xe000) {
                    v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                } else if (v == 0 || (v >= 0xd800 && v < 0xe000))
                    v = 0xfffd; /* NUL, or half a pair: the replacement character, the line kept */
                if (v >= 0x80) {
                    unsigned char u[4];
                    size_t nu = v < 0x800 ? 2 : v < 0x10000 ? 3 : 4;
                    static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
                    for (size_t i = nu - 1; i > 0; i--, v >>= 6) u[i] = (unsigned char)(0x80 | (v & 0x3f));
                    u[0] = (unsigned char)(lead[nu] | v);
                    if (k + nu >= cap) return NULL;
                    memcpy(out + k, u, nu);
                    k += nu;
                    continue;
                }
                c = (char)v;
            } else if (c != '"' && c != '\\' && c != '/') return NULL;
        } else if ((unsigned char)c < 0x20) return NULL;
        if (k + 1 >= cap) return NULL;
        out[k++] = c;
    }
    if (p >= end) return NULL;
    out[k] = 0;
    *n = k;
    return p + 1;
}

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* Telling a table from its columns: a CSV header, or the keys of a JSON
 * line that names no "type", as BigQuery's crypto_ethereum exports do. */
_Static_assert(F_N <= 64, "a field's bit in a uint64_t");

/* Names no table here reads, that still tell a table (a bit each). */
enum { X_TOKEN_META = 1, X_UNUSED = 2 };
static int extra_key(const char *k) {
    static const char *const meta[] = {"symbol", "name", "decimals", "total_supply"};
    for (size_t i = 0; i < sizeof meta / sizeof *meta; i++)
        if (!strcmp(k, meta[i])) return X_TOKEN_META;
    return !strcmp(k, "bytecode") || !strcmp(k, "function_sighashes") || !strcmp(k, "eth_balance") ? X_UNUSED : 0;
}

/* Whose columns these are (seen: a bit per field present; extra: X_*):
 * TB_*, TB_UNUSED, or -1.  Keys that may be null are not relied on alone
 * (BigQuery may leave a null out: a log with no topics, a token with no
 * symbol). */
static int table_of_fields(uint64_t seen, int extra) {
#define HAS(f) (seen >> (f) & 1)
    if (HAS(F_TRACE_TYPE)) return TB_TRACES;
    if (HAS(F_TOKEN)) return TB_TOKEN_TRANSFERS;
    if (HAS(F_TOPICS) || (HAS(F_LOG_INDEX) && HAS(F_DATA))) return TB_LOGS;
    if (HAS(F_GAS_USED) && HAS(F_TXHASH)) return TB_RECEIPTS;
    if (HAS(F_HASH) && HAS(F_FROM)) return TB_TXS;
    if (HAS(F_MINER)) return TB_BLOCKS;
    if (HAS(F_IS_ERC721) && HAS(F_ADDRESS)) return TB_CONTRACTS;
    if (extra & X_UNUSED) return TB_UNUSED;
    if (HAS(F_ADDRESS) && (extra & X_TOKEN_META)) return TB_TOKENS;
#undef HAS
    return -1;
}

static int json_table(const char *type) {
    static const char *const types[TB_N] = {"block", "transaction", "receipt", "log", "token_transfer", "trace",
                                            "token", "contract"};
    for (int t = 0; t < TB_N; t++)
        if (!strcmp(type, types[t])) return t;
    return -1;
}

/* One line [p, end) parsed into r->jv (values in scratch): 0 with *tb its
 * table, or -1 with *why. */
static int json_parse_line(reader *r, const char *p, const char *end, char *scratch, size_t cap, int *tb,
                           const char **why) {
    size_t used = 0;
    for (int f = 0; f < F_N; f++) r->jv[f] = NULL;
    char type[32] = "";
    uint64_t seen = 0; /* keys present, null or not: the table when no "type" names it */
    int extra = 0;
    *why = "not one JSON object";
    p = skip_ws(p, end);
    if (p >= end || *p++ != '{') goto bad;
    p = skip_ws(p, end);
    if (p < end && *p == '}') p++;
    else
        for (int nkeys = 0;; nkeys++) {
            char key[64];
            size_t kn;
            if (nkeys >= EV_JSON_MAX_KEYS || p >= end || *p != '"' ||
                !(p = jl_string(p + 1, end, key, sizeof key, &kn)))
                goto bad;
            p = skip_ws(p, end);
            if (p >= end || *p++ != ':') goto bad;
            p = skip_ws(p, end);
            if (p >= end) goto bad;
            char *val = scratch + used;
            size_t vn = 0;
            if (*p == '"') {
                if (!(p = jl_string(p + 1, end, val, cap - used, &vn))) goto bad;
            } else if (*p == '[' || *p == '{') {
                const char *q = jl_skip(p, end);
                if (!q || (size_t)(q - p) + 1 > cap - used) goto bad;
                if (!strcmp(key, "withdrawals") || *p == '{') { /* kept as JSON */
                    memcpy(val, p, (size_t)(q - p));
                    vn = (size_t)(q - p);
                } else if (!strcmp(key, "topics") || !strcmp(key, "trace_address")) {
                    /* scalars joined with commas as CSV writes them, strings unescaped (no longer
                     * than as written: the room was checked above) */
                    const char *x = skip_ws(p + 1, q - 1);
                    for (int k = 0; x < q - 1; k++) {
                        if (k) val[vn++] = ',';
                        if (*x == '"') {
                            size_t sn;
                            if (!(x = jl_string(x + 1, q - 1, val + vn, cap - used - vn, &sn))) goto bad;
                            vn += sn;
                        } else
                            while (x < q - 1 && *x != ',' && *x != ' ' && *x != '\t' && *x != '\r' &&
                                   *x != '\n')
                                val[vn++] = *x++;
                        x = skip_ws(x, q - 1);
                        if (x < q - 1 && *x++ != ',') goto bad;
                        x = skip_ws(x, q - 1);
                    }
                } else /* another key's: scalars joined with commas (not read) */
                    for (const char *x = p + 1; x < q - 1; x++)
                        if (*x != '"' && *x != ' ' && *x != '\t' && *x != '\r' && *x != '\n') val[vn++] = *x;
                p = q;
            } else {
                const char *q = p;
                while (q < end && *q != ',' && *q != '}' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n') q++;
                vn = (size_t)(q - p);
                if (!vn || vn + 1 > cap - used) goto bad;
                memcpy(val, p, vn);
                if (vn == 4 && !memcmp(val, "null", 4)) vn = 0, val = NULL;
                p = q;
            }
            int f = 0;
            while (f < F_N && strcmp(key, field_names[f])) f++;
            if (f < F_N) {
                seen |= (uint64_t)1 << f;
                if (val && !r->jv[f]) r->jv[f] = val;
            } else extra |= extra_key(key);
            if (val) {
                val[vn] = 0;
                used += vn + 1;
                if (!strcmp(key, "type")) snprintf(type, sizeof type, "%s", val);
            }
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p = skip_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            goto bad;
        }
    if (skip_ws(p, end) != end) goto bad;
    r->jseen = seen;
    *tb = type[0] ? json_table(type) : table_of_fields(seen, extra);
    if (*tb == TB_CONTRACTS && !(seen >> F_IS_ERC721 & 1)) *tb = TB_UNUSED; /* nothing read in it */
    if (*tb == -1) {
        *why = type[0] ? "its \"type\" is no ethereum-etl table (block, transaction, receipt, log, token_transfer, "
                         "trace, token, contract)"
                       : "no \"type\", and its keys are those of no ethereum-etl table";
        goto bad;
    }
    return 0;
bad:
    return -1;
}

/* A parsed line's row: the keys its table needs, then the row.  0 kept or
 * reported, ST_ENOMEM. */
static int json_dispatch(reader *r, int tb, long line) {
    for (int i = 0; need[tb][i]; i++)
        for (int f = 0; f < F_N; f++)
            if (!strcmp(need[tb][i], field_names[f]) && !r->jv[f] && strcmp(need[tb][i], "error") &&
                strcmp(need[tb][i], "transaction_hash") && strcmp(need[tb][i], "transaction_index") &&
                strcmp(need[tb][i], "from_address") && strcmp(need[tb][i], "to_address") &&
                strcmp(need[tb][i], "call_type") && strcmp(need[tb][i], "trace_address") &&
                strcmp(need[tb][i], "status") && strcmp(need[tb][i], "value") &&
                strcmp(need[tb][i], "topics") &&
                /* null (or left out, as BigQuery leaves nulls out) is an empty CSV field: the row says what
                 * it lacks */
                strcmp(need[tb][i], "miner") && strcmp(need[tb][i], "gas_used") &&
                strcmp(need[tb][i], "data")) {
                char msg[120];
                snprintf(msg, sizeof msg, "a %s row needs the key '%s'", table_names[tb], need[tb][i]);
                r->b->rows++;
                bad(r, line, "%s", msg);
                return 0;
            }
    r->b->rows++;
    int x = read_row(r, tb, line);
    return x == ST_ENOMEM ? ST_ENOMEM : 0;
}

/* ---- sources: one export file read in block windows ----
 *
 * A source is one file with a cursor: the next record is read ahead
 * ("pending") so its block number decides whether it belongs to the
 * window being read.  Exports are written in block order, so the ingest
 * reads every file's rows of a few blocks at a time and holds only those;
 * a row of a block the window has passed says the file is not in block
 * order (EV_UNSORTED: the caller reads the whole export at once instead).
 * A row whose block cannot be read (reported bad when dispatched) and the
 * tokens table, which names no block, go in whatever window is being read.
 *
 * A plain file is read with read() a piece at a time into a buffer, like
 * a gzip file's inflated pieces (below): mapping it cost more than the
 * parse where page faults are dear (a virtual machine: 0.72 s to fault
 * in 1.2 GB of page cache against 0.20 s to read() it), and memory holds
 * the buffer, not the file's pages.  A gzip file
 * (its compressed bytes mapped) is inflated a piece at a time into a
 * buffer that holds only the lines not yet read: each piece ends at a line
 * end, the rows in it are read by the same CSV and JSON-lines readers as a
 * mapped file's (the CSV reader asks for the next piece when a record
 * could go on past this one, and reads it again from its start), and the
 * lines read are dropped before the next piece is inflated behind the
 * rest.  So a gzip export streams in windows like a plain one, and memory
 * holds a buffer per file (16 KiB, doubling to 1 MiB once the file is
 * read from, 128 KiB for a plain file, more only for a longer line) and zlib's state (about 40 KiB),
 * not the decompressed file. */

#define EV_GZ_FIRST ((size_t)16 << 10)  /* the buffer of a gzip source until it is read from */
#define EV_GZ_CHUNK ((size_t)1 << 20)   /* and once it is read from */
/* A plain file's pieces: read() copies each into a buffer that the parse
 * then reads, and a piece that fits the core's second-level cache (1 MiB
 * here, shared by the reader's files) is still there for the parse; at
 * 1 MiB the copy and the parse each went to memory (10M flows: 0.3-0.4 s
 * more system time). */
#define EV_PLAIN_CHUNK ((size_t)128 << 10)
#define EV_GZ_MAX_LINE ((size_t)64 << 20) /* the buffer at most: a longer line keeps only its head */
#define EV_GZ_IN_STEP ((size_t)1 << 30) /* compressed bytes handed to zlib at once (it counts in 32 bits) */
#define EV_GZ_AHEAD 2                   /* pieces inflated ahead of the reader, per file */
#define EV_GZ_THREADS 4                 /* inflater threads at most (fewer on fewer cores) */
#define EV_GZ_PIECE_MIN ((size_t)64 << 10) /* a piece inflated ahead, at least (a lock handoff a piece) */

/*
 * Inflating ahead.  Inflating is most of a gzip ingest's work (a 10M-flow
 * export: 3.1 GiB out of 1 GB, about 20 s of zlib for 5 s of parsing), so
 * a file that is being read (past its first piece) is handed to a pool of
 * inflater threads, one a core up to EV_GZ_THREADS: each keeps, for the
 * files it is given, up to EV_GZ_AHEAD pieces of `chunk` bytes inflated
 * ahead of the reader, refilling the file whose queue is emptiest (the one
 * the reader waits on first; ties in turn).  A file is inflated by one
 * thread at a time (zlib's stream is sequential), different files at once:
 * an export's tables and partitions inflate side by side.  The reader
 * copies a ready piece into its buffer in place of inflating, so the line
 * carry-over, the piece ends and every message are those of the reader
 * inflating by itself (which it still does for a file's first piece, for
 * a file inflated through before it is read, and when no thread starts).
 * A pool rather than the build thread's idle time: that time is 4 s of the
 * 20 s to inflate, and the pool uses every core whatever the windows.
 * Memory: EV_GZ_AHEAD pieces per file being read (2 MiB), freed when the
 * file is read through; idle files still hold only their first piece.
 * The threads start with the first file handed over and are joined once
 * the last is closed; closing a file waits only for the piece being
 * inflated for it (at most one chunk), so a reader that stops early (an
 * error, the row limit, a file out of block order) never waits on the
 * rest of a file.
 */

typedef struct ev_gz {
    int plain;          /* a plain file read with pread(), not gzip */
    int fd;             /* its descriptor, -1 while closed */
    int held;           /* it keeps the descriptor between pieces (EV_PLAIN_FDS) */
    char *path;         /* to open it again, */
    dev_t dev;          /* the file it was */
    ino_t ino;
    uint64_t off;       /* where the next piece starts */
    /* the inflating side: the reader's alone until the file is handed to
     * the pool, then the pool's (one thread at a time, `busy`) */
    z_stream zs;
    int zinit;
    const uint8_t *in;  /* the compressed bytes (the source's mapping or buffer) */
    size_t inlen, inpos; /* inpos: bytes handed to zlib so far */
    uint64_t pout;      /* bytes inflated */
    int pend, pdamaged; /* nothing more comes out (pdamaged: cut short or damaged, pmsg says how) */
    int pnomem;         /* zlib ran out of memory */
    char pmsg[200];
    /* the queue (under the pool's lock): slots [head, head+count) are ready */
    int bg;             /* handed to the pool */
    int busy;           /* a thread is inflating a piece for it */
    int qend;           /* the inflating side is at its end (pend, pnomem): nothing more is queued */
    char *slot[EV_GZ_AHEAD];
    size_t slen[EV_GZ_AHEAD], sin[EV_GZ_AHEAD]; /* bytes, and compressed bytes used once inflated */
    unsigned head, count;
    size_t taken;       /* the reader's: bytes of the head slot copied out */
    struct ev_gz *next; /* the pool's list */
    /* the reading side */
    char *buf;          /* inflated: [0, fill) the lines not read yet, [0, win) the piece being read */
    size_t cap, fill, win, chunk;
    size_t inused;      /* compressed bytes behind what is in buf (ev_source_forget) */
    int end;            /* nothing more comes: the last member read, or the damage below */
    int final;          /* the piece being read is the last */
    int damaged;        /* damage[] is reported once the complete lines before it are read */
    int handed;         /* those lines are the piece being read */
    char damage[200];
    uint64_t out;       /* bytes inflated and read into buf */
} ev_gz;

struct ev_source {
    reader r;
    int tb;                    /* CSV: the table; JSON lines: -1 */
    st_fmap map;
    ev_gz *gz;                 /* a gzip file: the pieces (data/len: the piece being read) */
    const char *data;
    size_t len;
    const char *jp, *jend;     /* JSON lines: the cursor */
    long jline;
    int jdoc;                  /* a JSON document: 1 an array of objects, 2 objects pretty-printed */
    int jopen;                 /* jdoc: 1 inside the top-level array, 2 after it */
    int jeof;                  /* jdoc: an element the file ended inside was reported */
    char jtail, jlast;         /* the last byte not a blank, and the last byte, of the pieces so far */
    int jtail_of;              /* jtail and jlast read off the piece in hand */
    int jin, jskip;            /* jdoc: an element read on into the next piece; passed over (too long) */
    int jkind, jdepth, jinstr, jesc; /* the element's first byte, and where its scan stands */
    char jprev;                /* the byte scanned last (a pass goes on at a piece's first byte) */
    size_t jscan;              /* bytes of the element (from jp) scanned so far */
    size_t csv_at;             /* a gzip file's CSV: where the piece the reader reads starts in data */
    char *scratch;             /* JSON lines: the values of a line */
    size_t scratch_cap;
    size_t maxrec;             /* the longest row read (EV_MAX_RECORD); a longer one is a bad row */
    int pending, pending_tb, done;
    long pending_line;
    uint64_t pending_block;    /* EV_BLOCK_ANY: in any window */
    size_t forgot;             /* bytes of the mapping handed back (ev_source_forget) */
};

#define EV_BLOCK_ANY UINT64_MAX

static struct {
    pthread_mutex_t mu;   /* the lists, queues and flags */
    pthread_cond_t work;  /* to the threads: a queue has room, a file came, stop */
    pthread_cond_t ready; /* to readers and closers: a piece is ready, a thread let go of a file */
    pthread_mutex_t life; /* starting and joining the threads */
    ev_gz *list;
    size_t files;
    int nthreads, stop;
    pthread_t th[EV_GZ_THREADS];
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, {0}};

/* Inflate into dst[*fill..cap): ST_OK (z->pend once nothing more comes,
 * with z->pdamaged when the stream is cut short or damaged) or ST_ENOMEM.
 * Members follow one another (gzip -c a b > c) until the input ends;
 * bytes after a member that start no other are ignored, as gzip and
 * zlib's gzread do. */
static int gz_inflate(ev_gz *z, char *dst, size_t *fill, size_t cap) {
    while (*fill < cap && !z->pend) {
        if (!z->zs.avail_in) {
            size_t left = z->inlen - z->inpos;
            if (!left) {
                snprintf(z->pmsg, sizeof z->pmsg,
                         "gzip cut short: the file ends inside a compressed stream, after %llu bytes "
                         "decompressed from its %zu",
                         (unsigned long long)z->pout, z->inlen);
                z->pdamaged = z->pend = 1;
                break;
            }
            z->zs.next_in = (Bytef *)(uintptr_t)(z->in + z->inpos);
            z->zs.avail_in = (uInt)(left < EV_GZ_IN_STEP ? left : EV_GZ_IN_STEP);
            z->inpos += z->zs.avail_in;
        }
        z->zs.next_out = (Bytef *)(dst + *fill);
        z->zs.avail_out = (uInt)(cap - *fill);
        int ret = inflate(&z->zs, Z_NO_FLUSH);
        size_t got = (size_t)((char *)z->zs.next_out - (dst + *fill));
        *fill += got;
        z->pout += got;
        if (ret == Z_STREAM_END) { /* another member? */
            size_t at = z->inpos - z->zs.avail_in; /* the next byte */
            if (z->inlen - at >= 2 && z->in[at] == 0x1f && z->in[at + 1] == 0x8b) {
                if (inflateReset(&z->zs) != Z_OK) return ST_ENOMEM;
            } else
                z->pend = 1;
        } else if (ret == Z_MEM_ERROR)
            return ST_ENOMEM;
        else if (ret != Z_OK && !(ret == Z_BUF_ERROR && (!z->zs.avail_in || !z->zs.avail_out))) {
            snprintf(z->pmsg, sizeof z->pmsg,
                     "damaged gzip (%s) at compressed byte %zu of %zu, after %llu bytes decompressed",
                     z->zs.msg ? z->zs.msg : "zlib error", z->inpos - z->zs.avail_in, z->inlen,
                     (unsigned long long)z->pout);
            z->pdamaged = z->pend = 1;
        }
    }
    return ST_OK;
}

/* Plain files being read that keep their descriptor between pieces; the
 * others open theirs again for each piece (by path, checked to be the same
 * file), so a partitioned export of thousands of files never runs out of
 * descriptors. */
#define EV_PLAIN_FDS 128
static _Atomic int plain_fds;

/* EV_PLAIN_FDS, or a quarter of the process's limit when that is less */
static int plain_fds_max(void) {
    static _Atomic int max = -1;
    int m = atomic_load(&max);
    if (m < 0) {
        struct rlimit rl;
        m = EV_PLAIN_FDS;
        if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < (rlim_t)m)
            m = (int)(rl.rlim_cur / 4);
        atomic_store(&max, m);
    }
    return m;
}

/* A plain file's next bytes into dst[*fill..cap), as gz_inflate: z->pend
 * at the end of the file, with z->pdamaged when it cannot be read. */
static int plain_read(ev_gz *z, char *dst, size_t *fill, size_t cap) {
    if (z->fd < 0 && !z->pend) {
        struct stat sb;
        int fd = open(z->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_dev != z->dev || sb.st_ino != z->ino) {
            snprintf(z->pmsg, sizeof z->pmsg, "cannot open it again after %llu bytes: %s",
                     (unsigned long long)z->pout, fd < 0 ? strerror(errno) : "it was replaced while it was read");
            if (fd >= 0) close(fd);
            z->pdamaged = z->pend = 1;
        } else
            z->fd = fd;
    }
    while (*fill < cap && !z->pend) {
        ssize_t got = pread(z->fd, dst + *fill, cap - *fill, (off_t)z->off);
        if (got > 0) {
            *fill += (size_t)got;
            z->pout += (uint64_t)got;
            z->off += (uint64_t)got;
        } else if (got == 0)
            z->pend = 1;
        else if (errno != EINTR) {
            snprintf(z->pmsg, sizeof z->pmsg, "cannot read after %llu bytes: %s", (unsigned long long)z->pout,
                     strerror(errno));
            z->pdamaged = z->pend = 1;
        }
    }
    if (z->fd >= 0 && (!z->held || z->pend)) { /* done with it, or not one of those that keep theirs */
        close(z->fd);
        z->fd = -1;
    }
    return ST_OK;
}

/* The inflating side at its end, seen by the reader. */
static int gz_take_end(ev_gz *z) {
    z->end = 1;
    if (z->pnomem) return ST_ENOMEM;
    if (z->pdamaged) {
        z->damaged = 1;
        memcpy(z->damage, z->pmsg, sizeof z->damage);
    }
    return ST_OK;
}

/* The file whose queue is emptiest and that no thread holds (NULL: none),
 * moved to the list's end so that files with as much ready take turns. */
static ev_gz *pool_pick(void) {
    ev_gz *best = NULL, **bestp = NULL;
    for (ev_gz **p = &pool.list; *p; p = &(*p)->next) {
        ev_gz *z = *p;
        if (z->busy || z->qend || z->count >= EV_GZ_AHEAD) continue;
        if (!best || z->count < best->count) {
            best = z;
            bestp = p;
        }
    }
    if (best && best->next) {
        *bestp = best->next;
        ev_gz **t = bestp;
        while (*t) t = &(*t)->next;
        *t = best;
        best->next = NULL;
    }
    return best;
}

/* A piece inflated ahead: the reader's chunk, never so small that handing
 * it over costs more than inflating it (tests make the chunk a few bytes). */
static size_t gz_piece(const ev_gz *z) { return z->chunk > EV_GZ_PIECE_MIN ? z->chunk : EV_GZ_PIECE_MIN; }

static void *pool_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        ev_gz *z;
        while (!pool.stop && !(z = pool_pick())) pthread_cond_wait(&pool.work, &pool.mu);
        if (pool.stop) break;
        z->busy = 1;
        unsigned k = (z->head + z->count) % EV_GZ_AHEAD; /* a free slot: the reader copies only from head */
        pthread_mutex_unlock(&pool.mu);
        size_t len = 0;
        int rc = gz_inflate(z, z->slot[k], &len, gz_piece(z));
        size_t used = z->inpos - z->zs.avail_in;
        pthread_mutex_lock(&pool.mu);
        if (len) {
            z->slen[k] = len;
            z->sin[k] = used;
            z->count++;
        }
        if (rc) z->pnomem = 1;
        if (rc || z->pend) z->qend = 1;
        z->busy = 0;
        pthread_cond_broadcast(&pool.ready);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

/* Hand a file being read to the pool (its slots allocated here, by the
 * reader, so that running out of memory is the reader's error).  The
 * threads start with the first file.  ST_OK also when no thread could
 * start: the reader goes on inflating by itself. */
static int gz_ahead(ev_gz *z) {
    for (int i = 0; i < EV_GZ_AHEAD; i++)
        if (!(z->slot[i] = st_malloc(gz_piece(z)))) return ST_ENOMEM;
    pthread_mutex_lock(&pool.life);
    if (!pool.nthreads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1) n = 1;
        if (n > EV_GZ_THREADS) n = EV_GZ_THREADS;
        pool.stop = 0;
        while (pool.nthreads < n && !pthread_create(&pool.th[pool.nthreads], NULL, pool_main, NULL))
            pool.nthreads++;
    }
    if (pool.nthreads) {
        pthread_mutex_lock(&pool.mu);
        z->bg = 1;
        z->next = pool.list;
        pool.list = z;
        pool.files++;
        pthread_cond_broadcast(&pool.work);
        pthread_mutex_unlock(&pool.mu);
    }
    pthread_mutex_unlock(&pool.life);
    return ST_OK;
}

/* Take a file back from the pool (once no thread inflates for it); the
 * threads are joined when it was the last. */
static void gz_back(ev_gz *z) {
    pthread_mutex_lock(&pool.life);
    pthread_mutex_lock(&pool.mu);
    for (ev_gz **p = &pool.list; *p; p = &(*p)->next)
        if (*p == z) {
            *p = z->next;
            break;
        }
    while (z->busy) pthread_cond_wait(&pool.ready, &pool.mu);
    z->bg = 0;
    int last = !--pool.files;
    if (last) {
        pool.stop = 1;
        pthread_cond_broadcast(&pool.work);
    }
    pthread_mutex_unlock(&pool.mu);
    if (last) {
        for (int i = 0; i < pool.nthreads; i++) pthread_join(pool.th[i], NULL);
        pool.nthreads = 0;
    }
    pthread_mutex_unlock(&pool.life);
}

/* Fill buf[fill..cap) with what comes next: from the ready pieces of a
 * file handed to the pool, else inflated here.  ST_OK (z->end, with
 * z->damaged, once nothing more comes) or ST_ENOMEM. */
static int gz_pull(ev_gz *z) {
    if (!z->bg) {
        size_t f0 = z->fill;
        int rc = z->plain ? plain_read(z, z->buf, &z->fill, z->cap) : gz_inflate(z, z->buf, &z->fill, z->cap);
        z->out += z->fill - f0;
        z->inused = z->inpos - z->zs.avail_in;
        if (rc) z->pnomem = 1;
        return rc || z->pend ? gz_take_end(z) : ST_OK;
    }
    while (z->fill < z->cap && !z->end) {
        pthread_mutex_lock(&pool.mu);
        while (!z->count && !z->qend) {
            pthread_cond_broadcast(&pool.work); /* the reader waits: its queue is the emptiest */
            pthread_cond_wait(&pool.ready, &pool.mu);
        }
        unsigned h = z->head, have = z->count;
        pthread_mutex_unlock(&pool.mu);
        if (!have) return gz_take_end(z); /* the queue read through: the end is the pool's last word */
        size_t n = z->slen[h] - z->taken;
        if (n > z->cap - z->fill) n = z->cap - z->fill;
        memcpy(z->buf + z->fill, z->slot[h] + z->taken, n);
        z->fill += n;
        z->out += n;
        if ((z->taken += n) == z->slen[h]) { /* the slot goes back to the pool */
            z->taken = 0;
            z->inused = z->sin[h];
            pthread_mutex_lock(&pool.mu);
            z->head = (h + 1) % EV_GZ_AHEAD;
            z->count--;
            pthread_cond_broadcast(&pool.work);
            pthread_mutex_unlock(&pool.mu);
        }
    }
    return ST_OK;
}

static void gz_free(ev_gz *z) {
    if (!z) return;
    if (z->bg) gz_back(z);
    if (z->fd >= 0) close(z->fd);
    if (z->held) atomic_fetch_sub(&plain_fds, 1);
    st_free(z->path);
    if (z->zinit) inflateEnd(&z->zs);
    for (int i = 0; i < EV_GZ_AHEAD; i++) st_free(z->slot[i]);
    st_free(z->buf);
    st_free(z);
}

/* A gzip stream over in[0..inlen), or (fd >= 0, in unused) the plain file
 * path open on fd, which the piece then owns. */
static int gz_new(ev_gz **out, const void *in, size_t inlen, int fd, const char *path, size_t chunk) {
    ev_gz *z = st_calloc(1, sizeof *z);
    if (!z) {
        if (fd >= 0) close(fd);
        return ST_ENOMEM;
    }
    z->fd = fd;
    z->plain = fd >= 0;
    if (z->plain) {
        struct stat sb;
        z->held = atomic_fetch_add(&plain_fds, 1) < plain_fds_max();
        if (!z->held) atomic_fetch_sub(&plain_fds, 1);
        if (!fstat(fd, &sb)) z->dev = sb.st_dev, z->ino = sb.st_ino;
        if (!(z->path = st_strdup(path))) {
            gz_free(z);
            return ST_ENOMEM;
        }
    }
    z->in = in;
    z->inlen = inlen;
    /* (a plain file that opens itself again for each piece keeps 1 MiB
     * pieces: an open a piece costs more than the cache saves) */
    z->chunk = chunk ? chunk : z->plain && z->held ? EV_PLAIN_CHUNK : EV_GZ_CHUNK;
    z->cap = z->chunk < EV_GZ_FIRST ? z->chunk : EV_GZ_FIRST;
    if (!(z->buf = st_malloc(z->cap))) {
        gz_free(z);
        return ST_ENOMEM;
    }
    if (fd < 0) { /* 15 + 32: a gzip (or zlib) header, recognised by inflate */
        if (inflateInit2(&z->zs, 15 + 32) != Z_OK) {
            gz_free(z);
            return ST_ENOMEM;
        }
        z->zinit = 1;
    }
    *out = z;
    return ST_OK;
}

static const char *last_nl(const char *p, size_t n) { return n ? memrchr(p, '\n', n) : NULL; }

/* Whether the source's pieces may end anywhere, not at a line end: a JSON
 * document's (told before its reader is, from the first piece: an array
 * written on one line may be longer than any buffer). */
static int ends_anywhere(const ev_source *s) {
    if (s->jdoc) return 1;
    if (s->r.json || s->r.csv) return 0;
    const ev_gz *z = s->gz;
    size_t k = z->fill >= 3 && !memcmp(z->buf, "\xef\xbb\xbf", 3) ? 3 : 0;
    while (k < z->fill && (z->buf[k] == ' ' || z->buf[k] == '\t' || z->buf[k] == '\r' || z->buf[k] == '\n')) k++;
    return k < z->fill && z->buf[k] == '[';
}

/* The next piece of a gzip source: the first used bytes of the buffer are
 * read (dropped), then inflate until the piece holds a line more, the
 * piece ending at the last line end (everything at the end).  line is the
 * line the rest starts on, for the damage report: once the lines before
 * damage are read, the damage is reported (one bad record: the rows
 * before it are kept, the rest of the file is not read) and the piece is
 * empty and last.  ST_OK or ST_ENOMEM. */
static int gz_next(ev_source *s, size_t used, long line, st_error *err) {
    ev_gz *z = s->gz;
    ev_batch *b = s->r.b;
    if (z->final) { /* read through: nothing more */
        z->fill = z->win = 0;
        s->data = z->buf;
        s->len = 0;
        return ST_OK;
    }
    if (z->damaged && z->handed) { /* the lines before the damage are read: it is reported now */
        st_error e;
        st_error_clear(&e);
        st_error_at(&e, ST_EPARSE, s->r.name, line, -1, "%s: the rest of the file is not read", z->damage);
        b->bad_rows++;
        if (b->on_bad) b->on_bad(b->ctx, &e);
        z->fill = z->win = 0;
        z->final = 1;
        s->data = z->buf;
        s->len = 0;
        return ST_OK;
    }
    /* the file is being read (not its first piece): fewer, larger pieces */
    if (z->win && z->cap < z->chunk) {
        size_t nc = z->cap * 2 < z->chunk ? z->cap * 2 : z->chunk;
        char *nb = st_realloc(z->buf, nc);
        if (!nb) return st_error_set(err, ST_ENOMEM, "out of memory reading %s", s->r.name);
        z->buf = nb;
        z->cap = nc;
    }
    if (!z->plain && z->win && !z->end && !z->slot[0] && gz_ahead(z)) /* being read: inflated ahead from now on */
        return st_error_set(err, ST_ENOMEM, "out of memory reading %s", s->r.name);
    memmove(z->buf, z->buf + used, z->fill - used);
    z->fill -= used;
    size_t seen = z->fill; /* no line end in the rest: a new one is needed */
    int skip = 0;
    for (;;) {
        if (skip) { /* the rest of an overlong line dropped as it comes, up to its end */
            const char *nl = memchr(z->buf + seen, '\n', z->fill - seen);
            size_t k = nl ? (size_t)(nl - z->buf) : z->fill;
            size_t head = s->maxrec + 1; /* past the record limit: the readers say it is too long */
            memmove(z->buf + head, z->buf + k, z->fill - k);
            z->fill = head + (z->fill - k);
            seen = head;
            skip = !nl;
        }
        /* a piece ends at a line end, but a JSON document's anywhere (its
         * reader waits for an element's end: a document on one line
         * longer than the buffer is read whole) */
        if (z->end || (!skip && (ends_anywhere(s) ? z->fill > seen : last_nl(z->buf + seen, z->fill - seen) != NULL)))
            break;
        if (z->fill == z->cap) {
            if (z->cap >= EV_GZ_MAX_LINE) {
                /* longer than any record can be: its head is kept, so the
                 * readers report it too long at its line and read on
                 * after it, as they do in a whole file */
                seen = z->fill;
                skip = 1;
                continue;
            }
            char *nb = st_realloc(z->buf, z->cap * 2);
            if (!nb) return st_error_set(err, ST_ENOMEM, "out of memory reading %s", s->r.name);
            z->buf = nb;
            z->cap *= 2;
        }
        uint64_t out0 = z->out;
        if (gz_pull(z)) return st_error_set(err, ST_ENOMEM, "out of memory reading %s", s->r.name);
        b->bytes += z->out - out0;
    }
    if (z->end && z->damaged) { /* what came before the damage: its complete lines (a document's every byte) */
        if (!ends_anywhere(s)) {
            const char *nl = last_nl(z->buf, z->fill);
            z->fill = nl ? (size_t)(nl + 1 - z->buf) : 0;
        }
        z->win = z->fill;
        z->handed = 1;
    } else if (z->end) {
        z->win = z->fill;
        z->final = 1;
    } else
        z->win = ends_anywhere(s) ? z->fill : (size_t)(last_nl(z->buf, z->fill) + 1 - z->buf);
    s->data = z->buf;
    s->len = z->win;
    if (z->damaged && !z->win) return gz_next(s, 0, line, err); /* nothing before it: reported at once */
    return ST_OK;
}

/* The next CSV record of a source, across the pieces of a gzip file: as
 * st_csv_next. */
static int csv_next(ev_source *s, st_error *e, st_error *err) {
    for (;;) {
        int rc = st_csv_next(s->r.csv, e);
        if (rc != ST_CSV_MORE) return rc;
        if ((rc = gz_next(s, s->csv_at + st_csv_consumed(s->r.csv), st_csv_line(s->r.csv), err))) return rc;
        s->csv_at = 0;
        st_csv_feed_own(s->r.csv, s->gz->buf, s->len, !s->gz->final); /* fields ended in place */
    }
}

/* The source read through: a gzip file's buffer and inflate state go back
 * (the other files of the export are still being read). */
static void source_finish(ev_source *s) {
    s->done = 1;
    if (s->gz) {
        gz_free(s->gz);
        s->gz = NULL;
        s->data = NULL;
        s->len = 0;
    }
}

static uint64_t row_block(reader *r, int tb) {
    r->blk_field = -1;
    if (tb == TB_TOKENS || tb == TB_CONTRACTS) return EV_BLOCK_ANY; /* a block of no transfer: any window */
    int f = tb == TB_BLOCKS ? F_NUMBER : F_BLOCK;
    uint64_t v;
    uint8_t has;
    if (parse_u64(fld(r, f), &v, &has) || !has || v == EV_BLOCK_ANY) return EV_BLOCK_ANY;
    r->blk_field = f;
    r->blk = v;
    return v;
}

static int is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Register the file and read its header; s->done when nothing follows. */
static int source_start(ev_source *s, ev_batch *b, const char *name, st_error *err) {
    reader *r = &s->r;
    r->b = b;
    s->maxrec = b->max_record ? b->max_record : EV_MAX_RECORD;
    if (s->maxrec > EV_GZ_MAX_LINE / 2) s->maxrec = EV_GZ_MAX_LINE / 2; /* a longer line's head must fit the buffer */
    b->files++;
    if (!s->gz) b->bytes += s->len; /* a gzip file's count as it is inflated */
    /* keep the name for messages about joined rows */
    char **nn = st_realloc(b->names, (b->nnames + 1) * sizeof *nn);
    if (!nn) return st_error_set(err, ST_ENOMEM, "out of memory");
    b->names = nn;
    if (!(b->names[b->nnames] = st_strdup(name))) return st_error_set(err, ST_ENOMEM, "out of memory");
    r->name = b->names[b->nnames];
    r->file = (uint32_t)b->nnames++;
    s->tb = -1;
    size_t k = 0, bom = 0;
    for (;;) { /* the first byte that is no blank (nor a byte order mark) says CSV or JSON lines */
        if (!bom && s->len >= 3 && !memcmp(s->data, "\xef\xbb\xbf", 3)) k = bom = 3;
        while (k < s->len && is_ws(s->data[k])) k++;
        if (k < s->len || !s->gz || s->gz->final) break;
        long line = 1;
        for (const char *q = s->data; (q = memchr(q, '\n', (size_t)(s->data + s->len - q))); q++) line++;
        int rc = gz_next(s, 0, line, err);
        if (rc) return rc;
    }
    const char *data = s->data;
    size_t len = s->len;
    if (k >= len) { /* a zero-byte file: an empty table */
        source_finish(s);
        return ST_OK;
    }
    if (data[k] == '{' || data[k] == '[') {
        r->json = 1;
        s->jp = data + bom;
        s->jend = data + len;
        /* an array of objects (BigQuery's console and most scripts save
         * one), or objects a pretty-printer wrote over several lines: a
         * first line that is "{" alone */
        const char *nl = memchr(data + k, '\n', len - k), *q = skip_ws(data + k + 1, nl ? nl : data + len);
        s->jdoc = data[k] == '[' ? 1 : nl && q == nl ? 2 : 0;
        return ST_OK;
    }
    int rc = st_csv_open(&r->csv, data, len, name, ST_CSV_HEADER);
    if (rc) return st_error_set(err, rc, "out of memory");
    st_csv_max_record(r->csv, s->maxrec);
    if (s->gz) { /* the pieces that follow */
        s->csv_at = st_csv_consumed(r->csv); /* a byte order mark */
        st_csv_feed_own(r->csv, s->gz->buf + s->csv_at, len - s->csv_at, !s->gz->final);
    }
    st_error e;
    st_error_clear(&e);
    s->done = 1; /* until the header is known good */
    rc = csv_next(s, &e, err);
    if (rc != 1) {
        if (rc == ST_ENOMEM) return st_error_set(err, ST_ENOMEM, "out of memory reading %s", name);
        if (rc < 0) bad(r, 1, "%s", "the header cannot be read");
        source_finish(s);
        return ST_OK;
    }
    for (int f = 0; f < F_N; f++) r->col[f] = -1;
    for (size_t i = 0; i < st_csv_nfields(r->csv); i++)
        for (int f = 0; f < F_N; f++)
            if (r->col[f] < 0 && !strcmp(st_csv_field(r->csv, i), field_names[f])) r->col[f] = (int)i;
    uint64_t seen = 0;
    int extra = 0;
    for (int f = 0; f < F_N; f++)
        if (r->col[f] >= 0) seen |= (uint64_t)1 << f;
    for (size_t i = 0; i < st_csv_nfields(r->csv); i++) extra |= extra_key(st_csv_field(r->csv, i));
    int tb = table_of_fields(seen, extra);
    if (tb == TB_UNUSED) {
        note(r, 1, "%s", EV_UNUSED_NOTE);
        source_finish(s);
        return ST_OK;
    }
    if (tb < 0) {
        bad(r, 1, "%s", "the header names no ethereum-etl table (blocks, transactions, receipts, logs, "
                        "token_transfers, traces, tokens, contracts)");
        source_finish(s);
        return ST_OK;
    }
    for (int i = 0; need[tb][i]; i++) {
        int found = 0;
        for (size_t c = 0; c < st_csv_nfields(r->csv); c++)
            if (!strcmp(st_csv_field(r->csv, c), need[tb][i])) found = 1;
        if (!found) {
            char msg[200];
            snprintf(msg, sizeof msg, "a %s table needs the column '%s'", table_names[tb], need[tb][i]);
            bad(r, 1, "%s", msg);
            source_finish(s);
            return ST_OK;
        }
    }
    s->tb = tb;
    s->done = 0;
    return ST_OK;
}

static uint64_t max_rows(const ev_batch *b) { return b->max_rows ? b->max_rows : EV_MAX_ROWS; }

/* A JSON line's values go to a buffer as long as the longest line read
 * so far (64 KiB at least), not one of the record limit per file. */
static int scratch_grow(ev_source *s, size_t len) {
    size_t cap = s->scratch_cap ? s->scratch_cap : (size_t)64 << 10;
    while (cap < len) cap *= 2;
    char *p = st_realloc(s->scratch, cap);
    if (!p) return ST_ENOMEM;
    s->scratch = p;
    s->scratch_cap = cap;
    return ST_OK;
}

static int rows_full(ev_source *s, long line, st_error *err) {
    s->r.b->full = 1;
    return st_error_at(err, ST_ELIMIT, s->r.name, line, -1,
                       "more than %llu rows in one ingest: ingest the export in block ranges",
                       (unsigned long long)(s->r.b->limit_said ? s->r.b->limit_said : max_rows(s->r.b)));
}

/* One JSON object [p, e) starting on line `line`: pending, or reported
 * (a bad row, or a table that moves no value).  ST_OK, or an error. */
static int json_record(ev_source *s, const char *p, const char *e, long line, st_error *err) {
    reader *r = &s->r;
    ev_batch *b = r->b;
    if (b->rows >= max_rows(b)) return rows_full(s, line, err);
    const char *why;
    int tb;
    size_t len = (size_t)(e - p) + 1; /* the values, unescaped, are no longer than the object */
    if (len > s->maxrec) {
        b->rows++;
        bad(r, line, "%s", s->jdoc ? "a JSON object longer than the record limit" : "line longer than the record limit");
    } else if (len > s->scratch_cap && scratch_grow(s, len)) {
        return st_error_set(err, ST_ENOMEM, "out of memory reading %s", r->name);
    } else if (json_parse_line(r, p, e, s->scratch, s->scratch_cap, &tb, &why)) {
        b->rows++;
        bad(r, line, "%s", why);
    } else if (tb == TB_UNUSED) { /* not a row read: counted nowhere */
        if (!r->noted_unused) note(r, line, "%s", EV_UNUSED_NOTE);
        r->noted_unused = 1;
    } else {
        s->pending = 1;
        s->pending_tb = tb;
        s->pending_line = line;
        s->pending_block = row_block(r, tb);
    }
    return ST_OK;
}

static long count_nl(const char *p, const char *e) {
    long n = 0;
    while ((p = memchr(p, '\n', (size_t)(e - p)))) n++, p++;
    return n;
}

/* The end of a JSON document's element, scanning [from, end) on from
 * where the scan of the element starting at p stopped (the state in s):
 * the byte after it, or NULL when it goes on past end.  An object or array
 * ends with its closing bracket, a string with its closing quote, anything
 * else before the next delimiter.  In a document of pretty-printed objects
 * an object still open at its own top level (a nested one may start a line
 * too: indent=0) when a line starts with '{' ends there, *cut set: one
 * broken object costs itself, not the objects after it. */
static const char *jdoc_end(ev_source *s, const char *p, const char *from, const char *end, int *cut) {
    *cut = 0;
    char prev = from > p ? from[-1] : s->jprev;
    for (const char *q = from; q < end; prev = *q++) {
        char ch = *q;
        int first = q == p && !s->jskip; /* the element's first byte */
        if (ch == '{' && !first && prev == '\n' && s->jdoc == 2 && (s->jdepth == 1 || s->jinstr)) {
            *cut = 1;
            return q;
        }
        if (s->jesc) s->jesc = 0;
        else if (s->jinstr) {
            if (ch == '\\') s->jesc = 1;
            else if (ch == '"') {
                s->jinstr = 0;
                if (!s->jdepth) return q + 1;
            }
        } else if (s->jkind != '{' && s->jkind != '[' && s->jkind != '"') {
            if (!first && strchr(",]}{[\" \t\r\n", ch)) return q; /* a scalar */
        } else if (ch == '"') s->jinstr = 1;
        else if (ch == '{' || ch == '[') s->jdepth++;
        else if ((ch == '}' || ch == ']') && --s->jdepth <= 0) return q + 1;
    }
    s->jprev = prev;
    return NULL;
}

/* Why an element of a JSON document that is no row was not read: too
 * long, cut by the next object, ended by the file, or no object. */
static const char *jdoc_why(const ev_source *s, int too_long, int cut, int at_end) {
    int obj = s->jkind == '{';
    if (too_long) return obj ? "a JSON object longer than the record limit" : "an element longer than the record limit";
    if (cut) return obj ? "a JSON object not closed before the next one" : "an element not closed before the next object";
    if (at_end && obj) return "a JSON object not closed before the end of the file";
    return "not one JSON object";
}

/* One element of a JSON document ended at e (cut: by the next object):
 * an object is read as a line of JSON lines is, anything else is a bad
 * row.  ST_OK or an error. */
static int jdoc_element(ev_source *s, const char *p, const char *e, int cut, long line, st_error *err) {
    s->jline += count_nl(p, e);
    s->jp = e;
    s->jin = 0;
    int too_long = (size_t)(e - p) >= s->maxrec; /* as json_record says of an object */
    if (s->jkind == '{' && !cut) return json_record(s, p, e, line, err);
    s->r.b->rows++;
    bad(&s->r, line, "%s", jdoc_why(s, too_long, cut, 0));
    return ST_OK;
}

/* The next object of a JSON document (an array of objects, or objects
 * over several lines): the brackets and commas around elements are passed
 * over, each element scanned to its end across the pieces of a file (an
 * element not ended where a piece ends waits for the next piece, its scan
 * going on where it stopped), then read on the line it starts on.  An
 * element longer than the row limit is one bad row, passed over as it
 * comes; one the file ends inside is one bad row.  s->jp past the input
 * when the piece is read through.  ST_OK or an error. */
static int jdoc_next(ev_source *s, st_error *err) {
    ev_batch *b = s->r.b;
    int more = s->gz && !s->gz->final, cut;
    for (;;) {
        const char *p = s->jp, *end = s->jend, *e;
        if (s->jskip) { /* passing over an element too long to hold */
            e = jdoc_end(s, p, p, end, &cut);
            s->jline += count_nl(p, e ? e : end);
            s->jp = e ? e : end;
            if (!e) return ST_OK;
            s->jskip = s->jin = 0;
            continue;
        }
        if (!s->jin) {
            const char *q = skip_ws(p, end);
            s->jline += count_nl(p, q);
            s->jp = p = q;
            if (p >= end) return ST_OK;
            if ((*p == '[' && s->jopen != 1) || (*p == ']' && s->jopen == 1) || *p == ',') {
                if (*p == '[') s->jopen = 1;
                else if (*p == ']') s->jopen = 2;
                s->jp = p + 1;
                continue;
            }
            if (b->rows >= max_rows(b)) return rows_full(s, s->jline + 1, err);
            s->jin = 1;
            s->jkind = *p;
            s->jdepth = s->jinstr = s->jesc = 0;
            s->jscan = 0;
        }
        long line = s->jline + 1; /* the element's first line: counted when it ends */
        if (s->jscan > (size_t)(end - p)) s->jscan = (size_t)(end - p); /* (damage dropped what was held) */
        if ((e = jdoc_end(s, p, p + s->jscan, end, &cut))) {
            int rc = jdoc_element(s, p, e, cut, line, err);
            if (rc || s->pending) return rc;
            continue;
        }
        s->jscan = (size_t)(end - p);
        int too_long = (size_t)(end - p) >= s->maxrec;
        if (more && !too_long) return ST_OK; /* the rest of it is in the next piece */
        b->rows++;
        bad(&s->r, line, "%s", jdoc_why(s, too_long, 0, 1));
        s->jeof = !more;
        s->jline += count_nl(p, end);
        s->jp = end;
        s->jin = 0;
        if (!more) return ST_OK;
        s->jskip = 1; /* the rest of it passed over as it comes; reading goes on after it */
        return ST_OK;
    }
}

/* Read the next record ahead (bad ones are reported on the way). */
static int source_peek(ev_source *s, st_error *err) {
    reader *r = &s->r;
    ev_batch *b = r->b;
    if (s->pending || s->done) return ST_OK;
    if (!r->json) {
        st_error e; /* filled by st_csv_next for a malformed record only */
        for (;;) {
            int rc = csv_next(s, &e, err);
            if (rc == 0) {
                source_finish(s);
                return ST_OK;
            }
            if (rc == ST_ENOMEM) return st_error_set(err, ST_ENOMEM, "out of memory reading %s", r->name);
            if (rc < 0) { /* malformed: reported, the reader resynchronised; a row read, as a bad JSON line is */
                if (b->rows >= max_rows(b)) return rows_full(s, st_csv_line(r->csv), err);
                b->rows++;
                b->bad_rows++;
                if (b->on_bad) b->on_bad(b->ctx, &e);
                continue;
            }
            s->pending = 1;
            s->pending_line = st_csv_line(r->csv);
            s->pending_block = row_block(r, s->tb);
            return ST_OK;
        }
    }
    for (;;) {
        if (s->jdoc && !s->jtail_of) { /* the file's last byte that is not a blank, whatever its pieces */
            const char *t = s->data + s->len;
            if (t > s->data) s->jlast = t[-1];
            while (t > s->data && is_ws(t[-1])) t--;
            if (t > s->data) s->jtail = t[-1];
            s->jtail_of = 1;
        }
        if (s->jdoc) {
            int rc = jdoc_next(s, err);
            if (rc || s->pending) return rc;
        }
        while (!s->jdoc && s->jp < s->jend) {
            const char *p = s->jp, *nl = memchr(p, '\n', (size_t)(s->jend - p));
            const char *e = nl ? nl : s->jend;
            s->jp = nl ? nl + 1 : s->jend;
            long line = ++s->jline;
            if (skip_ws(p, e) >= e) continue;
            int rc = json_record(s, p, e, line, err);
            if (rc || s->pending) return rc;
        }
        if (!s->gz || s->gz->final) break;
        int rc = gz_next(s, (size_t)(s->jp - s->data), s->jline + 1, err);
        if (rc) return rc;
        s->jtail_of = 0;
        s->jp = s->data;
        s->jend = s->data + s->len;
    }
    /* "[" and whole elements, no "]": cut short (an element the end cut, or
     * one too long and passed over, was said already) */
    if (s->jdoc == 1 && s->jtail != ']' && !s->jeof && !s->jskip) {
        b->rows++;
        long last = s->jline + (s->jlast == '\n' ? 0 : 1); /* the file's last line */
        bad(r, last > 0 ? last : 1, "%s",
            "a JSON array not closed before the end of the file: the file may be cut short");
    }
    source_finish(s);
    return ST_OK;
}

static int source_dispatch(ev_source *s, st_error *err) {
    reader *r = &s->r;
    s->pending = 0;
    int x;
    if (r->b->rows >= max_rows(r->b)) return rows_full(s, s->pending_line, err);
    if (r->json) x = json_dispatch(r, s->pending_tb, s->pending_line);
    else {
        r->b->rows++;
        x = read_row(r, s->tb, s->pending_line);
    }
    return x == ST_ENOMEM ? st_error_set(err, ST_ENOMEM, "out of memory reading %s", r->name) : ST_OK;
}

int ev_source_next_block(ev_source *s, uint64_t *block, st_error *err) {
    for (;;) {
        int rc = source_peek(s, err);
        if (rc) return rc;
        if (s->done) {
            *block = UINT64_MAX;
            return ST_OK;
        }
        if (s->pending_block != EV_BLOCK_ANY) {
            *block = s->pending_block;
            return ST_OK;
        }
        if ((rc = source_dispatch(s, err))) return rc;
    }
}

int ev_source_read(ev_source *s, int64_t passed, uint64_t upto, st_error *err) {
    for (;;) {
        int rc = source_peek(s, err);
        if (rc || s->done) return rc;
        uint64_t blk = s->pending_block;
        if (blk != EV_BLOCK_ANY) {
            if (passed >= 0 && blk <= (uint64_t)passed) return EV_UNSORTED;
            if (blk > upto) return ST_OK;
        }
        if ((rc = source_dispatch(s, err))) return rc;
    }
}

int ev_source_done(const ev_source *s) { return s->done && !s->pending; }

void ev_source_forget(ev_source *s) {
    if (!s->map.map) return; /* a buffer, or a file read into memory */
    size_t used = s->done  ? s->map.len
                  : s->gz  ? s->gz->inused /* the compressed bytes behind what the reader has */
                  : s->r.json ? (size_t)(s->jp - s->data)
                  : s->r.csv  ? st_csv_consumed(s->r.csv)
                              : 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), upto = used / page * page;
    if (upto > s->forgot) {
        /* a private read-only file mapping: the pages stay in the page
         * cache, this process stops holding them */
        (void)madvise((char *)(uintptr_t)s->map.data + s->forgot, upto - s->forgot, MADV_DONTNEED);
        s->forgot = upto;
    }
}

int ev_source_group(const ev_source *s) {
    if (s->r.json) return -1;
    if (s->tb == TB_TRACES) return 1;
    if (s->tb == TB_TOKEN_TRANSFERS) return 3;
    return s->tb == TB_LOGS || s->tb == TB_TOKENS || s->tb == TB_CONTRACTS ? 2 : 0;
}

void ev_source_bind(ev_source *s, ev_batch *b) { s->r.b = b; }

void ev_source_close(ev_source *s) {
    if (!s) return;
    st_csv_close(s->r.csv);
    st_free(s->scratch);
    gz_free(s->gz);
    if (s->map.data) st_file_unmap(&s->map);
    st_free(s);
}

static int source_new(ev_source **out, st_error *err) {
    *out = st_calloc(1, sizeof **out);
    return *out ? ST_OK : st_error_set(err, ST_ENOMEM, "out of memory");
}

static int is_gzip_data(const char *data, size_t len) {
    return len >= 2 && (uint8_t)data[0] == 0x1f && (uint8_t)data[1] == 0x8b;
}

/* data[0..len) (a mapping or the caller's buffer) read as the source's
 * text, inflated piece by piece when it is gzip. */
static int source_begin(ev_source *s, ev_batch *b, const char *data, size_t len, const char *name,
                        st_error *err) {
    if (is_gzip_data(data, len)) {
        if (gz_new(&s->gz, data, len, -1, NULL, b->gz_chunk)) return st_error_set(err, ST_ENOMEM, "out of memory");
        s->data = s->gz->buf;
        s->len = 0;
    } else {
        s->data = data;
        s->len = len;
    }
    return source_start(s, b, name, err);
}

int ev_source_open_buffer(ev_batch *b, const char *data, size_t len, const char *name, ev_source **out,
                          st_error *err) {
    int rc = source_new(out, err);
    if (rc) return rc;
    if ((rc = source_begin(*out, b, data, len, name, err))) {
        ev_source_close(*out);
        *out = NULL;
    }
    return rc;
}

int ev_read_buffer(ev_batch *b, const char *data, size_t len, const char *name, st_error *err) {
    ev_source *s;
    int rc = ev_source_open_buffer(b, data, len, name, &s, err);
    if (rc == ST_OK) rc = ev_source_read(s, -1, UINT64_MAX, err);
    ev_source_close(s);
    return rc;
}

/* Whether fd is open on a plain file that is neither empty nor gzip: 1
 * (it is read in pieces, so of any size: EV_MAX_FILE bounds only what is
 * mapped), or 0 (mapped: gzip, empty, not a regular file). */
static int is_plain_file(int fd) {
    struct stat sb;
    unsigned char head[2];
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size <= 0) return 0;
    return !(pread(fd, head, 2, 0) == 2 && is_gzip_data((const char *)head, 2));
}

int ev_source_open(ev_batch *b, const char *path, ev_source **out, st_error *err) {
    ev_source *s;
    *out = NULL;
    int rc = source_new(&s, err);
    if (rc) return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC), plain = fd >= 0 && is_plain_file(fd);
    if (plain) { /* read in pieces; gzip and the rest mapped */
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        if (gz_new(&s->gz, NULL, 0, fd, path, b->gz_chunk)) {
            rc = st_error_set(err, ST_ENOMEM, "out of memory");
            goto fail;
        }
        s->data = s->gz->buf;
        s->len = 0;
        if ((rc = source_start(s, b, path, err))) goto fail;
        *out = s;
        return ST_OK;
    }
    /* gzip (or not a regular file): the file just looked at, mapped */
    if (fd < 0) rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    else rc = st_file_map_fd(fd, path, EV_MAX_FILE, &s->map, err), close(fd);
    if (rc) goto fail;
    if ((rc = source_begin(s, b, s->map.data, s->map.len, path, err))) goto fail;
    *out = s;
    return ST_OK;
fail:
    ev_source_close(s);
    return rc;
}

int ev_read_file(ev_batch *b, const char *path, st_error *err) {
    ev_source *s;
    int rc = ev_source_open(b, path, &s, err);
    if (rc == ST_OK) rc = ev_source_read(s, -1, UINT64_MAX, err);
    ev_source_close(s);
    return rc;
}
