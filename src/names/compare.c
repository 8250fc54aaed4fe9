/*
 * compare.c - scoring two prepared names.
 *
 * Design: two paths.  Korean names (both sides read as Korean) are
 * compared as surname + given-name syllable keys: the surname may stand
 * first or last on either side (every placement is tried, a comma fixes
 * it), the given name is compared as one syllable sequence so that
 * "Byeongcheol", "Byeong-cheol" and "Pyong Chol" agree, and one wrong
 * syllable sinks the score (KIM JONG UN is not KIM JONG SIK).  All other
 * names go through token alignment: every query token is paired with at
 * most one list token (or with two adjacent ones written joined on the
 * other side), greedily from the most similar pair down; token similarity
 * is edit distance with a phonetic-skeleton floor (Mohammed/Muhammad);
 * the score weighs the matched share of both names, so extra middle names
 * cost a little, a substituted token costs a lot.  Invariant: no
 * allocation and no global state unless an explanation is requested.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "names/names_int.h"
#include "sanctrace/entity.h"

/* Tuned once on the structure of the problem (see docs/names.md). */
#define PAIR_MIN 0.6       /* token pairs below this similarity stay unpaired */
#define STEEP 1.5          /* how fast pair quality falls under the knee */
#define KNEE 0.9           /* pairs at least this similar count at face value */
#define ALPHA 0.25         /* weight of the less covered side */
#define SUBST 0.5          /* penalty when both sides keep unmatched tokens */
#define PHON 0.88          /* floor for tokens with the same phonetic skeleton */
#define BIN_SWAP 0.7       /* factor when "A bin B" meets "B bin A" */
#define TWO_SLIPS 0.75     /* floor for two edits in words of 5+ letters */
#define KO_SURNAME_W 0.35  /* share of the surname in a Korean name score */
#define ONE_SIDED_NUMBER 0.2 /* a series number on one side only */
#define COUNTRY_QUALIFIER 0.15 /* a country named on one side only */
#define SHORT_SKEL 0.75   /* cap for Arabic-script skeletons of two consonants */
#define THIN_COVER 0.5    /* below this share of the longer name covered... */
#define THIN_PENALTY 0.4  /* ...each missing share costs this much more */
#define MONONYM 0.1        /* a one-word name against a longer one */
#define OTHER_NUMBER 0.2   /* a number on each side, different */
#define PATRONYMIC_W 0.2   /* share of a patronymic's weight when the other name has none */
#define OTHER_PATRONYMIC 0.1 /* a different patronymic on each side */
#define EXTRA_ORG_WORD 0.15 /* an organisation's distinctive word on one side only */
#define ZH_SAME 0.92      /* one Chinese syllable sequence in two systems */
#define NICK 0.9          /* one given name in its formal and familiar forms */

/* ---- token similarity --------------------------------------------------- */

/* Optimal string alignment distance (edits plus adjacent transpositions)
 * of the first 62 bytes of a and b, computed bit-parallel (Hyyro 2003):
 * one machine word holds a column of the dynamic-programming table, so
 * the cost is one pass over b.  Equal, distance for distance, to the
 * textbook table (checked on millions of random pairs). */
static int osa_distance(const char *a, size_t la, const char *b, size_t lb) {
    if (la > 62) la = 62;
    if (lb > 62) lb = 62;
    if (la == 0) return (int)lb;
    uint64_t peq[256]; /* positions of each byte in a; only a's and b's bytes are set */
    for (size_t j = 0; j < lb; j++) peq[(unsigned char)b[j]] = 0;
    for (size_t i = 0; i < la; i++) peq[(unsigned char)a[i]] = 0;
    for (size_t i = 0; i < la; i++) peq[(unsigned char)a[i]] |= (uint64_t)1 << i;
    uint64_t vp = ~(uint64_t)0 >> (64 - la), vn = 0, d0 = 0, pm_old = 0, last = (uint64_t)1 << (la - 1);
    int dist = (int)la;
    for (size_t j = 0; j < lb; j++) {
        uint64_t pm = peq[(unsigned char)b[j]];
        uint64_t tr = (((~d0) & pm) << 1) & pm_old;
        d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr;
        uint64_t hp = vn | ~(d0 | vp), hn = d0 & vp;
        if (hp & last) dist++;
        else if (hn & last) dist--;
        hp = (hp << 1) | 1;
        hn <<= 1;
        vp = hn | ~(d0 | hp);
        vn = hp & d0;
        pm_old = pm;
    }
    return dist;
}

enum how { HOW_NONE = 0, HOW_EXACT, HOW_FUZZY, HOW_PHONETIC, HOW_INITIAL, HOW_JOINED,
           HOW_TRANSLIT, HOW_KO, HOW_KO_PARTIAL, HOW_ABBREV, HOW_ACRONYM, HOW_NICK, HOW_COUNTRY };
static const char *const how_names[] = {"none", "exact", "fuzzy", "phonetic", "initial",
                                        "joined", "transliterated", "korean-syllable",
                                        "korean-partial", "abbreviation", "initials",
                                        "nickname", "country-form"};

static double str_sim(const char *a, size_t la, const char *b, size_t lb) {
    if (la == 0 || lb == 0) return 0.0;
    size_t L = la > lb ? la : lb, d0 = la > lb ? la - lb : lb - la;
    /* the length difference alone bounds the distance from below */
    if ((double)d0 > (double)L * 0.5) return 1.0 - (double)d0 / (double)L;
    int d = osa_distance(a, la, b, lb);
    double s = 1.0 - (double)d / (double)L;
    /* two slips in a word of five letters or more are a typing or
     * spelling variant however short the word (Sechin/Sechev) */
    if (d == 2 && (la < lb ? la : lb) >= 5 && s < TWO_SLIPS) s = TWO_SLIPS;
    return s;
}

/* a is a shortening of b: same first letter, a's letters appear in b in
 * order, a at least 3 letters and at most 60% of b. */
static int abbreviates(const char *a, size_t la, const char *b, size_t lb) {
    if (la > lb) { const char *t = a; a = b; b = t; size_t tl = la; la = lb; lb = tl; }
    if (la < 3 || la * 10 > lb * 6 || a[0] != b[0]) return 0;
    /* a plain prefix is a different, shorter name (Bai / Baikal), not an
     * abbreviation (Intl / International) */
    if (memcmp(a, b, la) == 0) return 0;
    size_t j = 0;
    for (size_t i = 0; i < la; i++) {
        while (j < lb && b[j] != a[i]) j++;
        if (j == lb) return 0;
        j++;
    }
    return 1;
}

static int is_digit_tok(const nm_tok *t) { return t->kind == NM_NUMBER; }

/* Drop a letter equal to the one before it; the new length. */
static size_t undouble(char *x, size_t n) {
    size_t o = 0;
    for (size_t k = 0; k < n; k++)
        if (o == 0 || x[o - 1] != x[k]) x[o++] = x[k];
    x[o] = 0;
    return o;
}

/* A skeleton letter as Hangul can write it. */
static char sound_fold(char c) {
    switch (c) {
    case 'l': return 'r';
    case 'v': case 'f': case 'p': return 'b';
    case 'z': return 'j';
    case 't': return 'd';
    case 'g': return 'k';
    default: return c;
    }
}

/* Length of a word without the Slavic ending -ij/-iy/-y/-i/-ei/-ey that
 * romanisations of -ий/-ей write each their own way (Arkadij / Arkady,
 * Yuriy / Yuri, Sergei / Sergey). */
static size_t slavic_stem(const char *s, size_t n) {
    if (n >= 5 && (s[n - 1] == 'j' || s[n - 1] == 'y' || s[n - 1] == 'i') &&
        (s[n - 2] == 'i' || s[n - 2] == 'y'))
        return n - 2;
    if (n >= 4 && (s[n - 1] == 'y' || s[n - 1] == 'i')) return n - 1;
    return n;
}

/* Stem length of a patronymic (Romanovich, Nikolayevna, Ukrainian
 * -ovych/-ivna, Turkic ogly/kyzy written joined), 0 when the word is not
 * one. */
static size_t patronymic_stem(const char *s, size_t n) {
    static const struct { const char *s; size_t n; } suf[] = {
        {"ovich", 5}, {"evich", 5}, {"ovitch", 6}, {"evitch", 6}, {"ovych", 5}, {"evych", 5}, {"ovna", 4},
        {"evna", 4}, {"ivna", 4}, {"ichna", 5}, {"ogly", 4}, {"oglu", 4}, {"kyzy", 4}, {"qizi", 4}};
    if (n < 7) return 0;
    char last = s[n - 1];
    if (last != 'h' && last != 'a' && last != 'y' && last != 'u' && last != 'i') return 0;
    for (size_t k = 0; k < sizeof suf / sizeof suf[0]; k++)
        if (n >= suf[k].n + 3 && suf[k].s[suf[k].n - 1] == last && memcmp(s + n - suf[k].n, suf[k].s, suf[k].n) == 0)
            return n - suf[k].n;
    return 0;
}

