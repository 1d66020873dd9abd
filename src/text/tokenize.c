/*
 * tokenize.c
 *		ICU tokenization: UTF-8 in, normalised tokens out.
 *
 * One call goes through these steps:
 *
 *	1. The input is cut to opts->max_bytes at a UTF-8 character boundary
 *	   and converted to UTF-16, ICU's working form.
 *	2. Control characters (general category Cc: tabs, line ends, C0 and C1
 *	   codes) become spaces, so that they separate words; the right single
 *	   quote U+2019 becomes an apostrophe, so that "don't" and "don’t" are
 *	   one token.
 *	3. NFKC_Casefold (UAX #15 with full case folding) maps full-width and
 *	   compatibility forms to their plain ones, folds case and removes
 *	   default-ignorable code points: the byte order mark U+FEFF, soft
 *	   hyphens, zero-width spaces and joiners, variation selectors.
 *	4. Words come from ICU's word break iterator (UAX #29, with
 *	   dictionaries that split Chinese, Japanese, Thai, Lao, Khmer and
 *	   Burmese into words); segments whose rule status is UBRK_WORD_NONE
 *	   (spaces, punctuation, symbols) are dropped, except emoji when
 *	   opts->emoji.  With CJK n-grams, the text is first split into runs
 *	   of CJK letters (Han, Hiragana, Katakana, Hangul, with the combining
 *	   marks that follow them) and the stretches between them, each
 *	   broken into words on its own (so a Hangul word glued to Latin
 *	   letters becomes two); a run then gives ICU's dictionary words (when
 *	   opts->cjk_words) and its characters and character n-grams up to
 *	   opts->cjk_ngrams, in order: at each character, the grams that
 *	   start there, shortest first.  Characters rather than dictionary
 *	   words are what fastText is usually fed for Chinese, and n-grams
 *	   that cross word boundaries make a classifier robust to the
 *	   dictionary's mistakes.  Without n-grams, ICU sees the whole text at
 *	   once, which is faster.
 *
 * Tokens are appended, as UTF-8 with a NUL after each, to one byte buffer
 * owned by the tokenizer, with a span per token.  Every buffer grows by
 * doubling and is reused by the next call; a buffer over KEEP_BYTES is
 * released at the start of the next call, so that one huge text does not
 * pin its memory.  Buffers are replaced only once their successor is
 * allocated: a failed allocation (an ERROR inside a backend) leaves the
 * tokenizer consistent.  ICU keeps a pointer to the text it iterates; it
 * is set again before every use, never read after the buffer changes.
 */
#include "text/tokenize.h"

#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/uversion.h>

#include "core/mk_alloc.h"

/* Buffers larger than this are released at the start of the next call. */
#define KEEP_BYTES (1024 * 1024)

struct MkTokenizer
{
	UBreakIterator *words;		/* word break iterator for locale */
	char		locale[MK_TOKENIZE_LOCALE_LEN];
	UChar	   *utf16;			/* the input as UTF-16 [utf16_cap] */
	size_t		utf16_cap;
	UChar	   *norm;			/* the input normalised [norm_cap] */
	size_t		norm_cap;
	int32_t    *units;			/* character starts of a CJK run */
	size_t		units_cap;
	char	   *bytes;			/* the tokens' UTF-8 [bytes_cap] */
	size_t		bytes_cap;
	size_t		bytes_len;
	MkTokenSpan *spans;			/* [spans_cap] */
	size_t		spans_cap;
	int			count;
	UErrorCode	error;			/* the last ICU failure */
};

/* How a code point takes part in CJK runs. */
typedef enum CharClass
{
	CHAR_OTHER,
	CHAR_CJK,					/* a Han, Hiragana, Katakana, Hangul letter */
	CHAR_MARK					/* a combining mark: joins the previous run */
} CharClass;

/* The defaults of tokenize.h. */
void
mk_tokenize_options_init(MkTokenizeOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->cjk_ngrams = 0;
	opts->cjk_words = true;
	opts->numbers = true;
	opts->emoji = true;
	opts->max_bytes = MK_TOKENIZE_DEFAULT_MAX_BYTES;
}

/* A BCP 47 tag as an ICU locale id in opts->locale. */
bool
mk_tokenize_set_locale(MkTokenizeOptions *opts, const char *tag)
{
	char		id[MK_TOKENIZE_LOCALE_LEN];
	int32_t		parsed = 0;
	int32_t		idlen;
	UErrorCode	status = U_ZERO_ERROR;

	if (tag[0] == '\0')
	{
		opts->locale[0] = '\0';
		return true;
	}
	idlen = uloc_forLanguageTag(tag, id, sizeof(id), &parsed, &status);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING ||
		idlen >= (int32_t) sizeof(id) || parsed != (int32_t) strlen(tag))
		return false;
	memcpy(opts->locale, id, idlen + 1);
	return true;
}

