/*
 * test_encode.c
 *		Unit tests of the value encoding shared by training and scoring:
 *		standardisation, NULL indicators, quantile bins, one-hot slots and
 *		a forecast's scaled input window.
 */
#include <math.h>
#include <string.h>

#include "model/encode.h"
#include "unit.h"

/* True when features[0..n) equals want[0..n) exactly. */
static bool
same(const float *features, const float *want, int n)
{
	return memcmp(features, want, sizeof(float) * (size_t) n) == 0;
}

static void
test_numbers(void)
{
	double		edges[3] = {10.0, 20.0, 30.0};
	MkColumn	col = {.name = "spend", .kind = MK_COLUMN_NUMERIC, .offset = 1,
	.mean = 20.0, .scale = 10.0, .null_indicator = true, .n_edges = 3, .edges = edges};
	float		f[8];

	unit_check(mk_column_width(&col) == 6,
			   "encode: value, NULL indicator and four bins make six slots");

	for (int i = 0; i < 8; i++)
		f[i] = -7.0f;
	mk_encode_number(&col, 35.0, false, f);
	unit_check(same(f + 1, (float[]) {1.5f, 0, 0, 0, 0, 1}, 6),
			   "encode: 35 is standardised and falls in the last bin");
	mk_encode_number(&col, 5.0, false, f);
	unit_check(same(f + 1, (float[]) {-1.5f, 0, 1, 0, 0, 0}, 6),
			   "encode: 5 falls in the first bin");
	mk_encode_number(&col, 20.0, false, f);
	unit_check(same(f + 1, (float[]) {0, 0, 0, 0, 1, 0}, 6),
			   "encode: a value equal to an edge falls in the bin above it");
	mk_encode_number(&col, 0.0, true, f);
	unit_check(same(f + 1, (float[]) {0, 1, 0, 0, 0, 0}, 6),
			   "encode: NULL sets the indicator and no bin");
	unit_check(f[0] == -7.0f && f[7] == -7.0f,
			   "encode: slots outside the column are left alone");

	col.log_transform = true;
	mk_encode_number(&col, -(exp(2.0) - 1.0), false, f);
	unit_close(f[1], (-2.0 - 20.0) / 10.0, 1e-6,
			   "encode: the log transform maps -(e^2 - 1) to -2 before scaling");
	col.log_transform = false;

	col.null_indicator = false;
	col.n_edges = 0;
	unit_check(mk_column_width(&col) == 1, "encode: a plain numeric column is one slot");
	mk_encode_number(&col, 25.0, false, f);
	unit_check(f[1] == 0.5f, "encode: (25 - 20) / 10 = 0.5");
}

static void
test_categories(void)
{
	char	   *cats[3] = {"annual", "monthly", "two_year"};
	MkColumn	col = {.name = "contract", .kind = MK_COLUMN_CATEGORICAL,
	.offset = 0, .scale = 1.0, .n_categories = 3, .categories = cats};
	float		f[5];

	unit_check(mk_column_width(&col) == 5,
			   "encode: three categories, NULL and unseen make five slots");
	unit_check(mk_category_index(&col, "monthly") == 1 &&
			   mk_category_index(&col, "annual") == 0 &&
			   mk_category_index(&col, "two_year") == 2,
			   "encode: categories are found by binary search");
	unit_check(mk_category_index(&col, "month") == -1 &&
			   mk_category_index(&col, "") == -1 &&
			   mk_category_index(&col, "zzz") == -1,
			   "encode: prefixes and strangers are not categories");

	mk_encode_category(&col, "two_year", false, f);
	unit_check(same(f, (float[]) {0, 0, 1, 0, 0}, 5), "encode: one-hot of a category");
	mk_encode_category(&col, NULL, true, f);
	unit_check(same(f, (float[]) {0, 0, 0, 1, 0}, 5), "encode: NULL has its own slot");
	mk_encode_category(&col, "lifetime", false, f);
	unit_check(same(f, (float[]) {0, 0, 0, 0, 1}, 5), "encode: unseen values share a slot");
}

/*
 * A forecast's window: each row the value over the window's mean absolute
 * value, then the row's covariates; scale 1 when the values are all zero,
 * and a single slot per row without covariates.
 */
static void
test_forecast_window(void)
{
	static const double values[3] = {2.0, -4.0, 6.0};
	static const double zeros[3] = {0.0, -0.0, 0.0};
	static const float features[6] = {0.25f, -1.0f, 3.0f, 0.0f, -7.5f, 1e-3f};
	float		w[10];
	double		scale;

	for (int i = 0; i < 10; i++)
		w[i] = -9.0f;
	scale = mk_forecast_window(values, features, 3, 2, w);
	unit_close(scale, 4.0, 0.0, "encode: the window's scale is its mean |value|");
	unit_check(same(w, (float[]) {0.5f, 0.25f, -1.0f, -1.0f, 3.0f, 0.0f,
								  1.5f, -7.5f, 1e-3f}, 9),
			   "encode: window rows are the scaled value, then the covariates");
	unit_check(w[9] == -9.0f, "encode: nothing is written past [len, F + 1]");

	scale = mk_forecast_window(values, NULL, 3, 0, w);
	unit_check(scale == 4.0 && same(w, (float[]) {0.5f, -1.0f, 1.5f}, 3) &&
			   w[3] == -1.0f,
			   "encode: without covariates a window row is the scaled value");

	scale = mk_forecast_window(values + 2, features + 4, 1, 2, w);
	unit_check(scale == 6.0 && same(w, (float[]) {1.0f, -7.5f, 1e-3f}, 3),
			   "encode: a one-row window scales its value to 1");

	scale = mk_forecast_window(zeros, features, 3, 2, w);
	unit_check(scale == 1.0 && w[0] == 0.0f && w[3] == 0.0f && w[6] == 0.0f &&
			   w[4] == 3.0f,
			   "encode: an all-zero window has scale 1");

	w[0] = -9.0f;
	scale = mk_forecast_window(values, features, 0, 2, w);
	unit_check(scale == 1.0 && w[0] == -9.0f,
			   "encode: an empty window has scale 1 and writes nothing");
}

/*
 * A forecast window's spread: the mean absolute change of its scaled
 * values (the first slot of each row), floored at 0.001, 1 for one row.
 */
static void
test_forecast_spread(void)
{
	static const float window[9] = {0.5f, 9.0f, 9.0f, -1.0f, 9.0f, 9.0f,
	1.5f, 9.0f, 9.0f};
	static const float flat[4] = {1.0f, 5.0f, 1.0f, -5.0f};

	unit_close(mk_forecast_spread(window, 3, 3), 2.0, 1e-12,
			   "encode: the spread is the mean |change| of the scaled values");
	unit_close(mk_forecast_spread(window, 1, 3), 1.0, 0.0,
			   "encode: a one-row window has spread 1");
	unit_close(mk_forecast_spread(flat, 2, 2), 1e-3, 0.0,
			   "encode: a flat window's spread is floored at 0.001");
}

void
test_encode(void)
{
	test_numbers();
	test_categories();
	test_forecast_window();
	test_forecast_spread();
}
