/*
 * entity.c - the listed-party model: construction, de-duplicating adders,
 * partial dates and country codes.
 *
 * Design: an entity is a bag of small arrays that parsers fill as they
 * meet facts in any order, so every adder copies its argument and ignores
 * what is already there (same value; for names the stronger kind wins).
 * Arrays grow geometrically; a failed allocation leaves the entity exactly
 * as it was, so a parser may report ST_ENOMEM and free the entity safely.
 */
#include "sanctrace/entity.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "lists/countries.h"

/* Make room for element n of *arr (element size sz) holding n elements.
 * Capacity is implicit: 4, 8, 16, ... so it is not stored. */
static int ent_grow(void **arr, size_t n, size_t sz) {
    if (n != 0 && (n < 4 || (n & (n - 1)) != 0)) return ST_OK;
    size_t want = n == 0 ? 4 : n * 2;
    void *p = st_realloc(*arr, want * sz);
    if (!p) return ST_ENOMEM;
    *arr = p;
    return ST_OK;
}

int st_entity_new(st_entity **out, const char *id, const char *source, st_schema schema) {
    st_entity *e = st_calloc(1, sizeof *e);
    if (!e) return ST_ENOMEM;
    e->id = st_strdup(id ? id : "");
    e->source = st_strdup(source ? source : "");
    if (!e->id || !e->source) {
        st_entity_free(e);
        return ST_ENOMEM;
    }
    e->schema = schema;
    *out = e;
    return ST_OK;
}

void st_entity_free(st_entity *e) {
    if (!e) return;
    for (size_t i = 0; i < e->n_names; i++) st_free(e->names[i].value);
    for (size_t i = 0; i < e->n_birth_places; i++) st_free(e->birth_places[i]);
    for (size_t i = 0; i < e->n_idents; i++) {
        st_free(e->idents[i].type);
        st_free(e->idents[i].value);
    }
    for (size_t i = 0; i < e->n_addresses; i++) st_free(e->addresses[i]);
    for (size_t i = 0; i < e->n_wallets; i++) {
        st_free(e->wallets[i].chain);
        st_free(e->wallets[i].address);
    }
    for (size_t i = 0; i < e->n_programs; i++) st_free(e->programs[i]);
    for (size_t i = 0; i < e->n_props; i++) {
        st_free(e->props[i].key);
        st_free(e->props[i].value);
    }
    st_free(e->names);
    st_free(e->birth_dates);
    st_free(e->birth_places);
    st_free(e->nationalities);
    st_free(e->countries);
    st_free(e->idents);
    st_free(e->addresses);
    st_free(e->wallets);
    st_free(e->programs);
    st_free(e->props);
    st_free(e->id);
    st_free(e->caption);
    st_free(e->gender);
    st_free(e->listed_on);
    st_free(e->source);
    st_free(e->remarks);
    st_free(e);
}

int st_entity_set(char **field, const char *value) {
    char *v = NULL;
    if (value && !(v = st_strdup(value))) return ST_ENOMEM;
    st_free(*field);
    *field = v;
    return ST_OK;
}

/* Copy value without surrounding blanks; NULL result with *empty set when
 * nothing is left. */
static char *ent_trimdup(const char *s, int *empty) {
    *empty = 0;
    if (!s) { *empty = 1; return NULL; }
    while (*s && isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (!n) { *empty = 1; return NULL; }
    return st_strndup(s, n);
}

/* Decode one UTF-8 code point at *p (advancing it); invalid bytes give
 * U+FFFD and advance one byte. */
static unsigned ent_utf8_next(const unsigned char **p) {
    const unsigned char *s = *p;
    unsigned c = s[0];
    int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0) { *p = s + 1; return 0xFFFD; }
    if (n == 0) { *p = s + 1; return c; }
    unsigned cp = c & (0x3F >> n);
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) { *p = s + 1; return 0xFFFD; }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *p = s + n + 1;
    return cp;
}

