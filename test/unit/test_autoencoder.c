/*
 * test_autoencoder.c
 *		Unit tests of the autoencoder: the reconstruction loss of each kind
 *		against hand computation, its backward and the whole network's
 *		against central finite differences, the mirrored configuration, and
 *		training on clustered rows (the loss falls, the run is
 *		bit-reproducible, the latent codes separate the clusters, an
 *		outlier scores high, the hooks are called as promised).
 */
#include <math.h>
#include <string.h>

#include "core/autoencoder.h"
#include "core/mk_alloc.h"
#include "unit.h"

#define AE_EPS 1e-3f			/* finite-difference step */
#define GB 4					/* rows per gradient-test batch */

/* Slots of the clustered rows: two values, an indicator, two categories. */
#define CF 10
static const MkReconGroup cluster_groups[] = {
	{0, 1, MK_RECON_MSE},
	{1, 1, MK_RECON_MSE},
	{2, 1, MK_RECON_BCE},
	{3, 4, MK_RECON_SOFTMAX},
	{7, 3, MK_RECON_SOFTMAX},
};
#define N_CLUSTER_GROUPS 5

/* Centres of the three clusters in the two value slots. */
static const double centre[3][2] = {{2.0, 0.0}, {-1.0, 1.7}, {-1.0, -1.7}};

/* Rows drawn from the three clusters, with the cluster of each. */
typedef struct Clusters
{
	MkDataset	ds;
	float	   *x;				/* [n, CF] */
	int32_t    *k;				/* [n] */
} Clusters;

/* An autoencoder under a gradient test, with its parameters and buffers. */
typedef struct AeCase
{
	MkAutoencoder ae;
	const MkReconGroup *groups;
	int			n_groups;
	size_t		n_params;
	float	   *params;
	float	   *grads;
	MkMlpParams enc_p,
				dec_p,
				enc_g,
				dec_g;
	MkMlpActs  *enc_acts;
	MkMlpActs  *dec_acts;
	float	   *x;				/* [GB, F] */
	float	   *dout;			/* [GB, F] */
	float	   *dlatent;		/* [GB, latent] */
	uint64_t	dropout_seed;
} AeCase;

/* Counts of hook calls, and whether the epochs came in order. */
typedef struct AeHookCounts
{
	int			batches;
	int			epochs;
	bool		in_order;
} AeHookCounts;

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/*
 * Mixed groups over F = 11 slots: a value, an indicator, a 3-way one-hot,
 * a 2-way one-hot whose target is all zero (a NULL), a second value, and
 * two slots (9, 10) that belong to no group.
 */
static const MkReconGroup mixed_groups[] = {
	{0, 1, MK_RECON_MSE},
	{1, 1, MK_RECON_BCE},
	{2, 3, MK_RECON_SOFTMAX},
	{5, 2, MK_RECON_SOFTMAX},
	{7, 2, MK_RECON_MSE},
};
#define MIXED_F 11
#define N_MIXED_GROUPS 5

/* Loss of row 0 of a single group, at offset 0 of a row of width w. */
static double
one_group_loss(MkReconKind kind, int w, const float *out, const float *x)
{
	MkReconGroup g = {0, w, kind};
	float		row_loss[1];

	mk_recon_forward(row_loss, out, x, &g, 1, 1, w);
	return row_loss[0];
}

