/*
 * sequence.c
 *		Sequence models: a recurrent encoder whose final hidden state feeds
 *		an MLP head; configuration, training, batch scoring and the head of
 *		the streaming path.
 *
 * A batch of sequences x[B, T, C] with lengths[B] goes through
 *	h = rnn(x, lengths)			[B, H], the top layer's final hidden state
 *	out = head(h)				[B, K], logits (BCE, softmax) or a value (MSE)
 *	loss = loss(out, targets)
 * and back: d out from the loss, the head's backward with its input
 * gradient dh, then backpropagation through time from dh.  The parameter
 * block holds the recurrent layers' parameters first and the head's after
 * them, so the loop's one optimiser step updates both.
 *
 * Training reuses the loop of fit.c (fit_common.h) for the sequence order,
 * the optimiser, validation and early stopping.  Before every step the
 * gradients' global norm may be clipped; a batch whose gradient norm is
 * not finite takes no step at all.
 *
 * Scoring runs the sequences in chunks whose [chunk, T] steps stay near
 * SEQ_EVAL_STEPS, since the cache holds every step's gates.
 */
#include <math.h>
#include <string.h>

#include "fit_common.h"
#include "loss.h"
#include "metrics.h"
#include "mk_alloc.h"
#include "sequence.h"

/* Steps (sequences times T) per evaluation forward, when the batch allows. */
#define SEQ_EVAL_STEPS 32768

/* What the sequence model's batch and validation callbacks need. */
typedef struct SeqState
{
	MkFitLoop	loop;
	const MkSeqModel *model;
	float		clip;			/* max gradient norm; <= 0 for none */
	const MkSeqDataset *train;
	const MkSeqDataset *valid;	/* NULL without validation sequences */
	int			n_out;			/* head outputs per sequence */
	int			chunk;			/* validation sequences per forward */
	MkRnnParams rnn_p;			/* bound to loop.params */
	MkMlpParams head_p;
	MkRnnParams rnn_g;			/* bound to loop.grads */
	MkMlpParams head_g;
	float	   *x;				/* [batch_size, T, C] gathered sequences */
	int32_t    *lengths;		/* [batch_size] */
	float	   *y;				/* [batch_size, y_width] targets (BCE, MSE) */
	int			y_width;		/* n_out for MSE, else 1 */
	int32_t    *labels;			/* [batch_size] classes (softmax) */
	float	   *w;				/* [batch_size] weights, when given */
	float	   *dlogits;		/* [batch_size, n_out] */
	float	   *dfinal;			/* [batch_size, H] d final hidden state */
	MkScoredLabel *scored;		/* [n_valid] for the validation AUC */
	MkRnnCache *cache;
	MkMlpActs  *acts;
} SeqState;

/* Returns NULL when both parts are valid and fit together, else why not. */
const char *
mk_seq_config_error(const MkSeqModel *model)
{
	const char *err = mk_rnn_config_error(&model->rnn);

	if (err != NULL)
		return err;
	err = mk_mlp_config_error(&model->head);
	if (err != NULL)
		return err;
	if (model->head.sizes[0] != model->rnn.hidden)
		return "the head's input size must equal the recurrent hidden size";
	return NULL;
}

/* The recurrent layers' parameters plus the head's. */
size_t
mk_seq_num_params(const MkSeqModel *model)
{
	return mk_rnn_num_params(&model->rnn) + mk_mlp_num_params(&model->head);
}

/* Initialises the recurrent part of block, then the head's, from rng. */
void
mk_seq_init(float *block, const MkSeqModel *model, MkRng *rng)
{
	mk_rnn_init(block, &model->rnn, rng);
	mk_mlp_init(block + mk_rnn_num_params(&model->rnn), &model->head, rng);
}

/* Points rnn and head into block: the recurrent part, then the head's. */
static void
seq_bind(MkRnnParams *rnn, MkMlpParams *head, float *block,
		 const MkSeqModel *model)
{
	mk_rnn_bind(rnn, block, &model->rnn);
	mk_mlp_bind(head, block + mk_rnn_num_params(&model->rnn), &model->head);
}

