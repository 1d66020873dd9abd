/*
 * model.c
 *		The invariants of an in-memory model, and its release.
 *
 * mk_model_check() states once what scoring may assume about a model.  The
 * reader runs it on every model it parses and the writer on every model it
 * stores, so a model that breaks it can neither enter nor leave the
 * database.  It looks at every part a hand-built or a parsed model may get
 * wrong, in an order that never reads past what an earlier test vouched for:
 * array lengths before the arrays, the network shape before the parameters.
 * Each task has its own invariants, and the parts of the model it does not
 * use (the target of a segmentation, the segments of a classifier, the
 * network of a k-means model, the recurrent encoder of any but a sequence
 * model) must be all zero, so that the one byte form of a model stands for
 * exactly one model in memory.  A sequence classification or regression
 * is checked as its plain counterpart is, its network being the head on
 * the recurrent encoder's final hidden state.
 *
 * Messages name the column or class at fault.  Those that carry values are
 * built in a static buffer, which suits the single-threaded backend and the
 * test programs; the next call overwrites it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mk_alloc.h"
#include "model/model.h"

static const char *check_fail(const char *fmt,...)
			__attribute__((format(printf, 1, 2)));

static char check_message[320];

/* Formats a failed check into the static buffer and returns it. */
static const char *
check_fail(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(check_message, sizeof(check_message), fmt, args);
	va_end(args);
	return check_message;
}

/* True for the tasks whose outputs are class scores. */
static bool
is_classifier(MkTask task)
{
	return task == MK_TASK_CLASSIFICATION ||
		task == MK_TASK_SEQUENCE_CLASSIFICATION ||
		task == MK_TASK_TEXT_CLASSIFICATION;
}

/* True for the tasks whose model has a recurrent encoder. */
static bool
is_sequence(MkTask task)
{
	return task == MK_TASK_SEQUENCE_CLASSIFICATION ||
		task == MK_TASK_SEQUENCE_REGRESSION || task == MK_TASK_FORECAST;
}

/* The name of a valid task, for messages. */
static const char *
task_name(MkTask task)
{
	switch (task)
	{
		case MK_TASK_CLASSIFICATION:
			return "classification";
		case MK_TASK_REGRESSION:
			return "regression";
		case MK_TASK_SEGMENTATION:
			return "segmentation";
		case MK_TASK_SEQUENCE_CLASSIFICATION:
			return "sequence classification";
		case MK_TASK_SEQUENCE_REGRESSION:
			return "sequence regression";
		case MK_TASK_FORECAST:
			return "forecast";
		case MK_TASK_TEXT_CLASSIFICATION:
			return "text classification";
	}
	return "unknown";
}

/* Number of feature slots a column fills. */
int32_t
mk_column_width(const MkColumn *col)
{
	switch (col->kind)
	{
		case MK_COLUMN_NUMERIC:
			return (col->null_indicator ? 2 : 1) +
				(col->n_edges > 0 ? col->n_edges + 1 : 0);
		case MK_COLUMN_CATEGORICAL:
			/* one slot per category, one for NULL, one for unseen values */
			return col->n_categories + 2;
	}
	return 0;
}

/* Why a name or label text is unusable, or NULL when it is fine. */
static const char *
text_error(const char *text, bool allow_empty)
{
	size_t		len;

	if (text == NULL)
		return "is missing";
	len = strnlen(text, MK_MAX_NAME_BYTES + 1);
	if (len == 0 && !allow_empty)
		return "is empty";
	if (len > MK_MAX_NAME_BYTES)
		return "is longer than the limit of 1024 bytes";
	return NULL;
}

