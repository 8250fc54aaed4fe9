/*
 * store.c - the Ethereum store's files and its read-only queries:
 * column definitions, the manifest, the two kinds of index (hash tables
 * of ids, per-address flow lists) and everything evm.h answers.
 *
 * A reader maps each column PROT_READ and looks only at the committed
 * counts of manifest.json, so bytes an interrupted ingest left past them
 * are invisible.  The index files are derived data: each index is a base
 * and a delta (the records since the base), each file starting with the
 * counts it covers.  A base covering more than the manifest, or a delta
 * not running from its base to the manifest (an ingest stopped between
 * writing it and renaming the manifest), is rebuilt in the reader's own
 * memory, never trusted: the base over every record, or the delta alone
 * over the records past a base that fits.  A lookup asks the base, then
 * the delta; an address's flows are its base list, then its delta list.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/fs.h"
#include "core/map.h"
#include "core/prefetch.h"
#include "core/side.h"
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
    [EV_COL_TX_VALUE] = {"tx_value.col", EV_AMOUNT_W, EV_N_TXS},
    [EV_COL_TX_FEE] = {"tx_fee.col", EV_AMOUNT_W, EV_N_TXS},
    [EV_COL_TX_FLAGS] = {"tx_flags.col", 1, EV_N_TXS},
    [EV_COL_TX_FIRST_FLOW] = {"tx_first_flow.col", 8, EV_N_TXS},
    [EV_COL_TX_NFLOWS] = {"tx_nflows.col", 4, EV_N_TXS},
    [EV_COL_FLOW_ASSET] = {"flow_asset.col", 4, EV_N_FLOWS},
    [EV_COL_FLOW_FROM] = {"flow_from.col", 8, EV_N_FLOWS},
    [EV_COL_FLOW_TO] = {"flow_to.col", 8, EV_N_FLOWS},
    [EV_COL_FLOW_AMOUNT] = {"flow_amount.col", EV_AMOUNT_W, EV_N_FLOWS},
    [EV_COL_FLOW_KIND] = {"flow_kind.col", 1, EV_N_FLOWS},
    [EV_COL_FLOW_TX] = {"flow_tx.col", 8, EV_N_FLOWS},
    [EV_COL_FLOW_POS] = {"flow_pos.col", 4, EV_N_FLOWS},
    [EV_COL_ADDR] = {"addr.col", 20, EV_N_ADDRS},
    [EV_COL_ASSET_ADDR] = {"asset_addr.col", 8, EV_N_ASSETS},
    [EV_COL_WIDE_VALUE] = {"tx_value_wide.col", EV_WIDE_W, EV_N_WIDE_VALUES},
    [EV_COL_WIDE_FEE] = {"tx_fee_wide.col", EV_WIDE_W, EV_N_WIDE_FEES},
    [EV_COL_WIDE_FLOW] = {"flow_amount_wide.col", EV_WIDE_W, EV_N_WIDE_FLOWS},
};

int ev_amount_narrow(const st_u256 *a, uint8_t low[EV_AMOUNT_W]) {
    if (a->w[2] || a->w[3] || (a->w[0] == UINT64_MAX && a->w[1] == UINT64_MAX)) return 0;
    memcpy(low, &a->w[0], 8);
    memcpy(low + 8, &a->w[1], 8);
    return 1;
}

int ev_wide_col(int col) {
    return col == EV_COL_TX_VALUE ? EV_COL_WIDE_VALUE
           : col == EV_COL_TX_FEE ? EV_COL_WIDE_FEE
           : col == EV_COL_FLOW_AMOUNT ? EV_COL_WIDE_FLOW
                                       : -1;
}

void ev_amount_get(const void *col, const void *wide, uint64_t nwide, uint64_t i, st_u256 *out) {
    const uint8_t *p = (const uint8_t *)col + i * EV_AMOUNT_W;
    memcpy(&out->w[0], p, 8);
    memcpy(&out->w[1], p + 8, 8);
    out->w[2] = out->w[3] = 0;
    if (out->w[0] != UINT64_MAX || out->w[1] != UINT64_MAX) return;
    uint64_t lo = 0, hi = nwide; /* ids increase (written so; st_evm_open checks the ends) */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, id;
        memcpy(&id, (const uint8_t *)wide + mid * EV_WIDE_W, 8);
        if (id < i) lo = mid + 1;
        else hi = mid;
    }
    uint64_t id = UINT64_MAX;
    if (lo < nwide) memcpy(&id, (const uint8_t *)wide + lo * EV_WIDE_W, 8);
    if (id == i) memcpy(out, (const uint8_t *)wide + lo * EV_WIDE_W + 8, 32);
}

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

static const char *const count_names[EV_NCOUNTS] = {"blocks",      "transactions", "flows",     "addresses",
                                                    "assets",      "wide_values",  "wide_fees", "wide_flows"};

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
    if (json_is_object(j) && json_integer_value(json_object_get(j, "version")) == 1) {
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1,
                         "a store of an earlier sanctrace (version 1, 32-byte amounts): ingest the export again "
                         "into a new folder");
        goto done;
    }
    if (!json_is_object(j) || json_integer_value(json_object_get(j, "version")) != EV_STORE_VERSION) {
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1, "not an Ethereum store manifest (version %d)",
                         EV_STORE_VERSION);
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

