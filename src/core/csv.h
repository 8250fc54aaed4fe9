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

/* The reader, the flags, the limits and st_csv_write_field are public:
 * include/sanctrace/io.h. */
#include "sanctrace/io.h"

/* Bytes of the input the reader has consumed: everything before it is
 * never read again (a caller reading a mapped file may drop those pages). */
size_t st_csv_consumed(const st_csv *c);

/* The longest record this reader takes (bytes after decoding; from
 * st_csv_open on ST_CSV_MAX_RECORD): a reader of rows that may carry a
 * large unused field (an Ethereum export's calldata) raises it. */
void st_csv_max_record(st_csv *c, size_t bytes);

/* For tests: 2 every fast path (the default), 1 none wider than SSE2,
 * 0 the general loop only; each reads every input the same. */
void st_csv_fast_paths(int level);

/* Input that arrives in pieces (a decompressor's output, read a buffer at
 * a time instead of whole): the reader goes on over data[0..len), which
 * starts with the first byte the previous piece did not consume
 * (st_csv_consumed; after st_csv_open, the bytes a byte order mark took).
 * With more set, every piece must end with a line end ('\n') and
 * st_csv_next returns ST_CSV_MORE, consuming nothing of the record, where
 * the record could go on past the piece (a quoted field over its end, or
 * nothing left): feed the rest of the piece and more.  Every record reads
 * exactly as it would in the whole input, malformed ones included (a
 * malformed record is decided by bytes before its line end, and its
 * resynchronisation stops at that line end).  The last piece has more 0.
 * The pieces stay the caller's; fields are copied, so a piece may be
 * moved or freed once st_csv_next has returned. */
#define ST_CSV_MORE 2
void st_csv_feed(st_csv *c, const char *data, size_t len, int more);

/* The same with a piece the reader may write into: a record's fields are
 * ended with NULs where they lie (its commas and line end overwritten)
 * instead of copied, so they stay valid only until the piece is moved,
 * freed or fed again, and the bytes of records read are no longer the
 * input's. */
void st_csv_feed_own(st_csv *c, char *data, size_t len, int more);

/* The same, appended to b.  ST_OK, ST_ENOMEM or ST_ELIMIT. */
int st_csv_buf_field(st_buf *b, const char *s, unsigned flags);

/* Append the UTF-8 encoding of Windows-1252 byte ch to out (up to 3 bytes);
 * returns the number of bytes written. */
int st_cp1252_to_utf8(unsigned char ch, char out[4]);

#endif
