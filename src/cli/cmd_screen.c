/*
 * cmd_screen.c - `sanctrace screen`: a file (or one --name) against the
 * current snapshot, on several threads, results in input order.
 *
 * Design: records are read whole, screened by a fixed set of worker
 * threads that take the next record index from one atomic counter; the
 * main thread writes each result in input order as soon as it is its
 * turn, then frees it (holding every result to the end cost more in heap
 * growth than the writing), and screens records itself while it waits.
 * Output is deterministic whatever the thread count.
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/fs.h"
#include "core/progress.h"
#include "sanctrace/screen.h"
#include "screen/input.h"

#define SCREEN_MAX_INPUT ((size_t)4 << 30)

typedef struct screen_result {
    st_match *m;
    size_t n;
    char *error;
    _Atomic int ready;  /* set (release) once m, n and error are final */
} screen_result;

typedef struct screen_job {
    const st_snapshot *snap;
    const st_screen_input *in;
    st_screen_opts opts;
    const char *dataset;
    screen_result *res;
    _Atomic size_t next;
} screen_job;

static void screen_one(screen_job *j, size_t i) {
    const st_screen_record *r = &j->in->recs[i];
    screen_result *out = &j->res[i];
    if (!r->error) {
        st_query q;
        st_screen_record_query(r, &q);
        q.dataset = j->dataset;
        st_error err;
        st_error_clear(&err);
        if (st_screen(j->snap, &q, &j->opts, &out->m, &out->n, &err) != ST_OK) {
            char msg[700];
            out->error = st_strdup(st_error_format(&err, msg, sizeof msg));
        }
    }
    atomic_store_explicit(&out->ready, 1, memory_order_release);
}

static void *screen_worker(void *arg) {
    screen_job *j = arg;
    for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->in->n;) screen_one(j, i);
    return NULL;
}

/* Text from the input or the lists, through the one CSV writer (quoting
 * and the formula-injection guard). */
static void print_csv_field(const char *s) { st_csv_write_field(stdout, s, 0); }

/* ---- JSON lines ----------------------------------------------------------
 * Written straight into one buffer, byte for byte what jansson's
 * json_dumps(JSON_COMPACT) writes for the same objects (keys in insertion
 * order, reals as %.17g with ".0" added, the same escapes), without
 * building a JSON tree per record. */

/* Length of the valid UTF-8 in s (jansson refuses anything else), or
 * (size_t)-1 when s is not valid UTF-8. */
static size_t utf8_len(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (p[n]) {
        unsigned c = p[n], k, cp;
        if (c < 0x80) { n++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; }
        else return (size_t)-1;
        for (unsigned i = 1; i <= k; i++) {
            if ((p[n + i] & 0xC0) != 0x80) return (size_t)-1;
            cp = (cp << 6) | (p[n + i] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return (size_t)-1;
        n += k + 1;
    }
    return n;
}

static void jw_str(st_buf *b, const char *s, size_t n) {
    st_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        st_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': st_buf_append(b, "\\\"", 2); break;
        case '\\': st_buf_append(b, "\\\\", 2); break;
        case '\b': st_buf_append(b, "\\b", 2); break;
        case '\f': st_buf_append(b, "\\f", 2); break;
        case '\n': st_buf_append(b, "\\n", 2); break;
        case '\r': st_buf_append(b, "\\r", 2); break;
        case '\t': st_buf_append(b, "\\t", 2); break;
        default: st_buf_printf(b, "\\u%04X", c); break;
        }
    }
    st_buf_append(b, s + run, n - run);
    st_buf_putc(b, '"');
}

static void jw_real(st_buf *b, double v) {
    char t[64];
    int n = snprintf(t, sizeof t, "%.17g", v);
    if (n < 0 || n >= (int)sizeof t - 3) return;
    if (!strchr(t, '.') && !strchr(t, 'e')) { t[n++] = '.'; t[n++] = '0'; t[n] = 0; }
    char *e = strchr(t, 'e');
    if (e) { /* no '+' and no leading zeros in the exponent */
        char *start = e + 1, *end = start + 1;
        if (*start == '-') start++;
        while (*end == '0') end++;
        if (end != start) memmove(start, end, (size_t)(t + n + 1 - end));
    }
    st_buf_puts(b, t);
}

