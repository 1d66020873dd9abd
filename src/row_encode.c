/*
 * row_encode.c
 *		Binding row types to model columns and encoding rows and jsonb.
 *
 * Binding happens once per row type (per query, in practice): each model
 * column is looked up by name in the tuple descriptor, its type checked,
 * and the way to read it chosen.  Encoding a row is then a deform and one
 * pass over the model's columns, with no catalog access.
 *
 * Categories of text columns are found by hashing the value's bytes where
 * they lie in the row: the table, built at binding, maps (column, bytes) to
 * the index mk_category_index() would give for the NUL-terminated text,
 * which it matches because a text value holds no NUL byte.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "model/encode.h"
#include "numeric_double.h"
#include "row_encode.h"

typedef struct ColumnBinding
{
	int			attindex;		/* 0-based index into the deformed row */
	ValueSource source;
	FmgrInfo	output;			/* for SRC_OUTPUT */
	int32		true_index;		/* for SRC_BOOL: category index of "true", */
	int32		false_index;	/* and of "false" (-1 when unseen) */
} ColumnBinding;

/* A category's bytes (not NUL-terminated), with its column. */
typedef struct CategoryKey
{
	int			column;			/* index into the model's columns */
	int			len;
	const char *data;
} CategoryKey;

typedef struct CategoryEntry
{
	CategoryKey key;
	int32		index;			/* into the column's sorted categories */
	uint32		hash;
	char		status;			/* for simplehash */
} CategoryEntry;

/* Hash of a key: its bytes' hash combined with its column. */
static inline uint32
CategoryKeyHash(CategoryKey key)
{
	return hash_combine((uint32) key.column,
						hash_bytes((const unsigned char *) key.data, key.len));
}

#define SH_PREFIX		cathash
#define SH_ELEMENT_TYPE CategoryEntry
#define SH_KEY_TYPE		CategoryKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	CategoryKeyHash(k)
#define SH_EQUAL(tb, a, b)	((a).column == (b).column && (a).len == (b).len && \
							 memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct RowEncoder
{
	const MkModel *model;
	TupleDesc	desc;
	Oid			typid;
	int32		typmod;
	ColumnBinding *bindings;	/* one per model column */
	cathash_hash *categories;	/* of the SRC_TEXT columns */
	Datum	   *values;
	bool	   *nulls;
};

MkColumnKind
FeatureKindOfType(Oid typid, ValueSource *source)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case INT2OID:
			*source = SRC_INT2;
			return MK_COLUMN_NUMERIC;
		case INT4OID:
			*source = SRC_INT4;
			return MK_COLUMN_NUMERIC;
		case INT8OID:
			*source = SRC_INT8;
			return MK_COLUMN_NUMERIC;
		case FLOAT4OID:
			*source = SRC_FLOAT4;
			return MK_COLUMN_NUMERIC;
		case FLOAT8OID:
			*source = SRC_FLOAT8;
			return MK_COLUMN_NUMERIC;
		case NUMERICOID:
			*source = SRC_NUMERIC;
			return MK_COLUMN_NUMERIC;
		case BOOLOID:
			*source = SRC_BOOL;
			return MK_COLUMN_CATEGORICAL;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			*source = SRC_TEXT;
			return MK_COLUMN_CATEGORICAL;
		case NAMEOID:
		case CHAROID:
			*source = SRC_OUTPUT;
			return MK_COLUMN_CATEGORICAL;
		default:
			if (type_is_enum(base))
			{
				*source = SRC_OUTPUT;
				return MK_COLUMN_CATEGORICAL;
			}
			return 0;
	}
}

double
NumberFromDatum(Datum value, ValueSource source, const char *column)
{
	double		d;

	switch (source)
	{
		case SRC_INT2:
			return (double) DatumGetInt16(value);
		case SRC_INT4:
			return (double) DatumGetInt32(value);
		case SRC_INT8:
			return (double) DatumGetInt64(value);
		case SRC_FLOAT4:
			d = (double) DatumGetFloat4(value);
			break;
		case SRC_FLOAT8:
			d = DatumGetFloat8(value);
			break;
		case SRC_NUMERIC:
			d = NumericToDouble(value);
			break;
		default:
			elog(ERROR, "column \"%s\" is not numeric", column);
	}
	if (!isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" holds %s, which a model cannot use",
						column, isnan(d) ? "NaN" : "an infinite value"),
				 errhint("Filter such rows out, or map them to NULL with NULLIF(%s, 'NaN').",
						 quote_identifier(column))));
	return d;
}

char *
CategoryFromDatum(Datum value, ValueSource source, FmgrInfo *output)
{
	switch (source)
	{
		case SRC_BOOL:
			return DatumGetBool(value) ? "true" : "false";
		case SRC_TEXT:
			return TextDatumGetCString(value);
		default:
			return OutputFunctionCall(output, value);
	}
}

