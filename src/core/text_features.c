/*
 * text_features.c
 *		Hashed text features: word unigrams, word n-grams and character
 *		n-grams of a tokenised document, as bucket ids.
 *
 * text_features.h defines the hash exactly; this file is its only
 * implementation.  Token hashes are computed once per document into the
 * caller's scratch and reused by every n-gram that contains the token.
 * Character n-grams are hashed while walking the framed token "<" token ">"
 * without building it (CJK tokens have none): a run starting at each code
 * point is extended one code point at a time, so each length costs one
 * more code point's bytes.
 */
#include <stdbool.h>

#include "text_features.h"

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x00000100000001b3)
#define NGRAM_MULTIPLIER UINT64_C(116049371)
#define CHAR_NGRAM_SALT UINT64_C(0x9e3779b97f4a7c15)

/* Checks a configuration; returns NULL when valid, else a static message. */
const char *
mk_text_feat_config_error(const MkTextFeatConfig *cfg)
{
	if (cfg->buckets < 1 || cfg->buckets > MK_TEXT_MAX_BUCKETS)
		return "buckets must be between 1 and 67108864";
	if (cfg->word_ngrams < 1 || cfg->word_ngrams > MK_TEXT_MAX_WORD_NGRAMS)
		return "word n-gram length must be between 1 and 5";
	if (cfg->char_min == 0 && cfg->char_max == 0)
		return NULL;
	if (cfg->char_min < 1 || cfg->char_max < cfg->char_min ||
		cfg->char_max > MK_TEXT_MAX_CHAR_NGRAM)
		return "character n-gram lengths must satisfy 1 <= min <= max <= 8";
	return NULL;
}

/* One FNV-1a 64 step: mixes byte c into h. */
static inline uint64_t
fnv1a_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

/* FNV-1a 64 of len bytes at data. */
uint64_t
mk_text_hash_bytes(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *) data;
	uint64_t	h = FNV_OFFSET;

	for (size_t i = 0; i < len; i++)
		h = fnv1a_step(h, p[i]);
	return h;
}

/* The splitmix64 finaliser of key, reduced modulo buckets. */
int32_t
mk_text_bucket(uint64_t key, int32_t buckets)
{
	uint64_t	z = key;

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z = z ^ (z >> 31);
	return (int32_t) (z % (uint64_t) buckets);
}

/* True for a UTF-8 continuation byte (10xxxxxx), which starts no code point. */
static inline bool
is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Byte j of the framed token "<" tok ">", 0 <= j < tok->len + 2. */
static inline unsigned char
framed_byte(const MkToken *tok, int32_t j)
{
	if (j == 0)
		return '<';
	if (j == tok->len + 1)
		return '>';
	return (unsigned char) tok->data[j - 1];
}

/*
 * The first code point of a token, or -1 when its bytes do not begin with
 * a whole UTF-8 sequence.
 */
static int32_t
first_code_point(const MkToken *tok)
{
	const unsigned char *p = (const unsigned char *) tok->data;
	int			extra;
	int32_t		c;

	if (tok->len < 1)
		return -1;
	if (p[0] < 0x80)
		return p[0];
	/* the lead byte gives the sequence's length and its top bits */
	if ((p[0] & 0xE0) == 0xC0)
		extra = 1;
	else if ((p[0] & 0xF0) == 0xE0)
		extra = 2;
	else if ((p[0] & 0xF8) == 0xF0)
		extra = 3;
	else
		return -1;
	c = p[0] & (0x3F >> extra);
	if (tok->len <= extra)
		return -1;
	for (int i = 1; i <= extra; i++)
	{
		if (!is_continuation(p[i]))
			return -1;
		c = (c << 6) | (p[i] & 0x3F);
	}
	return c;
}

