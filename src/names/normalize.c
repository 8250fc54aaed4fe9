/*
 * normalize.c - Unicode names to comparable ASCII, with ICU.
 *
 * Design: NFKC with case folding first (full-width letters, ligatures and
 * case all fold), then the text is cut into script runs.  Hangul runs are
 * romanised here by the Korean module (syllable by syllable, surname split
 * from the given name), never by ICU's generic Korean transliterator, so a
 * Hangul name and its romanised forms reach the same syllable keys.  Every
 * other run goes through ICU's "Any-Latin; Latin-ASCII" (Cyrillic, Greek,
 * Arabic, Han as pinyin, kana, ...), which also strips diacritics.  The
 * result is lower-case ASCII letters and digits with one separator byte
 * between tokens.  Words of Cyrillic and kana are also read as Korean
 * (scripts.c): the reading is kept in the context and the word's bytes are
 * tagged with its index, so form.c can use Korean keys for a word whose
 * ASCII (Kim Chen Yn, kimu jon'un) no longer spells them.  Invariant: the transliterator belongs to one
 * st_names_ctx and so to one thread; nothing here is global.
 */
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "core/alloc.h"
#include "names/hanja.h"
#include "names/korean.h"
#include "names/names_int.h"

#define NM_U16_MAX (ST_NAME_MAX_BYTES + 16)

struct st_names_ctx {
    UTransliterator *trans;
    const UNormalizer2 *nfkc_cf;
    UChar a[NM_U16_MAX * 2], b[NM_U16_MAX * 4];
    char run8[NM_U16_MAX * 8];
    nm_reading reads[ST_NAME_MAX_TOKENS]; /* Korean readings of the last name's words */
    size_t nreads;
};

const nm_reading *nm_ctx_reading(const st_names_ctx *ctx, uint32_t tag) {
    if (!(tag & NM_TAG_READING)) return NULL;
    uint32_t i = tag & ~NM_TAG_READING;
    return i < ctx->nreads ? &ctx->reads[i] : NULL;
}

int st_names_ctx_new(st_names_ctx **out, st_error *err) {
    *out = NULL;
    st_names_ctx *c = st_calloc(1, sizeof *c);
    if (!c) return st_error_set(err, ST_ENOMEM, "out of memory creating a name context");
    /* the transliterator is opened on the first non-ASCII run (trans_get):
     * opening it loads ICU's whole transliterator registry, tens of
     * milliseconds that a run of Latin names never needs */
    UErrorCode st = U_ZERO_ERROR;
    c->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) {
        st_free(c);
        return st_error_set(err, ST_EINVAL, "ICU NFKC_Casefold: %s", u_errorName(st));
    }
    *out = c;
    return ST_OK;
}

/* The context's Any-Latin transliterator, opened on first use; NULL when
 * ICU cannot open it (the run is then left out, as on a failed call). */
static UTransliterator *trans_get(st_names_ctx *ctx) {
    if (!ctx->trans) {
        UErrorCode st = U_ZERO_ERROR;
        UChar id[64];
        u_uastrcpy(id, "Any-Latin; Latin-ASCII");
        ctx->trans = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
        if (U_FAILURE(st)) ctx->trans = NULL;
    }
    return ctx->trans;
}

void st_names_ctx_free(st_names_ctx *ctx) {
    if (!ctx) return;
    if (ctx->trans) utrans_close(ctx->trans);
    st_free(ctx);
}

static int origin_of_script(UScriptCode sc) {
    switch (sc) {
    case USCRIPT_HANGUL: return NM_HANGUL;
    case USCRIPT_HAN: return NM_HAN;
    case USCRIPT_ARABIC: case USCRIPT_HEBREW: case USCRIPT_SYRIAC: case USCRIPT_THAANA:
        return NM_ABJAD;
    case USCRIPT_LATIN: case USCRIPT_COMMON: case USCRIPT_INHERITED: return NM_LATIN;
    default: return NM_OTHER;
    }
}

/* Output writer: ASCII with one separator between tokens. */
typedef struct nm_out {
    char *p;
    uint8_t *origin;
    uint32_t *tag;  /* per byte: source code point of Hangul/Han, else 0 */
    uint32_t cur_tag;
    size_t n, len;
    char pend;      /* pending separator: 0, ' ', '-', ',', '.' */
    int truncated;
    int glue;       /* a word read as Korean: its transliteration stays one token */
} nm_out;

static void out_sep(nm_out *o, char s) {
    if (o->len == 0 || o->glue) return;
    /* strongest separator wins: comma > space > dot > hyphen; a dot only
     * survives when nothing but a hyphen follows it (J.-C.) */
    char c = o->pend;
    if (!c) c = s;
    else if (c == ',' || s == ',') c = ',';
    else if (c == ' ' || s == ' ') c = ' ';
    else if (c == '.' || s == '.') c = '.';
    else c = '-';
    o->pend = c;
}

