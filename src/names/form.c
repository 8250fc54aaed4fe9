/*
 * form.c - st_name_prepare: normalised text to tokens with weights,
 * phonetic skeletons and Korean syllable keys.
 *
 * Design: everything the comparator needs is computed here, once per name,
 * so comparing is pure arithmetic over small arrays.  Legal forms are
 * rewritten to one canonical spelling per family (Open Joint Stock Company,
 * OAO, OJSC, PJSC -> jsc; Aktiengesellschaft -> ag) and kept at a low
 * weight; honorifics and ranks of persons get an almost-zero weight;
 * particles (al, bin, de, van, of) a low one.  A name is read as Korean
 * when every token parses as romanised Korean syllables (or came from
 * Hangul) and a surname stands first or last.  Invariant: the form is one
 * allocation and is never modified after this file returns it.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "names/names_int.h"
#include "sanctrace/entity.h"

#define NM_TOKLEN 48

typedef struct rtok {
    char s[NM_TOKLEN];
    uint8_t len, kind, origin, hyph_next, sep_after;
    uint32_t src;
    float w;
    const nm_reading *rd; /* Korean reading of a Cyrillic or kana word, else NULL */
} rtok;

/* ---- word tables (general knowledge of name writing, not of any list) -- */

typedef struct phrase {
    const char *words; /* space-separated */
    const char *canon;
} phrase;

static const phrase legal_phrases[] = {
    {"open joint stock company", "jsc"}, {"closed joint stock company", "jsc"},
    {"public joint stock company", "jsc"}, {"joint stock company", "jsc"},
    {"limited liability company", "llc"}, {"limited liability partnership", "llp"},
    {"limited partnership", "lp"}, {"public limited company", "plc"},
    {"gesellschaft mit beschrankter haftung", "gmbh"}, {"aktiengesellschaft", "ag"},
    {"societe anonyme", "sa"}, {"sociedad anonima", "sa"}, {"societe a responsabilite limitee", "sarl"},
    {"societatea cu raspundere limitata", "srl"}, {"societa a responsabilita limitata", "srl"},
    {"obsestvo s ogranicennoj otvetstvennostu", "llc"}, {"obshchestvo s ogranichennoy otvetstvennostyu", "llc"},
    {"otkrytoe akcionernoe obsestvo", "jsc"}, {"zakrytoe akcionernoe obsestvo", "jsc"},
    {"publicnoe akcionernoe obsestvo", "jsc"}, {"akcionernoe obsestvo", "jsc"},
    {"aktsionernoe obshchestvo", "jsc"}, {"sp z o o", "spzoo"}, {"sp zoo", "spzoo"},
    {"s de rl", "srl"}, {"sa de cv", "sa"}, {"de cv", "cv"},
    {"kabushiki kaisha", "kk"}, {"private limited", "ltd"}, {"pvt ltd", "ltd"},
};

typedef struct alias {
    const char *from, *to;
} alias;

/* Single legal-form tokens and their canonical spelling. */
static const alias legal_words[] = {
    {"ltd", "ltd"}, {"limited", "ltd"}, {"llc", "llc"}, {"ooo", "llc"}, {"inc", "inc"},
    {"incorporated", "inc"}, {"corp", "corp"}, {"corporation", "corp"}, {"co", "co"},
    {"company", "co"}, {"plc", "plc"}, {"gmbh", "gmbh"}, {"ag", "ag"}, {"sa", "sa"},
    {"sarl", "sarl"}, {"srl", "srl"}, {"bv", "bv"}, {"nv", "nv"}, {"ab", "ab"}, {"as", "as"},
    {"oy", "oy"}, {"oyj", "oy"}, {"spa", "spa"}, {"sl", "sl"}, {"sas", "sas"}, {"kg", "kg"},
    {"kft", "kft"}, {"zrt", "zrt"}, {"pte", "pte"}, {"pty", "pty"}, {"jsc", "jsc"},
    {"ojsc", "jsc"}, {"cjsc", "jsc"}, {"pjsc", "jsc"}, {"oao", "jsc"}, {"zao", "jsc"},
    {"pao", "jsc"}, {"ao", "jsc"}, {"llp", "llp"}, {"lp", "lp"}, {"ltda", "ltda"},
    {"sro", "sro"}, {"spzoo", "spzoo"}, {"se", "se"}, {"na", "na"}, {"kk", "kk"},
    {"pt", "pt"}, {"tbk", "tbk"}, {"bhd", "bhd"}, {"sdn", "sdn"}, {"lc", "lc"}, {"pc", "pc"},
    {"cv", "cv"}, {"ano", "ano"}, {"fze", "fze"}, {"fzco", "fzco"}, {"fzc", "fzc"}, {"dmcc", "dmcc"},
};

