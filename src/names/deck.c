/*
 * deck.c - the DPRK evaluation deck: spellings of listed names as other
 * documents write them, and a population of innocent names.
 *
 * Design: each listed Korean name is parsed into jamo (surname first, as
 * the UN and OFAC lists write them) and written again through every
 * romanisation system the Korean module renders - DPRK, McCune-Reischauer
 * with and without diacritics, Revised Romanization, South Korean popular
 * spellings ("Rhee Choon-hwan" for "RI, Chun Hwan") - and in Hangul, then
 * with typos, given-name-first order, joined and comma forms.  Where a
 * folded spelling hides the vowel (o may be ㅓ or ㅗ), the deck draws one
 * with a seeded generator, so both readings occur.  Innocents are South
 * Korean names drawn with the census surname shares and common given-name
 * syllables, plus names of other nationalities.  Invariant: output depends
 * only on the inputs and the seed (splitmix64, no global state).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "names/names_int.h"
#include "sanctrace/eval.h"

typedef st_rng rng;

static unsigned rng_below(rng *r, unsigned n) { return (unsigned)st_rng_below(r, n); }
static double rng_unit(rng *r) { return st_rng_unit(r); }

void st_deck_free(st_deck *d) {
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) st_free(d->items[i].name);
    st_free(d->items);
    d->items = NULL;
    d->n = 0;
}

int nm_deck_add(st_deck *d, size_t *cap, const char *name, int32_t source, const char *kind) {
    if (d->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        st_deck_item *it = st_realloc(d->items, nc * sizeof *it);
        if (!it) return ST_ENOMEM;
        d->items = it;
        *cap = nc;
    }
    char *c = st_strdup(name);
    if (!c) return ST_ENOMEM;
    d->items[d->n++] = (st_deck_item){c, source, kind};
    return ST_OK;
}

/* ---- reading a listed name -------------------------------------------- */

typedef struct kname {
    ko_syl sur;
    ko_syl given[4];
    size_t ng;
} kname;

static size_t utf8_put(uint32_t cp, char *out) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Vowels a folded spelling leaves open: draw one reading. */
static void draw_vowel(ko_syl *s, rng *r) {
    if (s->vo == 8 && rng_unit(r) < 0.5) s->vo = 4;        /* o: ㅗ or ㅓ */
    else if (s->vo == 13 && rng_unit(r) < 0.35) s->vo = 18; /* u: ㅜ or ㅡ */
    else if (s->vo == 12 && rng_unit(r) < 0.6) s->vo = 6;   /* yo: ㅛ or ㅕ */
}

/* Parse "RI, Chun Hwan", "KIM JONG UN", "Ri Pyong-chol", "리병철". */
static int read_kname(const char *name, kname *k, rng *r) {
    char words[6][48];
    size_t nw = 0, wl = 0;
    const unsigned char *p = (const unsigned char *)name;
    ko_syl hs[8];
    size_t nh = 0;
    for (;; p++) {
        unsigned c = *p;
        if (c >= 0xE0 && c < 0xF0 && p[1] && p[2]) {
            uint32_t cp = ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            ko_syl s;
            if (ko_from_codepoint(cp, &s) && nh < 8) { hs[nh++] = s; p += 2; continue; }
            return 0;
        }
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (letter) {
            if (wl + 1 >= 48) return 0;
            words[nw][wl++] = (char)(c | 0x20);
            continue;
        }
        if (c == '\'' || c == 0xE2 || c == 0x80 || c == 0x99 || c == 0x98) continue; /* apostrophes */
        if (wl) {
            words[nw][wl] = 0;
            if (++nw >= 6) return 0;
            wl = 0;
        }
        if (!c) break;
        if (c >= 0x80) return 0; /* other scripts or breves: not this reader's job */
    }
    if (nh) {
        if (nh < 2 || nh > 4 || nw) return 0;
        k->sur = hs[0];
        k->ng = nh - 1;
        memcpy(k->given, hs + 1, k->ng * sizeof hs[0]);
        return 1;
    }
    if (nw < 2 || nw > 4) return 0;
    ko_syl s[KO_MAX_SYL];
    if (ko_parse_token(words[0], strlen(words[0]), s, KO_MAX_SYL) != 1) return 0;
    if (!ko_is_surname_key(ko_key(s[0]))) return 0;
    k->sur = s[0];
    k->ng = 0;
    for (size_t i = 1; i < nw; i++) {
        size_t m = ko_parse_token(words[i], strlen(words[i]), s, KO_MAX_SYL);
        if (m == 0 || k->ng + m > 3) return 0;
        for (size_t j = 0; j < m; j++) k->given[k->ng++] = s[j];
    }
    if (k->ng == 0) return 0;
    draw_vowel(&k->sur, r);
    for (size_t i = 0; i < k->ng; i++) draw_vowel(&k->given[i], r);
    return 1;
}

