/*
 * names_int.h - the inside of a prepared name, shared by the comparator,
 * the candidate index and the evaluation deck.
 *
 * Invariant: an st_name_form is one allocation (struct + strings), built
 * once by st_name_prepare and never written afterwards, so any number of
 * threads may read it.  Token strings are NUL-terminated ASCII inside
 * form->str; off/len index into it.
 */
#ifndef ST_NAMES_INT_H
#define ST_NAMES_INT_H

#include <stdint.h>

#include "names/hanja.h"
#include "names/korean.h"
#include "sanctrace/names.h"

enum nm_kind {
    NM_WORD = 0,
    NM_LEGAL,    /* legal form: ltd, llc, jsc, gmbh, ... (canonical spelling) */
    NM_TITLE,    /* honorific or rank before a person's name */
    NM_STOP,     /* particle: al, bin, de, van, of, the, and */
    NM_GENERIC,  /* common organisation word: group, holding, trading, ... */
    NM_NUMBER,   /* digits (number words are turned into digits) */
    NM_ACRONYM,  /* single letters written with dots, joined: J.P. -> jp */
};

/* NM_SOUND: a foreign name spelt in Hangul (미치 매코널), romanised by sound */
enum nm_origin { NM_LATIN = 0, NM_HANGUL, NM_HAN, NM_ABJAD, NM_OTHER, NM_SOUND };

typedef struct nm_tok {
    uint16_t off, len;     /* token text in form->str */
    uint16_t skel, sklen;  /* phonetic skeleton in form->str */
    float w;               /* weight in the score */
    uint8_t kind;          /* enum nm_kind */
    uint8_t origin;        /* enum nm_origin */
    uint8_t hyph_next;     /* written joined to the next token by a hyphen */
    uint8_t syl0, nsyl;    /* Korean syllables keys[syl0 .. syl0+nsyl) */
    uint32_t src;          /* Hangul syllable or Han character it was written in, else 0 */
    uint16_t nick[2];      /* given-name groups (nicknames.c), 0 when none */
    uint16_t zk, zklen;    /* Chinese syllable key in form->str (chinese.c), zklen 0 when none */
    uint8_t country;       /* an organisation's word of 4+ letters naming a country */
    uint8_t ko_mark;       /* NM_KO_* bits, set once by nm_ko_marks */
} nm_tok;

/* How a word reads as romanised Korean, for the repair of typing slips:
 * written as some system writes its syllables; suspect (reads as no
 * Korean, or not as a common syllable written correctly); a Latin word
 * the repair may touch at all (not a familiar given name like John). */
enum { NM_KO_WRITTEN = 1, NM_KO_SUSPECT = 2, NM_KO_MAY_REPAIR = 4,
       NM_KO_PARSED = 8 /* the word's keys are in keys[syl0..+nsyl), none when nsyl is 0 */ };
void nm_ko_marks(st_name_form *f);

/* A Korean name read with its surname at one place: the surname key and
 * the given-name syllables, with their key letters precomputed. */
typedef struct nm_kview {
    int8_t sur_tok;             /* token index of the surname */
    uint8_t ng;                 /* given-name syllables */
    uint16_t sur;               /* surname key */
    uint32_t sur_fine;          /* its Hangul code point, 0 when romanised */
    uint16_t given[KO_MAX_SYL];
    uint32_t given_fine[KO_MAX_SYL];
    char flat[40];              /* given-name key letters */
    char flat_in[40];           /* the same as sounds inside one word */
} nm_kview;

/* Korean readings of one name: surname first or last, times the readings
 * of syllables that have several (Hanja 金: 김 and 금). */
#define NM_KV_MAX 4

struct st_name_form {
    st_schema schema;
    uint8_t ntok;
    uint8_t korean;        /* every token reads as Korean syllables */
    uint8_t comma_after;   /* token index + 1 after which a comma was written, 0 none */
    uint8_t nsyl;
    uint8_t sur_first, sur_last; /* Korean: first / last token is a one-syllable surname */
    uint8_t nkv;                 /* Korean readings: surname first and/or last */
    uint8_t zh_wade;             /* a Chinese name written in Wade-Giles */
    nm_kview kv[NM_KV_MAX];
    uint16_t keys[KO_MAX_SYL * 2];
    uint32_t fine[KO_MAX_SYL * 2]; /* Hangul code point of the syllable, 0 when romanised */
    uint16_t inword[KO_MAX_SYL * 2]; /* ko_key_inword of each syllable */
    nm_tok tok[ST_NAME_MAX_TOKENS];
    const char *text;      /* normalised text, inside str */
    uint32_t strlen_;
    char str[];            /* text, then token strings and skeletons */
};

