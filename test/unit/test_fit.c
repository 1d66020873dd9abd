/*
 * test_fit.c
 *		Unit tests of the training loop: it learns three synthetic problems
 *		(one per loss), is bit-reproducible from its seed, stops early and
 *		returns the best epoch's parameters, and calls its hooks as promised.
 */
#include <math.h>
#include <string.h>

#include "core/fit.h"
#include "core/loss.h"
#include "core/mk_alloc.h"
#include "unit.h"

/* A generated dataset and the buffers behind it. */
typedef struct Data
{
	MkDataset	ds;
	float	   *x;
	float	   *y;
	int32_t    *labels;
	float	   *weight;
} Data;

/* Counts of hook calls, and whether the epochs came in order. */
typedef struct HookCounts
{
	int			batches;
	int			epochs;
	bool		in_order;
} HookCounts;

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* Allocates n rows of F features with y, labels and unit weights. */
static void
data_alloc(Data *d, int n, int F)
{
	memset(d, 0, sizeof(Data));
	d->x = floats((size_t) n * F);
	d->y = floats(n);
	d->labels = mk_alloc(n * sizeof(int32_t));
	d->weight = floats(n);
	for (int i = 0; i < n; i++)
		d->weight[i] = 1.0f;
	d->ds.x = d->x;
	d->ds.n = n;
	d->ds.n_features = F;
}

/* Frees a dataset. */
static void
data_free(Data *d)
{
	mk_free(d->x);
	mk_free(d->y);
	mk_free(d->labels);
	mk_free(d->weight);
}

/* Rows of 5 standard normal features; y = 1 when x . w + 0.3 > 0. */
static void
make_separable(Data *d, int n, MkRng *rng)
{
	static const double w[5] = {1.0, -2.0, 0.5, 1.5, -1.0};

	data_alloc(d, n, 5);
	for (int i = 0; i < n; i++)
	{
		double		s = 0.3;

		for (int f = 0; f < 5; f++)
		{
			d->x[i * 5 + f] = (float) mk_rng_normal(rng);
			s += w[f] * d->x[i * 5 + f];
		}
		d->y[i] = s > 0.0 ? 1.0f : 0.0f;
	}
	d->ds.y = d->y;
}

/* Three Gaussian blobs in 2-d, sd 1, centres 5 apart; labels 0..2. */
static void
make_blobs(Data *d, int n, MkRng *rng)
{
	static const double centre[3][2] = {{0.0, 3.0}, {3.0, -2.0}, {-3.0, -2.0}};

	data_alloc(d, n, 2);
	for (int i = 0; i < n; i++)
	{
		int			k = (int) mk_rng_below(rng, 3);

		d->labels[i] = k;
		d->x[i * 2] = (float) (centre[k][0] + mk_rng_normal(rng));
		d->x[i * 2 + 1] = (float) (centre[k][1] + mk_rng_normal(rng));
	}
	d->ds.labels = d->labels;
}

/* y = 2 x0 - x1 + 0.5 x2 + noise of sd 0.05, x uniform in [-1, 1]. */
static void
make_linear(Data *d, int n, MkRng *rng)
{
	data_alloc(d, n, 3);
	for (int i = 0; i < n; i++)
	{
		float	   *x = d->x + i * 3;

		for (int f = 0; f < 3; f++)
			x[f] = (float) (2.0 * mk_rng_uniform(rng) - 1.0);
		d->y[i] = (float) (2.0 * x[0] - x[1] + 0.5 * x[2] +
						   0.05 * mk_rng_normal(rng));
	}
	d->ds.y = d->y;
}

/* The separable problem with 1 label in 4 flipped: easy to overfit. */
static void
make_noisy(Data *d, int n, MkRng *rng)
{
	make_separable(d, n, rng);
	for (int i = 0; i < n; i++)
	{
		if (mk_rng_below(rng, 4) == 0)
			d->y[i] = 1.0f - d->y[i];
	}
}

/* A config with one hidden layer of the given width. */
static MkMlpConfig
one_hidden(int in, int hidden, int out, MkActivation act, float dropout)
{
	MkMlpConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_dense = 2;
	cfg.sizes[0] = in;
	cfg.sizes[1] = hidden;
	cfg.sizes[2] = out;
	cfg.activation = act;
	cfg.dropout = dropout;
	return cfg;
}