char *ev_manifest_text(const ev_counts *c) {
    json_t *j = json_object();
    if (!j) return NULL;
    json_object_set_new(j, "version", json_integer(EV_STORE_VERSION));
    for (int i = 0; i < EV_NCOUNTS; i++) json_object_set_new(j, count_names[i], json_integer((json_int_t)c->n[i]));
    json_object_set_new(j, "first_block", c->first_block < 0 ? json_null() : json_integer(c->first_block));
    json_object_set_new(j, "last_block", c->last_block < 0 ? json_null() : json_integer(c->last_block));
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

int ev_manifest_write(const char *dir, const ev_counts *c, st_error *err) {
    char *s = ev_manifest_text(c), path[1100];
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory writing the manifest");
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = st_file_write_atomic(path, s, strlen(s), err);
    free(s);
    return rc;
}

/* ---- indexes ---- */

uint64_t ev_key_hash(const uint8_t *key, size_t ksize) { return st_hash64(key, ksize); }

#define EV_HT_MAGIC 0x3174687665ULL  /* "evht1" */
#define EV_AF_MAGIC 0x3166617665ULL  /* "evaf1" */
#define EV_HTD_MAGIC 0x3164687665ULL /* "evhd1": a hash table delta */
#define EV_AFD_MAGIC 0x3164617665ULL /* "evad1": a flow-list delta */

static const char *const ix_names[EV_NIX][2] = {
    [EV_IX_ADDR] = {"addr_hash.idx", "addr_hash.delta.idx"},
    [EV_IX_TX] = {"tx_hash.idx", "tx_hash.delta.idx"},
    [EV_IX_FLOWS] = {"addr_flows.idx", "addr_flows.delta.idx"},
};

const char *ev_ix_name(int ix, int delta) { return ix_names[ix][!!delta]; }

/* Words of a hash table's header: a base [magic, n, cap], a delta
 * [magic, lo, n, cap]. */
static size_t ht_head(int delta) { return delta ? 4 : 3; }

static void *dest_get(const ev_dest *d, size_t words) {
    return d ? d->get(d->ctx, words * 8) : st_calloc(words, 8);
}

int ev_hashtab_build(const uint8_t *keys, size_t ksize, uint64_t lo, uint64_t n, int delta, const ev_dest *d,
                     uint64_t **image, size_t *bytes) {
    uint64_t cap = 16, cnt = n - lo;
    while (cap < cnt * 2) cap <<= 1;
    size_t head = ht_head(delta);
    uint64_t *img = dest_get(d, (size_t)cap + head);
    if (!img) return ST_ENOMEM;
    img[0] = delta ? EV_HTD_MAGIC : EV_HT_MAGIC;
    if (delta) img[1] = lo, img[2] = n, img[3] = cap;
    else img[1] = n, img[2] = cap;
    uint64_t *slots = img + head;
    /* each key's slot hashed HT_AHEAD keys early and its line asked for,
     * so the insert finds it in the cache (a table past the caches) */
    enum { HT_AHEAD = 16 };
    uint64_t ring[HT_AHEAD];
    for (uint64_t i = lo; i < n && i < lo + HT_AHEAD; i++) {
        ring[i % HT_AHEAD] = ev_key_hash(keys + i * ksize, ksize) & (cap - 1);
        st_prefetch(&slots[ring[i % HT_AHEAD]]);
    }
    for (uint64_t i = lo; i < n; i++) {
        uint64_t h = ring[i % HT_AHEAD];
        if (i + HT_AHEAD < n) {
            uint64_t a = ev_key_hash(keys + (i + HT_AHEAD) * ksize, ksize) & (cap - 1);
            ring[i % HT_AHEAD] = a;
            st_prefetch(&slots[a]);
        }
        while (slots[h]) h = (h + 1) & (cap - 1);
        slots[h] = i + 1;
    }
    *image = img;
    *bytes = (size_t)(cap + head) * 8;
    return ST_OK;
}

/* Ids are inserted in increasing order and nothing is deleted, so along a
 * probe sequence the first id with a key is its lowest: a base searched
 * before its delta answers what one table over both would. */
int ev_hashtab_find(const ev_hashtab *t, const uint8_t *keys, size_t ksize, const uint8_t *key, uint64_t *id) {
    if (!t->cap) return 0;
    uint64_t h = ev_key_hash(key, ksize) & (t->cap - 1);
    for (uint64_t probes = 0; probes < t->cap && t->slots[h]; probes++) {
        uint64_t i = t->slots[h] - 1;
        if (i >= t->lo && i < t->n && !memcmp(keys + i * ksize, key, ksize)) {
            *id = i;
            return 1;
        }
        h = (h + 1) & (t->cap - 1);
    }
    return 0;
}

/* Half of the flows, [lo, hi), for ev_addrflows_build: counted per
 * address into at[], which then holds each address's next place in ids. */
typedef struct af_half {
    const uint64_t *from, *to;
    uint64_t lo, hi, naddr;
    uint64_t *at, *ids;
} af_half;

enum { AF_AHEAD = 8 }; /* flows ahead whose counters are asked of the memory */

static void *af_count_half(void *arg) {
    af_half *h = arg;
    const uint64_t *from = h->from, *to = h->to;
    uint64_t naddr = h->naddr, *cnt = h->at;
    for (uint64_t f = h->lo; f < h->hi; f++) {
        if (f + AF_AHEAD < h->hi) {
            uint64_t a = from[f + AF_AHEAD], b = to[f + AF_AHEAD];
            if (a < naddr) st_prefetch(&cnt[a]);
            if (b < naddr) st_prefetch(&cnt[b]);
        }
        if (from[f] < naddr) cnt[from[f]]++;
        if (to[f] < naddr && to[f] != from[f]) cnt[to[f]]++;
    }
    return NULL;
}

static void *af_place_half(void *arg) {
    af_half *h = arg;
    const uint64_t *from = h->from, *to = h->to;
    uint64_t naddr = h->naddr, *cur = h->at, *ids = h->ids;
    /* cursors and list places are at random: asked for ahead, the
     * cursors twice as far as the places they lead to */
    for (uint64_t f = h->lo; f < h->hi; f++) {
        if (f + 2 * AF_AHEAD < h->hi) {
            uint64_t a = from[f + 2 * AF_AHEAD], b = to[f + 2 * AF_AHEAD];
            if (a < naddr) st_prefetch(&cur[a]);
            if (b < naddr) st_prefetch(&cur[b]);
        }
        if (f + AF_AHEAD < h->hi) {
            uint64_t a = from[f + AF_AHEAD], b = to[f + AF_AHEAD];
            if (a < naddr) st_prefetch(&ids[cur[a]]);
            if (b < naddr) st_prefetch(&ids[cur[b]]);
        }
        if (from[f] < naddr) ids[cur[from[f]]++] = f;
        if (to[f] < naddr && to[f] != from[f]) ids[cur[to[f]]++] = f;
    }
    return NULL;
}

/* The flow lists in two halves of the flows, one on a thread of its own:
 * the lists are the commit's longest build, and the last to finish with
 * the other core idle.  Each half counts its own flows per address; an
 * address's list then starts with the first half's flows and the second
 * half's cursor starts after them, so each list is in chain order as one
 * pass would leave it. */
int ev_addrflows_build(const uint64_t *from, const uint64_t *to, uint64_t nflow, uint64_t naddr, const ev_dest *d,
                       uint64_t **image, size_t *bytes) {
    size_t cnt_bytes = 2 * (size_t)(naddr ? naddr : 1) * 8;
    uint64_t *cnt = st_calloc_table(cnt_bytes); /* at random: huge pages, fewer misses and faults */
    if (!cnt) return ST_ENOMEM;
    af_half h[2] = {{from, to, 0, nflow / 2, naddr, cnt, NULL}, {from, to, nflow / 2, nflow, naddr, cnt + naddr, NULL}};
    st_side side;
    st_side_run(&side, af_count_half, &h[1]);
    af_count_half(&h[0]);
    st_side_join(&side);
    uint64_t total = 0;
    for (uint64_t a = 0; a < naddr; a++) total += h[0].at[a] + h[1].at[a];
    size_t words = 3 + (size_t)naddr + 1 + (size_t)total;
    uint64_t *img = dest_get(d, words);
    if (!img) {
        st_free_table(cnt, cnt_bytes);
        return ST_ENOMEM;
    }
    img[0] = EV_AF_MAGIC;
    img[1] = naddr;
    img[2] = nflow;
    uint64_t *off = img + 3, *ids = img + 3 + naddr + 1;
    for (uint64_t a = 0; a < naddr; a++) { /* the counts become the halves' cursors */
        uint64_t c0 = h[0].at[a];
        off[a + 1] = off[a] + c0 + h[1].at[a];
        h[0].at[a] = off[a];
        h[1].at[a] = off[a] + c0;
    }
    h[0].ids = h[1].ids = ids;
    st_side_run(&side, af_place_half, &h[1]);
    af_place_half(&h[0]);
    st_side_join(&side);
    st_free_table(cnt, cnt_bytes);
    *image = img;
    *bytes = words * 8;
    return ST_OK;
}

/* The slot of address id a in a table of cap (a power of two) slots:
 * Fibonacci hashing, as map64 does, so consecutive new ids spread. */
static uint64_t id_slot(uint64_t a, uint64_t cap) { return ((a * 0x9E3779B97F4A7C15ULL) >> 21) & (cap - 1); }

/* The entry (0-based) of address a in an id table, inserting it as
 * entry *nt when absent and ins is set; UINT64_MAX when absent. */
static uint64_t id_probe(uint64_t *tab, uint64_t cap, uint64_t *keys, uint64_t a, uint64_t *nt) {
    uint64_t h = id_slot(a, cap);
    while (tab[h]) {
        if (keys[tab[h] - 1] == a) return tab[h] - 1;
        h = (h + 1) & (cap - 1);
    }
    if (!nt) return UINT64_MAX;
    keys[*nt] = a;
    tab[h] = ++*nt;
    return *nt - 1;
}

/* A touched address while a delta is built: id + 1 (0 empty) and its
 * flow count, then its cursor; one cache line a probe. */
typedef struct af_slot {
    uint64_t key1, n;
} af_slot;

static af_slot *af_probe(af_slot *t, uint64_t cap, uint64_t a) {
    uint64_t h = id_slot(a, cap);
    while (t[h].key1 && t[h].key1 != a + 1) h = (h + 1) & (cap - 1);
    return &t[h];
}

/* Count one more flow of address a, adding it when new (the table doubled
 * past half full).  ST_OK or ST_ENOMEM. */
static int af_count(af_slot **t, uint64_t *cap, uint64_t *nt, uint64_t a) {
    af_slot *s = af_probe(*t, *cap, a);
    s->n++;
    if (s->key1) return ST_OK;
    s->key1 = a + 1;
    if (++*nt * 2 <= *cap) return ST_OK;
    uint64_t nc = *cap * 2;
    af_slot *ns = st_calloc((size_t)nc, sizeof *ns);
    if (!ns) return ST_ENOMEM;
    for (uint64_t i = 0; i < *cap; i++)
        if ((*t)[i].key1) *af_probe(ns, nc, (*t)[i].key1 - 1) = (*t)[i];
    st_free(*t);
    *t = ns;
    *cap = nc;
    return ST_OK;
}

/* The delta's lists go by the addresses its flows touch, not by every
 * address of the store: a commit writes words in proportion to what it
 * adds, never one offset per address the store holds. */
int ev_addrflows_build_delta(const uint64_t *from, const uint64_t *to, uint64_t lo, uint64_t nflow, uint64_t naddr,
                             uint64_t **image, size_t *bytes) {
    uint64_t nf = nflow - lo, cap1 = 16, nt = 0, total = 0;
    while (cap1 < nf) cap1 <<= 1; /* busy addresses repeat: fewer touched than flows, else it grows */
    int rc = ST_ENOMEM;
    af_slot *t1 = st_calloc((size_t)cap1, sizeof *t1);
    uint64_t *img = NULL;
    if (!t1) goto done;
    for (uint64_t f = lo; f < nflow; f++) {
        if (from[f] < naddr && af_count(&t1, &cap1, &nt, from[f])) goto done;
        if (to[f] < naddr && to[f] != from[f] && af_count(&t1, &cap1, &nt, to[f])) goto done;
        total += (from[f] < naddr) + (to[f] < naddr && to[f] != from[f]);
    }
    uint64_t cap = 16;
    while (cap < nt * 2) cap <<= 1;
    size_t words = 6 + (size_t)cap + (size_t)nt + (size_t)nt + 1 + (size_t)total;
    if (!(img = st_calloc(words, 8))) goto done;
    img[0] = EV_AFD_MAGIC;
    img[1] = naddr;
    img[2] = lo;
    img[3] = nflow;
    img[4] = nt;
    img[5] = cap;
    uint64_t *tab = img + 6, *addr = tab + cap, *off = addr + nt, *ids = off + nt + 1, k = 0;
    for (uint64_t i = 0; i < cap1; i++) { /* entries in table order; the file's table sized to them */
        if (!t1[i].key1) continue;
        id_probe(tab, cap, addr, t1[i].key1 - 1, &k);
        off[k] = off[k - 1] + t1[i].n;
        t1[i].n = off[k - 1]; /* now the cursor */
    }
    for (uint64_t f = lo; f < nflow; f++) { /* chain order within each list */
        if (from[f] < naddr) ids[af_probe(t1, cap1, from[f])->n++] = f;
        if (to[f] < naddr && to[f] != from[f]) ids[af_probe(t1, cap1, to[f])->n++] = f;
    }
    *image = img;
    *bytes = words * 8;
    img = NULL;
    rc = ST_OK;
done:
    st_free(t1), st_free(img);
    return rc;
}

/* Is img (len bytes) a base of index ix that fits counts c?  Its covered
 * counts in cover (n; for the flow lists addresses and flows).  Only the
 * header and the last offset are read. */
static int base_fits(int ix, const uint64_t *img, size_t len, const ev_counts *c, uint64_t cover[2]) {
    size_t words = len / 8;
    if (!img || len % 8 || words < 3) return 0;
    if (ix == EV_IX_FLOWS) {
        uint64_t na = img[1], nf = img[2];
        if (img[0] != EV_AF_MAGIC || na > c->n[EV_N_ADDRS] || nf > c->n[EV_N_FLOWS] || words < 4 + na ||
            img[3 + na] != words - (4 + na))
            return 0;
        cover[0] = na, cover[1] = nf;
        return 1;
    }
    uint64_t n = img[1], cap = img[2];
    if (img[0] != EV_HT_MAGIC || n > c->n[ix == EV_IX_ADDR ? EV_N_ADDRS : EV_N_TXS] || !cap || (cap & (cap - 1)) ||
        cap < n || cap != words - 3)
        return 0;
    cover[0] = n, cover[1] = 0;
    return 1;
}

/* Is img a delta of index ix from cover to the counts c? */
static int delta_fits(int ix, const uint64_t *img, size_t len, const ev_counts *c, const uint64_t cover[2]) {
    size_t words = len / 8;
    if (!img || len % 8 || words < 6) return 0;
    if (ix == EV_IX_FLOWS) {
        uint64_t nt = img[4], cap = img[5];
        return img[0] == EV_AFD_MAGIC && img[1] == c->n[EV_N_ADDRS] && img[2] == cover[1] &&
               img[3] == c->n[EV_N_FLOWS] && cap && !(cap & (cap - 1)) && cap > nt && nt <= words &&
               cap <= words && words >= 7 + cap + 2 * nt && img[6 + cap + 2 * nt] == words - (7 + cap + 2 * nt);
    }
    uint64_t cap = img[3];
    return img[0] == EV_HTD_MAGIC && img[1] == cover[0] && img[2] == c->n[ix == EV_IX_ADDR ? EV_N_ADDRS : EV_N_TXS] &&
           cap && !(cap & (cap - 1)) && cap >= img[2] - img[1] && cap == words - 4;
}

/* Whether t answers for the records it covers: nine of them, the first,
 * the last and seven between, are found.  An index file of another store
 * (copied in by hand, say) can fit the counts; it does not find the keys. */
static int ht_sound(const ev_hashtab *t, const uint8_t *keys, size_t w) {
    if (t->n <= t->lo) return 1;
    uint64_t span = t->n - 1 - t->lo, id;
    for (uint64_t k = 0; k <= 8; k++) {
        uint64_t i = k == 8 ? t->n - 1 : t->lo + span / 8 * k;
        if (!ev_hashtab_find(t, keys, w, keys + i * w, &id)) return 0;
    }
    return 1;
}

/* Whether flow f is on address a's list in the base img (CSR: ids in chain order). */
static int af_holds(const uint64_t *img, uint64_t a, uint64_t f) {
    uint64_t naddr = img[1];
    if (a == ST_EVM_NONE || a >= naddr) return a == ST_EVM_NONE;
    const uint64_t *off = img + 3, *ids = img + 4 + naddr;
    uint64_t lo = off[a], hi = off[a + 1];
    if (lo > hi || hi > off[naddr]) return 0;
    while (lo < hi) {
        uint64_t m = lo + (hi - lo) / 2;
        if (ids[m] < f) lo = m + 1;
        else hi = m;
    }
    return lo < off[a + 1] && ids[lo] == f;
}

/* The flow lists' base as ht_sound: nine of its flows on their sender's and recipient's lists. */
static int af_sound(const uint64_t *img, const uint64_t *from, const uint64_t *to) {
    uint64_t nf = img[2];
    if (!nf) return 1;
    for (uint64_t k = 0; k <= 8; k++) {
        uint64_t f = k == 8 ? nf - 1 : (nf - 1) / 8 * k;
        if (!af_holds(img, from[f], f) || !af_holds(img, to[f], f)) return 0;
    }
    return 1;
}

/* ---- the open store ---- */

/* The per-address flow lists: a base (dense offsets over the addresses it
 * covers) and a delta (the addresses its flows touch, found through an id
 * table).  An address's list is the base's then the delta's: chain order. */
typedef struct ev_aflists {
    const uint64_t *off, *ids; /* base */
    uint64_t naddr, total;
    const uint64_t *tab, *addr, *doff, *dids; /* delta */
    uint64_t cap, nt, dtotal;
} ev_aflists;

struct st_evm {
    ev_counts c;
    const void *col[EV_NCOLS];
    ev_map maps[EV_NCOLS];
    ev_map idx_maps[EV_NIX][2]; /* base, delta */
    ev_hashtab ht[EV_IX_FLOWS][2]; /* addresses, transactions: base, delta */
    ev_aflists af;
    void *af_owned[2];
    uint64_t store_bytes;
    ev_bal *bal; /* running balances (balance.c), NULL: queries walk */
    ev_nofee *nofee; /* fees not known off the senders' flows (nofee.c), NULL: not counted */
    int fees_all_known; /* without nofee: every transaction with a sender has its fee (none to count) */
    char manifest[1100]; /* its path, and what it was when the handle was opened (st_evm_changed) */
    struct stat mf;
    int have_mf;
    int reading; /* st_evm_open's readers' lock, held until st_evm_close (-1: none) */
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

/* Map an index file whole (m empty when absent or unmappable). */
static void map_index(const char *dir, const char *name, ev_map *m) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    m->p = NULL;
    m->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_size >= 24 && sb.st_size % 8 == 0) {
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            m->p = p;
            m->len = (size_t)sb.st_size;
        }
    }
    close(fd);
}

