/*
 * autoencoder.c
 *		The autoencoder: the reconstruction loss of each kind of slot group,
 *		the mirrored configuration, and training and scoring on two MLPs.
 *
 * A batch x[B, F] goes through
 *	z = encoder(x)				[B, latent], the encoder's last layer linear
 *	out = decoder(z)			[B, F], a value or a logit per slot
 *	loss = 1/B sum_rows sum_groups l_g(out, x)
 * and back: d out from the loss, the decoder's backward with its input
 * gradient dz, then the encoder's backward from dz.  The two MLPs keep
 * their own activations; their parameters share one block, encoder first.
 *
 * Training reuses the loop of fit.c (fit_common.h) for the row order, the
 * optimiser, validation and early stopping; the per-row weights of
 * MkDataset are not used.
 */
#include <math.h>
#include <string.h>

#include "autoencoder.h"
#include "fit_common.h"
#include "mk_alloc.h"

/* What the autoencoder's batch and validation callbacks need. */
typedef struct AeState
{
	MkFitLoop	loop;
	const MkAutoencoder *ae;
	const MkReconGroup *groups;
	int			n_groups;
	const MkDataset *train;
	const MkDataset *valid;		/* NULL without validation rows */
	int			F;				/* input and output slots */
	int			latent;			/* width of the bottleneck */
	MkMlpParams enc_p;			/* bound to loop.params */
	MkMlpParams dec_p;
	MkMlpParams enc_g;			/* bound to loop.grads */
	MkMlpParams dec_g;
	float	   *x;				/* [batch_size, F] gathered rows */
	float	   *dout;			/* [batch_size, F] */
	float	   *dlatent;		/* [batch_size, latent] */
	MkMlpActs  *enc_acts;
	MkMlpActs  *dec_acts;
} AeState;

/* The logistic function in double, stable for either sign of z. */
static double
sigmoid_double(double z)
{
	double		e;

	if (z >= 0.0)
		return 1.0 / (1.0 + exp(-z));
	e = exp(z);
	return e / (1.0 + e);
}

/* log sum_k exp(z[k]) of w logits, shifted by their maximum. */
static double
log_sum_exp(const float *z, int w)
{
	double		max = z[0];
	double		sum = 0.0;

	for (int k = 1; k < w; k++)
		max = fmax(max, z[k]);
	for (int k = 0; k < w; k++)
		sum += exp(z[k] - max);
	return max + log(sum);
}

/*
 * Loss of one group of one row, out[w] against x[w] (both at the group's
 * offset):
 *	MSE		sum_k (out_k - x_k)^2
 *	BCE		sum_k max(z, 0) - z x + log(1 + e^-|z|), z = out_k, which is
 *			-x log sigmoid(z) - (1 - x) log(1 - sigmoid(z)) without overflow
 *	SOFTMAX	-sum_k t_k log softmax(z)_k = T lse(z) - sum_k t_k z_k with
 *			t = x and T = sum_k t_k; an all-zero t (a NULL) costs 0
 */
static double
group_loss(const MkReconGroup *g, const float *out, const float *x)
{
	double		sum = 0.0;
	double		T = 0.0;

	switch (g->kind)
	{
		case MK_RECON_MSE:
			for (int k = 0; k < g->width; k++)
				sum += ((double) out[k] - x[k]) * ((double) out[k] - x[k]);
			return sum;
		case MK_RECON_BCE:
			for (int k = 0; k < g->width; k++)
			{
				double		z = out[k];

				sum += fmax(z, 0.0) - z * x[k] + log1p(exp(-fabs(z)));
			}
			return sum;
		case MK_RECON_SOFTMAX:
			for (int k = 0; k < g->width; k++)
			{
				T += x[k];
				sum += (double) x[k] * out[k];
			}
			return T != 0.0 ? T * log_sum_exp(out, g->width) - sum : 0.0;
	}
	return NAN;
}

/*
 * Writes scale * d group_loss / d out into dout[w] (the group's slots of
 * one row):
 *	MSE		2 (out_k - x_k)
 *	BCE		sigmoid(out_k) - x_k
 *	SOFTMAX	T softmax(out)_k - t_k, which is 0 for an all-zero t
 */