static double tok_sim_how(const st_name_form *A, unsigned i, const st_name_form *B, unsigned j,
                          int *how) {
    const nm_tok *a = &A->tok[i], *b = &B->tok[j];
    const char *sa = A->str + a->off, *sb = B->str + b->off;
    *how = HOW_NONE;
    /* pinyin of two different Chinese characters is two different names */
    if (a->origin == NM_HAN && b->origin == NM_HAN && a->src && b->src && a->src != b->src) return 0.0;
    if (a->len == b->len && memcmp(sa, sb, a->len) == 0) { *how = HOW_EXACT; return 1.0; }
    if (is_digit_tok(a) || is_digit_tok(b)) return 0.0;
    /* one Chinese name in Wade-Giles and in pinyin (Hsi / Xi) */
    if ((A->zh_wade || B->zh_wade) && a->zklen && a->zklen == b->zklen &&
        memcmp(A->str + a->zk, B->str + b->zk, a->zklen) == 0) {
        *how = HOW_TRANSLIT;
        return ZH_SAME;
    }
    /* initials (a one-letter Korean surname - O, U, I - is not one) */
    if (!(a->len == 1 && A->korean) && !(b->len == 1 && B->korean) &&
        ((a->len == 1 && b->len > 1 && sb[0] == sa[0]) || (b->len == 1 && a->len > 1 && sa[0] == sb[0]))) {
        *how = HOW_INITIAL;
        return 0.8;
    }
    if (a->len == 1 || b->len == 1) return 0.0;
    /* pinyin syllables of Chinese characters: one character is one name */
    if (a->origin == NM_HAN && b->origin == NM_HAN) return 0.0;
    const char *ka = A->str + a->skel, *kb = B->str + b->skel;
    int sound = a->origin == NM_SOUND || b->origin == NM_SOUND;
    if (a->origin == NM_ABJAD || b->origin == NM_ABJAD || sound) {
        /* Arabic script has no p, v or o/e: compare consonant skeletons
         * with p as b and v as f; Hangul has no f, v, z or l/r, t/d, k/g
         * contrast: fold those too for a foreign name spelt in Hangul */
        char xa[64] = {0}, xb[64] = {0};
        size_t la = a->sklen < 63 ? a->sklen : 63, lb = b->sklen < 63 ? b->sklen : 63;
        for (size_t k = 0; k < la; k++) xa[k] = sound ? sound_fold(ka[k]) : ka[k] == 'p' ? 'b' : ka[k] == 'v' ? 'f' : ka[k];
        for (size_t k = 0; k < lb; k++) xb[k] = sound ? sound_fold(kb[k]) : kb[k] == 'p' ? 'b' : kb[k] == 'v' ? 'f' : kb[k];
        if (sound) { /* folding makes doubles: 니콜라스 nikolraseu, l r -> r r */
            la = undouble(xa, la);
            lb = undouble(xb, lb);
        }
        double s = str_sim(xa, la, xb, lb) * 0.95;
        /* two consonants or fewer of a short word fit too many names
         * (Choe/Hajy, Asi/Ysy) */
        if ((la < lb ? la : lb) <= 2 && (a->len <= 4 || b->len <= 4) && s > SHORT_SKEL) s = SHORT_SKEL;
        *how = HOW_TRANSLIT;
        return s;
    }
    double s = str_sim(sa, a->len, sb, b->len);
    *how = HOW_FUZZY;
    if (s < 0.95) {
        size_t ta = slavic_stem(sa, a->len), tb = slavic_stem(sb, b->len);
        if (ta != a->len && tb != b->len && ta == tb && ta >= 3 && memcmp(sa, sb, ta) == 0) return 0.95;
        /* two patronymics share their ending: the father's names decide */
        size_t pa = patronymic_stem(sa, a->len), pb = patronymic_stem(sb, b->len);
        if (pa && pb) {
            double st = str_sim(sa, pa, sb, pb);
            if (st < 0.75) return 0.0;
        }
    }
    /* one given name in two forms: Bill / William, Sasha / Aleksandr */
    if (s < NICK && a->nick[0] && b->nick[0] &&
        (a->nick[0] == b->nick[0] || a->nick[0] == b->nick[1] ||
         (a->nick[1] && (a->nick[1] == b->nick[0] || a->nick[1] == b->nick[1])))) {
        *how = HOW_NICK;
        return NICK;
    }
    /* abbreviation: intl/international, corp/corporation, mgmt/management */
    if (s < 0.8 && A->schema != ST_SCHEMA_PERSON && B->schema != ST_SCHEMA_PERSON &&
        abbreviates(sa, a->len, sb, b->len)) {
        *how = HOW_ABBREV;
        return 0.8;
    }
    if (a->sklen >= 2 && a->sklen == b->sklen && memcmp(ka, kb, a->sklen) == 0 &&
        a->len >= 4 && b->len >= 4 && s < PHON) {
        /* the same consonant skeleton lifts a spelling variant
         * (Mohammed/Muhammad), not two names that merely share their
         * consonants (Hiroshi/Harzi): halfway when the spellings differ much */
        s = s >= 0.7 ? PHON : (s + PHON) / 2;
        *how = HOW_PHONETIC;
    }
    return s;
}

double nm_token_sim(const st_name_form *a, unsigned i, const st_name_form *b, unsigned j) {
    int how;
    return tok_sim_how(a, i, b, j, &how);
}

/* Similarity of token a_i against the concatenation of b_j..b_{j+m-1}
 * (rev: of b_{j+1} b_j, two tokens written fused in the other order:
 * "RamiMakhlouf" against "MAKHLUF, Rami"). */
static double joined_sim_order(const st_name_form *A, unsigned i, const st_name_form *B, unsigned j,
                               unsigned m, int rev) {
    const nm_tok *a = &A->tok[i];
    if (a->len < 4 || j + m > B->ntok) return 0.0;
    if (!rev && (A->zh_wade || B->zh_wade) && a->zklen) {
        /* Tse-tung / Zedong: the syllable keys joined (their spellings may
         * differ in length by more than the test below allows) */
        char kb[160];
        size_t K = 0;
        for (unsigned k = 0; k < m; k++) {
            const nm_tok *b = &B->tok[j + k];
            if (!b->zklen || K + b->zklen >= sizeof kb) { K = 0; break; }
            memcpy(kb + K, B->str + b->zk, b->zklen);
            K += b->zklen;
        }
        if (K && K == a->zklen && memcmp(kb, A->str + a->zk, K) == 0) return ZH_SAME;
    }
    /* the length test before copying: most runs fail it */
    size_t L = 0;
    for (unsigned k = 0; k < m; k++) L += B->tok[j + k].len;
    if ((size_t)a->len + 3 < L || L + 3 < (size_t)a->len) return 0.0;
    char buf[160];
    L = 0;
    for (unsigned k = 0; k < m; k++) {
        const nm_tok *b = &B->tok[j + (rev ? m - 1 - k : k)];
        if (b->kind == NM_NUMBER || L + b->len >= sizeof buf) return 0.0;
        memcpy(buf + L, B->str + b->off, b->len);
        L += b->len;
    }
    return str_sim(A->str + a->off, a->len, buf, L);
}

static double joined_sim(const st_name_form *A, unsigned i, const st_name_form *B, unsigned j,
                         unsigned m) {
    double s = joined_sim_order(A, i, B, j, m, 0);
    if (m == 2) {
        /* the other order only nearly letter for letter: a fused full
           name, not a word that happens to spell two others backwards
           (Hans / Su Han) */
        double r = j + 1 < B->ntok && A->str[A->tok[i].off] == B->str[B->tok[j + 1].off]
                       ? joined_sim_order(A, i, B, j, m, 1) : 0.0;
        if (r >= KNEE && r > s) s = r;
    }
    return s;
}

static double quality(double s) {
    if (s >= KNEE) return s;
    double q = KNEE - (KNEE - s) * STEEP;
    return q > 0 ? q : 0;
}

/* ---- surnames ------------------------------------------------------------ */

/* A surname's consonant frame and its count of vowel groups, read the
 * same way across the common romanisations (kh = h, ph = f, c/q/k/g, z/s,
 * w/v, x = ks, j/y; h and vowels dropped, doubles merged).  Spelling
 * variants of one family name share both (Makhlouf/Makhluf,
 * Zakharov/Zaharov, Friedman/Fridman, Tyurin/Turin); another family
 * name one letter away does not (Putin/Turin, Kozak/Kozar, Zaharov/Zharov). */
static void surname_shape(const char *s, size_t n, char *frame, size_t cap, int *groups) {
    size_t o = 0;
    int g = 0, in_vowel = 0;
    char prev = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((c == 'k' || c == 'p') && i + 1 < n && s[i + 1] == 'h') { c = c == 'p' ? 'f' : 'h'; i++; }
        if (c == 'c' || c == 'q' || c == 'g') c = 'k';
        if (c == 'z') c = 's';
        if (c == 'w') c = 'v';
        if (c == 'j') c = 'y';
        int vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
        if (vowel) {
            if (!in_vowel) g++;
            in_vowel = 1;
            continue;
        }
        in_vowel = 0;
        if (c == 'h') continue;
        if (c == 'x') {
            if (o + 2 < cap) { frame[o++] = 'k'; frame[o++] = 's'; }
            prev = 's';
            continue;
        }
        if (c == prev) continue;
        if (o + 1 < cap) frame[o++] = c;
        prev = c;
    }
    frame[o] = 0;
    *groups = g;
}

static int same_surname_shape(const st_name_form *A, unsigned i, const st_name_form *B, unsigned j) {
    char fa[64], fb[64];
    int ga, gb;
    surname_shape(nm_tok_str(A, i), A->tok[i].len, fa, sizeof fa, &ga);
    surname_shape(nm_tok_str(B, j), B->tok[j].len, fb, sizeof fb, &gb);
    return ga == gb && strcmp(fa, fb) == 0;
}

/* Token i of a person's name is its surname as the name itself states
 * it: before the comma of "SURNAME, Given", the lists' way.  Without a
 * comma no word is known to be the surname (Given Surname, Surname Given
 * and Korean orders all occur), and a slip in any word stays a slip
 * (Angela Merkur / Angela Merkel). */
static int surname_tok(const st_name_form *F, unsigned i) {
    return F->comma_after && F->comma_after < F->ntok && i < F->comma_after;
}

#define OTHER_SURNAME 0.6 /* cap for a surname one or two letters from another */
#define SURNAME_UNPAIRED 0.15 /* a stated surname that nothing meets */

static int stated_surname_unpaired(const st_name_form *F, const uint8_t *used) {
    if (!F->comma_after || F->comma_after >= F->ntok) return 0;
    for (unsigned i = 0; i < F->comma_after; i++)
        if (used[i] || F->tok[i].kind != NM_WORD) return 0;
    return 1;
}

/* ---- countries ----------------------------------------------------------- */