static const char *const titles[] = {
    "mr", "mrs", "ms", "miss", "mister", "dr", "doctor", "prof", "professor", "sir", "dame",
    "lord", "lady", "madam", "madame", "mme", "mlle", "monsieur", "herr", "frau", "president",
    "prasident", "president", "general", "gen", "colonel", "col", "major", "maj", "captain",
    "capt", "lieutenant", "lt", "admiral", "commander", "sergeant", "sgt", "minister", "senator",
    "judge", "rev", "reverend", "sheikh", "shaikh", "shaykh", "sheik", "haji", "hajji", "hadji",
    "mullah", "mulla", "maulvi", "maulana", "mawlawi", "qari", "imam", "prince", "princess",
    "king", "queen", "marshal", "excellency", "engr", "eng", "ustadh", "comrade",
};

static const alias particles[] = {
    {"al", "al"}, {"el", "al"}, {"ul", "al"}, {"bin", "bin"}, {"ibn", "bin"}, {"ben", "bin"},
    {"bint", "bint"}, {"binti", "bint"}, {"de", "de"}, {"da", "da"}, {"das", "das"},
    {"dos", "dos"}, {"do", "do"}, {"del", "del"}, {"della", "della"}, {"di", "di"},
    {"du", "du"}, {"der", "der"}, {"den", "den"}, {"van", "van"}, {"von", "von"}, {"ten", "ten"},
    {"ter", "ter"}, {"la", "la"}, {"le", "le"}, {"les", "les"}, {"y", "y"}, {"of", "of"},
    {"the", "the"}, {"and", "and"}, {"for", "for"}, {"und", "and"}, {"et", "and"}, {"in", "in"},
};

static const char *const generic_org[] = {
    "group", "holding", "holdings", "international", "intl", "trading", "trade", "industries",
    "industry", "industrial", "enterprises", "enterprise", "services", "service", "solutions",
    "systems", "technologies", "technology", "global", "partners", "capital", "investment",
    "investments", "management", "resources", "development", "general", "national",
    "products", "manufacturing", "logistics", "shipping", "import", "export", "commercial",
    "ventures", "associates", "consulting", "bank", "foundation", "trust", "fund",
    "association", "organization", "organisation", "society", "institute", "ministry",
    "department", "government", "committee", "bureau", "office", "agency", "authority",
    "council", "center", "centre", "corporate", "business", "finance", "financial", "import",
    "factory", "plant", "works", "store", "shop", "limited",
};

typedef struct numword {
    const char *w;
    int v;
} numword;

static const numword numwords[] = {
    {"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6},
    {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10}, {"eleven", 11}, {"twelve", 12},
    {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17},
    {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20}, {"thirty", 30}, {"forty", 40},
    {"fourty", 40}, {"fifty", 50}, {"sixty", 60}, {"seventy", 70}, {"eighty", 80},
    {"ninety", 90}, {"first", 1}, {"second", 2}, {"third", 3}, {"fourth", 4}, {"fifth", 5},
    {"sixth", 6}, {"seventh", 7}, {"eighth", 8}, {"ninth", 9}, {"tenth", 10},
};

static int in_list(const char *const *list, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0) return 1;
    return 0;
}

static const char *alias_of(const alias *list, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].from, s) == 0) return list[i].to;
    return NULL;
}

#define COUNT(a) (sizeof a / sizeof a[0])

/* ---- phonetic skeleton -------------------------------------------------- */

/* Consonant skeleton of a token: spelling variants of one sound fold to one
 * letter (ph/f, c/k/q, z/s, w/v, kh/k, sh/s, dj/zh/j), vowels, h and doubled
 * letters drop, a leading vowel is kept as 'a'.  Abjad scripts do not write
 * short vowels and use w/y for long ones, so for them w and y are vowels. */
static size_t skeleton(const char *s, size_t n, int abjad, char *out, size_t cap) {
    size_t o = 0;
    char last = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        char c = s[i], nx = i + 1 < n ? s[i + 1] : 0;
        char m;
        int vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
                    (c == 'y' && (abjad || i > 0)) || (abjad && c == 'w' && i > 0);
        if (vowel) {
            if (i == 0) m = 'a';
            else { last = 0; continue; }
        } else {
            switch (c) {
            case 'p': m = nx == 'h' ? (i++, 'f') : 'p'; break;
            case 'c': m = nx == 'h' ? (i++, 'j') : (nx == 'k' ? (i++, 'k') : 'k'); break;
            case 'q': m = 'k'; break;
            case 'k': m = (nx == 'h') ? (i++, 'k') : 'k'; break;
            case 'g': m = (nx == 'h') ? (i++, 'g') : 'g'; break;
            case 'z': m = (nx == 'h') ? (i++, 'j') : 's'; break;
            case 's': m = (nx == 'h') ? (i++, 's') : (nx == 'c' && i + 2 < n && s[i + 2] == 'h') ? (i += 2, 's') : 's'; break;
            case 'd': m = (nx == 'h') ? (i++, 'd') : (nx == 'j' ? (i++, 'j') : 'd'); break;
            case 't': m = (nx == 'h') ? (i++, 't') : (nx == 'c' && i + 2 < n && s[i + 2] == 'h') ? (i += 2, 'j') : 't'; break;
            case 'w': m = 'v'; break;
            case 'x': m = 's'; break;
            case 'y': m = 'i'; break;
            case 'h': if (i == 0) continue; last = 0; continue;
            default: m = c; break;
            }
        }
        if (m == last) continue;
        out[o++] = m;
        last = m;
    }
    out[o] = 0;
    return o;
}

