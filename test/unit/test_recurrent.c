/*
 * test_recurrent.c
 *		Unit tests of the LSTM and GRU layers: configuration checks, the
 *		parameter layout, backward against central finite differences with
 *		mixed sequence lengths, masking, the streaming step API against the
 *		batch forward, the forward against PyTorch's numbers, gradient
 *		clipping and determinism under dropout.
 */
#include <math.h>
#include <string.h>

#include "core/mk_alloc.h"
#include "core/recurrent.h"
#include "recurrent_reference.h"
#include "unit.h"

#define RB 3					/* sequences per test batch */
#define RT 5					/* steps per sequence */
#define RC 3					/* input channels */
#define RH 4					/* hidden units */
#define RNN_EPS 1e-3f

/* Left-aligned lengths of the test batch: full, short, in between. */
static const int32_t mixed_lengths[RB] = {5, 2, 4};

/* A network under test with its parameters, gradients and batch. */
typedef struct RnnCase
{
	MkRnnConfig cfg;
	size_t		n_params;
	float	   *params;
	float	   *grads;
	MkRnnParams p;
	MkRnnParams g;
	MkRnnCache *cache;
	float	   *x;				/* [RB, RT, RC] */
	float	   *R;				/* [RB, RH] */
	int32_t		lengths[RB];
	uint64_t	dropout_seed;
} RnnCase;

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* A configuration with the test's sizes. */
static MkRnnConfig
rnn_config(MkCell cell, int n_layers, float dropout)
{
	MkRnnConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.cell = cell;
	cfg.n_layers = n_layers;
	cfg.input = RC;
	cfg.hidden = RH;
	cfg.dropout = dropout;
	return cfg;
}

/* Builds a case: init from seed, random inputs and upstream gradient. */
static void
rnn_case(RnnCase *rc, MkCell cell, int n_layers, float dropout,
		 uint64_t seed)
{
	MkRng		rng;

	memset(rc, 0, sizeof(RnnCase));
	rc->cfg = rnn_config(cell, n_layers, dropout);
	rc->n_params = mk_rnn_num_params(&rc->cfg);
	rc->params = floats(rc->n_params);
	rc->grads = floats(rc->n_params);
	mk_rnn_bind(&rc->p, rc->params, &rc->cfg);
	mk_rnn_bind(&rc->g, rc->grads, &rc->cfg);
	rc->cache = mk_rnn_cache_create(&rc->cfg, RB, RT);
	rc->x = floats(RB * RT * RC);
	rc->R = floats(RB * RH);
	memcpy(rc->lengths, mixed_lengths, sizeof(mixed_lengths));
	rc->dropout_seed = seed + 1000;
	mk_rng_seed(&rng, seed);
	mk_rnn_init(rc->params, &rc->cfg, &rng);
	for (int i = 0; i < RB * RT * RC; i++)
		rc->x[i] = (float) (2.0 * mk_rng_uniform(&rng) - 1.0);
	for (int i = 0; i < RB * RH; i++)
		rc->R[i] = (float) (2.0 * mk_rng_uniform(&rng) - 1.0);
}

/* Frees a case. */
static void
rnn_case_free(RnnCase *rc)
{
	mk_free(rc->params);
	mk_free(rc->grads);
	mk_free(rc->x);
	mk_free(rc->R);
	mk_rnn_cache_free(rc->cache);
}

/* Training forward of the batch with the case's fixed dropout stream. */
static const float *
case_forward(RnnCase *rc)
{
	MkRng		rng;

	mk_rng_seed(&rng, rc->dropout_seed);
	return mk_rnn_forward(&rc->cfg, &rc->p, rc->cache, rc->x, rc->lengths,
						  RB, RT, true, &rng);
}

/* Zeroes the gradients and runs forward and backward of L = sum(h R). */
static void
case_backward(RnnCase *rc, float *dx)
{
	memset(rc->grads, 0, rc->n_params * sizeof(float));
	if (dx != NULL)
		memset(dx, 0, RB * RT * RC * sizeof(float));
	case_forward(rc);
	mk_rnn_backward(&rc->cfg, &rc->g, dx, rc->cache, &rc->p, rc->R, rc->x,
					rc->lengths, RB, RT);
}