/*
 * Sequences per evaluation forward over n sequences of T steps: about
 * SEQ_EVAL_STEPS / T, at most MK_FIT_EVAL_CHUNK and n, halved while the
 * shape exceeds BLAS's int sizes, and never below floor (the training
 * batch, whose cache is that large anyway) nor 1.
 */
static int
eval_chunk(const MkRnnConfig *cfg, int n, int T, int floor)
{
	int			chunk = SEQ_EVAL_STEPS / (T > 0 ? T : 1);

	if (chunk > MK_FIT_EVAL_CHUNK)
		chunk = MK_FIT_EVAL_CHUNK;
	if (chunk > n)
		chunk = n;
	while (chunk > floor && mk_rnn_shape_error(cfg, chunk, T) != NULL)
		chunk /= 2;
	if (chunk < floor)
		chunk = floor;
	return chunk < 1 ? 1 : chunk;
}

/*
 * Runs B sequences x[B, T, C] through the recurrent layers and the head;
 * returns the head's outputs [B, n_out] (in acts) and sets *final to the
 * head's input [B, H] (in cache).  Dropout, when training, draws from rng,
 * recurrent layers first.
 */
static const float *
seq_forward(const MkSeqModel *model, const MkRnnParams *rnn_p,
			const MkMlpParams *head_p, MkRnnCache *cache, MkMlpActs *acts,
			const float *x, const int32_t *lengths, int B, int T,
			bool training, MkRng *rng, const float **final)
{
	*final = mk_rnn_forward(&model->rnn, rnn_p, cache, x, lengths, B, T,
							training, rng);
	return mk_mlp_forward(&model->head, head_p, acts, *final, B, training,
						  rng);
}

/* Weighted mean loss of B rows of outputs (see loss.h). */
static double
loss_forward(MkLossKind kind, const float *out, const float *y,
			 const int32_t *labels, const float *w, int B, int K)
{
	switch (kind)
	{
		case MK_LOSS_BCE:
			return mk_bce_logits_forward(out, y, w, B);
		case MK_LOSS_SOFTMAX:
			return mk_softmax_xent_forward(out, labels, w, B, K);
		case MK_LOSS_MSE:
			/* K values per row; weights only come with K = 1 */
			return mk_mse_forward(out, y, w, B * K);
		case MK_LOSS_MAE:
			return mk_mae_forward(out, y, w, B * K);
	}
	return NAN;
}

/* Writes d loss / d out of B rows into dout[B, K]. */
static void
loss_backward(MkLossKind kind, float *dout, const float *out,
			  const float *y, const int32_t *labels, const float *w,
			  int B, int K)
{
	switch (kind)
	{
		case MK_LOSS_BCE:
			mk_bce_logits_backward(dout, out, y, w, B);
			break;
		case MK_LOSS_SOFTMAX:
			mk_softmax_xent_backward(dout, out, labels, w, B, K);
			break;
		case MK_LOSS_MSE:
			mk_mse_backward(dout, out, y, w, B * K);
			break;
		case MK_LOSS_MAE:
			mk_mae_backward(dout, out, y, w, B * K);
			break;
	}
}