/* ---- tokenising --------------------------------------------------------- */

static size_t split_tokens(const st_names_ctx *ctx, const char *raw, const uint8_t *origin,
                           const uint32_t *tag, rtok *t, size_t max) {
    size_t n = 0;
    const char *p = raw;
    while (*p && n < max) {
        while (*p == ' ' || *p == '-' || *p == ',' || *p == '.') p++;
        if (!*p) break;
        rtok *k = &t[n];
        memset(k, 0, sizeof *k);
        k->origin = origin[p - raw];
        k->src = tag[p - raw];
        if (k->src & NM_TAG_READING) {
            k->rd = nm_ctx_reading(ctx, k->src);
            k->src = 0;
        }
        size_t l = 0;
        while (*p && *p != ' ' && *p != '-' && *p != ',' && *p != '.') {
            if (l + 1 < NM_TOKLEN) k->s[l++] = *p;
            p++;
        }
        k->s[l] = 0;
        k->len = (uint8_t)l;
        k->sep_after = *p ? (uint8_t)*p : 0;
        k->hyph_next = *p == '-';
        k->w = 1.0f;
        n++;
    }
    return n;
}

static void tok_set(rtok *t, const char *s) {
    snprintf(t->s, NM_TOKLEN, "%s", s);
    t->len = (uint8_t)strlen(t->s);
}

/* Merge single letters written with dots (J.P., A.B.C., J.-C.). */
static size_t merge_initials(rtok *t, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].len == 1 && t[i].sep_after == '.' && i + 1 < n && t[i + 1].len == 1) {
            rtok m = t[i];
            size_t j = i;
            char buf[NM_TOKLEN];
            size_t bl = 0;
            while (j < n && t[j].len == 1 && bl + 1 < NM_TOKLEN) {
                buf[bl++] = t[j].s[0];
                if (t[j].sep_after != '.' || j + 1 >= n || t[j + 1].len != 1) { j++; break; }
                j++;
            }
            buf[bl] = 0;
            tok_set(&m, buf);
            m.kind = NM_ACRONYM;
            m.sep_after = t[j - 1].sep_after;
            m.hyph_next = 0;
            t[o++] = m;
            i = j - 1;
        } else {
            t[o++] = t[i];
        }
    }
    return o;
}

/* Replace multi-word legal forms by their canonical token. */
/* a and b (lengths la, lb) differ by at most one edit: a letter changed,
 * added, dropped, or two neighbours swapped. */
static int one_edit(const char *a, size_t la, const char *b, size_t lb) {
    if (la > lb) { const char *x = a; a = b; b = x; size_t y = la; la = lb; lb = y; }
    if (lb - la > 1) return 0;
    size_t i = 0;
    while (i < la && a[i] == b[i]) i++;
    if (i == la) return 1;
    if (la == lb)
        return !memcmp(a + i + 1, b + i + 1, la - i - 1) ||
               (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && !memcmp(a + i + 2, b + i + 2, la - i - 2));
    return !memcmp(a + i, b + i + 1, la - i);
}

/* A written word stands for a word of a legal-form phrase: the same, or
 * (fuzzy) one slip in a word of five letters or more, or the name's last
 * word cut short after four letters or more (fixed-width fields). */
static int phrase_word(const rtok *t, int last, const char *w, size_t wl, int fuzzy) {
    if (t->len == wl && memcmp(t->s, w, wl) == 0) return 1;
    if (!fuzzy || wl < 5 || t->s[0] != w[0]) return 0;
    if (last && t->len >= 4 && t->len < wl && memcmp(t->s, w, t->len) == 0) return 1;
    return one_edit(t->s, t->len, w, wl);
}

static size_t rewrite_phrases(rtok *t, size_t n, int fuzzy) {
    for (size_t i = 0; i < n; i++) {
        for (size_t p = 0; p < COUNT(legal_phrases); p++) {
            const char *w = legal_phrases[p].words;
            size_t j = i;
            int ok = 1;
            while (*w) {
                const char *e = strchr(w, ' ');
                size_t wl = e ? (size_t)(e - w) : strlen(w);
                if (j >= n || !phrase_word(&t[j], j + 1 == n, w, wl, fuzzy)) { ok = 0; break; }
                j++;
                w += wl;
                if (*w == ' ') w++;
            }
            if (!ok || j == i) continue;
            tok_set(&t[i], legal_phrases[p].canon);
            t[i].kind = NM_LEGAL;
            t[i].sep_after = t[j - 1].sep_after;
            t[i].hyph_next = 0;
            memmove(&t[i + 1], &t[j], (n - j) * sizeof *t);
            n -= j - i - 1;
            break;
        }
    }
    return n;
}

