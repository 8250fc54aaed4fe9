/*
 * csv.h - a streaming RFC 4180 reader over a byte range in memory.
 *
 * Design: the caller maps or reads the whole file (lists and applicant
 * files fit in memory) and the reader walks it record by record, so a
 * record's fields stay valid until the next st_csv_next call.  Quoted
 * fields may span lines; the reader counts physical lines so errors name
 * the line a record starts on.  ST_CSV_CP1252 converts Windows-1252 text
 * (OFAC's legacy files) to UTF-8 as it goes.  Every field and record has
 * a hard size limit: hostile input is reported, never grown without bound.
 */
#ifndef ST_CSV_H
#define ST_CSV_H

#include <stddef.h>

#include "sanctrace/sanctrace.h"

enum {
    ST_CSV_CP1252 = 1, /* input is Windows-1252; convert to UTF-8 */
    ST_CSV_TRIM = 2,   /* trim blanks around unquoted and quoted fields */
};

#define ST_CSV_MAX_FIELDS 256
#define ST_CSV_MAX_RECORD (4u << 20) /* bytes in one record after decoding */

typedef struct st_csv st_csv;

/* A reader over data[0..len); data must outlive the reader.  name is used
 * in error messages (copied).  *out is owned by the caller: st_csv_close. */
int st_csv_open(st_csv **out, const char *data, size_t len, const char *name,
                unsigned flags);
void st_csv_close(st_csv *c);

/* Next record: 1 when a record was read, 0 at end of input, or an ST_E*
 * code with err filled (file, line, reason).  After ST_EPARSE/ST_ELIMIT the
 * reader has skipped to the start of the next line, so the caller may
 * report and continue. Blank lines are skipped. */
int st_csv_next(st_csv *c, st_error *err);

size_t st_csv_nfields(const st_csv *c);
/* Field i as a NUL-terminated UTF-8 string, "" when i is out of range.
 * Valid until the next st_csv_next. */
const char *st_csv_field(const st_csv *c, size_t i);
size_t st_csv_field_len(const st_csv *c, size_t i);
/* Line on which the current record started (1-based). */
long st_csv_line(const st_csv *c);

/* Append the UTF-8 encoding of Windows-1252 byte ch to out (up to 3 bytes);
 * returns the number of bytes written. */
int st_cp1252_to_utf8(unsigned char ch, char out[4]);

#endif
