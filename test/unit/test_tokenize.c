/*
 * test_tokenize.c
 *		The ICU tokenizer alone: normalisation, word breaking, CJK n-grams,
 *		options, bad input, and buffers reused across calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/tokenize.h"
#include "unit.h"

/* The tokens of text under opts joined by '|', or "<status N>". */
static const char *
tokens_of(MkTokenizer *tok, const MkTokenizeOptions *opts, const char *text,
		  size_t len)
{
	static char joined[4096];
	MkTokenList list;
	MkTokenizeStatus status = mk_tokenize(tok, opts, text, len, &list);
	size_t		used = 0;

	if (status != MK_TOKENIZE_OK)
	{
		snprintf(joined, sizeof(joined), "<status %d>", (int) status);
		return joined;
	}
	joined[0] = '\0';
	for (int i = 0; i < list.count; i++)
	{
		size_t		n = mk_token_length(&list, i);

		if (used + n + 2 >= sizeof(joined))
			break;
		if (i > 0)
			joined[used++] = '|';
		memcpy(joined + used, mk_token_text(&list, i), n);
		used += n;
		joined[used] = '\0';
	}
	return joined;
}

/* Checks the tokens of a NUL-terminated text. */
static void
check_tokens(MkTokenizer *tok, const MkTokenizeOptions *opts,
			 const char *text, const char *want, const char *what)
{
	const char *got = tokens_of(tok, opts, text, strlen(text));

	unit_check(strcmp(got, want) == 0, "tokenize: %s", what);
	if (strcmp(got, want) != 0)
		printf("#   got \"%s\", want \"%s\"\n", got, want);
}

/* Words, normalisation and the characters removed or turned into spaces. */
static void
test_words(MkTokenizer *tok)
{
	MkTokenizeOptions opts;

	mk_tokenize_options_init(&opts);
	check_tokens(tok, &opts,
				 "Hello, World! Don't stop: it\xe2\x80\x99s 3.14 or 1,000",
				 "hello|world|don't|stop|it's|3.14|or|1,000",
				 "English: case, punctuation, apostrophes, numbers");
	check_tokens(tok, &opts, "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3 "
				 "\xef\xbc\x91\xef\xbc\x92",
				 "abc|12", "NFKC: full-width letters and digits");
	check_tokens(tok, &opts, "Stra\xc3\x9f" "e \xef\xac\x81ne",
				 "strasse|fine", "case folding: sharp s and the fi ligature");
	check_tokens(tok, &opts, "\xef\xbb\xbfhel\xef\xbb\xbflo",
				 "hello", "byte order marks are removed");
	check_tokens(tok, &opts, "a\x01" "b\tc\r\nd\x7f" "e\xc2\x85" "f",
				 "a|b|c|d|e|f", "control characters separate words");
	check_tokens(tok, &opts, "", "", "empty text");
	check_tokens(tok, &opts, " \t\n ", "", "white space only");
	check_tokens(tok, &opts, "?!... -- ;", "", "punctuation only");
	check_tokens(tok, &opts, "\xe8\xbf\x99\xe5\xae\xb6\xe9\x85\x92\xe5\xba\x97"
				 "\xe7\x9a\x84\xe6\x9c\x8d\xe5\x8a\xa1\xe5\xbe\x88\xe5\xa5\xbd",
				 "\xe8\xbf\x99|\xe5\xae\xb6|\xe9\x85\x92\xe5\xba\x97|"
				 "\xe7\x9a\x84|\xe6\x9c\x8d\xe5\x8a\xa1|"
				 "\xe5\xbe\x88\xe5\xa5\xbd",
				 "Chinese: dictionary words");
	check_tokens(tok, &opts, "nice \xf0\x9f\x98\x80!", "nice|\xf0\x9f\x98\x80",
				 "emoji are tokens");
	opts.emoji = false;
	check_tokens(tok, &opts, "nice \xf0\x9f\x98\x80!", "nice",
				 "emoji dropped on request");
	opts.numbers = false;
	check_tokens(tok, &opts, "call 555-1234 for 3pm or abc123",
				 "call|for|3pm|or|abc123",
				 "numbers dropped on request, words with digits kept");
}

