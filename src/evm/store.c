/*
 * store.c - the Ethereum store's files and its read-only queries:
 * column definitions, the manifest, the two kinds of index (hash tables
 * of ids, per-address flow lists) and everything evm.h answers.
 *
 * A reader maps each column PROT_READ and looks only at the committed
 * counts of manifest.json, so bytes an interrupted ingest left past them
 * are invisible.  The index files are derived data: each starts with the
 * counts it covers, and one that does not match the manifest (an ingest
 * stopped between writing it and renaming the manifest) is rebuilt in the
 * reader's own memory, never trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/fs.h"
#include "core/map.h"
#include "evm/evm_int.h"
#include "sanctrace/wallet.h"

static const struct {
    const char *name;
    size_t width;
    int count;
} col_defs[EV_NCOLS] = {
    [EV_COL_BLK_NUM] = {"blk_num.col", 8, EV_N_BLOCKS},
    [EV_COL_BLK_FIRST_TX] = {"blk_first_tx.col", 8, EV_N_BLOCKS},
    [EV_COL_BLK_FIRST_FLOW] = {"blk_first_flow.col", 8, EV_N_BLOCKS},
    [EV_COL_TX_HASH] = {"tx_hash.col", 32, EV_N_TXS},
    [EV_COL_TX_BLOCK] = {"tx_block.col", 8, EV_N_TXS},
    [EV_COL_TX_INDEX] = {"tx_index.col", 4, EV_N_TXS},
    [EV_COL_TX_FROM] = {"tx_from.col", 8, EV_N_TXS},
    [EV_COL_TX_TO] = {"tx_to.col", 8, EV_N_TXS},
    [EV_COL_TX_VALUE] = {"tx_value.col", 32, EV_N_TXS},
    [EV_COL_TX_FEE] = {"tx_fee.col", 32, EV_N_TXS},
    [EV_COL_TX_FLAGS] = {"tx_flags.col", 1, EV_N_TXS},
    [EV_COL_TX_FIRST_FLOW] = {"tx_first_flow.col", 8, EV_N_TXS},
    [EV_COL_TX_NFLOWS] = {"tx_nflows.col", 4, EV_N_TXS},
    [EV_COL_FLOW_ASSET] = {"flow_asset.col", 4, EV_N_FLOWS},
    [EV_COL_FLOW_FROM] = {"flow_from.col", 8, EV_N_FLOWS},
    [EV_COL_FLOW_TO] = {"flow_to.col", 8, EV_N_FLOWS},
    [EV_COL_FLOW_AMOUNT] = {"flow_amount.col", 32, EV_N_FLOWS},
    [EV_COL_FLOW_KIND] = {"flow_kind.col", 1, EV_N_FLOWS},
    [EV_COL_FLOW_TX] = {"flow_tx.col", 8, EV_N_FLOWS},
    [EV_COL_FLOW_POS] = {"flow_pos.col", 4, EV_N_FLOWS},
    [EV_COL_ADDR] = {"addr.col", 20, EV_N_ADDRS},
    [EV_COL_ASSET_ADDR] = {"asset_addr.col", 8, EV_N_ASSETS},
};

const char *ev_col_name(int col) { return col_defs[col].name; }
size_t ev_col_width(int col) { return col_defs[col].width; }
int ev_col_count(int col) { return col_defs[col].count; }

static const char *const kind_names[ST_EVM_NKINDS] = {"native", "internal", "token", "fee", "reward", "withdrawal"};

const char *st_evm_kind_name(int kind) { return kind >= 0 && kind < ST_EVM_NKINDS ? kind_names[kind] : "?"; }

int st_evm_addr_parse(const char *text, uint8_t out[20]) {
    if (!text || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') || strlen(text) != 42) return ST_EINVAL;
    return st_hex_decode(text + 2, out, 20);
}

void st_evm_addr_format(const uint8_t a[20], char out[43]) {
    out[0] = '0';
    out[1] = 'x';
    st_hex_encode(a, 20, out + 2);
}

void st_evm_addr_format_eip55(const uint8_t a[20], char out[43]) {
    st_evm_addr_format(a, out);
    unsigned char h[32];
    st_keccak256(out + 2, 40, h);
    for (int i = 0; i < 40; i++) {
        int nibble = i % 2 ? h[i / 2] & 15 : h[i / 2] >> 4;
        if (out[2 + i] >= 'a' && nibble >= 8) out[2 + i] = (char)(out[2 + i] - 'a' + 'A');
    }
}

/* ---- manifest ---- */