/* qsort comparator over an array of C strings. */
static int
compare_texts(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Returns a text that occurs more than once among texts[0 .. n - 1], or NULL.
 * Sorts texts in place, so callers pass a scratch copy of their pointers.
 */
static const char *
find_duplicate(char **texts, int n)
{
	int			i;

	qsort(texts, n, sizeof(char *), compare_texts);
	for (i = 1; i < n; i++)
	{
		if (strcmp(texts[i - 1], texts[i]) == 0)
			return texts[i];
	}
	return NULL;
}

/* Why a numeric column's bin edges are unusable, or NULL when they are fine. */
static const char *
check_edges(const MkColumn *col)
{
	if (col->n_edges < 0 || col->n_edges > MK_MAX_EDGES)
		return check_fail("column \"%.64s\": %d bin edges, outside [0, %d]",
						  col->name, (int) col->n_edges, MK_MAX_EDGES);
	if (col->n_edges > 0 && col->edges == NULL)
		return check_fail("column \"%.64s\": bin edges missing", col->name);
	for (int32_t i = 0; i < col->n_edges; i++)
	{
		if (!isfinite(col->edges[i]))
			return check_fail("column \"%.64s\": bin edge %d is not finite",
							  col->name, (int) i + 1);
		if (i > 0 && !(col->edges[i] > col->edges[i - 1]))
			return check_fail("column \"%.64s\": bin edges not strictly increasing at %d",
							  col->name, (int) i + 1);
	}
	return NULL;
}

/* Checks one column's name, kind, statistics and categories. */
static const char *
check_column(const MkColumn *col, int index)
{
	const char *err;
	int32_t		i;

	if ((err = text_error(col->name, false)) != NULL)
		return check_fail("name of column %d %s", index + 1, err);
	if (!isfinite(col->mean) || !isfinite(col->scale))
		return check_fail("column \"%.64s\": mean and scale must be finite",
						  col->name);

	switch (col->kind)
	{
		case MK_COLUMN_NUMERIC:
			if (!(col->scale > 0.0))
				return check_fail("column \"%.64s\": scale must be positive, not %g",
								  col->name, col->scale);
			if (col->n_categories != 0)
				return check_fail("column \"%.64s\": numeric but has %d categories",
								  col->name, (int) col->n_categories);
			return check_edges(col);
		case MK_COLUMN_CATEGORICAL:
			if (col->n_edges != 0 || col->log_transform)
				return check_fail("column \"%.64s\": categorical but has a numeric transform",
								  col->name);
			break;
		default:
			return check_fail("column \"%.64s\": unknown kind %d",
							  col->name, (int) col->kind);
	}

	if (col->n_categories < 0 || col->n_categories > MK_MAX_CATEGORIES)
		return check_fail("column \"%.64s\": %d categories (0 to %d allowed)",
						  col->name, (int) col->n_categories,
						  MK_MAX_CATEGORIES);
	if (col->n_categories > 0 && col->categories == NULL)
		return check_fail("column \"%.64s\": categories are missing",
						  col->name);
	for (i = 0; i < col->n_categories; i++)
	{
		if ((err = text_error(col->categories[i], true)) != NULL)
			return check_fail("column \"%.64s\": category %d %s",
							  col->name, (int) i + 1, err);
		if (i > 0 && strcmp(col->categories[i - 1], col->categories[i]) >= 0)
			return check_fail("column \"%.64s\": categories not strictly increasing at \"%.64s\"",
							  col->name, col->categories[i]);
	}
	return NULL;
}

/*
 * Checks every column, the offsets they fill, and that names are unique;
 * min_columns is 0 for a forecast, whose target may be its only input,
 * and for a text classifier, which has none.
 */
static const char *
check_prep(const MkPrep *prep, int min_columns)
{
	const char *err;
	const char *dup;
	char	  **names;
	int64_t		offset = 0;
	int32_t		i;

	if (prep->n_columns < min_columns || prep->n_columns > MK_MAX_COLUMNS)
		return check_fail("%d input columns (%d to %d allowed)",
						  (int) prep->n_columns, min_columns, MK_MAX_COLUMNS);
	if (prep->n_columns == 0)
		return prep->n_features == 0 && prep->columns == NULL ? NULL :
			"no input columns, yet feature slots or columns";
	if (prep->columns == NULL)
		return "input columns are missing";

	for (i = 0; i < prep->n_columns; i++)
	{
		const MkColumn *col = &prep->columns[i];

		if ((err = check_column(col, i)) != NULL)
			return err;
		if (col->offset != offset)
			return check_fail("column \"%.64s\": offset %d, expected %lld",
							  col->name, (int) col->offset,
							  (long long) offset);
		offset += mk_column_width(col);
	}
	if (offset != prep->n_features)
		return check_fail("columns fill %lld feature slots, not %d",
						  (long long) offset, (int) prep->n_features);

	names = mk_alloc(mk_mul_size(prep->n_columns, sizeof(char *)));
	for (i = 0; i < prep->n_columns; i++)
		names[i] = prep->columns[i].name;
	dup = find_duplicate(names, prep->n_columns);
	mk_free(names);
	if (dup != NULL)
		return check_fail("duplicate column name \"%.64s\"", dup);
	return NULL;
}

/* Checks the label classes of a classification target. */
static const char *
check_classes(const MkTarget *target)
{
	const char *err;
	const char *dup;
	char	  **scratch;
	int32_t		i;

	if (target->n_classes < 2 || target->n_classes > MK_MAX_CLASSES)
		return check_fail("classification with %d classes (2 to %d allowed)",
						  (int) target->n_classes, MK_MAX_CLASSES);
	if (target->classes == NULL)
		return "class labels are missing";
	for (i = 0; i < target->n_classes; i++)
	{
		if ((err = text_error(target->classes[i], true)) != NULL)
			return check_fail("class %d %s", (int) i + 1, err);
	}
	if (target->positive < 0 || target->positive >= target->n_classes)
		return check_fail("positive class %d out of range (%d classes)",
						  (int) target->positive, (int) target->n_classes);

	scratch = mk_alloc(mk_mul_size(target->n_classes, sizeof(char *)));
	memcpy(scratch, target->classes, target->n_classes * sizeof(char *));
	dup = find_duplicate(scratch, target->n_classes);
	mk_free(scratch);
	if (dup != NULL)
		return check_fail("duplicate class \"%.64s\"", dup);
	return NULL;
}

/* Checks the target against the task. */
static const char *
check_target(const MkTarget *target, MkTask task)
{
	const char *err;

	if ((err = text_error(target->name, false)) != NULL)
		return check_fail("target name %s", err);
	if (target->type < MK_LABEL_BOOL || target->type > MK_LABEL_FLOAT)
		return check_fail("unknown label type %d", (int) target->type);
	if (!isfinite(target->mean) || !isfinite(target->scale))
		return "target mean and scale must be finite";

	if (is_classifier(task))
		return check_classes(target);

	if (target->n_classes != 0)
		return check_fail("regression with %d classes (must be 0)",
						  (int) target->n_classes);
	if (!(target->scale > 0.0))
		return check_fail("target scale must be positive, not %g",
						  target->scale);
	return NULL;
}

/* Checks a network configuration and its input and output widths. */
static const char *
check_widths(const MkMlpConfig *cfg, const char *what, int want_in,
			 int want_out)
{
	const char *err;

	if ((err = mk_mlp_config_error(cfg)) != NULL)
		return check_fail("%s: %s", what, err);
	if (cfg->sizes[0] != want_in)
		return check_fail("%s input width %d, expected %d",
						  what, cfg->sizes[0], want_in);
	if (cfg->sizes[cfg->n_dense] != want_out)
		return check_fail("%s output width %d, expected %d",
						  what, cfg->sizes[cfg->n_dense], want_out);
	return NULL;
}

/* Checks that n parameters are present and finite. */
static const char *
check_params(const float *params, size_t n)
{
	size_t		i;

	if (params == NULL)
		return "parameters are missing";
	for (i = 0; i < n; i++)
	{
		if (!isfinite(params[i]))
			return check_fail("parameter %zu of %zu is not finite", i, n);
	}
	return NULL;
}

/* Checks a sequence model's recurrent encoder against the feature slots. */
static const char *
check_rnn(const MkRnnConfig *rnn, int n_features)
{
	const char *err;

	if ((err = mk_rnn_config_error(rnn)) != NULL)
		return check_fail("recurrent encoder: %s", err);
	if (rnn->input != n_features)
		return check_fail("recurrent encoder input width %d, expected %d",
						  rnn->input, n_features);
	return NULL;
}

/*
 * Checks a predictor's network against prep and target, then its weights;
 * for a sequence task, the recurrent encoder against prep, and the network
 * (the head) against the encoder's hidden width.
 */
static const char *
check_network(const MkModel *model)
{
	const char *err;
	int			want_in = model->prep.n_features;
	int			want_out = 1;

	if (is_classifier(model->task) && model->target.n_classes > 2)
		want_out = model->target.n_classes;
	if (model->task == MK_TASK_FORECAST)
	{
		want_in++;				/* the scaled target */
		want_out = model->forecast.horizon;
	}
	if (!is_sequence(model->task))
	{
		if ((err = check_widths(&model->mlp, "network",
								model->prep.n_features, want_out)) != NULL)
			return err;
		return check_params(model->params, mk_mlp_num_params(&model->mlp));
	}

	if ((err = check_rnn(&model->rnn, want_in)) != NULL)
		return err;
	if ((err = check_widths(&model->mlp, "head", model->rnn.hidden,
							want_out)) != NULL)
		return err;
	/* each count is bounded by its configuration check, so the sum fits */
	return check_params(model->params, mk_rnn_num_params(&model->rnn) +
						mk_mlp_num_params(&model->mlp));
}

/* True when a network configuration is all zero, as an unused one must be. */
static bool
config_is_zero(const MkMlpConfig *cfg)
{
	int			l;

	if (cfg->n_dense != 0 || cfg->activation != 0 || cfg->dropout != 0.0f)
		return false;
	for (l = 0; l <= MK_MLP_MAX_DENSE; l++)
	{
		if (cfg->sizes[l] != 0)
			return false;
	}
	return true;
}

/* True when a recurrent encoder is all zero, as a non-sequence one must be. */
static bool
rnn_is_zero(const MkRnnConfig *rnn)
{
	return rnn->cell == 0 && rnn->n_layers == 0 && rnn->input == 0 &&
		rnn->hidden == 0 && rnn->dropout == 0.0f;
}

/* True when a target is all zero, as a segmentation's must be. */
static bool
target_is_zero(const MkTarget *target)
{
	return target->name == NULL && target->type == 0 &&
		target->n_classes == 0 && target->classes == NULL &&
		target->positive == 0 && target->mean == 0.0 && target->scale == 0.0;
}

/* True when segments are all zero, as a predictor's must be. */
static bool
segments_is_zero(const MkSegments *seg)
{
	return seg->method == 0 && seg->k == 0 && seg->dim == 0 &&
		seg->centroids == NULL && config_is_zero(&seg->decoder);
}

/*
 * Checks an autoencoder segmentation: the encoder maps the feature slots
 * to the centres' space, the decoder maps it back, and the parameters of
 * both are finite.
 */
static const char *
check_autoencoder(const MkModel *model)
{
	const MkSegments *seg = &model->segments;
	const char *err;

	if ((err = check_widths(&model->mlp, "encoder", model->prep.n_features,
							seg->dim)) != NULL)
		return err;
	if ((err = check_widths(&seg->decoder, "decoder", seg->dim,
							model->prep.n_features)) != NULL)
		return err;
	/* each count is bounded by mk_mlp_config_error, so the sum fits */
	return check_params(model->params, mk_mlp_num_params(&model->mlp) +
						mk_mlp_num_params(&seg->decoder));
}

/* Checks a k-means segmentation: no network, centres in the feature space. */
static const char *
check_kmeans(const MkModel *model)
{
	const MkSegments *seg = &model->segments;

	if (!config_is_zero(&model->mlp))
		return "k-means model has a network (must be all zero)";
	if (model->params != NULL)
		return "k-means model has parameters (must be NULL)";
	if (!config_is_zero(&seg->decoder))
		return "k-means model has a decoder (must be all zero)";
	if (seg->dim != model->prep.n_features)
		return check_fail("k-means centroid width %d, but the columns fill %d slots",
						  (int) seg->dim, (int) model->prep.n_features);
	return NULL;
}

/* Checks a segmentation: no target, the method's network, finite centres. */
static const char *
check_segmentation(const MkModel *model)
{
	const MkSegments *seg = &model->segments;
	const char *err;
	size_t		n;
	size_t		i;

	if (!target_is_zero(&model->target))
		return "segmentation model has a target (must be all zero)";
	if (seg->method != MK_SEGMENT_AUTOENCODER &&
		seg->method != MK_SEGMENT_KMEANS)
		return check_fail("unknown segmentation method %d",
						  (int) seg->method);
	if (seg->k < 1 || seg->k > MK_MAX_SEGMENTS)
		return check_fail("%d segments (1 to %d allowed)",
						  (int) seg->k, MK_MAX_SEGMENTS);
	if (seg->dim < 1)
		return check_fail("centroid width %d (must be at least 1)",
						  (int) seg->dim);

	if (seg->method == MK_SEGMENT_AUTOENCODER)
		err = check_autoencoder(model);
	else
		err = check_kmeans(model);
	if (err != NULL)
		return err;

	if (seg->centroids == NULL)
		return "centroids are missing";
	n = mk_mul_size(seg->k, seg->dim);
	for (i = 0; i < n; i++)
	{
		if (!isfinite(seg->centroids[i]))
			return check_fail("centroid value %zu of %zu is not finite",
							  i, n);
	}
	return NULL;
}

/* True when a forecast configuration is all zero, as a non-forecast's must be. */
static bool
forecast_is_zero(const MkForecast *fc)
{
	return fc->horizon == 0 && fc->context == 0 && fc->level == 0.0 &&
		fc->series == NULL && fc->order == NULL && fc->lower == NULL &&
		fc->upper == NULL;
}

/*
 * Checks a forecast's configuration: horizon and context in range, the
 * interval level inside (0, 1), its bounds finite and ordered, and the
 * column names usable; the target is a value in scaled units.
 */
static const char *
check_forecast(const MkModel *model)
{
	const MkForecast *fc = &model->forecast;
	const char *err;
	int32_t		h;

	if (fc->horizon < 1 || fc->horizon > MK_MAX_HORIZON)
		return check_fail("forecast horizon %d (1 to %d allowed)",
						  (int) fc->horizon, MK_MAX_HORIZON);
	if (fc->context < 1)
		return check_fail("forecast context %d (must be at least 1)",
						  (int) fc->context);
	if (!(fc->level > 0.0 && fc->level < 1.0))
		return check_fail("interval level %g (must be between 0 and 1)",
						  fc->level);
	if ((err = text_error(fc->series, true)) != NULL)
		return check_fail("series column name %s", err);
	if ((err = text_error(fc->order, false)) != NULL)
		return check_fail("order column name %s", err);
	if (fc->lower == NULL || fc->upper == NULL)
		return "interval bounds are missing";
	for (h = 0; h < fc->horizon; h++)
	{
		if (!isfinite(fc->lower[h]) || !isfinite(fc->upper[h]) ||
			fc->lower[h] > fc->upper[h])
			return check_fail("interval bounds of step %d are not finite and ordered",
							  (int) h + 1);
	}
	if (model->target.mean != 0.0 || model->target.scale != 1.0)
		return "forecast target must have mean 0 and scale 1";
	return NULL;
}

/* True when a text configuration is all zero, as a non-text model's must be. */
static bool
text_is_zero(const MkText *text)
{
	static const MkText zero;

	return text->column == NULL &&
		memcmp(&text->tokenize, &zero.tokenize, sizeof(zero.tokenize)) == 0 &&
		memcmp(&text->cfg, &zero.cfg, sizeof(zero.cfg)) == 0;
}

/*
 * Checks a text classifier: the tokenizer's options, the feature and
 * network configuration against the classes, no columns, no other
 * network, and finite parameters.
 */
static const char *
check_text(const MkModel *model)
{
	const MkText *text = &model->text;
	const char *err;

	if ((err = text_error(text->column, false)) != NULL)
		return check_fail("text column name %s", err);
	if (memchr(text->tokenize.locale, '\0', MK_TOKENIZE_LOCALE_LEN) == NULL)
		return "tokenizer locale is not terminated";
	if (!mk_tokenize_locale_valid(text->tokenize.locale))
		return check_fail("tokenizer locale \"%s\" is not one a language tag gives",
						  text->tokenize.locale);
	if (text->tokenize.cjk_ngrams < 0 ||
		text->tokenize.cjk_ngrams > MK_TOKENIZE_MAX_NGRAM)
		return check_fail("CJK n-grams of %d characters (0 to %d allowed)",
						  text->tokenize.cjk_ngrams, MK_TOKENIZE_MAX_NGRAM);
	if (!text->tokenize.cjk_words && text->tokenize.cjk_ngrams == 0)
		return "tokenizer drops all CJK text (no CJK words, no CJK n-grams)";
	if (text->tokenize.max_bytes < 1 ||
		text->tokenize.max_bytes > MK_TOKENIZE_MAX_BYTES_LIMIT)
		return check_fail("text limit of %zu bytes (1 to %d allowed)",
						  text->tokenize.max_bytes, MK_TOKENIZE_MAX_BYTES_LIMIT);
	if ((err = mk_text_config_error(&text->cfg)) != NULL)
		return check_fail("text classifier: %s", err);
	if (text->cfg.n_classes != model->target.n_classes)
		return check_fail("text classifier of %d classes, but the target has %d",
						  text->cfg.n_classes, (int) model->target.n_classes);
	if ((text->cfg.loss == MK_LOSS_BCE) != (text->cfg.n_classes == 2))
		return "a text classifier has a sigmoid output exactly when it has two classes";
	if (model->prep.n_columns != 0)
		return "text classifier has input columns (must have none)";
	if (!config_is_zero(&model->mlp))
		return "text classifier has a dense network (must be all zero)";
	return check_params(model->params, mk_text_num_params(&text->cfg));
}

/*
 * Checks a classification or regression, plain or of sequences, or a
 * forecast: target, network (and recurrent encoder), no segments.
 */
static const char *
check_predictor(const MkModel *model)
{
	const char *err;

	if ((err = check_target(&model->target, model->task)) != NULL)
		return err;
	if (model->task == MK_TASK_FORECAST &&
		(err = check_forecast(model)) != NULL)
		return err;
	if (model->task == MK_TASK_TEXT_CLASSIFICATION)
		err = check_text(model);
	else
		err = check_network(model);
	if (err != NULL)
		return err;
	if (!segments_is_zero(&model->segments))
		return check_fail("%s model has segments (must be all zero)",
						  task_name(model->task));
	return NULL;
}

/*
 * Checks the invariants scoring relies on.  Returns NULL when the model is
 * valid, else a message (static or in a buffer the next call overwrites).
 */
const char *
mk_model_check(const MkModel *model)
{
	const char *err;

	if (model->task < MK_TASK_CLASSIFICATION ||
		model->task > MK_TASK_TEXT_CLASSIFICATION)
		return check_fail("unknown task %d", (int) model->task);
	if ((err = check_prep(&model->prep,
						  model->task == MK_TASK_FORECAST ||
						  model->task == MK_TASK_TEXT_CLASSIFICATION ? 0 : 1)) != NULL)
		return err;
	if (model->task == MK_TASK_SEGMENTATION)
		err = check_segmentation(model);
	else
		err = check_predictor(model);
	if (err != NULL)
		return err;
	if (!is_sequence(model->task) && !rnn_is_zero(&model->rnn))
		return check_fail("%s model has a recurrent encoder (must be all zero)",
						  task_name(model->task));
	if (model->task != MK_TASK_TEXT_CLASSIFICATION && !text_is_zero(&model->text))
		return check_fail("%s model has a text configuration (must be all zero)",
						  task_name(model->task));
	if (model->task != MK_TASK_FORECAST && !forecast_is_zero(&model->forecast))
		return check_fail("%s model has a forecast configuration (must be all zero)",
						  task_name(model->task));
	if (model->spec_json == NULL)
		return "training spec is missing";
	if (model->metrics_json == NULL)
		return "metrics are missing";
	return NULL;
}

/* Frees an array of n strings and the array itself. */
static void
free_texts(char **texts, int32_t n)
{
	int32_t		i;

	if (texts == NULL)
		return;
	for (i = 0; i < n; i++)
		mk_free(texts[i]);
	mk_free(texts);
}

/*
 * Frees every part of a model and zeroes it.  Parts may be missing, as in a
 * model the reader abandoned half-way: arrays are zeroed when allocated and
 * their counts set only once they exist.
 */
void
mk_model_free(MkModel *model)
{
	int32_t		i;

	if (model->prep.columns != NULL)
	{
		for (i = 0; i < model->prep.n_columns; i++)
		{
			MkColumn   *col = &model->prep.columns[i];

			mk_free(col->name);
			mk_free(col->edges);
			free_texts(col->categories, col->n_categories);
		}
		mk_free(model->prep.columns);
	}
	mk_free(model->target.name);
	free_texts(model->target.classes, model->target.n_classes);
	mk_free(model->params);
	mk_free(model->segments.centroids);
	mk_free(model->forecast.series);
	mk_free(model->forecast.order);
	mk_free(model->forecast.lower);
	mk_free(model->forecast.upper);
	mk_free(model->text.column);
	mk_free(model->spec_json);
	mk_free(model->metrics_json);
	memset(model, 0, sizeof(*model));
}