/* Characters and n-grams of CJK runs, next to the other words. */
static void
test_cjk_ngrams(MkTokenizer *tok)
{
	MkTokenizeOptions opts;
	/* 酒店很好 (4 Han characters) */
	const char *hotel = "\xe9\x85\x92\xe5\xba\x97\xe5\xbe\x88\xe5\xa5\xbd";
	MkTokenList list;
	int			k = 4;

	mk_tokenize_options_init(&opts);
	opts.cjk_ngrams = 1;
	opts.cjk_words = false;
	check_tokens(tok, &opts, "ok \xe9\x85\x92\xe5\xba\x97 ok",
				 "ok|\xe9\x85\x92|\xe5\xba\x97|ok", "CJK characters as tokens");
	/* ラー (the prolonged sound mark is Katakana by script extension) */
	check_tokens(tok, &opts, "\xe3\x83\xa9\xe3\x83\xbc",
				 "\xe3\x83\xa9|\xe3\x83\xbc",
				 "Katakana with the long vowel mark");
	for (int n = 1; n <= MK_TOKENIZE_MAX_NGRAM; n++)
	{
		int			want = 0;

		for (int g = 1; g <= n && g <= k; g++)
			want += k - g + 1;
		opts.cjk_ngrams = n;
		mk_tokenize(tok, &opts, hotel, strlen(hotel), &list);
		unit_check(list.count == want,
				   "tokenize: %d n-grams up to %d of 4 characters (got %d)",
				   want, n, list.count);
	}
	opts.cjk_ngrams = 2;
	opts.cjk_words = true;
	check_tokens(tok, &opts, "\xe9\x85\x92\xe5\xba\x97.",
				 "\xe9\x85\x92\xe5\xba\x97|\xe9\x85\x92|"
				 "\xe9\x85\x92\xe5\xba\x97|\xe5\xba\x97",
				 "dictionary words, then characters and bigrams");
}

/* The input limit, bad UTF-8, locales and reuse after an error. */
static void
test_limits(MkTokenizer *tok)
{
	MkTokenizeOptions opts;
	MkTokenList list;

	mk_tokenize_options_init(&opts);
	opts.max_bytes = 2;
	check_tokens(tok, &opts, "a\xc3\xa9" "b", "a",
				 "max_bytes cuts before a character it would split");
	opts.max_bytes = 3;
	check_tokens(tok, &opts, "a\xc3\xa9" "b", "a\xc3\xa9",
				 "max_bytes keeps a whole character");
	mk_tokenize_options_init(&opts);
	unit_check(mk_tokenize(tok, &opts, "ab\xff" "cd", 5, &list) ==
			   MK_TOKENIZE_BAD_UTF8 && list.count == 0,
			   "tokenize: invalid UTF-8 is refused");
	unit_check(mk_tokenize(tok, &opts, "ab\xe4\xb8", 4, &list) ==
			   MK_TOKENIZE_BAD_UTF8, "tokenize: a truncated sequence too");
	check_tokens(tok, &opts, "still works", "still|works",
				 "the tokenizer is usable after a refusal");
	unit_check(mk_tokenize_set_locale(&opts, "zh-Hant") &&
			   strcmp(opts.locale, "zh_Hant") == 0,
			   "tokenize: locale zh-Hant is ICU's zh_Hant");
	check_tokens(tok, &opts, "Hello there", "hello|there",
				 "another locale reopens the iterator");
	unit_check(!mk_tokenize_set_locale(&opts, "zh_CN") &&
			   !mk_tokenize_set_locale(&opts, "not a tag"),
			   "tokenize: malformed locale tags are refused");
	unit_check(mk_tokenize_set_locale(&opts, "") && opts.locale[0] == '\0',
			   "tokenize: the empty tag is the root locale");
	unit_check(strlen(mk_tokenize_icu_version()) >= 2,
			   "tokenize: ICU version %s", mk_tokenize_icu_version());
}

/* A text larger than the kept buffers, then a small one. */
static void
test_large(MkTokenizer *tok)
{
	MkTokenizeOptions opts;
	MkTokenList list;
	int			words = 300000;
	char	   *text = malloc((size_t) words * 4 + 1);
	bool		ok = true;

	for (int i = 0; i < words; i++)
		memcpy(text + 4 * i, i % 2 ? "AbC " : "xyz ", 4);
	text[(size_t) words * 4] = '\0';
	mk_tokenize_options_init(&opts);
	opts.max_bytes = MK_TOKENIZE_MAX_BYTES_LIMIT;
	mk_tokenize(tok, &opts, text, strlen(text), &list);
	for (int i = 0; i < list.count && ok; i++)
		ok = strcmp(mk_token_text(&list, i), i % 2 ? "abc" : "xyz") == 0;
	unit_check(list.count == words && ok,
			   "tokenize: %d words of a 1.2 MB text (got %d)", words,
			   list.count);
	check_tokens(tok, &opts, "small again", "small|again",
				 "a small text after buffers were released");
	free(text);
}

void
test_tokenize(void)
{
	MkTokenizer *tok = mk_tokenizer_create();

	test_words(tok);
	test_cjk_ngrams(tok);
	test_limits(tok);
	test_large(tok);
	mk_tokenizer_destroy(tok);
}
