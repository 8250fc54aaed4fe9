/*
 * events.c - the logs a tracer needs beyond value flows: swaps (Uniswap V2
 * and V3 `Swap`, Curve `TokenExchange`) and THORChain's router `Deposit`
 * and `TransferOut`.
 *
 * Design: the export reader hands every log that is no value flow to
 * ev_event_take, which keeps only the topics listed here, raw (indexed
 * topics and up to 512 bytes of data); the ingest appends them to
 * events.bin, records keyed by transaction hash, before it renames the
 * manifest.  A record is as long as its topics and data (a Uniswap V2
 * Swap: 270 bytes, where the fixed records of the first version took 680
 * for any event), and ends in its length and a hash of its bytes: an
 * ingest finds the file's last record from its end, and cuts off a
 * record an interrupted append left in part (the first version's files
 * are rewritten in this one by the next ingest).  The reader keeps the records whose transaction
 * the committed store holds in the block the record names, and of
 * repeats the one written last (an interrupted ingest leaves records of
 * blocks it did not commit, and its retry writes them again; a
 * reorganisation followed from a node writes the new branch's records
 * after the old one's, and a transaction the old branch held moves, fails
 * or disappears), so the file needs no commit protocol of its own; block
 * times likewise.
 * Invariant: events are served in chain order (transaction, log index),
 * each once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/fs.h"
#include "evm/evm_int.h"

/* keccak-256 of the event signatures (tests/unit/test_xtrace.c checks them) */
static const struct {
    const char *topic;
    int kind;
} known[] = {
    {"0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822", ST_EVM_EV_SWAP_V2},
    {"0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67", ST_EVM_EV_SWAP_V3},
    {"0x8b3e96f2b889fa771c53c981b40daf005f63f637f1869f707052d15a3dd97140", ST_EVM_EV_CURVE_EXCHANGE},
    {"0xd013ca23e77a65003c2c659c5442c00c805371b7fc1ebd4c206c41d1536bd90b", ST_EVM_EV_CURVE_EXCHANGE},
    {"0xef519b7eb82aaf6ac376a6df2d793843ebfd593de5f1a0601d3cc6ab49ebb395", ST_EVM_EV_THOR_DEPOSIT},
    {"0xa9cd03aa3c1b4515114539cd53d22085129d495cb9e9f9af77864526240f1bf7", ST_EVM_EV_THOR_TRANSFER_OUT},
};

/* A record: txhash 32, emitter 20, block 8, log index 8, kind, topics,
 * data length 2 (REC_HEAD bytes), then the topics (32 bytes each) and the
 * data; the first version's then has all three topics and EV_EVENT_DATA
 * bytes of data, this one's its length (2) and rec_tag of the bytes
 * before (4). */
#define REC_HEAD 72
#define REC1_SIZE (REC_HEAD + 96 + EV_EVENT_DATA)
#define REC_TRAIL 6
static const char magic1[8] = {'S', 'T', 'E', 'V', 'E', 'V', 'T', '1'};
static const char magic[8] = {'S', 'T', 'E', 'V', 'E', 'V', 'T', '2'};

