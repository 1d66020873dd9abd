/*
 * train_segment.c
 *		Customer segmentation: an autoencoder's latent space (or the encoded
 *		columns themselves) clustered with k-means++, and a profile of every
 *		segment.
 *
 * The steps: learn the input pipeline and encode every row as for the
 * supervised tasks; train the autoencoder with early stopping on the
 * validation rows and map every row to its latent code (method
 * "autoencoder"), or use the encoded rows as they are ("kmeans"); choose k
 * by the silhouette of a sample, unless given; cluster all rows with
 * several k-means++ restarts; and describe each segment by the columns
 * where it differs from the whole, in the units of the data.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/json.h"

#include "core/autoencoder.h"
#include "core/kmeans.h"
#include "core/mk_alloc.h"
#include "core/rng.h"
#include "core/latent_metric.h"
#include "model/encode.h"
#include "scoring.h"
#include "train_common.h"
#include "train_segment.h"

/*
 * Rows CountDistinct compares one by one, for a limit of distinct points,
 * before it sorts them all instead.
 */
#define DISTINCT_PREFIX_ROWS(limit) (4 * (limit))

/* Categories shown per column and segment, and the share they need. */
#define PROFILE_TOP_VALUES 3
#define PROFILE_MIN_SHARE 0.05

/* Value counters of one pass over the rows, segments times values (8 MB). */
#define PROFILE_COUNTS (1 << 20)

/* The rows clustered: n points of dim floats, in split order. */
typedef struct Points
{
	float	   *x;
	int			n;
	int			dim;
} Points;

