/* test_xtrace.c - taint on Ethereum accounts and across chains, on small
 * ethereum-etl exports written here and ingested into a real store.  Every
 * expected figure is worked out by hand in the comments, per model. */
#include "testutil.h"

#include <jansson.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "evm/evm_int.h"
#include "sanctrace/io.h"
#include "sanctrace/chain.h"
#include "sanctrace/evm.h"
#include "sanctrace/trace.h"
#include "sanctrace/wallet.h"
#include "sanctrace/xtrace.h"

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

static void ingest(const char *db, const char *dir) {
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    st_evm_ingest_report rep;
    st_error err;
    st_error_clear(&err);
    const char *paths[] = {dir};
    assert_int_equal(st_evm_ingest(db, paths, 1, &o, &rep, &err), ST_OK);
    assert_int_equal(rep.bad_rows, 0);
}

typedef struct fixture {
    char *dir;
    char db[600];
    st_evm *e;
    st_evm_events *ev;
    st_tagset *ts;
} fixture;

/* ---- mixed deposits, a partial spend, fees, a reverted call ----------
 *
 * V 0a is the victim, M 0b the thief's collector, C 0c and D 0d clean
 * senders, N 0e, X 0f an exchange (tagged), P 10; the miner 99.  No traces:
 * each transaction moves its value (unless it failed) and its fee
 * gas_used x price, which runs last.
 *   block  9 tx 09: C -> M 50            fee 2 (C's)
 *   block 10 tx 01: V -> M 100 (source)  fee 2 (V's, not taint)
 *   block 11 tx 02: D -> M 30            fee 2 (D's)
 *   block 12 tx 03: M -> N 120           fee 6 (M's)
 *   block 13 tx 04: M -> N 40 REVERTED   fee 6 (M's, the value does not move)
 *   block 14 tx 05: N -> X 70            fee 2 (N's)
 *   block 15 tx 06: N -> P 60            fee 2 (N's; N holds 48: overdraw)
 */
static const char txs_csv[] =
    "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
    "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
    H("09") ",0,,9,0," A("0c") "," A("0b") ",50,21000,2,0x,0,,,0\n"
    H("01") ",0,,10,0," A("0a") "," A("0b") ",100,21000,2,0x,0,,,0\n"
    H("02") ",0,,11,0," A("0d") "," A("0b") ",30,21000,2,0x,0,,,0\n"
    H("03") ",0,,12,0," A("0b") "," A("0e") ",120,21000,2,0x,0,,,0\n"
    H("04") ",0,,13,0," A("0b") "," A("0e") ",40,21000,2,0x,0,,,0\n"
    H("05") ",0,,14,0," A("0e") "," A("0f") ",70,21000,2,0x,0,,,0\n"
    H("06") ",0,,15,0," A("0e") "," A("10") ",60,21000,2,0x,0,,,0\n";

static const char receipts_csv[] =
    "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,contract_address,root,"
    "status,effective_gas_price\n"
    H("09") ",0,,9,1,1,,,1,2\n" H("01") ",0,,10,1,1,,,1,2\n" H("02") ",0,,11,1,1,,,1,2\n"
    H("03") ",0,,12,3,3,,,1,2\n" H("04") ",0,,13,3,3,,,0,2\n" H("05") ",0,,14,1,1,,,1,2\n"
    H("06") ",0,,15,1,1,,,1,2\n";

/* block B at 1600000000 + 100 B seconds */
static const char blocks_csv[] = "number,miner,timestamp\n9," A("99") ",1600000900\n10," A("99") ",1600001000\n11," A("99")
                                 ",1600001100\n12," A("99") ",1600001200\n13," A("99") ",1600001300\n14," A("99")
                                 ",1600001400\n15," A("99") ",1600001500\n";



static void setup_mixed(fixture *fx) {
    memset(fx, 0, sizeof *fx);
    fx->dir = st_test_tmpdir();
    char ex[600];
    snprintf(ex, sizeof ex, "%s/export", fx->dir);
    assert_int_equal(st_mkdir_p(ex, NULL), ST_OK);
    write_file(ex, "transactions.csv", txs_csv);
    write_file(ex, "receipts.csv", receipts_csv);
    write_file(ex, "blocks.csv", blocks_csv);
    snprintf(fx->db, sizeof fx->db, "%s/db", fx->dir);
    ingest(fx->db, ex);
    st_error err;
    assert_int_equal(st_evm_open(&fx->e, fx->db, &err), ST_OK);
    assert_int_equal(st_evm_events_open(&fx->ev, fx->e, fx->db, &err), ST_OK);
    assert_int_equal(st_evm_events_block_time(fx->ev, 14), 1600001400);
    assert_int_equal(st_evm_events_block_time(fx->ev, 16), -1);
    assert_int_equal(st_tagset_new(&fx->ts), ST_OK);
    st_tag t;
    memset(&t, 0, sizeof t);
    t.address = A("0f");
    t.label = "Exchange X";
    t.category = "exchange";
    t.raw_category = t.abuse = t.source = t.currency = t.actor = t.confidence = t.lastmod = t.pack = "";
    t.valid_from = INT64_MIN;
    t.valid_to = INT64_MAX;
    assert_int_equal(st_tagset_add(fx->ts, &t), ST_OK);
}

static void teardown(fixture *fx) {
    st_evm_events_close(fx->ev);
    st_tagset_free(fx->ts);
    st_evm_close(fx->e);
    st_rm_rf(fx->dir);
    free(fx->dir);
}

static json_t *run(fixture *fx, const char *from, st_taint_model m) {
    st_xtrace_opts o;
    memset(&o, 0, sizeof o);
    o.model = m;
    o.until_block = o.until_height = -1;
    o.tags = fx->ts;
    o.events = fx->ev;
    st_xtrace *x;
    st_error err;
    st_error_clear(&err);
    const char *src[] = {from};
    int rc = st_xtrace_run(fx->e, NULL, src, 1, &o, &x, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, ST_OK);
    json_t *j;
    assert_int_equal(st_xtrace_json(x, 1000, &j), ST_OK);
    st_xtrace_free(x);
    return j;
}

static const char *tot(json_t *j, const char *asset, const char *field) {
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(j, "totals"), i, t) {
        if (!strcmp(json_string_value(json_object_get(t, "asset")), asset))
            return json_string_value(json_object_get(t, field));
    }
    return "absent";
}

/* tainted amount the frontier lists for addr, "0" when absent */
static const char *front(json_t *j, const char *addr) {
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(j, "frontier"), i, t) {
        if (!strcmp(json_string_value(json_object_get(t, "address")), addr))
            return json_string_value(json_object_get(t, "tainted"));
    }
    return "0";
}

static const char *service(json_t *j, const char *label) {
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(j, "services"), i, t) {
        if (!strcmp(json_string_value(json_object_get(t, "label")), label))
            return json_string_value(json_object_get(t, "amount"));
    }
    return "0";
}

/* ---- a swap and a THORChain deposit ------------------------------------
 *
 * M 0b gets 100 tainted (tx 01, from V 0a) and 100 clean (tx 11, from D
 * 0d).  tx 12: M pays pool P 50 80 wei and P pays M 4000 of token T 77
 * (P emits Uniswap V2's Swap); M's fee 2.  tx 13: M sends 1000 T to N 0e.
 * tx 14: M deposits 50 wei into THORChain's router R 60 (Deposit event,
 * memo =:BTC.BTC:bcrt1q...), fee 2.  tx 15: M deposits 10 into R with a
 * malformed memo.  tx 16: THORChain refunds 40 of tx 14 to M (the vault 61
 * pays, R emits TransferOut with REFUND:<tx 14>); the vault pays the fee. */