int ev_event_take(ev_batch *b, const ev_token *t, const char *topics, const char *data) {
    if (strlen(topics) < 66) return 0;
    int kind = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0] && !kind; i++)
        if (ev_topic_is(topics, known[i].topic)) kind = known[i].kind;
    if (!kind) return 0;
    ev_event ev;
    memset(&ev, 0, sizeof ev);
    memcpy(ev.txhash, t->txhash, 32);
    memcpy(ev.emitter, t->token, 20);
    ev.block = t->block;
    ev.log_index = t->log_index;
    ev.kind = (uint8_t)kind;
    /* the indexed topics after topic0, each 0x + 64 hex digits */
    const char *p = topics + 66;
    while (*p == ',' && ev.ntopics < 3) {
        p++;
        if (strlen(p) < 66 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X') ||
            st_hex_decode_all(p + 2, ev.topics[ev.ntopics], 32))
            return 0; /* not the event it looks like: no swap, no bridge */
        ev.ntopics++;
        p += 66;
    }
    size_t n = strlen(data);
    if (n >= 2 && data[0] == '0' && (data[1] == 'x' || data[1] == 'X')) {
        size_t nb = (n - 2) / 2;
        if (nb > EV_EVENT_DATA) nb = EV_EVENT_DATA; /* the memo decoder refuses what was cut */
        if ((n - 2) % 2 || st_hex_decode_all(data + 2, ev.data, nb)) return 0;
        ev.ndata = (uint16_t)nb;
    }
    ev_event *x = EV_PUSH(b->events);
    if (!x) return ST_ENOMEM;
    *x = ev;
    return 0;
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int times_append(const char *dir, const ev_batch *b, int64_t after_block, st_error *err);
static int events_ready(const char *path, st_error *err);

/* Open path for appending records of rec bytes, first cutting off what
 * an interrupted append left (a record written in part): every append
 * then starts on a record boundary.  The caller holds the store's ingest
 * lock.  (events.bin, whose records vary in length, has events_ready.) */
static FILE *open_append(const char *path, size_t rec, st_error *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, ST_FILE_MODE);
    if (fd < 0) {
        st_error_at(err, ST_EIO, path, 0, -1, "cannot append: %s", strerror(errno));
        return NULL;
    }
    struct stat stt;
    off_t keep = 0;
    if (fstat(fd, &stt) == 0) keep = (off_t)((size_t)stt.st_size / rec * rec);
    if ((fstat(fd, &stt) != 0 || stt.st_size != keep) && ftruncate(fd, keep) != 0) {
        st_error_at(err, ST_EIO, path, 0, -1, "cannot cut a torn record off: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    FILE *f = lseek(fd, 0, SEEK_END) < 0 ? NULL : fdopen(fd, "ab");
    if (!f) {
        st_error_at(err, ST_EIO, path, 0, -1, "cannot append: %s", strerror(errno));
        close(fd);
    }
    return f;
}

/* the files appended to, as ev_events_sync, _mark and _cut name them */
static const char *const append_names[] = {"events.bin", "blocktimes.bin"};

int ev_events_sync(const char *dir, st_error *err) {
    for (size_t i = 0; i < 2; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", dir, append_names[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue; /* none written */
        int bad = fsync(fd) != 0;
        close(fd);
        if (bad) return st_error_at(err, ST_EIO, path, 0, -1, "cannot sync: %s", strerror(errno));
    }
    return ST_OK;
}

/* The sizes of events.bin and blocktimes.bin (UINT64_MAX: none) */
static void side_sizes(const char *dir, uint64_t size[2]) {
    for (size_t i = 0; i < 2; i++) {
        char path[1100];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, append_names[i]);
        size[i] = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : UINT64_MAX;
    }
}

int ev_events_mark(const char *dir, uint64_t size[2], st_error *err) {
    char epath[1100];
    snprintf(epath, sizeof epath, "%s/events.bin", dir);
    int rc = events_ready(epath, err);
    if (rc) return rc;
    side_sizes(dir, size);
    return ST_OK;
}

uint64_t ev_events_bytes(const char *dir) {
    uint64_t size[2], n = 0;
    side_sizes(dir, size);
    for (size_t i = 0; i < 2; i++) n += size[i] == UINT64_MAX ? 0 : size[i];
    return n;
}

int ev_events_cut(const char *dir, const uint64_t size[2], st_error *err) {
    for (size_t i = 0; i < 2; i++) {
        char path[1100];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, append_names[i]);
        if (stat(path, &sb) != 0 || (size[i] != UINT64_MAX && (uint64_t)sb.st_size <= size[i])) continue;
        if (size[i] == UINT64_MAX ? unlink(path) != 0 : truncate(path, (off_t)size[i]) != 0)
            return st_error_at(err, ST_EIO, path, 0, -1, "cannot cut back what an abandoned reading appended: %s",
                               strerror(errno));
    }
    return ST_OK;
}

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A check of a record's bytes, eight at a time (st_hash64, a byte at a
 * time, was 4% of a swap-heavy ingest's CPU) */
