/* fuzz_ftm.c - the FollowTheMoney JSON-lines parser, and the snapshot
 * entity reader, on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/alloc.h"
#include "lists/parse.h"
#include "lists/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_list l;
    st_error err;
    st_list_init(&l);
    if (st_parse_ftm((const char *)data, size, "fuzz.ftm.json", "ftm", &l, &err) == ST_OK) {
        /* whatever was parsed must serialise and read back to the same line */
        for (size_t i = 0; i < l.n_entities; i++) {
            char *a = st_entity_to_jsonl(l.entities[i]);
            if (!a) continue;
            json_t *o = json_loads(a, 0, NULL);
            st_entity *e = NULL;
            if (o && st_entity_from_json(o, &e, &err) == ST_OK) {
                char *b = st_entity_to_jsonl(e);
                if (b && __builtin_strcmp(a, b) != 0) __builtin_trap();
                st_free(b);
                st_entity_free(e);
            }
            json_decref(o);
            st_free(a);
        }
    }
    st_list_free(&l);
    /* the snapshot reader on the raw bytes as one entity */
    json_t *o = json_loadb((const char *)data, size, 0, NULL);
    if (o) {
        st_entity *e = NULL;
        if (st_entity_from_json(o, &e, &err) == ST_OK) st_entity_free(e);
        json_decref(o);
    }
    return 0;
}
