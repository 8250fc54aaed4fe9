/*
 * ftm.c - FollowTheMoney JSON lines (OpenSanctions' entities.ftm.json),
 * which bring the EU, UK, Japan and many more lists in one format.
 *
 * Design: one JSON object a line with id, schema, properties (every value
 * an array of strings) and datasets.  Parties (Person, Organization,
 * Company, LegalEntity, Vessel, Airplane, CryptoWallet) become entities
 * with id "<first dataset>:<id>".  FtM keeps some facts in separate
 * entities that point at the party: Sanction (program, listing date),
 * Passport/Identification (documents), Address (addressEntity) and
 * CryptoWallet (holder).  Those are folded into the party once the whole
 * file is read, so line order does not matter; a wallet whose holder is
 * not in the file stays an entity of its own.  Other link schemas
 * (Ownership, Family, ...) and fields OpenSanctions adds (referents,
 * first_seen, last_seen, target, caption) are ignored.  Invariant: a bad
 * line is a warning; only memory exhaustion stops the file.
 */
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/map.h"
#include "core/progress.h"
#include "lists/parse.h"

#define FTM_MAX_LINE (8u << 20)

typedef struct ftm_ctx {
    st_list *out;
    const char *file;
    const char *default_dataset;
    st_map *by_ftm_id;       /* FtM id -> index in out->entities */
    json_t *deferred;        /* array of [line, object]: links applied at the end */
    json_t *addresses;       /* FtM id -> full address text */
} ftm_ctx;

/* Call fn on every string of properties[key]. */
typedef int (*ftm_str_fn)(st_entity *e, const char *v, void *arg);

static int ftm_each(json_t *props, const char *key, st_entity *e, ftm_str_fn fn, void *arg) {
    json_t *arr = json_object_get(props, key), *v;
    size_t i;
    if (!json_is_array(arr)) return ST_OK;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v)) continue;
        int rc = fn(e, json_string_value(v), arg);
        if (rc != ST_OK && rc != ST_EINVAL) return rc;
    }
    return ST_OK;
}

static int fn_name(st_entity *e, const char *v, void *arg) {
    return st_entity_add_name(e, v, *(st_name_kind *)arg);
}
static int fn_date(st_entity *e, const char *v, void *arg) {
    (void)arg;
    st_pdate d;
    return st_pdate_parse(v, &d) == ST_OK ? st_entity_add_birth_date(e, d) : ST_OK;
}
static int fn_place(st_entity *e, const char *v, void *arg) { (void)arg; return st_entity_add_birth_place(e, v); }
static int fn_nat(st_entity *e, const char *v, void *arg) {
    (void)arg;
    char cc[3];
    return st_country_code(v, cc) == ST_OK ? st_entity_add_nationality(e, cc) : ST_OK;
}
static int fn_country(st_entity *e, const char *v, void *arg) {
    (void)arg;
    char cc[3];
    return st_country_code(v, cc) == ST_OK ? st_entity_add_country(e, cc) : ST_OK;
}
static int fn_ident(st_entity *e, const char *v, void *arg) { return st_entity_add_ident(e, arg, v, ""); }
static int fn_addr(st_entity *e, const char *v, void *arg) { (void)arg; return st_entity_add_address(e, v); }
static int fn_program(st_entity *e, const char *v, void *arg) { (void)arg; return st_entity_add_program(e, v); }
static int fn_prop(st_entity *e, const char *v, void *arg) { return st_entity_add_prop(e, arg, v); }
static int fn_remark(st_entity *e, const char *v, void *arg) { (void)arg; return st_entity_append_remarks(e, v); }
static int fn_gender(st_entity *e, const char *v, void *arg) {
    (void)arg;
    if (!strcasecmp(v, "male") || !strcasecmp(v, "female")) return st_entity_set(&e->gender, !strcasecmp(v, "male") ? "male" : "female");
    return ST_OK;
}

