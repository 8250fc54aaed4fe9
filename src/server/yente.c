/*
 * yente.c - FollowTheMoney's schema tree, topics, countries, facets,
 * dataset titles and the /catalog body as yente's clients read them.
 *
 * Design: sanctrace serves seven FtM schemata; each carries its line of
 * ancestors here (from FtM's schema files: Company extends Organization
 * and Asset, Vessel and Airplane extend Vehicle, an Asset, CryptoWallet
 * extends Value), so "schema=LegalEntity" or "schema=Asset" selects what
 * FtM would.  Facets count into small maps bounded by SRV_FACET_MAX.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/map.h"
#include "server/yente.h"

/* ---- schemata ---- */

/* Every schema FollowTheMoney defines (its schema files), for refusing a
 * name that is none with yente's 400. */
static const char *const ftm_schemata[] = {
    "Address", "Airplane", "Analyzable", "Article", "Asset", "Associate", "Audio", "BankAccount", "Call",
    "CallForTenders", "Company", "Contract", "ContractAward", "CourtCase", "CourtCaseParty", "CryptoWallet",
    "Debt", "Directorship", "Document", "Documentation", "EconomicActivity", "Email", "Employment", "Event",
    "Family", "Folder", "HyperText", "Identification", "Image", "Interest", "Interval", "LegalEntity",
    "License", "Membership", "Mention", "Message", "Note", "Occupancy", "Organization", "Ownership",
    "Package", "Page", "Pages", "Passport", "Payment", "Person", "PlainText", "Position", "Project",
    "ProjectParticipant", "PublicBody", "RealEstate", "Representation", "Risk", "Sanction", "Security",
    "Similar", "Succession", "Table", "TaxRoll", "Thing", "Trip", "UnknownLink", "UserAccount", "Value",
    "Vehicle", "Vessel", "Video", "Workbook",
};

int srv_ftm_schema_known(const char *name) {
    if (!name) return 0;
    if (strcmp(name, "Aircraft") == 0) return 1;
    for (size_t i = 0; i < sizeof ftm_schemata / sizeof ftm_schemata[0]; i++)
        if (strcmp(name, ftm_schemata[i]) == 0) return 1;
    return 0;
}

/* The schema and its FtM ancestors, NULL-terminated. */
static const char *const *ancestors(st_schema s) {
    static const char *const person[] = {"Person", "LegalEntity", "Thing", NULL};
    static const char *const org[] = {"Organization", "LegalEntity", "Thing", NULL};
    static const char *const company[] = {"Company", "Organization", "LegalEntity", "Asset", "Value", "Thing", NULL};
    static const char *const vessel[] = {"Vessel", "Vehicle", "Asset", "Value", "Thing", NULL};
    static const char *const airplane[] = {"Airplane", "Aircraft", "Vehicle", "Asset", "Value", "Thing", NULL};
    static const char *const wallet[] = {"CryptoWallet", "Value", "Thing", NULL};
    static const char *const legal[] = {"LegalEntity", "Thing", NULL};
    switch (s) {
    case ST_SCHEMA_PERSON: return person;
    case ST_SCHEMA_ORGANIZATION: return org;
    case ST_SCHEMA_COMPANY: return company;
    case ST_SCHEMA_VESSEL: return vessel;
    case ST_SCHEMA_AIRCRAFT: return airplane;
    case ST_SCHEMA_CRYPTOWALLET: return wallet;
    default: return legal;
    }
}

int srv_schema_is_a(st_schema s, const char *name) {
    for (const char *const *a = ancestors(s); *a; a++)
        if (strcmp(*a, name) == 0) return 1;
    return 0;
}

/* ---- topics, countries, titles ---- */

size_t srv_entity_topics(const st_entity *e, const char **out, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < e->n_props && n < max; i++)
        if (strcmp(e->props[i].key, "topics") == 0 && e->props[i].value && *e->props[i].value)
            out[n++] = e->props[i].value;
    if (n == 0 && max) out[n++] = "sanction";
    return n;
}

static void country_add(char (*out)[3], size_t *n, size_t max, const char *iso2) {
    char c[3] = {(char)(iso2[0] | 0x20), iso2[0] ? (char)(iso2[1] | 0x20) : 0, 0};
    if (!c[0] || !c[1]) return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(out[i], c) == 0) return;
    if (*n < max) memcpy(out[(*n)++], c, 3);
}

size_t srv_entity_countries(const st_entity *e, char (*out)[3], size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < e->n_nationalities; i++) country_add(out, &n, max, e->nationalities[i]);
    for (size_t i = 0; i < e->n_countries; i++) country_add(out, &n, max, e->countries[i]);
    return n;
}

