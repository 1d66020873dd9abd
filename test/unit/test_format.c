/*
 * test_format.c
 *		Tests of the model format and of mk_model_check().
 *
 * A few small models are built by hand: binary and multi-class
 * classification, regression, segmentation by an autoencoder and by
 * k-means, sequence classification by an LSTM and sequence regression
 * by a GRU, over a numeric column with a NULL indicator, a categorical
 * column and a binned numeric column, and forecasts by an LSTM over the
 * target alone (no columns) and by a GRU with those columns as
 * covariates.  Each must survive a round trip field for field and
 * re-serialise to the same bytes.
 * Then the reader is attacked: every truncation, every single-bit flip,
 * foreign bytes, and targeted corruptions with the checksum recomputed, so
 * that the structural checks behind the CRC are reached; each must fail
 * cleanly with the expected message.  Last, mk_model_check() must reject
 * each invariant broken in turn.
 *
 * c.h comes first, as in every file that links with libpgport.
 */
#include "c.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/mk_alloc.h"
#include "model/model.h"
#include "unit.h"
#include "unit_format.h"

typedef enum TestKind
{
	TEST_BINARY,
	TEST_MULTI,
	TEST_REGRESSION,
	TEST_AUTOENCODER,
	TEST_KMEANS,
	TEST_SEQ_LSTM,
	TEST_SEQ_GRU,
	TEST_FORECAST,
	TEST_FORECAST_COV
} TestKind;

#define TEST_KIND_COUNT (TEST_FORECAST_COV + 1)

static const char *const kind_names[] = {
	"binary", "multi-class", "regression", "autoencoder segmentation",
	"k-means segmentation", "lstm sequence classification",
	"gru sequence regression", "lstm forecast",
	"gru forecast with covariates"
};

/*
 * The sequence models' parameters: the LSTM's two layers, G*H = 16 rows,
 * hold 16 * (12 + 4 + 2) + 16 * (4 + 4 + 2) = 448 floats and its head
 * 4 * 5 + 5 + 5 * 3 + 3 = 43; the GRU's layer, G*H = 9 rows, holds
 * 9 * (12 + 3 + 2) = 153 and its head 3 + 1 = 4.
 */
#define LSTM_RNN_PARAMS 448
#define LSTM_PARAMS		491
#define GRU_RNN_PARAMS	153
#define GRU_PARAMS		157

/*
 * The forecasts' parameters: the LSTM over the target alone, G*H = 16
 * rows, holds 16 * (1 + 4 + 2) = 112 floats and its head 4 * 3 + 3 = 15;
 * the GRU over the target and the 12 slots, two layers of G*H = 9 rows,
 * holds 9 * (13 + 3 + 2) + 9 * (3 + 3 + 2) = 234 and its head
 * 3 * 5 + 5 + 5 * 3 + 3 = 38.
 */
#define FC_LSTM_PARAMS	127
#define FC_GRU_RNN_PARAMS 234
#define FC_GRU_PARAMS	272

/* A copy of s in mk_alloc'd memory. */
static char *
dup_text(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = mk_alloc(n);

	memcpy(d, s, n);
	return d;
}

/* An mk_alloc'd array of n copied texts. */
static char **
dup_texts(const char *const *texts, int n)
{
	char	  **arr = mk_alloc(n * sizeof(char *));
	int			i;

	for (i = 0; i < n; i++)
		arr[i] = dup_text(texts[i]);
	return arr;
}

/* Fills one column; offsets are set by the caller. */
static void
set_column(MkColumn *col, const char *name, MkColumnKind kind,
		   double mean, double scale, bool null_indicator)
{
	col->name = dup_text(name);
	col->kind = kind;
	col->mean = mean;
	col->scale = scale;
	col->null_indicator = null_indicator;
}

/*
 * Sets an autoencoder segmentation: encoder 12 -> 5 -> 3, decoder
 * 3 -> 5 -> 12, four centres in the 3-wide latent space.
 */
static void
set_autoencoder(MkModel *m)
{
	MkMlpConfig *dec = &m->segments.decoder;

	m->task = MK_TASK_SEGMENTATION;
	m->mlp.n_dense = 2;
	m->mlp.sizes[1] = 5;
	m->mlp.sizes[2] = 3;
	m->mlp.activation = MK_ACT_RELU;
	m->segments.method = MK_SEGMENT_AUTOENCODER;
	m->segments.k = 4;
	m->segments.dim = 3;
	dec->n_dense = 2;
	dec->sizes[0] = 3;
	dec->sizes[1] = 5;
	dec->sizes[2] = 12;
	dec->activation = MK_ACT_TANH;
	dec->dropout = 0.0f;
}

/* Sets a k-means segmentation: no network, three centres in 12 slots. */
static void
set_kmeans(MkModel *m)
{
	m->task = MK_TASK_SEGMENTATION;
	memset(&m->mlp, 0, sizeof(m->mlp));
	m->segments.method = MK_SEGMENT_KMEANS;
	m->segments.k = 3;
	m->segments.dim = 12;
}

/* Sets a classification or regression target and its network. */
static void
set_predictor(MkModel *m, TestKind kind)
{
	static const char *const yes_no[] = {"false", "true"};
	static const char *const animals[] = {"ant", "bee", "cat"};
	MkTarget   *target = &m->target;

	m->task = kind == TEST_REGRESSION ?
		MK_TASK_REGRESSION : MK_TASK_CLASSIFICATION;
	switch (kind)
	{
		case TEST_BINARY:
			target->name = dup_text("churned");
			target->type = MK_LABEL_BOOL;
			target->n_classes = 2;
			target->classes = dup_texts(yes_no, 2);
			target->positive = 1;
			m->mlp.n_dense = 2;
			m->mlp.sizes[1] = 4;
			m->mlp.sizes[2] = 1;
			m->mlp.activation = MK_ACT_RELU;
			break;
		case TEST_MULTI:
			target->name = dup_text("species");
			target->type = MK_LABEL_TEXT;
			target->n_classes = 3;
			target->classes = dup_texts(animals, 3);
			m->mlp.n_dense = 1;
			m->mlp.sizes[1] = 3;
			m->mlp.activation = MK_ACT_TANH;
			break;
		default:
			target->name = dup_text("price");
			target->type = MK_LABEL_FLOAT;
			target->mean = 3.5;
			target->scale = 2.0;
			m->mlp.n_dense = 3;
			m->mlp.sizes[1] = 6;
			m->mlp.sizes[2] = 4;
			m->mlp.sizes[3] = 1;
			m->mlp.activation = MK_ACT_SIGMOID;
			break;
	}
}

/*
 * Sets a sequence model over the 12 feature slots: an LSTM sequence
 * classification over three classes, two layers of 4 units and a head
 * 4 -> 5 -> 3, or a GRU sequence regression, one layer of 3 units and a
 * head 3 -> 1.
 */
static void
set_sequence(MkModel *m, TestKind kind)
{
	static const char *const animals[] = {"ant", "bee", "cat"};
	MkTarget   *target = &m->target;

	m->rnn.input = 12;
	if (kind == TEST_SEQ_LSTM)
	{
		m->task = MK_TASK_SEQUENCE_CLASSIFICATION;
		target->name = dup_text("species");
		target->type = MK_LABEL_TEXT;
		target->n_classes = 3;
		target->classes = dup_texts(animals, 3);
		target->positive = 2;
		m->rnn.cell = MK_CELL_LSTM;
		m->rnn.n_layers = 2;
		m->rnn.hidden = 4;
		m->rnn.dropout = 0.125f;
		m->mlp.n_dense = 2;
		m->mlp.sizes[0] = 4;
		m->mlp.sizes[1] = 5;
		m->mlp.sizes[2] = 3;
		m->mlp.activation = MK_ACT_RELU;
		return;
	}
	m->task = MK_TASK_SEQUENCE_REGRESSION;
	target->name = dup_text("demand");
	target->type = MK_LABEL_INT;
	target->mean = -1.25;
	target->scale = 0.5;
	m->rnn.cell = MK_CELL_GRU;
	m->rnn.n_layers = 1;
	m->rnn.hidden = 3;
	m->mlp.n_dense = 1;
	m->mlp.sizes[0] = 3;
	m->mlp.sizes[1] = 1;
	m->mlp.activation = MK_ACT_TANH;
	m->mlp.dropout = 0.0f;
}

/*
 * Sets a forecast of 3 steps from windows of 5 rows at level 0.9: an LSTM
 * of 4 units over the scaled target alone (the columns are dropped), head
 * 4 -> 3, one series; or, keeping the 12 slots as covariates, a GRU of
 * two layers of 3 units over 13 inputs, head 3 -> 5 -> 3, per "campaign".
 */
static void
set_forecast(MkModel *m, TestKind kind)
{
	static const double lower[3] = {-0.0, -0.75, -1.5};
	static const double upper[3] = {0.5, 0.75, 1.25};
	MkForecast *fc = &m->forecast;

	m->task = MK_TASK_FORECAST;
	m->target.name = dup_text("clicks");
	m->target.type = MK_LABEL_FLOAT;
	m->target.scale = 1.0;
	fc->horizon = 3;
	fc->context = 5;
	fc->level = 0.9;
	fc->order = dup_text("day");
	fc->lower = mk_alloc(3 * sizeof(double));
	fc->upper = mk_alloc(3 * sizeof(double));
	memcpy(fc->lower, lower, sizeof(lower));
	memcpy(fc->upper, upper, sizeof(upper));
	m->rnn.input = m->prep.n_features + 1;
	m->mlp.activation = MK_ACT_TANH;
	m->mlp.dropout = 0.0f;
	if (kind == TEST_FORECAST)
	{
		fc->series = dup_text("");
		m->rnn.cell = MK_CELL_LSTM;
		m->rnn.n_layers = 1;
		m->rnn.hidden = 4;
		m->mlp.n_dense = 1;
		m->mlp.sizes[0] = 4;
		m->mlp.sizes[1] = 3;
		return;
	}
	fc->series = dup_text("campaign");
	m->rnn.cell = MK_CELL_GRU;
	m->rnn.n_layers = 2;
	m->rnn.hidden = 3;
	m->rnn.dropout = 0.25f;
	m->mlp.n_dense = 2;
	m->mlp.sizes[0] = 3;
	m->mlp.sizes[1] = 5;
	m->mlp.sizes[2] = 3;
	m->mlp.activation = MK_ACT_RELU;
}

/* Drops every column of a model's prep, leaving no feature slots. */
static void
drop_columns(MkModel *m)
{
	MkModel		only = {0};

	only.prep = m->prep;
	mk_model_free(&only);
	memset(&m->prep, 0, sizeof(m->prep));
}

/*
 * Parameters a model holds: its network's, plus an autoencoder's decoder's
 * or, before them, a sequence model's recurrent encoder's.
 */
static size_t
num_params(const MkModel *m)
{
	size_t		n = mk_mlp_num_params(&m->mlp);

	if (m->task == MK_TASK_SEGMENTATION &&
		m->segments.method == MK_SEGMENT_AUTOENCODER)
		n += mk_mlp_num_params(&m->segments.decoder);
	if (m->task == MK_TASK_SEQUENCE_CLASSIFICATION ||
		m->task == MK_TASK_SEQUENCE_REGRESSION ||
		m->task == MK_TASK_FORECAST)
		n += mk_rnn_num_params(&m->rnn);
	return n;
}

/*
 * Builds a valid model of the given kind, entirely mk_alloc'd so that
 * mk_model_free() releases it.  Features: "age" (numeric with a NULL slot,
 * 2), "color" (3 categories + NULL + unseen, 5), "income" (numeric with 3
 * bin edges, 1 + 4).
 */
static void
make_model(MkModel *m, TestKind kind)
{
	static const char *const colors[] = {"blue", "cyan", "pink"};
	MkPrep	   *prep = &m->prep;
	size_t		n;
	size_t		i;

	memset(m, 0, sizeof(*m));
	prep->n_columns = 3;
	prep->columns = mk_alloc(3 * sizeof(MkColumn));
	set_column(&prep->columns[0], "age", MK_COLUMN_NUMERIC, 41.5, 12.25, true);
	set_column(&prep->columns[1], "color", MK_COLUMN_CATEGORICAL, 0, 0, false);
	prep->columns[1].n_categories = 3;
	prep->columns[1].categories = dup_texts(colors, 3);
	set_column(&prep->columns[2], "income", MK_COLUMN_NUMERIC, -3e4, 1.5e4,
			   false);
	prep->columns[2].log_transform = true;
	prep->columns[2].n_edges = 3;
	prep->columns[2].edges = mk_alloc(3 * sizeof(double));
	prep->columns[2].edges[0] = -4e4;
	prep->columns[2].edges[1] = -2.5e4;
	prep->columns[2].edges[2] = 1e3;
	prep->columns[0].offset = 0;
	prep->columns[1].offset = 2;
	prep->columns[2].offset = 7;
	prep->n_features = 12;

	m->mlp.sizes[0] = 12;
	m->mlp.dropout = 0.25f;
	if (kind == TEST_AUTOENCODER)
		set_autoencoder(m);
	else if (kind == TEST_KMEANS)
		set_kmeans(m);
	else if (kind == TEST_SEQ_LSTM || kind == TEST_SEQ_GRU)
		set_sequence(m, kind);
	else if (kind == TEST_FORECAST || kind == TEST_FORECAST_COV)
	{
		if (kind == TEST_FORECAST)
			drop_columns(m);
		set_forecast(m, kind);
	}
	else
		set_predictor(m, kind);

	n = num_params(m);
	if (n > 0)
	{
		m->params = mk_alloc(n * sizeof(float));
		for (i = 0; i < n; i++)
			m->params[i] = (float) (sin(0.7 * (double) i) * 0.5);
		m->params[0] = -0.0f;	/* bits must survive, sign included */
	}
	if (m->task == MK_TASK_SEGMENTATION)
	{
		n = (size_t) m->segments.k * m->segments.dim;
		m->segments.centroids = mk_alloc(n * sizeof(float));
		for (i = 0; i < n; i++)
			m->segments.centroids[i] = (float) (cos(1.3 * (double) i) * 2.0);
		m->segments.centroids[1] = -0.0f;
	}
	m->spec_json = dup_text("{\"hidden\": [4], \"epochs\": 10}");
	m->metrics_json = dup_text("{\"loss\": 0.125, \"note\": \"caf\xc3\xa9\"}");
}

