/*
 * wallet.c - per-chain normalisation of wallet addresses (see
 * include/sanctrace/wallet.h), with the checksums each format carries.
 *
 * Design: the address's shape decides the family (0x + 40 hex is EVM
 * whatever the list calls the asset: USDT lives on several chains); the
 * asset code only names a family the shape cannot tell.  Keccak-256 is
 * implemented here (about 60 lines; libcrypto 3.0 has no legacy Keccak);
 * base58, base58check and bech32 are core/codec.c's, shared with the chain
 * store.  Invariant: out is always NUL-terminated
 * and never longer than the input.
 */
#include "sanctrace/wallet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"

/* ---- Keccak-256 ---- */

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
static const int keccak_rot[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
                                   27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};
static const int keccak_pi[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
                                  15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};

static uint64_t rotl64(uint64_t x, int s) { return (x << s) | (x >> (64 - s)); }

static void keccak_f(uint64_t st[25]) {
    for (int round = 0; round < 24; round++) {
        uint64_t bc[5];
        for (int i = 0; i < 5; i++) bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
        for (int i = 0; i < 5; i++) {
            uint64_t t = bc[(i + 4) % 5] ^ rotl64(bc[(i + 1) % 5], 1);
            for (int j = 0; j < 25; j += 5) st[j + i] ^= t;
        }
        uint64_t t = st[1];
        for (int i = 0; i < 24; i++) {
            int j = keccak_pi[i];
            uint64_t tmp = st[j];
            st[j] = rotl64(t, keccak_rot[i]);
            t = tmp;
        }
        for (int j = 0; j < 25; j += 5) {
            for (int i = 0; i < 5; i++) bc[i] = st[j + i];
            for (int i = 0; i < 5; i++) st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
        }
        st[0] ^= keccak_rc[round];
    }
}

void st_keccak256(const void *data, size_t len, unsigned char out[32]) {
    enum { RATE = 136 };
    uint64_t st[25] = {0};
    const unsigned char *p = data;
    unsigned char block[RATE];
    for (;;) {
        size_t take = len < RATE ? len : RATE;
        memset(block, 0, sizeof block);
        memcpy(block, p, take);
        if (take < RATE) { /* last block: Keccak padding 0x01 ... 0x80 */
            block[take] ^= 0x01;
            block[RATE - 1] ^= 0x80;
        }
        for (int i = 0; i < RATE / 8; i++) {
            uint64_t w = 0;
            for (int b = 7; b >= 0; b--) w = (w << 8) | block[i * 8 + b];
            st[i] ^= w;
        }
        keccak_f(st);
        if (take < RATE) break;
        p += RATE;
        len -= RATE;
    }
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++) out[i * 8 + b] = (unsigned char)(st[i] >> (8 * b));
}

/* ---- EVM ---- */

static int evm_normalize(const char *a, char *out) {
    int upper = 0, lower = 0;
    for (int i = 0; i < 40; i++) {
        char c = a[2 + i];
        if (!isxdigit((unsigned char)c)) return ST_EINVAL;
        if (c >= 'A' && c <= 'F') upper = 1;
        if (c >= 'a' && c <= 'f') lower = 1;
    }
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 40; i++) out[2 + i] = (char)tolower((unsigned char)a[2 + i]);
    out[42] = 0;
    if (!(upper && lower)) return ST_OK; /* all one case: no checksum to check */
    unsigned char h[32];
    st_keccak256(out + 2, 40, h);
    for (int i = 0; i < 40; i++) {
        char c = a[2 + i];
        if (!isalpha((unsigned char)c)) continue;
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0xF;
        if ((nib >= 8) != (c >= 'A' && c <= 'F')) return ST_EPARSE;
    }
    return ST_OK;
}

/* ---- base58check ---- */

/* Ripple writes base58check with its own alphabet. */
static const char xrp_alphabet[] = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz";

static int b58_decode(const char *s, unsigned char *out, size_t cap) {
    return st_base58_decode(st_base58_alphabet, s, out, cap);
}

/* Monero's base58: blocks of 8 bytes as 11 characters, the last block
 * shorter (a block of k bytes takes mo_block_chars[k] characters).
 * Returns the decoded length or -1. */
