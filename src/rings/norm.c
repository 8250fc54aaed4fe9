/*
 * norm.c - normalisers: every field to the one form under which two
 * records that mean the same value compare equal.
 *
 * Design: each normaliser is a pure function from a field value to a
 * bounded output buffer, returning the output length (0 = nothing usable),
 * so they can be unit-tested one by one and fuzzed through the readers.
 * They are deliberately conservative: a transformation is applied only
 * where the provider or numbering plan makes the two forms the same thing
 * (Gmail ignores dots, Outlook does not), because a wrong merge chains
 * strangers together while a missed one only loses a link.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strsim.h"
#include "rings/rings_int.h"

/* ---- e-mail ---------------------------------------------------------- */

/* Providers whose mailboxes ignore dots in the local part / accept +tags. */
static const char *const email_nodots[] = {"gmail.com", "googlemail.com", NULL};
static const char *const email_plus[] = {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com",
                                         "live.com", "icloud.com", "me.com", "protonmail.com",
                                         "proton.me", "pm.me", "fastmail.com", "yandex.ru", NULL};

static int in_list(const char *const *list, const char *s) {
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return 1;
    return 0;
}

size_t rg_norm_email(const char *in, char *out, size_t n) {
    char buf[256];
    size_t j = 0;
    for (; *in && j + 1 < sizeof buf; in++) {
        unsigned char c = (unsigned char)*in;
        if (isspace(c) || c == '<' || c == '>') continue;
        buf[j++] = (char)tolower(c);
    }
    buf[j] = 0;
    if (strncmp(buf, "mailto:", 7) == 0) memmove(buf, buf + 7, strlen(buf + 7) + 1);
    char *at = strrchr(buf, '@');
    if (!at || at == buf || !strchr(at + 1, '.') || at[1] == '.') return 0;
    *at = 0;
    char *domain = at + 1;
    if (strcmp(domain, "googlemail.com") == 0) domain = "gmail.com";
    char local[256];
    size_t k = 0;
    int nodots = in_list(email_nodots, domain), plus = in_list(email_plus, domain);
    for (const char *p = buf; *p && k + 1 < sizeof local; p++) {
        if (plus && *p == '+') break;
        if (nodots && *p == '.') continue;
        local[k++] = *p;
    }
    local[k] = 0;
    if (k == 0) return 0;
    int w = snprintf(out, n, "%s@%s", local, domain);
    return w > 0 && (size_t)w < n ? (size_t)w : 0;
}

/* ---- phone ----------------------------------------------------------- */

size_t rg_norm_phone(const char *in, const char *region, char *out, size_t n) {
    char d[32];
    size_t k = 0;
    int plus = 0, seen = 0;
    for (const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '+' && !seen) plus = 1;
        else if (isdigit(c)) {
            if (k + 1 >= sizeof d) return 0;
            d[k++] = (char)c;
            seen = 1;
        } else if (isalpha(c)) {
            /* "ext 12", "x12": stop at an extension */
            if (seen) break;
        }
    }
    d[k] = 0;
    if (k < 6) return 0;
    char e[40];
    if (plus) snprintf(e, sizeof e, "+%s", d);
    else if (k > 2 && d[0] == '0' && d[1] == '0') snprintf(e, sizeof e, "+%s", d + 2);
    else if (k > 3 && d[0] == '0' && d[1] == '1' && d[2] == '1') snprintf(e, sizeof e, "+%s", d + 3);
    else {
        const char *cc = rg_calling_code(region);
        if (!cc) return 0; /* a national number without a known region is not comparable */
        const char *nat = d;
        if (strcmp(cc, "1") == 0) {
            if (k == 11 && d[0] == '1') nat = d + 1;
            if (strlen(nat) != 10) return 0;
        } else if (strcmp(cc, "39") != 0 && d[0] == '0') {
            nat = d + 1; /* trunk prefix; Italy keeps its leading 0 */
        }
        snprintf(e, sizeof e, "+%s%s", cc, nat);
    }
    size_t len = strlen(e);
    if (len < 8 || len > 16) return 0; /* E.164: at most 15 digits */
    if (len + 1 > n) return 0;
    memcpy(out, e, len + 1);
    return len;
}

