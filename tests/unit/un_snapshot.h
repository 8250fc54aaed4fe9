/*
 * un_snapshot.h - a test fixture: the UN consolidated list from
 * ../shared/data parsed and written as a snapshot into a data dir, the
 * way `sanctrace update` would (without the screening image).
 */
#ifndef ST_TEST_UN_SNAPSHOT_H
#define ST_TEST_UN_SNAPSHOT_H

#include "core/alloc.h"
#include "core/fs.h"
#include "lists/parse.h"
#include "lists/store.h"
#include "testutil.h"

/* 0 on success; res receives the snapshot's version. */
static inline int un_snapshot_write(const char *home, st_store_result *res) {
    char *data;
    size_t len;
    st_error err;
    st_error_clear(&err);
    if (st_file_read(st_test_data("lists/un-2026-02-27/consolidated.xml"), 64u << 20, &data, &len, &err) != ST_OK)
        return -1;
    st_list l;
    st_list_init(&l);
    int rc = st_parse_un_xml(data, len, "consolidated.xml", &l, NULL, &err);
    st_free(data);
    if (rc != ST_OK) return -1;
    json_t *sources = json_pack("{s:{s:i}}", "un", "entities", (int)l.n_entities);
    rc = st_store_write(home, l.entities, l.n_entities, sources, res, &err);
    json_decref(sources);
    st_list_free(&l);
    return rc == ST_OK ? 0 : -1;
}

#endif