/* L = sum(final_h * R) over the whole batch, in double. */
static double
case_objective(RnnCase *rc)
{
	const float *h = case_forward(rc);
	double		sum = 0.0;

	for (int i = 0; i < RB * RH; i++)
		sum += (double) h[i] * rc->R[i];
	return sum;
}

/* Central differences of the objective over v[n]. */
static void
numeric_gradient(RnnCase *rc, float *v, size_t n, float *grad)
{
	for (size_t i = 0; i < n; i++)
	{
		float		saved = v[i];
		float		hi = saved + RNN_EPS,
					lo = saved - RNN_EPS;
		double		plus,
					minus;

		v[i] = hi;
		plus = case_objective(rc);
		v[i] = lo;
		minus = case_objective(rc);
		v[i] = saved;
		grad[i] = (float) ((plus - minus) / ((double) hi - lo));
	}
}

/* Compares one parameter tensor's analytic gradient with the numeric one. */
static void
check_tensor(RnnCase *rc, float *param, const float *grad, size_t n,
			 const char *name, const char *tensor, int l)
{
	float	   *num = floats(n);
	double		diff;

	numeric_gradient(rc, param, n, num);
	diff = unit_max_rel_diff(grad, num, n);
	unit_check(diff < 1e-3,
			   "recurrent: %s %s_l%d gradient matches finite differences "
			   "(%.2g)", name, tensor, l, diff);
	mk_free(num);
}

/*
 * Every parameter tensor's gradient and the input gradient against central
 * finite differences, with mixed lengths; the input gradient at padding
 * steps must be exactly 0.
 */
static void
test_rnn_gradients(MkCell cell, int n_layers, float dropout,
				   const char *name)
{
	RnnCase		rc;
	size_t		nx = RB * RT * RC;
	float	   *dx = floats(nx);
	float	   *num = floats(nx);
	bool		padding_zero = true;
	double		diff;

	rnn_case(&rc, cell, n_layers, dropout, 3);
	case_backward(&rc, dx);
	for (int l = 0; l < n_layers; l++)
	{
		size_t		GH = (size_t) (cell == MK_CELL_LSTM ? 4 : 3) * RH;
		size_t		C = l == 0 ? RC : RH;

		check_tensor(&rc, rc.p.weight_ih[l], rc.g.weight_ih[l], GH * C,
					 name, "weight_ih", l);
		check_tensor(&rc, rc.p.weight_hh[l], rc.g.weight_hh[l], GH * RH,
					 name, "weight_hh", l);
		check_tensor(&rc, rc.p.bias_ih[l], rc.g.bias_ih[l], GH,
					 name, "bias_ih", l);
		check_tensor(&rc, rc.p.bias_hh[l], rc.g.bias_hh[l], GH,
					 name, "bias_hh", l);
	}
	numeric_gradient(&rc, rc.x, nx, num);
	diff = unit_max_rel_diff(dx, num, nx);
	unit_check(diff < 1e-3,
			   "recurrent: %s input gradient matches finite differences "
			   "(%.2g)", name, diff);
	for (int b = 0; b < RB; b++)
	{
		for (int i = rc.lengths[b] * RC; i < RT * RC; i++)
			padding_zero = padding_zero && dx[b * RT * RC + i] == 0.0f;
	}
	unit_check(padding_zero,
			   "recurrent: %s input gradient is 0 at padding steps", name);
	mk_free(dx);
	mk_free(num);
	rnn_case_free(&rc);
}

/*
 * Masking: changing the inputs after a row's length changes neither the
 * outputs nor any gradient; each row's final state is the one it reaches
 * alone, run for exactly its length; a row of length 0 ends in zeros.
 */
