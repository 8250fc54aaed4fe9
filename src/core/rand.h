/*
 * rand.h - splitmix64, for sanctrace's generators: the synthetic
 * applicants and the evaluation deck draw from it, and the synthetic chain
 * takes its per-key choices from st_mix64 (its stream of draws is
 * xoshiro256**, seeded per chain).
 *
 * Design: a generated data set must be the same on every machine for the
 * same seed, so the generator is a few lines of integer arithmetic with
 * its state in a caller-owned struct (no global state, no libc rand()).
 * st_mix64 is splitmix64's step on its own: a stateless, well-mixed hash
 * of one 64-bit word, for "a fixed random choice per key".
 */
#ifndef ST_RAND_H
#define ST_RAND_H

#include <stdint.h>

typedef struct st_rng {
    uint64_t s; /* any value; the seed */
} st_rng;

/* splitmix64's output for state z (z advanced by the golden ratio, mixed). */
static inline uint64_t st_mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The next 64 random bits. */
static inline uint64_t st_rng_next(st_rng *r) {
    uint64_t z = st_mix64(r->s);
    r->s += 0x9e3779b97f4a7c15ull;
    return z;
}

/* Uniform enough in [0, n) for generators (modulo bias below 2^-40 for
 * n < 2^24); 0 when n is 0. */
static inline uint64_t st_rng_below(st_rng *r, uint64_t n) { return n ? st_rng_next(r) % n : 0; }

/* In [0, 1), 53 bits. */
static inline double st_rng_unit(st_rng *r) { return (double)(st_rng_next(r) >> 11) / 9007199254740992.0; }

#endif
