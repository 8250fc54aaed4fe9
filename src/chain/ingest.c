/*
 * ingest.c - Bitcoin Core block files into the chain store.
 *
 * Three passes, each cheap to redo:
 *  1. scan: walk the blk records (magic, length, block) of every file from
 *     where the last ingest stopped, hash each 80-byte header and keep it in
 *     hdr.col (every block ever seen: best, stale, orphan);
 *  2. choose: link headers to parents, sum the work of each tree of blocks,
 *     and take the path to the most-work tip of each tree (first seen wins a
 *     tie, as in Bitcoin Core); trees whose parent is unknown get heights
 *     from their coinbase (BIP34) and are ordered by height;
 *  3. apply: compare that chain with the stored one, cut the store back to
 *     the common prefix (a reorganisation, or blocks that arrived out of
 *     order) and append the rest block by block: parse, txids, merkle root,
 *     then columns and indexes.  A block whose bytes fail (bad merkle root,
 *     garbled transactions) is reported with file and offset and kept as an
 *     empty block: its header carries proof of work and links the blocks
 *     after it, so their heights stay right; inputs spending its outputs
 *     become inputs with an unknown spent output, as with partial data.
 * Commits (columns synced, manifest replaced) happen every few seconds and
 * at the end; see store_int.h for why an interruption never shows.  The
 * index tables live in anonymous memory and reach their files only at the
 * final commit (the manifest records what the files cover).  At 10M
 * transactions and beyond nearly every lookup misses cache and TLB, so
 * each chunk of a block has its memory prefetched in rounds first
 * (prefetch_chunk), and a second thread prefaults the columns' next pages
 * (pop_main), the one part of the work that needs no order.  A .bz2 file
 * is decompressed into memory and read like any other.
 */
#include <bzlib.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain/store_int.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "core/progress.h"
#include "core/side.h"

#define NONE32 UINT32_MAX
#define COMMIT_SECONDS 10.0

typedef struct mapped {
    const uint8_t *p;
    size_t len;
    size_t cap; /* bytes mapped (a decompressed file's buffer is bigger) */
} mapped;

typedef struct ingest {
    st_chain *c;
    const st_ingest_opts *opts;
    st_ingest_report *rep;
    st_error *err;
    /* working counts (the committed ones stay in c->n_*) */
    uint64_t nhdr, nblocks, ntx, nin, nout, naddr, nunk, ninvalid;
    /* header hash -> index + 1 */
    uint32_t *hslot;
    uint64_t hmask;
    /* per header, recomputed by choose() */
    uint32_t *parent, *root;
    int64_t *height;
    unsigned __int128 *work;
    uint8_t *bad;
    size_t cap_h;
    mapped *maps; /* per store file */
    size_t nmaps;
    st_block_view bv;
    /* per output of the block being appended: classification done ahead so
     * the index probes can be prefetched (they are DRAM misses) */
    struct out_pre {
        chain_addr_key key;
        int type, has;
        uint64_t hash;
    } *pre;
    size_t cap_pre;
    uint8_t *buf; /* xor-decoded block */
    double last_commit, commit_cost; /* commits take at most ~1/5 of the time */
    struct pop_job *pop; /* the thread that prefaults the columns ahead, or NULL */
    int killed; /* the abort_after_blocks test hook fired */
} ingest;

static void report_bad(ingest *ig, const char *file, long long off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report_bad(ingest *ig, const char *file, long long off, const char *fmt, ...) {
    st_error e;
    st_error_clear(&e);
    e.code = ST_EPARSE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    snprintf(e.file, sizeof e.file, "%s", file);
    e.offset = off;
    ig->rep->bad_records++;
    if (ig->opts->on_bad) ig->opts->on_bad(ig->opts->ctx, &e);
}

static hdr_rec *hdr(ingest *ig, uint64_t i) { return store_col_at(&ig->c->col[COL_HDR], i); }

/* ---- header hash table (in memory, rebuilt each run) ---- */

static int htab_put(ingest *ig, const uint8_t hash[32], uint32_t idx) {
    if ((ig->nhdr + 1) * 2 > ig->hmask + 1 || !ig->hslot) {
        uint64_t n = ig->hslot ? (ig->hmask + 1) * 2 : 1024;
        while (n < (ig->nhdr + 1) * 2) n *= 2;
        uint32_t *s = st_calloc(n, sizeof *s);
        if (!s) return ST_ENOMEM;
        for (uint64_t i = 0; i < ig->nhdr; i++) {
            uint64_t h = txid_hash(hdr(ig, i)->hash) & (n - 1);
            while (s[h]) h = (h + 1) & (n - 1);
            s[h] = (uint32_t)i + 1;
        }
        st_free(ig->hslot);
        ig->hslot = s;
        ig->hmask = n - 1;
        if (idx < ig->nhdr) return ST_OK; /* rebuilt from the column */
    }
    uint64_t h = txid_hash(hash) & ig->hmask;
    while (ig->hslot[h]) h = (h + 1) & ig->hmask;
    ig->hslot[h] = idx + 1;
    return ST_OK;
}

static uint32_t htab_get(const ingest *ig, const uint8_t hash[32]) {
    if (!ig->hslot) return NONE32;
    for (uint64_t h = txid_hash(hash) & ig->hmask; ig->hslot[h]; h = (h + 1) & ig->hmask) {
        uint32_t i = ig->hslot[h] - 1;
        if (memcmp(hdr((ingest *)ig, i)->hash, hash, 32) == 0) return i;
    }
    return NONE32;
}

/* ---- files ---- */

#define BZ2_MAX_OUT (16ull << 30) /* a blk file is 128 MiB; far beyond it is a bomb */

/* Decompress a .bz2 file whole into anonymous memory (concatenated
 * streams too, as pbzip2 writes them).  On damage, what came before it is
 * kept and the reason goes to *why (the offset is in the compressed file). */
static int bz2_load(const char *path, mapped *m, char *why, size_t nwhy) {
    why[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, nwhy, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t cap = 64u << 20, len = 0, nin = 1u << 20;
    char *in = st_malloc(nin); /* compressed input, owned here */
    uint8_t *out = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bz_stream z;
    memset(&z, 0, sizeof z);
    int rc = out == MAP_FAILED || !in ? BZ_MEM_ERROR : BZ2_bzDecompressInit(&z, 0, 0);
    int open_stream = rc == BZ_OK;
    unsigned long long consumed = 0;
    while (rc == BZ_OK || rc == BZ_STREAM_END) {
        if (z.avail_in == 0) {
            size_t got = fread(in, 1, nin, f);
            if (got == 0) break;
            z.next_in = in, z.avail_in = (unsigned)got;
        }
        if (rc == BZ_STREAM_END) { /* another stream follows (pbzip2) */
            char *rest = z.next_in;
            unsigned nrest = z.avail_in;
            BZ2_bzDecompressEnd(&z);
            memset(&z, 0, sizeof z);
            open_stream = (rc = BZ2_bzDecompressInit(&z, 0, 0)) == BZ_OK;
            z.next_in = rest, z.avail_in = nrest;
            continue;
        }
        if (len == cap) {
            void *p = cap < BZ2_MAX_OUT ? mremap(out, cap, cap * 2, MREMAP_MAYMOVE) : MAP_FAILED;
            if (p == MAP_FAILED) {
                rc = BZ_MEM_ERROR;
                break;
            }
            out = p, cap *= 2;
        }
        unsigned before = z.avail_in, room = (unsigned)(cap - len < (1u << 30) ? cap - len : (1u << 30));
        z.next_out = (char *)out + len, z.avail_out = room;
        rc = BZ2_bzDecompress(&z);
        len += room - z.avail_out;
        consumed += before - z.avail_in;
    }
    if (open_stream) BZ2_bzDecompressEnd(&z);
    st_free(in);
    fclose(f);
    if (rc != BZ_OK && rc != BZ_STREAM_END)
        snprintf(why, nwhy, "bzip2 data damaged (error %d) after %llu compressed bytes; the %zu bytes before are used",
                 rc, consumed, len);
    else if (rc == BZ_OK)
        snprintf(why, nwhy, "bzip2 data truncated after %llu compressed bytes; the %zu bytes before are used",
                 consumed, len);
    if (out == MAP_FAILED) return -1;
    m->p = out, m->len = len, m->cap = cap;
    return 0;
}

static const mapped *file_map(ingest *ig, uint32_t f) {
    if (f >= ig->nmaps) {
        mapped *m = st_realloc(ig->maps, (f + 1) * sizeof *m);
        if (!m) return NULL;
        memset(m + ig->nmaps, 0, (f + 1 - ig->nmaps) * sizeof *m);
        ig->maps = m;
        ig->nmaps = f + 1;
    }
    mapped *m = &ig->maps[f];
    if (m->p) return m->len ? m : NULL;
    const store_file *sf = &ig->c->files[f];
    if (sf->bz2) {
        char why[200];
        if (bz2_load(sf->path, m, why, sizeof why) == 0 && why[0]) report_bad(ig, sf->path, -1, "%s", why);
        return m->p && m->len ? m : NULL;
    }
    int fd = open(sf->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            m->p = p;
            m->len = m->cap = (size_t)sb.st_size;
            madvise(p, m->len, MADV_SEQUENTIAL);
        }
    }
    close(fd);
    return m->p ? m : NULL;
}

static void file_unmap_all(ingest *ig) {
    for (size_t i = 0; i < ig->nmaps; i++)
        if (ig->maps[i].p) munmap((void *)ig->maps[i].p, ig->maps[i].cap);
    st_free(ig->maps);
    ig->maps = NULL;
    ig->nmaps = 0;
}

/* Copy n bytes at file offset off, undoing the obfuscation. */
static void file_copy(const store_file *sf, const mapped *m, uint64_t off, size_t n, uint8_t *out) {
    memcpy(out, m->p + off, n);
    if (sf->has_xor)
        for (size_t i = 0; i < n; i++) out[i] ^= sf->xor_key[(off + i) & 7];
}

static int file_add(ingest *ig, const char *path, const uint8_t *xor_key, int raw, int bz2, uint32_t *idx) {
    st_chain *c = ig->c;
    char real[PATH_MAX];
    if (!realpath(path, real)) snprintf(real, sizeof real, "%s", path);
    for (size_t i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i].path, real) == 0) {
            *idx = (uint32_t)i;
            return ST_OK;
        }
    if (c->nfiles == c->cap_files) {
        size_t n = c->cap_files ? c->cap_files * 2 : 16;
        store_file *f = st_realloc(c->files, n * sizeof *f);
        if (!f) return ST_ENOMEM;
        c->files = f;
        c->cap_files = n;
    }
    store_file *sf = &c->files[c->nfiles];
    memset(sf, 0, sizeof *sf);
    if (!(sf->path = st_strdup(real))) return ST_ENOMEM;
    sf->raw = raw;
    sf->bz2 = bz2;
    if (xor_key && !bz2) {
        static const uint8_t zero[8];
        if (memcmp(xor_key, zero, 8) != 0) {
            sf->has_xor = 1;
            memcpy(sf->xor_key, xor_key, 8);
        }
    }
    *idx = (uint32_t)c->nfiles++;
    return ST_OK;
}

