/*
 * fit_common.h
 *		The model-independent part of mini-batch training, shared by the MLP
 *		(fit.c) and the autoencoder (autoencoder.c); internal to the core.
 *
 * MkFitLoop owns what every training run needs whatever the model: the
 * gradient and optimiser buffers over one parameter block, the row order,
 * the shuffling and dropout streams, and the best parameters so far.  The
 * model supplies two callbacks: one trains a mini-batch given its row
 * indices, the other scores the validation rows.  mk_fit_loop_run then
 * drives the epochs, hooks, early stopping and the restoring of the best
 * epoch exactly as fit.h describes for mk_mlp_fit.
 */
#ifndef MK_FIT_COMMON_H
#define MK_FIT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fit.h"
#include "rng.h"

/* Rows per forward pass when scoring the validation set. */
#define MK_FIT_EVAL_CHUNK 1024

/*
 * Trains on the B rows rows[0 .. B) of the training set (zero the
 * gradients, forward, backward, mk_fit_loop_step); returns their mean loss.
 */
typedef double (*MkFitBatchFn) (void *ctx, const int32_t *rows, int B);

/* Scores the validation rows into report->valid_loss and valid_metric. */
typedef void (*MkFitEvalFn) (void *ctx, MkEpochReport *report);

typedef struct MkFitLoop
{
	const MkFitOptions *opt;
	const MkFitHooks *hooks;
	float	   *params;			/* the caller's block, trained in place */
	size_t		n_params;
	int			n_train;
	bool		has_valid;
	int			batch_size;		/* opt's, within [1, max(n_train, 1)] */
	float	   *grads;			/* [n_params] */
	float	   *m;				/* AdamW first moment, or SGD velocity */
	float	   *v;				/* AdamW second moment */
	float	   *best;			/* parameters of the best epoch so far */
	int32_t    *order;			/* [n_train] row order of this epoch */
	MkRng		shuffle_rng;
	MkRng		dropout_rng;	/* for the model's training forward passes */
	long		step;			/* optimiser steps taken, for Adam */
	double		best_loss;		/* lowest validation loss so far */
	MkFitBatchFn train_batch;
	MkFitEvalFn evaluate;
	void	   *ctx;			/* passed to both callbacks */
} MkFitLoop;

/* mk_alloc'd, zeroed array of n elements of the given size. */
extern void *mk_fit_alloc_array(size_t n, size_t size);

/*
 * Allocates the buffers of a run over params[n_params] with n_train rows
 * (and validation rows when has_valid) and seeds its random streams.  The
 * caller then sets train_batch, evaluate and ctx.
 */
extern void mk_fit_loop_begin(MkFitLoop *loop, float *params,
							  size_t n_params, int n_train, bool has_valid,
							  const MkFitOptions *opt,
							  const MkFitHooks *hooks);

/* Takes one optimiser step on the parameters with the current gradients. */
extern void mk_fit_loop_step(MkFitLoop *loop);

/*
 * Runs up to opt->epochs epochs with early stopping and fills result
 * (result->curve is mk_alloc'd); leaves the best epoch's parameters in
 * params when there are validation rows, else the last epoch's.
 */
extern void mk_fit_loop_run(MkFitLoop *loop, MkFitResult *result);

/* Frees everything mk_fit_loop_begin allocated. */
extern void mk_fit_loop_end(MkFitLoop *loop);

#endif							/* MK_FIT_COMMON_H */
