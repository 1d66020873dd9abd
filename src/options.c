/*
 * options.c
 *		Parsing and printing the options jsonb of mktai.train().
 *
 * One table describes every option: its JSON kind, where it lands in
 * TrainOptions and its bounds.  The same table drives parsing, the error
 * hint that lists the valid names, and the resolved copy stored with the
 * model.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/numeric.h"

#include "model/model.h"
#include "options.h"

typedef enum OptionKind
{
	OPT_INT,
	OPT_REAL,
	OPT_BOOL,
	OPT_STRING,					/* one of choices, or any text if NULL */
	OPT_NAMES,					/* array of column names */
	OPT_WIDTHS					/* array of layer widths */
} OptionKind;

typedef struct OptionDef
{
	const char *name;
	OptionKind	kind;
	size_t		offset;
	double		min;
	double		max;
	const char *choices;		/* comma-separated, for OPT_STRING */
} OptionDef;

#define OPT(field) offsetof(TrainOptions, field)

static const OptionDef option_defs[] = {
	{"features", OPT_NAMES, OPT(features), 0, 0, NULL},
	{"exclude", OPT_NAMES, OPT(exclude), 0, 0, NULL},
	{"hidden", OPT_WIDTHS, OPT(hidden), 1, 65536, NULL},
	{"activation", OPT_STRING, OPT(activation), 0, 0, "relu,tanh,sigmoid"},
	{"dropout", OPT_REAL, OPT(dropout), 0, 0.9, NULL},
	{"epochs", OPT_INT, OPT(epochs), 1, 100000, NULL},
	{"batch_size", OPT_INT, OPT(batch_size), 1, 1048576, NULL},
	{"learning_rate", OPT_REAL, OPT(learning_rate), 1e-8, 10, NULL},
	{"weight_decay", OPT_REAL, OPT(weight_decay), 0, 1, NULL},
	{"optimizer", OPT_STRING, OPT(optimizer), 0, 0, "adam,sgd"},
	{"momentum", OPT_REAL, OPT(momentum), 0, 0.999, NULL},
	{"validation_fraction", OPT_REAL, OPT(validation_fraction), 0, 0.5, NULL},
	{"patience", OPT_INT, OPT(patience), 0, 100000, NULL},
	{"seed", OPT_INT, OPT(seed), 0, PG_INT32_MAX, NULL},
	{"class_weight", OPT_STRING, OPT(class_weight), 0, 0, "none,balanced"},
	{"positive_class", OPT_STRING, OPT(positive_class), 0, 0, NULL},
	{"max_categories", OPT_INT, OPT(max_categories), 1, MK_MAX_CATEGORIES, NULL},
	{"numeric_bins", OPT_INT, OPT(numeric_bins), 0, MK_MAX_EDGES + 1, NULL},
	{"refit", OPT_BOOL, OPT(refit), 0, 0, NULL},
	{"deploy", OPT_BOOL, OPT(deploy), 0, 0, NULL},
};

#define N_OPTIONS lengthof(option_defs)

/* The documented defaults (doc/reference.md, mktai.train). */
static void
SetDefaultOptions(TrainOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->hidden = list_make1_int(32);
	opts->activation = "relu";
	opts->dropout = 0.2;
	opts->epochs = 200;
	opts->batch_size = 64;
	opts->learning_rate = 1e-3;
	opts->weight_decay = 1e-4;
	opts->optimizer = "adam";
	opts->momentum = 0.9;
	opts->validation_fraction = 0.2;
	opts->patience = 10;
	opts->seed = 42;
	opts->class_weight = "none";
	opts->positive_class = NULL;
	opts->max_categories = 100;
	opts->numeric_bins = 10;
	opts->refit = true;
	opts->deploy = true;
}

static const OptionDef *
FindOption(const char *name)
{
	for (int i = 0; i < N_OPTIONS; i++)
		if (strcmp(option_defs[i].name, name) == 0)
			return &option_defs[i];
	return NULL;
}

/* "a, b, c": the valid option names, for the hint of an unknown one. */
static char *
OptionNames(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < N_OPTIONS; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", option_defs[i].name);
	return buf.data;
}

static void
pg_attribute_noreturn()
WrongType(const OptionDef *def, const JsonbValue *v, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be %s, not %s",
					def->name, expected, JsonbTypeName((JsonbValue *) v))));
}

static double
NumberValue(const OptionDef *def, const JsonbValue *v, bool integral)
{
	double		d;

	if (v->type != jbvNumeric)
		WrongType(def, v, integral ? "an integer" : "a number");
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
										   NumericGetDatum(v->val.numeric)));
	if (integral && d != floor(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an integer, not %g",
						def->name, d)));
	if (!(d >= def->min && d <= def->max))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" is %g, outside its range [%g, %g]",
						def->name, d, def->min, def->max)));
	return d;
}

static char *
StringValue(const OptionDef *def, const JsonbValue *v)
{
	char	   *s;

	if (v->type != jbvString)
		WrongType(def, v, "a string");
	s = pnstrdup(v->val.string.val, v->val.string.len);
	if (def->choices != NULL)
	{
		char	   *copy = pstrdup(def->choices);
		char	   *save = NULL;

		for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
			 tok = strtok_r(NULL, ",", &save))
			if (strcmp(tok, s) == 0)
				return s;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" is \"%s\", not one of %s",
						def->name, s, def->choices)));
	}
	return s;
}

