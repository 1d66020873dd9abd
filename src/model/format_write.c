/*
 * format_write.c
 *		mk_model_write(): a model into the bytes format.c describes.
 *
 * The writer runs mk_model_check() first and so never stores a model the
 * reader would refuse; it emits the sections the task needs in their one
 * order, which makes the encoding canonical.
 *
 * c.h comes first, for codec.h; nothing here needs the backend.
 */
#include "c.h"

#include <string.h>

#include "core/mk_alloc.h"
#include "model/codec.h"
#include "model/format_private.h"
#include "model/model.h"


/* ---------- sections ---------- */

/* Appends a section's kind and name. */
static void
wr_section_head(MkWriter *w, int kind, const char *name)
{
	mk_wr_u8(w, (uint8_t) kind);
	mk_wr_string(w, name);
}

/* Starts a blob section; returns where its payload starts. */
static size_t
wr_blob_begin(MkWriter *w, const char *name)
{
	wr_section_head(w, MK_SECTION_BLOB, name);
	mk_wr_u32(w, 0);			/* length, set by wr_blob_end */
	return w->len;
}

/*
 * Ends the blob started at start by storing its length.  A blob over 4 GB
 * gets a wrong length here, but the model is then over 4 GB too and
 * mk_model_write gives up.
 */
static void
wr_blob_end(MkWriter *w, size_t start)
{
	mk_put_u32(w->buf + start - 4, (uint32_t) (w->len - start));
}

/* Appends a tensor section of ndim dims holding data. */
static void
wr_tensor(MkWriter *w, const char *name, int ndim, const uint32_t *dims,
		  const float *data)
{
	size_t		count = 1;
	int			d;

	wr_section_head(w, MK_SECTION_TENSOR, name);
	mk_wr_u8(w, (uint8_t) ndim);
	for (d = 0; d < ndim; d++)
	{
		mk_wr_u32(w, dims[d]);
		count = mk_mul_size(count, dims[d]);
	}
	mk_wr_f32s(w, data, count);
}

/* Appends the "prep" section. */
static void
wr_prep(MkWriter *w, const MkPrep *prep)
{
	size_t		start = wr_blob_begin(w, "prep");
	int32_t		i;
	int32_t		c;

	mk_wr_u32(w, (uint32_t) prep->n_columns);
	mk_wr_u32(w, (uint32_t) prep->n_features);
	for (i = 0; i < prep->n_columns; i++)
	{
		const MkColumn *col = &prep->columns[i];

		mk_wr_string(w, col->name);
		mk_wr_u8(w, (uint8_t) col->kind);
		mk_wr_u8(w, col->null_indicator ? 1 : 0);
		mk_wr_u8(w, col->log_transform ? 1 : 0);
		mk_wr_i32(w, col->offset);
		mk_wr_f64(w, col->mean);
		mk_wr_f64(w, col->scale);
		mk_wr_u32(w, (uint32_t) col->n_edges);
		for (c = 0; c < col->n_edges; c++)
			mk_wr_f64(w, col->edges[c]);
		mk_wr_u32(w, (uint32_t) col->n_categories);
		for (c = 0; c < col->n_categories; c++)
			mk_wr_string(w, col->categories[c]);
	}
	wr_blob_end(w, start);
}

/* Appends the "target" section. */
static void
wr_target(MkWriter *w, const MkTarget *target)
{
	size_t		start = wr_blob_begin(w, "target");
	int32_t		i;

	mk_wr_string(w, target->name);
	mk_wr_u8(w, (uint8_t) target->type);
	mk_wr_i32(w, target->positive);
	mk_wr_f64(w, target->mean);
	mk_wr_f64(w, target->scale);
	mk_wr_u32(w, (uint32_t) target->n_classes);
	for (i = 0; i < target->n_classes; i++)
		mk_wr_string(w, target->classes[i]);
	wr_blob_end(w, start);
}

/* Appends a network configuration, the payload of "mlp". */
static void
wr_config(MkWriter *w, const MkMlpConfig *cfg)
{
	int			i;

	mk_wr_u8(w, (uint8_t) cfg->n_dense);
	mk_wr_u8(w, (uint8_t) cfg->activation);
	mk_wr_f32(w, cfg->dropout);
	for (i = 0; i <= cfg->n_dense; i++)
		mk_wr_i32(w, cfg->sizes[i]);
}

/* Appends the "mlp" section. */
static void
wr_mlp(MkWriter *w, const MkMlpConfig *cfg)
{
	size_t		start = wr_blob_begin(w, "mlp");

	wr_config(w, cfg);
	wr_blob_end(w, start);
}

/* Appends the "rnn" section: the recurrent encoder's configuration. */
static void
wr_rnn(MkWriter *w, const MkRnnConfig *cfg)
{
	size_t		start = wr_blob_begin(w, "rnn");

	mk_wr_u8(w, (uint8_t) cfg->cell);
	mk_wr_u8(w, (uint8_t) cfg->n_layers);
	mk_wr_i32(w, cfg->input);
	mk_wr_i32(w, cfg->hidden);
	mk_wr_f32(w, cfg->dropout);
	wr_blob_end(w, start);
}

