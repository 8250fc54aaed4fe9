/*
 * cmd_screen.c - `sanctrace screen`: a file (or one --name) against the
 * current snapshot.
 *
 * A client of include/sanctrace/screen.h: the options, the input read and
 * parsed (st_screen_input_parse), st_screen_batch on several threads with
 * each result written in input order by a st_screen_writer, and the
 * summary of records not processed on stderr.  Output is the same
 * whatever the thread count.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sanctrace/io.h"
#include "sanctrace/screen.h"

#define SCREEN_MAX_INPUT ((size_t)4 << 30)

typedef struct screen_args {
    const char *data_dir, *format, *dataset;
    const char *name, *schema, *birth_date, *nationality, *country, *id_number, *wallet;
    double threshold;
    uint64_t limit, threads;
    cli_args pos;
} screen_args;

#define OPT(n, k, f, m) CLI_OPT(n, k, screen_args, f, m)
static const cli_opt screen_opts[] = {
    OPT("--data-dir", CLI_TEXT, data_dir, 0),  OPT("--threshold", CLI_REAL, threshold, 1),
    OPT("--limit", CLI_NUM, limit, 100000),    OPT("--threads", CLI_NUM, threads, 100000),
    OPT("--format", CLI_TEXT, format, 0),      OPT("--name", CLI_TEXT, name, 0),
    OPT("--schema", CLI_TEXT, schema, 0),      OPT("--birth-date", CLI_TEXT, birth_date, 0),
    OPT("--nationality", CLI_TEXT, nationality, 0), OPT("--country", CLI_TEXT, country, 0),
    OPT("--id-number", CLI_TEXT, id_number, 0), OPT("--wallet", CLI_TEXT, wallet, 0),
    OPT("--dataset", CLI_TEXT, dataset, 0),    CLI_END,
};

/* What the command keeps while results go by. */
typedef struct screen_run {
    st_screen_writer *w;
    cli_skipped skipped;
    const char *in_name;
    int found, write_failed;
} screen_run;

static int on_result(void *ctx, const st_screen_record *rec, const st_match *m, size_t n, const char *error) {
    screen_run *s = ctx;
    if (st_screen_writer_put(s->w, rec, m, n, error) != ST_OK) {
        s->write_failed = 1;
        return ST_EIO;
    }
    if (error) cli_skipped_add(&s->skipped, s->in_name, rec->line, error);
    for (size_t k = 0; k < n; k++)
        if (m[k].match) s->found = 1;
    return ST_OK;
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
    if (cli_want_help(argc, argv)) {
        screen_usage(stdout);
        return 0;
    }
    screen_args a;
    memset(&a, 0, sizeof a);
    a.format = "table";
    a.threshold = -1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    a.threads = ncpu > 0 ? (uint64_t)ncpu : 1;
    if (cli_parse("screen", screen_opts, NULL, NULL, argc - 1, argv + 1, &a, &a.pos, 1)) return 2;
    st_screen_format fmt;
    if (st_screen_format_parse(a.format, &fmt) != ST_OK) {
        fprintf(stderr, "sanctrace screen: --format must be table, jsonl or csv\n");
        return 2;
    }
    int have_one = a.name || a.id_number || a.wallet;
    if (!have_one && !a.pos.n) { screen_usage(stderr); return 2; }

    char dir[4096];
    cli_data_dir(a.data_dir, dir, sizeof dir);
    st_error err;
    st_error_clear(&err);
    st_snapshot *snap = NULL;
    st_screen_input in = {0};
    st_screen_record one = {0};
    char *data = NULL;
    screen_run run = {0};
    int rc = 2;
    if (st_snapshot_open(dir, &snap, &err) != ST_OK) { cli_report(&err); goto out; }
    if (have_one) {
        one.id = "query";
        one.name = (char *)a.name;
        one.schema = (char *)a.schema;
        one.birth_date = (char *)a.birth_date;
        one.nationality = (char *)a.nationality;
        one.country = (char *)a.country;
        one.id_number = (char *)a.id_number;
        one.wallet = (char *)a.wallet;
        in.recs = &one;
        in.n = 1;
        run.in_name = "query";
    } else {
        const char *path = a.pos.v[0];
        size_t len;
        run.in_name = strcmp(path, "-") ? path : "<stdin>";
        if (st_file_read(path, SCREEN_MAX_INPUT, &data, &len, &err) != ST_OK) { cli_report(&err); goto out; }
        if (st_screen_input_parse(data, len, run.in_name, &in, &err) != ST_OK) {
            cli_report(&err);
            goto out;
        }
    }
    if (st_screen_writer_new(&run.w, stdout, fmt) != ST_OK) { fprintf(stderr, "sanctrace: out of memory\n"); goto out; }
    if (a.threads > 64) a.threads = 64; /* more buys nothing: the batch takes at most 64 */
    st_screen_batch_opts bo = {{a.threshold, (size_t)a.limit}, a.dataset, (int)a.threads, 1};
    int brc = st_screen_batch(snap, in.recs, in.n, &bo, on_result, &run);
    int wrc = st_screen_writer_close(run.w);
    if (brc == ST_ENOMEM) { fprintf(stderr, "sanctrace: out of memory\n"); goto out; }
    if (run.write_failed || wrc != ST_OK) {
        fprintf(stderr, "sanctrace screen: writing the output failed\n");
        rc = CLI_EXIT_FATAL;
        goto out;
    }
    cli_skipped_report(&run.skipped, "screen");
    rc = (run.found ? CLI_EXIT_FOUND : 0) | (run.skipped.n ? CLI_EXIT_SKIPPED : 0);
out:
    if (!have_one) st_screen_input_free(&in);
    free(data);
    st_snapshot_release(snap);
    return rc;
}
