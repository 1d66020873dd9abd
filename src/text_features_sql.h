/*
 * text_features_sql.h
 *		A document's hashed feature ids inside a backend: the ICU tokenizer
 *		(tokenize_sql.h) followed by the hashing of text_features.h.
 *
 * Training and scoring both go through here, so a document gets the same
 * ids whichever path reads it.
 */
#ifndef MKTAI_TEXT_FEATURES_SQL_H
#define MKTAI_TEXT_FEATURES_SQL_H

#include "postgres.h"

#include "utils/memutils.h"

#include "model/model.h"

/* Growing buffers for one document's tokens and ids, reused per call. */
typedef struct DocumentBuffers
{
	MkToken    *tokens;
	uint64	   *hashes;
	int			token_capacity;
	int32	   *ids;
	size_t		id_capacity;
	int			n_tokens;		/* tokens of the last document: its first ids */
	MemoryContext mcxt;			/* where the buffers live */
} DocumentBuffers;

/* Sets up empty buffers that grow in mcxt. */
extern void InitDocumentBuffers(DocumentBuffers *buf, MemoryContext mcxt);

/*
 * The feature ids of a document under a text model's tokenizer and
 * features: returns their number; they stay in buf->ids until the next
 * call, and the first buf->n_tokens of them are its unigrams in order.
 */
extern size_t DocumentIds(DocumentBuffers *buf, const MkText *model_text,
						  text *doc);

#endif							/* MKTAI_TEXT_FEATURES_SQL_H */
