/*
 * cmd_lists.c - `sanctrace update`: options in, st_update (the library's
 * update, include/sanctrace/update.h) run, its report printed.
 *
 * The command's own part is what a front end owns: the options, the
 * download callback (st_http_fetch, libcurl), and the table or JSON that
 * says which sources were read, refused or kept.  Exit 0 when every source was
 * read, 1 when some were refused, 2 on usage errors or when nothing could
 * be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "sanctrace/screen.h"
#include "sanctrace/server.h" /* st_http_fetch: libcurl, the download callback */
#include "sanctrace/update.h"

int cmd_update(int argc, char **argv); /* listed in main.c */

static void upd_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace update [--from DIR]... [--data-dir D] [--sources LIST]\n"
            "                        [--ftm-dataset NAME]... [--format table|json] [--verbose]\n\n"
            "Reads the official sanctions list files, validates them and makes a new\n"
            "versioned snapshot current in the data directory (the previous one is kept).\n\n"
            "  --from DIR        read files from DIR instead of downloading (repeatable;\n"
            "                    SANCTRACE_SOURCES_DIR does the same). Files are recognised\n"
            "                    by their official names: consolidated.xml (un); sdn.csv,\n"
            "                    add.csv, alt.csv, sdn_comments.csv (ofac); cons_prim.csv,\n"
            "                    cons_add.csv, cons_alt.csv, cons_comments.csv (ofac-cons);\n"
            "                    sanctioned_addresses_<ASSET>.txt (ofac-crypto); *.ftm.json (ftm)\n"
            "  --data-dir D      snapshot store (default $SANCTRACE_HOME or ~/.local/share/sanctrace)\n"
            "  --sources LIST    comma-separated: un,ofac,ofac-cons,ofac-crypto,ftm\n"
            "                    (default: every source found; when downloading: un,ofac,ofac-cons)\n"
            "  --ftm-dataset N   download OpenSanctions dataset N (entities.ftm.json)\n"
            "  --format F        table (default) or json\n"
            "  --verbose         print every warning\n\n"
            "A source that fails to parse, or whose entity count falls by more than half,\n"
            "is refused and its previous data kept. Exit 0 when every source was read,\n"
            "1 when some were refused, 2 on usage errors or when nothing could be read.\n");
}

/* ---- printing the report ---- */

static int upd_print_json(const st_update_report *r, const char *data_dir) {
    json_t *out = json_pack("{s:s, s:s?, s:s, s:I, s:{s:I, s:I, s:I}, s:O}", "version", r->version, "previous",
                            r->previous[0] ? r->previous : NULL, "data_dir", data_dir, "entities",
                            (json_int_t)r->n_entities, "changes", "added", (json_int_t)r->added, "removed",
                            (json_int_t)r->removed, "changed", (json_int_t)r->changed, "sources", r->sources);
    if (!out) return ST_ENOMEM;
    json_t *refused = json_array();
    for (int si = 0; refused && si < ST_UPDATE_NSOURCES; si++)
        if (r->src[si].refused)
            json_array_append_new(refused, json_pack("{s:s, s:s, s:b}", "source", r->src[si].name, "reason",
                                                     r->src[si].reason, "previous_kept", r->src[si].previous_kept));
    if (!refused || json_object_set_new(out, "refused", refused) != 0) {
        json_decref(out);
        return ST_ENOMEM;
    }
    json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(out);
    return ST_OK;
}

static void upd_print_table(const st_update_report *r) {
    printf("%-12s %-8s %9s %9s  %s\n", "source", "status", "entities", "warnings", "files");
    for (int si = 0; si < ST_UPDATE_NSOURCES; si++) {
        const json_t *info = json_object_get(r->sources, r->src[si].name);
        if (!info) continue;
        printf("%-12s %-8s %9lld %9lld  ", r->src[si].name, json_string_value(json_object_get(info, "status")),
               (long long)json_integer_value(json_object_get(info, "entities")),
               (long long)json_integer_value(json_object_get(info, "warnings")));
        json_t *files = json_object_get(info, "files");
        size_t nf = json_array_size(files);
        if (nf > 4) printf("%zu files", nf);
        for (size_t i = 0; nf <= 4 && i < nf; i++)
            printf("%s%s", i ? " " : "", json_string_value(json_object_get(json_array_get(files, i), "name")));
        printf("\n");
    }
    printf("snapshot %s: %zu entities", r->version, r->n_entities);
    if (r->previous[0])
        printf("; since %s: %zu added, %zu removed, %zu changed\n", r->previous, r->added, r->removed, r->changed);
    else printf(" (first snapshot)\n");
}