static void unmap_index(ev_map *m) {
    if (m->p) munmap(m->p, m->len);
    m->p = NULL;
    m->len = 0;
}

/* Part (0 base, 1 delta) of dir's hash index ix mapped in m and answering
 * in t, when it fits the counts c (the base: no more than them, its count
 * in cover[0]; the delta: from cover[0] to them exactly) and finds the
 * keys it covers (ht_sound): 1; else 0, m unmapped. */
static int ht_map(const char *dir, int ix, int part, const ev_counts *c, const uint8_t *keys,
                  uint64_t cover[2], ev_hashtab *t, ev_map *m) {
    map_index(dir, ev_ix_name(ix, part), m);
    const uint64_t *img = m->p;
    uint64_t n = c->n[ix == EV_IX_ADDR ? EV_N_ADDRS : EV_N_TXS];
    ev_hashtab x = {NULL, 0, 0, 0, NULL};
    if (!part && base_fits(ix, img, m->len, c, cover)) x.slots = img + 3, x.cap = img[2], x.n = cover[0];
    if (part && delta_fits(ix, img, m->len, c, cover))
        x.slots = img + 4, x.cap = img[3], x.lo = cover[0], x.n = n;
    if (x.slots && ht_sound(&x, keys, ev_col_width(ix == EV_IX_ADDR ? EV_COL_ADDR : EV_COL_TX_HASH))) {
        *t = x;
        return 1;
    }
    unmap_index(m);
    return 0;
}

