/*
 * buf.c - growable buffer with a maximum size; doubling growth.
 */
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/sanctrace.h"

void st_buf_init(st_buf *b, size_t max) {
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = 0;
}

void st_buf_free(st_buf *b) {
    st_free(b->data);
    st_buf_init(b, b->max);
}

void st_buf_reset(st_buf *b) {
    b->len = 0;
    b->failed = 0;
    if (b->data) b->data[0] = 0;
}

int st_buf_reserve(st_buf *b, size_t extra) {
    if (extra > b->max || b->len > b->max - extra) return b->failed = 1, ST_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return ST_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    char *p = st_realloc(b->data, cap);
    if (!p) return b->failed = 1, ST_ENOMEM;
    b->data = p;
    b->cap = cap;
    return ST_OK;
}

int st_buf_append(st_buf *b, const void *p, size_t n) {
    int rc = st_buf_reserve(b, n);
    if (rc) return rc;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return ST_OK;
}

int st_buf_putc(st_buf *b, char c) { return st_buf_append(b, &c, 1); }

int st_buf_puts(st_buf *b, const char *s) { return st_buf_append(b, s, strlen(s)); }

int st_buf_vprintf(st_buf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) return b->failed = 1, ST_EINVAL;
    if ((size_t)n < sizeof small) return st_buf_append(b, small, (size_t)n);
    int rc = st_buf_reserve(b, (size_t)n);
    if (rc) return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return ST_OK;
}

int st_buf_printf(st_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = st_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *st_buf_take(st_buf *b) {
    char *p = b->data;
    if (!p) p = st_strdup("");
    st_buf_init(b, b->max);
    return p;
}
