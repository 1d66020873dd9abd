/*
 * test_layers.c
 *		Unit tests of the layer kernels: dense forward against a naive triple
 *		loop, every backward against central finite differences of
 *		L = sum(out * R) for a random R, and the accumulation contract.
 */
#include <math.h>
#include <string.h>

#include "core/layers.h"
#include "core/mk_alloc.h"
#include "unit.h"

#define DN 20000

/* Kernels under test through the finite-difference harness. */
typedef enum LayerKind
{
	LAYER_DENSE,
	LAYER_RELU,
	LAYER_TANH,
	LAYER_SIGMOID,
	LAYER_DROPOUT
} LayerKind;

static const char *const layer_names[] = {
	"dense", "relu", "tanh", "sigmoid", "dropout"
};

/* One layer instance: its inputs, parameters and output. */
typedef struct LayerCase
{
	LayerKind	kind;
	int			B,
				C,
				OC;
	float	   *inp;			/* [B, C] */
	float	   *weight;			/* [OC, C], dense only */
	float	   *bias;			/* [OC], dense only */
	float	   *out;			/* [B, OC]; OC = C for element-wise layers */
	float	   *mask;			/* [B, C], dropout only */
	float	   *R;				/* [B, OC] random upstream gradient */
} LayerCase;

/* Fills x[n] with uniform values in [lo, hi). */
static void
fill_uniform(MkRng *rng, float *x, size_t n, double lo, double hi)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float) (lo + (hi - lo) * mk_rng_uniform(rng));
}

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* Runs the forward pass of lc; dropout reseeds so its mask stays fixed. */
static void
layer_forward(LayerCase *lc)
{
	size_t		n = (size_t) lc->B * lc->C;
	MkRng		rng;

	switch (lc->kind)
	{
		case LAYER_DENSE:
			mk_dense_forward(lc->out, lc->inp, lc->weight, lc->bias,
							 lc->B, lc->C, lc->OC);
			break;
		case LAYER_RELU:
			mk_relu_forward(lc->out, lc->inp, n);
			break;
		case LAYER_TANH:
			mk_tanh_forward(lc->out, lc->inp, n);
			break;
		case LAYER_SIGMOID:
			mk_sigmoid_forward(lc->out, lc->inp, n);
			break;
		case LAYER_DROPOUT:
			mk_rng_seed(&rng, 99);
			mk_dropout_forward(lc->out, lc->mask, lc->inp, n, 0.3f, &rng);
			break;
	}
}

/* Backward of an element-wise layer: dinp += dout * f'. */
static void
elementwise_backward(LayerCase *lc, float *dinp, const float *dout)
{
	size_t		n = (size_t) lc->B * lc->C;

	switch (lc->kind)
	{
		case LAYER_RELU:
			mk_relu_backward(dinp, dout, lc->out, n);
			break;
		case LAYER_TANH:
			mk_tanh_backward(dinp, dout, lc->out, n);
			break;
		case LAYER_SIGMOID:
			mk_sigmoid_backward(dinp, dout, lc->out, n);
			break;
		case LAYER_DROPOUT:
			mk_dropout_backward(dinp, dout, lc->mask, n);
			break;
		case LAYER_DENSE:
			break;
	}
}

/* L = sum(out * R) in double after a fresh forward pass. */
static double
layer_objective(LayerCase *lc)
{
	double		sum = 0.0;

	layer_forward(lc);
	for (size_t i = 0; i < (size_t) lc->B * lc->OC; i++)
		sum += (double) lc->out[i] * lc->R[i];
	return sum;
}

/* grad[n] = central differences of L with respect to x[n], step eps. */
static void
numeric_gradient(LayerCase *lc, float *x, size_t n, float eps, float *grad)
{
	for (size_t i = 0; i < n; i++)
	{
		float		saved = x[i];
		double		plus,
					minus;

		x[i] = saved + eps;
		plus = layer_objective(lc);
		x[i] = saved - eps;
		minus = layer_objective(lc);
		x[i] = saved;
		grad[i] = (float) ((plus - minus) / (2.0 * eps));
	}
	layer_forward(lc);
}

/* Checks got[n] against numeric[n] and reports under the given name. */
static void
check_gradient(const char *what, const LayerCase *lc, const float *got,
			   const float *numeric, size_t n)
{
	double		diff = unit_max_rel_diff(got, numeric, n);

	unit_check(diff < 1e-2, "layers: %s %s gradient, B=%d C=%d OC=%d "
			   "(max rel diff %.2g)", layer_names[lc->kind], what,
			   lc->B, lc->C, lc->OC, diff);
}