static const char *ent_script_of(unsigned cp) {
    if (cp < 0x80) return isalpha((int)cp) ? "Latn" : NULL;
    if (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) return "Latn";
    if (cp >= 0x1E00 && cp <= 0x1EFF) return "Latn";
    if (cp >= 0x370 && cp <= 0x3FF) return "Grek";
    if (cp >= 0x400 && cp <= 0x52F) return "Cyrl";
    if (cp >= 0x530 && cp <= 0x58F) return "Armn";
    if (cp >= 0x590 && cp <= 0x5FF) return "Hebr";
    if ((cp >= 0x600 && cp <= 0x6FF) || (cp >= 0x750 && cp <= 0x77F) || (cp >= 0xFB50 && cp <= 0xFEFF)) return "Arab";
    if (cp >= 0xE00 && cp <= 0xE7F) return "Thai";
    if (cp >= 0x10A0 && cp <= 0x10FF) return "Geor";
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0xAC00 && cp <= 0xD7A3)) return "Hang";
    if ((cp >= 0x3040 && cp <= 0x30FF)) return "Kana";
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0xF900 && cp <= 0xFAFF)) return "Hani";
    return NULL;
}

void st_detect_script(const char *s, char out[8]) {
    static const char *const scripts[] = {"Latn", "Grek", "Cyrl", "Armn", "Hebr", "Arab",
                                          "Thai", "Geor", "Hang", "Kana", "Hani"};
    size_t count[sizeof scripts / sizeof scripts[0]] = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const char *sc = ent_script_of(ent_utf8_next(&p));
        if (!sc) continue;
        for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
            if (scripts[i] == sc) { count[i]++; break; }
    }
    size_t best = 0, bi = 0;
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
        if (count[i] > best) { best = count[i]; bi = i; }
    /* Korean text mixing Hangul and Hanja counts as Korean */
    if (best && scripts[bi] == scripts[10] && count[8]) bi = 8;
    memcpy(out, best ? scripts[bi] : "Zyyy", 5);
}

/* Lower number = stronger: a later, stronger kind of the same name wins. */
static int ent_kind_rank(st_name_kind k) {
    switch (k) {
    case ST_NAME_PRIMARY: return 0;
    case ST_NAME_ALIAS: return 1;
    case ST_NAME_FORMER: return 2;
    default: return 3;
    }
}

int st_entity_add_name(st_entity *e, const char *value, st_name_kind kind) {
    int empty;
    char *v = ent_trimdup(value, &empty);
    if (empty) return ST_OK;
    if (!v) return ST_ENOMEM;
    for (size_t i = 0; i < e->n_names; i++) {
        if (strcmp(e->names[i].value, v) != 0) continue;
        if (ent_kind_rank(kind) < ent_kind_rank(e->names[i].kind)) e->names[i].kind = kind;
        st_free(v);
        if (kind == ST_NAME_PRIMARY && !e->caption) return st_entity_set(&e->caption, e->names[i].value);
        return ST_OK;
    }
    if (kind == ST_NAME_PRIMARY && !e->caption && st_entity_set(&e->caption, v) != ST_OK) {
        st_free(v);
        return ST_ENOMEM;
    }
    if (ent_grow((void **)&e->names, e->n_names, sizeof *e->names) != ST_OK) {
        st_free(v);
        return ST_ENOMEM;
    }
    st_ent_name *n = &e->names[e->n_names++];
    n->value = v;
    n->kind = kind;
    st_detect_script(v, n->script);
    return ST_OK;
}

int st_entity_add_birth_date(st_entity *e, st_pdate d) {
    if (d.year <= 0) return ST_EINVAL;
    if (d.year_to < d.year) d.year_to = d.year;
    for (size_t i = 0; i < e->n_birth_dates; i++) {
        const st_pdate *o = &e->birth_dates[i];
        if (o->year == d.year && o->year_to == d.year_to && o->month == d.month &&
            o->day == d.day && o->circa == d.circa)
            return ST_OK;
    }
    if (ent_grow((void **)&e->birth_dates, e->n_birth_dates, sizeof *e->birth_dates) != ST_OK)
        return ST_ENOMEM;
    e->birth_dates[e->n_birth_dates++] = d;
    return ST_OK;
}

