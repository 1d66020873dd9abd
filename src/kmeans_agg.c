/*
 * kmeans_agg.c
 *		k-means in SQL: mktai.kmeans_step, one Lloyd iteration as a parallel
 *		aggregate, and mktai.kmeans_assign, the nearest centre of a point.
 *
 * SELECT mktai.kmeans_step(point, centroids) FROM t assigns every point to
 * its nearest centre of centroids[k][d] and returns the new centres: the
 * mean of each centre's points, or the old centre when it got none.
 * Repeating it until the centres stop moving is Lloyd's algorithm, and a
 * large table is read by parallel workers (or, on Citus, by its shards),
 * since the state is a plain float8[] that a leader merges by addition:
 *
 *		{k, d, n, old centres [k*d], sums [k*d], counts [k]}
 *
 * The centroids argument must be the same on every row.  The first row
 * with a point supplies the old centres; later rows are only checked to
 * have the same shape, so the centroid values are read once per group.
 * Centroids stored in a table arrive compressed or TOASTed on every row;
 * they are detoasted and checked once per query and kept in fn_extra,
 * keyed on the stored bytes.
 *
 * Memory follows float8_accum: nodeAgg copies the state that the first
 * transition palloc's into the aggregate's context; after that the
 * transition and combine functions change it in place and return it, which
 * nodeAgg accepts without a copy.  They do so only when AggCheckCallContext()
 * says an aggregate owns the state; a direct call works on a copy.  The
 * final function leaves the state alone (FINALFUNC_MODIFY = READ_ONLY).
 *
 * Distances are squared Euclidean in double; a point equally near two
 * centres goes to the first.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/memutils.h"

/* Slots of the state before the old centres: k, d and the point count. */
#define KM_STATE_HEADER 3

PG_FUNCTION_INFO_V1(kmeans_step_accum);
PG_FUNCTION_INFO_V1(kmeans_step_combine);
PG_FUNCTION_INFO_V1(kmeans_step_final);
PG_FUNCTION_INFO_V1(kmeans_assign);

/* Views of a state's parts; they point into the array's data. */
typedef struct KmState
{
	int			k;
	int			d;
	float8	   *n;				/* points added */
	float8	   *old;			/* centres the points go to [k, d] */
	float8	   *sums;			/* coordinate sums per centre [k, d] */
	float8	   *counts;			/* points per centre [k] */
} KmState;

/*
 * The last stored centroids argument a call site saw (see centroids_arg):
 * its bytes as passed, and its checked, detoasted values.  In fn_mcxt.
 */
typedef struct CentroidCache
{
	Size		raw_len;
	char	   *raw;
	int			k;
	int			d;
	float8	   *values;			/* [k, d] */
} CentroidCache;

/* A new float8 array of the given shape, zeroed, without NULLs. */
static ArrayType *
new_float8_array(int ndim, const int *dims)
{
	int			lbs[MAXDIM];
	int			nelems = ArrayGetNItems(ndim, dims);
	Size		nbytes;
	ArrayType  *array;

	nbytes = ARR_OVERHEAD_NONULLS(ndim) + (Size) nelems * sizeof(float8);
	if (!AllocSizeIsValid(nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a float8 array of %d elements exceeds the maximum size",
						nelems)));
	for (int i = 0; i < ndim; i++)
		lbs[i] = 1;
	array = (ArrayType *) palloc0(nbytes);
	SET_VARSIZE(array, nbytes);
	array->ndim = ndim;
	array->dataoffset = 0;
	array->elemtype = FLOAT8OID;
	memcpy(ARR_DIMS(array), dims, ndim * sizeof(int));
	memcpy(ARR_LBOUND(array), lbs, ndim * sizeof(int));
	return array;
}

/* 1-based position of the first NULL element of an array with NULLs. */
static int
first_null(ArrayType *array)
{
	bits8	   *bitmap = ARR_NULLBITMAP(array);
	int			nelems = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));

	for (int i = 0; i < nelems; i++)
		if ((bitmap[i / 8] & (1 << (i % 8))) == 0)
			return i + 1;
	return 0;
}

/*
 * Checks the centroids argument of fname: a 2-D float8 array [k][d] of
 * finite values.  Sets *k and *d; returns the values, row-major.
 */