const char *srv_dataset_title(const char *name) {
    static const struct {
        const char *name, *title;
    } titles[] = {
        {"default", "All lists served"},
        {"un", "UN Security Council Consolidated List"},
        {"ofac", "OFAC Specially Designated Nationals (SDN) List"},
        {"ofac-cons", "OFAC Consolidated (non-SDN) Sanctions List"},
        {"ofac-crypto", "OFAC Digital Currency Addresses"},
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (strcmp(name, titles[i].name) == 0) return titles[i].title;
    return name;
}

/* ---- filter=field:value ---- */

/* Does e hold value in field?  *ftm is e's FtM JSON, made on first need. */
static int field_has(const st_entity *e, const char *field, size_t flen, const char *value, json_t **ftm) {
#define FIELD_IS(s) (flen == sizeof(s) - 1 && memcmp(field, s, flen) == 0)
    if (FIELD_IS("countries")) {
        char cs[64][3];
        size_t n = srv_entity_countries(e, cs, 64);
        for (size_t i = 0; i < n; i++)
            if (strcasecmp(cs[i], value) == 0) return 1;
        return 0;
    }
    if (FIELD_IS("topics")) {
        const char *ts[32];
        size_t n = srv_entity_topics(e, ts, 32);
        for (size_t i = 0; i < n; i++)
            if (strcmp(ts[i], value) == 0) return 1;
        return 0;
    }
    if (FIELD_IS("datasets")) return strcmp(e->source ? e->source : "", value) == 0;
    if (FIELD_IS("schema")) return strcmp(st_schema_ftm_name(e->schema), value) == 0;
    if (FIELD_IS("genders")) return e->gender && strcmp(e->gender, value) == 0;
    if (FIELD_IS("identifiers")) {
        for (size_t i = 0; i < e->n_idents; i++)
            if (e->idents[i].value && strcmp(e->idents[i].value, value) == 0) return 1;
        return 0;
    }
#undef FIELD_IS
    if (flen <= 11 || memcmp(field, "properties.", 11) != 0) return 0; /* a field no entity has */
    if (!*ftm && !(*ftm = st_entity_to_ftm(e))) return 0;
    char prop[128];
    if (flen - 11 >= sizeof prop) return 0;
    memcpy(prop, field + 11, flen - 11);
    prop[flen - 11] = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(*ftm, "properties"), prop), i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0) return 1;
    }
    return 0;
}

int srv_entity_filters_pass(const st_entity *e, const char *const *filters, int n, int all) {
    json_t *ftm = NULL;
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        const char *colon = strchr(filters[i], ':');
        size_t flen = colon ? (size_t)(colon - filters[i]) : strlen(filters[i]);
        int seen = 0; /* a field already judged with an earlier filter */
        for (int k = 0; k < i && !seen; k++) seen = strncmp(filters[k], filters[i], flen + 1) == 0;
        if (seen) continue;
        int hits = 0, count = 0;
        for (int k = i; k < n; k++) {
            if (strncmp(filters[k], filters[i], flen + 1) != 0) continue;
            count++;
            hits += field_has(e, filters[i], flen, filters[k] + flen + 1, &ftm);
        }
        ok = all ? hits == count : hits > 0;
    }
    json_decref(ftm);
    return ok;
}

/* ---- facets ---- */

typedef struct facet_counts {
    st_map *map;        /* value -> count */
    size_t n;           /* distinct values counted (<= SRV_FACET_MAX) */
} facet_counts;

#define N_FACETS 6
static const char *const facet_names[N_FACETS] = {"countries", "topics", "datasets", "schema", "identifiers", "genders"};

struct srv_facets {
    int wanted;
    facet_counts c[N_FACETS];
};

int srv_facet_parse(const char *name) {
    for (int i = 0; i < N_FACETS; i++)
        if (strcmp(name, facet_names[i]) == 0) return 1 << i;
    return 0;
}

srv_facets *srv_facets_new(int wanted) {
    srv_facets *f = st_calloc(1, sizeof *f);
    if (!f) return NULL;
    f->wanted = wanted;
    for (int i = 0; i < N_FACETS; i++) {
        if (!(wanted & (1 << i))) continue;
        if (st_map_new(&f->c[i].map) != ST_OK) {
            srv_facets_free(f);
            return NULL;
        }
    }
    return f;
}

static int count(facet_counts *c, const char *v) {
    if (!v || !*v) return ST_OK;
    int created = 0;
    size_t len = strlen(v);
    if (c->n >= SRV_FACET_MAX) { /* full: count only values already there */
        uint64_t *slot = NULL, old;
        if (st_map_get(c->map, v, len, &old)) slot = st_map_slot(c->map, v, len, 0, &created);
        if (slot) (*slot)++;
        return ST_OK;
    }
    uint64_t *slot = st_map_slot(c->map, v, len, 0, &created);
    if (!slot) return ST_ENOMEM;
    if (created) c->n++;
    (*slot)++;
    return ST_OK;
}