/* Number ranges set aside for VoIP / non-geographic personal services.
 * UK 056 is Ofcom's range for VoIP ("location-independent electronic
 * communications"); UK 070 are personal numbers that forward anywhere. */
int rg_phone_is_voip(const char *e164) {
    static const char *const ranges[] = {"+4456", "+4470", NULL};
    for (const char *const *r = ranges; *r; r++)
        if (strncmp(e164, *r, strlen(*r)) == 0) return 1;
    return 0;
}

/* ---- free text and addresses ----------------------------------------- */

size_t rg_norm_text(const char *in, char *out, size_t n) {
    size_t j = 0;
    int space = 0;
    if (n == 0) return 0;
    for (; *in && j + 1 < n; in++) {
        unsigned char c = (unsigned char)*in;
        if (isalnum(c) || c >= 0x80) {
            if (space && j) {
                out[j++] = ' ';
                if (j + 1 >= n) break;
            }
            out[j++] = (char)tolower(c);
            space = 0;
        } else if (c == '\'') {
            continue; /* o'brien = obrien */
        } else space = 1;
    }
    out[j] = 0;
    return j;
}

/* Street-type and direction words, long form -> USPS / common short form. */
static const char *const addr_abbrev[][2] = {
    {"street", "st"}, {"str", "st"}, {"road", "rd"}, {"avenue", "ave"}, {"av", "ave"},
    {"boulevard", "blvd"}, {"drive", "dr"}, {"lane", "ln"}, {"court", "ct"}, {"place", "pl"},
    {"square", "sq"}, {"terrace", "tce"}, {"highway", "hwy"}, {"parkway", "pkwy"},
    {"circuit", "cct"}, {"crescent", "cres"}, {"close", "cl"}, {"way", "wy"},
    {"apartment", "apt"}, {"suite", "ste"}, {"unit", "unit"}, {"floor", "fl"},
    {"building", "bldg"}, {"north", "n"}, {"south", "s"}, {"east", "e"}, {"west", "w"},
    {"number", "no"}, {"post", "po"}, {"box", "box"}, {"mount", "mt"}, {"saint", "st"},
    {NULL, NULL}};

