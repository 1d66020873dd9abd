/*
 * optim.c
 *		Optimisers over one contiguous block of parameters: AdamW and SGD
 *		with momentum, each step exactly as PyTorch's torch.optim computes it
 *		(default, non-amsgrad, non-Nesterov, no dampening).
 */
#include <math.h>

#include "optim.h"

/*
 * One AdamW step (Loshchilov & Hutter 2019, Algorithm 2; PyTorch order):
 *	p  *= 1 - lr wd							decoupled weight decay
 *	m   = b1 m + (1 - b1) g
 *	v   = b2 v + (1 - b2) g^2
 *	p  -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * The bias corrections are computed once per step, in double.
 */
void
mk_adamw_update(float *params, const float *grads, float *m,
				float *v, size_t n, long step, float lr,
				float beta1, float beta2, float eps,
				float weight_decay)
{
	double		bc1 = 1.0 - pow(beta1, (double) step);
	double		bc2 = 1.0 - pow(beta2, (double) step);
	float		decay = (float) (1.0 - (double) lr * weight_decay);
	float		step_size = (float) (lr / bc1);
	float		bc2_sqrt = (float) sqrt(bc2);

	for (size_t i = 0; i < n; i++)
	{
		float		g = grads[i];
		float		denom;

		params[i] *= decay;
		m[i] = beta1 * m[i] + (1.0f - beta1) * g;
		v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
		denom = sqrtf(v[i]) / bc2_sqrt + eps;
		params[i] -= step_size * m[i] / denom;
	}
}

/*
 * One SGD step with heavy-ball momentum (PyTorch's torch.optim.SGD):
 *	d  = g + wd p
 *	vel = momentum vel + d					(vel starts at 0, so step 1 is d)
 *	p  -= lr vel
 */
void
mk_sgd_update(float *params, const float *grads, float *velocity,
			  size_t n, float lr, float momentum,
			  float weight_decay)
{
	for (size_t i = 0; i < n; i++)
	{
		float		d = grads[i] + weight_decay * params[i];

		velocity[i] = momentum * velocity[i] + d;
		params[i] -= lr * velocity[i];
	}
}
