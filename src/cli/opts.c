/*
 * opts.c - the one way sanctrace's commands read their options: a table
 * per command (name, kind, where the value goes, the largest number
 * accepted), as curl's tool_getparam.c does, so every command refuses an
 * unknown option, a missing value or a malformed number the same way, and
 * says so by name.
 *
 * Numbers are checked whole: no sign, no junk after the digits, no
 * overflow, no more than the option's maximum.  Reals (thresholds) are a
 * finite decimal in [0, max].
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const cli_opt *find_opt(const cli_opt *t, const char *name) {
    for (; t->name; t++)
        if (!strcmp(t->name, name)) return t;
    return NULL;
}

int cli_number(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *out) {
    char *end;
    if (!*s || *s < '0' || *s > '9') goto bad;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE) goto bad;
    if (v > max) {
        fprintf(stderr, "sanctrace %s: %s is at most %llu, got '%s'\n", cmd, opt, (unsigned long long)max, s);
        return 2;
    }
    *out = v;
    return 0;
bad:
    fprintf(stderr, "sanctrace %s: %s needs a non-negative number, got '%s'\n", cmd, opt, s);
    return 2;
}

static int real_number(const char *cmd, const char *opt, const char *s, double max, double *out) {
    char *end;
    errno = 0;
    double v = *s ? strtod(s, &end) : NAN;
    if (!*s || *end || errno == ERANGE || !isfinite(v) || v < 0 || v > max) {
        fprintf(stderr, "sanctrace %s: %s needs a number in [0, %g], got '%s'\n", cmd, opt, max, s);
        return 2;
    }
    *out = v;
    return 0;
}

int cli_want_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

/* Store value v of option o (a copy of its name in opt for messages). */
static int take_value(const char *cmd, const char *opt, const cli_opt *o, const char *v, void *dest) {
    char *field = (char *)dest + o->off;
    if (o->kind == CLI_TEXT) {
        *(const char **)(void *)field = v;
    } else if (o->kind == CLI_NUM) {
        if (cli_number(cmd, opt, v, o->max, (uint64_t *)(void *)field)) return 2;
    } else if (o->kind == CLI_REAL) {
        if (real_number(cmd, opt, v, (double)o->max, (double *)(void *)field)) return 2;
    } else {
        cli_list *l = (cli_list *)(void *)field;
        if (l->n == CLI_MAX_LIST) {
            fprintf(stderr, "sanctrace %s: too many %s (at most %d)\n", cmd, opt, CLI_MAX_LIST);
            return 2;
        }
        l->v[l->n++] = v;
    }
    return 0;
}

static int unknown(const char *cmd, const char *s, const cli_opt *const *others, const char *const *other_names) {
    for (size_t k = 0; others && others[k]; k++)
        if (find_opt(others[k], s)) {
            fprintf(stderr, "sanctrace %s: %s is an option of 'sanctrace %s', not of %s (see 'sanctrace %s --help')\n",
                    cmd, s, other_names[k], cmd, cmd);
            return 2;
        }
    fprintf(stderr, "sanctrace %s: unknown option %s (see 'sanctrace %s --help')\n", cmd, s, cmd);
    return 2;
}

int cli_parse(const char *cmd, const cli_opt *table, const cli_opt *const *others, const char *const *other_names,
              int argc, char **argv, void *dest, cli_args *pos, size_t maxpos) {
    size_t npos = 0;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        char *s = argv[i];
        int is_opt = !only_pos && s[0] == '-' && s[1] && (s[1] != '-' || s[2]);
        if (!only_pos && !strcmp(s, "--")) {
            only_pos = 1;
            continue;
        }
        if (!is_opt) {
            if (!pos || npos >= maxpos) {
                fprintf(stderr, "sanctrace %s: unexpected argument '%s' (see 'sanctrace %s --help')\n", cmd, s, cmd);
                return 2;
            }
            argv[npos++] = s; /* in place: npos <= i */
            continue;
        }
        char name[128];
        const char *eq = s[1] == '-' ? strchr(s, '=') : NULL, *v = NULL;
        size_t nl = eq ? (size_t)(eq - s) : strlen(s);
        snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), s);
        const cli_opt *o = find_opt(table, name);
        if (!o) return unknown(cmd, name, others, other_names);
        if (o->kind == CLI_FLAG) {
            if (eq) {
                fprintf(stderr, "sanctrace %s: %s takes no value\n", cmd, name);
                return 2;
            }
            *(int *)(void *)((char *)dest + o->off) = 1;
            continue;
        }
        if (eq) v = eq + 1;
        else if (i + 1 < argc) v = argv[++i];
        else {
            fprintf(stderr, "sanctrace %s: %s needs a value\n", cmd, name);
            return 2;
        }
        if (take_value(cmd, name, o, v, dest)) return 2;
    }
    if (pos) {
        pos->v = argv;
        pos->n = npos;
    }
    return 0;
}

static char bus_msg[440];
static size_t bus_len;
static atomic_flag bus_said = ATOMIC_FLAG_INIT;

/* async-signal-safe: write() and _exit(), or the default action back */
static void on_bus(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    if (si->si_code != BUS_ADRERR) { /* not a mapped page: a kill, a misaligned access, a memory error */
        signal(sig, SIG_DFL);
        if (si->si_code <= 0) raise(sig); /* sent: sent again; a fault repeats on return */
        return;
    }
    if (atomic_flag_test_and_set(&bus_said)) /* another thread says it and exits */
        for (;;) pause();
    ssize_t w = write(2, bus_msg, bus_len);
    (void)w;
    _exit(CLI_EXIT_FATAL);
}

void cli_store_writer(const char *cmd) {
    signal(SIGXFSZ, SIG_IGN);
    int n = snprintf(bus_msg, sizeof bus_msg,
                     "%ssanctrace %s: a mapped file could not be read or written (a file cut short while it "
                     "was read, a read error, or no room left on a file system that does not reserve it, such "
                     "as ZFS or btrfs); the last commit is intact\n",
                     isatty(2) ? "\n" : "", cmd); /* (after a progress line, on a line of its own) */
    bus_len = n < 0 ? 0 : (size_t)n < sizeof bus_msg ? (size_t)n : sizeof bus_msg - 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}
