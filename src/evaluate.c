/*
 * evaluate.c
 *		mktai.evaluate(name, relation): the deployed model's metrics on any
 *		labelled relation.
 *
 * Rows stream through a cursor in batches; each batch is encoded and scored
 * at once, and only the outputs and the truth are kept for the metrics.
 * A text classifier's rows are scored one document at a time instead, each
 * in a memory context reset after it, and a NULL document counts as an
 * empty one, as in training.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "model/encode.h"
#include "model_cache.h"
#include "row_encode.h"
#include "scoring.h"
#include "spi_scan.h"
#include "text_features_sql.h"

#define EVAL_BATCH 1024

typedef struct Truth
{
	int			attindex;		/* of the target in the scanned rows */
	ValueSource source;
	FmgrInfo	output;
} Truth;

/* A text classifier's documents: the column and the per-row buffers. */
typedef struct Documents
{
	int			attindex;		/* of the text in the scanned rows */
	ValueSource source;
	FmgrInfo	output;			/* for a categorical type other than text */
	DocumentBuffers buf;
	float	   *probs;
	float	   *scratch;
	MemoryContext row_cxt;		/* reset after each document */
} Documents;

typedef struct Evaluation
{
	const char *relname;		/* for messages */
	ModelHandle *handle;
	RowEncoder *encoder;
	Documents  *docs;			/* text classifiers only */
	Truth		truth;
	MkMlpActs  *acts;
	float	   *batch;			/* EVAL_BATCH rows of features */
	float	   *outputs;		/* grows with the rows kept */
	int32	   *classes;
	double	   *values;
	int			n;
	int			capacity;
	int64		skipped;
} Evaluation;

/*
 * Whether a target column of this kind and source fits the task: numbers
 * for regression; for classes, labels as training reads them (booleans,
 * integers, text and other categorical types).
 */
static bool
TruthFits(MkTask task, MkColumnKind kind, ValueSource source)
{
	if (kind == 0)
		return false;
	if (task == MK_TASK_REGRESSION)
		return kind == MK_COLUMN_NUMERIC;
	return kind == MK_COLUMN_CATEGORICAL || source == SRC_INT2 ||
		source == SRC_INT4 || source == SRC_INT8;
}

static void
BindTruth(Evaluation *ev, TupleDesc desc)
{
	const MkTarget *target = &ev->handle->model.target;
	MkColumnKind kind;
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), target->name) == 0)
			break;
	if (i == desc->natts)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("relation \"%s\" has no target column \"%s\"",
						ev->relname, target->name),
				 errhint("Evaluate on a relation holding the model's target column.")));
	ev->truth.attindex = i;
	kind = FeatureKindOfType(TupleDescAttr(desc, i)->atttypid, &ev->truth.source);
	if (!TruthFits(ev->handle->model.task, kind, ev->truth.source))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target column \"%s\" is of type %s, which does not fit model \"%s\"",
						target->name, format_type_be(TupleDescAttr(desc, i)->atttypid),
						ev->handle->name),
				 ev->handle->model.task == MK_TASK_REGRESSION ?
				 errhint("A regression model is evaluated on a numeric target.") :
				 errhint("A classifier is evaluated on boolean, integer or text labels.")));
	if (ev->handle->model.task != MK_TASK_REGRESSION &&
		ev->truth.source != SRC_BOOL && ev->truth.source != SRC_TEXT)
	{
		Oid			outfn;
		bool		varlena;

		getTypeOutputInfo(TupleDescAttr(desc, i)->atttypid, &outfn, &varlena);
		fmgr_info(outfn, &ev->truth.output);
		ev->truth.source = SRC_OUTPUT;
	}
}

static int32
ClassIndex(const Evaluation *ev, const char *label)
{
	const MkTarget *target = &ev->handle->model.target;

	for (int k = 0; k < target->n_classes; k++)
		if (strcmp(target->classes[k], label) == 0)
			return k;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("label \"%s\" was not seen in training of model \"%s\"",
					label, ev->handle->name),
			 errhint("Evaluate on rows whose labels the model knows.")));
}

