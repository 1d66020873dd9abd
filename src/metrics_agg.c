/*
 * metrics_agg.c
 *		Evaluation aggregates: mktai.auc and mktai.log_loss.
 *
 * Both keep their transition state in a SQL type, never internal, so that
 * parallel workers (and Citus shards) can hand partial states to a leader
 * that merges them with the combine function.  auc keeps a bytea: a header
 * {count, capacity} followed by capacity (score, label) pairs, since the
 * Mann-Whitney statistic needs every score.  log_loss keeps a float8[]
 * {sum, count}.
 *
 * Memory protocol of nodeAgg for a by-reference state: when a transition or
 * combine function returns a pointer other than the state it was given,
 * nodeAgg copies the result into the aggregate's context and pfree()s the
 * old state.  So an auc state is never repalloc'd (nodeAgg would free it a
 * second time).  When it is full, a copy with twice the capacity is palloc'd
 * in CurrentMemoryContext, the short-lived per-tuple context, and returned;
 * while it has room it is changed in place and the same pointer comes back,
 * which keeps appends amortised O(1).  Changes in place happen only when
 * AggCheckCallContext() says an aggregate owns the state; a direct SQL call
 * of a support function works on a copy and never changes its argument.
 *
 * The final functions leave the state alone (FINALFUNC_MODIFY = READ_ONLY),
 * since a window aggregate calls them again on the same state: auc sorts a
 * copy of the pairs.
 *
 * A state is a value anyone can build by hand and pass to the support
 * functions, so its shape is checked on every way in and the final function
 * checks every pair before mk_auc sees it.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "core/metrics.h"

/*
 * Header of the bytea state of mktai.auc.  The pairs follow it, at an 8-byte
 * boundary.  The header is read through this struct even when the bytea sits
 * in a tuple aligned to 4 bytes only (bytea's alignment); the pairs are
 * accessed in place only in states we palloc'd, and copied out otherwise.
 */
typedef struct AucState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		count;			/* pairs in use */
	int32		capacity;		/* pairs allocated */
	int32		reserved;		/* zero */
} AucState;

StaticAssertDecl(sizeof(AucState) % MAXIMUM_ALIGNOF == 0,
				 "auc pairs must start on a MAXALIGN boundary");

#define AUC_PAIR_BYTES(state)	((char *) (state) + sizeof(AucState))
#define AUC_PAIRS(state)		((MkScoredLabel *) AUC_PAIR_BYTES(state))
#define AUC_STATE_SIZE(capacity) \
	(sizeof(AucState) + (Size) (capacity) * sizeof(MkScoredLabel))

/* Most pairs a state can hold: a varlena is limited to 1 GB. */
#define AUC_MAX_PAIRS \
	((int32) ((MaxAllocSize - sizeof(AucState)) / sizeof(MkScoredLabel)))

/* Capacity of a new state; it doubles each time it fills up. */
#define AUC_INITIAL_CAPACITY	64

PG_FUNCTION_INFO_V1(auc_step_bool);
PG_FUNCTION_INFO_V1(auc_step_int);
PG_FUNCTION_INFO_V1(auc_combine);
PG_FUNCTION_INFO_V1(auc_final);
PG_FUNCTION_INFO_V1(log_loss_step_bool);
PG_FUNCTION_INFO_V1(log_loss_step_int);
PG_FUNCTION_INFO_V1(log_loss_combine);
PG_FUNCTION_INFO_V1(log_loss_final);

/* Checks that an integer label is 0 or 1; aggname names the caller. */
static int32
check_label(int32 label, const char *aggname)
{
	if (label != 0 && label != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s label must be 0 or 1, not %d", aggname, label)));
	return label;
}

/* Checks that an auc score is neither NaN nor infinite. */
static void
check_score(float8 score)
{
	if (!isfinite(score))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("auc score must be finite"),
				 errdetail("The score is %s.", float8out_internal(score))));
}

/* Checks that a log_loss probability is a number within [0, 1]. */
static void
check_prob(float8 prob)
{
	if (isnan(prob) || prob < 0.0 || prob > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("log_loss probability must be between 0 and 1, not %s",
						float8out_internal(prob))));
}

