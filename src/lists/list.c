/*
 * list.c - st_list: the parsers' output, entities plus bounded warnings.
 *
 * Invariant: the list owns every entity pointer in entities[0..n); the
 * warnings array never holds more than ST_LIST_MAX_WARNINGS, so a hostile
 * file with a million bad records costs a counter, not memory.
 */
#include "lists/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

void st_list_init(st_list *l) { memset(l, 0, sizeof *l); }

void st_list_free(st_list *l) {
    if (!l) return;
    for (size_t i = 0; i < l->n_entities; i++) st_entity_free(l->entities[i]);
    st_free(l->entities);
    st_free(l->warnings);
    st_list_init(l);
}

int st_list_push_take(st_list *l, st_entity *e) {
    if (l->n_entities == l->cap_entities) {
        size_t cap = l->cap_entities ? l->cap_entities * 2 : 256;
        st_entity **p = st_realloc(l->entities, cap * sizeof *p);
        if (!p) {
            st_entity_free(e);
            return ST_ENOMEM;
        }
        l->entities = p;
        l->cap_entities = cap;
    }
    l->entities[l->n_entities++] = e;
    return ST_OK;
}

void st_list_warn(st_list *l, const char *file, long line, const char *record,
                  const char *fmt, ...) {
    if (!l) return;
    l->n_warnings_total++;
    if (l->n_warnings >= ST_LIST_MAX_WARNINGS) return;
    if (l->n_warnings % 64 == 0) {
        st_error *p = st_realloc(l->warnings, (l->n_warnings + 64) * sizeof *p);
        if (!p) return; /* a lost warning is still counted */
        l->warnings = p;
    }
    st_error *w = &l->warnings[l->n_warnings++];
    st_error_clear(w);
    w->code = ST_EPARSE;
    snprintf(w->file, sizeof w->file, "%s", file ? file : "");
    w->line = line;
    snprintf(w->record, sizeof w->record, "%s", record ? record : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
}

int st_list_move(st_list *dst, st_list *src) {
    for (size_t i = 0; i < src->n_entities; i++) {
        if (st_list_push_take(dst, src->entities[i]) != ST_OK) {
            /* entity i was freed by push; free the rest */
            for (size_t j = i + 1; j < src->n_entities; j++) st_entity_free(src->entities[j]);
            src->n_entities = 0;
            st_list_free(src);
            return ST_ENOMEM;
        }
    }
    src->n_entities = 0;
    for (size_t i = 0; i < src->n_warnings; i++) {
        const st_error *w = &src->warnings[i];
        st_list_warn(dst, w->file, w->line, w->record, "%s", w->msg);
    }
    dst->n_warnings_total += src->n_warnings_total - src->n_warnings;
    st_list_free(src);
    return ST_OK;
}
