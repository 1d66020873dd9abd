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

/* The tasks an option applies to. */
#define FOR_SUPERVISED	0x1		/* classification, regression */
#define FOR_SEGMENTS	0x2		/* segmentation */
#define FOR_SEQUENCES	0x4		/* sequence classification, regression */
#define FOR_FORECAST	0x8
#define FOR_TEXT		0x10	/* text classification */
#define FOR_LABELS		(FOR_SUPERVISED | FOR_SEQUENCES | FOR_TEXT)
#define FOR_RECURRENT	(FOR_SEQUENCES | FOR_FORECAST)
#define FOR_COLUMNS		(FOR_SUPERVISED | FOR_SEGMENTS | FOR_RECURRENT)
#define FOR_ALL			(FOR_COLUMNS | FOR_TEXT)

typedef struct OptionDef
{
	const char *name;
	OptionKind	kind;
	size_t		offset;
	double		min;
	double		max;
	const char *choices;		/* comma-separated, for OPT_STRING */
	int			tasks;
} OptionDef;

#define OPT(field) offsetof(TrainOptions, field)

static const OptionDef option_defs[] = {
	{"features", OPT_NAMES, OPT(features), 0, 0, NULL, FOR_COLUMNS},
	{"exclude", OPT_NAMES, OPT(exclude), 0, 0, NULL, FOR_COLUMNS},
	{"hidden", OPT_WIDTHS, OPT(hidden), 1, 65536, NULL, FOR_COLUMNS},
	{"activation", OPT_STRING, OPT(activation), 0, 0, "relu,tanh,sigmoid", FOR_COLUMNS},
	{"dropout", OPT_REAL, OPT(dropout), 0, 0.9, NULL, FOR_COLUMNS | FOR_TEXT},
	{"epochs", OPT_INT, OPT(epochs), 1, 100000, NULL, FOR_ALL},
	{"batch_size", OPT_INT, OPT(batch_size), 1, 1048576, NULL, FOR_COLUMNS | FOR_TEXT},
	{"learning_rate", OPT_REAL, OPT(learning_rate), 1e-8, 10, NULL, FOR_ALL},
	{"weight_decay", OPT_REAL, OPT(weight_decay), 0, 1, NULL, FOR_COLUMNS},
	{"optimizer", OPT_STRING, OPT(optimizer), 0, 0, "adam,sgd", FOR_COLUMNS},
	{"momentum", OPT_REAL, OPT(momentum), 0, 0.999, NULL, FOR_COLUMNS},
	{"validation_fraction", OPT_REAL, OPT(validation_fraction), 0, 0.5, NULL, FOR_ALL},
	{"patience", OPT_INT, OPT(patience), 0, 100000, NULL, FOR_COLUMNS},
	{"seed", OPT_INT, OPT(seed), 0, PG_INT32_MAX, NULL, FOR_ALL},
	{"class_weight", OPT_STRING, OPT(class_weight), 0, 0, "none,balanced", FOR_LABELS},
	{"positive_class", OPT_STRING, OPT(positive_class), 0, 0, NULL, FOR_LABELS},
	{"max_categories", OPT_INT, OPT(max_categories), 1, MK_MAX_CATEGORIES, NULL, FOR_COLUMNS},
	{"numeric_bins", OPT_INT, OPT(numeric_bins), 0, MK_MAX_EDGES + 1, NULL, FOR_COLUMNS},
	{"numeric_transform", OPT_STRING, OPT(numeric_transform), 0, 0, "none,log", FOR_COLUMNS},
	{"refit", OPT_BOOL, OPT(refit), 0, 0, NULL, FOR_SUPERVISED | FOR_FORECAST | FOR_TEXT},
	{"method", OPT_STRING, OPT(method), 0, 0, "autoencoder,kmeans", FOR_SEGMENTS},
	{"k", OPT_INT, OPT(k), 0, MK_MAX_SEGMENTS, NULL, FOR_SEGMENTS},
	{"k_min", OPT_INT, OPT(k_min), 2, MK_MAX_SEGMENTS, NULL, FOR_SEGMENTS},
	{"k_max", OPT_INT, OPT(k_max), 2, MK_MAX_SEGMENTS, NULL, FOR_SEGMENTS},
	{"latent", OPT_INT, OPT(latent), 1, 4096, NULL, FOR_SEGMENTS},
	{"restarts", OPT_INT, OPT(restarts), 1, 1000, NULL, FOR_SEGMENTS},
	{"silhouette_sample", OPT_INT, OPT(silhouette_sample), 10, 100000, NULL, FOR_SEGMENTS},
	{"entity", OPT_STRING, OPT(entity), 0, 0, NULL, FOR_SEQUENCES},
	{"series", OPT_STRING, OPT(series), 0, 0, NULL, FOR_FORECAST},
	{"order", OPT_STRING, OPT(order), 0, 0, NULL, FOR_RECURRENT},
	{"labels", OPT_STRING, OPT(labels), 0, 0, NULL, FOR_SEQUENCES},
	{"cell", OPT_STRING, OPT(cell), 0, 0, "lstm,gru", FOR_RECURRENT},
	{"hidden_size", OPT_INT, OPT(hidden_size), 1, 4096, NULL, FOR_RECURRENT},
	{"layers", OPT_INT, OPT(layers), 1, MK_RNN_MAX_LAYERS, NULL, FOR_RECURRENT},
	{"max_length", OPT_INT, OPT(max_length), 1, 100000, NULL, FOR_RECURRENT | FOR_TEXT},
	{"clip", OPT_REAL, OPT(clip), 0, 1e6, NULL, FOR_RECURRENT},
	{"horizon", OPT_INT, OPT(horizon), 1, MK_MAX_HORIZON, NULL, FOR_FORECAST},
	{"level", OPT_REAL, OPT(level), 0.01, 0.99, NULL, FOR_FORECAST},
	{"loss", OPT_STRING, OPT(loss), 0, 0, "mae,mse", FOR_FORECAST},
	{"text", OPT_STRING, OPT(text), 0, 0, NULL, FOR_TEXT},
	{"encoder", OPT_STRING, OPT(encoder), 0, 0, "bag,cnn", FOR_TEXT},
	{"filters", OPT_INT, OPT(filters), 1, MK_TEXT_MAX_FILTERS, NULL, FOR_TEXT},
	{"dim", OPT_INT, OPT(dim), 1, MK_TEXT_MAX_DIM, NULL, FOR_TEXT},
	{"buckets", OPT_INT, OPT(buckets), 1, MK_TEXT_MAX_BUCKETS, NULL, FOR_TEXT},
	{"word_ngrams", OPT_INT, OPT(word_ngrams), 1, MK_TEXT_MAX_WORD_NGRAMS, NULL, FOR_TEXT},
	{"char_min", OPT_INT, OPT(char_min), 0, MK_TEXT_MAX_CHAR_NGRAM, NULL, FOR_TEXT},
	{"char_max", OPT_INT, OPT(char_max), 0, MK_TEXT_MAX_CHAR_NGRAM, NULL, FOR_TEXT},
	{"locale", OPT_STRING, OPT(locale), 0, 0, NULL, FOR_TEXT},
	{"cjk_ngrams", OPT_INT, OPT(cjk_ngrams), 0, MK_TOKENIZE_MAX_NGRAM, NULL, FOR_TEXT},
	{"cjk_words", OPT_BOOL, OPT(cjk_words), 0, 0, NULL, FOR_TEXT},
	{"numbers", OPT_BOOL, OPT(numbers), 0, 0, NULL, FOR_TEXT},
	{"emoji", OPT_BOOL, OPT(emoji), 0, 0, NULL, FOR_TEXT},
	{"max_bytes", OPT_INT, OPT(max_bytes), 1, MK_TOKENIZE_MAX_BYTES_LIMIT, NULL, FOR_TEXT},
	{"deploy", OPT_BOOL, OPT(deploy), 0, 0, NULL, FOR_ALL},
};