/* True when two texts, either of which may be NULL, are equal. */
static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* True when two network configurations are equal in every field. */
static bool
same_config(const MkMlpConfig *a, const MkMlpConfig *b)
{
	int			i;

	if (a->n_dense != b->n_dense || a->activation != b->activation ||
		a->dropout != b->dropout)
		return false;
	for (i = 0; i <= MK_MLP_MAX_DENSE; i++)
		if (a->sizes[i] != b->sizes[i])
			return false;
	return true;
}

/* Describes the first difference between two models' segments, or NULL. */
static const char *
segments_diff(const MkSegments *a, const MkSegments *b)
{
	if (a->method != b->method || a->k != b->k || a->dim != b->dim)
		return "segments";
	if (!same_config(&a->decoder, &b->decoder))
		return "decoder";
	if ((a->centroids == NULL) != (b->centroids == NULL))
		return "centroids";
	if (a->centroids != NULL &&
		memcmp(a->centroids, b->centroids,
			   (size_t) a->k * a->dim * sizeof(float)) != 0)
		return "centroid values";
	return NULL;
}

/*
 * Describes the first difference between two models' forecast parts, or
 * NULL; the bounds must match bit for bit, sign of zero included.
 */
static const char *
forecast_diff(const MkForecast *a, const MkForecast *b)
{
	if (a->horizon != b->horizon || a->context != b->context ||
		memcmp(&a->level, &b->level, sizeof(double)) != 0)
		return "forecast";
	if (!same_text(a->series, b->series))
		return "series";
	if (!same_text(a->order, b->order))
		return "order";
	if ((a->lower == NULL) != (b->lower == NULL) ||
		(a->upper == NULL) != (b->upper == NULL))
		return "bounds present";
	if (a->lower != NULL &&
		(memcmp(a->lower, b->lower, a->horizon * sizeof(double)) != 0 ||
		 memcmp(a->upper, b->upper, a->horizon * sizeof(double)) != 0))
		return "bounds";
	return NULL;
}

/* Describes the first difference between two models, or NULL. */
static const char *
model_diff(const MkModel *a, const MkModel *b)
{
	const char *diff;
	int			i;
	int			c;

	if (a->task != b->task)
		return "task";
	if (a->prep.n_columns != b->prep.n_columns ||
		a->prep.n_features != b->prep.n_features)
		return "prep counts";
	for (i = 0; i < a->prep.n_columns; i++)
	{
		const MkColumn *x = &a->prep.columns[i];
		const MkColumn *y = &b->prep.columns[i];

		if (strcmp(x->name, y->name) != 0 || x->kind != y->kind ||
			x->offset != y->offset || x->mean != y->mean ||
			x->scale != y->scale || x->null_indicator != y->null_indicator ||
			x->n_categories != y->n_categories || x->n_edges != y->n_edges ||
			x->log_transform != y->log_transform)
			return "column";
		for (c = 0; c < x->n_edges; c++)
			if (x->edges[c] != y->edges[c])
				return "bin edge";
		for (c = 0; c < x->n_categories; c++)
			if (strcmp(x->categories[c], y->categories[c]) != 0)
				return "category";
	}
	if (!same_text(a->target.name, b->target.name) ||
		a->target.type != b->target.type ||
		a->target.n_classes != b->target.n_classes ||
		a->target.positive != b->target.positive ||
		a->target.mean != b->target.mean ||
		a->target.scale != b->target.scale)
		return "target";
	if ((a->target.classes == NULL) != (b->target.classes == NULL))
		return "classes";
	for (c = 0; c < a->target.n_classes; c++)
		if (strcmp(a->target.classes[c], b->target.classes[c]) != 0)
			return "class";
	if (a->rnn.cell != b->rnn.cell || a->rnn.n_layers != b->rnn.n_layers ||
		a->rnn.input != b->rnn.input || a->rnn.hidden != b->rnn.hidden ||
		memcmp(&a->rnn.dropout, &b->rnn.dropout, sizeof(float)) != 0)
		return "rnn";
	if (!same_config(&a->mlp, &b->mlp))
		return "mlp";
	if ((a->params == NULL) != (b->params == NULL))
		return "params present";
	if (a->params != NULL &&
		memcmp(a->params, b->params, num_params(a) * sizeof(float)) != 0)
		return "params";
	if ((diff = segments_diff(&a->segments, &b->segments)) != NULL)
		return diff;
	if ((diff = forecast_diff(&a->forecast, &b->forecast)) != NULL)
		return diff;
	if (strcmp(a->spec_json, b->spec_json) != 0)
		return "spec";
	if (strcmp(a->metrics_json, b->metrics_json) != 0)
		return "metrics";
	return NULL;
}

/* A copy of buf with extra bytes of value fill inserted at pos. */
static uint8_t *
insert_bytes(const uint8_t *buf, size_t len, size_t pos, size_t extra,
			 uint8_t fill)
{
	uint8_t    *out = mk_alloc(len + extra);

	memcpy(out, buf, pos);
	memset(out + pos, fill, extra);
	memcpy(out + pos + extra, buf + pos, len - pos);
	return out;
}

/*
 * Where section name lies in buf, from its kind byte to the end of its
 * payload: [*start, *end).
 */
static void
section_span(const uint8_t *buf, size_t len, const char *name,
			 size_t *start, size_t *end)
{
	size_t		at = section_at(buf, len, name);
	size_t		count = 1;
	int			d;

	*start = at - 3 - strlen(name);
	if (buf[*start] == 1)		/* a blob: its length, then its bytes */
	{
		*end = at + 4 + get_le32(buf + at);
		return;
	}
	for (d = 0; d < buf[at]; d++)
		count *= get_le32(buf + at + 1 + 4 * d);
	*end = at + 1 + 4 * (size_t) buf[at] + 4 * count;
}

/*
 * A resealed copy of buf with section name, taken from src, inserted just
 * after section after; *out_len gets its length.
 */
static uint8_t *
splice_section(const uint8_t *buf, size_t len, const char *after,
			   const uint8_t *src, size_t src_len, const char *name,
			   size_t *out_len)
{
	size_t		from;
	size_t		to;
	size_t		skip;
	size_t		pos;
	uint8_t    *out;

	section_span(src, src_len, name, &from, &to);
	section_span(buf, len, after, &skip, &pos);
	out = mk_alloc(len + (to - from));
	memcpy(out, buf, pos);
	memcpy(out + pos, src + from, to - from);
	memcpy(out + pos + (to - from), buf + pos, len - pos);
	*out_len = len + (to - from);
	reseal(out, *out_len);
	return out;
}

/* A resealed copy of buf without section name; *out_len gets its length. */
static uint8_t *
cut_section(const uint8_t *buf, size_t len, const char *name,
			size_t *out_len)
{
	size_t		start;
	size_t		end;
	uint8_t    *out;

	section_span(buf, len, name, &start, &end);
	out = mk_alloc(len - (end - start));
	memcpy(out, buf, start);
	memcpy(out + start, buf + end, len - end);
	*out_len = len - (end - start);
	reseal(out, *out_len);
	return out;
}

/* Round trip of one kind of model: fields equal, bytes identical. */
static void
test_round_trip(TestKind kind)
{
	const char *name = kind_names[kind];
	MkModel		m;
	MkModel		back;
	uint8_t    *bytes;
	uint8_t    *again;
	size_t		len;
	size_t		len2;
	char		err[256] = "";
	bool		ok;

	make_model(&m, kind);
	unit_check(mk_model_check(&m) == NULL, "format: %s model is valid", name);
	bytes = mk_model_write(&m, &len);
	unit_check(bytes != NULL && len > HEADER_BYTES,
			   "format: %s model is written (%zu bytes)", name, len);
	ok = mk_model_read(bytes, len, &back, err, sizeof(err));
	unit_check(ok, "format: %s model is read back", name);
	if (!ok)
		printf("#   %s\n", err);
	else
	{
		const char *diff = model_diff(&m, &back);

		unit_check(diff == NULL, "format: %s model reads back equal%s%s",
				   name, diff ? ", differs in " : "", diff ? diff : "");
		again = mk_model_write(&back, &len2);
		unit_check(again != NULL && len2 == len &&
				   memcmp(again, bytes, len) == 0,
				   "format: %s model re-serialises byte-identical", name);
		mk_free(again);
		mk_model_free(&back);
		unit_check(model_is_zero(&back), "format: mk_model_free zeroes");
	}
	mk_free(bytes);
	mk_model_free(&m);
}

/* Every truncation of a valid model fails cleanly. */
static void
test_truncation(TestKind kind)
{
	MkModel		m;
	uint8_t    *bytes;
	uint8_t    *copy;
	size_t		len;
	size_t		cut;
	size_t		bad = 0;
	char		err[256];

	make_model(&m, kind);
	bytes = mk_model_write(&m, &len);
	for (cut = 0; cut < len; cut++)
	{
		/* a fresh, exactly sized copy lets a sanitiser see any overread */
		copy = mk_alloc(cut > 0 ? cut : 1);
		memcpy(copy, bytes, cut);
		if (!read_fails(copy, cut, err, sizeof(err)))
			bad++;
		mk_free(copy);
	}
	unit_check(bad == 0, "format: %s model truncated at each of %zu lengths fails (%zu did not)",
			   kind_names[kind], len, bad);
	mk_free(bytes);
	mk_model_free(&m);
}

/* Every single-bit flip fails; past the header, with a checksum mismatch. */
static void
test_bit_flips(TestKind kind)
{
	MkModel		m;
	uint8_t    *bytes;
	size_t		len;
	size_t		i;
	size_t		bad = 0;
	size_t		not_crc = 0;
	char		err[256];
	int			bit;

	make_model(&m, kind);
	bytes = mk_model_write(&m, &len);
	for (i = 0; i < len; i++)
	{
		for (bit = 0; bit < 8; bit++)
		{
			bytes[i] ^= (uint8_t) (1 << bit);
			if (!read_fails(bytes, len, err, sizeof(err)))
				bad++;
			else if (i >= TASK_AT && i < LENGTH_AT)
			{
				if (strcmp(err, "checksum mismatch") != 0)
					not_crc++;
			}
			else if (i >= HEADER_BYTES &&
					 strcmp(err, "checksum mismatch") != 0)
				not_crc++;
			bytes[i] ^= (uint8_t) (1 << bit);
		}
	}
	unit_check(bad == 0, "format: each of %zu bit flips of a %s model fails (%zu did not)",
			   len * 8, kind_names[kind], bad);
	unit_check(not_crc == 0, "format: %s flips past the header fields fail the checksum (%zu not)",
			   kind_names[kind], not_crc);
	mk_free(bytes);
	mk_model_free(&m);
}

/* Header corruptions: magic, version, length, task. */
static void
test_header_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	memcpy(buf, good, len);
	buf[0] = 'X';
	expect_error(buf, len, "not an mktai model (bad magic)", "a bad magic");

	memcpy(buf, good, len);
	put_le32(buf + VERSION_AT, 7);
	reseal(buf, len);
	expect_error(buf, len, "unsupported format version 7 (this build reads 1)",
				 "format version 7");

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, 8);
	reseal(buf, len);
	expect_error(buf, len, "unknown task 8", "task 8");

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, 0);
	reseal(buf, len);
	expect_error(buf, len, "unknown task 0", "task 0");

	memcpy(buf, good, len);
	put_le32(buf + LENGTH_AT, (uint32_t) len + 1);
	expect_error(buf, len, "truncated: header says", "a length past the end");

	memcpy(buf, good, len);
	put_le32(buf + LENGTH_AT, (uint32_t) len - 1);
	expect_error(buf, len, "length mismatch", "a length short of the end");

	memcpy(buf, good, len);
	buf[len - 1] ^= 0x80;
	expect_error(buf, len, "checksum mismatch", "a corrupted checksum");
}

/* Section list corruptions with the checksum recomputed. */
static void
test_section_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at;
	uint8_t    *big;

	memcpy(buf, good, len);
	at = section_at(buf, len, "metrics");
	buf[at - 1] = 'z';
	reseal(buf, len);
	expect_error(buf, len, "unknown section \"metricz\"", "an unknown section");

	memcpy(buf, good, len);
	at = section_at(buf, len, "spec");
	memcpy(buf + at - 4, "prep", 4);
	reseal(buf, len);
	expect_error(buf, len, "duplicate section \"prep\"", "a duplicate section");

	/* "prep" renamed "spec" comes first, so "target" is then out of order */
	memcpy(buf, good, len);
	at = section_at(buf, len, "prep");
	memcpy(buf + at - 4, "spec", 4);
	reseal(buf, len);
	expect_error(buf, len, "section \"target\" out of order",
				 "sections out of order");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense1.bias");
	buf[at - 6] = '5';
	reseal(buf, len);
	expect_error(buf, len, "unexpected section \"dense5.bias\"",
				 "a section for a layer the network lacks");

	memcpy(buf, good, len);
	at = section_at(buf, len, "prep");
	buf[at - 7] = 2;			/* the kind byte: a tensor */
	reseal(buf, len);
	expect_error(buf, len, "section \"prep\" has kind 2, expected a blob",
				 "a blob stored as a tensor");

	/* cut the whole "spec" section: kind, name, length and its text */
	memcpy(buf, good, len);
	at = section_at(buf, len, "spec");
	{
		size_t		start = at - 7;
		size_t		end = at + 4 + get_le32(buf + at);

		memmove(buf + start, buf + end, len - end);
		reseal(buf, len - (end - start));
		expect_error(buf, len - (end - start), "missing section \"spec\"",
					 "a missing section");
	}

	/* three bytes between the end marker and the checksum */
	big = insert_bytes(good, len, len - 4, 3, 0);
	reseal(big, len + 3);
	expect_error(big, len + 3, "3 bytes left over after the end marker",
				 "bytes after the end marker");
	mk_free(big);

	/* bytes appended after the checksum */
	big = insert_bytes(good, len, len, 5, 0xab);
	expect_error(big, len + 5, "length mismatch: header says",
				 "trailing bytes");
	mk_free(big);

	/* a blob length far past the end */
	memcpy(buf, good, len);
	at = section_at(buf, len, "target");
	put_le32(buf + at, 0xfffffff0u);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"target\"",
				 "a blob length past the end");
}