/* Whether id is "" or what mk_tokenize_set_locale() makes of some tag. */
bool
mk_tokenize_locale_valid(const char *id)
{
	char		tag[ULOC_FULLNAME_CAPACITY];
	MkTokenizeOptions opts;
	int32_t		len;
	UErrorCode	status = U_ZERO_ERROR;

	if (id[0] == '\0')
		return true;
	len = uloc_toLanguageTag(id, tag, sizeof(tag), true, &status);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING ||
		len >= (int32_t) sizeof(tag))
		return false;
	return mk_tokenize_set_locale(&opts, tag) && strcmp(opts.locale, id) == 0;
}

/* A zeroed tokenizer: no ICU objects, no buffers yet. */
MkTokenizer *
mk_tokenizer_create(void)
{
	return mk_alloc(sizeof(MkTokenizer));
}

/* Frees a buffer and forgets it. */
static void
release(void **buf, size_t *cap)
{
	mk_free(*buf);
	*buf = NULL;
	*cap = 0;
}

/* Closes the iterator and frees the buffers and the tokenizer. */
void
mk_tokenizer_destroy(MkTokenizer *tok)
{
	if (tok == NULL)
		return;
	if (tok->words != NULL)
		ubrk_close(tok->words);
	mk_free(tok->utf16);
	mk_free(tok->norm);
	mk_free(tok->units);
	mk_free(tok->bytes);
	mk_free(tok->spans);
	mk_free(tok);
}

/* ICU's name for the last error, such as "U_MEMORY_ALLOCATION_ERROR". */
const char *
mk_tokenizer_error(const MkTokenizer *tok)
{
	return u_errorName(tok->error);
}

/* ICU's version as text, computed once. */
const char *
mk_tokenize_icu_version(void)
{
	static char text[U_MAX_VERSION_STRING_LENGTH];
	UVersionInfo version;

	if (text[0] == '\0')
	{
		u_getVersion(version);
		u_versionToString(version, text);
	}
	return text;
}

/*
 * Makes *buf hold at least need elements of elem bytes, keeping the first
 * used ones.  The old buffer is freed only after the new one exists.
 */
static void
reserve(void **buf, size_t *cap, size_t need, size_t elem, size_t used)
{
	size_t		newcap;
	void	   *grown;

	if (need <= *cap)
		return;
	newcap = *cap > 0 ? *cap : 64;
	while (newcap < need)
		newcap = mk_mul_size(newcap, 2);
	grown = mk_alloc(mk_mul_size(newcap, elem));
	if (used > 0)
		memcpy(grown, *buf, used * elem);
	mk_free(*buf);
	*buf = grown;
	*cap = newcap;
}

/* Releases the buffers that one large text left larger than KEEP_BYTES. */
static void
release_large_buffers(MkTokenizer *tok)
{
	if (tok->utf16_cap * sizeof(UChar) > KEEP_BYTES)
		release((void **) &tok->utf16, &tok->utf16_cap);
	if (tok->norm_cap * sizeof(UChar) > KEEP_BYTES)
		release((void **) &tok->norm, &tok->norm_cap);
	if (tok->units_cap * sizeof(int32_t) > KEEP_BYTES)
		release((void **) &tok->units, &tok->units_cap);
	if (tok->bytes_cap > KEEP_BYTES)
		release((void **) &tok->bytes, &tok->bytes_cap);
	if (tok->spans_cap * sizeof(MkTokenSpan) > KEEP_BYTES)
		release((void **) &tok->spans, &tok->spans_cap);
}

/* Opens the word break iterator for opts->locale unless it is open. */
static bool
open_iterator(MkTokenizer *tok, const MkTokenizeOptions *opts)
{
	UBreakIterator *words;
	UErrorCode	status = U_ZERO_ERROR;

	if (tok->words != NULL && strcmp(tok->locale, opts->locale) == 0)
		return true;
	words = ubrk_open(UBRK_WORD, opts->locale, NULL, 0, &status);
	if (U_FAILURE(status))
	{
		tok->error = status;
		return false;
	}
	if (tok->words != NULL)
		ubrk_close(tok->words);
	tok->words = words;
	strcpy(tok->locale, opts->locale);
	return true;
}

