/*
 * format.c
 *		The serialised form of a model: its layout, and the names of its
 *		sections.
 *
 * Layout; every number is little-endian whatever the host:
 *
 *	magic		8 bytes, MK_MODEL_MAGIC
 *	version		uint32, MK_MODEL_FORMAT_VERSION
 *	task		uint32, MkTask
 *	length		uint32, total bytes including the checksum
 *	sections	each: uint8 kind, uint16 name length, name bytes, then
 *				  a blob:	uint32 length, bytes
 *				  a tensor: uint8 ndim (1 to 4), uint32 dims[ndim],
 *							float32 data[product of dims], row-major
 *	end			uint8 0
 *	checksum	uint32, CRC-32C of every byte before it
 *
 * The sections come in this order, each present only when the task needs
 * it:
 *
 *	"prep"			blob, MkPrep; every model
 *	"target"		blob, MkTarget; classification and regression, plain or
 *					of sequences
 *	"rnn"			blob, MkRnnConfig: the recurrent encoder; sequence tasks
 *	"mlp"			blob, MkMlpConfig: the network, a sequence model's head,
 *					or an autoencoder's encoder; not in a k-means model,
 *					which has no network
 *	"segments"		blob, MkSegments without its centres; segmentation
 *	"forecast"		blob, MkForecast; forecast
 *	"text"			blob, MkText; text classification
 *	"rnn<l>.weight_ih" [G*H, C_l], "rnn<l>.weight_hh" [G*H, H],
 *	"rnn<l>.bias_ih" [G*H] and "rnn<l>.bias_hh" [G*H], for each layer l
 *					of the "rnn" encoder (shapes as in recurrent.h: G gates,
 *					4 for an LSTM and 3 for a GRU, H hidden units, C_0 the
 *					input width and C_l = H above)
 *	"dense<i>.weight" [out, in] and "dense<i>.bias" [out], for each layer
 *					i of the "mlp" network
 *	"decoder<i>.weight" and "decoder<i>.bias", likewise for each layer of
 *					an autoencoder's decoder
 *	"centroids"		[k, dim], the segment centres; segmentation
 *	"embedding" [V, D], "text.weight" [O, H], "text.bias" [O]: a text
 *					classifier's parameters (textclf.h: V buckets, D
 *					dimensions, O outputs, H = D, or D + 3 F with the CNN)
 *	"text.conv<w>.weight" [F, w D] and "text.conv<w>.bias" [F], for w =
 *					2, 3, 4: the filters of a text classifier whose
 *					encoder is the CNN (textcnn.h)
 *	"spec", "metrics"	JSON text, stored without interpretation; every
 *					model
 *
 * So a classification or regression model holds prep, target, mlp, its
 * dense layers, spec and metrics; a sequence classification or regression
 * prep, target, rnn, mlp, the recurrent layers, the head's dense layers,
 * spec and metrics; a forecast the same plus forecast; an autoencoder
 * segmentation prep, mlp, segments, dense and decoder layers, centroids,
 * spec and metrics; a text classifier prep (with no columns), target,
 * text, its three tensors (and with the CNN encoder its six filter
 * tensors), spec and metrics; a k-means segmentation
 * prep, segments, centroids, spec and metrics.  The task in the header and
 * the method in "segments" say which set to expect.  The configuration
 * blobs all come before the tensors they shape, and the recurrent layers
 * before the head's, as their parameters lie in MkModel.params.
 *
 * Inside the blobs, a string is a uint16 length and that many bytes, none
 * of them NUL:
 *
 *	prep	uint32 n_columns, uint32 n_features, then per column: string
 *			name, uint8 kind, uint8 null_indicator, uint8 log_transform
 *			(flags, 0 or 1), int32 offset, float64 mean, float64 scale,
 *			uint32 n_edges, float64 edges[n_edges], uint32 n_categories,
 *			strings
 *	target	string name, uint8 label type, int32 positive, float64 mean,
 *			float64 scale, uint32 n_classes, strings
 *	rnn		uint8 cell, uint8 n_layers, int32 input, int32 hidden,
 *			float32 dropout
 *	mlp		a network configuration: uint8 n_dense, uint8 activation,
 *			float32 dropout, int32 sizes[n_dense + 1]
 *	segments	uint8 method, int32 k, int32 dim, then for an autoencoder
 *			the decoder's configuration, encoded as in "mlp"
 *	forecast	string series (may be empty), string order, int32 horizon,
 *			int32 context, float64 level, float64 lower[horizon],
 *			float64 upper[horizon]
 *	text	string column, string locale, uint8 cjk_ngrams, uint8 cjk_words,
 *			uint8 numbers, uint8 emoji (flags, 0 or 1), uint32 max_bytes,
 *			int32 buckets, uint8 word_ngrams, uint8 char_min, uint8
 *			char_max, int32 dim, int32 n_classes, uint8 loss, uint8
 *			encoder (0 bag, 1 CNN), int32 filters, int32 max_length
 *			(both 0 for the bag)
 *
 * The encoding is canonical: a model has exactly one byte form, so writing
 * what the reader accepts gives back the same bytes (the fuzzer checks it).
 * The parts of MkModel a task does not use are not stored, and
 * mk_model_check() demands they be zero, so the converse holds too.
 * The reader trusts nothing: it checks the magic, the version, the length
 * and the checksum before it parses; it bounds every length and count by
 * the bytes left before it allocates; it demands each section once, in
 * order, with the shape the configuration implies and no byte to spare;
 * and it ends with mk_model_check().
 *
 * format_write.c holds mk_model_write(), format_read.c mk_model_read(), and
 * codec.c the little-endian byte cursor both are built on; the constants
 * they share are in format_private.h.
 */