/* Whether the input has a column: in a tuple descriptor, or a jsonb key. */
typedef bool (*HasColumnFn) (const void *input, const char *name);

static bool
DescHasColumn(const void *input, const char *name)
{
	const TupleDescData *desc = (const TupleDescData *) input;

	for (int i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return true;
	return false;
}

static bool
JsonbHasColumn(const void *input, const char *name)
{
	JsonbValue	key;

	key.type = jbvString;
	key.val.string.val = (char *) name;
	key.val.string.len = strlen(name);
	return findJsonbValueFromContainer((JsonbContainer *) input, JB_FOBJECT,
									   &key) != NULL;
}

/* ERRORs naming every model column the input lacks, if it lacks any. */
static void
CheckColumnsPresent(const MkModel *model, const char *model_name,
					const void *input, HasColumnFn has_column)
{
	StringInfoData missing;
	int			n_missing = 0;
	const char *first = NULL;

	initStringInfo(&missing);
	for (int c = 0; c < model->prep.n_columns; c++)
	{
		const char *name = model->prep.columns[c].name;

		if (has_column(input, name))
			continue;
		appendStringInfo(&missing, "%s%s", n_missing > 0 ? ", " : "",
						 quote_identifier(name));
		first = first ? first : name;
		n_missing++;
	}
	if (n_missing == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 n_missing == 1 ?
			 errmsg("input has no column \"%s\", which model \"%s\" needs",
					first, model_name) :
			 errmsg("input lacks %d columns model \"%s\" needs", n_missing,
					model_name),
			 n_missing > 1 ? errdetail("Missing: %s.", missing.data) : 0,
			 errhint("Pass a row or jsonb object with every column the model was trained on.")));
}

/* given says what the input holds: "is of type text", "is a JSON string". */
static void
pg_attribute_noreturn()
WrongKind(const char *column, const char *given, const MkColumn *col,
		  const char *model_name)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" %s, but model \"%s\" expects %s",
					column, given, model_name,
					col->kind == MK_COLUMN_NUMERIC ? "a number" : "a category (text or boolean)"),
			 strncmp(given, "is a JSON", 9) == 0 ?
			 errhint("Give %s as a JSON %s.", quote_identifier(column),
					 col->kind == MK_COLUMN_NUMERIC ? "number" : "string or boolean") :
			 errhint("Cast the column to the type it had in training.")));
}

/* The hash table of the categories of the columns read as SRC_TEXT. */
static cathash_hash *
CategoryTableCreate(const MkModel *model, const ColumnBinding *bindings)
{
	const MkPrep *prep = &model->prep;
	uint32		total = 0;
	cathash_hash *table;

	for (int c = 0; c < prep->n_columns; c++)
		if (bindings[c].source == SRC_TEXT)
			total += prep->columns[c].n_categories;
	table = cathash_create(CurrentMemoryContext, total, NULL);
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MkColumn *col = &prep->columns[c];

		if (bindings[c].source != SRC_TEXT)
			continue;
		for (int32 i = 0; i < col->n_categories; i++)
		{
			CategoryKey key;
			bool		found;

			key.column = c;
			key.len = strlen(col->categories[i]);
			key.data = col->categories[i];
			cathash_insert(table, key, &found)->index = i;
		}
	}
	return table;
}

RowEncoder *
RowEncoderCreate(const MkModel *model, TupleDesc desc, const char *model_name)
{
	RowEncoder *enc = palloc0(sizeof(RowEncoder));

	enc->model = model;
	enc->desc = CreateTupleDescCopy(desc);
	enc->typid = desc->tdtypeid;
	enc->typmod = desc->tdtypmod;
	enc->bindings = palloc0(sizeof(ColumnBinding) * model->prep.n_columns);
	enc->values = palloc(sizeof(Datum) * desc->natts);
	enc->nulls = palloc(sizeof(bool) * desc->natts);
	CheckColumnsPresent(model, model_name, desc, DescHasColumn);

	for (int c = 0; c < model->prep.n_columns; c++)
	{
		const MkColumn *col = &model->prep.columns[c];
		ColumnBinding *b = &enc->bindings[c];
		int			i;

		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), col->name) == 0)
				break;
		}
		Assert(i < desc->natts);
		b->attindex = i;
		if (FeatureKindOfType(TupleDescAttr(desc, i)->atttypid, &b->source) != col->kind)
			WrongKind(col->name,
					  psprintf("is of type %s",
							   format_type_be(TupleDescAttr(desc, i)->atttypid)),
					  col, model_name);
		if (b->source == SRC_BOOL)
		{
			b->true_index = mk_category_index(col, "true");
			b->false_index = mk_category_index(col, "false");
		}
		if (b->source == SRC_OUTPUT)
		{
			Oid			outfn;
			bool		varlena;

			getTypeOutputInfo(TupleDescAttr(desc, i)->atttypid, &outfn, &varlena);
			fmgr_info(outfn, &b->output);
		}
	}
	enc->categories = CategoryTableCreate(model, enc->bindings);
	return enc;
}

