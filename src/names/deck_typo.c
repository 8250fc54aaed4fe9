/*
 * deck_typo.c - typing errors in names, for measuring how screening meets
 * them: the comparator's repair of romanised Korean syllables must find
 * the listed person and must not turn innocents into matches.
 *
 * Design: independent of the matcher.  Nothing here reads the Korean
 * module's tables or renderers: the names are taken as the lists write
 * them, half of them respelt the way South Korean documents write the
 * same words by a table of whole-word respellings kept in this file
 * (Ri -> Lee, Chol -> Cheol, Pyong -> Byeong), and then one or two
 * errors are typed on a QWERTY keyboard: a neighbouring key struck
 * instead of the right one, a letter dropped, two letters swapped, a
 * letter doubled, or a neighbouring key struck as well; one error in
 * eight falls on a word's first letter.  Deterministic for a seed.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "names/names_int.h"
#include "sanctrace/eval.h"

/* Keys next to each letter on a QWERTY keyboard. */
static const char *const qwerty_near[26] = {
    "qwsz", "vghn", "xdfv", "serfcx", "wrsd", "drtgvc", "ftyhbv", "gyujnb", "uojk", "huikmn",
    "jiolm", "kop", "njk", "bhjm", "ipkl", "ol", "wa", "etdf", "awedxz", "ryfg", "yihj", "cfgb",
    "qeas", "zsdc", "tugh", "asx",
};

/* South Korean spellings of words the DPRK lists write (upper-case list
 * forms compare case-insensitively); choices separated by '|'. */
static const struct { const char *dprk, *south; } respell[] = {
    {"chang", "chang|jang"}, {"chin", "jin"}, {"chol", "cheol|chul"}, {"chon", "jeon|cheon"},
    {"choe", "choi"}, {"chu", "ju|joo"}, {"chun", "chun|jun"}, {"ho", "ho"}, {"hun", "hoon"},
    {"hyok", "hyuk|hyeok"}, {"hyon", "hyun|hyeon"}, {"jon", "jeon|jun"}, {"jong", "jeong|jung"},
    {"kang", "kang|gang"}, {"kil", "gil"}, {"kim", "kim|gim"}, {"ku", "gu|koo"}, {"kuk", "guk|kook"},
    {"kum", "geum|keum"}, {"kun", "geun|keun"}, {"kwang", "kwang|gwang"}, {"kyong", "kyung|gyeong"},
    {"kyu", "gyu|kyu"}, {"myong", "myung|myeong"}, {"mun", "moon"}, {"o", "oh"}, {"pak", "park|bak"},
    {"pok", "bok"}, {"pong", "bong"}, {"pyong", "byung|byeong"}, {"ri", "lee|yi|rhee"}, {"rim", "lim|im"},
    {"ryong", "ryong|yong"}, {"ryu", "ryu|yoo"}, {"sok", "seok|suk"}, {"son", "son|sohn"},
    {"song", "sung|seong"}, {"su", "soo|su"}, {"sun", "sun|soon"}, {"thae", "tae"}, {"to", "do"},
    {"tok", "deok|duk"}, {"ton", "don"}, {"tong", "dong"}, {"u", "woo"}, {"un", "eun"},
    {"yong", "young|yeong"}, {"yun", "yoon"},
};

/* Letters, apostrophes and non-ASCII bytes (’, ŏ) make one word: a
 * McCune-Reischauer word is left whole, not respelt in pieces. */
static int in_word(char c) {
    return isalpha((unsigned char)c) || c == '\'' || (unsigned char)c >= 0x80;
}

