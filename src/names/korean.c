/*
 * korean.c - Korean syllable parsing, keys and romanisation.
 *
 * Design: the spelling tables list, for each jamo, how the DPRK 2002,
 * McCune-Reischauer (MR), Revised Romanization (RR), BGN/PCGN and ODNI
 * systems and South Korean popular spellings write it, after the
 * normaliser has folded text to ASCII (breves and apostrophes gone, so
 * MR "ch'ŏl" arrives as "chol").  A token is parsed by dynamic programming
 * over those spellings: every syllable is [onset] vowel [coda]; the parse
 * with the fewest syllables wins, then the one that puts consonants in
 * onsets.  Keys fold jamo into classes no system keeps apart (see
 * korean.h).  Invariant: everything here is pure functions over constant
 * tables - safe from any thread.
 */
#include "names/korean.h"

#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

/* ---- jamo classes ------------------------------------------------------ */

/* Onset jamo: ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ */
static const uint8_t on_class[19] = {
    KO_ON_G, KO_ON_G, KO_ON_N, KO_ON_D, KO_ON_D, KO_ON_R, KO_ON_M, KO_ON_B, KO_ON_B, KO_ON_S,
    KO_ON_S, KO_ON_NONE, KO_ON_J, KO_ON_J, KO_ON_J, KO_ON_G, KO_ON_D, KO_ON_B, KO_ON_H};
/* Vowel jamo: ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ */
static const uint8_t vo_class[21] = {
    KO_V_A, KO_V_E, KO_V_YA, KO_V_YE, KO_V_O, KO_V_E, KO_V_YO, KO_V_YE, KO_V_O, KO_V_WA, KO_V_WE,
    KO_V_WE, KO_V_YO, KO_V_O, KO_V_WO, KO_V_WE, KO_V_WI, KO_V_YO, KO_V_O, KO_V_I, KO_V_I};
/* Coda jamo: - ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ (as pronounced alone) */
static const uint8_t co_class[28] = {
    KO_C_NONE, KO_C_K, KO_C_K, KO_C_K, KO_C_N, KO_C_N, KO_C_N, KO_C_T, KO_C_L, KO_C_K,
    KO_C_M, KO_C_L, KO_C_L, KO_C_L, KO_C_P, KO_C_L, KO_C_M, KO_C_P, KO_C_P, KO_C_T,
    KO_C_T, KO_C_NG, KO_C_T, KO_C_T, KO_C_K, KO_C_T, KO_C_P, KO_C_T};

static int vowel_is_front_y(uint8_t vc) {
    return vc == KO_V_I || vc == KO_V_YA || vc == KO_V_YE || vc == KO_V_YO;
}

/* Onset and vowel classes with the initial-sound law applied: the law is
 * what separates DPRK (Ri, Ryong, Rim) from South Korean (Yi/Lee, Yong,
 * Im/Lim) spellings of the same name, so the key always applies it. */
static uint16_t key_of_classes(uint8_t oc, uint8_t vc, uint8_t cc) {
    if (oc == KO_ON_R) oc = vowel_is_front_y(vc) ? KO_ON_NONE : KO_ON_N;
    else if (oc == KO_ON_N && vowel_is_front_y(vc)) oc = KO_ON_NONE;
    return (uint16_t)((oc << 8) | (vc << 4) | cc);
}

uint16_t ko_key_of(unsigned onset, unsigned vowel, unsigned coda, int law) {
    if (law) return key_of_classes((uint8_t)onset, (uint8_t)vowel, (uint8_t)coda);
    if (onset == KO_ON_R) onset = KO_ON_N;
    return (uint16_t)((onset << 8) | (vowel << 4) | coda);
}

uint16_t ko_key(ko_syl s) {
    if (s.on > 18 || s.vo > 20 || s.co > 27) return 0;
    return key_of_classes(on_class[s.on], vo_class[s.vo], co_class[s.co]);
}

uint16_t ko_key_inword(ko_syl s) {
    if (s.on > 18 || s.vo > 20 || s.co > 27) return 0;
    uint8_t oc = on_class[s.on];
    if (oc == KO_ON_R) oc = KO_ON_N;
    return (uint16_t)((oc << 8) | (vo_class[s.vo] << 4) | co_class[s.co]);
}

/* A class equals itself; a wildcard equals each class it covers. */
static int vowel_match(unsigned a, unsigned b) {
    if (a == b) return 1;
    if (b == KO_V_X) { unsigned t = a; a = b; b = t; }
    return a == KO_V_X && (b == KO_V_E || b == KO_V_O || b == KO_V_YO || b == KO_V_YE || b == KO_V_WE);
}

static int coda_match(unsigned a, unsigned b) {
    if (a == b) return 1;
    if (b == KO_C_NX || b == KO_C_QX) { unsigned t = a; a = b; b = t; }
    if (a == KO_C_NX) return b == KO_C_N || b == KO_C_NG;
    return a == KO_C_QX && (b == KO_C_K || b == KO_C_T || b == KO_C_P);
}

