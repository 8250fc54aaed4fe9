/* test_evm_delta.c - the Ethereum store's index segments: a store built by
 * many small ingests (a base index and a delta rewritten at each commit,
 * merged when the delta outgrows its share of the base) answers every
 * transaction, address, flow list and balance exactly as the store built
 * in one ingest, and as a model of the chain kept by the generator here;
 * commits that only add a little leave the base files untouched; and the
 * two crashes the layout must survive (a new delta written but the
 * manifest not renamed; a new base written by a merge but the manifest
 * not renamed) answer the last commit, and the next ingest repairs them.
 *
 * The chain is this file's own (not `evm synth`'s): transactions and
 * token transfers between a pool of addresses that grows as blocks pass,
 * one address in many transactions (an exchange's), self-transfers, and
 * random 32-byte hashes. */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/rand.h"
#include "evm/evm_int.h"
#include "sanctrace/evm.h"

#define NBLOCKS 150
#define FIRST_BLOCK 1000
#define BASE_BLOCKS 60 /* the first ingest; then STEP blocks at a time */
#define STEP 3
#define MAXADDR 4000
#define MAXFLOWS 20000

typedef struct model {
    uint8_t addr[MAXADDR][20];
    int naddr;
    struct {
        int from, to;
        int block;
    } flow[MAXFLOWS];
    int nflows;
    int blk_end_flow[NBLOCKS]; /* flows committed once block b is */
} model;

static model M;

static void hex(const uint8_t *b, size_t n, char *out) {
    out[0] = '0', out[1] = 'x';
    for (size_t i = 0; i < n; i++) snprintf(out + 2 + 2 * i, 3, "%02x", b[i]);
}

static int pick_addr(st_rng *r) {
    uint64_t u = st_rng_below(r, 100);
    if (u < 15 && M.naddr > 0) return 0; /* the exchange */
    if (u < 55 && M.naddr > 1) return (int)st_rng_below(r, (uint64_t)M.naddr);
    assert_true(M.naddr < MAXADDR);
    for (int i = 0; i < 20; i++) M.addr[M.naddr][i] = (uint8_t)st_rng_next(r);
    return M.naddr++;
}

/* dir/part-K/{transactions,token_transfers}.csv for the blocks [b0, b1) of
 * the chain, and the same blocks added to the model */
static void write_part(const char *dir, const char *name, int b0, int b1, st_rng *r) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/%s/transactions.csv", dir, name);
    FILE *tx = fopen(path, "w");
    snprintf(path, sizeof path, "%s/%s/token_transfers.csv", dir, name);
    FILE *tk = fopen(path, "w");
    assert_non_null(tx);
    assert_non_null(tk);
    fputs("hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
          "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n",
          tx);
    fputs("token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n", tk);
    static const uint8_t token[20] = {0x70, 0x0e};
    for (int b = b0; b < b1; b++) {
        int ntx = 1 + (int)st_rng_below(r, 12);
        for (int t = 0; t < ntx; t++) {
            uint8_t h[32];
            for (int i = 0; i < 32; i++) h[i] = (uint8_t)st_rng_next(r);
            int from = pick_addr(r), to = st_rng_below(r, 20) ? pick_addr(r) : from; /* some to themselves */
            char hh[67], fa[43], ta[43], tok[43];
            hex(h, 32, hh), hex(M.addr[from], 20, fa), hex(M.addr[to], 20, ta), hex(token, 20, tok);
            fprintf(tx, "%s,0,,%d,%d,%s,%s,%llu,21000,1,0x,0,,,0\n", hh, FIRST_BLOCK + b, t, fa, ta,
                    (unsigned long long)(1 + st_rng_below(r, 1000000)));
            assert_true(M.nflows < MAXFLOWS);
            M.flow[M.nflows].from = from, M.flow[M.nflows].to = to, M.flow[M.nflows++].block = b;
            if (!st_rng_below(r, 4)) { /* and a token transfer, after the value */
                int tf = pick_addr(r), tt = pick_addr(r);
                hex(M.addr[tf], 20, fa), hex(M.addr[tt], 20, ta);
                fprintf(tk, "%s,%s,%s,%llu,%s,%d,%d\n", tok, fa, ta, (unsigned long long)(1 + st_rng_below(r, 999)),
                        hh, t, FIRST_BLOCK + b);
                assert_true(M.nflows < MAXFLOWS);
                M.flow[M.nflows].from = tf, M.flow[M.nflows].to = tt, M.flow[M.nflows++].block = b;
            }
        }
        M.blk_end_flow[b] = M.nflows;
    }
    fclose(tx);
    fclose(tk);
}