#define N_OPTIONS lengthof(option_defs)

/* The documented defaults (doc/reference.md, mktai.train), per task. */
static void
SetDefaultOptions(TrainOptions *opts, MkTask task)
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
	opts->numeric_transform = "none";
	opts->refit = true;
	opts->method = "autoencoder";
	opts->k = 0;
	opts->k_min = 2;
	opts->k_max = 8;
	opts->latent = 2;
	opts->restarts = 10;
	opts->silhouette_sample = 2000;
	opts->deploy = true;
	opts->cell = "lstm";
	opts->hidden_size = 32;
	opts->layers = 1;
	opts->max_length = 64;
	opts->clip = 1.0;
	if (task == MK_TASK_SEQUENCE_CLASSIFICATION || task == MK_TASK_SEQUENCE_REGRESSION)
	{
		/* the head on the recurrent state is a single dense layer */
		opts->hidden = NIL;
		opts->dropout = 0.0;
		opts->epochs = 100;
	}
	opts->horizon = 14;
	opts->level = 0.9;
	opts->loss = "mae";
	opts->text = NULL;
	opts->dim = MK_TEXT_DEFAULT_DIM;
	opts->buckets = MK_TEXT_DEFAULT_BUCKETS;
	opts->word_ngrams = MK_TEXT_DEFAULT_WORD_NGRAMS;
	opts->char_min = MK_TEXT_DEFAULT_CHAR_MIN;
	opts->char_max = MK_TEXT_DEFAULT_CHAR_MAX;
	opts->locale = "";
	/* CJK text as characters, as fastText is fed: see doc/reference.md */
	opts->cjk_ngrams = 1;
	opts->cjk_words = false;
	opts->numbers = true;
	opts->emoji = true;
	opts->max_bytes = MK_TOKENIZE_DEFAULT_MAX_BYTES;
	if (task == MK_TASK_TEXT_CLASSIFICATION)
	{
		/* fastText's epochs and learning rate; a held-out tenth for metrics */
		opts->epochs = MK_TEXT_DEFAULT_EPOCHS;
		opts->learning_rate = MK_TEXT_DEFAULT_LEARNING_RATE;
		opts->validation_fraction = 0.1;
		/* the CNN's; its epochs and learning rate are set after parsing */
		opts->encoder = "bag";
		opts->filters = MK_TEXT_CNN_DEFAULT_FILTERS;
		opts->max_length = MK_TEXT_CNN_DEFAULT_MAX_LENGTH;
		opts->batch_size = MK_TEXT_CNN_DEFAULT_BATCH_SIZE;
		opts->dropout = MK_TEXT_CNN_DEFAULT_DROPOUT;
	}
	if (task == MK_TASK_FORECAST)
	{
		/*
		 * A few hundred windows per series: small batches, a linear head,
		 * covariates as plain standardised numbers, four weeks of daily
		 * context.
		 */
		opts->hidden = NIL;
		opts->dropout = 0.0;
		opts->epochs = 100;
		opts->batch_size = 32;
		opts->numeric_bins = 0;
		opts->max_length = 28;
	}
	if (task == MK_TASK_SEGMENTATION)
	{
		/*
		 * Distances between customers should not be ruled by a few heavy
		 * spenders: numbers are taken on a log scale.  A linear encoder
		 * into a small latent space gives segments that do not depend on
		 * the seed (see train_segment.c).
		 */
		opts->dropout = 0.0;
		opts->numeric_bins = 0;
		opts->numeric_transform = "log";
		opts->hidden = NIL;
		opts->latent = 2;
		opts->restarts = 100;
		opts->epochs = 100;
	}
}

