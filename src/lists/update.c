/*
 * update.c - st_update: official list files in, a validated, versioned
 * snapshot out (see include/sanctrace/update.h for the rules).
 *
 * Design: one upd_ctx holds each source's files, its parsed list and its
 * manifest entry.  The steps run in order and each leaves the ctx whole:
 * find (scan the folders) or fetch (the caller's callback into a private
 * temporary folder); parse each source on its own; validate it against the
 * current snapshot; carry over what was not read; write.  Invariant: the
 * current snapshot changes only in st_store_write, atomically, and only
 * when at least one source was accepted.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/progress.h"
#include "lists/parse.h"
#include "lists/store.h"
#include "sanctrace/update.h"

#define UPD_MAX_FILES 32
#define UPD_MAX_LIST_FILE ((size_t)512 << 20)
#define UPD_MAX_FTM_FILE ((size_t)4 << 30)

enum { SRC_UN, SRC_OFAC, SRC_CONS, SRC_CRYPTO, SRC_FTM, SRC_N };
static const char *const src_names[SRC_N] = {"un", "ofac", "ofac-cons", "ofac-crypto", "ftm"};
_Static_assert(SRC_N == ST_UPDATE_NSOURCES, "one report entry per source");

typedef struct upd_source {
    const char *name;
    int selected;                       /* asked for (sources, or default) */
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
    const st_update_opts *o;
    st_store_snapshot *prev;            /* current snapshot before the update, or NULL */
    char fetched[32];
} upd_ctx;

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

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int upd_scan_dir(upd_ctx *x, const char *dir, st_error *err) {
    DIR *d = opendir(dir);
    if (!d) return st_error_at(err, ST_EIO, dir, 0, -1, "cannot read directory: %s", strerror(errno));
    struct dirent *de;
    int rc = ST_OK;
    /* sorted names keep the order of files (and so of entities) stable */
    char *names[1024] = {0};
    size_t nn = 0;
    while ((de = readdir(d)) && nn < 1024) {
        if (upd_source_of(de->d_name) < 0) continue;
        if (!(names[nn] = st_strdup(de->d_name))) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); break; }
        nn++;
    }
    closedir(d);
    qsort(names, nn, sizeof *names, name_cmp);
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

/* ---- downloading (through the caller's fetch) ---- */

