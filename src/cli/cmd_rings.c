/*
 * cmd_rings.c - `sanctrace rings`: identity rings from applicant records,
 * and `sanctrace rings synth`: synthetic applicants with planted rings.
 *
 * Exit codes (the readers' shared status, cli.h): 0 every record read,
 * nothing high-risk; 1 high-risk records; 2 usage or fatal error; 4 some
 * records not processed (5 with high-risk records too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sanctrace/io.h"
#include "sanctrace/rings.h"

int cmd_rings(int argc, char **argv);

static void rings_usage(FILE *f) {
    fputs("usage: sanctrace rings [--data-dir D] [--state DIR] [--format json|table] FILE...\n"
          "       sanctrace rings check --state DIR [--data-dir D] FILE...\n"
          "       sanctrace rings add --state DIR [--data-dir D] FILE...\n"
          "       sanctrace rings synth --records N --out FILE [--seed S] [--truth FILE] [--names-dir D]\n\n"
          "Groups applicant records (CSV with a header or JSON lines; columns id, name, email, phone,\n"
          "phone_type, address, country, nationality, birth_date, employer, education, ip, device_id,\n"
          "payment_account, shipping_address, photo_hash, resume_text, timezone, login_hours_utc;\n"
          "several values separated by ';') into rings of one person or one operation, with evidence\n"
          "and DPRK IT-worker advisory indicators.\n\n"
          "  --data-dir D    sanctions snapshot for the name indicator (see `sanctrace update`)\n"
          "  --state DIR     keep records and ring ids in DIR; later runs add to them\n"
          "  --format F      json (default) or table (an analyst's brief)\n"
          "check answers, for each record of FILE, the ring it would join in the state, its risk\n"
          "and evidence, without changing the state; add (the same as rings --state DIR FILE) adds\n"
          "the records to the state.\n"
          "synth writes N synthetic applicants to FILE and the truth (id,cluster,role) to\n"
          "--truth (default FILE with .truth.csv).\n"
          "A malformed record (unterminated quote, text after a closing quote, another field count\n"
          "than the header, over 4 MiB, a bad value; a JSON line that is not an object) is reported\n"
          "with its file and line and skipped, and reading resumes at the next line; stderr ends\n"
          "with how many records were not processed.\n\n"
          "Exit status: 0 every record read, nothing high-risk; 1 high-risk records; 2 usage or\n"
          "fatal error; 4 some records not processed, added to 1 when there are high-risk\n"
          "records too (5).\n", f);
}

static void warn_row(void *ctx, const st_error *e) {
    cli_skipped *s = ctx;
    cli_skipped_add(s, e->file, e->line, e->msg);
    if (s->n <= 100) cli_report(e);
    else if (s->n == 101) fputs("sanctrace: further malformed records not listed\n", stderr);
}

typedef struct synth_args {
    const char *out, *truth, *names_dir;
    uint64_t records, seed;
} synth_args;

static const cli_opt synth_opts[] = {
    CLI_OPT("--records", CLI_NUM, synth_args, records, 20000000),
    CLI_OPT("--seed", CLI_NUM, synth_args, seed, UINT64_MAX),
    CLI_OPT("--out", CLI_TEXT, synth_args, out, 0),
    CLI_OPT("--truth", CLI_TEXT, synth_args, truth, 0),
    CLI_OPT("--names-dir", CLI_TEXT, synth_args, names_dir, 0),
    CLI_END,
};

typedef struct rings_args {
    const char *data_dir, *state, *format;
    cli_args files;
} rings_args;

static const cli_opt rings_opts[] = {
    CLI_OPT("--data-dir", CLI_TEXT, rings_args, data_dir, 0),
    CLI_OPT("--state", CLI_TEXT, rings_args, state, 0),
    CLI_OPT("--format", CLI_TEXT, rings_args, format, 0),
    CLI_END,
};

static const cli_opt *const rings_tables[] = {synth_opts, rings_opts, NULL};
static const char *const rings_names[] = {"rings synth", "rings"};

static int cmd_rings_synth(int argc, char **argv) {
    if (cli_want_help(argc, argv)) { rings_usage(stdout); return 0; }
    st_rings_synth_opts o = {0, 1, NULL, 1};
    synth_args sa = {NULL, NULL, NULL, 0, 1};
    if (cli_parse("rings synth", synth_opts, rings_tables, rings_names, argc - 1, argv + 1, &sa, NULL, 0)) return 2;
    o.records = (size_t)sa.records;
    o.seed = sa.seed;
    o.names_dir = sa.names_dir;
    const char *out = sa.out, *truth = sa.truth;
    if (!out || !o.records) { rings_usage(stderr); return 2; }
    char tb[4096];
    if (!truth) {
        snprintf(tb, sizeof tb, "%s", out);
        char *dot = strrchr(tb, '.');
        if (dot && !strchr(dot, '/')) *dot = 0;
        strncat(tb, ".truth.csv", sizeof tb - strlen(tb) - 1);
        truth = tb;
    }
    st_error err;
    st_error_clear(&err);
    if (st_rings_synth(&o, out, truth, &err) != ST_OK) { cli_report(&err); return 2; }
    fprintf(stderr, "sanctrace: wrote %zu records to %s, truth to %s\n", o.records, out, truth);
    return 0;
}

int cmd_rings(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "synth")) return cmd_rings_synth(argc - 1, argv + 1);
    int check = argc >= 2 && !strcmp(argv[1], "check"), add = argc >= 2 && !strcmp(argv[1], "add");
    if (check || add) { argc--; argv++; }
    if (cli_want_help(argc, argv)) { rings_usage(stdout); return 0; }
    rings_args ra = {NULL, NULL, "json", {NULL, 0}};
    if (cli_parse(check ? "rings check" : add ? "rings add" : "rings", rings_opts, rings_tables, rings_names, argc - 1, argv + 1, &ra, &ra.files, (size_t)argc)) return 2;
    const char *data_dir = ra.data_dir, *state = ra.state, *format = ra.format;
    const char *const *files = (const char *const *)ra.files.v;
    int nfiles = (int)ra.files.n;
    if (strcmp(format, "json") && strcmp(format, "table")) {
        fprintf(stderr, "sanctrace: --format must be json or table\n");
        return 2;
    }
    if (!nfiles && !state) { rings_usage(stderr); return 2; }
    if ((check || add) && (!state || !nfiles)) {
        fprintf(stderr, "sanctrace: rings %s needs --state DIR and a FILE\n", check ? "check" : "add");
        return 2;
    }
    cli_skipped skipped = {0};
    st_rings_opts o = {data_dir, state, warn_row, &skipped, 1, 0};
    st_rings *r = NULL;
    st_error err;
    st_error_clear(&err);
    int rc = st_rings_new(&r, &o, &err);
    const int timing = st_env_flag("ST_RINGS_TIMING");
    double t0 = st_now();
    if (rc == ST_OK && check) st_rings_check_begin(r);
    for (int i = 0; rc == ST_OK && i < nfiles; i++) rc = st_rings_add_file(r, files[i], &err);
    if (timing) fprintf(stderr, "rings: read %.2fs\n", st_now() - t0);
    if (rc == ST_OK) rc = st_rings_run(r, &err);
    if (rc == ST_OK && !check) rc = st_rings_save_state(r, &err); /* a check never changes the state */
    if (rc != ST_OK) {
        cli_report(&err);
        st_rings_free(r);
        return 2;
    }
    size_t high = check ? st_rings_check_high(r) : st_rings_high(r);
    if (timing) t0 = st_now();
    if (check) rc = st_rings_write_check(r, stdout);
    else if (!strcmp(format, "json")) rc = st_rings_write_json(r, stdout);
    else rc = st_rings_write_table(r, stdout);
    if (timing) fprintf(stderr, "rings: output %.2fs\n", st_now() - t0);
    st_rings_free(r);
    if (fflush(stdout) != 0 || rc != ST_OK) { fputs("sanctrace: writing the output failed\n", stderr); return 2; }
    cli_skipped_report(&skipped, "rings");
    return (high ? CLI_EXIT_FOUND : 0) | (skipped.n ? CLI_EXIT_SKIPPED : 0);
}
