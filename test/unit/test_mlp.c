/*
 * test_mlp.c
 *		Unit tests of the MLP: configuration checks, the parameter layout,
 *		initialisation bounds, forward against a naive double computation,
 *		and backward against central finite differences, with and without
 *		dropout (a fixed mask: the dropout stream is reseeded every pass).
 */
#include <math.h>
#include <string.h>

#include "core/mk_alloc.h"
#include "core/mlp.h"
#include "unit.h"

#define MB 4					/* rows per test batch */
#define MLP_EPS 1e-3f

/* A network under test with its parameters, gradients and batch. */
typedef struct MlpCase
{
	MkMlpConfig cfg;
	size_t		n_params;
	float	   *params;
	float	   *grads;
	MkMlpParams p;
	MkMlpParams g;
	MkMlpActs  *acts;
	float	   *x;				/* [MB, sizes[0]] */
	float	   *R;				/* [MB, sizes[n_dense]] */
	uint64_t	dropout_seed;
} MlpCase;

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* A 2-hidden-layer config: 4 -> 6 -> 5 -> 3. */
static MkMlpConfig
small_config(MkActivation act, float dropout)
{
	MkMlpConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_dense = 3;
	cfg.sizes[0] = 4;
	cfg.sizes[1] = 6;
	cfg.sizes[2] = 5;
	cfg.sizes[3] = 3;
	cfg.activation = act;
	cfg.dropout = dropout;
	return cfg;
}

/* The activation in double, for the naive forward. */
static double
naive_act(MkActivation act, double z)
{
	switch (act)
	{
		case MK_ACT_RELU:
			return z > 0.0 ? z : 0.0;
		case MK_ACT_TANH:
			return tanh(z);
		case MK_ACT_SIGMOID:
			return 1.0 / (1.0 + exp(-z));
	}
	return NAN;
}

/*
 * Forward pass of row x[sizes[0]] without dropout, in double; writes the
 * logits and returns the smallest |pre-activation| of the hidden layers
 * (how far the row is from a ReLU kink).
 */
static double
naive_forward(const MlpCase *mc, const float *x, double *logits)
{
	double		a[64],
				z[64];
	double		margin = INFINITY;
	int			L = mc->cfg.n_dense;

	for (int c = 0; c < mc->cfg.sizes[0]; c++)
		a[c] = x[c];
	for (int l = 0; l < L; l++)
	{
		int			C = mc->cfg.sizes[l];

		for (int o = 0; o < mc->cfg.sizes[l + 1]; o++)
		{
			z[o] = mc->p.bias[l][o];
			for (int c = 0; c < C; c++)
				z[o] += (double) mc->p.weight[l][o * C + c] * a[c];
		}
		for (int o = 0; o < mc->cfg.sizes[l + 1]; o++)
		{
			if (l < L - 1)
				margin = fmin(margin, fabs(z[o]));
			a[o] = l < L - 1 ? naive_act(mc->cfg.activation, z[o]) : z[o];
		}
	}
	memcpy(logits, a, mc->cfg.sizes[L] * sizeof(double));
	return margin;
}

/* Builds a case: init from seed, random inputs and upstream gradient. */
static void
mlp_case(MlpCase *mc, MkActivation act, float dropout, uint64_t seed)
{
	MkRng		rng;
	int			K;

	memset(mc, 0, sizeof(MlpCase));
	mc->cfg = small_config(act, dropout);
	K = mc->cfg.sizes[mc->cfg.n_dense];
	mc->n_params = mk_mlp_num_params(&mc->cfg);
	mc->params = floats(mc->n_params);
	mc->grads = floats(mc->n_params);
	mk_mlp_bind(&mc->p, mc->params, &mc->cfg);
	mk_mlp_bind(&mc->g, mc->grads, &mc->cfg);
	mc->acts = mk_mlp_acts_create(&mc->cfg, MB);
	mc->x = floats(MB * mc->cfg.sizes[0]);
	mc->R = floats(MB * K);
	mc->dropout_seed = seed + 1000;
	mk_rng_seed(&rng, seed);
	mk_mlp_init(mc->params, &mc->cfg, &rng);
	for (int i = 0; i < MB * mc->cfg.sizes[0]; i++)
		mc->x[i] = (float) (2.0 * mk_rng_uniform(&rng) - 1.0);
	for (int i = 0; i < MB * K; i++)
		mc->R[i] = (float) (2.0 * mk_rng_uniform(&rng) - 1.0);
}

