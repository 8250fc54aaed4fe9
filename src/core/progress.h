/*
 * progress.h - one-line progress on a terminal, silence elsewhere.
 *
 * Long work (ingest, update, rings) calls st_progress_tick often; it
 * redraws stderr at most ten times a second and only when stderr is a
 * terminal, so logs and pipes stay clean.
 */
#ifndef ST_PROGRESS_H
#define ST_PROGRESS_H

/* The progress line is public (include/sanctrace/io.h): front ends show
 * their own long work the same way. */
#include "sanctrace/io.h"

#endif
