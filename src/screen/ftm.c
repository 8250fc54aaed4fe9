/*
 * ftm.c - an st_entity as FollowTheMoney JSON, the shape yente clients
 * read, keeping to FtM's schemata: every property written is one the
 * entity's schema defines (Person's passportNumber, Vessel's imoNumber and
 * callSign, Airplane's serialNumber and registrationNumber, ...), so FtM
 * loaders accept it.
 *
 * Invariants: property values are arrays of strings; dates are FtM dates
 * (a listed range of years becomes each year, never "1960/1962"); the
 * aircraft schema is FtM's "Airplane" (sanctrace's own name for it,
 * "Aircraft", stays in snapshots and is accepted on input); a wallet
 * listed on a person or organisation is not a property of it: FtM keeps it
 * as a CryptoWallet entity whose holder is that party (the server nests
 * those, with the Sanction entities, in /entities/{id}); ids are FtM ids
 * (st_entity_ftm_id: "un:KPi.033" is "un-KPi.033"), the snapshot finds an
 * entity by either form, so ids stored before keep resolving.
 */
#include <stdio.h>
#include <string.h>

#include "core/sha256.h"
#include "sanctrace/screen.h"

static int id_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* sanctrace's ids are "<source>:<the list's id>"; FtM's pattern has no
 * ':' (nor '_', which FtM dataset names carry), so each becomes '-' -
 * OpenSanctions' own form ("ofac-27307").  An id holding anything else
 * (spaces, other scripts), or too long, would lose information that way:
 * it becomes "<source>-x" + 32 hex digits of its SHA-256.  Two ids that
 * give one FtM id (only contrived ones do) resolve to the first in the
 * snapshot (screen.c). */
int st_entity_ftm_id(const char *id, char out[ST_FTM_ID_MAX + 1]) {
    size_t n = strlen(id);
    int clean = n > 0 && n <= ST_FTM_ID_MAX && id_alnum((unsigned char)id[0]) && id_alnum((unsigned char)id[n - 1]);
    for (size_t i = 0; clean && i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!id_alnum(c) && c != '.' && c != '-' && c != ':' && c != '_') clean = 0;
    }
    if (clean) {
        for (size_t i = 0; i < n; i++) out[i] = id[i] == ':' || id[i] == '_' ? '-' : id[i];
        out[n] = 0;
        return strcmp(out, id) != 0;
    }
    size_t k = 0;
    for (size_t i = 0; i < n && id[i] != ':' && k < 40; i++)
        if (id_alnum((unsigned char)id[i])) out[k++] = id[i];
        else if (k && out[k - 1] != '-') out[k++] = '-';
    while (k && out[k - 1] == '-') k--;
    if (!k) out[k++] = 'e';
    char hex[65];
    st_sha256_hex(id, n, hex);
    snprintf(out + k, ST_FTM_ID_MAX + 1 - k, "-x%.32s", hex);
    return 1;
}

static void prop_add(json_t *props, const char *key, const char *value) {
    if (!value || !*value) return;
    json_t *arr = json_object_get(props, key);
    if (!arr) {
        arr = json_array();
        json_object_set_new(props, key, arr);
    }
    json_array_append_new(arr, json_string(value));
}

const char *st_schema_ftm_name(st_schema s) {
    return s == ST_SCHEMA_AIRCRAFT ? "Airplane" : st_schema_name(s);
}

static int is_legal_entity(st_schema s) {
    return s == ST_SCHEMA_PERSON || s == ST_SCHEMA_ORGANIZATION || s == ST_SCHEMA_COMPANY ||
           s == ST_SCHEMA_UNKNOWN;
}

/* The FtM property an identifier of this type goes to on this schema;
 * NULL: none (the caller writes it into the notes). */
static const char *ident_property(const st_ent_ident *id, st_schema schema) {
    const char *t = id->type ? id->type : "";
    switch (schema) {
    case ST_SCHEMA_VESSEL:
        if (!strcmp(t, "imo")) return "imoNumber";
        if (!strcmp(t, "mmsi")) return "mmsi";
        if (!strcmp(t, "call_sign")) return "callSign";
        return "registrationNumber";
    case ST_SCHEMA_AIRCRAFT:
        if (!strcmp(t, "aircraft_msn") || !strcmp(t, "aircraft_serial")) return "serialNumber";
        if (!strcmp(t, "aircraft_mode_s")) return NULL; /* a transponder code: no FtM property */
        return "registrationNumber";
    case ST_SCHEMA_CRYPTOWALLET:
        return NULL;
    case ST_SCHEMA_PERSON:
        if (!strcmp(t, "passport")) return "passportNumber";
        if (!strcmp(t, "tax_id")) return "taxNumber";
        if (!strcmp(t, "swift")) return "swiftBic";
        return "idNumber";
    default: /* Organization, Company, LegalEntity */
        if (!strcmp(t, "imo") && schema != ST_SCHEMA_UNKNOWN) return "imoNumber";
        if (!strcmp(t, "tax_id")) return "taxNumber";
        if (!strcmp(t, "swift")) return "swiftBic";
        if (!strcmp(t, "registration") || !strcmp(t, "imo")) return "registrationNumber";
        return "idNumber";
    }
}

