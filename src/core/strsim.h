/*
 * strsim.h - Jaro-Winkler string similarity.
 *
 * One implementation for every caller: the rings engine compares name
 * tokens with it, and the benchmarks use it on whole names as the
 * brute-force baseline (the method of OFAC's search tool and of Moov
 * Watchman).  Strings are compared byte by byte, at most 255 bytes each.
 */
#ifndef ST_STRSIM_H
#define ST_STRSIM_H

#include <stddef.h>

/* Similarity of a[0..la) and b[0..lb) in [0, 1]; 0 when either is empty. */
/* Declared for users in sanctrace/names.h (the same prototype). */
double st_jaro_winkler(const char *a, size_t la, const char *b, size_t lb);

#endif
