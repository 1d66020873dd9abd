/*
 * test_textcnn.c
 *		Unit tests of the text classifier's CNN encoder: the gradient of the
 *		whole model on a packed batch against central finite differences,
 *		scoring one document against the batch forward, learning a class
 *		that only word order reveals, reproducibility, configuration checks
 *		and the weights format's round trip of either encoder.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/loss.h"
#include "core/mk_alloc.h"
#include "core/textclf.h"
#include "core/textcnn.h"
#include "model/model.h"
#include "unit.h"

#define MAX_DOC_TOKENS 24
#define BATCH 3

/* A small packed batch: one long document, one short, one empty. */
static const int32_t doc_a[] = {3, 1, 4, 1, 5, 9, 2};	/* 5 tokens */
static const int32_t doc_b[] = {6, 2, 8};	/* 2 tokens */
static const int32_t *const doc_ids[BATCH] = {doc_a, doc_b, NULL};
static const int doc_n[BATCH] = {7, 3, 0};
static const int doc_tokens[BATCH] = {5, 2, 0};

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* A CNN configuration of V buckets, D dimensions and F filters. */
static MkTextConfig
cnn_config(int V, int D, int F, int K, int max_length)
{
	MkTextConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.feat.buckets = V;
	cfg.feat.word_ngrams = 1;
	cfg.dim = D;
	cfg.n_classes = K;
	cfg.loss = K == 2 ? MK_LOSS_BCE : MK_LOSS_SOFTMAX;
	cfg.encoder = MK_TEXT_CNN;
	cfg.filters = F;
	cfg.max_length = max_length;
	return cfg;
}

/* The packed rows of the batch under cfg; returns R. */
static int
pack(const MkTextConfig *cfg, int32_t *start, int32_t *len, int32_t *tok)
{
	int			R = 0;

	for (int b = 0; b < BATCH; b++)
	{
		int			span;

		len[b] = doc_tokens[b] < cfg->max_length ? doc_tokens[b] : cfg->max_length;
		span = mk_textcnn_span(len[b]);
		start[b] = R;
		for (int t = 0; t < span; t++)
			tok[R + t] = t < len[b] ? doc_ids[b][t] : -1;
		R += span;
	}
	return R;
}

/*
 * The mean loss of the batch with labels under the model in block, and
 * when grads is not NULL its gradient accumulated there; logits[BATCH, O]
 * receives the batch's logits.
 */