/* a has the wildcard vowel after n (or r, which the law made n), b the
 * same syllable with ㅕ or ㅖ, whose n the law silenced: Лен and 룡 (yong). */
static int law_wild(uint16_t a, uint16_t b) {
    unsigned bv = (b >> 4) & 15;
    return ((a >> 4) & 15) == KO_V_X && (a >> 8) == KO_ON_N && (b >> 8) == KO_ON_NONE &&
           (bv == KO_V_YO || bv == KO_V_YE);
}

double ko_key_sim(uint16_t a, uint16_t b) {
    if (a == b) return 1.0;
    int on = (a >> 8) == (b >> 8) || law_wild(a, b) || law_wild(b, a),
        vo = vowel_match((a >> 4) & 15, (b >> 4) & 15),
        co = coda_match(a & 15, b & 15);
    if (on && vo && co) return 1.0;
    /* one part differs: a different syllable all the same, and in a name
     * of two given syllables one of these must sink the score */
    if (on && vo) return 0.45; /* coda only: Chol/Chon */
    if (on && co) return 0.4;  /* vowel only: Jong/Jang */
    if (vo && co) return 0.35; /* onset only: Pyong/Myong */
    return 0.0;
}

size_t ko_key_letters(uint16_t k, char *out) {
    static const char on_l[] = "\0GNDRMBSJH";
    static const char vo_l[] = "?AEaeOoWVXYIO";
    static const char *const co_l[] = {"", "K", "N", "T", "L", "M", "P", "NG", "N", "K"};
    size_t n = 0;
    unsigned oc = k >> 8, vc = (k >> 4) & 15, cc = k & 15;
    if (oc && oc < 10) out[n++] = on_l[oc];
    out[n++] = vc <= KO_V_X ? vo_l[vc] : '?';
    if (cc <= KO_C_QX)
        for (const char *p = co_l[cc]; *p; p++) out[n++] = *p;
    out[n] = 0;
    return n;
}

int ko_from_codepoint(uint32_t cp, ko_syl *out) {
    if (cp < 0xAC00 || cp > 0xD7A3) return 0;
    uint32_t i = cp - 0xAC00;
    out->on = (uint8_t)(i / (21 * 28));
    out->vo = (uint8_t)((i / 28) % 21);
    out->co = (uint8_t)(i % 28);
    return 1;
}

uint32_t ko_to_codepoint(ko_syl s) {
    return 0xAC00 + ((uint32_t)s.on * 21 + s.vo) * 28 + s.co;
}

uint32_t ko_fine(uint32_t cp) {
    ko_syl s;
    if (!ko_from_codepoint(cp, &s)) return cp;
    int fy = vowel_is_front_y(vo_class[s.vo]);
    if (s.on == 5) s.on = fy ? 11 : 2;      /* ㄹ -> ㅇ before i/y, else ㄴ */
    else if (s.on == 2 && fy) s.on = 11;    /* ㄴ -> ㅇ before i/y */
    return ko_to_codepoint(s);
}

/* ---- parsing romanised syllables --------------------------------------- */

typedef struct spell {
    const char *s;
    uint8_t jamo;
    uint8_t cost; /* extra parse cost: rarer or silent-letter spellings */
} spell;

/* Onsets, longest first within each shared prefix (the parser tries all). */
static const spell onsets[] = {
    {"kk", 1, 0}, {"gg", 1, 1}, {"kh", 15, 0}, {"k", 0, 0}, {"g", 0, 0},
    {"n", 2, 0},
    {"tt", 4, 0}, {"dd", 4, 1}, {"th", 16, 0}, {"t", 3, 0}, {"d", 3, 0},
    {"rh", 5, 1}, {"r", 5, 0}, {"l", 5, 0},
    {"m", 6, 0},
    {"pp", 8, 0}, {"bb", 8, 1}, {"ph", 17, 0}, {"p", 7, 0}, {"b", 7, 0},
    {"ss", 10, 0}, {"sh", 9, 0}, {"s", 9, 0},
    {"jj", 13, 0}, {"tch", 13, 0}, {"tj", 13, 1}, {"ch", 14, 0}, {"j", 12, 0},
    /* European spellings of ㅈ/ㅊ/ㅅ: German dsch/tsch, Hungarian dzs/cs/sz,
     * Polish and Lithuanian dz (dž), Polish cz/sz, French dj, Lithuanian c (č) */
    {"dsch", 12, 1}, {"tsch", 14, 1}, {"dzs", 12, 1}, {"dz", 12, 1}, {"dj", 12, 1},
    {"cs", 14, 1}, {"cz", 14, 1}, {"sz", 9, 1}, {"c", 14, 2},
    {"h", 18, 0},
};
/* Vowels: RR (eo, eu), MR/DPRK folded (o, u), popular (oo, ee, you, ...). */
static const spell vowels[] = {
    {"a", 0, 0}, {"ae", 1, 0}, {"ai", 1, 1}, {"ya", 2, 0}, {"yae", 3, 0},
    {"eo", 4, 0}, {"e", 5, 0}, {"yeo", 6, 0}, {"you", 6, 1}, {"ye", 7, 0},
    {"o", 8, 0}, {"ou", 4, 2}, {"wa", 9, 0}, {"wae", 10, 0}, {"oe", 11, 0}, {"oi", 11, 1},
    {"yo", 12, 0}, {"u", 13, 0}, {"oo", 13, 1}, {"woo", 13, 1}, {"wo", 14, 0}, {"weo", 14, 0},
    {"we", 15, 0}, {"wi", 16, 0}, {"wee", 16, 2}, {"yu", 17, 0}, {"yoo", 17, 1},
    {"eu", 18, 0}, {"ui", 19, 0}, {"eui", 19, 1}, {"i", 20, 0}, {"ee", 20, 1},
    {"yi", 20, 1}, {"ie", 20, 2},
};
/* Codas: as pronounced alone, plus the silent r/h of popular spellings
 * (Park, Hur, Ahn, Oh, Sohn). */
