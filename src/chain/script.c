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

/* ---- base58check ---- */
static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int base58check_encode(const uint8_t *data, size_t n, char *out, size_t cap) {
    uint8_t buf[64], h[32];
    if (n + 4 > sizeof buf) return ST_EINVAL;
    memcpy(buf, data, n);
    chain_dsha256(data, n, h);
    memcpy(buf + n, h, 4);
    n += 4;
    uint8_t digits[96];
    size_t nd = 0, zeros = 0;
    while (zeros < n && buf[zeros] == 0) zeros++;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = buf[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (zeros + nd + 1 > cap) return ST_EINVAL;
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++) out[o++] = '1';
    for (size_t i = 0; i < nd; i++) out[o++] = b58[digits[nd - 1 - i]];
    out[o] = 0;
    return ST_OK;
}

/* Decode; *n gets the payload length without the checksum. */
static int base58check_decode(const char *s, uint8_t *out, size_t cap, size_t *n) {
    uint8_t bytes[64];
    size_t nb = 0, zeros = 0, len = strlen(s);
    if (len == 0 || len > 60) return ST_EINVAL;
    while (s[zeros] == '1') zeros++;
    for (size_t i = zeros; i < len; i++) {
        const char *q = strchr(b58, s[i]);
        if (!q || !s[i]) return ST_EINVAL;
        unsigned carry = (unsigned)(q - b58);
        for (size_t j = 0; j < nb; j++) {
            carry += (unsigned)bytes[j] * 58;
            bytes[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            if (nb >= sizeof bytes) return ST_EINVAL;
            bytes[nb++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    size_t total = zeros + nb;
    if (total < 5 || total > cap) return ST_EINVAL;
    memset(out, 0, zeros);
    for (size_t i = 0; i < nb; i++) out[zeros + i] = bytes[nb - 1 - i];
    uint8_t h[32];
    chain_dsha256(out, total - 4, h);
    if (memcmp(h, out + total - 4, 4) != 0) return ST_EINVAL;
    *n = total - 4;
    return ST_OK;
}

/* ---- bech32 / bech32m ---- */
static const char b32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
#define BECH32_CONST 1u
#define BECH32M_CONST 0x2bc830a3u

static uint32_t polymod(const uint8_t *v, size_t n) {
    static const uint32_t g[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t top = (uint8_t)(chk >> 25);
        chk = (chk & 0x1ffffff) << 5 ^ v[i];
        for (int k = 0; k < 5; k++)
            if ((top >> k) & 1) chk ^= g[k];
    }
    return chk;
}

/* hrp expanded + data into v; returns length. */
static size_t hrp_expand(const char *hrp, uint8_t *v) {
    size_t h = strlen(hrp), n = 0;
    for (size_t i = 0; i < h; i++) v[n++] = (uint8_t)((unsigned char)hrp[i] >> 5);
    v[n++] = 0;
    for (size_t i = 0; i < h; i++) v[n++] = (uint8_t)(hrp[i] & 31);
    return n;
}

static int segwit_encode(const char *hrp, int ver, const uint8_t *prog, size_t plen, char *out, size_t cap) {
    uint8_t data[80], v[120];
    size_t nd = 0;
    data[nd++] = (uint8_t)ver;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < plen; i++) {
        acc = acc << 8 | prog[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            data[nd++] = (uint8_t)((acc >> bits) & 31);
        }
    }
    if (bits) data[nd++] = (uint8_t)((acc << (5 - bits)) & 31);
    size_t nv = hrp_expand(hrp, v);
    memcpy(v + nv, data, nd);
    nv += nd;
    memset(v + nv, 0, 6);
    uint32_t mod = polymod(v, nv + 6) ^ (ver == 0 ? BECH32_CONST : BECH32M_CONST);
    size_t h = strlen(hrp);
    if (h + 1 + nd + 6 + 1 > cap) return ST_EINVAL;
    memcpy(out, hrp, h);
    size_t o = h;
    out[o++] = '1';
    for (size_t i = 0; i < nd; i++) out[o++] = b32[data[i]];
    for (int i = 0; i < 6; i++) out[o++] = b32[(mod >> (5 * (5 - i))) & 31];
    out[o] = 0;
    return ST_OK;
}

static int segwit_decode(const char *s, const char *hrp, chain_addr_key *key) {
    size_t len = strlen(s), h = strlen(hrp);
    if (len < h + 8 || len > 90 || strncasecmp(s, hrp, h) != 0 || s[h] != '1') return ST_EINVAL;
    int lower = 0, upper = 0;
    uint8_t data[90], v[200];
    size_t nd = 0;
    for (size_t i = h + 1; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') upper = 1, c = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z') lower = 1;
        const char *q = strchr(b32, c);
        if (!q || !c) return ST_EINVAL;
        data[nd++] = (uint8_t)(q - b32);
    }
    if (lower && upper) return ST_EINVAL;
    if (nd < 7) return ST_EINVAL;
    size_t nv = hrp_expand(hrp, v);
    memcpy(v + nv, data, nd);
    uint32_t mod = polymod(v, nv + nd);
    int ver = data[0];
    if (ver > 16) return ST_EINVAL;
    if (mod != (ver == 0 ? BECH32_CONST : BECH32M_CONST)) return ST_EINVAL;
    unsigned acc = 0, bits = 0;
    size_t plen = 0;
    for (size_t i = 1; i < nd - 6; i++) {
        acc = acc << 5 | data[i];
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (plen >= 40) return ST_EINVAL;
            key->prog[plen++] = (uint8_t)((acc >> bits) & 0xff);
        }
    }
    if (bits >= 5 || ((acc << (8 - bits)) & 0xff)) return ST_EINVAL;
    if (plen < 2 || (ver == 0 && plen != 20 && plen != 32)) return ST_EINVAL;
    key->kind = (uint8_t)(2 + ver);
    key->len = (uint8_t)plen;
    return ST_OK;
}

int chain_addr_encode(const chain_addr_key *key, st_chain_net net, char *out, size_t n) {
    const chain_params *p = chain_params_get(net);
    if (key->kind <= 1) {
        uint8_t b[21];
        if (key->len != 20) return ST_EINVAL;
        b[0] = key->kind == 0 ? p->pkh_ver : p->sh_ver;
        memcpy(b + 1, key->prog, 20);
        return base58check_encode(b, 21, out, n);
    }
    if (key->kind > 18) return ST_EINVAL;
    return segwit_encode(p->hrp, key->kind - 2, key->prog, key->len, out, n);
}

int chain_addr_decode(const char *text, st_chain_net net, chain_addr_key *key, st_error *err) {
    const chain_params *p = chain_params_get(net);
    memset(key, 0, sizeof *key);
    if (segwit_decode(text, p->hrp, key) == ST_OK) return ST_OK;
    uint8_t b[64];
    size_t n;
    if (base58check_decode(text, b, sizeof b, &n) == ST_OK && n == 21) {
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
