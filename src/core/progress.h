/*
 * progress.h - one-line progress on a terminal, silence elsewhere.
 *
 * Long work (ingest, update, rings) calls st_progress_tick often; it
 * redraws stderr at most ten times a second and only when stderr is a
 * terminal, so logs and pipes stay clean.
 */
#ifndef ST_PROGRESS_H
#define ST_PROGRESS_H

#include <stdint.h>

typedef struct st_progress {
    int enabled;
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

#endif
