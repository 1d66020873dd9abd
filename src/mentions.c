/*
 * mentions.c
 *		mktai.mentions(document, brands jsonb): the brands a text mentions,
 *		found by their names and aliases on the ICU tokens of the text.
 *
 * Matching is on tokens, not substrings, so that "apple" is not found in
 * "pineapple", and goes through the tokenizer of text classification
 * (tokenize_sql.h), so that full-width letters, case and compatibility
 * forms are normalised the same way as for the classifier.  An alias
 * matches where its tokens occur one after the other in the document's.
 *
 * Chinese, Japanese and Korean are matched character by character (the
 * options cjk_ngrams 1, cjk_words false): ICU's dictionary may split an
 * alias alone differently from the same characters in a sentence.  It
 * reads "在京东上买" as "在京 东 上 买", so dictionary words would miss
 * the alias "京东" there.
 *
 * Two variants of a document token count as the alias token they wrap,
 * because ICU keeps them as one word: a social handle "@huawei" for the
 * alias's first token, and the English possessive "apple's" for its last.
 *
 * Overlaps resolve leftmost-longest, as a reader would: the document is
 * read from its first token; where aliases start, the longest that
 * matches takes its tokens and the reading goes on after them.  With
 * brands Apple ["apple"] and Apple Music ["apple music"], "apple music"
 * mentions Apple Music only.  An alias listed under several brands
 * mentions them all.
 *
 * The brands are parsed and their aliases tokenized once per call site
 * and kept in fn_mcxt with a copy of the jsonb they came from, which a
 * changed argument replaces.  Aliases are found by a binary search on
 * the hash of their first token.  A row allocates in a scratch context,
 * reset by the next row, except for the returned array.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "tokenize_sql.h"

PG_FUNCTION_INFO_V1(mktai_mentions);

/* Most aliases over all brands of one call. */
#define MAX_ALIASES 10000

/* The example every hint shows; ASCII, as the database encoding may be. */
#define BRANDS_EXAMPLE \
	"'{\"Apple\": [\"apple\", \"iphone\"], \"Huawei\": [\"huawei\"]}'"

/* One alias: a run of tokens, and the brand it names. */
typedef struct BrandAlias
{
	uint32		first_hash;		/* hash of its first token */
	int			brand;			/* index into MentionCache.labels */
	int			ntokens;
	const char **tokens;		/* [ntokens], UTF-8, NUL-terminated */
	const size_t *lengths;		/* [ntokens] */
} BrandAlias;

/* A call site's brands, parsed; everything in context. */
typedef struct MentionCache
{
	MemoryContext context;		/* holds all of this; child of fn_mcxt */
	MemoryContext scratch;		/* per row, reset by the next */
	Size		raw_len;		/* the brands jsonb as passed */
	char	   *raw;
	int			nbrands;
	Datum	   *labels;			/* [nbrands] brand names, as text */
	int			naliases;
	int			alias_capacity;
	BrandAlias *aliases;		/* [naliases], by first_hash, longest first */
	uint64		row;			/* rows seen, to tell this row's marks */
	uint64	   *seen_row;		/* [nbrands] the last row mentioning it */
	int		   *order;			/* [nbrands] this row's brands */
} MentionCache;

/* Tokens as brands are matched: CJK by characters, see the header. */
static void
MentionTokenizeOptions(MkTokenizeOptions *opts)
{
	mk_tokenize_options_init(opts);
	opts->cjk_ngrams = 1;
	opts->cjk_words = false;
}

/* The hint of every malformed brands argument. */
static int
BrandsHint(void)
{
	return errhint("Pass brands as an object of names and aliases, such as %s::jsonb.",
				   BRANDS_EXAMPLE);
}

/* Makes room for one more alias. */
static void
GrowAliases(MentionCache *cache)
{
	if (cache->naliases >= MAX_ALIASES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("brands have more than %d aliases", MAX_ALIASES),
				 errhint("Split the brands over several calls, or keep the aliases that occur in the texts.")));
	if (cache->naliases < cache->alias_capacity)
		return;
	cache->alias_capacity = Min(Max(cache->alias_capacity * 2, 64), MAX_ALIASES);
	cache->aliases = repalloc(cache->aliases,
							  sizeof(BrandAlias) * cache->alias_capacity);
}