static int ingest(const char *db, const char *path, int full_index) {
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    o.full_index = full_index;
    st_evm_ingest_report rep;
    st_error err;
    st_error_clear(&err);
    const char *paths[] = {path};
    return st_evm_ingest(db, paths, 1, &o, &rep, &err);
}

/* The store answers the model with the blocks before `upto`: every
 * address's flow list (ids in chain order, the flows' ends), and an
 * address of a later block is not found. */
static void check_model(const char *db, int upto) {
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    int nf = M.blk_end_flow[upto - 1];
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    assert_int_equal(s.flows, (uint64_t)nf);
    uint64_t *want = st_malloc(sizeof *want * (size_t)nf);
    assert_non_null(want);
    for (int a = 0; a < M.naddr; a++) {
        uint64_t id, n = 0;
        for (int f = 0; f < nf; f++)
            if (M.flow[f].from == a || M.flow[f].to == a) want[n++] = (uint64_t)f;
        if (!n) {
            assert_false(st_evm_find_addr(e, M.addr[a], &id));
            continue;
        }
        assert_true(st_evm_find_addr(e, M.addr[a], &id));
        assert_int_equal(st_evm_addr_nflows(e, id), n);
        for (uint64_t i = 0; i < n; i++) assert_int_equal(st_evm_addr_flow(e, id, i), want[i]);
    }
    st_free(want);
    st_evm_close(e);
}

/* Two stores answer alike: every transaction by id and by hash, every
 * address by id and by bytes, its flow list, and its balances at several
 * blocks. */
static void check_same(const char *db1, const char *db2) {
    st_evm *a, *b;
    st_error err;
    assert_int_equal(st_evm_open(&a, db1, &err), ST_OK);
    assert_int_equal(st_evm_open(&b, db2, &err), ST_OK);
    st_evm_stats sa, sb;
    st_evm_get_stats(a, &sa);
    st_evm_get_stats(b, &sb);
    assert_int_equal(sa.transactions, sb.transactions);
    assert_int_equal(sa.flows, sb.flows);
    assert_int_equal(sa.addresses, sb.addresses);
    assert_int_equal(sa.assets, sb.assets);
    assert_int_equal(sa.first_block, sb.first_block);
    assert_int_equal(sa.last_block, sb.last_block);
    assert_int_equal(sa.index_bytes_per_flow, sb.index_bytes_per_flow);
    for (uint64_t t = 0; t < sa.transactions; t++) {
        st_evm_tx x, y;
        st_evm_get_tx(a, t, &x);
        st_evm_get_tx(b, t, &y);
        assert_memory_equal(x.hash, y.hash, 32);
        assert_int_equal(x.block, y.block);
        assert_int_equal(x.from, y.from);
        assert_int_equal(x.to, y.to);
        assert_int_equal(x.first_flow, y.first_flow);
        assert_int_equal(x.nflows, y.nflows);
        char h[67];
        hex(x.hash, 32, h);
        uint64_t ia, ib;
        assert_int_equal(st_evm_find_tx(a, h, &ia), 1);
        assert_int_equal(st_evm_find_tx(b, h, &ib), 1);
        assert_int_equal(ia, t);
        assert_int_equal(ib, t);
    }
    uint8_t absent[20] = {0xde, 0xad};
    uint64_t id;
    assert_false(st_evm_find_addr(b, absent, &id));
    assert_int_equal(st_evm_find_tx(b, "0x00000000000000000000000000000000000000000000000000000000000000ee", &id), 0);
    const int64_t at[] = {FIRST_BLOCK + 10, FIRST_BLOCK + BASE_BLOCKS + 7, FIRST_BLOCK + NBLOCKS};
    for (uint64_t ad = 0; ad < sa.addresses; ad++) {
        char ta[43], tb[43];
        st_evm_addr_text(a, ad, ta);
        st_evm_addr_text(b, ad, tb);
        assert_string_equal(ta, tb);
        uint8_t raw[20];
        assert_int_equal(st_evm_addr_parse(ta, raw), ST_OK);
        assert_true(st_evm_find_addr(b, raw, &id));
        assert_int_equal(id, ad);
        uint64_t n = st_evm_addr_nflows(a, ad);
        assert_int_equal(st_evm_addr_nflows(b, ad), n);
        for (uint64_t i = 0; i < n; i++) assert_int_equal(st_evm_addr_flow(a, ad, i), st_evm_addr_flow(b, ad, i));
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            st_evm_summary x, y;
            assert_int_equal(st_evm_address_summary(a, ad, at[k], &x, &err), ST_OK);
            assert_int_equal(st_evm_address_summary(b, ad, at[k], &y, &err), ST_OK);
            assert_int_equal(x.flows_in, y.flows_in);
            assert_int_equal(x.flows_out, y.flows_out);
            assert_int_equal(x.nbalances, y.nbalances);
            for (size_t j = 0; j < x.nbalances; j++) {
                assert_int_equal(x.balances[j].asset, y.balances[j].asset);
                assert_memory_equal(&x.balances[j].received, &y.balances[j].received, sizeof(st_u256));
                assert_memory_equal(&x.balances[j].sent, &y.balances[j].sent, sizeof(st_u256));
            }
            st_free(x.balances);
            st_free(y.balances);
        }
    }
    st_evm_close(a);
    st_evm_close(b);
}

