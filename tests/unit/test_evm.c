/* test_evm.c - the Ethereum store: exact 256-bit amounts (values checked
 * against Python's integers), addresses in any case, the flow rules on a
 * hand-written export whose every expected flow is worked out in the
 * comments, the join of partial exports, bad rows, allocation failures
 * during ingest (the store stays at its last commit), and leftovers of an
 * interrupted ingest. */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "evm/evm_int.h"
#include "sanctrace/evm.h"
#include "sanctrace/wallet.h"

static st_u256 U(const char *s) {
    st_u256 v;
    assert_int_equal(st_u256_parse(s, strlen(s), &v), ST_OK);
    return v;
}

static void assert_dec(const st_u256 *v, const char *want) {
    char t[ST_U256_TEXT];
    assert_string_equal(st_u256_format(v, t), want);
}

static void test_u256(void **state) {
    (void)state;
    st_u256 a = U("64655529900000002048"), b, r;
    assert_dec(&a, "64655529900000002048");
    /* Python: 64655529900000002048 = 3 * 2^64 + 9315297678871347200 */
    assert_int_equal(a.w[1], 3);
    assert_int_equal(a.w[0], 9315297678871347200ULL);
    assert_int_equal(a.w[2] | a.w[3], 0);
    /* 2^256 - 1 round trip, and one more overflows */
    const char *max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    b = U(max);
    assert_dec(&b, max);
    assert_int_equal(b.w[3], UINT64_MAX);
    assert_int_equal(st_u256_parse("115792089237316195423570985008687907853269984665640564039457584007913129639936", 78, &r),
                     ST_EPARSE);
    st_u256 one = st_u256_from_u64(1);
    assert_int_equal(st_u256_add(&r, &b, &one), 1);
    assert_true(st_u256_is_zero(&r));
    assert_int_equal(st_u256_sub(&r, &r, &one), 1);
    assert_int_equal(st_u256_cmp(&r, &b), 0);
    /* carries across limbs: 2^64 - 1 + 1 = 18446744073709551616 */
    st_u256 m = st_u256_from_u64(UINT64_MAX);
    assert_int_equal(st_u256_add(&r, &m, &one), 0);
    assert_dec(&r, "18446744073709551616");
    assert_int_equal(st_u256_sub(&r, &r, &one), 0);
    assert_dec(&r, "18446744073709551615");
    /* 45762059 Gwei = 45762059000000000 wei; 21000 gas x 80869370967 wei */
    st_u256 g = st_u256_from_u64(45762059);
    assert_int_equal(st_u256_mul_u64(&r, &g, 1000000000ULL), 0);
    assert_dec(&r, "45762059000000000");
    st_u256 p = U("80869370967");
    assert_int_equal(st_u256_mul_u64(&r, &p, 21000), 0);
    assert_dec(&r, "1698256790307000");
    /* 64655529900000002048 * 10^19 (Python: 646555299000000020480000000000000000000) */
    assert_int_equal(st_u256_mul_u64(&r, &a, 10000000000000000000ULL), 0);
    assert_dec(&r, "646555299000000020480000000000000000000");
    assert_int_equal(st_u256_mul_u64(&r, &b, 2), 1);
    /* hex, as log data carries amounts */
    st_u256 h = U("0x000000000000000000000000000000000000000000000005e8adca7e45940000");
    assert_dec(&h, "109000000000000000000");
    h = U("0xFF");
    assert_dec(&h, "255");
    st_u256 z = U("0");
    assert_dec(&z, "0");
    assert_int_equal(st_u256_cmp(&z, &one), -1);
    assert_int_equal(st_u256_cmp(&a, &one), 1);
    const char *bad[] = {"", "0x", "12a", "-1", " 1", "1.5", "0xg1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(st_u256_parse(bad[i], strlen(bad[i]), &r), ST_EPARSE);
    /* 65 hex digits that are not all leading zeros overflow */
    assert_int_equal(st_u256_parse("0x10000000000000000000000000000000000000000000000000000000000000000", 67, &r),
                     ST_EPARSE);
    /* every length of decimal, each read the way its length is (one word,
     * one 128-bit step, 19 digits at a time): the digits come back */
    char d[80], want[80];
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (size_t n = 1; n <= 78; n++) {
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            d[i] = (char)('0' + (i == 0 && n > 1 ? 1 + x % 9 : x % 10));
        }
        d[n] = 0;
        if (n == 78) d[0] = '1', d[1] = '0'; /* under 2^256 (1.16e77) */
        st_u256 v = U(d);
        assert_dec(&v, d);
        /* a bad digit anywhere is refused */
        for (size_t i = 0; i < n; i++) {
            memcpy(want, d, n + 1);
            want[i] = i % 2 ? '/' : ':';
            assert_int_equal(st_u256_parse(want, n, &r), ST_EPARSE);
        }
    }
    /* the 128-bit step's ends: 10^19, 10^38 - 1, and leading zeros */
    st_u256 e = U("10000000000000000000");
    assert_int_equal(e.w[0], 10000000000000000000ULL);
    assert_int_equal(e.w[1] | e.w[2] | e.w[3], 0);
    e = U("99999999999999999999999999999999999999");
    /* Python: 10**38 - 1 = 0x4b3b4ca85a86c47a098a223fffffffff */
    assert_int_equal(e.w[1], 0x4b3b4ca85a86c47aULL);
    assert_int_equal(e.w[0], 0x098a223fffffffffULL);
    assert_int_equal(e.w[2] | e.w[3], 0);
    e = U("0000000000000000000000042");
    assert_dec(&e, "42");
}

