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
 *
 * The malformed-record rule, shared by every reader of user files (screen,
 * monitor add, rings): a record with an unterminated quoted field, a
 * character after a closing quote, more fields than the limit, more bytes
 * than the limit or (ST_CSV_HEADER) another field count than the header is
 * reported with the file, the line it starts on and what was wrong, and the
 * reader resynchronises at the physical line after the one the record
 * starts on.  One stray quote therefore costs the records it really spoils,
 * never the rest of the file.
 *
 * Writing: st_csv_write_field / st_csv_buf_field are the one place CSV
 * fields are written, so quoting and the formula-injection guard (a text
 * field starting with = + - @ TAB or CR gets a leading ' inside quotes, as
 * OWASP advises, so a spreadsheet shows it as text) cannot differ between
 * the program's CSV outputs.
 */
#ifndef ST_CSV_H
#define ST_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"

#include "sanctrace/sanctrace.h"

enum {
    ST_CSV_CP1252 = 1, /* input is Windows-1252; convert to UTF-8 */
    ST_CSV_TRIM = 2,   /* trim blanks around unquoted and quoted fields */
    ST_CSV_HEADER = 4, /* the first record is a header: every later record must
                        * have as many fields, or it is malformed */
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
 * code with err filled (file, the line the record starts on, the reason
 * alone in err->msg).  ST_EPARSE / ST_ELIMIT: the record is malformed and
 * the reader has resynchronised at the next physical line (the rule
 * above), so the caller reports it, counts it as not processed and calls
 * st_csv_next again.  ST_ENOMEM: give up.  Blank lines are skipped. */
int st_csv_next(st_csv *c, st_error *err);
/* Records st_csv_next has reported malformed so far. */
size_t st_csv_malformed(const st_csv *c);

size_t st_csv_nfields(const st_csv *c);
/* Field i as a NUL-terminated UTF-8 string, "" when i is out of range.
 * Valid until the next st_csv_next. */
const char *st_csv_field(const st_csv *c, size_t i);
size_t st_csv_field_len(const st_csv *c, size_t i);
/* Line on which the current record started (1-based). */
long st_csv_line(const st_csv *c);

/* Writing fields.  ST_CSV_VERBATIM skips the formula-injection guard: only
 * for files sanctrace itself reads back (synthetic test data, whose phone
 * numbers start with '+') and for values the program formats itself.
 * Everything else - ids, names, subjects, list text - is guarded. */
enum { ST_CSV_VERBATIM = 1 };
/* Write field s (NULL: empty) to f, quoted per RFC 4180 when it holds a
 * comma, quote, CR or LF, or when it is guarded.  ST_OK or ST_EIO. */
int st_csv_write_field(FILE *f, const char *s, unsigned flags);
/* The same, appended to b.  ST_OK, ST_ENOMEM or ST_ELIMIT. */
int st_csv_buf_field(st_buf *b, const char *s, unsigned flags);

/* Append the UTF-8 encoding of Windows-1252 byte ch to out (up to 3 bytes);
 * returns the number of bytes written. */
int st_cp1252_to_utf8(unsigned char ch, char out[4]);

#endif