static float8 *
check_centroids(ArrayType *centroids, const char *fname, int *k, int *d)
{
	float8	   *values;

	if (ARR_NDIM(centroids) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s centroids must be a two-dimensional array [k][d]",
						fname),
				 errdetail_plural("The array has %d dimension.",
								  "The array has %d dimensions.",
								  ARR_NDIM(centroids), ARR_NDIM(centroids))));
	*k = ARR_DIMS(centroids)[0];
	*d = ARR_DIMS(centroids)[1];
	if (*k < 1 || *d < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s centroids must not be empty, not [%d][%d]",
						fname, *k, *d)));
	if (ARR_HASNULL(centroids))
	{
		int			i = first_null(centroids) - 1;

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s centroids must not contain NULLs", fname),
				 errdetail("Coordinate %d of centre %d is NULL.",
						   i % *d + 1, i / *d + 1)));
	}
	values = (float8 *) ARR_DATA_PTR(centroids);
	for (int i = 0; i < *k * *d; i++)
		if (!isfinite(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s centroids must be finite", fname),
					 errdetail("Coordinate %d of centre %d is %s.",
							   i % *d + 1, i / *d + 1,
							   float8out_internal(values[i]))));
	return values;
}

/*
 * Checks the point argument of fname against d dimensions: a 1-D float8
 * array of d finite values.  Returns its values.
 */
static float8 *
check_point(ArrayType *point, const char *fname, int d)
{
	int			len = ARR_NDIM(point) == 1 ? ARR_DIMS(point)[0] : 0;
	float8	   *values;

	if (ARR_NDIM(point) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s point must be a one-dimensional array", fname),
				 errdetail_plural("The array has %d dimension.",
								  "The array has %d dimensions.",
								  ARR_NDIM(point), ARR_NDIM(point))));
	if (len != d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s point has %d dimensions, but the centroids have %d",
						fname, len, d)));
	if (ARR_HASNULL(point))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s point must not contain NULLs", fname),
				 errdetail("Coordinate %d is NULL.", first_null(point))));
	values = (float8 *) ARR_DATA_PTR(point);
	for (int t = 0; t < d; t++)
		if (!isfinite(values[t]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s point must be finite", fname),
					 errdetail("Coordinate %d is %s.", t + 1,
							   float8out_internal(values[t]))));
	return values;
}

/*
 * True for a centroids datum kept in a table: compressed, or a pointer to
 * the TOAST table.  Its bytes identify the value, so that a cache keyed on
 * them is sound; an in-memory (expanded or indirect) datum may change
 * behind the same bytes, and is never cached.
 */
static bool
centroids_cacheable(struct varlena *raw)
{
	return VARATT_IS_EXTERNAL_ONDISK(raw) || VARATT_IS_COMPRESSED(raw);
}

/*
 * The checked centroids argument argno of fname; see check_centroids.
 * A stored value (centroids_cacheable) is detoasted and checked once per
 * call site: fn_extra keeps its bytes and values, and a later call passing
 * the same bytes, as every row of a query does, reuses them.
 */
static float8 *
centroids_arg(FunctionCallInfo fcinfo, int argno, const char *fname,
			  int *k, int *d)
{
	struct varlena *raw = (struct varlena *) PG_GETARG_POINTER(argno);
	CentroidCache *cache = (CentroidCache *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	Size		raw_len;
	float8	   *values;

	if (!centroids_cacheable(raw))
		return check_centroids(PG_GETARG_ARRAYTYPE_P(argno), fname, k, d);

	raw_len = VARSIZE_ANY(raw);
	if (cache != NULL && cache->raw_len == raw_len &&
		memcmp(cache->raw, raw, raw_len) == 0)
	{
		*k = cache->k;
		*d = cache->d;
		return cache->values;
	}

	values = check_centroids(PG_GETARG_ARRAYTYPE_P(argno), fname, k, d);
	if (cache == NULL)
		cache = MemoryContextAllocZero(mcxt, sizeof(CentroidCache));
	else
	{
		pfree(cache->raw);
		pfree(cache->values);
	}
	cache->raw = MemoryContextAlloc(mcxt, raw_len);
	memcpy(cache->raw, raw, raw_len);
	cache->raw_len = raw_len;
	cache->k = *k;
	cache->d = *d;
	cache->values = MemoryContextAlloc(mcxt, (Size) *k * *d * sizeof(float8));
	memcpy(cache->values, values, (Size) *k * *d * sizeof(float8));
	fcinfo->flinfo->fn_extra = cache;
	return cache->values;
}

/*
 * Checks that the centroids of a row after the first have the shape
 * [k][d] of the state.  Only the header of an in-memory array is read; a
 * stored one goes through the cache of centroids_arg.
 */
static void
check_centroid_shape(FunctionCallInfo fcinfo, int k, int d)
{
	int			rows,
				cols;

	if (centroids_cacheable((struct varlena *) PG_GETARG_POINTER(2)))
		(void) centroids_arg(fcinfo, 2, "kmeans_step", &rows, &cols);
	else
	{
		ArrayType  *centroids = PG_GETARG_ARRAYTYPE_P(2);

		if (ARR_NDIM(centroids) != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kmeans_step centroids must be a two-dimensional array [k][d]"),
					 errdetail_plural("The array has %d dimension.",
									  "The array has %d dimensions.",
									  ARR_NDIM(centroids),
									  ARR_NDIM(centroids))));
		rows = ARR_DIMS(centroids)[0];
		cols = ARR_DIMS(centroids)[1];
	}
	if (rows != k || cols != d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_step centroids must have the same shape on every row"),
				 errdetail("The first row has [%d][%d], this one [%d][%d].",
						   k, d, rows, cols)));
}

