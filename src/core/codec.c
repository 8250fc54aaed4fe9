/*
 * codec.c - base58, base58check and bech32/bech32m (see codec.h).
 *
 * base58 is a big-number change of base done a byte at a time on a little
 * buffer; leading zero bytes are leading '1's (the alphabet's first
 * letter).  bech32's checksum is a BCH code over the human-readable part
 * expanded to 5-bit groups and the data; bech32 and bech32m differ only in
 * the constant the checksum must leave.
 */
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/codec.h"
#include "core/sha256.h"
#include "sanctrace/sanctrace.h"

/* ---- hex ---- */

const uint8_t st_hex_table[256] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 10, 11, 12, 13, 14, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 10, 11, 12, 13, 14, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
};

#ifdef __SSE2__
/* 16 hex digits into 8 bytes, all checked: 0 ok, -1 not hex.  The
 * digits of hashes and addresses are most of an export's bytes, so they
 * are read 16 at a time (the table loop took 8 instructions a digit). */
static inline int hex16(const uint8_t *s, uint8_t *out) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('f' + 1), l));
    if (_mm_movemask_epi8(_mm_or_si128(dig, alpha)) != 0xFFFF) return -1; /* bytes >= 0x80 compare below '0' */
    __m128i val = _mm_add_epi8(_mm_and_si128(v, _mm_set1_epi8(0x0F)), _mm_and_si128(alpha, _mm_set1_epi8(9)));
    /* 16-bit lanes: the high digit in the low byte, the low digit above */
    __m128i t = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(val, _mm_set1_epi16(0x00FF)), 4), _mm_srli_epi16(val, 8));
    _mm_storel_epi64((__m128i *)(void *)out, _mm_packus_epi16(t, t));
    return 0;
}
#endif


void st_hex_encode(const uint8_t *bytes, size_t n, char *out) {
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[bytes[i] >> 4];
        out[2 * i + 1] = hx[bytes[i] & 15];
    }
    out[2 * n] = 0;
}

/* a table, not comparisons: a digit or a letter comes at random in
 * hashes, and the branch between them missed half the time */
int st_hex_decode(const char *s, uint8_t *out, size_t n) {
    const uint8_t *d = (const uint8_t *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned h = st_hex_table[d[2 * i]], l = h & 0x80 ? 0x80 : st_hex_table[d[2 * i + 1]];
        if ((h | l) & 0x80) return ST_EINVAL; /* stops at the NUL of a shorter string */
        out[i] = (uint8_t)((h << 4) | l);
    }
    return ST_OK;
}

int st_hex_decode_all(const char *s, uint8_t *out, size_t n) {
    const uint8_t *d = (const uint8_t *)s;
    size_t i = 0;
#ifdef __SSE2__
    for (; i + 8 <= n; i += 8)
        if (hex16(d + 2 * i, out + i)) return ST_EINVAL;
#endif
    unsigned bad = 0;
    for (; i < n; i++) {
        unsigned h = st_hex_table[d[2 * i]], l = st_hex_table[d[2 * i + 1]];
        bad |= h | l;
        out[i] = (uint8_t)((h << 4) | l);
    }
    return bad & 0x80 ? ST_EINVAL : ST_OK;
}

const char st_base58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const char st_bech32_alphabet[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

#define B58_MAX 64
#define BECH32_CONST 1u
#define BECH32M_CONST 0x2bc830a3u

int st_base58_decode(const char *abc, const char *s, uint8_t *out, size_t cap) {
    uint8_t buf[B58_MAX] = {0};
    size_t n = strlen(s), zeros = 0, len = 0;
    while (zeros < n && s[zeros] == abc[0]) zeros++;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(abc, s[i]);
        if (!p || !s[i]) return -1;
        unsigned carry = (unsigned)(p - abc);
        size_t j = 0;
        for (; j < len || carry; j++) {
            if (j >= sizeof buf) return -1;
            carry += 58u * buf[j];
            buf[j] = (uint8_t)(carry & 0xFF);
            carry >>= 8;
        }
        len = j;
    }
    if (zeros + len > cap || zeros + len > B58_MAX) return -1;
    memset(out, 0, zeros);
    for (size_t i = 0; i < len; i++) out[zeros + i] = buf[len - 1 - i];
    return (int)(zeros + len);
}

int st_base58check_ok(const uint8_t *d, size_t n) {
    uint8_t h[32];
    if (n < 5) return 0;
    st_sha256d(d, n - 4, h);
    return memcmp(h, d + n - 4, 4) == 0;
}

int st_base58check_encode(const uint8_t *payload, size_t n, char *out, size_t cap) {
    uint8_t buf[B58_MAX], h[32];
    if (n + 4 > sizeof buf) return ST_EINVAL;
    memcpy(buf, payload, n);
    st_sha256d(payload, n, h);
    memcpy(buf + n, h, 4);
    n += 4;
    uint8_t digits[96]; /* 64 bytes need at most 88 base-58 digits */
    size_t nd = 0, zeros = 0;
    while (zeros < n && buf[zeros] == 0) zeros++;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = buf[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (zeros + nd + 1 > cap) return ST_EINVAL;
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++) out[o++] = '1';
    for (size_t i = 0; i < nd; i++) out[o++] = st_base58_alphabet[digits[nd - 1 - i]];
    out[o] = 0;
    return ST_OK;
}