static const char *const count_names[EV_NCOUNTS] = {"blocks", "transactions", "flows", "addresses", "assets"};

int ev_manifest_read(const char *dir, ev_counts *c, st_error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    memset(c, 0, sizeof *c);
    c->first_block = c->last_block = -1;
    if (!st_path_exists(path)) return ST_ENOTFOUND;
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) return st_error_at(err, ST_ECORRUPT, path, je.line, -1, "manifest unreadable: %s", je.text);
    int rc = ST_OK;
    if (!json_is_object(j) || json_integer_value(json_object_get(j, "version")) != 1) {
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1, "not an Ethereum store manifest (version 1)");
        goto done;
    }
    for (int i = 0; i < EV_NCOUNTS; i++) {
        json_t *v = json_object_get(j, count_names[i]);
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            rc = st_error_at(err, ST_ECORRUPT, path, 0, -1, "manifest: \"%s\" missing or negative", count_names[i]);
            goto done;
        }
        c->n[i] = (uint64_t)json_integer_value(v);
    }
    c->first_block = json_is_integer(json_object_get(j, "first_block")) ? json_integer_value(json_object_get(j, "first_block")) : -1;
    c->last_block = json_is_integer(json_object_get(j, "last_block")) ? json_integer_value(json_object_get(j, "last_block")) : -1;
done:
    json_decref(j);
    return rc;
}

int ev_manifest_write(const char *dir, const ev_counts *c, st_error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_t *j = json_object();
    int rc = ST_ENOMEM;
    if (!j) return st_error_set(err, ST_ENOMEM, "out of memory writing the manifest");
    json_object_set_new(j, "version", json_integer(1));
    for (int i = 0; i < EV_NCOUNTS; i++) json_object_set_new(j, count_names[i], json_integer((json_int_t)c->n[i]));
    json_object_set_new(j, "first_block", c->first_block < 0 ? json_null() : json_integer(c->first_block));
    json_object_set_new(j, "last_block", c->last_block < 0 ? json_null() : json_integer(c->last_block));
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!s) {
        st_error_set(err, ST_ENOMEM, "out of memory writing the manifest");
        goto done;
    }
    rc = st_file_write_atomic(path, s, strlen(s), err);
    free(s);
done:
    json_decref(j);
    return rc;
}

/* ---- indexes ---- */

uint64_t ev_key_hash(const uint8_t *key, size_t ksize) { return st_hash64(key, ksize); }

#define EV_HT_MAGIC 0x3174687665ULL /* "evht1" */
#define EV_AF_MAGIC 0x3166617665ULL /* "evaf1" */

int ev_hashtab_build(const uint8_t *keys, size_t ksize, uint64_t n, uint64_t **image, size_t *bytes) {
    uint64_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    uint64_t *img = st_calloc((size_t)cap + 3, 8);
    if (!img) return ST_ENOMEM;
    img[0] = EV_HT_MAGIC;
    img[1] = n;
    img[2] = cap;
    uint64_t *slots = img + 3;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t h = ev_key_hash(keys + i * ksize, ksize) & (cap - 1);
        while (slots[h]) h = (h + 1) & (cap - 1);
        slots[h] = i + 1;
    }
    *image = img;
    *bytes = (size_t)(cap + 3) * 8;
    return ST_OK;
}

int ev_hashtab_find(const ev_hashtab *t, const uint8_t *keys, size_t ksize, const uint8_t *key, uint64_t *id) {
    if (!t->cap) return 0;
    uint64_t h = ev_key_hash(key, ksize) & (t->cap - 1);
    for (uint64_t probes = 0; probes < t->cap && t->slots[h]; probes++) {
        uint64_t i = t->slots[h] - 1;
        if (i < t->n && !memcmp(keys + i * ksize, key, ksize)) {
            *id = i;
            return 1;
        }
        h = (h + 1) & (t->cap - 1);
    }
    return 0;
}

