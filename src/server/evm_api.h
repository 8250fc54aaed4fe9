/*
 * evm_api.h - the Ethereum store the server answers GET /evm/... from
 * (`serve --evm-db DIR`): the same answers as `evm stats`, `evm tx` and
 * `evm address` (evm.h builds them for both).
 */
#ifndef ST_SERVER_EVM_API_H
#define ST_SERVER_EVM_API_H

#include <stdint.h>

#include <jansson.h>

#include "sanctrace/sanctrace.h"

typedef struct srv_evm srv_evm;

/* The store at dir, opened at the first query (an ingest may create it
 * after the server starts).  *out is the caller's: srv_evm_stop. */
int srv_evm_start(const char *dir, srv_evm **out, st_error *err);
/* What a query asks beyond its path. */
typedef struct srv_evm_args {
    int64_t at_block;        /* address: up to this block; < 0 all */
    int64_t from_block;      /* flows: from this block on; < 0 from the first */
    uint64_t offset, limit;  /* flows: the page */
    int eip55;               /* addresses in checksum case */
} srv_evm_args;

/* Answer what, "stats", "tx/ID", "address/ADDR" or "flows/ADDR": ST_OK
 * with *out (new reference) and *version, the commit that answered
 * ("evm:BLOCK:TRANSACTIONS:FLOWS", or "evm:empty", for the audit trail);
 * ST_EINVAL for a malformed id or address, ST_ENOTFOUND for one the store
 * does not hold or an unknown query, ST_EIO when the store cannot be
 * opened (err says each).  A store an ingest has committed to since the
 * last query is opened again, so answers follow it without a restart. */
int srv_evm_query(srv_evm *s, const char *what, const srv_evm_args *a, json_t **out, char version[48], st_error *err);
void srv_evm_stop(srv_evm *s);

#endif