/* "key":"value", or nothing when value is not valid UTF-8 (jansson drops it). */
static void jw_key_str(st_buf *b, int *first, const char *key, const char *v) {
    size_t n = v ? utf8_len(v) : (size_t)-1;
    if (n == (size_t)-1) return;
    if (!*first) st_buf_putc(b, ',');
    *first = 0;
    jw_str(b, key, strlen(key));
    st_buf_putc(b, ':');
    jw_str(b, v, n);
}

static void jw_value(st_buf *b, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        int first = 1;
        st_buf_putc(b, '{');
        json_object_foreach((json_t *)(uintptr_t)v, k, x) {
            if (!first) st_buf_putc(b, ',');
            first = 0;
            jw_str(b, k, strlen(k));
            st_buf_putc(b, ':');
            jw_value(b, x);
        }
        st_buf_putc(b, '}');
        break;
    }
    case JSON_ARRAY:
        st_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) st_buf_putc(b, ',');
            jw_value(b, json_array_get(v, i));
        }
        st_buf_putc(b, ']');
        break;
    case JSON_STRING: jw_str(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: st_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: jw_real(b, json_real_value(v)); break;
    case JSON_TRUE: st_buf_puts(b, "true"); break;
    case JSON_FALSE: st_buf_puts(b, "false"); break;
    default: st_buf_puts(b, "null"); break;
    }
}

static void jw_match(st_buf *b, const st_match *m) {
    const st_entity *e = m->entity;
    int first = 1;
    st_buf_putc(b, '{');
    jw_key_str(b, &first, "entity", e->id);
    st_buf_puts(b, first ? "\"score\":" : ",\"score\":");
    first = 0;
    jw_real(b, (double)(long)(m->score * 10000 + 0.5) / 10000);
    st_buf_puts(b, m->match ? ",\"match\":true" : ",\"match\":false");
    jw_key_str(b, &first, "caption", e->caption ? e->caption : e->id);
    jw_key_str(b, &first, "name", m->name ? m->name : "");
    jw_key_str(b, &first, "schema", st_schema_name(e->schema));
    st_buf_puts(b, ",\"lists\":[");
    const char *src = e->source ? e->source : "";
    if (utf8_len(src) != (size_t)-1) jw_str(b, src, strlen(src));
    st_buf_puts(b, "],\"programs\":[");
    int pf = 1;
    for (size_t i = 0; i < e->n_programs; i++) {
        size_t n = utf8_len(e->programs[i]);
        if (n == (size_t)-1) continue;
        if (!pf) st_buf_putc(b, ',');
        pf = 0;
        jw_str(b, e->programs[i], n);
    }
    st_buf_puts(b, "],\"explanation\":");
    if (m->explanation) jw_value(b, m->explanation);
    else st_buf_puts(b, "{}");
    st_buf_putc(b, '}');
}

static void jw_record(st_buf *b, const st_screen_record *r, const screen_result *s, const char *error) {
    int first = 1;
    st_buf_putc(b, '{');
    jw_key_str(b, &first, "id", r->id);
    if (error) jw_key_str(b, &first, "error", error);
    st_buf_puts(b, first ? "\"matches\":[" : ",\"matches\":[");
    for (size_t k = 0; k < s->n; k++) {
        if (k) st_buf_putc(b, ',');
        jw_match(b, &s->m[k]);
    }
    st_buf_puts(b, "]}\n");
}

/* Write record i's result in the chosen format (JSON lines collect in jb,
 * flushed every MiB). */