static uint32_t rec_tag(const uint8_t *p, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        h = (h ^ get64(p + i)) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    h *= 0x94d049bb133111ebULL;
    return (uint32_t)(h >> 32);
}

/* e as a record at out (REC_HEAD + 96 + EV_EVENT_DATA + REC_TRAIL bytes
 * at most); its length */
static size_t rec_put(const ev_event *e, uint8_t *out) {
    uint8_t *p = out;
    memcpy(p, e->txhash, 32), p += 32;
    memcpy(p, e->emitter, 20), p += 20;
    put64(p, e->block), p += 8;
    put64(p, e->log_index), p += 8;
    *p++ = e->kind;
    *p++ = e->ntopics;
    *p++ = (uint8_t)(e->ndata & 0xff);
    *p++ = (uint8_t)(e->ndata >> 8);
    memcpy(p, e->topics, 32u * e->ntopics), p += 32u * e->ntopics;
    memcpy(p, e->data, e->ndata), p += e->ndata;
    size_t len = (size_t)(p - out) + REC_TRAIL;
    uint32_t tag = rec_tag(out, (size_t)(p - out));
    *p++ = (uint8_t)(len & 0xff);
    *p++ = (uint8_t)(len >> 8);
    for (int i = 0; i < 4; i++) *p++ = (uint8_t)(tag >> (8 * i));
    return len;
}

/* The length of the whole record at p (avail bytes from there), or 0 when
 * the bytes there are no whole record (the end of the file, or a torn
 * one). */
static size_t rec_whole(const uint8_t *p, size_t avail) {
    if (avail < REC_HEAD + REC_TRAIL) return 0;
    size_t nt = p[69], nd = (size_t)p[70] | (size_t)p[71] << 8;
    if (nt > 3 || nd > EV_EVENT_DATA) return 0;
    size_t len = REC_HEAD + 32 * nt + nd + REC_TRAIL;
    if (len > avail) return 0;
    const uint8_t *t = p + len - REC_TRAIL;
    if (((size_t)t[0] | (size_t)t[1] << 8) != len || get32(t + 2) != rec_tag(p, len - REC_TRAIL))
        return 0;
    return len;
}

/* A first-version record as an event */
static void rec1_get(const uint8_t *p, ev_event *e) {
    memset(e, 0, sizeof *e);
    memcpy(e->txhash, p, 32);
    memcpy(e->emitter, p + 32, 20);
    e->block = get64(p + 52);
    e->log_index = get64(p + 60);
    e->kind = p[68];
    e->ntopics = p[69] > 3 ? 3 : p[69];
    size_t nd = (size_t)p[70] | (size_t)p[71] << 8;
    e->ndata = (uint16_t)(nd > EV_EVENT_DATA ? EV_EVENT_DATA : nd);
    memcpy(e->topics, p + REC_HEAD, 96);
    memcpy(e->data, p + REC_HEAD + 96, EV_EVENT_DATA);
}

/* events.bin made ready for appends: a file of the first version
 * rewritten in this one (whole, then renamed over it), and one ending in
 * a record written in part cut back to its last whole record (found from
 * the end; the whole file is read only when the last record is torn).
 * The caller holds the store's ingest lock. */
