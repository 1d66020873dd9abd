/*
 * train_common.h
 *		What every kind of training shares: the seeded split, the input
 *		pipeline learned from the training rows, encoding, and progress.
 */
#ifndef MKTAI_TRAIN_COMMON_H
#define MKTAI_TRAIN_COMMON_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "core/fit.h"
#include "model/model.h"
#include "options.h"
#include "train_data.h"

/* Rows in training order: the first n_train are trained on, the rest validate. */
typedef struct Split
{
	int32	   *rows;
	int			n_train;
	int			n_valid;
} Split;

/* Per categorical column: dictionary code -> category index, or -1. */
typedef struct CategoryMap
{
	int32	   *index_of_code;
} CategoryMap;

/* What the progress NOTICEs need. */
typedef struct Progress
{
	TimestampTz start;
	int			epochs;
	const char *metric;
} Progress;

/* Shuffles the row numbers 0 .. n-1 with seed and splits off the validation part. */
extern Split SplitRows(int n, double validation_fraction, uint64 seed);

/*
 * Learns every feature column's encoding from the training rows of split;
 * maps[] receives, per categorical column, its codes' category indexes.
 */
extern void LearnPrep(MkPrep *prep, CategoryMap *maps, const RawTable *table,
					  const Split *split, const TrainOptions *opts);

/* Encodes every row, in split order, into x[n_rows, n_features]. */
extern float *EncodeRows(const MkPrep *prep, const CategoryMap *maps,
						 const RawTable *table, const Split *split);

/* The core's fit options from the training options. */
extern MkFitOptions FitOptions(const TrainOptions *opts, MkLossKind loss);

/* Hooks that check for interrupts per batch and report each epoch. */
extern void InitProgress(MkFitHooks *hooks, Progress *progress, int epochs,
						 const char *metric);

/* Appends the learning curves as a "curve" member. */
extern void AppendCurve(StringInfo buf, const MkFitResult *fit,
						const char *metric);

/* strcmp order of two char * elements, for qsort. */
extern int	CompareText(const void *a, const void *b);

#endif							/* MKTAI_TRAIN_COMMON_H */