/* Digits standing for letters inside a word (Ig0r Sech1n), and Roman
 * numerals of series (Fund IV, Capital Trust XV) as numbers. */
static void rewrite_leet_roman(rtok *t, size_t n, int org) {
    static const char *const roman[] = {"ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii",
                                        "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"};
    for (size_t i = 0; i < n; i++) {
        size_t letters = 0, digits = 0;
        for (size_t k = 0; k < t[i].len; k++) {
            if (t[i].s[k] >= '0' && t[i].s[k] <= '9') digits++;
            else letters++;
        }
        if (letters >= 2 && digits >= 1 && digits < letters) {
            static const char map[] = "oizeasgtbg"; /* 0..9 */
            for (size_t k = 0; k < t[i].len; k++)
                if (t[i].s[k] >= '0' && t[i].s[k] <= '9') t[i].s[k] = map[t[i].s[k] - '0'];
        }
        /* a Chinese character's pinyin (西 xi) or a word read as Korean
         * (Cyrillic Ви) is not a numeral */
        if (t[i].kind == NM_WORD && i > 0 && t[i].origin != NM_HAN && !t[i].rd &&
            (in_list(roman, COUNT(roman), t[i].s) || (org && (!strcmp(t[i].s, "v") || !strcmp(t[i].s, "x") ||
                     /* Trust I, not the initials of I. G. Farben */
                     (!strcmp(t[i].s, "i") && (i + 1 == n || t[i + 1].len > 1))))))
            t[i].kind = NM_NUMBER;
    }
}

/* Number words to digits: "forty four" / "forty-four" -> 44, "1st" -> 1. */
static size_t rewrite_numbers(rtok *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int v = -1;
        for (size_t k = 0; k < COUNT(numwords); k++)
            if (strcmp(t[i].s, numwords[k].w) == 0) { v = numwords[k].v; break; }
        if (v < 0) {
            size_t d = 0;
            while (d < t[i].len && t[i].s[d] >= '0' && t[i].s[d] <= '9') d++;
            if (d > 0 && d + 2 == t[i].len &&
                (!strcmp(t[i].s + d, "st") || !strcmp(t[i].s + d, "nd") ||
                 !strcmp(t[i].s + d, "rd") || !strcmp(t[i].s + d, "th"))) {
                t[i].s[d] = 0;
                t[i].len = (uint8_t)d;
            }
            if (d > 0 && d == t[i].len) t[i].kind = NM_NUMBER;
            continue;
        }
        if (v >= 20 && v % 10 == 0 && i + 1 < n && t[i + 1].len == 1 && t[i + 1].s[0] >= '1' &&
            t[i + 1].s[0] <= '9') {
            /* "forty 4" */
            v += t[i + 1].s[0] - '0';
            t[i].sep_after = t[i + 1].sep_after;
            memmove(&t[i + 1], &t[i + 2], (n - i - 2) * sizeof *t);
            n--;
        } else if (v >= 20 && v % 10 == 0 && i + 1 < n) {
            for (size_t k = 0; k < COUNT(numwords); k++)
                if (strcmp(t[i + 1].s, numwords[k].w) == 0 && numwords[k].v < 10 && numwords[k].v > 0) {
                    v += numwords[k].v;
                    t[i].sep_after = t[i + 1].sep_after;
                    memmove(&t[i + 1], &t[i + 2], (n - i - 2) * sizeof *t);
                    n--;
                    break;
                }
        }
        char buf[16];
        snprintf(buf, sizeof buf, "%d", v);
        tok_set(&t[i], buf);
        t[i].kind = NM_NUMBER;
        t[i].hyph_next = 0;
    }
    return n;
}

/* ---- Korean ------------------------------------------------------------- */

/* Other readings of a syllable (a Hanja with several Korean readings, 金
 * 김/금), as keys: alt[k][0 .. nalt[k]) beside keys[k]. */
#define NM_ALT 3
typedef struct ko_alts {
    uint16_t key[KO_MAX_SYL * 2][NM_ALT], inword[KO_MAX_SYL * 2][NM_ALT];
    uint32_t fine[KO_MAX_SYL * 2][NM_ALT];
    uint8_t n[KO_MAX_SYL * 2];
} ko_alts;

/* The Korean readings of a Hanja token: 1 when it has some.  Each reading
 * keeps its Hangul (law applied) for the exact comparison with Hangul. */