static const spell codas[] = {
    {"k", 1, 0}, {"n", 4, 0}, {"t", 7, 0}, {"l", 8, 0}, {"m", 16, 0}, {"p", 17, 0},
    {"ng", 21, 0}, {"r", 0, 3}, {"h", 0, 3}, {"rk", 1, 2}, {"hn", 4, 2}, {"hm", 16, 2}, {"g", 1, 4},
};

#define NSPELL(a) (sizeof a / sizeof a[0])

/* Length of spelling p at s[at..n), 0 when it is not there.  Letter by
 * letter: most spellings fail at their first letter, and this runs for
 * every onset, vowel and coda at every position of every word prepared. */
static size_t match(const char *s, size_t n, size_t at, const char *p) {
    size_t l = 0;
    for (; p[l]; l++)
        if (at + l >= n || s[at + l] != p[l]) return 0;
    return l;
}

/* Cost of one syllable, and coda-before-vowel penalty for the linking
 * preference (a consonant between vowels belongs to the next syllable). */
#define SYL_COST 10
#define KO_MAX_TOKEN 40

static size_t parse_token_calc(const char *s, size_t n, ko_syl *out, size_t max) {
    if (n == 0 || n > KO_MAX_TOKEN) return 0;
    /* best[i]: min cost to parse s[i..n); choice records the syllable. */
    int best[KO_MAX_TOKEN + 1];
    uint8_t next[KO_MAX_TOKEN + 1];
    ko_syl pick[KO_MAX_TOKEN + 1];
    uint8_t ends_coda[KO_MAX_TOKEN + 1], starts_vowel[KO_MAX_TOKEN + 1];
    const int INF = 1 << 28;
    for (size_t i = 0; i <= n; i++) best[i] = INF;
    best[n] = 0;
    starts_vowel[n] = 0;
    for (size_t i = n; i-- > 0;) {
        for (size_t a = 0; a <= NSPELL(onsets); a++) {
            size_t lo = 0;
            uint8_t on = 11; /* ㅇ: no onset */
            int c0 = 0;
            if (a < NSPELL(onsets)) {
                lo = match(s, n, i, onsets[a].s);
                if (!lo) continue;
                on = onsets[a].jamo;
                c0 = onsets[a].cost;
            }
            for (size_t b = 0; b < NSPELL(vowels); b++) {
                size_t lv = match(s, n, i + lo, vowels[b].s);
                if (!lv) continue;
                for (size_t c = 0; c <= NSPELL(codas); c++) {
                    size_t lc = 0;
                    uint8_t co = 0;
                    int c2 = 0;
                    if (c < NSPELL(codas)) {
                        lc = match(s, n, i + lo + lv, codas[c].s);
                        if (!lc) continue;
                        co = codas[c].jamo;
                        c2 = codas[c].cost;
                    }
                    size_t j = i + lo + lv + lc;
                    if (best[j] >= INF) continue;
                    int cost = SYL_COST + c0 + vowels[b].cost + c2 + best[j];
                    /* ㅢ with a coda hardly occurs: Suil, Puil are 수일, 부일 */
                    if (lc && vowels[b].jamo == 19) cost += SYL_COST + 2;
                    /* a consonant coda followed by a vowel-initial syllable:
                     * prefer reading the consonant as the next onset */
                    if (lc && j < n && starts_vowel[j]) cost += 2;
                    /* a vowel-final syllable followed by a vowel-initial one
                     * is unusual in names written joined (a-i vs ai) */
                    if (!lc && j < n && starts_vowel[j]) cost += 1;
                    if (cost < best[i]) {
                        best[i] = cost;
                        next[i] = (uint8_t)j;
                        pick[i] = (ko_syl){on, vowels[b].jamo, co};
                        ends_coda[i] = lc != 0;
                        starts_vowel[i] = a == NSPELL(onsets);
                    }
                }
            }
        }
    }
    if (best[0] >= INF) return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i = next[i]) {
        if (k >= max) return 0;
        out[k++] = pick[i];
    }
    (void)ends_coda;
    return k;
}