/* xor.dat beside a blk file (Bitcoin Core 28+): 8 bytes; 1 when present. */
static int read_xor(const char *dir, uint8_t key[8]) {
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/xor.dat", dir);
    FILE *f = fopen(p, "rb");
    if (!f) return 0;
    size_t n = fread(key, 1, 8, f);
    fclose(f);
    return n == 8;
}

static int blk_name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_blk_name(const char *n) {
    size_t l = strlen(n);
    return strncmp(n, "blk", 3) == 0 &&
           ((l > 7 && strcmp(n + l - 4, ".dat") == 0) || (l > 11 && strcmp(n + l - 8, ".dat.bz2") == 0));
}

/* The first bytes of a file, decompressed when it is bzip2 ("BZh1".."BZh9"):
 * *bz2 set accordingly; returns the bytes read into head (up to 4). */
static size_t file_head(const char *path, uint8_t head[4], int *bz2) {
    *bz2 = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t got = fread(head, 1, 4, f);
    if (got == 4 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h' && head[3] >= '1' && head[3] <= '9') {
        *bz2 = 1;
        rewind(f);
        int e;
        BZFILE *z = BZ2_bzReadOpen(&e, f, 0, 0, NULL, 0);
        got = 0;
        if (e == BZ_OK) {
            int n = BZ2_bzRead(&e, z, head, 4);
            got = n > 0 ? (size_t)n : 0;
            BZ2_bzReadClose(&e, z);
        }
    }
    fclose(f);
    return got;
}

/* Register a path: a blocks/ directory (or a data directory holding one),
 * a blk file or a raw block. */
static int add_path(ingest *ig, const char *path) {
    char dir[PATH_MAX];
    if (st_is_dir(path)) {
        snprintf(dir, sizeof dir, "%s", path);
        DIR *d = opendir(dir);
        if (!d) return st_error_at(ig->err, ST_EIO, path, 0, -1, "cannot read directory: %s", strerror(errno));
        char **names = NULL;
        size_t n = 0, cap = 0;
        int rc = ST_OK;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!is_blk_name(e->d_name)) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                char **nn = st_realloc(names, cap * sizeof *nn);
                if (!nn) { rc = ST_ENOMEM; break; }
                names = nn;
            }
            if (!(names[n] = st_strdup(e->d_name))) { rc = ST_ENOMEM; break; }
            n++;
        }
        closedir(d);
        if (rc == ST_OK && n == 0) {
            char sub[PATH_MAX + 8];
            snprintf(sub, sizeof sub, "%s/blocks", dir);
            st_free(names);
            if (st_is_dir(sub)) return add_path(ig, sub);
            return st_error_at(ig->err, ST_ENOTFOUND, path, 0, -1, "no blk*.dat files in this directory");
        }
        if (n) qsort(names, n, sizeof *names, blk_name_cmp);
        uint8_t key[8];
        int has = read_xor(dir, key);
        for (size_t i = 0; i < n && rc == ST_OK; i++) {
            char fp[PATH_MAX + 256];
            uint32_t idx;
            snprintf(fp, sizeof fp, "%s/%s", dir, names[i]);
            size_t l = strlen(names[i]);
            rc = file_add(ig, fp, has ? key : NULL, 0, strcmp(names[i] + l - 4, ".bz2") == 0, &idx);
        }
        for (size_t i = 0; i < n; i++) st_free(names[i]);
        st_free(names);
        if (rc == ST_ENOMEM) return st_error_set(ig->err, rc, "out of memory");
        return rc;
    }
    if (!st_path_exists(path)) return st_error_at(ig->err, ST_ENOTFOUND, path, 0, -1, "no such file");
    /* a file: blk records when it starts with a known magic (after undoing
     * xor.dat beside it), else one raw block */
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    uint8_t key[8], head[4] = {0};
    int has = read_xor(dir, key), bz2;
    if (access(path, R_OK) != 0) return st_error_at(ig->err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    size_t got = file_head(path, head, &bz2);
    has = has && !bz2; /* Bitcoin Core's obfuscation is of its own files, not of compressed copies */
    if (has)
        for (int i = 0; i < 4; i++) head[i] ^= key[i];
    int raw = got < 4 || chain_net_from_magic(head) == ST_NET_UNKNOWN;
    uint32_t idx;
    if (file_add(ig, path, has && !raw ? key : NULL, raw, bz2, &idx))
        return st_error_set(ig->err, ST_ENOMEM, "out of memory");
    return ST_OK;
}

/* ---- pass 1: scan ---- */

static int add_header(ingest *ig, uint32_t fidx, uint64_t off, uint32_t len) {
    st_chain *c = ig->c;
    store_file *sf = &c->files[fidx];
    const mapped *m = &ig->maps[fidx];
    uint8_t head[320];
    size_t n = len < sizeof head ? len : sizeof head;
    file_copy(sf, m, off, n, head);
    uint8_t hash[32];
    st_sha256d(head, CHAIN_HEADER, hash);
    if (htab_get(ig, hash) != NONE32) {
        ig->rep->duplicates++;
        return ST_OK;
    }
    uint32_t bits = (uint32_t)head[72] | (uint32_t)head[73] << 8 | (uint32_t)head[74] << 16 | (uint32_t)head[75] << 24;
    if (!chain_pow_ok(hash, bits)) {
        report_bad(ig, sf->path, (long long)off, "block header hash is above its own proof-of-work target; skipped");
        return ST_OK;
    }
    if (ig->nhdr >= NONE32 - 1) return st_error_set(ig->err, ST_ELIMIT, "too many block headers");
    int rc = store_col_reserve(&c->col[COL_HDR], ig->nhdr + 1, ig->err);
    if (rc) return rc;
    hdr_rec *h = hdr(ig, ig->nhdr);
    memset(h, 0, sizeof *h);
    memcpy(h->raw, head, 80);
    memcpy(h->hash, hash, 32);
    h->offset = off;
    h->file = fidx;
    h->len = len;
    h->bip34 = chain_block_bip34(head, n);
    h->status = HDR_OK;
    if (htab_put(ig, hash, (uint32_t)ig->nhdr)) return st_error_set(ig->err, ST_ENOMEM, "out of memory");
    ig->nhdr++;
    c->col[COL_HDR].n = ig->nhdr;
    ig->rep->headers_new++;
    return ST_OK;
}

