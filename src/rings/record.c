/*
 * record.c - the record table: one applicant row, normalised, becomes an
 * rg_rec plus a sorted slice of interned value ids.
 *
 * Design: values are interned once per (kind, normalised text) in one hash
 * map, so linking later compares integers, and counting how many records
 * share a value is a pass over an integer array.  Strings live in an arena
 * freed with the context.  Invariant: a record's value slice is sorted and
 * free of repeats, so two records' shared values are found by one merge.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "rings/rings_int.h"
#include "sanctrace/names.h"

const char *const rg_col_names[RG_NCOLS] = {
    "id", "name", "email", "phone", "phone_type", "address", "country", "nationality",
    "birth_date", "employer", "education", "ip", "device_id", "payment_account",
    "shipping_address", "photo_hash", "resume_text", "timezone", "login_hours_utc"};

const char *const rg_kind_names[RG_NKINDS] = {
    "payment_account", "device_id", "phone", "email", "shipping_address", "photo", "resume",
    "ip_block", "employer", "school", "address", "name", "birth_date",
    "ip_range", "payout_family", "shipping_class", "hours_pattern"};

int rg_col_find(const char *name) {
    while (isspace((unsigned char)*name)) name++;
    size_t l = strlen(name);
    while (l && isspace((unsigned char)name[l - 1])) l--;
    for (int i = 0; i < RG_NCOLS; i++)
        if (strlen(rg_col_names[i]) == l && strncasecmp(rg_col_names[i], name, l) == 0) return i;
    return -1;
}

/* ---- arena and vectors ------------------------------------------------- */

#define ARENA_BLOCK (1u << 20)

const char *rg_arena_dup(rg_arena *a, const char *s, size_t n) {
    if (n + 1 > ARENA_BLOCK / 4) { /* big strings get their own block */
        if (a->nblocks == a->cap) {
            size_t nc = a->cap ? a->cap * 2 : 16;
            char **nb = st_realloc(a->blocks, nc * sizeof *nb);
            if (!nb) return NULL;
            a->blocks = nb;
            a->cap = nc;
        }
        char *b = st_malloc(n + 1);
        if (!b) return NULL;
        memcpy(b, s, n);
        b[n] = 0;
        /* keep the current block last so small strings keep filling it */
        if (a->nblocks) {
            a->blocks[a->nblocks] = a->blocks[a->nblocks - 1];
            a->blocks[a->nblocks - 1] = b;
        } else {
            a->blocks[0] = b;
            a->used = a->size = 0;
        }
        a->nblocks++;
        return b;
    }
    if (a->nblocks == 0 || a->used + n + 1 > a->size) {
        if (a->nblocks == a->cap) {
            size_t nc = a->cap ? a->cap * 2 : 16;
            char **nb = st_realloc(a->blocks, nc * sizeof *nb);
            if (!nb) return NULL;
            a->blocks = nb;
            a->cap = nc;
        }
        char *b = st_malloc(ARENA_BLOCK);
        if (!b) return NULL;
        a->blocks[a->nblocks++] = b;
        a->used = 0;
        a->size = ARENA_BLOCK;
    }
    char *d = a->blocks[a->nblocks - 1] + a->used;
    memcpy(d, s, n);
    d[n] = 0;
    a->used += n + 1;
    return d;
}

void rg_arena_free(rg_arena *a) {
    for (size_t i = 0; i < a->nblocks; i++) st_free(a->blocks[i]);
    st_free(a->blocks);
    memset(a, 0, sizeof *a);
}

int rg_vec_reserve(rg_vec *v, size_t n) {
    if (n <= v->cap) return ST_OK;
    size_t nc = v->cap ? v->cap : 64;
    while (nc < n) nc *= 2;
    void *d = st_realloc(v->data, nc * v->item);
    if (!d) return ST_ENOMEM;
    v->data = d;
    v->cap = nc;
    return ST_OK;
}

