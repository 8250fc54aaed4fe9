/*
 * image.h - the screening image of a snapshot: everything `screen` needs
 * to answer a query without parsing entities.jsonl or preparing a name,
 * in one file (D/snapshots/<version>/screen.img) opened with mmap.
 *
 * Design: the image is a cache derived from entities.jsonl by this build
 * of sanctrace.  Its header names the build (a digest of the library's
 * sources, fixed at compile time, plus the ICU version), the size and
 * SHA-256 of the entities.jsonl it was made from, and the SHA-256 of its
 * own body; anything that disagrees makes the caller rebuild it from
 * entities.jsonl.  The body is pointer-free (offsets and counts, 8-byte
 * aligned sections), so opening costs a checksum and a validation pass.
 * Invariant: screen_image_parse accepts only an image whose every offset,
 * count, index and form record is in range; after it, readers index the
 * arrays without further checks.
 */
#ifndef ST_SCREEN_IMAGE_H
#define ST_SCREEN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "sanctrace/names.h"

#define SCREEN_IMAGE_FILE "screen.img"
#define SCREEN_IMAGE_MAX_SOURCES 255 /* source index 255: the entity has none */

/* The parts of a parsed image (all borrowed from the image bytes). */
typedef struct screen_image {
    size_t n_ent, n_names;
    const uint64_t *lines;     /* entity i is entities.jsonl[lines[2i] .. lines[2i+1]) */
    const uint8_t *schema;     /* per entity, st_schema */
    const uint8_t *source;     /* per entity, index into sources, 255: none */
    const char *sources[SCREEN_IMAGE_MAX_SOURCES];
    size_t nsources;
    const uint8_t *kind;       /* per index name, st_name_kind */
    const char *ids;           /* entity ids, NUL-terminated, in entity order */
    size_t ids_len;
    const uint8_t *wallets;    /* records: u32 entity, u16 length, key bytes */
    size_t wallets_len;
    const uint8_t *idents;
    size_t idents_len;
    const void *index;         /* st_name_index image */
    size_t index_len;
} screen_image;

/* What a new image is made of (all borrowed). */
typedef struct screen_image_src {
    size_t n_ent, n_names;
    const uint64_t *lines;
    const uint8_t *schema, *source, *kind;
    const char *const *sources;
    size_t nsources;
    const st_buf *ids, *wallets, *idents;
    const st_name_index *ix;
    const char *jsonl_sha256;  /* hex, of the entities.jsonl the image is made from */
    uint64_t jsonl_len;
} screen_image_src;

/* Serialise src into out (a new image file's bytes). */
int screen_image_build(const screen_image_src *src, st_buf *out);

/* What screen_image_parse checks besides the structure. */
enum {
    SCREEN_IMAGE_CHECK_SUM = 1,    /* the body's SHA-256 */
    SCREEN_IMAGE_CHECK_ORIGIN = 2, /* made by this build, from this entities.jsonl */
};

/* Check image[0..len) (8-byte aligned) and fill *out.  With
 * SCREEN_IMAGE_CHECK_ORIGIN the header must name this build and the given
 * entities.jsonl (hex SHA-256, byte length, entity count); otherwise the
 * header's own figures are used (the fuzz target reaches the structural
 * checks that way).  Returns ST_EINVAL when the image is sound but made
 * by another build or from another entities.jsonl, ST_ECORRUPT when it is
 * damaged; err says which. */
int screen_image_parse(const void *image, size_t len, const char *jsonl_sha256, uint64_t jsonl_len,
                       size_t n_ent, int checks, screen_image *out, st_error *err);

/* The digest of the library's sources images are stamped with (the
 * stamp adds the ICU version in use). */
const char *screen_image_build_id(void);

/* 1 when s was opened from its image, 0 when it was rebuilt from
 * entities.jsonl (tests tell the two paths apart with it). */
struct st_snapshot;
int screen_snapshot_uses_image(const struct st_snapshot *s);

#endif
