/*
 * test_kmeans.c
 *		Unit tests of k-means: recovery of well-separated blobs, the fast
 *		assignment against a naive distance loop, the inertia, determinism,
 *		canonical numbering, restarts, and the silhouette and adjusted Rand
 *		index against naive references and values worked by hand.
 */
#include <math.h>
#include <string.h>

#include "core/kmeans.h"
#include "core/mk_alloc.h"
#include "core/rng.h"
#include "unit.h"

#define BLOB_D		5
#define BLOB_K		4

/* Sizes of the four blobs, all different so that the numbering is known. */
static const int blob_sizes[BLOB_K] = {800, 600, 400, 200};

/* Squared distance of a[d] and b[d] in double: the naive reference. */
static double
naive_sq_dist(const float *a, const float *b, int d)
{
	double		s = 0.0;

	for (int t = 0; t < d; t++)
		s += ((double) a[t] - b[t]) * ((double) a[t] - b[t]);
	return s;
}

/* Index of the centre of c[k, d] nearest to p[d], lowest on ties. */
static int
naive_nearest(const float *p, const float *c, int k, int d, double *best)
{
	int			arg = 0;

	*best = naive_sq_dist(p, c, d);
	for (int j = 1; j < k; j++)
	{
		double		s = naive_sq_dist(p, c + (size_t) j * d, d);

		if (s < *best)
		{
			*best = s;
			arg = j;
		}
	}
	return arg;
}

/*
 * Four blobs in 5 dimensions, blob j of blob_sizes[j] points centred at
 * 20 e_j with unit normal noise; centres[k, d] and truth[n] get the truth.
 */
static int
make_blobs(float *x, int32_t *truth, float *centres, uint64_t seed)
{
	MkRng		rng;
	int			n = 0;

	mk_rng_seed(&rng, seed);
	memset(centres, 0, sizeof(float) * BLOB_K * BLOB_D);
	for (int j = 0; j < BLOB_K; j++)
		centres[j * BLOB_D + j] = 20.0f;
	for (int j = 0; j < BLOB_K; j++)
	{
		for (int i = 0; i < blob_sizes[j]; i++, n++)
		{
			for (int t = 0; t < BLOB_D; t++)
				x[(size_t) n * BLOB_D + t] = centres[j * BLOB_D + t] +
					(float) mk_rng_normal(&rng);
			truth[n] = j;
		}
	}
	return n;
}

/* Uniform points in [0, 1)^d. */
static void
make_uniform(float *x, int n, int d, uint64_t seed)
{
	MkRng		rng;

	mk_rng_seed(&rng, seed);
	for (size_t i = 0; i < (size_t) n * d; i++)
		x[i] = (float) mk_rng_uniform(&rng);
}

/* Default options for k clusters. */
static MkKmeansOptions
options(int k, int restarts, uint64_t seed)
{
	MkKmeansOptions opt = {.k = k, .restarts = restarts, .max_iter = 100,
	.tol = 1e-6, .seed = seed, .before_iter = NULL, .arg = NULL};

	return opt;
}

/* Counts the calls of the before_iter hook. */
static void
count_call(void *arg)
{
	(*(int *) arg)++;
}

/* Blobs: recovered exactly, centres near the truth, cluster 0 the largest. */
static void
test_blobs(void)
{
	int			n = 2000;
	float	   *x = mk_alloc(sizeof(float) * n * BLOB_D);
	int32_t    *truth = mk_alloc(sizeof(int32_t) * n);
	int32_t    *assign = mk_alloc(sizeof(int32_t) * n);
	float		centres[BLOB_K * BLOB_D];
	float		c[BLOB_K * BLOB_D];
	MkKmeansOptions opt = options(BLOB_K, 3, 42);
	int			calls = 0;
	bool		naive_ok = true;
	double		naive_inertia = 0.0;
	double		inertia;

	make_blobs(x, truth, centres, 7);
	opt.before_iter = count_call;
	opt.arg = &calls;
	inertia = mk_kmeans_fit(x, n, BLOB_D, &opt, c, assign);

	unit_close(mk_adjusted_rand_index(assign, truth, n), 1.0, 1e-12,
			   "kmeans: blobs are recovered (ARI 1)");
	unit_check(memcmp(assign, truth, sizeof(int32_t) * n) == 0,
			   "kmeans: blob clusters numbered by decreasing size");
	unit_check(unit_max_rel_diff(c, centres, BLOB_K * BLOB_D) < 0.3,
			   "kmeans: centres within 0.3 of the blob centres");
	unit_check(calls >= 3 && calls <= 3 * 100,
			   "kmeans: before_iter called %d times, at least once a restart",
			   calls);

	for (int i = 0; i < n; i++)
	{
		double		best;

		if (naive_nearest(x + (size_t) i * BLOB_D, c, BLOB_K, BLOB_D,
						  &best) != assign[i])
			naive_ok = false;
		naive_inertia += best;
	}
	unit_check(naive_ok, "kmeans: assign matches a naive distance loop");
	unit_close(inertia, naive_inertia, 1e-9 * naive_inertia,
			   "kmeans: inertia equals a naive recomputation");
	/* about n d = 10000 for unit noise; the centres' error adds little */
	unit_check(inertia > 9000.0 && inertia < 11000.0,
			   "kmeans: blob inertia %.1f is about n d", inertia);

	mk_free(assign);
	mk_free(truth);
	mk_free(x);
}

