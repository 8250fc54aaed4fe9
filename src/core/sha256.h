/*
 * sha256.h - SHA-256 once, for every module: txids and merkle roots in the
 * chain store, base58check checksums, snapshot and image digests, API key
 * hashes.
 *
 * Design: libcrypto's low-level SHA256_* calls (they use the CPU's SHA
 * instructions); OpenSSL 3's one-shot SHA256() and EVP_Digest() fetch the
 * algorithm and take locks on every call, which measured as a third of
 * chain ingest time.  No allocation, no failure.
 */
#ifndef ST_SHA256_H
#define ST_SHA256_H

#include <stddef.h>
#include <stdint.h>

void st_sha256(const void *p, size_t n, uint8_t out[32]);
/* SHA-256 twice (Bitcoin's txids, block hashes and base58check). */
void st_sha256d(const void *p, size_t n, uint8_t out[32]);
/* Bitcoin's merkle root of n >= 1 hashes (SHA-256d of each pair, the last
 * of an odd level paired with itself), computed in place over h. */
void st_sha256d_merkle_in_place(uint8_t (*h)[32], size_t n, uint8_t out[32]);
/* SHA-256 as 64 lower-case hex digits and a NUL. */
void st_sha256_hex(const void *p, size_t n, char out[65]);

/* Incremental form, for data read in pieces (a file's digest while it is
 * copied).  The context is plain memory the caller owns. */
typedef struct st_sha256_ctx {
    uint64_t opaque[16];
} st_sha256_ctx;
void st_sha256_init(st_sha256_ctx *c);
void st_sha256_update(st_sha256_ctx *c, const void *p, size_t n);
void st_sha256_final(st_sha256_ctx *c, uint8_t out[32]);

/* st_hex_encode and st_hex_decode are core/codec.h's. */
#include "core/codec.h"

#endif
