/*
 * test_sequence.c
 *		Unit tests of the sequence model (recurrent encoder and MLP head):
 *		the configuration, layout and initialisation order, the gradient of
 *		a training step against central finite differences of the loss, a
 *		task that needs the order of the steps (learnt by both cells),
 *		determinism, gradient clipping and the skipped non-finite step, the
 *		validation numbers against scoring, batch scoring against the
 *		streaming path, and the hooks.  Heads of several values (MSE and
 *		MAE, as forecasts use) get the same gradient check and learn to
 *		continue sine waves a few steps ahead.
 */
#include <math.h>
#include <string.h>

#include "core/loss.h"
#include "core/metrics.h"
#include "core/mk_alloc.h"
#include "core/sequence.h"
#include "unit.h"

#define SEQ_EPS 1e-3f			/* finite-difference step */
#define GB 4					/* sequences of the gradient test */
#define GT 5					/* steps of the gradient test */
#define GC 3					/* channels of the gradient test */
#define GH 4					/* hidden units of the gradient test */

/* Lengths of the gradient test: full, short, in between, one step. */
static const int32_t grad_lengths[GB] = {5, 2, 4, 1};

/* Generated sequences and the buffers behind them. */
typedef struct Seqs
{
	MkSeqDataset ds;
	float	   *x;				/* [n, T, C], zero past each length */
	int32_t    *lengths;
	float	   *y;
	int32_t    *labels;
	float	   *weight;
} Seqs;

/* Counts of hook calls, and whether the epochs came in order. */
typedef struct SeqHookCounts
{
	int			batches;
	int			epochs;
	bool		in_order;
} SeqHookCounts;

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* Allocates n zeroed sequences of [T, C] with unit weights. */
static void
seqs_alloc(Seqs *s, int n, int T, int C)
{
	memset(s, 0, sizeof(Seqs));
	s->x = floats((size_t) n * T * C);
	s->lengths = mk_alloc(n * sizeof(int32_t));
	s->y = floats(n);
	s->labels = mk_alloc(n * sizeof(int32_t));
	s->weight = floats(n);
	for (int i = 0; i < n; i++)
		s->weight[i] = 1.0f;
	s->ds.x = s->x;
	s->ds.lengths = s->lengths;
	s->ds.n = n;
	s->ds.T = T;
	s->ds.C = C;
}

/* Frees generated sequences. */
static void
seqs_free(Seqs *s)
{
	mk_free(s->x);
	mk_free(s->lengths);
	mk_free(s->y);
	mk_free(s->labels);
	mk_free(s->weight);
}

/*
 * The history task: n sequences of up to T steps (lengths uniform in
 * 4 .. T) of C = 2 channels, x0 uniform in [-1, 1] and x1 noise.  The sum s
 * of x0 over the LAST three real steps decides the targets: y = [s > 0]
 * (BCE), labels = 0, 1, 2 for s below -0.6, up to 0.6, above (softmax),
 * and y = s in a second copy (MSE, in *value when not NULL).  Earlier
 * steps are distractors, so the model must know where each sequence ends.
 */
static void
make_history(Seqs *s, int n, int T, MkRng *rng)
{
	seqs_alloc(s, n, T, 2);
	for (int i = 0; i < n; i++)
	{
		int			len = 4 + (int) mk_rng_below(rng, (uint64_t) (T - 3));
		float	   *x = s->x + (size_t) i * T * 2;
		double		sum = 0.0;

		s->lengths[i] = len;
		for (int t = 0; t < len; t++)
		{
			x[t * 2] = (float) (2.0 * mk_rng_uniform(rng) - 1.0);
			x[t * 2 + 1] = (float) (0.5 * mk_rng_normal(rng));
		}
		for (int t = len - 3; t < len; t++)
			sum += x[t * 2];
		s->y[i] = sum > 0.0 ? 1.0f : 0.0f;
		s->labels[i] = sum < -0.6 ? 0 : sum <= 0.6 ? 1 : 2;
	}
}

/* Replaces the binary targets of history sequences by the sum itself. */
static void
history_values(Seqs *s)
{
	for (int i = 0; i < s->ds.n; i++)
	{
		const float *x = s->x + (size_t) i * s->ds.T * 2;
		int			len = s->lengths[i];

		s->y[i] = x[(len - 1) * 2] + x[(len - 2) * 2] + x[(len - 3) * 2];
	}
}