int rg_vec_push(rg_vec *v, const void *item) {
    if (v->len == v->cap && rg_vec_reserve(v, v->len + 1) != ST_OK) return ST_ENOMEM;
    memcpy((char *)v->data + v->len * v->item, item, v->item);
    v->len++;
    return ST_OK;
}

void rg_vec_free(rg_vec *v) {
    st_free(v->data);
    v->data = NULL;
    v->len = v->cap = 0;
}

/* ---- names ------------------------------------------------------------- */

/* Latin letters, lower case, hyphens and apostrophes joined ("Jong-un" ->
 * "jongun"), tokens sorted so "Kim Jong Un" = "Jong Un Kim". */
static size_t name_key_ascii(const char *in, char *out, size_t n) {
    char buf[256];
    char *tok[16];
    size_t nt = 0, j = 0;
    int space = 1;
    for (; *in && j + 1 < sizeof buf; in++) {
        unsigned char c = (unsigned char)*in;
        if (isalpha(c)) {
            if (space) {
                if (nt == 16) break;
                if (j) buf[j++] = 0;
                tok[nt++] = buf + j;
            }
            buf[j++] = (char)tolower(c);
            space = 0;
        } else if (c == '-' || c == '\'' || c == '.') {
            continue;
        } else space = 1;
    }
    buf[j] = 0;
    if (nt == 0) { if (n) out[0] = 0; return 0; }
    for (size_t i = 1; i < nt; i++) /* insertion sort: few tokens */
        for (size_t k = i; k > 0 && strcmp(tok[k - 1], tok[k]) > 0; k--) {
            char *t = tok[k]; tok[k] = tok[k - 1]; tok[k - 1] = t;
        }
    size_t o = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t l = strlen(tok[i]);
        if (o + l + 2 > n) break;
        if (o) out[o++] = ' ';
        memcpy(out + o, tok[i], l);
        o += l;
    }
    out[o] = 0;
    return o;
}

/* Names go through the screening engine's normaliser (NFKC, case folding,
 * transliteration of Hangul, Han, Cyrillic..., diacritics removed), then
 * into the order-free key above.  The normaliser's context is opened on
 * the first name and owned by the rings context. */
size_t rg_name_key(st_rings *r, const char *in, char *out, size_t n) {
    if (!r) return name_key_ascii(in, out, n);
    if (!r->names) {
        st_error err;
        if (st_names_ctx_new(&r->names, &err) != ST_OK) { r->names = NULL; return name_key_ascii(in, out, n); }
    }
    char norm[ST_NAME_MAX_BYTES * 2];
    if (st_name_normalize(r->names, in, norm, sizeof norm) == ST_ENOMEM) return name_key_ascii(in, out, n);
    return name_key_ascii(norm, out, n);
}


/* ---- one record -------------------------------------------------------- */

/* Split a field at ';' into at most RG_MAX_VALUES trimmed values in buf. */
static size_t split_values(const char *s, char *buf, size_t bufn, const char *vals[RG_MAX_VALUES]) {
    size_t nv = 0, j = 0;
    if (!s) return 0;
    while (*s && nv < RG_MAX_VALUES) {
        while (*s == ' ' || *s == '\t') s++;
        const char *e = strchr(s, ';');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        size_t t = l;
        while (t && (s[t - 1] == ' ' || s[t - 1] == '\t')) t--;
        if (t && j + t + 1 <= bufn) {
            memcpy(buf + j, s, t);
            buf[j + t] = 0;
            vals[nv++] = buf + j;
            j += t + 1;
        }
        if (!e) break;
        s = e + 1;
    }
    return nv;
}

