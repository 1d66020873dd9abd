/*
 * options.h
 *		The options of mktai.train(): parsed from jsonb, checked, and written
 *		back as jsonb with every default filled in, so that a retrain replays
 *		exactly what the first training did.
 */
#ifndef MKTAI_OPTIONS_H
#define MKTAI_OPTIONS_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#include "core/fit.h"
#include "core/mlp.h"
#include "core/recurrent.h"
#include "model/model.h"

typedef struct TrainOptions
{
	List	   *features;		/* column names (char *); NIL = all columns */
	List	   *exclude;		/* column names left out of "all columns" */
	List	   *hidden;			/* hidden layer widths (int); NIL = linear */
	char	   *activation;		/* relu, tanh or sigmoid */
	double		dropout;
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		weight_decay;
	char	   *optimizer;		/* adam or sgd */
	double		momentum;
	double		validation_fraction;
	int			patience;		/* 0 disables early stopping */
	int			seed;
	char	   *class_weight;	/* none or balanced */
	char	   *positive_class; /* NULL: the last label in sort order */
	int			max_categories;
	int			numeric_bins;	/* quantile bins per numeric column; < 2: none */
	char	   *numeric_transform;	/* none or log */
	char	   *method;			/* segmentation: autoencoder or kmeans */
	int			k;				/* segments; 0 = choose by silhouette */
	int			k_min;
	int			k_max;
	int			latent;			/* autoencoder bottleneck width */
	int			restarts;		/* k-means++ seedings */
	int			silhouette_sample;	/* rows scored to choose k */
	char	   *entity;			/* sequences: the column naming a sequence */
	char	   *order;			/* sequences: the column ordering its rows */
	char	   *labels;			/* sequences: relation of targets by entity */
	char	   *cell;			/* sequences: lstm or gru */
	int			hidden_size;	/* sequences: units of the recurrent layers */
	int			layers;			/* sequences: stacked recurrent layers */
	int			max_length;		/* sequences: most recent steps trained on;
								 * text: first tokens the CNN reads */
	double		clip;			/* sequences: max gradient norm; 0 = none */
	char	   *series;			/* forecast: the column naming a series */
	int			horizon;		/* forecast: steps predicted */
	double		level;			/* forecast: prediction interval coverage */
	char	   *loss;			/* forecast: mae (the median) or mse (the mean) */
	char	   *text;			/* text: the column of documents */
	char	   *encoder;		/* text: bag or cnn */
	int			filters;		/* text: the CNN's filters per width */
	int			dim;			/* text: embedding width */
	int			buckets;		/* text: hashed feature rows */
	int			word_ngrams;	/* text: longest word n-gram */
	int			char_min;		/* text: character n-grams, 0 = none */
	int			char_max;
	char	   *locale;			/* text: tokenizer locale, "" = root */
	int			cjk_ngrams;		/* text: CJK character n-grams, 0 = none */
	bool		cjk_words;		/* text: ICU's dictionary words in CJK */
	bool		numbers;		/* text: digit tokens kept */
	bool		emoji;			/* text: emoji tokens kept */
	int			max_bytes;		/* text: documents cut at this many bytes */
	MkTask		task;			/* which task's options these are */
	bool		refit;			/* retrain on all rows for the best epoch count */
	bool		deploy;
} TrainOptions;

/*
 * Parses options (NULL means '{}') for a task; ERRORs on unknown keys, keys
 * of another kind of task, or bad values.
 */
extern void ParseTrainOptions(Jsonb *options, MkTask task,
							  TrainOptions *opts);

/* The SQL name of a task. */
extern const char *TaskName(MkTask task);

/*
 * The training options with every default filled in, as a JSON object text
 * ("deploy" is left out: it says what to do with the result, not how to
 * train it).
 */
extern char *TrainOptionsToJson(const TrainOptions *opts);

/* Maps the parsed names of activation and optimizer to the core's enums. */
extern MkActivation TrainOptionsActivation(const TrainOptions *opts);
extern MkOptimizer TrainOptionsOptimizer(const TrainOptions *opts);

#endif							/* MKTAI_OPTIONS_H */