/* Allocates the batch, gradient, cache and activation buffers of a run. */
static void
seq_fit_begin(SeqState *st)
{
	const MkSeqModel *model = st->model;
	int			n_valid = st->valid != NULL ? st->valid->n : 0;
	int			bs = st->loop.batch_size;
	int			T = st->train->T;
	size_t		H = (size_t) model->rnn.hidden;
	size_t		nx = mk_mul_size(bs, mk_mul_size(T, st->train->C));

	st->n_out = model->head.sizes[model->head.n_dense];
	st->y_width = st->loop.opt->loss == MK_LOSS_MSE ||
		st->loop.opt->loss == MK_LOSS_MAE ? st->n_out : 1;
	if (st->valid != NULL && st->valid->T > T)
		T = st->valid->T;
	st->chunk = eval_chunk(&model->rnn, n_valid, T, bs);
	seq_bind(&st->rnn_p, &st->head_p, st->loop.params, model);
	seq_bind(&st->rnn_g, &st->head_g, st->loop.grads, model);
	if (n_valid > 0 && st->loop.opt->loss == MK_LOSS_BCE)
		st->scored = mk_fit_alloc_array(n_valid, sizeof(MkScoredLabel));
	st->x = mk_fit_alloc_array(nx, sizeof(float));
	st->lengths = mk_fit_alloc_array(bs, sizeof(int32_t));
	st->y = mk_fit_alloc_array(mk_mul_size(bs, st->y_width), sizeof(float));
	st->labels = mk_fit_alloc_array(bs, sizeof(int32_t));
	if (st->train->weight != NULL)
		st->w = mk_fit_alloc_array(mk_mul_size(bs, st->y_width), sizeof(float));
	st->dlogits = mk_fit_alloc_array(mk_mul_size(bs, st->n_out),
									 sizeof(float));
	st->dfinal = mk_fit_alloc_array(mk_mul_size(bs, H), sizeof(float));
	st->cache = mk_rnn_cache_create(&model->rnn, st->chunk, T);
	st->acts = mk_mlp_acts_create(&model->head, st->chunk);
}

/* Frees everything seq_fit_begin allocated. */
static void
seq_fit_end(SeqState *st)
{
	mk_free(st->scored);
	mk_free(st->x);
	mk_free(st->lengths);
	mk_free(st->y);
	mk_free(st->labels);
	mk_free(st->w);
	mk_free(st->dlogits);
	mk_free(st->dfinal);
	mk_rnn_cache_free(st->cache);
	mk_mlp_acts_free(st->acts);
}

/* Copies the training sequences rows[0 .. B) into the batch buffers. */
static void
gather_batch(SeqState *st, const int32_t *rows, int B)
{
	const MkSeqDataset *train = st->train;
	size_t		TC = (size_t) train->T * train->C;

	for (int b = 0; b < B; b++)
	{
		int32_t		row = rows[b];

		memcpy(st->x + b * TC, train->x + row * TC, TC * sizeof(float));
		st->lengths[b] = train->lengths[row];
		if (train->y != NULL)
			memcpy(st->y + (size_t) b * st->y_width,
				   train->y + (size_t) row * st->y_width,
				   st->y_width * sizeof(float));
		if (train->labels != NULL)
			st->labels[b] = train->labels[row];
		/* a sequence's weight goes with each of its targets */
		if (train->weight != NULL)
			for (int k = 0; k < st->y_width; k++)
				st->w[(size_t) b * st->y_width + k] = train->weight[row];
	}
}

/*
 * Trains on the B training sequences rows[0 .. B); an MkFitBatchFn.  The
 * head's backward needs the final hidden states, which the recurrent
 * backward leaves in the cache; the head runs first and hands dfinal down.
 */
