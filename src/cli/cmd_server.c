/*
 * cmd_server.c - `sanctrace serve`, `sanctrace audit`, `sanctrace monitor`:
 * the command-line side of the screening service.
 *
 * All three open the same store as the server (the SQLite file in the
 * data dir, or --db postgres://...), so keys, exports, customers and
 * alerts work with a server running or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sanctrace/screen.h"
#include "sanctrace/server.h"

int cmd_serve(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* The store named by --db, else <data dir>/sanctrace.db; read-only for
 * the commands that only read. */
static int open_store(const char *db, const char *data_dir, st_db **out, st_error *err) {
    return st_db_open_store(db, data_dir, 2, out, err);
}
static int open_store_reading(const char *db, const char *data_dir, st_db **out, st_error *err) {
    return st_db_open_store_reading(db, data_dir, out, err);
}

/* "6h", "30m", "90s", "1d" or plain seconds; -1 when malformed. */
static double parse_duration(const char *s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    if (!*end || strcmp(end, "s") == 0) return v;
    if (strcmp(end, "m") == 0) return v * 60;
    if (strcmp(end, "h") == 0) return v * 3600;
    if (strcmp(end, "d") == 0) return v * 86400;
    return -1;
}

static void serve_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace serve [--data-dir D] [--listen ADDR:PORT] [--threads N]\n"
            "                       [--db postgres://...] [--auth on|off] [--max-body BYTES]\n"
            "                       [--update-every 6h] [--update-from DIR] [--timeout SECONDS]\n"
            "                       [--host-name NAME] [--cors-origin ORIGIN] [--max-connections N] ...\n"
            "       sanctrace serve keys add NAME [--role read|analyst|admin] | keys list | keys revoke ID\n\n"
            "Screening as an HTTP service: yente's POST /match/{dataset}, GET /search/{dataset}?q=,\n"
            "GET /entities/{id}, /catalog, /healthz, /readyz, the reconciliation API at\n"
            "/reconcile, POST|GET /decisions, GET /alerts, POST /applicants/check (with\n"
            "--rings-state), GET /evm/stats, /evm/tx/{hash}, /evm/address/{address},\n"
            "/evm/flows/{address} (with --evm-db), and the analyst page at /.\n\n"
            "  --rings-state DIR    identity-ring state ('sanctrace rings add --state DIR') that\n"
            "                       POST /applicants/check answers from (analyst or admin keys)\n"
            "  --evm-db DIR         Ethereum store ('sanctrace evm ingest --db DIR') that GET /evm/...\n"
            "                       answers from, as 'evm stats|tx|address|flows' do; an ingest beside the\n"
            "                       server is seen at its next commit\n"
            "  --listen ADDR:PORT   default 127.0.0.1:8080 (port 0: any free port)\n"
            "  --threads N          HTTP worker threads (default 8)\n"
            "  --db TARGET          store: postgres://user@host:port/db, or a SQLite file\n"
            "                       (default DATA_DIR/sanctrace.db)\n"
            "  --auth on|off        require API keys (default: on unless listening on loopback;\n"
            "                       off is refused beyond loopback)\n"
            "  --max-body BYTES     request body limit (default 1048576)\n"
            "  --update-every DUR   run 'sanctrace update' every DUR (6h, 30m, 90s); SIGHUP too\n"
            "  --update-from DIR    update from official files in DIR instead of downloading (repeatable)\n"
            "  --timeout SECONDS    close idle or stalled connections after this (default 30)\n"
            "  --header-timeout S   total time a client has to send a request's headers (default 10)\n"
            "  --body-timeout S     total time a client has to send a request's body (default 60)\n"
            "  --max-connections N  connections open at once (default 1024)\n"
            "  --max-connections-per-ip N  from one address (default 64; 0: no cap, e.g. behind a proxy)\n"
            "  --host-name NAME     a name clients reach the server by (behind a proxy), repeatable;\n"
            "                       IP addresses and localhost are always accepted, other Host\n"
            "                       headers get 421 (DNS rebinding)\n"
            "  --cors-origin ORIGIN let pages at ORIGIN (https://app.example) call the API, repeatable;\n"
            "                       none by default: pages from elsewhere are refused (403)\n"
            "  --port-file FILE     write the bound port to FILE once listening\n"
            "SIGHUP updates now; SIGTERM finishes the requests in flight and exits 0.\n\n"
            "A key's role says what it may do: read (screen, entities), analyst (also record and\n"
            "read decisions, alerts; the default), admin (everything). A decision records the\n"
            "key's name as its analyst; without keys (loopback) the analyst is \"local\".\n");
}

