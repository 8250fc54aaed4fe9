/*
 * hanja.h - Korean readings of names written in other scripts: Hanja
 * (Chinese characters as Koreans read them), Japanese katakana and Russian
 * Cyrillic renderings of Korean names.
 *
 * Design: each script is read into the Korean module's syllable keys, so
 * 金正恩, キム・ジョンウン, Ким Чен Ын, 김정은 and Kim Jong Un meet on the
 * same keys.  Hanja readings come from Unihan's kHangul, compiled into the
 * library by scripts/gen_hanja.py (build/<mode>/gen/hanja_table.c); kana
 * and Cyrillic are parsed by the tables in scripts.c.  Where a script
 * cannot tell two Korean sounds apart (katakana and Cyrillic write the
 * codas ㄴ and ㅇ alike; Russian е stands for ㅓ, ㅔ or ㅕ) the key carries a
 * wildcard class (korean.h) instead of a guess.  Invariant: constant tables
 * and pure functions only.
 */
#ifndef ST_NAMES_HANJA_H
#define ST_NAMES_HANJA_H

#include <stddef.h>
#include <stdint.h>

/* One character and its Hangul readings (code points, 0-padded). */
typedef struct nm_hanja_entry {
    uint32_t cp;
    uint16_t hangul[4];
} nm_hanja_entry;

/* The generated table, sorted by cp. */
extern const nm_hanja_entry nm_hanja_table[];
extern const size_t nm_hanja_count;

/* Readings of Hanja cp: the number written to out (0 when cp has none). */
size_t nm_hanja_readings(uint32_t cp, uint32_t out[4]);

/* Most syllables one written word may hold for the readers below. */
#define NM_READ_MAX 8

/* Read one word of katakana / hiragana (nm_kana_korean) or Cyrillic
 * (nm_cyrillic_korean), code points cp[0..n), as Korean syllables: fills
 * keys[] with ko_key-style keys (wildcards allowed) and inword[] with the
 * same without the initial-sound law; returns the number of syllables,
 * 0 when the word does not read as Korean. */
size_t nm_kana_korean(const uint32_t *cp, size_t n, uint16_t *keys, uint16_t *inword);
size_t nm_cyrillic_korean(const uint32_t *cp, size_t n, uint16_t *keys, uint16_t *inword);

#endif