static int events_ready(const char *path, st_error *err) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ST_OK
                               : st_error_at(err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    struct stat sb;
    char head[8];
    int rc = ST_OK;
    if (fstat(fd, &sb) != 0) rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot read: %s", strerror(errno));
    else if (sb.st_size < 8) { /* the first append was cut short: no record was ever whole */
        if (sb.st_size && ftruncate(fd, 0) != 0)
            rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot cut a torn header off: %s", strerror(errno));
    } else if (pread(fd, head, 8, 0) != 8)
        rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot read: %s", strerror(errno));
    else if (!memcmp(head, magic, 8)) {
        uint8_t last[REC_HEAD + 96 + EV_EVENT_DATA + REC_TRAIL];
        size_t size = (size_t)sb.st_size, len = 0;
        if (size > 8 && size - 8 >= REC_HEAD + REC_TRAIL &&
            pread(fd, last, 2, (off_t)(size - REC_TRAIL)) == 2)
            len = (size_t)last[0] | (size_t)last[1] << 8;
        int whole = size == 8 || (len >= REC_HEAD + REC_TRAIL && len <= sizeof last && len <= size - 8 &&
                                  pread(fd, last, len, (off_t)(size - len)) == (ssize_t)len &&
                                  rec_whole(last, len) == len);
        if (!whole) { /* read through to the last whole record */
            char *raw;
            size_t n, at = 8, k;
            if ((rc = st_file_read(path, (size_t)1 << 40, &raw, &n, err)) == ST_OK) {
                while ((k = rec_whole((const uint8_t *)raw + at, n - at)) > 0) at += k;
                st_free(raw);
                if (ftruncate(fd, (off_t)at) != 0)
                    rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot cut a torn record off: %s",
                                     strerror(errno));
            }
        }
    } else if (!memcmp(head, magic1, 8)) {
        char *raw;
        size_t n;
        if ((rc = st_file_read(path, (size_t)1 << 40, &raw, &n, err)) == ST_OK) {
            size_t nrec = (n - 8) / REC1_SIZE, m = 8;
            uint8_t *img = st_malloc(8 + nrec * (REC_HEAD + 96 + EV_EVENT_DATA + REC_TRAIL));
            if (!img) rc = st_error_set(err, ST_ENOMEM, "out of memory");
            else {
                memcpy(img, magic, 8);
                ev_event e;
                for (size_t i = 0; i < nrec; i++) {
                    rec1_get((const uint8_t *)raw + 8 + i * REC1_SIZE, &e);
                    m += rec_put(&e, img + m);
                }
                rc = st_file_write_atomic(path, img, m, err);
                st_free(img);
            }
            st_free(raw);
        }
    } else
        rc = st_error_at(
            err, ST_ECORRUPT, path, 0, -1,
            "not an events file of this version (move it away to ingest on: the swaps and THORChain "
            "events of the blocks already stored are then only in a store built again from the export)");
    close(fd);
    return rc;
}

int ev_events_append(const char *dir, const ev_batch *b, int64_t after_block, st_error *err) {
    int trc = times_append(dir, b, after_block, err);
    if (trc) return trc;
    size_t keep = 0;
    for (size_t i = 0; i < b->events.n; i++) keep += after_block < 0 || (int64_t)b->events.v[i].block > after_block;
    if (!keep) return ST_OK;
    char path[1100];
    snprintf(path, sizeof path, "%s/events.bin", dir);
    /* ev_events_mark left the file whole, or none (an append cut short fails the run, which cuts it back) */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, ST_FILE_MODE);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "ab");
    if (!f) {
        int e = errno;
        if (fd >= 0) close(fd);
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot append: %s", strerror(e));
    }
    int rc = ST_OK;
    off_t end = lseek(fd, 0, SEEK_END); /* (ftell says 0 until the first write) */
    if (end < 0 || (end == 0 && fwrite(magic, 1, 8, f) != 8)) rc = ST_EIO;
    uint8_t rec[REC_HEAD + 96 + EV_EVENT_DATA + REC_TRAIL];
    for (size_t i = 0; i < b->events.n && !rc; i++) {
        const ev_event *e = &b->events.v[i];
        if (after_block >= 0 && (int64_t)e->block <= after_block) continue;
        size_t len = rec_put(e, rec);
        if (fwrite(rec, 1, len, f) != len) rc = ST_EIO;
    }
    if (fclose(f) != 0) rc = ST_EIO;
    if (rc) return st_error_at(err, ST_EIO, path, 0, -1, "cannot write the events: %s", strerror(errno));
    return ST_OK;
}

