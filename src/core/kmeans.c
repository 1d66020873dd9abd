/*
 * kmeans.c
 *		k-means (Lloyd's algorithm with k-means++ seeding), the silhouette
 *		coefficient and the adjusted Rand index.
 *
 * Seeding follows Arthur & Vassilvitskii (2007), "k-means++: the advantages
 * of careful seeding": the first centre is a point drawn uniformly, each
 * next one a point drawn with probability D(x)^2 / sum D^2, D(x) being the
 * distance from x to the nearest centre chosen so far.  Restarts draw their
 * seeds one after the other from a single stream, so a fit with restarts r
 * begins with the very run a fit with one restart makes, and can only do
 * better.
 *
 * Each Lloyd iteration assigns every point to its nearest centre, then moves
 * each centre to the mean of its points (accumulated in double).  The
 * squared distances of a block of points to all k centres come from one
 * sgemm, |x|^2 - 2 x.c + |c|^2, clamped at 0 since rounding can make the
 * difference slightly negative.  This is the usual fast form (scikit-learn
 * uses it too); its absolute error grows with |x|^2, so data far from the
 * origin should be centred first.  The reported inertia is recomputed
 * directly, in double, from the final assignment.
 *
 * A cluster left empty by an assignment takes the point farthest from its
 * own centre among the clusters that can spare one (scikit-learn's
 * relocation); this needs n >= k, which the caller guarantees.
 *
 * Results are canonical: clusters are renumbered by decreasing size, ties
 * broken by the centres' coordinates in lexicographic order, so that equal
 * solutions found from different seeds carry equal numbers.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans.h"
#include "mk_alloc.h"

/* Points per sgemm block of the assignment step. */
#define KM_BLOCK_ROWS	4096

/* Floats of the distance block: rows * k stays below this when k is large. */
#define KM_BLOCK_FLOATS	(1 << 22)

/* Scratch of one fit, allocated once and shared by the restarts. */
typedef struct KmWork
{
	const float *x;				/* points [n, d] */
	int			n;
	int			d;
	int			k;
	int			block_rows;		/* points per sgemm block */
	float	   *block;			/* -2 x.c of a block [block_rows, k] */
	float	   *cnorm;			/* |c|^2 [k] */
	int32_t    *labels;			/* nearest centre [n] */
	float	   *dist;			/* squared distance to it [n] */
	double	   *sums;			/* per-cluster coordinate sums [k, d] */
	int64_t    *counts;			/* per-cluster sizes [k] */
	double	   *mind;			/* D(x)^2 while seeding [n] */
} KmWork;

/* Squared Euclidean distance of a[d] and b[d], in double. */
static double
sq_dist(const float *a, const float *b, int d)
{
	double		s = 0.0;

	for (int j = 0; j < d; j++)
	{
		double		t = (double) a[j] - (double) b[j];

		s += t * t;
	}
	return s;
}

/*
 * Points per block for n points and k centres: 4096, fewer when k is very
 * large, and no more than n (scoring assigns one point at a time).
 */
static int
block_rows_for(int n, int k)
{
	int			rows = KM_BLOCK_FLOATS / k;

	if (rows > KM_BLOCK_ROWS)
		rows = KM_BLOCK_ROWS;
	if (rows > n)
		rows = n;
	return rows > 0 ? rows : 1;
}

/* cnorm[k] = |c_j|^2 of the centres c[k, d]. */
static void
centre_norms(const float *c, int k, int d, float *cnorm)
{
	for (int j = 0; j < k; j++)
	{
		const float *cj = c + (size_t) j * d;
		double		s = 0.0;

		for (int t = 0; t < d; t++)
			s += (double) cj[t] * cj[t];
		cnorm[j] = (float) s;
	}
}

/*
 * Assigns the rows points x[rows, d] to the nearest of the centres c[k, d]:
 * block[rows, k] = -2 x c^T by sgemm, then d2 = |x|^2 + |c|^2 + block,
 * clamped at 0; ties go to the lower index.  Writes assign[rows] and, if
 * not NULL, dist[rows]; adds to *changed the number of labels that differ
 * from what assign held before.  Returns the sum of the squared distances.
 */