/* Each kind's loss against its formula, including extreme logits. */
static void
test_recon_values(void)
{
	float		o2[2] = {1.5f, -1.0f},
				x2[2] = {0.5f, 1.0f};
	float		z3[3] = {1.0f, 2.0f, 3.0f},
				t3[3] = {1.0f, 0.0f, 0.0f},
				null3[3] = {0.0f, 0.0f, 0.0f};
	float		big[2] = {1000.0f, 0.0f},
				t2[2] = {0.0f, 1.0f};
	float		zb,
				xb;
	double		lse3 = log(exp(1.0) + exp(2.0) + exp(3.0));

	unit_close(one_group_loss(MK_RECON_MSE, 1, o2, x2), 1.0, 1e-12,
			   "recon: mse of 1.5 against 0.5 is 1");
	unit_close(one_group_loss(MK_RECON_MSE, 2, o2, x2), 1.0 + 4.0, 1e-12,
			   "recon: mse of a width-2 group sums its slots");
	zb = 2.0f;
	xb = 1.0f;
	unit_close(one_group_loss(MK_RECON_BCE, 1, &zb, &xb), log1p(exp(-2.0)),
			   1e-7, "recon: bce of logit 2, target 1 is log(1 + e^-2)");
	xb = 0.0f;
	unit_close(one_group_loss(MK_RECON_BCE, 1, &zb, &xb), 2.0 +
			   log1p(exp(-2.0)), 1e-7,
			   "recon: bce of logit 2, target 0 is 2 + log(1 + e^-2)");
	zb = -200.0f;
	xb = 1.0f;
	unit_close(one_group_loss(MK_RECON_BCE, 1, &zb, &xb), 200.0, 1e-9,
			   "recon: bce of logit -200, target 1 is 200 (stable)");
	unit_close(one_group_loss(MK_RECON_SOFTMAX, 3, z3, t3), lse3 - 1.0,
			   1e-7, "recon: softmax of (1, 2, 3), class 0 is lse - 1");
	unit_close(one_group_loss(MK_RECON_SOFTMAX, 2, big, t2), 1000.0, 1e-6,
			   "recon: softmax of (1000, 0), class 1 is 1000 (stable)");
	unit_check(one_group_loss(MK_RECON_SOFTMAX, 3, z3, null3) == 0.0,
			   "recon: an all-zero one-hot group (NULL) costs exactly 0");
}

/* Two rows of the mixed groups: the row sums and their mean. */
static void
test_recon_rows(void)
{
	float		out[2 * MIXED_F] = {
		1.5f, 2.0f, 1.0f, 2.0f, 3.0f, 4.0f, -4.0f, 0.0f, 0.0f, 9.0f, 9.0f,
		-1.0f, -3.0f, 0.0f, 0.0f, 0.0f, 10.0f, -5.0f, 1.0f, 2.0f, -9.0f, 9.0f
	};
	float		x[2 * MIXED_F] = {
		0.5f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f,
		1.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 1.0f, 1.0f, 1.0f, 0.0f, 0.0f
	};
	float		row_loss[2];
	double		want0,
				want1,
				mean;

	/* mse, bce, softmax, the NULL 2-way group (0), mse over 2 slots */
	want0 = 1.0 + log1p(exp(-2.0)) +
		(log(exp(1.0) + exp(2.0) + exp(3.0)) - 1.0) + 0.0 + 0.0;
	/* bce of logit -3, target 1 is 3 + log(1 + e^-3) */
	want1 = 4.0 + (3.0 + log1p(exp(-3.0))) + log(3.0) +
		(10.0 + log1p(exp(-15.0)) + 5.0) + (0.0 + 1.0);
	mean = mk_recon_forward(row_loss, out, x, mixed_groups, N_MIXED_GROUPS,
							2, MIXED_F);
	unit_close(row_loss[0], want0, 1e-5,
			   "recon: row 0 sums its groups, the NULL group adding 0");
	unit_close(row_loss[1], want1, 1e-5,
			   "recon: row 1 sums its groups (mse, bce, softmax x2, mse)");
	unit_close(mean, (want0 + want1) / 2.0, 1e-5,
			   "recon: the batch loss is the mean of the row sums");
	unit_check(mk_recon_forward(NULL, out, x, mixed_groups, N_MIXED_GROUPS,
								0, MIXED_F) == 0.0,
			   "recon: an empty batch has loss 0");
}

/* Random outputs and one-hot targets for B rows of the mixed groups. */
static void
mixed_batch(float *out, float *x, int B, MkRng *rng)
{
	for (int b = 0; b < B; b++)
	{
		float	   *o = out + b * MIXED_F;
		float	   *t = x + b * MIXED_F;

		for (int f = 0; f < MIXED_F; f++)
		{
			o[f] = (float) (2.0 * mk_rng_normal(rng));
			t[f] = 0.0f;
		}
		t[0] = (float) mk_rng_normal(rng);
		t[1] = (float) mk_rng_below(rng, 2);
		t[2 + mk_rng_below(rng, 3)] = 1.0f;
		if (b % 2 == 1)			/* odd rows: the 2-way group is not NULL */
			t[5 + mk_rng_below(rng, 2)] = 1.0f;
		t[7] = (float) mk_rng_normal(rng);
		t[8] = (float) mk_rng_normal(rng);
		t[9] = (float) mk_rng_normal(rng);	/* outside every group */
	}
}