/* Add a trimmed copy of s to a string array unless present. */
static int ent_add_str(char ***arr, size_t *n, const char *s) {
    int empty;
    char *v = ent_trimdup(s, &empty);
    if (empty) return ST_OK;
    if (!v) return ST_ENOMEM;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i], v) == 0) { st_free(v); return ST_OK; }
    if (ent_grow((void **)arr, *n, sizeof **arr) != ST_OK) { st_free(v); return ST_ENOMEM; }
    (*arr)[(*n)++] = v;
    return ST_OK;
}

int st_entity_add_birth_place(st_entity *e, const char *place) {
    return ent_add_str(&e->birth_places, &e->n_birth_places, place);
}

int st_entity_add_address(st_entity *e, const char *address) {
    return ent_add_str(&e->addresses, &e->n_addresses, address);
}

int st_entity_add_program(st_entity *e, const char *program) {
    return ent_add_str(&e->programs, &e->n_programs, program);
}

static int ent_valid_iso2(const char *c) {
    return c && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) && c[2] == 0;
}

static int ent_add_code(char (**arr)[3], size_t *n, const char *iso2) {
    if (!ent_valid_iso2(iso2)) return ST_EINVAL;
    for (size_t i = 0; i < *n; i++)
        if (memcmp((*arr)[i], iso2, 3) == 0) return ST_OK;
    if (ent_grow((void **)arr, *n, sizeof **arr) != ST_OK) return ST_ENOMEM;
    memcpy((*arr)[(*n)++], iso2, 3);
    return ST_OK;
}

int st_entity_add_nationality(st_entity *e, const char *iso2) {
    return ent_add_code(&e->nationalities, &e->n_nationalities, iso2);
}

int st_entity_add_country(st_entity *e, const char *iso2) {
    return ent_add_code(&e->countries, &e->n_countries, iso2);
}

int st_entity_add_ident(st_entity *e, const char *type, const char *value, const char *iso2) {
    int empty;
    char *v = ent_trimdup(value, &empty);
    if (empty) return ST_OK;
    if (!v) return ST_ENOMEM;
    const char *t = type && *type ? type : "other";
    const char *c = ent_valid_iso2(iso2) ? iso2 : "";
    for (size_t i = 0; i < e->n_idents; i++) {
        st_ent_ident *o = &e->idents[i];
        if (strcmp(o->type, t) != 0 || strcmp(o->value, v) != 0) continue;
        if (!o->country[0] && c[0]) memcpy(o->country, c, 3); /* learn the issuer */
        if (o->country[0] && c[0] && strcmp(o->country, c) != 0) continue;
        st_free(v);
        return ST_OK;
    }
    char *tt = st_strdup(t);
    if (!tt || ent_grow((void **)&e->idents, e->n_idents, sizeof *e->idents) != ST_OK) {
        st_free(tt);
        st_free(v);
        return ST_ENOMEM;
    }
    st_ent_ident *id = &e->idents[e->n_idents++];
    id->type = tt;
    id->value = v;
    memcpy(id->country, c, strlen(c) + 1);
    return ST_OK;
}

int st_entity_add_wallet(st_entity *e, const char *chain, const char *address) {
    int empty;
    char *a = ent_trimdup(address, &empty);
    if (empty) return ST_OK;
    if (!a) return ST_ENOMEM;
    char *c = st_strdup(chain && *chain ? chain : "");
    if (!c) { st_free(a); return ST_ENOMEM; }
    for (char *p = c; *p; p++) *p = (char)toupper((unsigned char)*p);
    for (size_t i = 0; i < e->n_wallets; i++) {
        if (strcmp(e->wallets[i].chain, c) == 0 && strcmp(e->wallets[i].address, a) == 0) {
            st_free(a);
            st_free(c);
            return ST_OK;
        }
    }
    if (ent_grow((void **)&e->wallets, e->n_wallets, sizeof *e->wallets) != ST_OK) {
        st_free(a);
        st_free(c);
        return ST_ENOMEM;
    }
    e->wallets[e->n_wallets].chain = c;
    e->wallets[e->n_wallets].address = a;
    e->n_wallets++;
    return ST_OK;
}

