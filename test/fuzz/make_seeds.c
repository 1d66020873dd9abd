/*
 * make_seeds.c
 *		Writes a few small valid models as the fuzzer's seed corpus.
 *
 * Usage: make_seeds DIR.  The seeds cover every task, binary and
 * multi-class outputs, segmentation by an autoencoder and by k-means,
 * sequence classification by a two-layer LSTM and sequence regression by
 * a one-layer GRU, forecasts over the target alone and with a covariate
 * column, binary and three-class text classifiers, numeric columns with
 * and without a NULL slot or bin edges, categorical columns with none, one
 * and several categories, one to three dense layers and every activation,
 * and stay small so that the fuzzer runs fast.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mk_alloc.h"
#include "core/textclf.h"
#include "model/model.h"

/* A copy of s in mk_alloc'd memory. */
static char *
dup_text(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = mk_alloc(n);

	memcpy(d, s, n);
	return d;
}

/* An mk_alloc'd array of n copied texts, or NULL for none. */
static char **
dup_texts(const char *const *texts, int n)
{
	char	  **arr;
	int			i;

	if (n == 0)
		return NULL;
	arr = mk_alloc(n * sizeof(char *));
	for (i = 0; i < n; i++)
		arr[i] = dup_text(texts[i]);
	return arr;
}

/* Appends a column to m's prep, at the next free feature slot. */
static void
add_column(MkModel *m, const char *name, MkColumnKind kind,
		   bool null_indicator, const char *const *categories, int n)
{
	MkColumn   *col = &m->prep.columns[m->prep.n_columns++];

	col->name = dup_text(name);
	col->kind = kind;
	col->offset = m->prep.n_features;
	col->mean = kind == MK_COLUMN_NUMERIC ? 1.5 : 0.0;
	col->scale = kind == MK_COLUMN_NUMERIC ? 0.5 : 0.0;
	col->null_indicator = null_indicator;
	col->n_categories = n;
	col->categories = dup_texts(categories, n);
	m->prep.n_features += mk_column_width(col);
}

/* Appends a numeric column with n_edges quantile bin edges. */
static void
add_binned_column(MkModel *m, const char *name, int n_edges)
{
	MkColumn   *col = &m->prep.columns[m->prep.n_columns];
	int			i;

	add_column(m, name, MK_COLUMN_NUMERIC, false, NULL, 0);
	m->prep.n_features -= mk_column_width(col);
	col->n_edges = n_edges;
	col->edges = mk_alloc(n_edges * sizeof(double));
	for (i = 0; i < n_edges; i++)
		col->edges[i] = 0.5 * i - 1.0;
	m->prep.n_features += mk_column_width(col);
}

/* Sets cfg to n_in -> hidden[0 .. n_hidden - 1] -> n_out. */
static void
set_config(MkMlpConfig *cfg, int n_in, const int *hidden, int n_hidden,
		   int n_out, MkActivation activation, float dropout)
{
	int			l;

	cfg->n_dense = n_hidden + 1;
	cfg->sizes[0] = n_in;
	for (l = 0; l < n_hidden; l++)
		cfg->sizes[l + 1] = hidden[l];
	cfg->sizes[n_hidden + 1] = n_out;
	cfg->activation = activation;
	cfg->dropout = dropout;
}

/* Fills n parameters of m with distinct values. */
static void
fill_params(MkModel *m, size_t n)
{
	size_t		i;

	m->params = mk_alloc(n * sizeof(float));
	for (i = 0; i < n; i++)
		m->params[i] = (float) cos((double) i);
}

/* Sets the network from hidden[0 .. n_hidden - 1] and fills its weights. */
static void
set_network(MkModel *m, const int *hidden, int n_hidden, int n_out,
			MkActivation activation)
{
	set_config(&m->mlp, m->prep.n_features, hidden, n_hidden, n_out,
			   activation, 0.1f);
	fill_params(m, mk_mlp_num_params(&m->mlp));
}

/* Sets k segment centres of width dim. */
static void
set_segments(MkModel *m, MkSegmentMethod method, int k, int dim)
{
	size_t		n = (size_t) k * dim;
	size_t		i;

	m->task = MK_TASK_SEGMENTATION;
	m->segments.method = method;
	m->segments.k = k;
	m->segments.dim = dim;
	m->segments.centroids = mk_alloc(n * sizeof(float));
	for (i = 0; i < n; i++)
		m->segments.centroids[i] = (float) sin((double) i);
}

/*
 * Sets an autoencoder segmentation: the encoder maps the features through
 * hidden to latent, the decoder mirrors it, and k centres lie in the
 * latent space.
 */
static void
set_autoencoder(MkModel *m, int hidden, int latent, int k)
{
	int			n_features = m->prep.n_features;

	set_config(&m->mlp, n_features, &hidden, 1, latent, MK_ACT_RELU, 0.1f);
	set_config(&m->segments.decoder, latent, &hidden, 1, n_features,
			   MK_ACT_SIGMOID, 0.0f);
	fill_params(m, mk_mlp_num_params(&m->mlp) +
				mk_mlp_num_params(&m->segments.decoder));
	set_segments(m, MK_SEGMENT_AUTOENCODER, k, latent);
}