static void write_one(const st_screen_record *r, const screen_result *s, int jsonl, int csv, st_buf *jb,
                      st_buf *tmp) {
    const char *error = r->error ? r->error : s->error;
    if (jsonl) {
        jw_record(jb, r, s, error);
        if (jb->len >= ((size_t)1 << 20)) {
            fwrite(jb->data, 1, jb->len, stdout);
            st_buf_reset(jb);
        }
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
            st_buf_reset(tmp); /* one field: the programmes joined with ';' */
            for (size_t p = 0; p < m->entity->n_programs; p++) {
                if (p) st_buf_putc(tmp, ';');
                st_buf_puts(tmp, m->entity->programs[p]);
            }
            print_csv_field(tmp->data);
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

static void screen_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace screen [--data-dir D] [--threshold T] [--limit N] [--threads N]\n"
            "                        [--format table|jsonl|csv] [--dataset SOURCE] [FILE|-]\n"
            "       sanctrace screen --name NAME [--schema S] [--birth-date D] [--nationality C]\n"
            "                        [--country C] [--id-number X] | --wallet ADDRESS\n\n"
            "FILE is CSV with a header (id, and name or wallet or id_number; schema, birth_date,\n"
            "nationality, country, address optional) or JSON lines with the same keys.\n"
            "A malformed record (unterminated quote, text after a closing quote, another field\n"
            "count than the header, over 4 MiB; a JSON line that is not an object of text fields)\n"
            "is not screened: it gets an error entry in the output, reading resumes at the next\n"
            "line, and stderr says how many records were not processed and where.\n"
            "CSV output: text starting with = + - @ TAB or CR gets a leading ' (spreadsheet safety).\n\n"
            "Exit status: 0 every record screened, no match; 1 at least one match;\n"
            "2 usage or fatal error; 4 some records not processed (malformed or nothing to\n"
            "screen), added to 1 when there are matches too (5).\n");
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
    /* The main thread writes results in input order as soon as they are
     * ready (and frees them), and screens the next record itself while
     * the one to write is still being screened elsewhere. */
    int jsonl = !strcmp(format, "jsonl"), csv = !strcmp(format, "csv");
    st_buf jb, tmp;
    st_buf_init(&jb, (size_t)1 << 30);
    st_buf_init(&tmp, (size_t)64 << 20);
    cli_skipped skipped = {0};
    const char *in_name = have_one ? "query" : strcmp(argv[optind], "-") ? argv[optind] : "<stdin>";
    int found = 0;
    if (csv) puts("id,rank,entity,score,match,caption,name,schema,lists,programs,error");
    rc = 0;
    for (size_t w = 0; w < in.n;) {
        screen_result *r = &res[w];
        if (atomic_load_explicit(&r->ready, memory_order_acquire)) {
            write_one(&in.recs[w], r, jsonl, csv, &jb, &tmp);
            if (in.recs[w].error || r->error)
                cli_skipped_add(&skipped, in_name, in.recs[w].line, in.recs[w].error ? in.recs[w].error : r->error);
            for (size_t k = 0; k < r->n; k++) if (r->m[k].match) found = 1;
            st_matches_free(r->m, r->n);
            st_free(r->error);
            r->m = NULL;
            r->n = 0;
            r->error = NULL;
            if (++w % 256 == 0 && prog.enabled) st_progress_tick(&prog, w);
            continue;
        }
        size_t i = atomic_fetch_add(&job.next, 1);
        if (i < in.n) screen_one(&job, i);
        else sched_yield(); /* the next record to write is on another thread */
    }
    if (jb.len) fwrite(jb.data, 1, jb.len, stdout);
    st_buf_free(&jb);
    st_buf_free(&tmp);
    for (long t = 1; t <= started; t++) pthread_join(tid[t], NULL);
    st_progress_end(&prog);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "sanctrace screen: writing the output failed\n");
        rc = CLI_EXIT_FATAL;
        goto out;
    }
    cli_skipped_report(&skipped, "screen");
    rc = (found ? CLI_EXIT_FOUND : 0) | (skipped.n ? CLI_EXIT_SKIPPED : 0);
out:
    if (res) for (size_t i = 0; i < in.n; i++) { st_matches_free(res[i].m, res[i].n); st_free(res[i].error); }
    st_free(res);
    if (!have_one) st_screen_input_free(&in);
    st_free(data);
    st_snapshot_release(snap);
    return rc;
}