/* An array option: names (strings) or layer widths (integers). */
static List *
ListValue(const OptionDef *def, const JsonbValue *v)
{
	List	   *result = NIL;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		WrongType(def, v, "an array");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (def->kind == OPT_WIDTHS)
			result = lappend_int(result, (int) NumberValue(def, &elem, true));
		else if (elem.type != jbvString || elem.val.string.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" must be an array of column names",
							def->name)));
		else
			result = lappend(result, pnstrdup(elem.val.string.val,
											  elem.val.string.len));
	}
	if (def->kind == OPT_WIDTHS && list_length(result) > MK_MLP_MAX_DENSE - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"hidden\" lists %d layers, more than the %d allowed",
						list_length(result), MK_MLP_MAX_DENSE - 1)));
	return result;
}

static void
SetOption(TrainOptions *opts, const OptionDef *def, const JsonbValue *v)
{
	char	   *field = (char *) opts + def->offset;

	switch (def->kind)
	{
		case OPT_INT:
			*(int *) field = (int) NumberValue(def, v, true);
			break;
		case OPT_REAL:
			*(double *) field = NumberValue(def, v, false);
			break;
		case OPT_BOOL:
			if (v->type != jbvBool)
				WrongType(def, v, "a boolean");
			*(bool *) field = v->val.boolean;
			break;
		case OPT_STRING:
			*(char **) field = StringValue(def, v);
			break;
		case OPT_NAMES:
		case OPT_WIDTHS:
			*(List **) field = ListValue(def, v);
			break;
	}
}

void
ParseTrainOptions(Jsonb *options, TrainOptions *opts)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	SetDefaultOptions(opts);
	if (options == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("training options must be a JSON object"),
				 errhint("Pass options as '{\"epochs\": 50}'::jsonb.")));

	it = JsonbIteratorInit(&options->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		const OptionDef *def;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		def = FindOption(key);
		if (def == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized training option \"%s\"", key),
					 errhint("Valid options are: %s.", OptionNames())));
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		if (v.type == jbvNull && def->kind == OPT_STRING)
			*(char **) ((char *) opts + def->offset) = NULL;
		else
			SetOption(opts, def, &v);
	}
	if (opts->features != NIL && opts->exclude != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"features\" and \"exclude\" cannot be combined"),
				 errhint("List the features to use, or the columns to leave out, not both.")));
}

static void
AppendNameList(StringInfo buf, List *names)
{
	ListCell   *lc;

	appendStringInfoChar(buf, '[');
	foreach(lc, names)
	{
		if (lc != list_head(names))
			appendStringInfoString(buf, ", ");
		escape_json(buf, (char *) lfirst(lc));
	}
	appendStringInfoChar(buf, ']');
}

static void
AppendOptionValue(StringInfo buf, const TrainOptions *opts,
				  const OptionDef *def)
{
	const char *field = (const char *) opts + def->offset;
	ListCell   *lc;

	switch (def->kind)
	{
		case OPT_INT:
			appendStringInfo(buf, "%d", *(const int *) field);
			break;
		case OPT_REAL:
			appendStringInfoString(buf, float8out_internal(*(const double *) field));
			break;
		case OPT_BOOL:
			appendStringInfoString(buf, *(const bool *) field ? "true" : "false");
			break;
		case OPT_STRING:
			if (*(char *const *) field == NULL)
				appendStringInfoString(buf, "null");
			else
				escape_json(buf, *(char *const *) field);
			break;
		case OPT_NAMES:
			AppendNameList(buf, *(List *const *) field);
			break;
		case OPT_WIDTHS:
			appendStringInfoChar(buf, '[');
			foreach(lc, *(List *const *) field)
				appendStringInfo(buf, "%s%d",
								 lc == list_head(*(List *const *) field) ? "" : ", ",
								 lfirst_int(lc));
			appendStringInfoChar(buf, ']');
			break;
	}
}

char *
TrainOptionsToJson(const TrainOptions *opts)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < N_OPTIONS; i++)
	{
		/* Deployment is a registry action, not part of what is trained. */
		if (option_defs[i].offset == OPT(deploy))
			continue;
		if (buf.len > 1)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, option_defs[i].name);
		appendStringInfoString(&buf, ": ");
		AppendOptionValue(&buf, opts, &option_defs[i]);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

MkActivation
TrainOptionsActivation(const TrainOptions *opts)
{
	if (strcmp(opts->activation, "tanh") == 0)
		return MK_ACT_TANH;
	if (strcmp(opts->activation, "sigmoid") == 0)
		return MK_ACT_SIGMOID;
	return MK_ACT_RELU;
}

MkOptimizer
TrainOptionsOptimizer(const TrainOptions *opts)
{
	return strcmp(opts->optimizer, "sgd") == 0 ? MK_OPT_SGD : MK_OPT_ADAMW;
}
