/*
 * script.c - output script classification and address encodings.
 *
 * An address is stored as a key (kind, program): kind 0 a pubkey hash
 * (P2PKH, and P2PK outputs under the hash of their key, as block explorers
 * show them), kind 1 a script hash, kind 2+v a witness program of version
 * v.  Text is made only when printed: base58check for kinds 0/1, bech32
 * (BIP173) for v0 and bech32m (BIP350) for v1+, with the network's prefix.
 * Bare multisig, OP_RETURN and non-standard scripts have no address.
 */
#include <string.h>

#include "chain/chain_int.h"
#include "core/codec.h"
#include "core/map.h"

static const char *const type_names[ST_SCRIPT_NTYPES] = {
    "nonstandard", "p2pk", "p2pkh", "p2sh", "multisig", "op_return",
    "p2wpkh", "p2wsh", "p2tr", "witness_unknown",
};

const char *st_script_type_name(int t) {
    return t >= 0 && t < ST_SCRIPT_NTYPES ? type_names[t] : "unknown";
}

static int pubkey_ok(const uint8_t *k, size_t n) {
    if (n == 33) return k[0] == 2 || k[0] == 3;
    if (n == 65) return k[0] == 4 || k[0] == 6 || k[0] == 7;
    return 0;
}

static int is_multisig(const uint8_t *s, size_t n) {
    if (n < 3 || s[n - 1] != 0xae) return 0;
    if (s[0] < 0x51 || s[0] > 0x60) return 0;
    int m = s[0] - 0x50, keys = 0;
    size_t i = 1;
    while (i < n - 2) {
        uint8_t l = s[i];
        if ((l != 33 && l != 65) || l > n - 2 - i - 1) return 0; /* i < n - 2 */
        if (!pubkey_ok(s + i + 1, l)) return 0;
        i += 1 + l;
        keys++;
    }
    if (i != n - 2 || s[n - 2] < 0x51 || s[n - 2] > 0x60) return 0;
    int nk = s[n - 2] - 0x50;
    return nk == keys && m <= nk;
}

int chain_script_classify(const uint8_t *s, size_t n, int *type, chain_addr_key *key) {
    key->len = 0;
    if (n == 25 && s[0] == 0x76 && s[1] == 0xa9 && s[2] == 20 && s[23] == 0x88 && s[24] == 0xac) {
        *type = ST_SCRIPT_P2PKH;
        key->kind = 0, key->len = 20;
        memcpy(key->prog, s + 3, 20);
        return 1;
    }
    if (n == 23 && s[0] == 0xa9 && s[1] == 20 && s[22] == 0x87) {
        *type = ST_SCRIPT_P2SH;
        key->kind = 1, key->len = 20;
        memcpy(key->prog, s + 2, 20);
        return 1;
    }
    /* witness program: version opcode then one push of 2..40 bytes */
    if (n >= 4 && n <= 42 && (s[0] == 0 || (s[0] >= 0x51 && s[0] <= 0x60)) && s[1] == n - 2) {
        int v = s[0] ? s[0] - 0x50 : 0;
        size_t plen = n - 2;
        if (v == 0 && plen != 20 && plen != 32) {
            *type = ST_SCRIPT_NONSTANDARD;
            return 0;
        }
        *type = v == 0 ? (plen == 20 ? ST_SCRIPT_P2WPKH : ST_SCRIPT_P2WSH)
                       : (v == 1 && plen == 32 ? ST_SCRIPT_P2TR : ST_SCRIPT_WITNESS_UNKNOWN);
        key->kind = (uint8_t)(2 + v), key->len = (uint8_t)plen;
        memcpy(key->prog, s + 2, plen);
        return 1;
    }
    if ((n == 35 || n == 67) && s[0] == n - 2 && s[n - 1] == 0xac && pubkey_ok(s + 1, n - 2)) {
        *type = ST_SCRIPT_P2PK;
        key->kind = 0, key->len = 20;
        chain_hash160(s + 1, n - 2, key->prog);
        return 1;
    }
    if (n >= 1 && s[0] == 0x6a) {
        *type = ST_SCRIPT_OP_RETURN;
        return 0;
    }
    *type = is_multisig(s, n) ? ST_SCRIPT_MULTISIG : ST_SCRIPT_NONSTANDARD;
    return 0;
}

uint64_t chain_addr_key_hash(const chain_addr_key *k) {
    /* programs are hashes already, so mixing their first bytes suffices */
    uint64_t h;
    if (k->len >= 8) memcpy(&h, k->prog, 8);
    else h = st_hash64(k->prog, k->len);
    h ^= (uint64_t)k->kind * 0x9e3779b97f4a7c15ull ^ (uint64_t)k->len << 56;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

/* ---- address text: base58check and bech32/bech32m (core/codec.c) ---- */

static int segwit_decode(const char *s, const char *hrp, chain_addr_key *key) {
    int ver;
    size_t plen;
    uint8_t prog[40];
    if (st_segwit_decode(s, hrp, &ver, prog, &plen) != ST_OK) return ST_EINVAL;
    key->kind = (uint8_t)(2 + ver);
    key->len = (uint8_t)plen;
    memcpy(key->prog, prog, plen);
    return ST_OK;
}

int chain_addr_encode(const chain_addr_key *key, st_chain_net net, char *out, size_t n) {
    const chain_params *p = chain_params_get(net);
    if (key->kind <= 1) {
        uint8_t b[21];
        if (key->len != 20) return ST_EINVAL;
        b[0] = key->kind == 0 ? p->pkh_ver : p->sh_ver;
        memcpy(b + 1, key->prog, 20);
        return st_base58check_encode(b, 21, out, n);
    }
    if (key->kind > 18) return ST_EINVAL;
    return st_segwit_encode(p->hrp, key->kind - 2, key->prog, key->len, out, n);
}

int chain_addr_decode(const char *text, st_chain_net net, chain_addr_key *key, st_error *err) {
    const chain_params *p = chain_params_get(net);
    memset(key, 0, sizeof *key);
    if (segwit_decode(text, p->hrp, key) == ST_OK) return ST_OK;
    uint8_t b[64];
    size_t n;
    if (st_base58check_decode(text, b, sizeof b, &n) == ST_OK && n == 21) {
        if (b[0] == p->pkh_ver || b[0] == p->sh_ver) {
            key->kind = b[0] == p->pkh_ver ? 0 : 1;
            key->len = 20;
            memcpy(key->prog, b + 1, 20);
            return ST_OK;
        }
        return st_error_set(err, ST_EINVAL, "address '%.100s' is not a %s address", text,
                            st_chain_net_name(net));
    }
    return st_error_set(err, ST_EINVAL,
                        "'%.100s' is not a valid %s address (bad base58check or bech32 checksum, or wrong prefix)",
                        text, st_chain_net_name(net));
}
