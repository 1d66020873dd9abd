/*
 * test_text_features.c
 *		Unit tests of the hashed text features: FNV-1a 64 against its
 *		published test vectors, bucket ids pinned to values computed
 *		independently from text_features.h's definition (in Python), the
 *		order and count of the ids, and the configuration checks.
 */
#include <string.h>

#include "core/mk_alloc.h"
#include "core/rng.h"
#include "core/text_features.h"
#include "unit.h"

#define MAX_IDS 64

/* The tokens of a NULL-terminated list of C strings; returns the count. */
static int
make_tokens(MkToken *tokens, const char *const *words)
{
	int			n = 0;

	for (; words[n] != NULL; n++)
	{
		tokens[n].data = words[n];
		tokens[n].len = (int32_t) strlen(words[n]);
	}
	return n;
}

/*
 * Features of words under cfg compared with want[n_want]; also checks that
 * mk_text_feat_count predicts the number written.
 */
static void
check_ids(const MkTextFeatConfig *cfg, const char *const *words,
		  const int32_t *want, size_t n_want, const char *what)
{
	MkToken		tokens[16];
	uint64_t	hashes[16];
	int32_t		ids[MAX_IDS];
	int			n = make_tokens(tokens, words);
	size_t		got = mk_text_features(ids, hashes, cfg, tokens, n);

	unit_check(got == n_want && mk_text_feat_count(cfg, tokens, n) == got &&
			   memcmp(ids, want, n_want * sizeof(int32_t)) == 0,
			   "text features: %s give the pinned ids", what);
}

/* FNV-1a 64 of "", "a" and "foobar", from the FNV reference. */
static void
test_hash_vectors(void)
{
	unit_check(mk_text_hash_bytes("", 0) == UINT64_C(0xcbf29ce484222325) &&
			   mk_text_hash_bytes("a", 1) == UINT64_C(0xaf63dc4c8601ec8c) &&
			   mk_text_hash_bytes("foobar", 6) ==
			   UINT64_C(0x85944171f73967e8),
			   "text features: FNV-1a 64 matches the published vectors");
}

/* Unigrams, bigrams, trigrams, character n-grams and repeats, pinned. */
static void
test_pinned_ids(void)
{
	static const char *const english[] = {"the", "hotel", "was", "great",
	NULL};
	static const int32_t english_ids[] = {668885, 181767, 775425, 660457,
	616578, 761391, 666282};
	static const char *const chinese[] = {"很", "好", NULL};
	static const int32_t chinese_ids[] = {962, 930, 362};
	static const char *const mixed[] = {"酒店", "ok", NULL};
	static const int32_t mixed_ids[] = {118487, 154200, 633088, 62156,
	212910, 720196, 582772, 134078, 253409};
	static const char *const repeats[] = {"a", "b", "a", "b", NULL};
	static const int32_t repeat_ids[] = {270584, 746501, 270584, 746501,
	733048, 860752, 733048};
	MkTextFeatConfig cfg = {1 << 20, 2, 0, 0};

	check_ids(&cfg, english, english_ids, 7, "English unigrams and bigrams");
	check_ids(&cfg, repeats, repeat_ids, 7, "repeated tokens and bigrams");
	cfg.buckets = 1000;
	cfg.word_ngrams = 3;
	check_ids(&cfg, chinese, chinese_ids, 3, "two tokens, n-grams up to 3,");
	cfg.buckets = 1 << 20;
	cfg.word_ngrams = 1;
	cfg.char_min = 1;
	cfg.char_max = 3;
	check_ids(&cfg, mixed, mixed_ids, 9,
			  "character 1- to 3-grams, none of a CJK word,");
}

/*
 * Hangul, kana and Han tokens (a supplementary-plane ideograph too) have no
 * character n-grams; Latin ones, accented or not, do.
 */
