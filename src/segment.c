/*
 * segment.c
 *		Scoring rows with a segmentation model: mktai.segment(),
 *		mktai.encode() and mktai.reconstruction_error(), each taking a row of
 *		any type or a jsonb object.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#include "core/kmeans.h"
#include "score_state.h"

/* Encodes argument 1 of a segmentation scoring function. */
static ScoreState *
EncodeForSegments(FunctionCallInfo fcinfo, const char *function)
{
	ScoreState *state = GetScoreState(fcinfo);

	if (state->handle->model.task != MK_TASK_SEGMENTATION)
		WrongTask(state, function,
				  "Use mktai.predict() and its kin for supervised models.");
	EncodeArgument(fcinfo, state);
	return state;
}

/*
 * The point the clusters live in for the encoded row: its latent code
 * (autoencoder) or the encoded row itself (k-means).
 */
static const float *
Embed(ScoreState *state)
{
	const MkModel *model = &state->handle->model;

	if (model->segments.method == MK_SEGMENT_KMEANS)
		return state->features;
	return mk_mlp_forward(&model->mlp, &state->handle->params, state->acts,
						  state->features, 1, false, NULL);
}

PG_FUNCTION_INFO_V1(mktai_segment);

/* The segment of a row, numbered from 1 (the largest in training). */
Datum
mktai_segment(PG_FUNCTION_ARGS)
{
	ScoreState *state = EncodeForSegments(fcinfo, "mktai.segment()");
	const MkSegments *seg = &state->handle->model.segments;
	int32		nearest;

	mk_kmeans_assign(Embed(state), 1, seg->dim, seg->centroids, seg->k,
					 &nearest, NULL);
	PG_RETURN_INT32(nearest + 1);
}

PG_FUNCTION_INFO_V1(mktai_encode);

/* The row's latent code (autoencoder) or its encoded columns (k-means). */
Datum
mktai_encode(PG_FUNCTION_ARGS)
{
	ScoreState *state = EncodeForSegments(fcinfo, "mktai.encode()");
	int			dim = state->handle->model.segments.dim;
	const float *point = Embed(state);
	Datum	   *elems = palloc(sizeof(Datum) * dim);

	for (int i = 0; i < dim; i++)
		elems[i] = Float4GetDatum(point[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, dim, FLOAT4OID, sizeof(float4),
										  true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(mktai_reconstruction_error);

/*
 * An anomaly score: the autoencoder's reconstruction loss of the row, or
 * for k-means the squared distance to the nearest segment centre.
 */
Datum
mktai_reconstruction_error(PG_FUNCTION_ARGS)
{
	ScoreState *state = EncodeForSegments(fcinfo, "mktai.reconstruction_error()");
	const MkModel *model = &state->handle->model;
	const MkSegments *seg = &model->segments;
	float		error;

	if (seg->method == MK_SEGMENT_KMEANS)
	{
		int32		nearest;

		mk_kmeans_assign(state->features, 1, seg->dim, seg->centroids, seg->k,
						 &nearest, &error);
	}
	else
	{
		MkAutoencoder ae = {model->mlp, seg->decoder};

		mk_ae_score(&ae, model->params, state->groups, state->n_groups,
					state->acts, state->decoder_acts, state->features, 1,
					NULL, &error);
	}
	PG_RETURN_FLOAT8((double) error);
}