static int serve_keys(int argc, const char *const *argv, const char *db, const char *data_dir,
                      const char *role_name) {
    st_error err;
    st_error_clear(&err);
    st_role role = ST_ROLE_ANALYST; /* what every key could do before roles */
    if (argc < 1 || (strcmp(argv[0], "add") == 0 && argc < 2) ||
        (strcmp(argv[0], "revoke") == 0 && argc < 2)) {
        fprintf(stderr, "usage: sanctrace serve keys add NAME [--role read|analyst|admin] | keys list"
                        " | keys revoke ID\n");
        return 2;
    }
    if (role_name && (strcmp(argv[0], "add") != 0 || st_role_parse(role_name, &role) != ST_OK)) {
        fprintf(stderr, "sanctrace: --role takes read, analyst or admin, with keys add\n");
        return 2;
    }
    st_db *s = NULL;
    int opened = strcmp(argv[0], "list") == 0 ? open_store_reading(db, data_dir, &s, &err)
                                              : open_store(db, data_dir, &s, &err);
    if (opened != ST_OK) {
        cli_report(&err);
        return 2;
    }
    int rc = 0;
    if (strcmp(argv[0], "add") == 0) {
        char key[96], id[24];
        if (st_db_key_add(s, argv[1], role, key, sizeof key, id, &err) != ST_OK) {
            cli_report(&err);
            rc = 2;
        } else {
            printf("%s\n", key);
            fprintf(stderr, "sanctrace: key %s (%s, role %s) created; it is shown only this once.\n"
                            "  Send it as 'Authorization: ApiKey %s'.\n", id, argv[1],
                    st_role_name(role), key);
        }
    } else if (strcmp(argv[0], "list") == 0) {
        json_t *keys = NULL;
        if (st_db_keys(s, &keys, &err) != ST_OK) {
            cli_report(&err);
            rc = 2;
        } else {
            size_t i;
            json_t *k;
            printf("%-18s %-24s %-8s %-26s %s\n", "id", "name", "role", "created", "state");
            json_array_foreach(keys, i, k) {
                printf("%-18s %-24s %-8s %-26s %s\n", json_string_value(json_object_get(k, "id")),
                       json_string_value(json_object_get(k, "name")),
                       json_string_value(json_object_get(k, "role")),
                       json_string_value(json_object_get(k, "created")),
                       json_integer_value(json_object_get(k, "revoked")) ? "revoked" : "active");
            }
            json_decref(keys);
        }
    } else if (strcmp(argv[0], "revoke") == 0) {
        int found = 0;
        if (st_db_key_revoke(s, argv[1], &found, &err) != ST_OK) {
            cli_report(&err);
            rc = 2;
        } else if (!found) {
            fprintf(stderr, "sanctrace: no key %s\n", argv[1]);
            rc = 1;
        }
    } else {
        fprintf(stderr, "sanctrace: unknown keys command '%s'\n", argv[0]);
        rc = 2;
    }
    st_db_close(s);
    return rc;
}

typedef struct serve_args {
    const char *data_dir, *listen, *db, *auth, *update_every, *port_file, *role, *rings_state, *evm_db;
    uint64_t threads, max_body, timeout, header_timeout, body_timeout, max_conns, max_conns_per_ip;
    cli_list update_from, host_names, cors_origins;
    cli_args pos;
} serve_args;

