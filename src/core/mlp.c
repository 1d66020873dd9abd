/*
 * mlp.c
 *		The multi-layer perceptron: configuration, parameter layout,
 *		initialisation, per-batch buffers, forward and backward.
 *
 * Layer l (0 <= l < n_dense) maps sizes[l] inputs to sizes[l + 1] outputs:
 *	hidden (l < n_dense - 1):	out[l] = dropout(act(dense_l(x)))
 *	last   (l = n_dense - 1):	out[l] = dense_l(x), the logits
 * The parameter block holds, for each layer in order, its weight
 * [sizes[l + 1], sizes[l]] and then its bias [sizes[l + 1]].
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "layers.h"
#include "mk_alloc.h"
#include "mlp.h"

/* Number of floats of a [rows, cols] matrix, overflow-checked. */
static size_t
matrix_size(int rows, int cols)
{
	return mk_mul_size((size_t) rows, (size_t) cols);
}

/* mk_alloc'd, zeroed array of n floats. */
static float *
alloc_floats(size_t n)
{
	return (float *) mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* Returns NULL when cfg describes a usable network, else why not. */
const char *
mk_mlp_config_error(const MkMlpConfig *cfg)
{
	double		count = 0.0;

	if (cfg->n_dense < 1 || cfg->n_dense > MK_MLP_MAX_DENSE)
		return "the number of dense layers must be between 1 and 8";
	for (int l = 0; l <= cfg->n_dense; l++)
	{
		if (cfg->sizes[l] < 1)
			return "every layer size must be at least 1";
	}
	if (cfg->activation != MK_ACT_RELU && cfg->activation != MK_ACT_TANH &&
		cfg->activation != MK_ACT_SIGMOID)
		return "unknown activation";
	if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f))
		return "dropout must be in [0, 1)";
	for (int l = 0; l < cfg->n_dense; l++)
		count += ((double) cfg->sizes[l] + 1.0) * cfg->sizes[l + 1];
	if (count > (double) (SIZE_MAX / sizeof(float) / 2))
		return "too many parameters";
	return NULL;
}

/* Total parameter count: sum over layers of out * in + out. */
size_t
mk_mlp_num_params(const MkMlpConfig *cfg)
{
	size_t		total = 0;

	for (int l = 0; l < cfg->n_dense; l++)
		total += matrix_size(cfg->sizes[l + 1], cfg->sizes[l]) +
			(size_t) cfg->sizes[l + 1];
	return total;
}

/* Points p's weights and biases into block, in the layout described above. */
void
mk_mlp_bind(MkMlpParams *p, float *block, const MkMlpConfig *cfg)
{
	float	   *next = block;

	memset(p, 0, sizeof(MkMlpParams));
	for (int l = 0; l < cfg->n_dense; l++)
	{
		p->weight[l] = next;
		next += matrix_size(cfg->sizes[l + 1], cfg->sizes[l]);
		p->bias[l] = next;
		next += cfg->sizes[l + 1];
	}
}

/*
 * Fills every weight and bias of layer l from U(-k, k), k = 1 / sqrt(fan_in)
 * with fan_in = sizes[l], as PyTorch's nn.Linear.reset_parameters() does.
 */
void
mk_mlp_init(float *block, const MkMlpConfig *cfg, MkRng *rng)
{
	float	   *next = block;

	for (int l = 0; l < cfg->n_dense; l++)
	{
		double		bound = 1.0 / sqrt((double) cfg->sizes[l]);
		size_t		n = matrix_size(cfg->sizes[l + 1], cfg->sizes[l]) +
			(size_t) cfg->sizes[l + 1];

		for (size_t i = 0; i < n; i++)
			next[i] = (float) ((2.0 * mk_rng_uniform(rng) - 1.0) * bound);
		next += n;
	}
}

/* Allocates the activation, mask and scratch buffers for max_batch rows. */
MkMlpActs *
mk_mlp_acts_create(const MkMlpConfig *cfg, int max_batch)
{
	MkMlpActs  *acts = (MkMlpActs *) mk_alloc(sizeof(MkMlpActs));
	int			widest = 1;

	acts->max_batch = max_batch;
	for (int l = 0; l < cfg->n_dense; l++)
	{
		size_t		n = matrix_size(max_batch, cfg->sizes[l + 1]);

		acts->out[l] = alloc_floats(n);
		if (l < cfg->n_dense - 1)
			acts->mask[l] = alloc_floats(n);
		if (cfg->sizes[l + 1] > widest)
			widest = cfg->sizes[l + 1];
	}
	acts->dbuf[0] = alloc_floats(matrix_size(max_batch, widest));
	acts->dbuf[1] = alloc_floats(matrix_size(max_batch, widest));
	return acts;
}

/* Frees everything mk_mlp_acts_create allocated; NULL is allowed. */
void
mk_mlp_acts_free(MkMlpActs *acts)
{
	if (acts == NULL)
		return;
	for (int l = 0; l < MK_MLP_MAX_DENSE; l++)
	{
		mk_free(acts->out[l]);
		mk_free(acts->mask[l]);
	}
	mk_free(acts->dbuf[0]);
	mk_free(acts->dbuf[1]);
	mk_free(acts);
}

/* Applies the configured activation to x[n] in place. */
static void
activation_forward(MkActivation act, float *x, size_t n)
{
	switch (act)
	{
		case MK_ACT_RELU:
			mk_relu_forward(x, x, n);
			break;
		case MK_ACT_TANH:
			mk_tanh_forward(x, x, n);
			break;
		case MK_ACT_SIGMOID:
			mk_sigmoid_forward(x, x, n);
			break;
	}
}

