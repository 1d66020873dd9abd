/*
 * test_rng.c
 *		Unit tests of the random number generator: reproducible streams,
 *		ranges, the moments of the normal deviates, shuffles and below().
 */
#include <math.h>
#include <stdlib.h>

#include "core/mk_alloc.h"
#include "core/rng.h"
#include "unit.h"

#define RNG_DRAWS 100000
#define N 1000

/* The same seed gives the same stream; different seeds differ. */
static void
test_rng_streams(void)
{
	MkRng		a,
				b,
				c;
	bool		same = true;
	int			differ = 0;

	mk_rng_seed(&a, 42);
	mk_rng_seed(&b, 42);
	mk_rng_seed(&c, 43);
	for (int i = 0; i < 1000; i++)
	{
		uint64_t	x = mk_rng_next(&a);

		same = same && x == mk_rng_next(&b);
		differ += x != mk_rng_next(&c);
	}
	unit_check(same, "rng: same seed gives the same stream");
	unit_check(differ == 1000, "rng: seeds 42 and 43 give different streams");
}

/* Uniform deviates lie in [0, 1) with mean near 1/2 and variance near 1/12. */
static void
test_rng_uniform(void)
{
	MkRng		rng;
	bool		in_range = true;
	double		sum = 0.0,
				sumsq = 0.0;

	mk_rng_seed(&rng, 7);
	for (int i = 0; i < RNG_DRAWS; i++)
	{
		double		u = mk_rng_uniform(&rng);

		in_range = in_range && u >= 0.0 && u < 1.0;
		sum += u;
		sumsq += u * u;
	}
	unit_check(in_range, "rng: uniform in [0, 1)");
	unit_close(sum / RNG_DRAWS, 0.5, 0.01, "rng: uniform mean");
	unit_close(sumsq / RNG_DRAWS - pow(sum / RNG_DRAWS, 2), 1.0 / 12.0, 0.005,
			   "rng: uniform variance");
}

/* Normal deviates have mean near 0, variance near 1, few beyond 4 sigma. */
static void
test_rng_normal(void)
{
	MkRng		rng;
	double		sum = 0.0,
				sumsq = 0.0;
	int			far = 0;
	bool		finite = true;

	mk_rng_seed(&rng, 11);
	for (int i = 0; i < RNG_DRAWS; i++)
	{
		double		z = mk_rng_normal(&rng);

		finite = finite && isfinite(z);
		sum += z;
		sumsq += z * z;
		far += fabs(z) > 4.0;
	}
	unit_check(finite, "rng: normal deviates are finite");
	unit_close(sum / RNG_DRAWS, 0.0, 0.02, "rng: normal mean");
	unit_close(sumsq / RNG_DRAWS, 1.0, 0.03, "rng: normal variance");
	unit_check(far < 20, "rng: normal tail beyond 4 sigma is rare (%d)", far);
}

/* below(n) stays in [0, n) and hits every value of a small range evenly. */
static void
test_rng_below(void)
{
	MkRng		rng;
	int			counts[7] = {0};
	bool		in_range = true;
	bool		even = true;
	uint64_t	big = (UINT64_C(1) << 63) + 12345;

	mk_rng_seed(&rng, 3);
	for (int i = 0; i < 70000; i++)
	{
		uint64_t	r = mk_rng_below(&rng, 7);

		in_range = in_range && r < 7;
		if (r < 7)
			counts[r]++;
	}
	for (int k = 0; k < 7; k++)
		even = even && abs(counts[k] - 10000) < 500;
	unit_check(in_range, "rng: below(7) in [0, 7)");
	unit_check(even, "rng: below(7) roughly uniform");
	for (int i = 0; i < 1000; i++)
		in_range = in_range && mk_rng_below(&rng, big) < big &&
			mk_rng_below(&rng, 1) == 0;
	unit_check(in_range, "rng: below(2^63 + 12345) and below(1) in range");
}

/* A shuffle is a permutation, depends on the seed, and moves elements. */
static void
test_rng_shuffle(void)
{
	int32_t    *idx = mk_alloc(N * sizeof(int32_t));
	int32_t    *seen = mk_alloc(N * sizeof(int32_t));
	MkRng		rng;
	bool		perm = true;
	int			fixed = 0;
	int32_t		first;

	for (int i = 0; i < N; i++)
		idx[i] = i;
	mk_rng_seed(&rng, 5);
	mk_rng_shuffle(&rng, idx, N);
	for (int i = 0; i < N; i++)
	{
		perm = perm && idx[i] >= 0 && idx[i] < N && !seen[idx[i]];
		if (idx[i] >= 0 && idx[i] < N)
			seen[idx[i]] = 1;
		fixed += idx[i] == i;
	}
	unit_check(perm, "rng: shuffle is a permutation");
	unit_check(fixed < 10, "rng: shuffle moves elements (%d fixed)", fixed);
	first = idx[0];
	mk_rng_shuffle(&rng, idx, 0);
	mk_rng_shuffle(&rng, idx, 1);
	unit_check(idx[0] == first, "rng: shuffles of 0 and 1 elements are no-ops");
	mk_free(idx);
	mk_free(seen);
}

/* Shuffling three elements gives each of the 6 orders about equally often. */
static void
test_rng_shuffle_uniform(void)
{
	int			counts[6] = {0};
	bool		even = true;
	MkRng		rng;

	mk_rng_seed(&rng, 6);
	for (int t = 0; t < 6000; t++)
	{
		int32_t		idx[3] = {0, 1, 2};

		mk_rng_shuffle(&rng, idx, 3);
		/* rank of the order: first element picks a pair, then the rest */
		counts[idx[0] * 2 + (idx[1] > idx[2])]++;
	}
	for (int k = 0; k < 6; k++)
		even = even && abs(counts[k] - 1000) < 150;
	unit_check(even, "rng: shuffle of 3 gives all 6 orders evenly");
}

/* Runs the rng group. */
void
test_rng(void)
{
	test_rng_streams();
	test_rng_uniform();
	test_rng_normal();
	test_rng_below();
	test_rng_shuffle();
	test_rng_shuffle_uniform();
}
