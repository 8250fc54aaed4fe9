/*
 * ofac.c - OFAC's legacy CSV sets: SDN (sdn.csv, add.csv, alt.csv,
 * sdn_comments.csv) and the non-SDN consolidated list (cons_prim.csv,
 * cons_add.csv, cons_alt.csv, cons_comments.csv), plus the remarks
 * mini-language where most of the facts hide.
 *
 * Design: the two sets share one layout, so one parser reads both; the
 * source name only changes the id prefix.  The primary file makes the
 * entities; comments rows are remark overflow (OFAC cuts remarks at about
 * 1,000 characters, mid-word) and are glued on with no separator before
 * the remarks are parsed; addresses and alternate names attach by ent_num.
 * Remark a.k.a.'s are OFAC's "weak" aliases (its legacy formats put weak
 * AKAs only there; alt.csv holds the strong ones), so they become
 * ST_NAME_WEAK.  Invariant: a bad row is a warning and never stops the
 * file; a quoted field that never ends (a truncated download) does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/map.h"
#include "lists/parse.h"

#define OFAC_MAX_REMARKS (1u << 20) /* one entity's remarks after gluing */

/* Field i of the current record, trimmed, "" for OFAC's "-0-". */
static const char *ofac_field(const st_csv *c, size_t i, char *tmp, size_t n) {
    const char *s = st_csv_field(c, i);
    while (*s == ' ' || *s == '\t') s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len == 3 && memcmp(s, "-0-", 3) == 0) len = 0;
    if (len >= n) len = n - 1;
    memcpy(tmp, s, len);
    tmp[len] = 0;
    return tmp;
}