int ev_index_map_hashtab(const char *dir, int ix, const ev_counts *c, const uint8_t *keys, ev_hashtab t[2],
                         ev_map m[2]) {
    uint64_t cover[2], n = c->n[ix == EV_IX_ADDR ? EV_N_ADDRS : EV_N_TXS];
    memset(t, 0, 2 * sizeof *t);
    memset(m, 0, 2 * sizeof *m);
    if (!ht_map(dir, ix, 0, c, keys, cover, &t[0], &m[0])) return 0;
    t[1].lo = t[1].n = cover[0];
    if (cover[0] == n || ht_map(dir, ix, 1, c, keys, cover, &t[1], &m[1])) return 1;
    ev_index_unmap(m);
    memset(t, 0, 2 * sizeof *t);
    return 0;
}

void ev_index_unmap(ev_map m[2]) { unmap_index(&m[0]), unmap_index(&m[1]); }

/* The flow lists' base of dir mapped in m, when it fits the counts c (the
 * counts it covers in cover) and holds its flows (af_sound): 1; else 0, m
 * unmapped. */
static int af_map(const char *dir, const ev_counts *c, const uint64_t *from, const uint64_t *to,
                  uint64_t cover[2], ev_map *m) {
    map_index(dir, ev_ix_name(EV_IX_FLOWS, 0), m);
    if (base_fits(EV_IX_FLOWS, m->p, m->len, c, cover) && af_sound(m->p, from, to)) return 1;
    unmap_index(m);
    return 0;
}

