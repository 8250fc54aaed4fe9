/*
 * image.c - writing and checking the screening image (see image.h).
 *
 * Layout: a fixed header (magic, format, build id, the entities.jsonl it
 * describes, counts, body length and SHA-256, a table of sections), then
 * the body: 8-byte aligned sections addressed by offset from the file
 * start.  Everything is in this machine's byte order and struct layout;
 * the build id changes with any source change, so a file is only ever
 * read by the build that wrote it (or one with identical sources).
 * Invariant: screen_image_parse either fills a screen_image whose every
 * index is in range or returns an error; it never reads outside
 * image[0..len).
 */
#include "screen/image.h"

#include <stdio.h>
#include <string.h>

#include <unicode/uversion.h>

#include "core/alloc.h"
#include "core/sha256.h"
#include "index/name_index.h"
#include "lists/store.h"

#define IMG_MAGIC "STSCRIMG"
#define IMG_FORMAT 1
#define IMG_NSEC 9

/* The digest of the library's sources (build/<mode>/gen/build_id.c). */
extern const char st_build_sources_digest[];

enum { S_LINES, S_SCHEMA, S_SOURCE, S_SOURCES, S_KIND, S_IDS, S_WALLETS, S_IDENTS, S_INDEX };

typedef struct img_head {
    char magic[8];
    uint32_t format, head_size;
    char build[96];            /* screen_image_build_id(), NUL-padded */
    char jsonl_sha256[72];     /* hex, NUL-padded */
    uint64_t jsonl_len;
    uint64_t n_ent, n_names, nsec;
    uint64_t body_len;         /* bytes after the header */
    unsigned char body_sha256[32];
    uint64_t sec[IMG_NSEC][2]; /* offset from the file start, length */
} img_head;

const char *screen_image_build_id(void) { return st_build_sources_digest; }

static void build_stamp(char out[96]) {
    UVersionInfo v;
    char icu[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(v);
    u_versionToString(v, icu);
    memset(out, 0, 96);
    snprintf(out, 96, "%s icu-%s form-%zu", screen_image_build_id(), icu, sizeof(st_entity));
}

static int put_sec(st_buf *b, img_head *h, int sec, const void *p, size_t n) {
    static const char zero[8] = {0};
    int rc = st_buf_append(b, zero, (8 - b->len % 8) % 8);
    if (rc) return rc;
    h->sec[sec][0] = b->len;
    h->sec[sec][1] = n;
    return n ? st_buf_append(b, p, n) : ST_OK;
}

int screen_image_build(const screen_image_src *src, st_buf *out) {
    img_head h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, IMG_MAGIC, 8);
    h.format = IMG_FORMAT;
    h.head_size = sizeof h;
    build_stamp(h.build);
    snprintf(h.jsonl_sha256, sizeof h.jsonl_sha256, "%s", src->jsonl_sha256);
    h.jsonl_len = src->jsonl_len;
    h.n_ent = src->n_ent;
    h.n_names = src->n_names;
    h.nsec = IMG_NSEC;
    st_buf_reset(out);
    int rc = st_buf_append(out, &h, sizeof h);
    if (rc) return rc;
    st_buf names;
    st_buf_init(&names, 1 << 20);
    for (size_t i = 0; i < src->nsources && rc == ST_OK; i++) rc = st_buf_append(&names, src->sources[i], strlen(src->sources[i]) + 1);
    if (rc == ST_OK) {
        static const char none[1] = {0};
        size_t n = src->n_ent;
        (void)((rc = put_sec(out, &h, S_LINES, src->lines, n * 16)) ||
               (rc = put_sec(out, &h, S_SCHEMA, src->schema, n)) ||
               (rc = put_sec(out, &h, S_SOURCE, src->source, n)) ||
               (rc = put_sec(out, &h, S_SOURCES, names.len ? names.data : none, names.len)) ||
               (rc = put_sec(out, &h, S_KIND, src->kind, src->n_names)) ||
               (rc = put_sec(out, &h, S_IDS, src->ids->data, src->ids->len)) ||
               (rc = put_sec(out, &h, S_WALLETS, src->wallets->data, src->wallets->len)) ||
               (rc = put_sec(out, &h, S_IDENTS, src->idents->data, src->idents->len)) ||
               (rc = put_sec(out, &h, S_INDEX, NULL, 0)) ||
               (rc = st_name_index_write_image(src->ix, out)));
    }
    st_buf_free(&names);
    if (rc) return rc;
    h.sec[S_INDEX][1] = out->len - h.sec[S_INDEX][0];
    h.body_len = out->len - sizeof h;
    st_sha256(out->data + sizeof h, h.body_len, h.body_sha256);
    memcpy(out->data, &h, sizeof h);
    return ST_OK;
}

/* Records of u32 entity, u16 length, bytes: every one inside, entity < n. */
static int keys_ok(const uint8_t *p, size_t len, size_t n_ent) {
    size_t at = 0;
    while (at < len) {
        uint32_t ent;
        uint16_t kl;
        if (len - at < 6) return 0;
        memcpy(&ent, p + at, 4);
        memcpy(&kl, p + at + 4, 2);
        if (ent >= n_ent || kl == 0 || kl > len - at - 6) return 0;
        at += 6u + kl;
    }
    return 1;
}