size_t rg_norm_address(const char *in, char *out, size_t n) {
    char t[1024];
    if (rg_norm_text(in, t, sizeof t) == 0) return 0;
    size_t j = 0;
    char *save = NULL;
    for (char *w = strtok_r(t, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (strcmp(w, "apt") == 0 || strcmp(w, "no") == 0) { /* keep */ }
        const char *rep = w;
        for (size_t i = 0; addr_abbrev[i][0]; i++)
            if (strcmp(w, addr_abbrev[i][0]) == 0) { rep = addr_abbrev[i][1]; break; }
        size_t l = strlen(rep);
        if (j + l + 2 > n) break;
        if (j) out[j++] = ' ';
        memcpy(out + j, rep, l);
        j += l;
    }
    out[j] = 0;
    return j;
}

/* ---- IP -------------------------------------------------------------- */

size_t rg_norm_ip(const char *in, char *out, size_t n) {
    while (isspace((unsigned char)*in)) in++;
    unsigned a, b, c, d;
    char tail;
    if (sscanf(in, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) >= 4) {
        if (a > 255 || b > 255 || c > 255 || d > 255) return 0;
        int w = snprintf(out, n, "%u.%u.%u.0/24", a, b, c);
        return w > 0 && (size_t)w < n ? (size_t)w : 0;
    }
    /* IPv6: the /64 prefix (first four groups) is one subscriber or one site */
    if (strchr(in, ':')) {
        size_t j = 0, groups = 0;
        for (const char *p = in; *p && groups < 4 && j + 8 < n; p++) {
            if (*p == ':') {
                groups++;
                if (p[1] == ':') break; /* compressed: keep what we have */
                out[j++] = ':';
            } else if (isxdigit((unsigned char)*p)) out[j++] = (char)tolower((unsigned char)*p);
            else return 0;
        }
        if (j == 0) return 0;
        if (j && out[j - 1] == ':') j--;
        memcpy(out + j, "::/64", 6);
        return j + 5;
    }
    return 0;
}

/* ---- payment accounts -------------------------------------------------- */

static const char *const crypto_types[] = {"btc", "xbt", "bitcoin", "eth", "ether", "ethereum",
                                           "usdt", "usdc", "trx", "tron", "ltc", "xmr", "bch",
                                           "sol", "bnb", "crypto", "wallet", "doge", NULL};

static int all_in(const char *s, const char *set) {
    for (; *s; s++)
        if (!strchr(set, *s)) return 0;
    return 1;
}

static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* The asset a bare address belongs to, or NULL. */
static const char *crypto_guess(const char *v) {
    size_t l = strlen(v);
    if (l == 42 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && all_in(v + 2, "0123456789abcdefABCDEF"))
        return "eth";
    if (l >= 14 && l <= 74 && strncasecmp(v, "bc1", 3) == 0) return "btc";
    if (l >= 26 && l <= 35 && (v[0] == '1' || v[0] == '3') && all_in(v, b58)) return "btc";
    if (l == 34 && v[0] == 'T' && all_in(v, b58)) return "trx";
    return NULL;
}

size_t rg_norm_payment(const char *in, char *out, size_t n, char country[3], int *crypto) {
    char type[32] = "", val[256];
    size_t k = 0;
    country[0] = 0;
    *crypto = 0;
    while (isspace((unsigned char)*in)) in++;
    const char *colon = strchr(in, ':');
    if (colon && colon - in < (long)sizeof type) {
        size_t tl = 0;
        for (const char *p = in; p < colon; p++)
            if (!isspace((unsigned char)*p)) type[tl++] = (char)tolower((unsigned char)*p);
        type[tl] = 0;
        in = colon + 1;
    }
    for (const char *p = in; *p && k + 1 < sizeof val; p++)
        if (!isspace((unsigned char)*p) && *p != '-') val[k++] = *p;
    val[k] = 0;
    if (k == 0) return 0;
    if (!type[0]) {
        const char *g = crypto_guess(val);
        if (g) snprintf(type, sizeof type, "%s", g);
        else if (strchr(val, '@')) snprintf(type, sizeof type, "paypal");
        else snprintf(type, sizeof type, "acct");
    }
    if (strcmp(type, "xbt") == 0 || strcmp(type, "bitcoin") == 0) snprintf(type, sizeof type, "btc");
    if (strcmp(type, "ether") == 0 || strcmp(type, "ethereum") == 0) snprintf(type, sizeof type, "eth");
    if (strcmp(type, "tron") == 0) snprintf(type, sizeof type, "trx");
    for (const char *const *c = crypto_types; *c; c++) /* "usdt-trc20", "eth_erc20" ... */
        if (strncmp(type, *c, strlen(*c)) == 0) *crypto = 1;
    if (crypto_guess(val)) *crypto = 1;
    int lower_case = (strchr(val, '@') != NULL) ||
                     (val[0] == '0' && (val[1] == 'x' || val[1] == 'X')) || strncasecmp(val, "bc1", 3) == 0;
    int upper_case = !*crypto && !lower_case;
    for (char *p = val; *p; p++) {
        if (lower_case) *p = (char)tolower((unsigned char)*p);
        else if (upper_case) *p = (char)toupper((unsigned char)*p);
    }
    /* IBAN: two letters of country, two check digits */
    if ((strcmp(type, "iban") == 0 || strcmp(type, "bank") == 0 || strcmp(type, "acct") == 0) &&
        k >= 15 && isalpha((unsigned char)val[0]) && isalpha((unsigned char)val[1]) &&
        isdigit((unsigned char)val[2]) && isdigit((unsigned char)val[3])) {
        snprintf(type, sizeof type, "iban");
        country[0] = val[0];
        country[1] = val[1];
        country[2] = 0;
    }
    int w = snprintf(out, n, "%s:%s", type, val);
    return w > 0 && (size_t)w < n ? (size_t)w : 0;
}

/* ---- dates and photo hashes -------------------------------------------- */

static int valid_ymd(int y, int m, int d) {
    return y >= 1900 && y <= 2100 && m >= 0 && m <= 12 && d >= 0 && d <= 31 && !(d && !m);
}

/* Two-digit years: 00-26 are 20xx, the rest 19xx (birth dates). */
static int full_year(int y, const char *s) {
    const char *last = strrchr(s, '/');
    if (!last) last = strrchr(s, '.');
    if (last && strlen(last + 1) == 2) return y <= 26 ? 2000 + y : 1900 + y;
    return y;
}

/* "24-May-11", "15 Mar 1992", "Mar 1 1970", "March 1, 1970". */
static int month_words(const char *s, int *y, int *m, int *d) {
    static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    int nums[3], nn = 0, mo = 0;
    const char *p = s;
    while (*p) {
        if (isdigit((unsigned char)*p)) {
            char *e;
            long v = strtol(p, &e, 10);
            if (nn < 3) nums[nn++] = (int)v;
            else return 0;
            if (e - p > 4) return 0;
            p = e;
        } else if (isalpha((unsigned char)*p)) {
            const char *w = p;
            while (isalpha((unsigned char)*p)) p++;
            if (mo || p - w < 3) return 0;
            for (int i = 0; i < 12; i++)
                if (strncasecmp(w, mon[i], 3) == 0) mo = i + 1;
            if (!mo) return 0;
        } else p++;
    }
    if (!mo || nn != 2) return 0;
    int day = nums[0], year = nums[1];
    if (day > 31) { day = nums[1]; year = nums[0]; }
    if (year < 100) year = year <= 26 ? 2000 + year : 1900 + year;
    *y = year;
    *m = mo;
    *d = day;
    return 1;
}

size_t rg_norm_date(const char *in, char *out, size_t n) {
    int y = 0, m = 0, d = 0;
    char c;
    while (isspace((unsigned char)*in)) in++;
    size_t l = strlen(in);
    while (l && isspace((unsigned char)in[l - 1])) l--;
    char s[32];
    if (l == 0 || l >= sizeof s) return 0;
    memcpy(s, in, l);
    s[l] = 0;
    if (l == 8 && all_in(s, "0123456789")) {
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        m = (s[4] - '0') * 10 + (s[5] - '0');
        d = (s[6] - '0') * 10 + (s[7] - '0');
    } else if (strspn(s, "0123456789") == 4 &&
               (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &c) == 3 || sscanf(s, "%4d/%2d/%2d%c", &y, &m, &d, &c) == 3)) {
    } else if (sscanf(s, "%2d/%2d/%4d%c", &m, &d, &y, &c) == 3) {
        if (m > 12 && d <= 12) { int t = m; m = d; d = t; } /* US order unless impossible */
        y = full_year(y, s);
    } else if (sscanf(s, "%2d.%2d.%4d%c", &d, &m, &y, &c) == 3) {
        y = full_year(y, s);
    } else if (month_words(s, &y, &m, &d)) {
    } else if (strspn(s, "0123456789") == 4 && sscanf(s, "%4d-%2d%c", &y, &m, &c) == 2) {
        d = 0;
    } else if (l == 4 && all_in(s, "0123456789")) {
        y = atoi(s);
    } else return 0;
    if (!valid_ymd(y, m, d)) return 0;
    int w;
    if (d) w = snprintf(out, n, "%04d-%02d-%02d", y, m, d);
    else if (m) w = snprintf(out, n, "%04d-%02d", y, m);
    else w = snprintf(out, n, "%04d", y);
    return w > 0 && (size_t)w < n ? (size_t)w : 0;
}