typedef struct update_args {
    const char *data_dir, *sources, *format;
    cli_list from, ftm;
    int verbose;
} update_args;

static const cli_opt update_opts[] = {
    CLI_OPT("--from", CLI_LIST, update_args, from, 0),
    CLI_OPT("--data-dir", CLI_TEXT, update_args, data_dir, 0),
    CLI_OPT("--sources", CLI_TEXT, update_args, sources, 0),
    CLI_OPT("--ftm-dataset", CLI_LIST, update_args, ftm, 0),
    CLI_OPT("--format", CLI_TEXT, update_args, format, 0),
    CLI_OPT("--verbose", CLI_FLAG, update_args, verbose, 0),
    CLI_OPT("-v", CLI_FLAG, update_args, verbose, 0),
    CLI_END,
};

int cmd_update(int argc, char **argv) {
    if (cli_want_help(argc, argv)) { upd_usage(stdout); return 0; }
    static update_args a; /* two lists: not on the stack */
    memset(&a, 0, sizeof a);
    a.format = "table";
    if (cli_parse("update", update_opts, NULL, NULL, argc - 1, argv + 1, &a, NULL, 0)) return 2;
    const char *dirs[ST_UPDATE_MAX_DIRS];
    const char *data_opt = a.data_dir, *format = a.format;
    char data_dir[4096];
    int verbose = a.verbose;
    st_update_opts o;
    memset(&o, 0, sizeof o);
    if (a.from.n > ST_UPDATE_MAX_DIRS || a.ftm.n > ST_UPDATE_MAX_DIRS) {
        fprintf(stderr, "sanctrace update: at most %d --from folders and %d --ftm-dataset names\n",
                ST_UPDATE_MAX_DIRS, ST_UPDATE_MAX_DIRS);
        return 2;
    }
    for (size_t i = 0; i < a.from.n; i++) dirs[o.ndirs++] = a.from.v[i];
    o.sources = a.sources;
    o.nftm = a.ftm.n;
    if (strcmp(format, "table") && strcmp(format, "json")) goto usage;
    if (!o.ndirs && getenv("SANCTRACE_SOURCES_DIR") && *getenv("SANCTRACE_SOURCES_DIR"))
        dirs[o.ndirs++] = getenv("SANCTRACE_SOURCES_DIR");
    cli_data_dir(data_opt, data_dir, sizeof data_dir);
    o.data_dir = data_dir;
    o.dirs = dirs;
    o.ftm_datasets = a.ftm.v;
    o.fetch = st_http_fetch;
    st_error err;
    st_error_clear(&err);
    st_update_report *r = NULL;
    int rc = st_update(&o, &r, &err);
    st_update_report_print(stderr, r, rc != ST_OK ? &err : NULL, verbose);
    int code = 2;
    if (rc == ST_OK && r->written) {
        /* the screening image beside the new entities.jsonl, so that the
         * first `screen` opens in milliseconds (failing only costs that) */
        st_snapshot *snap = NULL;
        if (st_snapshot_open(data_dir, &snap, NULL) == ST_OK) st_snapshot_release(snap);
        if (!strcmp(format, "json") && upd_print_json(r, data_dir) != ST_OK) {
            st_error_set(&err, ST_ENOMEM, "out of memory");
            cli_report(&err);
        } else {
            if (strcmp(format, "json")) upd_print_table(r);
            code = r->n_refused ? 1 : 0;
        }
    }
    st_update_report_free(r);
    return code;
usage:
    upd_usage(stderr);
    return 2;
}
