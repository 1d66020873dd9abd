/*
 * test_textclf.c
 *		Unit tests of the fast text classifier: the gradient of embedding
 *		bag, linear layer and loss against central finite differences, the
 *		sparse SGD step against the dense one, scoring, training on a
 *		synthetic corpus (held-out accuracy, bit-reproducibility, hooks),
 *		and class weights on imbalanced data.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/loss.h"
#include "core/mk_alloc.h"
#include "core/textclf.h"
#include "unit.h"

#define MAX_DOC_TOKENS 48

/* A hashed corpus in the CSR layout mk_text_fit takes. */
typedef struct Corpus
{
	MkTextDataset ds;
	int64_t    *offsets;
	int32_t    *ids;
	int32_t    *labels;
	float	   *weight;
} Corpus;

/* New zeroed array of n floats. */
static float *
floats(size_t n)
{
	return mk_alloc(mk_mul_size(n, sizeof(float)));
}

/* A small model with random parameters everywhere, weight and bias too. */
static float *
random_model(const MkTextConfig *cfg, MkRng *rng)
{
	size_t		n = mk_text_num_params(cfg);
	float	   *block = floats(n);

	for (size_t i = 0; i < n; i++)
		block[i] = (float) mk_rng_normal(rng);
	return block;
}

/* The loss of one document under the model in block. */
static double
doc_loss(const MkTextConfig *cfg, float *block, const int32_t *ids, int n,
		 int32_t label)
{
	MkTextParams p;
	float		hidden[8],
				logits[4];
	float		target = (float) label;

	mk_text_bind(&p, block, cfg);
	mk_text_forward(logits, hidden, cfg, &p, ids, n);
	if (cfg->loss == MK_LOSS_BCE)
		return mk_bce_logits_forward(logits, &target, NULL, 1);
	return mk_softmax_xent_forward(logits, &label, NULL, 1, cfg->n_classes);
}

/* Accumulates the analytic gradient of doc_loss into the block grads. */
static void
doc_gradient(const MkTextConfig *cfg, float *block, float *grads,
			 const int32_t *ids, int n, int32_t label)
{
	MkTextParams p,
				g;
	float		hidden[8],
				dhidden[8],
				logits[4],
				dlogits[4];
	float		target = (float) label;

	mk_text_bind(&p, block, cfg);
	mk_text_bind(&g, grads, cfg);
	mk_text_forward(logits, hidden, cfg, &p, ids, n);
	if (cfg->loss == MK_LOSS_BCE)
		mk_bce_logits_backward(dlogits, logits, &target, NULL, 1);
	else
		mk_softmax_xent_backward(dlogits, logits, &label, NULL, 1,
								 cfg->n_classes);
	mk_text_backward(cfg, &g, dhidden, dlogits, &p, hidden, ids, n);
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
 * Every parameter's gradient (touched embedding rows, the others, weight
 * and bias) against central differences, for a document with a repeated
 * id and for an empty one.
 */
static void
test_gradient(MkLossKind loss, MkRng *rng)
{
	MkTextConfig cfg = {{7, 1, 0, 0}, 5, loss == MK_LOSS_BCE ? 2 : 3, loss, MK_TEXT_BAG, 0, 0};
	static const int32_t ids[] = {2, 5, 2, 0};
	const char *name = loss == MK_LOSS_BCE ? "sigmoid" : "softmax";

	for (int n = 4; n >= 0; n -= 4)
	{
		size_t		np = mk_text_num_params(&cfg);
		float	   *block = random_model(&cfg, rng);
		float	   *got = floats(np);
		float	   *num = floats(np);
		bool		untouched_zero = true;

		doc_gradient(&cfg, block, got, ids, n, 1);
		for (size_t i = 0; i < np; i++)
		{
			float		saved = block[i];
			float		hi = saved + 1e-2f,
						lo = saved - 1e-2f;
			double		plus,
						minus;

			block[i] = hi;
			plus = doc_loss(&cfg, block, ids, n, 1);
			block[i] = lo;
			minus = doc_loss(&cfg, block, ids, n, 1);
			block[i] = saved;
			num[i] = (float) ((plus - minus) / ((double) hi - lo));
		}
		/* Rows 1, 3, 4 and 6 are in no document: exactly zero. */
		for (int d = 0; d < cfg.dim; d++)
			untouched_zero = untouched_zero && got[1 * 5 + d] == 0.0f &&
				got[3 * 5 + d] == 0.0f && got[6 * 5 + d] == 0.0f;
		unit_check(rel_to_max(got, num, np) < 2e-3 && untouched_zero,
				   "textclf: %s gradient, %d ids, matches finite "
				   "differences (%.2g)", name, n, rel_to_max(got, num, np));
		mk_free(block);
		mk_free(got);
		mk_free(num);
	}
}