/* Default options: AdamW, lr 0.01, 20 epochs of batches of 32. */
static MkFitOptions
default_options(MkLossKind loss)
{
	MkFitOptions opt;

	memset(&opt, 0, sizeof(opt));
	opt.loss = loss;
	opt.optimizer = MK_OPT_ADAMW;
	opt.learning_rate = 0.01f;
	opt.weight_decay = 1e-4f;
	opt.momentum = 0.9f;
	opt.epochs = 20;
	opt.batch_size = 32;
	opt.seed = 42;
	return opt;
}

/* Freshly initialised parameters for cfg from seed. */
static float *
init_params(const MkMlpConfig *cfg, uint64_t seed)
{
	float	   *params = floats(mk_mlp_num_params(cfg));
	MkRng		rng;

	mk_rng_seed(&rng, seed);
	mk_mlp_init(params, cfg, &rng);
	return params;
}

/* Trains a fresh network; returns its parameters, result in *res. */
static float *
train(const MkMlpConfig *cfg, const Data *tr, const Data *va,
	  const MkFitOptions *opt, const MkFitHooks *hooks, MkFitResult *res)
{
	float	   *params = init_params(cfg, 7);

	mk_mlp_fit(cfg, params, &tr->ds, va ? &va->ds : NULL, opt, hooks, res);
	return params;
}

/* BCE on a separable problem reaches a validation AUC above 0.95. */
static void
test_fit_bce(MkRng *rng)
{
	Data		tr,
				va;
	MkMlpConfig cfg = one_hidden(5, 16, 1, MK_ACT_RELU, 0.0f);
	MkFitOptions opt = default_options(MK_LOSS_BCE);
	MkFitResult res;
	float	   *params;
	MkEpochReport *best;

	make_separable(&tr, 1000, rng);
	make_separable(&va, 400, rng);
	params = train(&cfg, &tr, &va, &opt, NULL, &res);
	best = &res.curve[res.best_epoch - 1];
	unit_check(best->valid_metric > 0.95,
			   "fit: bce on a separable problem, valid auc %.4f > 0.95",
			   best->valid_metric);
	unit_check(res.curve[res.epochs_run - 1].train_loss <
			   res.curve[0].train_loss,
			   "fit: bce train loss falls (%.4f -> %.4f)",
			   res.curve[0].train_loss,
			   res.curve[res.epochs_run - 1].train_loss);
	mk_free(params);
	mk_free(res.curve);
	data_free(&tr);
	data_free(&va);
}

/* Softmax on three blobs reaches a validation accuracy above 0.9. */
static void
test_fit_softmax(MkRng *rng)
{
	Data		tr,
				va;
	MkMlpConfig cfg = one_hidden(2, 16, 3, MK_ACT_TANH, 0.0f);
	MkFitOptions opt = default_options(MK_LOSS_SOFTMAX);
	MkFitResult res;
	float	   *params;

	make_blobs(&tr, 600, rng);
	make_blobs(&va, 300, rng);
	params = train(&cfg, &tr, &va, &opt, NULL, &res);
	unit_check(res.curve[res.best_epoch - 1].valid_metric > 0.9,
			   "fit: softmax on 3 blobs, valid accuracy %.3f > 0.9",
			   res.curve[res.best_epoch - 1].valid_metric);
	mk_free(params);
	mk_free(res.curve);
	data_free(&tr);
	data_free(&va);
}

