/*
 * memo.c - THORChain memos: what an inbound transaction asks THORChain to
 * do (SWAP and its short forms) and what an outbound one answers (OUT,
 * REFUND), as the protocol documents them.
 *
 * Design: a memo is untrusted text from a chain, so every field is
 * copied into a fixed buffer only after its length is checked, and
 * anything unexpected is an ST_EPARSE that names the field; nothing here
 * allocates.  Fields THORChain accepts but tracing does not need (limits,
 * streaming intervals, affiliates) are kept as text.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "sanctrace/xtrace.h"

#define MEMO_MAX 250

static const struct {
    char code;
    const char *asset;
} shortcodes[] = {{'a', "AVAX.AVAX"}, {'b', "BTC.BTC"}, {'c', "BCH.BCH"}, {'d', "DOGE.DOGE"}, {'e', "ETH.ETH"},
                  {'g', "GAIA.ATOM"}, {'l', "LTC.LTC"}, {'n', "BNB.BNB"},  {'r', "THOR.RUNE"}, {'s', "BSC.BNB"}};

/* field i (0-based) of memo split on ':'; 1 when present */
static int field(const char *m, size_t n, int i, const char **f, size_t *fl) {
    size_t start = 0;
    for (int k = 0; k < i; k++) {
        const char *c = memchr(m + start, ':', n - start);
        if (!c) return 0;
        start = (size_t)(c - m) + 1;
    }
    const char *c = memchr(m + start, ':', n - start);
    *f = m + start;
    *fl = c ? (size_t)(c - m) - start : n - start;
    return 1;
}

static int copy(char *dst, size_t cap, const char *s, size_t n, int upper) {
    if (n >= cap) return 0;
    for (size_t i = 0; i < n; i++) dst[i] = upper ? (char)toupper((unsigned char)s[i]) : s[i];
    dst[n] = 0;
    return 1;
}

int st_thor_memo_parse(const char *memo, size_t n, st_thor_memo *out, st_error *err) {
    memset(out, 0, sizeof *out);
    if (n > MEMO_MAX) return st_error_set(err, ST_EPARSE, "memo longer than %d bytes", MEMO_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)memo[i] < 0x20 || (unsigned char)memo[i] > 0x7e)
            return st_error_set(err, ST_EPARSE, "memo holds a byte that is not printable ASCII");
    const char *f;
    size_t fl;
    if (!n || !field(memo, n, 0, &f, &fl) || !fl) return st_error_set(err, ST_EPARSE, "empty memo");
    if ((fl == 3 && !strncasecmp(f, "OUT", 3)) || (fl == 6 && !strncasecmp(f, "REFUND", 6))) {
        out->kind = fl == 3 ? ST_THOR_OUT : ST_THOR_REFUND;
        const char *h;
        size_t hl;
        if (!field(memo, n, 1, &h, &hl))
            return st_error_set(err, ST_EPARSE, "%s memo without the inbound transaction hash", fl == 3 ? "OUT" : "REFUND");
        if (hl >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) h += 2, hl -= 2;
        if (hl != 64 || st_hex_decode(h, out->hash, 32))
            return st_error_set(err, ST_EPARSE, "the hash of '%.*s' is not 64 hex digits", (int)n, memo);
        if (field(memo, n, 2, &h, &hl)) return st_error_set(err, ST_EPARSE, "'%.*s': text after the hash", (int)n, memo);
        return ST_OK;
    }
    if (!((fl == 4 && !strncasecmp(f, "SWAP", 4)) || (fl == 1 && (f[0] == '=' || f[0] == 's' || f[0] == 'S'))))
        return st_error_set(err, ST_EPARSE, "'%.*s': not a swap, OUT or REFUND memo", (int)n, memo);
    out->kind = ST_THOR_SWAP;
    const char *a, *d;
    size_t al, dl;
    if (!field(memo, n, 1, &a, &al) || !al) return st_error_set(err, ST_EPARSE, "swap memo without an asset");
    if (al == 1) {
        size_t k = 0;
        while (k < sizeof shortcodes / sizeof shortcodes[0] && shortcodes[k].code != tolower((unsigned char)a[0])) k++;
        if (k == sizeof shortcodes / sizeof shortcodes[0])
            return st_error_set(err, ST_EPARSE, "unknown asset shortcode '%c'", a[0]);
        strcpy(out->asset, shortcodes[k].asset);
    } else {
        const char *dot = memchr(a, '.', al);
        const char *tilde = memchr(a, '~', al), *slash = memchr(a, '/', al); /* trade and synthetic assets */
        if (!dot && tilde) dot = tilde;
        if (!dot && slash) dot = slash;
        if (!dot || dot == a || dot == a + al - 1 || !copy(out->asset, sizeof out->asset, a, al, 1))
            return st_error_set(err, ST_EPARSE, "asset '%.*s' is not CHAIN.SYMBOL", (int)al, a);
    }
    size_t cl = strcspn(out->asset, ".~/");
    if (cl >= sizeof out->chain) return st_error_set(err, ST_EPARSE, "asset chain name too long");
    memcpy(out->chain, out->asset, cl);
    out->chain[cl] = 0;
    if (!field(memo, n, 2, &d, &dl) || !dl) return st_error_set(err, ST_EPARSE, "swap memo without a destination");
    if (!copy(out->dest, sizeof out->dest, d, dl, 0)) return st_error_set(err, ST_EPARSE, "destination too long");
    for (size_t i = 0; i < dl; i++)
        if (!isalnum((unsigned char)d[i]) && d[i] != '.' && d[i] != '-' && d[i] != '_')
            return st_error_set(err, ST_EPARSE, "destination '%.*s' is not an address", (int)dl, d);
    if (field(memo, n, 3, &f, &fl) && !copy(out->limit, sizeof out->limit, f, fl, 0))
        return st_error_set(err, ST_EPARSE, "limit too long");
    if (field(memo, n, 4, &f, &fl) && !copy(out->affiliate, sizeof out->affiliate, f, fl, 0))
        return st_error_set(err, ST_EPARSE, "affiliate too long");
    if (field(memo, n, 5, &f, &fl) && !copy(out->fee, sizeof out->fee, f, fl, 0))
        return st_error_set(err, ST_EPARSE, "affiliate fee too long");
    return ST_OK;
}
