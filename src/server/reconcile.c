/*
 * reconcile.c - the reconciliation services beside matching: manifest,
 * suggest (entity, type, property), preview and data extension.
 *
 * Design: one table below names every FtM property sanctrace writes or
 * reads in a query, the schema that defines it and which of the served
 * schemata carry it; property suggest, extension proposals, extension
 * metadata and the preview all read it, so they never disagree.  Entity
 * suggest is a phrase-prefix search over the listed names (the prefix's
 * words in order, the last one a word's start, case folded), filled from
 * screening the prefix as a name when the words are complete, so
 * "alexander zak" still finds a transliterated "Aleksandr Zakharov".
 * Text from the lists reaches the preview HTML only escaped, and the
 * preview carries a Content-Security-Policy without scripts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "server/reconcile.h"
#include "server/request.h"
#include "server/yente.h"

/* ---- FtM properties and types ---- */

enum { P = 1, O = 2, C = 4, L = 8, V = 16, A = 32, W = 64, ALL = 127, LEGAL = P | O | C | L };

typedef struct ftm_prop {
    const char *schema, *name, *label;
    int on;       /* the served schemata that have it */
    int country;  /* values are country codes: captioned as names */
} ftm_prop;

static const ftm_prop props[] = {
    {"Thing", "name", "Name", ALL, 0},
    {"Thing", "alias", "Other name", ALL, 0},
    {"Thing", "previousName", "Previous name", ALL, 0},
    {"Thing", "weakAlias", "Weak alias", ALL, 0},
    {"Thing", "country", "Country", ALL, 1},
    {"Thing", "address", "Address", ALL, 0},
    {"Thing", "program", "Program", ALL, 0},
    {"Thing", "topics", "Topics", ALL, 0},
    {"Thing", "notes", "Notes", ALL, 0},
    {"Thing", "createdAt", "Created at", ALL, 0},
    {"LegalEntity", "jurisdiction", "Jurisdiction", LEGAL, 1},
    {"LegalEntity", "idNumber", "ID Number", LEGAL, 0},
    {"LegalEntity", "registrationNumber", "Registration number", LEGAL, 0},
    {"LegalEntity", "taxNumber", "Tax Number", LEGAL, 0},
    {"LegalEntity", "swiftBic", "SWIFT/BIC", LEGAL, 0},
    {"LegalEntity", "email", "E-Mail", LEGAL, 0},
    {"LegalEntity", "phone", "Phone", LEGAL, 0},
    {"LegalEntity", "website", "Website", LEGAL, 0},
    {"LegalEntity", "sector", "Sector", LEGAL, 0},
    {"LegalEntity", "incorporationDate", "Incorporation date", LEGAL, 0},
    {"Person", "firstName", "First name", P, 0},
    {"Person", "middleName", "Middle name", P, 0},
    {"Person", "lastName", "Last name", P, 0},
    {"Person", "birthDate", "Birth date", P, 0},
    {"Person", "birthPlace", "Place of birth", P, 0},
    {"Person", "nationality", "Nationality", P, 1},
    {"Person", "citizenship", "Citizenship", P, 1},
    {"Person", "passportNumber", "Passport number", P, 0},
    {"Person", "gender", "Gender", P, 0},
    {"Person", "position", "Position", P, 0},
    {"Person", "title", "Title", P, 0},
    {"Organization", "imoNumber", "IMO Number", O | C, 0},
    {"Vehicle", "registrationNumber", "Registration number", V | A, 0},
    {"Vehicle", "type", "Type", V | A, 0},
    {"Vehicle", "model", "Model", V | A, 0},
    {"Vehicle", "buildDate", "Build Date", V | A, 0},
    {"Vessel", "imoNumber", "IMO Number", V, 0},
    {"Vessel", "callSign", "Call Sign", V, 0},
    {"Vessel", "mmsi", "MMSI", V, 0},
    {"Vessel", "flag", "Flag", V, 1},
    {"Vessel", "pastFlags", "Past flags", V, 0},
    {"Vessel", "tonnage", "Tonnage", V, 0},
    {"Airplane", "serialNumber", "Serial Number", A, 0},
    {"CryptoWallet", "publicKey", "Address", W, 0},
    {"CryptoWallet", "currencySymbol", "Currency", W, 0},
};
#define N_PROPS (sizeof props / sizeof props[0])