#define SOPT(n, k, f, m) CLI_OPT(n, k, serve_args, f, m)
static const cli_opt serve_opts[] = {
    SOPT("--data-dir", CLI_TEXT, data_dir, 0),        SOPT("--listen", CLI_TEXT, listen, 0),
    SOPT("--threads", CLI_NUM, threads, 256),         SOPT("--db", CLI_TEXT, db, 0),
    SOPT("--auth", CLI_TEXT, auth, 0),                SOPT("--max-body", CLI_NUM, max_body, 1u << 30),
    SOPT("--update-every", CLI_TEXT, update_every, 0), SOPT("--update-from", CLI_LIST, update_from, 0),
    SOPT("--timeout", CLI_NUM, timeout, 3600),        SOPT("--port-file", CLI_TEXT, port_file, 0),
    SOPT("--header-timeout", CLI_NUM, header_timeout, 3600),
    SOPT("--body-timeout", CLI_NUM, body_timeout, 3600),
    SOPT("--max-connections", CLI_NUM, max_conns, 100000),
    SOPT("--max-connections-per-ip", CLI_NUM, max_conns_per_ip, 100000),
    SOPT("--host-name", CLI_LIST, host_names, 0),     SOPT("--cors-origin", CLI_LIST, cors_origins, 0),
    SOPT("--role", CLI_TEXT, role, 0),                SOPT("--rings-state", CLI_TEXT, rings_state, 0),
    SOPT("--evm-db", CLI_TEXT, evm_db, 0),
    CLI_END,
};

/* The parsed options into cfg, each checked; 2 after saying why. */
static int serve_config(serve_args *a, st_server_config *cfg) {
    if (a->threads < 1) { fprintf(stderr, "sanctrace: --threads must be 1..256\n"); return 2; }
    if (a->max_body < 1024) { fprintf(stderr, "sanctrace: --max-body must be 1024..1073741824 bytes\n"); return 2; }
    if (a->timeout < 1) { fprintf(stderr, "sanctrace: --timeout must be 1..3600 seconds\n"); return 2; }
    if (a->header_timeout < 1 || a->body_timeout < 1) {
        fprintf(stderr, "sanctrace: --%s-timeout must be 1..3600 seconds\n", a->header_timeout < 1 ? "header" : "body");
        return 2;
    }
    if (a->max_conns < 16) { fprintf(stderr, "sanctrace: --max-connections must be 16..100000\n"); return 2; }
    cfg->threads = (int)a->threads;
    cfg->max_body = (size_t)a->max_body;
    cfg->conn_timeout = (unsigned)a->timeout;
    cfg->header_timeout = (unsigned)a->header_timeout;
    cfg->body_timeout = (unsigned)a->body_timeout;
    cfg->max_conns = (unsigned)a->max_conns;
    cfg->max_conns_per_ip = (unsigned)a->max_conns_per_ip;
    cfg->listen = a->listen;
    cfg->db = a->db;
    cfg->port_file = a->port_file;
    cfg->rings_state = a->rings_state;
    cfg->evm_store = a->evm_db;
    if (a->auth && strcmp(a->auth, "on") && strcmp(a->auth, "off")) {
        fprintf(stderr, "sanctrace: --auth takes on or off\n");
        return 2;
    }
    cfg->auth = !a->auth ? -1 : !strcmp(a->auth, "on");
    if (a->update_every && (cfg->update_every = parse_duration(a->update_every)) < 1) {
        fprintf(stderr, "sanctrace: --update-every takes a duration like 6h, 30m or 90s\n");
        return 2;
    }
    if (a->update_from.n > 8) { fprintf(stderr, "sanctrace: at most 8 --update-from folders\n"); return 2; }
    for (size_t i = 0; i < a->update_from.n; i++) cfg->update_from[cfg->n_update_from++] = a->update_from.v[i];
    for (size_t i = 0; i < a->host_names.n; i++) {
        const char *h = a->host_names.v[i];
        if (!*h || strpbrk(h, ":/*?#@[] ") || strlen(h) > 253 || i >= 8) {
            fprintf(stderr, "sanctrace: --host-name takes a DNS name without port (at most 8)\n");
            return 2;
        }
        cfg->host_names[cfg->n_host_names++] = h;
    }
    for (size_t i = 0; i < a->cors_origins.n; i++) {
        if (!st_server_origin_valid(a->cors_origins.v[i]) || i >= 8) {
            fprintf(stderr, "sanctrace: --cors-origin takes an origin like https://app.example or "
                            "http://localhost:3000, no path or wildcard (at most 8)\n");
            return 2;
        }
        cfg->cors_origins[cfg->n_cors_origins++] = a->cors_origins.v[i];
    }
    return 0;
}

