/*
 * textclf_fit.c
 *		Training and evaluation of the fast text classifier by fastText's
 *		SGD with sparse updates.
 *
 * One step per document: forward, the loss gradient on the logits scaled
 * by -lr * weight, then backward with the parameters themselves as the
 * gradient outputs (textclf.h), so the step writes only the linear layer
 * and the rows of the document's ids.  That locality, not the arithmetic,
 * is what makes the model fast: a document of T ids costs O(T D + O D).
 *
 * The learning rate falls linearly from opt->learning_rate at the first
 * document of the first epoch towards 0 at the end of the last, as in
 * fastText (which counts tokens where this counts documents).  The order
 * of documents is reshuffled every epoch by an MkRng seeded with
 * opt->seed; every sum runs in a fixed order, so a seed gives
 * bit-identical parameters.
 *
 * The buffers (a few vectors and the document order) are allocated once
 * before the first epoch and freed before returning; only result->curve
 * outlives the call.
 */
#include <math.h>

#include "loss.h"
#include "metrics.h"
#include "mk_alloc.h"
#include "textclf.h"
#include "textcnn.h"

/* What one training run carries from document to document. */
typedef struct TextFit
{
	const MkTextConfig *cfg;
	const MkTextDataset *train;
	const MkTextFitOptions *opt;
	MkTextParams p;				/* bound to the caller's block */
	float	   *hidden;			/* [D] */
	float	   *dhidden;		/* [D] */
	float	   *logits;			/* [O] */
	float	   *dlogits;		/* [O] */
	int32_t    *order;			/* [n] document order of this epoch */
	MkRng		rng;
} TextFit;

/* mk_alloc'd, zeroed array of n floats. */
static float *
alloc_floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* Weight of document i: its weight, or 1 without weights. */
static inline float
doc_weight(const MkTextDataset *data, int i)
{
	return data->weight != NULL ? data->weight[i] : 1.0f;
}

/* The loss of one document's logits against its label. */
static double
doc_loss(const MkTextConfig *cfg, const float *logits, int32_t label)
{
	float		target = (float) label;

	if (cfg->loss == MK_LOSS_BCE)
		return mk_bce_logits_forward(logits, &target, NULL, 1);
	return mk_softmax_xent_forward(logits, &label, NULL, 1, cfg->n_classes);
}

/* dlogits[O] = d loss / d logits of one document (p - y). */
static void
doc_loss_backward(float *dlogits, const MkTextConfig *cfg,
				  const float *logits, int32_t label)
{
	float		target = (float) label;

	if (cfg->loss == MK_LOSS_BCE)
		mk_bce_logits_backward(dlogits, logits, &target, NULL, 1);
	else
		mk_softmax_xent_backward(dlogits, logits, &label, NULL, 1,
								 cfg->n_classes);
}

/*
 * One SGD step on document i at learning rate lr; returns its loss before
 * the step.
 */
static double
train_document(TextFit *st, int i, float lr)
{
	const MkTextDataset *tr = st->train;
	const int32_t *ids = tr->ids + tr->offsets[i];
	int			n = (int) (tr->offsets[i + 1] - tr->offsets[i]);
	int			O = mk_text_num_outputs(st->cfg);
	float		step = -lr * doc_weight(tr, i);
	double		loss;

	mk_text_forward(st->logits, st->hidden, st->cfg, &st->p, ids, n);
	loss = doc_loss(st->cfg, st->logits, tr->labels[i]);
	doc_loss_backward(st->dlogits, st->cfg, st->logits, tr->labels[i]);
	for (int o = 0; o < O; o++)
		st->dlogits[o] *= step;
	mk_text_backward(st->cfg, &st->p, st->dhidden, st->dlogits, &st->p,
					 st->hidden, ids, n);
	return loss;
}

/*
 * One pass over the shuffled documents of epoch (1-based); returns the
 * weighted mean loss, NaN when the weights sum to zero.
 */
static double
train_epoch(TextFit *st, int epoch, const MkFitHooks *hooks)
{
	int			n = st->train->n;
	double		total = (double) st->opt->epochs * n;
	double		sum = 0.0,
				wsum = 0.0;

	mk_rng_shuffle(&st->rng, st->order, (size_t) n);
	for (int start = 0; start < n; start += MK_TEXT_CHUNK)
	{
		int			end = n - start < MK_TEXT_CHUNK ? n : start + MK_TEXT_CHUNK;

		if (hooks != NULL && hooks->before_batch != NULL)
			hooks->before_batch(hooks->arg);
		for (int k = start; k < end; k++)
		{
			int			i = st->order[k];
			double		done = (double) (epoch - 1) * n + k;
			float		lr = (float) (st->opt->learning_rate *
									  (1.0 - done / total));
			double		w = doc_weight(st->train, i);

			sum += w * train_document(st, i, lr);
			wsum += w;
		}
	}
	return wsum > 0.0 ? sum / wsum : NAN;
}

