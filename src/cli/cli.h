/*
 * cli.h - the command table and what every command shares.
 *
 * Each subsystem's commands live in src/cli/cmd_<subsystem>.c and are
 * listed once in main.c; a command gets argv without the program name
 * (argv[0] is the command) and returns the process exit code:
 * 0 ok, 1 findings or partial failure, 2 usage or fatal error.
 */
#ifndef ST_CLI_H
#define ST_CLI_H

#include "sanctrace/sanctrace.h"

typedef int (*st_cmd_fn)(int argc, char **argv);

typedef struct st_command {
    const char *name;
    st_cmd_fn run;
    const char *summary;
} st_command;

/* Print "sanctrace: <formatted error>" to stderr. */
void cli_report(const st_error *err);
/* The data directory: --data-dir value, else $SANCTRACE_HOME, else
 * ~/.local/share/sanctrace.  Writes into out (n bytes). */
const char *cli_data_dir(const char *opt, char *out, size_t n);

#endif
