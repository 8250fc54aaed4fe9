/*
 * codec.h - the text encodings of cryptocurrency addresses, once: base58
 * (any 58-letter alphabet: Bitcoin's, Ripple's), base58check, and bech32 /
 * bech32m with BIP173/BIP350 segwit addresses.  The chain store decodes
 * and writes addresses with them; wallet normalisation checks sanctions
 * list addresses with them.
 *
 * Design: fixed stack buffers sized for addresses (at most 64 decoded
 * bytes, 90 bech32 characters); inputs past that are refused, never
 * truncated.  Every decoder checks its checksum and reports plain -1 / a
 * status, so callers decide what an unreadable address means to them.
 */
#ifndef ST_CODEC_H
#define ST_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* ---- hex ---------------------------------------------------------------- */

/* The value of hex digit c (either case), -1 for any other byte; inline,
 * for parsers on a hot path. */
static inline int st_hex_digit(int c) {
    int l = c | 32; /* 'A'..'F' -> 'a'..'f' */
    return c >= '0' && c <= '9' ? c - '0' : l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

/* bytes[n] as lower-case hex into out (2n characters and a NUL). */
void st_hex_encode(const uint8_t *bytes, size_t n, char *out);

/* Exactly 2n hex digits at s (either case) into out[n].  ST_OK, or
 * ST_EINVAL for any other byte (out then partly written).  Reads no byte
 * past the first that is no digit, so s may be a shorter string. */
int st_hex_decode(const char *s, uint8_t *out, size_t n);

/* The same, for s known to hold 2n bytes: they are read 16 at a time. */
int st_hex_decode_all(const char *s, uint8_t *out, size_t n);

/* Hex digit values, 0x80 for any other byte: one load a digit, and the
 * digits of a whole field OR-ed into one check (branches per digit were a
 * quarter of an ingest). */
extern const uint8_t st_hex_table[256];

extern const char st_base58_alphabet[]; /* Bitcoin's */

/* Decode base58 text s (alphabet abc, 58 letters) into out (at most cap
 * bytes).  Returns the length, or -1 for a letter outside abc or a result
 * longer than cap or 64 bytes. */
int st_base58_decode(const char *abc, const char *s, uint8_t *out, size_t cap);

/* 1 when d[n] ends in the first four bytes of SHA-256d over the rest. */
int st_base58check_ok(const uint8_t *d, size_t n);

/* payload[n] + its 4-byte checksum as Bitcoin base58 into out[cap].
 * ST_OK, or ST_EINVAL when n > 60 or out is too small. */
int st_base58check_encode(const uint8_t *payload, size_t n, char *out, size_t cap);

/* Decode Bitcoin base58check text: *n gets the payload length without the
 * checksum.  ST_OK, or ST_EINVAL for bad text, a short or long result, or a
 * checksum that does not hold. */
int st_base58check_decode(const char *s, uint8_t *out, size_t cap, size_t *n);

extern const char st_bech32_alphabet[];

enum { ST_BECH32_NONE = 0, ST_BECH32 = 1, ST_BECH32M = 2 };

/* s: lower-case "hrp1data..." of at most 90 characters.  Returns which
 * checksum holds (ST_BECH32 or ST_BECH32M), or ST_BECH32_NONE. */
int st_bech32_verify(const char *s);

/* A segwit address for witness version ver and program prog[plen] with
 * human-readable part hrp ("bc", "tb", "bcrt"): bech32 for version 0,
 * bech32m after (BIP350).  ST_OK or ST_EINVAL when out[cap] is too small. */
int st_segwit_encode(const char *hrp, int ver, const uint8_t *prog, size_t plen, char *out, size_t cap);

/* Decode a segwit address of human-readable part hrp (either case, not
 * mixed).  *ver and prog[*plen] (at most 40 bytes) on ST_OK; ST_EINVAL for
 * anything BIP173/BIP350 refuses. */
int st_segwit_decode(const char *s, const char *hrp, int *ver, uint8_t prog[40], size_t *plen);

#endif