static int scan_file(ingest *ig, uint32_t fidx, st_progress *pg, uint64_t *done) {
    st_chain *c = ig->c;
    store_file *sf = &c->files[fidx];
    const mapped *m = file_map(ig, fidx);
    if (!m) {
        report_bad(ig, sf->path, -1, "cannot read this file (missing or empty)");
        return ST_OK;
    }
    ig->rep->files++;
    if (sf->raw) {
        if (sf->scanned == m->len) return ST_OK;
        sf->scanned = m->len;
        ig->rep->bytes_scanned += m->len;
        if (m->len < CHAIN_HEADER + 1 || m->len > CHAIN_MAX_BLOCK) {
            report_bad(ig, sf->path, 0, "neither a blk file (no network magic) nor a raw block (%zu bytes)", m->len);
            return ST_OK;
        }
        return add_header(ig, fidx, 0, (uint32_t)m->len);
    }
    uint64_t off = sf->scanned <= m->len ? sf->scanned : 0;
    const uint8_t *magic = chain_params_get(c->net)->magic;
    int rc = ST_OK;
    while (m->len - off >= 8) { /* off <= m->len throughout */
        uint8_t rec[8];
        file_copy(sf, m, off, 8, rec);
        uint32_t blen = (uint32_t)rec[4] | (uint32_t)rec[5] << 8 | (uint32_t)rec[6] << 16 | (uint32_t)rec[7] << 24;
        if (!rec[0] && !rec[1] && !rec[2] && !rec[3]) {
            /* zero padding at the end of a preallocated file */
            uint64_t q = off;
            uint8_t b;
            do { file_copy(sf, m, q, 1, &b); } while (!b && ++q < m->len);
            if (q >= m->len) break;
            report_bad(ig, sf->path, (long long)off, "zero bytes inside the file before more data; resuming at offset %llu",
                       (unsigned long long)q);
            off = q;
            continue;
        }
        int resync = 0;
        if (memcmp(rec, magic, 4) != 0) {
            st_chain_net other = chain_net_from_magic(rec);
            if (other != ST_NET_UNKNOWN)
                report_bad(ig, sf->path, (long long)off, "block for network %s in a %s store; skipped",
                           st_chain_net_name(other), st_chain_net_name(c->net));
            else
                report_bad(ig, sf->path, (long long)off, "bad magic %02x%02x%02x%02x (expected %02x%02x%02x%02x)",
                           rec[0], rec[1], rec[2], rec[3], magic[0], magic[1], magic[2], magic[3]);
            if (other != ST_NET_UNKNOWN && blen <= CHAIN_MAX_BLOCK && blen <= m->len - off - 8) {
                off += 8 + blen;
                continue;
            }
            resync = 1;
        } else if (blen < CHAIN_HEADER + 1 || blen > CHAIN_MAX_BLOCK) {
            report_bad(ig, sf->path, (long long)off, "implausible block length %u", blen);
            resync = 1;
        } else if (blen > m->len - off - 8) {
            report_bad(ig, sf->path, (long long)off, "truncated block record: %u bytes announced, %llu present",
                       blen, (unsigned long long)(m->len - off - 8));
            break; /* Bitcoin Core may still be writing it: retry next time */
        }
        if (resync) { /* find the next record start */
            uint64_t q = off + 1;
            for (; m->len - q >= 4; q++) { /* q <= m->len */
                uint8_t w[4];
                if ((m->p[q] ^ (sf->has_xor ? sf->xor_key[q & 7] : 0)) != magic[0]) continue;
                file_copy(sf, m, q, 4, w);
                if (memcmp(w, magic, 4) == 0) break;
            }
            off = m->len - q >= 4 ? q : m->len;
            continue;
        }
        if ((rc = add_header(ig, fidx, off + 8, blen))) return rc;
        off += 8 + blen;
        if (pg) st_progress_tick(pg, *done + off);
    }
    if (off > m->len) off = m->len;
    ig->rep->bytes_scanned += off - (sf->scanned <= m->len ? sf->scanned : 0);
    sf->scanned = off;
    *done += m->len;
    return ST_OK;
}

/* ---- pass 2: choose the best chain ---- */

typedef struct tree {
    uint32_t root, tip;
    int64_t start, end; /* heights, -1 unknown */
} tree;

static int tree_cmp(const void *a, const void *b) {
    const tree *x = a, *y = b;
    int ux = x->start < 0, uy = y->start < 0;
    if (ux != uy) return ux - uy;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->root < y->root ? -1 : x->root > y->root;
}

static int ensure_h(ingest *ig) {
    if (ig->nhdr <= ig->cap_h) return ST_OK;
    size_t n = ig->nhdr + ig->nhdr / 2 + 16;
    uint32_t *p = st_realloc(ig->parent, n * 4), *r;
    if (!p) return ST_ENOMEM;
    ig->parent = p;
    if (!(r = st_realloc(ig->root, n * 4))) return ST_ENOMEM;
    ig->root = r;
    int64_t *h = st_realloc(ig->height, n * 8);
    if (!h) return ST_ENOMEM;
    ig->height = h;
    unsigned __int128 *w = st_realloc(ig->work, n * sizeof *w);
    if (!w) return ST_ENOMEM;
    ig->work = w;
    uint8_t *b = st_realloc(ig->bad, n);
    if (!b) return ST_ENOMEM;
    ig->bad = b;
    ig->cap_h = n;
    return ST_OK;
}

/* The best chain as header indexes into *order (caller frees). */
static int choose(ingest *ig, uint32_t **order, uint64_t *norder) {
    static const uint8_t zero[32];
    uint64_t n = ig->nhdr;
    *order = NULL;
    *norder = 0;
    if (ensure_h(ig)) return st_error_set(ig->err, ST_ENOMEM, "out of memory");
    uint8_t *state = st_calloc(n ? n : 1, 1); /* 0 new, 1 done, 2 on the climb under way */
    uint32_t *stack = st_malloc((n ? n : 1) * 4);
    tree *trees = NULL;
    size_t ntrees = 0, cap_trees = 0;
    int rc = ST_ENOMEM;
    if (!state || !stack) goto done;
    uint8_t genesis[32];
    st_chain_hash_parse(chain_params_get(ig->c->net)->genesis, genesis);
    for (uint64_t i = 0; i < n; i++) {
        const hdr_rec *h = hdr(ig, i);
        ig->parent[i] = memcmp(h->raw + 4, zero, 32) == 0 ? NONE32 : htab_get(ig, h->raw + 4);
    }
    for (uint64_t i = 0; i < n; i++) {
        size_t sp = 0;
        uint32_t x = (uint32_t)i;
        while (!state[x]) { /* climb to a done ancestor or a root */
            stack[sp++] = x;
            state[x] = 2;
            if (ig->parent[x] != NONE32 && state[ig->parent[x]] == 2)
                ig->parent[x] = NONE32; /* a cycle (a damaged hdr.col: hashes that no longer hash): cut */
            if (ig->parent[x] == NONE32 || state[ig->parent[x]]) break;
            x = ig->parent[x];
        }
        while (sp) {
            uint32_t y = stack[--sp];
            const hdr_rec *h = hdr(ig, y);
            unsigned __int128 w = chain_block_work((uint32_t)h->raw[72] | (uint32_t)h->raw[73] << 8 |
                                                   (uint32_t)h->raw[74] << 16 | (uint32_t)h->raw[75] << 24);
            uint32_t p = ig->parent[y];
            if (p == NONE32) {
                ig->root[y] = y;
                /* genesis 0; a child of the (absent) genesis 1; else BIP34 */
                ig->height[y] = memcmp(h->raw + 4, zero, 32) == 0       ? 0
                                : memcmp(h->raw + 4, genesis, 32) == 0 ? 1
                                                                        : h->bip34;
                ig->work[y] = w;
                ig->bad[y] = 0;
            } else {
                ig->root[y] = ig->root[p];
                ig->height[y] = ig->height[p] < 0 ? -1 : ig->height[p] + 1;
                ig->work[y] = ig->work[p] + w;
                ig->bad[y] = ig->bad[p];
            }
            state[y] = 1;
        }
    }
    /* best tip per tree: reuse stack as root -> tree index */
    for (uint64_t i = 0; i < n; i++) stack[i] = NONE32;
    for (uint64_t i = 0; i < n; i++) {
        if (ig->bad[i]) continue;
        uint32_t r = ig->root[i];
        if (stack[r] == NONE32) {
            if (ntrees == cap_trees) {
                cap_trees = cap_trees ? cap_trees * 2 : 16;
                tree *t = st_realloc(trees, cap_trees * sizeof *t);
                if (!t) goto done;
                trees = t;
            }
            trees[ntrees] = (tree){r, (uint32_t)i, ig->height[r], ig->height[i]};
            stack[r] = (uint32_t)ntrees++;
        } else {
            tree *t = &trees[stack[r]];
            if (ig->work[i] > ig->work[t->tip]) t->tip = (uint32_t)i, t->end = ig->height[i];
        }
    }
    if (ntrees) qsort(trees, ntrees, sizeof *trees, tree_cmp);
    uint64_t total = 0;
    int64_t last_end = -1;
    for (size_t k = 0; k < ntrees; k++) {
        tree *t = &trees[k];
        if (t->start >= 0 && last_end >= 0 && t->start <= last_end) {
            t->tip = NONE32; /* overlaps a chain already taken: an orphan, kept aside */
            continue;
        }
        if (t->end >= 0) last_end = t->end;
        uint64_t len = 0;
        for (uint32_t x = t->tip; x != NONE32; x = ig->parent[x]) len++;
        total += len;
    }
    uint32_t *o = st_malloc((total ? total : 1) * 4);
    if (!o) goto done;
    uint64_t pos = 0;
    for (size_t k = 0; k < ntrees; k++) {
        if (trees[k].tip == NONE32) continue;
        uint64_t len = 0;
        for (uint32_t x = trees[k].tip; x != NONE32; x = ig->parent[x]) len++;
        uint64_t j = pos + len;
        for (uint32_t x = trees[k].tip; x != NONE32; x = ig->parent[x]) o[--j] = x;
        pos += len;
    }
    *order = o;
    *norder = total;
    rc = ST_OK;
done:
    st_free(state);
    st_free(stack);
    st_free(trees);
    if (rc) st_error_set(ig->err, rc, "out of memory choosing the best chain");
    return rc;
}