int rg_norm_pdq(const char *in, uint64_t h[4]) {
    while (isspace((unsigned char)*in)) in++;
    if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) in += 2;
    memset(h, 0, 4 * sizeof h[0]);
    int nd = 0;
    for (; *in && !isspace((unsigned char)*in); in++) {
        int v;
        unsigned char c = (unsigned char)*in;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return 0;
        if (nd >= 64) return 0;
        h[nd / 16] = (h[nd / 16] << 4) | (uint64_t)v;
        nd++;
    }
    return nd == 64;
}

/* ---- similarity -------------------------------------------------------- */

double rg_jaro_winkler(const char *a, const char *b) {
    return st_jaro_winkler(a, strlen(a), b, strlen(b));
}

/* Character bigrams of an address as a 256-bit set: comparing two
 * addresses is then four AND/popcount steps, not a sort per comparison.
 * Collisions (about 40 bigrams in 256 bits) inflate similarity slightly. */
void rg_bigram_bits(const char *s, uint64_t bits[4]) {
    memset(bits, 0, 4 * sizeof bits[0]);
    unsigned char prev = 0;
    for (; *s; s++) {
        if (*s == ' ') continue;
        unsigned char c = (unsigned char)*s;
        if (prev) {
            uint32_t h = ((uint32_t)prev * 0x9E3779B1u) ^ ((uint32_t)c * 0x85EBCA77u);
            h ^= h >> 15;
            h = (h * 0x2C1B3C6Du) >> 24;
            bits[h >> 6] |= 1ULL << (h & 63);
        }
        prev = c;
    }
}

