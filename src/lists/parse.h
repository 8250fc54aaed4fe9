/*
 * parse.h - the sanctions-list parsers: official files in memory to
 * st_entity records plus per-record warnings.
 *
 * Design: every parser reads a buffer the caller owns (so fuzz targets and
 * tests call them without files) and a name used in messages.  A bad
 * record becomes a warning (file, line, record, reason) and parsing goes
 * on; only a file that cannot be read as a whole (XML not well-formed, a
 * CSV record that never ends, a missing required file) returns ST_EPARSE
 * with the position in *err, and then the st_list holds nothing useful:
 * the caller frees it and keeps its previous data for that source.
 */
#ifndef ST_LISTS_PARSE_H
#define ST_LISTS_PARSE_H

#include <stddef.h>

#include "sanctrace/entity.h"

/* Parsed entities and warnings.  Owns every entity in it. */
typedef struct st_list {
    st_entity **entities;
    size_t n_entities, cap_entities;
    st_error *warnings;        /* the first ST_LIST_MAX_WARNINGS kept */
    size_t n_warnings;         /* kept */
    size_t n_warnings_total;   /* all, kept or not */
} st_list;

#define ST_LIST_MAX_WARNINGS 2000

void st_list_init(st_list *l);
void st_list_free(st_list *l);   /* frees entities and warnings; l reusable after init */
/* Append e; the list takes ownership (also on failure, when e is freed). */
int st_list_push_take(st_list *l, st_entity *e);
/* Record a warning; never fails (dropped past the cap, still counted). */
void st_list_warn(st_list *l, const char *file, long line, const char *record,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Move every entity and warning of src to the end of dst; src is left empty. */
int st_list_move(st_list *dst, st_list *src);

/* UN Security Council consolidated list (consolidated.xml).
 * Ids "un:<REFERENCE_NUMBER>".  *generated (may be NULL) receives the
 * list's dateGenerated attribute (caller st_free()s). */
int st_parse_un_xml(const char *data, size_t len, const char *name, st_list *out,
                    char **generated, st_error *err);

/* One file of an OFAC legacy CSV set; data NULL when absent. */
typedef struct st_ofac_file {
    const char *data;
    size_t len;
    const char *name;    /* for messages: "sdn.csv", "/path/cons_alt.csv" */
} st_ofac_file;

typedef struct st_ofac_set {
    st_ofac_file prim;      /* sdn.csv / cons_prim.csv: required */
    st_ofac_file add;       /* add.csv / cons_add.csv */
    st_ofac_file alt;       /* alt.csv / cons_alt.csv */
    st_ofac_file comments;  /* sdn_comments.csv / cons_comments.csv */
} st_ofac_set;

/* OFAC SDN or non-SDN consolidated legacy CSV set (Windows-1252, "-0-" for
 * empty, no header).  source is "ofac" or "ofac-cons"; ids are
 * "<source>:<ent_num>". */
int st_parse_ofac(const st_ofac_set *set, const char *source, st_list *out, st_error *err);

/* Parse OFAC remarks text ("DOB 01 Jan 1960; alt. DOB 1962; Passport X
 * (Korea, North); Digital Currency Address - XBT 1...; a.k.a. 'X'") into
 * e's fields.  Does not touch e->remarks.  Problems become warnings in
 * warn (may be NULL) at file/line.  ST_OK or ST_ENOMEM. */
int st_ofac_remarks_parse(st_entity *e, const char *text, st_list *warn,
                          const char *file, long line);

/* FollowTheMoney JSON lines (OpenSanctions entities.ftm.json).  Ids are
 * "<first dataset>:<id>" (default_dataset when an entity names none).
 * Sanction, Passport/Identification and Address entities are folded into
 * the entity they point at; CryptoWallet entities into their holder when
 * the holder is in the file.  Other link schemas are skipped. */
int st_parse_ftm(const char *data, size_t len, const char *name, const char *default_dataset,
                 st_list *out, st_error *err);

/* One wallet address a line (sanctioned_addresses_<ASSET>.txt): one
 * CryptoWallet entity per address, id "<source>:<ASSET>:<address>". */
int st_parse_wallet_lines(const char *data, size_t len, const char *name, const char *asset,
                          const char *source, st_list *out, st_error *err);

#endif