/* Frees a case. */
static void
mlp_case_free(MlpCase *mc)
{
	mk_free(mc->params);
	mk_free(mc->grads);
	mk_free(mc->x);
	mk_free(mc->R);
	mk_mlp_acts_free(mc->acts);
}

/* Training forward of rows [row, row + B) with the fixed dropout stream. */
static const float *
case_forward(MlpCase *mc, int row, int B)
{
	MkRng		rng;

	mk_rng_seed(&rng, mc->dropout_seed);
	return mk_mlp_forward(&mc->cfg, &mc->p, mc->acts,
						  mc->x + row * mc->cfg.sizes[0], B, true, &rng);
}

/* L = sum(logits * R) over the whole batch, in double. */
static double
case_objective(MlpCase *mc)
{
	int			K = mc->cfg.sizes[mc->cfg.n_dense];
	const float *logits = case_forward(mc, 0, MB);
	double		sum = 0.0;

	for (int i = 0; i < MB * K; i++)
		sum += (double) logits[i] * mc->R[i];
	return sum;
}

/* Central differences of the objective over x[n]. */
static void
numeric_gradient(MlpCase *mc, float *x, size_t n, float *grad)
{
	for (size_t i = 0; i < n; i++)
	{
		float		saved = x[i];
		float		hi = saved + MLP_EPS,
					lo = saved - MLP_EPS;
		double		plus,
					minus;

		x[i] = hi;
		plus = case_objective(mc);
		x[i] = lo;
		minus = case_objective(mc);
		x[i] = saved;
		grad[i] = (float) ((plus - minus) / ((double) hi - lo));
	}
}

/* dx[MB, sizes[0]] = d L / d x from one training forward and backward. */
static void
input_gradient(MlpCase *mc, float *dx)
{
	memset(dx, 0, MB * mc->cfg.sizes[0] * sizeof(float));
	case_forward(mc, 0, MB);
	memset(mc->grads, 0, mc->n_params * sizeof(float));
	mk_mlp_backward(&mc->cfg, &mc->g, dx, mc->acts, &mc->p, mc->R, mc->x,
					MB);
}

/* Smallest distance of any row to a ReLU kink under the current params. */
static double
kink_margin(const MlpCase *mc)
{
	double		logits[64];
	double		margin = INFINITY;

	for (int b = 0; b < MB; b++)
		margin = fmin(margin,
					  naive_forward(mc, mc->x + b * mc->cfg.sizes[0], logits));
	return margin;
}

/* Backward of every parameter and of the input against finite differences. */
static void
test_mlp_gradients(MkActivation act, float dropout, const char *name)
{
	MlpCase		mc;
	float	   *num,
			   *dx;
	size_t		nx = MB * 4;
	uint64_t	seed = 1;

	/* pick an initialisation whose pre-activations keep clear of 0 */
	mlp_case(&mc, act, dropout, seed);
	while (act == MK_ACT_RELU && kink_margin(&mc) < 0.02 && seed < 200)
	{
		mlp_case_free(&mc);
		mlp_case(&mc, act, dropout, ++seed);
	}
	num = floats(mc.n_params);
	dx = floats(nx);
	case_forward(&mc, 0, MB);
	mk_mlp_backward(&mc.cfg, &mc.g, NULL, mc.acts, &mc.p, mc.R, mc.x, MB);
	numeric_gradient(&mc, mc.params, mc.n_params, num);
	unit_check(unit_max_rel_diff(mc.grads, num, mc.n_params) < 1e-2,
			   "mlp: %s parameter gradients match finite differences (%.2g)",
			   name, unit_max_rel_diff(mc.grads, num, mc.n_params));
	input_gradient(&mc, dx);
	numeric_gradient(&mc, mc.x, nx, num);
	unit_check(unit_max_rel_diff(dx, num, nx) < 1e-2,
			   "mlp: %s input gradient matches finite differences (%.2g)",
			   name, unit_max_rel_diff(dx, num, nx));
	mk_free(num);
	mk_free(dx);
	mlp_case_free(&mc);
}