/* A model: cell with L layers of H units over C channels, head H-hid-K. */
static MkSeqModel
seq_model(MkCell cell, int L, int C, int H, int hid, int K, float dropout)
{
	MkSeqModel	m;

	memset(&m, 0, sizeof(m));
	m.rnn.cell = cell;
	m.rnn.n_layers = L;
	m.rnn.input = C;
	m.rnn.hidden = H;
	m.rnn.dropout = dropout;
	m.head.n_dense = 2;
	m.head.sizes[0] = H;
	m.head.sizes[1] = hid;
	m.head.sizes[2] = K;
	m.head.activation = MK_ACT_TANH;
	m.head.dropout = dropout;
	return m;
}

/* Default options: AdamW, lr 0.01, 15 epochs of batches of 32. */
static MkFitOptions
seq_options(MkLossKind loss)
{
	MkFitOptions opt;

	memset(&opt, 0, sizeof(opt));
	opt.loss = loss;
	opt.optimizer = MK_OPT_ADAMW;
	opt.learning_rate = 0.01f;
	opt.weight_decay = 1e-4f;
	opt.momentum = 0.9f;
	opt.epochs = 15;
	opt.batch_size = 32;
	opt.seed = 42;
	return opt;
}

/* Options of plain SGD: one step of lr times the gradient per batch. */
static MkFitOptions
sgd_options(MkLossKind loss, float lr, int epochs, int batch_size)
{
	MkFitOptions opt = seq_options(loss);

	opt.optimizer = MK_OPT_SGD;
	opt.learning_rate = lr;
	opt.weight_decay = 0.0f;
	opt.momentum = 0.0f;
	opt.epochs = epochs;
	opt.batch_size = batch_size;
	return opt;
}

/* Freshly initialised parameters for model from seed. */
static float *
init_params(const MkSeqModel *model, uint64_t seed)
{
	float	   *params = floats(mk_seq_num_params(model));
	MkRng		rng;

	mk_rng_seed(&rng, seed);
	mk_seq_init(params, model, &rng);
	return params;
}

/* Trains fresh parameters (seed 7); returns them, the result in *res. */
static float *
seq_train(const MkSeqModel *model, const Seqs *tr, const Seqs *va,
		  const MkFitOptions *opt, float clip, const MkFitHooks *hooks,
		  MkFitResult *res)
{
	float	   *params = init_params(model, 7);

	mk_seq_fit(model, params, &tr->ds, va != NULL ? &va->ds : NULL, opt,
			   clip, hooks, res);
	return params;
}

/* L2 distance between two parameter blocks of n floats. */
static double
distance(const float *a, const float *b, size_t n)
{
	double		sum = 0.0;

	for (size_t i = 0; i < n; i++)
		sum += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
	return sqrt(sum);
}

/* Configuration checks, the parameter count and the initialisation order. */
static void
test_seq_config(void)
{
	MkSeqModel	m = seq_model(MK_CELL_LSTM, 2, 3, 8, 5, 1, 0.0f);
	MkSeqModel	bad;
	size_t		n = mk_seq_num_params(&m);
	size_t		n_rnn = mk_rnn_num_params(&m.rnn);
	float	   *a = init_params(&m, 11);
	float	   *b = floats(n);
	MkRng		rng;

	unit_check(mk_seq_config_error(&m) == NULL,
			   "sequence: a valid configuration passes");
	bad = m;
	bad.head.sizes[0] = 7;
	unit_check(mk_seq_config_error(&bad) != NULL,
			   "sequence: a head whose input is not the hidden size fails");
	bad = m;
	bad.rnn.cell = 3;
	unit_check(mk_seq_config_error(&bad) != NULL,
			   "sequence: an unknown cell fails");
	bad = m;
	bad.head.activation = 0;
	unit_check(mk_seq_config_error(&bad) != NULL,
			   "sequence: a bad head fails");
	unit_check(n == n_rnn + mk_mlp_num_params(&m.head) &&
			   n_rnn == 4 * 8 * (3 + 8 + 2) + 4 * 8 * (8 + 8 + 2),
			   "sequence: parameters are the recurrent ones then the head's "
			   "(%zu)", n);
	mk_rng_seed(&rng, 11);
	mk_rnn_init(b, &m.rnn, &rng);
	mk_mlp_init(b + n_rnn, &m.head, &rng);
	unit_check(memcmp(a, b, n * sizeof(float)) == 0,
			   "sequence: init draws the recurrent layers, then the head");
	mk_free(a);
	mk_free(b);
}