/* Checks the header of a detoasted auc state and returns it. */
static AucState *
auc_state_check(bytea *raw)
{
	AucState   *state = (AucState *) raw;
	Size		size = VARSIZE(raw);

	if (size < sizeof(AucState))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid auc state: %zu bytes is shorter than its header",
						size)));
	if (state->capacity < 0 || state->capacity > AUC_MAX_PAIRS ||
		state->count < 0 || state->count > state->capacity ||
		size != AUC_STATE_SIZE(state->capacity))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid auc state"),
				 errdetail("The state has %zu bytes for %d of %d pairs.",
						   size, state->count, state->capacity)));
	return state;
}

/*
 * Returns a state with room for "needed" pairs that holds the pairs of
 * "state" (NULL for none).  That is "state" itself when the caller may change
 * it in place and it has room; otherwise a new state in CurrentMemoryContext
 * with at least twice the capacity, the unused pairs zeroed.
 */
static AucState *
auc_state_reserve(AucState *state, int64 needed, bool in_place)
{
	int32		count = (state != NULL) ? state->count : 0;
	int64		capacity;
	AucState   *grown;

	if (needed > AUC_MAX_PAIRS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("auc cannot aggregate more than %d rows in one group",
						AUC_MAX_PAIRS),
				 errdetail("The state keeps every pair, and a value is limited to 1 GB."),
				 errhint("Compute the AUC over a sample, for example with TABLESAMPLE.")));

	if (state != NULL && in_place && state->capacity >= needed &&
		PointerIsAligned(state, double))
		return state;

	capacity = Max(needed, AUC_INITIAL_CAPACITY);
	if (state != NULL)
		capacity = Max(capacity, 2 * (int64) state->capacity);
	capacity = Min(capacity, AUC_MAX_PAIRS);

	grown = (AucState *) palloc(AUC_STATE_SIZE(capacity));
	SET_VARSIZE(grown, AUC_STATE_SIZE(capacity));
	grown->count = count;
	grown->capacity = (int32) capacity;
	grown->reserved = 0;
	if (count > 0)
		memcpy(AUC_PAIR_BYTES(grown), AUC_PAIR_BYTES(state),
			   (Size) count * sizeof(MkScoredLabel));
	memset(AUC_PAIRS(grown) + count, 0,
		   (Size) (capacity - count) * sizeof(MkScoredLabel));
	return grown;
}

/* Returns the state argument unchanged: the row has a NULL input. */
static Datum
auc_skip(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/* Appends one checked (score, label) pair to the state argument. */
static Datum
auc_append(FunctionCallInfo fcinfo, float8 score, int32 label)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
	AucState   *state = NULL;
	MkScoredLabel *pair;

	check_score(score);
	if (!PG_ARGISNULL(0))
		state = auc_state_check(PG_GETARG_BYTEA_P(0));

	state = auc_state_reserve(state,
							  (int64) ((state != NULL) ? state->count : 0) + 1,
							  in_agg);
	pair = &AUC_PAIRS(state)[state->count++];
	pair->score = score;
	pair->label = label;
	PG_RETURN_BYTEA_P(state);
}

/* mktai.auc_step_bool(state, score, label boolean): transition of auc. */
Datum
auc_step_bool(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return auc_skip(fcinfo);
	return auc_append(fcinfo, PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2) ? 1 : 0);
}

/* mktai.auc_step_int(state, score, label integer): transition of auc. */
Datum
auc_step_int(PG_FUNCTION_ARGS)
{
	int32		label;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return auc_skip(fcinfo);
	label = check_label(PG_GETARG_INT32(2), "auc");
	return auc_append(fcinfo, PG_GETARG_FLOAT8(1), label);
}

/* mktai.auc_combine(state, state): appends the pairs of one to the other. */
Datum
auc_combine(PG_FUNCTION_ARGS)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
	AucState   *state1 = NULL;
	AucState   *state2;
	AucState   *merged;

	if (PG_ARGISNULL(1))
		return auc_skip(fcinfo);
	state2 = auc_state_check(PG_GETARG_BYTEA_P(1));
	if (!PG_ARGISNULL(0))
		state1 = auc_state_check(PG_GETARG_BYTEA_P(0));

	/* state2 may sit in a tuple aligned to 4 bytes: copy its pairs as bytes */
	merged = auc_state_reserve(state1,
							   (int64) ((state1 != NULL) ? state1->count : 0) +
							   state2->count,
							   in_agg);
	memcpy(AUC_PAIRS(merged) + merged->count, AUC_PAIR_BYTES(state2),
		   (Size) state2->count * sizeof(MkScoredLabel));
	merged->count += state2->count;
	PG_RETURN_BYTEA_P(merged);
}