static void
test_rnn_masking(MkCell cell, const char *name)
{
	RnnCase		rc;
	size_t		nx = RB * RT * RC;
	float	   *final = floats(RB * RH);
	float	   *grads;
	float	   *dx = floats(nx);
	float	   *dx2 = floats(nx);
	MkRng		rng;
	MkRnnCache *single;
	double		worst = 0.0;
	bool		zero = true;

	rnn_case(&rc, cell, 2, 0.0f, 11);
	grads = floats(rc.n_params);
	case_backward(&rc, dx);
	memcpy(final, rc.cache->final, RB * RH * sizeof(float));
	memcpy(grads, rc.grads, rc.n_params * sizeof(float));
	mk_rng_seed(&rng, 99);
	for (int b = 0; b < RB; b++)
	{
		for (int i = rc.lengths[b] * RC; i < RT * RC; i++)
			rc.x[b * RT * RC + i] = (float) (10.0 * mk_rng_normal(&rng));
	}
	case_backward(&rc, dx2);
	unit_check(memcmp(final, rc.cache->final, RB * RH * sizeof(float)) == 0,
			   "recurrent: %s padding inputs leave the final states as they "
			   "are", name);
	unit_check(memcmp(grads, rc.grads, rc.n_params * sizeof(float)) == 0,
			   "recurrent: %s padding inputs leave the parameter gradients "
			   "as they are", name);
	unit_check(memcmp(dx, dx2, nx * sizeof(float)) == 0,
			   "recurrent: %s padding inputs leave the input gradient as it "
			   "is", name);

	/* each row alone, for its own length */
	single = mk_rnn_cache_create(&rc.cfg, 1, RT);
	for (int b = 0; b < RB; b++)
	{
		const float *h = mk_rnn_forward(&rc.cfg, &rc.p, single,
										rc.x + b * RT * RC, &rc.lengths[b],
										1, rc.lengths[b], false, NULL);

		worst = fmax(worst, unit_max_rel_diff(h, final + b * RH, RH));
	}
	unit_check(worst < 1e-6,
			   "recurrent: %s a row's final state is the one it reaches "
			   "alone (%.2g)", name, worst);

	/* a row of length 0 */
	rc.lengths[1] = 0;
	case_forward(&rc);
	for (int j = 0; j < RH; j++)
		zero = zero && rc.cache->final[RH + j] == 0.0f;
	unit_check(zero, "recurrent: %s a row of length 0 ends in the zero "
			   "state", name);
	mk_rnn_cache_free(single);
	mk_free(final);
	mk_free(grads);
	mk_free(dx);
	mk_free(dx2);
	rnn_case_free(&rc);
}

/*
 * The step API, one sequence at a time, against the batch forward in
 * evaluation mode: after every real step its top hidden state equals the
 * forward's output at that step, and at the end its final state.
 */
static void
test_rnn_step(MkCell cell, int n_layers, const char *name)
{
	RnnCase		rc;
	float	   *state,
			   *scratch;
	const float *final,
			   *outputs;
	double		worst_step = 0.0,
				worst_final = 0.0;

	rnn_case(&rc, cell, n_layers, 0.3f, 21);
	state = floats(mk_rnn_state_size(&rc.cfg));
	scratch = floats(mk_rnn_step_scratch_size(&rc.cfg));
	final = mk_rnn_forward(&rc.cfg, &rc.p, rc.cache, rc.x, rc.lengths,
						   RB, RT, false, NULL);
	outputs = mk_rnn_outputs(rc.cache);
	for (int b = 0; b < RB; b++)
	{
		const float *h = NULL;

		memset(state, 0, mk_rnn_state_size(&rc.cfg) * sizeof(float));
		for (int t = 0; t < rc.lengths[b]; t++)
		{
			h = mk_rnn_step(&rc.cfg, &rc.p, state,
							rc.x + (b * RT + t) * RC, scratch);
			worst_step = fmax(worst_step,
							  unit_max_rel_diff(h, outputs +
												(b * RT + t) * RH, RH));
		}
		worst_final = fmax(worst_final,
						   unit_max_rel_diff(h, final + b * RH, RH));
	}
	unit_check(worst_step < 1e-5,
			   "recurrent: %s step API matches forward at every step (%.2g)",
			   name, worst_step);
	unit_check(worst_final < 1e-5,
			   "recurrent: %s step API ends in forward's final state (%.2g)",
			   name, worst_final);
	mk_free(state);
	mk_free(scratch);
	rnn_case_free(&rc);
}

/*
 * Forward against PyTorch's nn.LSTM / nn.GRU on the fixed weights and
 * inputs of recurrent_reference.h: the final states, and the top layer's
 * outputs at real steps (PyTorch's are zero at padding).
 */