static double
batch_loss(const MkTextConfig *cfg, float *block, float *grads,
		   const int32_t *labels, float *logits)
{
	enum
	{
		ROWS = 64, MAXD = 4, MAXF = 3, MAXH = MAXD + 3 * MAXF
	};
	MkTextParams p,
				g;
	int			D = cfg->dim,
				F = cfg->filters,
				H = mk_text_hidden_width(cfg),
				O = mk_text_num_outputs(cfg);
	int32_t		start[BATCH],
				len[BATCH],
				tok[ROWS],
				argmax[BATCH * 3 * MAXF];
	float		x[(ROWS + MK_TEXT_CNN_MAX_WIDTH) * MAXD],
				dx[(ROWS + MK_TEXT_CNN_MAX_WIDTH) * MAXD],
				cols[ROWS * MK_TEXT_CNN_MAX_WIDTH * MAXD],
				conv[ROWS * MAXF],
				feat[BATCH * 3 * MAXF],
				dfeat[BATCH * 3 * MAXF],
				hidden[BATCH * MAXH],
				dhidden[BATCH * MAXH],
				dlogits[BATCH * 3],
				targets[BATCH];
	int			R = pack(cfg, start, len, tok);
	double		loss;

	mk_text_bind(&p, block, cfg);
	mk_textcnn_gather(x, p.embed, tok, R, D);
	mk_textcnn_forward(feat, argmax, cols, conv, x, start, len, BATCH, R, &p,
					   D, F);
	for (int b = 0; b < BATCH; b++)
	{
		mk_embag_forward(hidden + b * H, p.embed, doc_ids[b], doc_n[b], D);
		memcpy(hidden + b * H + D, feat + b * 3 * F, 3 * F * sizeof(float));
		mk_text_linear_forward(logits + b * O, hidden + b * H, p.weight,
							   p.bias, H, O);
		targets[b] = (float) labels[b];
	}
	if (cfg->loss == MK_LOSS_BCE)
	{
		loss = mk_bce_logits_forward(logits, targets, NULL, BATCH);
		mk_bce_logits_backward(dlogits, logits, targets, NULL, BATCH);
	}
	else
	{
		loss = mk_softmax_xent_forward(logits, labels, NULL, BATCH, O);
		mk_softmax_xent_backward(dlogits, logits, labels, NULL, BATCH, O);
	}
	if (grads == NULL)
		return loss;
	mk_text_bind(&g, grads, cfg);
	memset(dhidden, 0, sizeof(dhidden));
	memset(dx, 0, sizeof(dx));
	for (int b = 0; b < BATCH; b++)
	{
		mk_text_linear_backward(dhidden + b * H, g.weight, g.bias,
								dlogits + b * O, hidden + b * H, p.weight,
								H, O);
		mk_embag_backward(g.embed, dhidden + b * H, doc_ids[b], doc_n[b], D);
		memcpy(dfeat + b * 3 * F, dhidden + b * H + D, 3 * F * sizeof(float));
	}
	mk_textcnn_backward(&g, dx, dfeat, feat, argmax, x, &p, BATCH, D, F);
	mk_textcnn_scatter(g.embed, dx, tok, R, D);
	return loss;
}

/* max |a - b| over max |b|. */
static double
rel_to_max(const float *a, const float *b, size_t n)
{
	double		diff = 0.0,
				scale = 1e-30;

	for (size_t i = 0; i < n; i++)
	{
		diff = fmax(diff, fabs((double) a[i] - b[i]));
		scale = fmax(scale, fabs((double) b[i]));
	}
	return diff / scale;
}

/*
 * Every parameter's gradient against central differences, on a batch
 * whose first document is cut by max_length, whose second is shorter than
 * the wider filters and whose third is empty; each document scored alone
 * gives the batch's logits.
 */
static void
test_gradient(int K, MkRng *rng)
{
	MkTextConfig cfg = cnn_config(10, 4, 3, K, 4);
	static const int32_t labels[BATCH] = {1, 0, 1};
	size_t		np = mk_text_num_params(&cfg);
	float	   *block = floats(np);
	float	   *got = floats(np);
	float	   *num = floats(np);
	float	   *scratch = floats(mk_text_scratch_size(&cfg));
	float		logits[BATCH * 3],
				one[3];
	double		worst = 0.0;
	int			O = mk_text_num_outputs(&cfg);

	for (size_t i = 0; i < np; i++)
		block[i] = (float) mk_rng_normal(rng);
	batch_loss(&cfg, block, got, labels, logits);
	for (size_t i = 0; i < np; i++)
	{
		float		saved = block[i];
		float		hi = saved + 1e-2f,
					lo = saved - 1e-2f;
		double		plus,
					minus;

		block[i] = hi;
		plus = batch_loss(&cfg, block, NULL, labels, logits);
		block[i] = lo;
		minus = batch_loss(&cfg, block, NULL, labels, logits);
		block[i] = saved;
		num[i] = (float) ((plus - minus) / ((double) hi - lo));
	}
	unit_check(rel_to_max(got, num, np) < 2e-3,
			   "textcnn: %d-class gradient matches finite differences (%.2g)",
			   K, rel_to_max(got, num, np));
	batch_loss(&cfg, block, NULL, labels, logits);
	for (int b = 0; b < BATCH; b++)
	{
		mk_text_logits(one, &cfg, block, doc_ids[b], doc_n[b], doc_tokens[b],
					   scratch);
		for (int o = 0; o < O; o++)
			worst = fmax(worst, fabs((double) one[o] - logits[b * O + o]));
	}
	unit_check(worst < 1e-5,
			   "textcnn: %d-class scoring of one document gives the batch's "
			   "logits (%.2g)", K, worst);
	mk_free(block);
	mk_free(got);
	mk_free(num);
	mk_free(scratch);
}

