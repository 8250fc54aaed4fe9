/*
 * scripts.c - Korean names written in Chinese characters, Japanese kana and
 * Russian Cyrillic, read into the Korean module's syllable keys.
 *
 * Design: each reader turns one written word into syllable keys (korean.h)
 * and knows nothing of tokens or scores; normalize.c calls it on every word
 * of those scripts and form.c uses the keys in place of a parse of the
 * word's Latin transliteration.
 *
 * - Hanja: Unihan's kHangul readings, a sorted table generated at build
 *   time (scripts/gen_hanja.py); binary search.
 * - Kana, as Japan writes Korean names (キム・ジョンウン, チェ・リョンヘ,
 *   リ・ピョンチョル): mora by mora; ン, ム, ル, ク, プ, ッ after a mora close
 *   its syllable (codas ㅇ/ㄴ, ㅁ, ㄹ, ㄱ, ㅂ, and ッ a stop).  Kana cannot tell
 *   ㄴ from ㅇ, nor ㅔ from ㅚ (チェ is 최, 채 or 체), nor which stop ッ is:
 *   those get wildcard classes.
 * - Cyrillic, in the Kontsevich system and the older Russian habits it
 *   replaced (Ким Чен Ын, Чхве Рён Хэ, Ли Пён Чхоль, Пак Пон Чжу, Ким Ир Сен,
 *   the Koryo-saram Цой):
 *   the letters are folded to one ASCII code each, then a word is cut into
 *   [onset] vowel [coda] syllables by dynamic programming (fewest syllables,
 *   consonants between vowels as onsets), as korean.c parses Latin.  н is
 *   ㄴ or ㅇ, е is ㅓ, ㅔ, ㅕ or ㅖ: wildcards again.
 *
 * Invariant: pure functions over constant tables, safe from any thread.
 */
#include <string.h>

#include "names/hanja.h"
#include "names/korean.h"

/* ---- Hanja --------------------------------------------------------------- */

size_t nm_hanja_readings(uint32_t cp, uint32_t out[4]) {
    size_t lo = 0, hi = nm_hanja_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nm_hanja_table[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    if (lo >= nm_hanja_count || nm_hanja_table[lo].cp != cp) return 0;
    size_t n = 0;
    for (size_t i = 0; i < 4 && nm_hanja_table[lo].hangul[i]; i++) out[n++] = nm_hanja_table[lo].hangul[i];
    return n;
}

/* ---- kana ---------------------------------------------------------------- */

/* Vowel of a kana column, as key classes: a i u e o.  エ is ㅐ/ㅔ, and after
 * チ/シ/ジ also ㅚ (Japanese writes 최 チェ): the wildcard. */
enum { COL_A, COL_I, COL_U, COL_E, COL_O };
static const uint8_t col_vowel[5] = {KO_V_A, KO_V_I, KO_V_O, KO_V_X, KO_V_O};

/* One full-size katakana: its onset class and column; 0 when not one. */
static int kana_base(uint32_t c, uint8_t *on, uint8_t *col) {
    /* rows of five, U+30A2 ア .. U+30ED ロ are irregular (small kana and
     * voiced forms interleave), so list them */
    static const struct { uint32_t c; uint8_t on, col; } t[] = {
        {0x30A2, KO_ON_NONE, COL_A}, {0x30A4, KO_ON_NONE, COL_I}, {0x30A6, KO_ON_NONE, COL_U},
        {0x30A8, KO_ON_NONE, COL_E}, {0x30AA, KO_ON_NONE, COL_O},
        {0x30AB, KO_ON_G, COL_A}, {0x30AC, KO_ON_G, COL_A}, {0x30AD, KO_ON_G, COL_I}, {0x30AE, KO_ON_G, COL_I},
        {0x30AF, KO_ON_G, COL_U}, {0x30B0, KO_ON_G, COL_U}, {0x30B1, KO_ON_G, COL_E}, {0x30B2, KO_ON_G, COL_E},
        {0x30B3, KO_ON_G, COL_O}, {0x30B4, KO_ON_G, COL_O},
        {0x30B5, KO_ON_S, COL_A}, {0x30B6, KO_ON_J, COL_A}, {0x30B7, KO_ON_S, COL_I}, {0x30B8, KO_ON_J, COL_I},
        {0x30B9, KO_ON_S, COL_U}, {0x30BA, KO_ON_J, COL_U}, {0x30BB, KO_ON_S, COL_E}, {0x30BC, KO_ON_J, COL_E},
        {0x30BD, KO_ON_S, COL_O}, {0x30BE, KO_ON_J, COL_O},
        {0x30BF, KO_ON_D, COL_A}, {0x30C0, KO_ON_D, COL_A}, {0x30C1, KO_ON_J, COL_I}, {0x30C2, KO_ON_J, COL_I},
        {0x30C4, KO_ON_J, COL_U}, {0x30C5, KO_ON_J, COL_U}, {0x30C6, KO_ON_D, COL_E}, {0x30C7, KO_ON_D, COL_E},
        {0x30C8, KO_ON_D, COL_O}, {0x30C9, KO_ON_D, COL_O},
        {0x30CA, KO_ON_N, COL_A}, {0x30CB, KO_ON_N, COL_I}, {0x30CC, KO_ON_N, COL_U}, {0x30CD, KO_ON_N, COL_E},
        {0x30CE, KO_ON_N, COL_O},
        {0x30CF, KO_ON_H, COL_A}, {0x30D0, KO_ON_B, COL_A}, {0x30D1, KO_ON_B, COL_A},
        {0x30D2, KO_ON_H, COL_I}, {0x30D3, KO_ON_B, COL_I}, {0x30D4, KO_ON_B, COL_I},
        {0x30D5, KO_ON_H, COL_U}, {0x30D6, KO_ON_B, COL_U}, {0x30D7, KO_ON_B, COL_U},
        {0x30D8, KO_ON_H, COL_E}, {0x30D9, KO_ON_B, COL_E}, {0x30DA, KO_ON_B, COL_E},
        {0x30DB, KO_ON_H, COL_O}, {0x30DC, KO_ON_B, COL_O}, {0x30DD, KO_ON_B, COL_O},
        {0x30DE, KO_ON_M, COL_A}, {0x30DF, KO_ON_M, COL_I}, {0x30E0, KO_ON_M, COL_U}, {0x30E1, KO_ON_M, COL_E},
        {0x30E2, KO_ON_M, COL_O},
        {0x30E4, KO_ON_NONE, 10 + 0}, {0x30E6, KO_ON_NONE, 10 + 1}, {0x30E8, KO_ON_NONE, 10 + 2}, /* ヤユヨ */
        {0x30E9, KO_ON_R, COL_A}, {0x30EA, KO_ON_R, COL_I}, {0x30EB, KO_ON_R, COL_U}, {0x30EC, KO_ON_R, COL_E},
        {0x30ED, KO_ON_R, COL_O},
        {0x30EF, KO_ON_NONE, 20}, /* ワ */ {0x30F2, KO_ON_NONE, COL_O}, /* ヲ */ {0x30F4, KO_ON_B, COL_U},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].c == c) { *on = t[i].on; *col = t[i].col; return 1; }
    return 0;
}