static int ofac_is_num(const char *s) {
    if (!*s || strlen(s) > 12) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* ---- remarks ---- */

typedef enum { RK_IDENT, RK_PROP, RK_COUNTRY_PROP } rk_kind;

typedef struct remark_label {
    const char *label;   /* as OFAC writes it, matched at a word boundary */
    rk_kind kind;
    const char *type;    /* ident type or prop key */
} remark_label;

/* Longer labels first where one is a prefix of another. */
static const remark_label remark_labels[] = {
    {"Vessel Registration Identification IMO", RK_IDENT, "imo"},
    {"Identification Number IMO", RK_IDENT, "imo"},
    {"Company Number IMO", RK_IDENT, "imo"},
    {"IMO", RK_IDENT, "imo"},
    {"MMSI", RK_IDENT, "mmsi"},
    {"Diplomatic Passport", RK_IDENT, "passport"},
    {"Passport", RK_IDENT, "passport"},
    {"National ID No.", RK_IDENT, "national_id"},
    {"National Foreign ID Number", RK_IDENT, "national_id"},
    {"Personal ID Card", RK_IDENT, "national_id"},
    {"Citizen's Card Number", RK_IDENT, "national_id"},
    {"Identification Number", RK_IDENT, "national_id"},
    {"Cedula No.", RK_IDENT, "national_id"},
    {"D.N.I.", RK_IDENT, "national_id"},
    {"C.U.R.P.", RK_IDENT, "national_id"},
    {"SSN", RK_IDENT, "national_id"},
    {"Residency Number", RK_IDENT, "national_id"},
    {"Turkish Identification Number", RK_IDENT, "national_id"},
    {"Numero de Identidad", RK_IDENT, "national_id"},
    {"Kenyan ID No.", RK_IDENT, "national_id"},
    {"Credencial electoral", RK_IDENT, "national_id"},
    {"I.F.E.", RK_IDENT, "national_id"},
    {"C.U.I.", RK_IDENT, "national_id"},
    {"Travel Document Number", RK_IDENT, "passport"},
    {"Cartilla de Servicio Militar No.", RK_IDENT, "other"},
    {"Tax ID No.", RK_IDENT, "tax_id"},
    {"RIF #", RK_IDENT, "tax_id"},
    {"C.U.I.T.", RK_IDENT, "tax_id"},
    {"RTN", RK_IDENT, "tax_id"},
    {"V.A.T. Number", RK_IDENT, "tax_id"},
    {"US FEIN", RK_IDENT, "tax_id"},
    {"R.F.C.", RK_IDENT, "tax_id"},
    {"RFC", RK_IDENT, "tax_id"},
    {"NIT #", RK_IDENT, "tax_id"},
    {"RUC #", RK_IDENT, "tax_id"},
    {"R.U.C. #", RK_IDENT, "tax_id"},
    {"CUIT", RK_IDENT, "tax_id"},
    {"Registration Number", RK_IDENT, "registration"},
    {"Public Registration Number", RK_IDENT, "registration"},
    {"United Social Credit Code Certificate (USCCC)", RK_IDENT, "registration"},
    {"United Social Credit Code", RK_IDENT, "registration"},
    {"Registered Charity No.", RK_IDENT, "registration"},
    {"Enterprise Number", RK_IDENT, "registration"},
    {"Registration ID", RK_IDENT, "registration"},
    {"UK Company Number", RK_IDENT, "registration"},
    {"Company Number", RK_IDENT, "registration"},
    {"Business Registration Number", RK_IDENT, "registration"},
    {"Business Registration Document #", RK_IDENT, "registration"},
    {"Business Number", RK_IDENT, "registration"},
    {"Commercial Registry Number", RK_IDENT, "registration"},
    {"Commercial Registration Number", RK_IDENT, "registration"},
    {"Chamber of Commerce Number", RK_IDENT, "registration"},
    {"Folio Mercantil No.", RK_IDENT, "registration"},
    {"Matricula Mercantil No", RK_IDENT, "registration"},
    {"C.R. No.", RK_IDENT, "registration"},
    {"Trade License No.", RK_IDENT, "registration"},
    {"Certificate of Incorporation Number", RK_IDENT, "registration"},
    {"Government Gazette Number", RK_IDENT, "registration"},
    {"Legal Entity Number", RK_IDENT, "lei"},
    {"D-U-N-S Number", RK_IDENT, "duns"},
    {"SWIFT/BIC", RK_IDENT, "swift"},
    {"Driver's License No.", RK_IDENT, "driver_license"},
    {"Birth Certificate Number", RK_IDENT, "other"},
    {"Aircraft Manufacturer's Serial Number (MSN)", RK_IDENT, "aircraft_msn"},
    {"Aircraft Construction Number (also called L/N or S/N or F/N)", RK_IDENT, "aircraft_serial"},
    {"Aircraft Tail Number", RK_IDENT, "aircraft_tail"},
    {"Aircraft Mode S Transponder Code", RK_IDENT, "aircraft_mode_s"},
    {"Vessel Flag", RK_COUNTRY_PROP, "flag"},
    {"Nationality of Registration", RK_COUNTRY_PROP, "flag"},
    {"Former Vessel Flag", RK_PROP, "pastFlags"},
    {"Vessel Year of Build", RK_PROP, "buildDate"},
    {"Vessel Type", RK_PROP, "vesselType"},
    {"Other Vessel Type", RK_PROP, "vesselType"},
    {"Vessel Call Sign", RK_IDENT, "call_sign"},
    {"Other Vessel Call Sign", RK_IDENT, "call_sign"},
    {"Aircraft Model", RK_PROP, "model"},
    {"Aircraft Operator", RK_PROP, "operator"},
    {"Aircraft Manufacture Date", RK_PROP, "buildDate"},
    {"Previous Aircraft Tail Number", RK_IDENT, "aircraft_tail"},
    {"Organization Established Date", RK_PROP, "incorporationDate"},
    {"Organization Type:", RK_PROP, "sector"},
    {"Email Address", RK_PROP, "email"},
    {"Website", RK_PROP, "website"},
    {"Phone Number", RK_PROP, "phone"},
    {"Telephone", RK_PROP, "phone"},
    {"Telephone:", RK_PROP, "phone"},
    {"Fax", RK_PROP, "fax"},
    {"Fax:", RK_PROP, "fax"},
    {"Linked To:", RK_PROP, "linkedTo"},
    {"Title", RK_PROP, "title"},
    {"Alternate Title", RK_PROP, "title"},
    {"Position", RK_PROP, "position"},
    {"Chinese Commercial Code", RK_PROP, "chineseCommercialCode"},
};

/* Does seg start with label followed by a boundary?  Returns the value. */
static const char *remark_after(const char *seg, const char *label) {
    size_t n = strlen(label);
    if (strncmp(seg, label, n) != 0) return NULL;
    char c = seg[n];
    if (c && c != ' ' && c != ':' && label[n - 1] != ':') return NULL;
    seg += n;
    while (*seg == ' ' || *seg == ':') seg++;
    return seg;
}

/* "T14553558 (Iran) issued 28 Oct 2008 expires ..." -> value and issuer. */
static int remark_ident(st_entity *e, const char *type, const char *v) {
    char val[256], cc[3] = "";
    size_t n = 0;
    const char *paren = strstr(v, " (");
    const char *stop = paren;
    const char *cut[] = {" issued", " expires", " Issue Date", " Expiration"};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        const char *s = strstr(v, cut[i]);
        if (s && (!stop || s < stop)) stop = s;
    }
    n = stop ? (size_t)(stop - v) : strlen(v);
    if (n >= sizeof val) n = sizeof val - 1;
    memcpy(val, v, n);
    val[n] = 0;
    if (paren) {
        const char *close = strchr(paren + 2, ')');
        if (close && close - (paren + 2) < 120) {
            char country[128];
            memcpy(country, paren + 2, (size_t)(close - (paren + 2)));
            country[close - (paren + 2)] = 0;
            if (st_country_code(country, cc) != ST_OK) cc[0] = 0;
        }
    }
    return st_entity_add_ident(e, type, val, cc);
}