/* Tensor corruptions with the checksum recomputed. */
static void
test_tensor_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at;
	uint32_t	nan_bits = 0x7fc00000u;
	uint32_t	out;

	/* dense0.weight [4, 12] stored as [12, 4]: same bytes, wrong shape */
	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.weight");
	out = get_le32(buf + at + 1);
	put_le32(buf + at + 1, get_le32(buf + at + 5));
	put_le32(buf + at + 5, out);
	reseal(buf, len);
	expect_error(buf, len, "section \"dense0.weight\" has shape [12, 4], expected [4, 12]",
				 "a transposed weight");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.weight");
	put_le32(buf + at + 1, 0xffffffffu);
	put_le32(buf + at + 5, 0xffffffffu);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"dense0.weight\"",
				 "huge tensor dimensions");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.bias");
	put_le32(buf + at + 1, 0);
	reseal(buf, len);
	expect_error(buf, len, "has an empty dimension", "a zero dimension");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.bias");
	buf[at] = 5;
	reseal(buf, len);
	expect_error(buf, len, "has 5 dimensions (1 to 4 allowed)",
				 "a 5-dimensional tensor");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense1.bias");
	put_le32(buf + at + 5, nan_bits);
	reseal(buf, len);
	expect_error(buf, len, "is not finite", "a NaN weight");
}

/* Blob payload corruptions with the checksum recomputed. */
static void
test_blob_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at;
	long		pos;
	uint8_t    *big;

	/* swap "blue" and "cyan": categories out of order */
	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "blue", 4);
	memcpy(buf + pos, "cyan", 4);
	memcpy(buf + pos + 6, "blue", 4);
	reseal(buf, len);
	expect_error(buf, len, "categories not strictly increasing",
				 "categories out of order");

	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "age", 3);
	buf[pos + 1] = '\0';
	reseal(buf, len);
	expect_error(buf, len, "NUL byte in a string in section \"prep\"",
				 "a NUL inside a column name");

	memcpy(buf, good, len);
	at = section_at(buf, len, "spec");
	buf[at + 6] = '\0';
	reseal(buf, len);
	expect_error(buf, len, "section \"spec\" contains a NUL byte",
				 "a NUL inside the spec text");

	memcpy(buf, good, len);
	at = section_at(buf, len, "prep");
	put_le32(buf + at + 4, 0xffffffffu);	/* n_columns */
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"prep\"",
				 "a huge column count");

	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "color", 5);
	buf[pos + 5] = 9;			/* the column's kind */
	reseal(buf, len);
	expect_error(buf, len, "column \"color\": unknown kind 9",
				 "an unknown column kind");

	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "age", 3);
	buf[pos + 4] = 2;			/* the NULL indicator flag */
	reseal(buf, len);
	expect_error(buf, len, "flag byte 2 in section \"prep\" is not 0 or 1",
				 "a flag that is not 0 or 1");

	memcpy(buf, good, len);
	at = section_at(buf, len, "mlp");
	buf[at + 4] = 9;			/* n_dense */
	reseal(buf, len);
	expect_error(buf, len, "network has 9 dense layers",
				 "too many dense layers");

	memcpy(buf, good, len);
	at = section_at(buf, len, "mlp");
	buf[at + 5] = 77;			/* activation */
	reseal(buf, len);
	expect_error(buf, len, "invalid network configuration",
				 "an unknown activation");

	/* one byte more at the end of "prep", its length raised to match */
	at = section_at(good, len, "prep");
	big = insert_bytes(good, len, at + 4 + get_le32(good + at), 1, 0);
	put_le32(big + at, get_le32(good + at) + 1);
	reseal(big, len + 1);
	expect_error(big, len + 1, "1 bytes left over in section \"prep\"",
				 "a byte left over in a blob");
	mk_free(big);
}

/* Targeted corruptions, the checksum recomputed so the parser sees them. */
static void
test_corruptions(void)
{
	MkModel		m;
	uint8_t    *good;
	uint8_t    *buf;
	size_t		len;

	make_model(&m, TEST_BINARY);
	good = mk_model_write(&m, &len);
	buf = mk_alloc(len);

	memcpy(buf, good, len);
	reseal(buf, len);
	unit_check(memcmp(buf, good, len) == 0,
			   "format: the test's reseal reproduces the writer's checksum");

	test_header_errors(good, len, buf);
	test_section_errors(good, len, buf);
	test_tensor_errors(good, len, buf);
	test_blob_errors(good, len, buf);

	mk_free(buf);
	mk_free(good);
	mk_model_free(&m);
}

/* Expects reading a section-spliced copy of buf to fail with want. */
static void
expect_splice_error(const uint8_t *buf, size_t len, const char *after,
					const uint8_t *src, size_t src_len, const char *name,
					const char *want, const char *what)
{
	size_t		out_len;
	uint8_t    *out = splice_section(buf, len, after, src, src_len, name,
									 &out_len);

	expect_error(out, out_len, want, what);
	mk_free(out);
}

/* Expects reading a copy of buf without section name to fail with want. */
static void
expect_cut_error(const uint8_t *buf, size_t len, const char *name,
				 const char *want, const char *what)
{
	size_t		out_len;
	uint8_t    *out = cut_section(buf, len, name, &out_len);

	expect_error(out, out_len, want, what);
	mk_free(out);
}

/*
 * Corruptions of an autoencoder segmentation's "segments" blob, where
 * after the blob's length come method (at + 4), k (at + 5), dim (at + 9)
 * and the decoder's n_dense (at + 13), activation (at + 14), dropout and
 * sizes (at + 19 on).
 */
static void
test_autoencoder_blob_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at = section_at(good, len, "segments");
	size_t		c = section_at(good, len, "centroids");

	memcpy(buf, good, len);
	buf[at + 4] = 9;
	reseal(buf, len);
	expect_error(buf, len, "unknown segmentation method 9",
				 "an unknown segmentation method");

	memcpy(buf, good, len);
	buf[at + 4] = MK_SEGMENT_KMEANS;
	reseal(buf, len);
	expect_error(buf, len, "18 bytes left over in section \"segments\"",
				 "an autoencoder relabelled k-means");

	memcpy(buf, good, len);
	put_le32(buf + at + 5, 0);
	reseal(buf, len);
	expect_error(buf, len, "0 segments (1 to 1000 allowed)", "k = 0");

	memcpy(buf, good, len);
	put_le32(buf + at + 5, MK_MAX_SEGMENTS + 1);
	reseal(buf, len);
	expect_error(buf, len, "1001 segments (1 to 1000 allowed)", "k = 1001");

	memcpy(buf, good, len);
	put_le32(buf + at + 9, 0xffffffffu);
	reseal(buf, len);
	expect_error(buf, len, "centroid width -1 (must be at least 1)",
				 "a negative centroid width");

	memcpy(buf, good, len);
	put_le32(buf + at + 5, 5);
	reseal(buf, len);
	expect_error(buf, len, "section \"centroids\" has shape [4, 3], expected [5, 3]",
				 "k disagreeing with the centroids");

	memcpy(buf, good, len);
	put_le32(buf + at + 9, 4);
	reseal(buf, len);
	expect_error(buf, len, "section \"centroids\" has shape [4, 3], expected [4, 4]",
				 "dim disagreeing with the centroids");

	/* [6, 2] holds as many floats as [4, 3]: only mk_model_check objects */
	memcpy(buf, good, len);
	put_le32(buf + at + 5, 6);
	put_le32(buf + at + 9, 2);
	put_le32(buf + c + 1, 6);
	put_le32(buf + c + 5, 2);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: encoder output width 3, expected 2",
				 "a latent width other than the encoder's output");

	memcpy(buf, good, len);
	buf[at + 13] = 9;
	reseal(buf, len);
	expect_error(buf, len, "decoder has 9 dense layers (1 to 8 allowed)",
				 "a decoder of 9 layers");

	memcpy(buf, good, len);
	buf[at + 13] = 3;
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"segments\"",
				 "a decoder with more layers than sizes");

	memcpy(buf, good, len);
	buf[at + 14] = 77;
	reseal(buf, len);
	expect_error(buf, len, "invalid decoder configuration: unknown activation",
				 "an unknown decoder activation");

	memcpy(buf, good, len);
	put_le32(buf + at + 27, 11);	/* the decoder's output width */
	reseal(buf, len);
	expect_error(buf, len, "section \"decoder1.weight\" has shape [12, 5], expected [11, 5]",
				 "a decoder sized apart from its tensors");
}

/* Autoencoder segmentation corruptions outside the "segments" blob. */
static void
test_autoencoder_errors(const uint8_t *good, size_t len,
						const uint8_t *binary, size_t binary_len)
{
	uint8_t    *buf = mk_alloc(len);
	size_t		at;
	uint32_t	out;

	test_autoencoder_blob_errors(good, len, buf);

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, MK_TASK_CLASSIFICATION);
	reseal(buf, len);
	expect_error(buf, len, "unexpected section \"segments\" (only a segmentation model has one)",
				 "an autoencoder relabelled a classifier");

	memcpy(buf, good, len);
	at = section_at(buf, len, "decoder1.bias");
	buf[at - 6] = '5';
	reseal(buf, len);
	expect_error(buf, len, "unexpected section \"decoder5.bias\" (the decoder has 2 dense layers)",
				 "a section for a layer the decoder lacks");

	memcpy(buf, good, len);
	at = section_at(buf, len, "decoder0.weight");
	out = get_le32(buf + at + 1);
	put_le32(buf + at + 1, get_le32(buf + at + 5));
	put_le32(buf + at + 5, out);
	reseal(buf, len);
	expect_error(buf, len, "section \"decoder0.weight\" has shape [3, 5], expected [5, 3]",
				 "a transposed decoder weight");

	memcpy(buf, good, len);
	at = section_at(buf, len, "centroids");
	put_le32(buf + at + 9, 0x7fc00000u);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: centroid value 0 of 12 is not finite",
				 "a NaN centroid");

	memcpy(buf, good, len);
	at = section_at(buf, len, "centroids");
	put_le32(buf + at + 1, 0xffffffffu);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"centroids\"",
				 "a huge centroid count");

	expect_cut_error(good, len, "centroids", "missing section \"centroids\"",
					 "an autoencoder without centroids");
	expect_cut_error(good, len, "decoder1.bias",
					 "missing section \"decoder1.bias\"",
					 "a decoder without its last bias");
	expect_cut_error(good, len, "mlp", "missing section \"mlp\"",
					 "an autoencoder without its encoder");
	expect_cut_error(good, len, "segments", "missing section \"segments\"",
					 "a segmentation without segments");
	expect_splice_error(good, len, "prep", binary, binary_len, "target",
						"unexpected section \"target\" (a segmentation model has none)",
						"a segmentation with a target");
	mk_free(buf);
}

/* k-means segmentation corruptions. */
static void
test_kmeans_errors(const uint8_t *good, size_t len,
				   const uint8_t *binary, size_t binary_len,
				   const uint8_t *autoencoder, size_t autoencoder_len)
{
	uint8_t    *buf = mk_alloc(len);
	size_t		at = section_at(good, len, "segments");
	size_t		c = section_at(good, len, "centroids");

	memcpy(buf, good, len);
	buf[at + 4] = MK_SEGMENT_AUTOENCODER;
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"segments\"",
				 "k-means relabelled an autoencoder");

	memcpy(buf, good, len);
	buf[at + 4] = 0;
	reseal(buf, len);
	expect_error(buf, len, "unknown segmentation method 0",
				 "segmentation method 0");

	memcpy(buf, good, len);
	put_le32(buf + at + 9, 11);
	reseal(buf, len);
	expect_error(buf, len, "section \"centroids\" has shape [3, 12], expected [3, 11]",
				 "a k-means dim disagreeing with the centroids");

	/* [6, 6] holds as many floats as [3, 12]: only mk_model_check objects */
	memcpy(buf, good, len);
	put_le32(buf + at + 5, 6);
	put_le32(buf + at + 9, 6);
	put_le32(buf + c + 1, 6);
	put_le32(buf + c + 5, 6);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: k-means centroid width 6, but the columns fill 12 slots",
				 "k-means centres narrower than the features");

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, MK_TASK_REGRESSION);
	reseal(buf, len);
	expect_error(buf, len, "missing section \"mlp\"",
				 "k-means relabelled a regression");

	expect_cut_error(good, len, "centroids", "missing section \"centroids\"",
					 "k-means without centroids");
	expect_splice_error(good, len, "prep", binary, binary_len, "mlp",
						"unexpected section \"mlp\" (a k-means model has no network)",
						"k-means with a network configuration");
	expect_splice_error(good, len, "segments", binary, binary_len,
						"dense0.weight",
						"unexpected section \"dense0.weight\" (a k-means model has no network)",
						"k-means with a dense layer");
	expect_splice_error(good, len, "segments", autoencoder, autoencoder_len,
						"decoder0.weight",
						"unexpected section \"decoder0.weight\" (the model has no decoder)",
						"k-means with a decoder layer");
	mk_free(buf);
}

/* Segmentation sections in a classifier. */
static void
test_predictor_segment_errors(const uint8_t *good, size_t len,
							  const uint8_t *autoencoder,
							  size_t autoencoder_len)
{
	uint8_t    *buf = mk_alloc(len);

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, MK_TASK_SEGMENTATION);
	reseal(buf, len);
	expect_error(buf, len, "missing section \"segments\"",
				 "a classifier relabelled a segmentation");

	expect_splice_error(good, len, "mlp", autoencoder, autoencoder_len,
						"segments",
						"unexpected section \"segments\" (only a segmentation model has one)",
						"a classifier with segments");
	expect_splice_error(good, len, "dense1.bias", autoencoder,
						autoencoder_len, "centroids",
						"unexpected section \"centroids\" (only a segmentation model has one)",
						"a classifier with centroids");
	expect_splice_error(good, len, "dense1.bias", autoencoder,
						autoencoder_len, "decoder0.bias",
						"unexpected section \"decoder0.bias\" (the model has no decoder)",
						"a classifier with a decoder layer");
	mk_free(buf);
}

/* Targeted corruptions of segmentation models and of their sections. */
static void
test_segment_corruptions(void)
{
	MkModel		m;
	uint8_t    *binary;
	uint8_t    *autoencoder;
	uint8_t    *kmeans;
	size_t		binary_len;
	size_t		autoencoder_len;
	size_t		kmeans_len;

	make_model(&m, TEST_BINARY);
	binary = mk_model_write(&m, &binary_len);
	mk_model_free(&m);
	make_model(&m, TEST_AUTOENCODER);
	autoencoder = mk_model_write(&m, &autoencoder_len);
	mk_model_free(&m);
	make_model(&m, TEST_KMEANS);
	kmeans = mk_model_write(&m, &kmeans_len);
	mk_model_free(&m);

	test_autoencoder_errors(autoencoder, autoencoder_len, binary, binary_len);
	test_kmeans_errors(kmeans, kmeans_len, binary, binary_len, autoencoder,
					   autoencoder_len);
	test_predictor_segment_errors(binary, binary_len, autoencoder,
								  autoencoder_len);

	mk_free(binary);
	mk_free(autoencoder);
	mk_free(kmeans);
}

