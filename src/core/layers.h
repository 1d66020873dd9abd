/*
 * layers.h
 *		Forward and backward kernels of the feed-forward layers.
 *
 * Conventions (after llm.c):
 *	- B is the batch size, C the number of input channels, OC the output
 *	  channels; every matrix is row-major.
 *	- A backward function takes the gradients it produces first (d-prefixed),
 *	  then the upstream gradient, then the forward inputs and cached values.
 *	- Backward functions ACCUMULATE into their gradient outputs; zeroing the
 *	  gradients is an explicit step of the training loop.
 *	- Kernels never allocate.
 */
#ifndef MK_LAYERS_H
#define MK_LAYERS_H

#include <math.h>

#include "rng.h"

/* Dense: out[B,OC] = inp[B,C] * weight[OC,C]^T + bias[OC]  (sgemm). */
extern void mk_dense_forward(float *out, const float *inp,
							 const float *weight, const float *bias,
							 int B, int C, int OC);

/* Dense for one row, by plain loops: for small layers, without BLAS. */
extern void mk_dense_forward_row(float *out, const float *inp,
								 const float *weight, const float *bias,
								 int C, int OC);

/*
 * Dense for one row of mostly zero inputs, from weight_t[C,OC], the weight
 * transposed: only the non-zero inputs cost work.
 */
extern void mk_dense_forward_sparse_row(float *restrict out, const float *inp,
										const float *restrict weight_t,
										const float *bias, int C, int OC);

/*
 * dinp[B,C] += dout * weight;  dweight[OC,C] += dout^T * inp;
 * dbias[OC] += column sums of dout.  dinp may be NULL (first layer).
 */
extern void mk_dense_backward(float *dinp, float *dweight, float *dbias,
							  const float *dout, const float *inp,
							  const float *weight, int B, int C, int OC);

/* Element-wise activations over n values; out may alias inp. */
extern void mk_relu_forward(float *out, const float *inp, size_t n);
extern void mk_tanh_forward(float *out, const float *inp, size_t n);
extern void mk_sigmoid_forward(float *out, const float *inp, size_t n);

/* Activation backward passes take the forward OUTPUT, which suffices. */
extern void mk_relu_backward(float *dinp, const float *dout,
							 const float *out, size_t n);
extern void mk_tanh_backward(float *dinp, const float *dout,
							 const float *out, size_t n);
extern void mk_sigmoid_backward(float *dinp, const float *dout,
								const float *out, size_t n);

/*
 * Inverted dropout: during training each value is kept with probability
 * 1 - p and scaled by 1 / (1 - p); mask[i] holds that scale or 0.  With
 * p = 0 it is the identity.  out may alias inp.
 */
extern void mk_dropout_forward(float *out, float *mask, const float *inp,
							   size_t n, float p, MkRng *rng);
extern void mk_dropout_backward(float *dinp, const float *dout,
								const float *mask, size_t n);

/*
 * The logistic function without overflow: for x < 0 it is computed as
 * e^x / (1 + e^x), so exp() only ever sees a non-positive argument.  The
 * sign picks the numerator instead of a branch: in a recurrent cell it is
 * a coin toss, and the mispredicted branch cost a tenth of a step.
 */
static inline float
mk_sigmoid(float x)
{
	float		e = expf(-fabsf(x));

	return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

/*
 * tanh(x) = (e^2|x| - 1) / (e^2|x| + 1) with the sign of x, the exponential
 * taken in double.  libm's tanhf goes through a slow expm1f and took half
 * the time of a recurrent step; double exp() is quick, and for |x| above
 * 2^-12 it leaves e - 1 with far more correct bits than a float holds, so
 * the result is within an ulp of the true value.  It differs from tanhf on
 * 3% of the floats, and is the nearer to the true value on all but 7 of
 * them.  Below 2^-12, tanh(x) rounds to x; above 9.5, to +-1, which also
 * keeps exp() from overflowing.  NaN stays NaN.
 */
static inline float
mk_tanh(float x)
{
	float		a = fabsf(x);
	double		e;

	if (a < 0x1p-12f)
		return x;
	if (a > 9.5f)
		return copysignf(1.0f, x);
	e = exp(2.0 * (double) a);
	return copysignf((float) ((e - 1.0) / (e + 1.0)), x);
}

#endif							/* MK_LAYERS_H */
