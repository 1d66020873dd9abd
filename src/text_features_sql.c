/*
 * text_features_sql.c
 *		From a text value to the feature ids of a text classifier.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "core/text_features.h"
#include "text_features_sql.h"
#include "tokenize_sql.h"

void
InitDocumentBuffers(DocumentBuffers *buf, MemoryContext mcxt)
{
	memset(buf, 0, sizeof(*buf));
	buf->mcxt = mcxt;
}

/* Makes room for n tokens and their hashes. */
static void
GrowTokens(DocumentBuffers *buf, int n)
{
	int			capacity = Max(buf->token_capacity, 64);

	if (n <= buf->token_capacity)
		return;
	while (capacity < n)
		capacity *= 2;
	if (buf->tokens != NULL)
	{
		pfree(buf->tokens);
		pfree(buf->hashes);
	}
	buf->tokens = MemoryContextAlloc(buf->mcxt, sizeof(MkToken) * capacity);
	buf->hashes = MemoryContextAlloc(buf->mcxt, sizeof(uint64) * capacity);
	buf->token_capacity = capacity;
}

/* Makes room for n ids. */
static void
GrowIds(DocumentBuffers *buf, size_t n)
{
	size_t		capacity = Max(buf->id_capacity, 256);

	if (n <= buf->id_capacity)
		return;
	while (capacity < n)
		capacity *= 2;
	if (buf->ids != NULL)
		pfree(buf->ids);
	buf->ids = MemoryContextAllocHuge(buf->mcxt, sizeof(int32) * capacity);
	buf->id_capacity = capacity;
}

size_t
DocumentIds(DocumentBuffers *buf, const MkText *model_text, text *doc)
{
	MkTokenList list;

	TokenizeText(doc, &model_text->tokenize, &list);
	GrowTokens(buf, list.count);
	for (int i = 0; i < list.count; i++)
	{
		buf->tokens[i].data = mk_token_text(&list, i);
		buf->tokens[i].len = (int32) mk_token_length(&list, i);
	}
	GrowIds(buf, mk_text_feat_count(&model_text->cfg.feat, buf->tokens, list.count));
	buf->n_tokens = list.count;
	return mk_text_features(buf->ids, buf->hashes, &model_text->cfg.feat,
							buf->tokens, list.count);
}