/* Appends the "segments" section; an autoencoder's holds its decoder. */
static void
wr_segments(MkWriter *w, const MkSegments *seg)
{
	size_t		start = wr_blob_begin(w, "segments");

	mk_wr_u8(w, (uint8_t) seg->method);
	mk_wr_i32(w, seg->k);
	mk_wr_i32(w, seg->dim);
	if (seg->method == MK_SEGMENT_AUTOENCODER)
		wr_config(w, &seg->decoder);
	wr_blob_end(w, start);
}

/* Appends the "forecast" section. */
static void
wr_forecast(MkWriter *w, const MkForecast *fc)
{
	size_t		start = wr_blob_begin(w, "forecast");
	int32_t		h;

	mk_wr_string(w, fc->series);
	mk_wr_string(w, fc->order);
	mk_wr_i32(w, fc->horizon);
	mk_wr_i32(w, fc->context);
	mk_wr_f64(w, fc->level);
	for (h = 0; h < fc->horizon; h++)
		mk_wr_f64(w, fc->lower[h]);
	for (h = 0; h < fc->horizon; h++)
		mk_wr_f64(w, fc->upper[h]);
	wr_blob_end(w, start);
}

/* Appends the "text" section. */
static void
wr_text_config(MkWriter *w, const MkText *text)
{
	size_t		start = wr_blob_begin(w, "text");

	mk_wr_string(w, text->column);
	mk_wr_string(w, text->tokenize.locale);
	mk_wr_u8(w, (uint8_t) text->tokenize.cjk_ngrams);
	mk_wr_u8(w, text->tokenize.cjk_words ? 1 : 0);
	mk_wr_u8(w, text->tokenize.numbers ? 1 : 0);
	mk_wr_u8(w, text->tokenize.emoji ? 1 : 0);
	mk_wr_u32(w, (uint32_t) text->tokenize.max_bytes);
	mk_wr_i32(w, text->cfg.feat.buckets);
	mk_wr_u8(w, (uint8_t) text->cfg.feat.word_ngrams);
	mk_wr_u8(w, (uint8_t) text->cfg.feat.char_min);
	mk_wr_u8(w, (uint8_t) text->cfg.feat.char_max);
	mk_wr_i32(w, text->cfg.dim);
	mk_wr_i32(w, text->cfg.n_classes);
	mk_wr_u8(w, (uint8_t) text->cfg.loss);
	mk_wr_u8(w, (uint8_t) text->cfg.encoder);
	mk_wr_i32(w, text->cfg.filters);
	mk_wr_i32(w, text->cfg.max_length);
	wr_blob_end(w, start);
}

/*
 * Appends a text classifier's three tensors, and the CNN's six, from its
 * parameter block.
 */
static void
wr_text_tensors(MkWriter *w, const MkTextConfig *cfg, float *block)
{
	MkTextParams p;
	char		name[SECTION_NAME_BYTES];
	uint32_t	dims[2];

	mk_text_bind(&p, block, cfg);
	dims[0] = (uint32_t) cfg->feat.buckets;
	dims[1] = (uint32_t) cfg->dim;
	wr_tensor(w, "embedding", 2, dims, p.embed);
	dims[0] = (uint32_t) mk_text_num_outputs(cfg);
	dims[1] = (uint32_t) mk_text_hidden_width(cfg);
	wr_tensor(w, "text.weight", 2, dims, p.weight);
	wr_tensor(w, "text.bias", 1, dims, p.bias);
	if (cfg->encoder != MK_TEXT_CNN)
		return;
	for (int i = 0; i < MK_TEXT_CNN_WIDTHS; i++)
	{
		dims[0] = (uint32_t) cfg->filters;
		dims[1] = (uint32_t) ((MK_TEXT_CNN_MIN_WIDTH + i) * cfg->dim);
		wr_tensor(w, mk_section_name(SEC_TEXT_CONV + 2 * i, name), 2, dims,
				  p.conv_weight[i]);
		wr_tensor(w, mk_section_name(SEC_TEXT_CONV + 2 * i + 1, name), 1,
				  dims, p.conv_bias[i]);
	}
}

/*
 * Appends one tensor section per weight matrix and bias vector of the
 * network cfg, whose parameters are at block, naming them from section
 * first (SEC_DENSE or SEC_DECODER) on.
 */
static void
wr_layers(MkWriter *w, const MkMlpConfig *cfg, float *block, int first)
{
	MkMlpParams p;
	char		name[SECTION_NAME_BYTES];
	uint32_t	dims[2];
	int			l;

	mk_mlp_bind(&p, block, cfg);
	for (l = 0; l < cfg->n_dense; l++)
	{
		dims[0] = (uint32_t) cfg->sizes[l + 1];
		dims[1] = (uint32_t) cfg->sizes[l];
		wr_tensor(w, mk_section_name(first + 2 * l, name), 2, dims,
				  p.weight[l]);
		wr_tensor(w, mk_section_name(first + 2 * l + 1, name), 1, dims,
				  p.bias[l]);
	}
}