static int read_hanja(const rtok *t, uint16_t *key, uint16_t *inw, uint32_t *fine, ko_alts *alt, size_t at) {
    uint32_t r[4];
    size_t nr = t->origin == NM_HAN && t->src ? nm_hanja_readings(t->src, r) : 0;
    alt->n[at] = 0;
    *key = 0;
    for (size_t i = 0; i < nr; i++) {
        ko_syl s;
        if (!ko_from_codepoint(r[i], &s)) continue;
        uint16_t k = ko_key(s), kin = ko_key_inword(s);
        uint32_t fn = ko_fine(r[i]);
        if (!*key) { *key = k; *inw = kin; *fine = fn; continue; }
        int seen = fn == *fine;
        for (size_t j = 0; j < alt->n[at]; j++) seen |= alt->fine[at][j] == fn;
        if (!seen && alt->n[at] < NM_ALT) {
            alt->key[at][alt->n[at]] = k;
            alt->fine[at][alt->n[at]] = fn;
            alt->inword[at][alt->n[at]++] = kin;
        }
    }
    return *key != 0;
}

/* 1 when a name is spelt with a European language's letters (German dsch,
 * tsch; Hungarian dzs, cs; Polish cz, dz; Lithuanian č, dž; a consonant
 * opening a word before j: Pjong, Hjok):
 * there j is the y of English spellings (Jong-su is 영수, Jun is 윤). */
static int european_spelling(const rtok *t, size_t n) {
    static const char *const marks[] = {"dsch", "tsch", "dzs", "cz", "cs"};
    for (size_t i = 0; i < n; i++) {
        const char *w = t[i].s;
        for (size_t m = 0; m < COUNT(marks); m++)
            if (strstr(w, marks[m])) return 1;
        for (size_t c = 0; c < t[i].len; c++) {
            /* a word opening with a consonant and j (inside a word, jj or
             * ngj are English spellings: Kwangjin) */
            if (c == 1 && w[c] == 'j' && strchr("bcfghklmnprsv", w[0])) return 1;
            /* c alone (Lithuanian č) or dz (Polish dż, Lithuanian dž) */
            if (w[c] == 'c' && (c + 1 == t[i].len || !strchr("hsz", w[c + 1]))) return 1;
            if (w[c] == 'd' && c + 1 < t[i].len && w[c + 1] == 'z') return 1;
        }
        /* Lithuanian -as after a consonant: no romanisation of Korean ends so */
        if (t[i].len >= 4 && !memcmp(w + t[i].len - 2, "as", 2) && !strchr("aeiouy", w[t[i].len - 3])) return 1;
    }
    return 0;
}

/* Parse a romanised token (one slip of spelling forgiven: a doubled vowel;
 * Lithuanian adds -as to a man's name: Džongunas). */
static size_t parse_latin(const rtok *t, int euro, ko_syl *s) {
    /* no romanisation doubles a, i or u: a doubled one is a slip
     * (Jong-uun for Jong-un) */
    char w[sizeof t->s];
    size_t wl = 0;
    for (size_t c = 0; c < t->len && wl + 1 < sizeof w; c++) {
        char ch = t->s[c];
        if (wl && w[wl - 1] == ch && (ch == 'a' || ch == 'i' || ch == 'u')) continue;
        if (euro && ch == 'j') ch = 'y';
        w[wl++] = ch;
    }
    size_t k = ko_parse_token(w, wl, s, KO_MAX_SYL);
    if (k == 0 && wl >= 5 && w[wl - 2] == 'a' && w[wl - 1] == 's' && !strchr("aeiou", w[wl - 3]))
        k = ko_parse_token(w, wl - 2, s, KO_MAX_SYL);
    return k;
}

/* Parse every token as Korean; on success fill syllable keys.  A token
 * written in Hanja, Cyrillic or kana takes its Korean reading; such a name
 * needs a surname first or last as a romanised one does. */
