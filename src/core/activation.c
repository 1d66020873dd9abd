/*
 * activation.c
 *		Element-wise activations (ReLU, tanh, logistic sigmoid), forward and
 *		backward.
 *
 * Each derivative is written in terms of the forward output y, so the
 * backward pass needs no copy of the input:
 *	relu	y = max(x, 0)			dy/dx = [y > 0]
 *	tanh	y = tanh(x)				dy/dx = 1 - y^2
 *	sigmoid	y = 1 / (1 + e^-x)		dy/dx = y (1 - y)
 * Forward may run in place (out == inp); backward accumulates into dinp.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "layers.h"

/*
 * out[n] = max(inp, 0), that is inp > 0 ? inp : +0, without a branch: a
 * compiler keeps one for the ternary, and on trained weights it goes either
 * way at random, so it mispredicts on about half the values.  As unsigned
 * integers, the bit patterns of the floats in (0, +inf] are exactly
 * 1 .. 0x7f800000; every other value (zeros, negatives, NaN) becomes +0.
 */
void
mk_relu_forward(float *out, const float *inp, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		uint32_t	bits;

		memcpy(&bits, &inp[i], sizeof(bits));
		bits &= -(uint32_t) (bits - 1 < 0x7f800000u);
		memcpy(&out[i], &bits, sizeof(bits));
	}
}

/* out[n] = tanh(inp). */
void
mk_tanh_forward(float *out, const float *inp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(inp[i]);
}

/* out[n] = sigmoid(inp). */
void
mk_sigmoid_forward(float *out, const float *inp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = mk_sigmoid(inp[i]);
}

/* dinp[n] += dout where the forward output was positive. */
void
mk_relu_backward(float *dinp, const float *dout, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		if (out[i] > 0.0f)
			dinp[i] += dout[i];
	}
}

/* dinp[n] += dout * (1 - out^2). */
void
mk_tanh_backward(float *dinp, const float *dout, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dinp[i] += dout[i] * (1.0f - out[i] * out[i]);
}

/* dinp[n] += dout * out * (1 - out). */
void
mk_sigmoid_backward(float *dinp, const float *dout, const float *out,
					size_t n)
{
	for (size_t i = 0; i < n; i++)
		dinp[i] += dout[i] * out[i] * (1.0f - out[i]);
}
