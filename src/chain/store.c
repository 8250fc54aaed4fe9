/*
 * store.c - opening the chain store, its column files and manifest, and
 * the read-only queries of include/sanctrace/chain.h.
 *
 * Columns are mapped whole; a reader maps them PROT_READ and uses only the
 * committed counts from manifest.json, so anything an interrupted ingest
 * left past those counts is invisible (see store_int.h for the protocol).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/store_int.h"
#include "core/alloc.h"
#include "core/codec.h"
#include "core/fs.h"

static const struct {
    const char *name;
    size_t esize;
} col_defs[COL_COUNT] = {
    [COL_HDR] = {"hdr.col", sizeof(hdr_rec)},
    [COL_CHAIN] = {"chain.col", sizeof(chain_rec)},
    [COL_BLK_TX] = {"block_first_tx.col", 8},
    [COL_TX_HASH] = {"tx_hash.col", 32},
    [COL_TX_IN] = {"tx_first_in.col", 8},
    [COL_TX_OUT] = {"tx_first_out.col", 8},
    [COL_TX_BLOCK] = {"tx_block.col", 4},
    [COL_TX_POS] = {"tx_pos.col", 8},
    [COL_IN_PREV] = {"in_prev.col", 8},
    [COL_IN_TX] = {"in_tx.col", 8},
    [COL_UNK] = {"in_unknown.col", sizeof(unk_rec)},
    [COL_OUT_VALUE] = {"out_value.col", 8},
    [COL_OUT_TYPE] = {"out_type.col", 1},
    [COL_OUT_ADDR] = {"out_addr.col", 8},
    [COL_OUT_SPENT] = {"out_spent.col", 8},
    [COL_OUT_NEXT] = {"out_next.col", 8},
    [COL_ADDR] = {"addr.col", sizeof(addr_rec)},
    [COL_TXIDX] = {"txidx.tab", 8},
    [COL_ADDRIDX] = {"addridx.tab", 8},
};

const char *store_col_name(int col) { return col_defs[col].name; }
size_t store_col_esize(int col) { return col_defs[col].esize; }

/* private: map copy-on-write (a reader repairing an interrupted store in
 * its own memory, never on disk) */
static int store_col_open_mode(chain_col *c, const char *dir, int which, uint64_t n, int writable, int private,
                               st_error *err);
static int store_index_refresh(st_chain *c, st_error *err);

int store_col_open(chain_col *c, const char *dir, int which, uint64_t n, int writable, st_error *err) {
    return store_col_open_mode(c, dir, which, n, writable, 0, err);
}

static int store_col_open_mode(chain_col *c, const char *dir, int which, uint64_t n, int writable, int private,
                               st_error *err) {
    char path[1200];
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->esize = col_defs[which].esize;
    c->which = which;
    c->writable = writable;
    snprintf(path, sizeof path, "%s/%s", dir, col_defs[which].name);
    c->fd = open(path, writable ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, ST_FILE_MODE);
    if (c->fd < 0) {
        if (!writable && errno == ENOENT && n == 0) return ST_OK; /* empty store */
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    }
    struct stat sb;
    if (fstat(c->fd, &sb) != 0) return st_error_at(err, ST_EIO, path, 0, -1, "stat failed");
    if (n > (uint64_t)sb.st_size / c->esize) /* not n * esize: a corrupt count could wrap it */
        return st_error_at(err, ST_ECORRUPT, path, 0, (long long)sb.st_size,
                           "column holds %lld bytes, the manifest commits %llu records of %zu",
                           (long long)sb.st_size, (unsigned long long)n, c->esize);
    c->cap = (size_t)sb.st_size;
    c->n = n;
    /* an ingest stopped before this fix could leave holes inside the file
     * that the next one writes through the mapping: reserve them too (on
     * a sound store every block is allocated and this costs nothing) */
    if (writable && c->cap && fallocate(c->fd, 0, 0, (off_t)c->cap) != 0 && errno == ENOSPC)
        return st_error_at(err, ST_EIO, path, 0, -1,
                           "no space left on device to fill the gaps an interrupted ingest left in this column");
    if (c->cap) {
        c->base = mmap(NULL, c->cap, writable || private ? PROT_READ | PROT_WRITE : PROT_READ,
                       private ? MAP_PRIVATE : MAP_SHARED, c->fd, 0);
        if (c->base == MAP_FAILED) {
            c->base = NULL;
            return st_error_at(err, ST_EIO, path, 0, -1, "mmap failed: %s", strerror(errno));
        }
    }
    return ST_OK;
}

/* Reserve the file's blocks in [from, to) before they are mapped: a page
 * of a shared file mapping that the filesystem cannot back when it is
 * first written raises SIGBUS, which kills the ingest with no word (disk
 * full, a quota).  Reserved here, it fails as an error while the mapping
 * is untouched and the committed store intact.  Returns an errno value. */
