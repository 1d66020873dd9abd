/*
 * test_format_text.c
 *		Tests of the model format for text classifiers.
 *
 * A binary and a three-class text classifier are built by hand, with a
 * tokenizer locale, CJK n-grams, word and character n-grams.  Each must
 * survive a round trip with its configuration intact and its parameters
 * bit-identical, re-serialise to the same bytes, and give the same tokens,
 * feature ids and probabilities for the same text.  Then the reader is
 * attacked: every truncation and every single-bit flip fails cleanly, and
 * each field of the "text" section set out of range, with the checksum
 * recomputed so that the checks behind it are reached, is rejected with
 * its own message.
 *
 * c.h comes first, as in every file that links with libpgport.
 */
#include "c.h"

#include <stdio.h>
#include <string.h>

#include "core/mk_alloc.h"
#include "core/rng.h"
#include "core/text_features.h"
#include "core/textclf.h"
#include "model/model.h"
#include "text/tokenize.h"
#include "unit.h"
#include "unit_format.h"

/*
 * Where each field of the "text" blob sits after the column name and the
 * locale (see src/model/format.c).
 */
#define AT_CJK_NGRAMS	0
#define AT_CJK_WORDS	1
#define AT_NUMBERS		2
#define AT_EMOJI		3
#define AT_MAX_BYTES	4
#define AT_BUCKETS		8
#define AT_WORD_NGRAMS	12
#define AT_CHAR_MIN		13
#define AT_CHAR_MAX		14
#define AT_DIM			15
#define AT_N_CLASSES	19
#define AT_LOSS			23

/* A copy of s in mk_alloc'd memory. */
static char *
copy_text(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = mk_alloc(n);

	memcpy(d, s, n);
	return d;
}

/* A text classifier of n_classes (2 or 3) with seeded random parameters. */
static void
make_text_model(MkModel *m, int n_classes)
{
	static const char *const labels[] = {"negative", "neutral", "positive"};
	MkText	   *text = &m->text;
	MkRng		rng;
	size_t		n;

	memset(m, 0, sizeof(*m));
	m->task = MK_TASK_TEXT_CLASSIFICATION;
	m->target.name = copy_text("sentiment");
	m->target.type = MK_LABEL_TEXT;
	m->target.n_classes = n_classes;
	m->target.classes = mk_alloc(sizeof(char *) * n_classes);
	for (int k = 0; k < n_classes; k++)
		m->target.classes[k] = copy_text(labels[n_classes == 2 ? 2 * k : k]);
	m->target.positive = n_classes - 1;
	m->target.scale = 1.0;

	text->column = copy_text("review");
	mk_tokenize_options_init(&text->tokenize);
	if (!mk_tokenize_set_locale(&text->tokenize, "zh-Hant"))
		abort();
	text->tokenize.cjk_ngrams = 2;
	text->tokenize.emoji = false;
	text->tokenize.max_bytes = 4096;
	text->cfg.feat.buckets = 97;
	text->cfg.feat.word_ngrams = 2;
	text->cfg.feat.char_min = 2;
	text->cfg.feat.char_max = 3;
	text->cfg.dim = 5;
	text->cfg.n_classes = n_classes;
	text->cfg.loss = n_classes == 2 ? MK_LOSS_BCE : MK_LOSS_SOFTMAX;

	n = mk_text_num_params(&text->cfg);
	m->params = mk_alloc(mk_mul_size(n, sizeof(float)));
	mk_rng_seed(&rng, 7 + n_classes);
	for (size_t i = 0; i < n; i++)
		m->params[i] = (float) mk_rng_normal(&rng);
	m->spec_json = copy_text("{\"text\": \"review\", \"dim\": 5}");
	m->metrics_json = copy_text("{\"accuracy\": 0.5}");
}