static int read_korean(rtok *t, size_t n, uint16_t *keys, uint16_t *inword, uint32_t *fine, uint8_t *syl0,
                       uint8_t *nsyl, size_t *nk, ko_alts *alt) {
    size_t total = 0, ntok = 0;
    int hangul = 0, euro = european_spelling(t, n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].kind == NM_NUMBER || t[i].kind == NM_ACRONYM) return 0;
        if (t[i].origin == NM_HAN) {
            if (total + 1 > KO_MAX_SYL || !read_hanja(&t[i], &keys[total], &inword[total], &fine[total], alt, total))
                return 0;
            syl0[i] = (uint8_t)total;
            nsyl[i] = 1;
            total++;
            ntok++;
            continue;
        }
        if (t[i].rd) {
            size_t k = t[i].rd->n;
            if (k == 0 || k > 3 || total + k > KO_MAX_SYL) return 0;
            syl0[i] = (uint8_t)total;
            nsyl[i] = (uint8_t)k;
            for (size_t j = 0; j < k; j++) {
                alt->n[total] = 0;
                fine[total] = 0;
                inword[total] = t[i].rd->inword[j];
                keys[total++] = t[i].rd->keys[j];
            }
            ntok++;
            continue;
        }
        ko_syl s[KO_MAX_SYL];
        size_t k = parse_latin(&t[i], euro, s);
        if (k == 0 || k > 3 || total + k > KO_MAX_SYL) return 0;
        syl0[i] = (uint8_t)total;
        nsyl[i] = (uint8_t)k;
        for (size_t j = 0; j < k; j++) {
            alt->n[total] = 0;
            fine[total] = (t[i].origin == NM_HANGUL && k == 1) ? ko_fine(t[i].src) : 0;
            inword[total] = ko_key_inword(s[j]);
            keys[total++] = ko_key(s[j]);
        }
        if (t[i].origin == NM_HANGUL) hangul = 1;
        ntok++;
    }
    if (ntok < 2 && !hangul) return 0;
    if (total < 2 || total > 6 || ntok > 4) return 0;
    /* a surname of one syllable, first or last */
    int sur = (nsyl[0] == 1 && ko_is_surname_key(keys[0])) ||
              (nsyl[n - 1] == 1 && ko_is_surname_key(keys[total - 1]));
    for (size_t j = 0; !sur && nsyl[0] == 1 && j < alt->n[0]; j++) sur = ko_is_surname_key(alt->key[0][j]);
    if (!sur && !hangul) return 0;
    *nk = total;
    return 1;
}

static void flat_letters(const uint16_t *k, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char t[8];
        size_t l = ko_key_letters(k[i], t);
        if (o + l + 1 >= cap) break;
        memcpy(out + o, t, l);
        o += l;
    }
    out[o] = 0;
}

/* Given-name keys as one word sounds: after the initial-sound law's r -> n
 * (ko_key_inword), a stop before a nasal becomes a nasal (극렬 is said
 * kŭng-nyŏl, and McCune-Reischauer writes it so). */
static void assimilate(uint16_t *k, size_t n) {
    for (size_t i = 1; i < n; i++) {
        unsigned co = k[i - 1] & 15, on = k[i] >> 8;
        /* a coda before a vowel is said as the next onset (철우 cheo-ru,
         * joined Cholu or Csolu however the word is cut) */
        if (on == KO_ON_NONE && co != KO_C_NONE && co != KO_C_NG && co != KO_C_NX) {
            static const uint8_t link[] = {0, KO_ON_G, KO_ON_N, KO_ON_S, KO_ON_N, KO_ON_M, KO_ON_B};
            if (co < sizeof link) {
                k[i - 1] = (uint16_t)(k[i - 1] & ~15u);
                k[i] = (uint16_t)((k[i] & 0xFFu) | ((unsigned)link[co] << 8));
            }
            continue;
        }
        if (on != KO_ON_N && on != KO_ON_M) continue;
        /* kana and Cyrillic n before a nasal: ㅇ, which a stop also
         * becomes (オ・グンニョル for 오극렬); ㄴ is left to the syllable
         * comparison, where the wildcard meets it */
        unsigned to = co == KO_C_K ? KO_C_NG : co == KO_C_T ? KO_C_N : co == KO_C_P ? KO_C_M
                    : co == KO_C_NX ? KO_C_NG : co;
        k[i - 1] = (uint16_t)((k[i - 1] & ~15u) | to);
    }
}

/* The reading of a Korean name with its surname at token sur, the
 * syllables' keys taken from keys / inword. */
static int make_view(const st_name_form *f, const uint16_t *keys, const uint16_t *inw, const uint32_t *fine, int sur,
                     nm_kview *v) {
    const nm_tok *t = &f->tok[sur];
    if (t->nsyl != 1) return 0;
    uint16_t inword[KO_MAX_SYL];
    v->sur_tok = (int8_t)sur;
    v->sur = keys[t->syl0];
    v->sur_fine = fine[t->syl0];
    v->ng = 0;
    for (unsigned i = 0; i < f->ntok; i++) {
        if ((int)i == sur) continue;
        for (unsigned k = 0; k < f->tok[i].nsyl && v->ng < KO_MAX_SYL; k++) {
            v->given_fine[v->ng] = fine[f->tok[i].syl0 + k];
            inword[v->ng] = inw[f->tok[i].syl0 + k];
            v->given[v->ng++] = keys[f->tok[i].syl0 + k];
        }
    }
    flat_letters(v->given, v->ng, v->flat, sizeof v->flat);
    assimilate(inword, v->ng);
    flat_letters(inword, v->ng, v->flat_in, sizeof v->flat_in);
    return v->ng > 0;
}

/* Syllable k reads as a common surname (in some reading). */
static int surname_syl(const uint16_t *keys, const ko_alts *alt, size_t k) {
    if (ko_is_surname_key(keys[k])) return 1;
    for (size_t j = 0; j < alt->n[k]; j++)
        if (ko_is_surname_key(alt->key[k][j])) return 1;
    return 0;
}

