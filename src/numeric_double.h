/*
 * numeric_double.h
 *		numeric to double precision, fast for short decimals.
 */
#ifndef MKTAI_NUMERIC_DOUBLE_H
#define MKTAI_NUMERIC_DOUBLE_H

#include "postgres.h"

/* The double numeric_float8() gives for a numeric Datum, often faster. */
extern double NumericToDouble(Datum value);

#endif							/* MKTAI_NUMERIC_DOUBLE_H */