static void test_addr(void **state) {
    (void)state;
    uint8_t a[20], b[20];
    char t[43];
    assert_int_equal(st_evm_addr_parse("0xAF21E07E5a929d16026a7b4d88f3906a8d2e4942", a), ST_OK);
    assert_int_equal(st_evm_addr_parse("0xaf21e07e5a929d16026a7b4d88f3906a8d2e4942", b), ST_OK);
    assert_memory_equal(a, b, 20);
    st_evm_addr_format(a, t);
    assert_string_equal(t, "0xaf21e07e5a929d16026a7b4d88f3906a8d2e4942");
    assert_int_equal(st_evm_addr_parse("af21e07e5a929d16026a7b4d88f3906a8d2e4942", a), ST_EINVAL);
    /* EIP-55's own examples */
    const char *eip55[] = {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                           "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(st_evm_addr_parse(eip55[i], a), ST_OK);
        st_evm_addr_format_eip55(a, t);
        assert_string_equal(t, eip55[i]);
    }
    assert_int_equal(st_evm_addr_parse("0xaf21e07e5a929d16026a7b4d88f3906a8d2e494", a), ST_EINVAL);
    assert_int_equal(st_evm_addr_parse("0xzf21e07e5a929d16026a7b4d88f3906a8d2e4942", a), ST_EINVAL);
}

/* ---- a hand-written export ---- */

#define A(x) "0x00000000000000000000000000000000000000" x
#define H(x) "0x00000000000000000000000000000000000000000000000000000000000000" x

