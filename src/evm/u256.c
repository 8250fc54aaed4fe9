/*
 * u256.c - exact unsigned 256-bit amounts: wei and token base units.
 *
 * Design: four 64-bit limbs, least significant first, with 128-bit
 * intermediate products (GCC/Clang's unsigned __int128).  Every operation
 * reports a wrap instead of hiding it, so no amount is ever silently
 * truncated; parsing refuses anything that is not exactly a number below
 * 2^256.  Printing divides by 10^19 limb-wise, so it needs no allocation.
 */
#include <string.h>

#include "sanctrace/evm.h"

__extension__ typedef unsigned __int128 u128;

int st_u256_is_zero(const st_u256 *a) { return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]); }

int st_u256_cmp(const st_u256 *a, const st_u256 *b) {
    for (int i = 3; i >= 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

int st_u256_add(st_u256 *r, const st_u256 *a, const st_u256 *b) {
    uint64_t carry = 0;
    st_u256 t;
    for (int i = 0; i < 4; i++) {
        u128 s = (u128)a->w[i] + b->w[i] + carry;
        t.w[i] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
    *r = t;
    return carry != 0;
}

int st_u256_sub(st_u256 *r, const st_u256 *a, const st_u256 *b) {
    uint64_t borrow = 0;
    st_u256 t;
    for (int i = 0; i < 4; i++) {
        uint64_t x = a->w[i], y = b->w[i];
        uint64_t d = x - y - borrow;
        borrow = (x < y) || (x - y < borrow);
        t.w[i] = d;
    }
    *r = t;
    return borrow != 0;
}

int st_u256_mul_u64(st_u256 *r, const st_u256 *a, uint64_t m) {
    uint64_t carry = 0;
    st_u256 t;
    for (int i = 0; i < 4; i++) {
        u128 p = (u128)a->w[i] * m + carry;
        t.w[i] = (uint64_t)p;
        carry = (uint64_t)(p >> 64);
    }
    *r = t;
    return carry != 0;
}

static int add_small(st_u256 *a, uint64_t v) {
    st_u256 b = st_u256_from_u64(v);
    return st_u256_add(a, a, &b);
}

int st_u256_parse(const char *s, size_t n, st_u256 *out) {
    st_u256 v = {{0, 0, 0, 0}};
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
        if (!n) return ST_EPARSE;
        while (n && *s == '0' && n > 1) s++, n--; /* leading zeros (log data is 64 digits) */
        if (n > 64) return ST_EPARSE;
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            unsigned u = (unsigned)(unsigned char)c, dd = u - '0', l = (u | 0x20) - 'a';
            int d = dd < 10 ? (int)dd : l < 6 ? (int)l + 10 : -1;
            if (d < 0) return ST_EPARSE;
            size_t bit = (n - 1 - i) * 4;
            v.w[bit / 64] |= (uint64_t)d << (bit % 64);
        }
        *out = v;
        return ST_OK;
    }
    if (!n || n > 100) return ST_EPARSE;
    /* most amounts (wei up to 10^20 ether): the last 19 digits in one word,
     * any before them in another, joined in one 128-bit step */
    if (n <= 38) {
        size_t k = n > 19 ? n - 19 : 0;
        uint64_t hi = 0, lo = 0;
        for (size_t j = 0; j < n; j++) {
            unsigned d = (unsigned)(unsigned char)s[j] - '0';
            if (d > 9) return ST_EPARSE;
            if (j < k) hi = hi * 10 + d;
            else lo = lo * 10 + d;
        }
        u128 x = (u128)hi * 10000000000000000000ULL + lo; /* < 10^38 < 2^127 */
        *out = v;
        out->w[0] = (uint64_t)x;
        out->w[1] = (uint64_t)(x >> 64);
        return ST_OK;
    }
    /* up to 19 digits at a time in one 64-bit word, then v = v * 10^k + chunk */
    static const uint64_t pow10[20] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
                                       100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
                                       1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
                                       1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
                                       1000000000000000000ULL, 10000000000000000000ULL};
    for (size_t i = 0; i < n;) {
        size_t k = n - i < 19 ? n - i : 19;
        uint64_t chunk = 0;
        for (size_t j = 0; j < k; j++) {
            unsigned d = (unsigned)(unsigned char)s[i + j] - '0';
            if (d > 9) return ST_EPARSE;
            chunk = chunk * 10 + d;
        }
        if ((i && st_u256_mul_u64(&v, &v, pow10[k])) || add_small(&v, chunk)) return ST_EPARSE;
        i += k;
    }
    *out = v;
    return ST_OK;
}