static int intern(st_rings *r, int kind, const char *text, size_t len, uint32_t *id) {
    char key[1100];
    if (len == 0 || len + 1 > sizeof key) return 0;
    key[0] = (char)('a' + kind);
    memcpy(key + 1, text, len);
    /* room for a new value first: a map entry must never name a value
     * that failed to be added */
    if (rg_vec_reserve(&r->values, r->values.len + 1) != ST_OK) return ST_ENOMEM;
    int created = 0;
    uint64_t *slot = st_map_slot(r->vmap, key, len + 1, r->values.len, &created);
    if (!slot) return ST_ENOMEM;
    if (created) {
        rg_value v = {(uint8_t)kind, 0, NULL, (uint32_t)len};
        if (rg_vec_push(&r->values, &v) != ST_OK) return ST_ENOMEM;
    }
    *id = (uint32_t)*slot;
    return 1;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = RG_VAL_ID(*(const uint32_t *)a), y = RG_VAL_ID(*(const uint32_t *)b);
    return x < y ? -1 : x > y;
}

static int reject(st_error *err, const char *src, long line, const char *id, const char *fmt,
                  const char *what) {
    st_error_clear(err);
    st_error_at(err, ST_EPARSE, src, line, -1, fmt, what);
    if (id) snprintf(err->record, sizeof err->record, "%.95s", id);
    return ST_EPARSE;
}

static const char *voip_words[] = {"voip", "virtual", "internet", "non-fixed", "nonfixed", "google voice", NULL};

/* One row on its way in: what validation found, then the record being
 * built and the value ids it links to. */
typedef struct row_ctx {
    st_rings *r;
    const char *f[RG_NCOLS];
    const char *src, *id;
    long line;
    st_error *err;
    char idb[256];
    uint64_t photos[RG_MAX_VALUES][4];
    size_t nphotos;
    rg_rec rec;
    uint32_t ids[12 * RG_MAX_VALUES + 8];
    size_t nid;
    char *vb;                     /* split values of the field at hand */
    const char *vv[RG_MAX_VALUES];
    char norm[1100];
} row_ctx;

#define DUP(s, n) rg_arena_dup(&x->r->arena, (s), (n))

/* Field sizes, the id and the record limit. */
static int row_check_fields(row_ctx *x) {
    for (int i = 0; i < RG_NCOLS; i++)
        if (strlen(x->f[i]) > RG_MAX_FIELD)
            return reject(x->err, x->src, x->line, NULL, "field %s longer than 64 KiB", rg_col_names[i]);
    if (strlen(x->f[RG_C_ID]) >= sizeof x->idb)
        return reject(x->err, x->src, x->line, NULL, "%s longer than 255 bytes", "id");
    size_t il = 0;
    for (const char *p = x->f[RG_C_ID]; *p && il + 1 < sizeof x->idb; p++) x->idb[il++] = *p;
    while (il && isspace((unsigned char)x->idb[il - 1])) il--;
    x->idb[il] = 0;
    x->id = x->idb;
    while (isspace((unsigned char)*x->id)) x->id++;
    if (!*x->id) return reject(x->err, x->src, x->line, NULL, "record has no %s", "id");
    if (x->r->recs.len >= RG_MAX_RECORDS)
        return reject(x->err, x->src, x->line, x->id, "more than %s records", "20 million");
    return ST_OK;
}

/* login_hours_utc: "1;2", "1,2,3", "[1, 2]", ranges "22-6" wrapping past midnight. */
static int row_check_hours(row_ctx *x) {
    size_t nv = split_values(x->f[RG_C_HOURS], x->vb, RG_MAX_FIELD, x->vv);
    for (size_t i = 0; i < nv; i++) {
        const char *s = x->vv[i];
        while (*s) {
            while (*s && !isdigit((unsigned char)*s) && *s != '-') {
                if (!strchr(" ,[]\t", *s)) goto bad;
                s++;
            }
            if (!*s) break;
            char *e;
            long h = strtol(s, &e, 10), h2;
            if (e == s || h < 0 || h > 23) goto bad;
            h2 = h;
            if (*e == '-' && isdigit((unsigned char)e[1])) {
                h2 = strtol(e + 1, &e, 10);
                if (h2 < 0 || h2 > 23) goto bad;
            }
            for (long k = h;; k = (k + 1) % 24) {
                x->rec.hours |= 1u << k;
                if (k == h2) break;
            }
            s = e;
            continue;
        bad:
            return reject(x->err, x->src, x->line, x->id, "login_hours_utc: '%s' is not an hour 0-23", x->vv[i]);
        }
    }
    return ST_OK;
}

