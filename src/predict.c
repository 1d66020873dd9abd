/*
 * predict.c
 *		Scoring one row: mktai.predict(), predict_proba(), predict_label()
 *		and churn_score(), each taking a row of any type or a jsonb object.
 *
 * The per-query state (score_state.c) holds the pinned model and buffers.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "score_state.h"
#include "scoring.h"

/*
 * Encodes argument 1 and runs the network; returns the outputs.  Every
 * function here is for supervised models.
 */
static const float *
ScoreArgument(FunctionCallInfo fcinfo, ScoreState **statep, const char *function)
{
	ScoreState *state = GetScoreState(fcinfo);
	const MkModel *model = &state->handle->model;

	if (model->task == MK_TASK_SEGMENTATION)
		WrongTask(state, function,
				  "Use mktai.segment(), mktai.encode() or mktai.reconstruction_error().");
	if (model->task == MK_TASK_FORECAST)
		WrongTask(state, function, "Use mktai.forecast(model, horizon).");
	if (model->task == MK_TASK_TEXT_CLASSIFICATION)
		WrongTask(state, function,
				  "Use mktai.classify(), mktai.classify_proba() or mktai.sentiment() on the text.");
	if (model->rnn.n_layers > 0)
		WrongTask(state, function,
				  "Use the aggregate mktai.predict_sequence(model, row ORDER BY ...).");
	EncodeArgument(fcinfo, state);
	ScoreRow(model, &state->handle->params, state->handle->first_weight_t,
			 state->acts, state->features, state->outputs);
	*statep = state;
	return state->outputs;
}

PG_FUNCTION_INFO_V1(mktai_predict);

/* The positive-class probability (binary) or the value (regression). */
Datum
mktai_predict(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *out = ScoreArgument(fcinfo, &state, "mktai.predict()");

	if (state->handle->model.target.n_classes > 2)
		WrongTask(state, "mktai.predict()",
				  "Use mktai.predict_proba() or mktai.predict_label() for a multi-class model.");
	PG_RETURN_FLOAT8((double) out[0]);
}

PG_FUNCTION_INFO_V1(mktai_churn_score);

/* The probability of the positive class of a binary model. */
Datum
mktai_churn_score(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *out = ScoreArgument(fcinfo, &state, "mktai.churn_score()");

	if (state->handle->model.target.n_classes != 2)
		WrongTask(state, "mktai.churn_score()",
				  "Use a model trained on a binary label, or mktai.predict_proba().");
	PG_RETURN_FLOAT8((double) out[0]);
}

PG_FUNCTION_INFO_V1(mktai_predict_proba);

/* One probability per class, in the model's label order. */
Datum
mktai_predict_proba(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *out = ScoreArgument(fcinfo, &state, "mktai.predict_proba()");
	const MkTarget *target = &state->handle->model.target;
	Datum	   *probs;

	if (state->handle->model.task != MK_TASK_CLASSIFICATION)
		WrongTask(state, "mktai.predict_proba()",
				  "Use mktai.predict() for a regression model.");
	probs = palloc(sizeof(Datum) * target->n_classes);
	if (target->n_classes == 2)
	{
		probs[target->positive] = Float8GetDatum((double) out[0]);
		probs[1 - target->positive] = Float8GetDatum(1.0 - (double) out[0]);
	}
	else
		for (int k = 0; k < target->n_classes; k++)
			probs[k] = Float8GetDatum((double) out[k]);
	PG_RETURN_ARRAYTYPE_P(construct_array(probs, target->n_classes, FLOAT8OID,
										  sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(mktai_predict_label);

/* The most probable label, as text. */
Datum
mktai_predict_label(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *out = ScoreArgument(fcinfo, &state, "mktai.predict_label()");
	const MkTarget *target = &state->handle->model.target;
	int			best = 0;

	if (state->handle->model.task != MK_TASK_CLASSIFICATION)
		WrongTask(state, "mktai.predict_label()",
				  "Use mktai.predict() for a regression model.");
	if (target->n_classes == 2)
		best = out[0] >= 0.5f ? target->positive : 1 - target->positive;
	else
		for (int k = 1; k < target->n_classes; k++)
			if (out[k] > out[best])
				best = k;
	PG_RETURN_TEXT_P(cstring_to_text(target->classes[best]));
}