/* Whether a token is CJK, so has no character n-grams (see the header). */
static bool
is_cjk_token(const MkToken *tok)
{
	int32_t		c = first_code_point(tok);

	return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0x9FFF) ||
		(c >= 0xA960 && c <= 0xA97F) || (c >= 0xAC00 && c <= 0xD7FF) ||
		(c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* Code points of the framed token: the token's, plus the two brackets. */
static int32_t
framed_code_points(const MkToken *tok)
{
	int32_t		n = 2;

	for (int32_t i = 0; i < tok->len; i++)
		n += !is_continuation((unsigned char) tok->data[i]);
	return n;
}

/* Number of character n-grams of one token (see the header's definition). */
static size_t
char_ngram_count(const MkTextFeatConfig *cfg, const MkToken *tok)
{
	int32_t		points = framed_code_points(tok);
	size_t		n = 0;

	if (cfg->char_max == 0 || is_cjk_token(tok))
		return 0;
	for (int m = cfg->char_min; m <= cfg->char_max; m++)
		if (points >= m)
			n += (size_t) (points - m + 1);
	/* The lone "<" and ">" are not features. */
	return cfg->char_min == 1 ? n - 2 : n;
}

/* The exact number of ids mk_text_features writes for these tokens. */
size_t
mk_text_feat_count(const MkTextFeatConfig *cfg, const MkToken *tokens,
				   int n_tokens)
{
	size_t		n = 0;

	for (int len = 1; len <= cfg->word_ngrams && len <= n_tokens; len++)
		n += (size_t) (n_tokens - len + 1);
	for (int t = 0; t < n_tokens; t++)
		n += char_ngram_count(cfg, &tokens[t]);
	return n;
}

/*
 * Writes the ids of the character n-grams of one token into ids and
 * returns their number.  For every starting code point the run grows one
 * code point at a time, its hash carried along.
 */
static size_t
char_ngrams(int32_t *ids, const MkTextFeatConfig *cfg, const MkToken *tok)
{
	int32_t		total = tok->len + 2;	/* bytes of the framed token */
	size_t		n = 0;

	if (is_cjk_token(tok))
		return 0;
	for (int32_t start = 0; start < total; start++)
	{
		uint64_t	h = FNV_OFFSET;
		int32_t		j = start;

		if (is_continuation(framed_byte(tok, start)))
			continue;
		for (int m = 1; m <= cfg->char_max && j < total; m++)
		{
			/* Append the code point starting at byte j. */
			do
				h = fnv1a_step(h, framed_byte(tok, j++));
			while (j < total && is_continuation(framed_byte(tok, j)));

			if (m < cfg->char_min)
				continue;
			if (m == 1 && (start == 0 || start == total - 1))
				continue;
			ids[n++] = mk_text_bucket(h ^ CHAR_NGRAM_SALT, cfg->buckets);
		}
	}
	return n;
}

/*
 * The ids of a document: unigrams, word n-grams (k = k * 116049371 +
 * hash), then character n-grams, as the header defines them.
 */
size_t
mk_text_features(int32_t *ids, uint64_t *hashes, const MkTextFeatConfig *cfg,
				 const MkToken *tokens, int n_tokens)
{
	size_t		n = 0;

	for (int t = 0; t < n_tokens; t++)
	{
		hashes[t] = mk_text_hash_bytes(tokens[t].data,
									   (size_t) tokens[t].len);
		ids[n++] = mk_text_bucket(hashes[t], cfg->buckets);
	}
	for (int len = 2; len <= cfg->word_ngrams; len++)
		for (int t = 0; t + len <= n_tokens; t++)
		{
			uint64_t	k = hashes[t];

			for (int j = 1; j < len; j++)
				k = k * NGRAM_MULTIPLIER + hashes[t + j];
			ids[n++] = mk_text_bucket(k, cfg->buckets);
		}
	if (cfg->char_max > 0)
		for (int t = 0; t < n_tokens; t++)
			n += char_ngrams(ids + n, cfg, &tokens[t]);
	return n;
}