/* The coda a kana closes a syllable with, 0 when it cannot. */
static uint8_t kana_coda(uint32_t c) {
    switch (c) {
    case 0x30F3: return KO_C_NX; /* ン */
    case 0x30E0: return KO_C_M;  /* ム */
    case 0x30EB: return KO_C_L;  /* ル */
    case 0x30AF: return KO_C_K;  /* ク */
    case 0x30D7: return KO_C_P;  /* プ */
    case 0x30C3: return KO_C_QX; /* ッ: the stop of the next mora (ラッキョム 락겸) */
    default: return 0;
    }
}

static int kana_small(uint32_t c) {
    return c == 0x30E3 || c == 0x30E5 || c == 0x30E7 || c == 0x30A1 || c == 0x30A3 || c == 0x30A5 ||
           c == 0x30A7 || c == 0x30A9;
}

/* Vowel of base + small kana (キョ, チェ, ファ, ウォ), or 0 when unusual. */
static uint8_t kana_glide(uint8_t on, uint8_t col, uint32_t small) {
    int y = small == 0x30E3 || small == 0x30E5 || small == 0x30E7;
    if (y) {
        if (col != COL_I) return 0;
        unsigned k = small == 0x30E3 ? 0 : small == 0x30E5 ? 1 : 2;
        /* ジョ, チュ, シャ: Korean ㅈ/ㅊ/ㅅ + ㅗ/ㅜ/ㅏ (Japanese has no plain jo) */
        if (on == KO_ON_J || on == KO_ON_S) return k == 0 ? KO_V_A : KO_V_O;
        return k == 0 ? KO_V_YA : KO_V_YO;
    }
    unsigned v = small == 0x30A1 ? COL_A : small == 0x30A3 ? COL_I : small == 0x30A5 ? COL_U
               : small == 0x30A7 ? COL_E : COL_O;
    if (col == COL_U) { /* クァ 과, ウィ 위, ウェ 외/웨, ウォ 워 */
        static const uint8_t w[5] = {KO_V_WA, KO_V_WI, KO_V_O, KO_V_WE, KO_V_WO};
        return w[v];
    }
    if (col == COL_I) { /* チェ, イェ, チャ */
        if (v == COL_E) return on == KO_ON_NONE ? KO_V_YE : KO_V_X;
        if (v == COL_A) return on == KO_ON_J || on == KO_ON_S ? KO_V_A : KO_V_YA;
        if (v == COL_I) return KO_V_I;
        return KO_V_YO;
    }
    if (col == COL_E || col == COL_O) /* ティ, トゥ */
        return v == COL_I ? KO_V_I : v == COL_U ? KO_V_O : 0;
    return 0;
}

