/*
 * cmd_lists.c - `sanctrace update`: official list files in, a validated,
 * versioned snapshot out.
 *
 * Design: each source (un, ofac, ofac-cons, ofac-crypto, ftm) is found by
 * its official file names in --from directories, or downloaded with
 * libcurl into a temporary directory, then parsed and validated on its
 * own.  A source that fails to parse, or whose entity count falls by more
 * than half against the current snapshot (the mark of a truncated
 * download), is refused and its entities from the current snapshot are
 * carried over unchanged; so are sources that were not asked for or not
 * found.  The new snapshot is written only when at least one source was
 * read, and becomes current atomically (lists/store.c).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "core/progress.h"
#include "lists/parse.h"
#include "lists/store.h"
#include "sanctrace/screen.h"

#define UPD_MAX_FILES 32
#define UPD_MAX_DIRS 8
#define UPD_MAX_LIST_FILE ((size_t)512 << 20)
#define UPD_MAX_FTM_FILE ((size_t)4 << 30)

enum { SRC_UN, SRC_OFAC, SRC_CONS, SRC_CRYPTO, SRC_FTM, SRC_N };
static const char *const src_names[SRC_N] = {"un", "ofac", "ofac-cons", "ofac-crypto", "ftm"};

typedef struct upd_source {
    const char *name;
    int selected;                       /* asked for (--sources, or default) */
    int nfiles;
    char *files[UPD_MAX_FILES];         /* paths found, owned */
    st_list list;
    int updated;                        /* parsed and accepted */
    int refused;                        /* found but not accepted */
    char reason[700];
    char *list_date;                    /* UN dateGenerated */
    json_t *info;                       /* manifest entry for this source */
} upd_source;

typedef struct upd_ctx {
    upd_source src[SRC_N];
    const char *dirs[UPD_MAX_DIRS];
    int ndirs;
    const char *ftm_datasets[UPD_MAX_DIRS];
    int nftm;
    int json;
    int verbose;
    st_store_snapshot *prev;            /* current snapshot before the update, or NULL */
    char fetched[32];
} upd_ctx;

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

/* ---- finding files ---- */

static int upd_add_file(upd_source *s, const char *dir, const char *name) {
    char path[4096];
    if (s->nfiles >= UPD_MAX_FILES || st_path_join(path, sizeof path, dir, name) != ST_OK) return ST_ELIMIT;
    for (int i = 0; i < s->nfiles; i++) {
        const char *b = strrchr(s->files[i], '/');
        if (strcasecmp(b ? b + 1 : s->files[i], name) == 0) return ST_EINVAL; /* same file twice */
    }
    if (!(s->files[s->nfiles] = st_strdup(path))) return ST_ENOMEM;
    s->nfiles++;
    return ST_OK;
}

static int upd_source_of(const char *name) {
    static const char *const un[] = {"consolidated.xml"};
    static const char *const ofac[] = {"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"};
    static const char *const cons[] = {"cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"};
    for (size_t i = 0; i < 1; i++) if (!strcasecmp(name, un[i])) return SRC_UN;
    for (size_t i = 0; i < 4; i++) if (!strcasecmp(name, ofac[i])) return SRC_OFAC;
    for (size_t i = 0; i < 4; i++) if (!strcasecmp(name, cons[i])) return SRC_CONS;
    size_t n = strlen(name);
    if (!strncasecmp(name, "sanctioned_addresses_", 21) && n > 25 && !strcasecmp(name + n - 4, ".txt"))
        return SRC_CRYPTO;
    if (n > 9 && !strcasecmp(name + n - 9, ".ftm.json")) return SRC_FTM;
    return -1;
}

static int upd_scan_dir(upd_ctx *x, const char *dir, st_error *err) {
    DIR *d = opendir(dir);
    if (!d) return st_error_at(err, ST_EIO, dir, 0, -1, "cannot read directory: %s", strerror(errno));
    struct dirent *de;
    int rc = ST_OK;
    /* sorted names keep the order of files (and so of entities) stable */
    char *names[1024];
    size_t nn = 0;
    while ((de = readdir(d)) && nn < 1024) {
        if (upd_source_of(de->d_name) < 0) continue;
        if (!(names[nn] = st_strdup(de->d_name))) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); break; }
        nn++;
    }
    closedir(d);
    for (size_t i = 1; i < nn; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t;
        }
    for (size_t i = 0; i < nn && rc == ST_OK; i++) {
        int s = upd_source_of(names[i]);
        int r = upd_add_file(&x->src[s], dir, names[i]);
        if (r == ST_EINVAL)
            rc = st_error_at(err, ST_EUSAGE, dir, 0, -1, "%s is also in another --from directory", names[i]);
        else if (r != ST_OK)
            rc = st_error_set(err, r, "too many files for source %s", src_names[s]);
    }
    for (size_t i = 0; i < nn; i++) st_free(names[i]);
    return rc;
}

