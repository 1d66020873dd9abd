/*
 * test_metrics.c
 *		Unit tests of the metrics: AUC on small cases worked by hand (ties
 *		included) and against a brute-force pair count, and the clamped
 *		log-loss term.
 */
#include <math.h>

#include "core/metrics.h"
#include "core/mk_alloc.h"
#include "core/rng.h"
#include "unit.h"

#define N 500

/* AUC of n scores and labels given as arrays. */
static double
auc_of(const double *scores, const int *labels, size_t n)
{
	MkScoredLabel pairs[16];

	for (size_t i = 0; i < n; i++)
	{
		pairs[i].score = scores[i];
		pairs[i].label = labels[i];
	}
	return mk_auc(pairs, n);
}

/* Small cases with known answers. */
static void
test_auc_known(void)
{
	static const double s1[] = {0.1, 0.4, 0.35, 0.8};
	static const int l1[] = {0, 0, 1, 1};
	static const double s2[] = {0.5, 0.5, 0.2, 0.9};
	static const int l2[] = {0, 1, 0, 1};
	static const double s3[] = {0.3, 0.3, 0.3, 0.3, 0.3};
	static const int l3[] = {1, 0, 0, 1, 1};
	static const double s4[] = {1.0, 2.0, 3.0, 4.0};
	static const int l4[] = {0, 0, 1, 1};
	static const int l4r[] = {1, 1, 0, 0};
	static const int one[] = {1, 1, 1, 1};

	unit_close(auc_of(s1, l1, 4), 0.75, 1e-12,
			   "metrics: auc of sklearn's example is 0.75");
	unit_close(auc_of(s2, l2, 4), 0.875, 1e-12,
			   "metrics: auc with a tie across classes counts it one half");
	unit_close(auc_of(s3, l3, 5), 0.5, 1e-12,
			   "metrics: auc of all ties is 0.5");
	unit_close(auc_of(s4, l4, 4), 1.0, 1e-12,
			   "metrics: perfect ranking is 1");
	unit_close(auc_of(s4, l4r, 4), 0.0, 1e-12,
			   "metrics: reversed ranking is 0");
	unit_check(isnan(auc_of(s4, one, 4)),
			   "metrics: auc with one class is NaN");
	unit_check(isnan(auc_of(s4, one, 0)),
			   "metrics: auc of no rows is NaN");
}

/* mk_auc against counting every positive-negative pair, with many ties. */
static void
test_auc_brute_force(void)
{
	MkScoredLabel *pairs = mk_alloc(N * sizeof(MkScoredLabel));
	MkRng		rng;
	double		wins = 0.0,
				n_pairs = 0.0;

	mk_rng_seed(&rng, 8);
	for (int i = 0; i < N; i++)
	{
		pairs[i].label = (int32_t) mk_rng_below(&rng, 2);
		pairs[i].score = (double) mk_rng_below(&rng, 20) + pairs[i].label * 3;
	}
	for (int i = 0; i < N; i++)
	{
		for (int j = 0; j < N; j++)
		{
			if (pairs[i].label != 1 || pairs[j].label != 0)
				continue;
			n_pairs += 1.0;
			wins += pairs[i].score > pairs[j].score ? 1.0 :
				(pairs[i].score == pairs[j].score ? 0.5 : 0.0);
		}
	}
	unit_close(mk_auc(pairs, N), wins / n_pairs, 1e-12,
			   "metrics: auc equals the pair count on 500 tied scores");
	mk_free(pairs);
}

/* The log-loss term, its clamping and its label convention. */
static void
test_log_loss_term(void)
{
	unit_close(mk_log_loss_term(0.8, 1), -log(0.8), 1e-12,
			   "metrics: log-loss term of label 1 is -log(p)");
	unit_close(mk_log_loss_term(0.8, 0), -log(0.2), 1e-12,
			   "metrics: log-loss term of label 0 is -log(1 - p)");
	unit_close(mk_log_loss_term(0.0, 1), -log(1e-15), 1e-9,
			   "metrics: log-loss term clamps p = 0 to 1e-15");
	unit_close(mk_log_loss_term(1.0, 0), -log(1e-15), 1e-3,
			   "metrics: log-loss term clamps p = 1 to 1 - 1e-15");
	unit_check(mk_log_loss_term(1.0, 1) >= 0.0 &&
			   mk_log_loss_term(1.0, 1) < 1e-14 &&
			   mk_log_loss_term(-0.5, 0) < 1e-14,
			   "metrics: log-loss term of a sure right answer is ~0");
}

/* Runs the metrics group. */
void
test_metrics(void)
{
	test_auc_known();
	test_auc_brute_force();
	test_log_loss_term();
}
