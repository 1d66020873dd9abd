/*
 * textclf.c
 *		The fast text classifier's parameters, layers and scoring: an
 *		embedding bag and a linear layer, forward and backward, on one
 *		document at a time.
 *
 * Training (textclf_fit.c) and scoring both work on a single document, so
 * the linear layer is a matrix-vector product written as plain loops: at
 * these sizes (D of tens, O of a few) a BLAS call costs more than the
 * arithmetic, and the loops fix the summation order, which keeps training
 * bit-reproducible whatever the BLAS build.
 *
 *	forward		h = (1/n) sum_i E[ids[i]];	z = W h + b
 *	backward	dh = W^T dz;  dW += dz h^T;  db += dz;  dE[ids[i]] += dh / n
 */
#include <math.h>
#include <string.h>

#include "loss.h"
#include "mk_alloc.h"
#include "textclf.h"

/* Checks a configuration; returns NULL when valid, else a static message. */
const char *
mk_text_config_error(const MkTextConfig *cfg)
{
	const char *err = mk_text_feat_config_error(&cfg->feat);

	if (err != NULL)
		return err;
	if (cfg->dim < 1 || cfg->dim > MK_TEXT_MAX_DIM)
		return "embedding dimension must be between 1 and 1024";
	if (cfg->n_classes < 2 || cfg->n_classes > MK_TEXT_MAX_CLASSES)
		return "number of classes must be between 2 and 65536";
	if (cfg->loss == MK_LOSS_BCE && cfg->n_classes != 2)
		return "a sigmoid output needs exactly 2 classes";
	if (cfg->loss != MK_LOSS_BCE && cfg->loss != MK_LOSS_SOFTMAX)
		return "loss must be sigmoid or softmax";
	return NULL;
}

/* O: K for softmax, 1 for sigmoid. */
int
mk_text_num_outputs(const MkTextConfig *cfg)
{
	return cfg->loss == MK_LOSS_BCE ? 1 : cfg->n_classes;
}

/* V D + O D + O; the products go through mk_mul_size. */
size_t
mk_text_num_params(const MkTextConfig *cfg)
{
	size_t		O = (size_t) mk_text_num_outputs(cfg);

	return mk_mul_size((size_t) cfg->feat.buckets, (size_t) cfg->dim) +
		mk_mul_size(O, (size_t) cfg->dim) + O;
}

/* Points p's members into block, in the order the header gives. */
void
mk_text_bind(MkTextParams *p, float *block, const MkTextConfig *cfg)
{
	size_t		O = (size_t) mk_text_num_outputs(cfg);

	p->embed = block;
	p->weight = p->embed + (size_t) cfg->feat.buckets * cfg->dim;
	p->bias = p->weight + O * cfg->dim;
}

/* Embeddings U(-1/D, 1/D) row by row; weight and bias zero. */
void
mk_text_init(float *block, const MkTextConfig *cfg, MkRng *rng)
{
	MkTextParams p;
	size_t		n_embed = (size_t) cfg->feat.buckets * cfg->dim;
	double		bound = 1.0 / cfg->dim;

	mk_text_bind(&p, block, cfg);
	for (size_t i = 0; i < n_embed; i++)
		p.embed[i] = (float) (bound * (2.0 * mk_rng_uniform(rng) - 1.0));
	memset(p.weight, 0, (mk_text_num_params(cfg) - n_embed) * sizeof(float));
}

/*
 * Rows of the embedding table fetched ahead of their sum: the rows of a
 * large table are scattered in memory, and asking for a few at once hides
 * most of each miss.
 */
#define EMBAG_PREFETCH_AHEAD 8

/* Asks the CPU for row's D floats (a hint; no effect on the result). */
static inline void
prefetch_row(const float *row, int D)
{
#if defined(__GNUC__)
	for (int d = 0; d < D; d += 64 / (int) sizeof(float))
		__builtin_prefetch(row + d);
#endif
}

/* out[D] = mean of the rows embed[ids[i], :], or zeros when n = 0. */
void
mk_embag_forward(float *out, const float *embed, const int32_t *ids, int n,
				 int D)
{
	float		scale = n > 0 ? 1.0f / n : 0.0f;

	memset(out, 0, (size_t) D * sizeof(float));
	for (int i = 0; i < n && i < EMBAG_PREFETCH_AHEAD; i++)
		prefetch_row(embed + (size_t) ids[i] * D, D);
	for (int i = 0; i < n; i++)
	{
		const float *row = embed + (size_t) ids[i] * D;

		if (i + EMBAG_PREFETCH_AHEAD < n)
			prefetch_row(embed + (size_t) ids[i + EMBAG_PREFETCH_AHEAD] * D, D);
		for (int d = 0; d < D; d++)
			out[d] += row[d];
	}
	for (int d = 0; d < D; d++)
		out[d] *= scale;
}

/* dembed[ids[i], :] += dout[D] / n for each of the n ids. */
void
mk_embag_backward(float *dembed, const float *dout, const int32_t *ids,
				  int n, int D)
{
	float		scale = n > 0 ? 1.0f / n : 0.0f;

	for (int i = 0; i < n; i++)
	{
		float	   *row = dembed + (size_t) ids[i] * D;

		for (int d = 0; d < D; d++)
			row[d] += scale * dout[d];
	}
}

