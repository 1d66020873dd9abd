/*
 * loss.c
 *		Loss functions on a batch: binary cross-entropy on logits, softmax
 *		cross-entropy, mean squared error.
 *
 * Every forward returns the weighted mean sum_i w_i l_i / sum_i w_i (plain
 * mean without weights), accumulated in double.  Every backward WRITES
 * dlogits = d mean / d logit, so the 1 / sum(w) factor is already in it.
 * A batch whose weights sum to zero (or an empty batch) has loss 0 and a
 * zero gradient: it carries nothing to learn from.
 */
#include <math.h>
#include <stddef.h>

#include "loss.h"

/* Weight of example i: weight[i], or 1 without weights. */
static inline double
example_weight(const float *weight, int i)
{
	return weight != NULL ? (double) weight[i] : 1.0;
}

/* Sum of the B example weights, in double. */
static double
weight_sum(const float *weight, int B)
{
	double		sum = 0.0;

	for (int i = 0; i < B; i++)
		sum += example_weight(weight, i);
	return sum;
}

/* The logistic function in double, stable for either sign of x. */
static double
sigmoid_double(double x)
{
	double		e;

	if (x >= 0.0)
		return 1.0 / (1.0 + exp(-x));
	e = exp(x);
	return e / (1.0 + e);
}

/* 1 / sum(weight), or 0 when the weights sum to zero or less. */
static double
inverse_weight_sum(const float *weight, int B)
{
	double		sum = weight_sum(weight, B);

	return sum > 0.0 ? 1.0 / sum : 0.0;
}

/*
 * BCE with logits, in the form that neither overflows nor loses precision:
 *	l = max(x, 0) - x y + log(1 + e^-|x|)
 * which equals -y log(sigmoid(x)) - (1 - y) log(1 - sigmoid(x)).
 */
double
mk_bce_logits_forward(const float *logits, const float *targets,
					  const float *weight, int B)
{
	double		inv = inverse_weight_sum(weight, B);
	double		sum = 0.0;

	for (int i = 0; i < B; i++)
	{
		double		x = logits[i];
		double		l = fmax(x, 0.0) - x * targets[i] + log1p(exp(-fabs(x)));

		sum += example_weight(weight, i) * l;
	}
	return sum * inv;
}

/* dlogits[B] = w (sigmoid(x) - y) / sum(w). */
void
mk_bce_logits_backward(float *dlogits, const float *logits,
					   const float *targets, const float *weight, int B)
{
	double		inv = inverse_weight_sum(weight, B);

	for (int i = 0; i < B; i++)
	{
		double		p = sigmoid_double(logits[i]);

		dlogits[i] = (float) (example_weight(weight, i) * inv *
							  (p - targets[i]));
	}
}

/* probs[K] = exp(logits - max) / sum exp(logits - max). */
void
mk_softmax(float *probs, const float *logits, int K)
{
	float		max = logits[0];
	double		sum = 0.0;

	for (int k = 1; k < K; k++)
		max = logits[k] > max ? logits[k] : max;
	for (int k = 0; k < K; k++)
	{
		probs[k] = expf(logits[k] - max);
		sum += probs[k];
	}
	for (int k = 0; k < K; k++)
		probs[k] = (float) (probs[k] / sum);
}

/* log sum_k exp(row[k]) of one row of K logits, shifted by the maximum. */
static double
log_sum_exp(const float *row, int K)
{
	double		max = row[0];
	double		sum = 0.0;

	for (int k = 1; k < K; k++)
		max = fmax(max, row[k]);
	for (int k = 0; k < K; k++)
		sum += exp(row[k] - max);
	return max + log(sum);
}

/* l = logsumexp(logits) - logits[label], per row; labels in [0, K). */
double
mk_softmax_xent_forward(const float *logits, const int32_t *labels,
						const float *weight, int B, int K)
{
	double		inv = inverse_weight_sum(weight, B);
	double		sum = 0.0;

	for (int i = 0; i < B; i++)
	{
		const float *row = logits + (size_t) i * K;
		double		l = log_sum_exp(row, K) - row[labels[i]];

		sum += example_weight(weight, i) * l;
	}
	return sum * inv;
}

/* dlogits[B,K] = w (softmax(logits) - onehot(label)) / sum(w). */
void
mk_softmax_xent_backward(float *dlogits, const float *logits,
						 const int32_t *labels, const float *weight,
						 int B, int K)
{
	double		inv = inverse_weight_sum(weight, B);

	for (int i = 0; i < B; i++)
	{
		const float *row = logits + (size_t) i * K;
		float	   *drow = dlogits + (size_t) i * K;
		double		scale = example_weight(weight, i) * inv;
		double		lse = log_sum_exp(row, K);

		for (int k = 0; k < K; k++)
		{
			double		p = exp(row[k] - lse);

			drow[k] = (float) (scale * (p - (k == labels[i] ? 1.0 : 0.0)));
		}
	}
}

/* l = (pred - y)^2. */
double
mk_mse_forward(const float *pred, const float *targets,
			   const float *weight, int B)
{
	double		inv = inverse_weight_sum(weight, B);
	double		sum = 0.0;

	for (int i = 0; i < B; i++)
	{
		double		d = (double) pred[i] - targets[i];

		sum += example_weight(weight, i) * d * d;
	}
	return sum * inv;
}

/* dpred[B] = 2 w (pred - y) / sum(w). */
void
mk_mse_backward(float *dpred, const float *pred, const float *targets,
				const float *weight, int B)
{
	double		inv = inverse_weight_sum(weight, B);

	for (int i = 0; i < B; i++)
	{
		double		d = (double) pred[i] - targets[i];

		dpred[i] = (float) (2.0 * example_weight(weight, i) * inv * d);
	}
}

/* sum(w |pred - y|) / sum(w). */
double
mk_mae_forward(const float *pred, const float *targets,
			   const float *weight, int B)
{
	double		inv = inverse_weight_sum(weight, B);
	double		sum = 0.0;

	for (int i = 0; i < B; i++)
		sum += example_weight(weight, i) * fabs((double) pred[i] - targets[i]);
	return sum * inv;
}

/* dpred[B] = w sign(pred - y) / sum(w). */
void
mk_mae_backward(float *dpred, const float *pred, const float *targets,
				const float *weight, int B)
{
	double		inv = inverse_weight_sum(weight, B);

	for (int i = 0; i < B; i++)
	{
		double		d = (double) pred[i] - targets[i];
		double		sign = d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : 0.0;

		dpred[i] = (float) (example_weight(weight, i) * inv * sign);
	}
}