#define THOR_OUT "0xa9cd03aa3c1b4515114539cd53d22085129d495cb9e9f9af77864526240f1bf7"
#define PAD "000000000000000000000000"
#define SWAP_V2 "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"
#define TRANSFER "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
#define THOR_DEP "0xef519b7eb82aaf6ac376a6df2d793843ebfd593de5f1a0601d3cc6ab49ebb395"
#define W(x) "00000000000000000000000000000000000000000000000000000000000000" x

static const char swap_txs[] =
    "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
    "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
    H("01") ",0,,10,0," A("0a") "," A("0b") ",100,21000,2,0x,0,,,0\n"
    H("11") ",0,,11,0," A("0d") "," A("0b") ",100,21000,2,0x,0,,,0\n"
    H("12") ",0,,12,0," A("0b") "," A("50") ",80,21000,2,0x,0,,,0\n"
    H("13") ",0,,13,0," A("0b") "," A("77") ",0,21000,2,0x,0,,,0\n"
    H("14") ",0,,14,0," A("0b") "," A("60") ",50,21000,2,0x,0,,,0\n"
    H("15") ",0,,15,0," A("0b") "," A("60") ",10,21000,2,0x,0,,,0\n"
    H("16") ",0,,16,0," A("61") "," A("0b") ",40,21000,2,0x,0,,,0\n";

static const char swap_receipts[] =
    "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,contract_address,root,"
    "status,effective_gas_price\n"
    H("01") ",0,,10,1,1,,,1,2\n" H("11") ",0,,11,1,1,,,1,2\n" H("12") ",0,,12,1,1,,,1,2\n"
    H("13") ",0,,13,1,1,,,1,2\n" H("14") ",0,,14,1,1,,,1,2\n" H("15") ",0,,15,1,1,,,1,2\n"
    H("16") ",0,,16,1,1,,,1,2\n";

/* a 32-byte ABI word of v, as 64 hex digits */
static void word(char *out, uint64_t v) { snprintf(out, 65, "%064llx", (unsigned long long)v); }

/* one logs row: the emitter, topic0 and two address topics, data words */
static void log_row(char *buf, size_t cap, unsigned idx, const char *tx, unsigned block, const char *emitter,
                    const char *topic0, const char *t1, const char *t2, const char *data) {
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "%u,%s,0,,%u,%s,0x%s,\"%s,0x" PAD "%s,0x" PAD "%s\"\n", idx, tx, block, emitter, data,
             topic0, t1 + 2, t2 + 2);
}

/* ABI data of (amount, memo) whose memo's length word is at byte off of
 * the whole data: Deposit's 64, TransferOut's 96 (its asset word first) */
static void abi_amount_memo(char *out, uint64_t amount, const char *memo, unsigned off) {
    char w[65];
    word(w, amount);
    strcpy(out, w);
    word(w, off);
    strcat(out, w);
    word(w, strlen(memo));
    strcat(out, w);
    size_t n = strlen(out);
    for (size_t i = 0; memo[i]; i++) n += (size_t)sprintf(out + n, "%02x", (unsigned char)memo[i]);
    while ((n - 192) % 64) out[n++] = '0';
    out[n] = 0;
}

static void write_swap_logs(const char *dir) {
    char buf[8192] = "log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n";
    char d[1024], w[65];
    word(d, 4000); /* P -> M 4000 T */
    log_row(buf, sizeof buf, 0, H("12"), 12, A("77"), TRANSFER, A("50"), A("0b"), d);
    d[0] = 0; /* Swap(sender, amount0In 80, amount1In 0, amount0Out 0, amount1Out 4000, to) */
    word(w, 80), strcat(d, w), word(w, 0), strcat(d, w), strcat(d, w), word(w, 4000), strcat(d, w);
    log_row(buf, sizeof buf, 1, H("12"), 12, A("50"), SWAP_V2, A("0b"), A("0b"), d);
    word(d, 1000); /* M -> N 1000 T */
    log_row(buf, sizeof buf, 0, H("13"), 13, A("77"), TRANSFER, A("0b"), A("0e"), d);
    abi_amount_memo(d, 50, "=:BTC.BTC:bcrt1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", 64);
    log_row(buf, sizeof buf, 0, H("14"), 14, A("60"), THOR_DEP, A("61"), "0x0000000000000000000000000000000000000000", d);
    abi_amount_memo(d, 10, "junk!", 64);
    log_row(buf, sizeof buf, 0, H("15"), 15, A("60"), THOR_DEP, A("61"), "0x0000000000000000000000000000000000000000", d);
    word(d, 0); /* TransferOut data: asset (ether), then amount and memo as Deposit's */
    abi_amount_memo(d + 64, 40, "REFUND:" H("14"), 96);
    log_row(buf, sizeof buf, 0, H("16"), 16, A("60"), THOR_OUT, A("61"), A("0b"), d);
    write_file(dir, "logs.csv", buf);
}

static void setup_swap(fixture *fx) {
    memset(fx, 0, sizeof *fx);
    fx->dir = st_test_tmpdir();
    char ex[600];
    snprintf(ex, sizeof ex, "%s/export", fx->dir);
    assert_int_equal(st_mkdir_p(ex, NULL), ST_OK);
    write_file(ex, "transactions.csv", swap_txs);
    write_file(ex, "receipts.csv", swap_receipts);
    write_swap_logs(ex);
    snprintf(fx->db, sizeof fx->db, "%s/db", fx->dir);
    ingest(fx->db, ex);
    st_error err;
    assert_int_equal(st_evm_open(&fx->e, fx->db, &err), ST_OK);
    assert_int_equal(st_evm_events_open(&fx->ev, fx->e, fx->db, &err), ST_OK);
    assert_int_equal(st_evm_events_count(fx->ev), 4);
    assert_int_equal(st_tagset_new(&fx->ts), ST_OK);
}

static void test_mixed_haircut(void **state) {
    (void)state;
    fixture fx;
    setup_mixed(&fx);
    /* M holds 50 clean + 100 tainted + 30 clean = 180, taint 100.
     * tx03: 120 takes floor(120*100/180) = 66 to N; M 60/34; fee 6 takes
     *   floor(6*34/60) = 3; M 54/31.
     * tx04 (reverted): fee 6 takes floor(6*31/54) = 3; M 48/28.
     * tx05: N 120/66 sends 70: floor(70*66/120) = 38 to the exchange
     *   (stopped); N 50/28; fee 2: floor(2*28/50) = 1; N 48/27.
     * tx06: N sends 60 > 48: all its 27 to P, 12 of unknown origin; its
     *   fee 2 finds nothing: 2 more unknown.
     * frontier M 28 + P 27 = 55; fees 3+3+1 = 7; 100 = 55 + 7 + 38. */
    json_t *j = run(&fx, H("01"), ST_TAINT_HAIRCUT);
    assert_string_equal(tot(j, "ETH", "source"), "100");
    assert_string_equal(tot(j, "ETH", "frontier"), "55");
    assert_string_equal(tot(j, "ETH", "fees"), "7");
    assert_string_equal(tot(j, "ETH", "stopped"), "38");
    assert_string_equal(tot(j, "ETH", "unknown_origin"), "14");
    assert_string_equal(front(j, A("0b")), "28");
    assert_string_equal(front(j, A("10")), "27");
    assert_string_equal(front(j, A("0e")), "0");
    assert_string_equal(service(j, "Exchange X"), "38");
    assert_true(json_is_true(json_object_get(j, "conserved")));
    json_decref(j);
    teardown(&fx);
}