static inline int pop64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

double rg_bits_dice(const uint64_t a[4], const uint64_t b[4]) {
    int na = 0, nb = 0, both = 0;
    for (int i = 0; i < 4; i++) {
        na += pop64(a[i]);
        nb += pop64(b[i]);
        both += pop64(a[i] & b[i]);
    }
    return na + nb ? 2.0 * both / (na + nb) : 0.0;
}

/* ---- résumés: one-permutation MinHash over word 3-shingles ----------- */

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void rg_resume_signature(const char *text, uint32_t sig[RG_SIG]) {
    uint64_t w[3] = {0, 0, 0};
    size_t nw = 0;
    for (size_t i = 0; i < RG_SIG; i++) sig[i] = UINT32_MAX;
    const char *p = text;
    int any = 0;
    while (*p) {
        while (*p && !(isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)) p++;
        if (!*p) break;
        uint64_t h = 1469598103934665603ULL;
        while (*p && (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)) {
            h = (h ^ (uint64_t)tolower((unsigned char)*p)) * 1099511628211ULL;
            p++;
        }
        w[0] = w[1];
        w[1] = w[2];
        w[2] = h;
        if (++nw < 3) continue;
        uint64_t s = mix64(w[0] * 3 + mix64(w[1]) * 5 + mix64(w[2] ^ 0x9e3779b97f4a7c15ULL));
        uint32_t bin = (uint32_t)(s >> 59) % RG_SIG, v = (uint32_t)s;
        if (v < sig[bin]) sig[bin] = v;
        any = 1;
    }
    if (!any && nw > 0) { /* fewer than three words: one shingle of all */
        uint64_t s = mix64(w[0] + mix64(w[1]) + mix64(w[2]));
        sig[(s >> 59) % RG_SIG] = (uint32_t)s;
    }
    /* densify: an empty bin borrows the next filled bin's value, salted by distance */
    for (size_t i = 0; i < RG_SIG; i++) {
        if (sig[i] != UINT32_MAX) continue;
        for (size_t d = 1; d < RG_SIG; d++) {
            uint32_t v = sig[(i + d) % RG_SIG];
            if (v != UINT32_MAX && ((v ^ (uint32_t)d) != UINT32_MAX)) { sig[i] = (uint32_t)mix64(v + d) | 1u; break; }
        }
    }
}

double rg_sig_similarity(const uint32_t *a, const uint32_t *b) {
    int eq = 0;
    for (size_t i = 0; i < RG_SIG; i++) eq += a[i] == b[i];
    return (double)eq / RG_SIG;
}

/* ---- time zones -------------------------------------------------------- */