size_t nm_kana_korean(const uint32_t *cp, size_t n, uint16_t *keys, uint16_t *inword) {
    size_t k = 0;
    int open = 0; /* the last syllable may still take a coda */
    uint8_t on = 0, vo = 0, co = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c >= 0x3041 && c <= 0x3096) c += 0x60; /* hiragana */
        if (c == 0x30FC) continue;                  /* ー long vowel */
        uint32_t nx = i + 1 < n ? cp[i + 1] : 0;
        if (nx >= 0x3041 && nx <= 0x3096) nx += 0x60;
        uint8_t cc = kana_coda(c);
        if (open && cc && !kana_small(nx)) {
            co = cc;
            open = 0;
            keys[k - 1] = ko_key_of(on, vo, co, 1);
            inword[k - 1] = ko_key_of(on, vo, co, 0);
            continue;
        }
        uint8_t col;
        if (!kana_base(c, &on, &col)) return 0;
        if (col >= 20) vo = KO_V_WA;
        else if (col >= 10) vo = col == 10 ? KO_V_YA : KO_V_YO;
        else if (col < 5) vo = col_vowel[col];
        else return 0; /* no such column */
        if (kana_small(nx)) {
            if (col >= 10 || !(vo = kana_glide(on, col, nx))) return 0;
            i++;
        }
        if (k >= NM_READ_MAX) return 0;
        co = KO_C_NONE;
        keys[k] = ko_key_of(on, vo, co, 1);
        inword[k] = ko_key_of(on, vo, co, 0);
        k++;
        open = 1;
    }
    return k;
}

/* ---- Cyrillic ------------------------------------------------------------ */

/* One ASCII code per Cyrillic letter (lower case): the tables below are
 * written in these.  ё E, ж Z, й j, ц c, ч C, ш S, щ W, ъ X, ы y, ь Y,
 * э 3, ю U, я A; the rest as their Latin look-alikes. */
static char cyr_fold(uint32_t c) {
    static const char map[] = "abvgdeZzijklmnoprstufhcCSWXyY3UA";
    if (c >= 0x0430 && c <= 0x044F) return map[c - 0x0430];
    if (c == 0x0451) return 'E';
    /* Ukrainian and Belarusian letters: і ї є ґ ў */
    if (c == 0x0456 || c == 0x0457) return 'i';
    if (c == 0x0454) return 'e';
    if (c == 0x0491) return 'g';
    if (c == 0x045E) return 'u';
    return 0;
}

typedef struct cyr_spell {
    const char *s;
    uint8_t cls, cost;
} cyr_spell;

static const cyr_spell cyr_onsets[] = {
    {"kk", KO_ON_G, 0}, {"kh", KO_ON_G, 0}, {"k", KO_ON_G, 0}, {"g", KO_ON_G, 0},
    {"n", KO_ON_N, 0}, {"tt", KO_ON_D, 0}, {"th", KO_ON_D, 0}, {"t", KO_ON_D, 0}, {"d", KO_ON_D, 0},
    {"r", KO_ON_R, 0}, {"l", KO_ON_R, 0}, {"m", KO_ON_M, 0},
    {"pp", KO_ON_B, 0}, {"ph", KO_ON_B, 0}, {"p", KO_ON_B, 0}, {"b", KO_ON_B, 0},
    {"ss", KO_ON_S, 0}, {"s", KO_ON_S, 0}, {"S", KO_ON_S, 1},
    {"CC", KO_ON_J, 0}, {"CZ", KO_ON_J, 0}, {"Ch", KO_ON_J, 0}, {"C", KO_ON_J, 0}, {"dZ", KO_ON_J, 0},
    {"dz", KO_ON_J, 1}, {"cz", KO_ON_J, 1}, {"c", KO_ON_J, 1}, {"Z", KO_ON_J, 1}, {"z", KO_ON_J, 2},
    {"h", KO_ON_H, 0}, {"f", KO_ON_B, 2},
};
static const cyr_spell cyr_vowels[] = {
    {"a", KO_V_A, 0}, {"A", KO_V_YA, 0}, {"o", KO_V_O, 0}, {"E", KO_V_YO, 0}, {"jo", KO_V_YO, 1},
    {"u", KO_V_O, 0}, {"U", KO_V_YO, 0}, {"y", KO_V_O, 0}, {"i", KO_V_I, 0}, {"3", KO_V_E, 0},
    {"e", KO_V_X, 0}, {"yj", KO_V_I, 0}, {"ij", KO_V_I, 1},
    {"va", KO_V_WA, 0}, {"vo", KO_V_WO, 0}, {"v3", KO_V_WE, 0}, {"ve", KO_V_WE, 0},
    {"vi", KO_V_WI, 0}, {"aj", KO_V_E, 2}, {"oj", KO_V_WE, 1}, /* Цой 최 */
};
static const cyr_spell cyr_codas[] = {
    {"k", KO_C_K, 0}, {"n", KO_C_NX, 0}, {"nX", KO_C_NX, 0}, {"ng", KO_C_NG, 1}, {"lY", KO_C_L, 0},
    {"l", KO_C_L, 0}, {"r", KO_C_L, 1}, {"m", KO_C_M, 0}, {"p", KO_C_P, 0}, {"t", KO_C_T, 0},
    {"s", KO_C_T, 2},
};

