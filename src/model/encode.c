/*
 * encode.c
 *		Standardisation, NULL indicators and one-hot slots for one value.
 */
#include <math.h>
#include <string.h>

#include "encode.h"

int32_t
mk_category_index(const MkColumn *col, const char *text)
{
	int32_t		lo = 0;
	int32_t		hi = col->n_categories - 1;

	while (lo <= hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		int			cmp = strcmp(text, col->categories[mid]);

		if (cmp == 0)
			return mid;
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

double
mk_column_value(const MkColumn *col, double value)
{
	if (!col->log_transform)
		return value;
	return value < 0 ? -log1p(-value) : log1p(value);
}

/* The quantile bin of value: how many edges lie at or below it. */
static int32_t
bin_of(const MkColumn *col, double value)
{
	int32_t		lo = 0;
	int32_t		hi = col->n_edges;

	while (lo < hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;

		if (col->edges[mid] <= value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A NULL becomes the training mean (0 after standardisation), sets the
 * indicator slot when the column had NULLs in training, and falls in no bin.
 */
void
mk_encode_number(const MkColumn *col, double value, bool isnull,
				 float *features)
{
	float	   *slot = features + col->offset;
	float	   *bins = slot + (col->null_indicator ? 2 : 1);

	value = mk_column_value(col, value);
	slot[0] = isnull ? 0.0f : (float) ((value - col->mean) / col->scale);
	if (col->null_indicator)
		slot[1] = isnull ? 1.0f : 0.0f;
	if (col->n_edges == 0)
		return;
	memset(bins, 0, sizeof(float) * (size_t) (col->n_edges + 1));
	if (!isnull)
		bins[bin_of(col, value)] = 1.0f;
}

void
mk_encode_category(const MkColumn *col, const char *text, bool isnull,
				   float *features)
{
	mk_encode_category_index(col, isnull ? -1 : mk_category_index(col, text),
							 isnull, features);
}

void
mk_encode_category_index(const MkColumn *col, int32_t index, bool isnull,
						 float *features)
{
	memset(features + col->offset, 0,
		   sizeof(float) * (size_t) mk_column_width(col));
	if (isnull)
		features[MK_SLOT_NULL(col)] = 1.0f;
	else if (index < 0)
		features[MK_SLOT_UNSEEN(col)] = 1.0f;
	else
		features[col->offset + index] = 1.0f;
}

int
mk_recon_groups(const MkPrep *prep, MkReconGroup *groups)
{
	int			n = 0;

	for (int32_t c = 0; c < prep->n_columns; c++)
	{
		const MkColumn *col = &prep->columns[c];
		int32_t		at = col->offset;

		if (col->kind == MK_COLUMN_CATEGORICAL)
		{
			groups[n++] = (MkReconGroup) {at, mk_column_width(col), MK_RECON_SOFTMAX};
			continue;
		}
		groups[n++] = (MkReconGroup) {at++, 1, MK_RECON_MSE};
		if (col->null_indicator)
			groups[n++] = (MkReconGroup) {at++, 1, MK_RECON_BCE};
		if (col->n_edges > 0)
			groups[n++] = (MkReconGroup) {at, col->n_edges + 1, MK_RECON_SOFTMAX};
	}
	return n;
}

/*
 * Dividing by the window's mean absolute value makes the network see every
 * series, large or small, rising or falling, on the same footing (the
 * scaling of DeepAR, Salinas et al. 2020).
 */
double
mk_forecast_window(const double *values, const float *features, int len,
				   int F, float *window)
{
	double		sum = 0.0;
	double		scale;
	int			t;

	for (t = 0; t < len; t++)
		sum += fabs(values[t]);
	scale = sum / (len > 0 ? len : 1);
	if (!(scale > 1e-12) || !isfinite(scale))
		scale = 1.0;
	for (t = 0; t < len; t++)
	{
		float	   *row = window + (size_t) t * (F + 1);

		row[0] = (float) (values[t] / scale);
		if (F > 0)
			memcpy(row + 1, features + (size_t) t * F, sizeof(float) * F);
	}
	return scale;
}

/*
 * A noisy series errs more than a smooth one of the same scale: measuring
 * errors against each window's own step-to-step change (the scale of
 * Hyndman and Koehler's MASE, 2006) lets one set of interval quantiles fit
 * many series.
 */
double
mk_forecast_spread(const float *window, int len, int C)
{
	double		sum = 0.0;
	double		spread;
	int			t;

	if (len < 2)
		return 1.0;
	for (t = 1; t < len; t++)
		sum += fabs((double) window[(size_t) t * C] - window[(size_t) (t - 1) * C]);
	spread = sum / (len - 1);
	return spread > 1e-3 ? spread : 1e-3;
}