/* ---- writing ------------------------------------------------------------ */

static void cap_first(char *s) {
    if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 32);
}

/* Apply the South Korean initial-sound law to a surname: 리 -> 이, 로 -> 노. */
static ko_syl south_surname(ko_syl s) {
    static const uint8_t yfront[] = {2, 3, 6, 7, 12, 17, 20}; /* ㅑㅒㅕㅖㅛㅠㅣ */
    int front = 0;
    for (size_t i = 0; i < sizeof yfront; i++) front |= s.vo == yfront[i];
    if (s.on == 5) s.on = front ? 11 : 2;
    else if (s.on == 2 && front) s.on = 11;
    return s;
}

enum { FMT_HYPHEN = 0, FMT_SPACE, FMT_JOINED, FMT_GIVEN_FIRST, FMT_COMMA, FMT_UPPER };

static void write_name(const kname *k, ko_system sys, unsigned var, int fmt, int south, char *out,
                       size_t n) {
    char sur[24], given[96] = "";
    ko_syl s = south ? south_surname(k->sur) : k->sur;
    const char *pop = sys == KO_SYS_POPULAR ? ko_popular_surname(s, var) : NULL;
    if (pop) snprintf(sur, sizeof sur, "%s", pop);
    else { ko_render(s, sys, 1, var, sur); cap_first(sur); }
    size_t gl = 0;
    for (size_t i = 0; i < k->ng; i++) {
        char syl[24];
        ko_render(k->given[i], sys, i == 0, var >> 1, syl);
        if (i == 0) cap_first(syl);
        if (i > 0 && fmt != FMT_JOINED) given[gl++] = fmt == FMT_SPACE || fmt == FMT_UPPER ? ' ' : '-';
        gl += (size_t)snprintf(given + gl, sizeof given - gl, "%s", syl);
        if (gl >= sizeof given) gl = sizeof given - 1;
    }
    if (fmt == FMT_GIVEN_FIRST) snprintf(out, n, "%s %s", given, sur);
    else if (fmt == FMT_COMMA) snprintf(out, n, "%s, %s", sur, given);
    else snprintf(out, n, "%s %s", sur, given);
    if (fmt == FMT_UPPER || fmt == FMT_COMMA)
        for (char *p = out; *p; p++)
            if (*p >= 'a' && *p <= 'z' && fmt == FMT_UPPER) *p = (char)(*p - 32);
}

static void write_hangul(const kname *k, char *out, size_t n) {
    size_t o = 0;
    if (n < 16) { out[0] = 0; return; }
    o += utf8_put(ko_to_codepoint(k->sur), out + o);
    for (size_t i = 0; i < k->ng && o + 4 < n; i++) o += utf8_put(ko_to_codepoint(k->given[i]), out + o);
    out[o] = 0;
}

/* One keyboard slip in the given name, never its first letter. */
static void add_typo(char *s, rng *r) {
    size_t l = strlen(s);
    char *sp = strchr(s, ' ');
    size_t from = sp ? (size_t)(sp - s) + 2 : 1;
    if (from + 2 >= l) return;
    size_t at = from + rng_below(r, (unsigned)(l - from - 1));
    if (s[at] == ' ' || s[at] == '-' || s[at + 1] == ' ' || s[at + 1] == '-') return;
    switch (rng_below(r, 3)) {
    case 0: { char t = s[at]; s[at] = s[at + 1]; s[at + 1] = t; break; }      /* transposition */
    case 1: memmove(s + at + 1, s + at, l - at + 1); break;                    /* doubled letter */
    default: memmove(s + at, s + at + 1, l - at); break;                        /* dropped letter */
    }
}