/* "'NAME'" -> NAME (quotes may be missing at a cut). */
static int remark_alias(st_entity *e, const char *v) {
    char name[512];
    size_t n = strlen(v);
    if (n && v[0] == '\'') { v++; n--; }
    if (n && v[n - 1] == '\'') n--;
    if (n >= sizeof name) n = sizeof name - 1;
    memcpy(name, v, n);
    name[n] = 0;
    return st_entity_add_name(e, name, ST_NAME_WEAK);
}

/* "Digital Currency Address - XBT 1ABC..." after the label. */
static int remark_wallet(st_entity *e, const char *v, st_list *warn, const char *file, long line) {
    char asset[16] = "", addr[256] = "";
    size_t i = 0, j = 0;
    while (*v == ' ' || *v == '-') v++;
    while (v[i] && v[i] != ' ' && i < sizeof asset - 1) { asset[i] = v[i]; i++; }
    asset[i] = 0;
    v += i;
    while (*v == ' ') v++;
    while (v[j] && v[j] != ' ' && j < sizeof addr - 1) { addr[j] = v[j]; j++; }
    while (j && (addr[j - 1] == '.' || addr[j - 1] == ',')) j--;
    addr[j] = 0;
    if (!asset[0] || !addr[0]) {
        st_list_warn(warn, file, line, e->id, "digital currency address without asset or address");
        return ST_OK;
    }
    return st_entity_add_wallet(e, asset, addr);
}

