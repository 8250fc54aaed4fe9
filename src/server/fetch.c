/*
 * fetch.c - downloading for st_update: the libcurl callback that both
 * front ends, `sanctrace update` and the server's scheduled update, hand
 * to the library (which links no HTTP client itself).
 *
 * Design: the file is written as it arrives; a failed or over-long
 * download is an error with curl's reason (the caller refuses that source
 * and keeps its previous data; a partial file is never read).  Bounds: 4
 * GiB (the largest FollowTheMoney export), 20 s to connect, and under
 * 1 KB/s for a minute gives up.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sanctrace/server.h"

#define FETCH_MAX_BYTES ((curl_off_t)4 << 30)

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static void fetch_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t fetch_write(char *p, size_t sz, size_t n, void *f) { return fwrite(p, sz, n, f); }

int st_http_fetch(void *ctx, const char *url, const char *path, st_error *err) {
    (void)ctx;
    pthread_once(&fetch_once, fetch_init);
    FILE *f = fopen(path, "wb");
    if (!f) return st_error_at(err, ST_EIO, path, 0, -1, "cannot create: %s", strerror(errno));
    CURL *c = curl_easy_init();
    char ebuf[CURL_ERROR_SIZE] = "";
    int rc = ST_OK;
    if (!c) {
        fclose(f);
        return st_error_set(err, ST_ENOMEM, "cannot start libcurl");
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* under 1 KB/s for a minute: give up */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, FETCH_MAX_BYTES);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sanctrace/" ST_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cr = curl_easy_perform(c);
    if (fclose(f) != 0 && cr == CURLE_OK) rc = st_error_at(err, ST_EIO, path, 0, -1, "write failed");
    if (cr != CURLE_OK)
        rc = st_error_set(err, ST_ENET, "download of %s failed: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(cr));
    curl_easy_cleanup(c);
    return rc;
}