/* Checks that two[n] is twice one[n]: the backward accumulated. */
static void
check_doubled(const char *what, const LayerCase *lc, const float *one,
			  const float *two, size_t n)
{
	float	   *twice = floats(n);

	for (size_t i = 0; i < n; i++)
		twice[i] = 2.0f * one[i];
	unit_check(unit_max_rel_diff(two, twice, n) < 1e-5,
			   "layers: %s backward accumulates into %s",
			   layer_names[lc->kind], what);
	mk_free(twice);
}

/* out[B,OC] by the definition, in double. */
static void
naive_dense(float *out, const float *inp, const float *weight,
			const float *bias, int B, int C, int OC)
{
	for (int b = 0; b < B; b++)
	{
		for (int o = 0; o < OC; o++)
		{
			double		sum = bias[o];

			for (int c = 0; c < C; c++)
				sum += (double) inp[b * C + c] * weight[o * C + c];
			out[b * OC + o] = (float) sum;
		}
	}
}

/* Allocates and fills a layer case of the given kind and shape. */
static LayerCase
layer_case(LayerKind kind, int B, int C, int OC, MkRng *rng)
{
	LayerCase	lc;
	size_t		n_in = (size_t) B * C;

	memset(&lc, 0, sizeof(lc));
	lc.kind = kind;
	lc.B = B;
	lc.C = C;
	lc.OC = kind == LAYER_DENSE ? OC : C;
	lc.inp = floats(n_in);
	lc.weight = floats((size_t) OC * C);
	lc.bias = floats(OC);
	lc.out = floats((size_t) B * lc.OC);
	lc.mask = floats(n_in);
	lc.R = floats((size_t) B * lc.OC);
	fill_uniform(rng, lc.inp, n_in, -2.0, 2.0);
	fill_uniform(rng, lc.weight, (size_t) OC * C, -1.0, 1.0);
	fill_uniform(rng, lc.bias, OC, -1.0, 1.0);
	fill_uniform(rng, lc.R, (size_t) B * lc.OC, -1.0, 1.0);
	return lc;
}

/* Frees a layer case. */
static void
layer_case_free(LayerCase *lc)
{
	mk_free(lc->inp);
	mk_free(lc->weight);
	mk_free(lc->bias);
	mk_free(lc->out);
	mk_free(lc->mask);
	mk_free(lc->R);
}

/* Dense forward against the naive loop on one shape. */
static void
test_dense_forward(int B, int C, int OC, MkRng *rng)
{
	LayerCase	lc = layer_case(LAYER_DENSE, B, C, OC, rng);
	float	   *want = floats((size_t) B * OC);

	layer_forward(&lc);
	naive_dense(want, lc.inp, lc.weight, lc.bias, B, C, OC);
	unit_check(unit_max_rel_diff(lc.out, want, (size_t) B * OC) < 1e-5,
			   "layers: dense forward matches naive loop, B=%d C=%d OC=%d",
			   B, C, OC);
	mk_free(want);
	layer_case_free(&lc);
}

/* The one-row dense loop against the naive loop on one shape. */
static void
test_dense_forward_row(int C, int OC, MkRng *rng)
{
	LayerCase	lc = layer_case(LAYER_DENSE, 1, C, OC, rng);
	float	   *want = floats(OC);

	mk_dense_forward_row(lc.out, lc.inp, lc.weight, lc.bias, C, OC);
	naive_dense(want, lc.inp, lc.weight, lc.bias, 1, C, OC);
	unit_check(unit_max_rel_diff(lc.out, want, OC) < 1e-5,
			   "layers: one-row dense forward matches naive loop, C=%d OC=%d",
			   C, OC);
	mk_free(want);
	layer_case_free(&lc);
}

