/*
 * io.h - what every front end shares with the library for reading and
 * writing: whole-file reads, progress on a terminal, the CSV reader every
 * record input uses (with its one rule for malformed records), and the CSV
 * field writer that keeps a spreadsheet from running what it shows.
 *
 * The malformed-record rule: a record that cannot be read (an unterminated
 * quote, text after a closing quote, another field count than the header,
 * more than ST_CSV_MAX_FIELDS fields or ST_CSV_MAX_RECORD bytes) is reported
 * with its file, the line it starts on and the reason, and reading resumes
 * at the physical line after that start; the caller counts it as not
 * processed and goes on.
 */
#ifndef SANCTRACE_IO_H
#define SANCTRACE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read path (or stdin for "-") into a new NUL-terminated buffer that the
 * caller st_free()s.  Files larger than max bytes fail with ST_ELIMIT. */
int st_file_read(const char *path, size_t max, char **data, size_t *len, st_error *err);

/* ---- progress: one line on a terminal, silence elsewhere ----------------
 * Long work calls st_progress_tick often; it redraws stderr at most ten
 * times a second and only when stderr is a terminal, so logs and pipes
 * stay clean.  The struct is the caller's memory. */
typedef struct st_progress {
    int enabled;      /* stderr is a terminal (a caller may clear it) */
    const char *label;
    uint64_t total;   /* 0 when unknown */
    uint64_t done;
    double last;      /* monotonic seconds of the last redraw */
    double start;
    int drawn;
} st_progress;

void st_progress_begin(st_progress *p, const char *label, uint64_t total);
void st_progress_tick(st_progress *p, uint64_t done);
void st_progress_end(st_progress *p);
double st_now(void); /* monotonic seconds */

/* ---- CSV (RFC 4180) ------------------------------------------------------ */

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
int st_csv_open(st_csv **out, const char *data, size_t len, const char *name, unsigned flags);
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

/* Writing fields.  Text that begins with = + - @ TAB or CR gets a leading '
 * inside the quotes (OWASP's advice against formula injection), so a
 * spreadsheet shows it instead of running it.  ST_CSV_VERBATIM skips that
 * guard: only for files sanctrace itself reads back and for values the
 * program formats itself (numbers). */
enum { ST_CSV_VERBATIM = 1 };
/* Write field s (NULL: empty) to f, quoted per RFC 4180 when it holds a
 * comma, quote, CR or LF, or when it is guarded.  ST_OK or ST_EIO. */
int st_csv_write_field(FILE *f, const char *s, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
