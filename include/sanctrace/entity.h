/*
 * entity.h - the listed-party model, aligned with FollowTheMoney.
 *
 * An st_entity is one record of one sanctions list: a person, company,
 * vessel, aircraft or wallet.  Its id is "<source>:<the source's own id>"
 * ("un:KPi.033", "ofac:27307", "ofac-cons:<ent_num>", "<dataset>:<id>" for
 * FollowTheMoney files).  Every string inside is owned by the entity and
 * lives until st_entity_free; arrays grow through the st_entity_add_*
 * calls, which copy their arguments.
 */
#ifndef SANCTRACE_ENTITY_H
#define SANCTRACE_ENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum st_schema {
    ST_SCHEMA_UNKNOWN = 0, /* FollowTheMoney "LegalEntity": person or organisation */
    ST_SCHEMA_PERSON,
    ST_SCHEMA_ORGANIZATION,
    ST_SCHEMA_COMPANY,
    ST_SCHEMA_VESSEL,
    ST_SCHEMA_AIRCRAFT,
    ST_SCHEMA_CRYPTOWALLET,
} st_schema;

typedef enum st_name_kind {
    ST_NAME_PRIMARY = 0,
    ST_NAME_ALIAS,   /* a.k.a., good-quality alias */
    ST_NAME_WEAK,    /* low-quality alias: searchable at a lower weight */
    ST_NAME_FORMER,  /* f.k.a. */
} st_name_kind;

typedef struct st_ent_name {
    char *value;        /* as the list writes it, UTF-8 */
    st_name_kind kind;
    char script[8];     /* ISO 15924 of the dominant script: "Latn", "Hang", "Hani", ... */
} st_ent_name;

/* A birth date that may be partial: month/day 0 when unknown.  A range
 * ("1960 to 1962", "circa 1965") is year..year_to; year_to == year for one. */
typedef struct st_pdate {
    int16_t year, year_to;
    int8_t month, day;
    uint8_t circa;
} st_pdate;

typedef struct st_ent_ident {
    char *type;         /* "passport", "national_id", "imo", "mmsi", "registration", "swift", "tax_id", "other" */
    char *value;        /* as listed */
    char country[3];    /* ISO 3166-1 alpha-2 issuer, "" when unknown */
} st_ent_ident;

typedef struct st_ent_wallet {
    char *chain;        /* list's asset code upper-case: "XBT", "ETH", "USDT", "TRX", ... */
    char *address;      /* as listed */
} st_ent_wallet;

/* A further fact without a field of its own: "vesselType", "tonnage",
 * "callSign", "email", "website", "phone", "aircraftModel", ... (FtM
 * property names where FtM has one). */
typedef struct st_ent_prop {
    char *key;
    char *value;
} st_ent_prop;

typedef struct st_entity {
    char *id;
    st_schema schema;
    char *caption;                  /* display name: the primary name */
    st_ent_name *names; size_t n_names;
    st_pdate *birth_dates; size_t n_birth_dates;
    char **birth_places; size_t n_birth_places;
    char (*nationalities)[3]; size_t n_nationalities;   /* ISO alpha-2 */
    char (*countries)[3]; size_t n_countries;           /* address / flag / jurisdiction */
    st_ent_ident *idents; size_t n_idents;
    char **addresses; size_t n_addresses;
    st_ent_wallet *wallets; size_t n_wallets;
    char **programs; size_t n_programs;                 /* "DPRK3", "KPi", "SDGT", ... */
    char *gender;                   /* "male"/"female"/NULL */
    char *listed_on;                /* YYYY-MM-DD or NULL */
    char *source;                   /* "un", "ofac", "ofac-cons", or FtM dataset */
    char *remarks;                  /* list's free text, NULL when none */
    st_ent_prop *props; size_t n_props;                 /* further facts */
} st_entity;

/* Allocate an empty entity with the given id and source (copied). */
int st_entity_new(st_entity **out, const char *id, const char *source, st_schema schema);
/* The entity's content hash, 64 lower-case hex digits: SHA-256 of its
 * lossless snapshot line, the serialisation `update` compares to call an
 * entity changed.  ST_OK or ST_ENOMEM. */
int st_entity_content_hash(const st_entity *e, char out[65]);
void st_entity_free(st_entity *e);

/* Adders copy their arguments; ST_OK or ST_ENOMEM.  Duplicates (same
 * value, kind) are ignored, so parsers may add freely. */
int st_entity_add_name(st_entity *e, const char *value, st_name_kind kind);
int st_entity_add_birth_date(st_entity *e, st_pdate d);
int st_entity_add_birth_place(st_entity *e, const char *place);
int st_entity_add_nationality(st_entity *e, const char *iso2);
int st_entity_add_country(st_entity *e, const char *iso2);
int st_entity_add_ident(st_entity *e, const char *type, const char *value, const char *iso2);
int st_entity_add_address(st_entity *e, const char *address);
int st_entity_add_wallet(st_entity *e, const char *chain, const char *address);
int st_entity_add_program(st_entity *e, const char *program);
int st_entity_add_prop(st_entity *e, const char *key, const char *value);
int st_entity_set(char **field, const char *value); /* replace an owned string field */
/* Append text to e->remarks ("; " between parts). */
int st_entity_append_remarks(st_entity *e, const char *text);
/* Dominant ISO 15924 script of UTF-8 text into out: "Latn", "Hang", "Hani",
 * "Arab", "Cyrl", ...; "Zyyy" when it has no letters. */
void st_detect_script(const char *s, char out[8]);

const char *st_schema_name(st_schema s);             /* "Person", ... */
st_schema st_schema_parse(const char *s);            /* case-insensitive; UNKNOWN when not known */
const char *st_name_kind_name(st_name_kind k);       /* "primary", "alias", "weak", "former" */
int st_name_kind_parse(const char *s, st_name_kind *k); /* inverse; ST_EINVAL when unknown */

/* Parse "1965", "1965-03", "1965-03-01", "01 Mar 1965", "Mar 1965",
 * "1960 to 1962", "circa 1965" and similar into *d; ST_EPARSE when no year. */
int st_pdate_parse(const char *s, st_pdate *d);
/* "1965", "1965-03" or "1965-03-01" (or "1960/1962" for ranges) into out. */
const char *st_pdate_format(const st_pdate *d, char *out, size_t n);

/* Country: ISO alpha-2, alpha-3 or an English name (including the lists'
 * forms: "Korea, North", "Democratic People's Republic of Korea") to an
 * upper-case ISO alpha-2 code in out[3].  ST_ENOTFOUND when unknown. */
int st_country_code(const char *s, char out[3]);
const char *st_country_name(const char *iso2); /* English short name or NULL */
const char *st_country_iso3(const char *iso2); /* "PRK" for "KP", or NULL */

#ifdef __cplusplus
}
#endif

#endif