int st_base58check_decode(const char *s, uint8_t *out, size_t cap, size_t *n) {
    size_t len = strlen(s);
    if (len == 0 || len > 60) return ST_EINVAL;
    int k = st_base58_decode(st_base58_alphabet, s, out, cap);
    if (k < 5 || !st_base58check_ok(out, (size_t)k)) return ST_EINVAL;
    *n = (size_t)k - 4;
    return ST_OK;
}

/* ---- bech32 / bech32m ---- */

static uint32_t polymod(const uint8_t *v, size_t n) {
    static const uint32_t g[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t top = chk >> 25;
        chk = (chk & 0x1ffffff) << 5 ^ v[i];
        for (int k = 0; k < 5; k++)
            if ((top >> k) & 1) chk ^= g[k];
    }
    return chk;
}

/* hrp[h] expanded into v: high bits, a zero, low bits.  Returns the length. */
static size_t hrp_expand(const char *hrp, size_t h, uint8_t *v) {
    size_t n = 0;
    for (size_t i = 0; i < h; i++) v[n++] = (uint8_t)((unsigned char)hrp[i] >> 5);
    v[n++] = 0;
    for (size_t i = 0; i < h; i++) v[n++] = (uint8_t)(hrp[i] & 31);
    return n;
}

int st_bech32_verify(const char *s) {
    const char *sep = strrchr(s, '1');
    size_t hrp = sep ? (size_t)(sep - s) : 0, n = strlen(s);
    if (!sep || hrp < 1 || n - hrp - 1 < 6 || n > 90) return ST_BECH32_NONE;
    uint8_t v[200];
    size_t k = hrp_expand(s, hrp, v);
    for (size_t i = hrp + 1; i < n; i++) {
        const char *p = strchr(st_bech32_alphabet, s[i]);
        if (!p || !s[i]) return ST_BECH32_NONE;
        v[k++] = (uint8_t)(p - st_bech32_alphabet);
    }
    uint32_t pm = polymod(v, k);
    return pm == BECH32_CONST ? ST_BECH32 : pm == BECH32M_CONST ? ST_BECH32M : ST_BECH32_NONE;
}

int st_segwit_encode(const char *hrp, int ver, const uint8_t *prog, size_t plen, char *out, size_t cap) {
    uint8_t data[80], v[120];
    size_t nd = 0, h = strlen(hrp);
    if (plen > 40 || h > 20) return ST_EINVAL;
    data[nd++] = (uint8_t)ver;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < plen; i++) {
        acc = acc << 8 | prog[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            data[nd++] = (uint8_t)((acc >> bits) & 31);
        }
    }
    if (bits) data[nd++] = (uint8_t)((acc << (5 - bits)) & 31);
    size_t nv = hrp_expand(hrp, h, v);
    memcpy(v + nv, data, nd);
    nv += nd;
    memset(v + nv, 0, 6);
    uint32_t mod = polymod(v, nv + 6) ^ (ver == 0 ? BECH32_CONST : BECH32M_CONST);
    if (h + 1 + nd + 6 + 1 > cap) return ST_EINVAL;
    memcpy(out, hrp, h);
    size_t o = h;
    out[o++] = '1';
    for (size_t i = 0; i < nd; i++) out[o++] = st_bech32_alphabet[data[i]];
    for (int i = 0; i < 6; i++) out[o++] = st_bech32_alphabet[(mod >> (5 * (5 - i))) & 31];
    out[o] = 0;
    return ST_OK;
}

int st_segwit_decode(const char *s, const char *hrp, int *ver_out, uint8_t prog[40], size_t *plen_out) {
    size_t len = strlen(s), h = strlen(hrp);
    if (len < h + 8 || len > 90 || strncasecmp(s, hrp, h) != 0 || s[h] != '1') return ST_EINVAL;
    int lower = 0, upper = 0;
    uint8_t data[90], v[200];
    size_t nd = 0;
    for (size_t i = h + 1; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') upper = 1, c = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z') lower = 1;
        const char *q = strchr(st_bech32_alphabet, c);
        if (!q || !c) return ST_EINVAL;
        data[nd++] = (uint8_t)(q - st_bech32_alphabet);
    }
    if (lower && upper) return ST_EINVAL;
    if (nd < 7) return ST_EINVAL;
    size_t nv = hrp_expand(hrp, h, v);
    memcpy(v + nv, data, nd);
    uint32_t mod = polymod(v, nv + nd);
    int ver = data[0];
    if (ver > 16) return ST_EINVAL;
    if (mod != (ver == 0 ? BECH32_CONST : BECH32M_CONST)) return ST_EINVAL;
    unsigned acc = 0, bits = 0;
    size_t plen = 0;
    for (size_t i = 1; i < nd - 6; i++) {
        acc = acc << 5 | data[i];
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (plen >= 40) return ST_EINVAL;
            prog[plen++] = (uint8_t)((acc >> bits) & 0xff);
        }
    }
    if (bits >= 5 || ((acc << (8 - bits)) & 0xff)) return ST_EINVAL;
    if (plen < 2 || (ver == 0 && plen != 20 && plen != 32)) return ST_EINVAL;
    *ver_out = ver;
    *plen_out = plen;
    return ST_OK;
}
