/*
 * date.c - a UTC date or time as text, to Unix seconds: tag validity
 * dates, sanctions listing dates and an Ethereum export's block times.
 */
#include <string.h>
#include <time.h>

#include "sanctrace/sanctrace.h"

/* n digits at *p into *v, *p moved past them: 0, or -1 */
static int digits(const char **p, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -1;
        *v = *v * 10 + (**p - '0');
    }
    return 0;
}

int st_date_parse(const char *s, int64_t *out) {
    int y, mo, d, h = 0, mi = 0, se = 0;
    const char *p = s;
    if (!p || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return ST_EINVAL;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &se))
            return ST_EINVAL;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++) {}
        if (*p == ' ') p++;
        if (*p && strcmp(p, "Z") && strcmp(p, "UTC") && strcmp(p, "+00:00") && strcmp(p, "+0000") && strcmp(p, "+00"))
            return ST_EINVAL;
    } else if (*p) return ST_EINVAL;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
        mi > 59 || se > 60)
        return ST_EINVAL;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (int64_t)timegm(&tm);
    return ST_OK;
}