static void test_mixed_fifo(void **state) {
    (void)state;
    fixture fx;
    setup_mixed(&fx);
    /* M's queue: [50 clean, 100 tainted, 30 clean].
     * tx03: 120 = 50 clean + 70 tainted to N; M [30t, 30c]; fee 6: 6 tainted.
     * tx04: fee 6: 6 tainted; M [18t, 30c].
     * tx05: N [50c, 70t] sends 70 = 50c + 20t to the exchange; N [50t];
     *   fee 2 tainted; N [48t].
     * tx06: N sends 60 = 48t + 12 unknown to P; fee 2 unknown.
     * frontier M 18 + P 48 = 66; fees 6+6+2 = 14; stopped 20; 66+14+20 = 100. */
    json_t *j = run(&fx, H("01"), ST_TAINT_FIFO);
    assert_string_equal(tot(j, "ETH", "source"), "100");
    assert_string_equal(tot(j, "ETH", "frontier"), "66");
    assert_string_equal(tot(j, "ETH", "fees"), "14");
    assert_string_equal(tot(j, "ETH", "stopped"), "20");
    assert_string_equal(tot(j, "ETH", "unknown_origin"), "14");
    assert_string_equal(front(j, A("0b")), "18");
    assert_string_equal(front(j, A("10")), "48");
    assert_true(json_is_true(json_object_get(j, "conserved")));
    json_decref(j);
    teardown(&fx);
}

static void test_mixed_poison(void **state) {
    (void)state;
    fixture fx;
    setup_mixed(&fx);
    /* M is poisoned from tx01 on: all it sends is tainted.
     * tx03: 120 to N, fee 6; tx04: fee 6; tx05: N sends 70 to the exchange,
     * fee 2; tx06: 60 to P, fee 2.  fees 16, stopped 70; frontier M holds
     * 180-120-6-6 = 48, P 60, N nothing. */
    json_t *j = run(&fx, H("01"), ST_TAINT_POISON);
    assert_string_equal(tot(j, "ETH", "fees"), "16");
    assert_string_equal(tot(j, "ETH", "stopped"), "70");
    assert_string_equal(front(j, A("0b")), "48");
    assert_string_equal(front(j, A("10")), "60");
    assert_true(json_is_null(json_object_get(j, "conserved")));
    json_decref(j);
    teardown(&fx);
}

static void test_address_at_block(void **state) {
    (void)state;
    fixture fx;
    setup_mixed(&fx);
    /* M's balance after block 10 is 150, all tainted; then 30 clean.
     * haircut: tx03 floor(120*150/180) = 100 to N, M 60/50; fee floor(6*50/60)
     * = 5, M 54/45; tx04 fee floor(6*45/54) = 5, M 48/40; tx05 N 120/100
     * sends 70: floor(70*100/120) = 58 stopped, N 50/42; fee floor(2*42/50)
     * = 1, N 48/41; tx06 all 41 to P.  150 = (40 + 41) + 11 + 58. */
    json_t *j = run(&fx, A("0b") "@10", ST_TAINT_HAIRCUT);
    assert_string_equal(tot(j, "ETH", "source"), "150");
    assert_string_equal(tot(j, "ETH", "frontier"), "81");
    assert_string_equal(tot(j, "ETH", "fees"), "11");
    assert_string_equal(tot(j, "ETH", "stopped"), "58");
    assert_string_equal(front(j, A("0b")), "40");
    assert_string_equal(front(j, A("10")), "41");
    assert_true(json_is_true(json_object_get(j, "conserved")));
    json_decref(j);
    teardown(&fx);
}

static void test_bad_sources(void **state) {
    (void)state;
    fixture fx;
    setup_mixed(&fx);
    st_xtrace_opts o;
    memset(&o, 0, sizeof o);
    o.model = ST_TAINT_FIFO;
    o.until_block = o.until_height = -1;
    st_xtrace *x = NULL;
    st_error err;
    const char *unknown_tx[] = {H("77")};
    assert_int_equal(st_xtrace_run(fx.e, NULL, unknown_tx, 1, &o, &x, &err), ST_ENOTFOUND);
    assert_non_null(strstr(err.msg, "unknown transaction"));
    const char *unknown_addr[] = {A("55") "@3"};
    assert_int_equal(st_xtrace_run(fx.e, NULL, unknown_addr, 1, &o, &x, &err), ST_ENOTFOUND);
    assert_non_null(strstr(err.msg, "unknown address"));
    const char *junk[] = {"0x12zz"};
    assert_int_equal(st_xtrace_run(fx.e, NULL, junk, 1, &o, &x, &err), ST_EINVAL);
    const char *notag[] = {"Nobody"};
    assert_int_equal(st_xtrace_run(fx.e, NULL, notag, 1, &o, &x, &err), ST_ENOTFOUND);
    assert_null(x);
    teardown(&fx);
}

static json_t *bridge0(json_t *j, size_t i) { return json_array_get(json_object_get(j, "bridges"), i); }

static void test_swap_bridge_haircut(void **state) {
    (void)state;
    fixture fx;
    setup_swap(&fx);
    /* M: 200 wei, 100 tainted.  tx12: 80 into the pool takes
     * floor(80*100/200) = 40 (ETH out 40); the pool pays 4000 T carrying
     * 40/80: 2000 (T in 2000); fee 2 of M's 120/60: 1; M 118/59.
     * tx13: 1000 T of M's 4000/2000: 500 to N; fee floor(2*59/118) = 1, M 116/58.
     * tx14: 50 into the router: floor(50*58/116) = 25 out through the bridge;
     * M 66/33; fee floor(2*33/66) = 1; M 64/32.
     * tx15: 10 into the router: floor(10*32/64) = 5 out (malformed memo);
     * M 54/27; fee floor(2*27/54) = 1; M 52/26.
     * tx16: the refund of tx 14 pays 40 of its 50, tainted floor(40*25/50) = 20
     * (ETH in 20); M 92/46.
     * ETH: 100 + 20 = frontier 46 + fees 4 + out 40+25+5.  T: in 2000 = 1500 + 500. */
    json_t *j = run(&fx, H("01"), ST_TAINT_HAIRCUT);
    assert_string_equal(tot(j, "ETH", "source"), "100");
    assert_string_equal(tot(j, "ETH", "in"), "20");
    assert_string_equal(tot(j, "ETH", "frontier"), "46");
    assert_string_equal(tot(j, "ETH", "fees"), "4");
    assert_string_equal(tot(j, "ETH", "out"), "70");
    assert_string_equal(tot(j, A("77"), "in"), "2000");
    assert_string_equal(tot(j, A("77"), "frontier"), "2000");
    assert_string_equal(front(j, A("0e")), "500");
    assert_string_equal(front(j, A("50")), "0"); /* the pool holds nothing */
    assert_true(json_is_true(json_object_get(j, "conserved")));
    json_t *sw = json_array_get(json_object_get(j, "swaps"), 0);
    assert_string_equal(json_string_value(json_object_get(sw, "tainted_in")), "40");
    assert_string_equal(json_string_value(json_object_get(sw, "tainted_out")), "2000");
    assert_int_equal(json_array_size(json_object_get(j, "bridges")), 2);
    json_t *b = bridge0(j, 0);
    assert_string_equal(json_string_value(json_object_get(b, "protocol")), "thorchain");
    assert_string_equal(json_string_value(json_object_get(b, "in_tx")), H("14"));
    assert_string_equal(json_string_value(json_object_get(b, "memo")),
                        "=:BTC.BTC:bcrt1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh");
    assert_string_equal(json_string_value(json_object_get(b, "amount_in")), "50");
    assert_string_equal(json_string_value(json_object_get(b, "tainted_in")), "25");
    assert_string_equal(json_string_value(json_object_get(b, "note")), "refund");
    assert_string_equal(json_string_value(json_object_get(b, "out_chain")), "ethereum");
    assert_string_equal(json_string_value(json_object_get(b, "out_tx")), H("16"));
    assert_string_equal(json_string_value(json_object_get(b, "amount_out")), "40");
    assert_string_equal(json_string_value(json_object_get(b, "tainted_out")), "20");
    assert_non_null(strstr(json_string_value(json_object_get(bridge0(j, 1), "note")), "malformed memo"));
    json_decref(j);
    teardown(&fx);
}