/* mk_recon_backward against central differences of mk_recon_forward. */
static void
test_recon_backward(MkRng *rng)
{
	int			B = 5;
	size_t		n = (size_t) B * MIXED_F;
	float	   *out = floats(n),
			   *x = floats(n),
			   *dout = floats(n),
			   *num = floats(n);
	bool		zeros = true;

	mixed_batch(out, x, B, rng);
	for (size_t i = 0; i < n; i++)
		dout[i] = 123.0f;		/* backward writes, whatever was there */
	mk_recon_backward(dout, out, x, mixed_groups, N_MIXED_GROUPS, B, MIXED_F);
	for (size_t i = 0; i < n; i++)
	{
		float		saved = out[i];
		float		hi = saved + AE_EPS,
					lo = saved - AE_EPS;
		double		plus,
					minus;

		out[i] = hi;
		plus = mk_recon_forward(NULL, out, x, mixed_groups, N_MIXED_GROUPS,
								B, MIXED_F);
		out[i] = lo;
		minus = mk_recon_forward(NULL, out, x, mixed_groups, N_MIXED_GROUPS,
								 B, MIXED_F);
		out[i] = saved;
		num[i] = (float) ((plus - minus) / ((double) hi - lo));
	}
	unit_check(unit_max_rel_diff(dout, num, n) < 1e-3,
			   "recon: backward matches finite differences (%.2g)",
			   unit_max_rel_diff(dout, num, n));
	for (int b = 0; b < B; b++)
	{
		const float *d = dout + b * MIXED_F;

		zeros = zeros && d[9] == 0.0f && d[10] == 0.0f;
		if (b % 2 == 0)
			zeros = zeros && d[5] == 0.0f && d[6] == 0.0f;
	}
	unit_check(zeros, "recon: backward writes exact zeros for NULL groups "
			   "and slots outside every group");
	mk_free(out);
	mk_free(x);
	mk_free(dout);
	mk_free(num);
}

/* The mirrored layout, the parameter block, init order, size limits. */
static void
test_ae_configure(void)
{
	int			hidden[2] = {8, 4};
	int			many[MK_MLP_MAX_DENSE] = {4, 4, 4, 4, 4, 4, 4, 4};
	MkAutoencoder ae;
	MkRng		rng;
	float	   *block,
			   *want;
	size_t		n_enc;

	mk_ae_configure(&ae, 12, hidden, 2, 3, MK_ACT_RELU, 0.1f);
	unit_check(ae.encoder.n_dense == 3 && ae.encoder.sizes[0] == 12 &&
			   ae.encoder.sizes[1] == 8 && ae.encoder.sizes[2] == 4 &&
			   ae.encoder.sizes[3] == 3 && ae.decoder.n_dense == 3 &&
			   ae.decoder.sizes[0] == 3 && ae.decoder.sizes[1] == 4 &&
			   ae.decoder.sizes[2] == 8 && ae.decoder.sizes[3] == 12,
			   "ae: 12-8-4-3 encoder, 3-4-8-12 decoder");
	unit_check(ae.encoder.activation == MK_ACT_RELU &&
			   ae.decoder.activation == MK_ACT_RELU &&
			   ae.encoder.dropout == 0.1f && ae.decoder.dropout == 0.1f &&
			   mk_mlp_config_error(&ae.encoder) == NULL &&
			   mk_mlp_config_error(&ae.decoder) == NULL,
			   "ae: both halves valid, with the activation and dropout");
	n_enc = mk_mlp_num_params(&ae.encoder);
	unit_check(mk_ae_num_params(&ae) == n_enc +
			   mk_mlp_num_params(&ae.decoder) &&
			   n_enc == 8 * 13 + 4 * 9 + 3 * 5,
			   "ae: num_params is the encoder's plus the decoder's");
	block = floats(mk_ae_num_params(&ae));
	want = floats(mk_ae_num_params(&ae));
	mk_rng_seed(&rng, 3);
	mk_ae_init(block, &ae, &rng);
	mk_rng_seed(&rng, 3);
	mk_mlp_init(want, &ae.encoder, &rng);
	mk_mlp_init(want + n_enc, &ae.decoder, &rng);
	unit_check(memcmp(block, want, mk_ae_num_params(&ae) * sizeof(float))
			   == 0, "ae: init is the encoder's init, then the decoder's");
	mk_ae_configure(&ae, 5, NULL, 0, 2, MK_ACT_TANH, 0.0f);
	unit_check(ae.encoder.n_dense == 1 && ae.encoder.sizes[1] == 2 &&
			   ae.decoder.sizes[0] == 2 && ae.decoder.sizes[1] == 5,
			   "ae: no hidden layers gives two linear maps");
	mk_ae_configure(&ae, 5, many, MK_MLP_MAX_DENSE, 2, MK_ACT_TANH, 0.0f);
	unit_check(mk_mlp_config_error(&ae.encoder) != NULL &&
			   mk_mlp_config_error(&ae.decoder) != NULL,
			   "ae: too many hidden layers fail the config check");
	mk_free(block);
	mk_free(want);
}