/* MSE with SGD and momentum fits a linear target closely. */
static void
test_fit_mse(MkRng *rng)
{
	Data		tr,
				va;
	MkMlpConfig cfg = one_hidden(3, 16, 1, MK_ACT_TANH, 0.0f);
	MkFitOptions opt = default_options(MK_LOSS_MSE);
	MkFitResult res;
	float	   *params;
	double		rmse;

	opt.optimizer = MK_OPT_SGD;
	opt.learning_rate = 0.02f;
	opt.epochs = 40;
	make_linear(&tr, 1000, rng);
	make_linear(&va, 300, rng);
	params = train(&cfg, &tr, &va, &opt, NULL, &res);
	rmse = res.curve[res.best_epoch - 1].valid_metric;
	unit_check(rmse < 0.15, "fit: mse with sgd on a linear target, valid "
			   "rmse %.4f < 0.15 (target sd ~1.4)", rmse);
	unit_close(rmse * rmse, res.curve[res.best_epoch - 1].valid_loss, 1e-9,
			   "fit: mse valid rmse is the root of the valid loss");
	mk_free(params);
	mk_free(res.curve);
	data_free(&tr);
	data_free(&va);
}

/* Same seed, same bits; another seed, other bits; unit weights = none. */
static void
test_fit_determinism(MkRng *rng)
{
	Data		tr,
				va;
	MkMlpConfig cfg = one_hidden(5, 8, 1, MK_ACT_TANH, 0.2f);
	MkFitOptions opt = default_options(MK_LOSS_BCE);
	MkFitResult r1,
				r2,
				r3,
				r4;
	float	   *p1,
			   *p2,
			   *p3,
			   *p4;
	size_t		bytes = mk_mlp_num_params(&cfg) * sizeof(float);

	opt.epochs = 5;
	make_separable(&tr, 300, rng);
	make_separable(&va, 100, rng);
	p1 = train(&cfg, &tr, &va, &opt, NULL, &r1);
	p2 = train(&cfg, &tr, &va, &opt, NULL, &r2);
	tr.ds.weight = tr.weight;
	p4 = train(&cfg, &tr, &va, &opt, NULL, &r4);
	opt.seed = 43;
	p3 = train(&cfg, &tr, &va, &opt, NULL, &r3);
	unit_check(memcmp(p1, p2, bytes) == 0 &&
			   r1.curve[4].train_loss == r2.curve[4].train_loss,
			   "fit: the same seed gives bit-identical parameters");
	unit_check(memcmp(p1, p3, bytes) != 0,
			   "fit: another seed gives other parameters");
	unit_check(memcmp(p1, p4, bytes) == 0,
			   "fit: unit weights give the same parameters as no weights");
	mk_free(p1);
	mk_free(p2);
	mk_free(p3);
	mk_free(p4);
	mk_free(r1.curve);
	mk_free(r2.curve);
	mk_free(r3.curve);
	mk_free(r4.curve);
	data_free(&tr);
	data_free(&va);
}

/* Counts a batch. */
static void
count_batch(void *arg)
{
	((HookCounts *) arg)->batches++;
}

/* Counts an epoch and checks that reports arrive numbered 1, 2, ... */
static void
count_epoch(void *arg, const MkEpochReport *report)
{
	HookCounts *counts = (HookCounts *) arg;

	counts->epochs++;
	counts->in_order = counts->in_order && report->epoch == counts->epochs;
}

/* Validation loss of params over all of va, computed afresh. */
static double
valid_loss_of(const MkMlpConfig *cfg, float *params, const Data *va)
{
	MkMlpParams p;
	MkMlpActs  *acts = mk_mlp_acts_create(cfg, va->ds.n);
	const float *logits;
	double		loss;

	mk_mlp_bind(&p, params, cfg);
	logits = mk_mlp_forward(cfg, &p, acts, va->x, va->ds.n, false, NULL);
	loss = mk_bce_logits_forward(logits, va->y, NULL, va->ds.n);
	mk_mlp_acts_free(acts);
	return loss;
}