/* Bytes from elsewhere fail, and a short error buffer is safe. */
static void
test_foreign_bytes(void)
{
	static const uint8_t png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0
	};
	static const char json[] = "{\"task\": \"classification\"}";
	uint8_t		noise[4096];
	uint32_t	state = 12345;
	char		err[256];
	char		tiny[8];
	MkModel		m;
	size_t		i;
	int			trial;
	bool		all_failed = true;

	expect_error(png, sizeof(png), "bad magic", "a PNG header");
	expect_error((const uint8_t *) json, strlen(json), "bad magic",
				 "JSON text");
	expect_error(png, 0, "bad magic", "zero bytes");
	expect_error(NULL, 0, "bad magic", "a NULL buffer");
	expect_error((const uint8_t *) MK_MODEL_MAGIC, 8, "truncated header",
				 "the magic alone");

	for (trial = 0; trial < 64; trial++)
	{
		size_t		n = 1 + (size_t) trial * 61;

		for (i = 0; i < n; i++)
		{
			state = state * 1664525u + 1013904223u;
			noise[i] = (uint8_t) (state >> 24);
		}
		if (trial % 2 == 1 && n >= 8)
			memcpy(noise, MK_MODEL_MAGIC, 8);	/* past the magic check */
		if (!read_fails(noise, n, err, sizeof(err)))
			all_failed = false;
	}
	unit_check(all_failed, "format: 64 random buffers fail");

	unit_check(!mk_model_read(png, sizeof(png), &m, tiny, sizeof(tiny)) &&
			   strlen(tiny) == sizeof(tiny) - 1,
			   "format: a short error buffer gets a truncated message");
	unit_check(!mk_model_read(png, sizeof(png), &m, NULL, 0),
			   "format: no error buffer at all is allowed");
}

/* Expects mk_model_check to fail on m with a message containing want. */
static void
expect_invalid(const MkModel *m, const char *want, const char *what)
{
	const char *err = mk_model_check(m);
	bool		ok = err != NULL && strstr(err, want) != NULL;

	unit_check(ok, "check: %s is rejected", what);
	if (!ok)
		printf("#   got \"%s\", want \"%s\"\n", err ? err : "(valid)", want);
}

/* Replaces an mk_alloc'd text with a new one. */
static void
replace_text(char **slot, const char *text)
{
	mk_free(*slot);
	*slot = dup_text(text);
}

/* mk_model_check rejects the breaks of its prep invariants. */
static void
test_check_prep(void)
{
	MkModel		m;
	char		long_name[MK_MAX_NAME_BYTES + 2];
	char	   *swap;

	make_model(&m, TEST_BINARY);
	m.prep.n_columns = 0;
	expect_invalid(&m, "0 input columns", "a model without columns");
	m.prep.n_columns = 3;

	m.prep.columns[0].name[0] = '\0';
	expect_invalid(&m, "name of column 1 is empty", "an empty column name");
	replace_text(&m.prep.columns[0].name, "age");

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	replace_text(&m.prep.columns[2].name, long_name);
	expect_invalid(&m, "name of column 3 is longer", "a 1025-byte name");
	replace_text(&m.prep.columns[2].name, "age");
	expect_invalid(&m, "duplicate column name \"age\"", "duplicate columns");
	replace_text(&m.prep.columns[2].name, "income");

	m.prep.columns[0].scale = 0.0;
	expect_invalid(&m, "scale must be positive", "a zero scale");
	m.prep.columns[0].scale = NAN;
	expect_invalid(&m, "must be finite", "a NaN scale");
	m.prep.columns[0].scale = 1.0;
	m.prep.columns[0].mean = INFINITY;
	expect_invalid(&m, "must be finite", "an infinite mean");
	m.prep.columns[0].mean = 0.0;
	m.prep.columns[0].n_categories = 1;
	expect_invalid(&m, "numeric but has 1 categories",
				   "a numeric column with categories");
	m.prep.columns[0].n_categories = 0;
	m.prep.columns[0].kind = 9;
	expect_invalid(&m, "unknown kind 9", "an unknown column kind");
	m.prep.columns[0].kind = MK_COLUMN_NUMERIC;

	swap = m.prep.columns[1].categories[0];
	m.prep.columns[1].categories[0] = m.prep.columns[1].categories[1];
	m.prep.columns[1].categories[1] = swap;
	expect_invalid(&m, "not strictly increasing", "unsorted categories");
	m.prep.columns[1].categories[1] = m.prep.columns[1].categories[0];
	m.prep.columns[1].categories[0] = swap;
	replace_text(&m.prep.columns[1].categories[1], "blue");
	expect_invalid(&m, "not strictly increasing", "a repeated category");
	replace_text(&m.prep.columns[1].categories[1], "cyan");
	m.prep.columns[1].n_categories = MK_MAX_CATEGORIES + 1;
	expect_invalid(&m, "100001 categories", "too many categories");
	m.prep.columns[1].n_categories = -1;
	expect_invalid(&m, "-1 categories", "a negative category count");
	m.prep.columns[1].n_categories = 3;

	m.prep.columns[1].offset = 3;
	expect_invalid(&m, "offset 3, expected 2", "an offset gap");
	m.prep.columns[1].offset = 2;
	m.prep.n_features = 13;
	expect_invalid(&m, "columns fill 12 feature slots, not 13",
				   "a wrong feature count");
	m.prep.n_features = 12;

	m.prep.columns[2].edges[1] = -4e4;
	expect_invalid(&m, "bin edges not strictly increasing at 2",
				   "repeated bin edges");
	m.prep.columns[2].edges[1] = -2.5e4;
	m.prep.columns[2].edges[2] = INFINITY;
	expect_invalid(&m, "bin edge 3 is not finite", "an infinite bin edge");
	m.prep.columns[2].edges[2] = 1e3;

	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired model is valid");
	mk_model_free(&m);
}

/* mk_model_check rejects the breaks of its task and target invariants. */
static void
test_check_target(void)
{
	MkModel		m;

	make_model(&m, TEST_BINARY);
	m.task = 8;
	expect_invalid(&m, "unknown task 8", "an unknown task");
	m.task = MK_TASK_CLASSIFICATION;
	m.target.name[0] = '\0';
	expect_invalid(&m, "target name is empty", "an empty target name");
	replace_text(&m.target.name, "churned");
	m.target.type = 9;
	expect_invalid(&m, "unknown label type 9", "an unknown label type");
	m.target.type = MK_LABEL_BOOL;
	m.target.n_classes = 1;
	expect_invalid(&m, "classification with 1 classes", "one class");
	m.target.n_classes = 2;
	m.target.positive = 2;
	expect_invalid(&m, "positive class 2 out of range",
				   "positive past the end");
	m.target.positive = -1;
	expect_invalid(&m, "positive class -1 out of range", "a negative positive");
	m.target.positive = 1;
	replace_text(&m.target.classes[1], "false");
	expect_invalid(&m, "duplicate class \"false\"", "a repeated class");
	replace_text(&m.target.classes[1], "true");
	m.target.mean = NAN;
	expect_invalid(&m, "target mean and scale must be finite",
				   "a NaN target mean");
	m.target.mean = 0.0;
	m.mlp.sizes[2] = 2;
	expect_invalid(&m, "network output width 2, expected 1",
				   "two outputs for a binary model");
	m.mlp.sizes[2] = 1;
	mk_free(m.spec_json);
	m.spec_json = NULL;
	expect_invalid(&m, "training spec is missing", "a missing spec");
	m.spec_json = dup_text("{}");
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired model is valid");
	mk_model_free(&m);

	make_model(&m, TEST_MULTI);
	m.mlp.sizes[1] = 1;
	expect_invalid(&m, "network output width 1, expected 3",
				   "one output for three classes");
	m.mlp.sizes[1] = 3;
	mk_model_free(&m);

	make_model(&m, TEST_REGRESSION);
	m.target.scale = 0.0;
	expect_invalid(&m, "target scale must be positive", "a zero target scale");
	m.target.scale = INFINITY;
	expect_invalid(&m, "must be finite", "an infinite target scale");
	m.target.scale = 2.0;
	m.target.n_classes = 2;
	expect_invalid(&m, "regression with 2 classes", "classes in a regression");
	m.target.n_classes = 0;
	mk_model_free(&m);
}

/* mk_model_check rejects the breaks of its network invariants. */
static void
test_check_network(void)
{
	MkModel		m;
	uint8_t    *bytes;
	size_t		len = 1;
	size_t		last;

	make_model(&m, TEST_REGRESSION);
	m.mlp.sizes[0] = 13;
	expect_invalid(&m, "network input width 13", "a wrong input width");
	m.mlp.sizes[0] = 12;
	m.mlp.dropout = 1.5f;
	expect_invalid(&m, "network: ", "a dropout of 1.5");
	m.mlp.dropout = 0.25f;
	m.mlp.n_dense = 0;
	expect_invalid(&m, "network: ", "no dense layer");
	m.mlp.n_dense = 3;

	last = mk_mlp_num_params(&m.mlp) - 1;
	m.params[last] = NAN;
	expect_invalid(&m, "is not finite", "a NaN parameter");
	bytes = mk_model_write(&m, &len);
	unit_check(bytes == NULL && len == 0,
			   "format: an invalid model is not written");
	m.params[last] = -INFINITY;
	expect_invalid(&m, "is not finite", "an infinite parameter");
	m.params[last] = 0.5f;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired model is valid");
	mk_model_free(&m);
}

/* mk_model_check rejects the breaks of an autoencoder's invariants. */
static void
test_check_segments(void)
{
	MkModel		m;
	MkMlpConfig *dec = &m.segments.decoder;
	char		want[64];
	float	   *saved;
	uint8_t    *bytes;
	size_t		len = 1;
	size_t		n;

	make_model(&m, TEST_AUTOENCODER);
	unit_check(mk_model_check(&m) == NULL,
			   "check: an autoencoder segmentation is valid");
	m.target.name = dup_text("y");
	expect_invalid(&m, "segmentation model has a target",
				   "a segmentation with a target name");
	mk_free(m.target.name);
	m.target.name = NULL;
	m.target.scale = 1.0;
	expect_invalid(&m, "segmentation model has a target",
				   "a segmentation with a target scale");
	m.target.scale = 0.0;

	m.segments.method = 9;
	expect_invalid(&m, "unknown segmentation method 9",
				   "an unknown segmentation method");
	m.segments.method = MK_SEGMENT_AUTOENCODER;
	m.segments.k = 0;
	expect_invalid(&m, "0 segments (1 to 1000 allowed)", "k = 0");
	m.segments.k = MK_MAX_SEGMENTS + 1;
	expect_invalid(&m, "1001 segments", "k = 1001");
	m.segments.k = 4;
	m.segments.dim = 0;
	expect_invalid(&m, "centroid width 0 (must be at least 1)", "dim = 0");
	m.segments.dim = 4;
	expect_invalid(&m, "encoder output width 3, expected 4",
				   "a latent width other than the encoder's output");
	m.segments.dim = 3;

	m.mlp.sizes[0] = 13;
	expect_invalid(&m, "encoder input width 13, expected 12",
				   "an encoder input width other than the features'");
	m.mlp.sizes[0] = 12;
	m.mlp.dropout = 1.5f;
	expect_invalid(&m, "encoder: dropout", "an encoder dropout of 1.5");
	m.mlp.dropout = 0.25f;
	dec->sizes[0] = 4;
	expect_invalid(&m, "decoder input width 4, expected 3",
				   "a decoder input width other than the latent width");
	dec->sizes[0] = 3;
	dec->sizes[2] = 11;
	expect_invalid(&m, "decoder output width 11, expected 12",
				   "a decoder output width other than the features'");
	dec->sizes[2] = 12;
	dec->activation = 0;
	expect_invalid(&m, "decoder: unknown activation",
				   "an unknown decoder activation");
	dec->activation = MK_ACT_TANH;
	dec->n_dense = 0;
	expect_invalid(&m, "decoder: ", "a decoder without layers");
	dec->n_dense = 2;

	/* the last parameter is the decoder's: it must be counted and checked */
	n = mk_mlp_num_params(&m.mlp) + mk_mlp_num_params(dec);
	m.params[n - 1] = NAN;
	snprintf(want, sizeof(want), "parameter %zu of %zu is not finite",
			 n - 1, n);
	expect_invalid(&m, want, "a NaN decoder parameter");
	m.params[n - 1] = 0.5f;
	saved = m.params;
	m.params = NULL;
	expect_invalid(&m, "parameters are missing",
				   "an autoencoder without parameters");
	m.params = saved;

	m.segments.centroids[11] = INFINITY;
	expect_invalid(&m, "centroid value 11 of 12 is not finite",
				   "an infinite centroid");
	bytes = mk_model_write(&m, &len);
	unit_check(bytes == NULL && len == 0,
			   "format: a segmentation with an infinite centroid is not written");
	m.segments.centroids[11] = 0.0f;
	saved = m.segments.centroids;
	m.segments.centroids = NULL;
	expect_invalid(&m, "centroids are missing",
				   "a segmentation without centroids");
	m.segments.centroids = saved;

	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired autoencoder is valid");
	mk_model_free(&m);
}

/* mk_model_check rejects the breaks of a k-means model's invariants. */
static void
test_check_kmeans(void)
{
	MkModel		m;

	make_model(&m, TEST_KMEANS);
	unit_check(mk_model_check(&m) == NULL,
			   "check: a k-means segmentation is valid");
	m.mlp.n_dense = 1;
	expect_invalid(&m, "k-means model has a network",
				   "k-means with a dense layer");
	m.mlp.n_dense = 0;
	m.mlp.activation = MK_ACT_RELU;
	expect_invalid(&m, "k-means model has a network",
				   "k-means with an activation");
	m.mlp.activation = 0;
	m.mlp.sizes[0] = 12;
	expect_invalid(&m, "k-means model has a network",
				   "k-means with a network input width");
	m.mlp.sizes[0] = 0;
	m.params = mk_alloc(4 * sizeof(float));
	expect_invalid(&m, "k-means model has parameters",
				   "k-means with parameters");
	mk_free(m.params);
	m.params = NULL;
	m.segments.decoder.n_dense = 1;
	expect_invalid(&m, "k-means model has a decoder",
				   "k-means with a decoder");
	m.segments.decoder.n_dense = 0;
	m.segments.dim = 11;
	expect_invalid(&m, "k-means centroid width 11, but the columns fill 12 slots",
				   "k-means centres narrower than the features");
	m.segments.dim = 12;
	m.target.type = MK_LABEL_BOOL;
	expect_invalid(&m, "segmentation model has a target",
				   "k-means with a label type");
	m.target.type = 0;
	m.segments.centroids[35] = NAN;
	expect_invalid(&m, "centroid value 35 of 36 is not finite",
				   "a NaN k-means centroid");
	m.segments.centroids[35] = 1.0f;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired k-means model is valid");
	mk_model_free(&m);
}

