/*
 * textclf.h
 *		A fast text classifier: the mean of a document's hashed feature
 *		embeddings (an embedding bag) under a linear layer and a softmax, or
 *		a sigmoid for two classes.  This is fastText's supervised model
 *		(Joulin et al., "Bag of Tricks for Efficient Text Classification",
 *		EACL 2017) over text_features.h's bucket ids, plus an output bias.
 *
 * Dimensions: V buckets (rows of the embedding table), D the embedding
 * width, O the outputs (K classes for softmax, 1 for sigmoid).  Parameters
 * live in one block of mk_text_num_params() floats: the embedding table,
 * then the linear layer's weight and bias.  MkTextParams holds named
 * pointers into such a block; a gradient block uses the same binding.
 *
 * Documents are bags of bucket ids.  A training set is CSR: document i
 * owns ids[offsets[i] .. offsets[i + 1]).  A document without ids has the
 * zero vector as its embedding, so it is scored by the bias alone.
 *
 * The stronger encoder (MK_TEXT_CNN, textcnn.h) reads the same bag and, in
 * addition, the document's first tokens in order: the first n_tokens ids
 * of a bag are its word unigrams in token order (text_features.h), of which
 * it keeps max_length.  Convolutions of widths 2, 3 and 4 over their
 * embeddings, max-pooled over time, join the bag's mean under the linear
 * layer, whose input is then D + 3 F wide (F filters per width).  Between
 * the embedding table and the linear layer its block holds, per width w,
 * the filters [F, w D] and their bias [F].
 */
#ifndef MK_TEXTCLF_H
#define MK_TEXTCLF_H

#include <stddef.h>
#include <stdint.h>

#include "fit.h"
#include "rng.h"
#include "text_features.h"

/*
 * fastText's learning rate and epochs.  The width is near the 10 of Joulin
 * et al.'s sentiment runs: on test/realdata/text.sql widths of 16 to 100
 * score alike, while the parameters a smaller width saves buy buckets
 * (text_features.h), which do matter.
 */
#define MK_TEXT_DEFAULT_DIM 16
#define MK_TEXT_DEFAULT_LEARNING_RATE 0.1f
#define MK_TEXT_DEFAULT_EPOCHS 10
#define MK_TEXT_MAX_DIM 1024
#define MK_TEXT_MAX_CLASSES 65536

/* Documents trained between two calls of the before_batch hook. */
#define MK_TEXT_CHUNK 1024

/* The convolutional encoder's filter widths: 2, 3 and 4 tokens. */
#define MK_TEXT_CNN_MIN_WIDTH 2
#define MK_TEXT_CNN_WIDTHS 3
#define MK_TEXT_CNN_MAX_WIDTH (MK_TEXT_CNN_MIN_WIDTH + MK_TEXT_CNN_WIDTHS - 1)
#define MK_TEXT_MAX_FILTERS 4096
#define MK_TEXT_CNN_DEFAULT_FILTERS 64
#define MK_TEXT_CNN_DEFAULT_MAX_LENGTH 256
#define MK_TEXT_CNN_DEFAULT_BATCH_SIZE 32
#define MK_TEXT_CNN_DEFAULT_DROPOUT 0.5
#define MK_TEXT_CNN_DEFAULT_EPOCHS 5
#define MK_TEXT_CNN_DEFAULT_LEARNING_RATE 1e-3
/*
 * Convolutions gain from wider rows and from reading CJK text as words as
 * well as characters (about half a point each on the Chinese review sets
 * of test/realdata/text_encoder.sql); the bag does not.
 */
#define MK_TEXT_CNN_DEFAULT_DIM 32
#define MK_TEXT_MAX_LENGTH 16384

typedef enum MkTextEncoder
{
	MK_TEXT_BAG = 0,			/* the embedding bag alone */
	MK_TEXT_CNN = 1				/* the bag and convolutions over the tokens */
} MkTextEncoder;