int ev_index_base(const char *dir, int ix, const ev_counts *c, uint64_t cover[2], const uint8_t *keys,
                  const uint64_t *from, const uint64_t *to) {
    ev_map m;
    ev_hashtab t;
    int ok =
        ix == EV_IX_FLOWS ? af_map(dir, c, from, to, cover, &m) : ht_map(dir, ix, 0, c, keys, cover, &t, &m);
    unmap_index(&m);
    return ok;
}

/* A hash table's base and delta: each mapped when it fits the manifest,
 * else built here from the column (the base over every record when the
 * base does not fit; the delta over the records past a base that does). */
static int open_hashtab(st_evm *e, const char *dir, int ix) {
    int col = ix == EV_IX_ADDR ? EV_COL_ADDR : EV_COL_TX_HASH;
    uint64_t n = e->c.n[ix == EV_IX_ADDR ? EV_N_ADDRS : EV_N_TXS], cover[2];
    size_t w = ev_col_width(col);
    ev_map *m = e->idx_maps[ix];
    ev_hashtab *t = e->ht[ix];
    if (!ht_map(dir, ix, 0, &e->c, e->col[col], cover, &t[0], &m[0])) {
        uint64_t *own;
        size_t bytes;
        if (ev_hashtab_build(e->col[col], w, 0, n, 0, NULL, &own, &bytes)) return ST_ENOMEM;
        t[0].owned = own, t[0].slots = own + 3, t[0].cap = own[2], t[0].lo = 0, t[0].n = n;
        cover[0] = n;
    }
    t[1].lo = t[1].n = cover[0];
    if (cover[0] == n || ht_map(dir, ix, 1, &e->c, e->col[col], cover, &t[1], &m[1]))
        return ST_OK; /* nothing past the base, or its delta sound */
    uint64_t *own;
    size_t bytes;
    if (ev_hashtab_build(e->col[col], w, cover[0], n, 1, NULL, &own, &bytes)) return ST_ENOMEM;
    t[1].owned = own, t[1].slots = own + 4, t[1].cap = own[3], t[1].n = n;
    return ST_OK;
}

