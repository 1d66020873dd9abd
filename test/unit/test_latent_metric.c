/*
 * test_latent_metric.c
 *		Unit tests of re-expressing latent codes in the decoder's metric:
 *		the network's function is unchanged, latent distances become
 *		distances of the decoder's first-layer outputs, and the result does
 *		not depend on the coordinates the codes came in.
 */
#include <math.h>
#include <string.h>

#include "core/latent_metric.h"
#include "core/rng.h"
#include "unit.h"

#define D 3
#define C 5
#define H 7
#define N 4

/* y[H] = W[H, D] z[D] */
static void
apply(const float *W, const float *z, double *y)
{
	for (int h = 0; h < H; h++)
	{
		y[h] = 0.0;
		for (int a = 0; a < D; a++)
			y[h] += (double) W[h * D + a] * z[a];
	}
}

static double
distance(const double *a, const double *b, int n)
{
	double		s = 0.0;

	for (int i = 0; i < n; i++)
		s += (a[i] - b[i]) * (a[i] - b[i]);
	return sqrt(s);
}

void
test_latent_metric(void)
{
	MkRng		rng;
	float		enc_w[D * C],
				enc_b[D],
				dec_w[H * D],
				x[N * C],
				z[N * D],
				before[N * H];
	double		y[N][H],
				worst_function = 0.0,
				worst_distance = 0.0;

	mk_rng_seed(&rng, 5);
	for (int i = 0; i < D * C; i++)
		enc_w[i] = (float) mk_rng_normal(&rng);
	for (int i = 0; i < D; i++)
		enc_b[i] = (float) mk_rng_normal(&rng);
	for (int i = 0; i < H * D; i++)
		dec_w[i] = (float) mk_rng_normal(&rng);
	for (int i = 0; i < N * C; i++)
		x[i] = (float) mk_rng_normal(&rng);

	/* codes z = W_enc x + b, and the decoder's first-layer outputs W_dec z */
	for (int n = 0; n < N; n++)
		for (int a = 0; a < D; a++)
		{
			z[n * D + a] = enc_b[a];
			for (int c = 0; c < C; c++)
				z[n * D + a] += enc_w[a * C + c] * x[n * C + c];
		}
	for (int n = 0; n < N; n++)
	{
		apply(dec_w, z + n * D, y[n]);
		for (int h = 0; h < H; h++)
			before[n * H + h] = (float) y[n][h];
	}

	mk_latent_metric_fold(z, N, D, enc_w, enc_b, C, dec_w, H);
	for (int n = 0; n < N; n++)
	{
		float		z2[D];

		/* the folded encoder gives the folded codes */
		for (int a = 0; a < D; a++)
		{
			z2[a] = enc_b[a];
			for (int c = 0; c < C; c++)
				z2[a] += enc_w[a * C + c] * x[n * C + c];
			worst_function = fmax(worst_function, fabs(z2[a] - z[n * D + a]));
		}
		/* and the folded decoder undoes the fold */
		apply(dec_w, z2, y[n]);
		for (int h = 0; h < H; h++)
			worst_function = fmax(worst_function, fabs(y[n][h] - before[n * H + h]));
	}
	unit_check(worst_function < 1e-4,
			   "latent metric: the folded network computes the same function");

	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
		{
			double		zi[D],
						zj[D],
						bi[H],
						bj[H];

			for (int a = 0; a < D; a++)
			{
				zi[a] = z[i * D + a];
				zj[a] = z[j * D + a];
			}
			for (int h = 0; h < H; h++)
			{
				bi[h] = before[i * H + h];
				bj[h] = before[j * H + h];
			}
			worst_distance = fmax(worst_distance,
								  fabs(distance(zi, zj, D) - distance(bi, bj, H)));
		}
	unit_check(worst_distance < 1e-3,
			   "latent metric: latent distances equal decoder-output distances");
}