/* Sets a classification target over n classes. */
static void
set_classes(MkModel *m, MkLabelType type, const char *const *classes, int n)
{
	m->task = MK_TASK_CLASSIFICATION;
	m->target.name = dup_text("label");
	m->target.type = type;
	m->target.n_classes = n;
	m->target.classes = dup_texts(classes, n);
	m->target.positive = n - 1;
}

/*
 * Sets a sequence model: a recurrent encoder of n_layers layers of hidden
 * units over the features, then a head hidden -> head_hidden -> n_out
 * (no hidden head layer when head_hidden is 0), and fills the recurrent
 * parameters and the head's.
 */
static void
set_sequence(MkModel *m, MkCell cell, int n_layers, int hidden,
			 int head_hidden, int n_out)
{
	m->rnn.cell = cell;
	m->rnn.n_layers = n_layers;
	m->rnn.input = m->prep.n_features;
	m->rnn.hidden = hidden;
	m->rnn.dropout = n_layers > 1 ? 0.2f : 0.0f;
	set_config(&m->mlp, hidden, &head_hidden, head_hidden > 0 ? 1 : 0,
			   n_out, MK_ACT_TANH, 0.0f);
	fill_params(m, mk_rnn_num_params(&m->rnn) + mk_mlp_num_params(&m->mlp));
}

/*
 * Sets a forecast of horizon steps from windows of context rows, one
 * series when series is "": a recurrent encoder over the scaled target and
 * the feature slots, a head hidden -> head_hidden -> horizon, and
 * interval bounds that widen with the step.
 */
static void
set_forecast(MkModel *m, MkCell cell, int hidden, int head_hidden,
			 int horizon, int context, const char *series)
{
	int			h;

	m->task = MK_TASK_FORECAST;
	m->target.name = dup_text("y");
	m->target.type = MK_LABEL_FLOAT;
	m->target.scale = 1.0;
	m->forecast.horizon = horizon;
	m->forecast.context = context;
	m->forecast.level = 0.8;
	m->forecast.series = dup_text(series);
	m->forecast.order = dup_text("t");
	m->forecast.lower = mk_alloc(horizon * sizeof(double));
	m->forecast.upper = mk_alloc(horizon * sizeof(double));
	for (h = 0; h < horizon; h++)
	{
		m->forecast.lower[h] = -0.25 * (h + 1);
		m->forecast.upper[h] = 0.5 * (h + 1);
	}
	m->prep.n_features++;		/* the scaled target, read first */
	set_sequence(m, cell, 1, hidden, head_hidden, horizon);
	m->prep.n_features--;
}

/*
 * Sets a text classifier over n classes of the given labels: a tokenizer
 * with a locale and CJK n-grams, word and character n-grams hashed into a
 * few buckets, a small embedding, and filled parameters.
 */
static void
set_text(MkModel *m, const char *const *classes, int n)
{
	MkText	   *text = &m->text;

	set_classes(m, MK_LABEL_TEXT, classes, n);
	m->task = MK_TASK_TEXT_CLASSIFICATION;
	text->column = dup_text("review");
	mk_tokenize_options_init(&text->tokenize);
	mk_tokenize_set_locale(&text->tokenize, "ja");
	text->tokenize.cjk_ngrams = 2;
	text->tokenize.max_bytes = 1000;
	text->cfg.feat.buckets = 8;
	text->cfg.feat.word_ngrams = 2;
	text->cfg.feat.char_min = 2;
	text->cfg.feat.char_max = 3;
	text->cfg.dim = 2;
	text->cfg.n_classes = n;
	text->cfg.loss = n == 2 ? MK_LOSS_BCE : MK_LOSS_SOFTMAX;
	fill_params(m, mk_text_num_params(&text->cfg));
}