/*
 * Appends the four tensor sections of each layer of the recurrent encoder
 * cfg, whose parameters are at block, in the order mk_rnn_bind lays them.
 */
static void
wr_rnn_layers(MkWriter *w, const MkRnnConfig *cfg, float *block)
{
	MkRnnParams p;
	char		name[SECTION_NAME_BYTES];
	uint32_t	dims[2];
	const float *data[RNN_TENSORS];
	int			sec;
	int			ndim;
	int			l;
	int			t;

	mk_rnn_bind(&p, block, cfg);
	for (l = 0; l < cfg->n_layers; l++)
	{
		data[RNN_WEIGHT_IH] = p.weight_ih[l];
		data[RNN_WEIGHT_HH] = p.weight_hh[l];
		data[RNN_BIAS_IH] = p.bias_ih[l];
		data[RNN_BIAS_HH] = p.bias_hh[l];
		for (t = 0; t < RNN_TENSORS; t++)
		{
			sec = SEC_RECURRENT + RNN_TENSORS * l + t;
			ndim = mk_rnn_tensor_shape(cfg, l, t, dims);
			wr_tensor(w, mk_section_name(sec, name), ndim, dims, data[t]);
		}
	}
}

/*
 * Appends the sections after "prep" up to "spec": those of a classifier
 * or a regression, with a recurrent encoder before the network for a
 * sequence task (and a forecast's configuration after it), or those of a
 * segmentation by its method.
 */
static void
wr_task(MkWriter *w, const MkModel *model)
{
	const MkSegments *seg = &model->segments;
	bool		sequence = model->task == MK_TASK_SEQUENCE_CLASSIFICATION ||
		model->task == MK_TASK_SEQUENCE_REGRESSION ||
		model->task == MK_TASK_FORECAST;
	size_t		n_rnn = sequence ? mk_rnn_num_params(&model->rnn) : 0;
	uint32_t	dims[2];

	if (model->task == MK_TASK_TEXT_CLASSIFICATION)
	{
		wr_target(w, &model->target);
		wr_text_config(w, &model->text);
		wr_text_tensors(w, &model->text.cfg, model->params);
		return;
	}
	if (model->task != MK_TASK_SEGMENTATION)
	{
		wr_target(w, &model->target);
		if (sequence)
			wr_rnn(w, &model->rnn);
		wr_mlp(w, &model->mlp);
		if (model->task == MK_TASK_FORECAST)
			wr_forecast(w, &model->forecast);
		if (sequence)
			wr_rnn_layers(w, &model->rnn, model->params);
		wr_layers(w, &model->mlp, model->params + n_rnn, SEC_DENSE);
		return;
	}

	if (seg->method == MK_SEGMENT_AUTOENCODER)
		wr_mlp(w, &model->mlp);
	wr_segments(w, seg);
	if (seg->method == MK_SEGMENT_AUTOENCODER)
	{
		wr_layers(w, &model->mlp, model->params, SEC_DENSE);
		wr_layers(w, &seg->decoder,
				  model->params + mk_mlp_num_params(&model->mlp),
				  SEC_DECODER);
	}
	dims[0] = (uint32_t) seg->k;
	dims[1] = (uint32_t) seg->dim;
	wr_tensor(w, "centroids", 2, dims, seg->centroids);
}

/* Appends a text blob section. */
static void
wr_text(MkWriter *w, const char *name, const char *text)
{
	size_t		start = wr_blob_begin(w, name);

	mk_wr_bytes(w, text, strlen(text));
	wr_blob_end(w, start);
}

/*
 * Serialises a model into a new mk_alloc'd buffer of *len bytes.  Returns
 * NULL, with *len 0, when the model fails mk_model_check() (run that first
 * for the reason) or when its bytes would pass the format's 4 GB limit.
 */
uint8_t *
mk_model_write(const MkModel *model, size_t *len)
{
	MkWriter	w = {0};

	*len = 0;
	if (mk_model_check(model) != NULL)
		return NULL;

	mk_wr_bytes(&w, MK_MODEL_MAGIC, 8);
	mk_wr_u32(&w, MK_MODEL_FORMAT_VERSION);
	mk_wr_u32(&w, (uint32_t) model->task);
	mk_wr_u32(&w, 0);			/* total length, set below */
	wr_prep(&w, &model->prep);
	wr_task(&w, model);
	wr_text(&w, "spec", model->spec_json);
	wr_text(&w, "metrics", model->metrics_json);
	mk_wr_u8(&w, MK_SECTION_END);

	if (w.len > UINT32_MAX - MK_CRC_BYTES)
	{
		mk_free(w.buf);
		return NULL;
	}
	mk_put_u32(w.buf + MK_LENGTH_OFFSET, (uint32_t) (w.len + MK_CRC_BYTES));
	mk_wr_u32(&w, mk_crc32c(w.buf, w.len));
	*len = w.len;
	return w.buf;
}