static double
assign_block(const float *x, int rows, int d, const float *c,
			 const float *cnorm, int k, float *block,
			 int32_t *assign, float *dist, int64_t *changed)
{
	double		total = 0.0;

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, d,
				-2.0f, x, d, c, d, 0.0f, block, k);
	for (int i = 0; i < rows; i++)
	{
		const float *xi = x + (size_t) i * d;
		const float *bi = block + (size_t) i * k;
		double		xnorm = 0.0;
		float		best;
		int32_t		arg = 0;

		for (int t = 0; t < d; t++)
			xnorm += (double) xi[t] * xi[t];
		best = (float) xnorm + cnorm[0] + bi[0];
		for (int j = 1; j < k; j++)
		{
			float		v = (float) xnorm + cnorm[j] + bi[j];

			if (v < best)
			{
				best = v;
				arg = j;
			}
		}
		if (!(best > 0.0f))
			best = 0.0f;
		if (assign[i] != arg)
			(*changed)++;
		assign[i] = arg;
		if (dist != NULL)
			dist[i] = best;
		total += best;
	}
	return total;
}

/*
 * Assigns all n points of x[n, d] to the centres c[k, d], block by block;
 * see assign_block.  cnorm[k] and block are scratch.  Returns the inertia.
 */
static double
assign_all(const float *x, int n, int d, const float *c, int k,
		   float *cnorm, float *block, int block_rows,
		   int32_t *assign, float *dist, int64_t *changed)
{
	double		total = 0.0;

	centre_norms(c, k, d, cnorm);
	for (int start = 0; start < n; start += block_rows)
	{
		int			rows = n - start < block_rows ? n - start : block_rows;

		total += assign_block(x + (size_t) start * d, rows, d, c, cnorm, k,
							  block, assign + start,
							  dist != NULL ? dist + start : NULL, changed);
	}
	return total;
}

/* Lowers mind[i] to the squared distance from point i to centre c[d]. */
static void
seed_update(KmWork *w, const float *c)
{
	for (int i = 0; i < w->n; i++)
	{
		double		s = sq_dist(w->x + (size_t) i * w->d, c, w->d);

		if (s < w->mind[i])
			w->mind[i] = s;
	}
}

/*
 * Draws point index i with probability mind[i] / sum(mind), by inverting the
 * cumulative sum; uniformly when every point already is a centre.
 */
static int
seed_draw(KmWork *w, MkRng *rng)
{
	double		total = 0.0;
	double		target;
	double		cum = 0.0;
	int			last = -1;

	for (int i = 0; i < w->n; i++)
		total += w->mind[i];
	if (!(total > 0.0))
		return (int) mk_rng_below(rng, (uint64_t) w->n);

	target = mk_rng_uniform(rng) * total;
	for (int i = 0; i < w->n; i++)
	{
		if (w->mind[i] <= 0.0)
			continue;
		cum += w->mind[i];
		last = i;
		if (cum > target)
			return i;
	}
	/* rounding left target at or above the last partial sum */
	return last;
}

/* k-means++ seeding of the centres c[k, d] (Arthur & Vassilvitskii 2007). */
static void
seed_plusplus(KmWork *w, MkRng *rng, float *c)
{
	int			d = w->d;
	int			first = (int) mk_rng_below(rng, (uint64_t) w->n);

	memcpy(c, w->x + (size_t) first * d, (size_t) d * sizeof(float));
	for (int i = 0; i < w->n; i++)
		w->mind[i] = INFINITY;
	seed_update(w, c);
	for (int j = 1; j < w->k; j++)
	{
		int			pick = seed_draw(w, rng);
		float	   *cj = c + (size_t) j * d;

		memcpy(cj, w->x + (size_t) pick * d, (size_t) d * sizeof(float));
		seed_update(w, cj);
	}
}

/*
 * Gives each empty cluster the point farthest from its centre (by the
 * distances of the last assignment) among clusters of two points or more,
 * moving it in sums, counts and labels.  n >= k guarantees such a point.
 */
static void
relocate_empty(KmWork *w)
{
	int			d = w->d;

	for (int j = 0; j < w->k; j++)
	{
		int			far = -1;

		if (w->counts[j] > 0)
			continue;
		for (int i = 0; i < w->n; i++)
		{
			if (w->counts[w->labels[i]] < 2 || w->dist[i] < 0.0f)
				continue;
			if (far < 0 || w->dist[i] > w->dist[far])
				far = i;
		}
		if (far < 0)
			return;				/* n < k: nothing to spare */

		{
			const float *xf = w->x + (size_t) far * d;
			double	   *from = w->sums + (size_t) w->labels[far] * d;
			double	   *to = w->sums + (size_t) j * d;

			for (int t = 0; t < d; t++)
			{
				from[t] -= xf[t];
				to[t] += xf[t];
			}
			w->counts[w->labels[far]]--;
			w->counts[j] = 1;
			w->labels[far] = j;
			w->dist[far] = -1.0f;	/* taken: never moved twice */
		}
	}
}