/* A corpus of documents as the fit takes them. */
typedef struct Corpus
{
	MkTextDataset ds;
	int64_t    *offsets;
	int32_t    *ids;
	int32_t    *labels;
	int32_t    *tokens;
} Corpus;

/*
 * n documents of 6 to 16 noise words from 50, each with the words "x"
 * and "y" side by side: "x y" in class 0, "y x" in class 1.  Only their
 * order tells the classes apart, which a bag of words cannot see.
 */
static void
order_corpus(Corpus *c, int n, const MkTextFeatConfig *feat, MkRng *rng)
{
	memset(c, 0, sizeof(*c));
	c->offsets = mk_alloc((size_t) (n + 1) * sizeof(int64_t));
	c->ids = mk_alloc((size_t) n * MAX_DOC_TOKENS * sizeof(int32_t));
	c->labels = mk_alloc((size_t) n * sizeof(int32_t));
	c->tokens = mk_alloc((size_t) n * sizeof(int32_t));
	for (int i = 0; i < n; i++)
	{
		char		buf[MAX_DOC_TOKENS][8];
		MkToken		tokens[MAX_DOC_TOKENS];
		uint64_t	hashes[MAX_DOC_TOKENS];
		int			len = 6 + (int) mk_rng_below(rng, 11);
		int			at = (int) mk_rng_below(rng, (uint64_t) len - 1);
		int			label = (int) mk_rng_below(rng, 2);

		for (int t = 0; t < len; t++)
			snprintf(buf[t], sizeof(buf[t]), "w%d", (int) mk_rng_below(rng, 50));
		strcpy(buf[at], label == 0 ? "x" : "y");
		strcpy(buf[at + 1], label == 0 ? "y" : "x");
		for (int t = 0; t < len; t++)
		{
			tokens[t].data = buf[t];
			tokens[t].len = (int32_t) strlen(buf[t]);
		}
		c->labels[i] = label;
		c->tokens[i] = len;
		c->offsets[i + 1] = c->offsets[i] +
			(int64_t) mk_text_features(c->ids + c->offsets[i], hashes, feat,
									   tokens, len);
	}
	c->ds.offsets = c->offsets;
	c->ds.ids = c->ids;
	c->ds.labels = c->labels;
	c->ds.tokens = c->tokens;
	c->ds.n = n;
}

/* Frees a corpus. */
static void
corpus_free(Corpus *c)
{
	mk_free(c->offsets);
	mk_free(c->ids);
	mk_free(c->labels);
	mk_free(c->tokens);
}

/* Counts of hook calls. */
typedef struct HookCounts
{
	int			batches;
	int			epochs;
} HookCounts;

static void
count_batch(void *arg)
{
	((HookCounts *) arg)->batches++;
}

static void
count_epoch(void *arg, const MkEpochReport *report)
{
	((HookCounts *) arg)->epochs++;
}

/* A model of cfg, initialised from seed 7 and trained on tr. */
static float *
train(const MkTextConfig *cfg, const Corpus *tr, const MkTextFitOptions *opt,
	  const MkFitHooks *hooks, MkFitResult *res)
{
	float	   *block = floats(mk_text_num_params(cfg));
	MkRng		init;

	mk_rng_seed(&init, 7);
	mk_text_init(block, cfg, &init);
	mk_text_fit(cfg, block, &tr->ds, NULL, opt, hooks, res);
	return block;
}

/*
 * The class lies in word order alone: the bag of words stays near chance,
 * the CNN learns it; hooks run per batch and per epoch; the same seed
 * gives the same bits.
 */
