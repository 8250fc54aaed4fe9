/*
 * rpc_http.c - the default transport of st_evm_ingest_rpc: one JSON-RPC
 * POST over libcurl, the answer kept in memory.
 *
 * Design: one easy handle per ingest, so the connection to the node is
 * kept alive between batches.  Bounds: an answer is at most
 * EV_RPC_MAX_ANSWER bytes (a batch of blocks with their traces), 20 s to
 * connect, and a node sending under 1 KB/s for a minute has gone away.
 * An HTTP status of 400 or more is a failure with the status and the
 * start of the body (nodes explain a refused batch there).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "evm/evm_rpc.h"

#define EV_RPC_MAX_ANSWER ((size_t)2 << 30)

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static void http_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t http_write(char *p, size_t sz, size_t n, void *ctx) {
    st_buf *b = ctx;
    return st_buf_append(b, p, sz * n) == ST_OK ? sz * n : 0;
}

int ev_rpc_http_open(ev_rpc_http **out, st_error *err) {
    pthread_once(&http_once, http_init);
    CURL *c = curl_easy_init();
    if (!c) return st_error_set(err, ST_ENOMEM, "cannot start libcurl");
    *out = (ev_rpc_http *)c;
    return ST_OK;
}

void ev_rpc_http_close(ev_rpc_http *h) {
    if (h) curl_easy_cleanup((CURL *)h);
}

int ev_rpc_http_post(void *ctx, const char *url, const char *body, size_t len, char **resp, size_t *resp_len,
                     st_error *err) {
    CURL *c = ctx;
    st_buf b;
    st_buf_init(&b, EV_RPC_MAX_ANSWER);
    char ebuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (!hdr) return st_error_set(err, ST_ENOMEM, "out of memory");
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sanctrace/" ST_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode cr = curl_easy_perform(c);
    curl_slist_free_all(hdr);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int rc = ST_OK;
    if (cr != CURLE_OK) {
        if (b.failed) rc = st_error_set(err, ST_ELIMIT, "the node's answer is larger than %zu bytes", EV_RPC_MAX_ANSWER);
        else rc = st_error_set(err, ST_ENET, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cr));
    } else if (status >= 400) {
        const char *t = b.data ? b.data : "";
        rc = st_error_set(err, ST_ENET, "HTTP %ld: %.200s", status, t);
    }
    if (rc) {
        st_buf_free(&b);
        return rc;
    }
    if (!b.data && st_buf_putc(&b, 0) == ST_OK) b.len = 0; /* an empty body: still a string */
    *resp_len = b.len;
    *resp = st_buf_take(&b);
    if (!*resp) return st_error_set(err, ST_ENOMEM, "out of memory");
    return ST_OK;
}