static int xmr_b58_decode(const char *s, size_t n, unsigned char *out, size_t cap) {
    static const int mo_block_chars[9] = {0, 2, 3, 5, 6, 7, 9, 10, 11};
    size_t full = n / 11, rest = n % 11, o = 0;
    int last = -1;
    for (int k = 0; k <= 8; k++)
        if ((size_t)mo_block_chars[k] == rest) last = k;
    if (last < 0 || (full * 8 + (size_t)last) > cap) return -1;
    for (size_t b = 0; b <= full; b++) {
        size_t chars = b < full ? 11 : rest, bytes = b < full ? 8 : (size_t)last;
        if (chars == 0) break;
        unsigned __int128 v = 0;
        for (size_t i = 0; i < chars; i++) {
            const char *p = strchr(st_base58_alphabet, s[b * 11 + i]);
            if (!p || !s[b * 11 + i]) return -1;
            v = v * 58 + (unsigned)(p - st_base58_alphabet);
        }
        if (bytes < 8 && (v >> (8 * bytes)) != 0) return -1;
        if (bytes == 8 && (v >> 64) != 0) return -1;
        for (size_t i = 0; i < bytes; i++) out[o + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
        o += bytes;
    }
    return (int)o;
}

/* A Monero address: network byte, spend and view keys (32 bytes each),
 * 8 bytes of payment id when integrated, then the first four bytes of
 * Keccak-256 over the rest. */
static int xmr_check(const char *a, size_t len) {
    unsigned char d[80], h[32];
    int k = xmr_b58_decode(a, len, d, sizeof d);
    if (k != 69 && k != 77) return 0;
    st_keccak256(d, (size_t)k - 4, h);
    return memcmp(h, d + k - 4, 4) == 0;
}

/* ---- cashaddr (Bitcoin Cash) ---- */

static uint64_t cash_polymod(const unsigned char *v, size_t n) {
    static const uint64_t gen[5] = {0x98f2bc8e61ULL, 0x79b76d99e2ULL, 0xf33e5fb3c4ULL, 0xae2eabe2a8ULL,
                                    0x1e4f43e470ULL};
    uint64_t c = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t c0 = c >> 35;
        c = ((c & 0x07ffffffffULL) << 5) ^ v[i];
        for (int b = 0; b < 5; b++)
            if ((c0 >> b) & 1) c ^= gen[b];
    }
    return c ^ 1;
}

/* body: the 42 lower-case characters after "bitcoincash:". */
static int cash_check(const char *body) {
    static const char prefix[] = "bitcoincash";
    unsigned char v[64];
    size_t k = 0, n = strlen(body);
    if (n + sizeof prefix > sizeof v) return 0;
    for (size_t i = 0; prefix[i]; i++) v[k++] = (unsigned char)(prefix[i] & 31);
    v[k++] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(st_bech32_alphabet, body[i]);
        if (!p || !body[i]) return 0;
        v[k++] = (unsigned char)(p - st_bech32_alphabet);
    }
    return cash_polymod(v, k) == 0;
}

static int b58_check(const unsigned char *d, int n) { return n >= 5 && st_base58check_ok(d, (size_t)n); }

static const char *b58_family(const unsigned char *d, int n) {
    if (n == 26) { /* Zcash transparent: two version bytes */
        if (d[0] == 0x1C && (d[1] == 0xB8 || d[1] == 0xBD)) return "ZEC";
        return "OTHER";
    }
    switch (d[0]) {
    case 0x00: case 0x05: return "XBT";
    case 0x30: case 0x32: return "LTC";
    case 0x41: return "TRX";
    case 0x4C: case 0x10: return "DASH";
    case 0x26: case 0x17: return "BTG";
    case 0x1E: case 0x16: return "DOGE";
    default: return "OTHER";
    }
}

/* s is lower-case "hrp1data"; 1 when the bech32 or bech32m checksum holds. */
static int b32_verify(const char *s) { return st_bech32_verify(s) != ST_BECH32_NONE; }