int ev_addrflows_build(const uint64_t *from, const uint64_t *to, uint64_t nflow, uint64_t naddr, uint64_t **image,
                       size_t *bytes) {
    uint64_t total = 0;
    for (uint64_t f = 0; f < nflow; f++) {
        if (from[f] < naddr) total++;
        if (to[f] < naddr && to[f] != from[f]) total++;
    }
    size_t words = 3 + (size_t)naddr + 1 + (size_t)total;
    uint64_t *img = st_calloc(words, 8);
    if (!img) return ST_ENOMEM;
    img[0] = EV_AF_MAGIC;
    img[1] = naddr;
    img[2] = nflow;
    uint64_t *off = img + 3, *ids = img + 3 + naddr + 1;
    for (uint64_t f = 0; f < nflow; f++) {
        if (from[f] < naddr) off[from[f] + 1]++;
        if (to[f] < naddr && to[f] != from[f]) off[to[f] + 1]++;
    }
    for (uint64_t a = 0; a < naddr; a++) off[a + 1] += off[a];
    /* fill in chain order: a running cursor per address, kept in ids' own
     * offsets copy would need naddr more words; walk with a temporary */
    uint64_t *cur = st_malloc((size_t)(naddr ? naddr : 1) * 8);
    if (!cur) {
        st_free(img);
        return ST_ENOMEM;
    }
    memcpy(cur, off, (size_t)naddr * 8);
    for (uint64_t f = 0; f < nflow; f++) {
        if (from[f] < naddr) ids[cur[from[f]]++] = f;
        if (to[f] < naddr && to[f] != from[f]) ids[cur[to[f]]++] = f;
    }
    st_free(cur);
    *image = img;
    *bytes = words * 8;
    return ST_OK;
}

/* ---- the open store ---- */

typedef struct ev_map {
    void *p;
    size_t len;
} ev_map;

struct st_evm {
    ev_counts c;
    const void *col[EV_NCOLS];
    ev_map maps[EV_NCOLS];
    ev_map idx_maps[3];
    ev_hashtab addr_ht, tx_ht;
    const uint64_t *af_off, *af_ids; /* per-address flows */
    uint64_t af_total;               /* ids in af_ids */
    void *af_owned;
    uint64_t store_bytes;
    ev_bal *bal; /* running balances (balance.c), NULL: queries walk */
};



static int map_file(const char *path, size_t need, ev_map *m, st_error *err) {
    m->p = NULL;
    m->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_at(err, ST_ECORRUPT, path, 0, -1, "cannot open: %s", strerror(errno));
    struct stat sb;
    int rc = ST_OK;
    if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size < need) {
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1, "holds %lld bytes, the manifest commits %zu",
                         (long long)sb.st_size, need);
        goto done;
    }
    if (need) {
        void *p = mmap(NULL, need, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot map: %s", strerror(errno));
            goto done;
        }
        m->p = p;
        m->len = need;
    }
done:
    close(fd);
    return rc;
}

/* Map an index file, or NULL image when absent / stale / too short. */
static const uint64_t *map_index(const char *dir, const char *name, uint64_t magic, uint64_t n1, uint64_t n2,
                                 ev_map *m) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    m->p = NULL;
    m->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat sb;
    const uint64_t *img = NULL;
    if (fstat(fd, &sb) == 0 && sb.st_size >= 24 && sb.st_size % 8 == 0) {
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            m->p = p;
            m->len = (size_t)sb.st_size;
            img = p;
            if (img[0] != magic || img[1] != n1 || (n2 != UINT64_MAX && img[2] != n2)) img = NULL;
        }
    }
    close(fd);
    return img;
}

static int open_hashtab(st_evm *e, const char *dir, const char *name, int col, uint64_t n, ev_hashtab *t,
                        ev_map *m) {
    const uint64_t *img = map_index(dir, name, EV_HT_MAGIC, n, UINT64_MAX, m);
    size_t w = ev_col_width(col);
    if (img && m->len >= 24 && img[2] && !(img[2] & (img[2] - 1)) && img[2] <= (m->len / 8) - 3) {
        t->slots = img + 3;
        t->cap = img[2];
        t->n = n;
        return ST_OK;
    }
    uint64_t *own;
    size_t bytes;
    if (ev_hashtab_build(e->col[col], w, n, &own, &bytes)) return ST_ENOMEM;
    t->owned = own;
    t->slots = own + 3;
    t->cap = own[2];
    t->n = n;
    return ST_OK;
}