/* Where the differences between two text models start, or NULL. */
static const char *
text_model_diff(const MkModel *a, const MkModel *b)
{
	const MkText *x = &a->text;
	const MkText *y = &b->text;

	if (a->task != b->task)
		return "task";
	if (strcmp(x->column, y->column) != 0)
		return "column";
	if (strcmp(x->tokenize.locale, y->tokenize.locale) != 0)
		return "locale";
	if (x->tokenize.cjk_ngrams != y->tokenize.cjk_ngrams ||
		x->tokenize.cjk_words != y->tokenize.cjk_words ||
		x->tokenize.numbers != y->tokenize.numbers ||
		x->tokenize.emoji != y->tokenize.emoji ||
		x->tokenize.max_bytes != y->tokenize.max_bytes)
		return "tokenizer options";
	if (memcmp(&x->cfg, &y->cfg, sizeof(x->cfg)) != 0)
		return "classifier configuration";
	if (a->target.n_classes != b->target.n_classes ||
		a->target.positive != b->target.positive)
		return "target";
	for (int k = 0; k < a->target.n_classes; k++)
		if (strcmp(a->target.classes[k], b->target.classes[k]) != 0)
			return "labels";
	if (memcmp(a->params, b->params,
			   mk_text_num_params(&x->cfg) * sizeof(float)) != 0)
		return "parameters";
	if (strcmp(a->spec_json, b->spec_json) != 0 ||
		strcmp(a->metrics_json, b->metrics_json) != 0)
		return "spec or metrics";
	return NULL;
}

/*
 * The class probabilities of a UTF-8 text under a model, from its own
 * tokenizer options and feature configuration; false when tokenizing
 * fails.
 */
static bool
score_text(const MkModel *m, MkTokenizer *tok, const char *utf8, float *probs)
{
	const MkTextConfig *cfg = &m->text.cfg;
	MkTokenList list;
	MkToken    *tokens;
	uint64_t   *hashes;
	int32_t    *ids;
	float	   *scratch;
	size_t		n;

	if (mk_tokenize(tok, &m->text.tokenize, utf8, strlen(utf8), &list) !=
		MK_TOKENIZE_OK)
		return false;
	tokens = mk_alloc(sizeof(MkToken) * (list.count + 1));
	hashes = mk_alloc(sizeof(uint64_t) * (list.count + 1));
	for (int i = 0; i < list.count; i++)
	{
		tokens[i].data = mk_token_text(&list, i);
		tokens[i].len = (int32_t) mk_token_length(&list, i);
	}
	ids = mk_alloc(sizeof(int32_t) *
				   (mk_text_feat_count(&cfg->feat, tokens, list.count) + 1));
	n = mk_text_features(ids, hashes, &cfg->feat, tokens, list.count);
	scratch = mk_alloc(sizeof(float) * mk_text_scratch_size(cfg));
	mk_text_predict(probs, cfg, m->params, ids, (int) n, list.count, scratch);
	mk_free(scratch);
	mk_free(ids);
	mk_free(hashes);
	mk_free(tokens);
	return true;
}

/* Round trip: the same fields, bytes, and scores of a few texts. */
static void
test_text_round_trip(int n_classes)
{
	static const char *const texts[] = {
		"The room was GREAT, recommended!", "这家酒店的服务很好",
		"外卖很差，太慢了", "", "Straße 5 µg 👍"
	};
	MkModel		m;
	MkModel		back;
	MkTokenizer *tok = mk_tokenizer_create();
	uint8_t    *bytes;
	uint8_t    *again;
	size_t		len;
	size_t		len2;
	char		err[256] = "";
	int			same = 0;

	make_text_model(&m, n_classes);
	unit_check(mk_model_check(&m) == NULL,
			   "format text: %d-class text model is valid", n_classes);
	bytes = mk_model_write(&m, &len);
	unit_check(bytes != NULL, "format text: %d-class model is written (%zu bytes)",
			   n_classes, len);
	if (!mk_model_read(bytes, len, &back, err, sizeof(err)))
	{
		unit_check(false, "format text: %d-class model is read back: %s",
				   n_classes, err);
		mk_free(bytes);
		mk_model_free(&m);
		mk_tokenizer_destroy(tok);
		return;
	}
	{
		const char *diff = text_model_diff(&m, &back);

		unit_check(diff == NULL, "format text: %d-class model reads back equal%s%s",
				   n_classes, diff ? ", differs in " : "", diff ? diff : "");
	}
	again = mk_model_write(&back, &len2);
	unit_check(again != NULL && len2 == len && memcmp(again, bytes, len) == 0,
			   "format text: %d-class model re-serialises byte-identical", n_classes);
	for (int t = 0; t < lengthof(texts); t++)
	{
		float		p[3];
		float		q[3];

		if (score_text(&m, tok, texts[t], p) && score_text(&back, tok, texts[t], q) &&
			memcmp(p, q, sizeof(float) * n_classes) == 0)
			same++;
	}
	unit_check(same == lengthof(texts),
			   "format text: %d-class model scores %d of %d texts identically after the round trip",
			   n_classes, same, (int) lengthof(texts));
	mk_free(again);
	mk_model_free(&back);
	mk_free(bytes);
	mk_model_free(&m);
	mk_tokenizer_destroy(tok);
}

