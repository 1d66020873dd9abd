/*
 * mlp.h
 *		Multi-layer perceptron: a stack of dense layers with an activation and
 *		dropout between them, the last layer producing logits (or the value).
 *
 * Parameters live in one contiguous block of mk_mlp_num_params() floats;
 * MkMlpParams holds named pointers into such a block.  The gradients and the
 * optimiser moments use blocks of the same size and the same binding.
 */
#ifndef MK_MLP_H
#define MK_MLP_H

#include <stdbool.h>
#include <stddef.h>

#include "rng.h"

#define MK_MLP_MAX_DENSE 8

typedef enum MkActivation
{
	MK_ACT_RELU = 1,
	MK_ACT_TANH = 2,
	MK_ACT_SIGMOID = 3
} MkActivation;

typedef struct MkMlpConfig
{
	int			n_dense;		/* number of dense layers, 1 .. MK_MLP_MAX_DENSE */
	int			sizes[MK_MLP_MAX_DENSE + 1];	/* sizes[0] inputs ...
												 * sizes[n_dense] outputs */
	MkActivation activation;	/* after every dense layer but the last */
	float		dropout;		/* after every hidden activation, in [0, 1) */
} MkMlpConfig;

typedef struct MkMlpParams
{
	float	   *weight[MK_MLP_MAX_DENSE];	/* [sizes[l + 1], sizes[l]] */
	float	   *bias[MK_MLP_MAX_DENSE]; /* [sizes[l + 1]] */
} MkMlpParams;

/*
 * Per-batch buffers: out[l] is the output of layer l after its activation
 * and dropout (out[n_dense - 1] are the logits), mask[l] its dropout mask;
 * dbuf[0..1] are scratch gradients of the widest layer.
 */
typedef struct MkMlpActs
{
	int			max_batch;
	float	   *out[MK_MLP_MAX_DENSE];
	float	   *mask[MK_MLP_MAX_DENSE];
	float	   *dbuf[2];
} MkMlpActs;

/* Checks a configuration; returns NULL when valid, else a static message. */
extern const char *mk_mlp_config_error(const MkMlpConfig *cfg);

extern size_t mk_mlp_num_params(const MkMlpConfig *cfg);
extern void mk_mlp_bind(MkMlpParams *p, float *block, const MkMlpConfig *cfg);

/* PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
extern void mk_mlp_init(float *block, const MkMlpConfig *cfg, MkRng *rng);

extern MkMlpActs *mk_mlp_acts_create(const MkMlpConfig *cfg, int max_batch);
extern void mk_mlp_acts_free(MkMlpActs *acts);

/*
 * Runs B <= acts->max_batch rows of inp[B, sizes[0]] through the network
 * and returns the logits [B, sizes[n_dense]] (a pointer into acts).  Dropout
 * is applied only when training, drawing from rng.
 */
extern const float *mk_mlp_forward(const MkMlpConfig *cfg,
								   const MkMlpParams *p, MkMlpActs *acts,
								   const float *inp, int B, bool training,
								   MkRng *rng);

/*
 * Layers of at most this many weights score one row faster through
 * mk_dense_forward_row() than through sgemv, whose call alone costs some
 * hundreds of instructions.
 */
#define MK_MLP_ROW_LOOP_WEIGHTS 128

/*
 * The first layer's weights transposed, [sizes[0], sizes[1]] (mk_alloc'd),
 * for mk_mlp_forward_row().
 */
extern float *mk_mlp_first_weight_t(const MkMlpConfig *cfg,
									const MkMlpParams *p);

/*
 * mk_mlp_forward() of one row, outside training: the first layer through
 * mk_dense_forward_sparse_row() with first_weight_t, the other small layers
 * through mk_dense_forward_row(), the rest through BLAS.  Returns the logits.
 */
extern const float *mk_mlp_forward_row(const MkMlpConfig *cfg,
									   const MkMlpParams *p,
									   const float *first_weight_t,
									   MkMlpActs *acts, const float *inp);

/*
 * Back-propagates dlogits[B, sizes[n_dense]] through the batch of the last
 * training-mode mk_mlp_forward, accumulating into grads and, when dinp is
 * not NULL, into dinp[B, sizes[0]] (the gradient with respect to inp).  It
 * rewrites the hidden outputs in acts (not the logits) to their values
 * before dropout.
 */
extern void mk_mlp_backward(const MkMlpConfig *cfg, const MkMlpParams *grads,
							float *dinp, MkMlpActs *acts,
							const MkMlpParams *p, const float *dlogits,
							const float *inp, int B);

#endif							/* MK_MLP_H */
