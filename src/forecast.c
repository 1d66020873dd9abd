/*
 * forecast.c
 *		mktai.forecast(): continuing every series of a relation from the end
 *		of its history with a forecast model.
 *
 * The relation is read as training reads it (train_data.c, in the
 * caller's rights), its rows encoded with the model's input pipeline, and
 * each series' last context rows become one window (mk_forecast_window);
 * one forward pass gives every series' next horizon values, to which the
 * model's per-step residual quantiles add the interval.  Rows come back
 * through a tuplestore, series by series, step by step.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "core/mk_alloc.h"
#include "core/sequence.h"
#include "model/encode.h"
#include "model_cache.h"
#include "scoring.h"
#include "train_common.h"
#include "train_data.h"

/* The relation a model was trained on, from its stored spec. */
static Oid
TrainingRelation(const MkModel *model, const char *name)
{
	Jsonb	   *spec = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
														  CStringGetDatum(model->spec_json)));
	JsonbValue	key;
	JsonbValue *v;

	key.type = jbvString;
	key.val.string.val = "relation";
	key.val.string.len = strlen("relation");
	v = findJsonbValueFromContainer(&spec->root, JB_FOBJECT, &key);
	if (v == NULL || v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" does not name the relation it was trained on",
						name),
				 errhint("Pass the relation holding the series' history.")));
	return DatumGetObjectId(DirectFunctionCall1(regclassin,
												CStringGetDatum(pnstrdup(v->val.string.val,
																		 v->val.string.len))));
}

/*
 * Reads the series of relid with the columns the model knows, checking
 * that each covariate is still of the kind it was trained on.
 */
static RawTable *
ReadSeries(const MkModel *model, Oid relid)
{
	const MkPrep *prep = &model->prep;
	const MkForecast *fc = &model->forecast;
	List	   *features = NIL;
	List	   *exclude = NIL;
	RawTable   *table;

	for (int c = 0; c < prep->n_columns; c++)
		features = lappend(features, prep->columns[c].name);
	if (features == NIL)
	{
		/* no covariates: leave every column out, the reader keeps its own */
		Relation	rel = relation_open(relid, AccessShareLock);
		TupleDesc	desc = RelationGetDescr(rel);

		for (int i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				exclude = lappend(exclude,
								  pstrdup(NameStr(TupleDescAttr(desc, i)->attname)));
		relation_close(rel, NoLock);
	}
	table = ReadTrainingData(relid, model->target.name, TARGET_SERIES,
							 features, exclude,
							 fc->series[0] != '\0' ? fc->series : NULL,
							 fc->order, InvalidOid, false);
	for (int c = 0; c < prep->n_columns; c++)
		if (table->features[c].kind != prep->columns[c].kind)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" was %s in training, but is not now",
							prep->columns[c].name,
							prep->columns[c].kind == MK_COLUMN_NUMERIC ?
							"a number" : "a category")));
	return table;
}

/* The model's category index of every dictionary code of table's columns. */
static CategoryMap *
MapCategories(const MkPrep *prep, const RawTable *table)
{
	CategoryMap *maps = palloc0(sizeof(CategoryMap) * Max(prep->n_columns, 1));

	for (int c = 0; c < prep->n_columns; c++)
	{
		const RawColumn *raw = &table->features[c];

		if (raw->kind != MK_COLUMN_CATEGORICAL)
			continue;
		maps[c].index_of_code = palloc(sizeof(int32) * Max(raw->n_codes, 1));
		for (int k = 0; k < raw->n_codes; k++)
			maps[c].index_of_code[k] = mk_category_index(&prep->columns[c],
														 raw->texts[k]);
	}
	return maps;
}

/*
 * Scores the last window of every series of table: out[n_series, horizon]
 * scaled predictions, scale[n_series] and spread[n_series] the windows'
 * scales and spreads.
 */
