/*
 * autoencoder.h
 *		An autoencoder over encoded table rows, trained to reconstruct each
 *		column with the loss that fits its kind.
 *
 * The encoder is an MLP from the n_features input slots to a latent
 * bottleneck (its last layer linear); the decoder an MLP from the latent
 * space back to n_features outputs.  Their parameters live in one block,
 * encoder first, so one optimiser step updates both.
 *
 * The reconstruction loss is a sum over groups of slots: a numeric value
 * slot is compared by squared error, a 0/1 indicator by binary
 * cross-entropy on its logit, and a one-hot group (the categories of a
 * column, or its quantile bins) by softmax cross-entropy over the group.
 * Rows are averaged; a row's loss is also its anomaly score.
 */
#ifndef MK_AUTOENCODER_H
#define MK_AUTOENCODER_H

#include <stdint.h>

#include "fit.h"
#include "mlp.h"

typedef enum MkReconKind
{
	MK_RECON_MSE = 1,			/* width 1: (out - x)^2 */
	MK_RECON_BCE = 2,			/* width 1: cross-entropy of sigmoid(out) */
	MK_RECON_SOFTMAX = 3		/* width w: cross-entropy of softmax(out) */
} MkReconKind;

typedef struct MkReconGroup
{
	int32_t		offset;
	int32_t		width;
	MkReconKind kind;
} MkReconGroup;

/*
 * Per-row reconstruction loss of out[B, F] against x[B, F]: writes
 * row_loss[B] (if not NULL) and returns the mean over rows.
 */
extern double mk_recon_forward(float *row_loss, const float *out,
							   const float *x, const MkReconGroup *groups,
							   int n_groups, int B, int F);

/* Writes dout[B, F] = d mean-loss / d out. */
extern void mk_recon_backward(float *dout, const float *out, const float *x,
							  const MkReconGroup *groups, int n_groups,
							  int B, int F);

typedef struct MkAutoencoder
{
	MkMlpConfig encoder;		/* sizes[0] = F ... sizes[n_dense] = latent */
	MkMlpConfig decoder;		/* sizes[0] = latent ... sizes[n_dense] = F */
} MkAutoencoder;

/* The mirrored autoencoder F -> hidden... -> latent -> ...hidden -> F. */
extern void mk_ae_configure(MkAutoencoder *ae, int F, const int *hidden,
							int n_hidden, int latent, MkActivation act,
							float dropout);

/* Parameters of encoder then decoder, in one block. */
extern size_t mk_ae_num_params(const MkAutoencoder *ae);
extern void mk_ae_init(float *block, const MkAutoencoder *ae, MkRng *rng);

/*
 * Trains as mk_mlp_fit does (shuffled mini-batches, AdamW or SGD, early
 * stopping on the validation rows' loss, best parameters restored, hooks
 * before every batch and after every epoch): opt->loss is ignored;
 * valid_metric in the reports is the validation loss.  Rows are
 * train->x / valid->x; y and labels are unused.
 */
extern void mk_ae_fit(const MkAutoencoder *ae, float *params,
					  const MkReconGroup *groups, int n_groups,
					  const MkDataset *train, const MkDataset *valid,
					  const MkFitOptions *opt, const MkFitHooks *hooks,
					  MkFitResult *result);

/*
 * Scoring n rows in chunks of acts' batch size: the latent codes
 * latent[n, latent] (if not NULL) and the per-row reconstruction losses
 * loss[n] (if not NULL).  enc_acts and dec_acts come from
 * mk_mlp_acts_create on the encoder and the decoder.
 */
extern void mk_ae_score(const MkAutoencoder *ae, const float *params,
						const MkReconGroup *groups, int n_groups,
						MkMlpActs *enc_acts, MkMlpActs *dec_acts,
						const float *x, int n, float *latent, float *loss);

#endif							/* MK_AUTOENCODER_H */
