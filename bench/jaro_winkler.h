/*
 * jaro_winkler.h - the baseline's folding: whole names lower-cased and
 * ASCII-folded, then compared with st_jaro_winkler (core/strsim.h) against
 * every list name, the method of OFAC's own search tool and of Moov
 * Watchman.  Used only by the benchmarks and the evaluation, to measure
 * sanctrace beside what compliance teams run today.
 */
#ifndef ST_BENCH_JARO_WINKLER_H
#define ST_BENCH_JARO_WINKLER_H

#include <ctype.h>
#include <string.h>

#include "core/strsim.h"

/* Lower-case ASCII letters and digits, single spaces; bytes >= 0x80 kept. */
static inline size_t jw_fold(const char *s, char *out, size_t n) {
    size_t k = 0;
    int space = 1;
    for (; *s && k + 1 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c >= 0x80) { out[k++] = (char)tolower(c); space = 0; }
        else if (!space) { out[k++] = ' '; space = 1; }
    }
    while (k && out[k - 1] == ' ') k--;
    out[k] = 0;
    return k;
}

#endif