/* Every truncation and every single-bit flip of a text model fails. */
static void
test_text_damage(void)
{
	MkModel		m;
	uint8_t    *bytes;
	size_t		len;
	size_t		truncations = 0;
	size_t		flips = 0;
	size_t		text_flips = 0;
	size_t		text_start;
	size_t		text_end;
	char		err[256];

	make_text_model(&m, 3);
	bytes = mk_model_write(&m, &len);
	for (size_t cut = 0; cut < len; cut++)
	{
		/* a fresh, exactly sized copy lets a sanitiser see any overread */
		uint8_t    *copy = mk_alloc(cut > 0 ? cut : 1);

		memcpy(copy, bytes, cut);
		if (!read_fails(copy, cut, err, sizeof(err)))
			truncations++;
		mk_free(copy);
	}
	unit_check(truncations == 0,
			   "format text: truncated at each of %zu lengths fails (%zu did not)",
			   len, truncations);

	text_start = section_at(bytes, len, "text");
	text_end = text_start + 4 + get_le32(bytes + text_start);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			bytes[i] ^= (uint8_t) (1 << bit);
			if (!read_fails(bytes, len, err, sizeof(err)))
				flips++;
			else if (i >= text_start && i < text_end &&
					 strcmp(err, "checksum mismatch") != 0)
				text_flips++;
			bytes[i] ^= (uint8_t) (1 << bit);
		}
	unit_check(flips == 0, "format text: each of %zu bit flips fails (%zu did not)",
			   len * 8, flips);
	unit_check(text_flips == 0,
			   "format text: flips in the text section fail the checksum (%zu not)",
			   text_flips);
	mk_free(bytes);
	mk_model_free(&m);
}

/* Offset of the first fixed field of the "text" blob in buf. */
static size_t
text_fields_at(const uint8_t *buf, size_t len)
{
	size_t		at = section_at(buf, len, "text") + 4;	/* past the blob length */
	size_t		column = buf[at] | (size_t) buf[at + 1] << 8;
	size_t		locale = buf[at + 2 + column] | (size_t) buf[at + 3 + column] << 8;

	return at + 2 + column + 2 + locale;
}

/* A resealed copy of good with bytes n at field set to value, little-endian. */
static void
expect_field_error(const uint8_t *good, size_t len, int field, int n,
				   uint32_t value, const char *want, const char *what)
{
	uint8_t    *buf = mk_alloc(len);
	size_t		at;

	memcpy(buf, good, len);
	at = text_fields_at(buf, len) + field;
	for (int b = 0; b < n; b++)
		buf[at + b] = (uint8_t) (value >> (8 * b));
	reseal(buf, len);
	expect_error(buf, len, want, what);
	mk_free(buf);
}

/*
 * A resealed copy of good whose locale's bytes are replaced by as many
 * from locale.
 */
static void
expect_locale_error(const uint8_t *good, size_t len, const char *locale,
					const char *want, const char *what)
{
	uint8_t    *buf = mk_alloc(len);
	size_t		at = section_at(good, len, "text") + 4;
	size_t		column;
	size_t		stored;

	memcpy(buf, good, len);
	column = buf[at] | (size_t) buf[at + 1] << 8;
	stored = buf[at + 2 + column] | (size_t) buf[at + 3 + column] << 8;
	memcpy(buf + at + 4 + column, locale, stored);
	reseal(buf, len);
	expect_error(buf, len, want, what);
	mk_free(buf);
}