/* a file's bytes (st_malloc'd, *len), NULL when absent */
static uint8_t *slurp(const char *db, const char *name, size_t *len) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s", db, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = st_malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void put(const char *db, const char *name, const uint8_t *p, size_t len) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s", db, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

static int same_file(const uint8_t *p, size_t n, const uint8_t *q, size_t m) {
    return p && q && n == m && !memcmp(p, q, n);
}

/* what an index file's header says it covers: [1], [2] */
static uint64_t head_word(const char *db, const char *name, int w) {
    size_t len;
    uint8_t *p = slurp(db, name, &len);
    assert_non_null(p);
    assert_true(len >= 32);
    uint64_t v;
    memcpy(&v, p + 8 * w, 8);
    st_free(p);
    return v;
}

static void test_many_small_ingests(void **state) {
    (void)state;
    memset(&M, 0, sizeof M);
    char *dir = st_test_tmpdir(), whole[600], inc[600], full[600], name[32];
    st_rng r = {20261206};
    int nparts = 0;
    write_part(dir, "part-000", 0, BASE_BLOCKS, &r), nparts++;
    for (int b = BASE_BLOCKS; b < NBLOCKS; b += STEP, nparts++) {
        snprintf(name, sizeof name, "part-%03d", nparts);
        write_part(dir, name, b, b + STEP, &r);
    }
    snprintf(whole, sizeof whole, "%s/whole", dir);
    snprintf(inc, sizeof inc, "%s/inc", dir);
    snprintf(full, sizeof full, "%s/full", dir);
    /* the whole chain in one ingest (every part folder at once) */
    {
        const char **paths = st_malloc(sizeof *paths * (size_t)nparts);
        char (*pp)[700] = st_malloc(sizeof *pp * (size_t)nparts);
        assert_non_null(paths);
        assert_non_null(pp);
        for (int k = 0; k < nparts; k++) snprintf(pp[k], sizeof pp[k], "%s/part-%03d", dir, k), paths[k] = pp[k];
        st_evm_ingest_opts o;
        memset(&o, 0, sizeof o);
        o.no_sync = 1;
        st_evm_ingest_report rep;
        st_error err;
        assert_int_equal(st_evm_ingest(whole, paths, (size_t)nparts, &o, &rep, &err), ST_OK);
        st_free(paths);
        st_free(pp);
    }
    check_model(whole, NBLOCKS);
    /* part after part; the base files are rewritten only by merges */
    int kept = 0, merged = 0;
    for (int k = 0; k < nparts; k++) {
        char part[700];
        snprintf(part, sizeof part, "%s/part-%03d", dir, k);
        size_t l0 = 0, l1 = 0;
        uint8_t *before = slurp(inc, "addr_flows.idx", &l0);
        assert_int_equal(ingest(inc, part, 0), ST_OK);
        assert_int_equal(ingest(full, part, 1), ST_OK);
        uint8_t *after = slurp(inc, "addr_flows.idx", &l1);
        int upto = k == 0 ? BASE_BLOCKS : BASE_BLOCKS + k * STEP;
        uint64_t nflows = (uint64_t)M.blk_end_flow[upto - 1];
        uint64_t base = head_word(inc, "addr_flows.idx", 2);
        /* the delta starts where the base ends, and ends at the commit */
        assert_int_equal(head_word(inc, "addr_flows.delta.idx", 2), base);
        assert_int_equal(head_word(inc, "addr_flows.delta.idx", 3), nflows);
        /* a delta never holds more than an eighth of its base */
        assert_true(nflows - base <= base / 8);
        if (same_file(before, l0, after, l1)) kept++;
        else merged++, assert_int_equal(base, nflows);
        /* the full rebuild leaves an empty delta */
        assert_int_equal(head_word(full, "addr_flows.idx", 2), nflows);
        st_free(before);
        st_free(after);
        check_model(inc, upto);
    }
    assert_true(kept >= 10); /* most commits only wrote their delta */
    assert_true(merged >= 3); /* the first, then the merges the threshold asked for */
    check_same(whole, inc);
    check_same(whole, full);
    st_rm_rf(dir);
    free(dir);
}