int cmd_serve(int argc, char **argv) {
    if (cli_want_help(argc, argv)) { serve_usage(stdout); return 0; }
    static serve_args a; /* four lists: not on the stack */
    memset(&a, 0, sizeof a);
    a.listen = "127.0.0.1:8080";
    a.threads = 8;
    a.max_body = 1u << 20;
    a.timeout = 30;
    a.max_conns = 1024;
    a.max_conns_per_ip = UINT64_MAX; /* not given: 64, or half of --max-connections */
    a.header_timeout = 10;
    a.body_timeout = 60;
    if (cli_parse("serve", serve_opts, NULL, NULL, argc - 1, argv + 1, &a, &a.pos, 16)) return 2;
    int per_ip_given = a.max_conns_per_ip != UINT64_MAX;
    if (!per_ip_given) a.max_conns_per_ip = 64;
    st_server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (serve_config(&a, &cfg)) return 2;
    const char *data_dir = a.data_dir, *role = a.role;
    if (!per_ip_given && cfg.max_conns_per_ip > cfg.max_conns / 2) cfg.max_conns_per_ip = cfg.max_conns / 2;
    if (cfg.max_conns_per_ip > cfg.max_conns / 2) {
        fprintf(stderr, "sanctrace: --max-connections-per-ip must leave room for other clients: at most "
                        "half of --max-connections (%u)\n", cfg.max_conns);
        return 2;
    }
    char dir[4096];
    cfg.data_dir = cli_data_dir(data_dir, dir, sizeof dir);
    if (a.pos.n && strcmp(a.pos.v[0], "keys") == 0)
        return serve_keys((int)a.pos.n - 1, (const char *const *)a.pos.v + 1, cfg.db, cfg.data_dir, role);
    if (role) {
        fprintf(stderr, "sanctrace: --role is for 'serve keys add'\n");
        return 2;
    }
    if (a.pos.n) {
        fprintf(stderr, "sanctrace: serve: unexpected argument '%s'\n", a.pos.v[0]);
        serve_usage(stderr);
        return 2;
    }
    st_error err;
    st_error_clear(&err);
    if (st_server_run(&cfg, &err) != ST_OK) {
        cli_report(&err);
        return 2;
    }
    return 0;
}

/* ---- audit ---- */

static void audit_usage(FILE *f) {
    fprintf(f, "usage: sanctrace audit export [--from DATE] [--to DATE] [-o FILE] [--data-dir D] [--db URL]\n"
               "       sanctrace audit count [--data-dir D] [--db URL]\n\n"
               "export writes the audit records of a period as CSV (id,time,key_id,endpoint,subject,\n"
               "snapshot,input,results,key_name). DATE is YYYY-MM-DD (--to includes that whole day) or a\n"
               "full UTC time stamp YYYY-MM-DDTHH:MM:SS (exclusive).\n");
}

typedef struct audit_args {
    const char *data_dir, *db, *from, *to, *output;
    cli_args pos;
} audit_args;

static const cli_opt audit_opts[] = {
    CLI_OPT("--data-dir", CLI_TEXT, audit_args, data_dir, 0), CLI_OPT("--db", CLI_TEXT, audit_args, db, 0),
    CLI_OPT("--from", CLI_TEXT, audit_args, from, 0),         CLI_OPT("--to", CLI_TEXT, audit_args, to, 0),
    CLI_OPT("--output", CLI_TEXT, audit_args, output, 0),     CLI_OPT("-o", CLI_TEXT, audit_args, output, 0),
    CLI_END,
};