bool
RowEncoderMatches(const RowEncoder *enc, Oid typid, int32 typmod)
{
	return enc->typid == typid && enc->typmod == typmod;
}

/*
 * The category index of a non-NULL value of a bound categorical column, as
 * mk_category_index() gives it for the value's text: booleans from the
 * indexes found at binding, text from its bytes in place (detoasted only
 * when compressed or out of line), other types through their output
 * function.
 */
static int32
CategoryIndexOfDatum(RowEncoder *enc, int c, Datum value)
{
	const MkColumn *col = &enc->model->prep.columns[c];
	ColumnBinding *b = &enc->bindings[c];
	text	   *t;
	CategoryKey key;
	CategoryEntry *entry;

	switch (b->source)
	{
		case SRC_BOOL:
			return DatumGetBool(value) ? b->true_index : b->false_index;
		case SRC_TEXT:
			t = DatumGetTextPP(value);
			key.column = c;
			key.len = VARSIZE_ANY_EXHDR(t);
			key.data = VARDATA_ANY(t);
			entry = cathash_lookup(enc->categories, key);
			return entry != NULL ? entry->index : -1;
		default:
			return mk_category_index(col,
									 OutputFunctionCall(&b->output, value));
	}
}

void
RowEncoderEncode(RowEncoder *enc, HeapTuple tuple, float *features)
{
	const MkPrep *prep = &enc->model->prep;

	heap_deform_tuple(tuple, enc->desc, enc->values, enc->nulls);
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MkColumn *col = &prep->columns[c];
		const ColumnBinding *b = &enc->bindings[c];
		Datum		value = enc->values[b->attindex];
		bool		isnull = enc->nulls[b->attindex];

		if (col->kind == MK_COLUMN_NUMERIC)
			mk_encode_number(col, isnull ? 0.0 :
							 NumberFromDatum(value, b->source, col->name),
							 isnull, features);
		else
			mk_encode_category_index(col, isnull ? -1 :
									 CategoryIndexOfDatum(enc, c, value),
									 isnull, features);
	}
}

void
EncodeComposite(RowEncoder **enc, MemoryContext mcxt, const MkModel *model,
				const char *model_name, HeapTupleHeader row, float *features)
{
	Oid			typid = HeapTupleHeaderGetTypeId(row);
	int32		typmod = HeapTupleHeaderGetTypMod(row);
	HeapTupleData tuple;

	if (*enc == NULL || !RowEncoderMatches(*enc, typid, typmod))
	{
		TupleDesc	desc = lookup_rowtype_tupdesc(typid, typmod);
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		*enc = RowEncoderCreate(model, desc, model_name);
		MemoryContextSwitchTo(old);
		ReleaseTupleDesc(desc);
	}
	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	RowEncoderEncode(*enc, &tuple, features);
}

/* The text of a jsonb scalar used as a category; NULL for JSON null. */
static char *
JsonbCategory(const JsonbValue *v, const MkColumn *col, const char *model_name)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		default:
			WrongKind(col->name, "is a JSON array or object", col, model_name);
	}
}

void
EncodeJsonb(const MkModel *model, const char *model_name, Jsonb *object,
			float *features)
{
	if (!JB_ROOT_IS_OBJECT(object))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("features must be a JSON object mapping column names to values")));

	for (int c = 0; c < model->prep.n_columns; c++)
	{
		const MkColumn *col = &model->prep.columns[c];
		JsonbValue	key;
		JsonbValue *v;
		bool		isnull;

		key.type = jbvString;
		key.val.string.val = col->name;
		key.val.string.len = strlen(col->name);
		v = findJsonbValueFromContainer(&object->root, JB_FOBJECT, &key);
		if (v == NULL)
			CheckColumnsPresent(model, model_name, &object->root, JsonbHasColumn);
		isnull = (v->type == jbvNull);
		if (col->kind == MK_COLUMN_NUMERIC)
		{
			if (!isnull && v->type != jbvNumeric)
				WrongKind(col->name, v->type == jbvString ? "is a JSON string" :
						  v->type == jbvBool ? "is a JSON boolean" :
						  "is a JSON array or object", col, model_name);
			mk_encode_number(col, isnull ? 0.0 :
							 NumberFromDatum(NumericGetDatum(v->val.numeric),
											 SRC_NUMERIC, col->name),
							 isnull, features);
		}
		else
			mk_encode_category(col, isnull ? NULL :
							   JsonbCategory(v, col, model_name),
							   isnull, features);
	}
}
