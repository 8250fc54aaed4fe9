/*
 * korean.h - Korean syllables: Hangul decomposition, parsing of romanised
 * syllables in every common system, and a key per syllable that is the
 * same whichever system wrote it.
 *
 * Design: a syllable is held as its jamo (onset, vowel, coda indices in
 * Unicode's Hangul order), whatever it was read from.  Its key folds the
 * jamo into classes that no romanisation keeps apart: plain, tense and
 * aspirated consonants (k/g/kk/k'), the vowels that stripped
 * McCune-Reischauer and South Korean popular spellings confuse
 * (o/eo/u/eu: Jong/Jeong/Jung), and the initial-sound law that turns
 * 리 into 이 (Ri/Yi/Lee).  The tables below were written by reading the
 * interscript maps in ../shared/data/romanization (kp-2002, mr-1939,
 * moct-2000 (RR), bgnpcgn-kn-1945, odni-2015) and South Korean passport
 * spellings; tests/unit/test_korean.c checks them against those maps' own
 * test vectors at test time.
 */
#ifndef ST_NAMES_KOREAN_H
#define ST_NAMES_KOREAN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define KO_MAX_SYL 12

/* One syllable as jamo indices: onset 0..18, vowel 0..20, coda 0..27
 * (the Unicode composition order: 0xAC00 + (on*21 + vo)*28 + co). */
typedef struct ko_syl {
    uint8_t on, vo, co;
} ko_syl;

/* Key classes. */
enum { KO_ON_NONE = 0, KO_ON_G, KO_ON_N, KO_ON_D, KO_ON_R, KO_ON_M, KO_ON_B, KO_ON_S, KO_ON_J, KO_ON_H };
enum { KO_V_A = 1, KO_V_E, KO_V_YA, KO_V_YE, KO_V_O, KO_V_YO, KO_V_WA, KO_V_WO, KO_V_WE, KO_V_WI, KO_V_I };
enum { KO_C_NONE = 0, KO_C_K, KO_C_N, KO_C_T, KO_C_L, KO_C_M, KO_C_P, KO_C_NG };
/* Wildcard classes, for scripts that write two Korean sounds alike (never
 * produced from Hangul or Latin): a coda ㄴ or ㅇ (katakana ン, Cyrillic н),
 * a vowel ㅓ, ㅔ, ㅕ, ㅖ or ㅚ (Russian е, katakana エ: チェ is 최, 채 or 체).  ko_key_sim counts a wildcard equal to
 * each class it covers; ko_key_letters writes it as N, K and O. */
enum { KO_C_NX = 8, KO_C_QX = 9 /* ㄱ, ㄷ or ㅂ: kana ッ before a stop */ };
enum { KO_V_X = 12 };

/* Key of one syllable: onset class << 8 | vowel class << 4 | coda class,
 * after the initial-sound law.  Never 0 for a real syllable. */
uint16_t ko_key(ko_syl s);
/* The same classes without the initial-sound law and with r read as n:
 * what a syllable sounds like inside a word, where the law does not apply
 * ("Chunil" = chun-il = chu-nil).  Used to compare given names written
 * joined against the same name written in parts. */
uint16_t ko_key_inword(ko_syl s);
/* Key from classes (the KO_ON_, KO_V_, KO_C_ values, wildcards allowed);
 * law = 1 applies the initial-sound law as ko_key does, 0 gives the
 * in-word key of ko_key_inword. */
uint16_t ko_key_of(unsigned onset, unsigned vowel, unsigned coda, int law);
/* Similarity of two keys in [0,1]: 1 equal, partial credit when only one
 * of onset/vowel/coda differs. */
double ko_key_sim(uint16_t a, uint16_t b);
/* Append the key's letters to out (at most 4 chars + NUL); returns length.
 * A coda "ng" is written "NG" and an onset g as "G", so the letters of a
 * syllable sequence do not depend on where the syllable breaks fall
 * (jong-un and jon-gun spell the same). */
size_t ko_key_letters(uint16_t k, char *out);

/* Parse the ASCII lower-case token s[0..n) as romanised Korean syllables.
 * Returns the number of syllables (1..max) written to out, 0 when the token
 * does not read fully as Korean. */
size_t ko_parse_token(const char *s, size_t n, ko_syl *out, size_t max);

/* Decompose a precomposed Hangul syllable (U+AC00..U+D7A3). 0 if not one. */
int ko_from_codepoint(uint32_t cp, ko_syl *out);
uint32_t ko_to_codepoint(ko_syl s);
/* A Hangul syllable's code point with the initial-sound law applied
 * (리 -> 이, 로 -> 노, 림 -> 임): written Hangul and Hanja readings compare
 * exactly but not across North and South Korean spelling.  Other code
 * points are returned as they are. */
uint32_t ko_fine(uint32_t cp);

/* Romanisation systems the renderer writes. */
typedef enum ko_system {
    KO_SYS_DPRK = 0,     /* DPRK 2002 as the UN list writes it (no diacritics) */
    KO_SYS_MR,           /* McCune-Reischauer with breves and apostrophes (UTF-8) */
    KO_SYS_MR_PLAIN,     /* McCune-Reischauer without diacritics */
    KO_SYS_RR,           /* Revised Romanization (2000) */
    KO_SYS_POPULAR,      /* South Korean popular/passport spellings */
    KO_SYS_COUNT
} ko_system;

/* Write syllable s in system sys into out (NUL-terminated, at most 16 bytes
 * incl. NUL); first = 1 for the first syllable of a word. variant picks
 * among a system's accepted spellings (popular: Jung/Jeong...). */
size_t ko_render(ko_syl s, ko_system sys, int first, unsigned variant, char *out);
/* Popular spelling of a surname syllable (Lee, Park, Choi...), NULL when the
 * syllable has none beyond the generic rules.  variant picks among several. */
const char *ko_popular_surname(ko_syl s, unsigned variant);

/* 1 when key is the key of a common Korean surname. */
int ko_is_surname_key(uint16_t key);
/* A yes/no answer that depends on a syllable key alone, kept per key once
 * scan gave it (memo: zeroed static storage; 0 not yet, 1 no, 2 yes;
 * threads that race store the same value). */
int ko_key_memo(_Atomic uint8_t memo[1u << 16], uint16_t key, int (*scan)(uint16_t));

/* Surname table for generators: Hangul syllable and share of the South
 * Korean population in percent (2015 census, rounded). */
typedef struct ko_surname {
    const char *hangul;
    double pct;
} ko_surname;
extern const ko_surname ko_surnames[];
extern const size_t ko_n_surnames;
/* Given-name syllables common in South Korea (Hangul, UTF-8). */
extern const char *const ko_given_syllables[];
extern const size_t ko_n_given_syllables;

/* Key of a whole word or phrase for the map test vectors: Hangul text gets
 * the standard sound changes (nasalisation, liquidisation, linking);
 * romanised text is parsed.  Spaces, hyphens and apostrophes are ignored.
 * Writes the key letters to out[n]; returns 0 on success, -1 when the
 * text does not read as Korean or out is too small. */
int ko_phrase_key(const char *utf8, char *out, size_t n);

#endif