/* Targets per sequence: K for a head of K values (MSE, MAE), else 1. */
static int
target_width(MkLossKind loss, int K)
{
	return loss == MK_LOSS_MSE || loss == MK_LOSS_MAE ? K : 1;
}

/*
 * The gradient test's sequences with random inputs, targets and weights;
 * K values per sequence for a head of K > 1 values, then unweighted, as
 * the contract demands.
 */
static void
make_grad_seqs(Seqs *s, MkLossKind loss, int K, MkRng *rng)
{
	int			width = target_width(loss, K);

	seqs_alloc(s, GB, GT, GC);
	mk_free(s->y);
	s->y = floats((size_t) GB * width);
	for (int i = 0; i < GB; i++)
	{
		s->lengths[i] = grad_lengths[i];
		for (int t = 0; t < grad_lengths[i]; t++)
		{
			for (int c = 0; c < GC; c++)
				s->x[(i * GT + t) * GC + c] =
					(float) (2.0 * mk_rng_uniform(rng) - 1.0);
		}
		for (int k = 0; k < width; k++)
			s->y[i * width + k] = loss == MK_LOSS_BCE ? (float) (i % 2) :
				(float) mk_rng_normal(rng);
		s->labels[i] = (int32_t) mk_rng_below(rng, (uint64_t) K);
		s->weight[i] = (float) (0.5 + mk_rng_uniform(rng));
	}
	s->ds.y = s->y;
	s->ds.labels = s->labels;
	s->ds.weight = width == 1 ? s->weight : NULL;
}

/* The weighted mean loss of the whole gradient set under params. */
static double
seq_loss(const MkSeqModel *m, const float *params, const Seqs *s,
		 MkLossKind loss, float *out)
{
	int			K = m->head.sizes[m->head.n_dense];
	int			n = GB * target_width(loss, K);

	mk_seq_score(m, params, &s->ds, out);
	switch (loss)
	{
		case MK_LOSS_BCE:
			return mk_bce_logits_forward(out, s->y, s->ds.weight, GB);
		case MK_LOSS_SOFTMAX:
			return mk_softmax_xent_forward(out, s->labels, s->ds.weight,
										   GB, K);
		case MK_LOSS_MSE:
			return mk_mse_forward(out, s->y, s->ds.weight, n);
		case MK_LOSS_MAE:
			return mk_mae_forward(out, s->y, s->ds.weight, n);
	}
	return NAN;
}

/*
 * The gradient mk_seq_fit trains with, recovered from one full-batch SGD
 * step (lr 1, no momentum or decay: after = before - grad), against
 * central finite differences of the loss over every parameter of the
 * recurrent layers and the head, with mixed lengths and weights.
 */
static void
test_seq_gradient(MkCell cell, int L, MkLossKind loss, int K,
				  const char *name)
{
	MkSeqModel	m = seq_model(cell, L, GC, GH, 5, K, 0.0f);
	MkFitOptions opt = sgd_options(loss, 1.0f, 1, GB);
	size_t		n = mk_seq_num_params(&m);
	float	   *params = init_params(&m, 5);
	float	   *stepped = floats(n);
	float	   *grad = floats(n);
	float	   *num = floats(n);
	float	   *out = floats(GB * K);
	MkFitResult res;
	Seqs		s;
	MkRng		rng;
	double		diff;

	mk_rng_seed(&rng, 17);
	make_grad_seqs(&s, loss, K, &rng);
	memcpy(stepped, params, n * sizeof(float));
	mk_seq_fit(&m, stepped, &s.ds, NULL, &opt, 0.0f, NULL, &res);
	for (size_t i = 0; i < n; i++)
	{
		float		saved = params[i];
		float		hi = saved + SEQ_EPS,
					lo = saved - SEQ_EPS;
		double		plus,
					minus;

		grad[i] = params[i] - stepped[i];
		params[i] = hi;
		plus = seq_loss(&m, params, &s, loss, out);
		params[i] = lo;
		minus = seq_loss(&m, params, &s, loss, out);
		params[i] = saved;
		num[i] = (float) ((plus - minus) / ((double) hi - lo));
	}
	diff = unit_max_rel_diff(grad, num, n);
	unit_check(diff < 1e-3, "sequence: %s gradient of all %zu parameters "
			   "matches finite differences of the loss (%.2g)",
			   name, n, diff);
	unit_close(res.curve[0].train_loss, seq_loss(&m, params, &s, loss, out),
			   1e-6, "sequence: %s train loss is the loss before the step",
			   name);
	mk_free(params);
	mk_free(stepped);
	mk_free(grad);
	mk_free(num);
	mk_free(out);
	mk_free(res.curve);
	seqs_free(&s);
}