static void test_swap_bridge_fifo(void **state) {
    (void)state;
    fixture fx;
    setup_swap(&fx);
    /* M's queue [100t, 100c].  tx12: 80 tainted into the pool: all 4000 T
     * tainted; fee 2 tainted; M [18t, 100c].  tx13: 1000 T to N, tainted;
     * fee 2 tainted, M [16t, 100c].  tx14: 50 = 16t + 34c: 16 out; fee 2
     * clean; tx15: 10 clean, fee clean.  tx16: the refund pays 40 of 50, of
     * which floor(40*16/50) = 12 tainted (the first 12: M's queue ends [.., 12t, 28c]).
     * ETH: 100 + 12 = frontier 12 + fees 4 + out 80+16.  T: 4000 = 3000 + 1000. */
    json_t *j = run(&fx, H("01"), ST_TAINT_FIFO);
    assert_string_equal(tot(j, "ETH", "frontier"), "12");
    assert_string_equal(tot(j, "ETH", "in"), "12");
    assert_string_equal(tot(j, "ETH", "fees"), "4");
    assert_string_equal(tot(j, "ETH", "out"), "96");
    assert_string_equal(tot(j, A("77"), "in"), "4000");
    assert_string_equal(front(j, A("0e")), "1000");
    assert_string_equal(front(j, A("0b")), "3000");
    assert_int_equal(json_array_size(json_object_get(j, "bridges")), 1); /* tx15 carried no taint */
    assert_string_equal(json_string_value(json_object_get(bridge0(j, 0), "tainted_in")), "16");
    assert_true(json_is_true(json_object_get(j, "conserved")));
    json_decref(j);
    teardown(&fx);
}

/* the event topics events.c recognises are the signatures' keccak-256 */
static void test_topics(void **state) {
    (void)state;
    const char *sig[] = {"Swap(address,uint256,uint256,uint256,uint256,address)",
                         "Deposit(address,address,uint256,string)"};
    const char *want[] = {SWAP_V2, THOR_DEP};
    for (int i = 0; i < 2; i++) {
        unsigned char h[32];
        char hx[67] = "0x";
        st_keccak256(sig[i], strlen(sig[i]), h);
        for (int k = 0; k < 32; k++) snprintf(hx + 2 + 2 * k, 3, "%02x", h[k]);
        assert_string_equal(hx, want[i]);
    }
}

static void test_memo(void **state) {
    (void)state;
    st_thor_memo m;
    st_error err;
    const char *a = "SWAP:BTC.BTC:bc1qexample:1000/1/0:t:15";
    assert_int_equal(st_thor_memo_parse(a, strlen(a), &m, &err), ST_OK);
    assert_int_equal(m.kind, ST_THOR_SWAP);
    assert_string_equal(m.asset, "BTC.BTC");
    assert_string_equal(m.chain, "BTC");
    assert_string_equal(m.dest, "bc1qexample");
    assert_string_equal(m.limit, "1000/1/0");
    assert_string_equal(m.affiliate, "t");
    assert_string_equal(m.fee, "15");
    const char *b = "s:b:bc1qshort";
    assert_int_equal(st_thor_memo_parse(b, strlen(b), &m, &err), ST_OK);
    assert_string_equal(m.asset, "BTC.BTC");
    const char *c = "=:eth.usdt-0xdac17f958d2ee523a2206206994597c13d831ec7:0xabc";
    assert_int_equal(st_thor_memo_parse(c, strlen(c), &m, &err), ST_OK);
    assert_string_equal(m.chain, "ETH");
    const char *o = "OUT:0x00000000000000000000000000000000000000000000000000000000000000AB";
    assert_int_equal(st_thor_memo_parse(o, strlen(o), &m, &err), ST_OK);
    assert_int_equal(m.kind, ST_THOR_OUT);
    assert_int_equal(m.hash[31], 0xab);
    const char *r = "refund:00000000000000000000000000000000000000000000000000000000000000cd";
    assert_int_equal(st_thor_memo_parse(r, strlen(r), &m, &err), ST_OK);
    assert_int_equal(m.kind, ST_THOR_REFUND);
    const char *bad[] = {"", "OUT:", "OUT:12", "SWAP:BTC.BTC", "SWAP::x", "ADD:BTC.BTC:x", "=:BTC:x", "=:q:x",
                         "OUT:00000000000000000000000000000000000000000000000000000000000000cd:extra", "=:b:a b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(st_thor_memo_parse(bad[i], strlen(bad[i]), &m, &err), ST_EPARSE);
}

/* Exposure backwards, with V 0a tagged as the thief:
 * M received 100 from V itself: direct 100 (of 180 received).
 * N received 120 from M (tx03); M's inflows before it: 50 C, 100 V, 30 D:
 *   floor(120*100/180) = 66 indirect, 2 hops.
 * P received 60 from N (tx06); N's inflows before: 120 from M, so 60 of it
 *   goes back to M's: floor(60*100/180) = 33 indirect, 3 hops. */
static void test_exposure(void **state) {
    (void)state;
    fixture fx;
    setup_mixed(&fx);
    st_tag t;
    memset(&t, 0, sizeof t);
    t.address = A("0a");
    t.label = "Thief";
    t.category = "theft";
    t.raw_category = t.abuse = t.source = t.currency = t.actor = t.confidence = t.lastmod = t.pack = "";
    t.valid_from = INT64_MIN;
    t.valid_to = INT64_MAX;
    assert_int_equal(st_tagset_add(fx.ts, &t), ST_OK);
    const char *who[] = {A("0b"), A("0e"), A("10")};
    const char *direct[] = {"100", "0", "0"}, *indirect[] = {"0", "66", "33"}, *recv[] = {"180", "120", "60"};
    const int hops[] = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
        st_xexposure *x;
        st_error err;
        assert_int_equal(st_xexposure_run(fx.e, fx.ev, fx.ts, who[i], NULL, 5, 0, &x, &err), ST_OK);
        json_t *j;
        assert_int_equal(st_xexposure_json(x, &j), ST_OK);
        assert_string_equal(json_string_value(json_object_get(j, "received")), recv[i]);
        assert_string_equal(json_string_value(json_object_get(j, "direct")), direct[i]);
        assert_string_equal(json_string_value(json_object_get(j, "indirect")), indirect[i]);
        json_t *src = json_array_get(json_object_get(j, "by_source"), 0);
        assert_string_equal(json_string_value(json_object_get(src, "label")), "Thief");
        json_t *p = json_array_get(json_object_get(src, "paths"), 0);
        assert_int_equal(json_integer_value(json_object_get(p, "hops")), hops[i]);
        assert_string_equal(json_string_value(json_array_get(json_object_get(p, "txs"), 0)), H("01"));
        assert_string_equal(json_string_value(json_array_get(json_object_get(p, "addresses"), 0)), A("0a"));
        json_decref(j);
        st_xexposure_free(x);
    }
    /* one hop: P sees nothing */
    st_xexposure *x;
    st_error err;
    assert_int_equal(st_xexposure_run(fx.e, fx.ev, fx.ts, A("10"), NULL, 1, 0, &x, &err), ST_OK);
    json_t *j;
    assert_int_equal(st_xexposure_json(x, &j), ST_OK);
    assert_string_equal(json_string_value(json_object_get(j, "indirect")), "0");
    json_decref(j);
    st_xexposure_free(x);
    assert_int_equal(st_xexposure_run(fx.e, fx.ev, fx.ts, A("55"), NULL, 5, 0, &x, &err), ST_ENOTFOUND);
    teardown(&fx);
}