int st_entity_add_prop(st_entity *e, const char *key, const char *value) {
    int empty;
    char *v = ent_trimdup(value, &empty);
    if (empty || !key || !*key) { st_free(v); return ST_OK; }
    if (!v) return ST_ENOMEM;
    for (size_t i = 0; i < e->n_props; i++)
        if (strcmp(e->props[i].key, key) == 0 && strcmp(e->props[i].value, v) == 0) {
            st_free(v);
            return ST_OK;
        }
    char *k = st_strdup(key);
    if (!k || ent_grow((void **)&e->props, e->n_props, sizeof *e->props) != ST_OK) {
        st_free(k);
        st_free(v);
        return ST_ENOMEM;
    }
    e->props[e->n_props].key = k;
    e->props[e->n_props].value = v;
    e->n_props++;
    return ST_OK;
}

int st_entity_append_remarks(st_entity *e, const char *text) {
    int empty;
    char *t = ent_trimdup(text, &empty);
    if (empty) return ST_OK;
    if (!t) return ST_ENOMEM;
    if (!e->remarks) { e->remarks = t; return ST_OK; }
    size_t a = strlen(e->remarks), b = strlen(t);
    char *r = st_malloc(a + b + 3);
    if (!r) { st_free(t); return ST_ENOMEM; }
    memcpy(r, e->remarks, a);
    memcpy(r + a, "; ", 2);
    memcpy(r + a + 2, t, b + 1);
    st_free(t);
    st_free(e->remarks);
    e->remarks = r;
    return ST_OK;
}

static const char *const schema_names[] = {"LegalEntity", "Person", "Organization", "Company",
                                           "Vessel", "Aircraft", "CryptoWallet"};

const char *st_schema_name(st_schema s) {
    if ((unsigned)s >= sizeof schema_names / sizeof schema_names[0]) return "LegalEntity";
    return schema_names[s];
}

st_schema st_schema_parse(const char *s) {
    if (!s) return ST_SCHEMA_UNKNOWN;
    for (size_t i = 0; i < sizeof schema_names / sizeof schema_names[0]; i++)
        if (strcasecmp(s, schema_names[i]) == 0) return (st_schema)i;
    if (strcasecmp(s, "Airplane") == 0) return ST_SCHEMA_AIRCRAFT; /* FtM */
    if (strcasecmp(s, "Individual") == 0) return ST_SCHEMA_PERSON;
    if (strcasecmp(s, "Entity") == 0) return ST_SCHEMA_ORGANIZATION;
    if (strcasecmp(s, "Wallet") == 0) return ST_SCHEMA_CRYPTOWALLET;
    return ST_SCHEMA_UNKNOWN;
}

const char *st_name_kind_name(st_name_kind k) {
    switch (k) {
    case ST_NAME_PRIMARY: return "primary";
    case ST_NAME_ALIAS: return "alias";
    case ST_NAME_WEAK: return "weak";
    case ST_NAME_FORMER: return "former";
    }
    return "alias";
}

int st_name_kind_parse(const char *s, st_name_kind *k) {
    static const st_name_kind all[] = {ST_NAME_PRIMARY, ST_NAME_ALIAS, ST_NAME_WEAK, ST_NAME_FORMER};
    for (size_t i = 0; i < 4; i++)
        if (s && strcmp(s, st_name_kind_name(all[i])) == 0) { *k = all[i]; return ST_OK; }
    return ST_EINVAL;
}

/* ---- partial dates ---- */

static int date_month(const char *w, size_t n) {
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    static const char *const full[] = {"january", "february", "march", "april", "may", "june",
                                       "july", "august", "september", "october", "november", "december"};
    char low[16];
    if (n < 3 || n >= sizeof low) return 0;
    for (size_t i = 0; i < n; i++) low[i] = (char)tolower((unsigned char)w[i]);
    low[n] = 0;
    for (int m = 0; m < 12; m++) {
        if (strcmp(low, full[m]) == 0) return m + 1;
        if (memcmp(low, months[m], 3) == 0 && (n == 3 || (n == 4 && low[3] == 't' && m == 8)))
            return m + 1; /* "Sep", "Sept" */
    }
    return 0;
}

