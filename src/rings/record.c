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
    "ip_block", "employer", "school", "address", "name", "birth_date"};

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

int rg_record_add(st_rings *r, const char *const fields[RG_NCOLS], const char *src, long line,
                  st_error *err) {
    const char *f[RG_NCOLS];
    for (int i = 0; i < RG_NCOLS; i++) {
        f[i] = fields[i] ? fields[i] : "";
        if (strlen(f[i]) > RG_MAX_FIELD)
            return reject(err, src, line, NULL, "field %s longer than 64 KiB", rg_col_names[i]);
    }
    char idb[256];
    size_t il = 0;
    for (const char *p = f[RG_C_ID]; *p && il + 1 < sizeof idb; p++) idb[il++] = *p;
    while (il && isspace((unsigned char)idb[il - 1])) il--;
    idb[il] = 0;
    const char *id = idb;
    while (isspace((unsigned char)*id)) id++;
    if (!*id) return reject(err, src, line, NULL, "record has no %s", "id");
    if (strlen(f[RG_C_ID]) >= sizeof idb) return reject(err, src, line, NULL, "%s longer than 255 bytes", "id");
    if (r->recs.len >= RG_MAX_RECORDS) return reject(err, src, line, id, "more than %s records", "20 million");

    rg_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.sig = -1;
    if (!r->scratch && !(r->scratch = st_malloc(2 * RG_MAX_FIELD + 16))) return st_error_set(err, ST_ENOMEM, "out of memory");
    char *buf = r->scratch;
    char *vb = buf + RG_MAX_FIELD + 8; /* split values */
    const char *vv[RG_MAX_VALUES];
    uint32_t ids[8 * RG_MAX_VALUES + 8];
    size_t nid = 0;
    int rc = ST_OK;
    char norm[1100];
#define DUP(s, n) rg_arena_dup(&r->arena, (s), (n))

    /* hours and photo hashes are typed: a bad value rejects the row */
    size_t nv = split_values(f[RG_C_HOURS], vb, RG_MAX_FIELD, vv);
    for (size_t i = 0; i < nv; i++) {
        const char *s = vv[i];
        /* also accept "1,2,3" and "[1, 2]" inside one value */
        while (*s) {
            while (*s && !isdigit((unsigned char)*s) && *s != '-') {
                if (!strchr(" ,[]\t", *s)) { rc = reject(err, src, line, id, "login_hours_utc: '%s' is not an hour 0-23", vv[i]); goto done; }
                s++;
            }
            if (!*s) break;
            char *e;
            long h = strtol(s, &e, 10);
            if (e == s || h < 0 || h > 23) { rc = reject(err, src, line, id, "login_hours_utc: '%s' is not an hour 0-23", vv[i]); goto done; }
            rec.hours |= 1u << h;
            s = e;
        }
    }
    uint32_t pstart = (uint32_t)(r->pdq.len / 4);
    nv = split_values(f[RG_C_PHOTO], vb, RG_MAX_FIELD, vv);
    for (size_t i = 0; i < nv; i++) {
        uint64_t h[4];
        if (!rg_norm_pdq(vv[i], h)) { rc = reject(err, src, line, id, "photo_hash: '%.80s' is not 64 hex digits", vv[i]); goto done; }
        if (rg_vec_reserve(&r->pdq, r->pdq.len + 4) != ST_OK) { rc = ST_ENOMEM; goto done; }
        memcpy((uint64_t *)r->pdq.data + r->pdq.len, h, sizeof h);
        r->pdq.len += 4;
        rec.npdq++;
    }
    rec.pstart = pstart;

    rec.id = DUP(id, strlen(id));
    const char *nm = split_values(f[RG_C_NAME], vb, RG_MAX_FIELD, vv) ? vv[0] : "";
    rec.name = DUP(nm, strlen(nm));
    size_t nk = rg_name_key(r, nm, norm, sizeof norm);
    rec.name_key = DUP(norm, nk);
    size_t dl = rg_norm_date(f[RG_C_BIRTH_DATE], norm, sizeof norm);
    rec.dob = DUP(norm, dl);
    rg_country(f[RG_C_COUNTRY], rec.country);
    rg_country(f[RG_C_NATIONALITY], rec.nationality);
    nv = split_values(f[RG_C_TIMEZONE], vb, RG_MAX_FIELD, vv);
    rec.timezone = DUP(nv ? vv[0] : "", nv ? strlen(vv[0]) : 0);
    if (!rec.id || !rec.name || !rec.name_key || !rec.dob || !rec.timezone) { rc = ST_ENOMEM; goto done; }
    if (!strcmp(rec.country, "KP") || !strcmp(rec.nationality, "KP")) rec.flags |= RG_F_DPRK;
    const char *region = rec.country[0] ? rec.country : rec.nationality;

    /* home addresses first: shipping addresses are compared with them */
    char homes[4][256];
    size_t nhome = 0;
    nv = split_values(f[RG_C_ADDRESS], vb, RG_MAX_FIELD, vv);
    for (size_t i = 0; i < nv; i++) {
        size_t l = rg_norm_address(vv[i], norm, sizeof norm);
        if (!l) continue;
        if (nhome < 4 && l < 256) memcpy(homes[nhome++], norm, l + 1);
        if (!rec.addr) rec.addr = DUP(norm, l);
        int k = intern(r, RG_K_ADDRESS, norm, l, &ids[nid]);
        if (k < 0) { rc = k; goto done; }
        nid += (size_t)k;
    }
    if (!rec.addr) rec.addr = "";
    rg_bigram_bits(rec.addr, rec.addr_bits);
    nv = split_values(f[RG_C_SHIPPING], vb, RG_MAX_FIELD, vv);
    for (size_t i = 0; i < nv; i++) {
        size_t l = rg_norm_address(vv[i], norm, sizeof norm);
        if (!l) continue;
        int k = intern(r, RG_K_SHIPPING, norm, l, &ids[nid]);
        if (k < 0) { rc = k; goto done; }
        if (k) {
            int same = 0;
            for (size_t h = 0; h < nhome; h++) same |= strcmp(homes[h], norm) == 0;
            if (!same && nhome) { ids[nid] |= RG_VAL_SHIPDIFF; rec.flags |= RG_F_SHIP_DIFF; }
            nid++;
        }
    }

    /* phones with their types: one type for all, or one per phone */
    const char *types[RG_MAX_VALUES];
    char *tb = buf;
    size_t ntypes = split_values(f[RG_C_PHONE_TYPE], tb, RG_MAX_FIELD, types);
    nv = split_values(f[RG_C_PHONE], vb, RG_MAX_FIELD, vv);
    for (size_t i = 0; i < nv; i++) {
        size_t l = rg_norm_phone(vv[i], region, norm, sizeof norm);
        const char *ty = ntypes == 0 ? "" : types[i < ntypes ? i : ntypes - 1];
        int voip = 0;
        for (size_t w = 0; voip_words[w]; w++) voip |= strcasestr(ty, voip_words[w]) != NULL;
        if (!l) continue;
        if (rg_phone_is_voip(norm)) voip = 1;
        if (strncmp(norm, "+850", 4) == 0) rec.flags |= RG_F_DPRK;
        if (voip && !(rec.flags & RG_F_VOIP)) {
            rec.flags |= RG_F_VOIP;
            char d[160];
            snprintf(d, sizeof d, "%.40s%s%.60s", norm, ty[0] ? " type " : " in a VoIP number range", ty);
            rec.voip_detail = DUP(d, strlen(d));
        }
        int k = intern(r, RG_K_PHONE, norm, l, &ids[nid]);
        if (k < 0) { rc = k; goto done; }
        nid += (size_t)k;
    }

    static const struct { int col, kind; } simple[] = {
        {RG_C_EMAIL, RG_K_EMAIL}, {RG_C_EMPLOYER, RG_K_EMPLOYER}, {RG_C_EDUCATION, RG_K_SCHOOL},
        {RG_C_IP, RG_K_IP}, {RG_C_DEVICE, RG_K_DEVICE}, {RG_C_PAYMENT, RG_K_PAYMENT}};
    for (size_t s = 0; s < sizeof simple / sizeof simple[0]; s++) {
        nv = split_values(f[simple[s].col], vb, RG_MAX_FIELD, vv);
        for (size_t i = 0; i < nv && nid < sizeof ids / sizeof ids[0]; i++) {
            size_t l = 0;
            switch (simple[s].kind) {
            case RG_K_EMAIL: l = rg_norm_email(vv[i], norm, sizeof norm); break;
            case RG_K_IP: l = rg_norm_ip(vv[i], norm, sizeof norm); break;
            case RG_K_DEVICE: {
                char t[1100];
                size_t tl = rg_norm_text(vv[i], t, sizeof t);
                for (size_t q = 0; q < tl; q++)
                    if (t[q] != ' ') norm[l++] = t[q];
                norm[l] = 0;
                break;
            }
            case RG_K_PAYMENT: {
                char pc[3];
                int crypto = 0;
                l = rg_norm_payment(vv[i], norm, sizeof norm, pc, &crypto);
                if (!l) break;
                if (crypto && !(rec.flags & RG_F_CRYPTO)) {
                    rec.flags |= RG_F_CRYPTO;
                    if (!rec.payout_detail) rec.payout_detail = DUP(norm, l);
                }
                if (pc[0] && rec.country[0] && strcmp(pc, rec.country) && strcmp(pc, rec.nationality) &&
                    !(rec.flags & RG_F_FOREIGN_PAY)) {
                    rec.flags |= RG_F_FOREIGN_PAY;
                    memcpy(rec.pay_country, pc, 3);
                    rec.payout_detail = DUP(norm, l);
                }
                break;
            }
            case RG_K_SCHOOL:
                l = rg_norm_text(vv[i], norm, sizeof norm);
                if (l && !rec.edu_country[0]) rg_country_in_text(vv[i], rec.edu_country);
                break;
            default: l = rg_norm_text(vv[i], norm, sizeof norm); break;
            }
            int k = intern(r, simple[s].kind, norm, l, &ids[nid]);
            if (k < 0) { rc = k; goto done; }
            nid += (size_t)k;
        }
    }

    if (f[RG_C_RESUME][0]) {
        uint32_t sig[RG_SIG];
        rg_resume_signature(f[RG_C_RESUME], sig);
        if (sig[0] != UINT32_MAX) {
            if (rg_vec_reserve(&r->sigs, r->sigs.len + RG_SIG) != ST_OK) { rc = ST_ENOMEM; goto done; }
            rec.sig = (int32_t)(r->sigs.len / RG_SIG);
            memcpy((uint32_t *)r->sigs.data + r->sigs.len, sig, sizeof sig);
            r->sigs.len += RG_SIG;
        }
    }

    /* sorted, unique value slice (keeping the ship-differs bit of either copy) */
    qsort(ids, nid, sizeof ids[0], cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < nid; i++) {
        if (u && RG_VAL_ID(ids[u - 1]) == RG_VAL_ID(ids[i])) { ids[u - 1] |= ids[i] & RG_VAL_SHIPDIFF; continue; }
        ids[u++] = ids[i];
    }
    if (rg_vec_reserve(&r->vals, r->vals.len + u) != ST_OK) { rc = ST_ENOMEM; goto done; }
    rec.vstart = (uint32_t)r->vals.len;
    rec.vcount = (uint32_t)u;
    if (u) memcpy((uint32_t *)r->vals.data + r->vals.len, ids, u * sizeof ids[0]);
    r->vals.len += u;

    if (r->opts.state_dir) { /* keep the row itself so the state can replay it */
        json_t *o = json_object();
        if (!o) { rc = ST_ENOMEM; goto done; }
        for (int i = 0; i < RG_NCOLS; i++)
            if (f[i][0]) json_object_set_new(o, rg_col_names[i], json_string(f[i]));
        char *js = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(o);
        if (!js) { rc = ST_ENOMEM; goto done; }
        rec.raw = DUP(js, strlen(js));
        free(js);
        if (!rec.raw) { rc = ST_ENOMEM; goto done; }
    }
    rec.seq = r->seq++;
    if (rg_vec_push(&r->recs, &rec) != ST_OK) { rc = ST_ENOMEM; goto done; }
done:
    if (rc == ST_ENOMEM) st_error_set(err, ST_ENOMEM, "out of memory");
    return rc;
#undef DUP
}

static int cmp_rec(const void *a, const void *b) {
    const rg_rec *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort by id; of several rows with one id the last added wins. */
int rg_sort(st_rings *r) {
    rg_rec *v = r->recs.data;
    size_t n = r->recs.len;
    if (n == 0) return ST_OK;
    qsort(v, n, sizeof *v, cmp_rec);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && strcmp(v[u - 1].id, v[i].id) == 0) { v[u - 1] = v[i]; continue; }
        v[u++] = v[i];
    }
    r->recs.len = u;
    return ST_OK;
}