/* mk_model_check rejects segments in classification and regression. */
static void
test_check_no_segments(void)
{
	MkModel		m;

	make_model(&m, TEST_BINARY);
	m.segments.k = 3;
	expect_invalid(&m, "classification model has segments",
				   "a classifier with k");
	m.segments.k = 0;
	m.segments.centroids = mk_alloc(4 * sizeof(float));
	expect_invalid(&m, "classification model has segments",
				   "a classifier with centroids");
	mk_free(m.segments.centroids);
	m.segments.centroids = NULL;
	m.segments.decoder.dropout = 0.5f;
	expect_invalid(&m, "classification model has segments",
				   "a classifier with a decoder dropout");
	m.segments.decoder.dropout = 0.0f;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the classifier without segments is valid");
	mk_model_free(&m);

	make_model(&m, TEST_REGRESSION);
	m.segments.method = MK_SEGMENT_KMEANS;
	expect_invalid(&m, "regression model has segments",
				   "a regression with a segmentation method");
	m.segments.method = 0;
	mk_model_free(&m);
}

/*
 * The models of the tasks that came before sequence models still write
 * the bytes they did: the length and the checksum (the last four bytes,
 * a CRC-32C of all the others) of each, as the format stood then.  The
 * forecasts are pinned likewise, as the format first stored them.
 */
static void
test_stable_bytes(void)
{
	static const struct
	{
		TestKind	kind;
		size_t		len;
		uint32_t	crc;
	}			stable[] = {
		{TEST_BINARY, 689, 0x84dee7fbu},
		{TEST_MULTI, 571, 0x6db22c12u},
		{TEST_REGRESSION, 938, 0x1dad65a8u},
		{TEST_AUTOENCODER, 1308, 0xef5829a9u},
		{TEST_KMEANS, 474, 0xd925e072u},
		{TEST_FORECAST, 954, 0xf12a22beu},
		{TEST_FORECAST_COV, 1837, 0xbdcf375cu}
	};
	MkModel		m;
	uint8_t    *bytes;
	size_t		len;
	size_t		i;

	for (i = 0; i < lengthof(stable); i++)
	{
		make_model(&m, stable[i].kind);
		bytes = mk_model_write(&m, &len);
		unit_check(bytes != NULL && len == stable[i].len &&
				   get_le32(bytes + len - 4) == stable[i].crc,
				   "format: %s model bytes are unchanged",
				   kind_names[stable[i].kind]);
		if (bytes != NULL && (len != stable[i].len ||
							  get_le32(bytes + len - 4) != stable[i].crc))
			printf("#   got %zu bytes, checksum 0x%08x\n", len,
				   get_le32(bytes + len - 4));
		mk_free(bytes);
		mk_model_free(&m);
	}
}

/*
 * Walks the section list of valid bytes, writing each section's name and
 * shape (its dims, "blob" for a blob) on one line of out.
 */
static void
describe_sections(const uint8_t *buf, size_t len, char *out, size_t size)
{
	size_t		at = HEADER_BYTES;
	size_t		used = 0;
	size_t		count;
	int			ndim;
	int			d;

	out[0] = '\0';
	while (at < len - 4 && buf[at] != 0)
	{
		int			name_len = buf[at + 1] | buf[at + 2] << 8;

		used += snprintf(out + used, size - used, "%s%.*s", used ? " " : "",
						 name_len, (const char *) buf + at + 3);
		at += 3 + name_len;
		if (buf[at - 3 - name_len] == 1)
		{
			used += snprintf(out + used, size - used, ":blob");
			at += 4 + get_le32(buf + at);
			continue;
		}
		ndim = buf[at];
		count = 1;
		for (d = 0; d < ndim; d++)
		{
			used += snprintf(out + used, size - used, "%s%u", d ? "x" : ":",
							 get_le32(buf + at + 1 + 4 * d));
			count *= get_le32(buf + at + 1 + 4 * d);
		}
		at += 1 + 4 * ndim + 4 * count;
	}
}

/* The sequence models' sections come in the documented order and shapes. */
static void
test_sequence_layout(void)
{
	static const char *const want[] = {
		"prep:blob target:blob rnn:blob mlp:blob "
		"rnn0.weight_ih:16x12 rnn0.weight_hh:16x4 rnn0.bias_ih:16 "
		"rnn0.bias_hh:16 rnn1.weight_ih:16x4 rnn1.weight_hh:16x4 "
		"rnn1.bias_ih:16 rnn1.bias_hh:16 dense0.weight:5x4 dense0.bias:5 "
		"dense1.weight:3x5 dense1.bias:3 spec:blob metrics:blob",
		"prep:blob target:blob rnn:blob mlp:blob "
		"rnn0.weight_ih:9x12 rnn0.weight_hh:9x3 rnn0.bias_ih:9 "
		"rnn0.bias_hh:9 dense0.weight:1x3 dense0.bias:1 spec:blob "
		"metrics:blob"
	};
	static const uint8_t rnn_blob[2][14] = {
		{MK_CELL_LSTM, 2, 12, 0, 0, 0, 4, 0, 0, 0, 0x00, 0x00, 0x00, 0x3e},
		{MK_CELL_GRU, 1, 12, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}
	};
	char		got[1024];
	MkModel		m;
	uint8_t    *bytes;
	size_t		len;
	size_t		at;
	int			i;

	for (i = 0; i < 2; i++)
	{
		TestKind	kind = i == 0 ? TEST_SEQ_LSTM : TEST_SEQ_GRU;

		make_model(&m, kind);
		bytes = mk_model_write(&m, &len);
		describe_sections(bytes, len, got, sizeof(got));
		unit_check(strcmp(got, want[i]) == 0,
				   "format: %s sections in order and shape", kind_names[kind]);
		if (strcmp(got, want[i]) != 0)
			printf("#   got  %s\n#   want %s\n", got, want[i]);
		at = section_at(bytes, len, "rnn");
		unit_check(get_le32(bytes + at) == 14 &&
				   memcmp(bytes + at + 4, rnn_blob[i], 14) == 0,
				   "format: %s \"rnn\" blob is cell, layers, input, hidden, dropout",
				   kind_names[kind]);
		unit_check(get_le32(bytes + TASK_AT) == (uint32_t) m.task,
				   "format: %s task %d in the header", kind_names[kind],
				   (int) m.task);
		mk_free(bytes);
		mk_model_free(&m);
	}
}

/*
 * A resealed copy of buf whose tensor section name has dimension d set to
 * n, zero floats appended to match (n must exceed the old dimension);
 * *out_len gets its length.
 */
static uint8_t *
grow_tensor(const uint8_t *buf, size_t len, const char *name, int d,
			uint32_t n, size_t *out_len)
{
	size_t		at = section_at(buf, len, name);
	size_t		start;
	size_t		end;
	size_t		extra;
	uint8_t    *out;

	section_span(buf, len, name, &start, &end);
	extra = (end - at - 1 - 4 * (size_t) buf[at]) /
		get_le32(buf + at + 1 + 4 * d) * (n - get_le32(buf + at + 1 + 4 * d));
	out = insert_bytes(buf, len, end, extra, 0);
	put_le32(out + at + 1 + 4 * d, n);
	*out_len = len + extra;
	reseal(out, *out_len);
	return out;
}

/*
 * Corruptions of the LSTM's "rnn" blob, where after the blob's length come
 * cell (at + 4), n_layers (at + 5), input (at + 6), hidden (at + 10) and
 * dropout (at + 14).
 */
static void
test_rnn_blob_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at = section_at(good, len, "rnn");
	size_t		mlp = section_at(good, len, "mlp");
	size_t		out_len;
	uint8_t    *big;

	memcpy(buf, good, len);
	buf[at + 4] = 9;
	reseal(buf, len);
	expect_error(buf, len, "unknown recurrent cell 9",
				 "an unknown recurrent cell");

	memcpy(buf, good, len);
	buf[at + 4] = 0;
	reseal(buf, len);
	expect_error(buf, len, "unknown recurrent cell 0", "recurrent cell 0");

	memcpy(buf, good, len);
	buf[at + 4] = MK_CELL_GRU;
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn0.weight_ih\" has shape [16, 12], expected [12, 12]",
				 "an LSTM relabelled a GRU");

	memcpy(buf, good, len);
	buf[at + 5] = 0;
	reseal(buf, len);
	expect_error(buf, len, "recurrent encoder has 0 layers (1 to 8 allowed)",
				 "a recurrent encoder of no layers");

	memcpy(buf, good, len);
	buf[at + 5] = MK_RNN_MAX_LAYERS + 1;
	reseal(buf, len);
	expect_error(buf, len, "recurrent encoder has 9 layers (1 to 8 allowed)",
				 "a recurrent encoder of 9 layers");

	memcpy(buf, good, len);
	buf[at + 5] = 1;
	reseal(buf, len);
	expect_error(buf, len,
				 "unexpected section \"rnn1.weight_ih\" (the recurrent encoder has 1 layers)",
				 "a recurrent layer more than the configuration says");

	memcpy(buf, good, len);
	buf[at + 5] = 3;
	reseal(buf, len);
	expect_error(buf, len, "missing section \"rnn2.weight_ih\"",
				 "a recurrent layer fewer than the configuration says");

	memcpy(buf, good, len);
	put_le32(buf + at + 6, 0);
	reseal(buf, len);
	expect_error(buf, len,
				 "encoder configuration: the input and hidden sizes must be at least 1",
				 "a recurrent input width of 0");

	memcpy(buf, good, len);
	put_le32(buf + at + 10, 0xffffffffu);
	reseal(buf, len);
	expect_error(buf, len,
				 "encoder configuration: the input and hidden sizes must be at least 1",
				 "a negative hidden width");

	memcpy(buf, good, len);
	put_le32(buf + at + 10, 0x40000000u);
	reseal(buf, len);
	expect_error(buf, len, "invalid recurrent encoder configuration: too many parameters",
				 "a hidden width of 2^30");

	memcpy(buf, good, len);
	put_le32(buf + at + 14, 0x3f800000u);	/* 1.0f */
	reseal(buf, len);
	expect_error(buf, len, "invalid recurrent encoder configuration: dropout must be in [0, 1)",
				 "a recurrent dropout of 1");

	memcpy(buf, good, len);
	put_le32(buf + at + 14, 0x7fc00000u);
	reseal(buf, len);
	expect_error(buf, len, "dropout must be in [0, 1)",
				 "a NaN recurrent dropout");

	memcpy(buf, good, len);
	put_le32(buf + at + 6, 11);
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn0.weight_ih\" has shape [16, 12], expected [16, 11]",
				 "a recurrent input width apart from its tensor");

	memcpy(buf, good, len);
	put_le32(buf + at + 10, 5);
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn0.weight_ih\" has shape [16, 12], expected [20, 12]",
				 "a hidden width apart from its tensors");

	/* shapes that agree with the blob: only mk_model_check objects */
	big = grow_tensor(good, len, "rnn0.weight_ih", 1, 13, &out_len);
	put_le32(big + at + 6, 13);
	reseal(big, out_len);
	expect_error(big, out_len, "invalid model: recurrent encoder input width 13, expected 12",
				 "a recurrent input width other than the features'");
	mk_free(big);

	big = grow_tensor(good, len, "dense0.weight", 1, 5, &out_len);
	put_le32(big + mlp + 10, 5);	/* the head's sizes[0] */
	reseal(big, out_len);
	expect_error(big, out_len, "invalid model: head input width 5, expected 4",
				 "a head input width other than the hidden width");
	mk_free(big);

	/* one byte more at the end of "rnn", its length raised to match */
	big = insert_bytes(good, len, at + 4 + 14, 1, 0);
	put_le32(big + at, 15);
	reseal(big, len + 1);
	expect_error(big, len + 1, "1 bytes left over in section \"rnn\"",
				 "a byte left over in the recurrent configuration");
	mk_free(big);

	/* the dropout's last byte cut, the length lowered to match */
	memcpy(buf, good, len);
	memmove(buf + at + 17, buf + at + 18, len - at - 18);
	put_le32(buf + at, 13);
	reseal(buf, len - 1);
	expect_error(buf, len - 1, "truncated in section \"rnn\"",
				 "a recurrent configuration a byte short");

	memcpy(buf, good, len);
	put_le32(buf + at, 0xfffffff0u);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"rnn\"",
				 "a recurrent blob length past the end");
}

/* Corruptions of the LSTM's recurrent tensors. */
static void
test_rnn_tensor_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at;
	uint32_t	out;

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn0.weight_hh");
	out = get_le32(buf + at + 1);
	put_le32(buf + at + 1, get_le32(buf + at + 5));
	put_le32(buf + at + 5, out);
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn0.weight_hh\" has shape [4, 16], expected [16, 4]",
				 "a transposed recurrent weight");

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn1.weight_ih");
	out = get_le32(buf + at + 1);
	put_le32(buf + at + 1, get_le32(buf + at + 5));
	put_le32(buf + at + 5, out);
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn1.weight_ih\" has shape [4, 16], expected [16, 4]",
				 "a transposed upper-layer input weight");

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn0.weight_ih");
	put_le32(buf + at + 1, 0xffffffffu);
	put_le32(buf + at + 5, 0xffffffffu);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"rnn0.weight_ih\"",
				 "huge recurrent tensor dimensions");

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn0.bias_hh");
	put_le32(buf + at + 1, 0);
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn0.bias_hh\" has an empty dimension",
				 "a recurrent bias of no rows");

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn1.bias_ih");
	buf[at] = 5;
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn1.bias_ih\" has 5 dimensions (1 to 4 allowed)",
				 "a 5-dimensional recurrent bias");

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn0.bias_ih");
	buf[at - 15] = 1;			/* the kind byte: a blob */
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn0.bias_ih\" has kind 1, expected a tensor",
				 "a recurrent bias stored as a blob");

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn");
	buf[at - 6] = 2;			/* the kind byte: a tensor */
	reseal(buf, len);
	expect_error(buf, len, "section \"rnn\" has kind 2, expected a blob",
				 "the recurrent configuration stored as a tensor");

	/* the first value of layer 0's bias_ih follows 16 * 12 + 16 * 4 */
	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn0.bias_ih");
	put_le32(buf + at + 5, 0x7fc00000u);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: parameter 256 of 491 is not finite",
				 "a NaN recurrent bias");

	memcpy(buf, good, len);
	at = section_at(buf, len, "rnn1.bias_hh");
	put_le32(buf + at + 5 + 4 * 15, 0x7f800000u);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: parameter 447 of 491 is not finite",
				 "an infinite last recurrent parameter");

	/* the head's parameters come after the encoder's */
	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.weight");
	put_le32(buf + at + 9, 0x7fc00000u);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: parameter 448 of 491 is not finite",
				 "a NaN first head weight");
}