static const OptionDef *
FindOption(const char *name)
{
	for (int i = 0; i < N_OPTIONS; i++)
		if (strcmp(option_defs[i].name, name) == 0)
			return &option_defs[i];
	return NULL;
}

/*
 * The CNN text encoder trains by Adam, whose step sizes are not SGD's:
 * its own epochs and learning rate, unless given; and its own width and
 * CJK words (textclf.h).  A text model's max_length bounds the tokens the
 * encoder reads.
 */
static void
SetEncoderDefaults(TrainOptions *opts, const bool *given)
{
	if (opts->encoder == NULL)
		opts->encoder = "bag";
	if (strcmp(opts->encoder, "cnn") == 0)
	{
		if (!given[FindOption("epochs") - option_defs])
			opts->epochs = MK_TEXT_CNN_DEFAULT_EPOCHS;
		if (!given[FindOption("learning_rate") - option_defs])
			opts->learning_rate = MK_TEXT_CNN_DEFAULT_LEARNING_RATE;
		if (!given[FindOption("dim") - option_defs])
			opts->dim = MK_TEXT_CNN_DEFAULT_DIM;
		if (!given[FindOption("cjk_words") - option_defs])
			opts->cjk_words = true;
	}
	if (opts->max_length > MK_TEXT_MAX_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"max_length\" must be between 1 and %d for task text_classification",
						MK_TEXT_MAX_LENGTH),
				 errhint("The encoder reads the first max_length tokens of each text.")));
}