/*
 * The update step: each centre of c[k, d] becomes the mean of the points
 * the last assignment gave it, after empty clusters were refilled.
 */
static void
update_centres(KmWork *w, float *c)
{
	int			d = w->d;

	memset(w->sums, 0, mk_mul_size((size_t) w->k * d, sizeof(double)));
	memset(w->counts, 0, mk_mul_size((size_t) w->k, sizeof(int64_t)));
	for (int i = 0; i < w->n; i++)
	{
		const float *xi = w->x + (size_t) i * d;
		double	   *s = w->sums + (size_t) w->labels[i] * d;

		for (int t = 0; t < d; t++)
			s[t] += xi[t];
		w->counts[w->labels[i]]++;
	}
	relocate_empty(w);
	for (int j = 0; j < w->k; j++)
	{
		if (w->counts[j] == 0)
			continue;			/* only when n < k: keep the old centre */
		for (int t = 0; t < d; t++)
			c[(size_t) j * d + t] =
				(float) (w->sums[(size_t) j * d + t] / (double) w->counts[j]);
	}
}

/* Inertia of the centres c[k, d] by the fast assignment; fills labels. */
static double
assign_work(KmWork *w, const float *c, int64_t *changed)
{
	return assign_all(w->x, w->n, w->d, c, w->k, w->cnorm, w->block,
					  w->block_rows, w->labels, w->dist, changed);
}

/*
 * Lloyd iterations from the seeded centres c[k, d], refined in place.
 * Stops after max_iter updates, when no label changes, or when the inertia
 * improves by no more than tol relatively.  Returns the inertia of the
 * centres it leaves in c.
 */
static double
lloyd(KmWork *w, const MkKmeansOptions *opt, float *c)
{
	double		prev = INFINITY;
	int64_t		changed;

	for (int i = 0; i < w->n; i++)
		w->labels[i] = -1;
	for (int iter = 0; iter < opt->max_iter; iter++)
	{
		double		inertia;

		if (opt->before_iter != NULL)
			opt->before_iter(opt->arg);
		changed = 0;
		inertia = assign_work(w, c, &changed);
		if (changed == 0 ||
			(iter > 0 && prev - inertia <= opt->tol * prev))
			return inertia;
		prev = inertia;
		update_centres(w, c);
	}
	changed = 0;
	return assign_work(w, c, &changed);
}

/* True when cluster a orders before b: larger, then smaller centre. */
static int
cluster_before(int a, int b, const int64_t *counts, const float *c, int d)
{
	if (counts[a] != counts[b])
		return counts[a] > counts[b];
	for (int t = 0; t < d; t++)
	{
		float		ca = c[(size_t) a * d + t];
		float		cb = c[(size_t) b * d + t];

		if (ca != cb)
			return ca < cb;
	}
	return a < b;
}

/*
 * Renumbers the clusters canonically: by decreasing size, ties by centre
 * coordinates.  Permutes the centres c[k, d] and relabels labels[n].
 * Insertion sort: k is small next to the n d work of an assignment.
 */
static void
renumber(KmWork *w, float *c)
{
	int			k = w->k;
	int			d = w->d;
	int		   *order = mk_alloc(mk_mul_size((size_t) k, sizeof(int)));
	int32_t    *rank = mk_alloc(mk_mul_size((size_t) k, sizeof(int32_t)));
	float	   *sorted = mk_alloc(mk_mul_size((size_t) k * d, sizeof(float)));

	memset(w->counts, 0, (size_t) k * sizeof(int64_t));
	for (int i = 0; i < w->n; i++)
		w->counts[w->labels[i]]++;
	for (int j = 0; j < k; j++)
	{
		int			r = j;

		while (r > 0 && cluster_before(j, order[r - 1], w->counts, c, d))
		{
			order[r] = order[r - 1];
			r--;
		}
		order[r] = j;
	}
	for (int r = 0; r < k; r++)
	{
		rank[order[r]] = r;
		memcpy(sorted + (size_t) r * d, c + (size_t) order[r] * d,
			   (size_t) d * sizeof(float));
	}
	memcpy(c, sorted, (size_t) k * d * sizeof(float));
	for (int i = 0; i < w->n; i++)
		w->labels[i] = rank[w->labels[i]];
	mk_free(sorted);
	mk_free(rank);
	mk_free(order);
}