/*
 * The sparse step (backward into the parameters, dlogits scaled by -lr)
 * equals params - lr * gradient computed into a separate block.
 */
static void
test_sparse_step(MkRng *rng)
{
	MkTextConfig cfg = {{7, 1, 0, 0}, 5, 3, MK_LOSS_SOFTMAX, MK_TEXT_BAG, 0, 0};
	static const int32_t ids[] = {4, 4, 1};
	size_t		np = mk_text_num_params(&cfg);
	float	   *block = random_model(&cfg, rng);
	float	   *grads = floats(np);
	float	   *want = floats(np);
	MkTextParams p;
	float		hidden[5],
				dhidden[5],
				logits[3],
				dlogits[3];
	int32_t		label = 2;
	float		lr = 0.3f;

	doc_gradient(&cfg, block, grads, ids, 3, label);
	for (size_t i = 0; i < np; i++)
		want[i] = block[i] - lr * grads[i];
	mk_text_bind(&p, block, &cfg);
	mk_text_forward(logits, hidden, &cfg, &p, ids, 3);
	mk_softmax_xent_backward(dlogits, logits, &label, NULL, 1, 3);
	for (int k = 0; k < 3; k++)
		dlogits[k] *= -lr;
	mk_text_backward(&cfg, &p, dhidden, dlogits, &p, hidden, ids, 3);
	unit_check(unit_max_rel_diff(block, want, np) < 1e-6,
			   "textclf: the in-place sparse step is the SGD step");
	mk_free(block);
	mk_free(grads);
	mk_free(want);
}

/* predict: softmax of the logits; sigmoid as (1 - p, p). */
static void
test_predict(MkRng *rng)
{
	MkTextConfig soft = {{7, 1, 0, 0}, 5, 3, MK_LOSS_SOFTMAX, MK_TEXT_BAG, 0, 0};
	MkTextConfig sig = {{7, 1, 0, 0}, 5, 2, MK_LOSS_BCE, MK_TEXT_BAG, 0, 0};
	static const int32_t ids[] = {6, 0, 3};
	float	   *bs = random_model(&soft, rng);
	float	   *bb = random_model(&sig, rng);
	float		scratch[8],
				probs[3],
				want[3],
				hidden[5],
				logits[3];
	MkTextParams p;
	double		p1;

	unit_check(mk_text_scratch_size(&soft) == 8 &&
			   mk_text_num_params(&soft) == 7 * 5 + 3 * 5 + 3 &&
			   mk_text_num_params(&sig) == 7 * 5 + 5 + 1,
			   "textclf: parameter and scratch sizes");
	mk_text_bind(&p, bs, &soft);
	mk_text_forward(logits, hidden, &soft, &p, ids, 3);
	mk_softmax(want, logits, 3);
	mk_text_predict(probs, &soft, bs, ids, 3, 0, scratch);
	unit_check(memcmp(probs, want, sizeof(want)) == 0,
			   "textclf: softmax probabilities of the forward logits");
	mk_text_bind(&p, bb, &sig);
	mk_text_forward(logits, hidden, &sig, &p, ids, 3);
	p1 = 1.0 / (1.0 + exp(-(double) logits[0]));
	mk_text_predict(probs, &sig, bb, ids, 3, 0, scratch);
	unit_close(probs[1], p1, 1e-6, "textclf: sigmoid probability of class 1");
	unit_close(probs[0] + probs[1], 1.0, 1e-6,
			   "textclf: sigmoid probabilities sum to 1");
	mk_free(bs);
	mk_free(bb);
}

/*
 * Appends one synthetic document of class label to c: len to 2 len noise
 * words drawn from 3000, 1 to 3 of them then replaced by some of the 10
 * signal words of class signal.
 */
