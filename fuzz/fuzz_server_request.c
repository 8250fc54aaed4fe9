/* fuzz_server_request.c - request bodies as the server parses them: JSON,
 * yente /match queries, reconciliation queries, form fields, subjects. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "server/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *body = (const char *)data;
    char form[4096];
    if (srv_form_value(body, size, "queries", form, sizeof form) == 1) {
        json_t *q = json_loads(form, 0, NULL);
        srv_query *qs = NULL;
        size_t n = 0;
        srv_fail f;
        if (q && srv_reconcile_parse(q, &qs, &n, &f) == 0) {
            char subject[80];
            for (size_t i = 0; i < n; i++) srv_query_subject(&qs[i], subject);
        }
        st_free(qs);
        json_decref(q);
    }
    srv_fail f;
    json_t *v = srv_json_parse(body, size, &f);
    if (!v) return 0;
    srv_query *qs = NULL;
    size_t n = 0;
    if (srv_match_parse(v, &qs, &n, &f) == 0) {
        char subject[80];
        for (size_t i = 0; i < n; i++) srv_query_subject(&qs[i], subject);
    }
    st_free(qs);
    qs = NULL;
    if (srv_reconcile_parse(json_object_get(v, "queries"), &qs, &n, &f) == 0) st_free(qs);
    json_decref(v);
    return 0;
}