/* The types served: id, FtM's plural as name, a description. */
static const struct {
    const char *id, *name, *description;
    int bit;
} types[] = {
    {"Person", "People", "An individual", P},
    {"Organization", "Organizations", "Any type of incorporated entity or group", O},
    {"Company", "Companies", "A corporation, usually for profit", C},
    {"LegalEntity", "Legal entities", "A person or an organisation, when the list does not say which", P | O | C | L},
    {"Vessel", "Vessels", "A boat or ship", V},
    {"Airplane", "Airplanes", "An airplane, helicopter or other flying vehicle", A},
    {"CryptoWallet", "Cryptocurrency wallets", "A cryptocurrency wallet", W},
};
#define N_TYPES (sizeof types / sizeof types[0])

static int schema_bit(st_schema s) {
    switch (s) {
    case ST_SCHEMA_PERSON: return P;
    case ST_SCHEMA_ORGANIZATION: return O;
    case ST_SCHEMA_COMPANY: return C;
    case ST_SCHEMA_VESSEL: return V;
    case ST_SCHEMA_AIRCRAFT: return A;
    case ST_SCHEMA_CRYPTOWALLET: return W;
    default: return L;
    }
}

/* The served schemata an FtM type name covers (Thing: all; Asset: companies,
 * vessels, airplanes; ...); 0 when it names none sanctrace serves. */
static int type_bits(const char *t) {
    static const struct {
        const char *name;
        int bits;
    } parents[] = {{"Thing", ALL}, {"Asset", C | V | A}, {"Value", C | V | A | W}, {"Vehicle", V | A}, {"Aircraft", A}};
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp(t, types[i].id) == 0) return types[i].bit;
    for (size_t i = 0; i < sizeof parents / sizeof parents[0]; i++)
        if (strcmp(t, parents[i].name) == 0) return parents[i].bits;
    return 0;
}

/* A property id as clients send it: "birthDate" or its qname "Person:birthDate". */
static const char *prop_name(const char *id) {
    const char *c = strchr(id, ':');
    return c ? c + 1 : id;
}

static const ftm_prop *prop_find(const char *name, int bits) {
    for (size_t i = 0; i < N_PROPS; i++)
        if (strcmp(props[i].name, name) == 0 && (!bits || (props[i].on & bits))) return &props[i];
    return NULL;
}

/* yente's match_prefix: the prefix (trimmed, case folded) starts one of the labels. */
static int prefix_of(const char *prefix, const char *a, const char *b) {
    while (isspace((unsigned char)*prefix)) prefix++;
    size_t n = strlen(prefix);
    while (n && isspace((unsigned char)prefix[n - 1])) n--;
    if (!n) return 0;
    return (a && strncasecmp(a, prefix, n) == 0) || (b && strncasecmp(b, prefix, n) == 0);
}

/* ---- manifest ---- */

/* "http://HOST" for service URLs: the Host the client used (the guard
 * admitted it), else localhost. */
static void origin_of(srv_req *r, char *out, size_t n) {
    const char *host = srv_header(r, "Host");
    int ok = host && *host && strlen(host) < 200;
    for (const char *c = host; ok && *c; c++)
        ok = isalnum((unsigned char)*c) || strchr(".-:[]", *c);
    snprintf(out, n, "http://%s", ok ? host : "localhost");
}

/* The api_key the manifest was fetched with, carried into every service
 * path (OpenRefine calls them as given): "?api_key=K" or "". */
static void key_query(srv_req *r, char *out, size_t n, char sep) {
    const char *k = srv_arg(r, "api_key");
    int ok = k && *k && strlen(k) < 120;
    for (const char *c = k; ok && *c; c++) ok = isalnum((unsigned char)*c) || *c == '_' || *c == '-';
    if (ok) snprintf(out, n, "%capi_key=%s", sep, k);
    else out[0] = 0;
}