static void
add_document(Corpus *c, const MkTextFeatConfig *feat, int label, int signal,
			 int len, MkRng *rng)
{
	char		buf[MAX_DOC_TOKENS][16];
	MkToken		tokens[MAX_DOC_TOKENS];
	uint64_t	hashes[MAX_DOC_TOKENS];
	int			i = c->ds.n;
	int			n = len + (int) mk_rng_below(rng, (uint64_t) len + 1);
	int			n_signal = 1 + (int) mk_rng_below(rng, 3);

	for (int t = 0; t < n; t++)
		snprintf(buf[t], 16, "w%d", (int) mk_rng_below(rng, 3000));
	for (int s = 0; s < n_signal; s++)
		snprintf(buf[mk_rng_below(rng, (uint64_t) n)], 16, "c%d_%d", signal,
				 (int) mk_rng_below(rng, 10));
	for (int t = 0; t < n; t++)
	{
		tokens[t].data = buf[t];
		tokens[t].len = (int32_t) strlen(buf[t]);
	}
	c->labels[i] = label;
	c->offsets[i + 1] = c->offsets[i] +
		(int64_t) mk_text_features(c->ids + c->offsets[i], hashes, feat,
								   tokens, n);
	c->ds.n++;
}

/* Allocates room for n documents of up to MAX_DOC_TOKENS words. */
static void
corpus_alloc(Corpus *c, int n, const MkTextFeatConfig *feat)
{
	size_t		per_doc = (size_t) MAX_DOC_TOKENS * feat->word_ngrams;

	memset(c, 0, sizeof(Corpus));
	c->offsets = mk_alloc((size_t) (n + 1) * sizeof(int64_t));
	c->ids = mk_alloc(mk_mul_size((size_t) n * per_doc, sizeof(int32_t)));
	c->labels = mk_alloc((size_t) n * sizeof(int32_t));
	c->weight = floats((size_t) n);
	c->ds.offsets = c->offsets;
	c->ds.ids = c->ids;
	c->ds.labels = c->labels;
}

/* K-class corpus of n documents, each with its class's signal words. */
static void
separable_corpus(Corpus *c, int n, int K, const MkTextFeatConfig *feat,
				 MkRng *rng)
{
	corpus_alloc(c, n, feat);
	for (int i = 0; i < n; i++)
	{
		int			label = (int) mk_rng_below(rng, (uint64_t) K);

		add_document(c, feat, label, label, 20, rng);
	}
}

/* Frees a corpus. */
static void
corpus_free(Corpus *c)
{
	mk_free(c->offsets);
	mk_free(c->ids);
	mk_free(c->labels);
	mk_free(c->weight);
}

/* A model of cfg, initialised from seed 7 and trained on tr. */
static float *
train(const MkTextConfig *cfg, const Corpus *tr, const Corpus *va,
	  const MkTextFitOptions *opt, const MkFitHooks *hooks,
	  MkFitResult *res)
{
	float	   *block = floats(mk_text_num_params(cfg));
	MkRng		init;

	mk_rng_seed(&init, 7);
	mk_text_init(block, cfg, &init);
	mk_text_fit(cfg, block, &tr->ds, va != NULL ? &va->ds : NULL, opt, hooks,
				res);
	return block;
}

/* Counts of hook calls. */
typedef struct HookCounts
{
	int			chunks;
	int			epochs;
	double		last_metric;
} HookCounts;

/* Counts a chunk. */
static void
count_chunk(void *arg)
{
	((HookCounts *) arg)->chunks++;
}

/* Counts an epoch and keeps its validation metric. */
static void
count_epoch(void *arg, const MkEpochReport *report)
{
	HookCounts *counts = (HookCounts *) arg;

	counts->epochs++;
	counts->last_metric = report->valid_metric;
}

/*
 * Three classes decided by signal words among noise words: held-out
 * accuracy >= 0.95; the training loss falls; the hooks run per chunk and
 * per epoch; the same seed gives the same bits, another seed others.
 * The corpus is small, so the learning rate is above the default.
 */