/* Both cells learn the history task to a validation AUC above 0.9. */
static void
test_seq_learns(MkCell cell, const char *name)
{
	MkSeqModel	m = seq_model(cell, 1, 2, 16, 8, 1, 0.0f);
	MkFitOptions opt = seq_options(MK_LOSS_BCE);
	MkFitResult res;
	Seqs		tr,
				va;
	MkRng		rng;
	float	   *params;
	double		auc;

	mk_rng_seed(&rng, 31);
	make_history(&tr, 1000, 10, &rng);
	make_history(&va, 300, 10, &rng);
	tr.ds.y = tr.y;
	va.ds.y = va.y;
	params = seq_train(&m, &tr, &va, &opt, 1.0f, NULL, &res);
	auc = res.curve[res.best_epoch - 1].valid_metric;
	unit_check(auc > 0.9, "sequence: %s learns the sum of the last three "
			   "steps, valid auc %.4f > 0.9", name, auc);
	unit_check(res.curve[res.epochs_run - 1].train_loss <
			   0.5 * res.curve[0].train_loss,
			   "sequence: %s train loss falls (%.4f -> %.4f)", name,
			   res.curve[0].train_loss,
			   res.curve[res.epochs_run - 1].train_loss);
	mk_free(params);
	mk_free(res.curve);
	seqs_free(&tr);
	seqs_free(&va);
}

/* Same seed, same bits (with dropout and clipping); another seed differs. */
static void
test_seq_determinism(void)
{
	MkSeqModel	m = seq_model(MK_CELL_GRU, 2, 2, 8, 6, 1, 0.2f);
	MkFitOptions opt = seq_options(MK_LOSS_BCE);
	size_t		bytes = mk_seq_num_params(&m) * sizeof(float);
	MkFitResult r1,
				r2,
				r3;
	Seqs		tr,
				va;
	MkRng		rng;
	float	   *p1,
			   *p2,
			   *p3;

	opt.epochs = 3;
	mk_rng_seed(&rng, 37);
	make_history(&tr, 200, 8, &rng);
	make_history(&va, 60, 8, &rng);
	tr.ds.y = tr.y;
	va.ds.y = va.y;
	p1 = seq_train(&m, &tr, &va, &opt, 0.5f, NULL, &r1);
	p2 = seq_train(&m, &tr, &va, &opt, 0.5f, NULL, &r2);
	opt.seed = 43;
	p3 = seq_train(&m, &tr, &va, &opt, 0.5f, NULL, &r3);
	unit_check(memcmp(p1, p2, bytes) == 0 &&
			   r1.curve[2].train_loss == r2.curve[2].train_loss &&
			   r1.curve[2].valid_loss == r2.curve[2].valid_loss,
			   "sequence: the same seed gives bit-identical parameters");
	unit_check(memcmp(p1, p3, bytes) != 0,
			   "sequence: another seed gives other parameters");
	mk_free(p1);
	mk_free(p2);
	mk_free(p3);
	mk_free(r1.curve);
	mk_free(r2.curve);
	mk_free(r3.curve);
	seqs_free(&tr);
	seqs_free(&va);
}

/* Watches the parameters trained in place: the size of every step. */
typedef struct StepWatch
{
	const float *live;			/* the block being trained */
	float	   *prev;			/* its copy before the last batch */
	size_t		n;
	int			steps;
	double		smallest;
	double		largest;
} StepWatch;

/* Records how far the parameters moved since the last call. */
static void
watch_step(StepWatch *w)
{
	if (w->steps++ > 0)
	{
		double		d = distance(w->live, w->prev, w->n);

		w->smallest = fmin(w->smallest, d);
		w->largest = fmax(w->largest, d);
	}
	memcpy(w->prev, w->live, w->n * sizeof(float));
}

/* A before_batch hook: the step of the previous batch. */
static void
watch_batch(void *arg)
{
	watch_step((StepWatch *) arg);
}