int st_evm_open(st_evm **out, const char *dir, st_error *err) {
    *out = NULL;
    st_evm *e = st_calloc(1, sizeof *e);
    if (!e) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ev_manifest_read(dir, &e->c, err);
    if (rc == ST_ENOTFOUND) {
        rc = st_error_at(err, ST_ENOTFOUND, dir, 0, -1, "no Ethereum store here (run 'sanctrace evm ingest' first)");
        goto fail;
    }
    if (rc) goto fail;
    for (int i = 0; i < EV_NCOLS; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", dir, col_defs[i].name);
        uint64_t n = e->c.n[col_defs[i].count];
        if (n > SIZE_MAX / 64) {
            rc = st_error_at(err, ST_ECORRUPT, dir, 0, -1, "manifest: a record count is out of range");
            goto fail;
        }
        if ((rc = map_file(path, (size_t)n * col_defs[i].width, &e->maps[i], err))) goto fail;
        e->col[i] = e->maps[i].p;
        e->store_bytes += e->maps[i].len;
    }
    if ((rc = open_hashtab(e, dir, "addr_hash.idx", EV_COL_ADDR, e->c.n[EV_N_ADDRS], &e->addr_ht, &e->idx_maps[0])))
        goto oom;
    if ((rc = open_hashtab(e, dir, "tx_hash.idx", EV_COL_TX_HASH, e->c.n[EV_N_TXS], &e->tx_ht, &e->idx_maps[1])))
        goto oom;
    uint64_t naddr = e->c.n[EV_N_ADDRS], nflow = e->c.n[EV_N_FLOWS];
    const uint64_t *af = map_index(dir, "addr_flows.idx", EV_AF_MAGIC, naddr, nflow, &e->idx_maps[2]);
    if (af && e->idx_maps[2].len >= (3 + naddr + 1) * 8 &&
        af[3 + naddr] <= (e->idx_maps[2].len / 8) - (3 + naddr + 1)) {
        e->af_off = af + 3;
        e->af_ids = af + 3 + naddr + 1;
        e->af_total = (e->idx_maps[2].len / 8) - (3 + naddr + 1);
    } else {
        uint64_t *own;
        size_t bytes;
        if (ev_addrflows_build(e->col[EV_COL_FLOW_FROM], e->col[EV_COL_FLOW_TO], nflow, naddr, &own, &bytes)) {
            rc = ST_ENOMEM;
            goto oom;
        }
        e->af_owned = own;
        e->af_off = own + 3;
        e->af_ids = own + 3 + naddr + 1;
        e->af_total = bytes / 8 - (3 + naddr + 1);
    }
    for (int i = 0; i < 3; i++) e->store_bytes += e->idx_maps[i].len;
    e->bal = ev_bal_open(dir, &e->c);
    e->store_bytes += ev_bal_bytes(e->bal);
    *out = e;
    return ST_OK;
oom:
    st_error_set(err, ST_ENOMEM, "out of memory opening the store");
fail:
    st_evm_close(e);
    return rc;
}

void st_evm_close(st_evm *e) {
    if (!e) return;
    for (int i = 0; i < EV_NCOLS; i++)
        if (e->maps[i].p) munmap(e->maps[i].p, e->maps[i].len);
    for (int i = 0; i < 3; i++)
        if (e->idx_maps[i].p) munmap(e->idx_maps[i].p, e->idx_maps[i].len);
    st_free(e->addr_ht.owned);
    st_free(e->tx_ht.owned);
    st_free(e->af_owned);
    ev_bal_close(e->bal);
    st_free(e);
}

void st_evm_get_stats(const st_evm *e, st_evm_stats *st) {
    memset(st, 0, sizeof *st);
    st->blocks = e->c.n[EV_N_BLOCKS];
    st->transactions = e->c.n[EV_N_TXS];
    st->flows = e->c.n[EV_N_FLOWS];
    st->addresses = e->c.n[EV_N_ADDRS];
    st->assets = e->c.n[EV_N_ASSETS];
    st->first_block = e->c.first_block;
    st->last_block = e->c.last_block;
    st->store_bytes = e->store_bytes;
    for (int i = 0; i < EV_NCOLS; i++)
        if (col_defs[i].count == EV_N_FLOWS) st->column_bytes_per_flow += col_defs[i].width;
    if (st->flows) st->index_bytes_per_flow = (e->af_total * 8 + st->flows / 2) / st->flows;
}

#define COL(e, i, T) ((const T *)(e)->col[i])

int st_evm_find_addr(const st_evm *e, const uint8_t addr[20], uint64_t *id) {
    return ev_hashtab_find(&e->addr_ht, e->col[EV_COL_ADDR], 20, addr, id);
}