/* Builds a gradient case over the mixed groups: 11 -> 6 -> 3 -> 6 -> 11. */
static void
ae_case(AeCase *ac, MkActivation act, float dropout, uint64_t seed)
{
	int			hidden[1] = {6};
	MkRng		rng;
	float	   *out;

	memset(ac, 0, sizeof(AeCase));
	mk_ae_configure(&ac->ae, MIXED_F, hidden, 1, 3, act, dropout);
	ac->groups = mixed_groups;
	ac->n_groups = N_MIXED_GROUPS;
	ac->n_params = mk_ae_num_params(&ac->ae);
	ac->params = floats(ac->n_params);
	ac->grads = floats(ac->n_params);
	mk_mlp_bind(&ac->enc_p, ac->params, &ac->ae.encoder);
	mk_mlp_bind(&ac->dec_p, ac->params + mk_mlp_num_params(&ac->ae.encoder),
				&ac->ae.decoder);
	mk_mlp_bind(&ac->enc_g, ac->grads, &ac->ae.encoder);
	mk_mlp_bind(&ac->dec_g, ac->grads + mk_mlp_num_params(&ac->ae.encoder),
				&ac->ae.decoder);
	ac->enc_acts = mk_mlp_acts_create(&ac->ae.encoder, GB);
	ac->dec_acts = mk_mlp_acts_create(&ac->ae.decoder, GB);
	ac->x = floats(GB * MIXED_F);
	ac->dout = floats(GB * MIXED_F);
	ac->dlatent = floats(GB * 3);
	ac->dropout_seed = seed + 1000;
	mk_rng_seed(&rng, seed);
	mk_ae_init(ac->params, &ac->ae, &rng);
	out = floats(GB * MIXED_F);
	mixed_batch(out, ac->x, GB, &rng);
	mk_free(out);
}

/* Frees a gradient case. */
static void
ae_case_free(AeCase *ac)
{
	mk_free(ac->params);
	mk_free(ac->grads);
	mk_mlp_acts_free(ac->enc_acts);
	mk_mlp_acts_free(ac->dec_acts);
	mk_free(ac->x);
	mk_free(ac->dout);
	mk_free(ac->dlatent);
}

/* Training forward of the batch with the fixed dropout stream. */
static const float *
ae_case_forward(AeCase *ac, const float **z)
{
	MkRng		rng;

	mk_rng_seed(&rng, ac->dropout_seed);
	*z = mk_mlp_forward(&ac->ae.encoder, &ac->enc_p, ac->enc_acts, ac->x,
						GB, true, &rng);
	return mk_mlp_forward(&ac->ae.decoder, &ac->dec_p, ac->dec_acts, *z,
						  GB, true, &rng);
}

/* The batch's mean reconstruction loss. */
static double
ae_case_loss(AeCase *ac)
{
	const float *z;
	const float *out = ae_case_forward(ac, &z);

	return mk_recon_forward(NULL, out, ac->x, ac->groups, ac->n_groups, GB,
							MIXED_F);
}