/* Raises the error of a malformed kmeans_step state. */
static void
invalid_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid kmeans_step state"),
			 errdetail("%s", detail)));
}

/*
 * Maps the parts of a kmeans_step state after checking its header and
 * length.  With "full", also checks that the old centres are finite and
 * the counts whole, non-negative and summing to n: the combine and final
 * functions do, once per state; the transition does not, once per row.
 */
static KmState
state_map(ArrayType *array, bool full)
{
	KmState		s;
	float8	   *v;
	int64		len;
	float8		total = 0.0;

	if (ARR_NDIM(array) != 1 || ARR_HASNULL(array) ||
		ARR_ELEMTYPE(array) != FLOAT8OID ||
		ARR_DIMS(array)[0] < KM_STATE_HEADER)
		invalid_state("The state must be a float8 array {k, d, n, old centres, sums, counts} without NULLs.");
	v = (float8 *) ARR_DATA_PTR(array);
	if (!(v[0] >= 1.0 && v[0] <= PG_INT32_MAX && v[0] == floor(v[0])) ||
		!(v[1] >= 1.0 && v[1] <= PG_INT32_MAX && v[1] == floor(v[1])) ||
		!(v[2] >= 0.0 && v[2] == floor(v[2])))
		invalid_state("Its header {k, d, n} must hold whole numbers, k and d positive.");
	s.k = (int) v[0];
	s.d = (int) v[1];
	len = KM_STATE_HEADER + 2 * (int64) s.k * s.d + s.k;
	if (ARR_DIMS(array)[0] != len)
		invalid_state("Its length does not match its header {k, d}.");
	s.n = v + 2;
	s.old = v + KM_STATE_HEADER;
	s.sums = s.old + (Size) s.k * s.d;
	s.counts = s.sums + (Size) s.k * s.d;
	if (!full)
		return s;

	for (int64 i = 0; i < (int64) s.k * s.d; i++)
		if (!isfinite(s.old[i]))
			invalid_state("Its old centres must be finite.");
	for (int j = 0; j < s.k; j++)
	{
		if (!(s.counts[j] >= 0.0 && s.counts[j] == floor(s.counts[j])))
			invalid_state("Its counts must be whole and non-negative.");
		total += s.counts[j];
	}
	if (total != *s.n)
		invalid_state("Its counts do not add up to n.");
	return s;
}

/* A new state for the centres c[k, d], no points added yet. */
static ArrayType *
state_new(const float8 *c, int k, int d)
{
	int64		len = KM_STATE_HEADER + 2 * (int64) k * d + k;
	int			dims[1];
	ArrayType  *array;
	float8	   *v;

	if (len > (int64) MaxArraySize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kmeans_step cannot aggregate %d centres of %d dimensions",
						k, d),
				 errdetail("Its state would need %lld values.",
						   (long long) len)));
	dims[0] = (int) len;
	array = new_float8_array(1, dims);
	v = (float8 *) ARR_DATA_PTR(array);
	v[0] = k;
	v[1] = d;
	memcpy(v + KM_STATE_HEADER, c, (Size) k * d * sizeof(float8));
	return array;
}

/* Index of the centre of c[k, d] nearest to p[d]; the first on ties. */
static int
nearest_centre(const float8 *p, const float8 *c, int k, int d)
{
	int			best = 0;
	float8		best_dist = INFINITY;

	for (int j = 0; j < k; j++)
	{
		const float8 *cj = c + (Size) j * d;
		float8		dist = 0.0;

		for (int t = 0; t < d; t++)
			dist += (p[t] - cj[t]) * (p[t] - cj[t]);
		if (dist < best_dist)
		{
			best_dist = dist;
			best = j;
		}
	}
	return best;
}