/* the files of a store's commit, to put back what a crash would leave */
static const char *const idx_files[] = {"manifest.json",       "addr_hash.idx",        "addr_hash.delta.idx",
                                        "tx_hash.idx",         "tx_hash.delta.idx",    "addr_flows.idx",
                                        "addr_flows.delta.idx"};
#define NIDX (sizeof idx_files / sizeof idx_files[0])

typedef struct snap {
    uint8_t *p[NIDX];
    size_t len[NIDX];
} snap;

static void snap_take(const char *db, snap *s) {
    for (size_t i = 0; i < NIDX; i++) s->p[i] = slurp(db, idx_files[i], &s->len[i]);
}

static void snap_free(snap *s) {
    for (size_t i = 0; i < NIDX; i++) st_free(s->p[i]);
}

/* The manifest and index files of db byte for byte those of s0. */
static void snap_unchanged(const char *db, const snap *s0) {
    snap s;
    snap_take(db, &s);
    for (size_t i = 0; i < NIDX; i++) assert_true(same_file(s0->p[i], s0->len[i], s.p[i], s.len[i]));
    snap_free(&s);
}

static void test_crashes(void **state) {
    (void)state;
    memset(&M, 0, sizeof M);
    char *dir = st_test_tmpdir(), db[600], part[700], name[32];
    st_rng r = {77};
    write_part(dir, "part-000", 0, 80, &r);
    write_part(dir, "part-001", 80, 82, &r); /* small: a delta */
    write_part(dir, "part-002", 82, 84, &r);
    write_part(dir, "part-003", 84, 120, &r); /* large: a merge */
    snprintf(db, sizeof db, "%s/db", dir);
    for (int k = 0; k < 2; k++) {
        snprintf(name, sizeof name, "part-%03d", k);
        snprintf(part, sizeof part, "%s/%s", dir, name);
        assert_int_equal(ingest(db, part, 0), ST_OK);
    }
    check_model(db, 82);
    snap s0;
    snap_take(db, &s0);

    /* 1. a new delta written, the manifest not renamed: the commit of
     * part-002 with the manifest of part-001 put back */
    snprintf(part, sizeof part, "%s/part-002", dir);
    assert_int_equal(ingest(db, part, 0), ST_OK);
    snap s1;
    snap_take(db, &s1);
    assert_true(same_file(s0.p[5], s0.len[5], s1.p[5], s1.len[5])); /* a delta commit: the base kept */
    assert_false(same_file(s0.p[6], s0.len[6], s1.p[6], s1.len[6]));
    put(db, "manifest.json", s0.p[0], s0.len[0]);
    check_model(db, 82); /* the delta does not match the manifest: rebuilt in memory */
    assert_int_equal(ingest(db, part, 0), ST_OK); /* the next ingest repairs it */
    check_model(db, 84);
    for (size_t i = 0; i < NIDX; i++) {
        size_t n;
        uint8_t *p = slurp(db, idx_files[i], &n);
        assert_true(same_file(p, n, s1.p[i], s1.len[i]));
        st_free(p);
    }

    /* 2. a merge cut short: the new bases written, the old deltas and
     * manifest still there */
    snprintf(part, sizeof part, "%s/part-003", dir);
    assert_int_equal(ingest(db, part, 0), ST_OK);
    assert_int_equal(head_word(db, "addr_flows.idx", 2), (uint64_t)M.blk_end_flow[119]);
    put(db, "manifest.json", s1.p[0], s1.len[0]);
    put(db, "addr_hash.delta.idx", s1.p[2], s1.len[2]);
    put(db, "tx_hash.delta.idx", s1.p[4], s1.len[4]);
    put(db, "addr_flows.delta.idx", s1.p[6], s1.len[6]);
    check_model(db, 84); /* the bases cover more than is committed: rebuilt in memory */
    /* the next ingest cannot build on bases past its commit: it merges */
    assert_int_equal(ingest(db, part, 0), ST_OK);
    check_model(db, 120);
    assert_int_equal(head_word(db, "addr_flows.idx", 2), (uint64_t)M.blk_end_flow[119]);
    assert_int_equal(head_word(db, "addr_hash.delta.idx", 1), head_word(db, "addr_hash.delta.idx", 2));

    /* 3. a delta file that is garbage behind a header that matches: reads
     * stay inside the mapping */
    snprintf(part, sizeof part, "%s/part-004", dir);
    write_part(dir, "part-004", 120, 121, &r);
    assert_int_equal(ingest(db, part, 0), ST_OK);
    check_model(db, 121);
    size_t n;
    uint8_t *p = slurp(db, "addr_flows.delta.idx", &n);
    uint64_t nt, cap;
    memcpy(&nt, p + 32, 8);
    memcpy(&cap, p + 40, 8);
    assert_true(nt > 0);
    for (size_t i = 48; i < 8 * (6 + cap + 2 * nt); i++) p[i] = (uint8_t)(i * 37); /* all but the total */
    put(db, "addr_flows.delta.idx", p, n);
    st_free(p);
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    st_evm_stats st;
    st_evm_get_stats(e, &st);
    for (uint64_t a = 0; a < st.addresses; a++) {
        uint64_t k = st_evm_addr_nflows(e, a);
        for (uint64_t i = 0; i <= k; i++) assert_true(st_evm_addr_flow(e, a, i) < st.flows);
    }
    st_evm_close(e);
    snap_free(&s0);
    snap_free(&s1);
    st_rm_rf(dir);
    free(dir);
}