static void
test_learning(MkRng *rng)
{
	MkTextConfig cfg = {{1 << 16, 2, 0, 0}, 16, 3, MK_LOSS_SOFTMAX, MK_TEXT_BAG, 0, 0};
	MkTextFitOptions opt = {0.5f, 5, 42, 0, 0.0f};
	Corpus		tr,
				te;
	HookCounts	counts = {0, 0, NAN};
	MkFitHooks	hooks = {count_chunk, count_epoch, &counts};
	MkFitResult r1,
				r2,
				r3;
	float	   *p1,
			   *p2,
			   *p3;
	size_t		bytes = mk_text_num_params(&cfg) * sizeof(float);
	double		loss,
				acc;

	separable_corpus(&tr, 3000, 3, &cfg.feat, rng);
	separable_corpus(&te, 1000, 3, &cfg.feat, rng);
	unit_check(mk_text_dataset_error(&cfg, &tr.ds) == NULL,
			   "textclf: the synthetic corpus is a valid dataset");
	p1 = train(&cfg, &tr, &te, &opt, &hooks, &r1);
	mk_text_evaluate(&cfg, p1, &te.ds, &loss, &acc);
	unit_check(acc >= 0.95, "textclf: held-out accuracy %.3f >= 0.95", acc);
	unit_check(r1.epochs_run == 5 && r1.curve[4].train_loss <
			   0.5 * r1.curve[0].train_loss && r1.curve[4].valid_loss == loss,
			   "textclf: training loss falls (%.3f to %.3f)",
			   r1.curve[0].train_loss, r1.curve[4].train_loss);
	unit_check(counts.chunks == 5 * 3 && counts.epochs == 5 &&
			   counts.last_metric == acc,
			   "textclf: hooks per chunk and per epoch, with the metric");
	p2 = train(&cfg, &tr, &te, &opt, NULL, &r2);
	opt.seed = 43;
	p3 = train(&cfg, &tr, NULL, &opt, NULL, &r3);
	unit_check(memcmp(p1, p2, bytes) == 0 &&
			   r1.curve[4].train_loss == r2.curve[4].train_loss,
			   "textclf: the same seed gives bit-identical parameters");
	unit_check(memcmp(p1, p3, bytes) != 0 && isnan(r3.curve[0].valid_loss),
			   "textclf: another seed gives other parameters");
	mk_free(p1);
	mk_free(p2);
	mk_free(p3);
	mk_free(r1.curve);
	mk_free(r2.curve);
	mk_free(r3.curve);
	corpus_free(&tr);
	corpus_free(&te);
}

/*
 * Share of held-out documents with the signal of class 1 that are scored
 * as class 1.
 */
static double
minority_recall(const MkTextConfig *cfg, const float *params,
				const Corpus *te)
{
	float		scratch[32],
				probs[2];
	int			hits = 0,
				total = 0;

	for (int i = 0; i < te->ds.n; i++)
	{
		const int32_t *ids = te->ids + te->offsets[i];
		int			n = (int) (te->offsets[i + 1] - te->offsets[i]);

		if (te->labels[i] != 1)
			continue;
		mk_text_predict(probs, cfg, params, ids, n, 0, scratch);
		hits += probs[1] > 0.5f;
		total++;
	}
	return (double) hits / total;
}

/*
 * 5% positives whose signal words also appear in a third of the
 * negatives: unweighted, a signal word means "probably negative" (a
 * posterior of 0.14) and recall is low; with balanced weights (a positive
 * weighs 19 negatives) it means "positive" (0.75).  The learning rate is
 * small because a weighted step is up to 10 times as long.
 */
static void
test_class_weights(MkLossKind loss, MkRng *rng)
{
	MkTextConfig cfg = {{1 << 14, 1, 0, 0}, 16, 2, loss, MK_TEXT_BAG, 0, 0};
	MkTextFitOptions opt = {0.05f, 5, 1, 0, 0.0f};
	Corpus		tr,
				te;
	MkFitResult r1,
				r2;
	float	   *plain,
			   *weighted;
	double		before,
				after;

	corpus_alloc(&tr, 4000, &cfg.feat);
	corpus_alloc(&te, 4000, &cfg.feat);
	for (int i = 0; i < 4000; i++)
	{
		int			label = mk_rng_uniform(rng) < 0.05 ? 1 : 0;
		bool		borrow = mk_rng_uniform(rng) < 1.0 / 3;

		/* A third of the negatives carry class 1's signal words. */
		add_document(&tr, &cfg.feat, label, label || borrow, 4, rng);
		add_document(&te, &cfg.feat, label, label, 4, rng);
	}
	plain = train(&cfg, &tr, NULL, &opt, NULL, &r1);
	mk_text_balanced_weights(tr.weight, tr.labels, tr.ds.n, 2);
	tr.ds.weight = tr.weight;
	weighted = train(&cfg, &tr, NULL, &opt, NULL, &r2);
	before = minority_recall(&cfg, plain, &te);
	after = minority_recall(&cfg, weighted, &te);
	unit_check(after > before + 0.3,
			   "textclf: %s balanced weights raise minority recall "
			   "(%.2f to %.2f)", loss == MK_LOSS_BCE ? "sigmoid" : "softmax",
			   before, after);
	mk_free(plain);
	mk_free(weighted);
	mk_free(r1.curve);
	mk_free(r2.curve);
	corpus_free(&tr);
	corpus_free(&te);
}

