/*
 * sha256.c - SHA-256 through libcrypto's low-level interface (see
 * sha256.h for why not the EVP layer).  The incremental context wraps
 * SHA256_CTX in caller-owned storage checked large enough at compile time.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <string.h>

#include "core/sha256.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(st_sha256_ctx), "st_sha256_ctx too small for SHA256_CTX");

void st_sha256(const void *p, size_t n, uint8_t out[32]) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, p, n);
    SHA256_Final(out, &c);
}

void st_sha256d(const void *p, size_t n, uint8_t out[32]) {
    uint8_t h[32];
    st_sha256(p, n, h);
    st_sha256(h, 32, out);
}

void st_sha256d_merkle_in_place(uint8_t (*h)[32], size_t n, uint8_t out[32]) {
    while (n > 1) {
        size_t m = 0;
        for (size_t i = 0; i < n; i += 2) {
            uint8_t pair[64];
            memcpy(pair, h[i], 32);
            memcpy(pair + 32, h[i + 1 < n ? i + 1 : i], 32);
            st_sha256d(pair, 64, h[m++]);
        }
        n = m;
    }
    memcpy(out, h[0], 32);
}

void st_sha256_hex(const void *p, size_t n, char out[65]) {
    uint8_t h[32];
    st_sha256(p, n, h);
    st_hex_encode(h, 32, out);
}

void st_sha256_init(st_sha256_ctx *c) { SHA256_Init((SHA256_CTX *)(void *)c); }
void st_sha256_update(st_sha256_ctx *c, const void *p, size_t n) { SHA256_Update((SHA256_CTX *)(void *)c, p, n); }
void st_sha256_final(st_sha256_ctx *c, uint8_t out[32]) { SHA256_Final(out, (SHA256_CTX *)(void *)c); }