int st_deck_variants(const char *const *names, size_t n, uint64_t seed, st_deck *out) {
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    rng r = {seed};
    char buf[256];
    int rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        kname k;
        if (!read_kname(names[i], &k, &r)) continue;
        int32_t src = (int32_t)i;
        write_name(&k, KO_SYS_DPRK, 0, FMT_HYPHEN, 0, buf, sizeof buf);
        rc = nm_deck_add(out, &cap, buf, src, "dprk");
        write_name(&k, KO_SYS_MR, 0, FMT_HYPHEN, 0, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "mr");
        write_name(&k, KO_SYS_MR_PLAIN, 0, FMT_SPACE, 0, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "mr-plain");
        write_name(&k, KO_SYS_RR, 0, FMT_HYPHEN, 1, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "rr");
        write_name(&k, KO_SYS_POPULAR, (unsigned)rng_below(&r, 8), FMT_HYPHEN, 1, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "popular");
        write_name(&k, KO_SYS_POPULAR, (unsigned)rng_below(&r, 8), FMT_GIVEN_FIRST, 1, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "popular-given-first");
        write_hangul(&k, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "hangul");
        write_name(&k, KO_SYS_DPRK, 0, FMT_GIVEN_FIRST, 0, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "reorder");
        write_name(&k, (ko_system)rng_below(&r, 2) ? KO_SYS_RR : KO_SYS_DPRK, 0, FMT_JOINED, 0, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "joined");
        write_name(&k, KO_SYS_DPRK, 0, FMT_COMMA, 0, buf, sizeof buf);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "comma");
        write_name(&k, KO_SYS_DPRK, 0, FMT_HYPHEN, 0, buf, sizeof buf);
        add_typo(buf, &r);
        if (!rc) rc = nm_deck_add(out, &cap, buf, src, "typo");
    }
    if (rc != ST_OK) st_deck_free(out);
    return rc;
}

/* ---- innocents ------------------------------------------------------------ */

static const char *const other_first[] = {
    "James", "Maria", "Mohammed", "Ahmed", "Olga", "Sergei", "Wei", "Li", "Hiroshi", "Yuki",
    "Carlos", "Ana", "John", "Fatima", "Ivan", "Nguyen", "Thanh", "Priya", "Rahul", "Omar",
    "Elena", "Pierre", "Hans", "Chen", "Anna", "David", "Sarah", "Ali", "Yusuf", "Mei",
};
static const char *const other_last[] = {
    "Smith", "Garcia", "Hassan", "Ivanov", "Wang", "Zhang", "Tanaka", "Sato", "Rodriguez", "Silva",
    "Johnson", "Khan", "Petrov", "Tran", "Pham", "Sharma", "Patel", "Ali", "Kuznetsova", "Dubois",
    "Muller", "Liu", "Schmidt", "Brown", "Lopez", "Nakamura", "Rahman", "Hussein", "Novak", "Yilmaz",
};

static void ko_syl_of(const char *hangul, ko_syl *s) {
    const unsigned char *p = (const unsigned char *)hangul;
    uint32_t cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    ko_from_codepoint(cp, s);
}

int st_deck_innocents(size_t count, uint64_t seed, st_deck *out) {
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    rng r = {seed ^ 0x5EEDull};
    double total = 0;
    for (size_t i = 0; i < ko_n_surnames; i++) total += ko_surnames[i].pct;
    size_t n_other = count / 5, n_kr = count - n_other;
    char buf[256];
    int rc = ST_OK;
    for (size_t i = 0; i < n_kr && rc == ST_OK; i++) {
        kname k;
        double u = rng_unit(&r) * total, acc = 0;
        size_t si = 0;
        for (; si + 1 < ko_n_surnames; si++) {
            acc += ko_surnames[si].pct;
            if (u < acc) break;
        }
        ko_syl_of(ko_surnames[si].hangul, &k.sur);
        k.ng = rng_unit(&r) < 0.9 ? 2 : 1;
        for (size_t g = 0; g < k.ng; g++)
            ko_syl_of(ko_given_syllables[rng_below(&r, (unsigned)ko_n_given_syllables)], &k.given[g]);
        int fmt = (int)rng_below(&r, 6);
        int hangul = rng_below(&r, 10) == 0;
        if (hangul) write_hangul(&k, buf, sizeof buf);
        else
            write_name(&k, rng_below(&r, 2) ? KO_SYS_POPULAR : KO_SYS_RR, rng_below(&r, 8),
                       fmt == FMT_COMMA ? FMT_HYPHEN : fmt, 1, buf, sizeof buf);
        rc = nm_deck_add(out, &cap, buf, -1, "innocent-kr");
    }
    for (size_t i = 0; i < n_other && rc == ST_OK; i++) {
        snprintf(buf, sizeof buf, "%s %s", other_first[rng_below(&r, sizeof other_first / sizeof other_first[0])],
                 other_last[rng_below(&r, sizeof other_last / sizeof other_last[0])]);
        rc = nm_deck_add(out, &cap, buf, -1, "innocent-other");
    }
    if (rc != ST_OK) st_deck_free(out);
    return rc;
}