typedef struct pairc {
    float s;
    uint8_t qi, qn, li, ln; /* query tokens qi..qi+qn-1 with list li..li+ln-1 */
    uint8_t how;
    uint8_t used; /* taken by the greedy alignment */
} pairc;

#define MAXP (ST_NAME_MAX_TOKENS * ST_NAME_MAX_TOKENS * 6 + 2 * ST_NAME_MAX_TOKENS * 4)

/* Adjectival forms of country names, sorted: an organisation names its
 * country either way (Korean / Korea National Insurance Corporation,
 * Iranian / Iran ..., North Korean / DPRK). */
static const struct { const char *adj, *country; } demonyms[] = {
    {"afghan", "afghanistan"}, {"albanian", "albania"}, {"algerian", "algeria"},
    {"american", "united states"}, {"angolan", "angola"}, {"argentine", "argentina"},
    {"argentinian", "argentina"}, {"armenian", "armenia"}, {"austrian", "austria"},
    {"azerbaijani", "azerbaijan"}, {"bahraini", "bahrain"}, {"belarusian", "belarus"},
    {"belarussian", "belarus"}, {"belgian", "belgium"}, {"bolivian", "bolivia"},
    {"brazilian", "brazil"}, {"british", "united kingdom"}, {"bulgarian", "bulgaria"},
    {"burmese", "burma"}, {"burundian", "burundi"}, {"cambodian", "cambodia"},
    {"canadian", "canada"}, {"chilean", "chile"}, {"chinese", "china"}, {"colombian", "colombia"},
    {"congolese", "congo"}, {"croatian", "croatia"}, {"cuban", "cuba"}, {"cypriot", "cyprus"},
    {"czech", "czechia"}, {"danish", "denmark"}, {"dutch", "netherlands"},
    {"ecuadorian", "ecuador"}, {"egyptian", "egypt"}, {"emirati", "united arab emirates"},
    {"eritrean", "eritrea"}, {"estonian", "estonia"}, {"ethiopian", "ethiopia"},
    {"filipino", "philippines"}, {"finnish", "finland"}, {"french", "france"},
    {"georgian", "georgia"}, {"german", "germany"}, {"ghanaian", "ghana"}, {"greek", "greece"},
    {"haitian", "haiti"}, {"hungarian", "hungary"}, {"indian", "india"},
    {"indonesian", "indonesia"}, {"iranian", "iran"}, {"iraqi", "iraq"}, {"irish", "ireland"},
    {"israeli", "israel"}, {"italian", "italy"}, {"japanese", "japan"}, {"jordanian", "jordan"},
    {"kazakh", "kazakhstan"}, {"kenyan", "kenya"}, {"korean", "korea"}, {"kuwaiti", "kuwait"},
    {"kyrgyz", "kyrgyzstan"}, {"latvian", "latvia"}, {"lebanese", "lebanon"}, {"libyan", "libya"},
    {"lithuanian", "lithuania"}, {"malaysian", "malaysia"}, {"malian", "mali"},
    {"mexican", "mexico"}, {"moldovan", "moldova"}, {"mongolian", "mongolia"},
    {"moroccan", "morocco"}, {"nicaraguan", "nicaragua"}, {"nigerian", "nigeria"},
    {"norwegian", "norway"}, {"omani", "oman"}, {"pakistani", "pakistan"},
    {"palestinian", "palestine"}, {"panamanian", "panama"}, {"peruvian", "peru"},
    {"polish", "poland"}, {"portuguese", "portugal"}, {"qatari", "qatar"}, {"romanian", "romania"},
    {"russian", "russia"}, {"rwandan", "rwanda"}, {"saudi", "saudi arabia"}, {"serbian", "serbia"},
    {"singaporean", "singapore"}, {"slovak", "slovakia"}, {"somali", "somalia"},
    {"spanish", "spain"}, {"sudanese", "sudan"}, {"swedish", "sweden"}, {"swiss", "switzerland"},
    {"syrian", "syria"}, {"taiwanese", "taiwan"}, {"tajik", "tajikistan"}, {"thai", "thailand"},
    {"tunisian", "tunisia"}, {"turkish", "turkey"}, {"turkmen", "turkmenistan"},
    {"ugandan", "uganda"}, {"ukrainian", "ukraine"}, {"uzbek", "uzbekistan"},
    {"venezuelan", "venezuela"}, {"vietnamese", "vietnam"}, {"yemeni", "yemen"},
    {"zimbabwean", "zimbabwe"},
};

