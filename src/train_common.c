/*
 * train_common.c
 *		What every kind of training shares: the seeded split of the rows,
 *		learning the input pipeline from the training rows, encoding the
 *		rows, and reporting progress.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/timestamp.h"
#include "lib/stringinfo.h"

#include "core/mk_alloc.h"
#include "core/rng.h"
#include "model/encode.h"
#include "train_common.h"

Split
SplitRows(int n, double validation_fraction, uint64 seed)
{
	Split		split;
	MkRng		rng;

	split.rows = palloc_extended(sizeof(int32) * n, MCXT_ALLOC_HUGE);
	for (int i = 0; i < n; i++)
		split.rows[i] = i;
	mk_rng_seed(&rng, seed);
	mk_rng_shuffle(&rng, split.rows, n);
	split.n_valid = (int) floor(n * validation_fraction);
	split.n_train = n - split.n_valid;
	if (split.n_train < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("too few rows to train on: %d", n)));
	return split;
}

static void
pg_attribute_noreturn()
AllNull(const RawColumn *raw)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("column \"%s\" is NULL in every training row", raw->name),
			 errhint("Exclude it with the \"exclude\" option.")));
}

static int
CompareDouble(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Edges between n_bins quantile bins of the training values: the quantiles
 * at 1/n_bins ... (n_bins - 1)/n_bins, interpolated linearly between order
 * statistics, with repeats dropped (a column of few distinct values gets
 * fewer bins).
 */
static void
LearnBinEdges(MkColumn *col, const RawColumn *raw, const Split *split,
			  int count, int n_bins)
{
	double	   *sorted = palloc_extended(sizeof(double) * count, MCXT_ALLOC_HUGE);
	int			n = 0;

	col->n_edges = 0;
	if (n_bins < 2)
		return;
	for (int i = 0; i < split->n_train; i++)
		if (!raw->nulls[split->rows[i]])
			sorted[n++] = mk_column_value(col, raw->numbers[split->rows[i]]);
	qsort(sorted, n, sizeof(double), CompareDouble);
	col->edges = palloc(sizeof(double) * (n_bins - 1));
	for (int b = 1; b < n_bins; b++)
	{
		double		pos = (double) (n - 1) * b / n_bins;
		int			lo = (int) floor(pos);
		int			hi = Min(lo + 1, n - 1);
		double		q = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);

		if (col->n_edges == 0 || q > col->edges[col->n_edges - 1])
			col->edges[col->n_edges++] = q;
	}
	pfree(sorted);
}

static void
LearnNumeric(MkColumn *col, const RawColumn *raw, const Split *split,
			 int n_bins)
{
	double		sum = 0.0,
				sumsq = 0.0;
	int			count = 0;

	for (int i = 0; i < split->n_train; i++)
	{
		int			r = split->rows[i];

		if (!raw->nulls[r])
		{
			sum += mk_column_value(col, raw->numbers[r]);
			count++;
		}
	}
	if (count == 0)
		AllNull(raw);
	col->mean = sum / count;
	for (int i = 0; i < split->n_train; i++)
	{
		int			r = split->rows[i];

		if (!raw->nulls[r])
		{
			double		d = mk_column_value(col, raw->numbers[r]) - col->mean;

			sumsq += d * d;
		}
	}
	col->scale = sqrt(sumsq / count);
	if (!(col->scale > 1e-12) || !isfinite(col->scale))
		col->scale = 1.0;
	col->null_indicator = raw->n_null > 0;
	LearnBinEdges(col, raw, split, count, n_bins);
}

/* Context for ordering dictionary codes by descending count, then text. */
static const RawColumn *sort_raw;
static const int64 *sort_counts;

static int
CompareByFrequency(const void *a, const void *b)
{
	int32		ca = *(const int32 *) a;
	int32		cb = *(const int32 *) b;

	if (sort_counts[ca] != sort_counts[cb])
		return sort_counts[ca] > sort_counts[cb] ? -1 : 1;
	return strcmp(sort_raw->texts[ca], sort_raw->texts[cb]);
}