/* Forward and backward as mk_ae_fit runs them: grads = d loss / d params. */
static void
ae_case_backward(AeCase *ac)
{
	const float *z;
	const float *out = ae_case_forward(ac, &z);

	mk_recon_backward(ac->dout, out, ac->x, ac->groups, ac->n_groups, GB,
					  MIXED_F);
	memset(ac->grads, 0, ac->n_params * sizeof(float));
	memset(ac->dlatent, 0, GB * 3 * sizeof(float));
	mk_mlp_backward(&ac->ae.decoder, &ac->dec_g, ac->dlatent, ac->dec_acts,
					&ac->dec_p, ac->dout, z, GB);
	mk_mlp_backward(&ac->ae.encoder, &ac->enc_g, NULL, ac->enc_acts,
					&ac->enc_p, ac->dlatent, ac->x, GB);
}

/* Every parameter's gradient against central finite differences. */
static void
test_ae_gradients(MkActivation act, float dropout, const char *name)
{
	AeCase		ac;
	float	   *num;

	ae_case(&ac, act, dropout, 11);
	num = floats(ac.n_params);
	ae_case_backward(&ac);
	for (size_t i = 0; i < ac.n_params; i++)
	{
		float		saved = ac.params[i];
		float		hi = saved + AE_EPS,
					lo = saved - AE_EPS;
		double		plus,
					minus;

		ac.params[i] = hi;
		plus = ae_case_loss(&ac);
		ac.params[i] = lo;
		minus = ae_case_loss(&ac);
		ac.params[i] = saved;
		num[i] = (float) ((plus - minus) / ((double) hi - lo));
	}
	unit_check(unit_max_rel_diff(ac.grads, num, ac.n_params) < 1e-2,
			   "ae: %s gradients of all %zu parameters match finite "
			   "differences (%.2g)", name, ac.n_params,
			   unit_max_rel_diff(ac.grads, num, ac.n_params));
	mk_free(num);
	ae_case_free(&ac);
}

/*
 * One mk_ae_fit epoch of a single full batch, with plain SGD at learning
 * rate 1, moves the parameters by exactly minus the gradient above: the
 * training loop wires the two backward passes as the test does.
 */
static void
test_ae_fit_step(void)
{
	AeCase		ac;
	MkDataset	ds;
	MkFitOptions opt;
	MkFitResult res;
	float	   *after,
			   *want;

	ae_case(&ac, MK_ACT_TANH, 0.0f, 21);
	ae_case_backward(&ac);
	after = floats(ac.n_params);
	want = floats(ac.n_params);
	memcpy(after, ac.params, ac.n_params * sizeof(float));
	for (size_t i = 0; i < ac.n_params; i++)
		want[i] = ac.params[i] - ac.grads[i];
	memset(&ds, 0, sizeof(ds));
	ds.x = ac.x;
	ds.n = GB;
	ds.n_features = MIXED_F;
	memset(&opt, 0, sizeof(opt));
	opt.optimizer = MK_OPT_SGD;
	opt.learning_rate = 1.0f;
	opt.epochs = 1;
	opt.batch_size = GB;
	mk_ae_fit(&ac.ae, after, ac.groups, ac.n_groups, &ds, NULL, &opt, NULL,
			  &res);
	unit_check(unit_max_rel_diff(after, want, ac.n_params) < 1e-5,
			   "ae: a fit step of sgd at lr 1 subtracts the gradient (%.2g)",
			   unit_max_rel_diff(after, want, ac.n_params));
	unit_close(res.curve[0].train_loss, ae_case_loss(&ac),
			   1e-6 * ae_case_loss(&ac),
			   "ae: the epoch's train loss is the batch's loss");
	mk_free(after);
	mk_free(want);
	mk_free(res.curve);
	ae_case_free(&ac);
}

/*
 * n rows from three clusters: two values near the cluster's centre (sd
 * 0.1), an indicator set in cluster 0 only, a 4-way category equal to the
 * cluster (one row in 30 another at random) and a 3-way category equal to
 * the cluster or NULL (one row in 10).
 */
