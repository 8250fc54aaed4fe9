/* fuzz_evm_rpc.c - a node's JSON-RPC answers on arbitrary bytes.
 *
 * The first byte chooses: bit 0 the traces are debug_traceBlockByNumber's
 * call trees (else trace_block's list), bit 1 no receipts, bit 2 no
 * traces, bit 3 the whole ingest (st_evm_ingest_rpc) with the rest as
 * the node's answers in turn, separated by NUL bytes.  Otherwise the rest is a JSON array [block,
 * receipts, traces] turned into ethereum-etl rows, which the export
 * reader must then read one row a line. */
#include <dirent.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "evm/evm_rpc.h"

typedef struct answers {
    const char *data;
    size_t len;
    int calls;
} answers;

/* the next NUL-separated answer; none left: the node is gone (ST_EIO: no retries) */
static int fake_post(void *ctx, const char *url, const char *body, size_t len, char **resp, size_t *resp_len,
                     st_error *err) {
    answers *a = ctx;
    (void)url, (void)body, (void)len;
    if (!a->len || ++a->calls > 16) return st_error_set(err, ST_EIO, "gone");
    const char *z = memchr(a->data, 0, a->len);
    size_t k = z ? (size_t)(z - a->data) : a->len;
    *resp = st_malloc(k + 1);
    if (!*resp) return st_error_set(err, ST_ENOMEM, "out of memory");
    memcpy(*resp, a->data, k);
    (*resp)[k] = 0;
    *resp_len = k;
    a->data += z ? k + 1 : k;
    a->len -= z ? k + 1 : k;
    return ST_OK;
}

static char store_dir[64];

/* the scratch store goes with the fuzzer */
static void remove_store(void) {
    DIR *d = opendir(store_dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[400];
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", store_dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(store_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int mode = data[0];
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    st_error err;
    st_error_clear(&err);
    if (mode & 8) {
        char *dir = store_dir;
        if (!dir[0]) {
            strcpy(dir, "/tmp/fuzz_evm_rpc.XXXXXX");
            if (!mkdtemp(dir)) abort();
            atexit(remove_store);
        }
        answers a = {text, n, 0};
        st_evm_rpc_opts o;
        memset(&o, 0, sizeof o);
        o.url = "http://127.0.0.1:1";
        o.post = fake_post;
        o.post_ctx = &a;
        o.ingest.no_sync = 1;
        o.blocks_per_commit = 2;
        o.to_block = 3;
        st_evm_rpc_report rep;
        (void)st_evm_ingest_rpc(dir, &o, &rep, &err);
        return 0;
    }
    json_error_t je;
    json_t *j = json_loadb(text, n, 0, &je);
    if (!json_is_array(j)) {
        json_decref(j);
        return 0;
    }
    st_buf out;
    st_buf_init(&out, (size_t)64 << 20);
    int rc = ev_rpc_block_lines(&out, json_array_get(j, 0), (mode & 2) ? NULL : json_array_get(j, 1),
                                (mode & 4) ? NULL : json_array_get(j, 2), mode & 1, &err);
    if (rc == ST_OK) {
        size_t lines = 0;
        for (size_t i = 0; i < out.len; i++) lines += out.data[i] == '\n';
        ev_batch b;
        memset(&b, 0, sizeof b);
        if (ev_read_buffer(&b, out.data ? out.data : "", out.len, "fuzz", &err) == ST_OK && b.rows != lines)
            __builtin_trap(); /* every line written is one row read */
        ev_batch_free(&b);
    }
    st_buf_free(&out);
    json_decref(j);
    return 0;
}