void srv_reconcile_manifest(srv_req *r, const char *base, srv_resp *out) {
    char origin[256], url[512], view[600], preview[700], k1[160], k2[160], path[3][200], propose[200];
    origin_of(r, origin, sizeof origin);
    key_query(r, k1, sizeof k1, '?');
    key_query(r, k2, sizeof k2, '&');
    snprintf(url, sizeof url, "%s%s", origin, base);
    snprintf(view, sizeof view, "%s/entities/{{id}}", origin);
    snprintf(preview, sizeof preview, "%s/preview?id={{id}}%s", url, k2);
    static const char *const kinds[3] = {"entity", "type", "property"};
    for (int i = 0; i < 3; i++) snprintf(path[i], sizeof path[i], "/suggest/%s%s", kinds[i], k1);
    snprintf(propose, sizeof propose, "/extend/property%s", k1);
    json_t *dt = json_array();
    for (size_t i = 0; i < N_TYPES; i++)
        json_array_append_new(dt, json_pack("{s:s, s:s, s:s}", "id", types[i].id, "name", types[i].name,
                                            "description", types[i].description));
    out->status = 200;
    out->json = json_pack(
        "{s:[s,s], s:s, s:s, s:s, s:s, s:s, s:o, s:{s:s}, s:{s:s, s:i, s:i}, "
        "s:{s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}, "
        "s:{s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}]}, "
        "s:i}",
        "versions", "0.1", "0.2", "name", "sanctrace sanctions lists", "identifierSpace",
        "https://sanctrace.invalid/entity", "schemaSpace", "https://sanctrace.invalid/schema", "documentation",
        "https://sanctrace.invalid/docs/server.md", "serviceVersion", ST_VERSION, "defaultTypes", dt, "view", "url",
        view, "preview", "url", preview, "width", 430, "height", 300, "suggest", "entity", "service_url", url,
        "service_path", path[0], "type", "service_url", url, "service_path", path[1], "property", "service_url",
        url, "service_path", path[2], "extend", "propose_properties", "service_url", url, "service_path", propose,
        "property_settings", "name", "limit", "label", "Limit", "type", "number", "default", 0, "help_text",
        "Maximum number of values per row (0: all)", "name", "render", "label", "Value rendering", "type",
        "select", "default", "caption", "help_text", "Readable values ('Russia') or raw codes ('ru')",
        "choices", "value", "caption", "id", "caption", "name", "Readable value", "value", "raw", "id", "raw",
        "name", "Raw value", "batchSize", 50);
}

/* ---- suggest ---- */

/* Folded words of s: ASCII letters lower-cased, ASCII non-alphanumerics
 * as spaces (other bytes kept), runs of spaces as one; into out. */
static void fold(const char *s, char *out, size_t n) {
    size_t k = 0;
    int space = 1;
    for (; *s && k + 1 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80 && !isalnum(c)) {
            if (!space) out[k++] = ' ';
            space = 1;
            continue;
        }
        out[k++] = (char)(c < 0x80 ? tolower(c) : c);
        space = 0;
    }
    while (k && out[k - 1] == ' ') k--;
    out[k] = 0;
}

/* Does folded name hold folded prefix at a word start (its words in order,
 * the last one a word's beginning)? */
static int phrase_prefix(const char *name, const char *prefix) {
    size_t n = strlen(prefix);
    for (const char *p = name; (p = strstr(p, prefix)) != NULL; p++)
        if (n && (p == name || p[-1] == ' ')) return 1;
    return 0;
}

static json_t *suggest_entity_json(const st_entity *e) {
    char fid[ST_FTM_ID_MAX + 1], desc[300];
    st_entity_ftm_id(e->id, fid);
    const char *schema = st_schema_ftm_name(e->schema);
    snprintf(desc, sizeof desc, "%s, %s", schema, srv_dataset_title(e->source ? e->source : ""));
    return json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "id", fid, "name", e->caption ? e->caption : fid,
                     "description", desc, "notable", "id", schema, "name", schema);
}

static int suggest_has(json_t *res, const st_entity *e) {
    char fid[ST_FTM_ID_MAX + 1];
    st_entity_ftm_id(e->id, fid);
    size_t i;
    json_t *x;
    json_array_foreach(res, i, x) {
        if (strcmp(json_string_value(json_object_get(x, "id")), fid) == 0) return 1;
    }
    return 0;
}

static int dataset_has(const char *dataset, const st_entity *e) {
    return strcmp(dataset, "default") == 0 || strcmp(e->source ? e->source : "", dataset) == 0;
}