/* The sparse one-row loop against the naive loop, every third input 0. */
static void
test_dense_forward_sparse_row(int C, int OC, MkRng *rng)
{
	LayerCase	lc = layer_case(LAYER_DENSE, 1, C, OC, rng);
	float	   *weight_t = floats((size_t) C * OC);
	float	   *want = floats(OC);

	for (int c = 0; c < C; c += 3)
		lc.inp[c] = 0.0f;
	for (int o = 0; o < OC; o++)
		for (int c = 0; c < C; c++)
			weight_t[c * OC + o] = lc.weight[o * C + c];
	mk_dense_forward_sparse_row(lc.out, lc.inp, weight_t, lc.bias, C, OC);
	naive_dense(want, lc.inp, lc.weight, lc.bias, 1, C, OC);
	unit_check(unit_max_rel_diff(lc.out, want, OC) < 1e-5,
			   "layers: sparse one-row dense forward matches naive loop, C=%d OC=%d",
			   C, OC);
	mk_free(weight_t);
	mk_free(want);
	layer_case_free(&lc);
}

/* Dense backward: dinp, dweight, dbias against finite differences. */
static void
test_dense_backward(int B, int C, int OC, MkRng *rng)
{
	LayerCase	lc = layer_case(LAYER_DENSE, B, C, OC, rng);
	size_t		nw = (size_t) OC * C;
	float	   *dinp = floats((size_t) B * C),
			   *dweight = floats(nw),
			   *dbias = floats(OC);
	float	   *num = floats(nw > (size_t) B * C ? nw : (size_t) B * C);

	layer_forward(&lc);
	mk_dense_backward(dinp, dweight, dbias, lc.R, lc.inp, lc.weight,
					  B, C, OC);
	numeric_gradient(&lc, lc.inp, (size_t) B * C, 1e-2f, num);
	check_gradient("input", &lc, dinp, num, (size_t) B * C);
	numeric_gradient(&lc, lc.weight, nw, 1e-2f, num);
	check_gradient("weight", &lc, dweight, num, nw);
	numeric_gradient(&lc, lc.bias, OC, 1e-2f, num);
	check_gradient("bias", &lc, dbias, num, OC);

	/* a second call adds the same gradients again */
	memcpy(num, dweight, nw * sizeof(float));
	mk_dense_backward(dinp, dweight, dbias, lc.R, lc.inp, lc.weight,
					  B, C, OC);
	check_doubled("dweight", &lc, num, dweight, nw);
	mk_free(dinp);
	mk_free(dweight);
	mk_free(dbias);
	mk_free(num);
	layer_case_free(&lc);
}

/* Moves inputs at least 0.1 away from ReLU's kink at 0. */
static void
avoid_kink(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		if (fabsf(x[i]) < 0.1f)
			x[i] += x[i] < 0.0f ? -0.1f : 0.1f;
	}
}

/* An element-wise layer's backward against finite differences. */
static void
test_elementwise_backward(LayerKind kind, int B, int C, MkRng *rng)
{
	LayerCase	lc = layer_case(kind, B, C, C, rng);
	size_t		n = (size_t) B * C;
	float	   *dinp = floats(n),
			   *num = floats(n),
			   *once = floats(n);

	if (kind == LAYER_RELU)
		avoid_kink(lc.inp, n);
	layer_forward(&lc);
	elementwise_backward(&lc, dinp, lc.R);
	numeric_gradient(&lc, lc.inp, n, 1e-2f, num);
	check_gradient("input", &lc, dinp, num, n);
	memcpy(once, dinp, n * sizeof(float));
	elementwise_backward(&lc, dinp, lc.R);
	check_doubled("dinp", &lc, once, dinp, n);
	mk_free(dinp);
	mk_free(num);
	mk_free(once);
	layer_case_free(&lc);
}

/* Activations run in place give the out-of-place result. */
static void
test_in_place(MkRng *rng)
{
	float		x[37],
				a[37],
				b[37];
	bool		same = true;

	fill_uniform(rng, x, 37, -3.0, 3.0);
	memcpy(b, x, sizeof(x));
	mk_tanh_forward(a, x, 37);
	mk_tanh_forward(b, b, 37);
	same = same && memcmp(a, b, sizeof(a)) == 0;
	memcpy(b, x, sizeof(x));
	mk_sigmoid_forward(a, x, 37);
	mk_sigmoid_forward(b, b, 37);
	same = same && memcmp(a, b, sizeof(a)) == 0;
	memcpy(b, x, sizeof(x));
	mk_relu_forward(a, x, 37);
	mk_relu_forward(b, b, 37);
	same = same && memcmp(a, b, sizeof(a)) == 0;
	unit_check(same, "layers: activations in place match out of place");
}

