/*
 * train_data.h
 *		Reading a training relation into columns.
 *
 * Rows are fetched through a cursor in the caller's rights, so grants,
 * column privileges and row-level security apply.  Numeric columns become
 * doubles with NULL flags; categorical ones become dictionary codes, so a
 * million rows of a text column cost four bytes each plus one copy of each
 * distinct value.
 */
#ifndef MKTAI_TRAIN_DATA_H
#define MKTAI_TRAIN_DATA_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"

#include "model/model.h"
#include "row_encode.h"

typedef struct RawColumn
{
	char	   *name;
	Oid			typid;
	MkColumnKind kind;
	ValueSource source;
	FmgrInfo	output;
	double	   *numbers;		/* numeric: value per row (0 when NULL) */
	bool	   *nulls;			/* numeric: NULL flag per row */
	int32	   *codes;			/* categorical: code per row, -1 for NULL */
	HTAB	   *dict;			/* categorical: text -> code */
	bool		documents;		/* values are documents: no category limit
								 * on their length */
	char	  **texts;			/* categorical: code -> text */
	int32		n_codes;
	int64		n_null;
} RawColumn;

/*
 * Rows grouped into sequences: sequence s holds rows start[s] ..
 * start[s + 1] - 1, in order; keys[s] is its entity, as text ("" when
 * there is no entity column and the relation is one sequence).
 */
typedef struct RawSequences
{
	char	   *entity;			/* column names; entity may be NULL */
	char	   *order;
	FmgrInfo	entity_out;
	FmgrInfo	order_out;
	int32	   *start;			/* n + 1 entries */
	char	  **keys;
	int			n;
	int			capacity;
	char	   *last_order;		/* of the row stored last */
} RawSequences;

typedef struct RawTable
{
	int			n_features;
	RawColumn  *features;
	RawColumn	target;
	int			n_rows;
	int64		n_skipped;		/* rows whose target (or entity) was NULL */
	bool		target_per_row; /* a forecast's: a value in every row */
	RawSequences *seq;			/* sequence tasks only */
} RawTable;

/*
 * How the target is read: as classes (boolean, integer or text labels), as
 * numbers (regression), as a number in every row of a series (forecast:
 * never NULL, and the feature columns may be none), or not at all.
 */
typedef enum TargetUse
{
	TARGET_CLASSES,
	TARGET_NUMBERS,
	TARGET_SERIES,
	TARGET_NONE
} TargetUse;

/*
 * Reads the feature columns (features, or all columns but the target and
 * exclude) and the target of relid; when order is given, also groups the
 * rows by entity (all rows form one sequence without an entity) in order,
 * the target of a sequence task coming from the labels relation
 * (joined on the entity) when labels is valid.  ERRORs on a relation that
 * cannot be read, unknown or unsupported columns, NaN or infinity, or no
 * usable rows.  With documents (text classification) the features are
 * texts of any length rather than categories.
 */
extern RawTable *ReadTrainingData(Oid relid, const char *target,
								  TargetUse use, List *features,
								  List *exclude, const char *entity,
								  const char *order, Oid labels,
								  bool documents);

/* The label type of a classification target column. */
extern MkLabelType TargetLabelType(const RawColumn *target);

#endif							/* MKTAI_TRAIN_DATA_H */