static void
test_learning(MkRng *rng)
{
	MkTextConfig cnn = cnn_config(1 << 12, 8, 8, 2, 32);
	MkTextConfig bag = cnn;
	MkTextFitOptions opt = {1e-2f, 5, 42, 16, 0.1f};
	MkTextFitOptions bag_opt = {MK_TEXT_DEFAULT_LEARNING_RATE,
	MK_TEXT_DEFAULT_EPOCHS, 42, 0, 0.0f};
	HookCounts	counts = {0, 0};
	MkFitHooks	hooks = {count_batch, count_epoch, &counts};
	Corpus		tr,
				te;
	MkFitResult r1,
				r2,
				r3;
	float	   *p1,
			   *p2,
			   *pb;
	double		loss,
				cnn_auc,
				bag_auc;

	bag.encoder = MK_TEXT_BAG;
	bag.filters = 0;
	bag.max_length = 0;
	order_corpus(&tr, 2000, &cnn.feat, rng);
	order_corpus(&te, 500, &cnn.feat, rng);
	unit_check(mk_text_dataset_error(&cnn, &tr.ds) == NULL,
			   "textcnn: the order corpus is a valid dataset");
	pb = train(&bag, &tr, &bag_opt, NULL, &r3);
	mk_text_evaluate(&bag, pb, &te.ds, &loss, &bag_auc);
	p1 = train(&cnn, &tr, &opt, &hooks, &r1);
	mk_text_evaluate(&cnn, p1, &te.ds, &loss, &cnn_auc);
	unit_check(bag_auc < 0.65 && cnn_auc > 0.95,
			   "textcnn: word order learnt (AUC %.3f), the bag cannot (%.3f)",
			   cnn_auc, bag_auc);
	unit_check(counts.epochs == 5 && r1.epochs_run == 5 &&
			   counts.batches >= 5 * 125 &&
			   r1.curve[4].train_loss < r1.curve[0].train_loss,
			   "textcnn: hooks per batch and epoch, training loss falls "
			   "(%.3f to %.3f)", r1.curve[0].train_loss, r1.curve[4].train_loss);
	p2 = train(&cnn, &tr, &opt, NULL, &r2);
	unit_check(memcmp(p1, p2, mk_text_num_params(&cnn) * sizeof(float)) == 0,
			   "textcnn: the same seed gives bit-identical parameters");
	mk_free(p1);
	mk_free(p2);
	mk_free(pb);
	mk_free(r1.curve);
	mk_free(r2.curve);
	mk_free(r3.curve);
	corpus_free(&tr);
	corpus_free(&te);
}

/* Bad encoder settings and token counts are named. */
static void
test_errors(void)
{
	MkTextConfig good = cnn_config(100, 8, 4, 3, 16);
	MkTextConfig no_filters = good;
	MkTextConfig no_length = good;
	MkTextConfig bag_with_filters = good;
	MkTextConfig unknown = good;
	static const int64_t offsets[] = {0, 2, 3};
	int32_t		ids[] = {5, 99, 0};
	int32_t		labels[] = {0, 2};
	int32_t		tokens[] = {2, 1};
	MkTextDataset ds = {offsets, ids, labels, NULL, 2, tokens};
	bool		ok;

	no_filters.filters = 0;
	no_length.max_length = MK_TEXT_MAX_LENGTH + 1;
	bag_with_filters.encoder = MK_TEXT_BAG;
	unknown.encoder = (MkTextEncoder) 7;
	unit_check(mk_text_config_error(&good) == NULL &&
			   mk_text_config_error(&no_filters) != NULL &&
			   mk_text_config_error(&no_length) != NULL &&
			   mk_text_config_error(&bag_with_filters) != NULL &&
			   mk_text_config_error(&unknown) != NULL &&
			   mk_textcnn_shape_error(&good, 1 << 20) == NULL &&
			   mk_textcnn_shape_error(&no_length, 1 << 20) != NULL,
			   "textcnn: configuration checks");
	ok = mk_text_dataset_error(&good, &ds) == NULL;
	tokens[1] = 2;				/* more tokens than ids */
	ok = ok && mk_text_dataset_error(&good, &ds) != NULL;
	tokens[1] = 1;
	ds.tokens = NULL;
	ok = ok && mk_text_dataset_error(&good, &ds) != NULL;
	unit_check(ok, "textcnn: token counts are checked");
}

