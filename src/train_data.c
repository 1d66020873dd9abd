/*
 * train_data.c
 *		Reading a training relation into columns, in the caller's rights.
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "spi_scan.h"
#include "train_data.h"

#define FETCH_ROWS 10000

/* What the batches of a training scan are stored into. */
typedef struct StoreTarget
{
	RawTable   *table;
	int			capacity;		/* rows the columns have room for */
} StoreTarget;

typedef struct DictEntry
{
	char	   *text;			/* key: the pointer, hashed by content */
	int32		code;
} DictEntry;

static uint32
TextPointerHash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
TextPointerMatch(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static HTAB *
CreateDictionary(const char *name)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(DictEntry);
	ctl.hash = TextPointerHash;
	ctl.match = TextPointerMatch;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 256, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/* The dictionary code of text, adding it on first sight. */
static int32
DictionaryCode(RawColumn *col, char *text)
{
	DictEntry  *entry;
	bool		found;

	if (!col->documents && strlen(text) > MK_MAX_NAME_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("a value of column \"%s\" has %zu bytes; a category may have %d",
						col->name, strlen(text), MK_MAX_NAME_BYTES),
				 errhint("Exclude the column, or map it to shorter categories in a view.")));
	entry = hash_search(col->dict, &text, HASH_ENTER, &found);
	if (!found)
	{
		if (col->n_codes >= MK_MAX_CATEGORIES * 10)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("column \"%s\" has more than %d distinct values",
							col->name, MK_MAX_CATEGORIES * 10),
					 errhint("Exclude identifier-like columns with the \"exclude\" option.")));
		entry->text = pstrdup(text);
		entry->code = col->n_codes;
		if (col->n_codes % 256 == 0)
			col->texts = col->texts == NULL ?
				palloc(sizeof(char *) * 256) :
				repalloc(col->texts, sizeof(char *) * (col->n_codes + 256));
		col->texts[col->n_codes++] = entry->text;
	}
	return entry->code;
}

/* Sets up a column of relation attribute att for the given use. */
static void
InitColumn(RawColumn *col, Form_pg_attribute att, bool is_target,
		   TargetUse use)
{
	col->name = pstrdup(NameStr(att->attname));
	col->typid = att->atttypid;
	col->kind = FeatureKindOfType(att->atttypid, &col->source);

	if (is_target && use == TARGET_CLASSES)
	{
		if (col->kind == MK_COLUMN_NUMERIC &&
			(col->source == SRC_FLOAT4 || col->source == SRC_FLOAT8 ||
			 col->source == SRC_NUMERIC))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("classification target \"%s\" is of type %s",
							col->name, format_type_be(att->atttypid)),
					 errhint("Use boolean, integer or text labels, or task 'regression' for a numeric target.")));
		if (col->kind == MK_COLUMN_NUMERIC)
			col->source = SRC_OUTPUT;
		col->kind = MK_COLUMN_CATEGORICAL;
	}
	else if (is_target && col->kind != MK_COLUMN_NUMERIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target \"%s\" is of type %s, not a number",
						col->name, format_type_be(att->atttypid)),
				 use == TARGET_NUMBERS ?
				 errhint("Use task 'classification' for labels.") : 0));
	else if (col->kind == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" is of type %s, which mktai cannot use as a feature",
						col->name, format_type_be(att->atttypid)),
				 errhint("Exclude it with the \"exclude\" option, or cast it to a number or text in a view.")));

	if (col->source == SRC_OUTPUT)
	{
		Oid			outfn;
		bool		varlena;

		getTypeOutputInfo(att->atttypid, &outfn, &varlena);
		fmgr_info(outfn, &col->output);
	}
	if (col->kind == MK_COLUMN_CATEGORICAL)
		col->dict = CreateDictionary(col->name);
}

static int
FindAttribute(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	return -1;
}

static bool
NameInList(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	return false;
}

static void
pg_attribute_noreturn()
NoSuchColumn(Relation rel, const char *name, const char *role)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("%s column \"%s\" does not exist in relation \"%s\"",
					role, name, RelationGetRelationName(rel)),
			 errhint("Column names are matched exactly, as stored: use lower case for unquoted names.")));
}