/* ---- downloading ---- */

static size_t upd_curl_write(char *p, size_t sz, size_t n, void *f) { return fwrite(p, sz, n, f); }

static int upd_download(const char *url, const char *path, st_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return st_error_at(err, ST_EIO, path, 0, -1, "cannot create: %s", strerror(errno));
    CURL *c = curl_easy_init();
    char ebuf[CURL_ERROR_SIZE] = "";
    int rc = ST_OK;
    if (!c) {
        fclose(f);
        return st_error_set(err, ST_ENOMEM, "cannot start libcurl");
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, upd_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* under 1 KB/s for a minute: give up */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)UPD_MAX_FTM_FILE);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sanctrace/" ST_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cr = curl_easy_perform(c);
    if (fclose(f) != 0 && cr == CURLE_OK) rc = st_error_at(err, ST_EIO, path, 0, -1, "write failed");
    if (cr != CURLE_OK)
        rc = st_error_set(err, ST_ENET, "download of %s failed: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(cr));
    curl_easy_cleanup(c);
    return rc;
}

static int upd_fetch_all(upd_ctx *x, const char *tmpdir) {
    static const char *const ofac_base = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/";
    static const struct {
        int src;
        const char *url_or_file;
        const char *local;
        int base;
    } plan[] = {
        {SRC_UN, "https://scsanctions.un.org/resources/xml/en/consolidated.xml", "consolidated.xml", 0},
        {SRC_OFAC, "SDN.CSV", "sdn.csv", 1},
        {SRC_OFAC, "ADD.CSV", "add.csv", 1},
        {SRC_OFAC, "ALT.CSV", "alt.csv", 1},
        {SRC_OFAC, "SDN_COMMENTS.CSV", "sdn_comments.csv", 1},
        {SRC_CONS, "CONS_PRIM.CSV", "cons_prim.csv", 1},
        {SRC_CONS, "CONS_ADD.CSV", "cons_add.csv", 1},
        {SRC_CONS, "CONS_ALT.CSV", "cons_alt.csv", 1},
        {SRC_CONS, "CONS_COMMENTS.CSV", "cons_comments.csv", 1},
    };
    st_progress pr;
    st_progress_begin(&pr, "download", sizeof plan / sizeof plan[0] + (size_t)x->nftm);
    int ok = 0;
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
        upd_source *s = &x->src[plan[i].src];
        st_progress_tick(&pr, i);
        if (!s->selected || s->refused) continue;
        char url[512], path[4096];
        snprintf(url, sizeof url, "%s%s", plan[i].base ? ofac_base : "", plan[i].url_or_file);
        st_path_join(path, sizeof path, tmpdir, plan[i].local);
        st_error e;
        st_error_clear(&e);
        if (upd_download(url, path, &e) != ST_OK) {
            s->refused = 1;
            st_error_format(&e, s->reason, sizeof s->reason);
            continue;
        }
        if (upd_add_file(s, tmpdir, plan[i].local) != ST_OK) {
            s->refused = 1;
            snprintf(s->reason, sizeof s->reason, "out of memory");
        }
        ok++;
    }
    for (int i = 0; i < x->nftm; i++) {
        upd_source *s = &x->src[SRC_FTM];
        char url[512], name[300], path[4096];
        st_progress_tick(&pr, sizeof plan / sizeof plan[0] + (size_t)i);
        snprintf(url, sizeof url, "https://data.opensanctions.org/datasets/latest/%s/entities.ftm.json",
                 x->ftm_datasets[i]);
        snprintf(name, sizeof name, "%s.ftm.json", x->ftm_datasets[i]);
        st_path_join(path, sizeof path, tmpdir, name);
        st_error e;
        st_error_clear(&e);
        if (upd_download(url, path, &e) != ST_OK) {
            s->refused = 1;
            st_error_format(&e, s->reason, sizeof s->reason);
            continue;
        }
        if (upd_add_file(s, tmpdir, name) == ST_OK) ok++;
    }
    st_progress_end(&pr);
    return ok;
}

/* ---- reading and validating one source ---- */