/* photo_hash: every value 64 hex digits, kept aside until the row is taken. */
static int row_check_photos(row_ctx *x) {
    size_t nv = split_values(x->f[RG_C_PHOTO], x->vb, RG_MAX_FIELD, x->vv);
    for (size_t i = 0; i < nv; i++)
        if (!rg_norm_pdq(x->vv[i], x->photos[x->nphotos++]))
            return reject(x->err, x->src, x->line, x->id, "photo_hash: '%.80s' is not 64 hex digits", x->vv[i]);
    return ST_OK;
}

/* Add value (kind, norm[l]) to the row's links; <0 on failure. */
static int row_value(row_ctx *x, int kind, size_t l, uint32_t extra) {
    if (x->nid >= sizeof x->ids / sizeof x->ids[0]) return ST_OK;
    int k = intern(x->r, kind, x->norm, l, &x->ids[x->nid]);
    if (k < 0) return k;
    if (k) x->ids[x->nid++] |= extra;
    return ST_OK;
}

/* Name, birth date, countries, time zone. */
static int row_identity(row_ctx *x) {
    rg_rec *rec = &x->rec;
    rec->id = DUP(x->id, strlen(x->id));
    const char *nm = split_values(x->f[RG_C_NAME], x->vb, RG_MAX_FIELD, x->vv) ? x->vv[0] : "";
    rec->name = DUP(nm, strlen(nm));
    size_t nk = rg_name_key(x->r, nm, x->norm, sizeof x->norm);
    rec->name_key = DUP(x->norm, nk);
    size_t dl = rg_norm_date(x->f[RG_C_BIRTH_DATE], x->norm, sizeof x->norm);
    rec->dob = DUP(x->norm, dl);
    rg_country(x->f[RG_C_COUNTRY], rec->country);
    rg_country(x->f[RG_C_NATIONALITY], rec->nationality);
    size_t nv = split_values(x->f[RG_C_TIMEZONE], x->vb, RG_MAX_FIELD, x->vv);
    rec->timezone = DUP(nv ? x->vv[0] : "", nv ? strlen(x->vv[0]) : 0);
    if (!rec->id || !rec->name || !rec->name_key || !rec->dob || !rec->timezone) return ST_ENOMEM;
    if (!strcmp(rec->country, "KP") || !strcmp(rec->nationality, "KP")) rec->flags |= RG_F_DPRK;
    return ST_OK;
}

static size_t shipping_class(const char *norm, char *out, size_t n);