/* Views with the surname at token sur, one per combination of the
 * syllables' readings (a surname syllable only in its surname readings),
 * while there is room. */
static void add_views(st_name_form *f, const ko_alts *alt, int sur) {
    size_t nk = f->nsyl, combos = 1;
    for (size_t k = 0; k < nk; k++) combos *= 1u + alt->n[k];
    size_t s0 = f->tok[sur].syl0;
    for (size_t c = 0; c < combos && f->nkv < NM_KV_MAX; c++) {
        uint16_t keys[KO_MAX_SYL * 2], inw[KO_MAX_SYL * 2];
        uint32_t fine[KO_MAX_SYL * 2];
        size_t r = c;
        int ok = 1;
        for (size_t k = 0; k < nk; k++) {
            size_t pick = r % (1u + alt->n[k]);
            r /= 1u + alt->n[k];
            keys[k] = pick ? alt->key[k][pick - 1] : f->keys[k];
            inw[k] = pick ? alt->inword[k][pick - 1] : f->inword[k];
            fine[k] = pick ? alt->fine[k][pick - 1] : f->fine[k];
            if (k == s0 && alt->n[k] && surname_syl(f->keys, alt, k) && !ko_is_surname_key(keys[k])) ok = 0;
        }
        if (ok && make_view(f, keys, inw, fine, sur, &f->kv[f->nkv])) f->nkv++;
    }
}

/* Surname first (a comma after the first token fixes it there), last, or
 * when no token is a known surname, the first. */
static void make_views(st_name_form *f, const ko_alts *alt) {
    int last = (int)f->ntok - 1;
    f->nkv = 0;
    if (f->comma_after == 1) { add_views(f, alt, 0); return; }
    if (f->sur_first) add_views(f, alt, 0);
    if (last > 0 && f->sur_last) add_views(f, alt, last);
    if (f->nkv == 0) add_views(f, alt, 0);
}

/* ---- prepare ------------------------------------------------------------ */