static void out_char(nm_out *o, char ch, uint8_t origin) {
    if (o->pend) {
        if (o->len + 2 >= o->n) { o->truncated = 1; return; }
        o->p[o->len] = o->pend;
        if (o->tag) o->tag[o->len] = 0;
        o->origin[o->len++] = origin;
        o->pend = 0;
    }
    if (o->len + 1 >= o->n) { o->truncated = 1; return; }
    o->p[o->len] = ch;
    if (o->tag) o->tag[o->len] = o->cur_tag;
    o->origin[o->len++] = origin;
}

/* Feed UTF-8 (already transliterated) text into the writer. */
static void out_text(nm_out *o, const char *s, uint8_t origin) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p++;
        if (c >= 'A' && c <= 'Z') out_char(o, (char)(c - 'A' + 'a'), origin);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out_char(o, (char)c, origin);
        else if (c == '\'' || c == '`') continue;
        else if (c == 0xE2 && p[0] == 0x80 && (p[1] == 0x98 || p[1] == 0x99)) p += 2; /* ‘ ’ */
        else if (c == 0xCA && (p[0] == 0xBC || p[0] == 0xBB || p[0] == 0xB9)) p += 1;  /* ʼ ʻ ʹ */
        else if (c == '-') out_sep(o, '-');
        else if (c == ',' || c == ';' || c == '/') out_sep(o, ',');
        else if (c == '.') out_sep(o, '.');
        else if (c == '&') { out_sep(o, ' '); out_char(o, 'a', origin); out_char(o, 'n', origin); out_char(o, 'd', origin); out_sep(o, ' '); }
        else {
            /* any other byte (space, punctuation, what ICU left non-ASCII) */
            if (c >= 0x80) while ((*p & 0xC0) == 0x80) p++;
            out_sep(o, ' ');
        }
    }
}

static int is_compound_surname(uint32_t a, uint32_t b) {
    static const uint32_t pairs[][2] = {
        {0xB0A8, 0xAD81}, /* 남궁 */ {0xC120, 0xC6B0}, /* 선우 */ {0xC81C, 0xAC08}, /* 제갈 */
        {0xD669, 0xBCF4}, /* 황보 */ {0xB3C5, 0xACE0}, /* 독고 */ {0xC0AC, 0xACF5}, /* 사공 */
        {0xC11C, 0xBB38}, /* 서문 */ {0xB3D9, 0xBC29}, /* 동방 */
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][0] == a && pairs[i][1] == b) return 1;
    return 0;
}

/* 1 when syllable cp is a common Korean surname. */
static int hangul_surname(uint32_t cp) {
    ko_syl s;
    return ko_from_codepoint(cp, &s) && ko_is_surname_key(ko_key(s));
}

/* 1 when the Hangul words of a name do not have a Korean name's shape, so
 * they spell a foreign name by sound (미치 매코널, 블라디미르 푸틴): a word of
 * five syllables or more, more than five in all, or several words none of
 * which, first or last, is a surname (one syllable, or a compound one); a
 * lone word of three syllables or more that does not open with a surname. */
static int hangul_foreign(const UChar *b, int32_t lb) {
    size_t nw = 0, total = 0, n = 0;
    uint32_t c0 = 0, c1 = 0;
    int first_sur = 0, last_sur = 0, lone = 0;
    for (int32_t i = 0; i <= lb;) {
        UChar32 c = 0;
        if (i < lb) U16_NEXT(b, i, lb, c);
        else i++;
        if (c >= 0xAC00 && c <= 0xD7A3) {
            if (n == 0) c0 = (uint32_t)c;
            if (n == 1) c1 = (uint32_t)c;
            n++;
            continue;
        }
        if (n == 0) continue;
        if (n >= 5) return 1;
        int sur = (n == 1 && hangul_surname(c0)) || (n == 2 && is_compound_surname(c0, c1));
        if (nw == 0) first_sur = sur;
        last_sur = sur;
        lone = n >= 3 && !hangul_surname(c0) && !(n >= 3 && is_compound_surname(c0, c1));
        total += n;
        nw++;
        n = 0;
    }
    if (nw == 0) return 0;
    if (total > 5) return 1;
    if (nw == 1) return lone;
    return !first_sur && !last_sur;
}

/* A Hangul word of a foreign name: its syllables in Revised Romanization,
 * joined, compared by sound on the token path (not as Korean syllables). */
static void out_hangul_foreign(nm_out *o, const uint32_t *cp, size_t n) {
    out_sep(o, ' ');
    for (size_t i = 0; i < n; i++) {
        ko_syl s;
        char buf[16];
        if (!ko_from_codepoint(cp[i], &s)) continue;
        ko_render(s, KO_SYS_RR, i == 0, 0, buf);
        for (char *q = buf; *q; q++) out_char(o, *q, NM_SOUND);
    }
    out_sep(o, ' ');
}

