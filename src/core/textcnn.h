/*
 * textcnn.h
 *		The text classifier's convolutional encoder: token embeddings in
 *		order, convolutions of widths 2, 3 and 4 with a ReLU, max-pooled over
 *		time (Kim, "Convolutional Neural Networks for Sentence
 *		Classification", EMNLP 2014), and its training by mini-batch Adam
 *		after a warm start by the bag model.
 *
 * A batch of B documents is PACKED: document b's tokens are the rows
 * start[b] .. start[b] + len[b] - 1 of x[R, D], and it owns
 * mk_textcnn_span(len[b]) rows, the ones past its length zero, so that
 * every window of every width stays inside its own document.  x has
 * MK_TEXT_CNN_MAX_WIDTH zero rows after the R, which the im2col of the
 * last windows reads.  tok[R] says where each row comes from: an id of
 * the embedding table, or -1 for padding.
 *
 * Width w gives every document max(len - w + 1, 1) positions (a document
 * shorter than w is one zero-padded window) and none without tokens.
 * Feature (b, i F + f) is ReLU(max over b's positions of filter f of width
 * 2 + i), 0 for an empty document; the max is taken before the ReLU,
 * which gives the same value, and only its position gets gradient.
 */
#ifndef MK_TEXTCNN_H
#define MK_TEXTCNN_H

#include <stdint.h>

#include "textclf.h"

/* Rows a document of len tokens owns in a packed batch. */
static inline int
mk_textcnn_span(int len)
{
	return len > MK_TEXT_CNN_MAX_WIDTH ? len : MK_TEXT_CNN_MAX_WIDTH;
}

/*
 * Checks that packed batches of batch_size documents of up to max_length
 * tokens have a row count R that fits BLAS's int; NULL when they do, else
 * a static message.
 */
extern const char *mk_textcnn_shape_error(const MkTextConfig *cfg,
										  int batch_size);

/* x[R + MK_TEXT_CNN_MAX_WIDTH, D]: row r = embed[tok[r]], zeros for -1. */
extern void mk_textcnn_gather(float *x, const float *embed,
							  const int32_t *tok, int R, int D);

/* dembed[tok[r], :] += dx[r, :] for every row r with tok[r] >= 0. */
extern void mk_textcnn_scatter(float *dembed, const float *dx,
							   const int32_t *tok, int R, int D);

/*
 * feat[B, 3 F] of the packed batch x; argmax[B, 3 F] (NULL when scoring)
 * receives each feature's row, -1 for an empty document.  cols holds
 * R * MK_TEXT_CNN_MAX_WIDTH * D floats and conv R * F, both scratch.
 */
extern void mk_textcnn_forward(float *feat, int32_t *argmax, float *cols,
							   float *conv, const float *x,
							   const int32_t *start, const int32_t *len,
							   int B, int R, const MkTextParams *p, int D,
							   int F);

/*
 * Accumulates the gradients of the filters and their biases into grads,
 * and dx[R + MK_TEXT_CNN_MAX_WIDTH, D] += d x, from dfeat[B, 3 F].
 */
extern void mk_textcnn_backward(const MkTextParams *grads, float *dx,
								const float *dfeat, const float *feat,
								const int32_t *argmax, const float *x,
								const MkTextParams *p, int B, int D, int F);

/* Floats of scratch mk_textcnn_logits needs beyond H + O. */
extern size_t mk_textcnn_scratch_size(const MkTextConfig *cfg);

/*
 * logits[O] of one document (see mk_text_logits); hidden[H] receives the
 * linear layer's input, scratch mk_textcnn_scratch_size() floats.
 */
extern void mk_textcnn_logits(float *logits, float *hidden,
							  const MkTextConfig *cfg, const MkTextParams *p,
							  const int32_t *ids, int n, int n_tokens,
							  float *scratch);

/* Trains a CNN classifier; the contract of mk_text_fit. */
extern void mk_textcnn_fit(const MkTextConfig *cfg, float *params,
						   const MkTextDataset *train,
						   const MkTextDataset *valid,
						   const MkTextFitOptions *opt,
						   const MkFitHooks *hooks, MkFitResult *result);

#endif							/* MK_TEXTCNN_H */
