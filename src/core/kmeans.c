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
 * squared distances of a chunk of points to all k centres come from one
 * sgemm, |x|^2 - 2 x.c + |c|^2 (|x|^2 computed once per fit), clamped at 0
 * since rounding can make the difference slightly negative.  This is the
 * usual fast form (scikit-learn uses it too); its absolute error grows with
 * |x|^2, so data far from the origin should be centred first.  The same
 * pass adds each point to its cluster's sums while the chunk is in cache,
 * so an iteration reads the points once.  The reported inertia is
 * recomputed directly, in double, from the final assignment.
 *
 * The seeding distances and the silhouette are exact sums in double, which
 * the compiler may not reorder; they run fast by summing several points'
 * distances side by side instead, each in its own fixed order.
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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans.h"
#include "mk_alloc.h"

/*
 * Points per sgemm chunk of the assignment step: the chunk's rows and their
 * distances to the centres stay in the L2 cache while the same rows are
 * scanned again for the nearest centre and added to its sums.
 */
#define KM_CHUNK_ROWS	1024

/* Floats of the distance chunk: rows * k stays below this when k is large. */
#define KM_CHUNK_FLOATS	(1 << 22)

/* Scratch of one fit, allocated once and shared by the restarts. */
typedef struct KmWork
{
	const float *x;				/* points [n, d] */
	int			n;
	int			d;
	int			k;
	int			chunk_rows;		/* points per sgemm chunk */
	float	   *xnorm;			/* |x|^2 [n], computed once per fit */
	float	   *chunk;			/* -2 x.c of a chunk [chunk_rows, k] */
	float	   *cnorm;			/* |c|^2 [k] */
	int32_t    *labels;			/* nearest centre [n] */
	float	   *dist;			/* squared distance to it [n] */
	double	   *sums;			/* per-cluster coordinate sums [k, d] */
	int64_t    *counts;			/* per-cluster sizes [k] */
	double	   *mind;			/* D(x)^2 while seeding [n] */
} KmWork;

/*
 * What one assignment pass writes for its points: the nearest centre and,
 * if dist is not NULL, the squared distance to it; if sums is not NULL, the
 * points' coordinates added to the sums and counts of their clusters, in
 * point order (the caller zeroes them).  changed counts the labels that
 * differ from what labels held.
 */
typedef struct KmPass
{
	int32_t    *labels;
	float	   *dist;
	double	   *sums;
	int64_t    *counts;
	int64_t		changed;
} KmPass;

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

/* Vectors whose squared distances sq_dists sums side by side. */
#define KM_LANES	4

/*
 * dist[m] = sq_dist(v_p, q) of the vectors v[m, d] and q[d], in double.
 * The vectors go KM_LANES at a time: their sums do not wait on one another,
 * and each is still added in sq_dist's order, so the distances are the
 * same to the bit.
 */
static void
sq_dists(const float *v, int m, int d, const float *q, double *dist)
{
	int			p = 0;

	for (; p + KM_LANES <= m; p += KM_LANES)
	{
		const float *vp = v + (size_t) p * d;
		double		s[KM_LANES] = {0.0};

		for (int t = 0; t < d; t++)
		{
			double		qt = q[t];

			for (int l = 0; l < KM_LANES; l++)
			{
				double		e = (double) vp[(size_t) l * d + t] - qt;

				s[l] += e * e;
			}
		}
		for (int l = 0; l < KM_LANES; l++)
			dist[p + l] = s[l];
	}
	for (; p < m; p++)
		dist[p] = sq_dist(v + (size_t) p * d, q, d);
}

/*
 * dist[m] = sq_dist(v_p, q) of the vectors stored coordinate by coordinate,
 * vt[d, m] (coordinate t of vector p at vt[t * m + p]), and q[d], in
 * double.  The loop over the vectors is the inner one and runs vectorised;
 * each distance is still added in sq_dist's order, to the same bits.
 */
static void
sq_dists_by_coord(const float *vt, int m, int d, const float *q,
				  double *dist)
{
	memset(dist, 0, (size_t) m * sizeof(double));
	for (int t = 0; t < d; t++)
	{
		const float *vt_t = vt + (size_t) t * m;
		double		qt = q[t];

		for (int p = 0; p < m; p++)
		{
			double		e = (double) vt_t[p] - qt;

			dist[p] += e * e;
		}
	}
}