/* Trains start's copy with clip, watching every step; returns the copy. */
static float *
watched_train(const MkSeqModel *m, const float *start, const Seqs *tr,
			  const MkFitOptions *opt, float clip, StepWatch *w)
{
	size_t		n = mk_seq_num_params(m);
	float	   *params = floats(n);
	MkFitHooks	hooks = {watch_batch, NULL, w};
	MkFitResult res;

	memcpy(params, start, n * sizeof(float));
	memset(w, 0, sizeof(StepWatch));
	w->live = params;
	w->prev = floats(n);
	w->n = n;
	w->smallest = INFINITY;
	mk_seq_fit(m, params, &tr->ds, NULL, opt, clip, &hooks, &res);
	watch_step(w);				/* the last batch's step */
	w->steps--;
	mk_free(w->prev);
	mk_free(res.curve);
	return params;
}

/*
 * With plain SGD every step moves the parameters by lr times the clipped
 * gradient: with a clip far below the gradient's norm, each of the 8
 * steps moves them by lr clip exactly; unclipped they move much further,
 * and a clip above the gradient's norm changes nothing.
 */
static void
test_seq_clipping(void)
{
	MkSeqModel	m = seq_model(MK_CELL_LSTM, 2, 2, 8, 6, 1, 0.0f);
	MkFitOptions opt = sgd_options(MK_LOSS_BCE, 0.1f, 2, 32);
	size_t		n = mk_seq_num_params(&m);
	float	   *start = init_params(&m, 7);
	float	   *tiny,
			   *none,
			   *huge;
	StepWatch	w_tiny,
				w_none,
				w_huge;
	Seqs		tr;
	MkRng		rng;
	double		step = 0.1 * 1e-3;

	mk_rng_seed(&rng, 41);
	make_history(&tr, 100, 8, &rng);
	tr.ds.y = tr.y;
	tiny = watched_train(&m, start, &tr, &opt, 1e-3f, &w_tiny);
	none = watched_train(&m, start, &tr, &opt, 0.0f, &w_none);
	huge = watched_train(&m, start, &tr, &opt, 1e6f, &w_huge);
	unit_check(w_tiny.steps == 8 && w_tiny.largest <= step * (1.0 + 1e-4) &&
			   w_tiny.smallest >= step * 0.99,
			   "sequence: clip 1e-3 makes each of %d sgd steps of lr 0.1 "
			   "move %.3g (%.4g .. %.4g)", w_tiny.steps, step,
			   w_tiny.smallest, w_tiny.largest);
	unit_check(w_none.steps == 8 && w_none.smallest > 5.0 * step,
			   "sequence: unclipped, the same steps move %.3g .. %.3g",
			   w_none.smallest, w_none.largest);
	unit_check(memcmp(none, huge, n * sizeof(float)) == 0 &&
			   w_huge.steps == 8,
			   "sequence: a clip above the gradient norm changes nothing");
	mk_free(start);
	mk_free(tiny);
	mk_free(none);
	mk_free(huge);
	seqs_free(&tr);
}

/* A batch whose gradient is not finite takes no step when clipping. */
static void
test_seq_nonfinite_skipped(void)
{
	MkSeqModel	m = seq_model(MK_CELL_GRU, 1, 2, 6, 4, 1, 0.0f);
	MkFitOptions opt = sgd_options(MK_LOSS_BCE, 0.1f, 2, 50);
	size_t		n = mk_seq_num_params(&m);
	float	   *start = init_params(&m, 7);
	float	   *params;
	MkFitResult res;
	Seqs		tr;
	MkRng		rng;

	mk_rng_seed(&rng, 43);
	make_history(&tr, 50, 8, &rng);
	tr.ds.y = tr.y;
	tr.x[3 * 8 * 2] = INFINITY;	/* sequence 3, step 0, channel 0 */
	params = seq_train(&m, &tr, NULL, &opt, 1.0f, NULL, &res);
	unit_check(memcmp(params, start, n * sizeof(float)) == 0 &&
			   res.epochs_run == 2,
			   "sequence: steps with a non-finite gradient norm are skipped");
	mk_free(start);
	mk_free(params);
	mk_free(res.curve);
	seqs_free(&tr);
}

/*
 * The validation loss and metric of the kept epoch equal those computed
 * afresh from mk_seq_score on the returned parameters: AUC (BCE),
 * accuracy (softmax), RMSE (MSE).
 */