/*
 * Clusters x[n, d] into opt->k clusters: the best of opt->restarts
 * k-means++ seedings refined by Lloyd iterations.  See kmeans.h.
 * Returns NaN, writing nothing, unless 1 <= k <= n and d >= 1.
 */
double
mk_kmeans_fit(const float *x, int n, int d, const MkKmeansOptions *opt,
			  float *centroids, int32_t *assign)
{
	KmWork		w;
	MkRng		rng;
	int			k = opt->k;
	int			restarts = opt->restarts > 0 ? opt->restarts : 1;
	size_t		kd;
	float	   *c;
	double		best = INFINITY;
	double		inertia = 0.0;

	if (k < 1 || n < k || d < 1)
		return NAN;
	kd = mk_mul_size((size_t) k, (size_t) d);

	w.x = x;
	w.n = n;
	w.d = d;
	w.k = k;
	w.block_rows = block_rows_for(n, k);
	w.block = mk_alloc(mk_mul_size(mk_mul_size((size_t) w.block_rows, k),
								   sizeof(float)));
	w.cnorm = mk_alloc(mk_mul_size((size_t) k, sizeof(float)));
	w.labels = mk_alloc(mk_mul_size((size_t) n, sizeof(int32_t)));
	w.dist = mk_alloc(mk_mul_size((size_t) n, sizeof(float)));
	w.sums = mk_alloc(mk_mul_size(kd, sizeof(double)));
	w.counts = mk_alloc(mk_mul_size((size_t) k, sizeof(int64_t)));
	w.mind = mk_alloc(mk_mul_size((size_t) n, sizeof(double)));
	c = mk_alloc(mk_mul_size(kd, sizeof(float)));

	mk_rng_seed(&rng, opt->seed);
	for (int r = 0; r < restarts; r++)
	{
		double		run;

		seed_plusplus(&w, &rng, c);
		run = lloyd(&w, opt, c);
		/* strict: an equal later run leaves the earlier one */
		if (r == 0 || run < best)
		{
			best = run;
			memcpy(centroids, c, kd * sizeof(float));
		}
	}

	/* final labels of the kept centres, canonical numbers, exact inertia */
	{
		int64_t		changed = 0;

		assign_work(&w, centroids, &changed);
	}
	renumber(&w, centroids);
	for (int i = 0; i < n; i++)
		inertia += sq_dist(x + (size_t) i * d,
						   centroids + (size_t) w.labels[i] * d, d);
	if (assign != NULL)
		memcpy(assign, w.labels, (size_t) n * sizeof(int32_t));

	mk_free(c);
	mk_free(w.mind);
	mk_free(w.counts);
	mk_free(w.sums);
	mk_free(w.dist);
	mk_free(w.labels);
	mk_free(w.cnorm);
	mk_free(w.block);
	return inertia;
}

/* Nearest of the k centres for each of the n points; see kmeans.h. */
void
mk_kmeans_assign(const float *x, int n, int d, const float *centroids,
				 int k, int32_t *assign, float *dist)
{
	int			block_rows;
	float	   *block;
	float	   *cnorm;
	int64_t		changed = 0;

	if (n < 1 || k < 1 || d < 1)
		return;
	block_rows = block_rows_for(n, k);
	block = mk_alloc(mk_mul_size(mk_mul_size((size_t) block_rows, k),
								 sizeof(float)));
	cnorm = mk_alloc(mk_mul_size((size_t) k, sizeof(float)));
	assign_all(x, n, d, centroids, k, cnorm, block, block_rows, assign, dist,
			   &changed);
	mk_free(cnorm);
	mk_free(block);
}

/*
 * Mean silhouette of labels assign[n] in [0, k) (Rousseeuw 1987): for each
 * point, a = mean distance to the other points of its cluster, b = the
 * least mean distance to the points of another non-empty cluster, and
 * s = (b - a) / max(a, b); 0 for a point alone in its cluster.  Distances
 * are Euclidean, in double.  NaN for a label outside [0, k) or fewer than
 * two clusters present.
 */