/* The stable sigmoid: exact-ish values, symmetry, no overflow at extremes. */
static void
test_sigmoid_values(void)
{
	unit_close(mk_sigmoid(0.0f), 0.5, 1e-7, "layers: sigmoid(0) = 0.5");
	unit_close(mk_sigmoid(2.0f), 1.0 / (1.0 + exp(-2.0)), 1e-7,
			   "layers: sigmoid(2)");
	unit_close(mk_sigmoid(-2.0f), 1.0 / (1.0 + exp(2.0)), 1e-7,
			   "layers: sigmoid(-2)");
	unit_check(mk_sigmoid(-100.0f) >= 0.0f && mk_sigmoid(-100.0f) < 1e-40f &&
			   mk_sigmoid(100.0f) == 1.0f && !isnan(mk_sigmoid(-1e30f)),
			   "layers: sigmoid finite at +-100 and -1e30");
}

/*
 * The recurrent cells' tanh: within an ulp of the true value (tanh in
 * double, rounded) on magnitudes from 1e-9 to 20 of both signs; -0,
 * infinities and NaN kept as tanh keeps them.
 */
static void
test_tanh_values(void)
{
	bool		near_true = true;

	for (double a = 1e-9; a < 20.0; a *= 1.0007)
	{
		for (int sign = -1; sign <= 1; sign += 2)
		{
			float		x = (float) (sign * a);
			float		got = mk_tanh(x);
			float		want = (float) tanh((double) x);

			near_true &= (got == want || got == nextafterf(want, 2.0f) ||
						  got == nextafterf(want, -2.0f));
		}
	}
	unit_check(near_true, "layers: tanh within an ulp of the true value");
	unit_check(mk_tanh(0.0f) == 0.0f && signbit(mk_tanh(-0.0f)) &&
			   mk_tanh(INFINITY) == 1.0f && mk_tanh(-INFINITY) == -1.0f &&
			   isnan(mk_tanh(NAN)),
			   "layers: tanh of -0, infinities and NaN");
}

/* Dropout: p = 0 is the identity; the kept fraction and scale are right. */
static void
test_dropout_values(MkRng *rng)
{
	float	   *x = floats(DN),
			   *y = floats(DN),
			   *mask = floats(DN);
	int			kept = 0;
	bool		scaled = true;

	fill_uniform(rng, x, DN, -1.0, 1.0);
	mk_dropout_forward(y, mask, x, DN, 0.0f, NULL);
	unit_check(memcmp(x, y, DN * sizeof(float)) == 0 && mask[DN - 1] == 1.0f,
			   "layers: dropout with p = 0 is the identity");
	mk_dropout_forward(y, mask, x, DN, 0.25f, rng);
	for (int i = 0; i < DN; i++)
	{
		kept += mask[i] != 0.0f;
		scaled = scaled && (mask[i] == 0.0f ||
							fabsf(y[i] - x[i] / 0.75f) < 1e-6f);
	}
	unit_close((double) kept / DN, 0.75, 0.015,
			   "layers: dropout keeps 1 - p of the values");
	unit_check(scaled, "layers: dropout scales kept values by 1 / (1 - p)");
	mk_free(x);
	mk_free(y);
	mk_free(mask);
}

/* Runs the layers group. */
void
test_layers(void)
{
	static const int shapes[][3] = {
		{1, 1, 1}, {1, 7, 3}, {5, 13, 11}, {17, 3, 29}, {64, 33, 10}
	};
	MkRng		rng;

	mk_rng_seed(&rng, 2024);
	for (int s = 0; s < 5; s++)
		test_dense_forward(shapes[s][0], shapes[s][1], shapes[s][2], &rng);
	for (int s = 0; s < 5; s++)
		test_dense_forward_row(shapes[s][1], shapes[s][2], &rng);
	for (int s = 0; s < 5; s++)
		test_dense_forward_sparse_row(shapes[s][1], shapes[s][2], &rng);
	for (int s = 0; s < 4; s++)
		test_dense_backward(shapes[s][0], shapes[s][1], shapes[s][2], &rng);
	for (LayerKind k = LAYER_RELU; k <= LAYER_DROPOUT; k++)
	{
		test_elementwise_backward(k, 1, 1, &rng);
		test_elementwise_backward(k, 7, 9, &rng);
	}
	test_in_place(&rng);
	test_sigmoid_values();
	test_tanh_values();
	test_dropout_values(&rng);
}