int cmd_audit(int argc, char **argv) {
    if (argc < 2 || cli_want_help(argc, argv)) {
        audit_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    audit_args aa = {NULL, NULL, "", "", NULL, {NULL, 0}};
    if (cli_parse("audit", audit_opts, NULL, NULL, argc - 2, argv + 2, &aa, NULL, 0)) return 2;
    const char *data_dir = aa.data_dir, *db = aa.db, *from = aa.from, *to = aa.to, *output = aa.output;
    char to_buf[64];
    if (*to && !strchr(to, 'T')) { /* a whole day: everything stamped on it */
        snprintf(to_buf, sizeof to_buf, "%.40s~", to);
        to = to_buf;
    }
    char dir[4096];
    st_error err;
    st_error_clear(&err);
    st_db *s = NULL;
    /* export and count only read: a read-only copy of the store will do */
    if (open_store_reading(db, cli_data_dir(data_dir, dir, sizeof dir), &s, &err) != ST_OK) {
        cli_report(&err);
        return 2;
    }
    int rc = 0;
    if (strcmp(sub, "export") == 0) {
        FILE *f = output ? fopen(output, "w") : stdout;
        long n = 0;
        if (!f) {
            fprintf(stderr, "sanctrace: cannot write %s\n", output);
            rc = 2;
        } else if (st_db_audit_export_csv(s, from, to, f, &n, &err) != ST_OK) {
            cli_report(&err);
            rc = 2;
        } else {
            fprintf(stderr, "sanctrace: %ld audit records exported\n", n);
        }
        if (f && f != stdout && fclose(f) != 0) rc = 2;
    } else if (strcmp(sub, "count") == 0) {
        long n = 0;
        if (st_db_audit_count(s, &n, &err) != ST_OK) {
            cli_report(&err);
            rc = 2;
        } else printf("%ld\n", n);
    } else {
        fprintf(stderr, "sanctrace: audit: unknown command '%s'\n", sub);
        audit_usage(stderr);
        rc = 2;
    }
    st_db_close(s);
    return rc;
}

/* ---- monitor ---- */

static void monitor_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace monitor add FILE [--data-dir D] [--db URL]\n"
            "       sanctrace monitor run [--data-dir D] [--db URL]\n"
            "       sanctrace monitor alerts [--after ID] [--format table|jsonl] [--data-dir D] [--db URL]\n\n"
            "add stores customers (CSV with a header: id and name, wallet or id_number; schema,\n"
            "birth_date, nationality, country optional - or JSON lines with those keys) and records\n"
            "their current hits as the baseline. After each update ('sanctrace serve' does it\n"
            "itself; otherwise 'monitor run'), customers are screened again and hits on added or\n"
            "changed entities that were not known before become alerts.\n\n"
            "add: a malformed record (unterminated quote, text after a closing quote, another\n"
            "field count than the header, over 4 MiB; a bad JSON line), or one without an id or\n"
            "anything to screen, is reported with its line and not stored; reading resumes at the\n"
            "next line. Two records with one id: the file is refused, naming both lines, and\n"
            "nothing is stored.\n"
            "Exit status of add: 0 stored, no current hit; 1 some customers have current hits\n"
            "(recorded as the baseline); 2 usage or fatal error (nothing stored for a duplicate\n"
            "id); 4 some records not processed, added to 1 when there are hits too (5).\n");
}

static void monitor_warn(void *ctx, const st_error *e) {
    cli_skipped *s = ctx;
    cli_skipped_add(s, e->file, e->line, e->msg);
    if (s->n <= 100) cli_report(e);
    else if (s->n == 101) fputs("sanctrace: further records not stored not listed\n", stderr);
}

typedef struct monitor_args {
    const char *data_dir, *db, *format;
    uint64_t after;
    cli_args pos;
} monitor_args;

static const cli_opt monitor_opts[] = {
    CLI_OPT("--data-dir", CLI_TEXT, monitor_args, data_dir, 0), CLI_OPT("--db", CLI_TEXT, monitor_args, db, 0),
    CLI_OPT("--after", CLI_NUM, monitor_args, after, INT64_MAX), CLI_OPT("--format", CLI_TEXT, monitor_args, format, 0),
    CLI_END,
};

