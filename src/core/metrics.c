/*
 * metrics.c
 *		Evaluation metrics: ROC AUC by ranks, and the per-row log-loss term.
 *
 * The AUC is the Mann-Whitney statistic: with the n scores ranked 1..n
 * (tied scores sharing their average rank) and R the rank sum of the P
 * positives, AUC = (R - P (P + 1) / 2) / (P N).  It is the probability that
 * a random positive outranks a random negative, ties counting one half, and
 * equals the trapezoidal area under the ROC curve (sklearn's roc_auc_score).
 */
#include <math.h>
#include <stdlib.h>

#include "metrics.h"

/* qsort order on score, ascending; NaN scores sort first, as equals. */
static int
compare_score(const void *a, const void *b)
{
	double		x = ((const MkScoredLabel *) a)->score;
	double		y = ((const MkScoredLabel *) b)->score;

	if (isnan(x) || isnan(y))
		return isnan(y) - isnan(x);
	return (x > y) - (x < y);
}

/*
 * Sum of the ranks of the positives in pairs[n], sorted by score; a run of
 * equal scores at ranks i+1..j shares the rank (i + 1 + j) / 2.
 */
static double
positive_rank_sum(const MkScoredLabel *pairs, size_t n)
{
	double		sum = 0.0;
	size_t		i = 0;

	while (i < n)
	{
		size_t		j = i;
		size_t		positives = 0;

		while (j < n && compare_score(&pairs[i], &pairs[j]) == 0)
			positives += pairs[j++].label != 0;
		sum += (double) positives * ((double) (i + 1 + j) / 2.0);
		i = j;
	}
	return sum;
}

/* Area under the ROC curve of pairs[n] (sorted in place); labels 0 or 1. */
double
mk_auc(MkScoredLabel *pairs, size_t n)
{
	double		pos = 0.0;
	double		neg;

	for (size_t i = 0; i < n; i++)
		pos += pairs[i].label != 0;
	neg = (double) n - pos;
	if (pos == 0.0 || neg == 0.0)
		return NAN;
	qsort(pairs, n, sizeof(MkScoredLabel), compare_score);
	return (positive_rank_sum(pairs, n) - pos * (pos + 1.0) / 2.0) /
		(pos * neg);
}

/*
 * -log of the probability given to the true class, where prob is the
 * probability of label 1: -log(p) for label 1, -log(1 - p) for label 0.
 * p is first clamped to [1e-15, 1 - 1e-15] (as sklearn's log_loss), so a
 * confident mistake costs about 34.5 rather than infinity.
 */
double
mk_log_loss_term(double prob, int label)
{
	const double eps = 1e-15;
	double		p = prob;

	if (isnan(p))
		return NAN;
	p = p < eps ? eps : (p > 1.0 - eps ? 1.0 - eps : p);
	return label != 0 ? -log(p) : -log(1.0 - p);
}