double
mk_silhouette(const float *x, int n, int d, const int32_t *assign, int k)
{
	int64_t    *sizes;
	double	   *sum;
	int			present = 0;
	double		total = 0.0;

	if (n < 1 || k < 1)
		return NAN;
	for (int i = 0; i < n; i++)
		if (assign[i] < 0 || assign[i] >= k)
			return NAN;

	sizes = mk_alloc(mk_mul_size((size_t) k, sizeof(int64_t)));
	sum = mk_alloc(mk_mul_size((size_t) k, sizeof(double)));
	for (int i = 0; i < n; i++)
		sizes[assign[i]]++;
	for (int j = 0; j < k; j++)
		present += sizes[j] > 0;
	if (present < 2)
	{
		mk_free(sum);
		mk_free(sizes);
		return NAN;
	}

	for (int i = 0; i < n; i++)
	{
		int32_t		own = assign[i];
		double		a;
		double		b = INFINITY;

		if (sizes[own] < 2)
			continue;			/* a singleton counts 0 */
		memset(sum, 0, (size_t) k * sizeof(double));
		for (int p = 0; p < n; p++)
			if (p != i)
				sum[assign[p]] += sqrt(sq_dist(x + (size_t) i * d,
											   x + (size_t) p * d, d));
		a = sum[own] / (double) (sizes[own] - 1);
		for (int j = 0; j < k; j++)
			if (j != own && sizes[j] > 0 && sum[j] / (double) sizes[j] < b)
				b = sum[j] / (double) sizes[j];
		if (a < b)
			total += 1.0 - a / b;
		else if (a > b)
			total += b / a - 1.0;
	}
	mk_free(sum);
	mk_free(sizes);
	return total / (double) n;
}

/* One item of a pair of labelings. */
typedef struct LabelPair
{
	int32_t		first;
	int32_t		second;
} LabelPair;

/* qsort order on (first, second). */
static int
compare_pair(const void *pa, const void *pb)
{
	const LabelPair *a = pa;
	const LabelPair *b = pb;

	if (a->first != b->first)
		return (a->first > b->first) - (a->first < b->first);
	return (a->second > b->second) - (a->second < b->second);
}

/* Number of unordered pairs among m items, m (m - 1) / 2, in double. */
static double
pairs_of(int64_t m)
{
	return (double) m * (double) (m - 1) / 2.0;
}

/*
 * Sums C(m, 2) over the runs of equal "first" in sorted pairs[n] into
 * *rows, and over the runs of equal (first, second), the cells of the
 * contingency table, into *cells.
 */
static void
count_runs(const LabelPair *pairs, int n, double *rows, double *cells)
{
	int			row_start = 0;
	int			cell_start = 0;

	*rows = 0.0;
	*cells = 0.0;
	for (int i = 1; i <= n; i++)
	{
		if (i == n || pairs[i].first != pairs[cell_start].first ||
			pairs[i].second != pairs[cell_start].second)
		{
			*cells += pairs_of(i - cell_start);
			cell_start = i;
		}
		if (i == n || pairs[i].first != pairs[row_start].first)
		{
			*rows += pairs_of(i - row_start);
			row_start = i;
		}
	}
}

/*
 * Adjusted Rand index of labelings a[n] and b[n], any int32 values
 * (Hubert & Arabie 1985):
 *	ARI = (index - expected) / (max - expected),	where
 *	index = sum_ij C(n_ij, 2),  A = sum_i C(a_i, 2),  B = sum_j C(b_j, 2),
 *	expected = A B / C(n, 2),	max = (A + B) / 2.
 * The contingency cells n_ij are runs of the (a, b) pairs once sorted, so no
 * table of (classes x clusters) is built.  max = expected only when both
 * labelings put every item alone or all items together; then ARI is 1 if
 * the partitions are equal, else 0.  Identical partitions give index = A =
 * B, hence 1 exactly.  1 for fewer than two items.
 */
double
mk_adjusted_rand_index(const int32_t *a, const int32_t *b, int n)
{
	LabelPair  *pairs;
	double		sum_a,
				sum_b,
				index,
				expected,
				max;

	if (n < 2)
		return 1.0;
	pairs = mk_alloc(mk_mul_size((size_t) n, sizeof(LabelPair)));
	for (int i = 0; i < n; i++)
	{
		pairs[i].first = a[i];
		pairs[i].second = b[i];
	}
	qsort(pairs, (size_t) n, sizeof(LabelPair), compare_pair);
	count_runs(pairs, n, &sum_a, &index);
	for (int i = 0; i < n; i++)
	{
		pairs[i].first = b[i];
		pairs[i].second = a[i];
	}
	qsort(pairs, (size_t) n, sizeof(LabelPair), compare_pair);
	count_runs(pairs, n, &sum_b, &index);
	mk_free(pairs);

	if (index == sum_a && index == sum_b)
		return 1.0;				/* the same partition, up to relabeling */
	expected = sum_a * sum_b / pairs_of(n);
	max = (sum_a + sum_b) / 2.0;
	if (max == expected)
		return 0.0;
	return (index - expected) / (max - expected);
}