static const char *upd_base(const char *p) {
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

static int upd_file_entry(json_t *files, const char *path, const char *data, size_t len) {
    char sha[65];
    st_sha256_hex(data, len, sha);
    return json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "name", upd_base(path), "sha256", sha,
                                                  "bytes", (json_int_t)len)) == 0 ? ST_OK : ST_ENOMEM;
}

/* Read and parse every file of s; on failure s->reason says why. */
static int upd_parse_source(upd_ctx *x, int si, json_t *files) {
    upd_source *s = &x->src[si];
    st_error err;
    int rc = ST_OK;
    st_error_clear(&err);
    if (si == SRC_OFAC || si == SRC_CONS) {
        st_ofac_set set;
        char *bufs[4] = {0};
        static const char *const roles[2][4] = {{"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"},
                                                {"cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"}};
        st_ofac_file *slots[4] = {&set.prim, &set.add, &set.alt, &set.comments};
        memset(&set, 0, sizeof set);
        for (int f = 0; f < s->nfiles && rc == ST_OK; f++) {
            for (int r = 0; r < 4; r++) {
                if (strcasecmp(upd_base(s->files[f]), roles[si == SRC_CONS][r]) != 0) continue;
                size_t len;
                if ((rc = st_file_read(s->files[f], UPD_MAX_LIST_FILE, &bufs[r], &len, &err)) != ST_OK) break;
                slots[r]->data = bufs[r];
                slots[r]->len = len;
                slots[r]->name = s->files[f];
                if ((rc = upd_file_entry(files, s->files[f], bufs[r], len)) != ST_OK) break;
            }
        }
        if (rc == ST_OK && !set.prim.data)
            rc = st_error_set(&err, ST_EINVAL, "%s is missing (found only %d other file(s) of the set)",
                              roles[si == SRC_CONS][0], s->nfiles);
        if (rc == ST_OK) rc = st_parse_ofac(&set, s->name, &s->list, &err);
        for (int r = 0; r < 4; r++) st_free(bufs[r]);
    } else {
        for (int f = 0; f < s->nfiles && rc == ST_OK; f++) {
            st_fmap fm;
            const char *base = upd_base(s->files[f]);
            /* mapped, not copied: FtM exports run to gigabytes */
            if ((rc = st_file_map(s->files[f], si == SRC_FTM ? UPD_MAX_FTM_FILE : UPD_MAX_LIST_FILE, &fm, &err)) !=
                ST_OK)
                break;
            const char *data = fm.data;
            size_t len = fm.len;
            rc = upd_file_entry(files, s->files[f], data, len);
            if (rc == ST_OK && si == SRC_UN) {
                rc = st_parse_un_xml(data, len, s->files[f], &s->list, &s->list_date, &err);
            } else if (rc == ST_OK && si == SRC_CRYPTO) {
                char asset[32];
                snprintf(asset, sizeof asset, "%.*s", (int)(strlen(base) - 25), base + 21);
                for (char *p = asset; *p; p++) *p = (char)toupper((unsigned char)*p);
                rc = st_parse_wallet_lines(data, len, s->files[f], asset, "ofac-crypto", &s->list, &err);
            } else if (rc == ST_OK) {
                char ds[256];
                snprintf(ds, sizeof ds, "%.*s", (int)(strlen(base) - 9), base);
                rc = st_parse_ftm(data, len, s->files[f], strcmp(ds, "entities") ? ds : "ftm", &s->list, &err);
            }
            st_file_unmap(&fm);
        }
    }
    if (rc != ST_OK) {
        if (rc == ST_ENOMEM) return rc;
        s->refused = 1;
        st_error_format(&err, s->reason, sizeof s->reason);
    }
    return ST_OK;
}

/* Datasets (entity sources) a manifest entry covers. */
static int upd_in_datasets(json_t *info, const char *source) {
    json_t *ds = json_object_get(info, "datasets"), *v;
    size_t i;
    json_array_foreach(ds, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), source)) return 1;
    return 0;
}

static json_t *upd_prev_info(upd_ctx *x, int si) {
    if (!x->prev) return NULL;
    return json_object_get(json_object_get(x->prev->manifest, "sources"), src_names[si]);
}

