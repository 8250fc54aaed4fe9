/*
 * xsynth.h - the laundering scenario's inbounds parser, outside the public
 * API: the fuzz target (fuzz/fuzz_xsynth_inbounds.c) reaches it here.
 */
#ifndef ST_XSYNTH_H
#define ST_XSYNTH_H

#include <stddef.h>

#include "sanctrace/sanctrace.h"

/* Parse a `hash,amount_wei,btc_address` CSV (evm synth --scenario bybit
 * --inbounds) in data[0..len); name labels errors.  ST_OK with *count rows
 * (at least one), or ST_EPARSE / ST_ELIMIT / ST_ENOMEM naming the line. */
int xs_parse_inbounds(const char *data, size_t len, const char *name, size_t *count, st_error *err);

#endif
