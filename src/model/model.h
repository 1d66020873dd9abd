/*
 * model.h
 *		A trained model as it lives in memory, and its serialised form.
 *
 * A model is everything scoring needs: the task, the input pipeline learned
 * from the training data (MkPrep), the meaning of the outputs (MkTarget), the
 * network configuration and its parameters, plus the training spec and the
 * metrics as JSON text, so that an exported model carries its history.
 *
 * The bytes (see format.c for the layout) start with a magic number and a
 * format version and end with a CRC-32C; mk_model_read() trusts nothing in
 * them.  This module uses no backend facility but pg_crc32c, so the unit
 * tests and the fuzzer link it without a server.
 */
#ifndef MK_MODEL_H
#define MK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/mlp.h"
#include "../core/recurrent.h"
#include "../core/textclf.h"
#include "../text/tokenize.h"

#define MK_MODEL_MAGIC "MKTAIMDL"
#define MK_MODEL_FORMAT_VERSION 1

/* Longest name or category text a model may hold, in bytes. */
#define MK_MAX_NAME_BYTES 1024
/* Most input columns, categories per column and classes a model may hold. */
#define MK_MAX_COLUMNS 4096
#define MK_MAX_EDGES 255
#define MK_MAX_CATEGORIES 100000
#define MK_MAX_CLASSES 10000

typedef enum MkTask
{
	MK_TASK_CLASSIFICATION = 1,
	MK_TASK_REGRESSION = 2,
	MK_TASK_SEGMENTATION = 3,
	MK_TASK_SEQUENCE_CLASSIFICATION = 4,
	MK_TASK_SEQUENCE_REGRESSION = 5,
	MK_TASK_FORECAST = 6,
	MK_TASK_TEXT_CLASSIFICATION = 7
} MkTask;

/* Most segments a segmentation model may have. */
#define MK_MAX_SEGMENTS 1000

typedef enum MkColumnKind
{
	MK_COLUMN_NUMERIC = 1,
	MK_COLUMN_CATEGORICAL = 2
} MkColumnKind;

/*
 * One input column and the feature slots it fills, starting at offset.
 *
 * Numeric: (with log_transform, x is sign(x) log(1 + |x|) throughout, which
 * tames heavy tails such as spend) one slot, (x - mean) / scale; when
 * null_indicator is set, a second
 * slot that is 1 for NULL (the first slot is then 0, i.e. the mean); then,
 * when n_edges > 0, n_edges + 1 one-hot slots for the quantile bin of x (bin
 * b holds edges[b - 1] <= x < edges[b]; all 0 for NULL), which let even a
 * linear model bend with the value.
 * Categorical: n_categories one-hot slots, categories sorted by strcmp, then
 * one slot for NULL and one for a value not seen in training.
 */
typedef struct MkColumn
{
	char	   *name;
	MkColumnKind kind;
	int32_t		offset;
	double		mean;
	double		scale;
	bool		null_indicator;
	bool		log_transform;	/* x is first mapped to sign(x) log(1 + |x|) */
	int32_t		n_edges;
	double	   *edges;			/* strictly increasing bin edges */
	int32_t		n_categories;
	char	  **categories;
} MkColumn;

typedef struct MkPrep
{
	int32_t		n_columns;
	MkColumn   *columns;
	int32_t		n_features;		/* total slots: the network's input width */
} MkPrep;

/* The SQL type a label came from, so predict_label can answer in kind. */
typedef enum MkLabelType
{
	MK_LABEL_BOOL = 1,
	MK_LABEL_INT = 2,
	MK_LABEL_TEXT = 3,
	MK_LABEL_FLOAT = 4
} MkLabelType;

/*
 * What the network's outputs mean.  Classification: classes[] are the label
 * texts in label order (sorted); a binary model has one logit, the
 * probability of classes[positive].  Regression: the network predicts
 * (y - mean) / scale.
 */
typedef struct MkTarget
{
	char	   *name;
	MkLabelType type;
	int32_t		n_classes;		/* 0 for regression */
	char	  **classes;
	int32_t		positive;
	double		mean;
	double		scale;
} MkTarget;

typedef enum MkSegmentMethod
{
	MK_SEGMENT_AUTOENCODER = 1,
	MK_SEGMENT_KMEANS = 2
} MkSegmentMethod;