/* A further fact (st_ent_prop) under its FtM name, when the schema has it. */
static const char *fact_property(const char *key, st_schema s) {
    static const struct {
        const char *key, *ftm;
        int legal, person, vessel, aircraft;
    } facts[] = {
        {"email", "email", 1, 1, 0, 0},          {"phone", "phone", 1, 1, 0, 0},
        {"website", "website", 1, 1, 0, 0},      {"sector", "sector", 1, 1, 0, 0},
        {"incorporationDate", "incorporationDate", 1, 0, 0, 0},
        {"position", "position", 0, 1, 0, 0},    {"title", "title", 0, 1, 0, 0},
        {"callSign", "callSign", 0, 0, 1, 0},    {"tonnage", "tonnage", 0, 0, 1, 0},
        {"pastFlags", "pastFlags", 0, 0, 1, 0},  {"vesselType", "type", 0, 0, 1, 0},
        {"buildDate", "buildDate", 0, 0, 1, 1},  {"model", "model", 0, 0, 1, 1},
        {"aircraftModel", "model", 0, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        if (strcmp(key, facts[i].key) != 0) continue;
        int ok = s == ST_SCHEMA_PERSON     ? facts[i].person || facts[i].legal
                 : s == ST_SCHEMA_VESSEL   ? facts[i].vessel
                 : s == ST_SCHEMA_AIRCRAFT ? facts[i].aircraft
                 : is_legal_entity(s)      ? facts[i].legal
                                           : 0;
        return ok ? facts[i].ftm : NULL;
    }
    return NULL;
}

/* A partial date as FtM dates: one value, or each year of a listed range
 * ("born 1960 to 1962"); a range over 20 years gives its two ends. */
static void date_add(json_t *props, const char *key, const st_pdate *d) {
    char buf[32];
    if (d->year_to > d->year) {
        int last = d->year_to, step = d->year_to - d->year > 20 ? d->year_to - d->year : 1;
        for (int y = d->year; y <= last; y += step) {
            snprintf(buf, sizeof buf, "%04d", y);
            prop_add(props, key, buf);
        }
        return;
    }
    prop_add(props, key, st_pdate_format(d, buf, sizeof buf));
}

json_t *st_entity_to_ftm(const st_entity *e) {
    json_t *o = json_object(), *props = json_object();
    if (!o || !props) { json_decref(o); json_decref(props); return NULL; }
    st_schema s = e->schema;
    char fid[ST_FTM_ID_MAX + 1];
    st_entity_ftm_id(e->id, fid);
    json_object_set_new(o, "id", json_string(fid));
    json_object_set_new(o, "schema", json_string(st_schema_ftm_name(s)));
    json_object_set_new(o, "caption", json_string(e->caption ? e->caption : e->id));
    for (size_t i = 0; i < e->n_names; i++) {
        static const char *const key[] = {"name", "alias", "weakAlias", "previousName"};
        prop_add(props, key[e->names[i].kind <= ST_NAME_FORMER ? e->names[i].kind : 1], e->names[i].value);
    }
    if (s == ST_SCHEMA_PERSON) {
        for (size_t i = 0; i < e->n_birth_dates; i++) date_add(props, "birthDate", &e->birth_dates[i]);
        for (size_t i = 0; i < e->n_birth_places; i++) prop_add(props, "birthPlace", e->birth_places[i]);
        prop_add(props, "gender", e->gender);
    }
    for (size_t i = 0; i < e->n_nationalities; i++) {
        char c[3] = {(char)(e->nationalities[i][0] | 0x20), (char)(e->nationalities[i][1] | 0x20), 0};
        prop_add(props, s == ST_SCHEMA_PERSON ? "nationality" : "country", c); /* only persons have one */
    }
    for (size_t i = 0; i < e->n_countries; i++) {
        char c[3] = {(char)(e->countries[i][0] | 0x20), (char)(e->countries[i][1] | 0x20), 0};
        prop_add(props, s == ST_SCHEMA_VESSEL ? "flag" : "country", c);
    }
    for (size_t i = 0; i < e->n_idents; i++) {
        const char *p = ident_property(&e->idents[i], s);
        if (p) {
            prop_add(props, p, e->idents[i].value);
        } else {
            char note[600];
            snprintf(note, sizeof note, "%s: %s",
                     strcmp(e->idents[i].type ? e->idents[i].type : "", "aircraft_mode_s") == 0
                         ? "Mode S transponder code"
                         : (e->idents[i].type ? e->idents[i].type : "identifier"),
                     e->idents[i].value);
            prop_add(props, "notes", note);
        }
    }
    for (size_t i = 0; i < e->n_addresses; i++) prop_add(props, "address", e->addresses[i]);
    if (s == ST_SCHEMA_CRYPTOWALLET) {
        for (size_t i = 0; i < e->n_wallets; i++) {
            prop_add(props, "publicKey", e->wallets[i].address);
            prop_add(props, "currencySymbol", e->wallets[i].chain);
        }
    }
    for (size_t i = 0; i < e->n_props; i++) {
        const char *p = fact_property(e->props[i].key, s);
        if (!p) continue;
        if (!strcmp(p, "buildDate") || !strcmp(p, "incorporationDate")) {
            /* lists write these as text ("28 Aug 2002"): an FtM date, or left out */
            st_pdate d;
            if (st_pdate_parse(e->props[i].value, &d) == ST_OK && d.year) date_add(props, p, &d);
            continue;
        }
        prop_add(props, p, e->props[i].value);
    }
    for (size_t i = 0; i < e->n_programs; i++) prop_add(props, "program", e->programs[i]);
    prop_add(props, "createdAt", e->listed_on);
    prop_add(props, "notes", e->remarks);
    json_object_set_new(o, "properties", props);
    json_t *ds = json_array();
    json_array_append_new(ds, json_string(e->source ? e->source : ""));
    json_object_set_new(o, "datasets", ds);
    return o;
}
