/*
 * tokenize_sql.c
 *		mktai.tokenize(text, options jsonb): the ICU tokenizer of
 *		src/text/tokenize.c in SQL, and its backend-side helpers.
 *
 * One tokenizer per backend, made on first use in a memory context of its
 * own under TopMemoryContext, serves every caller: the SQL function and
 * the training and scoring code.  It cannot leak under ERROR, so no
 * PG_TRY is needed around it: ICU never calls back into PostgreSQL, so an
 * ERROR can only come from an allocation between ICU calls; the tokenizer
 * replaces a buffer only once its successor exists, re-points ICU at the
 * text before each use, and its ICU iterator is kept for the backend's
 * life rather than opened per call.
 *
 * Encodings.  ICU works on UTF-8 here.  In a UTF8 database the text is
 * used as stored.  In a SQL_ASCII database, where the server never checked
 * it, the text is validated as UTF-8 and bytes that are not are an ERROR
 * (22021).  Any other database encoding is converted to UTF-8 with
 * PostgreSQL's conversion functions, and tokens are converted back, which
 * fails (22P05) for a character that normalisation brought outside the
 * encoding, such as the micro sign of LATIN1 that NFKC makes a Greek mu.
 * Only mktai.tokenize() converts back: training and scoring hash the UTF-8
 * tokens as they are, so such a text classifies without error.
 *
 * Volatility.  The tokens depend on the arguments and on the ICU library
 * the server links, whose Unicode data and dictionaries change between
 * major ICU versions.  The function is IMMUTABLE anyway, as to_tsvector()
 * with a configuration and ICU collations are: indexes and generated
 * columns built on it must be rebuilt after an ICU upgrade (documented in
 * doc/reference.md).  The input limit is an option rather than a GUC for
 * the same reason: a setting would make the result depend on the session.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "tokenize_sql.h"

PG_FUNCTION_INFO_V1(mktai_tokenize);

/* The backend's tokenizer and the context its buffers live in. */
static MkTokenizer *backend_tokenizer = NULL;
static MemoryContext tokenizer_context = NULL;

/* The options of one call site, parsed once: in fn_mcxt. */
typedef struct TokenizeCallCache
{
	Size		raw_len;		/* the options jsonb as passed */
	char	   *raw;
	MkTokenizeOptions opts;
} TokenizeCallCache;

/* The options and what each takes, for hints. */
static const struct
{
	const char *name;
	const char *takes;
}			tokenize_options[] = {
	{"locale", "a BCP 47 language tag such as \"ja\" or \"zh-Hant\", "
	"or \"\" for the root locale"},
	{"cjk_ngrams", "0, or n from 1 to " CppAsString2(MK_TOKENIZE_MAX_NGRAM)
	" for the characters and character n-grams of up to n characters of "
	"Chinese, Japanese and Korean text"},
	{"cjk_words", "true or false"},
	{"numbers", "true or false"},
	{"emoji", "true or false"},
	{"max_bytes", "the bytes of UTF-8 read from a text, from 1 to 67108864"},
};

/* "a, b, c": the option names, for a hint. */
const char *
TokenizeOptionNames(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < lengthof(tokenize_options); i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 tokenize_options[i].name);
	return buf.data;
}

/* A hint saying what an option takes. */
static int
takes_hint(const char *key)
{
	for (int i = 0; i < lengthof(tokenize_options); i++)
		if (strcmp(tokenize_options[i].name, key) == 0)
			return errhint("Option \"%s\" takes %s.", key,
						   tokenize_options[i].takes);
	return 0;
}

/* ERRORs: an option's value has the wrong JSON type. */
static void
pg_attribute_noreturn()
wrong_type(const char *key, const JsonbValue *value, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be %s, not %s",
					key, expected, JsonbTypeName((JsonbValue *) value)),
			 takes_hint(key)));
}

