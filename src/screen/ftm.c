/*
 * ftm.c - an st_entity as FollowTheMoney-shaped JSON, the shape yente
 * clients and the screen command's output use.
 *
 * Invariant: property values are always arrays of strings, as in FtM.
 */
#include <stdio.h>
#include <string.h>

#include "sanctrace/screen.h"

static void prop_add(json_t *props, const char *key, const char *value) {
    if (!value || !*value) return;
    json_t *arr = json_object_get(props, key);
    if (!arr) {
        arr = json_array();
        json_object_set_new(props, key, arr);
    }
    json_array_append_new(arr, json_string(value));
}

static const char *ident_property(const st_ent_ident *id, st_schema schema) {
    const char *t = id->type ? id->type : "";
    if (!strcmp(t, "passport")) return "passportNumber";
    if (!strcmp(t, "imo")) return "imoNumber";
    if (!strcmp(t, "mmsi")) return "mmsi";
    if (!strcmp(t, "swift")) return "swiftBic";
    if (!strcmp(t, "tax_id")) return "taxNumber";
    if (!strcmp(t, "registration")) return schema == ST_SCHEMA_PERSON ? "idNumber" : "registrationNumber";
    return "idNumber";
}

json_t *st_entity_to_ftm(const st_entity *e) {
    json_t *o = json_object(), *props = json_object();
    if (!o || !props) { json_decref(o); json_decref(props); return NULL; }
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "schema", json_string(st_schema_name(e->schema)));
    json_object_set_new(o, "caption", json_string(e->caption ? e->caption : e->id));
    for (size_t i = 0; i < e->n_names; i++) {
        static const char *const key[] = {"name", "alias", "weakAlias", "previousName"};
        prop_add(props, key[e->names[i].kind <= ST_NAME_FORMER ? e->names[i].kind : 1], e->names[i].value);
    }
    char d[32];
    for (size_t i = 0; i < e->n_birth_dates; i++)
        prop_add(props, "birthDate", st_pdate_format(&e->birth_dates[i], d, sizeof d));
    for (size_t i = 0; i < e->n_birth_places; i++) prop_add(props, "birthPlace", e->birth_places[i]);
    for (size_t i = 0; i < e->n_nationalities; i++) {
        char c[3] = {(char)(e->nationalities[i][0] | 0x20), (char)(e->nationalities[i][1] | 0x20), 0};
        prop_add(props, "nationality", c);
    }
    for (size_t i = 0; i < e->n_countries; i++) {
        char c[3] = {(char)(e->countries[i][0] | 0x20), (char)(e->countries[i][1] | 0x20), 0};
        prop_add(props, e->schema == ST_SCHEMA_VESSEL ? "flag" : "country", c);
    }
    for (size_t i = 0; i < e->n_idents; i++)
        prop_add(props, ident_property(&e->idents[i], e->schema), e->idents[i].value);
    for (size_t i = 0; i < e->n_addresses; i++) prop_add(props, "address", e->addresses[i]);
    for (size_t i = 0; i < e->n_wallets; i++) {
        char w[512];
        snprintf(w, sizeof w, "%s:%s", e->wallets[i].chain, e->wallets[i].address);
        prop_add(props, e->schema == ST_SCHEMA_CRYPTOWALLET ? "publicKey" : "cryptoWallet", w);
    }
    for (size_t i = 0; i < e->n_programs; i++) prop_add(props, "program", e->programs[i]);
    prop_add(props, "gender", e->gender);
    prop_add(props, "createdAt", e->listed_on);
    prop_add(props, "notes", e->remarks);
    json_object_set_new(o, "properties", props);
    json_t *ds = json_array();
    json_array_append_new(ds, json_string(e->source ? e->source : ""));
    json_object_set_new(o, "datasets", ds);
    return o;
}
