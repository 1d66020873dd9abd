/*
 * latent_metric.c
 *		Re-expressing an autoencoder's latent codes in its decoder's metric.
 *
 * The matrices are d x d with d the latent width (a handful), so plain
 * loops in double are clearer than LAPACK calls and cost nothing.
 */
#include <math.h>
#include <string.h>

#include "mk_alloc.h"
#include "latent_metric.h"

#define Max2(a, b) ((a) > (b) ? (a) : (b))

/* Relative ridge added to the Gram matrix's diagonal. */
#define METRIC_RIDGE 1e-6

/*
 * Overwrites the lower triangle of cov[d, d] with its Cholesky factor L
 * (cov = L L^T), after adding a ridge relative to the trace.
 */
static void
cholesky(double *cov, int d)
{
	double		trace = 0.0;

	for (int a = 0; a < d; a++)
		trace += cov[a * d + a];
	for (int a = 0; a < d; a++)
		cov[a * d + a] += METRIC_RIDGE * (trace > 0 ? trace / d : 1.0);
	for (int j = 0; j < d; j++)
	{
		double		diag = cov[j * d + j];

		for (int k = 0; k < j; k++)
			diag -= cov[j * d + k] * cov[j * d + k];
		cov[j * d + j] = sqrt(diag > 0 ? diag : METRIC_RIDGE);
		for (int i = j + 1; i < d; i++)
		{
			double		v = cov[i * d + j];

			for (int k = 0; k < j; k++)
				v -= cov[i * d + k] * cov[j * d + k];
			cov[i * d + j] = v / cov[j * d + j];
		}
	}
}

/* Solves L y = x in place for lower-triangular L[d, d] (forward substitution). */
static void
solve_lower(const double *L, int d, double *x)
{
	for (int i = 0; i < d; i++)
	{
		for (int k = 0; k < i; k++)
			x[i] -= L[i * d + k] * x[k];
		x[i] /= L[i * d + i];
	}
}

/* x[d] = U x with U = L^T, L lower triangular in L[d, d]. */
static void
upper_times(const double *L, int d, float *x)
{
	for (int a = 0; a < d; a++)
	{
		double		s = 0.0;

		for (int b = a; b < d; b++)
			s += L[b * d + a] * x[b];
		x[a] = (float) s;
	}
}

/*
 * The decoder's metric on the latent space.  With the decoder's first
 * layer W (H x d), the distance its outputs see between two codes is
 * |W (z1 - z2)|, the Euclidean distance after z -> U z with U^T U = W^T W.
 * Folding U into the encoder's last layer (and U^-1 into the decoder's
 * first) leaves the autoencoder's function unchanged but makes latent
 * distances those of the reconstructions, whatever coordinates training
 * happened to choose.
 */
void
mk_latent_metric_fold(float *z, int n, int d, float *enc_weight,
					  float *enc_bias, int C, float *dec_weight, int H)
{
	double	   *L = mk_alloc(mk_mul_size(mk_mul_size((size_t) d, d), sizeof(double)));
	double	   *v = mk_alloc(mk_mul_size((size_t) Max2(d, 1), sizeof(double)));

	/* G = W^T W, lower triangle, then its Cholesky factor L (U = L^T) */
	for (int a = 0; a < d; a++)
		for (int b = 0; b <= a; b++)
		{
			double		g = 0.0;

			for (int h = 0; h < H; h++)
				g += (double) dec_weight[(size_t) h * d + a] * dec_weight[(size_t) h * d + b];
			L[a * d + b] = g;
		}
	cholesky(L, d);

	/* encoder rows and codes: x -> U x, U upper triangular */
	for (int c = 0; c < C; c++)
	{
		for (int a = 0; a < d; a++)
			v[a] = enc_weight[(size_t) a * C + c];
		for (int a = 0; a < d; a++)
		{
			double		s = 0.0;

			for (int b = a; b < d; b++)
				s += L[b * d + a] * v[b];
			enc_weight[(size_t) a * C + c] = (float) s;
		}
	}
	upper_times(L, d, enc_bias);
	for (int i = 0; i < n; i++)
		upper_times(L, d, z + (size_t) i * d);

	/* decoder rows: w -> w U^-1, i.e. solve L y = w^T */
	for (int h = 0; h < H; h++)
	{
		for (int a = 0; a < d; a++)
			v[a] = dec_weight[(size_t) h * d + a];
		solve_lower(L, d, v);
		for (int a = 0; a < d; a++)
			dec_weight[(size_t) h * d + a] = (float) v[a];
	}
	mk_free(L);
	mk_free(v);
}