/* Early stopping on noisy labels: stops, keeps the best epoch, counts hooks. */
static void
test_fit_early_stopping(MkRng *rng)
{
	Data		tr,
				va;
	MkMlpConfig cfg = one_hidden(5, 64, 1, MK_ACT_RELU, 0.0f);
	MkFitOptions opt = default_options(MK_LOSS_BCE);
	HookCounts	counts = {0, 0, true};
	MkFitHooks	hooks = {count_batch, count_epoch, &counts};
	MkFitResult res;
	float	   *params;
	double		again;

	opt.epochs = 200;
	opt.patience = 5;
	opt.learning_rate = 0.02f;
	make_noisy(&tr, 60, rng);
	make_noisy(&va, 300, rng);
	params = train(&cfg, &tr, &va, &opt, &hooks, &res);
	unit_check(res.epochs_run < opt.epochs && res.epochs_run > opt.patience,
			   "fit: early stopping after %d of %d epochs",
			   res.epochs_run, opt.epochs);
	unit_check(res.best_epoch > 1 &&
			   res.best_epoch == res.epochs_run - opt.patience &&
			   res.curve[res.best_epoch - 1].improved &&
			   !res.curve[res.epochs_run - 1].improved,
			   "fit: stopped %d epochs after the best (epoch %d)",
			   opt.patience, res.best_epoch);
	again = valid_loss_of(&cfg, params, &va);
	unit_close(again, res.curve[res.best_epoch - 1].valid_loss,
			   1e-12 * again, "fit: returned parameters are the best epoch's");
	unit_check(counts.epochs == res.epochs_run && counts.in_order,
			   "fit: after_epoch called once per epoch, in order (%d)",
			   counts.epochs);
	unit_check(counts.batches == res.epochs_run * 2,
			   "fit: before_batch called once per batch (%d = %d x 2)",
			   counts.batches, res.epochs_run);
	mk_free(params);
	mk_free(res.curve);
	data_free(&tr);
	data_free(&va);
}

/* Without validation rows: every epoch runs, the last one is kept. */
static void
test_fit_no_validation(MkRng *rng)
{
	Data		tr;
	MkMlpConfig cfg = one_hidden(5, 4, 1, MK_ACT_SIGMOID, 0.0f);
	MkFitOptions opt = default_options(MK_LOSS_BCE);
	HookCounts	counts = {0, 0, true};
	MkFitHooks	hooks = {count_batch, count_epoch, &counts};
	MkFitResult res;
	float	   *params;
	bool		fields = true;

	opt.epochs = 3;
	opt.patience = 1;
	make_separable(&tr, 100, rng);
	params = train(&cfg, &tr, NULL, &opt, &hooks, &res);
	for (int e = 0; e < res.epochs_run; e++)
		fields = fields && isnan(res.curve[e].valid_loss) &&
			isnan(res.curve[e].valid_metric) && res.curve[e].improved &&
			isfinite(res.curve[e].train_loss);
	unit_check(res.epochs_run == 3 && res.best_epoch == 3,
			   "fit: without validation all epochs run and the last is kept");
	unit_check(fields, "fit: without validation, valid fields are NaN");
	unit_check(counts.batches == 3 * 4 && counts.epochs == 3,
			   "fit: hooks called for 4 batches (32, 32, 32, 4) x 3 epochs");
	mk_free(params);
	mk_free(res.curve);
	data_free(&tr);
}

/* With lr = 0 the train loss is the loss over all rows: batches of 32, 4. */
static void
test_fit_train_loss(MkRng *rng)
{
	Data		tr;
	MkMlpConfig cfg = one_hidden(5, 4, 1, MK_ACT_TANH, 0.0f);
	MkFitOptions opt = default_options(MK_LOSS_BCE);
	MkFitResult res;
	float	   *params;
	double		want;

	opt.epochs = 1;
	opt.learning_rate = 0.0f;
	make_separable(&tr, 100, rng);
	params = train(&cfg, &tr, NULL, &opt, NULL, &res);
	want = valid_loss_of(&cfg, params, &tr);
	unit_close(res.curve[0].train_loss, want, 1e-6 * want,
			   "fit: train loss is the mean over rows, batches weighted by size");
	mk_free(params);
	mk_free(res.curve);
	data_free(&tr);
}

/* Runs the fit group. */
void
test_fit(void)
{
	MkRng		rng;

	mk_rng_seed(&rng, 123);
	test_fit_bce(&rng);
	test_fit_softmax(&rng);
	test_fit_mse(&rng);
	test_fit_determinism(&rng);
	mk_rng_seed(&rng, 123);		/* a problem whose best epoch is not 1 */
	test_fit_early_stopping(&rng);
	test_fit_no_validation(&rng);
	test_fit_train_loss(&rng);
}