/*
 * Points per chunk for n points and k centres: KM_CHUNK_ROWS, fewer when k
 * is very large, and no more than n (scoring assigns one point at a time).
 */
static int
chunk_rows_for(int n, int k)
{
	int			rows = KM_CHUNK_FLOATS / k;

	if (rows > KM_CHUNK_ROWS)
		rows = KM_CHUNK_ROWS;
	if (rows > n)
		rows = n;
	return rows > 0 ? rows : 1;
}

/* norms[m] = |v_i|^2 of the vectors v[m, d], summed in double. */
static void
sq_norms(const float *v, int m, int d, float *norms)
{
	for (int i = 0; i < m; i++)
	{
		const float *vi = v + (size_t) i * d;
		double		s = 0.0;

		for (int t = 0; t < d; t++)
			s += (double) vi[t] * vi[t];
		norms[i] = (float) s;
	}
}

/*
 * Assigns the rows points x[rows, d], of squared norms xnorm[rows], to the
 * nearest of the centres c[k, d]: chunk[rows, k] = -2 x c^T by sgemm, then
 * d2 = |x|^2 + |c|^2 + chunk, clamped at 0; ties go to the lower index.
 * Writes the pass's outputs for these rows (labels etc. point at the
 * first of them; sums and counts cover all clusters).  Returns the sum of
 * the squared distances.
 */
static double
assign_chunk(const float *x, const float *xnorm, int rows, int d,
			 const float *c, const float *cnorm, int k, float *chunk,
			 KmPass *pass, int first)
{
	double		total = 0.0;

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, d,
				-2.0f, x, d, c, d, 0.0f, chunk, k);
	for (int i = 0; i < rows; i++)
	{
		const float *bi = chunk + (size_t) i * k;
		float		xn = xnorm[i];
		float		best = xn + cnorm[0] + bi[0];
		int32_t		arg = 0;

		for (int j = 1; j < k; j++)
		{
			float		v = xn + cnorm[j] + bi[j];

			if (v < best)
			{
				best = v;
				arg = j;
			}
		}
		if (!(best > 0.0f))
			best = 0.0f;
		if (pass->labels[first + i] != arg)
			pass->changed++;
		pass->labels[first + i] = arg;
		if (pass->dist != NULL)
			pass->dist[first + i] = best;
		if (pass->sums != NULL)
		{
			const float *xi = x + (size_t) i * d;
			double	   *s = pass->sums + (size_t) arg * d;

			for (int t = 0; t < d; t++)
				s[t] += xi[t];
			pass->counts[arg]++;
		}
		total += best;
	}
	return total;
}

/*
 * Assigns all n points of x[n, d], of squared norms xnorm[n], to the
 * centres c[k, d], chunk by chunk; see assign_chunk.  cnorm[k] and chunk
 * are scratch.  Returns the inertia.
 */
static double
assign_all(const float *x, const float *xnorm, int n, int d, const float *c,
		   int k, float *cnorm, float *chunk, int chunk_rows, KmPass *pass)
{
	double		total = 0.0;

	sq_norms(c, k, d, cnorm);
	for (int start = 0; start < n; start += chunk_rows)
	{
		int			rows = n - start < chunk_rows ? n - start : chunk_rows;

		total += assign_chunk(x + (size_t) start * d, xnorm + start, rows, d,
							  c, cnorm, k, chunk, pass, start);
	}
	return total;
}

/*
 * Lowers mind[i] to the squared distance from point i to centre c[d],
 * a chunk of points at a time.
 */
