/*
 * parse.c - Bitcoin block and transaction parser.
 *
 * Invariant: every read is bounds-checked against the end of the buffer and
 * every count is checked against the bytes left (an input takes at least 41
 * bytes, an output 9), so hostile lengths fail with a position instead of
 * allocating or reading out of range.  A length read from the data (up to
 * 2^64-1) is never added to anything before it is compared: checks read
 * `len > left` or, with k fixed bytes after it, `left < k || len > left - k`,
 * where left = rd_left() cannot wrap.  The txid is the double SHA-256 of the
 * legacy serialization (version | inputs | outputs | locktime), hashed in
 * three pieces for segwit transactions so the witness is never copied.
 */
#include <string.h>

#include "chain/chain_int.h"
#include "core/alloc.h"

#define MAX_MONEY (21000000LL * 100000000LL)

typedef struct rd {
    const uint8_t *p, *end, *base;
} rd;

static inline uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Bytes left to read. */
static inline uint64_t rd_left(const rd *r) { return (uint64_t)(r->end - r->p); }

static int rd_fail(rd *r, st_error *err, const char *what) {
    return st_error_at(err, ST_EPARSE, NULL, 0, (long long)(r->p - r->base), "%s", what);
}

/* CompactSize; 0 on success, -1 when truncated. */
static inline int rd_varint(rd *r, uint64_t *v) {
    if (r->p >= r->end) return -1;
    uint8_t c = *r->p++;
    size_t need = c < 0xfd ? 0 : c == 0xfd ? 2 : c == 0xfe ? 4 : 8;
    if (rd_left(r) < need) return -1;
    if (need == 0) *v = c;
    else if (need == 2) *v = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8;
    else if (need == 4) *v = le32(r->p);
    else *v = le64(r->p);
    r->p += need;
    return 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t esize) {
    if (need <= *cap) return ST_OK;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *p = st_realloc(*arr, n * esize);
    if (!p) return ST_ENOMEM;
    *arr = p;
    *cap = n;
    return ST_OK;
}

void chain_block_view_init(st_block_view *b) { memset(b, 0, sizeof *b); }

void chain_block_view_free(st_block_view *b) {
    st_free(b->tx);
    st_free(b->in);
    st_free(b->out);
    st_free(b->scratch);
    memset(b, 0, sizeof *b);
}

