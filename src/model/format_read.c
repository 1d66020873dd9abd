/*
 * format_read.c
 *		mk_model_read(): bytes in the layout format.c describes, back into
 *		a model.
 *
 * The reader trusts nothing: it checks the magic, the version, the length
 * and the checksum before it parses; it bounds every length and count by
 * the bytes left before it allocates; it demands each section once, in
 * order, with the shape the configuration implies and no byte to spare;
 * and it ends with mk_model_check().  On any failure it frees what it
 * allocated and leaves a message in the caller's buffer.
 *
 * c.h comes first, for codec.h; nothing here needs the backend.
 */
#include "c.h"

#include <string.h>

#include "core/mk_alloc.h"
#include "model/codec.h"
#include "model/format_private.h"
#include "model/model.h"

/* Least bytes a column and a string occupy in a blob, to bound counts. */
#define MK_MIN_COLUMN_BYTES 28
#define MK_MIN_STRING_BYTES 2

/* A section found by the reader: where its payload lies in the input. */
typedef struct MkSection
{
	bool		present;
	int			ndim;			/* tensors only */
	uint32_t	dims[MK_MAX_TENSOR_DIMS];
	const uint8_t *data;		/* blob bytes or tensor floats */
	size_t		len;			/* bytes at data */
} MkSection;

/*
 * Which sections a model holds, known once the header and the blobs that
 * configure it are read: the task, a segmentation's method, the layers of
 * a sequence model's recurrent encoder, and the dense layers of the
 * network (a sequence model's head, an autoencoder's encoder) and of the
 * decoder.
 */
typedef struct MkLayout
{
	MkTask		task;
	MkSegmentMethod method;		/* segmentation only */
	int			n_rnn;			/* 0 but for a sequence task */
	int			n_dense;		/* 0 for k-means, which has no network */
	int			n_decoder;		/* 0 but for an autoencoder */
	MkTextEncoder text_encoder; /* text classification only */
} MkLayout;

/* True for the tasks whose model has a recurrent encoder. */
static bool
is_sequence_task(MkTask task)
{
	return task == MK_TASK_SEQUENCE_CLASSIFICATION ||
		task == MK_TASK_SEQUENCE_REGRESSION || task == MK_TASK_FORECAST;
}

/* Opens a reader over the payload of a blob section. */
static MkReader
rd_blob(const MkReader *parent, const MkSection *sec, const char *name)
{
	MkReader	r = *parent;

	r.p = sec->data;
	r.left = sec->len;
	r.section = name;
	return r;
}


/* ---------- header and section list ---------- */

/* Checks magic, version, length and checksum, in that order; reads task. */
static bool
read_header(MkReader *r, const uint8_t *data, size_t len, MkTask *task)
{
	uint32_t	version;
	uint32_t	total;
	uint32_t	task_code;

	if (len < 8 || memcmp(data, MK_MODEL_MAGIC, 8) != 0)
		return mk_rd_fail(r, "not an mktai model (bad magic)");
	if (len < MK_HEADER_BYTES)
		return mk_rd_fail(r, "truncated header (%zu bytes)", len);
	version = mk_get_u32(data + 8);
	if (version != MK_MODEL_FORMAT_VERSION)
		return mk_rd_fail(r, "unsupported format version %u (this build reads %d)",
						  version, MK_MODEL_FORMAT_VERSION);
	total = mk_get_u32(data + MK_LENGTH_OFFSET);
	if (len < total)
		return mk_rd_fail(r, "truncated: header says %u bytes, got %zu",
						  total, len);
	if (len > total)
		return mk_rd_fail(r, "length mismatch: header says %u bytes, got %zu",
						  total, len);
	if (len < MK_HEADER_BYTES + 1 + MK_CRC_BYTES)
		return mk_rd_fail(r, "truncated: %zu bytes cannot hold a model", len);
	if (mk_get_u32(data + len - MK_CRC_BYTES) !=
		mk_crc32c(data, len - MK_CRC_BYTES))
		return mk_rd_fail(r, "checksum mismatch");

	task_code = mk_get_u32(data + 12);
	if (task_code < MK_TASK_CLASSIFICATION ||
		task_code > MK_TASK_TEXT_CLASSIFICATION)
		return mk_rd_fail(r, "unknown task %u", task_code);
	*task = (MkTask) task_code;

	r->p = data + MK_HEADER_BYTES;
	r->left = len - MK_HEADER_BYTES - MK_CRC_BYTES;
	return true;
}

/* Finds the section called name[0 .. len - 1]; -1 when there is none. */
static int
find_section(const uint8_t *name, size_t len)
{
	char		buf[SECTION_NAME_BYTES];
	const char *candidate;
	int			sec;

	for (sec = 0; sec < SEC_COUNT; sec++)
	{
		candidate = mk_section_name(sec, buf);
		if (strlen(candidate) == len && memcmp(candidate, name, len) == 0)
			return sec;
	}
	return -1;
}

