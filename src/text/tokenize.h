/*
 * tokenize.h
 *		Tokenization of UTF-8 text with ICU: normalised, case-folded words,
 *		and optionally characters and character n-grams of CJK text.
 *
 * Like the numeric core, this knows nothing of PostgreSQL: it allocates
 * through mk_alloc (src/core/mk_alloc.h) and reports failures as a status.
 * A tokenizer owns an ICU word break iterator and scratch buffers that it
 * reuses from one call to the next, so that tokenizing row after row
 * allocates nothing once the buffers have grown to the longest text seen.
 *
 *		MkTokenizer *tok = mk_tokenizer_create();
 *		MkTokenizeOptions opts;
 *		MkTokenList list;
 *
 *		mk_tokenize_options_init(&opts);
 *		if (mk_tokenize(tok, &opts, text, len, &list) == MK_TOKENIZE_OK)
 *			for (int i = 0; i < list.count; i++)
 *				use(mk_token_text(&list, i), mk_token_length(&list, i));
 *		mk_tokenizer_destroy(tok);
 *
 * Inside a backend, use the cached tokenizer of src/tokenize_sql.h instead
 * of creating one: it lives as long as the backend and cannot leak.
 */
#ifndef MK_TOKENIZE_H
#define MK_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest ICU locale id an option set holds, with its NUL. */
#define MK_TOKENIZE_LOCALE_LEN 64

/* Longest CJK character n-gram. */
#define MK_TOKENIZE_MAX_NGRAM 5

/* Default and largest input read, in bytes of UTF-8. */
#define MK_TOKENIZE_DEFAULT_MAX_BYTES (1024 * 1024)
#define MK_TOKENIZE_MAX_BYTES_LIMIT (64 * 1024 * 1024)

typedef enum MkTokenizeStatus
{
	MK_TOKENIZE_OK = 0,
	MK_TOKENIZE_BAD_UTF8,		/* the input is not valid UTF-8 */
	MK_TOKENIZE_ICU_FAILED		/* ICU failed; see mk_tokenizer_error() */
} MkTokenizeStatus;

/* What a tokenizer produces; mk_tokenize_options_init() sets the defaults. */
typedef struct MkTokenizeOptions
{
	char		locale[MK_TOKENIZE_LOCALE_LEN];	/* ICU id; "" = root */
	int			cjk_ngrams;		/* 0: none; n: CJK characters and n-grams
								 * up to n characters (default 0) */
	bool		cjk_words;		/* dictionary words of CJK (true) */
	bool		numbers;		/* tokens made of digits only (true) */
	bool		emoji;			/* emoji and flags as tokens (true) */
	size_t		max_bytes;		/* input read, at most; cut at a character
								 * boundary (MK_TOKENIZE_DEFAULT_MAX_BYTES) */
} MkTokenizeOptions;

/* Where one token's UTF-8 bytes are in MkTokenList.bytes. */
typedef struct MkTokenSpan
{
	size_t		offset;
	size_t		length;			/* in bytes, without its NUL */
} MkTokenSpan;

/*
 * The tokens of one call, in text order, valid until the next call on the
 * same tokenizer.  Each token is NUL-terminated.
 */
typedef struct MkTokenList
{
	int			count;
	const char *bytes;
	const MkTokenSpan *spans;	/* [count] */
} MkTokenList;

typedef struct MkTokenizer MkTokenizer;

/* Sets every option to its default. */
extern void mk_tokenize_options_init(MkTokenizeOptions *opts);

/*
 * Sets opts->locale from a BCP 47 language tag ("", "und", "ja",
 * "zh-Hant"); false if the tag is not well-formed or too long.
 */
extern bool mk_tokenize_set_locale(MkTokenizeOptions *opts, const char *tag);

/*
 * Whether id (NUL-terminated) is a locale mk_tokenize_set_locale() could
 * have stored: "" or the ICU id of a well-formed tag, such as "zh_Hant".
 */
extern bool mk_tokenize_locale_valid(const char *id);

/* A new tokenizer; ICU objects are opened by its first mk_tokenize(). */
extern MkTokenizer *mk_tokenizer_create(void);

/* Closes the tokenizer's ICU objects and frees it; NULL is allowed. */
extern void mk_tokenizer_destroy(MkTokenizer *tok);

/*
 * Tokenizes len bytes of UTF-8 text (not NUL-terminated) under opts into
 * *out.  On failure *out is an empty list and the tokenizer stays usable.
 */
extern MkTokenizeStatus mk_tokenize(MkTokenizer *tok,
									const MkTokenizeOptions *opts,
									const char *text, size_t len,
									MkTokenList *out);

/* The ICU error name behind the last MK_TOKENIZE_ICU_FAILED. */
extern const char *mk_tokenizer_error(const MkTokenizer *tok);

/* The version of ICU tokens come from, such as "72.1". */
extern const char *mk_tokenize_icu_version(void);

/* The i-th token of a list and its length in bytes. */
static inline const char *
mk_token_text(const MkTokenList *list, int i)
{
	return list->bytes + list->spans[i].offset;
}

/* The length in bytes of the i-th token of a list. */
static inline size_t
mk_token_length(const MkTokenList *list, int i)
{
	return list->spans[i].length;
}

#endif							/* MK_TOKENIZE_H */