/* An integer option's value, checked against [min, max]. */
static int
int_option(const char *key, const JsonbValue *value, int min, int max)
{
	double		d;

	if (value->type != jbvNumeric)
		wrong_type(key, value, "an integer");
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
										   NumericGetDatum(value->val.numeric)));
	if (d != floor(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an integer, not %.15g", key, d),
				 takes_hint(key)));
	if (!(d >= min && d <= max))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" is %.15g, outside its range [%d, %d]",
						key, d, min, max),
				 takes_hint(key)));
	return (int) d;
}

/* A boolean option's value. */
static bool
bool_option(const char *key, const JsonbValue *value)
{
	if (value->type != jbvBool)
		wrong_type(key, value, "a boolean");
	return value->val.boolean;
}

/* Sets the locale option from a jsonb string holding a BCP 47 tag. */
static void
locale_option(MkTokenizeOptions *opts, const JsonbValue *value)
{
	char	   *tag;

	if (value->type != jbvString)
		wrong_type("locale", value, "a string");
	tag = pnstrdup(value->val.string.val, value->val.string.len);
	if (!mk_tokenize_set_locale(opts, tag))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"locale\" is \"%s\", not a BCP 47 language tag",
						tag),
				 takes_hint("locale")));
}

/* One option from a jsonb value, checked; false for an unknown key. */
bool
SetTokenizeOption(MkTokenizeOptions *opts, const char *key,
				  const JsonbValue *value)
{
	if (strcmp(key, "locale") == 0)
		locale_option(opts, value);
	else if (strcmp(key, "cjk_ngrams") == 0)
		opts->cjk_ngrams = int_option(key, value, 0, MK_TOKENIZE_MAX_NGRAM);
	else if (strcmp(key, "cjk_words") == 0)
		opts->cjk_words = bool_option(key, value);
	else if (strcmp(key, "numbers") == 0)
		opts->numbers = bool_option(key, value);
	else if (strcmp(key, "emoji") == 0)
		opts->emoji = bool_option(key, value);
	else if (strcmp(key, "max_bytes") == 0)
		opts->max_bytes = int_option(key, value, 1,
									 MK_TOKENIZE_MAX_BYTES_LIMIT);
	else
		return false;
	return true;
}

/* ERRORs on a combination of options that makes no tokens of CJK text. */
void
CheckTokenizeOptions(const MkTokenizeOptions *opts)
{
	if (!opts->cjk_words && opts->cjk_ngrams == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"cjk_words\": false and \"cjk_ngrams\": 0 drop all CJK text"),
				 errhint("Set \"cjk_ngrams\" to 1 for characters as tokens.")));
}

/* The defaults, overridden by each key of a jsonb object. */
void
ParseTokenizeOptions(Jsonb *options, MkTokenizeOptions *opts)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	mk_tokenize_options_init(opts);
	if (options == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tokenize options must be a JSON object"),
				 errhint("Pass options as '{\"cjk_ngrams\": 2}'::jsonb.")));
	it = JsonbIteratorInit(&options->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		if (!SetTokenizeOption(opts, key, &v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized tokenize option \"%s\"", key),
					 errhint("Valid options are: %s.", TokenizeOptionNames())));
	}
	CheckTokenizeOptions(opts);
}

/*
 * The bytes of a text value as UTF-8, at least the first max_bytes of them
 * (the tokenizer cuts the rest); *len is their length.
 */
static const char *
text_to_utf8(text *value, size_t max_bytes, size_t *len)
{
	const char *s = VARDATA_ANY(value);
	int			n = VARSIZE_ANY_EXHDR(value);
	int			encoding = GetDatabaseEncoding();
	char	   *utf8;

	*len = n;
	if (encoding == PG_UTF8)
		return s;
	if (encoding == PG_SQL_ASCII)
	{
		/* the bytes read, and the rest of a character cut at the limit */
		int			read = Min((size_t) n, max_bytes);
		int			valid = pg_encoding_verifymbstr(PG_UTF8, s,
													Min(n, read + 3));

		if (valid < read)
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("text is not valid UTF-8 at byte %d", valid + 1),
					 errhint("mktai reads text in a SQL_ASCII database as UTF-8.")));
		return s;
	}

	/*
	 * A character takes at least 3/4 as many bytes in UTF-8 as in any server
	 * encoding: twice the limit in the database's bytes is enough.
	 */
	n = pg_mbcliplen(s, n, (int) Min((size_t) n, 2 * max_bytes));
	utf8 = pg_server_to_any(s, n, PG_UTF8);
	*len = utf8 != s ? strlen(utf8) : n;
	return utf8;
}