/* Section set and order corruptions of the sequence models. */
static void
test_sequence_section_errors(const uint8_t *lstm, size_t lstm_len,
							 const uint8_t *gru, size_t gru_len,
							 const uint8_t *binary, size_t binary_len,
							 const uint8_t *autoencoder,
							 size_t autoencoder_len,
							 const uint8_t *kmeans, size_t kmeans_len)
{
	uint8_t    *buf = mk_alloc(lstm_len);
	uint8_t    *cut;
	size_t		cut_len;
	size_t		at;

	memcpy(buf, lstm, lstm_len);
	put_le32(buf + TASK_AT, MK_TASK_CLASSIFICATION);
	reseal(buf, lstm_len);
	expect_error(buf, lstm_len, "unexpected section \"rnn\" (only a sequence model has one)",
				 "a sequence classifier relabelled a classifier");

	memcpy(buf, lstm, lstm_len);
	put_le32(buf + TASK_AT, MK_TASK_SEGMENTATION);
	reseal(buf, lstm_len);
	expect_error(buf, lstm_len, "missing section \"segments\"",
				 "a sequence classifier relabelled a segmentation");

	memcpy(buf, lstm, lstm_len);
	put_le32(buf + TASK_AT, MK_TASK_SEQUENCE_REGRESSION);
	reseal(buf, lstm_len);
	expect_error(buf, lstm_len, "invalid model: regression with 3 classes (must be 0)",
				 "a sequence classifier relabelled a sequence regression");

	memcpy(buf, gru, gru_len);
	put_le32(buf + TASK_AT, MK_TASK_SEQUENCE_CLASSIFICATION);
	reseal(buf, gru_len);
	expect_error(buf, gru_len, "invalid model: classification with 0 classes",
				 "a sequence regression relabelled a sequence classifier");

	memcpy(buf, binary, binary_len);
	put_le32(buf + TASK_AT, MK_TASK_SEQUENCE_CLASSIFICATION);
	reseal(buf, binary_len);
	expect_error(buf, binary_len, "missing section \"rnn\"",
				 "a classifier relabelled a sequence classifier");

	expect_cut_error(lstm, lstm_len, "rnn", "missing section \"rnn\"",
					 "a sequence model without its recurrent configuration");
	expect_cut_error(lstm, lstm_len, "rnn0.weight_ih",
					 "missing section \"rnn0.weight_ih\"",
					 "a sequence model without its first recurrent weight");
	expect_cut_error(lstm, lstm_len, "rnn1.bias_hh",
					 "missing section \"rnn1.bias_hh\"",
					 "a sequence model without its last recurrent bias");
	expect_cut_error(gru, gru_len, "target", "missing section \"target\"",
					 "a sequence regression without a target");
	expect_cut_error(gru, gru_len, "mlp", "missing section \"mlp\"",
					 "a sequence regression without its head");
	expect_cut_error(gru, gru_len, "dense0.bias",
					 "missing section \"dense0.bias\"",
					 "a sequence regression without its head's bias");

	memcpy(buf, lstm, lstm_len);
	at = section_at(buf, lstm_len, "rnn1.bias_hh");
	buf[at - 9] = '5';
	reseal(buf, lstm_len);
	expect_error(buf, lstm_len,
				 "unexpected section \"rnn5.bias_hh\" (the recurrent encoder has 2 layers)",
				 "a section for a recurrent layer the encoder lacks");

	/* layer 0's bias_ih renamed layer 1's: layer 0's bias_hh then comes late */
	memcpy(buf, lstm, lstm_len);
	at = section_at(buf, lstm_len, "rnn0.bias_ih");
	buf[at - 9] = '1';
	reseal(buf, lstm_len);
	expect_error(buf, lstm_len, "section \"rnn0.bias_hh\" out of order",
				 "recurrent tensors out of order");

	memcpy(buf, lstm, lstm_len);
	at = section_at(buf, lstm_len, "rnn0.weight_hh");
	memcpy(buf + at - 2, "ih", 2);
	reseal(buf, lstm_len);
	expect_error(buf, lstm_len, "duplicate section \"rnn0.weight_ih\"",
				 "a duplicate recurrent weight");

	/* "rnn" moved after "mlp": the canonical order puts it before */
	cut = cut_section(lstm, lstm_len, "rnn", &cut_len);
	expect_splice_error(cut, cut_len, "mlp", lstm, lstm_len, "rnn",
						"section \"rnn\" out of order",
						"the recurrent configuration after the head's");
	mk_free(cut);

	expect_splice_error(binary, binary_len, "dense1.bias", lstm, lstm_len,
						"rnn0.weight_ih",
						"section \"rnn0.weight_ih\" out of order",
						"a recurrent weight after the dense layers");
	expect_splice_error(binary, binary_len, "target", lstm, lstm_len, "rnn",
						"unexpected section \"rnn\" (only a sequence model has one)",
						"a classifier with a recurrent configuration");
	expect_splice_error(binary, binary_len, "mlp", lstm, lstm_len,
						"rnn0.weight_ih",
						"unexpected section \"rnn0.weight_ih\" (the model has no recurrent encoder)",
						"a classifier with a recurrent weight");
	expect_splice_error(kmeans, kmeans_len, "prep", lstm, lstm_len, "rnn",
						"unexpected section \"rnn\" (only a sequence model has one)",
						"k-means with a recurrent configuration");
	expect_splice_error(autoencoder, autoencoder_len, "prep", lstm,
						lstm_len, "rnn",
						"unexpected section \"rnn\" (only a sequence model has one)",
						"an autoencoder with a recurrent configuration");
	expect_splice_error(gru, gru_len, "rnn0.bias_hh", lstm, lstm_len,
						"rnn1.weight_ih",
						"unexpected section \"rnn1.weight_ih\" (the recurrent encoder has 1 layers)",
						"a one-layer GRU with a second layer's weight");
	expect_splice_error(lstm, lstm_len, "mlp", autoencoder, autoencoder_len,
						"segments",
						"unexpected section \"segments\" (only a segmentation model has one)",
						"a sequence classifier with segments");
	expect_splice_error(gru, gru_len, "dense0.bias", autoencoder,
						autoencoder_len, "decoder0.weight",
						"unexpected section \"decoder0.weight\" (the model has no decoder)",
						"a sequence regression with a decoder layer");
	expect_splice_error(gru, gru_len, "dense0.bias", autoencoder,
						autoencoder_len, "centroids",
						"unexpected section \"centroids\" (only a segmentation model has one)",
						"a sequence regression with centroids");
	mk_free(buf);
}

/* Targeted corruptions of the sequence models and of their sections. */
static void
test_sequence_corruptions(void)
{
	static const TestKind kinds[] = {
		TEST_SEQ_LSTM, TEST_SEQ_GRU, TEST_BINARY, TEST_AUTOENCODER,
		TEST_KMEANS
	};
	MkModel		m;
	uint8_t    *bytes[lengthof(kinds)];
	size_t		lens[lengthof(kinds)];
	uint8_t    *buf;
	size_t		i;

	for (i = 0; i < lengthof(kinds); i++)
	{
		make_model(&m, kinds[i]);
		bytes[i] = mk_model_write(&m, &lens[i]);
		mk_model_free(&m);
	}
	buf = mk_alloc(lens[0]);

	test_rnn_blob_errors(bytes[0], lens[0], buf);
	test_rnn_tensor_errors(bytes[0], lens[0], buf);
	test_sequence_section_errors(bytes[0], lens[0], bytes[1], lens[1],
								 bytes[2], lens[2], bytes[3], lens[3],
								 bytes[4], lens[4]);

	mk_free(buf);
	for (i = 0; i < lengthof(kinds); i++)
		mk_free(bytes[i]);
}

/* mk_model_check rejects the breaks of an LSTM sequence classifier's. */
static void
test_check_sequence_lstm(void)
{
	MkModel		m;
	float	   *saved;
	uint8_t    *bytes;
	size_t		len = 1;

	make_model(&m, TEST_SEQ_LSTM);
	unit_check(mk_model_check(&m) == NULL,
			   "check: an LSTM sequence classifier is valid");

	m.rnn.cell = 0;
	expect_invalid(&m, "recurrent encoder: unknown recurrent cell",
				   "recurrent cell 0");
	bytes = mk_model_write(&m, &len);
	unit_check(bytes == NULL && len == 0,
			   "format: a sequence model with an unknown cell is not written");
	m.rnn.cell = 3;
	expect_invalid(&m, "recurrent encoder: unknown recurrent cell",
				   "recurrent cell 3");
	m.rnn.cell = MK_CELL_LSTM;
	m.rnn.n_layers = 0;
	expect_invalid(&m, "recurrent encoder: the number of recurrent layers",
				   "a recurrent encoder of no layers");
	m.rnn.n_layers = MK_RNN_MAX_LAYERS + 1;
	expect_invalid(&m, "recurrent encoder: the number of recurrent layers",
				   "a recurrent encoder of 9 layers");
	m.rnn.n_layers = 2;
	m.rnn.hidden = 0;
	expect_invalid(&m, "recurrent encoder: the input and hidden sizes",
				   "a hidden width of 0");
	m.rnn.hidden = 4;
	m.rnn.dropout = 1.0f;
	expect_invalid(&m, "recurrent encoder: dropout must be in [0, 1)",
				   "a recurrent dropout of 1");
	m.rnn.dropout = NAN;
	expect_invalid(&m, "recurrent encoder: dropout must be in [0, 1)",
				   "a NaN recurrent dropout");
	m.rnn.dropout = 0.125f;
	m.rnn.input = 13;
	expect_invalid(&m, "recurrent encoder input width 13, expected 12",
				   "a recurrent input width other than the features'");
	m.rnn.input = 12;
	m.rnn.hidden = 5;
	expect_invalid(&m, "head input width 4, expected 5",
				   "a hidden width other than the head's input");
	m.rnn.hidden = 4;
	m.mlp.sizes[0] = 12;
	expect_invalid(&m, "head input width 12, expected 4",
				   "a head fed the features rather than the hidden state");
	m.mlp.sizes[0] = 4;
	m.mlp.activation = 0;
	expect_invalid(&m, "head: unknown activation",
				   "an unknown head activation");
	m.mlp.activation = MK_ACT_RELU;
	m.mlp.sizes[2] = 1;
	expect_invalid(&m, "head output width 1, expected 3",
				   "one output for three classes");
	m.mlp.sizes[2] = 3;
	m.target.n_classes = 2;
	m.target.positive = 1;
	expect_invalid(&m, "head output width 3, expected 1",
				   "three outputs for a binary sequence classifier");
	m.target.positive = 2;
	m.target.n_classes = 1;
	expect_invalid(&m, "classification with 1 classes",
				   "a sequence classifier of one class");
	m.target.n_classes = 3;
	m.target.positive = 3;
	expect_invalid(&m, "positive class 3 out of range",
				   "a sequence classifier's positive past the end");
	m.target.positive = 2;
	replace_text(&m.target.classes[2], "ant");
	expect_invalid(&m, "duplicate class \"ant\"",
				   "a sequence classifier's repeated class");
	replace_text(&m.target.classes[2], "cat");

	m.params[0] = NAN;
	expect_invalid(&m, "parameter 0 of 491 is not finite",
				   "a NaN first recurrent parameter");
	m.params[0] = 0.0f;
	m.params[LSTM_PARAMS - 1] = INFINITY;
	expect_invalid(&m, "parameter 490 of 491 is not finite",
				   "an infinite last head parameter");
	m.params[LSTM_PARAMS - 1] = 0.5f;
	saved = m.params;
	m.params = NULL;
	expect_invalid(&m, "parameters are missing",
				   "a sequence model without parameters");
	m.params = saved;

	m.segments.k = 2;
	expect_invalid(&m, "sequence classification model has segments (must be all zero)",
				   "a sequence classifier with k");
	m.segments.k = 0;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired LSTM sequence classifier is valid");
	mk_model_free(&m);
}

/* mk_model_check rejects the breaks of a GRU sequence regression's. */
static void
test_check_sequence_gru(void)
{
	MkModel		m;

	make_model(&m, TEST_SEQ_GRU);
	unit_check(mk_model_check(&m) == NULL,
			   "check: a GRU sequence regression is valid");
	m.target.scale = 0.0;
	expect_invalid(&m, "target scale must be positive",
				   "a sequence regression's zero target scale");
	m.target.scale = 0.5;
	m.target.n_classes = 2;
	expect_invalid(&m, "regression with 2 classes",
				   "classes in a sequence regression");
	m.target.n_classes = 0;
	mk_free(m.target.name);
	m.target.name = NULL;
	expect_invalid(&m, "target name is missing",
				   "a sequence regression without a target name");
	m.target.name = dup_text("demand");
	m.mlp.sizes[1] = 2;
	expect_invalid(&m, "head output width 2, expected 1",
				   "two outputs for a sequence regression");
	m.mlp.sizes[1] = 1;
	m.rnn.dropout = -0.5f;
	expect_invalid(&m, "recurrent encoder: dropout must be in [0, 1)",
				   "a negative recurrent dropout");
	m.rnn.dropout = 0.0f;
	m.rnn.hidden = 1 << 29;
	expect_invalid(&m, "recurrent encoder: too many parameters",
				   "a hidden width of 2^29");
	m.rnn.hidden = 3;

	m.params[GRU_RNN_PARAMS - 1] = NAN;
	expect_invalid(&m, "parameter 152 of 157 is not finite",
				   "a NaN last recurrent parameter");
	m.params[GRU_RNN_PARAMS - 1] = 0.0f;
	m.segments.decoder.n_dense = 1;
	expect_invalid(&m, "sequence regression model has segments (must be all zero)",
				   "a sequence regression with a decoder");
	m.segments.decoder.n_dense = 0;
	m.segments.method = MK_SEGMENT_KMEANS;
	expect_invalid(&m, "sequence regression model has segments",
				   "a sequence regression with a segmentation method");
	m.segments.method = 0;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired GRU sequence regression is valid");
	mk_model_free(&m);
}