/* The n-word number w (w[0] least significant) in decimal into out, w
 * consumed: 19 digits at a time off the remainders of 10^19. */
static char *format_words(uint64_t *w, int n, char *out) {
    char tmp[ST_U320_TEXT] = {0};
    size_t k = 0;
    int zero;
    do {
        u128 rem = 0;
        for (int i = n - 1; i >= 0; i--) {
            u128 cur = (rem << 64) | w[i];
            w[i] = (uint64_t)(cur / 10000000000000000000ULL);
            rem = cur % 10000000000000000000ULL;
        }
        uint64_t chunk = (uint64_t)rem;
        zero = 1;
        for (int i = 0; i < n; i++) zero &= !w[i];
        for (int j = 0; j < 19 && (!zero || chunk || j == 0); j++) { /* the last chunk without its leading zeros */
            tmp[k++] = (char)('0' + chunk % 10);
            chunk /= 10;
        }
    } while (!zero);
    for (size_t i = 0; i < k; i++) out[i] = tmp[k - 1 - i];
    out[k] = 0;
    return out;
}

char *st_u256_format(const st_u256 *a, char out[ST_U256_TEXT]) {
    uint64_t w[4] = {a->w[0], a->w[1], a->w[2], a->w[3]};
    return format_words(w, 4, out);
}

char *st_u256_format_hi(uint64_t hi, const st_u256 *a, char out[ST_U320_TEXT]) {
    uint64_t w[5] = {a->w[0], a->w[1], a->w[2], a->w[3], hi};
    return format_words(w, 5, out);
}

/* floor(a * b / d) through a 512-bit product: 64-bit operands (the common
 * case of amounts under 18.4 ether) take one 128-bit division, the rest a
 * shift-subtract long division, which needs no normalisation tricks. */
int st_u256_muldiv(st_u256 *r, const st_u256 *a, const st_u256 *b, const st_u256 *d) {
    if (st_u256_is_zero(d)) return 1;
    if (!(a->w[1] | a->w[2] | a->w[3] | b->w[1] | b->w[2] | b->w[3] | d->w[1] | d->w[2] | d->w[3])) {
        u128 q = (u128)a->w[0] * b->w[0] / d->w[0];
        st_u256 t = {{(uint64_t)q, (uint64_t)(q >> 64), 0, 0}};
        *r = t;
        return 0;
    }
    uint64_t p[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            u128 s = (u128)a->w[i] * b->w[j] + p[i + j] + carry;
            p[i + j] = (uint64_t)s;
            carry = (uint64_t)(s >> 64);
        }
        p[i + 4] = carry;
    }
    uint64_t rem[5] = {0}, q[8] = {0};
    int top = 511;
    while (top >= 0 && !((p[top / 64] >> (top % 64)) & 1)) top--;
    for (int bit = top; bit >= 0; bit--) {
        for (int k = 4; k > 0; k--) rem[k] = (rem[k] << 1) | (rem[k - 1] >> 63);
        rem[0] = (rem[0] << 1) | ((p[bit / 64] >> (bit % 64)) & 1);
        int ge = rem[4] != 0;
        if (!ge) {
            ge = 1;
            for (int k = 3; k >= 0; k--)
                if (rem[k] != d->w[k]) {
                    ge = rem[k] > d->w[k];
                    break;
                }
        }
        if (ge) {
            uint64_t borrow = 0;
            for (int k = 0; k < 5; k++) {
                uint64_t y = k < 4 ? d->w[k] : 0, x = rem[k];
                rem[k] = x - y - borrow;
                borrow = (x < y) || (x - y < borrow);
            }
            q[bit / 64] |= 1ULL << (bit % 64);
        }
    }
    memcpy(r->w, q, sizeof r->w);
    return (q[4] | q[5] | q[6] | q[7]) != 0;
}
