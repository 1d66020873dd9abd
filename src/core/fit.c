/*
 * fit.c
 *		Mini-batch training with validation and early stopping: the loop
 *		every model shares (fit_common.h), and the MLP's use of it.
 *
 * One epoch: shuffle the row order, then for every mini-batch gather its
 * rows into a contiguous buffer, run forward, compute the loss and its
 * gradient, zero the parameter gradients, run backward and take one
 * optimiser step.  After the epoch the validation rows, if any, are scored
 * in evaluation mode (no dropout); the parameters with the lowest validation
 * loss are kept aside and restored at the end.  The loop (MkFitLoop) owns
 * the order, the optimiser and the early stopping; the model supplies the
 * batch step and the validation scoring as callbacks.
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
#include "fit_common.h"
#include "layers.h"
#include "loss.h"
#include "metrics.h"
#include "mk_alloc.h"
#include "optim.h"

/* PyTorch's AdamW defaults for everything but the learning rate and decay. */
#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

/* Mixed into the seed for the dropout stream, so it differs from shuffling. */
#define DROPOUT_SEED_SALT UINT64_C(0xD1B54A32D192ED03)

/* What the MLP's batch and validation callbacks need. */
typedef struct FitState
{
	MkFitLoop	loop;
	const MkMlpConfig *cfg;
	const MkDataset *train;
	const MkDataset *valid;		/* NULL without validation rows */
	int			n_out;			/* logits per row */
	MkMlpParams p;				/* bound to loop.params */
	MkMlpParams g;				/* bound to loop.grads */
	float	   *x;				/* [batch_size, n_features] gathered rows */
	float	   *y;				/* [batch_size] targets (BCE, MSE) */
	int32_t    *labels;			/* [batch_size] classes (softmax) */
	float	   *w;				/* [batch_size] weights, when given */
	float	   *dlogits;		/* [batch_size, n_out] */
	MkScoredLabel *scored;		/* [n_valid] for the validation AUC */
	MkMlpActs  *acts;
} FitState;

/* mk_alloc'd, zeroed array of n elements of the given size. */
void *
mk_fit_alloc_array(size_t n, size_t size)
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

/* Allocates the model-independent buffers and seeds the random streams. */
void
mk_fit_loop_begin(MkFitLoop *loop, float *params, size_t n_params,
				  int n_train, bool has_valid, const MkFitOptions *opt,
				  const MkFitHooks *hooks)
{
	memset(loop, 0, sizeof(MkFitLoop));
	loop->opt = opt;
	loop->hooks = hooks;
	loop->params = params;
	loop->n_params = n_params;
	loop->n_train = n_train;
	loop->has_valid = has_valid;
	loop->batch_size = effective_batch_size(opt, n_train);
	loop->best_loss = INFINITY;
	loop->grads = mk_fit_alloc_array(n_params, sizeof(float));
	loop->m = mk_fit_alloc_array(n_params, sizeof(float));
	if (opt->optimizer == MK_OPT_ADAMW)
		loop->v = mk_fit_alloc_array(n_params, sizeof(float));
	if (has_valid)
		loop->best = mk_fit_alloc_array(n_params, sizeof(float));
	loop->order = mk_fit_alloc_array(n_train, sizeof(int32_t));
	for (int i = 0; i < n_train; i++)
		loop->order[i] = i;
	mk_rng_seed(&loop->shuffle_rng, opt->seed);
	mk_rng_seed(&loop->dropout_rng, opt->seed ^ DROPOUT_SEED_SALT);
}

/* Frees everything mk_fit_loop_begin allocated. */
void
mk_fit_loop_end(MkFitLoop *loop)
{
	mk_free(loop->grads);
	mk_free(loop->m);
	mk_free(loop->v);
	mk_free(loop->best);
	mk_free(loop->order);
}

/* Takes one optimiser step on the parameters with the current gradients. */
void
mk_fit_loop_step(MkFitLoop *loop)
{
	const MkFitOptions *opt = loop->opt;

	loop->step++;
	if (opt->optimizer == MK_OPT_ADAMW)
		mk_adamw_update(loop->params, loop->grads, loop->m, loop->v,
						loop->n_params, loop->step, opt->learning_rate,
						ADAM_BETA1, ADAM_BETA2, ADAM_EPS, opt->weight_decay);
	else
		mk_sgd_update(loop->params, loop->grads, loop->m, loop->n_params,
					  opt->learning_rate, opt->momentum,
					  opt->weight_decay);
}