/*
 * mk_model_check rejects a recurrent encoder in every other task, and a
 * sequence task without one.
 */
static void
test_check_no_rnn(void)
{
	static const MkRnnConfig lstm = {MK_CELL_LSTM, 2, 12, 4, 0.125f};
	MkModel		m;
	uint8_t    *bytes;
	size_t		len = 1;

	make_model(&m, TEST_BINARY);
	m.rnn = lstm;
	expect_invalid(&m, "classification model has a recurrent encoder (must be all zero)",
				   "a classifier with a whole recurrent encoder");
	bytes = mk_model_write(&m, &len);
	unit_check(bytes == NULL && len == 0,
			   "format: a classifier with a recurrent encoder is not written");
	memset(&m.rnn, 0, sizeof(m.rnn));
	m.rnn.hidden = 4;
	expect_invalid(&m, "classification model has a recurrent encoder",
				   "a classifier with a hidden width");
	memset(&m.rnn, 0, sizeof(m.rnn));
	m.task = MK_TASK_SEQUENCE_CLASSIFICATION;
	expect_invalid(&m, "recurrent encoder: unknown recurrent cell",
				   "a classifier relabelled a sequence classifier");
	m.task = MK_TASK_CLASSIFICATION;
	m.task = 8;
	expect_invalid(&m, "unknown task 8", "task 8");
	m.task = 0;
	expect_invalid(&m, "unknown task 0", "task 0");
	m.task = MK_TASK_CLASSIFICATION;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the classifier without a recurrent encoder is valid");
	mk_model_free(&m);

	make_model(&m, TEST_REGRESSION);
	m.rnn.cell = MK_CELL_GRU;
	expect_invalid(&m, "regression model has a recurrent encoder",
				   "a regression with a recurrent cell");
	m.rnn.cell = 0;
	mk_model_free(&m);

	make_model(&m, TEST_AUTOENCODER);
	m.rnn.dropout = 0.5f;
	expect_invalid(&m, "segmentation model has a recurrent encoder",
				   "an autoencoder with a recurrent dropout");
	m.rnn.dropout = 0.0f;
	mk_model_free(&m);

	make_model(&m, TEST_KMEANS);
	m.rnn.n_layers = 1;
	expect_invalid(&m, "segmentation model has a recurrent encoder",
				   "k-means with a recurrent layer");
	m.rnn.n_layers = 0;
	m.rnn.input = 12;
	expect_invalid(&m, "segmentation model has a recurrent encoder",
				   "k-means with a recurrent input width");
	m.rnn.input = 0;
	mk_model_free(&m);
}

/* Stores the bits of v little-endian at p, as the format stores a float64. */
static void
put_le64(uint8_t *p, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_le32(p, (uint32_t) bits);
	put_le32(p + 4, (uint32_t) (bits >> 32));
}

/*
 * Offset of the horizon in the "forecast" blob of buf, after the blob's
 * length and the series and order strings; the context follows at + 4,
 * the level at + 8, lower[] at + 16 and upper[] after it.
 */
static size_t
forecast_fields_at(const uint8_t *buf, size_t len)
{
	size_t		at = section_at(buf, len, "forecast") + 4;

	at += 2 + (buf[at] | buf[at + 1] << 8);		/* series */
	at += 2 + (buf[at] | buf[at + 1] << 8);		/* order */
	return at;
}

/*
 * A resealed copy of buf without the n bytes at pos, which lie inside the
 * blob section name, whose length is lowered to match; *out_len gets its
 * length.
 */
static uint8_t *
cut_blob_bytes(const uint8_t *buf, size_t len, const char *name, size_t pos,
			   size_t n, size_t *out_len)
{
	size_t		at = section_at(buf, len, name);
	uint8_t    *out = mk_alloc(len - n);

	memcpy(out, buf, pos);
	memcpy(out + pos, buf + pos + n, len - pos - n);
	put_le32(out + at, get_le32(buf + at) - (uint32_t) n);
	*out_len = len - n;
	reseal(out, *out_len);
	return out;
}

/* Expects reading a copy of buf cut as cut_blob_bytes does to fail. */
static void
expect_blob_cut_error(const uint8_t *buf, size_t len, const char *name,
					  size_t pos, size_t n, const char *want,
					  const char *what)
{
	size_t		out_len;
	uint8_t    *out = cut_blob_bytes(buf, len, name, pos, n, &out_len);

	expect_error(out, out_len, want, what);
	mk_free(out);
}

/*
 * The forecasts' sections come in the documented order and shapes, the
 * "forecast" blob holds series, order, horizon, context, level and the
 * bounds, and a forecast without columns has an empty "prep".
 */
static void
test_forecast_layout(void)
{
	static const char *const want[] = {
		"prep:blob target:blob rnn:blob mlp:blob forecast:blob "
		"rnn0.weight_ih:16x1 rnn0.weight_hh:16x4 rnn0.bias_ih:16 "
		"rnn0.bias_hh:16 dense0.weight:3x4 dense0.bias:3 spec:blob "
		"metrics:blob",
		"prep:blob target:blob rnn:blob mlp:blob forecast:blob "
		"rnn0.weight_ih:9x13 rnn0.weight_hh:9x3 rnn0.bias_ih:9 "
		"rnn0.bias_hh:9 rnn1.weight_ih:9x3 rnn1.weight_hh:9x3 "
		"rnn1.bias_ih:9 rnn1.bias_hh:9 dense0.weight:5x3 dense0.bias:5 "
		"dense1.weight:3x5 dense1.bias:3 spec:blob metrics:blob"
	};
	static const uint8_t empty_prep[12] = {8, 0, 0, 0};
	char		got[1024];
	uint8_t		blob[128];
	MkModel		m;
	uint8_t    *bytes;
	size_t		len;
	size_t		at;
	size_t		n;
	int			i;
	int			h;

	for (i = 0; i < 2; i++)
	{
		TestKind	kind = i == 0 ? TEST_FORECAST : TEST_FORECAST_COV;
		const char *series = i == 0 ? "" : "campaign";

		make_model(&m, kind);
		bytes = mk_model_write(&m, &len);
		describe_sections(bytes, len, got, sizeof(got));
		unit_check(strcmp(got, want[i]) == 0,
				   "format: %s sections in order and shape", kind_names[kind]);
		if (strcmp(got, want[i]) != 0)
			printf("#   got  %s\n#   want %s\n", got, want[i]);

		n = 0;
		blob[n++] = (uint8_t) strlen(series);
		blob[n++] = 0;
		memcpy(blob + n, series, strlen(series));
		n += strlen(series);
		memcpy(blob + n, "\x03\x00" "day", 5);
		n += 5;
		put_le32(blob + n, 3);
		put_le32(blob + n + 4, 5);
		put_le64(blob + n + 8, 0.9);
		n += 16;
		for (h = 0; h < 3; h++)
			put_le64(blob + n + 8 * h, m.forecast.lower[h]);
		for (h = 0; h < 3; h++)
			put_le64(blob + n + 24 + 8 * h, m.forecast.upper[h]);
		n += 48;
		at = section_at(bytes, len, "forecast");
		unit_check(get_le32(bytes + at) == n &&
				   memcmp(bytes + at + 4, blob, n) == 0,
				   "format: %s \"forecast\" blob is series, order, horizon, context, level, bounds",
				   kind_names[kind]);
		unit_check(get_le32(bytes + TASK_AT) == MK_TASK_FORECAST,
				   "format: %s task 6 in the header", kind_names[kind]);
		if (i == 0)
		{
			at = section_at(bytes, len, "prep");
			unit_check(memcmp(bytes + at, empty_prep, 12) == 0,
					   "format: a forecast without columns has an empty \"prep\"");
		}
		mk_free(bytes);
		mk_model_free(&m);
	}
}

/* Corruptions of a forecast's horizon, with the checksum recomputed. */
static void
test_forecast_horizon_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at = forecast_fields_at(good, len);

	memcpy(buf, good, len);
	put_le32(buf + at, 0);
	reseal(buf, len);
	expect_error(buf, len, "forecast horizon 0 (1 to 1000 allowed)",
				 "a forecast horizon of 0");

	memcpy(buf, good, len);
	put_le32(buf + at, MK_MAX_HORIZON + 1);
	reseal(buf, len);
	expect_error(buf, len, "forecast horizon 1001 (1 to 1000 allowed)",
				 "a forecast horizon of 1001");

	memcpy(buf, good, len);
	put_le32(buf + at, 0xffffffffu);
	reseal(buf, len);
	expect_error(buf, len, "forecast horizon -1 (1 to 1000 allowed)",
				 "a negative forecast horizon");

	memcpy(buf, good, len);
	put_le32(buf + at, MK_MAX_HORIZON);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"forecast\"",
				 "a forecast horizon of 1000 with 3 steps' bounds");

	memcpy(buf, good, len);
	put_le32(buf + at, 4);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"forecast\"",
				 "a forecast horizon one more than its bounds");

	memcpy(buf, good, len);
	put_le32(buf + at, 2);
	reseal(buf, len);
	expect_error(buf, len, "16 bytes left over in section \"forecast\"",
				 "a forecast horizon one less than its bounds");
}

/*
 * Corruptions of the "forecast" blob of a forecast with covariates, with
 * the checksum recomputed: its bounds, its other fields and its strings.
 */
static void
test_forecast_blob_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		sec = section_at(good, len, "forecast");
	size_t		at = forecast_fields_at(good, len);
	size_t		end = sec + 4 + get_le32(good + sec);
	size_t		out_len;
	uint8_t    *big;
	uint8_t    *cut;
	long		pos;

	test_forecast_horizon_errors(good, len, buf);

	/* horizon 2 with two bounds each: the head's 3 outputs then object */
	cut = cut_blob_bytes(good, len, "forecast", at + 16 + 40, 8, &out_len);
	put_le32(cut + at, 2);
	reseal(cut, out_len);
	expect_blob_cut_error(cut, out_len, "forecast", at + 16 + 16, 8,
						  "invalid model: head output width 3, expected 2",
						  "a forecast of 2 steps with a head of 3 outputs");
	mk_free(cut);

	expect_blob_cut_error(good, len, "forecast", end - 1, 1,
						  "truncated in section \"forecast\"",
						  "forecast bounds a byte short");
	expect_blob_cut_error(good, len, "forecast", end - 8, 8,
						  "truncated in section \"forecast\"",
						  "forecast bounds a value short");
	expect_blob_cut_error(good, len, "forecast", at + 8, 8,
						  "truncated in section \"forecast\"",
						  "a forecast without its level");

	/* one byte more at the end of "forecast", its length raised to match */
	big = insert_bytes(good, len, end, 1, 0);
	put_le32(big + sec, get_le32(good + sec) + 1);
	reseal(big, len + 1);
	expect_error(big, len + 1, "1 bytes left over in section \"forecast\"",
				 "a byte left over in the forecast configuration");
	mk_free(big);

	memcpy(buf, good, len);
	put_le32(buf + at + 4, 0);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: forecast context 0 (must be at least 1)",
				 "a forecast context of 0");

	memcpy(buf, good, len);
	put_le64(buf + at + 8, 1.0);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: interval level 1 (must be between 0 and 1)",
				 "an interval level of 1");

	memcpy(buf, good, len);
	put_le64(buf + at + 8, NAN);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: interval level",
				 "a NaN interval level");

	memcpy(buf, good, len);
	put_le64(buf + at + 16 + 8, 2.0);	/* lower[1] above upper[1] */
	reseal(buf, len);
	expect_error(buf, len, "invalid model: interval bounds of step 2 are not finite and ordered",
				 "a lower bound above its upper bound");

	memcpy(buf, good, len);
	put_le64(buf + at + 16 + 40, INFINITY);	/* upper[2] */
	reseal(buf, len);
	expect_error(buf, len, "invalid model: interval bounds of step 3 are not finite and ordered",
				 "an infinite upper bound");

	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "day", 3);
	buf[pos + 1] = '\0';
	reseal(buf, len);
	expect_error(buf, len, "NUL byte in a string in section \"forecast\"",
				 "a NUL inside the order column's name");

	/* the order column's name cut to nothing */
	pos = find_bytes(good, len, "\x03\x00" "day", 5);
	cut = cut_blob_bytes(good, len, "forecast", pos + 2, 3, &out_len);
	cut[pos] = 0;
	reseal(cut, out_len);
	expect_error(cut, out_len, "invalid model: order column name is empty",
				 "an empty order column name");
	mk_free(cut);

	memcpy(buf, good, len);
	buf[sec + 4] = 0xff;		/* the series name's length */
	buf[sec + 5] = 0xff;
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"forecast\"",
				 "a series name longer than the blob");

	memcpy(buf, good, len);
	put_le32(buf + sec, 0xfffffff0u);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"forecast\"",
				 "a forecast blob length past the end");

	memcpy(buf, good, len);
	buf[sec - 11] = 2;			/* the kind byte: a tensor */
	reseal(buf, len);
	expect_error(buf, len, "section \"forecast\" has kind 2, expected a blob",
				 "the forecast configuration stored as a tensor");
}

/*
 * Corruptions of a forecast without columns outside the "forecast" blob:
 * its empty prep, its recurrent input and its target.
 */
static void
test_forecast_model_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		prep = section_at(good, len, "prep");
	size_t		rnn = section_at(good, len, "rnn");
	size_t		target = section_at(good, len, "target");
	size_t		out_len;
	uint8_t    *big;

	memcpy(buf, good, len);
	put_le32(buf + prep + 8, 1);	/* n_features */
	reseal(buf, len);
	expect_error(buf, len, "invalid model: no input columns, yet feature slots or columns",
				 "a forecast of no columns but one feature slot");

	memcpy(buf, good, len);
	put_le32(buf + prep + 4, 1);	/* n_columns */
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"prep\"",
				 "a forecast of one column and none stored");

	/* the input widened with its tensor: only mk_model_check objects */
	big = grow_tensor(good, len, "rnn0.weight_ih", 1, 2, &out_len);
	put_le32(big + rnn + 6, 2);
	reseal(big, out_len);
	expect_error(big, out_len, "invalid model: recurrent encoder input width 2, expected 1",
				 "a forecast reading a slot more than the target");
	mk_free(big);

	/* the target blob: name "clicks", type, positive, then the mean */
	memcpy(buf, good, len);
	put_le64(buf + target + 4 + 8 + 1 + 4, 0.5);
	reseal(buf, len);
	expect_error(buf, len, "invalid model: forecast target must have mean 0 and scale 1",
				 "a forecast target of mean 0.5");

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, MK_TASK_SEQUENCE_REGRESSION);
	reseal(buf, len);
	expect_error(buf, len, "unexpected section \"forecast\" (only a forecast model has one)",
				 "a forecast relabelled a sequence regression");

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, MK_TASK_REGRESSION);
	reseal(buf, len);
	expect_error(buf, len, "unexpected section \"rnn\" (only a sequence model has one)",
				 "a forecast relabelled a regression");
}

