/*
 * cli.h - the command table and what every command shares.
 *
 * Each subsystem's commands live in src/cli/cmd_<subsystem>.c and are
 * listed once in main.c; a command gets argv without the program name
 * (argv[0] is the command) and returns the process exit code.
 *
 * Commands that read records (screen, rings, monitor add) share one exit
 * status, so a script can tell "found something" from "could not read
 * everything": 0 done, nothing found; 1 findings; 2 usage or fatal error;
 * 4 some records not processed, added to 1 when there are findings too
 * (5).  Other commands: 0 ok, 1 findings or partial failure, 2 error.
 */
#ifndef ST_CLI_H
#define ST_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "sanctrace/sanctrace.h"

typedef int (*st_cmd_fn)(int argc, char **argv);

typedef struct st_command {
    const char *name;
    st_cmd_fn run;
    const char *summary;
} st_command;

enum {
    CLI_EXIT_FOUND = 1,   /* matches, high-risk rings, current hits */
    CLI_EXIT_FATAL = 2,   /* usage or fatal error: the output is not to be used */
    CLI_EXIT_SKIPPED = 4, /* some records were not processed (malformed, or nothing to screen) */
};

/* Records a command could not process: counted, the first few kept for
 * the one summary line every reading command prints on stderr. */
typedef struct cli_skipped {
    size_t n;
    int many_files;       /* not all in `file` */
    char file[256];
    char first[3][300];   /* "line 10: unterminated quoted field" */
    char first_file[3][256];
} cli_skipped;
void cli_skipped_add(cli_skipped *s, const char *file, long line, const char *why);
/* When s->n > 0: "sanctrace CMD: FILE: N records not processed (line L: why; ...)"
 * on stderr, whatever stdout is. */
void cli_skipped_report(const cli_skipped *s, const char *cmd);

/* ---- options (opts.c): one table per command ---- */

#define CLI_MAX_LIST 256
typedef struct cli_list {
    const char *v[CLI_MAX_LIST];
    size_t n;
} cli_list;

/* Positional arguments: cli_parse gathers them in place at the front of
 * argv (as getopt permutes it), so there is no cap but argc. */
typedef struct cli_args {
    char **v;
    size_t n;
} cli_args;

typedef enum cli_kind {
    CLI_FLAG, /* int set to 1 */
    CLI_TEXT, /* const char * */
    CLI_LIST, /* cli_list, repeatable */
    CLI_NUM,  /* uint64_t, checked, at most max */
    CLI_REAL, /* double, checked, in [0, max] */
} cli_kind;

typedef struct cli_opt {
    const char *name; /* "--limit" */
    cli_kind kind;
    size_t off;       /* offsetof the destination in the command's struct */
    uint64_t max;
} cli_opt;

#define CLI_OPT(n, k, type, f, m) {n, k, offsetof(type, f), m}
#define CLI_END {NULL, CLI_FLAG, 0, 0}

/* Parse argv (without the command name) into dest by table; positional
 * arguments into pos (at most maxpos; pos may be NULL for none), which
 * then points into argv.  "--name=value" is read as "--name value", and
 * everything after "--" is positional.  An
 * option found in others[k] (NULL-terminated) is refused as belonging to
 * 'sanctrace other_names[k]'.  Returns 0, or 2 after printing why. */
int cli_parse(const char *cmd, const cli_opt *table, const cli_opt *const *others, const char *const *other_names,
              int argc, char **argv, void *dest, cli_args *pos, size_t maxpos);
/* A checked non-negative decimal no larger than max: 0, or 2 after printing. */
int cli_number(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *out);
/* --help or -h anywhere after the command name. */
int cli_want_help(int argc, char **argv);

/* An object as "key  value" lines (arrays one compact element a line),
 * keys padded to width: the table form of a JSON answer. */
struct json_t;
void cli_print_kv(const struct json_t *o, int width);

/* Print "sanctrace: <formatted error>" to stderr. */
void cli_report(const st_error *err);
/* For a command that writes a store through shared mappings (chain and
 * evm ingest): SIGXFSZ ignored (a file size limit fails the write,
 * reported), and a SIGBUS the kernel raises for a page of a mapped file
 * it cannot read or back (a file cut short while it is read, a read
 * error, a full disk on a file system whose fallocate does not reserve:
 * ZFS, btrfs) ends the command with a sentence on stderr and exit 2
 * instead of "Bus error"; any other SIGBUS keeps its default action.  The
 * last commit is intact either way (every store is written past its
 * manifest's counts until the manifest is renamed); what the run wrote
 * past it stays until the next ingest, as after a crash. */
void cli_store_writer(const char *cmd);

/* The data directory: --data-dir value, else $SANCTRACE_HOME, else
 * ~/.local/share/sanctrace.  Writes into out (n bytes). */
const char *cli_data_dir(const char *opt, char *out, size_t n);

#endif
