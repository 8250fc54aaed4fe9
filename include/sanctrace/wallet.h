/*
 * wallet.h - crypto wallet addresses normalised for exact matching.
 *
 * Screening keys wallets on the normalised form, so one address written
 * two ways (EVM hex in any case, bech32 upper or lower) finds the same
 * listing.  Checksums are verified where the format has one: EIP-55
 * mixed-case hex (Keccak-256), base58check (double SHA-256), bech32 and
 * bech32m.
 */
#ifndef SANCTRACE_WALLET_H
#define SANCTRACE_WALLET_H

#include <stddef.h>

#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ST_WALLET_MAX 128 /* longest address accepted, in bytes */

/* Normalise addr into out (n bytes; ST_WALLET_MAX + 1 always suffices):
 *   EVM (0x + 40 hex; ETH, ETC, BSC, ARB, USDT/USDC on Ethereum...): "0x" + lower-case hex;
 *   bech32/bech32m (bc1, ltc1, tb1): lower-case;  BCH cashaddr: lower-case, no prefix;
 *   base58check (Bitcoin, Litecoin, Tron, Dash, Zcash t-addresses, Ripple's
 *   alphabet...), Monero: unchanged;  anything else: trimmed, unchanged.
 * Every family but OTHER has its checksum verified.
 * chain (may be NULL) is the list's asset code and only breaks ties; the
 * shape decides.  *family_out (may be NULL) receives a static family name:
 * "EVM", "XBT", "LTC", "TRX", "DASH", "ZEC", "BTG", "DOGE", "XVG", "BCH",
 * "XMR", "XRP" or "OTHER".
 * Returns ST_OK; ST_EPARSE when the shape is right but the checksum is
 * wrong (out is still filled with the normalised form, so a caller may
 * match a list's own typo); ST_EINVAL when addr is empty, too long or has
 * characters no address has (out is "" then). */
int st_wallet_normalize(const char *chain, const char *addr, char *out, size_t n,
                        const char **family_out);

/* Keccak-256 (the Ethereum variant, not NIST SHA3-256) of data into out. */
void st_keccak256(const void *data, size_t len, unsigned char out[32]);

#ifdef __cplusplus
}
#endif

#endif