/* The reading of a word, kept per thread: preparing a name, marking its
 * words and repairing slips parse the same few hundred words (KIM, JONG,
 * CHOL) again and again, each parse trying every spelling at every
 * letter.  A slot holds the word in full, so a collision only costs the
 * parse again; a word of n letters reads as at most n syllables (every
 * vowel is spelt with a letter), so the reading is kept whole and cut to
 * max as the parse itself does (the first max syllables written, 0
 * returned). */
#define PARSE_MEMO_SLOTS 512
#define PARSE_MEMO_WORD 24
typedef struct parse_memo {
    uint8_t used, n, k;
    char s[PARSE_MEMO_WORD];
    ko_syl syl[PARSE_MEMO_WORD];
} parse_memo;
static _Thread_local parse_memo parse_memos[PARSE_MEMO_SLOTS];

size_t ko_parse_token(const char *s, size_t n, ko_syl *out, size_t max) {
    if (n == 0 || n > PARSE_MEMO_WORD) return parse_token_calc(s, n, out, max);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    parse_memo *m = &parse_memos[(h ^ (h >> 16)) % PARSE_MEMO_SLOTS];
    if (!m->used || m->n != n || memcmp(m->s, s, n)) {
        m->used = 0;
        m->k = (uint8_t)parse_token_calc(s, n, m->syl, n);
        m->n = (uint8_t)n;
        memcpy(m->s, s, n);
        m->used = 1;
    }
    size_t k = m->k;
    memcpy(out, m->syl, (k < max ? k : max) * sizeof *out);
    return k <= max ? k : 0;
}

/* ---- rendering --------------------------------------------------------- */

/* Per system: onset, vowel and coda spellings, indexed by jamo. */
static const char *const on_dprk[19] = {"k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s",
                                        "ss", "", "j", "jj", "ch", "kh", "th", "ph", "h"};
static const char *const on_mr[19] = {"k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s",
                                      "ss", "", "ch", "tch", "ch\xe2\x80\x99", "k\xe2\x80\x99",
                                      "t\xe2\x80\x99", "p\xe2\x80\x99", "h"};
static const char *const on_mrp[19] = {"k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s",
                                       "ss", "", "ch", "tch", "ch", "k", "t", "p", "h"};
static const char *const on_rr[19] = {"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s",
                                      "ss", "", "j", "jj", "ch", "k", "t", "p", "h"};
static const char *const vo_dprk[21] = {"a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae",
                                        "oe", "yo", "u", "wo", "we", "wi", "yu", "u", "ui", "i"};
static const char *const vo_mr[21] = {"a", "ae", "ya", "yae", "\xc5\x8f", "e", "y\xc5\x8f", "ye", "o",
                                      "wa", "wae", "oe", "yo", "u", "w\xc5\x8f", "we", "wi", "yu",
                                      "\xc5\xad", "\xc5\xadi", "i"};
static const char *const vo_rr[21] = {"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae",
                                      "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"};
/* Popular spellings: two per vowel (passport habits: Jung/Jeong, Choon/Chun). */
static const char *const vo_pop[21][2] = {
    {"a", "a"}, {"ae", "ae"}, {"ya", "ya"}, {"yae", "ye"}, {"u", "eo"}, {"e", "e"},
    {"yu", "yeo"}, {"ye", "ye"}, {"o", "o"}, {"wa", "wa"}, {"wae", "wae"}, {"oe", "oe"},
    {"yo", "yo"}, {"oo", "u"}, {"wo", "won"}, {"we", "we"}, {"wi", "wi"}, {"yu", "yoo"},
    {"eu", "eu"}, {"ui", "ee"}, {"i", "ee"}};
static const char *const co_all[28] = {"", "k", "k", "k", "n", "n", "n", "t", "l", "k",
                                       "m", "l", "l", "l", "p", "l", "m", "p", "p", "t",
                                       "t", "ng", "t", "t", "k", "t", "p", "t"};

