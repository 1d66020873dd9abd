/*
 * kmeans.h
 *		k-means clustering with k-means++ seeding, and the measures used to
 *		choose k and to compare clusterings.
 *
 * Distances are squared Euclidean, computed for a block of points against
 * every centre with one sgemm (|x|^2 - 2 x.c + |c|^2).
 */
#ifndef MK_KMEANS_H
#define MK_KMEANS_H

#include <stdint.h>

#include "rng.h"

typedef struct MkKmeansOptions
{
	int			k;
	int			restarts;		/* independent seedings; the lowest inertia wins */
	int			max_iter;		/* Lloyd iterations per restart */
	double		tol;			/* stop when the inertia improves by less, relatively */
	uint64_t	seed;
	void		(*before_iter) (void *arg);	/* called before every iteration */
	void	   *arg;
} MkKmeansOptions;

/*
 * Clusters x[n, d] (n >= k): writes centroids[k, d] and, if not NULL,
 * assign[n]; returns the inertia (sum of squared distances to the nearest
 * centre).  Clusters are numbered by decreasing size (ties by their
 * centres' coordinates), so equal solutions get equal numbers and cluster
 * 0 is the largest.
 * An emptied cluster is re-seeded with the point farthest from its centre.
 */
extern double mk_kmeans_fit(const float *x, int n, int d,
							const MkKmeansOptions *opt, float *centroids,
							int32_t *assign);

/*
 * Nearest centre of each of n points: assign[n] and, if not NULL, the
 * squared distance dist[n].
 */
extern void mk_kmeans_assign(const float *x, int n, int d,
							 const float *centroids, int k, int32_t *assign,
							 float *dist);

/*
 * Mean silhouette coefficient of the clustering (Rousseeuw 1987) over the
 * n points; O(n^2 d), so callers pass a sample.  Points in singleton
 * clusters count 0.  NaN when fewer than 2 clusters are present.
 */
extern double mk_silhouette(const float *x, int n, int d,
							const int32_t *assign, int k);

/* Adjusted Rand index of two labelings of n items (Hubert & Arabie 1985). */
extern double mk_adjusted_rand_index(const int32_t *a, const int32_t *b,
									 int n);

#endif							/* MK_KMEANS_H */
