/*
 * textcnn_fit.c
 *		Training of the CNN text classifier by mini-batch Adam with sparse
 *		(lazy) updates of the embedding table.
 *
 * A batch of documents touches a few thousand rows of a table of up to
 * millions, so the table's gradient is not kept dense: every distinct id
 * of the batch gets a slot, the batch's ids are rewritten as slots, and
 * the layers back-propagate into a compact [slots, D] gradient.  Adam then
 * steps only those rows, each with its own moments and the global step
 * count for the bias correction (the "lazy Adam" of TensorFlow Addons):
 * a row's moments decay only when it is seen.  The filters and the linear
 * layer, which every document touches, lie after the table in the block
 * and step densely.
 *
 * Before Adam, the bag model alone is trained by its own SGD into the
 * table and the bag's columns of the linear layer.  Adam on a table from
 * scratch overfits a few thousand texts within an epoch or two; started
 * from the bag's embeddings, which already separate the classes, the
 * convolutions learn what order adds (on ChnSentiCorp hotel reviews, test
 * accuracy 0.876 from scratch, 0.891 warm, without the refit).
 *
 * The learning rate falls linearly from opt->learning_rate to 0 over all
 * steps, as the bag model's does.  Documents are reshuffled every epoch,
 * and dropout masks drawn, from one MkRng seeded with opt->seed; every sum
 * runs in a fixed order, so a seed gives the same parameters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "loss.h"
#include "mk_alloc.h"
#include "optim.h"
#include "textcnn.h"

#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

/* What one training run carries from batch to batch. */
typedef struct CnnFit
{
	const MkTextConfig *cfg;
	const MkTextDataset *train;
	const MkTextFitOptions *opt;
	int			D,
				F,
				H,
				O,
				B;				/* batch capacity */
	MkTextParams p;				/* bound to the caller's block */
	MkTextParams g;				/* embed: the compact rows; rest: dense */
	float	   *dense;			/* the block after the table */
	size_t		n_dense;
	float	   *gdense;			/* [n_dense] */
	float	   *m,
			   *v;				/* Adam's moments, [whole block] */
	long		step;
	int32_t    *slot_of;		/* [V] a row's slot in this batch, or -1 */
	int32_t    *rows;			/* [slots] the row of each slot */
	int32_t    *local;			/* the batch's ids as slots */
	int32_t    *tok;			/* [R] packed rows' ids, -1 for padding */
	int32_t    *tok_local;		/* [R] the same as slots */
	int32_t    *start,
			   *len;			/* [B] */
	float	   *x,
			   *dx;				/* [R + MK_TEXT_CNN_MAX_WIDTH, D] */
	float	   *cols;			/* [R, MK_TEXT_CNN_MAX_WIDTH D] */
	float	   *conv;			/* [R, F] */
	float	   *feat,
			   *dfeat;			/* [B, 3 F] */
	int32_t    *argmax;			/* [B, 3 F] */
	float	   *hidden,
			   *dropped,
			   *mask,
			   *ddropped,
			   *dhidden;		/* [B, H] */
	float	   *logits,
			   *dlogits;		/* [B, O] */
	float	   *targets,
			   *weights;		/* [B] */
	int32_t    *labels;			/* [B] */
	int32_t    *order;			/* [n] document order of this epoch */
	MkRng		rng;
} CnnFit;

/* mk_alloc'd, zeroed array of n floats. */
static float *
alloc_floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* mk_alloc'd array of n int32s. */
static int32_t *
alloc_ints(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(int32_t)));
}

/* Tokens the encoder reads of document i. */
static int
kept_tokens(const CnnFit *st, int i)
{
	int			t = st->train->tokens[i];

	return t < st->cfg->max_length ? t : st->cfg->max_length;
}

/* Descending order of sizes, for qsort. */
static int
cmp_desc(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return (x < y) - (x > y);
}

