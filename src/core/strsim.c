/*
 * strsim.c - Jaro-Winkler: matches within half the longer length,
 * transpositions, and a bonus for a common prefix of up to four bytes.
 * Invariant: no allocation; inputs longer than 255 bytes are cut.
 */
#include "core/strsim.h"

#include <string.h>

double st_jaro_winkler(const char *a, size_t la, const char *b, size_t lb) {
    if (!la || !lb) return 0.0;
    if (la > 255) la = 255;
    if (lb > 255) lb = 255;
    if (la == lb && memcmp(a, b, la) == 0) return 1.0;
    size_t win = (la > lb ? la : lb) / 2;
    win = win ? win - 1 : 0;
    unsigned char ma[256] = {0}, mb[256] = {0};
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > win ? i - win : 0, hi = i + win + 1 < lb ? i + win + 1 : lb;
        for (size_t j = lo; j < hi; j++)
            if (!mb[j] && a[i] == b[j]) { ma[i] = mb[j] = 1; m++; break; }
    }
    if (!m) return 0.0;
    size_t t = 0, j = 0;
    for (size_t i = 0; i < la; i++) {
        if (!ma[i]) continue;
        while (!mb[j]) j++;
        if (a[i] != b[j]) t++;
        j++;
    }
    double md = (double)m;
    double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
    size_t p = 0;
    while (p < 4 && p < la && p < lb && a[p] == b[p]) p++;
    return jaro + (double)p * 0.1 * (1.0 - jaro);
}