static int remark_segment(st_entity *e, char *seg, st_list *warn, const char *file, long line) {
    const char *v;
    char cc[3];
    if (strncmp(seg, "alt. ", 5) == 0) seg += 5;
    if ((v = remark_after(seg, "DOB"))) {
        st_pdate d;
        if (st_pdate_parse(v, &d) == ST_OK) return st_entity_add_birth_date(e, d);
        st_list_warn(warn, file, line, e->id, "unreadable date of birth '%.60s'", v);
        return ST_OK;
    }
    if ((v = remark_after(seg, "POB"))) return st_entity_add_birth_place(e, v);
    if ((v = remark_after(seg, "nationality")) || (v = remark_after(seg, "citizen"))) {
        if (st_country_code(v, cc) == ST_OK) return st_entity_add_nationality(e, cc);
        st_list_warn(warn, file, line, e->id, "unknown country '%.60s'", v);
        return ST_OK;
    }
    if ((v = remark_after(seg, "Gender"))) {
        if (strncasecmp(v, "male", 4) == 0) return st_entity_set(&e->gender, "male");
        if (strncasecmp(v, "female", 6) == 0) return st_entity_set(&e->gender, "female");
        return ST_OK;
    }
    if ((v = remark_after(seg, "a.k.a.")) || (v = remark_after(seg, "f.k.a.")) ||
        (v = remark_after(seg, "n.k.a.")))
        return remark_alias(e, v);
    if ((v = remark_after(seg, "Digital Currency Address"))) return remark_wallet(e, v, warn, file, line);
    for (size_t i = 0; i < sizeof remark_labels / sizeof remark_labels[0]; i++) {
        const remark_label *l = &remark_labels[i];
        if (!(v = remark_after(seg, l->label)) || !*v) continue;
        switch (l->kind) {
        case RK_IDENT: return remark_ident(e, l->type, v);
        case RK_COUNTRY_PROP:
            if (st_country_code(v, cc) == ST_OK) {
                int rc = st_entity_add_country(e, cc);
                if (rc != ST_OK) return rc;
            }
            return st_entity_add_prop(e, l->type, v);
        case RK_PROP: return st_entity_add_prop(e, l->type, v);
        }
    }
    return ST_OK;
}

int st_ofac_remarks_parse(st_entity *e, const char *text, st_list *warn, const char *file, long line) {
    if (!text || !*text) return ST_OK;
    size_t n = strlen(text);
    if (n > OFAC_MAX_REMARKS) n = OFAC_MAX_REMARKS;
    char *copy = st_strndup(text, n);
    if (!copy) return ST_ENOMEM;
    int rc = ST_OK;
    char *p = copy;
    while (p && *p && rc == ST_OK) {
        char *q = strchr(p, ';');
        if (!q) q = p + strlen(p);
        char *next = *q ? q + 1 : NULL;
        *q = 0;
        while (*p == ' ') p++;
        size_t len = strlen(p);
        while (len && (p[len - 1] == ' ' || (p[len - 1] == '.' && !next))) len--;
        p[len] = 0;
        if (*p) rc = remark_segment(e, p, warn, file, line);
        p = next;
    }
    st_free(copy);
    return rc;
}

/* ---- the CSV set ---- */

typedef struct ofac_ctx {
    const char *source;
    st_list *out;
    st_map *by_num;          /* ent_num -> index in out->entities */
    size_t first;            /* first index of this parse in out */
    st_error *err;
} ofac_ctx;

static st_schema ofac_schema(const char *type) {
    if (strcasecmp(type, "individual") == 0) return ST_SCHEMA_PERSON;
    if (strcasecmp(type, "vessel") == 0) return ST_SCHEMA_VESSEL;
    if (strcasecmp(type, "aircraft") == 0) return ST_SCHEMA_AIRCRAFT;
    return ST_SCHEMA_ORGANIZATION;
}

/* "DPRK3] [CYBER2" (OFAC drops the outer brackets) -> programs. */
static int ofac_programs(st_entity *e, const char *s) {
    char buf[256];
    while (*s) {
        while (*s == '[' || *s == ']' || *s == ' ') s++;
        size_t n = 0;
        while (s[n] && s[n] != ']' && s[n] != '[') n++;
        while (n && s[n - 1] == ' ') n--;
        if (n) {
            if (n >= sizeof buf) n = sizeof buf - 1;
            memcpy(buf, s, n);
            buf[n] = 0;
            int rc = st_entity_add_program(e, buf);
            if (rc != ST_OK) return rc;
        }
        s += n;
        while (*s && *s != '[' && *s != ']') s++;
    }
    return ST_OK;
}

