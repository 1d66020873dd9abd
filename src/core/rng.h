/*
 * rng.h
 *		Seeded pseudo-random numbers for initialisation, shuffling and dropout.
 *
 * xoshiro256** seeded through splitmix64: fast, small state, and the same
 * stream on every platform, which is what makes training bit-reproducible.
 */
#ifndef MK_RNG_H
#define MK_RNG_H

#include <stdint.h>
#include <stddef.h>

typedef struct MkRng
{
	uint64_t	s[4];
} MkRng;

extern void mk_rng_seed(MkRng *rng, uint64_t seed);
extern uint64_t mk_rng_next(MkRng *rng);

/* Uniform double in [0, 1). */
extern double mk_rng_uniform(MkRng *rng);

/* Standard normal deviate (Box-Muller; uses two uniforms per call). */
extern double mk_rng_normal(MkRng *rng);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
extern uint64_t mk_rng_below(MkRng *rng, uint64_t n);

/* Fisher-Yates shuffle of idx[0..n). */
extern void mk_rng_shuffle(MkRng *rng, int32_t *idx, size_t n);

#endif							/* MK_RNG_H */
