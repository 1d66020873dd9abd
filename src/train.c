/*
 * train.c
 *		SQL entry points that create model versions: mktai.train(),
 *		mktai.retrain() and mktai.import_model().
 *
 * Training runs in a memory context of its own, freed on the way out; the
 * new version is inserted in the caller's transaction only once the model
 * has passed its checks, so a failure or a cancel leaves nothing behind.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"

#include "model/model.h"
#include "model_cache.h"
#include "options.h"
#include "registry.h"
#include "spi_scan.h"
#include "train_data.h"
#include "train_segment.h"
#include "train_forecast.h"
#include "train_sequence.h"
#include "train_tabular.h"
#include "train_text.h"

/* A task by name, or an ERROR listing the known ones. */
static MkTask
ParseTask(const char *name)
{
	if (strcmp(name, "classification") == 0)
		return MK_TASK_CLASSIFICATION;
	if (strcmp(name, "regression") == 0)
		return MK_TASK_REGRESSION;
	if (strcmp(name, "segmentation") == 0)
		return MK_TASK_SEGMENTATION;
	if (strcmp(name, "sequence_classification") == 0)
		return MK_TASK_SEQUENCE_CLASSIFICATION;
	if (strcmp(name, "sequence_regression") == 0)
		return MK_TASK_SEQUENCE_REGRESSION;
	if (strcmp(name, "forecast") == 0)
		return MK_TASK_FORECAST;
	if (strcmp(name, "text_classification") == 0)
		return MK_TASK_TEXT_CLASSIFICATION;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown task \"%s\"", name),
			 errhint("Valid tasks are %s.", "classification, regression, segmentation, "
					 "sequence_classification, sequence_regression, forecast and text_classification")));
}



/* PostgreSQL 16 gave stringToQualifiedNameList a soft-error context. */
static List *
QualifiedNameList(const char *name)
{
#if PG_VERSION_NUM >= 160000
	return stringToQualifiedNameList(name, NULL);
#else
	return stringToQualifiedNameList(name);
#endif
}

/* How a task reads its target column. */
static TargetUse
TargetUseOf(MkTask task)
{
	switch (task)
	{
		case MK_TASK_CLASSIFICATION:
		case MK_TASK_SEQUENCE_CLASSIFICATION:
		case MK_TASK_TEXT_CLASSIFICATION:
			return TARGET_CLASSES;
		case MK_TASK_REGRESSION:
		case MK_TASK_SEQUENCE_REGRESSION:
			return TARGET_NUMBERS;
		case MK_TASK_FORECAST:
			return TARGET_SERIES;
		default:
			return TARGET_NONE;
	}
}

/* The spec stored with a version: enough to train it again. */
static char *
BuildSpec(const char *task, Oid relid, const char *target,
		  const TrainOptions *opts)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"task\": ");
	escape_json(&buf, task);
	appendStringInfoString(&buf, ", \"relation\": ");
	escape_json(&buf, QualifiedRelationName(relid));
	appendStringInfoString(&buf, ", \"target\": ");
	if (target == NULL)
		appendStringInfoString(&buf, "null");
	else
		escape_json(&buf, target);
	appendStringInfo(&buf, ", \"options\": %s}", TrainOptionsToJson(opts));
	return buf.data;
}

static bytea *
ModelToBytea(const MkModel *model)
{
	const char *problem = mk_model_check(model);
	size_t		len;
	uint8_t    *bytes;
	bytea	   *result;

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("training produced an unusable model: %s", problem),
				 errhint("Training may have diverged; try a lower \"learning_rate\".")));
	bytes = mk_model_write(model, &len);
	if (bytes == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the trained model is too large to store"),
				 errhint("Use fewer or narrower hidden layers, or fewer categories.")));
	result = palloc_extended(VARHDRSZ + len, MCXT_ALLOC_HUGE);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), bytes, len);
	return result;
}

/* The (model, version, metrics) row every creating function returns. */
static Datum
ResultRow(FunctionCallInfo fcinfo, const char *name, int32 version,
		  const char *metrics_json)
{
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	values[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics_json));
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}

/*
 * Trains a version of name and stores it; deploy < 0 leaves the choice to
 * the "deploy" option.
 */
static Datum
TrainAndStore(FunctionCallInfo fcinfo, const char *name, const char *task_name,
			  Oid relid, const char *target, Jsonb *options, int deploy)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext train_cxt = AllocSetContextCreate(caller, "mktai training",
													ALLOCSET_DEFAULT_SIZES);
	MkTask		task;
	TrainOptions opts;
	RawTable   *table;
	MkModel		model;
	StringInfoData metrics;
	char	   *spec;
	int32		version;
	Datum		result;
	Oid			labels = InvalidOid;

	CheckModelName(name);
	task = ParseTask(task_name);
	if (target == NULL && task != MK_TASK_SEGMENTATION)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("task \"%s\" needs a target column", task_name)));
	if (target != NULL && task == MK_TASK_SEGMENTATION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segmentation takes no target column, but \"%s\" was given",
						target),
				 errhint("Pass NULL as the target; segment_profiles() shows how segments differ.")));

	MemoryContextSwitchTo(train_cxt);
	ParseTrainOptions(options, task, &opts);
	if (deploy >= 0)
		opts.deploy = (deploy != 0);
	if (opts.labels != NULL)
	{
		labels = RangeVarGetRelid(makeRangeVarFromNameList(QualifiedNameList(opts.labels)),
								  AccessShareLock, false);
		opts.labels = QualifiedRelationName(labels);	/* as the spec keeps it */
	}
	if (task == MK_TASK_TEXT_CLASSIFICATION)
		opts.features = list_make1(opts.text);	/* its one input */
	table = ReadTrainingData(relid, target, TargetUseOf(task),
							 opts.features, opts.exclude,
							 task == MK_TASK_FORECAST ? opts.series : opts.entity,
							 opts.order, labels,
							 task == MK_TASK_TEXT_CLASSIFICATION);
	memset(&model, 0, sizeof(model));
	initStringInfo(&metrics);
	if (task == MK_TASK_SEGMENTATION)
		TrainSegmentation(&model, &metrics, table, &opts);
	else if (task == MK_TASK_SEQUENCE_CLASSIFICATION ||
			 task == MK_TASK_SEQUENCE_REGRESSION)
		TrainSequences(&model, &metrics, table, &opts, task);
	else if (task == MK_TASK_FORECAST)
		TrainForecast(&model, &metrics, table, &opts);
	else if (task == MK_TASK_TEXT_CLASSIFICATION)
		TrainText(&model, &metrics, table, &opts);
	else
		TrainTabular(&model, &metrics, table, &opts, task);
	spec = BuildSpec(TaskName(task), relid, target, &opts);
	model.spec_json = spec;
	model.metrics_json = metrics.data;
	version = RegistryInsert(name, TaskName(task), spec, metrics.data,
							 ModelToBytea(&model), opts.deploy);

	MemoryContextSwitchTo(caller);
	result = ResultRow(fcinfo, name, version, metrics.data);
	MemoryContextDelete(train_cxt);
	return result;
}

