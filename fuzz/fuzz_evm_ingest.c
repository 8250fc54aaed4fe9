/* fuzz_evm_ingest.c - the whole Ethereum ingest on arbitrary bytes: the
 * export read, the join (hashes, positions, traces of absent transactions,
 * reverted subtrees), the flows, the commit, then every transaction and
 * every address of the store read back.  One input is one export file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "sanctrace/evm.h"

static char dir[64]; /* one scratch folder for the run, removed at exit */

static void cleanup(void) { st_rm_rf(dir); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-evm-XXXXXX");
        if (!mkdtemp(dir)) abort();
        atexit(cleanup);
    }
    char file[128], db[128];
    snprintf(file, sizeof file, "%s/export.csv", dir);
    snprintf(db, sizeof db, "%s/db", dir);
    st_rm_rf(db);
    FILE *f = fopen(file, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    st_evm_ingest_report rep;
    st_error err;
    const char *paths[] = {file};
    if (st_evm_ingest(db, paths, 1, &o, &rep, &err) != ST_OK) return 0;
    st_evm *e;
    if (st_evm_open(&e, db, &err) != ST_OK) abort(); /* a committed store always opens */
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    for (uint64_t t = 0; t < s.transactions; t++) {
        st_evm_tx x;
        st_evm_get_tx(e, t, &x);
        if (x.first_flow + x.nflows > s.flows) abort();
        for (uint64_t k = x.first_flow; k < x.first_flow + x.nflows; k++) {
            st_evm_flow fl;
            st_evm_get_flow(e, k, &fl);
            if (fl.tx != t || st_u256_is_zero(&fl.amount)) abort();
        }
    }
    for (uint64_t a = 0; a < s.addresses; a++) {
        st_evm_summary sum;
        if (st_evm_address_summary(e, a, INT64_MAX, &sum, &err) != ST_OK) abort();
        st_free(sum.balances);
    }
    st_evm_close(e);
    return 0;
}