/* The flow lists' base and delta, as open_hashtab. */
static int open_aflists(st_evm *e, const char *dir) {
    uint64_t naddr = e->c.n[EV_N_ADDRS], nflow = e->c.n[EV_N_FLOWS], cover[2];
    ev_map *m = e->idx_maps[EV_IX_FLOWS];
    ev_aflists *af = &e->af;
    const uint64_t *from = e->col[EV_COL_FLOW_FROM], *to = e->col[EV_COL_FLOW_TO];
    const uint64_t *img;
    if (af_map(dir, &e->c, from, to, cover, &m[0])) img = m[0].p;
    else {
        uint64_t *own;
        size_t bytes;
        if (ev_addrflows_build(from, to, nflow, naddr, NULL, &own, &bytes)) return ST_ENOMEM;
        e->af_owned[0] = own;
        img = own;
        cover[0] = naddr, cover[1] = nflow;
    }
    af->naddr = img[1];
    af->off = img + 3;
    af->ids = img + 4 + af->naddr;
    af->total = af->off[af->naddr];
    if (cover[1] == nflow) return ST_OK; /* nothing past the base */
    map_index(dir, ev_ix_name(EV_IX_FLOWS, 1), &m[1]);
    img = m[1].p;
    if (!delta_fits(EV_IX_FLOWS, img, m[1].len, &e->c, cover)) {
        unmap_index(&m[1]);
        uint64_t *own;
        size_t bytes;
        if (ev_addrflows_build_delta(from, to, cover[1], nflow, naddr, &own, &bytes)) return ST_ENOMEM;
        e->af_owned[1] = own;
        img = own;
    }
    af->nt = img[4];
    af->cap = img[5];
    af->tab = img + 6;
    af->addr = af->tab + af->cap;
    af->doff = af->addr + af->nt;
    af->dids = af->doff + af->nt + 1;
    af->dtotal = af->doff[af->nt];
    return ST_OK;
}

int st_evm_open_bracketed(st_evm **out, const char *dir, st_error *err) {
    *out = NULL;
    st_evm *e = st_calloc(1, sizeof *e);
    if (!e) return st_error_set(err, ST_ENOMEM, "out of memory");
    e->reading = -1;
    /* stat before reading: a commit in between makes the handle look
     * changed (an extra open), never unchanged */
    snprintf(e->manifest, sizeof e->manifest, "%s/manifest.json", dir);
    e->have_mf = stat(e->manifest, &e->mf) == 0;
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
    for (int col = 0; col < EV_NCOLS; col++) { /* wide amounts: their ends name records there are, in order */
        int w = ev_wide_col(col);
        uint64_t n = w < 0 ? 0 : e->c.n[col_defs[w].count], first, last;
        if (!n) continue;
        /* the ends only, as other columns are checked by their sizes: a
         * whole pass would be work at every open, in proportion to the store */
        memcpy(&first, e->col[w], 8);
        memcpy(&last, (const uint8_t *)e->col[w] + (n - 1) * EV_WIDE_W, 8);
        if (last >= e->c.n[col_defs[col].count] || first > last || last - first < n - 1) {
            rc = st_error_at(err, ST_ECORRUPT, dir, 0, -1, "%s: its records name no %s records in order",
                             col_defs[w].name, col_defs[col].name);
            goto fail;
        }
    }
    if (open_hashtab(e, dir, EV_IX_ADDR) || open_hashtab(e, dir, EV_IX_TX) || open_aflists(e, dir)) {
        rc = ST_ENOMEM;
        goto oom;
    }
    for (int i = 0; i < EV_NIX; i++) e->store_bytes += e->idx_maps[i][0].len + e->idx_maps[i][1].len;
    e->bal = ev_bal_open(dir, &e->c, e->col[EV_COL_FLOW_FROM], e->col[EV_COL_FLOW_TO]);
    e->store_bytes += ev_bal_bytes(e->bal);
    e->nofee = ev_nofee_open(dir, &e->c);
    e->store_bytes += ev_nofee_bytes(e->nofee);
    if (!e->nofee) { /* an older sanctrace's store, or a damaged file: one pass, a byte a transaction */
        const uint8_t *flags = e->col[EV_COL_TX_FLAGS];
        const uint64_t *txfrom = e->col[EV_COL_TX_FROM];
        uint64_t t = 0, ntx = e->c.n[EV_N_TXS];
        while (t < ntx && ((flags[t] & EV_TXF_FEE) || txfrom[t] == ST_EVM_NONE)) t++;
        e->fees_all_known = t == ntx;
    }
    e->store_bytes += ev_events_bytes(dir); /* the events and block times beside */
    *out = e;
    return ST_OK;
oom:
    st_error_set(err, ST_ENOMEM, "out of memory opening the store");
fail:
    st_evm_close(e);
    return rc;
}

