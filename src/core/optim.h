/*
 * optim.h
 *		Parameter updates over one contiguous block of n parameters.
 */
#ifndef MK_OPTIM_H
#define MK_OPTIM_H

#include <stddef.h>

/*
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"):
 * m and v are the moment buffers, step is the 1-based step count used for
 * bias correction; the decay is applied to the parameters directly.
 */
extern void mk_adamw_update(float *params, const float *grads, float *m,
							float *v, size_t n, long step, float lr,
							float beta1, float beta2, float eps,
							float weight_decay);

/*
 * SGD with (heavy-ball) momentum, as PyTorch defines it:
 * velocity = momentum * velocity + (grad + weight_decay * param);
 * param -= lr * velocity.
 */
extern void mk_sgd_update(float *params, const float *grads, float *velocity,
						  size_t n, float lr, float momentum,
						  float weight_decay);

#endif							/* MK_OPTIM_H */