static void
test_seq_valid_metric(MkLossKind loss, int K, const char *name)
{
	MkSeqModel	m = seq_model(MK_CELL_LSTM, 1, 2, 8, 6, K, 0.0f);
	MkFitOptions opt = seq_options(loss);
	MkFitResult res;
	MkEpochReport *best;
	Seqs		tr,
				va;
	MkRng		rng;
	float	   *params;
	float	   *out = floats((size_t) 150 * K);
	MkScoredLabel *pairs = mk_alloc(150 * sizeof(MkScoredLabel));
	double		want_loss = 0.0,
				want_metric = 0.0;

	opt.epochs = 4;
	mk_rng_seed(&rng, 47);
	make_history(&tr, 200, 8, &rng);
	make_history(&va, 150, 8, &rng);
	if (loss == MK_LOSS_MSE)
	{
		history_values(&tr);
		history_values(&va);
	}
	tr.ds.y = loss == MK_LOSS_SOFTMAX ? NULL : tr.y;
	va.ds.y = loss == MK_LOSS_SOFTMAX ? NULL : va.y;
	tr.ds.labels = loss == MK_LOSS_SOFTMAX ? tr.labels : NULL;
	va.ds.labels = loss == MK_LOSS_SOFTMAX ? va.labels : NULL;
	params = seq_train(&m, &tr, &va, &opt, 0.0f, NULL, &res);
	best = &res.curve[res.best_epoch - 1];
	mk_seq_score(&m, params, &va.ds, out);
	for (int i = 0; i < 150; i++)
	{
		const float *o = out + (size_t) i * K;

		if (loss == MK_LOSS_BCE)
		{
			pairs[i].score = o[0];
			pairs[i].label = va.y[i] > 0.5f;
		}
		else if (loss == MK_LOSS_SOFTMAX)
		{
			int			arg = 0;

			for (int k = 1; k < K; k++)
				arg = o[k] > o[arg] ? k : arg;
			want_metric += (arg == va.labels[i]) / 150.0;
		}
		else
			want_metric += ((double) o[0] - va.y[i]) *
				((double) o[0] - va.y[i]) / 150.0;
	}
	if (loss == MK_LOSS_BCE)
	{
		want_metric = mk_auc(pairs, 150);
		want_loss = mk_bce_logits_forward(out, va.y, NULL, 150);
	}
	else if (loss == MK_LOSS_SOFTMAX)
		want_loss = mk_softmax_xent_forward(out, va.labels, NULL, 150, K);
	else
	{
		want_loss = mk_mse_forward(out, va.y, NULL, 150);
		want_metric = sqrt(want_metric);
	}
	unit_close(best->valid_loss, want_loss, 1e-9 * want_loss,
			   "sequence: %s valid loss of the kept epoch is that of the "
			   "returned parameters", name);
	unit_close(best->valid_metric, want_metric, 1e-9,
			   "sequence: %s valid metric %.4f is that of the scores",
			   name, want_metric);
	mk_free(params);
	mk_free(out);
	mk_free(pairs);
	mk_free(res.curve);
	seqs_free(&tr);
	seqs_free(&va);
}

/*
 * mk_seq_score over 1030 sequences (more than one chunk) against stepping
 * each sequence through mk_rnn_step and running mk_seq_head on its state.
 */
static void
test_seq_streaming(MkCell cell, const char *name)
{
	MkSeqModel	m = seq_model(cell, 2, 3, 5, 6, 3, 0.3f);
	int			n = 1030,
				T = 6,
				C = 3,
				K = 3;
	float	   *params = init_params(&m, 13);
	float	   *out = floats((size_t) n * K);
	float	   *state = floats(mk_rnn_state_size(&m.rnn));
	float	   *scratch = floats(mk_rnn_step_scratch_size(&m.rnn));
	float	   *head = floats(mk_seq_head_scratch_size(&m));
	float	   *one = floats(K);
	MkRnnParams p;
	Seqs		s;
	MkRng		rng;
	double		worst = 0.0;

	mk_rng_seed(&rng, 53);
	seqs_alloc(&s, n, T, C);
	for (int i = 0; i < n; i++)
	{
		s.lengths[i] = 1 + (int32_t) mk_rng_below(&rng, (uint64_t) T);
		for (int j = 0; j < s.lengths[i] * C; j++)
			s.x[(size_t) i * T * C + j] = (float) mk_rng_normal(&rng);
	}
	mk_seq_score(&m, params, &s.ds, out);
	mk_rnn_bind(&p, params, &m.rnn);
	for (int i = 0; i < n; i++)
	{
		memset(state, 0, mk_rnn_state_size(&m.rnn) * sizeof(float));
		for (int t = 0; t < s.lengths[i]; t++)
			mk_rnn_step(&m.rnn, &p, state, s.x + ((size_t) i * T + t) * C,
						scratch);
		mk_seq_head(&m, params, state, head, one);
		for (int k = 0; k < K; k++)
			worst = fmax(worst, fabs((double) one[k] - out[i * K + k]));
	}
	unit_check(worst <= 1e-5, "sequence: %s scores equal the streaming "
			   "path over %d sequences (max diff %.2g)", name, n, worst);
	mk_free(params);
	mk_free(out);
	mk_free(state);
	mk_free(scratch);
	mk_free(head);
	mk_free(one);
	seqs_free(&s);
}