/* "+09:00", "UTC+9", "GMT-5", "UTC" -> minutes east of UTC. */
static int tz_parse_fixed(const char *z, int *minutes) {
    const char *p = z;
    if (strncasecmp(p, "UTC", 3) == 0 || strncasecmp(p, "GMT", 3) == 0) p += 3;
    if (!*p && p != z) { *minutes = 0; return 1; }
    if (*p != '+' && *p != '-') return 0;
    int sign = *p == '-' ? -1 : 1, h = 0, m = 0;
    p++;
    if (!isdigit((unsigned char)*p)) return 0;
    while (isdigit((unsigned char)*p) && h < 100) h = h * 10 + (*p++ - '0');
    if (h > 1400) return 0;
    if (h >= 100) { m = h % 100; h /= 100; }
    else if (*p == ':' && isdigit((unsigned char)p[1])) m = atoi(p + 1);
    if (h > 14 || m > 59) return 0;
    *minutes = sign * (h * 60 + m);
    return 1;
}

/* Standard offset from a TZif file's POSIX footer ("KST-9", "EST5EDT,..."),
 * the same data localtime_r uses, without touching the process's TZ. */
static int tz_from_zoneinfo(const char *zone, int *minutes) {
    size_t l = strlen(zone);
    if (l == 0 || l > 64 || strstr(zone, "..") || zone[0] == '/') return 0;
    for (size_t i = 0; i < l; i++)
        if (!(isalnum((unsigned char)zone[i]) || strchr("/_+-", zone[i]))) return 0;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char tail[128];
    int ok = 0;
    if (fseek(f, -(long)(sizeof tail - 1), SEEK_END) != 0) rewind(f);
    size_t got = fread(tail, 1, sizeof tail - 1, f);
    fclose(f);
    tail[got] = 0;
    if (got < 2 || tail[got - 1] != '\n') return 0;
    tail[got - 1] = 0;
    char *nl = memrchr(tail, '\n', got - 1); /* binary data before the footer holds NULs */
    if (!nl) return 0;
    const char *p = nl + 1;
    if (*p == '<') { p = strchr(p, '>'); if (!p) return 0; p++; }
    else while (isalpha((unsigned char)*p)) p++;
    int sign = 1;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p)) return 0;
    int h = 0, m = 0;
    while (isdigit((unsigned char)*p)) h = h * 10 + (*p++ - '0');
    if (*p == ':') m = atoi(p + 1);
    if (h <= 24 && m < 60) { *minutes = -sign * (h * 60 + m); ok = 1; } /* POSIX: west positive */
    return ok;
}

/* Common abbreviations people type instead of IANA names (standard time). */
static int tz_abbrev(const char *z, int *minutes) {
    static const struct { const char *abbr; int min; } t[] = {
        {"EST", -300}, {"EDT", -300}, {"CST", -360}, {"CDT", -360}, {"MST", -420}, {"MDT", -420},
        {"PST", -480}, {"PDT", -480}, {"AKST", -540}, {"HST", -600}, {"GMT", 0}, {"BST", 0},
        {"WET", 0}, {"CET", 60}, {"CEST", 60}, {"EET", 120}, {"MSK", 180}, {"KST", 540}, {"JST", 540},
        {"AEST", 600}, {"SGT", 480}, {"HKT", 480}, {"PHT", 480}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(z, t[i].abbr) == 0) { *minutes = t[i].min; return 1; }
    return 0;
}

int rg_tz_offset_minutes(st_rings *r, const char *zone, int *minutes) {
    if (!zone || !*zone) return 0;
    uint64_t v;
    size_t l = strlen(zone);
    if (r && r->tzcache && st_map_get(r->tzcache, zone, l, &v)) {
        if (v == 0) return 0;
        *minutes = (int)((int64_t)v - 100000);
        return 1;
    }
    int m = 0, ok = tz_parse_fixed(zone, &m) || tz_abbrev(zone, &m) || tz_from_zoneinfo(zone, &m);
    if (r && r->tzcache) (void)st_map_put(r->tzcache, zone, l, ok ? (uint64_t)(m + 100000) : 0);
    if (ok) *minutes = m;
    return ok;
}