/* Validate a parsed source against the current snapshot; build its manifest entry. */
static int upd_validate(upd_ctx *x, int si, json_t *files) {
    upd_source *s = &x->src[si];
    json_t *prev = upd_prev_info(x, si);
    if (!s->refused && prev) {
        json_int_t before = json_integer_value(json_object_get(prev, "entities"));
        if ((json_int_t)s->list.n_entities * 2 < before)
            snprintf(s->reason, sizeof s->reason,
                     "entity count fell from %lld to %zu (more than half): truncated or partial file?",
                     (long long)before, s->list.n_entities), s->refused = 1;
    }
    if (s->refused) {
        st_list_free(&s->list);
        if (prev) {
            s->info = json_deep_copy(prev);
            if (!s->info) return ST_ENOMEM;
            json_object_set_new(s->info, "status", json_string("kept"));
            json_object_set_new(s->info, "refused", json_string(s->reason));
        }
        return ST_OK;
    }
    json_t *ds = json_array();
    if (!ds) return ST_ENOMEM;
    for (size_t i = 0; i < s->list.n_entities; i++) {
        const char *src = s->list.entities[i]->source;
        size_t k;
        json_t *v;
        int seen = 0;
        json_array_foreach(ds, k, v) if (!strcmp(json_string_value(v), src)) { seen = 1; break; }
        if (!seen && json_array_append_new(ds, json_string(src)) != 0) { json_decref(ds); return ST_ENOMEM; }
    }
    s->info = json_pack("{s:s, s:O, s:I, s:s, s:I, s:o}", "status", "updated", "files", files, "entities",
                        (json_int_t)s->list.n_entities, "fetched", x->fetched, "warnings",
                        (json_int_t)s->list.n_warnings_total, "datasets", ds);
    if (!s->info) return ST_ENOMEM;
    if (s->list_date) json_object_set_new(s->info, "list_date", json_string(s->list_date));
    s->updated = 1;
    return ST_OK;
}

static void upd_print_warnings(upd_ctx *x) {
    for (int si = 0; si < SRC_N; si++) {
        upd_source *s = &x->src[si];
        size_t show = x->verbose ? s->list.n_warnings : (s->list.n_warnings < 3 ? s->list.n_warnings : 3);
        char m[1024];
        for (size_t i = 0; i < show; i++)
            fprintf(stderr, "sanctrace: warning: %s\n", st_error_format(&s->list.warnings[i], m, sizeof m));
        if (s->list.n_warnings_total > show)
            fprintf(stderr, "sanctrace: %s: %zu more warning(s)%s\n", s->name, s->list.n_warnings_total - show,
                    x->verbose ? " (not kept)" : "; --verbose shows them");
    }
}

static int upd_parse_sources(upd_ctx *x, const char *only, st_error *err) {
    if (!only) return ST_OK;
    for (int i = 0; i < SRC_N; i++) x->src[i].selected = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", only);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (int i = 0; i < SRC_N; i++)
            if (!strcmp(t, src_names[i])) { x->src[i].selected = 1; found = 1; }
        if (!found)
            return st_error_set(err, ST_EUSAGE, "unknown source '%s' (un, ofac, ofac-cons, ofac-crypto, ftm)", t);
    }
    return ST_OK;
}

