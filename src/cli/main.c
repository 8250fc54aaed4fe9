/*
 * main.c - `sanctrace <command> ...`: finds the command in one table.
 *
 * The table below is the whole command surface; each entry points into
 * a cmd_<subsystem>.c file that parses its own options.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* Commands, one declaration per subsystem file. */
static int cmd_version(int argc, char **argv);
int cmd_update(int argc, char **argv);    /* cmd_lists.c */
int cmd_screen(int argc, char **argv);    /* cmd_screen.c */
int cmd_compare(int argc, char **argv);   /* cmd_names.c */
int cmd_eval(int argc, char **argv);      /* cmd_eval.c */
int cmd_eval_deck(int argc, char **argv); /* cmd_names.c */
int cmd_bench_names(int argc, char **argv); /* cmd_names.c */
int cmd_chain(int argc, char **argv);     /* cmd_chain.c */
int cmd_evm(int argc, char **argv);       /* cmd_evm.c */
int cmd_trace(int argc, char **argv);     /* cmd_trace.c */
int cmd_exposure(int argc, char **argv);  /* cmd_trace.c */
int cmd_rings(int argc, char **argv);     /* cmd_rings.c */
int cmd_serve(int argc, char **argv);     /* cmd_server.c */
int cmd_audit(int argc, char **argv);     /* cmd_server.c */
int cmd_monitor(int argc, char **argv);   /* cmd_server.c */

static const st_command commands[] = {
    {"update", cmd_update, "read the official sanctions lists into a new snapshot"},
    {"screen", cmd_screen, "screen names, ids and wallets against the sanctions lists"},
    {"serve", cmd_serve, "screening as an HTTP service (API, web page, decisions)"},
    {"audit", cmd_audit, "export the screening audit trail as CSV"},
    {"monitor", cmd_monitor, "store customers and list alerts raised by list updates"},
    {"compare", cmd_compare, "score two names (or a labelled pair file) with the explanation"},
    {"chain", cmd_chain, "Bitcoin chain store: ingest, stats, tx, block, address, cluster, why, synth"},
    {"evm", cmd_evm, "Ethereum store: ingest ethereum-etl exports; stats, tx, address with exact flows"},
    {"trace", cmd_trace, "follow tainted coins forward (poison, haircut, FIFO, LIFO, TIHO)"},
    {"exposure", cmd_exposure, "how much an address or cluster received from tagged sources"},
    {"rings", cmd_rings, "group applicant identities into rings (synth: test data)"},
    {"eval", cmd_eval, "accuracy figures: the DPRK deck through the whole screening pipeline"},
    {"eval-deck", cmd_eval_deck, "the DPRK deck against the name comparator alone (brute force)"},
    {"bench-names", cmd_bench_names, "speed of the name matcher and its index beside a Jaro-Winkler scan"},
    {"version", cmd_version, "print the version"},
};

void cli_print_kv(const json_t *o, int width) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)o, k, v) {
        if (json_is_array(v)) {
            printf("%s:\n", k);
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
                printf("  %s\n", s ? s : "");
                free(s);
            }
        } else {
            char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
            printf("%-*s %s\n", width, k, json_is_string(v) ? json_string_value(v) : s ? s : "");
            free(s);
        }
    }
}

void cli_report(const st_error *err) {
    char msg[1024];
    fprintf(stderr, "sanctrace: %s\n", st_error_format(err, msg, sizeof msg));
}

void cli_skipped_add(cli_skipped *s, const char *file, long line, const char *why) {
    if (!file) file = "";
    if (s->n == 0) snprintf(s->file, sizeof s->file, "%s", file);
    else if (strcmp(s->file, file) != 0) s->many_files = 1;
    if (s->n < sizeof s->first / sizeof s->first[0]) {
        snprintf(s->first_file[s->n], sizeof s->first_file[0], "%s", file);
        if (line > 0) snprintf(s->first[s->n], sizeof s->first[0], "line %ld: %s", line, why);
        else snprintf(s->first[s->n], sizeof s->first[0], "%s", why);
    }
    s->n++;
}

void cli_skipped_report(const cli_skipped *s, const char *cmd) {
    if (!s->n) return;
    if (s->many_files) fprintf(stderr, "sanctrace %s: ", cmd);
    else fprintf(stderr, "sanctrace %s: %s: ", cmd, s->file);
    fprintf(stderr, "%zu record%s not processed (", s->n, s->n == 1 ? "" : "s");
    size_t k = s->n < 3 ? s->n : 3;
    for (size_t i = 0; i < k; i++)
        fprintf(stderr, "%s%s%s%s", i ? "; " : "", s->many_files ? s->first_file[i] : "",
                s->many_files ? " " : "", s->first[i]);
    fprintf(stderr, "%s)\n", s->n > k ? "; ..." : "");
}

const char *cli_data_dir(const char *opt, char *out, size_t n) {
    const char *home = getenv("SANCTRACE_HOME");
    if (opt && *opt) snprintf(out, n, "%s", opt);
    else if (home && *home) snprintf(out, n, "%s", home);
    else snprintf(out, n, "%s/.local/share/sanctrace", getenv("HOME") ? getenv("HOME") : ".");
    return out;
}

static int cmd_version(int argc, char **argv) {
    (void)argc; (void)argv;
    printf("sanctrace %s\n", ST_VERSION);
    return 0;
}

static void usage(FILE *f) {
    fprintf(f, "usage: sanctrace <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'sanctrace <command> --help' describes a command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) return cmd_version(0, NULL);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "sanctrace: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
