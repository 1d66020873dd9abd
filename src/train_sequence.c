/*
 * train_sequence.c
 *		Sequence classification and regression: an LSTM or GRU over each
 *		entity's ordered rows, with a dense head on its final state.
 *
 * The rows arrive grouped by entity and ordered (train_data.c).  The split
 * is by entity, so no customer's history is both trained and validated on;
 * the input pipeline is learned from the training entities' rows; every
 * row is encoded once, and each entity's most recent max_length rows are
 * laid out left-aligned in a padded [entities, steps, features] tensor.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/json.h"

#include "core/mk_alloc.h"
#include "core/rng.h"
#include "core/sequence.h"
#include "scoring.h"
#include "train_common.h"
#include "train_sequence.h"
#include "train_tabular.h"

/* The padded sequences and their targets, in split order. */
typedef struct Sequences
{
	float	   *x;				/* [n, T, F] */
	int32	   *lengths;
	float	   *y;				/* loss targets */
	int32	   *classes;		/* class indexes (classification) */
	double	   *values;			/* raw values (regression) */
	int			n;
	int			T;
	int			F;
} Sequences;

/*
 * The rows of the sequences in split order, as a row-level Split whose
 * training part holds exactly the training sequences' rows.
 */
static Split
RowsOfSequences(const RawSequences *seq, const Split *by_sequence, int n_rows)
{
	Split		rows;
	int			at = 0;

	rows.rows = palloc_extended(sizeof(int32) * Max(n_rows, 1), MCXT_ALLOC_HUGE);
	rows.n_train = 0;
	for (int i = 0; i < seq->n; i++)
	{
		int			s = by_sequence->rows[i];

		for (int r = seq->start[s]; r < seq->start[s + 1]; r++)
			rows.rows[at++] = r;
		if (i == by_sequence->n_train - 1)
			rows.n_train = at;
	}
	rows.n_valid = at - rows.n_train;
	return rows;
}

/* Mean and scale of a regression target over the training sequences. */
static void
LearnSequenceTarget(MkTarget *target, const RawTable *table,
					const Split *by_sequence)
{
	const RawSequences *seq = table->seq;
	double		sum = 0.0,
				sumsq = 0.0;
	int			n = by_sequence->n_train;

	target->name = table->target.name;
	target->type = MK_LABEL_FLOAT;
	for (int i = 0; i < n; i++)
		sum += table->target.numbers[seq->start[by_sequence->rows[i]]];
	target->mean = sum / n;
	for (int i = 0; i < n; i++)
	{
		double		d = table->target.numbers[seq->start[by_sequence->rows[i]]] - target->mean;

		sumsq += d * d;
	}
	target->scale = sqrt(sumsq / n);
	if (!(target->scale > 1e-12) || !isfinite(target->scale))
		target->scale = 1.0;
}

/*
 * Lays out the encoded rows x_rows (in the order of RowsOfSequences) as
 * padded sequences, keeping each one's most recent T rows, with targets.
 */
static Sequences
PadSequences(const MkModel *model, const RawTable *table,
			 const Split *by_sequence, const float *x_rows,
			 const int32 *class_of_code, int max_length)
{
	const RawSequences *seq = table->seq;
	int			F = model->prep.n_features;
	Sequences	out;
	int			longest = 1;
	size_t		row_at = 0;

	for (int s = 0; s < seq->n; s++)
		longest = Max(longest, seq->start[s + 1] - seq->start[s]);
	out.n = seq->n;
	out.F = F;
	out.T = Min(longest, max_length);
	out.x = mk_alloc(mk_mul_size(mk_mul_size((size_t) out.n * out.T, F), sizeof(float)));
	out.lengths = palloc(sizeof(int32) * out.n);
	out.y = palloc(sizeof(float) * out.n);
	out.classes = palloc0(sizeof(int32) * out.n);
	out.values = palloc0(sizeof(double) * out.n);

	for (int i = 0; i < out.n; i++)
	{
		int			s = by_sequence->rows[i];
		int			first = seq->start[s];
		int			len = seq->start[s + 1] - first;
		int			keep = Min(len, out.T);

		memcpy(out.x + (size_t) i * out.T * F,
			   x_rows + (row_at + len - keep) * F,
			   sizeof(float) * (size_t) keep * F);
		out.lengths[i] = keep;
		row_at += len;
		if (ModelPredictsValue(model))
		{
			out.values[i] = table->target.numbers[first];
			out.y[i] = (float) ((out.values[i] - model->target.mean) / model->target.scale);
		}
		else
		{
			out.classes[i] = class_of_code[table->target.codes[first]];
			out.y[i] = out.classes[i] == model->target.positive ? 1.0f : 0.0f;
		}
	}
	return out;
}

/* A dataset over sequences [from, from + n) of all. */
static MkSeqDataset
SequenceSlice(const Sequences *all, int from, int n)
{
	MkSeqDataset d;

	d.x = all->x + (size_t) from * all->T * all->F;
	d.lengths = all->lengths + from;
	d.y = all->y + from;
	d.labels = all->classes + from;
	d.weight = NULL;
	d.n = n;
	d.T = all->T;
	d.C = all->F;
	return d;
}

