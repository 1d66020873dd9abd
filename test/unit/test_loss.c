/*
 * test_loss.c
 *		Unit tests of the losses: values against direct double computations
 *		(including logits of +-80), gradients against central finite
 *		differences, weighted means, and the write-not-accumulate contract.
 */
#include <math.h>
#include <string.h>

#include "core/loss.h"
#include "core/mk_alloc.h"
#include "core/rng.h"
#include "unit.h"

#define LB 9					/* rows per test batch */
#define LK 4					/* classes for softmax */

/* Which loss a test case runs. */
typedef enum LossKind
{
	LOSS_BCE,
	LOSS_SOFTMAX,
	LOSS_MSE,
	LOSS_MAE
} LossKind;

static const char *const loss_names[] = {"bce", "softmax", "mse", "mae"};

/* One batch: logits (K per row for softmax) and its targets. */
typedef struct LossCase
{
	LossKind	kind;
	float		logits[LB * LK];
	float		targets[LB];
	int32_t		labels[LB];
	float		weight[LB];
	const float *w;				/* weight or NULL */
	int			K;
} LossCase;

/* The loss of lc through the kernel under test. */
static double
loss_value(const LossCase *lc)
{
	switch (lc->kind)
	{
		case LOSS_BCE:
			return mk_bce_logits_forward(lc->logits, lc->targets, lc->w, LB);
		case LOSS_SOFTMAX:
			return mk_softmax_xent_forward(lc->logits, lc->labels, lc->w,
										   LB, lc->K);
		case LOSS_MSE:
			return mk_mse_forward(lc->logits, lc->targets, lc->w, LB);
		case LOSS_MAE:
			return mk_mae_forward(lc->logits, lc->targets, lc->w, LB);
	}
	return NAN;
}

/* The gradient of lc through the kernel under test. */
static void
loss_gradient(const LossCase *lc, float *d)
{
	switch (lc->kind)
	{
		case LOSS_BCE:
			mk_bce_logits_backward(d, lc->logits, lc->targets, lc->w, LB);
			break;
		case LOSS_SOFTMAX:
			mk_softmax_xent_backward(d, lc->logits, lc->labels, lc->w,
									 LB, lc->K);
			break;
		case LOSS_MSE:
			mk_mse_backward(d, lc->logits, lc->targets, lc->w, LB);
			break;
		case LOSS_MAE:
			mk_mae_backward(d, lc->logits, lc->targets, lc->w, LB);
			break;
	}
}

/* Per-row loss by the textbook formula, in double. */
static double
naive_row_loss(const LossCase *lc, int i)
{
	const float *x = lc->logits + i * lc->K;
	double		sum = 0.0;

	switch (lc->kind)
	{
		case LOSS_BCE:
			{
				double		p = 1.0 / (1.0 + exp(-(double) x[0]));

				return -(lc->targets[i] * log(p) +
						 (1.0 - lc->targets[i]) * log(1.0 - p));
			}
		case LOSS_SOFTMAX:
			for (int k = 0; k < lc->K; k++)
				sum += exp((double) x[k]);
			return -log(exp((double) x[lc->labels[i]]) / sum);
		case LOSS_MSE:
			return pow((double) x[0] - lc->targets[i], 2);
		case LOSS_MAE:
			return fabs((double) x[0] - lc->targets[i]);
	}
	return NAN;
}

/* Weighted mean of the naive per-row losses. */
static double
naive_loss(const LossCase *lc)
{
	double		sum = 0.0,
				wsum = 0.0;

	for (int i = 0; i < LB; i++)
	{
		double		w = lc->w ? lc->w[i] : 1.0;

		sum += w * naive_row_loss(lc, i);
		wsum += w;
	}
	return sum / wsum;
}

/* A random case: logits in [-3, 3], BCE targets 0/1, MSE targets real. */
static void
loss_case(LossCase *lc, LossKind kind, bool weighted, MkRng *rng)
{
	memset(lc, 0, sizeof(LossCase));
	lc->kind = kind;
	lc->K = kind == LOSS_SOFTMAX ? LK : 1;
	for (int i = 0; i < LB * lc->K; i++)
		lc->logits[i] = (float) (6.0 * mk_rng_uniform(rng) - 3.0);
	for (int i = 0; i < LB; i++)
	{
		lc->labels[i] = (int32_t) mk_rng_below(rng, LK);
		lc->targets[i] = kind == LOSS_BCE ? (float) mk_rng_below(rng, 2) :
			(float) mk_rng_normal(rng);
		lc->weight[i] = (float) (0.2 + 2.0 * mk_rng_uniform(rng));
	}
	lc->w = weighted ? lc->weight : NULL;
}

/* max |a - b| over max |b|: a relative error that ignores tiny entries. */
static double
rel_to_max(const float *a, const float *b, size_t n)
{
	double		diff = 0.0,
				scale = 1e-30;

	for (size_t i = 0; i < n; i++)
	{
		diff = fmax(diff, fabs((double) a[i] - b[i]));
		scale = fmax(scale, fabs((double) b[i]));
	}
	return diff / scale;
}