/* Home addresses, then shipping addresses marked when none of the homes. */
static int row_addresses(row_ctx *x) {
    char homes[4][256];
    size_t nhome = 0;
    size_t nv = split_values(x->f[RG_C_ADDRESS], x->vb, RG_MAX_FIELD, x->vv);
    for (size_t i = 0; i < nv; i++) {
        size_t l = rg_norm_address(x->vv[i], x->norm, sizeof x->norm);
        if (!l) continue;
        if (nhome < 4 && l < 256) memcpy(homes[nhome++], x->norm, l + 1);
        if (!x->rec.addr && !(x->rec.addr = DUP(x->norm, l))) return ST_ENOMEM;
        int rc = row_value(x, RG_K_ADDRESS, l, 0);
        if (rc) return rc;
    }
    if (!x->rec.addr) x->rec.addr = "";
    rg_bigram_bits(x->rec.addr, x->rec.addr_bits);
    nv = split_values(x->f[RG_C_SHIPPING], x->vb, RG_MAX_FIELD, x->vv);
    for (size_t i = 0; i < nv; i++) {
        size_t l = rg_norm_address(x->vv[i], x->norm, sizeof x->norm);
        if (!l) continue;
        int same = 0;
        for (size_t h = 0; h < nhome; h++) same |= strcmp(homes[h], x->norm) == 0;
        uint32_t diff = !same && nhome ? RG_VAL_SHIPDIFF : 0;
        size_t before = x->nid;
        int rc = row_value(x, RG_K_SHIPPING, l, diff);
        if (rc) return rc;
        if (diff && x->nid > before) x->rec.flags |= RG_F_SHIP_DIFF;
        char cls[1100];
        size_t cl = shipping_class(x->norm, cls, sizeof cls);
        if (cl) {
            memcpy(x->norm, cls, cl + 1);
            if ((rc = row_value(x, RG_K_SHIPCLASS, cl, 0))) return rc;
        }
    }
    return ST_OK;
}

/* Phones with their types: one type for all, or one per phone. */
static int row_phones(row_ctx *x, char *tb) {
    const char *types[RG_MAX_VALUES];
    const char *region = x->rec.country[0] ? x->rec.country : x->rec.nationality;
    size_t ntypes = split_values(x->f[RG_C_PHONE_TYPE], tb, RG_MAX_FIELD, types);
    size_t nv = split_values(x->f[RG_C_PHONE], x->vb, RG_MAX_FIELD, x->vv);
    for (size_t i = 0; i < nv; i++) {
        size_t l = rg_norm_phone(x->vv[i], region, x->norm, sizeof x->norm);
        const char *ty = ntypes == 0 ? "" : types[i < ntypes ? i : ntypes - 1];
        int voip = 0;
        for (size_t w = 0; voip_words[w]; w++) voip |= strcasestr(ty, voip_words[w]) != NULL;
        if (!l) continue;
        if (rg_phone_is_voip(x->norm)) voip = 1;
        if (strncmp(x->norm, "+850", 4) == 0) x->rec.flags |= RG_F_DPRK;
        if (voip && !(x->rec.flags & RG_F_VOIP)) {
            x->rec.flags |= RG_F_VOIP;
            char d[160];
            snprintf(d, sizeof d, "%.40s%s%.60s", x->norm, ty[0] ? " type " : " in a VoIP number range", ty);
            if (!(x->rec.voip_detail = DUP(d, strlen(d)))) return ST_ENOMEM;
        }
        int rc = row_value(x, RG_K_PHONE, l, 0);
        if (rc) return rc;
    }
    return ST_OK;
}

/* A payout account: crypto and foreign-country flags besides its value. */
static size_t row_payment(row_ctx *x, const char *v) {
    char pc[3];
    int crypto = 0;
    size_t l = rg_norm_payment(v, x->norm, sizeof x->norm, pc, &crypto);
    rg_rec *rec = &x->rec;
    if (!l) return 0;
    if (crypto && !(rec->flags & RG_F_CRYPTO)) {
        rec->flags |= RG_F_CRYPTO;
        if (!rec->payout_detail) rec->payout_detail = DUP(x->norm, l);
    }
    if (pc[0] && rec->country[0] && strcmp(pc, rec->country) && strcmp(pc, rec->nationality) &&
        !(rec->flags & RG_F_FOREIGN_PAY)) {
        rec->flags |= RG_F_FOREIGN_PAY;
        memcpy(rec->pay_country, pc, 3);
        rec->payout_detail = DUP(x->norm, l);
    }
    return l;
}

/* Families of a value, for the operation stage: the /16 of an IPv4 /24,
 * the bank of an IBAN (country and the four characters after the check
 * digits).  x->norm holds the value's normalised text of length l. */
