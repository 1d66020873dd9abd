/*
 * train_tabular.c
 *		Classification and regression on a relation's columns.
 *
 * The steps: split the rows (seeded), learn the input pipeline from the
 * training rows only (means, scales, the most frequent categories), encode
 * every row once into a float matrix, fit the MLP with early stopping on the
 * validation rows, and measure the kept parameters on those rows.
 */
#include "postgres.h"

#include <math.h>

#include "utils/json.h"

#include "core/fit.h"
#include "core/mk_alloc.h"
#include "core/rng.h"
#include "scoring.h"
#include "train_common.h"
#include "train_tabular.h"

/* Orders integer labels by value rather than as text. */
static int
CompareIntegerText(const void *a, const void *b)
{
	long long	x = strtoll(*(char *const *) a, NULL, 10);
	long long	y = strtoll(*(char *const *) b, NULL, 10);

	return (x > y) - (x < y);
}

char *
ClassList(const MkTarget *target)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int k = 0; k < target->n_classes; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, target->classes[k]);
	}
	return buf.data;
}

void
LearnClasses(MkTarget *target, int32 **class_of_code, const RawTable *table,
			 const TrainOptions *opts)
{
	const RawColumn *raw = &table->target;

	target->name = raw->name;
	target->type = TargetLabelType(raw);
	target->mean = 0.0;
	target->scale = 1.0;
	if (raw->n_codes < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("target column \"%s\" has a single class, \"%s\"",
						raw->name, raw->texts[0]),
				 errhint("Classification needs at least two distinct labels.")));
	if (raw->n_codes > MK_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("target column \"%s\" has %d classes, more than the %d allowed",
						raw->name, raw->n_codes, MK_MAX_CLASSES)));
	target->n_classes = raw->n_codes;
	target->classes = palloc(sizeof(char *) * raw->n_codes);
	memcpy(target->classes, raw->texts, sizeof(char *) * raw->n_codes);
	qsort(target->classes, raw->n_codes, sizeof(char *),
		  target->type == MK_LABEL_INT ? CompareIntegerText : CompareText);

	*class_of_code = palloc(sizeof(int32) * raw->n_codes);
	for (int32 c = 0; c < raw->n_codes; c++)
		for (int k = 0; k < target->n_classes; k++)
			if (strcmp(target->classes[k], raw->texts[c]) == 0)
				(*class_of_code)[c] = k;

	target->positive = target->n_classes - 1;
	if (opts->positive_class != NULL)
	{
		if (target->n_classes != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"positive_class\" needs a binary target, but \"%s\" has %d classes",
							raw->name, target->n_classes)));
		for (target->positive = 0; target->positive < 2; target->positive++)
			if (strcmp(target->classes[target->positive], opts->positive_class) == 0)
				break;
		if (target->positive == 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("positive class \"%s\" is not a label of \"%s\"",
							opts->positive_class, raw->name),
					 errdetail("The labels are %s.", ClassList(target))));
	}
}

static void
LearnTargetScale(MkTarget *target, const RawTable *table, const Split *split)
{
	const RawColumn *raw = &table->target;
	double		sum = 0.0,
				sumsq = 0.0;

	target->name = raw->name;
	target->type = MK_LABEL_FLOAT;
	for (int i = 0; i < split->n_train; i++)
		sum += raw->numbers[split->rows[i]];
	target->mean = sum / split->n_train;
	for (int i = 0; i < split->n_train; i++)
	{
		double		d = raw->numbers[split->rows[i]] - target->mean;

		sumsq += d * d;
	}
	target->scale = sqrt(sumsq / split->n_train);
	if (!(target->scale > 1e-12) || !isfinite(target->scale))
		target->scale = 1.0;
}


static void
ConfigureNetwork(MkMlpConfig *cfg, const MkModel *model,
				 const TrainOptions *opts)
{
	ListCell   *lc;
	const char *problem;

	memset(cfg, 0, sizeof(*cfg));
	cfg->sizes[0] = model->prep.n_features;
	foreach(lc, opts->hidden)
		cfg->sizes[++cfg->n_dense] = lfirst_int(lc);
	cfg->sizes[++cfg->n_dense] = ModelOutputWidth(model);
	cfg->activation = TrainOptionsActivation(opts);
	cfg->dropout = (float) opts->dropout;
	problem = mk_mlp_config_error(cfg);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid network: %s", problem)));
}