static void
test_rnn_reference(MkCell cell, const char *name, int ref_params,
				   const float *ref_final, const float *ref_out)
{
	MkRnnConfig cfg = rnn_config(cell, RNN_REF_L, 0.0f);
	size_t		n = mk_rnn_num_params(&cfg);
	float	   *block = floats(n);
	float		x[RNN_REF_B * RNN_REF_T * RNN_REF_C];
	float		out[RNN_REF_B * RNN_REF_T * RNN_REF_H];
	int32_t		lengths[RNN_REF_B];
	MkRnnParams p;
	MkRnnCache *cache = mk_rnn_cache_create(&cfg, RNN_REF_B, RNN_REF_T);
	const float *final,
			   *hs;
	double		diff;

	unit_check(n == (size_t) ref_params,
			   "recurrent: %s has PyTorch's %d parameters", name, ref_params);
	for (size_t i = 0; i < n; i++)
		block[i] = (float) (0.3 * sin(0.1 * (double) i));
	for (int j = 0; j < RNN_REF_B * RNN_REF_T * RNN_REF_C; j++)
		x[j] = (float) cos(0.05 * j);
	for (int b = 0; b < RNN_REF_B; b++)
		lengths[b] = rnn_ref_lengths[b];
	mk_rnn_bind(&p, block, &cfg);
	final = mk_rnn_forward(&cfg, &p, cache, x, lengths, RNN_REF_B, RNN_REF_T,
						   false, NULL);
	diff = unit_max_rel_diff(final, ref_final, RNN_REF_B * RNN_REF_H);
	unit_check(diff < 1e-5,
			   "recurrent: %s final states match PyTorch (%.2g)", name, diff);
	hs = mk_rnn_outputs(cache);
	for (int b = 0; b < RNN_REF_B; b++)
	{
		for (int t = 0; t < RNN_REF_T; t++)
		{
			for (int j = 0; j < RNN_REF_H; j++)
			{
				int			i = (b * RNN_REF_T + t) * RNN_REF_H + j;

				out[i] = t < lengths[b] ? hs[i] : 0.0f;
			}
		}
	}
	diff = unit_max_rel_diff(out, ref_out, RNN_REF_B * RNN_REF_T * RNN_REF_H);
	unit_check(diff < 1e-5,
			   "recurrent: %s outputs at real steps match PyTorch (%.2g)",
			   name, diff);
	mk_free(block);
	mk_rnn_cache_free(cache);
}

/* mk_clip_grad_norm against the norm and scaling computed by hand. */
static void
test_rnn_clip(void)
{
	float		g[4] = {3.0f, -4.0f, 0.0f, 0.0f};
	float		v[10];
	double		sum = 0.0;
	double		norm;

	norm = mk_clip_grad_norm(g, 4, 10.0f);
	unit_close(norm, 5.0, 1e-12, "recurrent: clip returns the norm 5");
	unit_check(g[0] == 3.0f && g[1] == -4.0f,
			   "recurrent: clip leaves a norm below max_norm unscaled");
	norm = mk_clip_grad_norm(g, 4, 1.0f);
	unit_close(norm, 5.0, 1e-12, "recurrent: clip returns the norm before "
			   "clipping");
	unit_close(g[0], 3.0 / (5.0 + 1e-6), 1e-7,
			   "recurrent: clip scales by max_norm / (norm + 1e-6)");
	unit_close(g[1], -4.0 / (5.0 + 1e-6), 1e-7,
			   "recurrent: clip scales every gradient alike");
	/* -2.25, -1.75, ..., 2.25: squares sum to 2 * 10.3125 = 20.625 */
	for (int i = 0; i < 10; i++)
		v[i] = 0.5f * (float) i - 2.25f;
	norm = mk_clip_grad_norm(v, 10, 2.0f);
	for (int i = 0; i < 10; i++)
		sum += (double) v[i] * v[i];
	unit_close(norm, sqrt(20.625), 1e-9,
			   "recurrent: clip norm of 10 values by hand");
	unit_close(sqrt(sum), 2.0 * sqrt(20.625) / (sqrt(20.625) + 1e-6), 1e-6,
			   "recurrent: clipped norm is max_norm");
	g[2] = NAN;
	g[0] = 1.0f;
	norm = mk_clip_grad_norm(g, 4, 1.0f);
	unit_check(isnan(norm) && g[0] == 1.0f,
			   "recurrent: clip returns a NaN norm and leaves the gradients");
}

/*
 * Dropout between layers: the same seed gives bit-identical outputs and
 * gradients, another seed other outputs; evaluation ignores dropout.
 */