static int tx_parse(st_block_view *b, rd *r, uint8_t wtxid[32], st_error *err) {
    const uint8_t *start = r->p;
    if (rd_left(r) < 10) return rd_fail(r, err, "transaction truncated");
    r->p += 4; /* version */
    int segwit = 0;
    if (r->p[0] == 0 && r->p[1] != 0) {
        if (r->p[1] != 1) return rd_fail(r, err, "unknown transaction flag");
        segwit = 1;
        r->p += 2;
    }
    const uint8_t *body = r->p; /* inputs and outputs, hashed as one piece */
    uint64_t nin, nout;
    if (rd_varint(r, &nin)) return rd_fail(r, err, "input count truncated");
    if (nin == 0 && !segwit) return rd_fail(r, err, "transaction without inputs");
    if (nin > rd_left(r) / 41) return rd_fail(r, err, "input count exceeds the data");
    if (nin > UINT32_MAX - b->nin) return rd_fail(r, err, "too many inputs");
    if (grow((void **)&b->in, &b->cap_in, b->nin + nin, sizeof *b->in)) return ST_ENOMEM;
    st_tx_view tv;
    tv.first_in = (uint32_t)b->nin;
    tv.n_in = (uint32_t)nin;
    for (uint64_t i = 0; i < nin; i++) {
        st_txin_view *in = &b->in[b->nin + i];
        if (rd_left(r) < 36) return rd_fail(r, err, "input truncated");
        in->prev_txid = r->p;
        in->vout = le32(r->p + 32);
        r->p += 36;
        uint64_t sl; /* the script, then a 4-byte sequence */
        if (rd_varint(r, &sl) || rd_left(r) < 4 || sl > rd_left(r) - 4)
            return rd_fail(r, err, "input script length exceeds the data");
        in->script = r->p;
        in->script_len = (uint32_t)sl;
        r->p += sl + 4;
    }
    b->nin += nin;
    if (rd_varint(r, &nout)) return rd_fail(r, err, "output count truncated");
    if (nout > rd_left(r) / 9) return rd_fail(r, err, "output count exceeds the data");
    if (nout > UINT32_MAX - b->nout) return rd_fail(r, err, "too many outputs");
    if (grow((void **)&b->out, &b->cap_out, b->nout + nout, sizeof *b->out)) return ST_ENOMEM;
    tv.first_out = (uint32_t)b->nout;
    tv.n_out = (uint32_t)nout;
    for (uint64_t i = 0; i < nout; i++) {
        st_txout_view *o = &b->out[b->nout + i];
        if (rd_left(r) < 9) return rd_fail(r, err, "output truncated");
        o->value = (int64_t)le64(r->p);
        if (o->value < 0 || o->value > MAX_MONEY) return rd_fail(r, err, "output value out of range");
        r->p += 8;
        uint64_t sl;
        if (rd_varint(r, &sl) || sl > rd_left(r))
            return rd_fail(r, err, "output script length exceeds the data");
        o->script = r->p;
        o->script_len = (uint32_t)sl;
        r->p += sl;
    }
    b->nout += nout;
    const uint8_t *body_end = r->p;
    if (segwit) {
        int any = 0;
        for (uint64_t i = 0; i < nin; i++) {
            uint64_t items;
            if (rd_varint(r, &items) || items > rd_left(r)) /* an item takes at least a byte */
                return rd_fail(r, err, "witness item count exceeds the data");
            any |= items != 0;
            for (uint64_t k = 0; k < items; k++) {
                uint64_t l;
                if (rd_varint(r, &l) || l > rd_left(r))
                    return rd_fail(r, err, "witness item exceeds the data");
                r->p += l;
            }
        }
        if (!any) return rd_fail(r, err, "segwit marker without witness data");
    }
    if (rd_left(r) < 4) return rd_fail(r, err, "locktime truncated");
    const uint8_t *lock = r->p;
    r->p += 4;
    tv.off = (uint32_t)(start - r->base);
    tv.size = (uint32_t)(r->p - start);
    tv.witness_len = segwit ? (uint32_t)(lock - body_end) + 2 : 0;
    uint8_t h1[32];
    if (segwit) {
        st_sha256_ctx ctx;
        st_sha256_init(&ctx);
        st_sha256_update(&ctx, start, 4);
        st_sha256_update(&ctx, body, (size_t)(body_end - body));
        st_sha256_update(&ctx, lock, 4);
        st_sha256_final(&ctx, h1);
        st_sha256(h1, 32, tv.txid);
        if (wtxid) st_sha256d(start, tv.size, wtxid);
    } else {
        st_sha256d(start, tv.size, tv.txid);
        if (wtxid) memcpy(wtxid, tv.txid, 32);
    }
    if (grow((void **)&b->tx, &b->cap_tx, b->ntx + 1, sizeof *b->tx)) return ST_ENOMEM;
    b->tx[b->ntx++] = tv;
    return ST_OK;
}

int chain_tx_parse(st_block_view *b, const uint8_t *p, size_t len, size_t *used, uint8_t wtxid[32],
                   st_error *err) {
    rd r = {p, p + len, p};
    /* views keep offsets and lengths in 32 bits */
    if (len > UINT32_MAX) return st_error_set(err, ST_ELIMIT, "transaction buffer over 4 GiB");
    int rc = tx_parse(b, &r, wtxid, err);
    if (rc == ST_ENOMEM) return st_error_set(err, ST_ENOMEM, "out of memory parsing a transaction");
    if (rc == ST_OK) *used = (size_t)(r.p - p);
    return rc;
}

/* BIP141: a block holding witness data commits to it in its coinbase, in
 * the last output whose script starts OP_RETURN 0x24 aa21a9ed: the double
 * SHA-256 of (merkle root of the wtxids, the coinbase's wtxid counted as
 * zero) || (the coinbase's witness, one 32-byte "reserved value").  The
 * txids and their merkle root cannot see the witnesses, so without this a
 * block whose witness bytes were garbled would pass.  Blocks without
 * witness data are not checked (the commitment is optional for them, and
 * before segwit's activation it meant nothing). */