/* Balanced weights give every class the same total weight. */
static void
test_balanced_weights(void)
{
	static const int32_t labels[] = {0, 0, 0, 1, 2, 2};
	float		w[6];

	mk_text_balanced_weights(w, labels, 6, 3);
	unit_close(w[0] + w[1] + w[2], 2.0, 1e-6,
			   "textclf: balanced weights, class 0 totals n / K");
	unit_check(w[3] == 2.0f && w[4] == 1.0f && w[5] == 1.0f,
			   "textclf: balanced weights are n / (K count)");
}

/* Bad configurations and datasets are named. */
static void
test_errors(void)
{
	MkTextConfig good = {{100, 2, 0, 0}, 8, 3, MK_LOSS_SOFTMAX, MK_TEXT_BAG, 0, 0};
	MkTextConfig bad_sig = {{100, 2, 0, 0}, 8, 3, MK_LOSS_BCE, MK_TEXT_BAG, 0, 0};
	MkTextConfig bad_dim = {{100, 2, 0, 0}, 0, 3, MK_LOSS_SOFTMAX, MK_TEXT_BAG, 0, 0};
	MkTextConfig bad_k = {{100, 2, 0, 0}, 8, 1, MK_LOSS_SOFTMAX, MK_TEXT_BAG, 0, 0};
	MkTextConfig bad_feat = {{0, 2, 0, 0}, 8, 3, MK_LOSS_SOFTMAX, MK_TEXT_BAG, 0, 0};
	static const int64_t offsets[] = {0, 2, 3};
	static const int64_t backwards[] = {0, 2, 1};
	int32_t		ids[] = {5, 99, 0};
	int32_t		labels[] = {0, 2};
	float		weight[] = {1.0f, -1.0f};
	MkTextDataset ds = {offsets, ids, labels, NULL, 2, NULL};
	bool		ok;

	unit_check(mk_text_config_error(&good) == NULL &&
			   mk_text_config_error(&bad_sig) != NULL &&
			   mk_text_config_error(&bad_dim) != NULL &&
			   mk_text_config_error(&bad_k) != NULL &&
			   mk_text_config_error(&bad_feat) != NULL,
			   "textclf: configuration checks");
	ok = mk_text_dataset_error(&good, &ds) == NULL;
	ids[1] = 100;
	ok = ok && mk_text_dataset_error(&good, &ds) != NULL;
	ids[1] = 99;
	labels[1] = 3;
	ok = ok && mk_text_dataset_error(&good, &ds) != NULL;
	labels[1] = 2;
	ds.weight = weight;
	ok = ok && mk_text_dataset_error(&good, &ds) != NULL;
	ds.weight = NULL;
	ds.offsets = backwards;
	ok = ok && mk_text_dataset_error(&good, &ds) != NULL;
	unit_check(ok, "textclf: dataset checks");
}

/* Runs the text classifier group. */
void
test_textclf(void)
{
	MkRng		rng;

	mk_rng_seed(&rng, 2024);
	test_gradient(MK_LOSS_SOFTMAX, &rng);
	test_gradient(MK_LOSS_BCE, &rng);
	test_sparse_step(&rng);
	test_predict(&rng);
	test_learning(&rng);
	test_class_weights(MK_LOSS_BCE, &rng);
	test_class_weights(MK_LOSS_SOFTMAX, &rng);
	test_balanced_weights();
	test_errors();
}
