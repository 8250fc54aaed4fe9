/*
 * reconcile.h - the W3C reconciliation services beside matching, as
 * OpenRefine offers them to its users (and yente serves them under
 * /reconcile/{dataset}): the service manifest, entity / type / property
 * suggest, an HTML preview of an entity, data extension and its property
 * proposals.  The matching itself stays in api.c (it shares /match's
 * screening and audit).
 *
 * Design: each service reads one retained snapshot and answers JSON in the
 * shapes of the reconciliation JSON schemas (0.2: manifest,
 * suggest-*-response, data-extension-*); entity ids are FtM ids, either id
 * form is accepted.  Every count is bounded (suggest: 50 results, extend:
 * SRV_MAX_QUERIES ids and 50 properties).
 */
#ifndef ST_SERVER_RECONCILE_H
#define ST_SERVER_RECONCILE_H

#include "server/api.h"

#define SRV_SUGGEST_MAX 50    /* results of one suggest request */
#define SRV_EXTEND_MAX_PROPS 50

/* The manifest for /reconcile/{dataset} (base: "/reconcile" or
 * "/reconcile/un"), service URLs made from the request's Host; the query
 * string (an api_key) is carried into each service path, as yente does. */
void srv_reconcile_manifest(srv_req *r, const char *base, srv_resp *out);

/* GET {base}/suggest/{entity|type|property}?prefix=&limit= */
void srv_reconcile_suggest(srv_api *S, srv_req *r, const char *dataset, const char *kind, srv_resp *out);

/* GET {base}/preview?id= : an HTML card, shown in OpenRefine's frame. */
void srv_reconcile_preview(srv_api *S, srv_req *r, srv_resp *out);

/* GET {base}/extend/property?type=&limit= : the properties to extend with. */
void srv_reconcile_propose(srv_req *r, srv_resp *out);

/* The data-extension query text ({"ids", "properties": [{"id", "settings"}]})
 * answered as {"meta", "rows"}. */
void srv_reconcile_extend(srv_api *S, const char *text, srv_resp *out);

#endif