/* A command's handle: the readers' lock taken before the manifest is read
 * and held until st_evm_close, so a rollback never cuts what it maps. */
int st_evm_open(st_evm **out, const char *dir, st_error *err) {
    int token = st_evm_reader_enter(dir);
    int rc = st_evm_open_bracketed(out, dir, err);
    if (rc) st_evm_reader_leave(token);
    else (*out)->reading = token;
    return rc;
}

int st_evm_changed(const st_evm *e) {
    struct stat now;
    if (!e->have_mf || stat(e->manifest, &now) != 0) return 1;
    return now.st_dev != e->mf.st_dev || now.st_ino != e->mf.st_ino || now.st_size != e->mf.st_size ||
           now.st_mtim.tv_sec != e->mf.st_mtim.tv_sec || now.st_mtim.tv_nsec != e->mf.st_mtim.tv_nsec;
}

int st_evm_reader_enter(const char *dir) {
    char path[1100];
    /* behind a rollback that waits for the readers under way: it holds
     * the gate for a turn (ev_gate_turn_ms), then lets the readers
     * queued here in before it takes the gate again */
    snprintf(path, sizeof path, "%s/%s", dir, EV_READERS_GATE);
    int gate = open(path, O_RDONLY | O_CLOEXEC); /* none: a store no ingest of this version has written */
    while (gate >= 0 && flock(gate, LOCK_SH) != 0 && errno == EINTR) continue;
    snprintf(path, sizeof path, "%s/%s", dir, EV_READERS_LOCK);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd >= 0 && flock(fd, LOCK_SH) != 0)
        if (errno != EINTR) {
            close(fd);
            fd = -1;
        }
    if (gate >= 0) close(gate); /* its shared lock goes with it */
    return fd; /* -1: no ingest of this version has run, so none cuts a column under us */
}

void st_evm_reader_leave(int token) {
    if (token >= 0) close(token); /* the shared lock goes with it */
}

void st_evm_close(st_evm *e) {
    if (!e) return;
    for (int i = 0; i < EV_NCOLS; i++)
        if (e->maps[i].p) munmap(e->maps[i].p, e->maps[i].len);
    for (int i = 0; i < EV_NIX; i++) unmap_index(&e->idx_maps[i][0]), unmap_index(&e->idx_maps[i][1]);
    for (int i = 0; i < EV_IX_FLOWS; i++) st_free(e->ht[i][0].owned), st_free(e->ht[i][1].owned);
    st_free(e->af_owned[0]), st_free(e->af_owned[1]);
    ev_bal_close(e->bal);
    ev_nofee_close(e->nofee);
    st_evm_reader_leave(e->reading); /* after the maps are gone */
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
    if (st->flows) st->index_bytes_per_flow = ((e->af.total + e->af.dtotal) * 8 + st->flows / 2) / st->flows;
}

#define COL(e, i, T) ((const T *)(e)->col[i])

/* the base first: the lowest id with the key, as one table would answer */
static int ht_find(const st_evm *e, int ix, const uint8_t *key, uint64_t *id) {
    int col = ix == EV_IX_ADDR ? EV_COL_ADDR : EV_COL_TX_HASH;
    size_t w = ev_col_width(col);
    return ev_hashtab_find(&e->ht[ix][0], e->col[col], w, key, id) ||
           ev_hashtab_find(&e->ht[ix][1], e->col[col], w, key, id);
}

int st_evm_find_addr(const st_evm *e, const uint8_t addr[20], uint64_t *id) { return ht_find(e, EV_IX_ADDR, addr, id); }