void
ConfigureRecurrent(MkSeqModel *sm, const TrainOptions *opts, int input,
				   int outputs, int steps)
{
	ListCell   *lc;
	const char *problem;

	memset(sm, 0, sizeof(*sm));
	sm->rnn.cell = strcmp(opts->cell, "gru") == 0 ? MK_CELL_GRU : MK_CELL_LSTM;
	sm->rnn.n_layers = opts->layers;
	sm->rnn.input = input;
	sm->rnn.hidden = opts->hidden_size;
	sm->rnn.dropout = (float) opts->dropout;
	sm->head.sizes[0] = opts->hidden_size;
	foreach(lc, opts->hidden)
		sm->head.sizes[++sm->head.n_dense] = lfirst_int(lc);
	sm->head.sizes[++sm->head.n_dense] = outputs;
	sm->head.activation = TrainOptionsActivation(opts);
	sm->head.dropout = (float) opts->dropout;
	if ((problem = mk_seq_config_error(sm)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid sequence network: %s", problem)));
	if ((problem = mk_rnn_shape_error(&sm->rnn, Max(opts->batch_size, 1024), steps)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sequences of %d steps are too long for this network: %s",
						steps, problem),
				 errhint("Lower \"max_length\" or \"batch_size\".")));
}

/* Appends the metrics of the trained model on the given sequences. */
static void
AppendSequenceMetrics(StringInfo metrics, const MkModel *model,
					  const MkSeqModel *sm, const Sequences *all, int from,
					  int n)
{
	MkSeqDataset d = SequenceSlice(all, from, n);
	int			width = ModelOutputWidth(model);
	float	   *logits = palloc(sizeof(float) * (size_t) n * width);
	float	   *outputs = palloc(sizeof(float) * (size_t) n * width);

	mk_seq_score(sm, model->params, &d, logits);
	for (int i = 0; i < n; i++)
		FinishOutput(model, logits + (size_t) i * width, outputs + (size_t) i * width);
	AppendMetrics(metrics, model, outputs, all->classes + from,
				  all->values + from, n);
	pfree(logits);
	pfree(outputs);
}

void
TrainSequences(MkModel *model, StringInfo metrics, RawTable *table,
			   const TrainOptions *opts, MkTask task)
{
	const RawSequences *seq = table->seq;
	Split		by_sequence = SplitRows(seq->n, opts->validation_fraction,
										(uint64) opts->seed);
	Split		rows = RowsOfSequences(seq, &by_sequence, table->n_rows);
	CategoryMap *maps = palloc0(sizeof(CategoryMap) * table->n_features);
	int32	   *class_of_code = NULL;
	Sequences	all;
	MkSeqModel	sm;
	MkSeqDataset train,
				valid;
	MkFitOptions fit_opts;
	MkFitResult fit;
	MkFitHooks	hooks;
	Progress	progress;
	MkRng		rng;
	const char *metric;

	model->task = task;
	LearnPrep(&model->prep, maps, table, &rows, opts);
	if (task == MK_TASK_SEQUENCE_CLASSIFICATION)
		LearnClasses(&model->target, &class_of_code, table, opts);
	else
		LearnSequenceTarget(&model->target, table, &by_sequence);
	all = PadSequences(model, table, &by_sequence,
					   EncodeRows(&model->prep, maps, table, &rows),
					   class_of_code, opts->max_length);
	ConfigureRecurrent(&sm, opts, model->prep.n_features,
					   ModelOutputWidth(model), all.T);
	model->rnn = sm.rnn;
	model->mlp = sm.head;

	train = SequenceSlice(&all, 0, by_sequence.n_train);
	valid = SequenceSlice(&all, by_sequence.n_train, by_sequence.n_valid);
	fit_opts = FitOptions(opts, ModelPredictsValue(model) ? MK_LOSS_MSE :
						  ModelOutputWidth(model) == 1 ? MK_LOSS_BCE :
						  MK_LOSS_SOFTMAX);
	metric = fit_opts.loss == MK_LOSS_BCE ? "auc" :
		fit_opts.loss == MK_LOSS_SOFTMAX ? "accuracy" : "rmse";
	InitProgress(&hooks, &progress, opts->epochs, metric);

	model->params = mk_alloc(mk_mul_size(mk_seq_num_params(&sm), sizeof(float)));
	mk_rng_seed(&rng, (uint64) opts->seed + 1);
	mk_seq_init(model->params, &sm, &rng);
	mk_seq_fit(&sm, model->params, &train, &valid, &fit_opts,
			   (float) opts->clip, &hooks, &fit);

	appendStringInfoChar(metrics, '{');
	if (valid.n > 0)
		AppendSequenceMetrics(metrics, model, &sm, &all, by_sequence.n_train,
							  valid.n);
	else
		AppendSequenceMetrics(metrics, model, &sm, &all, 0, train.n);
	appendStringInfo(metrics, ", \"evaluated_on\": \"%s\", \"train_sequences\": %d, "
					 "\"valid_sequences\": %d, \"rows\": %d, \"skipped_rows\": " INT64_FORMAT
					 ", \"steps\": %d, \"features\": %d, \"epochs_run\": %d, \"best_epoch\": %d",
					 valid.n > 0 ? "validation" : "training", train.n, valid.n,
					 table->n_rows, table->n_skipped, all.T,
					 model->prep.n_features, fit.epochs_run, fit.best_epoch);
	if (task == MK_TASK_SEQUENCE_CLASSIFICATION)
	{
		appendStringInfo(metrics, ", \"classes\": [%s]", ClassList(&model->target));
		if (model->target.n_classes == 2)
		{
			appendStringInfoString(metrics, ", \"positive_class\": ");
			escape_json(metrics, model->target.classes[model->target.positive]);
		}
	}
	AppendCurve(metrics, &fit, metric);
	appendStringInfoChar(metrics, '}');
}