int srv_facets_add(srv_facets *f, const st_entity *e) {
    int rc = ST_OK;
    if (f->wanted & SRV_FACET_COUNTRIES) {
        char cs[64][3];
        size_t n = srv_entity_countries(e, cs, 64);
        for (size_t i = 0; i < n && rc == ST_OK; i++) rc = count(&f->c[0], cs[i]);
    }
    if (f->wanted & SRV_FACET_TOPICS) {
        const char *ts[32];
        size_t n = srv_entity_topics(e, ts, 32);
        for (size_t i = 0; i < n && rc == ST_OK; i++) rc = count(&f->c[1], ts[i]);
    }
    if ((f->wanted & SRV_FACET_DATASETS) && rc == ST_OK) rc = count(&f->c[2], e->source ? e->source : "");
    if ((f->wanted & SRV_FACET_SCHEMA) && rc == ST_OK) rc = count(&f->c[3], st_schema_ftm_name(e->schema));
    if (f->wanted & SRV_FACET_IDENTIFIERS)
        for (size_t i = 0; i < e->n_idents && rc == ST_OK; i++) rc = count(&f->c[4], e->idents[i].value);
    if ((f->wanted & SRV_FACET_GENDERS) && rc == ST_OK && e->gender) rc = count(&f->c[5], e->gender);
    return rc;
}

typedef struct facet_item {
    const char *name;
    size_t len;
    uint64_t count;
} facet_item;