int st_evm_find_tx(const st_evm *e, const char *text, uint64_t *tx) {
    size_t n = strlen(text);
    if (n == 66 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        uint8_t h[32];
        if (st_hex_decode(text + 2, h, 32) != ST_OK) return ST_EINVAL;
        uint64_t id;
        if (!ev_hashtab_find(&e->tx_ht, e->col[EV_COL_TX_HASH], 32, h, &id)) return 0;
        if (!(COL(e, EV_COL_TX_FLAGS, uint8_t)[id] & EV_TXF_HASH)) return 0;
        *tx = id;
        return 1;
    }
    const char *colon = strchr(text, ':');
    if (!colon || colon == text || !colon[1] || n > 40) return ST_EINVAL;
    for (const char *p = text; *p; p++)
        if (p != colon && (*p < '0' || *p > '9')) return ST_EINVAL;
    unsigned long long blk = strtoull(text, NULL, 10), idx = strtoull(colon + 1, NULL, 10);
    if (idx >= UINT32_MAX) return 0;
    /* transactions are in (block, index) order: binary search */
    const uint64_t *tb = COL(e, EV_COL_TX_BLOCK, uint64_t);
    const uint32_t *ti = COL(e, EV_COL_TX_INDEX, uint32_t);
    uint64_t lo = 0, hi = e->c.n[EV_N_TXS];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (tb[mid] < blk || (tb[mid] == blk && ti[mid] < idx)) lo = mid + 1;
        else hi = mid;
    }
    if (lo < e->c.n[EV_N_TXS] && tb[lo] == blk && ti[lo] == idx) {
        *tx = lo;
        return 1;
    }
    return 0;
}

static void u256_at(const void *col, uint64_t i, st_u256 *out) { memcpy(out, (const uint8_t *)col + i * 32, 32); }

void st_evm_get_tx(const st_evm *e, uint64_t tx, st_evm_tx *o) {
    memset(o, 0, sizeof *o);
    uint8_t fl = COL(e, EV_COL_TX_FLAGS, uint8_t)[tx];
    memcpy(o->hash, (const uint8_t *)e->col[EV_COL_TX_HASH] + tx * 32, 32);
    o->has_hash = !!(fl & EV_TXF_HASH);
    o->block = COL(e, EV_COL_TX_BLOCK, uint64_t)[tx];
    o->index = COL(e, EV_COL_TX_INDEX, uint32_t)[tx];
    o->from = COL(e, EV_COL_TX_FROM, uint64_t)[tx];
    o->to = COL(e, EV_COL_TX_TO, uint64_t)[tx];
    u256_at(e->col[EV_COL_TX_VALUE], tx, &o->value);
    o->value_known = !!(fl & EV_TXF_VALUE);
    o->status = fl & EV_TXF_OK ? 1 : fl & EV_TXF_FAILED ? 0 : -1;
    u256_at(e->col[EV_COL_TX_FEE], tx, &o->fee);
    o->fee_known = !!(fl & EV_TXF_FEE);
    o->first_flow = COL(e, EV_COL_TX_FIRST_FLOW, uint64_t)[tx];
    o->nflows = COL(e, EV_COL_TX_NFLOWS, uint32_t)[tx];
    if (o->first_flow > e->c.n[EV_N_FLOWS] || o->nflows > e->c.n[EV_N_FLOWS] - o->first_flow) /* damaged */
        o->first_flow = o->nflows = 0;
}

/* block number of a flow: the last block whose first flow is <= f */
static uint64_t flow_block(const ev_cols *k, uint64_t f) {
    const uint64_t *bf = k->col[EV_COL_BLK_FIRST_FLOW];
    uint64_t lo = 0, hi = k->c.n[EV_N_BLOCKS];
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (bf[mid] <= f) lo = mid;
        else hi = mid;
    }
    return k->c.n[EV_N_BLOCKS] ? ((const uint64_t *)k->col[EV_COL_BLK_NUM])[lo] : 0;
}