/* Before every k-means iteration: where a cancel lands. */
static void
BeforeIteration(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * Re-expresses the latent codes in the decoder's metric, folding the map
 * into the network, so that the segments do not depend on the coordinates
 * the autoencoder happened to learn the latent space in (latent_metric.h).
 */
static void
UseDecoderMetric(MkModel *model, float *latent, int n)
{
	MkMlpParams enc,
				dec;
	int			last = model->mlp.n_dense - 1;

	mk_mlp_bind(&enc, model->params, &model->mlp);
	mk_mlp_bind(&dec, model->params + mk_mlp_num_params(&model->mlp),
				&model->segments.decoder);
	mk_latent_metric_fold(latent, n, model->mlp.sizes[last + 1],
						  enc.weight[last], enc.bias[last],
						  model->mlp.sizes[last], dec.weight[0],
						  model->segments.decoder.sizes[1]);
}

/*
 * Trains the autoencoder on the encoded rows x (split order) and returns
 * the latent code of every row; appends the training facts to metrics.
 */
static float *
TrainAutoencoder(MkModel *model, StringInfo metrics, const float *x,
				 const Split *split, const TrainOptions *opts)
{
	int			F = model->prep.n_features;
	int			n = split->n_train + split->n_valid;
	int			n_hidden = list_length(opts->hidden);
	int		   *hidden = palloc(sizeof(int) * Max(n_hidden, 1));
	MkReconGroup *groups = palloc(sizeof(MkReconGroup) * 3 * model->prep.n_columns);
	int			n_groups = mk_recon_groups(&model->prep, groups);
	MkAutoencoder ae;
	MkDataset	train = {0},
				valid = {0};
	MkFitOptions fit_opts = FitOptions(opts, MK_LOSS_MSE);
	MkFitResult fit;
	MkFitHooks	hooks;
	Progress	progress;
	MkRng		rng;
	MkMlpActs  *enc_acts,
			   *dec_acts;
	float	   *latent;
	const char *problem;

	for (int i = 0; i < n_hidden; i++)
		hidden[i] = list_nth_int(opts->hidden, i);
	mk_ae_configure(&ae, F, hidden, n_hidden, opts->latent,
					TrainOptionsActivation(opts), (float) opts->dropout);
	if ((problem = mk_mlp_config_error(&ae.encoder)) != NULL ||
		(problem = mk_mlp_config_error(&ae.decoder)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid autoencoder: %s", problem)));
	model->mlp = ae.encoder;
	model->segments.decoder = ae.decoder;
	model->params = mk_alloc(mk_mul_size(mk_ae_num_params(&ae), sizeof(float)));
	mk_rng_seed(&rng, (uint64) opts->seed + 1);
	mk_ae_init(model->params, &ae, &rng);

	train.x = x;
	train.n = split->n_train;
	train.n_features = F;
	valid.x = x + (size_t) split->n_train * F;
	valid.n = split->n_valid;
	valid.n_features = F;
	InitProgress(&hooks, &progress, opts->epochs, "loss");
	mk_ae_fit(&ae, model->params, groups, n_groups, &train, &valid, &fit_opts,
			  &hooks, &fit);

	latent = palloc_extended(sizeof(float) * (size_t) n * opts->latent,
							 MCXT_ALLOC_HUGE);
	enc_acts = mk_mlp_acts_create(&ae.encoder, 1024);
	dec_acts = mk_mlp_acts_create(&ae.decoder, 1024);
	mk_ae_score(&ae, model->params, groups, n_groups, enc_acts, dec_acts,
				x, n, latent, NULL);
	mk_mlp_acts_free(enc_acts);
	mk_mlp_acts_free(dec_acts);
	UseDecoderMetric(model, latent, n);

	/* on the validation rows, or the training rows when there are none */
	AppendJsonNumber(metrics, "reconstruction_loss",
					 split->n_valid > 0 ? fit.curve[fit.best_epoch - 1].valid_loss :
					 fit.curve[fit.best_epoch - 1].train_loss);
	appendStringInfo(metrics, ", \"latent\": %d, \"epochs_run\": %d, \"best_epoch\": %d",
					 opts->latent, fit.epochs_run, fit.best_epoch);
	AppendCurve(metrics, &fit, "loss");
	return latent;
}

/* Orders row numbers by their points' bytes, to count distinct points. */
static const Points *sort_points;

static int
ComparePoints(const void *a, const void *b)
{
	int32		i = *(const int32 *) a;
	int32		j = *(const int32 *) b;

	return memcmp(sort_points->x + (size_t) i * sort_points->dim,
				  sort_points->x + (size_t) j * sort_points->dim,
				  sizeof(float) * sort_points->dim);
}

/*
 * Counts the distinct points among the first rows, up to limit, comparing
 * each with the distinct ones found so far; returns -1 if that count has
 * not reached limit by then.  The points are in a random order, so on
 * varied rows the limit is reached within a few rows.
 */
static int
CountDistinctPrefix(const Points *points, int limit)
{
	int			rows = Min(points->n, DISTINCT_PREFIX_ROWS(limit));
	int32	   *found = palloc(sizeof(int32) * limit);
	int			distinct = 0;

	sort_points = points;
	for (int i = 0; i < rows && distinct < limit; i++)
	{
		bool		seen = false;

		for (int j = 0; j < distinct && !seen; j++)
			seen = ComparePoints(&i, &found[j]) == 0;
		if (!seen)
			found[distinct++] = i;
	}
	pfree(found);
	/* all rows seen: the count is exact */
	return distinct == limit || rows == points->n ? distinct : -1;
}

/* How many distinct points there are, counting up to limit. */
static int
CountDistinct(const Points *points, int limit)
{
	int32	   *order;
	int			distinct = CountDistinctPrefix(points, limit);

	if (distinct >= 0)
		return distinct;

	/* few distinct points, or rare ones: sort them all */
	order = palloc_extended(sizeof(int32) * points->n, MCXT_ALLOC_HUGE);
	distinct = 1;
	for (int i = 0; i < points->n; i++)
		order[i] = i;
	sort_points = points;
	qsort(order, points->n, sizeof(int32), ComparePoints);
	for (int i = 1; i < points->n && distinct < limit; i++)
		distinct += ComparePoints(&order[i - 1], &order[i]) != 0;
	pfree(order);
	return distinct;
}

static double
Cluster(const Points *points, int k, const TrainOptions *opts,
		float *centroids, int32 *assign)
{
	MkKmeansOptions kopts = {0};

	kopts.k = k;
	kopts.restarts = opts->restarts;
	kopts.max_iter = 300;
	kopts.tol = 1e-6;
	kopts.seed = (uint64) opts->seed + 2;
	kopts.before_iter = BeforeIteration;
	return mk_kmeans_fit(points->x, points->n, points->dim, &kopts,
						 centroids, assign);
}

/*
 * The k in [k_min, k_max] whose clustering of a sample has the best
 * silhouette; appends every k's silhouette to metrics.  The points are in a
 * seeded random order, so the first rows are a fair sample.
 */
static int
ChooseK(StringInfo metrics, const Points *points, const TrainOptions *opts,
		int distinct)
{
	Points		sample = *points;
	float	   *centroids = palloc(sizeof(float) * opts->k_max * points->dim);
	int32	   *assign;
	int			best_k = 0;
	double		best = -2.0;
	int			k_max = Min(opts->k_max, distinct);

	sample.n = Min(points->n, opts->silhouette_sample);
	assign = palloc(sizeof(int32) * sample.n);
	appendStringInfoString(metrics, ", \"silhouette_by_k\": {");
	for (int k = opts->k_min; k <= k_max && k <= sample.n; k++)
	{
		double		s;

		Cluster(&sample, k, opts, centroids, assign);
		s = mk_silhouette(sample.x, sample.n, sample.dim, assign, k);
		appendStringInfo(metrics, "%s\"%d\": %s", k > opts->k_min ? ", " : "",
						 k, isfinite(s) ? psprintf("%.6g", s) : "null");
		if (isfinite(s) && s > best)
		{
			best = s;
			best_k = k;
		}
	}
	appendStringInfoChar(metrics, '}');
	if (best_k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no number of segments between %d and %d fits these rows",
						opts->k_min, opts->k_max),
				 errhint("Give \"k\" explicitly, or train on more varied rows.")));
	pfree(centroids);
	pfree(assign);
	return best_k;
}

/*
 * Appends a numeric column's profile to each segment's buf[k]: its mean in
 * the segment and overall.  One pass over the rows serves every segment.
 */
static void
AppendNumericProfiles(StringInfo buf, int k, const RawColumn *raw,
					  const Split *split, const int32 *assign)
{
	double	   *sum = palloc0(sizeof(double) * k);
	int64	   *count = palloc0(sizeof(int64) * k);
	double		all_sum = 0.0;
	int64		all_count = 0;

	for (int i = 0; i < split->n_train + split->n_valid; i++)
	{
		int			r = split->rows[i];

		if (raw->nulls[r])
			continue;
		all_sum += raw->numbers[r];
		all_count++;
		sum[assign[i]] += raw->numbers[r];
		count[assign[i]]++;
	}
	for (int s = 0; s < k; s++)
	{
		appendStringInfoString(&buf[s], "{\"column\": ");
		escape_json(&buf[s], raw->name);
		appendStringInfoString(&buf[s], ", \"kind\": \"numeric\"");
		AppendJsonNumber(&buf[s], "mean", count[s] > 0 ? sum[s] / count[s] : NAN);
		AppendJsonNumber(&buf[s], "overall_mean",
						 all_count > 0 ? all_sum / all_count : NAN);
		appendStringInfoChar(&buf[s], '}');
	}
	pfree(sum);
	pfree(count);
}

/*
 * Appends a categorical column's profile in one segment of size rows, whose
 * values counted in[] against all[] over the n rows (code -1, NULL, at
 * index raw->n_codes): the values most over-represented in the segment (by
 * lift, the share in the segment over the share overall), among those that
 * make up at least PROFILE_MIN_SHARE of it.
 */
static void
AppendCategoricalProfile(StringInfo buf, const RawColumn *raw,
						 const int64 *in, const int64 *all, int n, int64 size)
{
	bool	   *shown = palloc0(sizeof(bool) * (raw->n_codes + 1));

	appendStringInfoString(buf, "{\"column\": ");
	escape_json(buf, raw->name);
	appendStringInfoString(buf, ", \"kind\": \"categorical\", \"top\": [");
	for (int t = 0; t < PROFILE_TOP_VALUES; t++)
	{
		int			best = -1;
		double		best_lift = 1.0;	/* over-represented only */

		for (int c = 0; c <= raw->n_codes; c++)
		{
			double		share = size > 0 ? (double) in[c] / size : 0.0;
			double		lift = all[c] > 0 ? share / ((double) all[c] / n) : 0.0;

			if (!shown[c] && share >= PROFILE_MIN_SHARE && lift > best_lift)
			{
				best = c;
				best_lift = lift;
			}
		}
		if (best < 0)
			break;
		shown[best] = true;
		appendStringInfoString(buf, t > 0 ? ", {\"value\": " : "{\"value\": ");
		if (best == raw->n_codes)
			appendStringInfoString(buf, "null");
		else
			escape_json(buf, raw->texts[best]);
		AppendJsonNumber(buf, "share", (double) in[best] / size);
		AppendJsonNumber(buf, "overall_share", (double) all[best] / n);
		AppendJsonNumber(buf, "lift", best_lift);
		appendStringInfoChar(buf, '}');
	}
	appendStringInfoString(buf, "]}");
	pfree(shown);
}

/*
 * Appends a categorical column's profile to each segment's buf[k], the
 * segments being sizes[k] rows.  One pass over the rows counts the values
 * of as many segments as PROFILE_COUNTS allows: all of them, unless there
 * are very many segments and values.
 */
static void
AppendCategoricalProfiles(StringInfo buf, int k, const RawColumn *raw,
						  const Split *split, const int32 *assign,
						  const int64 *sizes)
{
	int			n = split->n_train + split->n_valid;
	int			slots = raw->n_codes + 1;
	int			per_pass = Max(1, Min(k, PROFILE_COUNTS / slots));
	int64	   *in = palloc(sizeof(int64) * per_pass * slots);
	int64	   *all = palloc0(sizeof(int64) * slots);

	for (int first = 0; first < k; first += per_pass)
	{
		int			end = Min(k, first + per_pass);

		memset(in, 0, sizeof(int64) * per_pass * slots);
		for (int i = 0; i < n; i++)
		{
			int			code = raw->codes[split->rows[i]];
			int			slot = code < 0 ? raw->n_codes : code;

			if (first == 0)
				all[slot]++;
			if (assign[i] >= first && assign[i] < end)
				in[(assign[i] - first) * slots + slot]++;
		}
		for (int s = first; s < end; s++)
			AppendCategoricalProfile(&buf[s], raw, in + (s - first) * slots,
									 all, n, sizes[s]);
	}
	pfree(in);
	pfree(all);
}

/*
 * Appends "profiles": one entry per segment, numbered from 1.  Each column
 * is profiled for all segments at once, into one buffer per segment.
 */
static void
AppendProfiles(StringInfo buf, const RawTable *table, const Split *split,
			   const int32 *assign, int k)
{
	int			n = split->n_train + split->n_valid;
	int64	   *sizes = palloc0(sizeof(int64) * k);
	StringInfoData *columns = palloc(sizeof(StringInfoData) * k);

	for (int i = 0; i < n; i++)
		sizes[assign[i]]++;
	for (int s = 0; s < k; s++)
		initStringInfo(&columns[s]);
	for (int c = 0; c < table->n_features; c++)
	{
		const RawColumn *raw = &table->features[c];

		if (c > 0)
			for (int s = 0; s < k; s++)
				appendStringInfoString(&columns[s], ", ");
		if (raw->kind == MK_COLUMN_NUMERIC)
			AppendNumericProfiles(columns, k, raw, split, assign);
		else
			AppendCategoricalProfiles(columns, k, raw, split, assign, sizes);
	}

	appendStringInfoString(buf, ", \"sizes\": [");
	for (int s = 0; s < k; s++)
		appendStringInfo(buf, "%s" INT64_FORMAT, s > 0 ? ", " : "", sizes[s]);
	appendStringInfoString(buf, "], \"profiles\": [");
	for (int s = 0; s < k; s++)
	{
		appendStringInfo(buf, "%s{\"segment\": %d, \"size\": " INT64_FORMAT,
						 s > 0 ? ", " : "", s + 1, sizes[s]);
		AppendJsonNumber(buf, "share", (double) sizes[s] / n);
		appendStringInfo(buf, ", \"columns\": [%s]}", columns[s].data);
		pfree(columns[s].data);
	}
	appendStringInfoChar(buf, ']');
	pfree(columns);
	pfree(sizes);
}

void
TrainSegmentation(MkModel *model, StringInfo metrics, RawTable *table,
				  const TrainOptions *opts)
{
	bool		autoencoder = strcmp(opts->method, "autoencoder") == 0;
	Split		split = SplitRows(table->n_rows,
								  autoencoder ? opts->validation_fraction : 0.0,
								  (uint64) opts->seed);
	CategoryMap *maps = palloc0(sizeof(CategoryMap) * table->n_features);
	float	   *x;
	Points		points;
	int			distinct;
	int			k;
	int32	   *assign;
	double		inertia;
	Points		sample;

	model->task = MK_TASK_SEGMENTATION;
	LearnPrep(&model->prep, maps, table, &split, opts);
	x = EncodeRows(&model->prep, maps, table, &split);

	appendStringInfo(metrics, "{\"method\": \"%s\", \"rows\": %d, \"features\": %d",
					 opts->method, table->n_rows, model->prep.n_features);
	points.n = table->n_rows;
	if (autoencoder)
	{
		points.x = TrainAutoencoder(model, metrics, x, &split, opts);
		points.dim = opts->latent;
	}
	else
	{
		points.x = x;
		points.dim = model->prep.n_features;
	}

	k = opts->k > 0 ? opts->k : 0;
	distinct = CountDistinct(&points, Max(k, opts->k_max));
	if (k > distinct)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot make %d segments of %d distinct rows", k, distinct),
				 errhint("Ask for fewer segments, or train on more varied rows.")));
	if (k == 0)
		k = ChooseK(metrics, &points, opts, distinct);

	model->segments.method = autoencoder ? MK_SEGMENT_AUTOENCODER : MK_SEGMENT_KMEANS;
	model->segments.k = k;
	model->segments.dim = points.dim;
	model->segments.centroids = mk_alloc(mk_mul_size((size_t) k * points.dim,
													 sizeof(float)));
	assign = palloc_extended(sizeof(int32) * points.n, MCXT_ALLOC_HUGE);
	inertia = Cluster(&points, k, opts, model->segments.centroids, assign);

	sample = points;
	sample.n = Min(points.n, opts->silhouette_sample);
	appendStringInfo(metrics, ", \"k\": %d", k);
	AppendJsonNumber(metrics, "inertia", inertia);
	AppendJsonNumber(metrics, "silhouette",
					 mk_silhouette(sample.x, sample.n, sample.dim, assign, k));
	AppendProfiles(metrics, table, &split, assign, k);
	appendStringInfoChar(metrics, '}');
}
