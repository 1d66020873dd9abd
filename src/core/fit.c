/*
 * fit.c
 *		Mini-batch training of an MLP, with validation and early stopping.
 *
 * One epoch: shuffle the row order, then for every mini-batch gather its
 * rows into a contiguous buffer, run forward, compute the loss and its
 * gradient, zero the parameter gradients, run backward and take one
 * optimiser step.  After the epoch the validation rows, if any, are scored
 * in evaluation mode (no dropout); the parameters with the lowest validation
 * loss are kept aside and restored at the end.
 *
 * Determinism: the row order comes from an MkRng seeded with opt->seed and
 * the dropout masks from a second one seeded from it, and every reduction
 * runs in a fixed order, so the same inputs give bit-identical parameters
 * (given the same BLAS library and thread count).
 *
 * Every buffer is allocated once, through mk_alloc, before the first epoch,
 * and freed before returning; only result->curve outlives the call.
 */
#include <math.h>
#include <string.h>

#include "fit.h"
#include "layers.h"
#include "loss.h"
#include "metrics.h"
#include "mk_alloc.h"
#include "optim.h"

/* Rows per forward pass when scoring the validation set. */
#define EVAL_CHUNK 1024

/* PyTorch's AdamW defaults for everything but the learning rate and decay. */
#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

/* Mixed into the seed for the dropout stream, so it differs from shuffling. */
#define DROPOUT_SEED_SALT UINT64_C(0xD1B54A32D192ED03)

/* Everything one training run allocates, plus its counters and streams. */
typedef struct FitState
{
	const MkMlpConfig *cfg;
	const MkFitOptions *opt;
	const MkFitHooks *hooks;
	float	   *params;			/* the caller's block, trained in place */
	size_t		n_params;
	int			n_out;			/* logits per row */
	int			batch_size;
	MkMlpParams p;				/* bound to params */
	MkMlpParams g;				/* bound to grads */
	float	   *grads;
	float	   *m;				/* AdamW first moment, or SGD velocity */
	float	   *v;				/* AdamW second moment */
	float	   *best;			/* parameters of the best epoch so far */
	int32_t    *order;			/* [n_train] row order of this epoch */
	float	   *x;				/* [batch_size, n_features] gathered rows */
	float	   *y;				/* [batch_size] targets (BCE, MSE) */
	int32_t    *labels;			/* [batch_size] classes (softmax) */
	float	   *w;				/* [batch_size] weights, when given */
	float	   *dlogits;		/* [batch_size, n_out] */
	MkScoredLabel *scored;		/* [n_valid] for the validation AUC */
	MkMlpActs  *acts;
	MkRng		shuffle_rng;
	MkRng		dropout_rng;
	long		step;			/* optimiser steps taken, for Adam */
	double		best_loss;		/* lowest validation loss so far */
} FitState;

/* mk_alloc'd, zeroed array of n elements of the given size. */
static void *
alloc_array(size_t n, size_t size)
{
	return mk_alloc(mk_mul_size(n, size));
}

/* The mini-batch size actually used: opt's, within [1, max(n, 1)]. */
static int
effective_batch_size(const MkFitOptions *opt, int n)
{
	int			bs = opt->batch_size;

	if (bs > n)
		bs = n;
	return bs < 1 ? 1 : bs;
}