/* Every allocation of an ingest failing in turn, and all after it
 * (st_alloc_fail_after): the ingest fails, or finishes without what it
 * could not build (the running balances, which it says), and never
 * crashes; the store answers its last commit after each failure, and the
 * ingest run again with memory gives the store a run with memory gives.
 * (The sanitizer build also finds any leak.)  The second part is larger
 * than the first (the indexes merge) and brings the exchange past the
 * flows that make its running balances due. */
static void test_out_of_memory(void **state) {
    (void)state;
    memset(&M, 0, sizeof M);
    char *dir = st_test_tmpdir(), ref[600], db[600], p0[700], p1[700];
    st_rng r = {4242};
    write_part(dir, "part-000", 0, 50, &r);
    write_part(dir, "part-001", 50, 130, &r);
    snprintf(ref, sizeof ref, "%s/ref", dir), snprintf(db, sizeof db, "%s/db", dir);
    snprintf(p0, sizeof p0, "%s/part-000", dir), snprintf(p1, sizeof p1, "%s/part-001", dir);
    assert_int_equal(ingest(ref, p0, 0), ST_OK);
    assert_int_equal(ingest(ref, p1, 0), ST_OK);
    char bal[700];
    snprintf(bal, sizeof bal, "%s/addr_bal.idx", ref);
    assert_true(st_path_exists(bal));
    assert_int_equal(ingest(db, p0, 0), ST_OK);
    snap s0;
    snap_take(db, &s0);
    long n, failed = 0;
    for (n = 0; n < 200000; n++) {
        st_alloc_fail_after(n);
        int rc = ingest(db, p1, 0);
        st_alloc_fail_after(-1);
        if (rc == ST_OK) break;
        assert_int_equal(rc, ST_ENOMEM);
        failed++;
        snap_unchanged(db, &s0);
        if (n % 16 == 0) check_model(db, 50);
    }
    snap_free(&s0);
    assert_true(failed > 100); /* every allocation up to the last the ingest needs */
    check_model(db, 130);
    check_same(ref, db);
    st_rm_rf(dir);
    free(dir);
}

/* The manifest cannot be written (a directory where the commit writes
 * it: as a full disk at its last few hundred bytes would): the ingest
 * fails with every index file as it was, first on a commit that writes
 * only deltas, then on one that merges the bases; no temporary file is
 * left; the same ingest succeeds once the manifest can be written. */