/* Keeps the truth of one row; false when its target is NULL. */
static bool
KeepTruth(Evaluation *ev, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, ev->truth.attindex + 1, desc, &isnull);
	const char *name = ev->handle->model.target.name;

	if (isnull)
		return false;
	if (ev->n == ev->capacity)
	{
		ev->capacity *= 2;
		ev->outputs = repalloc_huge(ev->outputs, sizeof(float) * ev->capacity *
									ModelOutputWidth(&ev->handle->model));
		ev->classes = repalloc_huge(ev->classes, sizeof(int32) * ev->capacity);
		ev->values = repalloc_huge(ev->values, sizeof(double) * ev->capacity);
	}
	if (ev->handle->model.task == MK_TASK_REGRESSION)
		ev->values[ev->n] = NumberFromDatum(value, ev->truth.source, name);
	else
	{
		char	   *label = CategoryFromDatum(value, ev->truth.source,
											  &ev->truth.output);

		ev->classes[ev->n] = ClassIndex(ev, label);
		if (ev->truth.source != SRC_BOOL)
			pfree(label);
	}
	return true;
}

/* Finds the text classifier's document column in the scanned rows. */
static void
BindDocuments(Evaluation *ev, TupleDesc desc)
{
	const MkModel *model = &ev->handle->model;
	Documents  *docs = palloc0(sizeof(Documents));
	const char *column = model->text.column;
	Oid			typid;
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), column) == 0)
			break;
	if (i == desc->natts)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("relation \"%s\" has no text column \"%s\"",
						ev->relname, column),
				 errhint("Evaluate on a relation holding the column model \"%s\" was trained on.",
						 ev->handle->name)));
	typid = TupleDescAttr(desc, i)->atttypid;
	if (FeatureKindOfType(typid, &docs->source) != MK_COLUMN_CATEGORICAL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("text column \"%s\" is of type %s", column,
						format_type_be(typid)),
				 errhint("Cast it to text in a view.")));
	if (docs->source != SRC_TEXT)
	{
		Oid			outfn;
		bool		varlena;

		getTypeOutputInfo(typid, &outfn, &varlena);
		fmgr_info(outfn, &docs->output);
	}
	docs->attindex = i;
	InitDocumentBuffers(&docs->buf, CurrentMemoryContext);
	docs->probs = palloc(sizeof(float) * model->text.cfg.n_classes);
	docs->scratch = palloc(sizeof(float) * mk_text_scratch_size(&model->text.cfg));
	docs->row_cxt = AllocSetContextCreate(CurrentMemoryContext,
										  "mktai evaluated document",
										  ALLOCSET_DEFAULT_SIZES);
	ev->docs = docs;
}

/*
 * Scores the document of one row into out: the positive class's
 * probability (binary) or every class's.  A NULL document has no features.
 */
static void
ScoreDocument(Evaluation *ev, HeapTuple tuple, TupleDesc desc, float *out)
{
	const MkModel *model = &ev->handle->model;
	Documents  *docs = ev->docs;
	MemoryContext old = MemoryContextSwitchTo(docs->row_cxt);
	bool		isnull;
	Datum		value = heap_getattr(tuple, docs->attindex + 1, desc, &isnull);
	size_t		n = 0;
	int			n_tokens = 0;

	if (!isnull)
	{
		n = DocumentIds(&docs->buf, &model->text,
						docs->source == SRC_TEXT ? DatumGetTextPP(value) :
						cstring_to_text(CategoryFromDatum(value, docs->source,
														  &docs->output)));
		n_tokens = docs->buf.n_tokens;
	}
	mk_text_predict(docs->probs, &model->text.cfg, model->params,
					docs->buf.ids, (int) n, n_tokens, docs->scratch);
	if (ModelOutputWidth(model) == 1)
		out[0] = docs->probs[model->target.positive];
	else
		memcpy(out, docs->probs, sizeof(float) * model->target.n_classes);
	MemoryContextSwitchTo(old);
	MemoryContextReset(docs->row_cxt);
}