/* mk_kmeans_assign over more than one sgemm block against a naive loop. */
static void
test_assign_naive(void)
{
	int			n = 9000,
				d = 7,
				k = 6;
	float	   *x = mk_alloc(sizeof(float) * n * d);
	float		c[6 * 7];
	int32_t    *assign = mk_alloc(sizeof(int32_t) * n);
	float	   *dist = mk_alloc(sizeof(float) * n);
	int			mismatches = 0,
				near_ties = 0;
	double		worst = 0.0;

	make_uniform(x, n, d, 3);
	make_uniform(c, k, d, 4);
	mk_kmeans_assign(x, n, d, c, k, assign, dist);
	for (int i = 0; i < n; i++)
	{
		double		best;
		int			want = naive_nearest(x + (size_t) i * d, c, k, d, &best);
		double		got = naive_sq_dist(x + (size_t) i * d,
										c + (size_t) assign[i] * d, d);

		if (want != assign[i])
		{
			mismatches++;
			/* a float rounding may only swap near-equal centres */
			near_ties += got - best < 1e-5;
		}
		if (fabs(dist[i] - best) > worst)
			worst = fabs(dist[i] - best);
	}
	unit_check(mismatches == near_ties,
			   "kmeans: assign agrees with a naive loop (%d near-ties differ)",
			   mismatches);
	unit_check(mismatches <= 5,
			   "kmeans: assign differs from the naive loop on %d of %d points",
			   mismatches, n);
	unit_check(worst < 1e-5,
			   "kmeans: dist matches naive squared distances (worst %.2g)",
			   worst);

	mk_free(dist);
	mk_free(assign);
	mk_free(x);
}

/* Same seed, same bytes; canonical numbering on structureless data. */
static void
test_determinism(void)
{
	int			n = 3000,
				d = 4,
				k = 5;
	float	   *x = mk_alloc(sizeof(float) * n * d);
	float		c1[5 * 4],
				c2[5 * 4];
	int32_t    *a1 = mk_alloc(sizeof(int32_t) * n);
	int32_t    *a2 = mk_alloc(sizeof(int32_t) * n);
	int64_t		sizes[5] = {0};
	MkKmeansOptions opt = options(k, 2, 99);
	double		i1,
				i2;
	bool		ordered = true;

	make_uniform(x, n, d, 11);
	i1 = mk_kmeans_fit(x, n, d, &opt, c1, a1);
	i2 = mk_kmeans_fit(x, n, d, &opt, c2, a2);
	unit_check(memcmp(c1, c2, sizeof(c1)) == 0 &&
			   memcmp(a1, a2, sizeof(int32_t) * n) == 0 && i1 == i2,
			   "kmeans: the same seed gives identical centroids and labels");

	for (int i = 0; i < n; i++)
		sizes[a1[i]]++;
	for (int j = 1; j < k; j++)
		ordered = ordered && sizes[j - 1] >= sizes[j];
	unit_check(ordered && sizes[k - 1] > 0,
			   "kmeans: clusters numbered by decreasing size, none empty");

	/* without assign the centroids are the same */
	mk_kmeans_fit(x, n, d, &opt, c2, NULL);
	unit_check(memcmp(c1, c2, sizeof(c1)) == 0,
			   "kmeans: assign may be NULL");

	mk_free(a2);
	mk_free(a1);
	mk_free(x);
}