/* Allocates the buffers of a run and seeds its random streams. */
static void
fit_begin(FitState *st, const MkDataset *train, const MkDataset *valid)
{
	int			n_valid = valid != NULL ? valid->n : 0;
	int			bs = st->batch_size;
	int			max_batch = n_valid < EVAL_CHUNK ? n_valid : EVAL_CHUNK;

	st->n_params = mk_mlp_num_params(st->cfg);
	st->n_out = st->cfg->sizes[st->cfg->n_dense];
	mk_mlp_bind(&st->p, st->params, st->cfg);
	st->grads = alloc_array(st->n_params, sizeof(float));
	mk_mlp_bind(&st->g, st->grads, st->cfg);
	st->m = alloc_array(st->n_params, sizeof(float));
	if (st->opt->optimizer == MK_OPT_ADAMW)
		st->v = alloc_array(st->n_params, sizeof(float));
	if (n_valid > 0)
		st->best = alloc_array(st->n_params, sizeof(float));
	if (n_valid > 0 && st->opt->loss == MK_LOSS_BCE)
		st->scored = alloc_array(n_valid, sizeof(MkScoredLabel));
	st->order = alloc_array(train->n, sizeof(int32_t));
	for (int i = 0; i < train->n; i++)
		st->order[i] = i;
	st->x = alloc_array(mk_mul_size(bs, train->n_features), sizeof(float));
	st->y = alloc_array(bs, sizeof(float));
	st->labels = alloc_array(bs, sizeof(int32_t));
	if (train->weight != NULL)
		st->w = alloc_array(bs, sizeof(float));
	st->dlogits = alloc_array(mk_mul_size(bs, st->n_out), sizeof(float));
	st->acts = mk_mlp_acts_create(st->cfg, bs > max_batch ? bs : max_batch);
	mk_rng_seed(&st->shuffle_rng, st->opt->seed);
	mk_rng_seed(&st->dropout_rng, st->opt->seed ^ DROPOUT_SEED_SALT);
}

/* Frees everything fit_begin allocated. */
static void
fit_end(FitState *st)
{
	mk_free(st->grads);
	mk_free(st->m);
	mk_free(st->v);
	mk_free(st->best);
	mk_free(st->scored);
	mk_free(st->order);
	mk_free(st->x);
	mk_free(st->y);
	mk_free(st->labels);
	mk_free(st->w);
	mk_free(st->dlogits);
	mk_mlp_acts_free(st->acts);
}

/* Weighted mean loss of B rows of logits (see loss.h). */
static double
loss_forward(MkLossKind kind, const float *logits, const float *y,
			 const int32_t *labels, const float *w, int B, int K)
{
	switch (kind)
	{
		case MK_LOSS_BCE:
			return mk_bce_logits_forward(logits, y, w, B);
		case MK_LOSS_SOFTMAX:
			return mk_softmax_xent_forward(logits, labels, w, B, K);
		case MK_LOSS_MSE:
			return mk_mse_forward(logits, y, w, B);
	}
	return NAN;
}

/* Writes d loss / d logits of B rows into dlogits[B, K]. */
static void
loss_backward(MkLossKind kind, float *dlogits, const float *logits,
			  const float *y, const int32_t *labels, const float *w,
			  int B, int K)
{
	switch (kind)
	{
		case MK_LOSS_BCE:
			mk_bce_logits_backward(dlogits, logits, y, w, B);
			break;
		case MK_LOSS_SOFTMAX:
			mk_softmax_xent_backward(dlogits, logits, labels, w, B, K);
			break;
		case MK_LOSS_MSE:
			mk_mse_backward(dlogits, logits, y, w, B);
			break;
	}
}

/* Copies rows order[start .. start + B) of train into the batch buffers. */
static void
gather_batch(FitState *st, const MkDataset *train, int start, int B)
{
	size_t		F = (size_t) train->n_features;

	for (int b = 0; b < B; b++)
	{
		int32_t		row = st->order[start + b];

		memcpy(st->x + b * F, train->x + row * F, F * sizeof(float));
		if (train->y != NULL)
			st->y[b] = train->y[row];
		if (train->labels != NULL)
			st->labels[b] = train->labels[row];
		if (train->weight != NULL)
			st->w[b] = train->weight[row];
	}
}