typedef struct date_part {
    int year, month, day;
} date_part;

static int date_year_ok(long y) { return y >= 1800 && y <= 2100; }

static int date_days_ok(int y, int m, int d) {
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 0;
    return 1;
}

int st_pdate_parse(const char *s, st_pdate *d) {
    date_part part[2] = {{0, 0, 0}, {0, 0, 0}};
    int np = 0, circa = 0, pend_day = 0;
    if (!s) return ST_EPARSE;
    const char *p = s;
    while (*p) {
        if (!isalnum((unsigned char)*p)) {
            /* a dash between two bare years is a range: "1960-1962" */
            p++;
            continue;
        }
        const char *w = p;
        while (isalnum((unsigned char)*p)) p++;
        size_t n = (size_t)(p - w);
        date_part *cur = &part[np];
        if (isdigit((unsigned char)*w)) {
            int all_digits = 1;
            for (size_t i = 0; i < n; i++) all_digits &= isdigit((unsigned char)w[i]) != 0;
            if (!all_digits) continue;
            long v = strtol(w, NULL, 10);
            if (n == 4) {
                /* ISO "1965-03-01" / "1965-03" */
                if (!date_year_ok(v)) return ST_EPARSE; /* Hijri and other calendars */
                if (cur->year) {
                    if (np == 1) break;
                    np = 1;
                    cur = &part[1];
                }
                cur->year = (int)v;
                if (*p == '-' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
                    !isdigit((unsigned char)p[3])) {
                    int m = (p[1] - '0') * 10 + (p[2] - '0');
                    if (m >= 1 && m <= 12) {
                        cur->month = m;
                        p += 3;
                        if (*p == '-' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
                            !isdigit((unsigned char)p[3])) {
                            int dd = (p[1] - '0') * 10 + (p[2] - '0');
                            if (date_days_ok((int)v, m, dd)) cur->day = dd;
                            p += 3;
                        }
                    }
                }
                if (pend_day && cur->month && date_days_ok(cur->year, cur->month, pend_day) && !cur->day)
                    cur->day = pend_day;
                pend_day = 0;
            } else if (n <= 2 && v >= 1 && v <= 31) {
                pend_day = (int)v;
            }
        } else {
            int m = date_month(w, n);
            char low[16] = {0};
            for (size_t i = 0; i < n && i < sizeof low - 1; i++) low[i] = (char)tolower((unsigned char)w[i]);
            if (m) {
                if (cur->year || cur->month) {
                    if (np == 1) break;
                    np = 1;
                    cur = &part[1];
                }
                cur->month = m;
                if (pend_day) cur->day = pend_day;
                pend_day = 0;
            } else if (!strcmp(low, "circa") || !strcmp(low, "ca") || !strcmp(low, "c") ||
                       !strcmp(low, "approximately") || !strcmp(low, "approx") || !strcmp(low, "about")) {
                circa = 1;
            } else if (!strcmp(low, "to") || !strcmp(low, "and") || !strcmp(low, "or")) {
                if (part[0].year || part[0].month) np = 1;
            }
        }
    }
    if (!part[0].year && !part[1].year) return ST_EPARSE;
    memset(d, 0, sizeof *d);
    if (!part[0].year) { /* "Between Aug. and Sep. 1977" */
        d->year = d->year_to = (int16_t)part[1].year;
        if (part[0].month == part[1].month) d->month = (int8_t)part[1].month;
    } else {
        d->year = (int16_t)part[0].year;
        d->year_to = (int16_t)(part[1].year > part[0].year ? part[1].year : part[0].year);
        if (d->year_to == d->year && (!part[1].year || (part[1].month == part[0].month &&
                                                          part[1].day == part[0].day))) {
            d->month = (int8_t)part[0].month;
            d->day = (int8_t)(part[0].month ? part[0].day : 0);
        }
    }
    if (d->day && !date_days_ok(d->year, d->month, d->day)) d->day = 0;
    d->circa = (uint8_t)circa;
    return ST_OK;
}

