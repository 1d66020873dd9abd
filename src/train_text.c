/*
 * train_text.c
 *		Text classification: a bag of hashed word (and character) n-grams,
 *		averaged into an embedding and classified linearly, trained by SGD
 *		(src/core/textclf.h); with "encoder": "cnn", convolutions over the
 *		first tokens in order join the bag, trained by Adam (textcnn.h).
 *
 * The relation is read as for any training (train_data.c), its one feature
 * the text column, so identical documents share a dictionary entry and
 * are tokenized once.  Every row becomes a bag of bucket ids; the rows are
 * split with the usual seeded shuffle; the held-out rows give the metrics,
 * and with refit the model is then trained again on every row.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "core/mk_alloc.h"
#include "core/rng.h"
#include "core/textcnn.h"
#include "scoring.h"
#include "text_features_sql.h"
#include "train_common.h"
#include "train_tabular.h"
#include "train_text.h"

/*
 * Bags of ids per dictionary entry of the text column, in CSR form, and
 * each entry's tokens (its unigram ids, at the head of its bag).
 */
typedef struct Bags
{
	int64	   *offsets;		/* [n_codes + 1] */
	int32	   *ids;
	int32	   *tokens;			/* [n_codes] */
} Bags;

/* Documents in training order, as the core wants them. */
typedef struct Documents
{
	int64	   *offsets;		/* [n + 1] */
	int32	   *ids;
	int32	   *labels;
	int32	   *tokens;
	float	   *weight;			/* NULL unless class weights */
	int			n;
} Documents;

void
TextTokenizeOptions(MkTokenizeOptions *tok, const TrainOptions *opts)
{
	mk_tokenize_options_init(tok);
	if (!mk_tokenize_set_locale(tok, opts->locale))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"locale\" is not a valid language tag: \"%s\"",
						opts->locale),
				 errhint("Use a BCP 47 tag such as \"en\", \"zh\" or \"ja\", or \"\" for the root locale.")));
	tok->cjk_ngrams = opts->cjk_ngrams;
	tok->cjk_words = opts->cjk_words;
	tok->numbers = opts->numbers;
	tok->emoji = opts->emoji;
	tok->max_bytes = (size_t) opts->max_bytes;
}

/* Says which column was being tokenized when an ERROR was raised. */
static void
TokenizingContext(void *arg)
{
	errcontext("tokenizing the texts of column \"%s\" for training",
			   (const char *) arg);
}

/* Tokenizes and hashes every distinct document of the text column once. */
static Bags
HashDictionary(const RawColumn *col, const MkText *text)
{
	ErrorContextCallback context;
	DocumentBuffers buf;
	MemoryContext doc_cxt = AllocSetContextCreate(CurrentMemoryContext,
												  "mktai document",
												  ALLOCSET_DEFAULT_SIZES);
	Bags		bags;
	size_t		capacity = 1024;

	InitDocumentBuffers(&buf, CurrentMemoryContext);
	bags.offsets = palloc_extended(sizeof(int64) * (col->n_codes + 1), MCXT_ALLOC_HUGE);
	bags.tokens = palloc_extended(sizeof(int32) * Max(col->n_codes, 1), MCXT_ALLOC_HUGE);
	bags.ids = palloc_extended(sizeof(int32) * capacity, MCXT_ALLOC_HUGE);
	bags.offsets[0] = 0;
	context.callback = TokenizingContext;
	context.arg = col->name;
	context.previous = error_context_stack;
	error_context_stack = &context;
	for (int c = 0; c < col->n_codes; c++)
	{
		MemoryContext old = MemoryContextSwitchTo(doc_cxt);
		size_t		n = DocumentIds(&buf, text, cstring_to_text(col->texts[c]));

		MemoryContextSwitchTo(old);
		MemoryContextReset(doc_cxt);
		if (bags.offsets[c] + n > capacity)
		{
			while (bags.offsets[c] + n > capacity)
				capacity *= 2;
			bags.ids = repalloc_huge(bags.ids, sizeof(int32) * capacity);
		}
		memcpy(bags.ids + bags.offsets[c], buf.ids, sizeof(int32) * n);
		bags.offsets[c + 1] = bags.offsets[c] + n;
		bags.tokens[c] = buf.n_tokens;
		if (c % 1024 == 0)
			CHECK_FOR_INTERRUPTS();
	}
	error_context_stack = context.previous;
	MemoryContextDelete(doc_cxt);
	return bags;
}