static void
test_rnn_determinism(MkCell cell, const char *name)
{
	RnnCase		rc;
	RnnCase		plain;
	size_t		nx = RB * RT * RC;
	float	   *final = floats(RB * RH);
	float	   *grads;
	float	   *dx = floats(nx);
	float	   *dx2 = floats(nx);
	const float *eval;

	rnn_case(&rc, cell, 3, 0.5f, 31);
	grads = floats(rc.n_params);
	case_backward(&rc, dx);
	memcpy(final, rc.cache->final, RB * RH * sizeof(float));
	memcpy(grads, rc.grads, rc.n_params * sizeof(float));
	case_backward(&rc, dx2);
	unit_check(memcmp(final, rc.cache->final, RB * RH * sizeof(float)) == 0 &&
			   memcmp(grads, rc.grads, rc.n_params * sizeof(float)) == 0 &&
			   memcmp(dx, dx2, nx * sizeof(float)) == 0,
			   "recurrent: %s with dropout, the same seed gives identical "
			   "outputs and gradients", name);
	rc.dropout_seed++;
	case_forward(&rc);
	unit_check(memcmp(final, rc.cache->final, RB * RH * sizeof(float)) != 0,
			   "recurrent: %s with dropout, another seed gives other outputs",
			   name);

	/* evaluation: as if there were no dropout */
	rnn_case(&plain, cell, 3, 0.0f, 31);
	eval = mk_rnn_forward(&rc.cfg, &rc.p, rc.cache, rc.x, rc.lengths, RB, RT,
						  false, NULL);
	mk_rnn_forward(&plain.cfg, &plain.p, plain.cache, plain.x, plain.lengths,
				   RB, RT, true, NULL);
	unit_check(memcmp(eval, plain.cache->final, RB * RH * sizeof(float)) == 0,
			   "recurrent: %s evaluation ignores dropout", name);
	mk_free(final);
	mk_free(grads);
	mk_free(dx);
	mk_free(dx2);
	rnn_case_free(&rc);
	rnn_case_free(&plain);
}

/* Backward accumulates, and leaves the cache able to run it again. */
static void
test_rnn_accumulates(MkCell cell, const char *name)
{
	RnnCase		rc;
	size_t		nx = RB * RT * RC;
	float	   *twice;
	float	   *dx = floats(nx);
	float	   *dx_twice = floats(nx);

	rnn_case(&rc, cell, 2, 0.2f, 41);
	twice = floats(rc.n_params);
	case_backward(&rc, dx);
	for (size_t i = 0; i < rc.n_params; i++)
		twice[i] = 2.0f * rc.grads[i];
	for (size_t i = 0; i < nx; i++)
		dx_twice[i] = 2.0f * dx[i];
	mk_rnn_backward(&rc.cfg, &rc.g, dx, rc.cache, &rc.p, rc.R, rc.x,
					rc.lengths, RB, RT);
	unit_check(unit_max_rel_diff(rc.grads, twice, rc.n_params) < 1e-5 &&
			   unit_max_rel_diff(dx, dx_twice, nx) < 1e-5,
			   "recurrent: %s backward accumulates, and runs again on the "
			   "same cache", name);
	mk_free(twice);
	mk_free(dx);
	mk_free(dx_twice);
	rnn_case_free(&rc);
}

/* num_params, the bind layout (PyTorch's), and initialisation bounds. */
static void
test_rnn_layout(void)
{
	MkRnnConfig cfg = rnn_config(MK_CELL_LSTM, 2, 0.0f);
	MkRnnConfig gru = rnn_config(MK_CELL_GRU, 2, 0.0f);
	MkRnnParams p;
	float	   *block;
	MkRng		rng;
	size_t		n;
	double		top = 0.0;
	bool		bounded = true;

	unit_check(mk_rnn_num_params(&cfg) == 16 * (3 + 4 + 2) + 16 * (4 + 4 + 2),
			   "recurrent: num_params of a 2-layer LSTM 3 -> 4 is 304");
	unit_check(mk_rnn_num_params(&gru) == 12 * (3 + 4 + 2) + 12 * (4 + 4 + 2),
			   "recurrent: num_params of a 2-layer GRU 3 -> 4 is 228");
	n = mk_rnn_num_params(&cfg);
	block = floats(n);
	mk_rnn_bind(&p, block, &cfg);
	unit_check(p.weight_ih[0] == block && p.weight_hh[0] == block + 48 &&
			   p.bias_ih[0] == block + 112 && p.bias_hh[0] == block + 128 &&
			   p.weight_ih[1] == block + 144 && p.weight_hh[1] == block + 208 &&
			   p.bias_ih[1] == block + 272 && p.bias_hh[1] == block + 288,
			   "recurrent: bind lays out W_ih, W_hh, b_ih, b_hh by layer");
	mk_rng_seed(&rng, 5);
	mk_rnn_init(block, &cfg, &rng);
	for (size_t i = 0; i < n; i++)
	{
		bounded = bounded && fabs(block[i]) <= 0.5;
		top = fmax(top, fabs(block[i]));
	}
	unit_check(bounded && top > 0.45,
			   "recurrent: init within +-1/sqrt(H) and spread to the bound");
	unit_check(mk_rnn_state_size(&cfg) == 16 &&
			   mk_rnn_state_size(&gru) == 8,
			   "recurrent: step state is L*H (GRU) or 2*L*H (LSTM) floats");
	mk_free(block);
}