static const char *ftm_first(json_t *props, const char *key) {
    json_t *arr = json_object_get(props, key);
    json_t *v = json_is_array(arr) ? json_array_get(arr, 0) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Facts every party schema may carry. */
static int ftm_fill(st_entity *e, json_t *p) {
    static const struct {
        const char *key;
        ftm_str_fn fn;
        const char *arg;
    } map[] = {
        {"birthDate", fn_date, NULL},          {"birthPlace", fn_place, NULL},
        {"nationality", fn_nat, NULL},         {"citizenship", fn_nat, NULL},
        {"country", fn_country, NULL},         {"jurisdiction", fn_country, NULL},
        {"flag", fn_country, NULL},            {"mainCountry", fn_country, NULL},
        {"passportNumber", fn_ident, "passport"}, {"idNumber", fn_ident, "national_id"},
        {"taxNumber", fn_ident, "tax_id"},     {"innCode", fn_ident, "tax_id"},
        {"vatCode", fn_ident, "tax_id"},       {"imoNumber", fn_ident, "imo"},
        {"mmsi", fn_ident, "mmsi"},            {"registrationNumber", fn_ident, "registration"},
        {"ogrnCode", fn_ident, "registration"}, {"leiCode", fn_ident, "lei"},
        {"swiftBic", fn_ident, "swift"},       {"callSign", fn_ident, "call_sign"},
        {"dunsCode", fn_ident, "duns"},        {"serialNumber", fn_ident, "aircraft_serial"},
        {"address", fn_addr, NULL},            {"program", fn_program, NULL},
        {"programId", fn_program, NULL},       {"notes", fn_remark, NULL},
        {"gender", fn_gender, NULL},           {"topics", fn_prop, "topics"},
        {"position", fn_prop, "position"},     {"title", fn_prop, "title"},
        {"email", fn_prop, "email"},           {"phone", fn_prop, "phone"},
        {"website", fn_prop, "website"},       {"type", fn_prop, "vesselType"},
        {"model", fn_prop, "model"},           {"buildDate", fn_prop, "buildDate"},
        {"incorporationDate", fn_prop, "incorporationDate"},
    };
    static const struct {
        const char *key;
        st_name_kind kind;
    } names[] = {{"name", ST_NAME_PRIMARY}, {"alias", ST_NAME_ALIAS}, {"weakAlias", ST_NAME_WEAK},
                 {"previousName", ST_NAME_FORMER}, {"abbreviation", ST_NAME_ALIAS}};
    int rc;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        st_name_kind k = names[i].kind;
        if ((rc = ftm_each(p, names[i].key, e, fn_name, &k)) != ST_OK) return rc;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if ((rc = ftm_each(p, map[i].key, e, map[i].fn, (void *)map[i].arg)) != ST_OK) return rc;
    /* listing date: the first "createdAt" when there is no Sanction entity */
    const char *created = ftm_first(p, "createdAt");
    if (created && !e->listed_on && strlen(created) >= 10) {
        char d[11];
        memcpy(d, created, 10);
        d[10] = 0;
        if ((rc = st_entity_set(&e->listed_on, d)) != ST_OK) return rc;
    }
    return ST_OK;
}

static int ftm_is_party(const char *schema, st_schema *s) {
    static const struct {
        const char *name;
        st_schema s;
    } parties[] = {{"Person", ST_SCHEMA_PERSON},       {"Organization", ST_SCHEMA_ORGANIZATION},
                   {"Company", ST_SCHEMA_COMPANY},     {"LegalEntity", ST_SCHEMA_UNKNOWN},
                   {"Vessel", ST_SCHEMA_VESSEL},       {"Airplane", ST_SCHEMA_AIRCRAFT},
                   {"CryptoWallet", ST_SCHEMA_CRYPTOWALLET}, {"PublicBody", ST_SCHEMA_ORGANIZATION}};
    for (size_t i = 0; i < sizeof parties / sizeof parties[0]; i++)
        if (!strcmp(schema, parties[i].name)) { *s = parties[i].s; return 1; }
    return 0;
}

static int ftm_is_link(const char *schema) {
    return !strcmp(schema, "Sanction") || !strcmp(schema, "Passport") || !strcmp(schema, "Identification") ||
           !strcmp(schema, "Address");
}

static int ftm_party(ftm_ctx *x, json_t *o, const char *fid, st_schema s, long line) {
    json_t *props = json_object_get(o, "properties");
    json_t *ds = json_object_get(o, "datasets");
    const char *dataset = json_is_array(ds) && json_is_string(json_array_get(ds, 0))
                              ? json_string_value(json_array_get(ds, 0)) : x->default_dataset;
    char id[512];
    snprintf(id, sizeof id, "%s:%s", dataset, fid);
    uint64_t seen;
    if (st_map_get(x->by_ftm_id, fid, strlen(fid), &seen)) {
        st_list_warn(x->out, x->file, line, id, "duplicate id; line skipped");
        return ST_OK;
    }
    st_entity *e;
    int rc = st_entity_new(&e, id, dataset, s);
    if (rc != ST_OK) return rc;
    if ((rc = ftm_fill(e, props)) != ST_OK) goto fail;
    if (s == ST_SCHEMA_CRYPTOWALLET) {
        const char *key = ftm_first(props, "publicKey"), *cur = ftm_first(props, "currency");
        if (key && (rc = st_entity_add_wallet(e, cur ? cur : "", key)) != ST_OK) goto fail;
        if (!e->n_names && key && (rc = st_entity_add_name(e, key, ST_NAME_PRIMARY)) != ST_OK) goto fail;
    }
    if (!e->n_names && !e->n_wallets) {
        st_list_warn(x->out, x->file, line, id, "%s without a name; skipped", st_schema_name(s));
        st_entity_free(e);
        return ST_OK;
    }
    if (!e->caption) { /* aliases only: the first one captions */
        if ((rc = st_entity_set(&e->caption, e->names[0].value)) != ST_OK) goto fail;
    }
    if ((rc = st_map_put(x->by_ftm_id, fid, strlen(fid), x->out->n_entities)) != ST_OK) goto fail;
    return st_list_push_take(x->out, e);
fail:
    st_entity_free(e);
    return rc;
}

static st_entity *ftm_target(ftm_ctx *x, json_t *props, const char *key, size_t *idx) {
    const char *ref = ftm_first(props, key);
    uint64_t i;
    if (!ref || !st_map_get(x->by_ftm_id, ref, strlen(ref), &i)) return NULL;
    if (idx) *idx = (size_t)i;
    return x->out->entities[i];
}

/* Fold a link entity (Sanction, Passport, Identification, Address) or a
 * wallet into its party. */
static int ftm_apply(ftm_ctx *x, json_t *o, long line) {
    const char *schema = json_string_value(json_object_get(o, "schema"));
    json_t *p = json_object_get(o, "properties");
    int rc = ST_OK;
    if (!strcmp(schema, "Sanction")) {
        st_entity *e = ftm_target(x, p, "entity", NULL);
        if (!e) return ST_OK;
        if ((rc = ftm_each(p, "program", e, fn_program, NULL)) != ST_OK) return rc;
        if ((rc = ftm_each(p, "programId", e, fn_program, NULL)) != ST_OK) return rc;
        const char *d = ftm_first(p, "listingDate");
        if (!d) d = ftm_first(p, "startDate");
        if (d && strlen(d) >= 10) {
            char day[11];
            memcpy(day, d, 10);
            day[10] = 0;
            if (!e->listed_on || strcmp(day, e->listed_on) < 0) rc = st_entity_set(&e->listed_on, day);
        }
        return rc;
    }
    if (!strcmp(schema, "Passport") || !strcmp(schema, "Identification")) {
        st_entity *e = ftm_target(x, p, "holder", NULL);
        const char *num = ftm_first(p, "number");
        if (!e || !num) return ST_OK;
        char cc[3] = "";
        const char *c = ftm_first(p, "country");
        if (c && st_country_code(c, cc) != ST_OK) cc[0] = 0;
        const char *type = ftm_first(p, "type");
        const char *t = !strcmp(schema, "Passport") || (type && strcasestr(type, "passport")) ? "passport" : "national_id";
        return st_entity_add_ident(e, t, num, cc);
    }
    if (!strcmp(schema, "CryptoWallet")) {
        size_t wi;
        const char *fid = json_string_value(json_object_get(o, "id"));
        uint64_t self;
        st_entity *holder = ftm_target(x, p, "holder", NULL);
        if (!holder || !fid || !st_map_get(x->by_ftm_id, fid, strlen(fid), &self)) return ST_OK;
        wi = (size_t)self;
        st_entity *w = x->out->entities[wi];
        if (!w || w == holder) return ST_OK; /* folded already (duplicate line), or its own holder */
        for (size_t i = 0; i < w->n_wallets; i++)
            if ((rc = st_entity_add_wallet(holder, w->wallets[i].chain, w->wallets[i].address)) != ST_OK) return rc;
        /* the wallet now lives in its holder: drop the standalone entity */
        st_entity_free(w);
        x->out->entities[wi] = NULL;
        return ST_OK;
    }
    (void)line;
    return ST_OK;
}

/* Address entities: remember their text for addressEntity references. */
static int ftm_address(ftm_ctx *x, json_t *o) {
    json_t *p = json_object_get(o, "properties");
    const char *fid = json_string_value(json_object_get(o, "id"));
    const char *full = ftm_first(p, "full");
    if (!full) full = json_string_value(json_object_get(o, "caption"));
    if (!fid || !full) return ST_OK;
    return json_object_set_new(x->addresses, fid, json_string(full)) == 0 ? ST_OK : ST_ENOMEM;
}

int st_parse_ftm(const char *data, size_t len, const char *name, const char *default_dataset, st_list *out,
                 st_error *err) {
    ftm_ctx x = {out, name, default_dataset && *default_dataset ? default_dataset : "ftm", NULL,
                 json_array(), json_object()};
    json_t *refs = json_array(); /* [ftm id of party, address id] pairs */
    size_t first = out->n_entities;
    int rc = ST_OK;
    long line = 0, parsed = 0;
    st_progress pg; /* bytes read, on a terminal */
    st_progress_begin(&pg, name, len);
    if (!x.deferred || !x.addresses || !refs || st_map_new(&x.by_ftm_id) != ST_OK) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory");
        goto done;
    }
    const char *p = data, *end = data + len;
    while (p < end) {
        if ((line & 1023) == 0) st_progress_tick(&pg, (uint64_t)(p - data));
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *ls = p;
        p = nl ? nl + 1 : end;
        line++;
        while (ls < le && (*ls == ' ' || *ls == '\t' || *ls == '\r')) ls++;
        if (ls == le) continue;
        if ((size_t)(le - ls) > FTM_MAX_LINE) {
            st_list_warn(out, name, line, NULL, "line over %u bytes; skipped", FTM_MAX_LINE);
            continue;
        }
        json_error_t je;
        json_t *o = json_loadb(ls, (size_t)(le - ls), JSON_REJECT_DUPLICATES, &je);
        if (!o) {
            if (!nl) { /* a last line cut short: the file is truncated */
                rc = st_error_at(err, ST_EPARSE, name, line, -1, "truncated last line: %s", je.text);
                goto done;
            }
            st_list_warn(out, name, line, NULL, "not JSON (column %d): %s", je.column, je.text);
            continue;
        }
        parsed++;
        const char *fid = json_string_value(json_object_get(o, "id"));
        const char *schema = json_string_value(json_object_get(o, "schema"));
        json_t *props = json_object_get(o, "properties");
        st_schema s;
        if (!json_is_object(o) || !fid || !*fid || !schema || (props && !json_is_object(props))) {
            st_list_warn(out, name, line, fid, "not a FollowTheMoney entity (needs id, schema, properties)");
        } else if (!props) {
            st_list_warn(out, name, line, fid, "entity without properties; skipped");
        } else if (ftm_is_party(schema, &s)) {
            rc = ftm_party(&x, o, fid, s, line);
            json_t *ae = json_object_get(props, "addressEntity"), *v;
            size_t i;
            if (rc == ST_OK && json_is_array(ae)) json_array_foreach(ae, i, v) {
                if (json_is_string(v) && json_array_append_new(refs, json_pack("[sO]", fid, v)) != 0) rc = ST_ENOMEM;
            }
            if (rc == ST_OK && s == ST_SCHEMA_CRYPTOWALLET && json_object_get(props, "holder") &&
                json_array_append_new(x.deferred, json_pack("[IO]", (json_int_t)line, o)) != 0)
                rc = ST_ENOMEM;
        } else if (ftm_is_link(schema)) {
            if (!strcmp(schema, "Address")) rc = ftm_address(&x, o);
            else if (json_array_append_new(x.deferred, json_pack("[IO]", (json_int_t)line, o)) != 0) rc = ST_ENOMEM;
        }
        json_decref(o);
        if (rc != ST_OK) {
            rc = st_error_at(err, rc, name, line, -1, "out of memory");
            goto done;
        }
    }
    /* links, in file order, now that every party is known */
    size_t i;
    json_t *item;
    json_array_foreach(x.deferred, i, item) {
        json_int_t l = json_integer_value(json_array_get(item, 0));
        if ((rc = ftm_apply(&x, json_array_get(item, 1), (long)l)) != ST_OK) {
            rc = st_error_at(err, rc, name, (long)l, -1, "out of memory");
            goto done;
        }
    }
    json_array_foreach(refs, i, item) {
        const char *pid = json_string_value(json_array_get(item, 0));
        const char *aid = json_string_value(json_array_get(item, 1));
        uint64_t k;
        json_t *text = json_object_get(x.addresses, aid);
        if (!text || !st_map_get(x.by_ftm_id, pid, strlen(pid), &k) || !out->entities[k]) continue;
        if ((rc = st_entity_add_address(out->entities[k], json_string_value(text))) != ST_OK) {
            rc = st_error_set(err, rc, "out of memory");
            goto done;
        }
    }
    /* close the gaps left by wallets folded into their holders */
    size_t w = first;
    for (size_t r = first; r < out->n_entities; r++)
        if (out->entities[r]) out->entities[w++] = out->entities[r];
    out->n_entities = w;
    if (out->n_entities == first && rc == ST_OK)
        rc = st_error_at(err, ST_EPARSE, name, 0, -1, parsed ? "no party entities in %ld JSON lines" : "no JSON lines", parsed);
done:
    st_progress_end(&pg);
    if (rc != ST_OK) { /* leave no NULL holes behind */
        size_t k = first;
        for (size_t r = first; r < out->n_entities; r++)
            if (out->entities[r]) out->entities[k++] = out->entities[r];
        out->n_entities = k;
    }
    st_map_free(x.by_ftm_id);
    json_decref(x.deferred);
    json_decref(x.addresses);
    json_decref(refs);
    return rc;
}