/*
 * The rows rows[0 .. n) as documents: each row's bag (empty for a NULL
 * text) and class.
 */
static Documents
GatherDocuments(const RawTable *table, const Bags *bags,
				const int32 *class_of_code, const int32 *rows, int n)
{
	const RawColumn *col = &table->features[0];
	Documents	d;
	int64		total = 0;

	d.n = n;
	d.weight = NULL;
	d.offsets = palloc_extended(sizeof(int64) * (n + 1), MCXT_ALLOC_HUGE);
	d.labels = palloc_extended(sizeof(int32) * Max(n, 1), MCXT_ALLOC_HUGE);
	d.tokens = palloc_extended(sizeof(int32) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (int i = 0; i < n; i++)
	{
		int32		code = col->codes[rows[i]];

		if (code >= 0)
			total += bags->offsets[code + 1] - bags->offsets[code];
	}
	d.ids = palloc_extended(sizeof(int32) * Max(total, 1), MCXT_ALLOC_HUGE);
	d.offsets[0] = 0;
	for (int i = 0; i < n; i++)
	{
		int32		code = col->codes[rows[i]];
		int64		len = code >= 0 ? bags->offsets[code + 1] - bags->offsets[code] : 0;

		if (len > 0)
			memcpy(d.ids + d.offsets[i], bags->ids + bags->offsets[code],
				   sizeof(int32) * len);
		d.offsets[i + 1] = d.offsets[i] + len;
		d.tokens[i] = code >= 0 ? bags->tokens[code] : 0;
		d.labels[i] = class_of_code[table->target.codes[rows[i]]];
	}
	return d;
}

/* The documents as the core's dataset. */
static MkTextDataset
TextData(const Documents *d)
{
	MkTextDataset data;

	data.offsets = d->offsets;
	data.ids = d->ids;
	data.labels = d->labels;
	data.weight = d->weight;
	data.n = d->n;
	data.tokens = d->tokens;
	return data;
}

/* Appends the metrics of the model on the documents d. */
static void
AppendTextMetrics(StringInfo metrics, const MkModel *model, const Documents *d)
{
	const MkTextConfig *cfg = &model->text.cfg;
	int			K = cfg->n_classes;
	int			width = ModelOutputWidth(model);
	float	   *scratch = palloc(sizeof(float) * mk_text_scratch_size(cfg));
	float	   *probs = palloc(sizeof(float) * K);
	float	   *outputs = palloc_extended(sizeof(float) * Max(d->n, 1) * width,
										  MCXT_ALLOC_HUGE);

	for (int i = 0; i < d->n; i++)
	{
		mk_text_predict(probs, cfg, model->params, d->ids + d->offsets[i],
						(int) (d->offsets[i + 1] - d->offsets[i]), d->tokens[i],
						scratch);
		if (width == 1)
			outputs[i] = probs[model->target.positive];
		else
			memcpy(outputs + (size_t) i * K, probs, sizeof(float) * K);
	}
	AppendMetrics(metrics, model, outputs, d->labels, NULL, d->n);
}

/* Trains params from fresh weights on train, validating on valid. */
static void
FitText(const MkModel *model, const MkTextDataset *train,
		const MkTextDataset *valid, const TrainOptions *opts,
		const MkFitHooks *hooks, MkFitResult *fit)
{
	MkTextFitOptions fit_opts;
	MkRng		rng;

	fit_opts.learning_rate = (float) opts->learning_rate;
	fit_opts.epochs = opts->epochs;
	fit_opts.seed = (uint64) opts->seed;
	fit_opts.batch_size = opts->batch_size;
	fit_opts.dropout = (float) opts->dropout;
	mk_rng_seed(&rng, (uint64) opts->seed + 1);
	mk_text_init(model->params, &model->text.cfg, &rng);
	mk_text_fit(&model->text.cfg, model->params, train, valid, &fit_opts,
				hooks, fit);
}

void
TrainText(MkModel *model, StringInfo metrics, RawTable *table,
		  const TrainOptions *opts)
{
	MkText	   *text = &model->text;
	Split		split = SplitRows(table->n_rows, opts->validation_fraction,
								  (uint64) opts->seed);
	int32	   *class_of_code = NULL;
	Bags		bags;
	Documents	train,
				valid;
	MkTextDataset train_d,
				valid_d;
	MkFitHooks	hooks;
	MkFitResult fit;
	Progress	progress;
	const char *problem;
	const char *metric;

	model->task = MK_TASK_TEXT_CLASSIFICATION;
	if (table->features[0].kind != MK_COLUMN_CATEGORICAL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("text column \"%s\" is of type %s",
						table->features[0].name,
						format_type_be(table->features[0].typid)),
				 errhint("Cast it to text in a view.")));
	LearnClasses(&model->target, &class_of_code, table, opts);
	text->column = table->features[0].name;
	TextTokenizeOptions(&text->tokenize, opts);
	text->cfg.feat.buckets = opts->buckets;
	text->cfg.feat.word_ngrams = opts->word_ngrams;
	text->cfg.feat.char_min = opts->char_min;
	text->cfg.feat.char_max = opts->char_max;
	text->cfg.dim = opts->dim;
	text->cfg.n_classes = model->target.n_classes;
	text->cfg.loss = model->target.n_classes == 2 ? MK_LOSS_BCE : MK_LOSS_SOFTMAX;
	if (strcmp(opts->encoder, "cnn") == 0)
	{
		text->cfg.encoder = MK_TEXT_CNN;
		text->cfg.filters = opts->filters;
		text->cfg.max_length = opts->max_length;
	}
	if ((problem = mk_text_config_error(&text->cfg)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid text classifier: %s", problem)));
	if (text->cfg.encoder == MK_TEXT_CNN &&
		(problem = mk_textcnn_shape_error(&text->cfg, opts->batch_size)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid text classifier: %s", problem),
				 errhint("Lower \"batch_size\" or \"max_length\".")));

	bags = HashDictionary(&table->features[0], text);
	train = GatherDocuments(table, &bags, class_of_code, split.rows, split.n_train);
	valid = GatherDocuments(table, &bags, class_of_code, split.rows + split.n_train,
							split.n_valid);
	if (strcmp(opts->class_weight, "balanced") == 0)
	{
		train.weight = palloc_extended(sizeof(float) * Max(train.n, 1), MCXT_ALLOC_HUGE);
		mk_text_balanced_weights(train.weight, train.labels, train.n,
								 text->cfg.n_classes);
	}
	train_d = TextData(&train);
	valid_d = TextData(&valid);

	metric = text->cfg.n_classes == 2 ? "auc" : "accuracy";
	InitProgress(&hooks, &progress, opts->epochs, metric);
	model->params = mk_alloc(mk_mul_size(mk_text_num_params(&text->cfg), sizeof(float)));
	FitText(model, &train_d, &valid_d, opts, &hooks, &fit);

	appendStringInfoChar(metrics, '{');
	AppendTextMetrics(metrics, model, valid.n > 0 ? &valid : &train);
	appendStringInfo(metrics, ", \"evaluated_on\": \"%s\", \"train_rows\": %d, "
					 "\"valid_rows\": %d, \"skipped_rows\": " INT64_FORMAT
					 ", \"distinct_texts\": %d, \"features_per_text\": %.1f, "
					 "\"epochs_run\": %d, \"classes\": [%s]",
					 valid.n > 0 ? "validation" : "training", train.n, valid.n,
					 table->n_skipped, table->features[0].n_codes,
					 (double) bags.offsets[table->features[0].n_codes] /
					 Max(table->features[0].n_codes, 1),
					 fit.epochs_run, ClassList(&model->target));
	if (model->target.n_classes == 2)
	{
		appendStringInfoString(metrics, ", \"positive_class\": ");
		escape_json(metrics, model->target.classes[model->target.positive]);
	}
	AppendCurve(metrics, &fit, metric);
	appendStringInfoChar(metrics, '}');

	if (opts->refit && valid.n > 0)
	{
		Documents	all = GatherDocuments(table, &bags, class_of_code, split.rows,
										  table->n_rows);
		MkTextDataset all_d;

		if (train.weight != NULL)
		{
			all.weight = palloc_extended(sizeof(float) * all.n, MCXT_ALLOC_HUGE);
			mk_text_balanced_weights(all.weight, all.labels, all.n,
									 text->cfg.n_classes);
		}
		all_d = TextData(&all);
		ereport(NOTICE,
				(errmsg("refitting on all %d rows for %d epochs", all.n, opts->epochs)));
		mk_free(fit.curve);
		valid_d.n = 0;
		FitText(model, &all_d, &valid_d, opts, &hooks, &fit);
	}
	mk_free(fit.curve);
}