/* Invalid configurations and batch shapes are rejected with a message. */
static void
test_rnn_config_errors(void)
{
	MkRnnConfig good = rnn_config(MK_CELL_GRU, 2, 0.1f);
	MkRnnConfig bad;

	unit_check(mk_rnn_config_error(&good) == NULL, "recurrent: valid config");
	bad = good;
	bad.cell = (MkCell) 3;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects an unknown cell");
	bad = good;
	bad.n_layers = 0;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects 0 layers");
	bad.n_layers = MK_RNN_MAX_LAYERS + 1;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects 9 layers");
	bad = good;
	bad.hidden = 0;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects hidden size 0");
	bad = good;
	bad.input = 0;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects input size 0");
	bad = good;
	bad.dropout = 1.0f;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects dropout 1");
	bad.dropout = NAN;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects dropout NaN");
	bad = good;
	bad.hidden = 100000;
	unit_check(mk_rnn_config_error(&bad) != NULL,
			   "recurrent: rejects a parameter count that overflows");
	unit_check(mk_rnn_shape_error(&good, 64, 100) == NULL,
			   "recurrent: accepts a 64 x 100 batch");
	unit_check(mk_rnn_shape_error(&good, 0, 100) != NULL,
			   "recurrent: rejects an empty batch");
	unit_check(mk_rnn_shape_error(&good, 100000, 100000) != NULL,
			   "recurrent: rejects a batch past BLAS's int sizes");
}

/* Runs the recurrent group. */
void
test_recurrent(void)
{
	test_rnn_config_errors();
	test_rnn_layout();
	test_rnn_gradients(MK_CELL_LSTM, 1, 0.0f, "lstm 1 layer");
	test_rnn_gradients(MK_CELL_LSTM, 2, 0.0f, "lstm 2 layers");
	test_rnn_gradients(MK_CELL_GRU, 1, 0.0f, "gru 1 layer");
	test_rnn_gradients(MK_CELL_GRU, 2, 0.0f, "gru 2 layers");
	test_rnn_gradients(MK_CELL_LSTM, 2, 0.3f, "lstm dropout 0.3");
	test_rnn_gradients(MK_CELL_GRU, 2, 0.3f, "gru dropout 0.3");
	test_rnn_masking(MK_CELL_LSTM, "lstm");
	test_rnn_masking(MK_CELL_GRU, "gru");
	test_rnn_step(MK_CELL_LSTM, 2, "lstm");
	test_rnn_step(MK_CELL_GRU, 2, "gru");
	test_rnn_step(MK_CELL_LSTM, 1, "lstm 1 layer");
	test_rnn_reference(MK_CELL_LSTM, "lstm", RNN_REF_LSTM_PARAMS,
					   rnn_ref_lstm_final, rnn_ref_lstm_out);
	test_rnn_reference(MK_CELL_GRU, "gru", RNN_REF_GRU_PARAMS,
					   rnn_ref_gru_final, rnn_ref_gru_out);
	test_rnn_clip();
	test_rnn_determinism(MK_CELL_LSTM, "lstm");
	test_rnn_determinism(MK_CELL_GRU, "gru");
	test_rnn_accumulates(MK_CELL_LSTM, "lstm");
	test_rnn_accumulates(MK_CELL_GRU, "gru");
}