/*
 * A resealed copy of good whose locale grows by extra bytes of 'a', its
 * string and blob lengths patched.
 */
static void
expect_long_locale_error(const uint8_t *good, size_t len, size_t extra)
{
	size_t		at = section_at(good, len, "text");
	size_t		column = good[at + 4] | (size_t) good[at + 5] << 8;
	size_t		locale_at = at + 6 + column;
	size_t		locale = good[locale_at] | (size_t) good[locale_at + 1] << 8;
	size_t		end = locale_at + 2 + locale;
	uint8_t    *buf = mk_alloc(len + extra);

	memcpy(buf, good, end);
	memset(buf + end, 'a', extra);
	memcpy(buf + end + extra, good + end, len - end);
	put_le32(buf + at, get_le32(good + at) + (uint32_t) extra);
	buf[locale_at] = (uint8_t) (locale + extra);
	buf[locale_at + 1] = (uint8_t) ((locale + extra) >> 8);
	reseal(buf, len + extra);
	expect_error(buf, len + extra, "tokenizer locale longer than 63 bytes",
				 "a locale of 64 bytes");
	mk_free(buf);
}

/* Each field of the text configuration out of range, behind a valid CRC. */
static void
test_text_config_errors(void)
{
	MkModel		m;
	MkModel		back;
	uint8_t    *good;
	size_t		len;
	char		err[256];
	const char *config = "invalid text classifier configuration";

	make_text_model(&m, 2);
	good = mk_model_write(&m, &len);

	/* the helpers find the fields: rewriting one as it is changes nothing */
	{
		uint8_t    *same = mk_alloc(len);
		size_t		at = text_fields_at(good, len);

		memcpy(same, good, len);
		reseal(same, len);
		unit_check(get_le32(good + at + AT_DIM) == 5 &&
				   get_le32(good + at + AT_BUCKETS) == 97 &&
				   get_le32(good + at + AT_MAX_BYTES) == 4096 &&
				   good[at + AT_CJK_NGRAMS] == 2 && good[at + AT_LOSS] == MK_LOSS_BCE &&
				   mk_model_read(same, len, &back, err, sizeof(err)),
				   "format text: the text fields are where the test expects them");
		mk_model_free(&back);
		mk_free(same);
	}

	expect_field_error(good, len, AT_DIM, 4, 0, config, "embedding dimension 0");
	expect_field_error(good, len, AT_DIM, 4, MK_TEXT_MAX_DIM + 1, config,
					   "embedding dimension 1025");
	expect_field_error(good, len, AT_DIM, 4, 0xFFFFFFFF, config,
					   "embedding dimension -1");
	expect_field_error(good, len, AT_DIM, 4, 6, "shape", "a dimension its tensors do not have");
	expect_field_error(good, len, AT_BUCKETS, 4, 0, config, "0 buckets");
	expect_field_error(good, len, AT_BUCKETS, 4, MK_TEXT_MAX_BUCKETS + 1, config,
					   "2^26 + 1 buckets");
	expect_field_error(good, len, AT_BUCKETS, 4, 96, "shape",
					   "a bucket count its embedding does not have");
	expect_field_error(good, len, AT_WORD_NGRAMS, 1, 0, config, "word n-grams of 0");
	expect_field_error(good, len, AT_WORD_NGRAMS, 1, MK_TEXT_MAX_WORD_NGRAMS + 1,
					   config, "word n-grams of 6");
	expect_field_error(good, len, AT_CHAR_MIN, 1, 4, config,
					   "character n-grams from 4 to 3");
	expect_field_error(good, len, AT_CHAR_MIN, 1, 0, config,
					   "character n-grams from 0 to 3");
	expect_field_error(good, len, AT_CHAR_MAX, 1, MK_TEXT_MAX_CHAR_NGRAM + 1, config,
					   "character n-grams up to 9");
	expect_field_error(good, len, AT_N_CLASSES, 4, 3, config,
					   "a sigmoid over 3 classes");
	expect_field_error(good, len, AT_N_CLASSES, 4, 1, config, "1 class");
	expect_field_error(good, len, AT_LOSS, 1, 9, config, "an unknown loss");
	expect_field_error(good, len, AT_LOSS, 1, MK_LOSS_SOFTMAX, "shape",
					   "a softmax over 2 classes, with one output stored");
	expect_field_error(good, len, AT_CJK_NGRAMS, 1, MK_TOKENIZE_MAX_NGRAM + 1,
					   "CJK n-grams of 6 characters", "CJK n-grams of 6");
	expect_field_error(good, len, AT_CJK_NGRAMS, 1, 255,
					   "CJK n-grams of 255 characters", "CJK n-grams of 255");
	{
		/* no CJK words and no CJK n-grams would drop all CJK text */
		uint8_t    *buf = mk_alloc(len);
		size_t		at = text_fields_at(good, len);

		memcpy(buf, good, len);
		buf[at + AT_CJK_NGRAMS] = 0;
		buf[at + AT_CJK_WORDS] = 0;
		reseal(buf, len);
		expect_error(buf, len, "drops all CJK text", "a tokenizer that drops CJK text");
		mk_free(buf);
	}
	expect_field_error(good, len, AT_CJK_WORDS, 1, 2, "flags must be 0 or 1",
					   "a cjk_words flag of 2");
	expect_field_error(good, len, AT_NUMBERS, 1, 0x80, "flags must be 0 or 1",
					   "a numbers flag of 128");
	expect_field_error(good, len, AT_EMOJI, 1, 3, "flags must be 0 or 1",
					   "an emoji flag of 3");
	expect_field_error(good, len, AT_MAX_BYTES, 4, 0, "text limit of 0 bytes",
					   "a text limit of 0 bytes");
	expect_field_error(good, len, AT_MAX_BYTES, 4, MK_TOKENIZE_MAX_BYTES_LIMIT + 1,
					   "text limit of 67108865 bytes", "a text limit over 64 MB");
	expect_field_error(good, len, AT_MAX_BYTES, 4, 0xFFFFFFFF,
					   "text limit of 4294967295 bytes", "a text limit of 4 GB");

	/* the locale is "zh_Hant": others of 7 bytes that no tag gives */
	expect_locale_error(good, len, "zh-Hant", "is not one a language tag gives",
						"a locale written as a tag");
	expect_locale_error(good, len, "zh Hant", "is not one a language tag gives",
						"a locale with a space");
	expect_locale_error(good, len, "zh_Han!", "is not one a language tag gives",
						"a locale with punctuation");
	expect_locale_error(good, len, "zh_\xff\xfe\xfd\xfc", "is not one a language tag gives",
						"a locale of stray bytes");
	expect_locale_error(good, len, "ja_JP\0x", "NUL byte in a string",
						"a locale with a NUL inside");
	expect_long_locale_error(good, len, 64 - strlen("zh_Hant"));

	mk_free(good);
	mk_model_free(&m);
}