size_t ko_render(ko_syl s, ko_system sys, int first, unsigned variant, char *out) {
    if (s.on > 18 || s.vo > 20 || s.co > 27) { out[0] = 0; return 0; }
    const char *on, *vo, *co = co_all[s.co];
    switch (sys) {
    case KO_SYS_MR: on = on_mr[s.on]; vo = vo_mr[s.vo]; break;
    case KO_SYS_MR_PLAIN: on = on_mrp[s.on]; vo = vo_dprk[s.vo]; break;
    case KO_SYS_RR: on = on_rr[s.on]; vo = vo_rr[s.vo]; break;
    case KO_SYS_POPULAR:
        on = (variant & 2) ? on_rr[s.on] : on_mrp[s.on];
        vo = vo_pop[s.vo][variant & 1];
        break;
    default: on = on_dprk[s.on]; vo = vo_dprk[s.vo]; break;
    }
    /* MR writes ㅅ before i/wi as sh; popular spellings do too */
    if (s.on == 9 && (s.vo == 20 || s.vo == 16) && (sys == KO_SYS_MR || sys == KO_SYS_MR_PLAIN ||
                                                     (sys == KO_SYS_POPULAR && (variant & 1))))
        on = "sh";
    /* "won": the popular vowel spelling already carries the n */
    if (sys == KO_SYS_POPULAR && s.vo == 14 && (variant & 1)) {
        vo = "wo";
    }
    (void)first;
    /* by hand, not snprintf: the slip repair renders every syllable of a
       key in every system for each candidate it looks at */
    size_t n = 0;
    for (const char *part[3] = {on, vo, co}, **q = part; q < part + 3; q++)
        for (const char *c = *q; *c && n < 15; c++) out[n++] = *c;
    out[n] = 0;
    return n;
}

typedef struct pop_surname {
    uint32_t cp;
    const char *spell[3];
} pop_surname;

/* Popular surname spellings that the generic vowel/consonant rules do not
 * produce (South Korean passport habits). */
static const pop_surname pop_surnames[] = {
    {0xC774 /* 이 */, {"Lee", "Yi", "Rhee"}},   {0xBC15 /* 박 */, {"Park", "Pak", "Bak"}},
    {0xCD5C /* 최 */, {"Choi", "Choe", "Choi"}}, {0xC815 /* 정 */, {"Jung", "Chung", "Jeong"}},
    {0xAE40 /* 김 */, {"Kim", "Gim", "Kim"}},    {0xAC15 /* 강 */, {"Kang", "Gang", "Kang"}},
    {0xC870 /* 조 */, {"Cho", "Jo", "Cho"}},     {0xC724 /* 윤 */, {"Yoon", "Yun", "Youn"}},
    {0xC7A5 /* 장 */, {"Jang", "Chang", "Jang"}}, {0xC784 /* 임 */, {"Lim", "Im", "Rim"}},
    {0xC624 /* 오 */, {"Oh", "O", "Oh"}},        {0xC11C /* 서 */, {"Seo", "Suh", "So"}},
    {0xC2E0 /* 신 */, {"Shin", "Sin", "Shin"}},  {0xAD8C /* 권 */, {"Kwon", "Gwon", "Kwon"}},
    {0xC548 /* 안 */, {"Ahn", "An", "Ahn"}},     {0xC804 /* 전 */, {"Jeon", "Chun", "Jun"}},
    {0xC720 /* 유 */, {"Yoo", "Yu", "Ryu"}},     {0xB958 /* 류 */, {"Ryu", "Yoo", "Yu"}},
    {0xACE0 /* 고 */, {"Ko", "Go", "Koh"}},      {0xBB38 /* 문 */, {"Moon", "Mun", "Moon"}},
    {0xC190 /* 손 */, {"Son", "Sohn", "Son"}},   {0xBC30 /* 배 */, {"Bae", "Pae", "Bae"}},
    {0xBC31 /* 백 */, {"Baek", "Paik", "Paek"}}, {0xD5C8 /* 허 */, {"Heo", "Hur", "Huh"}},
    {0xB178 /* 노 */, {"Noh", "Roh", "No"}},     {0xACFD /* 곽 */, {"Kwak", "Gwak", "Kwak"}},
    {0xC131 /* 성 */, {"Sung", "Seong", "Sung"}}, {0xC8FC /* 주 */, {"Joo", "Chu", "Ju"}},
    {0xC6B0 /* 우 */, {"Woo", "U", "Woo"}},      {0xAD6C /* 구 */, {"Koo", "Ku", "Gu"}},
    {0xB098 /* 나 */, {"Na", "Ra", "Nah"}},      {0xC5C4 /* 엄 */, {"Um", "Eom", "Uhm"}},
    {0xCC9C /* 천 */, {"Cheon", "Chun", "Chon"}}, {0xD604 /* 현 */, {"Hyun", "Hyeon", "Hyun"}},
    {0xBCC0 /* 변 */, {"Byun", "Byeon", "Pyun"}}, {0xCD94 /* 추 */, {"Choo", "Chu", "Choo"}},
    {0xC11D /* 석 */, {"Seok", "Suk", "Seok"}},  {0xC120 /* 선 */, {"Sun", "Seon", "Sun"}},
    {0xC124 /* 설 */, {"Seol", "Sul", "Seol"}},  {0xBA85 /* 명 */, {"Myung", "Myeong", "Myung"}},
    {0xC5EC /* 여 */, {"Yeo", "Yuh", "Yeo"}},    {0xC5FC /* 염 */, {"Yeom", "Yum", "Yeom"}},
    {0xB3C4 /* 도 */, {"Do", "Doh", "To"}},      {0xD558 /* 하 */, {"Ha", "Hah", "Ha"}},
};

