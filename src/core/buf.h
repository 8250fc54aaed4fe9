/*
 * buf.h - a growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * Invariant: data is always NUL-terminated when non-NULL, len < cap, and
 * len never exceeds max; growing past max fails with ST_ELIMIT instead of
 * eating memory on hostile input.
 */
#ifndef ST_BUF_H
#define ST_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct st_buf {
    char *data;   /* owned; NULL until the first append */
    size_t len;   /* bytes used, excluding the trailing NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* hard limit on len */
    int failed;   /* an append failed since init or reset (sticky): a writer
                     that builds text piece by piece checks once at the end */
} st_buf;

void st_buf_init(st_buf *b, size_t max);
void st_buf_free(st_buf *b);
void st_buf_reset(st_buf *b);                     /* len = 0, keeps memory */
int st_buf_reserve(st_buf *b, size_t extra);      /* ST_OK/ST_ENOMEM/ST_ELIMIT */
int st_buf_append(st_buf *b, const void *p, size_t n);
int st_buf_putc(st_buf *b, char c);
int st_buf_puts(st_buf *b, const char *s);
int st_buf_printf(st_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int st_buf_vprintf(st_buf *b, const char *fmt, va_list ap);
/* Hand the bytes to the caller (st_free them); the buffer becomes empty. */
char *st_buf_take(st_buf *b);

#endif