static int item_cmp(const void *a, const void *b) {
    const facet_item *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* yente's labels: the facet's plural, a value's caption (a country's
 * name, a dataset's title, a schema's plural, a topic's label). */
static const char *value_label(int facet, const char *v, char *buf, size_t n) {
    static const struct {
        const char *name, *label;
    } topics[] = {
        {"sanction", "Sanctioned entity"}, {"sanction.linked", "Sanction-linked entity"},
        {"debarment", "Debarred entity"},  {"crime", "Crime"},
        {"role.pep", "Politician"},        {"role.rca", "Close Associate"},
        {"poi", "Person of interest"},     {"export.control", "Export controlled"},
    };
    static const struct {
        const char *name, *plural;
    } schemata[] = {
        {"Person", "People"},         {"Organization", "Organizations"}, {"Company", "Companies"},
        {"LegalEntity", "Legal entities"}, {"Vessel", "Vessels"},       {"Airplane", "Airplanes"},
        {"CryptoWallet", "Cryptocurrency wallets"},
    };
    switch (facet) {
    case 0: {
        char up[3] = {(char)(v[0] & ~0x20), v[0] ? (char)(v[1] & ~0x20) : 0, 0};
        const char *name = st_country_name(up);
        return name ? name : v;
    }
    case 1:
        for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
            if (strcmp(v, topics[i].name) == 0) return topics[i].label;
        return v;
    case 2: return srv_dataset_title(v);
    case 3:
        for (size_t i = 0; i < sizeof schemata / sizeof schemata[0]; i++)
            if (strcmp(v, schemata[i].name) == 0) return schemata[i].plural;
        return v;
    case 5:
        snprintf(buf, n, "%s", v);
        if (buf[0] >= 'a' && buf[0] <= 'z') buf[0] = (char)(buf[0] - 32);
        return buf;
    default: return v;
    }
}

json_t *srv_facets_json(const srv_facets *f) {
    static const char *const labels[N_FACETS] = {"Countries", "Topics", "Data sources", "Entity types",
                                                 "Identifiers", "Genders"};
    json_t *out = json_object();
    for (int k = 0; k < N_FACETS && out; k++) {
        if (!(f->wanted & (1 << k))) continue;
        const facet_counts *c = &f->c[k];
        facet_item *items = st_malloc((c->n ? c->n : 1) * sizeof *items);
        json_t *values = json_array();
        size_t n = 0, it = 0, kl;
        const char *key;
        uint64_t v;
        while (items && n < c->n && st_map_next(c->map, &it, &key, &kl, &v)) items[n++] = (facet_item){key, kl, v};
        if (items && n > 1) qsort(items, n, sizeof *items, item_cmp);
        for (size_t i = 0; items && values && i < n; i++) {
            char name[300], buf[300];
            if (items[i].len >= sizeof name) continue;
            memcpy(name, items[i].name, items[i].len);
            name[items[i].len] = 0;
            json_array_append_new(values, json_pack("{s:s, s:s, s:I}", "name", name, "label",
                                                    value_label(k, name, buf, sizeof buf), "count",
                                                    (json_int_t)items[i].count));
        }
        st_free(items);
        json_object_set_new(out, facet_names[k], json_pack("{s:s, s:o}", "label", labels[k], "values",
                                                           values ? values : json_array()));
    }
    return out;
}

void srv_facets_free(srv_facets *f) {
    if (!f) return;
    for (int i = 0; i < N_FACETS; i++) st_map_free(f->c[i].map);
    st_free(f);
}

/* ---- catalog ---- */

json_t *srv_iso_seconds(const char *t) {
    char buf[20];
    if (!t || strlen(t) < 19) return json_null();
    memcpy(buf, t, 19);
    buf[19] = 0;
    return json_string(buf);
}

/* The datasets a source's entities carry other than its own name (an FtM
 * file brings several: "eu_fsf", "gb_hmt", ...), or NULL. */
static json_t *source_children(const char *name, json_t *src) {
    json_t *ds = json_object_get(src, "datasets"), *out = NULL, *v;
    size_t i;
    json_array_foreach(ds, i, v) {
        const char *d = json_string_value(v);
        if (!d || strcmp(d, name) == 0) continue;
        if (!out) out = json_array();
        json_array_append_new(out, json_string(d));
    }
    return out;
}

int srv_catalog_has(json_t *cat, const char *dataset) {
    if (strcmp(dataset, "default") == 0) return 1;
    json_t *sources = json_object_get(cat, "sources"), *src, *v;
    if (json_object_get(sources, dataset)) return 1;
    const char *name;
    size_t i;
    json_object_foreach(sources, name, src) {
        json_array_foreach(json_object_get(src, "datasets"), i, v) {
            if (json_is_string(v) && strcmp(json_string_value(v), dataset) == 0) return 1;
        }
    }
    return 0;
}

/* One YenteDatasetModel.  A kept source's newest version could not be
 * read: none is known, so what is indexed is not it (yente computes
 * index_current = index_version == version).  count < 0: unknown. */
static json_t *dataset_json(const char *name, json_t *children, json_int_t count, const char *version, int kept,
                            int load, const char *updated, const char *changed) {
    json_t *d = json_pack("{s:s, s:s, s:o, s:s?, s:s?, s:b, s:b, s:o, s:o}", "name", name, "title",
                          srv_dataset_title(name), "children", children ? children : json_array(), "version",
                          kept ? NULL : version, "index_version", version, "index_current", !kept, "load", load,
                          "updated_at", srv_iso_seconds(updated), "last_change", srv_iso_seconds(changed));
    if (d && count >= 0) {
        json_object_set_new(d, "entity_count", json_integer(count));
        json_object_set_new(d, "thing_count", json_integer(count));
    }
    return d;
}

json_t *srv_yente_catalog(json_t *cat, json_t *status) {
    json_t *datasets = json_array(), *current = json_array(), *outdated = json_array(), *children = json_array();
    const char *version = json_string_value(json_object_get(cat, "version"));
    const char *created = json_string_value(json_object_get(cat, "created"));
    json_t *sources = json_object_get(cat, "sources");
    const char *name;
    json_t *src;
    json_int_t total = 0;
    json_object_foreach(sources, name, src) {
        const char *st = json_string_value(json_object_get(src, "status"));
        int kept = st && strcmp(st, "kept") == 0; /* the last update could not read it anew */
        const char *fetched = json_string_value(json_object_get(src, "fetched"));
        const char *list_date = json_string_value(json_object_get(src, "list_date"));
        const char *updated = list_date ? list_date : fetched;
        json_int_t n = json_integer_value(json_object_get(src, "entities"));
        total += n;
        /* a source whose entities name other datasets is their collection, as
         * yente's catalog holds OpenSanctions' collections; they are what is loaded */
        json_t *kids = source_children(name, src), *k;
        json_t *d = dataset_json(name, kids ? json_deep_copy(kids) : NULL, n, version, kept, !kids, updated, fetched);
        const char *refused = json_string_value(json_object_get(src, "refused"));
        if (d && refused) json_object_set_new(d, "refused", json_string(refused));
        json_array_append_new(datasets, d);
        size_t i;
        json_array_foreach(kids, i, k) {
            json_array_append_new(datasets, dataset_json(json_string_value(k), NULL, -1, version, kept, 1, updated, fetched));
            json_array_append_new(kept ? outdated : current, json_string(json_string_value(k)));
        }
        if (!kids) json_array_append_new(kept ? outdated : current, json_string(name));
        json_decref(kids);
        json_array_append_new(children, json_string(name));
    }
    json_array_insert_new(datasets, 0, dataset_json("default", children, total, version, 0, 0, created, created));
    (void)status; /* a failed update leaves the served snapshot whole: nothing in it turns outdated */
    return json_pack("{s:o, s:o, s:o, s:b}", "datasets", datasets, "current", current, "outdated", outdated,
                     "index_stale", json_array_size(outdated) > 0);
}
