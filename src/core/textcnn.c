/*
 * textcnn.c
 *		The convolutional encoder's layers, forward and backward, and the
 *		scoring of one document by the CNN text classifier.
 *
 * The forward pass is where the time goes: per width, the windows of the
 * packed batch are copied into rows (im2col: a window of w tokens is w D
 * consecutive floats of x) and one sgemm applies every filter to every
 * window.  The backward pass is cheap by comparison: after max-pooling
 * only one window per document and filter carries gradient, so it is
 * written as plain loops over those windows.
 *
 *	forward		c[r, f] = W_w[f] . x[r .. r + w) + b_w[f];
 *				feat[b, f] = ReLU(max over b's positions r of c[r, f])
 *	backward	at r* = argmax, when feat > 0:  dW_w[f] += g x[r* .. r* + w);
 *				db_w[f] += g;  dx[r* .. r* + w) += g W_w[f]
 */
#include <cblas.h>
#include <limits.h>
#include <string.h>

#include "textcnn.h"

/* R is at most batch_size spans of max_length tokens. */
const char *
mk_textcnn_shape_error(const MkTextConfig *cfg, int batch_size)
{
	if ((int64_t) batch_size * mk_textcnn_span(cfg->max_length) > INT_MAX)
		return "batch_size times max_length must be at most 2147483647";
	return NULL;
}

/* x[R + MK_TEXT_CNN_MAX_WIDTH, D]: row r = embed[tok[r]], zeros for -1. */
void
mk_textcnn_gather(float *x, const float *embed, const int32_t *tok, int R,
				  int D)
{
	for (int r = 0; r < R; r++)
	{
		float	   *row = x + (size_t) r * D;

		if (tok[r] >= 0)
			memcpy(row, embed + (size_t) tok[r] * D, (size_t) D * sizeof(float));
		else
			memset(row, 0, (size_t) D * sizeof(float));
	}
	memset(x + (size_t) R * D, 0,
		   (size_t) MK_TEXT_CNN_MAX_WIDTH * D * sizeof(float));
}

/* dembed[tok[r], :] += dx[r, :] for every row r with tok[r] >= 0. */
void
mk_textcnn_scatter(float *dembed, const float *dx, const int32_t *tok, int R,
				   int D)
{
	for (int r = 0; r < R; r++)
	{
		float	   *drow;
		const float *g = dx + (size_t) r * D;

		if (tok[r] < 0)
			continue;
		drow = dembed + (size_t) tok[r] * D;
		for (int d = 0; d < D; d++)
			drow[d] += g[d];
	}
}

/*
 * Max-pools conv[R, F] (plus bias) over document b's positions into
 * feat[F] and, when asked, their rows into argmax[F].
 */
static void
pool_document(float *feat, int32_t *argmax, const float *conv,
			  const float *bias, int start, int positions, int F)
{
	for (int f = 0; f < F; f++)
	{
		int			best = start;
		float		top = conv[(size_t) start * F + f];

		for (int r = start + 1; r < start + positions; r++)
			if (conv[(size_t) r * F + f] > top)
			{
				top = conv[(size_t) r * F + f];
				best = r;
			}
		top += bias[f];
		feat[f] = top > 0.0f ? top : 0.0f;
		if (argmax != NULL)
			argmax[f] = best;
	}
}

/* feat[B, 3 F] of the packed batch x, per width: im2col, sgemm, pooling. */
void
mk_textcnn_forward(float *feat, int32_t *argmax, float *cols, float *conv,
				   const float *x, const int32_t *start, const int32_t *len,
				   int B, int R, const MkTextParams *p, int D, int F)
{
	int			stride = MK_TEXT_CNN_WIDTHS * F;

	for (int i = 0; i < MK_TEXT_CNN_WIDTHS; i++)
	{
		int			w = MK_TEXT_CNN_MIN_WIDTH + i;
		int			K = w * D;

		for (int r = 0; r < R; r++)
			memcpy(cols + (size_t) r * K, x + (size_t) r * D,
				   (size_t) K * sizeof(float));
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, F, K,
					1.0f, cols, K, p->conv_weight[i], K, 0.0f, conv, F);
		for (int b = 0; b < B; b++)
		{
			float	   *out = feat + (size_t) b * stride + (size_t) i * F;
			int32_t    *at = argmax != NULL ?
				argmax + (size_t) b * stride + (size_t) i * F : NULL;
			int			positions = len[b] - w + 1;

			if (len[b] == 0)
			{
				memset(out, 0, (size_t) F * sizeof(float));
				if (at != NULL)
					for (int f = 0; f < F; f++)
						at[f] = -1;
				continue;
			}
			pool_document(out, at, conv, p->conv_bias[i], start[b],
						  positions > 1 ? positions : 1, F);
		}
	}
}