const char *ko_popular_surname(ko_syl s, unsigned variant) {
    uint32_t cp = ko_to_codepoint(s);
    for (size_t i = 0; i < sizeof pop_surnames / sizeof pop_surnames[0]; i++)
        if (pop_surnames[i].cp == cp) return pop_surnames[i].spell[variant % 3];
    return NULL;
}

/* ---- surnames ---------------------------------------------------------- */

/* Shares of the South Korean population, Statistics Korea 2015 census
 * (rounded); the tail of the top 60 share about 0.1-0.2% each. */
const ko_surname ko_surnames[] = {
    {"김", 21.5}, {"이", 14.7}, {"박", 8.4}, {"최", 4.7}, {"정", 4.3}, {"강", 2.3}, {"조", 2.1},
    {"윤", 2.1}, {"장", 2.0}, {"임", 1.7}, {"한", 1.5}, {"오", 1.5}, {"서", 1.5}, {"신", 1.4},
    {"권", 1.4}, {"황", 1.4}, {"안", 1.4}, {"송", 1.3}, {"전", 1.3}, {"홍", 1.1}, {"유", 1.1},
    {"고", 0.9}, {"문", 0.9}, {"양", 0.9}, {"손", 0.9}, {"배", 0.8}, {"백", 0.7}, {"허", 0.7},
    {"노", 0.6}, {"남", 0.6}, {"심", 0.5}, {"하", 0.5}, {"곽", 0.4}, {"성", 0.4}, {"차", 0.4},
    {"주", 0.4}, {"우", 0.4}, {"구", 0.4}, {"민", 0.3}, {"류", 0.3}, {"나", 0.3}, {"진", 0.3},
    {"지", 0.3}, {"엄", 0.3}, {"채", 0.3}, {"원", 0.3}, {"천", 0.2}, {"방", 0.2}, {"공", 0.2},
    {"현", 0.2}, {"함", 0.2}, {"변", 0.2}, {"염", 0.1}, {"여", 0.1}, {"추", 0.1}, {"도", 0.1},
    {"석", 0.1}, {"선", 0.1}, {"설", 0.1}, {"마", 0.1}, {"길", 0.1}, {"연", 0.1}, {"위", 0.1},
    {"표", 0.1}, {"명", 0.1}, {"기", 0.1}, {"반", 0.1}, {"왕", 0.1}, {"금", 0.1}, {"옥", 0.1},
    {"육", 0.1}, {"인", 0.1}, {"맹", 0.1}, {"제", 0.1}, {"모", 0.1}, {"탁", 0.1}, {"국", 0.1},
    {"리", 0.0}, {"로", 0.0}, {"라", 0.0}, {"림", 0.0}, {"량", 0.0}, {"렴", 0.0}, {"룡", 0.0},
    {"태", 0.0}, {"팽", 0.0}, {"편", 0.0}, {"봉", 0.0}, {"사", 0.0}, {"소", 0.0}, {"승", 0.0},
    {"어", 0.0}, {"은", 0.0}, {"용", 0.0}, {"경", 0.0}, {"계", 0.0},
};
const size_t ko_n_surnames = sizeof ko_surnames / sizeof ko_surnames[0];

const char *const ko_given_syllables[] = {
    "민", "서", "지", "현", "준", "영", "수", "진", "은", "정", "우", "혜", "성", "재", "희",
    "연", "경", "호", "상", "동", "승", "하", "예", "주", "윤", "태", "원", "석", "기", "용",
    "철", "훈", "혁", "종", "명", "선", "미", "숙", "자", "순", "옥", "한", "광", "일", "근",
    "규", "범", "찬", "빈", "도", "유", "아", "나", "다", "소", "채", "린", "율", "건", "시",
    "환", "식", "남", "국", "만", "길", "춘", "봉", "학", "열", "창", "병", "형", "효", "웅",
    "택", "세", "인", "제", "원", "혜", "란", "향", "숙", "애", "순", "화", "옥", "필", "두",
};
const size_t ko_n_given_syllables = sizeof ko_given_syllables / sizeof ko_given_syllables[0];

static uint32_t utf8_decode(const unsigned char **pp, const unsigned char *end) {
    const unsigned char *p = *pp;
    uint32_t c = *p++;
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (c >= 0x80 && c < 0xC0) { *pp = p; return 0xFFFD; }
    if (extra) c &= (0x3Fu >> extra);
    while (extra-- > 0) {
        if (p >= end || (*p & 0xC0) != 0x80) { *pp = p; return 0xFFFD; }
        c = (c << 6) | (*p++ & 0x3F);
    }
    *pp = p;
    return c;
}

