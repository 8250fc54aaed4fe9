/*
 * trace_tx.c - follow one Bitcoin output forward through a chain store and
 * print where its coins are now, using only <sanctrace/trace.h>.
 *
 *   trace_tx STORE_DIR TXID:VOUT [poison|haircut|fifo|lifo|tiho]
 *
 * STORE_DIR is one `sanctrace chain ingest --db` filled.  Prints the
 * source value, then one line per output still holding taint (txid:vout
 * and the tainted satoshis, largest first as the library returns them),
 * then a check that the satoshis add up exactly.  Exit 0, or 2 on error
 * (or when they do not add up).
 */
#include <inttypes.h>
#include <stdio.h>

#include <sanctrace/trace.h>

static int fail(const st_error *err) {
    char msg[1024];
    fprintf(stderr, "trace_tx: %s\n", st_error_format(err, msg, sizeof msg));
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: trace_tx STORE_DIR TXID:VOUT [MODEL]\n");
        return 2;
    }
    st_error err;
    st_error_clear(&err);
    st_trace_opts opts = {0};
    opts.until_height = -1;
    if (st_taint_model_parse(argc > 3 ? argv[3] : "haircut", &opts.model) != ST_OK) {
        fprintf(stderr, "trace_tx: unknown model %s\n", argv[3]);
        return 2;
    }
    st_chain *c = NULL;
    if (st_chain_open(&c, argv[1], &err) != ST_OK) return fail(&err);
    uint64_t *src = NULL;
    size_t nsrc = 0, cap = 0;
    st_trace_result *r = NULL;
    int rc = 2;
    if (st_trace_source(c, NULL, argv[2], &src, &nsrc, &cap, &err) != ST_OK) goto done;
    if (st_trace_run(c, src, nsrc, &opts, &r, &err) != ST_OK) goto done;

    st_chain_cols k;
    st_chain_get_cols(c, &k);
    printf("source %" PRId64 " sat, %" PRIu64 " transactions\n", r->source_value, r->txs);
    for (size_t i = 0; i < r->nfrontier; i++) {
        uint64_t out = r->frontier[i].out, tx = st_chain_out_tx(c, out);
        char hex[65];
        st_chain_hash_hex(k.tx_hash[tx], hex);
        printf("%s:%" PRIu64 "\t%" PRId64 "\n", hex, out - k.tx_first_out[tx], r->frontier[i].tainted);
    }
    /* Every model but poison conserves value exactly (poison taints whole
     * outputs, so its frontier may exceed the source). */
    int64_t sum = r->frontier_value + r->fee_left + r->fee_unclaimed + r->rounding_loss;
    int ok = opts.model == ST_TAINT_POISON || sum == r->source_value;
    printf("conserved %s\n", opts.model == ST_TAINT_POISON ? "n/a (poison)" : ok ? "yes" : "NO");
    rc = ok ? 0 : 2;
done:
    if (rc == 2 && err.code != ST_OK) fail(&err);
    st_trace_result_free(r);
    st_free(src);
    st_chain_close(c);
    return rc;
}