/* Section set and order corruptions around the "forecast" section. */
static void
test_forecast_section_errors(const uint8_t *fc, size_t fc_len,
							 const uint8_t *gru, size_t gru_len,
							 const uint8_t *binary, size_t binary_len,
							 const uint8_t *kmeans, size_t kmeans_len)
{
	uint8_t    *buf = mk_alloc(gru_len);
	uint8_t    *cut;
	size_t		cut_len;

	expect_cut_error(fc, fc_len, "forecast", "missing section \"forecast\"",
					 "a forecast without its configuration");
	expect_cut_error(fc, fc_len, "rnn", "missing section \"rnn\"",
					 "a forecast without its recurrent configuration");
	expect_cut_error(fc, fc_len, "dense0.bias",
					 "missing section \"dense0.bias\"",
					 "a forecast without its head's bias");

	memcpy(buf, gru, gru_len);
	put_le32(buf + TASK_AT, MK_TASK_FORECAST);
	reseal(buf, gru_len);
	expect_error(buf, gru_len, "missing section \"forecast\"",
				 "a sequence regression relabelled a forecast");

	expect_splice_error(gru, gru_len, "mlp", fc, fc_len, "forecast",
						"unexpected section \"forecast\" (only a forecast model has one)",
						"a sequence regression with a forecast configuration");
	expect_splice_error(binary, binary_len, "mlp", fc, fc_len, "forecast",
						"unexpected section \"forecast\" (only a forecast model has one)",
						"a classifier with a forecast configuration");
	expect_splice_error(kmeans, kmeans_len, "segments", fc, fc_len,
						"forecast",
						"unexpected section \"forecast\" (only a forecast model has one)",
						"k-means with a forecast configuration");
	expect_splice_error(fc, fc_len, "forecast", fc, fc_len, "forecast",
						"duplicate section \"forecast\"",
						"a duplicate forecast configuration");

	/* "forecast" moved after the head, then before "rnn" */
	cut = cut_section(fc, fc_len, "forecast", &cut_len);
	expect_splice_error(cut, cut_len, "dense0.bias", fc, fc_len, "forecast",
						"section \"forecast\" out of order",
						"the forecast configuration after the layers");
	expect_splice_error(cut, cut_len, "target", fc, fc_len, "forecast",
						"section \"rnn\" out of order",
						"the forecast configuration before the recurrent one");
	mk_free(cut);
	mk_free(buf);
}

/* Targeted corruptions of the forecasts and of their sections. */
static void
test_forecast_corruptions(void)
{
	static const TestKind kinds[] = {
		TEST_FORECAST, TEST_FORECAST_COV, TEST_SEQ_GRU, TEST_BINARY,
		TEST_KMEANS
	};
	MkModel		m;
	uint8_t    *bytes[lengthof(kinds)];
	size_t		lens[lengthof(kinds)];
	uint8_t    *buf;
	size_t		i;

	for (i = 0; i < lengthof(kinds); i++)
	{
		make_model(&m, kinds[i]);
		bytes[i] = mk_model_write(&m, &lens[i]);
		mk_model_free(&m);
	}
	buf = mk_alloc(lens[1]);

	test_forecast_blob_errors(bytes[1], lens[1], buf);
	test_forecast_model_errors(bytes[0], lens[0], buf);
	test_forecast_section_errors(bytes[0], lens[0], bytes[2], lens[2],
								 bytes[3], lens[3], bytes[4], lens[4]);

	mk_free(buf);
	for (i = 0; i < lengthof(kinds); i++)
		mk_free(bytes[i]);
}

/* mk_model_check rejects the breaks of a forecast's own configuration. */
static void
test_check_forecast_config(void)
{
	MkModel		m;
	MkForecast *fc = &m.forecast;
	char		long_name[MK_MAX_NAME_BYTES + 2];
	double	   *saved;
	uint8_t    *bytes;
	size_t		len = 1;

	make_model(&m, TEST_FORECAST);
	unit_check(mk_model_check(&m) == NULL,
			   "check: a forecast without columns is valid");
	fc->horizon = 0;
	expect_invalid(&m, "forecast horizon 0 (1 to 1000 allowed)",
				   "a forecast horizon of 0");
	bytes = mk_model_write(&m, &len);
	unit_check(bytes == NULL && len == 0,
			   "format: a forecast of horizon 0 is not written");
	fc->horizon = MK_MAX_HORIZON + 1;
	expect_invalid(&m, "forecast horizon 1001 (1 to 1000 allowed)",
				   "a forecast horizon of 1001");
	fc->horizon = -3;
	expect_invalid(&m, "forecast horizon -3", "a negative forecast horizon");
	fc->horizon = 3;
	fc->context = 0;
	expect_invalid(&m, "forecast context 0 (must be at least 1)",
				   "a forecast context of 0");
	fc->context = -1;
	expect_invalid(&m, "forecast context -1", "a negative forecast context");
	fc->context = 5;

	fc->level = 0.0;
	expect_invalid(&m, "interval level 0 (must be between 0 and 1)",
				   "an interval level of 0");
	fc->level = 1.0;
	expect_invalid(&m, "interval level 1 (must be between 0 and 1)",
				   "an interval level of 1");
	fc->level = NAN;
	expect_invalid(&m, "(must be between 0 and 1)", "a NaN interval level");
	fc->level = 0.9;

	fc->lower[1] = 1.0;
	expect_invalid(&m, "interval bounds of step 2 are not finite and ordered",
				   "a lower bound above its upper bound");
	fc->lower[1] = fc->upper[1];
	unit_check(mk_model_check(&m) == NULL,
			   "check: equal lower and upper bounds are allowed");
	fc->lower[1] = -0.75;
	fc->upper[2] = NAN;
	expect_invalid(&m, "interval bounds of step 3 are not finite and ordered",
				   "a NaN upper bound");
	fc->upper[2] = 1.25;
	fc->lower[0] = -INFINITY;
	expect_invalid(&m, "interval bounds of step 1 are not finite and ordered",
				   "an infinite lower bound");
	fc->lower[0] = -0.0;
	saved = fc->lower;
	fc->lower = NULL;
	expect_invalid(&m, "interval bounds are missing",
				   "a forecast without lower bounds");
	fc->lower = saved;
	saved = fc->upper;
	fc->upper = NULL;
	expect_invalid(&m, "interval bounds are missing",
				   "a forecast without upper bounds");
	fc->upper = saved;

	mk_free(fc->series);
	fc->series = NULL;
	expect_invalid(&m, "series column name is missing",
				   "a forecast without a series name");
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	fc->series = dup_text(long_name);
	expect_invalid(&m, "series column name is longer",
				   "a 1025-byte series name");
	replace_text(&fc->series, "");
	mk_free(fc->order);
	fc->order = NULL;
	expect_invalid(&m, "order column name is missing",
				   "a forecast without an order name");
	fc->order = dup_text("");
	expect_invalid(&m, "order column name is empty",
				   "a forecast with an empty order name");
	replace_text(&fc->order, "day");
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired forecast is valid");
	mk_model_free(&m);
}

/*
 * mk_model_check rejects the breaks of a forecast's target, network and
 * columns.
 */
static void
test_check_forecast_model(void)
{
	MkModel		m;

	make_model(&m, TEST_FORECAST);
	m.target.mean = 0.5;
	expect_invalid(&m, "forecast target must have mean 0 and scale 1",
				   "a forecast target of mean 0.5");
	m.target.mean = 0.0;
	m.target.scale = 2.0;
	expect_invalid(&m, "forecast target must have mean 0 and scale 1",
				   "a forecast target of scale 2");
	m.target.scale = 0.0;
	expect_invalid(&m, "target scale must be positive",
				   "a forecast target of scale 0");
	m.target.scale = 1.0;
	m.target.n_classes = 2;
	expect_invalid(&m, "regression with 2 classes",
				   "a forecast with classes");
	m.target.n_classes = 0;

	m.mlp.sizes[1] = 2;
	expect_invalid(&m, "head output width 2, expected 3",
				   "a head of 2 outputs for 3 steps");
	m.mlp.sizes[1] = 3;
	m.forecast.horizon = 2;
	expect_invalid(&m, "head output width 3, expected 2",
				   "a head of 3 outputs for 2 steps");
	m.forecast.horizon = 3;
	m.rnn.input = 2;
	expect_invalid(&m, "recurrent encoder input width 2, expected 1",
				   "a forecast reading a slot more than the target");
	m.rnn.input = 0;
	expect_invalid(&m, "recurrent encoder: the input and hidden sizes",
				   "a forecast reading no slot");
	m.rnn.input = 1;
	m.prep.n_features = 1;
	expect_invalid(&m, "no input columns, yet feature slots or columns",
				   "a forecast of no columns but one feature slot");
	m.prep.n_features = 0;
	m.params[FC_LSTM_PARAMS - 1] = NAN;
	expect_invalid(&m, "parameter 126 of 127 is not finite",
				   "a NaN last forecast head parameter");
	m.params[FC_LSTM_PARAMS - 1] = 0.0f;
	m.segments.k = 2;
	expect_invalid(&m, "forecast model has segments (must be all zero)",
				   "a forecast with k");
	m.segments.k = 0;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired forecast is valid");
	mk_model_free(&m);

	make_model(&m, TEST_FORECAST_COV);
	unit_check(mk_model_check(&m) == NULL,
			   "check: a forecast with covariates is valid");
	m.rnn.input = 12;
	expect_invalid(&m, "recurrent encoder input width 12, expected 13",
				   "a forecast over the covariates without the target");
	m.rnn.input = 13;
	m.params[FC_GRU_RNN_PARAMS] = INFINITY;
	expect_invalid(&m, "parameter 234 of 272 is not finite",
				   "an infinite first forecast head parameter");
	m.params[FC_GRU_RNN_PARAMS] = 0.0f;
	m.prep.columns[2].offset = 8;
	expect_invalid(&m, "column \"income\": offset 8, expected 7",
				   "a forecast covariate's offset gap");
	m.prep.columns[2].offset = 7;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired forecast with covariates is valid");
	mk_model_free(&m);
}

/*
 * mk_model_check rejects a forecast configuration in every other task,
 * and a model of no columns in every task but a forecast.
 */
static void
test_check_no_forecast(void)
{
	MkModel		m;
	uint8_t    *bytes;
	size_t		len = 1;

	make_model(&m, TEST_BINARY);
	m.forecast.horizon = 3;
	expect_invalid(&m, "classification model has a forecast configuration (must be all zero)",
				   "a classifier with a forecast horizon");
	bytes = mk_model_write(&m, &len);
	unit_check(bytes == NULL && len == 0,
			   "format: a classifier with a forecast horizon is not written");
	m.forecast.horizon = 0;
	m.forecast.level = 0.9;
	expect_invalid(&m, "classification model has a forecast configuration",
				   "a classifier with an interval level");
	m.forecast.level = 0.0;
	m.forecast.order = dup_text("day");
	expect_invalid(&m, "classification model has a forecast configuration",
				   "a classifier with an order column");
	mk_free(m.forecast.order);
	m.forecast.order = NULL;
	drop_columns(&m);
	m.mlp.sizes[0] = 0;
	expect_invalid(&m, "0 input columns (1 to 4096 allowed)",
				   "a classifier without columns");
	mk_model_free(&m);

	make_model(&m, TEST_SEQ_GRU);
	m.forecast.series = dup_text("");
	expect_invalid(&m, "sequence regression model has a forecast configuration",
				   "a sequence regression with a series column");
	mk_free(m.forecast.series);
	m.forecast.series = NULL;
	m.forecast.context = 5;
	expect_invalid(&m, "sequence regression model has a forecast configuration",
				   "a sequence regression with a forecast context");
	m.forecast.context = 0;
	drop_columns(&m);
	expect_invalid(&m, "0 input columns (1 to 4096 allowed)",
				   "a sequence regression without columns");
	mk_model_free(&m);

	make_model(&m, TEST_REGRESSION);
	m.forecast.lower = mk_alloc(sizeof(double));
	expect_invalid(&m, "regression model has a forecast configuration",
				   "a regression with interval bounds");
	mk_model_free(&m);

	make_model(&m, TEST_KMEANS);
	m.forecast.upper = mk_alloc(sizeof(double));
	expect_invalid(&m, "segmentation model has a forecast configuration",
				   "k-means with interval bounds");
	mk_model_free(&m);

	make_model(&m, TEST_FORECAST);
	m.task = MK_TASK_SEQUENCE_REGRESSION;
	expect_invalid(&m, "0 input columns (1 to 4096 allowed)",
				   "a forecast without columns relabelled a sequence regression");
	mk_model_free(&m);

	make_model(&m, TEST_FORECAST_COV);
	m.task = MK_TASK_SEQUENCE_REGRESSION;
	expect_invalid(&m, "recurrent encoder input width 13, expected 12",
				   "a forecast relabelled a sequence regression");
	mk_model_free(&m);
}

/* The format's test group. */
void
test_format(void)
{
	int			kind;

	for (kind = 0; kind < TEST_KIND_COUNT; kind++)
		test_round_trip(kind);
	for (kind = 0; kind < TEST_KIND_COUNT; kind++)
		test_truncation(kind);
	test_bit_flips(TEST_BINARY);
	test_bit_flips(TEST_AUTOENCODER);
	test_bit_flips(TEST_KMEANS);
	test_bit_flips(TEST_SEQ_LSTM);
	test_bit_flips(TEST_SEQ_GRU);
	test_bit_flips(TEST_FORECAST);
	test_bit_flips(TEST_FORECAST_COV);
	test_stable_bytes();
	test_sequence_layout();
	test_forecast_layout();
	test_corruptions();
	test_segment_corruptions();
	test_sequence_corruptions();
	test_forecast_corruptions();
	test_foreign_bytes();
	test_check_prep();
	test_check_target();
	test_check_network();
	test_check_segments();
	test_check_kmeans();
	test_check_no_segments();
	test_check_sequence_lstm();
	test_check_sequence_gru();
	test_check_no_rnn();
	test_check_forecast_config();
	test_check_forecast_model();
	test_check_no_forecast();
}