/*
 * Windows of noisy sine waves for a head of K values: n sequences of T
 * steps of one channel, x_t = a sin(f t + p) + b with amplitude a in
 * [0.5, 1.5], frequency f in [0.3, 0.9], phase p and level b in [-1, 1]
 * drawn per sequence, and targets y[n, K], the K values that follow.
 */
static void
make_waves(Seqs *s, int n, int T, int K, MkRng *rng)
{
	seqs_alloc(s, n, T, 1);
	mk_free(s->y);
	s->y = floats((size_t) n * K);
	for (int i = 0; i < n; i++)
	{
		double		a = 0.5 + mk_rng_uniform(rng);
		double		f = 0.3 + 0.6 * mk_rng_uniform(rng);
		double		p = 6.283185307179586 * mk_rng_uniform(rng);
		double		b = 2.0 * mk_rng_uniform(rng) - 1.0;

		s->lengths[i] = T;
		for (int t = 0; t < T + K; t++)
		{
			double		v = a * sin(f * t + p) + b;

			if (t < T)
				s->x[(size_t) i * T + t] =
					(float) (v + 0.02 * mk_rng_normal(rng));
			else
				s->y[(size_t) i * K + t - T] = (float) v;
		}
	}
	s->ds.y = s->y;
}

/*
 * Mean squared (MSE) or absolute (MAE) error of out[n, K] against y[n, K];
 * with persist, of the last input value repeated K times instead.
 */
static double
wave_error(const Seqs *s, const float *out, int K, MkLossKind loss,
		   bool persist)
{
	int			n = s->ds.n;
	int			T = s->ds.T;
	double		sum = 0.0;

	for (int i = 0; i < n; i++)
	{
		for (int k = 0; k < K; k++)
		{
			double		pred = persist ? s->x[(size_t) i * T + T - 1] :
				out[(size_t) i * K + k];
			double		d = pred - s->y[(size_t) i * K + k];

			sum += loss == MK_LOSS_MAE ? fabs(d) : d * d;
		}
	}
	return sum / ((double) n * K);
}

/*
 * A head of 3 values learns to continue sine waves 3 steps ahead: the
 * validation error falls far below that of the initial parameters and of
 * repeating the last value (a tenth and a quarter for squared errors, the
 * square roots of about those for absolute ones), and the kept epoch's
 * validation loss and metric (RMSE or MAE over all n * 3 values) are
 * those of the scores.
 */
static void
test_seq_multi_output(MkCell cell, MkLossKind loss, const char *name)
{
	int			K = 3;
	MkSeqModel	m = seq_model(cell, 1, 1, 16, 16, K, 0.0f);
	MkFitOptions opt = seq_options(loss);
	MkFitResult res;
	MkEpochReport *best;
	Seqs		tr,
				va;
	MkRng		rng;
	float	   *start;
	float	   *params;
	float	   *out = floats((size_t) 200 * K);
	double		fall = loss == MK_LOSS_MAE ? 0.3 : 0.1;
	double		beat = loss == MK_LOSS_MAE ? 0.5 : 0.25;
	double		before,
				after,
				persist,
				metric;

	opt.epochs = 30;
	mk_rng_seed(&rng, 61);
	make_waves(&tr, 800, 8, K, &rng);
	make_waves(&va, 200, 8, K, &rng);
	start = init_params(&m, 7);
	mk_seq_score(&m, start, &va.ds, out);
	before = wave_error(&va, out, K, loss, false);
	persist = wave_error(&va, out, K, loss, true);
	params = seq_train(&m, &tr, &va, &opt, 1.0f, NULL, &res);
	mk_seq_score(&m, params, &va.ds, out);
	after = wave_error(&va, out, K, loss, false);
	best = &res.curve[res.best_epoch - 1];
	metric = loss == MK_LOSS_MAE ? after : sqrt(after);

	unit_check(after < fall * before,
			   "sequence: %s of 3 values learns the waves' next steps, "
			   "valid error %.4g -> %.4g", name, before, after);
	unit_check(after < beat * persist,
			   "sequence: %s of 3 values beats repeating the last value "
			   "(%.4g < %.4g)", name, after, persist);
	unit_check(res.curve[res.epochs_run - 1].train_loss <
			   fall * res.curve[0].train_loss,
			   "sequence: %s of 3 values train loss falls (%.4f -> %.4f)",
			   name, res.curve[0].train_loss,
			   res.curve[res.epochs_run - 1].train_loss);
	unit_close(best->valid_loss, after, 1e-6 * after,
			   "sequence: %s of 3 values valid loss is the mean over all "
			   "values", name);
	unit_close(best->valid_metric, metric, 1e-6 * metric,
			   "sequence: %s of 3 values valid metric %.4f is that of the "
			   "scores", name, metric);
	mk_free(start);
	mk_free(params);
	mk_free(out);
	mk_free(res.curve);
	seqs_free(&tr);
	seqs_free(&va);
}

