/*
 * synth.c - `st_evm_synth`: an ethereum-etl export of a synthetic chain
 * (wallets, one exchange, ERC-20 tokens, a contract that forwards value
 * through internal calls, failed transactions, withdrawals), for the
 * ingest benchmark and the cross-chain scenarios.
 *
 * Design: one splitmix64 stream (core/rand.h) decides everything, so a
 * seed gives the same files on every machine.  Files are written with the
 * exporter's full headers and column order (blocks, transactions,
 * receipts, logs, token_transfers, traces), and the fields a real export
 * fills by protocol are as long as there: a 256-byte logs bloom, 16
 * withdrawals a block (the most a block carries since Shanghai, and what
 * busy blocks carry), ERC-20 calls with their 68 bytes of calldata and a
 * 32-byte return value.  Generation stops at the end of the block in
 * which the planned flows reach the target.
 *
 * Two mixes of transactions.  The lean one (the default) has no contract
 * calls but token transfers and the forwarder, so it reads fewer bytes a
 * flow (345) than any real export: the hardest case for an ingest beside
 * `wc -l`.  The mainnet one adds token swaps through a router and one to
 * three pools (long calldata, Transfer, Sync and Swap logs, calls without
 * value and their return data), in the proportions of mainnet blocks
 * 17173049-50 as ethereum-etl's own tests export them: 45% of
 * transactions with value, 520 hex digits of calldata a transaction, 2.3
 * logs (129 hex digits of data each) and one token transfer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/codec.h"
#include "core/fs.h"
#include "core/rand.h"
#include "evm/evm_int.h"

#define SY_TX_PER_BLOCK 120
#define SY_WITHDRAWALS 16
#define SY_TOKENS 8
#define SY_POOLS 64
#define SY_HOPS 3       /* pools a swap goes through, at most */
#define SY_CALL_WORDS 36 /* a swap's calldata: a selector and 12 to 36 words */
#define SY_FIRST_BLOCK 17000000ULL
#define SY_BASE_FEE 20000000000ULL /* 20 Gwei */

enum { F_BLOCKS, F_TXS, F_RECEIPTS, F_LOGS, F_TOKENS, F_TRACES, F_N };
static const char *const file_names[F_N] = {"blocks.csv", "transactions.csv", "receipts.csv",
                                            "logs.csv", "token_transfers.csv", "traces.csv"};
static const char *const headers[F_N] = {
    "number,hash,parent_hash,nonce,sha3_uncles,logs_bloom,transactions_root,state_root,receipts_root,miner,"
    "difficulty,total_difficulty,size,extra_data,gas_limit,gas_used,timestamp,transaction_count,base_fee_per_gas,"
    "withdrawals_root,withdrawals",
    "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
    "block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type",
    "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,contract_address,root,"
    "status,effective_gas_price,l1_fee,l1_gas_used,l1_gas_price,l1_fee_scalar",
    "log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics",
    "token_address,from_address,to_address,value,transaction_hash,log_index,block_number",
    "block_number,transaction_hash,transaction_index,from_address,to_address,value,input,output,trace_type,"
    "call_type,reward_type,gas,gas_used,subtraces,trace_address,error,status,trace_id"};

typedef struct synth {
    st_rng rng;
    FILE *f[F_N];
    uint64_t wallets;
} synth;

static void hex(char *out, const uint8_t *p, size_t n) {
    out[0] = '0';
    out[1] = 'x';
    st_hex_encode(p, n, out + 2);
}

/* address of entity k (kind-tagged so wallets, exchange, tokens, contracts never collide) */
static void addr_of(uint64_t kind, uint64_t k, char out[43]) {
    uint8_t a[20];
    uint64_t x = st_mix64(kind * 0x100000000ULL + k), y = st_mix64(x), z = st_mix64(y);
    memcpy(a, &x, 8), memcpy(a + 8, &y, 8), memcpy(a + 16, &z, 4);
    hex(out, a, 20);
}

static void hash_of(uint64_t kind, uint64_t k, char out[67]) {
    uint8_t h[32];
    uint64_t x = st_mix64(kind ^ (k * 0x9e3779b97f4a7c15ULL));
    for (int i = 0; i < 4; i++) {
        memcpy(h + 8 * i, &x, 8);
        x = st_mix64(x + (uint64_t)i);
    }
    hex(out, h, 32);
}

enum { K_WALLET = 1, K_EXCHANGE, K_TOKEN, K_FORWARDER, K_MINER, K_VALIDATOR, K_ROUTER, K_POOL, H_TX = 11, H_BLOCK, H_BLOOM };