static const char *demonym_country(const char *w) {
    size_t lo = 0, hi = sizeof demonyms / sizeof demonyms[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(demonyms[mid].adj, w);
        if (c == 0) return demonyms[mid].country;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* A country's name or adjective that the ISO table may not hold
 * ("korea" without north or south). */
static int country_word(const char *w) {
    if (demonym_country(w)) return 1;
    for (size_t i = 0; i < sizeof demonyms / sizeof demonyms[0]; i++)
        if (demonyms[i].country[0] == w[0] && !strcmp(demonyms[i].country, w)) return 1;
    return 0;
}

int nm_demonyms_sorted(void) {
    for (size_t i = 1; i < sizeof demonyms / sizeof demonyms[0]; i++)
        if (strcmp(demonyms[i - 1].adj, demonyms[i].adj) >= 0) return 0;
    return 1;
}

/* The country that tokens i..i+m-1 of F name (m 1 or 2, the last word
 * read through the adjective table; "north korean" is "north korea"):
 * its name into canon and its ISO code into code (empty when the table
 * of countries does not know it).  0 when the run names no country. */
static int country_run(const st_name_form *F, unsigned i, unsigned m, char *canon, size_t cap,
                       char code[3]) {
    if (i + m > F->ntok) return 0;
    const char *last = nm_tok_str(F, i + m - 1), *c = demonym_country(last);
    int adj = c != NULL;
    if (!c) c = last;
    int n = m == 2 ? snprintf(canon, cap, "%s %s", nm_tok_str(F, i), c) : snprintf(canon, cap, "%s", c);
    if (n < 0 || (size_t)n >= cap) return 0;
    code[0] = 0;
    size_t len = strlen(canon);
    /* short codes (sa, ag, co) are legal forms or words: only a few
       common abbreviations of countries count */
    int short_ok = !strcmp(canon, "dprk") || !strcmp(canon, "prc") || !strcmp(canon, "rok") ||
                   !strcmp(canon, "uae") || !strcmp(canon, "usa") || !strcmp(canon, "ussr");
    if ((len >= 4 || short_ok) && st_country_code(canon, code) != ST_OK) code[0] = 0;
    if (m == 2 && !code[0]) return 0;
    return adj || code[0];
}

/* Pairs of runs naming one country in its two forms, between names of
 * which one writes a country adjective (only those pay for the look-up). */
static void country_pairs(const st_name_form *Q, const st_name_form *L, pairc *cand, size_t *nc) {
    int any = 0;
    for (unsigned i = 0; i < Q->ntok && !any; i++) any = demonym_country(nm_tok_str(Q, i)) != NULL;
    for (unsigned j = 0; j < L->ntok && !any; j++) any = demonym_country(nm_tok_str(L, j)) != NULL;
    if (!any) return;
    for (unsigned mq = 1; mq <= 2; mq++)
        for (unsigned i = 0; i + mq <= Q->ntok; i++) {
            char cq[64], kq[3];
            if (!country_run(Q, i, mq, cq, sizeof cq, kq)) continue;
            for (unsigned ml = 1; ml <= 2; ml++)
                for (unsigned j = 0; j + ml <= L->ntok; j++) {
                    char cl[64], kl[3];
                    if (*nc >= MAXP || !country_run(L, j, ml, cl, sizeof cl, kl)) continue;
                    int same = !strcmp(cq, cl) || (kq[0] && !strcmp(kq, kl));
                    if (same)
                        cand[(*nc)++] = (pairc){0.95f, (uint8_t)i, (uint8_t)mq, (uint8_t)j, (uint8_t)ml,
                                                HOW_COUNTRY, 0};
                    else if (mq == 1 && ml == 1)
                        /* two countries: Iranian / Syrian are not one word misspelt */
                        for (size_t c = 0; c < *nc; c++)
                            if (cand[c].qi == i && cand[c].qn == 1 && cand[c].li == j && cand[c].ln == 1 &&
                                cand[c].how != HOW_COUNTRY)
                                cand[c].s = 0;
                }
        }
}

/* ---- Latin alignment ----------------------------------------------------- */


/* Token a of A (2..5 letters) against runs of B tokens whose first letters
 * spell it; particles in the run may be skipped. */
static void acronym_pairs(const st_name_form *A, const st_name_form *B, pairc *cand, size_t *nc,
                          int swap, int person) {
    for (unsigned i = 0; i < A->ntok; i++) {
        const nm_tok *a = &A->tok[i];
        const char *s = A->str + a->off;
        if (a->len < 2 || a->len > 5 || a->kind == NM_NUMBER || a->kind == NM_LEGAL) continue;
        for (unsigned j = 0; j + 1 < B->ntok; j++) {
            unsigned k = j, m = 0;
            while (k < B->ntok && m < a->len) {
                const char *t = B->str + B->tok[k].off;
                if (t[0] == s[m]) { m++; k++; }
                else if (B->tok[k].kind == NM_STOP && k > j) k++;
                else break;
            }
            if (m != a->len || k - j < 2 || k - j > 6 || *nc >= MAXP) continue;
            /* initials standing for a person's whole name (N.N.) say
             * nothing about who it is */
            if (person && j == 0 && k == B->ntok) continue;
            pairc p = {0.85f, (uint8_t)i, 1, (uint8_t)j, (uint8_t)(k - j), HOW_ACRONYM, 0};
            if (swap) p = (pairc){0.85f, (uint8_t)j, (uint8_t)(k - j), (uint8_t)i, 1, HOW_ACRONYM, 0};
            cand[(*nc)++] = p;
        }
    }
}

/* A run of single letters on A (i c) spelling part of an acronym written
 * as one word on B (A.I.C. -> aic): one letter of the acronym is easily
 * left out; at least two letters and two thirds of it must be there. */
static void initials_in_acronym(const st_name_form *A, const st_name_form *B, pairc *cand, size_t *nc,
                                int swap) {
    for (unsigned i = 0; i + 1 < A->ntok; i++) {
        unsigned m = 0;
        char run[8];
        while (i + m < A->ntok && m < 6 && A->tok[i + m].len == 1 && A->tok[i + m].kind != NM_NUMBER) {
            run[m] = nm_tok_str(A, i + m)[0];
            m++;
        }
        if (m < 2) continue;
        for (unsigned j = 0; j < B->ntok; j++) {
            const nm_tok *b = &B->tok[j];
            if (b->len < m || b->len > 6 || b->kind == NM_NUMBER || m * 3 < b->len * 2 || *nc >= MAXP) continue;
            const char *t = nm_tok_str(B, j);
            for (unsigned o = 0; o + m <= b->len; o++) {
                if (memcmp(t + o, run, m) != 0) continue;
                float sc = m == b->len ? 0.95f : 0.85f;
                pairc p = {sc, (uint8_t)i, (uint8_t)m, (uint8_t)j, 1, HOW_ACRONYM, 0};
                if (swap) p = (pairc){sc, (uint8_t)j, 1, (uint8_t)i, (uint8_t)m, HOW_ACRONYM, 0};
                cand[(*nc)++] = p;
                break;
            }
        }
    }
}

/* Arabic names chain given name, "bin", father's name: "Omar bin
 * Abdullah" is the son of "Abdullah bin Omar", not the same man. */
static int bin_swapped(const st_name_form *Q, const st_name_form *L) {
    int bq = -1, bl = -1;
    for (unsigned i = 1; i + 1 < Q->ntok && bq < 0; i++)
        if (Q->tok[i].kind == NM_STOP && !strcmp(nm_tok_str(Q, i), "bin")) bq = (int)i;
    for (unsigned j = 1; j + 1 < L->ntok && bl < 0; j++)
        if (L->tok[j].kind == NM_STOP && !strcmp(nm_tok_str(L, j), "bin")) bl = (int)j;
    if (bq < 0 || bl < 0) return 0;
    const char *qa = nm_tok_str(Q, (unsigned)bq - 1), *qb = nm_tok_str(Q, (unsigned)bq + 1);
    const char *la = nm_tok_str(L, (unsigned)bl - 1), *lb = nm_tok_str(L, (unsigned)bl + 1);
    return strcmp(qa, qb) != 0 && !strcmp(qa, lb) && !strcmp(qb, la);
}

/* An unpaired word after the first that names a country ("mexico"; codes
 * such as "sa" or "ag" are legal forms: form.c marks words of four
 * letters or more). */
static int unmatched_country(const st_name_form *F, const uint8_t *used) {
    for (unsigned i = 1; i < F->ntok; i++)
        if (!used[i] && F->tok[i].country) return 1;
    return 0;
}

static int unpaired_number(const st_name_form *F, const uint8_t *used) {
    for (unsigned i = 0; i < F->ntok; i++)
        if (!used[i] && F->tok[i].kind == NM_NUMBER) return 1;
    return 0;
}

/* Continents and regions qualify a branch like a country does. */
static int region_word(const char *w) {
    static const char *const r[] = {"africa", "america", "americas", "asia", "asian", "europe", "european",
                                    "middle", "east", "west", "north", "south", "pacific", "global",
                                    "international", "intl", "worldwide", "overseas"};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (!strcmp(w, r[i])) return 1;
    return 0;
}

static int extra_word(const st_name_form *F, const uint8_t *used) {
    for (unsigned i = 0; i < F->ntok; i++)
        if (!used[i] && (F->tok[i].kind == NM_WORD || F->tok[i].kind == NM_GENERIC) && F->tok[i].len > 2 &&
            !F->tok[i].country && !region_word(nm_tok_str(F, i)) && !country_word(nm_tok_str(F, i)))
            return 1;
    return 0;
}

static int org_words(const st_name_form *f) {
    for (unsigned i = 0; i < f->ntok; i++)
        if (f->tok[i].kind == NM_LEGAL || f->tok[i].kind == NM_GENERIC) return 1;
    return 0;
}

/* Words that name the person: not titles, particles or initials. */
static unsigned content_words(const st_name_form *F) {
    unsigned n = 0;
    for (unsigned i = 0; i < F->ntok; i++) n += F->tok[i].kind == NM_WORD && F->tok[i].len > 1;
    return n;
}

/* ---- explanation entries ------------------------------------------------- */

/* One entry of a pair's explanation, built by hand: json_pack read its
 * format string again for every entry of every hit's explanation, a
 * sixth of a screening.  The same object, keys in the same order; a value
 * that cannot be made (a string not UTF-8, a score not finite) drops the
 * entry as json_pack did.  part and keys are left out when NULL, syllable
 * when 0. */
static json_t *ex_entry(const char *q, const char *l, const char *part, int syllable, const char *ka,
                        const char *kb, const char *how, double score) {
    json_t *o = json_object();
    if (!o) return NULL;
    int bad = json_object_set_new_nocheck(o, "query", json_string(q));
    bad |= json_object_set_new_nocheck(o, "list", json_string(l));
    if (part) bad |= json_object_set_new_nocheck(o, "part", json_string(part));
    if (syllable) bad |= json_object_set_new_nocheck(o, "syllable", json_integer(syllable));
    if (ka) {
        json_t *k = json_array();
        if (k) {
            bad |= json_array_append_new(k, json_string(ka));
            bad |= json_array_append_new(k, json_string(kb));
        }
        bad |= json_object_set_new_nocheck(o, "keys", k);
    }
    bad |= json_object_set_new_nocheck(o, "how", json_string(how));
    bad |= json_object_set_new_nocheck(o, "score", json_real(score));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* What the alignment was, for the Korean path to weigh it: every word
 * of both names paired at face value (KNEE or better), in the same
 * cyclic order (a surname moved from the end to the front). */
typedef struct latin_shape {
    int reordering;
} latin_shape;

static double latin_score(const st_name_form *Q, const st_name_form *L, st_schema schema,
                          json_t *tokens, json_t *unq, json_t *unl, latin_shape *shape) {
    pairc cand[MAXP];
    size_t nc = 0;
    unsigned nq = Q->ntok, nl = L->ntok;
    int person = schema == ST_SCHEMA_PERSON;
    for (unsigned i = 0; i < nq; i++)
        for (unsigned j = 0; j < nl; j++) {
            int how;
            double s = tok_sim_how(Q, i, L, j, &how);
            /* surnames count: a family name a letter or two from another
               is another family, not a spelling of it */
            if (person && s < KNEE && s > OTHER_SURNAME && (how == HOW_FUZZY || how == HOW_PHONETIC) &&
                (surname_tok(Q, i) || surname_tok(L, j)) && !same_surname_shape(Q, i, L, j))
                s = OTHER_SURNAME;
            if (s >= PAIR_MIN && nc < MAXP)
                cand[nc++] = (pairc){(float)s, (uint8_t)i, 1, (uint8_t)j, 1, (uint8_t)how, 0};
        }
    /* joined on one side, separate on the other (VladimirPutin, Good Will) */
    for (unsigned m = 2; m <= 3; m++) {
        for (unsigned i = 0; i < nq; i++)
            for (unsigned j = 0; j + m <= nl; j++) {
                double s = joined_sim(Q, i, L, j, m);
                if (s >= 0.8 && nc < MAXP)
                    cand[nc++] = (pairc){(float)s, (uint8_t)i, 1, (uint8_t)j, (uint8_t)m, HOW_JOINED, 0};
            }
        for (unsigned j = 0; j < nl; j++)
            for (unsigned i = 0; i + m <= nq; i++) {
                double s = joined_sim(L, j, Q, i, m);
                if (s >= 0.8 && nc < MAXP)
                    cand[nc++] = (pairc){(float)s, (uint8_t)i, (uint8_t)m, (uint8_t)j, 1, HOW_JOINED, 0};
            }
    }
    /* initials: PLA / People's Liberation Army, JC / Jean Claude */
    acronym_pairs(Q, L, cand, &nc, 0, person);
    acronym_pairs(L, Q, cand, &nc, 1, person);
    if (!person) country_pairs(Q, L, cand, &nc);
    initials_in_acronym(Q, L, cand, &nc, 0);
    initials_in_acronym(L, Q, cand, &nc, 1);
    /* greedy: best pairs first (insertion sort: nc is small) */
    for (size_t a = 1; a < nc; a++) {
        pairc x = cand[a];
        size_t b = a;
        while (b > 0 && (cand[b - 1].s < x.s || (cand[b - 1].s == x.s && cand[b - 1].qn + cand[b - 1].ln < x.qn + x.ln))) {
            cand[b] = cand[b - 1];
            b--;
        }
        cand[b] = x;
    }
    uint8_t usedq[ST_NAME_MAX_TOKENS] = {0}, usedl[ST_NAME_MAX_TOKENS] = {0};
    double tq = 0, tl = 0, mq = 0, ml = 0, rawq = 0, rawl = 0;
    for (unsigned i = 0; i < nq; i++) tq += Q->tok[i].w;
    for (unsigned j = 0; j < nl; j++) tl += L->tok[j].w;
    if (tq <= 0 || tl <= 0) return 0.0;
    for (size_t c = 0; c < nc; c++) {
        pairc *p = &cand[c];
        int clash = 0;
        for (unsigned k = 0; k < p->qn; k++) clash |= usedq[p->qi + k];
        for (unsigned k = 0; k < p->ln; k++) clash |= usedl[p->li + k];
        if (clash) continue;
        p->used = 1;
        double q = quality(p->s);
        for (unsigned k = 0; k < p->qn; k++) {
            usedq[p->qi + k] = 1;
            mq += Q->tok[p->qi + k].w * q;
            rawq += Q->tok[p->qi + k].w;
        }
        for (unsigned k = 0; k < p->ln; k++) {
            usedl[p->li + k] = 1;
            ml += L->tok[p->li + k].w * q;
            rawl += L->tok[p->li + k].w;
        }
        if (tokens) {
            char qs[160] = "", ls[160] = "";
            size_t ql = 0, ll = 0;
            for (unsigned k = 0; k < p->qn && ql < sizeof qs; k++)
                ql += (size_t)snprintf(qs + ql, sizeof qs - ql, "%s%s", k ? " " : "", nm_tok_str(Q, p->qi + k));
            for (unsigned k = 0; k < p->ln && ll < sizeof ls; k++)
                ll += (size_t)snprintf(ls + ll, sizeof ls - ll, "%s%s", k ? " " : "", nm_tok_str(L, p->li + k));
            json_array_append_new(tokens, ex_entry(qs, ls, NULL, 0, NULL, NULL, how_names[p->how],
                                                   round(p->s * 1000) / 1000));
        }
    }
    if (shape) {
        /* list position of each query word; whole words only */
        int at[ST_NAME_MAX_TOKENS], ok = 1;
        for (unsigned i = 0; i < nq; i++) at[i] = -1;
        for (size_t c = 0; c < nc && ok; c++) {
            const pairc *p = &cand[c];
            if (!p->used) continue;
            if (p->qn != 1 || p->ln != 1 || p->s < KNEE) ok = 0;
            else at[p->qi] = p->li;
        }
        unsigned descents = 0;
        for (unsigned i = 0; i < nq && ok; i++) {
            if (at[i] < 0) ok = 0;
            else if (i && at[i] < at[i - 1]) descents++;
        }
        ok = ok && nq == nl && (descents == 0 || (descents == 1 && at[nq - 1] < at[0]));
        shape->reordering = ok;
    }
    if (unq)
        for (unsigned i = 0; i < nq; i++)
            if (!usedq[i]) json_array_append_new(unq, json_string(nm_tok_str(Q, i)));
    if (unl)
        for (unsigned j = 0; j < nl; j++)
            if (!usedl[j]) json_array_append_new(unl, json_string(nm_tok_str(L, j)));
    /* a patronymic written on one side only is a missing middle name and
       costs little; one on each side, unpaired, is another father */
    double patq = 0, patl = 0;
    for (unsigned i = 0; i < nq; i++)
        if (!usedq[i] && Q->tok[i].kind == NM_WORD && patronymic_stem(nm_tok_str(Q, i), Q->tok[i].len))
            patq += Q->tok[i].w;
    for (unsigned j = 0; j < nl; j++)
        if (!usedl[j] && L->tok[j].kind == NM_WORD && patronymic_stem(nm_tok_str(L, j), L->tok[j].len))
            patl += L->tok[j].w;
    int other_father = person && patq > 0 && patl > 0;
    if (person && patq > 0 && patl == 0 && tq - patq > 0) tq -= patq * (1 - PATRONYMIC_W);
    if (person && patl > 0 && patq == 0 && tl - patl > 0) tl -= patl * (1 - PATRONYMIC_W);
    double cq = mq / tq, cl = ml / tl;
    double lo = cq < cl ? cq : cl, hi = cq < cl ? cl : cq;
    /* a substitution is a word of one name standing where another word of
     * the other stands; series numbers (Fund VII / Fund VIII) weigh less */
    double nq_un = 0, nl_un = 0;
    for (unsigned i = 0; i < nq; i++)
        if (!usedq[i] && Q->tok[i].kind == NM_NUMBER) nq_un += Q->tok[i].w;
    for (unsigned j = 0; j < nl; j++)
        if (!usedl[j] && L->tok[j].kind == NM_NUMBER) nl_un += L->tok[j].w;
    double uq = 1.0 - (rawq + nq_un) / tq, ul = 1.0 - (rawl + nl_un) / tl;
    double sub = uq < ul ? uq : ul;
    double s = ALPHA * lo + (1 - ALPHA) * hi - SUBST * sub;
    /* a person's name found inside a much longer one is a namesake more
     * often than the same person (Walijan / Walijan Abdul Ghafoor Haqqani) */
    if (schema == ST_SCHEMA_PERSON && lo < THIN_COVER) s -= (THIN_COVER - lo) * THIN_PENALTY;
    /* one name word against a full name: Hassan is not Fatima Hassan */
    if (schema == ST_SCHEMA_PERSON && (content_words(Q) == 1) != (content_words(L) == 1) &&
        (rawq < tq || rawl < tl))
        s -= MONONYM;
    /* in an organisation's name a series number on one side only marks one
     * vehicle of a series against its parent (Solutions II / Solutions,
     * Company 23 / Company) */
    int numq = 0, numl = 0;
    for (unsigned i = 0; i < nq; i++) numq += Q->tok[i].kind == NM_NUMBER;
    for (unsigned j = 0; j < nl; j++) numl += L->tok[j].kind == NM_NUMBER;
    int org = schema == ST_SCHEMA_ORGANIZATION || schema == ST_SCHEMA_COMPANY ||
              (schema == ST_SCHEMA_UNKNOWN && (org_words(Q) || org_words(L)));
    if ((numq == 0) != (numl == 0) && org) s -= ONE_SIDED_NUMBER;
    /* numbers distinguish: Snow Storm 1 is not Snow Storm 2 (both numbers
       written, neither paired).  In an organisation's name they mark the
       vintages of one fund or trust series, which the lists and the pair
       benchmark treat as one family: cheap there, as before. */
    if (!org && numq && numl && unpaired_number(Q, usedq) && unpaired_number(L, usedl)) s -= OTHER_NUMBER;
    /* an organisation's distinctive word on one side only names another
       company of the family (Crystalord Systems Ltd / Crystalord Ltd);
       legal forms, particles, numbers and countries are not distinctive */
    if (org && (extra_word(Q, usedq) != extra_word(L, usedl))) s -= EXTRA_ORG_WORD;
    /* and a country after the first word marks a national subsidiary
     * (Banco Santander Mexico / Banco Santander) */
    if ((schema == ST_SCHEMA_ORGANIZATION || schema == ST_SCHEMA_COMPANY) &&
        (unmatched_country(Q, usedq) || unmatched_country(L, usedl)))
        s -= COUNTRY_QUALIFIER;
    /* a surname the list states that nothing in the query meets is
       another family's name (Vladimir Putin / KONONOV, Vladimir P.) */
    if (person && (stated_surname_unpaired(Q, usedq) || stated_surname_unpaired(L, usedl)))
        s -= SURNAME_UNPAIRED;
    if (other_father) s -= OTHER_PATRONYMIC;
    if (bin_swapped(Q, L)) s *= BIN_SWAP;
    if (s < 0) s = 0;
    if (s > 1) s = 1;
    return s;
}

/* ---- Korean -------------------------------------------------------------- */

/* Two syllables written in Hangul on both sides compare exactly: the key
 * classes only exist because romanisations lose distinctions. */
static double ko_syl_sim(uint16_t ka, uint32_t fa, uint16_t kb, uint32_t fb) {
    if (fa && fb) return fa == fb ? 1.0 : 0.5 * ko_key_sim(ka, kb);
    return ko_key_sim(ka, kb);
}

static double ko_given_sim(const nm_kview *a, const nm_kview *b, double *syl) {
    int both_hangul = a->ng == b->ng;
    for (size_t i = 0; both_hangul && i < a->ng; i++)
        both_hangul = a->given_fine[i] && b->given_fine[i];
    if (both_hangul) {
        double s = 1.0;
        for (size_t i = 0; i < a->ng; i++) {
            syl[i] = ko_syl_sim(a->given[i], a->given_fine[i], b->given[i], b->given_fine[i]);
            s *= syl[i];
        }
        return s;
    }
    /* joined against split: compare as sounds inside one word too */
    int same = strcmp(a->flat, b->flat) == 0 || strcmp(a->flat_in, b->flat_in) == 0;
    if (same) {
        for (size_t i = 0; i < a->ng; i++) syl[i] = 1.0;
        return 1.0;
    }
    if (a->ng != b->ng) {
        /* a missing or extra syllable: credit the common syllables only */
        size_t m = a->ng < b->ng ? a->ng : b->ng, M = a->ng < b->ng ? b->ng : a->ng;
        double s = 1.0;
        for (size_t i = 0; i < m; i++) s *= ko_key_sim(a->given[i], b->given[i]);
        for (size_t i = 0; i < a->ng; i++) syl[i] = i < m ? ko_key_sim(a->given[i], b->given[i]) : 0;
        return s * (double)m / (double)M * 0.6;
    }
    double s = 1.0;
    for (size_t i = 0; i < a->ng; i++) {
        syl[i] = ko_key_sim(a->given[i], b->given[i]);
        s *= syl[i];
    }
    return s;
}

/* The written word that holds syllable k of view v's given name. */
static unsigned given_tok(const st_name_form *f, const nm_kview *v, size_t k) {
    size_t seen = 0;
    for (unsigned i = 0; i < f->ntok; i++) {
        if ((int)i == v->sur_tok) continue;
        seen += f->tok[i].nsyl;
        if (k < seen) return i;
    }
    return (unsigned)v->sur_tok;
}

static double korean_score(const st_name_form *Q, const st_name_form *L, json_t *tokens) {
    const nm_kview *vq = Q->kv, *vl = L->kv;
    size_t nq = Q->nkv, nl = L->nkv;
    double best = -1;
    size_t bi = 0, bj = 0;
    for (size_t i = 0; i < nq; i++)
        for (size_t j = 0; j < nl; j++) {
            double syl[KO_MAX_SYL];
            double g = ko_given_sim(&vq[i], &vl[j], syl);
            double ss = ko_syl_sim(vq[i].sur, vq[i].sur_fine, vl[j].sur, vl[j].sur_fine);
            /* a surname that differs at all is another family */
            double s = KO_SURNAME_W * ss * ss +
                       (1 - KO_SURNAME_W) * g;
            if (s > best) { best = s; bi = i; bj = j; }
        }
    if (best < 0) return -1;
    if (tokens) {
        const nm_kview *a = &vq[bi], *b = &vl[bj];
        double ss = ko_key_sim(a->sur, b->sur);
        json_array_append_new(tokens, ex_entry(nm_tok_str(Q, (unsigned)a->sur_tok),
                                               nm_tok_str(L, (unsigned)b->sur_tok), "surname", 0, NULL, NULL,
                                               ss >= 1 ? "korean-syllable" : "korean-partial",
                                               round(ss * 1000) / 1000));
        double syl[KO_MAX_SYL];
        ko_given_sim(a, b, syl);
        size_t m = a->ng < b->ng ? a->ng : b->ng;
        for (size_t k = 0; k < m; k++) {
            char ka[8], kb[8];
            ko_key_letters(a->given[k], ka);
            ko_key_letters(b->given[k], kb);
            json_array_append_new(
                tokens, ex_entry(nm_tok_str(Q, given_tok(Q, a, k)), nm_tok_str(L, given_tok(L, b, k)), "given",
                                 (int)k + 1, ka, kb, syl[k] >= 1 ? "korean-syllable" : "korean-partial",
                                 round(syl[k] * 1000) / 1000));
        }
    }
    return best;
}

/* ---- typing errors in romanised Korean ------------------------------------- */

/* A typing error inside a romanised Korean syllable usually leaves a
 * word that reads as no Korean (Jesn, Jomg) or as a syllable nobody is
 * named with (Gwag: 곽), so the key path sees another name.  A word is
 * repairable when it does not read as Korean, or reads as syllables
 * outside the common given-name syllables and the surnames, or is
 * written as no system writes it (Gwag for 곽: RR Gwak, MR Kwak); one edit of it (a letter dropped, added, changed, or
 * two swapped) that reads as exactly the other name's syllables counts
 * as that word.  A correctly written common syllable is never repaired
 * (Kang stays Kang, not Kwang), at most two words of a name are, and at
 * least one word must agree as written: the evidence must be strong.  The
 * surname must agree, or be the one slip of a name whose given syllables
 * all agree; the typed word must be one edit from a written form of the
 * listed syllables; a word's first letter is never repaired. */
#define KO_TYPO_ONE 0.92 /* one repaired word */
#define KO_TYPO_TWO 0.84 /* two */

static int common_given_scan(uint16_t key) {
    ko_syl sy;
    for (size_t i = 0; i < ko_n_given_syllables; i++) {
        const unsigned char *p = (const unsigned char *)ko_given_syllables[i];
        uint32_t cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (ko_from_codepoint(cp, &sy) && ko_key(sy) == key) return 1;
    }
    return 0;
}

/* As ko_is_surname_key: each key's answer kept once found. */
static int ko_common_given(uint16_t key) {
    static _Atomic uint8_t memo[1u << 16];
    return ko_key_memo(memo, key, common_given_scan);
}

/* Syllable keys of a romanised word; 0 when it does not read as Korean. */
static size_t word_keys(const char *s, size_t n, uint16_t *keys, size_t max) {
    ko_syl sy[KO_MAX_SYL];
    size_t k = ko_parse_token(s, n, sy, max < KO_MAX_SYL ? max : KO_MAX_SYL);
    for (size_t i = 0; i < k; i++) keys[i] = ko_key(sy[i]);
    return k;
}

/* Keys of token i of F: Hangul from the form, romanised words parsed. */
static size_t tok_keys(const st_name_form *F, unsigned i, uint16_t *keys) {
    const nm_tok *t = &F->tok[i];
    /* a Korean form holds its keys already, and nm_ko_marks keeps those
       of the words of any other form that read as Korean */
    if ((t->nsyl || (t->ko_mark & NM_KO_PARSED)) && t->nsyl <= 4 && t->syl0 + t->nsyl <= KO_MAX_SYL * 2) {
        for (size_t k = 0; k < t->nsyl; k++) keys[k] = F->keys[t->syl0 + k];
        return t->nsyl;
    }
    if (t->origin == NM_HANGUL) return 0;
    /* Do, Da, Van read as particles elsewhere are syllables here */
    if (t->origin != NM_LATIN || (t->kind != NM_WORD && t->kind != NM_STOP) || t->len > 24) return 0;
    return word_keys(F->str + t->off, t->len, keys, 4);
}

static int keys_equal(const uint16_t *a, size_t na, const uint16_t *b, size_t nb) {
    if (na != nb || !na) return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* The word is how some system or South Korean habit writes the
 * syllables it reads as (Kang, Gwak, Jeong), not merely parseable
 * (Gwag). */
static int written_as_a_system_writes(const char *s, size_t n) {
    ko_syl sy[4];
    size_t k = ko_parse_token(s, n, sy, 4);
    if (!k) return 0;
    if (k == 1)
        for (unsigned v = 0; v < 3; v++) {
            const char *p = ko_popular_surname(sy[0], v);
            if (p && strlen(p) == n && !strncasecmp(p, s, n)) return 1;
        }
    for (int sys = 0; sys < KO_SYS_COUNT; sys++)
        for (unsigned v = 0; v < (sys == KO_SYS_POPULAR ? 4u : 1u); v++) { /* only popular spellings have variants */
            char w[80];
            size_t o = 0;
            for (size_t j = 0; j < k; j++) {
                char r[16];
                size_t rl = ko_render(sy[j], (ko_system)sys, j == 0, v, r);
                for (size_t c = 0; c < rl && o + 1 < sizeof w; c++)
                    if (r[c] != '-' && r[c] != '\'') w[o++] = (char)tolower((unsigned char)r[c]);
            }
            /* w[0..o) is written; o == n is checked first */
            // cppcheck-suppress uninitvar
            if (o == n && !memcmp(w, s, n)) return 1;
        }
    return 0;
}

static int renders_as(ko_syl sy, const char *s, size_t n) {
    for (unsigned v = 0; v < 3; v++) {
        const char *p = ko_popular_surname(sy, v);
        if (p && strlen(p) == n && !strncasecmp(p, s, n)) return 1;
    }
    for (int sys = 0; sys < KO_SYS_COUNT; sys++)
        for (unsigned v = 0; v < (sys == KO_SYS_POPULAR ? 4u : 1u); v++) { /* only popular spellings have variants */
            char r[16];
            size_t rl = ko_render(sy, (ko_system)sys, 1, v, r);
            if (rl == n && !strncasecmp(r, s, n)) return 1;
        }
    return 0;
}

static uint32_t utf8_3(const char *h) {
    const unsigned char *p = (const unsigned char *)h;
    return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
}

/* A word of one syllable is a common syllable written correctly when
 * some surname or common given-name syllable with its key is written
 * that way by a system or a South Korean habit (Lee, Lim, Kang; not Gwag). */
/* The surnames' and common given syllables' syllables and keys, read
 * once: the test runs for every word of every name prepared, and reading
 * a few hundred Hangul syllables each time was a tenth of a query. */
#define COMMON_TAB_MAX 512
static struct { ko_syl sy; uint16_t key; } common_tab[COMMON_TAB_MAX];
static size_t common_n;
static int common_ok; /* 0: the lists outgrew the table, scan them */
static pthread_once_t common_once = PTHREAD_ONCE_INIT;

static void common_tab_init(void) {
    if (ko_n_surnames + ko_n_given_syllables > COMMON_TAB_MAX) return;
    ko_syl sy;
    for (size_t i = 0; i < ko_n_surnames; i++)
        if (ko_from_codepoint(utf8_3(ko_surnames[i].hangul), &sy))
            common_tab[common_n].sy = sy, common_tab[common_n++].key = ko_key(sy);
    for (size_t i = 0; i < ko_n_given_syllables; i++)
        if (ko_from_codepoint(utf8_3(ko_given_syllables[i]), &sy))
            common_tab[common_n].sy = sy, common_tab[common_n++].key = ko_key(sy);
    common_ok = 1;
}

static int common_syllable_written(uint16_t key, const char *s, size_t n) {
    pthread_once(&common_once, common_tab_init);
    if (common_ok) {
        for (size_t i = 0; i < common_n; i++)
            if (common_tab[i].key == key && renders_as(common_tab[i].sy, s, n)) return 1;
        return 0;
    }
    ko_syl sy;
    for (size_t i = 0; i < ko_n_surnames; i++)
        if (ko_from_codepoint(utf8_3(ko_surnames[i].hangul), &sy) && ko_key(sy) == key && renders_as(sy, s, n))
            return 1;
    for (size_t i = 0; i < ko_n_given_syllables; i++)
        if (ko_from_codepoint(utf8_3(ko_given_syllables[i]), &sy) && ko_key(sy) == key && renders_as(sy, s, n))
            return 1;
    return 0;
}

/* Some one edit of the surname s (its first letter kept) reads as a
 * surname other than want: Choio is a slip of Choi as much as of Cho, so
 * it is no evidence for either. */
static int slip_of_another_surname(const char *s, size_t n, uint16_t want) {
    char b[32];
    uint16_t k[4];
    if (n + 2 > sizeof b) return 1;
#define OTHER(len) do { if (word_keys(b, (len), k, 4) == 1 && k[0] != want && ko_is_surname_key(k[0])) return 1; } while (0)
    for (size_t i = 1; i < n; i++) {
        memcpy(b, s, i);
        memcpy(b + i, s + i + 1, n - i - 1);
        OTHER(n - 1);
    }
    for (size_t i = 1; i + 1 < n; i++) {
        memcpy(b, s, n);
        b[i] = s[i + 1];
        b[i + 1] = s[i];
        OTHER(n);
    }
    for (size_t i = 1; i < n; i++)
        for (char c = 'a'; c <= 'z'; c++) {
            memcpy(b, s, n);
            b[i] = c;
            OTHER(n);
        }
    for (size_t i = 1; i <= n; i++)
        for (char c = 'a'; c <= 'z'; c++) {
            memcpy(b, s, i);
            b[i] = c;
            memcpy(b + i + 1, s + i, n - i);
            OTHER(n + 1);
        }
#undef OTHER
    return 0;
}


static size_t ascii_form(const char *r, size_t rl, char *out, size_t cap) {
    size_t o = 0;
    for (size_t c = 0; c < rl && o + 1 < cap; c++)
        if (isalpha((unsigned char)r[c])) out[o++] = (char)tolower((unsigned char)r[c]);
    out[o] = 0;
    return o;
}

/* The typed word q is one edit from a way the listed word's syllables
 * are written: the list word itself, or any system's or South Korean
 * habit's spelling of a syllable with its key (for a word of one
 * syllable: Jeon, Jun, Chon for JON), or of its syllables in one system
 * (a joined word).  This holds the repair to the letters typed, not only
 * to what the keys let through (Seohg is no slip of Su). */
/* one edit apart, the first letter the same (people see a wrong first
 * letter; a word's first letter changed is most often another syllable:
 * Dong / Jong) */
static int one_slip(const char *q, size_t qn, const char *w, size_t wn) {
    return qn && wn && q[0] == w[0] && (qn > wn ? qn - wn : wn - qn) <= 1 && osa_distance(q, qn, w, wn) == 1;
}

static int near_written_form_calc(const char *q, size_t qn, const char *lw, size_t ln, const uint16_t *want,
                                  size_t nw) {
    if (one_slip(q, qn, lw, ln)) return 1;
    char w[80];
    if (nw == 1) {
        /* every syllable with the key: onsets, then vowels, then codas
           that keep each class (a few dozen of the 11,172) */
        ko_syl sy = {0, 0, 0}, ref;
        ko_syl rs[1];
        if (ko_parse_token(lw, ln, rs, 1) != 1) return 0;
        ref = rs[0];
        for (sy.on = 0; sy.on < 19; sy.on++) {
            ko_syl a = {sy.on, ref.vo, ref.co};
            if ((ko_key(a) >> 8) != (want[0] >> 8)) continue;
            for (sy.vo = 0; sy.vo < 21; sy.vo++) {
                ko_syl b = {sy.on, sy.vo, ref.co};
                if ((ko_key(b) >> 4) != (want[0] >> 4)) continue;
                for (sy.co = 0; sy.co < 28; sy.co++) {
                    if (ko_key(sy) != want[0]) continue;
                    for (unsigned v = 0; v < 3; v++) {
                        const char *p = ko_popular_surname(sy, v);
                        if (p && one_slip(q, qn, w, ascii_form(p, strlen(p), w, sizeof w))) return 1;
                    }
                    for (int sys = 0; sys < KO_SYS_COUNT; sys++)
                        for (unsigned v = 0; v < (sys == KO_SYS_POPULAR ? 4u : 1u); v++) { /* only popular spellings have variants */
                            char r[16];
                            size_t rl = ko_render(sy, (ko_system)sys, 1, v, r);
                            if (one_slip(q, qn, w, ascii_form(r, rl, w, sizeof w))) return 1;
                        }
                }
            }
        }
        return 0;
    }
    ko_syl sy[4];
    size_t k = ko_parse_token(lw, ln, sy, 4);
    for (int sys = 0; sys < KO_SYS_COUNT && k; sys++)
        for (unsigned v = 0; v < (sys == KO_SYS_POPULAR ? 4u : 1u); v++) { /* only popular spellings have variants */
            char cat[80];
            size_t o = 0;
            for (size_t j = 0; j < k; j++) {
                char r[16];
                size_t rl = ko_render(sy[j], (ko_system)sys, j == 0, v, r);
                o += ascii_form(r, rl, cat + o, sizeof cat - o);
            }
            if (one_slip(q, qn, cat, o)) return 1;
        }
    return 0;
}

/* The answer for a typed word and a listed word, kept per thread: one
 * query meets the same listed word (KIM, RI, CHOL) in many candidates,
 * and the answer renders every syllable of a key in every system.  A
 * slot holds both words and the keys in full, so a collision only costs
 * the computation again. */
#define NEAR_MEMO_SLOTS 256
#define NEAR_MEMO_WORD 24
typedef struct near_memo {
    uint8_t qn, ln, nw, ans; /* ans: 0 empty, 1 no, 2 yes */
    uint16_t want[4];
    char q[NEAR_MEMO_WORD], lw[NEAR_MEMO_WORD];
} near_memo;
static _Thread_local near_memo near_memos[NEAR_MEMO_SLOTS];

static int near_written_form(const char *q, size_t qn, const char *lw, size_t ln, const uint16_t *want,
                             size_t nw) {
    if (qn > NEAR_MEMO_WORD || ln > NEAR_MEMO_WORD || nw > 4)
        return near_written_form_calc(q, qn, lw, ln, want, nw);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < qn; i++) h = (h ^ (unsigned char)q[i]) * 16777619u;
    h = (h ^ 0xFFu) * 16777619u;
    for (size_t i = 0; i < ln; i++) h = (h ^ (unsigned char)lw[i]) * 16777619u;
    for (size_t i = 0; i < nw; i++) h = (h ^ want[i]) * 16777619u;
    near_memo *m = &near_memos[(h ^ (h >> 16)) % NEAR_MEMO_SLOTS];
    if (m->ans && m->qn == qn && m->ln == ln && m->nw == nw && !memcmp(m->q, q, qn) && !memcmp(m->lw, lw, ln) &&
        !memcmp(m->want, want, nw * sizeof *want))
        return m->ans == 2;
    int r = near_written_form_calc(q, qn, lw, ln, want, nw);
    m->qn = (uint8_t)qn;
    m->ln = (uint8_t)ln;
    m->nw = (uint8_t)nw;
    memcpy(m->q, q, qn);
    memcpy(m->lw, lw, ln);
    memcpy(m->want, want, nw * sizeof *want);
    m->ans = r ? 2 : 1;
    return r;
}

static const char *w0(const st_name_form *f, unsigned i) { return f->str + f->tok[i].off; }

void nm_ko_marks(st_name_form *f) {
    size_t used = f->korean ? f->nsyl : 0; /* free key slots of a form not read as Korean */
    if (!f->korean)
        for (unsigned i = 0; i < f->ntok; i++) f->tok[i].syl0 = f->tok[i].nsyl = 0; /* a failed reading's leftovers */
    for (unsigned i = 0; i < f->ntok; i++) {
        nm_tok *t = &f->tok[i];
        uint8_t m = NM_KO_PARSED;
        t->ko_mark = 0;
        if (t->origin == NM_HANGUL) {
            t->ko_mark = NM_KO_WRITTEN | (t->nsyl ? NM_KO_PARSED : 0);
            continue;
        }
        if (t->origin != NM_LATIN || (t->kind != NM_WORD && t->kind != NM_STOP)) {
            t->ko_mark = t->nsyl ? 0 : NM_KO_PARSED; /* no keys: nothing to parse later */
            continue;
        }
        uint16_t k[4];
        /* letters no romanisation of Korean uses: not worth a parse */
        size_t nk = 0;
        if (t->len <= 16 && !memchr(w0(f, i), 'f', t->len) && !memchr(w0(f, i), 'q', t->len) &&
            !memchr(w0(f, i), 'v', t->len) && !memchr(w0(f, i), 'x', t->len) && !memchr(w0(f, i), 'z', t->len))
            nk = tok_keys(f, i, k);
        if (!f->korean && nk && !t->nsyl && used + nk <= KO_MAX_SYL * 2) {
            /* keep them: the comparator reads them for every candidate */
            t->syl0 = (uint8_t)used;
            t->nsyl = (uint8_t)nk;
            for (size_t j = 0; j < nk; j++) f->keys[used + j] = k[j];
            used += nk;
        }
        /* the same tests as korean_written and repairable, each once */
        const char *w = nm_tok_str(f, i);
        if (nk == 0) m |= NM_KO_SUSPECT;
        else if (nk == 1) {
            int c = common_syllable_written(k[0], w, t->len);
            if (c || written_as_a_system_writes(w, t->len)) m |= NM_KO_WRITTEN;
            if (!c) m |= NM_KO_SUSPECT;
        } else {
            int allc = 1;
            for (size_t j = 0; j < nk && allc; j++) allc = ko_is_surname_key(k[j]) || ko_common_given(k[j]);
            int wr = written_as_a_system_writes(w, t->len);
            if (wr) m |= NM_KO_WRITTEN;
            if (!allc || !wr) m |= NM_KO_SUSPECT;
        }
        uint16_t groups[2];
        nm_nick_groups(nm_tok_str(f, i), groups);
        if (groups[0]) m &= (uint8_t)~NM_KO_SUSPECT; /* John is a name, not a slip */
        else if (t->len >= 2) m |= NM_KO_MAY_REPAIR;
        if (t->len < 2) m &= (uint8_t)~NM_KO_SUSPECT;
        t->ko_mark = m;
    }
}

int nm_ko_word_suspect(const st_name_form *f, unsigned i) {
    return i < f->ntok && (f->tok[i].ko_mark & NM_KO_SUSPECT);
}

static int hyphened(const st_name_form *F, unsigned i) {
    return F->tok[i].hyph_next || (i > 0 && F->tok[i - 1].hyph_next);
}

/* Score of Q against L read as one Korean name with typing errors; 0
 * when the names are not that. */
static double korean_typo_score(const st_name_form *Q, const st_name_form *L) {
    unsigned n = Q->ntok;
    if (n < 2 || n > 4 || L->ntok != n || !(Q->korean || L->korean)) return 0;
    /* a query with no word written as Korean is no slipped Korean name */
    int any = 0;
    for (unsigned i = 0; i < n; i++) any |= Q->tok[i].ko_mark & NM_KO_WRITTEN;
    if (!any) return 0;
    uint16_t kq[ST_NAME_MAX_TOKENS][4], kl[ST_NAME_MAX_TOKENS][4];
    size_t nq[ST_NAME_MAX_TOKENS], nl[ST_NAME_MAX_TOKENS];
    for (unsigned i = 0; i < n; i++) {
        if ((Q->tok[i].kind != NM_WORD && Q->tok[i].kind != NM_STOP) ||
            (L->tok[i].kind != NM_WORD && L->tok[i].kind != NM_STOP))
            return 0;
        nl[i] = tok_keys(L, i, kl[i]);
        if (!nl[i]) return 0;
    }
    for (unsigned i = 0; i < n; i++) nq[i] = tok_keys(Q, i, kq[i]);
    double best = 0;
    /* the same order, or the surname moved from one end to the other; a
       comma fixes the surname first.  Cheap tests first (keys), the
       spelling tests only for a pair that has the shape of a slip */
    int qfirst = Q->comma_after == 1, lfirst = L->comma_after == 1;
    for (unsigned rot = 0; rot < n; rot++) {
        if (rot != 0 && rot != 1 && rot != n - 1) continue;
        int eq[ST_NAME_MAX_TOKENS];
        unsigned miss = 0;
        for (unsigned i = 0; i < n; i++) {
            unsigned j = (i + rot) % n;
            eq[i] = keys_equal(kq[i], nq[i], kl[j], nl[j]);
            miss += !eq[i];
        }
        if (miss == 0 || miss > 2 || miss == n) continue;
        int surname_ok = 0; /* 1 agrees, 2 the one slip of a name whose given syllables agree */
        unsigned sq = 0;
        for (unsigned qs = 0; qs < n && surname_ok != 1; qs += n - 1) {
            unsigned ls = (qs + rot) % n;
            if ((ls != 0 && ls != n - 1) || (qfirst && qs != 0) || (lfirst && ls != 0)) continue;
            /* a word hyphened to another is part of the given name (Chol-song) */
            if (hyphened(Q, qs) || hyphened(L, ls)) continue;
            if (nl[ls] != 1 || !ko_is_surname_key(kl[ls][0])) continue;
            if (eq[qs]) { surname_ok = 1; sq = qs; }
            else if (!surname_ok && n >= 3 && miss == 1) { surname_ok = 2; sq = qs; }
        }
        if (!surname_ok) continue;
        /* the words that agree must be written as Korean is written (not
           John for 존, Li for 리): the query is a Korean name */
        unsigned mi[2], nm = 0, exact = 0;
        for (unsigned i = 0; i < n && nm <= 2; i++) {
            if (eq[i] && (Q->tok[i].ko_mark & NM_KO_WRITTEN)) exact++;
            else if (nm < 2) mi[nm++] = i;
            else nm = 3;
        }
        if (exact == 0 || nm == 0 || nm > 2) continue;
        if (surname_ok == 2 && (nm != 1 || mi[0] != sq)) continue;
        int ok = 1;
        for (unsigned m = 0; m < nm && ok; m++) {
            unsigned i = mi[m], j = (i + rot) % n;
            /* only the query is repaired: the lists' own odd spellings
               (LEE, John; HE, Yi) are names as written, often not Korean */
            const nm_tok *t = &Q->tok[i];
            ok = (t->ko_mark & NM_KO_MAY_REPAIR) &&
                 ((t->ko_mark & NM_KO_SUSPECT) ||
                  (nq[i] != nl[j] && t->len + 1 >= L->tok[j].len && t->len <= L->tok[j].len + 1)) &&
                 near_written_form(nm_tok_str(Q, i), Q->tok[i].len, nm_tok_str(L, j), L->tok[j].len, kl[j],
                                   nl[j]) &&
                 (surname_ok != 2 || !slip_of_another_surname(nm_tok_str(Q, i), Q->tok[i].len, kl[j][0]));
        }
        if (!ok) continue;
        double s = nm == 1 ? KO_TYPO_ONE : KO_TYPO_TWO;
        if (s > best) best = s;
    }
    return best;
}

/* ---- entry points -------------------------------------------------------- */

static int has_han(const st_name_form *f) {
    for (unsigned i = 0; i < f->ntok; i++)
        if (f->tok[i].origin == NM_HAN) return 1;
    return 0;
}

/* The two names have the same words' first letters, in any order: the
 * least a reordering of the same words needs (cheap, before aligning). */
static int same_initials(const st_name_form *a, const st_name_form *b) {
    if (a->ntok != b->ntok) return 0;
    unsigned char ca[ST_NAME_MAX_TOKENS], cb[ST_NAME_MAX_TOKENS];
    for (unsigned i = 0; i < a->ntok; i++) {
        ca[i] = (unsigned char)a->str[a->tok[i].off];
        cb[i] = (unsigned char)b->str[b->tok[i].off];
    }
    for (unsigned i = 0; i < a->ntok; i++) {
        unsigned j = 0;
        while (j < b->ntok && cb[j] != ca[i]) j++;
        if (j == b->ntok) return 0;
        cb[j] = 0;
    }
    return 1;
}

st_schema nm_pair_schema(const st_name_form *q, const st_name_form *l, st_schema schema) {
    if (schema != ST_SCHEMA_UNKNOWN) return schema;
    if (l->schema != ST_SCHEMA_UNKNOWN) return l->schema;
    if (q->schema != ST_SCHEMA_UNKNOWN) return q->schema;
    /* no one said: "SURNAME, Given" is how lists write a person, and a
       legal form or an organisation word says the opposite */
    if (org_words(q) || org_words(l)) return ST_SCHEMA_UNKNOWN;
    if ((q->comma_after && q->comma_after < q->ntok) || (l->comma_after && l->comma_after < l->ntok))
        return ST_SCHEMA_PERSON;
    return ST_SCHEMA_UNKNOWN;
}

double st_name_compare_forms(const st_name_form *query, const st_name_form *list,
                             st_schema schema, json_t **explanation) {
    json_t *tokens = NULL, *unq = NULL, *unl = NULL;
    if (explanation) {
        *explanation = NULL;
        tokens = json_array();
        unq = json_array();
        unl = json_array();
    }
    double s = 0.0;
    int korean = 0;
    if (query && list && query->ntok && list->ntok) {
        schema = nm_pair_schema(query, list, schema);
        if (query->korean && list->korean) {
            s = korean_score(query, list, NULL);
            korean = s >= 0;
            if (korean && s < ST_NAME_THRESHOLD && same_initials(query, list)) {
                /* a Korean reading never blocks an ordinary reordering
                   (John Doe / Doe, John: "Doe" reads as a surname, "John"
                   too): the same words in the same cyclic order */
                latin_shape shape = {0};
                double l = latin_score(query, list, schema, NULL, NULL, NULL, &shape);
                if (shape.reordering && l > s) korean = 0;
            }
            if (korean && tokens) korean_score(query, list, tokens);
        }
        /* Chinese characters read as Korean may still name a Chinese
         * (李明 / Li Ming): their pinyin counts too, syllable for syllable
         * against a name in letters that reads as Chinese */
        double zh = has_han(query) || has_han(list) ? nm_zh_han_score(query, list) : -1;
        if (zh >= 0) {
            if (!korean || zh > s) {
                s = zh;
                korean = 0;
                if (tokens) {
                    json_array_clear(tokens);
                    json_array_append_new(tokens, ex_entry(query->text, list->text, NULL, 0, NULL, NULL,
                                                           "transliterated", zh));
                }
            }
        } else {
            if (korean && (has_han(query) || has_han(list)) &&
                latin_score(query, list, schema, NULL, NULL, NULL, NULL) > s) {
                korean = 0;
                if (tokens) json_array_clear(tokens);
            }
            if (!korean) s = latin_score(query, list, schema, tokens, unq, unl, NULL);
        }
        if (s < KO_TYPO_ONE && schema != ST_SCHEMA_ORGANIZATION && schema != ST_SCHEMA_COMPANY) {
            double t = korean_typo_score(query, list);
            if (t > s) {
                s = t;
                if (tokens) json_array_append_new(tokens, ex_entry(query->text, list->text, NULL, 0, NULL,
                                                                   NULL, "korean-typo", t));
            }
        }
    }
    if (s < 0) s = 0;
    /* three decimals, as every output prints them, truncated: a pair that
       reads 0.800 is a match wherever it is shown (compare, screen, the
       server) and one that fell short of the line by a rounding error of
       the arithmetic reads 0.799, not a 0.800 that is no match */
    s = floor(s * 1000) / 1000;
    if (explanation) {
        /* by hand as ex_entry; each set takes its value even when it fails */
        json_t *e = json_object();
        int bad = !e;
        bad |= json_object_set_new_nocheck(e, "score", json_real(round(s * 1000) / 1000));
        bad |= json_object_set_new_nocheck(e, "korean", json_boolean(korean));
        bad |= json_object_set_new_nocheck(e, "query", json_string(query ? query->text : ""));
        bad |= json_object_set_new_nocheck(e, "list", json_string(list ? list->text : ""));
        bad |= json_object_set_new_nocheck(e, "tokens", tokens);
        bad |= json_object_set_new_nocheck(e, "unmatched_query", unq);
        bad |= json_object_set_new_nocheck(e, "unmatched_list", unl);
        if (bad) {
            json_decref(e);
            e = NULL;
        }
        *explanation = e;
    }
    return s;
}

double st_name_compare(st_names_ctx *ctx, const char *a, const char *b, st_schema schema,
                       json_t **explanation) {
    st_name_form *fa = NULL, *fb = NULL;
    double s = -1.0;
    if (explanation) *explanation = NULL;
    if (st_name_prepare(ctx, a, schema, &fa) != ST_OK) goto done;
    if (st_name_prepare(ctx, b, schema, &fb) != ST_OK) goto done;
    s = st_name_compare_forms(fa, fb, schema, explanation);
done:
    st_name_form_free(fa);
    st_name_form_free(fb);
    return s;
}
