/*
 * cmd_screen.c - `sanctrace screen`: a file (or one --name) against the
 * current snapshot, on several threads, results in input order.
 *
 * Design: records are read whole, screened by a fixed set of worker
 * threads that take the next record index from one atomic counter, and
 * written afterwards in input order, so output is deterministic whatever
 * the thread count.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "core/progress.h"
#include "sanctrace/screen.h"
#include "screen/input.h"

#define SCREEN_MAX_INPUT ((size_t)4 << 30)

typedef struct screen_result {
    st_match *m;
    size_t n;
    char *error;
} screen_result;

typedef struct screen_job {
    const st_snapshot *snap;
    const st_screen_input *in;
    st_screen_opts opts;
    const char *dataset;
    screen_result *res;
    _Atomic size_t next;
    _Atomic size_t done;
} screen_job;

static void *screen_worker(void *arg) {
    screen_job *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->in->n) break;
        const st_screen_record *r = &j->in->recs[i];
        screen_result *out = &j->res[i];
        if (r->error) { atomic_fetch_add(&j->done, 1); continue; }
        st_query q;
        st_screen_record_query(r, &q);
        q.dataset = j->dataset;
        st_error err;
        st_error_clear(&err);
        if (st_screen(j->snap, &q, &j->opts, &out->m, &out->n, &err) != ST_OK) {
            char msg[700];
            out->error = st_strdup(st_error_format(&err, msg, sizeof msg));
        }
        atomic_fetch_add(&j->done, 1);
    }
    return NULL;
}

static void print_csv_field(const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\n\r")) { fputs(s, stdout); return; }
    putchar('"');
    for (; *s; s++) { if (*s == '"') putchar('"'); putchar(*s); }
    putchar('"');
}

static json_t *match_json(const st_match *m) {
    const st_entity *e = m->entity;
    json_t *o = json_object();
    json_object_set_new(o, "entity", json_string(e->id));
    json_object_set_new(o, "score", json_real((double)(long)(m->score * 10000 + 0.5) / 10000));
    json_object_set_new(o, "match", json_boolean(m->match));
    json_object_set_new(o, "caption", json_string(e->caption ? e->caption : e->id));
    json_object_set_new(o, "name", json_string(m->name ? m->name : ""));
    json_object_set_new(o, "schema", json_string(st_schema_name(e->schema)));
    json_t *lists = json_array();
    json_array_append_new(lists, json_string(e->source ? e->source : ""));
    json_object_set_new(o, "lists", lists);
    json_t *progs = json_array();
    for (size_t i = 0; i < e->n_programs; i++) json_array_append_new(progs, json_string(e->programs[i]));
    json_object_set_new(o, "programs", progs);
    json_object_set_new(o, "explanation", m->explanation ? json_incref(m->explanation) : json_object());
    return o;
}

static void write_results(const st_screen_input *in, const screen_result *res, const char *fmt) {
    int jsonl = !strcmp(fmt, "jsonl"), csv = !strcmp(fmt, "csv");
    if (csv) puts("id,rank,entity,score,match,caption,name,schema,lists,programs,error");
    for (size_t i = 0; i < in->n; i++) {
        const st_screen_record *r = &in->recs[i];
        const screen_result *s = &res[i];
        const char *error = r->error ? r->error : s->error;
        if (jsonl) {
            json_t *o = json_object();
            json_object_set_new(o, "id", json_string(r->id));
            if (error) json_object_set_new(o, "error", json_string(error));
            json_t *arr = json_array();
            for (size_t k = 0; k < s->n; k++) json_array_append_new(arr, match_json(&s->m[k]));
            json_object_set_new(o, "matches", arr);
            char *txt = json_dumps(o, JSON_COMPACT);
            if (txt) { puts(txt); free(txt); }
            json_decref(o);
        } else if (csv) {
            if (error || !s->n) {
                print_csv_field(r->id);
                printf(",0,,,,,,,,,");
                print_csv_field(error);
                putchar('\n');
            }
            for (size_t k = 0; k < s->n; k++) {
                const st_match *m = &s->m[k];
                print_csv_field(r->id);
                printf(",%zu,", k + 1);
                print_csv_field(m->entity->id);
                printf(",%.4f,%s,", m->score, m->match ? "true" : "false");
                print_csv_field(m->entity->caption);
                putchar(',');
                print_csv_field(m->name);
                printf(",%s,", st_schema_name(m->entity->schema));
                print_csv_field(m->entity->source);
                putchar(',');
                for (size_t p = 0; p < m->entity->n_programs; p++) {
                    if (p) putchar(';');
                    print_csv_field(m->entity->programs[p]);
                }
                printf(",\n");
            }
        } else {
            printf("%s", r->id);
            if (r->name) printf("  \"%s\"", r->name);
            if (r->wallet) printf("  wallet %s", r->wallet);
            if (r->id_number) printf("  id %s", r->id_number);
            putchar('\n');
            if (error) printf("    error: %s\n", error);
            else if (!s->n) printf("    no match\n");
            for (size_t k = 0; k < s->n; k++) {
                const st_match *m = &s->m[k];
                printf("    %s %.3f  %-18s %s", m->match ? "MATCH" : "     ", m->score, m->entity->id,
                       m->entity->caption ? m->entity->caption : "");
                if (m->name && m->entity->caption && strcmp(m->name, m->entity->caption))
                    printf("  (as \"%s\")", m->name);
                printf("  [%s", st_schema_name(m->entity->schema));
                for (size_t p = 0; p < m->entity->n_programs && p < 4; p++) printf(" %s", m->entity->programs[p]);
                printf("]\n");
            }
        }
    }
}

static void screen_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace screen [--data-dir D] [--threshold T] [--limit N] [--threads N]\n"
            "                        [--format table|jsonl|csv] [--dataset SOURCE] [FILE|-]\n"
            "       sanctrace screen --name NAME [--schema S] [--birth-date D] [--nationality C]\n"
            "                        [--country C] [--id-number X] | --wallet ADDRESS\n\n"
            "FILE is CSV with a header (id, and name or wallet or id_number; schema, birth_date,\n"
            "nationality, country, address optional) or JSON lines with the same keys.\n"
            "Exit status: 0 no record matched, 1 at least one match or record error, 2 failure.\n");
}

int cmd_screen(int argc, char **argv);
int cmd_screen(int argc, char **argv) {
    static const struct option opts[] = {
        {"data-dir", required_argument, 0, 'd'}, {"threshold", required_argument, 0, 't'},
        {"limit", required_argument, 0, 'l'},    {"threads", required_argument, 0, 'j'},
        {"format", required_argument, 0, 'f'},   {"name", required_argument, 0, 'n'},
        {"schema", required_argument, 0, 's'},   {"birth-date", required_argument, 0, 'b'},
        {"nationality", required_argument, 0, 'N'}, {"country", required_argument, 0, 'c'},
        {"id-number", required_argument, 0, 'i'}, {"wallet", required_argument, 0, 'w'},
        {"dataset", required_argument, 0, 'D'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *data_dir = NULL, *format = "table", *dataset = NULL;
    st_screen_record one = {0};
    int have_one = 0;
    st_screen_opts so = {.threshold = -1, .limit = 0};
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_dir = optarg; break;
        case 't': so.threshold = atof(optarg); break;
        case 'l': so.limit = (size_t)atol(optarg); break;
        case 'j': threads = atol(optarg); break;
        case 'f': format = optarg; break;
        case 'n': one.name = optarg; have_one = 1; break;
        case 's': one.schema = optarg; break;
        case 'b': one.birth_date = optarg; break;
        case 'N': one.nationality = optarg; break;
        case 'c': one.country = optarg; break;
        case 'i': one.id_number = optarg; have_one = 1; break;
        case 'w': one.wallet = optarg; have_one = 1; break;
        case 'D': dataset = optarg; break;
        case 'h': screen_usage(stdout); return 0;
        default: screen_usage(stderr); return 2;
        }
    }
    if (strcmp(format, "table") && strcmp(format, "jsonl") && strcmp(format, "csv")) {
        fprintf(stderr, "sanctrace screen: --format must be table, jsonl or csv\n");
        return 2;
    }
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    if (so.threshold > 1) { fprintf(stderr, "sanctrace screen: --threshold must be in [0, 1]\n"); return 2; }
    if (!have_one && optind >= argc) { screen_usage(stderr); return 2; }

    char dir[4096];
    cli_data_dir(data_dir, dir, sizeof dir);
    st_error err;
    st_error_clear(&err);
    st_snapshot *snap = NULL;
    st_screen_input in = {0};
    char *data = NULL;
    screen_result *res = NULL;
    int rc = 2;
    if (st_snapshot_open(dir, &snap, &err) != ST_OK) { cli_report(&err); goto out; }
    if (have_one) {
        one.id = "query";
        one.line = 0;
        in.recs = &one;
        in.n = 1;
    } else {
        const char *path = argv[optind];
        size_t len;
        if (st_file_read(path, SCREEN_MAX_INPUT, &data, &len, &err) != ST_OK) { cli_report(&err); goto out; }
        if (st_screen_input_parse(data, len, strcmp(path, "-") ? path : "<stdin>", &in, &err) != ST_OK) {
            cli_report(&err);
            goto out;
        }
    }
    res = st_calloc(in.n ? in.n : 1, sizeof *res);
    if (!res) { fprintf(stderr, "sanctrace: out of memory\n"); goto out; }
    screen_job job = {.snap = snap, .in = &in, .opts = so, .dataset = dataset, .res = res};
    if ((size_t)threads > in.n) threads = in.n ? (long)in.n : 1;
    pthread_t tid[64];
    long started = 0;
    for (long t = 1; t < threads; t++)
        if (pthread_create(&tid[t], NULL, screen_worker, &job) == 0) started = t;
    st_progress prog;
    st_progress_begin(&prog, "screening", in.n);
    if (prog.enabled && in.n > 1000) {
        /* the main thread draws progress while the workers screen */
        while (atomic_load(&job.done) < in.n) {
            st_progress_tick(&prog, atomic_load(&job.done));
            if (started == 0) { screen_worker(&job); break; }
            usleep(50000);
        }
    } else {
        screen_worker(&job);
    }
    for (long t = 1; t <= started; t++) pthread_join(tid[t], NULL);
    st_progress_end(&prog);
    write_results(&in, res, format);
    rc = 0;
    for (size_t i = 0; i < in.n; i++) {
        if (in.recs[i].error || res[i].error) rc = 1;
        for (size_t k = 0; k < res[i].n; k++) if (res[i].m[k].match) rc = 1;
    }
out:
    if (res) for (size_t i = 0; i < in.n; i++) { st_matches_free(res[i].m, res[i].n); st_free(res[i].error); }
    st_free(res);
    if (!have_one) st_screen_input_free(&in);
    st_free(data);
    st_snapshot_release(snap);
    return rc;
}