/* The most ids any B documents of the training set hold together. */
static size_t
batch_id_capacity(const MkTextDataset *tr, int B)
{
	int64_t    *sizes = mk_alloc(mk_mul_size((size_t) tr->n + 1,
											 sizeof(int64_t)));
	size_t		sum = 0;

	for (int i = 0; i < tr->n; i++)
		sizes[i] = tr->offsets[i + 1] - tr->offsets[i];
	qsort(sizes, (size_t) tr->n, sizeof(int64_t), cmp_desc);
	for (int i = 0; i < B && i < tr->n; i++)
		sum += (size_t) sizes[i];
	mk_free(sizes);
	return sum > 0 ? sum : 1;
}

/* Points the dense gradients at the same offsets as the parameters. */
static void
bind_gradients(CnnFit *st, float *compact)
{
	st->g.embed = compact;
	for (int i = 0; i < MK_TEXT_CNN_WIDTHS; i++)
	{
		st->g.conv_weight[i] = st->gdense + (st->p.conv_weight[i] - st->dense);
		st->g.conv_bias[i] = st->gdense + (st->p.conv_bias[i] - st->dense);
	}
	st->g.weight = st->gdense + (st->p.weight - st->dense);
	st->g.bias = st->gdense + (st->p.bias - st->dense);
}

/* Allocates the run's buffers and seeds its order. */
static void
fit_begin(CnnFit *st, const MkTextConfig *cfg, float *params,
		  const MkTextDataset *train, const MkTextFitOptions *opt)
{
	size_t		n_params = mk_text_num_params(cfg);
	size_t		table = (size_t) cfg->feat.buckets * cfg->dim;
	size_t		ids_cap;
	size_t		R;
	int			longest = 0;

	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->train = train;
	st->opt = opt;
	st->D = cfg->dim;
	st->F = cfg->filters;
	st->H = mk_text_hidden_width(cfg);
	st->O = mk_text_num_outputs(cfg);
	st->B = opt->batch_size > 0 ? opt->batch_size : 1;
	mk_text_bind(&st->p, params, cfg);
	st->dense = params + table;
	st->n_dense = n_params - table;
	st->gdense = alloc_floats(st->n_dense);
	st->m = alloc_floats(n_params);
	st->v = alloc_floats(n_params);
	for (int i = 0; i < train->n; i++)
		if (kept_tokens(st, i) > longest)
			longest = kept_tokens(st, i);
	R = mk_mul_size((size_t) st->B, (size_t) mk_textcnn_span(longest));
	ids_cap = batch_id_capacity(train, st->B);
	st->slot_of = alloc_ints((size_t) cfg->feat.buckets);
	memset(st->slot_of, 0xff, (size_t) cfg->feat.buckets * sizeof(int32_t));
	st->rows = alloc_ints(ids_cap);
	st->local = alloc_ints(ids_cap);
	bind_gradients(st, alloc_floats(mk_mul_size(ids_cap, (size_t) st->D)));
	st->tok = alloc_ints(R);
	st->tok_local = alloc_ints(R);
	st->start = alloc_ints((size_t) st->B);
	st->len = alloc_ints((size_t) st->B);
	st->x = alloc_floats(mk_mul_size(R + MK_TEXT_CNN_MAX_WIDTH, (size_t) st->D));
	st->dx = alloc_floats(mk_mul_size(R + MK_TEXT_CNN_MAX_WIDTH, (size_t) st->D));
	st->cols = alloc_floats(mk_mul_size(R, (size_t) MK_TEXT_CNN_MAX_WIDTH * st->D));
	st->conv = alloc_floats(mk_mul_size(R, (size_t) st->F));
	st->feat = alloc_floats((size_t) st->B * MK_TEXT_CNN_WIDTHS * st->F);
	st->dfeat = alloc_floats((size_t) st->B * MK_TEXT_CNN_WIDTHS * st->F);
	st->argmax = alloc_ints((size_t) st->B * MK_TEXT_CNN_WIDTHS * st->F);
	st->hidden = alloc_floats((size_t) st->B * st->H);
	st->dropped = alloc_floats((size_t) st->B * st->H);
	st->mask = alloc_floats((size_t) st->B * st->H);
	st->ddropped = alloc_floats((size_t) st->B * st->H);
	st->dhidden = alloc_floats((size_t) st->B * st->H);
	st->logits = alloc_floats((size_t) st->B * st->O);
	st->dlogits = alloc_floats((size_t) st->B * st->O);
	st->targets = alloc_floats((size_t) st->B);
	st->weights = alloc_floats((size_t) st->B);
	st->labels = alloc_ints((size_t) st->B);
	st->order = alloc_ints((size_t) train->n + 1);
	for (int i = 0; i < train->n; i++)
		st->order[i] = i;
	mk_rng_seed(&st->rng, opt->seed);
}