/* Targets in the loss's terms, and balanced class weights when asked. */
static void
PrepareTargets(MkDataset *all, const MkModel *model, const RawTable *table,
			   const Split *split, const int32 *class_of_code,
			   const TrainOptions *opts, int32 *classes, double *values)
{
	int			n = table->n_rows;
	float	   *y = palloc_extended(sizeof(float) * n, MCXT_ALLOC_HUGE);

	for (int i = 0; i < n; i++)
	{
		int			r = split->rows[i];

		if (model->task == MK_TASK_REGRESSION)
		{
			values[i] = table->target.numbers[r];
			y[i] = (float) ((values[i] - model->target.mean) / model->target.scale);
		}
		else
		{
			classes[i] = class_of_code[table->target.codes[r]];
			y[i] = classes[i] == model->target.positive ? 1.0f : 0.0f;
		}
	}
	all->y = y;
	all->labels = classes;
	if (model->task == MK_TASK_CLASSIFICATION &&
		strcmp(opts->class_weight, "balanced") == 0)
	{
		int			K = model->target.n_classes;
		int64	   *count = palloc0(sizeof(int64) * K);
		float	   *w = palloc_extended(sizeof(float) * n, MCXT_ALLOC_HUGE);

		for (int i = 0; i < split->n_train; i++)
			count[classes[i]]++;
		for (int i = 0; i < n; i++)
			w[i] = count[classes[i]] > 0 ?
				(float) split->n_train / ((float) K * count[classes[i]]) : 1.0f;
		all->weight = w;
	}
}

/*
 * Trains afresh on every row, validation rows included, for the number of
 * epochs early stopping chose: the final model sees 1 / (1 - fraction) times
 * more data, and the metrics stay those measured on held-out rows.
 */
static void
Refit(MkModel *model, const MkDataset *all, const MkFitOptions *fit_opts,
	  const MkFitHooks *hooks, int epochs, MkRng *rng)
{
	MkDataset	none = *all;
	MkFitOptions opts = *fit_opts;
	MkFitResult fit;

	none.n = 0;
	opts.epochs = epochs;
	opts.patience = 0;
	ereport(NOTICE,
			(errmsg("refitting on all %d rows for %d epochs", all->n, epochs)));
	mk_mlp_init(model->params, &model->mlp, rng);
	mk_mlp_fit(&model->mlp, model->params, all, &none, &opts, hooks, &fit);
	mk_free(fit.curve);
}

/* Appends the metrics of the current parameters on the given rows. */
static void
AppendHeldOutMetrics(StringInfo metrics, const MkModel *model,
					 const MkDataset *rows, const double *values)
{
	MkMlpParams params;
	MkMlpActs  *acts = mk_mlp_acts_create(&model->mlp, 1024);
	float	   *outputs = palloc_extended(sizeof(float) * (size_t) rows->n *
										  ModelOutputWidth(model),
										  MCXT_ALLOC_HUGE);

	mk_mlp_bind(&params, model->params, &model->mlp);
	ScoreRows(model, &params, acts, rows->x, rows->n, outputs);
	AppendMetrics(metrics, model, outputs, rows->labels, values, rows->n);
	mk_mlp_acts_free(acts);
	pfree(outputs);
}

/* Appends how training went: row counts, epochs, classes, curves. */
static void
AppendTrainingFacts(StringInfo metrics, const MkModel *model,
					const Split *split, const RawTable *table,
					const MkFitResult *fit, const char *metric)
{
	appendStringInfo(metrics, ", \"evaluated_on\": \"%s\"",
					 split->n_valid > 0 ? "validation" : "training");
	appendStringInfo(metrics, ", \"train_rows\": %d, \"valid_rows\": %d, "
					 "\"skipped_rows\": " INT64_FORMAT,
					 split->n_train, split->n_valid, table->n_skipped);
	appendStringInfo(metrics, ", \"features\": %d, \"epochs_run\": %d, "
					 "\"best_epoch\": %d",
					 model->prep.n_features, fit->epochs_run, fit->best_epoch);
	if (model->task == MK_TASK_CLASSIFICATION)
	{
		appendStringInfo(metrics, ", \"classes\": [%s]",
						 ClassList(&model->target));
		if (model->target.n_classes == 2)
		{
			appendStringInfoString(metrics, ", \"positive_class\": ");
			escape_json(metrics, model->target.classes[model->target.positive]);
		}
	}
	AppendCurve(metrics, fit, metric);
}

