/*
 * text_features.h
 *		Hashed text features: the bucket ids of a document's word unigrams,
 *		word n-grams and character n-grams, for the text classifier.
 *
 * A document arrives as an array of tokens (UTF-8, already normalised by
 * the tokenizer, not NUL-terminated).  Every feature is turned into a 64-bit
 * key and the key into a bucket id in [0, buckets).  The ids are persisted
 * in models (they index rows of the embedding table), so the definition
 * below is part of the model format: changing any constant or step breaks
 * every stored model, and test_text_features.c pins values computed from it.
 *
 * The definition.  All arithmetic is on unsigned 64-bit integers, modulo
 * 2^64; bytes are taken as unsigned (0 .. 255).
 *
 *	Token hash, FNV-1a 64 (Fowler, Noll, Vo) over the token's bytes:
 *		h = 0xcbf29ce484222325
 *		for each byte c:  h = (h XOR c) * 0x00000100000001b3
 *
 *	Word n-gram key of the n consecutive tokens t[i] .. t[i + n - 1]
 *	(n = 1 is the unigram), combined the way fastText combines them:
 *		k = hash(t[i])
 *		for j = 1 .. n - 1:  k = k * 116049371 + hash(t[i + j])
 *
 *	Character n-gram key: the token is framed as "<" token ">", and every
 *	run of m consecutive code points of the framed string, for m from
 *	char_min to char_max, is a feature, except the lone "<" and ">" (m = 1
 *	at either end).  Its key is the FNV-1a 64 hash of the run's bytes XOR
 *	0x9e3779b97f4a7c15, the constant keeping a run apart from the word
 *	with the same bytes.  A CJK token, one whose first code point lies in
 *	U+1100..U+11FF, U+2E80..U+9FFF, U+A960..U+A97F, U+AC00..U+D7FF,
 *	U+F900..U+FAFF or U+20000..U+3FFFF (Hangul, kana, Han), has none: its
 *	characters are tokens of their own (the tokenizer's cjk_ngrams), and
 *	the few runs of a word of two or three characters would only repeat
 *	the word, which measurably dilutes Chinese reviews.
 *
 *	Bucket of a key, after the finaliser of splitmix64 (Steele, Lea and
 *	Flood; Vigna's constants) so that every bit of the key matters:
 *		z = (k XOR (k >> 30)) * 0xbf58476d1ce4e5b9
 *		z = (z XOR (z >> 27)) * 0x94d049bb133111eb
 *		z = z XOR (z >> 31)
 *		bucket = z mod buckets
 *
 * Order of the ids written for a document of T tokens: the T unigrams, then
 * the T - 1 bigrams, ... up to the (T - word_ngrams + 1) n-grams of length
 * word_ngrams, each in token order; then, token by token, the character
 * n-grams, by starting position and then by length.  Repeated features
 * repeat their ids: the embedding bag averages over occurrences.
 */
#ifndef MK_TEXT_FEATURES_H
#define MK_TEXT_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Default buckets and character n-grams: 2^19 rows (of 16 floats at the
 * default width, 32 MB), and fastText's subword lengths 3 to 6, which lift
 * English sentiment (SST-2's dev and test sentences together) by over half
 * a point, as they lift fastText's; with 2^18 buckets their collisions
 * cost most of that back.
 */
#define MK_TEXT_DEFAULT_BUCKETS (1 << 19)
#define MK_TEXT_DEFAULT_WORD_NGRAMS 2
#define MK_TEXT_DEFAULT_CHAR_MIN 3
#define MK_TEXT_DEFAULT_CHAR_MAX 6
#define MK_TEXT_MAX_BUCKETS (1 << 26)
#define MK_TEXT_MAX_WORD_NGRAMS 5
#define MK_TEXT_MAX_CHAR_NGRAM 8

/* One token: len bytes of UTF-8 at data, not NUL-terminated. */
typedef struct MkToken
{
	const char *data;
	int32_t		len;
} MkToken;

typedef struct MkTextFeatConfig
{
	int32_t		buckets;		/* 1 .. MK_TEXT_MAX_BUCKETS */
	int			word_ngrams;	/* 1 = unigrams only; 2 adds bigrams ... */
	int			char_min;		/* code points; 0 and 0 = no char n-grams */
	int			char_max;		/* char_min .. MK_TEXT_MAX_CHAR_NGRAM */
} MkTextFeatConfig;

/* Checks a configuration; returns NULL when valid, else a static message. */
extern const char *mk_text_feat_config_error(const MkTextFeatConfig *cfg);

/* FNV-1a 64 of len bytes at data (the token hash above). */
extern uint64_t mk_text_hash_bytes(const char *data, size_t len);

/* The bucket of a key: the splitmix64 finaliser, modulo buckets. */
extern int32_t mk_text_bucket(uint64_t key, int32_t buckets);

/* The exact number of ids mk_text_features writes for these tokens. */
extern size_t mk_text_feat_count(const MkTextFeatConfig *cfg,
								 const MkToken *tokens, int n_tokens);

/*
 * Writes the bucket ids of the document tokens[n_tokens] into ids (room
 * for mk_text_feat_count ids) and returns their number.  hashes[n_tokens]
 * is caller-provided scratch for the token hashes.  Never allocates.
 */
extern size_t mk_text_features(int32_t *ids, uint64_t *hashes,
							   const MkTextFeatConfig *cfg,
							   const MkToken *tokens, int n_tokens);

#endif							/* MK_TEXT_FEATURES_H */