/* ---- pass 3: apply ---- */

/* Prefaulting ahead.  apply() is one thread; a new column page costs it a
 * page-cache page zeroed and made writable (the column's blocks are
 * reserved but unwritten), a sixth of its time at 10M transactions on a
 * virtual machine.  A second thread prefaults (MADV_POPULATE_WRITE) each
 * column's next POP_LEAD bytes past what the blocks applied so far have
 * filled, so those costs land on another core and the block's own
 * prefault (reserve_all) finds its pages present.  Only pages of the
 * reserved capacity are touched, never their bytes: a hint, which the
 * next commit writes out as the zeros they were.  A column's mapping is
 * replaced only in reserve_all, under the thread's lock. */
#define POP_LEAD ((size_t)2 << 20)
/* The same thread starts the disk on what the columns written once (not
 * the spent-by, next-output and address links, rewritten at random) hold
 * more than SYNC_LAG behind their end, SYNC_STEP at a time: the commits'
 * fdatasync then finds less to wait for (at 10M transactions the syncs
 * were a fifth of the wall time).  Pages behind the end are not written
 * again, so starting their writeback costs the ingest no fault. */
#define SYNC_LAG ((size_t)8 << 20)
#define SYNC_STEP ((size_t)16 << 20)

typedef struct pop_job {
    st_chain *c;
    pthread_mutex_t mu;
    _Atomic uint64_t ntx, nin, nout, naddr, nunk, nblocks; /* published after each block */
    _Atomic int stop;
    _Atomic uint64_t commits; /* a commit's fdatasync cleaned the pages: prefault them again */
    int sync;               /* start writeback behind (commits fsync) */
    size_t done[COL_COUNT]; /* file bytes prefaulted so far (the thread's own) */
    size_t synced[COL_COUNT]; /* file bytes whose writeback it started */
    pthread_t th;
} pop_job;

static void pop_lock(pop_job *j) { pthread_mutex_lock(&j->mu); }
static void pop_unlock(pop_job *j) { pthread_mutex_unlock(&j->mu); }

static void pop_publish(pop_job *j, const ingest *ig) {
    if (!j) return;
    atomic_store_explicit(&j->ntx, ig->ntx, memory_order_relaxed);
    atomic_store_explicit(&j->nin, ig->nin, memory_order_relaxed);
    atomic_store_explicit(&j->nout, ig->nout, memory_order_relaxed);
    atomic_store_explicit(&j->naddr, ig->naddr, memory_order_relaxed);
    atomic_store_explicit(&j->nunk, ig->nunk, memory_order_relaxed);
    atomic_store_explicit(&j->nblocks, ig->nblocks, memory_order_relaxed);
}

/* The columns apply() appends to, and the records each holds now. */
typedef struct pop_at {
    int col;
    uint64_t n;
} pop_at;
#define POP_NCOLS 16

static void pop_fronts(pop_job *j, pop_at at[POP_NCOLS]) {
    uint64_t tx = atomic_load_explicit(&j->ntx, memory_order_relaxed),
             in = atomic_load_explicit(&j->nin, memory_order_relaxed),
             out = atomic_load_explicit(&j->nout, memory_order_relaxed),
             ad = atomic_load_explicit(&j->naddr, memory_order_relaxed),
             uk = atomic_load_explicit(&j->nunk, memory_order_relaxed),
             bl = atomic_load_explicit(&j->nblocks, memory_order_relaxed);
    const pop_at a[POP_NCOLS] = {
        {COL_TX_HASH, tx}, {COL_TX_IN, tx}, {COL_TX_OUT, tx}, {COL_TX_BLOCK, tx}, {COL_TX_POS, tx},
        {COL_IN_PREV, in}, {COL_IN_TX, in}, {COL_OUT_VALUE, out}, {COL_OUT_TYPE, out},
        {COL_OUT_ADDR, out}, {COL_OUT_SPENT, out}, {COL_OUT_NEXT, out}, {COL_ADDR, ad},
        {COL_UNK, uk}, {COL_CHAIN, bl}, {COL_BLK_TX, bl},
    };
    memcpy(at, a, sizeof a);
}

static void *pop_main(void *p) {
#ifdef MADV_POPULATE_WRITE
    pop_job *j = p;
    pop_at at[POP_NCOLS];
    uint64_t seen_commits = 0;
    pop_fronts(j, at); /* what is there already was synced by its commit */
    pop_lock(j);
    for (size_t i = 0; i < POP_NCOLS; i++)
        j->synced[at[i].col] = (size_t)(at[i].n * j->c->col[at[i].col].esize) & ~(size_t)4095;
    pop_unlock(j);
    while (!atomic_load(&j->stop)) {
        pop_fronts(j, at);
        int did = 0;
        uint64_t k = atomic_load_explicit(&j->commits, memory_order_relaxed);
        if (k != seen_commits) { /* written out and made read-only by the commit's sync */
            seen_commits = k;
            pop_lock(j);
            memset(j->done, 0, sizeof j->done);
            pop_unlock(j);
        }
        for (size_t i = 0; i < POP_NCOLS && !atomic_load(&j->stop); i++) {
            pop_lock(j); /* one column at a time: reserve_all waits at most one madvise */
            const chain_col *col = &j->c->col[at[i].col];
            size_t front = (size_t)(at[i].n * col->esize) & ~(size_t)4095, end = front + POP_LEAD;
            if (end > col->cap) end = col->cap;
            end &= ~(size_t)4095; /* a reopened column's capacity is its file's size */
            size_t from = j->done[at[i].col] > front ? j->done[at[i].col] : front;
            if (col->base && from < end) {
                (void)madvise(col->base + from, end - from, MADV_POPULATE_WRITE);
                j->done[at[i].col] = end;
                did = 1;
            }
            pop_unlock(j);
        }
#ifdef SYNC_FILE_RANGE_WRITE
        /* a column's descriptor stays the same while apply() runs: no lock */
        for (size_t i = 0; j->sync && i < POP_NCOLS && !atomic_load(&j->stop); i++) {
            int w = at[i].col;
            if (w == COL_OUT_SPENT || w == COL_OUT_NEXT || w == COL_ADDR) continue; /* rewritten at random */
            const chain_col *col = &j->c->col[w];
            size_t front = (size_t)(at[i].n * col->esize);
            if (col->fd < 0 || front < SYNC_LAG || front - SYNC_LAG < j->synced[w] + SYNC_STEP) continue;
            size_t to = (front - SYNC_LAG) & ~(size_t)4095;
            (void)sync_file_range(col->fd, (off_t)j->synced[w], (off_t)(to - j->synced[w]), SYNC_FILE_RANGE_WRITE);
            j->synced[w] = to;
            did = 1;
        }
#endif
        if (!did) {
            struct timespec ts = {0, 500000};
            nanosleep(&ts, NULL);
        }
    }
#else
    (void)p;
#endif
    return NULL;
}

/* NULL (no thread: reserve_all prefaults alone, the commits' syncs write
 * everything) when it cannot start or prefaulting is off. */
