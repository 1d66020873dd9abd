/*
 * predict_sequence.c
 *		mktai.predict_sequence(model, event ORDER BY ...): scoring a history
 *		as an ordered aggregate.
 *
 * The transition function feeds each row, in the aggregate's ORDER BY
 * order, through one recurrent step; the state is a bytea holding only the
 * recurrent state (h, and c for an LSTM, of every layer), so a group costs
 * O(hidden) memory however long its history.  The final function runs the
 * head on the last state.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "core/sequence.h"
#include "model_cache.h"
#include "row_encode.h"
#include "scoring.h"

/* The aggregate's state, a bytea. */
typedef struct SequenceState
{
	int32		vl_len_;		/* varlena header */
	int32		version;		/* of the model the state was begun with */
	int32		steps;
	char		model[NAMEDATALEN];
	float		state[FLEXIBLE_ARRAY_MEMBER];	/* mk_rnn_state_size() */
} SequenceState;

/* What a call site keeps across rows: the model and the buffers. */
typedef struct SequenceCache
{
	char		name[NAMEDATALEN];
	int			name_len;
	ModelHandle *handle;
	RowEncoder *encoder;
	float	   *features;
	float	   *scratch;
} SequenceCache;

/* The cache of this call site for model name, made on first use. */
static SequenceCache *
GetSequenceCache(FunctionCallInfo fcinfo, const char *name)
{
	SequenceCache *cache = (SequenceCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	const MkModel *model;
	MkSeqModel	sm;

	if (cache != NULL && strcmp(cache->name, name) == 0)
		return cache;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cache = palloc0(sizeof(SequenceCache));
	strlcpy(cache->name, name, NAMEDATALEN);
	cache->name_len = strlen(cache->name);
	cache->handle = ModelAcquire(name, fcinfo->flinfo->fn_mcxt);
	model = &cache->handle->model;
	if (model->rnn.n_layers == 0 || model->task == MK_TASK_FORECAST)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("mktai.predict_sequence() cannot score model \"%s\", a %s model",
						name, TaskNameOf(model)),
				 model->task == MK_TASK_FORECAST ?
				 errhint("Forecasts come from mktai.forecast().") :
				 errhint("Train it with task sequence_classification or sequence_regression.")));
	sm.rnn = model->rnn;
	sm.head = model->mlp;
	cache->features = palloc0(sizeof(float) * model->prep.n_features);
	cache->scratch = palloc0(sizeof(float) *
							 Max(mk_rnn_step_scratch_size(&model->rnn),
								 mk_seq_head_scratch_size(&sm)));
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = cache;
	return cache;
}

/*
 * The cache for the model named by a text argument: every row of a call
 * site names the same model, so its bytes are compared in place rather
 * than copied into a C string each time.
 */
static SequenceCache *
GetSequenceCacheByText(FunctionCallInfo fcinfo, text *name)
{
	SequenceCache *cache = (SequenceCache *) fcinfo->flinfo->fn_extra;

	if (cache != NULL && VARSIZE_ANY_EXHDR(name) == cache->name_len &&
		memcmp(VARDATA_ANY(name), cache->name, cache->name_len) == 0)
		return cache;
	return GetSequenceCache(fcinfo, text_to_cstring(name));
}

PG_FUNCTION_INFO_V1(mktai_predict_sequence_step);

/* Transition: one row of the history, in order, through one recurrent step. */
Datum
mktai_predict_sequence_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SequenceState *st = PG_ARGISNULL(0) ? NULL : (SequenceState *) PG_GETARG_BYTEA_P(0);
	SequenceCache *cache;
	const MkModel *model;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "mktai_predict_sequence_step called in non-aggregate context");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(st);
	}
	cache = GetSequenceCacheByText(fcinfo, PG_GETARG_TEXT_PP(1));
	model = &cache->handle->model;
	if (st == NULL)
	{
		Size		size = offsetof(SequenceState, state) +
			sizeof(float) * mk_rnn_state_size(&model->rnn);

		st = MemoryContextAllocZero(aggcxt, size);
		SET_VARSIZE(st, size);
		st->version = cache->handle->version;
		strlcpy(st->model, cache->name, NAMEDATALEN);
	}
	EncodeComposite(&cache->encoder, fcinfo->flinfo->fn_mcxt, model,
					cache->name, PG_GETARG_HEAPTUPLEHEADER(2), cache->features);
	mk_rnn_step(&model->rnn, &cache->handle->rnn_params, st->state,
				cache->features, cache->scratch);
	st->steps++;
	PG_RETURN_BYTEA_P(st);
}

PG_FUNCTION_INFO_V1(mktai_predict_sequence_final);

/* Final: the head on the last state: a probability or a value. */
Datum
mktai_predict_sequence_final(PG_FUNCTION_ARGS)
{
	SequenceState *st = (SequenceState *) PG_GETARG_BYTEA_P(0);
	SequenceCache *cache;
	const MkModel *model;
	MkSeqModel	sm;
	float		logits[1];
	float		out[1];

	if (VARSIZE(st) < offsetof(SequenceState, state) ||
		memchr(st->model, '\0', NAMEDATALEN) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid predict_sequence state")));
	cache = GetSequenceCache(fcinfo, st->model);
	model = &cache->handle->model;
	if (cache->handle->version != st->version ||
		VARSIZE(st) != offsetof(SequenceState, state) +
		sizeof(float) * mk_rnn_state_size(&model->rnn))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" changed while the query ran", st->model),
				 errhint("Run the query again.")));
	if (ModelOutputWidth(model) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("mktai.predict_sequence() cannot score model \"%s\", which has %d classes",
						st->model, model->target.n_classes),
				 errhint("predict_sequence gives one number: train on a binary label or a value.")));
	sm.rnn = model->rnn;
	sm.head = model->mlp;
	mk_seq_head(&sm, model->params, st->state, cache->scratch, logits);
	FinishOutput(model, logits, out);
	PG_RETURN_FLOAT8((double) out[0]);
}

PG_FUNCTION_INFO_V1(mktai_predict_sequence_combine);

/*
 * Combine: never right.  A history must meet the model in order, and
 * PostgreSQL splits an aggregate among parallel workers only when it is
 * called without ORDER BY, which for this one is a mistake worth naming.
 */
Datum
mktai_predict_sequence_combine(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("mktai.predict_sequence() cannot merge parts of histories"),
			 errhint("Call it with the order of the history: predict_sequence(model, e ORDER BY e.month).")));
	PG_RETURN_NULL();
}