static void
group_backward(float *dout, const MkReconGroup *g, const float *out,
			   const float *x, double scale)
{
	double		T = 0.0;
	double		lse;

	switch (g->kind)
	{
		case MK_RECON_MSE:
			for (int k = 0; k < g->width; k++)
				dout[k] = (float) (scale * 2.0 * ((double) out[k] - x[k]));
			break;
		case MK_RECON_BCE:
			for (int k = 0; k < g->width; k++)
				dout[k] = (float) (scale * (sigmoid_double(out[k]) - x[k]));
			break;
		case MK_RECON_SOFTMAX:
			for (int k = 0; k < g->width; k++)
				T += x[k];
			if (T == 0.0)
				break;
			lse = log_sum_exp(out, g->width);
			for (int k = 0; k < g->width; k++)
				dout[k] = (float) (scale * (T * exp(out[k] - lse) - x[k]));
			break;
	}
}

/*
 * Per-row reconstruction loss of out[B, F] against x[B, F]: the sum of its
 * groups' losses into row_loss[B] when not NULL; returns the mean over the
 * rows (0 for an empty batch).  Slots outside every group cost nothing.
 */
double
mk_recon_forward(float *row_loss, const float *out, const float *x,
				 const MkReconGroup *groups, int n_groups, int B, int F)
{
	double		sum = 0.0;

	for (int b = 0; b < B; b++)
	{
		const float *out_b = out + (size_t) b * F;
		const float *x_b = x + (size_t) b * F;
		double		l = 0.0;

		for (int i = 0; i < n_groups; i++)
			l += group_loss(&groups[i], out_b + groups[i].offset,
							x_b + groups[i].offset);
		if (row_loss != NULL)
			row_loss[b] = (float) l;
		sum += l;
	}
	return B > 0 ? sum / B : 0.0;
}

/*
 * Writes dout[B, F] = d mean-loss / d out: each group's gradient divided by
 * B, and 0 in the slots outside every group.
 */
void
mk_recon_backward(float *dout, const float *out, const float *x,
				  const MkReconGroup *groups, int n_groups, int B, int F)
{
	double		scale = B > 0 ? 1.0 / B : 0.0;

	memset(dout, 0, mk_mul_size(mk_mul_size(B, F), sizeof(float)));
	for (int b = 0; b < B; b++)
	{
		size_t		row = (size_t) b * F;

		for (int i = 0; i < n_groups; i++)
		{
			size_t		at = row + groups[i].offset;

			group_backward(dout + at, &groups[i], out + at, x + at, scale);
		}
	}
}

/*
 * Encoder sizes [F, hidden[0], ..., hidden[n_hidden - 1], latent], decoder
 * the mirror image [latent, hidden[n_hidden - 1], ..., hidden[0], F]; both
 * with act and dropout between layers.  With more hidden layers than an
 * MLP holds, only n_dense is set (out of range), so that
 * mk_mlp_config_error rejects both halves.
 */
void
mk_ae_configure(MkAutoencoder *ae, int F, const int *hidden, int n_hidden,
				int latent, MkActivation act, float dropout)
{
	int			L = n_hidden + 1;

	memset(ae, 0, sizeof(MkAutoencoder));
	ae->encoder.n_dense = L;
	ae->encoder.activation = act;
	ae->encoder.dropout = dropout;
	ae->decoder = ae->encoder;
	if (L < 1 || L > MK_MLP_MAX_DENSE)
		return;
	ae->encoder.sizes[0] = F;
	ae->encoder.sizes[L] = latent;
	ae->decoder.sizes[0] = latent;
	ae->decoder.sizes[L] = F;
	for (int h = 0; h < n_hidden; h++)
	{
		ae->encoder.sizes[h + 1] = hidden[h];
		ae->decoder.sizes[L - 1 - h] = hidden[h];
	}
}

/* Encoder parameters plus decoder parameters. */
size_t
mk_ae_num_params(const MkAutoencoder *ae)
{
	return mk_mlp_num_params(&ae->encoder) + mk_mlp_num_params(&ae->decoder);
}

