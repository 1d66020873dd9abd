/*
 * predict.c
 *		Scoring one row: mktai.predict(), predict_proba(), predict_label()
 *		and churn_score(), each taking a row of any type or a jsonb object.
 *
 * The first call of a query pins the deployed model and allocates the
 * feature and activation buffers in fn_extra; every later row only encodes
 * and runs the network, allocating nothing that outlives the row.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "model_cache.h"
#include "row_encode.h"
#include "scoring.h"

typedef struct ScoreState
{
	text	   *name;			/* model name the state was made for */
	ModelHandle *handle;
	bool		jsonb_input;
	RowEncoder *encoder;		/* composite input, bound per row type */
	float	   *features;
	float	   *outputs;
	MkMlpActs  *acts;
} ScoreState;

/* The state for this call site, (re)made when the model name changes. */
static ScoreState *
GetScoreState(FunctionCallInfo fcinfo)
{
	ScoreState *state = (ScoreState *) fcinfo->flinfo->fn_extra;
	text	   *name = PG_GETARG_TEXT_PP(0);
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	MemoryContext old;
	const MkModel *model;

	if (state != NULL && VARSIZE_ANY_EXHDR(name) == VARSIZE_ANY_EXHDR(state->name) &&
		memcmp(VARDATA_ANY(name), VARDATA_ANY(state->name), VARSIZE_ANY_EXHDR(name)) == 0)
		return state;

	old = MemoryContextSwitchTo(mcxt);
	state = palloc0(sizeof(ScoreState));
	state->name = (text *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
	state->handle = ModelAcquire(text_to_cstring(name), mcxt);
	model = &state->handle->model;
	state->jsonb_input = get_fn_expr_argtype(fcinfo->flinfo, 1) == JSONBOID;
	state->features = palloc0(sizeof(float) * model->prep.n_features);
	state->outputs = palloc0(sizeof(float) * ModelOutputWidth(model));
	state->acts = mk_mlp_acts_create(&model->mlp, 1);
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = state;
	return state;
}

/* Encodes argument 1 and runs the model; returns the outputs. */
static const float *
ScoreArgument(FunctionCallInfo fcinfo, ScoreState **statep)
{
	ScoreState *state = GetScoreState(fcinfo);
	const MkModel *model = &state->handle->model;

	if (state->jsonb_input)
		EncodeJsonb(model, state->handle->name, PG_GETARG_JSONB_P(1),
					state->features);
	else
		EncodeComposite(&state->encoder, fcinfo->flinfo->fn_mcxt, model,
						state->handle->name, PG_GETARG_HEAPTUPLEHEADER(1),
						state->features);
	ScoreRows(model, &state->handle->params, state->acts, state->features, 1,
			  state->outputs);
	*statep = state;
	return state->outputs;
}

static void
pg_attribute_noreturn()
WrongTask(const ScoreState *state, const char *function, const char *hint)
{
	const MkModel *model = &state->handle->model;

	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("%s cannot score model \"%s\", a %s model%s",
					function, state->handle->name,
					model->task == MK_TASK_REGRESSION ? "regression" : "classification",
					model->target.n_classes > 2 ? psprintf(" with %d classes",
														   model->target.n_classes) : ""),
			 errhint("%s", hint)));
}

PG_FUNCTION_INFO_V1(mktai_predict);

/* The positive-class probability (binary) or the value (regression). */
Datum
mktai_predict(PG_FUNCTION_ARGS)
{
	ScoreState *state;
	const float *out = ScoreArgument(fcinfo, &state);

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
	const float *out = ScoreArgument(fcinfo, &state);

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
	const float *out = ScoreArgument(fcinfo, &state);
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
	const float *out = ScoreArgument(fcinfo, &state);
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
