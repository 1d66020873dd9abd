/*
 * dense.c
 *		The fully connected layer, forward and backward, on OpenBLAS sgemm.
 *
 * With W[OC,C] stored row-major as PyTorch's nn.Linear stores it:
 *	forward		out = inp W^T + b
 *	backward	dinp += dout W;  dW += dout^T inp;  db += sum over rows of dout
 * Every product is one sgemm call with beta = 1, which is what makes the
 * backward pass accumulate.
 */
#include <cblas.h>
#include <string.h>

#include "layers.h"

/*
 * out[B,OC] = inp[B,C] * weight[OC,C]^T + bias[OC].  The bias is broadcast
 * into every row first, then sgemm adds the product on top (beta = 1).  A
 * single row, the case of scoring in SELECT, goes through sgemv, whose call
 * costs a fraction of sgemm's on small layers.
 */
void
mk_dense_forward(float *out, const float *inp,
				 const float *weight, const float *bias,
				 int B, int C, int OC)
{
	for (int b = 0; b < B; b++)
	{
		float	   *out_b = out + (size_t) b * OC;

		if (bias != NULL)
			memcpy(out_b, bias, (size_t) OC * sizeof(float));
		else
			memset(out_b, 0, (size_t) OC * sizeof(float));
	}
	if (B <= 0 || C <= 0 || OC <= 0)
		return;
	if (B == 1)
		cblas_sgemv(CblasRowMajor, CblasNoTrans, OC, C, 1.0f, weight, C,
					inp, 1, 1.0f, out, 1);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OC, C,
					1.0f, inp, C, weight, C, 1.0f, out, OC);
}

/*
 * out[OC] = inp[C] * weight[OC,C]^T + bias[OC] for one row.  On a small
 * layer, such as the last of most models with its one output, this costs a
 * fraction of the call of sgemv.  Each output sums in four chains, chain k
 * taking the inputs c = 4i + k (chain 0 also the last C mod 4), then adds
 * the chains pairwise, then the bias: four chains let four additions run
 * at once where one chain would wait on each.  The order differs from
 * sgemv's, so the outputs may differ from it in their last bits.
 */
void
mk_dense_forward_row(float *out, const float *inp, const float *weight,
					 const float *bias, int C, int OC)
{
	for (int o = 0; o < OC; o++)
	{
		const float *w = weight + (size_t) o * C;
		float		s0 = 0.0f,
					s1 = 0.0f,
					s2 = 0.0f,
					s3 = 0.0f;
		int			c;

		for (c = 0; c + 4 <= C; c += 4)
		{
			s0 += inp[c] * w[c];
			s1 += inp[c + 1] * w[c + 1];
			s2 += inp[c + 2] * w[c + 2];
			s3 += inp[c + 3] * w[c + 3];
		}
		for (; c < C; c++)
			s0 += inp[c] * w[c];
		out[o] = ((s0 + s1) + (s2 + s3)) + (bias != NULL ? bias[o] : 0.0f);
	}
}

/*
 * out[OC] = inp[C] * weight[OC,C]^T + bias[OC] for one row, given the
 * weight transposed, weight_t[C,OC]: adds to the bias, in input order, the
 * rows of weight_t scaled by the non-zero inputs alone.  A first layer's
 * input is mostly zeros, one-hot slots and quantile bins, so this does a
 * fraction of the work of sgemv, in a loop over the outputs that
 * vectorises.  A zero input would only add zeros.  The order differs from
 * sgemv's, so the outputs may differ from it in their last bits.
 */
void
mk_dense_forward_sparse_row(float *restrict out, const float *inp,
							const float *restrict weight_t,
							const float *bias, int C, int OC)
{
	if (bias != NULL)
		memcpy(out, bias, (size_t) OC * sizeof(float));
	else
		memset(out, 0, (size_t) OC * sizeof(float));
	for (int c = 0; c < C; c++)
	{
		const float *restrict row = weight_t + (size_t) c * OC;
		float		x = inp[c];

		if (x == 0.0f)
			continue;
		for (int o = 0; o < OC; o++)
			out[o] += x * row[o];
	}
}

/*
 * Accumulates the gradients of the dense layer given dout[B,OC]:
 *	dinp[B,C]	  += dout[B,OC] * weight[OC,C]		(skipped when dinp is NULL)
 *	dweight[OC,C] += dout[B,OC]^T * inp[B,C]
 *	dbias[OC]	  += sum_b dout[b,:]
 */
void
mk_dense_backward(float *dinp, float *dweight, float *dbias,
				  const float *dout, const float *inp,
				  const float *weight, int B, int C, int OC)
{
	if (B <= 0 || C <= 0 || OC <= 0)
		return;
	if (dinp != NULL)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, C, OC,
					1.0f, dout, OC, weight, C, 1.0f, dinp, C);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, B,
				1.0f, dout, OC, inp, C, 1.0f, dweight, C);
	for (int b = 0; b < B; b++)
	{
		const float *dout_b = dout + (size_t) b * OC;

		for (int o = 0; o < OC; o++)
			dbias[o] += dout_b[o];
	}
}