void ev_cols_flow(const ev_cols *k, uint64_t f, st_evm_flow *o) {
    o->asset = ((const uint32_t *)k->col[EV_COL_FLOW_ASSET])[f];
    o->from = ((const uint64_t *)k->col[EV_COL_FLOW_FROM])[f];
    o->to = ((const uint64_t *)k->col[EV_COL_FLOW_TO])[f];
    u256_at(k->col[EV_COL_FLOW_AMOUNT], f, &o->amount);
    o->kind = ((const uint8_t *)k->col[EV_COL_FLOW_KIND])[f];
    o->tx = ((const uint64_t *)k->col[EV_COL_FLOW_TX])[f];
    o->position = ((const uint32_t *)k->col[EV_COL_FLOW_POS])[f];
    o->block = o->tx != ST_EVM_NONE && o->tx < k->c.n[EV_N_TXS] ? ((const uint64_t *)k->col[EV_COL_TX_BLOCK])[o->tx]
                                                                 : flow_block(k, f);
}

void ev_store_cols(const st_evm *e, ev_cols *k) {
    k->c = e->c;
    memcpy(k->col, e->col, sizeof k->col);
}

void st_evm_get_flow(const st_evm *e, uint64_t f, st_evm_flow *o) {
    ev_cols k;
    ev_store_cols(e, &k);
    ev_cols_flow(&k, f, o);
}

void st_evm_addr_text(const st_evm *e, uint64_t addr, char out[43]) {
    if (addr >= e->c.n[EV_N_ADDRS]) {
        out[0] = 0;
        return;
    }
    st_evm_addr_format((const uint8_t *)e->col[EV_COL_ADDR] + addr * 20, out);
}

void st_evm_asset_text(const st_evm *e, uint64_t asset, char out[43]) {
    uint64_t a = asset < e->c.n[EV_N_ASSETS] ? COL(e, EV_COL_ASSET_ADDR, uint64_t)[asset] : ST_EVM_NONE;
    if (a == ST_EVM_NONE) snprintf(out, 43, "ETH");
    else st_evm_addr_text(e, a, out);
}

/* The index file is checked where it is read, not trusted: a damaged list
 * reads as empty, a damaged id as flow 0, never out of the mapping. */
uint64_t st_evm_addr_nflows(const st_evm *e, uint64_t addr) {
    if (addr >= e->c.n[EV_N_ADDRS]) return 0;
    uint64_t a = e->af_off[addr], b = e->af_off[addr + 1];
    return a <= b && b <= e->af_total ? b - a : 0;
}

uint64_t st_evm_addr_flow(const st_evm *e, uint64_t addr, uint64_t i) {
    if (i >= st_evm_addr_nflows(e, addr)) return 0;
    uint64_t f = e->af_ids[e->af_off[addr] + i];
    return f < e->c.n[EV_N_FLOWS] ? f : 0;
}

/* Added up from the last running-balance checkpoint at or before the
 * place of at_block in the address's list (balance.c), the rest walked. */
int st_evm_address_summary(const st_evm *e, uint64_t addr, int64_t at_block, st_evm_summary *out, st_error *err) {
    memset(out, 0, sizeof *out);
    if (at_block < e->c.first_block)
        return st_error_set(err, ST_EINVAL, "block %lld is before the store's first block %lld: balances unknown",
                            (long long)at_block, (long long)e->c.first_block);
    uint64_t n = st_evm_addr_nflows(e, addr), upto = n;
    if (at_block < e->c.last_block) { /* the first flow after at_block: chain order */
        uint64_t lo = 0, hi = n;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            st_evm_flow f;
            st_evm_get_flow(e, st_evm_addr_flow(e, addr, mid), &f);
            if ((int64_t)f.block <= at_block) lo = mid + 1;
            else hi = mid;
        }
        upto = lo;
    }
    ev_bal_state s;
    ev_cols k;
    ev_store_cols(e, &k);
    uint64_t i;
    int rc = ev_bal_start(e->bal, addr, upto, &s, &i);
    for (; rc == ST_OK && i < upto; i++) {
        st_evm_flow f;
        ev_cols_flow(&k, st_evm_addr_flow(e, addr, i), &f);
        rc = ev_bal_step(&s, &k, addr, &f);
    }
    if (rc) {
        ev_bal_free(&s);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    *out = s.sum;
    for (size_t x = 0; x < out->nbalances; x++) {
        st_evm_balance *b = &out->balances[x];
        b->negative = st_u256_cmp(&b->sent, &b->received) > 0;
        if (b->negative) st_u256_sub(&b->net, &b->sent, &b->received);
        else st_u256_sub(&b->net, &b->received, &b->sent);
    }
    return ST_OK;
}
