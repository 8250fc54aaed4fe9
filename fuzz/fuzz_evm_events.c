/* fuzz_evm_events.c - events.bin (src/evm/events.c) on arbitrary bytes,
 * beside a committed store: read (either version, a torn or foreign
 * file), then made ready by an ingest (a torn tail cut, a first-version
 * file rewritten, a foreign one refused), then read again, which must
 * succeed whenever the ingest did.  One input is one events.bin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "sanctrace/evm.h"

static char dir[64]; /* one scratch folder for the run, removed at exit */
static char ex[128], db[128];

static void cleanup(void) { st_rm_rf(dir); }

static void put(const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", ex, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
}

/* a store of two transactions, the second with a Uniswap V2 Swap log */
static const char txs[] =
    "hash,block_number,transaction_index,from_address,to_address,value,gas_price\n"
    "0x0100000000000000000000000000000000000000000000000000000000000000,10,0,"
    "0x0a00000000000000000000000000000000000000,0x0b00000000000000000000000000000000000000,100,2\n"
    "0x0200000000000000000000000000000000000000000000000000000000000000,11,0,"
    "0x0b00000000000000000000000000000000000000,0x5000000000000000000000000000000000000000,80,2\n";
static const char receipts[] =
    "transaction_hash,transaction_index,block_number,gas_used,status,effective_gas_price\n"
    "0x0100000000000000000000000000000000000000000000000000000000000000,0,10,1,1,2\n"
    "0x0200000000000000000000000000000000000000000000000000000000000000,0,11,1,1,2\n";
static const char logs[] = "log_index,transaction_hash,transaction_index,block_number,address,data,topics\n"
                           "0,0x0200000000000000000000000000000000000000000000000000000000000000,0,11,"
                           "0x5000000000000000000000000000000000000000,0x"
                           "0000000000000000000000000000000000000000000000000000000000000050"
                           "0000000000000000000000000000000000000000000000000000000000000000"
                           "0000000000000000000000000000000000000000000000000000000000000000"
                           "0000000000000000000000000000000000000000000000000000000000000fa0,"
                           "\"0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822,"
                           "0x0000000000000000000000000b00000000000000000000000000000000000000,"
                           "0x0000000000000000000000000b00000000000000000000000000000000000000\"\n";

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/fuzz-evmev-XXXXXX");
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    snprintf(ex, sizeof ex, "%s/export", dir);
    snprintf(db, sizeof db, "%s/db", dir);
    if (st_mkdir_p(ex, NULL)) abort();
    put("transactions.csv", txs);
    put("receipts.csv", receipts);
    put("logs.csv", logs);
}

static int ingest(void) {
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    st_evm_ingest_report rep;
    st_error err;
    const char *paths[] = {ex};
    return st_evm_ingest(db, paths, 1, &o, &rep, &err);
}

/* the events read (ST_OK) with each one's data in the file, or an error */
static int read_events(void) {
    st_evm *e;
    st_error err;
    if (st_evm_open(&e, db, &err) != ST_OK) abort(); /* a committed store always opens */
    st_evm_events *v;
    int rc = st_evm_events_open(&v, e, db, &err);
    if (rc == ST_OK) {
        unsigned sum = 0;
        for (size_t i = 0; i < st_evm_events_count(v); i++) {
            const st_evm_event *x = st_evm_events_get(v, i);
            if (x->ntopics > 3 || x->ndata > 512) abort();
            for (size_t k = 0; k < x->ndata; k++) sum += x->data[k];
        }
        (void)sum;
        st_evm_events_close(v);
    }
    st_evm_close(e);
    return rc;
}

/* events.bin made ready holds whole records only, walked here by their
 * heads (72 bytes, topics at 69, data length at 70) and trailers (their
 * length) without the reader's code: no torn tail left behind */
static void check_whole(const char *path) {
    char *d;
    size_t n, at = 8;
    if (st_file_read(path, (size_t)1 << 30, &d, &n, NULL) != ST_OK) return; /* none: nothing was kept */
    if (n && (n < 8 || memcmp(d, "STEVEVT2", 8))) abort();
    while (n && at < n) {
        const uint8_t *p = (const uint8_t *)d + at;
        if (n - at < 78 || p[69] > 3) abort();
        size_t len = 72 + 32 * (size_t)p[69] + ((size_t)p[70] | (size_t)p[71] << 8) + 6;
        if (len > n - at || ((size_t)p[len - 6] | (size_t)p[len - 5] << 8) != len) abort();
        at += len;
    }
    st_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        setup();
        if (ingest() != ST_OK) abort();
    }
    char path[256];
    snprintf(path, sizeof path, "%s/events.bin", db);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    (void)read_events();
    int rc = ingest(); /* nothing new: events.bin made ready, then kept */
    if (rc != ST_OK && rc != ST_ECORRUPT) abort();
    if (rc == ST_OK) {
        check_whole(path);
        if (read_events() != ST_OK) abort(); /* ready means readable */
    }
    return 0;
}