static void write_file(const char *dir, const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char traces_csv[] =
    "block_number,transaction_hash,transaction_index,from_address,to_address,value,input,output,trace_type,call_type,"
    "reward_type,gas,gas_used,subtraces,trace_address,error,status,trace_id\n"
    /* tx 01: a -> b 10 (native); b -> c 4 reverts with its child c -> d 1; b -> e 3 by delegatecall
     * moves nothing; b -> f 2 (internal); b selfdestructs 5 to 0a (internal) */
    "100," H("01") ",0," A("0a") "," A("0b") ",10,,,call,call,,,,4,,,1,\n"
    "100," H("01") ",0," A("0b") "," A("0c") ",4,,,call,call,,,,1,0,Reverted,0,\n"
    "100," H("01") ",0," A("0c") "," A("0d") ",1,,,call,call,,,,0,\"0,0\",,0,\n"
    "100," H("01") ",0," A("0b") "," A("0e") ",3,,,call,delegatecall,,,,0,1,,1,\n"
    "100," H("01") ",0," A("0b") "," A("0f") ",2,,,call,call,,,,0,2,,1,\n"
    "100," H("01") ",0," A("0b") "," A("0a") ",5,,,suicide,,,,,0,3,,1,\n"
    /* the block's reward */
    "100,,,," A("99") ",2000,,,reward,,block,,,0,,,1,\n";

static const char txs_csv[] =
    "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
    "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
    /* tx 02 fails: only its fee moves */
    H("02") ",0,,100,1," A("0a") "," A("0b") ",7,30000,3,0x,0,,,0\n"
    /* tx 03: a -> b 8 and a token transfer */
    H("03") ",0,,100,2," A("0a") "," A("0b") ",8,30000,3,0x,0,,,0\n";

static const char receipts_csv[] =
    "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,contract_address,root,"
    "status,effective_gas_price,l1_fee,l1_gas_used,l1_gas_price,l1_fee_scalar\n"
    /* fee 21000 x 3 = 63000: 21000 x base fee 1 burnt, 42000 to miner 0x..99 */
    H("02") ",1,,100,0,21000,,,0,3,,,,\n" H("03") ",2,,100,0,21000,,,1,3,,,,\n";

static const char blocks_csv[] =
    "number,hash,parent_hash,nonce,sha3_uncles,logs_bloom,transactions_root,state_root,receipts_root,miner,difficulty,"
    "total_difficulty,size,extra_data,gas_limit,gas_used,timestamp,transaction_count,base_fee_per_gas,"
    "withdrawals_root,withdrawals\n"
    "100,,,,,,,,," A("99") ",,,,,,,,3,1,,\"{\"\"index\"\":1,\"\"validator_index\"\":2,\"\"address\"\":\"\"" A("0a")
    "\"\",\"\"amount\"\":5}\"\n";

static const char tokens_csv[] =
    "token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n"
    A("77") "," A("0a") "," A("0c") ",1000000000000000000000000," H("03") ",4,100\n"
    A("77") "," A("0a") "," A("0c") ",6," H("02") ",1,100\n"; /* failed tx: no flow */

typedef struct bad_log {
    int n;
    char last[1024];
    char all[4096]; /* every report, one a line (files are read a window of blocks at a time, so reports of
                       different files interleave) */
} bad_log;

static void on_bad(void *ctx, const st_error *e) {
    bad_log *l = ctx;
    l->n++;
    st_error_format(e, l->last, sizeof l->last);
    size_t k = strlen(l->all);
    snprintf(l->all + k, sizeof l->all - k, "%s\n", l->last);
}

static int ingest_dir(const char *db, const char *path, bad_log *log, st_evm_ingest_report *rep) {
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.on_bad = on_bad;
    o.ctx = log;
    o.no_sync = 1;
    st_error err;
    st_error_clear(&err);
    const char *paths[] = {path};
    return st_evm_ingest(db, paths, 1, &o, rep, &err);
}

typedef struct want_flow {
    const char *from, *to, *amount, *kind, *asset;
} want_flow;

static void check_tx(st_evm *e, const char *hash, int status, const char *fee, const want_flow *w, size_t n) {
    uint64_t t;
    assert_int_equal(st_evm_find_tx(e, hash, &t), 1);
    st_evm_tx x;
    st_evm_get_tx(e, t, &x);
    assert_int_equal(x.status, status);
    if (fee) {
        assert_true(x.fee_known);
        assert_dec(&x.fee, fee);
    } else assert_false(x.fee_known);
    assert_int_equal(x.nflows, n);
    for (size_t i = 0; i < n; i++) {
        st_evm_flow f;
        st_evm_get_flow(e, x.first_flow + i, &f);
        char a[43], b[43], s[43];
        st_evm_addr_text(e, f.from, a);
        st_evm_addr_text(e, f.to, b);
        st_evm_asset_text(e, f.asset, s);
        assert_string_equal(a, w[i].from);
        assert_string_equal(b, w[i].to);
        assert_dec(&f.amount, w[i].amount);
        assert_string_equal(st_evm_kind_name(f.kind), w[i].kind);
        assert_string_equal(s, w[i].asset);
        assert_int_equal(f.position, i);
        assert_int_equal(f.tx, t);
        assert_int_equal(f.block, x.block);
    }
}

/* the id of an address the store must hold */
static uint64_t addr_in(const st_evm *e, const char *text) {
    uint8_t a[20];
    uint64_t id;
    assert_int_equal(st_evm_addr_parse(text, a), ST_OK);
    assert_int_equal(st_evm_find_addr(e, a, &id), 1);
    return id;
}

static void check_store(const char *db) {
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    assert_int_equal(s.blocks, 1);
    assert_int_equal(s.transactions, 3);
    /* 3 in tx 01, 2 fees in 02, 2 fees + value + token in 03, reward and withdrawal */
    assert_int_equal(s.flows, 11);
    assert_int_equal(s.assets, 2);
    assert_int_equal(s.first_block, 100);
    const want_flow t1[] = {{A("0a"), A("0b"), "10", "native", "ETH"},
                            {A("0b"), A("0f"), "2", "internal", "ETH"},
                            {A("0b"), A("0a"), "5", "internal", "ETH"}};
    check_tx(e, H("01"), 1, NULL, t1, 3);
    const want_flow t2[] = {{A("0a"), "", "21000", "fee", "ETH"}, {A("0a"), A("99"), "42000", "fee", "ETH"}};
    check_tx(e, H("02"), 0, "63000", t2, 2);
    const want_flow t3[] = {{A("0a"), "", "21000", "fee", "ETH"},
                            {A("0a"), A("99"), "42000", "fee", "ETH"},
                            {A("0a"), A("0b"), "8", "native", "ETH"},
                            {A("0a"), A("0c"), "1000000000000000000000000", "token", A("77")}};
    check_tx(e, H("03"), 1, "63000", t3, 4);
    /* by position too */
    uint64_t t;
    assert_int_equal(st_evm_find_tx(e, "100:2", &t), 1);
    assert_int_equal(st_evm_find_tx(e, "100:9", &t), 0);
    assert_int_equal(st_evm_find_tx(e, "x:1", &t), ST_EINVAL);
    /* 0x..0a: sent 10 + 63000 + 63000 + 8 ETH, received 5 (selfdestruct) + 5 Gwei (withdrawal) */
    uint64_t id = addr_in(e, A("0A"));
    st_evm_summary sum;
    assert_int_equal(st_evm_address_summary(e, id, INT64_MAX, &sum, &err), ST_OK);
    assert_int_equal(sum.nbalances, 2);
    assert_int_equal(sum.balances[0].asset, 0);
    assert_dec(&sum.balances[0].sent, "126018");
    assert_dec(&sum.balances[0].received, "5000000005");
    assert_dec(&sum.balances[0].net, "4999873987");
    assert_false(sum.balances[0].negative);
    assert_dec(&sum.balances[1].sent, "1000000000000000000000000");
    assert_true(sum.balances[1].negative);
    assert_int_equal(sum.flows_out, 7); /* 1 in tx 01, 2 in 02, 4 in 03 */
    assert_int_equal(sum.flows_in, 2);
    assert_int_equal(sum.fees_unknown, 1); /* tx 01 had no receipt */
    st_free(sum.balances);
    assert_int_equal(st_evm_address_summary(e, id, 99, &sum, &err), ST_EINVAL);
    /* the reward */
    id = addr_in(e, A("99"));
    assert_int_equal(st_evm_addr_nflows(e, id), 3);
    st_evm_flow f;
    st_evm_get_flow(e, st_evm_addr_flow(e, id, 2), &f);
    assert_int_equal(f.kind, ST_EVM_REWARD);
    assert_int_equal(f.from, ST_EVM_NONE);
    assert_int_equal(f.tx, ST_EVM_NONE);
    assert_int_equal(f.block, 100);
    st_evm_close(e);
}

static char *make_export(void) {
    char *dir = st_test_tmpdir();
    write_file(dir, "traces.csv", traces_csv);
    write_file(dir, "transactions.csv", txs_csv);
    write_file(dir, "receipts.csv", receipts_csv);
    write_file(dir, "blocks.csv", blocks_csv);
    write_file(dir, "token_transfers.csv", tokens_csv);
    return dir;
}

static void test_flow_rules(void **state) {
    (void)state;
    char *dir = make_export(), db[600];
    snprintf(db, sizeof db, "%s/db", dir);
    bad_log log = {0};
    st_evm_ingest_report rep;
    assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
    /* token_transfers without logs: said once (ERC-721 cannot be told apart) */
    assert_int_equal(log.n, 1);
    assert_non_null(strstr(log.last, "token transfers without the logs"));
    assert_int_equal(rep.files, 5);
    assert_int_equal(rep.blocks_added, 1);
    assert_int_equal(rep.txs_added, 3);
    assert_int_equal(rep.flows_added, 11);
    assert_int_equal(rep.fees_unknown, 1);
    check_store(db);
    /* again: nothing new, the same answers */
    assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
    assert_int_equal(rep.blocks_skipped, 1);
    assert_int_equal(rep.flows_added, 0);
    check_store(db);
    st_rm_rf(dir);
    free(dir);
}

static void test_alloc_failures(void **state) {
    (void)state;
    char *dir = make_export(), db[600];
    snprintf(db, sizeof db, "%s/db", dir);
    int done = 0;
    for (long n = 0; n < 100000 && !done; n += n < 200 ? 1 : 37) {
        bad_log log = {0};
        st_evm_ingest_report rep;
        st_alloc_fail_after(n);
        int rc = ingest_dir(db, dir, &log, &rep);
        st_alloc_fail_after(-1);
        if (rc == ST_OK) done = 1;
        else {
            assert_int_equal(rc, ST_ENOMEM);
            /* nothing committed: no store, or an empty one */
            st_evm *e;
            st_error err;
            if (st_evm_open(&e, db, &err) == ST_OK) {
                st_evm_stats s;
                st_evm_get_stats(e, &s);
                assert_int_equal(s.flows, 0);
                st_evm_close(e);
            }
        }
    }
    assert_true(done);
    check_store(db);
    st_rm_rf(dir);
    free(dir);
}

static void test_bad_rows_and_partial(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[600], path[600];
    /* traces only, one row bad, one header missing a column */
    write_file(dir, "a.csv",
               "block_number,transaction_hash,transaction_index,from_address,to_address,value,trace_type,call_type,"
               "trace_address,error\n"
               "7," H("05") ",0," A("01") "," A("02") ",12,call,call,,\n"
               "7," H("06") ",1," A("01") "," A("0203") ",12,call,call,,\n" /* 21-byte address */
               "7," H("07") ",2," A("01") "," A("03") ",,call,call,,\n");   /* empty value: unknown, moves nothing */
    write_file(dir, "b.csv", "block_number,transaction_hash,from_address\n7," H("05") "," A("01") "\n");
    write_file(dir, "c.csv", "");
    snprintf(db, sizeof db, "%s/db", dir);
    bad_log log = {0};
    st_evm_ingest_report rep;
    assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
    assert_int_equal(rep.bad_rows, 2);
    assert_int_equal(log.n, 2);
    assert_non_null(strstr(log.all, "b.csv:1: the header names no ethereum-etl table"));
    assert_non_null(strstr(log.all, "a.csv:3: to_address"));
    assert_int_equal(rep.txs_added, 2);
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    uint64_t t;
    assert_int_equal(st_evm_find_tx(e, H("06"), &t), 0);
    assert_int_equal(st_evm_find_tx(e, H("05"), &t), 1);
    st_evm_tx x;
    st_evm_get_tx(e, t, &x);
    assert_int_equal(x.status, 1); /* from its top-level trace */
    assert_false(x.fee_known);     /* no receipt: unknown, never zero */
    assert_int_equal(x.nflows, 1);
    st_evm_close(e);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    unlink(path);
    st_rm_rf(dir);
    free(dir);
}


/* EIP-4844: blob gas used x blob gas price is part of the fee, burnt whole.
 * 21000 x 12 + 131072 x 3 = 645216; burnt 21000 x base fee 10 + 393216 =
 * 603216; tip 21000 x (12 - 10) = 42000. */
static void test_blob_fee(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[600];
    write_file(dir, "blocks.csv", "number,miner,base_fee_per_gas\n200," A("99") ",10\n");
    write_file(dir, "transactions.csv",
               "hash,block_number,transaction_index,from_address,to_address,value,gas_price\n" H("20") ",200,0," A("0a")
               "," A("0b") ",0,12\n");
    write_file(dir, "receipts.csv",
               "transaction_hash,block_number,transaction_index,cumulative_gas_used,gas_used,status,"
               "effective_gas_price,blob_gas_used,blob_gas_price\n" H("20") ",200,0,21000,21000,1,12,131072,3\n");
    snprintf(db, sizeof db, "%s/db", dir);
    bad_log log = {0};
    st_evm_ingest_report rep;
    assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    const want_flow w[] = {{A("0a"), "", "603216", "fee", "ETH"}, {A("0a"), A("99"), "42000", "fee", "ETH"}};
    check_tx(e, H("20"), 1, "645216", w, 2);
    st_evm_close(e);
    st_rm_rf(dir);
    free(dir);
}

/* an export past the row limit stops the ingest: nothing committed */
static void test_row_limit(void **state) {
    (void)state;
    char *dir = make_export(), db[600];
    snprintf(db, sizeof db, "%s/db", dir);
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    o.max_rows = 5;
    st_evm_ingest_report rep;
    st_error err;
    const char *paths[] = {dir};
    assert_int_equal(st_evm_ingest(db, paths, 1, &o, &rep, &err), ST_ELIMIT);
    assert_non_null(strstr(err.msg, "block ranges"));
    st_evm *e;
    assert_int_equal(st_evm_open(&e, db, &err), ST_ENOTFOUND);
    o.max_rows = 0;
    assert_int_equal(st_evm_ingest(db, paths, 1, &o, &rep, &err), ST_OK);
    check_store(db);
    /* stopped by the limit after windows were built: their block times go
     * with them, and the next ingest writes the same file as a clean one */
    char ex[600], clean[600], cut[600], f1[700], f2[700];
    snprintf(ex, sizeof ex, "%s/synth", dir);
    snprintf(clean, sizeof clean, "%s/clean", dir);
    snprintf(cut, sizeof cut, "%s/cut", dir);
    st_evm_synth_opts so = {.flows = 60000, .seed = 7};
    assert_int_equal(st_evm_synth(ex, &so, &err), ST_OK);
    const char *sp[] = {ex};
    assert_int_equal(st_evm_ingest(clean, sp, 1, &o, &rep, &err), ST_OK);
    o.max_rows = rep.rows / 2;
    assert_int_equal(st_evm_ingest(cut, sp, 1, &o, &rep, &err), ST_ELIMIT);
    snprintf(f2, sizeof f2, "%s/blocktimes.bin", cut);
    struct stat sb;
    assert_int_equal(stat(f2, &sb), -1); /* there was none before */
    o.max_rows = 0;
    assert_int_equal(st_evm_ingest(cut, sp, 1, &o, &rep, &err), ST_OK);
    snprintf(f1, sizeof f1, "%s/blocktimes.bin", clean);
    char *b1, *b2;
    size_t n1, n2;
    assert_int_equal(st_file_read(f1, (size_t)1 << 30, &b1, &n1, &err), ST_OK);
    assert_int_equal(st_file_read(f2, (size_t)1 << 30, &b2, &n2, &err), ST_OK);
    assert_true(n1 > 0);
    assert_int_equal(n2, n1);
    assert_memory_equal(b1, b2, n1);
    st_free(b1), st_free(b2);
    st_rm_rf(dir);
    free(dir);
}

static void test_interrupted(void **state) {
    (void)state;
    char *dir = make_export(), db[600], path[700];
    snprintf(db, sizeof db, "%s/db", dir);
    bad_log log = {0};
    st_evm_ingest_report rep;
    assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
    /* what a run killed before its manifest leaves: longer columns, stale indexes */
    const char *cols[] = {"flow_from.col", "flow_to.col", "addr.col", "tx_hash.col"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", db, cols[i]);
        FILE *f = fopen(path, "ab");
        assert_non_null(f);
        for (int k = 0; k < 640; k++) fputc(0x5a, f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/addr_hash.idx", db);
    FILE *f = fopen(path, "wb");
    uint64_t junk[4] = {0x3174687665ULL, 999, 4, 7};
    fwrite(junk, 8, 4, f);
    fclose(f);
    check_store(db);
    /* a per-address index whose header matches but whose lists are garbage:
     * answers may be wrong, but no read leaves the mapping */
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    st_evm_close(e);
    snprintf(path, sizeof path, "%s/addr_flows.idx", db);
    f = fopen(path, "wb");
    uint64_t head[3] = {0x3166617665ULL, s.addresses, s.flows};
    fwrite(head, 8, 3, f);
    for (uint64_t i = 0; i < s.addresses + 1 + 5; i++) {
        uint64_t junk_off = i * 0x9e3779b97f4a7c15ULL;
        fwrite(&junk_off, 8, 1, f);
    }
    fclose(f);
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    for (uint64_t a = 0; a < s.addresses; a++) {
        st_evm_summary sum;
        assert_int_equal(st_evm_address_summary(e, a, INT64_MAX, &sum, &err), ST_OK);
        st_free(sum.balances);
    }
    st_evm_close(e);
    st_rm_rf(dir);
    free(dir);
}


/* The same transactions row twice, at two places of a table in chain
 * order: one transaction, its value moved once (in either order). */
static void test_repeated_tx_row(void **state) {
    (void)state;
    static const char head[] =
        "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
        "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n";
    const char *rows[2] = {H("05") ",0,,100,0," A("0a") "," A("0b") ",7,30000,3,0x,0,,,0\n",
                           H("05") ",0,,100,1," A("0a") "," A("0b") ",7,30000,3,0x,0,,,0\n"};
    for (int order = 0; order < 2; order++) {
        char *dir = st_test_tmpdir(), text[1024], db[600];
        snprintf(text, sizeof text, "%s%s%s", head, rows[order], rows[!order]);
        write_file(dir, "transactions.csv", text);
        snprintf(db, sizeof db, "%s/db", dir);
        bad_log log = {0};
        st_evm_ingest_report rep;
        assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
        st_evm *e;
        st_error err;
        assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
        st_evm_stats s;
        st_evm_get_stats(e, &s);
        assert_int_equal(s.transactions, 1);
        assert_int_equal(s.flows, 1);
        st_evm_close(e);
        st_rm_rf(dir);
        free(dir);
    }
}

/* ---- running balances (addr_bal.idx) ---- */

/* Every address's summary at a few blocks, written down to compare. */
static char *summaries(const char *db) {
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    int64_t at[] = {s.first_block, (s.first_block + s.last_block) / 2, s.last_block - 1, s.last_block, INT64_MAX};
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (uint64_t a = 0; a < s.addresses; a++)
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            st_evm_summary sum;
            assert_int_equal(st_evm_address_summary(e, a, at[k], &sum, &err), ST_OK);
            char line[256];
            int w = snprintf(line, sizeof line, "%llu@%lld in %llu out %llu nofee %llu:", (unsigned long long)a,
                             (long long)at[k], (unsigned long long)sum.flows_in, (unsigned long long)sum.flows_out,
                             (unsigned long long)sum.fees_unknown);
            for (size_t b = 0; b < sum.nbalances; b++) {
                char r[ST_U256_TEXT], t[ST_U256_TEXT];
                w += snprintf(line + w, sizeof line - (size_t)w, " %llu+%s-%s", (unsigned long long)sum.balances[b].asset,
                              st_u256_format(&sum.balances[b].received, r), st_u256_format(&sum.balances[b].sent, t));
                if (w >= (int)sizeof line - 100) break;
            }
            st_free(sum.balances);
            while (n + (size_t)w + 2 > cap) {
                cap *= 2;
                out = realloc(out, cap);
                assert_non_null(out);
            }
            memcpy(out + n, line, (size_t)w);
            n += (size_t)w;
            out[n++] = '\n';
        }
    out[n] = 0;
    st_evm_close(e);
    return out;
}

static void bal_path(const char *db, char *path, size_t cap) { snprintf(path, cap, "%s/addr_bal.idx", db); }

/* A synthetic export of `flows` flows (seed) written to dir/sub,
 * continuing the chain of the store at db when it has one, and ingested. */
static void ingest_synth(const char *dir, const char *db, const char *sub, uint64_t seed, uint64_t flows) {
    char ex[600];
    st_error err;
    st_evm_synth_opts so = {.flows = flows, .seed = seed};
    ev_counts c;
    if (ev_manifest_read(db, &c, &err) == ST_OK && c.last_block >= 0) so.first_block = (uint64_t)c.last_block + 1;
    snprintf(ex, sizeof ex, "%s/%s", dir, sub);
    assert_int_equal(st_evm_synth(ex, &so, &err), ST_OK);
    bad_log log = {0};
    st_evm_ingest_report rep;
    assert_int_equal(ingest_dir(db, ex, &log, &rep), ST_OK);
}

/* The answers walking every flow, against those from the checkpoints:
 * the file an ingest writes, one covering only a prefix of the flows, a
 * dense one (a checkpoint every 3 flows from 4 flows on), a stale one
 * (covering more flows than the store) and a damaged one. */
static void test_running_balances(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[600], path[700];
    st_error err;
    snprintf(db, sizeof db, "%s/db", dir);
    ingest_synth(dir, db, "a", 3, 6000);
    bal_path(db, path, sizeof path);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0); /* the exchange and the forwarder have thousands of flows */
    /* a second export continuing the chain: the file is rebuilt (it would be a
     * half behind); a third, small one leaves it covering a prefix */
    ingest_synth(dir, db, "b", 4, 6000);
    ingest_synth(dir, db, "c", 5, 500);
    st_evm *e;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    st_evm_stats s;
    st_evm_get_stats(e, &s);
    ev_cols k;
    ev_store_cols(e, &k);
    ev_bal *b = ev_bal_open(db, &k.c, k.col[EV_COL_FLOW_FROM], k.col[EV_COL_FLOW_TO]); /* its print matches */
    assert_non_null(b);
    assert_true(ev_bal_covered(b) > 0 && ev_bal_covered(b) < s.flows); /* a prefix, the rest walked */
    ev_bal_close(b);
    char *with_file = summaries(db);
    /* dense checkpoints */
    uint64_t *img;
    size_t bytes;
    assert_int_equal(ev_bal_build(&k, 4, 3, &img, &bytes), ST_OK);
    st_evm_close(e);
    assert_int_equal(st_file_write_atomic(path, img, bytes, &err), ST_OK);
    char *dense = summaries(db);
    /* walking only */
    assert_int_equal(unlink(path), 0);
    char *walked = summaries(db);
    assert_string_equal(with_file, walked);
    assert_string_equal(dense, walked);
    /* a file covering flows the store no longer has is not used */
    img[1] = s.flows + 1;
    assert_int_equal(st_file_write_atomic(path, img, bytes, &err), ST_OK);
    char *stale = summaries(db);
    assert_string_equal(stale, walked);
    /* damaged offsets and states: wrong answers may come, never a read out of the file */
    for (size_t i = 5; i < bytes / 8; i++) img[i] = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    img[1] = s.flows;
    assert_int_equal(st_file_write_atomic(path, img, bytes, &err), ST_OK);
    free(summaries(db));
    st_free(img);
    free(with_file), free(dense), free(walked), free(stale);
    st_rm_rf(dir);
    free(dir);
}

/* A rollback (a node's reorganisation) lowers the store to an earlier
 * commit: the running balances over the cut flows must go with them. */
static ev_counts rollback_to;
static int rb_prepare(void *ctx, const char *dir, ev_counts *c, st_error *err) {
    (void)ctx, (void)dir, (void)err;
    *c = rollback_to;
    return ST_OK;
}
static int rb_read(void *ctx, ev_batch *b, st_error *err) {
    (void)ctx, (void)b, (void)err;
    return ST_OK;
}

static void test_balances_rollback(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), db[600];
    st_error err;
    snprintf(db, sizeof db, "%s/db", dir);
    ingest_synth(dir, db, "a", 7, 6000);
    char *before = summaries(db);
    assert_int_equal(ev_manifest_read(db, &rollback_to, &err), ST_OK);
    ingest_synth(dir, db, "b", 8, 9000); /* the file now covers both exports */
    st_evm_ingest_report rep;
    ev_feed feed = {rb_prepare, rb_read, NULL, NULL};
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    assert_int_equal(ev_ingest_feed(db, &feed, &o, &rep, &err), ST_OK);
    char *after = summaries(db);
    assert_string_equal(after, before); /* with the file the commit left */
    char path[700];
    bal_path(db, path, sizeof path);
    unlink(path);
    char *walked = summaries(db);
    assert_string_equal(walked, before);
    free(before), free(after), free(walked);
    st_rm_rf(dir);
    free(dir);
}