/* events.bin after an interrupted ingest and its retry holds records twice
 * (and records of blocks never committed): the reader keeps each once; a
 * torn last record or header is not read. */
static void test_events_repeats(void **state) {
    (void)state;
    fixture fx;
    setup_swap(&fx);
    char path[700], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/events.bin", fx.db);
    assert_int_equal(st_file_read(path, (size_t)1 << 30, &data, &len, NULL), ST_OK);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(data + 8, 1, len - 8, f), len - 8); /* every record again */
    fclose(f);
    st_free(data);
    st_evm_events *ev;
    st_error err;
    assert_int_equal(st_evm_events_open(&ev, fx.e, fx.db, &err), ST_OK);
    assert_int_equal(st_evm_events_count(ev), 4);
    size_t first;
    uint64_t tx;
    assert_int_equal(st_evm_find_tx(fx.e, H("12"), &tx), 1);
    assert_int_equal(st_evm_events_of_tx(ev, tx, &first), 1);
    assert_int_equal(st_evm_events_get(ev, first)->kind, ST_EVM_EV_SWAP_V2);
    st_evm_events_close(ev);
    /* a record written in part (an append cut short) is not read */
    f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite("torn record", 1, 11, f), 11);
    fclose(f);
    assert_int_equal(st_evm_events_open(&ev, fx.e, fx.db, &err), ST_OK);
    assert_int_equal(st_evm_events_count(ev), 4);
    st_evm_events_close(ev);
    /* a file that is not an events file is refused, not read */
    f = fopen(path, "wb");
    fputs("garbage!!", f);
    fclose(f);
    assert_int_equal(st_evm_events_open(&ev, fx.e, fx.db, &err), ST_ECORRUPT);
    /* a header cut short: the first append never finished, no events */
    f = fopen(path, "wb");
    fputs("STEV", f);
    fclose(f);
    assert_int_equal(st_evm_events_open(&ev, fx.e, fx.db, &err), ST_OK);
    assert_int_equal(st_evm_events_count(ev), 0);
    st_evm_events_close(ev);
    teardown(&fx);
}

/* An append cut short left a torn record behind (here: the header and
 * part of a record): the next ingest cuts it off before it appends, so
 * its records are read whole, not shifted by the torn bytes. */
static void test_events_torn_append(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), ex[600], db[600], path[700];
    snprintf(ex, sizeof ex, "%s/export", dir);
    snprintf(db, sizeof db, "%s/db", dir);
    assert_int_equal(st_mkdir_p(ex, NULL), ST_OK);
    assert_int_equal(st_mkdir_p(db, NULL), ST_OK);
    write_file(ex, "transactions.csv", swap_txs);
    write_file(ex, "receipts.csv", swap_receipts);
    write_swap_logs(ex);
    snprintf(path, sizeof path, "%s/events.bin", db);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite("STEVEVT1torn record", 1, 19, f), 19);
    fclose(f);
    ingest(db, ex);
    st_evm *e;
    st_evm_events *ev;
    st_error err;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    assert_int_equal(st_evm_events_open(&ev, e, db, &err), ST_OK);
    assert_int_equal(st_evm_events_count(ev), 4);
    st_evm_events_close(ev);
    st_evm_close(e);
    st_rm_rf(dir);
    free(dir);
}

/* The events of ev as text, one line each (kind, block, log index,
 * topics and data), to compare two readings. */
static char *events_text(const st_evm_events *ev) {
    size_t n = st_evm_events_count(ev), cap = 64 + n * 2400, k = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    t[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const st_evm_event *x = st_evm_events_get(ev, i);
        char h[1100];
        k += (size_t)snprintf(t + k, cap - k, "%d %llu %llu %llu %d", x->kind, (unsigned long long)x->block,
                              (unsigned long long)x->log_index, (unsigned long long)x->tx, x->ntopics);
        for (int j = 0; j < x->ntopics; j++) {
            st_hex_encode(x->topics[j], 32, h);
            k += (size_t)snprintf(t + k, cap - k, " %s", h);
        }
        st_hex_encode(x->data, x->ndata, h);
        k += (size_t)snprintf(t + k, cap - k, " %s\n", h);
    }
    return t;
}

/* events.bin of the first version (fixed records of 680 bytes) is read,
 * and rewritten in this one by the next ingest, with the same events; a
 * record of this version torn at its end is cut off by the next ingest,
 * whose records then read whole. */
static void test_events_versions(void **state) {
    (void)state;
    fixture fx;
    setup_swap(&fx);
    st_error err;
    char *want = events_text(fx.ev);
    assert_true(st_evm_events_count(fx.ev) == 4);
    char path[700], ex[700], *raw;
    size_t len;
    snprintf(path, sizeof path, "%s/events.bin", fx.db);
    snprintf(ex, sizeof ex, "%s/export", fx.dir);
    assert_int_equal(st_file_read(path, (size_t)1 << 30, &raw, &len, NULL), ST_OK);
    assert_memory_equal(raw, "STEVEVT2", 8);
    /* the same records in the first version's layout */
    uint8_t *v1 = calloc(1, 8 + 16 * 680);
    assert_non_null(v1);
    memcpy(v1, "STEVEVT1", 8);
    size_t at = 8, n1 = 0;
    while (at < len) {
        const uint8_t *p = (const uint8_t *)raw + at;
        size_t nt = p[69], nd = (size_t)p[70] | (size_t)p[71] << 8;
        uint8_t *q = v1 + 8 + n1++ * 680;
        memcpy(q, p, 72);
        memcpy(q + 72, p + 72, 32 * nt);
        memcpy(q + 168, p + 72 + 32 * nt, nd);
        at += 72 + 32 * nt + nd + 6;
    }
    assert_int_equal(at, len);
    assert_int_equal(st_file_write_atomic(path, v1, 8 + n1 * 680, &err), ST_OK);
    free(v1);
    st_evm_events *ev;
    assert_int_equal(st_evm_events_open(&ev, fx.e, fx.db, &err), ST_OK);
    char *got = events_text(ev);
    assert_string_equal(got, want);
    free(got);
    st_evm_events_close(ev);
    /* the next ingest (nothing new) rewrites it */
    st_evm_close(fx.e);
    ingest(fx.db, ex);
    assert_int_equal(st_evm_open(&fx.e, fx.db, &err), ST_OK);
    char *again;
    size_t len2;
    assert_int_equal(st_file_read(path, (size_t)1 << 30, &again, &len2, NULL), ST_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, raw, len);
    st_free(again);
    /* a record torn: its first 100 bytes appended, then an ingest of the
     * same blocks again (skipped: it appends nothing) and one whose
     * events are new would be read shifted if the torn bytes stayed */
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(raw + 8, 1, 100, f), 100);
    fclose(f);
    assert_int_equal(st_evm_events_open(&ev, fx.e, fx.db, &err), ST_OK);
    got = events_text(ev);
    assert_string_equal(got, want); /* the torn record not read */
    free(got);
    st_evm_events_close(ev);
    st_evm_close(fx.e);
    ingest(fx.db, ex);
    assert_int_equal(st_evm_open(&fx.e, fx.db, &err), ST_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((size_t)sb.st_size, len); /* cut back */
    /* a tail that ends in a plausible length, at whose distance a record
     * head agrees with it, but whose bytes are not those the hash was of
     * (the first record again, its last byte changed) */
    const uint8_t *r1 = (const uint8_t *)raw + 8;
    size_t n1len = 72 + 32 * (size_t)r1[69] + ((size_t)r1[70] | (size_t)r1[71] << 8) + 6;
    char *bent = malloc(n1len);
    assert_non_null(bent);
    memcpy(bent, r1, n1len);
    bent[n1len - 1] ^= 1;
    f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(bent, 1, n1len, f), n1len);
    fclose(f);
    free(bent);
    st_evm_close(fx.e);
    ingest(fx.db, ex);
    assert_int_equal(st_evm_open(&fx.e, fx.db, &err), ST_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((size_t)sb.st_size, len);
    assert_int_equal(st_evm_events_open(&ev, fx.e, fx.db, &err), ST_OK);
    got = events_text(ev);
    assert_string_equal(got, want);
    free(got);
    st_evm_events_close(ev);
    /* a file that is no events file stops the ingest, naming it */
    f = fopen(path, "wb");
    fputs("garbage!!", f);
    fclose(f);
    st_evm_close(fx.e);
    fx.e = NULL;
    st_evm_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.no_sync = 1;
    st_evm_ingest_report rep;
    const char *paths[] = {ex};
    assert_int_equal(st_evm_ingest(fx.db, paths, 1, &o, &rep, &err), ST_ECORRUPT);
    assert_non_null(strstr(err.file, "events.bin"));
    st_free(raw);
    free(want);
    teardown(&fx);
}

