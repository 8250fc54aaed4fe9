/*
 * db_pg.c - the shared storage engine: PostgreSQL through libpq.
 *
 * Design: one PGconn per pooled connection, statements sent with
 * PQexecParams and text parameters (the server infers their types from
 * the columns).  Several sanctrace servers may point at one database:
 * schema creation is serialised by an advisory lock, and everything that
 * must happen once (a monitoring run per snapshot, an alert per new hit)
 * is decided by a unique key in the database, never in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "server/db_int.h"

static int pg_connect(const char *target, int readonly, void **conn, st_error *err) {
    PGconn *c = PQconnectdb(target);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        /* the message may repeat the password-less target; it never holds more */
        int rc = st_error_set(err, ST_EIO, "cannot connect to PostgreSQL: %s",
                              c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return rc;
    }
    PGresult *r = PQexec(c, readonly ? "SET client_min_messages = warning;"
                                       " SET default_transaction_read_only = on"
                                     : "SET client_min_messages = warning");
    PQclear(r);
    *conn = c;
    return ST_OK;
}

static void pg_disconnect(void *conn) { PQfinish((PGconn *)conn); }

static int pg_exec(void *conn, const char *sql, int nparam, const char *const *params,
                   db_row_fn fn, void *ctx, long *changes, st_error *err) {
    PGconn *c = conn;
    PGresult *r = nparam > 0 ? PQexecParams(c, sql, nparam, NULL, params, NULL, NULL, 0)
                             : PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        int rc = st_error_set(err, ST_EIO, "PostgreSQL: %s", PQerrorMessage(c));
        PQclear(r);
        /* a broken connection is re-established for the next statement */
        if (PQstatus(c) == CONNECTION_BAD) PQreset(c);
        return rc;
    }
    if (fn && st == PGRES_TUPLES_OK) {
        int ncol = PQnfields(r), nrow = PQntuples(r);
        const char *names[64], *vals[64];
        if (ncol > 64) ncol = 64;
        for (int i = 0; i < ncol; i++) names[i] = PQfname(r, i);
        for (int row = 0; row < nrow; row++) {
            for (int i = 0; i < ncol; i++) vals[i] = PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
            if (fn(ctx, ncol, names, vals)) break;
        }
    }
    if (changes) {
        const char *t = PQcmdTuples(r);
        *changes = t && *t ? atol(t) : 0;
    }
    PQclear(r);
    return ST_OK;
}

const db_engine st_db_pg_engine = {
    .name = "postgresql",
    .serial_pk = "BIGSERIAL PRIMARY KEY",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .migrate_lock_sql = "SELECT pg_advisory_lock(727274)",
    .migrate_unlock_sql = "SELECT pg_advisory_unlock(727274)",
    .migrate_abort_sql = NULL,
};
