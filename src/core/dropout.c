/*
 * dropout.c
 *		Inverted dropout (Srivastava et al., "Dropout: A Simple Way to Prevent
 *		Neural Networks from Overfitting", 2014), as PyTorch's nn.Dropout.
 *
 * Training keeps each value with probability 1 - p and scales the kept ones
 * by 1 / (1 - p), so the expected output equals the input and evaluation
 * needs no rescaling.  The mask stores the factor applied to each value
 * (the scale or 0), which is also the local derivative.
 */
#include <string.h>

#include "layers.h"

/*
 * out[n] = inp * mask with mask[i] = 1 / (1 - p) with probability 1 - p,
 * else 0.  With p <= 0 the mask is all ones, out is a copy of inp and rng is
 * not touched (it may be NULL).  out may alias inp.
 */
void
mk_dropout_forward(float *out, float *mask, const float *inp,
				   size_t n, float p, MkRng *rng)
{
	float		scale;

	if (p <= 0.0f)
	{
		for (size_t i = 0; i < n; i++)
			mask[i] = 1.0f;
		if (out != inp)
			memmove(out, inp, n * sizeof(float));
		return;
	}
	scale = 1.0f / (1.0f - p);
	for (size_t i = 0; i < n; i++)
	{
		mask[i] = mk_rng_uniform(rng) >= (double) p ? scale : 0.0f;
		out[i] = inp[i] * mask[i];
	}
}

/* dinp[n] += dout * mask. */
void
mk_dropout_backward(float *dinp, const float *dout, const float *mask,
					size_t n)
{
	for (size_t i = 0; i < n; i++)
		dinp[i] += dout[i] * mask[i];
}