/* Restarts only ever improve on the first run, which one restart makes. */
static void
test_restarts(void)
{
	int			n = 1500,
				d = 3,
				k = 8;
	float	   *x = mk_alloc(sizeof(float) * n * d);
	float		c[8 * 3];
	bool		never_worse = true;
	bool		some_better = false;

	make_uniform(x, n, d, 21);
	for (uint64_t seed = 1; seed <= 8; seed++)
	{
		MkKmeansOptions one = options(k, 1, seed);
		MkKmeansOptions five = options(k, 5, seed);
		double		i1 = mk_kmeans_fit(x, n, d, &one, c, NULL);
		double		i5 = mk_kmeans_fit(x, n, d, &five, c, NULL);

		never_worse = never_worse && i5 <= i1 * (1.0 + 1e-6);
		some_better = some_better || i5 < i1 * (1.0 - 1e-6);
	}
	unit_check(never_worse, "kmeans: 5 restarts never worse than 1");
	unit_check(some_better, "kmeans: 5 restarts sometimes better than 1");
	mk_free(x);
}

/* Edge cases: k = n, identical points, a tie, bad arguments. */
static void
test_edges(void)
{
	float		pts[5 * 2] = {0, 0, 3, 0, 0, 4, 9, 9, -5, 2};
	float		same[6 * 2] = {1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2};
	float		c[6 * 2];
	int32_t		assign[6];
	MkKmeansOptions opt = options(5, 1, 5);
	double		inertia;
	bool		finite = true;
	bool		singletons = true;

	inertia = mk_kmeans_fit(pts, 5, 2, &opt, c, assign);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < i; j++)
			singletons = singletons && assign[i] != assign[j];
	unit_check(inertia == 0.0 && singletons,
			   "kmeans: k = n puts every point alone, inertia 0");
	/* equal sizes: ordered by centre coordinates */
	unit_check(c[0] == -5.0f && c[1] == 2.0f && c[2] == 0.0f &&
			   c[3] == 0.0f && c[8] == 9.0f,
			   "kmeans: equal-size clusters ordered by their centres");

	opt = options(3, 2, 5);
	inertia = mk_kmeans_fit(same, 6, 2, &opt, c, assign);
	for (int i = 0; i < 6; i++)
		finite = finite && c[i] == same[i];
	unit_check(inertia == 0.0 && finite,
			   "kmeans: identical points give finite centres, inertia 0");

	opt = options(3, 1, 5);
	unit_check(isnan(mk_kmeans_fit(pts, 2, 2, &opt, c, assign)),
			   "kmeans: fewer points than clusters gives NaN");
	opt.k = 0;
	unit_check(isnan(mk_kmeans_fit(pts, 5, 2, &opt, c, assign)),
			   "kmeans: k = 0 gives NaN");

	/* a point equidistant from two centres goes to the first */
	{
		float		p[2] = {5, 0};
		float		cc[3 * 2] = {0, 0, 10, 0, 5, 8};
		int32_t		a;
		float		dd;

		mk_kmeans_assign(p, 1, 2, cc, 3, &a, &dd);
		unit_check(a == 0 && dd == 25.0f,
				   "kmeans: a tie goes to the lower centre");
	}
}

/* Silhouette by the definition, written independently of mk_silhouette. */
static double
naive_silhouette(const float *x, int n, int d, const int32_t *lab, int k)
{
	double		total = 0.0;

	for (int i = 0; i < n; i++)
	{
		double		a = 0.0,
					b = INFINITY;
		int			own = 0;

		for (int p = 0; p < n; p++)
			if (p != i && lab[p] == lab[i])
			{
				a += sqrt(naive_sq_dist(x + i * d, x + p * d, d));
				own++;
			}
		if (own == 0)
			continue;
		a /= own;
		for (int j = 0; j < k; j++)
		{
			double		s = 0.0;
			int			m = 0;

			if (j == lab[i])
				continue;
			for (int p = 0; p < n; p++)
				if (lab[p] == j)
				{
					s += sqrt(naive_sq_dist(x + i * d, x + p * d, d));
					m++;
				}
			if (m > 0 && s / m < b)
				b = s / m;
		}
		total += (b - a) / (a > b ? a : b);
	}
	return total / n;
}