/* A run of Hangul syllables (one word): surname, space, given name with
 * its syllables hyphen-joined, each in Revised Romanization. */
static void out_hangul_word(nm_out *o, const uint32_t *cp, size_t n) {
    size_t sur = 0;
    if (n >= 2 && n <= 4) sur = (n >= 3 && is_compound_surname(cp[0], cp[1])) ? 2 : 1;
    for (size_t i = 0; i < n; i++) {
        ko_syl s;
        char buf[16];
        if (!ko_from_codepoint(cp[i], &s)) continue;
        if (i > 0) out_sep(o, (sur && i == sur) ? ' ' : '-');
        ko_render(s, KO_SYS_RR, i == 0 || i == sur, 0, buf);
        o->cur_tag = cp[i];
        for (char *q = buf; *q; q++) out_char(o, *q, NM_HANGUL);
        o->cur_tag = 0;
    }
    out_sep(o, ' ');
}

/* Transliterate b[start..end) with ICU and feed the writer. */
static void out_icu(st_names_ctx *ctx, nm_out *o, int32_t start, int32_t end, uint8_t org) {
    UChar run[NM_U16_MAX * 2];
    int32_t rl = end - start;
    if (rl > NM_U16_MAX) rl = NM_U16_MAX;
    /* Plain ASCII (most list names) is already what the transliterator
     * would produce: skip it, it is the costliest step of preparing a name. */
    int32_t a = 0;
    while (a < rl && ctx->b[start + a] < 0x80) a++;
    if (a == rl) {
        for (int32_t k = 0; k < rl; k++) ctx->run8[k] = (char)ctx->b[start + k];
        ctx->run8[rl] = 0;
        out_text(o, ctx->run8, org);
        return;
    }
    memcpy(run, ctx->b + start, (size_t)rl * sizeof(UChar));
    int32_t limit = rl;
    UErrorCode te = U_ZERO_ERROR;
    UTransliterator *tr = trans_get(ctx);
    if (tr) utrans_transUChars(tr, run, &rl, NM_U16_MAX * 2, 0, &limit, &te);
    else te = U_MISSING_RESOURCE_ERROR;
    if (U_FAILURE(te)) rl = 0;
    te = U_ZERO_ERROR;
    int32_t l8 = 0;
    u_strToUTF8WithSub(ctx->run8, (int32_t)sizeof ctx->run8 - 1, &l8, run, rl, 0xFFFD, NULL, &te);
    if (U_FAILURE(te)) l8 = 0;
    ctx->run8[l8] = 0;
    out_text(o, ctx->run8, org);
}

/* Korean-reading scripts: 1 Cyrillic, 2 kana (ー counts as kana). */
static int reading_script(UChar32 c) {
    if (c == 0x30FC) return 2;
    UErrorCode se = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &se);
    if (sc == USCRIPT_CYRILLIC) return 1;
    if (sc == USCRIPT_KATAKANA || sc == USCRIPT_HIRAGANA) return 2;
    return 0;
}

/* A run of another script, word by word: each word of Cyrillic or kana
 * that reads as Korean gets its reading tagged on its bytes. */
static void out_words(st_names_ctx *ctx, nm_out *o, int32_t start, int32_t end, uint8_t org) {
    int32_t q = start;
    while (q < end) {
        UChar32 d;
        int32_t k = q;
        U16_NEXT(ctx->b, k, end, d);
        int rs = reading_script(d);
        if (!rs) {
            int32_t e = k;
            while (e < end) {
                int32_t e2 = e;
                U16_NEXT(ctx->b, e2, end, d);
                if (reading_script(d)) break;
                e = e2;
            }
            out_icu(ctx, o, q, e, org);
            q = e;
            continue;
        }
        uint32_t cps[NM_READ_MAX * 8];
        size_t n = 0;
        int32_t e = q;
        while (e < end) {
            int32_t e2 = e;
            U16_NEXT(ctx->b, e2, end, d);
            if (reading_script(d) != rs) break;
            if (n < sizeof cps / sizeof cps[0]) cps[n] = (uint32_t)d;
            n++;
            e = e2;
        }
        if (ctx->nreads < ST_NAME_MAX_TOKENS && n <= sizeof cps / sizeof cps[0]) {
            nm_reading *r = &ctx->reads[ctx->nreads];
            r->n = (uint8_t)(rs == 1 ? nm_cyrillic_korean(cps, n, r->keys, r->inword)
                                     : nm_kana_korean(cps, n, r->keys, r->inword));
            if (r->n) o->cur_tag = NM_TAG_READING | (uint32_t)ctx->nreads++;
        }
        out_sep(o, ' ');
        o->glue = o->cur_tag != 0;
        out_icu(ctx, o, q, e, org);
        o->glue = 0;
        out_sep(o, ' ');
        o->cur_tag = 0;
        q = e;
    }
}