/* Allocates the run's buffers and seeds its document order. */
static void
fit_begin(TextFit *st, const MkTextConfig *cfg, float *params,
		  const MkTextDataset *train, const MkTextFitOptions *opt)
{
	size_t		O = (size_t) mk_text_num_outputs(cfg);

	st->cfg = cfg;
	st->train = train;
	st->opt = opt;
	mk_text_bind(&st->p, params, cfg);
	st->hidden = alloc_floats((size_t) cfg->dim);
	st->dhidden = alloc_floats((size_t) cfg->dim);
	st->logits = alloc_floats(O);
	st->dlogits = alloc_floats(O);
	st->order = mk_alloc(mk_mul_size((size_t) train->n, sizeof(int32_t)));
	for (int i = 0; i < train->n; i++)
		st->order[i] = i;
	mk_rng_seed(&st->rng, opt->seed);
}

/* Frees everything fit_begin allocated. */
static void
fit_end(TextFit *st)
{
	mk_free(st->hidden);
	mk_free(st->dhidden);
	mk_free(st->logits);
	mk_free(st->dlogits);
	mk_free(st->order);
}

/* Reports an epoch of either encoder; see textclf.h. */
void
mk_text_end_epoch(const MkTextConfig *cfg, const float *params,
				  const MkTextDataset *valid, const MkFitHooks *hooks,
				  MkFitResult *result, int epoch, double train_loss,
				  double *best_loss)
{
	MkEpochReport *report = &result->curve[epoch - 1];

	report->epoch = epoch;
	report->train_loss = train_loss;
	report->valid_loss = NAN;
	report->valid_metric = NAN;
	if (valid != NULL && valid->n > 0)
		mk_text_evaluate(cfg, params, valid, &report->valid_loss,
						 &report->valid_metric);
	report->improved = isnan(report->valid_loss) ||
		report->valid_loss < *best_loss;
	if (report->improved && !isnan(report->valid_loss))
		*best_loss = report->valid_loss;
	result->epochs_run = epoch;
	result->best_epoch = epoch; /* the last epoch's parameters are kept */
	if (hooks != NULL && hooks->after_epoch != NULL)
		hooks->after_epoch(hooks->arg, report);
}

/* The epochs and hooks of a run; see textclf.h. */
void
mk_text_fit(const MkTextConfig *cfg, float *params,
			const MkTextDataset *train, const MkTextDataset *valid,
			const MkTextFitOptions *opt, const MkFitHooks *hooks,
			MkFitResult *result)
{
	TextFit		st;
	int			epochs = opt->epochs > 0 ? opt->epochs : 0;
	double		best_loss = INFINITY;

	if (cfg->encoder == MK_TEXT_CNN)
	{
		mk_textcnn_fit(cfg, params, train, valid, opt, hooks, result);
		return;
	}
	fit_begin(&st, cfg, params, train, opt);
	result->epochs_run = 0;
	result->best_epoch = 0;
	result->curve = mk_alloc(mk_mul_size((size_t) epochs,
										 sizeof(MkEpochReport)));
	for (int epoch = 1; epoch <= epochs; epoch++)
		mk_text_end_epoch(cfg, params, valid, hooks, result, epoch,
						  train_epoch(&st, epoch, hooks), &best_loss);

	fit_end(&st);
}

/* Index of the largest of x[K], the first one on ties. */
static int
argmax(const float *x, int K)
{
	int			best = 0;

	for (int k = 1; k < K; k++)
		if (x[k] > x[best])
			best = k;
	return best;
}

/*
 * Scores every document of data: weighted mean loss, and the AUC of the
 * logits (sigmoid) or the share of documents whose top class is the label.
 */
void
mk_text_evaluate(const MkTextConfig *cfg, const float *params,
				 const MkTextDataset *data, double *loss, double *metric)
{
	int			O = mk_text_num_outputs(cfg);
	float	   *scratch = alloc_floats(mk_text_scratch_size(cfg));
	float	   *logits = alloc_floats((size_t) O);
	MkScoredLabel *pairs = NULL;
	double		sum = 0.0,
				wsum = 0.0;
	int			correct = 0;

	if (cfg->loss == MK_LOSS_BCE)
		pairs = mk_alloc(mk_mul_size((size_t) data->n,
									 sizeof(MkScoredLabel)));
	for (int i = 0; i < data->n; i++)
	{
		const int32_t *ids = data->ids + data->offsets[i];
		int			n = (int) (data->offsets[i + 1] - data->offsets[i]);
		double		w = doc_weight(data, i);

		mk_text_logits(logits, cfg, params, ids, n,
					   data->tokens != NULL ? data->tokens[i] : 0, scratch);
		sum += w * doc_loss(cfg, logits, data->labels[i]);
		wsum += w;
		if (pairs != NULL)
		{
			pairs[i].score = logits[0];
			pairs[i].label = data->labels[i];
		}
		else
			correct += argmax(logits, O) == data->labels[i];
	}
	*loss = wsum > 0.0 ? sum / wsum : NAN;
	if (data->n == 0)
		*metric = NAN;
	else if (pairs != NULL)
		*metric = mk_auc(pairs, (size_t) data->n);
	else
		*metric = (double) correct / data->n;
	mk_free(pairs);
	mk_free(scratch);
	mk_free(logits);
}