/*
 * Central differences of the loss over every logit; the step is taken as
 * the difference of the perturbed floats actually used.
 */
static void
numeric_gradient(LossCase *lc, float *grad, float eps)
{
	for (int i = 0; i < LB * lc->K; i++)
	{
		float		saved = lc->logits[i];
		float		hi = saved + eps,
					lo = saved - eps;
		double		plus,
					minus;

		lc->logits[i] = hi;
		plus = loss_value(lc);
		lc->logits[i] = lo;
		minus = loss_value(lc);
		lc->logits[i] = saved;
		grad[i] = (float) ((plus - minus) / ((double) hi - lo));
	}
}

/* Value and gradient of one loss, weighted or not. */
static void
test_loss_case(LossKind kind, bool weighted, MkRng *rng)
{
	LossCase	lc;
	float		got[LB * LK],
				num[LB * LK];
	const char *name = loss_names[kind];
	const char *w = weighted ? "weighted" : "unweighted";

	loss_case(&lc, kind, weighted, rng);
	unit_close(loss_value(&lc), naive_loss(&lc), 1e-6 * naive_loss(&lc),
			   "loss: %s %s value matches the direct formula", name, w);
	for (int i = 0; i < LB * LK; i++)
		got[i] = 7.0f;			/* backward must overwrite this */
	loss_gradient(&lc, got);
	numeric_gradient(&lc, num, 1e-3f);
	unit_check(rel_to_max(got, num, LB * lc.K) < 1e-3,
			   "loss: %s %s gradient matches finite differences (%.2g)",
			   name, w, rel_to_max(got, num, LB * lc.K));
}

/* BCE at logits of +-80: finite, and equal to the asymptotic values. */
static void
test_bce_extremes(void)
{
	float		x[4] = {80.0f, 80.0f, -80.0f, -80.0f};
	float		y[4] = {1.0f, 0.0f, 1.0f, 0.0f};
	float		d[4];
	double		loss = mk_bce_logits_forward(x, y, NULL, 4);

	/* the right answers are ~0, 80, 80, ~0: the mean is 40 + 2e-35 */
	unit_close(loss, 40.0, 1e-9, "loss: bce at logits +-80 is finite");
	unit_close(mk_bce_logits_forward(x, y, NULL, 1), exp(-80.0), 1e-40,
			   "loss: bce(80, 1) = log1p(exp(-80))");
	mk_bce_logits_backward(d, x, y, NULL, 4);
	unit_check(isfinite(d[0]) && isfinite(d[3]) &&
			   fabsf(d[1] - 0.25f) < 1e-6f && fabsf(d[2] + 0.25f) < 1e-6f &&
			   fabsf(d[0]) < 1e-6f,
			   "loss: bce gradient at logits +-80 is (sigmoid - y) / B");
}

/* Softmax cross-entropy and softmax at logits of +-80. */
static void
test_softmax_extremes(void)
{
	float		x[3] = {80.0f, -80.0f, 0.0f};
	float		p[3],
				d[3];
	int32_t		label = 1;

	unit_close(mk_softmax_xent_forward(x, &label, NULL, 1, 3), 160.0, 1e-9,
			   "loss: softmax xent with logits +-80 is finite");
	mk_softmax_xent_backward(d, x, &label, NULL, 1, 3);
	unit_check(fabsf(d[0] - 1.0f) < 1e-6f && fabsf(d[1] + 1.0f) < 1e-6f &&
			   fabsf(d[2]) < 1e-6f,
			   "loss: softmax gradient at logits +-80 is p - onehot");
	mk_softmax(p, x, 3);
	unit_check(p[0] == 1.0f && p[1] >= 0.0f && p[2] < 1e-30f,
			   "loss: softmax of +-80 saturates without NaN");
	x[0] = 1.0f;
	x[1] = 2.0f;
	x[2] = 3.0f;
	mk_softmax(p, x, 3);
	unit_close(p[2], exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)), 1e-6,
			   "loss: softmax of (1, 2, 3)");
}

/* Weights that sum to zero give loss 0 and a zero gradient. */
static void
test_zero_weights(void)
{
	float		x[2] = {1.0f, -2.0f};
	float		y[2] = {1.0f, 0.0f};
	float		w[2] = {0.0f, 0.0f};
	float		d[2] = {5.0f, 5.0f};

	mk_mse_backward(d, x, y, w, 2);
	unit_check(mk_mse_forward(x, y, w, 2) == 0.0 && d[0] == 0.0f &&
			   d[1] == 0.0f, "loss: zero total weight gives 0 and no gradient");
}

/* Runs the loss group. */
void
test_loss(void)
{
	MkRng		rng;

	mk_rng_seed(&rng, 31337);
	for (LossKind kind = LOSS_BCE; kind <= LOSS_MAE; kind++)
	{
		test_loss_case(kind, false, &rng);
		test_loss_case(kind, true, &rng);
	}
	test_bce_extremes();
	test_softmax_extremes();
	test_zero_weights();
}