typedef struct MkTextConfig
{
	MkTextFeatConfig feat;		/* feat.buckets is V */
	int			dim;			/* D, 1 .. MK_TEXT_MAX_DIM */
	int			n_classes;		/* K, 2 .. MK_TEXT_MAX_CLASSES */
	MkLossKind	loss;			/* MK_LOSS_SOFTMAX, or MK_LOSS_BCE when K = 2 */
	MkTextEncoder encoder;
	int			filters;		/* CNN: F, 1 .. MK_TEXT_MAX_FILTERS; bag: 0 */
	int			max_length;		/* CNN: tokens read, 1 .. MK_TEXT_MAX_LENGTH;
								 * bag: 0 */
} MkTextConfig;

typedef struct MkTextParams
{
	float	   *embed;			/* [V, D] */
	float	   *conv_weight[MK_TEXT_CNN_WIDTHS];	/* CNN: [F, w D]; bag: NULL */
	float	   *conv_bias[MK_TEXT_CNN_WIDTHS];	/* CNN: [F]; bag: NULL */
	float	   *weight;			/* [O, H] */
	float	   *bias;			/* [O] */
} MkTextParams;

/*
 * n documents in CSR form: offsets[n + 1] (offsets[0] = 0, non-decreasing),
 * ids[offsets[n]] in [0, V), labels[n] in [0, K), optional weights[n]
 * (NULL = 1 each; class weighting goes here).  tokens[n] gives each
 * document's number of unigram ids at the head of its bag; the CNN needs
 * it, the bag ignores it (NULL is fine).
 */
typedef struct MkTextDataset
{
	const int64_t *offsets;
	const int32_t *ids;
	const int32_t *labels;
	const float *weight;
	int			n;
	const int32_t *tokens;		/* NULL for the bag */
} MkTextDataset;

typedef struct MkTextFitOptions
{
	float		learning_rate;	/* at the start; decays linearly to 0 */
	int			epochs;
	uint64_t	seed;			/* document order (and CNN dropout) */
	int			batch_size;		/* CNN: documents per Adam step */
	float		dropout;		/* CNN: on the linear layer's input, [0, 1) */
} MkTextFitOptions;

/* Checks a configuration; returns NULL when valid, else a static message. */
extern const char *mk_text_config_error(const MkTextConfig *cfg);

/* O: K for softmax, 1 for sigmoid. */
extern int	mk_text_num_outputs(const MkTextConfig *cfg);

/* H, the linear layer's input width: D, or D + 3 F with the CNN. */
extern int	mk_text_hidden_width(const MkTextConfig *cfg);

/* V D (+ the CNN's filters) + O H + O, overflow-checked through mk_mul_size. */
extern size_t mk_text_num_params(const MkTextConfig *cfg);
extern void mk_text_bind(MkTextParams *p, float *block,
						 const MkTextConfig *cfg);

/*
 * fastText's initialisation: embeddings U(-1/D, 1/D), weight and bias 0.
 * The CNN's filters and linear layer start as PyTorch's (U(-1/sqrt(fan
 * in), 1/sqrt(fan in)), biases 0): Adam needs the symmetry broken.
 */
extern void mk_text_init(float *block, const MkTextConfig *cfg, MkRng *rng);

/*
 * Embedding bag: out[D] = (1/n) sum_i embed[ids[i], :], zeros when n = 0.
 * Backward accumulates dembed[ids[i], :] += dout / n for every i, so that
 * a repeated id receives its share once per occurrence.
 */
extern void mk_embag_forward(float *out, const float *embed,
							 const int32_t *ids, int n, int D);
extern void mk_embag_backward(float *dembed, const float *dout,
							  const int32_t *ids, int n, int D);

/*
 * Linear layer on one vector: out[O] = weight[O, D] inp[D] + bias[O].
 * Backward accumulates dinp += weight^T dout, dweight += dout inp^T and
 * dbias += dout.  dweight may alias weight (the sparse SGD step): each
 * row of weight is read into dinp before that row is updated.
 */
extern void mk_text_linear_forward(float *out, const float *inp,
								   const float *weight, const float *bias,
								   int D, int O);
extern void mk_text_linear_backward(float *dinp, float *dweight,
									float *dbias, const float *dout,
									const float *inp, const float *weight,
									int D, int O);

/* The bag model on one document: hidden[D], then logits[O]. */
extern void mk_text_forward(float *logits, float *hidden,
							const MkTextConfig *cfg, const MkTextParams *p,
							const int32_t *ids, int n);