static void test_manifest_unwritable(void **state) {
    (void)state;
    memset(&M, 0, sizeof M);
    char *dir = st_test_tmpdir(), db[600], part[700], blocker[900];
    st_rng r = {77};
    write_part(dir, "part-000", 0, 60, &r);
    write_part(dir, "part-001", 60, 62, &r);  /* deltas only */
    write_part(dir, "part-002", 62, 120, &r); /* the bases merged */
    snprintf(db, sizeof db, "%s/db", dir);
    snprintf(part, sizeof part, "%s/part-000", dir);
    assert_int_equal(ingest(db, part, 0), ST_OK);
    snprintf(blocker, sizeof blocker, "%s/manifest.json.tmp.%ld", db, (long)getpid());
    const int upto[] = {60, 62, 120};
    for (int k = 1; k <= 2; k++) {
        snprintf(part, sizeof part, "%s/part-%03d", dir, k);
        snap s0;
        snap_take(db, &s0);
        assert_int_equal(mkdir(blocker, 0700), 0);
        assert_int_equal(ingest(db, part, 0), ST_EIO);
        snap_unchanged(db, &s0);
        snap_free(&s0);
        check_model(db, upto[k - 1]);
        assert_int_equal(rmdir(blocker), 0);
        DIR *d = opendir(db);
        assert_non_null(d);
        for (struct dirent *de; (de = readdir(d));) assert_null(strstr(de->d_name, ".tmp."));
        closedir(d);
        assert_int_equal(ingest(db, part, 0), ST_OK);
        check_model(db, upto[k]);
    }
    st_rm_rf(dir);
    free(dir);
}

/* A node's reorganisation, as `--rpc` commits it: the store cut back to an
 * earlier commit (the feed's prepare lowers the counts), then other blocks
 * in place of the ones taken back, more of them than before.  The index
 * base written after the blocks taken back covers records that are no
 * longer the columns' and must not be built on. */
typedef struct reorg_feed {
    ev_counts keep;
    char dir[700];
} reorg_feed;

static int reorg_prepare(void *ctx, const char *dir, ev_counts *c, st_error *err) {
    (void)dir, (void)err;
    *c = ((reorg_feed *)ctx)->keep;
    return ST_OK;
}

static int reorg_read(void *ctx, ev_batch *b, st_error *err) {
    reorg_feed *r = ctx;
    char path[800];
    snprintf(path, sizeof path, "%s/transactions.csv", r->dir);
    int rc = ev_read_file(b, path, err);
    snprintf(path, sizeof path, "%s/token_transfers.csv", r->dir);
    return rc ? rc : ev_read_file(b, path, err);
}

static void test_reorg_past_the_base(void **state) {
    (void)state;
    memset(&M, 0, sizeof M);
    char *dir = st_test_tmpdir(), db[600], part[700];
    st_rng r = {4242};
    snprintf(db, sizeof db, "%s/db", dir);
    write_part(dir, "a", 0, 60, &r);
    snprintf(part, sizeof part, "%s/a", dir);
    assert_int_equal(ingest(db, part, 0), ST_OK);
    reorg_feed rf;
    st_error err;
    assert_int_equal(ev_manifest_read(db, &rf.keep, &err), ST_OK);
    int nflows_a = M.nflows;
    write_part(dir, "b", 60, 75, &r); /* a quarter more: merged into the base */
    snprintf(part, sizeof part, "%s/b", dir);
    assert_int_equal(ingest(db, part, 0), ST_OK);
    check_model(db, 75);
    uint64_t base = head_word(db, "addr_flows.idx", 2);
    assert_int_equal(base, (uint64_t)M.nflows);
    /* blocks 60.. again, other transactions, more of them */
    M.nflows = nflows_a;
    write_part(dir, "b2", 60, 78, &r); /* past the base by less than an eighth: no merge asked */
    assert_true((uint64_t)M.nflows > base);
    snprintf(rf.dir, sizeof rf.dir, "%s/b2", dir);
    ev_feed feed = {reorg_prepare, reorg_read, NULL, &rf};
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    st_evm_ingest_report rep;
    assert_true((uint64_t)M.nflows - base <= base / 8);
    assert_int_equal(ev_ingest_feed(db, &feed, &o, &rep, &err), ST_OK);
    check_model(db, 78);
    /* and a small commit on top */
    write_part(dir, "c", 78, 80, &r);
    snprintf(part, sizeof part, "%s/c", dir);
    assert_int_equal(ingest(db, part, 0), ST_OK);
    check_model(db, 80);
    st_rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_small_ingests),  cmocka_unit_test(test_crashes),
        cmocka_unit_test(test_reorg_past_the_base), cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_manifest_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