/* Fails naming an unknown section, showing only its printable start. */
static bool
fail_unknown_section(MkReader *r, const uint8_t *name, size_t len)
{
	char		shown[SECTION_NAME_BYTES + 1];
	size_t		n = Min(len, SECTION_NAME_BYTES);
	size_t		i;

	for (i = 0; i < n; i++)
		shown[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? (char) name[i] : '?';
	shown[n] = '\0';
	return mk_rd_fail(r, "unknown section \"%s%s\"", shown,
					  len > n ? "..." : "");
}

/* Reads a tensor section's shape and points sec at its floats. */
static bool
read_tensor(MkReader *r, MkSection *sec, const char *name)
{
	uint8_t		ndim;
	size_t		count = 1;
	int			d;

	if (!mk_rd_u8(r, &ndim))
		return false;
	if (ndim < 1 || ndim > MK_MAX_TENSOR_DIMS)
		return mk_rd_fail(r, "section \"%s\" has %u dimensions (1 to %d allowed)",
						  name, (unsigned) ndim, MK_MAX_TENSOR_DIMS);
	sec->ndim = ndim;
	for (d = 0; d < ndim; d++)
	{
		if (!mk_rd_u32(r, &sec->dims[d]))
			return false;
	}
	for (d = 0; d < ndim; d++)
	{
		if (sec->dims[d] == 0)
			return mk_rd_fail(r, "section \"%s\" has an empty dimension", name);
		/* keeps count * 4 within the bytes left, so nothing overflows */
		if (sec->dims[d] > r->left / 4 / count)
			return mk_rd_fail(r, "truncated in section \"%s\"", name);
		count = mk_mul_size(count, sec->dims[d]);
	}
	sec->len = mk_mul_size(count, 4);
	return mk_rd_take(r, sec->len, &sec->data);
}

/* Reads one section after its kind byte into secs; *last tracks order. */
static bool
read_section(MkReader *r, uint8_t kind, MkSection *secs, int *last)
{
	char		buf[SECTION_NAME_BYTES];
	const char *name;
	const uint8_t *raw;
	uint16_t	name_len;
	uint32_t	blob_len;
	int			sec;

	if (!mk_rd_u16(r, &name_len) || !mk_rd_take(r, name_len, &raw))
		return false;
	sec = find_section(raw, name_len);
	if (sec < 0)
		return fail_unknown_section(r, raw, name_len);
	name = mk_section_name(sec, buf);
	if (secs[sec].present)
		return mk_rd_fail(r, "duplicate section \"%s\"", name);
	if (sec < *last)
		return mk_rd_fail(r, "section \"%s\" out of order", name);
	if (kind != (mk_section_is_tensor(sec) ? MK_SECTION_TENSOR :
				 MK_SECTION_BLOB))
		return mk_rd_fail(r, "section \"%s\" has kind %u, expected %s", name,
						  (unsigned) kind,
						  mk_section_is_tensor(sec) ? "a tensor" : "a blob");
	secs[sec].present = true;
	*last = sec;

	if (mk_section_is_tensor(sec))
		return read_tensor(r, &secs[sec], name);
	if (!mk_rd_u32(r, &blob_len))
		return false;
	if (blob_len > r->left)
		return mk_rd_fail(r, "truncated in section \"%s\"", name);
	secs[sec].len = blob_len;
	return mk_rd_take(r, blob_len, &secs[sec].data);
}

/* Reads the section list up to the end marker, which must end the bytes. */
static bool
read_sections(MkReader *r, MkSection *secs)
{
	uint8_t		kind;
	int			last = -1;

	for (;;)
	{
		if (!mk_rd_u8(r, &kind))
			return false;
		if (kind == MK_SECTION_END)
			break;
		if (!read_section(r, kind, secs, &last))
			return false;
	}
	if (r->left != 0)
		return mk_rd_fail(r, "%zu bytes left over after the end marker",
						  r->left);
	return true;
}

/*
 * Why a model laid out as lay lacks section sec (in buf when it carries
 * numbers), or NULL when the model needs the section.
 */
static const char *
section_unneeded(int sec, const MkLayout *lay, char *buf, size_t size)
{
	bool		segmentation = lay->task == MK_TASK_SEGMENTATION;
	bool		kmeans = segmentation && lay->method == MK_SEGMENT_KMEANS;
	int			layer;

	switch (sec)
	{
		case SEC_TARGET:
			return segmentation ? "a segmentation model has none" : NULL;
		case SEC_RNN:
			return lay->n_rnn > 0 ? NULL : "only a sequence model has one";
		case SEC_MLP:
			if (lay->task == MK_TASK_TEXT_CLASSIFICATION)
				return "a text classifier has no dense network";
			return kmeans ? "a k-means model has no network" : NULL;
		case SEC_TEXT:
		case SEC_EMBEDDING:
		case SEC_TEXT_WEIGHT:
		case SEC_TEXT_BIAS:
			return lay->task == MK_TASK_TEXT_CLASSIFICATION ? NULL :
				"only a text classifier has one";
	}
	if (sec >= SEC_TEXT_CONV && sec < SEC_SPEC)
		return lay->task == MK_TASK_TEXT_CLASSIFICATION &&
			lay->text_encoder == MK_TEXT_CNN ? NULL :
			"only a text classifier with the CNN encoder has one";
	switch (sec)
	{
		case SEC_SEGMENTS:
		case SEC_CENTROIDS:
			return segmentation ? NULL : "only a segmentation model has one";
		case SEC_FORECAST:
			return lay->task == MK_TASK_FORECAST ? NULL :
				"only a forecast model has one";
	}
	if (sec >= SEC_RECURRENT && sec < SEC_DENSE)
	{
		layer = (sec - SEC_RECURRENT) / RNN_TENSORS;
		if (lay->n_rnn == 0)
			return "the model has no recurrent encoder";
		if (layer < lay->n_rnn)
			return NULL;
		snprintf(buf, size, "the recurrent encoder has %d layers",
				 lay->n_rnn);
		return buf;
	}
	if (sec >= SEC_DENSE && sec < SEC_DECODER)
	{
		layer = (sec - SEC_DENSE) / 2;
		if (kmeans)
			return "a k-means model has no network";
		if (layer < lay->n_dense)
			return NULL;
		snprintf(buf, size, "the network has %d dense layers", lay->n_dense);
		return buf;
	}
	if (sec >= SEC_DECODER && sec < SEC_CENTROIDS)
	{
		layer = (sec - SEC_DECODER) / 2;
		if (lay->n_decoder == 0)
			return "the model has no decoder";
		if (layer < lay->n_decoder)
			return NULL;
		snprintf(buf, size, "the decoder has %d dense layers", lay->n_decoder);
		return buf;
	}
	return NULL;				/* prep, spec and metrics: every model */
}

/*
 * Checks that exactly the sections a model laid out as lay needs are
 * present, reporting a section too many before one missing.
 */
static bool
check_section_set(MkReader *r, const MkSection *secs, const MkLayout *lay)
{
	char		name[SECTION_NAME_BYTES];
	char		why[64];
	const char *unneeded;
	int			sec;

	for (sec = 0; sec < SEC_COUNT; sec++)
	{
		unneeded = section_unneeded(sec, lay, why, sizeof(why));
		if (secs[sec].present && unneeded != NULL)
			return mk_rd_fail(r, "unexpected section \"%s\" (%s)",
							  mk_section_name(sec, name), unneeded);
	}
	for (sec = 0; sec < SEC_COUNT; sec++)
	{
		unneeded = section_unneeded(sec, lay, why, sizeof(why));
		if (!secs[sec].present && unneeded == NULL)
			return mk_rd_fail(r, "missing section \"%s\"",
							  mk_section_name(sec, name));
	}
	return true;
}


/* ---------- section payloads ---------- */

/* Decodes one column of the "prep" blob. */
static bool
read_column(MkReader *r, MkColumn *col)
{
	uint8_t		kind;
	int32_t		n_categories;

	if (!mk_rd_string(r, &col->name) || !mk_rd_u8(r, &kind) ||
		!mk_rd_flag(r, &col->null_indicator) ||
		!mk_rd_flag(r, &col->log_transform) || !mk_rd_i32(r, &col->offset) ||
		!mk_rd_f64(r, &col->mean) || !mk_rd_f64(r, &col->scale) ||
		!mk_rd_count(r, &col->n_edges, sizeof(double)))
		return false;
	if (col->n_edges > 0)
	{
		col->edges = mk_alloc(mk_mul_size((size_t) col->n_edges, sizeof(double)));
		for (int32_t i = 0; i < col->n_edges; i++)
			if (!mk_rd_f64(r, &col->edges[i]))
				return false;
	}
	if (!mk_rd_count(r, &n_categories, MK_MIN_STRING_BYTES))
		return false;
	col->kind = (MkColumnKind) kind;	/* mk_model_check vets it */
	return mk_rd_strings(r, n_categories, &col->categories, &col->n_categories);
}

/* Decodes the "prep" blob. */
static bool
read_prep(MkReader *r, MkPrep *prep)
{
	int32_t		n_columns;
	int32_t		i;

	if (!mk_rd_count(r, &n_columns, MK_MIN_COLUMN_BYTES) ||
		!mk_rd_i32(r, &prep->n_features))
		return false;
	if (n_columns > 0)
	{
		prep->columns = mk_alloc(mk_mul_size(n_columns, sizeof(MkColumn)));
		prep->n_columns = n_columns;
	}
	for (i = 0; i < n_columns; i++)
	{
		if (!read_column(r, &prep->columns[i]))
			return false;
	}
	return mk_rd_blob_end(r);
}

/* Decodes the "target" blob. */
static bool
read_target(MkReader *r, MkTarget *target)
{
	uint8_t		type;
	int32_t		n_classes;

	if (!mk_rd_string(r, &target->name) || !mk_rd_u8(r, &type) ||
		!mk_rd_i32(r, &target->positive) || !mk_rd_f64(r, &target->mean) ||
		!mk_rd_f64(r, &target->scale) ||
		!mk_rd_count(r, &n_classes, MK_MIN_STRING_BYTES))
		return false;
	target->type = (MkLabelType) type;	/* mk_model_check vets it */
	return mk_rd_strings(r, n_classes, &target->classes, &target->n_classes) &&
		mk_rd_blob_end(r);
}

/*
 * Decodes a network configuration, the payload of "mlp", and checks it;
 * what names the network in messages.
 */
static bool
read_config(MkReader *r, MkMlpConfig *cfg, const char *what)
{
	uint8_t		n_dense;
	uint8_t		activation;
	const char *err;
	int			i;

	if (!mk_rd_u8(r, &n_dense) || !mk_rd_u8(r, &activation) ||
		!mk_rd_f32(r, &cfg->dropout))
		return false;
	if (n_dense < 1 || n_dense > MK_MLP_MAX_DENSE)
		return mk_rd_fail(r, "%s has %u dense layers (1 to %d allowed)",
						  what, (unsigned) n_dense, MK_MLP_MAX_DENSE);
	cfg->n_dense = n_dense;
	cfg->activation = (MkActivation) activation;
	for (i = 0; i <= n_dense; i++)
	{
		int32_t		size;

		if (!mk_rd_i32(r, &size))
			return false;
		cfg->sizes[i] = size;
	}
	if ((err = mk_mlp_config_error(cfg)) != NULL)
		return mk_rd_fail(r, "invalid %s configuration: %s", what, err);
	return true;
}

/* Decodes the "mlp" blob. */
static bool
read_mlp(MkReader *r, MkMlpConfig *cfg)
{
	return read_config(r, cfg, "network") && mk_rd_blob_end(r);
}

/*
 * Decodes the "rnn" blob and checks the configuration, which sets the
 * shapes of the recurrent layers' tensors.
 */
static bool
read_rnn(MkReader *r, MkRnnConfig *cfg)
{
	uint8_t		cell;
	uint8_t		n_layers;
	int32_t		input;
	int32_t		hidden;
	const char *err;

	if (!mk_rd_u8(r, &cell) || !mk_rd_u8(r, &n_layers) ||
		!mk_rd_i32(r, &input) || !mk_rd_i32(r, &hidden) ||
		!mk_rd_f32(r, &cfg->dropout))
		return false;
	if (cell != MK_CELL_LSTM && cell != MK_CELL_GRU)
		return mk_rd_fail(r, "unknown recurrent cell %u", (unsigned) cell);
	if (n_layers < 1 || n_layers > MK_RNN_MAX_LAYERS)
		return mk_rd_fail(r, "recurrent encoder has %u layers (1 to %d allowed)",
						  (unsigned) n_layers, MK_RNN_MAX_LAYERS);
	cfg->cell = (MkCell) cell;
	cfg->n_layers = n_layers;
	cfg->input = input;
	cfg->hidden = hidden;
	if ((err = mk_rnn_config_error(cfg)) != NULL)
		return mk_rd_fail(r, "invalid recurrent encoder configuration: %s",
						  err);
	return mk_rd_blob_end(r);
}

/*
 * Decodes the "segments" blob.  k and dim are checked here already, for
 * they set the shape the "centroids" section must have.
 */
static bool
read_segments(MkReader *r, MkSegments *seg)
{
	uint8_t		method;

	if (!mk_rd_u8(r, &method))
		return false;
	if (method != MK_SEGMENT_AUTOENCODER && method != MK_SEGMENT_KMEANS)
		return mk_rd_fail(r, "unknown segmentation method %u",
						  (unsigned) method);
	seg->method = (MkSegmentMethod) method;
	if (!mk_rd_i32(r, &seg->k) || !mk_rd_i32(r, &seg->dim))
		return false;
	if (seg->k < 1 || seg->k > MK_MAX_SEGMENTS)
		return mk_rd_fail(r, "%d segments (1 to %d allowed)",
						  (int) seg->k, MK_MAX_SEGMENTS);
	if (seg->dim < 1)
		return mk_rd_fail(r, "centroid width %d (must be at least 1)",
						  (int) seg->dim);
	if (method == MK_SEGMENT_AUTOENCODER &&
		!read_config(r, &seg->decoder, "decoder"))
		return false;
	return mk_rd_blob_end(r);
}

/*
 * Decodes the "forecast" blob.  The horizon is checked before the bounds
 * are allocated; mk_model_check() vets the rest.
 */
static bool
read_forecast(MkReader *r, MkForecast *fc)
{
	int32_t		horizon;
	int32_t		h;

	if (!mk_rd_string(r, &fc->series) || !mk_rd_string(r, &fc->order) ||
		!mk_rd_i32(r, &horizon) || !mk_rd_i32(r, &fc->context) ||
		!mk_rd_f64(r, &fc->level))
		return false;
	if (horizon < 1 || horizon > MK_MAX_HORIZON)
		return mk_rd_fail(r, "forecast horizon %d (1 to %d allowed)",
						  (int) horizon, MK_MAX_HORIZON);
	if (r->left < (size_t) horizon * 16)
		return mk_rd_fail(r, "truncated in section \"%s\"", r->section);
	fc->horizon = horizon;
	fc->lower = mk_alloc(sizeof(double) * horizon);
	fc->upper = mk_alloc(sizeof(double) * horizon);
	for (h = 0; h < horizon; h++)
		(void) mk_rd_f64(r, &fc->lower[h]);
	for (h = 0; h < horizon; h++)
		(void) mk_rd_f64(r, &fc->upper[h]);
	return mk_rd_blob_end(r);
}

/*
 * Decodes the "text" blob and checks the classifier's configuration, which
 * sets the shapes of its tensors; mk_model_check() vets the rest.
 */
static bool
read_text_config(MkReader *r, MkText *text)
{
	char	   *locale = NULL;
	uint8_t		cjk_ngrams,
				cjk_words,
				numbers,
				emoji,
				word_ngrams,
				char_min,
				char_max,
				loss;
	uint32_t	max_bytes;
	uint8_t		encoder;
	const char *err;

	if (!mk_rd_string(r, &text->column) || !mk_rd_string(r, &locale))
	{
		mk_free(locale);
		return false;
	}
	if (strlen(locale) >= MK_TOKENIZE_LOCALE_LEN)
	{
		mk_free(locale);
		return mk_rd_fail(r, "tokenizer locale longer than %d bytes",
						  MK_TOKENIZE_LOCALE_LEN - 1);
	}
	strcpy(text->tokenize.locale, locale);
	mk_free(locale);
	if (!mk_rd_u8(r, &cjk_ngrams) || !mk_rd_u8(r, &cjk_words) ||
		!mk_rd_u8(r, &numbers) || !mk_rd_u8(r, &emoji) ||
		!mk_rd_u32(r, &max_bytes) || !mk_rd_i32(r, &text->cfg.feat.buckets) ||
		!mk_rd_u8(r, &word_ngrams) || !mk_rd_u8(r, &char_min) ||
		!mk_rd_u8(r, &char_max) || !mk_rd_i32(r, &text->cfg.dim) ||
		!mk_rd_i32(r, &text->cfg.n_classes) || !mk_rd_u8(r, &loss) ||
		!mk_rd_u8(r, &encoder) || !mk_rd_i32(r, &text->cfg.filters) ||
		!mk_rd_i32(r, &text->cfg.max_length))
		return false;
	if (cjk_words > 1 || numbers > 1 || emoji > 1)
		return mk_rd_fail(r, "tokenizer flags must be 0 or 1");
	text->tokenize.cjk_ngrams = cjk_ngrams;
	text->tokenize.cjk_words = cjk_words;
	text->tokenize.numbers = numbers;
	text->tokenize.emoji = emoji;
	text->tokenize.max_bytes = max_bytes;
	text->cfg.feat.word_ngrams = word_ngrams;
	text->cfg.feat.char_min = char_min;
	text->cfg.feat.char_max = char_max;
	text->cfg.loss = (MkLossKind) loss;
	text->cfg.encoder = (MkTextEncoder) encoder;
	if ((err = mk_text_config_error(&text->cfg)) != NULL)
		return mk_rd_fail(r, "invalid text classifier configuration: %s", err);
	return mk_rd_blob_end(r);
}

/*
 * Reads the blobs that say which other sections to expect into m and
 * lay: "rnn" for a sequence task, "segments" for a segmentation, then
 * "mlp" unless it is k-means.
 */
static bool
read_layout(MkReader *r, const MkSection *secs, MkModel *m, MkLayout *lay)
{
	MkReader	blob;

	memset(lay, 0, sizeof(*lay));
	lay->task = m->task;
	if (m->task == MK_TASK_TEXT_CLASSIFICATION)
	{
		if (!secs[SEC_TEXT].present)
			return mk_rd_fail(r, "missing section \"text\"");
		blob = rd_blob(r, &secs[SEC_TEXT], "text");
		if (!read_text_config(&blob, &m->text))
			return false;
		lay->text_encoder = m->text.cfg.encoder;
		return true;
	}
	if (is_sequence_task(m->task))
	{
		if (!secs[SEC_RNN].present)
			return mk_rd_fail(r, "missing section \"rnn\"");
		blob = rd_blob(r, &secs[SEC_RNN], "rnn");
		if (!read_rnn(&blob, &m->rnn))
			return false;
		lay->n_rnn = m->rnn.n_layers;
	}
	if (m->task == MK_TASK_SEGMENTATION)
	{
		if (!secs[SEC_SEGMENTS].present)
			return mk_rd_fail(r, "missing section \"segments\"");
		blob = rd_blob(r, &secs[SEC_SEGMENTS], "segments");
		if (!read_segments(&blob, &m->segments))
			return false;
		lay->method = m->segments.method;
		lay->n_decoder = m->segments.decoder.n_dense;
		if (lay->method == MK_SEGMENT_KMEANS)
			return true;
	}
	if (!secs[SEC_MLP].present)
		return mk_rd_fail(r, "missing section \"mlp\"");
	blob = rd_blob(r, &secs[SEC_MLP], "mlp");
	if (!read_mlp(&blob, &m->mlp))
		return false;
	lay->n_dense = m->mlp.n_dense;
	return true;
}

/* Formats a shape as "[a, b]". */
static void
format_shape(char *buf, size_t size, int ndim, const uint32_t *dims)
{
	if (ndim == 1)
		snprintf(buf, size, "[%u]", dims[0]);
	else if (ndim == 2)
		snprintf(buf, size, "[%u, %u]", dims[0], dims[1]);
	else
		snprintf(buf, size, "[%u, %u, ...] (%d dimensions)",
				 dims[0], dims[1], ndim);
}

/* Checks that tensor section sec has the shape ndim, dims. */
static bool
check_shape(MkReader *r, const MkSection *secs, int sec, int ndim,
			const uint32_t *dims)
{
	const MkSection *s = &secs[sec];
	char		name[SECTION_NAME_BYTES];
	char		got[64];
	char		want[64];
	int			d;

	if (s->ndim == ndim)
	{
		for (d = 0; d < ndim && s->dims[d] == dims[d]; d++)
			;
		if (d == ndim)
			return true;
	}
	format_shape(got, sizeof(got), s->ndim, s->dims);
	format_shape(want, sizeof(want), ndim, dims);
	return mk_rd_fail(r, "section \"%s\" has shape %s, expected %s",
					  mk_section_name(sec, name), got, want);
}

/* Decodes count little-endian float32 values into out. */
static void
copy_floats(float *out, const uint8_t *data, size_t count)
{
#ifdef WORDS_BIGENDIAN
	for (size_t i = 0; i < count; i++)
		out[i] = mk_get_f32(data + 4 * i);
#else
	/* on a little-endian host the bytes are the floats */
	memcpy(out, data, count * sizeof(float));
#endif
}

/*
 * Checks the shapes of the layer tensors of network cfg, named from section
 * first (SEC_DENSE or SEC_DECODER) on, and counts their floats into *total.
 */
static bool
check_layers(MkReader *r, const MkSection *secs, const MkMlpConfig *cfg,
			 int first, size_t *total)
{
	uint32_t	dims[2];
	size_t		count = 0;
	int			l;

	for (l = 0; l < cfg->n_dense; l++)
	{
		dims[0] = (uint32_t) cfg->sizes[l + 1];
		dims[1] = (uint32_t) cfg->sizes[l];
		if (!check_shape(r, secs, first + 2 * l, 2, dims) ||
			!check_shape(r, secs, first + 2 * l + 1, 1, dims))
			return false;
		count += (secs[first + 2 * l].len + secs[first + 2 * l + 1].len) / 4;
	}
	if (count != mk_mlp_num_params(cfg))
		return mk_rd_fail(r, "tensors hold %zu parameters, the network needs %zu",
						  count, mk_mlp_num_params(cfg));
	*total = count;
	return true;
}

/* Copies the layer tensors of network cfg into block, bound by mk_mlp_bind. */
static void
copy_layers(const MkSection *secs, const MkMlpConfig *cfg, int first,
			float *block)
{
	MkMlpParams p;
	int			l;

	mk_mlp_bind(&p, block, cfg);
	for (l = 0; l < cfg->n_dense; l++)
	{
		const MkSection *w = &secs[first + 2 * l];
		const MkSection *b = &secs[first + 2 * l + 1];

		copy_floats(p.weight[l], w->data, w->len / 4);
		copy_floats(p.bias[l], b->data, b->len / 4);
	}
}

/*
 * Checks the shapes of the tensors of each layer of the recurrent encoder
 * cfg (all zero, with no layers, but for a sequence task) and counts their
 * floats into *total.
 */
static bool
check_rnn_layers(MkReader *r, const MkSection *secs, const MkRnnConfig *cfg,
				 size_t *total)
{
	uint32_t	dims[2];
	size_t		count = 0;
	int			sec;
	int			ndim;
	int			l;
	int			t;

	*total = 0;
	for (l = 0; l < cfg->n_layers; l++)
	{
		for (t = 0; t < RNN_TENSORS; t++)
		{
			sec = SEC_RECURRENT + RNN_TENSORS * l + t;
			ndim = mk_rnn_tensor_shape(cfg, l, t, dims);
			if (!check_shape(r, secs, sec, ndim, dims))
				return false;
			count += secs[sec].len / 4;
		}
	}
	if (count != mk_rnn_num_params(cfg))
		return mk_rd_fail(r, "tensors hold %zu parameters, the recurrent encoder needs %zu",
						  count, mk_rnn_num_params(cfg));
	*total = count;
	return true;
}

/* Copies the recurrent layers' tensors into block, bound by mk_rnn_bind. */
static void
copy_rnn_layers(const MkSection *secs, const MkRnnConfig *cfg, float *block)
{
	MkRnnParams p;
	float	   *out[RNN_TENSORS];
	const MkSection *s;
	int			l;
	int			t;

	mk_rnn_bind(&p, block, cfg);
	for (l = 0; l < cfg->n_layers; l++)
	{
		out[RNN_WEIGHT_IH] = p.weight_ih[l];
		out[RNN_WEIGHT_HH] = p.weight_hh[l];
		out[RNN_BIAS_IH] = p.bias_ih[l];
		out[RNN_BIAS_HH] = p.bias_hh[l];
		for (t = 0; t < RNN_TENSORS; t++)
		{
			s = &secs[SEC_RECURRENT + RNN_TENSORS * l + t];
			copy_floats(out[t], s->data, s->len / 4);
		}
	}
}

/*
 * Checks every layer tensor's shape against the configuration, then copies
 * them into one parameter block: the recurrent encoder's, then the
 * network's (a sequence model's head, an autoencoder's encoder), then the
 * decoder's.  The shapes match data that is present, so the block is
 * bounded by the input.  A k-means model has no layers, and no block.
 */
static bool
read_network_params(MkReader *r, const MkSection *secs, MkModel *m)
{
	const MkMlpConfig *decoder = &m->segments.decoder;
	size_t		n_rnn;
	size_t		n_net;
	size_t		n_decoder;
	size_t		n;

	if (!check_rnn_layers(r, secs, &m->rnn, &n_rnn) ||
		!check_layers(r, secs, &m->mlp, SEC_DENSE, &n_net) ||
		!check_layers(r, secs, decoder, SEC_DECODER, &n_decoder))
		return false;
	/* each count is of floats present in the input, so the sum fits */
	n = n_rnn + n_net + n_decoder;
	if (n == 0)
		return true;
	m->params = mk_alloc(mk_mul_size(n, sizeof(float)));
	copy_rnn_layers(secs, &m->rnn, m->params);
	copy_layers(secs, &m->mlp, SEC_DENSE, m->params + n_rnn);
	copy_layers(secs, decoder, SEC_DECODER, m->params + n_rnn + n_net);
	return true;
}


/*
 * Checks a text classifier's three tensors (and the CNN's six) against its
 * configuration, then copies them into one parameter block bound by
 * mk_text_bind.
 */
static bool
read_text_params(MkReader *r, const MkSection *secs, MkModel *m)
{
	const MkTextConfig *cfg = &m->text.cfg;
	uint32_t	dims[2];
	MkTextParams p;

	dims[0] = (uint32_t) cfg->feat.buckets;
	dims[1] = (uint32_t) cfg->dim;
	if (!check_shape(r, secs, SEC_EMBEDDING, 2, dims))
		return false;
	dims[0] = (uint32_t) mk_text_num_outputs(cfg);
	dims[1] = (uint32_t) mk_text_hidden_width(cfg);
	if (!check_shape(r, secs, SEC_TEXT_WEIGHT, 2, dims) ||
		!check_shape(r, secs, SEC_TEXT_BIAS, 1, dims))
		return false;
	for (int i = 0; cfg->encoder == MK_TEXT_CNN && i < MK_TEXT_CNN_WIDTHS; i++)
	{
		dims[0] = (uint32_t) cfg->filters;
		dims[1] = (uint32_t) ((MK_TEXT_CNN_MIN_WIDTH + i) * cfg->dim);
		if (!check_shape(r, secs, SEC_TEXT_CONV + 2 * i, 2, dims) ||
			!check_shape(r, secs, SEC_TEXT_CONV + 2 * i + 1, 1, dims))
			return false;
	}
	/* every tensor is present in the input, so the block is bounded */
	m->params = mk_alloc(mk_mul_size(mk_text_num_params(cfg), sizeof(float)));
	mk_text_bind(&p, m->params, cfg);
	copy_floats(p.embed, secs[SEC_EMBEDDING].data, secs[SEC_EMBEDDING].len / 4);
	copy_floats(p.weight, secs[SEC_TEXT_WEIGHT].data, secs[SEC_TEXT_WEIGHT].len / 4);
	copy_floats(p.bias, secs[SEC_TEXT_BIAS].data, secs[SEC_TEXT_BIAS].len / 4);
	for (int i = 0; cfg->encoder == MK_TEXT_CNN && i < MK_TEXT_CNN_WIDTHS; i++)
	{
		const MkSection *w = &secs[SEC_TEXT_CONV + 2 * i];
		const MkSection *b = &secs[SEC_TEXT_CONV + 2 * i + 1];

		copy_floats(p.conv_weight[i], w->data, w->len / 4);
		copy_floats(p.conv_bias[i], b->data, b->len / 4);
	}
	return true;
}

/* Reads the parameters of a model, whatever its kind. */
static bool
read_params(MkReader *r, const MkSection *secs, MkModel *m)
{
	if (m->task == MK_TASK_TEXT_CLASSIFICATION)
		return read_text_params(r, secs, m);
	return read_network_params(r, secs, m);
}

/* Checks the "centroids" tensor's shape against k and dim, then copies it. */
static bool
read_centroids(MkReader *r, const MkSection *secs, MkSegments *seg)
{
	const MkSection *c = &secs[SEC_CENTROIDS];
	uint32_t	dims[2];

	dims[0] = (uint32_t) seg->k;
	dims[1] = (uint32_t) seg->dim;
	if (!check_shape(r, secs, SEC_CENTROIDS, 2, dims))
		return false;
	seg->centroids = mk_alloc(c->len);
	copy_floats(seg->centroids, c->data, c->len / 4);
	return true;
}

/* Copies a text blob into a new NUL-terminated string. */
static bool
read_text(MkReader *r, const MkSection *sec, const char *name, char **out)
{
	char	   *s;

	if (memchr(sec->data, '\0', sec->len) != NULL)
		return mk_rd_fail(r, "section \"%s\" contains a NUL byte", name);
	s = mk_alloc(sec->len + 1);
	if (sec->len > 0)
		memcpy(s, sec->data, sec->len);
	*out = s;
	return true;
}

/* Parses the sections after a verified header into m. */
static bool
read_body(MkReader *r, MkModel *m)
{
	MkSection	secs[SEC_COUNT];
	MkLayout	lay;
	MkReader	blob;

	memset(secs, 0, sizeof(secs));
	if (!read_sections(r, secs) || !read_layout(r, secs, m, &lay) ||
		!check_section_set(r, secs, &lay))
		return false;

	blob = rd_blob(r, &secs[SEC_PREP], "prep");
	if (!read_prep(&blob, &m->prep))
		return false;
	if (m->task != MK_TASK_SEGMENTATION)
	{
		blob = rd_blob(r, &secs[SEC_TARGET], "target");
		if (!read_target(&blob, &m->target))
			return false;
	}
	if (m->task == MK_TASK_FORECAST)
	{
		blob = rd_blob(r, &secs[SEC_FORECAST], "forecast");
		if (!read_forecast(&blob, &m->forecast))
			return false;
	}
	if (!read_params(r, secs, m))
		return false;
	if (m->task == MK_TASK_SEGMENTATION &&
		!read_centroids(r, secs, &m->segments))
		return false;
	return read_text(r, &secs[SEC_SPEC], "spec", &m->spec_json) &&
		read_text(r, &secs[SEC_METRICS], "metrics", &m->metrics_json);
}

/*
 * Parses and validates len bytes into *model.  On failure returns false
 * with a message in errbuf, having freed whatever it allocated; *model is
 * then zeroed.
 */
bool
mk_model_read(const uint8_t *data, size_t len, MkModel *model,
			  char *errbuf, size_t errlen)
{
	MkReader	r;
	MkModel		m;
	const char *err;

	memset(model, 0, sizeof(*model));
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	r.errbuf = errbuf;
	r.errlen = errlen;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';

	if (data == NULL)
		len = 0;
	if (!read_header(&r, data, len, &m.task))
		return false;
	if (!read_body(&r, &m))
	{
		mk_model_free(&m);
		return false;
	}
	if ((err = mk_model_check(&m)) != NULL)
	{
		mk_rd_fail(&r, "invalid model: %s", err);
		mk_model_free(&m);
		return false;
	}
	*model = m;
	return true;
}