/* dinp[n] += dout * act'(.), given the activation's output out[n]. */
static void
activation_backward(MkActivation act, float *dinp, const float *dout,
					const float *out, size_t n)
{
	switch (act)
	{
		case MK_ACT_RELU:
			mk_relu_backward(dinp, dout, out, n);
			break;
		case MK_ACT_TANH:
			mk_tanh_backward(dinp, dout, out, n);
			break;
		case MK_ACT_SIGMOID:
			mk_sigmoid_backward(dinp, dout, out, n);
			break;
	}
}

/*
 * Turns out[n] = act * mask back into the activation output by dividing by
 * the non-zero mask entries.  Where the mask is 0 the value is left at 0:
 * the gradient through it is 0 whatever the activation's slope.
 */
static void
undo_dropout(float *out, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		if (mask[i] != 0.0f && mask[i] != 1.0f)
			out[i] /= mask[i];
	}
}

/*
 * Forward pass of B rows inp[B, sizes[0]]; returns the logits
 * [B, sizes[n_dense]].  Dropout is the identity outside training, so it is
 * skipped there and the masks are left as they were: mk_mlp_backward needs
 * the masks of a training forward of the same batch.
 */
const float *
mk_mlp_forward(const MkMlpConfig *cfg, const MkMlpParams *p,
			   MkMlpActs *acts, const float *inp, int B, bool training,
			   MkRng *rng)
{
	int			L = cfg->n_dense;

	for (int l = 0; l < L; l++)
	{
		const float *x = l == 0 ? inp : acts->out[l - 1];
		size_t		n = matrix_size(B, cfg->sizes[l + 1]);

		mk_dense_forward(acts->out[l], x, p->weight[l], p->bias[l],
						 B, cfg->sizes[l], cfg->sizes[l + 1]);
		if (l == L - 1)
			break;
		activation_forward(cfg->activation, acts->out[l], n);
		if (training)
			mk_dropout_forward(acts->out[l], acts->mask[l], acts->out[l],
							   n, cfg->dropout, rng);
	}
	return acts->out[L - 1];
}

float *
mk_mlp_first_weight_t(const MkMlpConfig *cfg, const MkMlpParams *p)
{
	int			C = cfg->sizes[0];
	int			OC = cfg->sizes[1];
	float	   *t = alloc_floats(matrix_size(C, OC));

	for (int o = 0; o < OC; o++)
		for (int c = 0; c < C; c++)
			t[(size_t) c * OC + o] = p->weight[0][(size_t) o * C + c];
	return t;
}

const float *
mk_mlp_forward_row(const MkMlpConfig *cfg, const MkMlpParams *p,
				   const float *first_weight_t, MkMlpActs *acts,
				   const float *inp)
{
	int			L = cfg->n_dense;

	for (int l = 0; l < L; l++)
	{
		const float *x = l == 0 ? inp : acts->out[l - 1];
		int			C = cfg->sizes[l];
		int			OC = cfg->sizes[l + 1];

		if (l == 0)
			mk_dense_forward_sparse_row(acts->out[0], x, first_weight_t,
										p->bias[0], C, OC);
		else if ((size_t) C * OC <= MK_MLP_ROW_LOOP_WEIGHTS)
			mk_dense_forward_row(acts->out[l], x, p->weight[l], p->bias[l],
								 C, OC);
		else
			mk_dense_forward(acts->out[l], x, p->weight[l], p->bias[l],
							 1, C, OC);
		if (l == L - 1)
			break;
		activation_forward(cfg->activation, acts->out[l], OC);
	}
	return acts->out[L - 1];
}

/*
 * Backward pass from dlogits[B, sizes[n_dense]], accumulating into grads
 * and, when it is not NULL, into dinp[B, sizes[0]].  Going down from the
 * last layer, with dz the gradient of layer l's dense output:
 *	dW_l, db_l += ...;  dx = dz W_l		(dense, dx into dbuf[cur])
 *	dh = dx * mask[l - 1]				(dropout, into dbuf[1 - cur])
 *	dz = dh * act'(h)					(activation, into dbuf[cur])
 * where h = out[l - 1] / mask[l - 1] is the activation output; the two
 * scratch buffers then swap roles.  Layer 0's dx is dinp itself, so the
 * input gradient is added to what the caller has there.
 * Recovering h overwrites the hidden outputs in acts with their values
 * before dropout; the logits are left as they are.
 */
void
mk_mlp_backward(const MkMlpConfig *cfg, const MkMlpParams *grads,
				float *dinp, MkMlpActs *acts, const MkMlpParams *p,
				const float *dlogits, const float *inp, int B)
{
	const float *dz = dlogits;
	int			cur = 0;

	for (int l = cfg->n_dense - 1; l >= 0; l--)
	{
		int			C = cfg->sizes[l];
		size_t		n = matrix_size(B, C);
		float	   *dx = l > 0 ? acts->dbuf[cur] : dinp;

		if (l > 0)
			memset(dx, 0, n * sizeof(float));
		mk_dense_backward(dx, grads->weight[l], grads->bias[l], dz,
						  l > 0 ? acts->out[l - 1] : inp, p->weight[l],
						  B, C, cfg->sizes[l + 1]);
		if (l == 0)
			break;
		/* through dropout, then the activation, of hidden layer l - 1 */
		memset(acts->dbuf[1 - cur], 0, n * sizeof(float));
		mk_dropout_backward(acts->dbuf[1 - cur], dx, acts->mask[l - 1], n);
		undo_dropout(acts->out[l - 1], acts->mask[l - 1], n);
		memset(dx, 0, n * sizeof(float));
		activation_backward(cfg->activation, dx, acts->dbuf[1 - cur],
							acts->out[l - 1], n);
		dz = dx;
		cur = 1 - cur;
	}
}