/* The attribute numbers (0-based) of the feature columns, in table order. */
static List *
ChooseFeatures(Relation rel, List *reserved, int target_index, List *features,
			   List *exclude, bool allow_none)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *chosen = NIL;
	ListCell   *lc;

	foreach(lc, features)
	{
		int			i = FindAttribute(desc, (char *) lfirst(lc));

		if (i < 0)
			NoSuchColumn(rel, (char *) lfirst(lc), "feature");
		if (list_member_int(reserved, i))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the %s column \"%s\" cannot also be a feature",
							i == target_index ? "target" : "entity or order",
							(char *) lfirst(lc))));
		if (!list_member_int(chosen, i))
			chosen = lappend_int(chosen, i);
	}
	foreach(lc, exclude)
		if (FindAttribute(desc, (char *) lfirst(lc)) < 0)
			NoSuchColumn(rel, (char *) lfirst(lc), "excluded");
	if (features == NIL)
		for (int i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped && !list_member_int(reserved, i) &&
				!NameInList(exclude, NameStr(TupleDescAttr(desc, i)->attname)))
				chosen = lappend_int(chosen, i);
	if (chosen == NIL && !allow_none)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" has no feature columns left",
						RelationGetRelationName(rel))));
	if (list_length(chosen) > MK_MAX_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d feature columns are more than the %d a model may have",
						list_length(chosen), MK_MAX_COLUMNS)));
	return chosen;
}

/* ERRORs unless rel is something rows can be selected from. */
static void
CheckRelationKind(Relation rel)
{
	switch (rel->rd_rel->relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
		case RELKIND_VIEW:
		case RELKIND_MATVIEW:
		case RELKIND_FOREIGN_TABLE:
			return;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is not a table or view",
							RelationGetRelationName(rel)),
					 errhint("Train on a table, a view or a materialized view.")));
	}
}

/* ERRORs unless the caller may SELECT every column the query reads. */
static void
CheckReadable(Relation rel, List *attindexes, int target_index)
{
	Oid			relid = RelationGetRelid(rel);
	ListCell   *lc;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		return;
	foreach(lc, attindexes)
		if (pg_attribute_aclcheck(relid, lfirst_int(lc) + 1, GetUserId(),
								  ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for relation \"%s\"",
							RelationGetRelationName(rel)),
					 errhint("Training reads the relation with your rights: ask for SELECT on it.")));
}

/*
 * The query reading the rows: relation e, joined to the labels relation l
 * on the entity when the target lives there.
 */
static char *
BuildQuery(Relation rel, RawTable *table, Oid labels)
{
	StringInfoData sql;

	const char *sep = "";

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int c = 0; c < table->n_features; c++, sep = ", ")
		appendStringInfo(&sql, "%se.%s", sep,
						 quote_identifier(table->features[c].name));
	if (table->target.name != NULL)
	{
		appendStringInfo(&sql, "%s%s.%s", sep, OidIsValid(labels) ? "l" : "e",
						 quote_identifier(table->target.name));
		sep = ", ";
	}
	if (table->seq != NULL && table->seq->entity != NULL)
		appendStringInfo(&sql, "%se.%s, e.%s", sep,
						 quote_identifier(table->seq->entity),
						 quote_identifier(table->seq->order));
	else if (table->seq != NULL)
		appendStringInfo(&sql, "%s''::pg_catalog.text, e.%s", sep,
						 quote_identifier(table->seq->order));
	appendStringInfo(&sql, " FROM %s e", QualifiedRelationName(RelationGetRelid(rel)));
	if (OidIsValid(labels))
		appendStringInfo(&sql, " JOIN %s l ON l.%s OPERATOR(pg_catalog.=) e.%s",
						 QualifiedRelationName(labels),
						 quote_identifier(table->seq->entity),
						 quote_identifier(table->seq->entity));
	if (table->seq != NULL && table->seq->entity != NULL)
		appendStringInfo(&sql, " ORDER BY e.%s, e.%s", quote_identifier(table->seq->entity),
						 quote_identifier(table->seq->order));
	else if (table->seq != NULL)
		appendStringInfo(&sql, " ORDER BY e.%s", quote_identifier(table->seq->order));
	return sql.data;
}