int nm_normalize_raw(st_names_ctx *ctx, const char *name, char *out, uint8_t *origin,
                     uint32_t *tag, size_t n) {
    nm_out o = {out, origin, tag, 0, n, 0, 0, 0, 0};
    if (n == 0) return ST_ELIMIT;
    out[0] = 0;
    ctx->nreads = 0;
    size_t in_len = strnlen(name, ST_NAME_MAX_BYTES);
    UErrorCode st = U_ZERO_ERROR;
    int32_t la = 0;
    u_strFromUTF8WithSub(ctx->a, NM_U16_MAX, &la, name, (int32_t)in_len, 0xFFFD, NULL, &st);
    if (U_FAILURE(st) && st != U_BUFFER_OVERFLOW_ERROR) return ST_EINVAL;
    if (la > NM_U16_MAX) la = NM_U16_MAX;
    st = U_ZERO_ERROR;
    int32_t lb = unorm2_normalize(ctx->nfkc_cf, ctx->a, la, ctx->b, NM_U16_MAX * 4, &st);
    if (U_FAILURE(st)) return ST_EINVAL;

    int foreign = hangul_foreign(ctx->b, lb);
    /* Walk script runs. */
    int32_t i = 0;
    int cur = NM_LATIN;
    while (i < lb) {
        UChar32 c;
        int32_t start = i;
        U16_NEXT(ctx->b, i, lb, c);
        UErrorCode se = U_ZERO_ERROR;
        int org = origin_of_script(uscript_getScript(c, &se));
        if (org == NM_HANGUL) {
            uint32_t cps[64];
            size_t ncp = 0;
            int32_t j = start;
            while (j < lb) {
                UChar32 d;
                int32_t k = j;
                U16_NEXT(ctx->b, k, lb, d);
                if (d < 0xAC00 || d > 0xD7A3) break;
                if (ncp < 64) cps[ncp++] = (uint32_t)d;
                j = k;
            }
            if (ncp == 0) { out_sep(&o, ' '); continue; } /* stray jamo */
            if (foreign) out_hangul_foreign(&o, cps, ncp);
            else out_hangul_word(&o, cps, ncp);
            i = j;
            cur = NM_LATIN;
            continue;
        }
        /* Extend the run while the script class stays the same; common
         * characters (spaces, punctuation) join the run they are in. */
        int32_t j = i;
        int run_org = org == NM_LATIN ? cur : org;
        if (org != NM_LATIN) run_org = org;
        while (j < lb) {
            UChar32 d;
            int32_t k = j;
            U16_NEXT(ctx->b, k, lb, d);
            UErrorCode se2 = U_ZERO_ERROR;
            UScriptCode sc = uscript_getScript(d, &se2);
            int og = origin_of_script(sc);
            if (og == NM_HANGUL) break;
            if (sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED && og != run_org &&
                !(og == NM_LATIN && run_org == NM_LATIN))
                break;
            j = k;
        }
        if (run_org == NM_HAN) {
            /* one Han character is one syllable of a name: keep each
             * separate and remember which character it was */
            int32_t q = start;
            while (q < j) {
                UChar32 d;
                int32_t k = q;
                U16_NEXT(ctx->b, k, j, d);
                UErrorCode se3 = U_ZERO_ERROR;
                int han = uscript_getScript(d, &se3) == USCRIPT_HAN;
                if (han) { out_sep(&o, ' '); o.cur_tag = (uint32_t)d; }
                out_icu(ctx, &o, q, k, NM_HAN);
                if (han) { o.cur_tag = 0; out_sep(&o, ' '); }
                q = k;
            }
        } else if (run_org == NM_OTHER) {
            out_words(ctx, &o, start, j, (uint8_t)run_org);
        } else {
            out_icu(ctx, &o, start, j, (uint8_t)run_org);
        }
        cur = run_org;
        i = j;
    }
    out[o.len] = 0;
    return o.truncated ? ST_ELIMIT : ST_OK;
}

int st_name_normalize(st_names_ctx *ctx, const char *name, char *out, size_t n) {
    uint8_t origin[ST_NAME_MAX_BYTES * 2];
    char raw[ST_NAME_MAX_BYTES * 2];
    int rc = nm_normalize_raw(ctx, name, raw, origin, NULL, sizeof raw);
    size_t o = 0;
    for (size_t i = 0; raw[i]; i++) {
        char c = raw[i];
        if (c == '-' || c == ',' || c == '.') c = ' ';
        if (o + 1 >= n) { out[o] = 0; return ST_ELIMIT; }
        out[o++] = c;
    }
    out[o] = 0;
    return rc == ST_EINVAL ? rc : ST_OK;
}