static void
test_cjk_tokens(void)
{
	static const char *const cjk[] = {"좋아요", "ラーメン", "\xf0\xa0\xae\xb7野",
	"酒", NULL};
	static const char *const latin[] = {"\xc3\xa9t\xc3\xa9", "ok", NULL};
	MkTextFeatConfig cfg = {1000, 1, 1, 3};
	MkToken		tokens[4];
	int			n_cjk = make_tokens(tokens, cjk);
	size_t		cjk_count = mk_text_feat_count(&cfg, tokens, n_cjk);
	int			n_latin = make_tokens(tokens, latin);

	/* runs of 1 to 3 code points but the lone brackets: "<été>" 3 + 4 + 3 */
	unit_check(cjk_count == 4 &&
			   mk_text_feat_count(&cfg, tokens, n_latin) == 2 + 10 + 7,
			   "text features: CJK tokens have no character n-grams");
}

/* A random token of 1 to 6 code points of 1 to 4 UTF-8 bytes each. */
static int32_t
random_token(char *buf, MkRng *rng)
{
	static const char *const points[] = {"a", "z", "\xc3\xa9", "\xe5\xa5\xbd",
	"\xf0\x9f\x98\x80"};
	int			n = 1 + (int) mk_rng_below(rng, 6);
	int32_t		len = 0;

	for (int i = 0; i < n; i++)
	{
		const char *p = points[mk_rng_below(rng, 5)];

		memcpy(buf + len, p, strlen(p));
		len += (int32_t) strlen(p);
	}
	return len;
}

/*
 * mk_text_feat_count is exact for random multi-byte tokens under several
 * configurations, every id is in range, and the features are the same on
 * a second call.
 */
static void
test_count_and_range(MkRng *rng)
{
	static const MkTextFeatConfig cfgs[] = {
		{97, 1, 0, 0}, {97, 3, 0, 0}, {97, 2, 1, 1}, {97, 2, 2, 5},
		{1, 5, 3, 8}
	};
	char		buf[12][32];
	MkToken		tokens[12];
	uint64_t	hashes[12];
	int32_t    *ids = mk_alloc(4096 * sizeof(int32_t));
	int32_t    *again = mk_alloc(4096 * sizeof(int32_t));
	bool		ok = true;

	for (int c = 0; c < 5; c++)
		for (int trial = 0; trial < 20; trial++)
		{
			int			n = (int) mk_rng_below(rng, 13);
			size_t		got;

			for (int t = 0; t < n; t++)
			{
				tokens[t].data = buf[t];
				tokens[t].len = random_token(buf[t], rng);
			}
			got = mk_text_features(ids, hashes, &cfgs[c], tokens, n);
			ok = ok && got == mk_text_feat_count(&cfgs[c], tokens, n) &&
				mk_text_features(again, hashes, &cfgs[c], tokens, n) == got &&
				memcmp(ids, again, got * sizeof(int32_t)) == 0;
			for (size_t i = 0; i < got; i++)
				ok = ok && ids[i] >= 0 && ids[i] < cfgs[c].buckets;
		}
	unit_check(ok, "text features: counts exact, ids in range, repeatable");
	mk_free(ids);
	mk_free(again);
}

/* Bad configurations are named; good ones pass. */
static void
test_config_errors(void)
{
	MkTextFeatConfig good = {MK_TEXT_DEFAULT_BUCKETS,
	MK_TEXT_DEFAULT_WORD_NGRAMS, 0, 0};
	MkTextFeatConfig chars = {1000, 1, 2, 4};
	MkTextFeatConfig bad[] = {
		{0, 1, 0, 0}, {MK_TEXT_MAX_BUCKETS + 1, 1, 0, 0}, {10, 0, 0, 0},
		{10, 6, 0, 0}, {10, 1, 0, 3}, {10, 1, 3, 2}, {10, 1, 1, 9}
	};
	bool		all_bad = true;

	for (int i = 0; i < 7; i++)
		all_bad = all_bad && mk_text_feat_config_error(&bad[i]) != NULL;
	unit_check(mk_text_feat_config_error(&good) == NULL &&
			   mk_text_feat_config_error(&chars) == NULL && all_bad,
			   "text features: configuration checks");
}

/* Runs the text features group. */
void
test_text_features(void)
{
	MkRng		rng;

	mk_rng_seed(&rng, 4);
	test_hash_vectors();
	test_pinned_ids();
	test_cjk_tokens();
	test_count_and_range(&rng);
	test_config_errors();
}