static void
seed_update(KmWork *w, const float *c)
{
	double		dist[KM_CHUNK_ROWS];

	for (int start = 0; start < w->n; start += KM_CHUNK_ROWS)
	{
		int			rows = w->n - start < KM_CHUNK_ROWS ?
			w->n - start : KM_CHUNK_ROWS;

		sq_dists(w->x + (size_t) start * w->d, rows, w->d, c, dist);
		for (int i = 0; i < rows; i++)
			if (dist[i] < w->mind[start + i])
				w->mind[start + i] = dist[i];
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
 * the last assignment gave it (its pass summed them), after empty clusters
 * were refilled.
 */
static void
update_centres(KmWork *w, float *c)
{
	int			d = w->d;

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

/*
 * Inertia of the centres c[k, d] by the fast assignment; fills labels and
 * dist and, with sum_clusters, the sums and counts the update step needs.
 * Returns the number of labels changed in *changed.
 */
static double
assign_work(KmWork *w, const float *c, bool sum_clusters, int64_t *changed)
{
	KmPass		pass = {w->labels, w->dist, NULL, NULL, 0};
	double		inertia;

	if (sum_clusters)
	{
		memset(w->sums, 0, mk_mul_size((size_t) w->k * w->d, sizeof(double)));
		memset(w->counts, 0, mk_mul_size((size_t) w->k, sizeof(int64_t)));
		pass.sums = w->sums;
		pass.counts = w->counts;
	}
	inertia = assign_all(w->x, w->xnorm, w->n, w->d, c, w->k, w->cnorm,
						 w->chunk, w->chunk_rows, &pass);
	*changed = pass.changed;
	return inertia;
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
		inertia = assign_work(w, c, true, &changed);
		if (changed == 0 ||
			(iter > 0 && prev - inertia <= opt->tol * prev))
			return inertia;
		prev = inertia;
		update_centres(w, c);
	}
	return assign_work(w, c, false, &changed);
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
	w.chunk_rows = chunk_rows_for(n, k);
	w.chunk = mk_alloc(mk_mul_size(mk_mul_size((size_t) w.chunk_rows, k),
								   sizeof(float)));
	w.xnorm = mk_alloc(mk_mul_size((size_t) n, sizeof(float)));
	sq_norms(x, n, d, w.xnorm);
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
		int64_t		changed;

		assign_work(&w, centroids, false, &changed);
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
	mk_free(w.chunk);
	mk_free(w.xnorm);
	return inertia;
}

/* Nearest of the k centres for each of the n points; see kmeans.h. */
void
mk_kmeans_assign(const float *x, int n, int d, const float *centroids,
				 int k, int32_t *assign, float *dist)
{
	int			chunk_rows;
	float	   *chunk;
	float	   *cnorm;
	float	   *xnorm;
	KmPass		pass = {assign, dist, NULL, NULL, 0};

	if (n < 1 || k < 1 || d < 1)
		return;
	chunk_rows = chunk_rows_for(n, k);
	chunk = mk_alloc(mk_mul_size(mk_mul_size((size_t) chunk_rows, k),
								 sizeof(float)));
	cnorm = mk_alloc(mk_mul_size((size_t) k, sizeof(float)));
	xnorm = mk_alloc(mk_mul_size((size_t) n, sizeof(float)));
	sq_norms(x, n, d, xnorm);
	assign_all(x, xnorm, n, d, centroids, k, cnorm, chunk, chunk_rows, &pass);
	mk_free(xnorm);
	mk_free(cnorm);
	mk_free(chunk);
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
	float	   *xt;
	double	   *row;
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

	/* the points coordinate by coordinate, for sq_dists_by_coord */
	xt = mk_alloc(mk_mul_size((size_t) n * d, sizeof(float)));
	for (int p = 0; p < n; p++)
		for (int t = 0; t < d; t++)
			xt[(size_t) t * n + p] = x[(size_t) p * d + t];
	row = mk_alloc(mk_mul_size((size_t) n, sizeof(double)));
	for (int i = 0; i < n; i++)
	{
		int32_t		own = assign[i];
		double		a;
		double		b = INFINITY;

		if (sizes[own] < 2)
			continue;			/* a singleton counts 0 */
		memset(sum, 0, (size_t) k * sizeof(double));
		sq_dists_by_coord(xt, n, d, x + (size_t) i * d, row);
		for (int p = 0; p < n; p++)
			if (p != i)
				sum[assign[p]] += sqrt(row[p]);
		a = sum[own] / (double) (sizes[own] - 1);
		for (int j = 0; j < k; j++)
			if (j != own && sizes[j] > 0 && sum[j] / (double) sizes[j] < b)
				b = sum[j] / (double) sizes[j];
		if (a < b)
			total += 1.0 - a / b;
		else if (a > b)
			total += b / a - 1.0;
	}
	mk_free(row);
	mk_free(xt);
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