static int row_family(row_ctx *x, int kind, size_t l) {
    if (kind == RG_K_IP && l > 9 && !strchr(x->norm, ':')) {
        char *dot = strchr(x->norm, '.');
        dot = dot ? strchr(dot + 1, '.') : NULL;
        if (!dot) return ST_OK;
        size_t k = (size_t)(dot - x->norm);
        memcpy(x->norm + k, ".0.0/16", 8);
        return row_value(x, RG_K_IP16, k + 7, 0);
    }
    if (kind == RG_K_PAYMENT && l >= 5 + 8 && memcmp(x->norm, "iban:", 5) == 0) {
        /* iban:CCkkBBBB... -> iban:CC/BBBB */
        char fam[16];
        memcpy(fam, x->norm, 7);
        fam[7] = '/';
        memcpy(fam + 8, x->norm + 9, 4);
        memcpy(x->norm, fam, 12);
        return row_value(x, RG_K_PAYFAM, 12, 0);
    }
    return ST_OK;
}

/* The shipping address without its unit ("... unit 7", "ste 210", "#4",
 * "fl 3"): one building's forwarding desk serves many units. */
static size_t shipping_class(const char *norm, char *out, size_t n) {
    size_t j = 0;
    int skip = 0;
    for (const char *p = norm; *p;) {
        size_t l = strcspn(p, " ");
        int unit = (l == 3 && (!strncmp(p, "apt", 3) || !strncmp(p, "ste", 3))) || (l == 4 && !strncmp(p, "unit", 4)) ||
                   (l == 2 && (!strncmp(p, "fl", 2) || !strncmp(p, "rm", 2))) || (l == 4 && !strncmp(p, "room", 4)) ||
                   (l == 5 && !strncmp(p, "floor", 5)) || (l == 5 && !strncmp(p, "suite", 5));
        if (unit) skip = 1;
        else if (skip || p[0] == '#') skip = 0;
        else if (j + l + 2 < n) {
            if (j) out[j++] = ' ';
            memcpy(out + j, p, l);
            j += l;
        }
        p += l;
        while (*p == ' ') p++;
    }
    out[j] = 0;
    return j;
}

/* Working-hours pattern: the circular mean of the hours seen (UTC),
 * in two-hour buckets; needs three hours. */
static int row_hours_pattern(row_ctx *x) {
    uint32_t h = x->rec.hours;
    if (__builtin_popcount(h) < 3) return ST_OK;
    double sx = 0, sy = 0;
    for (int k = 0; k < 24; k++)
        if (h & (1u << k)) { sx += cos(k * M_PI / 12.0); sy += sin(k * M_PI / 12.0); }
    if (sx * sx + sy * sy < 1e-6) return ST_OK;
    double a = atan2(sy, sx) * 12.0 / M_PI;
    int mean = ((int)floor(a + 0.5) % 24 + 24) % 24;
    /* twelve values in all: their ids are kept, so a million records do
     * not each look one up */
    uint32_t *cached = &x->r->hours_vid[mean / 2];
    if (*cached) {
        if (x->nid < sizeof x->ids / sizeof x->ids[0]) x->ids[x->nid++] = *cached - 1;
        return ST_OK;
    }
    int w = snprintf(x->norm, sizeof x->norm, "utc%02d-%02d", mean / 2 * 2, mean / 2 * 2 + 2);
    size_t before = x->nid;
    int rc = row_value(x, RG_K_HOURS, (size_t)w, 0);
    if (rc == ST_OK && x->nid > before) *cached = x->ids[x->nid - 1] + 1;
    return rc;
}

