/*
 * train_forecast.c
 *		Forecasting: an LSTM or GRU reads the recent rows of a series and
 *		predicts its next horizon values at once.
 *
 * Every row of a series is a possible forecast origin: its window is the
 * (at most) context rows ending there, its targets the horizon values
 * after it, all divided by the window's scale (mk_forecast_window).  Time
 * decides the split: the last rows of each series (the validation
 * fraction of them, at least the horizon) are predicted only by the
 * validation windows, whose origins lie at or after the cut, and the input
 * pipeline is learned from the rows before it.  Predicting all horizon
 * steps at once, rather than feeding predictions back in, keeps errors
 * from compounding; the validation residuals of each step then give its
 * prediction interval.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "core/mk_alloc.h"
#include "core/rng.h"
#include "core/sequence.h"
#include "model/encode.h"
#include "scoring.h"
#include "train_common.h"
#include "train_forecast.h"
#include "train_sequence.h"

/* Forecast windows: inputs, lengths and scaled targets, with their scales. */
typedef struct Windows
{
	float	   *x;				/* [n, T, C] */
	int32	   *lengths;
	float	   *y;				/* [n, H] */
	double	   *scale;
	double	   *spread;			/* mk_forecast_spread */
	int			n;
	int			T;
	int			C;
	int			H;
} Windows;

/* Which windows to lay out. */
typedef enum WindowSet
{
	WINDOWS_TRAIN,				/* predicting nothing past the cut */
	WINDOWS_VALID,				/* origins at or after the cut */
	WINDOWS_ALL					/* every origin with horizon values after it */
} WindowSet;

/* Rows of series s held out for validation. */
static int
ValidationRows(int n_rows, const TrainOptions *opts)
{
	if (opts->validation_fraction <= 0.0)
		return 0;
	return Max(opts->horizon, (int) ceil(opts->validation_fraction * n_rows));
}

/*
 * The first and last forecast origins (row offsets within series s) of a
 * set of windows; last < first for none.
 */
static void
OriginRange(const RawSequences *seq, int s, const TrainOptions *opts,
			WindowSet set, int *first, int *last)
{
	int			n = seq->start[s + 1] - seq->start[s];
	int			cut = n - ValidationRows(n, opts);

	if (set != WINDOWS_VALID)
	{
		*first = 0;
		*last = (set == WINDOWS_ALL ? n : cut) - 1 - opts->horizon;
	}
	else if (opts->validation_fraction <= 0.0)
	{
		*first = 0;
		*last = -1;
	}
	else
	{
		*first = Max(cut - 1, 0);
		*last = n - 1 - opts->horizon;
	}
}

/*
 * A Split over the rows of table whose training part is every row before
 * its series' cut, for learning the input pipeline.
 */
static Split
RowsBeforeCuts(const RawTable *table, const TrainOptions *opts)
{
	const RawSequences *seq = table->seq;
	Split		split;
	int			at = 0;
	int			rest;

	split.rows = palloc_extended(sizeof(int32) * Max(table->n_rows, 1),
								 MCXT_ALLOC_HUGE);
	for (int s = 0; s < seq->n; s++)
	{
		int			n = seq->start[s + 1] - seq->start[s];
		int			cut = n - ValidationRows(n, opts);

		for (int r = 0; r < cut; r++)
			split.rows[at++] = seq->start[s] + r;
	}
	split.n_train = at;
	rest = at;
	for (int s = 0; s < seq->n; s++)
	{
		int			n = seq->start[s + 1] - seq->start[s];
		int			cut = n - ValidationRows(n, opts);

		for (int r = Max(cut, 0); r < n; r++)
			split.rows[rest++] = seq->start[s] + r;
	}
	split.n_valid = rest - at;
	return split;
}

/*
 * Lays out a set of windows of every series from the encoded rows
 * features[n_rows, F] (in table order).
 */
static Windows
BuildWindows(const RawTable *table, const float *features, int F,
			 const TrainOptions *opts, WindowSet set)
{
	const RawSequences *seq = table->seq;
	const double *values = table->target.numbers;
	int			H = opts->horizon;
	Windows		w;
	int			i = 0;

	memset(&w, 0, sizeof(w));
	w.C = F + 1;
	w.H = H;
	w.T = 1;
	for (int s = 0; s < seq->n; s++)
	{
		int			first,
					last;

		OriginRange(seq, s, opts, set, &first, &last);
		if (last >= first)
		{
			w.n += last - first + 1;
			w.T = Max(w.T, Min(last + 1, opts->max_length));
		}
	}
	w.x = mk_alloc(mk_mul_size(mk_mul_size((size_t) Max(w.n, 1) * w.T, w.C),
							   sizeof(float)));
	w.lengths = palloc_extended(sizeof(int32) * Max(w.n, 1), MCXT_ALLOC_HUGE);
	w.y = mk_alloc(mk_mul_size(mk_mul_size(Max(w.n, 1), H), sizeof(float)));
	w.scale = palloc_extended(sizeof(double) * Max(w.n, 1), MCXT_ALLOC_HUGE);
	w.spread = palloc_extended(sizeof(double) * Max(w.n, 1), MCXT_ALLOC_HUGE);
	for (int s = 0; s < seq->n; s++)
	{
		int			first,
					last;

		OriginRange(seq, s, opts, set, &first, &last);
		for (int t = first; t <= last; t++, i++)
		{
			int			len = Min(t + 1, w.T);
			int			from = seq->start[s] + t + 1 - len;

			w.lengths[i] = len;
			w.scale[i] = mk_forecast_window(values + from,
											F > 0 ? features + (size_t) from * F : NULL,
											len, F,
											w.x + (size_t) i * w.T * w.C);
			w.spread[i] = mk_forecast_spread(w.x + (size_t) i * w.T * w.C,
											 len, w.C);
			for (int h = 0; h < H; h++)
				w.y[(size_t) i * H + h] =
					(float) (values[seq->start[s] + t + 1 + h] / w.scale[i]);
		}
	}
	return w;
}