/* Takes one optimiser step on the parameters with the current gradients. */
static void
optimizer_step(FitState *st)
{
	const MkFitOptions *opt = st->opt;

	st->step++;
	if (opt->optimizer == MK_OPT_ADAMW)
		mk_adamw_update(st->params, st->grads, st->m, st->v, st->n_params,
						st->step, opt->learning_rate, ADAM_BETA1,
						ADAM_BETA2, ADAM_EPS, opt->weight_decay);
	else
		mk_sgd_update(st->params, st->grads, st->m, st->n_params,
					  opt->learning_rate, opt->momentum,
					  opt->weight_decay);
}

/* Trains on the B rows starting at start of this epoch's order. */
static double
train_batch(FitState *st, const MkDataset *train, int start, int B)
{
	MkLossKind	kind = st->opt->loss;
	const float *logits;
	double		loss;

	gather_batch(st, train, start, B);
	logits = mk_mlp_forward(st->cfg, &st->p, st->acts, st->x, B, true,
							&st->dropout_rng);
	loss = loss_forward(kind, logits, st->y, st->labels, st->w, B,
						st->n_out);
	loss_backward(kind, st->dlogits, logits, st->y, st->labels, st->w, B,
				  st->n_out);
	memset(st->grads, 0, st->n_params * sizeof(float));
	mk_mlp_backward(st->cfg, &st->g, st->acts, &st->p, st->dlogits, st->x,
					B);
	optimizer_step(st);
	return loss;
}

/* One pass over the shuffled training rows; returns the mean batch loss. */
static double
train_epoch(FitState *st, const MkDataset *train)
{
	double		sum = 0.0;

	mk_rng_shuffle(&st->shuffle_rng, st->order, (size_t) train->n);
	for (int start = 0; start < train->n; start += st->batch_size)
	{
		int			B = train->n - start < st->batch_size ?
			train->n - start : st->batch_size;

		if (st->hooks != NULL && st->hooks->before_batch != NULL)
			st->hooks->before_batch(st->hooks->arg);
		sum += train_batch(st, train, start, B) * B;
	}
	return train->n > 0 ? sum / train->n : NAN;
}

/* Index of the largest of K values; the first one on ties. */
static int
argmax(const float *row, int K)
{
	int			best = 0;

	for (int k = 1; k < K; k++)
	{
		if (row[k] > row[best])
			best = k;
	}
	return best;
}

/*
 * Adds one chunk of validation rows [start, start + B) with their logits
 * to the metric's running sum: correct predictions (softmax) or squared
 * errors (MSE); for BCE it records the (score, label) pairs.  The AUC
 * depends only on the order of the scores, and the sigmoid is increasing,
 * so the logit serves as the score without the sigmoid's ties at
 * saturation.
 */
static double
chunk_metric(FitState *st, const MkDataset *valid, const float *logits,
			 int start, int B)
{
	double		sum = 0.0;

	for (int b = 0; b < B; b++)
	{
		int			row = start + b;
		const float *out = logits + (size_t) b * st->n_out;

		if (st->opt->loss == MK_LOSS_BCE)
		{
			st->scored[row].score = out[0];
			st->scored[row].label = valid->y[row] > 0.5f;
		}
		else if (st->opt->loss == MK_LOSS_SOFTMAX)
			sum += argmax(out, st->n_out) == valid->labels[row];
		else
			sum += ((double) out[0] - valid->y[row]) *
				((double) out[0] - valid->y[row]);
	}
	return sum;
}

/* Turns the metric's running sum over n rows into the reported metric. */
static double
finish_metric(FitState *st, double sum, int n)
{
	switch (st->opt->loss)
	{
		case MK_LOSS_BCE:
			return mk_auc(st->scored, (size_t) n);
		case MK_LOSS_SOFTMAX:
			return sum / n;
		case MK_LOSS_MSE:
			return sqrt(sum / n);
	}
	return NAN;
}

/* Sum of the weights of rows [start, start + B), or B without weights. */
static double
chunk_weight(const float *weight, int start, int B)
{
	double		sum = 0.0;

	if (weight == NULL)
		return B;
	for (int i = start; i < start + B; i++)
		sum += weight[i];
	return sum;
}