/* out[O] = weight[O, D] inp[D] + bias[O]. */
void
mk_text_linear_forward(float *out, const float *inp, const float *weight,
					   const float *bias, int D, int O)
{
	for (int o = 0; o < O; o++)
	{
		const float *row = weight + (size_t) o * D;
		float		sum = 0.0f;

		for (int d = 0; d < D; d++)
			sum += row[d] * inp[d];
		out[o] = sum + bias[o];
	}
}

/*
 * dinp[D] += weight^T dout;  dweight[O, D] += dout inp^T;  dbias += dout.
 * Row o of weight goes into dinp before row o of dweight is touched, so
 * dweight may be weight itself.
 */
void
mk_text_linear_backward(float *dinp, float *dweight, float *dbias,
						const float *dout, const float *inp,
						const float *weight, int D, int O)
{
	for (int o = 0; o < O; o++)
	{
		const float *row = weight + (size_t) o * D;
		float	   *drow = dweight + (size_t) o * D;
		float		g = dout[o];

		for (int d = 0; d < D; d++)
			dinp[d] += g * row[d];
		for (int d = 0; d < D; d++)
			drow[d] += g * inp[d];
		dbias[o] += g;
	}
}

/* hidden[D] = embedding bag of ids; logits[O] = the linear layer of it. */
void
mk_text_forward(float *logits, float *hidden, const MkTextConfig *cfg,
				const MkTextParams *p, const int32_t *ids, int n)
{
	int			D = cfg->dim;

	mk_embag_forward(hidden, p->embed, ids, n, D);
	mk_text_linear_forward(logits, hidden, p->weight, p->bias, D,
						   mk_text_num_outputs(cfg));
}

/* The linear layer's backward, then the embedding bag's, into grads. */
void
mk_text_backward(const MkTextConfig *cfg, const MkTextParams *grads,
				 float *dhidden, const float *dlogits, const MkTextParams *p,
				 const float *hidden, const int32_t *ids, int n)
{
	int			D = cfg->dim;

	memset(dhidden, 0, (size_t) D * sizeof(float));
	mk_text_linear_backward(dhidden, grads->weight, grads->bias, dlogits,
							hidden, p->weight, D, mk_text_num_outputs(cfg));
	mk_embag_backward(grads->embed, dhidden, ids, n, D);
}

/* D floats for the hidden vector, O for the logits. */
size_t
mk_text_scratch_size(const MkTextConfig *cfg)
{
	return (size_t) cfg->dim + (size_t) mk_text_num_outputs(cfg);
}

/* Forward, then the softmax, or the sigmoid written as two probabilities. */
void
mk_text_predict(float *probs, const MkTextConfig *cfg, const float *params,
				const int32_t *ids, int n, float *scratch)
{
	MkTextParams p;
	float	   *hidden = scratch;
	float	   *logits = scratch + cfg->dim;

	mk_text_bind(&p, (float *) params, cfg);
	mk_text_forward(logits, hidden, cfg, &p, ids, n);
	if (cfg->loss == MK_LOSS_BCE)
	{
		float		z[2] = {0.0f, logits[0]};

		/* sigmoid(z) = softmax(0, z)[1], stable for either sign. */
		mk_softmax(probs, z, 2);
	}
	else
		mk_softmax(probs, logits, cfg->n_classes);
}

/* Checks offsets, ids, labels and weights; NULL when all are valid. */
const char *
mk_text_dataset_error(const MkTextConfig *cfg, const MkTextDataset *data)
{
	if (data->n < 0 || data->offsets[0] != 0)
		return "document offsets must start at 0";
	for (int i = 0; i < data->n; i++)
	{
		if (data->offsets[i + 1] < data->offsets[i])
			return "document offsets must not decrease";
		if (data->offsets[i + 1] - data->offsets[i] > INT32_MAX)
			return "a document has more than 2147483647 ids";
		if (data->labels[i] < 0 || data->labels[i] >= cfg->n_classes)
			return "label out of range";
		if (data->weight != NULL &&
			!(isfinite(data->weight[i]) && data->weight[i] >= 0.0f))
			return "weights must be finite and non-negative";
	}
	for (int64_t j = 0; j < data->offsets[data->n]; j++)
		if (data->ids[j] < 0 || data->ids[j] >= cfg->feat.buckets)
			return "feature id out of range";
	return NULL;
}

/* weight[i] = n / (K count[labels[i]]), counting the labels first. */
void
mk_text_balanced_weights(float *weight, const int32_t *labels, int n, int K)
{
	int64_t    *count = mk_alloc(mk_mul_size((size_t) K, sizeof(int64_t)));

	for (int i = 0; i < n; i++)
		count[labels[i]]++;
	for (int i = 0; i < n; i++)
		weight[i] = (float) ((double) n / ((double) K * count[labels[i]]));
	mk_free(count);
}