/* The windows as a dataset for the core. */
static MkSeqDataset
WindowData(const Windows *w)
{
	MkSeqDataset d;

	memset(&d, 0, sizeof(d));
	d.x = w->x;
	d.lengths = w->lengths;
	d.y = w->y;
	d.n = w->n;
	d.T = w->T;
	d.C = w->C;
	return d;
}

/* Ascending order of doubles, for qsort. */
static int
CompareDoubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* The q-quantile of n sorted values, interpolating linearly. */
static double
Quantile(const double *sorted, int n, double q)
{
	double		pos = q * (n - 1);
	int			lo = (int) floor(pos);
	int			hi = Min(lo + 1, n - 1);

	return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/*
 * Sets each step's interval from the residuals of the windows w, whose
 * predictions (scaled) are pred[n, H], and appends the errors of the
 * predictions in the series' own units as metrics.
 */
static void
LearnIntervals(MkForecast *fc, StringInfo metrics, const Windows *w,
			   const float *pred)
{
	int			H = w->H;
	double	   *resid = palloc_extended(sizeof(double) * Max(w->n, 1),
										MCXT_ALLOC_HUGE);
	double		abs_sum = 0.0,
				sq_sum = 0.0,
				pct_sum = 0.0;
	int64		pct_n = 0;
	int64		covered = 0;

	fc->lower = palloc(sizeof(double) * H);
	fc->upper = palloc(sizeof(double) * H);
	for (int h = 0; h < H; h++)
	{
		for (int i = 0; i < w->n; i++)
			resid[i] = ((double) w->y[(size_t) i * H + h] -
						pred[(size_t) i * H + h]) / w->spread[i];
		qsort(resid, w->n, sizeof(double), CompareDoubles);
		/* widened, if need be, to hold the forecast itself */
		fc->lower[h] = Min(Quantile(resid, w->n, (1.0 - fc->level) / 2.0), 0.0);
		fc->upper[h] = Max(Quantile(resid, w->n, (1.0 + fc->level) / 2.0), 0.0);
	}
	for (int i = 0; i < w->n; i++)
		for (int h = 0; h < H; h++)
		{
			size_t		k = (size_t) i * H + h;
			double		actual = w->y[k] * w->scale[i];
			double		err = actual - (double) pred[k] * w->scale[i];

			abs_sum += fabs(err);
			sq_sum += err * err;
			if (fabs(actual) > 1e-12)
			{
				pct_sum += fabs(err / actual);
				pct_n++;
			}
			covered += (w->y[k] - pred[k] >= fc->lower[h] * w->spread[i] &&
						w->y[k] - pred[k] <= fc->upper[h] * w->spread[i]);
		}
	AppendJsonNumber(metrics, "mae", abs_sum / ((double) w->n * H));
	AppendJsonNumber(metrics, "rmse", sqrt(sq_sum / ((double) w->n * H)));
	AppendJsonNumber(metrics, "mape", pct_n > 0 ? pct_sum / pct_n : NAN);
	AppendJsonNumber(metrics, "interval_coverage",
					 (double) covered / ((double) w->n * H));
	pfree(resid);
}

/*
 * Trains the network afresh on every window, the most recent included,
 * for the epochs early stopping chose: a forecast gains most from the
 * latest history, which validation held back.  The intervals and metrics
 * stay those of the held-out windows.
 */
static void
Refit(MkModel *model, const MkSeqModel *sm, const MkFitOptions *fit_opts,
	  const MkFitHooks *hooks, Windows all, int epochs,
	  const TrainOptions *train_opts)
{
	MkSeqDataset all_d = WindowData(&all);
	MkFitOptions opts = *fit_opts;
	MkFitResult fit;
	MkRng		rng;

	opts.epochs = epochs;
	opts.patience = 0;
	ereport(NOTICE,
			(errmsg("refitting on all %d windows for %d epochs", all.n, epochs)));
	mk_rng_seed(&rng, (uint64) train_opts->seed + 1);
	mk_seq_init(model->params, sm, &rng);
	mk_seq_fit(sm, model->params, &all_d, NULL, &opts,
			   (float) train_opts->clip, hooks, &fit);
	mk_free(fit.curve);
}

/* ERRORs unless some series is long enough for a training window. */
static void
CheckSeriesLength(const Windows *train, const RawTable *table,
				  const TrainOptions *opts)
{
	int			longest = 0;
	int			need = opts->horizon + 1;

	if (train->n > 0)
		return;
	for (int s = 0; s < table->seq->n; s++)
		longest = Max(longest, table->seq->start[s + 1] - table->seq->start[s]);
	if (opts->validation_fraction > 0.0)
		need += opts->horizon;
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("no series is long enough to train a forecast of horizon %d",
					opts->horizon),
			 errdetail("The longest series has %d rows; at least %d are needed, more with a larger \"validation_fraction\".",
					   longest, need),
			 errhint("Lower \"horizon\" or \"validation_fraction\", or train on more history.")));
}

