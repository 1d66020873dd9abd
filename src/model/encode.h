/*
 * encode.h
 *		Turning one input value into the feature slots of its column.
 *
 * Training and scoring share these, so a value lands in the same slot
 * whichever path saw it.  The layout of a column's slots is described in
 * model.h (MkColumn).
 */
#ifndef MK_ENCODE_H
#define MK_ENCODE_H

#include "../core/autoencoder.h"
#include "model.h"

/* Slot of a categorical column used for NULL, and for unseen values. */
#define MK_SLOT_NULL(col)	((col)->offset + (col)->n_categories)
#define MK_SLOT_UNSEEN(col) ((col)->offset + (col)->n_categories + 1)

/* Index of text among a column's sorted categories, or -1. */
extern int32_t mk_category_index(const MkColumn *col, const char *text);

/* The value a numeric column works with: value, or its signed log. */
extern double mk_column_value(const MkColumn *col, double value);

/* Fills a numeric column's slots of features[] from value (or NULL). */
extern void mk_encode_number(const MkColumn *col, double value, bool isnull,
							 float *features);

/* Fills a categorical column's slots of features[] from text (or NULL). */
extern void mk_encode_category(const MkColumn *col, const char *text,
							   bool isnull, float *features);

/*
 * The same from the index mk_category_index() gave for the text (-1 for a
 * value unseen in training), so a caller can look a value up its own way.
 */
extern void mk_encode_category_index(const MkColumn *col, int32_t index,
									 bool isnull, float *features);

/*
 * The reconstruction groups of an autoencoder over prep's slots, each with
 * the loss that fits it: a numeric value by squared error, a NULL indicator
 * by binary cross-entropy, quantile bins and categories (with their NULL
 * and unseen slots) by softmax cross-entropy.  groups needs room for
 * 3 * prep->n_columns entries; returns how many were written.
 */
extern int	mk_recon_groups(const MkPrep *prep, MkReconGroup *groups);

/*
 * A forecast's input window (see MkForecast in model.h) from the len most
 * recent rows of a series: values[len] its target values, features[len, F]
 * their encoded covariates.  Writes window[len, F + 1] and returns the
 * window's scale, by which the values were divided.
 */
extern double mk_forecast_window(const double *values, const float *features,
								 int len, int F, float *window);

/*
 * The spread of a forecast window of len rows of width C: the mean absolute
 * change between consecutive scaled values, at least 0.001; 1 for a window
 * of one row.  Intervals are learned and given in units of it.
 */
extern double mk_forecast_spread(const float *window, int len, int C);

#endif							/* MK_ENCODE_H */
