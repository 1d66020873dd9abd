/*
 * metrics.h
 *		Evaluation metrics shared by training and the SQL aggregates.
 */
#ifndef MK_METRICS_H
#define MK_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct MkScoredLabel
{
	double		score;
	int32_t		label;			/* 0 or 1 */
} MkScoredLabel;

/*
 * Area under the ROC curve (the Mann-Whitney U statistic; tied scores count
 * one half).  Sorts pairs in place.  NaN when either class is absent.
 */
extern double mk_auc(MkScoredLabel *pairs, size_t n);

/*
 * -log(p) of the true class with p clamped to [1e-15, 1 - 1e-15], where
 * prob is the probability of label 1: p = prob for label 1 (any non-zero
 * label), p = 1 - prob for label 0.
 */
extern double mk_log_loss_term(double prob, int label);

#endif							/* MK_METRICS_H */
