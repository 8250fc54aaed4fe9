/*
 * map.h - a hash map from byte strings to 64-bit values.
 *
 * Design: open addressing with linear probing over a power-of-two table,
 * keys copied into large shared blocks (one allocation per 64 KiB of keys,
 * not one per key).  Values are uint64_t: an index into the caller's own
 * array, a count, or a pointer cast.  Load stays under 0.7.
 * Keys and returned key pointers are valid until st_map_free.
 */
#ifndef ST_MAP_H
#define ST_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_map st_map;

int st_map_new(st_map **out);
void st_map_free(st_map *m);
size_t st_map_count(const st_map *m);
/* Insert or overwrite.  ST_OK or ST_ENOMEM. */
int st_map_put(st_map *m, const void *key, size_t klen, uint64_t val);
/* Find; 1 with *val set when present, 0 when absent. */
int st_map_get(const st_map *m, const void *key, size_t klen, uint64_t *val);
/* Pointer to the value slot, inserting `init` when absent; NULL on OOM.
 * Valid until the next insertion. */
uint64_t *st_map_slot(st_map *m, const void *key, size_t klen, uint64_t init, int *created);
/* Iterate: *it starts at 0; returns 1 with key/len/val while entries remain. */
int st_map_next(const st_map *m, size_t *it, const char **key, size_t *klen, uint64_t *val);

uint64_t st_hash64(const void *p, size_t n);

#endif
