/*
 * numeric_double.c
 *		numeric to double precision without the detour through text.
 *
 * numeric_float8() prints the number and reads the text back with
 * strtod(): over a thousand instructions a value, the largest cost of
 * scoring a row with a price or two in numeric columns.  Such a value is
 * mostly an integer m below 2^53 over 10^k with k <= 20.  Both are then
 * exact doubles and the one IEEE division m / 10^k rounds the exact
 * quotient to nearest, as strtod() rounds the decimal text, so the two
 * give the same double (Clinger's fast path).  Any other value, and NaN
 * or infinity, goes through numeric_float8() itself.
 *
 * This reads the stored form of numeric, which pg_upgrade keeps stable
 * (numeric.c describes it): a uint16 header, in the long form followed by
 * an int16 weight, then base-10000 digits, the first of them worth
 * 10000^weight.  The header's top two bits say which form: 00 a positive
 * and 01 a negative long form, whose low 14 bits are the display scale;
 * 10 the short form, with a sign bit (0x2000), six bits of display scale,
 * and a seven-bit signed weight in the low bits; 11 NaN or an infinity.
 */
#include "postgres.h"

#include "utils/fmgrprotos.h"

#include "numeric_double.h"

#define FORM_MASK			0xC000
#define FORM_LONG_NEGATIVE	0x4000
#define FORM_SHORT			0x8000
#define FORM_SPECIAL		0xC000
#define SHORT_NEGATIVE		0x2000
#define SHORT_WEIGHT_SIGN	0x0040
#define SHORT_WEIGHT_BITS	0x003F

/* Integers up to this are exact doubles. */
#define EXACT_LIMIT			(UINT64CONST(1) << 53)

/* 10000^f for the fractional base-10000 digits f the fast path takes. */
static const double powers_of_10000[] = {1e0, 1e4, 1e8, 1e12, 1e16, 1e20};

/*
 * Sets *result to the value of a numeric stored in bytes[len] and returns
 * true when the value fits the fast path, else returns false.
 */
static bool
ShortDecimalValue(const char *bytes, Size len, double *result)
{
	uint16		header;
	int			weight;
	bool		negative;
	Size		at;
	int			n_digits;
	int			n_fraction;
	uint64		m = 0;

	if (len < sizeof(uint16))
		return false;
	memcpy(&header, bytes, sizeof(uint16));
	if ((header & FORM_MASK) == FORM_SPECIAL)
		return false;
	if ((header & FORM_MASK) == FORM_SHORT)
	{
		negative = (header & SHORT_NEGATIVE) != 0;
		weight = header & SHORT_WEIGHT_BITS;
		if (header & SHORT_WEIGHT_SIGN)
			weight -= SHORT_WEIGHT_BITS + 1;
		at = sizeof(uint16);
	}
	else
	{
		int16		long_weight;

		if (len < sizeof(uint16) + sizeof(int16))
			return false;
		negative = (header & FORM_MASK) == FORM_LONG_NEGATIVE;
		memcpy(&long_weight, bytes + sizeof(uint16), sizeof(int16));
		weight = long_weight;
		at = sizeof(uint16) + sizeof(int16);
	}
	n_digits = (len - at) / sizeof(int16);

	/* m: the digits, with the integer digits the stored form drops */
	for (int i = 0; i < n_digits || i <= weight; i++)
	{
		int16		digit = 0;

		if (m >= EXACT_LIMIT / 10000)
			return false;
		if (i < n_digits)
			memcpy(&digit, bytes + at + i * sizeof(int16), sizeof(int16));
		m = m * 10000 + digit;
	}
	n_fraction = Max(n_digits - 1 - weight, 0);
	if (n_fraction >= lengthof(powers_of_10000))
		return false;
	*result = (double) m / powers_of_10000[n_fraction];
	if (negative)
		*result = -*result;
	return true;
}

double
NumericToDouble(Datum value)
{
	struct varlena *stored = (struct varlena *) DatumGetPointer(value);
	double		result;

	/* a value in line, not compressed, is read where it lies */
	if ((!VARATT_IS_EXTENDED(stored) || VARATT_IS_SHORT(stored)) &&
		ShortDecimalValue(VARDATA_ANY(stored), VARSIZE_ANY_EXHDR(stored),
						  &result))
		return result;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, value));
}