/* The gradients of the winning windows only; see the file header. */
void
mk_textcnn_backward(const MkTextParams *grads, float *dx, const float *dfeat,
					const float *feat, const int32_t *argmax, const float *x,
					const MkTextParams *p, int B, int D, int F)
{
	int			stride = MK_TEXT_CNN_WIDTHS * F;

	for (int b = 0; b < B; b++)
		for (int i = 0; i < MK_TEXT_CNN_WIDTHS; i++)
		{
			int			K = (MK_TEXT_CNN_MIN_WIDTH + i) * D;

			for (int f = 0; f < F; f++)
			{
				size_t		j = (size_t) b * stride + (size_t) i * F + f;
				float		g = dfeat[j];
				const float *win;
				const float *wrow = p->conv_weight[i] + (size_t) f * K;
				float	   *dwrow = grads->conv_weight[i] + (size_t) f * K;
				float	   *dwin;

				if (argmax[j] < 0 || feat[j] <= 0.0f || g == 0.0f)
					continue;
				win = x + (size_t) argmax[j] * D;
				dwin = dx + (size_t) argmax[j] * D;
				for (int k = 0; k < K; k++)
				{
					dwrow[k] += g * win[k];
					dwin[k] += g * wrow[k];
				}
				grads->conv_bias[i][f] += g;
			}
		}
}

/*
 * The document's kept tokens L = min(n_tokens, max_length) give x (span
 * plus the trailing zero rows), cols and conv; feat is 3 F.
 */
size_t
mk_textcnn_scratch_size(const MkTextConfig *cfg)
{
	size_t		span = (size_t) mk_textcnn_span(cfg->max_length);
	size_t		D = (size_t) cfg->dim;
	size_t		F = (size_t) cfg->filters;

	return (span + MK_TEXT_CNN_MAX_WIDTH) * D +
		span * MK_TEXT_CNN_MAX_WIDTH * D + span * F + MK_TEXT_CNN_WIDTHS * F;
}

/* hidden = [bag mean; pooled convolutions]; logits = the linear layer. */
void
mk_textcnn_logits(float *logits, float *hidden, const MkTextConfig *cfg,
				  const MkTextParams *p, const int32_t *ids, int n,
				  int n_tokens, float *scratch)
{
	int			D = cfg->dim;
	int			F = cfg->filters;
	int32_t		len = n_tokens < cfg->max_length ? n_tokens : cfg->max_length;
	int32_t		start = 0;
	int			span = mk_textcnn_span(len);
	float	   *x = scratch;
	float	   *cols = x + (size_t) (span + MK_TEXT_CNN_MAX_WIDTH) * D;
	float	   *conv = cols + (size_t) span * MK_TEXT_CNN_MAX_WIDTH * D;
	float	   *feat = conv + (size_t) span * F;

	memset(x, 0, (size_t) (span + MK_TEXT_CNN_MAX_WIDTH) * D * sizeof(float));
	for (int t = 0; t < len; t++)
		memcpy(x + (size_t) t * D, p->embed + (size_t) ids[t] * D,
			   (size_t) D * sizeof(float));
	mk_embag_forward(hidden, p->embed, ids, n, D);
	mk_textcnn_forward(feat, NULL, cols, conv, x, &start, &len, 1, span, p,
					   D, F);
	memcpy(hidden + D, feat, (size_t) MK_TEXT_CNN_WIDTHS * F * sizeof(float));
	mk_text_linear_forward(logits, hidden, p->weight, p->bias,
						   mk_text_hidden_width(cfg),
						   mk_text_num_outputs(cfg));
}