/* in respelt word by word into out[cap]. */
static void respell_south(const char *in, char *out, size_t cap, st_rng *r) {
    size_t o = 0;
    const char *p = in;
    while (*p && o + 1 < cap) {
        if (!in_word(*p)) { out[o++] = *p++; continue; }
        const char *e = p;
        while (in_word(*e)) e++;
        size_t wl = (size_t)(e - p);
        const char *rep = NULL;
        for (size_t i = 0; i < sizeof respell / sizeof respell[0] && !rep; i++)
            if (strlen(respell[i].dprk) == wl && !strncasecmp(respell[i].dprk, p, wl)) rep = respell[i].south;
        if (!rep) {
            for (size_t i = 0; i < wl && o + 1 < cap; i++) out[o++] = p[i];
        } else {
            size_t nch = 1;
            for (const char *q = rep; *q; q++) nch += *q == '|';
            size_t pick = (size_t)st_rng_below(r, nch);
            const char *q = rep;
            while (pick--) q = strchr(q, '|') + 1;
            /* KIM stays upper-case, Kim capitalised */
            int all_upper = 1, first_upper = isupper((unsigned char)p[0]) != 0;
            for (size_t i = 0; i < wl; i++) all_upper &= isupper((unsigned char)p[i]) != 0;
            for (size_t i = 0; q[i] && q[i] != '|' && o + 1 < cap; i++) {
                char c = q[i];
                if (all_upper || (i == 0 && first_upper)) c = (char)toupper((unsigned char)c);
                out[o++] = c;
            }
        }
        p = e;
    }
    out[o] = 0;
}

/* One typing error at a random letter; one error in eight falls on the
 * first letter of a word, which people notice more often. */
static void type_error(char *s, size_t cap, st_rng *r) {
    size_t l = strlen(s), cand[256], nc = 0;
    int first = st_rng_below(r, 8) == 0;
    for (size_t i = 0; i < l && nc < 256; i++) {
        int is_first = i == 0 || !isalpha((unsigned char)s[i - 1]);
        if (isalpha((unsigned char)s[i]) && is_first == first) cand[nc++] = i;
    }
    if (!nc) return;
    size_t at = cand[st_rng_below(r, nc)];
    char c = s[at];
    int up = isupper((unsigned char)c) != 0;
    const char *near = qwerty_near[tolower((unsigned char)c) - 'a'];
    char nb = near[st_rng_below(r, strlen(near))];
    if (up) nb = (char)toupper((unsigned char)nb);
    switch (st_rng_below(r, 5)) {
    case 0: s[at] = nb; break;                                         /* neighbour instead */
    case 1: memmove(s + at, s + at + 1, l - at); break;                 /* dropped */
    case 2:                                                             /* swapped */
        if (at + 1 < l && isalpha((unsigned char)s[at + 1])) { s[at] = s[at + 1]; s[at + 1] = c; }
        else if (at > 0 && isalpha((unsigned char)s[at - 1])) { s[at] = s[at - 1]; s[at - 1] = c; }
        break;
    case 3:                                                             /* doubled */
        if (l + 2 > cap) return;
        memmove(s + at + 1, s + at, l - at + 1);
        break;
    default:                                                            /* neighbour as well */
        if (l + 2 > cap) return;
        memmove(s + at + 1, s + at, l - at + 1);
        s[at + 1] = nb;
        break;
    }
}

int st_deck_typos(const char *const *names, size_t n, unsigned errors, int south, uint64_t seed,
                  st_deck *out) {
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    st_rng r = {seed ^ 0x7E5Full ^ ((uint64_t)errors << 32) ^ ((uint64_t)south << 40)};
    static const char *const kinds[2][3] = {{"", "typo1-listed", "typo2-listed"},
                                            {"", "typo1-south", "typo2-south"}};
    if (errors < 1 || errors > 2) errors = 1;
    for (size_t i = 0; i < n; i++) {
        char buf[256];
        if (south) respell_south(names[i], buf, sizeof buf, &r);
        else snprintf(buf, sizeof buf, "%s", names[i]);
        for (unsigned e = 0; e < errors; e++) type_error(buf, sizeof buf, &r);
        int rc = nm_deck_add(out, &cap, buf, (int32_t)i, kinds[south ? 1 : 0][errors]);
        if (rc != ST_OK) {
            st_deck_free(out);
            return rc;
        }
    }
    return ST_OK;
}