/* Adds alias as the next alias of brand, tokenized; ERRORs if tokenless. */
static void
AddAlias(MentionCache *cache, int brand, const char *label,
		 const JsonbValue *alias, const MkTokenizeOptions *opts)
{
	BrandAlias *a;
	text	   *value;
	MkTokenList list;
	const char **tokens;
	size_t	   *lengths;

	if (alias->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alias of brand \"%s\" must be a string, not %s",
						label, JsonbTypeName((JsonbValue *) alias)),
				 BrandsHint()));
	GrowAliases(cache);
	a = &cache->aliases[cache->naliases];
	value = cstring_to_text_with_len(alias->val.string.val,
									 alias->val.string.len);
	TokenizeText(value, opts, &list);
	if (list.count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alias \"%s\" of brand \"%s\" has no words",
						text_to_cstring(value), label),
				 errhint("An alias needs letters, digits or emoji; spaces and punctuation alone match nothing.")));
	pfree(value);
	tokens = palloc(sizeof(char *) * list.count);
	lengths = palloc(sizeof(size_t) * list.count);
	for (int i = 0; i < list.count; i++)
	{
		lengths[i] = mk_token_length(&list, i);
		tokens[i] = pnstrdup(mk_token_text(&list, i), lengths[i]);
	}
	a->first_hash = hash_bytes((const unsigned char *) tokens[0],
							   (int) lengths[0]);
	a->brand = brand;
	a->ntokens = list.count;
	a->tokens = tokens;
	a->lengths = lengths;
	cache->naliases++;
}

/* Adds the aliases of one brand, a jsonb array of strings. */
static void
AddBrand(MentionCache *cache, const char *label, const JsonbValue *aliases,
		 const MkTokenizeOptions *opts)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			before = cache->naliases;

	if (label[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("brand names must not be empty"),
				 BrandsHint()));
	if (aliases->type != jbvBinary ||
		!JsonContainerIsArray(aliases->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("aliases of brand \"%s\" must be an array of strings, not %s",
						label, JsonbTypeName((JsonbValue *) aliases)),
				 BrandsHint()));
	it = JsonbIteratorInit(aliases->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			AddAlias(cache, cache->nbrands, label, &v, opts);
	if (cache->naliases == before)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("brand \"%s\" has no aliases", label),
				 errhint("List every name to look for, the brand's own included: {\"%s\": [\"%s\", ...]}.",
						 label, label)));
}

/* qsort order of aliases: by first_hash, then the longest first. */
static int
CompareAliases(const void *a, const void *b)
{
	const BrandAlias *x = a;
	const BrandAlias *y = b;

	if (x->first_hash != y->first_hash)
		return x->first_hash < y->first_hash ? -1 : 1;
	if (x->ntokens != y->ntokens)
		return x->ntokens > y->ntokens ? -1 : 1;
	return x->brand - y->brand;
}

/* Parses and tokenizes brands into a new cache in a child of parent. */
static MentionCache *
ParseBrands(Jsonb *brands, MemoryContext parent)
{
	MemoryContext context = AllocSetContextCreate(parent, "mktai.mentions brands",
												  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(context);
	MentionCache *cache = palloc0(sizeof(MentionCache));
	MkTokenizeOptions opts;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			nbrands;

	if (!JB_ROOT_IS_OBJECT(brands))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("brands must be a JSON object"),
				 BrandsHint()));
	nbrands = JB_ROOT_COUNT(brands);
	if (nbrands == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("brands must name at least one brand"),
				 BrandsHint()));
	MentionTokenizeOptions(&opts);
	cache->context = context;
	cache->labels = palloc(sizeof(Datum) * nbrands);
	cache->aliases = palloc(sizeof(BrandAlias));
	it = JsonbIteratorInit(&brands->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *label;

		if (tok != WJB_KEY)
			continue;
		label = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		AddBrand(cache, label, &v, &opts);
		cache->labels[cache->nbrands++] = PointerGetDatum(cstring_to_text(label));
	}
	qsort(cache->aliases, cache->naliases, sizeof(BrandAlias), CompareAliases);
	cache->seen_row = palloc0(sizeof(uint64) * nbrands);
	cache->order = palloc(sizeof(int) * nbrands);
	cache->raw_len = VARSIZE(brands);
	cache->raw = palloc(cache->raw_len);
	memcpy(cache->raw, brands, cache->raw_len);
	cache->scratch = AllocSetContextCreate(context, "mktai.mentions row",
										   ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(old);
	return cache;
}

/* The call site's parsed brands, parsed again when the argument changed. */
static MentionCache *
CallBrands(FunctionCallInfo fcinfo, Jsonb *brands)
{
	MentionCache *cache = fcinfo->flinfo->fn_extra;

	if (cache == NULL || cache->raw_len != VARSIZE(brands) ||
		memcmp(cache->raw, brands, cache->raw_len) != 0)
	{
		/* parse first: an ERROR must leave the old cache intact */
		MentionCache *parsed = ParseBrands(brands, fcinfo->flinfo->fn_mcxt);

		if (cache != NULL)
			MemoryContextDelete(cache->context);
		fcinfo->flinfo->fn_extra = cache = parsed;
	}
	return cache;
}

/* The first index of aliases whose first token hashes to hash, or -1. */
static int
FindFirstHash(const MentionCache *cache, uint32 hash)
{
	int			lo = 0;
	int			hi = cache->naliases;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cache->aliases[mid].first_hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cache->naliases && cache->aliases[lo].first_hash == hash ? lo : -1;
}

/*
 * Whether document token k of list is alias token j of a: the same bytes,
 * or with "@" before a first token or "'s" after a last one.
 */