static int witness_check(st_block_view *b, const uint8_t *p, st_error *err) {
    int any = 0;
    for (size_t i = 0; i < b->ntx && !any; i++) any = b->tx[i].witness_len != 0;
    if (!any) return ST_OK;
    const st_tx_view *cb = &b->tx[0];
    const uint8_t *commit = NULL;
    for (uint32_t k = cb->n_out; k-- > 0 && !commit;) {
        const st_txout_view *o = &b->out[cb->first_out + k];
        static const uint8_t tag[6] = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
        if (o->script_len >= 38 && memcmp(o->script, tag, 6) == 0) commit = o->script + 6;
    }
    if (!commit)
        return st_error_at(err, ST_EPARSE, NULL, 0, (long long)cb->off,
                           "transactions carry witness data but the coinbase has no witness commitment");
    /* the coinbase's witness: its bytes sit just before the locktime */
    const uint8_t *w = p + cb->off + cb->size - 4 - (cb->witness_len ? cb->witness_len - 2 : 0);
    if (cb->witness_len != 2 + 34 || w[0] != 1 || w[1] != 32)
        return st_error_at(err, ST_EPARSE, NULL, 0, (long long)cb->off,
                           "coinbase witness is not one 32-byte reserved value (needed with a witness commitment)");
    memset(b->scratch[0], 0, 32);
    for (size_t i = 1; i < b->ntx; i++) {
        const st_tx_view *t = &b->tx[i];
        if (t->witness_len) st_sha256d(p + t->off, t->size, b->scratch[i]);
        else memcpy(b->scratch[i], t->txid, 32);
    }
    uint8_t pair[64], h[32];
    st_sha256d_merkle_in_place(b->scratch, b->ntx, pair);
    memcpy(pair + 32, w + 2, 32);
    st_sha256d(pair, 64, h);
    if (memcmp(h, commit, 32) != 0)
        return st_error_at(err, ST_EPARSE, NULL, 0, (long long)(commit - p),
                           "witness commitment does not match the transactions' witnesses");
    return ST_OK;
}

int chain_block_parse(st_block_view *b, const uint8_t *p, size_t len, st_error *err) {
    rd r = {p, p + len, p};
    b->ntx = b->nin = b->nout = 0;
    if (len < CHAIN_HEADER + 1) return rd_fail(&r, err, "block shorter than a header");
    if (len > UINT32_MAX) return st_error_set(err, ST_ELIMIT, "block over 4 GiB"); /* views keep 32-bit offsets */
    st_sha256d(p, CHAIN_HEADER, b->hash);
    b->version = le32(p);
    b->prev = p + 4;
    b->merkle = p + 36;
    b->time = le32(p + 68);
    b->bits = le32(p + 72);
    b->nonce = le32(p + 76);
    r.p += CHAIN_HEADER;
    uint64_t ntx;
    if (rd_varint(&r, &ntx)) return rd_fail(&r, err, "transaction count truncated");
    if (ntx == 0) return rd_fail(&r, err, "block without transactions");
    if (ntx > rd_left(&r) / 60) return rd_fail(&r, err, "transaction count exceeds the data");
    for (uint64_t i = 0; i < ntx; i++) {
        int rc = tx_parse(b, &r, NULL, err);
        if (rc == ST_ENOMEM) return st_error_set(err, ST_ENOMEM, "out of memory parsing a block");
        if (rc) return rc;
    }
    if (r.p != r.end) return rd_fail(&r, err, "bytes left after the last transaction");
    if (grow((void **)&b->scratch, &b->cap_scratch, b->ntx, 32))
        return st_error_set(err, ST_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->ntx; i++) memcpy(b->scratch[i], b->tx[i].txid, 32);
    uint8_t root[32];
    st_sha256d_merkle_in_place(b->scratch, b->ntx, root);
    if (memcmp(root, b->merkle, 32) != 0)
        return st_error_at(err, ST_EPARSE, NULL, 0, 36, "merkle root does not match the transactions");
    return b->check_witness ? witness_check(b, p, err) : ST_OK;
}

int64_t chain_bip34_height(const uint8_t *s, size_t len) {
    if (len < 1) return -1;
    uint8_t op = s[0];
    if (op >= 0x51 && op <= 0x60) return op - 0x50; /* OP_1..OP_16 */
    if (op < 1 || op > 8 || op > len - 1) return -1; /* len >= 1 here */
    int64_t v = 0;
    for (int i = op; i >= 1; i--) v = v << 8 | s[i];
    if (s[op] & 0x80) return -1; /* negative */
    return v;
}

int64_t chain_block_bip34(const uint8_t *p, size_t len) {
    if (len < CHAIN_HEADER + 1 + 4 + 1 + 36 + 1) return -1;
    if (le32(p) < 2) return -1; /* BIP34 starts with version 2 blocks */
    rd r = {p + CHAIN_HEADER, p + len, p};
    uint64_t n;
    if (rd_varint(&r, &n) || n == 0) return -1;
    if (rd_left(&r) < 4 + 2) return -1;
    r.p += 4;
    if (r.p[0] == 0 && r.p[1] == 1) r.p += 2;
    if (rd_varint(&r, &n) || n != 1) return -1;
    if (rd_left(&r) < 36) return -1;
    r.p += 36;
    if (rd_varint(&r, &n) || n > rd_left(&r)) return -1;
    return chain_bip34_height(r.p, (size_t)n);
}