int cmd_update(int argc, char **argv) {
    upd_ctx x;
    st_error err;
    char data_dir[4096], tmpdir[64] = "";
    const char *data_opt = NULL, *only = NULL, *format = "table";
    int rc = 2, explicit_sources = 0, downloading = 0;
    json_t *sources = NULL, *out = NULL;
    st_entity **all = NULL;
    memset(&x, 0, sizeof x);
    st_error_clear(&err);
    for (int i = 0; i < SRC_N; i++) {
        x.src[i].name = src_names[i];
        x.src[i].selected = 1;
        st_list_init(&x.src[i].list);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { upd_usage(stdout); rc = 0; goto done; }
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) x.verbose = 1;
        else if (!v) { fprintf(stderr, "sanctrace: update: %s needs a value or is unknown\n", a); upd_usage(stderr); goto done; }
        else if (!strcmp(a, "--from")) { if (x.ndirs == UPD_MAX_DIRS) goto usage; x.dirs[x.ndirs++] = v; i++; }
        else if (!strcmp(a, "--data-dir")) { data_opt = v; i++; }
        else if (!strcmp(a, "--sources")) { only = v; explicit_sources = 1; i++; }
        else if (!strcmp(a, "--ftm-dataset")) { if (x.nftm == UPD_MAX_DIRS) goto usage; x.ftm_datasets[x.nftm++] = v; i++; }
        else if (!strcmp(a, "--format")) { format = v; i++; }
        else goto usage;
    }
    if (strcmp(format, "table") && strcmp(format, "json")) goto usage;
    x.json = !strcmp(format, "json");
    if (!x.ndirs && getenv("SANCTRACE_SOURCES_DIR") && *getenv("SANCTRACE_SOURCES_DIR"))
        x.dirs[x.ndirs++] = getenv("SANCTRACE_SOURCES_DIR");
    if (upd_parse_sources(&x, only, &err) != ST_OK) { cli_report(&err); goto done; }
    cli_data_dir(data_opt, data_dir, sizeof data_dir);
    {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(x.fetched, sizeof x.fetched, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    /* the current snapshot: the baseline for validation and carry-over */
    st_error perr;
    st_error_clear(&perr);
    int prc = st_store_open_meta(data_dir, NULL, &x.prev, &perr);
    if (prc != ST_OK && prc != ST_ENOTFOUND) {
        char m[1024];
        fprintf(stderr, "sanctrace: warning: current snapshot unreadable, nothing carried over: %s\n",
                st_error_format(&perr, m, sizeof m));
        x.prev = NULL;
    }
    /* find or fetch the files */
    if (x.ndirs) {
        for (int d = 0; d < x.ndirs; d++)
            if (upd_scan_dir(&x, x.dirs[d], &err) != ST_OK) { cli_report(&err); goto done; }
    } else {
        downloading = 1;
        if (!explicit_sources) {
            x.src[SRC_CRYPTO].selected = 0;
            x.src[SRC_FTM].selected = x.nftm > 0;
        }
        char t[] = "/tmp/sanctrace-update-XXXXXX";
        if (!mkdtemp(t)) {
            st_error_at(&err, ST_EIO, "/tmp", 0, -1, "cannot make a download directory: %s", strerror(errno));
            cli_report(&err);
            goto done;
        }
        snprintf(tmpdir, sizeof tmpdir, "%s", t);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        upd_fetch_all(&x, tmpdir);
        curl_global_cleanup();
    }
    /* parse and validate each source */
    sources = json_object();
    if (!sources) goto oom;
    st_progress pr;
    st_progress_begin(&pr, "update", SRC_N);
    int n_updated = 0, n_refused = 0;
    for (int si = 0; si < SRC_N; si++) {
        upd_source *s = &x.src[si];
        st_progress_tick(&pr, (uint64_t)si);
        if (!s->selected) continue;
        if (!s->nfiles && !s->refused) {
            if (explicit_sources) {
                s->refused = 1;
                snprintf(s->reason, sizeof s->reason, "no %s files found%s", s->name, downloading ? "" : " in --from");
            } else {
                continue;
            }
        }
        json_t *files = json_array();
        if (!files) goto oom;
        if (!s->refused && upd_parse_source(&x, si, files) != ST_OK) { json_decref(files); goto oom; }
        int vr = upd_validate(&x, si, files);
        json_decref(files);
        if (vr != ST_OK) goto oom;
        n_updated += s->updated;
        n_refused += s->refused;
    }
    st_progress_end(&pr);
    upd_print_warnings(&x);
    for (int si = 0; si < SRC_N; si++)
        if (x.src[si].refused)
            fprintf(stderr, "sanctrace: %s refused: %s%s\n", src_names[si], x.src[si].reason,
                    upd_prev_info(&x, si) ? "; previous data kept" : "");
    if (!n_updated) {
        if (x.prev)
            fprintf(stderr, "sanctrace: no source could be read; snapshot %s stays current\n", x.prev->version);
        else
            fprintf(stderr, "sanctrace: no source could be read%s; no snapshot written\n",
                    downloading ? " (is the network reachable? --from DIR reads local files)" : "");
        rc = 2;
        goto done;
    }
    /* carried-over sources need the current snapshot's entities */
    int carry = 0;
    for (int si = 0; si < SRC_N; si++) carry |= !x.src[si].updated && upd_prev_info(&x, si) != NULL;
    if (carry) {
        st_store_snapshot *full = NULL;
        if (st_store_open(data_dir, x.prev->version, &full, &err) != ST_OK) {
            cli_report(&err);
            fprintf(stderr, "sanctrace: cannot carry the other sources over; snapshot %s stays current\n",
                    x.prev->version);
            rc = 2;
            goto done;
        }
        st_store_close(x.prev);
        x.prev = full;
    }
    /* assemble: updated sources, then what the current snapshot has of the rest */
    size_t total = 0, k = 0;
    for (int si = 0; si < SRC_N; si++) total += x.src[si].list.n_entities;
    if (x.prev) total += x.prev->n_entities;
    all = st_malloc((total ? total : 1) * sizeof *all);
    if (!all) goto oom;
    for (int si = 0; si < SRC_N; si++) {
        upd_source *s = &x.src[si];
        if (s->updated) {
            for (size_t i = 0; i < s->list.n_entities; i++) all[k++] = s->list.entities[i];
        } else if (upd_prev_info(&x, si)) {
            json_t *info = upd_prev_info(&x, si);
            for (size_t i = 0; i < x.prev->n_entities; i++)
                if (upd_in_datasets(info, x.prev->entities[i]->source)) all[k++] = x.prev->entities[i];
            if (!s->info) {
                s->info = json_deep_copy(info);
                if (!s->info) goto oom;
                json_object_set_new(s->info, "status", json_string("kept"));
                json_object_del(s->info, "refused"); /* a reason from an earlier update no longer holds */
            }
        }
        if (s->info && json_object_set(sources, s->name, s->info) != 0) goto oom;
    }
    st_store_result res;
    if (st_store_write(data_dir, all, k, sources, &res, &err) != ST_OK) {
        cli_report(&err);
        fprintf(stderr, "sanctrace: the current snapshot was not changed\n");
        rc = 2;
        goto done;
    }
    {   /* the screening image beside the new entities.jsonl, so that the
         * first `screen` opens in milliseconds (failing only costs that) */
        st_snapshot *snap = NULL;
        if (st_snapshot_open(data_dir, &snap, NULL) == ST_OK) st_snapshot_release(snap);
    }
    if (x.json) {
        out = json_pack("{s:s, s:s?, s:s, s:I, s:{s:I, s:I, s:I}, s:O}", "version", res.version, "previous",
                        res.previous[0] ? res.previous : NULL, "data_dir", data_dir, "entities",
                        (json_int_t)res.n_entities, "changes", "added", (json_int_t)res.added, "removed",
                        (json_int_t)res.removed, "changed", (json_int_t)res.changed, "sources", sources);
        if (!out) goto oom;
        json_t *refused = json_array();
        for (int si = 0; refused && si < SRC_N; si++)
            if (x.src[si].refused)
                json_array_append_new(refused, json_pack("{s:s, s:s, s:b}", "source", src_names[si], "reason",
                                                         x.src[si].reason, "previous_kept",
                                                         upd_prev_info(&x, si) != NULL));
        if (!refused || json_object_set_new(out, "refused", refused) != 0) goto oom;
        json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("\n");
    } else {
        printf("%-12s %-8s %9s %9s  %s\n", "source", "status", "entities", "warnings", "files");
        for (int si = 0; si < SRC_N; si++) {
            upd_source *s = &x.src[si];
            if (!s->info) continue;
            printf("%-12s %-8s %9lld %9lld  ", s->name, json_string_value(json_object_get(s->info, "status")),
                   (long long)json_integer_value(json_object_get(s->info, "entities")),
                   (long long)json_integer_value(json_object_get(s->info, "warnings")));
            size_t i, nf = json_array_size(json_object_get(s->info, "files"));
            json_t *f;
            if (nf > 4) printf("%zu files", nf);
            for (i = 0; nf <= 4 && i < nf; i++) {
                f = json_array_get(json_object_get(s->info, "files"), i);
                printf("%s%s", i ? " " : "", json_string_value(json_object_get(f, "name")));
            }
            printf("\n");
        }
        printf("snapshot %s: %zu entities", res.version, res.n_entities);
        if (res.previous[0]) printf("; since %s: %zu added, %zu removed, %zu changed\n", res.previous, res.added,
                                    res.removed, res.changed);
        else printf(" (first snapshot)\n");
    }
    rc = n_refused ? 1 : 0;
    goto done;
usage:
    upd_usage(stderr);
    rc = 2;
    goto done;
oom:
    st_error_set(&err, ST_ENOMEM, "out of memory");
    cli_report(&err);
    rc = 2;
done:
    if (tmpdir[0]) st_rm_rf(tmpdir);
    st_free(all);
    json_decref(out);
    json_decref(sources);
    for (int i = 0; i < SRC_N; i++) {
        st_list_free(&x.src[i].list);
        for (int f = 0; f < x.src[i].nfiles; f++) st_free(x.src[i].files[f]);
        st_free(x.src[i].list_date);
        json_decref(x.src[i].info);
    }
    st_store_close(x.prev);
    return rc;
}