int st_wallet_normalize(const char *chain, const char *addr, char *out, size_t n, const char **family_out) {
    const char *fam = "OTHER";
    char a[ST_WALLET_MAX + 1], low[ST_WALLET_MAX + 1];
    int rc = ST_OK;
    if (family_out) *family_out = fam;
    if (!out || n == 0) return ST_EINVAL;
    out[0] = 0;
    if (!addr) return ST_EINVAL;
    while (isspace((unsigned char)*addr)) addr++;
    size_t len = strlen(addr);
    while (len && isspace((unsigned char)addr[len - 1])) len--;
    if (len == 0 || len > ST_WALLET_MAX || len + 1 > n) return ST_EINVAL;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)addr[i]) && addr[i] != ':') return ST_EINVAL;
    memcpy(a, addr, len);
    a[len] = 0;
    int has_upper = 0, has_lower = 0;
    for (size_t i = 0; i < len; i++) {
        low[i] = (char)tolower((unsigned char)a[i]);
        has_upper |= isupper((unsigned char)a[i]) != 0;
        has_lower |= islower((unsigned char)a[i]) != 0;
    }
    low[len] = 0;
    /* EVM */
    if (len == 42 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
        rc = evm_normalize(a, out);
        if (rc == ST_EINVAL) { out[0] = 0; goto other; }
        fam = "EVM";
        goto done;
    }
    /* BCH cashaddr, with or without its prefix */
    const char *cash = strncmp(low, "bitcoincash:", 12) == 0 ? low + 12 : NULL;
    if (cash || ((low[0] == 'q' || low[0] == 'p') && len == 42 && !(has_upper && has_lower) && !strchr(a, ':'))) {
        const char *body = cash ? cash : low;
        int ok = strlen(body) == 42;
        for (const char *p = body; ok && *p; p++) ok = strchr(st_bech32_alphabet, *p) != NULL;
        if (ok) {
            snprintf(out, n, "%s", body);
            fam = "BCH";
            rc = cash_check(body) ? ST_OK : ST_EPARSE;
            goto done;
        }
    }
    /* bech32 / bech32m segwit addresses: one case only */
    if (!(has_upper && has_lower) && (!strncmp(low, "bc1", 3) || !strncmp(low, "tb1", 3) ||
                                      !strncmp(low, "ltc1", 4) || !strncmp(low, "bcrt1", 5))) {
        memcpy(out, low, len + 1);
        fam = low[0] == 'l' ? "LTC" : "XBT";
        rc = b32_verify(low) ? ST_OK : ST_EPARSE;
        goto done;
    }
    /* Monero: 95 (standard) or 106 (integrated) base58 characters from 4 or 8 */
    if ((len == 95 || len == 106) && (a[0] == '4' || a[0] == '8')) {
        memcpy(out, a, len + 1);
        fam = "XMR";
        rc = xmr_check(a, len) ? ST_OK : ST_EPARSE;
        goto done;
    }
    /* Ripple: its own base58 alphabet, starts with r */
    if (a[0] == 'r' && len >= 25 && len <= 35 && chain && !strcasecmp(chain, "XRP")) {
        unsigned char d[40];
        memcpy(out, a, len + 1);
        fam = "XRP";
        rc = st_base58_decode(xrp_alphabet, a, d, sizeof d) == 25 && b58_check(d, 25) ? ST_OK : ST_EPARSE;
        goto done;
    }
    if (len >= 25 && len <= 36 && strspn(a, st_base58_alphabet) == len) {
        unsigned char d[40];
        int k = b58_decode(a, d, sizeof d);
        if (k == 25 || k == 26) {
            memcpy(out, a, len + 1);
            fam = b58_family(d, k);
            /* Verge shares Dogecoin's version byte: the asset tells them apart */
            if (!strcmp(fam, "DOGE") && chain && !strcasecmp(chain, "XVG")) fam = "XVG";
            rc = b58_check(d, k) ? ST_OK : ST_EPARSE;
            goto done;
        }
    }
other:
    memcpy(out, a, len + 1);
    fam = "OTHER";
done:
    if (family_out) *family_out = fam;
    return rc;
}
