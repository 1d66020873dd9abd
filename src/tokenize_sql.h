/*
 * tokenize_sql.h
 *		The ICU tokenizer inside a backend: options from jsonb, text of any
 *		database encoding, and one cached tokenizer per backend.
 *
 * Training and scoring code tokenizes a row with
 *
 *		MkTokenizeOptions opts;
 *		MkTokenList tokens;
 *
 *		ParseTokenizeOptions(options_jsonb, &opts);		(once)
 *		TokenizeText(DatumGetTextPP(value), &opts, &tokens);	(per row)
 *
 * and reads tokens with mk_token_text() and mk_token_length() (UTF-8,
 * whatever the database encoding) until its next call of TokenizeText.
 * Nothing is allocated per row in the caller's memory context, except the
 * text converted to UTF-8 in a database of another encoding.
 */
#ifndef MKTAI_TOKENIZE_SQL_H
#define MKTAI_TOKENIZE_SQL_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "text/tokenize.h"

/*
 * Parses a jsonb object of tokenizer options over the defaults (NULL: the
 * defaults alone); ERRORs with 22023 on an unknown name or a bad value.
 */
extern void ParseTokenizeOptions(Jsonb *options, MkTokenizeOptions *opts);

/*
 * Sets the option named key from a jsonb value; false when key names no
 * tokenizer option.  For option parsers that accept tokenizer options
 * among their own; they call CheckTokenizeOptions() when done.
 */
extern bool SetTokenizeOption(MkTokenizeOptions *opts, const char *key,
							  const JsonbValue *value);

/* ERRORs on options that are valid alone but not together. */
extern void CheckTokenizeOptions(const MkTokenizeOptions *opts);

/* The tokenizer option names, "a, b, c", for a hint. */
extern const char *TokenizeOptionNames(void);

/*
 * Tokenizes a text value of the database encoding with the backend's
 * tokenizer.  The list stays valid until the next call.  ERRORs when the
 * text is not valid UTF-8 in a SQL_ASCII database (22021).
 */
extern void TokenizeText(text *value, const MkTokenizeOptions *opts,
						 MkTokenList *tokens);

#endif							/* MKTAI_TOKENIZE_SQL_H */
