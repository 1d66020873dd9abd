/*
 * recurrent.h
 *		Stacked LSTM and GRU layers over batches of variable-length
 *		sequences, with backpropagation through time, and a one-step API for
 *		streaming inference.
 *
 * Dimension letters: B sequences per batch, T steps, C input channels,
 * H hidden units, L layers, G gates per cell (4 for the LSTM, 3 for the
 * GRU).  Every sequence buffer is BATCH-MAJOR and row-major: x[B, T, C],
 * row b's step t at x + (b * T + t) * C, as PyTorch's batch_first=True.
 *
 * The cells are exactly PyTorch's nn.LSTM and nn.GRU, with the same
 * parameter shapes and gate order, so weights can be compared or copied
 * one to one (the parameter block is torch's parameters() concatenated):
 *	LSTM	i, f, g, o = sig, sig, tanh, sig(W_ih x + b_ih + W_hh h + b_hh)
 *			c' = f c + i g;  h' = o tanh(c')
 *	GRU		r, z = sig(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
 *			n = tanh(W_in x + b_in + r (W_hn h + b_hn))
 *			h' = (1 - z) n + z h
 * Every sequence starts from h = c = 0.
 *
 * Masking: lengths[b] gives row b's number of real steps; sequences are
 * LEFT-aligned, steps 0 .. lengths[b] - 1 are real and the rest padding.
 * At a padding step the state is carried over unchanged, so the final
 * hidden state of row b is its state after its last real step and
 * padding receives no gradient.  This lets sequences of different lengths
 * train in one batch.  A length of 0 gives the zero initial state.
 * Padding values must be finite (zeros are best): the weight gradient's
 * product runs over every step and multiplies them by zero.
 *
 * Between stacked layers, training applies inverted dropout to the lower
 * layer's outputs, as nn.LSTM(dropout=p) does; evaluation does not.
 */
#ifndef MK_RECURRENT_H
#define MK_RECURRENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define MK_RNN_MAX_LAYERS 8

typedef enum MkCell
{
	MK_CELL_LSTM = 1,
	MK_CELL_GRU = 2
} MkCell;

typedef struct MkRnnConfig
{
	MkCell		cell;
	int			n_layers;		/* L, 1 .. MK_RNN_MAX_LAYERS */
	int			input;			/* C, channels of every input step */
	int			hidden;			/* H, units of every layer */
	float		dropout;		/* between layers, in [0, 1) */
} MkRnnConfig;

/*
 * Named pointers into one parameter block; layer l holds, in this order,
 * weight_ih [G*H, C_l], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H]
 * with C_0 = C and C_l = H above.  Rows are grouped by gate: i, f, g, o
 * (LSTM) or r, z, n (GRU), H rows each.
 */
typedef struct MkRnnParams
{
	float	   *weight_ih[MK_RNN_MAX_LAYERS];
	float	   *weight_hh[MK_RNN_MAX_LAYERS];
	float	   *bias_ih[MK_RNN_MAX_LAYERS];
	float	   *bias_hh[MK_RNN_MAX_LAYERS];
} MkRnnParams;

/*
 * What forward keeps for backward, and backward's scratch, sized once for
 * max_batch sequences of max_steps.  Per layer l, over the [B, T] steps of
 * the last forward:
 *	gates[l] [B, T, G*H]	activated gates (i, f, g, o or r, z, n)
 *	hs[l]	 [B, T, H]		hidden states (padding holds the carried state)
 *	cs[l]	 [B, T, H]		LSTM cell states
 *	hn[l]	 [B, T, H]		GRU W_hn h + b_hn
 *	drop[l], mask[l] [B, T, H]	(l >= 1, dropout > 0) dropped input, mask
 */
typedef struct MkRnnCache
{
	int			max_batch;
	int			max_steps;
	int			n_layers;
	bool		dropped;		/* did the last forward apply dropout? */
	float	   *gates[MK_RNN_MAX_LAYERS];
	float	   *hs[MK_RNN_MAX_LAYERS];
	float	   *cs[MK_RNN_MAX_LAYERS];
	float	   *hn[MK_RNN_MAX_LAYERS];
	float	   *drop[MK_RNN_MAX_LAYERS];
	float	   *mask[MK_RNN_MAX_LAYERS];
	float	   *final;			/* [B, H] top layer's final hidden state */
	float	   *hg;				/* [B, G*H] a step's W_hh h + b_hh */
	float	   *dgi;			/* [B, T, G*H] d input-side pre-activations */
	float	   *dgh;			/* [B, T, G*H] d hidden-side (GRU; else dgi) */
	float	   *dh;				/* [B, H] d h carried back through time */
	float	   *dc;				/* [B, H] d c carried back (LSTM) */
	float	   *dseq[2];		/* [B, T, H] d layer outputs, d layer inputs */
} MkRnnCache;