/* Email, employer, school, IP, device, payout: one normaliser each. */
static int row_simple(row_ctx *x) {
    static const struct { int col, kind; } simple[] = {
        {RG_C_EMAIL, RG_K_EMAIL}, {RG_C_EMPLOYER, RG_K_EMPLOYER}, {RG_C_EDUCATION, RG_K_SCHOOL},
        {RG_C_IP, RG_K_IP}, {RG_C_DEVICE, RG_K_DEVICE}, {RG_C_PAYMENT, RG_K_PAYMENT}};
    for (size_t s = 0; s < sizeof simple / sizeof simple[0]; s++) {
        size_t nv = split_values(x->f[simple[s].col], x->vb, RG_MAX_FIELD, x->vv);
        for (size_t i = 0; i < nv; i++) {
            const char *v = x->vv[i];
            size_t l = 0;
            switch (simple[s].kind) {
            case RG_K_EMAIL: l = rg_norm_email(v, x->norm, sizeof x->norm); break;
            case RG_K_IP: l = rg_norm_ip(v, x->norm, sizeof x->norm); break;
            case RG_K_DEVICE: { /* spaces carry nothing in a device id */
                char t[1100];
                size_t tl = rg_norm_text(v, t, sizeof t);
                for (size_t q = 0; q < tl; q++)
                    if (t[q] != ' ') x->norm[l++] = t[q];
                x->norm[l] = 0;
                break;
            }
            case RG_K_PAYMENT: l = row_payment(x, v); break;
            case RG_K_SCHOOL:
                l = rg_norm_text(v, x->norm, sizeof x->norm);
                if (l && !x->rec.edu_country[0]) rg_country_in_text(v, x->rec.edu_country);
                break;
            default: l = rg_norm_text(v, x->norm, sizeof x->norm); break;
            }
            int rc = row_value(x, simple[s].kind, l, 0);
            if (!rc && l) rc = row_family(x, simple[s].kind, l);
            if (rc) return rc;
        }
    }
    return ST_OK;
}

/* The row's own bytes, for a state folder to replay. */
static int row_raw(row_ctx *x) {
    json_t *o = json_object();
    if (!o) return ST_ENOMEM;
    for (int i = 0; i < RG_NCOLS; i++)
        if (x->f[i][0]) json_object_set_new(o, rg_col_names[i], json_string(x->f[i]));
    char *js = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!js) return ST_ENOMEM;
    x->rec.raw = DUP(js, strlen(js));
    free(js);
    return x->rec.raw ? ST_OK : ST_ENOMEM;
}

/* Append to the shared vectors: photos, the résumé signature, the sorted
 * unique value slice (keeping the ship-differs bit of either copy), the
 * record.  On failure every vector is back at its length before. */
static int row_commit(row_ctx *x) {
    st_rings *r = x->r;
    size_t pdq0 = r->pdq.len, sigs0 = r->sigs.len, vals0 = r->vals.len;
    rg_rec *rec = &x->rec;
    if (rg_vec_reserve(&r->pdq, r->pdq.len + 4 * x->nphotos) != ST_OK) goto oom;
    rec->pstart = (uint32_t)(r->pdq.len / 4);
    rec->npdq = (uint32_t)x->nphotos;
    if (x->nphotos) memcpy((uint64_t *)r->pdq.data + r->pdq.len, x->photos, x->nphotos * sizeof x->photos[0]);
    r->pdq.len += 4 * x->nphotos;
    if (x->f[RG_C_RESUME][0]) {
        uint32_t sig[RG_SIG];
        rg_resume_signature(x->f[RG_C_RESUME], sig);
        if (sig[0] != UINT32_MAX) {
            if (rg_vec_reserve(&r->sigs, r->sigs.len + RG_SIG) != ST_OK) goto oom;
            rec->sig = (int32_t)(r->sigs.len / RG_SIG);
            memcpy((uint32_t *)r->sigs.data + r->sigs.len, sig, sizeof sig);
            r->sigs.len += RG_SIG;
        }
    }
    qsort(x->ids, x->nid, sizeof x->ids[0], cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < x->nid; i++) {
        if (u && RG_VAL_ID(x->ids[u - 1]) == RG_VAL_ID(x->ids[i])) { x->ids[u - 1] |= x->ids[i] & RG_VAL_SHIPDIFF; continue; }
        x->ids[u++] = x->ids[i];
    }
    if (rg_vec_reserve(&r->vals, r->vals.len + u) != ST_OK) goto oom;
    rec->vstart = (uint32_t)r->vals.len;
    rec->vcount = (uint32_t)u;
    if (u) memcpy((uint32_t *)r->vals.data + r->vals.len, x->ids, u * sizeof x->ids[0]);
    r->vals.len += u;
    rec->seq = r->seq;
    if (rg_vec_push(&r->recs, rec) != ST_OK) goto oom;
    r->seq++;
    return ST_OK;
oom:
    r->pdq.len = pdq0;
    r->sigs.len = sigs0;
    r->vals.len = vals0;
    return ST_ENOMEM;
}