/*
 * Backward accumulates: two passes give twice the parameter and input
 * gradients; asking for the input gradient leaves the others unchanged.
 */
static void
test_mlp_accumulates(void)
{
	MlpCase		mc;
	float	   *once,
			   *dx,
			   *dx_twice;
	size_t		nx = MB * 4;

	mlp_case(&mc, MK_ACT_TANH, 0.0f, 5);
	once = floats(mc.n_params);
	dx = floats(nx);
	dx_twice = floats(nx);
	case_forward(&mc, 0, MB);
	mk_mlp_backward(&mc.cfg, &mc.g, NULL, mc.acts, &mc.p, mc.R, mc.x, MB);
	memcpy(once, mc.grads, mc.n_params * sizeof(float));
	memset(mc.grads, 0, mc.n_params * sizeof(float));
	case_forward(&mc, 0, MB);
	mk_mlp_backward(&mc.cfg, &mc.g, dx, mc.acts, &mc.p, mc.R, mc.x, MB);
	unit_check(memcmp(once, mc.grads, mc.n_params * sizeof(float)) == 0,
			   "mlp: the input gradient leaves the parameter gradients as "
			   "they are");
	for (size_t i = 0; i < mc.n_params; i++)
		once[i] = 2.0f * mc.grads[i];
	for (size_t i = 0; i < nx; i++)
		dx_twice[i] = 2.0f * dx[i];
	case_forward(&mc, 0, MB);
	mk_mlp_backward(&mc.cfg, &mc.g, dx, mc.acts, &mc.p, mc.R, mc.x, MB);
	unit_check(unit_max_rel_diff(mc.grads, once, mc.n_params) < 1e-5,
			   "mlp: backward accumulates into the gradients");
	unit_check(unit_max_rel_diff(dx, dx_twice, nx) < 1e-5,
			   "mlp: backward accumulates into the input gradient");
	mk_free(once);
	mk_free(dx);
	mk_free(dx_twice);
	mlp_case_free(&mc);
}

/* Forward (evaluation mode, dropout ignored) against the naive one. */
static void
test_mlp_forward(MkActivation act, const char *name)
{
	MlpCase		mc;
	double		want[64];
	float		wantf[MB * 3];
	const float *logits;
	double		row_diff = 0.0;
	float	   *first_weight_t;

	mlp_case(&mc, act, 0.5f, 9);
	logits = mk_mlp_forward(&mc.cfg, &mc.p, mc.acts, mc.x, MB, false, NULL);
	for (int b = 0; b < MB; b++)
	{
		naive_forward(&mc, mc.x + b * 4, want);
		for (int k = 0; k < 3; k++)
			wantf[b * 3 + k] = (float) want[k];
	}
	unit_check(unit_max_rel_diff(logits, wantf, MB * 3) < 1e-5,
			   "mlp: %s forward in evaluation mode matches naive double", name);
	/*
	 * one row at a time, an input of each row zero: the first layer takes
	 * the sparse loop, the others the one-row loop
	 */
	first_weight_t = mk_mlp_first_weight_t(&mc.cfg, &mc.p);
	for (int b = 0; b < MB; b++)
	{
		mc.x[b * 4 + b % 4] = 0.0f;
		naive_forward(&mc, mc.x + b * 4, want);
		for (int k = 0; k < 3; k++)
			wantf[b * 3 + k] = (float) want[k];
		logits = mk_mlp_forward_row(&mc.cfg, &mc.p, first_weight_t, mc.acts,
									mc.x + b * 4);
		row_diff = fmax(row_diff, unit_max_rel_diff(logits, wantf + b * 3, 3));
	}
	unit_check(row_diff < 1e-5,
			   "mlp: %s forward of one row at a time matches naive double", name);
	mk_free(first_weight_t);
	mlp_case_free(&mc);
}