int cmd_monitor(int argc, char **argv) {
    if (argc < 2 || cli_want_help(argc, argv)) {
        monitor_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    monitor_args ma = {NULL, NULL, "table", 0, {NULL, 0}};
    if (cli_parse("monitor", monitor_opts, NULL, NULL, argc - 2, argv + 2, &ma, &ma.pos, 1)) return 2;
    const char *data_dir = ma.data_dir, *db = ma.db, *format = ma.format;
    long long after = (long long)ma.after;
    const char *file = ma.pos.n ? ma.pos.v[0] : NULL;
    char dir[4096];
    const char *ddir = cli_data_dir(data_dir, dir, sizeof dir);
    st_error err;
    st_error_clear(&err);
    st_db *s = NULL;
    st_snapshot *snap = NULL;
    int rc = 0;
    if (strcmp(sub, "add") != 0 && strcmp(sub, "run") != 0 && strcmp(sub, "alerts") != 0) {
        fprintf(stderr, "sanctrace: monitor: unknown command '%s'\n", sub);
        monitor_usage(stderr);
        return 2;
    }
    if (strcmp(sub, "add") == 0 && !file) {
        monitor_usage(stderr);
        return 2;
    }
    if ((strcmp(sub, "alerts") == 0 ? open_store_reading(db, ddir, &s, &err)
                                     : open_store(db, ddir, &s, &err)) != ST_OK) {
        cli_report(&err);
        return 2;
    }
    if (strcmp(sub, "add") == 0 || strcmp(sub, "run") == 0) {
        st_error serr;
        st_error_clear(&serr);
        if (st_snapshot_open(ddir, &snap, &serr) != ST_OK) {
            if (strcmp(sub, "run") == 0) {
                cli_report(&serr);
                rc = 2;
                goto done;
            }
            fprintf(stderr, "sanctrace: no snapshot yet: customers stored without a baseline\n");
        }
    }
    st_monitor_stats ms;
    if (strcmp(sub, "add") == 0) {
        cli_skipped skipped = {0};
        if (st_monitor_add_file(s, file, snap, monitor_warn, &skipped, &ms, &err) != ST_OK) {
            cli_report(&err);
            rc = CLI_EXIT_FATAL;
        } else {
            printf("%ld customers stored, %ld current hits recorded as the baseline, %ld records rejected\n",
                   ms.customers, ms.hits, ms.rejected);
            cli_skipped_report(&skipped, "monitor add");
            rc = (ms.hits ? CLI_EXIT_FOUND : 0) | (skipped.n ? CLI_EXIT_SKIPPED : 0);
        }
    } else if (strcmp(sub, "run") == 0) {
        char host[128];
        snprintf(host, sizeof host, "cli:%d", (int)getpid());
        if (st_monitor_run(s, snap, ddir, host, &ms, &err) != ST_OK) {
            cli_report(&err);
            rc = 2;
        } else if (!ms.claimed) {
            printf("snapshot %s was already monitored\n", st_snapshot_version(snap));
        } else {
            printf("snapshot %s: %ld customers screened, %ld changed entities, %ld new alerts\n",
                   st_snapshot_version(snap), ms.customers, ms.changed, ms.alerts);
        }
    } else {
        json_t *alerts = NULL;
        if (st_db_alerts(s, after, 100000, &alerts, &err) != ST_OK) {
            cli_report(&err);
            rc = 2;
            goto done;
        }
        size_t i;
        json_t *a;
        if (strcmp(format, "table") == 0)
            printf("%-6s %-20s %-16s %-6s %-8s %s\n", "id", "customer", "entity", "score", "change", "name");
        json_array_foreach(alerts, i, a) {
            if (strcmp(format, "jsonl") == 0) {
                char *t = json_dumps(a, JSON_COMPACT);
                if (t) puts(t);
                free(t);
            } else {
                printf("%-6lld %-20s %-16s %-6.3f %-8s %s\n",
                       (long long)json_integer_value(json_object_get(a, "id")),
                       json_string_value(json_object_get(a, "customer_id")),
                       json_string_value(json_object_get(a, "entity_id")),
                       json_number_value(json_object_get(a, "score")),
                       json_string_value(json_object_get(a, "change")),
                       json_string_value(json_object_get(a, "name")));
            }
        }
        json_decref(alerts);
    }
done:
    if (snap) st_snapshot_release(snap);
    st_db_close(s);
    return rc;
}