/* A block's 256-byte logs bloom (hex), bits drawn from its number. */
static void bloom_of(uint64_t b, char out[2 + 512 + 1]) {
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 8; i++) {
        char h[67];
        hash_of(H_BLOOM, b * 8 + (uint64_t)i, h);
        memcpy(out + 2 + 64 * i, h + 2, 64);
    }
    out[2 + 512] = 0;
}

/* a 256-bit word as 64 hex digits */
static void word_hex(const st_u256 *v, char out[65]) {
    snprintf(out, 65, "%016llx%016llx%016llx%016llx", (unsigned long long)v->w[3], (unsigned long long)v->w[2],
             (unsigned long long)v->w[1], (unsigned long long)v->w[0]);
}

/* ERC-20 transfer(to, units) calldata: selector, then the two words */
static void transfer_call(const char to[43], const st_u256 *units, char out[2 + 8 + 128 + 1]) {
    char w[65];
    word_hex(units, w);
    snprintf(out, 2 + 8 + 128 + 1, "0xa9059cbb000000000000000000000000%s%s", to + 2, w);
}

/* token units: 56 bits, and one transfer in 64 past 2^128 (tokens with
 * huge supplies, and spam, move such amounts; the store keeps them whole
 * beside its 16-byte amounts) */
static st_u256 token_units(synth *s) {
    st_u256 u = st_u256_from_u64(st_rng_next(&s->rng) >> 8);
    if (st_rng_below(&s->rng, 64) == 0) {
        u.w[2] = st_rng_next(&s->rng);
        u.w[3] = st_rng_next(&s->rng) >> 1;
    }
    return u;
}

/* a wei amount: mostly below 10 ETH, sometimes past 2^64 (whales) */
static void amount(synth *s, char out[ST_U256_TEXT]) {
    st_u256 v = st_u256_from_u64(st_rng_below(&s->rng, 10000000000000000000ULL) + 1);
    if (st_rng_below(&s->rng, 50) == 0) st_u256_mul_u64(&v, &v, 1 + st_rng_below(&s->rng, 1000));
    st_u256_format(&v, out);
}

/* What a transaction does: kind (0-99) read against the mix's shares. */
enum { T_PAY, T_EXCHANGE, T_TOKEN, T_FORWARD, T_SWAP, T_FAILED };
static int tx_type(int mix, uint64_t kind) {
    /* where each type's share ends, T_PAY to T_SWAP (the lean mix has no swaps) */
    static const uint8_t lean[] = {45, 60, 80, 95, 95}, mainnet[] = {25, 33, 58, 63, 95};
    const uint8_t *end = mix == ST_EVM_MIX_MAINNET ? mainnet : lean;
    int t = T_PAY;
    while (t < T_FAILED && kind >= end[t]) t++;
    return t;
}

/* n random bytes as 2n hex digits at out (and a NUL) */
static void rand_hex(synth *s, char *out, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = st_rng_next(&s->rng);
        uint8_t b[8];
        memcpy(b, &x, 8);
        st_hex_encode(b, n - i < 8 ? n - i : 8, out + 2 * i);
    }
    out[2 * n] = 0;
}

/* One swap's pools and tokens: the sender pays tok[0] to pool[0], each
 * pool pays the next token on to the next pool, the last pays tok[hops]
 * to the sender. */
typedef struct swap {
    int hops;
    char pool[SY_HOPS][43], tok[SY_HOPS + 1][43];
} swap;

static void swap_plan(synth *s, swap *w) {
    w->hops = 1 + (int)st_rng_below(&s->rng, SY_HOPS);
    for (int j = 0; j < w->hops; j++) addr_of(K_POOL, st_rng_below(&s->rng, SY_POOLS), w->pool[j]);
    for (int j = 0; j <= w->hops; j++) addr_of(K_TOKEN, st_rng_below(&s->rng, SY_TOKENS), w->tok[j]);
}

/* The swap's logs (per hop a Transfer, Sync and Swap, after the sender's
 * Transfer in), token transfers and calls below the top one (per hop the
 * router's swap call on the pool, with the pool's token transfer and
 * balance read, then the router's reserves read); returns its flows. */