/*
 * mktai.kmeans_step_accum(state, point, centroids): transition of
 * kmeans_step.  Adds the point to the sums and count of its nearest centre;
 * a row with a NULL point is skipped.
 */
Datum
kmeans_step_accum(PG_FUNCTION_ARGS)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
	ArrayType  *array;
	KmState		s;
	float8	   *p;
	int			j;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("kmeans_step centroids must not be NULL")));

	if (PG_ARGISNULL(0))
	{
		int			k,
					d;
		float8	   *c = centroids_arg(fcinfo, 2, "kmeans_step", &k, &d);

		array = state_new(c, k, d);
		s = state_map(array, false);
	}
	else
	{
		array = in_agg ? PG_GETARG_ARRAYTYPE_P(0) :
			PG_GETARG_ARRAYTYPE_P_COPY(0);
		s = state_map(array, false);
		check_centroid_shape(fcinfo, s.k, s.d);
	}

	p = check_point(PG_GETARG_ARRAYTYPE_P(1), "kmeans_step", s.d);
	j = nearest_centre(p, s.old, s.k, s.d);
	for (int t = 0; t < s.d; t++)
		s.sums[(Size) j * s.d + t] += p[t];
	s.counts[j] += 1.0;
	*s.n += 1.0;
	PG_RETURN_ARRAYTYPE_P(array);
}

/*
 * mktai.kmeans_step_combine(state, state): adds the sums and counts of two
 * partial states of the same shape; the first keeps its old centres.
 */
Datum
kmeans_step_combine(PG_FUNCTION_ARGS)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
	ArrayType  *array1;
	ArrayType  *array2;
	KmState		s1,
				s2;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	array2 = PG_GETARG_ARRAYTYPE_P(1);
	s2 = state_map(array2, true);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(array2);	/* nodeAgg copies it */

	array1 = in_agg ? PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);
	s1 = state_map(array1, true);
	if (s1.k != s2.k || s1.d != s2.d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_step cannot combine states of [%d][%d] and [%d][%d] centroids",
						s1.k, s1.d, s2.k, s2.d),
				 errdetail("The centroids must be the same on every row.")));

	for (Size i = 0; i < (Size) s1.k * s1.d; i++)
		s1.sums[i] += s2.sums[i];
	for (int j = 0; j < s1.k; j++)
		s1.counts[j] += s2.counts[j];
	*s1.n += *s2.n;
	PG_RETURN_ARRAYTYPE_P(array1);
}

/*
 * mktai.kmeans_step_final(state): the new centres, a float8[k][d] of the
 * means of each centre's points (the old centre when it has none); NULL
 * when no point was added.
 */
Datum
kmeans_step_final(PG_FUNCTION_ARGS)
{
	KmState		s = state_map(PG_GETARG_ARRAYTYPE_P(0), true);
	int			dims[2];
	ArrayType  *result;
	float8	   *c;

	if (*s.n == 0.0)
		PG_RETURN_NULL();

	dims[0] = s.k;
	dims[1] = s.d;
	result = new_float8_array(2, dims);
	c = (float8 *) ARR_DATA_PTR(result);
	for (int j = 0; j < s.k; j++)
	{
		for (int t = 0; t < s.d; t++)
		{
			Size		i = (Size) j * s.d + t;

			c[i] = s.counts[j] > 0.0 ? s.sums[i] / s.counts[j] : s.old[i];
			if (!isfinite(c[i]))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("kmeans_step centre %d overflowed", j + 1),
						 errdetail("The sum of coordinate %d of its points is %s.",
								   t + 1, float8out_internal(s.sums[i]))));
		}
	}
	PG_RETURN_ARRAYTYPE_P(result);
}

/*
 * mktai.kmeans_assign(point, centroids): the 1-based index of the centre
 * nearest to the point, the first on ties.
 */
Datum
kmeans_assign(PG_FUNCTION_ARGS)
{
	int			k,
				d;
	float8	   *c = centroids_arg(fcinfo, 1, "kmeans_assign", &k, &d);
	float8	   *p = check_point(PG_GETARG_ARRAYTYPE_P(0), "kmeans_assign", d);

	PG_RETURN_INT32(nearest_centre(p, c, k, d) + 1);
}