/* The length of text cut to at most max bytes, at a character boundary. */
static size_t
cut_utf8(const char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char) text[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Steps 1 and 2: text into tok->utf16, cleaned; its length in *ulen. */
static MkTokenizeStatus
to_utf16(MkTokenizer *tok, const char *text, size_t len, int32_t *ulen)
{
	UErrorCode	status = U_ZERO_ERROR;

	/* UTF-16 never takes more code units than UTF-8 takes bytes */
	reserve((void **) &tok->utf16, &tok->utf16_cap, len + 1, sizeof(UChar), 0);
	u_strFromUTF8(tok->utf16, (int32_t) tok->utf16_cap, ulen, text,
				  (int32_t) len, &status);
	if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND)
		return MK_TOKENIZE_BAD_UTF8;
	if (U_FAILURE(status))
	{
		tok->error = status;
		return MK_TOKENIZE_ICU_FAILED;
	}
	for (int32_t i = 0; i < *ulen; i++)
	{
		UChar		c = tok->utf16[i];

		if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
			tok->utf16[i] = ' ';
		else if (c == 0x2019)
			tok->utf16[i] = '\'';
	}
	return MK_TOKENIZE_OK;
}

/* Step 3: NFKC_Casefold of tok->utf16 into tok->norm; *nlen its length. */
static MkTokenizeStatus
normalize(MkTokenizer *tok, int32_t ulen, int32_t *nlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);

	if (U_SUCCESS(status))
	{
		reserve((void **) &tok->norm, &tok->norm_cap,
				(size_t) ulen + ulen / 4 + 16, sizeof(UChar), 0);
		*nlen = unorm2_normalize(nfkc_cf, tok->utf16, ulen, tok->norm,
								 (int32_t) tok->norm_cap, &status);
		if (status == U_BUFFER_OVERFLOW_ERROR)
		{
			/* compatibility forms can expand, up to 18 times */
			status = U_ZERO_ERROR;
			reserve((void **) &tok->norm, &tok->norm_cap, (size_t) *nlen + 1,
					sizeof(UChar), 0);
			*nlen = unorm2_normalize(nfkc_cf, tok->utf16, ulen, tok->norm,
									 (int32_t) tok->norm_cap, &status);
		}
	}
	if (U_FAILURE(status))
	{
		tok->error = status;
		return MK_TOKENIZE_ICU_FAILED;
	}
	return MK_TOKENIZE_OK;
}

/* Appends len UTF-16 code units at s as the next token. */
static void
emit(MkTokenizer *tok, const UChar *s, int32_t len)
{
	char	   *out;
	int32_t		i = 0;
	int32_t		n = 0;

	/* a code unit takes at most 3 bytes of UTF-8; then a NUL */
	reserve((void **) &tok->bytes, &tok->bytes_cap,
			tok->bytes_len + mk_mul_size(len, 3) + 1, 1, tok->bytes_len);
	reserve((void **) &tok->spans, &tok->spans_cap, (size_t) tok->count + 1,
			sizeof(MkTokenSpan), tok->count);
	out = tok->bytes + tok->bytes_len;
	while (i < len)
	{
		UChar32		c;

		U16_NEXT(s, i, len, c);
		U8_APPEND_UNSAFE(out, n, c);
	}
	out[n] = '\0';
	tok->spans[tok->count].offset = tok->bytes_len;
	tok->spans[tok->count].length = n;
	tok->count++;
	tok->bytes_len += n + 1;
}

/* Whether a code point is a CJK letter, a combining mark, or neither. */
static CharClass
char_class(UChar32 c)
{
	uint32_t	category;

	if (c < 0x0300)
		return CHAR_OTHER;
	/* the common Han ideographs, Hangul syllables, Hiragana and Katakana */
	if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
		(c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA))
		return CHAR_CJK;
	category = U_GET_GC_MASK(c);
	if (category & U_GC_M_MASK)
		return CHAR_MARK;
	if (c < 0x1100 || !(category & (U_GC_L_MASK | U_GC_NL_MASK)))
		return CHAR_OTHER;
	/* script extensions: the prolonged sound mark U+30FC is Hira and Kana */
	if (uscript_hasScript(c, USCRIPT_HAN) ||
		uscript_hasScript(c, USCRIPT_HIRAGANA) ||
		uscript_hasScript(c, USCRIPT_KATAKANA) ||
		uscript_hasScript(c, USCRIPT_HANGUL))
		return CHAR_CJK;
	return CHAR_OTHER;
}

/* Whether a word break segment without letters or digits is an emoji. */
static bool
is_emoji(const UChar *s, int32_t len)
{
	UChar32		c;
	int32_t		i = 0;

	U16_NEXT(s, i, len, c);
	return u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC) ||
		u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR);
}

/* Whether a segment holds a letter (a number segment may: "abc123"). */
static bool
has_letter(const UChar *s, int32_t len)
{
	int32_t		i = 0;

	while (i < len)
	{
		UChar32		c;

		U16_NEXT(s, i, len, c);
		if (u_isalpha(c))
			return true;
	}
	return false;
}