/* A swap-heavy export read in several windows (each appends its events):
 * events.bin holds every Swap log of the export once, and all are read. */
static void test_events_windows(void **state) {
    (void)state;
    char *dir = st_test_tmpdir(), ex[600], db[600], path[700], *logs;
    snprintf(ex, sizeof ex, "%s/export", dir);
    snprintf(db, sizeof db, "%s/db", dir);
    st_evm_synth_opts so = {.flows = 250000, .seed = 5, .mix = ST_EVM_MIX_MAINNET};
    st_error err;
    assert_int_equal(st_evm_synth(ex, &so, &err), ST_OK);
    size_t len, swaps = 0, rows = 0;
    const char *names[] = {"blocks", "transactions", "receipts", "logs", "token_transfers", "traces"};
    for (int k = 0; k < 6; k++) {
        snprintf(path, sizeof path, "%s/%s.csv", ex, names[k]);
        assert_int_equal(st_file_read(path, (size_t)1 << 30, &logs, &len, NULL), ST_OK);
        /* a plain loop, not strstr: the sanitizer's strstr measures the
         * whole rest of the file at every call (minutes at 100 MB) */
        static const char swap_topic[] = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822";
        for (size_t i = 0; i < len; i++) {
            rows += logs[i] == '\n';
            if (k == 3 && logs[i] == '0' && len - i >= sizeof swap_topic - 1 && !memcmp(logs + i, swap_topic, sizeof swap_topic - 1))
                swaps++;
        }
        st_free(logs);
    }
    assert_true(rows > 2 * EV_WINDOW_ROWS_MAX); /* read in windows, each appending its events */
    ingest(db, ex);
    st_evm *e;
    st_evm_events *ev;
    assert_int_equal(st_evm_open(&e, db, &err), ST_OK);
    assert_int_equal(st_evm_events_open(&ev, e, db, &err), ST_OK);
    assert_true(swaps > 1000);
    assert_int_equal(st_evm_events_count(ev), swaps);
    for (size_t i = 0; i < swaps; i++) assert_int_equal(st_evm_events_get(ev, i)->kind, ST_EVM_EV_SWAP_V2);
    st_evm_events_close(ev);
    st_evm_close(e);
    st_rm_rf(dir);
    free(dir);
}

/* A tag holds only while it is valid: the exchange's tag ended before
 * block 14, so tx05's 70 to it is an ordinary payment (FIFO: 20 tainted
 * stay at X, in the frontier): 100 = (18 + 48 + 20) + 14 fees. */
static void test_tag_dates(void **state) {
    (void)state;
    fixture fx;
    setup_mixed(&fx);
    st_tagset_free(fx.ts);
    assert_int_equal(st_tagset_new(&fx.ts), ST_OK);
    st_tag t;
    memset(&t, 0, sizeof t);
    t.address = A("0f");
    t.label = "Exchange X";
    t.category = "exchange";
    t.raw_category = t.abuse = t.source = t.currency = t.actor = t.confidence = t.lastmod = t.pack = "";
    t.valid_from = INT64_MIN;
    t.valid_to = 1600001301; /* after block 13, before block 14 */
    assert_int_equal(st_tagset_add(fx.ts, &t), ST_OK);
    json_t *j = run(&fx, H("01"), ST_TAINT_FIFO);
    assert_string_equal(tot(j, "ETH", "stopped"), "0");
    assert_string_equal(tot(j, "ETH", "frontier"), "86");
    assert_string_equal(front(j, A("0f")), "20");
    assert_int_equal(json_array_size(json_object_get(j, "services")), 0);
    json_decref(j);
    teardown(&fx);
}

/* WETH: wrapping is a conversion.  V 0a -> M 0b 100 (source), D 0d -> M
 * 100 clean, M wraps 50 (ether to the WETH contract, Deposit(M, 50) mints
 * 50 WETH), M sends 20 WETH to N 0e.  No receipts: no fees.  Haircut: the
 * 50 wrapped take floor(50*100/200) = 25 (ETH out 25; M keeps 150/75);
 * the 50 WETH carry 25 (WETH in 25); N gets floor(20*25/50) = 10. */
#define WETH_A "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
static void test_weth_wrap(void **state) {
    (void)state;
    fixture fx;
    memset(&fx, 0, sizeof fx);
    fx.dir = st_test_tmpdir();
    char ex[600], logs[2048], d[65];
    snprintf(ex, sizeof ex, "%s/export", fx.dir);
    assert_int_equal(st_mkdir_p(ex, NULL), ST_OK);
    write_file(ex, "transactions.csv",
               "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
               "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
               H("01") ",0,,10,0," A("0a") "," A("0b") ",100,21000,2,0x,0,,,0\n"
               H("02") ",0,,11,0," A("0d") "," A("0b") ",100,21000,2,0x,0,,,0\n"
               H("03") ",0,,12,0," A("0b") "," WETH_A ",50,21000,2,0x,0,,,0\n"
               H("04") ",0,,13,0," A("0b") "," WETH_A ",0,21000,2,0x,0,,,0\n");
    strcpy(logs, "log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n");
    word(d, 50);
    size_t n = strlen(logs);
    snprintf(logs + n, sizeof logs - n,
             "0," H("03") ",0,,12," WETH_A ",0x%s,\"0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c,"
             "0x" PAD "000000000000000000000000000000000000000b\"\n", d);
    word(d, 20);
    log_row(logs, sizeof logs, 0, H("04"), 13, WETH_A, TRANSFER, A("0b"), A("0e"), d);
    write_file(ex, "logs.csv", logs);
    snprintf(fx.db, sizeof fx.db, "%s/db", fx.dir);
    ingest(fx.db, ex);
    st_error err;
    assert_int_equal(st_evm_open(&fx.e, fx.db, &err), ST_OK);
    assert_int_equal(st_evm_events_open(&fx.ev, fx.e, fx.db, &err), ST_OK);
    assert_int_equal(st_tagset_new(&fx.ts), ST_OK);
    json_t *j = run(&fx, H("01"), ST_TAINT_HAIRCUT);
    assert_string_equal(tot(j, "ETH", "source"), "100");
    assert_string_equal(tot(j, "ETH", "out"), "25");
    assert_string_equal(tot(j, "ETH", "frontier"), "75");
    assert_string_equal(tot(j, WETH_A, "in"), "25");
    assert_string_equal(front(j, A("0e")), "10");
    assert_string_equal(front(j, WETH_A), "0"); /* the contract holds nothing */
    assert_true(json_is_true(json_object_get(j, "conserved")));
    json_decref(j);
    teardown(&fx);
}