/* One pass over the shuffled training rows; returns the mean batch loss. */
static double
train_epoch(MkFitLoop *loop)
{
	const MkFitHooks *hooks = loop->hooks;
	int			n = loop->n_train;
	double		sum = 0.0;

	mk_rng_shuffle(&loop->shuffle_rng, loop->order, (size_t) n);
	for (int start = 0; start < n; start += loop->batch_size)
	{
		int			B = n - start < loop->batch_size ?
			n - start : loop->batch_size;

		if (hooks != NULL && hooks->before_batch != NULL)
			hooks->before_batch(hooks->arg);
		sum += loop->train_batch(loop->ctx, loop->order + start, B) * B;
	}
	return n > 0 ? sum / n : NAN;
}

/*
 * Trains one epoch and fills its report.  With validation rows, an epoch
 * that lowers the validation loss is marked improved and its parameters
 * are kept aside; without them every epoch counts as improved.
 */
static void
run_epoch(MkFitLoop *loop, MkEpochReport *report)
{
	report->train_loss = train_epoch(loop);
	report->valid_loss = NAN;
	report->valid_metric = NAN;
	report->improved = true;
	if (!loop->has_valid)
		return;
	loop->evaluate(loop->ctx, report);
	report->improved = report->valid_loss < loop->best_loss;
	if (report->improved)
	{
		loop->best_loss = report->valid_loss;
		memcpy(loop->best, loop->params, loop->n_params * sizeof(float));
	}
}

/* The epochs, hooks and early stopping of a run; see fit_common.h. */
void
mk_fit_loop_run(MkFitLoop *loop, MkFitResult *result)
{
	const MkFitHooks *hooks = loop->hooks;
	int			epochs = loop->opt->epochs > 0 ? loop->opt->epochs : 0;
	int			patience = loop->opt->patience;

	memset(result, 0, sizeof(MkFitResult));
	result->curve = mk_fit_alloc_array(epochs, sizeof(MkEpochReport));

	for (int epoch = 1; epoch <= epochs; epoch++)
	{
		MkEpochReport *report = &result->curve[epoch - 1];

		report->epoch = epoch;
		run_epoch(loop, report);
		result->epochs_run = epoch;
		if (report->improved)
			result->best_epoch = epoch;
		if (hooks != NULL && hooks->after_epoch != NULL)
			hooks->after_epoch(hooks->arg, report);
		if (loop->has_valid && patience > 0 &&
			epoch - result->best_epoch >= patience)
			break;
	}

	/* Keep the best epoch's parameters; if none improved, the last ones. */
	if (loop->has_valid && result->best_epoch > 0)
		memcpy(loop->params, loop->best, loop->n_params * sizeof(float));
	else
		result->best_epoch = result->epochs_run;
}

/* Allocates the MLP's batch, loss and activation buffers. */
static void
fit_begin(FitState *st)
{
	int			n_valid = st->valid != NULL ? st->valid->n : 0;
	int			bs = st->loop.batch_size;
	int			max_batch = n_valid < MK_FIT_EVAL_CHUNK ?
		n_valid : MK_FIT_EVAL_CHUNK;

	st->n_out = st->cfg->sizes[st->cfg->n_dense];
	mk_mlp_bind(&st->p, st->loop.params, st->cfg);
	mk_mlp_bind(&st->g, st->loop.grads, st->cfg);
	if (n_valid > 0 && st->loop.opt->loss == MK_LOSS_BCE)
		st->scored = mk_fit_alloc_array(n_valid, sizeof(MkScoredLabel));
	st->x = mk_fit_alloc_array(mk_mul_size(bs, st->train->n_features),
							   sizeof(float));
	st->y = mk_fit_alloc_array(bs, sizeof(float));
	st->labels = mk_fit_alloc_array(bs, sizeof(int32_t));
	if (st->train->weight != NULL)
		st->w = mk_fit_alloc_array(bs, sizeof(float));
	st->dlogits = mk_fit_alloc_array(mk_mul_size(bs, st->n_out),
									 sizeof(float));
	st->acts = mk_mlp_acts_create(st->cfg, bs > max_batch ? bs : max_batch);
}

/* Frees everything fit_begin allocated. */
static void
fit_end(FitState *st)
{
	mk_free(st->scored);
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
		case MK_LOSS_MAE:
			return mk_mae_forward(logits, y, w, B);
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
		case MK_LOSS_MAE:
			mk_mae_backward(dlogits, logits, y, w, B);
			break;
	}
}