/* Frees everything fit_begin allocated. */
static void
fit_end(CnnFit *st)
{
	void	   *bufs[] = {
		st->gdense, st->m, st->v, st->slot_of, st->rows, st->local,
		st->g.embed, st->tok, st->tok_local, st->start, st->len, st->x,
		st->dx, st->cols, st->conv, st->feat, st->dfeat, st->argmax,
		st->hidden, st->dropped, st->mask, st->ddropped, st->dhidden,
		st->logits, st->dlogits, st->targets, st->weights, st->labels,
		st->order
	};

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		mk_free(bufs[i]);
}

/*
 * Lays out the batch docs[bsz]: slots for its ids, the packed rows, the
 * labels and weights.  Returns R, the packed rows.
 */
static int
pack_batch(CnnFit *st, const int32_t *docs, int bsz, int *n_slots)
{
	const MkTextDataset *tr = st->train;
	int			R = 0;
	size_t		at = 0;

	*n_slots = 0;
	for (int j = 0; j < bsz; j++)
	{
		int			i = docs[j];
		const int32_t *ids = tr->ids + tr->offsets[i];
		int64_t		n = tr->offsets[i + 1] - tr->offsets[i];
		int			len = kept_tokens(st, i);
		int			span = mk_textcnn_span(len);

		for (int64_t k = 0; k < n; k++)
		{
			int32_t		s = st->slot_of[ids[k]];

			if (s < 0)
			{
				s = (*n_slots)++;
				st->slot_of[ids[k]] = s;
				st->rows[s] = ids[k];
				memset(st->g.embed + (size_t) s * st->D, 0,
					   (size_t) st->D * sizeof(float));
			}
			st->local[at + k] = s;
		}
		st->start[j] = R;
		st->len[j] = len;
		for (int t = 0; t < span; t++)
		{
			st->tok[R + t] = t < len ? ids[t] : -1;
			st->tok_local[R + t] = t < len ? st->local[at + t] : -1;
		}
		R += span;
		at += (size_t) n;
		st->labels[j] = tr->labels[i];
		st->targets[j] = (float) tr->labels[i];
		st->weights[j] = tr->weight != NULL ? tr->weight[i] : 1.0f;
	}
	return R;
}

/* Forward in training mode; returns the batch's weighted mean loss. */
static double
batch_forward(CnnFit *st, const int32_t *docs, int bsz, int R)
{
	const MkTextDataset *tr = st->train;
	int			D = st->D,
				H = st->H,
				O = st->O;
	size_t		WF = (size_t) MK_TEXT_CNN_WIDTHS * st->F;

	mk_textcnn_gather(st->x, st->p.embed, st->tok, R, D);
	mk_textcnn_forward(st->feat, st->argmax, st->cols, st->conv, st->x,
					   st->start, st->len, bsz, R, &st->p, D, st->F);
	for (int j = 0; j < bsz; j++)
	{
		int			i = docs[j];
		float	   *h = st->hidden + (size_t) j * H;

		mk_embag_forward(h, st->p.embed, tr->ids + tr->offsets[i],
						 (int) (tr->offsets[i + 1] - tr->offsets[i]), D);
		memcpy(h + D, st->feat + j * WF, WF * sizeof(float));
	}
	mk_dropout_forward(st->dropped, st->mask, st->hidden, (size_t) bsz * H,
					   st->opt->dropout, &st->rng);
	for (int j = 0; j < bsz; j++)
		mk_text_linear_forward(st->logits + (size_t) j * O,
							   st->dropped + (size_t) j * H, st->p.weight,
							   st->p.bias, H, O);
	if (st->cfg->loss == MK_LOSS_BCE)
	{
		mk_bce_logits_backward(st->dlogits, st->logits, st->targets,
							   st->weights, bsz);
		return mk_bce_logits_forward(st->logits, st->targets, st->weights,
									 bsz);
	}
	mk_softmax_xent_backward(st->dlogits, st->logits, st->labels, st->weights,
							 bsz, O);
	return mk_softmax_xent_forward(st->logits, st->labels, st->weights, bsz, O);
}