/* Read file f record by record; fn handles each.  Structural errors (a
 * quoted field that never ends) fail; oversize records are warnings. */
typedef int (*ofac_row_fn)(ofac_ctx *x, st_csv *c, const char *file);

static int ofac_each(ofac_ctx *x, const st_ofac_file *f, size_t min_fields, ofac_row_fn fn,
                     size_t *n_rows) {
    st_csv *c;
    int rc = st_csv_open(&c, f->data, f->len, f->name, ST_CSV_CP1252);
    if (rc != ST_OK) return st_error_set(x->err, rc, "out of memory");
    st_error e;
    *n_rows = 0;
    for (;;) {
        st_error_clear(&e);
        rc = st_csv_next(c, &e);
        if (rc == 0) break;
        if (rc == ST_EPARSE || rc == ST_ENOMEM) {
            *x->err = e;
            goto done;
        }
        if (rc != 1) {
            st_list_warn(x->out, f->name, e.line, NULL, "%s", e.msg);
            continue;
        }
        (*n_rows)++;
        if (st_csv_nfields(c) < min_fields) {
            st_list_warn(x->out, f->name, st_csv_line(c), NULL,
                         "expected %zu fields, found %zu; row skipped", min_fields, st_csv_nfields(c));
            continue;
        }
        char num[32];
        ofac_field(c, 0, num, sizeof num);
        if (!ofac_is_num(num)) {
            st_list_warn(x->out, f->name, st_csv_line(c), NULL, "ent_num '%.20s' is not a number; row skipped",
                         st_csv_field(c, 0));
            continue;
        }
        if ((rc = fn(x, c, f->name)) != ST_OK) {
            st_error_at(x->err, rc, f->name, st_csv_line(c), -1, "out of memory");
            goto done;
        }
    }
    rc = ST_OK;
done:
    st_csv_close(c);
    return rc;
}

static st_entity *ofac_find(ofac_ctx *x, const char *num) {
    uint64_t i;
    if (!st_map_get(x->by_num, num, strlen(num), &i)) return NULL;
    return x->out->entities[i];
}

static int ofac_prim_row(ofac_ctx *x, st_csv *c, const char *file) {
    char num[32], id[64], f[4096];
    ofac_field(c, 0, num, sizeof num);
    snprintf(id, sizeof id, "%s:%s", x->source, num);
    if (ofac_find(x, num)) {
        st_list_warn(x->out, file, st_csv_line(c), id, "duplicate ent_num; row skipped");
        return ST_OK;
    }
    st_entity *e;
    int rc = st_entity_new(&e, id, x->source, ofac_schema(ofac_field(c, 2, f, sizeof f)));
    if (rc != ST_OK) return rc;
    if (!*ofac_field(c, 1, f, sizeof f)) {
        st_list_warn(x->out, file, st_csv_line(c), id, "entry without a name; row skipped");
        st_entity_free(e);
        return ST_OK;
    }
    if ((rc = st_entity_add_name(e, f, ST_NAME_PRIMARY)) != ST_OK) goto fail;
    if ((rc = ofac_programs(e, ofac_field(c, 3, f, sizeof f))) != ST_OK) goto fail;
    if ((rc = st_entity_add_prop(e, "position", ofac_field(c, 4, f, sizeof f))) != ST_OK) goto fail;
    if ((rc = st_entity_add_ident(e, "call_sign", ofac_field(c, 5, f, sizeof f), "")) != ST_OK) goto fail;
    if ((rc = st_entity_add_prop(e, "vesselType", ofac_field(c, 6, f, sizeof f))) != ST_OK) goto fail;
    if ((rc = st_entity_add_prop(e, "tonnage", ofac_field(c, 7, f, sizeof f))) != ST_OK) goto fail;
    if ((rc = st_entity_add_prop(e, "grossRegisteredTonnage", ofac_field(c, 8, f, sizeof f))) != ST_OK) goto fail;
    if (*ofac_field(c, 9, f, sizeof f)) {
        char cc[3];
        if (st_country_code(f, cc) == ST_OK && (rc = st_entity_add_country(e, cc)) != ST_OK) goto fail;
        if ((rc = st_entity_add_prop(e, "flag", f)) != ST_OK) goto fail;
    }
    if ((rc = st_entity_add_prop(e, "owner", ofac_field(c, 10, f, sizeof f))) != ST_OK) goto fail;
    /* remarks are parsed once the comments overflow is glued on */
    const char *r = st_csv_field(c, 11);
    while (*r == ' ') r++;
    if (strncmp(r, "-0-", 3) != 0 && *r && (rc = st_entity_set(&e->remarks, r)) != ST_OK) goto fail;
    if ((rc = st_map_put(x->by_num, num, strlen(num), x->out->n_entities)) != ST_OK) goto fail;
    return st_list_push_take(x->out, e);
fail:
    st_entity_free(e);
    return rc;
}

