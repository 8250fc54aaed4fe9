/*
 * side.h - a call run beside the caller: on a thread of its own, or, when
 * no thread starts, at once on the caller's, so the caller's code is the
 * same either way (the commits' index builds and syncs).
 */
#ifndef ST_CORE_SIDE_H
#define ST_CORE_SIDE_H

#include <pthread.h>

typedef struct st_side {
    pthread_t th;
    int threaded;
} st_side;

static inline void st_side_run(st_side *s, void *(*fn)(void *), void *arg) {
    s->threaded = pthread_create(&s->th, NULL, fn, arg) == 0;
    if (!s->threaded) fn(arg);
}

/* Its call finished. */
static inline void st_side_join(st_side *s) {
    if (s->threaded) pthread_join(s->th, NULL);
    s->threaded = 0;
}

#endif