/* Copies the training rows rows[0 .. B) into the batch buffers. */
static void
gather_batch(FitState *st, const int32_t *rows, int B)
{
	const MkDataset *train = st->train;
	size_t		F = (size_t) train->n_features;

	for (int b = 0; b < B; b++)
	{
		int32_t		row = rows[b];

		memcpy(st->x + b * F, train->x + row * F, F * sizeof(float));
		if (train->y != NULL)
			st->y[b] = train->y[row];
		if (train->labels != NULL)
			st->labels[b] = train->labels[row];
		if (train->weight != NULL)
			st->w[b] = train->weight[row];
	}
}

/* Trains on the B training rows rows[0 .. B); an MkFitBatchFn. */
static double
train_batch(void *ctx, const int32_t *rows, int B)
{
	FitState   *st = (FitState *) ctx;
	MkLossKind	kind = st->loop.opt->loss;
	const float *logits;
	double		loss;

	gather_batch(st, rows, B);
	logits = mk_mlp_forward(st->cfg, &st->p, st->acts, st->x, B, true,
							&st->loop.dropout_rng);
	loss = loss_forward(kind, logits, st->y, st->labels, st->w, B,
						st->n_out);
	loss_backward(kind, st->dlogits, logits, st->y, st->labels, st->w, B,
				  st->n_out);
	memset(st->loop.grads, 0, st->loop.n_params * sizeof(float));
	mk_mlp_backward(st->cfg, &st->g, NULL, st->acts, &st->p, st->dlogits,
					st->x, B);
	mk_fit_loop_step(&st->loop);
	return loss;
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

		if (st->loop.opt->loss == MK_LOSS_BCE)
		{
			st->scored[row].score = out[0];
			st->scored[row].label = valid->y[row] > 0.5f;
		}
		else if (st->loop.opt->loss == MK_LOSS_SOFTMAX)
			sum += argmax(out, st->n_out) == valid->labels[row];
		else if (st->loop.opt->loss == MK_LOSS_MAE)
			sum += fabs((double) out[0] - valid->y[row]);
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
	switch (st->loop.opt->loss)
	{
		case MK_LOSS_BCE:
			return mk_auc(st->scored, (size_t) n);
		case MK_LOSS_SOFTMAX:
			return sum / n;
		case MK_LOSS_MSE:
			return sqrt(sum / n);
		case MK_LOSS_MAE:
			return sum / n;
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
 * Scores the validation rows in evaluation mode, in chunks of
 * MK_FIT_EVAL_CHUNK rows, into report->valid_loss (weighted as in
 * training) and report->valid_metric (unweighted); an MkFitEvalFn.
 */
static void
evaluate(void *ctx, MkEpochReport *report)
{
	FitState   *st = (FitState *) ctx;
	const MkDataset *valid = st->valid;
	double		loss_sum = 0.0;
	double		weight_sum = 0.0;
	double		metric_sum = 0.0;

	for (int start = 0; start < valid->n; start += MK_FIT_EVAL_CHUNK)
	{
		int			B = valid->n - start < MK_FIT_EVAL_CHUNK ?
			valid->n - start : MK_FIT_EVAL_CHUNK;
		const float *x = valid->x + (size_t) start * valid->n_features;
		const float *y = valid->y ? valid->y + start : NULL;
		const int32_t *labels = valid->labels ? valid->labels + start : NULL;
		const float *w = valid->weight ? valid->weight + start : NULL;
		const float *logits;
		double		cw = chunk_weight(valid->weight, start, B);

		logits = mk_mlp_forward(st->cfg, &st->p, st->acts, x, B, false, NULL);
		loss_sum += cw * loss_forward(st->loop.opt->loss, logits, y, labels,
									  w, B, st->n_out);
		weight_sum += cw;
		metric_sum += chunk_metric(st, valid, logits, start, B);
	}
	report->valid_loss = weight_sum > 0.0 ? loss_sum / weight_sum : NAN;
	report->valid_metric = finish_metric(st, metric_sum, valid->n);
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

	if (valid != NULL && valid->n <= 0)
		valid = NULL;
	memset(&st, 0, sizeof(st));
	mk_fit_loop_begin(&st.loop, params, mk_mlp_num_params(cfg), train->n,
					  valid != NULL, opt, hooks);
	st.loop.train_batch = train_batch;
	st.loop.evaluate = evaluate;
	st.loop.ctx = &st;
	st.cfg = cfg;
	st.train = train;
	st.valid = valid;
	fit_begin(&st);
	mk_fit_loop_run(&st.loop, result);
	fit_end(&st);
	mk_fit_loop_end(&st.loop);
}