/* ---- exposure across THORChain: Bitcoin -> Ethereum --------------------
 *
 * Bitcoin (regtest, written here): blocks 1 and 3 pay their 50 BTC
 * coinbase to T (tagged "Theft T", theft), block 2 to a clean C; block 4
 * holds tx1: T's two coinbase outputs and C's (5e9 sat each) into the vault
 * V (149e8) with OP_RETURN "=:ETH.ETH:<F>".  Ethereum: D -> F 500 (block 10);
 * tx 21: the vault 61 pays F 1000 and the router 60 logs TransferOut(61, F,
 * ether, 1000, "OUT:<tx1>") (block 11); tx 22: F -> G 600 (block 12).
 * Exposure of G: 600 from F splits over F's inflows 500 + 1000:
 * floor(600*500/1500) = 200 from D (held before the store: stops) and
 * floor(600*1000/1500) = 400 through the payout, which crosses whole to
 * tx1 and splits over its inputs: floor(400*5e9/15e9) = 133 each; T's two
 * are the tag (hop 3, indirect): 266; C's came from a coinbase: stops. */
typedef struct bbuf {
    uint8_t b[4096];
    size_t n;
} bbuf;

static void bput(bbuf *t, const void *p, size_t n) {
    assert_true(t->n + n <= sizeof t->b);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}
static void bput32(bbuf *t, uint32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    bput(t, b, 4);
}
static void bput64(bbuf *t, uint64_t v) {
    bput32(t, (uint32_t)v);
    bput32(t, (uint32_t)(v >> 32));
}
static void bbyte(bbuf *t, uint8_t v) { bput(t, &v, 1); }

/* an output: P2WPKH to prog, or (prog NULL) OP_RETURN memo */
static void bout(bbuf *t, uint64_t v, const uint8_t *prog, const char *memo) {
    bput64(t, v);
    if (prog) {
        bbyte(t, 22), bbyte(t, 0), bbyte(t, 20);
        bput(t, prog, 20);
    } else {
        bbyte(t, (uint8_t)(strlen(memo) + 2)), bbyte(t, 0x6a), bbyte(t, (uint8_t)strlen(memo));
        bput(t, memo, strlen(memo));
    }
}

/* a block at height h after prev (updated) holding the coinbase to prog
 * and txs[ntx] (serialized, txid each) */
static void bblock(FILE *f, uint8_t prev[32], uint32_t h, const uint8_t *prog, bbuf *txs, size_t ntx) {
    bbuf cb = {.n = 0};
    bput32(&cb, 2), bbyte(&cb, 1);
    uint8_t z[32] = {0};
    bput(&cb, z, 32), bput32(&cb, 0xffffffff);
    bbyte(&cb, 4), bbyte(&cb, 1), bbyte(&cb, (uint8_t)h), bbyte(&cb, 0x51), bbyte(&cb, 0x51); /* BIP34 height */
    bput32(&cb, 0xffffffff), bbyte(&cb, 1);
    bout(&cb, 5000000000ULL, prog, NULL);
    bput32(&cb, 0);
    uint8_t ids[4][32];
    st_sha256d(cb.b, cb.n, ids[0]);
    for (size_t i = 0; i < ntx; i++) st_sha256d(txs[i].b, txs[i].n, ids[i + 1]);
    uint8_t root[32];
    st_sha256d_merkle_in_place(ids, ntx + 1, root);
    bbuf hd = {.n = 0};
    bput32(&hd, 0x20000000), bput(&hd, prev, 32), bput(&hd, root, 32);
    bput32(&hd, 1600000000u + 600u * h), bput32(&hd, 0x207fffff);
    for (uint32_t nonce = 0;; nonce++) { /* regtest proof of work */
        hd.n = 76;
        bput32(&hd, nonce);
        st_sha256d(hd.b, 80, prev);
        if (prev[31] < 0x7f) break;
    }
    bbyte(&hd, (uint8_t)(ntx + 1));
    uint32_t size = (uint32_t)hd.n + (uint32_t)cb.n;
    for (size_t i = 0; i < ntx; i++) size += (uint32_t)txs[i].n;
    uint8_t rec[8] = {0xfa, 0xbf, 0xb5, 0xda, (uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16), 0};
    assert_int_equal(fwrite(rec, 1, 8, f), 8);
    assert_int_equal(fwrite(hd.b, 1, hd.n, f), hd.n);
    assert_int_equal(fwrite(cb.b, 1, cb.n, f), cb.n);
    for (size_t i = 0; i < ntx; i++) assert_int_equal(fwrite(txs[i].b, 1, txs[i].n, f), txs[i].n);
}

/* the coinbase txid of a block bblock wrote at height h paying prog */
static void cb_txid(uint32_t h, const uint8_t *prog, uint8_t id[32]) {
    bbuf cb = {.n = 0};
    bput32(&cb, 2), bbyte(&cb, 1);
    uint8_t z[32] = {0};
    bput(&cb, z, 32), bput32(&cb, 0xffffffff);
    bbyte(&cb, 4), bbyte(&cb, 1), bbyte(&cb, (uint8_t)h), bbyte(&cb, 0x51), bbyte(&cb, 0x51);
    bput32(&cb, 0xffffffff), bbyte(&cb, 1);
    bout(&cb, 5000000000ULL, prog, NULL);
    bput32(&cb, 0);
    st_sha256d(cb.b, cb.n, id);
}