/* Invariant: a row is taken whole or not at all.  Every check that can
 * reject a row (sizes, id, hours, photo hashes) runs before anything
 * shared is touched; after that only running out of memory can fail, and
 * then the shared vectors go back to their lengths before the row (values
 * interned on the way stay in the value table, linked to no record). */
int rg_record_add(st_rings *r, const char *const fields[RG_NCOLS], const char *src, long line,
                  st_error *err) {
    if (!r->scratch && !(r->scratch = st_malloc(2 * RG_MAX_FIELD + 16)))
        return st_error_set(err, ST_ENOMEM, "out of memory");
    row_ctx *x = st_malloc(sizeof *x);
    if (!x) return st_error_set(err, ST_ENOMEM, "out of memory");
    memset(x, 0, offsetof(row_ctx, photos));
    x->nphotos = 0;
    memset(&x->rec, 0, sizeof x->rec);
    x->nid = 0;
    x->r = r;
    x->src = src;
    x->line = line;
    x->err = err;
    x->rec.sig = -1;
    x->vb = r->scratch + RG_MAX_FIELD + 8;
    for (int i = 0; i < RG_NCOLS; i++) x->f[i] = fields[i] ? fields[i] : "";
    int rc = row_check_fields(x);
    if (!rc) rc = row_check_hours(x);
    if (!rc) rc = row_check_photos(x);
    if (!rc) rc = row_identity(x);
    if (!rc) rc = row_addresses(x);
    if (!rc) rc = row_phones(x, r->scratch);
    if (!rc) rc = row_simple(x);
    if (!rc) rc = row_hours_pattern(x);
    if (!rc && r->opts.state_dir) rc = row_raw(x);
    if (!rc) rc = row_commit(x);
    if (rc == ST_ENOMEM) st_error_set(err, ST_ENOMEM, "out of memory");
    st_free(x);
    return rc;
}
#undef DUP

typedef struct rec_key {
    const char *id;
    uint32_t seq, idx;
} rec_key;

static int cmp_key(const void *a, const void *b) {
    const rec_key *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort by id; of several rows with one id the last added wins.  Small
 * keys are sorted, then the records permuted once. */
int rg_sort(st_rings *r) {
    rg_rec *v = r->recs.data;
    size_t n = r->recs.len;
    if (n == 0) return ST_OK;
    rec_key *k = st_malloc(n * sizeof *k);
    rg_rec *out = st_malloc(n * sizeof *out);
    if (!k || !out) { st_free(k); st_free(out); return ST_ENOMEM; }
    for (size_t i = 0; i < n; i++) k[i] = (rec_key){v[i].id, v[i].seq, (uint32_t)i};
    qsort(k, n, sizeof *k, cmp_key);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && strcmp(out[u - 1].id, v[k[i].idx].id) == 0) { out[u - 1] = v[k[i].idx]; continue; }
        out[u++] = v[k[i].idx];
    }
    st_free(k);
    st_free(r->recs.data);
    r->recs.data = out;
    r->recs.len = u;
    r->recs.cap = n;
    return ST_OK;
}
