/*
 * rng.c
 *		Seeded pseudo-random numbers: xoshiro256** seeded through splitmix64.
 *
 * Both generators are by Blackman and Vigna ("Scrambled linear pseudorandom
 * number generators", 2021).  splitmix64 spreads a 64-bit seed over the 256
 * bits of state, so that nearby seeds give unrelated streams and the state
 * is never all zero.  Everything is integer arithmetic on fixed-width types,
 * so a seed gives the same stream on every platform.
 */
#include <math.h>

#include "rng.h"

#define MK_TWO_PI 6.283185307179586476925286766559

/* Rotates x left by k bits, 0 < k < 64. */
static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* One step of splitmix64: advances *state and returns a mixed value. */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z;

	*state += UINT64_C(0x9E3779B97F4A7C15);
	z = *state;
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Fills the four state words from splitmix64 started at seed. */
void
mk_rng_seed(MkRng *rng, uint64_t seed)
{
	uint64_t	state = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&state);
}

/* Returns the next 64 random bits (xoshiro256**). */
uint64_t
mk_rng_next(MkRng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform double in [0, 1): the top 53 bits scaled by 2^-53. */
double
mk_rng_uniform(MkRng *rng)
{
	return (double) (mk_rng_next(rng) >> 11) * 0x1.0p-53;
}

/*
 * Standard normal deviate by the Box-Muller transform:
 * sqrt(-2 ln u1) * cos(2 pi u2), with u1 in (0, 1] so the log is finite.
 * The second deviate of the pair is dropped to keep the state simple.
 */
double
mk_rng_normal(MkRng *rng)
{
	double		u1 = 1.0 - mk_rng_uniform(rng);
	double		u2 = mk_rng_uniform(rng);

	return sqrt(-2.0 * log(u1)) * cos(MK_TWO_PI * u2);
}

/*
 * Uniform integer in [0, n) by rejection: values below 2^64 mod n are
 * redrawn, so the remaining range is a whole multiple of n and r % n is
 * unbiased.  Fewer than half of the draws are rejected for any n.
 */
uint64_t
mk_rng_below(MkRng *rng, uint64_t n)
{
	uint64_t	threshold = (0 - n) % n;	/* 2^64 mod n */
	uint64_t	r;

	do
		r = mk_rng_next(rng);
	while (r < threshold);
	return r % n;
}

/* Fisher-Yates (Durstenfeld) shuffle of idx[0..n). */
void
mk_rng_shuffle(MkRng *rng, int32_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--)
	{
		size_t		j = (size_t) mk_rng_below(rng, i);
		int32_t		tmp = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = tmp;
	}
}