/* The backend's tokenizer, made on first use. */
static MkTokenizer *
get_tokenizer(void)
{
	if (backend_tokenizer == NULL)
	{
		MemoryContext old;

		if (tokenizer_context == NULL)
			tokenizer_context = AllocSetContextCreate(TopMemoryContext,
													  "mktai tokenizer",
													  ALLOCSET_DEFAULT_SIZES);
		old = MemoryContextSwitchTo(tokenizer_context);
		backend_tokenizer = mk_tokenizer_create();
		MemoryContextSwitchTo(old);
	}
	return backend_tokenizer;
}

/* A text value through the backend's tokenizer, as UTF-8 tokens. */
void
TokenizeText(text *value, const MkTokenizeOptions *opts, MkTokenList *tokens)
{
	MkTokenizer *tok = get_tokenizer();
	size_t		len;
	const char *utf8 = text_to_utf8(value, opts->max_bytes, &len);
	MemoryContext old;
	MkTokenizeStatus status;

	old = MemoryContextSwitchTo(tokenizer_context);
	status = mk_tokenize(tok, opts, utf8, len, tokens);
	MemoryContextSwitchTo(old);
	if (status == MK_TOKENIZE_BAD_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("text is not valid UTF-8")));
	if (status != MK_TOKENIZE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("ICU %s failed to tokenize text: %s",
						mk_tokenize_icu_version(), mk_tokenizer_error(tok))));
}

/* The parsed options of a call, from the call site's cache when unchanged. */
static const MkTokenizeOptions *
call_options(FunctionCallInfo fcinfo, Jsonb *options)
{
	TokenizeCallCache *cache = fcinfo->flinfo->fn_extra;
	Size		raw_len = VARSIZE(options);

	if (cache == NULL || cache->raw_len != raw_len ||
		memcmp(cache->raw, options, raw_len) != 0)
	{
		MkTokenizeOptions opts;

		/* parse first: an ERROR must not leave a half-made cache */
		ParseTokenizeOptions(options, &opts);
		if (cache == NULL)
			cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
										   sizeof(TokenizeCallCache));
		else
			pfree(cache->raw);
		cache->raw = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, raw_len);
		memcpy(cache->raw, options, raw_len);
		cache->raw_len = raw_len;
		cache->opts = opts;
		fcinfo->flinfo->fn_extra = cache;
	}
	return &cache->opts;
}

/* The tokens of a list as text[], in the database encoding. */
static ArrayType *
tokens_to_array(const MkTokenList *tokens)
{
	Datum	   *elems;
	bool		convert = GetDatabaseEncoding() != PG_UTF8 &&
		GetDatabaseEncoding() != PG_SQL_ASCII;

	if (tokens->count == 0)
		return construct_empty_array(TEXTOID);
	elems = palloc(sizeof(Datum) * tokens->count);
	for (int i = 0; i < tokens->count; i++)
	{
		const char *s = mk_token_text(tokens, i);
		int			len = mk_token_length(tokens, i);

		/* tokens end with a NUL, as converted strings do */
		if (convert)
		{
			s = pg_any_to_server(s, len, PG_UTF8);
			len = strlen(s);
		}
		elems[i] = PointerGetDatum(cstring_to_text_with_len(s, len));
	}
	return construct_array(elems, tokens->count, TEXTOID, -1, false,
						   TYPALIGN_INT);
}

/* mktai.tokenize(text, options jsonb): the tokens of a text, as text[]. */
Datum
mktai_tokenize(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const MkTokenizeOptions *opts = call_options(fcinfo, PG_GETARG_JSONB_P(1));
	MkTokenList tokens;

	TokenizeText(value, opts, &tokens);
	PG_RETURN_ARRAYTYPE_P(tokens_to_array(&tokens));
}