/* Checks a configuration; returns NULL when valid, else a static message. */
extern const char *mk_rnn_config_error(const MkRnnConfig *cfg);

/*
 * Checks that batches of max_batch sequences of max_steps fit the int
 * dimensions of BLAS; returns NULL when they do, else a static message.
 */
extern const char *mk_rnn_shape_error(const MkRnnConfig *cfg, int max_batch,
									  int max_steps);

extern size_t mk_rnn_num_params(const MkRnnConfig *cfg);
extern void mk_rnn_bind(MkRnnParams *p, float *block, const MkRnnConfig *cfg);

/* PyTorch's default: every parameter from U(-1/sqrt(H), 1/sqrt(H)). */
extern void mk_rnn_init(float *block, const MkRnnConfig *cfg, MkRng *rng);

/* A cache for up to max_batch sequences of up to max_steps (shape-checked). */
extern MkRnnCache *mk_rnn_cache_create(const MkRnnConfig *cfg, int max_batch,
									   int max_steps);
extern void mk_rnn_cache_free(MkRnnCache *cache);

/*
 * Runs B <= max_batch sequences x[B, T, C] (T <= max_steps) with
 * lengths[B] (0 .. T) through the layers and returns the top layer's final
 * hidden states [B, H] (a pointer into cache).  Dropout between layers
 * applies only when training, drawing from rng.
 */
extern const float *mk_rnn_forward(const MkRnnConfig *cfg,
								   const MkRnnParams *p, MkRnnCache *cache,
								   const float *x, const int32_t *lengths,
								   int B, int T, bool training, MkRng *rng);

/*
 * The top layer's hidden states [B, T, H] of the last forward (row stride
 * T of that call).  At padding steps they hold the carried state, where
 * PyTorch's pad_packed_sequence gives zeros.
 */
extern const float *mk_rnn_outputs(const MkRnnCache *cache);

/*
 * Back-propagates dfinal[B, H], the gradient of the final hidden states,
 * through time and the layers of the last forward (same x, lengths, B, T),
 * accumulating into grads and, when dx is not NULL, into dx[B, T, C].  The
 * cache is left as forward wrote it, so backward may run again.
 */
extern void mk_rnn_backward(const MkRnnConfig *cfg, const MkRnnParams *grads,
							float *dx, MkRnnCache *cache,
							const MkRnnParams *p, const float *dfinal,
							const float *x, const int32_t *lengths,
							int B, int T);

/*
 * Streaming inference, one sequence at a time.  The state is
 * mk_rnn_state_size() floats, h of every layer then (LSTM) c of every
 * layer, zeroed at the start of a sequence; the scratch holds
 * mk_rnn_step_scratch_size() floats.
 */
extern size_t mk_rnn_state_size(const MkRnnConfig *cfg);
extern size_t mk_rnn_step_scratch_size(const MkRnnConfig *cfg);

/*
 * Advances state by one step x_t[C] in evaluation mode and returns the top
 * layer's new hidden state [H] (a pointer into state).  Stepping through a
 * sequence ends in the hidden state mk_rnn_forward gives it, up to float
 * rounding.
 */
extern const float *mk_rnn_step(const MkRnnConfig *cfg, const MkRnnParams *p,
								float *state, const float *x_t,
								float *scratch);

/*
 * Scales grads[n] so that their global L2 norm is at most max_norm, as
 * torch.nn.utils.clip_grad_norm_ does (factor max_norm / (norm + 1e-6)
 * when below 1), and returns the norm before clipping.  A non-finite norm
 * is returned with grads untouched, for the caller to skip the step.
 */
extern double mk_clip_grad_norm(float *grads, size_t n, float max_norm);

#endif							/* MK_RECURRENT_H */
