/*
 * loss.h
 *		Loss functions: a forward returning the weighted mean loss, and a
 *		backward writing (not accumulating) d loss / d prediction.
 *
 * weight[B] is an optional per-example weight (class weighting); NULL means
 * 1 for every example.  The mean divides by the sum of the weights, so the
 * gradients already carry the 1 / sum(weight) factor.
 */
#ifndef MK_LOSS_H
#define MK_LOSS_H

#include <stdint.h>

/* Binary cross-entropy on logits[B] with targets[B] in {0, 1}. */
extern double mk_bce_logits_forward(const float *logits, const float *targets,
									const float *weight, int B);
extern void mk_bce_logits_backward(float *dlogits, const float *logits,
								   const float *targets, const float *weight,
								   int B);

/* Softmax cross-entropy on logits[B,K] with class indices labels[B]. */
extern double mk_softmax_xent_forward(const float *logits, const int32_t *labels,
									  const float *weight, int B, int K);
extern void mk_softmax_xent_backward(float *dlogits, const float *logits,
									 const int32_t *labels, const float *weight,
									 int B, int K);

/* Mean squared error on pred[B] against targets[B]. */
extern double mk_mse_forward(const float *pred, const float *targets,
							 const float *weight, int B);
extern void mk_mse_backward(float *dpred, const float *pred,
							const float *targets, const float *weight, int B);

/*
 * Mean absolute error on pred[B] against targets[B]; its minimiser is the
 * median, which a few outlying targets cannot drag.  The gradient at a
 * zero error is taken as 0.
 */
extern double mk_mae_forward(const float *pred, const float *targets,
							 const float *weight, int B);
extern void mk_mae_backward(float *dpred, const float *pred,
							const float *targets, const float *weight, int B);

/* probs[K] = softmax(logits[K]), stable. */
extern void mk_softmax(float *probs, const float *logits, int K);

#endif							/* MK_LOSS_H */