/* Initialises the encoder's part of block, then the decoder's, from rng. */
void
mk_ae_init(float *block, const MkAutoencoder *ae, MkRng *rng)
{
	mk_mlp_init(block, &ae->encoder, rng);
	mk_mlp_init(block + mk_mlp_num_params(&ae->encoder), &ae->decoder, rng);
}

/* Points enc and dec into block: the encoder's part, then the decoder's. */
static void
ae_bind(MkMlpParams *enc, MkMlpParams *dec, float *block,
		const MkAutoencoder *ae)
{
	mk_mlp_bind(enc, block, &ae->encoder);
	mk_mlp_bind(dec, block + mk_mlp_num_params(&ae->encoder), &ae->decoder);
}

/*
 * Runs x[B, F] through encoder and decoder: sets *z to the latent codes
 * [B, latent] (in enc_acts) and returns the reconstruction [B, F] (in
 * dec_acts).  Dropout, when training, draws from rng, encoder first.
 */
static const float *
ae_forward(const MkAutoencoder *ae, const MkMlpParams *enc,
		   const MkMlpParams *dec, MkMlpActs *enc_acts, MkMlpActs *dec_acts,
		   const float *x, int B, bool training, MkRng *rng,
		   const float **z)
{
	*z = mk_mlp_forward(&ae->encoder, enc, enc_acts, x, B, training, rng);
	return mk_mlp_forward(&ae->decoder, dec, dec_acts, *z, B, training, rng);
}

/* Allocates the autoencoder's batch, gradient and activation buffers. */
static void
ae_fit_begin(AeState *st)
{
	int			n_valid = st->valid != NULL ? st->valid->n : 0;
	int			bs = st->loop.batch_size;
	int			max_batch = n_valid < MK_FIT_EVAL_CHUNK ?
		n_valid : MK_FIT_EVAL_CHUNK;

	if (max_batch < bs)
		max_batch = bs;
	ae_bind(&st->enc_p, &st->dec_p, st->loop.params, st->ae);
	ae_bind(&st->enc_g, &st->dec_g, st->loop.grads, st->ae);
	st->x = mk_fit_alloc_array(mk_mul_size(bs, st->F), sizeof(float));
	st->dout = mk_fit_alloc_array(mk_mul_size(bs, st->F), sizeof(float));
	st->dlatent = mk_fit_alloc_array(mk_mul_size(bs, st->latent),
									 sizeof(float));
	st->enc_acts = mk_mlp_acts_create(&st->ae->encoder, max_batch);
	st->dec_acts = mk_mlp_acts_create(&st->ae->decoder, max_batch);
}

/* Frees everything ae_fit_begin allocated. */
static void
ae_fit_end(AeState *st)
{
	mk_free(st->x);
	mk_free(st->dout);
	mk_free(st->dlatent);
	mk_mlp_acts_free(st->enc_acts);
	mk_mlp_acts_free(st->dec_acts);
}

/*
 * Trains on the B training rows rows[0 .. B); an MkFitBatchFn.  The
 * decoder's backward needs the latent codes, which are the encoder's
 * output and so survive the encoder's own backward; it runs first.
 */
static double
ae_train_batch(void *ctx, const int32_t *rows, int B)
{
	AeState    *st = (AeState *) ctx;
	const MkAutoencoder *ae = st->ae;
	size_t		F = (size_t) st->F;
	const float *z;
	const float *out;
	double		loss;

	for (int b = 0; b < B; b++)
		memcpy(st->x + b * F, st->train->x + (size_t) rows[b] * F,
			   F * sizeof(float));
	out = ae_forward(ae, &st->enc_p, &st->dec_p, st->enc_acts, st->dec_acts,
					 st->x, B, true, &st->loop.dropout_rng, &z);
	loss = mk_recon_forward(NULL, out, st->x, st->groups, st->n_groups,
							B, st->F);
	mk_recon_backward(st->dout, out, st->x, st->groups, st->n_groups,
					  B, st->F);
	memset(st->loop.grads, 0, st->loop.n_params * sizeof(float));
	memset(st->dlatent, 0, (size_t) B * st->latent * sizeof(float));
	mk_mlp_backward(&ae->decoder, &st->dec_g, st->dlatent, st->dec_acts,
					&st->dec_p, st->dout, z, B);
	mk_mlp_backward(&ae->encoder, &st->enc_g, NULL, st->enc_acts,
					&st->enc_p, st->dlatent, st->x, B);
	mk_fit_loop_step(&st->loop);
	return loss;
}