/* Block timestamps: (number, time) pairs, for the dates tags are valid. */
static int times_append(const char *dir, const ev_batch *b, int64_t after_block, st_error *err) {
    size_t keep = 0;
    for (size_t i = 0; i < b->blocks.n; i++)
        keep += b->blocks.v[i].has_time && (after_block < 0 || (int64_t)b->blocks.v[i].number > after_block);
    if (!keep) return ST_OK;
    char path[1100];
    snprintf(path, sizeof path, "%s/blocktimes.bin", dir);
    FILE *f = open_append(path, 16, err);
    if (!f) return ST_EIO;
    int rc = ST_OK;
    for (size_t i = 0; i < b->blocks.n && !rc; i++) {
        const ev_block *k = &b->blocks.v[i];
        if (!k->has_time || (after_block >= 0 && (int64_t)k->number <= after_block)) continue;
        uint8_t rec[16];
        put64(rec, k->number);
        put64(rec + 8, k->time);
        if (fwrite(rec, 1, 16, f) != 16) rc = ST_EIO;
    }
    if (fclose(f) != 0) rc = ST_EIO;
    if (rc) return st_error_at(err, ST_EIO, path, 0, -1, "cannot write the block times: %s", strerror(errno));
    return ST_OK;
}

/* ---- reader ------------------------------------------------------------- */

struct st_evm_events {
    st_evm_event *v;
    char *raw; /* the file: the events' data point into it */
    size_t n;
    uint64_t (*times)[2]; /* (block, unix time) by block, each once */
    size_t ntimes;
};

static int by_block_time(const void *pa, const void *pb) {
    const uint64_t *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* dir/blocktimes.bin, committed blocks only, each once */
static int times_load(st_evm_events *v, const char *dir, int64_t last_block) {
    char path[1100];
    snprintf(path, sizeof path, "%s/blocktimes.bin", dir);
    char *raw = NULL;
    size_t len = 0;
    st_error e2;
    if (st_file_read(path, (size_t)1 << 36, &raw, &len, &e2)) return ST_OK; /* none: dates unknown */
    size_t n = len / 16;
    v->times = st_malloc((n ? n : 1) * sizeof *v->times);
    if (!v->times) {
        st_free(raw);
        return ST_ENOMEM;
    }
    /* from the end, so of a block written twice the later time is kept */
    for (size_t i = n; i-- > 0;) {
        uint64_t blk = get64((const uint8_t *)raw + 16 * i), t = get64((const uint8_t *)raw + 16 * i + 8);
        if (last_block < 0 || (int64_t)blk > last_block) continue;
        v->times[v->ntimes][0] = blk;
        v->times[v->ntimes][1] = n - 1 - i; /* write order, newest first, for a stable sort */
        v->ntimes++;
        (void)t;
    }
    qsort(v->times, v->ntimes, sizeof *v->times, by_block_time);
    size_t m = 0;
    for (size_t i = 0; i < v->ntimes; i++)
        if (!m || v->times[m - 1][0] != v->times[i][0]) {
            size_t rec = n - 1 - (size_t)v->times[i][1];
            v->times[m][0] = v->times[i][0];
            v->times[m][1] = get64((const uint8_t *)raw + 16 * rec + 8);
            m++;
        }
    v->ntimes = m;
    st_free(raw);
    return ST_OK;
}

int64_t st_evm_events_block_time(const st_evm_events *v, uint64_t block) {
    if (!v || !v->ntimes) return -1;
    size_t lo = 0, hi = v->ntimes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->times[mid][0] < block) lo = mid + 1;
        else hi = mid;
    }
    return lo < v->ntimes && v->times[lo][0] == block ? (int64_t)v->times[lo][1] : -1;
}

/* chain order; of one log written twice, the later record first (its
 * data lies later in the file) */