static void
make_clusters(Clusters *c, int n, MkRng *rng)
{
	memset(c, 0, sizeof(Clusters));
	c->x = floats((size_t) n * CF);
	c->k = mk_alloc(n * sizeof(int32_t));
	for (int i = 0; i < n; i++)
	{
		float	   *x = c->x + i * CF;
		int			k = (int) mk_rng_below(rng, 3);
		int			cat = k;

		c->k[i] = k;
		x[0] = (float) (centre[k][0] + 0.1 * mk_rng_normal(rng));
		x[1] = (float) (centre[k][1] + 0.1 * mk_rng_normal(rng));
		x[2] = k == 0 ? 1.0f : 0.0f;
		if (mk_rng_below(rng, 30) == 0)
			cat = (int) mk_rng_below(rng, 4);
		x[3 + cat] = 1.0f;
		if (mk_rng_below(rng, 10) != 0)
			x[7 + k] = 1.0f;
	}
	c->ds.x = c->x;
	c->ds.n = n;
	c->ds.n_features = CF;
}

/* Frees clustered rows. */
static void
clusters_free(Clusters *c)
{
	mk_free(c->x);
	mk_free(c->k);
}

/* The clusters' autoencoder: 10 -> 16 -> 2 -> 16 -> 10, tanh. */
static void
cluster_ae(MkAutoencoder *ae)
{
	int			hidden[1] = {16};

	mk_ae_configure(ae, CF, hidden, 1, 2, MK_ACT_TANH, 0.0f);
}

/* AdamW, lr 0.01, up to 60 epochs of 32 rows, patience 10. */
static MkFitOptions
cluster_options(void)
{
	MkFitOptions opt;

	memset(&opt, 0, sizeof(opt));
	opt.loss = MK_LOSS_MSE;		/* ignored */
	opt.optimizer = MK_OPT_ADAMW;
	opt.learning_rate = 0.01f;
	opt.weight_decay = 1e-4f;
	opt.epochs = 60;
	opt.batch_size = 32;
	opt.patience = 10;
	opt.seed = 42;
	return opt;
}

/* Counts a batch. */
static void
ae_count_batch(void *arg)
{
	((AeHookCounts *) arg)->batches++;
}

/* Counts an epoch and checks that reports arrive numbered 1, 2, ... */
static void
ae_count_epoch(void *arg, const MkEpochReport *report)
{
	AeHookCounts *counts = (AeHookCounts *) arg;

	counts->epochs++;
	counts->in_order = counts->in_order && report->epoch == counts->epochs;
}

/* Freshly initialised parameters trained on tr, validated on va. */
static float *
ae_train(const MkAutoencoder *ae, const Clusters *tr, const Clusters *va,
		 const MkFitOptions *opt, const MkFitHooks *hooks, MkFitResult *res)
{
	float	   *params = floats(mk_ae_num_params(ae));
	MkRng		rng;

	mk_rng_seed(&rng, 7);
	mk_ae_init(params, ae, &rng);
	mk_ae_fit(ae, params, cluster_groups, N_CLUSTER_GROUPS, &tr->ds,
			  va != NULL ? &va->ds : NULL, opt, hooks, res);
	return params;
}

/*
 * Nearest-centroid accuracy in latent space: centroids of each cluster's
 * training codes, then the share of validation codes nearest their own.
 */
static double
latent_accuracy(const float *z_tr, const Clusters *tr, const float *z_va,
				const Clusters *va)
{
	double		c[3][2] = {{0}};
	int			count[3] = {0};
	int			correct = 0;

	for (int i = 0; i < tr->ds.n; i++)
	{
		c[tr->k[i]][0] += z_tr[i * 2];
		c[tr->k[i]][1] += z_tr[i * 2 + 1];
		count[tr->k[i]]++;
	}
	for (int k = 0; k < 3; k++)
	{
		c[k][0] /= count[k] > 0 ? count[k] : 1;
		c[k][1] /= count[k] > 0 ? count[k] : 1;
	}
	for (int i = 0; i < va->ds.n; i++)
	{
		int			best = 0;
		double		best_d = INFINITY;

		for (int k = 0; k < 3; k++)
		{
			double		d0 = z_va[i * 2] - c[k][0];
			double		d1 = z_va[i * 2 + 1] - c[k][1];

			if (d0 * d0 + d1 * d1 < best_d)
			{
				best_d = d0 * d0 + d1 * d1;
				best = k;
			}
		}
		correct += best == va->k[i];
	}
	return (double) correct / va->ds.n;
}

