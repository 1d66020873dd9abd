/*
 * model_cache.h
 *		Deployed models decoded once per backend, pinned while in use.
 */
#ifndef MKTAI_MODEL_CACHE_H
#define MKTAI_MODEL_CACHE_H

#include "postgres.h"

#include "core/mlp.h"
#include "model/model.h"

/*
 * A decoded model version.  It lives in its own memory context; the cache
 * frees it once it has been superseded and no caller holds a pin.
 */
typedef struct ModelHandle
{
	MemoryContext mcxt;
	char		name[NAMEDATALEN];
	int32		version;
	int			pins;
	bool		current;		/* still what the cache hands out */
	MkModel		model;
	MkMlpParams params;			/* named pointers into model.params: the
								 * network, or a sequence model's head */
	float	   *first_weight_t; /* its first layer transposed, made for
								 * scoring rows one at a time */
	MkRnnParams rnn_params;		/* a sequence model's recurrent layers */
} ModelHandle;

/*
 * The deployed version of a model, pinned until the owner context is reset
 * or deleted (typically the calling query's context).  Loads it from
 * mktai.models when the backend has no valid copy.
 */
extern ModelHandle *ModelAcquire(const char *name, MemoryContext owner);

/*
 * Decodes model bytes into a handle in the current memory context, not
 * cached.  A failure is an ERROR with the given SQLSTATE and hint; what
 * names the bytes in its message.
 */
extern ModelHandle *ModelDecode(bytea *weights, const char *what,
								int sqlstate, const char *hint);

#endif							/* MKTAI_MODEL_CACHE_H */
