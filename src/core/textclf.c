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
#include "textcnn.h"

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
	if (cfg->encoder == MK_TEXT_BAG)
	{
		if (cfg->filters != 0 || cfg->max_length != 0)
			return "the bag encoder has no filters and no maximum length";
		return NULL;
	}
	if (cfg->encoder != MK_TEXT_CNN)
		return "encoder must be bag or cnn";
	if (cfg->filters < 1 || cfg->filters > MK_TEXT_MAX_FILTERS)
		return "filters must be between 1 and 4096";
	if (cfg->max_length < 1 || cfg->max_length > MK_TEXT_MAX_LENGTH)
		return "maximum length must be between 1 and 16384";
	return NULL;
}

/* O: K for softmax, 1 for sigmoid. */
int
mk_text_num_outputs(const MkTextConfig *cfg)
{
	return cfg->loss == MK_LOSS_BCE ? 1 : cfg->n_classes;
}

/* H: D, plus 3 F pooled filters with the CNN. */
int
mk_text_hidden_width(const MkTextConfig *cfg)
{
	if (cfg->encoder == MK_TEXT_CNN)
		return cfg->dim + MK_TEXT_CNN_WIDTHS * cfg->filters;
	return cfg->dim;
}

/* Floats of the CNN's filters and biases, 0 for the bag (bounded sizes). */
static size_t
conv_num_params(const MkTextConfig *cfg)
{
	size_t		n = 0;

	if (cfg->encoder != MK_TEXT_CNN)
		return 0;
	for (int i = 0; i < MK_TEXT_CNN_WIDTHS; i++)
		n += (size_t) cfg->filters *
			((size_t) (MK_TEXT_CNN_MIN_WIDTH + i) * cfg->dim + 1);
	return n;
}

/* V D + the filters + O H + O; the table's product through mk_mul_size. */
size_t
mk_text_num_params(const MkTextConfig *cfg)
{
	size_t		O = (size_t) mk_text_num_outputs(cfg);

	return mk_mul_size((size_t) cfg->feat.buckets, (size_t) cfg->dim) +
		conv_num_params(cfg) +
		mk_mul_size(O, (size_t) mk_text_hidden_width(cfg)) + O;
}

/* Points p's members into block, in the order the header gives. */
void
mk_text_bind(MkTextParams *p, float *block, const MkTextConfig *cfg)
{
	size_t		O = (size_t) mk_text_num_outputs(cfg);
	float	   *next = block + (size_t) cfg->feat.buckets * cfg->dim;

	p->embed = block;
	for (int i = 0; i < MK_TEXT_CNN_WIDTHS; i++)
	{
		p->conv_weight[i] = NULL;
		p->conv_bias[i] = NULL;
		if (cfg->encoder != MK_TEXT_CNN)
			continue;
		p->conv_weight[i] = next;
		next += (size_t) cfg->filters * (MK_TEXT_CNN_MIN_WIDTH + i) * cfg->dim;
		p->conv_bias[i] = next;
		next += cfg->filters;
	}
	p->weight = next;
	p->bias = p->weight + O * mk_text_hidden_width(cfg);
}

/* n floats from U(-bound, bound). */
static void
fill_uniform(float *x, size_t n, double bound, MkRng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float) (bound * (2.0 * mk_rng_uniform(rng) - 1.0));
}

/*
 * Embeddings U(-1/D, 1/D) row by row; the bag's weight and bias zero, the
 * CNN's filters and weight U(-1/sqrt(fan in), 1/sqrt(fan in)).
 */
void
mk_text_init(float *block, const MkTextConfig *cfg, MkRng *rng)
{
	MkTextParams p;
	size_t		n_embed = (size_t) cfg->feat.buckets * cfg->dim;
	int			H = mk_text_hidden_width(cfg);

	mk_text_bind(&p, block, cfg);
	fill_uniform(p.embed, n_embed, 1.0 / cfg->dim, rng);
	memset(block + n_embed, 0,
		   (mk_text_num_params(cfg) - n_embed) * sizeof(float));
	if (cfg->encoder != MK_TEXT_CNN)
		return;
	for (int i = 0; i < MK_TEXT_CNN_WIDTHS; i++)
	{
		int			K = (MK_TEXT_CNN_MIN_WIDTH + i) * cfg->dim;

		fill_uniform(p.conv_weight[i], (size_t) cfg->filters * K,
					 1.0 / sqrt((double) K), rng);
	}
	fill_uniform(p.weight, (size_t) mk_text_num_outputs(cfg) * H,
				 1.0 / sqrt((double) H), rng);
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

/* H floats for the hidden vector, O for the logits, then the CNN's. */
size_t
mk_text_scratch_size(const MkTextConfig *cfg)
{
	size_t		n = (size_t) mk_text_hidden_width(cfg) +
		(size_t) mk_text_num_outputs(cfg);

	if (cfg->encoder == MK_TEXT_CNN)
		n += mk_textcnn_scratch_size(cfg);
	return n;
}

/* The forward pass of either encoder, into logits[O]. */
void
mk_text_logits(float *logits, const MkTextConfig *cfg, const float *params,
			   const int32_t *ids, int n, int n_tokens, float *scratch)
{
	MkTextParams p;
	float	   *hidden = scratch;

	mk_text_bind(&p, (float *) params, cfg);
	if (cfg->encoder == MK_TEXT_CNN)
		mk_textcnn_logits(logits, hidden, cfg, &p, ids, n, n_tokens,
						  scratch + mk_text_hidden_width(cfg) +
						  mk_text_num_outputs(cfg));
	else
		mk_text_forward(logits, hidden, cfg, &p, ids, n);
}

/* Forward, then the softmax, or the sigmoid written as two probabilities. */
void
mk_text_predict(float *probs, const MkTextConfig *cfg, const float *params,
				const int32_t *ids, int n, int n_tokens, float *scratch)
{
	float	   *logits = scratch + mk_text_hidden_width(cfg);

	mk_text_logits(logits, cfg, params, ids, n, n_tokens, scratch);
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
		if (cfg->encoder == MK_TEXT_CNN &&
			(data->tokens == NULL || data->tokens[i] < 0 ||
			 data->tokens[i] > data->offsets[i + 1] - data->offsets[i]))
			return "token counts must lie between 0 and the document's ids";
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