/* An mk_alloc'd copy of s. */
static char *
dup_text(const char *s)
{
	char	   *copy = mk_alloc(strlen(s) + 1);

	strcpy(copy, s);
	return copy;
}

/* A binary text classifier of cfg with parameters from rng. */
static void
make_text_model(MkModel *m, const MkTextConfig *cfg, MkRng *rng)
{
	size_t		n = mk_text_num_params(cfg);

	memset(m, 0, sizeof(*m));
	m->task = MK_TASK_TEXT_CLASSIFICATION;
	m->target.name = dup_text("label");
	m->target.type = MK_LABEL_TEXT;
	m->target.n_classes = 2;
	m->target.classes = mk_alloc(2 * sizeof(char *));
	m->target.classes[0] = dup_text("neg");
	m->target.classes[1] = dup_text("pos");
	m->target.positive = 1;
	m->text.column = dup_text("review");
	mk_tokenize_options_init(&m->text.tokenize);
	m->text.cfg = *cfg;
	m->params = floats(n);
	for (size_t i = 0; i < n; i++)
		m->params[i] = (float) mk_rng_normal(rng);
	m->spec_json = dup_text("{\"encoder\": \"cnn\"}");
	m->metrics_json = dup_text("{}");
}

/*
 * Either encoder survives the weights format bit for bit, and writing what
 * was read gives the same bytes; a bag model with filters is refused.
 */
static void
test_round_trip(MkRng *rng)
{
	MkTextConfig cnn = cnn_config(50, 6, 5, 2, 20);
	MkTextConfig bag = cnn;

	bag.encoder = MK_TEXT_BAG;
	bag.filters = 0;
	bag.max_length = 0;
	for (int k = 0; k < 2; k++)
	{
		const MkTextConfig *cfg = k == 0 ? &bag : &cnn;
		MkModel		m,
					back;
		char		err[256] = "";
		size_t		len,
					len2;
		uint8_t    *bytes,
				   *again;
		bool		ok;

		make_text_model(&m, cfg, rng);
		bytes = mk_model_write(&m, &len);
		ok = bytes != NULL &&
			mk_model_read(bytes, len, &back, err, sizeof(err));
		ok = ok && memcmp(&back.text.cfg, cfg, sizeof(*cfg)) == 0 &&
			memcmp(back.params, m.params,
				   mk_text_num_params(cfg) * sizeof(float)) == 0;
		again = ok ? mk_model_write(&back, &len2) : NULL;
		ok = ok && again != NULL && len2 == len &&
			memcmp(again, bytes, len) == 0;
		unit_check(ok, "textcnn: %s model round trip %s",
				   k == 0 ? "bag" : "CNN", err);
		mk_free(bytes);
		mk_free(again);
		if (err[0] == '\0')
			mk_model_free(&back);
		mk_model_free(&m);
	}
	{
		MkModel		m;
		size_t		len;
		uint8_t    *bytes;

		bag.filters = 3;
		make_text_model(&m, &cnn, rng);
		m.text.cfg = bag;
		bytes = mk_model_write(&m, &len);
		unit_check(bytes == NULL && mk_model_check(&m) != NULL,
				   "textcnn: a bag model with filters is not written");
		mk_model_free(&m);
	}
}

/* Runs the CNN encoder group. */
void
test_textcnn(void)
{
	MkRng		rng;

	mk_rng_seed(&rng, 2025);
	test_gradient(2, &rng);
	test_gradient(3, &rng);
	test_learning(&rng);
	test_errors();
	test_round_trip(&rng);
}