/*
 * Opens the labels relation of a sequence task, checks that it has the
 * entity and target columns and that the caller may read them; returns the
 * target's attribute there.
 */
static Form_pg_attribute
OpenLabels(Oid labels, const char *entity, const char *target, Relation *lrel)
{
	int			e,
				t;

	*lrel = relation_open(labels, AccessShareLock);
	CheckRelationKind(*lrel);
	e = FindAttribute(RelationGetDescr(*lrel), entity);
	t = FindAttribute(RelationGetDescr(*lrel), target);
	if (e < 0)
		NoSuchColumn(*lrel, entity, "entity");
	if (t < 0)
		NoSuchColumn(*lrel, target, "target");
	CheckReadable(*lrel, list_make2_int(e, t), t);
	return TupleDescAttr(RelationGetDescr(*lrel), t);
}

static void
GrowColumn(RawColumn *col, int capacity)
{
	if (col->kind == MK_COLUMN_NUMERIC)
	{
		col->numbers = col->numbers == NULL ?
			palloc_extended(sizeof(double) * capacity, MCXT_ALLOC_HUGE) :
			repalloc_huge(col->numbers, sizeof(double) * capacity);
		col->nulls = col->nulls == NULL ?
			palloc_extended(sizeof(bool) * capacity, MCXT_ALLOC_HUGE) :
			repalloc_huge(col->nulls, sizeof(bool) * capacity);
	}
	else
		col->codes = col->codes == NULL ?
			palloc_extended(sizeof(int32) * capacity, MCXT_ALLOC_HUGE) :
			repalloc_huge(col->codes, sizeof(int32) * capacity);
}

static void
StoreValue(RawColumn *col, int row, Datum value, bool isnull)
{
	if (isnull)
		col->n_null++;
	if (col->kind == MK_COLUMN_NUMERIC)
	{
		col->nulls[row] = isnull;
		col->numbers[row] = isnull ? 0.0 :
			NumberFromDatum(value, col->source, col->name);
	}
	else
		col->codes[row] = isnull ? -1 :
			DictionaryCode(col, CategoryFromDatum(value, col->source,
												  &col->output));
}

/* True when row r's target equals row r - 1's. */
static bool
SameTarget(const RawColumn *target, int r)
{
	if (target->kind == MK_COLUMN_NUMERIC)
		return target->numbers[r] == target->numbers[r - 1];
	return target->codes[r] == target->codes[r - 1];
}

/* "entity 17", "series 'x'" or "the series", for messages. */
static char *
SequenceName(const RawTable *table, const char *key)
{
	if (table->seq->entity == NULL)
		return "the series";
	return psprintf("%s %s", table->target_per_row ? "series" : "entity", key);
}

/*
 * Files the row being stored (number table->n_rows) under its sequence:
 * rows come ordered by entity and order, so a new entity text starts a new
 * sequence.  ERRORs on a NULL or repeated order value, and on a target
 * that changes within a sequence.
 */