/* WETH: Deposit mints to its dst, Withdrawal burns from its src (topic 0 is
 * keccak256 of the event signature, computed here); the same events from
 * another contract are not value flows. */
#define WETH "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
static void topic0(const char *sig, char out[67]) {
    unsigned char h[32];
    st_keccak256(sig, strlen(sig), h);
    out[0] = '0', out[1] = 'x';
    for (int i = 0; i < 32; i++) snprintf(out + 2 + 2 * i, 3, "%02x", h[i]);
}

/* Amounts of 2^128 - 1 and more are kept whole beside the 16-byte amount
 * columns: token transfers of 2^255, 2^128, 2^128 - 1 (the marker value
 * itself) and 2^128 - 2 (the largest kept in the column), a transaction
 * value of 2^130 and a fee past 2^128 (so both fee flows too), over two
 * ingests; every amount and sum read back exactly, the store reopened,
 * and a wide column out of order refused. */
#define P255 "57896044618658097711785492504343953926634992332820282019728792003956564819968"
#define P128 "340282366920938463463374607431768211456"
#define P128M1 "340282366920938463463374607431768211455"
#define P128M2 "340282366920938463463374607431768211454"
#define P130 "1361129467683753853853498429727072845824"
#define P120 "1329227995784915872903807060280344576"
static void test_wide_amounts(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), *two = st_test_tmpdir(), db[600]; /* two apart: a folder is read whole */
    snprintf(db, sizeof db, "%s/db", dir);
    write_file(dir, "transactions.csv",
               "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,"
               "input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
               H("01") ",0,,100,0," A("0a") "," A("0b") "," P130 ",30000," P120 ",0x,0,,,0\n"
               H("02") ",0,,100,1," A("0a") "," A("0b") ",0,30000,3,0x,0,,,0\n");
    write_file(dir, "receipts.csv",
               "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,"
               "contract_address,root,status,effective_gas_price,l1_fee,l1_gas_used,l1_gas_price,l1_fee_scalar\n"
               H("01") ",0,,100,0,21000,,,1," P120 ",,,,\n" H("02") ",1,,100,0,21000,,,1,3,,,,\n");
    write_file(dir, "blocks.csv", "number,miner,base_fee_per_gas\n100," A("99") ",1\n");
    write_file(dir, "token_transfers.csv",
               "token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n"
               A("77") "," A("0a") "," A("0c") "," P255 "," H("02") ",1,100\n"
               A("77") "," A("0a") "," A("0c") "," P128 "," H("02") ",2,100\n"
               A("77") "," A("0a") "," A("0c") "," P128M1 "," H("02") ",3,100\n"
               A("77") "," A("0a") "," A("0c") "," P128M2 "," H("02") ",4,100\n");
    write_file(two, "token_transfers.csv",
               "token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n"
               A("77") "," A("0c") "," A("0a") "," P255 "," H("03") ",1,101\n");
    write_file(two, "transactions.csv",
               "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,"
               "input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
               H("03") ",0,,101,0," A("0c") "," A("77") ",5,30000,3,0x,0,,,0\n");
    write_file(two, "blocks.csv", "number,miner,base_fee_per_gas\n101," A("99") ",1\n");
    write_file(two, "receipts.csv",
               "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,"
               "contract_address,root,status,effective_gas_price,l1_fee,l1_gas_used,l1_gas_price,l1_fee_scalar\n"
               H("03") ",0,,101,0,21000,,,1,3,,,,\n");
    bad_log log = {0};
    st_evm_ingest_report rep;
    assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
    assert_int_equal(ingest_dir(db, two, &log, &rep), ST_OK);
    assert_int_equal(log.n, 2); /* each ingest: token_transfers without logs, said once */
    assert_non_null(strstr(log.all, "token transfers without the logs"));
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    /* fee 21000 x 2^120: 21000 burnt (base fee 1), the rest to the miner */
    const want_flow t1[] = {{A("0a"), "", "21000", "fee", "ETH"},
                            {A("0a"), A("99"), "27913787911483233330979948265887236075000", "fee", "ETH"},
                            {A("0a"), A("0b"), P130, "native", "ETH"}};
    check_tx(e, H("01"), 1, "27913787911483233330979948265887236096000", t1, 3);
    uint64_t t;
    st_evm_tx x;
    assert_int_equal(st_evm_find_tx(e, H("01"), &t), 1);
    st_evm_get_tx(e, t, &x);
    assert_dec(&x.value, P130);
    const want_flow t2[] = {{A("0a"), "", "21000", "fee", "ETH"},       {A("0a"), A("99"), "42000", "fee", "ETH"},
                            {A("0a"), A("0c"), P255, "token", A("77")},   {A("0a"), A("0c"), P128, "token", A("77")},
                            {A("0a"), A("0c"), P128M1, "token", A("77")}, {A("0a"), A("0c"), P128M2, "token", A("77")}};
    check_tx(e, H("02"), 1, "63000", t2, 6);
    const want_flow t3[] = {{A("0c"), "", "21000", "fee", "ETH"}, {A("0c"), A("99"), "42000", "fee", "ETH"},
                            {A("0c"), A("77"), "5", "native", "ETH"}, {A("0c"), A("0a"), P255, "token", A("77")}};
    check_tx(e, H("03"), 1, "63000", t3, 4);
    /* 0x..0c received 2^255 + 2^128 + (2^128 - 1) + (2^128 - 2) tokens and sent 2^255 back */
    st_evm_summary sum;
    assert_int_equal(st_evm_address_summary(e, addr_in(e, A("0c")), INT64_MAX, &sum, &err), ST_OK);
    assert_int_equal(sum.nbalances, 2);
    size_t k = sum.balances[0].asset ? 0 : 1; /* the token's */
    assert_int_not_equal(sum.balances[k].asset, 0);
    assert_dec(&sum.balances[k].received, "57896044618658097711785492504343953927655839433583097410118915826251869454333");
    assert_dec(&sum.balances[k].sent, P255);
    assert_dec(&sum.balances[k].net, "1020847100762815390390123822295304634365");
    assert_false(sum.balances[k].negative);
    st_free(sum.balances);
    st_evm_close(e);
    /* a wide column out of id order is a damaged store */
    char path[700];
    snprintf(path, sizeof path, "%s/flow_amount_wide.col", db);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    uint64_t big = UINT64_MAX - 1;
    assert_int_equal(fwrite(&big, 8, 1, f), 1);
    fclose(f);
    assert_int_equal(st_evm_open(&e, db, &err), ST_ECORRUPT);
    assert_non_null(strstr(err.msg, "flow_amount_wide.col"));
    /* a store of the 32-byte format is refused by name */
    snprintf(path, sizeof path, "%s/manifest.json", db);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"version\": 1, \"blocks\": 1}", f);
    fclose(f);
    assert_int_equal(st_evm_open(&e, db, &err), ST_ECORRUPT);
    assert_non_null(strstr(err.msg, "earlier sanctrace"));
    st_rm_rf(dir), st_rm_rf(two);
    free(dir), free(two);
}