/* Serialises m into dir/name and frees it; returns false on failure. */
static bool
save(MkModel *m, const char *dir, const char *name)
{
	char		path[4096];
	uint8_t    *bytes;
	size_t		len;
	FILE	   *f;
	bool		ok;

	m->spec_json = dup_text("{\"epochs\": 5}");
	m->metrics_json = dup_text("{\"loss\": 0.5}");
	bytes = mk_model_write(m, &len);
	if (bytes == NULL)
	{
		fprintf(stderr, "make_seeds: %s: %s\n", name, mk_model_check(m));
		mk_model_free(m);
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ok = f != NULL && fwrite(bytes, 1, len, f) == len;
	if (f == NULL || fclose(f) != 0)
		ok = false;
	if (!ok)
		perror(path);
	mk_free(bytes);
	mk_model_free(m);
	return ok;
}

int
main(int argc, char **argv)
{
	static const char *const two[] = {"no", "yes"};
	static const char *const three[] = {"a", "b", "c"};
	static const char *const one[] = {"x"};
	static const int h4[] = {4};
	static const int h32[] = {3, 2};
	MkModel		m;
	bool		ok = true;

	if (argc != 2)
	{
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}

	/* regression on one numeric column, a single dense layer */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "x", MK_COLUMN_NUMERIC, false, NULL, 0);
	m.task = MK_TASK_REGRESSION;
	m.target.name = dup_text("y");
	m.target.type = MK_LABEL_FLOAT;
	m.target.mean = 2.0;
	m.target.scale = 3.0;
	set_network(&m, NULL, 0, 1, MK_ACT_RELU);
	ok &= save(&m, argv[1], "seed-regression.mkm");

	/* binary: numeric with NULL slot and a two-category column */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "n", MK_COLUMN_NUMERIC, true, NULL, 0);
	add_column(&m, "c", MK_COLUMN_CATEGORICAL, false, two, 2);
	set_classes(&m, MK_LABEL_BOOL, two, 2);
	set_network(&m, h4, 1, 1, MK_ACT_TANH);
	ok &= save(&m, argv[1], "seed-binary.mkm");

	/* multi-class: categorical columns with none and one category */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "empty", MK_COLUMN_CATEGORICAL, false, NULL, 0);
	add_column(&m, "single", MK_COLUMN_CATEGORICAL, false, one, 1);
	add_column(&m, "v", MK_COLUMN_NUMERIC, false, NULL, 0);
	set_classes(&m, MK_LABEL_TEXT, three, 3);
	set_network(&m, h32, 2, 3, MK_ACT_SIGMOID);
	ok &= save(&m, argv[1], "seed-multiclass.mkm");

	/* autoencoder segmentation: 6 features, encoder 6 -> 4 -> 2, 3 centres */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "n", MK_COLUMN_NUMERIC, true, NULL, 0);
	add_column(&m, "c", MK_COLUMN_CATEGORICAL, false, two, 2);
	set_autoencoder(&m, 4, 2, 3);
	ok &= save(&m, argv[1], "seed-autoencoder.mkm");

	/* k-means segmentation: a binned and a categorical column, 2 centres */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_binned_column(&m, "b", 2);
	add_column(&m, "single", MK_COLUMN_CATEGORICAL, false, one, 1);
	set_segments(&m, MK_SEGMENT_KMEANS, 2, m.prep.n_features);
	ok &= save(&m, argv[1], "seed-kmeans.mkm");

	/*
	 * binary sequence classification: two LSTM layers of 2 units over a
	 * numeric and a categorical column (6 slots), head 2 -> 1
	 */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "n", MK_COLUMN_NUMERIC, true, NULL, 0);
	add_column(&m, "c", MK_COLUMN_CATEGORICAL, false, two, 2);
	set_classes(&m, MK_LABEL_BOOL, two, 2);
	m.task = MK_TASK_SEQUENCE_CLASSIFICATION;
	set_sequence(&m, MK_CELL_LSTM, 2, 2, 0, 1);
	ok &= save(&m, argv[1], "seed-sequence-lstm.mkm");

	/*
	 * sequence regression: one GRU layer of 2 units over a binned column
	 * (4 slots), head 2 -> 3 -> 1
	 */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_binned_column(&m, "b", 2);
	m.task = MK_TASK_SEQUENCE_REGRESSION;
	m.target.name = dup_text("y");
	m.target.type = MK_LABEL_INT;
	m.target.mean = -1.0;
	m.target.scale = 4.0;
	set_sequence(&m, MK_CELL_GRU, 1, 2, 3, 1);
	ok &= save(&m, argv[1], "seed-sequence-gru.mkm");

	/* forecast of 3 steps from the target alone: LSTM of 2 units, head 2 -> 3 */
	memset(&m, 0, sizeof(m));
	set_forecast(&m, MK_CELL_LSTM, 2, 0, 3, 4, "");
	ok &= save(&m, argv[1], "seed-forecast.mkm");

	/*
	 * forecast of 2 steps per series with a covariate column (2 slots, 3
	 * inputs): GRU of 2 units, head 2 -> 2 -> 2
	 */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "n", MK_COLUMN_NUMERIC, true, NULL, 0);
	set_forecast(&m, MK_CELL_GRU, 2, 2, 2, 3, "s");
	ok &= save(&m, argv[1], "seed-forecast-covariate.mkm");

	/* text classifiers: binary (a sigmoid) and of three classes (a softmax) */
	memset(&m, 0, sizeof(m));
	set_text(&m, two, 2);
	ok &= save(&m, argv[1], "seed-text-binary.mkm");
	memset(&m, 0, sizeof(m));
	set_text(&m, three, 3);
	ok &= save(&m, argv[1], "seed-text-multiclass.mkm");

	return ok ? 0 : 1;
}