int st_evm_find_tx(const st_evm *e, const char *text, uint64_t *tx) {
    size_t n = strlen(text);
    if (n == 66 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        uint8_t h[32];
        if (st_hex_decode(text + 2, h, 32) != ST_OK) return ST_EINVAL;
        uint64_t id;
        if (!ht_find(e, EV_IX_TX, h, &id)) return 0;
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

void st_evm_get_tx(const st_evm *e, uint64_t tx, st_evm_tx *o) {
    memset(o, 0, sizeof *o);
    if (tx >= e->c.n[EV_N_TXS]) { /* not one of the store's (a damaged id): nothing known */
        o->from = o->to = ST_EVM_NONE;
        o->status = -1;
        return;
    }
    uint8_t fl = COL(e, EV_COL_TX_FLAGS, uint8_t)[tx];
    memcpy(o->hash, (const uint8_t *)e->col[EV_COL_TX_HASH] + tx * 32, 32);
    o->has_hash = !!(fl & EV_TXF_HASH);
    o->block = COL(e, EV_COL_TX_BLOCK, uint64_t)[tx];
    o->index = COL(e, EV_COL_TX_INDEX, uint32_t)[tx];
    o->from = COL(e, EV_COL_TX_FROM, uint64_t)[tx];
    o->to = COL(e, EV_COL_TX_TO, uint64_t)[tx];
    if (o->from >= e->c.n[EV_N_ADDRS]) o->from = ST_EVM_NONE; /* damaged */
    if (o->to >= e->c.n[EV_N_ADDRS]) o->to = ST_EVM_NONE;
    ev_amount_get(e->col[EV_COL_TX_VALUE], e->col[EV_COL_WIDE_VALUE], e->c.n[EV_N_WIDE_VALUES], tx, &o->value);
    o->value_known = !!(fl & EV_TXF_VALUE);
    o->status = fl & EV_TXF_OK ? 1 : fl & EV_TXF_FAILED ? 0 : -1;
    ev_amount_get(e->col[EV_COL_TX_FEE], e->col[EV_COL_WIDE_FEE], e->c.n[EV_N_WIDE_FEES], tx, &o->fee);
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
    ev_amount_get(k->col[EV_COL_FLOW_AMOUNT], k->col[EV_COL_WIDE_FLOW], k->c.n[EV_N_WIDE_FLOWS], f, &o->amount);
    o->kind = ((const uint8_t *)k->col[EV_COL_FLOW_KIND])[f];
    o->tx = ((const uint64_t *)k->col[EV_COL_FLOW_TX])[f];
    o->position = ((const uint32_t *)k->col[EV_COL_FLOW_POS])[f];
    if ((o->from != ST_EVM_NONE && o->from >= k->c.n[EV_N_ADDRS]) ||
        (o->to != ST_EVM_NONE && o->to >= k->c.n[EV_N_ADDRS]) || o->asset >= k->c.n[EV_N_ASSETS] ||
        (o->tx != ST_EVM_NONE && o->tx >= k->c.n[EV_N_TXS])) {
        /* a damaged column: ids past the tables read as a flow that moves
         * nothing, never as an index out of them (the callers index their
         * own tables by these ids) */
        o->from = o->to = o->tx = ST_EVM_NONE;
        o->asset = 0;
        o->amount = st_u256_from_u64(0);
    }
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

/* The index files are checked where they are read, not trusted: a damaged
 * list reads as empty, a damaged id as flow 0, never out of the mapping. */
static uint64_t base_nflows(const ev_aflists *af, uint64_t addr) {
    if (addr >= af->naddr) return 0;
    uint64_t a = af->off[addr], b = af->off[addr + 1];
    return a <= b && b <= af->total ? b - a : 0;
}

/* the delta's entry of addr, or UINT64_MAX */
static uint64_t delta_entry(const ev_aflists *af, uint64_t addr) {
    if (!af->cap) return UINT64_MAX;
    uint64_t h = id_slot(addr, af->cap);
    for (uint64_t probes = 0; probes < af->cap && af->tab[h]; probes++) {
        uint64_t k = af->tab[h] - 1;
        if (k < af->nt && af->addr[k] == addr) {
            uint64_t a = af->doff[k], b = af->doff[k + 1];
            return a <= b && b <= af->dtotal ? k : UINT64_MAX;
        }
        h = (h + 1) & (af->cap - 1);
    }
    return UINT64_MAX;
}

uint64_t st_evm_addr_nflows(const st_evm *e, uint64_t addr) {
    if (addr >= e->c.n[EV_N_ADDRS]) return 0;
    uint64_t k = delta_entry(&e->af, addr);
    return base_nflows(&e->af, addr) + (k == UINT64_MAX ? 0 : e->af.doff[k + 1] - e->af.doff[k]);
}

uint64_t st_evm_addr_flow(const st_evm *e, uint64_t addr, uint64_t i) {
    if (addr >= e->c.n[EV_N_ADDRS]) return 0;
    const ev_aflists *af = &e->af;
    uint64_t nb = base_nflows(af, addr), f = 0;
    if (i < nb) f = af->ids[af->off[addr] + i];
    else {
        uint64_t k = delta_entry(af, addr);
        if (k == UINT64_MAX || i - nb >= af->doff[k + 1] - af->doff[k]) return 0;
        f = af->dids[af->doff[k] + (i - nb)];
    }
    return f < e->c.n[EV_N_FLOWS] ? f : 0;
}

uint64_t ev_addr_first_at(const st_evm *e, uint64_t addr, uint64_t block) {
    uint64_t lo = 0, hi = st_evm_addr_nflows(e, addr);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        st_evm_flow f;
        st_evm_get_flow(e, st_evm_addr_flow(e, addr, mid), &f);
        if (f.block < block) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Added up from the last running-balance checkpoint at or before the
 * place of at_block in the address's list (balance.c), the rest walked. */
int st_evm_address_summary(const st_evm *e, uint64_t addr, int64_t at_block, st_evm_summary *out, st_error *err) {
    memset(out, 0, sizeof *out);
    if (at_block < e->c.first_block)
        return st_error_set(err, ST_EINVAL, "block %lld is before the store's first block %lld: balances unknown",
                            (long long)at_block, (long long)e->c.first_block);
    uint64_t n = st_evm_addr_nflows(e, addr), upto = n;
    if (at_block < e->c.last_block) upto = ev_addr_first_at(e, addr, (uint64_t)at_block + 1); /* the first flow after it */
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
    /* and those of unknown fee that moved nothing from it (on none of its flows) */
    uint64_t tx_end = e->c.n[EV_N_TXS];
    if (e->nofee && at_block < e->c.last_block) { /* the first transaction of the first block past at_block */
        const uint64_t *num = e->col[EV_COL_BLK_NUM], *ft = e->col[EV_COL_BLK_FIRST_TX];
        uint64_t a = 0, z = e->c.n[EV_N_BLOCKS];
        while (a < z) {
            uint64_t m = a + (z - a) / 2;
            if ((int64_t)num[m] <= at_block) a = m + 1;
            else z = m;
        }
        if (a < e->c.n[EV_N_BLOCKS] && ft[a] < tx_end) tx_end = ft[a];
    }
    out->fees_unknown += ev_nofee_count(e->nofee, addr, tx_end);
    out->fees_unknown_partial = !e->nofee && !e->fees_all_known;
    for (size_t x = 0; x < out->nbalances; x++) { /* |received - sent| in 320 bits */
        st_evm_balance *b = &out->balances[x];
        b->negative = b->sent_hi != b->received_hi ? b->sent_hi > b->received_hi
                                                   : st_u256_cmp(&b->sent, &b->received) > 0;
        const st_u256 *big = b->negative ? &b->sent : &b->received;
        const st_u256 *small = b->negative ? &b->received : &b->sent;
        uint64_t bh = b->negative ? b->sent_hi : b->received_hi;
        uint64_t sh = b->negative ? b->received_hi : b->sent_hi;
        b->net_hi = bh - sh - (uint64_t)st_u256_sub(&b->net, big, small);
    }
    return ST_OK;
}
