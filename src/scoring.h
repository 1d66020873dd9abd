/*
 * scoring.h
 *		Running encoded rows through a model, and the metrics of the result.
 *
 * Shared by training (validation metrics), mktai.evaluate() and the
 * per-row scoring functions, so that all three read outputs the same way.
 */
#ifndef MKTAI_SCORING_H
#define MKTAI_SCORING_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "core/mlp.h"
#include "model/model.h"

/* True for models whose output is a value rather than class probabilities. */
static inline bool
ModelPredictsValue(const MkModel *model)
{
	return model->task == MK_TASK_REGRESSION ||
		model->task == MK_TASK_SEQUENCE_REGRESSION;
}

/* The SQL name of a model's task, for messages. */
extern const char *TaskNameOf(const MkModel *model);

/* Turns one row's network outputs (logits) into probabilities or a value. */
extern void FinishOutput(const MkModel *model, const float *logits, float *out);

/*
 * Floats of output per row: n_classes for multi-class, horizon for a
 * forecast, else 1.
 */
extern int	ModelOutputWidth(const MkModel *model);

/*
 * Scores n rows of x[n, n_features] in chunks of acts->max_batch: writes,
 * per row, the probability of the positive class (binary), the class
 * probabilities (multi-class) or the value (regression).
 */
extern void ScoreRows(const MkModel *model, const MkMlpParams *params,
					  MkMlpActs *acts, const float *x, int n, float *out);

/*
 * ScoreRows() of one row, by mk_mlp_forward_row(): first_weight_t is the
 * network's first layer transposed.
 */
extern void ScoreRow(const MkModel *model, const MkMlpParams *params,
					 const float *first_weight_t, MkMlpActs *acts,
					 const float *x, float *out);

/*
 * Appends the metrics of outputs against the truth as JSON members
 * (without braces): classes[i] is the class index of row i
 * (classification), values[i] the true value (regression).
 */
extern void AppendMetrics(StringInfo buf, const MkModel *model,
						  const float *outputs, const int32 *classes,
						  const double *values, int n);

/* Appends "name": value, writing null for NaN or infinity. */
extern void AppendJsonNumber(StringInfo buf, const char *name, double value);

#endif							/* MKTAI_SCORING_H */