static void upd_fetch_one(upd_ctx *x, upd_source *s, const char *url, const char *tmpdir, const char *local,
                          int *ok) {
    char path[4096];
    st_error e;
    st_error_clear(&e);
    if (st_path_join(path, sizeof path, tmpdir, local) != ST_OK ||
        x->o->fetch(x->o->fetch_ctx, url, path, &e) != ST_OK) {
        s->refused = 1;
        if (!e.msg[0]) st_error_set(&e, ST_ENET, "download of %s failed", url);
        st_error_format(&e, s->reason, sizeof s->reason);
        return;
    }
    if (upd_add_file(s, tmpdir, local) != ST_OK) {
        s->refused = 1;
        snprintf(s->reason, sizeof s->reason, "out of memory");
        return;
    }
    (*ok)++;
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
    size_t nplan = sizeof plan / sizeof plan[0];
    st_progress pr;
    st_progress_begin(&pr, "download", nplan + x->o->nftm);
    int ok = 0;
    for (size_t i = 0; i < nplan; i++) {
        upd_source *s = &x->src[plan[i].src];
        st_progress_tick(&pr, i);
        if (!s->selected || s->refused) continue;
        char url[512];
        snprintf(url, sizeof url, "%s%s", plan[i].base ? ofac_base : "", plan[i].url_or_file);
        upd_fetch_one(x, s, url, tmpdir, plan[i].local, &ok);
    }
    for (size_t i = 0; i < x->o->nftm; i++) {
        char url[512], name[300];
        st_progress_tick(&pr, nplan + i);
        snprintf(url, sizeof url, "https://data.opensanctions.org/datasets/latest/%s/entities.ftm.json",
                 x->o->ftm_datasets[i]);
        snprintf(name, sizeof name, "%s.ftm.json", x->o->ftm_datasets[i]);
        upd_fetch_one(x, &x->src[SRC_FTM], url, tmpdir, name, &ok);
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

/* The OFAC legacy CSV set (SDN or consolidated): four files by role. */
static int upd_parse_ofac(upd_source *s, int cons, json_t *files, st_error *err) {
    static const char *const roles[2][4] = {{"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"},
                                            {"cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"}};
    st_ofac_set set;
    char *bufs[4] = {0};
    st_ofac_file *slots[4] = {&set.prim, &set.add, &set.alt, &set.comments};
    int rc = ST_OK;
    memset(&set, 0, sizeof set);
    for (int f = 0; f < s->nfiles && rc == ST_OK; f++) {
        for (int r = 0; r < 4; r++) {
            if (strcasecmp(upd_base(s->files[f]), roles[cons][r]) != 0) continue;
            size_t len;
            if ((rc = st_file_read(s->files[f], UPD_MAX_LIST_FILE, &bufs[r], &len, err)) != ST_OK) break;
            slots[r]->data = bufs[r];
            slots[r]->len = len;
            slots[r]->name = s->files[f];
            if ((rc = upd_file_entry(files, s->files[f], bufs[r], len)) != ST_OK) break;
        }
    }
    if (rc == ST_OK && !set.prim.data)
        rc = st_error_set(err, ST_EINVAL, "%s is missing (found only %d other file(s) of the set)", roles[cons][0],
                          s->nfiles);
    if (rc == ST_OK) rc = st_parse_ofac(&set, s->name, &s->list, err);
    for (int r = 0; r < 4; r++) st_free(bufs[r]);
    return rc;
}

/* One mapped file of a single-file format (UN XML, a wallet list, FtM). */
static int upd_parse_file(upd_source *s, int si, const char *path, json_t *files, st_error *err) {
    st_fmap fm;
    const char *base = upd_base(path);
    /* mapped, not copied: FtM exports run to gigabytes */
    int rc = st_file_map(path, si == SRC_FTM ? UPD_MAX_FTM_FILE : UPD_MAX_LIST_FILE, &fm, err);
    if (rc != ST_OK) return rc;
    const char *data = fm.data;
    size_t len = fm.len;
    rc = upd_file_entry(files, path, data, len);
    if (rc == ST_OK && si == SRC_UN) {
        rc = st_parse_un_xml(data, len, path, &s->list, &s->list_date, err);
    } else if (rc == ST_OK && si == SRC_CRYPTO) {
        char asset[32];
        snprintf(asset, sizeof asset, "%.*s", (int)(strlen(base) - 25), base + 21);
        for (char *p = asset; *p; p++) *p = (char)toupper((unsigned char)*p);
        rc = st_parse_wallet_lines(data, len, path, asset, "ofac-crypto", &s->list, err);
    } else if (rc == ST_OK) {
        char ds[256];
        snprintf(ds, sizeof ds, "%.*s", (int)(strlen(base) - 9), base);
        rc = st_parse_ftm(data, len, path, strcmp(ds, "entities") ? ds : "ftm", &s->list, err);
    }
    st_file_unmap(&fm);
    return rc;
}

/* Read and parse every file of s; on failure s->reason says why.  Only
 * running out of memory is an error of the update itself. */
static int upd_parse_source(upd_ctx *x, int si, json_t *files) {
    upd_source *s = &x->src[si];
    st_error err;
    int rc = ST_OK;
    st_error_clear(&err);
    if (si == SRC_OFAC || si == SRC_CONS) rc = upd_parse_ofac(s, si == SRC_CONS, files, &err);
    else
        for (int f = 0; f < s->nfiles && rc == ST_OK; f++) rc = upd_parse_file(s, si, s->files[f], files, &err);
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

static json_t *upd_prev_info(const upd_ctx *x, int si) {
    if (!x->prev) return NULL;
    return json_object_get(json_object_get(x->prev->manifest, "sources"), src_names[si]);
}

/* The entity sources (datasets) of a parsed list, in first-seen order. */
static json_t *upd_datasets(const st_list *l) {
    json_t *ds = json_array();
    if (!ds) return NULL;
    for (size_t i = 0; i < l->n_entities; i++) {
        const char *src = l->entities[i]->source;
        size_t k;
        json_t *v;
        int seen = 0;
        json_array_foreach(ds, k, v) if (!strcmp(json_string_value(v), src)) { seen = 1; break; }
        if (!seen && json_array_append_new(ds, json_string(src)) != 0) { json_decref(ds); return NULL; }
    }
    return ds;
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
        st_list_free(&s->list); /* its entities and its warnings: the reason says it all */
        if (prev) {
            s->info = json_deep_copy(prev);
            if (!s->info) return ST_ENOMEM;
            json_object_set_new(s->info, "status", json_string("kept"));
            json_object_set_new(s->info, "refused", json_string(s->reason));
        }
        return ST_OK;
    }
    json_t *ds = upd_datasets(&s->list);
    if (!ds) return ST_ENOMEM;
    s->info = json_pack("{s:s, s:O, s:I, s:s, s:I, s:o}", "status", "updated", "files", files, "entities",
                        (json_int_t)s->list.n_entities, "fetched", x->fetched, "warnings",
                        (json_int_t)s->list.n_warnings_total, "datasets", ds);
    if (!s->info) return ST_ENOMEM;
    if (s->list_date) json_object_set_new(s->info, "list_date", json_string(s->list_date));
    s->updated = 1;
    return ST_OK;
}

static int upd_select(upd_ctx *x, const char *only, st_error *err) {
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

/* ---- the report ---- */

typedef struct upd_priv {
    st_error *warnings[SRC_N]; /* taken over from each source's list */
} upd_priv;

static st_update_report *upd_report_new(void) {
    st_update_report *r = st_calloc(1, sizeof *r);
    if (!r) return NULL;
    if (!(r->priv = st_calloc(1, sizeof(upd_priv))) || !(r->sources = json_object())) {
        st_free(r->priv);
        st_free(r);
        return NULL;
    }
    for (int i = 0; i < SRC_N; i++) r->src[i].name = src_names[i];
    return r;
}

void st_update_report_free(st_update_report *r) {
    if (!r) return;
    upd_priv *p = r->priv;
    for (int i = 0; p && i < SRC_N; i++) st_free(p->warnings[i]);
    st_free(p);
    json_decref(r->sources);
    st_free(r);
}

/* Each source's outcome and warnings into r (the warnings change hands). */
static void upd_report_sources(upd_ctx *x, st_update_report *r) {
    upd_priv *p = r->priv;
    for (int si = 0; si < SRC_N; si++) {
        upd_source *s = &x->src[si];
        st_update_source *o = &r->src[si];
        o->refused = s->refused;
        o->previous_kept = s->refused && upd_prev_info(x, si) != NULL;
        snprintf(o->reason, sizeof o->reason, "%s", s->reason);
        o->status = s->updated ? ST_UPDATE_UPDATED
                    : s->info  ? ST_UPDATE_KEPT
                    : s->refused ? ST_UPDATE_REFUSED
                                 : ST_UPDATE_ABSENT;
        o->info = json_object_get(r->sources, s->name);
        p->warnings[si] = s->list.warnings;
        o->warnings = s->list.warnings;
        o->n_warnings = s->list.n_warnings;
        o->n_warnings_total = s->list.n_warnings_total;
        s->list.warnings = NULL;
        s->list.n_warnings = 0;
    }
}

void st_update_report_print(FILE *f, const st_update_report *r, const st_error *err, int verbose) {
    char m[1024];
    if (r && r->warning[0]) fprintf(f, "sanctrace: warning: %s\n", r->warning);
    for (int si = 0; r && si < SRC_N; si++) {
        const st_update_source *s = &r->src[si];
        size_t show = verbose ? s->n_warnings : (s->n_warnings < 3 ? s->n_warnings : 3);
        for (size_t i = 0; i < show; i++)
            fprintf(f, "sanctrace: warning: %s\n", st_error_format(&s->warnings[i], m, sizeof m));
        if (s->n_warnings_total > show)
            fprintf(f, "sanctrace: %s: %zu more warning(s)%s\n", s->name, s->n_warnings_total - show,
                    verbose ? " (not kept)" : "; --verbose shows them");
    }
    for (int si = 0; r && si < SRC_N; si++)
        if (r->src[si].refused)
            fprintf(f, "sanctrace: %s refused: %s%s\n", r->src[si].name, r->src[si].reason,
                    r->src[si].previous_kept ? "; previous data kept" : "");
    if (err && err->code != ST_OK) fprintf(f, "sanctrace: %s\n", st_error_format(err, m, sizeof m));
    if (r && r->note[0]) fprintf(f, "sanctrace: %s\n", r->note);
}

/* ---- the update ---- */

/* Find the files in the folders, or fetch them into tmpdir. */
static int upd_gather(upd_ctx *x, int explicit_sources, char *tmpdir, size_t tmpcap, st_error *err) {
    const st_update_opts *o = x->o;
    if (o->ndirs) {
        for (size_t d = 0; d < o->ndirs; d++) {
            int rc = upd_scan_dir(x, o->dirs[d], err);
            if (rc != ST_OK) return rc;
        }
        return ST_OK;
    }
    if (!o->fetch) return st_error_set(err, ST_EUSAGE, "no folder of list files and no way to download them");
    if (!explicit_sources) {
        x->src[SRC_CRYPTO].selected = 0;
        x->src[SRC_FTM].selected = o->nftm > 0;
    }
    char t[] = "/tmp/sanctrace-update-XXXXXX";
    if (!mkdtemp(t))
        return st_error_at(err, ST_EIO, "/tmp", 0, -1, "cannot make a download directory: %s", strerror(errno));
    snprintf(tmpdir, tmpcap, "%s", t);
    upd_fetch_all(x, tmpdir);
    return ST_OK;
}

/* Parse and validate every selected source. */
static int upd_read_all(upd_ctx *x, int explicit_sources, int downloading, st_update_report *r) {
    st_progress pr;
    st_progress_begin(&pr, "update", SRC_N);
    int rc = ST_OK;
    for (int si = 0; si < SRC_N && rc == ST_OK; si++) {
        upd_source *s = &x->src[si];
        st_progress_tick(&pr, (uint64_t)si);
        if (!s->selected) continue;
        if (!s->nfiles && !s->refused) {
            if (!explicit_sources) continue;
            s->refused = 1;
            snprintf(s->reason, sizeof s->reason, "no %s files found%s", s->name, downloading ? "" : " in --from");
        }
        json_t *files = json_array();
        if (!files) { rc = ST_ENOMEM; break; }
        if (!s->refused) rc = upd_parse_source(x, si, files);
        if (rc == ST_OK) rc = upd_validate(x, si, files);
        json_decref(files);
        r->n_updated += s->updated;
        r->n_refused += s->refused;
    }
    st_progress_end(&pr);
    return rc;
}

/* Updated sources, then what the current snapshot has of the rest, into
 * *all[*n]; the manifest entries into r->sources. */
static int upd_assemble(upd_ctx *x, st_update_report *r, st_entity ***all, size_t *n) {
    size_t total = 0, k = 0;
    for (int si = 0; si < SRC_N; si++) total += x->src[si].list.n_entities;
    if (x->prev) total += x->prev->n_entities;
    st_entity **a = st_malloc((total ? total : 1) * sizeof *a);
    if (!a) return ST_ENOMEM;
    for (int si = 0; si < SRC_N; si++) {
        upd_source *s = &x->src[si];
        json_t *info = upd_prev_info(x, si);
        if (s->updated) {
            for (size_t i = 0; i < s->list.n_entities; i++) a[k++] = s->list.entities[i];
        } else if (info) {
            for (size_t i = 0; i < x->prev->n_entities; i++)
                if (upd_in_datasets(info, x->prev->entities[i]->source)) a[k++] = x->prev->entities[i];
            if (!s->info) {
                if (!(s->info = json_deep_copy(info))) { st_free(a); return ST_ENOMEM; }
                json_object_set_new(s->info, "status", json_string("kept"));
                json_object_del(s->info, "refused"); /* a reason from an earlier update no longer holds */
            }
        }
        if (s->info && json_object_set(r->sources, s->name, s->info) != 0) { st_free(a); return ST_ENOMEM; }
    }
    *all = a;
    *n = k;
    return ST_OK;
}

/* Carried-over sources need the current snapshot's entities, not only its manifest. */
static int upd_open_carry(upd_ctx *x, st_update_report *r, st_error *err) {
    int carry = 0;
    for (int si = 0; si < SRC_N; si++) carry |= !x->src[si].updated && upd_prev_info(x, si) != NULL;
    if (!carry) return ST_OK;
    st_store_snapshot *full = NULL;
    int rc = st_store_open(x->o->data_dir, x->prev->version, &full, err);
    if (rc != ST_OK) {
        snprintf(r->note, sizeof r->note, "cannot carry the other sources over; snapshot %s stays current",
                 x->prev->version);
        return rc;
    }
    st_store_close(x->prev);
    x->prev = full;
    return ST_OK;
}

static void upd_ctx_free(upd_ctx *x) {
    for (int i = 0; i < SRC_N; i++) {
        st_list_free(&x->src[i].list);
        for (int f = 0; f < x->src[i].nfiles; f++) st_free(x->src[i].files[f]);
        st_free(x->src[i].list_date);
        json_decref(x->src[i].info);
    }
    st_store_close(x->prev);
}

int st_update(const st_update_opts *o, st_update_report **out, st_error *err) {
    upd_ctx x;
    char tmpdir[64] = "";
    st_entity **all = NULL;
    size_t nall = 0;
    int rc;
    *out = NULL;
    memset(&x, 0, sizeof x);
    x.o = o;
    for (int i = 0; i < SRC_N; i++) {
        x.src[i].name = src_names[i];
        x.src[i].selected = 1;
        st_list_init(&x.src[i].list);
    }
    if (o->ndirs > ST_UPDATE_MAX_DIRS || o->nftm > ST_UPDATE_MAX_DIRS)
        return st_error_set(err, ST_EUSAGE, "at most %d folders and %d datasets", ST_UPDATE_MAX_DIRS,
                            ST_UPDATE_MAX_DIRS);
    if ((rc = upd_select(&x, o->sources, err)) != ST_OK) return rc;
    for (size_t i = 0; i < o->nftm; i++) { /* names go into a URL and a file name */
        const char *d = o->ftm_datasets[i];
        size_t l = strlen(d);
        if (!l || l > 100 || strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != l)
            return st_error_set(err, ST_EUSAGE, "dataset name '%.100s': letters, digits, _ and - only", d);
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(x.fetched, sizeof x.fetched, "%Y-%m-%dT%H:%M:%SZ", &tm);
    st_update_report *r = upd_report_new();
    if (!r) return st_error_set(err, ST_ENOMEM, "out of memory");
    r->downloaded = o->ndirs == 0;
    /* the current snapshot: the baseline for validation and carry-over */
    st_error perr;
    st_error_clear(&perr);
    int prc = st_store_open_meta(o->data_dir, NULL, &x.prev, &perr);
    if (prc != ST_OK && prc != ST_ENOTFOUND) {
        char m[900];
        snprintf(r->warning, sizeof r->warning, "current snapshot unreadable, nothing carried over: %s",
                 st_error_format(&perr, m, sizeof m));
        x.prev = NULL;
    }
    int explicit_sources = o->sources != NULL;
    if ((rc = upd_gather(&x, explicit_sources, tmpdir, sizeof tmpdir, err)) != ST_OK) goto fail;
    if ((rc = upd_read_all(&x, explicit_sources, r->downloaded, r)) != ST_OK) goto oom;
    if (!r->n_updated) {
        if (x.prev) snprintf(r->note, sizeof r->note, "no source could be read; snapshot %s stays current", x.prev->version);
        else
            snprintf(r->note, sizeof r->note, "no source could be read%s; no snapshot written",
                     r->downloaded ? " (is the network reachable? --from DIR reads local files)" : "");
        goto done;
    }
    if ((rc = upd_open_carry(&x, r, err)) != ST_OK) goto fail;
    if ((rc = upd_assemble(&x, r, &all, &nall)) != ST_OK) goto oom;
    st_store_result res;
    if ((rc = st_store_write(o->data_dir, all, nall, r->sources, &res, err)) != ST_OK) {
        snprintf(r->note, sizeof r->note, "the current snapshot was not changed");
        goto fail;
    }
    r->written = 1;
    snprintf(r->version, sizeof r->version, "%s", res.version);
    snprintf(r->previous, sizeof r->previous, "%s", res.previous);
    r->n_entities = res.n_entities;
    r->added = res.added;
    r->removed = res.removed;
    r->changed = res.changed;
done:
    rc = ST_OK;
    goto out;
oom:
    rc = st_error_set(err, ST_ENOMEM, "out of memory");
fail:
out:
    upd_report_sources(&x, r);
    if (tmpdir[0]) st_rm_rf(tmpdir);
    st_free(all);
    upd_ctx_free(&x);
    *out = r;
    return rc;
}
