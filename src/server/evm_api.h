/*
 * evm_api.h - the Ethereum store the server answers GET /evm/... from
 * (`serve --evm-db DIR`): the same answers as `evm stats`, `evm tx` and
 * `evm address` (evm.h builds them for both).
 */
#ifndef ST_SERVER_EVM_API_H
#define ST_SERVER_EVM_API_H

#include <jansson.h>

#include "sanctrace/sanctrace.h"

typedef struct srv_evm srv_evm;

/* The store at dir, opened at the first query (an ingest may create it
 * after the server starts).  *out is the caller's: srv_evm_stop. */
int srv_evm_start(const char *dir, srv_evm **out, st_error *err);
/* Answer what, "stats", "tx/ID" or "address/ADDR" (at_block < 0: all
 * blocks): ST_OK with *out (new reference) and *version, the store's
 * committed state that answered ("evm:BLOCK", for the audit trail);
 * ST_EINVAL for a malformed id or address, ST_ENOTFOUND for one the store
 * does not hold or an unknown query, ST_EIO when the store cannot be
 * opened (err says each).  A store an ingest has committed to since the
 * last query is opened again, so answers follow it without a restart. */
int srv_evm_query(srv_evm *s, const char *what, int64_t at_block, int eip55, json_t **out, char version[48],
                  st_error *err);
void srv_evm_stop(srv_evm *s);

#endif