/* Median of n values (sorts them). */
static double
median(float *v, int n)
{
	for (int i = 1; i < n; i++)
	{
		float		t = v[i];
		int			j = i - 1;

		for (; j >= 0 && v[j] > t; j--)
			v[j + 1] = v[j];
		v[j + 1] = t;
	}
	return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/*
 * Scoring after training: the latent codes separate the clusters, the
 * losses average to the reported best validation loss, chunking does not
 * change them, and an outlier row scores far above the typical row.
 */
static void
test_ae_score(const MkAutoencoder *ae, const float *params,
			  const Clusters *tr, const Clusters *va, double best_loss)
{
	int			n = va->ds.n;
	MkMlpActs  *enc = mk_mlp_acts_create(&ae->encoder, 1024);
	MkMlpActs  *dec = mk_mlp_acts_create(&ae->decoder, 1024);
	MkMlpActs  *enc7 = mk_mlp_acts_create(&ae->encoder, 7);
	MkMlpActs  *dec7 = mk_mlp_acts_create(&ae->decoder, 7);
	float	   *z_tr = floats((size_t) tr->ds.n * 2);
	float	   *z_va = floats((size_t) n * 2);
	float	   *z7 = floats((size_t) n * 2);
	float	   *loss = floats(n);
	float	   *loss7 = floats(n);
	/* far from every centre, cluster 0's indicator, clusters 2 and 1 */
	float		odd[CF] = {6.0f, -6.0f, 1.0f, 0, 0, 1.0f, 0, 0, 1.0f, 0};
	float		odd_loss;
	double		sum = 0.0,
				acc,
				typical;

	mk_ae_score(ae, params, cluster_groups, N_CLUSTER_GROUPS, enc, dec,
				tr->x, tr->ds.n, z_tr, NULL);
	mk_ae_score(ae, params, cluster_groups, N_CLUSTER_GROUPS, enc, dec,
				va->x, n, z_va, loss);
	mk_ae_score(ae, params, cluster_groups, N_CLUSTER_GROUPS, enc7, dec7,
				va->x, n, z7, loss7);
	acc = latent_accuracy(z_tr, tr, z_va, va);
	unit_check(acc > 0.95, "ae: nearest-centroid accuracy of the latent "
			   "codes %.3f > 0.95", acc);
	for (int i = 0; i < n; i++)
		sum += loss[i];
	unit_close(sum / n, best_loss, 1e-5 * best_loss,
			   "ae: scored losses average to the best epoch's valid loss");
	unit_check(unit_max_rel_diff(z7, z_va, (size_t) n * 2) < 1e-5 &&
			   unit_max_rel_diff(loss7, loss, n) < 1e-5,
			   "ae: scoring in chunks of 7 gives the same codes and losses");
	mk_ae_score(ae, params, cluster_groups, N_CLUSTER_GROUPS, enc7, dec7,
				odd, 1, NULL, &odd_loss);
	typical = median(loss, n);
	unit_check(odd_loss > 20.0 * typical, "ae: an outlier row scores %.3g, "
			   "over 20 x the median row's %.3g", odd_loss, typical);
	mk_mlp_acts_free(enc);
	mk_mlp_acts_free(dec);
	mk_mlp_acts_free(enc7);
	mk_mlp_acts_free(dec7);
	mk_free(z_tr);
	mk_free(z_va);
	mk_free(z7);
	mk_free(loss);
	mk_free(loss7);
}

/*
 * Training on clustered rows: the validation loss falls below a fifth of
 * the first epoch's, the run repeats bit for bit, the hooks are called
 * once per batch and per epoch, and the codes and scores are checked.
 */
static void
test_ae_fit(MkRng *rng)
{
	Clusters	tr,
				va;
	MkAutoencoder ae;
	MkFitOptions opt = cluster_options();
	AeHookCounts counts = {0, 0, true};
	MkFitHooks	hooks = {ae_count_batch, ae_count_epoch, &counts};
	MkFitResult r1,
				r2,
				r3;
	float	   *p1,
			   *p2,
			   *p3;
	size_t		bytes;
	MkEpochReport *best;
	bool		metric_is_loss = true;

	cluster_ae(&ae);
	bytes = mk_ae_num_params(&ae) * sizeof(float);
	make_clusters(&tr, 600, rng);
	make_clusters(&va, 200, rng);
	p1 = ae_train(&ae, &tr, &va, &opt, &hooks, &r1);
	best = &r1.curve[r1.best_epoch - 1];
	unit_check(best->valid_loss < 0.2 * r1.curve[0].valid_loss,
			   "ae: valid loss falls from %.4f to %.4f (< 20%%)",
			   r1.curve[0].valid_loss, best->valid_loss);
	for (int e = 0; e < r1.epochs_run; e++)
		metric_is_loss = metric_is_loss &&
			r1.curve[e].valid_metric == r1.curve[e].valid_loss &&
			isfinite(r1.curve[e].train_loss);
	unit_check(metric_is_loss, "ae: valid_metric is the valid loss");
	unit_check(counts.epochs == r1.epochs_run && counts.in_order,
			   "ae: after_epoch called once per epoch, in order (%d)",
			   counts.epochs);
	unit_check(counts.batches == r1.epochs_run * 19,
			   "ae: before_batch called once per batch (%d = %d x 19)",
			   counts.batches, r1.epochs_run);
	p2 = ae_train(&ae, &tr, &va, &opt, NULL, &r2);
	unit_check(memcmp(p1, p2, bytes) == 0 && r1.epochs_run == r2.epochs_run &&
			   memcmp(r1.curve, r2.curve,
					  r1.epochs_run * sizeof(MkEpochReport)) == 0,
			   "ae: the same seed gives bit-identical parameters and curve");
	opt.seed = 43;
	p3 = ae_train(&ae, &tr, &va, &opt, NULL, &r3);
	unit_check(memcmp(p1, p3, bytes) != 0,
			   "ae: another seed gives other parameters");
	test_ae_score(&ae, p1, &tr, &va, best->valid_loss);
	mk_free(p1);
	mk_free(p2);
	mk_free(p3);
	mk_free(r1.curve);
	mk_free(r2.curve);
	mk_free(r3.curve);
	clusters_free(&tr);
	clusters_free(&va);
}

/* Early stopping on a tiny training set, and a run without validation. */
static void
test_ae_fit_stopping(MkRng *rng)
{
	Clusters	tr,
				va;
	MkAutoencoder ae;
	MkFitOptions opt = cluster_options();
	AeHookCounts counts = {0, 0, true};
	MkFitHooks	hooks = {ae_count_batch, ae_count_epoch, &counts};
	MkFitResult res;
	float	   *params;
	bool		nan_fields = true;

	cluster_ae(&ae);
	make_clusters(&tr, 20, rng);
	make_clusters(&va, 200, rng);
	opt.epochs = 400;
	opt.patience = 5;
	opt.learning_rate = 0.05f;
	params = ae_train(&ae, &tr, &va, &opt, NULL, &res);
	unit_check(res.epochs_run < opt.epochs &&
			   res.best_epoch == res.epochs_run - opt.patience &&
			   res.curve[res.best_epoch - 1].improved,
			   "ae: early stopping after %d epochs, %d after the best",
			   res.epochs_run, opt.patience);
	mk_free(params);
	mk_free(res.curve);

	opt.epochs = 3;
	params = ae_train(&ae, &tr, NULL, &opt, &hooks, &res);
	for (int e = 0; e < res.epochs_run; e++)
		nan_fields = nan_fields && isnan(res.curve[e].valid_loss) &&
			isnan(res.curve[e].valid_metric) && res.curve[e].improved;
	unit_check(res.epochs_run == 3 && res.best_epoch == 3 && nan_fields,
			   "ae: without validation all epochs run, valid fields NaN");
	unit_check(counts.batches == 3 && counts.epochs == 3,
			   "ae: without validation, hooks called 3 + 3 times");
	mk_free(params);
	mk_free(res.curve);
	clusters_free(&tr);
	clusters_free(&va);
}

/* Runs the autoencoder group. */
void
test_autoencoder(void)
{
	MkRng		rng;

	mk_rng_seed(&rng, 321);
	test_recon_values();
	test_recon_rows();
	test_recon_backward(&rng);
	test_ae_configure();
	test_ae_gradients(MK_ACT_TANH, 0.0f, "tanh");
	test_ae_gradients(MK_ACT_SIGMOID, 0.0f, "sigmoid");
	test_ae_gradients(MK_ACT_TANH, 0.3f, "tanh with dropout 0.3");
	test_ae_fit_step();
	test_ae_fit(&rng);
	test_ae_fit_stopping(&rng);
}