#define CYR_MAX 40
#define NCYR(a) (sizeof a / sizeof a[0])

static size_t cyr_match(const char *s, size_t n, size_t at, const char *p) {
    size_t l = strlen(p);
    return at + l <= n && memcmp(s + at, p, l) == 0 ? l : 0;
}

size_t nm_cyrillic_korean(const uint32_t *cp, size_t n, uint16_t *keys, uint16_t *inword) {
    char s[CYR_MAX + 1];
    size_t m = 0;
    if (n == 0 || n > CYR_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = cyr_fold(cp[i]);
        if (!c || c == 'W') return 0;
        s[m++] = c;
    }
    s[m] = 0;
    /* best[i]: least cost to read s[i..m) */
    int best[CYR_MAX + 1];
    uint8_t next[CYR_MAX + 1], pon[CYR_MAX + 1], pvo[CYR_MAX + 1], pco[CYR_MAX + 1], vstart[CYR_MAX + 1];
    const int INF = 1 << 28;
    for (size_t i = 0; i <= m; i++) best[i] = INF;
    best[m] = 0;
    vstart[m] = 0;
    for (size_t i = m; i-- > 0;) {
        for (size_t a = 0; a <= NCYR(cyr_onsets); a++) {
            size_t lo = 0;
            uint8_t on = KO_ON_NONE;
            int c0 = 0;
            if (a < NCYR(cyr_onsets)) {
                if (!(lo = cyr_match(s, m, i, cyr_onsets[a].s))) continue;
                on = cyr_onsets[a].cls;
                c0 = cyr_onsets[a].cost;
            }
            for (size_t b = 0; b < NCYR(cyr_vowels); b++) {
                size_t lv = cyr_match(s, m, i + lo, cyr_vowels[b].s);
                if (!lv) continue;
                for (size_t c = 0; c <= NCYR(cyr_codas); c++) {
                    size_t lc = 0;
                    uint8_t co = KO_C_NONE;
                    int c2 = 0;
                    if (c < NCYR(cyr_codas)) {
                        if (!(lc = cyr_match(s, m, i + lo + lv, cyr_codas[c].s))) continue;
                        co = cyr_codas[c].cls;
                        c2 = cyr_codas[c].cost;
                    }
                    size_t j = i + lo + lv + lc;
                    /* a soft or hard sign closing the word */
                    while (j < m && (s[j] == 'Y' || s[j] == 'X')) j++;
                    if (best[j] >= INF) continue;
                    int cost = 10 + c0 + cyr_vowels[b].cost + c2 + best[j];
                    /* a consonant between vowels opens the next syllable,
                     * except н: Kontsevich writes syllable by syllable and
                     * given names are full of ㅇ/ㄴ before a vowel
                     * (Чжонын 정은, Ёнок 영옥) */
                    if (lc && j < m && vstart[j]) cost += co == KO_C_NX ? -1 : 2;
                    if (cost < best[i]) {
                        best[i] = cost;
                        next[i] = (uint8_t)j;
                        pon[i] = on;
                        pvo[i] = cyr_vowels[b].cls;
                        pco[i] = co;
                        vstart[i] = a == NCYR(cyr_onsets);
                    }
                }
            }
        }
    }
    if (best[0] >= INF) return 0;
    size_t k = 0;
    for (size_t i = 0; i < m; i = next[i]) {
        if (k >= NM_READ_MAX) return 0;
        keys[k] = ko_key_of(pon[i], pvo[i], pco[i], 1);
        inword[k] = ko_key_of(pon[i], pvo[i], pco[i], 0);
        k++;
    }
    return k;
}