/* Withdrawals fields in the forms ethereum-etl writes and in forms it does
 * not (brackets, blanks, trailing commas, a missing comma, a repeated key,
 * amounts as text, negative, fractional, with a leading zero or past 64
 * bits, escapes, non-ASCII text, nesting, empty lists and objects, stray
 * bytes): read without the JSON tree where they are plain, they give the
 * rows and bad rows the JSON reader gives. */
static const char wd_forms_csv[] =
    "number,miner,base_fee_per_gas,timestamp,withdrawals\n"
    "100,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"index\"\":1,\"\"validator_index\"\":2,\"\"address\"\":\"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\",\"\"amount\"\":45762059},{\"\"index\"\":2,\"\"validator_index\"\":3,\"\"address\"\":\"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\",\"\"amount\"\":7}\"\n"
    "101,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"[{\"\"index\"\": 1, \"\"validator_index\"\": 2, \"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 45762059}]\"\n"
    "102,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\" [{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1}]\"\n"
    "103,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"[{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1},]\"\n"
    "104,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1,}\"\n"
    "105,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\" \"\"amount\"\": 1}\"\n"
    "106,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1, \"\"amount\"\": 2}\"\n"
    "107,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": \"\"123456789012345678901234567890\"\"}\"\n"
    "108,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": -1}\"\n"
    "109,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1.5}\"\n"
    "110,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 01}\"\n"
    "111,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 99999999999999999999}\"\n"
    "112,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0x\\u00629d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1}\"\n"
    "113,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1, \"\"note\"\": \"\"cafÃ©\"\"}\"\n"
    "114,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1, \"\"x\"\": {\"\"y\"\": 1}}\"\n"
    "115,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"[]\"\n"
    "116,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{}\"\n"
    "117,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"amount\"\": 5}\"\n"
    "118,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": 5, \"\"amount\"\": 5}\"\n"
    "119,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1}]\"\n"
    "120,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1} trailing\"\n"
    "121,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f\"\", \"\"amount\"\": 1, \"\"index\"\": true}\"\n"
    "122,0xb9d7934878b5fb9610b3fe8a5e441e8fad7e293f,7,1681000000,\"{\"\"address\"\": \"\"0xzz\"\", \"\"amount\"\": 1}\"\n";

static void test_withdrawals_forms(void **state) {
    (void)state;
    ev_batch a, j;
    st_error err;
    memset(&a, 0, sizeof a), memset(&j, 0, sizeof j);
    assert_int_equal(ev_read_buffer(&a, wd_forms_csv, strlen(wd_forms_csv), "blocks.csv", &err), ST_OK);
    ev_withdrawals_fast(0);
    assert_int_equal(ev_read_buffer(&j, wd_forms_csv, strlen(wd_forms_csv), "blocks.csv", &err), ST_OK);
    ev_withdrawals_fast(1);
    assert_int_equal(a.rows, j.rows);
    assert_int_equal(a.bad_rows, j.bad_rows);
    assert_true(a.bad_rows >= 10 && a.wd.n >= 5);
    assert_int_equal(a.blocks.n, j.blocks.n);
    assert_memory_equal(a.blocks.v, j.blocks.v, a.blocks.n * sizeof *a.blocks.v);
    assert_int_equal(a.wd.n, j.wd.n);
    assert_memory_equal(a.wd.v, j.wd.v, a.wd.n * sizeof *a.wd.v);
    ev_batch_free(&a), ev_batch_free(&j);
}

static void test_weth(void **state) {
    (void)state;
    char dep[67], wd[67], tr[67], text[4096];
    topic0("Deposit(address,uint256)", dep);
    topic0("Withdrawal(address,uint256)", wd);
    topic0("Transfer(address,address,uint256)", tr);
    assert_string_equal(tr, "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    const char *pad = "0x000000000000000000000000";
    snprintf(text, sizeof text,
             "log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n"
             /* tx 0a: 0x..0b deposits 0x10 wei; tx 0b: 0x..0b withdraws 0x04; tx 0c: a look-alike contract */
             "0," H("0a") ",0,,9," WETH ",0x%064x,\"%s,%s%s\"\n"
             "1," H("0b") ",1,,9," WETH ",0x%064x,\"%s,%s%s\"\n"
             "2," H("0c") ",2,,9," A("66") ",0x%064x,\"%s,%s%s\"\n",
             16, dep, pad, A("0b") + 2, 4, wd, pad, A("0b") + 2, 99, dep, pad, A("0b") + 2);
    char *dir = st_test_tmpdir(), db[600];
    write_file(dir, "logs.csv", text);
    snprintf(db, sizeof db, "%s/db", dir);
    bad_log log = {0};
    st_evm_ingest_report rep;
    assert_int_equal(ingest_dir(db, dir, &log, &rep), ST_OK);
    assert_int_equal(log.n, 0);
    assert_int_equal(rep.flows_added, 2);
    st_evm *e;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    const want_flow mint[] = {{"", A("0b"), "16", "token", WETH}};
    check_tx(e, H("0a"), -1, NULL, mint, 1);
    const want_flow burn[] = {{A("0b"), "", "4", "token", WETH}};
    check_tx(e, H("0b"), -1, NULL, burn, 1);
    uint64_t t;
    assert_int_equal(st_evm_find_tx(e, H("0c"), &t), 0); /* not a value flow: nothing to keep */
    st_evm_close(e);
    st_rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u256),
        cmocka_unit_test(test_addr),
        cmocka_unit_test(test_flow_rules),
        cmocka_unit_test(test_bad_rows_and_partial),
        cmocka_unit_test(test_interrupted),
        cmocka_unit_test(test_weth),
        cmocka_unit_test(test_withdrawals_forms),
        cmocka_unit_test(test_wide_amounts),
        cmocka_unit_test(test_repeated_tx_row),
        cmocka_unit_test(test_running_balances),
        cmocka_unit_test(test_balances_rollback),
        cmocka_unit_test(test_row_limit),
        cmocka_unit_test(test_blob_fee),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