static int col_fallocate(int fd, size_t from, size_t to) {
    int e;
    do e = posix_fallocate(fd, (off_t)from, (off_t)(to - from));
    while (e == EINTR);
    return e;
}

int store_col_reserve(chain_col *c, uint64_t n, st_error *err) {
    /* n * esize, and the doubling below, must not wrap */
    if (n > (SIZE_MAX / 4) / c->esize)
        return st_error_set(err, ST_ELIMIT, "%s: %llu records exceed what this machine can map",
                           col_defs[c->which].name, (unsigned long long)n);
    size_t need = (size_t)n * c->esize;
    if (need <= c->cap) return ST_OK;
    /* from 64 KiB: every byte of the capacity is reserved on disk now, and a
     * fresh store starts with 17 columns */
    size_t cap = c->cap ? c->cap : (64u << 10);
    while (cap < need) cap *= 2;
    int e = col_fallocate(c->fd, c->cap, cap);
    if ((e == ENOSPC || e == EFBIG) && cap > need) {
        /* the doubling asked for more than this write needs: try just that
         * (in 64 KiB steps), so a nearly full disk is used to its end */
        size_t tight = (need + (64u << 10) - 1) & ~(size_t)((64u << 10) - 1);
        if (tight < cap && (e = col_fallocate(c->fd, c->cap, tight)) == 0) cap = tight;
    }
    if (e == ENOSPC)
        return st_error_set(err, ST_EIO,
                            "no space left on device: cannot grow %s to %zu bytes; the store keeps its last commit",
                            col_defs[c->which].name, cap);
    if (e == EFBIG)
        return st_error_set(err, ST_EIO,
                            "file size limit reached: cannot grow %s to %zu bytes (%s); the store keeps its last commit",
                            col_defs[c->which].name, cap, strerror(e));
    if (e) return st_error_set(err, ST_EIO, "cannot grow %s to %zu bytes: %s", col_defs[c->which].name, cap, strerror(e));
    /* a fresh mapping rather than mremap: the kernel places it on a 2 MiB
     * boundary, so the page cache's huge folios can be mapped whole */
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    if (p == MAP_FAILED) return st_error_set(err, ST_EIO, "cannot map a column: %s", strerror(errno));
    if (c->base) munmap(c->base, c->cap);
    c->base = p;
    c->cap = cap;
    /* ingest writes every column at random or in big sequential runs: huge
     * folios and PMD mappings spare one page fault and one TLB entry per
     * 4 KiB (costly under virtualisation).  Not for small columns: each
     * would zero-fill up to 2 MiB past its end, which at 100k
     * transactions was a fifth of the store. */
    if (cap >= (16u << 20)) madvise(p, cap, MADV_HUGEPAGE);
    return ST_OK;
}

void store_col_close(chain_col *c) {
    if (c->base) munmap(c->base, c->cap); /* file mapping or anonymous copy alike */
    if (c->fd >= 0) close(c->fd);
    c->base = NULL;
    c->fd = -1;
}