/* Back-propagates st->dlogits into the dense and compact gradients. */
static void
batch_backward(CnnFit *st, const int32_t *docs, int bsz, int R)
{
	const MkTextDataset *tr = st->train;
	int			D = st->D,
				H = st->H,
				O = st->O;
	size_t		WF = (size_t) MK_TEXT_CNN_WIDTHS * st->F;
	size_t		at = 0;

	memset(st->ddropped, 0, (size_t) bsz * H * sizeof(float));
	memset(st->dhidden, 0, (size_t) bsz * H * sizeof(float));
	for (int j = 0; j < bsz; j++)
		mk_text_linear_backward(st->ddropped + (size_t) j * H, st->g.weight,
								st->g.bias, st->dlogits + (size_t) j * O,
								st->dropped + (size_t) j * H, st->p.weight,
								H, O);
	mk_dropout_backward(st->dhidden, st->ddropped, st->mask, (size_t) bsz * H);
	for (int j = 0; j < bsz; j++)
	{
		int			i = docs[j];
		int			n = (int) (tr->offsets[i + 1] - tr->offsets[i]);
		const float *dh = st->dhidden + (size_t) j * H;

		mk_embag_backward(st->g.embed, dh, st->local + at, n, D);
		memcpy(st->dfeat + j * WF, dh + D, WF * sizeof(float));
		at += (size_t) n;
	}
	memset(st->dx, 0, (size_t) (R + MK_TEXT_CNN_MAX_WIDTH) * D * sizeof(float));
	mk_textcnn_backward(&st->g, st->dx, st->dfeat, st->feat, st->argmax,
						st->x, &st->p, bsz, D, st->F);
	mk_textcnn_scatter(st->g.embed, st->dx, st->tok_local, R, D);
}

/* One Adam step: dense part whole, the table's rows of the batch only. */
static void
adam_step(CnnFit *st, int n_slots, float lr)
{
	int			D = st->D;
	size_t		table = (size_t) (st->dense - st->p.embed);

	st->step++;
	mk_adamw_update(st->dense, st->gdense, st->m + table, st->v + table,
					st->n_dense, st->step, lr, ADAM_BETA1, ADAM_BETA2,
					ADAM_EPS, 0.0f);
	for (int s = 0; s < n_slots; s++)
	{
		size_t		row = (size_t) st->rows[s] * D;

		mk_adamw_update(st->p.embed + row, st->g.embed + (size_t) s * D,
						st->m + row, st->v + row, (size_t) D, st->step, lr,
						ADAM_BETA1, ADAM_BETA2, ADAM_EPS, 0.0f);
		st->slot_of[st->rows[s]] = -1;
	}
	memset(st->gdense, 0, st->n_dense * sizeof(float));
}

/*
 * One pass over the shuffled documents of epoch (1-based); returns the
 * weighted mean loss, NaN when the weights sum to zero.
 */
