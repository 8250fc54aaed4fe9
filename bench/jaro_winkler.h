/*
 * jaro_winkler.h - the baseline: Jaro-Winkler over whole, lower-cased,
 * ASCII-folded names, the method of OFAC's own search tool and of Moov
 * Watchman.  Used only by the benchmarks and the evaluation, to measure
 * sanctrace beside what compliance teams run today.
 */
#ifndef ST_BENCH_JARO_WINKLER_H
#define ST_BENCH_JARO_WINKLER_H

#include <ctype.h>
#include <string.h>

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

static inline double jaro_winkler(const char *a, size_t la, const char *b, size_t lb) {
    if (!la || !lb) return 0;
    if (la > 255) la = 255;
    if (lb > 255) lb = 255;
    size_t win = (la > lb ? la : lb) / 2;
    win = win ? win - 1 : 0;
    unsigned char ma[256] = {0}, mb[256] = {0};
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > win ? i - win : 0, hi = i + win + 1 < lb ? i + win + 1 : lb;
        for (size_t j = lo; j < hi; j++)
            if (!mb[j] && a[i] == b[j]) { ma[i] = mb[j] = 1; m++; break; }
    }
    if (!m) return 0;
    size_t t = 0, j = 0;
    for (size_t i = 0; i < la; i++) {
        if (!ma[i]) continue;
        while (!mb[j]) j++;
        if (a[i] != b[j]) t++;
        j++;
    }
    double md = (double)m;
    double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2) / md) / 3;
    size_t p = 0;
    while (p < 4 && p < la && p < lb && a[p] == b[p]) p++;
    return jaro + (double)p * 0.1 * (1 - jaro);
}

#endif
