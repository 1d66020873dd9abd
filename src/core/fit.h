/*
 * fit.h
 *		Mini-batch training of an MLP with early stopping.
 *
 * The loop knows nothing of PostgreSQL: the caller passes hooks, called
 * before every batch (the backend checks for interrupts there) and after
 * every epoch (the backend reports progress there).
 */
#ifndef MK_FIT_H
#define MK_FIT_H

#include <stdint.h>

#include "mlp.h"

typedef enum MkLossKind
{
	MK_LOSS_BCE = 1,			/* one logit, targets in {0, 1} */
	MK_LOSS_SOFTMAX = 2,		/* K logits, class indices */
	MK_LOSS_MSE = 3,			/* real targets: the mean */
	MK_LOSS_MAE = 4				/* real targets, absolute error: the median */
} MkLossKind;

typedef enum MkOptimizer
{
	MK_OPT_ADAMW = 1,
	MK_OPT_SGD = 2
} MkOptimizer;

typedef struct MkFitOptions
{
	MkLossKind	loss;
	MkOptimizer optimizer;
	float		learning_rate;
	float		weight_decay;
	float		momentum;		/* SGD only */
	int			epochs;
	int			batch_size;
	int			patience;		/* epochs without improvement; 0 = never stop */
	uint64_t	seed;			/* shuffling and dropout */
} MkFitOptions;

/*
 * n rows of x[n, n_features]; targets in y[n] (BCE, MSE) or labels[n]
 * (softmax); weight[n] optional per-row weights.
 */
typedef struct MkDataset
{
	const float *x;
	const float *y;
	const int32_t *labels;
	const float *weight;
	int			n;
	int			n_features;
} MkDataset;

/*
 * One epoch's numbers.  valid_metric is the AUC (BCE), the accuracy
 * (softmax) or the RMSE in training units (MSE); NaN without validation rows.
 */
typedef struct MkEpochReport
{
	int			epoch;			/* 1-based */
	double		train_loss;
	double		valid_loss;
	double		valid_metric;
	bool		improved;		/* best validation loss so far */
} MkEpochReport;

typedef struct MkFitHooks
{
	void		(*before_batch) (void *arg);
	void		(*after_epoch) (void *arg, const MkEpochReport *report);
	void	   *arg;
} MkFitHooks;

typedef struct MkFitResult
{
	int			epochs_run;
	int			best_epoch;		/* whose parameters were kept */
	MkEpochReport *curve;		/* epochs_run reports, mk_alloc'd */
} MkFitResult;

/*
 * Trains params (already initialised, mk_mlp_num_params floats) on train.
 * With validation rows, the parameters of the epoch with the lowest
 * validation loss are restored at the end, and training stops after
 * patience epochs without improvement.  Same inputs and seed give
 * bit-identical parameters.
 */
extern void mk_mlp_fit(const MkMlpConfig *cfg, float *params,
					   const MkDataset *train, const MkDataset *valid,
					   const MkFitOptions *opt, const MkFitHooks *hooks,
					   MkFitResult *result);

#endif							/* MK_FIT_H */