static bool
TokenMatches(const MkTokenList *list, int k, const BrandAlias *a, int j)
{
	const char *t = mk_token_text(list, k);
	size_t		len = mk_token_length(list, k);
	size_t		want = a->lengths[j];

	if (j == 0 && len == want + 1 && t[0] == '@')
	{
		t++;
		len--;
	}
	if (j == a->ntokens - 1 && len == want + 2 &&
		memcmp(t + want, "'s", 2) == 0)
		len = want;
	return len == want && memcmp(t, a->tokens[j], want) == 0;
}

/* Whether alias a occurs in list from token at on. */
static bool
AliasAt(const MkTokenList *list, int at, const BrandAlias *a)
{
	if (at + a->ntokens > list->count)
		return false;
	for (int j = 0; j < a->ntokens; j++)
		if (!TokenMatches(list, at + j, a, j))
			return false;
	return true;
}

/*
 * The hashes under which aliases starting at a document token may be
 * filed: the token's own, and that of the token without a leading "@" or
 * a trailing "'s".  Returns how many (1 to 3).
 */
static int
CandidateHashes(const MkTokenList *list, int at, uint32 *hashes)
{
	const unsigned char *t = (const unsigned char *) mk_token_text(list, at);
	int			len = (int) mk_token_length(list, at);
	int			n = 0;

	hashes[n++] = hash_bytes(t, len);
	if (len > 1 && t[0] == '@')
		hashes[n++] = hash_bytes(t + 1, len - 1);
	if (len > 2 && memcmp(t + len - 2, "'s", 2) == 0)
		hashes[n++] = hash_bytes(t, len - 2);
	return n;
}

/* The tokens of the longest alias at document token at; 0 for none. */
static int
LongestAliasAt(const MentionCache *cache, const MkTokenList *list, int at)
{
	uint32		hashes[3];
	int			nhashes = CandidateHashes(list, at, hashes);
	int			longest = 0;

	for (int h = 0; h < nhashes; h++)
		for (int i = FindFirstHash(cache, hashes[h]);
			 i >= 0 && i < cache->naliases &&
			 cache->aliases[i].first_hash == hashes[h]; i++)
		{
			const BrandAlias *a = &cache->aliases[i];

			if (a->ntokens > longest && AliasAt(list, at, a))
				longest = a->ntokens;
		}
	return longest;
}

/*
 * Appends to cache->order, from *nfound on, the brands not yet seen this
 * row of the aliases of length tokens at document token at.
 */
static void
MarkBrandsAt(MentionCache *cache, const MkTokenList *list, int at,
			 int length, int *nfound)
{
	uint32		hashes[3];
	int			nhashes = CandidateHashes(list, at, hashes);

	for (int h = 0; h < nhashes; h++)
		for (int i = FindFirstHash(cache, hashes[h]);
			 i >= 0 && i < cache->naliases &&
			 cache->aliases[i].first_hash == hashes[h]; i++)
		{
			const BrandAlias *a = &cache->aliases[i];

			if (a->ntokens == length &&
				cache->seen_row[a->brand] != cache->row &&
				AliasAt(list, at, a))
			{
				cache->seen_row[a->brand] = cache->row;
				cache->order[(*nfound)++] = a->brand;
			}
		}
}

/* qsort order of brand indexes. */
static int
CompareInts(const void *a, const void *b)
{
	return *(const int *) a - *(const int *) b;
}

/*
 * Reads the tokens leftmost-longest (see the header), filling
 * cache->order with the brands in order of first mention; returns their
 * number.
 */
static int
FindMentions(MentionCache *cache, const MkTokenList *list)
{
	int			nfound = 0;
	int			at = 0;

	cache->row++;
	while (at < list->count)
	{
		int			longest = LongestAliasAt(cache, list, at);
		int			before = nfound;

		if (longest == 0)
		{
			at++;
			continue;
		}
		MarkBrandsAt(cache, list, at, longest, &nfound);
		/* brands first mentioned by one alias: in the brands' key order */
		qsort(cache->order + before, nfound - before, sizeof(int), CompareInts);
		at += longest;
	}
	return nfound;
}

/*
 * mktai.mentions(document, brands): the brands the document names, in
 * order of first mention.
 */
Datum
mktai_mentions(PG_FUNCTION_ARGS)
{
	MentionCache *cache = CallBrands(fcinfo, PG_GETARG_JSONB_P(1));
	MemoryContext caller = MemoryContextSwitchTo(cache->scratch);
	MkTokenizeOptions opts;
	MkTokenList list;
	Datum	   *elems;
	int			nfound;

	MemoryContextReset(cache->scratch);
	MentionTokenizeOptions(&opts);
	TokenizeText(PG_GETARG_TEXT_PP(0), &opts, &list);
	nfound = FindMentions(cache, &list);
	MemoryContextSwitchTo(caller);
	if (nfound == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	elems = palloc(sizeof(Datum) * nfound);
	for (int i = 0; i < nfound; i++)
		elems[i] = cache->labels[cache->order[i]];
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, nfound, TEXTOID, -1, false,
										  TYPALIGN_INT));
}