/* ---- evaluation ------------------------------------------------------------ */

static int kind_bump(json_t *per, const char *kind, int found) {
    if (!per) return 0;
    json_t *k = json_object_get(per, kind);
    if (!k) {
        k = json_pack("{s:i,s:i}", "n", 0, "found", 0);
        if (!k || json_object_set_new(per, kind, k)) return -1;
    }
    json_object_set_new(k, "n", json_integer(json_integer_value(json_object_get(k, "n")) + 1));
    if (found)
        json_object_set_new(k, "found", json_integer(json_integer_value(json_object_get(k, "found")) + 1));
    return 0;
}

int st_deck_evaluate(st_names_ctx *ctx, const char *const *names, size_t n, size_t innocents,
                     uint64_t seed, double threshold, st_deck_report *rep, json_t **per_kind) {
    memset(rep, 0, sizeof *rep);
    if (per_kind) *per_kind = json_object();
    st_name_form **lf = st_calloc(n + 1, sizeof *lf);
    st_deck var = {0}, inn = {0};
    int rc = ST_ENOMEM;
    if (!lf) goto done;
    for (size_t i = 0; i < n; i++)
        if ((rc = st_name_prepare(ctx, names[i], ST_SCHEMA_PERSON, &lf[i])) != ST_OK) goto done;
    if ((rc = st_deck_variants(names, n, seed, &var)) != ST_OK) goto done;
    if ((rc = st_deck_innocents(innocents, seed, &inn)) != ST_OK) goto done;
    for (size_t v = 0; v < var.n; v++) {
        st_name_form *q;
        if ((rc = st_name_prepare(ctx, var.items[v].name, ST_SCHEMA_PERSON, &q)) != ST_OK) goto done;
        double src = st_name_compare_forms(q, lf[var.items[v].source], ST_SCHEMA_PERSON, NULL);
        double best = 0;
        for (size_t i = 0; i < n; i++) {
            double s = st_name_compare_forms(q, lf[i], ST_SCHEMA_PERSON, NULL);
            if (s > best) best = s;
        }
        st_name_form_free(q);
        rep->variants++;
        int found = src >= threshold;
        rep->variants_found += (size_t)found;
        rep->variants_best_is_source += (size_t)(found && src >= best);
        kind_bump(per_kind ? *per_kind : NULL, var.items[v].kind, found);
    }
    for (size_t v = 0; v < inn.n; v++) {
        st_name_form *q;
        if ((rc = st_name_prepare(ctx, inn.items[v].name, ST_SCHEMA_PERSON, &q)) != ST_OK) goto done;
        int flagged = 0;
        for (size_t i = 0; i < n && !flagged; i++)
            flagged = st_name_compare_forms(q, lf[i], ST_SCHEMA_PERSON, NULL) >= threshold;
        st_name_form_free(q);
        if (!strcmp(inn.items[v].kind, "innocent-kr")) {
            rep->innocents_kr++;
            rep->innocents_kr_flagged += (size_t)flagged;
        } else {
            rep->innocents_other++;
            rep->innocents_other_flagged += (size_t)flagged;
        }
        kind_bump(per_kind ? *per_kind : NULL, inn.items[v].kind, flagged);
    }
    rep->recall = rep->variants ? (double)rep->variants_found / (double)rep->variants : 0;
    rep->fp_rate_kr = rep->innocents_kr ? (double)rep->innocents_kr_flagged / (double)rep->innocents_kr : 0;
    rep->fp_rate_other =
        rep->innocents_other ? (double)rep->innocents_other_flagged / (double)rep->innocents_other : 0;
    rc = ST_OK;
done:
    if (lf)
        for (size_t i = 0; i < n; i++) st_name_form_free(lf[i]);
    st_free(lf);
    st_deck_free(&var);
    st_deck_free(&inn);
    if (rc != ST_OK && per_kind) { json_decref(*per_kind); *per_kind = NULL; }
    return rc;
}