/*
 * Scores the validation rows in evaluation mode, in chunks of EVAL_CHUNK
 * rows, into report->valid_loss (weighted as in training) and
 * report->valid_metric (unweighted).
 */
static void
evaluate(FitState *st, const MkDataset *valid, MkEpochReport *report)
{
	double		loss_sum = 0.0;
	double		weight_sum = 0.0;
	double		metric_sum = 0.0;

	for (int start = 0; start < valid->n; start += EVAL_CHUNK)
	{
		int			B = valid->n - start < EVAL_CHUNK ?
			valid->n - start : EVAL_CHUNK;
		const float *x = valid->x + (size_t) start * valid->n_features;
		const float *y = valid->y ? valid->y + start : NULL;
		const int32_t *labels = valid->labels ? valid->labels + start : NULL;
		const float *w = valid->weight ? valid->weight + start : NULL;
		const float *logits;
		double		cw = chunk_weight(valid->weight, start, B);

		logits = mk_mlp_forward(st->cfg, &st->p, st->acts, x, B, false, NULL);
		loss_sum += cw * loss_forward(st->opt->loss, logits, y, labels, w, B,
									  st->n_out);
		weight_sum += cw;
		metric_sum += chunk_metric(st, valid, logits, start, B);
	}
	report->valid_loss = weight_sum > 0.0 ? loss_sum / weight_sum : NAN;
	report->valid_metric = finish_metric(st, metric_sum, valid->n);
}

/*
 * Trains one epoch and fills its report.  With validation rows, an epoch
 * that lowers the validation loss is marked improved and its parameters
 * are kept aside; without them every epoch counts as improved.
 */
static void
run_epoch(FitState *st, const MkDataset *train, const MkDataset *valid,
		  MkEpochReport *report)
{
	report->train_loss = train_epoch(st, train);
	report->valid_loss = NAN;
	report->valid_metric = NAN;
	report->improved = true;
	if (valid == NULL)
		return;
	evaluate(st, valid, report);
	report->improved = report->valid_loss < st->best_loss;
	if (report->improved)
	{
		st->best_loss = report->valid_loss;
		memcpy(st->best, st->params, st->n_params * sizeof(float));
	}
}

/*
 * Trains cfg's network in params on train, validating on valid when it has
 * rows; see fit.h for the contract.
 */
void
mk_mlp_fit(const MkMlpConfig *cfg, float *params,
		   const MkDataset *train, const MkDataset *valid,
		   const MkFitOptions *opt, const MkFitHooks *hooks,
		   MkFitResult *result)
{
	FitState	st;
	int			epochs = opt->epochs > 0 ? opt->epochs : 0;

	if (valid != NULL && valid->n <= 0)
		valid = NULL;
	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.opt = opt;
	st.hooks = hooks;
	st.params = params;
	st.batch_size = effective_batch_size(opt, train->n);
	st.best_loss = INFINITY;
	fit_begin(&st, train, valid);
	memset(result, 0, sizeof(MkFitResult));
	result->curve = alloc_array(epochs, sizeof(MkEpochReport));

	for (int epoch = 1; epoch <= epochs; epoch++)
	{
		MkEpochReport *report = &result->curve[epoch - 1];

		report->epoch = epoch;
		run_epoch(&st, train, valid, report);
		result->epochs_run = epoch;
		if (report->improved)
			result->best_epoch = epoch;
		if (hooks != NULL && hooks->after_epoch != NULL)
			hooks->after_epoch(hooks->arg, report);
		if (valid != NULL && opt->patience > 0 &&
			epoch - result->best_epoch >= opt->patience)
			break;
	}

	/* Keep the best epoch's parameters; if none improved, the last ones. */
	if (valid != NULL && result->best_epoch > 0)
		memcpy(params, st.best, st.n_params * sizeof(float));
	else
		result->best_epoch = result->epochs_run;
	fit_end(&st);
}