/*
 * Scores the validation rows in evaluation mode, in chunks of
 * MK_FIT_EVAL_CHUNK rows: valid_loss and valid_metric are both the mean
 * reconstruction loss; an MkFitEvalFn.
 */
static void
ae_evaluate(void *ctx, MkEpochReport *report)
{
	AeState    *st = (AeState *) ctx;
	const MkDataset *valid = st->valid;
	double		sum = 0.0;

	for (int start = 0; start < valid->n; start += MK_FIT_EVAL_CHUNK)
	{
		int			B = valid->n - start < MK_FIT_EVAL_CHUNK ?
			valid->n - start : MK_FIT_EVAL_CHUNK;
		const float *x = valid->x + (size_t) start * st->F;
		const float *z;
		const float *out;

		out = ae_forward(st->ae, &st->enc_p, &st->dec_p, st->enc_acts,
						 st->dec_acts, x, B, false, NULL, &z);
		sum += B * mk_recon_forward(NULL, out, x, st->groups, st->n_groups,
									B, st->F);
	}
	report->valid_loss = sum / valid->n;
	report->valid_metric = report->valid_loss;
}

/*
 * Trains the autoencoder in params on the rows of train, validating on
 * valid when it has rows; see autoencoder.h for the contract.
 */
void
mk_ae_fit(const MkAutoencoder *ae, float *params,
		  const MkReconGroup *groups, int n_groups,
		  const MkDataset *train, const MkDataset *valid,
		  const MkFitOptions *opt, const MkFitHooks *hooks,
		  MkFitResult *result)
{
	AeState		st;

	if (valid != NULL && valid->n <= 0)
		valid = NULL;
	memset(&st, 0, sizeof(st));
	mk_fit_loop_begin(&st.loop, params, mk_ae_num_params(ae), train->n,
					  valid != NULL, opt, hooks);
	st.loop.train_batch = ae_train_batch;
	st.loop.evaluate = ae_evaluate;
	st.loop.ctx = &st;
	st.ae = ae;
	st.groups = groups;
	st.n_groups = n_groups;
	st.train = train;
	st.valid = valid;
	st.F = ae->encoder.sizes[0];
	st.latent = ae->encoder.sizes[ae->encoder.n_dense];
	ae_fit_begin(&st);
	mk_fit_loop_run(&st.loop, result);
	ae_fit_end(&st);
	mk_fit_loop_end(&st.loop);
}

/*
 * Scores x[n, F] in evaluation mode, in chunks of the smaller max_batch of
 * the two acts (which must hold at least one row): copies the latent codes
 * into latent[n, latent] and the per-row losses into loss[n], each when
 * not NULL.
 */
void
mk_ae_score(const MkAutoencoder *ae, const float *params,
			const MkReconGroup *groups, int n_groups,
			MkMlpActs *enc_acts, MkMlpActs *dec_acts,
			const float *x, int n, float *latent, float *loss)
{
	int			F = ae->encoder.sizes[0];
	int			Z = ae->encoder.sizes[ae->encoder.n_dense];
	int			chunk = enc_acts->max_batch < dec_acts->max_batch ?
		enc_acts->max_batch : dec_acts->max_batch;
	MkMlpParams enc;
	MkMlpParams dec;

	if (chunk < 1)
		return;
	/* the forward passes only read the weights */
	ae_bind(&enc, &dec, (float *) params, ae);
	for (int start = 0; start < n; start += chunk)
	{
		int			B = n - start < chunk ? n - start : chunk;
		const float *x_c = x + (size_t) start * F;
		const float *z;
		const float *out;

		out = ae_forward(ae, &enc, &dec, enc_acts, dec_acts, x_c, B, false,
						 NULL, &z);
		if (latent != NULL)
			memcpy(latent + (size_t) start * Z, z,
				   (size_t) B * Z * sizeof(float));
		if (loss != NULL)
			mk_recon_forward(loss + start, out, x_c, groups, n_groups, B, F);
	}
}