#include <stdio.h>

#include "model/format_private.h"

/* The name of section sec; buf holds layer names. */
const char *
mk_section_name(int sec, char *buf)
{
	static const char *const rnn_tensors[RNN_TENSORS] = {
		"weight_ih", "weight_hh", "bias_ih", "bias_hh"
	};
	int			first = sec < SEC_DECODER ? SEC_DENSE : SEC_DECODER;

	switch (sec)
	{
		case SEC_PREP:
			return "prep";
		case SEC_TARGET:
			return "target";
		case SEC_RNN:
			return "rnn";
		case SEC_MLP:
			return "mlp";
		case SEC_SEGMENTS:
			return "segments";
		case SEC_FORECAST:
			return "forecast";
		case SEC_TEXT:
			return "text";
		case SEC_EMBEDDING:
			return "embedding";
		case SEC_TEXT_WEIGHT:
			return "text.weight";
		case SEC_TEXT_BIAS:
			return "text.bias";
		case SEC_CENTROIDS:
			return "centroids";
		case SEC_SPEC:
			return "spec";
		case SEC_METRICS:
			return "metrics";
	}
	if (sec >= SEC_TEXT_CONV && sec < SEC_SPEC)
	{
		snprintf(buf, SECTION_NAME_BYTES, "text.conv%d.%s",
				 MK_TEXT_CNN_MIN_WIDTH + (sec - SEC_TEXT_CONV) / 2,
				 (sec - SEC_TEXT_CONV) % 2 == 0 ? "weight" : "bias");
		return buf;
	}
	if (sec < SEC_DENSE)
	{
		snprintf(buf, SECTION_NAME_BYTES, "rnn%d.%s",
				 (sec - SEC_RECURRENT) / RNN_TENSORS,
				 rnn_tensors[(sec - SEC_RECURRENT) % RNN_TENSORS]);
		return buf;
	}
	snprintf(buf, SECTION_NAME_BYTES, "%s%d.%s",
			 first == SEC_DENSE ? "dense" : "decoder", (sec - first) / 2,
			 (sec - first) % 2 == 0 ? "weight" : "bias");
	return buf;
}

/* True when section sec holds a tensor rather than a blob. */
bool
mk_section_is_tensor(int sec)
{
	return sec >= SEC_RECURRENT && sec < SEC_SPEC;
}

/*
 * The shape of tensor t of recurrent layer l: weights [G*H, C_l] and
 * [G*H, H], biases [G*H], as recurrent.h lays them out.  A valid cfg
 * holds at most INT32_MAX parameters, so every dimension fits.
 */
int
mk_rnn_tensor_shape(const MkRnnConfig *cfg, int l, int t, uint32_t *dims)
{
	int			gates = cfg->cell == MK_CELL_LSTM ? 4 : 3;

	dims[0] = (uint32_t) gates * (uint32_t) cfg->hidden;
	switch (t)
	{
		case RNN_WEIGHT_IH:
			dims[1] = (uint32_t) (l == 0 ? cfg->input : cfg->hidden);
			return 2;
		case RNN_WEIGHT_HH:
			dims[1] = (uint32_t) cfg->hidden;
			return 2;
	}
	return 1;
}