static void
StoreSequenceRow(RawTable *table, Datum entity, Datum order, bool order_null)
{
	RawSequences *seq = table->seq;
	char	   *entity_text = OutputFunctionCall(&seq->entity_out, entity);
	char	   *order_text;
	int			r = table->n_rows;

	if (order_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("order column \"%s\" is NULL in a row of %s",
						seq->order, SequenceName(table, entity_text))));
	order_text = OutputFunctionCall(&seq->order_out, order);
	if (seq->n == 0 || strcmp(entity_text, seq->keys[seq->n - 1]) != 0)
	{
		if (seq->n + 1 >= seq->capacity)
		{
			seq->capacity *= 2;
			seq->start = repalloc_huge(seq->start, sizeof(int32) * seq->capacity);
			seq->keys = repalloc_huge(seq->keys, sizeof(char *) * seq->capacity);
		}
		seq->start[seq->n] = r;
		seq->keys[seq->n++] = entity_text;
	}
	else if (strcmp(order_text, seq->last_order) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s has two rows with %s %s",
						SequenceName(table, entity_text), seq->order, order_text),
				 errhint("Aggregate the rows per %s and period in a view.",
						 table->target_per_row ? "series" : "entity")));
	else if (table->target.name != NULL && !table->target_per_row &&
			 !SameTarget(&table->target, r))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("target \"%s\" changes within entity %s",
						table->target.name, entity_text),
				 errhint("A sequence has one label: use a column constant per entity.")));
	seq->start[seq->n] = r + 1;
	if (seq->last_order != NULL)
		pfree(seq->last_order);
	seq->last_order = order_text;
}

/*
 * Appends the rows of one fetched batch (a BatchConsumer); rows with a NULL
 * target (or entity) are skipped.
 */
static void
StoreBatch(void *arg, SPITupleTable *tuptable, uint64 n)
{
	StoreTarget *store = (StoreTarget *) arg;
	RawTable   *table = store->table;
	int		   *capacity = &store->capacity;
	int			at_target = table->n_features;
	int			at_entity = at_target + (table->target.name ? 1 : 0);
	int			ncols = at_entity + (table->seq ? 2 : 0);
	Datum	   *values = palloc(sizeof(Datum) * ncols);
	bool	   *nulls = palloc(sizeof(bool) * ncols);

	for (uint64 r = 0; r < n; r++)
	{
		heap_deform_tuple(tuptable->vals[r], tuptable->tupdesc, values, nulls);
		if (table->target_per_row && nulls[at_target])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("target \"%s\" is NULL in a row of the series",
							table->target.name),
					 errhint("A forecast needs a value for every period: fill gaps, e.g. with coalesce() in a view.")));
		if ((table->target.name != NULL && nulls[at_target]) ||
			(table->seq != NULL && nulls[at_entity]))
		{
			table->n_skipped++;
			continue;
		}
		if (table->n_rows == PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("training relations may have at most %d rows",
							PG_INT32_MAX),
					 errhint("Train on a sample, e.g. a view with TABLESAMPLE.")));
		if (table->n_rows == *capacity)
		{
			*capacity = Min((int64) *capacity * 2, (int64) PG_INT32_MAX);
			for (int c = 0; c < table->n_features; c++)
				GrowColumn(&table->features[c], *capacity);
			if (table->target.name != NULL)
				GrowColumn(&table->target, *capacity);
		}
		for (int c = 0; c < table->n_features; c++)
			StoreValue(&table->features[c], table->n_rows, values[c], nulls[c]);
		if (table->target.name != NULL)
			StoreValue(&table->target, table->n_rows, values[at_target], false);
		if (table->seq != NULL)
			StoreSequenceRow(table, values[at_entity], values[at_entity + 1],
							 nulls[at_entity + 1]);
		table->n_rows++;
	}
	pfree(values);
	pfree(nulls);
}

static void
FetchRows(RawTable *table, const char *sql)
{
	StoreTarget target = {table, 1024};

	for (int c = 0; c < table->n_features; c++)
		GrowColumn(&table->features[c], target.capacity);
	if (table->target.name != NULL)
		GrowColumn(&table->target, target.capacity);
	ScanQuery(sql, FETCH_ROWS, StoreBatch, &target);
}

/*
 * A text column whose every value is distinct identifies rows rather than
 * describing them; as a feature it only adds noise.  Say so.
 */
static void
WarnIdentifiers(const RawTable *table)
{
	if (table->n_rows < 20)
		return;
	for (int c = 0; c < table->n_features; c++)
	{
		const RawColumn *col = &table->features[c];

		if (col->kind == MK_COLUMN_CATEGORICAL && col->source != SRC_BOOL &&
			col->n_codes == table->n_rows)
			ereport(WARNING,
					(errmsg("column \"%s\" has a different value in every row, like an identifier",
							col->name),
					 errhint("Leave it out with the \"exclude\" option.")));
	}
}