static int by_tx_log(const void *pa, const void *pb) {
    const st_evm_event *a = pa, *b = pb;
    if (a->tx != b->tx) return a->tx < b->tx ? -1 : 1;
    if (a->log_index != b->log_index) return a->log_index < b->log_index ? -1 : 1;
    uintptr_t ra = (uintptr_t)a->data, rb = (uintptr_t)b->data;
    return ra > rb ? -1 : ra < rb;
}

int st_evm_events_open(st_evm_events **out, const st_evm *e, const char *dir, st_error *err) {
    *out = st_calloc(1, sizeof **out);
    if (!*out) return st_error_set(err, ST_ENOMEM, "out of memory");
    st_evm_events *v = *out;
    char path[1100];
    snprintf(path, sizeof path, "%s/events.bin", dir);
    char *raw = NULL;
    size_t len = 0;
    st_error e2;
    st_evm_stats st0;
    st_evm_get_stats(e, &st0);
    if (times_load(v, dir, st0.last_block)) {
        st_evm_events_close(v);
        *out = NULL;
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    int rc = st_file_read(path, (size_t)1 << 40, &raw, &len, &e2);
    if (rc) {
        if (!st_path_exists(path)) return ST_OK; /* a store without events */
        st_evm_events_close(v);
        *out = NULL;
        if (err) *err = e2;
        return rc;
    }
    if (len < 8) { /* the first append was cut short: no record was ever whole */
        st_free(raw);
        return ST_OK;
    }
    int v1 = !memcmp(raw, magic1, 8);
    if (!v1 && memcmp(raw, magic, 8)) {
        st_free(raw);
        st_evm_events_close(v);
        *out = NULL;
        return st_error_at(err, ST_ECORRUPT, path, 0, -1, "not an events file of this version");
    }
    v->raw = raw;
    size_t nrec = 0, k;
    for (size_t at = 8;
         (k = v1 ? (len - at >= REC1_SIZE ? REC1_SIZE : 0) : rec_whole((uint8_t *)raw + at, len - at));
         at += k)
        nrec++; /* a torn last record (an append cut short) is not read */
    st_evm_stats st;
    st_evm_get_stats(e, &st);
    v->v = st_malloc((nrec ? nrec : 1) * sizeof *v->v);
    if (!v->v) {
        st_evm_events_close(v);
        *out = NULL;
        return st_error_set(err, ST_ENOMEM, "out of memory");
    }
    const uint8_t *p = (const uint8_t *)raw + 8;
    for (size_t i = 0; i < nrec; i++, p += k) {
        st_evm_event *x = &v->v[v->n];
        memset(x, 0, sizeof *x);
        char hx[67] = "0x";
        st_hex_encode(p, 32, hx + 2);
        memcpy(x->emitter_addr, p + 32, 20);
        x->block = get64(p + 52);
        x->log_index = get64(p + 60);
        x->kind = p[68];
        x->ntopics = p[69] > 3 ? 3 : p[69];
        x->ndata = (size_t)p[70] | (size_t)p[71] << 8;
        if (x->ndata > EV_EVENT_DATA) x->ndata = EV_EVENT_DATA;
        memcpy(x->topics, p + REC_HEAD, 32 * (size_t)x->ntopics);
        x->data = p + REC_HEAD + (v1 ? 96 : 32 * (size_t)x->ntopics);
        k = v1 ? REC1_SIZE : REC_HEAD + 32 * (size_t)x->ntopics + x->ndata + REC_TRAIL;
        if (st.last_block < 0 || (int64_t)x->block > st.last_block) continue; /* not committed */
        if (st_evm_find_tx(e, hx, &x->tx) != 1) continue;                    /* moved no value: nothing to trace */
        st_evm_tx tx;
        st_evm_get_tx(e, x->tx, &tx);
        /* written for a branch a reorganisation left, or the transaction
           failed in the branch kept (a failed transaction emits nothing) */
        if (tx.block != x->block || tx.status == 0) continue;
        if (!st_evm_find_addr(e, x->emitter_addr, &x->emitter)) x->emitter = ST_EVM_NONE;
        v->n++;
    }
    /* chain order; of one log written twice, the later record first */
    qsort(v->v, v->n, sizeof *v->v, by_tx_log);
    size_t m = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (m && v->v[m - 1].tx == v->v[i].tx && v->v[m - 1].log_index == v->v[i].log_index) continue;
        v->v[m++] = v->v[i];
    }
    v->n = m;
    return ST_OK;
}