/* Scores one fetched batch of a text classifier (a BatchConsumer). */
static void
ScoreDocumentBatch(void *arg, SPITupleTable *tuptable, uint64 count)
{
	Evaluation *ev = (Evaluation *) arg;
	int			width = ModelOutputWidth(&ev->handle->model);

	if (ev->docs == NULL)
	{
		BindDocuments(ev, tuptable->tupdesc);
		BindTruth(ev, tuptable->tupdesc);
	}
	for (uint64 r = 0; r < count; r++)
	{
		if (!KeepTruth(ev, tuptable->vals[r], tuptable->tupdesc))
		{
			ev->skipped++;
			continue;
		}
		ScoreDocument(ev, tuptable->vals[r], tuptable->tupdesc,
					  ev->outputs + (size_t) ev->n * width);
		ev->n++;
		CHECK_FOR_INTERRUPTS();	/* a document may be long */
	}
}

/* Scores one fetched batch (a BatchConsumer). */
static void
ScoreBatch(void *arg, SPITupleTable *tuptable, uint64 count)
{
	Evaluation *ev = (Evaluation *) arg;
	const MkModel *model = &ev->handle->model;
	int			width = ModelOutputWidth(model);
	int			first = ev->n;
	int			b = 0;

	if (ev->encoder == NULL)
	{
		ev->encoder = RowEncoderCreate(model, tuptable->tupdesc, ev->handle->name);
		BindTruth(ev, tuptable->tupdesc);
	}
	for (uint64 r = 0; r < count; r++)
	{
		if (!KeepTruth(ev, tuptable->vals[r], tuptable->tupdesc))
		{
			ev->skipped++;
			continue;
		}
		RowEncoderEncode(ev->encoder, tuptable->vals[r],
						 ev->batch + (size_t) b * model->prep.n_features);
		ev->n++;
		b++;
	}
	ScoreRows(model, &ev->handle->params, ev->acts, ev->batch, b,
			  ev->outputs + (size_t) first * width);
}

PG_FUNCTION_INFO_V1(mktai_evaluate);

/* mktai.evaluate(name, relation) */
Datum
mktai_evaluate(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			relid = PG_GETARG_OID(1);
	Evaluation	ev;
	StringInfoData buf;
	const MkModel *model;

	memset(&ev, 0, sizeof(ev));
	ev.relname = get_rel_name(relid);
	ev.handle = ModelAcquire(name, CurrentMemoryContext);
	model = &ev.handle->model;
	if (model->task == MK_TASK_FORECAST)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("mktai.evaluate() cannot score model \"%s\", a forecast model",
						name),
				 errhint("Its validation errors are in its metrics; forecasts come from mktai.forecast().")));
	if (model->rnn.n_layers > 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("mktai.evaluate() cannot score model \"%s\", a sequence model",
						name),
				 errhint("Score with mktai.predict_sequence(), measure with mktai.auc().")));
	if (model->task == MK_TASK_SEGMENTATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("mktai.evaluate() cannot score model \"%s\", a segmentation model",
						name),
				 errhint("A segmentation has no target; see mktai.segment_profiles().")));
	ev.capacity = EVAL_BATCH;
	ev.outputs = palloc(sizeof(float) * ev.capacity * ModelOutputWidth(model));
	ev.classes = palloc(sizeof(int32) * ev.capacity);
	ev.values = palloc(sizeof(double) * ev.capacity);
	if (model->task == MK_TASK_TEXT_CLASSIFICATION)
		ScanQuery(psprintf("SELECT * FROM %s", QualifiedRelationName(relid)),
				  EVAL_BATCH, ScoreDocumentBatch, &ev);
	else
	{
		ev.acts = mk_mlp_acts_create(&model->mlp, EVAL_BATCH);
		ev.batch = palloc(sizeof(float) * EVAL_BATCH * model->prep.n_features);
		ScanQuery(psprintf("SELECT * FROM %s", QualifiedRelationName(relid)),
				  EVAL_BATCH, ScoreBatch, &ev);
	}
	if (ev.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows with a non-NULL \"%s\" to evaluate on",
						get_rel_name(relid), model->target.name)));

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	AppendMetrics(&buf, model, ev.outputs, ev.classes, ev.values, ev.n);
	appendStringInfo(&buf, ", \"rows\": %d, \"skipped_rows\": " INT64_FORMAT
					 ", \"version\": %d}", ev.n, ev.skipped, ev.handle->version);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