/* Whether a word break segment with a rule status becomes a token. */
static bool
keep_segment(const MkTokenizeOptions *opts, int32_t rule,
			 const UChar *s, int32_t len)
{
	if (rule < UBRK_WORD_NONE_LIMIT)
		return opts->emoji && is_emoji(s, len);
	if (rule < UBRK_WORD_NUMBER_LIMIT && !opts->numbers)
		return has_letter(s, len);
	return true;
}

/* Step 4 on one stretch: the words ICU finds in it. */
static MkTokenizeStatus
break_words(MkTokenizer *tok, const MkTokenizeOptions *opts,
			const UChar *s, int32_t len)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		start;
	int32_t		end;

	ubrk_setText(tok->words, s, len, &status);
	if (U_FAILURE(status))
	{
		tok->error = status;
		return MK_TOKENIZE_ICU_FAILED;
	}
	start = ubrk_first(tok->words);
	while ((end = ubrk_next(tok->words)) != UBRK_DONE)
	{
		if (keep_segment(opts, ubrk_getRuleStatus(tok->words), s + start,
						 end - start))
			emit(tok, s + start, end - start);
		start = end;
	}
	return MK_TOKENIZE_OK;
}

/*
 * Step 4 on a CJK run: each character and the n-grams of up to n
 * characters starting at it.  A character is a code point with the
 * combining marks after it.
 */
static void
emit_ngrams(MkTokenizer *tok, int n, const UChar *s, int32_t len)
{
	int32_t		nchars = 0;
	int32_t		i = 0;

	reserve((void **) &tok->units, &tok->units_cap, (size_t) len + 1,
			sizeof(int32_t), 0);
	while (i < len)
	{
		UChar32		c;
		int32_t		at = i;

		U16_NEXT(s, i, len, c);
		if (nchars == 0 || char_class(c) != CHAR_MARK)
			tok->units[nchars++] = at;
	}
	tok->units[nchars] = len;
	for (int32_t k = 0; k < nchars; k++)
		for (int32_t g = 1; g <= n && k + g <= nchars; g++)
			emit(tok, s + tok->units[k],
				 tok->units[k + g] - tok->units[k]);
}

/* Step 4: the normalised text, stretch by stretch. */
static MkTokenizeStatus
tokenize_stretches(MkTokenizer *tok, const MkTokenizeOptions *opts,
				   int32_t nlen)
{
	const UChar *s = tok->norm;
	int32_t		pos = 0;

	/* without n-grams, one pass of ICU over the whole text is faster */
	if (opts->cjk_ngrams == 0)
		return break_words(tok, opts, s, nlen);
	while (pos < nlen)
	{
		int32_t		start = pos;
		bool		cjk = false;
		MkTokenizeStatus status = MK_TOKENIZE_OK;

		while (pos < nlen)
		{
			UChar32		c;
			int32_t		next = pos;
			CharClass	class;

			U16_NEXT(s, next, nlen, c);
			class = char_class(c);
			if (pos == start)
				cjk = class == CHAR_CJK;
			else if (class != CHAR_MARK && (class == CHAR_CJK) != cjk)
				break;
			pos = next;
		}
		if (!cjk || opts->cjk_words)
			status = break_words(tok, opts, s + start, pos - start);
		if (status != MK_TOKENIZE_OK)
			return status;
		if (cjk && opts->cjk_ngrams > 0)
			emit_ngrams(tok, opts->cjk_ngrams, s + start, pos - start);
	}
	return MK_TOKENIZE_OK;
}

/* Steps 1 to 4 of the header, into the tokenizer's buffers. */
MkTokenizeStatus
mk_tokenize(MkTokenizer *tok, const MkTokenizeOptions *opts,
			const char *text, size_t len, MkTokenList *out)
{
	MkTokenizeStatus status;
	int32_t		ulen = 0;
	int32_t		nlen = 0;

	tok->count = 0;
	tok->bytes_len = 0;
	release_large_buffers(tok);
	len = cut_utf8(text, len, opts->max_bytes < MK_TOKENIZE_MAX_BYTES_LIMIT ?
				   opts->max_bytes : MK_TOKENIZE_MAX_BYTES_LIMIT);
	if (!open_iterator(tok, opts))
		status = MK_TOKENIZE_ICU_FAILED;
	else
		status = to_utf16(tok, text, len, &ulen);
	if (status == MK_TOKENIZE_OK)
		status = normalize(tok, ulen, &nlen);
	if (status == MK_TOKENIZE_OK)
		status = tokenize_stretches(tok, opts, nlen);
	if (status != MK_TOKENIZE_OK)
		tok->count = 0;
	out->count = tok->count;
	out->bytes = tok->bytes;
	out->spans = tok->spans;
	return status;
}