/* Silhouette: hand-worked values, the naive reference, degenerate cases. */
static void
test_silhouette(void)
{
	float		line[4] = {0, 1, 5, 6};
	int32_t		two[4] = {0, 0, 1, 1};
	int32_t		one[4] = {0, 0, 0, 0};
	int32_t		single[3] = {0, 0, 1};
	int32_t		bad[4] = {0, 0, 1, 3};
	int			n = 60,
				d = 3;
	float		x[60 * 3];
	int32_t		lab[60];
	MkRng		rng;
	float		far[8 * 2];
	int32_t		far_lab[8];

	/* s = 1 - 1/5.5 for 0 and 6, 1 - 1/4.5 for 1 and 5: mean 79/99 */
	unit_close(mk_silhouette(line, 4, 1, two, 2), 79.0 / 99.0, 1e-12,
			   "silhouette: {0,1 | 5,6} is 79/99");
	/* 0: 1 - 1/5 = 0.8; 1: 1 - 1/4 = 0.75; 5 alone: 0 */
	unit_close(mk_silhouette(line, 3, 1, single, 2), 1.55 / 3.0, 1e-12,
			   "silhouette: a singleton counts 0");
	unit_check(isnan(mk_silhouette(line, 4, 1, one, 2)),
			   "silhouette: one cluster present gives NaN");
	unit_check(isnan(mk_silhouette(line, 4, 1, bad, 3)),
			   "silhouette: a label outside [0, k) gives NaN");

	mk_rng_seed(&rng, 5);
	for (int i = 0; i < n; i++)
	{
		lab[i] = (int32_t) mk_rng_below(&rng, 4);
		for (int t = 0; t < d; t++)
			x[i * d + t] = (float) (mk_rng_normal(&rng) + lab[i]);
	}
	lab[7] = 3;					/* make sure a cluster may be small */
	unit_close(mk_silhouette(x, n, d, lab, 5),
			   naive_silhouette(x, n, d, lab, 5), 1e-12,
			   "silhouette: matches a naive reference (with an empty label)");

	for (int i = 0; i < 8; i++)
	{
		far_lab[i] = i < 4 ? 0 : 1;
		far[i * 2] = (float) (i < 4 ? 0.0 : 1000.0) + 0.01f * (i % 4);
		far[i * 2 + 1] = 0.01f * (i % 2);
	}
	unit_check(mk_silhouette(far, 8, 2, far_lab, 2) > 0.999,
			   "silhouette: two far tight clusters are close to 1");
}

/* Adjusted Rand index: sklearn's documented values and degenerate cases. */
static void
test_ari(void)
{
	int32_t		a[4] = {0, 0, 1, 1};
	int32_t		b[4] = {0, 0, 1, 2};
	int32_t		swapped[4] = {1, 1, 0, 0};
	int32_t		odd[4] = {7, 7, -3, -3};
	int32_t		cross[4] = {0, 1, 0, 1};
	int32_t		all_one[4] = {5, 5, 5, 5};
	int32_t		alone[4] = {0, 1, 2, 3};
	int			n = 20000;
	int32_t    *r1 = mk_alloc(sizeof(int32_t) * n);
	int32_t    *r2 = mk_alloc(sizeof(int32_t) * n);
	MkRng		rng;

	unit_close(mk_adjusted_rand_index(a, a, 4), 1.0, 0.0,
			   "ari: identical labelings give 1");
	unit_close(mk_adjusted_rand_index(a, swapped, 4), 1.0, 0.0,
			   "ari: swapped labels give 1");
	unit_close(mk_adjusted_rand_index(a, odd, 4), 1.0, 0.0,
			   "ari: arbitrary label values give 1");
	unit_close(mk_adjusted_rand_index(a, b, 4), 0.5714285714285715, 1e-15,
			   "ari: sklearn's ([0,0,1,1], [0,0,1,2]) is 4/7");
	unit_close(mk_adjusted_rand_index(b, a, 4), 0.5714285714285715, 1e-15,
			   "ari: is symmetric");
	unit_close(mk_adjusted_rand_index(a, cross, 4), -0.5, 1e-15,
			   "ari: sklearn's ([0,0,1,1], [0,1,0,1]) is -0.5");
	unit_close(mk_adjusted_rand_index(all_one, alone, 4), 0.0, 0.0,
			   "ari: all together against all alone is 0");
	unit_close(mk_adjusted_rand_index(all_one, all_one, 4), 1.0, 0.0,
			   "ari: both all together (max = expected) is 1");
	unit_close(mk_adjusted_rand_index(alone, alone, 4), 1.0, 0.0,
			   "ari: both all alone (max = expected) is 1");
	unit_close(mk_adjusted_rand_index(a, b, 1), 1.0, 0.0,
			   "ari: a single item is 1");

	mk_rng_seed(&rng, 17);
	for (int i = 0; i < n; i++)
	{
		r1[i] = (int32_t) mk_rng_below(&rng, 5);
		r2[i] = (int32_t) mk_rng_below(&rng, 3);
	}
	unit_close(mk_adjusted_rand_index(r1, r2, n), 0.0, 0.005,
			   "ari: independent random labelings are near 0");
	mk_free(r2);
	mk_free(r1);
}

void
test_kmeans(void)
{
	test_blobs();
	test_assign_naive();
	test_determinism();
	test_restarts();
	test_edges();
	test_silhouette();
	test_ari();
}
