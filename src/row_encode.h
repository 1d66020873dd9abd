/*
 * row_encode.h
 *		From SQL values to a model's feature vector.
 *
 * Columns are matched by name.  A model column is numeric or categorical;
 * FeatureKindOfType() says which SQL types feed which kind, for training
 * and scoring alike, and ValueSource says how a Datum is read.
 */
#ifndef MKTAI_ROW_ENCODE_H
#define MKTAI_ROW_ENCODE_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "utils/jsonb.h"

#include "model/model.h"

/* How a Datum of a feature column is turned into a number or a text. */
typedef enum ValueSource
{
	SRC_INT2,
	SRC_INT4,
	SRC_INT8,
	SRC_FLOAT4,
	SRC_FLOAT8,
	SRC_NUMERIC,
	SRC_BOOL,
	SRC_TEXT,					/* text, varchar, bpchar */
	SRC_OUTPUT					/* any other categorical type: its output function */
} ValueSource;

/* The kind a column of this type feeds, or 0 when no kind accepts it. */
extern MkColumnKind FeatureKindOfType(Oid typid, ValueSource *source);

/* A numeric Datum as a double; ERRORs on NaN or infinity. */
extern double NumberFromDatum(Datum value, ValueSource source,
							  const char *column);

/* A categorical Datum as the text its category is stored under. */
extern char *CategoryFromDatum(Datum value, ValueSource source,
							   FmgrInfo *output);

/* Maps the columns of one row type onto a model's columns. */
typedef struct RowEncoder RowEncoder;

/*
 * Binds desc to model; ERRORs when a model column is missing from desc or
 * has a type of the wrong kind.  model_name is for messages.
 */
extern RowEncoder *RowEncoderCreate(const MkModel *model, TupleDesc desc,
									const char *model_name);

/* True when the encoder was made for this row type. */
extern bool RowEncoderMatches(const RowEncoder *enc, Oid typid, int32 typmod);

/* Encodes one tuple of the bound row type into features. */
extern void RowEncoderEncode(RowEncoder *enc, HeapTuple tuple,
							 float *features);

/* Encodes a composite Datum's row, binding its row type on first sight. */
extern void EncodeComposite(RowEncoder **enc, MemoryContext mcxt,
							const MkModel *model, const char *model_name,
							HeapTupleHeader row, float *features);

/* Encodes a jsonb object of feature values. */
extern void EncodeJsonb(const MkModel *model, const char *model_name,
						Jsonb *object, float *features);

#endif							/* MKTAI_ROW_ENCODE_H */