static void suggest_entities(st_snapshot *snap, const char *dataset, const char *prefix, size_t limit,
                             json_t *res) {
    char fp[SRV_MAX_VALUE_LEN + 1], fn[2048];
    fold(prefix, fp, sizeof fp);
    if (!fp[0]) return; /* yente: no prefix, no suggestions */
    size_t n = st_snapshot_count(snap);
    /* primary names first, then any name */
    for (int pass = 0; pass < 2 && json_array_size(res) < limit; pass++) {
        for (size_t i = 0; i < n && json_array_size(res) < limit; i++) {
            const st_entity *e = st_snapshot_entity(snap, i);
            if (!e || !dataset_has(dataset, e)) continue;
            for (size_t k = 0; k < e->n_names; k++) {
                if ((e->names[k].kind == ST_NAME_PRIMARY) != (pass == 0)) continue;
                fold(e->names[k].value, fn, sizeof fn);
                if (!phrase_prefix(fn, fp)) continue;
                if (!suggest_has(res, e)) json_array_append_new(res, suggest_entity_json(e));
                break;
            }
        }
    }
    /* complete words: screened as a name, for spellings the prefix misses */
    if (json_array_size(res) >= limit || !strchr(fp, ' ')) return;
    st_query q = {0};
    q.name = prefix;
    q.dataset = strcmp(dataset, "default") == 0 ? NULL : dataset;
    st_screen_opts o = {0.7, limit};
    st_match *m = NULL;
    size_t nm = 0;
    st_error err;
    st_error_clear(&err);
    if (st_screen(snap, &q, &o, &m, &nm, &err) != ST_OK) return;
    for (size_t i = 0; i < nm && json_array_size(res) < limit; i++)
        if (!suggest_has(res, m[i].entity)) json_array_append_new(res, suggest_entity_json(m[i].entity));
    st_matches_free(m, nm);
}

void srv_reconcile_suggest(srv_api *S, srv_req *r, const char *dataset, const char *kind, srv_resp *out) {
    const char *prefix = srv_arg(r, "prefix");
    if (!prefix) prefix = "";
    if (strlen(prefix) > SRV_MAX_VALUE_LEN) {
        srv_error(out, 422, "invalid_request", "prefix is longer than %d bytes", SRV_MAX_VALUE_LEN);
        return;
    }
    const char *ls = srv_arg(r, "limit");
    long limit = ls && *ls ? strtol(ls, NULL, 10) : 10;
    if (limit < 1) limit = 1;
    if (limit > SRV_SUGGEST_MAX) limit = SRV_SUGGEST_MAX;
    json_t *res = json_array();
    if (strcmp(kind, "entity") == 0) {
        st_snapshot *snap = srv_live_get(S->live, NULL);
        if (!snap) {
            json_decref(res);
            srv_error(out, 503, "not_ready", "no list snapshot is loaded yet; run 'sanctrace update'");
            return;
        }
        suggest_entities(snap, dataset, prefix, (size_t)limit, res);
        st_snapshot_release(snap);
    } else if (strcmp(kind, "type") == 0) {
        for (size_t i = 0; i < N_TYPES && json_array_size(res) < (size_t)limit; i++)
            if (prefix_of(prefix, types[i].id, types[i].name))
                json_array_append_new(res, json_pack("{s:s, s:s, s:s}", "id", types[i].id, "name", types[i].name,
                                                     "description", types[i].description));
    } else { /* property: ids are qnames, as yente's */
        for (size_t i = 0; i < N_PROPS && json_array_size(res) < (size_t)limit; i++) {
            if (!prefix_of(prefix, props[i].name, props[i].label)) continue;
            char qname[80];
            snprintf(qname, sizeof qname, "%s:%s", props[i].schema, props[i].name);
            json_array_append_new(res, json_pack("{s:s, s:s, s:s}", "id", qname, "name", props[i].label,
                                                 "description", props[i].schema));
        }
    }
    out->status = 200;
    out->json = json_pack("{s:s, s:s, s:s, s:o}", "code", "/api/status/ok", "status", "200 OK", "prefix", prefix,
                          "result", res);
}

/* ---- values, as extension and preview show them ---- */

/* A value of prop for people: a country's name, a capitalised gender, else as is. */
static const char *caption_of(const ftm_prop *p, const char *v, char *buf, size_t n) {
    if (p && p->country && strlen(v) == 2) {
        char up[3] = {(char)toupper((unsigned char)v[0]), (char)toupper((unsigned char)v[1]), 0};
        const char *name = st_country_name(up);
        if (name) return name;
    }
    if (p && strcmp(p->name, "gender") == 0) {
        snprintf(buf, n, "%s", v);
        buf[0] = (char)toupper((unsigned char)buf[0]);
        return buf;
    }
    return v;
}

/* ---- preview ---- */