int st_name_prepare(st_names_ctx *ctx, const char *name, st_schema schema, st_name_form **out) {
    *out = NULL;
    char raw[ST_NAME_MAX_BYTES * 2];
    uint8_t origin[ST_NAME_MAX_BYTES * 2];
    uint32_t tag[ST_NAME_MAX_BYTES * 2];
    rtok t[ST_NAME_MAX_TOKENS];
    int rc = nm_normalize_raw(ctx, name ? name : "", raw, origin, tag, sizeof raw);
    if (rc == ST_EINVAL) raw[0] = 0;
    size_t n = split_tokens(ctx, raw, origin, tag, t, ST_NAME_MAX_TOKENS);
    n = merge_initials(t, n);
    n = rewrite_phrases(t, n, schema != ST_SCHEMA_PERSON);
    n = rewrite_numbers(t, n);
    rewrite_leet_roman(t, n, schema == ST_SCHEMA_ORGANIZATION || schema == ST_SCHEMA_COMPANY);

    int person = schema == ST_SCHEMA_PERSON;
    int org = schema == ST_SCHEMA_ORGANIZATION || schema == ST_SCHEMA_COMPANY;
    uint8_t comma_after = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].sep_after == ',' && !comma_after && i + 1 < n) comma_after = (uint8_t)(i + 1);

    /* Korean first: a Korean name has no legal forms or particles. */
    uint16_t keys[KO_MAX_SYL * 2], inword[KO_MAX_SYL * 2];
    uint32_t fine[KO_MAX_SYL * 2];
    uint8_t syl0[ST_NAME_MAX_TOKENS] = {0}, nsyl[ST_NAME_MAX_TOKENS] = {0};
    size_t nk = 0;
    ko_alts alt;
    int korean = !org && n > 0 && read_korean(t, n, keys, inword, fine, syl0, nsyl, &nk, &alt);

    if (!korean) {
        for (size_t i = 0; i < n; i++) {
            rtok *k = &t[i];
            if (k->kind == NM_NUMBER || k->kind == NM_ACRONYM) {
                if (k->kind == NM_ACRONYM && alias_of(legal_words, COUNT(legal_words), k->s)) {
                    tok_set(k, alias_of(legal_words, COUNT(legal_words), k->s));
                    k->kind = NM_LEGAL;
                }
                continue;
            }
            if (k->kind == NM_LEGAL) continue;
            const char *a = alias_of(legal_words, COUNT(legal_words), k->s);
            /* short legal codes are ordinary words inside person names
             * unless they close a longer name (Maduro SA) */
            if (a && (org || k->len > 3 || (i + 1 == n && n >= 3) || (!person && i + 1 == n && n >= 2))) {
                tok_set(k, a);
                k->kind = NM_LEGAL;
                continue;
            }
            if (!org && n > 1 && in_list(titles, COUNT(titles), k->s) && (person || i == 0)) {
                k->kind = NM_TITLE;
                continue;
            }
            /* "Ben" opening a name is the given name (Ben Netanyahu); "son
             * of" stands between names (Zine El Abidine Ben Ali) */
            if ((a = alias_of(particles, COUNT(particles), k->s)) != NULL && n > 1 &&
                !(i == 0 && !strcmp(k->s, "ben"))) {
                tok_set(k, a);
                k->kind = NM_STOP;
                continue;
            }
            if (!person && in_list(generic_org, COUNT(generic_org), k->s)) k->kind = NM_GENERIC;
        }
    }
    /* weights */
    for (size_t i = 0; i < n; i++) {
        switch (t[i].kind) {
        case NM_LEGAL: t[i].w = 0.25f; break;
        case NM_TITLE: t[i].w = 0.05f; break;
        case NM_STOP: t[i].w = 0.3f; break;
        case NM_GENERIC: t[i].w = 0.6f; break;
        case NM_NUMBER: t[i].w = 0.3f; break;
        default: t[i].w = 1.0f; break;
        }
    }

    /* a Chinese name: every word splits into pinyin or Wade-Giles
     * syllables; Wade-Giles when some word only splits that way */
    int zh = !org && n > 0, wade = 0, words = 0;
    for (size_t i = 0; zh && i < n; i++) {
        if (t[i].kind != NM_WORD) continue;
        int r = t[i].len >= 2 ? nm_zh_read(t[i].s, t[i].len) : 0;
        if (r == 0) zh = 0;
        wade |= r == 2;
        words++;
    }
    zh = zh && words > 0;

    /* size the one allocation: text + tokens + skeletons + Chinese keys */
    size_t need = 0;
    for (size_t i = 0; i < n; i++) need += 3u * (t[i].len + 2u) + (zh ? 2u * t[i].len + 2u : 0);
    need += 2;
    st_name_form *f = st_calloc(1, sizeof *f + need);
    if (!f) return ST_ENOMEM;
    f->schema = schema;
    f->ntok = (uint8_t)n;
    f->korean = (uint8_t)korean;
    f->comma_after = comma_after;
    char *s = f->str;
    size_t o = 0;
    /* normalised text first */
    for (size_t i = 0; i < n; i++) {
        if (i) s[o++] = ' ';
        memcpy(s + o, t[i].s, t[i].len);
        o += t[i].len;
    }
    s[o++] = 0;
    f->text = s;
    for (size_t i = 0; i < n; i++) {
        nm_tok *k = &f->tok[i];
        k->off = (uint16_t)o;
        k->len = t[i].len;
        memcpy(s + o, t[i].s, t[i].len + 1u);
        o += t[i].len + 1u;
        k->skel = (uint16_t)o;
        k->sklen = (uint16_t)skeleton(t[i].s, t[i].len, t[i].origin == NM_ABJAD || t[i].origin == NM_SOUND, s + o, t[i].len + 2u);
        o += k->sklen + 1u;
        k->w = t[i].w;
        k->kind = t[i].kind;
        k->origin = t[i].origin;
        k->hyph_next = t[i].hyph_next;
        k->syl0 = syl0[i];
        k->nsyl = nsyl[i];
        k->src = t[i].src;
        if (!org && !korean && k->kind == NM_WORD) nm_nick_groups(t[i].s, k->nick);
        char cc[3];
        k->country = (uint8_t)(org && k->kind == NM_WORD && k->len >= 4 && st_country_code(t[i].s, cc) == ST_OK);
        if (zh && k->kind == NM_WORD) {
            size_t zl = nm_zh_key(t[i].s, t[i].len, wade, s + o, 2u * t[i].len + 2u);
            if (zl) {
                k->zk = (uint16_t)o;
                k->zklen = (uint16_t)zl;
                o += zl + 1u;
            }
        }
    }
    f->zh_wade = (uint8_t)(zh && wade);
    f->strlen_ = (uint32_t)o;
    if (korean) {
        memcpy(f->keys, keys, nk * sizeof keys[0]);
        memcpy(f->fine, fine, nk * sizeof fine[0]);
        memcpy(f->inword, inword, nk * sizeof inword[0]);
        f->sur_first = (uint8_t)(nsyl[0] == 1 && surname_syl(keys, &alt, 0));
        f->sur_last = (uint8_t)(n > 1 && nsyl[n - 1] == 1 && surname_syl(keys, &alt, nk - 1));
        f->nsyl = (uint8_t)nk;
        make_views(f, &alt);
    }
    nm_ko_marks(f); /* for the comparator's repair of slips (compare.c) */
    *out = f;
    return ST_OK;
}

void st_name_form_free(st_name_form *f) { st_free(f); }
const char *st_name_form_text(const st_name_form *f) { return f ? f->text : ""; }
size_t st_name_form_ntokens(const st_name_form *f) { return f ? f->ntok : 0; }
int st_name_form_is_korean(const st_name_form *f) { return f ? f->korean : 0; }
