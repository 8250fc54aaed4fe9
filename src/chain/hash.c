/*
 * hash.c - HASH160, merkle roots, network parameters, proof of work and chain work.
 *
 * A txid is SHA-256 twice over the legacy serialization; hashing is the
 * physical floor of ingest speed, so SHA-256 itself is core/sha256.c's
 * (libcrypto's low-level calls, no EVP per-call setup) and nothing here
 * allocates.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <math.h>
#include <openssl/ripemd.h>
#include <string.h>

#include "chain/chain_int.h"

void chain_hash160(const void *p, size_t n, uint8_t out[20]) {
    uint8_t h[32];
    st_sha256(p, n, h);
    RIPEMD160(h, 32, out);
}


void chain_merkle_root(const uint8_t (*h)[32], size_t n, uint8_t (*s)[32], uint8_t out[32]) {
    if (n == 1) {
        memcpy(out, h[0], 32);
        return;
    }
    memcpy(s, h, n * 32);
    st_sha256d_merkle_in_place(s, n, out);
}

static const chain_params chain_nets[] = {
    {ST_NET_MAIN, {0xf9, 0xbe, 0xb4, 0xd9}, 0x00, 0x05, "bc",
     "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
    {ST_NET_TESTNET, {0x0b, 0x11, 0x09, 0x07}, 0x6f, 0xc4, "tb",
     "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
    {ST_NET_REGTEST, {0xfa, 0xbf, 0xb5, 0xda}, 0x6f, 0xc4, "bcrt",
     "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
    {ST_NET_SIGNET, {0x0a, 0x03, 0xcf, 0x40}, 0x6f, 0xc4, "tb",
     "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
};

const chain_params *chain_params_get(st_chain_net net) {
    for (size_t i = 0; i < sizeof chain_nets / sizeof chain_nets[0]; i++)
        if (chain_nets[i].net == net) return &chain_nets[i];
    return &chain_nets[0];
}

st_chain_net chain_net_from_magic(const uint8_t *p) {
    for (size_t i = 0; i < sizeof chain_nets / sizeof chain_nets[0]; i++)
        if (memcmp(p, chain_nets[i].magic, 4) == 0) return chain_nets[i].net;
    return ST_NET_UNKNOWN;
}

const char *st_chain_net_name(st_chain_net net) {
    switch (net) {
    case ST_NET_MAIN: return "main";
    case ST_NET_TESTNET: return "testnet";
    case ST_NET_REGTEST: return "regtest";
    case ST_NET_SIGNET: return "signet";
    default: return "unknown";
    }
}

st_chain_net st_chain_net_parse(const char *s) {
    if (!strcmp(s, "main") || !strcmp(s, "mainnet") || !strcmp(s, "bitcoin")) return ST_NET_MAIN;
    if (!strcmp(s, "testnet") || !strcmp(s, "testnet3") || !strcmp(s, "test")) return ST_NET_TESTNET;
    if (!strcmp(s, "regtest")) return ST_NET_REGTEST;
    if (!strcmp(s, "signet")) return ST_NET_SIGNET;
    return ST_NET_UNKNOWN;
}

/* Target from compact bits as 32 bytes, little-endian like the hash; 0 when
 * negative or overflowing (such bits can never be met). */
static int chain_target(uint32_t bits, uint8_t t[32]) {
    memset(t, 0, 32);
    uint32_t exp = bits >> 24, mant = bits & 0x007fffff;
    if ((bits & 0x00800000) || mant == 0) return 0;
    for (int i = 0; i < 3; i++) {
        int pos = (int)exp - 3 + i;
        uint8_t byte = (uint8_t)(mant >> (8 * i));
        if (pos < 0) continue; /* shifted out to the right */
        if (pos >= 32) {
            if (byte) return 0;
            continue;
        }
        t[pos] = byte;
    }
    return 1;
}

int chain_pow_ok(const uint8_t hash[32], uint32_t bits) {
    uint8_t t[32];
    if (!chain_target(bits, t)) return 0;
    for (int i = 31; i >= 0; i--) {
        if (hash[i] < t[i]) return 1;
        if (hash[i] > t[i]) return 0;
    }
    return 1;
}

unsigned __int128 chain_block_work(uint32_t bits) {
    uint8_t t[32];
    if (!chain_target(bits, t)) return 0;
    /* target as long double (64-bit mantissa: exact for 24-bit mantissas),
     * work = 2^256 / (target + 1), deterministic for equal bits. */
    long double target = 0;
    for (int i = 31; i >= 0; i--) target = target * 256.0L + t[i];
    long double w = ldexpl(1.0L, 256) / (target + 1.0L);
    if (w >= ldexpl(1.0L, 126)) w = ldexpl(1.0L, 126);
    if (w < 1.0L) w = 1.0L;
    return (unsigned __int128)w;
}
