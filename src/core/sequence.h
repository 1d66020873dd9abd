/*
 * sequence.h
 *		Sequence models: a recurrent encoder (recurrent.h) whose final
 *		hidden state feeds an MLP head (mlp.h) giving logits or a value.
 *
 * Parameters live in one block, the recurrent layers' first, then the
 * head's, so one optimiser step updates both.  Sequences are batch-major
 * x[N, T, C], left-aligned, each with its length (1 .. T); padding steps
 * hold zeros.
 */
#ifndef MK_SEQUENCE_H
#define MK_SEQUENCE_H

#include <stdint.h>

#include "fit.h"
#include "mlp.h"
#include "recurrent.h"

typedef struct MkSeqModel
{
	MkRnnConfig rnn;			/* input C, hidden H */
	MkMlpConfig head;			/* sizes[0] = H ... outputs */
} MkSeqModel;

/* Checks a configuration; returns NULL when valid, else a static message. */
extern const char *mk_seq_config_error(const MkSeqModel *model);

extern size_t mk_seq_num_params(const MkSeqModel *model);

/* The recurrent layers' parameters, then the head's, each as PyTorch would. */
extern void mk_seq_init(float *block, const MkSeqModel *model, MkRng *rng);

/*
 * N sequences x[N, T, C] with lengths[N]; targets y[N] (BCE), y[N, K] for
 * a head of K outputs (MSE, MAE) or labels[N] (softmax); optional
 * per-sequence weights (in training; validation is unweighted for K > 1).
 */
typedef struct MkSeqDataset
{
	const float *x;
	const int32_t *lengths;
	const float *y;
	const int32_t *labels;
	const float *weight;
	int			n;
	int			T;
	int			C;
} MkSeqDataset;

/*
 * Trains as mk_mlp_fit does (seeded shuffling of sequences, mini-batches,
 * AdamW or SGD, early stopping on the validation sequences' loss, best
 * parameters restored, hooks before every batch and after every epoch),
 * clipping the gradients' global norm to clip before every step when
 * clip > 0.  valid_metric: AUC (BCE), accuracy (softmax), RMSE (MSE), MAE
 * (MAE).
 */
extern void mk_seq_fit(const MkSeqModel *model, float *params,
					   const MkSeqDataset *train, const MkSeqDataset *valid,
					   const MkFitOptions *opt, float clip,
					   const MkFitHooks *hooks, MkFitResult *result);

/* The head's outputs (logits or values) out[n, outputs] for every sequence. */
extern void mk_seq_score(const MkSeqModel *model, const float *params,
						 const MkSeqDataset *data, float *out);

/*
 * Streaming: the head's outputs out[outputs] for the sequence whose
 * recurrent state (mk_rnn_step) is state; scratch holds
 * mk_seq_head_scratch_size() floats.
 */
extern size_t mk_seq_head_scratch_size(const MkSeqModel *model);
extern void mk_seq_head(const MkSeqModel *model, const float *params,
						const float *state, float *scratch, float *out);

#endif							/* MK_SEQUENCE_H */