static uint64_t swap_rows(synth *s, const swap *w, const char *th, uint32_t i, const char *bh, uint64_t b,
                          const char *from, const char *router, const char *val, uint64_t *logi) {
    static const char transfer_t[] = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
                      sync_t[] = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1",
                      swap_t[] = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822";
    char data[2 + 256 + 1], in[2 + 200 + 1], out[2 + 192 + 1], uhex[65], udec[ST_U256_TEXT];
    unsigned long long bn = (unsigned long long)b;
    for (int j = 0; j <= w->hops; j++) {
        const char *src = j ? w->pool[j - 1] : from, *dst = j < w->hops ? w->pool[j] : from;
        st_u256 units = token_units(s);
        word_hex(&units, uhex);
        st_u256_format(&units, udec);
        fprintf(s->f[F_LOGS], "%llu,%s,%u,%s,%llu,%s,0x%s,\"%s,0x000000000000000000000000%s,0x000000000000000000000000%s\"\n",
                (unsigned long long)*logi, th, i, bh, bn, w->tok[j], uhex, transfer_t, src + 2, dst + 2);
        fprintf(s->f[F_TOKENS], "%s,%s,%s,%s,%s,%llu,%llu\n", w->tok[j], src, dst, udec, th, (unsigned long long)*logi, bn);
        ++*logi;
        if (j == w->hops) break;
        rand_hex(s, data + 2, 64);
        fprintf(s->f[F_LOGS], "%llu,%s,%u,%s,%llu,%s,0x%s,%s\n", (unsigned long long)*logi, th, i, bh, bn, w->pool[j],
                data + 2, sync_t);
        ++*logi;
        rand_hex(s, data + 2, 128);
        fprintf(s->f[F_LOGS], "%llu,%s,%u,%s,%llu,%s,0x%s,\"%s,0x000000000000000000000000%s,0x000000000000000000000000%s\"\n",
                (unsigned long long)*logi, th, i, bh, bn, w->pool[j], data + 2, swap_t, router + 2, dst + 2);
        ++*logi;
    }
    /* the calls: [0] the router's transferFrom of tok[0]; per hop j, [1+2j]
     * swap on the pool with [1+2j,0] its transfer and [1+2j,1] its balance
     * read, and [2+2j] the router's reserves read; the ether a swap is
     * paid in goes on to the first pool */
    uint64_t flows = (uint64_t)w->hops + 1 + (strcmp(val, "0") != 0);
    rand_hex(s, in + 2, 4 + 96);
    fprintf(s->f[F_TRACES], "%llu,%s,%u,%s,%s,0,0x%s,0x%063d1,call,call,,60000,30000,0,0,,1,call_%s_0\n", bn, th, i,
            router, w->tok[0], in + 2, 0, th);
    for (int j = 0; j < w->hops; j++) {
        int k = 1 + 2 * j;
        rand_hex(s, in + 2, 4 + 64);
        fprintf(s->f[F_TRACES], "%llu,%s,%u,%s,%s,%s,0x%s,0x,call,call,,90000,60000,2,%d,,1,call_%s_%d\n", bn, th, i,
                router, w->pool[j], j ? "0" : val, in + 2, k, th, k);
        rand_hex(s, in + 2, 4 + 64);
        fprintf(s->f[F_TRACES], "%llu,%s,%u,%s,%s,0,0x%s,0x%063d1,call,call,,40000,20000,0,\"%d,0\",,1,call_%s_%d_0\n", bn,
                th, i, w->pool[j], w->tok[j + 1], in + 2, 0, k, th, k);
        rand_hex(s, in + 2, 4 + 32);
        rand_hex(s, out + 2, 32);
        fprintf(s->f[F_TRACES], "%llu,%s,%u,%s,%s,0,0x%s,0x%s,call,staticcall,,5000,2000,0,\"%d,1\",,1,call_%s_%d_1\n", bn,
                th, i, w->pool[j], w->tok[j + 1], in + 2, out + 2, k, th, k);
        rand_hex(s, out + 2, 96);
        fprintf(s->f[F_TRACES], "%llu,%s,%u,%s,%s,0,0x0902f1ac,0x%s,call,staticcall,,5000,2000,0,%d,,1,call_%s_%d\n", bn,
                th, i, router, w->pool[j], out + 2, k + 1, th, k + 1);
    }
    return flows;
}