const char *st_pdate_format(const st_pdate *d, char *out, size_t n) {
    if (d->year_to > d->year) snprintf(out, n, "%04d/%04d", d->year, d->year_to);
    else if (d->month && d->day) snprintf(out, n, "%04d-%02d-%02d", d->year, d->month, d->day);
    else if (d->month) snprintf(out, n, "%04d-%02d", d->year, d->month);
    else snprintf(out, n, "%04d", d->year);
    return out;
}

/* ---- countries ---- */

/* U+00C0..U+017F to the ASCII letter they decompose to, 0 when none
 * (the same folding the generator applies with NFKD). */
static const char latin_fold[] =
    "AAAAAA\0CEEEEIIII\0NOOOOO\0\0UUUUY\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y"
    "AaAaAaCcCcCcCcDd\0\0EeEeEeEeEeGgGgGgGgHh\0\0IiIiIiIiI\0\0\0JjKk\0LlLlLl\0\0\0\0NnNnNn\0\0\0OoOoOo\0\0"
    "RrRrRrSsSsSsSsTtTt\0\0UuUuUuUuUuUuWwYyYZzZzZz\0";

/* Fold s into a lower-case ASCII alnum key; returns key length. */
static size_t country_fold(const char *s, size_t n, char *out, size_t cap) {
    size_t k = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end && k + 1 < cap) {
        unsigned cp = ent_utf8_next(&p);
        char c = 0;
        if (cp < 0x80) c = isalnum((int)cp) ? (char)tolower((int)cp) : 0;
        else if (cp >= 0xC0 && cp < 0x180 && cp - 0xC0 < sizeof latin_fold - 1)
            c = (char)tolower((unsigned char)latin_fold[cp - 0xC0]);
        if (c) out[k++] = c;
    }
    out[k] = 0;
    return k;
}

static const char *country_lookup_key(const char *key) {
    size_t lo = 0, hi = st_country_nkeys;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(st_country_keys[mid].key, key);
        if (c == 0) return st_country_keys[mid].iso2;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static const char *country_lookup(const char *s, size_t n) {
    char key[128];
    if (!country_fold(s, n, key, sizeof key)) return NULL;
    const char *r = country_lookup_key(key);
    if (!r && strncmp(key, "the", 3) == 0) r = country_lookup_key(key + 3);
    return r;
}

int st_country_code(const char *s, char out[3]) {
    if (!s) return ST_ENOTFOUND;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    if (n > 200) return ST_ENOTFOUND;
    const char *r = country_lookup(s, n);
    if (!r) {
        /* "Iran (Islamic Republic of)": try without the parenthesis */
        const char *paren = strchr(s, '(');
        if (paren && paren > s) r = country_lookup(s, (size_t)(paren - s));
    }
    if (!r) {
        /* "Congo, Democratic Republic of the": try "Democratic Republic of the Congo" */
        const char *comma = strchr(s, ',');
        if (comma && !strchr(comma + 1, ',')) {
            char inv[256];
            int k = snprintf(inv, sizeof inv, "%s %.*s", comma + 1, (int)(comma - s), s);
            if (k > 0 && (size_t)k < sizeof inv) r = country_lookup(inv, (size_t)k);
        }
    }
    if (!r) return ST_ENOTFOUND;
    memcpy(out, r, 3);
    return ST_OK;
}

const char *st_country_name(const char *iso2) {
    if (!iso2) return NULL;
    char up[3] = {(char)toupper((unsigned char)iso2[0]), 0, 0};
    if (!iso2[0] || !iso2[1] || iso2[2]) return NULL;
    up[1] = (char)toupper((unsigned char)iso2[1]);
    size_t lo = 0, hi = st_country_nrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(st_country_rows[mid].iso2, up);
        if (c == 0) return st_country_rows[mid].name;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const char *st_country_iso3(const char *iso2) {
    const char *name = st_country_name(iso2);
    if (!name) return NULL;
    for (size_t i = 0; i < st_country_nrows; i++)
        if (st_country_rows[i].name == name) return st_country_rows[i].iso3;
    return NULL;
}
