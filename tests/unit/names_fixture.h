/* names_fixture.h - the one name-matching context the names tests share:
 * made by setup, freed by teardown (cmocka group fixtures). */
#ifndef ST_TEST_NAMES_FIXTURE_H
#define ST_TEST_NAMES_FIXTURE_H

#include "sanctrace/names.h"

static st_names_ctx *ctx;

static int setup(void **state) {
    (void)state;
    st_error err;
    return st_names_ctx_new(&ctx, &err) == ST_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    st_names_ctx_free(ctx);
    return 0;
}

#endif