int screen_image_parse(const void *image, size_t len, const char *jsonl_sha256, uint64_t jsonl_len,
                       size_t n_ent, int checks, screen_image *out, st_error *err) {
    const uint8_t *base = image;
    img_head h;
    char stamp[96];
    memset(out, 0, sizeof *out);
    if (((uintptr_t)image & 7) || len < sizeof h) return st_error_set(err, ST_ECORRUPT, "too short for its header");
    memcpy(&h, image, sizeof h);
    if (memcmp(h.magic, IMG_MAGIC, 8) || h.head_size != sizeof h) return st_error_set(err, ST_ECORRUPT, "not a screening image");
    if (h.format != IMG_FORMAT) return st_error_set(err, ST_EINVAL, "image format %u, this build reads %d", h.format, IMG_FORMAT);
    if (checks & SCREEN_IMAGE_CHECK_ORIGIN) {
        build_stamp(stamp);
        if (memcmp(h.build, stamp, sizeof stamp)) return st_error_set(err, ST_EINVAL, "made by another build of sanctrace");
        if (!memchr(h.jsonl_sha256, 0, sizeof h.jsonl_sha256) || strcmp(h.jsonl_sha256, jsonl_sha256) ||
            h.jsonl_len != jsonl_len || h.n_ent != n_ent)
            return st_error_set(err, ST_EINVAL, "made from another entities.jsonl");
    } else {
        jsonl_len = h.jsonl_len;
        n_ent = h.n_ent;
    }
    if (n_ent >= UINT32_MAX || jsonl_len > ((uint64_t)1 << 48))
        return st_error_set(err, ST_ECORRUPT, "entity count or file length out of range");
    if (h.body_len != len - sizeof h || h.nsec != IMG_NSEC || h.n_names >= UINT32_MAX)
        return st_error_set(err, ST_ECORRUPT, "length %zu does not match its header", len);
    if (checks & SCREEN_IMAGE_CHECK_SUM) {
        unsigned char sum[32];
        st_sha256(base + sizeof h, h.body_len, sum);
        if (memcmp(sum, h.body_sha256, 32)) return st_error_set(err, ST_ECORRUPT, "checksum mismatch");
    }
    for (int s = 0; s < IMG_NSEC; s++)
        if (h.sec[s][0] % 8 || h.sec[s][0] < sizeof h || h.sec[s][0] > len || h.sec[s][1] > len - h.sec[s][0])
            return st_error_set(err, ST_ECORRUPT, "section %d out of bounds", s);
    size_t nn = h.n_names;
    if (h.sec[S_LINES][1] != n_ent * 16 || h.sec[S_SCHEMA][1] != n_ent || h.sec[S_SOURCE][1] != n_ent ||
        h.sec[S_KIND][1] != nn)
        return st_error_set(err, ST_ECORRUPT, "section sizes do not match the counts");
#define SEC(s) ((const void *)(base + h.sec[s][0]))
    out->n_ent = n_ent;
    out->n_names = nn;
    out->lines = SEC(S_LINES);
    out->schema = SEC(S_SCHEMA);
    out->source = SEC(S_SOURCE);
    out->kind = SEC(S_KIND);
    out->ids = SEC(S_IDS);
    out->ids_len = h.sec[S_IDS][1];
    out->wallets = SEC(S_WALLETS);
    out->wallets_len = h.sec[S_WALLETS][1];
    out->idents = SEC(S_IDENTS);
    out->idents_len = h.sec[S_IDENTS][1];
    out->index = SEC(S_INDEX);
    out->index_len = h.sec[S_INDEX][1];
    /* sources: NUL-terminated strings */
    const char *sp = SEC(S_SOURCES), *se = sp + h.sec[S_SOURCES][1];
    while (sp < se) {
        const char *z = memchr(sp, 0, (size_t)(se - sp));
        if (!z || out->nsources == SCREEN_IMAGE_MAX_SOURCES) return st_error_set(err, ST_ECORRUPT, "bad source table");
        out->sources[out->nsources++] = sp;
        sp = z + 1;
    }
#undef SEC
    for (size_t i = 0; i < n_ent; i++) {
        uint64_t a = out->lines[2 * i], b = out->lines[2 * i + 1];
        if (a >= b || b > jsonl_len || (i && a < out->lines[2 * i - 1]) || out->schema[i] > ST_SCHEMA_CRYPTOWALLET ||
            (out->source[i] != 255 && out->source[i] >= out->nsources))
            return st_error_set(err, ST_ECORRUPT, "entity %zu out of range", i);
    }
    for (size_t i = 0; i < nn; i++)
        if (out->kind[i] > ST_NAME_FORMER) return st_error_set(err, ST_ECORRUPT, "name %zu: bad kind", i);
    /* ids: exactly n_ent NUL-terminated strings */
    size_t nid = 0;
    for (size_t i = 0; i < out->ids_len; i++) nid += out->ids[i] == 0;
    if (nid != n_ent || (out->ids_len && out->ids[out->ids_len - 1] != 0))
        return st_error_set(err, ST_ECORRUPT, "bad id table");
    if (!keys_ok(out->wallets, out->wallets_len, n_ent) || !keys_ok(out->idents, out->idents_len, n_ent))
        return st_error_set(err, ST_ECORRUPT, "bad wallet or identifier table");
    return ST_OK;
}