static uint64_t js_u64(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static int store_read_manifest(st_chain *c, const char *path, st_error *err) {
    char *text = NULL;
    size_t len;
    int rc = st_file_read(path, 64u << 20, &text, &len, err);
    if (rc) return rc;
    json_error_t je;
    json_t *m = json_loadb(text, len, 0, &je);
    st_free(text);
    if (!m || !json_is_object(m)) {
        if (m) json_decref(m);
        return st_error_at(err, ST_ECORRUPT, path, je.line, -1, "manifest unreadable: %s", je.text);
    }
    json_t *net = json_object_get(m, "network");
    c->net = json_is_string(net) ? st_chain_net_parse(json_string_value(net)) : ST_NET_UNKNOWN;
    c->n_hdr = js_u64(m, "headers");
    c->n_blocks = js_u64(m, "blocks");
    c->n_tx = js_u64(m, "transactions");
    c->n_in = js_u64(m, "inputs");
    c->n_out = js_u64(m, "outputs");
    c->n_addr = js_u64(m, "addresses");
    c->n_unk = js_u64(m, "unknown_inputs");
    c->n_invalid = js_u64(m, "bad_bodies");
    /* ids are 40-bit in the index slots; a count beyond that (or a negative
     * one, read as huge) is damage, and it would wrap the size arithmetic
     * (n + 1 sentinels, n * record size) that opening the columns does */
    const uint64_t counts[] = {c->n_hdr, c->n_blocks, c->n_tx, c->n_in, c->n_out, c->n_addr, c->n_unk, c->n_invalid};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (counts[i] > IDX_ID_MASK) {
            json_decref(m);
            return st_error_at(err, ST_ECORRUPT, path, 0, -1, "manifest: a record count is out of range");
        }
    json_t *fmt = json_object_get(m, "format");
    if (!json_is_integer(fmt) || json_integer_value(fmt) < 1 || json_integer_value(fmt) > STORE_FORMAT) {
        json_decref(m);
        return st_error_at(err, ST_ECORRUPT, path, 0, -1,
                           "store format %lld is not one this sanctrace reads (%d); re-ingest into a new --db",
                           json_is_integer(fmt) ? (long long)json_integer_value(fmt) : -1LL, STORE_FORMAT);
    }
    /* format 1 wrote the indexes at every commit */
    c->idx_tx = json_object_get(m, "index_tx") ? js_u64(m, "index_tx") : c->n_tx;
    c->idx_addr = json_object_get(m, "index_addr") ? js_u64(m, "index_addr") : c->n_addr;
    json_t *files = json_object_get(m, "files");
    size_t nf = json_is_array(files) ? json_array_size(files) : 0;
    c->files = nf ? st_calloc(nf, sizeof *c->files) : NULL;
    if (nf && !c->files) {
        json_decref(m);
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    c->cap_files = nf;
    for (size_t i = 0; i < nf; i++) {
        json_t *f = json_array_get(files, i);
        const char *p = json_string_value(json_object_get(f, "path"));
        const char *x = json_string_value(json_object_get(f, "xor"));
        store_file *sf = &c->files[c->nfiles];
        sf->path = st_strdup(p ? p : "");
        if (!sf->path) {
            json_decref(m);
            return st_error_set(err, ST_ENOMEM, "out of memory");
        }
        c->nfiles++;
        sf->scanned = js_u64(f, "scanned");
        sf->raw = json_is_true(json_object_get(f, "raw"));
        sf->bz2 = json_is_true(json_object_get(f, "bz2"));
        if (x && strlen(x) == 16) {
            sf->has_xor = 1;
            if (st_hex_decode(x, sf->xor_key, 8) != ST_OK) {
                json_decref(m);
                return st_error_at(err, ST_ECORRUPT, path, 0, -1, "manifest: bad xor key for %s", sf->path);
            }
        }
    }
    json_decref(m);
    return ST_OK;
}

int store_write_manifest(st_chain *c, st_error *err) {
    json_t *m = json_object(), *files = json_array();
    int rc = ST_ENOMEM;
    if (!m || !files) goto done;
    json_object_set_new(m, "format", json_integer(STORE_FORMAT));
    json_object_set_new(m, "network", json_string(st_chain_net_name(c->net)));
    json_object_set_new(m, "headers", json_integer((json_int_t)c->n_hdr));
    json_object_set_new(m, "blocks", json_integer((json_int_t)c->n_blocks));
    json_object_set_new(m, "transactions", json_integer((json_int_t)c->n_tx));
    json_object_set_new(m, "inputs", json_integer((json_int_t)c->n_in));
    json_object_set_new(m, "outputs", json_integer((json_int_t)c->n_out));
    json_object_set_new(m, "addresses", json_integer((json_int_t)c->n_addr));
    json_object_set_new(m, "unknown_inputs", json_integer((json_int_t)c->n_unk));
    json_object_set_new(m, "bad_bodies", json_integer((json_int_t)c->n_invalid));
    json_object_set_new(m, "index_tx", json_integer((json_int_t)(c->idx_tx < c->n_tx ? c->idx_tx : c->n_tx)));
    json_object_set_new(m, "index_addr", json_integer((json_int_t)(c->idx_addr < c->n_addr ? c->idx_addr : c->n_addr)));
    for (size_t i = 0; i < c->nfiles; i++) {
        json_t *f = json_object();
        if (!f) goto done;
        json_object_set_new(f, "path", json_string(c->files[i].path));
        json_object_set_new(f, "scanned", json_integer((json_int_t)c->files[i].scanned));
        if (c->files[i].raw) json_object_set_new(f, "raw", json_true());
        if (c->files[i].bz2) json_object_set_new(f, "bz2", json_true());
        if (c->files[i].has_xor) {
            char x[17];
            for (int k = 0; k < 8; k++) snprintf(x + 2 * k, 3, "%02x", c->files[i].xor_key[k]);
            json_object_set_new(f, "xor", json_string(x));
        }
        json_array_append_new(files, f);
    }
    json_object_set(m, "files", files);
    char *text = json_dumps(m, JSON_INDENT(1));
    if (!text) goto done;
    char path[1200];
    snprintf(path, sizeof path, "%s/manifest.json", c->dir);
    rc = st_file_write_atomic(path, text, strlen(text), err);
    free(text);
done:
    if (rc == ST_ENOMEM) st_error_set(err, ST_ENOMEM, "out of memory writing the manifest");
    json_decref(files);
    json_decref(m);
    return rc;
}

void store_committed_counts(const st_chain *c, uint64_t counts[COL_COUNT]) {
    const uint64_t n[COL_COUNT] = {
        [COL_HDR] = c->n_hdr, [COL_CHAIN] = c->n_blocks, [COL_BLK_TX] = c->n_blocks + 1,
        [COL_TX_HASH] = c->n_tx, [COL_TX_IN] = c->n_tx + 1, [COL_TX_OUT] = c->n_tx + 1,
        [COL_TX_BLOCK] = c->n_tx, [COL_TX_POS] = c->n_tx, [COL_IN_PREV] = c->n_in,
        [COL_IN_TX] = c->n_in, [COL_UNK] = c->n_unk, [COL_OUT_VALUE] = c->n_out,
        [COL_OUT_TYPE] = c->n_out, [COL_OUT_ADDR] = c->n_out, [COL_OUT_SPENT] = c->n_out,
        [COL_OUT_NEXT] = c->n_out, [COL_ADDR] = c->n_addr,
    };
    memcpy(counts, n, sizeof n);
}

void store_trim_to_commit(st_chain *c) {
    uint64_t counts[COL_COUNT];
    store_committed_counts(c, counts);
    for (int i = 0; i < COL_COUNT; i++) {
        chain_col *col = &c->col[i];
        if (i == COL_TXIDX || i == COL_ADDRIDX || col->fd < 0 || !col->writable) continue;
        size_t keep = (size_t)counts[i] * col->esize;
        if (keep >= col->cap) continue;
        /* unmapped first: nothing may touch the pages past the new end */
        if (col->base) munmap(col->base, col->cap);
        col->base = NULL, col->cap = 0;
        if (ftruncate(col->fd, (off_t)keep) != 0) continue; /* the space stays reserved; no harm */
    }
}

void store_repair(st_chain *c, uint64_t nblocks, uint64_t ntx, uint64_t nin, uint64_t nout, uint64_t naddr) {
    uint64_t *os = (uint64_t *)c->col[COL_OUT_SPENT].base, *on = (uint64_t *)c->col[COL_OUT_NEXT].base;
    for (uint64_t o = 0; o < nout; o++) {
        if (os[o] != ST_CHAIN_NONE && os[o] >= nin) os[o] = ST_CHAIN_NONE;
        if (on[o] != ST_CHAIN_NONE && on[o] >= nout) on[o] = ST_CHAIN_NONE;
    }
    addr_rec *ar = (addr_rec *)c->col[COL_ADDR].base;
    for (uint64_t a = 0; a < naddr; a++) {
        if (ar[a].last < nout) continue;
        uint64_t o = ar[a].first;
        if (o >= nout) continue; /* damaged: st_chain_addr_first_out reads it as none */
        /* to the list's end; a link that does not go forward (a damaged
         * column: zeros where a crash left a hole) ends it there */
        while (on[o] > o && on[o] < nout) o = on[o];
        on[o] = ST_CHAIN_NONE;
        ar[a].last = o;
    }
    /* dropped ids are the newest insertions, so no live key sits behind
     * them on a probe path: emptying their slots keeps lookups exact */
    int ix[2] = {COL_TXIDX, COL_ADDRIDX};
    uint64_t lim[2] = {ntx, naddr};
    for (int k = 0; k < 2; k++) {
        uint64_t *s = (uint64_t *)c->col[ix[k]].base;
        for (uint64_t i = 0; i < c->col[ix[k]].n; i++)
            if (s[i] && (s[i] & IDX_ID_MASK) - 1 >= lim[k]) s[i] = 0;
    }
    ((uint64_t *)c->col[COL_TX_IN].base)[ntx] = nin;
    ((uint64_t *)c->col[COL_TX_OUT].base)[ntx] = nout;
    ((uint64_t *)c->col[COL_BLK_TX].base)[nblocks] = ntx;
}

int store_open(st_chain *c, const char *dir, int writable, st_error *err) {
    char path[1200];
    int rc;
    memset(c, 0, sizeof *c);
    c->lock_fd = -1;
    for (int i = 0; i < COL_COUNT; i++) c->col[i].fd = -1;
    c->writable = writable;
    if (snprintf(c->dir, sizeof c->dir, "%s", dir) >= (int)sizeof c->dir)
        return st_error_set(err, ST_ELIMIT, "store path too long");
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int have = st_path_exists(path);
    if (!have && !writable)
        return st_error_at(err, ST_ENOTFOUND, dir, 0, -1,
                           "no chain store here (run 'sanctrace chain ingest --db %s PATH' first)", dir);
    if (writable && (rc = st_mkdir_p(dir, err))) return rc;
    snprintf(path, sizeof path, "%s/lock", dir);
    c->lock_fd = open(path, writable ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, ST_FILE_MODE);
    /* a writer never goes on unlocked: two ingests would interleave their
     * appends and commits (a reader of a store without a lock file, one
     * written before there was one, reads as before) */
    if (c->lock_fd < 0 && writable)
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot open the store's lock file: %s", strerror(errno));
    if (c->lock_fd >= 0 && flock(c->lock_fd, (writable ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) /* not held by anyone: say what failed */
            return st_error_at(err, ST_EIO, path, 0, -1, "cannot lock the store: %s", strerror(errno));
        return st_error_at(err, ST_EIO, dir, 0, -1,
                           writable ? "the store is in use (a query or another ingest holds it)"
                                    : "an ingest is writing this store; try again when it is done");
    }
    if (have) {
        snprintf(path, sizeof path, "%s/manifest.json", dir);
        if ((rc = store_read_manifest(c, path, err))) return rc;
    }
    uint64_t counts[COL_COUNT];
    store_committed_counts(c, counts);
    snprintf(path, sizeof path, "%s/dirty", dir);
    int dirty = !writable && have && st_path_exists(path);
    for (int i = 0; i < COL_COUNT; i++) {
        uint64_t n = counts[i];
        if (!have && (i == COL_BLK_TX || i == COL_TX_IN || i == COL_TX_OUT)) n = 0;
        if ((rc = store_col_open_mode(&c->col[i], dir, i, n, writable, dirty, err))) return rc;
        if (i == COL_TXIDX || i == COL_ADDRIDX) c->col[i].n = c->col[i].cap / 8;
    }
    /* an ingest was interrupted: links past the committed counts are
     * cleared in this reader's private copy; the next ingest does it on disk */
    if (dirty && c->n_tx) store_repair(c, c->n_blocks, c->n_tx, c->n_in, c->n_out, c->n_addr);
    /* and index files it had not rewritten yet are rebuilt in memory */
    if (!writable && (rc = store_index_refresh(c, err))) return rc;
    if (!have) { /* a fresh store: the sentinel entries */
        int sent[3] = {COL_BLK_TX, COL_TX_IN, COL_TX_OUT};
        for (int k = 0; k < 3; k++) {
            if ((rc = store_col_reserve(&c->col[sent[k]], 1, err))) return rc;
            ((uint64_t *)c->col[sent[k]].base)[0] = 0;
            c->col[sent[k]].n = 1;
        }
    }
    return ST_OK;
}

void store_close(st_chain *c) {
    for (int i = 0; i < COL_COUNT; i++) store_col_close(&c->col[i]);
    for (size_t i = 0; i < c->nfiles; i++) st_free(c->files[i].path);
    st_free(c->files);
    c->files = NULL;
    c->nfiles = 0;
    if (c->lock_fd >= 0) close(c->lock_fd);
    c->lock_fd = -1;
}

void store_index_fill(const st_chain *c, int which, uint64_t *s, uint64_t slots, uint64_t n) {
    uint64_t mask = slots - 1;
    if (which == COL_TXIDX) {
        const uint8_t (*th)[32] = (const uint8_t (*)[32])c->col[COL_TX_HASH].base;
        for (uint64_t t = 0; t < n; t++) {
            uint64_t h = txid_hash(th[t]), i = h & mask;
            for (;; i = (i + 1) & mask) {
                if (!s[i]) break;
                if (s[i] >> IDX_ID_BITS == h >> IDX_ID_BITS && memcmp(th[(s[i] & IDX_ID_MASK) - 1], th[t], 32) == 0)
                    break; /* duplicate txid: newest wins */
            }
            s[i] = idx_slot(h, t);
        }
        return;
    }
    const addr_rec *ar = (const addr_rec *)c->col[COL_ADDR].base;
    for (uint64_t a = 0; a < n; a++) {
        chain_addr_key k;
        k.kind = ar[a].kind, k.len = ar[a].len;
        memcpy(k.prog, ar[a].prog, 40);
        uint64_t h = chain_addr_key_hash(&k), i = h & mask;
        while (s[i]) i = (i + 1) & mask;
        s[i] = idx_slot(h, a);
    }
}

/* A reader of a store whose index files cover fewer ids than the committed
 * counts builds the indexes in its own memory (seconds at 10M). */
static int store_index_refresh(st_chain *c, st_error *err) {
    int which[2] = {COL_TXIDX, COL_ADDRIDX};
    uint64_t have[2] = {c->idx_tx, c->idx_addr}, n[2] = {c->n_tx, c->n_addr};
    for (int k = 0; k < 2; k++) {
        if (have[k] >= n[k]) continue;
        uint64_t slots = 1024;
        while (slots * 7 < n[k] * 10) slots *= 2;
        void *p = mmap(NULL, slots * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return st_error_set(err, ST_ENOMEM, "cannot allocate the %s index", col_defs[which[k]].name);
        store_index_fill(c, which[k], p, slots, n[k]);
        chain_col *col = &c->col[which[k]];
        if (col->base) munmap(col->base, col->cap);
        col->base = p, col->cap = slots * 8, col->n = slots, col->anon = 1;
    }
    return ST_OK;
}

int store_find_tx(const st_chain *c, const uint8_t txid[32], uint64_t limit, uint64_t *tx) {
    const chain_col *ix = &c->col[COL_TXIDX];
    if (ix->n == 0) return 0;
    const uint64_t *slot = (const uint64_t *)ix->base;
    const uint8_t (*hash)[32] = (const uint8_t (*)[32])c->col[COL_TX_HASH].base;
    uint64_t mask = ix->n - 1, h = txid_hash(txid), fp = h >> IDX_ID_BITS;
    /* bounded: a damaged table may hold no free slot */
    for (uint64_t i = h & mask, probes = 0; probes < ix->n; i = (i + 1) & mask, probes++) {
        uint64_t s = slot[i];
        if (!s) return 0;
        if (s >> IDX_ID_BITS != fp) continue;
        uint64_t id = (s & IDX_ID_MASK) - 1;
        if (id < limit && memcmp(hash[id], txid, 32) == 0) {
            *tx = id;
            return 1;
        }
    }
    return 0;
}

int store_find_addr(const st_chain *c, const chain_addr_key *k, uint64_t limit, uint64_t *addr) {
    const chain_col *ix = &c->col[COL_ADDRIDX];
    if (ix->n == 0) return 0;
    const uint64_t *slot = (const uint64_t *)ix->base;
    const addr_rec *ar = (const addr_rec *)c->col[COL_ADDR].base;
    uint64_t mask = ix->n - 1, h = chain_addr_key_hash(k), fp = h >> IDX_ID_BITS;
    /* bounded: a damaged table may hold no free slot */
    for (uint64_t i = h & mask, probes = 0; probes < ix->n; i = (i + 1) & mask, probes++) {
        uint64_t s = slot[i];
        if (!s) return 0;
        if (s >> IDX_ID_BITS != fp) continue;
        uint64_t id = (s & IDX_ID_MASK) - 1;
        if (id < limit && ar[id].kind == k->kind && ar[id].len == k->len &&
            memcmp(ar[id].prog, k->prog, k->len) == 0) {
            *addr = id;
            return 1;
        }
    }
    return 0;
}

/* ---- the public read-only API ---- */

int st_chain_open(st_chain **out, const char *dir, st_error *err) {
    st_chain *c = st_malloc(sizeof *c);
    if (!c) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = store_open(c, dir, 0, err);
    if (rc) {
        store_close(c);
        st_free(c);
        return rc;
    }
    *out = c;
    return ST_OK;
}

void st_chain_close(st_chain *c) {
    if (!c) return;
    store_close(c);
    st_free(c);
}

st_chain_net st_chain_network(const st_chain *c) { return c->net; }

void st_chain_get_cols(const st_chain *c, st_chain_cols *k) {
    memset(k, 0, sizeof *k);
    k->ntx = c->n_tx, k->nin = c->n_in, k->nout = c->n_out, k->naddr = c->n_addr, k->nblocks = c->n_blocks;
    k->tx_hash = (const uint8_t (*)[32])c->col[COL_TX_HASH].base;
    k->tx_first_in = (const uint64_t *)c->col[COL_TX_IN].base;
    k->tx_first_out = (const uint64_t *)c->col[COL_TX_OUT].base;
    k->tx_block = (const uint32_t *)c->col[COL_TX_BLOCK].base;
    k->in_prev = (const uint64_t *)c->col[COL_IN_PREV].base;
    k->in_tx = (const uint64_t *)c->col[COL_IN_TX].base;
    k->out_value = (const int64_t *)c->col[COL_OUT_VALUE].base;
    k->out_type = (const uint8_t *)c->col[COL_OUT_TYPE].base;
    k->out_addr = (const uint64_t *)c->col[COL_OUT_ADDR].base;
    k->out_spent = (const uint64_t *)c->col[COL_OUT_SPENT].base;
    k->out_next = (const uint64_t *)c->col[COL_OUT_NEXT].base;
    k->block_first_tx = (const uint64_t *)c->col[COL_BLK_TX].base;
}

void st_chain_get_stats(const st_chain *c, st_chain_stats *st) {
    memset(st, 0, sizeof *st);
    st->net = c->net;
    st->headers = c->n_hdr;
    st->blocks = c->n_blocks;
    st->bad_bodies = c->n_invalid;
    st->stale = c->n_hdr - c->n_blocks;
    st->transactions = c->n_tx;
    st->inputs = c->n_in;
    st->outputs = c->n_out;
    st->addresses = c->n_addr;
    st->unknown_inputs = c->n_unk;
    st->tip_height = -1;
    if (c->n_blocks) {
        st->tip_height = st_chain_block_height(c, c->n_blocks - 1);
        st_chain_block_hash(c, c->n_blocks - 1, st->tip_hash);
    }
    uint64_t counts[COL_COUNT];
    store_committed_counts(c, counts);
    counts[COL_TXIDX] = c->col[COL_TXIDX].n, counts[COL_ADDRIDX] = c->col[COL_ADDRIDX].n;
    for (int i = 0; i < COL_COUNT; i++) st->store_bytes += counts[i] * col_defs[i].esize;
}

void st_chain_hash_hex(const uint8_t h[32], char out[65]) {
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[h[31 - i] >> 4];
        out[2 * i + 1] = hx[h[31 - i] & 15];
    }
    out[64] = 0;
}

int st_chain_hash_parse(const char *hex, uint8_t h[32]) {
    uint8_t be[32];
    if (!hex || strlen(hex) != 64 || st_hex_decode(hex, be, 32) != ST_OK) return ST_EINVAL;
    for (int i = 0; i < 32; i++) h[31 - i] = be[i]; /* txids are shown byte-reversed */
    return ST_OK;
}

int st_chain_find_tx(const st_chain *c, const uint8_t txid[32], uint64_t *tx) {
    return store_find_tx(c, txid, c->n_tx, tx);
}

int st_chain_find_tx_hex(const st_chain *c, const char *hex, uint64_t *tx) {
    uint8_t h[32];
    if (st_chain_hash_parse(hex, h)) return 0;
    return store_find_tx(c, h, c->n_tx, tx);
}

int st_chain_find_addr(const st_chain *c, const char *text, uint64_t *addr) {
    chain_addr_key k;
    if (chain_addr_decode(text, c->net, &k, NULL)) return 0;
    return store_find_addr(c, &k, c->n_addr, addr);
}

/* A block position or header index past the store's (a damaged column
 * named it) reads as an empty record of unknown height, never outside the
 * column. */
static const chain_rec *chain_at(const st_chain *c, uint64_t pos) {
    static const chain_rec none = {UINT32_MAX, 0, -1, 0, 0, 0, 0}; /* its header: none either */
    return pos < c->n_blocks ? (const chain_rec *)store_col_at(&c->col[COL_CHAIN], pos) : &none;
}
static const hdr_rec *hdr_at(const st_chain *c, uint64_t i) {
    static const hdr_rec none;
    return i < c->n_hdr ? (const hdr_rec *)store_col_at(&c->col[COL_HDR], i) : &none;
}

int64_t st_chain_block_height(const st_chain *c, uint64_t pos) {
    return pos < c->n_blocks ? chain_at(c, pos)->height : -1;
}

void st_chain_block_hash(const st_chain *c, uint64_t pos, uint8_t hash[32]) {
    memcpy(hash, hdr_at(c, chain_at(c, pos)->hdr)->hash, 32);
}

uint32_t st_chain_block_time(const st_chain *c, uint64_t pos) { return chain_at(c, pos)->time; }

int st_chain_find_block_height(const st_chain *c, int64_t height, uint64_t *pos) {
    /* heights ascend along the chain; unknown (-1) ones come last */
    uint64_t lo = 0, hi = c->n_blocks;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int64_t h = chain_at(c, mid)->height;
        if (h >= 0 && h < height) lo = mid + 1;
        else hi = mid;
    }
    if (lo < c->n_blocks && chain_at(c, lo)->height == height) {
        *pos = lo;
        return 1;
    }
    return 0;
}

int st_chain_find_block_hash(const st_chain *c, const char *hex, uint64_t *pos) {
    uint8_t h[32];
    if (st_chain_hash_parse(hex, h)) return 0;
    for (uint64_t i = c->n_blocks; i-- > 0;)
        if (memcmp(hdr_at(c, chain_at(c, i)->hdr)->hash, h, 32) == 0) {
            *pos = i;
            return 1;
        }
    return 0;
}

/* The transaction holding an output: the block first (chain.col is small
 * and its pages stay cached), then, inside the block, a guess by
 * interpolation and a galloping search around it, so a cold lookup reads
 * one or two pages of tx_first_out rather than a dozen on a binary search
 * over the whole column. */
uint64_t st_chain_out_tx(const st_chain *c, uint64_t out) {
    const uint64_t *fo = (const uint64_t *)c->col[COL_TX_OUT].base;
    const uint64_t *bft = (const uint64_t *)c->col[COL_BLK_TX].base;
    if (out >= c->n_out) return ST_CHAIN_NONE;
    uint64_t blo = 0, bhi = c->n_blocks; /* largest block whose first output is <= out */
    while (bhi - blo > 1) {
        uint64_t mid = blo + (bhi - blo) / 2;
        if (chain_at(c, mid)->first_out <= out) blo = mid;
        else bhi = mid;
    }
    uint64_t lo = bft[blo], hi = bft[blo + 1]; /* fo[lo] <= out < fo[hi] */
    if (hi <= lo || hi > c->n_tx || fo[lo] > out || fo[hi] <= out) lo = 0, hi = c->n_tx; /* never on a sound store */
    if (hi - lo > 2) {
        uint64_t span = fo[hi] - fo[lo];
        uint64_t g = lo + (uint64_t)((unsigned __int128)(out - fo[lo]) * (hi - lo) / (span ? span : 1));
        if (g >= hi) g = hi - 1;
        if (g <= lo) g = lo + 1;
        /* steps are compared with the distance left (step < hi - lo), never
         * added to or taken from a bound first: `hi - step` once wrapped
         * below lo and read far outside the column */
        uint64_t step = 1;
        if (fo[g] <= out) { /* gallop up from g: fo[lo] <= out < fo[hi] */
            lo = g;
            while (step < hi - lo && fo[lo + step] <= out) lo += step, step *= 2;
            if (step < hi - lo) hi = lo + step;
        } else { /* gallop down from g: same invariant */
            hi = g;
            while (step < hi - lo && fo[hi - step] > out) hi -= step, step *= 2;
            if (step < hi - lo) lo = hi - step;
        }
    }
    while (hi - lo > 1) { /* largest t with fo[t] <= out */
        uint64_t mid = lo + (hi - lo) / 2;
        if (fo[mid] <= out) lo = mid;
        else hi = mid;
    }
    return lo;
}

uint64_t st_chain_addr_first_out(const st_chain *c, uint64_t addr) {
    uint64_t o = addr < c->n_addr ? ((const addr_rec *)store_col_at(&c->col[COL_ADDR], addr))->first : ST_CHAIN_NONE;
    return o < c->n_out ? o : ST_CHAIN_NONE; /* past the outputs: damaged */
}

void st_chain_addr_text(const st_chain *c, uint64_t addr, char *out, size_t n) {
    if (n) out[0] = 0;
    if (addr >= c->n_addr) return;
    const addr_rec *a = store_col_at(&c->col[COL_ADDR], addr);
    chain_addr_key k;
    k.kind = a->kind;
    k.len = a->len;
    memcpy(k.prog, a->prog, 40);
    if (chain_addr_encode(&k, c->net, out, n) != ST_OK && n) out[0] = 0;
}

int st_chain_in_prevout(const st_chain *c, uint64_t in, uint8_t txid[32], uint32_t *vout) {
    const uint64_t *prev = (const uint64_t *)c->col[COL_IN_PREV].base;
    if (in >= c->n_in) return 0;
    if (prev[in] < c->n_out) { /* (one past the outputs is damage: looked for as unknown) */
        uint64_t t = st_chain_out_tx(c, prev[in]);
        memcpy(txid, store_col_at(&c->col[COL_TX_HASH], t), 32);
        *vout = (uint32_t)(prev[in] - ((const uint64_t *)c->col[COL_TX_OUT].base)[t]);
        return 1;
    }
    const unk_rec *u = (const unk_rec *)c->col[COL_UNK].base;
    uint64_t lo = 0, hi = c->n_unk;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (u[mid].in < in) lo = mid + 1;
        else hi = mid;
    }
    if (lo < c->n_unk && u[lo].in == in) {
        memcpy(txid, u[lo].txid, 32);
        *vout = u[lo].vout;
        return 1;
    }
    return 0;
}

int st_chain_tx_raw(const st_chain *c, uint64_t tx, uint8_t **raw, size_t *len, st_error *err) {
    if (tx >= c->n_tx) return st_error_set(err, ST_EINVAL, "no transaction %llu", (unsigned long long)tx);
    const uint32_t *pos = (const uint32_t *)store_col_at(&c->col[COL_TX_POS], tx);
    uint32_t blk = *(const uint32_t *)store_col_at(&c->col[COL_TX_BLOCK], tx);
    const hdr_rec *h = hdr_at(c, chain_at(c, blk)->hdr);
    size_t n = pos[1] & 0x7fffffffu;
    if (h->file >= c->nfiles || n > h->len || pos[0] > h->len - n) return st_error_set(err, ST_ECORRUPT, "transaction position out of range");
    const store_file *sf = &c->files[h->file];
    if (sf->bz2) return st_error_at(err, ST_EINVAL, sf->path, 0, -1, "the block file is compressed; no random access");
    int fd = open(sf->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_at(err, ST_EIO, sf->path, 0, -1, "cannot open: %s", strerror(errno));
    uint8_t *b = st_malloc(n ? n : 1);
    uint64_t off = h->offset + pos[0];
    ssize_t got = b ? pread(fd, b, n, (off_t)off) : -1;
    close(fd);
    if (!b) return st_error_set(err, ST_ENOMEM, "out of memory");
    if (got != (ssize_t)n) {
        st_free(b);
        return st_error_at(err, ST_EIO, sf->path, 0, (long long)off, "block file shorter than at ingest");
    }
    if (sf->has_xor)
        for (size_t i = 0; i < n; i++) b[i] ^= sf->xor_key[(off + i) & 7];
    *raw = b;
    *len = n;
    return ST_OK;
}