static int ofac_comment_row(ofac_ctx *x, st_csv *c, const char *file) {
    char num[32];
    ofac_field(c, 0, num, sizeof num);
    st_entity *e = ofac_find(x, num);
    if (!e) {
        st_list_warn(x->out, file, st_csv_line(c), num, "remarks for an ent_num not in the primary file");
        return ST_OK;
    }
    const char *more = st_csv_field(c, 1);
    size_t a = e->remarks ? strlen(e->remarks) : 0, b = strlen(more);
    if (a + b > OFAC_MAX_REMARKS) {
        st_list_warn(x->out, file, st_csv_line(c), e->id, "remarks over %u bytes; rest dropped", OFAC_MAX_REMARKS);
        return ST_OK;
    }
    char *r = st_malloc(a + b + 1);
    if (!r) return ST_ENOMEM;
    if (a) memcpy(r, e->remarks, a);
    memcpy(r + a, more, b + 1);
    st_free(e->remarks);
    e->remarks = r;
    return ST_OK;
}

static int ofac_add_row(ofac_ctx *x, st_csv *c, const char *file) {
    char num[32], street[2048], city[512], country[256], note[1024];
    ofac_field(c, 0, num, sizeof num);
    st_entity *e = ofac_find(x, num);
    if (!e) {
        st_list_warn(x->out, file, st_csv_line(c), num, "address for an ent_num not in the primary file");
        return ST_OK;
    }
    ofac_field(c, 2, street, sizeof street);
    ofac_field(c, 3, city, sizeof city);
    ofac_field(c, 4, country, sizeof country);
    ofac_field(c, 5, note, sizeof note);
    char cc[3];
    int rc;
    if (country[0] && st_country_code(country, cc) == ST_OK && (rc = st_entity_add_country(e, cc)) != ST_OK)
        return rc;
    if (!street[0] && !city[0]) return ST_OK; /* country alone is not an address */
    st_buf b;
    st_buf_init(&b, 8192);
    const char *parts[] = {street, city, country};
    for (size_t i = 0; i < 3; i++) {
        if (!parts[i][0]) continue;
        if (b.len && (rc = st_buf_puts(&b, ", ")) != ST_OK) break;
        if ((rc = st_buf_puts(&b, parts[i])) != ST_OK) break;
    }
    rc = b.data ? st_entity_add_address(e, b.data) : ST_OK;
    st_buf_free(&b);
    return rc == ST_ELIMIT ? ST_OK : rc;
}