void
TrainForecast(MkModel *model, StringInfo metrics, RawTable *table,
			  const TrainOptions *opts)
{
	MkForecast *fc = &model->forecast;
	Split		before = RowsBeforeCuts(table, opts);
	CategoryMap *maps = palloc0(sizeof(CategoryMap) * Max(table->n_features, 1));
	Split		in_order;
	float	   *features = NULL;
	Windows		train,
				valid;
	const Windows *judged;
	MkSeqModel	sm;
	MkSeqDataset train_d,
				valid_d,
				judged_d;
	MkFitOptions fit_opts;
	MkFitResult fit;
	MkFitHooks	hooks;
	Progress	progress;
	MkRng		rng;
	float	   *pred;
	const char *metric;
	int			F;

	model->task = MK_TASK_FORECAST;
	LearnPrep(&model->prep, maps, table, &before, opts);
	if (model->prep.n_columns == 0)
		model->prep.columns = NULL;
	F = model->prep.n_features;
	in_order.rows = palloc_extended(sizeof(int32) * Max(table->n_rows, 1),
									MCXT_ALLOC_HUGE);
	for (int r = 0; r < table->n_rows; r++)
		in_order.rows[r] = r;
	in_order.n_train = table->n_rows;
	in_order.n_valid = 0;
	if (F > 0)
		features = EncodeRows(&model->prep, maps, table, &in_order);
	train = BuildWindows(table, features, F, opts, WINDOWS_TRAIN);
	valid = BuildWindows(table, features, F, opts, WINDOWS_VALID);
	CheckSeriesLength(&train, table, opts);

	model->target.name = table->target.name;
	model->target.type = MK_LABEL_FLOAT;
	model->target.mean = 0.0;
	model->target.scale = 1.0;
	fc->horizon = opts->horizon;
	fc->context = opts->max_length;
	fc->level = opts->level;
	fc->series = table->seq->entity != NULL ? table->seq->entity : "";
	fc->order = table->seq->order;

	ConfigureRecurrent(&sm, opts, F + 1, opts->horizon, Max(train.T, valid.T));
	model->rnn = sm.rnn;
	model->mlp = sm.head;
	train_d = WindowData(&train);
	valid_d = WindowData(&valid);
	fit_opts = FitOptions(opts, strcmp(opts->loss, "mse") == 0 ?
						  MK_LOSS_MSE : MK_LOSS_MAE);
	metric = fit_opts.loss == MK_LOSS_MSE ? "rmse" : "mae";
	InitProgress(&hooks, &progress, opts->epochs, metric);
	model->params = mk_alloc(mk_mul_size(mk_seq_num_params(&sm), sizeof(float)));
	mk_rng_seed(&rng, (uint64) opts->seed + 1);
	mk_seq_init(model->params, &sm, &rng);
	mk_seq_fit(&sm, model->params, &train_d, &valid_d, &fit_opts,
			   (float) opts->clip, &hooks, &fit);

	/* intervals and metrics from the validation windows, if any */
	judged = valid.n > 0 ? &valid : &train;
	judged_d = WindowData(judged);
	pred = mk_alloc(mk_mul_size(mk_mul_size(judged->n, judged->H), sizeof(float)));
	mk_seq_score(&sm, model->params, &judged_d, pred);
	appendStringInfoChar(metrics, '{');
	LearnIntervals(fc, metrics, judged, pred);
	appendStringInfo(metrics, ", \"evaluated_on\": \"%s\", \"series\": %d, "
					 "\"train_windows\": %d, \"valid_windows\": %d, \"rows\": %d, "
					 "\"horizon\": %d, \"level\": %g, \"steps\": %d, \"features\": %d, "
					 "\"epochs_run\": %d, \"best_epoch\": %d",
					 valid.n > 0 ? "validation" : "training", table->seq->n,
					 train.n, valid.n, table->n_rows, fc->horizon, fc->level,
					 Max(train.T, valid.T), F, fit.epochs_run, fit.best_epoch);
	AppendCurve(metrics, &fit, metric);
	appendStringInfoChar(metrics, '}');
	if (opts->refit && valid.n > 0)
		Refit(model, &sm, &fit_opts, &hooks,
			  BuildWindows(table, features, F, opts, WINDOWS_ALL),
			  Max(fit.best_epoch, 1), opts);
}
