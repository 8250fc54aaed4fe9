/*
 * db_int.h - the function table a storage engine implements.
 *
 * Design: engines only move SQL text and text values: connect, run one
 * statement with $1..$n text parameters (each row handed to a callback,
 * the number of changed rows returned), disconnect.  Both SQLite and
 * PostgreSQL read "$1" placeholders and "ON CONFLICT DO NOTHING", so the
 * queries in db.c are written once.  Only the schema's auto-increment
 * column type and the migration lock differ, and live here.  A read-only
 * connection never creates or changes anything: it is what commands that
 * only read (audit export, keys list) use, so they work on a read-only
 * copy of a store.
 */
#ifndef ST_SERVER_DB_INT_H
#define ST_SERVER_DB_INT_H

#include "sanctrace/sanctrace.h"

/* One row: ncol column names and values (NULL for SQL NULL); the strings
 * are valid only during the call.  Return non-zero to stop. */
typedef int (*db_row_fn)(void *ctx, int ncol, const char *const *names,
                            const char *const *vals);

typedef struct db_engine {
    const char *name;
    const char *serial_pk;  /* "INTEGER PRIMARY KEY AUTOINCREMENT" / "BIGSERIAL PRIMARY KEY" */
    /* readonly: open without creating, refuse writes (a store on a
     * read-only file system, a copy handed to an auditor). */
    int (*connect)(const char *target, int readonly, void **conn, st_error *err);
    void (*disconnect)(void *conn);
    /* Run sql with nparam text parameters ($1..$n, NULL for SQL NULL).
     * fn (may be NULL) gets each result row; *changes (may be NULL) the
     * number of rows inserted, updated or deleted. */
    int (*exec)(void *conn, const char *sql, int nparam, const char *const *params,
                db_row_fn fn, void *ctx, long *changes, st_error *err);
    /* Serialise schema creation and migration across processes (may be
     * NULL); abort (may be NULL) runs before unlock when migration failed. */
    const char *migrate_lock_sql, *migrate_unlock_sql, *migrate_abort_sql;
} db_engine;

extern const db_engine st_db_sqlite_engine;
extern const db_engine st_db_pg_engine;

#endif