static int surname_key_scan(uint16_t key) {
    for (size_t i = 0; i < ko_n_surnames; i++) {
        const unsigned char *p = (const unsigned char *)ko_surnames[i].hangul;
        ko_syl s;
        if (ko_from_codepoint(utf8_decode(&p, p + 4), &s) && ko_key_sim(ko_key(s), key) >= 1.0) return 1;
    }
    return 0;
}

int ko_key_memo(_Atomic uint8_t memo[1u << 16], uint16_t key, int (*scan)(uint16_t)) {
    uint8_t m = atomic_load_explicit(&memo[key], memory_order_relaxed);
    if (!m) {
        m = scan(key) ? 2 : 1;
        atomic_store_explicit(&memo[key], m, memory_order_relaxed);
    }
    return m == 2;
}

/* Asked for every candidate of a screening: each key's answer kept. */
int ko_is_surname_key(uint16_t key) {
    static _Atomic uint8_t memo[1u << 16];
    return ko_key_memo(memo, key, surname_key_scan);
}

/* ---- phrase keys (map test vectors) ------------------------------------ */

/* Coda jamo as the onset it becomes before a vowel (linking), and what
 * stays behind as coda: ㄺ + vowel = ㄹ coda + ㄱ onset. */
static void link_coda(uint8_t co, uint8_t *stay, uint8_t *onset) {
    /* onset jamo indices: ㄱ0 ㄲ1 ㄴ2 ㄷ3 ㄹ5 ㅁ6 ㅂ7 ㅅ9 ㅆ10 ㅇ11 ㅈ12 ㅊ14 ㅋ15 ㅌ16 ㅍ17 */
    static const uint8_t move[28] = {11, 0, 1, 9, 2, 12, 2, 3, 5, 0, 6, 7, 9, 16, 17, 5,
                                     6, 7, 9, 9, 10, 11, 12, 14, 15, 16, 17, 11};
    static const uint8_t keep[28] = {0, 0, 0, 1, 0, 4, 0, 0, 0, 8, 8, 8, 8, 8, 8, 0,
                                     0, 0, 17, 0, 0, 21, 0, 0, 0, 0, 0, 0};
    *onset = move[co];
    *stay = keep[co];
}

/* Phrase keys work on plain classes (no initial-sound law inside words,
 * r kept apart from n) and apply the standard sound changes at every
 * syllable boundary, the same way to text read from Hangul and from any
 * romanisation; then the law for the first syllable. */
typedef struct pcls {
    uint8_t on, vo, co;
} pcls;

static void boundary_phrase(pcls *k, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int front = k[i].vo == KO_V_I || k[i].vo == KO_V_YA || k[i].vo == KO_V_YE || k[i].vo == KO_V_YO;
        /* palatals: ㄷ before i/y is written as ㅈ in older texts (뎐 chŏn),
         * and ㅈ/ㅊ/ㅅ swallow a following y (쟝 chang) */
        if (k[i].on == KO_ON_D && front && k[i].vo != KO_V_I) k[i].on = KO_ON_J;
        if ((k[i].on == KO_ON_J || k[i].on == KO_ON_S) && front && k[i].vo != KO_V_I)
            k[i].vo = k[i].vo == KO_V_YA ? KO_V_A : k[i].vo == KO_V_YE ? KO_V_E : KO_V_O;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (k[i].co == KO_C_L && k[i + 1].on == KO_ON_H) { k[i].co = KO_C_NONE; k[i + 1].on = KO_ON_R; }
        uint8_t *cc = &k[i].co, *oc = &k[i + 1].on;
        if (*oc == KO_ON_H && (*cc == KO_C_K || *cc == KO_C_T || *cc == KO_C_P)) {
            *oc = *cc == KO_C_K ? KO_ON_G : *cc == KO_C_T ? KO_ON_D : KO_ON_B; /* aspiration */
            *cc = KO_C_NONE;
        }
        /* tense consonants written doubled (kk, tt, pp, ss, tch) */
        if ((*cc == KO_C_K && *oc == KO_ON_G) || (*cc == KO_C_P && *oc == KO_ON_B) ||
            (*cc == KO_C_T && (*oc == KO_ON_D || *oc == KO_ON_S || *oc == KO_ON_J)))
            *cc = KO_C_NONE;
        if (*oc == KO_ON_R) {
            if (*cc == KO_C_N || *cc == KO_C_L) *cc = KO_C_L;               /* n+r, l+r: ll */
            else if (*cc == KO_C_K) { *cc = KO_C_NG; *oc = KO_ON_N; }
            else if (*cc == KO_C_P) { *cc = KO_C_M; *oc = KO_ON_N; }
            else if (*cc == KO_C_T) { *cc = KO_C_N; *oc = KO_ON_N; }
            else if (*cc == KO_C_M || *cc == KO_C_NG) *oc = KO_ON_N;
        } else if (*oc == KO_ON_N || *oc == KO_ON_M) {
            if (*cc == KO_C_K) *cc = KO_C_NG;                               /* nasalisation */
            else if (*cc == KO_C_T) *cc = KO_C_N;
            else if (*cc == KO_C_P) *cc = KO_C_M;
            else if (*cc == KO_C_L && *oc == KO_ON_N) *oc = KO_ON_R;        /* l+n: ll */
        }
    }
}

