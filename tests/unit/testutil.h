/*
 * testutil.h - what every cmocka test needs: the reference data folder
 * and scratch directories.
 */
#ifndef ST_TESTUTIL_H
#define ST_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Path of a file under ../shared/data (ST_DATA overrides).  Static buffer:
 * copy it before calling again. */
static inline const char *st_test_data(const char *rel) {
    static char path[4096];
    const char *root = getenv("ST_DATA");
    snprintf(path, sizeof path, "%s/%s", root && *root ? root : "../shared/data", rel);
    return path;
}

/* A fresh scratch directory; caller frees the string. */
static inline char *st_test_tmpdir(void) {
    char tmpl[] = "/tmp/sanctrace-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

#endif
