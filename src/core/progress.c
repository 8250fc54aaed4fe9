/*
 * progress.c - terminal progress line.
 */
#include "core/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double st_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void st_progress_begin(st_progress *p, const char *label, uint64_t total) {
    p->enabled = isatty(2);
    p->label = label;
    p->total = total;
    p->done = 0;
    p->start = p->last = st_now();
    p->drawn = 0;
}

static void progress_draw(st_progress *p, double now) {
    double el = now - p->start;
    if (p->total)
        fprintf(stderr, "\r%s: %5.1f%% (%llu/%llu) %.1fs ", p->label,
                100.0 * (double)p->done / (double)p->total, (unsigned long long)p->done,
                (unsigned long long)p->total, el);
    else
        fprintf(stderr, "\r%s: %llu %.1fs ", p->label, (unsigned long long)p->done, el);
    fflush(stderr);
    p->drawn = 1;
}

void st_progress_tick(st_progress *p, uint64_t done) {
    p->done = done;
    if (!p->enabled) return;
    double now = st_now();
    if (now - p->last < 0.1) return;
    p->last = now;
    progress_draw(p, now);
}

void st_progress_end(st_progress *p) {
    if (!p->enabled) return;
    if (p->drawn || st_now() - p->start > 0.5) {
        progress_draw(p, st_now());
        fputc('\n', stderr);
    }
}
