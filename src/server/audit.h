/*
 * audit.h - the audit trail's writer: group commit, no record lost.
 *
 * Design: request threads hand their record to one writer thread and
 * wait until it is committed, so a screening answer never leaves the
 * server before its audit record is durable in the store.  The writer
 * commits whatever has queued up in one transaction, which turns many
 * concurrent requests into one commit (SQLite allows one writer at a
 * time; PostgreSQL pays one fsync per commit).  The queue is bounded: when
 * full, requests wait.
 */
#ifndef ST_SERVER_AUDIT_H
#define ST_SERVER_AUDIT_H

#include "server/db.h"

typedef struct srv_audit srv_audit;

int srv_audit_start(st_db *store, srv_audit **out, st_error *err);
/* Record r (copied) and wait for its commit: ST_OK, or ST_EIO when the
 * store refused it (err set; the caller answers 503). */
int srv_audit_write(srv_audit *a, const st_audit_rec *r, st_error *err);
/* Commit what is queued and stop the writer; a is freed. */
void srv_audit_stop(srv_audit *a);

#endif
