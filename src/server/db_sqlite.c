/*
 * db_sqlite.c - the embedded storage engine: one SQLite file in WAL mode.
 *
 * Design: one sqlite3 handle per pooled connection (WAL lets readers run
 * beside the single writer; a 10 s busy timeout queues writers instead of
 * failing).  synchronous=NORMAL in WAL keeps every committed transaction
 * across a process crash (a power cut may lose the last few).  Parameters
 * are bound by name ("$1", "$2", ...), so SQL may use them in any order.
 * The database file is created 0600 (SQLite gives its -wal and -shm the
 * same mode); a read-only connection opens with mode=ro, or immutable=1
 * when the store sits where no -shm can be made and no -wal is pending.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "server/db_int.h"

static int sqlite_fail(sqlite3 *db, const char *what, st_error *err) {
    return st_error_set(err, ST_EIO, "sqlite %s: %s", what, sqlite3_errmsg(db));
}

/* Tighten path when it exists (a -wal or -shm left by an older sanctrace,
 * or made under a loose umask: SQLite gives them the database's mode). */
static int sqlite_private_if_exists(const char *db, const char *suffix, st_error *err) {
    char p[4200];
    if (snprintf(p, sizeof p, "%s%s", db, suffix) >= (int)sizeof p) return ST_OK;
    return st_path_exists(p) ? st_file_private(p, err) : ST_OK;
}

/* path as a "file:" URI with query, '%', '?' and '#' escaped. */
static int sqlite_uri(const char *path, const char *query, char *out, size_t n) {
    size_t o = (size_t)snprintf(out, n, "file:");
    for (const char *c = path; *c; c++) {
        if (o + 4 >= n) return ST_ELIMIT;
        if (*c == '%' || *c == '?' || *c == '#') o += (size_t)snprintf(out + o, n - o, "%%%02X", (unsigned char)*c);
        else out[o++] = *c;
    }
    out[o] = 0;
    return (size_t)snprintf(out + o, n - o, "?%s", query) >= n - o ? ST_ELIMIT : ST_OK;
}

/* Open target read-only and read its schema, so a failure shows here. */
static int sqlite_try_ro(const char *target, const char *query, sqlite3 **out) {
    char uri[8400];
    *out = NULL;
    if (sqlite_uri(target, query, uri, sizeof uri) != ST_OK) return SQLITE_TOOBIG;
    sqlite3 *db = NULL;
    int r = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    if (r == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        r = sqlite3_exec(db, "SELECT COUNT(*) FROM sqlite_master", NULL, NULL, NULL);
    }
    if (r != SQLITE_OK) {
        sqlite3_close(db);
        return r;
    }
    *out = db;
    return SQLITE_OK;
}

/* Read-only: mode=ro reads a WAL store when its -shm exists or can be
 * made.  In a directory nobody may write, neither holds; if no -wal has
 * commits waiting to be merged, the database file alone is the whole
 * store and is read as immutable.  Otherwise reading it would silently
 * miss those commits: refuse, saying why. */
static int sqlite_connect_ro(const char *target, void **conn, st_error *err) {
    if (!st_path_exists(target))
        return st_error_at(err, ST_ENOTFOUND, target, 0, -1, "cannot open database %s: no such file", target);
    sqlite3 *db = NULL;
    int r = sqlite_try_ro(target, "mode=ro", &db);
    if (r != SQLITE_OK) {
        char wal[4200];
        struct stat sb;
        snprintf(wal, sizeof wal, "%s-wal", target);
        if (stat(wal, &sb) == 0 && sb.st_size > 0)
            return st_error_at(err, ST_EIO, target, 0, -1,
                               "cannot read database %s: %s; its -wal file holds commits not yet"
                               " merged and no -shm file can be made beside it (open it once where"
                               " it is writable, or copy it with its -wal and -shm files)",
                               target, sqlite3_errstr(r));
        r = sqlite_try_ro(target, "immutable=1", &db);
        if (r != SQLITE_OK)
            return st_error_at(err, ST_EIO, target, 0, -1, "cannot read database %s: %s", target,
                               sqlite3_errstr(r));
    }
    *conn = db;
    return ST_OK;
}

static int sqlite_connect(const char *target, int readonly, void **conn, st_error *err) {
    if (readonly) return sqlite_connect_ro(target, conn, err);
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    /* the store holds key hashes and every screened name: the file is made
     * 0600 before SQLite opens it, and SQLite gives -wal and -shm its mode */
    if (strcmp(target, ":memory:") != 0 && strncmp(target, "file:", 5) != 0) {
        st_error e2;
        st_error_clear(&e2);
        if (st_file_private(target, &e2) != ST_OK || sqlite_private_if_exists(target, "-wal", &e2) != ST_OK ||
            sqlite_private_if_exists(target, "-shm", &e2) != ST_OK)
            return st_error_set(err, ST_EIO, "cannot open database %s: %s", target, e2.msg);
    }
    if (sqlite3_open_v2(target, &db, flags, NULL) != SQLITE_OK) {
        int rc = st_error_set(err, ST_EIO, "cannot open database %s: %s", target,
                              db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    /* Switching a new store to WAL needs it to itself, and SQLite does not
     * call the busy handler for that (two processes creating the store at
     * once would deadlock): wait here instead, as long as the timeout. */
    int r;
    for (int waited = 0;; waited += 20) {
        r = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, &msg);
        if ((r != SQLITE_BUSY && r != SQLITE_LOCKED) || waited >= 10000) break;
        sqlite3_free(msg);
        msg = NULL;
        sqlite3_sleep(20);
    }
    if (r != SQLITE_OK) {
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
    /* one write transaction: two processes opening a new store migrate it once */
    .migrate_lock_sql = "BEGIN IMMEDIATE",
    .migrate_unlock_sql = "COMMIT",
    .migrate_abort_sql = "ROLLBACK",
};