/*
 * Back-propagates dlogits[O] through mk_text_forward's document,
 * accumulating into grads and overwriting dhidden[D] (scratch).  grads may
 * be p itself with dlogits pre-scaled by -learning_rate: that is the
 * sparse SGD step, touching only the document's embedding rows.
 */
extern void mk_text_backward(const MkTextConfig *cfg,
							 const MkTextParams *grads, float *dhidden,
							 const float *dlogits, const MkTextParams *p,
							 const float *hidden, const int32_t *ids, int n);

/*
 * Floats of scratch mk_text_logits and mk_text_predict need: H + O, and
 * for the CNN room for max_length tokens (textcnn.h).
 */
extern size_t mk_text_scratch_size(const MkTextConfig *cfg);

/*
 * logits[O] of the document ids[n], whose first n_tokens ids are its
 * unigrams, under either encoder in evaluation mode.  scratch holds
 * mk_text_scratch_size() floats.  Never allocates.
 */
extern void mk_text_logits(float *logits, const MkTextConfig *cfg,
						   const float *params, const int32_t *ids, int n,
						   int n_tokens, float *scratch);

/*
 * Class probabilities probs[K] of that document; for sigmoid, probs[0] =
 * 1 - p and probs[1] = p.  Never allocates.
 */
extern void mk_text_predict(float *probs, const MkTextConfig *cfg,
							const float *params, const int32_t *ids, int n,
							int n_tokens, float *scratch);

/* Checks a dataset against cfg; returns NULL when valid, else a message. */
extern const char *mk_text_dataset_error(const MkTextConfig *cfg,
										 const MkTextDataset *data);

/*
 * Balanced class weights: weight[i] = n / (K count[labels[i]]), so every
 * class carries the same total weight (scikit-learn's "balanced").
 * Allocates (and frees) K counters through mk_alloc.
 */
extern void mk_text_balanced_weights(float *weight, const int32_t *labels,
									 int n, int K);

/*
 * Trains params (already initialised, mk_text_num_params floats) in place
 * by fastText's SGD: one document at a time in a seeded shuffled order per
 * epoch, learning rate falling linearly from opt->learning_rate to 0 over
 * all epochs, each step touching only the document's embedding rows and
 * the linear layer.  hooks->before_batch runs every MK_TEXT_CHUNK
 * documents, hooks->after_epoch after every epoch with the training loss
 * (weighted mean over the epoch, each document's loss taken before its
 * step) and, given validation documents, their loss and metric (AUC for
 * sigmoid, accuracy for softmax).  There is no early stopping: the last
 * epoch's parameters are kept.  Same inputs and seed give bit-identical
 * parameters.  result->curve is mk_alloc'd.
 *
 * The CNN trains otherwise (textcnn.h): first the bag model alone, with
 * the bag's default learning rate and epochs, into the table and the
 * bag's columns of the linear layer; then the whole network by Adam on
 * mini-batches of opt->batch_size documents, with the same linearly
 * falling learning rate and with dropout, hooks->before_batch before every
 * batch and hooks->after_epoch after each of opt->epochs epochs.
 */
extern void mk_text_fit(const MkTextConfig *cfg, float *params,
						const MkTextDataset *train,
						const MkTextDataset *valid,
						const MkTextFitOptions *opt,
						const MkFitHooks *hooks, MkFitResult *result);

/*
 * Weighted mean loss and metric (AUC for sigmoid, unweighted accuracy for
 * softmax) of params on data, NaN for both without documents.  Allocates
 * its scratch through mk_alloc and frees it before returning.
 */
extern void mk_text_evaluate(const MkTextConfig *cfg, const float *params,
							 const MkTextDataset *data, double *loss,
							 double *metric);

/*
 * Closes epoch (from 1) of a run of either encoder: its report in
 * result->curve (allocated for every epoch) with train_loss and the loss
 * and metric on valid (may be NULL), best_loss updated, then the
 * after_epoch hook.
 */
extern void mk_text_end_epoch(const MkTextConfig *cfg, const float *params,
							  const MkTextDataset *valid,
							  const MkFitHooks *hooks, MkFitResult *result,
							  int epoch, double train_loss,
							  double *best_loss);

#endif							/* MK_TEXTCLF_H */