/* num_params, the bind layout, and initialisation within the bounds. */
static void
test_mlp_layout(void)
{
	MkMlpConfig cfg = small_config(MK_ACT_TANH, 0.0f);
	MkMlpParams p;
	float	   *block;
	MkRng		rng;
	bool		bounded = true;
	double		top = 0.0;

	unit_check(mk_mlp_num_params(&cfg) == 6 * 4 + 6 + 5 * 6 + 5 + 3 * 5 + 3,
			   "mlp: num_params of 4-6-5-3 is 83");
	block = floats(mk_mlp_num_params(&cfg));
	mk_mlp_bind(&p, block, &cfg);
	unit_check(p.weight[0] == block && p.bias[0] == block + 24 &&
			   p.weight[1] == block + 30 && p.bias[1] == block + 60 &&
			   p.weight[2] == block + 65 && p.bias[2] == block + 80,
			   "mlp: bind lays out weight then bias, layer by layer");
	mk_rng_seed(&rng, 77);
	mk_mlp_init(block, &cfg, &rng);
	for (int l = 0; l < 3; l++)
	{
		double		bound = 1.0 / sqrt(cfg.sizes[l]);
		int			n = cfg.sizes[l + 1] * (cfg.sizes[l] + 1);

		for (int i = 0; i < n; i++)
		{
			bounded = bounded && fabs(p.weight[l][i]) <= bound;
			top = fmax(top, fabs(p.weight[l][i]) / bound);
		}
	}
	unit_check(bounded && top > 0.9,
			   "mlp: init within +-1/sqrt(fan_in) and spread to the bound");
	mk_free(block);
}

/* Invalid configurations are rejected with a message. */
static void
test_mlp_config_errors(void)
{
	MkMlpConfig good = small_config(MK_ACT_RELU, 0.1f);
	MkMlpConfig bad;

	unit_check(mk_mlp_config_error(&good) == NULL, "mlp: valid config");
	bad = good;
	bad.n_dense = 0;
	unit_check(mk_mlp_config_error(&bad) != NULL, "mlp: rejects 0 layers");
	bad.n_dense = MK_MLP_MAX_DENSE + 1;
	unit_check(mk_mlp_config_error(&bad) != NULL, "mlp: rejects 9 layers");
	bad = good;
	bad.sizes[2] = 0;
	unit_check(mk_mlp_config_error(&bad) != NULL, "mlp: rejects size 0");
	bad = good;
	bad.activation = (MkActivation) 7;
	unit_check(mk_mlp_config_error(&bad) != NULL,
			   "mlp: rejects an unknown activation");
	bad = good;
	bad.dropout = 1.0f;
	unit_check(mk_mlp_config_error(&bad) != NULL, "mlp: rejects dropout 1");
	bad.dropout = -0.1f;
	unit_check(mk_mlp_config_error(&bad) != NULL, "mlp: rejects dropout < 0");
	bad.dropout = NAN;
	unit_check(mk_mlp_config_error(&bad) != NULL, "mlp: rejects dropout NaN");
	bad = good;
	bad.n_dense = 8;
	for (int l = 0; l <= 8; l++)
		bad.sizes[l] = 2000000000;
	unit_check(mk_mlp_config_error(&bad) != NULL,
			   "mlp: rejects a parameter count that overflows");
}

/* Runs the mlp group. */
void
test_mlp(void)
{
	test_mlp_config_errors();
	test_mlp_layout();
	test_mlp_forward(MK_ACT_TANH, "tanh");
	test_mlp_forward(MK_ACT_RELU, "relu");
	test_mlp_gradients(MK_ACT_TANH, 0.0f, "tanh");
	test_mlp_gradients(MK_ACT_RELU, 0.0f, "relu");
	test_mlp_gradients(MK_ACT_SIGMOID, 0.0f, "sigmoid");
	test_mlp_gradients(MK_ACT_TANH, 0.3f, "tanh with dropout 0.3");
	test_mlp_gradients(MK_ACT_RELU, 0.3f, "relu with dropout 0.3");
	test_mlp_accumulates();
}
