/*
 * test_optim.c
 *		Unit tests of the optimisers: a few AdamW and SGD-momentum steps,
 *		with weight decay, against the PyTorch update rules written out by
 *		hand in double.
 */
#include <math.h>

#include "core/optim.h"
#include "unit.h"

#define ON 5					/* parameters */
#define OSTEPS 4				/* steps per test */

static const float start_params[ON] = {0.5f, -1.25f, 2.0f, 0.0f, -0.03f};

/* A different gradient for every step and parameter, some of them zero. */
static float
grad_at(int step, int i)
{
	static const float g[OSTEPS][ON] = {
		{0.1f, -0.2f, 0.3f, 1.5f, 0.0f},
		{-0.4f, 0.05f, 0.3f, -2.0f, 0.01f},
		{0.2f, 0.2f, -0.6f, 0.7f, 0.0f},
		{1e-4f, -3.0f, 0.0f, 0.25f, -0.5f}
	};

	return g[step][i];
}

/* AdamW against torch.optim.AdamW's arithmetic in double. */
static void
test_adamw(void)
{
	const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
	float		p[ON], g[ON], m[ON] = {0}, v[ON] = {0};
	double		rp[ON], rm[ON] = {0}, rv[ON] = {0};
	double		worst = 0.0;

	for (int i = 0; i < ON; i++)
		p[i] = rp[i] = start_params[i];
	for (int t = 1; t <= OSTEPS; t++)
	{
		for (int i = 0; i < ON; i++)
		{
			double		gi = g[i] = grad_at(t - 1, i);

			rp[i] *= 1.0 - lr * wd;
			rm[i] = b1 * rm[i] + (1.0 - b1) * gi;
			rv[i] = b2 * rv[i] + (1.0 - b2) * gi * gi;
			rp[i] -= lr / (1.0 - pow(b1, t)) * rm[i] /
				(sqrt(rv[i]) / sqrt(1.0 - pow(b2, t)) + eps);
		}
		mk_adamw_update(p, g, m, v, ON, t, (float) lr, (float) b1,
						(float) b2, (float) eps, (float) wd);
		for (int i = 0; i < ON; i++)
			worst = fmax(worst, fabs(p[i] - rp[i]));
		if (t == 1)
			unit_close(p[0], 0.5 * (1.0 - lr * wd) - lr, 1e-6,
					   "optim: first adamw step moves by lr * sign(grad)");
	}
	unit_check(worst < 1e-6, "optim: %d adamw steps match the reference "
			   "(max diff %.2g)", OSTEPS, worst);
}

/* With zero gradients AdamW only decays: p (1 - lr wd)^t. */
static void
test_adamw_decay_only(void)
{
	float		p = 2.0f, g = 0.0f, m = 0.0f, v = 0.0f;

	for (long t = 1; t <= 3; t++)
		mk_adamw_update(&p, &g, &m, &v, 1, t, 0.5f, 0.9f, 0.999f, 1e-8f,
						0.2f);
	unit_close(p, 2.0 * pow(0.9, 3), 1e-6,
			   "optim: adamw with zero gradients only decays the weights");
}

/* SGD with momentum and weight decay against torch.optim.SGD in double. */
static void
test_sgd(double momentum)
{
	const double lr = 0.1, wd = 0.01;
	float		p[ON], g[ON], vel[ON] = {0};
	double		rp[ON], rvel[ON] = {0};
	double		worst = 0.0;

	for (int i = 0; i < ON; i++)
		p[i] = rp[i] = start_params[i];
	for (int t = 0; t < OSTEPS; t++)
	{
		for (int i = 0; i < ON; i++)
		{
			double		d = (g[i] = grad_at(t, i)) + wd * rp[i];

			/* PyTorch: buf = d on the first step, then momentum buf + d */
			rvel[i] = t == 0 ? d : momentum * rvel[i] + d;
			rp[i] -= lr * rvel[i];
		}
		mk_sgd_update(p, g, vel, ON, (float) lr, (float) momentum,
					  (float) wd);
		for (int i = 0; i < ON; i++)
			worst = fmax(worst, fabs(p[i] - rp[i]));
	}
	unit_check(worst < 1e-6, "optim: %d sgd steps, momentum %.1f, match the "
			   "reference (max diff %.2g)", OSTEPS, momentum, worst);
}

/* Runs the optim group. */
void
test_optim(void)
{
	test_adamw();
	test_adamw_decay_only();
	test_sgd(0.9);
	test_sgd(0.0);
}
