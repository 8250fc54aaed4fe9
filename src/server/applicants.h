/*
 * applicants.h - the identity-ring state the server checks applications
 * against (POST /applicants/check).
 */
#ifndef ST_SERVER_APPLICANTS_H
#define ST_SERVER_APPLICANTS_H

#include <stddef.h>

#include <jansson.h>

#include "sanctrace/sanctrace.h"

typedef struct srv_applicants srv_applicants;

/* Start loading the rings state in dir (in a thread of its own: the
 * server answers meanwhile, and checks get 503 until it is ready). */
int srv_applicants_start(const char *dir, srv_applicants **out, st_error *err);
/* Check the records of body (CSV with a header or JSON lines): ST_OK with
 * *out (new reference); ST_ENOTFOUND while the state is not loaded yet
 * (err says why); ST_EPARSE for a body with no record in it.  A state
 * changed on disk (`rings add`) is reloaded in the background; checks go
 * on against the previous one until the new one is ready. */
int srv_applicants_check(srv_applicants *a, const char *body, size_t len, json_t **out, st_error *err);
void srv_applicants_stop(srv_applicants *a);

#endif