/* Which tags give a locale the reader accepts. */
static void
test_locale_validity(void)
{
	static const char *const tags[] = {"", "ja", "zh-Hant", "en-US", "sr-Latn-RS", "th"};
	static const char *const bad[] = {"!", "zh-Hant", "en US", "ja_JP_", "x"};
	int			good_ok = 0;
	int			bad_ok = 0;

	for (int i = 0; i < lengthof(tags); i++)
	{
		MkTokenizeOptions opts;

		if (mk_tokenize_set_locale(&opts, tags[i]) &&
			mk_tokenize_locale_valid(opts.locale))
			good_ok++;
	}
	unit_check(good_ok == lengthof(tags),
			   "format text: the locale of each of %d tags is valid (%d were)",
			   (int) lengthof(tags), good_ok);
	for (int i = 0; i < lengthof(bad); i++)
		if (!mk_tokenize_locale_valid(bad[i]))
			bad_ok++;
	unit_check(bad_ok == lengthof(bad),
			   "format text: each of %d locales no tag gives is invalid (%d were)",
			   (int) lengthof(bad), bad_ok);
}

void
test_format_text(void)
{
	test_text_round_trip(2);
	test_text_round_trip(3);
	test_text_damage();
	test_text_config_errors();
	test_locale_validity();
}
