/*
 * format.c
 *		The serialised form of a model: its layout, and the names of its
 *		sections.
 *
 * Layout; every number is little-endian whatever the host:
 *
 *	magic		8 bytes, MK_MODEL_MAGIC
 *	version		uint32, MK_MODEL_FORMAT_VERSION
 *	task		uint32, MkTask
 *	length		uint32, total bytes including the checksum
 *	sections	each: uint8 kind, uint16 name length, name bytes, then
 *				  a blob:	uint32 length, bytes
 *				  a tensor: uint8 ndim (1 to 4), uint32 dims[ndim],
 *							float32 data[product of dims], row-major
 *	end			uint8 0
 *	checksum	uint32, CRC-32C of every byte before it
 *
 * The sections come in this order: "prep", "target" and "mlp" (blobs
 * encoding MkPrep, MkTarget and MkMlpConfig), "dense<i>.weight" [out, in]
 * and "dense<i>.bias" [out] for each dense layer i, then "spec" and
 * "metrics" (JSON text, stored without interpretation).
 *
 * Inside the blobs, a string is a uint16 length and that many bytes, none
 * of them NUL:
 *
 *	prep	uint32 n_columns, uint32 n_features, then per column: string
 *			name, uint8 kind, uint8 null_indicator (0 or 1), int32 offset,
 *			float64 mean, float64 scale, uint32 n_categories, strings
 *	target	string name, uint8 label type, int32 positive, float64 mean,
 *			float64 scale, uint32 n_classes, strings
 *	mlp		uint8 n_dense, uint8 activation, float32 dropout,
 *			int32 sizes[n_dense + 1]
 *
 * The encoding is canonical: a model has exactly one byte form, so writing
 * what the reader accepts gives back the same bytes (the fuzzer checks it).
 * The reader trusts nothing: it checks the magic, the version, the length
 * and the checksum before it parses; it bounds every length and count by
 * the bytes left before it allocates; it demands each section once, in
 * order, with the shape the configuration implies and no byte to spare;
 * and it ends with mk_model_check().
 *
 * format_write.c holds mk_model_write(), format_read.c mk_model_read(), and
 * codec.c the little-endian byte cursor both are built on; the constants
 * they share are in format_private.h.
 */
#include <stdio.h>

#include "model/format_private.h"

/* The name of section sec; buf holds dense layer names. */
const char *
mk_section_name(int sec, char *buf)
{
	int			layer = (sec - SEC_DENSE) / 2;

	switch (sec)
	{
		case SEC_PREP:
			return "prep";
		case SEC_TARGET:
			return "target";
		case SEC_MLP:
			return "mlp";
		case SEC_SPEC:
			return "spec";
		case SEC_METRICS:
			return "metrics";
	}
	snprintf(buf, SECTION_NAME_BYTES, "dense%d.%s", layer,
			 (sec - SEC_DENSE) % 2 == 0 ? "weight" : "bias");
	return buf;
}

/* True when section sec holds a tensor rather than a blob. */
bool
mk_section_is_tensor(int sec)
{
	return sec >= SEC_DENSE && sec < SEC_SPEC;
}