int
CompareText(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Keeps the max_categories most frequent values of the training rows, in
 * strcmp order; rarer ones share the unseen slot, as new values will.
 */
static void
LearnCategorical(MkColumn *col, CategoryMap *map, const RawColumn *raw,
				 const Split *split, int max_categories)
{
	int64	   *counts = palloc0(sizeof(int64) * Max(raw->n_codes, 1));
	int32	   *codes = palloc(sizeof(int32) * Max(raw->n_codes, 1));
	int			n_seen = 0;

	for (int i = 0; i < split->n_train; i++)
		if (raw->codes[split->rows[i]] >= 0)
			counts[raw->codes[split->rows[i]]]++;
	for (int32 c = 0; c < raw->n_codes; c++)
		if (counts[c] > 0)
			codes[n_seen++] = c;
	if (n_seen == 0)
		AllNull(raw);

	sort_raw = raw;
	sort_counts = counts;
	qsort(codes, n_seen, sizeof(int32), CompareByFrequency);
	col->n_categories = Min(n_seen, max_categories);
	col->categories = palloc(sizeof(char *) * col->n_categories);
	for (int i = 0; i < col->n_categories; i++)
		col->categories[i] = raw->texts[codes[i]];
	qsort(col->categories, col->n_categories, sizeof(char *), CompareText);

	map->index_of_code = palloc(sizeof(int32) * Max(raw->n_codes, 1));
	for (int32 c = 0; c < raw->n_codes; c++)
		map->index_of_code[c] = mk_category_index(col, raw->texts[c]);
	pfree(counts);
	pfree(codes);
}

void
LearnPrep(MkPrep *prep, CategoryMap *maps, const RawTable *table,
		  const Split *split, const TrainOptions *opts)
{
	int32		offset = 0;

	prep->n_columns = table->n_features;
	prep->columns = palloc0(sizeof(MkColumn) * table->n_features);
	for (int c = 0; c < table->n_features; c++)
	{
		MkColumn   *col = &prep->columns[c];
		const RawColumn *raw = &table->features[c];

		col->name = raw->name;
		col->kind = raw->kind;
		col->offset = offset;
		if (raw->kind == MK_COLUMN_NUMERIC)
		{
			col->log_transform = strcmp(opts->numeric_transform, "log") == 0;
			LearnNumeric(col, raw, split, opts->numeric_bins);
		}
		else
		{
			col->mean = 0.0;
			col->scale = 1.0;
			LearnCategorical(col, &maps[c], raw, split, opts->max_categories);
		}
		offset += mk_column_width(col);
	}
	prep->n_features = offset;
}

/* Encodes every row, in split order, into x[n, n_features]. */
float *
EncodeRows(const MkPrep *prep, const CategoryMap *maps, const RawTable *table,
		   const Split *split)
{
	int			n = table->n_rows;
	float	   *x = mk_alloc(mk_mul_size(mk_mul_size(n, prep->n_features),
										 sizeof(float)));

	for (int i = 0; i < n; i++)
	{
		int			r = split->rows[i];
		float	   *row = x + (size_t) i * prep->n_features;

		for (int c = 0; c < prep->n_columns; c++)
		{
			const MkColumn *col = &prep->columns[c];
			const RawColumn *raw = &table->features[c];

			if (col->kind == MK_COLUMN_NUMERIC)
				mk_encode_number(col, raw->numbers[r], raw->nulls[r], row);
			else if (raw->codes[r] < 0)
				row[MK_SLOT_NULL(col)] = 1.0f;
			else if (maps[c].index_of_code[raw->codes[r]] < 0)
				row[MK_SLOT_UNSEEN(col)] = 1.0f;
			else
				row[col->offset + maps[c].index_of_code[raw->codes[r]]] = 1.0f;
		}
	}
	return x;
}

/* Hook before every mini-batch: where a cancel or a timeout lands. */
static void
BeforeBatch(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* Hook after every epoch: the progress NOTICE. */
static void
AfterEpoch(void *arg, const MkEpochReport *r)
{
	Progress   *progress = (Progress *) arg;
	long		secs;
	int			usecs;

	TimestampDifference(progress->start, GetCurrentTimestamp(), &secs, &usecs);
	if (isnan(r->valid_loss))
		ereport(NOTICE,
				(errmsg("epoch %d/%d: train loss %.4f (%.1f s)",
						r->epoch, progress->epochs, r->train_loss,
						secs + usecs / 1e6)));
	else
		ereport(NOTICE,
				(errmsg("epoch %d/%d: train loss %.4f, valid loss %.4f, valid %s %.4f%s (%.1f s)",
						r->epoch, progress->epochs, r->train_loss,
						r->valid_loss, progress->metric, r->valid_metric,
						r->improved ? " *" : "", secs + usecs / 1e6)));
}

void
AppendCurve(StringInfo buf, const MkFitResult *fit, const char *metric)
{
	const char *names[3] = {"train_loss", "valid_loss", metric};

	appendStringInfoString(buf, ", \"curve\": {");
	for (int s = 0; s < 3; s++)
	{
		appendStringInfo(buf, "%s\"%s\": [", s > 0 ? ", " : "", names[s]);
		for (int e = 0; e < fit->epochs_run; e++)
		{
			const MkEpochReport *r = &fit->curve[e];
			double		v = s == 0 ? r->train_loss : s == 1 ? r->valid_loss : r->valid_metric;

			if (e > 0)
				appendStringInfoString(buf, ", ");
			appendStringInfoString(buf, isfinite(v) ? psprintf("%.6g", v) : "null");
		}
		appendStringInfoChar(buf, ']');
	}
	appendStringInfoChar(buf, '}');
}

MkFitOptions
FitOptions(const TrainOptions *opts, MkLossKind loss)
{
	MkFitOptions fit;

	memset(&fit, 0, sizeof(fit));
	fit.loss = loss;
	fit.optimizer = TrainOptionsOptimizer(opts);
	fit.learning_rate = (float) opts->learning_rate;
	fit.weight_decay = (float) opts->weight_decay;
	fit.momentum = (float) opts->momentum;
	fit.epochs = opts->epochs;
	fit.batch_size = opts->batch_size;
	fit.patience = opts->patience;
	fit.seed = (uint64) opts->seed;
	return fit;
}

void
InitProgress(MkFitHooks *hooks, Progress *progress, int epochs,
			 const char *metric)
{
	progress->start = GetCurrentTimestamp();
	progress->epochs = epochs;
	progress->metric = metric;
	hooks->before_batch = BeforeBatch;
	hooks->after_epoch = AfterEpoch;
	hooks->arg = progress;
}