int st_evm_synth(const char *outdir, const st_evm_synth_opts *opts, st_error *err) {
    synth s;
    memset(&s, 0, sizeof s);
    s.rng.s = opts->seed ? opts->seed : 1;
    uint64_t target = opts->flows ? opts->flows : 1000;
    s.wallets = target / 8 + 100;
    int rc = st_mkdir_p(outdir, err);
    if (rc) return rc;
    for (int i = 0; i < F_N; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", outdir, file_names[i]);
        s.f[i] = fopen(path, "w");
        if (!s.f[i]) {
            rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot create: %s", strerror(errno));
            goto done;
        }
        fprintf(s.f[i], "%s\n", headers[i]);
    }
    uint64_t flows = 0, logi;
    char bh[67], ph[67], th[67], miner[43], from[43], to[43], fwd[43], tok[43], val[ST_U256_TEXT], val2[ST_U256_TEXT];
    char bloom[2 + 512 + 1], call[2 + 8 + 128 + 1], rcpt[43];
    char swapcall[2 + 8 + 64 * SY_CALL_WORDS + 1], swapout[2 + 64 * (SY_HOPS + 3) + 1];
    swap sw;
    uint64_t first = opts->first_block ? opts->first_block : SY_FIRST_BLOCK;
    hash_of(H_BLOCK, first - 1, ph);
    /* transactions numbered by their place in the chain, so that an export
     * from a later block (--from-block) never repeats an earlier one's
     * hashes */
    uint64_t txn = (first - SY_FIRST_BLOCK) * SY_TX_PER_BLOCK;
    for (uint64_t b = first; flows < target; b++) {
        hash_of(H_BLOCK, b, bh);
        addr_of(K_MINER, st_rng_below(&s.rng, 16), miner);
        uint64_t ts = (uint64_t)(1681000000 + ((int64_t)b - (int64_t)SY_FIRST_BLOCK) * 12), cum = 0;
        logi = 0;
        for (uint32_t i = 0; i < SY_TX_PER_BLOCK; i++, txn++) {
            hash_of(H_TX, txn, th);
            addr_of(K_WALLET, st_rng_below(&s.rng, s.wallets), from);
            uint64_t kind = st_rng_below(&s.rng, 100), gas = 21000, tip = 1000000000ULL + st_rng_below(&s.rng, 3000000000ULL);
            uint64_t price = SY_BASE_FEE + tip;
            int type = tx_type(opts->mix, kind), failed = type == T_FAILED, token = type == T_TOKEN || failed;
            int subtraces = type == T_FORWARD ? 2 : 0;
            const char *input = "0x", *output = "0x";
            st_u256 units = st_u256_from_u64(0);
            if (type == T_PAY) addr_of(K_WALLET, st_rng_below(&s.rng, s.wallets), to);
            else if (type == T_EXCHANGE) addr_of(K_EXCHANGE, 0, to);
            else if (token) { /* transfer(rcpt, units) on a token contract */
                addr_of(K_TOKEN, st_rng_below(&s.rng, SY_TOKENS), to);
                addr_of(K_WALLET, st_rng_below(&s.rng, s.wallets), rcpt);
                units = token_units(&s);
                transfer_call(rcpt, &units, call);
                gas = 52000, input = call;
                if (!failed) output = "0x0000000000000000000000000000000000000000000000000000000000000001";
            } else if (type == T_SWAP) { /* a selector and 12 to 36 words; the amounts out returned */
                swap_plan(&s, &sw);
                addr_of(K_ROUTER, 0, to);
                memcpy(swapcall, "0x38ed1739", 10);
                rand_hex(&s, swapcall + 10, 32 * (12 + st_rng_below(&s.rng, SY_CALL_WORDS - 11)));
                memcpy(swapout, "0x", 2);
                rand_hex(&s, swapout + 2, 32 * (size_t)(sw.hops + 3));
                gas = 120000 + 60000 * (uint64_t)sw.hops, input = swapcall, output = swapout;
                subtraces = 1 + 2 * sw.hops;
            } else
                addr_of(K_FORWARDER, 0, to), gas = 64000, input = "0x3ccfd60b";
            amount(&s, val);
            if (token || (type == T_SWAP && st_rng_below(&s.rng, 4))) strcpy(val, "0"); /* a quarter paid in ether */
            cum += gas;
            fprintf(s.f[F_TXS], "%s,%llu,%s,%llu,%u,%s,%s,%s,%llu,%llu,%s,%llu,%llu,%llu,2\n", th,
                    (unsigned long long)st_rng_below(&s.rng, 5000), bh, (unsigned long long)b, i, from, to, val,
                    (unsigned long long)gas * 2, (unsigned long long)price, input, (unsigned long long)ts,
                    (unsigned long long)price * 2, (unsigned long long)tip);
            fprintf(s.f[F_RECEIPTS], "%s,%u,%s,%llu,%llu,%llu,,,%d,%llu,,,,\n", th, i, bh, (unsigned long long)b,
                    (unsigned long long)cum, (unsigned long long)gas, failed ? 0 : 1, (unsigned long long)price);
            flows += 2; /* fee: burnt + tip */
            /* the top-level trace */
            fprintf(s.f[F_TRACES], "%llu,%s,%u,%s,%s,%s,%s,%s,call,call,,%llu,%llu,%d,,%s,%d,call_%s_\n",
                    (unsigned long long)b, th, i, from, to, val, input, output, (unsigned long long)gas * 2,
                    (unsigned long long)gas, failed ? 0 : subtraces, failed ? "Reverted" : "", failed ? 0 : 1, th);
            if (strcmp(val, "0")) flows++;
            if (failed) continue;
            if (type == T_SWAP) flows += swap_rows(&s, &sw, th, i, bh, b, from, to, val, &logi);
            else if (token) {
                char uhex[65], udec[ST_U256_TEXT];
                memcpy(tok, to, sizeof tok);
                memcpy(to, rcpt, sizeof to);
                word_hex(&units, uhex);
                st_u256_format(&units, udec);
                fprintf(s.f[F_LOGS],
                        "%llu,%s,%u,%s,%llu,%s,0x%s,\"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef,"
                        "0x000000000000000000000000%s,0x000000000000000000000000%s\"\n",
                        (unsigned long long)logi, th, i, bh, (unsigned long long)b, tok, uhex, from + 2, to + 2);
                fprintf(s.f[F_TOKENS], "%s,%s,%s,%s,%s,%llu,%llu\n", tok, from, to, udec, th, (unsigned long long)logi,
                        (unsigned long long)b);
                logi++;
                flows++;
            } else if (type == T_FORWARD) {
                /* the forwarder passes the value on, then a call that reverts (moves nothing) */
                addr_of(K_FORWARDER, 0, fwd);
                addr_of(K_WALLET, st_rng_below(&s.rng, s.wallets), to);
                amount(&s, val2);
                fprintf(s.f[F_TRACES], "%llu,%s,%u,%s,%s,%s,0x,0x,call,call,,2300,0,0,0,,1,call_%s_0\n",
                        (unsigned long long)b, th, i, fwd, to, val, th);
                fprintf(s.f[F_TRACES], "%llu,%s,%u,%s,%s,%s,0x,,call,call,,2300,2300,0,1,Reverted,0,call_%s_1\n",
                        (unsigned long long)b, th, i, fwd, to, val2, th);
                flows++;
            }
        }
        /* withdrawals (Gwei) and the block row */
        char wd[SY_WITHDRAWALS * 160] = "";
        size_t k = 0;
        for (int w = 0; w < SY_WITHDRAWALS; w++) {
            addr_of(K_VALIDATOR, st_rng_below(&s.rng, 64), to);
            k += (size_t)snprintf(wd + k, sizeof wd - k,
                                  "%s{\"\"index\"\":%llu,\"\"validator_index\"\":%d,\"\"address\"\":\"\"%s\"\",\"\"amount\"\":%llu}",
                                  w ? "," : "", (unsigned long long)(b * SY_WITHDRAWALS + (uint64_t)w), w, to,
                                  (unsigned long long)(10000000 + st_rng_below(&s.rng, 40000000)));
            flows++;
        }
        bloom_of(b, bloom);
        fprintf(s.f[F_BLOCKS], "%llu,%s,%s,0x0000000000000000,0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347,"
                               "%s,%s,%s,%s,%s,0,58750003716598352816469,%u,0x,30000000,%llu,%llu,%u,%llu,%s,\"%s\"\n",
                (unsigned long long)b, bh, ph, bloom, bh, bh, bh, miner, 1000u + SY_TX_PER_BLOCK * 110u, (unsigned long long)cum,
                (unsigned long long)ts, (unsigned)SY_TX_PER_BLOCK, (unsigned long long)SY_BASE_FEE, bh, wd);
        memcpy(ph, bh, sizeof ph);
    }
    for (int i = 0; i < F_N; i++)
        if (fflush(s.f[i]) != 0 || ferror(s.f[i])) {
            rc = st_error_at(err, ST_EIO, file_names[i], 0, -1, "cannot write: %s", strerror(errno));
            goto done;
        }
done:
    for (int i = 0; i < F_N; i++)
        if (s.f[i] && fclose(s.f[i]) != 0 && rc == ST_OK)
            rc = st_error_at(err, ST_EIO, file_names[i], 0, -1, "cannot write: %s", strerror(errno));
    return rc;
}