void st_evm_events_close(st_evm_events *v) {
    if (!v) return;
    st_free(v->times);
    st_free(v->v);
    st_free(v->raw);
    st_free(v);
}

size_t st_evm_events_count(const st_evm_events *v) { return v ? v->n : 0; }
const st_evm_event *st_evm_events_get(const st_evm_events *v, size_t i) { return &v->v[i]; }

size_t st_evm_events_of_tx(const st_evm_events *v, uint64_t tx, size_t *first) {
    *first = 0;
    if (!v || !v->n) return 0;
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->v[mid].tx < tx) lo = mid + 1;
        else hi = mid;
    }
    size_t k = lo;
    while (k < v->n && v->v[k].tx == tx) k++;
    *first = lo;
    return k - lo;
}

/* ---- THORChain router events -------------------------------------------- */

/* A 32-byte ABI word holding a uint64-sized value (offsets, lengths). */
static int word_small(const uint8_t *w, uint64_t *out) {
    for (int i = 0; i < 24; i++)
        if (w[i]) return ST_EPARSE;
    *out = get64((const uint8_t[8]){w[31], w[30], w[29], w[28], w[27], w[26], w[25], w[24]});
    return ST_OK;
}

static int word_addr(const uint8_t *w, uint8_t out[20]) {
    for (int i = 0; i < 12; i++)
        if (w[i]) return ST_EPARSE;
    memcpy(out, w + 12, 20);
    return ST_OK;
}

static int word_u256(const uint8_t *w, st_u256 *out) {
    for (int i = 0; i < 4; i++) {
        uint64_t x = 0;
        for (int k = 0; k < 8; k++) x = x << 8 | w[(3 - i) * 8 + k];
        out->w[i] = x;
    }
    return ST_OK;
}

int st_evm_thor_decode(const st_evm_event *ev, st_evm_thor *out) {
    memset(out, 0, sizeof *out);
    const uint8_t *d = ev->data;
    size_t n = ev->ndata, base;
    if (ev->kind == ST_EVM_EV_THOR_DEPOSIT) {
        /* Deposit(address indexed to, address indexed asset, uint amount, string memo) */
        if (ev->ntopics < 2 || n < 96) return ST_EPARSE;
        if (word_addr(ev->topics[0], out->to) || word_addr(ev->topics[1], out->asset_addr)) return ST_EPARSE;
        word_u256(d, &out->amount);
        base = 32;
    } else if (ev->kind == ST_EVM_EV_THOR_TRANSFER_OUT) {
        /* TransferOut(address indexed vault, address indexed to, address asset, uint amount, string memo) */
        if (ev->ntopics < 2 || n < 128) return ST_EPARSE;
        if (word_addr(ev->topics[1], out->to) || word_addr(d, out->asset_addr)) return ST_EPARSE;
        word_u256(d + 32, &out->amount);
        base = 64;
    } else return ST_EPARSE;
    static const uint8_t zero[20];
    out->native = !memcmp(out->asset_addr, zero, 20);
    uint64_t off, len;
    if (word_small(d + base, &off) || off > n || n - off < 32 || word_small(d + off, &len)) return ST_EPARSE;
    if (len > sizeof out->memo - 1 || len > n - off - 32) return ST_EPARSE;
    for (uint64_t i = 0; i < len; i++) {
        uint8_t c = d[off + 32 + i];
        if (c < 0x20 || c > 0x7e) return ST_EPARSE; /* memos are printable ASCII */
        out->memo[i] = (char)c;
    }
    out->memo[len] = 0;
    return ST_OK;
}