const char *
TaskName(MkTask task)
{
	switch (task)
	{
		case MK_TASK_REGRESSION:
			return "regression";
		case MK_TASK_SEGMENTATION:
			return "segmentation";
		case MK_TASK_SEQUENCE_CLASSIFICATION:
			return "sequence_classification";
		case MK_TASK_SEQUENCE_REGRESSION:
			return "sequence_regression";
		case MK_TASK_FORECAST:
			return "forecast";
		case MK_TASK_TEXT_CLASSIFICATION:
			return "text_classification";
		default:
			return "classification";
	}
}

/* The tasks flag of the options of a training run. */
static int
TaskFlag(const TrainOptions *opts)
{
	switch (opts->task)
	{
		case MK_TASK_SEGMENTATION:
			return FOR_SEGMENTS;
		case MK_TASK_SEQUENCE_CLASSIFICATION:
		case MK_TASK_SEQUENCE_REGRESSION:
			return FOR_SEQUENCES;
		case MK_TASK_FORECAST:
			return FOR_FORECAST;
		case MK_TASK_TEXT_CLASSIFICATION:
			return FOR_TEXT;
		default:
			return FOR_SUPERVISED;
	}
}

/* "a, b, c": the option names valid for a task, for a hint. */
static char *
OptionNames(int task)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < N_OPTIONS; i++)
		if (option_defs[i].tasks & task)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
							 option_defs[i].name);
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

/* "a,b,c" as "a, b or c", for messages. */
static char *
ChoiceList(const char *choices)
{
	StringInfoData buf;
	const char *last = strrchr(choices, ',');

	initStringInfo(&buf);
	for (const char *p = choices; *p; p++)
	{
		if (*p != ',')
			appendStringInfoChar(&buf, *p);
		else
			appendStringInfoString(&buf, p == last ? " or " : ", ");
	}
	return buf.data;
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
						def->name, s, ChoiceList(def->choices))));
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
ParseTrainOptions(Jsonb *options, MkTask task, TrainOptions *opts)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		given[N_OPTIONS] = {false};

	SetDefaultOptions(opts, task);
	opts->task = task;
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
		if (def == NULL || !(def->tasks & TaskFlag(opts)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 def == NULL ?
					 errmsg("unrecognized training option \"%s\"", key) :
					 errmsg("option \"%s\" does not apply to task %s", key,
							TaskName(task)),
					 def == NULL ?
					 errhint("Valid options are: %s.", OptionNames(TaskFlag(opts))) : 0));
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		given[def - option_defs] = true;
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
	if ((task == MK_TASK_SEQUENCE_CLASSIFICATION || task == MK_TASK_SEQUENCE_REGRESSION) &&
		(opts->entity == NULL || opts->order == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task %s needs the options \"entity\" and \"order\"",
						TaskName(task)),
				 errhint("For example: '{\"entity\": \"customer_id\", \"order\": \"month\"}'.")));
	if (task == MK_TASK_TEXT_CLASSIFICATION && opts->text == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task text_classification needs the option \"text\""),
				 errhint("Name the text column, e.g. '{\"text\": \"review\"}'.")));
	if (task == MK_TASK_TEXT_CLASSIFICATION)
		SetEncoderDefaults(opts, given);
	if (opts->char_min > opts->char_max || (opts->char_min == 0) != (opts->char_max == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"char_min\" (%d) and \"char_max\" (%d) do not make a range",
						opts->char_min, opts->char_max),
				 errhint("Give char_min <= char_max, or 0 for both to leave character n-grams out.")));
	if (task == MK_TASK_FORECAST && opts->order == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task forecast needs the option \"order\""),
				 errhint("For example: '{\"series\": \"campaign_id\", \"order\": \"day\"}'.")));
	if (opts->k == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"k\" is 1, but a segmentation needs at least 2 segments"),
				 errhint("Leave \"k\" out to choose it by silhouette.")));
	if (opts->k_min > opts->k_max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"k_min\" (%d) is larger than \"k_max\" (%d)",
						opts->k_min, opts->k_max)));
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
		if (option_defs[i].offset == OPT(deploy) ||
			!(option_defs[i].tasks & TaskFlag(opts)))
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
