/*
 * score_state.h
 *		What a scoring function keeps across the rows of one query: the
 *		pinned model, the row encoder and the buffers.
 */
#ifndef MKTAI_SCORE_STATE_H
#define MKTAI_SCORE_STATE_H

#include "postgres.h"

#include "fmgr.h"

#include "core/autoencoder.h"
#include "core/mlp.h"
#include "model_cache.h"
#include "row_encode.h"

typedef struct ScoreState
{
	text	   *name;			/* model name the state was made for */
	ModelHandle *handle;
	bool		jsonb_input;
	RowEncoder *encoder;		/* composite input, bound per row type */
	float	   *features;		/* the encoded row */
	float	   *outputs;		/* network outputs, or the latent code */
	MkMlpActs  *acts;			/* the network's (the encoder's), one row */
	MkMlpActs  *decoder_acts;	/* an autoencoder's decoder, one row */
	MkReconGroup *groups;		/* an autoencoder's reconstruction groups */
	int			n_groups;
	struct DocumentBuffers *doc;	/* a text classifier's token and id buffers */
	float	   *probs;			/* a text classifier's class probabilities */
	float	   *text_scratch;	/* mk_text_scratch_size() floats */
} ScoreState;

/*
 * The state of this call site, made on the first row of a query (and again
 * should the model name change from row to row): argument 0 is the model
 * name, argument 1 the row or jsonb to score.
 */
extern ScoreState *GetScoreState(FunctionCallInfo fcinfo);

/* Encodes argument 1 into state->features. */
extern void EncodeArgument(FunctionCallInfo fcinfo, ScoreState *state);

/* ERROR: function cannot score this model's task; hint says what can. */
extern void WrongTask(const ScoreState *state, const char *function,
					  const char *hint) pg_attribute_noreturn();

#endif							/* MKTAI_SCORE_STATE_H */