static int ofac_alt_row(ofac_ctx *x, st_csv *c, const char *file) {
    char num[32], type[32], name[2048];
    ofac_field(c, 0, num, sizeof num);
    st_entity *e = ofac_find(x, num);
    if (!e) {
        st_list_warn(x->out, file, st_csv_line(c), num, "alias for an ent_num not in the primary file");
        return ST_OK;
    }
    ofac_field(c, 2, type, sizeof type);
    ofac_field(c, 3, name, sizeof name);
    st_name_kind k = ST_NAME_ALIAS;
    if (strcasecmp(type, "fka") == 0) k = ST_NAME_FORMER;
    else if (strcasecmp(type, "aka") != 0 && strcasecmp(type, "nka") != 0)
        st_list_warn(x->out, file, st_csv_line(c), e->id, "unknown alias type '%.20s', read as aka", type);
    if (!name[0]) {
        st_list_warn(x->out, file, st_csv_line(c), e->id, "empty alias");
        return ST_OK;
    }
    return st_entity_add_name(e, name, k);
}

int st_parse_ofac(const st_ofac_set *set, const char *source, st_list *out, st_error *err) {
    ofac_ctx x = {source, out, NULL, out->n_entities, err};
    size_t rows = 0;
    int rc;
    if (!set->prim.data)
        return st_error_set(err, ST_EINVAL, "%s: the primary file (sdn.csv / cons_prim.csv) is missing", source);
    if ((rc = st_map_new(&x.by_num)) != ST_OK) return st_error_set(err, rc, "out of memory");
    if ((rc = ofac_each(&x, &set->prim, 12, ofac_prim_row, &rows)) != ST_OK) goto done;
    if (out->n_entities == x.first) {
        rc = st_error_at(err, ST_EPARSE, set->prim.name, 0, -1,
                         rows ? "no readable entry in %zu rows" : "no entries (empty file)", rows);
        goto done;
    }
    if (set->comments.data && (rc = ofac_each(&x, &set->comments, 2, ofac_comment_row, &rows)) != ST_OK)
        goto done;
    /* line numbers of remarks are not kept per entity: report against the primary file */
    for (size_t i = x.first; i < out->n_entities; i++) {
        st_entity *e = out->entities[i];
        if ((rc = st_ofac_remarks_parse(e, e->remarks, out, set->prim.name, 0)) != ST_OK) {
            rc = st_error_set(err, rc, "out of memory");
            goto done;
        }
    }
    if (set->add.data && (rc = ofac_each(&x, &set->add, 6, ofac_add_row, &rows)) != ST_OK) goto done;
    if (set->alt.data && (rc = ofac_each(&x, &set->alt, 5, ofac_alt_row, &rows)) != ST_OK) goto done;
    rc = ST_OK;
done:
    st_map_free(x.by_num);
    return rc;
}

/* ---- one address a line ---- */

int st_parse_wallet_lines(const char *data, size_t len, const char *name, const char *asset,
                          const char *source, st_list *out, st_error *err) {
    long line = 0;
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *a = p, *b = le;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        p = nl ? nl + 1 : end;
        if (a == b || *a == '#') continue;
        size_t n = (size_t)(b - a);
        int bad = n > 200;
        for (const char *q = a; q < b && !bad; q++) bad = !isalnum((unsigned char)*q);
        if (bad) {
            st_list_warn(out, name, line, NULL, "not a wallet address; line skipped");
            continue;
        }
        char addr[256], id[320];
        memcpy(addr, a, n);
        addr[n] = 0;
        snprintf(id, sizeof id, "%s:%s:%s", source, asset, addr);
        st_entity *e;
        int rc = st_entity_new(&e, id, source, ST_SCHEMA_CRYPTOWALLET);
        if (rc == ST_OK && (rc = st_entity_add_wallet(e, asset, addr)) != ST_OK) st_entity_free(e);
        if (rc == ST_OK && (rc = st_entity_add_name(e, addr, ST_NAME_PRIMARY)) != ST_OK) st_entity_free(e);
        if (rc == ST_OK) rc = st_list_push_take(out, e);
        if (rc != ST_OK) return st_error_at(err, rc, name, line, -1, "out of memory");
    }
    return ST_OK;
}
