/*
 * name_index.h - the built candidate index as a position-independent image
 * (no pointers: offsets and counts), so a snapshot can keep it in a file
 * and open it with mmap instead of preparing every list name again.
 *
 * Invariant: an image opened with st_name_index_open_image answers every
 * query exactly as the index it was written from (same term ids, postings
 * and forms, byte for byte).  Opening checks every offset, count and form
 * record, so a damaged image is refused (ST_ECORRUPT), never trusted.
 */
#ifndef ST_INDEX_NAME_INDEX_H
#define ST_INDEX_NAME_INDEX_H

#include <stddef.h>

#include "core/buf.h"
#include "sanctrace/names.h"

/* Append the image of the built ix to out (8-byte aligned start assumed). */
int st_name_index_write_image(const st_name_index *ix, st_buf *out);

/* An index over image[0..len), which must stay mapped and unchanged until
 * st_name_index_free(*out); image must be 8-byte aligned.  ST_ECORRUPT
 * with err set when the image is malformed. */
int st_name_index_open_image(const void *image, size_t len, st_name_index **out, st_error *err);

#endif
