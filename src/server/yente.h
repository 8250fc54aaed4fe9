/*
 * yente.h - what yente's clients read beside the scores: FollowTheMoney's
 * schema tree as far as sanctrace's entities reach it, an entity's topics
 * and countries, the facets of a /search answer, dataset titles and the
 * /catalog body (yente's DataCatalogModel).
 *
 * Design: pure functions over entities and the snapshot catalog (no
 * network, no store), so /search, /catalog and the reconciliation services
 * share one reading of an entity.  Facet counts are bounded: at most
 * SRV_FACET_MAX distinct values per facet are counted (yente's terms
 * aggregation returns 1,000).
 */
#ifndef ST_SERVER_YENTE_H
#define ST_SERVER_YENTE_H

#include <jansson.h>

#include "sanctrace/screen.h"

#define SRV_FACET_MAX 1000

/* Is name a FollowTheMoney schema (any of them, "Address" too)?  "Aircraft",
 * sanctrace's old name for Airplane, is accepted. */
int srv_ftm_schema_known(const char *name);

/* Is e of schema name or one of its descendants (Thing: everything,
 * LegalEntity: persons and organisations, Asset: companies, vessels and
 * airplanes, ...)? */
int srv_schema_is_a(st_schema s, const char *name);

/* The topics of e: those an FtM source gave it, else "sanction" (every
 * official list sanctrace reads is one).  At most max, borrowed from e or
 * static; returns how many. */
size_t srv_entity_topics(const st_entity *e, const char **out, size_t max);

/* The FtM country codes (lower case) e is linked to: nationalities, then
 * countries, each once; at most max into out[i][3]; returns how many. */
size_t srv_entity_countries(const st_entity *e, char (*out)[3], size_t max);

/* yente's /search filter=FIELD:VALUE over e: FIELD "properties.<prop>" (a
 * value of that FtM property, as st_entity_to_ftm writes it), "countries",
 * "topics", "datasets", "schema" (the FtM schema name), "identifiers" or
 * "genders".  Values of one field combine as filter_op says (all: AND,
 * else OR), fields with AND.  filters[i] hold a ':' (srv_search_params_parse
 * checked).  1 passes, 0 not. */
int srv_entity_filters_pass(const st_entity *e, const char *const *filters, int n, int all);

/* A dataset's title: the official list's name, "All lists" for default,
 * else the name itself.  Static or name. */
const char *srv_dataset_title(const char *name);

/* Facets of one answer: which to count (a bit per srv_facet) and the counts. */
typedef enum srv_facet {
    SRV_FACET_COUNTRIES = 1,
    SRV_FACET_TOPICS = 2,
    SRV_FACET_DATASETS = 4,
    SRV_FACET_SCHEMA = 8,
    SRV_FACET_IDENTIFIERS = 16,
    SRV_FACET_GENDERS = 32,
} srv_facet;

/* yente's facet names ("countries", ...) to their bit; 0 when unknown. */
int srv_facet_parse(const char *name);

typedef struct srv_facets srv_facets;
/* NULL without memory; wanted is a mask of srv_facet. */
srv_facets *srv_facets_new(int wanted);
/* Count e in every wanted facet; ST_OK or ST_ENOMEM. */
int srv_facets_add(srv_facets *f, const st_entity *e);
/* yente's {"countries": {"label", "values": [{"name", "label", "count"}]}, ...},
 * values by count then name; new reference. */
json_t *srv_facets_json(const srv_facets *f);
void srv_facets_free(srv_facets *f);

/* A time ("2026-12-05T21:02:05Z") as yente writes them, seconds and no
 * zone ("2026-12-05T21:02:05"); null for NULL or a shorter text.  New reference. */
json_t *srv_iso_seconds(const char *t);

/* Is dataset one the catalog serves: "default", a source, or a dataset a
 * source's entities carry (an FtM file's "eu_fsf")? */
int srv_catalog_has(json_t *cat, const char *dataset);

/* yente's DataCatalogModel for the snapshot catalog cat
 * (st_snapshot_catalog) and the updater's status (srv_live_status): one
 * dataset per source plus "default" holding them all (a source whose
 * entities carry other dataset names is their collection, each listed
 * too, without a count), each with name,
 * title, children, entity_count, version, index_version, index_current,
 * load, updated_at and last_change; "current" the sources served from
 * this snapshot's own download, "outdated" those the last update had to
 * keep from an earlier one; index_stale when any is.  New reference. */
json_t *srv_yente_catalog(json_t *cat, json_t *status);

#endif
