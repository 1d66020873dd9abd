/*
 * classify.c
 *		Scoring texts with a text classifier: mktai.classify(),
 *		mktai.classify_proba() and mktai.sentiment().
 *
 * The per-query state (score_state.c) pins the deployed model and holds
 * the token and id buffers, which grow to the longest text seen and are
 * then reused, so a row allocates only what tokenizing it needs.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "score_state.h"
#include "scoring.h"
#include "text_features_sql.h"

/*
 * The class probabilities of argument 1 under the text classifier named by
 * argument 0, in label order; ERRORs for another kind of model.
 */
static const float *
ClassifyArgument(FunctionCallInfo fcinfo, ScoreState **statep,
				 const char *function)
{
	ScoreState *state = GetScoreState(fcinfo);
	const MkModel *model = &state->handle->model;
	size_t		n;

	if (model->task != MK_TASK_TEXT_CLASSIFICATION)
		WrongTask(state, function,
				  "Train a model with task text_classification.");
	n = DocumentIds(state->doc, &model->text, PG_GETARG_TEXT_PP(1));
	mk_text_predict(state->probs, &model->text.cfg, model->params,
					state->doc->ids, (int) n, state->doc->n_tokens,
					state->text_scratch);
	*statep = state;
	return state->probs;
}

PG_FUNCTION_INFO_V1(mktai_classify);

/* mktai.classify(model, text): the most probable label. */
Datum
mktai_classify(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *probs = ClassifyArgument(fcinfo, &state, "mktai.classify()");
	const MkTarget *target = &state->handle->model.target;
	int			best = 0;

	for (int k = 1; k < target->n_classes; k++)
		if (probs[k] > probs[best])
			best = k;
	PG_RETURN_TEXT_P(cstring_to_text(target->classes[best]));
}

PG_FUNCTION_INFO_V1(mktai_classify_proba);

/* mktai.classify_proba(model, text): {label: probability, ...}. */
Datum
mktai_classify_proba(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *probs = ClassifyArgument(fcinfo, &state, "mktai.classify_proba()");
	const MkTarget *target = &state->handle->model.target;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int k = 0; k < target->n_classes; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, target->classes[k]);
		appendStringInfo(&buf, ": %.6g", (double) probs[k]);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

PG_FUNCTION_INFO_V1(mktai_sentiment);

/*
 * mktai.sentiment(model, text): 2 p - 1 in [-1, 1], p the probability of
 * the positive class of a binary classifier.
 */
Datum
mktai_sentiment(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *probs = ClassifyArgument(fcinfo, &state, "mktai.sentiment()");
	const MkTarget *target = &state->handle->model.target;

	if (target->n_classes != 2)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("mktai.sentiment() needs a binary model, but \"%s\" has %d classes",
						state->handle->name, target->n_classes),
				 errhint("Use mktai.classify_proba() for a multi-class model.")));
	PG_RETURN_FLOAT8(2.0 * probs[target->positive] - 1.0);
}