static double
seq_train_batch(void *ctx, const int32_t *rows, int B)
{
	SeqState   *st = (SeqState *) ctx;
	const MkSeqModel *model = st->model;
	MkLossKind	kind = st->loop.opt->loss;
	int			T = st->train->T;
	const float *final;
	const float *out;
	double		loss;

	gather_batch(st, rows, B);
	out = seq_forward(model, &st->rnn_p, &st->head_p, st->cache, st->acts,
					  st->x, st->lengths, B, T, true, &st->loop.dropout_rng,
					  &final);
	loss = loss_forward(kind, out, st->y, st->labels, st->w, B, st->n_out);
	loss_backward(kind, st->dlogits, out, st->y, st->labels, st->w, B,
				  st->n_out);
	memset(st->loop.grads, 0, st->loop.n_params * sizeof(float));
	memset(st->dfinal, 0, (size_t) B * model->rnn.hidden * sizeof(float));
	mk_mlp_backward(&model->head, &st->head_g, st->dfinal, st->acts,
					&st->head_p, st->dlogits, final, B);
	mk_rnn_backward(&model->rnn, &st->rnn_g, NULL, st->cache, &st->rnn_p,
					st->dfinal, st->x, st->lengths, B, T);
	if (st->clip > 0.0f &&
		!isfinite(mk_clip_grad_norm(st->loop.grads, st->loop.n_params,
									st->clip)))
		return loss;
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
 * Adds validation sequences [start, start + B) with their outputs to the
 * metric's running sum: correct predictions (softmax) or squared errors
 * (MSE); for BCE it records (logit, label) pairs, the logit ordering the
 * sequences as the probability does.
 */
static double
chunk_metric(SeqState *st, const float *out, int start, int B)
{
	const MkSeqDataset *valid = st->valid;
	double		sum = 0.0;

	for (int b = 0; b < B; b++)
	{
		int			row = start + b;
		const float *o = out + (size_t) b * st->n_out;

		if (st->loop.opt->loss == MK_LOSS_BCE)
		{
			st->scored[row].score = o[0];
			st->scored[row].label = valid->y[row] > 0.5f;
		}
		else if (st->loop.opt->loss == MK_LOSS_SOFTMAX)
			sum += argmax(o, st->n_out) == valid->labels[row];
		else
		{
			const float *y = valid->y + (size_t) row * st->n_out;

			for (int k = 0; k < st->n_out; k++)
				sum += st->loop.opt->loss == MK_LOSS_MAE ? fabs((double) o[k] - y[k]) :
					((double) o[k] - y[k]) * ((double) o[k] - y[k]);
		}
	}
	return sum;
}

/* Turns the metric's running sum over n sequences into the metric. */
static double
finish_metric(SeqState *st, double sum, int n)
{
	switch (st->loop.opt->loss)
	{
		case MK_LOSS_BCE:
			return mk_auc(st->scored, (size_t) n);
		case MK_LOSS_SOFTMAX:
			return sum / n;
		case MK_LOSS_MSE:
			return sqrt(sum / ((double) n * st->n_out));
		case MK_LOSS_MAE:
			return sum / ((double) n * st->n_out);
	}
	return NAN;
}

/* Sum of the weights of sequences [start, start + B), or B without. */
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
 * Scores the validation sequences in evaluation mode, st->chunk at a
 * time, into report->valid_loss (weighted as in training) and
 * report->valid_metric (unweighted); an MkFitEvalFn.
 */
static void
seq_evaluate(void *ctx, MkEpochReport *report)
{
	SeqState   *st = (SeqState *) ctx;
	const MkSeqDataset *valid = st->valid;
	size_t		TC = (size_t) valid->T * valid->C;
	double		loss_sum = 0.0;
	double		weight_sum = 0.0;
	double		metric_sum = 0.0;

	for (int start = 0; start < valid->n; start += st->chunk)
	{
		int			B = valid->n - start < st->chunk ?
			valid->n - start : st->chunk;
		const float *y = valid->y ? valid->y + (size_t) start * st->y_width : NULL;
		const int32_t *labels = valid->labels ? valid->labels + start : NULL;
		const float *w = valid->weight && st->y_width == 1 ?
			valid->weight + start : NULL;
		double		cw = chunk_weight(valid->weight, start, B);
		const float *final;
		const float *out;

		out = seq_forward(st->model, &st->rnn_p, &st->head_p, st->cache,
						  st->acts, valid->x + start * TC,
						  valid->lengths + start, B, valid->T, false, NULL,
						  &final);
		loss_sum += cw * loss_forward(st->loop.opt->loss, out, y, labels, w,
									  B, st->n_out);
		weight_sum += cw;
		metric_sum += chunk_metric(st, out, start, B);
	}
	report->valid_loss = weight_sum > 0.0 ? loss_sum / weight_sum : NAN;
	report->valid_metric = finish_metric(st, metric_sum, valid->n);
}

/*
 * Trains the model in params on the sequences of train, validating on
 * valid when it has sequences; see sequence.h for the contract.
 */
void
mk_seq_fit(const MkSeqModel *model, float *params,
		   const MkSeqDataset *train, const MkSeqDataset *valid,
		   const MkFitOptions *opt, float clip,
		   const MkFitHooks *hooks, MkFitResult *result)
{
	SeqState	st;

	if (valid != NULL && valid->n <= 0)
		valid = NULL;
	memset(&st, 0, sizeof(st));
	mk_fit_loop_begin(&st.loop, params, mk_seq_num_params(model), train->n,
					  valid != NULL, opt, hooks);
	st.loop.train_batch = seq_train_batch;
	st.loop.evaluate = seq_evaluate;
	st.loop.ctx = &st;
	st.model = model;
	st.clip = clip;
	st.train = train;
	st.valid = valid;
	seq_fit_begin(&st);
	mk_fit_loop_run(&st.loop, result);
	seq_fit_end(&st);
	mk_fit_loop_end(&st.loop);
}

/*
 * Scores every sequence of data in evaluation mode, in chunks, copying the
 * head's outputs into out[n, outputs].
 */
void
mk_seq_score(const MkSeqModel *model, const float *params,
			 const MkSeqDataset *data, float *out)
{
	int			K = model->head.sizes[model->head.n_dense];
	size_t		TC = (size_t) data->T * data->C;
	int			chunk;
	MkRnnParams rnn_p;
	MkMlpParams head_p;
	MkRnnCache *cache;
	MkMlpActs  *acts;

	if (data->n <= 0)
		return;
	chunk = eval_chunk(&model->rnn, data->n, data->T, 1);
	/* the forward passes only read the weights */
	seq_bind(&rnn_p, &head_p, (float *) params, model);
	cache = mk_rnn_cache_create(&model->rnn, chunk, data->T);
	acts = mk_mlp_acts_create(&model->head, chunk);
	for (int start = 0; start < data->n; start += chunk)
	{
		int			B = data->n - start < chunk ? data->n - start : chunk;
		const float *final;
		const float *o;

		o = seq_forward(model, &rnn_p, &head_p, cache, acts,
						data->x + start * TC, data->lengths + start, B,
						data->T, false, NULL, &final);
		memcpy(out + (size_t) start * K, o, (size_t) B * K * sizeof(float));
	}
	mk_rnn_cache_free(cache);
	mk_mlp_acts_free(acts);
}

/* Floats of head scratch: one row of every dense layer's output. */
size_t
mk_seq_head_scratch_size(const MkSeqModel *model)
{
	size_t		total = 0;

	for (int l = 0; l < model->head.n_dense; l++)
		total += (size_t) model->head.sizes[l + 1];
	return total;
}

/*
 * Runs the head in evaluation mode on the top layer's hidden state, the
 * L-th of the L hidden states that lead the streaming state, with an
 * MkMlpActs of one row laid over scratch.  Evaluation touches neither the
 * dropout masks nor the backward buffers, so those stay NULL.
 */
void
mk_seq_head(const MkSeqModel *model, const float *params,
			const float *state, float *scratch, float *out)
{
	const MkMlpConfig *head = &model->head;
	const float *top = state +
		(size_t) (model->rnn.n_layers - 1) * model->rnn.hidden;
	MkMlpParams head_p;
	MkMlpActs	acts;
	const float *o;
	float	   *next = scratch;

	memset(&acts, 0, sizeof(acts));
	acts.max_batch = 1;
	for (int l = 0; l < head->n_dense; l++)
	{
		acts.out[l] = next;
		next += head->sizes[l + 1];
	}
	/* the forward pass only reads the weights */
	mk_mlp_bind(&head_p, (float *) params + mk_rnn_num_params(&model->rnn),
				head);
	o = mk_mlp_forward(head, &head_p, &acts, top, 1, false, NULL);
	memcpy(out, o, (size_t) head->sizes[head->n_dense] * sizeof(float));
}