/* Counts a batch. */
static void
count_batch(void *arg)
{
	((SeqHookCounts *) arg)->batches++;
}

/* Counts an epoch and checks that reports arrive numbered 1, 2, ... */
static void
count_epoch(void *arg, const MkEpochReport *report)
{
	SeqHookCounts *counts = (SeqHookCounts *) arg;

	counts->epochs++;
	counts->in_order = counts->in_order && report->epoch == counts->epochs;
}

/* Hooks: 4 batches (32, 32, 32, 4) in each of 3 epochs, reports in order. */
static void
test_seq_hooks(void)
{
	MkSeqModel	m = seq_model(MK_CELL_GRU, 1, 2, 4, 4, 1, 0.0f);
	MkFitOptions opt = seq_options(MK_LOSS_BCE);
	SeqHookCounts counts = {0, 0, true};
	MkFitHooks	hooks = {count_batch, count_epoch, &counts};
	MkFitResult res;
	Seqs		tr;
	MkRng		rng;
	float	   *params;

	opt.epochs = 3;
	opt.patience = 1;
	mk_rng_seed(&rng, 59);
	make_history(&tr, 100, 6, &rng);
	tr.ds.y = tr.y;
	params = seq_train(&m, &tr, NULL, &opt, 0.0f, &hooks, &res);
	unit_check(counts.batches == 12 && counts.epochs == 3 &&
			   counts.in_order,
			   "sequence: hooks called for 4 batches x 3 epochs, in order "
			   "(%d, %d)", counts.batches, counts.epochs);
	unit_check(res.epochs_run == 3 && res.best_epoch == 3 &&
			   isnan(res.curve[2].valid_loss),
			   "sequence: without validation all epochs run, the last kept");
	mk_free(params);
	mk_free(res.curve);
	seqs_free(&tr);
}

/* Runs the sequence group. */
void
test_sequence(void)
{
	test_seq_config();
	test_seq_gradient(MK_CELL_LSTM, 2, MK_LOSS_BCE, 1, "lstm bce");
	test_seq_gradient(MK_CELL_GRU, 2, MK_LOSS_SOFTMAX, 3, "gru softmax");
	test_seq_gradient(MK_CELL_GRU, 1, MK_LOSS_MSE, 1, "gru mse");
	test_seq_gradient(MK_CELL_LSTM, 1, MK_LOSS_SOFTMAX, 3, "lstm softmax");
	test_seq_gradient(MK_CELL_LSTM, 2, MK_LOSS_MSE, 3, "lstm mse of 3 values");
	test_seq_gradient(MK_CELL_GRU, 1, MK_LOSS_MSE, 2, "gru mse of 2 values");
	test_seq_gradient(MK_CELL_GRU, 2, MK_LOSS_MAE, 3, "gru mae of 3 values");
	test_seq_learns(MK_CELL_LSTM, "lstm");
	test_seq_learns(MK_CELL_GRU, "gru");
	test_seq_determinism();
	test_seq_clipping();
	test_seq_nonfinite_skipped();
	test_seq_valid_metric(MK_LOSS_BCE, 1, "bce");
	test_seq_valid_metric(MK_LOSS_SOFTMAX, 3, "softmax");
	test_seq_valid_metric(MK_LOSS_MSE, 1, "mse");
	test_seq_multi_output(MK_CELL_LSTM, MK_LOSS_MSE, "lstm mse");
	test_seq_multi_output(MK_CELL_GRU, MK_LOSS_MAE, "gru mae");
	test_seq_streaming(MK_CELL_LSTM, "lstm");
	test_seq_streaming(MK_CELL_GRU, "gru");
	test_seq_hooks();
}