static size_t phrase_letters(pcls *k, size_t n, char *out, size_t cap) {
    static const char on_l[] = "\0GNDRMBSJH";
    static const char vo_l[] = "?AEaeOoWVXYI";
    static const char *const co_l[] = {"", "K", "N", "T", "L", "M", "P", "NG"};
    boundary_phrase(k, n);
    if (n && (k[0].on == KO_ON_R || k[0].on == KO_ON_N)) {
        uint8_t v = k[0].vo;
        int front = v == KO_V_I || v == KO_V_YA || v == KO_V_YE || v == KO_V_YO;
        k[0].on = front ? KO_ON_NONE : KO_ON_N;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o + 5 >= cap) return (size_t)-1;
        if (k[i].on && k[i].on < 10) out[o++] = on_l[k[i].on];
        out[o++] = k[i].vo < 12 ? vo_l[k[i].vo] : '?';
        for (const char *p = co_l[k[i].co < 8 ? k[i].co : 0]; *p; p++) out[o++] = *p;
    }
    out[o] = 0;
    return o;
}

static pcls pcls_of(ko_syl s) {
    return (pcls){on_class[s.on], vo_class[s.vo], co_class[s.co]};
}

static int fold_latin(uint32_t c) {
    if (c >= 'A' && c <= 'Z') return (int)(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') return (int)c;
    switch (c) {
    case 0x14F: case 0x14E: case 0xF6: case 0xD6: case 0xF4: return 'o';
    case 0x16D: case 0x16C: case 0xFC: case 0xDC: return 'u';
    case 0xE9: case 0xE8: case 0xC9: case 0xEB: return 'e';
    case 0xE4: case 0xC4: return 'a';
    default: return 0;
    }
}

static int is_apostrophe(uint32_t c) {
    return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x2BC || c == 0x2BB || c == '`';
}

int ko_phrase_key(const char *utf8, char *out, size_t n) {
    ko_syl syl[64];
    pcls pk[64];
    size_t ns = 0;
    char word[KO_MAX_TOKEN + 1];
    size_t wl = 0;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)utf8, *end = p + strlen(utf8);
    int ok = 1, brk = 0;
    /* Walk the text: Hangul syllables and Latin letters accumulate into one
     * syllable run; digits are copied; everything else only breaks words. */
    for (;;) {
        uint32_t c = p < end ? utf8_decode(&p, end) : 0;
        ko_syl hs;
        int l = c ? fold_latin(c) : 0;
        if (l) {
            if (wl >= KO_MAX_TOKEN) return -1;
            word[wl++] = (char)l;
            continue;
        }
        if (c && (is_apostrophe(c) || (c >= 0x300 && c <= 0x36F))) continue; /* combining marks */
        if (wl) {
            size_t k = ko_parse_token(word, wl, syl + ns, 64 - ns);
            if (!k) { ok = 0; break; }
            ns += k;
            wl = 0;
        }
        if (c && ko_from_codepoint(c, &hs)) {
            if (ns >= 64) return -1;
            /* linking: a coda before a vowel-initial Hangul syllable moves,
             * unless a hyphen or space separates them */
            if (hs.on == 11 && ns > 0 && !brk && syl[ns - 1].co != 0 && syl[ns - 1].co != 21 &&
                syl[ns - 1].co != 27) {
                uint8_t stay, on;
                link_coda(syl[ns - 1].co, &stay, &on);
                syl[ns - 1].co = stay;
                hs.on = on;
            }
            syl[ns++] = hs;
            brk = 0;
            continue;
        }
        brk = 1;
        if (c >= '0' && c <= '9') {
            for (size_t i = 0; i < ns; i++) pk[i] = pcls_of(syl[i]);
            size_t w = phrase_letters(pk, ns, out + o, n - o);
            if (w == (size_t)-1) return -1;
            o += w;
            ns = 0;
            if (o + 2 >= n) return -1;
            out[o++] = (char)c;
            continue;
        }
        if (!c) break;
    }
    if (!ok) return -1;
    for (size_t i = 0; i < ns; i++) pk[i] = pcls_of(syl[i]);
    size_t w = phrase_letters(pk, ns, out + o, n - o);
    if (w == (size_t)-1) return -1;
    o += w;
    out[o] = 0;
    return o ? 0 : -1;
}