static pop_job *pop_start(ingest *ig) {
#ifdef MADV_POPULATE_WRITE
    if (ig->opts->no_prefault) return NULL;
    pop_job *j = st_calloc(1, sizeof *j);
    if (!j) return NULL;
    j->c = ig->c;
    j->sync = !ig->opts->no_sync;
    pop_publish(j, ig);
    pthread_mutex_init(&j->mu, NULL);
    if (pthread_create(&j->th, NULL, pop_main, j) == 0) return j;
    pthread_mutex_destroy(&j->mu);
    st_free(j);
#else
    (void)ig;
#endif
    return NULL;
}

static void pop_stop(pop_job *j) {
    if (!j) return;
    atomic_store(&j->stop, 1);
    pthread_join(j->th, NULL);
    pthread_mutex_destroy(&j->mu);
    st_free(j);
}

static int reserve_all(ingest *ig, uint64_t ntx, uint64_t nin, uint64_t nout) {
    st_chain *c = ig->c;
    struct { int col; uint64_t n; } need[] = {
        {COL_TX_HASH, ntx}, {COL_TX_IN, ntx + 1}, {COL_TX_OUT, ntx + 1}, {COL_TX_BLOCK, ntx},
        {COL_TX_POS, ntx}, {COL_IN_PREV, nin}, {COL_IN_TX, nin}, {COL_OUT_VALUE, nout},
        {COL_OUT_TYPE, nout}, {COL_OUT_ADDR, nout}, {COL_OUT_SPENT, nout}, {COL_OUT_NEXT, nout},
        {COL_ADDR, ig->naddr + nout}, {COL_UNK, ig->nunk + nin},
        {COL_CHAIN, ig->nblocks + 1}, {COL_BLK_TX, ig->nblocks + 2},
    };
    int grow = 0;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        const chain_col *col = &c->col[need[i].col];
        grow |= need[i].n > col->cap / col->esize;
    }
    if (grow) { /* a column mapped anew: not while the prefaulting thread uses its mapping */
        if (ig->pop) pop_lock(ig->pop);
        int rc = ST_OK;
        for (size_t i = 0; i < sizeof need / sizeof need[0] && rc == ST_OK; i++) {
            const uint8_t *was = c->col[need[i].col].base;
            rc = store_col_reserve(&c->col[need[i].col], need[i].n, ig->err);
            if (ig->pop && c->col[need[i].col].base != was) ig->pop->done[need[i].col] = 0; /* a new mapping */
        }
        if (ig->pop) pop_unlock(ig->pop);
        if (rc) return rc;
    }
    /* prefault the pages this block will fill, one call per column instead
     * of one page fault per 4 KiB (costly under virtualisation) */
    if (!ig->opts->no_prefault) {
        uint64_t cur[] = {ig->ntx, ig->ntx + 1, ig->ntx + 1, ig->ntx, ig->ntx, ig->nin, ig->nin,
                          ig->nout, ig->nout, ig->nout, ig->nout, ig->nout};
        for (size_t i = 0; i < sizeof cur / sizeof cur[0]; i++) {
            chain_col *col = &c->col[need[i].col];
            size_t from = (size_t)(cur[i] * col->esize) & ~(size_t)4095, to = (size_t)(need[i].n * col->esize);
            if (to > from) madvise(col->base + from, to - from, MADV_POPULATE_WRITE);
        }
    }
    return ST_OK;
}

/* An index table in anonymous memory with transparent huge pages: probes
 * are random, and with 4 KiB file pages each one also misses the TLB (with
 * nested paging on a VM, that doubled ingest time when measured).  The
 * table goes to its file at each commit (index_write). */
