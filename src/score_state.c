/*
 * score_state.c
 *		The per-query state of the scoring functions.
 *
 * The first call of a query pins the deployed model and allocates the
 * feature and activation buffers in fn_extra; every later row only encodes
 * and runs the network, allocating nothing that outlives the row.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "model/encode.h"
#include "scoring.h"
#include "score_state.h"
#include "text_features_sql.h"

/* True when the text Datum name equals the state's model name. */
static bool
SameName(const ScoreState *state, text *name)
{
	return VARSIZE_ANY_EXHDR(name) == VARSIZE_ANY_EXHDR(state->name) &&
		memcmp(VARDATA_ANY(name), VARDATA_ANY(state->name),
			   VARSIZE_ANY_EXHDR(name)) == 0;
}

ScoreState *
GetScoreState(FunctionCallInfo fcinfo)
{
	ScoreState *state = (ScoreState *) fcinfo->flinfo->fn_extra;
	text	   *name = PG_GETARG_TEXT_PP(0);
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	MemoryContext old;
	const MkModel *model;

	if (state != NULL && SameName(state, name))
		return state;

	old = MemoryContextSwitchTo(mcxt);
	state = palloc0(sizeof(ScoreState));
	state->name = (text *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
	state->handle = ModelAcquire(text_to_cstring(name), mcxt);
	model = &state->handle->model;
	state->jsonb_input = get_fn_expr_argtype(fcinfo->flinfo, 1) == JSONBOID;
	state->features = palloc0(sizeof(float) * model->prep.n_features);
	state->outputs = palloc0(sizeof(float) * Max(ModelOutputWidth(model),
												 model->prep.n_features));
	if (model->mlp.n_dense > 0)
		state->acts = mk_mlp_acts_create(&model->mlp, 1);
	if (model->mlp.n_dense > 0 && state->handle->first_weight_t == NULL)
	{
		/* once per cached model version, in its context */
		MemoryContextSwitchTo(state->handle->mcxt);
		state->handle->first_weight_t =
			mk_mlp_first_weight_t(&model->mlp, &state->handle->params);
		MemoryContextSwitchTo(mcxt);
	}
	if (model->task == MK_TASK_SEGMENTATION &&
		model->segments.method == MK_SEGMENT_AUTOENCODER)
	{
		state->decoder_acts = mk_mlp_acts_create(&model->segments.decoder, 1);
		state->groups = palloc(sizeof(MkReconGroup) * 3 * model->prep.n_columns);
		state->n_groups = mk_recon_groups(&model->prep, state->groups);
	}
	if (model->task == MK_TASK_TEXT_CLASSIFICATION)
	{
		state->doc = palloc(sizeof(DocumentBuffers));
		InitDocumentBuffers(state->doc, mcxt);
		state->probs = palloc(sizeof(float) * model->text.cfg.n_classes);
		state->text_scratch = palloc(sizeof(float) *
									 mk_text_scratch_size(&model->text.cfg));
	}
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = state;
	return state;
}

void
EncodeArgument(FunctionCallInfo fcinfo, ScoreState *state)
{
	const MkModel *model = &state->handle->model;

	if (state->jsonb_input)
		EncodeJsonb(model, state->handle->name, PG_GETARG_JSONB_P(1),
					state->features);
	else
		EncodeComposite(&state->encoder, fcinfo->flinfo->fn_mcxt, model,
						state->handle->name, PG_GETARG_HEAPTUPLEHEADER(1),
						state->features);
}

/* "a regression model", "a classification model with 3 classes", ... */
static char *
DescribeModel(const MkModel *model)
{
	switch (model->task)
	{
		case MK_TASK_REGRESSION:
			return "a regression model";
		case MK_TASK_SEGMENTATION:
			return "a segmentation model";
		case MK_TASK_SEQUENCE_CLASSIFICATION:
			return "a sequence classification model";
		case MK_TASK_SEQUENCE_REGRESSION:
			return "a sequence regression model";
		case MK_TASK_FORECAST:
			return "a forecast model";
		case MK_TASK_TEXT_CLASSIFICATION:
			return model->target.n_classes > 2 ?
				psprintf("a text classifier with %d classes",
						 model->target.n_classes) :
				"a binary text classifier";
		default:
			return model->target.n_classes > 2 ?
				psprintf("a classification model with %d classes",
						 model->target.n_classes) :
				"a binary classification model";
	}
}

void
WrongTask(const ScoreState *state, const char *function, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("%s cannot score model \"%s\", %s",
					function, state->handle->name,
					DescribeModel(&state->handle->model)),
			 errhint("%s", hint)));
}