static void
ScoreSeries(const MkModel *model, const RawTable *table, float *out,
			double *scale, double *spread)
{
	const RawSequences *seq = table->seq;
	int			F = model->prep.n_features;
	int			C = F + 1;
	int			T = 1;
	float	   *features = NULL;
	MkSeqDataset d;
	MkSeqModel	sm;
	float	   *x;
	int32	   *lengths = palloc(sizeof(int32) * seq->n);

	for (int s = 0; s < seq->n; s++)
	{
		lengths[s] = Min(seq->start[s + 1] - seq->start[s], model->forecast.context);
		T = Max(T, lengths[s]);
	}
	if (F > 0)
	{
		Split		in_order;

		in_order.rows = palloc_extended(sizeof(int32) * table->n_rows, MCXT_ALLOC_HUGE);
		for (int r = 0; r < table->n_rows; r++)
			in_order.rows[r] = r;
		in_order.n_train = table->n_rows;
		in_order.n_valid = 0;
		features = EncodeRows(&model->prep, MapCategories(&model->prep, table),
							  table, &in_order);
	}
	x = mk_alloc(mk_mul_size(mk_mul_size((size_t) seq->n * T, C), sizeof(float)));
	memset(x, 0, (size_t) seq->n * T * C * sizeof(float));
	for (int s = 0; s < seq->n; s++)
	{
		int			from = seq->start[s + 1] - lengths[s];

		scale[s] = mk_forecast_window(table->target.numbers + from,
									  F > 0 ? features + (size_t) from * F : NULL,
									  lengths[s], F, x + (size_t) s * T * C);
		spread[s] = mk_forecast_spread(x + (size_t) s * T * C, lengths[s], C);
	}
	memset(&d, 0, sizeof(d));
	d.x = x;
	d.lengths = lengths;
	d.n = seq->n;
	d.T = T;
	d.C = C;
	sm.rnn = model->rnn;
	sm.head = model->mlp;
	mk_seq_score(&sm, model->params, &d, out);
}

/* A materialising set-returning call's tuplestore, or an ERROR. */
static Tuplestorestate *
BeginResult(FunctionCallInfo fcinfo, TupleDesc *desc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*desc = CreateTupleDescCopy(*desc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(old);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = *desc;
	return store;
}

PG_FUNCTION_INFO_V1(mktai_forecast);

/*
 * mktai.forecast(model, horizon, relation): (series, step, value, lower,
 * upper) for the next horizon steps of every series of relation (by
 * default the one the model was trained on).
 */
Datum
mktai_forecast(PG_FUNCTION_ARGS)
{
	char	   *name;
	int32		horizon;
	ModelHandle *handle;
	const MkModel *model;
	const MkForecast *fc;
	RawTable   *table;
	Tuplestorestate *store;
	TupleDesc	desc;
	float	   *out;
	double	   *scale;
	double	   *spread;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name and horizon must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	horizon = PG_GETARG_INT32(1);
	handle = ModelAcquire(name, CurrentMemoryContext);
	model = &handle->model;
	fc = &model->forecast;
	if (model->task != MK_TASK_FORECAST)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("mktai.forecast() cannot use model \"%s\", a %s model",
						name, TaskNameOf(model)),
				 errhint("Train it with task forecast.")));
	if (horizon < 1 || horizon > fc->horizon)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon %d is out of range for model \"%s\"", horizon, name),
				 errdetail("The model forecasts 1 to %d steps ahead.", fc->horizon),
				 errhint("Retrain with a larger \"horizon\" option.")));

	table = ReadSeries(model, PG_ARGISNULL(2) ? TrainingRelation(model, name) :
					   PG_GETARG_OID(2));
	out = mk_alloc(mk_mul_size(mk_mul_size(table->seq->n, fc->horizon), sizeof(float)));
	scale = palloc(sizeof(double) * table->seq->n);
	spread = palloc(sizeof(double) * table->seq->n);
	ScoreSeries(model, table, out, scale, spread);

	store = BeginResult(fcinfo, &desc);
	for (int s = 0; s < table->seq->n; s++)
		for (int h = 0; h < horizon; h++)
		{
			double		p = out[(size_t) s * fc->horizon + h];
			Datum		values[5];
			bool		nulls[5] = {fc->series[0] == '\0', false, false, false, false};

			values[0] = nulls[0] ? (Datum) 0 : CStringGetTextDatum(table->seq->keys[s]);
			values[1] = Int32GetDatum(h + 1);
			values[2] = Float8GetDatum(p * scale[s]);
			values[3] = Float8GetDatum((p + fc->lower[h] * spread[s]) * scale[s]);
			values[4] = Float8GetDatum((p + fc->upper[h] * spread[s]) * scale[s]);
			tuplestore_putvalues(store, desc, values, nulls);
		}
	return (Datum) 0;
}
