/*
 * db_sqlite.c - the embedded storage engine: one SQLite file in WAL mode.
 *
 * Design: one sqlite3 handle per pooled connection (WAL lets readers run
 * beside the single writer; a 10 s busy timeout queues writers instead of
 * failing).  synchronous=NORMAL in WAL keeps every committed transaction
 * across a process crash (a power cut may lose the last few).  Parameters
 * are bound by name ("$1", "$2", ...), so SQL may use them in any order.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "server/db_int.h"

static int sqlite_fail(sqlite3 *db, const char *what, st_error *err) {
    return st_error_set(err, ST_EIO, "sqlite %s: %s", what, sqlite3_errmsg(db));
}

static int sqlite_connect(const char *target, void **conn, st_error *err) {
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(target, &db, flags, NULL) != SQLITE_OK) {
        int rc = st_error_set(err, ST_EIO, "cannot open database %s: %s", target,
                              db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, &msg) !=
        SQLITE_OK) {
        int rc = st_error_set(err, ST_EIO, "cannot set up database %s: %s", target,
                              msg ? msg : "unknown error");
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc;
    }
    *conn = db;
    return ST_OK;
}

static void sqlite_disconnect(void *conn) { sqlite3_close((sqlite3 *)conn); }

static int sqlite_exec(void *conn, const char *sql, int nparam, const char *const *params,
                       db_row_fn fn, void *ctx, long *changes, st_error *err) {
    sqlite3 *db = conn;
    const char *tail = sql;
    int rc = ST_OK;
    /* several statements (schema) run one after the other; parameters go
     * to whichever statement names them */
    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) return sqlite_fail(db, "prepare", err);
        if (!st) break; /* only blanks or comments left */
        for (int i = 0; i < nparam; i++) {
            char name[16];
            snprintf(name, sizeof name, "$%d", i + 1);
            int idx = sqlite3_bind_parameter_index(st, name);
            if (idx <= 0) continue;
            int brc = params[i] ? sqlite3_bind_text(st, idx, params[i], -1, SQLITE_STATIC)
                                : sqlite3_bind_null(st, idx);
            if (brc != SQLITE_OK) {
                rc = sqlite_fail(db, "bind", err);
                sqlite3_finalize(st);
                return rc;
            }
        }
        int ncol = sqlite3_column_count(st);
        const char *names[64], *vals[64];
        if (ncol > 64) ncol = 64;
        for (int i = 0; i < ncol; i++) names[i] = sqlite3_column_name(st, i);
        int step, stop = 0;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (!fn || stop) continue;
            for (int i = 0; i < ncol; i++) vals[i] = (const char *)sqlite3_column_text(st, i);
            stop = fn(ctx, ncol, names, vals);
        }
        if (step != SQLITE_DONE) {
            rc = sqlite_fail(db, "step", err);
            sqlite3_finalize(st);
            return rc;
        }
        if (changes) *changes = sqlite3_changes(db);
        sqlite3_finalize(st);
    }
    return rc;
}

const db_engine st_db_sqlite_engine = {
    .name = "sqlite",
    .serial_pk = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .exec = sqlite_exec,
    .migrate_lock_sql = NULL,
    .migrate_unlock_sql = NULL,
};
