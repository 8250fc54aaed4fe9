/*
 * input.h - the records a user hands to `screen` and `monitor add`.
 *
 * Design: one reader for both shapes the issue names — CSV with a header
 * (id plus name | wallet | id_number; schema, birth_date, nationality,
 * country, address optional; unknown columns ignored) and JSON lines with
 * the same keys — recognised by the first non-blank byte.  Each record is
 * copied into its own st_screen_record so the file buffer can go; a bad
 * record becomes an entry with `error` set (and its line) instead of
 * stopping the run, and reading resumes at the next line (the shared
 * malformed-record rule of core/csv.h).
 */
#ifndef ST_SCREEN_INPUT_H
#define ST_SCREEN_INPUT_H

#include <stddef.h>

#include "sanctrace/screen.h"

typedef struct st_screen_record {
    long line;          /* 1-based line of the record in the input */
    char *id;           /* the caller's id; "line:<n>" when the input has none */
    int id_default;     /* id is the "line:<n>" default */
    char *name, *wallet, *id_number, *schema, *birth_date, *nationality, *country, *address;
    char *error;        /* non-NULL: the record cannot be screened, and why (the
                         * reason alone: line and id are beside it) */
    int malformed;      /* the record itself could not be read (CSV syntax,
                         * field count, size; a bad JSON line) */
} st_screen_record;

typedef struct st_screen_input {
    st_screen_record *recs;
    size_t n;
    int id_column;      /* CSV: the header names an id column; JSON lines: 1 */
} st_screen_input;

/* Parse data[0..len) (named `name` in messages).  Structural failures
 * (a CSV header without any screenable column) return ST_EPARSE with err
 * set; per-record problems land in recs[i].error. */
int st_screen_input_parse(const char *data, size_t len, const char *name,
                          st_screen_input *out, st_error *err);
void st_screen_input_free(st_screen_input *in);
/* View a record as a query (pointers borrowed from rec). */
void st_screen_record_query(const st_screen_record *rec, st_query *q);

#endif