static double
train_epoch(CnnFit *st, int epoch, const MkFitHooks *hooks)
{
	int			n = st->train->n;
	int			per_epoch = (n + st->B - 1) / st->B;
	double		total = (double) st->opt->epochs * per_epoch;
	double		sum = 0.0,
				wsum = 0.0;

	mk_rng_shuffle(&st->rng, st->order, (size_t) n);
	for (int b = 0; b < per_epoch; b++)
	{
		const int32_t *docs = st->order + (size_t) b * st->B;
		int			bsz = n - b * st->B < st->B ? n - b * st->B : st->B;
		double		done = (double) (epoch - 1) * per_epoch + b;
		float		lr = (float) (st->opt->learning_rate * (1.0 - done / total));
		double		bw = 0.0;
		double		loss;
		int			n_slots;
		int			R;

		if (hooks != NULL && hooks->before_batch != NULL)
			hooks->before_batch(hooks->arg);
		R = pack_batch(st, docs, bsz, &n_slots);
		for (int j = 0; j < bsz; j++)
			bw += st->weights[j];
		if (bw <= 0.0)
		{
			for (int s = 0; s < n_slots; s++)
				st->slot_of[st->rows[s]] = -1;
			continue;
		}
		loss = batch_forward(st, docs, bsz, R);
		batch_backward(st, docs, bsz, R);
		adam_step(st, n_slots, lr);
		sum += loss * bw;
		wsum += bw;
	}
	return wsum > 0.0 ? sum / wsum : NAN;
}

/*
 * Trains the bag model of the same features into the table and the bag's
 * columns of the linear layer: the convolutions then start from
 * embeddings that already tell the classes apart.
 */
static void
warm_start(const MkTextConfig *cfg, float *params,
		   const MkTextDataset *train, const MkTextFitOptions *opt,
		   const MkFitHooks *hooks)
{
	MkTextConfig bag = *cfg;
	MkTextFitOptions bag_opt = *opt;
	MkFitHooks quiet = {0};
	MkFitResult res;
	MkTextParams cnn,
				p;
	float	   *block;
	int			O = mk_text_num_outputs(cfg);
	int			H = mk_text_hidden_width(cfg);
	size_t		table = (size_t) cfg->feat.buckets * cfg->dim;

	bag.encoder = MK_TEXT_BAG;
	bag.filters = 0;
	bag.max_length = 0;
	bag_opt.learning_rate = MK_TEXT_DEFAULT_LEARNING_RATE;
	bag_opt.epochs = MK_TEXT_DEFAULT_EPOCHS;
	quiet.before_batch = hooks != NULL ? hooks->before_batch : NULL;
	quiet.arg = hooks != NULL ? hooks->arg : NULL;
	block = mk_alloc(mk_mul_size(mk_text_num_params(&bag), sizeof(float)));
	mk_text_bind(&p, block, &bag);
	mk_text_bind(&cnn, params, cfg);
	memcpy(p.embed, cnn.embed, table * sizeof(float));
	mk_text_fit(&bag, block, train, NULL, &bag_opt, &quiet, &res);
	memcpy(cnn.embed, p.embed, table * sizeof(float));
	for (int o = 0; o < O; o++)
	{
		memcpy(cnn.weight + (size_t) o * H, p.weight + (size_t) o * cfg->dim,
			   (size_t) cfg->dim * sizeof(float));
		cnn.bias[o] = p.bias[o];
	}
	mk_free(res.curve);
	mk_free(block);
}

/* The epochs and hooks of a run; see mk_text_fit in textclf.h. */
void
mk_textcnn_fit(const MkTextConfig *cfg, float *params,
			   const MkTextDataset *train, const MkTextDataset *valid,
			   const MkTextFitOptions *opt, const MkFitHooks *hooks,
			   MkFitResult *result)
{
	CnnFit		st;
	int			epochs = opt->epochs > 0 ? opt->epochs : 0;
	double		best_loss = INFINITY;

	warm_start(cfg, params, train, opt, hooks);
	fit_begin(&st, cfg, params, train, opt);
	result->epochs_run = 0;
	result->best_epoch = 0;
	result->curve = mk_alloc(mk_mul_size((size_t) epochs,
										 sizeof(MkEpochReport)));
	for (int epoch = 1; epoch <= epochs; epoch++)
		mk_text_end_epoch(cfg, params, valid, hooks, result, epoch,
						  train_epoch(&st, epoch, hooks), &best_loss);

	fit_end(&st);
}