static void test_exposure_bridge(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char ex[600], bd[600], bdb[600], edb[600], path[700];
    snprintf(ex, sizeof ex, "%s/export", dir);
    snprintf(bd, sizeof bd, "%s/blocks", dir);
    snprintf(bdb, sizeof bdb, "%s/btcdb", dir);
    snprintf(edb, sizeof edb, "%s/evmdb", dir);
    assert_int_equal(st_mkdir_p(ex, NULL), ST_OK);
    assert_int_equal(st_mkdir_p(bd, NULL), ST_OK);
    /* Bitcoin */
    uint8_t pt[20], pc[20], pv[20], pm[20];
    memset(pt, 0x11, 20), memset(pc, 0x22, 20), memset(pv, 0x33, 20), memset(pm, 0x44, 20);
    char tt[100];
    assert_int_equal(st_segwit_encode("bcrt", 0, pt, 20, tt, sizeof tt), 0);
    uint8_t c1[32], c2[32], c3[32];
    cb_txid(1, pt, c1), cb_txid(2, pc, c2), cb_txid(3, pt, c3);
    bbuf tx1 = {.n = 0};
    bput32(&tx1, 2), bbyte(&tx1, 3);
    const uint8_t *ins[3] = {c1, c2, c3};
    for (int i = 0; i < 3; i++) {
        bput(&tx1, ins[i], 32), bput32(&tx1, 0);
        bbyte(&tx1, 1), bbyte(&tx1, 0x51), bput32(&tx1, 0xffffffff);
    }
    bbyte(&tx1, 2);
    bout(&tx1, 14900000000ULL, pv, NULL);
    bout(&tx1, 0, NULL, "=:ETH.ETH:" A("a1"));
    bput32(&tx1, 0);
    uint8_t id1[32];
    st_sha256d(tx1.b, tx1.n, id1);
    char txid1[65];
    st_chain_hash_hex(id1, txid1);
    snprintf(path, sizeof path, "%s/blk00000.dat", bd);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t prev[32];
    assert_int_equal(st_chain_hash_parse("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", prev), 0);
    bblock(f, prev, 1, pt, NULL, 0);
    bblock(f, prev, 2, pc, NULL, 0);
    bblock(f, prev, 3, pt, NULL, 0);
    bblock(f, prev, 4, pm, &tx1, 1);
    fclose(f);
    st_ingest_opts io;
    memset(&io, 0, sizeof io);
    io.net = ST_NET_REGTEST;
    io.no_sync = 1;
    st_ingest_report irep;
    st_error err;
    st_error_clear(&err);
    const char *bp[] = {bd};
    assert_int_equal(st_chain_ingest(bdb, bp, 1, &io, &irep, &err), ST_OK);
    /* Ethereum */
    write_file(ex, "transactions.csv",
               "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
               "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
               H("20") ",0,,10,0," A("0d") "," A("a1") ",500,21000,2,0x,0,,,0\n"
               H("21") ",0,,11,0," A("61") "," A("a1") ",1000,21000,2,0x,0,,,0\n"
               H("22") ",0,,12,0," A("a1") "," A("a2") ",600,21000,2,0x,0,,,0\n");
    write_file(ex, "receipts.csv",
               "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,"
               "contract_address,root,status,effective_gas_price\n"
               H("20") ",0,,10,1,1,,,1,2\n" H("21") ",0,,11,1,1,,,1,2\n" H("22") ",0,,12,1,1,,,1,2\n");
    char buf[4096] = "log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n";
    char d[1024], outmemo[80];
    snprintf(outmemo, sizeof outmemo, "OUT:%s", txid1);
    word(d, 0); /* TransferOut: asset (ether), amount, memo */
    abi_amount_memo(d + 64, 1000, outmemo, 96);
    log_row(buf, sizeof buf, 0, H("21"), 11, A("60"), THOR_OUT, A("61"), A("a1"), d);
    write_file(ex, "logs.csv", buf);
    ingest(edb, ex);
    st_evm *e;
    st_evm_events *ev;
    st_chain *c;
    assert_int_equal(st_evm_open(&e, edb, &err), ST_OK);
    assert_int_equal(st_evm_events_open(&ev, e, edb, &err), ST_OK);
    assert_int_equal(st_chain_open(&c, bdb, &err), ST_OK);
    st_tagset *ts;
    assert_int_equal(st_tagset_new(&ts), ST_OK);
    st_tag t;
    memset(&t, 0, sizeof t);
    t.address = tt;
    t.label = "Theft T";
    t.category = "theft";
    t.raw_category = t.abuse = t.source = t.currency = t.actor = t.confidence = t.lastmod = t.pack = "";
    t.valid_from = INT64_MIN;
    t.valid_to = INT64_MAX;
    assert_int_equal(st_tagset_add(ts, &t), ST_OK);

    /* Ethereum alone: the payout comes from nowhere, no exposure */
    st_xexposure *x;
    json_t *j;
    assert_int_equal(st_xexposure_run(e, ev, ts, A("a2"), NULL, 5, 0, &x, &err), ST_OK);
    assert_int_equal(st_xexposure_json(x, &j), ST_OK);
    assert_int_equal(json_array_size(json_object_get(j, "by_source")), 0);
    assert_null(json_object_get(j, "bridges"));
    json_decref(j);
    st_xexposure_free(x);

    /* both stores: across the bridge */
    assert_int_equal(st_xexposure_run_x(e, ev, c, ts, A("a2"), NULL, 5, 0, &x, &err), ST_OK);
    assert_int_equal(st_xexposure_json(x, &j), ST_OK);
    assert_string_equal(json_string_value(json_object_get(j, "received")), "600");
    assert_string_equal(json_string_value(json_object_get(j, "indirect")), "266");
    assert_string_equal(json_string_value(json_object_get(j, "direct")), "0");
    json_t *src = json_array_get(json_object_get(j, "by_source"), 0);
    assert_string_equal(json_string_value(json_object_get(src, "label")), "Theft T");
    assert_string_equal(json_string_value(json_object_get(src, "indirect")), "266");
    json_t *paths = json_object_get(src, "paths");
    assert_int_equal(json_array_size(paths), 2);
    json_t *p = json_array_get(paths, 0);
    assert_string_equal(json_string_value(json_object_get(p, "amount")), "133");
    assert_int_equal(json_integer_value(json_object_get(p, "hops")), 3);
    json_t *txs = json_object_get(p, "txs"), *ad = json_object_get(p, "addresses"), *ch = json_object_get(p, "chains");
    assert_string_equal(json_string_value(json_array_get(txs, 0)), txid1);
    assert_string_equal(json_string_value(json_array_get(txs, 1)), H("21"));
    assert_string_equal(json_string_value(json_array_get(txs, 2)), H("22"));
    assert_string_equal(json_string_value(json_array_get(ad, 0)), tt);
    assert_string_equal(json_string_value(json_array_get(ad, 1)), A("61"));
    assert_string_equal(json_string_value(json_array_get(ad, 3)), A("a2"));
    assert_string_equal(json_string_value(json_array_get(ch, 0)), "bitcoin");
    assert_string_equal(json_string_value(json_array_get(ch, 1)), "ethereum");
    json_t *b = json_array_get(json_object_get(p, "bridges"), 0);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "protocol")), "thorchain");
    assert_string_equal(json_string_value(json_object_get(b, "in_chain")), "bitcoin");
    assert_string_equal(json_string_value(json_object_get(b, "in_tx")), txid1);
    assert_string_equal(json_string_value(json_object_get(b, "out_tx")), H("21"));
    assert_string_equal(json_string_value(json_object_get(b, "memo")), "=:ETH.ETH:" A("a1"));
    assert_string_equal(json_string_value(json_object_get(b, "out_memo")), outmemo);
    assert_string_equal(json_string_value(json_object_get(b, "carried")), "400");
    assert_int_equal(json_array_size(json_object_get(j, "bridges")), 1);
    json_decref(j);
    st_xexposure_free(x);

    /* and from the Bitcoin side: the vault's exposure is T's, direct, in satoshis:
     * tx1 pays V 149e8 over three equal inputs: floor(149e8/3) = 4966666666 each */
    char vt[100];
    assert_int_equal(st_segwit_encode("bcrt", 0, pv, 20, vt, sizeof vt), 0);
    assert_int_equal(st_xexposure_run_x(e, ev, c, ts, vt, NULL, 5, 0, &x, &err), ST_OK);
    assert_int_equal(st_xexposure_json(x, &j), ST_OK);
    assert_string_equal(json_string_value(json_object_get(j, "chain")), "bitcoin");
    assert_string_equal(json_string_value(json_object_get(j, "received")), "14900000000");
    assert_string_equal(json_string_value(json_object_get(j, "direct")), "9933333332");
    json_decref(j);
    st_xexposure_free(x);
    assert_int_equal(st_xexposure_run_x(e, ev, c, ts, "bcrt1qnotthere", NULL, 5, 0, &x, &err), ST_ENOTFOUND);

    st_tagset_free(ts);
    st_chain_close(c);
    st_evm_events_close(ev);
    st_evm_close(e);
    st_rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_haircut),    cmocka_unit_test(test_mixed_fifo),
        cmocka_unit_test(test_mixed_poison),     cmocka_unit_test(test_address_at_block),
        cmocka_unit_test(test_bad_sources),      cmocka_unit_test(test_swap_bridge_haircut),
        cmocka_unit_test(test_swap_bridge_fifo), cmocka_unit_test(test_memo),
        cmocka_unit_test(test_topics),           cmocka_unit_test(test_exposure),
        cmocka_unit_test(test_events_repeats),   cmocka_unit_test(test_events_torn_append),
        cmocka_unit_test(test_events_versions),  cmocka_unit_test(test_events_windows),
        cmocka_unit_test(test_tag_dates),        cmocka_unit_test(test_weth_wrap),
        cmocka_unit_test(test_exposure_bridge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
