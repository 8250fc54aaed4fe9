/*
 * countries.h - the generated ISO 3166-1 table behind st_country_code and
 * st_country_name (private to src/lists).
 */
#ifndef ST_LISTS_COUNTRIES_H
#define ST_LISTS_COUNTRIES_H

#include <stddef.h>

typedef struct st_country_row {
    char iso2[3];
    char iso3[4];
    const char *name; /* English short name, UTF-8 */
} st_country_row;

typedef struct st_country_key {
    const char *key;  /* folded name: lower-case ASCII letters and digits */
    char iso2[3];
} st_country_key;

extern const st_country_row st_country_rows[];  /* sorted by iso2 */
extern const size_t st_country_nrows;
extern const st_country_key st_country_keys[];  /* sorted by key */
extern const size_t st_country_nkeys;

#endif