static uint64_t *index_alloc(uint64_t slots) {
    void *p = mmap(NULL, slots * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    madvise(p, slots * 8, MADV_HUGEPAGE);
    return p;
}

/* Swap a column's file mapping of an index for an anonymous copy, and
 * say in *sound whether the table read from the file can be probed and
 * added to: a power of two slots, a free one, and every id within the
 * committed count n.  A damaged file fails (garbage or a full table would
 * be probed for ever, and an id past the store linked to records that are
 * not there) and is rebuilt from the columns; checked in the copy's pass. */
static int index_to_anon(ingest *ig, int which, uint64_t n, int *sound) {
    chain_col *col = &ig->c->col[which];
    *sound = 1;
    if (col->anon) return ST_OK;
    uint64_t slots = col->n ? col->n : 1024;
    uint64_t *s = index_alloc(slots);
    if (!s) return st_error_set(ig->err, ST_ENOMEM, "cannot allocate the %s index", store_col_name(which));
    const uint64_t *f = (const uint64_t *)col->base;
    uint64_t used = 0, bad = col->n & (col->n - 1);
    for (uint64_t i = 0; i < col->n; i++) {
        uint64_t v = s[i] = f[i];
        if (v) used++, bad |= (v & IDX_ID_MASK) - 1 >= n; /* an id field of 0 too */
    }
    *sound = !bad && used < slots && used <= n;
    if (col->base) munmap(col->base, col->cap);
    col->base = (uint8_t *)s, col->cap = slots * 8, col->n = slots, col->anon = 1;
    return ST_OK;
}

/* Write an anonymous index to its file: a temporary, synced, renamed. */
static int index_write(ingest *ig, int which, st_error *err) {
    st_chain *c = ig->c;
    chain_col *col = &c->col[which];
    char path[1200], tmp[1220];
    snprintf(path, sizeof path, "%s/%s", c->dir, store_col_name(which));
    snprintf(tmp, sizeof tmp, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, ST_FILE_MODE);
    if (fd < 0) return st_error_at(err, ST_EIO, tmp, 0, -1, "cannot create: %s", strerror(errno));
    size_t left = col->cap, off = 0;
    while (left) {
        ssize_t w = pwrite(fd, col->base + off, left < (64u << 20) ? left : (64u << 20), (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            close(fd);
            unlink(tmp); /* the index in use stays as it was */
            return st_error_at(err, ST_EIO, tmp, 0, (long long)off, "cannot write the index: %s",
                               e == ENOSPC ? "no space left on device" : strerror(e));
        }
        off += (size_t)w, left -= (size_t)w;
    }
    if ((!ig->opts->no_sync && fdatasync(fd) != 0) || rename(tmp, path) != 0) {
        close(fd);
        unlink(tmp);
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot replace the index: %s", strerror(errno));
    }
    if (col->fd >= 0) close(col->fd);
    col->fd = fd;
    return ST_OK;
}

/* The two index tables at the final commit, one on a thread of its own:
 * each is hundreds of MiB copied into the page cache and synced, work
 * the two cores share (a table's file descriptor and mapping are its
 * own, and the errors are kept apart). */
typedef struct ixw_job {
    ingest *ig;
    int rc;
    st_error err;
} ixw_job;

static void *ixw_main(void *p) {
    ixw_job *j = p;
    j->rc = index_write(j->ig, COL_ADDRIDX, &j->err);
    return NULL;
}

static int index_write_both(ingest *ig) {
    ixw_job j = {ig, ST_OK, {0}};
    st_error_clear(&j.err);
    st_side side;
    st_side_run(&side, ixw_main, &j);
    int rc = index_write(ig, COL_TXIDX, ig->err);
    st_side_join(&side);
    if (rc == ST_OK && j.rc) {
        rc = j.rc;
        *ig->err = j.err;
    }
    return rc;
}

/* Rebuild an index with room for `want` entries at load <= 0.7 (force:
 * even when the table is big enough, because its contents are stale). */
static int index_rebuild(ingest *ig, int which, uint64_t want, int force) {
    st_chain *c = ig->c;
    uint64_t slots = 1024;
    while (slots * 7 < want * 10) slots *= 2;
    if (!force && slots <= c->col[which].n) return ST_OK;
    if (slots < c->col[which].n && !(c->col[which].n & (c->col[which].n - 1))) slots = c->col[which].n;
    uint64_t *s = index_alloc(slots);
    if (!s) return st_error_set(ig->err, ST_ENOMEM, "cannot allocate the %s index", store_col_name(which));
    store_index_fill(c, which, s, slots, which == COL_TXIDX ? ig->ntx : ig->naddr);
    chain_col *col = &c->col[which];
    if (col->base) munmap(col->base, col->cap);
    col->base = (uint8_t *)s, col->cap = slots * 8, col->n = slots, col->anon = 1;
    return ST_OK;
}

static void txidx_put(st_chain *c, const uint8_t txid[32], uint64_t id) {
    chain_col *ix = &c->col[COL_TXIDX];
    uint64_t *s = (uint64_t *)ix->base, mask = ix->n - 1, h = txid_hash(txid);
    const uint8_t (*th)[32] = (const uint8_t (*)[32])c->col[COL_TX_HASH].base;
    uint64_t i = h & mask;
    for (;; i = (i + 1) & mask) {
        if (!s[i]) break;
        if (s[i] >> IDX_ID_BITS == h >> IDX_ID_BITS && memcmp(th[(s[i] & IDX_ID_MASK) - 1], txid, 32) == 0) break;
    }
    s[i] = idx_slot(h, id);
}

/* Address id for key, creating it (first output o) when new. */
static uint64_t addr_get(ingest *ig, const chain_addr_key *k, uint64_t h, uint64_t o) {
    st_chain *c = ig->c;
    chain_col *ix = &c->col[COL_ADDRIDX];
    uint64_t *s = (uint64_t *)ix->base, mask = ix->n - 1;
    addr_rec *ar = (addr_rec *)c->col[COL_ADDR].base;
    uint64_t *next = (uint64_t *)c->col[COL_OUT_NEXT].base;
    uint64_t i = h & mask;
    for (;; i = (i + 1) & mask) {
        uint64_t v = s[i];
        if (!v) break;
        if (v >> IDX_ID_BITS != h >> IDX_ID_BITS) continue;
        addr_rec *a = &ar[(v & IDX_ID_MASK) - 1];
        if (a->kind == k->kind && a->len == k->len && memcmp(a->prog, k->prog, k->len) == 0) {
            if (a->last < o) next[a->last] = o; /* (an older output, unless addr.col is damaged) */
            a->last = o;
            return (v & IDX_ID_MASK) - 1;
        }
    }
    uint64_t id = ig->naddr++;
    addr_rec *a = &ar[id];
    memset(a, 0, sizeof *a);
    a->kind = k->kind;
    a->len = k->len;
    memcpy(a->prog, k->prog, k->len);
    a->first = a->last = o;
    s[i] = idx_slot(h, id);
    return id;
}

static int grow_indexes(ingest *ig, uint64_t more_tx, uint64_t more_out) {
    st_chain *c = ig->c;
    int rc;
    if ((ig->ntx + more_tx) * 10 > c->col[COL_TXIDX].n * 7 &&
        (rc = index_rebuild(ig, COL_TXIDX, (ig->ntx + more_tx) * 5 / 4, 0)))
        return rc;
    if ((ig->naddr + more_out) * 10 > c->col[COL_ADDRIDX].n * 7 &&
        (rc = index_rebuild(ig, COL_ADDRIDX, (ig->naddr + more_out) * 5 / 4, 0)))
        return rc;
    return ST_OK;
}

/* Prefetch what the transactions from t on will touch at random, for a
 * chunk of them (about PREFETCH_REFS inputs and outputs), and return where
 * the chunk ends.  Three rounds, each issuing all its loads before using
 * any (memory-level parallelism; at 10M transactions nearly every one is a
 * DRAM and TLB miss): (1) the index slots of the inputs' txids, the
 * outputs' addresses and the chunk's own txids (inserted later); (2) the
 * records those slots point at (txid, first output, address record); (3)
 * the spent output's spent-by link and the address's last output's next
 * link, both written below.  Only hints: a wrong guess costs a load. */
#define PREFETCH_REFS 192
static size_t prefetch_chunk(ingest *ig, size_t t0) {
    st_chain *c = ig->c;
    const st_block_view *b = &ig->bv;
    size_t t1 = t0, refs = 0;
    while (t1 < b->ntx && refs < PREFETCH_REFS) refs += b->tx[t1].n_in + b->tx[t1].n_out, t1++;
    if (refs < 16 && t1 == b->ntx) return t1; /* too little to bother */
    const uint64_t *txs = (const uint64_t *)c->col[COL_TXIDX].base, *as = (const uint64_t *)c->col[COL_ADDRIDX].base;
    const uint8_t (*th)[32] = (const uint8_t (*)[32])c->col[COL_TX_HASH].base;
    const uint64_t *tfo = (const uint64_t *)c->col[COL_TX_OUT].base;
    const uint64_t *os = (const uint64_t *)c->col[COL_OUT_SPENT].base, *on = (const uint64_t *)c->col[COL_OUT_NEXT].base;
    const addr_rec *ar = (const addr_rec *)c->col[COL_ADDR].base;
    uint64_t tmask = c->col[COL_TXIDX].n - 1, amask = c->col[COL_ADDRIDX].n - 1;
    size_t i0 = b->tx[t0].first_in, i1 = b->tx[t1 - 1].first_in + b->tx[t1 - 1].n_in;
    size_t o0 = b->tx[t0].first_out, o1 = b->tx[t1 - 1].first_out + b->tx[t1 - 1].n_out;
    for (size_t i = i0; i < i1; i++) __builtin_prefetch(&txs[txid_hash(b->in[i].prev_txid) & tmask]);
    for (size_t o = o0; o < o1; o++)
        if (ig->pre[o].has) __builtin_prefetch(&as[ig->pre[o].hash & amask]);
    for (size_t t = t0; t < t1; t++) __builtin_prefetch(&txs[txid_hash(b->tx[t].txid) & tmask], 1);
    for (size_t i = i0; i < i1; i++) {
        uint64_t h = txid_hash(b->in[i].prev_txid), v = txs[h & tmask];
        if (v && v >> IDX_ID_BITS == h >> IDX_ID_BITS && (v & IDX_ID_MASK) - 1 < ig->ntx)
            __builtin_prefetch(th[(v & IDX_ID_MASK) - 1]), __builtin_prefetch(&tfo[(v & IDX_ID_MASK) - 1]);
    }
    for (size_t o = o0; o < o1; o++) {
        if (!ig->pre[o].has) continue;
        uint64_t h = ig->pre[o].hash, v = as[h & amask];
        if (v && v >> IDX_ID_BITS == h >> IDX_ID_BITS && (v & IDX_ID_MASK) - 1 < ig->naddr)
            __builtin_prefetch(&ar[(v & IDX_ID_MASK) - 1]);
    }
    for (size_t i = i0; i < i1; i++) {
        uint64_t h = txid_hash(b->in[i].prev_txid), v = txs[h & tmask];
        uint64_t id = (v & IDX_ID_MASK) - 1;
        if (v && v >> IDX_ID_BITS == h >> IDX_ID_BITS && id < ig->ntx && b->in[i].vout < tfo[id + 1] - tfo[id])
            __builtin_prefetch(&os[tfo[id] + b->in[i].vout], 1);
    }
    for (size_t o = o0; o < o1; o++) {
        if (!ig->pre[o].has) continue;
        uint64_t h = ig->pre[o].hash, v = as[h & amask];
        if (v && v >> IDX_ID_BITS == h >> IDX_ID_BITS && (v & IDX_ID_MASK) - 1 < ig->naddr)
            __builtin_prefetch(&on[ar[(v & IDX_ID_MASK) - 1].last], 1);
    }
    return t1;
}

/* 1 appended (possibly as an empty block), <0 store error. */
static int append_block(ingest *ig, uint32_t hidx) {
    st_chain *c = ig->c;
    hdr_rec *h = hdr(ig, hidx);
    static store_file none = {.path = "(a block file the damaged hdr.col names)"};
    store_file *sf = h->file < c->nfiles ? &c->files[h->file] : &none;
    const mapped *m = h->file < c->nfiles ? file_map(ig, h->file) : NULL;
    /* no sum that could wrap; no longer than the buffer an obfuscated block is copied to (hdr.col damaged) */
    int ok = m && h->len <= CHAIN_MAX_BLOCK && h->len <= m->len && h->offset <= m->len - h->len;
    const uint8_t *p = ok ? m->p + h->offset : NULL;
    st_error e;
    st_error_clear(&e);
    int rc = ST_EPARSE;
    if (!ok) snprintf(e.msg, sizeof e.msg, "block no longer readable from its file");
    else {
        if (sf->has_xor) {
            file_copy(sf, m, h->offset, h->len, ig->buf);
            p = ig->buf;
        }
        rc = chain_block_parse(&ig->bv, p, h->len, &e);
        if (rc == ST_OK && memcmp(ig->bv.hash, h->hash, 32) != 0) {
            rc = ST_EPARSE;
            snprintf(e.msg, sizeof e.msg, "block changed on disk since its header was read");
        }
    }
    if (rc == ST_EPARSE) {
        char hx[65];
        st_chain_hash_hex(h->hash, hx);
        report_bad(ig, sf->path, (long long)(h->offset + (uint64_t)(e.offset > 0 ? e.offset : 0)),
                   "block %s (record at offset %llu): %s; kept as an empty block", hx,
                   (unsigned long long)(h->offset - (sf->raw ? 0 : 8)), e.msg);
        if (h->status != HDR_BAD_BODY) ig->ninvalid++;
        h->status = HDR_BAD_BODY;
        ig->bv.ntx = ig->bv.nin = ig->bv.nout = 0;
        ig->bv.time = (uint32_t)h->raw[68] | (uint32_t)h->raw[69] << 8 | (uint32_t)h->raw[70] << 16 |
                      (uint32_t)h->raw[71] << 24;
        rc = ST_OK;
    }
    if (rc) return st_error_set(ig->err, rc, "%s", e.msg);
    st_block_view *b = &ig->bv;
    if ((rc = reserve_all(ig, ig->ntx + b->ntx, ig->nin + b->nin, ig->nout + b->nout))) return rc;
    if ((rc = grow_indexes(ig, b->ntx, b->nout))) return rc;
    uint8_t (*th)[32] = (uint8_t (*)[32])c->col[COL_TX_HASH].base;
    uint64_t *tfi = (uint64_t *)c->col[COL_TX_IN].base, *tfo = (uint64_t *)c->col[COL_TX_OUT].base;
    uint32_t *tb = (uint32_t *)c->col[COL_TX_BLOCK].base;
    uint32_t(*tpos)[2] = (uint32_t(*)[2])c->col[COL_TX_POS].base;
    uint64_t *iprev = (uint64_t *)c->col[COL_IN_PREV].base, *itx = (uint64_t *)c->col[COL_IN_TX].base;
    int64_t *ov = (int64_t *)c->col[COL_OUT_VALUE].base;
    uint8_t *ot = c->col[COL_OUT_TYPE].base;
    uint64_t *oa = (uint64_t *)c->col[COL_OUT_ADDR].base, *os = (uint64_t *)c->col[COL_OUT_SPENT].base;
    uint64_t *on = (uint64_t *)c->col[COL_OUT_NEXT].base;
    unk_rec *unk = (unk_rec *)c->col[COL_UNK].base;
    chain_rec *cr = (chain_rec *)store_col_at(&c->col[COL_CHAIN], ig->nblocks);
    cr->hdr = hidx;
    cr->time = b->time;
    cr->height = ig->height[hidx];
    cr->first_in = ig->nin;
    cr->first_out = ig->nout;
    cr->first_addr = ig->naddr;
    cr->first_unk = ig->nunk;
    ((uint64_t *)c->col[COL_BLK_TX].base)[ig->nblocks] = ig->ntx;
    static const uint8_t zero[32];
    if (b->nout > ig->cap_pre) {
        size_t n = b->nout + b->nout / 2;
        struct out_pre *np = st_realloc(ig->pre, n * sizeof *np);
        if (!np) return st_error_set(ig->err, ST_ENOMEM, "out of memory");
        ig->pre = np, ig->cap_pre = n;
    }
    for (size_t i = 0; i < b->nout; i++) { /* classification first: the address hashes feed the prefetches */
        struct out_pre *q = &ig->pre[i];
        q->has = chain_script_classify(b->out[i].script, b->out[i].script_len, &q->type, &q->key);
        if (q->has) q->hash = chain_addr_key_hash(&q->key);
    }
    size_t chunk_end = 0; /* transactions before it have had their memory prefetched */
    for (size_t t = 0; t < b->ntx; t++) {
        if (t == chunk_end) chunk_end = prefetch_chunk(ig, t);
        const st_tx_view *tv = &b->tx[t];
        uint64_t tid = ig->ntx;
        memcpy(th[tid], tv->txid, 32);
        tfi[tid] = ig->nin;
        tfo[tid] = ig->nout;
        tb[tid] = (uint32_t)ig->nblocks;
        tpos[tid][0] = tv->off;
        tpos[tid][1] = tv->size | (tv->witness_len ? 0x80000000u : 0);
        for (uint32_t k = 0; k < tv->n_in; k++) {
            const st_txin_view *in = &b->in[tv->first_in + k];
            uint64_t iid = ig->nin++;
            itx[iid] = tid;
            iprev[iid] = ST_CHAIN_NONE;
            if (t == 0 && tv->n_in == 1 && in->vout == UINT32_MAX && memcmp(in->prev_txid, zero, 32) == 0)
                continue; /* coinbase */
            uint64_t ptx;
            if (store_find_tx(c, in->prev_txid, tid, &ptx) && tfo[ptx] <= tfo[ptx + 1] && tfo[ptx + 1] <= ig->nout &&
                in->vout < tfo[ptx + 1] - tfo[ptx]) { /* (bounds a damaged tx_first_out.col fails: unknown) */
                uint64_t o = tfo[ptx] + in->vout;
                iprev[iid] = o;
                os[o] = iid;
            } else {
                unk_rec *u = &unk[ig->nunk++];
                memcpy(u->txid, in->prev_txid, 32);
                u->vout = in->vout;
                u->pad = 0;
                u->in = iid;
            }
        }
        for (uint32_t k = 0; k < tv->n_out; k++) {
            const st_txout_view *out = &b->out[tv->first_out + k];
            const struct out_pre *q = &ig->pre[tv->first_out + k];
            uint64_t o = ig->nout++;
            ov[o] = out->value;
            os[o] = ST_CHAIN_NONE;
            on[o] = ST_CHAIN_NONE;
            oa[o] = q->has ? addr_get(ig, &q->key, q->hash, o) : ST_CHAIN_NONE;
            ot[o] = (uint8_t)q->type;
        }
        ig->ntx++;
        tfi[ig->ntx] = ig->nin;
        tfo[ig->ntx] = ig->nout;
        txidx_put(c, tv->txid, tid);
    }
    ig->nblocks++;
    ((uint64_t *)c->col[COL_BLK_TX].base)[ig->nblocks] = ig->ntx;
    ig->rep->blocks_added++;
    ig->rep->txs_added += b->ntx;
    return 1;
}

static void set_col_counts(ingest *ig) {
    st_chain *c = ig->c;
    uint64_t n[COL_COUNT] = {
        [COL_HDR] = ig->nhdr, [COL_CHAIN] = ig->nblocks, [COL_BLK_TX] = ig->nblocks + 1,
        [COL_TX_HASH] = ig->ntx, [COL_TX_IN] = ig->ntx + 1, [COL_TX_OUT] = ig->ntx + 1,
        [COL_TX_BLOCK] = ig->ntx, [COL_TX_POS] = ig->ntx, [COL_IN_PREV] = ig->nin, [COL_IN_TX] = ig->nin,
        [COL_UNK] = ig->nunk, [COL_OUT_VALUE] = ig->nout, [COL_OUT_TYPE] = ig->nout,
        [COL_OUT_ADDR] = ig->nout, [COL_OUT_SPENT] = ig->nout, [COL_OUT_NEXT] = ig->nout,
        [COL_ADDR] = ig->naddr,
    };
    for (int i = 0; i < COL_COUNT; i++)
        if (i != COL_TXIDX && i != COL_ADDRIDX) c->col[i].n = n[i];
}

/* final: also write the index tables (hundreds of MB at 10M transactions,
 * so intermediate commits leave the files as they were and the manifest
 * says how many ids they cover; an interrupted ingest rebuilds them) */
static int commit(ingest *ig, int final) {
    st_chain *c = ig->c;
    double t0 = st_now();
    int rc;
    set_col_counts(ig);
    if (final) {
        if ((rc = index_write_both(ig))) return rc;
        c->idx_tx = ig->ntx, c->idx_addr = ig->naddr;
    }
    if (!ig->opts->no_sync)
        for (int i = 0; i < COL_COUNT; i++)
            if (c->col[i].fd >= 0 && fdatasync(c->col[i].fd) != 0)
                return st_error_set(ig->err, ST_EIO, "cannot sync %s: %s", store_col_name(i), strerror(errno));
    c->n_hdr = ig->nhdr, c->n_blocks = ig->nblocks, c->n_tx = ig->ntx, c->n_in = ig->nin;
    c->n_out = ig->nout, c->n_addr = ig->naddr, c->n_unk = ig->nunk, c->n_invalid = ig->ninvalid;
    rc = store_write_manifest(c, ig->err);
    ig->last_commit = st_now();
    ig->commit_cost = ig->last_commit - t0;
    return rc;
}

static void repair(ingest *ig) {
    store_repair(ig->c, ig->nblocks, ig->ntx, ig->nin, ig->nout, ig->naddr);
    set_col_counts(ig);
}

/* Cut the stored chain back to its first `keep` blocks.  The counts come
 * from the block record at keep: counts past the store's (a damaged
 * chain.col or block_first_tx.col) are refused, nothing cut. */
static int truncate_chain(ingest *ig, uint64_t keep) {
    st_chain *c = ig->c;
    const chain_rec *cr = store_col_at(&c->col[COL_CHAIN], keep);
    uint64_t ntx = ((uint64_t *)c->col[COL_BLK_TX].base)[keep];
    if (ntx > ig->ntx || cr->first_in > ig->nin || cr->first_out > ig->nout || cr->first_addr > ig->naddr ||
        cr->first_unk > ig->nunk || ((uint64_t *)c->col[COL_TX_IN].base)[ntx] != cr->first_in ||
        ((uint64_t *)c->col[COL_TX_OUT].base)[ntx] != cr->first_out)
        return st_error_set(ig->err, ST_ECORRUPT,
                            "the store is damaged: block %llu of its chain names counts that disagree with the "
                            "store's (chain.col, block_first_tx.col or the transactions' first input or output); "
                            "ingest into a new --db",
                            (unsigned long long)keep);
    ig->rep->blocks_removed += ig->nblocks - keep;
    ig->ntx = ntx;
    ig->nin = cr->first_in;
    ig->nout = cr->first_out;
    ig->naddr = cr->first_addr;
    ig->nunk = cr->first_unk;
    ig->nblocks = keep;
    if (c->idx_tx > ig->ntx) c->idx_tx = ig->ntx; /* ids past the cut will be reused */
    if (c->idx_addr > ig->naddr) c->idx_addr = ig->naddr;
    repair(ig);
    return ST_OK;
}

static int apply(ingest *ig) {
    st_chain *c = ig->c;
    int rc = ST_OK;
    uint32_t *order = NULL;
    uint64_t norder = 0;
    if ((rc = choose(ig, &order, &norder))) return rc;
    uint64_t common = 0;
    while (common < ig->nblocks && common < norder &&
           ((chain_rec *)store_col_at(&c->col[COL_CHAIN], common))->hdr == order[common])
        common++;
    /* the cut committed before the columns are overwritten: killed during the appends after it, the
     * store is the chain up to the fork, not columns rewritten under the old counts */
    if (common < ig->nblocks && ((rc = truncate_chain(ig, common)) || (rc = commit(ig, 0)))) goto done;
    if (common == norder) goto done;
    /* size the indexes once for everything still to come */
    uint64_t bytes = 0;
    for (uint64_t i = common; i < norder; i++) bytes += hdr(ig, order[i])->len;
    if ((rc = grow_indexes(ig, bytes / 400 + 16, bytes / 250 + 16))) goto done;
    st_progress pg;
    if (ig->opts->progress) st_progress_begin(&pg, "ingest blocks", norder - common);
    ig->pop = pop_start(ig);
    for (uint64_t i = common; i < norder; i++) {
        if ((rc = append_block(ig, order[i])) < 0) break;
        pop_publish(ig->pop, ig);
        rc = ST_OK;
        if (ig->opts->progress) st_progress_tick(&pg, i - common + 1);
        uint64_t done_blocks = ig->rep->blocks_added;
        if (ig->opts->abort_after_blocks && done_blocks >= ig->opts->abort_after_blocks) {
            rc = st_error_set(ig->err, ST_EIO, "ingest stopped after %llu blocks (test hook)",
                              (unsigned long long)done_blocks);
            ig->killed = 1;
            break;
        }
        int due = ig->opts->commit_every_blocks ? done_blocks % ig->opts->commit_every_blocks == 0
                                                : st_now() - ig->last_commit > COMMIT_SECONDS &&
                                                      st_now() - ig->last_commit > 5 * ig->commit_cost;
        if (due && (rc = commit(ig, 0))) break;
        if (due && ig->pop) atomic_fetch_add(&ig->pop->commits, 1);
    }
    pop_stop(ig->pop);
    ig->pop = NULL;
    if (ig->opts->progress) st_progress_end(&pg);
done:
    st_free(order);
    return rc;
}

int st_chain_ingest(const char *dir, const char *const *paths, size_t npaths, const st_ingest_opts *opts,
                    st_ingest_report *rep, st_error *err) {
    st_ingest_opts defopts;
    st_ingest_report defrep;
    if (!opts) memset(&defopts, 0, sizeof defopts), opts = &defopts;
    if (!rep) rep = &defrep;
    memset(rep, 0, sizeof *rep);
    double t0 = st_now();
    st_chain *c = st_calloc(1, sizeof *c);
    ingest ig;
    memset(&ig, 0, sizeof ig);
    chain_block_view_init(&ig.bv);
    ig.bv.check_witness = opts->check_witness;
    if (!c) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = store_open(c, dir, 1, err);
    if (rc) goto done;
    ig.c = c, ig.opts = opts, ig.rep = rep, ig.err = err;
    ig.nhdr = c->n_hdr, ig.nblocks = c->n_blocks, ig.ntx = c->n_tx, ig.nin = c->n_in;
    ig.nout = c->n_out, ig.naddr = c->n_addr, ig.nunk = c->n_unk, ig.ninvalid = c->n_invalid;
    ig.last_commit = st_now();
    if (!(ig.buf = st_malloc(CHAIN_MAX_BLOCK))) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto done;
    }
    char dirty[1200];
    snprintf(dirty, sizeof dirty, "%s/dirty", dir);
    if (st_path_exists(dirty)) repair(&ig); /* an earlier ingest was interrupted */
    else if ((rc = st_file_write_atomic(dirty, "ingest running\n", 15, err))) goto done;
    int tx_sound, addr_sound;
    if ((rc = index_to_anon(&ig, COL_TXIDX, ig.ntx, &tx_sound)) ||
        (rc = index_to_anon(&ig, COL_ADDRIDX, ig.naddr, &addr_sound)))
        goto done;
    /* index files older than the committed columns (an interrupted ingest
     * after an intermediate commit), or damaged: rebuilt from the columns */
    if (((c->idx_tx < ig.ntx || !tx_sound) && (rc = index_rebuild(&ig, COL_TXIDX, ig.ntx, 1))) ||
        ((c->idx_addr < ig.naddr || !addr_sound) && (rc = index_rebuild(&ig, COL_ADDRIDX, ig.naddr, 1))))
        goto done;
    /* rebuild the header table from the committed headers: the first put
     * builds it from the column whole (putting each header again, as this
     * loop once did, left every one in it twice and the table up to full) */
    if (ig.nhdr && htab_put(&ig, hdr(&ig, 0)->hash, 0)) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < npaths; i++)
        if ((rc = add_path(&ig, paths[i]))) goto done;
    if (c->net == ST_NET_UNKNOWN) c->net = opts->net;
    if (c->net == ST_NET_UNKNOWN)
        for (size_t i = 0; i < c->nfiles && c->net == ST_NET_UNKNOWN; i++) {
            const mapped *m = file_map(&ig, (uint32_t)i);
            if (m && !c->files[i].raw && m->len >= 4) {
                uint8_t mg[4];
                file_copy(&c->files[i], m, 0, 4, mg);
                c->net = chain_net_from_magic(mg);
            }
        }
    if (c->net == ST_NET_UNKNOWN) c->net = ST_NET_MAIN;
    else if (opts->net != ST_NET_UNKNOWN && opts->net != c->net) {
        rc = st_error_at(err, ST_EINVAL, dir, 0, -1, "this store holds the %s chain, not %s",
                         st_chain_net_name(c->net), st_chain_net_name(opts->net));
        goto done;
    }
    {
        uint64_t total = 0, doneb = 0;
        for (size_t i = 0; i < c->nfiles; i++) {
            const mapped *m = file_map(&ig, (uint32_t)i);
            if (m) total += m->len;
        }
        st_progress pg;
        if (opts->progress) st_progress_begin(&pg, "scan headers", total);
        for (size_t i = 0; i < c->nfiles; i++)
            if ((rc = scan_file(&ig, (uint32_t)i, opts->progress ? &pg : NULL, &doneb))) break;
        if (opts->progress) st_progress_end(&pg);
        if (rc) goto done;
    }
    set_col_counts(&ig);
    if ((rc = apply(&ig))) goto done;
    if ((rc = commit(&ig, 1))) goto done;
    /* tidy: shrink the columns to their committed size */
    for (int i = 0; i < COL_COUNT; i++)
        if (i != COL_TXIDX && i != COL_ADDRIDX && c->col[i].fd >= 0)
            if (ftruncate(c->col[i].fd, (off_t)(c->col[i].n * c->col[i].esize)) != 0) break;
    unlink(dirty);
done:
    /* a failed ingest (a full disk, most likely) gives back the space it
     * reserved past the last commit; the test hook stands for a kill, which
     * cannot */
    if (rc && ig.c && !ig.killed) store_trim_to_commit(c); /* ig.c: the store is open and locked */
    rep->seconds = st_now() - t0;
    file_unmap_all(&ig);
    chain_block_view_free(&ig.bv);
    st_free(ig.buf);
    st_free(ig.pre);
    st_free(ig.hslot);
    st_free(ig.parent);
    st_free(ig.root);
    st_free(ig.height);
    st_free(ig.work);
    st_free(ig.bad);
    store_close(c);
    st_free(c);
    return rc;
}
