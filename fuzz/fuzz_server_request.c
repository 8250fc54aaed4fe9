/* fuzz_server_request.c - request bodies as the server parses them: JSON,
 * yente /match queries and their echo, reconciliation queries, form
 * fields, subjects; and /match and /search query-string parameters, read
 * from the input's first line as name=value pairs split at '&' (the line
 * also as an entity id made an FtM id). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sanctrace/screen.h"
#include "server/request.h"

/* The first line as /match parameters. */
static void fuzz_params(const uint8_t *data, size_t size) {
    static char line[4096];
    size_t len = 0;
    while (len < size && len + 1 < sizeof line && data[len] != '\n') {
        line[len] = (char)data[len];
        len++;
    }
    line[len] = 0;
    char fid[ST_FTM_ID_MAX + 1];
    st_entity_ftm_id(line, fid);
    srv_kv args[SRV_MAX_ARGS + 2];
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, "&", &save); tok && n < SRV_MAX_ARGS + 2; tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        if (eq) *eq = 0;
        args[n++] = (srv_kv){tok, eq ? eq + 1 : NULL};
    }
    srv_match_params p;
    srv_fail f;
    srv_match_params_parse(args, n, &p, &f);
    srv_search_params sp;
    srv_search_params_parse(args, n, &sp, &f);
    (void)srv_callback_valid(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *body = (const char *)data;
    fuzz_params(data, size);
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
        for (size_t i = 0; i < n; i++) {
            srv_query_subject(&qs[i], subject);
            json_decref(srv_query_echo(json_object_get(json_object_get(v, "queries"), qs[i].key), &qs[i]));
        }
    }
    st_free(qs);
    qs = NULL;
    if (srv_reconcile_parse(json_object_get(v, "queries"), &qs, &n, &f) == 0) st_free(qs);
    json_decref(v);
    return 0;
}