/* Sets up the grouping of rows into sequences by entity and order. */
static RawSequences *
InitSequences(Relation rel, const char *entity, const char *order,
			  List **reserved)
{
	TupleDesc	desc = RelationGetDescr(rel);
	RawSequences *seq = palloc0(sizeof(RawSequences));
	int			e = entity != NULL ? FindAttribute(desc, entity) : -1;
	int			o = FindAttribute(desc, order);
	Oid			outfn = F_TEXTOUT;	/* of the '' standing in for no entity */
	bool		varlena;

	if (entity != NULL && e < 0)
		NoSuchColumn(rel, entity, "entity");
	if (o < 0)
		NoSuchColumn(rel, order, "order");
	if (entity != NULL)
	{
		*reserved = lappend_int(*reserved, e);
		seq->entity = pstrdup(entity);
		getTypeOutputInfo(TupleDescAttr(desc, e)->atttypid, &outfn, &varlena);
	}
	*reserved = lappend_int(*reserved, o);
	seq->order = pstrdup(order);
	fmgr_info(outfn, &seq->entity_out);
	getTypeOutputInfo(TupleDescAttr(desc, o)->atttypid, &outfn, &varlena);
	fmgr_info(outfn, &seq->order_out);
	seq->capacity = 1024;
	seq->start = palloc(sizeof(int32) * seq->capacity);
	seq->keys = palloc(sizeof(char *) * seq->capacity);
	return seq;
}

RawTable *
ReadTrainingData(Oid relid, const char *target, TargetUse use, List *features,
				 List *exclude, const char *entity, const char *order,
				 Oid labels, bool documents)
{
	RawTable   *table = palloc0(sizeof(RawTable));
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	int			target_index = -1;
	List	   *reserved;
	List	   *chosen;
	ListCell   *lc;
	char	   *sql;
	Relation	lrel = NULL;
	Form_pg_attribute target_att = NULL;

	CheckRelationKind(rel);
	if (use != TARGET_NONE)
	{
		/* with a labels relation, a same-named column here is no feature */
		target_index = FindAttribute(desc, target);
		if (OidIsValid(labels))
			target_att = OpenLabels(labels, entity, target, &lrel);
		else if (target_index < 0)
			NoSuchColumn(rel, target, "target");
		else
			target_att = TupleDescAttr(desc, target_index);
	}
	reserved = target_index >= 0 ? list_make1_int(target_index) : NIL;
	table->target_per_row = (use == TARGET_SERIES);
	if (order != NULL)
		table->seq = InitSequences(rel, entity, order, &reserved);
	chosen = ChooseFeatures(rel, reserved, target_index, features, exclude,
							use == TARGET_SERIES);
	CheckReadable(rel, list_concat(list_copy(chosen), reserved), target_index);

	table->n_features = list_length(chosen);
	table->features = palloc0(sizeof(RawColumn) * table->n_features);
	foreach(lc, chosen)
	{
		InitColumn(&table->features[foreach_current_index(lc)],
				   TupleDescAttr(desc, lfirst_int(lc)), false, use);
		table->features[foreach_current_index(lc)].documents = documents;
	}
	if (target_att != NULL)
		InitColumn(&table->target, target_att, true, use);

	sql = BuildQuery(rel, table, labels);
	relation_close(rel, NoLock);
	if (lrel != NULL)
		relation_close(lrel, NoLock);
	FetchRows(table, sql);

	if (features == NIL)		/* columns named one by one were meant */
		WarnIdentifiers(table);
	if (table->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows to train on",
						get_rel_name(relid)),
				 table->n_skipped > 0 ?
				 errdetail("All %lld rows have a NULL target.",
						   (long long) table->n_skipped) : 0));
	return table;
}

MkLabelType
TargetLabelType(const RawColumn *target)
{
	switch (getBaseType(target->typid))
	{
		case BOOLOID:
			return MK_LABEL_BOOL;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return MK_LABEL_INT;
		default:
			return MK_LABEL_TEXT;
	}
}