/* Token text of form f, token i. */
static inline const char *nm_tok_str(const st_name_form *f, unsigned i) {
    return f->str + f->tok[i].off;
}

/* Token similarity in [0,1] of two Latin tokens (used by the index to
 * verify candidates with the comparator's own measure). */
/* The given-name groups of a token (Bill and William share one); zeros
 * when the token is not in the table.  nm_nick_table_sorted: the table's
 * invariant, for the tests. */
void nm_nick_groups(const char *tok, uint16_t out[2]);
int nm_nick_table_sorted(void);

/* Chinese syllables (chinese.c).  nm_zh_read: 1 when the word splits
 * into pinyin syllables, 2 when only into Wade-Giles ones, 0 neither.
 * nm_zh_key: the word's key (Wade-Giles letters, the Wade-Giles reading
 * first when wade) into out, NUL-terminated; its length, 0 when the word
 * does not split or cap is too small. */
int nm_zh_read(const char *s, size_t n);
size_t nm_zh_key(const char *s, size_t n, int wade, char *out, size_t cap);
int nm_zh_tables_sorted(void);
/* A name written in Chinese characters against one written in letters that
 * all read as Chinese syllables: 1 when the syllables are the same in the
 * same order (the surname may stand last on the lettered side), 0 when not
 * (one character is one syllable: Zhang Jianchun is not Zhang Jian);
 * -1 when the pair is not of that kind. */
double nm_zh_han_score(const st_name_form *a, const st_name_form *b);

double nm_token_sim(const st_name_form *a, unsigned i, const st_name_form *b, unsigned j);

/* The schema a pair is scored as: the caller's, else the list name's,
 * else the query's, else a person when either is written "SURNAME, Given"
 * without organisation words.  One rule for screen, compare and the
 * server, so one pair scores alike everywhere. */
st_schema nm_pair_schema(const st_name_form *q, const st_name_form *l, st_schema schema);
/* Token i of f is a romanised word that may hold a typing error inside a
 * Korean syllable (reads as no Korean, or not as a common syllable
 * written as some system writes it): the index looks such words up in
 * its fuzzy vocabulary even for a Korean query. */
int nm_ko_word_suspect(const st_name_form *f, unsigned i);
/* The comparator's table of country adjectives is sorted (for the tests). */
int nm_demonyms_sorted(void);


/* A word of Cyrillic or kana read as Korean (scripts.c): its syllable
 * keys.  The normaliser tags the word's bytes NM_TAG_READING | index;
 * nm_ctx_reading returns the reading of such a tag (NULL for any other),
 * valid until the context normalises the next name. */
#define NM_TAG_READING 0x80000000u
typedef struct nm_reading {
    uint8_t n;
    uint16_t keys[NM_READ_MAX], inword[NM_READ_MAX];
} nm_reading;
const nm_reading *nm_ctx_reading(const st_names_ctx *ctx, uint32_t tag);

/* Normalise to ASCII with token separators: lower-case letters and digits,
 * ' ' between tokens, '-' where the source wrote a hyphen, ',' where it
 * wrote a comma, '.' after single letters written with a dot.  origin
 * receives one byte per output byte (enum nm_origin); tag (may be NULL)
 * the Hangul or Han code point each output byte was written for, else 0. */
int nm_normalize_raw(st_names_ctx *ctx, const char *name, char *out, uint8_t *origin,
                     uint32_t *tag, size_t n);

/* Append a copy of name to an evaluation deck (deck.c, deck_typo.c);
 * *cap is the deck's allocated length.  ST_OK or ST_ENOMEM. */
struct st_deck;
int nm_deck_add(struct st_deck *d, size_t *cap, const char *name, int32_t source, const char *kind);

#endif