static void html_text(st_buf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': st_buf_puts(b, "&lt;"); break;
        case '>': st_buf_puts(b, "&gt;"); break;
        case '&': st_buf_puts(b, "&amp;"); break;
        case '"': st_buf_puts(b, "&quot;"); break;
        case '\'': st_buf_puts(b, "&#39;"); break;
        default: st_buf_putc(b, *s);
        }
    }
}

void srv_reconcile_preview(srv_api *S, srv_req *r, srv_resp *out) {
    const char *id = srv_arg(r, "id");
    if (!id || !*id || strlen(id) > 512) {
        srv_error(out, 422, "invalid_request", "give the entity as ?id=ID");
        return;
    }
    st_snapshot *snap = srv_live_get(S->live, NULL);
    if (!snap) {
        srv_error(out, 503, "not_ready", "no list snapshot is loaded yet; run 'sanctrace update'");
        return;
    }
    const st_entity *e = st_snapshot_find(snap, id);
    if (!e) {
        srv_error(out, 404, "not_found", "no entity '%s' in snapshot %s", id, st_snapshot_version(snap));
        st_snapshot_release(snap);
        return;
    }
    json_t *o = st_entity_to_ftm(e);
    json_t *pr = json_object_get(o, "properties");
    st_buf b;
    st_buf_init(&b, (size_t)1 << 20);
    const char *caption = e->caption ? e->caption : e->id;
    st_buf_puts(&b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
    html_text(&b, caption);
    st_buf_puts(&b, "</title><style>body{font:13px sans-serif;margin:8px}h3{margin:0 0 4px}"
                    "p{color:#555;margin:0 0 8px}th{text-align:left;vertical-align:top;padding-right:8px;"
                    "color:#555;font-weight:normal}td{padding-bottom:2px}</style></head><body><h3>");
    html_text(&b, caption);
    st_buf_puts(&b, "</h3><p>");
    html_text(&b, st_schema_ftm_name(e->schema));
    st_buf_puts(&b, " &middot; ");
    html_text(&b, srv_dataset_title(e->source ? e->source : ""));
    st_buf_puts(&b, " &middot; ");
    html_text(&b, json_string_value(json_object_get(o, "id")) ?: "");
    st_buf_puts(&b, "</p><table>");
    int bit = schema_bit(e->schema);
    for (size_t i = 0; i < N_PROPS; i++) {
        if (!(props[i].on & bit) || strcmp(props[i].name, "name") == 0 || strcmp(props[i].name, "notes") == 0)
            continue;
        json_t *vals = json_object_get(pr, props[i].name);
        if (!json_array_size(vals)) continue;
        st_buf_puts(&b, "<tr><th>");
        html_text(&b, props[i].label);
        st_buf_puts(&b, "</th><td>");
        size_t k;
        json_t *v;
        json_array_foreach(vals, k, v) {
            char buf[256];
            if (k == 8) {
                st_buf_printf(&b, "; &hellip; (%zu in all)", json_array_size(vals));
                break;
            }
            if (k) st_buf_puts(&b, "; ");
            html_text(&b, caption_of(&props[i], json_string_value(v) ?: "", buf, sizeof buf));
        }
        st_buf_puts(&b, "</td></tr>");
    }
    int rc = st_buf_puts(&b, "</table></body></html>");
    json_decref(o);
    st_snapshot_release(snap);
    if (rc != ST_OK) {
        st_buf_free(&b);
        srv_error(out, 503, "out_of_memory", "no memory for the preview");
        return;
    }
    out->raw_len = b.len;
    out->raw_owned = st_buf_take(&b);
    out->raw = (const unsigned char *)out->raw_owned;
    out->type = "text/html; charset=utf-8";
    out->frameable = 1;
    out->status = 200;
}

/* ---- data extension ---- */

void srv_reconcile_propose(srv_req *r, srv_resp *out) {
    const char *type = srv_arg(r, "type");
    if (!type || !*type) type = "Thing";
    const char *ls = srv_arg(r, "limit");
    long limit = ls && *ls ? strtol(ls, NULL, 10) : 0;
    int bits = type_bits(type);
    if (!bits) {
        srv_error(out, 400, "invalid_type", "Invalid type: %.60s", type);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < N_PROPS; i++) {
        if (!(props[i].on & bits) || strcmp(props[i].name, "notes") == 0) continue;
        int dup = 0; /* one entry per name (registrationNumber, imoNumber have two qnames) */
        for (size_t k = 0; k < i && !dup; k++) dup = (props[k].on & bits) && strcmp(props[k].name, props[i].name) == 0;
        if (dup) continue;
        json_array_append_new(arr, json_pack("{s:s, s:s}", "id", props[i].name, "name", props[i].label));
        if (limit > 0 && json_array_size(arr) >= (size_t)limit) break;
    }
    out->status = 200;
    out->json = json_pack("{s:i, s:s, s:o}", "limit", (int)(limit > 0 ? limit : 0), "type", type, "properties", arr);
}

void srv_reconcile_extend(srv_api *S, const char *text, srv_resp *out) {
    json_error_t je;
    json_t *q = json_loads(text, 0, &je), *ids, *want;
    if (!q) {
        srv_error(out, 400, "invalid_json", "extend: line %d, column %d: %s", je.line, je.column, je.text);
        return;
    }
    ids = json_object_get(q, "ids");
    want = json_object_get(q, "properties");
    if (!json_is_array(ids) || !json_is_array(want)) {
        srv_error(out, 422, "invalid_request", "extend: expected {\"ids\": [...], \"properties\": [{\"id\"}, ...]}");
        json_decref(q);
        return;
    }
    if (json_array_size(ids) > SRV_MAX_QUERIES || json_array_size(want) > SRV_EXTEND_MAX_PROPS) {
        srv_error(out, 422, "too_many_queries", "extend: at most %d ids and %d properties", SRV_MAX_QUERIES,
                  SRV_EXTEND_MAX_PROPS);
        json_decref(q);
        return;
    }
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x) {
        if (!json_is_string(x) || json_string_length(x) > 512) {
            srv_error(out, 422, "invalid_request", "extend.ids[%zu]: expected an entity id", i);
            json_decref(q);
            return;
        }
    }
    json_array_foreach(want, i, x) {
        json_t *settings = json_object_get(x, "settings");
        if (!json_is_string(json_object_get(x, "id")) || (settings && !json_is_object(settings))) {
            srv_error(out, 422, "invalid_request", "extend.properties[%zu]: expected {\"id\", \"settings\"}", i);
            json_decref(q);
            return;
        }
    }
    st_snapshot *snap = srv_live_get(S->live, NULL);
    if (!snap) {
        srv_error(out, 503, "not_ready", "no list snapshot is loaded yet; run 'sanctrace update'");
        json_decref(q);
        return;
    }
    json_t *meta = json_array(), *rows = json_object();
    json_array_foreach(want, i, x) {
        const char *id = json_string_value(json_object_get(x, "id"));
        const ftm_prop *p = prop_find(prop_name(id), 0);
        json_array_append_new(meta, json_pack("{s:s, s:s}", "id", id, "name", p ? p->label : id));
    }
    json_array_foreach(ids, i, x) {
        const char *id = json_string_value(x);
        const st_entity *e = st_snapshot_find(snap, id);
        json_t *row = json_object();
        json_object_set_new(rows, id, row);
        if (!e) continue; /* unknown: an empty row, as yente answers */
        json_t *ftm = st_entity_to_ftm(e);
        json_t *pr = json_object_get(ftm, "properties");
        size_t k;
        json_t *w;
        json_array_foreach(want, k, w) {
            const char *pid = json_string_value(json_object_get(w, "id"));
            json_t *settings = json_object_get(w, "settings");
            json_int_t lim = json_integer_value(json_object_get(settings, "limit"));
            const char *render = json_string_value(json_object_get(settings, "render"));
            int raw = render && strcmp(render, "raw") == 0;
            const ftm_prop *p = prop_find(prop_name(pid), schema_bit(e->schema));
            json_t *vals = json_array(), *src = p ? json_object_get(pr, p->name) : NULL;
            size_t n;
            json_t *v;
            json_array_foreach(src, n, v) {
                char buf[256];
                if (lim > 0 && (json_int_t)n >= lim) break;
                const char *s = json_string_value(v);
                json_array_append_new(vals, json_pack("{s:s}", "str", raw ? s : caption_of(p, s, buf, sizeof buf)));
            }
            json_object_set_new(row, pid, vals);
        }
        json_decref(ftm);
    }
    st_snapshot_release(snap);
    json_decref(q);
    out->status = 200;
    out->json = json_pack("{s:o, s:o}", "meta", meta, "rows", rows);
}