/*
 * A segmentation: k cluster centres in the space the clusters were found
 * in.  Autoencoder: MkModel.mlp is the encoder (n_features -> dim, the
 * latent width) and decoder its mirror (dim -> n_features); MkModel.params
 * holds the encoder's parameters followed by the decoder's.  k-means: the
 * centres live in the feature space (dim = n_features); there is no network
 * (mlp.n_dense = 0, params NULL, decoder unused).
 */
typedef struct MkSegments
{
	MkSegmentMethod method;
	int32_t		k;
	int32_t		dim;
	MkMlpConfig decoder;
	float	   *centroids;		/* [k, dim] */
} MkSegments;

/* Most steps ahead a forecast model predicts. */
#define MK_MAX_HORIZON 1000

/*
 * A forecast: the network reads the last context rows of a series, each as
 * its target value divided by the window's scale (the mean absolute value
 * of the target over those rows, 1 when that is 0) followed by the row's
 * encoded covariates (prep, which may have no columns), and predicts the
 * next horizon values in the same scaled units.  The interval at level
 * adds lower[h] and upper[h], times the window's spread
 * (mk_forecast_spread), to the prediction h + 1 steps ahead: the quantiles
 * (1 - level) / 2 and (1 + level) / 2 of the validation windows' scaled
 * residuals divided by their spreads.  series and order name the columns
 * that key and order the series; series is "" when the relation is one
 * series.
 */
typedef struct MkForecast
{
	int32_t		horizon;
	int32_t		context;
	double		level;
	char	   *series;
	char	   *order;
	double	   *lower;			/* [horizon] */
	double	   *upper;			/* [horizon] */
} MkForecast;

/*
 * A text classifier: the tokenizer's options, and the hashed features,
 * embedding bag and encoder of cfg (textclf.h), whose n_classes is the
 * target's.
 * column names the text column it was trained on; scoring takes any text.
 */
typedef struct MkText
{
	char	   *column;
	MkTokenizeOptions tokenize;
	MkTextConfig cfg;
} MkText;

typedef struct MkModel
{
	MkTask		task;
	MkPrep		prep;
	MkTarget	target;			/* unused (all zero) for segmentation */
	MkMlpConfig mlp;
	float	   *params;			/* mk_mlp_num_params(&mlp) floats, plus the
								 * decoder's for an autoencoder */
	MkSegments	segments;		/* segmentation only */

	/*
	 * Sequence tasks: the recurrent encoder over the encoded rows of a
	 * sequence (rnn.input = prep.n_features); mlp is then the head on its
	 * final hidden state (mlp.sizes[0] = rnn.hidden), and params holds the
	 * recurrent parameters followed by the head's.  Target as for
	 * classification and regression.  All zero for the other tasks.
	 * A forecast is a sequence model too, whose input has one slot more
	 * than prep (the scaled target first) and whose head has horizon
	 * outputs; its target is a regression's, with mean 0 and scale 1.
	 */
	MkRnnConfig rnn;
	MkForecast	forecast;		/* forecast only */
	MkText		text;			/* text classification only: params holds
								 * mk_text_num_params(&text.cfg) floats;
								 * prep has no columns, mlp and rnn are zero */
	char	   *spec_json;		/* NUL-terminated; opaque here */
	char	   *metrics_json;	/* NUL-terminated; opaque here */
} MkModel;

/* Number of feature slots a column fills. */
extern int32_t mk_column_width(const MkColumn *col);

/*
 * Checks the invariants scoring relies on (offsets contiguous, sizes within
 * limits, categories strictly sorted, scales positive and finite, network
 * input and output widths consistent with prep and target, parameters
 * finite).  Returns NULL when valid, else a message.  Run on every model
 * read and on every model before it is written.
 */
extern const char *mk_model_check(const MkModel *model);

/*
 * Serialises a model into a new mk_alloc'd buffer of *len bytes.  Returns
 * NULL (and *len 0) when the model fails mk_model_check(), which callers run
 * first for the message, or when its bytes would pass the format's 4 GB.
 */
extern uint8_t *mk_model_write(const MkModel *model, size_t *len);

/*
 * Parses and validates len bytes into *model (all parts mk_alloc'd).
 * Returns false with a message in errbuf when the bytes are truncated,
 * corrupted, of another format version, or describe an invalid model.
 */
extern bool mk_model_read(const uint8_t *data, size_t len, MkModel *model,
						  char *errbuf, size_t errlen);

/* Frees every part of a model filled by mk_model_read. */
extern void mk_model_free(MkModel *model);

#endif							/* MK_MODEL_H */