PG_FUNCTION_INFO_V1(mktai_train);

/* mktai.train(name, task, relation, target, options) */
Datum
mktai_train(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name, task and relation must not be NULL")));

	return TrainAndStore(fcinfo,
						 text_to_cstring(PG_GETARG_TEXT_PP(0)),
						 text_to_cstring(PG_GETARG_TEXT_PP(1)),
						 PG_GETARG_OID(2),
						 PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)),
						 PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4),
						 -1);
}

/* A member of a stored spec; NULL when absent or JSON null. */
static JsonbValue *
SpecMember(Jsonb *spec, const char *key)
{
	JsonbValue	k;
	JsonbValue *v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&spec->root, JB_FOBJECT, &k);
	return (v == NULL || v->type == jbvNull) ? NULL : v;
}

static char *
SpecText(Jsonb *spec, const char *key, const char *name)
{
	JsonbValue *v = SpecMember(spec, key);

	if (v == NULL)
		return NULL;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("stored spec of model \"%s\" has a malformed \"%s\"",
						name, key)));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

PG_FUNCTION_INFO_V1(mktai_retrain);

/*
 * mktai.retrain(name, deploy): trains a new version with the spec of the
 * newest one, on the relation's current rows.
 */
Datum
mktai_retrain(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		deploy = PG_GETARG_BOOL(1);
	Jsonb	   *spec = RegistryLatestSpec(name);
	char	   *task = SpecText(spec, "task", name);
	char	   *relation = SpecText(spec, "relation", name);
	JsonbValue *options = SpecMember(spec, "options");
	Oid			relid;

	if (task == NULL || relation == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no training spec to replay", name),
				 errdetail("Its newest version was imported, not trained here.")));
	relid = RangeVarGetRelid(makeRangeVarFromNameList(QualifiedNameList(relation)),
							 AccessShareLock, false);
	return TrainAndStore(fcinfo, name, task, relid,
						 SpecText(spec, "target", name),
						 options ? JsonbValueToJsonb(options) : NULL,
						 deploy ? 1 : 0);
}

/* ERRORs unless every text an imported model carries is valid here. */
static void
CheckModelEncoding(const MkModel *model)
{
	const char *texts[2] = {model->spec_json, model->metrics_json};
	const MkPrep *prep = &model->prep;
	const MkTarget *target = &model->target;

	for (int i = 0; i < 2; i++)
		(void) pg_verifymbstr(texts[i], strlen(texts[i]), false);
	(void) pg_verifymbstr(target->name, strlen(target->name), false);
	if (model->task == MK_TASK_TEXT_CLASSIFICATION)
		(void) pg_verifymbstr(model->text.column, strlen(model->text.column),
							  false);
	if (model->task == MK_TASK_FORECAST)
	{
		(void) pg_verifymbstr(model->forecast.series,
							  strlen(model->forecast.series), false);
		(void) pg_verifymbstr(model->forecast.order,
							  strlen(model->forecast.order), false);
	}
	for (int k = 0; k < target->n_classes; k++)
		(void) pg_verifymbstr(target->classes[k], strlen(target->classes[k]), false);
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MkColumn *col = &prep->columns[c];

		(void) pg_verifymbstr(col->name, strlen(col->name), false);
		for (int k = 0; k < col->n_categories; k++)
			(void) pg_verifymbstr(col->categories[k], strlen(col->categories[k]), false);
	}
}

PG_FUNCTION_INFO_V1(mktai_import_model);

/* mktai.import_model(name, data, deploy): stores exported bytes as a version. */
Datum
mktai_import_model(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bytea	   *data = PG_GETARG_BYTEA_P(1);
	bool		deploy = PG_GETARG_BOOL(2);
	ModelHandle *handle;
	int32		version;

	CheckModelName(name);
	handle = ModelDecode(data, "the imported data",
						 ERRCODE_INVALID_BINARY_REPRESENTATION,
						 "Import the bytes mktai.export_model() returned, complete and unchanged.");
	CheckModelEncoding(&handle->model);
	version = RegistryInsert(name, TaskName(handle->model.task),
							 handle->model.spec_json,
							 handle->model.metrics_json, data, deploy);
	return ResultRow(fcinfo, name, version, handle->model.metrics_json);
}