/* Learns the input pipeline and the outputs' meaning from the table. */
static void
LearnModelShape(MkModel *model, CategoryMap *maps, int32 **class_of_code,
				const RawTable *table, const Split *split,
				const TrainOptions *opts, MkTask task)
{
	model->task = task;
	LearnPrep(&model->prep, maps, table, split, opts);
	if (task == MK_TASK_CLASSIFICATION)
		LearnClasses(&model->target, class_of_code, table, opts);
	else
		LearnTargetScale(&model->target, table, split);
	ConfigureNetwork(&model->mlp, model, opts);
}

void
TrainTabular(MkModel *model, StringInfo metrics, RawTable *table,
			 const TrainOptions *opts, MkTask task)
{
	int			n = table->n_rows;
	Split		split = SplitRows(n, opts->validation_fraction,
								  (uint64) opts->seed);
	CategoryMap *maps = palloc0(sizeof(CategoryMap) * table->n_features);
	int32	   *class_of_code = NULL;
	int32	   *classes = palloc_extended(sizeof(int32) * n, MCXT_ALLOC_HUGE);
	double	   *values = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	MkDataset	all = {0},
				train,
				valid;
	MkFitOptions fit_opts;
	MkFitResult fit;
	MkFitHooks	hooks;
	Progress	progress;
	MkRng		rng;
	const char *metric;

	LearnModelShape(model, maps, &class_of_code, table, &split, opts, task);
	all.x = EncodeRows(&model->prep, maps, table, &split);
	all.n_features = model->prep.n_features;
	PrepareTargets(&all, model, table, &split, class_of_code, opts, classes,
				   values);

	/* Rows are in split order: training rows first, validation rows after. */
	train = all;
	train.n = split.n_train;
	valid = all;
	valid.n = split.n_valid;
	valid.x = all.x + (size_t) split.n_train * all.n_features;
	valid.y = all.y + split.n_train;
	valid.labels = classes + split.n_train;
	valid.weight = all.weight ? all.weight + split.n_train : NULL;

	fit_opts = FitOptions(opts, task == MK_TASK_REGRESSION ? MK_LOSS_MSE :
						  ModelOutputWidth(model) == 1 ? MK_LOSS_BCE :
						  MK_LOSS_SOFTMAX);
	metric = fit_opts.loss == MK_LOSS_BCE ? "auc" :
		fit_opts.loss == MK_LOSS_SOFTMAX ? "accuracy" : "rmse";
	InitProgress(&hooks, &progress, opts->epochs, metric);

	model->params = mk_alloc(mk_mul_size(mk_mlp_num_params(&model->mlp),
										 sizeof(float)));
	mk_rng_seed(&rng, (uint64) opts->seed + 1);
	mk_mlp_init(model->params, &model->mlp, &rng);
	mk_mlp_fit(&model->mlp, model->params, &train, &valid, &fit_opts, &hooks,
			   &fit);

	/* Metrics come from rows the kept parameters never trained on. */
	appendStringInfoChar(metrics, '{');
	if (split.n_valid > 0)
		AppendHeldOutMetrics(metrics, model, &valid, values + split.n_train);
	else
		AppendHeldOutMetrics(metrics, model, &train, values);
	AppendTrainingFacts(metrics, model, &split, table, &fit, metric);
	appendStringInfoChar(metrics, '}');

	if (opts->refit && split.n_valid > 0)
	{
		all.n = n;
		progress.epochs = fit.best_epoch;	/* what the NOTICEs count to */
		Refit(model, &all, &fit_opts, &hooks, fit.best_epoch, &rng);
	}
}