/*
 * mktai.auc_final(state): the AUC of the pairs, or NULL when one class is
 * absent.  Sorts a copy (mk_auc sorts in place, and cannot be cancelled
 * while it does).
 */
Datum
auc_final(PG_FUNCTION_ARGS)
{
	AucState   *state = auc_state_check(PG_GETARG_BYTEA_P(0));
	int32		n = state->count;
	int64		positives = 0;
	MkScoredLabel *pairs;
	float8		result;

	if (n == 0)
		PG_RETURN_NULL();

	pairs = (MkScoredLabel *) palloc((Size) n * sizeof(MkScoredLabel));
	memcpy(pairs, AUC_PAIR_BYTES(state), (Size) n * sizeof(MkScoredLabel));
	for (int32 i = 0; i < n; i++)
	{
		if ((pairs[i].label != 0 && pairs[i].label != 1) ||
			!isfinite(pairs[i].score))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid auc state"),
					 errdetail("Pair %d has score %s and label %d.", i,
							   float8out_internal(pairs[i].score),
							   (int) pairs[i].label)));
		positives += pairs[i].label;
	}

	/* AUC is undefined unless both classes are present */
	if (positives == 0 || positives == n)
	{
		pfree(pairs);
		PG_RETURN_NULL();
	}

	result = mk_auc(pairs, (size_t) n);
	pfree(pairs);
	PG_RETURN_FLOAT8(result);
}

/* Checks the shape of a log_loss state and returns its {sum, count}. */
static float8 *
log_loss_values(ArrayType *state)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != 2 ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid log_loss state"),
				 errdetail("The state must be a float8 array {sum, count} without NULLs.")));
	return (float8 *) ARR_DATA_PTR(state);
}

/* Adds the log loss of one checked (prob, label) row to the state argument. */
static Datum
log_loss_add(FunctionCallInfo fcinfo, float8 prob, int32 label)
{
	ArrayType  *state;
	float8	   *values;

	check_prob(prob);

	/* the initcond gives each group a fresh array in the aggregate context */
	if (AggCheckCallContext(fcinfo, NULL))
		state = PG_GETARG_ARRAYTYPE_P(0);
	else
		state = PG_GETARG_ARRAYTYPE_P_COPY(0);
	values = log_loss_values(state);
	values[0] += mk_log_loss_term(prob, label);
	values[1] += 1.0;
	PG_RETURN_ARRAYTYPE_P(state);
}

/* mktai.log_loss_step_bool(state, prob, label boolean): transition. */
Datum
log_loss_step_bool(PG_FUNCTION_ARGS)
{
	return log_loss_add(fcinfo, PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2) ? 1 : 0);
}

/* mktai.log_loss_step_int(state, prob, label integer): transition. */
Datum
log_loss_step_int(PG_FUNCTION_ARGS)
{
	int32		label = check_label(PG_GETARG_INT32(2), "log_loss");

	return log_loss_add(fcinfo, PG_GETARG_FLOAT8(1), label);
}

/* mktai.log_loss_combine(state, state): adds the sums and the counts. */
Datum
log_loss_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1;
	float8	   *values1;
	float8	   *values2;

	if (AggCheckCallContext(fcinfo, NULL))
		state1 = PG_GETARG_ARRAYTYPE_P(0);
	else
		state1 = PG_GETARG_ARRAYTYPE_P_COPY(0);
	values1 = log_loss_values(state1);
	values2 = log_loss_values(PG_GETARG_ARRAYTYPE_P(1));
	values1[0] += values2[0];
	values1[1] += values2[1];
	PG_RETURN_ARRAYTYPE_P(state1);
}

/* mktai.log_loss_final(state): mean log loss, or NULL for no rows. */
Datum
log_loss_final(PG_FUNCTION_ARGS)
{
	float8	   *values = log_loss_values(PG_GETARG_ARRAYTYPE_P(0));

	if (values[1] == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(values[0] / values[1]);
}
